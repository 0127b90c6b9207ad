//! Arbitrary text through the keep-mode rewriter, whole and cut in two: the
//! two must agree, and with an identity transform the output is the input,
//! unless a charset declaration was rewritten, in which case rewriting the
//! output again must change nothing.
//!
//! Input layout: bytes 0 and 1 give the cut point (big-endian, modulo the
//! text's length, moved forward to a character boundary); the rest is the
//! text, made valid lossily.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::html::{HtmlStats, Rewriter, TextKind};

fn identity(text: &str, _: TextKind, out: &mut String) {
    out.push_str(text);
}

/// Wraps what is handed over, so that the handing over is compared too.
fn marker(text: &str, kind: TextKind, out: &mut String) {
    out.push(if kind == TextKind::Node { '[' } else { '{' });
    out.push_str(text);
    out.push(if kind == TextKind::Node { ']' } else { '}' });
}

fn rewrite(pieces: &[&str], transform: fn(&str, TextKind, &mut String)) -> (String, HtmlStats) {
    let mut rw = Rewriter::new(Box::new(transform));
    let mut out = String::new();
    for p in pieces {
        rw.push(p, &mut out).expect("push");
    }
    let stats = rw.finish(&mut out).expect("finish");
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
    let halves = [&text[..cut], &text[cut..]];

    let (whole, stats) = rewrite(&[&text], identity);
    assert_eq!(
        rewrite(&halves, identity),
        (whole.clone(), stats),
        "cut at {cut}: {text:?}"
    );
    if stats.charset_rewritten == 0 {
        assert_eq!(whole, text);
    } else {
        let (again, again_stats) = rewrite(&[&whole], identity);
        assert_eq!(again, whole, "{text:?}");
        assert_eq!(again_stats.charset_rewritten, 0, "{text:?}");
    }

    let marked = rewrite(&[&text], marker);
    assert_eq!(rewrite(&halves, marker), marked, "cut at {cut}: {text:?}");
});
