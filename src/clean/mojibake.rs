//! Mojibake repair: text that was decoded with the wrong encoding, and
//! perhaps saved and mis-decoded again, put back the way it was written.
//!
//! # Kinds
//!
//! Each [`Kind`] is one wrong decoding ("src") of bytes written in another
//! encoding ("dst"). Undoing it means encoding the text back with src and
//! decoding the bytes with dst. `测试` / `測試` come out as:
//!
//! | kind | looks like | src → dst |
//! |---|---|---|
//! | [`Kind::Utf8AsLatin`] | `æµ‹è¯•` | windows-1252 or Latin-1 → UTF-8 |
//! | [`Kind::Utf8AsLatinTwice`] | `Ã¦Âµâ€¹` | the same, twice |
//! | [`Kind::GbkAsLatin`] | `²âÊÔ` | windows-1252 or Latin-1 → GBK |
//! | [`Kind::Big5AsLatin`] | `´ú¸Õ` | windows-1252 or Latin-1 → Big5 |
//! | [`Kind::Utf8AsGbk`] | `娴嬭瘯` | GBK → UTF-8 |
//! | [`Kind::Utf8AsGbkTwice`] | `濞村鐦` | the same, twice |
//! | [`Kind::Big5AsGbk`] | `代刚` | GBK → Big5 |
//! | [`Kind::GbkAsBig5`] | `聆彸` | Big5 → GBK |
//!
//! # How a repair is chosen
//!
//! Text is handled a line at a time (a trailing CR stays with its line), and
//! nothing looks across a line break, so text cut after any `\n` repairs
//! the same in pieces as whole. In a line, each src finds its *spans*:
//! maximal runs of characters it can have produced, ASCII included (all
//! these encodings keep it), holding at least one that is not ASCII. A span
//! is encoded with src, the bytes are decoded with dst, and the two are
//! lined up wherever a source character and a decoded character start at
//! the same byte. Between two such points lies a *block*: a few source
//! characters and what they read as, or nothing if the bytes do not decode.
//! A block's gain is the drop in [`crate::model`] cost. In each run of
//! decodable blocks the stretch with the largest total gain is a candidate
//! (found with Kadane's algorithm, then again on either side of it), so a
//! broken phrase inside a clean line is found and the rest left alone. A
//! candidate takes in neighbouring blocks that read as ordinary Chinese at
//! a small loss (`ABSORB_SLACK`): the edge of a broken phrase often has
//! a character whose wrong reading is itself a word (摩摩 read from Big5 as
//! GBK is 集集).
//!
//! The twice kinds decode a span once, keeping the first wrong decoding's
//! own U+FFFD, repair the result as the single kind, and are judged as a
//! whole against the original.
//!
//! # Thresholds
//!
//! A candidate is accepted when, over the characters that are neither ASCII
//! nor U+FFFD, its cost drops by at least `min_gain`, it costs at most
//! `max_ratio` of what it replaces, and its characters cost `max_mean` or
//! less on average. The bar depends on how many characters come out, since
//! the ratio is a reliable witness over a sentence and a weak one over a
//! word:
//!
//! | characters out | max ratio | max mean | min gain | also |
//! |---|---|---|---|---|
//! | 9 or more | 0.78 | 16 bits | 12 bits | |
//! | 5 to 8 | 0.68 | 14 bits | 12 bits | |
//! | 3 or 4 | 0.60 | 13 bits | 20 bits | strict |
//! | 1 or 2 | 0.50 | 12 bits | 20 bits | strict |
//! | UTF-8 read as GBK, 1 to 4 | 0.60 | 15 bits | 16 bits | Chinese |
//! | UTF-8 read as Latin, any | 0.70 | 22 bits | 12 bits | |
//!
//! *Chinese*: all Han or CJK punctuation, and no Latin letter on either
//! side (`ção` in *Informação* stays, though GBK reads its two bytes as one
//! Han character). *Strict*: that, no character twice (clean text is
//! full of 哈哈哈 and 蹦蹦跳跳, whose wrong readings repeat too), and no
//! space between the characters (a chart of rare kanji, `劦 勀 勛`, is not
//! a broken phrase). UTF-8 read
//! as GBK gets a lower bar for short repairs because GBK bytes of clean
//! text hardly ever form UTF-8, and when they do, never Chinese (all such
//! candidates in the measurements were Hangul or astral-plane characters),
//! so 阿宏 between two XML tags is repaired.
//!
//! Whatever the length, text read from GBK or Big5 is not repaired when at
//! least half its characters (ASCII aside) are letters of an alphabet or
//! kana: that is Russian, Greek, Vietnamese or Japanese, which a second
//! reading turns into cheap Han characters (Русский into 妓批扼扼抗我抄),
//! while real mojibake holds such letters among many Han characters, a
//! third of them at most in the corpus.
//!
//! The values come from measuring the candidates of both sides: the 469
//! cases of the shared mojibake corpus, whose true repairs all cost less
//! than 0.74 of the text they replace, and 10 million characters of clean
//! text (Traditional news and laws, Simplified and Traditional web pages,
//! Japanese, Korean, Russian and European test files). Clean text that is
//! not mostly letters came no lower than 0.77 over five characters or more;
//! over three or four it came down to 0.58, nearly always repeated
//! characters. (The one-off measurement listed every candidate with its
//! costs; it is not kept as a test, since it asserts nothing.)
//! `examples/eval_mojibake.rs` scores the end result.
//!
//! Candidates of all kinds then compete: the largest gains are applied
//! first, and overlapping ones dropped. The line is scanned again until
//! nothing more is accepted (at most `MAX_ROUNDS` times), which also
//! catches mojibake nested in ways the twice kinds do not cover. Every
//! accepted repair lowers the line's cost, so this settles, and the output
//! is a fixed point: repairing it again changes nothing.
//!
//! # Lost bytes
//!
//! Decoders write U+FFFD for bytes they cannot read. Read back, a U+FFFD is
//! an unknown byte (a *hole*), and the wrong decoder's rules pin it down
//! more than one might think. A GBK decoder only gives up on a lead byte
//! whose follower cannot complete a pair, and every high byte can, so a
//! hole followed by a high byte held 0x80, the one high byte GB18030
//! cannot start a character with; a hole before ASCII or at the end may
//! have held any high byte. A hole is filled when exactly one value makes a
//! valid character, or one reading is at least four times as likely as any
//! other. A little context helps where the unigram model cannot: at the
//! end of a line 。！？ are preferred (and ？ over ！ when the sentence asks
//! something), and right before `?` the particles 呢吗么吧了. Otherwise the
//! character comes out as U+FFFD. When text was glued from pieces decoded
//! one by one, a hole may end a piece; a hole that the following bytes do
//! not continue is read again as such an end. A lost byte that swallowed
//! its neighbour (an odd UTF-8 byte count pairs the last byte with what
//! follows) needs nothing special: encoding the pair gives both back.
//!
//! Decoders differ in two places, and both readings are tried where it
//! matters: GB18030 decoders of the 2005 standard (Python's, for one) read
//! € only from A2E3, while WHATWG ones (browsers, encoding_rs) also read it
//! from a lone 0x80; and Python's Big5 decoder replaces a bad pair's first
//! byte, WHATWG's the whole pair.
//!
//! `锟斤拷` (U+FFFD written as UTF-8 and read as GBK) and runs of U+FFFD
//! mark bytes lost for good. They are never "repaired" into U+FFFD; they
//! are left as they are and counted in [`RepairStats::irreparable`].
//!
//! # Limits
//!
//! * A character that lost a byte between two ASCII characters, or at the
//!   very end with several plausible endings, stays U+FFFD; so does one
//!   that lost two bytes of GBK, or three of UTF-8.
//! * Mojibake shorter than three Chinese characters, alone between Latin
//!   letters, is left: there is too little evidence to tell it from a name.
//! * Characters that Big5 encodes twice read back as the standard code.
//! * Twice-broken text whose first step also lost bytes comes back with
//!   U+FFFD where a whole character of the first step was lost.

mod decode;
mod reach;
mod stream;
mod tables;

use crate::model::{char_cost, BIT};
use decode::{decode, Ctx, Dst, How, Unit};
use std::borrow::Cow;
use std::ops::Range;
use stream::Src;

/// One way text gets broken, for [`RepairStats::kinds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// UTF-8 read as windows-1252 or Latin-1: `æµ‹è¯•`.
    Utf8AsLatin = 0,
    /// That, saved as UTF-8 and read as windows-1252 again: `Ã¦Âµâ€¹`.
    Utf8AsLatinTwice = 1,
    /// GBK read as windows-1252 or Latin-1: `²âÊÔ`.
    GbkAsLatin = 2,
    /// Big5 read as windows-1252 or Latin-1.
    Big5AsLatin = 3,
    /// UTF-8 read as GBK: `娴嬭瘯`.
    Utf8AsGbk = 4,
    /// That, saved as UTF-8 and read as GBK again.
    Utf8AsGbkTwice = 5,
    /// Big5 read as GBK.
    Big5AsGbk = 6,
    /// GBK read as Big5.
    GbkAsBig5 = 7,
}

impl Kind {
    /// Every kind, in the order of [`RepairStats::kinds`].
    pub const ALL: [Kind; 8] = [
        Kind::Utf8AsLatin,
        Kind::Utf8AsLatinTwice,
        Kind::GbkAsLatin,
        Kind::Big5AsLatin,
        Kind::Utf8AsGbk,
        Kind::Utf8AsGbkTwice,
        Kind::Big5AsGbk,
        Kind::GbkAsBig5,
    ];

    /// A short name for reports, e.g. `utf8-as-gbk`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Utf8AsLatin => "utf8-as-latin",
            Kind::Utf8AsLatinTwice => "utf8-as-latin-twice",
            Kind::GbkAsLatin => "gbk-as-latin",
            Kind::Big5AsLatin => "big5-as-latin",
            Kind::Utf8AsGbk => "utf8-as-gbk",
            Kind::Utf8AsGbkTwice => "utf8-as-gbk-twice",
            Kind::Big5AsGbk => "big5-as-gbk",
            Kind::GbkAsBig5 => "gbk-as-big5",
        }
    }

    fn src(self) -> Src {
        match self {
            Kind::Utf8AsLatin | Kind::Utf8AsLatinTwice | Kind::GbkAsLatin | Kind::Big5AsLatin => {
                Src::Latin
            }
            Kind::Utf8AsGbk | Kind::Utf8AsGbkTwice | Kind::Big5AsGbk => Src::Gbk,
            Kind::GbkAsBig5 => Src::Big5,
        }
    }

    fn dst(self) -> Dst {
        match self {
            Kind::Utf8AsLatin | Kind::Utf8AsLatinTwice | Kind::Utf8AsGbk | Kind::Utf8AsGbkTwice => {
                Dst::Utf8
            }
            Kind::GbkAsLatin | Kind::GbkAsBig5 => Dst::Gbk,
            Kind::Big5AsLatin | Kind::Big5AsGbk => Dst::Big5,
        }
    }

    /// The single kind a twice kind repeats.
    fn once(self) -> Option<Kind> {
        match self {
            Kind::Utf8AsLatinTwice => Some(Kind::Utf8AsLatin),
            Kind::Utf8AsGbkTwice => Some(Kind::Utf8AsGbk),
            _ => None,
        }
    }
}

/// What repair did to one piece of text, for zhnorm's reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepairStats {
    /// Stretches of mojibake replaced.
    pub spans_repaired: usize,
    /// Characters of mojibake replaced (counting ASCII caught between
    /// broken characters, which comes out as it went in).
    pub chars_in: usize,
    /// Runs of `锟斤拷` and of U+FFFD found in the output: bytes lost before
    /// the text got here, left in place.
    pub irreparable: usize,
    /// Stretches replaced, by [`Kind`] (indexed by `Kind as usize`).
    pub kinds: [usize; 8],
    /// Lines whose search ran out of its work budget (see [`budget`]):
    /// what the finished scans repaired stays repaired, the rest of the
    /// line is left as it was.
    pub unsearched: usize,
}

impl RepairStats {
    /// Adds `other` to `self`, for totals over many pieces.
    pub fn add(&mut self, other: &RepairStats) {
        self.spans_repaired += other.spans_repaired;
        self.chars_in += other.chars_in;
        self.irreparable += other.irreparable;
        self.unsearched += other.unsearched;
        for (a, b) in self.kinds.iter_mut().zip(other.kinds) {
            *a += b;
        }
    }
}

/// Least drop in model cost (bits) for any repair: the difference between
/// an ordinary Chinese character and one seen once in 400 000.
const MIN_GAIN: u32 = 12;

/// The largest `max_ratio` of any tier, which bounds what a piece's
/// candidates can pass with (see `reach::Piece::bound`).
const MOST_RATIO: u32 = 78;

/// Thresholds for accepting a repair that gives `min_chars` or more
/// characters (not counting ASCII, nor characters lost for good).
#[derive(Clone, Copy)]
struct Tier {
    min_chars: u32,
    /// Most the repair may cost, in percent of what it replaces.
    max_ratio: u32,
    /// Most its characters may cost on average, in bits.
    max_mean: u32,
    /// Least drop in cost, in bits.
    min_gain: u32,
    /// Short-repair rules: output all Han or CJK punctuation, and no Latin
    /// letter on either side.
    chinese_only: bool,
    /// And no character twice.
    no_repeats: bool,
}

/// Tiers for repairs that give Chinese text, longest first. The longer the
/// repair, the more reliable its cost ratio: clean text read the wrong way
/// never came under 0.86 of its cost over nine characters or more in the
/// measurements, while real mojibake stayed under 0.74; over three or four
/// characters chance gets much closer (0.50 for clean text), and so the
/// bar rises as the evidence shrinks.
const HAN_TIERS: [Tier; 4] = [
    Tier {
        min_chars: 9,
        max_ratio: MOST_RATIO,
        max_mean: 16,
        min_gain: MIN_GAIN,
        chinese_only: false,
        no_repeats: false,
    },
    Tier {
        min_chars: 5,
        max_ratio: 68,
        max_mean: 14,
        min_gain: MIN_GAIN,
        chinese_only: false,
        no_repeats: false,
    },
    Tier {
        min_chars: 3,
        max_ratio: 60,
        max_mean: 13,
        min_gain: 20,
        chinese_only: true,
        no_repeats: true,
    },
    Tier {
        min_chars: 1,
        max_ratio: 50,
        max_mean: 12,
        min_gain: 20,
        chinese_only: true,
        no_repeats: true,
    },
];

/// Tiers for UTF-8 read as GBK. GBK bytes of clean text almost never make
/// valid UTF-8, and when a few do, they read as something other than Han
/// (Hangul, astral-plane characters): not one clean candidate in the
/// measurements was all Chinese. So a short repair that reads as Chinese
/// is trusted, repeated characters included (天天, 哈哈).
const UTF8_GBK_TIERS: [Tier; 3] = [
    HAN_TIERS[0],
    HAN_TIERS[1],
    Tier {
        min_chars: 1,
        max_ratio: 60,
        max_mean: 15,
        min_gain: 16,
        chinese_only: true,
        no_repeats: false,
    },
];

/// UTF-8 read as windows-1252 decodes to valid UTF-8 again only by design:
/// European text essentially never has a capital accented letter followed
/// by a C1 control or a symbol from 0xA0..0xBF, and when it does the
/// reading is rarely cheaper. So one tier serves every length, lets even a
/// rare Han character through (any mean below that of private-use and
/// control characters), and also repairs non-Chinese text (`cafÃ©` is
/// café).
const LATIN_TIER: Tier = Tier {
    min_chars: 1,
    max_ratio: 70,
    max_mean: 22,
    min_gain: MIN_GAIN,
    chinese_only: false,
    no_repeats: false,
};

/// Highest mean cost (bits) of a block that may be absorbed into a
/// neighbouring repair; see [`ABSORB_SLACK`]. Rare, but below the cost of
/// Han characters the model has never seen.
const ABSORB_MEAN: u32 = 20;
/// Most scans of a line. Each accepted repair makes a line cheaper, so
/// scans stop on their own; nested mojibake needs one per layer.
const MAX_ROUNDS: usize = 8;

/// Repair mojibake in `text`. Spans never cross a line break, so a caller
/// may feed text in pieces cut after '\n'.
///
/// Clean text is returned borrowed. See the [module documentation](self)
/// for what is repaired and when.
pub fn repair(text: &str) -> (Cow<'_, str>, RepairStats) {
    let mut stats = RepairStats::default();
    if text.is_ascii() {
        return (Cow::Borrowed(text), stats);
    }
    let mut out: Option<String> = None;
    let mut done = 0;
    // Lines by memchr: text is mostly short lines, and this loop runs once
    // per line of everything zhnorm reads.
    let mut from = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes())
        .map(|i| i + 1)
        .chain((!text.is_empty() && !text.ends_with('\n')).then_some(text.len()));
    for end in ends {
        let line = &text[from..end];
        from = end;
        let start = done;
        done += line.len();
        let body = line.strip_suffix('\n').unwrap_or(line);
        let body = body.strip_suffix('\r').unwrap_or(body);
        let fixed = if body.is_ascii() || plainly_clean(body) {
            None
        } else {
            repair_line(body, &mut stats)
        };
        let result = fixed.as_deref().unwrap_or(body);
        stats.irreparable += count_irreparable(result);
        match (&mut out, fixed) {
            (None, None) => {}
            (None, Some(f)) => {
                let mut s = String::with_capacity(text.len() + 16);
                s.push_str(&text[..start]);
                s.push_str(&f);
                s.push_str(&line[body.len()..]);
                out = Some(s);
            }
            (Some(s), f) => {
                s.push_str(f.as_deref().unwrap_or(body));
                s.push_str(&line[body.len()..]);
            }
        }
    }
    match out {
        Some(s) => (Cow::Owned(s), stats),
        None => (Cow::Borrowed(text), stats),
    }
}

/// Whether a line can be passed over without looking for mojibake: it has
/// no Latin-1 or C1 character (every Latin kind of mojibake of Chinese is
/// full of them), no private-use character, and its Han text reads like
/// Chinese all along (the Han-to-Han kinds are strings of rare characters,
/// which the decoder's sliding windows catch). Most clean text stops here,
/// at the cost of one table lookup per character.
fn plainly_clean(line: &str) -> bool {
    let table = crate::model::bmp_costs();
    let mut check = crate::decode::Plausibility::default();
    let b = line.as_bytes();
    let mut i = 0;
    // What the previous character was, for the Latin kinds: their every
    // Chinese character becomes two or three adjacent characters from
    // Latin-1 (or, for windows-1252, its punctuation in 0x80-0x9F), so a
    // lone `·`, `©` or no-break space between Chinese or ASCII text is no
    // sign of them, while two such characters side by side are.
    let mut last_latin = false;
    let mut last_w1252 = false;
    // Decoding by hand: `line` is a str, so every sequence is whole and
    // valid, and this loop is most of what clean text costs.
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            i += 1;
            last_latin = false;
            last_w1252 = false;
            continue;
        }
        let cost = if x < 0xE0 {
            // Two-byte UTF-8 is U+0080-U+07FF: Latin-1 and C1 are the
            // Latin kinds' raw material; the rest is looked up.
            let cp = ((x as u32 & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F);
            i += 2;
            if cp < 0xA0 || (cp <= 0xFF && (last_latin || last_w1252)) {
                return false;
            }
            let w1252 = is_w1252_extra(cp);
            if w1252 && last_latin {
                return false;
            }
            last_latin = cp <= 0xFF;
            last_w1252 = w1252;
            if last_latin {
                // Not scored: Latin-1 symbols are no evidence of the
                // Han-to-Han kinds either way.
                continue;
            }
            table[cp as usize]
        } else if x < 0xF0 {
            let cp = ((x as u32 & 0x0F) << 12)
                | ((b[i + 1] as u32 & 0x3F) << 6)
                | (b[i + 2] as u32 & 0x3F);
            i += 3;
            if (0xE000..=0xF8FF).contains(&cp) || cp == 0xFFFD {
                return false;
            }
            let w1252 = is_w1252_extra(cp);
            if w1252 && last_latin {
                return false;
            }
            last_latin = false;
            last_w1252 = w1252;
            table[cp as usize]
        } else {
            let c = line[i..].chars().next().unwrap_or('\u{FFFD}');
            i += 4;
            last_latin = false;
            last_w1252 = false;
            crate::model::char_cost(c).min(254) as u8
        };
        if !check.push(cost) {
            return false;
        }
    }
    true
}

/// The characters windows-1252 puts at 0x80-0x9F, where Latin-1 has C1
/// controls.
fn is_w1252_extra(cp: u32) -> bool {
    matches!(
        cp,
        0x152 | 0x153 | 0x160 | 0x161 | 0x178 | 0x17D | 0x17E | 0x192 | 0x2C6 | 0x2DC
            | 0x2013 | 0x2014 | 0x2018..=0x201A | 0x201C..=0x201E | 0x2020..=0x2022
            | 0x2026 | 0x2030 | 0x2039 | 0x203A | 0x20AC | 0x2122
    )
}

/// Runs of `锟斤拷` debris and of U+FFFD. A run is a stretch of 锟, 斤, 拷
/// and U+FFFD holding at least one 锟 or U+FFFD: 斤 and 拷 alone are
/// ordinary words' characters, 锟 next to never is.
fn count_irreparable(text: &str) -> usize {
    // Every run holds a 锟 or a U+FFFD; two memchr-backed searches clear
    // almost every line without decoding it.
    static FINDERS: std::sync::OnceLock<[memchr::memmem::Finder<'static>; 2]> =
        std::sync::OnceLock::new();
    let [kun, fffd] = FINDERS.get_or_init(|| {
        [
            memchr::memmem::Finder::new("锟".as_bytes()),
            memchr::memmem::Finder::new("\u{FFFD}".as_bytes()),
        ]
    });
    let bytes = text.as_bytes();
    if kun.find(bytes).is_none() && fffd.find(bytes).is_none() {
        return 0;
    }
    let mut runs = 0;
    let mut in_run = false;
    let mut marked = false;
    for c in text.chars().chain(std::iter::once('\n')) {
        if matches!(c, '锟' | '斤' | '拷' | '\u{FFFD}') {
            in_run = true;
            marked |= matches!(c, '锟' | '\u{FFFD}');
        } else if in_run {
            runs += usize::from(marked);
            in_run = false;
            marked = false;
        }
    }
    runs
}

/// Decodes every span whole and leaves none out on this thread (`true`),
/// or cuts spans into pieces and passes over those that cannot gain enough,
/// as always (`false`): the two must repair alike, which tests check.
#[doc(hidden)]
pub fn set_whole_spans(on: bool) {
    reach::set_whole(on);
}

/// A repair found in a line.
#[derive(Debug, Clone)]
struct Edit {
    /// Characters of the line replaced.
    range: Range<usize>,
    text: String,
    gain: u32,
    kind: Kind,
}

/// Repairs one line (without its line break); `None` if nothing changed.
fn repair_line(line: &str, stats: &mut RepairStats) -> Option<String> {
    let mut chars: Vec<char> = line.chars().collect();
    let mut changed = false;
    // Characters written by the last round's repairs, or on the first
    // round, those not found unchanged in the line this thread last
    // settled; `None`: all of them are new to the scan.
    let mut fresh: Option<Vec<bool>> = settled::fresh(&chars);
    let mut settles = false;
    budget::start(line.len());
    for _ in 0..MAX_ROUNDS {
        let edits = find_edits(&chars, fresh.as_deref());
        if budget::exhausted() {
            // The round was cut short, so its edits are not the ones a
            // whole scan would choose: the line keeps what the finished
            // rounds made of it.
            stats.unsearched += 1;
            break;
        }
        if edits.is_empty() {
            settles = true;
            break;
        }
        changed = true;
        let mut next = Vec::with_capacity(chars.len());
        let mut written = Vec::with_capacity(chars.len());
        let mut at = 0;
        for e in &edits {
            next.extend_from_slice(&chars[at..e.range.start]);
            written.resize(next.len(), false);
            next.extend(e.text.chars());
            written.resize(next.len(), true);
            at = e.range.end;
            stats.spans_repaired += 1;
            stats.chars_in += e.range.len();
            stats.kinds[e.kind as usize] += 1;
        }
        next.extend_from_slice(&chars[at..]);
        written.resize(next.len(), false);
        chars = next;
        fresh = Some(written);
    }
    budget::finish();
    if settles {
        settled::remember(&chars);
    }
    changed.then(|| chars.into_iter().collect())
}

/// The last long line this thread's repair settled on, kept so that a line
/// that differs from it in a few places is searched only near them.
///
/// zhnorm tidies a line after repairing it, and repairs it again if tidying
/// changed anything (a removed zero-width space can join a broken phrase),
/// so every long line that tidying touches used to be searched twice in
/// full. A settled line is one whose last scan found nothing, with the
/// search complete: repairing it again changes nothing. In a line that
/// differs from it, a span whose characters and both neighbours occur
/// unchanged in the settled line is a span of the settled line too, with the
/// same candidates, none of which passed; only the spans near a difference
/// and the span that ends the line (whose context reads the whole line) are
/// searched again, exactly as [`find_edits`] does after a round of repairs.
/// The result is the same as a search from scratch, only cheaper.
mod settled {
    use std::cell::RefCell;

    /// Lines shorter than this (in characters) are neither kept nor
    /// compared: searching them again costs little, and copying every line
    /// would cost more than it saves.
    const MIN_CHARS: usize = 256;
    /// How far apart (in characters, on either side) the two lines may
    /// pick up again after a difference: tidying removes or replaces a
    /// character or a few.
    const MAX_SHIFT: usize = 16;
    /// Characters that must agree for the two lines to count as back in
    /// step after a difference.
    const WINDOW: usize = 8;

    thread_local! {
        /// The settled line; empty when there is none.
        static LINE: RefCell<Vec<char>> = const { RefCell::new(Vec::new()) };
    }

    /// Keeps `line` as the last settled line, if it is long enough.
    pub(super) fn remember(line: &[char]) {
        if line.len() >= MIN_CHARS {
            LINE.with(|l| {
                let mut l = l.borrow_mut();
                l.clear();
                l.extend_from_slice(line);
            });
        }
    }

    /// Marks the characters of `line` that do not lie, with both
    /// neighbours, inside a stretch found unchanged in the settled line;
    /// `None` when there is no settled line or nothing of it was found.
    pub(super) fn fresh(line: &[char]) -> Option<Vec<bool>> {
        if line.len() < MIN_CHARS {
            return None;
        }
        LINE.with(|l| align(&l.borrow(), line))
    }

    /// Walks `old` and `new` side by side. Where they part, the characters
    /// of `new` up to the point where they agree again are marked, and so
    /// are the characters either side of the break, so that no unmarked
    /// character has a neighbour from another stretch: every unmarked run
    /// with its neighbours is a copy of a run of `old` (and one that starts
    /// `new` starts `old`, since the walk starts both at their beginning).
    pub(super) fn align(old: &[char], new: &[char]) -> Option<Vec<bool>> {
        if old.is_empty() {
            return None;
        }
        let mut fresh = vec![false; new.len()];
        let (mut i, mut j) = (0, 0);
        loop {
            while i < old.len() && j < new.len() && old[i] == new[j] {
                i += 1;
                j += 1;
            }
            if i == old.len() && j == new.len() {
                break;
            }
            if j > 0 {
                fresh[j - 1] = true;
            }
            match resync(old, new, i, j) {
                Some((i2, j2)) if j2 < new.len() => {
                    fresh[j..=j2].fill(true);
                    (i, j) = (i2, j2);
                }
                _ => {
                    fresh[j..].fill(true);
                    break;
                }
            }
        }
        (!fresh.iter().all(|&f| f)).then_some(fresh)
    }

    /// The nearest positions after `i` in `old` and `j` in `new` (fewest
    /// characters skipped in all) where the two agree for [`WINDOW`]
    /// characters, or up to both their ends.
    fn resync(old: &[char], new: &[char], i: usize, j: usize) -> Option<(usize, usize)> {
        let agree = |a: usize, b: usize| {
            if a > old.len() || b > new.len() {
                return false;
            }
            let (ra, rb) = (old.len() - a, new.len() - b);
            if ra < WINDOW || rb < WINDOW {
                ra == rb && old[a..] == new[b..]
            } else {
                old[a..a + WINDOW] == new[b..b + WINDOW]
            }
        };
        for d in 1..=2 * MAX_SHIFT {
            for di in d.saturating_sub(MAX_SHIFT)..=d.min(MAX_SHIFT) {
                if agree(i + di, j + d - di) {
                    return Some((i + di, j + d - di));
                }
            }
        }
        None
    }
}

/// The repairs to make in one scan of a line, in order, not overlapping.
///
/// `fresh` marks the characters the previous scan's repairs wrote (`None`
/// on the first scan, or on a first scan, those not found in the line last
/// settled; see [`settled`]). A span that neither holds nor touches one of
/// them, and does not end the line, was there unchanged in the previous
/// scan with the same neighbours, so its candidates are the same; and since
/// none of them was taken (taking one would have rewritten part of the
/// span), each failed its judgement, and would again. Such spans are not
/// looked at, which keeps a long line with a few repairs from being decoded
/// eight times over.
fn find_edits(line: &[char], fresh: Option<&[bool]>) -> Vec<Edit> {
    let mut cands = Vec::new();
    candidates(line, fresh, &mut cands);
    let mut found: Vec<Edit> = cands
        .into_iter()
        .filter_map(|(kind, seg)| {
            judge(line, &seg, kind).map(|gain| Edit {
                range: seg.chars,
                text: seg.out,
                gain,
                kind,
            })
        })
        .collect();
    // Largest gains first; ties go to the kind listed first.
    found.sort_by(|a, b| {
        b.gain
            .cmp(&a.gain)
            .then((a.kind as u8).cmp(&(b.kind as u8)))
    });
    // Taken ranges by start; a candidate fits if it ends before the next
    // one starts and starts after the previous one ends.
    let mut taken: std::collections::BTreeMap<usize, Edit> = std::collections::BTreeMap::new();
    for e in found {
        let after = taken.range(e.range.start..).next();
        let before = taken.range(..e.range.start).next_back();
        if after.is_none_or(|(&s, _)| e.range.end <= s)
            && before.is_none_or(|(_, t)| t.range.end <= e.range.start)
        {
            taken.insert(e.range.start, e);
        }
    }
    taken.into_values().collect()
}

/// Every candidate repair in a line, of every kind, judged or not.
fn candidates(line: &[char], fresh: Option<&[bool]>, out: &mut Vec<(Kind, Segment)>) {
    for src in [Src::Latin, Src::Gbk, Src::Big5] {
        let mut i = 0;
        while i < line.len() {
            if !is_span_char(src, line[i]) {
                i += 1;
                continue;
            }
            let start = i;
            let mut seen = false;
            while i < line.len() && is_span_char(src, line[i]) {
                seen |= !line[i].is_ascii() && line[i] != REPLACEMENT;
                i += 1;
            }
            // The span with a character either side, which its context
            // and its candidates' judgements read.
            let touched = |f: &[bool]| {
                i == line.len()
                    || f[start.saturating_sub(1)..(i + 1).min(line.len())].contains(&true)
            };
            if seen && fresh.is_none_or(touched) {
                span_candidates(src, line, start..i, fresh, out);
                if budget::exhausted() {
                    return;
                }
            }
        }
    }
}

const REPLACEMENT: char = '\u{FFFD}';

fn is_span_char(src: Src, c: char) -> bool {
    if c.is_ascii() {
        c != '\n' && c != '\r'
    } else {
        src.member(c)
    }
}

/// Context of a span in its line.
fn span_ctx(src: Src, line: &[char], range: &Range<usize>, outer: bool) -> Ctx {
    let after = line.get(range.end).copied();
    Ctx {
        src,
        follow: after.filter(char::is_ascii).map(|c| c as u8),
        eol: after.is_none(),
        outer,
        asked: after.is_none() && decode::asks(line[..range.start].iter().copied()),
    }
}

/// Candidate repairs of every kind for `src` in one span.
///
/// Each kind's decoding is cut into the pieces [`reach::pieces`] finds,
/// and a piece is decoded only if a candidate in it could gain enough, and
/// (in a later scan, `fresh` given) only if it is near a character the last
/// scan's repairs wrote: an untouched piece with the same neighbours has
/// the same candidates as in that scan, all rejected, as for whole spans in
/// [`find_edits`]. The margin of [`PIECE_MARGIN`] characters covers what
/// decides where a piece is cut.
fn span_candidates(
    src: Src,
    line: &[char],
    range: Range<usize>,
    fresh: Option<&[bool]>,
    out: &mut Vec<(Kind, Segment)>,
) {
    let span = &line[range.clone()];
    let eol = range.end == line.len();
    // In a later scan, the stretches of the span (relative to it) that a
    // piece must reach into to be looked at again; see below.
    let near: Option<Vec<Range<usize>>> = fresh.map(|f| {
        let mut near: Vec<Range<usize>> = Vec::new();
        let from = range.start.saturating_sub(PIECE_MARGIN);
        let to = (range.end + PIECE_MARGIN).min(line.len());
        let marks = (from..to).filter(|&p| f[p]);
        let last = eol.then_some(range.end - 1 + PIECE_MARGIN);
        for p in marks.chain(last) {
            let r = p.saturating_sub(PIECE_MARGIN).max(range.start) - range.start
                ..(p + PIECE_MARGIN + 1).min(range.end) - range.start;
            match near.last_mut() {
                Some(l) if r.start <= l.end => l.end = l.end.max(r.end),
                _ => near.push(r),
            }
        }
        near
    });
    for whatwg in [false, true] {
        if whatwg && !src.ambiguous(span) {
            break;
        }
        let Some(stream) = src.encode(span, whatwg) else {
            return;
        };
        // A span ending the line with a lost byte near its end reads that
        // byte by what the whole line before it says; it is not cut.
        let n = stream.bytes.len();
        let cut = !(eol
            && stream.hole[n.saturating_sub(4)..]
                .iter()
                .any(|&h| h != stream::KNOWN));
        for kind in Kind::ALL {
            if kind.src() != src {
                continue;
            }
            let how = reach::Reading {
                src,
                dst: kind.dst(),
                outer: kind.once().is_some(),
                cut,
                r: i64::from(MOST_RATIO),
            };
            let pieces = match &near {
                Some(near) => reach::pieces_near(&stream, span, how, near),
                None => reach::pieces(&stream, span, how),
            };
            for piece in pieces {
                if piece.bound < how.r * i64::from(MIN_GAIN * BIT) {
                    continue;
                }
                let prange = range.start + piece.chars.start..range.start + piece.chars.end;
                let touched = |f: &[bool]| {
                    prange.end == line.len()
                        || f[prange.start.saturating_sub(PIECE_MARGIN)
                            ..(prange.end + PIECE_MARGIN).min(line.len())]
                            .contains(&true)
                };
                if !fresh.is_none_or(touched) {
                    continue;
                }
                let whole = piece.chars.len() == span.len();
                let sliced;
                let pstream = if whole {
                    &stream
                } else {
                    sliced = reach::slice(&stream, piece.chars.clone());
                    &sliced
                };
                match kind.once() {
                    None => {
                        if !budget::spend(pstream) {
                            return;
                        }
                        let ctx = span_ctx(src, line, &prange, false);
                        let units = decode(kind.dst(), pstream, ctx);
                        for seg in segments(line, prange.start, &pstream.starts, &units) {
                            out.push((kind, seg));
                        }
                    }
                    Some(once) => twice_candidates(line, &prange, pstream, kind, once, out),
                }
                if budget::exhausted() {
                    return;
                }
            }
        }
    }
}

/// Characters either side of a piece that must be unchanged for it to be
/// passed over in a later scan: its cut characters, and the bytes (up to
/// four, one character each at worst) that decided them.
const PIECE_MARGIN: usize = 6;

/// A stretch of a line and the text that would replace it.
#[derive(Debug)]
struct Segment {
    /// Characters of the line.
    chars: Range<usize>,
    out: String,
    /// Model cost of the replaced characters, leaving out ASCII and U+FFFD
    /// (which say nothing about how plausible either side is).
    src_cost: u32,
    /// Model cost of the replacement, leaving out ASCII and U+FFFD.
    out_cost: u32,
    /// Characters of `out` that are neither ASCII nor U+FFFD.
    out_chars: u32,
    /// Characters of `out` left as U+FFFD for lost bytes.
    lost: u32,
}

impl Segment {
    fn new(chars: Range<usize>, line: &[char]) -> Segment {
        let src_cost = line[chars.clone()]
            .iter()
            .filter(|&&c| !c.is_ascii() && c != REPLACEMENT)
            .map(|&c| char_cost(c))
            .sum();
        Segment {
            chars,
            out: String::new(),
            src_cost,
            out_cost: 0,
            out_chars: 0,
            lost: 0,
        }
    }

    fn push(&mut self, c: char) {
        // An unknown pair that outlived a double repair is just a lost
        // character.
        let c = if c == stream::UNKNOWN_PAIR {
            REPLACEMENT
        } else {
            c
        };
        self.out.push(c);
        if c == REPLACEMENT {
            self.lost += 1;
        } else if !c.is_ascii() {
            self.out_cost += char_cost(c);
            self.out_chars += 1;
        }
    }
}

/// Extra cost per character that a block next to a candidate may add and
/// still be taken into it. A phrase of mojibake often starts or ends with
/// a character whose wrong reading is itself ordinary (摩 read from Big5 as
/// GBK is 集); the block alone gains nothing, but it is part of the run.
const ABSORB_SLACK: i64 = 4 * BIT as i64;

/// Lines up `units` with the characters of the span at `offset` in `line`
/// and returns the best stretches of decodable blocks, as described in the
/// module docs.
fn segments(line: &[char], offset: usize, starts: &[u32], units: &[Unit]) -> Vec<Segment> {
    struct Block {
        chars: Range<usize>,
        units: Range<usize>,
        gain: i64,
        valid: bool,
        absorbable: bool,
    }
    let span = &line[offset..offset + starts.len() - 1];
    let mut blocks = Vec::new();
    let (mut c0, mut u0) = (0, 0);
    let (mut ci, mut ui) = (0, 0);
    while ci < span.len() && ui < units.len() {
        let ce = starts[ci + 1];
        let ue = units[ui].start + units[ui].len as u32;
        if ce < ue {
            ci += 1;
            continue;
        }
        if ue < ce {
            ui += 1;
            continue;
        }
        ci += 1;
        ui += 1;
        let us = &units[u0..ui];
        let mut block = Block {
            chars: c0..ci,
            units: u0..ui,
            gain: 0,
            valid: us.iter().all(|u| u.how != How::Invalid),
            absorbable: false,
        };
        c0 = ci;
        u0 = ui;
        if block.valid {
            let src: i64 = span[block.chars.clone()]
                .iter()
                .map(|&c| char_cost(c) as i64)
                .sum();
            let dst: i64 = us.iter().map(|u| u.cost as i64).sum();
            let wide = us.iter().filter(|u| !u.out[0].is_ascii()).count() as i64;
            let plain = dst <= (ABSORB_MEAN * BIT) as i64 * wide
                && us
                    .iter()
                    .flat_map(|u| u.out)
                    .all(|c| c == '\0' || c.is_ascii() || is_chinese(c));
            block.gain = src - dst;
            block.absorbable = wide > 0 && plain && block.gain >= -ABSORB_SLACK * wide;
        }
        blocks.push(block);
    }
    let mut out = Vec::new();
    let mut b = 0;
    while b < blocks.len() {
        if !blocks[b].valid {
            b += 1;
            continue;
        }
        let start = b;
        while b < blocks.len() && blocks[b].valid {
            b += 1;
        }
        let run = &blocks[start..b];
        let gains: Vec<i64> = run.iter().map(|b| b.gain).collect();
        let absorb: Vec<bool> = run.iter().map(|b| b.absorbable).collect();
        for (r, sum) in best_stretches(&gains, &absorb) {
            // A block's gain counts ASCII and U+FFFD, which only ever adds
            // to it, so a stretch below the least gain cannot pass.
            if sum < (MIN_GAIN * BIT) as i64 {
                continue;
            }
            let first = &run[r.start];
            let last = &run[r.end - 1];
            let chars = offset + first.chars.start..offset + last.chars.end;
            let mut seg = Segment::new(chars, line);
            for u in &units[first.units.start..last.units.end] {
                for &c in u.out.iter().filter(|&&c| c != '\0') {
                    seg.push(c);
                }
            }
            out.push(seg);
        }
    }
    out
}

/// Finds, in a run of blocks with these gains, the stretch with the largest
/// total, widened over absorbable neighbours, then the best stretches on
/// either side of it, and so on.
fn best_stretches(gains: &[i64], absorb: &[bool]) -> Vec<(Range<usize>, i64)> {
    // Each stretch found splits its range in two, and scanning every part
    // again costs the square of the run's length when the stretches are
    // short (a long line of repeated debris). Once the scans have cost a
    // few times the run, a tree answers each remaining part's question in
    // logarithmic time, with the same answer.
    let mut budget = SCAN_BUDGET * gains.len() as u64 + 256;
    let mut tree: Option<MaxSumTree> = None;
    let mut found = Vec::new();
    let mut todo: Vec<Range<usize>> = Vec::with_capacity(8);
    todo.push(0..gains.len());
    while let Some(r) = todo.pop() {
        let best = match &tree {
            Some(t) => t.best(r.clone()),
            None => {
                budget = budget.saturating_sub(r.len() as u64 + 1);
                if budget == 0 {
                    tree = Some(MaxSumTree::new(gains));
                }
                kadane(gains, r.clone())
            }
        };
        let Some(best_range) = best else {
            continue;
        };
        let (mut a, mut z) = (best_range.start, best_range.end);
        while a > r.start && absorb[a - 1] {
            a -= 1;
        }
        while z < r.end && absorb[z] {
            z += 1;
        }
        probe::add((z - a) as u64);
        todo.push(r.start..a);
        todo.push(z..r.end);
        found.push((a..z, gains[a..z].iter().sum()));
    }
    found
}

/// Scanning may cost this many times a run's length before the tree is
/// built: ordinary runs never get there, and the tree is not free.
const SCAN_BUDGET: u64 = 8;

/// Kadane's maximum-sum stretch of `gains[r]`, if its total is positive.
/// Blocks that gain nothing (ASCII read as itself) are not taken at the
/// edges.
fn kadane(gains: &[i64], r: Range<usize>) -> Option<Range<usize>> {
    probe::add(r.len() as u64 + 1);
    let (mut best, mut best_range) = (0i64, 0..0);
    let (mut sum, mut from) = (0i64, r.start);
    for i in r {
        let x = gains[i];
        if sum <= 0 {
            sum = 0;
            from = i;
            if x <= 0 {
                continue;
            }
        }
        sum += x;
        if sum > best {
            best = sum;
            best_range = from..i + 1;
        }
    }
    (best > 0).then_some(best_range)
}

/// [`best_stretches`] by scanning each range with Kadane's algorithm, as it
/// was written before the tree: what the tree must agree with.
#[cfg(test)]
fn best_stretches_by_scan(gains: &[i64], absorb: &[bool]) -> Vec<(Range<usize>, i64)> {
    let mut found = Vec::new();
    let mut todo: Vec<Range<usize>> = Vec::with_capacity(8);
    todo.push(0..gains.len());
    while let Some(r) = todo.pop() {
        // Kadane's maximum-sum subarray. Blocks that gain nothing (ASCII
        // read as itself) are not taken at the edges.
        let (mut best, mut best_range) = (0i64, 0..0);
        let (mut sum, mut from) = (0i64, r.start);
        for i in r.clone() {
            let x = gains[i];
            if sum <= 0 {
                sum = 0;
                from = i;
                if x <= 0 {
                    continue;
                }
            }
            sum += x;
            if sum > best {
                best = sum;
                best_range = from..i + 1;
            }
        }
        if best <= 0 {
            continue;
        }
        let (mut a, mut z) = (best_range.start, best_range.end);
        while a > r.start && absorb[a - 1] {
            a -= 1;
        }
        while z < r.end && absorb[z] {
            z += 1;
        }
        todo.push(r.start..a);
        todo.push(z..r.end);
        found.push((a..z, gains[a..z].iter().sum()));
    }
    found
}

/// Kadane's question over any range of a run of gains, answered from a
/// segment tree over the prefix sums.
///
/// The scan in [`best_stretches_by_scan`] starts a stretch after the last
/// prefix sum that is a minimum so far (ties: the later one) and keeps the
/// first end whose total beats every earlier one. So over prefix positions
/// `s..=t` its answer is the earliest end `e` maximising `P[e] - min P[s..e]`,
/// started at the latest position of that minimum, if the total is
/// positive. Each node keeps its minimum (latest), its maximum (earliest),
/// and its own best stretch under those same tie rules, which combine.
struct MaxSumTree {
    /// Prefix sums: `prefix[k]` is the total of the first `k` gains.
    prefix: Vec<i64>,
    /// Summaries of chunks of [`CHUNK`] prefix positions, as a tree with
    /// the chunks at `size..`; positions inside a chunk are folded one by
    /// one when a query starts or ends there, which keeps the tree a
    /// thirty-second of a tree over every position.
    nodes: Vec<Node>,
    size: usize,
}

/// Prefix positions per leaf of the tree.
const CHUNK: usize = 32;

#[derive(Clone, Copy)]
struct Node {
    min: i64,
    min_at: usize,
    max: i64,
    max_at: usize,
    /// (total, end, start) of the node's best stretch; `None` for a leaf.
    best: Option<(i64, usize, usize)>,
}

impl Node {
    const EMPTY: Node = Node {
        min: i64::MAX,
        min_at: usize::MAX,
        max: i64::MIN,
        max_at: usize::MAX,
        best: None,
    };

    fn leaf(at: usize, p: i64) -> Node {
        Node {
            min: p,
            min_at: at,
            max: p,
            max_at: at,
            best: None,
        }
    }

    /// `l` followed by `r`.
    fn join(l: &Node, r: &Node) -> Node {
        if l.min_at == usize::MAX {
            return *r;
        }
        if r.min_at == usize::MAX {
            return *l;
        }
        let (min, min_at) = if r.min <= l.min {
            (r.min, r.min_at)
        } else {
            (l.min, l.min_at)
        };
        let (max, max_at) = if l.max >= r.max {
            (l.max, l.max_at)
        } else {
            (r.max, r.max_at)
        };
        let cross = Some((r.max - l.min, r.max_at, l.min_at));
        let better = |a: Option<(i64, usize, usize)>, b: Option<(i64, usize, usize)>| match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => {
                // Higher total; then the earlier end; then the later start.
                let pick_y = y.0 > x.0 || (y.0 == x.0 && (y.1 < x.1 || (y.1 == x.1 && y.2 > x.2)));
                Some(if pick_y { y } else { x })
            }
        };
        Node {
            min,
            min_at,
            max,
            max_at,
            best: better(better(l.best, r.best), cross),
        }
    }
}

impl MaxSumTree {
    fn new(gains: &[i64]) -> Self {
        let mut prefix = Vec::with_capacity(gains.len() + 1);
        let mut p = 0i64;
        prefix.push(0);
        for g in gains {
            p += g;
            prefix.push(p);
        }
        let chunks = prefix.len().div_ceil(CHUNK);
        let size = chunks.next_power_of_two();
        let mut nodes = vec![Node::EMPTY; 2 * size];
        let mut tree = MaxSumTree {
            prefix,
            nodes: Vec::new(),
            size,
        };
        for (c, node) in nodes[size..size + chunks].iter_mut().enumerate() {
            let end = ((c + 1) * CHUNK).min(tree.prefix.len());
            *node = tree.fold(c * CHUNK, end);
        }
        for k in (1..size).rev() {
            nodes[k] = Node::join(&nodes[2 * k], &nodes[2 * k + 1]);
        }
        probe::add(2 * size as u64);
        tree.nodes = nodes;
        tree
    }

    /// The summary of prefix positions `from..to`, one by one.
    fn fold(&self, from: usize, to: usize) -> Node {
        probe::add((to - from) as u64);
        (from..to).fold(Node::EMPTY, |acc, k| {
            Node::join(&acc, &Node::leaf(k, self.prefix[k]))
        })
    }

    /// The stretch Kadane's scan over `r` finds, if its total is positive.
    fn best(&self, r: Range<usize>) -> Option<Range<usize>> {
        // Prefix positions r.start..=r.end, combined left to right: the
        // rest of the first chunk, whole chunks, the start of the last.
        let (s, t) = (r.start, r.end + 1);
        let (cs, ct) = (s / CHUNK, (t - 1) / CHUNK);
        let all = if cs == ct {
            self.fold(s, t)
        } else {
            let head = self.fold(s, (cs + 1) * CHUNK);
            let tail = self.fold(ct * CHUNK, t);
            let (mut lo, mut hi) = (cs + 1 + self.size, ct + self.size);
            let (mut left, mut right) = (head, tail);
            while lo < hi {
                probe::add(1);
                if lo & 1 == 1 {
                    left = Node::join(&left, &self.nodes[lo]);
                    lo += 1;
                }
                if hi & 1 == 1 {
                    hi -= 1;
                    right = Node::join(&self.nodes[hi], &right);
                }
                lo /= 2;
                hi /= 2;
            }
            Node::join(&left, &right)
        };
        match all.best {
            Some((total, end, start)) if total > 0 => Some(start..end),
            _ => None,
        }
    }
}

/// The work a line's repair may do, in proportion to its length.
///
/// Decoding a span is what repair spends its time on: every kind decodes
/// each of its spans, the twice kinds decode again what the first step
/// gives, a stream with lost bytes is searched up to three times, and
/// each scan of a line that found something is followed by another. On
/// real text all this stays within a few times the line's length (see
/// `WORK_PER_BYTE` below); on input built of debris or random high bytes it
/// does not, and then the search stops: the scans already finished keep
/// their repairs, and the rest of the line is left as it was and counted
/// in [`RepairStats::unsearched`].
///
/// A unit is one byte of a stream handed to the decoder, counted once per
/// pass the decoder may make over it.
#[doc(hidden)]
pub mod budget {
    use super::stream::Stream;
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Units a line may spend per byte of its text.
    pub const WORK_PER_BYTE: u64 = 24;
    /// Units every line may spend whatever its length, so that a short
    /// line of mojibake is never cut off.
    pub const WORK_FLOOR: u64 = 4096;

    thread_local! {
        /// The limit of the line being repaired, the units left to it, and
        /// whether a decoding was refused for want of them.
        static LEFT: Cell<(u64, u64, bool)> = const { Cell::new((0, 0, false)) };
        /// Units spent since the last [`take_spent`], for tests.
        static SPENT: Cell<u64> = const { Cell::new(0) };
        /// Bytes the decoder went over since the last [`take_decoded`],
        /// pass by pass: the work itself, as the budget's check.
        static DECODED: Cell<u64> = const { Cell::new(0) };
    }

    /// The largest share of its limit any line has used in this process,
    /// in thousandths: how close real text comes to being cut off.
    static PEAK: AtomicU64 = AtomicU64::new(0);
    /// The most units per byte, in hundredths, that a line long enough for
    /// its share per byte to outweigh the floor has spent.
    static PEAK_PER_BYTE: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        /// Units per byte in force on this thread; see [`set_per_byte`].
        static PER_BYTE: Cell<u64> = const { Cell::new(WORK_PER_BYTE) };
    }

    /// The limit of a line of `len` bytes.
    pub fn limit(len: usize) -> u64 {
        PER_BYTE.with(Cell::get) * len as u64 + WORK_FLOOR
    }

    /// Sets the units per byte on this thread (`None`: back to
    /// [`WORK_PER_BYTE`]), so that tests can make the budget run out on
    /// inputs of a reasonable size.
    pub fn set_per_byte(per_byte: Option<u64>) {
        PER_BYTE.with(|p| p.set(per_byte.unwrap_or(WORK_PER_BYTE)));
    }

    /// Starts the budget of a line of `len` bytes.
    pub(crate) fn start(len: usize) {
        finish();
        LEFT.with(|l| l.set((limit(len), limit(len), false)));
    }

    /// Ends the budget of the current line, if any, recording its use.
    pub(crate) fn finish() {
        let (limit, left, _) = LEFT.with(|l| l.replace((0, 0, false)));
        if let Some(share) = ((limit - left) * 1000).checked_div(limit) {
            PEAK.fetch_max(share, Ordering::Relaxed);
            let len = (limit - WORK_FLOOR) / PER_BYTE.with(Cell::get).max(1);
            if len * WORK_PER_BYTE >= WORK_FLOOR {
                PEAK_PER_BYTE.fetch_max((limit - left) * 100 / len, Ordering::Relaxed);
            }
        }
    }

    /// Takes what decoding `s` may cost from the budget; `false`, and
    /// nothing taken, if there is not that much left.
    pub(crate) fn spend(s: &Stream) -> bool {
        let passes = if s.has_holes { 3 } else { 1 };
        let cost = passes * s.bytes.len() as u64;
        LEFT.with(|l| {
            let (limit, left, _) = l.get();
            if cost > left {
                l.set((limit, left, true));
                false
            } else {
                l.set((limit, left - cost, false));
                SPENT.with(|c| c.set(c.get() + cost));
                true
            }
        })
    }

    /// Whether the current line's search was stopped.
    pub(crate) fn exhausted() -> bool {
        LEFT.with(|l| l.get().2)
    }

    /// Units spent on this thread since the last call, which resets the
    /// count.
    pub fn take_spent() -> u64 {
        SPENT.with(|c| c.replace(0))
    }

    /// Counts one pass of the decoder over `n` bytes.
    pub(crate) fn decoded(n: usize) {
        DECODED.with(|c| c.set(c.get() + n as u64));
    }

    /// Bytes the decoder went over on this thread since the last call
    /// (each pass counted), which resets the count: what the budget is
    /// meant to bound, counted where the work is done rather than where
    /// it is paid for.
    pub fn take_decoded() -> u64 {
        DECODED.with(|c| c.replace(0))
    }

    /// The largest share of its limit, in thousandths, that any line
    /// repaired in this process has used so far.
    pub fn peak() -> u64 {
        PEAK.load(Ordering::Relaxed)
    }

    /// The most units per byte, in hundredths, that any line repaired in
    /// this process has spent, among lines long enough
    /// (`WORK_FLOOR / WORK_PER_BYTE` bytes or more) for the per-byte share
    /// of the budget to be what limits them.
    pub fn peak_per_byte() -> u64 {
        PEAK_PER_BYTE.load(Ordering::Relaxed)
    }
}

/// Counts of the work mojibake repair does, for tests that check it grows
/// in proportion to the input (a count, unlike a time, does not depend on
/// the machine).
#[doc(hidden)]
pub mod probe {
    use std::cell::Cell;

    thread_local! {
        static STEPS: Cell<u64> = const { Cell::new(0) };
        static SEARCHED: Cell<u64> = const { Cell::new(0) };
    }

    pub(crate) fn searched() {
        SEARCHED.with(|s| s.set(s.get() + 1));
    }

    /// Byte positions at which the decoder's path search listed every
    /// unit that could start there (positions with a lost byte in reach),
    /// counted on this thread since the last call, which resets the count.
    /// The other positions of a stream cost one plain reading.
    pub fn take_searched() -> u64 {
        SEARCHED.with(|s| s.replace(0))
    }

    pub(crate) fn add(n: u64) {
        STEPS.with(|s| s.set(s.get() + n));
    }

    /// Steps counted on this thread since the last call, which resets the
    /// count: positions scanned in the search for candidates, and
    /// fillings of lost bytes tried.
    pub fn take() -> u64 {
        STEPS.with(|s| s.replace(0))
    }
}

/// The gain of a candidate if it passes the thresholds of the module docs.
fn judge(line: &[char], seg: &Segment, kind: Kind) -> Option<u32> {
    let n = seg.out_chars;
    if n == 0 {
        return None;
    }
    let gain = seg.src_cost.checked_sub(seg.out_cost)?;
    let src = &line[seg.chars.clone()];
    if kind.src() != Src::Latin && mostly_letters(src) {
        return None;
    }
    // Icon fonts put private-use characters in pages, alone or a few
    // together; GB18030 gives them bytes that Big5 reads as common Han
    // characters (U+E605 as 于). Mojibake holds private-use characters only
    // among others.
    if src
        .iter()
        .filter(|c| !c.is_ascii())
        .all(|&c| ('\u{E000}'..='\u{F8FF}').contains(&c))
    {
        return None;
    }
    // A repair that leaves nothing visible (`ï»¿` to a byte-order mark) is
    // a quoted example of mojibake, or harmless: either way there is
    // nothing to read in it.
    if seg
        .out
        .chars()
        .filter(|c| !c.is_ascii())
        .all(|c| matches!(c, '\u{FEFF}' | '\u{200B}'..='\u{200F}' | '\u{2060}'))
    {
        return None;
    }
    let tiers: &[Tier] = match kind {
        Kind::Utf8AsLatin | Kind::Utf8AsLatinTwice => std::slice::from_ref(&LATIN_TIER),
        Kind::Utf8AsGbk | Kind::Utf8AsGbkTwice => &UTF8_GBK_TIERS,
        _ => &HAN_TIERS,
    };
    let tier = tiers.iter().find(|t| n >= t.min_chars)?;
    if gain < tier.min_gain * BIT
        || u64::from(seg.out_cost) * 100 > u64::from(seg.src_cost) * u64::from(tier.max_ratio)
        || u64::from(seg.out_cost) > u64::from(tier.max_mean * BIT) * u64::from(n)
    {
        return None;
    }
    if tier.chinese_only {
        let wide: Vec<char> = seg
            .out
            .chars()
            .filter(|&c| !c.is_ascii() && c != REPLACEMENT)
            .collect();
        if !wide.iter().all(|&c| is_chinese(c)) {
            return None;
        }
        if tier.no_repeats && wide.iter().enumerate().any(|(i, c)| wide[..i].contains(c)) {
            return None;
        }
        // A few characters with spaces between them are single words or a
        // table of characters (a kanji chart), not a broken Chinese phrase,
        // which is written without spaces.
        if tier.no_repeats && seg.out.trim().contains([' ', '\t']) {
            return None;
        }
        // ASCII costs nothing in the judgement, so a short repair that
        // turns Han characters into letters or digits gets them free: the
        // rare pair 鐘箇 reads from GBK as the UTF-8 of 犹w. Over a few
        // characters that is no evidence of mojibake; a short repair
        // brings out no more ASCII letters and digits than it replaces.
        let alnum =
            |s: &mut dyn Iterator<Item = char>| s.filter(char::is_ascii_alphanumeric).count();
        if alnum(&mut seg.out.chars()) > alnum(&mut src.iter().copied()) {
            return None;
        }
        let letter =
            |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphabetic() || is_latin_letter(*c));
        let before = seg.chars.start.checked_sub(1).and_then(|i| line.get(i));
        if letter(before) || letter(line.get(seg.chars.end)) {
            return None;
        }
    }
    Some(gain)
}

/// Whether at least half the characters that are not ASCII are letters of
/// an alphabet or syllabary (Latin with diacritics, Greek, Cyrillic, kana).
/// That is a word in some language, not mojibake from a double-byte
/// decoder: GBK and Big5 do have such letters, but their mojibake holds
/// them among many Han characters (a third at most in the measurements),
/// while Russian read as GBK and then as Big5 turns into 坎抓抖忍忘把, and
/// Japanese into 中化中月及, which the model (it rates those scripts as
/// rare in Chinese text) would otherwise prefer.
fn mostly_letters(src: &[char]) -> bool {
    let (mut letters, mut wide) = (0, 0);
    for &c in src {
        if c.is_ascii() || c == REPLACEMENT {
            continue;
        }
        wide += 1;
        letters += usize::from(
            matches!(c, '\u{C0}'..='\u{24F}' | '\u{370}'..='\u{4FF}' | '\u{3041}'..='\u{30FA}')
                && c.is_alphabetic(),
        );
    }
    letters * 2 >= wide && wide > 0
}

/// Han characters and the punctuation Chinese text uses.
fn is_chinese(c: char) -> bool {
    crate::model::is_han(c as u32)
        || ('\u{3000}'..='\u{303F}').contains(&c)
        || ('\u{FF01}'..='\u{FF5E}').contains(&c)
}

/// Latin letters with diacritics: a neighbour that says "word", not "junk".
fn is_latin_letter(c: char) -> bool {
    matches!(c, 'À'..='Ö' | 'Ø'..='ö' | 'ø'..='ÿ')
}

/// Twice kinds: decode once, keeping the first decoding's U+FFFD, then
/// repair the result as the single kind; the candidate is the whole,
/// judged against the original.
fn twice_candidates(
    line: &[char],
    range: &Range<usize>,
    stream: &stream::Stream,
    kind: Kind,
    once: Kind,
    out: &mut Vec<(Kind, Segment)>,
) {
    let src = kind.src();
    if !budget::spend(stream) {
        return;
    }
    let ctx = span_ctx(src, line, range, true);
    let units = decode(kind.dst(), stream, ctx);
    // Runs of decodable units that start and end on character boundaries.
    let mut char_at = vec![usize::MAX; stream.bytes.len() + 1];
    for (i, &s) in stream.starts.iter().enumerate() {
        char_at[s as usize] = i;
    }
    let mut u = 0;
    while u < units.len() {
        if units[u].how == How::Invalid || char_at[units[u].start as usize] == usize::MAX {
            u += 1;
            continue;
        }
        let first = u;
        let mut last = None;
        while u < units.len() && units[u].how != How::Invalid {
            if char_at[units[u].start as usize + units[u].len as usize] != usize::MAX {
                last = Some(u);
            }
            u += 1;
        }
        let Some(last) = last else { continue };
        let c0 = char_at[units[first].start as usize];
        let c1 = char_at[units[last].start as usize + units[last].len as usize];
        let mid: Vec<char> = units[first..=last]
            .iter()
            .flat_map(|u| u.out)
            .filter(|&c| c != '\0')
            .collect();
        // Nothing but ASCII and U+FFFD costs nothing to the judgement of
        // the second step, so nothing in it can pass (a line of 锟斤拷 is
        // all U+FFFD after the first).
        if mid.iter().all(|&c| c.is_ascii() || c == REPLACEMENT) {
            continue;
        }
        // The intermediate text between its neighbours in the line, which
        // are all the second step's rules look at.
        let (a, z) = (range.start + c0, range.start + c1);
        let mut inner: Vec<char> = Vec::with_capacity(mid.len() + 2);
        inner.extend(a.checked_sub(1).map(|i| line[i]));
        let p = inner.len();
        inner.extend_from_slice(&mid);
        inner.extend(line.get(z).copied());
        let after = line.get(z).copied();
        let ictx = Ctx {
            src,
            follow: after.filter(char::is_ascii).map(|c| c as u8),
            eol: after.is_none(),
            outer: false,
            asked: after.is_none() && decode::asks(line[..a].iter().copied()),
        };
        // Of the two decoder families, keep the reading that repairs more.
        let mut edits: Vec<Segment> = Vec::new();
        let mut best_gain = 0;
        for whatwg in [false, true] {
            if whatwg && !src.ambiguous(&mid) {
                break;
            }
            let Some(inner_stream) = src.encode(&mid, whatwg) else {
                break;
            };
            if !budget::spend(&inner_stream) {
                return;
            }
            let inner_units = decode(once.dst(), &inner_stream, ictx);
            let mut gain = 0;
            let found: Vec<Segment> = segments(&inner, p, &inner_stream.starts, &inner_units)
                .into_iter()
                .filter(|seg| {
                    let g = judge(&inner, seg, once);
                    gain += g.unwrap_or(0);
                    g.is_some()
                })
                .collect();
            if gain > best_gain {
                best_gain = gain;
                edits = found;
            }
        }
        if edits.is_empty() {
            continue;
        }
        edits.sort_by_key(|e| e.chars.start);
        let mut seg = Segment::new(a..z, line);
        let mut at = p;
        for e in &edits {
            for &c in &inner[at..e.chars.start] {
                seg.push(c);
            }
            for c in e.out.chars() {
                seg.push(c);
            }
            at = e.chars.end;
        }
        for &c in &inner[at..p + mid.len()] {
            seg.push(c);
        }
        out.push((kind, seg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `align` of two strings, as the positions it marks.
    fn marked(old: &str, new: &str) -> Option<Vec<usize>> {
        let old: Vec<char> = old.chars().collect();
        let new: Vec<char> = new.chars().collect();
        settled::align(&old, &new).map(|f| {
            f.iter()
                .enumerate()
                .filter(|(_, &m)| m)
                .map(|(i, _)| i)
                .collect()
        })
    }

    #[test]
    fn no_tier_allows_a_ratio_above_the_one_pieces_are_bounded_with() {
        for t in HAN_TIERS.iter().chain(&UTF8_GBK_TIERS).chain([&LATIN_TIER]) {
            assert!(t.max_ratio <= MOST_RATIO);
            assert!(t.min_gain >= MIN_GAIN);
        }
    }

    #[test]
    fn alignment_marks_each_change_and_the_characters_beside_it() {
        let old = "abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(marked(old, old), Some(vec![]));
        // A character dropped: its two former neighbours now meet.
        assert_eq!(marked(old, &old.replace('k', "")), Some(vec![9, 10]));
        // One replaced, and one added.
        assert_eq!(marked(old, &old.replace('k', "K")), Some(vec![9, 10, 11]));
        assert_eq!(marked(old, &old.replace("k", "k+")), Some(vec![10, 11, 12]));
        // At the start, nothing before the change is there to mark.
        assert_eq!(marked(old, &old[1..]), Some(vec![0]));
        assert_eq!(marked(old, &format!("+{old}")), Some(vec![0, 1]));
        // At the end, the rest of the line.
        assert_eq!(marked(old, &old[..35]), Some(vec![34]));
        assert_eq!(marked(old, &format!("{old}++")), Some(vec![35, 36, 37]));
        // Unrelated lines share nothing.
        assert_eq!(marked(old, "zyxwvutsrqponmlkjihgfedcba"), None);
        assert_eq!(marked("", old), None);
    }

    #[test]
    fn alignment_gives_up_on_a_change_too_long_to_step_over() {
        let old: String = ('a'..='z').chain('0'..='9').collect();
        let new = format!("{}{}{}", &old[..5], "-".repeat(40), &old[5..]);
        let marks = marked(&old, &new).unwrap();
        // Everything from the change on is marked; the start is not.
        assert_eq!(marks, (4..new.len()).collect::<Vec<_>>());
    }

    /// A small deterministic generator, so the cases are the same on
    /// every run.
    fn gains(seed: u64, n: usize, spread: i64) -> (Vec<i64>, Vec<bool>) {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let g: Vec<i64> = (0..n)
            .map(|_| (next() % (2 * spread as u64 + 1)) as i64 - spread)
            .collect();
        let a: Vec<bool> = (0..n).map(|_| next() % 3 == 0).collect();
        (g, a)
    }

    #[test]
    fn tree_finds_the_stretches_the_scan_finds() {
        for seed in 0..400u64 {
            let n = 1 + (seed as usize * 37) % 700;
            // Small spreads make many ties, which is where the two could
            // part ways.
            let spread = [1, 2, 3, 50, 4000][seed as usize % 5];
            let (g, a) = gains(seed, n, spread);
            let tree = {
                let t = MaxSumTree::new(&g);
                let mut found = Vec::new();
                let mut todo: Vec<Range<usize>> = Vec::with_capacity(8);
                todo.push(0..g.len());
                while let Some(r) = todo.pop() {
                    let Some(b) = t.best(r.clone()) else { continue };
                    let (mut lo, mut hi) = (b.start, b.end);
                    while lo > r.start && a[lo - 1] {
                        lo -= 1;
                    }
                    while hi < r.end && a[hi] {
                        hi += 1;
                    }
                    todo.push(r.start..lo);
                    todo.push(hi..r.end);
                    found.push((lo..hi, g[lo..hi].iter().sum::<i64>()));
                }
                found
            };
            assert_eq!(tree, best_stretches_by_scan(&g, &a), "seed {seed}");
            assert_eq!(best_stretches(&g, &a), tree, "seed {seed}");
        }
    }

    #[test]
    fn tree_answers_every_range_as_the_scan_does() {
        for seed in 0..40u64 {
            let (g, _) = gains(seed, 150, [1, 2, 30][seed as usize % 3]);
            let t = MaxSumTree::new(&g);
            for s in 0..=g.len() {
                for e in s..=g.len() {
                    assert_eq!(t.best(s..e), kadane(&g, s..e), "seed {seed}, {s}..{e}");
                }
            }
        }
    }

    #[test]
    fn periodic_gains_are_answered_in_near_linear_steps() {
        // Repeated debris gives a run of equal short stretches: the scan
        // pays the square of the run, the tree does not.
        let unit = [30i64, -40, 30, -40];
        let g: Vec<i64> = unit.iter().copied().cycle().take(40_000).collect();
        let a = vec![false; g.len()];
        probe::take();
        let found = best_stretches(&g, &a);
        let steps = probe::take();
        assert_eq!(found.len(), 20_000);
        assert!(steps < 40 * g.len() as u64, "{steps} steps");
    }
}
