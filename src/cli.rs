//! Command-line interface definition.
//!
//! Only what the user can type lives here; `main.rs` turns it into a run.

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use zhnorm::clean::tidy::{Eol, TidyOptions};
use zhnorm::clean::CleanOptions;
use zhnorm::convert::{CONFIG_DESCRIPTIONS, CONFIG_NAMES};
use zhnorm::decode::Charset;
use zhnorm::pipeline::{self, Format, HtmlMode};

const EXAMPLES: &str = "\
EXAMPLES:
  Convert a file to Simplified Chinese on standard output:
    zhnorm page.txt

  Write the result to a file (replaced atomically):
    zhnorm page.txt -o page.zh-Hans.txt

  Normalize a live log as it grows:
    tail -f scrape.log | zhnorm

  Taiwan usage to mainland usage, with phrase conversion:
    zhnorm -c tw2sp article.txt

  Concatenate several files, with your own dictionary taking precedence:
    zhnorm --dict terms.txt a.txt b.txt > all.txt

  Say what encoding each file is in (and what is wrong with it):
    zhnorm detect --json pages/*.html

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
    /// `-`, reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write to this file instead of standard output (only with a single
    /// input). The file is replaced atomically, and never if it is one of
    /// the inputs. `-` means standard output.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// OpenCC conversion configuration.
    #[arg(
        short,
        long,
        value_name = "NAME",
        default_value = "t2s",
        value_parser = config_parser(),
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
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = FormatArg::Auto)]
    pub format: FormatArg,

    /// With --format jsonl: the top-level string field to clean
    /// (repeatable; default `text`).
    #[arg(long = "field", value_name = "NAME")]
    pub fields: Vec<String>,

    /// Output format: the input's own (`same`), or, with --format warc,
    /// JSON Lines of `{url, date, text}` with the readable text.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ToArg::Same)]
    pub to: ToArg,

    /// What to make of HTML: `keep` the page and clean and convert its
    /// text (the charset declaration becomes utf-8), or write only its
    /// readable `text`, one block per line.
    #[arg(long = "html", value_enum, value_name = "MODE", default_value_t = HtmlArg::Keep)]
    pub html_mode: HtmlArg,

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
    #[arg(long, value_enum, value_name = "STEP", value_delimiter = ',')]
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

    /// Print no warnings (errors are still printed).
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

    /// Batch runs: how many files at once (default: one per CPU).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Batch runs: progress bar on standard error (`auto`: only on a
    /// terminal).
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

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// HTML if the input starts like a page, else text.
    Auto,
    /// Plain text.
    Text,
    /// HTML.
    Html,
    /// JSON Lines: the string fields named by --field are cleaned, every
    /// other byte passes through; one output line per input line.
    Jsonl,
    /// WARC or WET records (`.warc`, `.warc.gz`): text records are cleaned
    /// and converted, with their headers corrected; others are copied.
    Warc,
}

/// `--to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToArg {
    /// Same format as the input.
    Same,
    /// JSON Lines `{url, date, text}` (with --format warc).
    Jsonl,
}

/// `--html`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HtmlArg {
    /// Keep the markup; clean and convert text and readable attributes.
    Keep,
    /// Only the readable text.
    Text,
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

/// A cleanup step that `--skip` can turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Step {
    /// HTML character references (`&nbsp;`, `&#20013;`, `&amp;quot;`).
    Entities,
    /// Mojibake repair (`娴嬭瘯` → `测试`).
    Mojibake,
    /// Pinyin annotations after Traditional characters.
    Pinyin,
    /// ASCII punctuation inside Chinese sentences to full width.
    Punct,
    /// Full-width Latin letters and digits to ASCII.
    Width,
    /// Zero-width and control characters, no-break spaces, NFC,
    /// compatibility ideographs.
    Unicode,
    /// Empty Markdown images and links, lines of bare table pipes.
    Markdown,
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
        /// Inputs; none, or `-`, reads standard input.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// One JSON object per input, one per line.
        #[arg(long)]
        json: bool,
        /// Assume this encoding instead of detecting it.
        #[arg(long, value_name = "LABEL", value_parser = charset_parser)]
        from: Option<Charset>,
    },
}

fn charset_parser(label: &str) -> Result<Charset, String> {
    Charset::for_label(label).ok_or_else(|| {
        format!(
            "unknown encoding '{label}' (try utf-8, gbk, gb18030, big5, utf-16le, \
             utf-16be, hz-gb-2312, euc-tw, iso-2022-cn, shift_jis, euc-kr, windows-1252)"
        )
    })
}

/// Accepts exactly the library's configuration names; `--help` describes
/// each so users need not know OpenCC's naming scheme.
fn config_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(CONFIG_NAMES.iter().map(|&name| {
        let value = PossibleValue::new(name);
        match CONFIG_DESCRIPTIONS.iter().find(|(n, _)| *n == name) {
            Some((_, help)) => value.help(*help),
            None => value,
        }
    }))
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
    /// How each input's text is handled, from the cleanup flags.
    pub fn pipeline_options(&self) -> pipeline::Options {
        let eol = match self.eol {
            EolArg::Keep => Eol::Keep,
            EolArg::Lf => Eol::Lf,
            EolArg::Crlf => Eol::Crlf,
        };
        let format = match self.format {
            FormatArg::Auto => Format::Auto,
            FormatArg::Text => Format::Text,
            FormatArg::Html => Format::Html,
            // WARC records are handled before this pipeline, which then sees
            // each record's payload; its format comes from the record.
            FormatArg::Warc => Format::Auto,
            // A JSON field's value is text.
            FormatArg::Jsonl => Format::Text,
        };
        let html = match self.html_mode {
            HtmlArg::Keep => HtmlMode::Keep,
            HtmlArg::Text => HtmlMode::Text,
        };
        if self.convert_only {
            return pipeline::Options {
                clean: CleanOptions {
                    tidy: TidyOptions {
                        eol,
                        ..TidyOptions::none()
                    },
                    ..CleanOptions::none()
                },
                // Markup is only looked for when asked for by name.
                format: if format == Format::Auto {
                    Format::Text
                } else {
                    format
                },
                html,
                convert_all: self.convert_all,
            };
        }
        let on = |step: Step| !self.skip.contains(&step);
        pipeline::Options {
            clean: CleanOptions {
                entities: on(Step::Entities),
                markup: false,
                mojibake: on(Step::Mojibake),
                pinyin: on(Step::Pinyin) && !self.keep_pinyin,
                tidy: TidyOptions {
                    punct: on(Step::Punct) && self.punct == PunctArg::Fix,
                    width: on(Step::Width),
                    unicode: on(Step::Unicode),
                    markdown: on(Step::Markdown),
                    eol,
                },
            },
            format,
            html,
            convert_all: self.convert_all,
        }
    }

    /// Checks rules that clap's derive cannot express. The error exits
    /// with status 2 and clap's usual usage formatting.
    pub fn validate(&self) -> Result<(), clap::Error> {
        let batch = self.in_place || self.output_path().is_some();
        if !batch {
            if let Some(dir) = self.paths.iter().find(|p| p.is_dir()) {
                return Err(Cli::command().error(
                    ErrorKind::ArgumentConflict,
                    format!(
                        "{} is a directory: give -o DIR to mirror it into another \
                         directory, or --in-place to replace its files",
                        dir.display()
                    ),
                ));
            }
            for (flag, set) in [
                ("--incremental", self.incremental),
                ("--dry-run", self.dry_run),
            ] {
                if set {
                    return Err(Cli::command().error(
                        ErrorKind::ArgumentConflict,
                        format!("{flag} is for batch runs (-o DIR or --in-place)"),
                    ));
                }
            }
        }
        if self.jobs == Some(0) {
            return Err(Cli::command().error(ErrorKind::InvalidValue, "--jobs must be at least 1"));
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("zhnorm").chain(args.iter().copied()))
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
        // Several inputs with -o are a batch run (an output directory).
        parse(&["-o", "out", "a", "b"]).unwrap().validate().unwrap();
        for flag in ["--incremental", "--dry-run"] {
            let err = parse(&[flag, "a"]).unwrap().validate().unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(flag), "{err}");
        }
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
    fn labels() {
        assert_eq!(Input::Stdin.label(), "<stdin>");
        assert_eq!(Input::File("a/b.txt".into()).label(), "a/b.txt");
    }
}
