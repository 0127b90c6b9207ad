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
//!   pass the share but has most of its text in lines without any;
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
//! A kana or hangul letter counts only as part of a word: next to a letter
//! of its own script (`です`, `한국`), or between two Han characters
//! (`進撃の巨人`). Chinese web text borrows single kana for emoticons,
//! often right after a sentence (`好開心ヽ(°▽°)ノ`, `(つд⊂)`), and those
//! would otherwise make a forum thread look Japanese, and its lines look
//! quoted.
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

fn in_table(bits: &[u64], rest: &[u32], cp: u32) -> bool {
    if (SCRIPT_BITS_FROM..SCRIPT_BITS_TO).contains(&cp) {
        let i = (cp - SCRIPT_BITS_FROM) as usize;
        bits[i / 64] >> (i % 64) & 1 == 1
    } else {
        rest.binary_search(&cp).is_ok()
    }
}

/// Whether only Traditional writing uses `c`: t2s always changes it, and
/// s2t never gives it back as a Simplified form (from OpenCC's
/// TSCharacters and STCharacters, at build time).
pub fn is_traditional_only(c: char) -> bool {
    in_table(&TRADITIONAL_BITS, &TRADITIONAL_REST, c as u32)
}

/// Whether only Simplified writing uses `c` (the mirror of
/// [`is_traditional_only`]).
pub fn is_simplified_only(c: char) -> bool {
    in_table(&SIMPLIFIED_BITS, &SIMPLIFIED_REST, c as u32)
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
    /// The classes of the last two characters seen.
    prev: Class,
    prev2: Class,
    /// The last character is a kana or hangul letter not counted yet: it
    /// counts if the next one makes it part of a word.
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
        for c in text.chars() {
            self.bytes += c.len_utf8();
            self.read(c);
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
        if self.pending {
            self.pending = false;
            if k == self.prev || (k == Class::Han && self.prev2 == Class::Han) {
                self.count(self.prev);
            }
        }
        match k {
            Class::Other => {
                if matches!(c, '\n' | '\r' | '<' | '>') {
                    self.end_segment();
                }
            }
            Class::Han => {
                self.han += 1;
                self.segment.han += 1;
                if is_traditional_only(c) {
                    self.traditional += 1;
                } else if is_simplified_only(c) {
                    self.simplified += 1;
                }
            }
            Class::Kana | Class::Hangul => {
                if k == self.prev {
                    self.count(k);
                } else {
                    self.pending = true;
                }
            }
        }
        self.prev2 = self.prev;
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
            && in_kana * 100 >= SPREAD_PERCENT * (kana + han);
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

/// Whether `text` has a kana or hangul letter (as `which` asks) that is
/// part of a word, by the rule [`Evidence`] counts with: a line quoting
/// Japanese or Korean. Line breaks are not letters, so over several lines
/// this is whether any of them has one.
///
/// Most text has none, and is let go by a pass over its bytes that the
/// compiler turns into vector code; only text it flags is decoded.
pub fn has_letters(text: &str, which: Letters) -> bool {
    if which.is_empty() || !may_have_letters(text.as_bytes(), which) {
        return false;
    }
    let wanted = |k: Class| match k {
        Class::Kana => which.kana,
        Class::Hangul => which.hangul,
        Class::Han | Class::Other => false,
    };
    let (mut prev, mut prev2) = (Class::Other, Class::Other);
    // The previous character is a wanted letter waiting for its right
    // neighbour.
    let mut pending = false;
    for c in text.chars() {
        let k = class_after(c, prev);
        if pending && (k == prev || (k == Class::Han && prev2 == Class::Han)) {
            return true;
        }
        pending = false;
        if wanted(k) {
            if k == prev {
                return true;
            }
            pending = true;
        }
        prev2 = prev;
        prev = k;
    }
    false
}

/// A quick over-approximation of [`has_letters`] on UTF-8 bytes: every
/// kana letter is `E3` followed by `81`..`83`, every hangul syllable has
/// lead byte `EA`..`ED`. The byte `E3` alone would not do: it also leads
/// the CJK punctuation (`。、「」`) of every Chinese line.
fn may_have_letters(b: &[u8], which: Letters) -> bool {
    // A lead that never occurs before a continuation byte in UTF-8, and an
    // empty range, switch a test off without a branch in the loop.
    let kana_lead = if which.kana { 0xE3 } else { 0x00 };
    let hangul_span: u8 = if which.hangul { 4 } else { 0 };
    let hit = |x: u8, y: u8| -> u8 {
        (u8::from(x == kana_lead) & u8::from(y.wrapping_sub(0x81) < 3))
            | u8::from(x.wrapping_sub(0xEA) < hangul_span)
    };
    const BLOCK: usize = 64;
    let mut i = 0;
    while i + BLOCK < b.len() {
        let block: &[u8; BLOCK + 1] = b[i..i + BLOCK + 1].try_into().expect("block size");
        let mut any = 0u8;
        for j in 0..BLOCK {
            any |= hit(block[j], block[j + 1]);
        }
        if any != 0 {
            return true;
        }
        i += BLOCK;
    }
    (i..b.len()).any(|j| hit(b[j], b.get(j + 1).copied().unwrap_or(0)) != 0)
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
        // 9 Han, 1 kana between them: exactly 10%.
        assert_eq!(detect("日本語の東京大學研究"), Language::Ja);
        // 10 Han, 1 kana: under 10%; 語, 東, 學 are Traditional only.
        assert_eq!(detect("日本語の東京大學研究所"), Language::ZhHant);
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
        // 31 Han, 5 kana (14%), but the kana are all in one line holding
        // 11 of the 36 letters.
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
        // A kana between two Han characters counts, as does a run of two.
        assert!(has_letters("進撃の巨人", Letters::BOTH));
        assert!(has_letters("のの", Letters::BOTH));
        assert!(!has_letters("の日", Letters::BOTH));
        assert!(!has_letters("日の", Letters::BOTH));
        assert!(!has_letters("の", Letters::BOTH));
        assert!(!has_letters("中・文ー", Letters::BOTH));
        // The long-vowel mark continues a kana word, and only that.
        assert!(has_letters("ゲーム", Letters::BOTH));
        assert!(has_letters("ペー", Letters::BOTH));
        assert!(!has_letters("中ー文", Letters::BOTH));
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
