//! The cleanup flags of the command line: each step can be turned off
//! alone, `--convert-only` turns them all off, HTML is kept or reduced to
//! text, and line endings are kept unless asked.

use zhnorm::convert::Converter;

use crate::support::cli::{ok, run_stdin_all};

/// One line that every step has something to do in.
const MESSY: &str = "價格&nbsp;每斤30元,詳見&#20013;央公告\u{200B}。\r\n\
                     區(qū)域經(jīng)濟(jì)發(fā)展,型號ＡＢ１２。![]()\r\n\
                     | | |\r\n";

#[test]
fn every_step_runs_by_default() {
    assert_eq!(
        ok(&[], MESSY),
        "价格 每斤30元，详见中央公告。\r\n区域经济发展，型号AB12。\r\n"
    );
}

#[test]
fn each_step_can_be_turned_off_alone() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--skip", "entities"],
            "价格&nbsp;每斤30元，详见&#20013;央公告。\r\n区域经济发展，型号AB12。\r\n",
        ),
        (
            &["--keep-pinyin"],
            "价格 每斤30元，详见中央公告。\r\n区(qū)域经(jīng)济(jì)发(fā)展，型号AB12。\r\n",
        ),
        (
            &["--skip", "pinyin"],
            "价格 每斤30元，详见中央公告。\r\n区(qū)域经(jīng)济(jì)发(fā)展，型号AB12。\r\n",
        ),
        (
            &["--punct", "keep"],
            "价格 每斤30元,详见中央公告。\r\n区域经济发展,型号AB12。\r\n",
        ),
        (
            &["--skip", "width"],
            "价格 每斤30元，详见中央公告。\r\n区域经济发展，型号ＡＢ１２。\r\n",
        ),
        (
            &["--skip", "unicode"],
            "价格\u{A0}每斤30元，详见中央公告\u{200B}。\r\n区域经济发展，型号AB12。\r\n",
        ),
        (
            &["--skip", "markdown"],
            "价格 每斤30元，详见中央公告。\r\n区域经济发展，型号AB12。![]()\r\n| | |\r\n",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(ok(args, MESSY), *want, "{args:?}");
    }
}

#[test]
fn skip_takes_a_list() {
    let got = ok(&["--skip", "punct,width", "--skip", "markdown"], MESSY);
    assert_eq!(
        got,
        "价格 每斤30元,详见中央公告。\r\n区域经济发展,型号ＡＢ１２。![]()\r\n| | |\r\n"
    );
}

#[test]
fn convert_only_is_conversion_alone() {
    let want = Converter::new("t2s").unwrap().convert(MESSY);
    assert_eq!(ok(&["--convert-only"], MESSY), want);
    // Markup is not looked for either.
    let page = "<html><head><meta charset=\"gbk\"></head><body><p>漢字&amp;</p></body></html>\n";
    assert_eq!(
        ok(&["--convert-only"], page),
        Converter::new("t2s").unwrap().convert(page)
    );
}

#[test]
fn line_endings_are_kept_unless_asked() {
    let text = "第一行,有逗号\r\n第二行\n第三行\r\n";
    assert_eq!(ok(&[], text), "第一行，有逗号\r\n第二行\n第三行\r\n");
    assert_eq!(
        ok(&["--eol", "lf"], text),
        "第一行，有逗号\n第二行\n第三行\n"
    );
    assert_eq!(
        ok(&["--eol", "crlf"], text),
        "第一行，有逗号\r\n第二行\r\n第三行\r\n"
    );
}

const PAGE: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"big5\">\
<title>新聞標題</title><script>var s = \"漢字, (x)\";</script>\
<style>p { font-family: \"細明體\"; }</style></head>\n\
<body><div class=\"nav\"><a href=\"/\" title=\"回首頁\">首頁</a></div>\n\
<p>經濟發展,前景看好&nbsp;&amp;\u{3000}<b>機會</b>多</p>\
<img src=\"a.png\" alt=\"會議現場\"><p>第二段</p></body></html>\n";

#[test]
fn html_keep_cleans_text_and_readable_attributes_only() {
    let got = ok(&[], PAGE);
    assert!(got.contains("<meta charset=\"utf-8\">"), "{got}");
    assert!(got.contains("<title>新闻标题</title>"), "{got}");
    // Script and style are code: not converted, not punctuated.
    assert!(got.contains("var s = \"漢字, (x)\";"), "{got}");
    assert!(got.contains("\"細明體\""), "{got}");
    assert!(got.contains("title=\"回首页\""), "{got}");
    assert!(got.contains("alt=\"会议现场\""), "{got}");
    assert!(got.contains("href=\"/\""), "{got}");
    // Text: converted, punctuation fixed, the markup-significant `&amp;`
    // left escaped, the no-break space made a space.
    assert!(
        got.contains("<p>经济发展，前景看好 &amp;\u{3000}<b>机会</b>多</p>"),
        "{got}"
    );
}

#[test]
fn html_text_gives_readable_lines() {
    let got = ok(&["--html", "text"], PAGE);
    assert_eq!(
        got,
        "新闻标题\n首页\n经济发展，前景看好 &\u{3000}机会多\n第二段\n"
    );
}

#[test]
fn format_text_treats_markup_as_text() {
    let got = ok(&["--format", "text"], PAGE);
    // The declaration is text now, so it is not rewritten; the script is
    // converted like everything else.
    assert!(got.contains("<meta charset=\"big5\">"), "{got}");
    assert!(got.contains("var s = \"汉字, (x)\";"), "{got}");
}

#[test]
fn format_html_forces_markup() {
    // Too little to be sniffed as a page.
    let frag = "<b>經濟</b> &amp; <i>發展</i>\n";
    assert_eq!(ok(&[], frag), "<b>经济</b> & <i>发展</i>\n");
    assert_eq!(
        ok(&["--format", "html"], frag),
        "<b>经济</b> &amp; <i>发展</i>\n"
    );
}

#[test]
fn unknown_step_is_a_usage_error() {
    let o = run_stdin_all(&["--skip", "nonsense"], "".as_bytes());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nonsense") && err.contains("pinyin"), "{err}");
}

#[test]
fn detect_json_counts_each_step() {
    let o = run_stdin_all(&["detect", "--json"], MESSY.as_bytes());
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pinyin_removed"], 4);
    assert_eq!(v["entities_decoded"], 2);
    assert_eq!(v["tidy"]["punct"], 2);
    assert_eq!(v["tidy"]["width"], 4);
    assert_eq!(v["tidy"]["invisible"], 1);
    assert_eq!(v["tidy"]["nbsp"], 1);
    assert_eq!(v["tidy"]["markdown"], 2);
    assert_eq!(v["format"], "text");
    let o = run_stdin_all(&["detect", "--json"], PAGE.as_bytes());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"], "html");
    assert_eq!(v["html"]["charset_rewritten"], 1);
    assert_eq!(v["html"]["attributes"], 2);
}

#[test]
fn double_escaped_attributes_are_decoded_once_and_for_all() {
    // A title that was escaped twice by the scraper: decoded fully, with
    // what is markup kept escaped, so a second run finds nothing to do.
    let page = "<html><head><title>x</title></head><body>\
                <a title=\"未完成&amp;#12415;｜A&amp;B &lt;c&gt; &quot;q&quot;\" \
                href=\"/?a=1&amp;b=2\">x</a></body></html>\n";
    let once = ok(&[], page);
    assert!(
        once.contains("title=\"未完成み｜A&amp;B &lt;c&gt; &quot;q&quot;\""),
        "{once}"
    );
    assert!(once.contains("href=\"/?a=1&amp;b=2\""), "{once}");
    assert_eq!(ok(&[], &once), once);
}
