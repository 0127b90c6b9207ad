//! ISO-2022-KR (RFC 1557): 7-bit text that designates KS X 1001 to G1 with
//! `ESC $ ) C` and shifts into it with SO, out with SI. The pairs are
//! decoded as EUC-KR with the high bits set (`foreign_tables::ksx1001`).

use super::foreign_tables;
use super::tables::Mapped;
use super::{ascii_run, truncated, Step};

const ESC: u8 = 0x1B;
const SO: u8 = 0x0E;
const SI: u8 = 0x0F;

/// Designation and shift state.
///
/// Unlike RFC 1922's ISO-2022-CN, RFC 1557 designates once for the whole
/// text (at the start of a line before the first SO), so the designation
/// outlives line ends; only the shift ends with the line.
#[derive(Debug, Clone, Default)]
pub(super) struct Iso2022Kr {
    /// `ESC $ ) C` seen, or a missing one already reported.
    designated: bool,
    shifted: bool,
}

fn is_94(b: u8) -> bool {
    (0x21..=0x7E).contains(&b)
}

impl Iso2022Kr {
    pub(super) fn step(&mut self, input: &[u8], last: bool) -> Step {
        let b0 = input[0];
        match b0 {
            0x80.. => Step::Error(1),
            ESC => self.escape(input, last),
            SO => {
                self.shifted = true;
                if self.designated {
                    Step::Skip(1)
                } else {
                    // SO with nothing designated breaks RFC 1557, yet KS X
                    // 1001 is the only set ISO-2022-KR can designate, so
                    // reading the pairs as KS X 1001 cannot guess wrong. One
                    // error for the stream (a lost first line, most likely),
                    // then the text as it was meant.
                    self.designated = true;
                    Step::Error(1)
                }
            }
            SI => {
                self.shifted = false;
                Step::Skip(1)
            }
            _ if !self.shifted => Step::Ascii(ascii_run(input, |b| !matches!(b, ESC | SO | SI))),
            // RFC 1557 has every line start in ASCII, so a line end while
            // shifted means a lost SI: one error, the line end kept, and
            // the next line read as ASCII instead of pairs of garbage.
            // (CPython returns to ASCII silently.)
            b'\n' | b'\r' => {
                self.shifted = false;
                Step::ErrorThen(1, b0 as char)
            }
            0x21..=0x7E => {
                let Some(&b1) = input.get(1) else {
                    return truncated(last, 1);
                };
                if !is_94(b1) {
                    return Step::Error(1);
                }
                match foreign_tables::ksx1001(b0, b1) {
                    Some(c) => Step::Mapped(2, Mapped::Char(c)),
                    None => Step::Error(2),
                }
            }
            // ISO 2022 leaves space, DEL and the other controls alone
            // whatever set is shifted in (CPython takes a space as half of
            // a pair, an error).
            _ => Step::Char(1, b0 as char),
        }
    }

    /// An escape sequence: intermediates 0x20-0x2F, then a final 0x30-0x7E,
    /// parsed whole as in ISO-2022-CN so an unknown one costs one U+FFFD
    /// and leaves no debris. `ESC $ ) C` is the only one RFC 1557 has; it
    /// may come again (some writers repeat it on every line).
    fn escape(&mut self, input: &[u8], last: bool) -> Step {
        let mut len = 1;
        loop {
            let Some(&b) = input.get(len) else {
                return truncated(last, len);
            };
            match b {
                0x20..=0x2F if len < 3 => len += 1,
                0x30..=0x7E => {
                    return if &input[1..len] == b"$)" && b == b'C' {
                        self.designated = true;
                        Step::Skip(len + 1)
                    } else {
                        Step::Error(len + 1)
                    };
                }
                _ => return Step::Error(len),
            }
        }
    }
}
