//! HTML keep mode (`html::Rewriter`) and text mode (`html::Extractor`).
//!
//! Golden files in `tests/fixtures/html/`: for each page `NAME.html`,
//! `NAME.txt` is the text-mode output and `NAME.marked.html` the keep-mode
//! output under [`marker`], which wraps text nodes in ⟦⟧ and attribute
//! values in ⟪⟫, so the golden shows exactly what was handed over.
//!
//! Properties: keep mode with an identity transform gives the input back
//! (modulo charset declarations); a marker transform adds markers and
//! nothing else, only around text and the listed attributes; neither mode
//! depends on how the input is cut; text mode never shows script, style or
//! comment content, and its lines follow the block structure.

use std::cell::RefCell;
use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use zhnorm::convert::Converter;
use zhnorm::html::{Extractor, HtmlStats, Rewriter, TextKind, MAX_TEXT_NODE};

// ---------------------------------------------------------------- helpers

/// Wraps text nodes in ⟦⟧ and attribute values in ⟪⟫.
fn marker(text: &str, kind: TextKind, out: &mut String) {
    let (open, close) = match kind {
        TextKind::Node => ('⟦', '⟧'),
        TextKind::Attribute => ('⟪', '⟫'),
    };
    out.push(open);
    out.push_str(text);
    out.push(close);
}

fn identity(text: &str, _: TextKind, out: &mut String) {
    out.push_str(text);
}

fn keep_with(
    chunks: &[&str],
    transform: impl FnMut(&str, TextKind, &mut String),
) -> (String, HtmlStats) {
    let mut rw = Rewriter::new(Box::new(transform));
    let mut out = String::new();
    for c in chunks {
        rw.push(c, &mut out).expect("push");
    }
    let stats = rw.finish(&mut out).expect("finish");
    (out, stats)
}

fn keep_marked(chunks: &[&str]) -> (String, HtmlStats) {
    keep_with(chunks, marker)
}

fn keep_identity(chunks: &[&str]) -> (String, HtmlStats) {
    keep_with(chunks, identity)
}

fn extract(chunks: &[&str]) -> (String, HtmlStats) {
    let mut ex = Extractor::new();
    let mut out = String::new();
    for c in chunks {
        ex.push(c, &mut out).expect("push");
    }
    let stats = ex.finish(&mut out).expect("finish");
    (out, stats)
}

fn text_of(html: &str) -> String {
    extract(&[html]).0
}

fn marked(html: &str) -> String {
    keep_marked(&[html]).0
}

/// Cuts `text` at the character boundaries at or after the given indices.
fn split<'a>(text: &'a str, cuts: &[Index]) -> Vec<&'a str> {
    let at: Vec<usize> = cuts.iter().map(|i| i.index(text.len() + 1)).collect();
    cut_at(text, at)
}

/// Cuts `text` at the character boundaries at or after the byte offsets.
fn cut_at(text: &str, mut at: Vec<usize>) -> Vec<&str> {
    for k in &mut at {
        while !text.is_char_boundary(*k) {
            *k += 1;
        }
    }
    at.sort_unstable();
    let mut pieces = Vec::new();
    let mut from = 0;
    for k in at {
        pieces.push(&text[from..k]);
        from = k;
    }
    pieces.push(&text[from..]);
    pieces
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/html")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Each page with the charset declarations it holds and what they must
/// become.
const PAGES: [(&str, &[(&str, &str)]); 3] = [
    (
        "news",
        &[(
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=big5\">",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">",
        )],
    ),
    (
        "forum",
        &[
            (
                "<?xml version=\"1.0\" encoding=\"gb2312\"?>",
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            ),
            ("<meta charset=\"GBK\" />", "<meta charset=\"utf-8\" />"),
        ],
    ),
    ("layout", &[]),
];

// ---------------------------------------------------------------- golden pages

#[test]
fn pages_text_mode() {
    for (name, _) in PAGES {
        let html = fixture(&format!("{name}.html"));
        let want = fixture(&format!("{name}.txt"));
        let (got, stats) = extract(&[&html]);
        assert_eq!(got, want, "{name}");
        assert_eq!(stats.lines, want.lines().count() as u64, "{name}");
    }
}

#[test]
fn pages_keep_mode_marked() {
    for (name, decls) in PAGES {
        let html = fixture(&format!("{name}.html"));
        let want = fixture(&format!("{name}.marked.html"));
        let (got, stats) = keep_marked(&[&html]);
        assert_eq!(got, want, "{name}");
        assert_eq!(stats.charset_rewritten, decls.len() as u64, "{name}");
        assert_eq!(stats.text_nodes, got.matches('⟦').count() as u64, "{name}");
        assert_eq!(stats.attributes, got.matches('⟪').count() as u64, "{name}");
    }
}

#[test]
fn pages_keep_mode_identity() {
    for (name, decls) in PAGES {
        let html = fixture(&format!("{name}.html"));
        let mut want = html.clone();
        for (from, to) in decls {
            assert_eq!(html.matches(from).count(), 1, "{name}: {from}");
            want = want.replace(from, to);
        }
        let (got, stats) = keep_identity(&[&html]);
        assert_eq!(got, want, "{name}");
        assert_eq!(stats.charset_rewritten, decls.len() as u64, "{name}");
    }
}

/// encoding_rs's habit: every split point, here into two pieces, and the
/// whole page one character at a time.
#[test]
fn pages_every_split_point() {
    for (name, _) in PAGES {
        let html = fixture(&format!("{name}.html"));
        let keep = keep_marked(&[&html]);
        let text = extract(&[&html]);
        for (k, _) in html.char_indices().skip(1) {
            let halves = [&html[..k], &html[k..]];
            assert_eq!(keep_marked(&halves), keep, "{name}: keep cut at {k}");
            assert_eq!(extract(&halves), text, "{name}: text cut at {k}");
        }
        let chars: Vec<String> = html.chars().map(String::from).collect();
        let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(keep_marked(&chars), keep, "{name}: keep by characters");
        assert_eq!(extract(&chars), text, "{name}: text by characters");
    }
}

/// The use the module is made for: the caller's converter borrowed by the
/// transform.
#[test]
fn keep_mode_with_converter() {
    let t2s = Converter::new("t2s").expect("t2s");
    let html = fixture("news.html");
    let seen = RefCell::new(Vec::new());
    let (got, _) = keep_with(&[&html], |text: &str, kind: TextKind, out: &mut String| {
        seen.borrow_mut().push(kind);
        out.push_str(&t2s.convert(text));
    });
    assert!(got.contains("<title>台风&#20013;心逼近　东部沿海发布警报</title>"));
    assert!(got.contains("content=\"台风逼近东部\""));
    assert!(got.contains("alt=\"卫星云图&amp;路径\""));
    assert!(got.contains("<p>请启用 JavaScript 以观看动态云图</p>"));
    // Untouched: style, script, comment, other attributes.
    for kept in [
        "font-family: \"微軟正黑體\"; }\n  .標題 { color: red; }",
        "var 標題 = \"颱風新聞\";",
        "<!-- 這是註解：不要轉換 -->",
        "class=\"新聞\"",
        "href=\"/山區.html\"",
        "src=\"雲圖.png\"",
    ] {
        assert!(got.contains(kept), "{kept}");
    }
    let seen = seen.into_inner();
    assert!(seen.contains(&TextKind::Node) && seen.contains(&TextKind::Attribute));
}

// ---------------------------------------------------------------- keep mode

#[test]
fn keep_touches_text_but_not_code() {
    let cases = [
        ("<p>a</p>", "<p>⟦a⟧</p>"),
        ("a<b>b</b>c", "⟦a⟧<b>⟦b⟧</b>⟦c⟧"),
        (
            "<script>a</script><style>b</style><!--c--><xmp>d</xmp><iframe>e</iframe>",
            "<script>a</script><style>b</style><!--c--><xmp>d</xmp><iframe>e</iframe>",
        ),
        (
            "<textarea>f&lt;</textarea><title>g&amp;</title>",
            "<textarea>⟦f&lt;⟧</textarea><title>⟦g&amp;⟧</title>",
        ),
        ("x<plaintext>y<p>z", "⟦x⟧<plaintext>y<p>z"),
        (
            "<svg><![CDATA[x]]><text>y</text></svg>",
            "<svg><![CDATA[x]]><text>⟦y⟧</text></svg>",
        ),
        ("<!DOCTYPE html>\n<p> </p>\n", "<!DOCTYPE html>\n<p> </p>\n"),
        ("<P>X</P >", "<P>⟦X⟧</P >"),
        (
            "<noembed>a</noembed><noframes>b</noframes>",
            "<noembed>a</noembed><noframes>b</noframes>",
        ),
        ("a < b &c", "⟦a < b &c⟧"),
    ];
    for (input, want) in cases {
        assert_eq!(marked(input), want, "{input:?}");
    }
}

#[test]
fn keep_touches_listed_attributes_only() {
    let cases = [
        (
            "<p class=\"c\" id=\"i\" data-title=\"t\" title=\"t\" lang=\"zh\">",
            "<p class=\"c\" id=\"i\" data-title=\"t\" title=\"⟪t⟫\" lang=\"zh\">",
        ),
        (
            "<img src=\"a.png\" alt=\"图\"><input placeholder=\"输入\" value=\"值\" aria-label=\"框\">",
            "<img src=\"a.png\" alt=\"⟪图⟫\"><input placeholder=\"⟪输入⟫\" value=\"值\" aria-label=\"⟪框⟫\">",
        ),
        (
            "<option label=\"l\"><optgroup label=\"g\"><track label=\"t\"><div label=\"d\">",
            "<option label=\"⟪l⟫\"><optgroup label=\"⟪g⟫\"><track label=\"⟪t⟫\"><div label=\"d\">",
        ),
        (
            "<meta name=\"Description\" content=\"d\"><meta name=\"author\" content=\"a\">",
            "<meta name=\"Description\" content=\"⟪d⟫\"><meta name=\"author\" content=\"a\">",
        ),
        (
            "<meta property=\"og:site_name\" content=\"s\"><meta property=\"og:image\" content=\"i.png\">",
            "<meta property=\"og:site_name\" content=\"⟪s⟫\"><meta property=\"og:image\" content=\"i.png\">",
        ),
        (
            "<meta name=\"twitter:title\" content=\"t\"><meta name=\"KEYWORDS\" content=\"k\">",
            "<meta name=\"twitter:title\" content=\"⟪t⟫\"><meta name=\"KEYWORDS\" content=\"⟪k⟫\">",
        ),
        // Content of a non-meta element is no prose.
        ("<div name=\"description\" content=\"x\">", "<div name=\"description\" content=\"x\">"),
        // Blank and missing values are not handed over.
        ("<img alt=\"\"><img alt><p title=\"  \">", "<img alt=\"\"><img alt><p title=\"  \">"),
        // Only the first of duplicates, as a browser reads them.
        ("<p title=\"a\" TITLE=\"b\">", "<p title=\"⟪a⟫\" TITLE=\"b\">"),
    ];
    for (input, want) in cases {
        assert_eq!(marked(input), want, "{input:?}");
    }
}

/// lol_html hands over attribute values as written, and a changed value
/// goes back into the tag's own source between the same quotes. So a value
/// comes back without double escaping and without losing `&amp;`, and the
/// rest of the tag (line breaks, quote style) stays as written.
#[test]
fn attribute_values_are_raw_and_round_trip() {
    let inputs = [
        (
            "<p title=\"A&amp;B &quot;x&quot; &#20013;\">",
            "A&amp;B &quot;x&quot; &#20013;",
        ),
        ("<p title='他说\"好\"'>", "他说\"好\""),
        ("<p title=A&amp;B>", "A&amp;B"),
        ("<p title = \"sp&lt;\" >", "sp&lt;"),
    ];
    for (input, raw) in inputs {
        let seen = RefCell::new(Vec::new());
        let (same, _) = keep_with(&[input], |t: &str, k: TextKind, out: &mut String| {
            seen.borrow_mut().push((t.to_owned(), k));
            out.push_str(t);
        });
        assert_eq!(
            seen.into_inner(),
            [(raw.to_owned(), TextKind::Attribute)],
            "{input}"
        );
        // Unchanged value: the tag stays byte for byte.
        assert_eq!(same, input);
    }
    let append = |t: &str, _: TextKind, out: &mut String| {
        out.push_str(t);
        out.push('！');
    };
    let cases = [
        (
            "<p title=\"A&amp;B &quot;x&quot;\">",
            "<p title=\"A&amp;B &quot;x&quot;！\">",
        ),
        ("<p title='他说\"好\"'>", "<p title='他说\"好\"！'>"),
        ("<p title=A&amp;B>", "<p title=\"A&amp;B！\">"),
        // `/` ends no unquoted value: this is `src="x.png/"`, no self-closing.
        (
            "<img\n  alt='a'  src=x.png/>",
            "<img\n  alt='a！'  src=x.png/>",
        ),
        ("<br title=\"t\"/>", "<br title=\"t！\"/>"),
        (
            "<meta name=\"description\"\r\n\t\tcontent=\"說明\" >",
            "<meta name=\"description\"\r\n\t\tcontent=\"說明！\" >",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(keep_with(&[input], append).0, want, "{input}");
        // However the tag is cut into pieces.
        for cut in (1..input.len()).filter(|&i| input.is_char_boundary(i)) {
            let (a, b) = input.split_at(cut);
            assert_eq!(keep_with(&[a, b], append).0, want, "{input} cut at {cut}");
        }
    }
    // The quote a value is in is escaped in what replaces it.
    let quote = |t: &str, _: TextKind, out: &mut String| {
        out.push_str(t);
        out.push_str("'\"");
    };
    assert_eq!(
        keep_with(&["<p title='a' alt=\"b\">"], quote).0,
        "<p title='a&#39;\"' alt=\"b'&quot;\">"
    );
}

#[test]
fn text_node_arrives_whole_however_cut() {
    let seen = RefCell::new(Vec::new());
    let chunks = ["<p>第一", "段&am", "p;文", "字</p><p", ">二</p>"];
    let (out, stats) = keep_with(&chunks, |t: &str, _: TextKind, out: &mut String| {
        seen.borrow_mut().push(t.to_owned());
        out.push_str(t);
    });
    assert_eq!(seen.into_inner(), ["第一段&amp;文字", "二"]);
    assert_eq!(out, chunks.concat());
    assert_eq!(stats.text_nodes, 2);
}

#[test]
fn noscript_content_is_rewritten_as_markup() {
    let input = "<noscript><p title=\"说明\">请启用脚本</p><img alt=\"图\" src=\"a.gif\"><style>x</style></noscript><p>后</p>";
    let want = "<noscript><p title=\"⟪说明⟫\">⟦请启用脚本⟧</p><img alt=\"⟪图⟫\" src=\"a.gif\"><style>x</style></noscript><p>⟦后⟧</p>";
    assert_eq!(marked(input), want);
    // Cut inside the noscript content, even inside its tags.
    for k in (0..input.len()).filter(|&k| input.is_char_boundary(k)) {
        assert_eq!(
            keep_marked(&[&input[..k], &input[k..]]).0,
            want,
            "cut at {k}"
        );
    }
    // Markup cut short by `</noscript>` still comes back as it was.
    let odd = "<noscript><img alt=\"x</noscript><p>y</p>";
    assert_eq!(keep_identity(&[odd]).0, odd);
    assert_eq!(marked(odd), "<noscript><img alt=\"x</noscript><p>⟦y⟧</p>");
    // One level only: a noscript inside is left as raw text.
    let nested = "<noscript><noscript><p>z</p></noscript>";
    assert_eq!(marked(nested), nested);
}

#[test]
fn charset_declarations() {
    let cases: [(&str, &str, u64); 12] = [
        ("<meta charset=gbk>", "<meta charset=\"utf-8\">", 1),
        ("<META CHARSET='Big5'>", "<META CHARSET='utf-8'>", 1),
        ("<meta charset=\"UTF-8\">", "<meta charset=\"UTF-8\">", 0),
        ("<meta charset=\"utf8\">", "<meta charset=\"utf8\">", 0),
        (
            "<meta charset=\"x-unknown\">",
            "<meta charset=\"utf-8\">",
            1,
        ),
        (
            "<meta http-equiv=\"content-type\" content=\"text/html;charset=GB2312\">",
            "<meta http-equiv=\"content-type\" content=\"text/html;charset=utf-8\">",
            1,
        ),
        (
            "<meta content=\"text/html; charset=big5\" http-equiv=Content-Type>",
            "<meta content=\"text/html; charset=utf-8\" http-equiv=Content-Type>",
            1,
        ),
        (
            "<meta http-equiv=\"refresh\" content=\"5; charset=gbk\">",
            "<meta http-equiv=\"refresh\" content=\"5; charset=gbk\">",
            0,
        ),
        // The charset of an external script is the script's, not the page's.
        (
            "<script charset=\"gbk\" src=\"a.js\"></script>",
            "<script charset=\"gbk\" src=\"a.js\"></script>",
            0,
        ),
        (
            "<?xml version='1.0' encoding='big5'?><p>",
            "<?xml version='1.0' encoding='utf-8'?><p>",
            1,
        ),
        (
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"GBK\"?>",
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            1,
        ),
        // Unterminated at the end of the input: no `>` is added.
        (
            "<?xml version=\"1.0\" encoding=\"gbk\"",
            "<?xml version=\"1.0\" encoding=\"utf-8\"",
            1,
        ),
    ];
    for (input, want, n) in cases {
        let (got, stats) = keep_identity(&[input]);
        assert_eq!(got, want, "{input:?}");
        assert_eq!(stats.charset_rewritten, n, "{input:?}");
    }
    // An XML declaration anywhere but at the start is just a bogus comment.
    for input in [
        " <?xml version=\"1.0\" encoding=\"gbk\"?>",
        "<p><?xml version=\"1.0\" encoding=\"gbk\"?>",
        "<?xml-stylesheet encoding=\"gbk\"?>",
    ] {
        assert_eq!(
            keep_identity(&[input]),
            (input.to_owned(), HtmlStats::default())
        );
    }
    // The byte order mark may come in a piece of its own.
    let (got, _) = keep_identity(&["", "\u{FEFF}", "<?xml version='1.0' encoding='big5'?>"]);
    assert_eq!(got, "\u{FEFF}<?xml version='1.0' encoding='utf-8'?>");
}

/// A text node beyond the cap is handed over in pieces no longer than the
/// cap; the output is the same however the input arrives.
#[test]
fn long_text_node_is_cut() {
    let line = "很长的一段文字，没有任何标签。&amp;\n";
    let body = line.repeat(2 * MAX_TEXT_NODE / line.len() + 1000);
    let html = format!("<p>{body}</p>");
    let pieces = RefCell::new(Vec::new());
    let record = |t: &str, _: TextKind, out: &mut String| {
        pieces.borrow_mut().push(t.len());
        out.push_str(t);
    };
    let chunks = cut_at(&html, (1..html.len() / 65536).map(|i| i * 65536).collect());
    assert!(chunks.len() > 30);
    let (out, stats) = keep_with(&chunks, record);
    assert_eq!(out, html);
    let pieces = pieces.into_inner();
    assert_eq!(pieces.len(), 3, "{pieces:?}");
    assert!(pieces.iter().all(|&n| n <= MAX_TEXT_NODE), "{pieces:?}");
    assert_eq!(pieces.iter().sum::<usize>(), body.len());
    assert_eq!(stats.text_nodes, 3);
    // Cut at line breaks, which is where the transform can least tell.
    let mut at = 0;
    for n in &pieces[..2] {
        at += n;
        assert_eq!(&body[at - 1..at], "\n");
    }
    assert_eq!(keep_marked(&[&html]), keep_marked(&chunks));
}

// ---------------------------------------------------------------- text mode

#[test]
fn text_mode_rules() {
    let cases = [
        ("", ""),
        ("  \n\t ", ""),
        ("<p>a</p><p>b</p>", "a\nb\n"),
        ("a<br><br>b<br/>", "a\nb\n"),
        ("<p>&nbsp;</p><p>x</p>", "x\n"),
        ("<div>  lead \n <b>x</b>  trail </div>", "lead x trail\n"),
        ("中文\n英文", "中文英文\n"),
        ("中文  英文", "中文 英文\n"),
        ("中文\nEnglish", "中文 English\n"),
        ("中文&nbsp;\n文字", "中文 文字\n"),
        ("中文<b>\n</b>文字", "中文文字\n"),
        ("<pre>  a\n\n    b  \n</pre>", "  a\n    b\n"),
        ("x<script>s</script><style>t</style><!--c-->y", "xy\n"),
        ("<title>T1</title><title>T2</title><p>b</p>", "T1\nb\n"),
        (
            "<table><tr><td>a</td><td>b</td><td></td><td>c</td></tr><tr><th>d</th></tr></table>",
            "a\tb\tc\nd\n",
        ),
        ("&amp;amp;quot;x&#20013;&#x4e2d;&lt;p&gt;", "\"x中中<p>\n"),
        (
            "<ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>字",
            "漢字\n",
        ),
        ("<svg><text>x</text></svg><math><mi>y</mi></math>z", "z\n"),
        ("<p>a</p>\u{3000}\u{3000}b\u{3000}", "a\nb\n"),
        ("a\u{3000}b", "a\u{3000}b\n"),
        ("<div>a<p>b</div>c", "a\nb\nc\n"),
        ("<xmp>&amp;<b></xmp>", "&amp;<b>\n"),
        ("<plaintext>a &amp; <b>\n c", "a &amp; <b>\n c\n"),
        ("<textarea>  x\r\n y</textarea>", "  x\n y\n"),
        ("<select><option>a</option></select>b", "b\n"),
        ("<p>x<iframe>y</iframe>z</p>", "xz\n"),
        ("<ul><li>a<li>b</ul>", "a\nb\n"),
        ("<noscript>n</noscript><template>t</template>v", "v\n"),
        (
            "<head><meta charset=gbk><title>标题</title></head><body>正文",
            "标题\n正文\n",
        ),
        ("<!DOCTYPE html><?xml version='1.0'?><p>x", "x\n"),
        (
            "<video>不支持<track></video><object>插件</object><canvas>画布</canvas>y",
            "y\n",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(text_of(input), want, "{input:?}");
    }
}

#[test]
fn text_mode_stats() {
    let (_, stats) = extract(&[
        "<title>t</title><script>s</script><svg><style>x</style></svg><p>a&amp;b &lt;</p>",
    ]);
    assert_eq!(stats.lines, 2);
    assert_eq!(stats.text_nodes, 2);
    assert_eq!(stats.dropped_elements, 2);
    assert_eq!(stats.entities.decoded, 2);
}

/// Text mode does not wait for the end of a text node: memory stays flat
/// for a page that is one huge node.
#[test]
fn text_mode_streams_long_nodes() {
    let mut ex = Extractor::new();
    let mut out = String::new();
    ex.push("<p>", &mut out).unwrap();
    let piece = "一段没有标签的文字 ".repeat(1000);
    for _ in 0..10 {
        let before = out.len();
        ex.push(&piece, &mut out).unwrap();
        assert!(out.len() > before + piece.len() / 2);
    }
    ex.finish(&mut out).unwrap();
    assert_eq!(out.lines().count(), 1);
}

// ---------------------------------------------------------------- generated

/// Pieces of HTML-ish text: tags of every parsing context, stray syntax,
/// references, whitespace of every kind. No charset declarations.
const PIECES: &[&str] = &[
    "<p>",
    "</p>",
    "<div class=\"a\">",
    "</div>",
    "<br>",
    "<br/>",
    "<b>",
    "</b>",
    "<span title=\"提示&amp;说明\">",
    "</span>",
    "<img alt='图&quot;片' src=x.png>",
    "<a href=\"/新闻?a=1&b=2\" title=标题>",
    "</a>",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<!--",
    "-->",
    "<!DOCTYPE html>",
    "<title>",
    "</title>",
    "<textarea>",
    "</textarea>",
    "<noscript>",
    "</noscript>",
    "<xmp>",
    "</xmp>",
    "<svg>",
    "</svg>",
    "<math>",
    "<![CDATA[",
    "]]>",
    "<plaintext>",
    "<template>",
    "</template>",
    "<pre>",
    "</pre>",
    "<table><tr><td>",
    "</td><td>",
    "<li>",
    "<option label=\"选项\">",
    "<select>",
    "</select>",
    "<iframe>",
    "</iframe>",
    "<ruby>",
    "<rt>",
    "</rt>",
    "<",
    ">",
    "&",
    "\"",
    "'",
    "=",
    "/",
    "&amp;",
    "&lt;",
    "&nbsp;",
    "&#20013;",
    "&#x4e2d;",
    "&amp;quot;",
    "中文",
    "繁體字",
    "English text",
    " ",
    "\n",
    "\t",
    "\r\n",
    "\u{3000}",
    "\u{a0}",
    "<?php echo 1; ?>",
    "</",
    "<!",
    "<p hidden>",
    "<input placeholder=\"输入\" value=\"值\">",
    "<meta name=\"description\" content=\"描述\">",
    "<html>",
    "<head>",
    "<body>",
    "</body>",
    "\u{FEFF}",
    "\0",
    "<P TITLE=X>",
    "<title x='",
    "<?xml version=\"1.0\"?>",
];

/// Charset declarations as lol_html writes a rewritten one back, so that an
/// oracle can undo the rewriting by replacement.
const DECLS: [(&str, &str); 3] = [
    ("<meta charset=\"gbk\">", "<meta charset=\"utf-8\">"),
    (
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">",
    ),
    (
        "<?xml version=\"1.0\" encoding=\"big5\"?>",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
    ),
];

fn soup(with_decls: bool) -> impl Strategy<Value = String> {
    let mut pieces: Vec<&'static str> = PIECES.to_vec();
    if with_decls {
        pieces.extend(DECLS.iter().map(|(d, _)| *d));
    }
    proptest::collection::vec(proptest::sample::select(pieces), 0..60).prop_map(|v| v.concat())
}

fn normalise_decls(s: &str) -> String {
    DECLS
        .iter()
        .fold(s.to_owned(), |acc, (from, to)| acc.replace(from, to))
}

fn count_decls(s: &str) -> usize {
    DECLS.iter().map(|(d, _)| s.matches(d).count()).sum()
}

/// A well-formed document tree for the structural properties.
#[derive(Debug, Clone)]
enum Node {
    /// Words (numbered when rendered) joined by the given whitespace.
    Text(Vec<&'static str>),
    Elem(&'static str, bool, Vec<Node>),
    /// Content that must never show in text mode.
    Hidden(&'static str),
    /// An image with a readable `alt`.
    Img,
}

const BLOCK_TAGS: &[&str] = &["p", "div", "li", "h2", "section", "blockquote", "ul"];
const INLINE_TAGS: &[&str] = &["span", "b", "em", "a", "q"];
/// In code and comments: shown by neither mode, transformed by neither.
const CODE: &str = "不可见";
/// In fallback and inert content: not shown in text mode, but text that
/// keep mode transforms.
const FALLBACK: &str = "看不见";
const HIDDEN: &[&str] = &[
    "<script>var x = \"不可见</p>\"; if (a<b) {}</script>",
    "<style>p::after { content: \"不可见\" }</style>",
    "<!-- 不可见 <p> -->",
    "<noscript><p>看不见</p></noscript>",
    "<template><p>看不见</p></template>",
    "<select><option>看不见</option></select>",
    "<svg><text>看不见</text></svg>",
];

fn tree() -> impl Strategy<Value = Vec<Node>> {
    let word_sep = proptest::sample::select(vec![" ", "\n", "  \n\t", ""]);
    let leaf = prop_oneof![
        4 => proptest::collection::vec(word_sep, 1..4).prop_map(Node::Text),
        1 => proptest::sample::select(HIDDEN.to_vec()).prop_map(Node::Hidden),
        1 => Just(Node::Img),
    ];
    let tags: Vec<&'static str> = BLOCK_TAGS.iter().chain(INLINE_TAGS).copied().collect();
    let node = leaf.prop_recursive(4, 48, 5, move |inner| {
        (
            proptest::sample::select(tags.clone()),
            any::<bool>(),
            proptest::collection::vec(inner, 0..5),
        )
            .prop_map(|(t, titled, kids)| Node::Elem(t, titled, kids))
    });
    proptest::collection::vec(node, 0..6)
}

/// Renders `nodes`, numbering words, and records the text-mode lines they
/// must make: each line is its words run together (whitespace removed).
struct Render {
    html: String,
    words: Vec<String>,
    lines: Vec<String>,
}

impl Render {
    fn new(nodes: &[Node]) -> Self {
        let mut r = Render {
            html: String::new(),
            words: Vec::new(),
            lines: vec![String::new()],
        };
        r.nodes(nodes);
        r.lines.retain(|l| !l.is_empty());
        r
    }

    fn boundary(&mut self) {
        if !self.lines.last().is_some_and(String::is_empty) {
            self.lines.push(String::new());
        }
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for n in nodes {
            match n {
                Node::Text(seps) => {
                    for sep in seps {
                        let n = self.words.len();
                        let w = if n.is_multiple_of(2) {
                            format!("中{n}文")
                        } else {
                            format!("w{n}x")
                        };
                        self.html.push_str(&w);
                        self.html.push_str(sep);
                        if let Some(line) = self.lines.last_mut() {
                            line.push_str(&w);
                        }
                        self.words.push(w);
                    }
                }
                Node::Hidden(h) => self.html.push_str(h),
                Node::Img => self.html.push_str("<img alt=\"图片说明\" src=\"图.png\">"),
                Node::Elem(tag, titled, kids) => {
                    let block = BLOCK_TAGS.contains(tag);
                    if block {
                        self.boundary();
                    }
                    self.html.push('<');
                    self.html.push_str(tag);
                    self.html.push_str(" class=\"c\"");
                    if *titled {
                        self.html.push_str(" title=\"说明\"");
                    }
                    self.html.push('>');
                    self.nodes(kids);
                    self.html.push_str("</");
                    self.html.push_str(tag);
                    self.html.push('>');
                    if block {
                        self.boundary();
                    }
                }
            }
        }
    }
}

/// The markers in `out` removed.
fn strip_markers(out: &str) -> String {
    out.chars().filter(|c| !"⟦⟧⟪⟫".contains(*c)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn keep_identity_reproduces_input(html in soup(false)) {
        let (out, stats) = keep_identity(&[&html]);
        prop_assert_eq!(&out, &html);
        prop_assert_eq!(stats.charset_rewritten, 0);
    }

    /// With declarations about: the output differs from the input only in
    /// declarations rewritten, as many as counted, and rewriting again
    /// changes nothing.
    #[test]
    fn keep_identity_modulo_charset(html in soup(true)) {
        let (out, stats) = keep_identity(&[&html]);
        prop_assert_eq!(normalise_decls(&out), normalise_decls(&html));
        prop_assert_eq!(
            (count_decls(&html) - count_decls(&out)) as u64,
            stats.charset_rewritten
        );
        let (again, stats2) = keep_identity(&[&out]);
        prop_assert_eq!(&again, &out);
        prop_assert_eq!(stats2.charset_rewritten, 0);
    }

    /// However the input is cut, both modes give what the whole gives.
    #[test]
    fn chunking_never_changes_output(
        html in soup(true),
        cuts in proptest::collection::vec(any::<Index>(), 0..12),
    ) {
        let pieces = split(&html, &cuts);
        prop_assert_eq!(keep_marked(&pieces), keep_marked(&[&html]));
        prop_assert_eq!(extract(&pieces), extract(&[&html]));
    }

    /// Text mode on well-formed trees: nothing hidden shows, every word
    /// shows, in order, and lines are exactly the block structure's.
    #[test]
    fn text_mode_follows_blocks(nodes in tree(), cuts in proptest::collection::vec(any::<Index>(), 0..4)) {
        let r = Render::new(&nodes);
        let (out, stats) = extract(&split(&r.html, &cuts));
        prop_assert!(!out.contains(CODE) && !out.contains(FALLBACK), "{}", out);
        let got: Vec<String> = out
            .lines()
            .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect())
            .collect();
        prop_assert_eq!(&got, &r.lines, "{}", r.html);
        prop_assert_eq!(stats.lines as usize, r.lines.len());
        prop_assert!(out.is_empty() || out.ends_with('\n'));
        for line in out.lines() {
            prop_assert!(!line.is_empty());
            prop_assert_eq!(line.trim(), line);
            prop_assert!(!line.contains("  "), "{:?}", line);
        }
    }

    /// Keep mode on the same trees: markers are all it adds; every word is
    /// inside a text-node marker, code and comments never are (fallback
    /// content is), and attribute markers sit only in `title` and `alt`.
    #[test]
    fn keep_marks_text_and_listed_attributes_only(nodes in tree()) {
        let r = Render::new(&nodes);
        let out = marked(&r.html);
        prop_assert_eq!(strip_markers(&out), r.html.clone());
        let mut outside = String::new();
        let mut inside = String::new();
        let mut depth = 0;
        for c in out.chars() {
            match c {
                '⟦' => depth += 1,
                '⟧' => depth -= 1,
                _ if depth > 0 => inside.push(c),
                _ => outside.push(c),
            }
        }
        prop_assert!(!inside.contains(CODE), "{}", out);
        prop_assert_eq!(
            inside.matches(FALLBACK).count(),
            r.html.matches(FALLBACK).count()
        );
        for w in &r.words {
            prop_assert!(!outside.contains(w.as_str()), "{} unmarked in {}", w, out);
        }
        for (i, _) in out.match_indices('⟪') {
            let before = &out[..i];
            prop_assert!(
                before.ends_with("title=\"") || before.ends_with("alt=\""),
                "{}", out
            );
        }
        prop_assert_eq!(
            out.matches('⟪').count(),
            r.html.matches("title=").count() + r.html.matches("alt=").count()
        );
    }
}

// ---------------------------------------------------------------- feeds

/// Feeds in `tests/fixtures/html/`: `NAME.xml` and its text `NAME.txt`.
const FEEDS: [&str; 2] = ["feed_rss", "feed_atom"];

#[test]
fn feeds_text_mode() {
    for name in FEEDS {
        let xml = fixture(&format!("{name}.xml"));
        let want = fixture(&format!("{name}.txt"));
        let (got, stats) = extract(&[&xml]);
        assert_eq!(got, want, "{name}");
        assert_eq!(stats.lines, want.lines().count() as u64, "{name}");
        for noise in [
            "http",
            "2024-",
            "+0800",
            "uuid",
            "未分類",
            "季节",
            "Copyright",
            "©",
        ] {
            assert!(!got.contains(noise), "{name}: {noise}");
        }
    }
}

/// Comments and CDATA sections cut anywhere, `]]>` and `-->` included.
#[test]
fn feeds_every_split_point() {
    for name in FEEDS {
        let xml = fixture(&format!("{name}.xml"));
        let text = extract(&[&xml]);
        for (k, _) in xml.char_indices().skip(1) {
            assert_eq!(extract(&[&xml[..k], &xml[k..]]), text, "{name}: cut at {k}");
        }
        let chars: Vec<String> = xml.chars().map(String::from).collect();
        let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(extract(&chars), text, "{name}: by characters");
    }
}

#[test]
fn feeds_are_told_by_their_root_element() {
    let item = "<channel><title>標題</title><link>http://a.b/</link></channel>";
    // Feeds, whatever comes before the root.
    for prolog in [
        "",
        "\u{FEFF}",
        "<?xml version=\"1.0\"?>\n",
        "<?xml version=\"1.0\"?><!-- <html> --><?xml-stylesheet href=\"a>b\"?>",
        "<!DOCTYPE rss [<!ENTITY a \"b\">]>\n",
    ] {
        for root in [
            "rss version=\"2.0\"",
            "RSS",
            "rdf:RDF xmlns:rdf=\"x\"",
            "feed",
        ] {
            let doc = format!("{prolog}<{root}>{item}</rss>");
            assert_eq!(text_of(&doc), "標題\n", "{doc}");
        }
    }
    // Not feeds: HTML (XHTML with an XML declaration too), or a root that
    // only starts like a feed's, or text first.
    for doc in [
        "<?xml version=\"1.0\"?><html><body><rss><title>標題</title><link>http://a.b/</link>",
        "<rssx><title>標題</title><link>http://a.b/</link>",
        "文字<rss><title>標題</title><link>http://a.b/</link>",
    ] {
        assert!(text_of(doc).contains("http://a.b/"), "{doc}");
    }
    // A root not yet complete at the end is HTML.
    assert_eq!(text_of("<?xml version=\"1.0\"?><rs"), "");
    assert_eq!(text_of("<!-- 註釋"), "");
    assert_eq!(text_of("  <rss"), "");
    // Only the first 64 KiB are looked at.
    let long = format!(
        "<!--{}--><rss><link>http://a.b/</link></rss>",
        " ".repeat(70_000)
    );
    assert_eq!(text_of(&long), "http://a.b/\n");
}

#[test]
fn feed_rules() {
    let rss = |body: &str| {
        text_of(&format!(
            "<rss><channel><item>{body}</item></channel></rss>"
        ))
    };
    // CDATA: markup, or text where the type says so.
    assert_eq!(
        rss("<description><![CDATA[甲<b>乙</b>&amp;丙]]></description>"),
        "甲乙&丙\n"
    );
    assert_eq!(
        text_of("<feed><summary type=\"text\"><![CDATA[甲<b>乙</b>&amp;]]></summary></feed>"),
        // (`&amp;` is text here, but text mode undoes double escapes.)
        "甲<b>乙</b>&\n"
    );
    // Escaped HTML is decoded once, then read as HTML.
    assert_eq!(
        rss("<title>&lt;b&gt;甲&lt;/b&gt; &amp;amp; 乙</title>"),
        "甲 & 乙\n"
    );
    // Sloppy feeds with HTML not escaped, a void tag among it.
    assert_eq!(
        rss("<description><p>甲<br>乙</p><img src=x></description><title>丙</title>"),
        "甲\n乙\n丙\n"
    );
    // Every element is a line; unknown ones keep their text.
    assert_eq!(
        rss("<a:x>甲</a:x><a:y>乙<a:z>丙</a:z></a:y>"),
        "甲\n乙\n丙\n"
    );
    // Machine fields go with what is inside, nested alike.
    assert_eq!(
        rss("<guid>g</guid><image><title>甲</title><image>i</image><url>u</url></image><title>乙</title>"),
        "乙\n"
    );
    assert_eq!(rss("<category term=\"甲\"/><link href=\"x\"/>乙"), "乙\n");
    assert_eq!(
        rss("<wfw:commentRss>x</wfw:commentRss><slash:comments>3</slash:comments>"),
        ""
    );
    // A text element ends only at its own end tag.
    assert_eq!(
        rss("<description>甲<description>乙</description>丙</description>丁"),
        "甲乙丙\n丁\n"
    );
    // Comments, processing instructions and doctypes give nothing; a `<`
    // that starts nothing is text.
    assert_eq!(
        rss("<title>甲<!-- 乙 -->丙<?pi 丁?></title><x>1 < 2</x>"),
        "甲丙\n1 < 2\n"
    );
    // Unterminated constructs at the end.
    assert_eq!(text_of("<rss><title><![CDATA[甲]]"), "甲]]\n");
    assert_eq!(text_of("<rss><title>甲<!-- 乙"), "甲\n");
    assert_eq!(text_of("<rss><title>甲</title><x a=\"乙>"), "甲\n");
}

#[test]
fn feed_stats() {
    let (got, stats) = extract(&[
        "<rss><channel><title>甲</title><link>l</link><guid>g</guid>",
        "<description><![CDATA[<p>乙</p><script>x</script><p>丙&amp;</p>]]></description>",
        "</channel></rss>",
    ]);
    assert_eq!(got, "甲\n乙\n丙&\n");
    assert_eq!(stats.lines, 3);
    assert_eq!(stats.dropped_elements, 3);
    assert_eq!(stats.text_nodes, 3);
    assert_eq!(stats.entities.decoded, 1);
}

/// A feed from pieces that stress the tokenizer: CDATA with markup and
/// `]`, comments with `-` and `>`, escaped HTML, machine fields with text
/// that must never show, self-closing tags, stray `<`.
fn feed_doc() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "<item>",
        "</item>",
        "<title>標題&amp;甲</title>",
        "<description><![CDATA[<p>段落]]]></p>]]></description>",
        "<description>&lt;p&gt;轉義&lt;br/&gt;文字&lt;/p&gt;</description>",
        "<content type=\"xhtml\"><div><p>內聯</p><br/></div></content>",
        "<summary type=\"text\">a &lt; b</summary>",
        "<link>MACHINE</link>",
        "<guid isPermaLink=\"false\">MACHINE</guid>",
        "<image><title>MACHINE</title><url>MACHINE</url></image>",
        "<category term=\"MACHINE\"/>",
        "<link href=\"MACHINE\" />",
        "<!-- MACHINE -- > --->",
        "<?pi MACHINE ?>",
        "<![CDATA[ 一 ]] 二 ]]>",
        "<dc:creator>作者</dc:creator>",
        "1 < 2",
        "\n  \t",
        "\u{3000}全角",
        "&nbsp;",
        "<br>",
    ]);
    proptest::collection::vec(piece, 0..24).prop_map(|pieces| {
        format!(
            "<?xml version=\"1.0\"?>\n<rss><channel>{}</channel></rss>",
            pieces.concat()
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn feeds_chunking_never_changes_output(
        doc in feed_doc(),
        cuts in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        let whole = extract(&[&doc]);
        prop_assert_eq!(&extract(&split(&doc, &cuts)), &whole);
        let (out, stats) = whole;
        prop_assert!(!out.contains("MACHINE"), "{}", out);
        prop_assert!(out.is_empty() || out.ends_with('\n'));
        prop_assert_eq!(stats.lines as usize, out.lines().count());
        for line in out.lines() {
            prop_assert!(!line.is_empty());
            prop_assert_eq!(line.trim(), line);
        }
    }
}

/// Feeds wrap descriptions in CDATA sections, which an HTML tokenizer
/// reads as a comment up to the first `>`: their text is rewritten either
/// way.
#[test]
fn cdata_sections_are_rewritten() {
    let convert = |t: &str, _: TextKind, out: &mut String| {
        out.push_str(&t.replace('試', "试").replace('題', "题"));
    };
    let cases = [
        (
            "<description><![CDATA[試下今日]]></description><!-- 試 -->",
            "<description><![CDATA[试下今日]]></description><!-- 試 -->",
        ),
        (
            "<description><![CDATA[<p>試下</p><p title='題'>題</p>]]></description>",
            "<description><![CDATA[<p>试下</p><p title='题'>题</p>]]></description>",
        ),
        // Cut off by the end of the input: left alone.
        ("<description><![CDATA[試下", "<description><![CDATA[試下"),
    ];
    for (input, want) in cases {
        assert_eq!(keep_with(&[input], convert).0, want, "{input}");
    }
}

/// Saved pages often open with a comment before the doctype.
#[test]
fn a_page_opening_with_a_comment_is_html() {
    use zhnorm::clean::looks_like_html;
    assert!(looks_like_html(
        "<!-- saved from url=(0042)http://example.com/ -->\n<html lang=\"zh\">"
    ));
    assert!(looks_like_html("\u{FEFF}<!--a--><!--b-->\n<!DOCTYPE html>"));
    assert!(!looks_like_html("<!-- 备注 -->\n今天的新闻。"));
    assert!(!looks_like_html("<!-- 没有结束"));
}
