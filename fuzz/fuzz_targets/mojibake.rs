//! Arbitrary text through mojibake repair: nothing may panic, repairing
//! the output again changes nothing, and repairing line by line gives the
//! same text and counts as repairing the whole.
//!
//! Input layout: byte 0 picks how the rest becomes text, so that the
//! fuzzer reaches every kind of span without an encoder of its own:
//! 0 reads it as UTF-8 (lossily); 1 maps each byte to the Latin-1
//! character of that value (windows-1252-style mojibake); 2 maps each pair
//! of high bytes to a CJK ideograph, the way a double-byte decoder would
//! (GBK- and Big5-style mojibake, and clean Chinese); 3 alternates the two.
//! Bytes below 0x80 stay ASCII in modes 1 to 3, line breaks included.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::clean::mojibake::{repair, RepairStats};

fn text_of(mode: u8, bytes: &[u8]) -> String {
    if mode == 0 {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut i = 0;
    let mut han = mode == 2;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            out.push(b as char);
            i += 1;
            continue;
        }
        if mode == 3 {
            han = !han;
        }
        if han && i + 1 < bytes.len() && bytes[i + 1] >= 0x40 {
            let v = u32::from(b) << 8 | u32::from(bytes[i + 1]);
            out.push(char::from_u32(0x4E00 + v % 0x5200).unwrap_or('\u{FFFD}'));
            i += 2;
        } else if b == 0xFF {
            out.push('\u{FFFD}');
            i += 1;
        } else {
            out.push(b as char);
            i += 1;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else {
        return;
    };
    let text = text_of(mode % 4, rest);
    let (once, stats) = repair(&text);

    // A fixed point.
    let (twice, again) = repair(&once);
    assert_eq!(twice, once, "not idempotent on {text:?}");
    assert_eq!(again.spans_repaired, 0);

    // Line by line is the same as whole.
    let mut pieces = String::with_capacity(once.len());
    let mut total = RepairStats::default();
    for line in text.split_inclusive('\n') {
        let (out, s) = repair(line);
        pieces.push_str(&out);
        total.add(&s);
    }
    assert_eq!(pieces, once, "line split changed {text:?}");
    assert_eq!(total, stats);

    // Line structure survives, and nothing internal leaks out.
    assert_eq!(once.matches('\n').count(), text.matches('\n').count());
    assert_eq!(once.matches('\r').count(), text.matches('\r').count());
    assert_eq!(
        once.matches('\u{FDD0}').count(),
        text.matches('\u{FDD0}').count()
    );
    if stats.spans_repaired == 0 {
        assert_eq!(once, text);
    }
});
