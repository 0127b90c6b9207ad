//! HTML input: rewrite a page in place, or extract its readable text.
//!
//! The input is text already decoded to UTF-8; both modes stream it. It
//! arrives in `&str` pieces cut anywhere, even inside a tag, and the output
//! is appended to a caller's `String` as it becomes final. Parsing is done
//! by [`lol_html`], a streaming tokenizer that mimics enough of the tree
//! builder to know which text is markup, RCDATA (`<title>`, `<textarea>`),
//! raw text (`<style>`, `<noscript>`, ...) or script.
//!
//! # Keep mode: [`Rewriter`]
//!
//! The page comes out byte for byte as it went in, except for:
//!
//! * **Text nodes** in ordinary markup and in `<title>` and `<textarea>`,
//!   which go through the caller's transform. The transform sees the text of
//!   a whole node exactly as written in the source, character references
//!   not decoded, and writes back raw HTML text (it must not introduce `<`).
//!   Nodes made only of ASCII whitespace are not handed over: there is
//!   nothing in them to clean or convert. A node longer than
//!   [`MAX_TEXT_NODE`] is handed over in pieces of about that size, cut at a
//!   line break where there is one.
//! * **The content of `<noscript>`**. The tokenizer reads it as raw text, as
//!   a browser with scripting does, but in a scraped page it is what readers
//!   without scripts see, so it is parsed again as markup and rewritten by
//!   the same rules (one level deep).
//! * **Human-readable attribute values**: `title`, `alt`, `placeholder` and
//!   `aria-label` on any element; `label` on `<option>`, `<optgroup>` and
//!   `<track>`; `content` of `<meta>` whose `name` is `description`,
//!   `keywords`, `twitter:title` or `twitter:description`, or whose
//!   `property` is `og:title`, `og:description` or `og:site_name`. Only the
//!   first of duplicate attributes counts, as in a browser. See
//!   [`TextKind::Attribute`] for the form the value is handed over in.
//! * **The charset declaration**, which would be a lie once the page is
//!   UTF-8: `<meta charset>` and the `charset=` parameter inside
//!   `<meta http-equiv="Content-Type" content="...">` (the rest of the
//!   value kept), and the `encoding` of an XML declaration that opens the
//!   document (after an optional byte order mark). Declarations that
//!   already name UTF-8 are left as they are; any other value, unknown
//!   labels included, becomes `utf-8`.
//!
//! Everything else, `<script>`, `<style>`, `<xmp>`, `<iframe>`, comments,
//! the doctype, CDATA sections and every tag and other attribute, passes
//! through untouched. A start tag whose attribute changed is written back
//! by [`lol_html`]: the changed value double-quoted, the other attributes
//! as written but separated by single spaces.
//!
//! # Text mode: [`Extractor`]
//!
//! The readable text of the page, for corpora:
//!
//! * Block elements (`p`, `div`, `h1`..`h6`, `li`, `tr`, `table`, `section`,
//!   `article`, `blockquote`, `pre`, `dt`, `dd`, `figure`, `form`, `nav`,
//!   ... see [`text`]) start and end a line; `<br>` and `<hr>` end one.
//!   Table cells of a row are separated by a tab, so that a row stays one
//!   line and its columns stay apart.
//! * Left out with their content: `script`, `style`, `noscript`,
//!   `template`, `iframe`, `object`, `applet`, `canvas`, `audio`, `video`,
//!   `svg`, `math`, `select`, `datalist`, `noembed`, `noframes`, and ruby
//!   annotations (`rt`, `rp`: pinyin above the characters, not running
//!   text); also comments, the doctype, and `<title>` elements after the
//!   first. Nothing else in `<head>` has text to leave out.
//! * The first `<title>` is a line of its own where it stands, which in any
//!   sane page makes it the first line.
//! * Character references are decoded, double escapes such as
//!   `&amp;quot;` included ([`EntityMode::Text`]).
//! * Whitespace collapses as a browser renders it: runs of ASCII
//!   whitespace become one space. U+00A0 (from `&nbsp;` or written as is)
//!   is collapsible whitespace too, so `<p>&nbsp;</p>` gives no line and
//!   `&nbsp;&nbsp;text` no indentation; in the output it is a plain space.
//!   Other Unicode spaces (U+3000 and the like) are kept inside a line.
//!   A run holding a source line break between two East Asian wide
//!   characters disappears (CSS Text 3's segment-break rule, as Firefox
//!   renders it), so Chinese hard-wrapped in the source gets no spaces.
//! * Lines are trimmed of all Unicode whitespace at both ends, so the usual
//!   `　　` paragraph indentation goes, and empty lines are never written.
//! * Inside `<pre>`, `<listing>`, `<xmp>`, `<plaintext>` and `<textarea>`
//!   whitespace is kept: each source line is a line, leading indentation
//!   stays; trailing whitespace and blank lines still go.
//!
//! The output ends with a line break when it is not empty.
//!
//! # Memory
//!
//! Text is streamed in both modes, but lol_html holds a start tag (all its
//! attributes) or a comment whole until it ends, and a frame for every
//! open element. What it holds for a page is capped at [`MAX_MARKUP`]; a
//! page that needs more (a tag or comment over 32 MiB, or elements nested
//! about 260,000 deep) fails with [`HtmlError::is_too_large`], which
//! batch runs answer by passing the page on unchanged. Within the cap a
//! tag still costs a few times its size: lol_html's buffer, its output and
//! ours, and for a readable attribute the transform's cleaned and
//! converted copies (about 200 MB at the most for a 32 MiB `title`).
//! Text mode adds about 200 bytes for each open block, cell, verbatim or
//! dropped element: the end-tag handler lol_html keeps for it, the only way
//! its API tells where an element ends.
//!
//! [`EntityMode::Text`]: crate::clean::entities::EntityMode::Text

mod charset;
mod keep;
pub mod text;

use std::cell::RefCell;
use std::fmt;
use std::ops::AddAssign;
use std::rc::Rc;

use lol_html::errors::RewritingError;
use lol_html::{MemorySettings, OutputSink};

use crate::clean::entities::EntityStats;

pub use keep::Rewriter;
pub use text::Extractor;

/// The caller's transform for keep mode: the text as written and what it
/// is, and the `String` to append its replacement to.
pub type Transform<'t> = Box<dyn FnMut(&str, TextKind, &mut String) + 't>;

/// Longest text node handed to the transform in one piece, in bytes.
pub const MAX_TEXT_NODE: usize = 1024 * 1024;

/// What lol_html may hold for one page, in bytes: 32 MiB, the ceiling the
/// JSON Lines and WARC readers set for one line or record. lol_html holds
/// a start tag (every attribute of it) or a comment whole before anything
/// sees it, and keeps a frame for each open element; without a ceiling one
/// 100 MB attribute cost over half a gigabyte once copied and converted.
/// A page over it fails with [`HtmlError::is_too_large`]. Real pages stay
/// far below: a 32 MiB tag is an inlined file, and the element frames (a
/// little over 64 bytes each, in a vector that doubles) fill the ceiling
/// at a nesting depth of 262,144.
pub const MAX_MARKUP: usize = 32 * 1024 * 1024;

/// The message of a page over [`MAX_MARKUP`], so that callers who only see
/// the message can tell this failure from others.
pub const TOO_LARGE: &str = "HTML markup over the 32 MiB limit (a tag or comment \
     longer than 32 MiB, or elements nested over 262,000 deep)";

/// What the transform is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A text node's raw source text: character references as written.
    Node,
    /// An attribute value, also raw: the source text between the quotes
    /// (or of the unquoted value), character references not decoded, so
    /// `title="A&amp;B"` gives `A&amp;B`. The transform's result must still
    /// be raw HTML, exactly as for [`TextKind::Node`]; it replaces the old
    /// value between the same quotes (the quote character escaped as
    /// `&quot;` or `&#39;`; an unquoted value gets double quotes), and the
    /// rest of the tag, line breaks between attributes included, stays as
    /// it was. A value that comes back unchanged leaves the tag byte for
    /// byte as it was.
    Attribute,
}

/// What a page went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HtmlStats {
    /// Keep mode: text nodes handed to the transform (each piece of an
    /// over-long node counts). Text mode: text nodes that gave output.
    pub text_nodes: u64,
    /// Keep mode: attribute values handed to the transform.
    pub attributes: u64,
    /// Keep mode: charset declarations rewritten to UTF-8.
    pub charset_rewritten: u64,
    /// Text mode: elements left out with their content (an element inside
    /// one already left out is not counted).
    pub dropped_elements: u64,
    /// Text mode: lines written.
    pub lines: u64,
    /// Text mode: character references decoded.
    pub entities: EntityStats,
}

impl AddAssign for HtmlStats {
    fn add_assign(&mut self, other: Self) {
        self.text_nodes += other.text_nodes;
        self.attributes += other.attributes;
        self.charset_rewritten += other.charset_rewritten;
        self.dropped_elements += other.dropped_elements;
        self.lines += other.lines;
        self.entities += other.entities;
    }
}

/// Rewriting failed. The [`Rewriter`] or [`Extractor`] that returned it is
/// spent: every later call returns an error too.
#[derive(Debug)]
pub struct HtmlError {
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Rewriting(RewritingError),
    /// lol_html reached [`MAX_MARKUP`].
    TooLarge,
    Spent,
}

impl HtmlError {
    fn spent() -> Self {
        HtmlError {
            kind: ErrorKind::Spent,
        }
    }

    /// Whether the page failed for holding more than [`MAX_MARKUP`] at
    /// once (an enormous tag or comment, or absurd nesting), not for
    /// anything wrong with it: its bytes can be passed on as they are.
    pub fn is_too_large(&self) -> bool {
        matches!(self.kind, ErrorKind::TooLarge)
    }
}

impl From<RewritingError> for HtmlError {
    fn from(e: RewritingError) -> Self {
        // A `<noscript>` or CDATA section is parsed by a rewriter of its
        // own, inside a handler of the page's: its failure comes wrapped.
        let nested_too_large = |inner: &(dyn std::error::Error + Send + Sync + 'static)| {
            inner
                .downcast_ref::<HtmlError>()
                .is_some_and(HtmlError::is_too_large)
                || inner
                    .downcast_ref::<RewritingError>()
                    .is_some_and(|r| matches!(r, RewritingError::MemoryLimitExceeded(_)))
        };
        let kind = match e {
            RewritingError::MemoryLimitExceeded(_) => ErrorKind::TooLarge,
            RewritingError::ContentHandlerError(inner) if nested_too_large(&*inner) => {
                ErrorKind::TooLarge
            }
            e => ErrorKind::Rewriting(e),
        };
        HtmlError { kind }
    }
}

impl fmt::Display for HtmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Rewriting(e) => write!(f, "HTML parsing failed: {e}"),
            ErrorKind::TooLarge => f.write_str(TOO_LARGE),
            ErrorKind::Spent => f.write_str("HTML parser already failed on earlier input"),
        }
    }
}

impl std::error::Error for HtmlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Rewriting(e) => Some(e),
            ErrorKind::TooLarge | ErrorKind::Spent => None,
        }
    }
}

/// The ceiling of [`MAX_MARKUP`]. No graceful bail-out: keep mode holds
/// back the chunks of a text node split across writes, which lol_html's
/// bail-out would lose; the caller passes the whole page on instead.
fn memory_settings() -> MemorySettings {
    MemorySettings::new().with_max_allowed_memory_usage(MAX_MARKUP)
}

/// The rewriter's output, shared between lol_html (which owns the sink) and
/// the wrapper that hands it on after each chunk.
#[derive(Clone, Default)]
struct SharedSink(Rc<RefCell<Vec<u8>>>);

impl OutputSink for SharedSink {
    fn handle_chunk(&mut self, chunk: &[u8]) {
        self.0.borrow_mut().extend_from_slice(chunk);
    }
}

impl SharedSink {
    /// Moves what has been written into `out`. lol_html writes whole tokens
    /// and whole strings, so its output is valid UTF-8 at every call; an
    /// incomplete character at the end would still wait for the next call
    /// rather than be mangled, and only at the very end (`last`) is anything
    /// invalid replaced.
    fn drain_into(&self, out: &mut String, last: bool) {
        let mut buf = self.0.borrow_mut();
        let valid = match std::str::from_utf8(&buf) {
            Ok(s) => {
                out.push_str(s);
                buf.len()
            }
            Err(e) if e.error_len().is_none() && !last => {
                let n = e.valid_up_to();
                out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
                n
            }
            Err(_) => {
                out.push_str(&String::from_utf8_lossy(&buf));
                buf.len()
            }
        };
        buf.drain(..valid);
    }
}

/// Whether `text` is only ASCII whitespace (or empty).
fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C'))
}
