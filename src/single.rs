//! Runs without `-o DIR`: every input in turn to standard output, or the
//! one input to an `-o` file.

use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::batch_cmd::SingleRecord;
use crate::cli::{self, Cli, Input};
use crate::files::{self, Counted, CountedRecords, OutputFile, ThreadFeed};
use crate::{io_message, report, Fatal};
use zhnorm::formats::compress::{self, CompressWriter, Compression};
use zhnorm::formats::sniff::{sniff, DataFormat};
use zhnorm::formats::warc::{PlainRecords, RecordWrite};
use zhnorm::normalize::{
    self, Buffers, InputFormat, Normalizer, Options, Outcome, ReadFeed, RunError, CHUNK,
};

/// Why one input stopped early.
pub(crate) enum PumpError {
    /// The input could not be read or decoded; other inputs can go on.
    Input(String),
    /// The output could not be written.
    Output(io::Error),
}

impl From<RunError> for PumpError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Input(e) => PumpError::Input(e.to_string()),
            RunError::Read(e) => PumpError::Input(io_message(&e)),
            RunError::Write(e) => PumpError::Output(e),
        }
    }
}

/// Sniffs one input, then runs it as the format it is (or was said to be)
/// into `out`: records for WARC, JSON Lines or text through the library's
/// [`normalize::run`]. Compressed inputs are read decompressed.
fn process_one(
    cli: &Cli,
    options: &Options,
    input: &Input,
    out: &mut dyn RecordWrite,
    bufs: &mut Buffers,
    bytes_in: &Arc<AtomicU64>,
) -> Result<Outcome, PumpError> {
    let label = input.label().into_owned();
    let mut source = files::open(input).map_err(|e| PumpError::Input(io_message(&e)))?;
    let live = source.is_live();
    let (head, complete) =
        files::read_head(&mut source, live).map_err(|e| PumpError::Input(io_message(&e)))?;
    let name = match input {
        Input::File(p) => Some(p.as_path()),
        Input::Stdin => None,
    };
    let sniffed = sniff(&head, name, complete);
    let format = chosen_format(cli, options, sniffed.format, &label);
    bytes_in.store(head.len() as u64, Ordering::Relaxed);
    let counted = Counted {
        inner: source.into_send(),
        count: Arc::clone(bytes_in),
    };
    let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(counted));
    let mut reader = compress::reader_send(sniffed.compression, raw)
        .map_err(|e| PumpError::Input(io_message(&e)))?;
    if format == DataFormat::Warc {
        let stats = normalize::run_warc(&mut reader, out, options)
            .map_err(|e| PumpError::Input(e.to_string()))?;
        out.flush().map_err(PumpError::Output)?;
        return Ok(Outcome::of_warc(stats, options.warc_to_jsonl));
    }
    let normalizer = Normalizer::for_format(options, format);
    let outcome = if live {
        normalize::run(&mut ThreadFeed::new(reader), normalizer, out, true, bufs)?
    } else {
        normalize::run(&mut ReadFeed(&mut reader), normalizer, out, false, bufs)?
    };
    Ok(outcome)
}

/// The format an input is processed as: `--format` when it names one, else
/// what sniffing found. With `--format auto`, options for a format the
/// input turned out not to be are ignored for it, with a warning naming it.
pub(crate) fn chosen_format(
    cli: &Cli,
    options: &Options,
    sniffed: DataFormat,
    label: &str,
) -> DataFormat {
    let format = normalize::chosen_format(options.format, sniffed);
    if cli.format == InputFormat::Auto && !cli.quiet {
        let phrase = match format {
            DataFormat::Jsonl => "JSON Lines",
            DataFormat::Warc => "WARC",
            DataFormat::Other => "text or HTML",
        };
        if !cli.fields.is_empty() && format != DataFormat::Jsonl {
            report(
                label,
                &format!("warning: --field applies to JSON Lines, and this input is {phrase}; ignored for it"),
            );
        }
        if cli.to == cli::ToArg::Jsonl && format != DataFormat::Warc {
            report(
                label,
                &format!("warning: --to jsonl applies to WARC, and this input is {phrase}; ignored for it"),
            );
        }
    }
    format
}

/// Warnings about what an input needed, unless `--quiet`.
pub(crate) fn warn(label: &str, outcome: &Outcome, quiet: bool) {
    if quiet {
        return;
    }
    for w in outcome.warnings() {
        report(label, &w);
    }
}

/// Fills in a run's record from the input's outcome.
fn record_outcome(rec: &mut SingleRecord, outcome: Outcome) {
    if let Some(stats) = outcome.warc {
        rec.warc = Some(stats);
    } else {
        rec.outcome = Some(outcome);
    }
}

pub(crate) fn run_to_stdout(
    cli: &Cli,
    options: &Options,
    inputs: &[Input],
    bufs: &mut Buffers,
    records: &mut Vec<SingleRecord>,
) -> Result<bool, Fatal> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(CHUNK, stdout.lock());
    let mut all_ok = true;
    for input in inputs {
        let bytes_in = Arc::default();
        let mut plain = PlainRecords(&mut out);
        let mut counted = CountedRecords {
            inner: &mut plain,
            bytes: 0,
        };
        let result = process_one(cli, options, input, &mut counted, bufs, &bytes_in);
        let mut rec = SingleRecord {
            input: input.label().into_owned(),
            output: None,
            error: None,
            bytes_in: bytes_in.load(Ordering::Relaxed),
            bytes_out: counted.bytes,
            outcome: None,
            warc: None,
        };
        match result {
            Ok(outcome) => {
                out.flush().map_err(Fatal::stdout)?;
                warn(&input.label(), &outcome, cli.quiet);
                record_outcome(&mut rec, outcome);
            }
            Err(PumpError::Output(e)) => return Err(Fatal::stdout(e)),
            Err(PumpError::Input(message)) => {
                all_ok = false;
                // So that on a terminal the message follows the output
                // that came before it.
                out.flush().map_err(Fatal::stdout)?;
                report(&input.label(), &message);
                rec.error = Some(message);
            }
        }
        records.push(rec);
    }
    out.flush().map_err(Fatal::stdout)?;
    Ok(all_ok)
}

pub(crate) fn run_to_file(
    cli: &Cli,
    options: &Options,
    inputs: &[Input],
    dest: &Path,
    bufs: &mut Buffers,
    records: &mut Vec<SingleRecord>,
) -> Result<bool, Fatal> {
    let dest_label = dest.to_string_lossy().into_owned();
    let fail = |e: io::Error| Fatal::new(&*dest_label, io_message(&e));
    // What is written under a `.gz` name is gzip.
    let comp = Compression::from_path(dest);
    let dest = files::resolve_output(dest, inputs).map_err(|m| Fatal::new(&*dest_label, m))?;
    let mut file = OutputFile::create(&dest).map_err(fail)?;
    let mut all_ok = true;
    let written = Arc::default();
    let counted = Counted {
        inner: file.writer(),
        count: Arc::clone(&written),
    };
    let mut writer = CompressWriter::new(comp, counted).map_err(fail)?;
    // `Cli::validate` allows a single input here; the loop just avoids
    // depending on that.
    let first = records.len();
    for input in inputs {
        let bytes_in = Arc::default();
        let mut rec = SingleRecord {
            input: input.label().into_owned(),
            output: Some(dest_label.clone()),
            error: None,
            bytes_in: 0,
            bytes_out: 0,
            outcome: None,
            warc: None,
        };
        match process_one(cli, options, input, &mut writer, bufs, &bytes_in) {
            Ok(outcome) => {
                warn(&input.label(), &outcome, cli.quiet);
                record_outcome(&mut rec, outcome);
            }
            Err(PumpError::Output(e)) => return Err(fail(e)),
            Err(PumpError::Input(message)) => {
                all_ok = false;
                report(&input.label(), &message);
                rec.error = Some(message);
            }
        }
        rec.bytes_in = bytes_in.load(Ordering::Relaxed);
        records.push(rec);
    }
    writer.finish().map_err(fail)?;
    if all_ok {
        file.commit().map_err(fail)?;
        // The file's bytes, once all are written (one input here).
        if let Some(last) = records[first..].last_mut() {
            last.bytes_out = written.load(Ordering::Relaxed);
        }
    } else {
        // Nothing is left under the name: report no output.
        for r in &mut records[first..] {
            r.output = None;
        }
    }
    // Otherwise dropping `file` removes the temporary file: a partial
    // result must not look like a finished one.
    Ok(all_ok)
}
