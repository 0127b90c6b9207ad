//! The streaming decoder (detection, then mixed UTF-8 / GB18030 / Big5
//! runs, or one of the other encodings) on arbitrary bytes in arbitrary
//! chunks: no panic; the same text, damage and runs in the fuzzer's chunks
//! as whole; and a well-formed report:
//!
//! * `bytes` is the input length, and there is a verdict unless the input
//!   is empty;
//! * damage offsets strictly increasing, inside the input, at most one per
//!   damaged spot, and at least one when there is damage;
//! * runs back to back, non-empty, covering the input from the end of the
//!   byte-order mark (which is no text, so in no run) to its end;
//! * `nul_at` names a NUL byte, the first one, unless the verdict is
//!   UTF-16 (where NULs are text).
//!
//! With `eager` the verdict comes from the first line, which can honestly
//! differ from the whole input's; the documentation promises this costs
//! speed, not text, as long as both verdicts are encodings a later line can
//! switch between (UTF-8, GB18030, Big5), so only then are the texts
//! compared.
//!
//! Input layout: byte 0's low bit is `eager`; byte 1 says how many chunk
//! sizes follow (at most 16), one byte each (0: an empty chunk); the rest is
//! the byte stream, whose remainder after the sized chunks is the last
//! chunk.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::decode::{decode_bytes, AutoDecoder, Charset, DecodeOptions, DecodeReport};

fn check_report(bytes: &[u8], r: &DecodeReport) {
    let len = bytes.len() as u64;
    assert_eq!(r.bytes, len);
    assert_eq!(r.detection.is_none(), bytes.is_empty());
    let bom = r.detection.as_ref().map_or(0, |d| d.bom_len as u64);
    let mut at = bom;
    for run in &r.runs {
        assert_eq!(run.bytes.start, at, "runs {:?} from {bom}", r.runs);
        assert!(run.bytes.end > run.bytes.start, "empty run {:?}", r.runs);
        at = run.bytes.end;
    }
    assert_eq!(at, len, "runs {:?} end short of {len}", r.runs);
    assert!(
        r.damage_offsets.windows(2).all(|w| w[0] < w[1]),
        "{:?}",
        r.damage_offsets
    );
    assert!(
        r.damage_offsets.iter().all(|&o| o < len),
        "{:?}",
        r.damage_offsets
    );
    assert!(r.damage_offsets.len() as u64 <= r.damaged);
    assert_eq!(r.damaged > 0, !r.damage_offsets.is_empty());
    let utf16 = r
        .detection
        .as_ref()
        .is_some_and(|d| d.charset.name().starts_with("UTF-16"));
    if !utf16 {
        let first_nul = bytes.iter().position(|&b| b == 0).map(|i| i as u64);
        assert_eq!(r.nul_at, first_nul);
    }
}

fn mixable(r: &DecodeReport) -> bool {
    r.detection
        .as_ref()
        .is_some_and(|d| [Charset::UTF8, Charset::GB18030, Charset::BIG5].contains(&d.charset))
}

fuzz_target!(|data: &[u8]| {
    let [flags, count, rest @ ..] = data else {
        return;
    };
    let options = DecodeOptions {
        eager: flags & 1 == 1,
        ..DecodeOptions::default()
    };
    let count = (*count as usize % 17).min(rest.len());
    let (sizes, bytes) = rest.split_at(count);

    let (whole, rw) = decode_bytes(bytes, options);
    check_report(bytes, &rw);

    let mut dec = AutoDecoder::new(options);
    let mut chunked = String::new();
    let mut at = 0;
    for &size in sizes {
        let end = (at + size as usize).min(bytes.len());
        dec.push(&bytes[at..end], &mut chunked);
        at = end;
    }
    dec.push(&bytes[at..], &mut chunked);
    let rc = dec.finish(&mut chunked).clone();
    check_report(bytes, &rc);

    if !options.eager || (mixable(&rw) && mixable(&rc)) {
        assert_eq!(chunked, whole);
        assert_eq!(rc.damaged, rw.damaged);
        assert_eq!(rc.damage_offsets, rw.damage_offsets);
    }
    if !options.eager {
        assert_eq!(rc.runs, rw.runs);
        let charset = |r: &DecodeReport| r.detection.as_ref().map(|d| d.charset);
        assert_eq!(charset(&rc), charset(&rw));
    }
});
