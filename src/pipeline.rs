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
//!
//! Conversion is for Chinese ([`crate::lang`]): the language is judged on
//! the beginning of the text the converter would get (cleaned text; in a
//! page kept as HTML, its cleaned text nodes and attributes), and text is
//! held before the converter (for a kept page, the rewriter's output) until
//! the verdict is in. A Japanese or Korean document is cleaned but not
//! converted; in any other a line quoting Japanese or Korean passes
//! unconverted. With [`Options::convert_all`], or when conversion changes
//! nothing anyway, nothing waits for the verdict.

use std::cell::RefCell;
use std::rc::Rc;

use crate::clean::entities::{EntityDecoder, EntityMode};
use crate::clean::pinyin::{self, Evidence as PinyinEvidence, Verdict};
use crate::clean::tidy;
use crate::clean::{self, mojibake, CleanOptions, CleanStats, Cleaner};
use crate::convert::{Converter, StreamConverter};
use crate::html::{self, HtmlError, HtmlStats, TextKind};
use crate::lang::{self, Evidence, Language, Letters};

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
    /// Convert every document and every line, whatever its language. Off,
    /// Japanese and Korean documents are cleaned but not converted, nor are
    /// lines quoting Japanese or Korean in other documents (see
    /// [`crate::lang`]).
    pub convert_all: bool,
}

impl Options {
    /// No cleanup, input read as plain text: conversion alone.
    pub fn convert_only() -> Self {
        Options {
            clean: CleanOptions::none(),
            format: Format::Text,
            html: HtmlMode::Keep,
            convert_all: false,
        }
    }

    /// Whether a document in `language` goes through `conv` under these
    /// options: never without a converter or with one that changes
    /// nothing (`none`); for Japanese and Korean only with
    /// [`convert_all`](Self::convert_all), except that the Japanese
    /// configurations (`t2jp`, `jp2t`) are for Japanese.
    pub fn converts(&self, language: Language, conv: Option<&Converter>) -> bool {
        plan(*self, language, conv) != Plan::Off
    }
}

/// What conversion does with a document once its language is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Nothing converted.
    Off,
    /// Everything converted.
    All,
    /// Lines (text nodes, in kept HTML) showing these letters pass
    /// unconverted, the rest is converted.
    SkipLines(Letters),
}

fn plan(options: Options, language: Language, conv: Option<&Converter>) -> Plan {
    if conv.is_none_or(Converter::is_identity) {
        return Plan::Off;
    }
    if options.convert_all {
        return Plan::All;
    }
    // t2jp and jp2t convert between old and new Japanese kanji: kana are
    // part of the text they are for.
    let japanese = conv.is_some_and(|c| matches!(c.name(), "t2jp" | "jp2t"));
    match language {
        Language::Ja if japanese => Plan::SkipLines(Letters {
            kana: false,
            hangul: true,
        }),
        Language::Ja | Language::Ko => Plan::Off,
        Language::ZhHant | Language::ZhHans | Language::Other => Plan::SkipLines(Letters {
            kana: !japanese,
            hangul: true,
        }),
    }
}

/// What was done to one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// What each cleanup step changed.
    pub clean: CleanStats,
    /// Whether the input was handled as HTML, and what that changed.
    pub html: Option<HtmlStats>,
    /// The document's language, judged on the beginning of its text.
    pub language: Language,
    /// Whether the document went through the converter (see
    /// [`Options::converts`]).
    pub converted: bool,
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
    /// The document's language, and what it means for conversion.
    judge: Judge<'c>,
}

/// The verdict on a document's language and the conversion it calls for.
struct Judge<'c> {
    evidence: Evidence,
    options: Options,
    conv: Option<&'c Converter>,
}

impl Judge<'_> {
    /// Whether the verdict can change the output; when not, nothing is
    /// held for it (it is still taken, for the counts).
    fn matters(&self) -> bool {
        self.conv.is_some_and(|c| !c.is_identity()) && !self.options.convert_all
    }

    /// Counts the next piece of the text the verdict is taken on.
    fn observe(&mut self, text: &str) {
        self.evidence.observe(text);
    }

    /// Takes the verdict now on what has been seen, if it is still out
    /// and anything waits for it.
    fn settle(&mut self) {
        if self.matters() {
            self.evidence.decide();
        }
    }

    /// What conversion does, or `None` while a verdict that matters is
    /// still out.
    fn plan(&self) -> Option<Plan> {
        if !self.matters() {
            // Off or All, whatever the language.
            return Some(plan(self.options, Language::Other, self.conv));
        }
        let language = self.evidence.verdict()?;
        Some(plan(self.options, language, self.conv))
    }

    /// What conversion does for a Chinese document (or one without
    /// enough text to tell), the plan a kept page is rewritten by while
    /// the verdict is out.
    fn chinese_plan(&self) -> Plan {
        plan(self.options, Language::Other, self.conv)
    }

    /// The input has ended: the verdict, and what it means.
    fn finish(&mut self) -> (Language, Plan) {
        let language = self.evidence.decide();
        (language, plan(self.options, language, self.conv))
    }
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
            judge: Judge {
                evidence: Evidence::new(),
                options,
                conv,
            },
        }
    }

    /// The same pipeline with the document's language given instead of
    /// judged on its text: for a part of a document whose beginning was
    /// judged elsewhere (see [`run_pieces`]), or for one of several fields
    /// of a record that is judged as a whole.
    pub fn with_language(mut self, language: Language) -> Self {
        self.judge.evidence = Evidence::known(language);
        self
    }

    /// The document's language, once its window has been seen (or the
    /// verdict was given or taken early).
    pub fn language(&self) -> Option<Language> {
        self.judge.evidence.verdict()
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
        let judge = &mut self.judge;
        match &mut self.state {
            State::Start => unreachable!("started above"),
            State::Text(stage) => {
                let TextStage {
                    extractor,
                    cleaner,
                    stream,
                    gate,
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
                        judge.observe(text);
                        gate.push(judge.plan(), stream, text, out);
                        return Ok(());
                    }
                    None => {
                        // Whole plain lines at the start go on as they
                        // are, not copied through the cleaner's output.
                        let n = cleaner.plain_prefix(text);
                        if n > 0 {
                            judge.observe(&text[..n]);
                            gate.push(judge.plan(), stream, &text[..n], out);
                        }
                        cleaner.push(&text[n..], scratch);
                    }
                }
                judge.observe(scratch);
                gate.push(judge.plan(), stream, scratch, out);
            }
            State::Keep(keep) => keep.push(text, judge, out)?,
        }
        Ok(())
    }

    /// Whether finished lines are held back for a document-wide verdict
    /// (see [`Pipeline::settle`]).
    pub fn is_holding(&self) -> bool {
        match &self.state {
            State::Start => !self.head.is_empty(),
            State::Text(stage) => stage.cleaner.is_holding() || stage.gate.is_holding(),
            State::Keep(keep) => keep.is_holding(),
        }
    }

    /// Live input went quiet: let out what is held for a verdict, decided
    /// on what has arrived.
    pub fn settle(&mut self, out: &mut String) -> Result<(), PipelineError> {
        if matches!(self.state, State::Start) {
            self.start_with_head(out)?;
        }
        match &mut self.state {
            State::Start => self.judge.settle(),
            State::Text(stage) => {
                self.scratch.clear();
                stage.cleaner.settle(&mut self.scratch);
                self.judge.observe(&self.scratch);
                self.judge.settle();
                let plan = self.judge.plan();
                stage.gate.push(plan, &mut stage.stream, &self.scratch, out);
            }
            State::Keep(keep) => keep.settle(&mut self.judge, out)?,
        }
        Ok(())
    }

    /// The input has ended: flush every stage and return the counts.
    pub fn finish(mut self, out: &mut String) -> Result<Stats, PipelineError> {
        if matches!(self.state, State::Start) {
            self.start_with_head(out)?;
        }
        match std::mem::replace(&mut self.state, State::Start) {
            State::Start => {
                let (language, plan) = self.judge.finish();
                Ok(Stats {
                    language,
                    converted: plan != Plan::Off,
                    ..Stats::default()
                })
            }
            State::Text(stage) => {
                let TextStage {
                    extractor,
                    mut cleaner,
                    mut stream,
                    mut gate,
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
                self.judge.observe(&self.scratch);
                let (language, plan) = self.judge.finish();
                gate.push(Some(plan), &mut stream, &self.scratch, out);
                gate.finish(plan, &mut stream, out);
                if let Some(s) = stream.as_mut() {
                    s.finish(out);
                }
                Ok(Stats {
                    clean,
                    html,
                    language,
                    converted: plan != Plan::Off,
                })
            }
            State::Keep(keep) => keep.finish(&mut self.judge, out),
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
                gate: Gate::default(),
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
                gate: Gate::default(),
            })),
            (true, HtmlMode::Keep) => {
                State::Keep(Box::new(KeepStage::new(opts, self.conv, &self.judge)))
            }
        };
    }
}

/// Plain text, or HTML reduced to text first.
struct TextStage<'c> {
    extractor: Option<html::Extractor>,
    cleaner: Cleaner,
    stream: Option<StreamConverter<'c>>,
    gate: Gate,
}

/// Longest stretch of a line judged at once for kana or hangul: a longer
/// line (a file without line breaks) is judged in pieces of this size
/// from its start, so that it is not held whole.
const MAX_LINE: usize = 1024 * 1024;

/// Cleaned text on its way to the converter: held until the document's
/// language is known, then converted, or not, by the plan; under
/// [`Plan::SkipLines`] line by line, so that the end of a line is kept
/// until the line is complete.
#[derive(Default)]
struct Gate {
    /// Text waiting for the verdict.
    held: String,
    /// The start of a line not ended yet.
    partial: String,
}

impl Gate {
    fn is_holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// Takes the next cleaned text; `plan` is `None` while the language is
    /// not known.
    fn push(
        &mut self,
        plan: Option<Plan>,
        stream: &mut Option<StreamConverter<'_>>,
        text: &str,
        out: &mut String,
    ) {
        let Some(plan) = plan else {
            self.held.push_str(text);
            return;
        };
        if !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            self.route(plan, stream, &held, out);
        }
        self.route(plan, stream, text, out);
    }

    fn route(
        &mut self,
        plan: Plan,
        stream: &mut Option<StreamConverter<'_>>,
        text: &str,
        out: &mut String,
    ) {
        match (plan, stream.as_mut()) {
            (Plan::All, Some(s)) => s.push(text, out),
            (Plan::SkipLines(letters), Some(s)) => self.lines(letters, s, text, out),
            (Plan::Off, _) | (_, None) => out.push_str(text),
        }
    }

    /// Converts the complete lines of `partial` + `text` but those showing
    /// `letters`, and keeps the unfinished last line.
    fn lines(
        &mut self,
        letters: Letters,
        stream: &mut StreamConverter<'_>,
        text: &str,
        out: &mut String,
    ) {
        let mut rest = text;
        if !self.partial.is_empty() {
            let Some(i) = memchr::memchr2(b'\n', b'\r', rest.as_bytes()) else {
                self.partial.push_str(rest);
                self.cap(letters, stream, out);
                return;
            };
            self.partial.push_str(&rest[..=i]);
            rest = &rest[i + 1..];
            let line = std::mem::take(&mut self.partial);
            line_out(letters, stream, &line, out);
            self.partial = line;
            self.partial.clear();
        }
        let end = memchr::memrchr2(b'\n', b'\r', rest.as_bytes()).map_or(0, |i| i + 1);
        let (whole, tail) = rest.split_at(end);
        // Usually no line quotes anything, and this is one push.
        let mut run = 0;
        while let Some(line) = lang::find_line(&whole[run..], letters) {
            let (start, end) = (run + line.start, run + line.end);
            stream.push(&whole[run..start], out);
            line_out(letters, stream, &whole[start..end], out);
            run = end;
        }
        stream.push(&whole[run..], out);
        self.partial.push_str(tail);
        self.cap(letters, stream, out);
    }

    /// Passes on the beginning of an over-long unfinished line in pieces of
    /// [`MAX_LINE`], as [`line_out`] cuts a complete one.
    fn cap(&mut self, letters: Letters, stream: &mut StreamConverter<'_>, out: &mut String) {
        while self.partial.len() > MAX_LINE {
            let cut = floor_boundary(&self.partial, MAX_LINE);
            line_out(letters, stream, &self.partial[..cut], out);
            self.partial.drain(..cut);
        }
    }

    /// The input has ended: the last line, unfinished, is complete.
    fn finish(&mut self, plan: Plan, stream: &mut Option<StreamConverter<'_>>, out: &mut String) {
        let line = std::mem::take(&mut self.partial);
        match (plan, stream.as_mut()) {
            (Plan::SkipLines(letters), Some(s)) => line_out(letters, s, &line, out),
            _ => out.push_str(&line),
        }
    }
}

/// One complete line: converted, or passed on as it is when it shows
/// `letters` (after everything before it has been converted and let out).
/// A line over [`MAX_LINE`] bytes is judged in pieces of that size.
fn line_out(letters: Letters, stream: &mut StreamConverter<'_>, line: &str, out: &mut String) {
    let mut rest = line;
    while !rest.is_empty() {
        let cut = if rest.len() > MAX_LINE {
            floor_boundary(rest, MAX_LINE)
        } else {
            rest.len()
        };
        let piece = &rest[..cut];
        if lang::has_letters(piece, letters) {
            stream.finish(out);
            out.push_str(piece);
        } else {
            stream.push(piece, out);
        }
        rest = &rest[cut..];
    }
}

/// The largest character boundary of `text` at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Converts one text node or attribute value of a kept page by the plan;
/// under [`Plan::SkipLines`] a node showing the letters keeps those of its
/// lines unconverted.
fn convert_fragment(plan: Plan, conv: Option<&Converter>, text: &str, out: &mut String) {
    match (plan, conv) {
        (Plan::All, Some(c)) => c.convert_into(text, out),
        (Plan::SkipLines(letters), Some(c)) => {
            if !lang::has_letters(text, letters) {
                c.convert_into(text, out);
                return;
            }
            for line in text.split_inclusive(['\n', '\r']) {
                if lang::has_letters(line, letters) {
                    out.push_str(line);
                } else {
                    c.convert_into(line, out);
                }
            }
        }
        (Plan::Off, _) | (_, None) => out.push_str(text),
    }
}

/// What the rewriter's transform shares with the stage that owns it.
struct Shared {
    verdict: Verdict,
    stats: CleanStats,
    /// What conversion does with each fragment: final once the language is
    /// known, until then what a Chinese page gets.
    plan: Plan,
    /// Whether cleaned fragments are collected in `seen` for the language
    /// verdict (until it is in).
    observing: bool,
    /// Cleaned fragments not yet given to the verdict, one per line: each
    /// is a segment of its own.
    seen: String,
}

/// Page bytes at most whose rewritten text is held while a kept page's
/// language is judged: a page whose first megabyte has too little readable
/// text to tell is judged on what it has.
const PAGE_HOLD: usize = 1024 * 1024;

/// HTML kept as HTML: the pinyin evidence pass, then the rewriter.
///
/// The language is judged on the cleaned text nodes and attributes, as the
/// rewriter's transform produces them. Until the verdict is in, the
/// rewriter converts as for a Chinese page (what nearly every page turns
/// out to be) and its output is held; if the page is Japanese or Korean
/// after all, that output is dropped and the held beginning of the page is
/// rewritten by a fresh rewriter that converts nothing.
struct KeepStage<'c> {
    rewriter: html::Rewriter<'c>,
    shared: Rc<RefCell<Shared>>,
    opts: CleanOptions,
    conv: Option<&'c Converter>,
    evidence: PinyinEvidence,
    /// The end of a line not yet observed by the evidence.
    partial: String,
    /// Text held until the evidence decides.
    held: String,
    /// The hold is over: text goes straight to the rewriter.
    passing: bool,
    pinyin: bool,
    /// While a language verdict that matters is out: the page given to the
    /// rewriter so far, and what it wrote.
    undecided: Option<Undecided>,
}

/// Kept as the pieces came, so that holding costs one copy of each and no
/// copying as the hold grows.
#[derive(Default)]
struct Undecided {
    page: Vec<String>,
    page_len: usize,
    written: Vec<String>,
}

impl<'c> KeepStage<'c> {
    fn new(opts: CleanOptions, conv: Option<&'c Converter>, judge: &Judge<'_>) -> Self {
        let undecided = judge.plan().is_none();
        let shared = Rc::new(RefCell::new(Shared {
            verdict: Verdict::default(),
            stats: CleanStats::default(),
            plan: judge.plan().unwrap_or_else(|| judge.chinese_plan()),
            observing: judge.evidence.verdict().is_none(),
            seen: String::new(),
        }));
        KeepStage {
            rewriter: rewriter(opts, conv, &shared),
            shared,
            opts,
            conv,
            evidence: PinyinEvidence::default(),
            partial: String::new(),
            held: String::new(),
            passing: !opts.pinyin,
            pinyin: opts.pinyin,
            undecided: undecided.then(Undecided::default),
        }
    }

    fn push(
        &mut self,
        text: &str,
        judge: &mut Judge<'_>,
        out: &mut String,
    ) -> Result<(), HtmlError> {
        if self.pinyin {
            self.observe(text);
        }
        if self.passing {
            return self.feed(text, judge, out);
        }
        self.held.push_str(text);
        if self.shared.borrow().verdict.any() || self.held.len() > pinyin::HOLD {
            self.release(judge, out)?;
        }
        Ok(())
    }

    fn is_holding(&self) -> bool {
        !self.held.is_empty() || self.undecided.as_ref().is_some_and(|u| u.page_len > 0)
    }

    /// Gives the rewriter the next piece of the page; while the language
    /// is out, holds what it writes.
    fn feed(
        &mut self,
        text: &str,
        judge: &mut Judge<'_>,
        out: &mut String,
    ) -> Result<(), HtmlError> {
        let mut rest = text;
        if let Some(u) = &mut self.undecided {
            let cut = floor_boundary(rest, PAGE_HOLD - u.page_len);
            u.page.push(rest[..cut].to_owned());
            u.page_len += cut;
            let mut written = String::new();
            self.rewriter.push(&rest[..cut], &mut written)?;
            u.written.push(written);
            let full = cut < rest.len() || u.page_len == PAGE_HOLD;
            self.hand_over(judge);
            if full {
                judge.evidence.decide();
            }
            self.resolve(judge, out)?;
            rest = &rest[cut..];
        }
        if !rest.is_empty() {
            self.rewriter.push(rest, out)?;
            self.hand_over(judge);
        }
        Ok(())
    }

    /// Gives the fragments cleaned since last time to the verdict.
    fn hand_over(&mut self, judge: &mut Judge<'_>) {
        let mut shared = self.shared.borrow_mut();
        if shared.observing {
            judge.observe(&shared.seen);
            shared.seen.clear();
            shared.observing = judge.evidence.verdict().is_none();
        }
    }

    /// Once the verdict is in, lets out what was held: as written, or
    /// rewritten without conversion for a Japanese or Korean page.
    fn resolve(&mut self, judge: &Judge<'_>, out: &mut String) -> Result<(), HtmlError> {
        let Some(plan) = judge.plan() else {
            return Ok(());
        };
        let Some(u) = self.undecided.take() else {
            return Ok(());
        };
        if plan == self.shared.borrow().plan {
            u.written.iter().for_each(|w| out.push_str(w));
            return Ok(());
        }
        {
            let mut shared = self.shared.borrow_mut();
            shared.plan = plan;
            // The fresh rewriter counts its own cleanup.
            shared.stats = CleanStats::default();
        }
        self.rewriter = rewriter(self.opts, self.conv, &self.shared);
        u.page.iter().try_for_each(|p| self.rewriter.push(p, out))
    }

    /// Live input went quiet: held text let out, the language decided on
    /// what has been seen if the verdict matters.
    fn settle(&mut self, judge: &mut Judge<'_>, out: &mut String) -> Result<(), HtmlError> {
        self.release(judge, out)?;
        judge.settle();
        self.resolve(judge, out)
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

    /// Ends the pinyin hold.
    fn release(&mut self, judge: &mut Judge<'_>, out: &mut String) -> Result<(), HtmlError> {
        self.passing = true;
        let held = std::mem::take(&mut self.held);
        self.feed(&held, judge, out)
    }

    fn finish(mut self, judge: &mut Judge<'_>, out: &mut String) -> Result<Stats, HtmlError> {
        if !self.partial.is_empty() {
            self.evidence.observe(&self.partial);
            self.shared.borrow_mut().verdict = self.evidence.verdict();
        }
        self.release(judge, out)?;
        let KeepStage {
            rewriter: last,
            shared,
            opts,
            conv,
            mut undecided,
            ..
        } = self;
        let html = match &mut undecided {
            Some(u) => {
                let mut written = String::new();
                let html = last.finish(&mut written)?;
                u.written.push(written);
                html
            }
            None => last.finish(out)?,
        };
        {
            let shared = shared.borrow();
            if shared.observing {
                judge.observe(&shared.seen);
            }
        }
        let (language, plan) = judge.finish();
        let mut html = Some(html);
        if let Some(u) = undecided {
            if plan == shared.borrow().plan {
                u.written.iter().for_each(|w| out.push_str(w));
            } else {
                {
                    let mut shared = shared.borrow_mut();
                    shared.plan = plan;
                    shared.stats = CleanStats::default();
                }
                let mut again = rewriter(opts, conv, &shared);
                u.page.iter().try_for_each(|p| again.push(p, out))?;
                html = Some(again.finish(out)?);
            }
        }
        let clean = shared.borrow().stats;
        Ok(Stats {
            clean,
            html,
            language,
            converted: plan != Plan::Off,
        })
    }
}

/// A keep-mode rewriter whose transform cleans each fragment, hands it to
/// the language verdict while that is out, and converts it by the plan.
fn rewriter<'c>(
    opts: CleanOptions,
    conv: Option<&'c Converter>,
    shared: &Rc<RefCell<Shared>>,
) -> html::Rewriter<'c> {
    let inner = Rc::clone(shared);
    let mut fragment = String::new();
    // Text nodes and attribute values are both raw source text, and are
    // cleaned the same way.
    let transform = move |text: &str, _: TextKind, out: &mut String| {
        let mut shared = inner.borrow_mut();
        let Shared {
            verdict,
            stats,
            plan,
            observing,
            seen,
        } = &mut *shared;
        clean_fragment(text, opts, *verdict, stats, &mut fragment);
        if *observing {
            seen.push_str(&fragment);
            seen.push('\n');
        }
        convert_fragment(*plan, conv, &fragment, out);
    };
    html::Rewriter::new(Box::new(transform))
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

/// Converts the cleaned text of a whole document in `language` as a
/// [`Pipeline`] with `options` and `conv` converts it after cleanup (see
/// [`Options::converts`]; lines quoting Japanese or Korean left as they
/// are), appending to `out`; returns whether the converter ran. For a
/// caller that cleans several texts first and judges them together, such
/// as the fields of a JSON Lines record.
pub fn convert_document(
    text: &str,
    language: Language,
    options: Options,
    conv: Option<&Converter>,
    out: &mut String,
) -> bool {
    let plan = plan(options, language, conv);
    if let (Plan::All, Some(c)) = (plan, conv) {
        // The whole text is here: no stream to hold anything back (a
        // stream's output is the same however its input is cut).
        c.convert_into(text, out);
        return true;
    }
    let mut stream = conv.map(Converter::stream);
    let mut gate = Gate::default();
    gate.push(Some(plan), &mut stream, text, out);
    gate.finish(plan, &mut stream, out);
    if let Some(s) = stream.as_mut() {
        s.finish(out);
    }
    plan != Plan::Off
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
/// The language is document-wide too, but is judged on the document's
/// beginning alone: the caller judges it once ([`lang::Evidence`] over the
/// decoded text from the start, as the pipeline does) and passes it here
/// for every part of the document.
///
/// Also `None` for HTML (a page is one tree) and when `options.format`
/// asks for it, since only plain text is split.
pub fn run_pieces(
    text: &str,
    options: Options,
    conv: Option<&Converter>,
    piece: usize,
    language: Language,
) -> Option<(String, Stats)> {
    use rayon::prelude::*;
    if options.format != Format::Text {
        return None;
    }
    let pieces = line_pieces(text, piece.max(1));
    let done: Vec<Option<(String, Stats)>> = pieces
        .par_iter()
        .map(|p| {
            let mut pipeline = Pipeline::new(options, conv).with_language(language);
            let mut out = String::with_capacity(p.len() + p.len() / 8);
            // Plain text cannot fail: only the HTML stages can.
            pipeline.push(p, &mut out).ok()?;
            let stats = pipeline.finish(&mut out).ok()?;
            let pinyin = stats.clean.pinyin;
            (pinyin.removed == 0 && pinyin.kept == 0).then_some((out, stats))
        })
        .collect();
    let mut out = String::with_capacity(done.iter().flatten().map(|(o, _)| o.len()).sum());
    let mut stats = Stats {
        language,
        converted: options.converts(language, conv),
        ..Stats::default()
    };
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
