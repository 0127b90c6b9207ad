//! Properties of the whole text side (cleanup, HTML, conversion) as the
//! command line runs it: running it on its own output changes nothing, and
//! splitting the input into pieces never changes the output.
//!
//! Inputs are drawn from fragments written for this test, each exercising
//! one cleanup step, so random concatenations meet every step at once.

use proptest::prelude::*;
use zhnorm::convert::Converter;
use zhnorm::pipeline::{run_pieces, Format, HtmlMode, Options, Pipeline};

const TEXT_PARTS: &[&str] = &[
    "經濟發展",
    "區(qū)域經(jīng)濟(jì)",
    "發(fā)展",
    "們(men)",
    "短信(duǎnxìn)",
    "長江(Cháng Jiāng)",
    "我們認為,",
    "好嗎?",
    "中文(注釋)",
    "1,000",
    "3:30",
    "ＡＢＣ１２３",
    "a\u{200B}b",
    "\u{00A0}",
    "\u{FEFF}",
    "\u{0007}",
    "\u{F900}",
    "\u{2F00}",
    "e\u{0301}",
    "&nbsp;",
    "&#20013;",
    "&amp;quot;",
    "&lt;b&gt;",
    "![]()",
    "[]()",
    "| | |",
    "娴嬭瘯",
    "Ã¦Âµâ€¹",
    "測試",
    "hello world",
    "printf(\"%d\", x);",
    " ",
    "\n",
    "\r\n",
    "\t",
    "，",
    "。",
];

const HTML_PARTS: &[&str] = &[
    "<p>",
    "</p>",
    "<div class=\"a\">",
    "</div>",
    "<br>",
    "<img alt=\"圖片說明\" src=\"a.png\">",
    "<a title=\"標題,說明\" href=\"/x?a=1&amp;b=2\">",
    "</a>",
    "<script>var s = \"漢字, (x)\";</script>",
    "<style>p{color:red}</style>",
    "<!-- 註釋 -->",
    "<title>新聞標題</title>",
    "<meta charset=\"gbk\">",
];

fn t2s() -> Converter {
    Converter::new("t2s").unwrap()
}

fn run_in_pieces(options: Options, conv: &Converter, text: &str, cuts: &[usize]) -> String {
    let mut p = Pipeline::new(options, Some(conv));
    let mut out = String::new();
    let mut from = 0;
    for &cut in cuts {
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut > from {
            p.push(&text[from..cut], &mut out).unwrap();
            from = cut;
        }
    }
    p.push(&text[from..], &mut out).unwrap();
    p.finish(&mut out).unwrap();
    out
}

fn run(options: Options, conv: &Converter, text: &str) -> String {
    run_in_pieces(options, conv, text, &[])
}

fn text_options() -> Options {
    Options {
        format: Format::Text,
        ..Options::default()
    }
}

fn html_options(html: HtmlMode) -> Options {
    Options {
        format: Format::Html,
        html,
        ..Options::default()
    }
}

fn doc(parts: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(parts), 0..max).prop_map(|v| v.concat())
}

fn html_doc() -> impl Strategy<Value = String> {
    let both: Vec<&'static str> = HTML_PARTS.iter().chain(TEXT_PARTS).copied().collect();
    proptest::collection::vec(prop::sample::select(both), 0..60).prop_map(|v| v.concat())
}

fn cuts() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0usize..600, 0..10).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_twice_equals_once(text in doc(TEXT_PARTS, 60)) {
        let conv = t2s();
        let once = run(text_options(), &conv, &text);
        let twice = run(text_options(), &conv, &once);
        prop_assert_eq!(twice, once, "input {:?}", text);
    }

    #[test]
    fn text_chunking_never_changes_the_output(text in doc(TEXT_PARTS, 60), cuts in cuts()) {
        let conv = t2s();
        prop_assert_eq!(
            run_in_pieces(text_options(), &conv, &text, &cuts),
            run(text_options(), &conv, &text)
        );
    }

    #[test]
    fn html_keep_twice_equals_once(text in html_doc()) {
        let conv = t2s();
        let opts = html_options(HtmlMode::Keep);
        let once = run(opts, &conv, &text);
        let twice = run(opts, &conv, &once);
        prop_assert_eq!(twice, once, "input {:?}", text);
    }

    #[test]
    fn html_text_twice_equals_once(text in html_doc()) {
        // The second run reads the extracted text as text, as a user
        // running zhnorm on its own output would.
        let conv = t2s();
        let once = run(html_options(HtmlMode::Text), &conv, &text);
        let twice = run(text_options(), &conv, &once);
        prop_assert_eq!(twice, once, "input {:?}", text);
    }

    #[test]
    fn html_chunking_never_changes_the_output(text in html_doc(), cuts in cuts()) {
        let conv = t2s();
        for mode in [HtmlMode::Keep, HtmlMode::Text] {
            prop_assert_eq!(
                run_in_pieces(html_options(mode), &conv, &text, &cuts),
                run(html_options(mode), &conv, &text)
            );
        }
    }

    #[test]
    fn pieces_on_threads_give_what_one_pipeline_gives(
        text in doc(TEXT_PARTS, 80),
        piece in 1usize..120,
    ) {
        let conv = t2s();
        let mut p = Pipeline::new(text_options(), Some(&conv));
        let mut whole = String::new();
        p.push(&text, &mut whole).unwrap();
        let stats = p.finish(&mut whole).unwrap();
        let annotations = stats.clean.pinyin.removed + stats.clean.pinyin.kept;
        match run_pieces(&text, text_options(), Some(&conv), piece, stats.language) {
            Some((out, s)) => {
                prop_assert_eq!(out, whole, "input {:?}", text);
                prop_assert_eq!(s.clean, stats.clean);
            }
            // Declined exactly when the document has a pinyin annotation,
            // whose verdict is document-wide.
            None => prop_assert!(annotations > 0, "declined without an annotation: {:?}", text),
        }
        if annotations > 0 {
            prop_assert!(run_pieces(&text, text_options(), Some(&conv), piece, stats.language).is_none());
        }
    }

    #[test]
    fn format_sniffing_does_not_depend_on_chunking(
        text in html_doc(),
        comment in prop::bool::ANY,
        cuts in cuts(),
    ) {
        let conv = t2s();
        let text = if comment { format!("<!-- saved -->\n{text}") } else { text };
        prop_assert_eq!(
            run_in_pieces(Options::default(), &conv, &text, &cuts),
            run(Options::default(), &conv, &text)
        );
    }

    #[test]
    fn convert_only_is_conversion_alone(text in doc(TEXT_PARTS, 60)) {
        let conv = t2s();
        prop_assert_eq!(run(Options::convert_only(), &conv, &text), conv.convert(&text));
    }
}

/// Found by `html_text_twice_equals_once`: a combining accent next to
/// mojibake. Mojibake repair must see the composed letter in the first run
/// too, or the second run repairs what the first left.
#[test]
fn combining_mark_next_to_mojibake_is_stable() {
    let conv = t2s();
    for (opts, input) in [
        (html_options(HtmlMode::Text), "e\u{301}，娴嬭瘯<p>"),
        (text_options(), "e\u{301}，娴嬭瘯\n"),
        (html_options(HtmlMode::Keep), "<p>e\u{301}，娴嬭瘯</p>"),
        // Also found: tidy's radical and zero-width fixes change what the
        // repair sees.
        (text_options(), "hello world娴嬭瘯⼀娴嬭瘯a\u{200b}b"),
    ] {
        let once = run(opts, &conv, input);
        let second = if opts.html == HtmlMode::Text && opts.format == Format::Html {
            text_options()
        } else {
            opts
        };
        assert_eq!(run(second, &conv, &once), once, "{input:?}");
    }
}

/// A saved page's first line is often a comment alone; the format is not
/// decided on it.
#[test]
fn a_comment_line_first_does_not_make_a_page_text() {
    let conv = t2s();
    let page = "<!-- saved from url=(0042)http://example.com/?a=1&amp;b=2 -->\n<html><body><a href=\"?a=1&amp;b=2\">經濟</a></body></html>\n";
    let want = "<!-- saved from url=(0042)http://example.com/?a=1&amp;b=2 -->\n<html><body><a href=\"?a=1&amp;b=2\">经济</a></body></html>\n";
    let cut = page.find('\n').unwrap() + 1;
    assert_eq!(run_in_pieces(Options::default(), &conv, page, &[cut]), want);
    assert_eq!(run(Options::default(), &conv, page), want);
}
