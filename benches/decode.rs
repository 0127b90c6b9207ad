//! Decoding and cleanup throughput: the stages in front of conversion.
//!
//! Run with `cargo bench --bench decode` (add `-- gbk` to filter).
//!
//! Input: the first ~2 MB (cut at a line end) of the shared bench file
//! `tw_laws_trad.txt` (via `$ZHNORM_BENCH_TEXT`, or
//! `../shared/corpus/bench/tw_laws_trad.txt` beside the crate), encoded here
//! in UTF-8, GB18030 and Big5 (characters Big5 lacks are dropped from that
//! copy). Without the file, a built-in paragraph written for this bench is
//! repeated to the same size, and the bench says so.
//!
//! Measured: `decode_bytes` (detection and decoding, the whole streaming
//! decoder) per encoding; the decoder fed in 256 KiB reads as the CLI does;
//! the cleanup stage (entities and mojibake) on clean text, which is what
//! nearly all input is. Whole-process figures, side by side with a UTF-8
//! run, come from `eval/decode_share.py`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zhnorm::clean::{CleanOptions, Cleaner};
use zhnorm::decode::{decode_bytes, AutoDecoder, DecodeOptions};

const SAMPLE_BYTES: usize = 2 << 20;

/// Fallback text written for this bench (Traditional, with punctuation,
/// digits and some Latin), used when the shared bench file is absent.
const FALLBACK: &str = "\
臺灣的鐵路網絡覆蓋西部各大城市，旅客可以搭乘高速鐵路在兩個小時之內從臺北抵達高雄。\n\
會議決議：預算應於下個會計年度開始前送交立法機關審議，逾期者視為同意。\n\
Version 2.3 of the 程式庫 was released in 2024; 詳細說明請參閱網站上的文件。\n";

fn sample() -> (String, &'static str) {
    let path = std::env::var_os("ZHNORM_BENCH_TEXT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/corpus/bench/tw_laws_trad.txt")
        });
    let (text, origin) = match std::fs::read_to_string(&path) {
        Ok(t) => (t, "tw_laws_trad.txt"),
        Err(_) => {
            eprintln!(
                "decode bench: {} not found; using the built-in paragraph",
                path.display()
            );
            (
                FALLBACK.repeat(SAMPLE_BYTES / FALLBACK.len() + 1),
                "fallback",
            )
        }
    };
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(end, |i| i + 1);
    (text[..end].to_owned(), origin)
}

fn benches(c: &mut Criterion) {
    let (text, origin) = sample();
    let gbk = encoding_rs::GB18030.encode(&text).0.into_owned();
    // Big5 lacks some characters; keep only what it can encode, so the
    // input is clean Big5 rather than Big5 with HTML references.
    let big5_text: String = text
        .chars()
        .filter(|c| {
            let mut b = [0u8; 4];
            !encoding_rs::BIG5.encode(c.encode_utf8(&mut b)).2
        })
        .collect();
    let big5 = encoding_rs::BIG5.encode(&big5_text).0.into_owned();
    eprintln!(
        "decode bench input: {origin}, {} bytes of UTF-8",
        text.len()
    );

    let mut g = c.benchmark_group("decode");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for (name, bytes) in [
        ("utf8", text.as_bytes()),
        ("gbk", &gbk[..]),
        ("big5", &big5[..]),
    ] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| decode_bytes(black_box(bytes), DecodeOptions::default()))
        });
    }
    g.throughput(Throughput::Bytes(gbk.len() as u64));
    g.bench_function("gbk_in_256k_reads", |b| {
        b.iter(|| {
            let mut d = AutoDecoder::new(DecodeOptions::default());
            let mut out = String::with_capacity(gbk.len() * 2);
            for chunk in gbk.chunks(256 * 1024) {
                d.push(black_box(chunk), &mut out);
            }
            d.finish(&mut out);
            out
        })
    });
    g.finish();

    let mut g = c.benchmark_group("clean");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("clean_text", |b| {
        b.iter(|| {
            let mut cleaner = Cleaner::new(CleanOptions::default());
            let mut out = String::with_capacity(text.len());
            cleaner.push(black_box(&text), &mut out);
            cleaner.finish(&mut out);
            out
        })
    });
    g.finish();
}

criterion_group!(decode, benches);
criterion_main!(decode);
