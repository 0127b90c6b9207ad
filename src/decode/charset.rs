//! The input encodings zhnorm knows, and single-character decoding for the
//! three that can be mixed inside one file.
//!
//! Mixed-encoding decoding needs to ask "what character starts at byte i if
//! this run is GB18030 (or Big5, or UTF-8)?" at every position, which a
//! streaming decoder cannot answer cheaply. For the two legacy encodings the
//! answer for every two-byte code is therefore tabulated once, from
//! encoding_rs itself, so both paths agree byte for byte.

use std::fmt;

use encoding_rs::Encoding;

use super::legacy::LegacyEncoding;

/// An input encoding as zhnorm decodes it.
///
/// GB2312 and GBK are decoded as their superset GB18030, and Big5 with the
/// HKSCS and cp950 extensions (the WHATWG Big5 table); a label naming any of
/// them maps here accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    /// An encoding encoding_rs decodes (UTF-8, UTF-16, GB18030, Big5,
    /// Shift_JIS, EUC-KR, windows-1252, ...).
    Std(&'static Encoding),
    /// HZ-GB-2312, EUC-TW or ISO-2022-CN, decoded by [`super::legacy`].
    Legacy(LegacyEncoding),
}

impl Charset {
    /// UTF-8.
    pub const UTF8: Charset = Charset::Std(encoding_rs::UTF_8);
    /// GB18030 (and so GB2312 and GBK).
    pub const GB18030: Charset = Charset::Std(encoding_rs::GB18030);
    /// Big5 with HKSCS.
    pub const BIG5: Charset = Charset::Std(encoding_rs::BIG5);

    /// Look up an encoding label (`gb2312`, `big5-hkscs`, `hz-gb-2312`,
    /// `x-euc-tw`, ...), as a `--from` option or a charset declaration gives it.
    pub fn for_label(label: &str) -> Option<Charset> {
        let label = label.trim();
        if let Some(legacy) = LegacyEncoding::for_label(label) {
            return Some(Charset::Legacy(legacy));
        }
        let lower = label.to_ascii_lowercase();
        // Labels WHATWG does not list but Chinese pages and tools use.
        let std = match lower.as_str() {
            "big5-hkscs" | "big5hkscs" | "cp950" | "ms950" | "windows-950" => {
                Some(encoding_rs::BIG5)
            }
            "gb18030-2000" | "gb18030-2005" | "cp936" | "ms936" | "windows-936" | "euc-cn"
            | "gb_2312" => Some(encoding_rs::GB18030),
            "utf8" => Some(encoding_rs::UTF_8),
            "utf-16" | "utf16" => Some(encoding_rs::UTF_16LE),
            _ => Encoding::for_label(lower.as_bytes()),
        }?;
        // "replacement" is WHATWG's sink for hostile labels; refusing it is more
        // useful than decoding a whole file to one U+FFFD.
        if std == encoding_rs::REPLACEMENT {
            return None;
        }
        Some(Charset::Std(normalise(std)))
    }

    /// The name zhnorm reports: the WHATWG name, or the usual name of the
    /// encodings WHATWG does not cover.
    pub fn name(self) -> &'static str {
        match self {
            Charset::Std(e) => e.name(),
            Charset::Legacy(l) => l.name(),
        }
    }

    /// Whether this is UTF-16 in either byte order, where NUL bytes are text.
    pub fn is_utf16(self) -> bool {
        matches!(self, Charset::Std(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE)
    }

    /// Whether this is one of the encodings a mixed file is decoded in, run
    /// by run.
    pub fn unit(self) -> Option<Unit> {
        match self {
            Charset::Std(e) if e == encoding_rs::UTF_8 => Some(Unit::Utf8),
            Charset::Std(e) if e == encoding_rs::GB18030 => Some(Unit::Gb18030),
            Charset::Std(e) if e == encoding_rs::BIG5 => Some(Unit::Big5),
            _ => None,
        }
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// GBK is decoded as GB18030, its superset, so a page that declares gb2312
/// but uses GB18030's four-byte codes still decodes.
fn normalise(e: &'static Encoding) -> &'static Encoding {
    if e == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        e
    }
}

/// The encodings that can alternate inside one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// UTF-8.
    Utf8 = 0,
    /// GB18030 (GB2312, GBK).
    Gb18030 = 1,
    /// Big5 with HKSCS.
    Big5 = 2,
}

impl Unit {
    /// All units, in index order.
    pub const ALL: [Unit; 3] = [Unit::Utf8, Unit::Gb18030, Unit::Big5];

    /// The charset this unit decodes.
    pub fn charset(self) -> Charset {
        match self {
            Unit::Utf8 => Charset::UTF8,
            Unit::Gb18030 => Charset::GB18030,
            Unit::Big5 => Charset::BIG5,
        }
    }

    /// Decode the character that starts at `bytes[i]`.
    ///
    /// Returns `None` when no valid character starts there (the caller then
    /// counts one bad byte and moves on) or when the input ends inside one.
    #[inline]
    pub fn step(self, bytes: &[u8], i: usize) -> Option<Step> {
        let b0 = bytes[i];
        if b0 < 0x80 {
            return Some(Step::one(b0 as char, 1));
        }
        match self {
            Unit::Utf8 => utf8_step(bytes, i),
            Unit::Gb18030 => gb_step(bytes, i),
            Unit::Big5 => big5_step(bytes, i),
        }
    }
}

impl Unit {
    /// Whether `bytes[i..]` is the valid beginning of a character of this
    /// encoding that the end of `bytes` cuts off.
    pub fn is_cut_off(self, bytes: &[u8], i: usize) -> bool {
        let rest = &bytes[i..];
        let b0 = rest[0];
        match self {
            Unit::Utf8 => {
                let need = match b0 {
                    0xC2..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    0xF0..=0xF4 => 4,
                    _ => return false,
                };
                rest.len() < need && rest[1..].iter().all(|b| (0x80..=0xBF).contains(b))
            }
            Unit::Gb18030 => matches!(
                rest,
                [0x81..=0xFE]
                    | [0x81..=0xFE, 0x30..=0x39]
                    | [0x81..=0xFE, 0x30..=0x39, 0x81..=0xFE]
            ),
            Unit::Big5 => matches!(rest, [0x81..=0xFE]),
        }
    }
}

/// One decoded character (or, for four Big5 codes, a base and a combining mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Bytes consumed.
    pub len: u8,
    /// The character.
    pub c: char,
    /// A second character, for the few codes that decode to two.
    pub c2: Option<char>,
}

impl Step {
    fn one(c: char, len: u8) -> Step {
        Step { len, c, c2: None }
    }
}

fn utf8_step(bytes: &[u8], i: usize) -> Option<Step> {
    let b0 = bytes[i];
    let need = match b0 {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let seq = bytes.get(i..i + need)?;
    let (lo, hi) = match b0 {
        0xE0 => (0xA0, 0xBF),
        0xED => (0x80, 0x9F),
        0xF0 => (0x90, 0xBF),
        0xF4 => (0x80, 0x8F),
        _ => (0x80, 0xBF),
    };
    if !(lo..=hi).contains(&seq[1]) || seq[2..].iter().any(|&b| !(0x80..=0xBF).contains(&b)) {
        return None;
    }
    let s = std::str::from_utf8(seq).ok()?;
    Some(Step::one(s.chars().next()?, need as u8))
}

/// Index of a two-byte legacy code in the pair tables: lead 0x81–0xFE times
/// every trail byte value (unused trails stay invalid), so lookups need no
/// range arithmetic per trail class.
#[inline]
fn pair_index(lead: u8, trail: u8) -> usize {
    (lead as usize - 0x81) * 256 + trail as usize
}

/// Marker in a pair table for "not a valid code".
const INVALID: u32 = u32::MAX;
/// Flag in a pair table for Big5 codes that decode to two characters; the
/// low bits then index [`BIG5_PAIRS`].
const DOUBLE: u32 = 0x8000_0000;

/// Words in the target's byte order, aligned for reading as `u32`.
#[repr(C, align(4))]
struct Aligned<T: ?Sized>(T);

static GB_PAIRS: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/gb_pairs.bin")));
static BIG5_PAIR_WORDS: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/big5_pairs.bin")));
static GB_FAST: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/gb_fast.bin")));
static BIG5_FAST: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/big5_fast.bin")));

include!(concat!(env!("OUT_DIR"), "/decode_doubles.rs"));

fn words(blob: &'static Aligned<[u8]>) -> &'static [u32] {
    let bytes = &blob.0;
    // SAFETY: `Aligned` makes the blob 4-byte aligned, the length is
    // rounded down to whole words, and every bit pattern is a valid u32.
    // build.rs wrote the words in this target's byte order.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<u32>(), bytes.len() / 4) }
}

/// GB18030's two-byte codes, tabulated by build.rs from encoding_rs:
/// indexed by [`pair_index`], the code point, or [`INVALID`].
fn gb_table() -> &'static [u32] {
    words(GB_PAIRS)
}

/// Big5's two-byte codes, as [`gb_table`], with [`DOUBLE`] entries that
/// index [`BIG5_DOUBLES`].
fn big5_table() -> &'static [u32] {
    words(BIG5_PAIR_WORDS)
}

/// What a two-byte GB18030 code (`big5: false`) or Big5 code reads as,
/// from the tables build.rs made: one character and `'\0'`, or two for the
/// Big5 codes with a combining mark; `None` when it is no code. Mojibake
/// repair reads its tables from here rather than asking encoding_rs about
/// every pair at run time.
pub(crate) fn two_byte_code(big5: bool, lead: u8, trail: u8) -> Option<[char; 2]> {
    if !(0x81..=0xFE).contains(&lead) {
        return None;
    }
    let table = if big5 { big5_table() } else { gb_table() };
    let v = table[pair_index(lead, trail)];
    if v == INVALID {
        return None;
    }
    if v & DOUBLE != 0 {
        let (a, b) = *BIG5_DOUBLES.get((v & !DOUBLE) as usize)?;
        return Some([a, b]);
    }
    char::from_u32(v).map(|c| [c, '\0'])
}

fn gb_step(bytes: &[u8], i: usize) -> Option<Step> {
    let b0 = bytes[i];
    if b0 == 0x80 || b0 == 0xFF {
        return None;
    }
    let b1 = *bytes.get(i + 1)?;
    if (0x30..=0x39).contains(&b1) {
        let seq = bytes.get(i..i + 4)?;
        let text = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(seq)?;
        let mut chars = text.chars();
        let c = chars.next()?;
        return (chars.next().is_none() && !c.is_ascii()).then_some(Step::one(c, 4));
    }
    let v = gb_table()[pair_index(b0, b1)];
    (v != INVALID).then(|| Step::one(char::from_u32(v).unwrap_or('\u{FFFD}'), 2))
}

fn big5_step(bytes: &[u8], i: usize) -> Option<Step> {
    let b0 = bytes[i];
    if b0 == 0x80 || b0 == 0xFF {
        return None;
    }
    let b1 = *bytes.get(i + 1)?;
    let v = big5_table()[pair_index(b0, b1)];
    if v == INVALID {
        return None;
    }
    if v & DOUBLE != 0 {
        let (a, b) = *BIG5_DOUBLES.get((v & !DOUBLE) as usize)?;
        return Some(Step {
            len: 2,
            c: a,
            c2: Some(b),
        });
    }
    Some(Step::one(char::from_u32(v).unwrap_or('\u{FFFD}'), 2))
}

/// The fast path's table (built by build.rs): for lead byte `b`
/// (0x80–0xFF) and trail `t`,
/// entry `(b & 0x7F) << 8 | t` holds the character's UTF-8 bytes (two or
/// three) in bits 0–23 and its model cost in bits 24–31, or 0 where the
/// careful path must decide (invalid codes, four-byte characters, and the
/// few Big5 codes that make two characters). One load per character, and
/// an index the compiler can see is in bounds.
type FastTable = [u32; 0x8000];

fn fast_table(unit: Unit) -> Option<&'static FastTable> {
    let table = match unit {
        Unit::Gb18030 => words(GB_FAST),
        Unit::Big5 => words(BIG5_FAST),
        Unit::Utf8 => return None,
    };
    table.try_into().ok()
}

/// Sliding windows over character costs ([`crate::model::char_cost`]) that
/// flag a stretch reading unlike Chinese: a few characters far too rare in a row (a misread quote
/// throwing a line out of step), or a longer stretch rare on average (a
/// paragraph in another encoding). The last eight costs live in one word.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plausibility {
    recent: u64,
    short: u32,
    long: u32,
}

impl Plausibility {
    /// Most the last four characters may cost: 16 bits each on average.
    const SHORT_MAX: u32 = 4 * 16 * crate::model::BIT;
    /// Most the last eight characters may cost: 14.5 bits each on average.
    const LONG_MAX: u32 = 8 * 58;

    /// Add one character's cost (saturated to a byte); false once the
    /// stretch reads unlike Chinese.
    #[inline]
    pub(crate) fn push(&mut self, cost: u8) -> bool {
        let leaving_long = (self.recent >> 56) as u32;
        let leaving_short = ((self.recent >> 24) & 0xFF) as u32;
        self.recent = (self.recent << 8) | cost as u64;
        self.short = self.short + cost as u32 - leaving_short;
        self.long = self.long + cost as u32 - leaving_long;
        self.short <= Self::SHORT_MAX && self.long <= Self::LONG_MAX
    }
}

/// Decode `block` in GB18030 or Big5 straight into `out`, if it is valid
/// and reads like Chinese throughout ([`Plausibility`], line by line).
/// Otherwise returns the offset of the character where it stopped (in the
/// line to look at again), with `out` as it was. This is the fast path every legacy block
/// takes; it is table lookups only, with the plausibility check fused in.
pub(crate) fn decode_legacy_block(unit: Unit, block: &[u8], out: &mut String) -> Result<(), usize> {
    decode_legacy_lines(unit, block, out, &mut Vec::new())
}

/// [`decode_legacy_block`] that also notes, in `utf8_shaped`, the offset
/// of the first non-ASCII byte of every line where that byte and the ones
/// after it are shaped like a UTF-8 sequence (a lead byte, then as many
/// bytes from 0x80 to 0xBF as it asks for). Only such a line can be valid
/// UTF-8; legacy text seldom starts a line so, and the check rides on the
/// decoder's own pass, so finding the lines to look at again costs almost
/// nothing.
pub(crate) fn decode_legacy_lines(
    unit: Unit,
    block: &[u8],
    out: &mut String,
    utf8_shaped: &mut Vec<usize>,
) -> Result<(), usize> {
    let Some(table) = fast_table(unit) else {
        return Err(0);
    };
    let mark = out.len();
    let mut buf = std::mem::take(out).into_bytes();
    // Every input byte yields at most two output bytes (a two-byte code at
    // most three), and the stores below write eight bytes at once.
    buf.reserve(block.len() * 2 + 8);
    let base = buf.as_mut_ptr();
    let mut len = buf.len();
    let mut check = Plausibility::default();
    let n = block.len();
    let mut i = 0;
    // No non-ASCII byte seen yet on the current line; a block starts a line.
    let mut fresh_line = true;
    if block.first().is_some_and(|&b| b >= 0x80) {
        fresh_line = false;
        if utf8_shaped_at(block, 0) {
            utf8_shaped.push(0);
        }
    }
    let result = 'scan: {
        while i < n {
            let b = block[i];
            if b < 0x80 {
                // Eight ASCII bytes at a time where possible.
                let word = match block.get(i..i + 8) {
                    Some(chunk) => u64::from_le_bytes(chunk.try_into().unwrap_or([0x80; 8])),
                    None => 0x80,
                };
                let width = if word & 0x8080_8080_8080_8080 == 0 {
                    8
                } else {
                    1
                };
                // The windows are per line, so that the line where a check
                // fails is the line to look at again.
                let newlines = word ^ 0x0A0A_0A0A_0A0A_0A0A;
                let has_newline = if width == 8 {
                    (newlines.wrapping_sub(0x0101_0101_0101_0101)
                        & !newlines
                        & 0x8080_8080_8080_8080)
                        != 0
                } else {
                    b == b'\n'
                };
                if has_newline {
                    check = Plausibility::default();
                    fresh_line = true;
                }
                // SAFETY: `len` stays within the reservation (at most two
                // output bytes per input byte consumed, plus eight of slack);
                // the bytes written are ASCII, and only `width` of them count.
                unsafe {
                    std::ptr::write_unaligned(
                        base.add(len) as *mut u64,
                        if width == 8 { word } else { b as u64 },
                    )
                };
                len += width;
                i += width;
                // A line's first non-ASCII byte comes right after ASCII (the
                // line break at least), so it is checked here, off the path
                // two-byte text takes.
                if fresh_line && block.get(i).is_some_and(|&b| b >= 0x80) {
                    fresh_line = false;
                    if utf8_shaped_at(block, i) {
                        utf8_shaped.push(i);
                    }
                }
                continue;
            }
            // Two characters at a time while the text is all two-byte codes,
            // which is most of a Chinese file: one bounds check, and the
            // two lookups overlap.
            if let Some(&[_, t0, b1, t1]) = block
                .get(i..i + 4)
                .map(|q| <&[u8; 4]>::try_from(q).unwrap_or(&[0; 4]))
            {
                if b1 >= 0x80 {
                    let v0 = table[((b as usize) & 0x7F) << 8 | t0 as usize];
                    let v1 = table[((b1 as usize) & 0x7F) << 8 | t1 as usize];
                    if v0 != 0
                        && v1 != 0
                        && check.push((v0 >> 24) as u8)
                        && check.push((v1 >> 24) as u8)
                    {
                        // SAFETY: four input bytes consumed for at most six
                        // output bytes; the stores stay within the slack.
                        unsafe {
                            std::ptr::write_unaligned(base.add(len) as *mut u32, v0 & 0x00FF_FFFF);
                            len += 2 + ((v0 >> 5) & 1) as usize;
                            std::ptr::write_unaligned(base.add(len) as *mut u32, v1 & 0x00FF_FFFF);
                            len += 2 + ((v1 >> 5) & 1) as usize;
                        }
                        i += 4;
                        continue;
                    }
                    // Something failed: redo one at a time, which says
                    // where (the window state must be rebuilt for that).
                    break 'scan Err(i);
                }
            }
            let Some(&t) = block.get(i + 1) else {
                break 'scan Err(i);
            };
            let v = table[((b as usize) & 0x7F) << 8 | t as usize];
            if v == 0 || !check.push((v >> 24) as u8) {
                // Invalid, four-byte or double codes, or a stretch that
                // reads unlike Chinese: the careful path decides.
                break 'scan Err(i);
            }
            // Two bytes of UTF-8 start with 0b110, three with 0b1110.
            let width = 2 + ((v >> 5) & 1) as usize;
            // SAFETY: as above; the table holds the UTF-8 encoding of a
            // character encoding_rs produced, so the bytes are valid UTF-8.
            unsafe { std::ptr::write_unaligned(base.add(len) as *mut u32, v & 0x00FF_FFFF) };
            len += width;
            i += 2;
        }
        Ok(())
    };
    // SAFETY: every byte up to `len` was written above, within capacity.
    unsafe { buf.set_len(len) };
    if result.is_err() {
        buf.truncate(mark);
    }
    // SAFETY: `buf` was a `String`, truncated back to its old length (a
    // character boundary) or extended with ASCII bytes and whole encoded
    // characters only, so it is still valid UTF-8.
    *out = unsafe { String::from_utf8_unchecked(buf) };
    result
}

/// Whether the bytes at `block[i..]` are a UTF-8 lead byte and the
/// continuation bytes it asks for.
#[inline]
fn utf8_shaped_at(block: &[u8], i: usize) -> bool {
    let need = match block[i] {
        0xC2..=0xDF => 1,
        0xE0..=0xEF => 2,
        0xF0..=0xF4 => 3,
        _ => return false,
    };
    (1..=need).all(|k| block.get(i + k).is_some_and(|b| (0x80..=0xBF).contains(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_by_steps(unit: Unit, bytes: &[u8]) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < bytes.len() {
            match unit.step(bytes, i) {
                Some(s) => {
                    out.push(s.c);
                    out.extend(s.c2);
                    i += s.len as usize;
                }
                None => {
                    out.push('\u{FFFD}');
                    i += 1;
                }
            }
        }
        out
    }

    #[test]
    fn steps_agree_with_encoding_rs_on_valid_text() {
        let text = "中文測試，香港𠮷字，ABC 123。€ 〇";
        for unit in Unit::ALL {
            let encoding = match unit.charset() {
                Charset::Std(e) => e,
                Charset::Legacy(_) => unreachable!(),
            };
            let (bytes, _, unmappable) = encoding.encode(text);
            if unmappable {
                // Big5 cannot encode 𠮷's neighbours everywhere; compare what it can.
                let expected = encoding.decode_without_bom_handling(&bytes).0;
                assert_eq!(decode_by_steps(unit, &bytes), expected, "{unit:?}");
            } else {
                assert_eq!(decode_by_steps(unit, &bytes), text, "{unit:?}");
            }
        }
    }

    #[test]
    fn big5_codes_with_two_characters_decode_to_both() {
        // Big5-HKSCS 0x8862 is Ê followed by a combining macron (WHATWG index).
        let step = Unit::Big5.step(&[0x88, 0x62], 0).unwrap();
        assert_eq!((step.c, step.c2), ('\u{CA}', Some('\u{304}')));
    }

    #[test]
    fn labels_map_to_the_decoding_superset() {
        assert_eq!(Charset::for_label("GB2312"), Some(Charset::GB18030));
        assert_eq!(Charset::for_label(" gbk "), Some(Charset::GB18030));
        assert_eq!(Charset::for_label("big5-hkscs"), Some(Charset::BIG5));
        assert_eq!(
            Charset::for_label("x-euc-tw"),
            Some(Charset::Legacy(LegacyEncoding::EucTw))
        );
        assert_eq!(Charset::for_label("no-such-thing"), None);
        // WHATWG sends this label to "replacement"; the legacy table takes
        // it first. "replacement" itself is still refused.
        assert_eq!(
            Charset::for_label("csiso2022kr"),
            Some(Charset::Legacy(LegacyEncoding::Iso2022Kr))
        );
        assert_eq!(Charset::for_label("replacement"), None);
    }
}
