//! The matchers compiled by `build.rs`, read in place from the embedded blob.

/// Where one matcher's arrays sit in the blob, as (offset, length) pairs:
/// word offsets for `u32` arrays, a byte offset for `pool`.
pub(crate) struct MatcherLayout {
    /// The dictionary tree this matcher implements, for diagnostics.
    pub describe: &'static str,
    /// (lead, lowest second byte, highest second byte) groups of the keys'
    /// first characters when there are few (see [`super::scan`]); empty
    /// otherwise.
    pub pairs: &'static [(u8, u8, u8)],
    pub root_hi: (usize, usize),
    pub root_pages: (usize, usize),
    pub root_filters: (usize, usize),
    pub child_start: (usize, usize),
    pub child_char: (usize, usize),
    pub child_node: (usize, usize),
    pub edge_hash: (usize, usize),
    pub node_keylen: (usize, usize),
    pub node_value: (usize, usize),
    pub value_offsets: (usize, usize),
    pub lead: (usize, usize),
    pub start_bmp: (usize, usize),
    pub pool: (usize, usize),
}

/// One OpenCC configuration as indices into [`MATCHERS`].
pub(crate) struct ConfigLayout {
    pub name: &'static str,
    pub normalization: &'static [usize],
    pub segmentation: Option<usize>,
    pub chain: &'static [usize],
    /// Bitmap over the BMP of characters used in any key of any stage.
    pub key_char_bmp: (usize, usize),
    /// Sorted astral characters used in any key of any stage.
    pub key_char_astral: (usize, usize),
    /// Whether the first conversion's tree begins with the segmentation tree.
    pub seg_heads_chain: bool,
    /// The first conversion's tree without its leading segmentation tree,
    /// for stretches segmentation left unmatched (see build/opencc.rs).
    pub run_head: Option<usize>,
    /// How many code points before a cut must be free of ideographic
    /// description operators for the cut to be safe in every stage.
    pub ids_window: u64,
}

include!(concat!(env!("OUT_DIR"), "/tables.rs"));

#[repr(C, align(4))]
struct Aligned<T: ?Sized>(T);

static BLOB: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/tables.bin")));

fn words(off: usize, len: usize) -> &'static [u32] {
    let bytes = &BLOB.0;
    assert!((off + len) * 4 <= bytes.len());
    // SAFETY: the blob is 4-byte aligned by `Aligned`, the range was checked
    // above, and every bit pattern is a valid u32. build.rs wrote the words
    // in this target's byte order.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<u32>().add(off), len) }
}

fn bytes(off: usize, len: usize) -> &'static [u8] {
    &BLOB.0[off..off + len]
}

const NONE: u32 = u32::MAX;

/// Bits of a root slot's tag word that hold the node.
pub(crate) const NODE_MASK: u32 = (1 << 27) - 1;
/// Root slot kind: a single-character key whose replacement is inline.
pub(crate) const KIND_INLINE: u32 = 1;

/// Bit of a root slot's follow filter for the character `cp` (must agree
/// with build/matcher.rs).
#[inline(always)]
pub(crate) fn follow_bit(cp: u32) -> u32 {
    cp.wrapping_mul(0x9E37_79B1) >> 27
}

/// A longest-prefix matcher over one dictionary tree.
#[derive(Clone)]
pub(crate) struct Matcher {
    root_hi: &'static [u32],
    root_pages: &'static [u32],
    root_filters: &'static [u32],
    child_start: &'static [u32],
    child_char: &'static [u32],
    child_node: &'static [u32],
    edge_hash: &'static [u32],
    edge_bits: u32,
    node_keylen: &'static [u32],
    node_value: &'static [u32],
    value_offsets: &'static [u32],
    lead: [u32; 8],
    /// The (lead, second byte range) pairs that begin keys, when the keys'
    /// first characters are all multi-byte and fall in at most three such
    /// groups.
    pairs: Option<Vec<super::scan::PairRange>>,
    start_bmp: &'static [u32],
    pool: &'static str,
    pub describe: &'static str,
}

/// Decodes the character starting at `i` in valid UTF-8, returning it and its length.
#[inline(always)]
pub(crate) fn decode_at(b: &[u8], i: usize) -> (u32, usize) {
    let b0 = b[i] as u32;
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2)
    } else if b0 < 0xF0 {
        (
            ((b0 & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F),
            3,
        )
    } else {
        (
            ((b0 & 0x07) << 18)
                | ((b[i + 1] as u32 & 0x3F) << 12)
                | ((b[i + 2] as u32 & 0x3F) << 6)
                | (b[i + 3] as u32 & 0x3F),
            4,
        )
    }
}

/// Length of a UTF-8 sequence from its lead byte (valid UTF-8 only).
#[inline(always)]
pub(crate) fn char_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

impl Matcher {
    pub(crate) fn get(index: usize) -> Matcher {
        let l = &MATCHERS[index];
        let lead_words = words(l.lead.0, l.lead.1);
        let mut lead = [0u32; 8];
        lead.copy_from_slice(lead_words);
        let pairs = (!l.pairs.is_empty()).then(|| {
            l.pairs
                .iter()
                .map(|&(lead, lo, hi)| super::scan::PairRange { lead, lo, hi })
                .collect()
        });
        // The unchecked reads in `root_tag` rely on these.
        let root_hi = words(l.root_hi.0, l.root_hi.1);
        let root_pages = words(l.root_pages.0, l.root_pages.1);
        assert_eq!(root_hi.len(), 256);
        assert!(root_hi
            .iter()
            .all(|&p| (p as usize + 1) * 512 <= root_pages.len()));
        assert_eq!(
            words(l.root_filters.0, l.root_filters.1).len() * 2,
            root_pages.len()
        );
        // SAFETY: build.rs wrote the pool from Rust strings (the values of
        // dictionaries read with `read_to_string`); validating up to a
        // megabyte here would dominate start-up. The test
        // `value_pools_are_utf8` checks every pool.
        let pool = unsafe { std::str::from_utf8_unchecked(bytes(l.pool.0, l.pool.1)) };
        Matcher {
            root_hi: words(l.root_hi.0, l.root_hi.1),
            root_pages: words(l.root_pages.0, l.root_pages.1),
            root_filters: words(l.root_filters.0, l.root_filters.1),
            child_start: words(l.child_start.0, l.child_start.1),
            child_char: words(l.child_char.0, l.child_char.1),
            child_node: words(l.child_node.0, l.child_node.1),
            edge_hash: words(l.edge_hash.0, l.edge_hash.1),
            edge_bits: (l.edge_hash.1 / 3).trailing_zeros(),
            node_keylen: words(l.node_keylen.0, l.node_keylen.1),
            node_value: words(l.node_value.0, l.node_value.1),
            value_offsets: words(l.value_offsets.0, l.value_offsets.1),
            lead,
            pairs,
            start_bmp: words(l.start_bmp.0, l.start_bmp.1),
            pool,
            describe: l.describe,
        }
    }

    /// Whether a character with this UTF-8 lead byte can start a key (or an
    /// ideographic description sequence, which needs a closer look too).
    #[inline(always)]
    pub(crate) fn may_start(&self, lead: u8) -> bool {
        self.lead[(lead >> 5) as usize] & (1 << (lead & 31)) != 0
    }

    /// The byte pairs that begin every key, if few (see [`super::scan`]).
    pub(crate) fn pairs(&self) -> Option<&[super::scan::PairRange]> {
        self.pairs.as_deref()
    }

    /// Whether the BMP character `cp` can start a key or an IDS.
    #[inline(always)]
    pub(crate) fn starts_bmp(&self, cp: u32) -> bool {
        debug_assert!(cp < 0x10000);
        // SAFETY: the bitmap has 0x10000 / 32 words and cp < 0x10000.
        let w = unsafe { *self.start_bmp.get_unchecked((cp >> 5) as usize) };
        w & (1 << (cp & 31)) != 0
    }

    /// The child of `node` along `cp`, or 0. Small fan-outs are scanned;
    /// large ones are found in the edge hash table.
    #[inline(always)]
    fn child(&self, node: u32, cp: u32) -> u32 {
        let lo = self.child_start[node as usize] as usize;
        let hi = self.child_start[node as usize + 1] as usize;
        if hi - lo <= 4 {
            let chars = &self.child_char[lo..hi];
            return chars
                .iter()
                .position(|&c| c == cp)
                .map_or(0, |p| self.child_node[lo + p]);
        }
        let key = ((node as u64) << 21) | cp as u64;
        let mask = (1usize << self.edge_bits) - 1;
        let mut at = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.edge_bits)) as usize;
        loop {
            let k0 = self.edge_hash[at * 3];
            let k1 = self.edge_hash[at * 3 + 1];
            if k0 == key as u32 && k1 == (key >> 32) as u32 {
                return self.edge_hash[at * 3 + 2];
            }
            if k0 == NONE && k1 == NONE {
                return 0;
            }
            at = (at + 1) & mask;
        }
    }

    /// The root-table slot of a BMP character: `(tag word, inline bytes,
    /// follow filter)`. See build/matcher.rs for the layout; zeros when no key
    /// starts with it.
    #[inline(always)]
    pub(crate) fn root_slot(&self, cp: u32) -> (u32, u32, u32) {
        let (tag, inline) = self.root_tag(cp);
        (tag, inline, self.root_filter(cp))
    }

    /// The tag word and inline bytes of a BMP character's slot.
    #[inline(always)]
    pub(crate) fn root_tag(&self, cp: u32) -> (u32, u32) {
        debug_assert!(cp < 0x10000);
        // SAFETY: `root_hi` has 256 entries and `cp >> 8 < 256` for a BMP
        // character; every entry names a page inside `root_pages`, which
        // `Matcher::get` checked.
        unsafe {
            let page = *self.root_hi.get_unchecked((cp >> 8) as usize);
            let at = (page as usize * 256 + (cp & 0xFF) as usize) * 2;
            (
                *self.root_pages.get_unchecked(at),
                *self.root_pages.get_unchecked(at + 1),
            )
        }
    }

    /// The follow filter of a BMP character's slot (0 without a page).
    #[inline(always)]
    pub(crate) fn root_filter(&self, cp: u32) -> u32 {
        debug_assert!(cp < 0x10000);
        // SAFETY: as in `root_tag`; `root_filters` has one word for each
        // slot of `root_pages` (checked in `Matcher::get`).
        unsafe {
            let page = *self.root_hi.get_unchecked((cp >> 8) as usize);
            *self
                .root_filters
                .get_unchecked(page as usize * 256 + (cp & 0xFF) as usize)
        }
    }

    #[inline(always)]
    fn root_child(&self, cp: u32) -> u32 {
        if cp < 0x10000 {
            self.root_slot(cp).0 & NODE_MASK
        } else {
            self.child(0, cp)
        }
    }

    /// What a lookup answers when its walk ends at `node`: the resolved key
    /// length in bytes and value, if any key on the path applies.
    #[inline(always)]
    pub(crate) fn answer_at(&self, node: u32) -> Option<(usize, &'static str)> {
        let v = self.node_value[node as usize];
        if v == NONE {
            return None;
        }
        let keylen = self.node_keylen[node as usize] as usize;
        let s = self.value_offsets[v as usize] as usize;
        let e = self.value_offsets[v as usize + 1] as usize;
        Some((keylen, &self.pool[s..e]))
    }

    /// The match OpenCC's prefix lookup gives at byte `i` of `b[..end]`: the
    /// key's length in bytes and the value, if any key matches.
    #[inline(always)]
    pub(crate) fn longest(&self, b: &[u8], i: usize, end: usize) -> Option<(usize, &'static str)> {
        let (cp, len) = decode_at(b, i);
        let mut node = self.root_child(cp);
        if node == 0 {
            return None;
        }
        let mut pos = i + len;
        while pos < end && self.child_start[node as usize] != self.child_start[node as usize + 1] {
            let (cp, len) = decode_at(b, pos);
            let next = self.child(node, cp);
            if next == 0 {
                break;
            }
            node = next;
            pos += len;
        }
        self.answer_at(node)
    }
}

/// The configuration tables for `name`, if it is a built-in OpenCC config.
pub(crate) fn config(name: &str) -> Option<&'static ConfigLayout> {
    CONFIG_LAYOUTS.iter().find(|c| c.name == name)
}

/// Whether `cp` occurs in a key of any stage of `cfg`.
pub(crate) fn is_key_char(cfg: &ConfigLayout, cp: u32) -> bool {
    if cp < 0x10000 {
        let bmp = words(cfg.key_char_bmp.0, cfg.key_char_bmp.1);
        bmp[(cp >> 5) as usize] & (1 << (cp & 31)) != 0
    } else {
        words(cfg.key_char_astral.0, cfg.key_char_astral.1)
            .binary_search(&cp)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_pools_are_utf8() {
        for l in &MATCHERS {
            assert!(
                std::str::from_utf8(bytes(l.pool.0, l.pool.1)).is_ok(),
                "{}",
                l.describe
            );
        }
    }

    #[test]
    fn every_root_page_index_is_in_range() {
        for i in 0..MATCHERS.len() {
            // Matcher::get asserts the page bounds the unchecked reads rely on.
            let _ = Matcher::get(i);
        }
    }
}
