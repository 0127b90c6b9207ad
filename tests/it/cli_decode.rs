//! The decoding stage end to end, through the `zhnorm` binary: files in
//! GBK, Big5, UTF-16 and HZ-GB-2312 come out as Simplified UTF-8; `--from`;
//! `zhnorm detect` in JSON and for people; binary input; HTML entities;
//! live input.
//!
//! Inputs are sentences written for these tests, encoded here with
//! encoding_rs (HZ by hand); the Simplified forms are written by hand too
//! (and agree with OpenCC 1.4.2's t2s).

use std::fs;

use encoding_rs::{Encoding, BIG5, GBK, UTF_8};
use serde_json::Value;

use crate::support::cli::{
    assert_no_panic, live_lines, p, run_stdin as run, stderr_utf8 as stderr, stdout,
};

/// Traditional sentences and their Simplified forms.
const TRAD_SIMP: &[(&str, &str)] = &[
    (
        "颱風「海葵」預計週四清晨登陸，氣象署提醒民眾做好防颱準備。",
        "台风「海葵」预计周四清晨登陆，气象署提醒民众做好防台准备。",
    ),
    (
        "這家老字號麵包店創立於1958年，每天凌晨四點就開始烤製招牌菠蘿麵包。",
        "这家老字号面包店创立于1958年，每天凌晨四点就开始烤制招牌菠萝面包。",
    ),
    (
        "中央社台北5日電，行政院今天通過明年度總預算案，總額為新台幣2.9兆元。",
        "中央社台北5日电，行政院今天通过明年度总预算案，总额为新台币2.9兆元。",
    ),
    (
        "研究團隊發現，適量運動能有效降低罹患心血管疾病的風險，相關論文刊登於《自然》期刊。",
        "研究团队发现，适量运动能有效降低罹患心血管疾病的风险，相关论文刊登于《自然》期刊。",
    ),
];

/// Simplified sentences (which t2s leaves as they are).
const SIMPLIFIED: &[&str] = &[
    "受强冷空气影响，今晚到明天北方大部地区气温将下降8至10度，局地有暴雪。",
    "第十五届全国运动会的火炬传递活动于昨日在广州启动，共有200名火炬手参与！",
    "据了解，该项目总投资约12亿元，建成后每年可处理生活垃圾40万吨。",
];

/// `text` in `enc`, checked to be representable and to round-trip.
fn enc(text: &str, enc: &'static Encoding) -> Vec<u8> {
    let (bytes, used, unmappable) = enc.encode(text);
    assert_eq!(used, enc);
    assert!(
        !unmappable,
        "{text:?} is not representable in {}",
        enc.name()
    );
    assert_eq!(
        enc.decode_without_bom_handling_and_without_replacement(&bytes)
            .as_deref(),
        Some(text)
    );
    bytes.into_owned()
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    std::iter::once(0xFEFF)
        .chain(text.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// HZ-GB-2312 (RFC 1843) by hand: GB 2312 codes with the high bits
/// cleared between `~{` and `~}`, `~~` for a tilde, back to ASCII before
/// every line end.
fn hz(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut gb = false;
    for c in text.chars() {
        if c.is_ascii() {
            if gb {
                out.extend(b"~}");
                gb = false;
            }
            if c == '~' {
                out.extend(b"~~");
            } else {
                out.push(c as u8);
            }
        } else {
            let code = enc(c.encode_utf8(&mut [0; 4]), GBK);
            assert!(
                code.len() == 2 && code.iter().all(|&b| (0xA1..=0xFE).contains(&b)),
                "{c} is not in GB 2312"
            );
            if !gb {
                out.extend(b"~{");
                gb = true;
            }
            out.extend(code.iter().map(|b| b - 0x80));
        }
    }
    if gb {
        out.extend(b"~}");
    }
    out
}

fn lines(text: &[&str]) -> String {
    text.iter().map(|s| format!("{s}\n")).collect()
}

fn trad() -> String {
    lines(&TRAD_SIMP.iter().map(|(t, _)| *t).collect::<Vec<_>>())
}

fn simp_of_trad() -> String {
    lines(&TRAD_SIMP.iter().map(|(_, s)| *s).collect::<Vec<_>>())
}

#[test]
fn legacy_encoded_files_come_out_as_simplified_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let simp = lines(SIMPLIFIED);
    let cases: [(&str, Vec<u8>, String); 4] = [
        ("gbk.txt", enc(&simp, GBK), simp.clone()),
        ("big5.txt", enc(&trad(), BIG5), simp_of_trad()),
        ("utf16.txt", utf16le_with_bom(&trad()), simp_of_trad()),
        ("hz.txt", hz(&simp), simp.clone()),
    ];
    for (name, bytes, want) in &cases {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let o = run(&[p(&path)], b"");
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert_eq!(stdout(&o), *want, "{name}");
        assert_eq!(stderr(&o), "", "{name}");
        // And to a file, as UTF-8.
        let out = dir.path().join(format!("{name}.out"));
        let o = run(&["-o", p(&out), p(&path)], b"");
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert_eq!(fs::read(&out).unwrap(), want.as_bytes(), "{name}");
    }
}

#[test]
fn legacy_encoded_stdin_too() {
    let o = run(&[], &enc(&trad(), BIG5));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), simp_of_trad());
}

#[test]
fn from_big5_forces_the_encoding() {
    // Two characters alone are a close call between Big5 and GBK; the
    // user's word settles it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("title.txt");
    fs::write(&path, enc("準備\n", BIG5)).unwrap();
    let o = run(&["--from", "big5", p(&path)], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "准备\n");
    // Labels are case-insensitive and aliases work.
    let o = run(&["--from", "BIG5-HKSCS", p(&path)], b"");
    assert_eq!(stdout(&o), "准备\n");

    let o = run(&["detect", "--json", "--from", "big5", p(&path)], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim_end()).unwrap();
    assert_eq!(v["encoding"], "Big5");
    assert_eq!(v["basis"], "forced");
}

#[test]
fn unknown_from_label_is_a_usage_error() {
    for args in [
        &["--from", "klingon-8"][..],
        &["detect", "--from", "klingon-8"],
    ] {
        let o = run(args, "漢字".as_bytes());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("klingon-8"), "{}", stderr(&o));
        assert_eq!(o.stdout, b"", "{args:?}");
    }
}

/// Parses one JSON object per line.
fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The runs of a `detect --json` object as (start, end, encoding).
fn runs(v: &Value) -> Vec<(u64, u64, String)> {
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["start"].as_u64().unwrap(),
                r["end"].as_u64().unwrap(),
                r["encoding"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn detect_json_reports_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let body = SIMPLIFIED.join("</p>\n<p>");
    let page = |decl: &str| {
        format!("<html>\n<head>\n<meta charset=\"{decl}\">\n</head>\n<body>\n<p>{body}</p>\n</body>\n</html>\n")
    };
    let gbk_page = enc(&page("gb2312"), GBK);
    let wrong_page = page("gb2312").into_bytes();
    let simp = lines(SIMPLIFIED);
    let gbk_part = enc(&simp, GBK);
    let mut mixed = gbk_part.clone();
    mixed.extend(enc(&trad(), BIG5));
    let big5 = enc(&trad(), BIG5);
    let utf16 = utf16le_with_bom(&simp);

    let files: [(&str, &[u8]); 6] = [
        ("gbk.html", &gbk_page),
        ("wrong.html", &wrong_page),
        ("mixed.txt", &mixed),
        ("missing.txt", b""),
        ("big5.txt", &big5),
        ("utf16.txt", &utf16),
    ];
    let mut args = vec!["detect".to_owned(), "--json".to_owned()];
    for (name, bytes) in &files {
        let path = dir.path().join(name);
        if *name != "missing.txt" {
            fs::write(&path, bytes).unwrap();
        }
        args.push(p(&path).to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args, b"");
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1), "an input was missing");
    let out = stdout(&o);
    let v = json_lines(&out);
    assert_eq!(v.len(), files.len(), "one line per input: {out}");
    for ((name, bytes), v) in files.iter().zip(&v) {
        assert!(
            v["path"].as_str().unwrap().ends_with(name),
            "order kept: {v}"
        );
        if *name != "missing.txt" {
            assert_eq!(v["bytes"], bytes.len() as u64, "{name}");
            assert_eq!(v["damaged"], 0, "{name}");
        }
    }

    let gbk = &v[0];
    assert_eq!(gbk["encoding"], "gb18030");
    assert_eq!(gbk["declared"]["label"], "gb2312");
    assert_eq!(gbk["declared"]["encoding"], "gb18030");
    assert_eq!(gbk["declared"]["correct"], true);
    assert_eq!(gbk["mixed"], false);
    assert_eq!(runs(gbk), [(0, gbk_page.len() as u64, "gb18030".into())]);

    let wrong = &v[1];
    assert_eq!(wrong["encoding"], "UTF-8");
    assert_eq!(wrong["declared"]["label"], "gb2312");
    assert_eq!(wrong["declared"]["correct"], false);
    assert_eq!(wrong["mixed"], false);

    let m = &v[2];
    assert_eq!(m["declared"], Value::Null);
    assert_eq!(m["mixed"], true);
    let r = runs(m);
    let names: Vec<&str> = r.iter().map(|(_, _, e)| e.as_str()).collect();
    assert_eq!(names, ["gb18030", "Big5"], "{m}");
    // The switch falls at the paragraph boundary: after the GBK part's
    // last non-ASCII byte, before the Big5 part's first one.
    assert_eq!((r[0].0, r[1].1), (0, mixed.len() as u64));
    assert_eq!(r[0].1, r[1].0);
    let last_gbk = gbk_part.iter().rposition(|&b| b >= 0x80).unwrap() as u64;
    assert!(
        (last_gbk + 1..=gbk_part.len() as u64).contains(&r[0].1),
        "{r:?}"
    );

    let missing = &v[3];
    assert!(missing["error"].as_str().unwrap().contains("No such file"));
    assert_eq!(missing.get("encoding"), None);

    assert_eq!(v[4]["encoding"], "Big5");
    assert_eq!(v[4]["mixed"], false);
    assert_eq!(v[5]["encoding"], "UTF-16LE");
    assert_eq!(v[5]["bom"], true);
    assert_eq!(v[5]["basis"], "bom");
}

#[test]
fn detect_json_reports_damage_offsets() {
    let mut bytes = enc(&lines(SIMPLIFIED), GBK);
    let at = enc(SIMPLIFIED[0], GBK).len() + 1 + 10;
    bytes.insert(at, 0xFF);
    let o = run(&["detect", "--json"], &bytes);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_lines(&stdout(&o));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["path"], "<stdin>");
    assert_eq!(v[0]["encoding"], "gb18030");
    assert_eq!(v[0]["damaged"], 1);
    assert_eq!(v[0]["damage_offsets"], serde_json::json!([at]));
}

/// A GBK part twice the size of a Big5 part, then one stray byte.
fn mixed_with_damage() -> (Vec<u8>, usize) {
    let gbk_part = enc(&lines(SIMPLIFIED).repeat(2), GBK);
    let big5_part = enc(&trad(), BIG5);
    // So GBK is the main encoding.
    assert!(gbk_part.len() > big5_part.len());
    let mut bytes = gbk_part.clone();
    bytes.extend(big5_part);
    bytes.push(0xFF);
    (bytes, gbk_part.len())
}

#[test]
fn detect_for_people() {
    let dir = tempfile::tempdir().unwrap();
    let big5 = dir.path().join("big5.txt");
    fs::write(&big5, enc(&trad(), BIG5)).unwrap();
    let mixed = dir.path().join("mixed.txt");
    let (bytes, gbk_len) = mixed_with_damage();
    fs::write(&mixed, &bytes).unwrap();
    let empty = dir.path().join("empty.txt");
    fs::write(&empty, b"").unwrap();
    let missing = dir.path().join("missing.txt");

    let o = run(
        &["detect", p(&big5), p(&missing), p(&mixed), p(&empty)],
        b"",
    );
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("zhnorm: {}: No such file or directory\n", p(&missing))
    );
    let out = stdout(&o);
    // Each input with text says its language: the Big5 file is
    // Traditional, the mixed one mostly Simplified (its GBK part is twice
    // the Big5 part); both are converted by a default run.
    let languages: Vec<&str> = out.lines().filter(|l| l.contains("language:")).collect();
    assert_eq!(
        languages,
        [
            "  language: zh-Hant, converted",
            "  language: zh-Hans, converted"
        ],
        "{out}"
    );
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.contains("mojibake") && !l.contains("language:"))
        .collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert!(
        lines[0].starts_with(&format!("{}: Big5 (detected, confidence ", p(&big5))),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!("{}: gb18030 (", p(&mixed))),
        "{out}"
    );
    // Runs listed for the mixed file, switching where the Big5 part
    // starts (give or take its line break), then its damage.
    let (first, second) = (lines[2], lines[3]);
    let switch = [gbk_len - 1, gbk_len].map(|at| {
        (
            format!("  bytes 0..{at}: gb18030"),
            format!("  bytes {at}..{}: Big5", bytes.len()),
        )
    });
    assert!(
        switch.contains(&(first.to_owned(), second.to_owned())),
        "{out}"
    );
    assert_eq!(
        lines[4],
        format!(
            "  damage: 1 damaged byte spot written as U+FFFD (first at byte offset {})",
            bytes.len() - 1
        )
    );
    assert_eq!(lines[5], format!("{}: empty", p(&empty)));
}

/// The main command says a damaged spot once (its U+FFFD is found again
/// by the mojibake scan, and `warn` subtracts it: "not worth saying
/// twice"); `detect` on the same input should agree.
#[test]
fn detect_does_not_report_decoding_damage_twice() {
    let (bytes, _) = mixed_with_damage();
    let o = run(&[], &bytes);
    let warnings: Vec<&str> = o
        .stderr
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let o = run(&["detect"], &bytes);
    let out = stdout(&o);
    assert!(!out.contains("irreparable"), "{out}");
    let o = run(&["detect", "--json"], &bytes);
    let v = json_lines(&stdout(&o));
    assert_eq!(v[0]["damaged"], 1);
    assert_eq!(v[0]["irreparable"], 0, "{}", v[0]);
}

#[test]
fn a_tiny_input_with_a_nul_is_binary_not_utf16() {
    // These were taken for UTF-16 (one zero in the "right" place) and came
    // out as invented Han characters with exit 0.
    for (data, offset) in [(&b"\0bin"[..], 0), (b"ab\0cd", 2), (b"x\0", 1)] {
        let o = run(&[], data);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(1), "{data:?}");
        assert_eq!(stdout(&o), "", "{data:?}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("binary data (NUL byte at offset {offset})")),
            "{err}"
        );
    }
}

#[test]
fn binary_input_is_refused_unless_from_is_given() {
    let dir = tempfile::tempdir().unwrap();
    // An ELF-like header: NUL bytes at even and odd offsets, so no UTF-16.
    let mut bin =
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    bin.extend("text after the header 漢字\n".as_bytes());
    let first_nul = 7;
    let binary = dir.path().join("prog.bin");
    fs::write(&binary, &bin).unwrap();
    let text = dir.path().join("text.txt");
    fs::write(&text, enc(&trad(), BIG5)).unwrap();

    let o = run(&[p(&binary), p(&text)], b"");
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("zhnorm: {}: ", p(&binary))),
        "{err}"
    );
    assert!(err.contains("binary"), "{err}");
    assert!(err.contains(&format!("offset {first_nul}")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Nothing of the binary file, all of the next one.
    assert_eq!(stdout(&o), simp_of_trad());

    let o = run(&["detect", "--json", p(&binary)], b"");
    assert_eq!(o.status.code(), Some(1));
    let v = json_lines(&stdout(&o));
    assert!(v[0]["error"].as_str().unwrap().contains("binary"), "{v:?}");

    let o = run(
        &[
            "--from",
            "utf-8",
            "-c",
            "none",
            "--convert-only",
            p(&binary),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, bin, "decoded as given, NULs and all");
    // With cleanup on, the control characters go and the text stays.
    let o = run(&["--from", "utf-8", "-c", "none", p(&binary)], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.ends_with("text after the header 漢字\n"), "{text:?}");
    assert!(!text.contains('\0'), "{text:?}");
}

#[test]
fn html_entities_in_plain_text_are_decoded() {
    let input = "價格&nbsp;每斤30元，詳見&#20013;央&amp;quot;公告&amp;quot;：\
                 https://example.com/news?a=1&sectionId=2&amp;page=3\n";
    // The no-break space becomes a plain space (tidy).
    let want = "价格 每斤30元，详见中央\"公告\"：\
                https://example.com/news?a=1&sectionId=2&page=3\n";
    let o = run(&[], input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), want);
    // The same in GBK.
    let o = run(&[], &enc(input, GBK));
    assert_eq!(stdout(&o), want);
}

#[test]
fn convert_only_keeps_entities_but_still_decodes_and_converts() {
    let input = "價格&nbsp;每斤30元，詳見&#20013;央&amp;quot;公告&amp;quot;\n";
    let want = "价格&nbsp;每斤30元，详见&#20013;央&amp;quot;公告&amp;quot;\n";
    for bytes in [enc(input, GBK), enc(input, BIG5), enc(input, UTF_8)] {
        let o = run(&["--convert-only"], &bytes);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), want);
    }
}

#[test]
fn a_live_gbk_line_is_passed_on_before_input_ends() {
    // stdin stays open: each line must come out without waiting for EOF.
    let first = format!("{}\n", SIMPLIFIED[2]);
    let live = live_lines(
        &enc(&first, GBK),
        &enc(&format!("{}\n", TRAD_SIMP[1].0), GBK),
    );
    assert_eq!(
        live.first.as_deref(),
        Some(first.as_str()),
        "first line held back"
    );
    assert_eq!(
        live.second.as_deref(),
        Some(format!("{}\n", TRAD_SIMP[1].1).as_str()),
        "second line held back"
    );
    assert!(live.status.success());
}

#[test]
fn detect_json_on_a_directory_reports_its_files_and_goes_on_after_errors() {
    // A directory is walked as a batch run walks it; what cannot be read
    // there is an error record, and the inputs after it are still read.
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("inner.txt"), enc(&trad(), BIG5)).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("missing"), tree.join("gone.txt")).unwrap();
    let good = dir.path().join("good.txt");
    fs::write(&good, enc(&trad(), BIG5)).unwrap();
    let o = run(&["detect", "--json", p(&tree), p(&good)], b"");
    assert_no_panic(&o);
    let v = json_lines(&stdout(&o));
    let paths: Vec<&str> = v.iter().map(|r| r["path"].as_str().unwrap()).collect();
    let mut expected = vec![p(&tree.join("inner.txt")).to_owned()];
    if cfg!(unix) {
        expected.push(p(&tree.join("gone.txt")).to_owned());
    }
    expected.push(p(&good).to_owned());
    assert_eq!(paths, expected, "{v:?}");
    assert_eq!(v[0]["encoding"], "Big5");
    assert_eq!(v.last().unwrap()["encoding"], "Big5");
    if cfg!(unix) {
        assert_eq!(o.status.code(), Some(1));
        assert!(v[1]["error"].is_string(), "{v:?}");
    } else {
        assert_eq!(o.status.code(), Some(0));
    }
}
