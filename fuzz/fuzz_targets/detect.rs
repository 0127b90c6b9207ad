//! Encoding detection and the charset-declaration sniffer on arbitrary
//! bytes: no panic, and a verdict that is well-formed whatever the input.
//!
//! * confidence in [0.5, 1] (0.5 is a coin toss; nothing is less sure);
//! * the byte-order mark to skip lies inside the input, and there is one
//!   exactly when the basis is a BOM;
//! * without a BOM, the declaration reported is the one `sniff_declared`
//!   finds, and it is "correct" whenever it names the detected charset;
//! * a declared label is a non-empty run of label characters, and looking
//!   it up never panics;
//! * the same bytes always give the same verdict.
//!
//! Input layout: byte 0's low bit is `complete`; the rest is the prefix.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhnorm::decode::{detect, sniff_declared, Basis, Charset};

fuzz_target!(|data: &[u8]| {
    let [flags, bytes @ ..] = data else {
        return;
    };
    let complete = flags & 1 == 1;

    let d = detect(bytes, complete);
    assert!(
        (0.5..=1.0).contains(&d.confidence),
        "confidence {}",
        d.confidence
    );
    assert!(
        d.bom_len <= bytes.len(),
        "bom_len {} of {}",
        d.bom_len,
        bytes.len()
    );
    assert_eq!(d.basis == Basis::Bom, d.bom_len > 0, "{d:?}");
    assert_ne!(d.basis, Basis::Forced);
    if d.basis == Basis::Ascii {
        assert!(bytes.is_ascii());
        assert_eq!(d.charset, Charset::UTF8);
    }

    let sniffed = sniff_declared(bytes);
    if let Some(label) = &sniffed {
        assert!(!label.is_empty());
        assert!(
            label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)),
            "label {label:?}"
        );
        let _ = Charset::for_label(label);
    }
    if d.bom_len == 0 {
        assert_eq!(d.declared.as_ref().map(|x| &x.label), sniffed.as_ref());
    }
    if let Some(decl) = &d.declared {
        assert_eq!(decl.charset, Charset::for_label(&decl.label));
        if decl.charset == Some(d.charset) {
            assert!(decl.correct, "{d:?}");
        }
        if decl.correct && d.basis != Basis::Bom && d.basis != Basis::Ascii {
            assert_eq!(d.basis, Basis::Declared, "{d:?}");
        }
    }

    assert_eq!(detect(bytes, complete), d, "not deterministic");

    // Labels from anywhere (a `--from` option) never panic either.
    let _ = Charset::for_label(&String::from_utf8_lossy(bytes));
});
