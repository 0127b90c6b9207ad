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
mod scan;
pub mod tidy;

use entities::{EntityDecoder, EntityMode, EntityStats};
use pinyin::PinyinStage;
use tidy::{TidyOptions, TidyStats};

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
    /// Punctuation, width, Unicode hygiene, Markdown remnants, line endings.
    pub tidy: TidyOptions,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            entities: true,
            markup: false,
            mojibake: true,
            pinyin: true,
            tidy: TidyOptions::default(),
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
            tidy: TidyOptions::none(),
        }
    }

    /// Whether any step would look at the text.
    pub fn is_noop(&self) -> bool {
        !self.entities && !self.line_steps()
    }

    /// Whether any step works on whole lines.
    fn line_steps(&self) -> bool {
        self.mojibake || self.pinyin || !self.tidy.is_noop()
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
    /// What the tidy steps changed.
    pub tidy: TidyStats,
}

impl CleanStats {
    /// Adds the counts of another input, or of another piece of one.
    pub fn add(&mut self, other: &CleanStats) {
        self.entities += other.entities;
        self.mojibake.add(&other.mojibake);
        self.pinyin.add(&other.pinyin);
        self.tidy.add(&other.tidy);
    }
}

/// Longest stretch without a line break held back for the line steps; a
/// longer line is cut into pieces of at most this size, counted from its
/// start (see [`long_line_cut`]), so that memory stays bounded and the
/// pieces are the same however the text arrives.
pub const MAX_PENDING: usize = 1024 * 1024;

/// How far back from [`MAX_PENDING`] a cut looks for a seam between two
/// Han characters.
const SEAM_SEARCH: usize = 64 * 1024;

/// Where the first piece of an over-long line starting `text` ends, given
/// that `text` holds more than [`MAX_PENDING`] bytes of it. A function of
/// the line's first [`MAX_PENDING`] bytes alone, so that whether the text
/// came in one push or many, the line is cut at the same places.
///
/// The cut goes between two Han characters where one is near the limit:
/// there no step sees a line end that was not there (tidy would trim
/// spaces at one, and Latin words or entity-like text are left whole). If
/// there is none, at the last character boundary under the limit.
pub fn long_line_cut(text: &str) -> usize {
    let limit = MAX_PENDING.min(text.len());
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut floor = end.saturating_sub(SEAM_SEARCH);
    while !text.is_char_boundary(floor) {
        floor += 1;
    }
    let window = &text[floor..end];
    let mut next: Option<char> = None;
    for (i, c) in window.char_indices().rev() {
        if let Some(n) = next {
            if crate::model::is_han(c as u32) && crate::model::is_han(n as u32) {
                return floor + i + c.len_utf8();
            }
        }
        next = Some(c);
    }
    end
}

/// Streaming cleaner: push text in any pieces, get cleaned text back.
///
/// Character references are decoded as the text streams; the other steps
/// see whole lines, in order: mojibake repair, pinyin annotations, tidy.
pub struct Cleaner {
    options: CleanOptions,
    entities: EntityDecoder,
    /// Entity-decoded text waiting for the end of its line.
    pending: String,
    pinyin: PinyinStage,
    /// Whether lines no step would touch skip the steps; off only in tests
    /// that hold the shortcut against the full path.
    fast: bool,
    /// Whether text that reference decoding would pass on as it is goes to
    /// the line steps without being copied into `pending` first; off only
    /// in tests that hold this against the copying way.
    direct: bool,
    /// Lines out of the pinyin stage, waiting for tidy.
    unpinned: String,
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
            pinyin: PinyinStage::new(),
            fast: true,
            direct: true,
            unpinned: String::new(),
            stats: CleanStats::default(),
        }
    }

    /// The same cleaner with every line taking the full path.
    #[cfg(test)]
    fn full_path(mut self) -> Self {
        self.fast = false;
        self
    }

    /// The same cleaner copying all text into `pending` before the line
    /// steps.
    #[cfg(test)]
    fn copying(mut self) -> Self {
        self.direct = false;
        self
    }

    /// Counts so far.
    pub fn stats(&self) -> CleanStats {
        let mut stats = self.stats;
        // The pinyin stage keeps its own counts.
        stats.pinyin = self.pinyin.stats();
        stats
    }

    /// Clean the next piece of text, appending what is final to `out`.
    pub fn push(&mut self, text: &str, out: &mut String) {
        if self.options.is_noop() {
            out.push_str(text);
            return;
        }
        self.take(text, out, false);
    }

    /// How many bytes at the start of `text` this cleaner would pass on
    /// as they are, in whole lines, with nothing before them still inside
    /// it: the caller may hand `text[..n]` to the next stage itself and
    /// [`push`](Self::push) only the rest, without a copy of the plain
    /// lines. Zero whenever the cleaner holds anything, or might change or
    /// count something in those lines.
    pub fn plain_prefix(&self, text: &str) -> usize {
        if !self.fast || !self.direct || !self.pending.is_empty() || self.is_holding() {
            return 0;
        }
        if self.options.entities && !self.entities.passes_through(text) {
            return 0;
        }
        if !self.options.line_steps() {
            return text.len();
        }
        let eol_kept = matches!(self.options.tidy.eol, tidy::Eol::Keep | tidy::Eol::Lf);
        if !eol_kept || self.pinyin_busy() || text.len() > MAX_PENDING {
            return 0;
        }
        let whole = memchr::memrchr(b'\n', text.as_bytes()).map_or(0, |i| i + 1);
        scan::plain_lines(&text[..whole])
    }

    /// Decodes references in `text` (unless that step is off) straight
    /// into the text waiting for its line end, or into `out` when no line
    /// step follows, then cleans the lines now complete (all of them if
    /// `last`).
    fn take(&mut self, text: &str, out: &mut String, last: bool) {
        if !self.options.line_steps() {
            if self.options.entities {
                self.stats.entities += if last {
                    self.entities.finish(out)
                } else {
                    self.entities.push(text, out)
                };
            } else {
                out.push_str(text);
            }
            return;
        }
        // Nearly all text has no reference and arrives after a line break:
        // its whole lines go to the line steps straight from `text`, and
        // only the unfinished last one is kept. (A piece over the limit
        // takes the way below, which cuts over-long lines.)
        let passes = !self.options.entities || self.entities.passes_through(text);
        if self.direct && !last && passes && self.pending.is_empty() && text.len() <= MAX_PENDING {
            let cut = memchr::memrchr(b'\n', text.as_bytes()).map_or(0, |i| i + 1);
            if cut > 0 {
                self.clean_lines(&text[..cut], out);
            }
            self.pending.push_str(&text[cut..]);
            return;
        }
        if self.options.entities {
            self.stats.entities += if last {
                self.entities.finish(&mut self.pending)
            } else {
                self.entities.push(text, &mut self.pending)
            };
        } else {
            self.pending.push_str(text);
        }
        self.after_pending(out, last);
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
        let mut lines = std::mem::take(&mut self.unpinned);
        self.pinyin.flush(&mut lines);
        self.tidy(&lines, out);
        lines.clear();
        self.unpinned = lines;
    }

    /// The input has ended: flush everything.
    pub fn finish(&mut self, out: &mut String) -> CleanStats {
        self.take("", out, true);
        self.settle(out);
        self.stats()
    }

    /// Cleans the complete lines of `pending` (all of it if `last`).
    fn after_pending(&mut self, out: &mut String, last: bool) {
        // A line over the limit goes on in pieces from its start, whatever
        // else arrived with it.
        while self.pending.len() > MAX_PENDING {
            // The whole lines before the first over-long one, if any.
            let mut whole = 0;
            let mut long = false;
            for nl in memchr::memchr_iter(b'\n', self.pending.as_bytes()) {
                if nl + 1 - whole > MAX_PENDING {
                    long = true;
                    break;
                }
                whole = nl + 1;
            }
            long |= self.pending.len() - whole > MAX_PENDING;
            if !long {
                break;
            }
            if whole > 0 {
                self.clean_block(whole, out);
            }
            let cut = long_line_cut(&self.pending);
            self.clean_block(cut, out);
        }
        let cut = if last {
            self.pending.len()
        } else {
            memchr::memrchr(b'\n', self.pending.as_bytes()).map_or(0, |i| i + 1)
        };
        if cut == 0 {
            return;
        }
        self.clean_block(cut, out);
    }

    /// Runs the line steps over the first `cut` bytes of `pending` (whole
    /// lines, or a piece of an over-long one) and drops them from it.
    ///
    /// Line by line, so that what one line looks like never sways the
    /// repair of another: how the input was cut into blocks must not
    /// change the output. Runs of lines that no step would touch
    /// ([`scan::plain_lines`]) are copied out at once.
    fn clean_block(&mut self, cut: usize, out: &mut String) {
        let pending = std::mem::take(&mut self.pending);
        self.clean_lines(&pending[..cut], out);
        self.pending = pending;
        self.pending.drain(..cut);
    }

    /// The line steps over `block` (whole lines, or a piece of an
    /// over-long one), line by line.
    fn clean_lines(&mut self, block: &str, out: &mut String) {
        // A plain line has no CR, so its break is the `\n` every step's own
        // line splitting cuts at, and no break is rewritten but CRLF's.
        let eol_kept = matches!(self.options.tidy.eol, tidy::Eol::Keep | tidy::Eol::Lf);
        let mut from = 0;
        while from < block.len() {
            if self.fast && eol_kept && !self.pinyin_busy() {
                let plain = scan::plain_lines(&block[from..]);
                out.push_str(&block[from..from + plain]);
                from += plain;
                if from == block.len() {
                    break;
                }
            }
            let end = memchr::memchr(b'\n', &block.as_bytes()[from..])
                .map_or(block.len(), |i| from + i + 1);
            self.clean_line(&block[from..end], out);
            from = end;
        }
    }

    /// Whether the pinyin step holds lines or strips them, so that even a
    /// line without annotations must go through it.
    fn pinyin_busy(&self) -> bool {
        self.options.pinyin && (self.pinyin.is_holding() || self.pinyin.verdict().any())
    }

    /// The line steps over one line: mojibake repair, then pinyin and tidy.
    fn clean_line(&mut self, line: &str, out: &mut String) {
        let composed = if self.options.mojibake && self.options.tidy.unicode {
            compose_marks(line, &mut self.stats.tidy)
        } else {
            std::borrow::Cow::Borrowed(line)
        };
        if self.options.mojibake {
            let (fixed, s) = mojibake::repair(&composed);
            self.stats.mojibake.add(&s);
            self.lines(&fixed, out);
        } else {
            self.lines(&composed, out);
        }
    }

    /// The steps after mojibake repair, over whole lines.
    fn lines(&mut self, block: &str, out: &mut String) {
        if !self.options.pinyin {
            self.tidy(block, out);
            return;
        }
        let mut lines = std::mem::take(&mut self.unpinned);
        for line in lines_of(block) {
            self.pinyin.push_line(line, &mut lines);
        }
        self.tidy(&lines, out);
        lines.clear();
        self.unpinned = lines;
    }

    fn tidy(&mut self, lines: &str, out: &mut String) {
        let opts = &self.options.tidy;
        if opts.is_noop() {
            out.push_str(lines);
            return;
        }
        let repair = self.options.mojibake;
        for line in split_lines(lines) {
            tidy_and_repair(line, opts, repair, out, &mut self.stats);
        }
    }
}

/// Whether a new [`Cleaner`] with `options` gives `text` back as it is and
/// counts nothing, known without running it: no character reference to
/// decode, and every line one the cleaner's own shortcut passes
/// ([`scan::plain_lines`]). It may say no where the cleaner would change
/// nothing, never yes where it would change or count something.
pub(crate) fn leaves_alone(options: &CleanOptions, text: &str) -> bool {
    if options.entities && memchr::memchr(b'&', text.as_bytes()).is_some() {
        return false;
    }
    if !options.line_steps() {
        return true;
    }
    // As in `Cleaner::clean_lines`: a plain line has no CR, so only a
    // CRLF ending would be rewritten; and over the limit lines are cut.
    matches!(options.tidy.eol, tidy::Eol::Keep | tidy::Eol::Lf)
        && text.len() <= MAX_PENDING
        && scan::plain_lines(text) == text.len()
}

/// Tidies one line; if that changed it and mojibake repair is on, repairs
/// and tidies again until neither changes anything (at most a few rounds).
///
/// Why: tidy can change what the repair sees (a zero-width space removed, a
/// radical made an ideograph, an accent composed), and the repair judges a
/// line by its characters, so without this a second run over the output
/// could repair what the first left.
pub(crate) fn tidy_and_repair(
    line: &str,
    opts: &TidyOptions,
    repair: bool,
    out: &mut String,
    stats: &mut CleanStats,
) {
    let start = out.len();
    tidy::tidy_line(line, opts, out, &mut stats.tidy);
    if !repair || out[start..] == *line {
        return;
    }
    for _ in 0..4 {
        let (fixed, s) = mojibake::repair(&out[start..]);
        let std::borrow::Cow::Owned(fixed) = fixed else {
            return;
        };
        stats.mojibake.add(&s);
        out.truncate(start);
        tidy::tidy_line(&fixed, opts, out, &mut stats.tidy);
        if out[start..] == *fixed {
            return;
        }
    }
}

/// Puts combining marks on their letters (NFC) before mojibake repair,
/// which tidy would do anyway later: the repair judges a line partly by its
/// Latin-1 letters, so `e` + U+0301 and `é` must look the same to it, or a
/// second run over the output would repair what the first did not.
/// Only text with a mark from U+0300–U+036F (UTF-8 lead bytes 0xCC, 0xCD)
/// is touched, found at memchr speed.
pub(crate) fn compose_marks<'t>(text: &'t str, stats: &mut TidyStats) -> std::borrow::Cow<'t, str> {
    use unicode_normalization::UnicodeNormalization;
    if memchr::memchr2(0xCC, 0xCD, text.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    // Line by line, and only lines with a mark: NFC also maps compatibility
    // ideographs, and doing that to a line because another line of the same
    // block had an accent would make the result (and the counts) depend on
    // how the input was cut into blocks.
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        if memchr::memchr2(0xCC, 0xCD, line.as_bytes()).is_none() {
            out.push_str(line);
            continue;
        }
        let start = out.len();
        out.extend(line.nfc());
        if out[start..] != *line {
            stats.nfc += 1;
            changed = true;
        }
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Lines with their `\n` (the last may have none), found by memchr.
fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest.as_bytes()).map_or(rest.len(), |i| i + 1);
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// Lines with their terminators: `\n`, `\r\n`, or a lone `\r` (old Mac
/// files), so that tidy sees every line break as the end of a line.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        if from >= bytes.len() {
            return None;
        }
        let start = from;
        let end = match memchr::memchr2(b'\n', b'\r', &bytes[start..]) {
            None => bytes.len(),
            Some(i) => {
                let at = start + i;
                if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                    at + 2
                } else {
                    at + 1
                }
            }
        };
        from = end;
        Some(&text[start..end])
    })
}

/// Whether text looks like an HTML document or fragment (or an XML feed,
/// which is markup in the same way), judged on its beginning: a doctype, an
/// XML declaration, or tags every page has.
pub fn looks_like_html(head: &str) -> bool {
    let sample: String = head
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut trimmed = sample.trim_start_matches('\u{FEFF}').trim_start();
    // Saved pages often open with a comment (`<!-- saved from url=... -->`)
    // before the doctype or `<html>`.
    while let Some(rest) = trimmed.strip_prefix("<!--") {
        match rest.find("-->") {
            Some(end) => trimmed = rest[end + 3..].trim_start(),
            None => break,
        }
    }
    trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
        || trimmed.starts_with("<?xml")
        || trimmed.starts_with("<rss")
        || trimmed.starts_with("<feed")
        || [
            "<html", "<head>", "<body", "<meta ", "<title>", "<div", "<p>", "<br",
        ]
        .iter()
        .filter(|tag| sample.contains(*tag))
        .count()
            >= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of text: the kinds of character plain lines are made of,
    /// and beside them everything a step acts on or counts, so that
    /// random lines sit on both sides of the shortcut's border.
    const PARTS: &[&str] = &[
        "經濟發展",
        "條文",
        "，",
        "。",
        "、",
        "（一）",
        "：",
        "abc 123",
        "\t",
        " ",
        ",",
        ";",
        "?",
        "!",
        ":",
        "(",
        ")",
        "區(qū)",
        "經(jīng)",
        "們(men)",
        "[]()",
        "![]()",
        "|",
        "&amp;",
        "&#20013;",
        "&lt;",
        "<p>",
        "&",
        "娴嬭瘯",
        "鍙傝€",
        "Ã¦Âµ",
        "é",
        "e\u{301}",
        "\u{A0}",
        "\u{200B}",
        "\u{200D}",
        "\u{FEFF}",
        "\u{85}",
        "\u{9F}",
        "\u{7}",
        "\u{7F}",
        "\r",
        "\r\n",
        "\n",
        "\n",
        "Ａ",
        "１",
        "\u{3000}",
        "\u{F900}",
        "\u{2F00}",
        "\u{4DC0}",
        "\u{E000}",
        "\u{FFFD}",
        "锟斤拷",
        "─│┼",
        "│,",
        "\u{3000},",
        "中\u{3000}(",
        "─(",
        "齾齉龘",
        "𠀀",
        "·",
        "©",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PARTS), 0..40).prop_map(|v| v.concat())
    }

    fn options() -> impl Strategy<Value = CleanOptions> {
        (any::<[bool; 8]>(), 0..3u8).prop_map(|(b, eol)| CleanOptions {
            entities: b[0],
            markup: b[1],
            mojibake: b[2],
            pinyin: b[3],
            tidy: TidyOptions {
                punct: b[4],
                width: b[5],
                unicode: b[6],
                markdown: b[7],
                eol: match eol {
                    0 => tidy::Eol::Keep,
                    1 => tidy::Eol::Lf,
                    _ => tidy::Eol::Crlf,
                },
            },
        })
    }

    fn run(mut cleaner: Cleaner, text: &str, cut: usize) -> (String, CleanStats) {
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut out = String::new();
        cleaner.push(&text[..cut], &mut out);
        cleaner.push(&text[cut..], &mut out);
        let stats = cleaner.finish(&mut out);
        (out, stats)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The shortcut for plain lines gives what every line taking
        /// every step gives, text and counts, under any options and cut.
        #[test]
        fn shortcut_is_the_full_path(text in text(), options in options(), cut in 0..400usize) {
            let fast = run(Cleaner::new(options), &text, cut);
            let full = run(Cleaner::new(options).full_path(), &text, cut);
            prop_assert_eq!(fast, full);
        }

        /// Lines taken straight from the pushed text give what lines
        /// copied into the cleaner first give, however the text is cut.
        #[test]
        fn direct_lines_are_copied_lines(
            text in text(),
            options in options(),
            cuts in prop::collection::vec(0..400usize, 0..4),
        ) {
            let run_cuts = |mut cleaner: Cleaner| {
                let mut at: Vec<usize> = cuts.iter().map(|&c| {
                    let mut c = c.min(text.len());
                    while !text.is_char_boundary(c) {
                        c -= 1;
                    }
                    c
                }).collect();
                at.sort_unstable();
                let mut out = String::new();
                let mut from = 0;
                for c in at.into_iter().chain([text.len()]) {
                    cleaner.push(&text[from..c], &mut out);
                    from = c;
                }
                let stats = cleaner.finish(&mut out);
                (out, stats)
            };
            let direct = run_cuts(Cleaner::new(options));
            let copied = run_cuts(Cleaner::new(options).copying());
            prop_assert_eq!(direct, copied);
        }

        /// Handing the plain prefix on past the cleaner and pushing the
        /// rest gives what pushing everything gives.
        #[test]
        fn plain_prefix_is_what_the_cleaner_passes(
            text in text(),
            options in options(),
            cut in 0..400usize,
        ) {
            let mut cut = cut.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let (first, second) = text.split_at(cut);
            let mut cleaner = Cleaner::new(options);
            let mut out = String::new();
            for piece in [first, second] {
                let n = cleaner.plain_prefix(piece);
                out.push_str(&piece[..n]);
                cleaner.push(&piece[n..], &mut out);
            }
            let stats = cleaner.finish(&mut out);
            prop_assert_eq!((out, stats), run(Cleaner::new(options), &text, cut));
        }

        /// What `leaves_alone` lets through, a cleaner gives back as it
        /// is, with nothing counted.
        #[test]
        fn left_alone_is_unchanged(text in text(), options in options()) {
            if leaves_alone(&options, &text) {
                let (out, stats) = run(Cleaner::new(options), &text, text.len());
                prop_assert_eq!(out, text);
                prop_assert_eq!(stats, CleanStats::default());
            }
        }

        /// What the classifier calls plain, each step passes through
        /// unchanged and uncounted on its own.
        #[test]
        fn plain_lines_are_left_alone(text in text()) {
            for line in text.split(['\n', '\r']) {
                if !scan::plain_line(line) {
                    continue;
                }
                let (fixed, stats) = mojibake::repair(line);
                prop_assert_eq!(&*fixed, line);
                prop_assert_eq!(stats, mojibake::RepairStats::default());
                let mut out = String::new();
                let mut tidy_stats = TidyStats::default();
                tidy::tidy_line(line, &TidyOptions::default(), &mut out, &mut tidy_stats);
                prop_assert_eq!(&out, line);
                prop_assert_eq!(tidy_stats, TidyStats::default());
                prop_assert_eq!(pinyin::Evidence::default().observe(line), 0);
            }
        }
    }
}
