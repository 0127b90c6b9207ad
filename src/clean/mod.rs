//! Text to cleaned text: the stage between decoding and conversion.
//!
//! Each repair here takes text and gives text back; none of them looks at
//! bytes or at the conversion config. [`Cleaner`] runs them in order over a
//! stream: character references first (so references that spell out
//! mojibake, such as `&#230;&#181;&#139;`, are repaired too), then mojibake
//! repair line by line.

pub mod entities;
pub mod mojibake;
pub mod pinyin;
pub mod tidy;

use entities::{EntityDecoder, EntityMode, EntityStats};

/// Which cleanup steps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanOptions {
    /// Decode HTML character references.
    pub entities: bool,
    /// Treat the text as HTML markup: references that spell markup syntax
    /// stay as written.
    pub markup: bool,
    /// Repair mojibake.
    pub mojibake: bool,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            entities: true,
            markup: false,
            mojibake: true,
        }
    }
}

impl CleanOptions {
    /// Every step off: text passes through unchanged.
    pub fn none() -> Self {
        CleanOptions {
            entities: false,
            markup: false,
            mojibake: false,
        }
    }
}

/// What the cleanup steps changed in one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanStats {
    /// Character references decoded.
    pub entities: EntityStats,
    /// Mojibake repaired and found irreparable.
    pub mojibake: mojibake::RepairStats,
}

/// Longest stretch without a line break held back for mojibake repair;
/// beyond it the text is cut at a character boundary.
const MAX_PENDING: usize = 1024 * 1024;

/// Streaming cleaner: push text in any pieces, get cleaned text back.
pub struct Cleaner {
    options: CleanOptions,
    entities: EntityDecoder,
    /// Entity-decoded text waiting for the end of its line.
    pending: String,
    scratch: String,
    stats: CleanStats,
}

impl Cleaner {
    /// A cleaner for one input.
    pub fn new(options: CleanOptions) -> Self {
        let mode = if options.markup {
            EntityMode::Markup
        } else {
            EntityMode::Text
        };
        Cleaner {
            options,
            entities: EntityDecoder::new(mode),
            pending: String::new(),
            scratch: String::new(),
            stats: CleanStats::default(),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> CleanStats {
        self.stats
    }

    /// Clean the next piece of text, appending what is final to `out`.
    pub fn push(&mut self, text: &str, out: &mut String) {
        if !self.options.entities && !self.options.mojibake {
            out.push_str(text);
            return;
        }
        if self.options.entities {
            self.scratch.clear();
            let s = self.entities.push(text, &mut self.scratch);
            self.stats.entities += s;
            let scratch = std::mem::take(&mut self.scratch);
            self.after_entities(&scratch, out, false);
            self.scratch = scratch;
        } else {
            self.after_entities(text, out, false);
        }
    }

    /// The input has ended: flush everything.
    pub fn finish(&mut self, out: &mut String) -> CleanStats {
        if self.options.entities {
            self.scratch.clear();
            let s = self.entities.finish(&mut self.scratch);
            self.stats.entities += s;
            let scratch = std::mem::take(&mut self.scratch);
            self.after_entities(&scratch, out, true);
            self.scratch = scratch;
        } else {
            self.after_entities("", out, true);
        }
        self.stats
    }

    fn after_entities(&mut self, text: &str, out: &mut String, last: bool) {
        if !self.options.mojibake {
            out.push_str(text);
            return;
        }
        self.pending.push_str(text);
        let cut = if last {
            self.pending.len()
        } else {
            match self.pending.rfind('\n') {
                Some(i) => i + 1,
                None if self.pending.len() > MAX_PENDING => {
                    let mut i = MAX_PENDING;
                    while !self.pending.is_char_boundary(i) {
                        i -= 1;
                    }
                    i
                }
                None => 0,
            }
        };
        if cut == 0 {
            return;
        }
        let (fixed, s) = mojibake::repair(&self.pending[..cut]);
        out.push_str(&fixed);
        self.stats.mojibake.add(&s);
        self.pending.drain(..cut);
    }
}

/// Whether text looks like an HTML document or fragment, judged on its
/// beginning: a doctype, or one of the tags every page has.
pub fn looks_like_html(head: &str) -> bool {
    let sample: String = head
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    let trimmed = sample.trim_start_matches('\u{FEFF}').trim_start();
    trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
        || [
            "<html", "<head>", "<body", "<meta ", "<title>", "<div", "<p>", "<br",
        ]
        .iter()
        .filter(|tag| sample.contains(*tag))
        .count()
            >= 2
}
