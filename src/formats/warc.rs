//! WARC 1.0/1.1 and WET files (`zhnorm --format warc`).
//!
//! [`process`] reads records one at a time from a decompressed stream (the
//! caller undoes `.warc.gz`), hands every text payload to a caller-supplied
//! [`Transform`] (decode, clean, convert) and writes either WARC again, with
//! the headers that describe the payload corrected, or one JSON line per text
//! record ([`WarcOutput::Jsonl`]).
//!
//! # Which records are rewritten
//!
//! * `response` records whose block is an HTTP response (WARC `Content-Type`
//!   `application/http`, or no `Content-Type` and a block starting with
//!   `HTTP/`) and whose HTTP `Content-Type` is a text type (`text/html`,
//!   `text/plain`, `text/xml`, `text/markdown`, `application/xhtml+xml`,
//!   `application/xml`, `application/rss+xml`, `application/atom+xml`). The
//!   declared charset is the HTTP `Content-Type` charset parameter.
//! * `resource` and `conversion` records whose WARC `Content-Type` is a text
//!   type; the block is the payload. WET files are WARC files of
//!   `conversion` records holding UTF-8 text, so a `conversion` record
//!   without a charset parameter is declared `utf-8`.
//!
//! Everything else is copied byte for byte: `warcinfo`, `request`,
//! `metadata`, `revisit`, `continuation` records, non-text payloads (images,
//! PDF, anything without a `Content-Type`), segmented records
//! (`WARC-Segment-Number`: one segment is not a whole document), responses
//! whose HTTP head does not parse, responses with more than one HTTP
//! `Content-Type` field (which one the crawler's client used is unknowable),
//! and records whose transform fails (counted in [`WarcStats::failed`]).
//!
//! # What a rewritten record looks like
//!
//! The payload is the transform's UTF-8 text. In the WARC header,
//! `Content-Length` is recomputed and `WARC-Block-Digest` and
//! `WARC-Payload-Digest`, when present, are recomputed as `sha1:` + base32
//! (whatever algorithm they used before: SHA-1 is the one WARC readers all
//! verify); the payload digest covers the payload only, the block digest the
//! whole block (HTTP head included). In the HTTP head, `Content-Length` is
//! recomputed when present (never added: without it the payload runs to the
//! end of the block, which is still right) and the `Content-Type` charset is
//! set to `utf-8`, appended when missing. A `resource` or `conversion`
//! record's WARC `Content-Type` charset is rewritten to `utf-8` when it has
//! one; none is added, so WET headers stay as WET readers expect. Fields that
//! do not change keep their bytes, order and spelling; a changed field keeps
//! its name as written and its line end, and a folded one is written on one
//! line. A value that is already right is left as it is, so an unchanged
//! record comes out byte for byte.
//!
//! # Chunked and gzip payloads
//!
//! Crawlers such as wget store the body as it came off the wire, so a
//! payload can be `Transfer-Encoding: chunked` and/or `Content-Encoding:
//! gzip`. Such a payload is decoded (de-chunked, then gunzipped) before the
//! transform sees it, and the two fields are dropped from the rewritten HTTP
//! head, because the new payload is plain UTF-8. This also removes the
//! known ambiguity over whether a payload digest covers the chunked or the
//! de-chunked bytes. Codings this module cannot undo (`br`, `deflate`,
//! `zstd`, `compress`, stacked codings, transfer codings other than a lone
//! `chunked`), broken chunk framing and gzip that does not inflate (or
//! inflates beyond the record size limit) leave the record copied unchanged
//! and counted in [`WarcStats::copied`]. If the transform fails, the record is
//! copied in its original, still encoded form.
//!
//! # Parsing rules
//!
//! A record is a version line (`WARC/1.0` or `WARC/1.1`), header fields, a
//! blank line, `Content-Length` bytes of block, and two line ends. LF-only
//! files (written by hand or by tools that ignore the standard) parse by
//! this rule: a header line ends at LF, and a CR just before that LF belongs
//! to the line end, so CRLF, LF and mixed header lines all parse and each
//! keeps its own line end in the output; the two line ends after the block
//! must be in the style of the record's version line, `\r\n\r\n` after
//! `WARC/1.1\r\n` and `\n\n` after `WARC/1.1\n`, so that a Content-Length
//! that is off by one is still caught. Field names are case-insensitive; a
//! line starting with a space or tab continues the previous field. Extra CR
//! and LF bytes between records (some writers emit more than two line ends)
//! are tolerated and copied through.
//!
//! A stretch that is not a well-formed record where one should start (a
//! field line without a colon, a missing or non-numeric `Content-Length`
//! or several that disagree, a block cut short by the end of the input, a
//! block not followed by two line ends, which is a wrong `Content-Length`)
//! does not stop the run: it is copied unchanged up to the next line that
//! starts with `WARC/1.` (looked for inside the bytes it claimed too, since
//! a `Content-Length` too large swallows the records after it), counted in
//! [`WarcStats::malformed`] with the first one's record number, offset and
//! reason, and the records after it are processed as usual. An input that
//! does not start with `WARC/1.` (nothing is written for it then), or in
//! which not one record is well formed, is [`WarcError::Malformed`]: it is
//! not WARC at all.
//!
//! # Memory
//!
//! One record is held at a time, so memory is bounded by the largest record.
//! Records whose block exceeds [`MAX_RECORD_BYTES`] (or the limit given to
//! [`process_with_limit`]) are streamed through unchanged (left out in JSON
//! Lines mode) and counted as copied. A record header is capped at
//! [`MAX_HEADER_BYTES`].

mod digest;
mod fields;
mod http;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};

use fields::{parse_fields, render, Edit, Field};

/// What the caller is given for one text record.
#[derive(Debug, Clone, Copy)]
pub struct TextPayload<'a> {
    /// The payload, with chunked transfer coding and gzip content coding
    /// already removed.
    pub bytes: &'a [u8],
    /// The charset parameter of the HTTP `Content-Type` (for `resource` and
    /// `conversion` records: of the WARC `Content-Type`; `utf-8` for a
    /// `conversion` record without one), unquoted, as written.
    pub declared_charset: Option<&'a str>,
    /// The media type without parameters, lower-cased (`text/html`).
    pub content_type: Option<&'a str>,
    /// `WARC-Target-URI`, without the angle brackets some WARC 1.0 writers
    /// put around it.
    pub url: Option<&'a str>,
}

/// The caller's text transform: payload → UTF-8 text (the caller decodes,
/// cleans and converts). `Err(message)` means this record failed: it is
/// copied unchanged (left out in JSON Lines mode) and counted in
/// [`WarcStats::failed`]; the message is not kept, so a caller that wants to
/// report it does so inside the closure, where it knows the record's URL.
pub type Transform<'t> = Box<dyn FnMut(&TextPayload<'_>) -> Result<String, String> + 't>;

/// What [`process`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarcOutput {
    /// WARC again: text records rewritten, every other record copied.
    Warc,
    /// One JSON object per rewritten text record:
    /// `{"url": WARC-Target-URI, "date": WARC-Date, "text": text}` (`null`
    /// for a missing field); other records are left out.
    Jsonl,
}

/// What [`process`] did. Every record is counted once in `records` and once
/// in exactly one of `rewritten`, `copied`, `failed` and `malformed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarcStats {
    /// Records read.
    pub records: u64,
    /// Text records whose payload went through the transform and was written
    /// (as WARC or as a JSON line), changed or not.
    pub rewritten: u64,
    /// Records that are not text, or not rewritable (see the module
    /// documentation), copied unchanged (left out in JSON Lines mode).
    pub copied: u64,
    /// Text records whose transform returned `Err`, copied unchanged (left
    /// out in JSON Lines mode).
    pub failed: u64,
    /// Stretches that are not a well-formed record (a broken header, a
    /// wrong `Content-Length`, a block cut short), each from where a record
    /// should have started to the next line starting `WARC/1.`: copied
    /// unchanged (left out in JSON Lines mode).
    pub malformed: u64,
    /// The first of them, for the message.
    pub first_malformed: Option<Malformed>,
    /// Records above the size limit, streamed through unchanged (also
    /// counted in `copied`).
    pub too_large: u64,
    /// Bytes read from the input.
    pub bytes_in: u64,
    /// Bytes written to the output.
    pub bytes_out: u64,
}

/// A stretch of the input that is not a well-formed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Its number among the records (1-based, counting it).
    pub record: u64,
    /// Offset of its first byte in the (decompressed) input.
    pub offset: u64,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} at byte {}: {}",
            self.record, self.offset, self.message
        )
    }
}

/// Where [`process_records`] writes: any writer, told where one record
/// ends and the next begins (see [`RecordWrite::end_record`]).
pub trait RecordWrite: Write {
    /// Called between records, before the next one is written. A
    /// `.warc.gz` writer ends its gzip member here, so that each record is
    /// a member of its own, as WARC readers and indexers expect.
    fn end_record(&mut self) -> io::Result<()>;
}

/// A plain writer as a [`RecordWrite`] that ignores record boundaries.
pub struct PlainRecords<'w>(pub &'w mut dyn Write);

impl Write for PlainRecords<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl RecordWrite for PlainRecords<'_> {
    fn end_record(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> RecordWrite for super::compress::CompressWriter<W> {
    fn end_record(&mut self) -> io::Result<()> {
        self.end_member()
    }
}

/// Why [`process`] stopped.
#[derive(Debug)]
pub enum WarcError {
    /// Reading the input or writing the output failed.
    Io(io::Error),
    /// The stream is not WARC at `offset` (the first byte of the record that
    /// is broken); the caller reports it with the path.
    Malformed {
        /// Offset of the broken record's first byte in the input.
        offset: u64,
        /// What is wrong, in words.
        message: String,
    },
}

impl fmt::Display for WarcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarcError::Io(e) => write!(f, "{e}"),
            WarcError::Malformed { offset, message } => {
                write!(f, "malformed WARC record at byte {offset}: {message}")
            }
        }
    }
}

impl std::error::Error for WarcError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WarcError::Io(e) => Some(e),
            WarcError::Malformed { .. } => None,
        }
    }
}

impl From<io::Error> for WarcError {
    fn from(e: io::Error) -> Self {
        WarcError::Io(e)
    }
}

/// Blocks larger than this are streamed through unchanged instead of being
/// held in memory and transformed (32 MiB). A record is cleaned whole, in
/// a few copies (block, payload, decoded text, cleaned text, new record),
/// so this bounds memory at a few hundred MiB; crawlers truncate payloads
/// far below it (Common Crawl at 1 MiB).
pub const MAX_RECORD_BYTES: u64 = 32 << 20;

/// A record header (version line to blank line) longer than this is
/// malformed: real headers are a few hundred bytes, and without a cap a
/// stream of junk without a blank line would be read into memory whole.
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// Whether `head` looks like the start of a WARC file (`WARC/1.0` or
/// `WARC/1.1` and a line end), for format sniffing. LF-only line ends are
/// accepted because [`process`] accepts them.
pub fn looks_like_warc(head: &[u8]) -> bool {
    [&b"WARC/1.0"[..], b"WARC/1.1"].iter().any(|v| {
        head.strip_prefix(*v)
            .is_some_and(|rest| rest.starts_with(b"\r\n") || rest.starts_with(b"\n"))
    })
}

/// Reads WARC records from `input` and writes the result to `out`, one record
/// at a time, in input order. Blocks above [`MAX_RECORD_BYTES`] are streamed
/// through unchanged. See the module documentation for what is rewritten.
pub fn process(
    input: &mut dyn Read,
    out: &mut dyn Write,
    mode: WarcOutput,
    transform: &mut Transform<'_>,
) -> Result<WarcStats, WarcError> {
    process_with_limit(input, out, mode, transform, MAX_RECORD_BYTES)
}

/// [`process`] into a writer that is told where records end (for
/// `.warc.gz`, one gzip member per record), with the size limit of
/// [`process_with_limit`].
pub fn process_records(
    input: &mut dyn Read,
    out: &mut dyn RecordWrite,
    mode: WarcOutput,
    transform: &mut Transform<'_>,
    max_record_bytes: u64,
) -> Result<WarcStats, WarcError> {
    run(input, out, mode, transform, max_record_bytes)
}

/// [`process`] with another size limit: blocks longer than
/// `max_record_bytes` are streamed through unchanged (left out in JSON Lines
/// mode) and counted as copied. It also bounds how far a gzip payload may
/// inflate.
pub fn process_with_limit(
    input: &mut dyn Read,
    out: &mut dyn Write,
    mode: WarcOutput,
    transform: &mut Transform<'_>,
    max_record_bytes: u64,
) -> Result<WarcStats, WarcError> {
    run(
        input,
        &mut PlainRecords(out),
        mode,
        transform,
        max_record_bytes,
    )
}

fn run(
    input: &mut dyn Read,
    out: &mut dyn RecordWrite,
    mode: WarcOutput,
    transform: &mut Transform<'_>,
    max_record_bytes: u64,
) -> Result<WarcStats, WarcError> {
    let mut r = Input {
        front: Vec::new(),
        pos: 0,
        inner: BufReader::with_capacity(64 * 1024, input),
    };
    let mut stats = WarcStats::default();
    let mut block = Vec::new();
    let warc = mode == WarcOutput::Warc;
    let mut raw = Vec::with_capacity(1024);
    loop {
        let padding = copy_padding(&mut r, out, warc)?;
        stats.bytes_in += padding;
        if warc {
            stats.bytes_out += padding;
        }
        if fill_buf(&mut r)?.is_empty() {
            if stats.malformed > 0 && stats.malformed == stats.records {
                // Not one record in it: this is not WARC at all, whatever
                // its first bytes said.
                let first = stats.first_malformed.take().unwrap_or(Malformed {
                    record: 1,
                    offset: 0,
                    message: String::new(),
                });
                return Err(WarcError::Malformed {
                    offset: first.offset,
                    message: first.message,
                });
            }
            return Ok(stats);
        }
        if warc && stats.records > 0 {
            out.end_record()?;
        }
        let start = stats.bytes_in;
        stats.records += 1;
        raw.clear();
        let head = match read_head(&mut r, &mut raw) {
            Ok(head) => head,
            Err(HeadError::Io(e)) => return Err(WarcError::Io(e)),
            Err(HeadError::Malformed(m)) => {
                if stats.records == 1 && !raw.starts_with(VERSION_PREFIX) {
                    // The stream does not even start as WARC: refused
                    // before anything is written for it.
                    return Err(WarcError::Malformed {
                        offset: start,
                        message: m,
                    });
                }
                let bad = std::mem::take(&mut raw);
                resync(&mut r, out, warc, bad, start, m, &mut stats)?;
                continue;
            }
        };
        stats.bytes_in += head.raw.len() as u64;
        let len = head.content_length;

        if len > max_record_bytes {
            // Too large to hold: stream it through as it is.
            if warc {
                out.write_all(&head.raw)?;
                stats.bytes_out += head.raw.len() as u64;
            }
            let mut sink = io::sink();
            let dest: &mut dyn Write = if warc { &mut *out } else { &mut sink };
            let copied = io::copy(&mut (&mut r).take(len), dest)?;
            stats.bytes_in += copied;
            if warc {
                stats.bytes_out += copied;
            }
            // What was streamed is out already; the rest of the stretch
            // is copied on from here.
            if copied < len {
                let m = truncated(len, copied);
                resync(&mut r, out, warc, Vec::new(), start, m, &mut stats)?;
                continue;
            }
            let trailer = match read_trailer(&mut r, head.crlf)? {
                Ok(t) => t,
                Err(partial) => {
                    let m = no_trailer(start, &head, len);
                    resync(&mut r, out, warc, partial, start, m, &mut stats)?;
                    continue;
                }
            };
            stats.bytes_in += trailer.len() as u64;
            if warc {
                out.write_all(&trailer)?;
                stats.bytes_out += trailer.len() as u64;
            }
            stats.copied += 1;
            // Only a text record would have been cleaned: others are
            // copied whatever their size.
            if may_be_text(&head) {
                stats.too_large += 1;
            }
            continue;
        }

        block.clear();
        let got = (&mut r).take(len).read_to_end(&mut block)? as u64;
        let trailer = if got < len {
            Err((truncated(len, got), Vec::new()))
        } else {
            read_trailer(&mut r, head.crlf)?
                .map_err(|partial| (no_trailer(start, &head, len), partial))
        };
        let trailer = match trailer {
            Ok(t) => t,
            Err((m, partial)) => {
                // The stretch read so far goes back to resynchronising,
                // which looks for the next record inside it too: a
                // Content-Length too large swallows the records after it.
                stats.bytes_in -= head.raw.len() as u64;
                let mut bad = head.raw;
                bad.extend_from_slice(&block);
                bad.extend_from_slice(&partial);
                resync(&mut r, out, warc, bad, start, m, &mut stats)?;
                continue;
            }
        };
        stats.bytes_in += got + trailer.len() as u64;

        let outcome = match plan_text(&head, &block, max_record_bytes) {
            None => Outcome::Copy,
            Some(plan) => {
                let url = head.value("WARC-Target-URI").map(target_uri);
                let payload = TextPayload {
                    bytes: &plan.payload,
                    declared_charset: plan.charset.as_deref(),
                    content_type: Some(&plan.mime),
                    url: url.as_deref(),
                };
                match transform(&payload) {
                    Err(_) => Outcome::Failed,
                    Ok(text) => match mode {
                        WarcOutput::Jsonl => {
                            let date = head.value("WARC-Date");
                            let mut line = Vec::with_capacity(text.len() + 128);
                            json_line(&mut line, url.as_deref(), date.as_deref(), &text);
                            Outcome::Write(line)
                        }
                        WarcOutput::Warc => {
                            Outcome::Write(rebuild(&head, &block, &plan, text.as_bytes()))
                        }
                    },
                }
            }
        };
        match outcome {
            Outcome::Write(bytes) => {
                out.write_all(&bytes)?;
                stats.bytes_out += bytes.len() as u64;
                if warc {
                    out.write_all(&trailer)?;
                    stats.bytes_out += trailer.len() as u64;
                }
                stats.rewritten += 1;
            }
            Outcome::Copy | Outcome::Failed => {
                if warc {
                    for part in [&head.raw[..], &block, &trailer] {
                        out.write_all(part)?;
                        stats.bytes_out += part.len() as u64;
                    }
                }
                if matches!(outcome, Outcome::Failed) {
                    stats.failed += 1;
                } else {
                    stats.copied += 1;
                }
            }
        }
    }
}

/// What becomes of one record that fit in memory.
enum Outcome {
    /// Write these bytes (a rewritten record's head and block, or a JSON line).
    Write(Vec<u8>),
    /// Not a rewritable text record: copy it.
    Copy,
    /// The transform failed: copy it and count it.
    Failed,
}

fn truncated(len: u64, got: u64) -> String {
    format!("the input ends inside the record's block ({got} of {len} bytes present)")
}

fn no_trailer(start: u64, head: &RecordHead, len: u64) -> String {
    let at = start + head.raw.len() as u64 + len;
    format!(
        "the {len}-byte block is not followed by two line ends at byte {at} \
         (a wrong Content-Length, or the input ends there)"
    )
}

/// The reader every helper works on: buffered input, with bytes put back
/// in front of it when resynchronising found the next record inside what
/// a malformed one had read.
struct Input<'i> {
    front: Vec<u8>,
    pos: usize,
    inner: BufReader<&'i mut dyn Read>,
}

impl Input<'_> {
    /// What the last `fill_buf` made available, without reading.
    fn buffer(&self) -> &[u8] {
        if self.pos < self.front.len() {
            &self.front[self.pos..]
        } else {
            self.inner.buffer()
        }
    }

    /// Puts `bytes` back to be read before anything else.
    fn unread(&mut self, bytes: &[u8]) {
        let mut front = bytes.to_vec();
        front.extend_from_slice(&self.front[self.pos..]);
        self.front = front;
        self.pos = 0;
    }
}

impl Read for Input<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.front.len() {
            let n = buf.len().min(self.front.len() - self.pos);
            buf[..n].copy_from_slice(&self.front[self.pos..self.pos + n]);
            self.consume(n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

impl BufRead for Input<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.front.len() {
            return Ok(&self.front[self.pos..]);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.pos < self.front.len() {
            self.pos += n;
            if self.pos >= self.front.len() {
                self.front.clear();
                self.pos = 0;
            }
        } else {
            self.inner.consume(n);
        }
    }
}

/// The version line every record starts with, up to the minor version.
const VERSION_PREFIX: &[u8] = b"WARC/1.";

/// Longest line piece held at once while looking for the next record:
/// a line of a binary block can be as long as the block.
const RESYNC_PIECE: u64 = 64 * 1024;

/// After a malformed record starting at `start` (`bad`: the bytes of it
/// already read), finds the next line starting `WARC/1.` and copies
/// everything before it unchanged (in WARC mode), so that no byte is lost
/// and the records after it are processed as usual. Counts the stretch in
/// `stats`.
fn resync(
    r: &mut Input<'_>,
    out: &mut dyn RecordWrite,
    warc: bool,
    mut bad: Vec<u8>,
    start: u64,
    message: String,
    stats: &mut WarcStats,
) -> io::Result<()> {
    stats.malformed += 1;
    if stats.first_malformed.is_none() {
        stats.first_malformed = Some(Malformed {
            record: stats.records,
            offset: start,
            message,
        });
    }
    // The next record may start inside what was read: at any line start
    // after the first byte, or at a line start at the very end that the
    // input could still continue into `WARC/1.`.
    let next = (1..bad.len()).find(|&i| {
        bad[i - 1] == b'\n' && {
            let rest = &bad[i..];
            let n = rest.len().min(VERSION_PREFIX.len());
            rest[..n] == VERSION_PREFIX[..n]
        }
    });
    let mut at_line_start = bad.is_empty() || bad.ends_with(b"\n");
    if let Some(i) = next {
        r.unread(&bad[i..]);
        bad.truncate(i);
    }
    let mut emit = |bytes: &[u8], stats: &mut WarcStats| -> io::Result<()> {
        stats.bytes_in += bytes.len() as u64;
        if warc {
            out.write_all(bytes)?;
            stats.bytes_out += bytes.len() as u64;
        }
        Ok(())
    };
    emit(&bad, stats)?;
    if next.is_some() {
        return Ok(());
    }
    let mut piece = Vec::new();
    loop {
        piece.clear();
        // `read_until` reads on across buffer refills, so a piece is a
        // whole line unless it is RESYNC_PIECE long or the input ends.
        r.by_ref()
            .take(RESYNC_PIECE)
            .read_until(b'\n', &mut piece)?;
        if piece.is_empty() {
            return Ok(());
        }
        if at_line_start && piece.starts_with(VERSION_PREFIX) {
            r.unread(&piece);
            return Ok(());
        }
        at_line_start = piece.ends_with(b"\n");
        emit(&piece, stats)?;
    }
}

/// Fills the read buffer (retrying on `Interrupted`, as readers must) and
/// returns what it holds, empty at the end of the input. The slice comes
/// from `buffer()` after the loop rather than from `fill_buf()` inside it:
/// at the end of the input a second `fill_buf()` would read again, and
/// returning the borrow from inside the retry loop does not borrow-check.
fn fill_buf<'r>(r: &'r mut Input<'_>) -> io::Result<&'r [u8]> {
    loop {
        match r.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    Ok(r.buffer())
}

/// Consumes the CR and LF bytes before the next record (copying them when
/// writing WARC) and returns how many there were.
fn copy_padding(r: &mut Input<'_>, out: &mut dyn RecordWrite, warc: bool) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        let buf = fill_buf(r)?;
        let n = buf
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        if warc && n > 0 {
            out.write_all(&buf[..n])?;
        }
        let more = n == buf.len() && n > 0;
        r.consume(n);
        total += n as u64;
        if !more {
            return Ok(total);
        }
    }
}

/// Reads the two line ends that end a record, in the style of its version
/// line (CRLF CRLF, or LF LF for an LF-only record); `Err` with those of
/// them that were there when they are not all there. Holding the trailer to one style is what catches a Content-Length
/// that is off by one: with either style allowed, a block one byte short
/// that ends in LF, or one byte long into the trailer's CR, would still parse.
fn read_trailer(r: &mut Input<'_>, crlf: bool) -> io::Result<Result<Vec<u8>, Vec<u8>>> {
    let want: &[u8] = if crlf { b"\r\n\r\n" } else { b"\n\n" };
    for (i, &w) in want.iter().enumerate() {
        // Peeked, not taken: a byte that is not the line end may start
        // the next record, which resynchronising must still see.
        if fill_buf(r)?.first() != Some(&w) {
            return Ok(Err(want[..i].to_vec()));
        }
        r.consume(1);
    }
    Ok(Ok(want.to_vec()))
}

/// A WARC record header as read: the raw bytes from the version line to the
/// blank line inclusive, and its fields (indexing into `raw`).
struct RecordHead {
    raw: Vec<u8>,
    fields: Vec<Field>,
    /// Where the blank line starts in `raw`.
    blank_start: usize,
    content_length: u64,
    /// Whether the version line ends with CRLF (else LF only).
    crlf: bool,
}

impl RecordHead {
    /// The first field called `name`, unfolded and trimmed, as text.
    fn value(&self, name: &str) -> Option<Cow<'_, str>> {
        self.field(name).map(|f| String::from_utf8_lossy(&f.value))
    }

    fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.is(&self.raw, name))
    }

    /// Where the first field starts (just after the version line).
    fn fields_start(&self) -> usize {
        self.fields
            .first()
            .map_or(self.blank_start, |f| f.range.start)
    }
}

enum HeadError {
    Io(io::Error),
    Malformed(String),
}

impl From<io::Error> for HeadError {
    fn from(e: io::Error) -> Self {
        HeadError::Io(e)
    }
}

/// Reads one line (through its LF) into `raw`, within the header cap.
fn read_line(r: &mut Input<'_>, raw: &mut Vec<u8>) -> Result<(), HeadError> {
    let room = MAX_HEADER_BYTES.saturating_sub(raw.len());
    let n = r.by_ref().take(room as u64).read_until(b'\n', raw)?;
    if raw.last() == Some(&b'\n') && n > 0 {
        Ok(())
    } else if n == room {
        Err(HeadError::Malformed(format!(
            "the record header is longer than {MAX_HEADER_BYTES} bytes"
        )))
    } else {
        Err(HeadError::Malformed(
            "the input ends inside the record header".into(),
        ))
    }
}

/// Reads and checks a record header: version line, fields, blank line.
/// `raw` gets the bytes read, also when the header turns out malformed.
fn read_head(r: &mut Input<'_>, raw: &mut Vec<u8>) -> Result<RecordHead, HeadError> {
    // The version line is checked before anything else is read, so a file
    // that is not WARC at all fails fast.
    read_line(r, raw)?;
    let version = raw.strip_suffix(b"\n").unwrap_or(raw);
    let version = version.strip_suffix(b"\r").unwrap_or(version);
    if version != b"WARC/1.0" && version != b"WARC/1.1" {
        let shown: String = String::from_utf8_lossy(&version[..version.len().min(40)]).into();
        return Err(HeadError::Malformed(format!(
            "expected a WARC/1.0 or WARC/1.1 version line, found {shown:?}"
        )));
    }
    let crlf = raw.ends_with(b"\r\n");
    let fields_start = raw.len();
    let blank_start = loop {
        let line_start = raw.len();
        read_line(r, raw)?;
        let line = &raw[line_start..];
        if line == b"\n" || line == b"\r\n" {
            break line_start;
        }
    };
    let fields =
        parse_fields(raw, fields_start, blank_start).map_err(|m| HeadError::Malformed(m.into()))?;
    let mut content_length = None;
    for f in fields.iter().filter(|f| f.is(raw, "Content-Length")) {
        let n = parse_decimal(&f.value).ok_or_else(|| {
            HeadError::Malformed(format!(
                "Content-Length {:?} is not a decimal number",
                String::from_utf8_lossy(&f.value)
            ))
        })?;
        if content_length.is_some_and(|m| m != n) {
            return Err(HeadError::Malformed(
                "several Content-Length fields that disagree".into(),
            ));
        }
        content_length = Some(n);
    }
    let content_length =
        content_length.ok_or_else(|| HeadError::Malformed("no Content-Length field".into()))?;
    Ok(RecordHead {
        raw: std::mem::take(raw),
        fields,
        blank_start,
        content_length,
        crlf,
    })
}

/// A non-negative decimal that fits in a u64 (no sign, no blanks inside).
fn parse_decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |acc, &b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// `WARC-Target-URI` without the `<…>` that the WARC 1.0 grammar (by mistake)
/// showed and some writers therefore emit.
fn target_uri(v: Cow<'_, str>) -> String {
    match v.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
        Some(inner) => inner.to_owned(),
        None => v.into_owned(),
    }
}

/// The media types treated as text. Scripts and stylesheets are not: their
/// string literals and identifiers must not be converted.
fn is_text_mime(mime: &str) -> bool {
    matches!(
        mime,
        "text/html"
            | "text/plain"
            | "text/xml"
            | "text/markdown"
            | "application/xhtml+xml"
            | "application/xml"
            | "application/rss+xml"
            | "application/atom+xml"
    )
}

/// A text record about to go through the transform, and how to put it back.
struct TextPlan<'b> {
    /// The payload as the transform sees it (codings removed).
    payload: Cow<'b, [u8]>,
    charset: Option<String>,
    mime: String,
    kind: Kind,
}

enum Kind {
    /// An HTTP response: the head is rewritten with `edits` (Content-Length
    /// fields are filled in once the new payload's length is known).
    Http {
        head: http::HttpHead,
        edits: Vec<Edit>,
    },
    /// A `resource` or `conversion` record: the block is the payload; the
    /// WARC `Content-Type` field (index into the record's fields) gets this
    /// new value.
    Plain {
        content_type: Option<(usize, Vec<u8>)>,
    },
}

/// Whether a record's type is one whose payload may be text that would be
/// cleaned (its block, not read, would tell for sure).
fn may_be_text(head: &RecordHead) -> bool {
    head.value("WARC-Type").is_some_and(|k| {
        ["response", "resource", "conversion"]
            .iter()
            .any(|t| k.eq_ignore_ascii_case(t))
    })
}

/// Decides whether a record is a text record to transform, and prepares it.
fn plan_text<'b>(
    head: &RecordHead,
    block: &'b [u8],
    max_record_bytes: u64,
) -> Option<TextPlan<'b>> {
    if head.field("WARC-Segment-Number").is_some() {
        return None;
    }
    let kind = head.value("WARC-Type")?.to_ascii_lowercase();
    let warc_ct = head.field("Content-Type");
    match kind.as_str() {
        "response" => {
            let is_http = match warc_ct {
                Some(f) => http::parse_content_type(&f.value).mime == "application/http",
                None => block.starts_with(b"HTTP/"),
            };
            if !is_http {
                return None;
            }
            plan_http(block, max_record_bytes)
        }
        "resource" | "conversion" => {
            let (index, f) = head
                .fields
                .iter()
                .enumerate()
                .find(|(_, f)| f.is(&head.raw, "Content-Type"))?;
            let ct = http::parse_content_type(&f.value);
            if !is_text_mime(&ct.mime) {
                return None;
            }
            let charset = ct
                .charset()
                .or_else(|| (kind == "conversion").then(|| "utf-8".to_owned()));
            // Only an existing charset parameter is corrected; see the module
            // documentation.
            let content_type = if ct.charsets.is_empty() {
                None
            } else {
                http::with_utf8_charset(&f.value, &ct)
                    .ok()
                    .flatten()
                    .map(|v| (index, v))
            };
            Some(TextPlan {
                payload: Cow::Borrowed(block),
                charset,
                mime: ct.mime,
                kind: Kind::Plain { content_type },
            })
        }
        _ => None,
    }
}

fn plan_http(block: &[u8], max_record_bytes: u64) -> Option<TextPlan<'_>> {
    let head = http::parse_response_head(block)?;
    let mut edits = vec![Edit::Keep; head.fields.len()];
    let mut content_type = None;
    let mut transfer_encoding: Option<Vec<u8>> = None;
    let mut content_encoding: Option<Vec<u8>> = None;
    for (i, f) in head.fields.iter().enumerate() {
        if f.is(block, "Content-Type") {
            if content_type.is_some() {
                return None;
            }
            content_type = Some(i);
        } else if f.is(block, "Transfer-Encoding") {
            // Several fields mean a list of codings, which is never a lone
            // `chunked`; joining them keeps that visible.
            let v = transfer_encoding.get_or_insert_with(Vec::new);
            if !v.is_empty() {
                v.push(b',');
            }
            v.extend_from_slice(&f.value);
            edits[i] = Edit::Drop;
        } else if f.is(block, "Content-Encoding") {
            let v = content_encoding.get_or_insert_with(Vec::new);
            if !v.is_empty() {
                v.push(b',');
            }
            v.extend_from_slice(&f.value);
            edits[i] = Edit::Drop;
        }
    }
    let ct_index = content_type?;
    let ct_field = &head.fields[ct_index];
    let ct = http::parse_content_type(&ct_field.value);
    if !is_text_mime(&ct.mime) {
        return None;
    }
    edits[ct_index] = match http::with_utf8_charset(&ct_field.value, &ct).ok()? {
        Some(v) => Edit::Value(v),
        None => Edit::Keep,
    };

    let mut payload = Cow::Borrowed(&block[head.body_start..]);
    match transfer_encoding.as_deref() {
        None => {}
        Some(te) if fields::trim(te).eq_ignore_ascii_case(b"chunked") => {
            payload = Cow::Owned(http::dechunk(&payload)?);
        }
        Some(_) => return None,
    }
    match content_encoding.as_deref().map(fields::trim) {
        None => {}
        Some(ce) if ce.eq_ignore_ascii_case(b"identity") => {
            // Nothing to undo, so the field stays.
            for (e, f) in edits.iter_mut().zip(&head.fields) {
                if f.is(block, "Content-Encoding") {
                    *e = Edit::Keep;
                }
            }
        }
        Some(ce) if ce.eq_ignore_ascii_case(b"gzip") || ce.eq_ignore_ascii_case(b"x-gzip") => {
            payload = Cow::Owned(http::gunzip(&payload, max_record_bytes)?);
        }
        Some(_) => return None,
    }
    Some(TextPlan {
        payload,
        charset: ct.charset(),
        mime: ct.mime,
        kind: Kind::Http { head, edits },
    })
}

/// An edit that sets a field to `new`, or keeps it when it already says so
/// (so that a record the transform left alone comes out byte for byte).
fn set_value(f: &Field, new: &[u8]) -> Edit {
    if f.value == new {
        Edit::Keep
    } else {
        Edit::Value(new.to_vec())
    }
}

/// A length field set to `n`, kept when it already reads exactly `n` (a
/// zero-padded `0010` is normalised to `10`).
fn set_length(f: &Field, n: usize) -> Edit {
    set_value(f, n.to_string().as_bytes())
}

/// Writes the rewritten record: WARC head and block (not the trailer).
fn rebuild(head: &RecordHead, block: &[u8], plan: &TextPlan<'_>, text: &[u8]) -> Vec<u8> {
    let mut new_block = Vec::with_capacity(text.len() + 1024);
    let mut warc_ct = None;
    match &plan.kind {
        Kind::Http { head: h, edits } => {
            let mut edits = edits.clone();
            for (e, f) in edits.iter_mut().zip(&h.fields) {
                if f.is(block, "Content-Length") {
                    *e = set_length(f, text.len());
                }
            }
            new_block.extend_from_slice(&block[..h.fields_start]);
            render(block, &h.fields, &edits, &mut new_block);
            new_block.extend_from_slice(&block[h.fields_end..h.body_start]);
            new_block.extend_from_slice(text);
        }
        Kind::Plain { content_type } => {
            new_block.extend_from_slice(text);
            warc_ct = content_type.as_ref();
        }
    }
    let mut edits = vec![Edit::Keep; head.fields.len()];
    for (i, (e, f)) in edits.iter_mut().zip(&head.fields).enumerate() {
        if f.is(&head.raw, "Content-Length") {
            *e = set_length(f, new_block.len());
        } else if f.is(&head.raw, "WARC-Block-Digest") {
            *e = set_value(f, digest::sha1_label(&new_block).as_bytes());
        } else if f.is(&head.raw, "WARC-Payload-Digest") {
            *e = set_value(f, digest::sha1_label(text).as_bytes());
        } else if let Some((_, v)) = warc_ct.filter(|c| c.0 == i) {
            *e = set_value(f, v);
        }
    }
    let mut out = Vec::with_capacity(head.raw.len() + new_block.len() + 64);
    out.extend_from_slice(&head.raw[..head.fields_start()]);
    render(&head.raw, &head.fields, &edits, &mut out);
    out.extend_from_slice(&head.raw[head.blank_start..]);
    out.extend_from_slice(&new_block);
    out
}

/// Appends `{"url":…,"date":…,"text":…}` and a newline.
fn json_line(out: &mut Vec<u8>, url: Option<&str>, date: Option<&str>, text: &str) {
    out.extend_from_slice(b"{\"url\":");
    json_opt(out, url);
    out.extend_from_slice(b",\"date\":");
    json_opt(out, date);
    out.extend_from_slice(b",\"text\":");
    json_string(out, text);
    out.extend_from_slice(b"}\n");
}

fn json_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => json_string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string literal, as [`super::json_string`] writes it.
fn json_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(super::json_string(s).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes() {
        let mut out = Vec::new();
        json_string(&mut out, "中\"\\\n\u{1}\u{1f}\u{7f}文");
        assert_eq!(out, "\"中\\\"\\\\\\n\\u0001\\u001f\u{7f}文\"".as_bytes());
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_decimal(b"18446744073709551616"), None);
        assert_eq!(parse_decimal(b"-1"), None);
        assert_eq!(parse_decimal(b""), None);
        assert_eq!(parse_decimal(b"1 2"), None);
    }
}
