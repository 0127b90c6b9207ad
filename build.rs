//! Compiles OpenCC's plain-text dictionaries into prefix matchers at build time.
//!
//! Each OpenCC configuration (`dictionaries/config/*.json`) names trees of
//! dictionaries: leaves are text files, inner nodes are groups with a match
//! policy (`short_circuit`: the first child with any match wins; `union`: the
//! longest match across children wins, earlier child on ties). For every
//! distinct tree this script builds one character trie holding the keys of all
//! its leaves and works out, for every trie node, what a longest-prefix lookup
//! ending at that node must answer under the tree's policies. At run time a
//! lookup is then a plain trie walk followed by one table read.
//!
//! Everything is written as native-endian `u32` words into
//! `$OUT_DIR/tables.bin` (embedded with `include_bytes!`), and the layout of
//! each matcher and configuration into `$OUT_DIR/tables.rs`. Start-up parses
//! nothing.

#[path = "src/model/classes.rs"]
#[allow(dead_code)]
mod model_classes;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const NONE: u32 = u32::MAX;

/// The configurations zhnorm ships, in the order of `CONFIG_NAMES`.
const CONFIGS: &[&str] = &[
    "t2s", "tw2s", "tw2sp", "hk2s", "hk2sp", "s2t", "s2tw", "s2twp", "s2hk", "s2hkp", "t2tw",
    "t2hk", "tw2t", "hk2t", "t2jp", "jp2t",
];

/// Longest ideographic description sequence OpenCC 1.4.2 accepts, in code points.
const IDS_MAX_CODE_POINTS: u32 = 64;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Tree {
    Leaf(String),
    ShortCircuit(Vec<Tree>),
    Union(Vec<Tree>),
}

impl Tree {
    fn leaves(&self, out: &mut Vec<String>) {
        match self {
            Tree::Leaf(f) => out.push(f.clone()),
            Tree::ShortCircuit(c) | Tree::Union(c) => c.iter().for_each(|t| t.leaves(out)),
        }
    }
    fn describe(&self) -> String {
        match self {
            Tree::Leaf(f) => f.trim_end_matches(".txt").to_owned(),
            Tree::ShortCircuit(c) => {
                format!(
                    "first({})",
                    c.iter().map(Tree::describe).collect::<Vec<_>>().join(", ")
                )
            }
            Tree::Union(c) => {
                format!(
                    "union({})",
                    c.iter().map(Tree::describe).collect::<Vec<_>>().join(", ")
                )
            }
        }
    }
}

fn parse_tree(v: &serde_json::Value) -> Tree {
    let ty = v["type"].as_str().expect("dict type");
    match ty {
        "group" => {
            let children = v["dicts"]
                .as_array()
                .expect("group dicts")
                .iter()
                .map(parse_tree)
                .collect();
            match v
                .get("match_policy")
                .and_then(|p| p.as_str())
                .unwrap_or("short_circuit")
            {
                "short_circuit" => Tree::ShortCircuit(children),
                "union" => Tree::Union(children),
                other => panic!("unknown match policy {other}"),
            }
        }
        "text" | "ocd2" => {
            // The Python library loads tofu-risk dictionaries by default
            // (include_tofu_risk_dictionaries=True), so `may_output_tofu`
            // leaves are kept.
            let file = v["file"].as_str().expect("dict file");
            Tree::Leaf(
                file.trim_end_matches(".ocd2")
                    .trim_end_matches(".txt")
                    .to_owned()
                    + ".txt",
            )
        }
        other => panic!("unknown dictionary type {other}"),
    }
}

struct ConfigPlan {
    normalization: Vec<Tree>,
    segmentation: Option<Tree>,
    chain: Vec<Tree>,
}

fn parse_config(path: &Path) -> ConfigPlan {
    let text = fs::read_to_string(path).expect("read config");
    let v: serde_json::Value = serde_json::from_str(&text).expect("config json");
    let normalization = v
        .get("normalization")
        .and_then(|n| n.as_array())
        .map(|a| a.iter().map(|s| parse_tree(&s["dict"])).collect())
        .unwrap_or_default();
    let segmentation = v.get("segmentation").map(|s| {
        assert_eq!(
            s["type"].as_str(),
            Some("mmseg"),
            "only mmseg segmentation is known"
        );
        parse_tree(&s["dict"])
    });
    let chain = v["conversion_chain"]
        .as_array()
        .expect("conversion_chain")
        .iter()
        .map(|s| parse_tree(&s["dict"]))
        .collect();
    ConfigPlan {
        normalization,
        segmentation,
        chain,
    }
}

/// Reads a dictionary in OpenCC's text format; the first value of a line is
/// the one OpenCC outputs, and the first line for a key wins.
fn load_dict(path: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, values) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("{}:{}: no tab", path.display(), n + 1));
        let value = values.split(' ').next().unwrap_or("");
        assert!(!key.is_empty(), "{}:{}: empty key", path.display(), n + 1);
        if seen.insert(key.to_owned()) {
            out.push((key.to_owned(), value.to_owned()));
        }
    }
    out
}

#[derive(Default)]
struct Node {
    children: BTreeMap<char, u32>,
    /// Value index per leaf dictionary, when the path to this node is a key of it.
    leaf_values: Vec<u32>,
}

struct Blob {
    words: Vec<u32>,
}

impl Blob {
    fn push_slice(&mut self, s: &[u32]) -> (usize, usize) {
        let off = self.words.len();
        self.words.extend_from_slice(s);
        (off, s.len())
    }
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

/// Per-leaf state while walking down the trie: the deepest node on the path
/// that is a key of that leaf, as (depth, node, key length in bytes).
type LeafBest = Vec<Option<(usize, u32, usize)>>;

/// Decides which leaf and depth a lookup answers under the tree's policies.
fn resolve(tree: &Tree, best: &LeafBest, next_leaf: &mut usize) -> Option<(usize, usize)> {
    match tree {
        Tree::Leaf(_) => {
            let i = *next_leaf;
            *next_leaf += 1;
            best[i].map(|(d, _, _)| (i, d))
        }
        Tree::ShortCircuit(children) => {
            let mut found = None;
            for c in children {
                let r = resolve(c, best, next_leaf);
                if found.is_none() {
                    found = r;
                }
            }
            found
        }
        Tree::Union(children) => {
            let mut found: Option<(usize, usize)> = None;
            for c in children {
                if let Some((leaf, depth)) = resolve(c, best, next_leaf) {
                    if found.is_none_or(|(_, d)| depth > d) {
                        found = Some((leaf, depth));
                    }
                }
            }
            found
        }
    }
}

struct BuiltMatcher {
    describe: String,
    /// (lead byte, lowest second byte, highest second byte) groups of the
    /// keys' first characters, when there are at most three groups and no
    /// key starts with a one-byte character; empty otherwise.
    pairs: Vec<(u8, u8, u8)>,
    fields: Vec<(&'static str, (usize, usize))>,
    key_chars: BTreeSet<char>,
    /// Largest ratio of key length to value length, in code points.
    max_shrink: u32,
}

fn build_matcher(
    tree: &Tree,
    dicts: &HashMap<String, Vec<(String, String)>>,
    blob: &mut Blob,
) -> BuiltMatcher {
    let mut leaves = Vec::new();
    tree.leaves(&mut leaves);
    let n_leaves = leaves.len();
    let mut nodes: Vec<Node> = vec![Node {
        children: BTreeMap::new(),
        leaf_values: vec![NONE; n_leaves],
    }];
    let mut pool = String::new();
    let mut value_ids: HashMap<String, u32> = HashMap::new();
    let mut value_offsets: Vec<u32> = vec![0];
    let mut key_chars = BTreeSet::new();
    let mut max_shrink = 1;
    for (li, leaf) in leaves.iter().enumerate() {
        for (key, value) in &dicts[leaf] {
            let mut node = 0u32;
            let mut depth = 0;
            for ch in key.chars() {
                key_chars.insert(ch);
                depth += 1;
                let next = nodes[node as usize].children.get(&ch).copied();
                node = match next {
                    Some(n) => n,
                    None => {
                        let id = nodes.len() as u32;
                        nodes.push(Node {
                            children: BTreeMap::new(),
                            leaf_values: vec![NONE; n_leaves],
                        });
                        nodes[node as usize].children.insert(ch, id);
                        id
                    }
                };
            }
            let vlen = value.chars().count().max(1) as u32;
            max_shrink = max_shrink.max((depth as u32).div_ceil(vlen));
            let vid = *value_ids.entry(value.clone()).or_insert_with(|| {
                pool.push_str(value);
                value_offsets.push(pool.len() as u32);
                (value_offsets.len() - 2) as u32
            });
            let slot = &mut nodes[node as usize].leaf_values[li];
            if *slot == NONE {
                *slot = vid;
            }
        }
    }

    // Resolve every node once, depth first, carrying the path's key lengths.
    let n = nodes.len();
    let mut node_keylen = vec![0u32; n];
    let mut node_value = vec![NONE; n];
    let mut stack: Vec<(u32, usize, usize, LeafBest)> = vec![(0, 0, 0, vec![None; n_leaves])];
    while let Some((id, depth, bytes, mut best)) = stack.pop() {
        let node = &nodes[id as usize];
        for (li, v) in node.leaf_values.iter().enumerate() {
            if *v != NONE {
                best[li] = Some((depth, id, bytes));
            }
        }
        if id != 0 {
            let mut next_leaf = 0;
            if let Some((leaf, d)) = resolve(tree, &best, &mut next_leaf) {
                let (depth_at, at, key_bytes) = best[leaf].expect("resolved leaf has a match");
                assert_eq!(d, depth_at);
                node_value[id as usize] = nodes[at as usize].leaf_values[leaf];
                node_keylen[id as usize] = key_bytes as u32;
            }
        }
        for (ch, child) in &node.children {
            stack.push((*child, depth + 1, bytes + ch.len_utf8(), best.clone()));
        }
    }

    // Lay the trie out as compressed sparse rows.
    let mut child_start = Vec::with_capacity(n + 1);
    let mut child_char = Vec::new();
    let mut child_node = Vec::new();
    for node in &nodes {
        child_start.push(child_char.len() as u32);
        for (ch, c) in &node.children {
            child_char.push(*ch as u32);
            child_node.push(*c);
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
    for (parent, node) in nodes.iter().enumerate() {
        for (ch, c) in &node.children {
            let key = ((parent as u64) << 21) | *ch as u64;
            let mut at = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
            while edge_hash[at * 3] != NONE || edge_hash[at * 3 + 1] != NONE {
                at = (at + 1) & (size - 1);
            }
            edge_hash[at * 3] = key as u32;
            edge_hash[at * 3 + 1] = (key >> 32) as u32;
            edge_hash[at * 3 + 2] = *c;
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
    for (ch, c) in &nodes[0].children {
        let cp = *ch as u32;
        if cp >= 0x10000 {
            continue;
        }
        let leaf_node = nodes[*c as usize].children.is_empty();
        let v = node_value[*c as usize];
        let value: &str = if v == NONE {
            ""
        } else {
            &pool[value_offsets[v as usize] as usize..value_offsets[v as usize + 1] as usize]
        };
        if leaf_node && v != NONE && !value.is_empty() && value.len() <= 4 {
            assert_eq!(node_keylen[*c as usize] as usize, ch.len_utf8());
            let mut buf = [0u8; 4];
            buf[..value.len()].copy_from_slice(value.as_bytes());
            slot(
                cp,
                *c | (1 << 27) | ((value.len() as u32) << 29),
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
            for next in nodes[*c as usize].children.keys() {
                filter |= 1 << follow_bit(*next as u32);
            }
            let (len, inline) = if v == NONE || node_keylen[*c as usize] as usize != ch.len_utf8() {
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
                *c | (2 << 27) | (len << 29),
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
        if char::from_u32(cp).is_some_and(|ch| !nodes[0].children.contains_key(&ch)) {
            slot(cp, 2 << 27, 0, 0, &mut root_hi, &mut pages, &mut filters);
        }
    }

    // UTF-8 lead bytes that can start a key, so runs of other characters are
    // copied without a lookup. The lead byte of the ideographic description
    // operators (U+2FF0..U+2FFF) is always included: those need a look too.
    let mut lead = [0u32; 8];
    let mut mark = |b: u8| lead[(b >> 5) as usize] |= 1 << (b & 31);
    for ch in nodes[0].children.keys() {
        let mut buf = [0u8; 4];
        mark(ch.encode_utf8(&mut buf).as_bytes()[0]);
    }
    mark(0xE2);

    // The same per character for the BMP: which characters can start a key
    // (or an IDS). Scanning uses this to copy runs of other text in bulk.
    let mut start_bmp = vec![0u32; 0x10000 / 32];
    for ch in nodes[0].children.keys() {
        let cp = *ch as u32;
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
    for ch in nodes[0].children.keys() {
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

fn check_sums(dir: &Path) {
    let sums = fs::read_to_string(dir.join("SHA256SUMS")).expect("dictionaries/SHA256SUMS");
    for line in sums.lines().filter(|l| !l.is_empty()) {
        let (digest, name) = line.split_once("  ").expect("SHA256SUMS line");
        let data = fs::read(dir.join(name)).unwrap_or_else(|e| panic!("dictionaries/{name}: {e}"));
        let got = Sha256::digest(&data);
        let hex: String = got.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex, digest,
            "dictionaries/{name} differs from SHA256SUMS; run scripts/refresh_dictionaries.py"
        );
    }
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let dict_dir = root.join("dictionaries");
    println!("cargo:rerun-if-changed=dictionaries");
    println!("cargo:rerun-if-changed=build.rs");
    check_sums(&dict_dir);

    let plans: Vec<(&str, ConfigPlan)> = CONFIGS
        .iter()
        .map(|c| {
            (
                *c,
                parse_config(&dict_dir.join("config").join(format!("{c}.json"))),
            )
        })
        .collect();

    let mut dicts: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut trees: Vec<Tree> = Vec::new();
    let mut tree_index = |t: &Tree, dicts: &mut HashMap<String, Vec<(String, String)>>| -> usize {
        let mut leaves = Vec::new();
        t.leaves(&mut leaves);
        for l in leaves {
            dicts
                .entry(l.clone())
                .or_insert_with(|| load_dict(&dict_dir.join(&l)));
        }
        if let Some(i) = trees.iter().position(|x| x == t) {
            i
        } else {
            trees.push(t.clone());
            trees.len() - 1
        }
    };
    struct ConfigIdx {
        norm: Vec<usize>,
        seg: Option<usize>,
        chain: Vec<usize>,
        run_head: Option<usize>,
    }
    let mut idx = Vec::new();
    for (_, p) in &plans {
        let norm = p
            .normalization
            .iter()
            .map(|t| tree_index(t, &mut dicts))
            .collect();
        let seg = p.segmentation.as_ref().map(|t| tree_index(t, &mut dicts));
        let chain = p.chain.iter().map(|t| tree_index(t, &mut dicts)).collect();
        // In configurations whose first conversion is short_circuit(S, R...)
        // with S the segmentation tree, S matches nowhere inside a stretch
        // that segmentation left unmatched (it was tried at every position
        // there, with more text in view), so the first conversion of such a
        // stretch is short_circuit(R...) alone, a much smaller matcher.
        let run_head = match (&p.segmentation, p.chain.first()) {
            (Some(seg), Some(Tree::ShortCircuit(c))) if c.len() >= 2 && &c[0] == seg => {
                let rest = if c.len() == 2 {
                    c[1].clone()
                } else {
                    Tree::ShortCircuit(c[1..].to_vec())
                };
                Some(tree_index(&rest, &mut dicts))
            }
            _ => None,
        };
        idx.push(ConfigIdx {
            norm,
            seg,
            chain,
            run_head,
        });
    }

    let mut blob = Blob { words: Vec::new() };
    let built: Vec<BuiltMatcher> = trees
        .iter()
        .map(|t| build_matcher(t, &dicts, &mut blob))
        .collect();

    let mut rs = String::new();
    writeln!(
        rs,
        "// Generated by build.rs from dictionaries/; do not edit."
    )
    .unwrap();
    writeln!(
        rs,
        "pub(crate) const MATCHERS: [MatcherLayout; {}] = [",
        built.len()
    )
    .unwrap();
    for m in &built {
        writeln!(rs, "    MatcherLayout {{").unwrap();
        writeln!(rs, "        describe: {:?},", m.describe).unwrap();
        writeln!(rs, "        pairs: &{:?},", m.pairs).unwrap();
        for (name, (off, len)) in &m.fields {
            writeln!(rs, "        {name}: ({off}, {len}),").unwrap();
        }
        writeln!(rs, "    }},").unwrap();
    }
    writeln!(rs, "];").unwrap();

    writeln!(
        rs,
        "pub(crate) const CONFIG_LAYOUTS: [ConfigLayout; {}] = [",
        plans.len()
    )
    .unwrap();
    let plans_ref = &plans;
    for (config_no, ((name, _), ci)) in plans.iter().zip(&idx).enumerate() {
        // Characters that occur in no key of any stage: a stream may be cut
        // right after one of them (see convert::stream).
        let mut key_chars = BTreeSet::new();
        let mut shrink: u64 = 1;
        for &i in ci.norm.iter().chain(ci.seg.iter()).chain(ci.chain.iter()) {
            key_chars.extend(built[i].key_chars.iter().copied());
        }
        for &i in ci.norm.iter().chain(ci.chain.iter()) {
            shrink = shrink.saturating_mul(built[i].max_shrink as u64);
        }
        let mut bmp = vec![0u32; 0x10000 / 32];
        let mut astral = Vec::new();
        for ch in &key_chars {
            let cp = *ch as u32;
            if cp < 0x10000 {
                bmp[(cp >> 5) as usize] |= 1 << (cp & 31);
            } else {
                astral.push(cp);
            }
        }
        let bmp_f = blob.push_slice(&bmp);
        let astral_f = blob.push_slice(&astral);
        // When the first conversion's tree is the segmentation tree, or a
        // short_circuit group led by it, a segment that is a segmentation key
        // K converts in that step to the segmentation tree's value for K: the
        // conversion's lookup is bounded by the segment, and under either
        // policy a tree that resolved to K on the whole text resolves to K
        // on the text cut after K.
        let seg_heads_chain = match (
            &plans_ref[config_no].1.segmentation,
            plans_ref[config_no].1.chain.first(),
        ) {
            (Some(seg), Some(first)) => {
                first == seg || matches!(first, Tree::ShortCircuit(c) if c.first() == Some(seg))
            }
            _ => false,
        };
        let window = (shrink.saturating_mul(IDS_MAX_CODE_POINTS as u64)).min(1 << 20)
            + IDS_MAX_CODE_POINTS as u64;
        writeln!(
            rs,
            "    ConfigLayout {{ name: {name:?}, normalization: &{:?}, segmentation: {:?}, chain: &{:?}, key_char_bmp: {:?}, key_char_astral: {:?}, seg_heads_chain: {seg_heads_chain}, run_head: {:?}, ids_window: {window} }},",
            ci.norm, ci.seg, ci.chain, bmp_f, astral_f, ci.run_head
        )
        .unwrap();
    }
    writeln!(rs, "];").unwrap();

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    // The blob is written in the build host's byte order and read back as
    // words by the target, so both must agree.
    let target_little = env::var("CARGO_CFG_TARGET_ENDIAN")
        .map(|e| e == "little")
        .unwrap_or(true);
    assert_eq!(
        target_little,
        cfg!(target_endian = "little"),
        "cross-endian builds are not supported"
    );
    let mut bytes = Vec::with_capacity(blob.words.len() * 4);
    for w in &blob.words {
        bytes.extend_from_slice(&w.to_ne_bytes());
    }
    fs::write(out.join("tables.bin"), bytes).unwrap();
    fs::write(out.join("tables.rs"), rs).unwrap();

    decoding_tables(&root, &out);
    script_tables(&dict_dir, &out);
}

/// Every value of every key of a character dictionary (OpenCC lists the
/// alternatives after the first on the same line).
fn load_char_alternatives(path: &Path) -> BTreeMap<char, Vec<char>> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, values)) = line.split_once('\t') else {
            continue;
        };
        let mut chars = key.chars();
        let (Some(k), None) = (chars.next(), chars.next()) else {
            continue;
        };
        let alts = values.split(' ').filter_map(|v| v.chars().next()).collect();
        out.entry(k).or_insert(alts);
    }
    out
}

/// The characters only one of the two scripts writes, for telling a
/// Traditional document from a Simplified one (`src/lang.rs`).
///
/// Traditional-only: a key of TSCharacters that t2s never leaves as it is
/// (itself is not among its values) and that STCharacters does not list as
/// a Simplified form; Simplified-only the other way round. Characters both
/// scripts write (`乾`, `后`, `台`) and the few that each table lists as
/// its own (`苧`, `藴`) are in neither set, so they vote for nothing.
///
/// Written as one table of two bits per code point over U+3400..U+9FFF
/// (where nearly all of them are) and two sorted lists for the rest.
fn script_tables(dict_dir: &Path, out: &Path) {
    let ts = load_char_alternatives(&dict_dir.join("TSCharacters.txt"));
    let st = load_char_alternatives(&dict_dir.join("STCharacters.txt"));
    let only = |own: &BTreeMap<char, Vec<char>>, other: &BTreeMap<char, Vec<char>>| {
        own.iter()
            .filter(|(k, v)| !v.contains(k) && !other.contains_key(k))
            .map(|(k, _)| *k as u32)
            .collect::<Vec<u32>>()
    };
    let traditional = only(&ts, &st);
    let simplified = only(&st, &ts);
    const LO: u32 = 0x3400;
    const HI: u32 = 0xA000;
    let mut rs =
        String::from("// Generated by build.rs (script_tables) from OpenCC's character tables.\n");
    // Two bits per code point, 32 to a word: 1 for Traditional only, 2 for
    // Simplified only; one lookup answers both.
    let mut bits = vec![0u64; ((HI - LO) as usize).div_ceil(32)];
    for (class, set) in [(1u64, &traditional), (2u64, &simplified)] {
        let mut rest: Vec<u32> = set
            .iter()
            .copied()
            .filter(|cp| !(LO..HI).contains(cp))
            .collect();
        for &cp in set.iter().filter(|cp| (LO..HI).contains(*cp)) {
            let i = (cp - LO) as usize;
            bits[i / 32] |= class << (2 * (i % 32));
        }
        rest.sort_unstable();
        let name = if class == 1 {
            "TRADITIONAL"
        } else {
            "SIMPLIFIED"
        };
        writeln!(
            rs,
            "static {name}_REST: [u32; {}] = {:?};",
            rest.len(),
            rest
        )
        .unwrap();
    }
    writeln!(
        rs,
        "static SCRIPT_BITS: [u64; {}] = {:?};",
        bits.len(),
        bits
    )
    .unwrap();
    writeln!(rs, "const SCRIPT_BITS_FROM: u32 = {LO:#X};").unwrap();
    writeln!(rs, "const SCRIPT_BITS_TO: u32 = {HI:#X};").unwrap();
    fs::write(out.join("script_chars.rs"), rs).unwrap();
}

/// The tables behind encoding detection and mojibake repair, so that
/// nothing is built at run time: the model's per-character costs, and for
/// GB18030 and Big5 every two-byte code's character (from encoding_rs, the
/// decoder the library uses) plus the fast path's table of UTF-8 bytes and
/// cost. Written in the target's byte order; layouts are documented where
/// `src/model/mod.rs` and `src/decode/charset.rs` read them.
fn decoding_tables(root: &std::path::Path, out: &std::path::Path) {
    println!("cargo:rerun-if-changed=src/model/char_freq.txt");
    println!("cargo:rerun-if-changed=src/model/classes.rs");
    let freq = fs::read_to_string(root.join("src/model/char_freq.txt")).unwrap();
    let strict = |enc: &'static encoding_rs::Encoding| {
        move |b: &[u8]| {
            enc.decode_without_bom_handling_and_without_replacement(b)
                .map(|t| t.into_owned())
        }
    };
    let costs = model_classes::build_cost_table(
        &freq,
        &strict(encoding_rs::GBK),
        &strict(encoding_rs::BIG5),
    );
    assert_eq!(costs.len(), 0x10000);
    fs::write(out.join("model_costs.bin"), &costs).unwrap();

    let cost_of = |c: char| -> u32 {
        let cp = c as u32;
        if cp < 0x10000 {
            costs[cp as usize] as u32
        } else {
            model_classes::class_cost(cp) as u32
        }
    };
    // Pair tables: index (lead - 0x81) * 256 + trail; u32::MAX for invalid
    // codes, the code point otherwise, or 0x8000_0000 | i for the i-th code
    // that decodes to two characters (listed in decode_doubles.rs).
    // Fast tables: index (lead & 0x7F) << 8 | trail; UTF-8 bytes in bits
    // 0-23 and cost in bits 24-31, 0 for codes the fast path leaves alone.
    let mut doubles_rs =
        String::from("/// Big5 codes that decode to two characters (generated by build.rs).\n");
    for (name, enc) in [("gb", encoding_rs::GB18030), ("big5", encoding_rs::BIG5)] {
        let mut pairs = vec![u32::MAX; 126 * 256];
        let mut fast = vec![0u32; 0x8000];
        let mut doubles: Vec<(char, char)> = Vec::new();
        for lead in 0x81u8..=0xFE {
            for trail in 0x40u8..=0xFE {
                let pair = [lead, trail];
                let Some(text) = enc.decode_without_bom_handling_and_without_replacement(&pair)
                else {
                    continue;
                };
                let mut chars = text.chars();
                let (Some(a), b) = (chars.next(), chars.next()) else {
                    continue;
                };
                // A pair whose second byte came back as ASCII is not a code.
                if a.is_ascii() || b.is_some_and(|b| b.is_ascii()) {
                    continue;
                }
                let index = (lead as usize - 0x81) * 256 + trail as usize;
                match b {
                    Some(b) => {
                        pairs[index] = 0x8000_0000 | doubles.len() as u32;
                        doubles.push((a, b));
                    }
                    None => {
                        pairs[index] = a as u32;
                        if a.len_utf8() <= 3 {
                            let mut utf8 = [0u8; 4];
                            a.encode_utf8(&mut utf8);
                            let cost = cost_of(a).min(254);
                            fast[((lead as usize) & 0x7F) << 8 | trail as usize] =
                                u32::from_le_bytes(utf8) | cost << 24;
                        }
                    }
                }
            }
        }
        let words = |v: &[u32]| v.iter().flat_map(|w| w.to_ne_bytes()).collect::<Vec<u8>>();
        fs::write(out.join(format!("{name}_pairs.bin")), words(&pairs)).unwrap();
        fs::write(out.join(format!("{name}_fast.bin")), words(&fast)).unwrap();
        if name == "big5" {
            writeln!(
                doubles_rs,
                "pub(crate) static BIG5_DOUBLES: [(char, char); {}] = {doubles:?};",
                doubles.len()
            )
            .unwrap();
        } else {
            assert!(doubles.is_empty(), "GB18030 has no two-character codes");
        }
    }
    fs::write(out.join("decode_doubles.rs"), doubles_rs).unwrap();
}
