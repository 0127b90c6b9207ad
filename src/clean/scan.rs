//! One quick look at a line for all the line steps at once.
//!
//! Nearly every line of real text is one that mojibake repair, pinyin
//! removal and tidy all pass through unchanged, and each of them used to
//! find that out with a scan of its own. [`plain_lines`] answers for all
//! three in one pass that only knows the few kinds of character such lines
//! are made of (ASCII, the common Han blocks, CJK and full-width
//! punctuation, box drawing); anything else sends the line down the full path, which
//! decides as before. It may say no where the steps would change nothing,
//! never yes where one would change or count something.

use crate::decode::Plausibility;

/// How many bytes at the start of `text` are whole lines (each with its
/// `\n`; the last line of `text` may have none) that every line step
/// passes through unchanged and counts nothing in, whatever steps are on:
///
/// * mojibake repair: the line is one that repair's own pre-check passes
///   over (its Han text reads like Chinese all along, no Latin-1, C1 or
///   private-use character), and it has no `锟` or U+FFFD to count;
/// * pinyin: no `(`, so no annotation to count or strip (while nothing is
///   held and no verdict is in, which the caller checks);
/// * tidy: no character any tidy step changes, no ASCII punctuation mark
///   right after Chinese, no `[` or `|`, no control character or CR.
///
/// Line-break handling (`eol`) is the caller's to check. One pass with the
/// line breaks found on the way, so that a run of short lines costs no
/// more than one long one.
pub(crate) fn plain_lines(text: &str) -> usize {
    let table = table();
    let mut check = Plausibility::default();
    let b = text.as_bytes();
    // Whether the last character was Chinese (Han or CJK punctuation):
    // tidy would turn an ASCII `, ; : ? !` after it into the full-width
    // mark.
    let mut after_chinese = false;
    let mut line_start = 0;
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            match ASCII[x as usize] {
                PLAIN => {}
                MARK if !after_chinese => {}
                NEWLINE => {
                    check = Plausibility::default();
                    line_start = i + 1;
                }
                _ => return line_start,
            }
            after_chinese = false;
            i += 1;
            continue;
        }
        // Only three-byte characters are known here; `text` is a str, so
        // a lead byte from 0xE0 to 0xEF has its two continuation bytes.
        if !(0xE0..=0xEF).contains(&x) {
            return line_start;
        }
        let cp = ((x as usize & 0x0F) << 12)
            | ((b[i + 1] as usize & 0x3F) << 6)
            | (b[i + 2] as usize & 0x3F);
        i += 3;
        let cost = table[cp];
        if cost == UNKNOWN || !check.push(cost) {
            return line_start;
        }
        // The known characters below U+3001 (box drawing, the ideographic
        // space) say nothing about the text around them.
        after_chinese = cp > 0x3000;
    }
    b.len()
}

/// Whether [`plain_lines`] passes the whole of `body`, one line without
/// its line break.
#[cfg(test)]
pub(crate) fn plain_line(body: &str) -> bool {
    !body.contains('\n') && plain_lines(body) == body.len()
}

/// ASCII classes: no step touches it; a mark tidy makes full-width after
/// Chinese; one that needs the full path; the end of a line.
const PLAIN: u8 = 0;
const MARK: u8 = 1;
const OTHER: u8 = 2;
const NEWLINE: u8 = 3;

/// The controls (tab aside), DEL and CR need the full path, and so do
/// `(`, `[` and `|`, which start pinyin annotations, Markdown remnants
/// and empty table rows, or become full-width punctuation.
const ASCII: [u8; 128] = {
    let mut t = [PLAIN; 128];
    let mut i = 0;
    while i < 0x20 {
        if i != b'\t' as usize {
            t[i] = OTHER;
        }
        i += 1;
    }
    t[b'\n' as usize] = NEWLINE;
    t[0x7F] = OTHER;
    t[b'(' as usize] = OTHER;
    t[b'[' as usize] = OTHER;
    t[b'|' as usize] = OTHER;
    let marks = b",;:?!";
    let mut k = 0;
    while k < marks.len() {
        t[marks[k] as usize] = MARK;
        k += 1;
    }
    t
};

/// In [`table`], a character this scan does not know.
const UNKNOWN: u8 = u8::MAX;

/// For every BMP character, its model cost if [`plain_lines`] knows it, or
/// [`UNKNOWN`]: one load tells both. Known are Han (U+4000–U+9FFF but the
/// hexagram symbols U+4DC0–U+4DFF, and `锟`, the mark of the irreparable
/// debris that repair counts), the CJK and full-width punctuation that no
/// step changes, and two things laws and tables are full of that no step
/// changes either, box drawing and the ideographic space; each as long as
/// its cost is below the top of the scale (the entry would be ambiguous;
/// such a rare character takes the full path).
fn table() -> &'static [u8; 0x10000] {
    static TABLE: std::sync::OnceLock<Box<[u8; 0x10000]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let costs = crate::model::bmp_costs();
        let mut t = Box::new([UNKNOWN; 0x10000]);
        for (cp, entry) in t.iter_mut().enumerate() {
            let known = matches!(cp,
                0x4000..=0x4DBF | 0x4E00..=0x9FFF
                | 0x3001..=0x3029 | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF5B..=0xFF65
                | 0x3000 | 0x2500..=0x257F);
            if known && cp != '锟' as usize && costs[cp] < UNKNOWN {
                *entry = costs[cp];
            }
        }
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_text_is_plain() {
        assert!(plain_line("第一條 本法依憲法第一百零八條，制定之。"));
        assert!(plain_line("Article 3, 第二項：適用之；"));
        assert!(plain_line(""));
    }

    #[test]
    fn anything_a_step_may_touch_is_not() {
        for line in [
            "經(jīng)濟",
            "中文,中文",
            "中文?",
            "[]() 連結",
            "| |",
            "行尾\r",
            "控制\u{1}字元",
            "全形Ａ字母",
            "全形１數字",
            "不換行\u{A0}空白",
            "零寬\u{200B}空白",
            "錕斤拷 锟斤拷",
            "替換\u{FFFD}字元",
            "é 拉丁",
            "⼀部首",
            "\u{F900} 兼容",
            "\u{4DC0}卦",
            "\u{E000}私用",
        ] {
            assert!(!plain_line(line), "{line:?}");
        }
    }

    #[test]
    fn han_mojibake_is_not() {
        // UTF-8 Chinese read as GBK: Han all along, but rare Han, which
        // repair's window notices and this one must too.
        let garbled = "浣犲ソ锛屼笘鐣屻€傝繖鏄竴涓祴璇曘€";
        assert!(crate::clean::mojibake::repair(garbled).0 != garbled);
        assert!(!plain_line(garbled));
    }
}
