//! Character classes the tidy steps share.
//!
//! The ranges are deliberately coarse (whole blocks, unassigned code points
//! included): a class only steers which rule may fire, and a code point that
//! is unassigned today is far more likely to be assigned to the same script
//! tomorrow than to anything else.

/// How strongly a character says "this is Chinese writing" to the
/// punctuation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Ctx {
    /// Says nothing: ASCII, other scripts, spaces, symbols.
    None,
    /// Used by Chinese and by English typography alike (curly quotes,
    /// ellipsis, em dash, middle dot): Chinese only next to something
    /// strong.
    Weak,
    /// Han ideographs and CJK or full-width punctuation.
    Strong,
}

/// Han ideographs in the wide sense (see [`crate::model::is_han_script`]).
pub(super) fn is_han(c: char) -> bool {
    crate::model::is_han_script(c as u32)
}

/// CJK and full-width punctuation, full-width forms of ASCII, and the
/// vertical and compatibility forms. The ideographic space is not among
/// them: it is a space, and says nothing about what surrounds it.
pub(super) fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32,
        0x3001..=0x303F | 0xFF01..=0xFF65 | 0xFFE0..=0xFFE6 | 0xFE10..=0xFE1F | 0xFE30..=0xFE4F)
}

/// Punctuation that Chinese text uses but English text does too.
pub(super) fn is_weak(c: char) -> bool {
    matches!(
        c,
        '\u{2018}'
            | '\u{2019}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{2026}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{00B7}'
    )
}

pub(super) fn ctx(c: char) -> Ctx {
    if is_han(c) || is_cjk_punct(c) {
        Ctx::Strong
    } else if is_weak(c) {
        Ctx::Weak
    } else {
        Ctx::None
    }
}

/// C0 and C1 controls other than tab, LF and CR, and DEL.
pub(super) fn is_control(c: char) -> bool {
    matches!(c as u32, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F..=0x9F)
}

/// Zero-width characters removed wherever they stand, and the soft hyphen,
/// which only ever hints where a line may break.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// Characters that glue or separate their neighbours invisibly: kept where
/// a script or an emoji sequence needs them, removed elsewhere.
pub(super) fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}' | '\u{180E}')
}

/// No-break spaces that scraped pages use for layout, not meaning.
pub(super) fn is_nbsp(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2007}')
}

/// Full-width Latin letters and digits, mapped to ASCII.
pub(super) fn narrow(c: char) -> Option<char> {
    match c as u32 {
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

/// Emoji and the pieces emoji sequences are made of (pictographs, skin
/// tones, variation selector 16, keycap, tags), between which a ZWJ builds
/// one glyph (👨‍👩‍👧, 🏳️‍🌈).
pub(super) fn is_emoji_part(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF
        | 0x2190..=0x21FF
        | 0x2300..=0x23FF
        | 0x25A0..=0x27BF
        | 0x2900..=0x297F
        | 0x2B00..=0x2BFF
        | 0xFE0F
        | 0x20E3
        | 0xE0020..=0xE007F
        | 0x00A9
        | 0x00AE
        | 0x203C
        | 0x2049
        | 0x2122
        | 0x2139
        | 0x24C2
        | 0x3030
        | 0x303D
        | 0x3297
        | 0x3299)
}

/// Scripts whose spelling uses ZWJ, ZWNJ or the Mongolian vowel separator:
/// Arabic and its neighbours (Persian writes ZWNJ in ordinary words), the
/// Indic scripts, Tibetan, Myanmar, Khmer, Mongolian and a few more.
pub(super) fn is_complex_script(c: char) -> bool {
    matches!(c as u32,
        0x0600..=0x08FF
        | 0x0900..=0x0DFF
        | 0x0F00..=0x0FFF
        | 0x1000..=0x109F
        | 0x1780..=0x18AF
        | 0x1B00..=0x1B7F
        | 0xA8E0..=0xA8FF
        | 0xA980..=0xA9DF
        | 0xAA60..=0xAA7F
        | 0xFB50..=0xFDFF
        | 0xFE70..=0xFEFE
        | 0x11000..=0x111FF)
}
