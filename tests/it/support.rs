//! Helpers the test groups share: running the binary ([`cli`]), and the
//! generators of the property tests (`convert_props`, `stream_props`).
//!
//! Text is built from pieces that are realistic (real OpenCC dictionary keys
//! and values, their prefixes, keys glued together) and adversarial (IDS
//! operators with complete, cut-short, nested, too-deep and too-long
//! operand lists; compatibility ideographs; astral characters; variation
//! selectors and combining marks; CR/LF/tab; a rare NUL or BOM).
//!
//! The dictionaries are read from `dictionaries/*.txt` at test start, so the
//! generators follow the data the engine was built from. The configurations'
//! dictionary lists are read from `dictionaries/config/*.json`, which gives
//! the tests an oracle that does not come from the engine: the set of
//! characters occurring in some key of a configuration.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use zhnorm::convert::UserDict;

pub mod cli;

pub const DICT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries");

/// One dictionary line: a key and its values (the first one is used).
#[derive(Debug)]
pub struct Entry {
    pub key: String,
    pub values: Vec<String>,
}

/// One dictionary file.
#[derive(Debug)]
pub struct Dict {
    pub file: String,
    pub entries: Vec<Entry>,
}

impl Dict {
    /// The first value of every key, as OpenCC uses it.
    pub fn map(&self) -> HashMap<&str, &str> {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.values[0].as_str()))
            .collect()
    }
}

fn parse_dict(file: &str, text: &str) -> Dict {
    let mut entries = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, values) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("{file}: no tab in {line:?}"));
        let values: Vec<String> = values.split(' ').map(str::to_owned).collect();
        assert!(!key.is_empty() && !values[0].is_empty(), "{file}: {line:?}");
        entries.push(Entry {
            key: key.to_owned(),
            values,
        });
    }
    assert!(!entries.is_empty(), "{file} has no entries");
    Dict {
        file: file.to_owned(),
        entries,
    }
}

/// Every dictionary in `dictionaries/`, sorted by file name.
pub fn dicts() -> &'static [Dict] {
    static DICTS: OnceLock<Vec<Dict>> = OnceLock::new();
    DICTS.get_or_init(|| {
        let mut files: Vec<_> = std::fs::read_dir(DICT_DIR)
            .expect("read dictionaries/")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        let dicts: Vec<Dict> = files
            .iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                parse_dict(&name, &std::fs::read_to_string(p).unwrap())
            })
            .collect();
        assert!(dicts.len() >= 20, "expected OpenCC's dictionaries");
        dicts
    })
}

pub fn dict(file: &str) -> &'static Dict {
    dicts()
        .iter()
        .find(|d| d.file == file)
        .unwrap_or_else(|| panic!("no dictionary {file}"))
}

/// Dictionary files named by a config's `dict` object, recursively.
fn dict_files(v: &serde_json::Value, out: &mut Vec<String>) {
    if let Some(f) = v.get("file").and_then(|f| f.as_str()) {
        out.push(f.to_owned());
    }
    if let Some(list) = v.get("dicts").and_then(|d| d.as_array()) {
        for d in list {
            dict_files(d, out);
        }
    }
}

/// The dictionary files a configuration uses in any stage (none for `none`).
pub fn config_files(config: &str) -> Vec<String> {
    if config == "none" {
        return Vec::new();
    }
    let path = format!("{DICT_DIR}/config/{config}.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut files = Vec::new();
    for stage in doc["normalization"].as_array().into_iter().flatten() {
        dict_files(&stage["dict"], &mut files);
    }
    if let Some(seg) = doc.get("segmentation") {
        dict_files(&seg["dict"], &mut files);
    }
    for stage in doc["conversion_chain"].as_array().unwrap() {
        dict_files(&stage["dict"], &mut files);
    }
    assert!(!files.is_empty(), "{config}: no dictionaries found");
    files
}

/// Characters that occur in some key of some dictionary of `config`.
/// A character outside this set can never be part of a match, so (outside
/// an IDS) text on either side of it converts independently.
pub fn key_chars(config: &str) -> &'static HashSet<char> {
    static CACHE: OnceLock<HashMap<&'static str, HashSet<char>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        zhnorm::convert::CONFIG_NAMES
            .iter()
            .map(|&name| {
                let mut set = HashSet::new();
                for f in config_files(name) {
                    for e in &dict(&f).entries {
                        set.extend(e.key.chars());
                    }
                }
                (name, set)
            })
            .collect()
    });
    &cache[config]
}

/// Whether `c` is an ideographic description operator.
pub fn is_ids_operator(c: char) -> bool {
    ('\u{2FF0}'..='\u{2FFF}').contains(&c)
}

pub fn has_ids_operator(s: &str) -> bool {
    s.chars().any(is_ids_operator)
}

/// `s` with Rust escapes for everything outside printable ASCII and CJK,
/// for failure messages that show invisible characters.
pub fn show(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let cp = c as u32;
        let plain = (0x20..0x7F).contains(&cp)
            || (0x3400..=0x9FFF).contains(&cp)
            || (0x3000..=0x303F).contains(&cp)
            || (0xFF00..=0xFFEF).contains(&cp);
        if plain {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{cp:X}}}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Pieces of text

fn pick_entry() -> impl Strategy<Value = &'static Entry> {
    // File first, then a line: small files (the Taiwan and Hong Kong
    // variants, the phrases with ASCII in them) come up as often as the
    // 49,000-line STPhrases.
    (any::<Index>(), any::<Index>()).prop_map(|(f, e)| {
        let d = &dicts()[f.index(dicts().len())];
        &d.entries[e.index(d.entries.len())]
    })
}

/// A dictionary key.
pub fn dict_key() -> impl Strategy<Value = String> {
    pick_entry().prop_map(|e| e.key.clone())
}

/// One of a key's values (not only the first: the others are real text too).
pub fn dict_value() -> impl Strategy<Value = String> {
    (pick_entry(), any::<Index>()).prop_map(|(e, i)| e.values[i.index(e.values.len())].clone())
}

/// A proper prefix of a multi-character key: matching must back off.
pub fn key_prefix() -> impl Strategy<Value = String> {
    (pick_entry(), any::<Index>()).prop_map(|(e, i)| {
        let n = e.key.chars().count();
        let take = if n > 1 { 1 + i.index(n - 1) } else { 1 };
        e.key.chars().take(take).collect()
    })
}

/// A proper suffix of a key followed by another key, or a key cut short
/// followed by a key: overlapping candidates for greedy matching.
pub fn glued_keys() -> impl Strategy<Value = String> {
    (pick_entry(), pick_entry(), any::<Index>(), any::<bool>()).prop_map(|(a, b, i, suffix)| {
        let n = a.key.chars().count();
        let k = i.index(n.max(1));
        let part: String = if suffix {
            a.key.chars().skip(k).collect()
        } else {
            a.key.chars().take(k + 1).collect()
        };
        part + &b.key
    })
}

/// One character of a key.
pub fn key_char() -> impl Strategy<Value = String> {
    (pick_entry(), any::<Index>()).prop_map(|(e, i)| {
        let chars: Vec<char> = e.key.chars().collect();
        chars[i.index(chars.len())].to_string()
    })
}

fn char_in(lo: u32, hi: u32) -> impl Strategy<Value = char> {
    (lo..=hi).prop_map(|c| char::from_u32(c).expect("range holds no surrogates"))
}

/// ASCII words, digits, punctuation and spaces; sometimes the capitals that
/// start Taiwan phrase keys (`SQL注入`, `PN結`, `BMW集團`, `U盤`).
pub fn ascii_run() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~]{1,12}",
        2 => "[A-Za-z0-9]{1,8}",
        1 => prop::sample::select(vec!["SQL", "PN", "BMW", "U", "A", "B", "E", "SQL注"])
            .prop_map(str::to_owned),
    ]
}

pub fn whitespace() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["\n", "\r\n", "\t", " ", "\n\n", "\r", "\u{3000}"])
        .prop_map(str::to_owned)
}

pub fn cjk_punct() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "，", "。", "！", "？", "「", "」", "『", "』", "、", "；", "：", "（", "）", "…", "—",
        "《", "》", "·", "～",
    ])
    .prop_map(str::to_owned)
}

/// Any CJK unified ideograph (BMP, extension A) or a kana.
pub fn random_cjk() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => char_in(0x4E00, 0x9FFF),
        1 => char_in(0x3400, 0x4DBF),
        1 => char_in(0x3040, 0x30FF),
    ]
    .prop_map(String::from)
}

/// Supplementary-plane ideographs and emoji.
pub fn astral() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => char_in(0x20000, 0x2A6DF),
        1 => char_in(0x2A700, 0x2EBE0),
        2 => char_in(0x1F300, 0x1FAFF),
        1 => Just('\u{1F468}'),
    ]
    .prop_map(String::from)
}

/// CJK compatibility ideographs, which every OpenCC config normalises.
pub fn compat() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => char_in(0xF900, 0xFAFF),
        1 => char_in(0x2F800, 0x2FA1F),
    ]
    .prop_map(String::from)
}

/// Variation selectors, combining marks, joiners.
pub fn marks() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => char_in(0xFE00, 0xFE0F),
        2 => char_in(0xE0100, 0xE01EF),
        2 => char_in(0x0300, 0x036F),
        1 => char_in(0x3099, 0x309A),
        1 => Just('\u{200D}'),
        1 => Just('\u{20E3}'),
    ]
    .prop_map(String::from)
}

pub fn ids_operator() -> impl Strategy<Value = char> {
    char_in(0x2FF0, 0x2FFF)
}

pub fn ids_arity(op: char) -> usize {
    match op as u32 {
        0x2FF2 | 0x2FF3 => 3,
        0x2FFE | 0x2FFF => 1,
        _ => 2,
    }
}

/// One IDS operand that is not itself a sequence: usually one character,
/// sometimes several (so the "operand" spills into following text), and
/// sometimes characters that are not ideographs at all.
fn ids_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => key_char(),
        2 => random_cjk(),
        1 => dict_key(),
        1 => astral(),
        1 => compat(),
        1 => "[a-z]",
        1 => whitespace(),
        1 => marks(),
    ]
}

/// A one-character operand.
fn ids_leaf_char() -> impl Strategy<Value = String> {
    ids_leaf().prop_map(|s| s.chars().next().map(String::from).unwrap_or_default())
}

/// A well-formed (possibly nested) IDS.
pub fn ids_complete() -> impl Strategy<Value = String> {
    ids_leaf().prop_recursive(5, 200, 3, |inner| {
        (ids_operator(), prop::collection::vec(inner, 3)).prop_map(|(op, operands)| {
            let mut s = String::from(op);
            for o in operands.iter().take(ids_arity(op)) {
                s.push_str(o);
            }
            s
        })
    })
}

/// Operators and operands in every state: complete, cut short, nested past
/// the depth limit, longer than the code-point limit, bare operators.
pub fn ids() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => ids_complete(),
        3 => ids_cut_short(),
        2 => ids_operator().prop_map(String::from),
        2 => ids_deep(),
        2 => ids_near_size_limit(),
    ]
}

/// A sequence cut short: a prefix of one, at least the operator.
pub fn ids_cut_short() -> impl Strategy<Value = String> {
    (ids_complete(), any::<Index>()).prop_map(|(s, i)| {
        let n = s.chars().count();
        s.chars().take(1 + i.index(n)).collect()
    })
}

/// ⿰⿰…⿰ a b …: nested 4 to 18 deep (15 is the most OpenCC accepts), with
/// a long run of operands after the last operator.
pub fn ids_deep() -> impl Strategy<Value = String> {
    (4usize..=18, prop::collection::vec(ids_leaf_char(), 19))
        .prop_map(|(depth, leaves)| "⿰".repeat(depth) + &leaves[..=depth].concat())
}

/// ⿲(a, ⿲bcd, ⿲(e, ⿲fgh, … tail)): 6 code points a level, nesting within
/// the limit, 55 to 71 code points in all, mostly 61, 63, 64 and 65: around
/// the limit of 64. Only a complete sequence protects the operand right
/// after the outermost operator from conversion.
pub fn ids_near_size_limit() -> impl Strategy<Value = String> {
    (
        prop_oneof![3 => Just(10usize), 1 => 9usize..=11],
        0usize..4,
        prop::collection::vec(ids_leaf_char(), 70),
    )
        .prop_map(|(levels, tail, leaves)| {
            let tail = ["c", "⿰cc", "⿲ccc", "⿱c⿰cc"][tail];
            let shape = "⿲c⿲ccc".repeat(levels) + tail;
            let mut leaves = leaves.iter();
            let mut s = String::new();
            for ch in shape.chars() {
                if ch == 'c' {
                    s.push_str(leaves.next().expect("enough leaves"));
                } else {
                    s.push(ch);
                }
            }
            s
        })
}

/// A rare odd character: NUL, BOM, replacement character, lone controls.
pub fn odd() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\0", "\u{FEFF}", "\u{FFFD}", "\u{7F}", "\u{85}", "\u{2028}",
    ])
    .prop_map(str::to_owned)
}

/// One piece of text of any kind.
pub fn piece() -> BoxedStrategy<String> {
    prop_oneof![
        24 => dict_key(),
        8 => dict_value(),
        8 => key_prefix(),
        6 => glued_keys(),
        6 => key_char(),
        8 => ascii_run(),
        8 => whitespace(),
        5 => cjk_punct(),
        6 => random_cjk(),
        3 => astral(),
        3 => compat(),
        4 => ids(),
        3 => marks(),
        1 => odd(),
    ]
    .boxed()
}

/// Like [`piece`] without IDS operators.
pub fn piece_no_ids() -> BoxedStrategy<String> {
    piece().prop_map(|s| s.replace(is_ids_operator, "")).boxed()
}

/// A text of up to `max_pieces` pieces.
pub fn text(max_pieces: usize) -> BoxedStrategy<String> {
    prop::collection::vec(piece(), 0..=max_pieces)
        .prop_map(|v| v.concat())
        .boxed()
}

/// A text without IDS operators.
pub fn text_no_ids(max_pieces: usize) -> BoxedStrategy<String> {
    prop::collection::vec(piece_no_ids(), 0..=max_pieces)
        .prop_map(|v| v.concat())
        .boxed()
}

// ---------------------------------------------------------------------------
// Chunking

/// Chunk sizes (in characters or bytes): empty, single, small and big.
pub fn chunk_plan() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![
            2 => Just(0usize),
            3 => Just(1usize),
            4 => 2usize..8,
            2 => 8usize..64,
            1 => 64usize..100_000,
        ],
        0..48,
    )
}

/// `text` cut into chunks of `plan`'s sizes in characters; whatever is left
/// when the plan runs out is the last chunk. Concatenated, the chunks are `text`.
pub fn split_chars<'a>(text: &'a str, plan: &[usize]) -> Vec<&'a str> {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let mut chunks = Vec::new();
    let mut at = 0; // index into `bounds`
    for &n in plan {
        let to = (at + n).min(bounds.len() - 1);
        chunks.push(&text[bounds[at]..bounds[to]]);
        at = to;
    }
    chunks.push(&text[bounds[at]..]);
    debug_assert_eq!(chunks.concat(), text);
    chunks
}

/// `bytes` cut into chunks of `plan`'s sizes in bytes, the rest last.
pub fn split_bytes<'a>(bytes: &'a [u8], plan: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut at = 0;
    for &n in plan {
        let to = (at + n).min(bytes.len());
        chunks.push(&bytes[at..to]);
        at = to;
    }
    chunks.push(&bytes[at..]);
    chunks
}

// ---------------------------------------------------------------------------
// User dictionaries

/// A user dictionary key: a real key, part of one, or made-up text; never
/// whitespace (the format forbids it) nor a leading `#` (a comment).
pub fn user_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => dict_key(),
        2 => key_prefix(),
        2 => glued_keys(),
        2 => key_char(),
        1 => (ascii_run(), random_cjk()).prop_map(|(a, b)| a + &b),
        1 => (random_cjk(), ids_operator(), random_cjk()).prop_map(|(a, op, b)| format!("{a}{op}{b}")),
        1 => (key_char(), compat()).prop_map(|(a, b)| a + &b),
    ]
    .prop_map(|k| k.replace(char::is_whitespace, ""))
    .prop_filter("usable user key", |k| {
        !k.is_empty() && !k.starts_with('#') && !k.starts_with('\u{FEFF}')
    })
}

/// A user dictionary value: anything without spaces, tabs or line breaks.
pub fn user_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => dict_value(),
        2 => "[A-Za-z0-9_]{1,6}",
        1 => dict_key(),
        1 => ids_complete(),
        1 => Just("⿰".to_owned()),
    ]
    .prop_map(|v| v.replace(char::is_whitespace, ""))
    .prop_filter("non-empty value", |v| !v.is_empty())
}

pub fn user_entries(max: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((user_key(), user_value()), 1..=max)
}

/// A parsed user dictionary with these entries.
pub fn user_dict(entries: &[(String, String)]) -> UserDict {
    let mut text = String::new();
    for (k, v) in entries {
        text.push_str(k);
        text.push('\t');
        text.push_str(v);
        text.push('\n');
    }
    UserDict::parse(Path::new("user.txt"), &text)
        .unwrap_or_else(|e| panic!("generated user dictionary rejected: {e}\n{text}"))
}

/// Where two strings first differ, with some context, for failure messages
/// about long texts.
pub fn first_difference(expected: &str, got: &str) -> String {
    let e: Vec<char> = expected.chars().collect();
    let g: Vec<char> = got.chars().collect();
    let i = e.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let from = i.saturating_sub(24);
    let ctx = |v: &[char]| show(&v[from..(i + 24).min(v.len())].iter().collect::<String>());
    format!(
        "first difference at char {i} (lengths {} and {}):\n  expected: …{}…\n  got:      …{}…",
        e.len(),
        g.len(),
        ctx(&e),
        ctx(&g)
    )
}

/// `len` pseudo-random bytes of 0x80-0xFF (xorshift from `seed`): the
/// random high bytes that cost most per byte to search for mojibake.
/// The same seed gives the same bytes on every run.
pub fn random_high_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = seed | 1;
    (0..len)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            0x80 | rng as u8
        })
        .collect()
}
