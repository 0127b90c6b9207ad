//! The "right" side of a mis-decoding: reading recovered bytes with the
//! encoding they were written in, including bytes that were lost.
//!
//! Without holes the reading is the ordinary one. A hole (a byte the wrong
//! decoder replaced by U+FFFD) is filled with every value the wrong
//! decoder's rules allow (see [`Src::hole_allows`]) that makes a valid
//! character; the filling is kept only when it is unique or clearly the
//! most plausible, otherwise the character comes out as U+FFFD. Since a
//! hole may start a character or continue one, the reading is a shortest
//! path over byte positions. Only where a lost byte is within reach is
//! there a choice: elsewhere a position is read as a decoder reads it (the
//! character starting there, or one invalid byte if none does), so a
//! stream without holes reads exactly left to right, and a stretch between
//! holes reads as a decoder that picks up again after one would. (Letting
//! the search skip a valid character anywhere, to line up a cheaper one
//! after it, made the reading of a stretch depend on lost bytes arbitrarily
//! far away, so that a line could not be read in pieces.)

use super::stream::{Src, Stream, KNOWN, LOST, UNKNOWN_PAIR};
use super::tables::{gb18030_four, tables};
use crate::model::{char_cost, BIT};

/// The encoding the bytes were really written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dst {
    /// UTF-8.
    Utf8,
    /// GBK / GB18030.
    Gbk,
    /// Big5, with HKSCS.
    Big5,
}

/// How a unit of output came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Read from known bytes.
    Read,
    /// Part of it was lost, and the lost byte was recovered.
    Filled,
    /// Part of it was lost and could not be recovered: output is U+FFFD.
    Lost,
    /// Not a character in this encoding.
    Invalid,
}

/// One decoded character (or two, for the Big5 pairs that carry a
/// combining mark), with the bytes it came from.
#[derive(Debug, Clone, Copy)]
pub struct Unit {
    /// First byte.
    pub start: u32,
    /// Number of bytes.
    pub len: u8,
    /// Output; `'\0'` in the second slot when there is one character.
    pub out: [char; 2],
    /// Model cost of the output.
    pub cost: u32,
    /// Provenance.
    pub how: How,
}

/// Settings of one decoding.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// The wrong encoding, whose rules say what a hole may hold.
    pub src: Src,
    /// Byte after the stream, when it is ASCII.
    pub follow: Option<u8>,
    /// Whether the stream ends the line, where a lost final byte most
    /// likely belonged to sentence-final punctuation.
    pub eol: bool,
    /// First step of a double repair: the output is itself mojibake, to be
    /// decoded again with `src`, so U+FFFD read from real bytes is allowed
    /// (it marks bytes the first wrong decoding lost) and fillings must be
    /// characters `src` can produce.
    pub outer: bool,
    /// Whether the line before the stream asks a question; see
    /// [`asks`].
    pub asked: bool,
}

/// Whether `text` reads as a question: it has a question particle or
/// question word. Decides between ！ and ？ for a lost final byte, which
/// the bytes cannot (both are EF BC xx in UTF-8, A3 xx in GBK).
pub fn asks(text: impl IntoIterator<Item = char>) -> bool {
    // The last two characters seen, newest second.
    let mut tail = ['\0'; 2];
    for c in text {
        if matches!(
            c,
            '吗' | '嗎' | '呢' | '谁' | '誰' | '哪' | '怎' | '啥' | '岂' | '豈' | '?'
        ) || matches!(
            (tail[1], c),
            ('什', '么' | '麼')
                | ('为' | '為', '何')
                | ('多', '少')
                | ('是', '否')
                | ('难' | '難', '道')
        ) {
            return true;
        }
        tail = [tail[1], c];
    }
    // 么 ending the sentence is the particle (这样么), unless it closes
    // 那么, 这么 or 多么.
    matches!(tail[1], '么' | '麼') && !matches!(tail[0], '那' | '这' | '這' | '多')
}

/// A lost byte is filled only if its best value beats the runner-up by
/// this much. Two bits: the model must rate one reading at least four
/// times as likely as any other.
const FILL_MARGIN: u32 = 2 * BIT;
/// Sentence-final punctuation that a lost last byte at the end of a line
/// is taken to complete, in preference to other characters sharing its
/// first bytes (。 over 、, which the unigram model rates the same).
const EOL_BONUS: u32 = 3 * BIT;
/// How much likelier a sentence-final particle (呢, 吗, 了 ...) is right
/// before a question mark than the unigram model says: eight bits, a
/// factor of 256. Before ? the particle is the rule and a noun such as 员
/// (which shares 呢's first two UTF-8 bytes and is eight times as common
/// overall) the exception.
const PARTICLE_BONUS: u32 = 8 * BIT;
/// Most fillings a unit may have and still be searched. A character with
/// two bytes unknown (4096 fillings in UTF-8) can still be told by its
/// place (a line-final ？); with more, none stands out, and a search
/// through tens of thousands of pairs for each gap would only be slow.
const MAX_FILLINGS: u64 = 4096;
/// Cost of a byte that reads as nothing; only steers the path search.
const INVALID_COST: u32 = 64 * BIT;

const REPLACEMENT: char = '\u{FFFD}';

/// The values each byte of a stream may take, for a stream with holes:
/// one small index per byte into the few distinct sets a line has (a set
/// per byte took 32 bytes for each byte of a long line).
#[derive(Default)]
struct Masks {
    ids: Vec<u32>,
    table: Vec<[u64; 4]>,
    index: std::collections::HashMap<[u64; 4], u32, FastHash>,
    /// The id [`Masks::set`] gave last.
    last: u32,
}

impl Masks {
    /// `n` bytes, none of which may take any value yet.
    #[cfg(test)]
    fn new(n: usize) -> Self {
        let mut m = Masks::default();
        m.reset(n);
        m
    }

    /// Back to [`Masks::new`]'s state, keeping the allocations.
    fn reset(&mut self, n: usize) {
        self.ids.clear();
        self.ids.resize(n, 0);
        self.table.clear();
        self.table.push([0; 4]);
        self.index.clear();
        self.index.insert([0; 4], 0);
        self.last = 0;
    }

    #[inline]
    fn get(&self, i: usize) -> &[u64; 4] {
        &self.table[self.ids[i] as usize]
    }

    fn set(&mut self, i: usize, mask: [u64; 4]) {
        // Holes come in runs with the same set (a run of U+FFFD, 锟斤拷
        // read back): the set given last needs no hashing.
        let last = self.last as usize;
        if self.table.get(last) == Some(&mask) {
            self.ids[i] = self.last;
            return;
        }
        let next = self.table.len() as u32;
        let id = *self.index.entry(mask).or_insert(next);
        if id == next {
            self.table.push(mask);
        }
        self.ids[i] = id;
        self.last = id;
    }
}

/// Most searches [`FILLINGS`] remembers per thread before starting over.
const MAX_FILLINGS_CACHED: usize = 4096;

/// Everything the search over a unit's fillings looks at: the values each
/// byte may take, and the settings [`Decoder::settle`] and
/// [`Decoder::accepts`] read.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct FillKey {
    sets: [[u64; 4]; 4],
    len: u8,
    dst: u8,
    src: u8,
    outer: bool,
    place: u8,
    question: u8,
}

/// A search's result: the unit's output, cost and provenance, if any.
type Filled = Option<([char; 2], u32, How)>;
/// Per-thread caches, by what decides each entry.
type FillCache = std::collections::HashMap<FillKey, Filled, FastHash>;
type MaskCache = std::collections::HashMap<u8, Vec<Option<[u64; 4]>>, FastHash>;

thread_local! {
    /// Results of searches over fillings, by what decides them.
    static FILLINGS: std::cell::RefCell<FillCache> = std::cell::RefCell::new(FillCache::default());
    /// Masks of lost bytes inside a stream, by wrong encoding and the byte
    /// after the hole (256: none known).
    static LOST_MASKS: std::cell::RefCell<MaskCache> = std::cell::RefCell::new(MaskCache::default());
}

/// A multiplicative hash for the small keys of this module: the
/// standard library's SipHash is built to resist chosen keys, which these
/// caches (cleared when full) do not need, and cost more than the lookups
/// they save.
#[derive(Default, Clone, Copy)]
struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// `lo..=hi` as a bit set over byte values.
fn value_range(lo: u8, hi: u8) -> [u64; 4] {
    let mut m = [0u64; 4];
    for (w, word) in m.iter_mut().enumerate() {
        let (first, last) = (w as u32 * 64, w as u32 * 64 + 63);
        let (a, z) = (u32::from(lo).max(first), u32::from(hi).min(last));
        if a <= z {
            let width = z - a + 1;
            let bits = if width == 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            *word = bits << (a - first);
        }
    }
    m
}

/// Where a unit with a lost byte sits, for the few places where context
/// says more than the unigram model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Inside,
    /// Last in a line or piece: sentence-final punctuation is likely.
    End,
    /// Right before an ASCII `?`: a sentence-final particle is likely.
    BeforeQuestionMark,
}

/// Cost of filling a hole so that it reads `c`. `question` is known only
/// in the second look at a line-final hole (see [`decode`]).
fn fill_cost(c: char, place: Place, question: Option<bool>) -> u32 {
    let base = char_cost(c);
    let bonus = match (place, c, question) {
        (Place::End, '？', Some(true)) | (Place::End, '！', Some(false)) => {
            EOL_BONUS + FILL_MARGIN
        }
        (Place::End, '。' | '！' | '？', _) => EOL_BONUS,
        (Place::BeforeQuestionMark, '呢' | '吗' | '嗎' | '么' | '麼' | '吧' | '了', _) => {
            PARTICLE_BONUS
        }
        _ => 0,
    };
    base.saturating_sub(bonus)
}

/// Best and runner-up fillings of one unit.
#[derive(Default)]
struct Choice {
    best: Option<([char; 2], u32)>,
    second: Option<u32>,
    has_replacement: bool,
}

impl Choice {
    fn offer(&mut self, out: [char; 2], cost: u32) {
        if out[0] == REPLACEMENT {
            self.has_replacement = true;
        }
        match self.best {
            Some((b, _)) if b == out => {}
            Some((_, bc)) if cost < bc => {
                self.second = Some(bc);
                self.best = Some((out, cost));
            }
            Some(_) => {
                if self.second.is_none_or(|s| cost < s) {
                    self.second = Some(cost);
                }
            }
            None => self.best = Some((out, cost)),
        }
    }
}

struct Decoder<'a> {
    s: &'a Stream,
    ctx: Ctx,
    masks: Masks,
    question: Option<bool>,
    /// Byte offsets where a piece of text ends inside the stream: after a
    /// hole that the following bytes do not continue (see [`decode`]).
    ends: Vec<bool>,
}

impl Decoder<'_> {
    /// Values byte `i` may take within `lo..=hi`.
    ///
    /// In ascending order, from the bit set rather than by testing every
    /// value of the range: a search reaches here for each byte of a unit,
    /// known bytes included, and on text where the holes' neighbours
    /// differ each time (random high bytes) the fillings cache rarely
    /// answers, so walking a range of 190 values for a known byte was a
    /// large part of what such text cost.
    fn values(&self, i: usize, lo: u8, hi: u8) -> impl Iterator<Item = u8> {
        let set = self.value_set(i);
        let range = value_range(lo, hi);
        (0..4usize).flat_map(move |w| {
            let mut bits = set[w] & range[w];
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros();
                    bits &= bits - 1;
                    (w as u32 * 64 + b) as u8
                })
            })
        })
    }

    /// How many values byte `i` may take within `lo..=hi`.
    fn count(&self, i: usize, lo: u8, hi: u8) -> u32 {
        if self.s.hole[i] == KNOWN {
            return u32::from((lo..=hi).contains(&self.s.bytes[i]));
        }
        let range = value_range(lo, hi);
        self.masks
            .get(i)
            .iter()
            .zip(range)
            .map(|(m, r)| (m & r).count_ones())
            .sum()
    }

    /// The values byte `i` may take, as a bit set: a known byte is a set
    /// of one. Two bytes with the same set give the same fillings.
    fn value_set(&self, i: usize) -> [u64; 4] {
        if self.s.hole[i] == KNOWN {
            let v = self.s.bytes[i];
            let mut m = [0u64; 4];
            m[(v >> 6) as usize] = 1 << (v & 63);
            m
        } else {
            *self.masks.get(i)
        }
    }

    /// The unit the search over the fillings of bytes `i..i + len` gives,
    /// looked up in [`FILLINGS`] before it is searched: a line of debris
    /// (`锟斤拷`, runs of U+FFFD) has the same holes over and over, and
    /// each search may try a few thousand values.
    fn filled(
        &self,
        dst: Dst,
        i: usize,
        len: usize,
        place: Place,
        search: impl FnOnce(&mut Choice),
    ) -> Option<Unit> {
        let mut sets = [[0u64; 4]; 4];
        for (k, set) in sets.iter_mut().enumerate().take(len) {
            *set = self.value_set(i + k);
        }
        let key = FillKey {
            sets,
            len: len as u8,
            dst: dst as u8,
            src: self.ctx.src as u8,
            outer: self.ctx.outer,
            place: place as u8,
            question: self.question.map_or(2, u8::from),
        };
        let at = |r: Option<([char; 2], u32, How)>| {
            r.map(|(out, cost, how)| Unit {
                start: i as u32,
                len: len as u8,
                out,
                cost,
                how,
            })
        };
        if let Some(r) = FILLINGS.with(|f| f.borrow().get(&key).copied()) {
            return at(r);
        }
        let mut choice = Choice::default();
        search(&mut choice);
        let r = self.settle(i, len, choice).map(|u| (u.out, u.cost, u.how));
        FILLINGS.with(|f| {
            let mut f = f.borrow_mut();
            // Bounded: a cache, not a record; a few hundred entries cover
            // any one document's kinds of holes.
            if f.len() >= MAX_FILLINGS_CACHED {
                f.clear();
            }
            f.insert(key, r);
        });
        at(r)
    }

    /// Whether a unit over these value counts has too many possible
    /// fillings for one to stand out; it is then lost without a search.
    fn too_open(counts: &[u32]) -> bool {
        counts.iter().map(|&c| u64::from(c)).product::<u64>() > MAX_FILLINGS
    }

    /// A unit whose character is known to exist but not which it is.
    fn lost(&self, start: usize, len: usize) -> Unit {
        let c = if self.ctx.outer && self.ctx.src != Src::Latin {
            UNKNOWN_PAIR
        } else {
            REPLACEMENT
        };
        Unit {
            start: start as u32,
            len: len as u8,
            out: [c, '\0'],
            cost: char_cost(REPLACEMENT),
            how: How::Lost,
        }
    }

    fn accepts(&self, out: [char; 2]) -> bool {
        if !self.ctx.outer {
            return true;
        }
        out.iter()
            .all(|&c| c == '\0' || c.is_ascii() || self.ctx.src.member(c))
    }

    /// Turns the fillings of a unit into the unit.
    fn settle(&self, start: usize, len: usize, choice: Choice) -> Option<Unit> {
        let (out, cost) = choice.best?;
        let unit = |out: [char; 2], cost, how| Unit {
            start: start as u32,
            len: len as u8,
            out,
            cost,
            how,
        };
        let replacement = char_cost(REPLACEMENT);
        if self.ctx.outer && choice.has_replacement {
            // The first wrong decoding's own U+FFFD, re-read: by far the
            // commonest character of that shape in twice-broken text.
            return Some(unit([REPLACEMENT, '\0'], replacement, How::Filled));
        }
        match choice.second {
            Some(s) if s < cost + FILL_MARGIN => {
                // In the first step of a double repair the character is
                // one the wrong decoder read from two bytes; say so, so the
                // second step knows how many bytes are missing.
                let c = if self.ctx.outer && self.ctx.src != Src::Latin {
                    UNKNOWN_PAIR
                } else {
                    REPLACEMENT
                };
                Some(unit([c, '\0'], replacement, How::Lost))
            }
            _ => Some(unit(out, char_cost(out[0]) + out_cost(out[1]), How::Filled)),
        }
    }

    /// Where a unit ending at byte `p` sits.
    fn place(&self, p: usize) -> Place {
        let n = self.s.bytes.len();
        if (self.ctx.eol && p == n) || self.ends.get(p).copied().unwrap_or(false) {
            Place::End
        } else if (p < n && self.s.hole[p] == KNOWN && self.s.bytes[p] == b'?')
            || (p == n && self.ctx.follow == Some(b'?'))
        {
            Place::BeforeQuestionMark
        } else {
            Place::Inside
        }
    }

    fn pair_cost(&self, out: [char; 2], place: Place) -> u32 {
        fill_cost(out[0], place, self.question) + out_cost(out[1])
    }

    fn utf8_units(&self, i: usize, units: &mut Vec<Unit>) {
        let s = self.s;
        let n = s.bytes.len();
        let any_hole = |len: usize| s.hole[i..i + len].iter().any(|&h| h != KNOWN);
        let lead_known = s.hole[i] == KNOWN;
        if lead_known {
            let b = s.bytes[i];
            if b < 0x80 {
                units.push(read(i, 1, [b as char, '\0']));
                return;
            }
        }
        for len in 2..=4usize {
            if i + len > n {
                break;
            }
            let (lo, hi) = match len {
                2 => (0xC2, 0xDF),
                3 => (0xE0, 0xEF),
                _ => (0xF0, 0xF4),
            };
            if lead_known && !(lo..=hi).contains(&s.bytes[i]) {
                continue;
            }
            if !any_hole(len) {
                if let Ok(text) = std::str::from_utf8(&s.bytes[i..i + len]) {
                    let c = text.chars().next().unwrap_or(REPLACEMENT);
                    if c != REPLACEMENT || self.ctx.outer {
                        units.push(read(i, len, [c, '\0']));
                    }
                }
                continue;
            }
            let mut counts = [0u32; 4];
            for (k, c) in counts.iter_mut().enumerate().take(len) {
                *c = if k == 0 {
                    self.count(i, lo, hi)
                } else {
                    self.count(i + k, 0x80, 0xBF)
                };
            }
            let counts = &counts[..len];
            if counts.contains(&0) {
                continue;
            }
            if Self::too_open(counts) {
                units.push(self.lost(i, len));
                continue;
            }
            let place = self.place(i + len);
            let search = |choice: &mut Choice| {
                let mut buf = [0u8; 4];
                for b0 in self.values(i, lo, hi) {
                    buf[0] = b0;
                    let (lo1, hi1) = match b0 {
                        0xE0 => (0xA0, 0xBF),
                        0xED => (0x80, 0x9F),
                        0xF0 => (0x90, 0xBF),
                        0xF4 => (0x80, 0x8F),
                        _ => (0x80, 0xBF),
                    };
                    for b1 in self.values(i + 1, lo1, hi1) {
                        buf[1] = b1;
                        if len == 2 {
                            self.offer_utf8(&buf[..2], place, choice);
                            continue;
                        }
                        for b2 in self.values(i + 2, 0x80, 0xBF) {
                            buf[2] = b2;
                            if len == 3 {
                                self.offer_utf8(&buf[..3], place, choice);
                                continue;
                            }
                            for b3 in self.values(i + 3, 0x80, 0xBF) {
                                buf[3] = b3;
                                self.offer_utf8(&buf[..4], place, choice);
                            }
                        }
                    }
                }
            };
            units.extend(self.filled(Dst::Utf8, i, len, place, search));
        }
    }

    fn offer_utf8(&self, bytes: &[u8], place: Place, choice: &mut Choice) {
        super::probe::add(1);
        if let Ok(text) = std::str::from_utf8(bytes) {
            if let Some(c) = text.chars().next() {
                let out = [c, '\0'];
                if self.accepts(out) {
                    choice.offer(out, self.pair_cost(out, place));
                }
            }
        }
    }

    fn double_units(&self, i: usize, units: &mut Vec<Unit>, big5: bool) {
        let s = self.s;
        let n = s.bytes.len();
        let t = tables();
        let known = |j: usize| s.hole[j] == KNOWN;
        if known(i) {
            let b = s.bytes[i];
            if b < 0x80 {
                units.push(read(i, 1, [b as char, '\0']));
                return;
            }
            if b == 0x80 && !big5 {
                units.push(read(i, 1, ['€', '\0']));
                return;
            }
        }
        let decode = |l: u8, tr: u8| {
            if big5 {
                t.big5_decode(l, tr)
            } else {
                t.gbk_decode(l, tr)
            }
        };
        if i + 1 < n {
            if known(i) && known(i + 1) {
                if let Some(out) = decode(s.bytes[i], s.bytes[i + 1]) {
                    units.push(read(i, 2, out));
                }
            } else if Self::too_open(&[self.count(i, 0x81, 0xFE), self.count(i + 1, 0x40, 0xFE)]) {
                units.push(self.lost(i, 2));
            } else {
                let place = self.place(i + 2);
                let search = |choice: &mut Choice| {
                    for l in self.values(i, 0x81, 0xFE) {
                        for tr in self.values(i + 1, 0x40, 0xFE) {
                            super::probe::add(1);
                            if let Some(out) = decode(l, tr) {
                                if self.accepts(out) {
                                    choice.offer(out, self.pair_cost(out, place));
                                }
                            }
                        }
                    }
                };
                let dst = if big5 { Dst::Big5 } else { Dst::Gbk };
                units.extend(self.filled(dst, i, 2, place, search));
            }
        }
        if !big5 && i + 3 < n && (i..i + 4).all(known) {
            let b = [s.bytes[i], s.bytes[i + 1], s.bytes[i + 2], s.bytes[i + 3]];
            if (0x30..=0x39).contains(&b[1]) {
                if let Some(c) = gb18030_four(b) {
                    units.push(read(i, 4, [c, '\0']));
                }
            }
        }
    }
}

fn out_cost(c: char) -> u32 {
    if c == '\0' {
        0
    } else {
        char_cost(c)
    }
}

fn read(i: usize, len: usize, out: [char; 2]) -> Unit {
    Unit {
        start: i as u32,
        len: len as u8,
        out,
        cost: char_cost(out[0]) + out_cost(out[1]),
        how: How::Read,
    }
}

/// Decodes `s` as `dst`: the cheapest sequence of units covering it, bytes
/// that start no character coming out one by one as [`How::Invalid`].
pub fn decode(dst: Dst, s: &Stream, ctx: Ctx) -> Vec<Unit> {
    decode_passes(dst, s, ctx, true)
}

/// [`decode`]; `reuse: false` works every pass out in full, for tests to
/// compare against.
fn decode_passes(dst: Dst, s: &Stream, ctx: Ctx, reuse: bool) -> Vec<Unit> {
    if !s.has_holes {
        return read_through(dst, s, ctx);
    }
    // The tables of the last decoding on this thread, refilled: a line of
    // noise is decoded in many short pieces, each with a few lost bytes.
    let masks = SPARE_MASKS.with(std::cell::RefCell::take);
    let (out, masks) = search_passes(dst, s, ctx, reuse, masks);
    SPARE_MASKS.with(|m| *m.borrow_mut() = masks);
    out
}

thread_local! {
    static SPARE_MASKS: std::cell::RefCell<Masks> = std::cell::RefCell::new(Masks::default());
}

/// A stream without holes has one reading: decoded straight through.
fn read_through(dst: Dst, s: &Stream, ctx: Ctx) -> Vec<Unit> {
    let n = s.bytes.len();
    super::budget::decoded(n);
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let u = read_known(dst, &s.bytes, i, ctx.outer);
        i += u.len as usize;
        out.push(u);
    }
    out
}

/// The passes of [`decode_passes`] over a stream with holes, in `masks`
/// (cleared first), which are handed back for the next decoding.
fn search_passes(
    dst: Dst,
    s: &Stream,
    ctx: Ctx,
    reuse: bool,
    mut masks: Masks,
) -> (Vec<Unit>, Masks) {
    let n = s.bytes.len();
    masks.reset(n);
    for i in 0..n {
        if s.hole[i] != KNOWN {
            masks.set(i, hole_mask(s, i, ctx.src, ctx.follow, false));
        }
    }
    let mut d = Decoder {
        s,
        ctx,
        masks,
        question: None,
        ends: Vec::new(),
    };
    let mut out = shortest(dst, &d, None);
    // Text is often glued together from pieces decoded one by one, and a
    // piece's last byte, alone at its end, was lost. The bytes after such a
    // hole are then not the ones the decoder saw next, and a hole that the
    // following bytes do not continue is read again as a piece's end.
    let mut ends = vec![false; n + 1];
    let mut moved = Vec::new();
    for (k, u) in out.iter().enumerate() {
        let last = u.start as usize + u.len as usize - 1;
        let next_bad = out.get(k + 1).is_some_and(|v| v.how == How::Invalid);
        if s.hole[last] == LOST && (u.how == How::Invalid || next_bad) {
            ends[last + 1] = true;
            d.masks.set(last, hole_mask(s, last, ctx.src, None, true));
            moved.push(last + 1);
        }
    }
    if !moved.is_empty() {
        d.ends = ends;
        // Only units over one of those holes read differently.
        let marked = marks_before(n, moved);
        out = shortest(dst, &d, Some(marked.as_slice()).filter(|_| reuse));
    }
    // A line-final character that lost its last byte and could be ！ or ？
    // is settled by whether the sentence asks something.
    if ctx.eol && out.last().is_some_and(|u| u.how == How::Lost) {
        let text = out[..out.len() - 1]
            .iter()
            .flat_map(|u| u.out)
            .filter(|&c| c != '\0');
        d.question = Some(ctx.asked || asks(text));
        // Only units ending a line or a piece read differently.
        let ends = (0..=n).filter(|&p| (ctx.eol && p == n) || d.ends.get(p) == Some(&true));
        let marked = marks_before(n, ends);
        out = shortest(dst, &d, Some(marked.as_slice()).filter(|_| reuse));
    }
    (out, d.masks)
}

/// The unit at `i` of a stream without holes: what
/// [`Decoder::units_at`] finds there, without the search.
pub(super) fn read_known(dst: Dst, bytes: &[u8], i: usize, outer: bool) -> Unit {
    let b = bytes[i];
    if b < 0x80 {
        return read(i, 1, [b as char, '\0']);
    }
    let t = tables();
    match dst {
        Dst::Utf8 => {
            let len = match b {
                0xC2..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF4 => 4,
                _ => return invalid(i),
            };
            match bytes.get(i..i + len).map(std::str::from_utf8) {
                Some(Ok(text)) => {
                    let c = text.chars().next().unwrap_or(REPLACEMENT);
                    if c == REPLACEMENT && !outer {
                        invalid(i)
                    } else {
                        read(i, len, [c, '\0'])
                    }
                }
                _ => invalid(i),
            }
        }
        Dst::Gbk => {
            if b == 0x80 {
                return read(i, 1, ['€', '\0']);
            }
            if let Some(&next) = bytes.get(i + 1) {
                if let Some(out) = t.gbk_decode(b, next) {
                    return read(i, 2, out);
                }
                if let Some(four) = bytes.get(i..i + 4) {
                    if (0x30..=0x39).contains(&next) {
                        if let Some(c) = gb18030_four([four[0], four[1], four[2], four[3]]) {
                            return read(i, 4, [c, '\0']);
                        }
                    }
                }
            }
            invalid(i)
        }
        Dst::Big5 => match bytes.get(i + 1).and_then(|&next| t.big5_decode(b, next)) {
            Some(out) => read(i, 2, out),
            None => invalid(i),
        },
    }
}

/// Values hole `i` may hold, as a bit set; `end` treats it as the last
/// byte of a piece.
fn hole_mask(s: &Stream, i: usize, src: Src, follow: Option<u8>, end: bool) -> [u64; 4] {
    if s.hole[i] == LOST && !end {
        // The common case, a lost byte inside a stream: its mask depends
        // on the wrong encoding and the byte after it only, and 190 table
        // lookups per hole were most of the cost of a line of debris.
        let next = src.hole_next(s, i, follow);
        let slot = next.map_or(256, usize::from);
        return LOST_MASKS.with(|m| {
            let mut m = m.borrow_mut();
            let table = m.entry(src as u8).or_insert_with(|| vec![None; 257]);
            *table[slot].get_or_insert_with(|| {
                let mut mask = [0u64; 4];
                for v in 0x40..=0xFEu8 {
                    if src.hole_allows_before(v, next) {
                        mask[(v >> 6) as usize] |= 1 << (v & 63);
                    }
                }
                mask
            })
        });
    }
    let mut mask = [0u64; 4];
    for v in 0x40..=0xFEu8 {
        let ok = match s.hole[i] {
            KNOWN => false,
            LOST if end => src.hole_allows_at_end(v),
            LOST => src.hole_allows(s, i, v, follow),
            _ => true,
        };
        if ok {
            mask[(v >> 6) as usize] |= 1 << (v & 63);
        }
    }
    mask
}

/// Scratch tables of [`shortest`], kept per thread: a long line of debris
/// is searched several times per kind, and allocating (and faulting in)
/// fresh tables the size of the line each time was a good part of what
/// such lines cost. After a pass they hold that pass's tables, which the
/// next pass over the same stream starts from (see [`shortest_in`]).
#[derive(Default)]
struct Scratch {
    cost: Vec<u32>,
    pick: Vec<u8>,
    /// Units with holes on the cheapest path, by descending start.
    kept: Vec<(usize, Unit)>,
    cands: Vec<Unit>,
    /// The previous pass's `cost` and `kept`, while a pass is redone.
    old_cost: Vec<u32>,
    old_kept: Vec<(usize, Unit)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The cheapest reading, by dynamic programming over byte positions.
/// `again`: this is another pass over the stream the last call read, and
/// only the positions it marks may list other units than they did then.
fn shortest(dst: Dst, d: &Decoder<'_>, again: Option<&[bool]>) -> Vec<Unit> {
    SCRATCH.with(|sc| match sc.try_borrow_mut() {
        Ok(mut sc) => shortest_in(dst, d, &mut sc, true, again),
        // Not reentrant today; should that change, fresh tables are as
        // good, only slower (and hold no earlier pass to start from).
        Err(_) => shortest_in(dst, d, &mut Scratch::default(), true, None),
    })
}

/// Byte positions whose units a pass may list differently from the pass
/// before when the units ending at each of `ends` change: those that can
/// reach them (a unit is at most four bytes).
fn marks_before(n: usize, ends: impl IntoIterator<Item = usize>) -> Vec<bool> {
    let mut marked = vec![false; n];
    for p in ends {
        marked[p.saturating_sub(4)..p.min(n)].fill(true);
    }
    marked
}

/// [`shortest`] with its tables; `fast: false` leaves out the shortcut
/// over stretches without holes, for tests to compare against.
///
/// With `again`, `sc` holds the tables of the previous pass over the same
/// stream, and a position is worked out afresh only if it is marked or the
/// positions its units can reach (the next four) no longer cost what they
/// did by one and the same amount. Otherwise every way on from it costs
/// that much more or less than before, so the same unit is still the
/// cheapest (ties fall the same way too) and its pick stands. The second
/// and third passes of [`decode`] change the units at a few lost bytes;
/// the costs on their left differ by a constant again a few bytes further
/// on, and the rest of the line is not searched again.
fn shortest_in(
    dst: Dst,
    d: &Decoder<'_>,
    sc: &mut Scratch,
    fast: bool,
    again: Option<&[bool]>,
) -> Vec<Unit> {
    let n = d.s.bytes.len();
    // Cheapest cost from each position to the end, and the first unit of
    // that path. Units read from known bytes are read again on the way
    // back rather than stored, which keeps a long line's table small;
    // only units with holes are kept aside.
    const INVALID: u8 = 0x40;
    const KEPT: u8 = 0x80;
    let Scratch {
        cost,
        pick,
        kept,
        cands,
        old_cost,
        old_kept,
    } = sc;
    // Where most positions are marked (a line of lost bytes, each read
    // again as a piece's end) the bookkeeping would cost more than it saves.
    let again = again.filter(|m| {
        m.len() == n
            && cost.len() == n + 1
            && pick.len() == n + 1
            && m.iter().filter(|&&x| x).count() * 2 < n
    });
    if again.is_some() {
        std::mem::swap(cost, old_cost);
        std::mem::swap(kept, old_kept);
        kept.reserve(old_kept.len());
    } else {
        pick.clear();
        pick.resize(n + 1, 0);
    }
    cost.clear();
    cost.resize(n + 1, u32::MAX);
    kept.clear();
    cost[n] = 0;
    // While redoing a pass: how much the cost of position `i + 1` changed,
    // over how many positions from there on it changed by that much, and
    // where in `old_kept` the walk down has got to.
    let (mut delta, mut same, mut old_at) = (0i64, 0usize, 0usize);
    let mut worked = 0;
    // First hole at or after `i`: where none lies within the widest
    // unit's reach, the units at `i` are those of a stream without holes,
    // at most one read and the invalid byte, tried in that order as
    // `units_at` would list them.
    let mut next_hole = n;
    for i in (0..n).rev() {
        if d.s.hole[i] != KNOWN {
            next_hole = i;
        }
        if let Some(marked) = again {
            let changed = i64::from(cost[i + 1]) - i64::from(old_cost[i + 1]);
            if i + 1 == n || changed != delta {
                (delta, same) = (changed, 1);
            } else {
                same += 1;
            }
            while old_kept.get(old_at).is_some_and(|&(k, _)| k > i) {
                old_at += 1;
            }
            if !marked[i] && (same >= 4 || i + same >= n) {
                let stands = pick[i] != KEPT
                    || match old_kept.get(old_at) {
                        Some(&(k, u)) if k == i => {
                            kept.push((i, u));
                            true
                        }
                        // Every kept pick has its unit; should one not,
                        // working the position out afresh is as good.
                        _ => false,
                    };
                if stands {
                    cost[i] = (i64::from(old_cost[i]) + delta) as u32;
                    continue;
                }
            }
        }
        worked += 1;
        // No lost byte within the widest unit's reach: the position reads
        // as a decoder reads it, the one unit starting there or, if there
        // is none, an invalid byte (see the module docs).
        let settled = next_hole >= i + 4;
        if fast && settled {
            let u = read_known(dst, &d.s.bytes, i, d.ctx.outer);
            let (len, unit_cost, p) = if u.how == How::Read {
                (u.len as usize, u.cost, u.len)
            } else {
                (1, INVALID_COST, INVALID)
            };
            let rest = cost[i + len];
            (cost[i], pick[i]) = if rest == u32::MAX {
                (u32::MAX, 0)
            } else {
                (rest.saturating_add(unit_cost), p)
            };
            continue;
        }
        super::probe::searched();
        cands.clear();
        d.units_at(dst, i, cands);
        if !settled || !cands.iter().any(|u| u.how == How::Read) {
            cands.push(invalid(i));
        }
        let mut chosen = None;
        pick[i] = 0;
        for u in cands.iter() {
            let rest = cost[i + u.len as usize];
            if rest == u32::MAX {
                continue;
            }
            let total = rest.saturating_add(u.cost);
            if total < cost[i] {
                cost[i] = total;
                chosen = Some(*u);
            }
        }
        if let Some(u) = chosen {
            pick[i] = match u.how {
                How::Read => u.len,
                How::Invalid => INVALID,
                _ => {
                    kept.push((i, u));
                    KEPT
                }
            };
        }
    }
    super::budget::decoded(worked);
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    // `kept` runs backwards, and the walk forwards: the next kept unit
    // the walk can meet is always the last one not passed. (Read, not
    // taken: a next pass over the stream starts from these tables.)
    let mut left = kept.len();
    while i < n {
        let u = match pick[i] {
            KEPT => {
                while left > 0 && kept[left - 1].0 < i {
                    left -= 1;
                }
                match left.checked_sub(1).map(|k| kept[k]) {
                    Some((k, u)) if k == i => u,
                    _ => unreachable!("a kept pick has its unit"),
                }
            }
            0 | INVALID => invalid(i),
            _ => read_known(dst, &d.s.bytes, i, d.ctx.outer),
        };
        i += u.len as usize;
        out.push(u);
    }
    out
}

impl Decoder<'_> {
    fn units_at(&self, dst: Dst, i: usize, units: &mut Vec<Unit>) {
        match dst {
            Dst::Utf8 => self.utf8_units(i, units),
            Dst::Gbk => self.double_units(i, units, false),
            Dst::Big5 => self.double_units(i, units, true),
        }
    }
}

fn invalid(i: usize) -> Unit {
    Unit {
        start: i as u32,
        len: 1,
        out: [REPLACEMENT, '\0'],
        cost: INVALID_COST,
        how: How::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A stream of `bytes`, with a hole wherever `holes` says (0: known,
    /// 1: lost, 2: wild), built the way [`decode`] sets up its decoder.
    fn decoder(bytes: &[u8], holes: &[u8], src: Src, outer: bool, eol: bool) -> (Stream, Ctx) {
        let hole: Vec<u8> = holes
            .iter()
            .map(|&h| match h % 3 {
                0 => KNOWN,
                1 => LOST,
                _ => super::super::stream::WILD,
            })
            .collect();
        let bytes: Vec<u8> = bytes
            .iter()
            .zip(&hole)
            .map(|(&b, &h)| if h == KNOWN { b } else { 0 })
            .collect();
        let has_holes = hole.iter().any(|&h| h != KNOWN);
        let starts = (0..=bytes.len() as u32).collect();
        let s = Stream {
            bytes,
            hole,
            starts,
            has_holes,
        };
        let ctx = Ctx {
            src,
            follow: None,
            eol,
            outer,
            asked: false,
        };
        (s, ctx)
    }

    /// Big5 bytes (random, as junk gives) where reading straight on and
    /// skipping a byte to line up cheaper characters differ: D4 A7 is 唭,
    /// while A7 F3 is 更.
    const SKIPPABLE: [u8; 16] = [
        0xd4, 0xa7, 0xf3, 0x90, 0xdc, 0x98, 0xe7, 0x8c, 0xf5, 0xdb, 0xe3, 0xd2, 0x86, 0xeb, 0x97,
        0xc9,
    ];

    fn text(units: &[Unit]) -> String {
        units
            .iter()
            .flat_map(|u| u.out)
            .filter(|&c| c != '\0')
            .collect()
    }

    #[test]
    fn a_stretch_far_from_lost_bytes_reads_as_it_does_alone() {
        let (alone, ctx) = decoder(&SKIPPABLE, &[0; 16], Src::Gbk, false, false);
        let plain = text(&decode(Dst::Big5, &alone, ctx));
        assert!(plain.starts_with('唭'), "read straight on: {plain}");
        // The same bytes after a lost one and some ASCII: only the units
        // within reach of the lost byte may read differently.
        let mut bytes = vec![0xa4, 0x00, b'a', b'b', b'c', b'd', b'e', b'f'];
        bytes.extend_from_slice(&SKIPPABLE);
        let mut holes = vec![0u8; bytes.len()];
        holes[1] = 1;
        let (with_hole, ctx) = decoder(&bytes, &holes, Src::Gbk, false, false);
        let units = decode(Dst::Big5, &with_hole, ctx);
        let after: Vec<Unit> = units.into_iter().filter(|u| u.start >= 8).collect();
        assert_eq!(text(&after), plain);
    }

    fn both_ways(dst: Dst, s: &Stream, ctx: Ctx) -> (String, String) {
        let mut masks = Masks::new(s.bytes.len());
        for i in 0..s.bytes.len() {
            if s.hole[i] != KNOWN {
                masks.set(i, hole_mask(s, i, ctx.src, ctx.follow, false));
            }
        }
        let d = Decoder {
            s,
            ctx,
            masks,
            question: None,
            ends: Vec::new(),
        };
        let fast = shortest_in(dst, &d, &mut Scratch::default(), true, None);
        let slow = shortest_in(dst, &d, &mut Scratch::default(), false, None);
        (format!("{fast:?}"), format!("{slow:?}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// The shortcut over stretches without holes reads exactly what
        /// the full search reads, holes or none, in every encoding.
        #[test]
        fn shortcut_reads_as_the_full_search(
            bytes in proptest::collection::vec(
                prop_oneof![3 => 0x80u8..=0xFF, 1 => any::<u8>(), 1 => 0x30u8..=0x39], 0..80),
            holes in proptest::collection::vec(
                prop_oneof![12 => Just(0u8), 1 => 1u8..=2], 80),
            src in 0usize..3,
            outer in any::<bool>(),
            eol in any::<bool>(),
        ) {
            let src = [Src::Latin, Src::Gbk, Src::Big5][src];
            let (s, ctx) = decoder(&bytes, &holes[..bytes.len()], src, outer, eol);
            for dst in [Dst::Utf8, Dst::Gbk, Dst::Big5] {
                let (fast, slow) = both_ways(dst, &s, ctx);
                prop_assert_eq!(fast, slow);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// The second and third passes, redone only where they can differ
        /// from the pass before, read exactly what passes worked out in
        /// full read. Lost bytes are frequent here, next to ASCII, `?` and
        /// the end, where the later passes change most.
        #[test]
        fn later_passes_read_as_passes_in_full(
            bytes in proptest::collection::vec(
                prop_oneof![4 => 0x80u8..=0xFF, 1 => any::<u8>(), 1 => Just(b'?')], 0..120),
            holes in proptest::collection::vec(
                prop_oneof![5 => Just(0u8), 1 => 1u8..=2], 120),
            src in 0usize..3,
            outer in any::<bool>(),
            eol in any::<bool>(),
            asked in any::<bool>(),
        ) {
            let src = [Src::Latin, Src::Gbk, Src::Big5][src];
            let (s, mut ctx) = decoder(&bytes, &holes[..bytes.len()], src, outer, eol);
            ctx.asked = asked;
            for dst in [Dst::Utf8, Dst::Gbk, Dst::Big5] {
                let reused = decode_passes(dst, &s, ctx, true);
                let full = decode_passes(dst, &s, ctx, false);
                prop_assert_eq!(format!("{reused:?}"), format!("{full:?}"));
            }
        }
    }

    /// Real mojibake and clean text, encoded back as each kind's wrong
    /// encoding would, read the same both ways.
    #[test]
    fn shortcut_reads_real_lines_as_the_full_search() {
        let lines = [
            "娴嬭瘯涓枃锛屾垜浠湪杩欓噷銆?",
            "浣犲ソ锟斤拷涓栫晫\u{FFFD}鍟?",
            "²âÊÔÖÐÎÄ£¬ÎÒÃÇÔÚÕâÀï¡£",
            "这是一段正常的中文文本，没有任何问题。",
            "聆彸眳笢恅",
        ];
        for line in lines {
            let chars: Vec<char> = line.chars().collect();
            for src in [Src::Latin, Src::Gbk, Src::Big5] {
                for whatwg in [false, true] {
                    let Some(s) = src.encode(&chars, whatwg) else {
                        continue;
                    };
                    for outer in [false, true] {
                        let ctx = Ctx {
                            src,
                            follow: None,
                            eol: true,
                            outer,
                            asked: false,
                        };
                        for dst in [Dst::Utf8, Dst::Gbk, Dst::Big5] {
                            let (fast, slow) = both_ways(dst, &s, ctx);
                            assert_eq!(fast, slow, "{line} {dst:?}");
                        }
                    }
                }
            }
        }
    }
}
