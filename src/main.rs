//! The `zhnorm` command: wires decode → clean → convert between inputs and
//! an output, and `zhnorm detect`, which reports on decoding only.
//!
//! Everything streams through fixed-size buffers, so memory stays bounded
//! whatever the input size, and piped input is passed on as it arrives.

mod batch_cmd;
mod cli;
mod commit;
mod completions;
mod detect_cmd;
mod split;
mod warc_cmd;

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use cli::{Cli, Command, Input};
use zhnorm::batch::compress::{self, CompressWriter, Compression};
use zhnorm::batch::jsonl::{JsonlRewriter, JsonlStats};
use zhnorm::batch::sniff::{sniff, DataFormat, SNIFF_BYTES};
use zhnorm::batch::warc::{PlainRecords, RecordWrite};
use zhnorm::convert::{ConvertError, Converter, UserDict};
use zhnorm::decode::{AutoDecoder, DecodeOptions, DecodeReport, PREFIX};
use zhnorm::lang::{self, Evidence, Language};
use zhnorm::pipeline::{self, Pipeline, PipelineError};

/// Read size. Large enough that per-call overhead vanishes on files, small
/// enough that memory use is trivially bounded.
const CHUNK: usize = 256 * 1024;

const EXIT_INPUT_FAILED: u8 = 1;
const EXIT_FATAL: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    if let Err(e) = cli.validate() {
        e.exit();
    }
    if let Some(Command::Detect {
        paths,
        include,
        exclude,
        json,
        from,
    }) = &cli.command
    {
        // Top-level flags cannot come with the subcommand, so this is the
        // default configuration: what `converted` is reported for.
        let conv = match build_converter(&cli) {
            Ok(c) => c,
            Err(Fatal::Message { label, message }) => {
                report(&label, &message);
                return ExitCode::from(EXIT_FATAL);
            }
            Err(Fatal::BrokenPipe) => return ExitCode::SUCCESS,
        };
        let walk_opts = zhnorm::batch::walk::WalkOptions {
            include: include.clone(),
            exclude: exclude.clone(),
            ..Default::default()
        };
        return match detect_cmd::run(
            paths,
            &walk_opts,
            *json,
            *from,
            zhnorm::pipeline::Options::default(),
            &conv,
        ) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(EXIT_INPUT_FAILED),
            Err(Fatal::BrokenPipe) => ExitCode::SUCCESS,
            Err(Fatal::Message { label, message }) => {
                report(&label, &message);
                ExitCode::from(EXIT_FATAL)
            }
        };
    }
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_INPUT_FAILED),
        // Whoever read our output went away (`zhnorm big.txt | head`):
        // that is how pipelines end, not a failure worth a message.
        Err(Fatal::BrokenPipe) => ExitCode::SUCCESS,
        Err(Fatal::Message { label, message }) => {
            report(&label, &message);
            ExitCode::from(EXIT_FATAL)
        }
    }
}

/// An error that stops the whole run.
pub(crate) enum Fatal {
    BrokenPipe,
    Message { label: String, message: String },
}

impl Fatal {
    fn new(label: impl Into<String>, message: impl Into<String>) -> Self {
        Fatal::Message {
            label: label.into(),
            message: message.into(),
        }
    }

    /// A failed write to standard output.
    pub(crate) fn stdout(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Fatal::BrokenPipe
        } else {
            Fatal::new("<stdout>", io_message(&e))
        }
    }
}

/// Why one input stopped early.
pub(crate) enum PumpError {
    /// The input could not be read or decoded; other inputs can go on.
    Input(String),
    /// The output could not be written.
    Output(io::Error),
}

/// Runs every input; `Ok(false)` if some input failed.
fn run(cli: &Cli) -> Result<bool, Fatal> {
    let converter = build_converter(cli)?;
    if batch_cmd::wanted(cli) {
        return batch_cmd::run(cli, &converter);
    }
    let inputs = cli.inputs();
    let started = std::time::Instant::now();
    if let Some(path) = &cli.report {
        if path.as_os_str() == "-" && cli.output_path().is_none() {
            return Err(Fatal::new(
                "--report",
                "standard output carries the cleaned text; give the report a file",
            ));
        }
        check_report_path(path, &inputs, cli.output_path())
            .map_err(|m| Fatal::new(path.to_string_lossy(), m))?;
    }
    let mut bufs = Buffers::new(Settings::from_cli(cli));
    let mut records = Vec::new();
    let result = match cli.output_path() {
        Some(out) => run_to_file(cli, &inputs, out, &converter, &mut bufs, &mut records),
        None => run_to_stdout(cli, &inputs, &converter, &mut bufs, &mut records),
    };
    // A run that stopped (output failed) reports nothing: its outputs are
    // not there to describe.
    if let (Ok(_), Some(path)) = (&result, &cli.report) {
        batch_cmd::write_single_report(path, records, started.elapsed())
            .map_err(|e| Fatal::new(path.to_string_lossy(), io_message(&e)))?;
    }
    result
}

/// Refuses a `--report` file that is one of the inputs or the output:
/// writing it would destroy what it reports on.
fn check_report_path(path: &Path, inputs: &[Input], output: Option<&Path>) -> Result<(), String> {
    let Ok(meta) = fs::metadata(path) else {
        return Ok(());
    };
    for input in inputs {
        if let Input::File(p) = input {
            if fs::metadata(p).is_ok_and(|m| same_file(&m, &meta, input, path)) {
                return Err(format!(
                    "is input {}; refusing to overwrite an input with the report",
                    p.display()
                ));
            }
        }
    }
    if let Some(out) = output {
        let as_input = Input::File(out.to_owned());
        if fs::metadata(out).is_ok_and(|m| same_file(&m, &meta, &as_input, path)) {
            return Err("is the output (-o); give the report another file".to_owned());
        }
    }
    Ok(())
}

/// Counts the bytes that pass, shared with whoever holds the other end
/// (the reader may move to a thread of its own).
struct Counted<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A [`RecordWrite`] that counts what is written through it.
struct CountedRecords<'a> {
    inner: &'a mut dyn RecordWrite,
    bytes: u64,
}

impl Write for CountedRecords<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl RecordWrite for CountedRecords<'_> {
    fn end_record(&mut self) -> io::Result<()> {
        self.inner.end_record()
    }
}

/// The first bytes of an input, for [`sniff`]: up to [`SNIFF_BYTES`],
/// and whether that is all of it. A live source (a pipe, a terminal) is
/// read only until its first line is in, or its first bytes already rule
/// out the formats that need more: a filter in a pipeline must not sit on
/// the records it has been sent.
fn read_head(source: &mut dyn Read, live: bool) -> io::Result<(Vec<u8>, bool)> {
    let mut head = vec![0u8; SNIFF_BYTES];
    let mut n = 0;
    while n < head.len() {
        match source.read(&mut head[n..]) {
            Ok(0) => {
                head.truncate(n);
                return Ok((head, true));
            }
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        if live && head_decides(&head[..n]) {
            break;
        }
    }
    head.truncate(n);
    Ok((head, false))
}

/// Whether a live input's first bytes are enough to sniff: a whole line
/// of content, or a first byte that can start neither a JSON object, a
/// WARC version line, a byte-order mark nor a compressed stream.
fn head_decides(head: &[u8]) -> bool {
    let Some(&first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if !matches!(first, b'{' | b'W' | 0xEF | 0x1f | 0x28 | b'B' | 0x50..=0x5f) {
        return true;
    }
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    head[start..].contains(&b'\n')
}

/// What one input went through, when it went through. Made once per
/// input, so the size of the text variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Done {
    Text(Outcome),
    Warc(zhnorm::batch::warc::WarcStats),
}

/// Sniffs one input, then runs it as the format it is (or was said to be)
/// into `out`: records for WARC, JSON Lines or text through `pump`.
/// Compressed inputs are read decompressed.
fn process_one(
    cli: &Cli,
    input: &Input,
    conv: &Converter,
    out: &mut dyn RecordWrite,
    bufs: &mut Buffers,
    bytes_in: &std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Result<Done, PumpError> {
    let label = input.label().into_owned();
    let mut source = open(input).map_err(|e| PumpError::Input(io_message(&e)))?;
    let live = source.is_live();
    let (head, complete) =
        read_head(&mut source, live).map_err(|e| PumpError::Input(io_message(&e)))?;
    let name = match input {
        Input::File(p) => Some(p.as_path()),
        Input::Stdin => None,
    };
    let sniffed = sniff(&head, name, complete);
    let format = chosen_format(cli, sniffed.format, &label);
    bytes_in.store(head.len() as u64, std::sync::atomic::Ordering::Relaxed);
    let counted = Counted {
        inner: source.into_send(),
        count: std::sync::Arc::clone(bytes_in),
    };
    let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(counted));
    let mut reader = compress::reader_send(sniffed.compression, raw)
        .map_err(|e| PumpError::Input(io_message(&e)))?;
    if format == DataFormat::Warc {
        let stats = warc_cmd::run(&mut reader, out, cli, conv).map_err(PumpError::Input)?;
        out.flush().map_err(PumpError::Output)?;
        warc_cmd::warn(&label, &stats, cli);
        return Ok(Done::Warc(stats));
    }
    bufs.settings.jsonl = (format == DataFormat::Jsonl).then(|| jsonl_fields(cli));
    let outcome = if live {
        pump(Feed::threaded(reader), Some(conv), out, true, bufs)?
    } else {
        pump(Feed::Direct(&mut reader), Some(conv), out, false, bufs)?
    };
    Ok(Done::Text(outcome))
}

/// The fields `--format jsonl` cleans: those named, or `text`.
pub(crate) fn jsonl_fields(cli: &Cli) -> Vec<String> {
    if cli.fields.is_empty() {
        vec!["text".to_owned()]
    } else {
        cli.fields.clone()
    }
}

/// The format an input is processed as: `--format` when it names one, else
/// what sniffing found. With `--format auto`, options for a format the
/// input turned out not to be are ignored for it, with a warning naming it.
pub(crate) fn chosen_format(cli: &Cli, sniffed: DataFormat, label: &str) -> DataFormat {
    let format = format_for(cli, sniffed);
    if cli.format == cli::FormatArg::Auto && !cli.quiet {
        if !cli.fields.is_empty() && format != DataFormat::Jsonl {
            report(
                label,
                &format!(
                    "warning: --field applies to JSON Lines, and this input is {}; ignored for it",
                    format_phrase(format)
                ),
            );
        }
        if cli.to == cli::ToArg::Jsonl && format != DataFormat::Warc {
            report(
                label,
                &format!(
                    "warning: --to jsonl applies to WARC, and this input is {}; ignored for it",
                    format_phrase(format)
                ),
            );
        }
    }
    format
}

/// [`chosen_format`] without the warnings.
pub(crate) fn format_for(cli: &Cli, sniffed: DataFormat) -> DataFormat {
    match cli.format {
        cli::FormatArg::Auto => sniffed,
        cli::FormatArg::Warc => DataFormat::Warc,
        cli::FormatArg::Jsonl => DataFormat::Jsonl,
        cli::FormatArg::Text | cli::FormatArg::Html => DataFormat::Other,
    }
}

fn format_phrase(f: DataFormat) -> &'static str {
    match f {
        DataFormat::Jsonl => "JSON Lines",
        DataFormat::Warc => "WARC",
        DataFormat::Other => "text or HTML",
    }
}

/// Fills `buf` as far as the input allows; the count read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn build_converter(cli: &Cli) -> Result<Converter, Fatal> {
    let dicts = cli
        .dicts
        .iter()
        .map(|p| UserDict::from_path(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(convert_error)?;
    Converter::with_user_dicts(&cli.config, &dicts).map_err(convert_error)
}

fn convert_error(e: ConvertError) -> Fatal {
    match e {
        ConvertError::Io { path, source } => {
            Fatal::new(path.to_string_lossy(), io_message(&source))
        }
        ConvertError::DictSyntax {
            path,
            line,
            message,
        } => Fatal::new(format!("{}:{line}", path.display()), message),
        ConvertError::DictTooLarge { path, limit } => Fatal::new(
            path.to_string_lossy(),
            format!(
                "larger than {} MiB, the most a dictionary may have",
                limit / (1024 * 1024)
            ),
        ),
        // Listed explicitly so a new variant has to be given a label here.
        e @ ConvertError::UnknownConfig(_) => Fatal::new("--config", e.to_string()),
    }
}

fn run_to_stdout(
    cli: &Cli,
    inputs: &[Input],
    conv: &Converter,
    bufs: &mut Buffers,
    records: &mut Vec<batch_cmd::SingleRecord>,
) -> Result<bool, Fatal> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(CHUNK, stdout.lock());
    let mut all_ok = true;
    for input in inputs {
        let bytes_in = std::sync::Arc::default();
        let mut plain = PlainRecords(&mut out);
        let mut counted = CountedRecords {
            inner: &mut plain,
            bytes: 0,
        };
        let result = process_one(cli, input, conv, &mut counted, bufs, &bytes_in);
        let mut rec = batch_cmd::SingleRecord {
            input: input.label().into_owned(),
            output: None,
            error: None,
            bytes_in: bytes_in.load(std::sync::atomic::Ordering::Relaxed),
            bytes_out: counted.bytes,
            outcome: None,
            warc: None,
        };
        match result {
            Ok(done) => {
                out.flush().map_err(Fatal::stdout)?;
                match done {
                    Done::Text(outcome) => {
                        warn(&input.label(), &outcome, &bufs.settings);
                        rec.outcome = Some(outcome);
                    }
                    Done::Warc(stats) => rec.warc = Some(stats),
                }
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

fn run_to_file(
    cli: &Cli,
    inputs: &[Input],
    dest: &Path,
    conv: &Converter,
    bufs: &mut Buffers,
    records: &mut Vec<batch_cmd::SingleRecord>,
) -> Result<bool, Fatal> {
    let dest_label = dest.to_string_lossy().into_owned();
    // What is written under a `.gz` name is gzip.
    let comp = Compression::from_path(dest);
    let dest = resolve_output(dest, inputs).map_err(|m| Fatal::new(&*dest_label, m))?;
    let mut file =
        OutputFile::create(&dest).map_err(|e| Fatal::new(&*dest_label, io_message(&e)))?;
    let mut all_ok = true;
    let written = std::sync::Arc::default();
    let counted = Counted {
        inner: file.writer(),
        count: std::sync::Arc::clone(&written),
    };
    let mut writer =
        CompressWriter::new(comp, counted).map_err(|e| Fatal::new(&*dest_label, io_message(&e)))?;
    // `Cli::validate` allows a single input here; the loop just avoids
    // depending on that.
    let first = records.len();
    for input in inputs {
        let bytes_in = std::sync::Arc::default();
        let mut rec = batch_cmd::SingleRecord {
            input: input.label().into_owned(),
            output: Some(dest_label.clone()),
            error: None,
            bytes_in: 0,
            bytes_out: 0,
            outcome: None,
            warc: None,
        };
        match process_one(cli, input, conv, &mut writer, bufs, &bytes_in) {
            Ok(Done::Text(outcome)) => {
                warn(&input.label(), &outcome, &bufs.settings);
                rec.outcome = Some(outcome);
            }
            Ok(Done::Warc(stats)) => rec.warc = Some(stats),
            Err(PumpError::Output(e)) => return Err(Fatal::new(dest_label, io_message(&e))),
            Err(PumpError::Input(message)) => {
                all_ok = false;
                report(&input.label(), &message);
                rec.error = Some(message);
            }
        }
        rec.bytes_in = bytes_in.load(std::sync::atomic::Ordering::Relaxed);
        records.push(rec);
    }
    writer
        .finish()
        .map_err(|e| Fatal::new(&*dest_label, io_message(&e)))?;
    if all_ok {
        file.commit()
            .map_err(|e| Fatal::new(&*dest_label, io_message(&e)))?;
        // The file's bytes, once all are written (one input here).
        if let Some(last) = records[first..].last_mut() {
            last.bytes_out = written.load(std::sync::atomic::Ordering::Relaxed);
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

/// Checks that `-o` may be written and returns the path to replace.
fn resolve_output(dest: &Path, inputs: &[Input]) -> Result<PathBuf, String> {
    let meta = match fs::metadata(dest) {
        Ok(m) => m,
        // Nothing there yet, so it cannot be one of the inputs.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(dest.to_owned()),
        Err(e) => return Err(io_message(&e)),
    };
    if meta.is_dir() {
        return Err("is a directory".to_owned());
    }
    for input in inputs {
        let input_meta = match input {
            Input::File(p) => fs::metadata(p).ok(),
            Input::Stdin => stdin_metadata(),
        };
        if input_meta.is_some_and(|m| same_file(&m, &meta, input, dest)) {
            return Err(format!(
                "is the same file as input {}; refusing to overwrite an input",
                input.label()
            ));
        }
    }
    // Replace what a symlink points to rather than the link itself, and
    // keep the temporary file on the target's file system so the final
    // rename is atomic.
    fs::canonicalize(dest).map_err(|e| io_message(&e))
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata, _: &Input, _: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata, input: &Input, dest: &Path) -> bool {
    match input {
        Input::File(p) => match (fs::canonicalize(p), fs::canonicalize(dest)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        Input::Stdin => false,
    }
}

/// Metadata of whatever standard input is connected to, so that
/// `zhnorm -o a.txt < a.txt` is refused like `zhnorm -o a.txt a.txt`.
#[cfg(unix)]
fn stdin_metadata() -> Option<fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    File::from(fd).metadata().ok()
}

#[cfg(not(unix))]
fn stdin_metadata() -> Option<fs::Metadata> {
    None
}

/// An open input.
pub(crate) enum Source {
    Stdin(io::StdinLock<'static>),
    File { file: File, live: bool },
}

impl Source {
    /// Whether more data may arrive later (a pipe, terminal or FIFO), so
    /// output should be flushed after every read rather than when the
    /// buffer fills.
    pub(crate) fn is_live(&self) -> bool {
        match self {
            // Standard input redirected from a file is as complete as a file.
            Source::Stdin(_) => !stdin_metadata().is_some_and(|m| m.is_file()),
            Source::File { live, .. } => *live,
        }
    }
}

impl Source {
    /// The source as a reader that may move to another thread.
    pub(crate) fn into_send(self) -> Box<dyn Read + Send> {
        match self {
            // The lock is not Send; the handle is, and locks per read.
            Source::Stdin(lock) => {
                drop(lock);
                Box::new(io::stdin())
            }
            Source::File { file, .. } => Box::new(file),
        }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Stdin(s) => s.read(buf),
            Source::File { file, .. } => file.read(buf),
        }
    }
}

pub(crate) fn open(input: &Input) -> io::Result<Source> {
    match input {
        Input::Stdin => Ok(Source::Stdin(io::stdin().lock())),
        Input::File(path) => {
            let file = File::open(path)?;
            let live = file.metadata().map(|m| !m.is_file()).unwrap_or(true);
            Ok(Source::File { file, live })
        }
    }
}

/// How every input is treated, from the command line.
#[derive(Clone)]
pub(crate) struct Settings {
    pub decode: DecodeOptions,
    pub pipeline: pipeline::Options,
    /// `--format jsonl`: the fields to clean.
    pub jsonl: Option<Vec<String>>,
    pub strict: bool,
    pub quiet: bool,
}

impl Settings {
    pub(crate) fn from_cli(cli: &Cli) -> Self {
        Settings {
            decode: DecodeOptions {
                from: cli.from,
                ..DecodeOptions::default()
            },
            pipeline: cli.pipeline_options(),
            jsonl: (cli.format == cli::FormatArg::Jsonl).then(|| jsonl_fields(cli)),
            strict: cli.strict,
            quiet: cli.quiet,
        }
    }
}

/// Buffers reused across inputs, and the settings they serve.
pub(crate) struct Buffers {
    settings: Settings,
    bytes: Vec<u8>,
    text: String,
    out: String,
}

impl Buffers {
    pub(crate) fn new(settings: Settings) -> Self {
        Buffers {
            settings,
            bytes: vec![0; CHUNK],
            text: String::with_capacity(CHUNK * 2),
            out: String::with_capacity(CHUNK * 2),
        }
    }
}

/// What one input went through, for messages.
pub(crate) struct Outcome {
    pub decode: DecodeReport,
    pub stats: pipeline::Stats,
    /// `--format jsonl`: lines rewritten, passed through, invalid.
    pub jsonl: Option<JsonlStats>,
    /// `--format jsonl`: the first invalid lines and why.
    pub jsonl_errors: Vec<(u64, String)>,
}

/// The stages after decoding: the text pipeline, or JSON Lines whose
/// fields each go through a pipeline of their own.
enum Stages<'a> {
    Text(Pipeline<'a>),
    Jsonl {
        rewriter: JsonlRewriter<'a>,
        records: std::rc::Rc<std::cell::RefCell<JsonlRecords<'a>>>,
    },
}

/// Cleans and converts the named fields of JSON Lines records: each record
/// is a document, judged on all its fields together.
struct JsonlRecords<'a> {
    options: pipeline::Options,
    conv: Option<&'a Converter>,
    /// Counts over every field.
    stats: pipeline::Stats,
    /// The input's language, judged like any document's on the beginning
    /// of its cleaned field text, for the reports.
    evidence: Evidence,
}

impl JsonlRecords<'_> {
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
    fn carefully(&mut self, values: &[&str], outs: &mut Vec<String>) {
        let mut cleaned = Vec::with_capacity(values.len());
        for value in values {
            // Judged below with the record's other fields, not alone.
            let mut p = Pipeline::new(self.options, None).with_language(Language::Other);
            let mut out = String::with_capacity(value.len());
            let _ = p.push(value, &mut out);
            if let Ok(s) = p.finish(&mut out) {
                self.stats.clean.add(&s.clean);
            }
            self.evidence.observe(&out);
            // Two values are not one word.
            self.evidence.observe("\n");
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
    fn new(settings: &Settings, conv: Option<&'a Converter>) -> Self {
        let Some(fields) = &settings.jsonl else {
            return Stages::Text(Pipeline::new(settings.pipeline, conv));
        };
        let records = std::rc::Rc::new(std::cell::RefCell::new(JsonlRecords {
            options: settings.pipeline,
            conv,
            stats: pipeline::Stats::default(),
            evidence: Evidence::new(),
        }));
        let inner = std::rc::Rc::clone(&records);
        let clean =
            move |values: &[&str], out: &mut Vec<String>| inner.borrow_mut().clean(values, out);
        Stages::Jsonl {
            rewriter: JsonlRewriter::by_record(fields.clone(), Box::new(clean)),
            records,
        }
    }

    /// The same stages for a document whose language was judged on its
    /// beginning elsewhere (JSON Lines judge each record by itself).
    fn with_language(self, language: Language) -> Self {
        match self {
            Stages::Text(p) => Stages::Text(p.with_language(language)),
            jsonl => jsonl,
        }
    }

    fn push(&mut self, text: &str, out: &mut String) -> Result<(), PipelineError> {
        match self {
            Stages::Text(p) => p.push(text, out),
            Stages::Jsonl { rewriter, .. } => {
                rewriter.push(text, out);
                Ok(())
            }
        }
    }

    fn is_holding(&self) -> bool {
        match self {
            Stages::Text(p) => p.is_holding(),
            Stages::Jsonl { .. } => false,
        }
    }

    fn settle(&mut self, out: &mut String) -> Result<(), PipelineError> {
        match self {
            Stages::Text(p) => p.settle(out),
            Stages::Jsonl { .. } => Ok(()),
        }
    }

    /// Flushes and returns the text stats, and JSON Lines' own counts.
    fn finish(self, out: &mut String) -> Result<Finished, PipelineError> {
        match self {
            Stages::Text(p) => Ok((p.finish(out)?, None, Vec::new())),
            Stages::Jsonl {
                mut rewriter,
                records,
            } => {
                let j = rewriter.finish(out);
                let mut errors = rewriter.errors().to_vec();
                // Line 0: about the input as a whole (see `warn`).
                for f in rewriter.missing_fields() {
                    errors.push((
                        0,
                        format!("field {f:?} is in none of the {} records", j.objects),
                    ));
                }
                drop(rewriter);
                let mut records = records.borrow_mut();
                let mut s = records.stats;
                // `converted`: whether any field was.
                s.language = records.evidence.decide();
                Ok((s, Some(j), errors))
            }
        }
    }
}

/// What [`Stages::finish`] returns: the text counts, and JSON Lines' own
/// counts and first errors when the input was JSON Lines.
type Finished = (pipeline::Stats, Option<JsonlStats>, Vec<(u64, String)>);

/// Why an input's bytes are not decoded as text at all, if they are not.
pub(crate) fn refuse_binary(report: &DecodeReport, settings: &DecodeOptions) -> Option<String> {
    let at = report.binary_at()?;
    if settings.from.is_some() || at >= PREFIX as u64 {
        return None;
    }
    Some(format!(
        "binary data (NUL byte at offset {at}), not decoded; give --from to decode it anyway"
    ))
}

/// Streams one input through decode → clean → convert into `out`.
///
/// On a read error, the text before it is still written, so that output
/// up to the failure is kept.
/// `conv` is `None` for `zhnorm detect`, which runs the same stages up to
/// conversion and throws the text away.
pub(crate) fn pump(
    mut feed: Feed<'_>,
    conv: Option<&Converter>,
    out: &mut dyn Write,
    flush_each: bool,
    bufs: &mut Buffers,
) -> Result<Outcome, PumpError> {
    let mut decoder = AutoDecoder::new(bufs.settings.decode);
    let mut stages = Stages::new(&bufs.settings, conv);
    let html_failed = |e: PipelineError| PumpError::Input(e.to_string());
    // Invariant: `bufs.out` holds only output not yet written.
    bufs.out.clear();
    bufs.text.clear();
    let failure: Option<String> = loop {
        // While a stage holds lines back for its verdict, wait for more
        // input only briefly: a live stream that goes quiet gets its
        // verdict on what it has sent, and its lines flow.
        let wait = (decoder.is_waiting() || stages.is_holding()).then_some(QUIET);
        let direct = match feed.next(&mut bufs.bytes, wait) {
            Fed::Data(n) => decoder.push_borrowed(&bufs.bytes[..n], &mut bufs.text),
            Fed::Quiet => {
                decoder.settle(&mut bufs.text);
                stages
                    .push(&bufs.text, &mut bufs.out)
                    .map_err(html_failed)?;
                bufs.text.clear();
                stages.settle(&mut bufs.out).map_err(html_failed)?;
                ""
            }
            Fed::End => break None,
            Fed::Failed(e) => break Some(io_message(&e)),
        };
        if let Some(m) = refuse_binary(decoder.report(), &bufs.settings.decode) {
            return Err(PumpError::Input(m));
        }
        stages
            .push(&bufs.text, &mut bufs.out)
            .map_err(html_failed)?;
        bufs.text.clear();
        stages.push(direct, &mut bufs.out).map_err(html_failed)?;
        write_out(out, &mut bufs.out, flush_each)?;
    };
    decoder.finish(&mut bufs.text);
    if let Some(m) = refuse_binary(decoder.report(), &bufs.settings.decode) {
        return Err(PumpError::Input(m));
    }
    stages
        .push(&bufs.text, &mut bufs.out)
        .map_err(html_failed)?;
    bufs.text.clear();
    let (stats, jsonl, jsonl_errors) = stages.finish(&mut bufs.out).map_err(html_failed)?;
    write_out(out, &mut bufs.out, flush_each)?;
    let outcome = Outcome {
        decode: decoder.report().clone(),
        stats,
        jsonl,
        jsonl_errors,
    };
    if let Some(m) = failure {
        return Err(PumpError::Input(m));
    }
    if bufs.settings.strict {
        if let Some(m) = strict_failure(&outcome) {
            return Err(PumpError::Input(m));
        }
    }
    Ok(outcome)
}

/// How long live input may stay quiet before the decoder settles its
/// verdict on what it has (see [`AutoDecoder::settle`]).
const QUIET: Duration = Duration::from_millis(50);

/// Where an input's bytes come from: read directly, or, for live input, by
/// a thread, so that waiting for more can time out.
pub(crate) enum Feed<'a> {
    Direct(&'a mut dyn Read),
    Threaded(mpsc::Receiver<io::Result<Vec<u8>>>),
}

/// What [`Feed::threaded`] reads: an open input, or a reader already
/// made from one (decompressing, with the sniffed head put back).
pub(crate) trait IntoSend {
    fn into_send_reader(self) -> Box<dyn Read + Send>;
}

impl IntoSend for Source {
    fn into_send_reader(self) -> Box<dyn Read + Send> {
        self.into_send()
    }
}

impl IntoSend for Box<dyn Read + Send> {
    fn into_send_reader(self) -> Box<dyn Read + Send> {
        self
    }
}

/// What one attempt to get input gave.
enum Fed {
    Data(usize),
    /// Nothing came within the time allowed.
    Quiet,
    End,
    Failed(io::Error),
}

impl Feed<'_> {
    /// Read a live source on a thread of its own. The thread ends at end of
    /// input or error, or blocks in `read` until the process exits.
    pub(crate) fn threaded(source: impl IntoSend) -> Feed<'static> {
        let mut reader = source.into_send_reader();
        let (tx, rx) = mpsc::sync_channel(4);
        thread::spawn(move || loop {
            let mut buf = vec![0u8; CHUNK];
            match reader.read(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    if tx.send(Ok(buf)).is_err() || n == 0 {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        });
        Feed::Threaded(rx)
    }

    /// The next bytes, into `buf` (which is never shorter than a read),
    /// waiting at most `wait` if given.
    fn next(&mut self, buf: &mut [u8], wait: Option<Duration>) -> Fed {
        match self {
            Feed::Direct(source) => loop {
                // Plain `read` calls return whatever a pipe has now,
                // instead of waiting for a full buffer or a whole line.
                match source.read(buf) {
                    Ok(0) => return Fed::End,
                    Ok(n) => return Fed::Data(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Fed::Failed(e),
                }
            },
            Feed::Threaded(rx) => {
                let got = match wait {
                    Some(wait) => match rx.recv_timeout(wait) {
                        Ok(got) => got,
                        Err(mpsc::RecvTimeoutError::Timeout) => return Fed::Quiet,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return Fed::End,
                    },
                    None => match rx.recv() {
                        Ok(got) => got,
                        Err(_) => return Fed::End,
                    },
                };
                match got {
                    Ok(data) if data.is_empty() => Fed::End,
                    Ok(data) => {
                        let n = data.len();
                        buf[..n].copy_from_slice(&data);
                        Fed::Data(n)
                    }
                    Err(e) => Fed::Failed(e),
                }
            }
        }
    }
}

/// Why `--strict` fails an input that went through: damage decoding
/// found, or a `--field` that no JSON Lines record has.
pub(crate) fn strict_failure(outcome: &Outcome) -> Option<String> {
    damage_message(&outcome.decode).or_else(|| {
        outcome
            .jsonl_errors
            .iter()
            .find(|(line, _)| *line == 0)
            .map(|(_, why)| why.clone())
    })
}

/// One line saying where decoding found damage, if it did.
pub(crate) fn damage_message(report: &DecodeReport) -> Option<String> {
    let first = *report.damage_offsets.first()?;
    let n = report.damaged;
    let what = if n == 1 { "spot" } else { "spots" };
    Some(format!(
        "{n} damaged byte {what} written as U+FFFD (first at byte offset {first})"
    ))
}

/// Warnings about what an input needed, unless `--quiet`.
fn warn(label: &str, outcome: &Outcome, settings: &Settings) {
    if settings.quiet {
        return;
    }
    if let Some(m) = damage_message(&outcome.decode) {
        report(label, &format!("warning: {m}"));
    }
    if let Some(j) = &outcome.jsonl {
        // Line 0 entries are about the whole input; the others name the
        // first invalid lines, of which a few are shown.
        for (_, why) in outcome.jsonl_errors.iter().filter(|(l, _)| *l == 0) {
            report(
                label,
                &format!("warning: {why}; nothing was cleaned for it"),
            );
        }
        const SHOWN: usize = 3;
        let lines = outcome.jsonl_errors.iter().filter(|(l, _)| *l > 0);
        for (line, why) in lines.take(SHOWN) {
            report(
                label,
                &format!("warning: line {line}: {why}; passed through unchanged"),
            );
        }
        if j.invalid > 0 {
            let shown = if j.invalid > SHOWN as u64 {
                " (the first above)"
            } else {
                ""
            };
            report(
                label,
                &format!(
                    "warning: {} of {} lines passed through unchanged{shown}",
                    j.invalid, j.lines
                ),
            );
        }
    }
    // Damage that decoding marked is reported above; each of its U+FFFD
    // runs is found again by the mojibake scan and not worth saying twice.
    let irreparable =
        (outcome.stats.clean.mojibake.irreparable as u64).saturating_sub(outcome.decode.damaged);
    if irreparable > 0 {
        report(
            label,
            &format!("warning: {irreparable} irreparable mojibake spot(s) (锟斤拷 or U+FFFD runs) left as they are"),
        );
    }
    // The repair's work limit keeps random bytes and dense debris from
    // costing minutes; what it did not search is as it came, and says so.
    let unsearched = outcome.stats.clean.mojibake.unsearched;
    if unsearched > 0 {
        report(
            label,
            &format!("warning: {unsearched} line(s) too costly to search for mojibake in full (random bytes or dense debris); the unsearched rest of each is left as it came"),
        );
    }
}

fn write_out(out: &mut dyn Write, text: &mut String, flush: bool) -> Result<(), PumpError> {
    out.write_all(text.as_bytes()).map_err(PumpError::Output)?;
    text.clear();
    if flush {
        out.flush().map_err(PumpError::Output)?;
    }
    Ok(())
}

/// The `-o` file. A regular file appears under its name only when
/// complete: it is written as a temporary file beside it, then renamed over
/// it. Anything else that already exists there (a FIFO, `/dev/null`, a
/// terminal) is written in place, since replacing it would be wrong.
pub(crate) struct OutputFile {
    writer: BufWriter<File>,
    /// The temporary file, for atomic replacement; `None` when writing in
    /// place.
    tmp: Option<PathBuf>,
    dest: PathBuf,
    committed: bool,
}

impl OutputFile {
    fn create(dest: &Path) -> io::Result<Self> {
        Self::create_with(dest, None)
    }

    /// As [`OutputFile::create`], with the permissions the result gets
    /// (default: those of the file it replaces, if any).
    pub(crate) fn create_with(
        dest: &Path,
        permissions: Option<fs::Permissions>,
    ) -> io::Result<Self> {
        let existing = fs::metadata(dest).ok();
        if existing.as_ref().is_some_and(|m| !m.is_file()) {
            let file = OpenOptions::new().write(true).open(dest)?;
            return Ok(OutputFile {
                writer: BufWriter::with_capacity(CHUNK, file),
                tmp: None,
                dest: dest.to_owned(),
                committed: false,
            });
        }
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut attempt = 0u32;
        let (file, tmp) = loop {
            // Hidden, and named after the destination so a leftover from a
            // killed run is recognisable.
            let mut tmp_name = OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".zhnorm-{}-{attempt}.tmp", std::process::id()));
            let tmp = dir.join(tmp_name);
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(f) => break (f, tmp),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let this = OutputFile {
            writer: BufWriter::with_capacity(CHUNK, file),
            tmp: Some(tmp),
            dest: dest.to_owned(),
            committed: false,
        };
        // Replacing a file should not change who may read it.
        let permissions = permissions.or_else(|| existing.map(|m| m.permissions()));
        if let (Some(p), Some(_)) = (permissions, &this.tmp) {
            this.writer.get_ref().set_permissions(p)?;
        }
        Ok(this)
    }

    pub(crate) fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    pub(crate) fn commit(mut self) -> io::Result<()> {
        self.writer.flush()?;
        if let Some(tmp) = &self.tmp {
            // Without this a crash soon after the rename can leave an empty
            // file under the final name on some file systems.
            self.writer.get_ref().sync_all()?;
            fs::rename(tmp, &self.dest)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl OutputFile {
    /// Flushes the output without syncing or renaming it, for a caller
    /// that makes many outputs durable at once ([`commit`]).
    pub(crate) fn into_unpublished(mut self) -> io::Result<Unpublished> {
        self.writer.flush()?;
        let file = self.writer.get_ref().try_clone()?;
        // From here the temporary file belongs to the `Unpublished`.
        self.committed = true;
        Ok(Unpublished {
            file,
            tmp: self.tmp.take(),
            dest: self.dest.clone(),
        })
    }
}

/// An output whose bytes are written but which is not yet under its final
/// name. Dropped unpublished, it removes its temporary file.
pub(crate) struct Unpublished {
    file: File,
    tmp: Option<PathBuf>,
    dest: PathBuf,
}

impl Unpublished {
    /// The open output, to sync.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The final name.
    pub(crate) fn dest(&self) -> &Path {
        &self.dest
    }

    /// Renames the output into place (the caller has made its bytes
    /// durable first) and returns the open file, whose file system then
    /// holds the rename to sync.
    pub(crate) fn publish(mut self) -> io::Result<File> {
        if let Some(tmp) = self.tmp.take() {
            if let Err(e) = fs::rename(&tmp, &self.dest) {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        }
        self.file.try_clone()
    }
}

impl Drop for Unpublished {
    fn drop(&mut self) {
        if let Some(tmp) = &self.tmp {
            let _ = fs::remove_file(tmp);
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let (false, Some(tmp)) = (self.committed, &self.tmp) {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Prints one error line. Never panics, unlike `eprintln!`, when stderr is
/// closed.
pub(crate) fn report(label: &str, message: &str) {
    let _ = writeln!(io::stderr().lock(), "zhnorm: {label}: {message}");
}

/// The OS's description of an I/O error without Rust's " (os error N)"
/// suffix, matching what other command-line tools print.
pub(crate) fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    match (e.raw_os_error(), s.rfind(" (os error ")) {
        (Some(_), Some(i)) => s[..i].to_owned(),
        _ => s,
    }
}
