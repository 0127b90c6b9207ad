//! The conversion algorithm of OpenCC 1.4.2, over the compiled matchers.
//!
//! A configuration runs as a pipeline: each normalisation stage converts the
//! whole text, then the main stage optionally segments the text by maximum
//! forward matching and passes every segment through the conversion chain.
//! A conversion scans left to right: at each position it takes the prefix
//! match the dictionary tree gives; where nothing matches it copies one
//! character, or a whole ideographic description sequence (IDS) when one
//! starts there, so IDS components are never converted.

use std::borrow::Cow;

use super::tables::{char_len, decode_at, Matcher};

/// Nesting limit of an IDS, as in OpenCC 1.4.2.
const IDS_MAX_DEPTH: usize = 16;
/// Size limit of an IDS in code points, as in OpenCC 1.4.2.
pub(crate) const IDS_MAX_CODE_POINTS: usize = 64;

/// Number of operands an ideographic description operator takes (0: not an operator).
#[inline]
pub(crate) fn ids_arity(cp: u32) -> usize {
    match cp {
        0x2FF2 | 0x2FF3 => 3,
        0x2FFE | 0x2FFF => 1,
        0x2FF0..=0x2FFD => 2,
        _ => 0,
    }
}

enum Ids {
    Complete(usize),
    Incomplete,
    Invalid,
}

fn parse_ids(b: &[u8], depth_left: usize, code_points: &mut usize) -> Ids {
    if b.is_empty() {
        return Ids::Incomplete;
    }
    if depth_left == 0 || *code_points >= IDS_MAX_CODE_POINTS {
        return Ids::Invalid;
    }
    let (cp, len) = decode_at(b, 0);
    *code_points += 1;
    let arity = ids_arity(cp);
    let mut offset = len;
    for _ in 0..arity {
        if offset >= b.len() {
            return Ids::Incomplete;
        }
        match parse_ids(&b[offset..], depth_left - 1, code_points) {
            Ids::Complete(n) => offset += n,
            other => return other,
        }
    }
    Ids::Complete(offset)
}

/// Byte length of a complete IDS at the start of `b`, or 0 when `b` does not
/// start with one (not an operator, malformed, too deep, or cut short).
pub(crate) fn ids_len(b: &[u8]) -> usize {
    if b.is_empty() || ids_arity(decode_at(b, 0).0) == 0 {
        return 0;
    }
    let mut count = 0;
    match parse_ids(b, IDS_MAX_DEPTH, &mut count) {
        Ids::Complete(n) => n,
        _ => 0,
    }
}

/// Length of the unmatched unit at `i`: a whole IDS if one starts there, else one character.
#[inline(always)]
fn unmatched_len(b: &[u8], i: usize, end: usize) -> usize {
    let lead = b[i];
    if lead == 0xE2 {
        let n = ids_len(&b[i..end]);
        if n > 0 {
            return n;
        }
    }
    char_len(lead)
}

/// One conversion: appends `m`'s conversion of `s` to `out`.
pub(crate) fn convert_with(m: &Matcher, s: &str, out: &mut String) {
    let b = s.as_bytes();
    let end = b.len();
    let mut i = 0;
    let mut copied = 0;
    while i < end {
        let lead = b[i];
        if !m.may_start(lead) {
            i += char_len(lead);
            continue;
        }
        if let Some((keylen, value)) = m.longest(b, i, end) {
            out.push_str(&s[copied..i]);
            out.push_str(value);
            i += keylen;
            copied = i;
        } else {
            i += unmatched_len(b, i, end);
        }
    }
    out.push_str(&s[copied..]);
}

/// Like [`convert_with`], but returns `None` without allocating when no key
/// matches anywhere, which is the common case for normalisation stages.
pub(crate) fn convert_if_changed(m: &Matcher, s: &str) -> Option<String> {
    let b = s.as_bytes();
    let end = b.len();
    let mut i = 0;
    while i < end {
        let lead = b[i];
        if m.may_start(lead) {
            if m.longest(b, i, end).is_some() {
                let mut out = String::with_capacity(s.len() + 16);
                out.push_str(&s[..i]);
                convert_with(m, &s[i..], &mut out);
                return Some(out);
            }
            i += unmatched_len(b, i, end);
        } else {
            i += char_len(lead);
        }
    }
    None
}

/// Maximum forward matching: the end offsets of the segments of `s`.
/// Matched keys form their own segments; unmatched stretches are merged.
pub(crate) fn segment(m: &Matcher, s: &str, ends: &mut Vec<usize>) {
    let b = s.as_bytes();
    let end = b.len();
    let mut i = 0;
    let mut seg_start = 0;
    while i < end {
        let lead = b[i];
        if !m.may_start(lead) {
            i += char_len(lead);
            continue;
        }
        if let Some((keylen, _)) = m.longest(b, i, end) {
            if i > seg_start {
                ends.push(i);
            }
            i += keylen;
            ends.push(i);
            seg_start = i;
        } else {
            i += unmatched_len(b, i, end);
        }
    }
    if end > seg_start {
        ends.push(end);
    }
}

/// A configuration's stages, resolved to matchers.
pub(crate) struct Plan {
    pub normalization: Vec<Matcher>,
    pub segmentation: Option<Matcher>,
    pub chain: Vec<Matcher>,
}

/// Scratch buffers reused across calls.
#[derive(Default)]
pub(crate) struct Scratch {
    a: String,
    b: String,
    ends: Vec<usize>,
}

impl Plan {
    /// Runs the conversion chain on one segment, appending to `out`.
    fn chain_segment(&self, seg: &str, out: &mut String, a: &mut String, b: &mut String) {
        match self.chain.len() {
            0 => out.push_str(seg),
            1 => convert_with(&self.chain[0], seg, out),
            n => {
                a.clear();
                convert_with(&self.chain[0], seg, a);
                for m in &self.chain[1..n - 1] {
                    b.clear();
                    convert_with(m, a, b);
                    std::mem::swap(a, b);
                }
                convert_with(&self.chain[n - 1], a, out);
            }
        }
    }

    fn main_stage(&self, text: &str, out: &mut String, scratch: &mut Scratch) {
        let Scratch { a, b, ends } = scratch;
        match &self.segmentation {
            None => self.chain_segment(text, out, a, b),
            Some(seg) => {
                ends.clear();
                segment(seg, text, ends);
                let mut start = 0;
                for &e in ends.iter() {
                    self.chain_segment(&text[start..e], out, a, b);
                    start = e;
                }
            }
        }
    }

    /// Converts `text` through every stage, appending to `out`.
    pub(crate) fn run(&self, text: &str, out: &mut String, scratch: &mut Scratch) {
        if self.normalization.is_empty() {
            self.main_stage(text, out, scratch);
            return;
        }
        let mut cur = Cow::Borrowed(text);
        for m in &self.normalization {
            if let Some(changed) = convert_if_changed(m, &cur) {
                cur = Cow::Owned(changed);
            }
        }
        self.main_stage(&cur, out, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_lengths_follow_the_grammar() {
        // ⿰ takes two operands, ⿲ three; nesting counts whole sub-sequences.
        assert_eq!(ids_len("⿰钅只只".as_bytes()), "⿰钅只".len());
        assert_eq!(ids_len("⿱艹⿰钅只干".as_bytes()), "⿱艹⿰钅只".len());
        assert_eq!(ids_len("⿲a".as_bytes()), 0, "incomplete");
        assert_eq!(ids_len("只".as_bytes()), 0, "not an operator");
        // 17 nested operators exceed the depth limit.
        let deep = "⿰".repeat(17) + &"x".repeat(18);
        assert_eq!(ids_len(deep.as_bytes()), 0);
        let ok = "⿰".repeat(15) + &"x".repeat(16);
        assert_eq!(ids_len(ok.as_bytes()), ok.len());
    }
}
