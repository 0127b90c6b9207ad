//! Arbitrary text through the entity decoder, whole and in chunks: the two
//! must agree (output and counts) in every mode, and nothing may panic.
//!
//! Input layout: byte 0 picks the mode; byte 1 says how many chunk sizes
//! follow (at most 32), one byte each, in characters (0: an empty chunk);
//! the rest is the text (made valid lossily), whose remainder after the
//! sized chunks is the last chunk.
//!
//! Where the text has at most `MAX_WAITING` ampersands, the decoder's nesting
//! limit cannot come into play, so the stronger properties are checked too:
//! Text output is a fixed point, and Markup output means what the input
//! means and adds no markup syntax.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::clean::entities::{decode_into, EntityDecoder, EntityMode, EntityStats, MAX_WAITING};

const MODES: [EntityMode; 3] = [EntityMode::Text, EntityMode::Markup, EntityMode::Attribute];

fn decode(text: &str, mode: EntityMode) -> String {
    let mut out = String::new();
    decode_into(text, mode, &mut out);
    out
}

fn count(s: &str, c: char) -> usize {
    s.chars().filter(|&x| x == c).count()
}

fuzz_target!(|data: &[u8]| {
    let [first, count_byte, rest @ ..] = data else {
        return;
    };
    let mode = MODES[*first as usize % MODES.len()];
    let n = (*count_byte as usize % 33).min(rest.len());
    let (sizes, bytes) = rest.split_at(n);
    let text = String::from_utf8_lossy(bytes);

    let mut whole = String::new();
    let whole_stats = decode_into(&text, mode, &mut whole);

    let mut dec = EntityDecoder::new(mode);
    let mut out = String::new();
    let mut stats = EntityStats::default();
    let mut left: &str = &text;
    for &size in sizes {
        let cut = left
            .char_indices()
            .nth(size as usize)
            .map_or(left.len(), |(i, _)| i);
        stats += dec.push(&left[..cut], &mut out);
        left = &left[cut..];
    }
    stats += dec.push(left, &mut out);
    stats += dec.finish(&mut out);
    assert_eq!(out, whole, "{mode:?}, text {text:?}");
    assert_eq!(stats, whole_stats, "{mode:?}, text {text:?}");

    if count(&text, '&') > MAX_WAITING {
        return;
    }
    match mode {
        EntityMode::Text => assert_eq!(decode(&whole, mode), whole, "text {text:?}"),
        EntityMode::Markup => {
            for c in ['<', '>', '"', '\'', '&'] {
                assert!(count(&whole, c) <= count(&text, c), "{c:?}: {text:?}");
            }
            assert_eq!(
                decode(&whole, EntityMode::Text),
                decode(&text, EntityMode::Text),
                "text {text:?}"
            );
        }
        EntityMode::Attribute => {}
    }
});
