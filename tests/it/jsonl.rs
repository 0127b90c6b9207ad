//! JSON Lines rewriting (`zhnorm::formats::jsonl`): hand-written cases, then
//! properties checked against serde_json as an independent JSON
//! implementation, then stream chunking.
//!
//! serde_json (without `preserve_order`) sorts object keys, so it cannot see
//! key order or formatting. Those are checked by building the expected
//! output text member by member from the generated pieces, with serde_json
//! decoding each string and encoding each replacement — so the oracle for
//! every byte is serde_json, not the code under test.

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use zhnorm::convert::Converter;
use zhnorm::formats::jsonl::{rewrite_line, JsonlRewriter, JsonlStats, LineOutcome};

/// Wraps the value in markers, so a rewrite is visible.
fn mark(s: &str) -> String {
    format!("«{s}»")
}

/// Rewrites one line with `clean`; also returns the values `clean` got.
fn rw(
    line: &str,
    fields: &[&str],
    clean: impl Fn(&str) -> String,
) -> (String, LineOutcome, Vec<String>) {
    let mut seen = Vec::new();
    let mut out = String::new();
    let outcome = rewrite_line(
        line,
        fields,
        &mut |s: &str| {
            seen.push(s.to_string());
            clean(s)
        },
        &mut out,
    );
    (out, outcome, seen)
}

/// Pushes `chunks` through a rewriter of `fields` with `clean`.
fn stream(
    chunks: &[&str],
    fields: &[&str],
    clean: impl FnMut(&str) -> String,
) -> (String, JsonlStats, Vec<(u64, String)>) {
    let mut rewriter = JsonlRewriter::new(
        fields.iter().map(|f| f.to_string()).collect(),
        Box::new(clean),
    );
    let mut out = String::new();
    for c in chunks {
        rewriter.push(c, &mut out);
    }
    let stats = rewriter.finish(&mut out);
    assert_eq!(stats, rewriter.stats());
    (out, stats, rewriter.errors().to_vec())
}

// ---------------------------------------------------------------------------
// Hand-written cases.

#[test]
fn rewrites_the_named_field_and_nothing_else() {
    let line = r#"{"id":1,"text":"今天天氣很好","lang":"zh-Hant"}"#;
    let (out, outcome, seen) = rw(line, &["text"], mark);
    assert_eq!(out, r#"{"id":1,"text":"«今天天氣很好»","lang":"zh-Hant"}"#);
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 1 });
    assert_eq!(seen, ["今天天氣很好"]);
}

#[test]
fn key_order_spacing_and_other_fields_are_byte_identical() {
    let line = concat!(
        "  { \"score\" : -1.50E+02 ,\t\"text\"\t:  \"我們去公園散步\" ,",
        " \"tags\":[ \"戶外\" , true,null ,{ } ],\"url\":\"https:\\/\\/例子.cn\\/a?b=1\" }\t "
    );
    let (out, outcome, _) = rw(line, &["text"], |s| s.replace("我們", "我们"));
    let expected = line.replace("我們去", "我们去");
    assert_eq!(out, expected);
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 1 });
}

#[test]
fn escapes_are_decoded_for_the_cleaner() {
    let line = r#"{"text":"圖書館\u958b門了\n\t\"好\"\\ \/ \ud83d\ude00\u00e9"}"#;
    let (_, _, seen) = rw(line, &["text"], mark);
    assert_eq!(seen, ["圖書館開門了\n\t\"好\"\\ / \u{1F600}é"]);
}

#[test]
fn replacement_values_are_encoded_as_json_strings() {
    let cases: &[(&str, &str)] = &[
        ("书", r#""书""#),
        ("引号\"和\\反斜杠", r#""引号\"和\\反斜杠""#),
        ("换行\n回车\r制表\t", r#""换行\n回车\r制表\t""#),
        ("\u{8}\u{c}", r#""\b\f""#),
        ("\u{1}\u{1f}", r#""\u0001\u001f""#),
        ("斜线/不转义", r#""斜线/不转义""#),
        ("\u{7f}\u{2028}😀", "\"\u{7f}\u{2028}😀\""),
        ("", r#""""#),
    ];
    for (value, token) in cases {
        let (out, _, _) = rw(r#"{"text":"旧"}"#, &["text"], |_| value.to_string());
        assert_eq!(out, format!("{{\"text\":{token}}}"), "value {value:?}");
    }
}

#[test]
fn a_value_the_cleaner_leaves_alone_keeps_its_escapes() {
    // Identity cleaning must be a byte-exact no-op, or a second run over
    // zhnorm's own output would change it.
    let line = r#"{"text":"\u4e2d\u6587\/\ud83d\ude00"}"#;
    let (out, outcome, seen) = rw(line, &["text"], str::to_string);
    assert_eq!(out, line);
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 1 });
    assert_eq!(seen, ["中文/😀"]);
}

#[test]
fn nested_fields_of_the_same_name_are_untouched() {
    let line = r#"{"meta":{"text":"巢狀的文字","list":[{"text":"更深"}]},"text":"頂層的文字"}"#;
    let (out, outcome, seen) = rw(line, &["text"], mark);
    assert_eq!(
        out,
        r#"{"meta":{"text":"巢狀的文字","list":[{"text":"更深"}]},"text":"«頂層的文字»"}"#
    );
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 1 });
    assert_eq!(seen, ["頂層的文字"]);
}

#[test]
fn every_occurrence_of_a_duplicate_key_is_rewritten() {
    let line = r#"{"text":"第一個","id":2,"text":"第二個"}"#;
    let (out, outcome, _) = rw(line, &["text"], mark);
    assert_eq!(out, r#"{"text":"«第一個»","id":2,"text":"«第二個»"}"#);
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 2 });
}

#[test]
fn several_fields_and_escaped_key_names() {
    let line = r#"{"t\u0069tle":"標題","text":"正文","tex":"不是","texts":"也不是","":"空鍵"}"#;
    let (out, outcome, _) = rw(line, &["title", "text"], mark);
    assert_eq!(
        out,
        r#"{"t\u0069tle":"«標題»","text":"«正文»","tex":"不是","texts":"也不是","":"空鍵"}"#
    );
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 2 });
}

#[test]
fn lines_without_the_fields_are_unchanged() {
    for line in [
        r#"{"title":"沒有正文"}"#,
        "{}",
        " { } ",
        r#"{"meta":{"text":"只在裡面"}}"#,
        "",
        "   \t ",
        "\r",
    ] {
        let (out, outcome, seen) = rw(line, &["text"], mark);
        assert_eq!(out, line);
        assert_eq!(outcome, LineOutcome::Unchanged, "{line:?}");
        assert!(seen.is_empty());
    }
}

#[test]
fn invalid_lines_pass_through_with_a_reason() {
    let cases: &[(&str, &str)] = &[
        ("這不是 JSON", "expected an object, found '這'"),
        ("[1,2]", "not an object but an array"),
        (r#""text""#, "not an object but a string"),
        ("42", "not an object but a number"),
        ("null", "not an object but null"),
        (
            r#"{"text": 5}"#,
            "column 2: field \"text\" is a number, not a string",
        ),
        (r#"{"text": null}"#, "field \"text\" is null, not a string"),
        (r#"{"text": ["句子"]}"#, "field \"text\" is an array"),
        (r#"{"text": {"zh":"句子"}}"#, "field \"text\" is an object"),
        (r#"{"text": false}"#, "field \"text\" is a boolean"),
        (
            r#"{"text":"句子""#,
            "expected ',' or '}' in the object, found the end",
        ),
        (r#"{"text":"句子"} x"#, "'x' after the object"),
        (r#"{"text":"句子"}{}"#, "'{' after the object"),
        (r#"{"text":"句子",}"#, "expected a string key, found '}'"),
        (r#"{'text':'句子'}"#, "expected a string key, found '\\''"),
        (r#"{text:"句子"}"#, "expected a string key"),
        (r#"{"text" "句子"}"#, "expected ':' after an object key"),
        (
            "{\"text\":\"製表\there\"}",
            "unescaped control character U+0009",
        ),
        ("{\"text\":\"\u{0}\"}", "unescaped control character U+0000"),
        (r#"{"text":"\x"}"#, "invalid escape sequence"),
        (r#"{"text":"\u12"}"#, "bad \\u escape"),
        (r#"{"text":"\u12G4"}"#, "bad \\u escape"),
        (
            r#"{"text":"未完"#,
            "column 9: not valid JSON: unterminated string",
        ),
        (
            r#"{"n":01}"#,
            "expected ',' or '}' in the object, found '1'",
        ),
        (r#"{"n":1.}"#, "expected a digit after '.'"),
        (r#"{"n":-}"#, "expected a digit in a number"),
        (r#"{"n":+1}"#, "expected a value, found '+'"),
        (r#"{"n":.5}"#, "expected a value"),
        (r#"{"n":1e}"#, "in a number's exponent"),
        (r#"{"n":1e+}"#, "in a number's exponent"),
        (r#"{"n":tru}"#, "expected true"),
        (r#"{"n":nul}"#, "expected null"),
        (r#"{"n":NaN}"#, "expected a value, found 'N'"),
        (
            r#"{"a":[1,2}"#,
            "expected ',' or ']' in an array, found '}'",
        ),
        (r#"{"a":[1,]}"#, "expected a value, found ']'"),
        (r#"{"a":{"b" 1}}"#, "expected ':' after an object key"),
        (r#"{"a":{"b":1,}}"#, "expected a string key"),
        (r#"{"a":{"b":1]}"#, "expected ',' or '}' in an object"),
        (r#"{"a":[[[[1]]]}"#, "expected ',' or ']' in an array"),
        (
            "\u{FEFF}{\"text\":\"句子\"}",
            "expected an object, found '\\u{feff}'",
        ),
        (
            "{\"text\":\"句子\"}\u{3000}",
            "'\\u{3000}' after the object",
        ),
        ("{", "expected a string key, found the end of the line"),
    ];
    for (line, why) in cases {
        let (out, outcome, seen) = rw(line, &["text"], mark);
        assert_eq!(&out, line);
        match outcome {
            LineOutcome::Invalid(reason) => {
                assert!(reason.contains(why), "{line:?}: {reason:?} lacks {why:?}")
            }
            other => panic!("{line:?}: {other:?}"),
        }
        assert!(seen.is_empty(), "{line:?}: the cleaner was called");
    }
}

#[test]
fn numbers_are_copied_whatever_their_size() {
    // RFC 8259 puts no limit on numbers; an f64 parser would reject or
    // round these, the rewriter never converts them.
    let line = r#"{"big":1e400,"long":123456789012345678901234567890.5,"text":"大數"}"#;
    let (out, outcome, _) = rw(line, &["text"], mark);
    assert_eq!(out, line.replace("大數", "«大數»"));
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 1 });
}

#[test]
fn a_syntax_error_is_reported_before_a_wrong_field_type() {
    let (_, outcome, _) = rw(r#"{"text":5,"id":}"#, &["text"], mark);
    assert_eq!(
        outcome,
        LineOutcome::Invalid("column 16: not valid JSON: expected a value, found '}'".into())
    );
}

#[test]
fn deep_nesting_needs_no_recursion() {
    let depth = 1_000_000;
    let line = format!(
        r#"{{"a":{}1{},"text":"深"}}"#,
        "[{\"k\":".repeat(depth / 2),
        "}]".repeat(depth / 2)
    );
    let (out, outcome, _) = rw(&line, &["text"], mark);
    assert_eq!(outcome, LineOutcome::Rewritten { fields: 1 });
    assert!(out.ends_with(r#""text":"«深»"}"#));

    let unbalanced = format!(r#"{{"a":{}"#, "[".repeat(depth));
    let (out, outcome, _) = rw(&unbalanced, &["text"], mark);
    assert_eq!(out, unbalanced);
    assert!(matches!(outcome, LineOutcome::Invalid(_)));
}

#[test]
fn stream_keeps_terminators_and_a_last_line_without_one() {
    let input = concat!(
        "{\"text\":\"第一行\"}\r\n",
        "{\"text\":\"第二行\"}\n",
        "\n",
        "\r\n",
        "{\"text\":\"第五行\"}\r\n",
        "{\"text\":\"第六行沒有換行\"}",
    );
    let (out, stats, errors) = stream(&[input], &["text"], mark);
    assert_eq!(
        out,
        concat!(
            "{\"text\":\"«第一行»\"}\r\n",
            "{\"text\":\"«第二行»\"}\n",
            "\n",
            "\r\n",
            "{\"text\":\"«第五行»\"}\r\n",
            "{\"text\":\"«第六行沒有換行»\"}",
        )
    );
    assert_eq!(
        stats,
        JsonlStats {
            lines: 6,
            rewritten: 4,
            unchanged: 2,
            invalid: 0,
            fields: 4,
            objects: 4,
        }
    );
    assert!(errors.is_empty());
}

#[test]
fn stream_with_a_final_terminator_has_no_extra_line() {
    let (out, stats, _) = stream(&["{\"text\":\"一\"}\n"], &["text"], mark);
    assert_eq!(out, "{\"text\":\"«一»\"}\n");
    assert_eq!(stats.lines, 1);
    let (out, stats, _) = stream(&[""], &["text"], mark);
    assert_eq!((out.as_str(), stats.lines), ("", 0));
}

#[test]
fn a_lone_carriage_return_is_not_a_terminator() {
    // Inside a line, CR is JSON whitespace; only LF ends a line.
    let input = "{\"text\":\"一\"}\r{\"text\":\"二\"}\n";
    let (out, stats, errors) = stream(&[input], &["text"], mark);
    assert_eq!(out, input);
    assert_eq!(stats.invalid, 1);
    assert!(errors[0].1.contains("after the object"));
}

#[test]
fn bom_at_the_start_of_the_stream_is_kept() {
    let (out, stats, _) = stream(
        &["\u{FEFF}{\"text\":\"有BOM\"}\n\u{FEFF}{\"text\":\"第二個BOM\"}\n"],
        &["text"],
        mark,
    );
    assert_eq!(
        out,
        "\u{FEFF}{\"text\":\"«有BOM»\"}\n\u{FEFF}{\"text\":\"第二個BOM\"}\n"
    );
    assert_eq!((stats.rewritten, stats.invalid), (1, 1));
    // A BOM before an invalid first line is kept too.
    let (out, stats, _) = stream(&["\u{FEFF}不是 JSON\n"], &["text"], mark);
    assert_eq!(out, "\u{FEFF}不是 JSON\n");
    assert_eq!(stats.invalid, 1);
}

#[test]
fn errors_name_the_line_and_stop_at_one_hundred() {
    let mut input = String::from("{\"text\":\"好\"}\n");
    for i in 0..150 {
        input.push_str(&format!("壞行 {i}\n"));
    }
    let (out, stats, errors) = stream(&[&input], &["text"], mark);
    assert_eq!(out, input.replacen("好", "«好»", 1));
    assert_eq!(stats.invalid, 150);
    assert_eq!(errors.len(), 100);
    assert_eq!(
        errors[0],
        (
            2,
            "column 1: not valid JSON: expected an object, found '壞'".into()
        )
    );
    assert_eq!(errors[99].0, 101);
}

#[test]
fn a_line_arrives_as_soon_as_its_newline_is_pushed() {
    let mut rewriter = JsonlRewriter::new(vec!["text".into()], Box::new(mark));
    let mut out = String::new();
    rewriter.push("{\"text\":\"即時\"}", &mut out);
    assert_eq!(out, "");
    rewriter.push("\n{\"te", &mut out);
    assert_eq!(out, "{\"text\":\"«即時»\"}\n");
    assert_eq!(rewriter.stats().lines, 1);
}

#[test]
fn a_huge_line_in_tiny_pieces_is_linear() {
    // Quadratic re-scanning of the pending line would take hours here.
    let body = "長".repeat(2_000_000);
    let line = format!("{{\"text\":\"{body}\",\"id\":1}}\n");
    let mut rewriter =
        JsonlRewriter::new(vec!["text".into()], Box::new(|s: &str| s.len().to_string()));
    let mut out = String::new();
    let mut rest = line.as_str();
    while !rest.is_empty() {
        let cut = rest.char_indices().nth(1).map_or(rest.len(), |(i, _)| i);
        rewriter.push(&rest[..cut], &mut out);
        rest = &rest[cut..];
    }
    rewriter.finish(&mut out);
    assert_eq!(out, "{\"text\":\"6000000\",\"id\":1}\n");
}

#[test]
fn real_conversion_through_a_borrowed_converter() {
    let t2s = Converter::new("t2s").unwrap();
    let calls = RefCell::new(0);
    let (out, stats, _) = stream(
        &["{\"id\":\"甲\",\"text\":\"氣象局發佈颱風警報\",\"meta\":{\"text\":\"颱風\"}}\n"],
        &["text"],
        |s| {
            *calls.borrow_mut() += 1;
            t2s.convert(s)
        },
    );
    assert_eq!(
        out,
        "{\"id\":\"甲\",\"text\":\"气象局发布台风警报\",\"meta\":{\"text\":\"颱風\"}}\n"
    );
    assert_eq!((stats.fields, *calls.borrow()), (1, 1));
}

// ---------------------------------------------------------------------------
// Generators: JSON text built piece by piece, with every escape form and
// whitespace JSON allows inside a line.

/// Whitespace between tokens (no LF: that would end the line).
fn ws() -> impl Strategy<Value = String> {
    "[ \t\r]{0,2}"
}

/// A character worth putting in a string: anything, often a tricky one.
fn string_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(vec!['中', '文', '書', '。', 'a', ' ']),
        2 => prop::sample::select(vec![
            '"', '\\', '/', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}', '\u{1f}', '\u{7f}',
            '\u{2028}', '\u{FEFF}', '\u{FFFD}', '😀', '𠀀',
        ]),
    ]
}

/// A JSON string token for `chars`, each written raw where allowed or
/// escaped in one of the ways JSON allows (picked by the style byte).
fn render_string(chars: &[(char, u8)]) -> String {
    let mut s = String::from("\"");
    for &(c, style) in chars {
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '/' => Some("\\/"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            _ => None,
        };
        let must_escape = c == '"' || c == '\\' || c < ' ';
        match (style % 4, short) {
            (0, _) if !must_escape => s.push(c),
            (1, Some(e)) => s.push_str(e),
            _ => {
                let mut units = [0; 2];
                for u in c.encode_utf16(&mut units) {
                    if style % 4 == 3 {
                        s.push_str(&format!("\\u{u:04X}"));
                    } else {
                        s.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
        }
    }
    s.push('"');
    s
}

fn string_token() -> impl Strategy<Value = String> {
    prop::collection::vec((string_char(), any::<u8>()), 0..12).prop_map(|v| render_string(&v))
}

/// Object keys: the named fields (so they match, also when escaped), near
/// misses, and anything.
fn key_token() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec!["text", "title", "tex", "texts", "id", "标题", ""]);
    prop_oneof![
        4 => (names, prop::collection::vec(any::<u8>(), 8)).prop_map(|(n, styles)| {
            let v: Vec<(char, u8)> = n.chars().zip(styles.into_iter().map(|s| s & 0b1111_0010)).collect();
            // Mostly raw (style 0), sometimes \u escapes (style 2).
            render_string(&v)
        }),
        1 => string_token(),
    ]
}

fn number_token() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,2})?"
}

/// Any JSON value, nested a few levels.
fn value_token() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(vec!["null", "true", "false"]).prop_map(String::from),
        number_token(),
        string_token(),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (
                ws(),
                prop::collection::vec((ws(), inner.clone(), ws()), 0..4)
            )
                .prop_map(|(empty, items)| {
                    let items: Vec<String> =
                        items.into_iter().map(|(a, v, b)| a + &v + &b).collect();
                    if items.is_empty() {
                        format!("[{empty}]")
                    } else {
                        format!("[{}]", items.join(","))
                    }
                }),
            (
                ws(),
                prop::collection::vec(member(key_token(), inner), 0..4)
            )
                .prop_map(|(empty, members)| object_text(&empty, &members, "")),
        ]
    })
}

/// One object member as its pieces: `ws key ws : ws value ws`.
#[derive(Debug, Clone)]
struct Member {
    before: String,
    key: String,
    after_key: String,
    before_value: String,
    value: String,
    after: String,
}

impl Member {
    fn text(&self, value: &str) -> String {
        format!(
            "{}{}{}:{}{}{}",
            self.before, self.key, self.after_key, self.before_value, value, self.after
        )
    }
}

fn member(
    key: impl Strategy<Value = String>,
    value: impl Strategy<Value = String>,
) -> impl Strategy<Value = Member> {
    (ws(), key, ws(), ws(), value, ws()).prop_map(
        |(before, key, after_key, before_value, value, after)| Member {
            before,
            key,
            after_key,
            before_value,
            value,
            after,
        },
    )
}

fn object_text(empty: &str, members: &[Member], _: &str) -> String {
    if members.is_empty() {
        format!("{{{empty}}}")
    } else {
        let parts: Vec<String> = members.iter().map(|m| m.text(&m.value)).collect();
        format!("{{{}}}", parts.join(","))
    }
}

/// A whole record: whitespace, a top-level object whose members are
/// mostly strings (so named fields are usually valid), whitespace.
#[derive(Debug, Clone)]
struct Record {
    lead: String,
    empty: String,
    members: Vec<Member>,
    trail: String,
}

impl Record {
    fn text(&self) -> String {
        format!(
            "{}{}{}",
            self.lead,
            object_text(&self.empty, &self.members, ""),
            self.trail
        )
    }
}

fn record() -> impl Strategy<Value = Record> {
    let value = prop_oneof![3 => string_token(), 1 => value_token()];
    (
        ws(),
        ws(),
        prop::collection::vec(member(key_token(), value), 0..6),
        ws(),
    )
        .prop_map(|(lead, empty, members, trail)| Record {
            lead,
            empty,
            members,
            trail,
        })
}

const FIELDS: &[&str] = &["text", "title"];

/// A cleaner that changes most values (reversing them and adding
/// characters that need escaping) but leaves some alone, so both the
/// re-encoding and the keep-the-original-bytes paths are taken.
fn test_clean(s: &str) -> String {
    if s.chars().count().is_multiple_of(3) {
        s.to_string()
    } else {
        let reversed: String = s.chars().rev().collect();
        format!("«{reversed}»\"\\\n/\u{1}")
    }
}

fn decoded(token: &str) -> String {
    serde_json::from_str::<String>(token).expect("serde_json decodes the generated string")
}

fn is_blank(line: &str) -> bool {
    line.trim_matches([' ', '\t', '\r', '\n']).is_empty()
}

/// Whether serde_json sees a record: an object whose named fields are all
/// strings. A blank line is a record with no fields. `Err(true)` when
/// serde_json gave up where JSON has no limit: a number too large for an
/// `f64` (`1e400`), which the rewriter copies as it is.
fn serde_record(line: &str) -> Result<serde_json::Map<String, Value>, bool> {
    if is_blank(line) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(map))
            if FIELDS
                .iter()
                .all(|f| map.get(*f).is_none_or(Value::is_string)) =>
        {
            Ok(map)
        }
        Ok(_) => Err(false),
        // serde_json refuses lone surrogates, which are kept as written.
        Err(e) => Err(e.to_string().contains("number out of range")
            || e.to_string().contains("surrogate")
            || e.to_string().contains("end of hex escape")),
    }
}

/// Whether `why` reports a named field whose value is not a string, and
/// serde_json agrees: at the reported column there is a key decoding to
/// a named field, followed by a value that is not a string.
fn wrong_type_at(line: &str, why: &str) -> bool {
    let Some(col) = why
        .strip_prefix("column ")
        .and_then(|r| r.split(':').next())
        .and_then(|c| c.parse::<usize>().ok())
    else {
        return false;
    };
    let mut values = serde_json::Deserializer::from_str(&line[col - 1..]).into_iter::<Value>();
    let Some(Ok(Value::String(key))) = values.next() else {
        return false;
    };
    let rest = line[col - 1 + values.byte_offset()..].trim_start_matches([' ', '\t', '\r']);
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    let value = serde_json::Deserializer::from_str(rest)
        .into_iter::<Value>()
        .next();
    FIELDS.contains(&key.as_str()) && matches!(value, Some(Ok(v)) if !v.is_string())
}

/// The serde_json view of what the output must be: named string fields
/// replaced by their cleaned value, everything else the same.
fn serde_expected(mut map: serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    for f in FIELDS {
        if let Some(Value::String(s)) = map.get(*f) {
            let new = test_clean(s);
            map.insert(f.to_string(), Value::String(new));
        }
    }
    map
}

/// Cuts `text` into pieces at the char boundaries picked by `cuts`.
fn split<'a>(text: &'a str, cuts: &[Index]) -> Vec<&'a str> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|i| {
            let mut at = i.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        })
        .collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut from = 0;
    for p in points {
        pieces.push(&text[from..p]);
        from = p;
    }
    pieces.push(&text[from..]);
    pieces
}

/// Edits a line so it is (usually) no longer valid JSON.
fn mutate(line: &str, at: Index, kind: u8, with: char) -> String {
    let mut pos = at.index(line.len() + 1);
    while !line.is_char_boundary(pos) {
        pos -= 1;
    }
    let next = line[pos..].chars().next().map_or(0, char::len_utf8);
    let mut s = line.to_string();
    match kind % 3 {
        0 => s.insert(pos, with),
        1 => s.replace_range(pos..pos + next, ""),
        _ => s.replace_range(pos..pos + next, with.encode_utf8(&mut [0; 4])),
    }
    s
}

fn mutation_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '1', '-', '.', 'e', '+', 'u', 'd', 'n',
        't', 'f', 'x', '\t', '\u{0}', '\u{1}', '中', '\u{FEFF}',
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Generated records against serde_json: the exact output text (key
    /// order, spacing, untouched members) built from the pieces, and the
    /// parsed values.
    #[test]
    fn records_match_serde_json(rec in record()) {
        let line = rec.text();
        let input = serde_json::from_str::<Value>(&line);
        prop_assert!(input.is_ok(), "generator made invalid JSON {line:?}: {input:?}");
        let (out, outcome, seen) = rw(&line, FIELDS, test_clean);

        let mut wrong_type = false;
        let mut expected_seen = Vec::new();
        let members: Vec<String> = rec
            .members
            .iter()
            .map(|m| {
                if !FIELDS.contains(&decoded(&m.key).as_str()) {
                    return m.text(&m.value);
                }
                if !m.value.starts_with('"') {
                    wrong_type = true;
                    return m.text(&m.value);
                }
                let old = decoded(&m.value);
                let new = test_clean(&old);
                expected_seen.push(old.clone());
                if new == old {
                    m.text(&m.value)
                } else {
                    m.text(&serde_json::to_string(&new).unwrap())
                }
            })
            .collect();
        if wrong_type {
            prop_assert_eq!(&out, &line);
            prop_assert!(matches!(outcome, LineOutcome::Invalid(_)), "{:?}", outcome);
            return Ok(());
        }
        let expected = if members.is_empty() {
            format!("{}{{{}}}{}", rec.lead, rec.empty, rec.trail)
        } else {
            format!("{}{{{}}}{}", rec.lead, members.join(","), rec.trail)
        };
        prop_assert_eq!(&out, &expected);
        prop_assert_eq!(&seen, &expected_seen);
        let want = if expected_seen.is_empty() {
            LineOutcome::Unchanged
        } else {
            LineOutcome::Rewritten { fields: expected_seen.len() }
        };
        prop_assert_eq!(outcome, want);

        // And through serde_json's eyes: same keys, cleaned named fields,
        // everything else equal.
        let before = serde_record(&line).expect("a record");
        let after = serde_json::from_str::<Value>(&out);
        prop_assert!(after.is_ok(), "output is not JSON: {out:?}");
        prop_assert_eq!(after.unwrap(), Value::Object(serde_expected(before)));
    }

    /// Broken records: valid exactly when serde_json sees a record, passed
    /// through unchanged when not, equivalent to serde's view when valid.
    #[test]
    fn validity_matches_serde_json(
        rec in record(),
        edits in prop::collection::vec((any::<Index>(), any::<u8>(), mutation_char()), 1..3),
    ) {
        let mut line = rec.text();
        for (at, kind, with) in edits {
            line = mutate(&line, at, kind, with);
        }
        let (out, outcome, _) = rw(&line, FIELDS, test_clean);
        match (serde_record(&line), outcome) {
            (Err(true), _) => {}
            (Ok(_), LineOutcome::Invalid(why)) => {
                // serde_json keeps only the last of duplicate keys, so it
                // misses an earlier occurrence that is not a string; check
                // the reported one with serde_json instead.
                prop_assert!(wrong_type_at(&line, &why), "{line:?}: {why:?}");
                prop_assert_eq!(&out, &line);
            }
            (Err(false), outcome) => {
                prop_assert!(matches!(outcome, LineOutcome::Invalid(_)), "{line:?}: {outcome:?}");
                prop_assert_eq!(&out, &line);
            }
            (Ok(_), _) if is_blank(&line) => prop_assert_eq!(&out, &line),
            (Ok(map), _) => {
                let after = serde_json::from_str::<Value>(&out);
                prop_assert!(after.is_ok(), "output is not JSON: {out:?}");
                prop_assert_eq!(after.unwrap(), Value::Object(serde_expected(map)));
            }
        }
    }

    /// Any string at all: with a cleaner that changes nothing, the output
    /// is the input, byte for byte, valid or not.
    #[test]
    fn identity_cleaning_reproduces_any_input(text in "(?s).{0,200}", cuts in prop::collection::vec(any::<Index>(), 0..4)) {
        let (out, stats, _) = stream(&split(&text, &cuts), FIELDS, str::to_string);
        prop_assert_eq!(&out, &text);
        let lines = text.split('\n').count() as u64 - u64::from(text.is_empty() || text.ends_with('\n'));
        prop_assert_eq!(stats.lines, lines);
    }

    /// A stream of records, broken lines, blank lines, both terminators and
    /// maybe a BOM: every chunking gives the output of rewriting it line by
    /// line.
    #[test]
    fn chunking_never_changes_the_output(
        bom in any::<bool>(),
        lines in prop::collection::vec(
            (record(), any::<u8>(), any::<Index>(), mutation_char(), prop::sample::select(vec!["\n", "\r\n"])),
            0..8,
        ),
        unterminated in any::<bool>(),
        cuts in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        let mut text = String::new();
        let mut expected = String::new();
        let mut stats = JsonlStats::default();
        if bom {
            text.push('\u{FEFF}');
            expected.push('\u{FEFF}');
        }
        let count = lines.len();
        for (i, (rec, kind, at, with, term)) in lines.into_iter().enumerate() {
            let line = match kind % 4 {
                0 => mutate(&rec.text(), at, kind / 4, with),
                1 => " ".repeat(usize::from(kind % 3)),
                _ => rec.text(),
            };
            // A line may not end in CR unless it is the CRLF's.
            let line = line.trim_end_matches('\r').replace('\n', " ");
            // The stream takes a BOM at its very start as a BOM, not as
            // part of the first line.
            let (bom_of_line, body) = match line.strip_prefix('\u{FEFF}') {
                Some(body) if i == 0 && !bom => ("\u{FEFF}", body),
                _ => ("", line.as_str()),
            };
            let (out, outcome, _) = rw(body, FIELDS, test_clean);
            expected.push_str(bom_of_line);
            stats.lines += 1;
            match outcome {
                LineOutcome::Rewritten { fields } => {
                    stats.rewritten += 1;
                    stats.objects += 1;
                    stats.fields += fields as u64;
                }
                LineOutcome::Unchanged => {
                    stats.unchanged += 1;
                    if !is_blank(body) {
                        stats.objects += 1;
                    }
                }
                LineOutcome::Invalid(_) => stats.invalid += 1,
            }
            text.push_str(&line);
            expected.push_str(&out);
            let last = i + 1 == count;
            if !(last && unterminated) {
                text.push_str(term);
                expected.push_str(term);
            } else if line.is_empty() && !(bom && i == 0) {
                // An empty unterminated last line is no line at all.
                stats.lines -= 1;
                stats.unchanged -= 1;
            }
        }
        if bom && count == 0 {
            // The BOM alone is a blank first line.
            stats.lines = 1;
            stats.unchanged = 1;
        }
        let whole = stream(&[&text], FIELDS, test_clean);
        prop_assert_eq!(&whole.0, &expected);
        prop_assert_eq!(whole.1, stats);
        let pieces = stream(&split(&text, &cuts), FIELDS, test_clean);
        prop_assert_eq!(pieces, whole);
    }

    /// Replacement values are encoded exactly as serde_json encodes them.
    #[test]
    fn encoding_matches_serde_json(value in prop::collection::vec(string_char(), 0..20)) {
        let value: String = value.into_iter().collect();
        let (out, _, _) = rw(r#"{"text":null,"title":"占位"}"#, &["title"], |_| value.clone());
        let token = if value == "占位" { "\"占位\"".to_string() } else { serde_json::to_string(&value).unwrap() };
        prop_assert_eq!(out, format!(r#"{{"text":null,"title":{token}}}"#));
    }
}

#[test]
fn lone_surrogates_are_kept_and_the_rest_cleaned() {
    for (line, expected) in [
        (r#"{"text":"孤\ud800漢"}"#, r#"{"text":"«孤»\ud800«漢»"}"#),
        (r#"{"text":"\udc00"}"#, r#"{"text":"«»\udc00«»"}"#),
        (
            r#"{"text":"a\ud800\u0041\n\ud83d\ude00b"}"#,
            // The escapes of the cleaned pieces are rewritten as any
            // cleaned value's are; the lone one stays as it was.
            r#"{"text":"«a»\ud800«A\n😀b»"}"#,
        ),
    ] {
        let (out, outcome, _) = rw(line, &["text"], mark);
        assert!(
            matches!(outcome, LineOutcome::Rewritten { .. }),
            "{line}: {outcome:?}"
        );
        assert_eq!(out, expected, "{line}");
    }
    // Outside the named fields a lone surrogate is simply valid JSON.
    let line = r#"{"other":"\ud83d 也行","text":"字"}"#;
    let (out, outcome, _) = rw(line, &["text"], mark);
    assert!(matches!(outcome, LineOutcome::Rewritten { .. }));
    assert_eq!(out, r#"{"other":"\ud83d 也行","text":"«字»"}"#);
}

#[test]
fn not_json_is_not_taken_for_null() {
    let (_, outcome, _) = rw("not JSON", &["text"], mark);
    match outcome {
        LineOutcome::Invalid(why) => assert!(why.contains("not valid JSON"), "{why}"),
        other => panic!("{other:?}"),
    }
    let (_, outcome, _) = rw("null", &["text"], mark);
    match outcome {
        LineOutcome::Invalid(why) => {
            assert!(why.contains("not an object but null"), "{why}");
            assert!(!why.contains("not valid JSON"), "{why}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn overlong_lines_pass_through_unparsed() {
    let long = format!("{{\"text\":\"{}\"}}", "漢".repeat(100));
    let input = format!("{{\"text\":\"漢\"}}\n{long}\n{{\"text\":\"漢\"}}");
    for piece in [1usize, 7, 50, 1000] {
        let mut rwr = JsonlRewriter::new(
            vec!["text".to_owned()],
            Box::new(|s: &str| s.replace('漢', "汉")),
        )
        .with_max_line(64);
        let mut out = String::new();
        let chars: Vec<char> = input.chars().collect();
        for chunk in chars.chunks(piece) {
            rwr.push(&chunk.iter().collect::<String>(), &mut out);
        }
        let stats = rwr.finish(&mut out);
        assert_eq!(
            out,
            format!("{{\"text\":\"汉\"}}\n{long}\n{{\"text\":\"汉\"}}"),
            "pieces of {piece}"
        );
        assert_eq!((stats.lines, stats.invalid, stats.rewritten), (3, 1, 2));
        assert_eq!(rwr.errors()[0].0, 2);
        assert!(rwr.errors()[0].1.contains("longer than"));
    }
}

#[test]
fn missing_fields_are_named() {
    let mut rwr = JsonlRewriter::new(
        vec!["text".to_owned(), "titel".to_owned()],
        Box::new(|s: &str| s.to_owned()),
    );
    let mut out = String::new();
    rwr.push("{\"text\":\"a\"}\n\nnot json\n{\"x\":1}\n", &mut out);
    let stats = rwr.finish(&mut out);
    assert_eq!(stats.objects, 2);
    assert_eq!(rwr.missing_fields(), ["titel"]);
}
