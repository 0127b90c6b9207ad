//! Bytes to text.
//!
//! [`AutoDecoder`] is what zhnorm runs on every input: it settles the
//! encoding from a byte-order mark, a checked charset declaration or the
//! bytes themselves ([`detect()`]), then decodes, switching encoding run by
//! run where a file mixes them and marking only damaged bytes. Everything
//! streams: input comes in arbitrary byte chunks (as they come off a pipe)
//! and text is appended to a buffer the caller owns.
//!
//! [`TextReader`] and [`Utf8StreamDecoder`] are the strict UTF-8-only
//! decoders for callers that want invalid input to be an error.

mod auto;
mod charset;
pub(crate) use charset::two_byte_code;
mod detect;
mod foreign;
pub mod legacy;
mod mixed;
mod reader;

pub use auto::{decode_bytes, AutoDecoder, DecodeOptions, DecodeReport, Run, PREFIX};
pub use charset::Charset;
pub(crate) use charset::Plausibility;
pub use detect::{detect, sniff_declared, Basis, Declared, Detection};
pub use reader::{ReadError, TextReader};

use std::fmt;

/// Why a byte stream could not be decoded.
///
/// Offsets count bytes from the start of the stream (a stripped byte-order
/// mark included), so they can be used directly with tools like `xxd -s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes starting at `offset` are not a valid UTF-8 sequence.
    InvalidUtf8 {
        /// Absolute byte offset of the first byte of the bad sequence.
        offset: u64,
    },
    /// The stream ended in the middle of a multi-byte UTF-8 sequence.
    TruncatedUtf8 {
        /// Absolute byte offset of the first byte of the unfinished sequence.
        offset: u64,
    },
}

impl DecodeError {
    /// Absolute byte offset in the stream where decoding failed.
    pub fn offset(&self) -> u64 {
        match *self {
            DecodeError::InvalidUtf8 { offset } | DecodeError::TruncatedUtf8 { offset } => offset,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::InvalidUtf8 { offset } => {
                write!(f, "invalid UTF-8 at byte offset {offset}")
            }
            // Same leading words as the invalid case so that users (and
            // scripts grepping logs) see one kind of failure.
            DecodeError::TruncatedUtf8 { offset } => write!(
                f,
                "invalid UTF-8 at byte offset {offset}: input ends inside a multi-byte sequence"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The longest UTF-8 sequence; also the most that is ever held back.
const MAX_SEQ: usize = 4;

/// Streaming, validating UTF-8 decoder.
///
/// Feed chunks with [`push`](Self::push) and end with
/// [`finish`](Self::finish). The text produced never depends on where the
/// chunks were split: an incomplete sequence at the end of a chunk (at most
/// three bytes) is held back until the next chunk completes it.
///
/// A UTF-8 byte-order mark (U+FEFF) at the very start of the stream is
/// stripped, since it is an encoding signature rather than text; a U+FEFF
/// anywhere later is kept as an ordinary character.
///
/// On an error, `out` has received exactly the text that precedes the bad
/// byte, so a caller can keep that partial output. After an error every
/// further call returns the same error.
#[derive(Debug, Clone)]
pub struct Utf8StreamDecoder {
    /// Bytes of a sequence started in an earlier chunk but not yet complete.
    pending: [u8; MAX_SEQ],
    pending_len: usize,
    /// Stream offset of `pending[0]` (equivalently: bytes fully decoded).
    offset: u64,
    /// True until the first character is produced, for BOM stripping.
    at_start: bool,
    failed: Option<DecodeError>,
}

impl Default for Utf8StreamDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Utf8StreamDecoder {
    /// A decoder at the start of a new stream.
    pub fn new() -> Self {
        Utf8StreamDecoder {
            pending: [0; MAX_SEQ],
            pending_len: 0,
            offset: 0,
            at_start: true,
            failed: None,
        }
    }

    /// Decodes one chunk, appending its text to `out`.
    ///
    /// Returns [`DecodeError::InvalidUtf8`] with the absolute offset of the
    /// first byte that cannot start or continue a valid sequence.
    pub fn push(&mut self, mut bytes: &[u8], out: &mut String) -> Result<(), DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.pending_len > 0 {
            let consumed = self.complete_pending(bytes, out)?;
            bytes = &bytes[consumed..];
            if self.pending_len > 0 {
                // The chunk was too short to finish the sequence; nothing
                // is left of it to decode.
                return Ok(());
            }
        }
        // simdutf8 validates several times faster than std on CJK text and
        // reports errors exactly as std's `Utf8Error` does.
        match simdutf8::compat::from_utf8(bytes) {
            Ok(text) => {
                self.emit(text, out);
                self.offset += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                let valid = &bytes[..e.valid_up_to()];
                // SAFETY: `valid_up_to` is documented as the length of the
                // longest prefix that is valid UTF-8; re-validating it would
                // double the cost of every chunk that ends mid-character.
                let text = unsafe { std::str::from_utf8_unchecked(valid) };
                self.emit(text, out);
                self.offset += valid.len() as u64;
                let rest = &bytes[valid.len()..];
                match e.error_len() {
                    // `None` means the chunk ends in a sequence that is valid
                    // so far, which is at most MAX_SEQ - 1 bytes long.
                    None => {
                        self.pending[..rest.len()].copy_from_slice(rest);
                        self.pending_len = rest.len();
                        Ok(())
                    }
                    Some(_) => Err(self.fail(DecodeError::InvalidUtf8 {
                        offset: self.offset,
                    })),
                }
            }
        }
    }

    /// Ends the stream.
    ///
    /// Returns [`DecodeError::TruncatedUtf8`] if the stream stopped inside a
    /// multi-byte sequence. On success the decoder is reset, ready for a new
    /// stream (with BOM stripping re-armed).
    pub fn finish(&mut self, _out: &mut String) -> Result<(), DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.pending_len > 0 {
            return Err(self.fail(DecodeError::TruncatedUtf8 {
                offset: self.offset,
            }));
        }
        *self = Self::new();
        Ok(())
    }

    /// Total bytes decoded so far, not counting held-back bytes.
    pub fn bytes_decoded(&self) -> u64 {
        self.offset
    }

    /// Tries to finish the held-back sequence with the start of `bytes`;
    /// returns how many bytes of `bytes` it took.
    fn complete_pending(&mut self, bytes: &[u8], out: &mut String) -> Result<usize, DecodeError> {
        let want = seq_len(self.pending[0]) - self.pending_len;
        let take = want.min(bytes.len());
        self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
        self.pending_len += take;
        let seq = &self.pending[..self.pending_len];
        match std::str::from_utf8(seq) {
            Ok(text) => {
                // Copy out of `self` before `emit` borrows it mutably.
                let mut buf = [0u8; MAX_SEQ];
                let n = text.len();
                buf[..n].copy_from_slice(text.as_bytes());
                self.pending_len = 0;
                // SAFETY: `buf[..n]` is a byte copy of a validated `str`.
                self.emit(unsafe { std::str::from_utf8_unchecked(&buf[..n]) }, out);
                self.offset += n as u64;
                Ok(take)
            }
            Err(e) if e.error_len().is_none() => Ok(take),
            // The lead byte was a valid start, so the sequence as a whole is
            // what is bad: std reports such errors at the lead byte too.
            Err(_) => Err(self.fail(DecodeError::InvalidUtf8 {
                offset: self.offset,
            })),
        }
    }

    fn emit(&mut self, text: &str, out: &mut String) {
        if text.is_empty() {
            return;
        }
        let text = if self.at_start {
            self.at_start = false;
            text.strip_prefix('\u{FEFF}').unwrap_or(text)
        } else {
            text
        };
        out.push_str(text);
    }

    fn fail(&mut self, e: DecodeError) -> DecodeError {
        self.failed = Some(e);
        e
    }
}

/// Length of the sequence a lead byte announces. Only called on bytes that
/// std already accepted as the start of a valid-so-far sequence.
fn seq_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `bytes` split into the given chunk lengths (the remainder
    /// goes in a last chunk).
    fn decode_chunks(bytes: &[u8], cuts: &[usize]) -> (String, Result<(), DecodeError>) {
        let mut dec = Utf8StreamDecoder::new();
        let mut out = String::new();
        let mut start = 0;
        for &cut in cuts {
            let end = cut.clamp(start, bytes.len());
            if let Err(e) = dec.push(&bytes[start..end], &mut out) {
                return (out, Err(e));
            }
            start = end;
        }
        let r = dec
            .push(&bytes[start..], &mut out)
            .and_then(|()| dec.finish(&mut out));
        (out, r)
    }

    fn decode_bytewise(bytes: &[u8]) -> (String, Result<(), DecodeError>) {
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        decode_chunks(bytes, &cuts)
    }

    /// What the whole stream should decode to, per std.
    fn expected(bytes: &[u8]) -> (String, Result<(), DecodeError>) {
        let strip = |s: &str| s.strip_prefix('\u{FEFF}').unwrap_or(s).to_owned();
        match std::str::from_utf8(bytes) {
            Ok(s) => (strip(s), Ok(())),
            Err(e) => {
                let prefix = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap();
                let offset = e.valid_up_to() as u64;
                let err = match e.error_len() {
                    Some(_) => DecodeError::InvalidUtf8 { offset },
                    None => DecodeError::TruncatedUtf8 { offset },
                };
                (strip(prefix), Err(err))
            }
        }
    }

    // One- to four-byte sequences, with a BOM-looking character in the
    // middle that must survive.
    const SAMPLE: &str = "a漢字é𠀀\u{FEFF}z\n繁體中文😀";

    #[test]
    fn every_single_split_point_gives_same_text() {
        let bytes = SAMPLE.as_bytes();
        for i in 0..=bytes.len() {
            let (out, r) = decode_chunks(bytes, &[i]);
            assert_eq!(r, Ok(()), "split at {i}");
            assert_eq!(out, SAMPLE, "split at {i}");
        }
    }

    #[test]
    fn every_pair_of_split_points_gives_same_text() {
        let bytes = SAMPLE.as_bytes();
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                let (out, r) = decode_chunks(bytes, &[i, j]);
                assert_eq!(r, Ok(()), "split at {i},{j}");
                assert_eq!(out, SAMPLE, "split at {i},{j}");
            }
        }
    }

    #[test]
    fn byte_at_a_time_gives_same_text() {
        let (out, r) = decode_bytewise(SAMPLE.as_bytes());
        assert_eq!(r, Ok(()));
        assert_eq!(out, SAMPLE);
    }

    #[test]
    fn bom_stripped_only_at_stream_start() {
        let input = "\u{FEFF}\u{FEFF}漢".as_bytes();
        for i in 0..=input.len() {
            let (out, r) = decode_chunks(input, &[i]);
            assert_eq!(r, Ok(()));
            assert_eq!(out, "\u{FEFF}漢", "split at {i}");
        }
        let (out, _) = decode_chunks("x\u{FEFF}".as_bytes(), &[]);
        assert_eq!(out, "x\u{FEFF}");
    }

    #[test]
    fn bom_only_stream_is_empty() {
        let (out, r) = decode_bytewise(b"\xEF\xBB\xBF");
        assert_eq!(r, Ok(()));
        assert_eq!(out, "");
    }

    #[test]
    fn empty_stream() {
        let mut dec = Utf8StreamDecoder::new();
        let mut out = String::new();
        dec.push(b"", &mut out).unwrap();
        dec.finish(&mut out).unwrap();
        assert_eq!(out, "");
    }

    #[test]
    fn invalid_byte_offsets_are_absolute() {
        // 0xFF can never appear in UTF-8; put it after multi-byte text so
        // the offset counts bytes, not characters.
        let mut bytes = "漢字ab".as_bytes().to_vec(); // 3 + 3 + 2 = 8 bytes
        bytes.push(0xFF);
        bytes.extend_from_slice("後".as_bytes());
        for i in 0..=bytes.len() {
            let (out, r) = decode_chunks(&bytes, &[i]);
            assert_eq!(r, Err(DecodeError::InvalidUtf8 { offset: 8 }), "split {i}");
            assert_eq!(out, "漢字ab", "split {i}");
        }
    }

    #[test]
    fn offset_points_at_lead_byte_of_bad_sequence() {
        // A 3-byte lead followed by an ASCII byte: the sequence starting at
        // offset 1 is bad, as std reports.
        let bytes = b"a\xE6\xBCb";
        for i in 0..=bytes.len() {
            let (out, r) = decode_chunks(bytes, &[i]);
            assert_eq!(r, Err(DecodeError::InvalidUtf8 { offset: 1 }), "split {i}");
            assert_eq!(out, "a");
        }
    }

    #[test]
    fn offset_far_into_stream() {
        let mut dec = Utf8StreamDecoder::new();
        let mut out = String::new();
        let chunk = "字".repeat(1000); // 3000 bytes
        for _ in 0..1000 {
            dec.push(chunk.as_bytes(), &mut out).unwrap();
            out.clear();
        }
        assert_eq!(dec.bytes_decoded(), 3_000_000);
        let r = dec.push(b"ok\x80", &mut out);
        assert_eq!(r, Err(DecodeError::InvalidUtf8 { offset: 3_000_002 }));
    }

    #[test]
    fn overlong_and_surrogate_encodings_rejected() {
        for bad in [
            &b"\xC0\xAF"[..],
            b"\xE0\x80\xAF",
            b"\xED\xA0\x80",
            b"\xF4\x90\x80\x80",
        ] {
            let mut bytes = b"xy".to_vec();
            bytes.extend_from_slice(bad);
            let (_, r) = decode_bytewise(&bytes);
            assert_eq!(r, Err(DecodeError::InvalidUtf8 { offset: 2 }), "{bad:x?}");
        }
    }

    #[test]
    fn truncated_sequence_at_end_is_an_error() {
        let mut bytes = "ab漢".as_bytes().to_vec();
        bytes.extend_from_slice(&"字".as_bytes()[..2]);
        for i in 0..=bytes.len() {
            let (out, r) = decode_chunks(&bytes, &[i]);
            assert_eq!(
                r,
                Err(DecodeError::TruncatedUtf8 { offset: 5 }),
                "split {i}"
            );
            assert_eq!(out, "ab漢");
        }
    }

    #[test]
    fn errors_are_sticky() {
        let mut dec = Utf8StreamDecoder::new();
        let mut out = String::new();
        let e = dec.push(b"a\xFF", &mut out).unwrap_err();
        assert_eq!(dec.push(b"b", &mut out), Err(e));
        assert_eq!(dec.finish(&mut out), Err(e));
        assert_eq!(out, "a");
    }

    #[test]
    fn finish_resets_for_a_new_stream() {
        let mut dec = Utf8StreamDecoder::new();
        let mut out = String::new();
        dec.push(b"abc", &mut out).unwrap();
        dec.finish(&mut out).unwrap();
        dec.push(b"\xEF\xBB\xBFd", &mut out).unwrap();
        dec.finish(&mut out).unwrap();
        assert_eq!(out, "abcd");
        assert_eq!(dec.bytes_decoded(), 0);
    }

    #[test]
    fn display_names_offset() {
        assert_eq!(
            DecodeError::InvalidUtf8 { offset: 1234 }.to_string(),
            "invalid UTF-8 at byte offset 1234"
        );
        assert!(DecodeError::TruncatedUtf8 { offset: 7 }
            .to_string()
            .starts_with("invalid UTF-8 at byte offset 7"));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Cut points as fractions so they scale to any input length.
        fn cuts_for(len: usize, fracs: &[f64]) -> Vec<usize> {
            let mut cuts: Vec<usize> = fracs.iter().map(|f| (f * len as f64) as usize).collect();
            cuts.sort_unstable();
            cuts
        }

        proptest! {
            #[test]
            fn any_split_of_valid_utf8_decodes_identically(
                s in "\\PC*",
                fracs in proptest::collection::vec(0.0f64..=1.0, 0..8),
            ) {
                let bytes = s.as_bytes();
                let (out, r) = decode_chunks(bytes, &cuts_for(bytes.len(), &fracs));
                prop_assert_eq!(r, Ok(()));
                prop_assert_eq!(out, s.strip_prefix('\u{FEFF}').unwrap_or(&s));
            }

            #[test]
            fn arbitrary_bytes_match_std(
                bytes in proptest::collection::vec(any::<u8>(), 0..64),
                fracs in proptest::collection::vec(0.0f64..=1.0, 0..8),
            ) {
                let got = decode_chunks(&bytes, &cuts_for(bytes.len(), &fracs));
                prop_assert_eq!(got, expected(&bytes));
            }

            // Mostly-valid input reaches the interesting paths (errors after
            // long valid runs, truncation at chunk ends) far more often than
            // uniformly random bytes do.
            #[test]
            fn corrupted_text_matches_std(
                s in "[a-z漢字😀é]{0,40}",
                flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..3),
                truncate in any::<proptest::sample::Index>(),
                fracs in proptest::collection::vec(0.0f64..=1.0, 0..8),
            ) {
                let mut bytes = s.into_bytes();
                if !bytes.is_empty() {
                    for (i, b) in flips {
                        let i = i.index(bytes.len());
                        bytes[i] = b;
                    }
                    bytes.truncate(truncate.index(bytes.len() + 1));
                }
                let got = decode_chunks(&bytes, &cuts_for(bytes.len(), &fracs));
                prop_assert_eq!(got, expected(&bytes));
            }
        }
    }
}
