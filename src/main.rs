//! The `zhnorm` command: flags in, exit status out. Each input goes
//! through the library's one entry point ([`zhnorm::normalize`]); this
//! binary only opens inputs and outputs and wires runs together:
//! [`single`] for standard output and `-o FILE`, [`batch_cmd`] for trees,
//! [`detect_cmd`] for `zhnorm detect`.

mod batch_cmd;
mod cli;
mod commit;
mod completions;
mod detect_cmd;
mod files;
mod single;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use cli::{Cli, Command};
use zhnorm::convert::{ConvertError, Converter, UserDict};
use zhnorm::normalize::{Buffers, Options};

const EXIT_INPUT_FAILED: u8 = 1;
const EXIT_FATAL: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    if let Err(e) = cli.validate() {
        e.exit();
    }
    let result = build_converter(&cli).and_then(|conv| {
        let options = cli.options(Arc::new(conv));
        match &cli.command {
            Some(Command::Detect {
                paths,
                include,
                exclude,
                json,
                from,
            }) => {
                // Top-level flags cannot come with the subcommand, so the
                // options are the defaults: what `converted` is reported
                // for.
                let mut options = options;
                options.from = *from;
                let walk_opts = zhnorm::batch::walk::WalkOptions {
                    include: include.clone(),
                    exclude: exclude.clone(),
                    ..Default::default()
                };
                detect_cmd::run(paths, &walk_opts, *json, &options)
            }
            // `Cli::parse_args` prints these and exits before any
            // converter is built; nothing is left to do.
            Some(Command::Completions { .. } | Command::Man { .. }) => Ok(true),
            None => run(&cli, &options),
        }
    });
    match result {
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

/// Runs every input; `Ok(false)` if some input failed.
fn run(cli: &Cli, options: &Options) -> Result<bool, Fatal> {
    if batch_cmd::wanted(cli) {
        return batch_cmd::run(cli, options);
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
        files::check_report_path(path, &inputs, cli.output_path())
            .map_err(|m| Fatal::new(path.to_string_lossy(), m))?;
    }
    let mut bufs = Buffers::default();
    let mut records = Vec::new();
    let result = match cli.output_path() {
        Some(out) => single::run_to_file(cli, options, &inputs, out, &mut bufs, &mut records),
        None => single::run_to_stdout(cli, options, &inputs, &mut bufs, &mut records),
    };
    // A run that stopped (output failed) reports nothing: its outputs are
    // not there to describe.
    if let (Ok(_), Some(path)) = (&result, &cli.report) {
        batch_cmd::write_single_report(path, records, started.elapsed())
            .map_err(|e| Fatal::new(path.to_string_lossy(), io_message(&e)))?;
    }
    result
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
