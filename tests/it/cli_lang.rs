//! Only Chinese is converted: Japanese and Korean documents, and Japanese
//! or Korean lines quoted in Chinese ones, come out of the `zhnorm` binary
//! cleaned but unconverted unless `--convert-all` is given, on every path
//! (plain text, HTML kept or reduced to text, JSON Lines, WARC, batch runs
//! with large files split across threads, live input), and the reports say
//! which language each input is in and whether it was converted.
//!
//! Every expected text here was written by hand; the Simplified forms are
//! OpenCC t2s's, checked character by character against TSCharacters.txt
//! and TSPhrases.txt.

use std::fs;
use std::path::Path;

use crate::support::cli::{live_lines, ok, p, run_stdin as run, stderr, stdout};

/// Japanese prose: kana around kanji that t2s would change (語, 後, 終,
/// 書, 館, 復, 習, 強, 業).
const JA: &str = "日本語の勉強は午後に始まります。\n\
                  授業が終わりましたら、図書館で復習しましょう。\n";

/// Korean with hanja that t2s would change (國, 韓, 語, 漢).
const KO: &str = "대한민국의 首都는 서울이다.\n韓國語와 漢字를 함께 쓰는 신문도 있다.\n";

/// A Traditional article quoting one Japanese sentence, and what t2s
/// makes of it with the quoted line left as it is.
const ZH_WITH_JA: &str = "這是一篇關於語言學習的報導。\n\
                          許多學生表示，學習日語最難的是敬語。\n\
                          有位同學引用了課本上的一句話：\n\
                          「日本語の敬語は本当に難しいですね」\n\
                          老師認為，多聽多說纔是關鍵。\n";
const ZH_WITH_JA_T2S: &str = "这是一篇关于语言学习的报导。\n\
                              许多学生表示，学习日语最难的是敬语。\n\
                              有位同学引用了课本上的一句话：\n\
                              「日本語の敬語は本当に難しいですね」\n\
                              老师认为，多听多说才是关键。\n";

#[test]
fn a_japanese_text_is_not_converted() {
    let out = ok(&[], JA);
    assert_eq!(out, JA);
    for kept in ["日本語", "終わり", "午後"] {
        assert!(out.contains(kept), "{kept} in {out}");
    }
    // Whatever Chinese configuration is asked for.
    for config in ["tw2sp", "s2t", "hk2s"] {
        assert_eq!(ok(&["-c", config], JA), JA, "{config}");
    }
}

#[test]
fn a_korean_text_with_hanja_is_not_converted() {
    assert_eq!(ok(&[], KO), KO);
}

#[test]
fn a_quoted_japanese_line_is_left_and_the_chinese_around_it_converted() {
    assert_eq!(ok(&[], ZH_WITH_JA), ZH_WITH_JA_T2S);
    // The same with CRLF line ends and no cleanup at all.
    let crlf = ZH_WITH_JA.replace('\n', "\r\n");
    assert_eq!(
        ok(&["--convert-only"], &crlf),
        ZH_WITH_JA_T2S.replace('\n', "\r\n")
    );
}

#[test]
fn kana_in_emoticons_do_not_stop_conversion() {
    let post = "今天終於考完試了ヽ(°▽°)ノ，(つд⊂)好累\n";
    assert_eq!(ok(&[], post), "今天终于考完试了ヽ(°▽°)ノ，(つд⊂)好累\n");
}

#[test]
fn convert_all_converts_everything() {
    assert_eq!(
        ok(&["--convert-all"], JA),
        "日本语の勉强は午后に始まります。\n授业が终わりましたら、図书馆で复习しましょう。\n"
    );
    assert_eq!(
        ok(&["--convert-all"], KO),
        "대한민국의 首都는 서울이다.\n韩国语와 汉字를 함께 쓰는 신문도 있다.\n"
    );
    let quoted = ok(&["--convert-all"], ZH_WITH_JA);
    assert!(
        quoted.contains("「日本语の敬语は本当に难しいですね」\n"),
        "{quoted}"
    );
}

#[test]
fn the_japanese_configurations_convert_japanese() {
    // t2jp is for old Japanese kanji: 舊, 體, 國 become 旧, 体, 国
    // (JPShinjitaiCharactersRev.txt); 語 and 字 have no other form there.
    assert_eq!(
        ok(&["-c", "t2jp"], "舊字體の國語です。\n"),
        "旧字体の国語です。\n"
    );
}

#[test]
fn a_japanese_page_kept_as_html_is_not_converted() {
    let page = "<!DOCTYPE html>\n<html><head><title>日本語のページ</title></head>\n\
                <body><p title=\"図書館の説明です\">終わりは午後に来ます。</p>\n\
                <img alt=\"東京の写真\" src=\"a.jpg\"></body></html>\n";
    assert_eq!(ok(&[], page), page);
}

#[test]
fn a_quote_in_a_chinese_page_is_its_own_text_node() {
    // Minified: one line, so the quote is told apart by its tags.
    let page = "<html><body><p>這是一篇關於語言學習的報導，許多學生表示學習日語最難的是敬語。</p>\
                <p>課本上寫著：<q>日本語の敬語は本当に難しいですね</q>，老師認為多聽多說纔是關鍵。</p>\
                <p>最後一段也是繁體中文，說明學習外語需要耐心。</p></body></html>";
    let want = "<html><body><p>这是一篇关于语言学习的报导，许多学生表示学习日语最难的是敬语。</p>\
                <p>课本上写著：<q>日本語の敬語は本当に難しいですね</q>，老师认为多听多说才是关键。</p>\
                <p>最后一段也是繁体中文，说明学习外语需要耐心。</p></body></html>";
    assert_eq!(ok(&[], page), want);
    // Reduced to text, the quote shares its paragraph's line, which is
    // then left whole.
    let text = ok(&["--html", "text"], page);
    assert_eq!(
        text,
        "这是一篇关于语言学习的报导，许多学生表示学习日语最难的是敬语。\n\
         課本上寫著：日本語の敬語は本当に難しいですね，老師認為多聽多說纔是關鍵。\n\
         最后一段也是繁体中文，说明学习外语需要耐心。\n"
    );
}

#[test]
fn json_lines_records_are_judged_whole() {
    // The title alone (東京大學) shows no kana; its record does.
    let input = "{\"title\": \"東京大學\", \"text\": \"東京大學は日本の國立大學です。\"}\n\
                 {\"title\": \"東京大學\", \"text\": \"東京大學是日本的國立大學。\"}\n";
    let out = ok(
        &["--format", "jsonl", "--field", "title", "--field", "text"],
        input,
    );
    assert_eq!(
        out,
        "{\"title\": \"東京大學\", \"text\": \"東京大學は日本の國立大學です。\"}\n\
         {\"title\": \"东京大学\", \"text\": \"东京大学是日本的国立大学。\"}\n"
    );
}

#[test]
fn json_lines_records_after_many_are_judged_the_same() {
    // Enough Chinese records first that the input's own language is
    // judged (a thousand letters) before the records that matter.
    let zh = "{\"text\": \"經濟發展，銀行業務，資訊科技。\"}\n";
    let zh_t2s = "{\"text\": \"经济发展，银行业务，资讯科技。\"}\n";
    let records = [
        (
            "{\"text\": \"東京大學は日本の國立大學です。\"}\n",
            "{\"text\": \"東京大學は日本の國立大學です。\"}\n",
        ),
        (
            "{\"text\": \"今天終於考完試了ヽ(°▽°)ノ\"}\n",
            "{\"text\": \"今天终于考完试了ヽ(°▽°)ノ\"}\n",
        ),
        (
            "{\"text\": \"課本上寫著：\\n日本語の敬語は本当に難しいですね\\n老師認為多聽多說纔是關鍵。\"}\n",
            "{\"text\": \"课本上写著：\\n日本語の敬語は本当に難しいですね\\n老师认为多听多说才是关键。\"}\n",
        ),
        (
            "{\"text\": \"&#26085;&#26412;&#35486;&#12398;&#25991;&#31456;&#12391;&#12377;\"}\n",
            "{\"text\": \"日本語の文章です\"}\n",
        ),
    ];
    let mut input = zh.repeat(100);
    let mut want = zh_t2s.repeat(100);
    for (record, converted) in records {
        input.push_str(record);
        want.push_str(converted);
    }
    input.push_str(zh);
    want.push_str(zh_t2s);
    assert_eq!(ok(&["--format", "jsonl"], &input), want);
}

/// One WARC response record (no digests: zhnorm adds correct ones).
fn warc_record(uri: &str, body: &str) -> String {
    let block = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}");
    format!(
        "WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n\
         WARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:{}>\r\n\
         Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n{block}\r\n\r\n",
        uri.len(),
        block.len()
    )
}

#[test]
fn warc_records_are_judged_one_by_one() {
    let input = warc_record(
        "http://ja.example/",
        "<html><body><p>日本語の勉強は午後に始まります。</p></body></html>",
    ) + &warc_record(
        "http://zh.example/",
        "<html><body><p>這是一篇關於語言學習的報導。</p></body></html>",
    );
    let out = ok(&["--format", "warc", "--to", "jsonl"], &input);
    let texts: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap().trim_end().to_owned()
        })
        .collect();
    assert_eq!(
        texts,
        [
            "日本語の勉強は午後に始まります。",
            "这是一篇关于语言学习的报导。"
        ]
    );
}

#[test]
fn detect_says_language_and_whether_a_run_converts() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        ("ja.txt", JA, "ja", false),
        ("ko.txt", KO, "ko", false),
        ("hant.txt", ZH_WITH_JA, "zh-Hant", true),
        ("hans.txt", ZH_WITH_JA_T2S, "zh-Hans", true),
        (
            "en.txt",
            "An English page, with no Chinese in it.\n",
            "other",
            true,
        ),
        (
            "ru.txt",
            "Русская страница о китайском языке (中文).\n",
            "other",
            true,
        ),
    ];
    let mut args = vec!["detect".to_owned(), "--json".to_owned()];
    for (name, text, _, _) in inputs {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        args.push(p(&path).to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(&args, "");
    let got: Vec<(String, bool)> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["language"].as_str().unwrap().to_owned(),
                v["converted"].as_bool().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, bool)> = inputs
        .iter()
        .map(|&(_, _, l, c)| (l.to_owned(), c))
        .collect();
    assert_eq!(got, want);
    // For people: a line of its own under each input.
    let out = ok(&["detect", p(&dir.path().join("ja.txt"))], "");
    assert!(out.contains("\n  language: ja, not converted\n"), "{out}");
    let out = ok(&["detect", p(&dir.path().join("hant.txt"))], "");
    assert!(out.contains("\n  language: zh-Hant, converted\n"), "{out}");
}

/// The report records of a batch run, by input file name.
fn report(args: &[&str]) -> Vec<(String, serde_json::Value)> {
    let o = run(args, b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("summary").is_none())
        .map(|v| {
            let name = Path::new(v["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, v)
        })
        .collect()
}

#[test]
fn batch_report_and_outputs_follow_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("ja.txt"), JA).unwrap();
    fs::write(input.join("zh.txt"), ZH_WITH_JA).unwrap();
    for (all, out_name) in [(false, "out"), (true, "out_all")] {
        let out = dir.path().join(out_name);
        let mut args = vec!["-q", "--progress", "never", "--report", "-", "-o"];
        args.push(p(&out));
        args.push(p(&input));
        if all {
            args.push("--convert-all");
        }
        let records = report(&args);
        let summary: Vec<(&str, &str, bool)> = records
            .iter()
            .map(|(name, v)| {
                (
                    name.as_str(),
                    v["language"].as_str().unwrap(),
                    v["converted"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [("ja.txt", "ja", all), ("zh.txt", "zh-Hant", true)],
            "--convert-all {all}"
        );
        let ja = fs::read_to_string(out.join("ja.txt")).unwrap();
        assert_eq!(ja == JA, !all, "{ja}");
        assert_eq!(
            fs::read_to_string(out.join("zh.txt")).unwrap() == ZH_WITH_JA_T2S,
            !all
        );
    }
}

#[test]
fn large_files_split_across_threads_get_one_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // Over the size from which a batch run splits a file.
    let big_ja = JA.repeat((5 << 20) / JA.len());
    let big_zh = ZH_WITH_JA.repeat((5 << 20) / ZH_WITH_JA.len());
    fs::write(input.join("ja.txt"), &big_ja).unwrap();
    fs::write(input.join("zh.txt"), &big_zh).unwrap();
    let out = dir.path().join("out");
    let records = report(&[
        "-q",
        "-j",
        "2",
        "--progress",
        "never",
        "--report",
        "-",
        "-o",
        p(&out),
        p(&input),
    ]);
    let languages: Vec<(&str, &str)> = records
        .iter()
        .map(|(n, v)| (n.as_str(), v["language"].as_str().unwrap()))
        .collect();
    assert_eq!(languages, [("ja.txt", "ja"), ("zh.txt", "zh-Hant")]);
    assert!(fs::read_to_string(out.join("ja.txt")).unwrap() == big_ja);
    let want_zh = ZH_WITH_JA_T2S.repeat((5 << 20) / ZH_WITH_JA.len());
    assert!(fs::read_to_string(out.join("zh.txt")).unwrap() == want_zh);
}

#[test]
fn live_japanese_lines_are_passed_on_unconverted() {
    // Far fewer letters than the verdict's window, and stdin stays open:
    // the verdict is taken when the input goes quiet.
    let (first, second) = JA.split_once('\n').unwrap();
    let live = live_lines(format!("{first}\n").as_bytes(), second.as_bytes());
    assert_eq!(
        live.first.as_deref(),
        Some("日本語の勉強は午後に始まります。\n")
    );
    assert_eq!(
        live.second.as_deref(),
        Some("授業が終わりましたら、図書館で復習しましょう。\n")
    );
    assert!(live.status.success());
}

/// Japanese prose above a chart of kanji: the kana are a fifth of the
/// letters but sit in one line of five, so the spread rule alone would
/// call it Chinese. From 20% of kana on, spread does not matter, and the
/// chart keeps its kanji (國, 學, 體 would otherwise become 国, 学, 体).
/// The verdict rests on the text alone, so a second run judges the same.
#[test]
fn japanese_prose_above_a_kanji_chart_is_japanese() {
    let text = "このページでは、むずかしい漢字をひとつずつ表にまとめてあります。\n\
                國 學 體 醫 廣 藝 術 經 濟 發\n\
                會 館 廳 聽 讀 寫 譯 歸 舊 鐵\n\
                龍 龜 鹽 豐 產 當 點 黨 麵 顯\n\
                戰 爭 權 歡 觀 變 關 應 響 營\n";
    let once = ok(&[], text);
    assert_eq!(once, text);
    assert_eq!(ok(&[], &once), text);
}
