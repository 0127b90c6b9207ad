//! Everything that changes what one input becomes, with parsers for the
//! names the command line uses, so that the CLI and the bindings accept the
//! same spellings and reject the same mistakes.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use crate::clean::tidy::{Eol, TidyOptions};
use crate::clean::CleanOptions;
use crate::convert::{Converter, UserDict, CONFIG_NAMES};
use crate::decode::{Charset, DecodeOptions};
use crate::pipeline::{self, Format, HtmlMode};

/// How an input is read: sniffed, or said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// WARC, JSON Lines or text/HTML, by the first bytes; text or HTML by
    /// the pipeline's own look at the text.
    #[default]
    Auto,
    /// Plain text, whatever it looks like.
    Text,
    /// HTML.
    Html,
    /// JSON Lines: the named string fields cleaned, every other byte kept.
    Jsonl,
    /// WARC or WET records.
    Warc,
}

impl InputFormat {
    /// Every format, in the order the command line lists them.
    pub const ALL: [InputFormat; 5] = [
        InputFormat::Auto,
        InputFormat::Text,
        InputFormat::Html,
        InputFormat::Jsonl,
        InputFormat::Warc,
    ];

    /// The command line's name for it.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Text => "text",
            InputFormat::Html => "html",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Warc => "warc",
        }
    }

    /// What it means, in a line, for help texts.
    pub fn help(self) -> &'static str {
        match self {
            InputFormat::Auto => "HTML if the input starts like a page, else text",
            InputFormat::Text => "Plain text",
            InputFormat::Html => "HTML",
            InputFormat::Jsonl => {
                "JSON Lines: the string fields named by --field are cleaned, every other byte \
                 passes through; one output line per input line"
            }
            InputFormat::Warc => {
                "WARC or WET records (`.warc`, `.warc.gz`): text records are cleaned and \
                 converted, with their headers corrected; others are copied"
            }
        }
    }
}

/// A cleanup step that can be turned off (`--skip`); [`Step::help`] says
/// what each is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Step {
    Entities,
    Mojibake,
    Pinyin,
    Punct,
    Width,
    Unicode,
    Markdown,
}

impl Step {
    /// Every step, in the order the command line lists them.
    pub const ALL: [Step; 7] = [
        Step::Entities,
        Step::Mojibake,
        Step::Pinyin,
        Step::Punct,
        Step::Width,
        Step::Unicode,
        Step::Markdown,
    ];

    /// The command line's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Step::Entities => "entities",
            Step::Mojibake => "mojibake",
            Step::Pinyin => "pinyin",
            Step::Punct => "punct",
            Step::Width => "width",
            Step::Unicode => "unicode",
            Step::Markdown => "markdown",
        }
    }

    /// What it does, in a line, for help texts.
    pub fn help(self) -> &'static str {
        match self {
            Step::Entities => "HTML character references (`&nbsp;`, `&#20013;`, `&amp;quot;`)",
            Step::Mojibake => "Mojibake repair (`娴嬭瘯` → `测试`)",
            Step::Pinyin => "Pinyin annotations after Traditional characters",
            Step::Punct => "ASCII punctuation inside Chinese sentences to full width",
            Step::Width => "Full-width Latin letters and digits to ASCII",
            Step::Unicode => {
                "Zero-width and control characters, no-break spaces, NFC, compatibility ideographs"
            }
            Step::Markdown => "Empty Markdown images and links, lines of bare table pipes",
        }
    }
}

/// A value that is not one of the accepted ones, or a configuration that
/// could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    /// What was being set: `config`, `format`, `html`, `step`, `encoding`,
    /// `to`.
    pub what: &'static str,
    /// The value given.
    pub value: String,
    /// The values that would have been accepted (empty when the value was
    /// a fine name and something else failed, such as a dictionary).
    pub valid: Vec<String>,
    /// The whole message.
    pub message: String,
}

impl OptionError {
    fn unknown(what: &'static str, value: &str, valid: Vec<String>) -> Self {
        let message = format!("unknown {what} '{value}' (one of: {})", valid.join(", "));
        OptionError {
            what,
            value: value.to_owned(),
            valid,
            message,
        }
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OptionError {}

/// Parses by the names in `all`, exactly as the command line spells them.
fn by_name<T: Copy>(
    what: &'static str,
    s: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, OptionError> {
    all.iter().copied().find(|&v| name(v) == s).ok_or_else(|| {
        OptionError::unknown(what, s, all.iter().map(|&v| name(v).to_owned()).collect())
    })
}

impl FromStr for InputFormat {
    type Err = OptionError;
    fn from_str(s: &str) -> Result<Self, OptionError> {
        by_name("format", s, &InputFormat::ALL, InputFormat::name)
    }
}

impl FromStr for Step {
    type Err = OptionError;
    fn from_str(s: &str) -> Result<Self, OptionError> {
        by_name("step", s, &Step::ALL, Step::name)
    }
}

/// The HTML modes with the command line's name and help for each.
pub const HTML_MODES: [(HtmlMode, &str, &str); 2] = [
    (
        HtmlMode::Keep,
        "keep",
        "Keep the markup; clean and convert text and readable attributes",
    ),
    (HtmlMode::Text, "text", "Only the readable text"),
];

/// `--html`: `keep` or `text`.
pub fn parse_html_mode(s: &str) -> Result<HtmlMode, OptionError> {
    let name = |m: HtmlMode| HTML_MODES.iter().find(|h| h.0 == m).map_or("", |h| h.1);
    by_name("html mode", s, &HTML_MODES.map(|h| h.0), name)
}

/// `--to`: `same` (false) or `jsonl` (true): whether WARC becomes JSON
/// Lines.
pub fn parse_to(s: &str) -> Result<bool, OptionError> {
    by_name("output format", s, &[false, true], |j| {
        if j {
            "jsonl"
        } else {
            "same"
        }
    })
}

/// `--from`: an encoding label, WHATWG's or one Chinese pages use.
pub fn parse_charset(label: &str) -> Result<Charset, OptionError> {
    Charset::for_label(label).ok_or_else(|| {
        let examples = [
            "utf-8",
            "gbk",
            "gb18030",
            "big5",
            "utf-16le",
            "utf-16be",
            "hz-gb-2312",
            "euc-tw",
            "iso-2022-cn",
            "shift_jis",
            "euc-kr",
            "windows-1252",
        ];
        // Any WHATWG label is accepted, so these are examples, not a list.
        OptionError {
            what: "encoding",
            value: label.to_owned(),
            valid: examples.iter().map(|s| (*s).to_owned()).collect(),
            message: format!("unknown encoding '{label}' (try {})", examples.join(", ")),
        }
    })
}

/// `-c`: a configuration name, or the file name OpenCC gives it
/// (`t2s.json`, `/usr/share/opencc/t2s.json`), as the built-in name.
pub fn parse_config(name: &str) -> Result<&'static str, OptionError> {
    let found = if name.ends_with(".json") {
        opencc_config_name(Path::new(name))
    } else {
        CONFIG_NAMES.iter().copied().find(|&n| n == name)
    };
    found.ok_or_else(|| {
        let valid = if name.ends_with(".json") {
            opencc_configs().map(|n| format!("{n}.json")).collect()
        } else {
            CONFIG_NAMES.iter().map(|n| (*n).to_owned()).collect()
        };
        OptionError::unknown("config", name, valid)
    })
}

/// The configurations OpenCC ships as files: `none` is zhnorm's own.
pub fn opencc_configs() -> impl Iterator<Item = &'static str> {
    CONFIG_NAMES.iter().copied().filter(|&n| n != "none")
}

/// The built-in configuration an OpenCC config file stands for, by its file
/// name: `t2s.json` and `/usr/share/opencc/t2s.json` are `t2s`.
pub fn opencc_config_name(path: &Path) -> Option<&'static str> {
    let stem = path.file_name()?.to_str()?.strip_suffix(".json")?;
    opencc_configs().find(|&n| n == stem)
}

/// Everything that changes what an input becomes. `Default` is the
/// command line without flags; one value can be shared by many threads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The conversion (`-c`, `--dict`).
    pub converter: Arc<Converter>,
    /// How inputs are read (`--format`).
    pub format: InputFormat,
    /// What becomes of HTML (`--html`).
    pub html: HtmlMode,
    /// Cleanup steps turned off (`--skip`).
    pub skip: Vec<Step>,
    /// Pinyin annotations kept (`--keep-pinyin`).
    pub keep_pinyin: bool,
    /// Punctuation made full-width in Chinese sentences (`--punct fix`).
    pub punct_fix: bool,
    /// Line breaks (`--eol`).
    pub eol: Eol,
    /// Japanese and Korean converted too (`--convert-all`).
    pub convert_all: bool,
    /// Conversion alone, no cleanup (`--convert-only`).
    pub convert_only: bool,
    /// The JSON Lines fields cleaned (`--field`); empty means `text`.
    pub fields: Vec<String>,
    /// WARC written as JSON Lines `{url, date, text}` (`--to jsonl`).
    pub warc_to_jsonl: bool,
    /// The encoding, instead of detecting it (`--from`); also lets binary
    /// input through.
    pub from: Option<Charset>,
    /// Damage, or a JSON Lines field no record has, fails the input
    /// (`--strict`).
    pub strict: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            converter: Arc::new(Converter::new("t2s").expect("t2s is built in")),
            format: InputFormat::Auto,
            html: HtmlMode::Keep,
            skip: Vec::new(),
            keep_pinyin: false,
            punct_fix: true,
            eol: Eol::Keep,
            convert_all: false,
            convert_only: false,
            fields: Vec::new(),
            warc_to_jsonl: false,
            from: None,
            strict: false,
        }
    }
}

impl Options {
    /// Sets the configuration by its name or OpenCC file name.
    pub fn set_config(&mut self, name: &str) -> Result<(), OptionError> {
        self.set_config_with_dicts(name, &[])
    }

    /// Sets the configuration with user dictionaries that take precedence
    /// over the built-in ones (`--dict`, in order).
    pub fn set_config_with_dicts(
        &mut self,
        name: &str,
        dicts: &[UserDict],
    ) -> Result<(), OptionError> {
        let name = parse_config(name)?;
        let conv = Converter::with_user_dicts(name, dicts).map_err(|e| OptionError {
            what: "config",
            value: name.to_owned(),
            valid: Vec::new(),
            message: e.to_string(),
        })?;
        self.converter = Arc::new(conv);
        Ok(())
    }

    /// Sets `--format` by name.
    pub fn set_format(&mut self, name: &str) -> Result<(), OptionError> {
        self.format = name.parse()?;
        Ok(())
    }

    /// Sets `--html` by name.
    pub fn set_html(&mut self, name: &str) -> Result<(), OptionError> {
        self.html = parse_html_mode(name)?;
        Ok(())
    }

    /// Sets the steps turned off, by name (the list replaces the old one).
    pub fn set_skip<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), OptionError> {
        self.skip = names
            .iter()
            .map(|n| n.as_ref().parse())
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    /// Sets `--from` by encoding label, or back to detection.
    pub fn set_from(&mut self, label: Option<&str>) -> Result<(), OptionError> {
        self.from = label.map(parse_charset).transpose()?;
        Ok(())
    }

    /// Sets `--to` by name.
    pub fn set_to(&mut self, name: &str) -> Result<(), OptionError> {
        self.warc_to_jsonl = parse_to(name)?;
        Ok(())
    }

    /// Sets the JSON Lines fields to clean; none means `text`.
    pub fn set_fields<S: AsRef<str>>(&mut self, names: &[S]) {
        self.fields = names.iter().map(|n| n.as_ref().to_owned()).collect();
    }

    /// The JSON Lines fields cleaned: those named, or `text`.
    pub fn jsonl_fields(&self) -> Vec<String> {
        if self.fields.is_empty() {
            vec!["text".to_owned()]
        } else {
            self.fields.clone()
        }
    }

    /// How the decoder reads inputs.
    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            from: self.from,
            ..DecodeOptions::default()
        }
    }

    /// How each input's text is handled after decoding.
    pub fn pipeline_options(&self) -> pipeline::Options {
        let format = match self.format {
            InputFormat::Auto => Format::Auto,
            InputFormat::Text => Format::Text,
            InputFormat::Html => Format::Html,
            // WARC records are taken apart before the pipeline, which sees
            // each payload with the format its record gives.
            InputFormat::Warc => Format::Auto,
            // A JSON field's value is text.
            InputFormat::Jsonl => Format::Text,
        };
        if self.convert_only {
            return pipeline::Options {
                clean: CleanOptions {
                    tidy: TidyOptions {
                        eol: self.eol,
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
                html: self.html,
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
                    punct: on(Step::Punct) && self.punct_fix,
                    width: on(Step::Width),
                    unicode: on(Step::Unicode),
                    markdown: on(Step::Markdown),
                    eol: self.eol,
                },
            },
            format,
            html: self.html,
            convert_all: self.convert_all,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_bare_command_line() {
        let o = Options::default();
        assert_eq!(o.converter.name(), "t2s");
        assert_eq!(o.pipeline_options(), pipeline::Options::default());
        assert_eq!(o.jsonl_fields(), ["text"]);
    }

    #[test]
    fn names_round_trip_and_bad_names_list_the_good_ones() {
        for f in InputFormat::ALL {
            assert_eq!(f.name().parse::<InputFormat>().unwrap(), f);
        }
        for s in Step::ALL {
            assert_eq!(s.name().parse::<Step>().unwrap(), s);
        }
        let e = "pdf".parse::<InputFormat>().unwrap_err();
        assert_eq!(e.value, "pdf");
        assert!(e.valid.contains(&"jsonl".to_owned()));
        assert!(e.to_string().contains("'pdf'"), "{e}");
        let e = Options::default().set_skip(&["tidy"]).unwrap_err();
        assert_eq!((e.what, e.valid.len()), ("step", 7));
    }

    #[test]
    fn configs_by_name_or_opencc_file() {
        let mut o = Options::default();
        o.set_config("tw2sp.json").unwrap();
        assert_eq!(o.converter.name(), "tw2sp");
        o.set_config("/usr/share/opencc/s2t.json").unwrap();
        assert_eq!(o.converter.name(), "s2t");
        assert!(o.set_config("none.json").is_err());
        let e = o.set_config("t2x").unwrap_err();
        assert!(e.valid.iter().any(|v| v == "s2twp"));
    }

    #[test]
    fn encodings_and_modes() {
        let mut o = Options::default();
        o.set_from(Some("GBK")).unwrap();
        assert_eq!(o.from, Charset::for_label("gb18030"));
        assert_eq!(o.set_from(Some("klingon")).unwrap_err().what, "encoding");
        o.set_html("text").unwrap();
        assert_eq!(o.html, HtmlMode::Text);
        assert!(o.set_html("strip").is_err());
        o.set_to("jsonl").unwrap();
        assert!(o.warc_to_jsonl);
    }
}
