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

use super::tables::{char_len, decode_at, follow_bit, Matcher, KIND_INLINE, NODE_MASK};

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

/// Output buffer with cheap appends of short replacements.
///
/// Only whole UTF-8 sequences are ever appended -- slices of valid input cut
/// at character boundaries, dictionary values, and inline replacements that
/// build.rs copied from dictionary values -- so the `String` it writes into
/// stays valid.
struct Out<'a> {
    v: &'a mut Vec<u8>,
    // The vector's pointer, length and capacity, kept in locals while the
    // hot loops run (writing the length back through `v` at every
    // character would cost a store and a load each time); `len` is written
    // back on reallocation and on drop.
    ptr: *mut u8,
    len: usize,
    cap: usize,
}

impl<'a> Out<'a> {
    fn new(s: &'a mut String, expect: usize) -> Self {
        // SAFETY: see the type's documentation.
        let v = unsafe { s.as_mut_vec() };
        v.reserve(expect);
        let (ptr, len, cap) = (v.as_mut_ptr(), v.len(), v.capacity());
        Out { v, ptr, len, cap }
    }

    /// Makes room for at least `extra` more bytes.
    #[cold]
    fn grow(&mut self, extra: usize) {
        // SAFETY: the first `len` bytes were initialised by the writes below.
        unsafe { self.v.set_len(self.len) };
        self.v.reserve(extra.max(4096).max(self.len / 2));
        self.ptr = self.v.as_mut_ptr();
        self.cap = self.v.capacity();
    }

    /// Appends the first `len` (at most 4) bytes of `word` in memory order.
    #[inline(always)]
    fn small(&mut self, word: u32, len: usize) {
        if self.cap - self.len < 4 {
            self.grow(4);
        }
        // SAFETY: at least 4 bytes of spare capacity were ensured above;
        // only `len` of them count as written.
        unsafe { self.ptr.add(self.len).cast::<u32>().write_unaligned(word) };
        self.len += len;
    }

    #[inline(always)]
    fn bytes(&mut self, b: &[u8]) {
        if self.cap - self.len < b.len() {
            self.grow(b.len());
        }
        // SAFETY: room for `b.len()` bytes was ensured above; `b` cannot
        // overlap the vector's spare capacity.
        unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), self.ptr.add(self.len), b.len()) };
        self.len += b.len();
    }

    /// Appends `b[from..to]`; short runs are copied as one 16-byte block
    /// when both sides have room, which beats a call to memcpy.
    #[inline(always)]
    fn run(&mut self, b: &[u8], from: usize, to: usize) {
        let n = to - from;
        if n <= 16 && from + 16 <= b.len() && self.cap - self.len >= 16 {
            // SAFETY: 16 bytes are readable at `from` and writable at `len`
            // (checked above); only `n` of them count as written.
            unsafe {
                let block = b.as_ptr().add(from).cast::<[u8; 16]>().read_unaligned();
                self.ptr
                    .add(self.len)
                    .cast::<[u8; 16]>()
                    .write_unaligned(block);
            }
            self.len += n;
        } else {
            self.bytes(&b[from..to]);
        }
    }
}

impl Drop for Out<'_> {
    fn drop(&mut self) {
        // SAFETY: every byte up to `len` was written by the methods above,
        // and only whole UTF-8 sequences were written.
        unsafe { self.v.set_len(self.len) };
    }
}

/// The code point of the three-byte sequence whose lead byte is at `p + i`.
///
/// # Safety
/// `p + i` must start a three-byte sequence of valid UTF-8 inside its
/// allocation (so `p + i + 2` is readable).
#[inline(always)]
unsafe fn cp3_at(p: *const u8, i: usize) -> u32 {
    ((*p.add(i) as u32 & 0x0F) << 12)
        | ((*p.add(i + 1) as u32 & 0x3F) << 6)
        | (*p.add(i + 2) as u32 & 0x3F)
}

/// Advances from `i` over characters that cannot start a key of `m` nor an
/// IDS, returning the first position that might (or `end`). `b` must be
/// valid UTF-8 and `i` a character boundary.
#[inline(always)]
fn skip(m: &Matcher, b: &[u8], mut i: usize, end: usize) -> usize {
    debug_assert!(end <= b.len());
    let p = b.as_ptr();
    while i < end {
        // SAFETY: `i < end <= b.len()`, and in valid UTF-8 a lead byte in
        // E0..EF is followed by two continuation bytes within the slice
        // (`end` is always a character boundary).
        let lead = unsafe { *p.add(i) };
        if (0xE0..0xF0).contains(&lead) {
            let cp = unsafe { cp3_at(p, i) };
            if m.starts_bmp(cp) {
                return i;
            }
            i += 3;
        } else if lead < 0x80 {
            if m.may_start(lead) {
                return i;
            }
            i += 1;
        } else {
            if m.may_start(lead) {
                return i;
            }
            i += char_len(lead);
        }
    }
    end
}

/// One conversion: appends `m`'s conversion of `s` to `out`.
///
/// Works through the text in blocks, each with the loop that suits the
/// previous block: a dense one when many characters are replaced (typical
/// Traditional input under t2s), a sparse one that copies untouched runs in
/// bulk when few are (text already in the target script). Both follow the
/// same left-to-right matching, so the output does not depend on the choice.
pub(crate) fn convert_with(m: &Matcher, s: &str, out: &mut String) {
    const BLOCK: usize = 4096;
    let b = s.as_bytes();
    let end = b.len();
    let mut out = Out::new(out, end + end / 4);
    let mut i = 0;
    let mut dense = false;
    while i < end {
        let limit = (i + BLOCK).min(end);
        let start = i;
        let (next, hits) = if dense {
            dense_part(m, b, &mut out, i, limit, end)
        } else {
            sparse_part(m, b, &mut out, i, limit, end)
        };
        i = next;
        // About one replacement per 12 bytes (four CJK characters) is
        // where the dense loop starts to pay. Once in it, stay while there
        // is one per 24: Traditional text hovers around the first mark
        // (t2s replaces about one character in four, and ASCII digits and
        // line ends thin that out), and dropping to the sparse loop on
        // every slightly thinner block cost 3-5% of a whole t2s run on
        // the laws text. Entering at one per 24 as well would slow t2jp,
        // whose replacements are sparser, by about 3%.
        let per = if dense { 24 } else { 12 };
        dense = hits * per > i - start;
    }
}

/// One conversion writing every character through the root table: no
/// data-dependent branch decides between copying and replacing, since an
/// unconverted character's slot holds the character itself.
///
/// Converts from `i` until at least `limit` (a key may run past it; lookups
/// still see up to `end`). Returns the new position and how many
/// characters were replaced.
fn dense_part(
    m: &Matcher,
    b: &[u8],
    out: &mut Out<'_>,
    mut i: usize,
    limit: usize,
    end: usize,
) -> (usize, usize) {
    let p = b.as_ptr();
    let mut hits = 0;
    while i < limit {
        // SAFETY: `i < limit <= end == b.len()`; in valid UTF-8 a lead byte in
        // E0..EF is followed by two continuation bytes inside the string.
        let lead = unsafe { *p.add(i) };
        if (0xE0..0xF0).contains(&lead) {
            let (b1, b2) = unsafe { (*p.add(i + 1), *p.add(i + 2)) };
            let cp = ((lead as u32 & 0x0F) << 12) | ((b1 as u32 & 0x3F) << 6) | (b2 as u32 & 0x3F);
            let (tag, inline) = m.root_tag(cp);
            if tag & (2 << 27) == 0 {
                // Kind 0 copies the character, kind 1 writes its inline
                // replacement. The choice is made with masks, not a
                // branch: on Traditional text the two alternate at random
                // and a branch would be mispredicted about half the time.
                let src = u32::from_ne_bytes([lead, b1, b2, 0]);
                let replace = (tag >> 27) & 1;
                let mask = replace.wrapping_neg();
                let word = (inline & mask) | (src & !mask);
                let len = ((tag >> 29) & mask) | (3 & !mask);
                out.small(word, len as usize);
                hits += replace as usize;
                i += 3;
                continue;
            }
            let node = tag & NODE_MASK;
            if node != 0 {
                let filter = m.root_filter(cp);
                if i + 3 >= end || filter & (1 << follow_bit(decode_at(b, i + 3).0)) == 0 {
                    match tag >> 29 {
                        0 => out.small(u32::from_ne_bytes([lead, b1, b2, 0]), 3),
                        7 => match m.answer_at(node) {
                            Some((_, value)) => out.bytes(value.as_bytes()),
                            None => out.small(u32::from_ne_bytes([lead, b1, b2, 0]), 3),
                        },
                        len => out.small(inline, len as usize),
                    }
                    i += 3;
                    continue;
                }
            }
        } else if !m.may_start(lead) {
            if lead < 0x80 {
                out.small(lead as u32, 1);
                i += 1;
            } else {
                let n = char_len(lead);
                out.bytes(&b[i..i + n]);
                i += n;
            }
            continue;
        }
        if let Some((keylen, value)) = m.longest(b, i, end) {
            out.bytes(value.as_bytes());
            i += keylen;
            hits += 1;
        } else {
            let n = unmatched_len(b, i, end);
            out.bytes(&b[i..i + n]);
            i += n;
        }
    }
    (i, hits)
}

/// The other way to convert, for text where replacements are rare:
/// characters that start no key accumulate into a run that is copied in
/// bulk when something has to be replaced. Same contract as [`dense_part`].
fn sparse_part(
    m: &Matcher,
    b: &[u8],
    out: &mut Out<'_>,
    mut i: usize,
    limit: usize,
    end: usize,
) -> (usize, usize) {
    let p = b.as_ptr();
    let mut run = i;
    let mut hits = 0;
    while i < limit {
        // SAFETY: `i < limit <= end == b.len()`; in valid UTF-8 a lead byte in E0..EF
        // is followed by two continuation bytes inside the string.
        let lead = unsafe { *p.add(i) };
        if (0xE0..0xF0).contains(&lead) {
            let cp = unsafe { cp3_at(p, i) };
            if !m.starts_bmp(cp) {
                i += 3;
                continue;
            }
            let (tag, inline, filter) = m.root_slot(cp);
            if (tag >> 27) & 3 == KIND_INLINE {
                out.run(b, run, i);
                out.small(inline, (tag >> 29) as usize);
                i += 3;
                run = i;
                hits += 1;
                continue;
            }
            // A longer key may start here; if the next character passes no
            // filter bit, none does and the one-character answer stands.
            let node = tag & NODE_MASK;
            if node != 0 && (i + 3 >= end || filter & (1 << follow_bit(decode_at(b, i + 3).0)) == 0)
            {
                match tag >> 29 {
                    0 => {}
                    7 => {
                        if let Some((_, value)) = m.answer_at(node) {
                            out.run(b, run, i);
                            out.bytes(value.as_bytes());
                            run = i + 3;
                        }
                    }
                    len => {
                        out.run(b, run, i);
                        out.small(inline, len as usize);
                        run = i + 3;
                        hits += 1;
                    }
                }
                i += 3;
                continue;
            }
        } else if !m.may_start(lead) {
            i += char_len(lead);
            continue;
        }
        if let Some((keylen, value)) = m.longest(b, i, end) {
            out.run(b, run, i);
            out.bytes(value.as_bytes());
            i += keylen;
            run = i;
            hits += 1;
        } else {
            i += unmatched_len(b, i, end);
        }
    }
    out.run(b, run, i);
    (i, hits)
}

/// The prefix match of `m` at `i`, using the root table's inline answer for
/// single-character keys: `(key length, value)`.
#[inline(always)]
fn match_at<'m>(
    m: &'m Matcher,
    b: &[u8],
    i: usize,
    end: usize,
    inline_buf: &'m mut [u8; 4],
) -> Option<(usize, &'m [u8])> {
    let lead = b[i];
    if !m.may_start(lead) {
        return None;
    }
    if (0xE0..0xF0).contains(&lead) {
        assert!(i + 2 < b.len());
        // SAFETY: a three-byte lead in valid UTF-8, and the bound just checked.
        let cp = unsafe { cp3_at(b.as_ptr(), i) };
        let (tag, inline) = m.root_tag(cp);
        match (tag >> 27) & 3 {
            0 => return None,
            KIND_INLINE => {
                *inline_buf = inline.to_ne_bytes();
                return Some((3, &inline_buf[..(tag >> 29) as usize]));
            }
            _ => {}
        }
    }
    m.longest(b, i, end).map(|(k, v)| (k, v.as_bytes()))
}

/// Like [`convert_with`], but returns `None` without allocating when no key
/// matches anywhere, which is the common case for normalisation stages.
pub(crate) fn convert_if_changed(m: &Matcher, s: &str) -> Option<String> {
    let b = s.as_bytes();
    let end = b.len();
    let changed = |i: usize| {
        let mut out = String::with_capacity(s.len() + 16);
        out.push_str(&s[..i]);
        convert_with(m, &s[i..], &mut out);
        Some(out)
    };
    if let Some(pairs) = m.pairs() {
        // Keys begin with only a few byte pairs (as CJK compatibility
        // ideographs do): a vectorised scan finds the candidates. If no key
        // matches at any candidate, the stage changes nothing; if one does,
        // convert everything, since a candidate inside an IDS must be left
        // alone and only the full scan knows.
        let found = super::scan::any_pair(b, pairs, |i| m.longest(b, i, end).is_some());
        return if found { changed(0) } else { None };
    }
    let mut i = 0;
    loop {
        i = skip(m, b, i, end);
        if i >= end {
            return None;
        }
        if m.longest(b, i, end).is_some() {
            return changed(i);
        }
        i += unmatched_len(b, i, end);
    }
}

/// A configuration's stages, resolved to matchers.
pub(crate) struct Plan {
    pub normalization: Vec<Matcher>,
    pub segmentation: Option<Matcher>,
    pub chain: Vec<Matcher>,
    /// The first conversion's dictionary tree starts with the segmentation's
    /// own tree, so a segment that is a segmentation key converts in that
    /// first step to the key's segmentation value (see `seg_heads_chain` in
    /// build.rs).
    pub seg_heads_chain: bool,
    /// The first conversion for stretches that segmentation left
    /// unmatched, when it can be narrowed (see `run_head` in build/opencc.rs).
    pub run_head: Option<Matcher>,
}

/// Scratch buffers reused across calls.
#[derive(Default)]
pub(crate) struct Scratch {
    a: String,
    b: String,
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

    /// Runs the chain on a stretch that segmentation left unmatched.
    fn chain_run(&self, run: &str, out: &mut String, a: &mut String, b: &mut String) {
        let Some(head) = &self.run_head else {
            return self.chain_segment(run, out, a, b);
        };
        if self.chain.len() == 1 {
            convert_with(head, run, out);
        } else {
            let mut first = std::mem::take(a);
            first.clear();
            convert_with(head, run, &mut first);
            self.chain_rest(&first, out, a, b);
            *a = first;
        }
    }

    /// Runs the chain after its first step, whose output is `first`.
    fn chain_rest(&self, first: &str, out: &mut String, a: &mut String, b: &mut String) {
        let rest = &self.chain[1..];
        match rest.len() {
            0 => out.push_str(first),
            1 => convert_with(&rest[0], first, out),
            n => {
                a.clear();
                convert_with(&rest[0], first, a);
                for m in &rest[1..n - 1] {
                    b.clear();
                    convert_with(m, a, b);
                    std::mem::swap(a, b);
                }
                convert_with(&rest[n - 1], a, out);
            }
        }
    }

    fn main_stage(&self, text: &str, out: &mut String, scratch: &mut Scratch) {
        let Scratch { a, b } = scratch;
        let Some(seg) = &self.segmentation else {
            self.chain_segment(text, out, a, b);
            return;
        };
        // Maximum forward matching: a matched key is a segment of its own;
        // unmatched characters (and whole IDS) gather into one segment.
        let bytes = text.as_bytes();
        let end = bytes.len();
        let mut first = String::new();
        let mut i = 0;
        let mut run_start = 0;
        let mut inline_buf = [0u8; 4];
        while i < end {
            i = skip(seg, bytes, i, end);
            if i >= end {
                break;
            }
            match match_at(seg, bytes, i, end, &mut inline_buf) {
                Some((keylen, value)) => {
                    if i > run_start {
                        self.chain_run(&text[run_start..i], out, a, b);
                    }
                    if self.seg_heads_chain {
                        // Values are whole dictionary strings, so this check
                        // of a few bytes never fails.
                        let value = std::str::from_utf8(value).expect("dictionary value is UTF-8");
                        if self.chain.len() == 1 {
                            out.push_str(value);
                        } else {
                            first.clear();
                            first.push_str(value);
                            self.chain_rest(&first, out, a, b);
                        }
                    } else {
                        self.chain_segment(&text[i..i + keylen], out, a, b);
                    }
                    i += keylen;
                    run_start = i;
                }
                None => i += unmatched_len(bytes, i, end),
            }
        }
        if end > run_start {
            self.chain_run(&text[run_start..], out, a, b);
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

    /// Converts all of `s` with one loop only.
    fn one_loop(m: &Matcher, s: &str, dense: bool) -> String {
        let mut text = String::new();
        let b = s.as_bytes();
        let end = b.len();
        let mut out = Out::new(&mut text, end);
        let mut i = 0;
        while i < end {
            i = if dense {
                dense_part(m, b, &mut out, i, end, end).0
            } else {
                sparse_part(m, b, &mut out, i, end, end).0
            };
        }
        drop(out);
        text
    }

    #[test]
    fn the_loop_chosen_per_block_does_not_change_output() {
        let layout = crate::convert::tables::config("t2s").unwrap();
        let m = Matcher::get(layout.chain[0]);
        // Stretches of every density the block choice reacts to: dense
        // Traditional text, text with one replacement in 15 to 60 bytes
        // (around both marks), and already Simplified or Latin text, in
        // lengths that put block ends inside phrases (乾隆, 頭髮).
        let dense = "乾隆年間，頭髮與鐘錶的變化，臺灣體制。";
        let thin = |every: usize| {
            let mut t = String::new();
            for k in 0..400 {
                t.push_str(if k % every == 0 { "體" } else { "中文" });
                if k % 7 == 0 {
                    t.push_str("ab 12\n");
                }
            }
            t
        };
        let mut text = String::new();
        for round in 0..6 {
            text.push_str(&dense.repeat(60 + round * 13));
            text.push_str(&thin(3 + round));
            text.push_str(&"简体文字 plain text ".repeat(150 + round * 29));
            text.push_str(&thin(8 + round * 2));
            text.push_str("⿰豈錢乾隆");
        }
        let mut mixed = String::new();
        convert_with(&m, &text, &mut mixed);
        let all_dense = one_loop(&m, &text, true);
        assert_eq!(mixed, all_dense);
        assert_eq!(mixed, one_loop(&m, &text, false));
        assert!(mixed.contains("乾隆") && mixed.contains("头发") && mixed.contains("⿰豈錢"));
    }

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
