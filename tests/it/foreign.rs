//! Text in the legacy encodings of languages other than Chinese comes out as
//! itself, never as invented Han characters.
//!
//! zhnorm's detector weighs readings with a model of Chinese, and non-Chinese
//! single-byte text (KOI8-R Russian, windows-1252 French, ...) pairs up into
//! valid GBK or Big5 codes; these tests pin down that such text is decoded
//! in its own encoding, that a declaration of a non-Chinese encoding is
//! believed when the bytes read cleanly in it, and that a short UTF-8 first
//! line before GBK or Big5 text stays UTF-8.
//!
//! Where the expected texts come from: every text in
//! `tests/fixtures/foreign/` was written by hand for these tests, in
//! `generate.py` there. The script writes the UTF-8 text to `expected/` and
//! encodes it with Python's codecs (independent of zhnorm and of
//! encoding_rs), checking that Python reads its bytes back. For pages and
//! feeds the expected text is the whole page source, declaration included,
//! since decoding does not touch markup. [`fixtures_read_back_in_their_own_encoding`]
//! checks once more, with encoding_rs, that each file means its expected
//! text in the encoding `MANIFEST.tsv` names. Nothing expected is ever
//! taken from zhnorm's output. The Simplified forms in the CLI test were
//! written by hand (and agree with OpenCC 1.4.2's t2s).
//!
//! The property test draws its own text in one non-CJK script: the real
//! words of the fixture texts in that script, shuffled into sentences with
//! numbers and acronyms (random letters where the fixtures have no words
//! in it), encoded by encoding_rs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use encoding_rs::Encoding;
use proptest::prelude::*;
use proptest::sample::Index;
use zhnorm::decode::{decode_bytes, AutoDecoder, Basis, Charset, DecodeOptions, DecodeReport};

use crate::support::cli::run_stdin as zhnorm;

const FIXTURE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/foreign");

// ---------------------------------------------------------------------------
// The fixtures

/// One line of `MANIFEST.tsv`, with its files read.
#[derive(Debug)]
struct Fixture {
    file: String,
    /// WHATWG name of the encoding the bytes are in; `UTF-8+GBK` or
    /// `UTF-8+Big5` for a UTF-8 first line before Chinese.
    encoding: String,
    kind: Kind,
    /// The charset label the page declares, if any.
    declared: Option<String>,
    bytes: Vec<u8>,
    expected: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Plain,
    Declared,
    Misdeclared,
    Tiny,
    Mixed,
}

impl Fixture {
    /// For the mixed files: the encoding of the body after the first line.
    fn body_encoding(&self) -> Option<&'static Encoding> {
        let body = self.encoding.strip_prefix("UTF-8+")?;
        Encoding::for_label(body.as_bytes())
    }

    fn path(&self) -> PathBuf {
        Path::new(FIXTURE_DIR).join(&self.file)
    }
}

fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let manifest = std::fs::read_to_string(Path::new(FIXTURE_DIR).join("MANIFEST.tsv"))
            .expect("read MANIFEST.tsv");
        let mut lines = manifest.lines();
        assert_eq!(
            lines.next(),
            Some("file\tencoding\tpython_codec\texpected\tkind\tdeclared")
        );
        lines
            .map(|line| {
                let cols: Vec<&str> = line.split('\t').collect();
                assert_eq!(cols.len(), 6, "manifest line {line:?}");
                let kind = match cols[4] {
                    "plain" => Kind::Plain,
                    "declared" => Kind::Declared,
                    "misdeclared" => Kind::Misdeclared,
                    "tiny" => Kind::Tiny,
                    "mixed" => Kind::Mixed,
                    other => panic!("unknown kind {other:?}"),
                };
                let read = |name: &str| {
                    std::fs::read(Path::new(FIXTURE_DIR).join(name))
                        .unwrap_or_else(|e| panic!("{name}: {e}"))
                };
                Fixture {
                    file: cols[0].to_owned(),
                    encoding: cols[1].to_owned(),
                    kind,
                    declared: (cols[5] != "-").then(|| cols[5].to_owned()),
                    bytes: read(cols[0]),
                    expected: String::from_utf8(read(cols[3])).expect("expected text is UTF-8"),
                }
            })
            .collect()
    })
}

fn of_kind(kind: Kind) -> impl Iterator<Item = &'static Fixture> {
    fixtures().iter().filter(move |f| f.kind == kind)
}

/// Every encoding encoding_rs has except `replacement`.
const ALL_ENCODINGS: &[&Encoding] = &[
    encoding_rs::UTF_8,
    encoding_rs::UTF_16LE,
    encoding_rs::UTF_16BE,
    encoding_rs::IBM866,
    encoding_rs::ISO_8859_2,
    encoding_rs::ISO_8859_3,
    encoding_rs::ISO_8859_4,
    encoding_rs::ISO_8859_5,
    encoding_rs::ISO_8859_6,
    encoding_rs::ISO_8859_7,
    encoding_rs::ISO_8859_8,
    encoding_rs::ISO_8859_8_I,
    encoding_rs::ISO_8859_10,
    encoding_rs::ISO_8859_13,
    encoding_rs::ISO_8859_14,
    encoding_rs::ISO_8859_15,
    encoding_rs::ISO_8859_16,
    encoding_rs::KOI8_R,
    encoding_rs::KOI8_U,
    encoding_rs::MACINTOSH,
    encoding_rs::WINDOWS_874,
    encoding_rs::WINDOWS_1250,
    encoding_rs::WINDOWS_1251,
    encoding_rs::WINDOWS_1252,
    encoding_rs::WINDOWS_1253,
    encoding_rs::WINDOWS_1254,
    encoding_rs::WINDOWS_1255,
    encoding_rs::WINDOWS_1256,
    encoding_rs::WINDOWS_1257,
    encoding_rs::WINDOWS_1258,
    encoding_rs::X_MAC_CYRILLIC,
    encoding_rs::GB18030,
    encoding_rs::GBK,
    encoding_rs::BIG5,
    encoding_rs::EUC_JP,
    encoding_rs::ISO_2022_JP,
    encoding_rs::SHIFT_JIS,
    encoding_rs::EUC_KR,
    encoding_rs::X_USER_DEFINED,
];

/// Names of the encodings that read `bytes` to exactly `text`, without
/// damage: the charsets a decoder may fairly report for them (KOI8-R text is
/// also KOI8-U text, Hebrew letters read the same in ISO-8859-8 and
/// windows-1255, ...).
fn readers(bytes: &[u8], text: &str) -> BTreeSet<&'static str> {
    ALL_ENCODINGS
        .iter()
        .filter(|e| {
            e.decode_without_bom_handling_and_without_replacement(bytes)
                .is_some_and(|t| t == text)
        })
        .map(|e| e.name())
        .collect()
}

/// Where two texts first differ, with some context on either side; Rust
/// escapes for control characters only, so that Cyrillic or Thai stay
/// readable.
fn first_difference(expected: &str, got: &str) -> String {
    let e: Vec<char> = expected.chars().collect();
    let g: Vec<char> = got.chars().collect();
    let i = e.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let from = i.saturating_sub(20);
    let context = |v: &[char]| {
        v[from.min(v.len())..(i + 20).min(v.len())]
            .iter()
            .collect::<String>()
    };
    format!(
        "first difference at char {i} of {} (got {}):\n      expected: {:?}\n      got:      {:?}",
        e.len(),
        g.len(),
        context(&e),
        context(&g)
    )
}

/// Han (unified, extensions, compatibility), kana and hangul.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
        | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F
        | 0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF
        | 0xD7B0..=0xD7FF)
}

/// CJK characters in `got` that `expected` does not have.
fn invented_cjk(expected: &str, got: &str) -> String {
    let known: BTreeSet<char> = expected.chars().collect();
    let mut invented: Vec<char> = got
        .chars()
        .filter(|&c| is_cjk(c) && !known.contains(&c))
        .collect();
    invented.dedup();
    invented.into_iter().take(24).collect()
}

fn charset_of(report: &DecodeReport) -> Option<Charset> {
    report.detection.as_ref().map(|d| d.charset)
}

/// The checks every fixture gets: the text, no invented CJK characters, no
/// damage. Returns the problems found, empty if none.
fn check_text(f: &Fixture, text: &str, report: &DecodeReport) -> Vec<String> {
    let mut problems = Vec::new();
    if text != f.expected {
        problems.push(format!(
            "text differs; {}",
            first_difference(&f.expected, text)
        ));
    }
    let invented = invented_cjk(&f.expected, text);
    if !invented.is_empty() {
        problems.push(format!("CJK characters the text does not have: {invented}"));
    }
    if report.damaged > 0 {
        problems.push(format!(
            "{} damaged spots reported (first at {:?}), though every byte is valid",
            report.damaged,
            report.damage_offsets.first()
        ));
    }
    problems
}

/// The reported charset is one that reads the bytes to the expected text.
fn check_charset_reads(f: &Fixture, report: &DecodeReport) -> Option<String> {
    let ok = readers(&f.bytes, &f.expected);
    assert!(!ok.is_empty(), "{}: no encoding reads it", f.file);
    match charset_of(report) {
        Some(c) if ok.contains(c.name()) => None,
        other => Some(format!(
            "charset {:?}, but only {ok:?} read these bytes as written",
            other.map(Charset::name)
        )),
    }
}

/// Run `check` on each fixture; fail with every problem found, so that one
/// run shows how many fixtures fail and how.
fn check_all(
    what: &str,
    fixtures: impl Iterator<Item = &'static Fixture>,
    check: impl Fn(&Fixture) -> Vec<String>,
) {
    let mut total = 0;
    let mut failed = Vec::new();
    for f in fixtures {
        total += 1;
        let problems = check(f);
        if !problems.is_empty() {
            failed.push(format!("{}:\n    {}", f.file, problems.join("\n    ")));
        }
    }
    assert!(total > 0, "{what}: no fixtures");
    assert!(
        failed.is_empty(),
        "{what}: {} of {total} fixtures fail\n{}",
        failed.len(),
        failed.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The fixtures themselves

#[test]
fn manifest_lists_every_file() {
    let listed: BTreeSet<&str> = fixtures().iter().map(|f| f.file.as_str()).collect();
    assert_eq!(listed.len(), fixtures().len(), "a file is listed twice");
    let on_disk: BTreeSet<String> = std::fs::read_dir(FIXTURE_DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !["generate.py", "MANIFEST.tsv", ".gitattributes", "expected"].contains(&n.as_str())
        })
        .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    assert_eq!(listed, on_disk);
    let mut kinds: BTreeMap<Kind, usize> = BTreeMap::new();
    for f in fixtures() {
        *kinds.entry(f.kind).or_default() += 1;
    }
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    assert!(fixtures().len() >= 70, "{} fixtures", fixtures().len());
}

/// The oracle, independent of zhnorm: encoding_rs reads every file, in the
/// encoding the manifest names, to its expected text (the mixed files line
/// by line: UTF-8, then the body's encoding).
#[test]
fn fixtures_read_back_in_their_own_encoding() {
    for f in fixtures() {
        let (bytes, expected, enc) = match f.body_encoding() {
            Some(body) => {
                let nl = f.bytes.iter().position(|&b| b == b'\n').unwrap();
                let first = std::str::from_utf8(&f.bytes[..=nl]).expect("first line is UTF-8");
                assert!(f.expected.starts_with(first), "{}", f.file);
                // In the body's encoding alone the first line means
                // something else: only switching gets it right.
                let as_body = body.decode_without_bom_handling(&f.bytes[..nl]).0;
                assert_ne!(as_body, first.trim_end(), "{}", f.file);
                (&f.bytes[nl + 1..], &f.expected[first.len()..], body)
            }
            None => (
                &f.bytes[..],
                f.expected.as_str(),
                Encoding::for_label(f.encoding.as_bytes())
                    .unwrap_or_else(|| panic!("{}: unknown {}", f.file, f.encoding)),
            ),
        };
        let text = enc
            .decode_without_bom_handling_and_without_replacement(bytes)
            .unwrap_or_else(|| panic!("{}: not valid {}", f.file, enc.name()));
        assert_eq!(text, expected, "{}", f.file);
        // Eight-bit legacy bytes, never valid UTF-8 (ISO-2022-JP is 7-bit).
        if f.kind != Kind::Mixed && !["UTF-8", "ISO-2022-JP"].contains(&f.encoding.as_str()) {
            assert!(!f.bytes.is_ascii(), "{}", f.file);
            assert!(std::str::from_utf8(&f.bytes).is_err(), "{}", f.file);
        }
        if let Some(label) = &f.declared {
            assert!(
                Charset::for_label(label).is_some(),
                "{}: zhnorm does not know {label}",
                f.file
            );
            assert!(f.expected.contains(label.as_str()), "{}", f.file);
        }
    }
}

// ---------------------------------------------------------------------------
// Decoding with default options

#[test]
fn plain_texts_decode_as_themselves() {
    check_all("plain", of_kind(Kind::Plain), |f| {
        let (text, report) = decode_bytes(&f.bytes, DecodeOptions::default());
        let mut problems = check_text(f, &text, &report);
        problems.extend(check_charset_reads(f, &report));
        problems
    });
}

#[test]
fn one_line_cases_from_the_bug_reports() {
    check_all("tiny", of_kind(Kind::Tiny), |f| {
        let (text, report) = decode_bytes(&f.bytes, DecodeOptions::default());
        let mut problems = check_text(f, &text, &report);
        problems.extend(check_charset_reads(f, &report));
        problems
    });
}

/// A page that declares a non-Chinese encoding its bytes read cleanly in
/// is decoded in exactly that encoding, and the declaration is reported as
/// right.
#[test]
fn declared_pages_are_decoded_in_the_declared_encoding() {
    check_all("declared", of_kind(Kind::Declared), |f| {
        let (text, report) = decode_bytes(&f.bytes, DecodeOptions::default());
        let mut problems = check_text(f, &text, &report);
        let label = f.declared.as_deref().unwrap();
        let want = Charset::for_label(label).unwrap();
        let d = report.detection.as_ref().unwrap();
        if d.charset != want {
            problems.push(format!(
                "charset {} ({:?}), declared {label} ({})",
                d.charset,
                d.basis,
                want.name()
            ));
        }
        match &d.declared {
            Some(decl) if decl.correct && decl.label == label => {}
            other => problems.push(format!("declaration reported as {other:?}")),
        }
        if d.basis != Basis::Declared {
            problems.push(format!("basis {:?}, not Declared", d.basis));
        }
        problems
    });
}

/// A page whose declaration names the wrong encoding is decoded in the one
/// its bytes are in, and the declaration is reported as wrong. This covers
/// both directions: non-Chinese bytes under a Chinese or UTF-8 label, valid
/// UTF-8 under a single-byte label, and Chinese bytes under a Latin label.
#[test]
fn misdeclared_pages_decode_as_their_bytes() {
    check_all("misdeclared", of_kind(Kind::Misdeclared), |f| {
        let (text, report) = decode_bytes(&f.bytes, DecodeOptions::default());
        let mut problems = check_text(f, &text, &report);
        problems.extend(check_charset_reads(f, &report));
        match report.detection.as_ref().and_then(|d| d.declared.as_ref()) {
            Some(decl) if !decl.correct => {}
            other => problems.push(format!("declaration reported as {other:?}")),
        }
        problems
    });
}

/// A short valid UTF-8 first line (`新聞`, `臺灣`, `é`, `“好”`) before GBK
/// or Big5 text comes out as written, in a UTF-8 run of its own, and the
/// rest in the body's encoding.
#[test]
fn a_utf8_first_line_before_gbk_or_big5_stays_utf8() {
    check_all("mixed", of_kind(Kind::Mixed), |f| {
        let (text, report) = decode_bytes(&f.bytes, DecodeOptions::default());
        let mut problems = check_text(f, &text, &report);
        let body = f.body_encoding().unwrap();
        let body = Charset::for_label(body.name()).unwrap();
        if charset_of(&report) != Some(body) {
            problems.push(format!(
                "main charset {:?}, want {}",
                charset_of(&report).map(Charset::name),
                body.name()
            ));
        }
        let first_len = f.expected.find('\n').unwrap() as u64;
        match report.runs.first() {
            Some(run) if run.charset == Charset::UTF8 && run.bytes.end >= first_len => {}
            _ => problems.push(format!("first line not in a UTF-8 run: {:?}", report.runs)),
        }
        if !report.runs.iter().any(|r| r.charset == body) {
            problems.push(format!("no {} run: {:?}", body.name(), report.runs));
        }
        problems
    });
}

/// An outside declaration (an HTTP header) of the encoding a plain text is
/// in is believed: the text reads cleanly in it.
#[test]
fn an_outside_declaration_of_the_right_encoding_is_believed() {
    check_all("outside declaration", of_kind(Kind::Plain), |f| {
        let want = Charset::for_label(&f.encoding).unwrap();
        let options = DecodeOptions {
            declared: Some(want),
            ..DecodeOptions::default()
        };
        let (text, report) = decode_bytes(&f.bytes, options);
        let mut problems = check_text(f, &text, &report);
        if charset_of(&report) != Some(want) {
            problems.push(format!(
                "charset {:?}, declared {}",
                charset_of(&report).map(Charset::name),
                want.name()
            ));
        }
        problems
    });
}

/// Decoding is the same however the bytes arrive: whole, in three pieces,
/// or byte by byte (whatever the verdict, it must not depend on chunking).
#[test]
fn chunking_does_not_change_the_text() {
    for f in fixtures() {
        let (whole, report) = decode_bytes(&f.bytes, DecodeOptions::default());
        let third = f.bytes.len() / 3;
        for size in [1, third.max(1)] {
            let mut dec = AutoDecoder::new(DecodeOptions::default());
            let mut out = String::new();
            for chunk in f.bytes.chunks(size) {
                dec.push(chunk, &mut out);
            }
            let chunked = dec.finish(&mut out).clone();
            assert_eq!(out, whole, "{} in chunks of {size}", f.file);
            assert_eq!(charset_of(&chunked), charset_of(&report), "{}", f.file);
            assert_eq!(chunked.runs, report.runs, "{}", f.file);
        }
    }
}

// ---------------------------------------------------------------------------
// The binary

fn fixture(file: &str) -> &'static Fixture {
    fixtures()
        .iter()
        .find(|f| f.file == file)
        .unwrap_or_else(|| panic!("no fixture {file}"))
}

/// Runs `args` + the fixture's path and compares standard output with `want`.
fn cli_problems(args: &[&str], f: &Fixture, want: &str) -> Vec<String> {
    let path = f.path();
    let mut all: Vec<&str> = args.to_vec();
    all.push(path.to_str().unwrap());
    let o = zhnorm(&all, b"");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    let mut problems = Vec::new();
    if o.status.code() != Some(0) {
        problems.push(format!("exit {:?}: {err}", o.status.code()));
    }
    if err.contains("panicked") {
        problems.push(format!("panic: {err}"));
    }
    if out != want {
        problems.push(format!(
            "`zhnorm {}` output differs; {}",
            args.join(" "),
            first_difference(want, &out)
        ));
    }
    let invented = invented_cjk(want, &out);
    if !invented.is_empty() {
        problems.push(format!("CJK characters the text does not have: {invented}"));
    }
    problems
}

/// Decoding only, through the binary: the text (or the page, verbatim) as
/// written.
#[test]
fn cli_convert_only_prints_the_text_as_written() {
    let files = [
        "ru_koi8.koi8-r.txt",
        "ru_koi8.koi8-r.rss.xml",
        "ru_news.windows-1251.html",
        "el.windows-1253.txt",
        "fr_1252.windows-1252.txt",
        "th.windows-874.html",
        "ja.shift_jis.txt",
        "ko.euc-kr.txt",
        "tiny_ru_privet.koi8-r.txt",
        "tiny_fr_oeuf.windows-1252.txt",
        "tiny_fr_bistrot.windows-1252.txt",
        "tiny_en_pound.windows-1252.txt",
        "mixed_xinwen.utf-8+gbk.txt",
        "mixed_quoted.utf-8+big5.txt",
    ];
    check_all(
        "cli -c none --convert-only",
        files.iter().map(|n| fixture(n)),
        |f| cli_problems(&["-c", "none", "--convert-only"], f, &f.expected),
    );
}

/// The default run (cleanup and Traditional-to-Simplified) leaves text in
/// other scripts alone, so it prints these texts exactly as written. (These
/// fixtures have nothing the cleanup changes: no no-break spaces, no Han.)
#[test]
fn cli_default_run_keeps_foreign_text() {
    let files = [
        "ru_koi8.koi8-r.txt",
        "ru_news.windows-1251.txt",
        "ru_dos.ibm866.txt",
        "bg.windows-1251.txt",
        "uk.koi8-u.txt",
        "el.windows-1253.txt",
        "he_1255.windows-1255.txt",
        "ar_1256.windows-1256.txt",
        "th.windows-874.txt",
        "tr_1254.windows-1254.txt",
        "pl_1250.windows-1250.txt",
        "cs.windows-1250.txt",
        "de.windows-1252.txt",
        "ko.euc-kr.txt",
        "tiny_ru_privet.koi8-r.txt",
        "tiny_en_pound.windows-1252.txt",
        "tiny_fr_oeuf.windows-1252.txt",
        "tiny_fr_bistrot.windows-1252.txt",
    ];
    check_all("cli default run", files.iter().map(|n| fixture(n)), |f| {
        cli_problems(&[], f, &f.expected)
    });
}

/// The report's reproduction, through standard input:
/// `printf 'Привет мир\n' | iconv -t koi8-r | zhnorm`.
#[test]
fn cli_privet_mir_from_stdin() {
    let bytes = &fixture("tiny_ru_privet.koi8-r.txt").bytes;
    assert_eq!(bytes.as_slice(), b"\xf0\xd2\xc9\xd7\xc5\xd4 \xcd\xc9\xd2\n");
    let o = zhnorm(&[], bytes);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "Привет мир\n");
}

/// With conversion on, the UTF-8 first line is converted like the rest.
#[test]
fn cli_default_run_converts_a_utf8_first_line_with_the_body() {
    let gbk_body = "高温黄色预警发布\n\
                    今天上午，市气象台发布了今年第一个高温黄色预警。\n\
                    预计未来三天最高气温将达到三十七度，请市民注意防暑降温。\n\
                    各区已开放避暑点，老人和儿童尽量减少午后外出。\n\
                    公交公司也将在主要线路上增加空调车的班次。\n";
    // The Big5 body in Simplified, written by hand.
    let big5_body_simplified = "国际书展本周末开幕\n\
                                本周末台北市将举办第十届国际书展，共有五百家出版社参展。\n\
                                主办单位表示，今年特别规划了儿童阅读区与作家签书会。\n\
                                民众可搭乘捷运至世贸站，再步行约五分钟抵达展场。\n\
                                展期共六天，每日上午十点开放入场，票价新台币一百元。\n";
    let cases = [
        ("mixed_taiwan.utf-8+gbk.txt", format!("台湾\n{gbk_body}")),
        ("mixed_xinwen.utf-8+gbk.txt", format!("新闻\n{gbk_body}")),
        (
            "mixed_xinwen.utf-8+big5.txt",
            format!("新闻\n{big5_body_simplified}"),
        ),
        (
            "mixed_eacute.utf-8+big5.txt",
            format!("é\n{big5_body_simplified}"),
        ),
    ];
    let want: BTreeMap<&str, &str> = cases.iter().map(|(f, w)| (*f, w.as_str())).collect();
    check_all(
        "cli default run, Chinese after a UTF-8 line",
        cases.iter().map(|(file, _)| fixture(file)),
        |f| cli_problems(&[], f, want[f.file.as_str()]),
    );
}

// ---------------------------------------------------------------------------
// Property: non-CJK text in a single-byte encoding never decodes to CJK

/// A script: its letters (lower case; the first letter of a sentence is
/// capitalised where the script has case) and the single-byte encodings
/// that may hold it. Latin alphabets include the plain ASCII letters, as
/// real text in them does.
struct Script {
    name: &'static str,
    letters: &'static str,
    encodings: &'static [&'static Encoding],
}

const CYRILLIC: &[&Encoding] = &[
    encoding_rs::WINDOWS_1251,
    encoding_rs::KOI8_R,
    encoding_rs::KOI8_U,
    encoding_rs::ISO_8859_5,
    encoding_rs::IBM866,
    encoding_rs::X_MAC_CYRILLIC,
];

const LATIN: &[&Encoding] = &[
    encoding_rs::WINDOWS_1250,
    encoding_rs::WINDOWS_1252,
    encoding_rs::WINDOWS_1254,
    encoding_rs::WINDOWS_1257,
    encoding_rs::WINDOWS_1258,
    encoding_rs::ISO_8859_2,
    encoding_rs::ISO_8859_3,
    encoding_rs::ISO_8859_4,
    encoding_rs::ISO_8859_10,
    encoding_rs::ISO_8859_13,
    encoding_rs::ISO_8859_14,
    encoding_rs::ISO_8859_15,
    encoding_rs::ISO_8859_16,
    encoding_rs::MACINTOSH,
];

const SCRIPTS: &[Script] = &[
    Script {
        name: "Russian",
        letters: "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        encodings: CYRILLIC,
    },
    Script {
        name: "Ukrainian, Belarusian, Serbian, Macedonian",
        letters: "абвгґдеєжзиіїйклмнопрстуўфхцчшщьюяђјљњћџѓќѕ",
        encodings: CYRILLIC,
    },
    Script {
        name: "Greek",
        letters: "αβγδεζηθικλμνξοπρστυφχψωςάέήίόύώϊϋΐΰ",
        encodings: &[encoding_rs::WINDOWS_1253, encoding_rs::ISO_8859_7],
    },
    Script {
        name: "Hebrew",
        letters: "אבגדהוזחטיכךלמםנןסעפףצץקרשת",
        encodings: &[
            encoding_rs::WINDOWS_1255,
            encoding_rs::ISO_8859_8,
            encoding_rs::ISO_8859_8_I,
        ],
    },
    Script {
        name: "Arabic",
        letters: "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي",
        encodings: &[encoding_rs::WINDOWS_1256, encoding_rs::ISO_8859_6],
    },
    Script {
        name: "Thai",
        letters: "กขคฆงจฉชซญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะัาำิีึืุูเแโใไ็่้๊๋์",
        encodings: &[encoding_rs::WINDOWS_874],
    },
    Script {
        name: "Western European",
        letters: "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæßñáíóúãõåø",
        encodings: LATIN,
    },
    Script {
        name: "Turkish",
        letters: "abcçdefgğhıijklmnoöprsştuüvyzâî",
        encodings: LATIN,
    },
    Script {
        name: "Central European",
        letters: "abcdefghijklmnopqrstuvwxyząćęłńóśźżčďěňřšťůýžáéíúőűăâîşţ",
        encodings: LATIN,
    },
    Script {
        name: "Baltic",
        letters: "abcdefghijklmnopqrstuvwxyząčęėįšųūžāēīķļņōŗõäöü",
        encodings: LATIN,
    },
    Script {
        name: "Vietnamese",
        letters: "abcdeghiklmnopqrstuvxyăâđêôơưàáèéíóùú",
        encodings: &[encoding_rs::WINDOWS_1258],
    },
];

fn script_letter(script: usize) -> impl Strategy<Value = char> {
    let letters: Vec<char> = SCRIPTS[script].letters.chars().collect();
    prop::sample::select(letters)
}

/// Real words of each script, taken from the texts written for the
/// fixtures (`expected/`): every word whose letters are all in the
/// script's alphabet, lower-cased, outer punctuation dropped.
fn vocabulary() -> &'static Vec<Vec<String>> {
    static VOCABULARY: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let mut words: Vec<BTreeSet<String>> = vec![BTreeSet::new(); SCRIPTS.len()];
        let dir = Path::new(FIXTURE_DIR).join("expected");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for raw in text.split_whitespace() {
                let w: String = raw
                    .trim_matches(|c: char| !c.is_alphabetic())
                    .chars()
                    .flat_map(char::to_lowercase)
                    .collect();
                if w.is_empty() || w.is_ascii() {
                    continue;
                }
                for (i, script) in SCRIPTS.iter().enumerate() {
                    if w.chars().all(|c| script.letters.contains(c)) {
                        words[i].insert(w.clone());
                    }
                }
            }
        }
        words
            .into_iter()
            .map(|set| set.into_iter().collect())
            .collect()
    })
}

/// A word: mostly a real word of the script (where the fixtures have
/// some), else letters of its alphabet at random; now and then a number
/// or an acronym. Uniformly random letters are no language's text: they
/// are as expensive as the rarest letters in every letter model while a
/// GBK or Big5 pair reading of them is as cheap as any, so on their own
/// they test the models, not the promise about text.
fn word(script: usize) -> impl Strategy<Value = String> {
    let real = vocabulary()[script].clone();
    let letters = prop::collection::vec(script_letter(script), 1..=12)
        .prop_map(|v| v.into_iter().collect::<String>());
    let lexical: BoxedStrategy<String> = if real.len() >= 3 {
        prop::sample::select(real).boxed()
    } else {
        letters.boxed()
    };
    prop_oneof![
        12 => lexical,
        1 => "[0-9]{1,4}",
        1 => "[A-Z]{2,5}",
    ]
}

/// A sentence of 3 to 12 words: capitalised, commas and the odd bracket or
/// dash between words, an end mark.
fn sentence(script: usize) -> impl Strategy<Value = String> {
    (
        prop::collection::vec(
            (
                word(script),
                prop::sample::select(vec![" ", " ", " ", " ", ", ", " - ", ": "]),
            ),
            3..=12,
        ),
        prop::sample::select(vec![".", ".", "!", "?", ";", "...", ")"]),
    )
        .prop_map(|(words, end)| {
            let mut s = String::new();
            for (i, (w, sep)) in words.iter().enumerate() {
                if i == 0 {
                    let mut chars = w.chars();
                    if let Some(c) = chars.next() {
                        s.extend(c.to_uppercase());
                        s.push_str(chars.as_str());
                    }
                } else {
                    s.push_str(w);
                }
                if i + 1 < words.len() {
                    s.push_str(sep);
                }
            }
            s.push_str(end);
            s
        })
}

/// Two to five sentences, on one line or several, in one script.
fn foreign_text() -> impl Strategy<Value = (usize, String)> {
    (0..SCRIPTS.len()).prop_flat_map(|script| {
        (
            Just(script),
            prop::collection::vec(
                (sentence(script), prop::sample::select(vec![" ", "\n"])),
                2..=5,
            )
            .prop_map(|v| v.into_iter().map(|(s, sep)| s + sep).collect::<String>()),
        )
    })
}

proptest! {
    // The default number of cases (256, or PROPTEST_CASES), with room for
    // the rare draw that is too short to judge.
    #![proptest_config(ProptestConfig {
        max_global_rejects: 1 << 20,
        ..ProptestConfig::default()
    })]

    #[test]
    fn non_cjk_text_in_a_single_byte_encoding_never_decodes_to_cjk(
        (script, text) in foreign_text(),
        pick in any::<Index>(),
    ) {
        // The encodings of this script's list that hold this text exactly.
        let usable: Vec<&Encoding> = SCRIPTS[script]
            .encodings
            .iter()
            .copied()
            .filter(|e| {
                let (bytes, used, unmappable) = e.encode(&text);
                used == *e
                    && !unmappable
                    && e.decode_without_bom_handling_and_without_replacement(&bytes)
                        .is_some_and(|t| t == text)
            })
            .collect();
        prop_assume!(!usable.is_empty());
        // A few words' worth of letters at least: on a handful of random
        // letters a GBK or Big5 pair is as likely a reading as any, for any
        // detector (the one-line cases above cover short real text).
        prop_assume!(text.chars().filter(|c| !c.is_ascii()).count() >= 24);
        let enc = usable[pick.index(usable.len())];
        let bytes = enc.encode(&text).0.into_owned();
        let (decoded, report) = decode_bytes(&bytes, DecodeOptions::default());
        let cjk: String = decoded.chars().filter(|&c| is_cjk(c)).take(24).collect();
        prop_assert!(
            cjk.is_empty(),
            "{} text in {} decoded (as {:?}) with CJK characters {}\n  text:    {}\n  decoded: {}",
            SCRIPTS[script].name,
            enc.name(),
            charset_of(&report).map(Charset::name),
            cjk,
            text.escape_debug(),
            decoded.escape_debug()
        );
    }
}
