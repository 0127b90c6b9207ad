//! Decoders for the legacy encodings encoding_rs lacks: the Chinese
//! HZ-GB-2312, EUC-TW and ISO-2022-CN (with the ISO-2022-CN-EXT
//! designations), and, for the foreign pages that turn up in the same
//! archives, IBM855 (DOS Cyrillic), Johab and ISO-2022-KR (Korean).
//!
//! All of them are streaming: [`LegacyDecoder::decode`] takes the input in
//! chunks split anywhere, and the text and counts come out exactly as if
//! the input had been decoded in one piece. Bad input never stops decoding:
//! each malformed or unmapped sequence becomes one U+FFFD, is counted in
//! [`DecodeStats`], and decoding picks up again at the first byte that
//! could not belong to the bad sequence.
//!
//! # Tables
//!
//! CNS 11643 (planes 1-7 and 15, for EUC-TW and ISO-2022-CN) and the
//! ISO-IR-165 additions are the mappings of glibc 2.36's iconv ("iconv
//! (Debian GLIBC 2.36-9+deb12u14) 2.36"), extracted cell by cell by
//! `scripts/gen_cns11643.py` into `tables.bin`. glibc is LGPL; what we take
//! is data only (the characters the standards assign, as glibc tabulates
//! them), no code. GB 2312 characters come from encoding_rs's GBK decoder,
//! which differs from glibc and Python in cells A1A4 and A1AA (see
//! `tables::gb2312`).
//!
//! IBM855 and Johab are CPython's 'cp855' and 'johab' codecs, extracted
//! cell by cell by `scripts/gen_foreign_tables.py` into `foreign.bin`
//! (data only; CPython is under the PSF licence). KS X 1001 for
//! ISO-2022-KR comes from encoding_rs's EUC-KR decoder, which agrees with
//! CPython's 'iso2022_kr' in every cell (see `foreign_tables::ksx1001`).
//!
//! # Where we differ from the reference decoders on bad input
//!
//! On well-formed input the output equals `iconv -f EUC-TW`, `iconv -f
//! ISO-2022-CN-EXT` and Python's `hz` codec (but for the two GB 2312 cells
//! above, and one glibc quirk: its ISO-2022-CN decoder applies a new G1
//! designation only at the next SO, while ISO 2022, RFC 1922 and glibc's
//! own encoder, which switches G1 in mid-shift, have it apply at once, as
//! we do), and Python's `cp855`, `johab` and `iso2022_kr`. On malformed
//! input we choose resynchronisation over their behaviour (iconv stops;
//! Python skips one byte):
//!
//! * A line end inside HZ's GB mode or ISO-2022-CN's or ISO-2022-KR's
//!   shifted mode is one error and returns to ASCII; the line end itself
//!   is kept. (Python's `iso2022_kr` returns to ASCII without an error.)
//! * Space and control bytes inside a double-byte mode are kept as
//!   themselves (ISO 2022 says so; HZ follows suit) instead of being errors.
//! * In HZ, `~` CR LF is a line continuation like `~` LF.
//! * In ISO-2022-CN, designations end with the line as RFC 1922 says, so
//!   SO on a line without its own `ESC $ ) X` gives one U+FFFD per pair
//!   (glibc carries the last line's designation over). A single shift to
//!   G2 needs no designation, since only CNS plane 2 can be there.
//! * In ISO-2022-KR, the designation holds for the whole text (RFC 1557).
//!   SO in a text that has none is one error, and the pairs are then read
//!   as KS X 1001 all the same, the only set ISO-2022-KR has (Python
//!   ignores such an SO and passes the pairs through as ASCII).
//! * In Johab, a lead byte followed by a byte that cannot be its trail is
//!   one error and the second byte is read again; so is a lead before an
//!   ASCII byte when the pair maps nothing (as WHATWG decodes EUC-KR).

mod euc_tw;
mod foreign_tables;
mod hz;
mod ibm855;
mod iso2022cn;
mod iso2022kr;
mod johab;
mod tables;

use std::fmt;

/// The encodings this module decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyEncoding {
    /// HZ-GB-2312 (RFC 1843): GB 2312 in 7-bit text between `~{` and `~}`.
    Hz,
    /// EUC-TW: CNS 11643 planes 1-7 (and 15, which glibc also knows).
    EucTw,
    /// ISO-2022-CN and its superset ISO-2022-CN-EXT (RFC 1922); the
    /// decoder accepts both, as a superset decoder loses nothing.
    Iso2022Cn,
    /// IBM855 (Python's `cp855`): DOS Cyrillic, one byte per character.
    Ibm855,
    /// Johab (KS X 1001 Annex 3, code page 1361): Korean, every modern
    /// hangul syllable in two bytes.
    Johab,
    /// ISO-2022-KR (RFC 1557): KS X 1001 in 7-bit text between SO and SI.
    Iso2022Kr,
}

impl LegacyEncoding {
    /// Every encoding: [`Self::CHINESE`], then [`Self::FOREIGN`].
    pub const ALL: [LegacyEncoding; 6] = [
        LegacyEncoding::Hz,
        LegacyEncoding::EucTw,
        LegacyEncoding::Iso2022Cn,
        LegacyEncoding::Ibm855,
        LegacyEncoding::Johab,
        LegacyEncoding::Iso2022Kr,
    ];

    /// The Chinese encodings, for callers that try each in turn on text
    /// expected to be Chinese.
    pub const CHINESE: [LegacyEncoding; 3] = [
        LegacyEncoding::Hz,
        LegacyEncoding::EucTw,
        LegacyEncoding::Iso2022Cn,
    ];

    /// The non-Chinese encodings: pages in them turn up in scraped
    /// archives, and are better decoded right than taken for damaged
    /// Chinese.
    pub const FOREIGN: [LegacyEncoding; 3] = [
        LegacyEncoding::Ibm855,
        LegacyEncoding::Johab,
        LegacyEncoding::Iso2022Kr,
    ];

    /// Canonical name: "HZ-GB-2312", "EUC-TW", "ISO-2022-CN", "IBM855",
    /// "Johab", "ISO-2022-KR".
    pub fn name(self) -> &'static str {
        match self {
            LegacyEncoding::Hz => "HZ-GB-2312",
            LegacyEncoding::EucTw => "EUC-TW",
            LegacyEncoding::Iso2022Cn => "ISO-2022-CN",
            LegacyEncoding::Ibm855 => "IBM855",
            LegacyEncoding::Johab => "Johab",
            LegacyEncoding::Iso2022Kr => "ISO-2022-KR",
        }
    }

    /// Whether the encoding is 7-bit: any byte above 0x7F is an error.
    pub fn is_seven_bit(self) -> bool {
        matches!(
            self,
            LegacyEncoding::Hz | LegacyEncoding::Iso2022Cn | LegacyEncoding::Iso2022Kr
        )
    }

    /// Looks up a charset label as found in HTTP headers, `<meta>` tags or
    /// iconv command lines.
    ///
    /// Case, surrounding whitespace, `-` and `_` are ignored, since all
    /// spellings ("EUC_TW", "euc-tw", "eucTW") occur in the wild.
    ///
    /// The foreign labels are those of IANA, CPython and glibc's iconv.
    /// WHATWG maps "iso-2022-kr" and "csiso2022kr" to its "replacement"
    /// encoding (the whole input becomes one U+FFFD, a defence for
    /// browsers); zhnorm looks here first, so they decode.
    pub fn for_label(label: &str) -> Option<LegacyEncoding> {
        const LABELS: &[(&str, LegacyEncoding)] = &[
            ("hzgb2312", LegacyEncoding::Hz),
            ("hz", LegacyEncoding::Hz),
            ("xhzgb2312", LegacyEncoding::Hz),
            ("euctw", LegacyEncoding::EucTw),
            ("xeuctw", LegacyEncoding::EucTw),
            ("cns11643", LegacyEncoding::EucTw),
            ("cseuctw", LegacyEncoding::EucTw),
            ("iso2022cn", LegacyEncoding::Iso2022Cn),
            ("iso2022cnext", LegacyEncoding::Iso2022Cn),
            ("csiso2022cn", LegacyEncoding::Iso2022Cn),
            ("csiso2022cnext", LegacyEncoding::Iso2022Cn),
            ("ibm855", LegacyEncoding::Ibm855),
            ("cp855", LegacyEncoding::Ibm855),
            ("855", LegacyEncoding::Ibm855),
            ("csibm855", LegacyEncoding::Ibm855),
            ("johab", LegacyEncoding::Johab),
            ("cp1361", LegacyEncoding::Johab),
            ("ms1361", LegacyEncoding::Johab),
            ("mscp1361", LegacyEncoding::Johab),
            ("iso2022kr", LegacyEncoding::Iso2022Kr),
            ("csiso2022kr", LegacyEncoding::Iso2022Kr),
        ];
        let mut key = [0u8; 16];
        let mut len = 0;
        for b in label
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .bytes()
            .filter(|&b| b != b'-' && b != b'_')
        {
            // Longer than any label: no match, and no need to look further.
            let slot = key.get_mut(len)?;
            *slot = b.to_ascii_lowercase();
            len += 1;
        }
        LABELS
            .iter()
            .find(|(name, _)| name.as_bytes() == &key[..len])
            .map(|&(_, enc)| enc)
    }

    /// A decoder at the start of a stream in this encoding.
    pub fn new_decoder(self) -> LegacyDecoder {
        LegacyDecoder {
            encoding: self,
            state: match self {
                LegacyEncoding::Hz => State::Hz(hz::Hz::default()),
                LegacyEncoding::EucTw => State::EucTw,
                LegacyEncoding::Iso2022Cn => State::Iso2022Cn(iso2022cn::Iso2022Cn::default()),
                LegacyEncoding::Ibm855 => State::Ibm855,
                LegacyEncoding::Johab => State::Johab,
                LegacyEncoding::Iso2022Kr => State::Iso2022Kr(iso2022kr::Iso2022Kr::default()),
            },
            pending: [0; MAX_SEQ],
            pending_len: 0,
            offset: 0,
            multibyte: 0,
            hard_errors: 0,
        }
    }
}

impl fmt::Display for LegacyEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Counts for one [`LegacyDecoder::decode`] call, so that a detector can
/// weigh errors against text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeStats {
    /// Characters written, U+FFFD for bad input included.
    pub chars: usize,
    /// U+FFFD written for bad input: one per malformed or unmapped sequence.
    pub errors: usize,
    /// Absolute byte offset in the stream of the first bad sequence seen in
    /// this call (it may have begun in an earlier call's bytes).
    pub first_error: Option<u64>,
}

impl DecodeStats {
    /// Adds the counts of a later call on the same stream.
    pub fn merge(&mut self, later: DecodeStats) {
        self.chars += later.chars;
        self.errors += later.errors;
        self.first_error = self.first_error.or(later.first_error);
    }
}

/// The longest sequence any of the encodings needs to see before it can
/// decide: EUC-TW's four-byte form, ISO-2022-CN's `ESC $ + I` and `ESC N`
/// plus a pair (ISO-2022-KR's `ESC $ ) C` and Johab's pairs are shorter).
/// Also the most bytes ever held back between calls.
const MAX_SEQ: usize = 4;

#[derive(Debug, Clone)]
enum State {
    Hz(hz::Hz),
    EucTw,
    Iso2022Cn(iso2022cn::Iso2022Cn),
    Ibm855,
    Johab,
    Iso2022Kr(iso2022kr::Iso2022Kr),
}

/// Streaming decoder for one [`LegacyEncoding`]; bytes may be split
/// anywhere between calls.
#[derive(Debug, Clone)]
pub struct LegacyDecoder {
    encoding: LegacyEncoding,
    state: State,
    /// The start of a sequence that the previous call could not finish.
    pending: [u8; MAX_SEQ],
    pending_len: usize,
    /// Stream offset of the first byte not yet consumed (`pending[0]` when
    /// something is held back).
    offset: u64,
    /// Characters decoded from multi-byte sequences, for [`looks_like`].
    multibyte: u64,
    /// Errors that suggest the input is not in this encoding at all (all
    /// but a stray `~` in HZ's ASCII mode), for [`looks_like`].
    hard_errors: u64,
}

/// What one step made of the bytes at the front of its input. Steps decide
/// from at most [`MAX_SEQ`] bytes (an ASCII run aside, which is decided
/// byte by byte), so a step on a prefix of the input either agrees with
/// the step on the whole input or asks for more.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The input ends inside a sequence; only returned when more may come.
    NeedMore,
    /// This many plain ASCII bytes, copied through unchanged.
    Ascii(usize),
    /// This many bytes (escapes, shifts, continuations) write nothing.
    Skip(usize),
    /// This many bytes give one character that is not from a multi-byte
    /// table (ASCII in a shifted mode, an escape, a single-byte code page).
    Char(usize, char),
    /// This many bytes give a table entry.
    Mapped(usize, tables::Mapped),
    /// This many bytes are one bad sequence.
    Error(usize),
    /// As `Error`, but harmless to a guess that the input is in this
    /// encoding.
    SoftError(usize),
    /// This many bytes are one bad sequence that still stands for a
    /// character: U+FFFD, then the character.
    ErrorThen(usize, char),
}

/// `len` bytes of a sequence, and then the input ran out.
fn truncated(last: bool, len: usize) -> Step {
    if last {
        Step::Error(len)
    } else {
        Step::NeedMore
    }
}

/// Length of the leading run of ASCII bytes that `plain` accepts; at least
/// one byte, which the caller has already checked.
fn ascii_run(input: &[u8], plain: impl Fn(u8) -> bool) -> usize {
    1 + input[1..]
        .iter()
        .position(|&b| b >= 0x80 || !plain(b))
        .unwrap_or(input.len() - 1)
}

/// Where decoded text goes: a `String`, or nowhere for [`looks_like`].
trait Sink {
    fn put_str(&mut self, s: &str);
    fn put_char(&mut self, c: char);
}

impl Sink for String {
    fn put_str(&mut self, s: &str) {
        self.push_str(s);
    }
    fn put_char(&mut self, c: char) {
        self.push(c);
    }
}

struct Discard;

impl Sink for Discard {
    fn put_str(&mut self, _: &str) {}
    fn put_char(&mut self, _: char) {}
}

impl LegacyDecoder {
    /// The encoding this decoder reads.
    pub fn encoding(&self) -> LegacyEncoding {
        self.encoding
    }

    /// Decode `src`, appending text to `out`.
    ///
    /// Malformed or unmapped sequences become U+FFFD (one per bad sequence,
    /// resuming at the first byte that cannot belong to it) and are
    /// counted. A sequence cut off at the end of `src` is held back (at most
    /// three bytes) until the next call. `last` says no more input follows:
    /// an unfinished sequence is then an error, and the decoder starts over,
    /// ready for a new stream.
    pub fn decode(&mut self, src: &[u8], out: &mut String, last: bool) -> DecodeStats {
        self.run(src, out, last)
    }

    fn run<S: Sink>(&mut self, mut src: &[u8], out: &mut S, last: bool) -> DecodeStats {
        let mut stats = DecodeStats::default();
        // Finish what the previous call held back, in a window just big
        // enough for any sequence; a step may consume only part of the held
        // bytes (an error), so this can take several rounds.
        while self.pending_len > 0 {
            let held = self.pending_len;
            let take = (MAX_SEQ - held).min(src.len());
            let mut window = [0u8; MAX_SEQ];
            window[..held].copy_from_slice(&self.pending[..held]);
            window[held..held + take].copy_from_slice(&src[..take]);
            let window = &window[..held + take];
            let step = self.step(window, last && take == src.len());
            if let Step::NeedMore = step {
                debug_assert_eq!(take, src.len(), "a step needed more than MAX_SEQ bytes");
                self.pending[..window.len()].copy_from_slice(window);
                self.pending_len = window.len();
                return stats;
            }
            let n = self.apply(step, window, out, &mut stats);
            if n >= held {
                src = &src[n - held..];
                self.pending_len = 0;
            } else {
                self.pending.copy_within(n..held, 0);
                self.pending_len = held - n;
            }
        }
        while !src.is_empty() {
            let step = self.step(src, last);
            if let Step::NeedMore = step {
                debug_assert!(src.len() < MAX_SEQ);
                self.pending[..src.len()].copy_from_slice(src);
                self.pending_len = src.len();
                break;
            }
            let n = self.apply(step, src, out, &mut stats);
            src = &src[n..];
        }
        if last {
            *self = self.encoding.new_decoder();
        }
        stats
    }

    fn step(&mut self, input: &[u8], last: bool) -> Step {
        match &mut self.state {
            State::Hz(s) => s.step(input, last),
            State::EucTw => euc_tw::step(input, last),
            State::Iso2022Cn(s) => s.step(input, last),
            State::Ibm855 => ibm855::step(input),
            State::Johab => johab::step(input, last),
            State::Iso2022Kr(s) => s.step(input, last),
        }
    }

    /// Writes what `step` decided about the front of `input`; returns how
    /// many bytes it consumed.
    fn apply<S: Sink>(
        &mut self,
        step: Step,
        input: &[u8],
        out: &mut S,
        stats: &mut DecodeStats,
    ) -> usize {
        let n = match step {
            Step::NeedMore => unreachable!("NeedMore is handled by the caller"),
            Step::Ascii(n) => {
                // The steps only report bytes below 0x80, so this cannot
                // fail; checking keeps the module free of `unsafe`, and
                // std's check of ASCII is a fast word-at-a-time scan.
                out.put_str(std::str::from_utf8(&input[..n]).unwrap_or("\u{FFFD}"));
                stats.chars += n;
                n
            }
            Step::Skip(n) => n,
            Step::Char(n, c) => {
                out.put_char(c);
                stats.chars += 1;
                n
            }
            Step::Mapped(n, m) => {
                match m {
                    tables::Mapped::Char(c) => {
                        out.put_char(c);
                        stats.chars += 1;
                    }
                    tables::Mapped::Str(s) => {
                        out.put_str(s);
                        stats.chars += s.chars().count();
                    }
                }
                self.multibyte += 1;
                n
            }
            Step::Error(n) | Step::SoftError(n) => {
                if let Step::Error(_) = step {
                    self.hard_errors += 1;
                }
                self.error(out, stats);
                n
            }
            Step::ErrorThen(n, c) => {
                self.hard_errors += 1;
                self.error(out, stats);
                out.put_char(c);
                stats.chars += 1;
                n
            }
        };
        debug_assert!(n > 0 && n <= input.len());
        self.offset += n as u64;
        n
    }

    fn error<S: Sink>(&mut self, out: &mut S, stats: &mut DecodeStats) {
        out.put_char('\u{FFFD}');
        stats.chars += 1;
        stats.errors += 1;
        stats.first_error.get_or_insert(self.offset);
    }
}

/// Where the CNS 11643 and ISO-IR-165 tables came from: the first line of
/// `iconv --version` on the machine that generated them, for `--version`
/// output and bug reports.
pub fn table_source() -> &'static str {
    tables::provenance()
}

/// Where the IBM855 and Johab tables came from: the CPython version and
/// codecs that generated them, for `--version` output and bug reports.
pub fn foreign_table_source() -> &'static str {
    foreign_tables::provenance()
}

/// Decodes a whole buffer; returns the text and the totals.
pub fn decode_all(enc: LegacyEncoding, bytes: &[u8]) -> (String, DecodeStats) {
    // Most input is ASCII or two bytes per character, which needs at most
    // as many UTF-8 bytes as input bytes, plus half again for CJK.
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    let stats = enc.new_decoder().decode(bytes, &mut out, true);
    (out, stats)
}

/// Whether `bytes` carry the characteristic structure of `enc`; cheap (no
/// output is built) and meant for an encoding detector.
///
/// * HZ: 7-bit, with at least one `~{` region holding valid GB 2312 pairs,
///   and no bad pair; stray `~x` escapes in ASCII text are tolerated.
/// * ISO-2022-CN: 7-bit, at least one double-byte character reached by a
///   designation and a shift, and no error of any kind.
/// * EUC-TW: at least one multi-byte character and no error. Big5 and GBK
///   text often passes this too; weighing them is the detector's job.
/// * ISO-2022-KR: 7-bit, the `ESC $ ) C` designation, at least one shifted
///   pair, and no error of any kind.
/// * Johab: at least one two-byte character and no error; as with EUC-TW,
///   other double-byte text can pass too.
/// * IBM855: every byte decodes, so this judges the Cyrillic it makes: at
///   least one Cyrillic letter, and next to no small-then-capital letter
///   pairs inside words, Cyrillic letters glued to Latin ones, or
///   box-drawing signs. Other single-byte encodings read as IBM855 fail
///   that (their letters land on random cases); IBM866 and the like still
///   pass now and then, and weighing them is the detector's job.
///
/// `bytes` may be a prefix of a longer input: a sequence cut off at the
/// end is not held against it.
pub fn looks_like(enc: LegacyEncoding, bytes: &[u8]) -> bool {
    if enc == LegacyEncoding::Ibm855 {
        return ibm855::looks_like(bytes);
    }
    if enc.is_seven_bit() && !bytes.is_ascii() {
        return false;
    }
    // In pieces, stopping at the first error: detection asks this of every
    // legacy page (EUC-TW shares its byte ranges with GBK and Big5), and
    // the answer is usually settled within the first few hundred bytes.
    // The decoder streams, so the pieces count as one run would.
    let mut dec = enc.new_decoder();
    for piece in bytes.chunks(LOOK_PIECE) {
        let stats = dec.run(piece, &mut Discard, false);
        let damaged = match enc {
            LegacyEncoding::Hz => dec.hard_errors > 0,
            _ => stats.errors > 0,
        };
        if damaged {
            return false;
        }
    }
    dec.multibyte > 0
}

/// Bytes [`looks_like`] decodes between looks at the error count.
const LOOK_PIECE: usize = 512;

#[cfg(test)]
mod tests {
    use super::*;

    /// Stopping at the first damaged piece answers as one run over all the
    /// bytes does, whatever the encoding and wherever the damage falls
    /// (pieces cut sequences, and held-back bytes cross them).
    #[test]
    fn looking_in_pieces_answers_as_one_run() {
        let whole = |enc: LegacyEncoding, bytes: &[u8]| {
            let mut dec = enc.new_decoder();
            let stats = dec.run(bytes, &mut Discard, false);
            let clean = match enc {
                LegacyEncoding::Hz => dec.hard_errors == 0,
                _ => stats.errors == 0,
            };
            clean && dec.multibyte > 0
        };
        let mut state = 0x0123_4567_89AB_CDEFu64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // IBM855 has a test of its own.
        for enc in LegacyEncoding::ALL
            .into_iter()
            .filter(|&e| e != LegacyEncoding::Ibm855)
        {
            for len in [0usize, 1, 511, 512, 513, 1500, 3000] {
                for round in 0..12 {
                    // Mostly valid double-byte-looking text, with a damaged
                    // byte late in some rounds.
                    let mut bytes: Vec<u8> = (0..len)
                        .map(|_| match next() % 4 {
                            0 => b'a' + (next() % 26) as u8,
                            _ => 0xA1 + (next() % 0x5E) as u8,
                        })
                        .collect();
                    if round % 3 == 0 && len > 0 {
                        let at = len - 1 - (next() as usize % len.min(40));
                        bytes[at] = (next() % 256) as u8;
                    }
                    if round % 4 == 1 {
                        bytes = bytes.iter().map(|b| b & 0x7F).collect();
                    }
                    assert_eq!(
                        looks_like(enc, &bytes),
                        whole(enc, &bytes),
                        "{enc:?} {len} {round}"
                    );
                }
            }
        }
    }

    #[test]
    fn ascii_run_stops_at_rejected_and_high_bytes() {
        assert_eq!(ascii_run(b"ab~c", |b| b != b'~'), 2);
        assert_eq!(ascii_run(b"ab\xA1", |_| true), 2);
        assert_eq!(ascii_run(b"abc", |_| true), 3);
        assert_eq!(ascii_run(b"~", |b| b != b'~'), 1);
    }

    #[test]
    fn held_back_bytes_are_reprocessed_after_a_partial_error() {
        // 8E A3 then 'x': the two held bytes are one error, then 'x' is
        // read again as ASCII, whichever call it arrives in.
        let mut dec = LegacyEncoding::EucTw.new_decoder();
        let mut out = String::new();
        let a = dec.decode(b"\x8E\xA3", &mut out, false);
        assert_eq!((out.as_str(), a.errors), ("", 0));
        let b = dec.decode(b"x", &mut out, true);
        assert_eq!(out, "\u{FFFD}x");
        assert_eq!(b.first_error, Some(0));
        assert_eq!(b.chars, 2);
    }
}
