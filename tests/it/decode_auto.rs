//! The decoding stage as a library user sees it: [`decode_bytes`] and the
//! streaming [`AutoDecoder`] on sentences written for these tests, encoded
//! here with encoding_rs (or by hand for UTF-16), damaged here, and mixed
//! here. Every expected value is the sentence the bytes were made from,
//! never something the code under test computed.

use std::ops::Range;

use encoding_rs::{Encoding, BIG5, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};
use proptest::prelude::*;
use proptest::sample::Index;
use zhnorm::decode::{decode_bytes, AutoDecoder, Basis, Charset, DecodeOptions, DecodeReport, Run};

/// Simplified news-style sentences (all of them in GBK).
const SIMPLIFIED: &[&str] = &[
    "新华社北京3月12日电（记者王晓明）国家统计局今天发布数据，一季度国内生产总值同比增长5.3%。",
    "受强冷空气影响，今晚到明天北方大部地区气温将下降8至10℃，局地有暴雪。",
    "美国Apple公司CEO库克表示，新一代iPad将支持Wi-Fi 7，售价3999元起。",
    "他在采访中说：“我们希望把更多优质的医疗资源带到偏远山区。”",
    "第十五届全国运动会的火炬传递活动于昨日在广州启动，共有200名火炬手参与！",
    "镕铸古今：博物馆新展汇集了商周青铜器、汉代漆器和宋代瓷器等珍贵文物。",
    "获奖者名单：张赟、李喆、王堃、陈犇，他们将于下月赴京领奖。",
    "据了解，该项目总投资约12亿元，建成后每年可处理生活垃圾40万吨……",
];

/// Traditional news-style sentences (all of them in Big5).
const TRADITIONAL: &[&str] = &[
    "中央社台北5日電，行政院今天通過明年度總預算案，總額為新台幣2.9兆元。",
    "颱風「海葵」預計週四清晨登陸，氣象署提醒民眾做好防颱準備。",
    "這家老字號麵包店創立於1958年，每天凌晨四點就開始烤製招牌菠蘿麵包。",
    "研究團隊發現，適量運動能有效降低罹患心血管疾病的風險，相關論文刊登於《自然》期刊。",
    "微軟（Microsoft）宣布，Windows 10將於2025年10月停止支援。",
    "他們在鄉間小路旁發現了一隻罕見的穿山甲，並立即通報野生動物保育單位。",
    "香港的茶餐廳文化獨具特色，奶茶、菠蘿油和凍檸茶都是街坊的心頭好？",
];

/// Lines of plain ASCII, as scraped pages have between the Chinese ones.
const ASCII_LINES: &[&str] = &[
    "<p class=\"date\">Updated 2024-05-01 08:30 UTC</p>",
    "Reuters reported the figures on Monday.",
];

fn opts() -> DecodeOptions {
    DecodeOptions::default()
}

/// `text` in `enc`; the text must be representable there and come back
/// unchanged through encoding_rs's own decoder, so the bytes really are
/// that text.
fn enc(text: &str, enc: &'static Encoding) -> Vec<u8> {
    let (bytes, used, unmappable) = enc.encode(text);
    assert_eq!(used, enc, "{} cannot be encoded to", enc.name());
    assert!(
        !unmappable,
        "{text:?} is not representable in {}",
        enc.name()
    );
    let back = enc
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .expect("encoding_rs decodes its own output");
    assert_eq!(back, text, "{} does not round-trip", enc.name());
    bytes.into_owned()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let bom = bom.then_some('\u{FEFF}');
    bom.into_iter()
        .map(|c| c as u16)
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

fn charset(detection: &DecodeReport) -> Option<Charset> {
    detection.detection.as_ref().map(|d| d.charset)
}

/// Decodes `bytes` in the chunks that `cuts` (sorted offsets) mark.
fn decode_chunked(bytes: &[u8], cuts: &[usize], options: DecodeOptions) -> (String, DecodeReport) {
    let mut dec = AutoDecoder::new(options);
    let mut out = String::new();
    let mut at = 0;
    for &cut in cuts {
        let cut = cut.clamp(at, bytes.len());
        dec.push(&bytes[at..cut], &mut out);
        at = cut;
    }
    dec.push(&bytes[at..], &mut out);
    let report = dec.finish(&mut out).clone();
    (out, report)
}

fn decode_bytewise(bytes: &[u8], options: DecodeOptions) -> (String, DecodeReport) {
    let cuts: Vec<usize> = (1..bytes.len()).collect();
    decode_chunked(bytes, &cuts, options)
}

/// What must hold of any report: runs in order, back to back, covering
/// everything after the byte-order mark; damage offsets in order, inside
/// the input, no more of them than damaged spots; the byte count right.
///
/// The byte-order mark is left out of the runs on purpose by the decoder
/// (it is not text), so coverage starts at `bom_len`.
fn check_report(bytes: &[u8], r: &DecodeReport) -> Result<(), String> {
    let len = bytes.len() as u64;
    if r.bytes != len {
        return Err(format!("bytes {} for {} input bytes", r.bytes, len));
    }
    if r.detection.is_none() != bytes.is_empty() {
        return Err(format!("detection {:?} for {} bytes", r.detection, len));
    }
    let bom = r.detection.as_ref().map_or(0, |d| d.bom_len as u64);
    let mut at = bom.min(len);
    for run in &r.runs {
        if run.bytes.start != at || run.bytes.end <= run.bytes.start {
            return Err(format!("runs not contiguous from {bom}: {:?}", r.runs));
        }
        at = run.bytes.end;
    }
    if at != len {
        return Err(format!("runs end at {at}, input at {len}: {:?}", r.runs));
    }
    if !r.damage_offsets.windows(2).all(|w| w[0] < w[1]) {
        return Err(format!("offsets not increasing: {:?}", r.damage_offsets));
    }
    if r.damage_offsets.iter().any(|&o| o >= len) {
        return Err(format!("offset past the end: {:?}", r.damage_offsets));
    }
    if (r.damage_offsets.len() as u64) > r.damaged || (r.damaged > 0 && r.damage_offsets.is_empty())
    {
        return Err(format!(
            "{} damaged, offsets {:?}",
            r.damaged, r.damage_offsets
        ));
    }
    Ok(())
}

/// Pieces of an input, each written in one encoding.
struct Pieces {
    bytes: Vec<u8>,
    text: String,
    /// Byte range and encoding of each piece.
    spans: Vec<(Range<usize>, Charset)>,
}

impl Pieces {
    fn new() -> Self {
        Pieces {
            bytes: Vec::new(),
            text: String::new(),
            spans: Vec::new(),
        }
    }

    fn add(mut self, text: &str, e: &'static Encoding) -> Self {
        let start = self.bytes.len();
        self.bytes.extend(enc(text, e));
        self.text.push_str(text);
        let cs = if e == GBK {
            Charset::GB18030
        } else {
            Charset::Std(e)
        };
        self.spans.push((start..self.bytes.len(), cs));
        self
    }

    /// Every non-ASCII byte lies in a run of the encoding it was written in,
    /// and the runs come in `order`.
    fn check_runs(&self, r: &DecodeReport, order: &[Charset]) {
        check_report(&self.bytes, r).unwrap();
        let got: Vec<Charset> = r.runs.iter().map(|run| run.charset).collect();
        assert_eq!(got, order, "runs {:?}", r.runs);
        for (span, cs) in &self.spans {
            for i in span.clone() {
                if self.bytes[i] < 0x80 {
                    continue;
                }
                let run = r
                    .runs
                    .iter()
                    .find(|run| run.bytes.contains(&(i as u64)))
                    .unwrap_or_else(|| panic!("byte {i} in no run: {:?}", r.runs));
                assert_eq!(
                    run.charset, *cs,
                    "byte {i} of a {} piece is in run {run:?}; runs {:?}",
                    cs, r.runs
                );
            }
        }
    }
}

// ---------------------------------------------------------------------
// Whole sentences in one encoding.

#[test]
fn every_sentence_in_utf8_gbk_and_gb18030() {
    for s in SIMPLIFIED.iter().chain(TRADITIONAL) {
        let (text, r) = decode_bytes(s.as_bytes(), opts());
        assert_eq!(text, *s);
        assert_eq!(charset(&r), Some(Charset::UTF8), "{s}");
        assert_eq!(r.damaged, 0, "{s}");
        check_report(s.as_bytes(), &r).unwrap();
    }
    for s in SIMPLIFIED {
        for e in [GBK, GB18030] {
            let bytes = enc(s, e);
            let (text, r) = decode_bytes(&bytes, opts());
            assert_eq!(text, *s, "{}", e.name());
            assert_eq!(charset(&r), Some(Charset::GB18030), "{s}");
            assert_eq!(r.damaged, 0, "{s}");
            assert!(!r.is_mixed(), "{s}: {:?}", r.runs);
            check_report(&bytes, &r).unwrap();
        }
    }
}

#[test]
fn every_traditional_sentence_in_big5() {
    for s in TRADITIONAL {
        let bytes = enc(s, BIG5);
        let (text, r) = decode_bytes(&bytes, opts());
        assert_eq!(text, *s);
        assert_eq!(charset(&r), Some(Charset::BIG5), "{s}");
        assert_eq!(r.damaged, 0, "{s}");
        assert!(!r.is_mixed(), "{s}: {:?}", r.runs);
        check_report(&bytes, &r).unwrap();
    }
}

#[test]
fn a_paragraph_of_several_lines_in_each_encoding() {
    let simp = SIMPLIFIED.join("\n") + "\n";
    let trad = TRADITIONAL.join("\n") + "\n";
    for (text, e, want) in [
        (&simp, UTF_8, Charset::UTF8),
        (&simp, GBK, Charset::GB18030),
        (&trad, UTF_8, Charset::UTF8),
        (&trad, BIG5, Charset::BIG5),
    ] {
        let bytes = enc(text, e);
        let (got, r) = decode_bytes(&bytes, opts());
        assert_eq!(&got, text, "{}", e.name());
        assert_eq!(charset(&r), Some(want));
        assert_eq!(r.damaged, 0);
        assert_eq!(
            r.runs,
            [Run {
                bytes: 0..bytes.len() as u64,
                charset: want
            }]
        );
    }
}

#[test]
fn four_byte_gb18030_characters() {
    // 𠮷 (U+20BB7) and 䶮 (U+4DAE) are outside GBK; GB18030 writes 𠮷 in
    // four bytes.
    let s = "日本连锁餐厅𠮷野家宣布涨价，南汉皇帝刘䶮的名字也常被写错。";
    let bytes = enc(s, GB18030);
    assert_eq!(enc("𠮷", GB18030).len(), 4);
    let (text, r) = decode_bytes(&bytes, opts());
    assert_eq!(text, s);
    assert_eq!(charset(&r), Some(Charset::GB18030));
    assert_eq!(r.damaged, 0);
}

#[test]
fn utf16_with_and_without_bom() {
    let text = format!("{}\n{}\n", SIMPLIFIED[2], TRADITIONAL[4]);
    for big_endian in [false, true] {
        let want = Charset::Std(if big_endian { UTF_16BE } else { UTF_16LE });
        for bom in [true, false] {
            let bytes = utf16(&text, big_endian, bom);
            let (got, r) = decode_bytes(&bytes, opts());
            let case = format!("big endian {big_endian}, bom {bom}");
            assert_eq!(got, text, "{case}");
            let d = r.detection.as_ref().unwrap();
            assert_eq!(d.charset, want, "{case}");
            assert_eq!(d.bom_len, if bom { 2 } else { 0 }, "{case}");
            assert_eq!(d.basis == Basis::Bom, bom, "{case}");
            assert_eq!((r.damaged, r.nul_at), (0, None), "{case}");
            check_report(&bytes, &r).unwrap();
        }
    }
}

#[test]
fn utf16_of_pure_chinese_without_bom() {
    // No ASCII and no character with a zero byte (一 is U+4E00), so no zero
    // bytes to go by: only the reading tells.
    let text = "国家统计局今天发布数据，季度国内生产总值同比增长，消费市场持续回暖。";
    for big_endian in [false, true] {
        let bytes = utf16(text, big_endian, false);
        assert!(!bytes.contains(&0));
        let (got, r) = decode_bytes(&bytes, opts());
        assert_eq!(got, text, "big endian {big_endian}");
        let want = Charset::Std(if big_endian { UTF_16BE } else { UTF_16LE });
        assert_eq!(charset(&r), Some(want));
    }
}

#[test]
fn utf8_bom_is_skipped() {
    let s = SIMPLIFIED[0];
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(s.as_bytes());
    let (text, r) = decode_bytes(&bytes, opts());
    assert_eq!(text, s);
    let d = r.detection.as_ref().unwrap();
    assert_eq!(
        (d.charset, d.basis, d.bom_len),
        (Charset::UTF8, Basis::Bom, 3)
    );
    check_report(&bytes, &r).unwrap();
}

// ---------------------------------------------------------------------
// Short inputs: a headline, a JSON field.

#[test]
fn short_titles_in_gbk_big5_and_utf8() {
    for title in ["两会今日开幕", "北京初雪", "高考成绩公布"] {
        let bytes = enc(title, GBK);
        let (text, r) = decode_bytes(&bytes, opts());
        assert_eq!(
            (text.as_str(), charset(&r)),
            (title, Some(Charset::GB18030))
        );
        let (text, r) = decode_bytes(title.as_bytes(), opts());
        assert_eq!((text.as_str(), charset(&r)), (title, Some(Charset::UTF8)));
    }
    for title in ["臺北市長選舉", "颱風警報發布", "總統府發聲明"] {
        let bytes = enc(title, BIG5);
        let (text, r) = decode_bytes(&bytes, opts());
        assert_eq!((text.as_str(), charset(&r)), (title, Some(Charset::BIG5)));
        let (text, r) = decode_bytes(title.as_bytes(), opts());
        assert_eq!((text.as_str(), charset(&r)), (title, Some(Charset::UTF8)));
    }
}

#[test]
fn json_field_sized_strings() {
    let simp = r#"{"title":"市场监管总局发布新规","source":"新华网"}"#;
    let trad = r#"{"title":"衛福部公布最新疫情數據","source":"中央社"}"#;
    for (s, e, want) in [
        (simp, GBK, Charset::GB18030),
        (simp, UTF_8, Charset::UTF8),
        (trad, BIG5, Charset::BIG5),
        (trad, UTF_8, Charset::UTF8),
    ] {
        let bytes = enc(s, e);
        let (text, r) = decode_bytes(&bytes, opts());
        assert_eq!(text, s, "{}", e.name());
        assert_eq!(charset(&r), Some(want), "{s} in {}", e.name());
        assert_eq!(r.damaged, 0);
    }
}

// ---------------------------------------------------------------------
// Damage made here.

/// Checks that `got` is `prefix`, then one of `middle`, then `suffix`;
/// that the damage count is the number of U+FFFD in the middle; and that
/// every damage offset lies in `spot`.
fn damaged_at(
    got: &str,
    r: &DecodeReport,
    prefix: &str,
    middle: &[&str],
    suffix: &str,
    spot: Range<u64>,
) -> Result<(), String> {
    if !got.starts_with(prefix) || !got.ends_with(suffix) || got.len() < prefix.len() + suffix.len()
    {
        return Err(format!(
            "expected {prefix:?} + {middle:?} + {suffix:?}, got {got:?}"
        ));
    }
    let mid = &got[prefix.len()..got.len() - suffix.len()];
    if !middle.contains(&mid) {
        return Err(format!(
            "spot read as {mid:?}, not one of {middle:?}: {got:?}"
        ));
    }
    let marks = mid.matches('\u{FFFD}').count() as u64;
    if r.damaged != marks {
        return Err(format!("{} damaged for {marks} U+FFFD: {got:?}", r.damaged));
    }
    if !r.damage_offsets.iter().all(|o| spot.contains(o)) {
        return Err(format!(
            "damage at {:?}, expected within {spot:?}",
            r.damage_offsets
        ));
    }
    Ok(())
}

/// Runs every case and fails listing all the cases that failed, so one
/// bad case does not hide the others.
fn all_ok(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn split_at_char(s: &str, n: usize) -> (&str, &str) {
    let at = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.split_at(at)
}

/// The encodings a sentence can be written in, with the charset they
/// decode as.
fn encodings_of(s: &str) -> Vec<(&'static Encoding, Charset)> {
    let mut v = vec![(UTF_8, Charset::UTF8), (GBK, Charset::GB18030)];
    if TRADITIONAL.contains(&s) {
        v.push((BIG5, Charset::BIG5));
    }
    v
}

#[test]
fn truncated_mid_character_at_the_end() {
    let mut failures = Vec::new();
    for s in [SIMPLIFIED[0], SIMPLIFIED[5], TRADITIONAL[1], TRADITIONAL[3]] {
        for (e, want) in encodings_of(s) {
            let bytes = enc(s, e);
            let last = s.chars().last().unwrap();
            let head = &s[..s.len() - last.len_utf8()];
            let cut_at = enc(head, e).len();
            // Drop the last byte: the last character is cut off.
            let cut = &bytes[..bytes.len() - 1];
            assert!(cut.len() > cut_at, "last character is multi-byte");
            let (text, r) = decode_bytes(cut, opts());
            let spot = cut_at as u64..cut.len() as u64;
            let result = check_report(cut, &r)
                .and_then(|()| damaged_at(&text, &r, head, &["", "\u{FFFD}"], "", spot));
            if charset(&r) != Some(want) {
                failures.push(format!("{s:?} in {}: read as {:?}", e.name(), charset(&r)));
            } else if let Err(m) = result {
                failures.push(format!("{s:?} in {}: {m}", e.name()));
            }
        }
    }
    all_ok(failures);
}

#[test]
fn a_stray_ff_in_the_middle() {
    let mut failures = Vec::new();
    for s in [SIMPLIFIED[1], SIMPLIFIED[3], TRADITIONAL[0], TRADITIONAL[2]] {
        for (e, want) in encodings_of(s) {
            let (head, tail) = split_at_char(s, 12);
            let mut bytes = enc(head, e);
            let at = bytes.len() as u64;
            bytes.push(0xFF);
            bytes.extend(enc(tail, e));
            let (text, r) = decode_bytes(&bytes, opts());
            // 0xFF is no byte of any of the three: it must be marked, once.
            let result = check_report(&bytes, &r)
                .and_then(|()| damaged_at(&text, &r, head, &["\u{FFFD}"], tail, at..at + 1));
            if charset(&r) != Some(want) {
                failures.push(format!("{s:?} in {}: read as {:?}", e.name(), charset(&r)));
            } else if let Err(m) = result {
                failures.push(format!("{s:?} in {}: {m}", e.name()));
            }
        }
    }
    all_ok(failures);
}

#[test]
fn a_utf8_quote_pasted_into_gbk_and_big5() {
    // (sentence, encoding, characters before the quote)
    let cases = [
        (SIMPLIFIED[0], GBK, 10),
        (SIMPLIFIED[2], GBK, 17),
        // Before an ASCII letter, which a GBK reading of the quote's last
        // byte would swallow as a trail byte.
        (SIMPLIFIED[2], GBK, 2),
        (SIMPLIFIED[4], GBK, 4),
        (SIMPLIFIED[6], GBK, 6),
        (SIMPLIFIED[7], GBK, 9),
        (TRADITIONAL[0], BIG5, 12),
        (TRADITIONAL[2], BIG5, 8),
        (TRADITIONAL[5], BIG5, 14),
    ];
    let mut failures = Vec::new();
    for (s, e, n) in cases {
        let (head, tail) = split_at_char(s, n);
        let mut bytes = enc(head, e);
        let at = bytes.len() as u64;
        bytes.extend("“".as_bytes());
        bytes.extend(enc(tail, e));
        let (text, r) = decode_bytes(&bytes, opts());
        let want = if e == BIG5 {
            Charset::BIG5
        } else {
            Charset::GB18030
        };
        let result = check_report(&bytes, &r)
            .and_then(|()| damaged_at(&text, &r, head, &["", "\u{FFFD}", "“"], tail, at..at + 3));
        if charset(&r) != Some(want) {
            failures.push(format!("{s:?} in {}: read as {:?}", e.name(), charset(&r)));
        } else if let Err(m) = result {
            failures.push(format!("quote after {head:?} in {}: {m}", e.name()));
        }
    }
    all_ok(failures);
}

/// After a pasted-in quote the reading goes back to the encoding it left,
/// not to the file's main one: here a Big5 line in a mostly GBK file.
#[test]
fn a_utf8_quote_in_a_big5_line_of_a_gbk_file() {
    let (head, tail) = split_at_char(TRADITIONAL[1], 26);
    let rest = format!("{tail}\n{}\n{}\n", SIMPLIFIED[5], SIMPLIFIED[0]);
    let mut bytes = enc(head, BIG5);
    let at = bytes.len() as u64;
    bytes.extend("“".as_bytes());
    let big5_tail = enc(&format!("{tail}\n"), BIG5);
    bytes.extend(&big5_tail);
    bytes.extend(enc(&format!("{}\n{}\n", SIMPLIFIED[5], SIMPLIFIED[0]), GBK));
    for eager in [false, true] {
        let (text, r) = decode_bytes(&bytes, DecodeOptions { eager, ..opts() });
        check_report(&bytes, &r).unwrap();
        if let Err(m) = damaged_at(&text, &r, head, &["", "\u{FFFD}", "“"], &rest, at..at + 3) {
            panic!("eager {eager}: {m}");
        }
    }
}

#[test]
fn damage_offsets_are_absolute_far_into_a_long_input() {
    // Past the detection prefix and past several lines.
    let line = SIMPLIFIED[4].to_owned() + "\n";
    let mut bytes = enc(&line.repeat(1200), GBK);
    let at = bytes.len() as u64;
    bytes.push(0x80);
    bytes.extend(enc(&line, GBK));
    assert!(at > zhnorm::decode::PREFIX as u64);
    let (text, r) = decode_bytes(&bytes, opts());
    assert_eq!(text, line.repeat(1200) + "\u{FFFD}" + &line);
    assert_eq!((r.damaged, r.damage_offsets.as_slice()), (1, &[at][..]));
    let (text2, r2) = decode_chunked(&bytes, &[5000, 65_536, at as usize], opts());
    assert_eq!(text2, text);
    assert_eq!(r2.damage_offsets, [at]);
}

/// UTF-16 is decoded streaming once the verdict is in (after
/// [`PREFIX`](zhnorm::decode::PREFIX) bytes); a unit cut off by the end of
/// the input is then only found when the input ends, and must still be
/// reported where it starts, not at the end of the input.
#[test]
fn a_truncated_utf16_file_past_the_detection_prefix() {
    let text = SIMPLIFIED.join("\n").repeat(150);
    let mut bytes = utf16(&text, false, true);
    assert!(bytes.len() > zhnorm::decode::PREFIX);
    bytes.pop();
    let at = bytes.len() as u64 - 1;
    for cuts in [&[][..], &[70_000], &[1000, 65_536, bytes.len() - 1]] {
        let (got, r) = decode_chunked(&bytes, cuts, opts());
        let last = text.chars().last().unwrap();
        assert_eq!(
            got,
            text[..text.len() - last.len_utf8()].to_owned() + "\u{FFFD}"
        );
        assert_eq!(
            r.damage_offsets,
            [at],
            "cut at {cuts:?}, {} bytes",
            bytes.len()
        );
        check_report(&bytes, &r).unwrap();
    }
}

/// Likewise an unpaired surrogate whose next unit comes in the next chunk.
#[test]
fn an_unpaired_surrogate_in_long_utf16_split_across_chunks() {
    let head = SIMPLIFIED.join("\n").repeat(150);
    let tail = TRADITIONAL[0];
    let mut bytes = utf16(&head, false, true);
    let at = bytes.len();
    bytes.extend([0x00, 0xD8]); // U+D800, a high surrogate, alone
    bytes.extend(utf16(tail, false, false));
    let want = format!("{head}\u{FFFD}{tail}");
    let (whole, rw) = decode_bytes(&bytes, opts());
    assert_eq!(whole, want);
    assert_eq!(rw.damage_offsets, [at as u64]);
    for cut in at - 2..at + 6 {
        let (got, r) = decode_chunked(&bytes, &[cut], opts());
        assert_eq!(got, want, "cut at {cut}");
        assert_eq!(r.damage_offsets, [at as u64], "cut at {cut}");
    }
}

/// A byte-order mark is a mark only at the start of the input. After a
/// leading line of plain ASCII (passed on before the verdict), the same
/// bytes are not the input's BOM: the verdict must not say "bom", and the
/// runs must still cover the input from byte 0 with no gap.
#[test]
fn a_bom_after_a_leading_ascii_line_is_not_the_input_s_bom() {
    let mut utf8 = b"Title\n\xEF\xBB\xBF".to_vec();
    utf8.extend(SIMPLIFIED[0].as_bytes());
    let mut utf16le = b"Title\n".to_vec();
    utf16le.extend(utf16(TRADITIONAL[0], false, true));
    let mut failures = Vec::new();
    for bytes in [utf8, utf16le] {
        for eager in [false, true] {
            let (_, r) = decode_bytes(&bytes, DecodeOptions { eager, ..opts() });
            let d = r.detection.as_ref().unwrap();
            if d.basis == Basis::Bom || d.bom_len > 0 {
                failures.push(format!(
                    "{:x?}... eager {eager}: {} from a BOM at byte 6 ({} bytes skipped), runs {:?}",
                    &bytes[..10],
                    d.charset.name(),
                    d.bom_len,
                    r.runs
                ));
            } else if let Err(m) = check_report(&bytes, &r) {
                failures.push(format!("eager {eager}: {m}"));
            }
        }
    }
    all_ok(failures);
}

// ---------------------------------------------------------------------
// Mixed inputs made here.

#[test]
fn a_gbk_line_in_a_utf8_page() {
    let p = Pieces::new()
        .add(
            &format!("{}\n{}\n{}\n", SIMPLIFIED[0], ASCII_LINES[0], SIMPLIFIED[1]),
            UTF_8,
        )
        .add(&format!("{}\n", SIMPLIFIED[2]), GBK)
        .add(&format!("{}\n{}\n", SIMPLIFIED[3], SIMPLIFIED[4]), UTF_8);
    let (text, r) = decode_bytes(&p.bytes, opts());
    assert_eq!(text, p.text);
    assert_eq!(r.damaged, 0);
    assert_eq!(charset(&r), Some(Charset::UTF8));
    assert!(r.is_mixed());
    p.check_runs(&r, &[Charset::UTF8, Charset::GB18030, Charset::UTF8]);
}

#[test]
fn gbk_then_utf8() {
    let p = Pieces::new()
        .add(&(SIMPLIFIED[..4].join("\n") + "\n"), GBK)
        .add(&(SIMPLIFIED[5..7].join("\n") + "\n"), UTF_8);
    let (text, r) = decode_bytes(&p.bytes, opts());
    assert_eq!(text, p.text);
    assert_eq!(r.damaged, 0);
    assert_eq!(charset(&r), Some(Charset::GB18030));
    p.check_runs(&r, &[Charset::GB18030, Charset::UTF8]);
}

#[test]
fn gbk_then_big5_paragraphs() {
    let p = Pieces::new()
        .add(&(SIMPLIFIED[..5].join("\n") + "\n\n"), GBK)
        .add(&(TRADITIONAL[..3].join("\n") + "\n"), BIG5);
    let (text, r) = decode_bytes(&p.bytes, opts());
    assert_eq!(text, p.text);
    assert_eq!(r.damaged, 0);
    assert_eq!(charset(&r), Some(Charset::GB18030));
    p.check_runs(&r, &[Charset::GB18030, Charset::BIG5]);
}

#[test]
fn a_utf8_fragment_inside_a_gbk_line() {
    let p = Pieces::new()
        .add(&format!("{}\n据报道，", SIMPLIFIED[1]), GBK)
        .add("“智慧城市”建设试点工作", UTF_8)
        .add(
            &format!("已在全国二十个城市展开。\n{}\n", SIMPLIFIED[7]),
            GBK,
        );
    let (text, r) = decode_bytes(&p.bytes, opts());
    assert_eq!(text, p.text);
    assert_eq!(r.damaged, 0);
    assert_eq!(charset(&r), Some(Charset::GB18030));
    p.check_runs(&r, &[Charset::GB18030, Charset::UTF8, Charset::GB18030]);
}

// Where one legacy encoding gives way to another, the first character of
// the new run is a valid pair in the old one too (every Big5 code is a GBK
// code and most GBK codes are Big5 codes). Leaving home costs the same
// before or after that character, so it must still be read in the run it
// belongs to.

#[test]
fn a_big5_line_after_gbk_keeps_its_first_character() {
    let p = Pieces::new()
        .add(&format!("{}\n", SIMPLIFIED[0]), GBK)
        .add(&format!("{}\n", TRADITIONAL[1]), BIG5);
    let (text, r) = decode_bytes(&p.bytes, opts());
    assert_eq!(text, p.text);
    p.check_runs(&r, &[Charset::GB18030, Charset::BIG5]);
}

#[test]
fn a_gbk_line_after_big5_keeps_its_first_character() {
    let p = Pieces::new()
        .add(&format!("{}\n", SIMPLIFIED[5]), GBK)
        .add(&format!("{}\n", TRADITIONAL[3]), BIG5);
    let (text, r) = decode_bytes(&p.bytes, opts());
    assert_eq!(text, p.text);
    p.check_runs(&r, &[Charset::GB18030, Charset::BIG5]);
}

#[test]
fn a_short_big5_headline_in_a_gbk_page() {
    // Read as GBK, 颱風登陸 gives 讳, a private-use character and two
    // more: no Chinese text looks like that.
    let p = Pieces::new()
        .add(&format!("{}\n{}\n", SIMPLIFIED[0], SIMPLIFIED[1]), GBK)
        .add("颱風登陸\n", BIG5)
        .add(&format!("{}\n", SIMPLIFIED[3]), GBK);
    let (text, r) = decode_bytes(&p.bytes, opts());
    assert_eq!(text, p.text);
    p.check_runs(&r, &[Charset::GB18030, Charset::BIG5, Charset::GB18030]);
}

/// The verdict (and so the main encoding the runs are labelled with)
/// rests on the first [`PREFIX`](zhnorm::decode::PREFIX) bytes, however
/// they arrive. Here 16 UTF-8 characters come first and more GBK follows:
/// delivered in one piece the main encoding is GB18030, so it must be when
/// the first piece ends after the UTF-8 part too.
#[test]
fn the_verdict_does_not_depend_on_how_the_input_arrives() {
    let p = Pieces::new()
        .add(&format!("{}\n", ASCII_LINES[0]), UTF_8)
        .add(SIMPLIFIED[0], UTF_8)
        .add(&(SIMPLIFIED[1..5].join("\n") + "\n"), GBK);
    let (whole, rw) = decode_bytes(&p.bytes, opts());
    assert_eq!(whole, p.text);
    let utf8_end = p.spans[1].0.end;
    let mut failures = Vec::new();
    for cut in [
        10,
        ASCII_LINES[0].len() + 1,
        utf8_end - 30,
        utf8_end,
        utf8_end + 20,
    ] {
        let (text, rc) = decode_chunked(&p.bytes, &[cut], opts());
        assert_eq!(text, p.text);
        let name = |r: &DecodeReport| r.detection.as_ref().map(|d| d.charset.name());
        if name(&rc) != name(&rw) || rc.runs != rw.runs {
            failures.push(format!(
                "cut at {cut}: {:?} {:?}; whole: {:?} {:?}",
                name(&rc),
                rc.runs,
                name(&rw),
                rw.runs
            ));
        }
    }
    all_ok(failures);
}

#[test]
fn mixed_and_damaged_inputs_decode_the_same_byte_by_byte() {
    let mut quote_in_big5 = enc("報導指出，", BIG5);
    quote_in_big5.extend("“".as_bytes());
    quote_in_big5.extend(enc(TRADITIONAL[4], BIG5));
    let mut ff_in_gbk = enc(SIMPLIFIED[1], GBK);
    ff_in_gbk.insert(20, 0xFF);
    let inputs = [
        Pieces::new()
            .add(&format!("{}\n", SIMPLIFIED[0]), UTF_8)
            .add(&format!("{}\n", SIMPLIFIED[2]), GBK)
            .add(&format!("{}\n", SIMPLIFIED[3]), UTF_8)
            .bytes,
        Pieces::new()
            .add(&format!("{}\n", SIMPLIFIED[5]), GBK)
            .add(&format!("{}\n", TRADITIONAL[3]), BIG5)
            .bytes,
        Pieces::new()
            .add(&format!("{}\n", SIMPLIFIED[6]), UTF_8)
            .add(TRADITIONAL[2], BIG5)
            .bytes,
        quote_in_big5,
        ff_in_gbk,
    ];
    for bytes in &inputs {
        for eager in [false, true] {
            let options = DecodeOptions { eager, ..opts() };
            let (whole, rw) = decode_bytes(bytes, options);
            let (bytewise, rb) = decode_bytewise(bytes, options);
            assert_eq!(bytewise, whole, "eager {eager}");
            assert_eq!(rb.runs, rw.runs, "eager {eager}");
            assert_eq!(rb.damage_offsets, rw.damage_offsets, "eager {eager}");
            assert_eq!(rb.damaged, rw.damaged, "eager {eager}");
        }
    }
}

// ---------------------------------------------------------------------
// Declared charsets.

fn html_page(decl: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"{decl}\">\n<title>News</title>\n</head>\n<body>\n<p>{body}</p>\n</body>\n</html>\n"
    )
}

#[test]
fn a_utf8_page_declaring_gb2312() {
    let page = html_page("gb2312", &SIMPLIFIED[..3].join("</p>\n<p>"));
    let (text, r) = decode_bytes(page.as_bytes(), opts());
    assert_eq!(text, page);
    assert_eq!(r.damaged, 0);
    let d = r.detection.as_ref().unwrap();
    assert_eq!(d.charset, Charset::UTF8);
    let decl = d.declared.as_ref().expect("declaration found");
    assert_eq!(decl.label, "gb2312");
    assert_eq!(decl.charset, Some(Charset::GB18030));
    assert!(!decl.correct, "a wrong declaration is reported wrong");
    check_report(page.as_bytes(), &r).unwrap();
}

#[test]
fn a_gbk_page_declaring_gb2312_and_a_big5_page_declaring_big5() {
    for (decl, body, e, want) in [
        (
            "gb2312",
            SIMPLIFIED[..3].join("</p>\n<p>"),
            GBK,
            Charset::GB18030,
        ),
        (
            "big5",
            TRADITIONAL[..3].join("</p>\n<p>"),
            BIG5,
            Charset::BIG5,
        ),
    ] {
        let page = html_page(decl, &body);
        let bytes = enc(&page, e);
        let (text, r) = decode_bytes(&bytes, opts());
        assert_eq!(text, page);
        let d = r.detection.as_ref().unwrap();
        assert_eq!((d.charset, d.basis), (want, Basis::Declared));
        let decl_found = d.declared.as_ref().expect("declaration found");
        assert_eq!(decl_found.label, decl);
        assert_eq!(decl_found.charset, Some(want));
        assert!(decl_found.correct);
        check_report(&bytes, &r).unwrap();
    }
}

/// A short Big5 title alone is a close call between Big5 and GBK; the
/// page's own declaration should settle it, wherever in the head the
/// `<meta>` sits. In real pages it sits on a line of its own, and lines of
/// plain ASCII are passed on before the verdict.
#[test]
fn a_declaration_on_its_own_line_settles_a_close_call() {
    let mut failures = Vec::new();
    for title in ["準備", "菠蘿麵"] {
        for sep in ["", "\n"] {
            let page = format!("<meta charset=\"big5\">{sep}<title>{title}</title>\n");
            let bytes = enc(&page, BIG5);
            let (text, r) = decode_bytes(&bytes, opts());
            let d = r.detection.as_ref().unwrap();
            if text != page || d.basis != Basis::Declared {
                failures.push(format!(
                    "{page:?}: got {text:?}, {} {:?}",
                    d.charset.name(),
                    d.basis
                ));
            }
        }
    }
    all_ok(failures);
}

// ---------------------------------------------------------------------
// Properties.

const ALL_LINES: usize = SIMPLIFIED.len() + TRADITIONAL.len() + ASCII_LINES.len();

fn line_of(i: usize) -> &'static str {
    let i = i % ALL_LINES;
    if i < SIMPLIFIED.len() {
        SIMPLIFIED[i]
    } else if i < SIMPLIFIED.len() + TRADITIONAL.len() {
        TRADITIONAL[i - SIMPLIFIED.len()]
    } else {
        ASCII_LINES[i - SIMPLIFIED.len() - TRADITIONAL.len()]
    }
}

#[derive(Debug, Clone)]
enum Damage {
    InsertByte(Index, u8),
    Delete(Index),
    InsertQuote(Index),
    Truncate(Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Damage::InsertByte(i, b)),
        any::<Index>().prop_map(Damage::Delete),
        any::<Index>().prop_map(Damage::InsertQuote),
        any::<Index>().prop_map(Damage::Truncate),
    ]
}

/// Sentences in random encodings (Simplified ones in UTF-8 or GBK,
/// Traditional ones in any of UTF-8, GBK and Big5), sometimes joined
/// without a line break, then damaged.
fn scraped_input() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec((0..ALL_LINES, 0..3usize, any::<bool>()), 1..6),
        proptest::collection::vec(damage(), 0..3),
    )
        .prop_map(|(lines, damages)| {
            let mut bytes = Vec::new();
            for (i, e, newline) in lines {
                let s = line_of(i);
                let e = match e {
                    0 => UTF_8,
                    2 if TRADITIONAL.contains(&s) => BIG5,
                    _ => GBK,
                };
                bytes.extend(enc(s, e));
                if newline {
                    bytes.push(b'\n');
                }
            }
            for d in damages {
                let n = bytes.len();
                match d {
                    Damage::InsertByte(i, b) => bytes.insert(i.index(n + 1), b),
                    Damage::Delete(i) if n > 0 => {
                        bytes.remove(i.index(n));
                    }
                    Damage::Delete(_) => {}
                    Damage::InsertQuote(i) => {
                        let at = i.index(n + 1);
                        bytes.splice(at..at, "“".bytes());
                    }
                    Damage::Truncate(i) => bytes.truncate(n - i.index(n / 8 + 1)),
                }
            }
            bytes
        })
}

fn cuts(len: usize, at: &[Index]) -> Vec<usize> {
    let mut v: Vec<usize> = at.iter().map(|i| i.index(len + 1)).collect();
    v.sort_unstable();
    v
}

/// Text of at least 16 non-ASCII characters, or of ASCII only.
///
/// Why restricted: valid UTF-8 with only a few non-ASCII characters can
/// honestly be GBK or Big5 too (a pair like C3 A9 is "é" in UTF-8 and a
/// Han character in GBK), and the decoder is right to weigh that up. From
/// 16 non-ASCII characters on, valid UTF-8 is beyond reasonable doubt.
/// Pure ASCII leaves out `~` (HZ's escape), ESC (ISO-2022's) and the other
/// control characters (NUL pairs look like UTF-16), which make plain ASCII
/// bytes a different encoding's text.
fn valid_utf8_text() -> impl Strategy<Value = String> {
    let ascii = "[ -}\n\t]";
    let cjk = prop_oneof![
        proptest::char::range('\u{4E00}', '\u{9FFF}'),
        proptest::sample::select("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研".chars().collect::<Vec<_>>()),
    ];
    let punct = proptest::sample::select(
        "，。、；：？！“”‘’（）《》【】…—·「」"
            .chars()
            .collect::<Vec<_>>(),
    );
    let emoji = proptest::char::range('\u{1F600}', '\u{1F64F}');
    let latin1 = proptest::char::range('\u{C0}', '\u{FF}');
    // Two-byte UTF-8 from other alphabets and combining marks: valid UTF-8
    // the model finds odd next to Chinese, which must still come out as is.
    let other = prop_oneof![
        proptest::char::range('\u{300}', '\u{36F}'),
        proptest::char::range('\u{391}', '\u{3C9}'),
        proptest::char::range('\u{410}', '\u{44F}'),
        proptest::char::range('\u{5D0}', '\u{5EA}'),
    ];
    let non_ascii = prop_oneof![4 => cjk, 2 => punct, 1 => emoji, 1 => latin1, 2 => other];
    let with_chinese =
        proptest::collection::vec((proptest::collection::vec(non_ascii, 1..6), ascii), 16..60)
            .prop_map(|parts| {
                parts
                    .into_iter()
                    .map(|(cs, a)| cs.into_iter().collect::<String>() + &a)
                    .collect::<String>()
            })
            .prop_filter("16 non-ASCII characters", |s| {
                s.chars().filter(|c| !c.is_ascii()).count() >= 16
            });
    let only_ascii = "[ -}\n\t]{0,200}";
    prop_oneof![4 => with_chinese, 1 => only_ascii]
}

/// Decodes `bytes` whole and in the chunks `at` marks, and checks both
/// agree and both reports are well-formed.
fn same_in_chunks(bytes: &[u8], at: &[Index], options: DecodeOptions) -> Result<(), TestCaseError> {
    let (whole, rw) = decode_bytes(bytes, options);
    let (chunked, rc) = decode_chunked(bytes, &cuts(bytes.len(), at), options);
    prop_assert_eq!(&chunked, &whole);
    prop_assert_eq!(rc.damaged, rw.damaged);
    prop_assert_eq!(&rc.damage_offsets, &rw.damage_offsets);
    // Runs are compared in `the_verdict_does_not_depend_on_how_the_input_arrives`.
    prop_assert_eq!(check_report(bytes, &rw), Ok(()));
    prop_assert_eq!(check_report(bytes, &rc), Ok(()));
    // Every U+FFFD written is one counted damaged spot (the sentences have
    // none of their own).
    prop_assert_eq!(whole.matches('\u{FFFD}').count() as u64, rw.damaged);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// However the bytes are cut into chunks, the text and the damage found
    /// are those of decoding them whole.
    #[test]
    fn chunking_never_changes_the_output(
        bytes in scraped_input(),
        at in proptest::collection::vec(any::<Index>(), 0..10),
    ) {
        same_in_chunks(&bytes, &at, opts())?;
    }

    /// With `eager` the verdict comes from the first line with non-ASCII
    /// text, so it can differ from the whole input's; the documentation
    /// promises that this "costs speed, not text" for the mixable
    /// encodings, which is all these inputs are made of.
    #[test]
    fn eager_chunking_never_changes_the_output(
        bytes in scraped_input(),
        at in proptest::collection::vec(any::<Index>(), 0..10),
    ) {
        same_in_chunks(&bytes, &at, DecodeOptions { eager: true, ..opts() })?;
    }

    /// Undamaged sentences, whatever their encodings and however they are
    /// cut, come out as written.
    #[test]
    fn undamaged_sentences_come_out_as_written_in_any_chunks(
        lines in proptest::collection::vec((0..ALL_LINES, 0..3usize), 1..5),
        at in proptest::collection::vec(any::<Index>(), 0..10),
    ) {
        let mut p = Pieces::new();
        for (i, e) in lines {
            let s = line_of(i);
            let e = match e {
                0 => UTF_8,
                2 if TRADITIONAL.contains(&s) => BIG5,
                _ => GBK,
            };
            p = p.add(&format!("{s}\n"), e);
        }
        let (text, r) = decode_chunked(&p.bytes, &cuts(p.bytes.len(), &at), opts());
        prop_assert_eq!(&text, &p.text);
        prop_assert_eq!(r.damaged, 0);
    }

    /// Arbitrary bytes: no panic, a well-formed report, and the same
    /// result in chunks. With `eager` only the first two: on arbitrary
    /// bytes the first line can honestly look like UTF-16 (zero bytes in
    /// every other place) when the whole input does not, and UTF-16 is not
    /// one of the encodings a later line can switch to.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        at in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        let (whole, rw) = decode_bytes(&bytes, opts());
        prop_assert_eq!(check_report(&bytes, &rw), Ok(()));
        let (chunked, rc) = decode_chunked(&bytes, &cuts(bytes.len(), &at), opts());
        prop_assert_eq!(check_report(&bytes, &rc), Ok(()));
        prop_assert_eq!(chunked, whole);
        prop_assert_eq!(rc.damaged, rw.damaged);
        let eager = DecodeOptions { eager: true, ..opts() };
        let (_, re) = decode_chunked(&bytes, &cuts(bytes.len(), &at), eager);
        prop_assert_eq!(check_report(&bytes, &re), Ok(()));
    }

    /// High bytes mostly: every path of the three mixable encodings.
    #[test]
    fn arbitrary_high_bytes_never_panic(
        bytes in proptest::collection::vec(prop_oneof![3 => 0x80u8..=0xFF, 1 => any::<u8>()], 0..400),
        at in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        let (whole, rw) = decode_bytes(&bytes, opts());
        prop_assert_eq!(check_report(&bytes, &rw), Ok(()));
        let (chunked, rc) = decode_chunked(&bytes, &cuts(bytes.len(), &at), opts());
        prop_assert_eq!(chunked, whole);
        prop_assert_eq!(rc.damaged, rw.damaged);
    }

    /// Valid UTF-8 (see [`valid_utf8_text`] for which) decodes to itself.
    #[test]
    fn valid_utf8_decodes_to_itself(
        s in valid_utf8_text(),
        at in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        let (text, r) = decode_bytes(s.as_bytes(), opts());
        prop_assert_eq!(&text, &s);
        prop_assert_eq!(r.damaged, 0);
        prop_assert!(!r.is_mixed(), "runs {:?}", r.runs);
        let (chunked, _) = decode_chunked(s.as_bytes(), &cuts(s.len(), &at), opts());
        prop_assert_eq!(&chunked, &s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// One byte at a time, the most extreme chunking.
    #[test]
    fn byte_at_a_time_is_the_same_as_whole(
        bytes in scraped_input(),
        eager in any::<bool>(),
    ) {
        let options = DecodeOptions { eager, ..opts() };
        let (whole, rw) = decode_bytes(&bytes, options);
        let (bytewise, rb) = decode_bytewise(&bytes, options);
        prop_assert_eq!(&bytewise, &whole);
        prop_assert_eq!(rb.damaged, rw.damaged);
        prop_assert_eq!(&rb.damage_offsets, &rw.damage_offsets);
    }
}

/// Valid UTF-8 lines mixing Chinese with other alphabets and combining
/// marks (sentences written here) stay exactly as written: reading them by
/// cost alone once turned Zalgo-style marks into Han characters.
#[test]
fn other_alphabets_next_to_chinese_stay_as_written() {
    let lines = [
        "俄罗斯总统普京（Путин）今天在莫斯科（Москва）会见了来访的代表团。",
        "希腊字母αβγδε常用于数学公式，例如Σ表示求和，π表示圆周率。",
        "以色列城市耶路撒冷的希伯来语写作ירושלים，意思是和平之城。",
        "拼音也可以用组合符号书写：zho\u{304}ngwe\u{301}n，越南语则写作tie\u{302}\u{301}ng Vie\u{323}\u{302}t。",
        "i\u{316}\u{32C}\u{30E}心肌梗死是一种严重的心脏疾病，需要及时就医。",
    ];
    let text = lines.join("\n") + "\n";
    let (out, report) = decode_bytes(text.as_bytes(), DecodeOptions::default());
    assert_eq!(out, text);
    assert_eq!(report.damaged, 0);
    assert!(!report.is_mixed(), "{:?}", report.runs);
    // Each line alone, too, where less evidence is at hand.
    for line in lines {
        let (out, _) = decode_bytes(line.as_bytes(), DecodeOptions::default());
        assert_eq!(out, line);
    }
}

// ---------------------------------------------------------------------
// UTF-8 lines among GBK and Big5 lines.

/// A short UTF-8 line anywhere in a GBK or Big5 file comes out as written,
/// and so does every other line, also when a later line in the same block
/// is damaged and goes to the search: the clean lines in between must not
/// be lost on the way.
#[test]
fn utf8_lines_among_legacy_lines_keep_every_line() {
    let mut failures = Vec::new();
    for (legacy, name) in [(GB18030, "gbk"), (BIG5, "big5")] {
        for utf8_line in ["新聞", "臺灣", "é", "“好”", "Привет"] {
            for damaged in [false, true] {
                let mut bytes = enc("記者在現場看到，會議室裏坐滿了人。\n", legacy);
                bytes.extend(utf8_line.as_bytes());
                bytes.push(b'\n');
                bytes.extend(enc("今天上午，市政府召開新聞發布會。\n", legacy));
                bytes.extend(enc("會議介紹了全市經濟運行的情況。", legacy));
                if damaged {
                    bytes.push(0xFF);
                }
                bytes.extend(enc("\n最後一行。\n", legacy));
                let want = format!(
                    "記者在現場看到，會議室裏坐滿了人。\n{utf8_line}\n今天上午，市政府召開新聞發布會。\n會議介紹了全市經濟運行的情況。{}\n最後一行。\n",
                    if damaged { "\u{FFFD}" } else { "" }
                );
                let (text, _) = decode_bytes(&bytes, opts());
                if text != want {
                    failures.push(format!("{name} {utf8_line:?} damaged={damaged}: {text:?}"));
                }
                // Read byte by byte, the same.
                let (text, _) = decode_bytewise(&bytes, opts());
                if text != want {
                    failures.push(format!(
                        "{name} {utf8_line:?} damaged={damaged}, bytewise: {text:?}"
                    ));
                }
            }
        }
    }
    all_ok(failures);
}
