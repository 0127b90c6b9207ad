//! Which language a document is written in, as far as conversion cares.
//!
//! OpenCC's tables are for Chinese. Run over Japanese they turn `日本語`
//! into `日本语` and `終わり` into `终わり`; run over Korean with hanja they
//! do the same to the hanja. So the pipeline converts a document only when
//! it is Chinese (or has too little CJK text to say), and inside a Chinese
//! document it leaves alone a line quoting Japanese or Korean.
//!
//! What tells the languages apart is the script around the Han characters:
//! Japanese prose is 40–70% kana, Korean is mostly hangul syllables, and
//! Chinese has neither. [`Evidence`] counts them over the beginning of a
//! document (the first [`WINDOW_LETTERS`] Han, kana or hangul letters, or the
//! first [`WINDOW_BYTES`] bytes, whichever comes first) and gives a
//! [`Language`]:
//!
//! * `ja` when kana are at least [`KANA_PERCENT`]% of kana and Han (a
//!   Chinese article quoting a Japanese title stays far below that, while
//!   even kanji-heavy Japanese headlines stay above it), and at least
//!   [`SPREAD_PERCENT`]% of the letters are in segments (lines, or text
//!   between tags) that show kana: Japanese has kana in nearly every
//!   sentence, while a short Chinese text quoting one Japanese line can
//!   pass the share but has most of its text in lines without any. From
//!   [`DENSE_KANA_PERCENT`]% of kana on, no spread is asked for: a page of
//!   Japanese prose followed by a chart or list of kanji is Japanese, and
//!   no Chinese text quotes that much Japanese;
//! * `ko` likewise, when hangul syllables are at least [`HANGUL_PERCENT`]%
//!   of hangul and Han: Korean with hanja is still mostly hangul, while a
//!   Chinese fan page quoting Korean names and lyrics needs a higher bar
//!   than kana do;
//! * `other` with fewer than [`MIN_LETTERS`] letters to go on (an English
//!   or Russian page, an empty one);
//! * otherwise Chinese: `zh-Hant` when characters only Traditional writing
//!   uses outnumber those only Simplified writing uses, else `zh-Hans`
//!   (text in characters both share is valid Simplified).
//!
//! A kana or hangul letter counts only next to another of its own script
//! (`です`, `ゲーム`, `한국`). Chinese web text borrows single kana: in
//! emoticons, often right after a sentence (`好開心ヽ(°▽°)ノ`, `(つд⊂)`),
//! and `の` for 的 in titles (`英桃の天闊營地`), which would otherwise make
//! a forum thread look Japanese, and its lines look quoted. Japanese prose
//! has runs of kana in nearly every sentence; a Japanese title whose only
//! kana is one `の` (`進撃の巨人`) is converted like the Chinese around it.
//!
//! Numeric character references (`&#12354;`, `&#x3042;`) count as the
//! characters they stand for, so that a page kept as HTML is judged the
//! same whether its text is written out or escaped.
//!
//! The verdict depends only on the beginning of the text, never on how it
//! arrived in pieces: letters are counted in order and the window ends at
//! a fixed letter or byte count.

use crate::model::{is_han, is_hangul, is_kana};

include!(concat!(env!("OUT_DIR"), "/script_chars.rs"));

/// Han, kana and hangul letters looked at before the verdict is taken.
/// A thousand letters is a few paragraphs: enough for the shares to
/// settle, and short enough that live input is not held back long.
pub const WINDOW_LETTERS: u64 = 1000;

/// Bytes of text looked at, at most, before the verdict is taken: a page
/// may open with tens of kilobytes of markup and scripts, and an English
/// text has no letters to count at all.
pub const WINDOW_BYTES: usize = 64 * 1024;

/// Fewest letters a verdict other than `other` needs: a handful of Han
/// characters in an English page do not make it Chinese.
pub const MIN_LETTERS: u64 = 5;

/// Share of kana among kana and Han, in percent, from which a document
/// is Japanese.
pub const KANA_PERCENT: u64 = 10;

/// Share of kana among kana and Han, in percent, from which a document
/// is Japanese however its kana are spread.
pub const DENSE_KANA_PERCENT: u64 = 20;

/// Share of hangul among hangul and Han, in percent, from which a
/// document is Korean.
pub const HANGUL_PERCENT: u64 = 30;

/// Share of the letters, in percent, that must be in segments showing
/// kana (or hangul) for a document to be Japanese (or Korean).
pub const SPREAD_PERCENT: u64 = 50;

/// A document's language or script, as zhnorm reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// Chinese written in Traditional characters.
    ZhHant,
    /// Chinese written in Simplified characters, or only in characters
    /// both scripts share.
    ZhHans,
    /// Japanese: kana among the Han characters.
    Ja,
    /// Korean: hangul syllables.
    Ko,
    /// Too little Han, kana or hangul to tell (a page in English or
    /// Russian, an empty input).
    #[default]
    Other,
}

impl Language {
    /// Every language, in a fixed order.
    pub const ALL: [Language; 5] = [
        Language::ZhHant,
        Language::ZhHans,
        Language::Ja,
        Language::Ko,
        Language::Other,
    ];

    /// The name used in reports: `zh-Hant`, `zh-Hans`, `ja`, `ko`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            Language::ZhHant => "zh-Hant",
            Language::ZhHans => "zh-Hans",
            Language::Ja => "ja",
            Language::Ko => "ko",
            Language::Other => "other",
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which letters mark a line as quoting another language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Letters {
    /// Kana (Japanese).
    pub kana: bool,
    /// Hangul syllables (Korean).
    pub hangul: bool,
}

impl Letters {
    /// Kana and hangul both.
    pub const BOTH: Letters = Letters {
        kana: true,
        hangul: true,
    };

    /// Whether no letter is asked for.
    pub fn is_empty(self) -> bool {
        !self.kana && !self.hangul
    }
}

/// What a character is, for the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Class {
    #[default]
    Other,
    Han,
    Kana,
    Hangul,
}

/// The long-vowel mark `ー`: punctuation after Han (Chinese text uses it
/// as a dash), part of the word after kana (`ページ`).
const LONG_VOWEL: char = '\u{30FC}';

/// The class of `c` after a character of class `prev`.
#[inline]
fn class_after(c: char, prev: Class) -> Class {
    if c == LONG_VOWEL && prev == Class::Kana {
        Class::Kana
    } else {
        class(c)
    }
}

#[inline]
fn class(c: char) -> Class {
    let cp = c as u32;
    // Below the kana block nothing counts: ASCII, Latin, Cyrillic and
    // punctuation leave here.
    if cp < 0x3041 {
        Class::Other
    } else if is_han(cp) {
        Class::Han
    } else if is_kana(cp) {
        Class::Kana
    } else if is_hangul(cp) {
        Class::Hangul
    } else {
        Class::Other
    }
}

/// The code point of the character at `i` of `b` (a str's bytes) if it
/// is a Han ideograph from U+4000 to U+9FFF (three bytes, lead `E4`–`E9`),
/// which [`class`] calls Han whatever comes before it.
#[inline]
fn common_han(b: &[u8], i: usize) -> Option<u32> {
    let &[x, y, z, ..] = b.get(i..)? else {
        return None;
    };
    if !(0xE4..=0xE9).contains(&x) {
        return None;
    }
    let cp = ((x as u32 & 0x0F) << 12) | ((y as u32 & 0x3F) << 6) | (z as u32 & 0x3F);
    is_han(cp).then_some(cp)
}

/// 1 if only Traditional writing uses `cp`, 2 if only Simplified writing
/// does, 0 otherwise: one table read for the Han characters of the BMP.
#[inline]
fn script_of(cp: u32) -> u64 {
    if (SCRIPT_BITS_FROM..SCRIPT_BITS_TO).contains(&cp) {
        let i = (cp - SCRIPT_BITS_FROM) as usize;
        (SCRIPT_BITS[i / 32] >> (2 * (i % 32))) & 3
    } else if TRADITIONAL_REST.binary_search(&cp).is_ok() {
        1
    } else if SIMPLIFIED_REST.binary_search(&cp).is_ok() {
        2
    } else {
        0
    }
}

/// Whether only Traditional writing uses `c`: t2s always changes it, and
/// s2t never gives it back as a Simplified form (from OpenCC's
/// TSCharacters and STCharacters, at build time).
pub fn is_traditional_only(c: char) -> bool {
    script_of(c as u32) == 1
}

/// Whether only Simplified writing uses `c` (the mirror of
/// [`is_traditional_only`]).
pub fn is_simplified_only(c: char) -> bool {
    script_of(c as u32) == 2
}

/// Counts over the beginning of a document, and the verdict they give.
///
/// Feed it the document's text in order with [`observe`](Self::observe),
/// in any pieces; once the window is full it has a verdict and looks at
/// nothing more. [`decide`](Self::decide) takes the verdict early, on what
/// has been seen, at the end of input or when live input goes quiet.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    han: u64,
    kana: u64,
    hangul: u64,
    traditional: u64,
    simplified: u64,
    bytes: usize,
    /// The class of the last character seen.
    prev: Class,
    /// The last character is a kana or hangul letter not counted yet: it
    /// counts if the next one is of its script.
    pending: bool,
    /// How much of a numeric character reference has been read.
    reference: Reference,
    /// Letters of the segment under way (since the last line break or
    /// tag bracket).
    segment: Segment,
    /// Han and kana in segments that show kana; Han and hangul in those
    /// that show hangul.
    in_kana_segments: u64,
    in_hangul_segments: u64,
    verdict: Option<Language>,
}

/// Letters counted in one segment.
#[derive(Debug, Clone, Copy, Default)]
struct Segment {
    han: u64,
    kana: u64,
    hangul: u64,
}

/// Progress through a numeric character reference. Its characters are
/// all ASCII, so when it turns out not to be one, a single non-letter
/// stands for all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Reference {
    #[default]
    Outside,
    /// `&`
    Amp,
    /// `&#`
    Hash,
    /// `&#x`
    HexMark,
    /// Digits so far, and their value.
    Decimal(u32),
    Hex(u32),
}

impl Evidence {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A verdict known beforehand (the same document's, taken elsewhere):
    /// nothing is observed.
    pub fn known(language: Language) -> Self {
        Evidence {
            verdict: Some(language),
            ..Self::default()
        }
    }

    /// Counts the next piece of the document, up to the end of the window.
    pub fn observe(&mut self, text: &str) {
        if self.verdict.is_some() {
            return;
        }
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            // A run of ASCII that ends no segment and starts no reference
            // is a run of non-letters: it only ends any word under way.
            let run = b[i..]
                .iter()
                .take(WINDOW_BYTES - self.bytes)
                .take_while(|&&x| x < 0x80 && !matches!(x, b'&' | b'<' | b'>' | b'\n' | b'\r'))
                .count();
            if run > 0 && self.reference == Reference::Outside {
                self.pending = false;
                self.prev = Class::Other;
                self.bytes += run;
                i += run;
            } else if let Some(cp) =
                common_han(b, i).filter(|_| self.reference == Reference::Outside)
            {
                // Most of what is not ASCII: the step for a Han character,
                // without decoding in general.
                i += 3;
                self.bytes += 3;
                self.pending = false;
                self.han += 1;
                self.segment.han += 1;
                let script = script_of(cp);
                self.traditional += script & 1;
                self.simplified += script >> 1;
                self.prev = Class::Han;
            } else {
                let c = text[i..].chars().next().expect("a character at a boundary");
                i += c.len_utf8();
                self.bytes += c.len_utf8();
                if self.reference == Reference::Outside && c != '&' {
                    self.step(c);
                } else {
                    self.read(c);
                }
            }
            if self.han + self.kana + self.hangul >= WINDOW_LETTERS || self.bytes >= WINDOW_BYTES {
                self.verdict = Some(self.judge());
                return;
            }
        }
    }

    /// Takes the next character of the text, reading numeric character
    /// references as the character they stand for.
    fn read(&mut self, c: char) {
        use Reference::*;
        let next = match (self.reference, c) {
            (Outside, '&') => Amp,
            (Outside, _) => {
                self.step(c);
                return;
            }
            (Amp, '#') => Hash,
            (Hash, 'x' | 'X') => HexMark,
            (Hash, '0'..='9') => Decimal(c as u32 - '0' as u32),
            (HexMark, _) if c.is_ascii_hexdigit() => Hex(c.to_digit(16).unwrap_or(0)),
            (Decimal(v), '0'..='9') if v < 0x11_0000 => Decimal(v * 10 + (c as u32 - '0' as u32)),
            (Hex(v), _) if c.is_ascii_hexdigit() && v < 0x11_0000 => {
                Hex(v * 16 + c.to_digit(16).unwrap_or(0))
            }
            (Decimal(v) | Hex(v), ';') => {
                self.reference = Outside;
                self.step(char::from_u32(v).unwrap_or('\u{FFFD}'));
                return;
            }
            _ => {
                // Not a reference after all: what was read of it is ASCII.
                self.reference = Outside;
                self.step('&');
                self.read(c);
                return;
            }
        };
        self.reference = next;
    }

    fn step(&mut self, c: char) {
        let k = class_after(c, self.prev);
        match k {
            Class::Other => {
                self.pending = false;
                if matches!(c, '\n' | '\r' | '<' | '>') {
                    self.end_segment();
                }
            }
            Class::Han => {
                self.pending = false;
                self.han += 1;
                self.segment.han += 1;
                // Without a branch: which script a character belongs to is
                // as good as random.
                let script = script_of(c as u32);
                self.traditional += script & 1;
                self.simplified += script >> 1;
            }
            Class::Kana | Class::Hangul => {
                if k == self.prev {
                    if self.pending {
                        self.pending = false;
                        self.count(k);
                    }
                    self.count(k);
                } else {
                    self.pending = true;
                }
            }
        }
        self.prev = k;
    }

    fn count(&mut self, k: Class) {
        match k {
            Class::Kana => {
                self.kana += 1;
                self.segment.kana += 1;
            }
            Class::Hangul => {
                self.hangul += 1;
                self.segment.hangul += 1;
            }
            Class::Han | Class::Other => {}
        }
    }

    fn end_segment(&mut self) {
        let s = std::mem::take(&mut self.segment);
        if s.kana > 0 {
            self.in_kana_segments += s.han + s.kana;
        }
        if s.hangul > 0 {
            self.in_hangul_segments += s.han + s.hangul;
        }
    }

    fn judge(&self) -> Language {
        let (han, kana, hangul) = (self.han, self.kana, self.hangul);
        // The segment under way counts as ended.
        let s = self.segment;
        let in_kana = self.in_kana_segments + if s.kana > 0 { s.han + s.kana } else { 0 };
        let in_hangul = self.in_hangul_segments + if s.hangul > 0 { s.han + s.hangul } else { 0 };
        let ja = kana > 0
            && kana * 100 >= KANA_PERCENT * (kana + han)
            && (in_kana * 100 >= SPREAD_PERCENT * (kana + han)
                || kana * 100 >= DENSE_KANA_PERCENT * (kana + han));
        let ko = hangul > 0
            && hangul * 100 >= HANGUL_PERCENT * (hangul + han)
            && in_hangul * 100 >= SPREAD_PERCENT * (hangul + han);
        if han + kana + hangul >= MIN_LETTERS && (ja || ko) {
            // Both only in a page of the two side by side: the one with
            // more text wins.
            return if ja && (!ko || kana >= hangul) {
                Language::Ja
            } else {
                Language::Ko
            };
        }
        if han < MIN_LETTERS {
            Language::Other
        } else if self.traditional > self.simplified {
            Language::ZhHant
        } else {
            Language::ZhHans
        }
    }

    /// The verdict, once the window is full (or it was decided).
    pub fn verdict(&self) -> Option<Language> {
        self.verdict
    }

    /// The verdict, taken now on what has been seen if the window is not
    /// full yet; it does not change afterwards.
    pub fn decide(&mut self) -> Language {
        let language = self.verdict.unwrap_or_else(|| self.judge());
        self.verdict = Some(language);
        language
    }
}

/// The language of a whole text (the verdict over its first window).
///
/// ```
/// use zhnorm::lang::{detect, Language};
///
/// assert_eq!(detect("日本語の文章です。終わりは午後に来ます。"), Language::Ja);
/// assert_eq!(detect("한국어 문장입니다. 韓國語도 씁니다."), Language::Ko);
/// assert_eq!(detect("這是一篇繁體中文的文章。"), Language::ZhHant);
/// assert_eq!(detect("这是一篇简体中文的文章。"), Language::ZhHans);
/// assert_eq!(detect("An English page."), Language::Other);
/// ```
pub fn detect(text: &str) -> Language {
    let mut e = Evidence::new();
    e.observe(text);
    e.decide()
}

/// Whether [`detect`] could find `text` Japanese or Korean: whether it
/// has a byte of a kana or hangul letter, or a numeric character reference
/// (which [`Evidence`] reads). When not, its verdict is Chinese or `other`,
/// which convert alike, no line of it is left unconverted, and a caller
/// that only needs to know how to convert it can skip the count, at the
/// cost of one pass at about `memchr` speed.
pub fn could_be_foreign(text: &str) -> bool {
    filter(text.as_bytes(), 0xE3, 4, b'&').is_some()
}

/// Whether `text` has a kana or hangul letter (as `which` asks) that is
/// part of a word, by the rule [`Evidence`] counts with (next to another
/// of its script): a line quoting Japanese or Korean. Line breaks are not letters, so over several lines
/// this is whether any of them has one (see [`find_line`]).
pub fn has_letters(text: &str, which: Letters) -> bool {
    find_line(text, which).is_some()
}

/// The first line of `text` (with its line break: `\n`, or `\r`) that
/// [`has_letters`].
///
/// Most text has none, and is let go by a pass over its bytes that costs
/// about what `memchr` does; only a line where that pass finds something
/// is decoded.
pub fn find_line(text: &str, which: Letters) -> Option<std::ops::Range<usize>> {
    if which.is_empty() {
        return None;
    }
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(hit) = may_have_letters(&b[from..], which) {
        let at = from + hit;
        let start = memchr::memrchr2(b'\n', b'\r', &b[from..at]).map_or(from, |i| from + i + 1);
        let end = memchr::memchr2(b'\n', b'\r', &b[at..]).map_or(b.len(), |i| at + i + 1);
        if line_has_letters(&text[start..end], which) {
            return Some(start..end);
        }
        from = end;
    }
    None
}

/// [`has_letters`] for one line, character by character: two letters of
/// a wanted script side by side.
fn line_has_letters(text: &str, which: Letters) -> bool {
    let wanted = |k: Class| match k {
        Class::Kana => which.kana,
        Class::Hangul => which.hangul,
        Class::Han | Class::Other => false,
    };
    let mut prev = Class::Other;
    for c in text.chars() {
        let k = class_after(c, prev);
        if k == prev && wanted(k) {
            return true;
        }
        prev = k;
    }
    false
}

/// A quick over-approximation of [`has_letters`] on UTF-8 bytes: every
/// kana letter is `E3` followed by `81`..`83`, every hangul syllable has
/// lead byte `EA`..`ED`. The byte `E3` alone would not do: it also leads
/// the CJK punctuation (`。、「」`) of every Chinese line.
///
/// This is a pass over all the text that reaches the converter, so it
/// must cost next to nothing: the loop below vectorises, and where the
/// processor has AVX2 the same loop runs compiled for it, twice as fast.
/// Returns where it found something: the start of a block of 64 bytes.
fn may_have_letters(b: &[u8], which: Letters) -> Option<usize> {
    // A lead that never occurs before a continuation byte in UTF-8, and an
    // empty range, switch a test off without a branch in the loop.
    let kana_lead = if which.kana { 0xE3 } else { 0x00 };
    let hangul_span: u8 = if which.hangul { 4 } else { 0 };
    filter(b, kana_lead, hangul_span, 0x00)
}

/// [`byte_filter`], for AVX2 where the processor has it.
fn filter(b: &[u8], kana_lead: u8, hangul_span: u8, amp: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, as checked just above.
            return unsafe { byte_filter_avx2(b, kana_lead, hangul_span, amp) };
        }
    }
    byte_filter(b, kana_lead, hangul_span, amp)
}

/// [`byte_filter`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn byte_filter_avx2(b: &[u8], kana_lead: u8, hangul_span: u8, amp: u8) -> Option<usize> {
    byte_filter(b, kana_lead, hangul_span, amp)
}

/// The first block of `b` with a kana lead pair (`kana_lead` then
/// `81`..`83`), a hangul lead byte (`EA` and the `hangul_span` bytes after
/// it) or `amp` then `#`. A lead of `00` switches the pair tests off: in
/// UTF-8 text no NUL is followed by a continuation byte, and one followed by
/// `#` only makes the answer more cautious.
#[inline(always)]
fn byte_filter(b: &[u8], kana_lead: u8, hangul_span: u8, amp: u8) -> Option<usize> {
    let hit = |x: u8, y: u8| -> u8 {
        (u8::from(x == kana_lead) & u8::from(y.wrapping_sub(0x81) < 3))
            | u8::from(x.wrapping_sub(0xEA) < hangul_span)
            | (u8::from(x == amp) & u8::from(y == b'#'))
    };
    const BLOCK: usize = 64;
    let block_hits = |block: &[u8; BLOCK + 1]| {
        let mut any = 0u8;
        for j in 0..BLOCK {
            any |= hit(block[j], block[j + 1]);
        }
        any != 0
    };
    let mut i = 0;
    while i + BLOCK < b.len() {
        if block_hits(b[i..i + BLOCK + 1].try_into().expect("block size")) {
            return Some(i);
        }
        i += BLOCK;
    }
    // The rest (all of a short text) padded with NUL, which completes no
    // pair and is no lead, so that it takes the same vector loop.
    let mut last = [0u8; BLOCK + 1];
    last[..b.len() - i].copy_from_slice(&b[i..]);
    block_hits(&last).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_tables_hold_what_only_one_script_writes() {
        for c in ['語', '終', '後', '國', '們', '這'] {
            assert!(is_traditional_only(c), "{c}");
            assert!(!is_simplified_only(c), "{c}");
        }
        for c in ['语', '终', '们', '这', '国'] {
            assert!(is_simplified_only(c), "{c}");
            assert!(!is_traditional_only(c), "{c}");
        }
        // Both scripts write these: 乾 (乾隆), 后 (皇后), 台, and the
        // characters that never change.
        for c in ['乾', '后', '台', '日', '本', '午', 'a', 'あ'] {
            assert!(!is_traditional_only(c) && !is_simplified_only(c), "{c}");
        }
    }

    #[test]
    fn shares_decide() {
        // 11 + 7 = 18 Han and a run of 2 kana: exactly 10%.
        let ja = "日本語東京大學研究所長";
        assert_eq!(detect(&format!("{ja}です國立大學研究所")), Language::Ja);
        // 19 Han: under 10%; 語, 東, 學, 長, 國 are Traditional only.
        assert_eq!(
            detect(&format!("{ja}です國立大學研究所長")),
            Language::ZhHant
        );
        // A single kana between Han characters is not counted.
        assert_eq!(detect("日本語の東京大學研究"), Language::ZhHant);
        // 7 Han, 3 hangul: exactly 30%.
        assert_eq!(detect("大韓民國國會議 한국어"), Language::Ko);
        assert_eq!(detect("大韓民國國會議事 한국어"), Language::ZhHant);
        assert_eq!(detect("四个汉字"), Language::Other);
        assert_eq!(detect("五个汉字啊"), Language::ZhHans);
        assert_eq!(detect(""), Language::Other);
        assert_eq!(detect("Привет, мир"), Language::Other);
    }

    #[test]
    fn a_quoted_line_is_not_a_japanese_document() {
        // 31 Han, 4 kana (11%; は between Han is not counted), but the kana
        // are all in one line holding 10 of the 35 letters.
        let zh = "這是一篇繁體中文的文章，討論經濟發展。\n他說：「日本語は難しいです」\n最後一行也是繁體。\n";
        assert_eq!(detect(zh), Language::ZhHant);
        // The same line with half the document around it is Japanese.
        assert_eq!(
            detect("他說：「日本語は難しいです」\n中文。\n"),
            Language::Ja
        );
        // Text between tags is a segment of its own, even on one line.
        let page = "<p>這是一篇繁體中文的文章，討論經濟發展。</p><q>日本語は難しいです</q><p>最後一行也是繁體。</p>";
        assert_eq!(detect(page), Language::ZhHant);
        // Korean alike: 16 hangul to 34 Han is a share of 32%, but all in
        // one line.
        let zh = "한국어 문장입니다. 한국어 문장입니다.\n這是一篇繁體中文的文章，討論經濟發展。\n這是一篇繁體中文的文章，討論經濟發展。\n";
        assert_eq!(detect(zh), Language::ZhHant);
        assert_eq!(detect(&zh[..zh.find("\n").unwrap()]), Language::Ko);
    }

    #[test]
    fn lone_kana_in_emoticons_do_not_count() {
        let forum = "今天好開心ヽ(°▽°)ノ，(つд⊂)哭了";
        assert_eq!(detect(forum), Language::ZhHant);
        assert!(!has_letters(forum, Letters::BOTH));
        // Kana count in runs of two or more, not alone between Han
        // characters: の for 的 in a Chinese title.
        assert!(has_letters("のの", Letters::BOTH));
        assert!(!has_letters("千と千尋の神隠し", Letters::BOTH));
        assert!(!has_letters("英桃の天闊營地", Letters::BOTH));
        assert!(!has_letters("の", Letters::BOTH));
        // Two letters of different scripts are not a word.
        assert!(!has_letters("か한", Letters::BOTH));
        assert!(has_letters("かの한", Letters::BOTH));
        assert!(!has_letters("中・文ー", Letters::BOTH));
        // The long-vowel mark continues a kana word, and only that.
        assert!(has_letters("ゲーム", Letters::BOTH));
        assert!(has_letters("ペー", Letters::BOTH));
        assert!(!has_letters("中ー文", Letters::BOTH));
    }

    #[test]
    fn the_line_found_is_the_first_with_a_word() {
        // ・ and ー pass the byte filter; the line holding them does not
        // count, and the search goes on after it.
        let text = "中文・中文ー\n好開心ヽ(°▽°)ノ\r\n日本語です\n한국어\n";
        let ja = text.find("日本").unwrap();
        assert_eq!(
            find_line(text, Letters::BOTH),
            Some(ja..ja + "日本語です\n".len())
        );
        let only_hangul = Letters {
            kana: false,
            hangul: true,
        };
        let ko = text.find("한").unwrap();
        assert_eq!(find_line(text, only_hangul), Some(ko..text.len()));
        // Far into a long text, past many blocks of Chinese.
        let long = format!("{}\n{}ゲーム", "中文。".repeat(500), "漢字".repeat(100));
        let start = long.find('\n').unwrap() + 1;
        assert_eq!(find_line(&long, Letters::BOTH), Some(start..long.len()));
        assert_eq!(find_line(&"中文。".repeat(500), Letters::BOTH), None);
    }

    #[test]
    fn only_text_that_could_be_foreign_needs_counting() {
        for zh in ["這是中文。", "中文・中文ー", "好開心ヽ(°▽°)ノ", "a &amp; b"]
        {
            assert!(!matches!(detect(zh), Language::Ja | Language::Ko), "{zh}");
        }
        for text in [
            "中文・中文ー",
            "好開心ヽ(°▽°)ノ",
            "&#12354;&#12354;",
            "ゲーム",
            "한국",
        ] {
            assert!(could_be_foreign(text), "{text}");
        }
        for text in ["這是中文。", "a &amp; b", "Ｈｅｌｌｏ", ""] {
            assert!(!could_be_foreign(text), "{text}");
        }
    }

    /// What JSON Lines rely on to convert a record as Chinese before
    /// judging it (see `JsonlRecords::as_chinese` in the binary): no
    /// conversion can take kana, hangul or a character reference out of a
    /// text.
    #[test]
    fn no_dictionary_key_has_kana_hangul_or_a_reference() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries");
        let mut files = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "txt") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            // The one dictionary parser, the build script's own.
            let entries = crate::convert::dict::parse(&text).unwrap();
            assert!(!entries.is_empty(), "{}", path.display());
            for key in entries.iter().map(|e| e.key) {
                let bad = key
                    .chars()
                    .any(|c| is_kana(c as u32) || is_hangul(c as u32) || c == '&' || c == '#');
                assert!(!bad, "{}: {key}", path.display());
            }
        }
        assert!(files > 20, "{files} dictionaries");
    }

    #[test]
    fn letters_asked_for_only() {
        let ko = "서울 首爾";
        let ja = "東京です";
        assert!(has_letters(ko, Letters::BOTH));
        assert!(!has_letters(
            ko,
            Letters {
                kana: true,
                hangul: false
            }
        ));
        assert!(!has_letters(
            ja,
            Letters {
                kana: false,
                hangul: true
            }
        ));
        assert!(!has_letters(ja, Letters::default()));
    }

    #[test]
    fn the_byte_filter_never_misses() {
        // Letters at every offset around the block edges, against the
        // character-by-character answer.
        for ch in ["あ", "ヺ", "ゝ", "가", "힣", "뷁"] {
            for at in 0..140 {
                let mut s = "漢。".repeat(at / 6);
                s.push_str(&"a".repeat(at % 6));
                s.push_str(ch);
                s.push_str(ch);
                s.push('字');
                s.push_str(&"。".repeat(30));
                assert!(has_letters(&s, Letters::BOTH), "{ch} at {at}");
            }
        }
        // Near misses: CJK punctuation, ・ and ー, Yi, Han in E3 rows.
        let none = "。、「」・ー ꀀ 㐀 ㄅ ｱ".repeat(20);
        assert!(!has_letters(&none, Letters::BOTH));
        // The portable loop, whatever the processor running the tests
        // (`・ー` and Yi above pass it, and are turned down afterwards).
        let chinese = "。、「」中文 㐀 ㄅ ｱ".repeat(20);
        let kana = "。".repeat(40) + "あ";
        let hangul = "。".repeat(40) + "힣";
        for (text, want) in [(&chinese, false), (&kana, true), (&hangul, true)] {
            assert_eq!(byte_filter(text.as_bytes(), 0xE3, 4, 0).is_some(), want);
        }
    }

    #[test]
    fn numeric_references_count_as_their_characters() {
        let escaped = "&#26085;&#26412;&#35486;&#12398;&#x6587;&#x7AE0;&#X3067;&#x3059;";
        assert_eq!(detect(escaped), detect("日本語の文章です"));
        assert_eq!(detect(escaped), Language::Ja);
        // Broken or unfinished ones are plain ASCII, and end a word.
        assert_eq!(detect("日本語&#12398文章&#x;&"), Language::ZhHant);
        assert_eq!(detect("日本語&#999999999999;文章&#12398"), Language::ZhHant);
        assert!(!has_letters("&#12398;&#12398;", Letters::BOTH));
    }

    #[test]
    fn window_ends_at_a_fixed_letter() {
        // After the window, nothing changes the verdict.
        let mut e = Evidence::new();
        let zh = "中文".repeat(WINDOW_LETTERS as usize / 2);
        e.observe(&zh);
        assert_eq!(e.verdict(), Some(Language::ZhHans));
        e.observe(&"ひらがな".repeat(1000));
        assert_eq!(e.decide(), Language::ZhHans);
        // Bytes alone end it too.
        let mut e = Evidence::new();
        e.observe(&"x".repeat(WINDOW_BYTES - 1));
        assert_eq!(e.verdict(), None);
        e.observe("xあい");
        assert_eq!(e.verdict(), Some(Language::Other));
    }
}
