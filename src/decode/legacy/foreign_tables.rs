//! Character tables for the non-Chinese legacy decoders: IBM855 and Johab
//! read straight out of `foreign.bin` (written by
//! `scripts/gen_foreign_tables.py`, whose docstring describes the format),
//! and KS X 1001 for ISO-2022-KR, built from encoding_rs.
//!
//! As in `tables.rs`, the layout is checked at compile time, so a generator
//! that changed the format stops the build instead of shifting characters.

use std::sync::OnceLock;

static DATA: &[u8] = include_bytes!("foreign.bin");

const fn u16_at(at: usize) -> u16 {
    DATA[at] as u16 | (DATA[at + 1] as u16) << 8
}

const PROVENANCE_LEN: usize = DATA[5] as usize;
const PROVENANCE_AT: usize = 6;
const IBM855_AT: usize = PROVENANCE_AT + PROVENANCE_LEN;
const JOHAB_GRID_AT: usize = IBM855_AT + 128 * 2;
const JOHAB_LEAD_FIRST: u8 = DATA[JOHAB_GRID_AT];
const JOHAB_LEAD_LAST: u8 = DATA[JOHAB_GRID_AT + 1];
const JOHAB_TRAIL_FIRST: u8 = DATA[JOHAB_GRID_AT + 2];
const JOHAB_TRAIL_LAST: u8 = DATA[JOHAB_GRID_AT + 3];
const JOHAB_WIDTH: usize = (JOHAB_TRAIL_LAST - JOHAB_TRAIL_FIRST) as usize + 1;
const JOHAB_CELLS_AT: usize = JOHAB_GRID_AT + 4;
const END_AT: usize =
    JOHAB_CELLS_AT + ((JOHAB_LEAD_LAST - JOHAB_LEAD_FIRST) as usize + 1) * JOHAB_WIDTH * 2;

const _: () = {
    assert!(DATA[0] == b'Z' && DATA[1] == b'H' && DATA[2] == b'F' && DATA[3] == b'T');
    assert!(DATA[4] == 1, "foreign.bin format version");
    assert!(JOHAB_LEAD_FIRST <= JOHAB_LEAD_LAST && JOHAB_TRAIL_FIRST <= JOHAB_TRAIL_LAST);
    assert!(
        END_AT + 4 == DATA.len(),
        "foreign.bin layout does not match foreign_tables.rs"
    );
    assert!(DATA[END_AT] == b'Z' && DATA[END_AT + 3] == b'D');
};

/// Where the IBM855 and Johab tables came from: the CPython version and
/// codec names that generated them.
pub fn provenance() -> &'static str {
    std::str::from_utf8(&DATA[PROVENANCE_AT..PROVENANCE_AT + PROVENANCE_LEN]).unwrap_or("?")
}

/// The character of IBM855 byte `b` (0x80..=0xFF); the code page assigns
/// all 128, so there is no "unmapped" case.
#[inline]
pub fn ibm855(b: u8) -> char {
    debug_assert!(b >= 0x80);
    let unit = u16_at(IBM855_AT + (b as usize - 0x80) * 2);
    // The generator stores only BMP scalars; anything else would be a
    // corrupt table, shown as U+FFFD rather than as a wrong letter.
    char::from_u32(unit as u32).unwrap_or('\u{FFFD}')
}

/// The character of the Johab pair `lead`, `trail`, if CPython's codec
/// maps it.
#[inline]
pub fn johab(lead: u8, trail: u8) -> Option<char> {
    if !(JOHAB_LEAD_FIRST..=JOHAB_LEAD_LAST).contains(&lead)
        || !(JOHAB_TRAIL_FIRST..=JOHAB_TRAIL_LAST).contains(&trail)
    {
        return None;
    }
    let index =
        (lead - JOHAB_LEAD_FIRST) as usize * JOHAB_WIDTH + (trail - JOHAB_TRAIL_FIRST) as usize;
    match u16_at(JOHAB_CELLS_AT + index * 2) {
        0 => None,
        unit => char::from_u32(unit as u32),
    }
}

const SIDE: usize = 94;

/// KS X 1001 cell `row`/`col` (0x21..=0x7E), as encoding_rs's EUC-KR
/// decodes the same bytes with the high bits set.
///
/// Taking encoding_rs rather than a table of our own keeps ISO-2022-KR text
/// identical to the same text sent as EUC-KR, which zhnorm decodes with
/// encoding_rs. On these cells it agrees with CPython's `iso2022_kr` cell
/// for cell (a test compares all 8836 against a fixture CPython wrote),
/// including the 1998 additions A2E6 (€) and A2E7 (®); neither has the
/// 2002 addition A2E8 (U+327E), which glibc's Johab knows.
#[inline]
pub fn ksx1001(row: u8, col: u8) -> Option<char> {
    debug_assert!((0x21..=0x7E).contains(&row) && (0x21..=0x7E).contains(&col));
    let c = ksx1001_table()[(row as usize - 0x21) * SIDE + (col as usize - 0x21)];
    if c == 0 {
        None
    } else {
        char::from_u32(c as u32)
    }
}

/// The 94 x 94 cells, built once from encoding_rs; 0 marks a cell EUC-KR
/// does not map.
fn ksx1001_table() -> &'static [u16; SIDE * SIDE] {
    static TABLE: OnceLock<Box<[u16; SIDE * SIDE]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Box::new([0u16; SIDE * SIDE]);
        // One decoder call for all cells. An unmapped pair with a trail
        // byte above 0x7F is one U+FFFD for both bytes (WHATWG), so the
        // output has exactly one character per cell.
        let bytes: Vec<u8> = (0..SIDE * SIDE)
            .flat_map(|i| [0xA1 + (i / SIDE) as u8, 0xA1 + (i % SIDE) as u8])
            .collect();
        let (text, _) = encoding_rs::EUC_KR.decode_without_bom_handling(&bytes);
        debug_assert_eq!(text.chars().count(), SIDE * SIDE);
        for (slot, c) in table.iter_mut().zip(text.chars()) {
            // Every KS X 1001 character is in the BMP; leaving anything
            // else unmapped makes a broken encoding_rs visible as U+FFFD.
            if let Ok(unit) = u16::try_from(c as u32) {
                if c != '\u{FFFD}' {
                    *slot = unit;
                }
            }
        }
        table
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn johab_has_the_generators_cell_count() {
        let mut n = 0;
        for lead in 0x80..=0xFFu8 {
            for trail in 0..=0xFFu8 {
                if let Some(c) = johab(lead, trail) {
                    assert_ne!(c, '\u{FFFD}');
                    n += 1;
                }
            }
        }
        // The count scripts/gen_foreign_tables.py prints for CPython's
        // 'johab': 11172 hangul syllables, 4888 hanja, 1005 others.
        assert_eq!(n, 17_065);
    }

    #[test]
    fn ibm855_high_half_has_no_ascii_and_no_replacement() {
        for b in 0x80..=0xFFu8 {
            let c = ibm855(b);
            assert!(!c.is_ascii() && c != '\u{FFFD}', "{b:02X} -> {c:?}");
        }
    }

    #[test]
    fn ksx1001_cell_count() {
        let mut n = 0;
        for row in 0x21..=0x7Eu8 {
            for col in 0x21..=0x7Eu8 {
                if let Some(c) = ksx1001(row, col) {
                    assert_ne!(c, '\u{FFFD}');
                    n += 1;
                }
            }
        }
        // As many as CPython's 'iso2022_kr' maps: KS X 1001:1998's 8225
        // and A4D4, the hangul filler, which CPython's 'euc_kr' leaves to
        // its jamo-composition sequences but WHATWG and 'iso2022_kr' map.
        assert_eq!(n, 8226);
    }

    #[test]
    fn provenance_names_cpython() {
        assert!(provenance().starts_with("CPython 3."), "{}", provenance());
    }
}
