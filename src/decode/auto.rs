//! The streaming decoder zhnorm runs on every input: detect, then decode,
//! run by run where the encoding changes.
//!
//! Detection looks at a bounded prefix (see [`PREFIX`]); until it has seen
//! enough, lines made only of plain ASCII are passed on at once, since every
//! ASCII-compatible reading agrees on them, so a live pipe still streams.
//! After the verdict the input is decoded block by block (a block ends at a
//! line break). A block the main encoding reads cleanly and plausibly is
//! decoded in one go at full speed; any other line is handed to the
//! cheapest-reading search of [`super::mixed`], which may split it into runs
//! of different encodings and marks only truly damaged bytes.

use std::ops::Range;

use super::charset::{self, Charset, Unit};
use super::detect::{self, Basis, Detection};
use super::legacy::LegacyDecoder;
use super::mixed::{self, SWITCH_AWAY};

/// Bytes of input the encoding is decided on (unless the input is shorter,
/// or a shorter prefix already settles it).
pub const PREFIX: usize = 64 * 1024;
/// Fewer non-ASCII bytes than this is too little to leave the mixable
/// encodings on (see [`AutoDecoder::decide`]).
const THIN_EVIDENCE: usize = 64;
/// Longest block decoded at once when no line break comes.
const MAX_BLOCK: usize = 1024 * 1024;
/// Damage offsets remembered per input, for messages; the count is exact.
const MAX_OFFSETS: usize = 16;

/// How to decode an input.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecodeOptions {
    /// Decode in this encoding, skipping detection (a BOM is still honoured
    /// when it agrees).
    pub from: Option<Charset>,
    /// Decode the whole input in its main encoding, without looking for
    /// runs in other encodings.
    pub single: bool,
    /// Decide at the end of the first line that is not plain ASCII, on that
    /// line alone, rather than waiting for [`PREFIX`] bytes: the lowest
    /// latency, for callers that must pass every line on at once. On so
    /// little evidence only UTF-8, GB18030 and Big5 are chosen from (later
    /// lines can still switch among them). See also
    /// [`AutoDecoder::settle`], which callers that can tell when input has
    /// gone quiet should prefer.
    pub eager: bool,
    /// A charset declared outside the bytes (an HTTP `Content-Type`
    /// header, a WARC record's). It is weighed like a declaration inside
    /// the document: it wins a close call and loses to clear evidence, and
    /// one inside the document comes first.
    pub declared: Option<Charset>,
}

/// One run of an input decoded in one encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Byte range in the input.
    pub bytes: Range<u64>,
    /// The encoding of the run.
    pub charset: Charset,
}

/// What decoding found out about an input.
#[derive(Debug, Clone, Default)]
pub struct DecodeReport {
    /// The verdict on the main encoding; `None` for an empty input.
    pub detection: Option<Detection>,
    /// Runs, in order; more than one for a mixed input.
    pub runs: Vec<Run>,
    /// Damaged spots: bytes or sequences no encoding could read, each
    /// written as one U+FFFD.
    pub damaged: u64,
    /// Offsets of the first damaged spots.
    pub damage_offsets: Vec<u64>,
    /// Bytes read.
    pub bytes: u64,
    /// Offset of the first NUL byte, if the input has NUL bytes that no
    /// detected encoding explains: a sign of binary data.
    pub nul_at: Option<u64>,
}

impl DecodeReport {
    /// Offset of the first NUL byte, once the encoding is settled and does
    /// not explain NUL bytes (UTF-16 does): binary data, most likely.
    pub fn binary_at(&self) -> Option<u64> {
        if self.detection.as_ref()?.charset.is_utf16() {
            None
        } else {
            self.nul_at
        }
    }

    /// Whether the input switched encoding along the way.
    pub fn is_mixed(&self) -> bool {
        self.runs.windows(2).any(|w| w[0].charset != w[1].charset)
    }
}

enum Mode {
    Undecided,
    /// UTF-8, GB18030 or Big5, switching where the bytes say so.
    Mixable {
        current: Unit,
        single: bool,
    },
    Std(encoding_rs::Decoder),
    Legacy(LegacyDecoder),
}

/// Streaming decoder with detection. Feed bytes with [`push`](Self::push),
/// then call [`finish`](Self::finish).
pub struct AutoDecoder {
    options: DecodeOptions,
    mode: Mode,
    /// Bytes received and not yet decoded.
    pending: Vec<u8>,
    /// Offset in the input of `pending[0]`.
    base: u64,
    /// The first bytes of the input, kept for the charset declaration even
    /// after early ASCII lines have been passed on.
    head: Vec<u8>,
    /// Leading ASCII lines passed on before the verdict, not yet in a run.
    leading_ascii: Option<Range<u64>>,
    report: DecodeReport,
}

impl AutoDecoder {
    /// A decoder for one input.
    pub fn new(options: DecodeOptions) -> Self {
        AutoDecoder {
            options,
            mode: Mode::Undecided,
            pending: Vec::new(),
            base: 0,
            head: Vec::new(),
            leading_ascii: None,
            report: DecodeReport::default(),
        }
    }

    /// What has been found so far (complete after [`finish`](Self::finish)).
    pub fn report(&self) -> &DecodeReport {
        &self.report
    }

    /// Decode the next bytes of the input, appending text to `out`. Text may
    /// lag behind the bytes: an unfinished line or character is held back.
    pub fn push(&mut self, bytes: &[u8], out: &mut String) {
        self.note(bytes);
        self.push_noted(bytes, out);
    }

    /// [`push`](Self::push) without a copy where possible: once the input
    /// is settled as UTF-8, a read whose complete lines are all valid comes
    /// back borrowed from `bytes` (the common case: it costs one validation
    /// pass). Text appended to `out` comes before the returned text.
    pub fn push_borrowed<'a>(&mut self, bytes: &'a [u8], out: &mut String) -> &'a str {
        self.note(bytes);
        if let Mode::Mixable {
            current: Unit::Utf8,
            single: false,
        } = self.mode
        {
            if self.pending.is_empty() {
                let end = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
                if bytes.len() - end < MAX_BLOCK {
                    if let Ok(text) = simdutf8::basic::from_utf8(&bytes[..end]) {
                        self.extend_run(self.base..self.base + end as u64, Charset::UTF8);
                        self.base += end as u64;
                        self.pending.extend_from_slice(&bytes[end..]);
                        return text;
                    }
                }
            }
        }
        self.push_noted(bytes, out);
        ""
    }

    /// Bookkeeping every read gets: byte count, the head kept for the
    /// charset declaration, the first NUL.
    fn note(&mut self, bytes: &[u8]) {
        self.report.bytes += bytes.len() as u64;
        if self.head.len() < 4096 {
            let take = bytes.len().min(4096 - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        if self.report.nul_at.is_none() {
            if let Some(nul) = memchr::memchr(0, bytes) {
                self.report.nul_at = Some(self.report.bytes - bytes.len() as u64 + nul as u64);
            }
        }
    }

    fn push_noted(&mut self, bytes: &[u8], out: &mut String) {
        match &mut self.mode {
            Mode::Std(_) | Mode::Legacy(_) => {
                self.decode_streaming(bytes, out, false);
                return;
            }
            Mode::Mixable { .. } if self.pending.is_empty() => {
                // The common case, straight from the caller's buffer: the
                // complete lines now, only the unfinished tail kept.
                let end = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
                if end > 0 && bytes.len() - end < MAX_BLOCK {
                    self.decode_block(&bytes[..end], out);
                    self.base += end as u64;
                    self.pending.extend_from_slice(&bytes[end..]);
                    return;
                }
                self.pending.extend_from_slice(bytes);
            }
            _ => self.pending.extend_from_slice(bytes),
        }
        if matches!(self.mode, Mode::Undecided) {
            self.pass_ascii_lines(out);
            let Some(sample) = self.trigger() else {
                return;
            };
            self.decide(sample, false);
            if matches!(self.mode, Mode::Std(_) | Mode::Legacy(_)) {
                let pending = std::mem::take(&mut self.pending);
                self.decode_streaming(&pending, out, false);
                return;
            }
        }
        self.drain_blocks(out, false);
    }

    /// Whether text is being held back for the verdict: a complete line that
    /// is not plain ASCII has arrived, but not yet enough to judge by.
    pub fn is_waiting(&self) -> bool {
        matches!(self.mode, Mode::Undecided) && memchr::memchr(b'\n', &self.pending).is_some()
    }

    /// Settle the encoding now, on what has arrived, and pass on the complete
    /// lines held back. For live input that has gone quiet (a log followed
    /// with `tail -f`): waiting for more evidence would hold its lines back
    /// indefinitely. Does nothing once the encoding is settled.
    pub fn settle(&mut self, out: &mut String) {
        if !matches!(self.mode, Mode::Undecided) || self.pending.is_empty() {
            return;
        }
        self.decide(self.pending.len(), false);
        if matches!(self.mode, Mode::Std(_) | Mode::Legacy(_)) {
            let pending = std::mem::take(&mut self.pending);
            self.decode_streaming(&pending, out, false);
        } else {
            self.drain_blocks(out, false);
        }
    }

    /// Decode whatever is left; the input has ended.
    pub fn finish(&mut self, out: &mut String) -> &DecodeReport {
        if matches!(self.mode, Mode::Undecided) {
            if self.pending.is_empty() && self.report.bytes == 0 {
                return &self.report;
            }
            self.decide(self.pending.len(), true);
        }
        match self.mode {
            Mode::Std(_) | Mode::Legacy(_) => {
                let pending = std::mem::take(&mut self.pending);
                self.decode_streaming(&pending, out, true);
            }
            _ => self.drain_blocks(out, true),
        }
        if let Some(leading) = self.leading_ascii.take() {
            let charset = self
                .report
                .detection
                .as_ref()
                .map_or(Charset::UTF8, |d| d.charset);
            self.extend_run(leading, charset);
        }
        // A NUL that the encoding explains (UTF-16) is no sign of binary data.
        if self
            .report
            .detection
            .as_ref()
            .is_some_and(|d| d.charset.is_utf16())
        {
            self.report.nul_at = None;
        }
        &self.report
    }

    /// Before the verdict, pass on leading complete lines of plain ASCII
    /// (nothing an ASCII-incompatible encoding could claim: no NUL, ESC or
    /// `~`; every byte-order mark starts with a non-ASCII byte), so
    /// interactive use is not held up. Which lines qualify depends on the
    /// bytes alone, not on how they arrived.
    fn pass_ascii_lines(&mut self, out: &mut String) {
        let mut end = 0;
        for (i, &b) in self.pending.iter().enumerate() {
            if b >= 0x80 || b == 0 || b == 0x1B || b == b'~' {
                break;
            }
            if b == b'\n' {
                end = i + 1;
            }
        }
        if end > 0 {
            // Safe: checked ASCII above.
            out.push_str(std::str::from_utf8(&self.pending[..end]).unwrap_or_default());
            // ASCII reads the same in every candidate: these lines join
            // whatever run comes first once the verdict is in.
            let start = self.leading_ascii.as_ref().map_or(self.base, |r| r.start);
            self.leading_ascii = Some(start..self.base + end as u64);
            self.pending.drain(..end);
            self.base += end as u64;
        }
    }

    /// Whether the bytes so far are enough for a verdict, and if so how
    /// many of them it rests on. Each reason is a point in the byte stream,
    /// and the earliest one wins, so the verdict is the same however the
    /// input was split into chunks: the end of the sixteenth non-ASCII
    /// character of valid UTF-8 (legacy text is almost never valid UTF-8 so
    /// long); with `eager`, the end of the first line; [`PREFIX`] bytes.
    fn trigger(&self) -> Option<usize> {
        let bytes = &self.pending;
        let window = &bytes[..bytes.len().min(PREFIX)];
        let valid = match simdutf8::compat::from_utf8(window) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&window[..e.valid_up_to()]).unwrap_or_default(),
        };
        let sure_utf8 = valid
            .char_indices()
            .filter(|(_, c)| !c.is_ascii())
            .nth(15)
            .map(|(i, c)| i + c.len_utf8());
        // Eager: the end of the first line (the lines passed on as ASCII
        // are gone, so this is the first line with anything else in it).
        let first_line = if self.options.eager {
            memchr::memchr(b'\n', window).map(|i| i + 1)
        } else {
            None
        };
        let full = (bytes.len() >= PREFIX).then_some(PREFIX);
        [sure_utf8, first_line, full].into_iter().flatten().min()
    }

    /// Settle the encoding on the first `sample` bytes of `pending`
    /// (`complete`: they are all the input there is).
    fn decide(&mut self, sample: usize, complete: bool) {
        // Only the head up to the end of the sample: bytes after it may or
        // may not have arrived yet, and the verdict must not depend on that.
        let head_end = (self.base as usize + sample).min(self.head.len());
        let mut detection = match self.options.from {
            Some(charset) => Detection {
                charset,
                basis: Basis::Forced,
                confidence: 1.0,
                declared: detect::sniff_declared(&self.head[..head_end])
                    .map(|label| detect::declared(label, charset)),
                bom_len: 0,
            },
            None => {
                // The verdict rests on the first PREFIX bytes only, however
                // much the first read brought.
                let sample = &self.pending[..sample.min(PREFIX)];
                // After lines already passed on, the sample no longer starts
                // the input: a BOM there is text, and the declaration may be
                // in those lines.
                let complete = complete && sample.len() == self.pending.len();
                let mut d =
                    detect::detect_in(sample, complete, &self.head[..head_end], self.base == 0);
                if let (None, Some(external)) = (&d.declared, self.options.declared) {
                    detect::weigh_declaration(&mut d, external, sample, complete);
                }
                d
            }
        };
        if self.options.from.is_some() {
            // A BOM of the forced encoding is still not text.
            if let (Some((enc, len)), Charset::Std(forced)) = (
                encoding_rs::Encoding::for_bom(&self.pending),
                detection.charset,
            ) {
                if enc == forced {
                    detection.bom_len = len;
                }
            }
        }
        // An early verdict on live input may rest on a handful of bytes.
        // Then only the mixable encodings are allowed: a later line can
        // still switch among those, but not out of Shift_JIS or
        // windows-1252 picked on one stray byte.
        let sample = &self.pending[..sample.min(self.pending.len())];
        let thin = !complete
            && sample.len() < PREFIX
            && sample.iter().filter(|&&b| b >= 0x80).count() < THIN_EVIDENCE;
        if thin
            && !detection.charset.is_utf16()
            && detection.basis == Basis::Detected
            && detection.charset.unit().is_none()
        {
            let r = mixed::cheapest_reading(sample, [0, 0, 0], None);
            let main = Unit::ALL
                .into_iter()
                .max_by_key(|u| r.non_ascii[*u as usize])
                .unwrap_or(Unit::Utf8);
            detection.charset = main.charset();
            detection.confidence = 0.5;
        }
        let skip = detection.bom_len.min(self.pending.len());
        self.pending.drain(..skip);
        self.base += skip as u64;
        self.mode = match (detection.charset.unit(), detection.charset) {
            (Some(unit), _) => Mode::Mixable {
                current: unit,
                single: self.options.single || detection.basis == Basis::Forced,
            },
            (None, Charset::Std(enc)) => Mode::Std(enc.new_decoder_without_bom_handling()),
            (None, Charset::Legacy(l)) => Mode::Legacy(l.new_decoder()),
        };
        self.report.detection = Some(detection);
    }

    /// Decode with an encoding that is never mixed (UTF-16, Shift_JIS, the
    /// legacy Chinese ones, ...).
    fn decode_streaming(&mut self, bytes: &[u8], out: &mut String, last: bool) {
        let start = self.base;
        let charset = self
            .report
            .detection
            .as_ref()
            .map(|d| d.charset)
            .unwrap_or(Charset::UTF8);
        match &mut self.mode {
            Mode::Std(decoder) => {
                let report = &mut self.report;
                // Offsets may point before this call's bytes: a sequence
                // can begin in an earlier call.
                detect::decode_std(decoder, bytes, out, last, |at| {
                    record_damage(report, (start as i64 + at as i64).max(0) as u64)
                });
                self.base += bytes.len() as u64;
            }
            Mode::Legacy(decoder) => {
                let stats = decoder.decode(bytes, out, last);
                self.base += bytes.len() as u64;
                if stats.errors > 0 {
                    let first = stats.first_error.unwrap_or(start);
                    record_damage(&mut self.report, first);
                    self.report.damaged += stats.errors as u64 - 1;
                }
            }
            _ => unreachable!("decode_streaming only runs in the streaming modes"),
        }
        self.extend_run(start..self.base, charset);
    }

    /// Decode the complete blocks in `pending` (all of it when `last`).
    fn drain_blocks(&mut self, out: &mut String, last: bool) {
        loop {
            let end = if last {
                self.pending.len()
            } else {
                match memchr::memrchr(b'\n', &self.pending) {
                    Some(i) => i + 1,
                    None if self.pending.len() >= MAX_BLOCK => self.safe_cut(),
                    None => 0,
                }
            };
            if end == 0 {
                return;
            }
            let block = std::mem::take(&mut self.pending);
            self.decode_block(&block[..end], out);
            self.base += end as u64;
            self.pending = block;
            self.pending.drain(..end);
            if last || self.pending.len() < MAX_BLOCK {
                return;
            }
        }
    }

    /// Where to cut a long block with no line break: after an ASCII byte
    /// (no multi-byte character of any mixable encoding spans that point),
    /// or failing that at a character boundary of the current encoding.
    fn safe_cut(&self) -> usize {
        let window = &self.pending[..MAX_BLOCK];
        if let Some(i) = window.iter().rposition(|&b| b < 0x80) {
            if i > 0 {
                return i + 1;
            }
        }
        let unit = match self.mode {
            Mode::Mixable { current, .. } => current,
            _ => Unit::Utf8,
        };
        let mut i = 0;
        while i < MAX_BLOCK / 2 {
            i += unit.step(window, i).map_or(1, |s| s.len as usize);
        }
        i
    }

    fn decode_block(&mut self, block: &[u8], out: &mut String) {
        let Mode::Mixable { current, single } = self.mode else {
            return;
        };
        if single {
            if clean_prefix(current, block, out).is_ok() {
                self.extend_run(self.base..self.base + block.len() as u64, current.charset());
            } else {
                let r = mixed::cheapest_reading(block, only(current), Some(current));
                self.take_reading(r, self.base, out);
            }
            return;
        }
        // Take the block at full speed up to the first line that does not
        // read cleanly, search that line, and go on from the next.
        let mut rest = block;
        let mut at = self.base;
        while !rest.is_empty() {
            let unit = match self.mode {
                Mode::Mixable { current, .. } => current,
                _ => unreachable!("decode_block runs in the mixable mode"),
            };
            let stop = match clean_prefix(unit, rest, out) {
                Ok(()) => {
                    self.extend_run(at..at + rest.len() as u64, unit.charset());
                    return;
                }
                Err(stop) => stop,
            };
            let line_start = memchr::memrchr(b'\n', &rest[..stop]).map_or(0, |p| p + 1);
            if line_start > 0 {
                // The lines before read cleanly a moment ago, so this repeat
                // succeeds; it is cheaper than keeping their output apart.
                // Should it not, they are searched rather than lost.
                if clean_prefix(unit, &rest[..line_start], out).is_ok() {
                    self.extend_run(at..at + line_start as u64, unit.charset());
                } else {
                    debug_assert!(false, "a clean prefix failed on the repeat");
                    let r = mixed::cheapest_reading(&rest[..line_start], only(unit), Some(unit));
                    self.take_reading(r, at, out);
                }
            }
            let line_end =
                memchr::memchr(b'\n', &rest[stop..]).map_or(rest.len(), |p| stop + p + 1);
            let line = &rest[line_start..line_end];
            let line_at = at + line_start as u64;
            let mut start = [SWITCH_AWAY; 3];
            start[unit as usize] = 0;
            // Valid UTF-8 is strong evidence of its own: GBK or Big5 text
            // rarely forms it for long, while real UTF-8 lines are full of
            // characters the model finds odd (combining marks, other
            // alphabets). Such a line is read from UTF-8, whatever came
            // before, and leaving UTF-8 pays double.
            let valid_utf8 = std::str::from_utf8(line).is_ok();
            let (home, away) = if valid_utf8 {
                // Starting the line in another encoding is leaving too.
                start = [2 * mixed::SWITCH_AWAY; 3];
                start[Unit::Utf8 as usize] = 0;
                (Unit::Utf8, 2 * mixed::SWITCH_AWAY)
            } else {
                (unit, mixed::SWITCH_AWAY)
            };
            let mut r = mixed::cheapest_reading_with(line, start, Some(home), away);
            // A line mostly in another encoding is that encoding's home
            // ground: read it again so that excursions from it (a pasted
            // quote) are priced from there.
            let dominant = Unit::ALL
                .into_iter()
                .max_by_key(|u| r.non_ascii[*u as usize])
                .unwrap_or(unit);
            if !valid_utf8 && dominant != unit && r.non_ascii[dominant as usize] * 2 > line.len() {
                start[dominant as usize] = 0;
                r = mixed::cheapest_reading(line, start, Some(dominant));
            }
            if let Some(end) = r.end {
                self.mode = Mode::Mixable {
                    current: end,
                    single,
                };
            }
            self.take_reading(r, line_at, out);
            rest = &rest[line_end..];
            at += line_end as u64;
        }
    }

    fn take_reading(&mut self, r: mixed::Reading, at: u64, out: &mut String) {
        out.push_str(&r.text);
        for e in &r.errors {
            record_damage(&mut self.report, at + *e as u64);
        }
        for (range, unit) in r.runs {
            self.extend_run(
                at + range.start as u64..at + range.end as u64,
                unit.charset(),
            );
        }
    }

    fn extend_run(&mut self, mut bytes: Range<u64>, charset: Charset) {
        if bytes.is_empty() {
            return;
        }
        if let Some(leading) = self.leading_ascii.take() {
            bytes.start = leading.start;
        }
        match self.report.runs.last_mut() {
            Some(last) if last.charset == charset && last.bytes.end == bytes.start => {
                last.bytes.end = bytes.end
            }
            _ => self.report.runs.push(Run { bytes, charset }),
        }
    }
}

fn record_damage(report: &mut DecodeReport, at: u64) {
    report.damaged += 1;
    if report.damage_offsets.len() < MAX_OFFSETS {
        report.damage_offsets.push(at);
    }
}

/// Start costs that allow one unit only.
fn only(unit: Unit) -> [u32; 3] {
    let mut start = [u32::MAX / 2; 3];
    start[unit as usize] = 0;
    start
}

/// Decode `block` in `unit` straight into `out` if it reads cleanly there:
/// no damage, nothing that looks like another encoding. Otherwise leaves
/// `out` as it was and returns an offset inside the first line that does
/// not read cleanly.
fn clean_prefix(unit: Unit, block: &[u8], out: &mut String) -> Result<(), usize> {
    match unit {
        Unit::Utf8 => {
            let (text, invalid_at) = match simdutf8::compat::from_utf8(block) {
                Ok(text) => (text, None),
                Err(e) => {
                    let valid = &block[..e.valid_up_to()];
                    // Just checked to be valid UTF-8.
                    (
                        std::str::from_utf8(valid).unwrap_or_default(),
                        Some(e.valid_up_to()),
                    )
                }
            };
            // Valid UTF-8 lines are taken as they are: GBK or Big5 text
            // forms valid UTF-8 only for a few characters at a time, and
            // re-reading valid lines by cost would turn real Cyrillic,
            // Greek or combining marks next to Chinese into Han characters.
            // Short legacy runs inside otherwise invalid lines are still
            // found, by the search those lines go to.
            match invalid_at {
                Some(at) => Err(at),
                None => {
                    out.push_str(text);
                    Ok(())
                }
            }
        }
        Unit::Gb18030 | Unit::Big5 => {
            let mark = out.len();
            let mut shaped = Vec::new();
            let decoded = charset::decode_legacy_lines(unit, block, out, &mut shaped);
            // A line that is valid UTF-8 goes to the search, which reads it
            // as UTF-8 (see `decode_block`), even where the legacy encoding
            // also reads it cleanly: short UTF-8 lines (`新聞`, `é`) pair up
            // into plausible GBK or Big5 characters. The decoder noted the
            // few lines whose first non-ASCII bytes could start UTF-8, up to
            // where it stopped; the first of them that is UTF-8 comes before
            // any line the decoder stopped in (or is that line).
            let found = shaped
                .into_iter()
                .find(|&at| plausible_utf8_line(block, at));
            match found {
                None => decoded,
                Some(at) => {
                    out.truncate(mark);
                    Err(at)
                }
            }
        }
    }
}

/// Whether the line of `block` holding offset `at` is valid UTF-8 that
/// spells plausible text ([`super::foreign::plausible_utf8`]).
fn plausible_utf8_line(block: &[u8], at: usize) -> bool {
    let start = memchr::memrchr(b'\n', &block[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &block[at..]).map_or(block.len(), |i| at + i + 1);
    simdutf8::basic::from_utf8(&block[start..end]).is_ok_and(super::foreign::plausible_utf8)
}

/// Decode a whole input at once: convenience over [`AutoDecoder`].
pub fn decode_bytes(bytes: &[u8], options: DecodeOptions) -> (String, DecodeReport) {
    let mut decoder = AutoDecoder::new(options);
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    decoder.push(bytes, &mut out);
    decoder.finish(&mut out);
    let report = std::mem::take(&mut decoder.report);
    (out, report)
}
