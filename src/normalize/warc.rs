//! WARC and WET input, record by record.
//!
//! Records are read by [`crate::formats::warc`]; each text record's payload
//! is decoded with the HTTP charset as its declared encoding (weighed like
//! any declaration, so a wrong header loses to clear evidence), then goes
//! through the same pipeline as a single input, as HTML or text by its
//! media type.

use std::io::Read;

use super::{NormalizeError, Options};
use crate::decode::{decode_bytes, Charset, DecodeOptions};
use crate::formats::warc::{self, RecordWrite, TextPayload, Transform, WarcOutput, WarcStats};
use crate::pipeline::{Format, HtmlMode, Pipeline};

/// Cleans and converts the text records of one WARC stream into `out`:
/// WARC again, or JSON Lines `{url, date, text}` with
/// [`Options::warc_to_jsonl`].
pub fn run_warc(
    input: &mut dyn Read,
    out: &mut dyn RecordWrite,
    options: &Options,
) -> Result<WarcStats, NormalizeError> {
    let to_jsonl = options.warc_to_jsonl;
    let mode = if to_jsonl {
        WarcOutput::Jsonl
    } else {
        WarcOutput::Warc
    };
    let base = options.pipeline_options();
    let from = options.from;
    let conv = &*options.converter;
    let mut transform: Transform<'_> = Box::new(move |payload: &TextPayload<'_>| {
        let declared = payload.declared_charset.and_then(Charset::for_label);
        let (text, report) = decode_bytes(
            payload.bytes,
            DecodeOptions {
                from,
                declared,
                ..DecodeOptions::default()
            },
        );
        if report.binary_at().is_some() {
            return Err("binary payload".to_owned());
        }
        let html = matches!(
            payload.content_type,
            Some("text/html" | "application/xhtml+xml")
        );
        let mut options = base;
        options.format = if html { Format::Html } else { Format::Text };
        // JSON Lines carry readable text, never markup.
        if to_jsonl {
            options.html = HtmlMode::Text;
        }
        let mut pipeline = Pipeline::new(options, Some(conv));
        let mut cleaned = String::with_capacity(text.len());
        pipeline
            .push(&text, &mut cleaned)
            .map_err(|e| e.to_string())?;
        pipeline.finish(&mut cleaned).map_err(|e| e.to_string())?;
        Ok(cleaned)
    });
    warc::process_records(input, out, mode, &mut transform, warc::MAX_RECORD_BYTES).map_err(|e| {
        NormalizeError::Input {
            message: e.to_string(),
        }
    })
}
