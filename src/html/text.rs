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

/// Streaming text extractor (see the [module documentation](super)).
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
/// ```
pub struct Extractor {
    /// `None` once finished or failed. Boxed: lol_html's rewriter is large,
    /// and callers keep this in their own state.
    html: Option<Box<Discarding>>,
    state: Rc<RefCell<State>>,
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl Extractor {
    /// An extractor at the start of a page.
    pub fn new() -> Self {
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
        Extractor {
            html: Some(Box::new(HtmlRewriter::new(settings, discard))),
            state,
        }
    }

    /// Reads the next piece of the page, appending the text found to `out`
    /// (a line may be continued by the next piece).
    pub fn push(&mut self, html: &str, out: &mut String) -> Result<(), HtmlError> {
        let rw = self.html.as_mut().ok_or_else(HtmlError::spent)?;
        if let Err(e) = rw.write(html.as_bytes()) {
            self.html = None;
            return Err(e.into());
        }
        out.push_str(&self.state.borrow().out);
        self.state.borrow_mut().out.clear();
        Ok(())
    }

    /// Ends the page: the last line is ended and appended.
    pub fn finish(mut self, out: &mut String) -> Result<HtmlStats, HtmlError> {
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
