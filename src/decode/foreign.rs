//! Judging the non-Chinese readings of a sample, each by a model of its own
//! script.
//!
//! Any run of high bytes pairs up into valid GBK or Big5, so a Russian,
//! Greek or Hebrew page read as Chinese is not damaged text but a string of
//! rare Han characters. The Chinese character model alone cannot see that
//! such a reading is wrong: it prices the true reading (Cyrillic letters)
//! as debris too. Here every single-byte legacy encoding reads the sample,
//! and each reading is priced by letter-frequency models of the languages
//! written in that encoding's script ([`crate::model`]'s `letters.tsv`,
//! built from public text by `scripts/gen_letter_model.py`). The detector
//! then compares the cheapest such reading with the cheapest Chinese one,
//! both in bits over the same non-ASCII bytes: a likelihood ratio, with
//! each side speaking for its own script.
//!
//! Everything a verdict needs is a byte histogram and the list of adjacent
//! high-byte pairs, gathered in one pass; each (encoding, language) pair
//! then costs 128 multiply-adds against a table built once. So detection on
//! a non-Chinese page stays bounded: one pass over at most the focus
//! sample, plus a fixed amount of table work.

use std::sync::OnceLock;

use super::charset::Charset;
use super::legacy::LegacyEncoding;
use crate::model::{self, BIT};

/// A single-byte encoding the detector tries, with its prior: the bits a
/// reading in it pays before any byte is read. Ties (readings that agree
/// on every byte present, such as windows-1250 and ISO-8859-2 on Polish
/// text without ą, ś or ź) go to the encodings pages use most.
struct Candidate {
    charset: Charset,
    prior_bits: u32,
    /// What bytes 0x80-0xFF decode to (U+FFFD where unmapped).
    high: [char; 128],
}

/// One language's letter model, as read from `letters.tsv`.
struct Language {
    code: &'static str,
    script: Script,
    /// Lower-case letters and their share per million letters.
    shares: Vec<(char, u32)>,
    /// Each listed letter's cost in every word position (see
    /// [`listed_costs`]), sorted by letter.
    costs: Vec<(char, [i32; 4])>,
}

/// The scripts single-byte encodings carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Hebrew,
    Arabic,
    Thai,
}

impl Script {
    fn from_name(name: &str) -> Option<Script> {
        Some(match name {
            "latin" => Script::Latin,
            "cyrillic" => Script::Cyrillic,
            "greek" => Script::Greek,
            "hebrew" => Script::Hebrew,
            "arabic" => Script::Arabic,
            "thai" => Script::Thai,
            _ => return None,
        })
    }

    fn of(c: char) -> Option<Script> {
        Some(match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
            0x0400..=0x052F => Script::Cyrillic,
            0x0590..=0x05FF | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
            0x0E00..=0x0E7F => Script::Thai,
            _ => return None,
        })
    }
}

/// The tables every verdict uses, built on first use.
struct Tables {
    candidates: Vec<Candidate>,
    languages: &'static [Language],
    /// For candidate `e`, the languages its script can carry and, for each,
    /// the cost in quarter bits of every high byte in each word position
    /// (index `byte * 4 + position`): `(language, costs)`.
    costs: Vec<Vec<(usize, Box<[i32; 512]>)>>,
    /// For candidate `e`, bit 0 of entry `b`: a lower-case letter; bit 1:
    /// an upper-case one.
    case: Vec<[u8; 128]>,
}

/// Extra cost of an upper-case letter right after a lower-case one: real
/// words do not change case in the middle, while a wrong code page maps
/// neighbouring bytes to letters of either case at random.
const CASE_FLIP: u32 = 6 * BIT;
/// Cost to a single-byte reading of each byte that continues a
/// well-formed UTF-8 sequence.
const UTF8_COINCIDENCE: u32 = 6 * BIT;
/// Extra cost of a letter of another script right beside a Latin one.
pub(crate) const SCRIPT_MIX: u32 = 10 * BIT;
/// Cost of a letter of the language's script that the model does not list
/// (it is rarer than 20 per million letters, or a mark the source omits).
const UNLISTED_LETTER: u32 = 16 * BIT;
/// Cost of a letter of another script.
const FOREIGN_LETTER: u32 = 20 * BIT;
/// Extra cost of an upper-case letter over its lower-case form.
const UPPER: u32 = BIT;

/// Every letter some language model lists, sorted; kept apart from the
/// full tables because the UTF-8 line check needs only this.
fn listed_letters() -> &'static [char] {
    static LISTED: OnceLock<Vec<char>> = OnceLock::new();
    LISTED.get_or_init(|| {
        let mut listed: Vec<char> = languages()
            .iter()
            .flat_map(|l| l.shares.iter().map(|&(c, _)| c))
            .collect();
        listed.sort_unstable();
        listed.dedup();
        listed
    })
}

/// The language models of `letters.tsv`, parsed once.
fn languages() -> &'static [Language] {
    static LANGUAGES: OnceLock<Vec<Language>> = OnceLock::new();
    LANGUAGES.get_or_init(parse_languages)
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}

/// The single-byte encodings tried, WHATWG's and the legacy ones zhnorm
/// adds, with their priors in bits.
fn candidate_list() -> Vec<(Charset, u32)> {
    use encoding_rs::*;
    let std: [(&'static Encoding, u32); 25] = [
        (WINDOWS_1252, 0),
        (WINDOWS_1251, 2),
        (WINDOWS_1250, 3),
        (ISO_8859_15, 2),
        (WINDOWS_1253, 3),
        (WINDOWS_1254, 3),
        (WINDOWS_1255, 3),
        (WINDOWS_1256, 3),
        (WINDOWS_1257, 3),
        (WINDOWS_1258, 4),
        (WINDOWS_874, 3),
        (KOI8_R, 3),
        (KOI8_U, 4),
        (IBM866, 3),
        (X_MAC_CYRILLIC, 4),
        (ISO_8859_2, 3),
        (ISO_8859_5, 3),
        (ISO_8859_7, 3),
        (ISO_8859_8, 3),
        (ISO_8859_6, 4),
        (ISO_8859_4, 6),
        (ISO_8859_13, 5),
        (ISO_8859_16, 6),
        (ISO_8859_3, 6),
        (MACINTOSH, 5),
    ];
    let mut list: Vec<(Charset, u32)> = std.iter().map(|&(e, p)| (Charset::Std(e), p)).collect();
    // DOS Cyrillic, which WHATWG leaves out but old Russian mirrors hold.
    list.push((Charset::Legacy(LegacyEncoding::Ibm855), 5));
    list
}

/// What a single-byte `charset` makes of each high byte.
fn high_chars(charset: Charset) -> [char; 128] {
    let bytes: Vec<u8> = (0x80..=0xFFu8).collect();
    let mut text = String::new();
    match charset {
        Charset::Std(enc) => text.push_str(&enc.decode_without_bom_handling(&bytes).0),
        Charset::Legacy(l) => {
            l.new_decoder().decode(&bytes, &mut text, true);
        }
    }
    let mut high = ['\u{FFFD}'; 128];
    // A single-byte decoder gives one character per byte, U+FFFD where
    // unmapped; anything else leaves the table all unmapped.
    if text.chars().count() == 128 {
        for (slot, c) in high.iter_mut().zip(text.chars()) {
            *slot = c;
        }
    }
    high
}

fn parse_languages() -> Vec<Language> {
    let mut out = Vec::new();
    for line in include_str!("../model/letters.tsv").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cells = line.split('\t');
        let (Some(code), Some(script)) = (cells.next(), cells.next()) else {
            continue;
        };
        let Some(script) = Script::from_name(script) else {
            continue;
        };
        let mut shares = Vec::new();
        let mut positions = Vec::new();
        for cell in cells {
            let Some((letter, rest)) = cell.split_once('=') else {
                continue;
            };
            let (share, pos) = match rest.split_once('/') {
                Some((share, pos)) => (share, Some(pos)),
                None => (rest, None),
            };
            let mut chars = letter.chars();
            let (Some(c), None, Ok(n)) = (chars.next(), chars.next(), share.parse::<u32>()) else {
                continue;
            };
            if n == 0 {
                continue;
            }
            let pos = pos.and_then(|p| {
                let v: Vec<u16> = p.split(',').filter_map(|x| x.parse().ok()).collect();
                <[u16; 4]>::try_from(v).ok()
            });
            shares.push((c, n));
            positions.push(pos);
        }
        let mut costs: Vec<(char, [i32; 4])> = shares
            .iter()
            .zip(&positions)
            .map(|(&(c, share), pos)| (c, listed_costs(share, *pos)))
            .collect();
        costs.sort_unstable_by_key(|&(c, _)| c);
        out.push(Language {
            code,
            script,
            shares,
            costs,
        });
    }
    out
}

/// Common punctuation and symbols of alphabetic text (quotes, dashes,
/// currency, degree, numero), priced like a middling letter.
fn is_common_symbol(c: char) -> bool {
    matches!(
        c,
        '\u{A0}'
            | '«'
            | '»'
            | '‘'
            | '’'
            | '‚'
            | '“'
            | '”'
            | '„'
            | '–'
            | '—'
            | '…'
            | '•'
            | '·'
            | '№'
            | '©'
            | '®'
            | '°'
            | '€'
            | '£'
            | '§'
            | '\u{AD}'
            | '´'
            | '×'
            | '±'
            | '½'
    )
}

/// How letters in general divide between one-letter words, word starts,
/// middles and ends (thousandths); a listed letter's own division is
/// priced against this, so a letter where letters usually are costs
/// nothing extra, and `è` alone or `č` alone costs what it says.
const GENERIC_POSITIONS: [f64; 4] = [30.0, 200.0, 550.0, 220.0];

/// Cost in quarter bits of a listed lower-case letter with `share` per
/// million letters, in each word position (alone, start, middle, end).
fn listed_costs(share: u32, positions: Option<[u16; 4]>) -> [i32; 4] {
    // -log2(share / 1e6), in quarter bits.
    let bits = (1_000_000f64 / share as f64).log2();
    let base = (bits * BIT as f64).round() as i32;
    let Some(pos) = positions else {
        return [base; 4];
    };
    let mut out = [base; 4];
    for (k, slot) in out.iter_mut().enumerate() {
        // Never seen there: as if once in a thousand.
        let p = (pos[k] as f64).max(1.0);
        let ratio = (GENERIC_POSITIONS[k] / p).log2();
        *slot += (ratio * BIT as f64).round() as i32;
    }
    out
}

/// What the costs of a character depend on besides the language, worked
/// out once per code page byte.
#[derive(Clone, Copy)]
struct CharInfo {
    lower: char,
    /// Extra cost of the upper-case form.
    upper: i32,
    script: Option<Script>,
    /// Cost when it is not a letter of any script the models know.
    other: i32,
}

impl CharInfo {
    fn of(c: char) -> CharInfo {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let other = if c.is_alphabetic() {
            FOREIGN_LETTER
        } else {
            let bits = match c as u32 {
                0xFFFD => 24,
                0x80..=0x9F => 22,
                _ if is_common_symbol(c) => 8,
                0xA1..=0xBF | 0x2010..=0x2044 | 0x2116 | 0x2122 => 12,
                0xE000..=0xF8FF => 20,
                _ => 15,
            };
            bits * BIT
        };
        CharInfo {
            lower,
            upper: if lower != c { UPPER as i32 } else { 0 },
            script: Script::of(c),
            other: other as i32,
        }
    }

    /// Cost in quarter bits in each word position (alone, start, middle,
    /// end) in text of `lang`. Only listed letters with position data vary
    /// by position.
    fn costs(&self, lang: &Language) -> [i32; 4] {
        if let Ok(i) = lang.costs.binary_search_by_key(&self.lower, |&(l, _)| l) {
            return lang.costs[i].1.map(|x| x + self.upper);
        }
        let cost = match self.script {
            Some(s) if s == lang.script => UNLISTED_LETTER as i32 + self.upper,
            Some(_) => FOREIGN_LETTER as i32 + self.upper,
            None => self.other,
        };
        [cost; 4]
    }
}

fn build() -> Tables {
    let languages = languages();
    let candidates: Vec<Candidate> = candidate_list()
        .into_iter()
        .map(|(charset, prior_bits)| Candidate {
            charset,
            prior_bits,
            high: high_chars(charset),
        })
        .collect();
    let mut costs = Vec::with_capacity(candidates.len());
    let mut case = Vec::with_capacity(candidates.len());
    for cand in &candidates {
        let infos: Vec<CharInfo> = cand.high.iter().map(|&c| CharInfo::of(c)).collect();
        let mut sorted_high = cand.high.to_vec();
        sorted_high.sort_unstable();
        let mut per_lang = Vec::new();
        for (li, lang) in languages.iter().enumerate() {
            // A language is judged in an encoding only if the encoding
            // writes most of its non-ASCII letters: Russian is not read in
            // windows-1252, nor French in KOI8-R.
            let (mut wanted, mut have) = (0u64, 0u64);
            for &(l, share) in &lang.shares {
                if l.is_ascii() {
                    continue;
                }
                wanted += share as u64;
                let upper = l.to_uppercase().next().unwrap_or(l);
                if sorted_high.binary_search(&l).is_ok()
                    || sorted_high.binary_search(&upper).is_ok()
                {
                    have += share as u64;
                }
            }
            // A language with no letters beyond ASCII (English) prices every
            // high byte as some other Latin language does or worse.
            if wanted == 0 || have * 10 < wanted * 8 {
                continue;
            }
            let mut table = Box::new([0i32; 512]);
            for (b, info) in infos.iter().enumerate() {
                table[b * 4..b * 4 + 4].copy_from_slice(&info.costs(lang));
            }
            per_lang.push((li, table));
        }
        costs.push(per_lang);
        let mut flags = [0u8; 128];
        for (f, &c) in flags.iter_mut().zip(cand.high.iter()) {
            *f = (c.is_lowercase() as u8) | ((c.is_uppercase() as u8) << 1);
        }
        case.push(flags);
    }
    Tables {
        candidates,
        languages,
        costs,
        case,
    }
}

/// The byte statistics a verdict rests on.
pub(crate) struct Profile {
    /// Count of each high byte in each word position (alone, start,
    /// middle, end), index `byte * 4 + position`; neighbours that are
    /// ASCII letters or high bytes count as letters.
    high: [u32; 512],
    /// Adjacent high-byte pairs `(first, second)` (as 0-127) and their counts.
    pairs: Vec<(u8, u8, u32)>,
    /// For each high byte, how often an ASCII letter stands right before or
    /// after it.
    beside_ascii: [u32; 128],
    /// Cost under the Chinese model of the ASCII bytes, which every
    /// single-byte reading shares and so leaves out.
    pub ascii_cost: u64,
    /// Number of high bytes.
    pub non_ascii: usize,
    /// Continuation bytes of the well-formed multi-byte UTF-8 sequences in
    /// the sample.
    utf8_continuations: u32,
}

/// What every verdict needs of a [`Profile`], without the rest: the cost
/// of `sample`'s ASCII bytes under the Chinese model (its `ascii_cost`)
/// and the number of its high bytes (its `non_ascii`). The whole profile
/// is worth gathering only when a single-byte reading is to be priced.
pub(crate) fn ascii_cost_and_high(sample: &[u8]) -> (u64, usize) {
    let costs = model::bmp_costs();
    let mut ascii_cost = 0u64;
    let mut high = 0usize;
    for &b in sample {
        if b < 0x80 {
            ascii_cost += costs[b as usize] as u64;
        } else {
            high += 1;
        }
    }
    (ascii_cost, high)
}

impl Profile {
    /// Gathers the statistics of `sample` in one pass.
    pub(crate) fn of(sample: &[u8]) -> Profile {
        let mut high = [0u32; 512];
        // Pairs as codes `first * 128 + second`, counted after a sort:
        // a small sample has far fewer pairs than a 128 x 128 grid has
        // cells to clear and scan.
        let mut codes: Vec<u16> = Vec::new();
        let costs = model::bmp_costs();
        let mut ascii_cost = 0u64;
        let mut beside_ascii = [0u32; 128];
        let mut prev: Option<u8> = None;
        let mut prev_letter = false;
        for (i, &b) in sample.iter().enumerate() {
            if b < 0x80 {
                ascii_cost += costs[b as usize] as u64;
                let letter = b.is_ascii_alphabetic();
                if let (Some(p), true) = (prev, letter) {
                    beside_ascii[p as usize] += 1;
                }
                prev = None;
                prev_letter = letter;
            } else {
                let h = b - 0x80;
                high[h as usize * 4 + word_position(sample, i)] += 1;
                if let Some(p) = prev {
                    codes.push(p as u16 * 128 + h as u16);
                }
                if prev_letter {
                    beside_ascii[h as usize] += 1;
                }
                prev = Some(h);
                prev_letter = false;
            }
        }
        // In code order, each with its count.
        codes.sort_unstable();
        let pairs = codes
            .chunk_by(|a, b| a == b)
            .map(|run| ((run[0] / 128) as u8, (run[0] % 128) as u8, run.len() as u32))
            .collect();
        Profile {
            utf8_continuations: utf8_continuations(sample),
            non_ascii: high.iter().sum::<u32>() as usize,
            high,
            pairs,
            beside_ascii,
            ascii_cost,
        }
    }
}

/// Where the high byte at `sample[i]` stands in its word: alone (0), at
/// the start (1), inside (2) or at the end (3); neighbours that are ASCII
/// letters or high bytes count as letters.
#[inline]
fn word_position(sample: &[u8], i: usize) -> usize {
    let letterish = |b: u8| b >= 0x80 || b.is_ascii_alphabetic();
    let before = i > 0 && letterish(sample[i - 1]);
    let after = sample.get(i + 1).is_some_and(|&n| letterish(n));
    match (before, after) {
        (false, false) => 0,
        (false, true) => 1,
        (true, true) => 2,
        (true, false) => 3,
    }
}

/// For each single-byte encoding that has language models: the least cost
/// any of them gives each high byte in each word position, and the
/// encoding's prior in quarter bits. With them, a floor under that
/// encoding's cost (see [`single_byte_floor`]).
fn floor_tables() -> &'static [([i32; 512], u64)] {
    static FLOOR: OnceLock<Vec<([i32; 512], u64)>> = OnceLock::new();
    FLOOR.get_or_init(|| {
        let t = tables();
        t.costs
            .iter()
            .enumerate()
            .filter(|(_, models)| !models.is_empty())
            .map(|(e, models)| {
                let mut costs = [i32::MAX; 512];
                for (_, table) in models {
                    for (floor, &c) in costs.iter_mut().zip(table.iter()) {
                        *floor = (*floor).min(c);
                    }
                }
                (costs, t.candidates[e].prior_bits as u64 * BIT as u64)
            })
            .collect()
    })
}

/// A cost no single-byte reading of `sample` goes below: what
/// [`best_single_byte`] of its [`Profile`] would return is at least this
/// (`u64::MAX` when no encoding has a model, as it then returns nothing).
///
/// A reading's cost is a sum over the high bytes of one model's cost for
/// the byte in its word position, kept from going below zero, plus
/// penalties (case flips, mixed scripts, UTF-8 coincidences) that are never
/// negative and the encoding's prior; taking each byte's cheapest cost
/// under any of the encoding's models and leaving the penalties out can
/// only go lower. It needs only the high bytes' counts by position, a
/// fraction of the profile's work, so readings that another one beats by
/// far can be ruled out without the profile.
pub(crate) fn single_byte_floor(sample: &[u8]) -> u64 {
    let mut high = [0u32; 512];
    for (i, &b) in sample.iter().enumerate() {
        if b >= 0x80 {
            high[(b - 0x80) as usize * 4 + word_position(sample, i)] += 1;
        }
    }
    floor_tables()
        .iter()
        .map(|(costs, prior)| {
            let sum: i64 = high
                .iter()
                .zip(costs.iter())
                .map(|(&n, &c)| n as i64 * c as i64)
                .sum();
            sum.max(0) as u64 + prior
        })
        .min()
        .unwrap_or(u64::MAX)
}

/// Counts the continuation bytes of the well-formed multi-byte UTF-8
/// sequences in `bytes`, whatever surrounds them.
fn utf8_continuations(bytes: &[u8]) -> u32 {
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        let need = match bytes[i] {
            0xC2..=0xDF => 1,
            0xE0..=0xEF => 2,
            0xF0..=0xF4 => 3,
            _ => 0,
        };
        if need > 0 {
            if let Some(tail) = bytes.get(i + 1..i + 1 + need) {
                if std::str::from_utf8(&bytes[i..i + 1 + need]).is_ok() {
                    count += tail.len() as u32;
                    i += 1 + need;
                    continue;
                }
            }
        }
        i += 1;
    }
    count
}

/// A reading of a sample in one single-byte encoding, priced by the
/// language model that suits it best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Foreign {
    /// The encoding.
    pub charset: Charset,
    /// Cost in quarter bits of the non-ASCII bytes, prior included.
    pub cost: u64,
    /// The language whose model priced it.
    pub language: &'static str,
}

fn cost_of(t: &Tables, e: usize, profile: &Profile) -> Option<Foreign> {
    let case = &t.case[e];
    let flips: u64 = profile
        .pairs
        .iter()
        .filter(|&&(a, b, _)| case[a as usize] & 1 != 0 && case[b as usize] & 2 != 0)
        .map(|&(_, _, n)| n as u64)
        .sum();
    // A word is written in one script: a Cyrillic or Greek letter glued to
    // Latin ones is a Latin accent read in the wrong code page.
    let mixed: u64 = profile
        .beside_ascii
        .iter()
        .zip(t.candidates[e].high.iter())
        .filter(|&(&n, &c)| n > 0 && Script::of(c).is_some_and(|s| s != Script::Latin))
        .map(|(&n, _)| n as u64)
        .sum();
    // Bytes that line up as UTF-8 sequences are a coincidence a
    // single-byte text pays for: after a lead-shaped byte, one or more of
    // 0x80-0xBF, which most code pages give to symbols and rare letters.
    let base = flips * CASE_FLIP as u64
        + mixed * SCRIPT_MIX as u64
        + profile.utf8_continuations as u64 * UTF8_COINCIDENCE as u64
        + t.candidates[e].prior_bits as u64 * BIT as u64;
    t.costs[e]
        .iter()
        .map(|(li, table)| {
            let sum: i64 = profile
                .high
                .iter()
                .zip(table.iter())
                .map(|(&n, &c)| n as i64 * c as i64)
                .sum();
            (sum.max(0) as u64 + base, *li)
        })
        .min()
        .map(|(cost, li)| Foreign {
            charset: t.candidates[e].charset,
            cost,
            language: t.languages[li].code,
        })
}

/// The cheapest single-byte reading of the sample `profile` describes.
pub(crate) fn best_single_byte(profile: &Profile) -> Option<Foreign> {
    let t = tables();
    (0..t.candidates.len())
        .filter_map(|e| cost_of(t, e, profile))
        .min_by_key(|f| f.cost)
}

/// The reading in `charset`, if it is one of the single-byte encodings
/// judged here.
pub(crate) fn single_byte(charset: Charset, profile: &Profile) -> Option<Foreign> {
    let t = tables();
    let e = t.candidates.iter().position(|c| c.charset == charset)?;
    cost_of(t, e, profile)
}

/// Whether UTF-8 text whose non-ASCII part is short could well be what it
/// says, rather than legacy bytes that happen to form valid UTF-8.
///
/// GBK and Big5 pairs with a lead byte from 0xC2 to 0xDF and a trail from
/// 0x80 to 0xBF are valid two-byte UTF-8 (`图片` is `ͼƬ`), so a short GBK
/// line is valid UTF-8 now and then. What such lines spell is a jumble:
/// letters of two scripts in one word, IPA, C1 controls. Real text keeps
/// each word in one script, and a word with ASCII letters in it is Latin.
/// Characters from U+0800 up (CJK, punctuation) are left to the cost
/// model: legacy text forms them only from its rarest characters.
pub(crate) fn plausible_utf8(text: &str) -> bool {
    let listed = listed_letters();
    // The script of the word so far (None: no letter yet).
    let mut word: Option<Script> = None;
    let mut ascii_letters = false;
    for c in text.chars() {
        let cp = c as u32;
        if c.is_ascii_alphabetic() {
            if word.is_some_and(|s| s != Script::Latin) {
                return false;
            }
            ascii_letters = true;
            word = Some(Script::Latin);
            continue;
        }
        if !(0x80..0x800).contains(&cp) || matches!(cp, 0xA0..=0xBF | 0xD7 | 0xF7) {
            // ASCII non-letters, Latin-1 punctuation and everything from
            // U+0800 up end a word.
            word = None;
            ascii_letters = false;
            continue;
        }
        if (0x300..=0x36F).contains(&cp) {
            // A combining mark needs a letter to sit on.
            if word.is_none() {
                return false;
            }
            continue;
        }
        // A letter some language model lists, of one script per word.
        let lower = c.to_lowercase().next().unwrap_or(c);
        let Some(s) = Script::of(c) else {
            return false;
        };
        if listed.binary_search(&lower).is_err()
            || word.is_some_and(|w| w != s)
            || ascii_letters && s != Script::Latin
        {
            return false;
        }
        word = Some(s);
    }
    true
}

/// Whether `charset` is one of the single-byte encodings judged here.
pub(crate) fn is_single_byte(charset: Charset) -> bool {
    tables().candidates.iter().any(|c| c.charset == charset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(bytes: &[u8]) -> Foreign {
        best_single_byte(&Profile::of(bytes)).expect("some reading")
    }

    /// The pair counts, in code order, and the two figures every verdict
    /// takes without the rest, checked against counting in a full grid.
    #[test]
    fn profile_counts_pairs_and_ascii_as_a_grid_does() {
        let mut sample = "Ein Beispiel für Wörter, façade, naïve — "
            .as_bytes()
            .to_vec();
        sample.extend(
            encoding_rs::WINDOWS_1251
                .encode("Пример текста на русском")
                .0
                .iter(),
        );
        sample.extend(
            encoding_rs::GB18030
                .encode("中文和English混合的句子。")
                .0
                .iter(),
        );
        sample.extend([0x80, 0xFF, 0xFF, 0x80, b'\n', 0xC3]);
        let profile = Profile::of(&sample);
        let mut grid = vec![0u32; 128 * 128];
        for w in sample.windows(2) {
            if w[0] >= 0x80 && w[1] >= 0x80 {
                grid[(w[0] - 0x80) as usize * 128 + (w[1] - 0x80) as usize] += 1;
            }
        }
        let expected: Vec<(u8, u8, u32)> = grid
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| ((i / 128) as u8, (i % 128) as u8, n))
            .collect();
        assert!(expected.len() > 10);
        assert_eq!(profile.pairs, expected);
        assert_eq!(
            ascii_cost_and_high(&sample),
            (profile.ascii_cost, profile.non_ascii)
        );
        assert_eq!(
            profile.non_ascii,
            sample.iter().filter(|&&b| b >= 0x80).count()
        );
    }

    #[test]
    fn every_language_line_parses() {
        let t = tables();
        assert!(t.languages.len() >= 30);
        for code in ["ru", "el", "he", "ar", "th", "tr", "pl", "fr", "hu"] {
            assert!(t.languages.iter().any(|l| l.code == code), "{code}");
        }
    }

    #[test]
    fn cyrillic_code_pages_are_told_apart() {
        let text = "Правительство обсуждает новый закон о транспорте и дорогах";
        for enc in [
            encoding_rs::WINDOWS_1251,
            encoding_rs::KOI8_R,
            encoding_rs::IBM866,
            encoding_rs::ISO_8859_5,
        ] {
            let (bytes, _, bad) = enc.encode(text);
            assert!(!bad);
            let f = best(&bytes);
            assert_eq!(f.charset, Charset::Std(enc), "{}", enc.name());
            assert_eq!(f.language, "ru");
        }
    }

    #[test]
    fn greek_hebrew_and_polish_find_their_pages() {
        for (text, enc) in [
            (
                "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία",
                encoding_rs::WINDOWS_1253,
            ),
            (
                "הממשלה הודיעה על צעדים חדשים בכלכלה",
                encoding_rs::WINDOWS_1255,
            ),
            (
                "Rząd ogłosił nowe przepisy dotyczące źródeł energii",
                encoding_rs::WINDOWS_1250,
            ),
        ] {
            let (bytes, _, _) = enc.encode(text);
            assert_eq!(best(&bytes).charset, Charset::Std(enc), "{text}");
        }
    }

    #[test]
    fn utf8_that_spells_a_jumble_is_not_plausible() {
        for good in [
            "新聞",
            "é",
            "“好”",
            "Привет мир",
            "café au lait",
            "שלום",
            "Ωμέγα",
        ] {
            assert!(plausible_utf8(good), "{good}");
        }
        // GBK 图片, 一, 学 and 太原 read as UTF-8; Greek glued to Latin; a
        // C1 control.
        for bad in ["ͼƬ", "һ", "ѧ", "\u{32B}ԭ", "abcж", "Ωx", "\u{85}", "ʃʒ"] {
            assert!(!plausible_utf8(bad), "{bad}");
        }
    }

    #[test]
    fn a_pound_sign_alone_is_windows_1252() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("The ticket costs £825 this year.");
        assert_eq!(
            best(&bytes).charset,
            Charset::Std(encoding_rs::WINDOWS_1252)
        );
    }
}
