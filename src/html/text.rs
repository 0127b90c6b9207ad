//! Text mode: the readable text of a page, one line per block.
//!
//! How elements are read (HTML elements only; `svg` and `math` are left out
//! whole, so nothing in another namespace gets this far):
//!
//! * [`BLOCKS`] start and end a line;
//! * [`CELLS`] are separated from what precedes them on their line by a
//!   tab;
//! * [`VERBATIM`] are blocks whose whitespace is kept;
//! * [`DROPPED`] are left out with everything inside;
//! * [`BREAKS`] end a line;
//! * everything else is inline and adds nothing but its text.
//!
//! # Feeds
//!
//! RSS (0.9x, 1.0 as `rdf:RDF`, 2.0) and Atom feeds are XML, which an HTML
//! parser reads badly: feed elements are not blocks, so a whole feed runs
//! into one line; `<link>` is void in HTML, so its address becomes text;
//! `<![CDATA[...]]>` is a bogus comment that ends at the first `>` inside
//! it. So the input is sniffed first ([`Extractor`] holds it back until it
//! can tell, at most 64 KiB): when its root element, after a byte order
//! mark, whitespace, the XML declaration and other processing
//! instructions, comments and a doctype, is `rss`, `feed` or `rdf:RDF` (any
//! case), the input is read by a small forgiving XML tokenizer instead, by
//! these rules:
//!
//! * Every feed element starts and ends a line (`channel`, `item`,
//!   `entry`, `title`, `author`, unknown elements alike).
//! * Machine fields are left out with their content: addresses,
//!   identifiers, dates, counts, settings, labels and legal boilerplate
//!   ([`FEED_DROPPED`], and every element with a prefix in
//!   [`FEED_DROPPED_PREFIXES`]): `link`, `guid`, `id`, `pubDate`,
//!   `updated`, `generator`, `ttl`, `docs`, `language`, `image`, `cloud`,
//!   `textInput`, `enclosure`, `source`, `comments` (an address in RSS),
//!   `managingEditor` and `webMaster` (addresses), `email`, `uri`,
//!   `category` and `dc:subject` (one-word labels repeated on every item),
//!   `copyright` and `rights`, Blogger's `draft` and `convertLineBreaks`.
//!   What remains is titles, descriptions, summaries, content and the
//!   names of authors (`author`, `dc:creator`, Atom's `name`).
//! * The content of a text element ([`FEED_TEXTS`]: `title`,
//!   `description`, `summary`, `content`, `content:encoded`, `subtitle`,
//!   `tagline`, ...) is a piece of HTML, extracted by the HTML rules above
//!   into lines of its own (one level deep: HTML in it is not sniffed
//!   again). How it is read depends on its `type` and `mode` attributes:
//!   * by default, and for `type="html"` or `mode="escaped"`, text is
//!     decoded once and the result is markup (`&lt;p&gt;` is a paragraph),
//!     CDATA content is markup, and child tags (HTML not escaped, as sloppy
//!     feeds have it) are markup too;
//!   * for `type="xhtml"` (or `application/xhtml+xml`, or `mode="xml"`)
//!     the child elements are the markup and text and CDATA are text;
//!   * for `type="text"` (or `text/plain`) text and CDATA are text and
//!     tags are ignored;
//!   * `mode="base64"` content is left out.
//!
//!   Only a tag of the text element's own name counts for finding its end.
//! * Text directly in other elements (an author's name) is HTML text, its
//!   references decoded as in any HTML text; CDATA there is markup.
//! * Comments, processing instructions and doctypes give nothing.
//!
//! The lines of each element are extracted as a page of their own, so
//! whitespace and `<br>` rules are those of HTML text. A tag longer than
//! 16 KiB keeps only its first 16 KiB; nothing else is held beyond the
//! current piece of text.
//!
//! # The element stack
//!
//! Elements are tracked on a stack mirroring lol_html's open elements: an
//! element leaves it when lol_html reports its end tag, or the end tag of
//! an element further up, which closes everything in between. An element
//! closed only implicitly (a `<p>` followed by a `<div>`) stays open until
//! then; for blocks that changes nothing, since the next block starts a
//! line anyway.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag, TextChunk, TextType};
use lol_html::{doc_text, element, HandlerResult, HtmlRewriter, Settings};

use super::{memory_settings, HtmlError, HtmlStats};
use crate::clean::entities::{EntityDecoder, EntityMode};

/// Elements that are lines of their own.
pub const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "legend",
    "li",
    "main",
    "marquee",
    "menu",
    "nav",
    "ol",
    "optgroup",
    "option",
    "p",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// Table cells.
pub const CELLS: &[&str] = &["td", "th"];

/// Blocks whose whitespace is kept.
pub const VERBATIM: &[&str] = &["listing", "plaintext", "pre", "textarea", "xmp"];

/// Elements left out with their content: code, styling, embedded and
/// fallback content, form widgets whose text is a menu, ruby annotations.
pub const DROPPED: &[&str] = &[
    "applet", "audio", "canvas", "datalist", "iframe", "math", "noembed", "noframes", "noscript",
    "object", "rp", "rt", "script", "select", "style", "svg", "template", "video",
];

/// Void elements that end a line.
pub const BREAKS: &[&str] = &["br", "hr"];

/// Most whitespace kept between two pieces of text on a line; beyond it the
/// run is cut, so that a page of nothing but U+3000 cannot grow memory.
const MAX_PENDING: usize = 1024;

/// A rewriter whose markup output is thrown away.
type Discarding = HtmlRewriter<'static, fn(&[u8])>;

/// The HTML extractor proper: what [`Extractor`] runs for a page, and for
/// each piece of HTML inside a feed.
struct HtmlText {
    /// `None` once finished or failed. Boxed: lol_html's rewriter is large,
    /// and callers keep this in their own state.
    html: Option<Box<Discarding>>,
    state: Rc<RefCell<State>>,
}

impl HtmlText {
    fn new() -> Self {
        let state = Rc::new(RefCell::new(State::new()));
        let (s1, s2) = (Rc::clone(&state), Rc::clone(&state));
        let settings = Settings::new()
            .with_strict(false)
            .with_memory_settings(memory_settings())
            .append_element_content_handler(element!("*", move |el| on_element(&s1, el)))
            .append_document_content_handler(doc_text!(move |chunk| {
                s2.borrow_mut().on_text(chunk);
                Ok(())
            }));
        // The markup itself is not wanted, only what the handlers collect.
        let discard: fn(&[u8]) = |_| {};
        HtmlText {
            html: Some(Box::new(HtmlRewriter::new(settings, discard))),
            state,
        }
    }

    fn push(&mut self, html: &str, out: &mut String) -> Result<(), HtmlError> {
        let rw = self.html.as_mut().ok_or_else(HtmlError::spent)?;
        if let Err(e) = rw.write(html.as_bytes()) {
            self.html = None;
            return Err(e.into());
        }
        out.push_str(&self.state.borrow().out);
        self.state.borrow_mut().out.clear();
        Ok(())
    }

    fn finish(mut self, out: &mut String) -> Result<HtmlStats, HtmlError> {
        let rw = self.html.take().ok_or_else(HtmlError::spent)?;
        rw.end()?;
        let mut st = self.state.borrow_mut();
        st.break_line();
        out.push_str(&st.out);
        st.out.clear();
        Ok(st.stats)
    }
}

/// A run of collapsible whitespace, for the segment-break rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    /// Spaces and tabs only (or nothing): a space.
    Spaces,
    /// A line break among them: nothing between two wide characters.
    SegmentBreak,
    /// A no-break or line-separator character among them: always a space.
    Hard,
}

/// What an element does to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Block,
    Cell,
    Verbatim,
    Drop,
}

/// An element on the stack.
struct Open {
    id: u64,
    role: Role,
}

struct State {
    /// Text not yet handed to the caller.
    out: String,
    stack: Vec<Open>,
    next_id: u64,
    /// `Drop` elements on the stack: text is left out while non-zero.
    dropping: usize,
    /// `Verbatim` elements on the stack: whitespace is kept while non-zero.
    verbatim: usize,
    title_seen: bool,
    /// Something has been written on the current line.
    line_open: bool,
    /// Whitespace seen since the last text on the line, written only if
    /// more text follows on the same line.
    pending: String,
    /// What the collapsed whitespace in `pending` held.
    run: Run,
    /// The last character written on the line.
    last: char,
    decoder: EntityDecoder,
    /// Decoded text of the current chunk.
    scratch: String,
    /// The current text node has given output.
    node_written: bool,
    stats: HtmlStats,
}

fn on_element(state: &Rc<RefCell<State>>, el: &mut Element<'_, '_>) -> HandlerResult {
    let mut st = state.borrow_mut();
    if st.dropping > 0 {
        return Ok(());
    }
    let tag = el.tag_name();
    let tag = tag.as_str();
    let html = el.namespace_uri() == "http://www.w3.org/1999/xhtml";
    let role = if tag == "svg" || tag == "math" || (html && DROPPED.contains(&tag)) {
        Role::Drop
    } else if !html {
        return Ok(());
    } else if tag == "title" {
        if st.title_seen {
            Role::Drop
        } else {
            st.title_seen = true;
            Role::Block
        }
    } else if BLOCKS.contains(&tag) {
        Role::Block
    } else if CELLS.contains(&tag) {
        Role::Cell
    } else if VERBATIM.contains(&tag) {
        Role::Verbatim
    } else {
        if BREAKS.contains(&tag) {
            st.break_line();
        }
        return Ok(());
    };
    if !el.can_have_content() {
        // `<svg/>`, `<math/>`: nothing inside to leave out.
        return Ok(());
    }
    let id = st.next_id;
    st.next_id += 1;
    st.open(id, role);
    let state = Rc::clone(state);
    el.on_end_tag(Box::new(move |_: &mut EndTag<'_>| {
        state.borrow_mut().close(id);
        Ok(())
    }))
}

/// Whitespace that a browser collapses; U+00A0 and the line separators
/// count too (see the module documentation).
fn is_collapsible(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C' | '\u{85}' | '\u{A0}' | '\u{2028}' | '\u{2029}'
    )
}

/// East Asian Wide and Fullwidth characters (Hangul aside), by block: the
/// characters between which CSS Text 3 removes a segment break.
fn is_wide(c: char) -> bool {
    matches!(
        c as u32,
        0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD
    )
}

impl State {
    fn new() -> Self {
        State {
            out: String::new(),
            stack: Vec::new(),
            next_id: 0,
            dropping: 0,
            verbatim: 0,
            title_seen: false,
            line_open: false,
            pending: String::new(),
            run: Run::Spaces,
            last: ' ',
            decoder: EntityDecoder::new(EntityMode::Text),
            scratch: String::new(),
            node_written: false,
            stats: HtmlStats::default(),
        }
    }

    fn open(&mut self, id: u64, role: Role) {
        match role {
            Role::Block => self.break_line(),
            Role::Verbatim => {
                self.break_line();
                self.verbatim += 1;
            }
            Role::Cell => {
                if self.line_open {
                    self.pending.clear();
                    self.pending.push('\t');
                    self.run = Run::Spaces;
                }
            }
            Role::Drop => {
                self.dropping += 1;
                self.stats.dropped_elements += 1;
            }
        }
        self.stack.push(Open { id, role });
    }

    /// Closes element `id` and every element opened after it; an `id`
    /// already closed that way is ignored.
    fn close(&mut self, id: u64) {
        let Some(pos) = self.stack.iter().rposition(|o| o.id == id) else {
            return;
        };
        while self.stack.len() > pos {
            let Some(open) = self.stack.pop() else {
                break;
            };
            match open.role {
                Role::Block => self.break_line(),
                Role::Verbatim => {
                    self.break_line();
                    self.verbatim -= 1;
                }
                Role::Cell => {}
                Role::Drop => self.dropping -= 1,
            }
        }
    }

    fn on_text(&mut self, chunk: &TextChunk<'_>) {
        let last = chunk.last_in_text_node();
        match chunk.text_type() {
            TextType::Data | TextType::RCData if self.dropping == 0 => {
                let mut text = std::mem::take(&mut self.scratch);
                text.clear();
                self.stats.entities += self.decoder.push(chunk.as_str(), &mut text);
                if last {
                    self.stats.entities += self.decoder.finish(&mut text);
                }
                self.write(&text);
                self.scratch = text;
            }
            // `<xmp>` and `<plaintext>` content: shown as written. Other raw
            // text belongs to dropped elements.
            TextType::RawText | TextType::PlainText if self.dropping == 0 => {
                self.write(chunk.as_str())
            }
            _ => {}
        }
        if last {
            if self.node_written {
                self.stats.text_nodes += 1;
            }
            self.node_written = false;
        }
    }

    /// Writes decoded text, collapsing or keeping its whitespace.
    fn write(&mut self, text: &str) {
        let mut run = 0;
        for (i, c) in text.char_indices() {
            if !c.is_whitespace() {
                continue;
            }
            self.word(&text[run..i]);
            run = i + c.len_utf8();
            self.space(c);
        }
        self.word(&text[run..]);
    }

    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.run == Run::SegmentBreak
            && self.pending == " "
            && is_wide(self.last)
            && word.chars().next().is_some_and(is_wide)
        {
            self.pending.clear();
        }
        self.run = Run::Spaces;
        // At the start of a line, `pending` holds only verbatim indentation.
        self.out.push_str(&self.pending);
        self.pending.clear();
        self.out.push_str(word);
        self.last = word.chars().next_back().unwrap_or(' ');
        self.line_open = true;
        self.node_written = true;
    }

    fn space(&mut self, c: char) {
        if self.verbatim > 0 {
            if c == '\n' || c == '\r' {
                self.break_line();
            } else if self.pending.len() < MAX_PENDING {
                self.pending.push(c);
            }
            return;
        }
        if !self.line_open {
            return;
        }
        if is_collapsible(c) {
            if !self.pending.ends_with([' ', '\t']) {
                self.pending.push(' ');
            }
            match c {
                ' ' | '\t' | '\x0C' => {}
                '\n' | '\r' if self.run == Run::Spaces => self.run = Run::SegmentBreak,
                '\n' | '\r' => {}
                _ => self.run = Run::Hard,
            }
        } else if self.pending.len() < MAX_PENDING {
            self.pending.push(c);
        }
    }

    fn break_line(&mut self) {
        if self.line_open {
            self.out.push('\n');
            self.stats.lines += 1;
            self.line_open = false;
        }
        self.pending.clear();
        self.run = Run::Spaces;
    }
}

// ---------------------------------------------------------------- feeds

/// Most input read before deciding whether the page is a feed: the root
/// element must start within it (see [`sniff`]).
const MAX_SNIFF: usize = 64 * 1024;

/// Most of a feed tag kept, in bytes; the rest of a longer tag is read but
/// not kept, so that one endless tag cannot grow memory.
const MAX_TAG: usize = 16 * 1024;

/// Feed elements whose content is left out: addresses, identifiers,
/// dates, counts, settings, labels and legal boilerplate, all lower case.
pub const FEED_DROPPED: &[&str] = &[
    "admin:errorreportsto",
    "admin:generatoragent",
    "category",
    "cloud",
    "comments",
    "convertlinebreaks",
    "copyright",
    "created",
    "dc:date",
    "dc:format",
    "dc:identifier",
    "dc:language",
    "dc:rights",
    "dc:subject",
    "dc:type",
    "docs",
    "draft",
    "email",
    "enclosure",
    "generator",
    "guid",
    "icon",
    "id",
    "image",
    "issued",
    "language",
    "lastbuilddate",
    "link",
    "logo",
    "managingeditor",
    "modified",
    "pubdate",
    "published",
    "rating",
    "rights",
    "skipdays",
    "skiphours",
    "source",
    "textinput",
    "ttl",
    "updated",
    "uri",
    "url",
    "webmaster",
];

/// Namespace prefixes whose elements are all machine fields.
pub const FEED_DROPPED_PREFIXES: &[&str] = &[
    "dcterms:",
    "feedburner:",
    "geo:",
    "georss:",
    "slash:",
    "sy:",
    "thr:",
    "trackback:",
    "wfw:",
];

/// Feed elements whose content is a piece of HTML (escaped, in CDATA, or
/// inline), all lower case.
pub const FEED_TEXTS: &[&str] = &[
    "body",
    "content",
    "content:encoded",
    "dc:description",
    "dc:title",
    "description",
    "info",
    "itunes:subtitle",
    "itunes:summary",
    "media:description",
    "media:title",
    "subtitle",
    "summary",
    "tagline",
    "title",
    "xhtml:body",
];

/// Streaming text extractor (see the [module documentation](super), and
/// [below](self#feeds) for RSS and Atom feeds).
///
/// ```
/// use zhnorm::html::Extractor;
///
/// let mut ex = Extractor::new();
/// let mut out = String::new();
/// ex.push("<title>新聞</title><p>第一段&amp;quot;引號&amp;quot;</p>", &mut out).unwrap();
/// ex.push("<script>var a;</script><p>第二段<br>下一行</p>", &mut out).unwrap();
/// ex.finish(&mut out).unwrap();
/// assert_eq!(out, "新聞\n第一段\"引號\"\n第二段\n下一行\n");
///
/// let mut ex = Extractor::new();
/// let mut out = String::new();
/// ex.push("<?xml version=\"1.0\"?><rss><channel><item><title>標題</title>", &mut out).unwrap();
/// ex.push("<link>http://example.com/1</link>", &mut out).unwrap();
/// ex.push("<description><![CDATA[<p>第一段</p><p>第二段</p>]]></description>", &mut out).unwrap();
/// ex.push("</item></channel></rss>", &mut out).unwrap();
/// ex.finish(&mut out).unwrap();
/// assert_eq!(out, "標題\n第一段\n第二段\n");
/// ```
pub struct Extractor {
    inner: Inner,
}

enum Inner {
    /// The start of the input, until [`sniff`] decides.
    Sniffing(String),
    Html(HtmlText),
    Feed(Box<Feed>),
    /// Finished or failed.
    Spent,
}

/// What the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Feed,
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl Extractor {
    /// An extractor at the start of a page.
    pub fn new() -> Self {
        Extractor {
            inner: Inner::Sniffing(String::new()),
        }
    }

    /// Reads the next piece of the page, appending the text found to `out`
    /// (a line may be continued by the next piece).
    pub fn push(&mut self, html: &str, out: &mut String) -> Result<(), HtmlError> {
        let result = match &mut self.inner {
            Inner::Sniffing(buf) => {
                buf.push_str(html);
                match sniff(buf, false) {
                    Some(kind) => self.start(kind, out),
                    None => Ok(()),
                }
            }
            Inner::Html(h) => h.push(html, out),
            Inner::Feed(f) => f.push(html, out),
            Inner::Spent => Err(HtmlError::spent()),
        };
        if result.is_err() {
            self.inner = Inner::Spent;
        }
        result
    }

    /// Ends the page: the last line is ended and appended.
    pub fn finish(mut self, out: &mut String) -> Result<HtmlStats, HtmlError> {
        if let Inner::Sniffing(buf) = &self.inner {
            let kind = sniff(buf, true).unwrap_or(Kind::Html);
            self.start(kind, out)?;
        }
        match std::mem::replace(&mut self.inner, Inner::Spent) {
            Inner::Html(h) => h.finish(out),
            Inner::Feed(f) => f.finish(out),
            Inner::Sniffing(_) | Inner::Spent => Err(HtmlError::spent()),
        }
    }

    /// Leaves sniffing: the input held so far goes to the chosen reader.
    fn start(&mut self, kind: Kind, out: &mut String) -> Result<(), HtmlError> {
        let Inner::Sniffing(buf) = std::mem::replace(&mut self.inner, Inner::Spent) else {
            return Ok(());
        };
        match kind {
            Kind::Html => {
                let mut h = HtmlText::new();
                h.push(&buf, out)?;
                self.inner = Inner::Html(h);
            }
            Kind::Feed => {
                let mut f = Box::new(Feed::new());
                f.push(buf.strip_prefix('\u{FEFF}').unwrap_or(&buf), out)?;
                self.inner = Inner::Feed(f);
            }
        }
        Ok(())
    }
}

/// Whether the input starting with `buf` is a feed: its root element, after
/// a byte order mark, whitespace, processing instructions (the XML
/// declaration among them), comments and a doctype, is `rss`, `feed` or
/// `rdf:RDF` (any case). `None` while that cannot be told yet; only the
/// first [`MAX_SNIFF`] bytes count, so the answer does not depend on how
/// the input was cut.
fn sniff(buf: &str, last: bool) -> Option<Kind> {
    let mut end = buf.len().min(MAX_SNIFF);
    while !buf.is_char_boundary(end) {
        end -= 1;
    }
    let capped = end < buf.len() || end == MAX_SNIFF;
    let s = &buf[..end];
    let undecided = if last || capped {
        Some(Kind::Html)
    } else {
        None
    };
    let mut rest = s.strip_prefix('\u{FEFF}').unwrap_or(s);
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.is_empty() {
            return undecided;
        }
        let close = if rest.starts_with("<?") {
            "?>"
        } else if rest.starts_with("<!--") {
            "-->"
        } else if rest.starts_with("<!") && rest.len() > 2 {
            ">"
        } else if let Some(tag) = rest.strip_prefix('<') {
            let n = tag
                .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .unwrap_or(tag.len());
            if n == tag.len() {
                return undecided;
            }
            let name = &tag[..n];
            let feed = ["rss", "feed", "rdf:rdf"]
                .iter()
                .any(|f| name.eq_ignore_ascii_case(f));
            return Some(if feed { Kind::Feed } else { Kind::Html });
        } else {
            return Some(Kind::Html);
        };
        let from = if close == "-->" { 4 } else { 2 };
        let end = if close == ">" {
            // A doctype's internal subset holds `>` between brackets.
            let mut depth = 0u32;
            rest[from..].find(|c| {
                match c {
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                c == '>' && depth == 0
            })
        } else {
            rest[from..].find(close)
        };
        match end {
            Some(i) => rest = &rest[from + i + close.len()..],
            None => return undecided,
        }
    }
}

/// Where the feed tokenizer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Text,
    /// After `<`.
    Lt,
    /// After `<!`, the next characters in `look`.
    Bang,
    /// `<!--` seen; the number of `-` just before (at most 2).
    Comment(u8),
    /// `<![CDATA[` seen; the number of `]` just before, held back.
    Cdata(u8),
    /// `<?` seen; whether `?` was just before.
    Pi(bool),
    /// `<!DOCTYPE` and the like; the depth of `[` brackets.
    Decl(u32),
    /// A start or end tag, into `tag`.
    Tag,
}

/// How the content of a [`FEED_TEXTS`] element is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// Escaped HTML (RSS, Atom `type="html"`, `mode="escaped"`): text is
    /// decoded once into markup, CDATA is markup, child tags are markup.
    Html,
    /// Atom `type="xhtml"`: the child elements are the markup, text and
    /// CDATA are text.
    Xhtml,
    /// Atom `type="text"`: text and CDATA are text, tags are ignored.
    Plain,
}

/// What the feed reader is inside of.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Feed structure: every tag ends a line; text and CDATA are read as
    /// HTML text (text not decoded first, CDATA as markup).
    Structure,
    /// A dropped element, by name, and how many of that name are open.
    Skip(String, u32),
    /// A text element, by name, how many of that name are open, and how
    /// its content is read.
    Text(String, u32, How),
}

/// The feed reader: an XML tokenizer forgiving enough for real feeds,
/// handing each element's text to a fresh [`HtmlText`].
struct Feed {
    tok: Tok,
    mode: Mode,
    /// Characters after `<!`, until they tell a comment, CDATA or other.
    look: String,
    /// The tag being read, without `<` and `>` (and without `/` for an end
    /// tag), at most [`MAX_TAG`] bytes of it.
    tag: String,
    end_tag: bool,
    quote: Option<char>,
    after_eq: bool,
    /// Text (raw) or CDATA content read but not yet handed on.
    pending: String,
    /// Decodes text in [`How::Html`] elements, one level.
    decoder: EntityDecoder,
    /// The extraction of the current element's text.
    nested: Option<HtmlText>,
    stats: HtmlStats,
}

impl Feed {
    fn new() -> Self {
        Feed {
            tok: Tok::Text,
            mode: Mode::Structure,
            look: String::new(),
            tag: String::new(),
            end_tag: false,
            quote: None,
            after_eq: false,
            pending: String::new(),
            decoder: EntityDecoder::new(EntityMode::Attribute),
            nested: None,
            stats: HtmlStats::default(),
        }
    }

    fn push(&mut self, text: &str, out: &mut String) -> Result<(), HtmlError> {
        for c in text.chars() {
            self.char(c, out)?;
        }
        match self.tok {
            Tok::Text => self.flush_text(false, out),
            Tok::Cdata(_) => self.flush_cdata(out),
            _ => Ok(()),
        }
    }

    fn finish(mut self, out: &mut String) -> Result<HtmlStats, HtmlError> {
        match self.tok {
            Tok::Text => self.flush_text(true, out)?,
            Tok::Cdata(brackets) => {
                for _ in 0..brackets {
                    self.pending.push(']');
                }
                self.flush_cdata(out)?;
            }
            _ => {}
        }
        self.boundary(out)?;
        Ok(self.stats)
    }

    fn char(&mut self, c: char, out: &mut String) -> Result<(), HtmlError> {
        match self.tok {
            Tok::Text => {
                if c == '<' {
                    self.flush_text(true, out)?;
                    self.tok = Tok::Lt;
                } else {
                    self.pending.push(c);
                }
            }
            Tok::Lt => match c {
                '!' => {
                    self.look.clear();
                    self.tok = Tok::Bang;
                }
                '?' => self.tok = Tok::Pi(false),
                '/' => self.begin_tag(true),
                c if c.is_alphabetic() || c == '_' || c == ':' => {
                    self.begin_tag(false);
                    self.tag.push(c);
                }
                c => {
                    // Not markup: the `<` was text.
                    self.tok = Tok::Text;
                    self.pending.push_str("&lt;");
                    self.char(c, out)?;
                }
            },
            Tok::Bang => {
                self.look.push(c);
                if self.look == "--" {
                    self.tok = Tok::Comment(0);
                } else if self.look == "[CDATA[" {
                    self.tok = Tok::Cdata(0);
                } else if !"--".starts_with(&self.look) && !"[CDATA[".starts_with(&self.look) {
                    self.tok = Tok::Decl(0);
                    for c in std::mem::take(&mut self.look).chars() {
                        self.char(c, out)?;
                    }
                }
            }
            Tok::Comment(dashes) => {
                self.tok = match c {
                    '-' => Tok::Comment((dashes + 1).min(2)),
                    '>' if dashes == 2 => Tok::Text,
                    _ => Tok::Comment(0),
                }
            }
            Tok::Cdata(brackets) => match c {
                ']' if brackets == 2 => self.pending.push(']'),
                ']' => self.tok = Tok::Cdata(brackets + 1),
                '>' if brackets == 2 => {
                    self.flush_cdata(out)?;
                    self.tok = Tok::Text;
                }
                c => {
                    for _ in 0..brackets {
                        self.pending.push(']');
                    }
                    self.pending.push(c);
                    self.tok = Tok::Cdata(0);
                }
            },
            Tok::Pi(question) => {
                self.tok = match c {
                    '>' if question => Tok::Text,
                    c => Tok::Pi(c == '?'),
                }
            }
            Tok::Decl(depth) => {
                self.tok = match c {
                    '[' => Tok::Decl(depth.saturating_add(1)),
                    ']' => Tok::Decl(depth.saturating_sub(1)),
                    '>' if depth == 0 => Tok::Text,
                    _ => Tok::Decl(depth),
                }
            }
            Tok::Tag => {
                if let Some(q) = self.quote {
                    if c == q {
                        self.quote = None;
                    }
                } else if c == '>' {
                    self.tok = Tok::Text;
                    return self.on_tag(out);
                } else if (c == '"' || c == '\'') && self.after_eq {
                    self.quote = Some(c);
                } else if c == '=' {
                    self.after_eq = true;
                } else if !c.is_ascii_whitespace() {
                    self.after_eq = false;
                }
                if self.tag.len() < MAX_TAG {
                    self.tag.push(c);
                }
            }
        }
        Ok(())
    }

    fn begin_tag(&mut self, end: bool) {
        self.tok = Tok::Tag;
        self.tag.clear();
        self.end_tag = end;
        self.quote = None;
        self.after_eq = false;
    }

    /// Hands on the text read so far; `end`: the text node ends here.
    fn flush_text(&mut self, end: bool, out: &mut String) -> Result<(), HtmlError> {
        let mut text = std::mem::take(&mut self.pending);
        if let Mode::Text(_, _, How::Html) = self.mode {
            let mut decoded = String::with_capacity(text.len());
            self.stats.entities += self.decoder.push(&text, &mut decoded);
            if end {
                self.stats.entities += self.decoder.finish(&mut decoded);
            }
            self.emit(&decoded, out)?;
        } else {
            self.emit(&text, out)?;
        }
        text.clear();
        self.pending = text;
        Ok(())
    }

    /// Hands on CDATA content read so far (the `]` held back stay).
    fn flush_cdata(&mut self, out: &mut String) -> Result<(), HtmlError> {
        let mut text = std::mem::take(&mut self.pending);
        match self.mode {
            Mode::Text(_, _, How::Xhtml | How::Plain) => {
                let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
                self.emit(&escaped, out)?;
            }
            _ => self.emit(&text, out)?,
        }
        text.clear();
        self.pending = text;
        Ok(())
    }

    /// Hands a piece of HTML to the current element's extraction.
    fn emit(&mut self, html: &str, out: &mut String) -> Result<(), HtmlError> {
        if matches!(self.mode, Mode::Skip(..)) {
            return Ok(());
        }
        let nested = match &mut self.nested {
            Some(n) => n,
            // Leading whitespace would give nothing anyway.
            None if super::is_blank(html) => return Ok(()),
            None => self.nested.insert(HtmlText::new()),
        };
        nested.push(html, out)
    }

    /// Ends the current element's extraction, and so its last line.
    fn boundary(&mut self, out: &mut String) -> Result<(), HtmlError> {
        if let Some(n) = self.nested.take() {
            let stats = n.finish(out)?;
            self.stats += stats;
        }
        Ok(())
    }

    fn on_tag(&mut self, out: &mut String) -> Result<(), HtmlError> {
        let tag = std::mem::take(&mut self.tag);
        let n = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..n].to_ascii_lowercase();
        let self_closing = !self.end_tag && tag.trim_end().ends_with('/');
        let opens = !self.end_tag && !self_closing;
        match &mut self.mode {
            Mode::Skip(open, depth) => {
                if *open == name {
                    if opens {
                        *depth += 1;
                    } else if self.end_tag {
                        *depth -= 1;
                        if *depth == 0 {
                            self.mode = Mode::Structure;
                        }
                    }
                }
            }
            Mode::Text(open, depth, how) => {
                let how = *how;
                if *open == name {
                    if opens {
                        *depth += 1;
                    } else if self.end_tag {
                        *depth -= 1;
                        if *depth == 0 {
                            self.mode = Mode::Structure;
                            self.tag = tag;
                            return self.boundary(out);
                        }
                    }
                }
                if how != How::Plain {
                    let raw = format!("<{}{tag}>", if self.end_tag { "/" } else { "" });
                    self.emit(&raw, out)?;
                }
            }
            Mode::Structure => {
                self.boundary(out)?;
                if opens && !name.is_empty() {
                    if FEED_DROPPED.contains(&name.as_str())
                        || FEED_DROPPED_PREFIXES.iter().any(|p| name.starts_with(p))
                    {
                        self.stats.dropped_elements += 1;
                        self.mode = Mode::Skip(name, 1);
                    } else if FEED_TEXTS.contains(&name.as_str()) {
                        self.mode = match how_of(&tag[n..]) {
                            Some(how) => Mode::Text(name, 1, how),
                            None => {
                                self.stats.dropped_elements += 1;
                                Mode::Skip(name, 1)
                            }
                        };
                    }
                }
            }
        }
        self.tag = tag;
        Ok(())
    }
}

/// How a text element with these attributes is read; `None` for base64.
fn how_of(attrs: &str) -> Option<How> {
    let (mut kind, mut mode) = (None, None);
    for (name, value) in attributes(attrs) {
        if name.eq_ignore_ascii_case("type") && kind.is_none() {
            kind = Some(value.trim().to_ascii_lowercase());
        } else if name.eq_ignore_ascii_case("mode") && mode.is_none() {
            mode = Some(value.trim().to_ascii_lowercase());
        }
    }
    match (mode.as_deref(), kind.as_deref()) {
        (Some("base64"), _) => None,
        (Some("escaped"), _) => Some(How::Html),
        (_, Some("text" | "text/plain")) => Some(How::Plain),
        (Some("xml"), _) | (_, Some("xhtml" | "application/xhtml+xml")) => Some(How::Xhtml),
        _ => Some(How::Html),
    }
}

/// The attributes of a tag (what follows its name), values as written.
fn attributes(mut s: &str) -> impl Iterator<Item = (&str, &str)> {
    std::iter::from_fn(move || {
        s = s.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if s.is_empty() {
            return None;
        }
        let n = s
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len())
            .max(1.min(s.len()));
        let name = &s[..n];
        s = s[n..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let Some(rest) = s.strip_prefix('=') else {
            return Some((name, ""));
        };
        s = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let value = match s.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &s[1..];
                let end = body.find(q).unwrap_or(body.len());
                s = body.get(end + 1..).unwrap_or("");
                &body[..end]
            }
            _ => {
                let end = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
                let v = &s[..end];
                s = &s[end..];
                v
            }
        };
        Some((name, value))
    })
}
