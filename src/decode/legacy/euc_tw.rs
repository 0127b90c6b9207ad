//! EUC-TW: ASCII, CNS 11643 plane 1 as two bytes A1-FE, and any plane as
//! the four bytes 8E, A0+plane, then the two plane-1-style bytes.

use super::tables;
use super::{ascii_run, truncated, Step};

const SS2: u8 = 0x8E;

fn is_gr(b: u8) -> bool {
    (0xA1..=0xFE).contains(&b)
}

/// EUC-TW has no shift state; every sequence stands alone.
pub(super) fn step(input: &[u8], last: bool) -> Step {
    let b0 = input[0];
    match b0 {
        0x00..=0x7F => Step::Ascii(ascii_run(input, |_| true)),
        0xA1..=0xFE => {
            let Some(&b1) = input.get(1) else {
                return truncated(last, 1);
            };
            if !is_gr(b1) {
                return Step::Error(1);
            }
            lookup(1, b0, b1, 2)
        }
        SS2 => {
            // Each byte must continue the sequence; the first one that does
            // not is left for the next step, so a lost byte costs only the
            // bytes before it.
            let plane_byte = |b: u8| (0xA1..=0xB0).contains(&b);
            for (i, ok) in [plane_byte as fn(u8) -> bool, is_gr, is_gr]
                .into_iter()
                .enumerate()
            {
                match input.get(i + 1) {
                    None => return truncated(last, i + 1),
                    Some(&b) if !ok(b) => return Step::Error(i + 1),
                    Some(_) => {}
                }
            }
            lookup(input[1] - 0xA0, input[2], input[3], 4)
        }
        _ => Step::Error(1),
    }
}

fn lookup(plane: u8, row: u8, col: u8, len: usize) -> Step {
    match tables::cns(plane, row & 0x7F, col & 0x7F) {
        Some(m) => Step::Mapped(len, m),
        None => Step::Error(len),
    }
}
