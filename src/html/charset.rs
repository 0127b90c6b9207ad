//! Rewriting charset declarations to UTF-8, keeping everything around the
//! value as written.

use encoding_rs::{Encoding, UTF_8};

/// What every rewritten declaration says.
pub(super) const UTF8: &str = "utf-8";

/// Whether `label` already names UTF-8 (`UTF-8`, `utf8`, `unicode-1-1-utf-8`,
/// ...). Anything else, unknown labels included, is worth rewriting: a page
/// declaring a charset a browser does not know gets guessed at.
pub(super) fn is_utf8_label(label: &str) -> bool {
    Encoding::for_label(label.as_bytes()) == Some(UTF_8)
}

/// The `content` of `<meta http-equiv="Content-Type">` with its charset
/// changed to UTF-8, or `None` when there is no charset or it already is
/// UTF-8.
///
/// The charset is found as the HTML standard's "extracting a character
/// encoding from a meta element" finds it: `charset`, case-insensitive, then
/// optional whitespace, `=`, optional whitespace, and a value that is either
/// quoted or runs to whitespace or `;`.
pub(super) fn rewrite_content_type(content: &str) -> Option<String> {
    let bytes = content.as_bytes();
    let mut from = 0;
    loop {
        let at = find_ascii_ci(&bytes[from..], b"charset")? + from;
        let mut i = skip_space(bytes, at + b"charset".len());
        if bytes.get(i) != Some(&b'=') {
            from = at + 1;
            continue;
        }
        i = skip_space(bytes, i + 1);
        let (start, end) = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let len = bytes[i + 1..].iter().position(|&b| b == q)?;
                (i + 1, i + 1 + len)
            }
            Some(_) => {
                let len = bytes[i..]
                    .iter()
                    .position(|&b| b == b';' || is_space(b))
                    .unwrap_or(bytes.len() - i);
                (i, i + len)
            }
            None => return None,
        };
        return replace_value(content, start, end);
    }
}

/// The text of an XML declaration with its `encoding` changed to UTF-8, or
/// `None` when it names no encoding or already UTF-8, or is no XML
/// declaration. `decl` is the declaration without its angle brackets, as
/// the HTML tokenizer reads it (a bogus comment): `?xml version="1.0"
/// encoding="gb2312"?`.
pub(super) fn rewrite_xml_declaration(decl: &str) -> Option<String> {
    let bytes = decl.as_bytes();
    let rest = bytes.strip_prefix(b"?xml")?;
    if !rest.first().is_some_and(|&b| is_space(b)) {
        return None;
    }
    // XML names are case-sensitive, and only a pseudo-attribute name may
    // precede `=` here, so the first `encoding` followed by `=` is it.
    let mut from = 0;
    loop {
        let at = memchr::memmem::find(&bytes[from..], b"encoding")? + from;
        let mut i = skip_space(bytes, at + b"encoding".len());
        if bytes.get(i) != Some(&b'=') {
            from = at + 1;
            continue;
        }
        i = skip_space(bytes, i + 1);
        let q = *bytes.get(i).filter(|&&b| b == b'"' || b == b'\'')?;
        let len = bytes[i + 1..].iter().position(|&b| b == q)?;
        return replace_value(decl, i + 1, i + 1 + len);
    }
}

/// `text` with `text[start..end]` (a charset label) replaced by `utf-8`,
/// unless the label already means UTF-8.
fn replace_value(text: &str, start: usize, end: usize) -> Option<String> {
    if is_utf8_label(&text[start..end]) {
        return None;
    }
    Some(format!("{}{UTF8}{}", &text[..start], &text[end..]))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C')
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_space(b)) {
        i += 1;
    }
    i
}

/// Position of `needle` (lowercase ASCII) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type() {
        let cases = [
            (
                "text/html; charset=gb2312",
                Some("text/html; charset=utf-8"),
            ),
            (
                "text/html;charset=GBK ; x=1",
                Some("text/html;charset=utf-8 ; x=1"),
            ),
            (
                "text/html; CHARSET = 'big5'",
                Some("text/html; CHARSET = 'utf-8'"),
            ),
            (
                "text/html; charset=\"gbk\"",
                Some("text/html; charset=\"utf-8\""),
            ),
            ("text/html; charset=UTF-8", None),
            ("text/html; charset=utf8", None),
            ("text/html", None),
            ("text/html; charset", None),
            ("text/html; charset=\"gbk", None),
            (
                "text/html; charsetx; charset=gbk",
                Some("text/html; charsetx; charset=utf-8"),
            ),
            ("text/html; charset=", None),
        ];
        for (input, want) in cases {
            assert_eq!(rewrite_content_type(input).as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn xml_declaration() {
        let cases = [
            (
                "?xml version=\"1.0\" encoding=\"gb2312\"?",
                Some("?xml version=\"1.0\" encoding=\"utf-8\"?"),
            ),
            (
                "?xml version='1.0' encoding = 'Big5' standalone='yes'?",
                Some("?xml version='1.0' encoding = 'utf-8' standalone='yes'?"),
            ),
            ("?xml version=\"1.0\" encoding=\"UTF-8\"?", None),
            ("?xml version=\"1.0\"?", None),
            ("?xml-stylesheet href=\"a.xsl\" encoding=\"gbk\"?", None),
            ("?php echo 1; ?", None),
            ("?xml version=\"1.0\" encoding=gbk?", None),
        ];
        for (input, want) in cases {
            assert_eq!(rewrite_xml_declaration(input).as_deref(), want, "{input:?}");
        }
    }
}
