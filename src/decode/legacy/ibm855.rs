//! IBM855, the DOS code page for the Cyrillic alphabets of Russian,
//! Bulgarian, Serbian, Macedonian, Ukrainian and Belarusian: ASCII below
//! 0x80 and one table character per byte above.

use super::foreign_tables;
use super::{ascii_run, Step};

/// A single-byte code page has no state and no malformed input: every
/// byte is a character.
pub(super) fn step(input: &[u8]) -> Step {
    let b0 = input[0];
    if b0 < 0x80 {
        Step::Ascii(ascii_run(input, |_| true))
    } else {
        Step::Char(1, foreign_tables::ibm855(b0))
    }
}

/// Signs other than letters that Cyrillic prose in IBM855 uses: guillemets,
/// the numero sign, no-break space, soft hyphen and the section sign.
fn prose_sign(c: char) -> bool {
    matches!(c, '«' | '»' | '№' | '\u{A0}' | '\u{AD}' | '§')
}

fn cyrillic_letter(c: char) -> bool {
    ('\u{400}'..='\u{45F}').contains(&c)
}

/// See [`super::looks_like`]. Every byte string decodes cleanly, so this
/// looks at what the high bytes turn into instead. Text in another
/// single-byte encoding read as IBM855 comes out as Cyrillic letters in a
/// random mix of cases (IBM855 pairs the small and capital letter of each
/// sound in adjacent bytes), as box-drawing characters, or as single
/// "Cyrillic" letters glued into Latin words; real text has almost none of
/// the three.
pub(super) fn looks_like(bytes: &[u8]) -> bool {
    let mut high = 0usize;
    let mut other_signs = 0usize;
    let mut letters = 0usize;
    // A small letter followed by a capital inside a Cyrillic word.
    let mut case_flips = 0usize;
    // A Cyrillic letter next to an ASCII letter.
    let mut script_mix = 0usize;
    let mut prev: Option<char> = None;
    for &b in bytes {
        let c = if b < 0x80 {
            b as char
        } else {
            high += 1;
            foreign_tables::ibm855(b)
        };
        if cyrillic_letter(c) {
            letters += 1;
            match prev {
                Some(p) if cyrillic_letter(p) && p.is_lowercase() && c.is_uppercase() => {
                    case_flips += 1
                }
                Some(p) if p.is_ascii_alphabetic() => script_mix += 1,
                _ => {}
            }
        } else if b >= 0x80 && !prose_sign(c) {
            other_signs += 1;
        } else if c.is_ascii_alphabetic() && prev.is_some_and(cyrillic_letter) {
            script_mix += 1;
        }
        prev = Some(c);
    }
    // The bounds leave room for a few abbreviations like "кВт", a boxed
    // table line, and Latin names written next to Russian ones; measured on
    // the shared corpus, real IBM855 stays far below each, and IBM866,
    // windows-1251, KOI8-R, Latin and Hebrew pages read as IBM855 break at
    // least one of them.
    letters > 0
        && other_signs * 64 <= high
        && case_flips * 64 <= letters
        && script_mix * 16 <= letters
}
