//! The `zhnorm` command: wires decode → convert between inputs and an output.
//!
//! Everything streams through fixed-size buffers, so memory stays bounded
//! whatever the input size, and piped input is passed on as it arrives.

mod cli;

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Input};
use zhnorm::convert::{ConvertError, Converter, UserDict};
use zhnorm::decode::{ReadError, TextReader};

/// Read size. Large enough that per-call overhead vanishes on files, small
/// enough that memory use is trivially bounded.
const CHUNK: usize = 256 * 1024;

const EXIT_INPUT_FAILED: u8 = 1;
const EXIT_FATAL: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = cli.validate() {
        e.exit();
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
enum Fatal {
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
    fn stdout(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Fatal::BrokenPipe
        } else {
            Fatal::new("<stdout>", io_message(&e))
        }
    }
}

/// Why one input stopped early.
enum PumpError {
    /// The input could not be read or decoded; other inputs can go on.
    Input(String),
    /// The output could not be written.
    Output(io::Error),
}

/// Runs every input; `Ok(false)` if some input failed.
fn run(cli: &Cli) -> Result<bool, Fatal> {
    let converter = build_converter(cli)?;
    let inputs = cli.inputs();
    // There is no cleanup stage yet; once there is, it runs between decode
    // and convert unless `--convert-only` is given.
    let _ = cli.convert_only;
    let mut bufs = Buffers::new();
    match cli.output_path() {
        Some(out) => run_to_file(&inputs, out, &converter, &mut bufs),
        None => run_to_stdout(&inputs, &converter, &mut bufs),
    }
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
        // Listed explicitly so a new variant has to be given a label here.
        e @ ConvertError::UnknownConfig(_) => Fatal::new("--config", e.to_string()),
    }
}

fn run_to_stdout(inputs: &[Input], conv: &Converter, bufs: &mut Buffers) -> Result<bool, Fatal> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(CHUNK, stdout.lock());
    let mut all_ok = true;
    for input in inputs {
        let result = match open(input) {
            Ok(mut source) => {
                let live = source.is_live();
                pump(&mut source, conv, &mut out, live, bufs)
            }
            Err(e) => Err(PumpError::Input(io_message(&e))),
        };
        match result {
            Ok(()) => {}
            Err(PumpError::Output(e)) => return Err(Fatal::stdout(e)),
            Err(PumpError::Input(message)) => {
                all_ok = false;
                // So that on a terminal the message follows the output
                // that came before it.
                out.flush().map_err(Fatal::stdout)?;
                report(&input.label(), &message);
            }
        }
    }
    out.flush().map_err(Fatal::stdout)?;
    Ok(all_ok)
}

fn run_to_file(
    inputs: &[Input],
    dest: &Path,
    conv: &Converter,
    bufs: &mut Buffers,
) -> Result<bool, Fatal> {
    let dest_label = dest.to_string_lossy().into_owned();
    let dest = resolve_output(dest, inputs).map_err(|m| Fatal::new(&*dest_label, m))?;
    let mut file =
        OutputFile::create(&dest).map_err(|e| Fatal::new(&*dest_label, io_message(&e)))?;
    let mut all_ok = true;
    // `Cli::validate` allows a single input here; the loop just avoids
    // depending on that.
    for input in inputs {
        let result = match open(input) {
            Ok(mut source) => pump(&mut source, conv, file.writer(), false, bufs),
            Err(e) => Err(PumpError::Input(io_message(&e))),
        };
        match result {
            Ok(()) => {}
            Err(PumpError::Output(e)) => return Err(Fatal::new(dest_label, io_message(&e))),
            Err(PumpError::Input(message)) => {
                all_ok = false;
                report(&input.label(), &message);
            }
        }
    }
    if all_ok {
        file.commit()
            .map_err(|e| Fatal::new(dest_label, io_message(&e)))?;
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
enum Source {
    Stdin(io::StdinLock<'static>),
    File { file: File, live: bool },
}

impl Source {
    /// Whether more data may arrive later (a pipe, terminal or FIFO), so
    /// output should be flushed after every read rather than when the
    /// buffer fills.
    fn is_live(&self) -> bool {
        match self {
            Source::Stdin(_) => true,
            Source::File { live, .. } => *live,
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

fn open(input: &Input) -> io::Result<Source> {
    match input {
        Input::Stdin => Ok(Source::Stdin(io::stdin().lock())),
        Input::File(path) => {
            let file = File::open(path)?;
            let live = file.metadata().map(|m| !m.is_file()).unwrap_or(true);
            Ok(Source::File { file, live })
        }
    }
}

/// Buffers reused across inputs.
struct Buffers {
    out: String,
}

impl Buffers {
    fn new() -> Self {
        Buffers {
            out: String::with_capacity(CHUNK * 2),
        }
    }
}

/// Streams one input through decode → convert into `out`.
///
/// On a read or decode error, the text before the error is still converted
/// and written, so that output up to the bad byte is kept.
fn pump(
    source: &mut dyn Read,
    conv: &Converter,
    out: &mut dyn Write,
    flush_each: bool,
    bufs: &mut Buffers,
) -> Result<(), PumpError> {
    // Plain `read` calls (inside TextReader) return whatever a pipe has
    // now, instead of waiting for a full buffer or a whole line.
    let mut reader = TextReader::new(source, CHUNK);
    let mut stream = conv.stream();
    // Invariant: `bufs.out` holds only output not yet written.
    bufs.out.clear();
    let failure: Option<String> = loop {
        match reader.next_chunk() {
            Ok(Some(text)) => stream.push(text, &mut bufs.out),
            Ok(None) => break None,
            Err(ReadError::Io(e)) => break Some(io_message(&e)),
            Err(ReadError::Decode(e)) => break Some(e.to_string()),
        }
        write_out(out, &mut bufs.out, flush_each)?;
    };
    stream.finish(&mut bufs.out);
    write_out(out, &mut bufs.out, flush_each)?;
    match failure {
        Some(m) => Err(PumpError::Input(m)),
        None => Ok(()),
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
struct OutputFile {
    writer: BufWriter<File>,
    /// The temporary file, for atomic replacement; `None` when writing in
    /// place.
    tmp: Option<PathBuf>,
    dest: PathBuf,
    committed: bool,
}

impl OutputFile {
    fn create(dest: &Path) -> io::Result<Self> {
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
        if let (Some(meta), Some(tmp)) = (existing, &this.tmp) {
            fs::set_permissions(tmp, meta.permissions())?;
        }
        Ok(this)
    }

    fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    fn commit(mut self) -> io::Result<()> {
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

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let (false, Some(tmp)) = (self.committed, &self.tmp) {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Prints one error line. Never panics, unlike `eprintln!`, when stderr is
/// closed.
fn report(label: &str, message: &str) {
    let _ = writeln!(io::stderr().lock(), "zhnorm: {label}: {message}");
}

/// The OS's description of an I/O error without Rust's " (os error N)"
/// suffix, matching what other command-line tools print.
fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    match (e.raw_os_error(), s.rfind(" (os error ")) {
        (Some(_), Some(i)) => s[..i].to_owned(),
        _ => s,
    }
}
