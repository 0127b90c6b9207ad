//! The legacy decoders (HZ-GB-2312, EUC-TW, ISO-2022-CN, IBM855, Johab,
//! ISO-2022-KR), fed arbitrary bytes in arbitrary chunks, must never panic,
//! must write exactly the characters and errors they count (no table maps
//! to U+FFFD, so every U+FFFD is an error), and must give the same text and
//! totals however the stream is cut: in the fuzzer's chunks, byte by byte,
//! and whole.
//!
//! Input layout: byte 0 picks the encoding; byte 1 says how many chunk
//! sizes follow (at most 16), one byte each (0: an empty chunk); the rest is
//! the byte stream, whose remainder after the sized chunks is the last chunk.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::decode::legacy::{decode_all, looks_like, DecodeStats, LegacyEncoding};

fn decode_chunks(enc: LegacyEncoding, chunks: &[&[u8]]) -> (String, DecodeStats) {
    let mut dec = enc.new_decoder();
    let mut out = String::new();
    let mut total = DecodeStats::default();
    for (i, chunk) in chunks.iter().enumerate() {
        let before = out.len();
        let st = dec.decode(chunk, &mut out, i + 1 == chunks.len());
        // Each call's own counts describe what that call wrote.
        assert_eq!(out[before..].chars().count(), st.chars);
        assert_eq!(out[before..].matches('\u{FFFD}').count(), st.errors);
        total.merge(st);
    }
    (out, total)
}

fuzz_target!(|data: &[u8]| {
    let [which, count, rest @ ..] = data else {
        return;
    };
    let enc = LegacyEncoding::ALL[*which as usize % LegacyEncoding::ALL.len()];
    let count = (*count as usize % 17).min(rest.len());
    let (sizes, bytes) = rest.split_at(count);

    let (text, st) = decode_all(enc, bytes);
    assert_eq!(text.chars().count(), st.chars);
    assert_eq!(text.matches('\u{FFFD}').count(), st.errors);
    assert_eq!(st.errors == 0, st.first_error.is_none());
    if let Some(at) = st.first_error {
        assert!(at < bytes.len() as u64, "error at {at} past the end");
    }
    if enc.is_seven_bit() {
        // 7-bit encodings: each high byte is an error of its own.
        assert!(st.errors >= bytes.iter().filter(|&&b| b >= 0x80).count());
    }
    if enc == LegacyEncoding::Ibm855 {
        // A code page with all 256 bytes assigned: one character each.
        assert_eq!((st.chars, st.errors), (bytes.len(), 0));
    }

    let mut chunks = Vec::with_capacity(sizes.len() + 1);
    let mut at = 0;
    for &size in sizes {
        let end = (at + size as usize).min(bytes.len());
        chunks.push(&bytes[at..end]);
        at = end;
    }
    chunks.push(&bytes[at..]);
    assert_eq!(decode_chunks(enc, &chunks), (text.clone(), st));

    let single: Vec<&[u8]> = if bytes.is_empty() {
        vec![bytes]
    } else {
        bytes.chunks(1).collect()
    };
    assert_eq!(decode_chunks(enc, &single), (text.clone(), st));

    // A decoder is fresh again after `last`.
    let mut dec = enc.new_decoder();
    let mut first = String::new();
    dec.decode(bytes, &mut first, true);
    let mut again = String::new();
    assert_eq!(dec.decode(bytes, &mut again, true), st);
    assert_eq!(again, text);

    for e in LegacyEncoding::ALL {
        let promises_clean = matches!(
            e,
            LegacyEncoding::EucTw | LegacyEncoding::Johab | LegacyEncoding::Iso2022Kr
        );
        if looks_like(e, bytes) && promises_clean {
            let mut out = String::new();
            assert_eq!(e.new_decoder().decode(bytes, &mut out, false).errors, 0);
        }
    }
});
