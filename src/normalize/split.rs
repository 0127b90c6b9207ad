//! One large input on several threads: decoded in order, then cleaned and
//! converted in line-aligned pieces at once (see
//! [`crate::pipeline::run_pieces`]).
//!
//! The bytes out are those [`run`](super::run) would write: decoding stays
//! sequential (an encoding verdict and mixed-encoding runs depend on what
//! came before), and only the steps that look at one line at a time are
//! split. HTML, JSON Lines, any document showing a pinyin annotation
//! (whose verdict is document-wide) and any with a line longer than a
//! round go through one pipeline in order, as in `run`, from the point
//! where that became known. The document's language
//! is judged once, on the beginning of its cleaned text as a pipeline
//! judges it, and given to every piece.

use std::io::{Read, Write};

use super::stages::Stages;
use super::stream::{read_full, refuse_binary, RunError};
use super::{NormalizeError, Options, Outcome};
use crate::clean::looks_like_html;
use crate::decode::AutoDecoder;
use crate::formats::sniff::DataFormat;
use crate::lang::Language;
use crate::pipeline::{self, Format, Pipeline};

/// Input bytes decoded per round. While one round's lines are cleaned and
/// converted, the next round is decoded; small rounds keep the buffers in
/// cache and reused.
const WINDOW: usize = 1024 * 1024;
/// Decoded text per piece handed to a thread.
const PIECE: usize = 128 * 1024;
/// An unfinished line longer than this sends the rest of the input through
/// one pipeline in order (see [`pump_split`]).
const LONG_LINE: usize = WINDOW;
/// Inputs at least this big are split.
pub const SPLIT_MIN: u64 = 4 * 1024 * 1024;

/// Like [`run`](super::run) for a regular file or a decompressed stream
/// (never live input: nothing here waits for more), with the cleaning and
/// conversion spread over rayon's threads. `format` is what the input was
/// found to be; WARC is read as text here.
pub fn run_split(
    reader: &mut dyn Read,
    options: &Options,
    format: DataFormat,
    out: &mut dyn Write,
) -> Result<Outcome, RunError> {
    let conv = Some(&*options.converter);
    let strict = options.strict;
    let decode_options = options.decode_options();
    let fields = (format == DataFormat::Jsonl).then(|| options.jsonl_fields());
    let jsonl = fields.as_deref();
    let read_failed = RunError::Read;
    let html_failed = |e: pipeline::PipelineError| {
        RunError::Input(NormalizeError::Input {
            message: e.to_string(),
        })
    };
    let binary =
        |d: &AutoDecoder| refuse_binary(d.report(), &decode_options).map_err(RunError::Input);
    let mut decoder = AutoDecoder::new(decode_options);
    let mut input = vec![0u8; WINDOW];
    // Decoded text not yet cleaned, and the whole lines taken from it for
    // the round under way.
    let mut pending = String::new();
    let mut ready = String::new();
    let mut done = String::new();
    let mut stats = pipeline::Stats::default();

    let n = read_full(reader, &mut input).map_err(read_failed)?;
    let mut end = decode(&mut decoder, &input[..n], n < WINDOW, &mut pending);
    binary(&decoder)?;
    // The same judgement as the pipeline's, on the same beginning.
    let base = options.pipeline_options();
    let mut options = base;
    let html = match options.format {
        Format::Auto => looks_like_html(&pending),
        Format::Text => false,
        Format::Html => true,
    };
    options.format = if html { Format::Html } else { Format::Text };
    // The language, judged as one pipeline would. The first round holds
    // far more than the verdict needs unless the input is shorter; if it
    // does not, one pipeline judges as it goes.
    let language = if html || jsonl.is_some() {
        // One pipeline in order anyway (JSON Lines judge each record).
        None
    } else {
        judge_language(&pending, end, options)
    };
    // Set once the text must go through one pipeline in order.
    let mut sequential =
        (html || jsonl.is_some() || language.is_none()).then(|| Stages::new(base, jsonl, conv));
    let language = language.unwrap_or(Language::Other);

    loop {
        if let Some(stages) = &mut sequential {
            stages.push(&pending, &mut done).map_err(html_failed)?;
            pending.clear();
            out.write_all(done.as_bytes()).map_err(RunError::Write)?;
            done.clear();
            if end {
                break;
            }
            let n = read_full(reader, &mut input).map_err(read_failed)?;
            end = decode(&mut decoder, &input[..n], n < WINDOW, &mut pending);
            binary(&decoder)?;
            continue;
        }
        let cut = if end {
            pending.len()
        } else {
            pending.rfind('\n').map_or(0, |i| i + 1)
        };
        if pending.len() - cut > LONG_LINE {
            // A line longer than a round: holding it until it ends would
            // hold the whole of a file without line breaks, and pieces
            // must start at a line. From its line on, one pipeline in
            // order, as after a pinyin annotation: the same output, in
            // bounded memory.
            let mut stages = Stages::new(options, jsonl, conv).with_language(language);
            stages.push(&pending, &mut done).map_err(html_failed)?;
            pending.clear();
            sequential = Some(stages);
            continue;
        }
        ready.clear();
        ready.push_str(&pending[..cut]);
        pending.drain(..cut);
        let last = end;
        let n = if last {
            0
        } else {
            read_full(reader, &mut input).map_err(read_failed)?
        };
        // This round's lines are cleaned while the next round is decoded.
        let (pieces, next_end) = rayon::join(
            || pipeline::run_pieces(&ready, options, conv, PIECE, language),
            || last || decode(&mut decoder, &input[..n], n < WINDOW, &mut pending),
        );
        end = next_end;
        binary(&decoder)?;
        match pieces {
            Some((o, s)) => {
                out.write_all(o.as_bytes()).map_err(RunError::Write)?;
                stats.clean.add(&s.clean);
                stats.language = s.language;
                stats.converted = s.converted;
            }
            None => {
                // A pinyin annotation: from here on in order, which gives
                // what one pipeline would, since nothing before showed any
                // (the verdict's evidence was empty and nothing was held).
                let mut stages = Stages::new(options, jsonl, conv).with_language(language);
                stages.push(&ready, &mut done).map_err(html_failed)?;
                sequential = Some(stages);
            }
        }
        if last {
            break;
        }
    }
    let (mut jsonl_stats, mut jsonl_errors) = (None, Vec::new());
    if let Some(stages) = sequential {
        let (s, j, e) = stages.finish(&mut done).map_err(html_failed)?;
        stats.clean.add(&s.clean);
        stats.html = s.html;
        stats.language = s.language;
        stats.converted = s.converted;
        jsonl_stats = j;
        jsonl_errors = e;
    }
    out.write_all(done.as_bytes()).map_err(RunError::Write)?;
    out.flush().map_err(RunError::Write)?;
    let outcome = Outcome {
        decode: decoder.report().clone(),
        stats,
        jsonl: jsonl_stats,
        jsonl_errors,
        ..Outcome::default()
    };
    match outcome.strict_failure() {
        Some(message) if strict => Err(RunError::Input(NormalizeError::Strict { message })),
        _ => Ok(outcome),
    }
}

/// The language one pipeline with `options` would find in a document
/// beginning with `text` (the whole document if `end`): the beginning is
/// cleaned, by a pipeline converting nothing, until its verdict is in.
/// `None` if `text` is not enough to tell.
fn judge_language(text: &str, end: bool, options: pipeline::Options) -> Option<Language> {
    /// Text cleaned at a time; the verdict usually needs a few kilobytes.
    const STEP: usize = 16 * 1024;
    let mut p = Pipeline::new(options, None);
    let mut sink = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = STEP.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        p.push(&rest[..cut], &mut sink).ok()?;
        sink.clear();
        if let Some(language) = p.language() {
            return Some(language);
        }
        rest = &rest[cut..];
    }
    if end {
        return p.finish(&mut sink).ok().map(|s| s.language);
    }
    None
}

/// Decodes one round's bytes onto `text`; `last`: the input ends there.
/// Returns `last`.
fn decode(decoder: &mut AutoDecoder, bytes: &[u8], last: bool, text: &mut String) -> bool {
    let direct = decoder.push_borrowed(bytes, text);
    text.push_str(direct);
    if last {
        decoder.finish(text);
    }
    last
}
