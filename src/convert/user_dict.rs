//! User dictionaries in OpenCC's text format, applied before the built-in ones.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::dict::{self, Trie};
use super::ConvertError;

/// A user dictionary: lines of `key<TAB>value [value…]`; blank lines and lines
/// starting with `#` are ignored. As in OpenCC, the first value is the one used.
#[derive(Debug, Clone, Default)]
pub struct UserDict {
    entries: Vec<(String, String)>,
    source: PathBuf,
}

/// Largest dictionary file read. OpenCC's own largest dictionary is a few
/// megabytes; the limit is there so that a wrong path (`/dev/zero`, a
/// disk image) fails at once instead of filling memory.
pub const MAX_DICT_BYTES: u64 = 64 * 1024 * 1024;
/// Longest line of a dictionary. A line is one key and its values, a few
/// dozen bytes in practice.
pub const MAX_DICT_LINE: usize = 64 * 1024;

impl UserDict {
    /// Reads and parses a dictionary file of at most [`MAX_DICT_BYTES`]
    /// with lines of at most [`MAX_DICT_LINE`] bytes.
    pub fn from_path(path: &Path) -> Result<Self, ConvertError> {
        let io = |source| ConvertError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // Read in chunks and check as it comes: the file may be endless.
        let mut reader = file.take(MAX_DICT_BYTES + 1);
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let (mut line, mut line_len) = (1usize, 0usize);
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io(e)),
            };
            for &b in &chunk[..n] {
                if b == b'\n' {
                    line += 1;
                    line_len = 0;
                } else {
                    line_len += 1;
                    if line_len > MAX_DICT_LINE {
                        return Err(ConvertError::DictSyntax {
                            path: path.to_owned(),
                            line,
                            message: format!(
                                "line longer than {} KiB, the most a dictionary line may have",
                                MAX_DICT_LINE / 1024
                            ),
                        });
                    }
                }
            }
            bytes.extend_from_slice(&chunk[..n]);
            if bytes.len() as u64 > MAX_DICT_BYTES {
                return Err(ConvertError::DictTooLarge {
                    path: path.to_owned(),
                    limit: MAX_DICT_BYTES,
                });
            }
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let raw = e.as_bytes();
            let line = raw[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            ConvertError::DictSyntax {
                path: path.to_owned(),
                line,
                message: format!("invalid UTF-8 at byte offset {offset}"),
            }
        })?;
        Self::parse(path, &text)
    }

    /// Parses dictionary text; `path` names the source in error messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConvertError> {
        let entries = dict::parse(text).map_err(|e| ConvertError::DictSyntax {
            path: path.to_owned(),
            line: e.line,
            message: e.message.to_owned(),
        })?;
        Ok(UserDict {
            entries: entries
                .into_iter()
                .map(|e| (e.key.to_owned(), e.value.to_owned()))
                .collect(),
            source: path.to_owned(),
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the dictionary has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file the dictionary was read from.
    pub fn source(&self) -> &Path {
        &self.source
    }
}

/// A trie over all user dictionaries; later entries override earlier ones
/// for the same key, within a dictionary and across dictionaries.
#[derive(Default)]
pub(crate) struct UserTrie {
    trie: Trie,
    values: HashMap<u32, String>,
    chars: HashSet<char>,
}

impl UserTrie {
    pub(crate) fn build(dicts: &[UserDict]) -> Self {
        let mut t = UserTrie::default();
        for d in dicts {
            for (k, v) in &d.entries {
                t.chars.extend(k.chars());
                let node = t.trie.insert(k);
                t.values.insert(node, v.clone());
            }
        }
        t
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub(crate) fn uses_char(&self, c: char) -> bool {
        self.chars.contains(&c)
    }

    /// The longest key at the start of `s`: its byte length and value.
    pub(crate) fn longest<'a>(&'a self, s: &str) -> Option<(usize, &'a str)> {
        let (len, node) = self.trie.longest(s, |n| self.values.contains_key(&n))?;
        Some((len, self.values[&node].as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_values_and_reports_bad_lines() {
        let p = Path::new("my.txt");
        let d = UserDict::parse(p, "# comment\n\n軟件\t軟體 软件\n").unwrap();
        assert_eq!(d.entries, vec![("軟件".to_owned(), "軟體".to_owned())]);
        let e = UserDict::parse(p, "好\t好\nno tab here\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "my.txt: line 2: expected 'key<TAB>value', found no tab"
        );
        assert!(UserDict::parse(p, "\tx\n").is_err());
        assert!(UserDict::parse(p, "x\t\n").is_err());
    }

    #[test]
    fn longest_key_wins_and_later_dicts_override() {
        let p = Path::new("a");
        let a = UserDict::parse(p, "中\tA\n中国\tB\n").unwrap();
        let b = UserDict::parse(p, "中\tC\n").unwrap();
        let t = UserTrie::build(&[a, b]);
        assert_eq!(t.longest("中国人"), Some(("中国".len(), "B")));
        assert_eq!(t.longest("中人"), Some(("中".len(), "C")));
        assert_eq!(t.longest("人"), None);
    }
}
