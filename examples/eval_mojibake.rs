//! Scores mojibake repair against a case file and, optionally, clean text.
//!
//! ```text
//! cargo run --release --example eval_mojibake -- CASES.jsonl [CLEAN.txt ...]
//! ```
//!
//! `CASES.jsonl` holds one `{"type", "orig", "bad", "lossless"}` object a
//! line (the shared corpus has 469). For each type the report gives the
//! number of cases, how many came back exactly, and the share of characters
//! recovered, before and after repair. A character counts as recovered by
//! edit distance: a case of `n` original characters whose output is `d`
//! insertions, deletions or substitutions away from the original recovers
//! `max(0, n - d)` of them; the share is summed over the cases of the type.
//! `min` is the lowest share of a single case, `<90%` the number of cases
//! under 90 %.
//!
//! `lossless` counts the cases the file marks lossless, and how many of them
//! came back exactly. For the twice-broken UTF-8-as-GBK type the mark
//! describes only the second step: the first may already have lost bytes
//! (its U+FFFD became `锟斤拷` and friends). `whole` therefore counts the
//! marked cases whose first step lost nothing either, found by replaying
//! it: a GB18030 decoder loses a lone 0x80 or 0xFF and any lead byte not
//! followed by a byte that completes it. The exact-repair target applies
//! to `whole`.
//!
//! Each CLEAN file is repaired line by line and every line that changes is
//! counted (and the first few printed): clean text must come back as it is.
//! The file is also repaired whole, and timed.
//!
//! The exit status is 1 when a target is missed: a lossless case not
//! repaired exactly, a lossy UTF-8-as-GBK type under 90 % of characters
//! recovered, a clean control changed, a `锟斤拷` case not detected or made
//! worse, or a clean-file line changed.

use std::collections::BTreeMap;
use std::process::ExitCode;
use zhnorm::clean::mojibake::{repair, Kind, RepairStats};

#[derive(Default)]
struct Row {
    cases: usize,
    lossless: usize,
    whole: usize,
    whole_exact: usize,
    exact: usize,
    lossless_exact: usize,
    chars: usize,
    kept_before: usize,
    kept_after: usize,
    min_share: Option<f64>,
    under_90: usize,
    controls_changed: usize,
    detected: usize,
    worse: usize,
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Bytes a GB18030 decoder cannot read in `bytes`.
fn gb18030_lost(bytes: &[u8]) -> usize {
    let (mut i, mut lost) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if b < 0x80 {
            i += 1;
        } else if b == 0x80 || b == 0xFF {
            lost += 1;
            i += 1;
        } else if matches!(next, Some(0x40..=0x7E | 0x80..=0xFE)) {
            i += 2;
        } else if matches!(next, Some(0x30..=0x39))
            && matches!(bytes.get(i + 2), Some(0x81..=0xFE))
            && matches!(bytes.get(i + 3), Some(0x30..=0x39))
        {
            i += 4;
        } else {
            lost += 1;
            i += 1;
        }
    }
    lost
}

fn kept(orig: &[char], text: &str) -> usize {
    let t: Vec<char> = text.chars().collect();
    orig.len().saturating_sub(edit_distance(orig, &t))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cases_path) = args.first() else {
        eprintln!("usage: eval_mojibake CASES.jsonl [CLEAN.txt ...]");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(cases_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("eval_mojibake: {cases_path}: {e}");
            return ExitCode::from(2);
        }
    };
    let verbose = std::env::var_os("EVAL_VERBOSE").is_some();
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut totals = RepairStats::default();
    let mut failed = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("eval_mojibake: {cases_path}:{}: {e}", n + 1);
                return ExitCode::from(2);
            }
        };
        let ty = v["type"].as_str().unwrap_or("?").to_string();
        let orig = v["orig"].as_str().unwrap_or("");
        let bad = v["bad"].as_str().unwrap_or("");
        let lossless = v["lossless"].as_bool().unwrap_or(false);
        let (out, stats) = repair(bad);
        totals.add(&stats);
        let o: Vec<char> = orig.chars().collect();
        let row = rows.entry(ty.clone()).or_default();
        row.cases += 1;
        row.chars += o.len();
        let before = kept(&o, bad);
        let after = kept(&o, &out);
        row.kept_before += before;
        row.kept_after += after;
        let share = if o.is_empty() {
            f64::from(u8::from(out.is_empty()))
        } else {
            after as f64 / o.len() as f64
        };
        row.min_share = Some(row.min_share.map_or(share, |m: f64| m.min(share)));
        row.under_90 += usize::from(share < 0.9);
        let exact = out == orig;
        row.exact += usize::from(exact);
        if lossless {
            row.lossless += 1;
            row.lossless_exact += usize::from(exact);
            let twice = ty.contains("utf8-as-gbk") && ty.contains("again");
            if !twice || gb18030_lost(orig.as_bytes()) == 0 {
                row.whole += 1;
                row.whole_exact += usize::from(exact);
            }
        }
        if bad == orig && out != bad {
            row.controls_changed += 1;
        }
        if stats.irreparable > 0 {
            row.detected += 1;
        }
        if after < before {
            row.worse += 1;
        }
        if verbose && !exact {
            println!("{ty}\n  orig {orig}\n  bad  {bad}\n  out  {out}\n  {stats:?}");
        }
    }
    println!(
        "{:<44} {:>5} {:>6} {:>9} {:>9} {:>8} {:>8} {:>5} {:>5} {:>5} {:>8} {:>5}",
        "type",
        "cases",
        "exact",
        "lossless",
        "whole",
        "before",
        "after",
        "min",
        "ctrl±",
        "worse",
        "detected",
        "<90%"
    );
    for (ty, r) in &rows {
        let pct = |k: usize| 100.0 * k as f64 / r.chars.max(1) as f64;
        println!(
            "{:<44} {:>5} {:>6} {:>4}/{:<4} {:>4}/{:<4} {:>7.1}% {:>7.1}% {:>4.0}% {:>5} {:>5} {:>8} {:>5}",
            ty,
            r.cases,
            r.exact,
            r.lossless_exact,
            r.lossless,
            r.whole_exact,
            r.whole,
            pct(r.kept_before),
            pct(r.kept_after),
            100.0 * r.min_share.unwrap_or(0.0),
            r.controls_changed,
            r.worse,
            r.detected,
            r.under_90
        );
        let is_lockjaw = ty.contains('锟');
        let is_utf8_as_gbk = ty.contains("utf8-as-gbk");
        if r.whole_exact < r.whole && !is_lockjaw && !ty.contains("clean") {
            failed.push(format!(
                "{ty}: {} of {} lossless cases not exact",
                r.whole - r.whole_exact,
                r.whole
            ));
        }
        if is_utf8_as_gbk && r.kept_after * 10 < r.chars * 9 {
            failed.push(format!(
                "{ty}: {:.1}% of characters recovered",
                pct(r.kept_after)
            ));
        }
        if r.controls_changed > 0 {
            failed.push(format!("{ty}: {} clean cases changed", r.controls_changed));
        }
        if is_lockjaw && (r.detected < r.cases || r.worse > 0) {
            failed.push(format!(
                "{ty}: {} of {} detected, {} made worse",
                r.detected, r.cases, r.worse
            ));
        }
    }
    println!(
        "\ntotals: {} stretches repaired, {} characters replaced, {} irreparable runs",
        totals.spans_repaired, totals.chars_in, totals.irreparable
    );
    for k in Kind::ALL {
        print!("  {}={}", k.name(), totals.kinds[k as usize]);
    }
    println!();
    for path in &args[1..] {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("eval_mojibake: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let text = String::from_utf8_lossy(&data);
        let started = std::time::Instant::now();
        let (whole, _) = repair(&text);
        let secs = started.elapsed().as_secs_f64();
        let whole_changed = whole != text;
        let (mut lines, mut changed) = (0usize, 0usize);
        for line in text.split_inclusive('\n') {
            lines += 1;
            let (out, _) = repair(line);
            if out != line {
                changed += 1;
                if changed <= 5 {
                    let cut = |s: &str| s.trim_end().chars().take(160).collect::<String>();
                    println!("  changed: {}\n       to: {}", cut(line), cut(&out));
                }
            }
        }
        println!(
            "clean {path}: {lines} lines, {changed} changed; {:.1} MB/s",
            text.len() as f64 / secs / 1e6
        );
        if changed > 0 || whole_changed {
            failed.push(format!("{path}: {changed} clean lines changed"));
        }
    }
    if failed.is_empty() {
        println!("all targets met");
        ExitCode::SUCCESS
    } else {
        for f in &failed {
            println!("MISSED {f}");
        }
        ExitCode::from(1)
    }
}
