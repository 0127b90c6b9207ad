//! JSON Lines records (`--format jsonl --field NAME`): clean the named
//! top-level string fields of each record and pass everything else through
//! byte-for-byte, so zhnorm can sit in a Spark `RDD.pipe`, a Hadoop
//! streaming job or any dataset pipeline as a filter.
//!
//! The contract such pipelines rely on:
//!
//! * exactly one output line per input line, with the same line terminator
//!   (`\n` or `\r\n`); a last line without a terminator stays without;
//! * key order, whitespace, numbers, nested values, other fields and the
//!   escapes in them are copied, not re-serialised; only the bytes of the
//!   replaced string values change;
//! * a bad line (not JSON, not an object, a named field that is not a
//!   string) is written unchanged and counted, never dropped, and the run
//!   goes on.
//!
//! Decisions, each for a reason:
//!
//! * **Whole-line validation** (RFC 8259) before anything is rewritten: a
//!   line with a syntax error after the field would otherwise come out
//!   half-rewritten, and a downstream parser would reject it anyway.
//! * **Top-level fields only.** `{"meta":{"text":…}}` is left alone; dotted
//!   paths would need a policy for arrays and keys containing dots, and no
//!   dataset format we target needs them.
//! * **Every occurrence of a duplicate key is rewritten**, so whichever one
//!   a downstream parser keeps (first or last), it sees cleaned text.
//! * **A named field that is not a string (`null` included) makes the line
//!   invalid**, even when a duplicate of it is a string: there is no text
//!   to clean, and the user asked for that field to be text.
//! * **Escaped keys match by their decoded name**: `"t\u0065xt"` is `text`.
//! * **Lone surrogate escapes (`"\ud800"`) are kept as written** and the
//!   rest of the string is cleaned: they decode to no Unicode scalar value,
//!   so they cannot be handed to the cleaner as `&str`, and replacing them
//!   with U+FFFD (as Go's `encoding/json` does) would silently change data.
//!   The pieces of a named string between them are cleaned (as values of
//!   the record) and the escapes written back between the cleaned pieces.
//! * **A line longer than [`MAX_LINE_BYTES`]** is passed through unchanged
//!   as it streams, and counted invalid: a JSON line must be parsed whole,
//!   and holding an unbounded line would let one record take all memory.
//! * **Numbers are checked against the grammar only**, never converted, so
//!   `1e400` or a 30-digit integer passes through exactly as written.
//! * **A value the cleaner returns unchanged keeps its original bytes**
//!   (including any `\u` escapes), so running zhnorm over clean data, or
//!   over its own output, is a byte-exact no-op.
//! * **Empty and whitespace-only lines are passed through and counted as
//!   unchanged**, not as errors: trailing blank lines are common in
//!   concatenated shards and say nothing wrong about the data.
//! * **A BOM at the very start of the stream is kept** and the first line
//!   is parsed after it; a BOM anywhere else is not JSON and makes its line
//!   invalid.
//! * **Only `\n` ends a line**; a lone `\r` inside a line is JSON
//!   whitespace, as the JSON Lines format specifies.
//! * **Text only**: the caller decodes bytes (and decides what to do with
//!   invalid UTF-8) before pushing.
//! * **Nesting depth is unlimited**: containers are skipped with an explicit
//!   stack (one byte per level), never by recursion, so a line of a million
//!   `[` cannot overflow the call stack.
//!
//! The scanner is linear in the line length: each byte is looked at a
//! bounded number of times, string bodies are skipped with a lookup table,
//! and a line split across many pushed chunks is gathered in one growing
//! buffer.

/// What happened to one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome {
    /// A valid object in which `fields` occurrences of the named fields
    /// were found and passed to the cleaner (whether or not it changed
    /// them).
    Rewritten {
        /// How many named-field occurrences were passed to the cleaner.
        fields: usize,
    },
    /// A valid object without any of the named fields, or an empty or
    /// whitespace-only line; written unchanged.
    Unchanged,
    /// Not a valid record; written unchanged. The string says why and at
    /// which byte column (1-based) of the line.
    Invalid(String),
}

/// Counts over a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonlStats {
    /// Lines seen (`rewritten + unchanged + invalid`).
    pub lines: u64,
    /// Lines in which at least one named field was cleaned.
    pub rewritten: u64,
    /// Valid lines without named fields, and blank lines.
    pub unchanged: u64,
    /// Lines passed through because they are not valid records.
    pub invalid: u64,
    /// Named-field occurrences passed to the cleaner, over all lines.
    pub fields: u64,
    /// Lines that are a valid JSON object (with or without named fields).
    pub objects: u64,
}

/// Lines longer than this (in bytes, without the line end) are passed
/// through unchanged instead of being held whole and parsed: 32 MiB, far
/// above any text record, and small enough that the copies one record
/// needs stay within a few hundred MiB.
pub const MAX_LINE_BYTES: usize = 32 << 20;

/// How many invalid lines [`JsonlRewriter::errors`] remembers: enough to
/// show the user what is wrong, bounded so a stream of garbage cannot grow
/// memory without limit.
const MAX_ERRORS: usize = 100;

/// Rewrites the named top-level string fields of one JSON Lines record.
///
/// `line` excludes its line terminator. The rewritten line (or the line
/// unchanged, when it is invalid or has none of the fields) is appended to
/// `out`. `clean` gets each field's decoded string value and returns the
/// new value, which is written as a JSON string: `"` and `\` escaped,
/// control characters as `\n`, `\t`, `\r`, `\b`, `\f` or `\u00XX`,
/// everything else (non-ASCII, `/`) as itself in UTF-8. A value `clean`
/// returns unchanged keeps its original bytes.
///
/// ```
/// use zhnorm::formats::jsonl::{rewrite_line, LineOutcome};
///
/// let mut out = String::new();
/// let outcome = rewrite_line(
///     r#"{"id": 7, "text": "漢字"}"#,
///     &["text"],
///     &mut |s: &str| s.replace('漢', "汉"),
///     &mut out,
/// );
/// assert_eq!(outcome, LineOutcome::Rewritten { fields: 1 });
/// assert_eq!(out, r#"{"id": 7, "text": "汉字"}"#);
/// ```
pub fn rewrite_line(
    line: &str,
    fields: &[&str],
    clean: &mut dyn FnMut(&str) -> String,
    out: &mut String,
) -> LineOutcome {
    rewrite_with(
        &mut Scratch::default(),
        line,
        fields,
        &mut |values: &[&str], new: &mut Vec<String>| new.extend(values.iter().map(|v| clean(v))),
        out,
    )
}

/// Whether `line` (without its line end) is one JSON object and nothing
/// else but whitespace, by the same rules as the rewriter: what format
/// sniffing takes for a JSON Lines record.
pub fn is_object_line(line: &str) -> bool {
    let mut scratch = Scratch::default();
    let mut scan = Scanner {
        line,
        b: line.as_bytes(),
        pos: 0,
        scratch: &mut scratch,
    };
    scan.ws();
    scan.peek() == Some(b'{') && scan.record::<&str>(&[]).is_ok()
}

/// Cleans the named values of one record together: given them in the
/// order they occur, pushes their new values in the same order onto the
/// (empty) vector it is given; a value left off the end stays as it was.
pub type RecordCleaner<'f> = Box<dyn FnMut(&[&str], &mut Vec<String>) + 'f>;

/// How a rewriter cleans values.
enum Clean<'f> {
    /// One value at a time.
    Field(Box<dyn FnMut(&str) -> String + 'f>),
    /// All of a record's values at once.
    Record(RecordCleaner<'f>),
}

/// Streaming driver over [`rewrite_line`]: push text in arbitrary pieces,
/// get whole output lines.
///
/// Line terminators (`\n` or `\r\n`) are preserved exactly; a final line
/// without a terminator stays without. Output for a line is written as soon
/// as its `\n` has been pushed, so a pipe consumer sees records promptly.
pub struct JsonlRewriter<'f> {
    fields: Vec<String>,
    clean: Clean<'f>,
    /// The start of a line whose `\n` has not been pushed yet.
    pending: String,
    stats: JsonlStats,
    errors: Vec<(u64, String)>,
    scratch: Scratch,
    /// How many lines had each named field (same order as `fields`).
    field_lines: Vec<u64>,
    /// The line cap (see [`MAX_LINE_BYTES`]).
    max_line: usize,
    /// Inside a line over the cap: its bytes go straight to the output.
    overlong: bool,
}

impl<'f> JsonlRewriter<'f> {
    /// A rewriter that cleans the top-level string fields named `fields`
    /// with `clean`.
    pub fn new(fields: Vec<String>, clean: Box<dyn FnMut(&str) -> String + 'f>) -> Self {
        Self::with(fields, Clean::Field(clean))
    }

    /// A rewriter that hands all the named values of a record to `clean`
    /// together (see [`RecordCleaner`]): for cleaning that judges a record
    /// as a whole, such as by its language, which a short title alone
    /// does not show.
    pub fn by_record(fields: Vec<String>, clean: RecordCleaner<'f>) -> Self {
        Self::with(fields, Clean::Record(clean))
    }

    fn with(fields: Vec<String>, clean: Clean<'f>) -> Self {
        JsonlRewriter {
            field_lines: vec![0; fields.len()],
            fields,
            clean,
            pending: String::new(),
            stats: JsonlStats::default(),
            errors: Vec::new(),
            scratch: Scratch::default(),
            max_line: MAX_LINE_BYTES,
            overlong: false,
        }
    }

    /// The same rewriter with another line cap than [`MAX_LINE_BYTES`].
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// The named fields that no valid record had, with the number of valid
    /// records: a misspelt `--field` cleans nothing, which should not pass
    /// unnoticed.
    pub fn missing_fields(&self) -> Vec<&str> {
        if self.stats.objects == 0 {
            return Vec::new();
        }
        self.fields
            .iter()
            .zip(&self.field_lines)
            .filter(|(_, &n)| n == 0)
            .map(|(f, _)| f.as_str())
            .collect()
    }

    /// Feeds the next piece of the stream; appends every line it completes
    /// to `out`.
    pub fn push(&mut self, mut text: &str, out: &mut String) {
        while let Some(nl) = memchr::memchr(b'\n', text.as_bytes()) {
            let (head, rest) = (&text[..nl], &text[nl + 1..]);
            if self.overlong || self.pending.len() + head.len() > self.max_line {
                self.pass_overlong(head, out);
                self.end_overlong(true, out);
            } else if self.pending.is_empty() {
                // The common case: the whole line is in this piece, so it
                // is rewritten in place without copying.
                self.line(head, true, out);
            } else {
                let mut line = std::mem::take(&mut self.pending);
                line.push_str(head);
                self.line(&line, true, out);
                // Keep the allocation for the next long line.
                line.clear();
                self.pending = line;
            }
            text = rest;
        }
        if self.overlong || self.pending.len() + text.len() > self.max_line {
            self.pass_overlong(text, out);
        } else {
            self.pending.push_str(text);
        }
    }

    /// Writes a piece of a line over the cap straight out.
    fn pass_overlong(&mut self, piece: &str, out: &mut String) {
        if !self.overlong {
            self.overlong = true;
            out.push_str(&self.pending);
            self.pending.clear();
            // Give the memory of the part held so far back.
            self.pending.shrink_to(1 << 16);
        }
        out.push_str(piece);
    }

    /// Ends a line over the cap: its line end, and its count.
    fn end_overlong(&mut self, terminated: bool, out: &mut String) {
        self.overlong = false;
        if terminated {
            out.push('\n');
        }
        self.stats.lines += 1;
        self.stats.invalid += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push((
                self.stats.lines,
                format!("longer than {} MiB, not parsed", self.max_line >> 20),
            ));
        }
    }

    /// Ends the stream: writes the last line if it had no terminator and
    /// returns the counts.
    pub fn finish(&mut self, out: &mut String) -> JsonlStats {
        if self.overlong {
            self.end_overlong(false, out);
        } else if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.line(&line, false, out);
        }
        self.stats
    }

    /// The counts so far.
    pub fn stats(&self) -> JsonlStats {
        self.stats
    }

    /// Line numbers (1-based) and reasons of the first 100 invalid lines,
    /// for error messages.
    pub fn errors(&self) -> &[(u64, String)] {
        &self.errors
    }

    /// Rewrites one line (`raw` up to, not including, its `\n`) and writes
    /// its terminator back.
    fn line(&mut self, raw: &str, terminated: bool, out: &mut String) {
        let (mut body, term) = match raw.strip_suffix('\r') {
            Some(body) if terminated => (body, "\r\n"),
            _ if terminated => (raw, "\n"),
            _ => (raw, ""),
        };
        self.stats.lines += 1;
        if self.stats.lines == 1 {
            if let Some(rest) = body.strip_prefix('\u{FEFF}') {
                out.push('\u{FEFF}');
                body = rest;
            }
        }
        let outcome = match &mut self.clean {
            Clean::Field(clean) => rewrite_with(
                &mut self.scratch,
                body,
                &self.fields,
                &mut |values: &[&str], new: &mut Vec<String>| {
                    new.extend(values.iter().map(|v| clean(v)))
                },
                out,
            ),
            Clean::Record(clean) => {
                rewrite_with(&mut self.scratch, body, &self.fields, &mut **clean, out)
            }
        };
        let mut seen = 0u64;
        for hit in &self.scratch.hits {
            if hit.field < 64 {
                seen |= 1 << hit.field;
            }
        }
        for (i, n) in self.field_lines.iter_mut().enumerate() {
            if i < 64 && seen & (1 << i) != 0 {
                *n += 1;
            }
        }
        match outcome {
            LineOutcome::Rewritten { fields } => {
                self.stats.rewritten += 1;
                self.stats.objects += 1;
                self.stats.fields += fields as u64;
            }
            LineOutcome::Unchanged => {
                self.stats.unchanged += 1;
                if !body.trim_matches([' ', '\t', '\r']).is_empty() {
                    self.stats.objects += 1;
                }
            }
            LineOutcome::Invalid(why) => {
                self.stats.invalid += 1;
                if self.errors.len() < MAX_ERRORS {
                    self.errors.push((self.stats.lines, why));
                }
            }
        }
        out.push_str(term);
    }
}

/// Buffers reused from line to line so a stream of records does not
/// allocate per line.
#[derive(Default)]
struct Scratch {
    hits: Vec<Hit>,
    /// Open containers while skipping a nested value.
    stack: Vec<Container>,
    /// A decoded key that contained escapes.
    key: String,
    /// The new values of the line's named fields.
    new: Vec<String>,
    /// Lone surrogate escapes of the string last scanned (byte ranges).
    lone: Vec<std::ops::Range<usize>>,
}

/// A named field's string value: the byte range of its token, quotes
/// included, and its decoded text when that differs from the raw body.
struct Hit {
    start: usize,
    end: usize,
    decoded: Option<String>,
    /// Which of the named fields.
    field: usize,
    /// The pieces of the string around lone surrogate escapes, when it
    /// has any: each cleaned alone, the escapes kept between them.
    pieces: Vec<Piece>,
}

/// A piece of a string between lone surrogate escapes: its raw body
/// range, its decoded text when that differs, and the range of the lone
/// escape after it (none for the last piece).
struct Piece {
    raw: std::ops::Range<usize>,
    decoded: Option<String>,
    lone_after: Option<std::ops::Range<usize>>,
}

impl Piece {
    fn value<'a>(&'a self, line: &'a str) -> &'a str {
        match &self.decoded {
            Some(s) => s,
            None => &line[self.raw.clone()],
        }
    }
}

impl Hit {
    /// The value's text: decoded, or the raw body of `line` between the
    /// quotes when it had no escapes.
    fn value<'a>(&'a self, line: &'a str) -> &'a str {
        match &self.decoded {
            Some(s) => s,
            None => &line[self.start + 1..self.end - 1],
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

/// Why a line is not a valid record, and where.
struct Bad {
    at: usize,
    what: String,
    /// Whether the line is not JSON at all (rather than JSON that is not
    /// a record: not an object, a named field not a string).
    syntax: bool,
}

impl Bad {
    fn new(at: usize, what: impl Into<String>) -> Self {
        Bad {
            at,
            what: what.into(),
            syntax: true,
        }
    }

    fn record(at: usize, what: impl Into<String>) -> Self {
        Bad {
            syntax: false,
            ..Bad::new(at, what)
        }
    }
}

fn rewrite_with<S: AsRef<str>>(
    scratch: &mut Scratch,
    line: &str,
    fields: &[S],
    clean: &mut dyn FnMut(&[&str], &mut Vec<String>),
    out: &mut String,
) -> LineOutcome {
    scratch.hits.clear();
    scratch.lone.clear();
    let mut scan = Scanner {
        line,
        b: line.as_bytes(),
        pos: 0,
        scratch,
    };
    match scan.record(fields) {
        Err(bad) => {
            out.push_str(line);
            let what = if bad.syntax {
                format!("not valid JSON: {}", bad.what)
            } else {
                bad.what
            };
            LineOutcome::Invalid(format!("column {}: {what}", bad.at + 1))
        }
        Ok(()) if scratch.hits.is_empty() => {
            out.push_str(line);
            LineOutcome::Unchanged
        }
        Ok(()) => {
            let Scratch { hits, new, .. } = scratch;
            // Records rarely name more than a few fields: no allocation.
            let mut few = [""; 8];
            let many: Vec<&str>;
            let count: usize = hits.iter().map(|h| h.pieces.len().max(1)).sum();
            let values = hits.iter().flat_map(|h| -> Box<dyn Iterator<Item = &str>> {
                if h.pieces.is_empty() {
                    Box::new(std::iter::once(h.value(line)))
                } else {
                    Box::new(h.pieces.iter().map(|p| p.value(line)))
                }
            });
            let old: &[&str] = if count <= few.len() {
                for (slot, v) in few.iter_mut().zip(values) {
                    *slot = v;
                }
                &few[..count]
            } else {
                many = values.collect();
                &many
            };
            new.clear();
            clean(old, new);
            let mut copied = 0;
            let mut i = 0;
            for hit in hits.iter() {
                out.push_str(&line[copied..hit.start]);
                copied = hit.end;
                if hit.pieces.is_empty() {
                    // A value the cleaner did not return stays as it was.
                    let new = new.get(i).map_or(old[i], String::as_str);
                    if new == old[i] {
                        out.push_str(&line[hit.start..hit.end]);
                    } else {
                        push_json_string(new, out);
                    }
                    i += 1;
                    continue;
                }
                out.push('"');
                for piece in &hit.pieces {
                    let new = new.get(i).map_or(old[i], String::as_str);
                    if new == old[i] {
                        out.push_str(&line[piece.raw.clone()]);
                    } else {
                        push_json_body(new, out);
                    }
                    if let Some(lone) = &piece.lone_after {
                        out.push_str(&line[lone.clone()]);
                    }
                    i += 1;
                }
                out.push('"');
            }
            out.push_str(&line[copied..]);
            LineOutcome::Rewritten { fields: hits.len() }
        }
    }
}

/// Bytes that end the fast path through a string body: the closing quote,
/// an escape, or a control character (which JSON forbids unescaped).
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

struct Scanner<'a, 's> {
    line: &'a str,
    b: &'a [u8],
    pos: usize,
    scratch: &'s mut Scratch,
}

impl Scanner<'_, '_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// What was found where something else was expected.
    fn found(&self) -> String {
        // `pos` is on a char boundary: the scanner only stops on ASCII
        // bytes. `get` keeps a slip in that reasoning from panicking.
        match self
            .line
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => format!("{c:?}"),
            None => "the end of the line".to_string(),
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Bad> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Bad::new(
                self.pos,
                format!("expected {what}, found {}", self.found()),
            ))
        }
    }

    /// The whole line: blank, or one object with nothing but whitespace
    /// around it. Records the named fields' string values in `hits`.
    fn record<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), Bad> {
        self.ws();
        if self.peek().is_none() {
            return Ok(());
        }
        if self.peek() != Some(b'{') {
            let at = self.pos;
            let kind = self.value_kind();
            // `not JSON` starts like `null`: only a whole value is one.
            let whole = self.value().is_ok() && {
                self.ws();
                self.peek().is_none()
            };
            return match kind {
                Some(kind) if whole => Err(Bad::record(at, format!("not an object but {kind}"))),
                _ => {
                    self.pos = at;
                    Err(Bad::new(
                        at,
                        format!("expected an object, found {}", self.found()),
                    ))
                }
            };
        }
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                let key_at = self.pos;
                let named = self.key(fields)?;
                let field = named.and_then(|n| fields.iter().position(|f| f.as_ref() == n));
                self.ws();
                self.expect(b':', "':' after an object key")?;
                self.ws();
                if named.is_some() && self.peek() == Some(b'"') {
                    let start = self.pos;
                    self.scratch.lone.clear();
                    let escaped = self.string()?;
                    let pieces = self.pieces(start + 1, self.pos - 1);
                    let decoded = (escaped && pieces.is_empty()).then(|| {
                        let mut s = String::new();
                        decode_string(&self.b[start + 1..self.pos - 1], &mut s);
                        s
                    });
                    self.scratch.hits.push(Hit {
                        start,
                        end: self.pos,
                        decoded,
                        field: field.unwrap_or(0),
                        pieces,
                    });
                } else if let Some(name) = named {
                    let kind = self.value_kind().unwrap_or("not a value");
                    // Validate the rest first: a syntax error is the more
                    // useful report when both are wrong.
                    self.value()?;
                    self.rest_of_object()?;
                    return Err(Bad::record(
                        key_at,
                        format!("field {name:?} is {kind}, not a string"),
                    ));
                } else {
                    self.value()?;
                }
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.ws();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => {
                        return Err(Bad::new(
                            self.pos,
                            format!("expected ',' or '}}' in the object, found {}", self.found()),
                        ))
                    }
                }
            }
        }
        self.ws();
        if self.peek().is_some() {
            return Err(Bad::new(
                self.pos,
                format!("{} after the object", self.found()),
            ));
        }
        Ok(())
    }

    /// Validates the remaining members of the top-level object and the end
    /// of the line, without recording anything (used once the line is
    /// known to be invalid, to report a syntax error first).
    fn rest_of_object(&mut self) -> Result<(), Bad> {
        loop {
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                    self.key::<&str>(&[])?;
                    self.ws();
                    self.expect(b':', "':' after an object key")?;
                    self.ws();
                    self.value()?;
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek().is_some() {
                        return Err(Bad::new(
                            self.pos,
                            format!("{} after the object", self.found()),
                        ));
                    }
                    return Ok(());
                }
                _ => {
                    return Err(Bad::new(
                        self.pos,
                        format!("expected ',' or '}}' in the object, found {}", self.found()),
                    ))
                }
            }
        }
    }

    /// An object key; returns the field name it matches, if any.
    fn key<'f, S: AsRef<str>>(&mut self, fields: &'f [S]) -> Result<Option<&'f str>, Bad> {
        if self.peek() != Some(b'"') {
            return Err(Bad::new(
                self.pos,
                format!("expected a string key, found {}", self.found()),
            ));
        }
        let start = self.pos;
        let escaped = self.string()?;
        if fields.is_empty() {
            return Ok(None);
        }
        let body = &self.b[start + 1..self.pos - 1];
        let name: &[u8] = if escaped {
            self.scratch.key.clear();
            decode_string(body, &mut self.scratch.key);
            self.scratch.key.as_bytes()
        } else {
            body
        };
        Ok(fields
            .iter()
            .map(AsRef::as_ref)
            .find(|f| f.as_bytes() == name))
    }

    /// A phrase naming the kind of value starting here, for messages.
    fn value_kind(&self) -> Option<&'static str> {
        Some(match self.peek()? {
            b'{' => "an object",
            b'[' => "an array",
            b'"' => "a string",
            b't' | b'f' => "a boolean",
            b'n' => "null",
            b'-' | b'0'..=b'9' => "a number",
            _ => return None,
        })
    }

    /// Skips one value of any kind, nested containers included, with an
    /// explicit stack instead of recursion.
    fn value(&mut self) -> Result<(), Bad> {
        let stack = &mut std::mem::take(&mut self.scratch.stack);
        stack.clear();
        let result = self.value_with(stack);
        self.scratch.stack = std::mem::take(stack);
        result
    }

    fn value_with(&mut self, stack: &mut Vec<Container>) -> Result<(), Bad> {
        'value: loop {
            // Here a value starts (whitespace already skipped).
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        stack.push(Container::Object);
                        self.member_start()?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        stack.push(Container::Array);
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => {
                    return Err(Bad::new(
                        self.pos,
                        format!("expected a value, found {}", self.found()),
                    ))
                }
            }
            // Here a value has ended: close containers until one continues.
            loop {
                let Some(&open) = stack.last() else {
                    return Ok(());
                };
                self.ws();
                match (self.peek(), open) {
                    (Some(b','), Container::Object) => {
                        self.pos += 1;
                        self.ws();
                        self.member_start()?;
                        continue 'value;
                    }
                    (Some(b','), Container::Array) => {
                        self.pos += 1;
                        self.ws();
                        continue 'value;
                    }
                    (Some(b'}'), Container::Object) | (Some(b']'), Container::Array) => {
                        self.pos += 1;
                        stack.pop();
                    }
                    (_, Container::Object) => {
                        return Err(Bad::new(
                            self.pos,
                            format!("expected ',' or '}}' in an object, found {}", self.found()),
                        ))
                    }
                    (_, Container::Array) => {
                        return Err(Bad::new(
                            self.pos,
                            format!("expected ',' or ']' in an array, found {}", self.found()),
                        ))
                    }
                }
            }
        }
    }

    /// `"key" :` inside a nested object, leaving `pos` at its value.
    fn member_start(&mut self) -> Result<(), Bad> {
        self.key::<&str>(&[])?;
        self.ws();
        self.expect(b':', "':' after an object key")?;
        self.ws();
        Ok(())
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), Bad> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Bad::new(
                self.pos,
                format!(
                    "expected {}, found {}",
                    std::str::from_utf8(word).unwrap_or("a literal"),
                    self.found()
                ),
            ))
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; what may
    /// follow is checked by the caller.
    fn number(&mut self) -> Result<(), Bad> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => {
                return Err(Bad::new(
                    self.pos,
                    format!("expected a digit in a number, found {}", self.found()),
                ))
            }
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.required_digits("after '.' in a number")?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.required_digits("in a number's exponent")?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self, place: &str) -> Result<(), Bad> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(Bad::new(
                self.pos,
                format!("expected a digit {place}, found {}", self.found()),
            ));
        }
        self.digits();
        Ok(())
    }

    /// Validates a string token starting at its opening quote and leaves
    /// `pos` after the closing one. Returns whether it contains escapes
    /// (so its decoded text differs from its raw body).
    fn string(&mut self) -> Result<bool, Bad> {
        let open = self.pos;
        self.pos += 1;
        let mut escaped = false;
        loop {
            while self.pos < self.b.len() && !STRING_STOP[usize::from(self.b[self.pos])] {
                self.pos += 1;
            }
            match self.peek() {
                None => return Err(Bad::new(open, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(c) => {
                    return Err(Bad::new(
                        self.pos,
                        format!("unescaped control character U+{c:04X} in a string"),
                    ))
                }
            }
        }
    }

    /// The pieces of the string body `from..to` around the lone surrogate
    /// escapes [`Scanner::string`] found in it; none when it has none.
    fn pieces(&self, from: usize, to: usize) -> Vec<Piece> {
        if self.scratch.lone.is_empty() {
            return Vec::new();
        }
        let mut pieces = Vec::with_capacity(self.scratch.lone.len() + 1);
        let mut start = from;
        let ends = self
            .scratch
            .lone
            .iter()
            .map(|l| (l.start, Some(l.clone())))
            .chain(std::iter::once((to, None)));
        for (end, lone_after) in ends {
            let body = &self.b[start..end];
            let decoded = body.contains(&b'\\').then(|| {
                let mut s = String::new();
                decode_string(body, &mut s);
                s
            });
            pieces.push(Piece {
                raw: start..end,
                decoded,
                lone_after: lone_after.clone(),
            });
            start = lone_after.map_or(to, |l| l.end);
        }
        pieces
    }

    /// One escape sequence at `pos` (on its backslash).
    fn escape(&mut self) -> Result<(), Bad> {
        let at = self.pos;
        match self.b.get(at + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'u') => {
                let unit = hex4(self.b, at + 2).ok_or_else(|| Bad::new(at, "bad \\u escape"))?;
                self.pos += 6;
                match unit {
                    0xD800..=0xDBFF => {
                        let low = (self.b.get(self.pos..self.pos + 2) == Some(b"\\u"))
                            .then(|| hex4(self.b, self.pos + 2))
                            .flatten();
                        match low {
                            Some(0xDC00..=0xDFFF) => {
                                self.pos += 6;
                                Ok(())
                            }
                            _ => {
                                self.scratch.lone.push(at..at + 6);
                                Ok(())
                            }
                        }
                    }
                    0xDC00..=0xDFFF => {
                        self.scratch.lone.push(at..at + 6);
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }
            _ => Err(Bad::new(at, "invalid escape sequence")),
        }
    }
}

/// Four hex digits at `at`, if there are.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    let mut v = 0;
    for &d in digits {
        v = v * 16 + char::from(d).to_digit(16)?;
    }
    Some(v)
}

/// Decodes the body of a string token already validated by
/// [`Scanner::string`], so no error is possible here.
fn decode_string(body: &[u8], out: &mut String) {
    let mut i = 0;
    while i < body.len() {
        let Some(k) = memchr::memchr(b'\\', &body[i..]) else {
            out.push_str(std::str::from_utf8(&body[i..]).unwrap_or_default());
            return;
        };
        // Backslashes are ASCII, so both ends are char boundaries.
        out.push_str(std::str::from_utf8(&body[i..i + k]).unwrap_or_default());
        i += k;
        let (c, len) = match body[i + 1] {
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{C}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let unit = hex4(body, i + 2).unwrap_or(0xFFFD);
                let low = (body.get(i + 6..i + 8) == Some(b"\\u"))
                    .then(|| hex4(body, i + 8))
                    .flatten()
                    .filter(|l| (0xDC00..=0xDFFF).contains(l));
                if let (true, Some(low)) = ((0xD800..=0xDBFF).contains(&unit), low) {
                    let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                    (c.unwrap_or('\u{FFFD}'), 12)
                } else {
                    (char::from_u32(unit).unwrap_or('\u{FFFD}'), 6)
                }
            }
            // `"`, `\` and `/` stand for themselves.
            other => (char::from(other), 2),
        };
        out.push(c);
        i += len;
    }
}

/// Writes `s` as a JSON string token (serde_json's escaping: quotes,
/// backslashes and control characters escaped, everything else as itself,
/// so Chinese text stays readable and half the size of `\u` escapes).
fn push_json_string(s: &str, out: &mut String) {
    out.push_str(&super::json_string(s));
}

/// The body of [`push_json_string`], without the quotes.
fn push_json_body(s: &str, out: &mut String) {
    let token = super::json_string(s);
    out.push_str(&token[1..token.len() - 1]);
}
