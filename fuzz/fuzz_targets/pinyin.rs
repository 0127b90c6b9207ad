//! Text with pinyin-like annotations through the cleanup stage's pinyin
//! step: nothing may panic, splitting the input never changes the output,
//! and cleaning the output again changes nothing.
//!
//! Input layout: byte 0 is where to split the rest (scaled to its length);
//! every other byte picks a piece of text, so the fuzzer combines real
//! annotation shapes instead of having to guess UTF-8 for tone marks.
//! Bytes that pick no piece are taken as themselves when ASCII.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::clean::{CleanOptions, Cleaner};

const PIECES: &[&str] = &[
    "經", "濟", "發", "區", "們", "的", "月", "黨", "蜜", "長", "短信", "，", "。",
    "(jīng)", "(jì)", "(fā)", "(qū)", "(men)", "(de)", "(yue)", "(dang)", "(mì)",
    "(zhǎng)", "(cháng)", "(duǎnxìn)", "(Cháng Jiāng)", "(", ")", "\n", "\r\n", " ",
    "ü", "ǚ", "(lǜ)", "綠", "\u{FFFD}", "&#40;",
];

fn text_of(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match PIECES.get(usize::from(b)) {
            Some(p) => out.push_str(p),
            None if b < 0x80 => out.push(b as char),
            None => out.push('字'),
        }
    }
    out
}

fn clean(parts: &[&str]) -> String {
    let mut cleaner = Cleaner::new(CleanOptions {
        pinyin: true,
        ..CleanOptions::none()
    });
    let mut out = String::new();
    for p in parts {
        cleaner.push(p, &mut out);
    }
    cleaner.finish(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let text = text_of(rest);
    let mut at = text.len() * usize::from(cut) / 255;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let whole = clean(&[&text]);
    assert_eq!(clean(&[&text[..at], &text[at..]]), whole, "split at {at}");
    assert_eq!(clean(&[&whole]), whole, "second run changed the output");
});
