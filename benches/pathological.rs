//! Throughput on inputs built to be expensive, beside ordinary news text:
//! the aim is that none cost more than 5x ordinary text per byte.
//!
//! Run with `cargo bench --bench pathological` (add `-- kun` to filter).
//! Every input is decoded (auto-detected, as the command line does) and
//! goes through the default pipeline with t2s, in 64 KiB reads. Criterion
//! reports bytes per second; divide the reference's figure by an input's
//! to get its cost ratio. `eval/cost_per_mb.py` gives the same ratios
//! for the whole release binary, with a limit.
//!
//! The reference is the first 256 KiB of `news_trad.txt` (from
//! `$ZHNORM_BENCH_NEWS`, or `../shared/corpus/bench/` beside the crate),
//! or, without it, generated Traditional prose.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zhnorm::convert::Converter;
use zhnorm::decode::{AutoDecoder, DecodeOptions};
use zhnorm::pipeline::{Options, Pipeline};

const SIZE: usize = 256 * 1024;

const HAN: &str = "的一是不了人我在有他這中大來上國個到說們為子和你地出道也時年得就那要下以生會自著去之過家學對可她裡後小麼心多天而能好都然沒日於起還發成事";

/// xorshift: the same inputs on every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn han(&mut self) -> char {
        let chars: Vec<char> = HAN.chars().collect();
        chars[self.next() as usize % chars.len()]
    }
}

fn repeat_to(unit: &[u8], size: usize) -> Vec<u8> {
    unit.iter().copied().cycle().take(size).collect()
}

fn news() -> Vec<u8> {
    let path = std::env::var_os("ZHNORM_BENCH_NEWS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bench/news_trad.txt")
        });
    match std::fs::read(&path) {
        Ok(mut bytes) => {
            bytes.truncate(SIZE);
            let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            bytes.truncate(end);
            bytes
        }
        Err(_) => {
            eprintln!(
                "pathological bench: {} not found; generated prose instead",
                path.display()
            );
            let mut rng = Rng(7);
            let mut text = String::new();
            while text.len() < SIZE {
                let n = 20 + rng.next() as usize % 60;
                text.extend((0..n).map(|_| rng.han()));
                text.push_str("。\n");
            }
            text.into_bytes()
        }
    }
}

/// (name, bytes) of every input, the reference first.
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mut rng = Rng(12);
    let latin_mojibake: String = "測試中文".bytes().map(char::from).collect();
    let (gbk, _, _) = encoding_rs::GBK.encode("測試中文一下");
    let gbk_mojibake = String::from_utf8_lossy(&gbk).into_owned();
    let mut mixed = Vec::new();
    while mixed.len() < SIZE {
        let word: String = (0..1 + rng.next() % 3).map(|_| rng.han()).collect();
        if rng.next().is_multiple_of(2) {
            mixed.extend_from_slice(&encoding_rs::GBK.encode(&word).0);
        } else {
            mixed.extend_from_slice(word.as_bytes());
        }
    }
    let mut utf16 = Vec::new();
    while utf16.len() < SIZE {
        for _ in 0..40 {
            let mut buf = [0u16; 2];
            for unit in rng.han().encode_utf16(&mut buf) {
                utf16.extend_from_slice(&unit.to_le_bytes());
            }
        }
        for _ in 0..rng.next() % 4 {
            utf16.push(rng.next() as u8);
        }
    }
    let random_high: Vec<u8> = (0..SIZE).map(|_| 0x80 | rng.next() as u8).collect();
    let random_lines: Vec<u8> = (0..SIZE)
        .map(|_| {
            if rng.next().is_multiple_of(100) {
                b'\n'
            } else {
                0x80 | rng.next() as u8
            }
        })
        .collect();
    vec![
        ("news", news()),
        ("kun-run", repeat_to("锟斤拷".as_bytes(), SIZE)),
        (
            "kun-lines",
            repeat_to(format!("{}\n", "锟斤拷".repeat(30)).as_bytes(), SIZE),
        ),
        ("random-high", random_high),
        ("random-high-lines", random_lines),
        ("one-char", repeat_to("國".as_bytes(), SIZE)),
        (
            "amp-chain",
            [b"&".as_slice(), &repeat_to(b"amp;", SIZE)].concat(),
        ),
        ("amp-hash", repeat_to(b"&#", SIZE)),
        ("lt-flood", repeat_to(b"<", SIZE)),
        ("pinyin-chain", repeat_to("經(jīng)濟(jì)".as_bytes(), SIZE)),
        ("fffd-run", repeat_to("\u{FFFD}".as_bytes(), SIZE)),
        ("c1-run", repeat_to("\u{85}\u{91}\u{99}".as_bytes(), SIZE)),
        ("gbk-utf8-mix", mixed),
        ("utf16-noise", utf16),
        ("latin1-byte", repeat_to(b"\xe9", SIZE)),
        ("mojibake-latin", repeat_to(latin_mojibake.as_bytes(), SIZE)),
        ("mojibake-gbk", repeat_to(gbk_mojibake.as_bytes(), SIZE)),
    ]
}

/// Decode, clean and convert `bytes` as the command line does a file.
fn run(bytes: &[u8], conv: &Converter) -> usize {
    let mut decoder = AutoDecoder::new(DecodeOptions::default());
    let mut pipeline = Pipeline::new(Options::default(), Some(conv));
    let (mut text, mut out) = (String::new(), String::new());
    let mut written = 0;
    for chunk in bytes.chunks(64 * 1024) {
        let direct = decoder.push_borrowed(chunk, &mut text);
        pipeline.push(&text, &mut out).ok();
        text.clear();
        pipeline.push(direct, &mut out).ok();
        written += out.len();
        out.clear();
    }
    decoder.finish(&mut text);
    pipeline.push(&text, &mut out).ok();
    pipeline.finish(&mut out).ok();
    written + out.len()
}

fn pathological(c: &mut Criterion) {
    let conv = Converter::new("t2s").unwrap();
    let mut group = c.benchmark_group("pathological");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for (name, bytes) in inputs() {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| run(black_box(&bytes), &conv)));
    }
    group.finish();
}

criterion_group!(benches, pathological);
criterion_main!(benches);
