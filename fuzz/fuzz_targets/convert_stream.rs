//! Arbitrary bytes, made text (lossily), converted chunk by chunk through a
//! stream must give exactly the whole-text conversion.
//!
//! Input layout: byte 0 picks the configuration (low seven bits) and whether
//! a user dictionary is used (high bit); byte 1 says how many chunk sizes
//! follow (at most 32), one byte each, in characters (0: an empty chunk);
//! the rest is the text, whose remainder after the sized chunks is the last
//! chunk.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use zhnorm::convert::{Converter, UserDict, CONFIG_NAMES};

/// Far below the stream's 1 MiB forced-cut limit, beyond which the output
/// may legitimately differ.
const MAX_TEXT: usize = 256 * 1024;

fuzz_target!(|data: &[u8]| {
    let [first, count, rest @ ..] = data else {
        return;
    };
    let count = (*count as usize % 33).min(rest.len());
    let (sizes, bytes) = rest.split_at(count);
    let text = String::from_utf8_lossy(bytes);
    if text.len() > MAX_TEXT {
        return;
    }
    let config = CONFIG_NAMES[(first & 0x7F) as usize % CONFIG_NAMES.len()];
    let conv = if first & 0x80 != 0 {
        // One user entry: the text's first (up to) three characters.
        let key: String = text
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(3)
            .collect();
        if key.is_empty() || key.starts_with('#') || key.starts_with('\u{FEFF}') {
            return;
        }
        let dict = UserDict::parse(Path::new("fuzz.txt"), &format!("{key}\tU\n"))
            .expect("a key without whitespace is a valid entry");
        Converter::with_user_dicts(config, &[dict]).unwrap()
    } else {
        Converter::new(config).unwrap()
    };

    let whole = conv.convert(&text);
    let mut stream = conv.stream();
    let mut out = String::new();
    let mut rest: &str = &text;
    for &size in sizes {
        let cut = rest
            .char_indices()
            .nth(size as usize)
            .map_or(rest.len(), |(i, _)| i);
        stream.push(&rest[..cut], &mut out);
        rest = &rest[cut..];
    }
    stream.push(rest, &mut out);
    stream.finish(&mut out);
    assert_eq!(out, whole, "config {config}, text {text:?}");
});
