//! Compiles one dictionary tree into the tables a run-time matcher reads
//! (`src/convert/tables.rs` documents how they are read).
//!
//! The keys of all the tree's leaves go into one character trie
//! (`dict::Trie`), `policy::plan` decides once per node what a lookup
//! ending there answers, and the result is laid out as flat `u32` arrays:
//! the trie as compressed sparse rows plus a hash table of edges, per-node
//! answers, a value pool, and a two-level table for the root's children.

use std::collections::{BTreeSet, HashMap};

use crate::dict::Trie;
use crate::policy::{self, Tree};

const NONE: u32 = u32::MAX;

/// The words of `tables.bin`, written by every matcher and configuration in
/// turn.
#[derive(Default)]
pub struct Blob {
    pub words: Vec<u32>,
}

impl Blob {
    /// Appends words; returns their (word offset, length).
    pub fn push_slice(&mut self, s: &[u32]) -> (usize, usize) {
        let off = self.words.len();
        self.words.extend_from_slice(s);
        (off, s.len())
    }
    /// Appends bytes padded to whole words; returns (byte offset, length).
    fn push_bytes(&mut self, b: &[u8]) -> (usize, usize) {
        let off = self.words.len() * 4;
        let mut padded = b.to_vec();
        while !padded.len().is_multiple_of(4) {
            padded.push(0);
        }
        for c in padded.chunks(4) {
            self.words
                .push(u32::from_ne_bytes([c[0], c[1], c[2], c[3]]));
        }
        (off, b.len())
    }
}

/// One compiled matcher: where its arrays went in the blob, and what the
/// configuration tables need to know about its keys.
pub struct BuiltMatcher {
    pub describe: String,
    /// (lead byte, lowest second byte, highest second byte) groups of the
    /// keys' first characters, when there are at most three groups and no
    /// key starts with a one-byte character; empty otherwise.
    pub pairs: Vec<(u8, u8, u8)>,
    pub fields: Vec<(&'static str, (usize, usize))>,
    pub key_chars: BTreeSet<char>,
    /// Largest ratio of key length to value length, in code points.
    pub max_shrink: u32,
}

/// Builds the matcher for `tree` from the loaded dictionaries (each a list
/// of (key, value) with distinct keys) and appends its arrays to `blob`.
pub fn build_matcher(
    tree: &Tree,
    dicts: &HashMap<String, Vec<(String, String)>>,
    blob: &mut Blob,
) -> BuiltMatcher {
    let leaves = tree.leaves();
    let n_leaves = leaves.len();
    let mut trie = Trie::default();
    // Per node, the value index each leaf gives its key, NONE if the path
    // to the node is no key of that leaf.
    let mut leaf_values: Vec<Vec<u32>> = vec![vec![NONE; n_leaves]];
    let mut pool = String::new();
    let mut value_ids: HashMap<String, u32> = HashMap::new();
    let mut value_offsets: Vec<u32> = vec![0];
    let mut key_chars = BTreeSet::new();
    let mut max_shrink = 1;
    for (li, leaf) in leaves.iter().enumerate() {
        for (key, value) in &dicts[leaf] {
            key_chars.extend(key.chars());
            let node = trie.insert(key);
            leaf_values.resize(trie.len(), vec![NONE; n_leaves]);
            let depth = key.chars().count() as u32;
            let vlen = value.chars().count().max(1) as u32;
            max_shrink = max_shrink.max(depth.div_ceil(vlen));
            let vid = *value_ids.entry(value.clone()).or_insert_with(|| {
                pool.push_str(value);
                value_offsets.push(pool.len() as u32);
                (value_offsets.len() - 2) as u32
            });
            let slot = &mut leaf_values[node as usize][li];
            if *slot == NONE {
                *slot = vid;
            }
        }
    }

    // What a lookup stopping at each node answers: the value and length of
    // the key the tree's policies pick on the way down.
    let n = trie.len();
    let mut node_keylen = vec![0u32; n];
    let mut node_value = vec![NONE; n];
    let planned = policy::plan(tree, &trie, |node, leaf| {
        leaf_values[node as usize][leaf] != NONE
    });
    for (id, m) in planned.iter().enumerate() {
        if let Some(m) = m {
            node_value[id] = leaf_values[m.node as usize][m.leaf];
            node_keylen[id] = m.key_bytes as u32;
        }
    }

    // Lay the trie out as compressed sparse rows.
    // Lay the trie out as compressed sparse rows.
    let mut child_start = Vec::with_capacity(n + 1);
    let mut child_char = Vec::new();
    let mut child_node = Vec::new();
    for node in 0..n as u32 {
        child_start.push(child_char.len() as u32);
        for (ch, c) in trie.children(node) {
            child_char.push(ch as u32);
            child_node.push(c);
        }
    }
    child_start.push(child_char.len() as u32);

    // Every edge also goes into one open-addressing hash table keyed by
    // (parent, character): nodes near the root of a phrase dictionary have
    // hundreds of children, and a hash probe beats a binary search there.
    let edges = child_char.len();
    let bits = usize::BITS - (edges * 2).max(16).leading_zeros();
    let size = 1usize << bits;
    let mut edge_hash = vec![NONE; size * 3];
    for parent in 0..n as u32 {
        for (ch, c) in trie.children(parent) {
            let key = ((parent as u64) << 21) | ch as u64;
            let mut at = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
            while edge_hash[at * 3] != NONE || edge_hash[at * 3 + 1] != NONE {
                at = (at + 1) & (size - 1);
            }
            edge_hash[at * 3] = key as u32;
            edge_hash[at * 3 + 1] = (key >> 32) as u32;
            edge_hash[at * 3 + 2] = c;
        }
    }

    // Two-level table for the root's children in the Basic Multilingual
    // Plane. Each slot is two words: the child node with a kind tag, and for
    // the commonest case -- a single character with no longer key starting
    // with it -- the replacement's UTF-8 bytes inline, so the run-time loop
    // converts it without touching the trie.
    // Two words per slot, plus one in a parallel table of filters that is
    // only read for kind 2 (keeping the slots small keeps them in cache):
    //   word 0: node (bits 0..27) | kind << 27 | inline length << 29
    //   word 1: inline replacement bytes
    //   filter: for kind 2, the characters that can follow
    //   kind 0: no key starts with this character (it is copied);
    //   kind 1: inline replacement; 2: walk the trie, unless the next
    //   character fails the filter: then the answer is the one-character
    //   key's inline value (length 0: no such key; 7: value too long to
    //   inline, read it from the node).
    // Page 0 is all zeros and stands for every 256-character block without
    // keys, so the lookup itself never branches on a missing page.
    let mut root_hi = vec![0u32; 256];
    let mut pages: Vec<u32> = vec![0; 512];
    let mut filters: Vec<u32> = vec![0; 256];
    let slot = |cp: u32,
                w0: u32,
                w1: u32,
                w2: u32,
                root_hi: &mut Vec<u32>,
                pages: &mut Vec<u32>,
                filters: &mut Vec<u32>| {
        let hi = (cp >> 8) as usize;
        if root_hi[hi] == 0 {
            root_hi[hi] = (pages.len() / 512) as u32;
            pages.extend(std::iter::repeat_n(0, 512));
            filters.extend(std::iter::repeat_n(0, 256));
        }
        let at = root_hi[hi] as usize * 256 + (cp & 0xFF) as usize;
        pages[at * 2] = w0;
        pages[at * 2 + 1] = w1;
        filters[at] = w2;
    };
    assert!(n < (1 << 27), "trie too large for the root table");
    for (ch, c) in trie.children(0) {
        let cp = ch as u32;
        if cp >= 0x10000 {
            continue;
        }
        let leaf_node = trie.is_leaf(c);
        let v = node_value[c as usize];
        let value: &str = if v == NONE {
            ""
        } else {
            &pool[value_offsets[v as usize] as usize..value_offsets[v as usize + 1] as usize]
        };
        if leaf_node && v != NONE && !value.is_empty() && value.len() <= 4 {
            assert_eq!(node_keylen[c as usize] as usize, ch.len_utf8());
            let mut buf = [0u8; 4];
            buf[..value.len()].copy_from_slice(value.as_bytes());
            slot(
                cp,
                c | (1 << 27) | ((value.len() as u32) << 29),
                u32::from_ne_bytes(buf),
                0,
                &mut root_hi,
                &mut pages,
                &mut filters,
            );
        } else {
            // For a character that starts longer keys, the second word holds
            // a 32-bit filter of the characters that can follow it, so most
            // non-extending positions skip the trie walk.
            let mut filter = 0u32;
            for (next, _) in trie.children(c) {
                filter |= 1 << follow_bit(next as u32);
            }
            let (len, inline) = if v == NONE || node_keylen[c as usize] as usize != ch.len_utf8() {
                (0, 0)
            } else if value.len() <= 4 && !value.is_empty() {
                let mut buf = [0u8; 4];
                buf[..value.len()].copy_from_slice(value.as_bytes());
                (value.len() as u32, u32::from_ne_bytes(buf))
            } else {
                (7, 0)
            };
            slot(
                cp,
                c | (2 << 27) | (len << 29),
                inline,
                filter,
                &mut root_hi,
                &mut pages,
                &mut filters,
            );
        }
    }
    // Description operators need the slow path for IDS handling.
    for cp in 0x2FF0..=0x2FFFu32 {
        if char::from_u32(cp).is_some_and(|ch| trie.child(0, ch).is_none()) {
            slot(cp, 2 << 27, 0, 0, &mut root_hi, &mut pages, &mut filters);
        }
    }

    // UTF-8 lead bytes that can start a key, so runs of other characters are
    // copied without a lookup. The lead byte of the ideographic description
    // operators (U+2FF0..U+2FFF) is always included: those need a look too.
    let mut lead = [0u32; 8];
    let mut mark = |b: u8| lead[(b >> 5) as usize] |= 1 << (b & 31);
    for (ch, _) in trie.children(0) {
        let mut buf = [0u8; 4];
        mark(ch.encode_utf8(&mut buf).as_bytes()[0]);
    }
    mark(0xE2);

    // The same per character for the BMP: which characters can start a key
    // (or an IDS). Scanning uses this to copy runs of other text in bulk.
    let mut start_bmp = vec![0u32; 0x10000 / 32];
    for (ch, _) in trie.children(0) {
        let cp = ch as u32;
        if cp < 0x10000 {
            start_bmp[(cp >> 5) as usize] |= 1 << (cp & 31);
        }
    }
    for cp in 0x2FF0..=0x2FFFu32 {
        start_bmp[(cp >> 5) as usize] |= 1 << (cp & 31);
    }

    let mut fields = vec![
        ("root_hi", blob.push_slice(&root_hi)),
        ("root_pages", blob.push_slice(&pages)),
        ("root_filters", blob.push_slice(&filters)),
        ("child_start", blob.push_slice(&child_start)),
        ("child_char", blob.push_slice(&child_char)),
        ("child_node", blob.push_slice(&child_node)),
        ("edge_hash", blob.push_slice(&edge_hash)),
        ("node_keylen", blob.push_slice(&node_keylen)),
        ("node_value", blob.push_slice(&node_value)),
        ("value_offsets", blob.push_slice(&value_offsets)),
        ("lead", blob.push_slice(&lead)),
        ("start_bmp", blob.push_slice(&start_bmp)),
    ];
    fields.push(("pool", blob.push_bytes(pool.as_bytes())));
    let mut pairs: Vec<(u8, u8, u8)> = Vec::new();
    let mut single_byte = false;
    for (ch, _) in trie.children(0) {
        let mut buf = [0u8; 4];
        let enc = ch.encode_utf8(&mut buf).as_bytes();
        if enc.len() < 2 {
            single_byte = true;
            break;
        }
        match pairs.iter_mut().find(|g| g.0 == enc[0]) {
            Some(g) => {
                g.1 = g.1.min(enc[1]);
                g.2 = g.2.max(enc[1]);
            }
            None => pairs.push((enc[0], enc[1], enc[1])),
        }
    }
    if single_byte || pairs.len() > 3 {
        pairs.clear();
    }
    BuiltMatcher {
        describe: tree.describe(),
        pairs,
        fields,
        key_chars,
        max_shrink,
    }
}

/// Bit of the follow-character filter for `cp` (see the root table).
fn follow_bit(cp: u32) -> u32 {
    cp.wrapping_mul(0x9E37_79B1) >> 27
}
