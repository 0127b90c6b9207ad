//! HZ-GB-2312 (RFC 1843): 7-bit text where `~{` ... `~}` brackets GB 2312
//! characters written as byte pairs with the high bits cleared.

use super::tables;
use super::{ascii_run, truncated, Step};

/// Shift state: whether we are between `~{` and `~}`.
#[derive(Debug, Clone, Default)]
pub(super) struct Hz {
    gb: bool,
}

impl Hz {
    pub(super) fn step(&mut self, input: &[u8], last: bool) -> Step {
        let b0 = input[0];
        if self.gb {
            return self.gb_step(input, last);
        }
        match b0 {
            b'~' => self.tilde(input, last),
            0x80.. => Step::Error(1),
            _ => Step::Ascii(ascii_run(input, |b| b != b'~')),
        }
    }

    /// A tilde in ASCII mode starts one of RFC 1843's escapes.
    fn tilde(&mut self, input: &[u8], last: bool) -> Step {
        let Some(&b1) = input.get(1) else {
            return truncated(last, 1);
        };
        match b1 {
            b'~' => Step::Char(2, '~'),
            b'{' => {
                self.gb = true;
                Step::Skip(2)
            }
            b'\n' => Step::Skip(2),
            // Text stored with CRLF line ends writes the continuation as
            // `~` CR LF; RFC 1843 means "tilde before the line end".
            b'\r' => match input.get(2) {
                Some(b'\n') => Step::Skip(3),
                Some(_) => Step::SoftError(1),
                None if last => Step::SoftError(1),
                None => Step::NeedMore,
            },
            // Only the tilde is bad: what follows it is still ASCII text,
            // often a URL such as `/~user/` from a careless encoder.
            _ => Step::SoftError(1),
        }
    }

    fn gb_step(&mut self, input: &[u8], last: bool) -> Step {
        let b0 = input[0];
        match b0 {
            // RFC 1843 forbids line ends in GB mode. Going back to ASCII
            // keeps one missing `~}` from garbling the rest of the file.
            b'\n' | b'\r' => {
                self.gb = false;
                Step::ErrorThen(1, b0 as char)
            }
            0x21..=0x7E => {
                let Some(&b1) = input.get(1) else {
                    return truncated(last, 1);
                };
                if b0 == b'~' && b1 == b'}' {
                    self.gb = false;
                    return Step::Skip(2);
                }
                if !(0x21..=0x7E).contains(&b1) {
                    // Resynchronise on the byte that cannot be a trail.
                    return Step::Error(1);
                }
                match tables::gb2312(b0, b1) {
                    Some(c) => Step::Mapped(2, tables::Mapped::Char(c)),
                    // A lone lead byte before `~}`: give the tilde back so
                    // the shift out is still seen.
                    None if b1 == b'~' => Step::Error(1),
                    None => Step::Error(2),
                }
            }
            0x80.. => Step::Error(1),
            // Space, tab and other controls cannot be half of a pair; keep
            // them as themselves rather than lose them.
            _ => Step::Char(1, b0 as char),
        }
    }
}
