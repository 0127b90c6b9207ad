//! Reading UTF-8 text from a byte source without copying it.

use std::io::{self, Read};

use super::DecodeError;

/// Why a [`TextReader`] stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The source failed.
    Io(io::Error),
    /// The bytes are not valid UTF-8.
    Decode(DecodeError),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads a byte source as UTF-8 text in chunks that borrow its own buffer.
///
/// Each [`next_chunk`](Self::next_chunk) performs one `read` (so text from a
/// pipe is passed on as soon as it arrives), validates the bytes in place
/// and returns them as `&str`; the at most three bytes of a character cut
/// by the read are moved to the front of the buffer for the next read. A
/// UTF-8 byte-order mark at the start of the stream is dropped. This is the
/// [`Utf8StreamDecoder`](super::Utf8StreamDecoder) without its copy, for
/// callers that own the reading.
pub struct TextReader<R> {
    source: R,
    buf: Vec<u8>,
    /// Bytes of an unfinished character left at `buf[carry.0..carry.1]`.
    carry: (usize, usize),
    /// Stream offset of the first byte not yet returned as text.
    offset: u64,
    at_start: bool,
    pending_error: Option<DecodeError>,
    done: bool,
}

impl<R: Read> TextReader<R> {
    /// Wraps `source`, reading up to `capacity` bytes at a time.
    pub fn new(source: R, capacity: usize) -> Self {
        TextReader {
            source,
            buf: vec![0; capacity.max(16)],
            carry: (0, 0),
            offset: 0,
            at_start: true,
            pending_error: None,
            done: false,
        }
    }

    /// The next piece of text (possibly empty), or `Ok(None)` at the end of
    /// the stream. Invalid bytes give an `Err` after the valid text before
    /// them has been returned; after an error the reader is finished.
    pub fn next_chunk(&mut self) -> Result<Option<&str>, ReadError> {
        if let Some(e) = self.pending_error.take() {
            self.done = true;
            return Err(ReadError::Decode(e));
        }
        if self.done {
            return Ok(None);
        }
        let (from, to) = self.carry;
        self.buf.copy_within(from..to, 0);
        let carried = to - from;
        let n = loop {
            match self.source.read(&mut self.buf[carried..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Err(ReadError::Io(e));
                }
            }
        };
        if n == 0 {
            self.done = true;
            if carried > 0 {
                return Err(ReadError::Decode(DecodeError::TruncatedUtf8 {
                    offset: self.offset,
                }));
            }
            return Ok(None);
        }
        let total = carried + n;
        // simdutf8 validates several times faster than std on CJK text and
        // reports errors exactly as std's `Utf8Error` does.
        let valid = match simdutf8::compat::from_utf8(&self.buf[..total]) {
            Ok(_) => {
                self.carry = (total, total);
                total
            }
            Err(e) => {
                let valid = e.valid_up_to();
                if e.error_len().is_some() {
                    let bad = DecodeError::InvalidUtf8 {
                        offset: self.offset + valid as u64,
                    };
                    if valid == 0 {
                        self.done = true;
                        return Err(ReadError::Decode(bad));
                    }
                    self.pending_error = Some(bad);
                    self.carry = (total, total);
                } else {
                    self.carry = (valid, total);
                }
                valid
            }
        };
        let skip = if self.at_start && self.buf[..valid].starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if valid > 0 {
            self.at_start = false;
        }
        self.offset += valid as u64;
        // SAFETY: simdutf8 reported `buf[..valid]` as valid UTF-8, and `skip`
        // is 0 or the length of a whole BOM at its start.
        Ok(Some(unsafe {
            std::str::from_utf8_unchecked(&self.buf[skip..valid])
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out its bytes in pieces of the given sizes.
    struct Pieces {
        data: Vec<u8>,
        sizes: Vec<usize>,
        pos: usize,
        k: usize,
    }

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let want = self.sizes.get(self.k).copied().unwrap_or(usize::MAX).max(1);
            self.k += 1;
            let n = want.min(buf.len()).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn read_all(data: &[u8], sizes: Vec<usize>, cap: usize) -> (String, Option<String>) {
        let mut r = TextReader::new(
            Pieces {
                data: data.to_vec(),
                sizes,
                pos: 0,
                k: 0,
            },
            cap,
        );
        let mut text = String::new();
        loop {
            match r.next_chunk() {
                Ok(Some(t)) => text.push_str(t),
                Ok(None) => return (text, None),
                Err(e) => return (text, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn any_read_sizes_give_the_same_text() {
        let s = "\u{FEFF}漢字 mixed ASCII 🀄 and 語言\n第二行";
        for size in 1..12 {
            for cap in [16, 17, 64] {
                let (t, e) = read_all(s.as_bytes(), vec![size; 100], cap);
                assert_eq!(e, None);
                assert_eq!(t, &s[3..], "size {size} cap {cap}");
            }
        }
    }

    #[test]
    fn invalid_and_truncated_bytes_report_absolute_offsets() {
        let mut bad = "漢字".as_bytes().to_vec();
        bad.push(0xFF);
        bad.extend_from_slice("後".as_bytes());
        for size in 1..8 {
            let (t, e) = read_all(&bad, vec![size; 100], 16);
            assert_eq!(t, "漢字");
            assert_eq!(e.as_deref(), Some("invalid UTF-8 at byte offset 6"));
        }
        let cut = &"漢字".as_bytes()[..5];
        let (t, e) = read_all(cut, vec![2; 10], 16);
        assert_eq!(t, "漢");
        assert!(e.unwrap().starts_with("invalid UTF-8 at byte offset 3"));
    }
}
