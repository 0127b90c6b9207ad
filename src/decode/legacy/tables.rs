//! Character tables for the legacy decoders, read straight out of
//! `tables.bin` (written by `scripts/gen_cns11643.py`, whose docstring
//! describes the format byte by byte).
//!
//! The section offsets are worked out at compile time, so a lookup is a few
//! byte reads with no parsing or allocation at run time; a layout mismatch
//! between the generator and this file stops the build instead of
//! producing wrong characters.
//!
//! GB 2312 is the exception: the file only says which cells exist, and the
//! characters come from encoding_rs (see [`gb2312`]).

use std::sync::OnceLock;

static DATA: &[u8] = include_bytes!("tables.bin");

const fn u16_at(at: usize) -> usize {
    DATA[at] as usize | (DATA[at + 1] as usize) << 8
}

const fn u24_at(at: usize) -> u32 {
    DATA[at] as u32 | (DATA[at + 1] as u32) << 8 | (DATA[at + 2] as u32) << 16
}

/// Cells per row and rows per plane of a 94 x 94 set.
const SIDE: usize = 94;
const CNS_PLANES: usize = 16;
/// Cell values from here on name an entry of the sequence list.
const SEQ_BASE: u32 = 0x11_0000;
const NO_BLOCK: usize = 0xFFFF;

const PROVENANCE_LEN: usize = DATA[5] as usize;
const PROVENANCE_AT: usize = 6;
const BLOCKS: usize = u16_at(PROVENANCE_AT + PROVENANCE_LEN);
const ROW_INDEX_AT: usize = PROVENANCE_AT + PROVENANCE_LEN + 2;
const CELLS_AT: usize = ROW_INDEX_AT + CNS_PLANES * SIDE * 2;
const SEQS_COUNT_AT: usize = CELLS_AT + BLOCKS * SIDE * 3;
const SEQS_AT: usize = SEQS_COUNT_AT + 2;
const GB_BITMAP_AT: usize = skip_sequences(SEQS_AT, u16_at(SEQS_COUNT_AT));
const GB_BITMAP_LEN: usize = (SIDE * SIDE).div_ceil(8);
const IR165_COUNT_AT: usize = GB_BITMAP_AT + GB_BITMAP_LEN;
const IR165_COUNT: usize = u16_at(IR165_COUNT_AT);
const IR165_AT: usize = IR165_COUNT_AT + 2;
const END_AT: usize = IR165_AT + IR165_COUNT * 5;

const fn skip_sequences(mut at: usize, count: usize) -> usize {
    let mut i = 0;
    while i < count {
        at += 1 + DATA[at] as usize;
        i += 1;
    }
    at
}

const _: () = {
    assert!(DATA[0] == b'Z' && DATA[1] == b'H' && DATA[2] == b'L' && DATA[3] == b'T');
    assert!(DATA[4] == 1, "tables.bin format version");
    assert!(
        END_AT + 4 == DATA.len(),
        "tables.bin layout does not match tables.rs"
    );
    assert!(DATA[END_AT] == b'Z' && DATA[END_AT + 3] == b'D');
};

/// Where the tables came from: the first line of `iconv --version` on the
/// machine that generated them.
pub fn provenance() -> &'static str {
    std::str::from_utf8(&DATA[PROVENANCE_AT..PROVENANCE_AT + PROVENANCE_LEN]).unwrap_or("?")
}

/// What a table cell decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    Char(char),
    /// A cell that stands for more than one code point. glibc 2.36 has none
    /// in CNS 11643, but the format allows them so that a future table with
    /// such cells is decoded whole rather than cut short.
    Str(&'static str),
}

/// Index of a cell within its 94 x 94 set; both bytes must be 0x21..=0x7E.
#[inline]
fn cell(row: u8, col: u8) -> usize {
    debug_assert!((0x21..=0x7E).contains(&row) && (0x21..=0x7E).contains(&col));
    (row as usize - 0x21) * SIDE + (col as usize - 0x21)
}

/// CNS 11643 plane `plane` (1..=16), cell `row`/`col` in 0x21..=0x7E.
#[inline]
pub fn cns(plane: u8, row: u8, col: u8) -> Option<Mapped> {
    debug_assert!((1..=CNS_PLANES as u8).contains(&plane));
    let row_slot = (plane as usize - 1) * SIDE + (row as usize - 0x21);
    let block = u16_at(ROW_INDEX_AT + row_slot * 2);
    if block == NO_BLOCK {
        return None;
    }
    let value = u24_at(CELLS_AT + (block * SIDE + (col as usize - 0x21)) * 3);
    match value {
        0 => None,
        v if v < SEQ_BASE => char::from_u32(v).map(Mapped::Char),
        v => sequence((v - SEQ_BASE) as usize).map(Mapped::Str),
    }
}

fn sequence(index: usize) -> Option<&'static str> {
    if index >= u16_at(SEQS_COUNT_AT) {
        return None;
    }
    let at = skip_sequences(SEQS_AT, index);
    let len = DATA[at] as usize;
    std::str::from_utf8(&DATA[at + 1..at + 1 + len]).ok()
}

/// GB 2312 cell `row`/`col` (0x21..=0x7E), as encoding_rs decodes the same
/// bytes with the high bits set.
///
/// Using encoding_rs's GBK rather than a GB 2312 table of our own keeps HZ
/// and ISO-2022-CN text identical to the same text sent as GB2312/GBK. It
/// differs from glibc and Python in two cells: A1A4 is U+00B7 (not U+30FB)
/// and A1AA is U+2014 (not U+2015), as in GB 18030.
#[inline]
pub fn gb2312(row: u8, col: u8) -> Option<char> {
    let c = gb2312_table()[cell(row, col)];
    if c == 0 {
        None
    } else {
        char::from_u32(c as u32)
    }
}

/// ISO-IR-165 cell `row`/`col`: GB 2312 plus glibc's additions and
/// redefinitions.
pub fn iso_ir_165(row: u8, col: u8) -> Option<char> {
    let wanted = cell(row, col);
    let (mut lo, mut hi) = (0, IR165_COUNT);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let at = IR165_AT + mid * 5;
        match u16_at(at).cmp(&wanted) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return char::from_u32(u24_at(at + 2)),
        }
    }
    gb2312(row, col)
}

fn gb2312_assigned(index: usize) -> bool {
    DATA[GB_BITMAP_AT + index / 8] >> (index % 8) & 1 == 1
}

/// The GB 2312 characters, built once from encoding_rs; 0 marks an
/// unassigned cell (no GB 2312 character is U+0000).
fn gb2312_table() -> &'static [u16; SIDE * SIDE] {
    static TABLE: OnceLock<Box<[u16; SIDE * SIDE]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Box::new([0u16; SIDE * SIDE]);
        let cells: Vec<usize> = (0..SIDE * SIDE).filter(|&i| gb2312_assigned(i)).collect();
        // One decoder call for all cells rather than one per cell.
        let bytes: Vec<u8> = cells
            .iter()
            .flat_map(|&i| [0xA1 + (i / SIDE) as u8, 0xA1 + (i % SIDE) as u8])
            .collect();
        let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
        debug_assert!(!had_errors);
        for (&i, c) in cells.iter().zip(text.chars()) {
            // Every GB 2312 character is in the BMP; anything else would be
            // a broken encoding_rs, and leaving the cell unmapped makes that
            // visible as U+FFFD instead of a wrong character.
            if let Ok(unit) = u16::try_from(c as u32) {
                if c != '\u{FFFD}' {
                    table[i] = unit;
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
    fn every_cns_cell_is_a_scalar_or_a_sequence() {
        let mut mapped = 0;
        for plane in 1..=16u8 {
            for row in 0x21..=0x7Eu8 {
                for col in 0x21..=0x7Eu8 {
                    if cns(plane, row, col).is_some() {
                        mapped += 1;
                    }
                }
            }
        }
        // The generator's count of cells glibc 2.36's EUC-TW maps; a cell
        // value that is not a valid scalar would be lost from this count.
        assert_eq!(mapped, 55_442);
    }

    #[test]
    fn gb2312_has_its_7445_cells_and_no_replacement_characters() {
        let mut n = 0;
        for row in 0x21..=0x7Eu8 {
            for col in 0x21..=0x7Eu8 {
                if let Some(c) = gb2312(row, col) {
                    assert_ne!(c, '\u{FFFD}');
                    n += 1;
                }
            }
        }
        assert_eq!(n, 7445);
    }

    #[test]
    fn provenance_names_glibc() {
        assert!(provenance().contains("GLIBC"), "{}", provenance());
    }
}
