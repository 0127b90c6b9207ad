//! The streaming UTF-8 decoder, fed arbitrary bytes in arbitrary chunks,
//! must agree with `std::str::from_utf8`: the same text up to the first
//! error (a leading byte-order mark dropped), the error at the same absolute
//! offset, and "truncated" exactly when a sequence is cut short at the end.
//!
//! Input layout: byte 0 says how many chunk sizes follow (at most 16), one
//! byte each (0: an empty chunk); the rest is the byte stream, whose
//! remainder after the sized chunks is the last chunk.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::decode::{DecodeError, Utf8StreamDecoder};

fuzz_target!(|data: &[u8]| {
    let [count, rest @ ..] = data else {
        return;
    };
    let count = (*count as usize % 17).min(rest.len());
    let (sizes, bytes) = rest.split_at(count);

    let (valid, want_err) = match std::str::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => (
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap(),
            Some((e.valid_up_to() as u64, e.error_len().is_none())),
        ),
    };
    let want = valid.strip_prefix('\u{FEFF}').unwrap_or(valid);

    let mut dec = Utf8StreamDecoder::new();
    let mut got = String::new();
    let mut result = Ok(());
    let mut at = 0;
    for &size in sizes {
        let end = (at + size as usize).min(bytes.len());
        result = dec.push(&bytes[at..end], &mut got);
        at = end;
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        result = dec
            .push(&bytes[at..], &mut got)
            .and_then(|()| dec.finish(&mut got));
    }

    assert_eq!(got, want);
    match (result, want_err) {
        (Ok(()), None) => {}
        (Err(e), Some((offset, at_end))) => {
            assert_eq!(e.offset(), offset, "{e}");
            assert_eq!(
                matches!(e, DecodeError::TruncatedUtf8 { .. }),
                at_end,
                "{e}"
            );
        }
        (got, want) => panic!("decoder gave {got:?}, std {want:?}"),
    }
});
