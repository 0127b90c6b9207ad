//! What a decoding of a span can reach before it is worked out: where no
//! candidate can cross, and how much any candidate can gain at most.
//!
//! Decoding a span with lost bytes is a search, and on text that is not
//! mojibake at all (random high bytes read as GB18030, debris) it was most
//! of what repair cost, for candidates that could never pass. Two facts
//! about a stream can be read off its known bytes in one plain pass:
//!
//! * A byte that no valid unit can cover (a UTF-8 continuation byte with no
//!   lead before it, a Big5 pair out of range) makes its character's block
//!   invalid in every reading, so no candidate holds that character. If,
//!   besides, no unit can cross either edge of the character and no lost
//!   byte is near, every path of the decoder's search passes through both
//!   edges, so the parts on either side decode exactly as they do inside
//!   the whole stream: the span is cut there into *pieces*, decoded one by
//!   one (and, in later scans, only where a repair changed something).
//! * A candidate's gain is its source characters' cost less its output's
//!   cost. Each unit's cost is shared out over its bytes, and a byte then
//!   costs at least the least share of any unit that can cover it (nothing
//!   near a lost byte, whose filling is unknown). So no candidate inside a
//!   piece gains more than the best run of characters scored with their
//!   own cost less their bytes' least shares: if that is below the least
//!   gain any repair needs, the piece is not decoded at all. For the twice
//!   kinds the output is another decoding's repair, and only the source
//!   side counts.
//!
//! Both are bounds, never guesses: real mojibake decodes to valid units all
//! along, and its pieces and candidates are the ones the whole span gives.

use super::decode::{read_known, Dst, How};
use super::stream::{Src, Stream, KNOWN};
use crate::model::char_cost;
use std::cell::Cell;
use std::ops::Range;

thread_local! {
    /// Whether spans are decoded whole and never passed over, as before
    /// pieces: what tests compare the pieces against.
    static WHOLE: Cell<bool> = const { Cell::new(false) };
}

/// Decode every span whole on this thread (`true`), or in pieces as usual.
pub fn set_whole(on: bool) {
    WHOLE.with(|w| w.set(on));
}

/// How a span is read, for [`pieces`]: the wrong encoding and the right
/// one, whether as the first step of a twice kind (`outer`), whether the
/// span may be cut at all (not when it ends the line with a lost byte near
/// its end, whose reading depends on the decoded text before it), and the
/// largest ratio any tier allows (see [`Piece::bound`]).
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    pub src: Src,
    pub dst: Dst,
    pub outer: bool,
    pub cut: bool,
    pub r: i64,
}

/// One piece of a span: characters (relative to the span) and a bound on
/// what any candidate inside them can score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub chars: Range<usize>,
    /// The best run of characters scored so that a candidate that passes
    /// its judgement scores at least `r * min_gain`, with `r` the largest
    /// ratio (in percent) any tier allows: a candidate whose source costs
    /// `S` and output `O` has `S - O >= min_gain` and `100 O <= r S`, so
    /// `r (S - O) + (r S - 100 O) >= r * min_gain`, and `O` is at least the
    /// least shares of its bytes. For a twice kind, whose output is
    /// another decoding's repair, `r S >= r * min_gain` alone.
    pub bound: i64,
}

/// The widest unit, in bytes: how far back a unit covering a byte can
/// start.
const WIDEST: usize = 4;

/// How far (in bytes) a lost byte's unknown filling can reach when reading
/// as `dst`: a unit with a lost byte is at most four bytes of UTF-8, and
/// two of GBK or Big5 (GB18030's four-byte units are read from known bytes
/// only).
fn reach(dst: Dst) -> usize {
    match dst {
        Dst::Utf8 => 4,
        Dst::Gbk | Dst::Big5 => 2,
    }
}

/// The pieces of the span `chars` encoded as `s`, for a reading `how`.
pub fn pieces(s: &Stream, chars: &[char], how: Reading) -> Vec<Piece> {
    if WHOLE.with(Cell::get) {
        return vec![Piece {
            chars: 0..chars.len(),
            bound: i64::MAX,
        }];
    }
    SCRATCH.with(|sc| match sc.try_borrow_mut() {
        Ok(mut sc) => pieces_in(s, chars, how, &mut sc),
        Err(_) => pieces_in(s, chars, how, &mut Scratch::default()),
    })
}

/// Per-byte tables of [`pieces`], kept per thread: every span of every
/// line is bounded once per kind, and fresh tables for each were a good
/// part of what short lines of noise cost.
#[derive(Default)]
struct Scratch {
    near: Vec<bool>,
    least: Vec<u32>,
    covered: Vec<bool>,
    crossed: Vec<bool>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

fn pieces_in(s: &Stream, chars: &[char], how: Reading, sc: &mut Scratch) -> Vec<Piece> {
    let Reading {
        src,
        dst,
        outer,
        cut,
        r,
    } = how;
    let n = s.bytes.len();
    // Distance-limited "a lost byte is near": `near[j]` when a hole lies
    // within reach - 1 bytes of j, so that a unit with a hole may cover j.
    let reach = reach(dst);
    let Scratch {
        near,
        least,
        covered,
        crossed,
    } = sc;
    near.clear();
    near.resize(n, false);
    if s.has_holes {
        for (h, &f) in s.hole.iter().enumerate() {
            if f != KNOWN {
                let lo = h.saturating_sub(reach - 1);
                let hi = (h + reach).min(n);
                near[lo..hi].fill(true);
            }
        }
    }
    // Least share of a covering unit per byte (u32::MAX: none can cover
    // it), and whether a unit crosses into byte j from the left.
    least.clear();
    least.resize(n, u32::MAX);
    covered.clear();
    covered.extend_from_slice(near);
    crossed.clear();
    crossed.resize(n + 1, false);
    let mut i = 0;
    for (j, &nr) in near.iter().enumerate() {
        if nr {
            least[j] = 0;
        }
    }
    while i < n {
        if s.hole[i] != KNOWN {
            i += 1;
            continue;
        }
        let u = read_known(dst, &s.bytes, i, outer);
        let len = u.len as usize;
        if u.how == How::Read && s.hole[i..i + len].iter().all(|&h| h == KNOWN) {
            let cost: u32 = u
                .out
                .iter()
                .filter(|&&c| c != '\0' && !c.is_ascii() && c != '\u{FFFD}')
                .map(|&c| char_cost(c))
                .sum();
            let share = if outer { 0 } else { cost / len as u32 };
            // The first step of a twice kind gives text that is encoded
            // with `src` again: a character `src` cannot encode makes its
            // whole run give nothing, so it counts for no candidate (it
            // still covers its bytes, for where the span may be cut).
            let useful = !outer
                || u.out
                    .iter()
                    .all(|&c| c == '\0' || c.is_ascii() || src.member(c));
            if useful {
                for l in &mut least[i..i + len] {
                    *l = (*l).min(share);
                }
            }
            covered[i..i + len].fill(true);
            crossed[i + 1..i + len].fill(true);
        }
        i += 1;
    }
    // Per character: its bound score, whether it is dead (some byte no
    // unit can cover), and whether the span may be cut there.
    let mut out = Vec::new();
    let m = chars.len();
    let mut from = 0;
    let (mut best, mut run) = (0i64, 0i64);
    for (k, &c) in chars.iter().enumerate() {
        let (a, z) = (s.starts[k] as usize, s.starts[k + 1] as usize);
        let dead = covered[a..z].contains(&false);
        if dead || least[a..z].contains(&u32::MAX) {
            run = 0;
        } else {
            let src = if c.is_ascii() || c == '\u{FFFD}' {
                0
            } else {
                i64::from(char_cost(c))
            };
            let dst: i64 = least[a..z].iter().map(|&l| i64::from(l)).sum();
            // See [`Piece::bound`]: the gain, and the ratio test weighed
            // in with it, which noise fails far more often than the gain.
            let score = if outer {
                r * src
            } else {
                2 * r * src - (r + 100) * dst
            };
            run = (run + score).max(0);
            best = best.max(run);
        }
        // Looked at only where a cut is possible at all: this loop runs
        // once per character of every span and kind.
        let quiet = || {
            !near[a.saturating_sub(1)..(z + 1).min(n)].contains(&true)
                && !s.hole[a.saturating_sub(reach)..(z + reach).min(n)]
                    .iter()
                    .any(|&h| h != KNOWN)
        };
        if cut && dead && !crossed[a] && !crossed[z] && quiet() {
            if k > from {
                out.push(Piece {
                    chars: from..k,
                    bound: best,
                });
            }
            from = k + 1;
            (best, run) = (0, 0);
        }
    }
    if m > from {
        out.push(Piece {
            chars: from..m,
            bound: best,
        });
    }
    out
}

/// The part of `s` that encodes characters `chars`, as a stream of its own.
pub fn slice(s: &Stream, chars: Range<usize>) -> Stream {
    let (a, z) = (s.starts[chars.start] as usize, s.starts[chars.end] as usize);
    let hole = s.hole[a..z].to_vec();
    Stream {
        bytes: s.bytes[a..z].to_vec(),
        has_holes: hole.iter().any(|&h| h != KNOWN),
        hole,
        starts: s.starts[chars.start..=chars.end]
            .iter()
            .map(|&p| p - a as u32)
            .collect(),
    }
}

/// Whether the span may be cut at character `k`, worked out from the bytes
/// around it alone: exactly the test [`pieces`] makes there (no lost byte
/// within reach, a byte no unit covers, no unit across either edge).
fn cuts_at(s: &Stream, k: usize, dst: Dst, outer: bool) -> bool {
    let n = s.bytes.len();
    let (a, z) = (s.starts[k] as usize, s.starts[k + 1] as usize);
    let reach = reach(dst);
    if s.hole[a.saturating_sub(reach)..(z + reach).min(n)]
        .iter()
        .any(|&h| h != KNOWN)
    {
        return false;
    }
    // The end of the valid unit starting at `i`, if there is one.
    let unit_end = |i: usize| {
        let u = read_known(dst, &s.bytes, i, outer);
        let len = u.len as usize;
        (u.how == How::Read && s.hole[i..i + len].iter().all(|&h| h == KNOWN)).then_some(i + len)
    };
    let crosses =
        |b: usize| (b.saturating_sub(WIDEST - 1)..b).any(|i| unit_end(i).is_some_and(|e| e > b));
    if crosses(a) || crosses(z) {
        return false;
    }
    (a..z).any(|j| !(j.saturating_sub(WIDEST - 1)..=j).any(|i| unit_end(i).is_some_and(|e| e > j)))
}

/// The pieces of the span (as [`pieces`]) that hold or lie near one of the
/// characters marked in `near` (relative to the span, as ranges): each
/// range is widened to the nearest cuts on either side, and only what lies
/// between them is looked at. In a later scan of a long span, where a
/// repair changed a few places, this keeps the search for pieces from
/// going over the whole span again.
pub fn pieces_near(s: &Stream, chars: &[char], how: Reading, near: &[Range<usize>]) -> Vec<Piece> {
    let m = chars.len();
    let (dst, outer) = (how.dst, how.outer);
    if !how.cut || WHOLE.with(Cell::get) {
        return pieces(s, chars, how);
    }
    let mut out = Vec::new();
    // Characters up to `done` have been looked at.
    let mut done = 0;
    for w in near {
        if w.end <= done {
            continue;
        }
        let mut lo = w.start.max(done).min(m);
        while lo > done && !cuts_at(s, lo - 1, dst, outer) {
            lo -= 1;
        }
        let mut hi = w.end.max(lo).min(m);
        while hi < m && !cuts_at(s, hi, dst, outer) {
            hi += 1;
        }
        if hi > lo {
            let sub = slice(s, lo..hi);
            for p in pieces(&sub, &chars[lo..hi], how) {
                out.push(Piece {
                    chars: p.chars.start + lo..p.chars.end + lo,
                    bound: p.bound,
                });
            }
        }
        done = hi;
    }
    out
}
