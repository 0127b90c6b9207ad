//! Decoded text to final text: cleanup, HTML handling and conversion wired
//! together for one input.
//!
//! [`Pipeline`] is what the command line runs for every input, and what a
//! caller embedding zhnorm should use rather than chaining the stages by
//! hand: it picks plain-text or HTML handling from the first text it sees
//! ([`Format::Auto`]), holds lines back only where a stage needs a
//! document-wide verdict, and counts what each step changed.
//!
//! * Plain text: [`Cleaner`] (entities, mojibake, pinyin, tidy) then the
//!   converter.
//! * HTML, [`HtmlMode::Keep`]: the markup is kept; every text node and
//!   readable attribute goes through the same steps one by one, inside
//!   [`html::Rewriter`]. The pinyin verdict is taken over the whole page
//!   before the rewriter sees it, because a single text node is too small
//!   to show the pattern.
//! * HTML, [`HtmlMode::Text`]: [`html::Extractor`] turns the page into
//!   lines of readable text (character references decoded there), which
//!   then take the plain-text path.

use std::cell::RefCell;
use std::rc::Rc;

use crate::clean::entities::{EntityDecoder, EntityMode};
use crate::clean::pinyin::{self, Evidence, Verdict};
use crate::clean::tidy;
use crate::clean::{self, mojibake, CleanOptions, CleanStats, Cleaner};
use crate::convert::{Converter, StreamConverter};
use crate::html::{self, HtmlError, HtmlStats, TextKind};

/// How the input is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// HTML if the beginning of the text looks like markup, else text.
    #[default]
    Auto,
    /// Plain text, whatever it looks like.
    Text,
    /// HTML.
    Html,
}

/// What becomes of HTML input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HtmlMode {
    /// The page stays a page: only its text is cleaned and converted.
    #[default]
    Keep,
    /// Only the readable text of the page, one block per line.
    Text,
}

/// Everything that decides how one input's text is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Cleanup steps.
    pub clean: CleanOptions,
    /// Plain text or HTML.
    pub format: Format,
    /// Markup kept, or text extracted.
    pub html: HtmlMode,
}

impl Options {
    /// No cleanup, input read as plain text: conversion alone.
    pub fn convert_only() -> Self {
        Options {
            clean: CleanOptions::none(),
            format: Format::Text,
            html: HtmlMode::Keep,
        }
    }
}

/// What was done to one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// What each cleanup step changed.
    pub clean: CleanStats,
    /// Whether the input was handled as HTML, and what that changed.
    pub html: Option<HtmlStats>,
}

/// Error from a pipeline: only the HTML stage can fail, on input it
/// cannot parse within its memory limits.
pub type PipelineError = HtmlError;

/// The stages after decoding, for one input.
pub struct Pipeline<'c> {
    options: Options,
    conv: Option<&'c Converter>,
    state: State<'c>,
    scratch: String,
    /// With [`Format::Auto`], the text seen before the format is decided:
    /// the decision looks at the first [`SNIFF_CHARS`] characters, and a
    /// first piece may be shorter (a lone `<!-- saved from -->` line).
    head: String,
}

/// Characters [`clean::looks_like_html`] judges a document by.
const SNIFF_CHARS: usize = 4096;

enum State<'c> {
    /// Nothing seen yet: the format is not known.
    Start,
    /// Plain text, or HTML reduced to text.
    Text(Box<TextStage<'c>>),
    /// HTML with its markup kept.
    Keep(Box<KeepStage<'c>>),
}

impl<'c> Pipeline<'c> {
    /// A pipeline for one input; `conv` is `None` to clean without
    /// converting.
    pub fn new(options: Options, conv: Option<&'c Converter>) -> Self {
        Pipeline {
            options,
            conv,
            state: State::Start,
            scratch: String::new(),
            head: String::new(),
        }
    }

    /// Whether any stage would change text (or the HTML handling would
    /// look at it); when not, callers may skip the pipeline entirely.
    pub fn is_passthrough(&self) -> bool {
        self.conv.is_none() && self.options.clean.is_noop() && self.options.format == Format::Text
    }

    /// Processes the next piece of text, appending what is final to `out`.
    pub fn push(&mut self, text: &str, out: &mut String) -> Result<(), PipelineError> {
        if text.is_empty() {
            return Ok(());
        }
        if matches!(self.state, State::Start) {
            if self.options.format == Format::Auto {
                self.head.push_str(text);
                if self.head.chars().nth(SNIFF_CHARS - 1).is_none() {
                    return Ok(());
                }
                return self.start_with_head(out);
            }
            self.start(text);
        }
        self.push_started(text, out)
    }

    /// Decides the format on the text held so far and passes it on.
    fn start_with_head(&mut self, out: &mut String) -> Result<(), PipelineError> {
        let head = std::mem::take(&mut self.head);
        if head.is_empty() {
            return Ok(());
        }
        self.start(&head);
        self.push_started(&head, out)
    }

    fn push_started(&mut self, text: &str, out: &mut String) -> Result<(), PipelineError> {
        match &mut self.state {
            State::Start => unreachable!("started above"),
            State::Text(stage) => {
                let TextStage {
                    extractor,
                    cleaner,
                    stream,
                } = &mut **stage;
                let scratch = &mut self.scratch;
                scratch.clear();
                match extractor {
                    Some(ex) => {
                        let mut plain = String::new();
                        ex.push(text, &mut plain)?;
                        cleaner.push(&plain, scratch);
                    }
                    None if self.options.clean.is_noop() => {
                        // Nothing to clean: straight on, without a copy.
                        convert(stream, text, out);
                        return Ok(());
                    }
                    None => cleaner.push(text, scratch),
                }
                convert(stream, scratch, out);
            }
            State::Keep(keep) => keep.push(text, out)?,
        }
        Ok(())
    }

    /// Whether finished lines are held back for a document-wide verdict
    /// (see [`Pipeline::settle`]).
    pub fn is_holding(&self) -> bool {
        match &self.state {
            State::Start => !self.head.is_empty(),
            State::Text(stage) => stage.cleaner.is_holding(),
            State::Keep(keep) => !keep.held.is_empty(),
        }
    }

    /// Live input went quiet: let out what is held for a verdict, decided
    /// on what has arrived.
    pub fn settle(&mut self, out: &mut String) -> Result<(), PipelineError> {
        if matches!(self.state, State::Start) {
            self.start_with_head(out)?;
        }
        match &mut self.state {
            State::Start => {}
            State::Text(stage) => {
                self.scratch.clear();
                stage.cleaner.settle(&mut self.scratch);
                convert(&mut stage.stream, &self.scratch, out);
            }
            State::Keep(keep) => keep.release(out)?,
        }
        Ok(())
    }

    /// The input has ended: flush every stage and return the counts.
    pub fn finish(mut self, out: &mut String) -> Result<Stats, PipelineError> {
        if matches!(self.state, State::Start) {
            self.start_with_head(out)?;
        }
        match std::mem::replace(&mut self.state, State::Start) {
            State::Start => Ok(Stats::default()),
            State::Text(stage) => {
                let TextStage {
                    extractor,
                    mut cleaner,
                    mut stream,
                } = *stage;
                self.scratch.clear();
                let mut html = None;
                if let Some(ex) = extractor {
                    let mut plain = String::new();
                    html = Some(ex.finish(&mut plain)?);
                    cleaner.push(&plain, &mut self.scratch);
                }
                let mut clean = cleaner.finish(&mut self.scratch);
                if let Some(h) = &html {
                    // References were decoded by the extractor; they count
                    // the same as anywhere else.
                    clean.entities += h.entities;
                }
                convert(&mut stream, &self.scratch, out);
                if let Some(s) = stream.as_mut() {
                    s.finish(out);
                }
                Ok(Stats { clean, html })
            }
            State::Keep(keep) => keep.finish(out),
        }
    }

    fn start(&mut self, text: &str) {
        let html = match self.options.format {
            Format::Auto => clean::looks_like_html(text),
            Format::Text => false,
            Format::Html => true,
        };
        let stream = self.conv.map(|c| c.stream());
        let opts = self.options.clean;
        self.state = match (html, self.options.html) {
            (false, _) => State::Text(Box::new(TextStage {
                extractor: None,
                cleaner: Cleaner::new(opts),
                stream,
            })),
            (true, HtmlMode::Text) => State::Text(Box::new(TextStage {
                extractor: Some(html::Extractor::new()),
                // The extractor has decoded the references already; a
                // second pass would turn text that shows `&lt;` into `<`.
                cleaner: Cleaner::new(CleanOptions {
                    entities: false,
                    markup: false,
                    ..opts
                }),
                stream,
            })),
            (true, HtmlMode::Keep) => State::Keep(Box::new(KeepStage::new(opts, self.conv))),
        };
    }
}

/// Plain text, or HTML reduced to text first.
struct TextStage<'c> {
    extractor: Option<html::Extractor>,
    cleaner: Cleaner,
    stream: Option<StreamConverter<'c>>,
}

fn convert(stream: &mut Option<StreamConverter<'_>>, text: &str, out: &mut String) {
    match stream {
        Some(s) => s.push(text, out),
        None => out.push_str(text),
    }
}

/// What the rewriter's transform shares with the stage that owns it.
#[derive(Default)]
struct Shared {
    verdict: Verdict,
    stats: CleanStats,
}

/// HTML kept as HTML: the pinyin evidence pass, then the rewriter.
struct KeepStage<'c> {
    rewriter: html::Rewriter<'c>,
    shared: Rc<RefCell<Shared>>,
    evidence: Evidence,
    /// The end of a line not yet observed by the evidence.
    partial: String,
    /// Text held until the evidence decides.
    held: String,
    /// The hold is over: text goes straight to the rewriter.
    passing: bool,
    pinyin: bool,
}

impl<'c> KeepStage<'c> {
    fn new(opts: CleanOptions, conv: Option<&'c Converter>) -> Self {
        let shared = Rc::new(RefCell::new(Shared::default()));
        let inner = Rc::clone(&shared);
        let mut fragment = String::new();
        // Text nodes and attribute values are both raw source text, and are
        // cleaned the same way.
        let transform = move |text: &str, _: TextKind, out: &mut String| {
            let mut shared = inner.borrow_mut();
            let verdict = shared.verdict;
            clean_fragment(text, opts, verdict, &mut shared.stats, &mut fragment);
            match conv {
                Some(c) => c.convert_into(&fragment, out),
                None => out.push_str(&fragment),
            }
        };
        KeepStage {
            rewriter: html::Rewriter::new(Box::new(transform)),
            shared,
            evidence: Evidence::default(),
            partial: String::new(),
            held: String::new(),
            passing: !opts.pinyin,
            pinyin: opts.pinyin,
        }
    }

    fn push(&mut self, text: &str, out: &mut String) -> Result<(), HtmlError> {
        if self.pinyin {
            self.observe(text);
        }
        if self.passing {
            return self.rewriter.push(text, out);
        }
        self.held.push_str(text);
        if self.shared.borrow().verdict.any() || self.held.len() > pinyin::HOLD {
            self.release(out)?;
        }
        Ok(())
    }

    /// Feeds whole lines to the evidence and keeps the verdict current.
    fn observe(&mut self, text: &str) {
        self.partial.push_str(text);
        let Some(end) = self.partial.rfind('\n') else {
            return;
        };
        for line in self.partial[..=end].split_inclusive('\n') {
            self.evidence.observe(line);
        }
        self.partial.drain(..=end);
        self.shared.borrow_mut().verdict = self.evidence.verdict();
    }

    fn release(&mut self, out: &mut String) -> Result<(), HtmlError> {
        self.passing = true;
        let held = std::mem::take(&mut self.held);
        self.rewriter.push(&held, out)
    }

    fn finish(mut self, out: &mut String) -> Result<Stats, HtmlError> {
        if !self.partial.is_empty() {
            self.evidence.observe(&self.partial);
            self.shared.borrow_mut().verdict = self.evidence.verdict();
        }
        self.release(out)?;
        let html = self.rewriter.finish(out)?;
        let clean = self.shared.borrow().stats;
        Ok(Stats {
            clean,
            html: Some(html),
        })
    }
}

/// Runs the cleanup steps over one text node or attribute value of a page
/// kept as HTML, into `out` (cleared first).
fn clean_fragment(
    text: &str,
    opts: CleanOptions,
    verdict: Verdict,
    stats: &mut CleanStats,
    out: &mut String,
) {
    out.clear();
    let mut current = std::borrow::Cow::Borrowed(text);
    if opts.entities {
        // Both arrive as raw source and go back as raw source, so both are
        // decoded keeping markup-significant characters escaped; a value
        // decoded the attribute way would come back with a bare `&`, which
        // the next reader would decode again.
        let mut decoder = EntityDecoder::new(EntityMode::Markup);
        let mut decoded = String::with_capacity(text.len());
        stats.entities += decoder.push(&current, &mut decoded);
        stats.entities += decoder.finish(&mut decoded);
        current = decoded.into();
    }
    if opts.mojibake && opts.tidy.unicode {
        if let std::borrow::Cow::Owned(c) = clean::compose_marks(&current, &mut stats.tidy) {
            current = c.into();
        }
    }
    if opts.mojibake {
        let (fixed, s) = mojibake::repair(&current);
        stats.mojibake.add(&s);
        if let std::borrow::Cow::Owned(fixed) = fixed {
            current = fixed.into();
        }
    }
    if opts.pinyin && verdict.any() {
        let mut stripped = String::with_capacity(current.len());
        for line in current.split_inclusive('\n') {
            pinyin::strip(line, verdict, &mut stripped, &mut stats.pinyin);
        }
        current = stripped.into();
    }
    if opts.tidy.is_noop() {
        out.push_str(&current);
        return;
    }
    // Markdown remnants are a plain-text matter; inside a page a line of
    // pipes may be part of a <pre> block.
    let tidy_opts = tidy::TidyOptions {
        markdown: false,
        ..opts.tidy
    };
    for line in current.split_inclusive('\n') {
        clean::tidy_and_repair(line, &tidy_opts, opts.mojibake, out, stats);
    }
}

/// Cleans and converts whole lines of plain text in pieces on rayon's
/// current thread pool, when that gives exactly what one [`Pipeline`] fed
/// the same text would.
///
/// `text` must start a document or follow a line break, and its every
/// line is taken as ended there (the caller keeps an unfinished last line
/// for later). Every step but one looks at one line at a time, so each
/// piece can go through a fresh pipeline. The exception is the pinyin
/// step, whose verdict is document-wide: if any piece shows a single
/// annotation this returns `None` and nothing else, and the caller must
/// run the text (and the rest of the document) through one pipeline.
///
/// Also `None` for HTML (a page is one tree) and when `options.format`
/// asks for it, since only plain text is split.
pub fn run_pieces(
    text: &str,
    options: Options,
    conv: Option<&Converter>,
    piece: usize,
) -> Option<(String, Stats)> {
    use rayon::prelude::*;
    if options.format != Format::Text {
        return None;
    }
    let pieces = line_pieces(text, piece.max(1));
    let done: Vec<Option<(String, Stats)>> = pieces
        .par_iter()
        .map(|p| {
            let mut pipeline = Pipeline::new(options, conv);
            let mut out = String::with_capacity(p.len() + p.len() / 8);
            // Plain text cannot fail: only the HTML stages can.
            pipeline.push(p, &mut out).ok()?;
            let stats = pipeline.finish(&mut out).ok()?;
            let pinyin = stats.clean.pinyin;
            (pinyin.removed == 0 && pinyin.kept == 0).then_some((out, stats))
        })
        .collect();
    let mut out = String::with_capacity(done.iter().flatten().map(|(o, _)| o.len()).sum());
    let mut stats = Stats::default();
    for d in done {
        let (o, s) = d?;
        out.push_str(&o);
        stats.clean.add(&s.clean);
    }
    Some((out, stats))
}

/// `text` cut after line breaks into pieces of at least `size` bytes (the
/// last may be shorter).
fn line_pieces(text: &str, size: usize) -> Vec<&str> {
    let mut pieces = Vec::with_capacity(text.len() / size + 1);
    let mut rest = text;
    while rest.len() > size {
        match memchr::memchr(b'\n', &rest.as_bytes()[size..]) {
            Some(i) => {
                let (a, b) = rest.split_at(size + i + 1);
                pieces.push(a);
                rest = b;
            }
            None => break,
        }
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}
