//! Mojibake repair on text broken here, with encoding_rs, from sentences
//! written for these tests; clean text that must come back untouched; and
//! properties (identity on clean text, idempotence, line-split invariance).
//!
//! Expected values never come from the code under test: a broken sentence
//! must come back as the sentence it was made from.

use std::borrow::Cow;

use encoding_rs::{Encoding, BIG5, GBK, WINDOWS_1252};
use proptest::prelude::*;
use zhnorm::clean::mojibake::{repair, Kind};

/// News-style sentences in Simplified Chinese.
const SIMPLIFIED: &[&str] = &[
    "市政府今天宣布，地铁三号线将于2025年6月底全线通车，预计每天运送乘客约40万人次。",
    "据气象台预报，明天下午起本市将有中到大雨，局部地区伴有雷电和短时强风，请市民注意出行安全。",
    "这家公司去年的营业收入达到128亿元，比前年增长了百分之十五，增长主要来自海外市场。",
    "图书馆新开放的自习室共有三百个座位，周一到周五早上八点到晚上十点开放。",
    "研究人员在论文中指出，这种新材料在零下40度的环境里仍能保持良好的导电性能。",
    "他说：“我们会认真听取居民的意见，尽快把老旧小区的电梯改造工程做完。”",
    "苹果公司发布了新款iPhone手机，售价为5999元起，支持5G网络和Wi-Fi 6。",
    "为什么很多年轻人愿意留在大城市打拼？专家认为，主要原因是就业机会更多。",
    "比赛进行到第89分钟，替补上场的小将头球破门，帮助球队以2比1逆转取胜！",
    "《人民日报》评论员文章强调，要把保障和改善民生作为工作的出发点和落脚点。",
];

/// News-style sentences in Traditional Chinese.
const TRADITIONAL: &[&str] = &[
    "颱風預計明天清晨在東部沿海登陸，各地學校已宣佈停課一天。",
    "這間餐廳開業三十年，招牌牛肉麵每天只賣兩百碗，常常不到中午就賣完了。",
    "市議會昨天通過新的預算案，將撥出五億元改善偏鄉地區的醫療設施。",
    "她在記者會上表示：「我們會持續關注這件事，並在下週公佈調查結果。」",
    "根據交通部統計，今年春節連假期間，高速公路的車流量比去年增加了百分之八。",
    "這部電影改編自同名小說，導演花了整整五年時間籌備，終於在上個月正式上映。",
];

/// Clean text that no repair may touch: full-width punctuation galore,
/// European names, mixed English, Japanese, emoji, mathematics.
const CLEAN: &[&str] = &[
    "“你好！”他问：“今天（星期三）几点开会？”——答曰：《会议通知》第3条……",
    "【快讯】『重要』〈附件〉：①、②、③；※注意※　全角空格　～～～！！！？？？",
    "Müller aus Zürich trank einen Café crème mit Björk in São Paulo.",
    "A informação sobre a construção da ponte chegou à redação às três horas.",
    "Señor Núñez visitó la façade naïve de l'hôtel à Besançon avec Ångström.",
    "这款App支持English、Français和Español三种界面语言，下载量突破1,000,000次。",
    "東京の天気は晴れのち曇り、最高気温は２５度の予報です。ありがとうございました。",
    "今天真开心😀🎉，一起去吃火锅吧🍲！",
    "設 f(x) = ∑ aₙxⁿ，當 |x| < 1 時收斂；α + β ≤ γ，且 ∫₀¹ x² dx = ⅓，誤差 ±0.5 °C。",
    "价格：¥128.00（约€16.50或£14.20），税率13%，运费另计。",
    "第二十一届中国国际高新技术成果交易会在深圳开幕，展览面积达十二万平方米。",
    "嘖嘖嘖，咕咕咕，哈哈哈哈，蹦蹦跳跳，莉莉和柒柒都来了。",
    "韓國首爾（서울）的人口約為九百五十萬。",
    "Москва — столица России, в городе живёт более двенадцати миллионов человек.",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας και μία από τις αρχαιότερες πόλεις.",
    "昨日は友達と一緒に新しくできたカフェに行って、おいしいケーキを食べました。",
    "Běijīng huānyíng nǐ! Zhōngguó rénmín dàhuìtáng zài Tiān'ānmén guǎngchǎng xībian.",
    "Tiếng Việt có nhiều dấu thanh, ví dụ như Hà Nội và Thành phố Hồ Chí Minh.",
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß are Latin-1 capitals; ¡¿«» are marks.",
];

fn utf8_as(enc: &'static Encoding, text: &str) -> String {
    enc.decode_without_bom_handling(text.as_bytes())
        .0
        .into_owned()
}

fn encode(enc: &'static Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = enc.encode(text);
    assert!(
        !unmappable,
        "test sentence not encodable in {}: {text}",
        enc.name()
    );
    bytes.into_owned()
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

fn cp1252(bytes: &[u8]) -> String {
    WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// GB18030 decoding the way Python and other pre-WHATWG decoders do it:
/// a lone 0x80 and a lead byte without a valid follower each give one
/// U+FFFD, and the follower is read again. Pairs are looked up with
/// encoding_rs.
fn gbk_python(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            out.push(b as char);
            i += 1;
            continue;
        }
        let pair_ok = b != 0x80
            && b != 0xFF
            && i + 1 < bytes.len()
            && matches!(bytes[i + 1], 0x40..=0x7E | 0x80..=0xFE);
        if pair_ok {
            let (s, bad) = GBK.decode_without_bom_handling(&bytes[i..i + 2]);
            assert!(!bad);
            out.push_str(&s);
            i += 2;
        } else {
            out.push('\u{FFFD}');
            i += 1;
        }
    }
    out
}

fn chars_recovered(orig: &str, out: &str) -> f64 {
    let a: Vec<char> = orig.chars().collect();
    let b: Vec<char> = out.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(x != y))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    a.len().saturating_sub(prev[b.len()]) as f64 / a.len() as f64
}

fn assert_repairs(bad: &str, orig: &str, kind: Kind) {
    let (out, stats) = repair(bad);
    assert_eq!(out, orig, "broken: {bad}");
    assert!(stats.spans_repaired >= 1);
    assert!(
        stats.kinds[kind as usize] >= 1,
        "{orig}: repaired as {:?}, expected {}",
        stats.kinds,
        kind.name()
    );
}

#[test]
fn utf8_read_as_windows_1252() {
    for s in SIMPLIFIED.iter().chain(TRADITIONAL) {
        assert_repairs(&utf8_as(WINDOWS_1252, s), s, Kind::Utf8AsLatin);
    }
}

#[test]
fn utf8_read_as_latin1() {
    for s in SIMPLIFIED.iter().chain(TRADITIONAL) {
        assert_repairs(&latin1(s.as_bytes()), s, Kind::Utf8AsLatin);
    }
}

#[test]
fn utf8_read_as_windows_1252_twice() {
    for s in SIMPLIFIED.iter().chain(TRADITIONAL) {
        let once = utf8_as(WINDOWS_1252, s);
        assert_repairs(&utf8_as(WINDOWS_1252, &once), s, Kind::Utf8AsLatinTwice);
    }
}

#[test]
fn gbk_read_as_latin1_and_windows_1252() {
    for s in SIMPLIFIED.iter().chain(TRADITIONAL) {
        let bytes = encode(GBK, s);
        assert_repairs(&latin1(&bytes), s, Kind::GbkAsLatin);
        assert_repairs(&cp1252(&bytes), s, Kind::GbkAsLatin);
    }
}

#[test]
fn big5_read_as_windows_1252() {
    for s in TRADITIONAL {
        let bytes = encode(BIG5, s);
        assert_repairs(&cp1252(&bytes), s, Kind::Big5AsLatin);
        assert_repairs(&latin1(&bytes), s, Kind::Big5AsLatin);
    }
}

#[test]
fn big5_read_as_gbk() {
    for s in TRADITIONAL {
        let bytes = encode(BIG5, s);
        let bad = GBK.decode_without_bom_handling(&bytes).0;
        assert_repairs(&bad, s, Kind::Big5AsGbk);
    }
}

#[test]
fn gbk_read_as_big5() {
    // GBK pairs whose second byte lies in 0x80..=0xA0 are not Big5, so
    // some sentences lose characters on the way; the others must come back
    // exactly, and the lossy ones mostly.
    let mut exact = 0;
    for s in SIMPLIFIED {
        let bytes = encode(GBK, s);
        let (bad, _, lossy) = BIG5.decode(&bytes);
        let (out, _) = repair(&bad);
        if lossy {
            let got = chars_recovered(s, &out);
            assert!(got >= 0.8, "{s}: {got:.2} recovered from {bad} as {out}");
        } else {
            assert_eq!(out, *s, "broken: {bad}");
            exact += 1;
        }
    }
    assert!(exact >= 1, "no lossless GBK-as-Big5 sentence in the set");
}

/// Every broken form of a sentence whose UTF-8 bytes GBK can read without
/// loss must come back exactly; the others must keep 90 % of characters.
fn check_utf8_as_gbk(make: fn(&str) -> String, twice: bool) {
    let (mut chars, mut kept) = (0.0, 0.0);
    for s in SIMPLIFIED.iter().chain(TRADITIONAL) {
        let once = make(s);
        let bad = if twice { make(&once) } else { once.clone() };
        let (out, stats) = repair(&bad);
        let got = chars_recovered(s, &out);
        if !once.contains('\u{FFFD}') && !bad.contains('\u{FFFD}') {
            assert_eq!(out, *s, "broken: {bad}");
        } else {
            assert!(got >= 0.9, "{s}: {got:.2} recovered from {bad} as {out}");
        }
        let n = s.chars().count() as f64;
        chars += n;
        kept += got * n;
        let kind = if twice {
            Kind::Utf8AsGbkTwice
        } else {
            Kind::Utf8AsGbk
        };
        assert!(stats.kinds[kind as usize] >= 1, "{s}: {:?}", stats.kinds);
    }
    assert!(
        kept / chars >= 0.95,
        "{:.3} of characters recovered",
        kept / chars
    );
}

#[test]
fn utf8_read_as_gbk_whatwg() {
    check_utf8_as_gbk(|s| utf8_as(GBK, s), false);
}

#[test]
fn utf8_read_as_gbk_python() {
    check_utf8_as_gbk(|s| gbk_python(s.as_bytes()), false);
}

#[test]
fn utf8_read_as_gbk_twice() {
    check_utf8_as_gbk(|s| utf8_as(GBK, s), true);
    check_utf8_as_gbk(|s| gbk_python(s.as_bytes()), true);
}

#[test]
fn lost_final_byte_of_a_full_stop_is_restored() {
    // 。 is E3 80 82; an odd byte count leaves 82 alone at the end, where
    // the decoder drops it. Only the sentence-final reading fits.
    let s = "我们明天见。";
    let bad = gbk_python(s.as_bytes());
    assert!(bad.ends_with('\u{FFFD}'), "{bad}");
    assert_eq!(repair(&bad).0, s);
}

#[test]
fn lockjaw_is_counted_and_left() {
    for s in SIMPLIFIED {
        let lossy = String::from_utf8_lossy(&encode(GBK, s)).into_owned();
        let bad = GBK
            .decode_without_bom_handling(lossy.as_bytes())
            .0
            .into_owned();
        assert!(bad.contains("锟斤拷"), "{bad}");
        let (out, stats) = repair(&bad);
        assert_eq!(out, bad);
        assert!(stats.irreparable >= 1);
        assert_eq!(stats.spans_repaired, 0);
    }
}

#[test]
fn replacement_runs_are_counted_and_left() {
    let text = "第一段\u{FFFD}\u{FFFD}第二段\n第三段\u{FFFD}";
    let (out, stats) = repair(text);
    assert_eq!(out, text);
    assert_eq!(stats.irreparable, 2);
}

#[test]
fn clean_text_is_borrowed_and_untouched() {
    let mut all = Vec::new();
    all.extend_from_slice(CLEAN);
    all.extend_from_slice(SIMPLIFIED);
    all.extend_from_slice(TRADITIONAL);
    all.push("plain ASCII, nothing to see");
    for s in all {
        let (out, stats) = repair(s);
        assert!(matches!(out, Cow::Borrowed(_)), "changed: {s} -> {out}");
        assert_eq!(stats.spans_repaired, 0);
        assert_eq!(stats.irreparable, 0);
    }
}

#[test]
fn only_the_broken_stretch_of_a_line_changes() {
    let clean = "据新华社报道：";
    let broken = SIMPLIFIED[1];
    for bad in [
        utf8_as(WINDOWS_1252, broken),
        latin1(&encode(GBK, broken)),
        utf8_as(GBK, broken),
    ] {
        let line = format!("{clean}{bad}（完）");
        let want = format!("{clean}{broken}（完）");
        assert_eq!(repair(&line).0, want, "line: {line}");
    }
    // And a European name next to Chinese mojibake stays as it is.
    let line = format!("Müller: {}", utf8_as(WINDOWS_1252, SIMPLIFIED[0]));
    assert_eq!(repair(&line).0, format!("Müller: {}", SIMPLIFIED[0]));
}

#[test]
fn lines_of_different_kinds_in_one_text() {
    let a = SIMPLIFIED[2];
    let b = TRADITIONAL[1];
    let c = CLEAN[0];
    // GBK reads these UTF-8 bytes without loss: the last byte of 。 pairs
    // with the O that follows.
    let d = "全市中小学明天起恢复上课。OK";
    assert!(!utf8_as(GBK, d).contains('\u{FFFD}'));
    let text = format!(
        "{}\r\n{}\n{}\n\n{}",
        utf8_as(WINDOWS_1252, a),
        cp1252(&encode(BIG5, b)),
        c,
        utf8_as(GBK, d)
    );
    let want = format!("{a}\r\n{b}\n{c}\n\n{d}");
    let (out, stats) = repair(&text);
    assert_eq!(out, want);
    assert_eq!(stats.spans_repaired, 3);
    assert_eq!(stats.kinds[Kind::Utf8AsLatin as usize], 1);
    assert_eq!(stats.kinds[Kind::Big5AsLatin as usize], 1);
    assert_eq!(stats.kinds[Kind::Utf8AsGbk as usize], 1);
}

#[test]
fn a_long_line_without_breaks() {
    let text: String = SIMPLIFIED
        .iter()
        .chain(TRADITIONAL)
        .copied()
        .collect::<String>()
        .repeat(10);
    assert_eq!(repair(&utf8_as(WINDOWS_1252, &text)).0, text);
    let bad = gbk_python(text.as_bytes());
    let (out, stats) = repair(&bad);
    assert!(chars_recovered(&text, &out) >= 0.95);
    assert!(stats.spans_repaired >= 1);
}

#[test]
fn european_utf8_mojibake_is_repaired_too() {
    assert_eq!(repair("Ã‰cole, cafÃ© et Ã¼ber").0, "École, café et über");
}

#[test]
fn stats_count_the_broken_characters() {
    let s = "质量";
    let bad = utf8_as(WINDOWS_1252, &format!("新闻{s}报道"));
    let (_, stats) = repair(&bad);
    assert_eq!(stats.chars_in, bad.chars().count());
    assert_eq!(stats.spans_repaired, 1);
}

// ---------------------------------------------------------------- properties

/// Real words from the OpenCC phrase lists (Simplified keys, Traditional
/// values), for clean text that reads like Chinese.
fn words() -> &'static [String] {
    static WORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/STPhrases.txt");
        let text = std::fs::read_to_string(path).expect("STPhrases.txt");
        let mut out = Vec::new();
        for (n, line) in text.lines().filter(|l| !l.starts_with('#')).enumerate() {
            // Every 7th entry keeps the set varied and the start-up short.
            if n % 7 != 0 {
                continue;
            }
            let mut parts = line.split('\t');
            if let (Some(key), Some(vals)) = (parts.next(), parts.next()) {
                out.push(key.to_string());
                if let Some(v) = vals.split(' ').next() {
                    out.push(v.to_string());
                }
            }
        }
        out
    })
}

fn clean_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => any::<prop::sample::Index>().prop_map(|i| i.get(words()).clone()),
        2 => prop::sample::select(vec![
            "，", "。", "、", "！", "？", "：", "；", "“", "”", "（", "）", "《", "》", "——", "……",
        ])
        .prop_map(str::to_string),
        1 => "[a-zA-Z]{1,8}",
        1 => "[0-9]{1,4}",
        1 => prop::sample::select(vec![" ", ", ", ". ", "-", "%"]).prop_map(str::to_string),
    ]
}

fn clean_text() -> impl Strategy<Value = String> {
    prop::collection::vec(clean_piece(), 0..40).prop_map(|v| v.concat())
}

/// A line that is clean, or broken in one of the ways above.
fn any_line() -> impl Strategy<Value = String> {
    (clean_text(), 0..8u8).prop_map(|(s, how)| match how {
        0 => utf8_as(WINDOWS_1252, &s),
        1 => utf8_as(WINDOWS_1252, &utf8_as(WINDOWS_1252, &s)),
        2 => utf8_as(GBK, &s),
        3 => gbk_python(s.as_bytes()),
        4 => cp1252(&GBK.encode(&s).0),
        5 => BIG5
            .decode_without_bom_handling(&GBK.encode(&s).0)
            .0
            .into_owned(),
        _ => s,
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (any_line(), prop::sample::select(vec!["\n", "\r\n", "\n\n"])),
        1..6,
    )
    .prop_map(|v| v.into_iter().map(|(l, e)| l + e).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn clean_text_is_identity(text in clean_text()) {
        let (out, stats) = repair(&text);
        prop_assert_eq!(&out, &text);
        prop_assert_eq!(stats.spans_repaired, 0);
    }

    #[test]
    fn utf8_read_as_windows_1252_comes_back(text in clean_text()) {
        for bad in [
            utf8_as(WINDOWS_1252, &text),
            latin1(text.as_bytes()),
            utf8_as(WINDOWS_1252, &utf8_as(WINDOWS_1252, &text)),
        ] {
            let (out, _) = repair(&bad);
            prop_assert_eq!(out.as_ref(), text.as_str(), "broken: {}", bad);
        }
    }

    #[test]
    fn repair_is_idempotent(text in any_text()) {
        let (once, _) = repair(&text);
        let (twice, stats) = repair(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(stats.spans_repaired, 0);
    }

    #[test]
    fn idempotent_on_arbitrary_strings(text in "\\PC{0,60}") {
        let (once, _) = repair(&text);
        let (twice, _) = repair(&once);
        prop_assert_eq!(&twice, &once);
    }

    #[test]
    fn output_is_well_formed(text in any_text()) {
        let (out, stats) = repair(&text);
        // Line structure is kept, and the internal unknown-pair marker
        // never escapes.
        prop_assert_eq!(out.matches('\n').count(), text.matches('\n').count());
        prop_assert_eq!(out.matches('\r').count(), text.matches('\r').count());
        let marker = '\u{FDD0}';
        prop_assert!(!out.contains(marker));
        prop_assert!(stats.chars_in <= text.chars().count() * 2);
        if stats.spans_repaired == 0 {
            prop_assert_eq!(&out, &text);
        }
    }

    #[test]
    fn split_after_newlines_changes_nothing(
        text in any_text(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let breaks: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        let mut at: Vec<usize> = cuts.iter().filter(|_| !breaks.is_empty()).map(|c| *c.get(&breaks)).collect();
        at.sort_unstable();
        at.dedup();
        let (whole, whole_stats) = repair(&text);
        let mut pieces = String::new();
        let mut stats = zhnorm::clean::mojibake::RepairStats::default();
        let mut from = 0;
        for cut in at.into_iter().chain([text.len()]) {
            let (out, s) = repair(&text[from..cut]);
            pieces.push_str(&out);
            stats.add(&s);
            from = cut;
        }
        prop_assert_eq!(&pieces, &whole);
        prop_assert_eq!(stats, whole_stats);
    }
}

/// Icon fonts put private-use characters in pages, alone or side by side;
/// a page may also quote mojibake as an example. Neither is repaired.
#[test]
fn icon_characters_and_a_quoted_bom_are_left_alone() {
    for line in [
        "\u{E605}",
        "<span>\u{E60C}</span>",
        "\u{E605} \u{E60C}\u{E61A}",
        "编辑器可能把 BOM 显示为 \"ï»¿\"。",
        "ï»¿",
    ] {
        assert_eq!(repair(line).0, line, "{line:?}");
    }
}

/// A line long enough for repair to remember it once settled, of pieces
/// mostly set apart by characters no wrong decoder produces (an emoji, a
/// Thai letter), so that the line holds many spans and a change leaves most
/// of them as they were.
fn long_line() -> impl Strategy<Value = String> {
    (prop::collection::vec(any_line(), 4..12), any::<u8>()).prop_map(|(v, sep)| {
        let sep = [" 😀 ", "ก", " "][usize::from(sep % 3)];
        let mut line = v.join(sep);
        while line.chars().count() < 300 {
            line.push_str(&v.concat());
            line.push_str("，然后继续报道这件事。");
        }
        line.replace(['\n', '\r'], " ")
    })
}

/// Small changes of the kind tidying makes (a character dropped, swapped or
/// added), and some it does not, such as new mojibake.
fn edit(line: &str, edits: &[(prop::sample::Index, u8)]) -> String {
    let mut chars: Vec<char> = line.chars().collect();
    for (at, how) in edits {
        if chars.is_empty() {
            break;
        }
        let i = at.index(chars.len());
        match how % 5 {
            0 => {
                chars.remove(i);
            }
            1 => chars[i] = '，',
            2 => chars.insert(i, '\u{200B}'),
            3 => {
                for (k, c) in utf8_as(GBK, "测试中文").chars().enumerate() {
                    chars.insert(i + k, c);
                }
            }
            _ => chars.insert(i, ' '),
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Repair remembers the last long line it settled on and searches a
    /// line that differs from it only near the differences: what comes out
    /// must be what a search from scratch (on a thread that remembers
    /// nothing) gives.
    #[test]
    fn a_line_changed_after_repair_repairs_as_from_scratch(
        line in long_line(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
    ) {
        let (settled, _) = repair(&line);
        let changed = edit(&settled, &edits);
        let (after, after_stats) = repair(&changed);
        let after = after.into_owned();
        let scratch = changed.clone();
        let (fresh, fresh_stats) = std::thread::spawn(move || {
            let (out, stats) = repair(&scratch);
            (out.into_owned(), stats)
        })
        .join()
        .unwrap();
        prop_assert_eq!(&after, &fresh);
        prop_assert_eq!(after_stats, fresh_stats);
    }
}

// ------------------------------------------------ pieces and their bounds

/// Random high bytes read as GBK (WHATWG) or Big5, cut into lines of a few
/// dozen bytes: noise with lost bytes all along, where spans are cut into
/// pieces and most pieces are passed over.
fn noise_line() -> impl Strategy<Value = String> {
    (prop::collection::vec(0x80u8..=0xFF, 1..120), 0..3u8).prop_map(|(bytes, how)| match how {
        0 => GBK.decode_without_bom_handling(&bytes).0.into_owned(),
        1 => BIG5.decode_without_bom_handling(&bytes).0.into_owned(),
        _ => gbk_python(&bytes),
    })
}

/// A line broken in one of the ways above, noise, or pieces of both glued.
fn mixed_line() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any_line(),
        2 => noise_line(),
        1 => (any_line(), noise_line(), any_line()).prop_map(|(a, b, c)| a + &b + &c),
        1 => (noise_line(), any_line()).prop_map(|(a, b)| (a + &b).replace('\u{FFFD}', "")),
    ]
}

/// `repair` of `text` in pieces as always, on a fresh thread with as much
/// budget as [`repair_whole`] has, so that the two differ only in pieces.
fn repair_pieces(text: &str) -> (String, zhnorm::clean::mojibake::RepairStats) {
    let text = text.to_string();
    std::thread::spawn(move || {
        zhnorm::clean::mojibake::budget::set_per_byte(Some(400));
        let (out, stats) = repair(&text);
        (out.into_owned(), stats)
    })
    .join()
    .unwrap()
}

/// `repair` of `text` with spans decoded whole, on a fresh thread.
fn repair_whole(text: &str) -> (String, zhnorm::clean::mojibake::RepairStats) {
    let text = text.to_string();
    std::thread::spawn(move || {
        zhnorm::clean::mojibake::set_whole_spans(true);
        // Room for the whole search, which noise can make long.
        zhnorm::clean::mojibake::budget::set_per_byte(Some(400));
        let (out, stats) = repair(&text);
        (out.into_owned(), stats)
    })
    .join()
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Cutting spans where no reading can cross, and passing over pieces
    /// whose best conceivable candidate gains too little, are bounds: the
    /// repair is the one whole spans give, whenever the whole search stays
    /// within its budget (which the pieces spend less of).
    #[test]
    fn pieces_repair_as_whole_spans(
        lines in prop::collection::vec(mixed_line(), 1..4),
    ) {
        let text = lines.join("\n");
        let (whole, whole_stats) = repair_whole(&text);
        prop_assume!(whole_stats.unsearched == 0);
        let (out, stats) = repair_pieces(&text);
        prop_assert_eq!(out.as_str(), whole.as_str());
        prop_assert_eq!(stats, whole_stats);
    }
}

#[test]
fn pieces_repair_long_noise_as_whole_spans() {
    // One line of a few kilobytes of noise with mojibake inside: many
    // pieces, some decoded, in several scans.
    let noise = crate::support::random_high_bytes(6000, 0x2545_F491_4F6C_DD1D);
    let mut line = GBK.decode_without_bom_handling(&noise).0.into_owned();
    line.insert_str(line.len() / 2, &utf8_as(GBK, "我们认为经济发展很重要"));
    line.push_str(&gbk_python(
        "市政府今天宣布，地铁三号线将全线通车。".as_bytes(),
    ));
    let (whole, whole_stats) = repair_whole(&line);
    assert_eq!(whole_stats.unsearched, 0, "the whole search finished");
    let (out, stats) = repair_pieces(&line);
    assert_eq!(out, whole);
    assert_eq!(stats, whole_stats);
}

#[test]
fn pieces_repair_long_noise_of_many_seeds_as_whole_spans() {
    // Lines of a few thousand random high bytes read as GBK and as Big5,
    // and the GBK reading with broken phrases of two kinds inside. Seed 16
    // once lost a repair the whole span made: the decoder read a stretch
    // without lost bytes straight through when it was alone, but could
    // skip a valid character there to line up a cheaper one when a lost
    // byte lay anywhere else in the span.
    for seed in 1..40u64 {
        let len = 3000 + (seed as usize % 7) * 500;
        let noise =
            crate::support::random_high_bytes(len, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let gbk = GBK.decode_without_bom_handling(&noise).0.into_owned();
        let mut broken = gbk.clone();
        let third = broken
            .char_indices()
            .nth(broken.chars().count() / 3)
            .map_or(0, |(i, _)| i);
        broken.insert_str(third, &utf8_as(GBK, "我们认为经济发展很重要"));
        broken.push_str(
            &BIG5
                .decode_without_bom_handling(&GBK.encode("地铁三号线将全线通车").0)
                .0,
        );
        let big5 = BIG5.decode_without_bom_handling(&noise).0.into_owned();
        for (name, line) in [("gbk", gbk), ("broken", broken), ("big5", big5)] {
            let (whole, whole_stats) = repair_whole(&line);
            assert_eq!(
                whole_stats.unsearched, 0,
                "seed {seed} {name}: whole search finished"
            );
            let (out, stats) = repair_pieces(&line);
            assert_eq!(out, whole, "seed {seed} {name}");
            assert_eq!(stats, whole_stats, "seed {seed} {name}");
        }
    }
}

/// 鐘箇 as GBK bytes is the UTF-8 of 犹w; a short repair may not buy a
/// cheap character with a letter it conjures from a Han one.
#[test]
fn short_repair_does_not_turn_han_into_letters() {
    for text in ["鐘箇中", "擊鐘箇中"] {
        assert_eq!(repair(text).0, text);
        for bad in [utf8_as(WINDOWS_1252, text), latin1(text.as_bytes())] {
            assert_eq!(repair(&bad).0, text, "broken: {bad}");
        }
    }
}
