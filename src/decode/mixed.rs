//! Decoding a byte string whose encoding may change along the way.
//!
//! A scraped file can hold UTF-8 and GBK, or GBK and Big5, side by side, and
//! its damaged spots (a stray byte, a cut-off character, one UTF-8 quote
//! pasted into a GBK page) look like short foreign runs. Both are handled by
//! one search: the cheapest way to read the bytes as a sequence of
//! characters, each decoded in one of the mixable encodings, where a
//! character costs what the plausibility model ([`crate::model`]) says,
//! switching encoding costs a fixed penalty, and giving up on one byte (a
//! damaged spot, written as U+FFFD) costs more than any real character.
//! Dynamic programming finds the cheapest reading exactly, in time linear
//! in the input.

use std::ops::Range;

use super::charset::Unit;
use crate::model::{self, BIT};

/// Cost of changing encoding between two characters when no encoding is
/// at home. High enough that a file is not split over a few unlikely
/// characters, low enough that a real fragment of another encoding (whose
/// misreading costs far more per character) is split off.
pub(crate) const SWITCH: u32 = 14 * BIT;
/// Extra cost of a change between two non-ASCII characters.
pub(crate) const SWITCH_MID: u32 = 8 * BIT;
/// Cost of leaving the home encoding (the one the text around is in).
pub(crate) const SWITCH_AWAY: u32 = 20 * BIT;
/// Cost of returning home. Nearly free: a pasted-in quote or fragment is
/// one excursion, paid for once on the way out, and the reading should not
/// linger abroad to save the fare back.
pub(crate) const SWITCH_HOME: u32 = 2 * BIT;
/// Cost of declaring one byte damaged.
pub(crate) const ERROR: u32 = 30 * BIT;

/// Cost of a character cut off by the end of the input. Cheaper than other
/// damage: at the very end, a truncated file is far likelier than a reading
/// that is out of step all along.
pub(crate) const TRUNCATED: u32 = 8 * BIT;

/// Back-pointer flag of a damage step.
const DAMAGE: u8 = 1 << 5;

/// Sentinel for "state not reachable".
const INF: u32 = u32::MAX / 2;

/// The cheapest reading of a byte string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reading {
    /// Decoded text, with U+FFFD for each damaged byte.
    pub text: String,
    /// Runs of one encoding, as byte ranges relative to the input, in order,
    /// covering it exactly.
    pub runs: Vec<(Range<usize>, Unit)>,
    /// Offsets (relative to the input) of the bytes read as damaged.
    pub errors: Vec<usize>,
    /// Total cost of the reading.
    pub cost: u64,
    /// Non-ASCII bytes read (or found damaged) in each unit, indexed by
    /// `Unit as usize`.
    pub non_ascii: [usize; 3],
    /// The encoding in force at the end.
    pub end: Option<Unit>,
}

/// Find the cheapest reading of `bytes`.
///
/// `start[u]` is the cost of being in unit `u` before the first byte (use
/// `0` for the encoding a previous block ended in and [`SWITCH`] for the
/// rest, or all zeros when nothing is known); [`INF`]-like large values
/// forbid a unit.
///
/// `home` is the encoding of the surrounding text, if known: leaving it
/// costs [`SWITCH_AWAY`] and coming back [`SWITCH_HOME`]; without a home
/// every change costs [`SWITCH`].
pub(crate) fn cheapest_reading(bytes: &[u8], start: [u32; 3], home: Option<Unit>) -> Reading {
    cheapest_reading_with(bytes, start, home, SWITCH_AWAY)
}

/// [`cheapest_reading`] with the cost of leaving home given: callers raise
/// it where the home reading is itself strong evidence (valid UTF-8).
pub(crate) fn cheapest_reading_with(
    bytes: &[u8],
    start: [u32; 3],
    home: Option<Unit>,
    away: u32,
) -> Reading {
    let (cost, back) = search(bytes, start, home, away);
    trace(bytes, &cost, &back)
}

/// What a verdict needs of the cheapest reading: its cost and the
/// non-ASCII bytes read in each unit ([`Reading::cost`] and
/// [`Reading::non_ascii`]), without building its text, damage list and
/// runs, which detection would throw away.
pub(crate) fn cheapest_cost(
    bytes: &[u8],
    start: [u32; 3],
    home: Option<Unit>,
) -> (u64, [usize; 3]) {
    let (cost, back) = search(bytes, start, home, SWITCH_AWAY);
    let n = bytes.len();
    let Some((mut u, &total)) = cost[n].iter().enumerate().min_by_key(|&(_, &c)| c) else {
        return (0, [0; 3]);
    };
    let mut non_ascii = [0usize; 3];
    let mut j = n;
    while j > 0 {
        let b = back[j][u];
        let len = ((b >> 2) & 7).max(1) as usize;
        let i = j - len;
        // As in `trace`: damage counts for its unit whatever its bytes, a
        // character only when it is not ASCII.
        if b & DAMAGE != 0 || bytes[i] >= 0x80 {
            non_ascii[u] += len;
        }
        u = (b & 3) as usize;
        j = i;
    }
    (total as u64, non_ascii)
}

/// The search itself: the cheapest cost of reaching each position in each
/// unit, and how (see `back` below).
fn search(
    bytes: &[u8],
    start: [u32; 3],
    home: Option<Unit>,
    away: u32,
) -> (Vec<[u32; 3]>, Vec<[u8; 3]>) {
    // Encodings change at line starts and around ASCII far more often than
    // between two Chinese characters; a change there pays extra, so where a
    // boundary character reads in both encodings it goes with its run.
    let into = |u: usize, boundary: bool| {
        let mid = if boundary { 0 } else { SWITCH_MID };
        match home {
            None => SWITCH + mid,
            Some(h) if h as usize == u => SWITCH_HOME,
            Some(_) => away + mid,
        }
    };
    let n = bytes.len();
    let mut cost = vec![[INF; 3]; n + 1];
    // Back pointer per position and unit: bits 0-1 the previous unit, bits
    // 2-4 the bytes the step consumed, bit 5 set for damage.
    let mut back = vec![[0u8; 3]; n + 1];
    cost[0] = start.map(|c| c.min(INF));
    for i in 0..n {
        let here = cost[i];
        let (best_unit, best) = here
            .iter()
            .enumerate()
            .min_by_key(|&(_, &c)| c)
            .map(|(u, &c)| (u, c))
            .unwrap_or((0, INF));
        if best >= INF {
            continue;
        }
        let ascii = bytes[i] < 0x80;
        // Below 0x40 a byte cannot be the second byte of a GBK or Big5
        // character, so it really ended a character of its own.
        let boundary = i == 0 || bytes[i - 1] < 0x40;
        for unit in Unit::ALL {
            let u = unit as usize;
            // Enter this unit either by staying in it or by switching from
            // the cheapest state; staying wins ties.
            let fare = into(u, boundary);
            let (from, base) = if here[u] <= best.saturating_add(fare) || ascii {
                (u, here[u])
            } else {
                (best_unit, best + fare)
            };
            if base >= INF {
                continue;
            }
            if let Some(step) = unit.step(bytes, i) {
                let mut c = model::char_cost(step.c);
                if let Some(c2) = step.c2 {
                    c += model::char_cost(c2);
                }
                let j = i + step.len as usize;
                let total = base + c;
                if total < cost[j][u] {
                    cost[j][u] = total;
                    back[j][u] = (from as u8) | (step.len << 2);
                }
            }
            // Damage keeps the unit it was found in. A character cut off by
            // the end of the input is one damaged spot, whatever its length.
            if here[u] < INF {
                let (len, penalty) = if unit.is_cut_off(bytes, i) {
                    (n - i, TRUNCATED)
                } else {
                    (1, ERROR)
                };
                let total = here[u] + penalty;
                if total < cost[i + len][u] {
                    cost[i + len][u] = total;
                    back[i + len][u] = u as u8 | (len as u8) << 2 | DAMAGE;
                }
            }
        }
    }
    (cost, back)
}

fn trace(bytes: &[u8], cost: &[[u32; 3]], back: &[[u8; 3]]) -> Reading {
    let n = bytes.len();
    let mut reading = Reading::default();
    let (mut u, &total) = match cost[n].iter().enumerate().min_by_key(|&(_, &c)| c) {
        Some(found) => found,
        None => return reading,
    };
    reading.cost = total as u64;
    reading.end = (n > 0).then_some(Unit::ALL[u]);
    // Walk back collecting (start, len, unit) steps, then replay forwards.
    let mut steps: Vec<(usize, usize, bool, usize)> = Vec::with_capacity(n / 2 + 1);
    let mut j = n;
    while j > 0 {
        let b = back[j][u];
        let prev = (b & 3) as usize;
        let len = ((b >> 2) & 7).max(1) as usize;
        let i = j - len;
        steps.push((i, len, b & DAMAGE != 0, u));
        u = prev;
        j = i;
    }
    steps.reverse();
    reading.text.reserve(n);
    for (i, len, damaged, u) in steps {
        let unit = Unit::ALL[u];
        let end = i + len;
        if damaged {
            reading.text.push('\u{FFFD}');
            reading.errors.push(i);
            // Damage is evidence for the encoding it was found in too: a
            // lone cut-off UTF-8 character still says "UTF-8".
            reading.non_ascii[u] += len;
        } else if let Some(step) = unit.step(bytes, i) {
            reading.text.push(step.c);
            reading.text.extend(step.c2);
            if bytes[i] >= 0x80 {
                reading.non_ascii[u] += step.len as usize;
            }
        }
        // ASCII steps belong to whatever run surrounds them, so a run only
        // changes where a non-ASCII step (or damage) says so.
        match reading.runs.last_mut() {
            Some((range, last)) if *last == unit || bytes[i] < 0x80 && !damaged => range.end = end,
            _ => reading.runs.push((i..end, unit)),
        }
    }
    reading
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str, unit: Unit) -> Vec<u8> {
        let enc = match unit {
            Unit::Utf8 => encoding_rs::UTF_8,
            Unit::Gb18030 => encoding_rs::GB18030,
            Unit::Big5 => encoding_rs::BIG5,
        };
        let (bytes, _, unmappable) = enc.encode(text);
        assert!(!unmappable, "{text} not in {unit:?}");
        bytes.into_owned()
    }

    /// The summary detection uses is the full reading's cost and counts,
    /// on clean, mixed, damaged and cut-off input.
    #[test]
    fn the_cost_summary_is_the_full_readings() {
        let mut samples = vec![
            encode("经济发展与社会进步\n", Unit::Gb18030),
            encode("經濟發展與社會進步，臺灣報導\n", Unit::Big5),
            b"ab\xE6\xBC".to_vec(),
            b"".to_vec(),
            b"plain ascii".to_vec(),
        ];
        let mut mixed = encode("今天的新闻：", Unit::Utf8);
        mixed.extend(encode("北京市政府发布了新的交通管理规定", Unit::Gb18030));
        mixed.push(0xFF);
        mixed.extend(encode("經濟發展", Unit::Big5));
        mixed.extend(&[0xE6, 0xBC]);
        samples.push(mixed);
        let mut state = 0x5851_F42D_4C95_7F2Du64;
        for len in [1usize, 5, 60, 700] {
            for _ in 0..10 {
                samples.push(
                    (0..len)
                        .map(|_| {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            (state >> 24) as u8
                        })
                        .collect(),
                );
            }
        }
        for bytes in samples {
            for (start, home) in [([0, 0, 0], None), ([0, SWITCH, SWITCH], Some(Unit::Utf8))] {
                let full = cheapest_reading(&bytes, start, home);
                assert_eq!(
                    cheapest_cost(&bytes, start, home),
                    (full.cost, full.non_ascii),
                    "{bytes:02X?}"
                );
            }
        }
    }

    #[test]
    fn a_gbk_fragment_inside_utf8_is_read_as_gbk() {
        let mut bytes = encode("今天的新闻：", Unit::Utf8);
        bytes.extend(encode("北京市政府发布了新的交通管理规定", Unit::Gb18030));
        bytes.extend(encode("。以上是全部内容。", Unit::Utf8));
        let r = cheapest_reading(&bytes, [0, SWITCH, SWITCH], Some(Unit::Utf8));
        assert_eq!(
            r.text,
            "今天的新闻：北京市政府发布了新的交通管理规定。以上是全部内容。"
        );
        assert!(r.errors.is_empty());
        let units: Vec<Unit> = r.runs.iter().map(|(_, u)| *u).collect();
        assert_eq!(units, [Unit::Utf8, Unit::Gb18030, Unit::Utf8]);
    }

    #[test]
    fn gbk_then_big5_is_split_where_the_script_changes() {
        let mut bytes = encode("经济发展与社会进步\n", Unit::Gb18030);
        bytes.extend(encode("經濟發展與社會進步，臺灣報導\n", Unit::Big5));
        let r = cheapest_reading(&bytes, [0, 0, 0], None);
        assert_eq!(r.text, "经济发展与社会进步\n經濟發展與社會進步，臺灣報導\n");
    }

    #[test]
    fn a_stray_byte_in_gbk_is_one_damaged_spot() {
        let mut bytes = encode("我们今天去公园散步", Unit::Gb18030);
        bytes.insert(6, 0xFF);
        let r = cheapest_reading(&bytes, [0, 0, 0], None);
        assert_eq!(r.text, "我们今\u{FFFD}天去公园散步");
        assert_eq!(r.errors, [6]);
    }

    #[test]
    fn a_character_cut_off_at_the_end_is_one_damaged_spot() {
        // UTF-8 "ab" and the first two bytes of 漢: read as one truncated
        // character, not as a GBK pair.
        let r = cheapest_reading(b"ab\xE6\xBC", [0, 0, 0], None);
        assert_eq!(r.text, "ab\u{FFFD}");
        assert_eq!(r.errors, [2]);
        let mut bytes = encode("于北加州", Unit::Gb18030);
        bytes.pop();
        let r = cheapest_reading(&bytes, [0, 0, 0], None);
        assert_eq!(r.text, "于北加\u{FFFD}");
    }

    #[test]
    fn a_utf8_quote_inside_gbk_leaves_the_rest_intact() {
        let mut bytes = encode("他说", Unit::Gb18030);
        bytes.extend("“".as_bytes());
        bytes.extend(encode("我们明天再来看看这个问题", Unit::Gb18030));
        let r = cheapest_reading(&bytes, [0, SWITCH_AWAY, SWITCH_AWAY], Some(Unit::Gb18030));
        assert!(r.text.starts_with("他说"), "{}", r.text);
        assert!(r.text.ends_with("我们明天再来看看这个问题"), "{}", r.text);
    }
}
