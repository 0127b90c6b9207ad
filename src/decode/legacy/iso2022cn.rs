//! ISO-2022-CN and ISO-2022-CN-EXT (RFC 1922): 7-bit text that designates
//! a double-byte set to G1 (`ESC $ ) A` GB 2312, `ESC $ ) G` CNS plane 1,
//! `ESC $ ) E` ISO-IR-165) and shifts into it with SO/SI; CNS plane 2 and
//! planes 3-7 are reached one character at a time with the single shifts
//! `ESC N` (G2) and `ESC O` (G3).

use super::tables::{self, Mapped};
use super::{truncated, Step};

const ESC: u8 = 0x1B;
const SO: u8 = 0x0E;
const SI: u8 = 0x0F;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum G1 {
    Gb2312,
    Cns1,
    IsoIr165,
}

/// Designations and shift state; all of it ends with the line.
///
/// G2 is not tracked: `ESC $ * H` (CNS plane 2) is the only set RFC 1922
/// lets into G2, so a single shift to G2 means plane 2 even when the line
/// forgot the designation, and decoding it cannot guess wrong.
#[derive(Debug, Clone, Default)]
pub(super) struct Iso2022Cn {
    g1: Option<G1>,
    /// CNS plane (3..=7) designated to G3.
    g3: Option<u8>,
    shifted: bool,
}

fn is_94(b: u8) -> bool {
    (0x21..=0x7E).contains(&b)
}

impl Iso2022Cn {
    pub(super) fn step(&mut self, input: &[u8], last: bool) -> Step {
        let b0 = input[0];
        match b0 {
            0x80.. => Step::Error(1),
            ESC => self.escape(input, last),
            SO => {
                // Shifting into an undesignated G1 is not an error by
                // itself; each pair that follows is, since guessing between
                // GB 2312 and CNS would make garbage.
                self.shifted = true;
                Step::Skip(1)
            }
            SI => {
                self.shifted = false;
                Step::Skip(1)
            }
            // RFC 1922: lines start and end in ASCII, and a designation
            // holds only for the rest of its line.
            b'\n' | b'\r' => {
                let was_shifted = self.shifted;
                *self = Self::default();
                if was_shifted {
                    Step::ErrorThen(1, b0 as char)
                } else {
                    Step::Char(1, b0 as char)
                }
            }
            _ if !self.shifted => Step::Ascii(super::ascii_run(input, |b| {
                !matches!(b, ESC | SO | SI | b'\n' | b'\r')
            })),
            0x21..=0x7E => {
                let Some(&b1) = input.get(1) else {
                    return truncated(last, 1);
                };
                if !is_94(b1) {
                    return Step::Error(1);
                }
                let c = match self.g1 {
                    Some(G1::Gb2312) => tables::gb2312(b0, b1).map(Mapped::Char),
                    Some(G1::IsoIr165) => tables::iso_ir_165(b0, b1).map(Mapped::Char),
                    Some(G1::Cns1) => tables::cns(1, b0, b1),
                    None => None,
                };
                c.map_or(Step::Error(2), |m| Step::Mapped(2, m))
            }
            // ISO 2022 leaves space, DEL and the other controls alone
            // whatever set is shifted in.
            _ => Step::Char(1, b0 as char),
        }
    }

    fn escape(&mut self, input: &[u8], last: bool) -> Step {
        let Some(&b1) = input.get(1) else {
            return truncated(last, 1);
        };
        if b1 == b'N' || b1 == b'O' {
            return self.single_shift(input, last);
        }
        // ISO 2022 escape syntax: intermediates 0x20-0x2F, then a final
        // 0x30-0x7E. Parsing whole sequences, known or not, means an
        // unknown one costs one U+FFFD and leaves no debris like "$(B".
        // Two intermediates are the most RFC 1922 uses; a longer sequence
        // is cut after its third byte.
        let mut len = 1;
        loop {
            let Some(&b) = input.get(len) else {
                return truncated(last, len);
            };
            match b {
                0x20..=0x2F if len < 3 => len += 1,
                0x30..=0x7E => return self.designate(&input[1..len], b, len + 1),
                _ => return Step::Error(len),
            }
        }
    }

    fn designate(&mut self, intermediates: &[u8], fin: u8, len: usize) -> Step {
        match (intermediates, fin) {
            (b"$)", b'A') => self.g1 = Some(G1::Gb2312),
            (b"$)", b'G') => self.g1 = Some(G1::Cns1),
            (b"$)", b'E') => self.g1 = Some(G1::IsoIr165),
            (b"$*", b'H') => {}
            (b"$+", b'I'..=b'M') => self.g3 = Some(fin - b'I' + 3),
            _ => return Step::Error(len),
        }
        Step::Skip(len)
    }

    /// `ESC N` or `ESC O` and the two bytes of one character.
    fn single_shift(&mut self, input: &[u8], last: bool) -> Step {
        for i in 2..4 {
            match input.get(i) {
                None => return truncated(last, i),
                Some(&b) if !is_94(b) => return Step::Error(i),
                Some(_) => {}
            }
        }
        let plane = if input[1] == b'N' { Some(2) } else { self.g3 };
        match plane.and_then(|p| tables::cns(p, input[2], input[3])) {
            Some(m) => Step::Mapped(4, m),
            None => Step::Error(4),
        }
    }
}
