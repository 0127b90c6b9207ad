//! The model's cost table, built by `build.rs` at compile time (this file
//! is included there with `#[path]`) and by nothing else: it must depend on
//! `std` alone. The library embeds the result, so no table is built at
//! run time.

/// One bit, in the model's cost unit.
pub const BIT: u32 = 4;

/// Cost of a Han character that is not in the count table.
pub const UNKNOWN_HAN: u8 = 21 * 4;
/// Cost of the Han characters that are GBK's reading of UTF-8 punctuation
/// (set after the counts, which include some of them from mojibake in the
/// word list's own sources).
pub const MOJIBAKE_LEAD: u8 = 30 * 4;
/// Most a symbol of the GB2312 or Big5 punctuation rows may cost.
pub const SYMBOL: u8 = 12 * 4;
/// Cheapest a counted character may be; keeps one frequent character from
/// outweighing real evidence elsewhere.
pub const FLOOR: u8 = 5 * 4;

/// Whether `cp` is a CJK unified or compatibility ideograph.
pub fn is_han(cp: u32) -> bool {
    matches!(cp,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Whether `cp` belongs to Chinese writing in the wide sense: the
/// ideographs of [`is_han`], and the radicals, strokes, iteration and zero
/// marks (々〇), Hangzhou numerals and Bopomofo that only Chinese writing
/// uses. Punctuation is judged Chinese next to these.
pub fn is_han_script(cp: u32) -> bool {
    is_han(cp)
        || matches!(cp,
            0x2E80..=0x2FDF
            | 0x3005
            | 0x3007
            | 0x3021..=0x3029
            | 0x3038..=0x303B
            | 0x3100..=0x312F
            | 0x31A0..=0x31EF)
}

/// Whether `cp` is a kana letter: hiragana and katakana, including the
/// iteration marks, but not the middle dot `・` (U+30FB) and the long-vowel
/// mark `ー` (U+30FC), which Chinese text borrows as punctuation. Every kana
/// letter is `E3 81..83 xx` in UTF-8, which `lang` relies on to find lines
/// with kana quickly. Half-width katakana are left out: no Japanese prose
/// is written in them alone, and in Chinese pages they turn up in emoticons.
pub fn is_kana(cp: u32) -> bool {
    matches!(cp, 0x3041..=0x309F | 0x30A1..=0x30FA | 0x30FD..=0x30FF)
}

/// Whether `cp` is a precomposed hangul syllable, what Korean text is
/// written in (lead bytes `EA`..`ED` in UTF-8). Loose jamo (`ㅋㅋ`) are
/// left out: they spell chat noises, not words.
pub fn is_hangul(cp: u32) -> bool {
    matches!(cp, 0xAC00..=0xD7A3)
}

/// Cost of a character judged by its class alone, in quarter bits.
pub fn class_cost(cp: u32) -> u8 {
    let bits: u32 = match cp {
        0x0A | 0x0D | 0x09 => 5,
        0x20 => 4,
        0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A => 6,
        0x21..=0x2F | 0x3A..=0x40 | 0x5B..=0x60 | 0x7B..=0x7E => 7,
        0x00..=0x1F | 0x7F => 22,
        0x80..=0x9F => 24,
        0xA0 => 10,
        0xA1..=0xBF | 0xD7 | 0xF7 => 14,
        0xC0..=0xFF => 12,
        // Letters of other alphabets: normal in their own texts, but next to
        // Han characters they are mostly a wrong reading of GBK or Big5.
        0x100..=0x24F => 18,
        0x250..=0x36F => 20,
        0x370..=0x4FF => 20,
        0x590..=0x6FF => 20,
        // General punctuation: the quotes, dashes and ellipsis Chinese text uses.
        0x2014 | 0x2018 | 0x2019 | 0x201C | 0x201D | 0x2026 => 8,
        0x2000..=0x206F => 13,
        0x2100..=0x22FF => 14,
        0x2460..=0x24FF => 13,
        0x2500..=0x25FF => 14,
        0x2600..=0x27BF => 15,
        // Ideographic punctuation: 、。〈〉《》「」『』【】 and friends.
        0x3001 | 0x3002 | 0x300A | 0x300B | 0x300C | 0x300D => 7,
        0x3000..=0x303F => 10,
        0x3040..=0x30FF => 13,
        0x3100..=0x312F | 0x31A0..=0x31BF => 15,
        0x3200..=0x33FF => 16,
        0x3400..=0x4DBF => 23,
        0x4E00..=0x9FFF => UNKNOWN_HAN as u32 / BIT,
        0xA000..=0xABFF => 20,
        0xAC00..=0xD7AF => 14,
        // Private use: user-defined characters of GBK and Big5 (old custom
        // fonts), which real documents do carry; as rare as the rarest Han.
        // Except GB18030's user area A140-A7A0 (U+E4C6-U+E765): those bytes
        // are Big5's commonest punctuation, so a character there is far
        // likelier Big5 misread than a custom glyph.
        0xE4C6..=0xE765 => 30,
        0xE000..=0xF8FF => 21,
        // CJK and Kangxi radicals: dictionary entries, not running text.
        0x2E80..=0x2FDF => 20,
        0xF900..=0xFAFF => 22,
        0xFE30..=0xFE4F => 12,
        // Full-width forms: ，！？（）：； are everyday Chinese punctuation.
        0xFF0C | 0xFF01 | 0xFF1F | 0xFF08 | 0xFF09 | 0xFF1A | 0xFF1B => 7,
        0xFF00..=0xFF60 => 11,
        0xFF61..=0xFFEF => 15,
        0xFFFD => 26,
        0xFFF0..=0xFFFF => 26,
        0x20000..=0x3FFFF => 23,
        0xF0000..=0x10FFFF => 26,
        0x10000..=0x1FFFF => 18,
        _ => 16,
    };
    (bits * BIT).min(255) as u8
}

/// The cost of every BMP character, from the character counts and the
/// class costs. `decode_gbk` and `decode_big5` decode one two-byte code
/// (strictly, `None` when invalid): they come from encoding_rs, which
/// build.rs has as a build dependency.
pub fn build_cost_table(
    char_freq: &str,
    decode_gbk: &dyn Fn(&[u8]) -> Option<String>,
    decode_big5: &dyn Fn(&[u8]) -> Option<String>,
) -> Vec<u8> {
    {
        let mut table = vec![0u8; 0x10000];
        for cp in 0..0x10000u32 {
            table[cp as usize] = class_cost(cp);
        }
        let mut total: f64 = 0.0;
        let mut rows = Vec::with_capacity(14_000);
        for line in char_freq.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(ch), Some(count)) = (parts.next(), parts.next()) else {
                continue;
            };
            let (Some(c), Ok(count)) = (ch.chars().next(), count.parse::<f64>()) else {
                continue;
            };
            total += count;
            rows.push((c, count));
        }
        // The punctuation rows of GB2312 and Big5 are what Chinese
        // documents draw punctuation, box drawing and units from, however
        // odd some look by Unicode block (ˇ, ¨, ╳).
        let mut mark = |decode: &dyn Fn(&[u8]) -> Option<String>,
                        lead: std::ops::RangeInclusive<u8>,
                        trail: std::ops::RangeInclusive<u8>| {
            for l in lead {
                for t in trail.clone() {
                    if let Some(text) = decode(&[l, t]) {
                        for c in text.chars() {
                            let cp = c as u32;
                            if cp < 0x10000 && !c.is_ascii() {
                                table[cp as usize] = table[cp as usize].min(SYMBOL);
                            }
                        }
                    }
                }
            }
        };
        // Punctuation, full-width forms and box drawing only: kana, Greek,
        // Cyrillic and bopomofo rows are where the other encoding's
        // everyday characters land when misread.
        mark(decode_gbk, 0xA1..=0xA1, 0xA1..=0xFE);
        mark(decode_gbk, 0xA3..=0xA3, 0xA1..=0xFE);
        mark(decode_gbk, 0xA9..=0xA9, 0xA4..=0xEF);
        mark(decode_big5, 0xA1..=0xA1, 0x40..=0xFE);
        mark(decode_big5, 0xA2..=0xA2, 0x40..=0xBF);
        for (c, count) in rows {
            let cp = c as u32;
            if cp >= 0x10000 || !is_han(cp) {
                continue;
            }
            let bits = -(count / total).log2();
            let cost = (bits * BIT as f64)
                .round()
                .clamp(FLOOR as f64, UNKNOWN_HAN as f64) as u8;
            table[cp as usize] = cost;
        }
        // GBK's reading of the first two bytes of UTF-8's commonest
        // punctuation (“ ” … — 、 。 ， ： and the rest): 鈥, 銆, 锛 and
        // their row-mates occur in real text almost only as that mojibake.
        for pair in [
            [0xE2, 0x80],
            [0xE2, 0x81],
            [0xE3, 0x80],
            [0xE3, 0x81],
            [0xEF, 0xBC],
            [0xEF, 0xBD],
            [0xEF, 0xBF],
        ] {
            if let Some(text) = decode_gbk(&pair) {
                for c in text.chars().filter(|c| (*c as u32) < 0x10000) {
                    table[c as usize] = MOJIBAKE_LEAD;
                }
            }
        }
        table
    }
}
