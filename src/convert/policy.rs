//! Match policies of OpenCC dictionary groups, worked out per trie node.
//!
//! An OpenCC configuration names trees of dictionaries: leaves are
//! dictionaries, inner nodes are groups with a match policy
//! (`short_circuit`: the first child with any match wins; `union`: the
//! longest match across children wins, the earlier child on ties).
//! `build.rs` puts the keys of all leaves of a tree into one trie and uses
//! [`plan`] to decide, once per node, what a lookup whose walk reaches that
//! node must answer; at run time a lookup is then a trie walk and one table
//! read. The library compiles this file only for its tests.

use super::dict::Trie;

/// A dictionary tree of an OpenCC configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Tree {
    /// One dictionary, by file name.
    Leaf(String),
    /// `short_circuit`: the first child that matches at all answers.
    ShortCircuit(Vec<Tree>),
    /// `union`: the child with the longest match answers, earlier on ties.
    Union(Vec<Tree>),
}

impl Tree {
    /// The leaves' file names, left to right; a leaf's position in this list
    /// is its leaf number in [`plan`].
    pub(crate) fn leaves(&self) -> Vec<String> {
        fn walk(t: &Tree, out: &mut Vec<String>) {
            match t {
                Tree::Leaf(f) => out.push(f.clone()),
                Tree::ShortCircuit(c) | Tree::Union(c) => c.iter().for_each(|t| walk(t, out)),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// A short description such as `first(TSPhrases, TSCharacters)`.
    pub(crate) fn describe(&self) -> String {
        let list = |c: &[Tree]| c.iter().map(Tree::describe).collect::<Vec<_>>().join(", ");
        match self {
            Tree::Leaf(f) => f.trim_end_matches(".txt").to_owned(),
            Tree::ShortCircuit(c) => format!("first({})", list(c)),
            Tree::Union(c) => format!("union({})", list(c)),
        }
    }
}

/// What a lookup answers: the key of leaf `leaf` that ends at trie node
/// `node`, `key_bytes` long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Match {
    /// Leaf number (position in [`Tree::leaves`]).
    pub leaf: usize,
    /// The trie node where the matched key ends.
    pub node: u32,
    /// Length of the matched key in bytes.
    pub key_bytes: usize,
}

/// The deepest key of each leaf on the path walked so far, as
/// (depth in characters, node, length in bytes).
type Deepest = [Option<(usize, u32, usize)>];

/// A node still to visit in [`plan`]: the node, its depth in characters and
/// bytes, and each leaf's deepest key on the path to its parent.
type Visit = (u32, usize, usize, Vec<Option<(usize, u32, usize)>>);

/// Which leaf answers, and at what depth, given each leaf's deepest key.
fn resolve(tree: &Tree, deepest: &Deepest, next_leaf: &mut usize) -> Option<(usize, usize)> {
    match tree {
        Tree::Leaf(_) => {
            let i = *next_leaf;
            *next_leaf += 1;
            deepest[i].map(|(depth, _, _)| (i, depth))
        }
        Tree::ShortCircuit(children) => {
            // Every child is visited, even after a match, so that leaf
            // numbers keep counting.
            let mut found = None;
            for c in children {
                let r = resolve(c, deepest, next_leaf);
                if found.is_none() {
                    found = r;
                }
            }
            found
        }
        Tree::Union(children) => {
            let mut found: Option<(usize, usize)> = None;
            for c in children {
                if let Some((leaf, depth)) = resolve(c, deepest, next_leaf) {
                    if found.is_none_or(|(_, d)| depth > d) {
                        found = Some((leaf, depth));
                    }
                }
            }
            found
        }
    }
}

/// For every node of `trie`, what a longest-prefix lookup of `tree` answers
/// for text whose walk down the trie stops at that node: `None` when no key
/// of any leaf is a prefix of the path. `is_key(node, leaf)` tells whether
/// the path to `node` is a key of leaf `leaf`. The root answers `None`.
pub(crate) fn plan(
    tree: &Tree,
    trie: &Trie,
    is_key: impl Fn(u32, usize) -> bool,
) -> Vec<Option<Match>> {
    let n_leaves = tree.leaves().len();
    let mut out = vec![None; trie.len()];
    let mut stack: Vec<Visit> = vec![(0, 0, 0, vec![None; n_leaves])];
    while let Some((node, depth, bytes, mut deepest)) = stack.pop() {
        if node != 0 {
            for (leaf, slot) in deepest.iter_mut().enumerate() {
                if is_key(node, leaf) {
                    *slot = Some((depth, node, bytes));
                }
            }
            if let Some((leaf, _)) = resolve(tree, &deepest, &mut 0) {
                let (_, at, key_bytes) = deepest[leaf].expect("the answering leaf has a key");
                out[node as usize] = Some(Match {
                    leaf,
                    node: at,
                    key_bytes,
                });
            }
        }
        for (ch, child) in trie.children(node) {
            stack.push((child, depth + 1, bytes + ch.len_utf8(), deepest.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(name: &str) -> Tree {
        Tree::Leaf(name.to_owned())
    }

    /// A trie of the given leaves' keys, and which (node, leaf) are keys.
    fn build(leaves: &[&[&str]]) -> (Trie, Vec<(u32, usize)>) {
        let mut trie = Trie::default();
        let mut keys = Vec::new();
        for (li, ks) in leaves.iter().enumerate() {
            for k in *ks {
                keys.push((trie.insert(k), li));
            }
        }
        (trie, keys)
    }

    /// The answer when the walk stops at the end of `path`.
    fn answer(tree: &Tree, leaves: &[&[&str]], path: &str) -> Option<(usize, String)> {
        let (trie, keys) = build(leaves);
        let planned = plan(tree, &trie, |n, l| keys.contains(&(n, l)));
        let mut node = 0;
        for c in path.chars() {
            node = trie.child(node, c).expect("path is in the trie");
        }
        planned[node as usize].map(|m| {
            let text: String = path[..m.key_bytes].to_owned();
            // The node named is where that prefix ends.
            assert_eq!(
                trie.longest(&text, |n| n == m.node),
                Some((m.key_bytes, m.node))
            );
            (m.leaf, text)
        })
    }

    #[test]
    fn short_circuit_prefers_the_first_leaf_with_any_match() {
        // Phrases first, characters second, as in t2s.
        let leaves: &[&[&str]] = &[&["AB"], &["A", "ABC"]];
        let tree = Tree::ShortCircuit(vec![leaf("p"), leaf("c")]);
        // At "AB": leaf 0 has AB, leaf 1 has A; leaf 0 wins.
        assert_eq!(answer(&tree, leaves, "AB"), Some((0, "AB".into())));
        // At "ABC": leaf 1's ABC is longer, but leaf 0 matched first.
        assert_eq!(answer(&tree, leaves, "ABC"), Some((0, "AB".into())));
        // At "A": only leaf 1 has a key.
        assert_eq!(answer(&tree, leaves, "A"), Some((1, "A".into())));
    }

    #[test]
    fn union_prefers_the_longest_match_then_the_earlier_leaf() {
        let leaves: &[&[&str]] = &[&["AB"], &["A", "ABC"], &["AB"]];
        let tree = Tree::Union(vec![leaf("x"), leaf("y"), leaf("z")]);
        assert_eq!(answer(&tree, leaves, "ABC"), Some((1, "ABC".into())));
        // Leaves 0 and 2 tie on AB: the earlier one answers.
        assert_eq!(answer(&tree, leaves, "AB"), Some((0, "AB".into())));
        assert_eq!(answer(&tree, leaves, "A"), Some((1, "A".into())));
    }

    #[test]
    fn nested_groups_number_leaves_left_to_right() {
        // first(union(a, b), c): a and b compete by length, c only answers
        // when neither has a key on the path.
        let leaves: &[&[&str]] = &[&["X"], &["XY"], &["XYZ", "Q"]];
        let tree = Tree::ShortCircuit(vec![Tree::Union(vec![leaf("a"), leaf("b")]), leaf("c")]);
        assert_eq!(tree.leaves(), vec!["a", "b", "c"]);
        assert_eq!(tree.describe(), "first(union(a, b), c)");
        assert_eq!(answer(&tree, leaves, "XYZ"), Some((1, "XY".into())));
        assert_eq!(answer(&tree, leaves, "X"), Some((0, "X".into())));
        assert_eq!(answer(&tree, leaves, "Q"), Some((2, "Q".into())));
    }

    #[test]
    fn nodes_on_no_key_answer_nothing() {
        // Keys ABC only: A and AB are inner nodes without a key.
        let leaves: &[&[&str]] = &[&["ABC"]];
        let tree = leaf("only");
        assert_eq!(answer(&tree, leaves, "A"), None);
        assert_eq!(answer(&tree, leaves, "AB"), None);
        assert_eq!(answer(&tree, leaves, "ABC"), Some((0, "ABC".into())));
        let (trie, keys) = build(leaves);
        assert_eq!(plan(&tree, &trie, |n, l| keys.contains(&(n, l)))[0], None);
    }

    #[test]
    fn key_bytes_count_utf8_bytes_not_characters() {
        let leaves: &[&[&str]] = &[&["中", "中国人"]];
        let tree = leaf("d");
        assert_eq!(answer(&tree, leaves, "中国"), Some((0, "中".into())));
        let (trie, keys) = build(leaves);
        let planned = plan(&tree, &trie, |n, l| keys.contains(&(n, l)));
        let end = trie.longest("中国人", |_| true).unwrap().1;
        assert_eq!(planned[end as usize].unwrap().key_bytes, 9);
    }
}
