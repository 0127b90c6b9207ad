//! Punctuation, width and Unicode hygiene, and Markdown remnants: the small
//! repairs scraped Chinese text needs after decoding, one line at a time.
//!
//! Every step is local to a line, so text cut after any line break tidies
//! the same in pieces as whole (a CR and the LF after it must stay
//! together), and the output is a fixed point: tidying it again changes
//! nothing. Clean text comes out byte for byte as it went in, and is
//! recognised by a single cheap scan.
//!
//! # Lines
//!
//! A line ends after `\n`, `\r\n` or a lone `\r`. Line breaks are kept as
//! they are unless [`TidyOptions::eol`] asks for LF or CRLF; the last line
//! keeps having none if it had none. Every kept line keeps its own break,
//! but in a file that mixes lone CRs and LFs, a line ending in CR followed
//! by an LF-terminated line that is dropped or emptied reads back as CRLF.
//!
//! # Unicode (`unicode`)
//!
//! * Removed: U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER, U+FEFF (a
//!   byte-order mark or zero-width no-break space, anywhere), U+00AD SOFT
//!   HYPHEN, and the controls U+0000–U+001F (but tab, LF, CR), U+007F and
//!   U+0080–U+009F.
//! * ZWJ U+200D, ZWNJ U+200C and the Mongolian vowel separator U+180E are
//!   removed unless they do something: any of them stays next to a letter
//!   of a script that shapes with them (Arabic, Indic, Tibetan, Myanmar,
//!   Khmer, Mongolian, …), and a ZWJ stays between two emoji parts, so
//!   👨‍👩‍👧 and 🏳️‍🌈 survive. A run of them is judged by the characters
//!   around the run. Between Han characters or ASCII they go. (U+180E is
//!   kept in Mongolian words, where it still selects a vowel's form.)
//! * U+00A0, U+202F and U+2007 (no-break spaces) become ASCII spaces.
//! * Kangxi radicals (U+2F00–U+2FD5, ⼀⼈⼤ from PDF extraction) and the two
//!   CJK Radicals Supplement characters with a compatibility mapping (⺟⻳)
//!   become the ideographs they stand for; only these get NFKC's mapping.
//! * CJK compatibility ideographs become their unified ideographs (NFC does
//!   this; they are counted apart), then the line is put in NFC.
//!
//! # Width (`width`)
//!
//! Full-width Latin letters and digits (Ａ–Ｚ, ａ–ｚ, ０–９) become ASCII.
//! Full-width punctuation stays: it belongs to Chinese text.
//!
//! # Markdown remnants (`markdown`)
//!
//! * An empty image or link, `![]()` or `[]()` with nothing but spaces or
//!   tabs inside the brackets, is removed, with the blank that would be left
//!   doubled or dangling at the end of the line. Not inside inline code
//!   (`` `[]()` ``), and not before `{`, `->`, `mutable` and the other
//!   words that follow a C++ lambda's `[]()`.
//! * A line that only such removals made blank is dropped with its line
//!   break; a line that was blank already stays.
//! * A line holding only `|` and whitespace (`| | |`, `||`), an empty table
//!   row, is dropped with its line break.
//!
//! # Punctuation (`punct`)
//!
//! ASCII `, ; : ? ! ( )` become `，；：？！（）` inside Chinese sentences,
//! and nowhere else. What counts as Chinese is the character itself, not
//! the line: a *strong* character is a Han ideograph (with Bopomofo, 々,
//! 〇, radicals) or CJK or full-width punctuation (U+3001–U+303F, U+FF01–
//! U+FF65, …; not the ideographic space); a *weak* one is punctuation that
//! English uses too: `“ ” ‘ ’ … — ·`.
//!
//! * `,` `;` `:` convert when the character right before is strong or weak,
//!   the first character after it (past ASCII spaces) is strong or weak,
//!   and at least one of the two is strong. The spaces go: `学院, 江苏` →
//!   `学院，江苏`. So `1,000`, `3:30`, `下午3:30`, `中文, English`,
//!   `中文,\t中文` and `他说:"你好"` stay, and `他说:“你好”` converts. A
//!   `:` at the end of a line stays (`如下:`): it is as often a key in
//!   configuration text as a colon in prose.
//! * A run of `?` and `!` converts as a whole on the same condition, or
//!   when the character before it is strong and only spaces follow it to
//!   the end of the line: `你好吗?` → `你好吗？`, `真的?!` → `真的？！`.
//!   Trailing spaces at the end of the line stay.
//! * Brackets convert in pairs only, never one of a pair. Pairs are matched
//!   on the line, nested ones included. A pair converts when its content
//!   holds a Han character and the character before `(` is strong (spaces
//!   between go: `中文 (注释)` → `中文（注释）`), weak, or one of the ASCII
//!   marks above right after a strong character (`中,(注)` → `中，（注）`);
//!   at the start of a line, when the content opens with a strong or weak
//!   character (`(一)总则` converts, `(print "中文")` does not). ASCII
//!   spaces after `)` go when a strong character follows them. So
//!   `中文(注释)中文` converts, while `長江(Cháng Jiāng)`, `短信(duǎnxìn)`,
//!   `实验室(skylab)`, `水深(m)`, `a(1)` and `print("中文")` stay.
//! * Nothing converts inside a URL (from a scheme's `://` or a word-initial
//!   `www.` to a space, CJK punctuation, or a non-ASCII character right after
//!   an ASCII letter or digit: `见http://a.cn/路径?参数=1了解` keeps its `?`)
//!   or inside inline code.
//! * One conversion can make the next one's neighbour Chinese (the `?` in
//!   `他(你好吗?)` converts once the pair has): the rules run until nothing
//!   changes. A mark whose neighbours never become Chinese stays, so
//!   `中文,,中文` keeps both commas.
//!
//! # Order
//!
//! Within a line: the character-by-character repairs (Unicode and width);
//! then joiners, Markdown remnants and NFC, again and again until none of
//! them changes anything; then punctuation; then the line break. Each step
//! runs before any step that what it removes could hide something from:
//! removing a control, a joiner or `![]()` can put a combining mark next to
//! a new base for NFC, NFC can reorder marks around a joiner, and NFC can
//! produce `;` (from U+037E).

mod chars;
mod markdown;
mod punct;
mod unicode;

use std::borrow::Cow;

use chars::Ctx;

/// How line breaks come out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Eol {
    /// Each line keeps the break it came with.
    #[default]
    Keep,
    /// Every break becomes `\n`.
    Lf,
    /// Every break becomes `\r\n`.
    Crlf,
}

/// Which tidy steps run. Default: all on, line endings kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TidyOptions {
    /// ASCII punctuation inside Chinese sentences made full-width.
    pub punct: bool,
    /// Full-width Latin letters and digits made ASCII.
    pub width: bool,
    /// Invisible characters, controls, no-break spaces, radicals,
    /// compatibility ideographs, NFC.
    pub unicode: bool,
    /// Empty images, links and table rows from HTML-to-Markdown conversion.
    pub markdown: bool,
    /// Line breaks.
    pub eol: Eol,
}

impl Default for TidyOptions {
    fn default() -> Self {
        TidyOptions {
            punct: true,
            width: true,
            unicode: true,
            markdown: true,
            eol: Eol::Keep,
        }
    }
}

impl TidyOptions {
    /// Every step off: text passes through unchanged.
    pub fn none() -> Self {
        TidyOptions {
            punct: false,
            width: false,
            unicode: false,
            markdown: false,
            eol: Eol::Keep,
        }
    }

    /// Whether these options leave every text as it is.
    pub fn is_noop(&self) -> bool {
        !self.punct && !self.width && !self.unicode && !self.markdown && self.eol == Eol::Keep
    }
}

/// Counts of what changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TidyStats {
    /// Punctuation characters made full-width.
    pub punct: u64,
    /// Full-width letters and digits made ASCII.
    pub width: u64,
    /// Zero-width characters, soft hyphens and needless joiners removed.
    pub invisible: u64,
    /// Control characters removed.
    pub controls: u64,
    /// No-break spaces made ASCII spaces.
    pub nbsp: u64,
    /// Stretches of text NFC changed (compatibility ideographs aside).
    pub nfc: u64,
    /// CJK compatibility ideographs made unified ideographs.
    pub compat_ideographs: u64,
    /// Radicals made ideographs.
    pub radicals: u64,
    /// Empty images and links removed, and empty table rows dropped.
    pub markdown: u64,
    /// Line breaks changed.
    pub eol: u64,
}

impl TidyStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &TidyStats) {
        self.punct += other.punct;
        self.width += other.width;
        self.invisible += other.invisible;
        self.controls += other.controls;
        self.nbsp += other.nbsp;
        self.nfc += other.nfc;
        self.compat_ideographs += other.compat_ideographs;
        self.radicals += other.radicals;
        self.markdown += other.markdown;
        self.eol += other.eol;
    }

    /// All changes together; zero exactly when the text came out as it went
    /// in.
    pub fn total(&self) -> u64 {
        self.punct
            + self.width
            + self.invisible
            + self.controls
            + self.nbsp
            + self.nfc
            + self.compat_ideographs
            + self.radicals
            + self.markdown
            + self.eol
    }
}

/// Tidy one line. `line` is a whole line INCLUDING its terminator (`"\n"`,
/// `"\r\n"`, `"\r"`) or none for the last line.
///
/// Appends the result to `out` (possibly nothing if the line is dropped)
/// and adds counts to `stats`. Several lines at once are fine too: each is
/// tidied on its own, exactly as [`tidy`] would.
pub fn tidy_line(line: &str, opts: &TidyOptions, out: &mut String, stats: &mut TidyStats) {
    if opts.is_noop() {
        out.push_str(line);
        return;
    }
    let mut rest = line;
    while !rest.is_empty() {
        let (body, term, next) = split_line(rest);
        tidy_body(body, term, opts, out, stats);
        rest = next;
    }
}

/// Tidy a whole text (splitting into lines itself) and return it with its
/// counts.
pub fn tidy(text: &str, opts: &TidyOptions) -> (String, TidyStats) {
    let mut out = String::with_capacity(text.len());
    let mut stats = TidyStats::default();
    let mut rest = text;
    while !rest.is_empty() {
        let (body, term, next) = split_line(rest);
        let whole = body.len() + term.len();
        tidy_line(&rest[..whole], opts, &mut out, &mut stats);
        rest = next;
    }
    (out, stats)
}

/// The first line of `text`: its content, its break, and what follows.
fn split_line(text: &str) -> (&str, &str, &str) {
    let b = text.as_bytes();
    match memchr::memchr2(b'\n', b'\r', b) {
        None => (text, "", ""),
        Some(i) => {
            let len = if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            (&text[..i], &text[i..i + len], &text[i + len..])
        }
    }
}

fn push_eol(term: &str, opts: &TidyOptions, out: &mut String, stats: &mut TidyStats) {
    let want = match opts.eol {
        _ if term.is_empty() => "",
        Eol::Keep => term,
        Eol::Lf => "\n",
        Eol::Crlf => "\r\n",
    };
    if want != term {
        stats.eol += 1;
    }
    out.push_str(want);
}

/// What a line may need, from one pass over it. Each flag may say yes
/// where a step turns out to change nothing, never no where it would.
#[derive(Debug, Default)]
struct Needs {
    /// Character-by-character repairs (Unicode or width).
    local: bool,
    joiners: bool,
    nfc: bool,
    markdown: bool,
    punct: bool,
}

impl Needs {
    fn any(&self) -> bool {
        self.local || self.joiners || self.nfc || self.markdown || self.punct
    }
}

/// ASCII bytes some step may act on: the punctuation that converts, the
/// Markdown characters, controls (not tab).
const ASCII_SPECIAL: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 0x20 {
        t[i] = i != b'\t' as usize;
        i += 1;
    }
    t[0x7F] = true;
    let marks = b",;:?!([|";
    let mut k = 0;
    while k < marks.len() {
        t[marks[k] as usize] = true;
        k += 1;
    }
    t
};

fn scan(s: &str, opts: &TidyOptions) -> Needs {
    let mut needs = Needs::default();
    let mut strong = false;
    let mut candidate = false;
    // Whether `, ; : ? !` here would have Chinese on its left.
    let mut after_ctx = false;
    // Whether `(` here could have a Chinese or an empty left side.
    let mut open_ok = true;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if ASCII_SPECIAL[x as usize] {
                match x {
                    b',' | b';' | b':' | b'?' | b'!' => candidate |= after_ctx,
                    b'(' => candidate |= open_ok,
                    b'[' | b'|' => needs.markdown = true,
                    _ => needs.local |= opts.unicode,
                }
            }
            after_ctx = false;
            open_ok = x == b' ' || x == b'\t';
            i += 1;
            continue;
        }
        if (0xE4..=0xE9).contains(&x) {
            // U+4000–U+9FFF, nearly always Han, which no step changes.
            // Only U+4DC0–U+4DFF (hexagram symbols) in the E4 range is not.
            let han = x != 0xE4 || b[i + 1] != 0xB7;
            after_ctx = han;
            open_ok = han;
            strong |= han;
            i += 3;
            continue;
        }
        let c = s[i..].chars().next().unwrap_or_default();
        i += c.len_utf8();
        let cp = c as u32;
        if matches!(cp, 0x3001..=0x3029 | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF5B..=0xFF65) {
            // CJK and full-width punctuation, which no step changes.
            strong = true;
            after_ctx = true;
            open_ok = true;
            continue;
        }
        let k = chars::ctx(c);
        strong |= k == Ctx::Strong;
        after_ctx = k != Ctx::None;
        open_ok = after_ctx || c.is_whitespace();
        if opts.width && chars::narrow(c).is_some() {
            needs.local = true;
            continue;
        }
        if !opts.unicode {
            continue;
        }
        if chars::is_joiner(c) {
            needs.joiners = true;
        } else if chars::is_control(c)
            || chars::is_invisible(c)
            || chars::is_nbsp(c)
            || matches!(cp, 0x2E80..=0x2FD5 | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
        {
            needs.local = true;
        } else if cp >= 0x300 && !nfc_stable_block(cp) && unicode::may_change_under_nfc(c) {
            needs.nfc = true;
        }
    }
    needs.local &= opts.unicode || opts.width;
    needs.markdown &= opts.markdown;
    needs.punct = opts.punct && candidate && strong;
    needs
}

/// Blocks where every character is an NFC-stable starter, to spare the
/// table lookups on common text.
fn nfc_stable_block(cp: u32) -> bool {
    matches!(cp,
        0x3000..=0x3029
        | 0x3030..=0x3098
        | 0x309B..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7A3
        | 0xFF00..=0xFFEF
        | 0x1F000..=0x1FAFF
        | 0x2010..=0x2027)
}

fn tidy_body(body: &str, term: &str, opts: &TidyOptions, out: &mut String, stats: &mut TidyStats) {
    let needs = scan(body, opts);
    if !needs.any() {
        out.push_str(body);
        push_eol(term, opts, out, stats);
        return;
    }
    let mut text = Cow::Borrowed(body);
    if needs.local {
        text = Cow::Owned(unicode::map_chars(&text, opts, stats));
    }
    // Removing a Markdown remnant or a joiner can put a combining mark next
    // to a new base for NFC, and NFC can give a joiner other neighbours or
    // change the word after `[]()`: go round until nothing changes.
    let mut first = true;
    loop {
        let mut changed = false;
        if needs.joiners {
            if let Some(t) = unicode::joiners(&text, stats) {
                text = Cow::Owned(t);
                changed = true;
            }
        }
        if needs.markdown {
            match markdown::tidy(&text, stats) {
                markdown::Outcome::Drop => return,
                markdown::Outcome::Changed(t) => {
                    text = Cow::Owned(t);
                    changed = true;
                }
                markdown::Outcome::Keep => {}
            }
        }
        if !needs.nfc || !(first || changed) {
            break;
        }
        first = false;
        match unicode::nfc(&text, stats) {
            Some(t) => text = Cow::Owned(t),
            None => break,
        }
    }
    if opts.punct {
        // The steps before may have changed what stands next to what.
        let punct = match text {
            Cow::Borrowed(_) => needs.punct,
            Cow::Owned(ref t) => scan(t, opts).punct,
        };
        if punct {
            if let Some(t) = punct::convert(&text, stats) {
                text = Cow::Owned(t);
            }
        }
    }
    out.push_str(&text);
    push_eol(term, opts, out, stats);
}
