//! Arbitrary text through the tidy step: nothing may panic, the output is
//! a fixed point (and tidying it again counts nothing), counts are zero
//! exactly when nothing changed, line by line gives the same text and
//! counts as whole, and what a step removes is gone from the output.
//!
//! Input layout: byte 0's low four bits switch punct, width, unicode and
//! markdown on; bits 4–5 pick the line-break option; bit 6 says how the
//! rest becomes text: as UTF-8 (lossily), or byte by byte with ASCII kept
//! and each high byte one of `PIECES`, so that the fuzzer reaches Chinese
//! context, joiners and combining sequences without spelling out UTF-8.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::clean::tidy::{tidy, tidy_line, Eol, TidyOptions, TidyStats};

const PIECES: &[&str] = &[
    "中",
    "文",
    "〇",
    "𠀀",
    "，",
    "。",
    "？",
    "（",
    "）",
    "“",
    "”",
    "…",
    "「",
    "」",
    "　",
    "Ａ",
    "ｚ",
    "５",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{180E}",
    "\u{AD}",
    "\u{85}",
    "\u{9F}",
    "\u{A0}",
    "\u{202F}",
    "\u{2007}",
    "⼀",
    "⺟",
    "\u{F900}",
    "\u{FA0E}",
    "\u{2F800}",
    "\u{301}",
    "\u{323}",
    "\u{37E}",
    "\u{212B}",
    "👨",
    "🌈",
    "\u{FE0F}",
    "क",
    "\u{94D}",
    "م",
    "ᠠ",
    "\u{1100}",
    "\u{1161}",
    "\u{11A8}",
    "가",
    "![]()",
    "[]()",
    "http://",
    "www.",
    "é",
    "\u{302A}",
    "\u{3099}",
    "か",
    "\u{FB1D}",
    "\u{F0B}",
];

fn text_of(pieces: bool, bytes: &[u8]) -> String {
    if !pieces {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b < 0x80 {
            out.push(b as char);
        } else {
            out.push_str(PIECES[(b - 0x80) as usize % PIECES.len()]);
        }
    }
    out
}

/// Lines ending after `\n`, `\r\n` or a lone `\r`.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = match rest.find(['\r', '\n']) {
            None => rest.len(),
            Some(i) if rest[i..].starts_with("\r\n") => i + 2,
            Some(i) => i + 1,
        };
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [flags, rest @ ..] = data else {
        return;
    };
    let opts = TidyOptions {
        punct: flags & 1 != 0,
        width: flags & 2 != 0,
        unicode: flags & 4 != 0,
        markdown: flags & 8 != 0,
        eol: [Eol::Keep, Eol::Lf, Eol::Crlf, Eol::Keep][(flags >> 4 & 3) as usize],
    };
    let text = text_of(flags & 0x40 != 0, rest);

    let (once, stats) = tidy(&text, &opts);
    let (twice, again) = tidy(&once, &opts);
    assert_eq!(twice, once, "not a fixed point: {text:?}");
    assert_eq!(again, TidyStats::default(), "{text:?}");
    assert_eq!(stats.total() == 0, once == text, "{stats:?} for {text:?}");

    let mut pieces = String::new();
    let mut sum = TidyStats::default();
    for line in lines(&text) {
        let mut one = TidyStats::default();
        tidy_line(line, &opts, &mut pieces, &mut one);
        sum.add(&one);
    }
    assert_eq!(pieces, once, "line by line differs: {text:?}");
    assert_eq!(sum, stats);

    match opts.eol {
        Eol::Lf => assert!(!once.contains('\r')),
        Eol::Crlf => assert_eq!(
            once.matches(['\r', '\n']).count(),
            2 * once.matches("\r\n").count()
        ),
        Eol::Keep => {}
    }
    if opts.unicode {
        assert!(!once.contains(|c: char| {
            matches!(
                c,
                '\u{200B}'
                    | '\u{2060}'
                    | '\u{FEFF}'
                    | '\u{AD}'
                    | '\u{A0}'
                    | '\u{202F}'
                    | '\u{2007}'
                    | '\u{2F00}'..='\u{2FD5}'
            ) || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        }));
    }
    if opts.width {
        assert!(!once.contains(|c: char| matches!(c, 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９')));
    }
    if opts.markdown {
        for line in lines(&once) {
            let body = line.trim_end_matches(['\r', '\n']);
            assert!(!(body.contains('|') && body.chars().all(|c| c == '|' || c.is_whitespace())));
        }
    }
    if opts.is_noop() {
        assert_eq!(once, text);
    }
});
