//! WARC and WET processing (`zhnorm::formats::warc`).
//!
//! The fixtures in `tests/fixtures/warc/` are written by
//! `tests/fixtures/warc/make_fixtures.py`, which builds both the inputs and
//! the expected outputs from the design decisions directly (not by parsing),
//! with `hashlib.sha1` + `base64.b32encode` for the digests; `warcio check`
//! passes on all of them. Records that need odd shapes (LF-only, folded
//! fields, broken framing) are built in the test code below. Digests are
//! verified with a SHA-1 + base32 written here, independently of the
//! library's.

use std::collections::HashMap;
use std::io::{self, Read};

use proptest::prelude::*;
use sha1::{Digest, Sha1};
use zhnorm::formats::warc::{
    looks_like_warc, process, process_with_limit, TextPayload, Transform, WarcError, WarcOutput,
    WarcStats,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/warc");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The conversion table of the test transform; `make_fixtures.py` has the
/// same one.
const T2S: &[(char, char)] = &[
    ('這', '这'),
    ('裡', '里'),
    ('書', '书'),
    ('館', '馆'),
    ('開', '开'),
    ('門', '门'),
    ('會', '会'),
    ('與', '与'),
    ('讀', '读'),
    ('時', '时'),
    ('間', '间'),
    ('們', '们'),
    ('為', '为'),
    ('場', '场'),
    ('種', '种'),
    ('樹', '树'),
    ('園', '园'),
    ('來', '来'),
];

/// The caller's job in miniature: decode with the declared charset (UTF-8
/// when none), fail on invalid bytes, then convert with the small table.
fn decode_t2s(p: &TextPayload<'_>) -> Result<String, String> {
    let label = p.declared_charset.unwrap_or("utf-8");
    let enc = encoding_rs::Encoding::for_label(label.as_bytes())
        .ok_or_else(|| format!("unknown charset {label}"))?;
    let text = enc
        .decode_without_bom_handling_and_without_replacement(p.bytes)
        .ok_or("invalid bytes")?;
    Ok(text
        .chars()
        .map(|c| T2S.iter().find(|(t, _)| *t == c).map_or(c, |(_, s)| *s))
        .collect())
}

/// Identity on UTF-8; anything else fails.
fn identity(p: &TextPayload<'_>) -> Result<String, String> {
    String::from_utf8(p.bytes.to_vec()).map_err(|e| e.to_string())
}

fn run_with(
    input: &[u8],
    mode: WarcOutput,
    f: fn(&TextPayload<'_>) -> Result<String, String>,
) -> (Result<WarcStats, WarcError>, Vec<u8>) {
    let mut t: Transform<'_> = Box::new(f);
    let mut out = Vec::new();
    let r = process(&mut &input[..], &mut out, mode, &mut t);
    (r, out)
}

fn run(input: &[u8], f: fn(&TextPayload<'_>) -> Result<String, String>) -> (WarcStats, Vec<u8>) {
    let (r, out) = run_with(input, WarcOutput::Warc, f);
    (r.expect("process"), out)
}

/// Where the first malformed stretch starts and why: an input that is not
/// WARC at all is refused, one with a bad record among good ones is
/// processed with the bad one counted.
fn malformed_offset(r: Result<WarcStats, WarcError>) -> (u64, String) {
    match r {
        Err(WarcError::Malformed { offset, message }) => (offset, message),
        Ok(WarcStats {
            first_malformed: Some(m),
            ..
        }) => (m.offset, m.message),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// An independent reader for verification: CRLF or LF records, no folding.

struct Rec<'a> {
    start: usize,
    raw: &'a [u8],
    fields: Vec<(String, String)>,
    block: &'a [u8],
}

impl Rec<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn id(&self) -> String {
        self.get("WARC-Record-ID").unwrap().to_owned()
    }
}

fn split_line(b: &[u8]) -> (&[u8], &[u8]) {
    let lf = b.iter().position(|&c| c == b'\n').expect("line end");
    let line = &b[..lf];
    (line.strip_suffix(b"\r").unwrap_or(line), &b[lf + 1..])
}

fn records(data: &[u8]) -> Vec<Rec<'_>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let start = pos;
        let (version, mut rest) = split_line(&data[pos..]);
        assert!(version.starts_with(b"WARC/1."), "record at {pos}");
        let mut fields = Vec::new();
        loop {
            let (line, r) = split_line(rest);
            rest = r;
            if line.is_empty() {
                break;
            }
            let line = std::str::from_utf8(line).unwrap();
            let (n, v) = line.split_once(':').unwrap();
            fields.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        let len: usize = fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
            .unwrap()
            .1
            .parse()
            .unwrap();
        let block_start = data.len() - rest.len();
        let block = &data[block_start..block_start + len];
        let mut end = block_start + len;
        for _ in 0..2 {
            end += if data[end] == b'\r' { 2 } else { 1 };
        }
        out.push(Rec {
            start,
            raw: &data[start..end],
            fields,
            block,
        });
        pos = end;
    }
    out
}

/// base32 by a bit accumulator (the library groups by 5 bytes instead).
fn b32(bytes: &[u8]) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut acc, mut bits, mut s) = (0u32, 0, String::new());
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            s.push(alphabet[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        s.push(alphabet[((acc << (5 - bits)) & 31) as usize] as char);
    }
    while s.len() % 8 != 0 {
        s.push('=');
    }
    s
}

fn sha1_b32(b: &[u8]) -> String {
    format!("sha1:{}", b32(&Sha1::digest(b)))
}

/// The payload of a block: after the HTTP head for HTTP blocks, else all.
fn payload<'a>(rec: &Rec<'a>) -> &'a [u8] {
    let http = rec
        .get("Content-Type")
        .is_some_and(|c| c.starts_with("application/http"));
    if http {
        let b = rec.block;
        let i = b.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
        let i = i.or_else(|| b.windows(2).position(|w| w == b"\n\n").map(|i| i + 2));
        &b[i.expect("HTTP head end")..]
    } else {
        rec.block
    }
}

/// Every digest in `data` verifies; returns how many were checked.
fn verify_digests(data: &[u8]) -> usize {
    let mut n = 0;
    for rec in records(data) {
        if let Some(d) = rec.get("WARC-Block-Digest") {
            assert_eq!(d, sha1_b32(rec.block), "block digest of {}", rec.id());
            n += 1;
        }
        if rec.get("WARC-Type") == Some("revisit") {
            continue; // its payload digest names the original's payload
        }
        if let Some(d) = rec.get("WARC-Payload-Digest") {
            assert_eq!(d, sha1_b32(payload(&rec)), "payload digest of {}", rec.id());
            n += 1;
        }
    }
    n
}

// ---------------------------------------------------------------------------

#[test]
fn sniffing() {
    assert!(looks_like_warc(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n"));
    assert!(looks_like_warc(b"WARC/1.1\r\n"));
    assert!(looks_like_warc(b"WARC/1.1\n"));
    assert!(!looks_like_warc(b"WARC/1.1"));
    assert!(!looks_like_warc(b"WARC/1.2\r\n"));
    assert!(!looks_like_warc(b"warc/1.0\r\n"));
    assert!(!looks_like_warc(b"\x1f\x8b\x08\x00"));
    assert!(!looks_like_warc(b""));
    assert!(looks_like_warc(&fixture("sample.warc")));
    assert!(looks_like_warc(&fixture("sample.wet")));
}

#[test]
fn sample_matches_independent_expected_output() {
    let input = fixture("sample.warc");
    let (stats, out) = run(&input, decode_t2s);
    let expected = fixture("sample.expected.warc");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out, expected);
    assert_eq!(
        stats,
        WarcStats {
            records: 10,
            rewritten: 4, // GBK page, page without charset, chunked+gzip text, Big5 resource
            copied: 6,
            failed: 0,
            bytes_in: input.len() as u64,
            malformed: 0,
            first_malformed: None,
            too_large: 0,
            bytes_out: out.len() as u64,
        }
    );
}

#[test]
fn sample_output_digests_verify() {
    let (_, out) = run(&fixture("sample.warc"), decode_t2s);
    // 10 block digests + 7 payload digests (the revisit's is not checked).
    assert_eq!(verify_digests(&out), 16);
    assert_eq!(verify_digests(&fixture("sample.warc")), 16);
}

#[test]
fn gbk_record_digests_are_the_pinned_ones() {
    let (_, out) = run(&fixture("sample.warc"), decode_t2s);
    let recs = records(&out);
    let rec = recs
        .iter()
        .find(|r| r.id().ends_with("000000000003>"))
        .unwrap();
    // From make_fixtures.py: sha1 + base32 of the expected UTF-8 block and
    // payload, computed with hashlib.sha1 and base64.b32encode.
    assert_eq!(
        rec.get("WARC-Block-Digest"),
        Some("sha1:ENISYX2U7ZKSNR2U45MVT66VZWY36L4T")
    );
    assert_eq!(
        rec.get("WARC-Payload-Digest"),
        Some("sha1:RMVXHYMK4ZUEFX4QEJDDMQ2IL73C7HF7")
    );
    let block = std::str::from_utf8(rec.block).unwrap();
    assert!(
        block.contains("Content-Type: text/html; Charset=utf-8\r\n"),
        "{block}"
    );
    assert!(block.contains("今天傍晚，江边的小公园里聚集了许多散步的居民。"));
    let payload = payload(rec);
    assert!(block.contains(&format!("Content-Length: {}\r\n", payload.len())));
    assert_eq!(
        rec.get("Content-Length"),
        Some(&*rec.block.len().to_string())
    );
}

#[test]
fn non_text_records_are_byte_identical() {
    let input = fixture("sample.warc");
    let (_, out) = run(&input, decode_t2s);
    let before: HashMap<String, &[u8]> = records(&input).iter().map(|r| (r.id(), r.raw)).collect();
    let after = records(&out);
    let mut same = 0;
    for r in &after {
        let kind = r.get("WARC-Type").unwrap();
        let uri = r.get("WARC-Target-URI").unwrap_or("");
        let binary = uri.ends_with(".png") || uri.ends_with("br.html");
        if matches!(kind, "warcinfo" | "request" | "metadata" | "revisit") || binary {
            assert_eq!(r.raw, before[&r.id()], "{}", r.id());
            same += 1;
        } else {
            assert_ne!(r.raw, before[&r.id()], "{} should be rewritten", r.id());
        }
    }
    assert_eq!(same, 6);
    // Same order as the input.
    let ids: Vec<String> = records(&input).iter().map(Rec::id).collect();
    assert_eq!(ids, after.iter().map(Rec::id).collect::<Vec<_>>());
}

#[test]
fn payloads_handed_to_the_transform() {
    let input = fixture("sample.warc");
    let seen = std::cell::RefCell::new(Vec::new());
    let mut t: Transform<'_> = Box::new(|p: &TextPayload<'_>| {
        seen.borrow_mut().push((
            p.url.map(str::to_owned),
            p.declared_charset.map(str::to_owned),
            p.content_type.map(str::to_owned),
            p.bytes.to_vec(),
        ));
        decode_t2s(p)
    });
    let mut out = Vec::new();
    process(&mut &input[..], &mut out, WarcOutput::Warc, &mut t).unwrap();
    drop(t);
    let seen = seen.into_inner();
    let s = |x: &str| Some(x.to_owned());
    let summary: Vec<_> = seen
        .iter()
        .map(|(u, c, m, _)| (u.clone(), c.clone(), m.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                s("http://news.example.cn/gbk.html"),
                s("GBK"),
                s("text/html")
            ),
            (s("http://lib.example.cn/hours"), None, s("text/html")),
            (
                s("http://weather.example.cn/today.txt"),
                s("utf-8"),
                s("text/plain")
            ),
            (s("file:///notes/library.txt"), s("big5"), s("text/plain")),
        ]
    );
    // Chunked and gzip are undone before the transform sees the payload.
    assert_eq!(
        std::str::from_utf8(&seen[2].3).unwrap(),
        "天气预报：明天多云转晴，最高气温二十六度，适合户外活动。\n"
    );
    // The GBK payload is passed as bytes, undecoded.
    let (gbk, _, _) = encoding_rs::GBK.encode("城市新闻");
    assert!(seen[0].3.windows(gbk.len()).any(|w| w == &gbk[..]));
}

#[test]
fn chunked_gzip_fields_are_dropped() {
    let (_, out) = run(&fixture("sample.warc"), decode_t2s);
    let recs = records(&out);
    let rec = recs
        .iter()
        .find(|r| r.id().ends_with("000000000007>"))
        .unwrap();
    let block = std::str::from_utf8(rec.block).unwrap();
    assert_eq!(
        block,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nVary: Accept-Encoding\r\n\r\n\
         天气预报：明天多云转晴，最高气温二十六度，适合户外活动。\n"
    );
}

#[test]
fn utf8_identity_round_trip_is_byte_for_byte() {
    let input = fixture("utf8.warc");
    let (stats, out) = run(&input, identity);
    assert_eq!(out, input);
    assert_eq!((stats.records, stats.rewritten, stats.copied), (5, 4, 1));
}

#[test]
fn wrong_digests_and_lengths_are_corrected_and_nothing_else_changes() {
    let good = fixture("utf8.warc");
    let recs = records(&good);
    // Break the block digest of the first response, the payload digest of
    // the second, and zero-pad the conversion record's Content-Length.
    let mut bad = Vec::new();
    for r in &recs {
        let raw = String::from_utf8(r.raw.to_vec()).unwrap();
        let raw = if r.id().ends_with("42>") {
            let d = r.get("WARC-Block-Digest").unwrap();
            raw.replace(d, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        } else if r.id().ends_with("43>") {
            let d = r.get("WARC-Payload-Digest").unwrap();
            raw.replace(d, "sha256:0123")
        } else if r.id().ends_with("44>") {
            let n = r.get("Content-Length").unwrap();
            raw.replace(
                &format!("Content-Length: {n}"),
                &format!("Content-Length: 000{n}"),
            )
        } else {
            raw
        };
        bad.extend_from_slice(raw.as_bytes());
    }
    assert_ne!(bad, good);
    let (_, out) = run(&bad, identity);
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        String::from_utf8(good).unwrap()
    );
    verify_digests(&out);
}

#[test]
fn output_is_a_fixed_point() {
    for (name, f) in [
        ("sample.warc", decode_t2s as fn(&TextPayload<'_>) -> _),
        ("sample.wet", decode_t2s),
        ("utf8.warc", identity),
    ] {
        let (_, once) = run(&fixture(name), f);
        let (_, twice) = run(&once, f);
        assert!(once == twice, "{name}: second run changed the output");
    }
}

#[test]
fn wet_conversion_records() {
    let input = fixture("sample.wet");
    let seen = std::cell::RefCell::new(Vec::new());
    let mut t: Transform<'_> = Box::new(|p: &TextPayload<'_>| {
        seen.borrow_mut()
            .push(p.declared_charset.map(str::to_owned));
        decode_t2s(p)
    });
    let mut out = Vec::new();
    let stats = process(&mut &input[..], &mut out, WarcOutput::Warc, &mut t).unwrap();
    drop(t);
    // WET text is UTF-8 without a charset parameter.
    assert_eq!(seen.into_inner(), vec![Some("utf-8".to_owned()); 2]);
    assert_eq!((stats.records, stats.rewritten, stats.copied), (3, 2, 1));
    assert_eq!(out, fixture("sample.expected.wet"));
    assert_eq!(verify_digests(&out), 2);
    let recs = records(&out);
    assert_eq!(
        recs[1].block,
        "这里是社區圖书馆的开放时间表。\n週一至週五上午九點开门。".as_bytes()
    );
    // No charset parameter is added to WET headers.
    assert_eq!(recs[1].get("Content-Type"), Some("text/plain"));
}

#[test]
fn jsonl_mode() {
    let input = fixture("sample.warc");
    let (r, out) = run_with(&input, WarcOutput::Jsonl, decode_t2s);
    let stats = r.unwrap();
    assert_eq!((stats.rewritten, stats.copied, stats.failed), (4, 6, 0));
    assert_eq!(stats.bytes_out, out.len() as u64);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 4);
    for l in &lines {
        assert_eq!(l.as_object().unwrap().len(), 3);
        assert_eq!(l["date"], "2024-05-06T07:08:09Z");
    }
    assert_eq!(lines[0]["url"], "http://news.example.cn/gbk.html");
    assert!(lines[0]["text"]
        .as_str()
        .unwrap()
        .contains("志愿者在入口处分发关于垃圾分类的小册子。"));
    assert_eq!(lines[3]["url"], "file:///notes/library.txt");
    assert_eq!(
        lines[3]["text"],
        "这里的圖书馆与社區会馆每週开门五天，读书会时间为週六下午。"
    );
}

/// One response record with correct digests, built in the test.
fn response(uri: &str, http_head: &str, body: &[u8], eol: &str) -> Vec<u8> {
    let mut block = http_head.as_bytes().to_vec();
    block.extend_from_slice(body);
    let mut r = format!(
        "WARC/1.1{eol}WARC-Type: response{eol}WARC-Target-URI: {uri}{eol}\
         WARC-Date: 2024-01-02T03:04:05Z{eol}WARC-Record-ID: <urn:uuid:{}>{eol}\
         Content-Type: application/http; msgtype=response{eol}\
         WARC-Block-Digest: {}{eol}WARC-Payload-Digest: {}{eol}Content-Length: {}{eol}{eol}",
        block.len(),
        sha1_b32(&block),
        sha1_b32(body),
        block.len(),
    )
    .into_bytes();
    r.extend_from_slice(&block);
    r.extend_from_slice(format!("{eol}{eol}").as_bytes());
    r
}

#[test]
fn jsonl_escaping() {
    let body = "他说：\"你好\\世界\"\u{1}\t\r\n第二行";
    let rec = response(
        "<http://q.example.cn/?a=\"b\">",
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        body.as_bytes(),
        "\r\n",
    );
    let (r, out) = run_with(&rec, WarcOutput::Jsonl, identity);
    r.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches('\n').count(), 1, "one line: {text:?}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["text"], body);
    // WARC 1.0's <…> around the URI is not part of it.
    assert_eq!(v["url"], "http://q.example.cn/?a=\"b\"");
    assert_eq!(v["date"], "2024-01-02T03:04:05Z");
}

#[test]
fn jsonl_missing_fields_are_null() {
    let body = "没有日期的记录。".as_bytes();
    let rec = format!(
        "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut input = rec.into_bytes();
    input.extend_from_slice(body);
    input.extend_from_slice(b"\r\n\r\n");
    let (r, out) = run_with(&input, WarcOutput::Jsonl, identity);
    r.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(v["url"].is_null() && v["date"].is_null());
    assert_eq!(v["text"], "没有日期的记录。");
}

#[test]
fn failed_transform_copies_the_record() {
    let input = fixture("sample.warc");
    fn fail_gbk(p: &TextPayload<'_>) -> Result<String, String> {
        if p.declared_charset == Some("GBK") {
            Err("refused".into())
        } else {
            decode_t2s(p)
        }
    }
    let (stats, out) = run(&input, fail_gbk);
    assert_eq!((stats.rewritten, stats.copied, stats.failed), (3, 6, 1));
    let before = records(&input);
    let after = records(&out);
    assert_eq!(after[2].raw, before[2].raw);
    assert_eq!(after[2].id(), before[2].id());
    let (r, out) = run_with(&input, WarcOutput::Jsonl, fail_gbk);
    assert_eq!(r.unwrap().failed, 1);
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 3);
}

#[test]
fn lf_only_records() {
    let gbk = encoding_rs::GBK.encode("河边的柳树发芽了。").0;
    let mut input = response(
        "http://lf.example.cn/",
        "HTTP/1.1 200 OK\nContent-Type: text/html; charset=gbk\nContent-Length: 18\n\n",
        &gbk,
        "\n",
    );
    input.extend_from_slice(b"WARC/1.0\nWARC-Type: metadata\nContent-Length: 3\n\nabc\n\n");
    let (stats, out) = run(&input, decode_t2s);
    assert_eq!((stats.records, stats.rewritten, stats.copied), (2, 1, 1));
    assert!(!out.contains(&b'\r'), "LF-only stays LF-only");
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains(
        "\nContent-Type: text/html; charset=utf-8\nContent-Length: 27\n\n河边的柳树发芽了。\n\n"
    ));
    assert!(text.ends_with("WARC/1.0\nWARC-Type: metadata\nContent-Length: 3\n\nabc\n\n"));
    assert_eq!(verify_digests(&out), 2);
}

#[test]
fn folded_fields_and_case_insensitive_names() {
    let gbk = encoding_rs::GBK.encode("山顶的云雾渐渐散开。").0;
    let mut block =
        b"HTTP/1.1 200 OK\r\ncontent-TYPE: text/html;\r\n\tCHARSET=gbk\r\nX-Long: a\r\n b\r\n\r\n"
            .to_vec();
    block.extend_from_slice(&gbk);
    let mut input = format!(
        "WARC/1.1\r\nwarc-type: Response\r\nWARC-Target-URI: http://fold.example.cn/\r\n  page\r\n\
         content-type: application/http;\r\n msgtype=response\r\ncontent-length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    input.extend_from_slice(&block);
    input.extend_from_slice(b"\r\n\r\n");
    let url = std::cell::RefCell::new(None);
    let mut t: Transform<'_> = Box::new(|p: &TextPayload<'_>| {
        *url.borrow_mut() = p.url.map(str::to_owned);
        decode_t2s(p)
    });
    let mut out = Vec::new();
    let stats = process(&mut &input[..], &mut out, WarcOutput::Warc, &mut t).unwrap();
    drop(t);
    assert_eq!(stats.rewritten, 1);
    assert_eq!(
        url.into_inner().as_deref(),
        Some("http://fold.example.cn/ page")
    );
    let text = String::from_utf8(out).unwrap();
    let body = "山顶的云雾渐渐散开。";
    let block = format!(
        "HTTP/1.1 200 OK\r\ncontent-TYPE: text/html; CHARSET=utf-8\r\nX-Long: a\r\n b\r\n\r\n{body}"
    );
    // Unchanged folded fields keep their folding; changed ones keep their
    // spelling; the rest of the header is as it was.
    let expected = format!(
        "WARC/1.1\r\nwarc-type: Response\r\nWARC-Target-URI: http://fold.example.cn/\r\n  page\r\n\
         content-type: application/http;\r\n msgtype=response\r\ncontent-length: {}\r\n\r\n{block}\r\n\r\n",
        block.len()
    );
    assert_eq!(text, expected);
}

#[test]
fn records_left_alone() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "no HTTP Content-Type",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\n\r\n",
                "文字".as_bytes(),
                "\r\n",
            ),
        ),
        (
            "two HTTP Content-Types",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Type: text/plain\r\n\r\n",
                "文字".as_bytes(),
                "\r\n",
            ),
        ),
        (
            "script",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\nContent-Type: application/javascript\r\n\r\n",
                b"var a;",
                "\r\n",
            ),
        ),
        (
            "deflate",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: deflate\r\n\r\n",
                b"\x78\x9c\x03\x00",
                "\r\n",
            ),
        ),
        (
            "gzip that is not gzip",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n",
                "文字".as_bytes(),
                "\r\n",
            ),
        ),
        (
            "broken chunks",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"5\r\nab\r\n0\r\n\r\n",
                "\r\n",
            ),
        ),
        (
            "HTTP head cut short",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n",
                b"",
                "\r\n",
            ),
        ),
        (
            "not HTTP",
            response(
                "http://a/",
                "ICY 200 OK\r\nContent-Type: text/html\r\n\r\n",
                b"x",
                "\r\n",
            ),
        ),
        (
            "unclosed quote",
            response(
                "http://a/",
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; title=\"a;b\r\n\r\n",
                b"x",
                "\r\n",
            ),
        ),
    ];
    for (what, input) in cases {
        let (stats, out) = run(&input, identity);
        assert_eq!(out, input, "{what}");
        assert_eq!((stats.records, stats.copied), (1, 1), "{what}");
    }
    // A segment of a record is not a whole document.
    let mut seg = response(
        "http://a/",
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
        b"x",
        "\r\n",
    );
    let at = seg.windows(10).position(|w| w == b"WARC-Date:").unwrap();
    seg.splice(at..at, b"WARC-Segment-Number: 1\r\n".iter().copied());
    let (stats, out) = run(&seg, identity);
    assert_eq!((out == seg, stats.copied), (true, 1));
}

#[test]
fn gzip_bomb_is_left_alone() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    io::Write::write_all(&mut gz, &vec![b'a'; 1 << 20]).unwrap();
    let gz = gz.finish().unwrap();
    let input = response(
        "http://bomb/",
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n\r\n",
        &gz,
        "\r\n",
    );
    let mut t: Transform<'_> = Box::new(identity);
    let mut out = Vec::new();
    // The block fits under the limit, what it inflates to does not.
    let stats = process_with_limit(
        &mut &input[..],
        &mut out,
        WarcOutput::Warc,
        &mut t,
        64 * 1024,
    )
    .unwrap();
    assert_eq!((stats.copied, out == input), (1, true));
    // Under the default limit it is inflated.
    let (stats, out) = run(&input, identity);
    assert_eq!(stats.rewritten, 1);
    verify_digests(&out);
}

#[test]
fn oversized_records_stream_through() {
    let input = fixture("sample.warc");
    for mode in [WarcOutput::Warc, WarcOutput::Jsonl] {
        let mut t: Transform<'_> = Box::new(decode_t2s);
        let mut out = Vec::new();
        let stats = process_with_limit(&mut &input[..], &mut out, mode, &mut t, 0).unwrap();
        assert_eq!((stats.records, stats.copied, stats.rewritten), (10, 10, 0));
        if mode == WarcOutput::Warc {
            assert_eq!(out, input);
        } else {
            assert!(out.is_empty());
        }
    }
    // Only the records above the limit are streamed: the GBK page (block of
    // 259 bytes) and the chunked one (287) pass unchanged, the page without
    // charset (129) and the Big5 resource (58) are rewritten.
    let mut t: Transform<'_> = Box::new(decode_t2s);
    let mut out = Vec::new();
    let stats =
        process_with_limit(&mut &input[..], &mut out, WarcOutput::Warc, &mut t, 200).unwrap();
    assert_eq!((stats.rewritten, stats.copied), (2, 8));
    let (before, after) = (records(&input), records(&out));
    for i in [2, 6] {
        assert_eq!(before[i].raw, after[i].raw);
    }
    for i in [4, 9] {
        assert_ne!(before[i].raw, after[i].raw);
    }
    // A truncated streamed record is still reported.
    let cut = &input[..input.len() - 20];
    let mut out = Vec::new();
    let r = process_with_limit(&mut &cut[..], &mut out, WarcOutput::Warc, &mut t, 0);
    assert_eq!(malformed_offset(r).0, records(&input)[9].start as u64);
}

/// A reader that hands out a few bytes at a time and is sometimes
/// interrupted, to exercise every buffer boundary.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.step += 1;
        if self.step.is_multiple_of(5) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = (self.step % 7 + 1).min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn small_reads_give_the_same_output() {
    for name in ["sample.warc", "sample.wet", "utf8.warc"] {
        let input = fixture(name);
        let (_, whole) = run(&input, decode_t2s);
        let mut t: Transform<'_> = Box::new(decode_t2s);
        let mut out = Vec::new();
        let mut r = Trickle {
            data: &input,
            step: 0,
        };
        process(&mut r, &mut out, WarcOutput::Warc, &mut t).unwrap();
        assert!(out == whole, "{name}");
    }
}

#[test]
fn padding_between_records_is_kept() {
    let input = fixture("utf8.warc");
    let recs = records(&input);
    let mut padded = b"\r\n".to_vec();
    for r in &recs {
        padded.extend_from_slice(r.raw);
        padded.extend_from_slice(b"\r\n\n");
    }
    let (stats, out) = run(&padded, identity);
    assert_eq!(out, padded);
    assert_eq!(stats.records, 5);
}

#[test]
fn empty_input() {
    let (stats, out) = run(b"", identity);
    assert_eq!(stats, WarcStats::default());
    assert!(out.is_empty());
}

#[test]
fn malformed_inputs_report_the_record_offset() {
    let input = fixture("sample.warc");
    let recs = records(&input);
    let last = recs[9].start;
    let third = recs[2].start;

    // Not WARC at all.
    let (r, out) = run_with(b"<html>\r\n", WarcOutput::Warc, identity);
    assert_eq!(malformed_offset(r).0, 0);
    assert!(out.is_empty());
    let (r, _) = run_with(
        b"WARC/2.0\r\nContent-Length: 0\r\n\r\n\r\n\r\n",
        WarcOutput::Warc,
        identity,
    );
    assert!(malformed_offset(r).1.contains("WARC/2.0"));

    // Truncated last record, at several cut points: the records before it
    // are written exactly as they would be, the cut one as it came.
    let expected = fixture("sample.expected.warc");
    let expected_last = records(&expected)[9].start;
    for cut in [
        last + 1,
        last + 40,
        input.len() - 30,
        input.len() - 3,
        input.len() - 1,
    ] {
        let (r, out) = run_with(&input[..cut], WarcOutput::Warc, decode_t2s);
        let (offset, message) = malformed_offset(r);
        assert_eq!(offset, last as u64, "cut at {cut}: {message}");
        assert_eq!(
            out,
            [&expected[..expected_last], &input[last..cut]].concat(),
            "cut at {cut}"
        );
    }

    let first_two = [recs[0].raw, recs[1].raw].concat();

    // Junk where the third record should start.
    let mut junk = first_two.clone();
    junk.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
    let (r, out) = run_with(&junk, WarcOutput::Warc, identity);
    assert_eq!(malformed_offset(r).0, third as u64);
    assert_eq!(out, junk);

    // Bad, missing, disagreeing and wrong Content-Length in the third
    // record (a GBK page, kept as bytes: the text is not valid UTF-8).
    let third_raw = latin1(recs[2].raw);
    let len = recs[2].get("Content-Length").unwrap().to_owned();
    let cl = format!("Content-Length: {len}\r\n");
    for (what, bad) in [
        (
            "not a number",
            third_raw.replace(&cl, "Content-Length: 12a\r\n"),
        ),
        ("negative", third_raw.replace(&cl, "Content-Length: -1\r\n")),
        ("missing", third_raw.replace(&cl, "")),
        (
            "disagreeing",
            third_raw.replace(&cl, &format!("{cl}Content-Length: 1\r\n")),
        ),
        (
            "too short",
            third_raw.replace(
                &cl,
                &format!("Content-Length: {}\r\n", len.parse::<u64>().unwrap() - 1),
            ),
        ),
        (
            "too long",
            third_raw.replace(
                &cl,
                &format!("Content-Length: {}\r\n", len.parse::<u64>().unwrap() + 1),
            ),
        ),
        (
            "huge",
            third_raw.replace(&cl, "Content-Length: 99999999999999999999999\r\n"),
        ),
        (
            "line without colon",
            third_raw.replace(&cl, &format!("{cl}oops\r\n")),
        ),
        (
            "continuation first",
            third_raw.replacen("\r\nWARC-Type", "\r\n WARC-Type", 1),
        ),
    ] {
        // The bad record is kept as it was and the one after it is
        // processed as it would be alone.
        let (_, fourth) = run(recs[3].raw, identity);
        let mut data = first_two.clone();
        data.extend(bad.chars().map(|c| c as u8));
        let mut expected = data.clone();
        expected.extend_from_slice(&fourth);
        data.extend_from_slice(recs[3].raw);
        let (r, out) = run_with(&data, WarcOutput::Warc, identity);
        let stats = r.as_ref().map(|s| (s.records, s.malformed)).ok();
        let (offset, message) = malformed_offset(r);
        assert_eq!(offset, third as u64, "{what}: {message}");
        assert_eq!(stats, Some((4, 1)), "{what}");
        assert!(out == expected, "{what}");
    }

    // A header that never ends.
    let mut endless = b"WARC/1.1\r\nWARC-Type: response\r\nX: ".to_vec();
    endless.extend(std::iter::repeat_n(b'x', 2 << 20));
    let (r, _) = run_with(&endless, WarcOutput::Warc, identity);
    assert!(malformed_offset(r).1.contains("longer than"));
}

/// Bytes as Latin-1 text, so that string replacement works on any record
/// (turned back with `c as u8`).
fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

#[test]
fn errors_display() {
    let e = WarcError::Malformed {
        offset: 42,
        message: "no Content-Length field".into(),
    };
    assert_eq!(
        e.to_string(),
        "malformed WARC record at byte 42: no Content-Length field"
    );
    let e = WarcError::Io(io::Error::other("disk full"));
    assert_eq!(e.to_string(), "disk full");
    assert!(std::error::Error::source(&e).is_some());
}

// ---------------------------------------------------------------------------

fn text_strategy() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "城市",
        "图书馆",
        "居民",
        "。",
        "，",
        "\"",
        "\\",
        "\r\n",
        "\n",
        "\r",
        "\t",
        "\u{1}",
        "a",
        " ",
        "WARC/1.1\r\n",
        "\r\n\r\n",
        "Content-Length: 5",
        "<p>",
        "&amp;",
        "𠀀",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Records with arbitrary UTF-8 text (including text that looks like WARC
    /// framing): digests verify after processing, a second run changes
    /// nothing, JSON Lines gives the texts back, and records that already
    /// say utf-8 come out byte for byte.
    #[test]
    fn generated_records(
        recs in prop::collection::vec((text_strategy(), 0u8..4, prop::bool::ANY), 0..6),
    ) {
        let mut input = Vec::new();
        let mut texts = Vec::new();
        let mut all_canonical = true;
        for (i, (text, ct, with_len)) in recs.iter().enumerate() {
            let ctype = ["text/html", "text/plain; charset=utf-8", "text/html; charset=\"GBK\"", "image/gif"][usize::from(*ct)];
            all_canonical &= *ct == 1;
            let body: Vec<u8> = if *ct == 2 { encoding_rs::GBK.encode(text).0.into_owned() } else { text.clone().into_bytes() };
            if *ct == 2 {
                // What the GBK bytes decode to (characters outside GBK were
                // written as numeric references by the encoder).
                texts.push(encoding_rs::GBK.decode_without_bom_handling(&body).0.into_owned());
            } else if *ct != 3 {
                texts.push(text.clone());
            }
            let len = if *with_len { format!("Content-Length: {}\r\n", body.len()) } else { String::new() };
            input.extend(response(&format!("http://p.example.cn/{i}"), &format!("HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n{len}\r\n"), &body, "\r\n"));
        }
        let (stats, out) = run(&input, decode_t2s_identity);
        prop_assert_eq!(stats.records, recs.len() as u64);
        prop_assert_eq!(stats.rewritten, texts.len() as u64);
        verify_digests(&out);
        let (_, again) = run(&out, decode_t2s_identity);
        prop_assert!(again == out);
        if all_canonical {
            prop_assert!(out == input);
        }
        let (r, lines) = run_with(&input, WarcOutput::Jsonl, decode_t2s_identity);
        r.unwrap();
        let got: Vec<String> = String::from_utf8(lines).unwrap().lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
            .collect();
        prop_assert_eq!(got, texts);
    }
}

/// Decoding only (no table), so generated texts come back unchanged.
fn decode_t2s_identity(p: &TextPayload<'_>) -> Result<String, String> {
    let label = p.declared_charset.unwrap_or("utf-8");
    let enc = encoding_rs::Encoding::for_label(label.as_bytes()).ok_or("label")?;
    enc.decode_without_bom_handling_and_without_replacement(p.bytes)
        .map(|c| c.into_owned())
        .ok_or_else(|| "invalid".to_owned())
}

/// A file written by warcio (see `make_warcio_fixture.py`): GB2312, no
/// charset, Big5 in quotes, a JPEG, metadata.
#[test]
fn written_by_warcio() {
    let input = fixture("warcio_written.warc");
    let (stats, out) = run(&input, decode_t2s);
    assert_eq!((stats.records, stats.rewritten, stats.copied), (6, 3, 3));
    // Six block digests, five payload digests (warcio gives metadata one too).
    assert_eq!(verify_digests(&out), 11);
    let text = String::from_utf8_lossy(&out);
    for want in [
        "Content-Type: text/html; charset=utf-8\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "<p>清晨的广场上有人在打太极拳。</p>",
        "<p>夜市的小吃摊前排起了长队。</p>",
        "颱風過後，街道上滿是落葉。",
    ] {
        assert!(text.contains(want), "{want}");
    }
    let (_, again) = run(&out, decode_t2s);
    assert!(again == out);
}
