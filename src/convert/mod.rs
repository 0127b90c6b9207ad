//! OpenCC-compatible conversion between Chinese scripts and regional variants.
//!
//! The engine reproduces the OpenCC 1.4.2 library's output for every one of
//! its configurations. Dictionaries are OpenCC's own (see `dictionaries/`),
//! compiled into tries by `build.rs`, so building a [`Converter`] parses
//! nothing and costs microseconds.
//!
//! ```
//! use zhnorm::convert::Converter;
//! let t2s = Converter::new("t2s").unwrap();
//! assert_eq!(t2s.convert("漢字轉換"), "汉字转换");
//! ```

// Parts of it serve only build.rs and the policy tests.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod dict;
mod engine;
// Compiled into build.rs, which plans the built-in matchers with it; here
// only for its unit tests.
#[cfg(test)]
mod policy;
mod scan;
mod stream;
mod tables;
mod user_dict;

use std::cell::RefCell;

pub use stream::StreamConverter;
pub use user_dict::{UserDict, MAX_DICT_BYTES, MAX_DICT_LINE};

use engine::{Plan, Scratch};
use user_dict::UserTrie;

/// Every configuration name accepted by [`Converter::new`]: OpenCC's
/// configurations (one per file in `dictionaries/config/`, in byte order)
/// plus `none`, which leaves text unchanged.
pub const CONFIG_NAMES: &[&str] = &include!(concat!(env!("OUT_DIR"), "/config_names.rs"));

/// One-line descriptions of the configurations, in [`CONFIG_NAMES`] order.
pub const CONFIG_DESCRIPTIONS: &[(&str, &str)] = &[
    ("hk2s", "Traditional (Hong Kong) to Simplified"),
    (
        "hk2sp",
        "Traditional (Hong Kong) to Simplified, with mainland phrases",
    ),
    (
        "hk2t",
        "Hong Kong variants to Traditional (OpenCC standard)",
    ),
    ("jp2t", "New Japanese kanji (shinjitai) to old (kyūjitai)"),
    ("s2hk", "Simplified to Traditional (Hong Kong)"),
    (
        "s2hkp",
        "Simplified to Traditional (Hong Kong), with Hong Kong phrases",
    ),
    ("s2t", "Simplified to Traditional (OpenCC standard)"),
    ("s2tw", "Simplified to Traditional (Taiwan)"),
    (
        "s2twp",
        "Simplified to Traditional (Taiwan), with Taiwan phrases",
    ),
    (
        "t2hk",
        "Traditional (OpenCC standard) to Hong Kong variants",
    ),
    ("t2jp", "Old Japanese kanji (kyūjitai) to new (shinjitai)"),
    ("t2s", "Traditional (OpenCC standard) to Simplified"),
    ("t2tw", "Traditional (OpenCC standard) to Taiwan variants"),
    ("tw2s", "Traditional (Taiwan) to Simplified"),
    (
        "tw2sp",
        "Traditional (Taiwan) to Simplified, with mainland phrases",
    ),
    ("tw2t", "Taiwan variants to Traditional (OpenCC standard)"),
    ("none", "no conversion"),
];

/// Errors from building a converter.
#[derive(Debug)]
pub enum ConvertError {
    /// The configuration name is not one of [`CONFIG_NAMES`].
    UnknownConfig(String),
    /// A user dictionary could not be read.
    Io {
        /// The dictionary file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A user dictionary line is malformed.
    DictSyntax {
        /// The dictionary file.
        path: std::path::PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// A user dictionary file is larger than the limit (see
    /// [`MAX_DICT_BYTES`]).
    DictTooLarge {
        /// The dictionary file.
        path: std::path::PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvertError::UnknownConfig(n) => {
                write!(
                    f,
                    "unknown config '{n}' (known: {})",
                    CONFIG_NAMES.join(", ")
                )
            }
            ConvertError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ConvertError::DictSyntax {
                path,
                line,
                message,
            } => {
                write!(f, "{}: line {line}: {message}", path.display())
            }
            ConvertError::DictTooLarge { path, limit } => write!(
                f,
                "{}: larger than {} MiB, the most a dictionary may have",
                path.display(),
                limit / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for ConvertError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConvertError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A ready-to-use conversion configuration. It is immutable, `Send` and
/// `Sync`, so one converter can serve many threads.
pub struct Converter {
    name: &'static str,
    /// `None` for the `none` configuration.
    plan: Option<Plan>,
    layout: Option<&'static tables::ConfigLayout>,
    user: UserTrie,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Converter {
    /// Builds the converter for a configuration name (see [`CONFIG_NAMES`]).
    pub fn new(name: &str) -> Result<Self, ConvertError> {
        Self::with_user_dicts(name, &[])
    }

    /// Builds a converter whose user dictionaries take precedence over the
    /// built-in ones.
    ///
    /// Wherever a user key occurs (longest key first, scanning left to
    /// right), its first value is output as it stands and the built-in
    /// stages never see those characters; the text between user matches is
    /// converted normally. Later dictionaries override earlier ones for the
    /// same key.
    pub fn with_user_dicts(name: &str, dicts: &[UserDict]) -> Result<Self, ConvertError> {
        let name = *CONFIG_NAMES
            .iter()
            .find(|n| **n == name)
            .ok_or_else(|| ConvertError::UnknownConfig(name.to_owned()))?;
        let layout = tables::config(name);
        let plan = layout.map(|l| Plan {
            normalization: l
                .normalization
                .iter()
                .map(|&i| tables::Matcher::get(i))
                .collect(),
            segmentation: l.segmentation.map(tables::Matcher::get),
            chain: l.chain.iter().map(|&i| tables::Matcher::get(i)).collect(),
            seg_heads_chain: l.seg_heads_chain,
            run_head: l.run_head.map(tables::Matcher::get),
        });
        Ok(Converter {
            name,
            plan,
            layout,
            user: UserTrie::build(dicts),
        })
    }

    /// The configuration name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether user dictionaries were given.
    pub fn has_user_dicts(&self) -> bool {
        !self.user.is_empty()
    }

    /// Whether conversion leaves every text as it is: the `none`
    /// configuration without user dictionaries.
    pub fn is_identity(&self) -> bool {
        self.plan.is_none() && self.user.is_empty()
    }

    /// A description of the stages, e.g. for `--verbose` output.
    pub fn describe(&self) -> String {
        let Some(plan) = &self.plan else {
            return "no conversion".into();
        };
        let mut parts = Vec::new();
        for m in &plan.normalization {
            parts.push(format!("normalise {}", m.describe));
        }
        if let Some(s) = &plan.segmentation {
            parts.push(format!("segment by {}", s.describe));
        }
        for m in &plan.chain {
            parts.push(format!("convert by {}", m.describe));
        }
        parts.join(" → ")
    }

    /// Converts a whole text.
    pub fn convert(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        self.convert_into(text, &mut out);
        out
    }

    /// Converts a whole text, appending the result to `out`.
    pub fn convert_into(&self, text: &str, out: &mut String) {
        if self.user.is_empty() {
            self.convert_builtin(text, out);
            return;
        }
        let b = text.as_bytes();
        let mut run_start = 0;
        let mut i = 0;
        while i < b.len() {
            if let Some((len, value)) = self.user.longest(&text[i..]) {
                self.convert_builtin(&text[run_start..i], out);
                out.push_str(value);
                i += len;
                run_start = i;
            } else {
                i += tables::char_len(b[i]);
            }
        }
        self.convert_builtin(&text[run_start..], out);
    }

    fn convert_builtin(&self, text: &str, out: &mut String) {
        if text.is_empty() {
            return;
        }
        match &self.plan {
            None => out.push_str(text),
            Some(plan) => SCRATCH.with(|s| match s.try_borrow_mut() {
                Ok(mut scratch) => plan.run(text, out, &mut scratch),
                // Re-entered on this thread (only possible from a panic
                // unwind or a nested call): use fresh buffers.
                Err(_) => plan.run(text, out, &mut Scratch::default()),
            }),
        }
    }

    /// Starts a chunk-by-chunk conversion with bounded memory.
    pub fn stream(&self) -> StreamConverter<'_> {
        StreamConverter::new(self)
    }

    /// Whether a stream may be cut right after `c` without changing the
    /// output: `c` occurs in no key of any stage or user dictionary.
    pub(crate) fn is_neutral(&self, c: char) -> bool {
        if engine::ids_arity(c as u32) != 0 || self.user.uses_char(c) {
            return false;
        }
        match self.layout {
            None => true,
            Some(l) => !tables::is_key_char(l, c as u32),
        }
    }

    /// How many code points before a cut must hold no ideographic
    /// description operator.
    pub(crate) fn ids_window(&self) -> u64 {
        self.layout
            .map_or(engine::IDS_MAX_CODE_POINTS as u64, |l| l.ids_window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_config_builds_and_is_listed() {
        assert_eq!(CONFIG_NAMES.len(), CONFIG_DESCRIPTIONS.len());
        for (name, (dname, _)) in CONFIG_NAMES.iter().zip(CONFIG_DESCRIPTIONS) {
            assert_eq!(name, dname);
            let c = Converter::new(name).unwrap();
            assert_eq!(c.name(), *name);
        }
        assert!(matches!(
            Converter::new("x2y"),
            Err(ConvertError::UnknownConfig(_))
        ));
    }

    #[test]
    fn none_is_identity() {
        let c = Converter::new("none").unwrap();
        assert_eq!(c.convert("漢字 abc"), "漢字 abc");
    }

    #[test]
    fn phrases_win_over_characters() {
        let t2s = Converter::new("t2s").unwrap();
        // 乾 is 干 alone, but stays 乾 in 乾隆 (a TSPhrases entry).
        assert_eq!(t2s.convert("乾隆"), "乾隆");
        assert_eq!(t2s.convert("乾燥"), "干燥");
    }

    #[test]
    fn ids_components_are_not_converted() {
        let t2s = Converter::new("t2s").unwrap();
        // Hand-checked against OpenCC 1.4.2: the sequence ⿰豈錢 is copied whole.
        assert_eq!(t2s.convert("⿰豈錢錢"), "⿰豈錢钱");
    }

    #[test]
    fn nul_and_what_follows_are_kept() {
        // OpenCC 1.4.2 drops everything after a NUL in segmented configs
        // (tw2s → "a"); zhnorm deliberately keeps the text.
        for name in ["t2s", "tw2s", "s2twp"] {
            let out = Converter::new(name).unwrap().convert("a\0b\n");
            assert_eq!(out, "a\0b\n", "{name}");
        }
        assert_eq!(Converter::new("tw2s").unwrap().convert("a\0漢"), "a\0汉");
    }

    #[test]
    fn converter_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Converter>();
    }
}
