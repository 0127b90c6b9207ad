//! Command-line interface definition.
//!
//! Only what the user can type lives here; `main.rs` turns it into a run.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::sync::Arc;

use zhnorm::clean::tidy::Eol;
use zhnorm::convert::{Converter, CONFIG_DESCRIPTIONS, CONFIG_NAMES};
use zhnorm::decode::Charset;
pub use zhnorm::normalize::{job_threads, JobThreads};
use zhnorm::normalize::{
    opencc_config_name, opencc_configs, parse_charset, parse_html_mode, InputFormat, Options, Step,
    HTML_MODES,
};
use zhnorm::pipeline::{self, HtmlMode};

use crate::completions::Generated;

const EXAMPLES: &str = "\
EXAMPLES:
  Convert a file to Simplified Chinese on standard output:
    zhnorm page.txt

  Write the result to a file (replaced atomically):
    zhnorm page.txt -o page.zh-Hans.txt

  The same, as OpenCC's command line spells it:
    zhnorm -i page.txt -o page.zh-Hans.txt -c t2s.json

  Mirror a tree (or several files) into a directory, one output per input:
    zhnorm -o clean/ scraped/
    zhnorm -o clean/ a.txt b.html

  Nightly: only new or changed files, with a report for the logs:
    zhnorm -q --incremental -o /data/clean /data/raw --report run.jsonl

  Normalize a live log as it grows:
    tail -f scrape.log | zhnorm

  Taiwan usage to mainland usage, with phrase conversion:
    zhnorm -c tw2sp article.txt

  Concatenate several files, with your own dictionary taking precedence:
    zhnorm --dict terms.txt a.txt b.txt > all.txt

  Say what encoding each file is in (and what is wrong with it):
    zhnorm detect --json pages/*.html
    zhnorm detect --include '*.html' site/

  A file known to be Big5, whatever it declares:
    zhnorm --from big5 old.txt

EXIT STATUS:
  0  success
  1  some input could not be read, is binary (outside batch runs, which copy
     or skip binary files), or (with --strict) is damaged; the others were
     processed
  2  usage error, or a fatal error (bad config, unreadable --dict, output failure)";

/// Turn scraped Chinese web text into clean Simplified Chinese.
///
/// Reads text in any common Chinese encoding (detected per input, and per
/// run where a file mixes encodings), decodes HTML character references,
/// repairs mojibake, converts exactly as OpenCC 1.4.2 does, and writes
/// UTF-8. Input is streamed in fixed-size chunks, so memory use does not
/// grow with input size and piped lines appear as soon as they arrive.
#[derive(Debug, Parser)]
#[command(
    name = "zhnorm",
    version,
    about,
    long_about,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Input files, processed in order and concatenated like cat. None, or
    /// `-`, reads standard input. With -o DIR or --in-place, files and
    /// directory trees to process one by one (a batch run).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The input, as OpenCC's `-i` names it: the same as giving FILE as
    /// PATH (so not together with PATH arguments).
    #[arg(short, long, value_name = "FILE", conflicts_with = "paths")]
    pub input: Option<PathBuf>,

    /// Where results go. With one input file (or standard input): this
    /// file, replaced atomically, never one of the inputs; `-` is standard
    /// output. A directory (one that exists, or a path ending in `/`,
    /// created) makes a batch run: each input file, and each file below an
    /// input directory, gets its own output there under the same relative
    /// path. Several input files need such a directory: a plain name that
    /// does not exist is refused rather than made into one. With an input
    /// directory, -o is always a directory, created if missing.
    #[arg(short, long, value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,

    /// OpenCC conversion configuration: its name, or OpenCC's file name
    /// for it (`t2s.json`, also as a path such as
    /// `/usr/share/opencc/t2s.json`). The file is not read: zhnorm has all
    /// of OpenCC 1.4.2's configurations built in and takes the one of that
    /// name.
    #[arg(
        short,
        long,
        value_name = "NAME",
        default_value = "t2s",
        value_parser = ConfigParser,
    )]
    pub config: String,

    /// User dictionary in OpenCC's text format (`key<TAB>value` per line);
    /// its entries win over the built-in ones. Repeatable: later files win
    /// over earlier ones.
    #[arg(long = "dict", value_name = "FILE")]
    pub dicts: Vec<PathBuf>,

    /// Only decode and convert: every cleanup step off, input read as
    /// plain text unless --format says otherwise. Decoding (detection,
    /// mixed encodings) still runs.
    #[arg(long)]
    pub convert_only: bool,

    /// How to read the input: `auto` treats it as HTML when its beginning
    /// looks like markup.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = format_parser())]
    pub format: InputFormat,

    /// JSON Lines input: the top-level string field to clean (repeatable;
    /// default `text`). Refused with --format text, html or warc.
    #[arg(long = "field", value_name = "NAME")]
    pub fields: Vec<String>,

    /// Output format: the input's own (`same`), or, for WARC input, JSON
    /// Lines of `{url, date, text}` with the readable text. Refused with
    /// --format text, html or jsonl.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ToArg::Same)]
    pub to: ToArg,

    /// What to make of HTML: `keep` the page and clean and convert its
    /// text (the charset declaration becomes utf-8), or write only its
    /// readable `text`, one block per line.
    #[arg(long = "html", value_name = "MODE", default_value = "keep", value_parser = html_parser())]
    pub html_mode: HtmlMode,

    /// Leave pinyin annotations after Traditional characters (`經(jīng)`)
    /// in place. Same as `--skip pinyin`.
    #[arg(long)]
    pub keep_pinyin: bool,

    /// Convert Japanese and Korean text too. Without it a document in
    /// Japanese (kana) or Korean (hangul) is cleaned but not converted,
    /// and neither is a line quoting Japanese or Korean in a Chinese
    /// document.
    #[arg(long)]
    pub convert_all: bool,

    /// ASCII punctuation inside Chinese sentences: make it full-width
    /// (`fix`) or leave it as it is (`keep`, same as `--skip punct`).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = PunctArg::Fix)]
    pub punct: PunctArg,

    /// Turn cleanup steps off by name; comma-separated or repeated.
    #[arg(long, value_name = "STEP", value_delimiter = ',', value_parser = step_parser())]
    pub skip: Vec<Step>,

    /// Line endings: `keep` them as they came (CRLF stays CRLF), or make
    /// them all `lf` or `crlf`.
    #[arg(long, value_enum, value_name = "EOL", default_value_t = EolArg::Keep)]
    pub eol: EolArg,

    /// Decode input in this encoding instead of detecting it (e.g. gbk,
    /// big5, utf-8, utf-16le, hz-gb-2312, euc-tw, iso-2022-cn).
    #[arg(long, value_name = "LABEL", value_parser = charset_parser)]
    pub from: Option<Charset>,

    /// Treat damaged input (bytes no encoding can read) as a failure of
    /// that input instead of a warning.
    #[arg(long)]
    pub strict: bool,

    /// Print no warnings, no batch summary line and, unless --progress
    /// always asks for it, no progress bar. Errors are still printed.
    #[arg(short, long)]
    pub quiet: bool,

    /// Replace each input file with its result (atomically, keeping its
    /// permissions). Files with several hard links are refused.
    #[arg(long, conflicts_with = "output")]
    pub in_place: bool,

    /// Batch runs: only files matching this glob (on the file name, or on
    /// the path below the input directory if it contains `/`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Batch runs: leave out files (or whole directories) matching this
    /// glob; wins over --include. Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Batch runs: binary files (a NUL in the first 64 KiB) are copied
    /// unchanged, or skipped. Either way they are reported.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = BinaryArg::Copy)]
    pub binary: BinaryArg,

    /// Batch runs: how many threads, at least 1 (default: one per CPU).
    /// More than 4 per CPU is capped there, with a warning; more than the
    /// inputs (or the CPUs, if more) is capped silently, as the extra
    /// threads would have nothing to do.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Batch runs: progress bar on standard error (`auto`: only on a
    /// terminal, and not with -q; `always` wins over -q).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ProgressArg::Auto)]
    pub progress: ProgressArg,

    /// Batch runs: process only inputs that are new or changed since the
    /// last run into the same output directory (state kept there).
    #[arg(long)]
    pub incremental: bool,

    /// Write a JSON Lines report, one record per input and a
    /// summary record, to FILE (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Batch runs: say what would be done, write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Batch runs: write compressed inputs (.gz, .zst, .bz2) uncompressed,
    /// without the extension, instead of compressed the same way.
    #[arg(long)]
    pub uncompressed: bool,

    /// With -o DIR --incremental: remove outputs whose inputs are gone.
    /// Only files the state records as zhnorm's own outputs are removed,
    /// each one listed in the report; --dry-run lists them instead.
    #[arg(long, requires = "incremental")]
    pub delete: bool,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Ids of the options typed on the command line, for the ones whose
    /// default cannot be told apart from a value given (`--binary copy`).
    #[arg(skip)]
    given: Vec<&'static str>,
}

/// `--to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToArg {
    /// Same format as the input.
    Same,
    /// JSON Lines `{url, date, text}` (with --format warc).
    Jsonl,
}

/// `--punct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PunctArg {
    /// Full-width punctuation inside Chinese sentences.
    Fix,
    /// Leave punctuation alone.
    Keep,
}

/// `--binary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BinaryArg {
    /// Copy binary files unchanged.
    Copy,
    /// Leave them out.
    Skip,
}

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// Only when standard error is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `--eol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EolArg {
    /// As they came.
    Keep,
    /// All LF.
    Lf,
    /// All CRLF.
    Crlf,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report each input's encoding, and what decoding found, without
    /// writing anything.
    ///
    /// For each input: the encoding (WHATWG name) and how it was decided,
    /// the confidence, the declared charset and whether it was right, the
    /// runs of a mixed input, and the damage found (bytes no encoding can
    /// read, mojibake repaired, irreparable spots).
    Detect {
        /// Inputs; none, or `-`, reads standard input. A directory is
        /// walked as a batch run walks it, and every file in it reported.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// In directories: only files matching this glob (as for batch
        /// runs). Repeatable.
        #[arg(long, value_name = "GLOB")]
        include: Vec<String>,
        /// In directories: leave out files or directories matching this
        /// glob; wins over --include. Repeatable.
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
        /// One JSON object per input, one per line.
        #[arg(long)]
        json: bool,
        /// Assume this encoding instead of detecting it.
        #[arg(long, value_name = "LABEL", value_parser = charset_parser)]
        from: Option<Charset>,
    },
    /// Print a shell completion script.
    ///
    /// For example, for bash:
    /// `zhnorm completions bash > ~/.local/share/bash-completion/completions/zhnorm`
    Completions {
        /// The shell the script is for.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    ///
    /// To install it: `zhnorm man > ~/.local/share/man/man1/zhnorm.1`, and
    /// `zhnorm man detect > ~/.local/share/man/man1/zhnorm-detect.1` for the
    /// page of a subcommand.
    Man {
        /// The page of this subcommand (zhnorm-SUBCOMMAND) instead.
        #[arg(value_name = "SUBCOMMAND", value_parser = subcommand_name)]
        subcommand: Option<String>,
    },
}

/// Accepts the name of one of zhnorm's own subcommands, for `zhnorm man`.
fn subcommand_name(name: &str) -> Result<String, String> {
    // Built, so that clap's own `help` subcommand, which zhnorm's page
    // lists too, is among them.
    let mut cmd = Cli::command();
    cmd.build();
    let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    if names.contains(&name) {
        Ok(name.to_string())
    } else {
        Err(format!("no such subcommand; one of: {}", names.join(", ")))
    }
}

/// `--format`: the library's format names, with its help for each.
fn format_parser() -> impl TypedValueParser<Value = InputFormat> {
    PossibleValuesParser::new(InputFormat::ALL.map(|f| PossibleValue::new(f.name()).help(f.help())))
        .try_map(|name| name.parse::<InputFormat>())
}

/// `--html`: the library's mode names, with its help for each.
fn html_parser() -> impl TypedValueParser<Value = HtmlMode> {
    PossibleValuesParser::new(HTML_MODES.map(|(_, name, help)| PossibleValue::new(name).help(help)))
        .try_map(|name| parse_html_mode(&name))
}

/// `--skip`: the library's step names, with its help for each.
fn step_parser() -> impl TypedValueParser<Value = Step> {
    PossibleValuesParser::new(Step::ALL.map(|s| PossibleValue::new(s.name()).help(s.help())))
        .try_map(|name| name.parse::<Step>())
}

fn charset_parser(label: &str) -> Result<Charset, String> {
    parse_charset(label).map_err(|e| e.to_string())
}

/// Accepts the library's configuration names; `--help` describes each so
/// users need not know OpenCC's naming scheme.
fn config_names() -> PossibleValuesParser {
    PossibleValuesParser::new(CONFIG_NAMES.iter().map(|&name| {
        let value = PossibleValue::new(name);
        match CONFIG_DESCRIPTIONS.iter().find(|(n, _)| *n == name) {
            Some((_, help)) => value.help(*help),
            None => value,
        }
    }))
}

/// `-c`: a configuration name, or the file name OpenCC gives it, so that
/// command lines written for `opencc` (`-c t2s.json`,
/// `-c /usr/share/opencc/tw2sp.json`) work unchanged.
#[derive(Clone)]
struct ConfigParser;

impl TypedValueParser for ConfigParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let text = value.to_string_lossy();
        if !text.ends_with(".json") {
            return config_names().parse_ref(cmd, arg, value);
        }
        match opencc_config_name(Path::new(value)) {
            Some(name) => Ok(name.to_owned()),
            None => Err(cmd.clone().error(
                ErrorKind::InvalidValue,
                format!(
                    "-c {text}: not one of OpenCC's configurations; zhnorm takes a \
                     config file by its name only, and has these built in: {}",
                    opencc_configs()
                        .map(|n| format!("{n}.json"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            config_names()
                .possible_values()?
                .collect::<Vec<_>>()
                .into_iter(),
        ))
    }
}

/// Where one input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A named file.
    File(PathBuf),
}

impl Input {
    /// The name used in error messages.
    pub fn label(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.to_string_lossy(),
        }
    }
}

/// The inputs named on a command line: none, or `-`, means standard input.
pub fn inputs_of(paths: &[PathBuf]) -> Vec<Input> {
    if paths.is_empty() {
        return vec![Input::Stdin];
    }
    paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input::Stdin
            } else {
                Input::File(p.clone())
            }
        })
        .collect()
}

impl Cli {
    /// Everything that changes output, with `converter` (built from `-c`
    /// and `--dict` by the caller, which reports their errors).
    pub fn options(&self, converter: Arc<Converter>) -> Options {
        let mut o = Options::default();
        o.converter = converter;
        o.format = self.format;
        o.html = self.html_mode;
        o.skip = self.skip.clone();
        o.keep_pinyin = self.keep_pinyin;
        o.punct_fix = self.punct == PunctArg::Fix;
        o.eol = match self.eol {
            EolArg::Keep => Eol::Keep,
            EolArg::Lf => Eol::Lf,
            EolArg::Crlf => Eol::Crlf,
        };
        o.convert_all = self.convert_all;
        o.convert_only = self.convert_only;
        o.fields = self.fields.clone();
        o.warc_to_jsonl = self.to == ToArg::Jsonl;
        o.from = self.from;
        o.strict = self.strict;
        o
    }

    /// How each input's text is handled, from the cleanup flags.
    pub fn pipeline_options(&self) -> pipeline::Options {
        let none = Converter::new("none").expect("`none` is built in");
        self.options(Arc::new(none)).pipeline_options()
    }

    /// Parses the process's arguments, exiting with clap's usage message
    /// (status 2) when they do not parse. Like `--help`, `completions` and
    /// `man` are answered here, from the command definition, and exit.
    pub fn parse_args() -> Cli {
        let cli = Cli::try_parse_args(std::env::args_os()).unwrap_or_else(|e| e.exit());
        let generated = match cli.command {
            Some(Command::Completions { shell }) => Generated::Completions(shell),
            Some(Command::Man { subcommand }) => Generated::Man(subcommand),
            _ => return cli,
        };
        std::process::exit(crate::completions::print(generated))
    }

    /// Parses `args` (the program name first), with `-i FILE` folded into
    /// the inputs.
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.given = ["binary", "progress", "jobs"]
            .into_iter()
            .filter(|id| matches.value_source(id) == Some(ValueSource::CommandLine))
            .collect();
        // clap has refused -i together with PATH arguments, so this is the
        // only input.
        if let Some(input) = cli.input.take() {
            cli.paths.push(input);
        }
        Ok(cli)
    }

    /// Whether the command line asks for a batch run (each input to its own
    /// output) rather than the concatenating single-output mode.
    pub fn is_batch(&self) -> bool {
        if self.in_place {
            return true;
        }
        let Some(out) = self.output_path() else {
            return false;
        };
        self.paths.len() > 1
            || self.paths.iter().any(|p| p.is_dir())
            || out.is_dir()
            || names_a_directory(out)
    }

    /// Checks rules that clap's derive cannot express. The error exits
    /// with status 2 and clap's usual usage formatting.
    pub fn validate(&self) -> Result<(), clap::Error> {
        let usage = |kind: ErrorKind, message: String| Err(Cli::command().error(kind, message));
        if self.jobs == Some(0) {
            return usage(ErrorKind::InvalidValue, "--jobs must be at least 1".into());
        }
        if let Some(out) = self.output_path().filter(|_| !self.in_place) {
            // Several files are never joined into one -o file (that is
            // what standard output is for), and a mistyped file name must
            // not silently become a directory. A tree can only go to a
            // directory, so there the name is created as one.
            let tree = self.paths.iter().any(|p| p.is_dir());
            if self.paths.len() > 1 && !tree && !out.is_dir() && !names_a_directory(out) {
                let what = if out.exists() {
                    "exists and is not a directory"
                } else {
                    "does not exist"
                };
                return usage(
                    ErrorKind::ArgumentConflict,
                    format!(
                        "-o {0}: several inputs need an output directory (one result per \
                         input), and {0} {what}; create it or write it with a trailing / \
                         to have it created. To join the results into one file, leave \
                         out -o and redirect standard output.",
                        out.display()
                    ),
                );
            }
        }
        if !self.is_batch() {
            if let Some(dir) = self.paths.iter().find(|p| p.is_dir()) {
                return usage(
                    ErrorKind::ArgumentConflict,
                    format!(
                        "{} is a directory: give -o DIR to mirror it into another \
                         directory, or --in-place to replace its files",
                        dir.display()
                    ),
                );
            }
            if let Some(flag) = self.batch_only_flag() {
                let single = match self.output_path() {
                    Some(out) => format!(
                        "; -o {} with one input names a file (a directory would end in /)",
                        out.display()
                    ),
                    None => String::new(),
                };
                return usage(
                    ErrorKind::ArgumentConflict,
                    format!("{flag} is for batch runs (-o DIR or --in-place){single}"),
                );
            }
        }
        // With --format auto these apply to the inputs found to be of the
        // right format; a format named outright cannot have any.
        let format = self.format.name();
        if self.to == ToArg::Jsonl
            && matches!(
                self.format,
                InputFormat::Text | InputFormat::Html | InputFormat::Jsonl
            )
        {
            return usage(
                ErrorKind::ArgumentConflict,
                format!(
                    "--to jsonl turns WARC records into JSON Lines, and --format {format} \
                     reads no WARC records"
                ),
            );
        }
        if !self.fields.is_empty()
            && matches!(
                self.format,
                InputFormat::Text | InputFormat::Html | InputFormat::Warc
            )
        {
            return usage(
                ErrorKind::ArgumentConflict,
                format!(
                    "--field names fields of JSON Lines records, and --format {format} \
                     reads none"
                ),
            );
        }
        Ok(())
    }

    /// The first flag given that only a batch run can act on.
    fn batch_only_flag(&self) -> Option<&'static str> {
        [
            ("--incremental", self.incremental),
            ("--dry-run", self.dry_run),
            ("--include", !self.include.is_empty()),
            ("--exclude", !self.exclude.is_empty()),
            ("--binary", self.given.contains(&"binary")),
            ("--uncompressed", self.uncompressed),
            ("--jobs", self.jobs.is_some()),
            // `never` and `auto` hold for a run without a bar as well.
            ("--progress always", self.progress == ProgressArg::Always),
        ]
        .into_iter()
        .find_map(|(flag, set)| set.then_some(flag))
    }

    /// Threads for a batch run of `inputs` files (see [`job_threads`]).
    pub fn threads_for(&self, inputs: usize) -> JobThreads {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        job_threads(self.jobs, inputs, cpus)
    }

    /// The inputs in order; standard input when none were named.
    pub fn inputs(&self) -> Vec<Input> {
        inputs_of(&self.paths)
    }

    /// The output file, or `None` for standard output.
    pub fn output_path(&self) -> Option<&Path> {
        self.output.as_deref().filter(|p| p.as_os_str() != "-")
    }
}

/// Whether `-o` is spelled as a directory (a trailing separator), which
/// asks for a batch run into it even before it exists.
fn names_a_directory(out: &Path) -> bool {
    let text = out.as_os_str().to_string_lossy();
    text.ends_with('/') || (cfg!(windows) && text.ends_with('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_args(std::iter::once("zhnorm").chain(args.iter().copied()))
    }

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.config, "t2s");
        assert!(cli.dicts.is_empty());
        assert!(!cli.convert_only);
        assert!(!cli.convert_all);
        assert!(!cli.pipeline_options().convert_all);
        assert_eq!(cli.inputs(), vec![Input::Stdin]);
        assert_eq!(cli.output_path(), None);
        cli.validate().unwrap();
    }

    #[test]
    fn every_config_name_accepted() {
        for name in CONFIG_NAMES {
            assert_eq!(parse(&["-c", name]).unwrap().config, *name);
        }
    }

    #[test]
    fn unknown_config_lists_choices() {
        let err = parse(&["--config", "t2x"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(msg.contains("t2x"), "{msg}");
        assert!(msg.contains("tw2sp") && msg.contains("none"), "{msg}");
    }

    #[test]
    fn dash_means_stdin_and_order_is_kept() {
        let cli = parse(&["a.txt", "-", "b.txt"]).unwrap();
        assert_eq!(
            cli.inputs(),
            vec![
                Input::File("a.txt".into()),
                Input::Stdin,
                Input::File("b.txt".into())
            ]
        );
        cli.validate().unwrap();
    }

    #[test]
    fn convert_all_reaches_the_pipeline() {
        for args in [&["--convert-all"][..], &["--convert-all", "--convert-only"]] {
            assert!(
                parse(args).unwrap().pipeline_options().convert_all,
                "{args:?}"
            );
        }
    }

    #[test]
    fn repeated_dicts_keep_order() {
        let cli = parse(&["--dict", "x.txt", "--dict", "y.txt"]).unwrap();
        assert_eq!(
            cli.dicts,
            vec![PathBuf::from("x.txt"), PathBuf::from("y.txt")]
        );
    }

    #[test]
    fn batch_flags_need_a_batch_run() {
        // Several inputs with -o DIR/ are a batch run.
        let cli = parse(&["-o", "out/", "a", "b"]).unwrap();
        cli.validate().unwrap();
        assert!(cli.is_batch());
        for flag in ["--incremental", "--dry-run", "--uncompressed"] {
            for args in [&[flag, "a"][..], &[flag, "-o", "out.txt", "a"]] {
                let err = parse(args).unwrap().validate().unwrap_err();
                assert_eq!(err.exit_code(), 2);
                assert!(err.to_string().contains(flag), "{err}");
            }
        }
        // Explicitly given, even as the default value.
        for args in [&["--binary", "copy", "a"][..], &["-j", "1", "a"]] {
            assert!(parse(args).unwrap().validate().is_err(), "{args:?}");
        }
        parse(&["--progress", "never", "a"])
            .unwrap()
            .validate()
            .unwrap();
        let err = parse(&["-j", "0", "a"]).unwrap().validate().unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn output_with_one_input_or_stdin_is_fine() {
        for args in [&["-o", "out.txt", "a"][..], &["--output", "out.txt"]] {
            let cli = parse(args).unwrap();
            cli.validate().unwrap();
            assert_eq!(cli.output_path(), Some(Path::new("out.txt")));
        }
    }

    #[test]
    fn output_dash_is_stdout() {
        let cli = parse(&["-o", "-", "a", "b"]).unwrap();
        assert_eq!(cli.output_path(), None);
        cli.validate().unwrap();
    }

    #[test]
    fn help_has_examples() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("EXAMPLES:"), "{help}");
        assert!(help.contains("tail -f"), "{help}");
        // Config names are described, not just listed.
        assert!(help.contains("tw2sp"), "{help}");
        assert!(help.contains("Taiwan"), "{help}");
    }

    #[test]
    fn opencc_config_files_are_taken_by_name() {
        for (path, name) in [
            ("t2s.json", Some("t2s")),
            ("/usr/share/opencc/tw2sp.json", Some("tw2sp")),
            ("./s2hk.json", Some("s2hk")),
            ("none.json", None),
            ("t2s.json.bak", None),
            ("my.json", None),
            ("/usr/share/opencc/t2s", None),
        ] {
            assert_eq!(opencc_config_name(Path::new(path)), name, "{path}");
        }
        assert_eq!(parse(&["-c", "/opt/x/hk2s.json"]).unwrap().config, "hk2s");
        let err = parse(&["-c", "mine.json"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("t2s.json"), "{err}");
    }

    #[test]
    fn input_flag_is_the_one_path() {
        let cli = parse(&["-i", "in.txt", "-o", "out.txt", "-c", "t2s.json"]).unwrap();
        assert_eq!(cli.inputs(), vec![Input::File("in.txt".into())]);
        assert_eq!(cli.config, "t2s");
        cli.validate().unwrap();
        assert!(!cli.is_batch());
        let err = parse(&["-i", "a", "b"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
    }

    #[test]
    fn several_files_to_an_output_file_name_are_refused() {
        // Nothing by this name exists in the test's working directory.
        let err = parse(&["-o", "zhnorm-no-such-output.txt", "a", "b"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("trailing /"), "{err}");
        parse(&["-o", "zhnorm-no-such-output/", "a", "b"])
            .unwrap()
            .validate()
            .unwrap();
        // To standard output they concatenate, as always.
        parse(&["-o", "-", "a", "b"]).unwrap().validate().unwrap();
    }

    #[test]
    fn labels() {
        assert_eq!(Input::Stdin.label(), "<stdin>");
        assert_eq!(Input::File("a/b.txt".into()).label(), "a/b.txt");
    }
}
