//! Property tests of whole-text conversion: what must hold for every
//! configuration and every input, checked on generated realistic and
//! adversarial text (see `support`).
//!
//! The oracles come from outside the engine where possible: the dictionary
//! files and configuration files themselves (which characters occur in some
//! key), and, for `t2jp`, whose dictionaries map single characters to single
//! characters, a direct model of the conversion.

use crate::support;

use std::collections::HashMap;

use proptest::prelude::*;
use support::*;
use zhnorm::convert::{Converter, UserDict, CONFIG_NAMES};

fn converters() -> Vec<Converter> {
    CONFIG_NAMES
        .iter()
        .map(|n| Converter::new(n).unwrap())
        .collect()
}

/// Counts of the characters no dictionary value contains (values are
/// space-separated and one per line, so they hold no whitespace).
fn layout_counts(s: &str) -> [usize; 4] {
    let mut n = [0; 4];
    for c in s.chars() {
        match c {
            '\n' => n[0] += 1,
            '\r' => n[1] += 1,
            '\t' => n[2] += 1,
            ' ' => n[3] += 1,
            _ => {}
        }
    }
    n
}

/// A character that might or might not occur in some key.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        key_char(),
        ascii_run(),
        whitespace(),
        cjk_punct(),
        random_cjk(),
        astral(),
        compat(),
        marks(),
        odd(),
    ]
    .prop_map(|s| s.chars().next().unwrap_or('x'))
}

// ---------------------------------------------------------------------------
// A model of t2jp
//
// t2jp normalises compatibility ideographs, then converts by
// JPShinjitaiCharactersRev.txt. Both dictionaries map one character to one
// character, so away from IDS the conversion is a map on characters, and since
// the map never produces an IDS operator and keeps the number of code points,
// the second stage sees the same IDS as the first. The model: copy an IDS
// that is complete and within OpenCC's limits, map every other character.

/// OpenCC 1.4.2's IDS limits.
const IDS_MAX_DEPTH: usize = 16;
const IDS_MAX_CODE_POINTS: usize = 64;

enum Parse {
    Complete(usize),
    Incomplete,
    Invalid,
}

/// Parses one IDS element at `s[0]` (in code points): its length if complete.
fn parse_element(s: &[char], depth_left: usize, count: &mut usize) -> Parse {
    let Some(&c) = s.first() else {
        return Parse::Incomplete;
    };
    if depth_left == 0 || *count >= IDS_MAX_CODE_POINTS {
        return Parse::Invalid;
    }
    *count += 1;
    let mut len = 1;
    if is_ids_operator(c) {
        for _ in 0..ids_arity(c) {
            match parse_element(&s[len..], depth_left - 1, count) {
                Parse::Complete(n) => len += n,
                other => return other,
            }
        }
    }
    Parse::Complete(len)
}

/// Code points of the complete IDS at `s[0]`, or 0.
fn ids_len(s: &[char]) -> usize {
    if !s.first().copied().is_some_and(is_ids_operator) {
        return 0;
    }
    match parse_element(s, IDS_MAX_DEPTH, &mut 0) {
        Parse::Complete(n) => n,
        _ => 0,
    }
}

/// The character map of t2jp, built from its dictionaries after checking
/// that they really map single characters to single characters.
fn t2jp_map() -> &'static HashMap<char, char> {
    static MAP: std::sync::OnceLock<HashMap<char, char>> = std::sync::OnceLock::new();
    MAP.get_or_init(build_t2jp_map)
}

fn build_t2jp_map() -> HashMap<char, char> {
    let files = config_files("t2jp");
    assert_eq!(
        files,
        [
            "CJK_Compatibility_Ideographs.txt",
            "JPShinjitaiCharactersRev.txt"
        ],
        "t2jp's stages changed; the model no longer applies"
    );
    let single = |file: &str| -> HashMap<char, char> {
        dict(file)
            .entries
            .iter()
            .map(|e| {
                let mut k = e.key.chars();
                let mut v = e.values[0].chars();
                match (k.next(), k.next(), v.next(), v.next()) {
                    (Some(k), None, Some(v), None) => (k, v),
                    _ => panic!("{file}: {} is not one character to one", e.key),
                }
            })
            .collect()
    };
    let norm = single(&files[0]);
    let conv = single(&files[1]);
    let mut map = HashMap::new();
    for &c in norm.keys().chain(conv.keys()) {
        let n = norm.get(&c).copied().unwrap_or(c);
        map.insert(c, conv.get(&n).copied().unwrap_or(n));
    }
    for v in map.values() {
        assert!(!is_ids_operator(*v));
    }
    map
}

/// `text` with about half of its ideographs replaced by characters that
/// t2jp converts, keeping everything else (IDS structure included), so that
/// IDS operands are often convertible.
fn t2jp_flavour(text: &str) -> String {
    static KEYS: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let mut k: Vec<char> = t2jp_map().keys().copied().collect();
        k.sort_unstable();
        k
    });
    text.chars()
        .map(|c| {
            let cp = c as u32;
            let ideograph = (0x3400..=0x9FFF).contains(&cp) || (0x20000..=0x3134F).contains(&cp);
            if ideograph && cp.is_multiple_of(2) {
                keys[(cp as usize / 2) % keys.len()]
            } else {
                c
            }
        })
        .collect()
}

fn model_t2jp(map: &HashMap<char, char>, text: &str) -> String {
    let s: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < s.len() {
        let n = ids_len(&s[i..]);
        if n > 0 {
            out.extend(&s[i..i + n]);
            i += n;
        } else {
            out.push(map.get(&s[i]).copied().unwrap_or(s[i]));
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Plain tests

#[test]
fn empty_text_converts_to_empty() {
    let user = user_dict(&[("漢字".to_owned(), "XY".to_owned())]);
    for name in CONFIG_NAMES {
        assert_eq!(Converter::new(name).unwrap().convert(""), "", "{name}");
        let with_user = Converter::with_user_dicts(name, std::slice::from_ref(&user)).unwrap();
        assert_eq!(with_user.convert(""), "", "{name} with a user dictionary");
    }
}

/// The claim "ASCII-only text is unchanged" rests on the dictionaries: some
/// keys contain ASCII (`SQL注入`, `B超`), but none is ASCII only.
#[test]
fn no_dictionary_key_is_ascii_only() {
    for d in dicts() {
        for e in &d.entries {
            assert!(
                !e.key.is_ascii(),
                "{}: key {:?} is ASCII only",
                d.file,
                e.key
            );
        }
    }
}

#[test]
fn user_entry_overrides_builtin_conversion() {
    let t2s = Converter::new("t2s").unwrap();
    assert_eq!(t2s.convert("漢字轉換"), "汉字转换");
    let user = user_dict(&[("漢字".to_owned(), "XY".to_owned())]);
    let conv = Converter::with_user_dicts("t2s", &[user]).unwrap();
    assert_eq!(conv.convert("漢字"), "XY");
    assert_eq!(conv.convert("漢字轉換"), "XY转换");
    assert_eq!(conv.convert("轉換漢字\n漢語"), "转换XY\n汉语");
}

#[test]
fn later_user_dictionary_and_longer_key_win() {
    let first = user_dict(&[("漢字".to_owned(), "A".to_owned())]);
    let second = user_dict(&[
        ("漢字".to_owned(), "B".to_owned()),
        ("漢字轉".to_owned(), "C".to_owned()),
    ]);
    let conv = Converter::with_user_dicts("t2s", &[first, second]).unwrap();
    assert_eq!(conv.convert("漢字"), "B");
    assert_eq!(conv.convert("漢字轉換"), "C换");
}

#[test]
fn t2jp_model_checks_ids_limits() {
    // The model itself, on the limits hand-checked against OpenCC 1.4.2:
    // 15 nested operators are a sequence, 16 are not.
    let map = t2jp_map();
    let ok = "⿰".repeat(15) + &"x".repeat(16);
    assert_eq!(ids_len(&ok.chars().collect::<Vec<_>>()), 31);
    let deep = "⿰".repeat(16) + &"x".repeat(17);
    assert_eq!(ids_len(&deep.chars().collect::<Vec<_>>()), 0);
    assert_eq!(ids_len(&['⿾', 'x', 'y']), 2, "U+2FFE is unary");
    // 亞 is 亜 in t2jp, except as an IDS component.
    assert_eq!(model_t2jp(map, "⿰亞亞亞"), "⿰亞亞亜");
    let t2jp = Converter::new("t2jp").unwrap();
    assert_eq!(t2jp.convert("⿰亞亞亞"), "⿰亞亞亜");
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// Conversion never panics, and no configuration adds or removes a line
    /// break, carriage return, tab or space.
    #[test]
    fn layout_characters_are_preserved(text in text(48)) {
        let want = layout_counts(&text);
        for conv in converters() {
            let out = conv.convert(&text);
            prop_assert_eq!(
                layout_counts(&out), want,
                "{}: {} -> {}", conv.name(), show(&text), show(&out)
            );
        }
    }

    /// The same with user dictionaries in play.
    #[test]
    fn layout_characters_are_preserved_with_user_dict(
        entries in user_entries(6),
        text in text(32),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        let conv = Converter::with_user_dicts(config, &[user_dict(&entries)]).unwrap();
        let out = conv.convert(&text);
        prop_assert_eq!(layout_counts(&out), layout_counts(&text));
    }

    /// `convert_into` appends: what was in the buffer stays in front.
    #[test]
    fn convert_into_appends(prefix in text(6), text in text(32)) {
        for conv in converters() {
            let mut out = prefix.clone();
            conv.convert_into(&text, &mut out);
            prop_assert!(out.starts_with(&prefix), "{}: prefix lost", conv.name());
            prop_assert!(
                out[prefix.len()..] == conv.convert(&text),
                "{}: {} appended as {}, converts to {}",
                conv.name(), show(&text), show(&out[prefix.len()..]), show(&conv.convert(&text))
            );
        }
    }

    /// A newline ends every match and every IDS that starts before it does
    /// not reach: lines convert independently of each other.
    #[test]
    fn lines_convert_independently(
        a in text_no_ids(24),
        b in text(24),
        user in prop::option::of(user_entries(4)),
    ) {
        let dicts: Vec<UserDict> = user.as_deref().map(user_dict).into_iter().collect();
        let joined = format!("{a}\n{b}");
        for name in CONFIG_NAMES {
            let conv = Converter::with_user_dicts(name, &dicts).unwrap();
            let whole = conv.convert(&joined);
            let parts = format!("{}\n{}", conv.convert(&a), conv.convert(&b));
            prop_assert!(
                whole == parts,
                "{name}: {} converts to\n  {}\nbut its lines to\n  {}",
                show(&joined), show(&whole), show(&parts)
            );
        }
    }

    /// More generally, any character that occurs in no key of a
    /// configuration's dictionaries (read from its config file) separates
    /// the text into independently converted parts, and is itself kept.
    #[test]
    fn characters_in_no_key_separate(a in text_no_ids(24), c in any_char(), b in text(24)) {
        prop_assume!(!is_ids_operator(c));
        let joined = format!("{a}{c}{b}");
        for conv in converters() {
            if key_chars(conv.name()).contains(&c) {
                continue;
            }
            let whole = conv.convert(&joined);
            let parts = format!("{}{c}{}", conv.convert(&a), conv.convert(&b));
            prop_assert!(
                whole == parts,
                "{}: {} converts to\n  {}\nbut around {} to\n  {}",
                conv.name(), show(&joined), show(&whole), show(&c.to_string()), show(&parts)
            );
        }
    }

    /// Text made only of characters that occur in no key is left alone.
    #[test]
    fn text_outside_all_keys_is_unchanged(text in text(48)) {
        for conv in converters() {
            let keys = key_chars(conv.name());
            let plain: String = text.chars().filter(|c| !keys.contains(c)).collect();
            let out = conv.convert(&plain);
            prop_assert!(
                out == plain,
                "{}: {} became {}", conv.name(), show(&plain), show(&out)
            );
        }
    }

    /// ASCII text is unchanged by every configuration (see
    /// `no_dictionary_key_is_ascii_only`), including the ASCII that starts
    /// Taiwan phrase keys.
    #[test]
    fn ascii_is_unchanged(text in prop::collection::vec(
        prop_oneof![4 => ascii_run(), 1 => Just("\n".to_owned()), 1 => Just("\r\n".to_owned())],
        0..24,
    ).prop_map(|v| v.concat())) {
        for conv in converters() {
            prop_assert_eq!(conv.convert(&text), text.clone(), "{}", conv.name());
        }
    }

    /// `none` changes nothing, whatever the text.
    #[test]
    fn none_is_identity(text in text(48)) {
        prop_assert_eq!(Converter::new("none").unwrap().convert(&text), text);
    }

    /// A user entry wins over the built-in dictionaries wherever its key
    /// occurs, and the text around it converts as if the key were not there.
    #[test]
    fn user_entry_wins_and_surroundings_convert_normally(
        (key, value) in (user_key(), user_value()),
        a in text(16),
        b in text(16),
        c in text(16),
        config in prop::sample::select(CONFIG_NAMES),
    ) {
        // No user match may start in the surrounding text: keep the key's
        // characters out of it.
        let strip = |s: &str| -> String { s.chars().filter(|ch| !key.contains(*ch)).collect() };
        let (a, b, c) = (strip(&a), strip(&b), strip(&c));
        let plain = Converter::new(config).unwrap();
        let conv = Converter::with_user_dicts(config, &[user_dict(&[(key.clone(), value.clone())])])
            .unwrap();
        let text = format!("{a}{key}{b}{key}{c}");
        let want = format!(
            "{}{value}{}{value}{}",
            plain.convert(&a), plain.convert(&b), plain.convert(&c)
        );
        let got = conv.convert(&text);
        prop_assert!(
            got == want,
            "{config} with {} -> {}: {} converts to\n  {}\nexpected\n  {}",
            show(&key), show(&value), show(&text), show(&got), show(&want)
        );
    }
}

proptest! {
    // One configuration, cheap cases: more of them, for the rare shapes
    // near the IDS limits.
    #![proptest_config(ProptestConfig::with_cases(768))]

    /// t2jp agrees with the character-map model, IDS handling included.
    #[test]
    fn t2jp_matches_model(text in text(48).prop_map(|t| t2jp_flavour(&t))) {
        let conv = Converter::new("t2jp").unwrap();
        let got = conv.convert(&text);
        let want = model_t2jp(t2jp_map(), &text);
        prop_assert!(
            got == want,
            "{} converts to\n  {}\nmodel:\n  {}\n{}",
            show(&text), show(&got), show(&want), first_difference(&want, &got)
        );
    }

    /// t2jp is idempotent: its character map, applied twice, is the map
    /// applied once (checked against the dictionaries), and it never changes
    /// which characters are IDS operators or how many code points there are.
    /// Most other configs are not idempotent (t2s maps 乾 to 干 but keeps
    /// 乾隆; s2t and jp2t have keys whose output converts further).
    #[test]
    fn t2jp_is_idempotent(text in text(48).prop_map(|t| t2jp_flavour(&t))) {
        let map = t2jp_map();
        for (c, v) in map {
            let twice = map.get(v).copied().unwrap_or(*v);
            prop_assert_eq!(twice, *v, "{} -> {} -> {}", c, v, twice);
        }
        let conv = Converter::new("t2jp").unwrap();
        let once = conv.convert(&text);
        prop_assert_eq!(conv.convert(&once), once);
    }
}
