//! Johab (KS X 1001 Annex 3, Windows code page 1361): ASCII below 0x80,
//! and two-byte codes for every modern hangul syllable (composed from
//! 5-bit jamo indices), plus KS X 1001's symbols and hanja rearranged.
//! The characters come from CPython's 'johab' codec via
//! `foreign_tables::johab`.

use super::foreign_tables;
use super::tables::Mapped;
use super::{ascii_run, truncated, Step};

/// Whether `b` starts a two-byte code, and which trail bytes that code
/// can have. The ranges are the standard's; `foreign.bin` is generated only
/// if every CPython cell lies inside them. 0xD8 is the user-defined row:
/// it maps nothing, but is still a two-byte code, so its trail byte is not
/// read as a lead of its own.
fn trail_ok(lead: u8) -> Option<fn(u8) -> bool> {
    match lead {
        0x84..=0xD3 => Some(|b| matches!(b, 0x41..=0x7E | 0x81..=0xFE)),
        0xD8..=0xDE | 0xE0..=0xF9 => Some(|b| matches!(b, 0x31..=0x7E | 0x91..=0xFE)),
        _ => None,
    }
}

/// Johab has no shift state; every code stands alone.
///
/// ASCII is read as ASCII throughout, 0x5C included: CPython reads it as a
/// backslash too, while glibc gives U+20A9 WON SIGN (the glyph Korean
/// fonts drew there). File paths and markup need the backslash, and
/// browsers and most tools agree.
pub(super) fn step(input: &[u8], last: bool) -> Step {
    let b0 = input[0];
    if b0 < 0x80 {
        return Step::Ascii(ascii_run(input, |_| true));
    }
    let Some(trail_ok) = trail_ok(b0) else {
        return Step::Error(1);
    };
    let Some(&b1) = input.get(1) else {
        return truncated(last, 1);
    };
    if !trail_ok(b1) {
        // Resynchronise on the byte that cannot be this lead's trail.
        return Step::Error(1);
    }
    match foreign_tables::johab(b0, b1) {
        Some(c) => Step::Mapped(2, Mapped::Char(c)),
        // An ASCII trail of a pair that means nothing is given back, as
        // WHATWG does for EUC-KR, Big5 and Shift_JIS: a stray lead byte
        // before plain text then costs no letter of that text.
        None if b1 < 0x80 => Step::Error(1),
        None => Step::Error(2),
    }
}
