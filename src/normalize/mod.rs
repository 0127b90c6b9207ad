//! One input, bytes to clean text: format sniffing, the binary-input rule,
//! the stage order, and the outcome that reports describe. This is the
//! single entry point behind the command line, its batch runs, WARC and
//! JSON Lines, and the Python package, so that each gets what the others
//! get.
//!
//! * [`normalize`] / [`normalize_bytes`]: a whole input in one call;
//! * [`normalize_text`]: text already decoded, cleaned and converted as a
//!   JSON Lines field is ([`normalize_text_only`]: the text alone, with no
//!   report);
//! * [`Normalizer`] and [`run`]: the same as a stream;
//! * [`detect`]: what `zhnorm detect` finds.

use std::fmt;
use std::io::{self, Read};

mod options;
mod report;
mod split;
mod stages;
mod stream;
mod warc;

pub use options::{
    opencc_config_name, opencc_configs, parse_charset, parse_config, parse_html_mode, parse_to,
    InputFormat, OptionError, Options, Step, HTML_MODES,
};
pub use report::damage_message;
pub use split::{run_split, SPLIT_MIN};
pub use stream::{
    read_full, run, Buffers, Fed, Feed, Normalizer, ReadFeed, RunError, CHUNK, QUIET,
};
pub use warc::run_warc;

/// Threads per CPU beyond which a request for threads (`-j`, Python's
/// `normalize_many(threads=)`) is capped: files are read and written
/// as well as computed, so a few more threads than CPUs can still help,
/// but thousands only cost (thread start-up and scheduling dominated a run
/// of `-j 10000` on two small files).
pub const MAX_JOBS_PER_CPU: usize = 4;

/// How many threads a parallel run uses, and why fewer than asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobThreads {
    /// Threads for the pool.
    pub threads: usize,
    /// A warning when the request asked for more than [`MAX_JOBS_PER_CPU`] per CPU.
    pub warning: Option<String>,
}

/// The threads for `requested` (`-j`; one per CPU when absent) on `inputs`
/// files (or records) with `cpus` CPUs. Capped at [`MAX_JOBS_PER_CPU`] per CPU, and at
/// the larger of the inputs and the CPUs: a thread beyond both has no input
/// to take and no share of a large file to split.
pub fn job_threads(requested: Option<usize>, inputs: usize, cpus: usize) -> JobThreads {
    let cpus = cpus.max(1);
    let wanted = requested.unwrap_or(cpus).max(1);
    let limit = cpus.saturating_mul(MAX_JOBS_PER_CPU);
    let threads = wanted.min(limit).min(inputs.max(cpus));
    let warning = (wanted > limit).then(|| {
        format!(
            "{wanted} threads is more than this machine can use ({MAX_JOBS_PER_CPU} per CPU, \
             {cpus} CPUs); using {threads}"
        )
    });
    JobThreads { threads, warning }
}

use crate::decode::DecodeReport;
use crate::formats::compress;
use crate::formats::jsonl::JsonlStats;
use crate::formats::sniff::{sniff, DataFormat, SNIFF_BYTES};
use crate::formats::warc::{PlainRecords, WarcStats};
use crate::pipeline;
use stages::JsonlRecords;

/// Why one input gave no output.
#[derive(Debug)]
#[non_exhaustive]
pub enum NormalizeError {
    /// A NUL byte that the encoding does not explain, within the bytes the
    /// encoding is judged on: not text. Giving the encoding
    /// ([`Options::from`]) lets it through.
    Binary {
        /// Offset of the NUL byte.
        offset: u64,
    },
    /// With [`Options::strict`]: damage found, or a JSON Lines field that
    /// no record has.
    Strict {
        /// What was found.
        message: String,
    },
    /// The input could not be taken apart: HTML beyond the parser's
    /// limits, a broken compressed stream, unreadable WARC.
    Input {
        /// What went wrong.
        message: String,
    },
    /// [`normalize`] only: the output is not UTF-8, as WARC output can be
    /// (records that are not text are copied as they are); use
    /// [`normalize_bytes`].
    NotUtf8,
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NormalizeError::Binary { offset } => write!(
                f,
                "binary data (NUL byte at offset {offset}), not decoded; give --from to decode it anyway"
            ),
            NormalizeError::Strict { message } | NormalizeError::Input { message } => {
                f.write_str(message)
            }
            NormalizeError::NotUtf8 => {
                f.write_str("the output is not UTF-8 (WARC with records copied as they are)")
            }
        }
    }
}

impl std::error::Error for NormalizeError {}

/// What one input went through: what `--report` says of it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Outcome {
    /// The encoding verdict, runs, damage and size (empty for WARC).
    pub decode: DecodeReport,
    /// What cleanup changed, HTML, the language and whether it was
    /// converted (empty for WARC).
    pub stats: pipeline::Stats,
    /// JSON Lines input: its line counts.
    pub jsonl: Option<JsonlStats>,
    /// JSON Lines input: the first invalid lines and why (line 0: about
    /// the input as a whole, such as a field no record has).
    pub jsonl_errors: Vec<(u64, String)>,
    /// WARC input: its record counts.
    pub warc: Option<WarcStats>,
    /// WARC written as JSON Lines, for the warnings' wording.
    warc_to_jsonl: bool,
}

impl Outcome {
    /// The outcome of a WARC input.
    pub fn of_warc(stats: WarcStats, to_jsonl: bool) -> Self {
        Outcome {
            warc: Some(stats),
            warc_to_jsonl: to_jsonl,
            ..Outcome::default()
        }
    }
}

/// The format an input is processed as: the one given, or what sniffing
/// found.
pub fn chosen_format(given: InputFormat, sniffed: DataFormat) -> DataFormat {
    match given {
        InputFormat::Auto => sniffed,
        InputFormat::Warc => DataFormat::Warc,
        InputFormat::Jsonl => DataFormat::Jsonl,
        InputFormat::Text | InputFormat::Html => DataFormat::Other,
    }
}

/// What an input becomes, as text, or as bytes for WARC output.
enum Output {
    Text(String),
    Bytes(Vec<u8>),
}

/// What `zhnorm -o OUT` writes for a file that holds `data`, with what it
/// went through: the format sniffed (with [`InputFormat::Auto`]),
/// compressed input decompressed, the output not compressed.
///
/// Fails with [`NormalizeError::NotUtf8`] only for WARC output whose
/// copied records are not text; [`normalize_bytes`] takes those.
pub fn normalize(data: &[u8], options: &Options) -> Result<(String, Outcome), NormalizeError> {
    match normalize_any(data, options)? {
        (Output::Text(s), o) => Ok((s, o)),
        (Output::Bytes(b), o) => match String::from_utf8(b) {
            Ok(s) => Ok((s, o)),
            Err(_) => Err(NormalizeError::NotUtf8),
        },
    }
}

/// [`normalize`] as bytes, which WARC output may need.
pub fn normalize_bytes(
    data: &[u8],
    options: &Options,
) -> Result<(Vec<u8>, Outcome), NormalizeError> {
    match normalize_any(data, options)? {
        (Output::Text(s), o) => Ok((s.into_bytes(), o)),
        (Output::Bytes(b), o) => Ok((b, o)),
    }
}

fn normalize_any(data: &[u8], options: &Options) -> Result<(Output, Outcome), NormalizeError> {
    let head = &data[..data.len().min(SNIFF_BYTES)];
    // As a file is read: the head is complete only if the input ended
    // before the head was full.
    let sniffed = sniff(head, None, data.len() < SNIFF_BYTES);
    let format = chosen_format(options.format, sniffed.format);
    let read_failed = |e: io::Error| NormalizeError::Input {
        message: e.to_string(),
    };
    let mut reader = compress::reader(sniffed.compression, Box::new(data)).map_err(read_failed)?;
    if format == DataFormat::Warc {
        let mut out = Vec::with_capacity(data.len());
        let stats = run_warc(&mut reader, &mut PlainRecords(&mut out), options)?;
        return Ok((
            Output::Bytes(out),
            Outcome::of_warc(stats, options.warc_to_jsonl),
        ));
    }
    let decompressed;
    let bytes = if sniffed.compression == compress::Compression::None {
        data
    } else {
        let mut all = Vec::new();
        reader.read_to_end(&mut all).map_err(read_failed)?;
        decompressed = all;
        &decompressed
    };
    // Decoding and every stage give the same text however the input is cut
    // into pieces, so one push does.
    let mut n = Normalizer::for_format(options, format);
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    n.push(bytes, &mut out)?;
    let outcome = n.finish(&mut out)?;
    Ok((Output::Text(out), outcome))
}

/// Text already decoded, cleaned and converted exactly as a JSON Lines
/// field is (a record of one field, judged by itself). Never fails: text
/// has nothing to refuse. The outcome's decoding report is empty.
pub fn normalize_text(text: &str, options: &Options) -> (String, Outcome) {
    let mut records = JsonlRecords::new(options.pipeline_options(), Some(&options.converter));
    let mut outs = Vec::with_capacity(1);
    records.carefully(&[text], &mut outs);
    let outcome = Outcome {
        stats: records.stats(),
        ..Outcome::default()
    };
    (outs.pop().unwrap_or_default(), outcome)
}

/// The text of [`normalize_text`] without its outcome, for callers that
/// want no report (a Python loop over records): the same text, cheaper,
/// since the input's language is then judged only where conversion needs
/// it.
pub fn normalize_text_only(text: &str, options: &Options) -> String {
    let pipeline = options.pipeline_options();
    // Most records are plain text the cleanup leaves as it is, with no kana,
    // hangul or reference: what the careful way below does with such a
    // record is to convert all of it. Known in two quick passes, without
    // the cleaner's set-up and copies.
    if pipeline.format == pipeline::Format::Text
        && crate::clean::leaves_alone(&pipeline.clean, text)
        && !crate::lang::could_be_foreign(text)
    {
        let all = pipeline::Options {
            convert_all: true,
            ..pipeline
        };
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        pipeline::convert_document(
            text,
            crate::lang::Language::Other,
            all,
            Some(&options.converter),
            &mut out,
        );
        return out;
    }
    let mut records =
        JsonlRecords::new(options.pipeline_options(), Some(&options.converter)).without_report();
    let mut outs = Vec::with_capacity(1);
    records.carefully(&[text], &mut outs);
    outs.pop().unwrap_or_default()
}

/// What `zhnorm detect` finds in `data`, read as a named file is (not
/// decompressed): nothing is converted, and `stats.converted` says whether
/// a run with `options`' converter would convert it. Only
/// [`Options::from`] and the converter count; the cleanup steps are the
/// defaults. [`Outcome::detect_json`] gives the `--json` line.
pub fn detect(data: &[u8], options: &Options) -> Result<Outcome, NormalizeError> {
    let mut n = Normalizer::for_detect(options);
    let mut sink = String::new();
    n.push(data, &mut sink)?;
    let mut outcome = n.finish(&mut sink)?;
    mark_converted(&mut outcome, options);
    Ok(outcome)
}

/// Sets `converted` on a [`Normalizer::for_detect`] outcome: whether a
/// run with `options`' converter would convert the input.
pub fn mark_converted(outcome: &mut Outcome, options: &Options) {
    outcome.stats.converted =
        pipeline::Options::default().converts(outcome.stats.language, Some(&options.converter));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn job_counts_are_capped_by_cpus_and_inputs() {
        let t = |requested, inputs, cpus| job_threads(requested, inputs, cpus);
        // Beyond MAX_JOBS_PER_CPU per CPU: capped, with a warning naming
        // what was asked for.
        let absurd = t(Some(10_000), 1_000, 2);
        assert_eq!(absurd.threads, 2 * MAX_JOBS_PER_CPU);
        assert!(absurd.warning.as_deref().unwrap().contains("10000"));
        assert_eq!(t(Some(usize::MAX), 3, 2).threads, 3);
        // Within the limit: as asked, no warning.
        assert_eq!(
            t(Some(8), 1_000, 2),
            JobThreads {
                threads: 8,
                warning: None
            }
        );
        // More threads than inputs and CPUs would idle: capped quietly,
        // but never below the CPUs, which can split one large input.
        assert_eq!(
            t(Some(8), 3, 2),
            JobThreads {
                threads: 3,
                warning: None
            }
        );
        assert_eq!(t(Some(4), 1, 4).threads, 4);
        // The default is one per CPU; nothing is ever zero.
        assert_eq!(t(None, 100, 6).threads, 6);
        assert_eq!(t(None, 0, 0).threads, 1);
    }

    #[test]
    fn shared_types_cross_threads() {
        assert_send_sync::<Options>();
        assert_send_sync::<Outcome>();
        assert_send_sync::<NormalizeError>();
    }

    #[test]
    fn bytes_are_decoded_cleaned_and_converted() {
        // 漢字轉換 in Big5.
        let big5 = [0xBA, 0x7E, 0xA6, 0x72, 0xC2, 0xE0, 0xB4, 0xAB];
        let (text, outcome) = normalize(&big5, &Options::default()).unwrap();
        assert_eq!(text, "汉字转换");
        assert!(outcome.stats.converted);
        assert_eq!(outcome.to_json()["encoding"], "Big5");
    }

    #[test]
    fn binary_input_is_refused_unless_the_encoding_is_given() {
        let data = b"plain ASCII text for a while, then\0 a NUL byte";
        match normalize(data, &Options::default()) {
            Err(NormalizeError::Binary { offset }) => assert_eq!(offset, 34),
            other => panic!("{other:?}"),
        }
        let mut o = Options::default();
        o.set_from(Some("utf-8")).unwrap();
        assert!(normalize(data, &o).is_ok());
    }

    #[test]
    fn text_is_cleaned_as_a_json_field_is() {
        let o = Options::default();
        let (text, outcome) = normalize_text("漢字&amp;轉換", &o);
        assert_eq!(text, "汉字&转换");
        assert_eq!(outcome.stats.clean.entities.decoded, 1);
        let line = "{\"text\":\"漢字&amp;轉換\"}\n";
        let mut jo = Options::default();
        jo.set_format("jsonl").unwrap();
        let (jsonl, _) = normalize(line.as_bytes(), &jo).unwrap();
        assert_eq!(jsonl, format!("{{\"text\":\"{text}\"}}\n"));
    }

    #[test]
    fn text_only_is_the_text_of_the_full_call() {
        let mut text_format = Options::default();
        text_format.set_format("text").unwrap();
        for options in [Options::default(), text_format] {
            for record in [
                "",
                "漢字&amp;轉換",
                "第一條 本法依憲法制定之(刪除),見第二條。",
                "日本語の文章です。漢字も使います。",
                "한국어 문장입니다. 韓國語도 씁니다.",
                "中文裡引用日文：これはペンです。\n下一行繁體中文。",
                "&#12371;&#12428;は漢字",
                "經(jīng)濟發(fā)展",
                "娴嬭瘯涓枃",
                "<p>段落</p>",
            ] {
                let (full, _) = normalize_text(record, &options);
                assert_eq!(normalize_text_only(record, &options), full, "{record:?}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// The quick way for plain records gives the text of the full
        /// call, for records on both sides of its border.
        #[test]
        fn text_only_matches_the_full_call_on_any_record(
            parts in proptest::collection::vec(proptest::sample::select(RECORD_PARTS), 0..24),
            text_format in proptest::bool::ANY,
        ) {
            let record = parts.concat();
            let mut options = Options::default();
            if text_format {
                options.set_format("text").unwrap();
            }
            let (full, _) = normalize_text(&record, &options);
            proptest::prop_assert_eq!(normalize_text_only(&record, &options), full);
        }
    }

    /// Pieces of records: plain Traditional text and what takes a record
    /// off the quick way (references, kana, hangul, pinyin, mojibake,
    /// punctuation tidy changes, CR, markup).
    const RECORD_PARTS: &[&str] = &[
        "第一條",
        "本法依憲法制定之",
        "，",
        "。",
        "（一）",
        "abc 123",
        " ",
        "\n",
        "\r\n",
        "&amp;",
        "&#12371;",
        "これは",
        "한국어",
        "經(jīng)",
        "娴嬭瘯",
        "中文,",
        "?",
        "<p>",
        "Ａ１",
        "\u{200B}",
        "─│",
        "齾齉",
        "锟斤拷",
    ];

    #[test]
    fn streaming_in_any_pieces_gives_the_one_call_text() {
        let o = Options::default();
        let data = "<p>漢字&amp;轉換</p>\n第二行，測試。\n".as_bytes();
        let (whole, _) = normalize(data, &o).unwrap();
        for cut in 1..data.len() {
            let mut n = Normalizer::new(&o);
            let mut out = String::new();
            n.push(&data[..cut], &mut out).unwrap();
            n.push(&data[cut..], &mut out).unwrap();
            n.finish(&mut out).unwrap();
            assert_eq!(out, whole, "cut at {cut}");
        }
    }

    #[test]
    fn detect_reports_what_a_run_would_do() {
        let o = Options::default();
        let outcome = detect("漢字轉換".as_bytes(), &o).unwrap();
        let line = outcome.detect_json("x.txt");
        assert_eq!(line["path"], "x.txt");
        assert_eq!(line["encoding"], "UTF-8");
        assert_eq!(line["converted"], true);
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(keys[..3], ["path", "encoding", "basis"]);
    }
}
