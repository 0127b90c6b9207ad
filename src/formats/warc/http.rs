//! The HTTP message inside a `response` block: status line and header
//! fields, `Content-Type` parameters, and the transfer and content codings
//! this module can undo (chunked, gzip).

use std::io::Read;
use std::ops::Range;

use memchr::memchr;

use super::fields::{parse_fields, trim, trim_end, Field};

/// Where the parts of an HTTP response head are in a block.
#[derive(Debug)]
pub(super) struct HttpHead {
    /// Start of the first header field (just after the status line).
    pub fields_start: usize,
    /// Start of the blank line that ends the head.
    pub fields_end: usize,
    /// Start of the payload (just after the blank line).
    pub body_start: usize,
    pub fields: Vec<Field>,
}

/// Parses the head of the HTTP response at the start of `block`, or `None`
/// when it is not one: no `HTTP/` status line, a field line without a colon,
/// or no blank line before the block ends (a head cut short by the crawler).
pub(super) fn parse_response_head(block: &[u8]) -> Option<HttpHead> {
    if !block.starts_with(b"HTTP/") {
        return None;
    }
    let fields_start = memchr(b'\n', block)? + 1;
    let mut pos = fields_start;
    loop {
        let lf = memchr(b'\n', &block[pos..])? + pos;
        let line = &block[pos..lf];
        if line.is_empty() || line == b"\r" {
            let fields = parse_fields(block, fields_start, pos).ok()?;
            return Some(HttpHead {
                fields_start,
                fields_end: pos,
                body_start: lf + 1,
                fields,
            });
        }
        pos = lf + 1;
    }
}

/// A `Content-Type` value taken apart (RFC 9110 media type with parameters).
#[derive(Debug, Default)]
pub(super) struct ContentType {
    /// `type/subtype`, lower-cased, without parameters.
    pub mime: String,
    /// Every `charset` parameter: the span of its value in the field value
    /// (quotes included) and the value itself (unquoted, unescaped, trimmed).
    pub charsets: Vec<(Range<usize>, Vec<u8>)>,
    /// False when a quoted string runs to the end of the value without its
    /// closing quote: anything appended would end up inside the quotes.
    pub well_formed: bool,
}

impl ContentType {
    /// The first non-empty `charset` parameter, as the declared encoding.
    pub fn charset(&self) -> Option<String> {
        self.charsets
            .iter()
            .map(|(_, v)| v)
            .find(|v| !v.is_empty())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }
}

/// Parses a `Content-Type` value: `type/subtype` then `; name=value`
/// parameters, values as tokens or quoted strings with backslash escapes,
/// names case-insensitive, blanks around `=` tolerated, empty and nameless
/// parameters skipped.
pub(super) fn parse_content_type(v: &[u8]) -> ContentType {
    let len = v.len();
    let semi = memchr(b';', v).unwrap_or(len);
    let mut ct = ContentType {
        mime: String::from_utf8_lossy(trim(&v[..semi])).to_ascii_lowercase(),
        charsets: Vec::new(),
        well_formed: true,
    };
    let skip_blanks = |mut p: usize| {
        while p < len && (v[p] == b' ' || v[p] == b'\t') {
            p += 1;
        }
        p
    };
    let mut pos = semi;
    while pos < len {
        // v[pos] is the ';' before a parameter.
        pos = skip_blanks(pos + 1);
        let name_start = pos;
        while pos < len && v[pos] != b'=' && v[pos] != b';' {
            pos += 1;
        }
        let name = trim(&v[name_start..pos]);
        if pos >= len || v[pos] == b';' {
            continue;
        }
        pos = skip_blanks(pos + 1);
        let value_start = pos;
        let (value_end, value) = if pos < len && v[pos] == b'"' {
            pos += 1;
            let mut s = Vec::new();
            let mut closed = false;
            while pos < len {
                match v[pos] {
                    b'\\' if pos + 1 < len => {
                        s.push(v[pos + 1]);
                        pos += 2;
                    }
                    b'"' => {
                        pos += 1;
                        closed = true;
                        break;
                    }
                    b => {
                        s.push(b);
                        pos += 1;
                    }
                }
            }
            ct.well_formed &= closed;
            // Whatever follows the closing quote up to the next ';' is junk,
            // but it belongs to the span: a rewrite must replace it too, or
            // `"gbk"x` would become `utf-8x`, which a second run rewrites again.
            while pos < len && v[pos] != b';' {
                pos += 1;
            }
            (value_start + trim_end(&v[value_start..pos]).len(), s)
        } else {
            while pos < len && v[pos] != b';' {
                pos += 1;
            }
            let end = value_start + trim_end(&v[value_start..pos]).len();
            (end, v[value_start..end].to_vec())
        };
        if name.eq_ignore_ascii_case(b"charset") {
            ct.charsets
                .push((value_start..value_end, trim(&value).to_vec()));
        }
    }
    ct
}

/// The value `v` (parsed as `ct`) with its charset set to `utf-8`: every
/// `charset` parameter that does not already say `utf-8` is rewritten, and one
/// is appended when there is none. `Ok(None)` when nothing changes;
/// `Err(())` when a parameter would have to be appended after an unclosed
/// quoted string, where it would not parse as a parameter.
pub(super) fn with_utf8_charset(v: &[u8], ct: &ContentType) -> Result<Option<Vec<u8>>, ()> {
    if ct.charsets.is_empty() {
        if !ct.well_formed {
            return Err(());
        }
        let mut out = trim_end(v).to_vec();
        if out.last() != Some(&b';') {
            out.push(b';');
        }
        out.extend_from_slice(b" charset=utf-8");
        return Ok(Some(out));
    }
    if ct
        .charsets
        .iter()
        .all(|(_, c)| c.eq_ignore_ascii_case(b"utf-8"))
    {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(v.len() + 8);
    let mut pos = 0;
    for (span, _) in &ct.charsets {
        out.extend_from_slice(&v[pos..span.start]);
        out.extend_from_slice(b"utf-8");
        pos = span.end;
    }
    out.extend_from_slice(&v[pos..]);
    Ok(Some(out))
}

/// Removes chunked transfer coding (RFC 9112 section 7.1): hex size lines
/// (extensions after `;` ignored), data, line end; a zero size ends the body
/// and any trailer fields after it are dropped. `None` when the framing is
/// broken or cut short, so the caller leaves the record alone.
pub(super) fn dechunk(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut pos = 0;
    loop {
        let lf = memchr(b'\n', &body[pos..])? + pos;
        let line = &body[pos..lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let size = trim(&line[..memchr(b';', line).unwrap_or(line.len())]);
        if size.is_empty() || size.len() > 15 || !size.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        // At most 15 hex digits: fits in a u64 without overflow.
        let size = size.iter().fold(0u64, |acc, &b| {
            acc * 16 + u64::from(char::from(b).to_digit(16).unwrap_or(0))
        });
        pos = lf + 1;
        if size == 0 {
            return Some(out);
        }
        let end = usize::try_from(size).ok()?.checked_add(pos)?;
        out.extend_from_slice(body.get(pos..end)?);
        pos = end;
        let rest = &body[pos..];
        if rest.starts_with(b"\r\n") {
            pos += 2;
        } else if rest.starts_with(b"\n") {
            pos += 1;
        } else {
            return None;
        }
    }
}

/// Decompresses a gzip body (concatenated members included). `None` when it
/// is not valid gzip or inflates beyond `cap` bytes (a decompression bomb
/// must not take the process down).
pub(super) fn gunzip(body: &[u8], cap: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= cap).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_forms() {
        let ct = parse_content_type(br#"Text/HTML; Charset="GBK""#);
        assert_eq!(ct.mime, "text/html");
        assert_eq!(ct.charset().as_deref(), Some("GBK"));
        let ct = parse_content_type(b"text/html;charset = big5 ; q=1");
        assert_eq!(ct.charset().as_deref(), Some("big5"));
        let ct = parse_content_type(br#"text/html; a="x;charset=gbk"; CHARSET=gb2312"#);
        assert_eq!(ct.charset().as_deref(), Some("gb2312"));
        let ct = parse_content_type(b"text/plain");
        assert_eq!(ct.charset(), None);
    }

    #[test]
    fn charset_rewrite() {
        let cases: [(&[u8], Option<&[u8]>); 6] = [
            (
                br#"text/html; Charset="GBK""#,
                Some(b"text/html; Charset=utf-8"),
            ),
            (b"text/html", Some(b"text/html; charset=utf-8")),
            (b"text/html;", Some(b"text/html; charset=utf-8")),
            (b"text/html; charset=UTF-8", None),
            (
                b"text/html; charset=gbk; charset=big5",
                Some(b"text/html; charset=utf-8; charset=utf-8"),
            ),
            (
                b"text/html; charset=gbk ; x=y",
                Some(b"text/html; charset=utf-8 ; x=y"),
            ),
        ];
        for (v, want) in cases {
            let got = with_utf8_charset(v, &parse_content_type(v)).unwrap();
            assert_eq!(got.as_deref(), want, "{}", String::from_utf8_lossy(v));
        }
        assert!(with_utf8_charset(
            b"text/html; a=\"x",
            &parse_content_type(b"text/html; a=\"x")
        )
        .is_err());
    }

    #[test]
    fn chunks() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n").as_deref(),
            Some(&b"abcde"[..])
        );
        assert_eq!(dechunk(b"3\nabc\n0\n").as_deref(), Some(&b"abc"[..]));
        assert_eq!(dechunk(b"3\r\nabc\r\n"), None, "no last chunk");
        assert_eq!(dechunk(b"5\r\nabc\r\n0\r\n\r\n"), None, "short chunk");
        assert_eq!(dechunk(b"zz\r\n"), None);
        assert_eq!(dechunk(b"ffffffffffffffff\r\n"), None);
    }
}
