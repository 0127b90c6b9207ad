//! Unicode hygiene: the character-by-character repairs, the joiner
//! decisions that need neighbours, and NFC.

use unicode_normalization::char::{
    canonical_combining_class, decompose_canonical, decompose_compatible,
};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::chars::{
    is_complex_script, is_control, is_emoji_part, is_invisible, is_joiner, is_nbsp, narrow,
};
use super::{TidyOptions, TidyStats};

/// The one character `decompose` gives for `c`, if it gives exactly one
/// other character.
fn single(c: char, decompose: fn(char, &mut dyn FnMut(char))) -> Option<char> {
    let mut first = None;
    let mut count = 0;
    decompose(c, &mut |d| {
        count += 1;
        first.get_or_insert(d);
    });
    first.filter(|&d| count == 1 && d != c)
}

fn canonical(c: char, emit: &mut dyn FnMut(char)) {
    decompose_canonical(c, emit)
}

fn compatible(c: char, emit: &mut dyn FnMut(char)) {
    decompose_compatible(c, emit)
}

/// Kangxi radicals and the few CJK Radicals Supplement characters that
/// Unicode identifies with an ideograph (⺟ 母, ⻳ 龟). Only these get the
/// compatibility mapping: NFKC on the whole text would also flatten
/// full-width punctuation, circled digits and the like.
fn radical(c: char) -> Option<char> {
    match c as u32 {
        0x2E80..=0x2FD5 => single(c, compatible),
        _ => None,
    }
}

/// CJK compatibility ideographs with a canonical mapping. Twelve in the
/// U+FA0E–FA29 stretch are unified ideographs despite the block's name and
/// have none.
fn compat_ideograph(c: char) -> Option<char> {
    match c as u32 {
        0xF900..=0xFAFF | 0x2F800..=0x2FA1F => single(c, canonical),
        _ => None,
    }
}

/// The repairs that look at one character alone: removals, no-break
/// spaces, radicals, compatibility ideographs (with `unicode`) and
/// full-width letters and digits (with `width`). Joiners are left for
/// [`joiners`], which needs the neighbours this pass settles.
pub(super) fn map_chars(s: &str, opts: &TidyOptions, stats: &mut TidyStats) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if opts.unicode {
            if is_invisible(c) {
                stats.invisible += 1;
                continue;
            }
            if is_control(c) {
                stats.controls += 1;
                continue;
            }
            if is_nbsp(c) {
                stats.nbsp += 1;
                out.push(' ');
                continue;
            }
            if let Some(u) = radical(c) {
                stats.radicals += 1;
                out.push(u);
                continue;
            }
            if let Some(u) = compat_ideograph(c) {
                stats.compat_ideographs += 1;
                out.push(u);
                continue;
            }
        }
        if opts.width {
            if let Some(a) = narrow(c) {
                stats.width += 1;
                out.push(a);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Whether a run of joiners between `before` and `after` does any work.
/// ZWJ glues emoji into one glyph; in the complex scripts all three
/// (ZWJ, ZWNJ, the Mongolian vowel separator) choose letter shapes, so one
/// neighbour of that script is enough to keep them.
fn keep_joiner(j: char, before: Option<char>, after: Option<char>) -> bool {
    let complex = before.is_some_and(is_complex_script) || after.is_some_and(is_complex_script);
    let emoji = before.is_some_and(is_emoji_part) && after.is_some_and(is_emoji_part);
    complex || (j == '\u{200D}' && emoji)
}

/// Drops the joiners that join nothing. `None` when all of them stay.
pub(super) fn joiners(s: &str, stats: &mut TidyStats) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut removed = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !is_joiner(c) {
            out.push(c);
            i += 1;
            continue;
        }
        // A run of joiners is judged by the characters around the whole
        // run, so removing some of them never changes how the rest look.
        let start = i;
        while i < chars.len() && is_joiner(chars[i]) {
            i += 1;
        }
        let before = start.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i).copied();
        for &j in &chars[start..i] {
            if keep_joiner(j, before, after) {
                out.push(j);
            } else {
                removed += 1;
            }
        }
    }
    if removed == 0 {
        return None;
    }
    stats.invisible += removed;
    Some(out)
}

/// Where NFC can be applied to each side independently: before a starter
/// that never combines with what precedes it.
fn is_boundary(c: char) -> bool {
    c.is_ascii()
        || (canonical_combining_class(c) == 0
            && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes)
}

/// Whether `c` alone could make a text not NFC. Only for the fast scan:
/// it must never say no for a character that NFC could change.
pub(super) fn may_change_under_nfc(c: char) -> bool {
    !is_boundary(c)
}

/// NFC, counted per stretch between boundaries that it changes. `None`
/// when the text already is NFC.
pub(super) fn nfc(s: &str, stats: &mut TidyStats) -> Option<String> {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut changed = 0;
    let mut start = 0;
    let mut flush = |seg: &str, out: &mut String| {
        if is_nfc_quick(seg.chars()) == IsNormalized::Yes {
            out.push_str(seg);
            return;
        }
        let before = out.len();
        out.extend(seg.nfc());
        if out[before..] != *seg {
            changed += 1;
        }
    };
    for (i, c) in s.char_indices() {
        if i > start && is_boundary(c) {
            flush(&s[start..i], &mut out);
            start = i;
        }
    }
    flush(&s[start..], &mut out);
    if changed == 0 {
        return None;
    }
    stats.nfc += changed;
    Some(out)
}
