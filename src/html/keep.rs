//! Keep mode: the page as it is, its readable text transformed.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lol_html::html_content::{Comment, ContentType, Element, TextChunk, TextType};
use lol_html::{doc_comments, doc_text, element, HandlerResult, HtmlRewriter, Settings};

use super::charset::{is_utf8_label, rewrite_content_type, rewrite_xml_declaration, UTF8};
use super::{
    is_blank, memory_settings, HtmlError, HtmlStats, SharedSink, TextKind, Transform, MAX_TEXT_NODE,
};

/// Streaming keep-mode rewriter (see the [module documentation](super)).
///
/// ```
/// use zhnorm::html::{Rewriter, TextKind};
///
/// let mut rw = Rewriter::new(Box::new(|text: &str, _: TextKind, out: &mut String| {
///     out.push_str(&text.replace('體', "体"));
/// }));
/// let mut out = String::new();
/// rw.push("<meta charset=big5><p title='字體'>字", &mut out).unwrap();
/// rw.push("體</p><script>'體'</script>", &mut out).unwrap();
/// let stats = rw.finish(&mut out).unwrap();
/// assert_eq!(
///     out,
///     "<meta charset=\"utf-8\"><p title='字体'>字体</p><script>'體'</script>"
/// );
/// assert_eq!((stats.text_nodes, stats.attributes, stats.charset_rewritten), (1, 1, 1));
/// ```
pub struct Rewriter<'t> {
    /// `None` once finished or failed. Boxed: lol_html's rewriter is large,
    /// and callers keep this in their own state.
    html: Option<Box<HtmlRewriter<'t, SharedSink>>>,
    sink: SharedSink,
    shared: Rc<Shared<'t>>,
    level: Rc<RefCell<Level<'t>>>,
    started: bool,
}

impl<'t> Rewriter<'t> {
    /// A rewriter that passes readable text through `transform`, which is
    /// given the text and what it is, and appends the replacement to the
    /// `String` it is given.
    pub fn new(transform: Transform<'t>) -> Self {
        let shared = Rc::new(Shared {
            transform: RefCell::new(transform),
            stats: Cell::new(HtmlStats::default()),
            source: RefCell::new(Source::default()),
        });
        let level = Rc::new(RefCell::new(Level::new(true)));
        let sink = SharedSink::default();
        let html = HtmlRewriter::new(settings(&shared, &level), sink.clone());
        Rewriter {
            html: Some(Box::new(html)),
            sink,
            shared,
            level,
            started: false,
        }
    }

    /// Rewrites the next piece of the page, appending what is final to
    /// `out`. Text held back (an unfinished tag or text node) comes out with
    /// a later piece or at [`finish`](Self::finish).
    pub fn push(&mut self, html: &str, out: &mut String) -> Result<(), HtmlError> {
        let rw = self.html.as_mut().ok_or_else(HtmlError::spent)?;
        if !self.started && !html.is_empty() {
            self.started = true;
            if html.starts_with('\u{FEFF}') {
                self.level.borrow_mut().doc_start = '\u{FEFF}'.len_utf8();
            }
        }
        self.shared.source.borrow_mut().push(html.as_bytes());
        if let Err(e) = rw.write(html.as_bytes()) {
            self.html = None;
            return Err(e.into());
        }
        self.shared.source.borrow_mut().trim();
        self.sink.drain_into(out, false);
        Ok(())
    }

    /// Ends the page: everything held back is rewritten and appended.
    pub fn finish(mut self, out: &mut String) -> Result<HtmlStats, HtmlError> {
        let rw = self.html.take().ok_or_else(HtmlError::spent)?;
        rw.end()?;
        self.sink.drain_into(out, true);
        Ok(self.shared.stats.get())
    }
}

/// What the document and a `<noscript>` re-parsed inside it share.
struct Shared<'t> {
    transform: RefCell<Transform<'t>>,
    stats: Cell<HtmlStats>,
    /// The document's recent source, so that a start tag whose attribute
    /// changes can be rewritten in its own bytes (see [`rebuild_tag`]).
    source: RefCell<Source>,
}

/// The last stretch of the document's source: bytes `base..` of it.
#[derive(Default)]
struct Source {
    base: usize,
    bytes: Vec<u8>,
}

impl Source {
    /// Source kept behind the newest byte. A start tag still being parsed
    /// when its bytes fall out of it is rewritten by lol_html instead.
    const KEEP: usize = 256 * 1024;

    fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// Forgets all but the last [`Source::KEEP`] bytes.
    fn trim(&mut self) {
        if self.bytes.len() > 2 * Self::KEEP {
            let drop = self.bytes.len() - Self::KEEP;
            self.bytes.drain(..drop);
            self.base += drop;
        }
    }

    /// Bytes `range` of the document, if still kept.
    fn get(&self, range: std::ops::Range<usize>) -> Option<&[u8]> {
        let start = range.start.checked_sub(self.base)?;
        let end = range.end.checked_sub(self.base)?;
        self.bytes.get(start..end)
    }
}

impl Shared<'_> {
    fn transform(&self, text: &str, kind: TextKind, out: &mut String) {
        (self.transform.borrow_mut())(text, kind, out);
        let mut stats = self.stats.get();
        match kind {
            TextKind::Node => stats.text_nodes += 1,
            TextKind::Attribute => stats.attributes += 1,
        }
        self.stats.set(stats);
    }

    fn count_charset(&self) {
        let mut stats = self.stats.get();
        stats.charset_rewritten += 1;
        self.stats.set(stats);
    }
}

/// The state of one parse: the document, or a `<noscript>`'s content.
struct Level<'t> {
    /// The document proper, where `<noscript>` content is parsed again.
    top: bool,
    /// Where the document's first token starts (after a byte order mark).
    doc_start: usize,
    /// The text node so far, when it came in several chunks.
    text: String,
    /// The last start tag was `<noscript>`, so raw text is its content.
    in_noscript: bool,
    /// The parse of the current `<noscript>`'s content.
    nested: Option<Nested<'t>>,
}

impl Level<'_> {
    fn new(top: bool) -> Self {
        Level {
            top,
            doc_start: 0,
            text: String::new(),
            in_noscript: false,
            nested: None,
        }
    }
}

/// A rewriter over a `<noscript>`'s content, fed as the content arrives.
struct Nested<'t> {
    html: HtmlRewriter<'t, SharedSink>,
    sink: SharedSink,
}

fn settings<'t>(shared: &Rc<Shared<'t>>, level: &Rc<RefCell<Level<'t>>>) -> Settings<'t, 'static> {
    let (s1, l1) = (Rc::clone(shared), Rc::clone(level));
    let (s2, l2) = (Rc::clone(shared), Rc::clone(level));
    let mut settings = Settings::new()
        .with_strict(false)
        .with_memory_settings(memory_settings())
        .append_element_content_handler(element!("*", move |el| on_element(&s1, &l1, el)))
        .append_document_content_handler(doc_text!(move |chunk| on_text(&s2, &l2, chunk)));
    if level.borrow().top {
        let (s3, l3) = (Rc::clone(shared), Rc::clone(level));
        settings = settings
            .append_document_content_handler(doc_comments!(move |c| { on_comment(&s3, &l3, c) }));
    }
    settings
}

fn on_text<'t>(
    shared: &Rc<Shared<'t>>,
    level: &Rc<RefCell<Level<'t>>>,
    chunk: &mut TextChunk<'_>,
) -> HandlerResult {
    let mut lv = level.borrow_mut();
    match chunk.text_type() {
        TextType::Data | TextType::RCData => {}
        TextType::RawText if lv.top && lv.in_noscript => {
            return on_noscript(shared, &mut lv, chunk)
        }
        _ => return Ok(()),
    }
    let last = chunk.last_in_text_node();
    if last && lv.text.is_empty() && chunk.as_str().len() < MAX_TEXT_NODE {
        // The whole node in one chunk, the usual case: no copy.
        let text = chunk.as_str();
        if !is_blank(text) {
            let mut out = String::with_capacity(text.len() + text.len() / 8);
            shared.transform(text, TextKind::Node, &mut out);
            chunk.set_str(out);
        }
        return Ok(());
    }
    lv.text.push_str(chunk.as_str());
    if !last && lv.text.len() < MAX_TEXT_NODE {
        // Held back; the chunk's place in the output is taken by the
        // transformed node at its last chunk.
        chunk.remove();
        return Ok(());
    }
    let mut out = String::new();
    while lv.text.len() >= MAX_TEXT_NODE || (last && !lv.text.is_empty()) {
        let cut = if lv.text.len() >= MAX_TEXT_NODE {
            cut_point(&lv.text, MAX_TEXT_NODE)
        } else {
            lv.text.len()
        };
        let piece = &lv.text[..cut];
        if is_blank(piece) {
            out.push_str(piece);
        } else {
            shared.transform(piece, TextKind::Node, &mut out);
        }
        lv.text.drain(..cut);
    }
    chunk.set_str(out);
    Ok(())
}

/// Where to cut an over-long text node at most `limit` bytes in: after the
/// last line break in the second half if there is one, else before a
/// trailing `&` that may start a reference, else at a character boundary.
fn cut_point(text: &str, limit: usize) -> usize {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let bytes = &text.as_bytes()[..end];
    if let Some(nl) = memchr::memrchr(b'\n', &bytes[end / 2..]) {
        return end / 2 + nl + 1;
    }
    let tail = end.saturating_sub(64);
    match memchr::memrchr(b'&', &bytes[tail..]) {
        Some(amp) if tail + amp > 0 => tail + amp,
        _ => end,
    }
}

/// `<noscript>` content, raw text to the tokenizer: fed to a rewriter of its
/// own, whose output replaces it.
fn on_noscript<'t>(
    shared: &Rc<Shared<'t>>,
    lv: &mut Level<'t>,
    chunk: &mut TextChunk<'_>,
) -> HandlerResult {
    let last = chunk.last_in_text_node();
    if lv.nested.is_none() {
        if last && chunk.as_str().is_empty() {
            return Ok(());
        }
        let level = Rc::new(RefCell::new(Level::new(false)));
        let sink = SharedSink::default();
        let html = HtmlRewriter::new(settings(shared, &level), sink.clone());
        lv.nested = Some(Nested { html, sink });
    }
    let mut out = String::new();
    if let Some(nested) = lv.nested.as_mut() {
        nested.html.write(chunk.as_str().as_bytes())?;
        nested.sink.drain_into(&mut out, false);
    }
    if last {
        if let Some(nested) = lv.nested.take() {
            nested.html.end()?;
            nested.sink.drain_into(&mut out, true);
        }
    }
    chunk.set_str(out);
    Ok(())
}

/// Attributes of one start tag that matter here (first occurrences only).
#[derive(Default)]
struct Attrs {
    readable: Vec<(&'static str, String)>,
    charset: Option<String>,
    http_equiv: Option<String>,
    content: Option<String>,
    name: Option<String>,
    property: Option<String>,
}

/// Readable attributes on any element.
const READABLE: [&str; 4] = ["title", "alt", "placeholder", "aria-label"];

/// `<meta name>` values whose `content` is prose.
const META_NAMES: [&str; 4] = [
    "description",
    "keywords",
    "twitter:title",
    "twitter:description",
];

/// `<meta property>` values whose `content` is prose.
const META_PROPERTIES: [&str; 3] = ["og:title", "og:description", "og:site_name"];

fn on_element<'t>(
    shared: &Rc<Shared<'t>>,
    level: &Rc<RefCell<Level<'t>>>,
    el: &mut Element<'_, '_>,
) -> HandlerResult {
    let tag = el.tag_name();
    level.borrow_mut().in_noscript = tag == "noscript";
    let is_meta = tag == "meta";
    let has_label = matches!(tag.as_str(), "option" | "optgroup" | "track");

    let mut attrs = Attrs::default();
    for attr in el.attributes() {
        let name = attr.name();
        let slot = match name.as_str() {
            "charset" if is_meta => &mut attrs.charset,
            "http-equiv" if is_meta => &mut attrs.http_equiv,
            "content" if is_meta => &mut attrs.content,
            "name" if is_meta => &mut attrs.name,
            "property" if is_meta => &mut attrs.property,
            "label" if has_label => {
                if !attrs.readable.iter().any(|(n, _)| *n == "label") {
                    attrs.readable.push(("label", attr.value()));
                }
                continue;
            }
            n => {
                if let Some(&known) = READABLE.iter().find(|&&r| r == n) {
                    if !attrs.readable.iter().any(|(n, _)| *n == known) {
                        attrs.readable.push((known, attr.value()));
                    }
                }
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some(attr.value());
        }
    }

    let mut changes: Vec<(&str, String)> = Vec::new();
    for (name, value) in &attrs.readable {
        transform_attribute(shared, name, value, &mut changes);
    }
    if is_meta {
        if let Some(charset) = &attrs.charset {
            if !is_utf8_label(charset) {
                changes.push(("charset", UTF8.to_owned()));
                shared.count_charset();
            }
        }
        let content = attrs.content.as_deref().unwrap_or("");
        let is_content_type = attrs
            .http_equiv
            .as_deref()
            .is_some_and(|h| h.trim().eq_ignore_ascii_case("content-type"));
        let is = |value: &Option<String>, list: &[&str]| {
            value
                .as_deref()
                .is_some_and(|v| list.iter().any(|n| v.trim().eq_ignore_ascii_case(n)))
        };
        if is_content_type {
            if let Some(rewritten) = rewrite_content_type(content) {
                changes.push(("content", rewritten));
                shared.count_charset();
            }
        } else if is(&attrs.name, &META_NAMES) || is(&attrs.property, &META_PROPERTIES) {
            transform_attribute(shared, "content", content, &mut changes);
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let top = level.borrow().top;

    if let Some(tag) = top
        .then(|| rebuild_tag(&shared.source.borrow(), el, &changes))
        .flatten()
    {
        el.start_tag().replace(&tag, ContentType::Html);
        return Ok(());
    }
    for (name, value) in &changes {
        el.set_attribute(name, value)?;
    }
    Ok(())
}

/// The start tag's own source with the changed attribute values put in,
/// so that everything else in it (line breaks between attributes, quote
/// style, other values) stays as it was; lol_html would write the whole
/// tag out anew. `None` when the tag's bytes are no longer kept (a tag
/// over [`Source::KEEP`] long), which leaves the job to lol_html.
fn rebuild_tag(
    source: &Source,
    el: &mut Element<'_, '_>,
    changes: &[(&str, String)],
) -> Option<String> {
    let span = el.start_tag().source_location().bytes();
    let tag = std::str::from_utf8(source.get(span.clone())?).ok()?;
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::with_capacity(changes.len());
    for (name, value) in changes {
        let attr = el.attributes().iter().find(|a| a.name() == *name)?;
        let at = attr.value_source_location()?.bytes();
        let range = at.start.checked_sub(span.start)?..at.end.checked_sub(span.start)?;
        let before = tag.as_bytes().get(range.start.checked_sub(1)?)?;
        let text = match before {
            b'"' => value.replace('"', "&quot;"),
            b'\'' => value.replace('\'', "&#39;"),
            // Unquoted before: quoted now, since the new value may hold
            // spaces.
            _ => format!("\"{}\"", value.replace('"', "&quot;")),
        };
        edits.push((range, text));
    }
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(tag.len() + 16);
    let mut at = 0;
    for (range, text) in edits {
        out.push_str(tag.get(at..range.start)?);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(tag.get(at..)?);
    Some(out)
}

/// Hands one attribute value to the transform and notes the new value if
/// it changed: an unchanged tag stays byte for byte.
fn transform_attribute<'n>(
    shared: &Shared<'_>,
    name: &'n str,
    value: &str,
    changes: &mut Vec<(&'n str, String)>,
) {
    if is_blank(value) {
        return;
    }
    let mut out = String::with_capacity(value.len());
    shared.transform(value, TextKind::Attribute, &mut out);
    if out != value {
        changes.push((name, out));
    }
}

/// An XML declaration opening the document reaches the tokenizer as a bogus
/// comment, `<?xml ... ?>`; it is written back with its encoding changed.
///
/// A CDATA section (feeds wrap descriptions in them) is a bogus comment to
/// an HTML tokenizer too, ending at the first `>`. Holding markup, the
/// section is cut there and the rest is read as the page's own markup and
/// text, rewritten as such; holding plain text, the whole section is one
/// comment, whose content goes through a rewriter of its own like
/// `<noscript>` content.
fn on_comment<'t>(
    shared: &Rc<Shared<'t>>,
    level: &RefCell<Level<'t>>,
    c: &mut Comment<'_>,
) -> HandlerResult {
    let span = c.source_location().bytes();
    let text = c.text();
    if let Some(inner) = text
        .strip_prefix("[CDATA[")
        .and_then(|t| t.strip_suffix("]]"))
    {
        // `<!` + text + `>`: a section cut off by the end of the input is
        // left as it is.
        if span.len() == text.len() + 3 {
            let nested = Rc::new(RefCell::new(Level::new(false)));
            let sink = SharedSink::default();
            let mut html = HtmlRewriter::new(settings(shared, &nested), sink.clone());
            html.write(inner.as_bytes())?;
            html.end()?;
            let mut out = String::from("<![CDATA[");
            sink.drain_into(&mut out, true);
            // The content cannot end the section early.
            let body = out.split_off("<![CDATA[".len()).replace("]]>", "]]&gt;");
            out.push_str(&body);
            out.push_str("]]>");
            c.replace(&out, ContentType::Html);
        }
        return Ok(());
    }
    if span.start != level.borrow().doc_start {
        return Ok(());
    }
    let Some(decl) = rewrite_xml_declaration(&text) else {
        return Ok(());
    };
    // `<` + text + `>`, unless the input ended before the `>`.
    let closed = span.len() == text.len() + 2;
    let end = if closed { ">" } else { "" };
    c.replace(&format!("<{decl}{end}"), ContentType::Html);
    shared.count_charset();
    Ok(())
}
