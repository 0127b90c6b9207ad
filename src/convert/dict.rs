//! OpenCC's text dictionary format and the character trie its keys go into.
//!
//! This file is the only reader of dictionaries in the repository: the
//! library uses it for user dictionaries (`--dict`), and `build.rs` includes
//! it with `#[path]` to compile the built-in ones. It therefore depends on
//! nothing outside `std`.

use std::collections::BTreeMap;

/// A malformed dictionary line: its 1-based number and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with the line.
    pub message: &'static str,
}

/// One line of a dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    /// The text to replace.
    pub key: &'a str,
    /// The first value, the one OpenCC outputs.
    pub value: &'a str,
    /// Every value as written, separated by spaces (alternatives after the
    /// first are informative; OpenCC lists them for characters with several
    /// readings).
    pub values: &'a str,
}

/// Parses dictionary text: lines of `key<TAB>value [value…]`; blank lines and
/// lines starting with `#` are skipped, a leading byte-order mark and `\r`
/// line ends are tolerated. Lines come back in file order, repeated keys
/// included: what a repeated key means is the caller's choice.
pub(crate) fn parse(text: &str) -> Result<Vec<Entry<'_>>, SyntaxError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let err = |message| {
            Err(SyntaxError {
                line: n + 1,
                message,
            })
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, values)) = line.split_once('\t') else {
            return err("expected 'key<TAB>value', found no tab");
        };
        if key.is_empty() {
            return err("empty key");
        }
        if key.chars().any(char::is_whitespace) {
            return err("key contains whitespace");
        }
        let value = values.split(' ').next().unwrap_or("");
        if value.is_empty() {
            return err("empty value");
        }
        if value.contains('\t') {
            return err("more than one tab");
        }
        entries.push(Entry { key, value, values });
    }
    Ok(entries)
}

/// A character trie of dictionary keys. It holds only the shape; callers
/// keep whatever a node stands for in their own arrays indexed by node
/// number. Node 0 is the root; children are kept in character order, so a
/// trie built from the same keys always numbers its nodes the same way.
#[derive(Debug, Clone)]
pub(crate) struct Trie {
    children: Vec<BTreeMap<char, u32>>,
}

impl Default for Trie {
    fn default() -> Self {
        Trie {
            children: vec![BTreeMap::new()],
        }
    }
}

impl Trie {
    /// Adds the path of `key` (new nodes are numbered in order of creation)
    /// and returns the node it ends at; the empty key ends at the root.
    pub(crate) fn insert(&mut self, key: &str) -> u32 {
        let mut node = 0u32;
        for ch in key.chars() {
            let next = self.children.len() as u32;
            let slot = self.children[node as usize].entry(ch).or_insert(next);
            node = *slot;
            if node == next {
                self.children.push(BTreeMap::new());
            }
        }
        node
    }

    /// Number of nodes, the root included.
    pub(crate) fn len(&self) -> usize {
        self.children.len()
    }

    /// The child of `node` along `ch`.
    pub(crate) fn child(&self, node: u32, ch: char) -> Option<u32> {
        self.children[node as usize].get(&ch).copied()
    }

    /// The children of `node` in character order.
    pub(crate) fn children(&self, node: u32) -> impl Iterator<Item = (char, u32)> + '_ {
        self.children[node as usize].iter().map(|(c, n)| (*c, *n))
    }

    /// Whether `node` has no children.
    pub(crate) fn is_leaf(&self, node: u32) -> bool {
        self.children[node as usize].is_empty()
    }

    /// The longest prefix of `s` that ends at a node `is_key` accepts: its
    /// length in bytes and that node.
    pub(crate) fn longest(&self, s: &str, is_key: impl Fn(u32) -> bool) -> Option<(usize, u32)> {
        let mut node = 0;
        let mut best = None;
        for (i, c) in s.char_indices() {
            match self.child(node, c) {
                Some(n) => node = n,
                None => break,
            }
            if is_key(node) {
                best = Some((i + c.len_utf8(), node));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_first_value_and_every_line_in_order() {
        let text = "\u{FEFF}# header\n\n軟件\t軟體 软件\r\n好\t好\n軟件\tX\n   \n";
        let got: Vec<_> = parse(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value, e.values))
            .collect();
        assert_eq!(
            got,
            vec![
                ("軟件", "軟體", "軟體 软件"),
                ("好", "好", "好"),
                ("軟件", "X", "X")
            ]
        );
    }

    #[test]
    fn parse_names_the_bad_line() {
        let e = |text| parse(text).unwrap_err();
        assert_eq!(
            e("好\t好\nno tab here\n"),
            SyntaxError {
                line: 2,
                message: "expected 'key<TAB>value', found no tab"
            }
        );
        assert_eq!(e("\tx\n").message, "empty key");
        assert_eq!(e("a b\tx\n").message, "key contains whitespace");
        assert_eq!(e("a\u{3000}\tx\n").message, "key contains whitespace");
        assert_eq!(e("x\t\n").message, "empty value");
        assert_eq!(e("x\t y\n").message, "empty value");
        assert_eq!(
            e("# c\nx\ty\tz\n"),
            SyntaxError {
                line: 2,
                message: "more than one tab"
            }
        );
    }

    #[test]
    fn trie_numbers_nodes_in_creation_order_and_shares_prefixes() {
        let mut t = Trie::default();
        // Worked out by hand: 中=1, 国=2 (under 中), 人=3 (under 中国),
        // 文=4 (under 中); 中国 reuses 1 and 2.
        assert_eq!(t.insert("中国人"), 3);
        assert_eq!(t.insert("中文"), 4);
        assert_eq!(t.insert("中国"), 2);
        assert_eq!(t.insert(""), 0);
        assert_eq!(t.len(), 5);
        assert_eq!(t.child(0, '中'), Some(1));
        assert_eq!(t.child(1, '国'), Some(2));
        assert_eq!(t.child(0, '国'), None);
        // Children come out in character order, not insertion order:
        // 国 U+56FD < 文 U+6587.
        assert_eq!(
            t.children(1).collect::<Vec<_>>(),
            vec![('国', 2), ('文', 4)]
        );
        assert!(t.is_leaf(3) && t.is_leaf(4) && !t.is_leaf(2));
    }

    #[test]
    fn longest_returns_the_deepest_accepted_node() {
        let mut t = Trie::default();
        let zhong = t.insert("中");
        let zhongguoren = t.insert("中国人");
        let keys = [zhong, zhongguoren];
        let is_key = |n| keys.contains(&n);
        // 中国 is a path but not a key: 中国家 stops at 中.
        assert_eq!(t.longest("中国家", is_key), Some(("中".len(), zhong)));
        assert_eq!(
            t.longest("中国人民", is_key),
            Some(("中国人".len(), zhongguoren))
        );
        assert_eq!(t.longest("国", is_key), None);
        assert_eq!(t.longest("", is_key), None);
    }
}
