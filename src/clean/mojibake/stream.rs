//! The "wrong" side of a mis-decoding: which characters a wrong decoder
//! can produce, and how to turn them back into the bytes it read.

use super::tables::{is_cp1252_special, latin_byte, tables};

/// The encoding a piece of text was wrongly decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Src {
    /// windows-1252 or Latin-1.
    Latin,
    /// GBK / GB18030.
    Gbk,
    /// Big5, with the HKSCS extension.
    Big5,
}

/// Bytes recovered from a run of characters, with a record of where each
/// character's bytes start.
#[derive(Debug, Default)]
pub struct Stream {
    /// The bytes; a hole holds 0 and is flagged in `hole`.
    pub bytes: Vec<u8>,
    /// For each byte, [`KNOWN`], [`LOST`] or [`WILD`].
    pub hole: Vec<u8>,
    /// Byte offset where character `i` starts; one extra entry at the end.
    pub starts: Vec<u32>,
    /// Whether any byte is a hole.
    pub has_holes: bool,
}

/// A byte read from the text.
pub const KNOWN: u8 = 0;
/// A byte the wrong decoder could not read and replaced by U+FFFD; its
/// value obeys [`Src::hole_allows`].
pub const LOST: u8 = 1;
/// A byte of a character that an earlier step of a double repair could
/// not recover; any value.
pub const WILD: u8 = 2;

/// Stands, in the intermediate text of a double repair, for a double-byte
/// character whose bytes are unknown. A noncharacter, so it never means
/// anything else; it is only ever produced and consumed inside this module.
pub const UNKNOWN_PAIR: char = '\u{FDD0}';

impl Src {
    /// Whether the wrong decoder can have produced non-ASCII `c`.
    /// U+FFFD counts: decoders write it for bytes they cannot read.
    #[inline]
    pub fn member(self, c: char) -> bool {
        if c == '\u{FFFD}' {
            return true;
        }
        match self {
            Src::Latin => ('\u{80}'..='\u{FF}').contains(&c) || is_cp1252_special(c),
            Src::Gbk => c == '€' || tables().gbk_pair_of(c).is_some(),
            Src::Big5 => tables().big5_pair_of(c).is_some(),
        }
    }

    /// Appends the bytes the wrong decoder read as `c`; `false` if it
    /// cannot have produced `c`. U+FFFD becomes a hole.
    ///
    /// `whatwg` picks between the two decoder families where they disagree.
    /// GB18030 decoders of the 2005 standard (Python's among them) read €
    /// only from A2E3, and Python's Big5 decoder gives up on a bad pair's
    /// lead byte alone, so U+FFFD is one lost byte. WHATWG decoders (every
    /// browser, encoding_rs) also read € from a lone 0x80, and drop a Big5
    /// pair whose second byte is out of range as a whole, so U+FFFD is two.
    #[inline]
    pub fn push(self, c: char, out: &mut Stream, whatwg: bool) -> bool {
        out.starts.push(out.bytes.len() as u32);
        if c.is_ascii() {
            out.bytes.push(c as u8);
            out.hole.push(KNOWN);
            return true;
        }
        if c == '\u{FFFD}' && whatwg && self == Src::Big5 {
            out.bytes.extend_from_slice(&[0, 0]);
            out.hole.extend_from_slice(&[WILD, WILD]);
            out.has_holes = true;
            return true;
        }
        if c == '\u{FFFD}' {
            out.bytes.push(0);
            out.hole.push(LOST);
            out.has_holes = true;
            return true;
        }
        if c == UNKNOWN_PAIR && self != Src::Latin {
            out.bytes.extend_from_slice(&[0, 0]);
            out.hole.extend_from_slice(&[WILD, WILD]);
            out.has_holes = true;
            return true;
        }
        let pair = match self {
            Src::Latin => {
                return match latin_byte(c) {
                    Some(b) => {
                        out.bytes.push(b);
                        out.hole.push(KNOWN);
                        true
                    }
                    None => {
                        out.starts.pop();
                        false
                    }
                };
            }
            Src::Gbk if c == '€' && whatwg => {
                out.bytes.push(0x80);
                out.hole.push(KNOWN);
                return true;
            }
            Src::Gbk => tables().gbk_pair_of(c),
            Src::Big5 => tables().big5_pair_of(c),
        };
        match pair {
            Some(p) => {
                out.bytes.extend_from_slice(&p);
                out.hole.extend_from_slice(&[KNOWN, KNOWN]);
                true
            }
            None => {
                out.starts.pop();
                false
            }
        }
    }

    /// Whether the hole at `i` may have held byte `v`.
    ///
    /// A decoder writes U+FFFD for a byte it cannot start a character with,
    /// and (Python's and WHATWG's alike) for a lead byte whose follower does
    /// not complete a pair, keeping the follower to read again. So the lost
    /// byte is never ASCII, and it cannot be a lead that forms a valid pair
    /// with the byte that follows it. For GBK that pins most holes to 0x80,
    /// the one high byte GB18030 cannot start a character with.
    /// `follow` is the byte after the stream, if known (ASCII after the
    /// span, or `None` at the end of the line).
    pub fn hole_allows(self, s: &Stream, i: usize, v: u8, follow: Option<u8>) -> bool {
        self.hole_allows_before(v, self.hole_next(s, i, follow))
    }

    /// The byte after hole `i` as far as [`Src::hole_allows`] is
    /// concerned: all it looks at besides the value tried.
    pub fn hole_next(self, s: &Stream, i: usize, follow: Option<u8>) -> Option<u8> {
        if i + 1 < s.bytes.len() {
            if s.hole[i + 1] != KNOWN {
                // Another lost byte: high, but of unknown value. Every high
                // byte completes a GBK pair, so 0x80 stands in for it there;
                // Big5 leaves gaps, so nothing can be said.
                (self == Src::Gbk).then_some(0x80)
            } else {
                Some(s.bytes[i + 1])
            }
        } else {
            follow
        }
    }

    /// [`Src::hole_allows`] with the byte after the hole given.
    pub fn hole_allows_before(self, v: u8, next: Option<u8>) -> bool {
        if v < 0x80 {
            return false;
        }
        match self {
            // windows-1252 decoders that refuse its five undefined bytes.
            Src::Latin => matches!(v, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D),
            Src::Gbk => {
                if v == 0xFF {
                    return false;
                }
                match next {
                    Some(n) if (0x30..=0x39).contains(&n) => true,
                    Some(n) => v == 0x80 || tables().gbk_decode(v, n).is_none(),
                    None => true,
                }
            }
            Src::Big5 => match next {
                Some(n) => tables().big5_decode(v, n).is_none(),
                None => true,
            },
        }
    }

    /// Whether `chars` read differently under the two decoder families of
    /// [`Src::push`], so that both encodings are worth trying.
    pub fn ambiguous(self, chars: &[char]) -> bool {
        match self {
            Src::Latin => false,
            Src::Gbk => chars.contains(&'€'),
            Src::Big5 => chars.contains(&'\u{FFFD}'),
        }
    }

    /// Whether a hole may have held `v` when nothing followed it.
    pub fn hole_allows_at_end(self, v: u8) -> bool {
        match self {
            Src::Latin => matches!(v, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D),
            Src::Gbk => (0x80..0xFF).contains(&v),
            Src::Big5 => v >= 0x80,
        }
    }

    /// Encodes `chars`; `None` if one of them is not a member.
    pub fn encode(self, chars: &[char], whatwg: bool) -> Option<Stream> {
        let mut s = Stream {
            bytes: Vec::with_capacity(chars.len() * 2),
            hole: Vec::with_capacity(chars.len() * 2),
            starts: Vec::with_capacity(chars.len() + 1),
            has_holes: false,
        };
        for &c in chars {
            if !self.push(c, &mut s, whatwg) {
                return None;
            }
        }
        s.starts.push(s.bytes.len() as u32);
        Some(s)
    }
}
