//! The tidy step: each rule on sentences written for these tests, the
//! look-alikes each rule must leave alone, and properties (fixed point,
//! line-by-line equals whole, line breaks kept, clean prose untouched).

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;
use zhnorm::clean::tidy::{tidy, tidy_line, Eol, TidyOptions, TidyStats};

fn run(text: &str) -> String {
    tidy(text, &TidyOptions::default()).0
}

fn check(cases: &[(&str, &str)], opts: &TidyOptions) {
    for &(input, want) in cases {
        let (got, stats) = tidy(input, opts);
        assert_eq!(got, want, "input {input:?}");
        assert_eq!(
            stats.total() == 0,
            got == input,
            "counts {stats:?} for {input:?}"
        );
        assert_eq!(tidy(&got, opts).0, got, "not a fixed point: {input:?}");
    }
}

fn unchanged(cases: &[&str], opts: &TidyOptions) {
    for &input in cases {
        let (got, stats) = tidy(input, opts);
        assert_eq!(got, input);
        assert_eq!(stats, TidyStats::default(), "{input:?}");
    }
}

#[test]
fn comma_semicolon_colon_between_chinese() {
    check(
        &[
            ("南京大学,江苏省", "南京大学，江苏省"),
            ("南京大学, 江苏省", "南京大学，江苏省"),
            ("南京大学,   江苏省", "南京大学，江苏省"),
            ("苹果;香蕉;橘子", "苹果；香蕉；橘子"),
            ("注意:室内禁止吸烟", "注意：室内禁止吸烟"),
            ("他说:“明天再来。”", "他说：“明天再来。”"),
            ("“好的”,她回答", "“好的”，她回答"),
            ("北京,上海,广州,深圳", "北京，上海，广州，深圳"),
            ("第一,第二。第三,第四", "第一，第二。第三，第四"),
            ("原文见《通知》,请查收", "原文见《通知》，请查收"),
            ("〇,一", "〇，一"),
            ("𠀀,𠀁", "𠀀，𠀁"),
        ],
        &TidyOptions::default(),
    );
}

#[test]
fn question_and_exclamation() {
    check(
        &[
            ("你今天去学校吗?", "你今天去学校吗？"),
            ("真的吗?!", "真的吗？！"),
            ("太好了!!!", "太好了！！！"),
            ("你去吗? 我不去了", "你去吗？我不去了"),
            ("怎么办?”他问。", "怎么办？”他问。"),
            ("怎么办?」", "怎么办？」"),
            ("真的吗?   ", "真的吗？   "),
            ("已经结束了吗？!", "已经结束了吗？！"),
        ],
        &TidyOptions::default(),
    );
}

#[test]
fn brackets_convert_as_pairs() {
    check(
        &[
            ("中文(注释)中文", "中文（注释）中文"),
            ("会议纪要(第二稿)", "会议纪要（第二稿）"),
            ("中文 (注释) 中文", "中文（注释）中文"),
            ("(一)总则", "（一）总则"),
            ("    (二)附则", "    （二）附则"),
            (
                "报告(第三部分(修订)定稿)完",
                "报告（第三部分（修订）定稿）完",
            ),
            ("中文((注))", "中文（（注））"),
            ("“引文”(出处)", "“引文”（出处）"),
            ("他(你好吗?)", "他（你好吗？）"),
            ("中,(注)", "中，（注）"),
            ("好笑吗?(笑)", "好笑吗？（笑）"),
            ("问题(见图(a))", "问题（见图(a)）"),
        ],
        &TidyOptions::default(),
    );
}

#[test]
fn punctuation_look_alikes_stay() {
    unchanged(
        &[
            "1,000",
            "共计1,000元",
            "下午3:30开会",
            "比分2:1",
            "a(1)",
            "函数f(x)的定义域",
            "http://a.b/c?x=1",
            "详见http://example.com/路径?参数=1了解",
            "维基 https://zh.wikipedia.org/wiki/长江(河流) 条目",
            "网址www.example.com/搜索?关键词=中文",
            "printf(\"%d, %d\", a, b);",
            "print(\"你好\")",
            "(print \"你好\")",
            "if (变量 > 0) {",
            "Hello, world! How are you? Fine: thanks (really).",
            "長江(Cháng Jiāng)",
            "短信(duǎnxìn)",
            "实验室(skylab)",
            "水深(m)",
            "中文, English",
            "他说:\"你好\"",
            "好的:)",
            "中文,123",
            "中文,\t中文",
            "`数组,长度`",
            "中文,,中文",
            "中文(注释",
            "注释)中文",
            "“yes”,“no”",
            "中文 ,中文",
            "步骤如下:",
            "名称: value",
            "你好!Hello",
            "见下图![示意图](a.png)",
        ],
        &TidyOptions::default(),
    );
}

#[test]
fn width() {
    check(
        &[
            ("ＡＢＣ１２３ａｂｃ", "ABC123abc"),
            ("第１名", "第1名"),
            ("Ｗｉｎｄｏｗｓ系统", "Windows系统"),
        ],
        &TidyOptions::default(),
    );
    unchanged(
        &[
            "全角，标点！（保留）：；？",
            "１２３"[..0].as_ref(),
            "＠＃％＆＊",
        ],
        &TidyOptions::default(),
    );
}

#[test]
fn invisible_characters() {
    check(
        &[
            ("中\u{200B}文", "中文"),
            ("\u{FEFF}开头", "开头"),
            ("中间\u{FEFF}也删", "中间也删"),
            ("词\u{2060}连接", "词连接"),
            ("软\u{00AD}连字符", "软连字符"),
            ("中\u{200D}文", "中文"),
            ("中\u{200C}文", "中文"),
            ("ab\u{200C}cd", "abcd"),
            ("x\u{180E}y", "xy"),
            ("中\u{200B},\u{200B}文", "中，文"),
        ],
        &TidyOptions::default(),
    );
    unchanged(
        &[
            "一家人👨\u{200D}👩\u{200D}👧来了",
            "彩虹旗🏳\u{FE0F}\u{200D}🌈",
            "程序员👩🏽\u{200D}💻",
            "می\u{200C}خواهم",
            "क्\u{200D}ष",
            "ᠬᠠᠷ\u{180E}ᠠ",
        ],
        &TidyOptions::default(),
    );
}

#[test]
fn controls_and_spaces() {
    check(
        &[
            ("中\u{1}文", "中文"),
            ("响铃\u{7}删除", "响铃删除"),
            ("换页\u{C}与\u{B}竖表", "换页与竖表"),
            ("删除\u{7F}键", "删除键"),
            ("C1\u{85}\u{9F}控制", "C1控制"),
            ("中\u{A0}文", "中 文"),
            ("1\u{202F}000", "1 000"),
            ("12\u{2007}345", "12 345"),
        ],
        &TidyOptions::default(),
    );
    unchanged(
        &["中\t文", "a\tb\tc", "全角　空格", "行尾\n", "行尾\r\n"],
        &TidyOptions::default(),
    );
}

#[test]
fn radicals_compatibility_ideographs_and_nfc() {
    check(
        &[
            ("⼀⼈⼤", "一人大"),
            ("⼭⽔画", "山水画"),
            ("\u{2E9F}亲", "母亲"),
            ("\u{F900}", "\u{8C48}"),
            ("\u{2F800}", "\u{4E3D}"),
            ("cafe\u{301}", "café"),
            ("\u{212B}ngström", "Ångström"),
            ("e\u{200B}\u{301}", "é"),
            ("e\u{1}\u{301}", "é"),
            ("a\u{323}\u{307}", "\u{1EA1}\u{307}"),
            // NFC turns the Greek question mark into `;`, which then sits
            // between Chinese characters.
            ("中\u{37E}文", "中；文"),
            ("Ａ\u{301}", "Á"),
        ],
        &TidyOptions::default(),
    );
    // Unified ideographs that the compatibility block holds unchanged.
    unchanged(
        &["\u{FA0E}\u{FA0F}\u{FA11}", "⺀⺁"],
        &TidyOptions::default(),
    );
}

#[test]
fn markdown_remnants() {
    check(
        &[
            ("前文![]()后文", "前文后文"),
            ("前文 ![]() 后文", "前文 后文"),
            ("前文[ ]( )后文", "前文后文"),
            ("前文 ![]()", "前文"),
            ("![]() 后文", "后文"),
            ("第一行\n![]()\n第三行\n", "第一行\n第三行\n"),
            ("第一行\r\n  [](  )  \r\n第三行", "第一行\r\n第三行"),
            ("表头\n| | |\n||\n|\n|\t|\n内容", "表头\n内容"),
            ("[![]()]()\n", ""),
            ("[ ![]() ]()\n", ""),
            ("a\n\u{A0}|\u{200B}|\n", "a\n"),
        ],
        &TidyOptions::default(),
    );
    unchanged(
        &[
            "![图](a.png)",
            "[链接](https://example.com)",
            "![替代文字]()",
            "[](目标)",
            "auto f = []() { return 1; };",
            "sort(v, []() -> bool { return true; });",
            "`[]()` 是空链接",
            "|---|---|",
            "| 姓名 | 年龄 |",
            "a\n\nb\n",
            "\n\n",
            "  \n",
            "[] ()",
        ],
        &TidyOptions::default(),
    );
}

#[test]
fn line_endings() {
    let text = "第一行\r\n第二行\r第三行\n最后一行";
    let keep = TidyOptions::default();
    assert_eq!(tidy(text, &keep), (text.to_string(), TidyStats::default()));
    let lf = TidyOptions {
        eol: Eol::Lf,
        ..TidyOptions::default()
    };
    let (out, stats) = tidy(text, &lf);
    assert_eq!(out, "第一行\n第二行\n第三行\n最后一行");
    assert_eq!(stats.eol, 2);
    let crlf = TidyOptions {
        eol: Eol::Crlf,
        ..TidyOptions::default()
    };
    let (out, stats) = tidy(text, &crlf);
    assert_eq!(out, "第一行\r\n第二行\r\n第三行\r\n最后一行");
    assert_eq!(stats.eol, 2);
    // Only the line break changes under an EOL option alone.
    let only = TidyOptions {
        eol: Eol::Lf,
        ..TidyOptions::none()
    };
    assert!(!only.is_noop());
    assert_eq!(tidy("中,文\r\n", &only).0, "中,文\n");
}

#[test]
fn options_switch_steps_off() {
    let all = TidyOptions::default();
    let text = "ＡＢ\u{200B}中文,中文![]()";
    assert_eq!(run(text), "AB中文，中文");
    let no_punct = TidyOptions {
        punct: false,
        ..all
    };
    assert_eq!(tidy(text, &no_punct).0, "AB中文,中文");
    let no_width = TidyOptions {
        width: false,
        ..all
    };
    assert_eq!(tidy(text, &no_width).0, "ＡＢ中文，中文");
    // Full-width letters left alone are Chinese context themselves.
    assert_eq!(tidy("ＡＢ,中文", &no_width).0, "ＡＢ，中文");
    let no_unicode = TidyOptions {
        unicode: false,
        ..all
    };
    assert_eq!(tidy(text, &no_unicode).0, "AB\u{200B}中文，中文");
    let no_markdown = TidyOptions {
        markdown: false,
        ..all
    };
    assert_eq!(tidy(text, &no_markdown).0, "AB中文，中文![]()");
    assert!(TidyOptions::none().is_noop());
    assert!(!all.is_noop());
    assert_eq!(all.eol, Eol::Keep);
    assert_eq!(tidy(text, &TidyOptions::none()).0, text);
}

#[test]
fn counts() {
    let text = "ＡＢ\u{200B}\u{200D}中\u{1}文\u{A0}⼀\u{F900}e\u{301},中文![]()\n| |\r\n";
    let opts = TidyOptions {
        eol: Eol::Crlf,
        ..TidyOptions::default()
    };
    let (out, stats) = tidy(text, &opts);
    assert_eq!(out, "AB中文 一\u{8C48}é,中文\r\n");
    assert_eq!(
        stats,
        TidyStats {
            punct: 0,
            width: 2,
            invisible: 2,
            controls: 1,
            nbsp: 1,
            nfc: 1,
            compat_ideographs: 1,
            radicals: 1,
            markdown: 2,
            eol: 1,
        }
    );
    assert_eq!(stats.total(), 12);
    let (_, p) = tidy("中文(注释),好吗?", &opts);
    assert_eq!(p.punct, 4);
    let mut sum = TidyStats::default();
    sum.add(&stats);
    sum.add(&p);
    assert_eq!(sum.total(), 16);
    assert_eq!(sum.width, 2);
    assert_eq!(sum.punct, 4);
}

#[test]
fn tidy_line_appends_and_drops() {
    let opts = TidyOptions::default();
    let mut out = String::from("已有");
    let mut stats = TidyStats::default();
    tidy_line("| | |\r\n", &opts, &mut out, &mut stats);
    assert_eq!(out, "已有");
    assert_eq!(stats.markdown, 1);
    tidy_line("你好吗?\r\n", &opts, &mut out, &mut stats);
    tidy_line("结束", &opts, &mut out, &mut stats);
    assert_eq!(out, "已有你好吗？\r\n结束");
    assert_eq!(stats.punct, 1);
    let mut empty = String::new();
    tidy_line("", &opts, &mut empty, &mut stats);
    assert_eq!(empty, "");
}

/// Fuzzer find: removing `[]()` joined `static` to a combining mark, NFC
/// made it `statić`, and the second run no longer saw a C++ lambda's
/// keyword after the `[]()` before it.
#[test]
fn regression_markdown_removal_then_nfc() {
    let opts = TidyOptions::default();
    for text in [
        "[]()[]()static[]()\u{301}",
        "ff[]()static[]()[]()\u{1}\u{0}[]()\u{301}[]()\u{0}\u{FA0E}~",
        "e![]()\u{301}",
        "\u{301}\u{94D}\u{200C}",
    ] {
        let once = tidy(text, &opts).0;
        assert_eq!(
            tidy(&once, &opts),
            (once.clone(), TidyStats::default()),
            "{text:?}"
        );
    }
    assert_eq!(run("e![]()\u{301}"), "é");
}

/// Clean text of every kind that must come out byte for byte.
#[test]
fn clean_text_is_untouched() {
    unchanged(
        &[
            "市政府今天宣布，地铁三号线将于2025年6月底全线通车。\n",
            "他问：“你明天（星期六）有空吗？”我说：“有！”\r\n",
            "【通知】《管理办法》第3条：①、②、③；……——完。",
            "The quick brown fox jumps over the lazy dog; see p. 3 (fig. 2).",
            "fn main() { let v: Vec<u8> = vec![1, 2]; println!(\"{:?}\", v); }",
            "价格：¥128.00（约€16.50），税率13%，1,000件起订。",
            "今天真开心😀🎉，一起去吃火锅吧🍲！",
            "東京の天気は晴れ、最高気温は25度です。",
            "Müller aus Zürich trank einen Café crème.",
            "韓國首爾（서울）的人口約為九百五十萬。",
            "时间 3:30 PM, 地点 Room(12)",
            "",
        ],
        &TidyOptions::default(),
    );
}

/// Splits after `\n`, `\r\n` or a lone `\r`, written independently of the
/// library's splitter.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let end = match b[i] {
            b'\n' => Some(i + 1),
            b'\r' if b.get(i + 1) == Some(&b'\n') => Some(i + 2),
            b'\r' => Some(i + 1),
            _ => None,
        };
        if let Some(e) = end {
            out.push(&text[start..e]);
            start = e;
            i = e;
        } else {
            i += 1;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn terminator(line: &str) -> &str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else if line.ends_with('\r') {
        "\r"
    } else {
        ""
    }
}

/// Pieces that make every rule fire and its look-alikes appear.
const PIECES: &[&str] = &[
    "中",
    "文",
    "注",
    "释",
    "𠀀",
    "〇",
    "，",
    "。",
    "？",
    "！",
    "（",
    "）",
    "“",
    "”",
    "…",
    "、",
    "「",
    "」",
    "a",
    "Z",
    "1",
    "0",
    "x",
    " ",
    "  ",
    "\t",
    ",",
    ";",
    ":",
    "?",
    "!",
    "(",
    ")",
    "[",
    "]",
    "|",
    "`",
    "\"",
    ".",
    "/",
    "=",
    "-",
    "{",
    "->",
    "Ａ",
    "ｚ",
    "５",
    "\u{3000}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{180E}",
    "\u{AD}",
    "\u{0}",
    "\u{1}",
    "\u{1B}",
    "\u{7F}",
    "\u{85}",
    "\u{9F}",
    "\u{A0}",
    "\u{202F}",
    "\u{2007}",
    "\r",
    "\n",
    "\r\n",
    "![]()",
    "[]()",
    "[ ]( )",
    "![",
    "](",
    "| |",
    "http://",
    "www.",
    "⼀",
    "⺟",
    "\u{F900}",
    "\u{FA0E}",
    "\u{2F800}",
    "e",
    "\u{301}",
    "\u{323}",
    "\u{37E}",
    "\u{212B}",
    "👨",
    "🌈",
    "\u{FE0F}",
    "क",
    "\u{94D}",
    "م",
    "ᠠ",
    "\u{1100}",
    "\u{1161}",
    "\u{11A8}",
    "가",
];

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}' | '\u{180E}')
}

/// What the Unicode step removes wherever it stands.
fn removed(c: char) -> bool {
    let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    control || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}')
}

/// The Unicode step's one-character mappings, for the characters in
/// `PIECES`.
fn mapped_to(c: char) -> char {
    match c {
        '\u{A0}' | '\u{202F}' | '\u{2007}' => ' ',
        '⼀' => '一',
        '⺟' => '母',
        c => c,
    }
}

fn mixed_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
}

fn any_options() -> impl Strategy<Value = TidyOptions> {
    (any::<[bool; 4]>(), 0..3u8).prop_map(|(b, e)| TidyOptions {
        punct: b[0],
        width: b[1],
        unicode: b[2],
        markdown: b[3],
        eol: [Eol::Keep, Eol::Lf, Eol::Crlf][e as usize],
    })
}

/// Han and full-width punctuation: Chinese prose already clean.
const PROSE: &[&str] = &[
    "中", "国", "人", "民", "的", "一", "是", "了", "在", "有", "这", "个", "们", "来", "到", "时",
    "大", "地", "为", "子", "𠀀", "〇", "，", "。", "、", "；", "：", "？", "！", "（", "）", "“",
    "”", "‘", "’", "《", "》", "【", "】", "「", "」", "……", "——", "·", "　", "\n", "\r\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn fixed_point(text in mixed_text(), opts in any_options()) {
        let (once, stats) = tidy(&text, &opts);
        let (twice, again) = tidy(&once, &opts);
        prop_assert_eq!(&twice, &once, "input {:?}", text);
        prop_assert_eq!(again, TidyStats::default());
        prop_assert_eq!(stats.total() == 0, once == text, "{:?}", stats);
    }

    #[test]
    fn line_by_line_is_whole(text in mixed_text(), opts in any_options()) {
        let (whole, whole_stats) = tidy(&text, &opts);
        let mut out = String::new();
        let mut stats = TidyStats::default();
        for line in lines(&text) {
            let mut one = TidyStats::default();
            tidy_line(line, &opts, &mut out, &mut one);
            stats.add(&one);
        }
        prop_assert_eq!(out, whole);
        prop_assert_eq!(stats, whole_stats);
    }

    #[test]
    fn line_breaks_kept(text in mixed_text(), opts in any_options()) {
        // Each line comes out with the break it came with, or not at all.
        let opts = TidyOptions { eol: Eol::Keep, ..opts };
        for line in lines(&text) {
            let mut out = String::new();
            tidy_line(line, &opts, &mut out, &mut TidyStats::default());
            let t = terminator(line);
            if out.is_empty() && !t.is_empty() {
                prop_assert!(opts.markdown, "{:?} dropped", line);
                continue;
            }
            prop_assert!(out.ends_with(t), "{:?} -> {:?}", line, out);
            let body = &out[..out.len() - t.len()];
            prop_assert!(!body.contains(['\r', '\n']), "{:?} -> {:?}", line, out);
        }
        // Without markdown nothing is dropped: the same breaks in the same
        // order, unless a line emptied between a lone CR and an LF reads
        // back as CRLF.
        if !opts.markdown && !text.contains('\r') {
            let out = tidy(&text, &opts).0;
            let breaks = |t: &str| -> Vec<String> {
                lines(t)
                    .into_iter()
                    .map(terminator)
                    .filter(|b| !b.is_empty())
                    .map(String::from)
                    .collect()
            };
            prop_assert_eq!(breaks(&out), breaks(&text));
        }
    }

    #[test]
    fn conversions_leave_one_kind_of_break(text in mixed_text(), opts in any_options()) {
        let lf = tidy(&text, &TidyOptions { eol: Eol::Lf, ..opts }).0;
        prop_assert!(!lf.contains('\r'));
        let crlf = tidy(&text, &TidyOptions { eol: Eol::Crlf, ..opts }).0;
        prop_assert_eq!(crlf.matches('\n').count(), crlf.matches("\r\n").count());
        prop_assert_eq!(crlf.matches('\r').count(), crlf.matches("\r\n").count());
    }

    #[test]
    fn unicode_step_matches_reference(text in mixed_text()) {
        // Without joiners, the Unicode step is a character map followed by
        // whole-text NFC; the library normalises stretch by stretch.
        let text: String = text.chars().filter(|&c| !is_joiner(c)).collect();
        let opts = TidyOptions { unicode: true, ..TidyOptions::none() };
        let mapped: String = text.chars().filter(|&c| !removed(c)).map(mapped_to).collect();
        let want: String = mapped.nfc().collect();
        prop_assert_eq!(tidy(&text, &opts).0, want);
    }

    #[test]
    fn unicode_output_is_nfc(text in mixed_text(), opts in any_options()) {
        let opts = TidyOptions { unicode: true, ..opts };
        let out = tidy(&text, &opts).0;
        prop_assert!(unicode_normalization::is_nfc(&out), "{:?} -> {:?}", text, out);
    }

    #[test]
    fn clean_prose_unchanged(v in prop::collection::vec(prop::sample::select(PROSE), 0..80)) {
        let text = v.concat();
        let (out, stats) = tidy(&text, &TidyOptions::default());
        prop_assert_eq!(out, text);
        prop_assert_eq!(stats.total(), 0);
    }

    #[test]
    fn ascii_without_markup_unchanged(text in "[ -Z\\\\^-{}~\t\n]{0,80}") {
        // No Chinese, no `[`, `|` or controls: nothing for any step to do.
        prop_assert_eq!(run(&text), text);
    }

    #[test]
    fn noop_is_identity(text in mixed_text()) {
        prop_assert_eq!(tidy(&text, &TidyOptions::none()).0, text);
    }
}
