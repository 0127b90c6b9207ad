//! The HTML character reference decoder: a hand-written case table, every
//! split point of those cases, and property tests with `htmlize` as the
//! independent oracle (its `unescape_attribute` is the WHATWG attribute-value
//! decoding, which is exactly `EntityMode::Attribute`).

use std::borrow::Cow;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use zhnorm::clean::entities::{
    decode, decode_into, EntityDecoder, EntityMode, EntityStats, MAX_WAITING,
};

const MODES: [EntityMode; 3] = [EntityMode::Text, EntityMode::Markup, EntityMode::Attribute];

fn text(s: &str) -> String {
    decode(s, EntityMode::Text).0.into_owned()
}

fn markup(s: &str) -> String {
    decode(s, EntityMode::Markup).0.into_owned()
}

fn attribute(s: &str) -> String {
    decode(s, EntityMode::Attribute).0.into_owned()
}

fn oracle(s: &str) -> String {
    htmlize::unescape_attribute(s).into_owned()
}

/// Pushes `chunks` through one decoder and finishes it; also returns the
/// summed statistics.
fn streamed(chunks: &[&str], mode: EntityMode) -> (String, EntityStats) {
    let mut dec = EntityDecoder::new(mode);
    let mut out = String::new();
    let mut stats = EntityStats::default();
    for c in chunks {
        stats += dec.push(c, &mut out);
    }
    stats += dec.finish(&mut out);
    (out, stats)
}

fn whole(s: &str, mode: EntityMode) -> (String, EntityStats) {
    let mut out = String::new();
    let stats = decode_into(s, mode, &mut out);
    (out, stats)
}

fn char_boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

// ---------------------------------------------------------------------------
// Hand-written cases: input, then the expected Text, Markup and Attribute
// output. The Attribute column is also checked against htmlize.

const CASES: &[(&str, &str, &str, &str)] = &[
    // Ordinary references in Chinese text.
    (
        "北京时间&nbsp;2024年&nbsp;5月",
        "北京时间\u{a0}2024年\u{a0}5月",
        "北京时间\u{a0}2024年\u{a0}5月",
        "北京时间\u{a0}2024年\u{a0}5月",
    ),
    (
        "&#20013;&#25991;&#x7F51;&#X9875;",
        "中文网页",
        "中文网页",
        "中文网页",
    ),
    ("&#x7f51;&#x0009875;", "网页", "网页", "网页"),
    (
        "他说&ldquo;你好&rdquo;&hellip;",
        "他说\u{201c}你好\u{201d}\u{2026}",
        "他说\u{201c}你好\u{201d}\u{2026}",
        "他说\u{201c}你好\u{201d}\u{2026}",
    ),
    (
        "价格&lt;100元&amp;包邮",
        "价格<100元&包邮",
        "价格&lt;100元&amp;包邮",
        "价格<100元&包邮",
    ),
    // Semicolons left off.
    ("&#x4e2d&#20013文", "中中文", "中中文", "中中文"),
    (
        "版权所有 &copy 2024",
        "版权所有 © 2024",
        "版权所有 © 2024",
        "版权所有 © 2024",
    ),
    ("&amp ", "& ", "&amp ", "& "),
    // The attribute rule: legacy names without `;` before a letter, digit or
    // `=` stay, so query strings survive.
    (
        "http://example.com/list?page=2&sectionId=7&copy=3&lang=zh&amp=1",
        "http://example.com/list?page=2&sectionId=7&copy=3&lang=zh&amp=1",
        "http://example.com/list?page=2&sectionId=7&copy=3&lang=zh&amp=1",
        "http://example.com/list?page=2&sectionId=7&copy=3&lang=zh&amp=1",
    ),
    (
        "a&lt3 b&lt;3 c&lt",
        "a&lt3 b<3 c<",
        "a&lt3 b&lt;3 c&lt",
        "a&lt3 b<3 c<",
    ),
    (
        "&ampx&notit;",
        "&ampx&notit;",
        "&ampx&notit;",
        "&ampx&notit;",
    ),
    // Longest prefix: `&not` is a legacy name, `&notin;` a longer one.
    (
        "&notin; &not it &noti",
        "\u{2209} \u{ac} it &noti",
        "\u{2209} \u{ac} it &noti",
        "\u{2209} \u{ac} it &noti",
    ),
    (
        "&CounterClockwiseContourIntegral;&CounterClockwiseContourIntegralX;",
        "\u{2233}&CounterClockwiseContourIntegralX;",
        "\u{2233}&CounterClockwiseContourIntegralX;",
        "\u{2233}&CounterClockwiseContourIntegralX;",
    ),
    // Names with two code points.
    (
        "&NotEqualTilde;&nGg;&fjlig;&bne;",
        "\u{2242}\u{338}\u{22d9}\u{338}fj=\u{20e5}",
        "\u{2242}\u{338}\u{22d9}\u{338}fj=\u{20e5}",
        "\u{2242}\u{338}\u{22d9}\u{338}fj=\u{20e5}",
    ),
    // Numeric edge cases: the windows-1252 remap (0x81 has no mapping),
    // invalid values, and code points kept although the spec calls them
    // parse errors.
    (
        "&#150;&#128;&#x9F;&#129;",
        "\u{2013}\u{20ac}\u{178}\u{81}",
        "\u{2013}\u{20ac}\u{178}\u{81}",
        "\u{2013}\u{20ac}\u{178}\u{81}",
    ),
    (
        "&#0;&#xD800;&#xdfff;&#x110000;&#99999999999;",
        "\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}",
        "\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}",
        "\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}",
    ),
    (
        "&#xFFFE;&#x1FFFF;&#1;&#13;&#x7F;&#x10FFFF;",
        "\u{fffe}\u{1ffff}\u{1}\r\u{7f}\u{10ffff}",
        "\u{fffe}\u{1ffff}\u{1}\r\u{7f}\u{10ffff}",
        "\u{fffe}\u{1ffff}\u{1}\r\u{7f}\u{10ffff}",
    ),
    // Not references at all.
    (
        "AT&T 与 R&D、a && b、&;、&#;、&#x;、&#xg、&",
        "AT&T 与 R&D、a && b、&;、&#;、&#x;、&#xg、&",
        "AT&T 与 R&D、a && b、&;、&#;、&#x;、&#xg、&",
        "AT&T 与 R&D、a && b、&;、&#;、&#x;、&#xg、&",
    ),
    // Double escapes.
    (
        "标题：&amp;quot;新闻&amp;quot;",
        "标题：\"新闻\"",
        "标题：&quot;新闻&quot;",
        "标题：&quot;新闻&quot;",
    ),
    (
        "&amp;#20013;&amp;#x56FD;",
        "中国",
        "中国",
        "&#20013;&#x56FD;",
    ),
    (
        "&#38;#20013;&#x26;nbsp;",
        "中\u{a0}",
        "中\u{a0}",
        "&#20013;&nbsp;",
    ),
    ("&amp;amp;nbsp;", "\u{a0}", "\u{a0}", "&amp;nbsp;"),
    ("&amp;amp;amp;quot;", "\"", "&quot;", "&amp;amp;quot;"),
    ("&amp;lt;b&amp;gt;", "<b>", "&lt;b&gt;", "&lt;b&gt;"),
    ("&amp;amp; &amp;", "& &", "&amp; &amp;", "&amp; &"),
    ("&amp;nbsp 元", "\u{a0} 元", "\u{a0} 元", "&nbsp 元"),
    ("&amp;copy=3", "&copy=3", "&amp;copy=3", "&copy=3"),
    // A reference that only appears once its neighbours are decoded.
    ("&&#108;t;", "<", "&lt;", "&lt;"),
    ("&&#110;bsp;", "\u{a0}", "\u{a0}", "&nbsp;"),
    // Markup keeps a kept reference's meaning: a decoded `;` or `1` must not
    // run into a kept `&lt` or `&amp`, so those get their `;`.
    ("&lt&#59;", "<;", "&lt;;", "<;"),
    ("&amp&#49;", "&1", "&amp;1", "&1"),
    (
        "&#60&#x31;&#x3c&#x61;&#38&#x61;",
        "<1<a&a",
        "&#60;1&#x3c;a&#38a",
        "<1<a&a",
    ),
    // Other syntax stays escaped in Markup, including a two-code-point name.
    (
        "&AMP;&QUOT;&apos;&GT",
        "&\"'>",
        "&AMP;&QUOT;&apos;&GT",
        "&\"'>",
    ),
    ("&nvlt;", "<\u{20d2}", "&nvlt;", "<\u{20d2}"),
];

#[test]
fn case_table() {
    for &(input, want_text, want_markup, want_attribute) in CASES {
        assert_eq!(text(input), want_text, "Text, {input:?}");
        assert_eq!(markup(input), want_markup, "Markup, {input:?}");
        assert_eq!(attribute(input), want_attribute, "Attribute, {input:?}");
        assert_eq!(oracle(input), want_attribute, "htmlize, {input:?}");
    }
}

/// Every split into two chunks, and one character at a time, as
/// encoding_rs's tests do for its decoders.
#[test]
fn case_table_every_split() {
    for &(input, ..) in CASES {
        let bounds = char_boundaries(input);
        for mode in MODES {
            let want = whole(input, mode);
            for &cut in &bounds {
                let got = streamed(&[&input[..cut], &input[cut..]], mode);
                assert_eq!(got, want, "{mode:?}, {input:?} cut at {cut}");
            }
            let singles: Vec<&str> = bounds.windows(2).map(|w| &input[w[0]..w[1]]).collect();
            assert_eq!(
                streamed(&singles, mode),
                want,
                "{mode:?}, {input:?} by chars"
            );
        }
    }
}

#[test]
fn case_table_is_a_fixed_point_in_text_mode() {
    for &(_, want_text, ..) in CASES {
        assert_eq!(text(want_text), want_text);
    }
}

#[test]
fn statistics() {
    let stats = |s, mode| decode(s, mode).1;
    let s = |decoded, double_escaped, invalid| EntityStats {
        decoded,
        double_escaped,
        invalid,
    };
    let input = "&amp;amp;quot;&nbsp;&#0;x&amp;";
    assert_eq!(stats(input, EntityMode::Text), s(4, 1, 1));
    // Markup leaves the last `&amp;` as it is, so it is not counted.
    assert_eq!(stats(input, EntityMode::Markup), s(3, 1, 1));
    assert_eq!(stats(input, EntityMode::Attribute), s(4, 0, 1));
    assert_eq!(stats("&lt;&amp;lt;&amp;", EntityMode::Markup), s(1, 1, 0));
    assert_eq!(stats("&&#108;t;", EntityMode::Text), s(1, 1, 0));
    assert_eq!(stats("a & b &c", EntityMode::Text), s(0, 0, 0));
}

/// Found by the fuzzer: Markup kept `&#108;` escaped after a kept `&amp`,
/// and a later Text decode of its output read `&lt1` (not a reference)
/// where the input means `<1`.
#[test]
fn regression_markup_chain_through_kept_form() {
    let input = "&amp&amp#108;t&#49";
    assert_eq!(text(input), "<1");
    assert_eq!(markup(input), "&lt;1");
    assert_eq!(text(&markup(input)), "<1");
    assert_eq!(attribute(input), "&&#108;t1");
    assert_eq!(oracle(input), "&&#108;t1");
}

#[test]
fn no_ampersand_is_borrowed() {
    for mode in MODES {
        let input = "纯文本，没有任何实体。";
        let (out, stats) = decode(input, mode);
        assert!(matches!(out, Cow::Borrowed(s) if std::ptr::eq(s, input)));
        assert_eq!(stats, EntityStats::default());
    }
}

#[test]
fn unchanged_text_with_ampersands_is_borrowed() {
    let input = "?a=1&sectionId=2 AT&T";
    assert!(matches!(
        decode(input, EntityMode::Text).0,
        Cow::Borrowed(_)
    ));
    assert!(matches!(
        decode("&lt;b&gt;", EntityMode::Markup).0,
        Cow::Borrowed(_)
    ));
}

#[test]
fn decode_into_appends() {
    let mut out = String::from("前缀");
    decode_into("&#x4e2d;", EntityMode::Text, &mut out);
    assert_eq!(out, "前缀中");
}

/// A reference split from its `;` by a chunk boundary must wait for it:
/// `&lt` alone would already be a (legacy) reference.
#[test]
fn reference_waits_across_chunks() {
    let mut dec = EntityDecoder::new(EntityMode::Text);
    let mut out = String::new();
    dec.push("x&no", &mut out);
    dec.push("ti", &mut out);
    assert_eq!(out, "x");
    dec.push("n;y", &mut out);
    assert_eq!(out, "x\u{2209}y");
    dec.push("&amp", &mut out);
    dec.finish(&mut out);
    assert_eq!(out, "x\u{2209}y&");
}

#[test]
fn decoder_is_reusable_after_finish() {
    let mut dec = EntityDecoder::new(EntityMode::Markup);
    let mut out = String::new();
    dec.push("&lt", &mut out);
    dec.finish(&mut out);
    // A new text: what ended the last one must not affect it.
    dec.push("&#49;", &mut out);
    dec.finish(&mut out);
    assert_eq!(out, "&lt1");
}

/// Leading zeros cannot make the streaming decoder hold more and more.
#[test]
fn long_digit_runs() {
    let zeros = "0".repeat(100_000);
    let input = format!("&#{zeros}60;&#x{zeros}4E2D;");
    assert_eq!(text(&input), "<中");
    assert_eq!(oracle(&input), "<中");
    // Markup keeps the `<` written, with the zeros capped at 16.
    let kept = format!("&#{}60;中", "0".repeat(16));
    assert_eq!(markup(&input), kept);
    let chunks: Vec<&str> = input
        .as_bytes()
        .chunks(7)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    assert_eq!(streamed(&chunks, EntityMode::Markup).0, kept);
    assert_eq!(text(&format!("&#{}", "9".repeat(50))), "\u{fffd}");
}

/// `&amp;amp;amp;...` of any depth decodes in full.
#[test]
fn deep_amp_chains() {
    let input = format!("&{}lt;", "amp;".repeat(1000));
    assert_eq!(text(&input), "<");
    assert_eq!(markup(&input), "&lt;");
    let chunks: Vec<&str> = input
        .as_bytes()
        .chunks(3)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    assert_eq!(streamed(&chunks, EntityMode::Text).0, "<");
}

/// References nested so that each `&` waits for the next: up to
/// `MAX_WAITING` waiting `&` are decoded in full; beyond, the oldest are
/// given up on, and the result is the same however the text is cut.
#[test]
fn nesting_limit() {
    // `&#` waits for a digit; the innermost `&#53;` gives `5`, making the
    // `&#53;` around it, and so on outwards.
    let nested = |depth: usize| format!("{}&#53;{}", "&#".repeat(depth), "3;".repeat(depth));
    let deepest = MAX_WAITING - 1;
    assert_eq!(text(&nested(deepest)), "5");
    let too_deep = nested(MAX_WAITING + 4);
    let out = text(&too_deep);
    assert_ne!(out, "5");
    assert!(out.starts_with("&#&#&#&#"), "{out}");
    for mode in MODES {
        let bounds = char_boundaries(&too_deep);
        let want = whole(&too_deep, mode);
        for &cut in &bounds {
            let got = streamed(&[&too_deep[..cut], &too_deep[cut..]], mode);
            assert_eq!(got, want, "{mode:?} cut at {cut}");
        }
    }
}

// ---------------------------------------------------------------------------
// Property tests.

const NAMES: &[&str] = &[
    "nbsp",
    "amp",
    "AMP",
    "lt",
    "LT",
    "gt",
    "quot",
    "QUOT",
    "apos",
    "copy",
    "sect",
    "not",
    "notin",
    "noti",
    "times",
    "timesbar",
    "ldquo",
    "rdquo",
    "hellip",
    "mdash",
    "yen",
    "NotEqualTilde",
    "nGg",
    "fjlig",
    "nvlt",
    "bne",
    "CounterClockwiseContourIntegral",
    "CounterClockwise",
    "AElig",
    "lang",
    "num",
    "semi",
    "equals",
    "Tab",
    "NewLine",
    "zwnj",
    "ap",
    "apE",
    "l",
    "n",
    "x",
    "sectionId",
    "ampx",
];

const BITS: &[&str] = &[
    "&", "&", "&amp;", "&#38;", "&#x26;", "&AMP;", "&amp", "#", ";", "x", "X", "=", "1", "5", "a",
    "t", "l", "中", "文", " ", "<", ">", "\"", "'", "\u{a0}", "&#", "&#x", "t;", "lt;", "bsp;",
    "&#108;", "&#110;", "&#x26;#",
];

/// Characters that end any reference and begin none.
const SEPARATORS: &[&str] = &[" ", "，", "中", "<", "\"", "\u{a0}", "-", "\n"];

fn numeric() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        3 => 0u32..0x11_0100,
        2 => select(&[0u32, 9, 13, 35, 38, 39, 59, 60, 62, 108, 116, 0x80, 0x81, 0x96, 0x9f,
            0xd800, 0xfffe, 0x4e2d, 0x10ffff, 0x110000, u32::MAX][..]),
    ];
    (
        value,
        0usize..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(v, zeros, hex, upper, semi)| {
            let zeros = "0".repeat(zeros);
            let semi = if semi { ";" } else { "" };
            match (hex, upper) {
                (false, _) => format!("&#{zeros}{v}{semi}"),
                (true, false) => format!("&#x{zeros}{v:x}{semi}"),
                (true, true) => format!("&#X{zeros}{v:X}{semi}"),
            }
        })
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (select(NAMES), any::<bool>())
            .prop_map(|(n, semi)| format!("&{n}{}", if semi { ";" } else { "" })),
        3 => numeric(),
        1 => select(NAMES).prop_map(String::from),
        4 => select(BITS).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Text dense in references, near-references and the characters that end or
/// extend them.
fn entity_text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => entity_text(), 1 => any::<String>()]
}

fn cut(s: &str, picks: &[Index]) -> Vec<usize> {
    let bounds = char_boundaries(s);
    let mut cuts: Vec<usize> = picks.iter().map(|i| *i.get(&bounds)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn chunks<'a>(s: &'a str, cuts: &[usize]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut from = 0;
    for &c in cuts {
        out.push(&s[from..c]);
        from = c;
    }
    out.push(&s[from..]);
    out
}

/// `&` written as a reference to itself, in one of several ways.
fn escape_amps(s: &str, forms: &[Index]) -> String {
    const FORMS: [&str; 5] = ["&amp;", "&#38;", "&#x26;", "&AMP;", "&#0038;"];
    let mut out = String::new();
    let mut n = 0;
    for ch in s.chars() {
        if ch == '&' {
            out.push_str(FORMS[forms[n % forms.len()].index(FORMS.len())]);
            n += 1;
        } else {
            out.push(ch);
        }
    }
    out
}

fn count(s: &str, c: char) -> usize {
    s.chars().filter(|&x| x == c).count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Attribute mode is the spec's attribute-value decoding.
    #[test]
    fn attribute_matches_htmlize(s in any_text()) {
        prop_assert_eq!(attribute(&s), oracle(&s));
    }

    /// However the text is cut, the output and the counts are those of the
    /// whole text.
    #[test]
    fn chunking_changes_nothing(s in any_text(), picks in prop::collection::vec(any::<Index>(), 0..8)) {
        let cuts = cut(&s, &picks);
        let parts = chunks(&s, &cuts);
        for mode in MODES {
            prop_assert_eq!(streamed(&parts, mode), whole(&s, mode), "{:?} {:?}", mode, parts);
        }
    }

    /// Text mode leaves no reference behind: decoding its output again, by
    /// zhnorm or by htmlize, changes nothing.
    #[test]
    fn text_mode_is_idempotent(s in any_text()) {
        let once = text(&s);
        prop_assert_eq!(&text(&once), &once);
        prop_assert_eq!(&oracle(&once), &once);
    }

    /// Escaping every `&` once more (as `&amp;`, `&#38;`, ...), any number of
    /// times, changes nothing in what Text mode makes of a text.
    #[test]
    fn text_mode_undoes_extra_escaping(
        s in any_text(),
        levels in 1usize..4,
        forms in prop::collection::vec(any::<Index>(), 1..6),
    ) {
        let mut x = s.clone();
        for _ in 0..levels {
            x = escape_amps(&x, &forms);
        }
        prop_assert_eq!(text(&x), text(&s), "input {:?}", x);
    }

    /// For text whose references stand apart (separated by characters that
    /// cannot continue one), extra escaping undone by Text mode gives what
    /// one standard pass over the original gives, whenever that pass leaves
    /// no reference behind.
    #[test]
    fn escaped_text_matches_one_standard_pass(
        refs in prop::collection::vec(piece(), 0..12),
        seps in prop::collection::vec(select(SEPARATORS), 12),
        levels in 0usize..4,
        forms in prop::collection::vec(any::<Index>(), 1..6),
    ) {
        let s: String = refs.iter().zip(&seps).flat_map(|(r, sep)| [r.as_str(), sep]).collect();
        let one = oracle(&s);
        prop_assume!(oracle(&one) == one);
        let mut x = s.clone();
        for _ in 0..levels {
            x = escape_amps(&x, &forms);
        }
        prop_assert_eq!(text(&x), one, "input {:?}", x);
    }

    /// Markup mode never writes a syntax character that the input did not
    /// already contain as itself, and means what the input means.
    #[test]
    fn markup_adds_no_syntax(s in any_text()) {
        let m = markup(&s);
        for c in ['<', '>', '"', '\'', '&'] {
            prop_assert!(count(&m, c) <= count(&s, c), "{:?} in {:?}", c, m);
        }
        prop_assert_eq!(text(&m), text(&s), "markup output {:?}", m);
        prop_assert_eq!(markup(&m), m.clone());
    }

    /// The counts agree with what happened.
    #[test]
    fn statistics_are_consistent(s in any_text()) {
        for mode in MODES {
            let (out, st) = decode(&s, mode);
            prop_assert!(st.double_escaped <= st.decoded, "{:?} {:?}", mode, st);
            prop_assert!(st.invalid <= st.decoded, "{:?} {:?}", mode, st);
            prop_assert_eq!(st.decoded == 0, out == s.as_str(), "{:?} {:?}", mode, st);
            if mode == EntityMode::Attribute {
                prop_assert_eq!(st.double_escaped, 0);
            }
        }
    }

    /// Text without `&` comes back borrowed, unchanged.
    #[test]
    fn no_ampersand_borrowed(s in "[^&]*") {
        for mode in MODES {
            let (out, st) = decode(&s, mode);
            prop_assert!(matches!(out, Cow::Borrowed(b) if std::ptr::eq(b, s.as_str())));
            prop_assert_eq!(st, EntityStats::default());
        }
    }
}
