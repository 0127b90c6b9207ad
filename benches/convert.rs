//! Conversion engine throughput, per configuration, on Traditional and on
//! Simplified input, plus the cost of building a `Converter`.
//!
//! Run with `cargo bench --bench convert` (add `-- trad/t2s` to filter).
//!
//! Input: the first ~2 MB (cut at a line end) of the shared bench file
//! `tw_laws_trad.txt`, found via `$ZHNORM_BENCH_TEXT` or, by default,
//! `../shared/corpus/bench/tw_laws_trad.txt` relative to the crate root.
//! The Simplified input is zhnorm's own t2s output of that sample: OpenCC's
//! output is not available inside `cargo bench`, and the two agree anyway
//! (scripts/opencc_diff.py checks that). When the bench file is missing, a
//! small built-in text repeated to the same size is used instead and the
//! bench says so; its numbers are then only roughly comparable.
//!
//! The machine this runs on is small and shared, so samples are few and
//! measurement windows short; compare runs made back to back, not across
//! days.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zhnorm::convert::Converter;

/// Configs that take Traditional input.
const TRAD_CONFIGS: &[&str] = &["t2s", "tw2s", "tw2sp", "hk2s", "t2tw", "t2hk", "t2jp"];
/// Configs that take Simplified input.
const SIMP_CONFIGS: &[&str] = &["s2t", "s2tw", "s2twp", "s2hk"];
/// Size of the sample. Large enough that per-call overhead vanishes, small
/// enough that one iteration stays well under a second.
const SAMPLE_BYTES: usize = 2 << 20;

/// Traditional-script fallback written for this bench: everyday words, some
/// multi-character phrases the dictionaries know, punctuation, digits and
/// Latin text, so both the phrase and the character paths get exercised.
const FALLBACK_TRAD: &str = "\
臺灣的鐵路網絡覆蓋西部各大城市，旅客可以搭乘高速鐵路在兩個小時之內從臺北抵達高雄。\n\
這個軟體的使用者介面經過重新設計，記憶體用量減少了三成，資料庫查詢也變得更快。\n\
圖書館週末開放到晚上九點，閱覽室裡有許多學生在準備考試，偶爾傳來翻書的聲音。\n\
颱風過後，鄉鎮公所派員清理街道，並發放飲用水與乾糧給受災的居民。\n\
他把頭髮剪短了，穿著一件舊的藍色外套，在車站門口等了將近一個鐘頭。\n\
Version 2.3 of the 程式庫 was released in 2024; 詳細說明請參閱網站上的文件。\n\
會議決議：預算應於下個會計年度開始前送交立法機關審議，逾期者視為同意。\n\
這家麵包店的蛋糕很有名，每天早上門口都排著長長的隊伍，聽說老闆是從香港來的。\n";

struct Inputs {
    trad: String,
    simp: String,
    origin: String,
}

fn bench_file() -> PathBuf {
    if let Some(p) = std::env::var_os("ZHNORM_BENCH_TEXT") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bench/tw_laws_trad.txt")
}

/// The first `limit` bytes of `text`, shortened to end just after a newline
/// (or at least on a char boundary) so no phrase is cut in half.
fn prefix_at_line(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(nl) => &text[..=nl],
        None => &text[..end],
    }
}

fn load_inputs() -> Inputs {
    let path = bench_file();
    let (trad, origin) = match std::fs::read(&path) {
        Ok(bytes) => {
            // Only the sample has to be valid UTF-8; decode just a prefix.
            let head = &bytes[..bytes.len().min(SAMPLE_BYTES + 4)];
            let valid = match std::str::from_utf8(head) {
                Ok(s) => s,
                Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap(),
            };
            let sample = prefix_at_line(valid, SAMPLE_BYTES).to_owned();
            let shown = std::fs::canonicalize(&path).unwrap_or(path);
            let origin = format!("{} (first {} bytes)", shown.display(), sample.len());
            (sample, origin)
        }
        Err(e) => {
            let reps = SAMPLE_BYTES / FALLBACK_TRAD.len() + 1;
            let sample = FALLBACK_TRAD.repeat(reps);
            let origin = format!(
                "built-in fallback text repeated to {} bytes ({} unavailable: {e}; \
                 set ZHNORM_BENCH_TEXT to use a real corpus)",
                sample.len(),
                path.display()
            );
            (sample, origin)
        }
    };
    let simp = Converter::new("t2s").expect("t2s config").convert(&trad);
    if simp == trad {
        eprintln!("warning: t2s left the sample unchanged; is the engine a stub?");
    }
    Inputs { trad, simp, origin }
}

fn throughput(c: &mut Criterion) {
    let inputs = load_inputs();
    eprintln!("bench input: {}", inputs.origin);
    eprintln!(
        "  traditional: {} bytes, simplified (zhnorm t2s of it): {} bytes",
        inputs.trad.len(),
        inputs.simp.len()
    );

    for (group_name, configs, text) in [
        ("trad", TRAD_CONFIGS, &inputs.trad),
        ("simp", SIMP_CONFIGS, &inputs.simp),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Bytes(text.len() as u64));
        for &name in configs {
            let conv = Converter::new(name).expect("known config");
            // One output buffer reused across iterations: the point is the
            // engine's speed, not the allocator's.
            let mut out = String::with_capacity(text.len() * 2);
            group.bench_function(name, |b| {
                b.iter(|| {
                    out.clear();
                    conv.convert_into(black_box(text), &mut out);
                    black_box(out.len())
                })
            });
        }
        group.finish();
    }
}

/// What a one-line invocation pays before converting anything. If the
/// engine caches compiled tables process-wide, this measures the cached
/// path after the first call; the whole-process start-up is measured by
/// benches/compare.sh instead.
fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    for name in ["t2s", "s2t"] {
        group.bench_function(format!("new/{name}"), |b| {
            b.iter(|| Converter::new(black_box(name)).expect("known config"))
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = throughput, startup
}
criterion_main!(benches);
