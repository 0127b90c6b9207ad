//! Property tests of the streaming converter: however the input is cut into
//! chunks (of characters, or of raw bytes through the UTF-8 decoder), the
//! output is exactly the whole-text conversion; a finished line comes out at
//! once. Driven by a pipeline, behind its verdict on the document's
//! language, the chunks change neither the output nor the verdict.
//!
//! Inputs stay far below the stream's 1 MiB forced-cut limit, where (by
//! design) the equality no longer has to hold.

use crate::support;

use proptest::prelude::*;
use proptest::sample::Index;
use support::*;
use zhnorm::convert::{Converter, UserDict, CONFIG_NAMES};
use zhnorm::decode::{DecodeError, Utf8StreamDecoder};
use zhnorm::lang::{self, Language};
use zhnorm::pipeline::{Format, Options, Pipeline};

fn converters() -> Vec<Converter> {
    CONFIG_NAMES
        .iter()
        .map(|n| Converter::new(n).unwrap())
        .collect()
}

/// Pushes `chunks` through a stream of `conv` and finishes it.
fn stream_chars(conv: &Converter, chunks: &[&str]) -> String {
    let mut st = conv.stream();
    let mut out = String::new();
    for c in chunks {
        st.push(c, &mut out);
    }
    st.finish(&mut out);
    out
}

/// Bytes through the UTF-8 decoder, its text through the stream converter.
fn stream_bytes(conv: &Converter, chunks: &[&[u8]]) -> String {
    let mut dec = Utf8StreamDecoder::new();
    let mut st = conv.stream();
    let mut text = String::new();
    let mut out = String::new();
    for c in chunks {
        text.clear();
        dec.push(c, &mut text).expect("valid UTF-8");
        st.push(&text, &mut out);
    }
    text.clear();
    dec.finish(&mut text).expect("complete UTF-8");
    st.push(&text, &mut out);
    st.finish(&mut out);
    out
}

/// Checks the stream output for `text` cut by `plan` against the whole
/// conversion, under `conv`.
fn check_chars(conv: &Converter, text: &str, plan: &[usize]) -> Result<(), TestCaseError> {
    check_chunks(conv, text, &split_chars(text, plan))
}

fn check_chunks(conv: &Converter, text: &str, chunks: &[&str]) -> Result<(), TestCaseError> {
    let whole = conv.convert(text);
    let streamed = stream_chars(conv, chunks);
    if streamed != whole {
        let detail = if text.len() < 2_000 {
            format!(
                "  chunks: {:?}\n  whole:    {}\n  streamed: {}",
                chunks.iter().map(|c| show(c)).collect::<Vec<_>>(),
                show(&whole),
                show(&streamed)
            )
        } else {
            format!(
                "  {} bytes in {} chunks\n  {}",
                text.len(),
                chunks.len(),
                first_difference(&whole, &streamed)
            )
        };
        return Err(TestCaseError::fail(format!(
            "{}: stream differs from whole conversion\n{detail}",
            conv.name()
        )));
    }
    Ok(())
}

/// A pattern and a size: the pattern repeated to the size makes a text over
/// 64 KiB, so that the stream's slow path (looking for safe cuts at every
/// character, not only at newlines) runs, and below 1 MiB, so that no forced
/// cut happens.
///
/// What the pattern is made of.
#[derive(Clone, Copy, Debug)]
enum Mix {
    /// Ordinary text with at most one IDS a repetition (a cut needs a
    /// stretch of a hundred or more code points without an operator).
    Sparse,
    /// Dictionary keys glued together, IDS operators close to each other,
    /// few characters outside every key: safe cuts are rare and easy to get
    /// wrong.
    Dense,
    /// IDS and keys only: the only characters outside every key are IDS
    /// operands, so every tempting cut is inside a sequence.
    IdsOnly,
}

fn big_pattern(mix: Mix, newlines: bool) -> impl Strategy<Value = (String, usize)> {
    let pieces = match mix {
        Mix::Sparse => (
            prop::collection::vec(piece_no_ids(), 1..150),
            prop::option::weighted(0.5, ids()),
        )
            .prop_map(|(mut v, ids)| {
                v.extend(ids);
                v
            })
            .boxed(),
        Mix::Dense => prop::collection::vec(
            prop_oneof![
                8 => dict_key(),
                4 => key_prefix(),
                3 => glued_keys(),
                2 => ids(),
                1 => cjk_punct(),
                1 => ascii_run(),
                1 => astral(),
            ],
            1..100,
        )
        .boxed(),
        Mix::IdsOnly => prop::collection::vec(
            prop_oneof![
                3 => ids(),
                2 => dict_key(),
                1 => key_char(),
            ],
            1..60,
        )
        .boxed(),
    };
    (pieces, 100_000usize..600_000).prop_map(move |(pieces, target)| {
        let mut pattern = pieces.concat();
        if !newlines {
            pattern.retain(|c| c != '\n' && c != '\r');
        }
        if pattern.is_empty() {
            pattern.push('漢');
        }
        (pattern, target)
    })
}

fn repeat_to(pattern: &str, target: usize) -> String {
    pattern.repeat(target.div_ceil(pattern.len()))
}

/// Chunk sizes for big texts, used over and over: every push beyond 64 KiB
/// held back makes the stream look for a cut.
fn big_plan() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![
            1 => Just(0usize),
            2 => 1usize..4,
            2 => 4usize..64,
            2 => 64usize..2_000,
            1 => 2_000usize..40_000,
        ],
        1..8,
    )
}

/// `text` cut by `plan` (in characters) repeated until the text is used up.
fn split_chars_cyclic<'a>(text: &'a str, plan: &[usize]) -> Vec<&'a str> {
    let total = text.chars().count();
    let step: usize = plan.iter().sum();
    if step == 0 {
        return vec![text];
    }
    let mut cyclic = Vec::new();
    let mut covered = 0;
    while covered < total {
        cyclic.extend_from_slice(plan);
        covered += step;
    }
    split_chars(text, &cyclic)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Chunks at character boundaries, every configuration.
    #[test]
    fn chunked_equals_whole(text in text(48), plan in chunk_plan()) {
        for conv in converters() {
            check_chars(&conv, &text, &plan)?;
        }
    }

    /// Chunks at arbitrary byte positions, through the UTF-8 decoder (which
    /// drops a leading byte-order mark), every configuration.
    #[test]
    fn byte_chunked_equals_whole(
        body in text(48),
        bom in prop::bool::weighted(0.2),
        plan in chunk_plan(),
    ) {
        let text = if bom { format!("\u{FEFF}{body}") } else { body };
        let bytes = text.as_bytes();
        let chunks = split_bytes(bytes, &plan);
        let decoded = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        for conv in converters() {
            let whole = conv.convert(decoded);
            let streamed = stream_bytes(&conv, &chunks);
            prop_assert!(
                streamed == whole,
                "{}: byte stream differs from whole conversion\n  text: {}\n  chunk lengths: {:?}\n  whole:    {}\n  streamed: {}",
                conv.name(),
                show(&text),
                chunks.iter().map(|c| c.len()).collect::<Vec<_>>(),
                show(&whole),
                show(&streamed)
            );
        }
    }

    /// Lines come out as soon as they are complete: after a push that ends
    /// the text so far with a newline (and no IDS operator was ever pushed),
    /// nothing is held back, and the output so far is the conversion of
    /// everything pushed.
    #[test]
    fn finished_lines_are_not_held_back(
        lines in prop::collection::vec(text_no_ids(12), 1..6),
        plan in chunk_plan(),
        user in prop::option::of(user_entries(4)),
    ) {
        let mut text = String::new();
        for l in &lines {
            text.push_str(l);
            text.push('\n');
        }
        let chunks = split_chars(&text, &plan);
        let dicts: Vec<UserDict> = user.as_deref().map(user_dict).into_iter().collect();
        for name in CONFIG_NAMES {
            let conv = Converter::with_user_dicts(name, &dicts).unwrap();
            let mut st = conv.stream();
            let mut out = String::new();
            let mut pushed = String::new();
            for c in &chunks {
                st.push(c, &mut out);
                pushed.push_str(c);
                if pushed.ends_with('\n') {
                    prop_assert_eq!(
                        st.pending_len(), 0,
                        "{}: held back after {} (chunks {:?})",
                        conv.name(), show(&pushed), chunks
                    );
                    prop_assert!(
                        out == conv.convert(&pushed),
                        "{}: output for complete lines {} is {}, not {}",
                        conv.name(), show(&pushed), show(&out), show(&conv.convert(&pushed))
                    );
                }
            }
            st.finish(&mut out);
            prop_assert_eq!(st.pending_len(), 0);
            prop_assert!(out == conv.convert(&text));
        }
    }

    /// User dictionaries: the stream must not cut through a user key either.
    #[test]
    fn chunked_equals_whole_with_user_dict(
        entries in user_entries(6),
        more in prop::option::of(user_entries(3)),
        pieces in prop::collection::vec(piece(), 0..32),
        plan in chunk_plan(),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        // Mix the user keys into the text so they actually occur, whole and
        // cut short.
        let mut text = String::new();
        for (i, p) in pieces.iter().enumerate() {
            text.push_str(p);
            let (k, _) = &entries[i % entries.len()];
            match i % 3 {
                0 => text.push_str(k),
                1 => text.extend(k.chars().take(k.chars().count().saturating_sub(1))),
                _ => {}
            }
        }
        let mut dicts: Vec<UserDict> = vec![user_dict(&entries)];
        dicts.extend(more.as_deref().map(user_dict));
        let conv = Converter::with_user_dicts(config, &dicts).unwrap();
        check_chars(&conv, &text, &plan)?;
    }
}

/// What `std` makes of `bytes` (the reference for the streaming decoder):
/// the text before the first error (without a leading BOM), and the error's
/// offset and whether it is a cut-short sequence at the very end.
fn std_decode(bytes: &[u8]) -> (String, Option<(u64, bool)>) {
    let (valid, err) = match std::str::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => (
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap(),
            Some((e.valid_up_to() as u64, e.error_len().is_none())),
        ),
    };
    let text = valid.strip_prefix('\u{FEFF}').unwrap_or(valid).to_owned();
    (text, err)
}

/// Text bytes with some bytes replaced, inserted or cut off: invalid and
/// truncated sequences anywhere.
fn damaged_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        text(24),
        prop::bool::weighted(0.2),
        prop::collection::vec((any::<Index>(), any::<u8>(), 0u8..3), 0..4),
        prop::option::weighted(0.3, any::<Index>()),
    )
        .prop_map(|(text, bom, edits, cut)| {
            let mut b = Vec::new();
            if bom {
                b.extend_from_slice("\u{FEFF}".as_bytes());
            }
            b.extend_from_slice(text.as_bytes());
            for (at, byte, kind) in edits {
                let i = at.index(b.len() + 1);
                match kind {
                    0 if i < b.len() => b[i] = byte,
                    1 if i < b.len() => {
                        b.remove(i);
                    }
                    _ => b.insert(i, byte),
                }
            }
            if let Some(cut) = cut {
                b.truncate(cut.index(b.len() + 1));
            }
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The decoder, fed arbitrary byte chunks, agrees with `std` on valid
    /// and damaged input: same text up to the first error, error at the same
    /// absolute offset, "truncated" only for a sequence cut short at the end.
    #[test]
    fn decoder_agrees_with_std(bytes in damaged_bytes(), plan in chunk_plan()) {
        let (want_text, want_err) = std_decode(&bytes);
        let mut dec = Utf8StreamDecoder::new();
        let mut got = String::new();
        let mut result = Ok(());
        for c in split_bytes(&bytes, &plan) {
            result = dec.push(c, &mut got);
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            result = dec.finish(&mut got);
        }
        prop_assert!(
            got == want_text,
            "decoded {} instead of {}",
            show(&got),
            show(&want_text)
        );
        match (result, want_err) {
            (Ok(()), None) => {}
            (Err(e), Some((offset, at_end))) => {
                prop_assert_eq!(e.offset(), offset, "{}", e);
                prop_assert_eq!(
                    matches!(e, DecodeError::TruncatedUtf8 { .. }),
                    at_end,
                    "{}",
                    e
                );
            }
            (got, want) => prop_assert!(false, "decoder gave {:?}, std {:?}", got, want),
        }
    }
}

proptest! {
    // Each case converts a few hundred KiB twice; fewer cases.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Texts beyond 64 KiB without newlines: cuts must come from the
    /// character-by-character scan for characters in no key, kept clear of
    /// IDS operators.
    #[test]
    fn big_chunked_equals_whole_without_newlines(
        (pattern, size) in big_pattern(Mix::Sparse, false),
        plan in big_plan(),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        let text = repeat_to(&pattern, size);
        let conv = Converter::new(config).unwrap();
        check_chunks(&conv, &text, &split_chars_cyclic(&text, &plan))?;
    }

    /// Big texts with newlines (the fast path and the slow path mixed).
    #[test]
    fn big_chunked_equals_whole(
        (pattern, size) in big_pattern(Mix::Sparse, true),
        plan in big_plan(),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        let text = repeat_to(&pattern, size);
        let conv = Converter::new(config).unwrap();
        check_chunks(&conv, &text, &split_chars_cyclic(&text, &plan))?;
    }

    /// Big texts of glued dictionary keys and close IDS operators: few safe
    /// cuts, many wrong ones.
    #[test]
    fn big_dense_chunked_equals_whole(
        (pattern, size) in big_pattern(Mix::Dense, false),
        plan in big_plan(),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        let text = repeat_to(&pattern, size);
        let conv = Converter::new(config).unwrap();
        check_chunks(&conv, &text, &split_chars_cyclic(&text, &plan))?;
    }

    /// Big texts where only IDS operands are outside every key.
    #[test]
    fn big_ids_chunked_equals_whole(
        (pattern, size) in big_pattern(Mix::IdsOnly, false),
        plan in big_plan(),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        let text = repeat_to(&pattern, size);
        let conv = Converter::new(config).unwrap();
        check_chunks(&conv, &text, &split_chars_cyclic(&text, &plan))?;
    }

    /// Big texts with user dictionary keys in them: a character of a user
    /// key is no place for a cut either.
    #[test]
    fn big_chunked_equals_whole_with_user_dict(
        entries in user_entries(6),
        (pattern, size) in big_pattern(Mix::Sparse, false),
        plan in big_plan(),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        // Each user key, whole and cut short, after every tenth of the pattern.
        let cut = pattern.len() / 10;
        let mut mixed = String::new();
        for (i, c) in pattern.char_indices() {
            mixed.push(c);
            if cut > 0 && i % cut == 0 {
                let (k, _) = &entries[i / cut % entries.len()];
                mixed.push_str(k);
                mixed.extend(k.chars().take(k.chars().count() / 2));
            }
        }
        let text = repeat_to(&mixed, size);
        let conv = Converter::with_user_dicts(config, &[user_dict(&entries)]).unwrap();
        check_chunks(&conv, &text, &split_chars_cyclic(&text, &plan))?;
    }
}

/// A line in Japanese or Korean (with Han characters every configuration
/// has keys for), or one quoting it, to put among the generated text.
fn foreign_line() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "日本語の勉強は午後に始まります。\n",
        "授業が終わりましたら、図書館で復習しましょう。\n",
        "韓國語와 漢字를 함께 쓰는 신문도 있다.\n",
        "他說：「日本語は難しいです」\n",
        "ゲーム\r\n",
    ])
    .prop_map(str::to_owned)
}

/// Bytes through the UTF-8 decoder into a pipeline; the output and the
/// verdict.
fn pipeline_bytes(
    options: Options,
    conv: &Converter,
    chunks: &[&[u8]],
) -> (String, Language, bool) {
    let mut dec = Utf8StreamDecoder::new();
    let mut p = Pipeline::new(options, Some(conv));
    let mut text = String::new();
    let mut out = String::new();
    for c in chunks {
        text.clear();
        dec.push(c, &mut text).expect("valid UTF-8");
        p.push(&text, &mut out).unwrap();
    }
    text.clear();
    dec.finish(&mut text).expect("complete UTF-8");
    p.push(&text, &mut out).unwrap();
    let stats = p.finish(&mut out).unwrap();
    (out, stats.language, stats.converted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The stream as the pipeline drives it, behind the language verdict:
    /// however the bytes are cut, the output and the verdict are those of
    /// the whole text, under every configuration; with cleanup off the
    /// verdict is that of the text itself.
    #[test]
    fn pipeline_byte_chunked_equals_whole_with_its_verdict(
        pieces in prop::collection::vec(
            prop_oneof![6 => piece(), 1 => foreign_line().boxed()],
            0..60,
        ),
        plan in chunk_plan(),
        clean in prop::bool::ANY,
    ) {
        let text = pieces.concat();
        let options = if clean {
            Options { format: Format::Text, ..Options::default() }
        } else {
            Options::convert_only()
        };
        let chunks = split_bytes(text.as_bytes(), &plan);
        for conv in converters() {
            let whole = pipeline_bytes(options, &conv, &[text.as_bytes()]);
            let cut = pipeline_bytes(options, &conv, &chunks);
            prop_assert!(
                cut == whole,
                "{}: chunked pipeline differs\n  text: {}\n  chunk lengths: {:?}\n  whole:   {:?}\n  chunked: {:?}",
                conv.name(),
                show(&text),
                chunks.iter().map(|c| c.len()).collect::<Vec<_>>(),
                whole,
                cut
            );
            if !clean {
                prop_assert_eq!(whole.1, lang::detect(&text));
            }
        }
    }
}
