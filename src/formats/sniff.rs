//! What an input is, from its first bytes and its name: compressed or not,
//! and whether it is WARC, JSON Lines or anything else (text or HTML,
//! which the pipeline tells apart itself).
//!
//! One function, [`sniff`], serves every way zhnorm meets an input
//! (single file, standard input, batch trees), so an input is treated the
//! same however it was named.

use std::io::Read;
use std::path::Path;

use super::compress::{self, Compression};
use super::jsonl;

/// How much of an input [`sniff`] wants to see: the batch layer's binary
/// check looks at as much, and it holds many JSON Lines records.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// A record-structured format zhnorm processes as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// Neither of the two: text or HTML.
    Other,
    /// JSON Lines.
    Jsonl,
    /// WARC (or WET) records.
    Warc,
}

impl DataFormat {
    /// The name used in messages and reports.
    pub fn name(self) -> &'static str {
        match self {
            DataFormat::Other => "text",
            DataFormat::Jsonl => "jsonl",
            DataFormat::Warc => "warc",
        }
    }
}

/// What [`sniff`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// How the bytes are compressed (by magic number, the name only when
    /// the head is too short to tell).
    pub compression: Compression,
    /// The format of the (decompressed) content.
    pub format: DataFormat,
    /// A NUL byte in the decompressed head, and not UTF-16: an image, a
    /// PDF, an archive, not text.
    pub binary: bool,
}

/// Tells what an input is from its first bytes (`head`, as read, possibly
/// compressed) and its file name, if it has one. `complete`: `head` is the
/// whole input, so its last line is not cut off.
///
/// * WARC: the content starts with `WARC/1.`;
/// * JSON Lines: the name ends in `.jsonl` or `.ndjson` (also before a
///   `.gz`, `.zst` or `.bz2`), or every complete line of the content's
///   beginning is a JSON object (blank lines allowed, at least one object;
///   a last line cut off by the end of `head` is not judged);
/// * compressed content is decompressed as far as `head` allows, and judged
///   the same way.
pub fn sniff(head: &[u8], name: Option<&Path>, complete: bool) -> Sniffed {
    let compression = match name {
        Some(p) => Compression::detect(p, head),
        None => Compression::sniff(head),
    };
    let plain;
    let (content, content_complete): (&[u8], bool) = if compression == Compression::None {
        (head, complete)
    } else {
        let (bytes, whole) = decompress_head(compression, head);
        plain = bytes;
        (&plain, complete && whole)
    };
    let format = if content.starts_with(b"WARC/1.") {
        DataFormat::Warc
    } else if name.is_some_and(jsonl_name) || looks_like_jsonl(content, content_complete) {
        DataFormat::Jsonl
    } else {
        DataFormat::Other
    };
    let binary = format == DataFormat::Other
        && content.contains(&0)
        && !crate::decode::detect(content, content_complete)
            .charset
            .is_utf16();
    Sniffed {
        compression,
        format,
        binary,
    }
}

/// As much of the decompressed content as `head` yields (up to
/// [`SNIFF_BYTES`]), and whether that is all of it.
fn decompress_head(c: Compression, head: &[u8]) -> (Vec<u8>, bool) {
    let mut out = vec![0u8; SNIFF_BYTES];
    let Ok(mut r) = compress::reader(c, Box::new(head)) else {
        return (Vec::new(), false);
    };
    let mut n = 0;
    let mut whole = false;
    while n < out.len() {
        match r.read(&mut out[n..]) {
            Ok(0) => {
                whole = true;
                break;
            }
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // A head cut inside the stream ends here: judge what came out.
            Err(_) => break,
        }
    }
    out.truncate(n);
    (out, whole)
}

/// A `.jsonl` or `.ndjson` name, before any compression extension.
fn jsonl_name(p: &Path) -> bool {
    let stem_path;
    let p = if Compression::from_path(p) == Compression::None {
        p
    } else {
        stem_path = p.with_extension("");
        &stem_path
    };
    p.extension().is_some_and(|e| {
        let e = e.as_encoded_bytes();
        e.eq_ignore_ascii_case(b"jsonl") || e.eq_ignore_ascii_case(b"ndjson")
    })
}

/// Every complete line a JSON object, blank lines aside, and at least one.
fn looks_like_jsonl(content: &[u8], complete: bool) -> bool {
    let mut rest = content
        .strip_prefix("\u{FEFF}".as_bytes())
        .unwrap_or(content);
    let mut objects = 0;
    loop {
        let line = match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                line
            }
            None if complete && !rest.is_empty() => std::mem::take(&mut rest),
            None => break,
        };
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        // Decoding is the pipeline's job; bytes that are not UTF-8 sit
        // inside strings in any JSON Lines file worth the name, so the
        // structure survives the replacement.
        if !jsonl::is_object_line(&String::from_utf8_lossy(line)) {
            return false;
        }
        objects += 1;
    }
    objects > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let s = |h: &[u8], n: Option<&str>, c| sniff(h, n.map(Path::new), c).format;
        assert_eq!(s(b"WARC/1.0\r\n", None, false), DataFormat::Warc);
        assert_eq!(
            s(b"{\"a\":1}\n\n{\"b\":2}\n{\"c\"", None, false),
            DataFormat::Jsonl
        );
        assert_eq!(s(b"{\"a\":1}\n{\"c\"", None, true), DataFormat::Other);
        assert_eq!(s(b"{\"a\":1}", None, true), DataFormat::Jsonl);
        assert_eq!(s(b"{\"a\":1}", None, false), DataFormat::Other);
        assert_eq!(s(b"{\"a\":1}\nnot json\n", None, false), DataFormat::Other);
        assert_eq!(s(b"\n\n", None, true), DataFormat::Other);
        assert_eq!(s(b"[1]\n", None, true), DataFormat::Other);
        assert_eq!(s(b"anything", Some("x.NDJSON.gz"), true), DataFormat::Jsonl);
        assert_eq!(s(b"anything", Some("x.jsonl.txt"), true), DataFormat::Other);
    }
}
