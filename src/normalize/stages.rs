//! The stages after decoding for one input: the text pipeline, or JSON
//! Lines whose fields each go through pipelines of their own, judged
//! record by record.

use std::cell::RefCell;
use std::rc::Rc;

use crate::clean::Cleaner;
use crate::convert::Converter;
use crate::formats::jsonl::{JsonlRewriter, JsonlStats};
use crate::lang::{self, Evidence, Language};
use crate::pipeline::{self, Pipeline, PipelineError};

/// The stages after decoding: the text pipeline, or JSON Lines whose
/// fields each go through a pipeline of their own.
pub(crate) enum Stages<'a> {
    Text(Pipeline<'a>),
    Jsonl {
        rewriter: JsonlRewriter<'a>,
        records: Rc<RefCell<JsonlRecords<'a>>>,
    },
}

/// Cleans and converts the named fields of JSON Lines records: each record
/// is a document, judged on all its fields together.
pub(crate) struct JsonlRecords<'a> {
    options: pipeline::Options,
    conv: Option<&'a Converter>,
    /// Counts over every field.
    stats: pipeline::Stats,
    /// The input's language, judged like any document's on the beginning
    /// of its cleaned field text, for the reports.
    evidence: Evidence,
    /// Whether anyone will read the counts: when not, the input's language
    /// is not judged for them.
    report: bool,
}

impl<'a> JsonlRecords<'a> {
    pub(crate) fn new(options: pipeline::Options, conv: Option<&'a Converter>) -> Self {
        JsonlRecords {
            options,
            conv,
            stats: pipeline::Stats::default(),
            evidence: Evidence::new(),
            report: true,
        }
    }

    /// The same, for a caller that reads only the text: records are
    /// cleaned and converted alike, but [`stats`](Self::stats) says
    /// nothing of the input's language. Only for [`carefully`](Self::carefully).
    pub(crate) fn without_report(mut self) -> Self {
        self.report = false;
        self
    }

    /// The counts over every field so far, with the language judged on
    /// them.
    pub(crate) fn stats(&mut self) -> pipeline::Stats {
        let mut s = self.stats;
        s.language = self.evidence.decide();
        s
    }

    fn clean(&mut self, values: &[&str], out: &mut Vec<String>) {
        // While the input's language is out, its records feed it; user
        // dictionaries can rewrite anything, so the shortcut's reasoning
        // does not hold with them.
        let shortcut =
            self.evidence.verdict().is_some() && !self.conv.is_some_and(Converter::has_user_dicts);
        if shortcut && self.as_chinese(values, out) {
            return;
        }
        out.clear();
        self.carefully(values, out);
    }

    /// One pipeline per field, converting everything: right for any record
    /// whose output shows no kana, hangul or character reference, which is
    /// nearly all. Such a record's cleaned text showed none either (no
    /// built-in dictionary has a key with kana, hangul, `&` or `#`, so
    /// conversion never takes one away), so the careful way would have
    /// found it Chinese or `other`, with no line to leave unconverted.
    /// False for any other record.
    fn as_chinese(&mut self, values: &[&str], outs: &mut Vec<String>) -> bool {
        let mut stats = pipeline::Stats::default();
        let all = pipeline::Options {
            convert_all: true,
            ..self.options
        };
        for value in values {
            // Converting everything, it need not judge anything.
            let mut p = Pipeline::new(all, self.conv).with_language(Language::Other);
            let mut out = String::with_capacity(value.len() + value.len() / 8);
            // A field's text cannot fail the text pipeline (only HTML can,
            // and fields are read as text).
            let Ok(s) = p.push(value, &mut out).and_then(|()| p.finish(&mut out)) else {
                return false;
            };
            if lang::could_be_foreign(&out) {
                return false;
            }
            stats.clean.add(&s.clean);
            stats.converted |= s.converted;
            outs.push(out);
        }
        self.stats.clean.add(&stats.clean);
        self.stats.converted |= stats.converted;
        true
    }

    /// The fields cleaned, the record judged on all of them (as a pipeline
    /// judges the cleaned text of a document), then converted by it.
    pub(crate) fn carefully(&mut self, values: &[&str], outs: &mut Vec<String>) {
        let mut cleaned = Vec::with_capacity(values.len());
        for value in values {
            let mut out = String::with_capacity(value.len());
            if self.options.format == pipeline::Format::Text {
                // Text without a converter is what the cleaner makes of
                // it; the pipeline around it would only copy it.
                let mut cleaner = Cleaner::new(self.options.clean);
                cleaner.push(value, &mut out);
                self.stats.clean.add(&cleaner.finish(&mut out));
            } else {
                // Judged below with the record's other fields, not alone.
                let mut p = Pipeline::new(self.options, None).with_language(Language::Other);
                let _ = p.push(value, &mut out);
                if let Ok(s) = p.finish(&mut out) {
                    self.stats.clean.add(&s.clean);
                }
            }
            if self.report {
                self.evidence.observe(&out);
                // Two values are not one word.
                self.evidence.observe("\n");
            }
            cleaned.push(out);
        }
        // Only a record that shows kana, hangul or a character reference
        // can be Japanese or Korean, or have a line to leave unconverted;
        // any other converts as Chinese, which is as with everything
        // converted, without counting its letters.
        let (language, options) = if cleaned.iter().any(|t| lang::could_be_foreign(t)) {
            let mut evidence = Evidence::new();
            for (i, text) in cleaned.iter().enumerate() {
                if i > 0 {
                    evidence.observe("\n");
                }
                evidence.observe(text);
            }
            (evidence.decide(), self.options)
        } else {
            let all = pipeline::Options {
                convert_all: true,
                ..self.options
            };
            (Language::Other, all)
        };
        for text in &cleaned {
            let mut out = String::with_capacity(text.len() + text.len() / 8);
            self.stats.converted |=
                pipeline::convert_document(text, language, options, self.conv, &mut out);
            outs.push(out);
        }
    }
}

impl<'a> Stages<'a> {
    /// Stages for text (`jsonl` is `None`) or for JSON Lines cleaning the
    /// named fields.
    pub(crate) fn new(
        options: pipeline::Options,
        jsonl: Option<&[String]>,
        conv: Option<&'a Converter>,
    ) -> Self {
        let Some(fields) = jsonl else {
            return Stages::Text(Pipeline::new(options, conv));
        };
        let records = Rc::new(RefCell::new(JsonlRecords::new(options, conv)));
        let inner = Rc::clone(&records);
        let clean =
            move |values: &[&str], out: &mut Vec<String>| inner.borrow_mut().clean(values, out);
        Stages::Jsonl {
            rewriter: JsonlRewriter::by_record(fields.to_vec(), Box::new(clean)),
            records,
        }
    }

    /// The same stages for a document whose language was judged on its
    /// beginning elsewhere (JSON Lines judge each record by itself).
    pub(crate) fn with_language(self, language: Language) -> Self {
        match self {
            Stages::Text(p) => Stages::Text(p.with_language(language)),
            jsonl => jsonl,
        }
    }

    pub(crate) fn push(&mut self, text: &str, out: &mut String) -> Result<(), PipelineError> {
        match self {
            Stages::Text(p) => p.push(text, out),
            Stages::Jsonl { rewriter, .. } => {
                rewriter.push(text, out);
                Ok(())
            }
        }
    }

    pub(crate) fn is_holding(&self) -> bool {
        match self {
            Stages::Text(p) => p.is_holding(),
            Stages::Jsonl { .. } => false,
        }
    }

    pub(crate) fn settle(&mut self, out: &mut String) -> Result<(), PipelineError> {
        match self {
            Stages::Text(p) => p.settle(out),
            Stages::Jsonl { .. } => Ok(()),
        }
    }

    /// Flushes and returns the text stats, and JSON Lines' own counts.
    pub(crate) fn finish(self, out: &mut String) -> Result<Finished, PipelineError> {
        match self {
            Stages::Text(p) => Ok((p.finish(out)?, None, Vec::new())),
            Stages::Jsonl {
                mut rewriter,
                records,
            } => {
                let j = rewriter.finish(out);
                let mut errors = rewriter.errors().to_vec();
                // Line 0: about the input as a whole (see `Outcome::warnings`).
                for f in rewriter.missing_fields() {
                    errors.push((
                        0,
                        format!("field {f:?} is in none of the {} records", j.objects),
                    ));
                }
                drop(rewriter);
                // `converted`: whether any field was.
                let s = records.borrow_mut().stats();
                Ok((s, Some(j), errors))
            }
        }
    }
}

/// What [`Stages::finish`] returns: the text counts, and JSON Lines' own
/// counts and first errors when the input was JSON Lines.
pub(crate) type Finished = (pipeline::Stats, Option<JsonlStats>, Vec<(u64, String)>);
