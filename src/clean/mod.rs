//! Text to cleaned text: the stage between decoding and conversion.
//!
//! Each repair here takes text and gives text back; none of them looks at
//! bytes or at the conversion config. [`Cleaner`] runs them in order over a
//! stream: character references first (so references that spell out
//! mojibake, such as `&#230;&#181;&#139;`, are repaired too), then, line by
//! line, mojibake repair and the removal of pinyin annotations.

pub mod entities;
pub mod mojibake;
pub mod pinyin;
pub mod tidy;

use entities::{EntityDecoder, EntityMode, EntityStats};
use pinyin::PinyinStage;

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
    /// Remove pinyin annotations left by spam mirrors (`經(jīng)`).
    pub pinyin: bool,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            entities: true,
            markup: false,
            mojibake: true,
            pinyin: true,
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
            pinyin: false,
        }
    }

    /// Whether any step would look at the text.
    pub fn is_noop(&self) -> bool {
        !self.entities && !self.line_steps()
    }

    /// Whether any step works on whole lines.
    fn line_steps(&self) -> bool {
        self.mojibake || self.pinyin
    }
}

/// What the cleanup steps changed in one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanStats {
    /// Character references decoded.
    pub entities: EntityStats,
    /// Mojibake repaired and found irreparable.
    pub mojibake: mojibake::RepairStats,
    /// Pinyin annotations removed and kept.
    pub pinyin: pinyin::PinyinStats,
}

/// Longest stretch without a line break held back for the line steps;
/// beyond it the text is cut at a character boundary.
const MAX_PENDING: usize = 1024 * 1024;

/// Streaming cleaner: push text in any pieces, get cleaned text back.
///
/// Character references are decoded as the text streams; the other steps
/// see whole lines, in order: mojibake repair, then pinyin annotations.
pub struct Cleaner {
    options: CleanOptions,
    entities: EntityDecoder,
    /// Entity-decoded text waiting for the end of its line.
    pending: String,
    scratch: String,
    pinyin: PinyinStage,
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
            pinyin: PinyinStage::new(),
            stats: CleanStats::default(),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> CleanStats {
        let mut stats = self.stats;
        stats.pinyin = self.pinyin.stats();
        stats
    }

    /// Clean the next piece of text, appending what is final to `out`.
    pub fn push(&mut self, text: &str, out: &mut String) {
        if self.options.is_noop() {
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

    /// Whether text that has ended its line is held back for a
    /// document-wide verdict (see [`Cleaner::settle`]).
    pub fn is_holding(&self) -> bool {
        self.pinyin.is_holding()
    }

    /// Live input has gone quiet: let out what is held back for a
    /// document-wide verdict, decided on what has arrived. Text waiting
    /// for the end of its line stays.
    pub fn settle(&mut self, out: &mut String) {
        self.pinyin.flush(out);
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
        self.pinyin.flush(out);
        self.stats()
    }

    fn after_entities(&mut self, text: &str, out: &mut String, last: bool) {
        if !self.options.line_steps() {
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
        let pending = std::mem::take(&mut self.pending);
        let block = &pending[..cut];
        if self.options.mojibake {
            let (fixed, s) = mojibake::repair(block);
            self.stats.mojibake.add(&s);
            self.lines(&fixed, out);
        } else {
            self.lines(block, out);
        }
        self.pending = pending;
        self.pending.drain(..cut);
    }

    /// The steps after mojibake repair, over whole lines.
    fn lines(&mut self, block: &str, out: &mut String) {
        if !self.options.pinyin {
            out.push_str(block);
            return;
        }
        for line in block.split_inclusive('\n') {
            self.pinyin.push_line(line, out);
        }
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
