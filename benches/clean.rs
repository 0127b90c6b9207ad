//! Cleanup and HTML throughput: the issue-4 steps between decoding and
//! conversion, on their own and as the pipeline runs them.
//!
//! Run with `cargo bench --bench clean` (add `-- tidy` to filter).
//!
//! Input: the first ~2 MB (cut at a line end) of the shared bench file
//! `tw_laws_trad.txt` (via `$ZHNORM_BENCH_TEXT`, or
//! `../shared/corpus/bench/tw_laws_trad.txt` beside the crate); without it, a
//! paragraph written for this bench, repeated. From it the bench builds:
//! a "messy" copy (ASCII commas, full-width digits, no-break spaces and
//! zero-width spaces put in, every line), a "spam" copy (pinyin after some
//! Traditional characters, as spam mirrors write it), and a page (each line a
//! `<p>`, with a script and attributes), so every step has real work.
//!
//! Measured: `tidy` on clean and messy text; the pinyin step alone on clean
//! and spam text; the whole default pipeline (no conversion, then t2s) on
//! clean text; `--html keep` and `--html text` on the page; and
//! `normalize_text` (the library call the Python package makes for a `str`,
//! format text, default options) record by record over the first 50,000
//! non-empty lines of the whole bench file, with and without the report
//! (`normalize_text_only`) (skipped, with a message, when
//! the file is not there: short built-in lines would not say the same).
//! Whole-process figures against OpenCC come from `benches/compare.sh`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zhnorm::clean::tidy::{tidy, TidyOptions};
use zhnorm::clean::{CleanOptions, Cleaner};
use zhnorm::convert::Converter;
use zhnorm::pipeline::{Format, HtmlMode, Options, Pipeline};

const SAMPLE_BYTES: usize = 2 << 20;

const FALLBACK: &str = "\
臺灣的鐵路網絡覆蓋西部各大城市，旅客可以搭乘高速鐵路在兩個小時之內從臺北抵達高雄。\n\
會議決議：預算應於下個會計年度開始前送交立法機關審議，逾期者視為同意。\n\
Version 2.3 of the 程式庫 was released in 2024; 詳細說明請參閱網站上的文件。\n";

fn bench_path() -> PathBuf {
    std::env::var_os("ZHNORM_BENCH_TEXT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/corpus/bench/tw_laws_trad.txt")
        })
}

fn sample() -> String {
    let path = bench_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        eprintln!(
            "clean bench: {} not found; using the built-in paragraph",
            path.display()
        );
        FALLBACK.repeat(SAMPLE_BYTES / FALLBACK.len() + 1)
    });
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(end, |i| i + 1);
    text[..end].to_owned()
}

/// Every line gets an ASCII comma between Chinese, full-width digits, a
/// no-break space and a zero-width space.
fn messy(text: &str) -> String {
    text.lines()
        .map(|l| format!("{l},第１２３號\u{A0}條\u{200B}文\n"))
        .collect()
}

/// Toned pinyin after every 經, 發, 區, 業, 機 (all Traditional forms).
fn spam(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        out.push(c);
        let py = match c {
            '經' => "(jīng)",
            '發' => "(fā)",
            '區' => "(qū)",
            '業' => "(yè)",
            '機' => "(jī)",
            _ => "",
        };
        out.push_str(py);
    }
    out
}

fn page(text: &str) -> String {
    let mut out = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"big5\"><title>法規</title>\
         <script>var x = \"漢字, (x)\";</script></head><body>\n",
    );
    for line in text.lines() {
        out.push_str("<p title=\"條文\">");
        out.push_str(line);
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

fn run(options: Options, conv: Option<&Converter>, text: &str) -> usize {
    let mut p = Pipeline::new(options, conv);
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    // 256 KiB pieces, as the command line reads, cut at character
    // boundaries.
    let mut from = 0;
    while from < text.len() {
        let mut to = (from + 256 * 1024).min(text.len());
        while !text.is_char_boundary(to) {
            to -= 1;
        }
        p.push(&text[from..to], &mut out).unwrap();
        from = to;
    }
    p.finish(&mut out).unwrap();
    out.len()
}

fn benches(c: &mut Criterion) {
    let text = sample();
    let messy = messy(&text);
    let spam = spam(&text);
    let page = page(&text);
    let t2s = Converter::new("t2s").unwrap();

    let mut g = c.benchmark_group("tidy");
    g.measurement_time(Duration::from_secs(5));
    for (name, input) in [("clean", &text), ("messy", &messy)] {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| black_box(tidy(black_box(input), &TidyOptions::default())))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("pinyin");
    g.measurement_time(Duration::from_secs(5));
    for (name, input) in [("clean", &text), ("spam", &spam)] {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut cleaner = Cleaner::new(CleanOptions {
                    pinyin: true,
                    ..CleanOptions::none()
                });
                let mut out = String::with_capacity(input.len());
                cleaner.push(black_box(input), &mut out);
                cleaner.finish(&mut out);
                black_box(out.len())
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("pipeline");
    g.measurement_time(Duration::from_secs(5));
    let text_opts = Options {
        format: Format::Text,
        ..Options::default()
    };
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("default_clean_only", |b| {
        b.iter(|| run(text_opts, None, black_box(&text)))
    });
    g.bench_function("default_t2s", |b| {
        b.iter(|| run(text_opts, Some(&t2s), black_box(&text)))
    });
    g.bench_function("convert_only_t2s", |b| {
        b.iter(|| run(Options::convert_only(), Some(&t2s), black_box(&text)))
    });
    g.throughput(Throughput::Bytes(page.len() as u64));
    for (name, mode) in [
        ("html_keep_t2s", HtmlMode::Keep),
        ("html_text_t2s", HtmlMode::Text),
    ] {
        let opts = Options {
            format: Format::Html,
            html: mode,
            ..Options::default()
        };
        g.bench_function(name, |b| b.iter(|| run(opts, Some(&t2s), black_box(&page))));
    }
    g.finish();

    records(c);
}

/// Records one at a time, as a Python loop over short strings calls the
/// library: the fixed cost of a call matters as much as the per-byte one.
fn records(c: &mut Criterion) {
    const RECORDS: usize = 50_000;
    let path = bench_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "clean bench: {} not found; skipping the normalize_text records",
            path.display()
        );
        return;
    };
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty())
        .take(RECORDS)
        .collect();
    let mut options = zhnorm::Options::default();
    options.set_format("text").expect("text is a format");
    let mut g = c.benchmark_group("records");
    g.measurement_time(Duration::from_secs(10));
    g.sample_size(20);
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("normalize_text_laws_lines", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| zhnorm::normalize_text(black_box(l), &options).0.len())
                .sum::<usize>()
        })
    });
    // The same text without the report's language verdict.
    g.bench_function("normalize_text_only_laws_lines", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| zhnorm::normalize::normalize_text_only(black_box(l), &options).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(clean, benches);
criterion_main!(clean);
