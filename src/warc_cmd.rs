//! `--format warc`: WARC and WET files, record by record.
//!
//! Records are read by [`zhnorm::batch::warc`]; each text record's payload
//! is decoded with the HTTP charset as its declared encoding (weighed like
//! any declaration, so a wrong header loses to clear evidence), then goes
//! through the same pipeline as a single input, as HTML or text by its
//! media type.

use std::io::Read;

use crate::cli::{Cli, HtmlArg, ToArg};
use zhnorm::batch::warc::{self, RecordWrite, TextPayload, Transform, WarcOutput, WarcStats};
use zhnorm::convert::Converter;
use zhnorm::decode::{decode_bytes, Charset, DecodeOptions};
use zhnorm::pipeline::{Format, HtmlMode, Pipeline};

/// Processes one WARC stream; the error names what went wrong.
pub(crate) fn run(
    input: &mut dyn Read,
    out: &mut dyn RecordWrite,
    cli: &Cli,
    conv: &Converter,
) -> Result<WarcStats, String> {
    let to_jsonl = cli.to == ToArg::Jsonl;
    let mode = if to_jsonl {
        WarcOutput::Jsonl
    } else {
        WarcOutput::Warc
    };
    let base = cli.pipeline_options();
    let from = cli.from;
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
        if to_jsonl || cli.html_mode == HtmlArg::Text {
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
    warc::process_records(input, out, mode, &mut transform, warc::MAX_RECORD_BYTES)
        .map_err(|e| e.to_string())
}

/// Warnings about what a WARC input needed, unless `--quiet`: malformed
/// stretches kept as they were, records too large to clean.
pub(crate) fn warn(label: &str, stats: &WarcStats, cli: &Cli) {
    if cli.quiet {
        return;
    }
    if stats.too_large > 0 {
        crate::report(
            label,
            &format!(
                "warning: {} record(s) larger than {} MiB copied unchanged, not cleaned",
                stats.too_large,
                warc::MAX_RECORD_BYTES >> 20
            ),
        );
    }
    if let Some(first) = &stats.first_malformed {
        let kept = if cli.to == ToArg::Jsonl {
            "left out of the JSON Lines"
        } else {
            "copied unchanged"
        };
        crate::report(
            label,
            &format!(
                "warning: {} malformed WARC record(s) {kept}, the records after each processed (first: {first})",
                stats.malformed
            ),
        );
    }
}

/// The report fields of a WARC input: `"format":"warc"` and its record
/// counts, each with a leading comma.
pub(crate) fn report_fields(stats: &WarcStats) -> String {
    let first = match &stats.first_malformed {
        Some(m) => format!(
            "{{\"record\":{},\"offset\":{},\"message\":{}}}",
            m.record,
            m.offset,
            crate::detect_cmd::quote(&m.message)
        ),
        None => "null".to_owned(),
    };
    format!(
        ",\"format\":\"warc\",\"warc_records\":{},\"warc_rewritten\":{},\"warc_copied\":{},\"warc_failed\":{},\"warc_malformed\":{},\"warc_first_malformed\":{first},\"warc_too_large\":{}",
        stats.records, stats.rewritten, stats.copied, stats.failed, stats.malformed, stats.too_large
    )
}
