//! Header fields, shared by the WARC record header and the HTTP header inside
//! a `response` block: both are `Name: value` lines with continuation lines.
//!
//! A field remembers where its parts are in the input so that a field the
//! caller does not change is written back byte for byte (spelling, spacing,
//! folding and line end), and a field it does change keeps its name as
//! written and its own line end.

use std::ops::Range;

use memchr::memchr;

/// One header field as found in the input.
#[derive(Debug, Clone)]
pub(super) struct Field {
    /// The whole field, continuation lines and the final line end included.
    pub range: Range<usize>,
    /// The name, without the colon or blanks before it.
    pub name: Range<usize>,
    /// Where the value starts on the first line (after the colon and blanks).
    pub value_start: usize,
    /// Where the last line's line end (CRLF or LF) starts.
    pub eol_start: usize,
    /// The value with continuation lines unfolded (each fold becomes one
    /// space) and blanks trimmed at both ends.
    pub value: Vec<u8>,
}

impl Field {
    /// Whether this field is called `name`; field names are case-insensitive
    /// in both WARC and HTTP.
    pub fn is(&self, buf: &[u8], name: &str) -> bool {
        buf[self.name.clone()].eq_ignore_ascii_case(name.as_bytes())
    }
}

/// What to do with one field when a header is written back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Edit {
    /// Write the field's original bytes.
    Keep,
    /// Leave the field out.
    Drop,
    /// Write the field's name as spelled in the input with this value, on one
    /// line (continuation lines are folded into it).
    Value(Vec<u8>),
}

/// Blanks as HTTP and WARC define them (linear white space without the line
/// ends, which are handled by the line splitting).
fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(super) fn trim(s: &[u8]) -> &[u8] {
    trim_end(trim_start(s))
}

pub(super) fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_blank(b)).count();
    &s[n..]
}

pub(super) fn trim_end(s: &[u8]) -> &[u8] {
    let n = s.iter().rev().take_while(|&&b| is_blank(b)).count();
    &s[..s.len() - n]
}

/// Parses the field lines in `buf[from..to]`. Every line there must end with
/// LF (the caller cuts the section at the blank line that ends the header),
/// optionally preceded by CR, which then belongs to the line end.
pub(super) fn parse_fields(buf: &[u8], from: usize, to: usize) -> Result<Vec<Field>, &'static str> {
    let mut fields: Vec<Field> = Vec::new();
    let mut pos = from;
    while pos < to {
        let lf = memchr(b'\n', &buf[pos..to]).ok_or("header line without a line end")? + pos;
        let end = lf + 1;
        let eol = if lf > pos && buf[lf - 1] == b'\r' {
            lf - 1
        } else {
            lf
        };
        let line = &buf[pos..eol];
        if line.first().is_some_and(|&b| is_blank(b)) {
            // Obsolete line folding: the value goes on.
            let f = fields
                .last_mut()
                .ok_or("continuation line before the first header field")?;
            let more = trim(line);
            if !more.is_empty() {
                if !f.value.is_empty() {
                    f.value.push(b' ');
                }
                f.value.extend_from_slice(more);
            }
            f.range.end = end;
            f.eol_start = eol;
        } else {
            let colon = memchr(b':', line).ok_or("header line without a colon")?;
            let name_end = pos + trim_end(&line[..colon]).len();
            if name_end == pos {
                return Err("header line with an empty field name");
            }
            let mut value_start = pos + colon + 1;
            while value_start < eol && is_blank(buf[value_start]) {
                value_start += 1;
            }
            fields.push(Field {
                range: pos..end,
                name: pos..name_end,
                value_start,
                eol_start: eol,
                value: trim_end(&buf[value_start..eol]).to_vec(),
            });
        }
        pos = end;
    }
    Ok(fields)
}

/// Writes `fields` (which index into `buf`) with `edits` applied, one edit per
/// field, in the original order.
pub(super) fn render(buf: &[u8], fields: &[Field], edits: &[Edit], out: &mut Vec<u8>) {
    debug_assert_eq!(fields.len(), edits.len());
    for (f, e) in fields.iter().zip(edits) {
        match e {
            Edit::Keep => out.extend_from_slice(&buf[f.range.clone()]),
            Edit::Drop => {}
            Edit::Value(v) => {
                out.extend_from_slice(&buf[f.range.start..f.value_start]);
                out.extend_from_slice(v);
                out.extend_from_slice(&buf[f.eol_start..f.range.end]);
            }
        }
    }
}
