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
  1  some input could not be read, is binary, or (with --strict) is damaged;
     the others were processed
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

    /// What to make of HTML: `keep` the page and clean and convert its
    /// text (the charset declaration becomes utf-8), or write only its
    /// readable `text`, one block per line.
    #[arg(long = "html", value_enum, value_name = "MODE", default_value_t = HtmlArg::Keep)]
    pub html_mode: HtmlArg,

    /// Leave pinyin annotations after Traditional characters (`經(jīng)`)
    /// in place. Same as `--skip pinyin`.
    #[arg(long)]
    pub keep_pinyin: bool,

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
        }
    }

    /// Checks rules that clap's derive cannot express. The error exits
    /// with status 2 and clap's usual usage formatting.
    pub fn validate(&self) -> Result<(), clap::Error> {
        if self.output_path().is_some() && self.paths.len() > 1 {
            return Err(Cli::command().error(
                ErrorKind::ArgumentConflict,
                "--output takes a single input; to combine several inputs, \
                 redirect standard output instead",
            ));
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
    fn repeated_dicts_keep_order() {
        let cli = parse(&["--dict", "x.txt", "--dict", "y.txt"]).unwrap();
        assert_eq!(
            cli.dicts,
            vec![PathBuf::from("x.txt"), PathBuf::from("y.txt")]
        );
    }

    #[test]
    fn output_with_several_inputs_is_usage_error() {
        let err = parse(&["-o", "out.txt", "a", "b"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--output"));
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
