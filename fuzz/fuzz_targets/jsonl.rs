//! Arbitrary bytes as a JSON Lines stream through the jsonl rewriter:
//! nothing may panic; with a cleaner that changes nothing the output is the
//! input byte for byte, with one line counted per line; cutting the stream
//! anywhere changes neither output nor counts; and each line is a valid
//! record exactly when serde_json sees an object whose named fields are
//! strings, in which case the output means to serde_json what the input
//! does with the named fields cleaned.
//!
//! Input layout: byte 0 is where to cut the rest (scaled to its length);
//! the rest, decoded as UTF-8 with replacement characters, is the stream.
//! The field names are short (`a`) as well as real (`text`) so the fuzzer
//! reaches rewrites without having to guess a long key.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use zhnorm::formats::jsonl::{rewrite_line, JsonlRewriter, JsonlStats, LineOutcome};

const FIELDS: &[&str] = &["text", "a"];

/// Changes every value, adding characters that need escaping.
fn mark(s: &str) -> String {
    format!("«{s}»\"\\\n\u{1}/")
}

fn run(parts: &[&str], identity: bool) -> (String, JsonlStats, Vec<(u64, String)>) {
    let clean: Box<dyn FnMut(&str) -> String> = if identity {
        Box::new(str::to_string)
    } else {
        Box::new(mark)
    };
    let mut rewriter = JsonlRewriter::new(FIELDS.iter().map(|f| f.to_string()).collect(), clean);
    let mut out = String::new();
    for p in parts {
        rewriter.push(p, &mut out);
    }
    let stats = rewriter.finish(&mut out);
    (out, stats, rewriter.errors().to_vec())
}

/// serde_json's view of a record: an object whose named fields are all
/// strings; `Err(true)` when serde_json gave up where JSON itself has no
/// limit: nesting depth (serde_json stops at 128 levels) or a number too
/// large for an `f64` (`1e400`), both of which the rewriter copies as they
/// are.
fn serde_record(line: &str) -> Result<serde_json::Map<String, Value>, bool> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(map))
            if FIELDS
                .iter()
                .all(|f| map.get(*f).is_none_or(Value::is_string)) =>
        {
            Ok(map)
        }
        Ok(_) => Err(false),
        Err(e) => {
            let why = e.to_string();
            Err(why.contains("recursion limit") || why.contains("number out of range"))
        }
    }
}

/// Whether `why` reports a named field that is not a string and serde_json
/// agrees on what is at the reported column. serde_json keeps only the
/// last of duplicate keys, so it cannot see an earlier wrong occurrence.
fn wrong_type_at(line: &str, why: &str) -> bool {
    let Some(col) = why
        .strip_prefix("column ")
        .and_then(|r| r.split(':').next())
        .and_then(|c| c.parse::<usize>().ok())
    else {
        return false;
    };
    let Some(from) = line.get(col - 1..) else {
        return false;
    };
    let mut values = serde_json::Deserializer::from_str(from).into_iter::<Value>();
    let Some(Ok(Value::String(key))) = values.next() else {
        return false;
    };
    let rest = from[values.byte_offset()..].trim_start_matches([' ', '\t', '\r']);
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    let value = serde_json::Deserializer::from_str(rest)
        .into_iter::<Value>()
        .next();
    FIELDS.contains(&key.as_str()) && matches!(value, Some(Ok(v)) if !v.is_string())
}

/// One line against serde_json; returns the rewritten line.
fn check_line(line: &str) -> String {
    let mut out = String::new();
    let outcome = rewrite_line(line, FIELDS, &mut mark, &mut out);
    let blank = line.trim_matches([' ', '\t', '\r']).is_empty();
    match (serde_record(line), outcome) {
        _ if blank => assert_eq!(out, line),
        (Err(true), _) => {}
        (Err(false), outcome) => {
            assert!(
                matches!(outcome, LineOutcome::Invalid(_)),
                "serde_json rejects {line:?}, rewriter says {outcome:?}"
            );
            assert_eq!(out, line);
        }
        (Ok(_), LineOutcome::Invalid(why)) => {
            assert!(
                wrong_type_at(line, &why),
                "serde_json accepts {line:?}: {why}"
            );
            assert_eq!(out, line);
        }
        (Ok(mut map), _) => {
            for f in FIELDS {
                if let Some(Value::String(s)) = map.get(*f) {
                    let new = mark(s);
                    map.insert(f.to_string(), Value::String(new));
                }
            }
            let after: Value = serde_json::from_str(&out).expect("output is JSON");
            assert_eq!(after, Value::Object(map), "{line:?} -> {out:?}");
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut at = text.len() * usize::from(cut) / 255;
    while !text.is_char_boundary(at) {
        at -= 1;
    }

    let (same, stats, _) = run(&[&text], true);
    assert_eq!(same, text, "identity cleaning changed the stream");
    let lines = text.split('\n').count() - usize::from(text.is_empty() || text.ends_with('\n'));
    assert_eq!(stats.lines, lines as u64);
    assert_eq!(
        stats.lines,
        stats.rewritten + stats.unchanged + stats.invalid
    );

    let whole = run(&[&text], false);
    assert_eq!(
        run(&[&text[..at], &text[at..]], false),
        whole,
        "cut at {at}"
    );
    assert_eq!(whole.1, stats, "counts depend on the cleaner");

    // Line by line against serde_json, and the lines' outputs put back
    // together must be the stream's output.
    let pieces: Vec<&str> = text.split('\n').collect();
    let n = pieces.len();
    let mut joined = String::new();
    for (i, mut line) in pieces.into_iter().enumerate() {
        let mut term = "";
        if i + 1 < n {
            term = "\n";
            if let Some(body) = line.strip_suffix('\r') {
                (line, term) = (body, "\r\n");
            }
        }
        if i == 0 {
            if let Some(body) = line.strip_prefix('\u{FEFF}') {
                joined.push('\u{FEFF}');
                line = body;
            }
        }
        joined.push_str(&check_line(line));
        joined.push_str(term);
    }
    assert_eq!(joined, whole.0, "the stream differs from its lines");
});
