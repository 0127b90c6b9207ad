//! Arbitrary text through the text-mode extractor, whole and cut in two: the
//! two must agree, and the output must keep its promises: no empty lines,
//! no trailing whitespace, no carriage returns, a final line break.
//!
//! Input layout: bytes 0 and 1 give the cut point (big-endian, modulo the
//! text's length, moved forward to a character boundary); the rest is the
//! text, made valid lossily.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::html::{Extractor, HtmlStats};

fn extract(pieces: &[&str]) -> (String, HtmlStats) {
    let mut ex = Extractor::new();
    let mut out = String::new();
    for p in pieces {
        ex.push(p, &mut out).expect("push");
    }
    let stats = ex.finish(&mut out).expect("finish");
    (out, stats)
}

fuzz_target!(|data: &[u8]| {
    let [hi, lo, rest @ ..] = data else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut cut = usize::from(u16::from_be_bytes([*hi, *lo])) % (text.len() + 1);
    while !text.is_char_boundary(cut) {
        cut += 1;
    }

    let (out, stats) = extract(&[&text]);
    assert_eq!(
        extract(&[&text[..cut], &text[cut..]]),
        (out.clone(), stats),
        "cut at {cut}: {text:?}"
    );
    assert!(out.is_empty() || out.ends_with('\n'), "{text:?}");
    assert!(!out.contains('\r'), "{text:?}");
    assert_eq!(stats.lines as usize, out.lines().count(), "{text:?}");
    for line in out.lines() {
        assert!(!line.is_empty(), "{text:?}");
        assert_eq!(line.trim_end(), line, "{text:?}");
    }
});
