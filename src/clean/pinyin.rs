//! Pinyin annotations left behind by spam mirrors.
//!
//! Some mirrors of mainland news convert the text to Traditional characters
//! and append the pinyin of some of them: `經(jīng)濟(jì)`. Converted back by
//! OpenCC this becomes `经(jīng)济(jì)`, which reads like a learner's text and
//! is hard to clean later, so the annotation is removed here, before
//! conversion, while the character it belongs to is still Traditional.
//!
//! Legitimate text has the same surface form — learner texts with every
//! character annotated (`蜜(mì)蜂(fēng)们(men)`), glosses (`短信(duǎnxìn)`),
//! names (`長江(Cháng Jiāng)`) — so three tests must all pass before an
//! annotation goes:
//!
//! 1. **The syllable is a reading of the character** (or of its Simplified
//!    form), by the heteronym readings of the `pinyin` crate, whose data is
//!    pinyin-data (MIT). Glosses of words and names fail here: they are
//!    several syllables, capitalised or spaced.
//! 2. **The character is a Traditional form** that OpenCC's t2s changes.
//!    Spam annotates only the characters its converter changed, while
//!    learner texts annotate everything, mostly characters that are the
//!    same in both scripts.
//! 3. **The document shows the pattern** ([`Evidence`]): several hits on
//!    more than one character, almost none on characters that are not
//!    Traditional forms, and annotations on a minority of the characters
//!    around them. Two glosses in a dictionary entry never add up to this.
//!
//! A second, rarer family of the same spam uses toneless ASCII syllables on
//! any character and sometimes repeats them (`黨(dang)(dang)`). It is judged
//! on its own evidence (toneless hits on several characters, sparse, some on
//! Traditional forms) and then removes toneless annotations on any
//! character, with their repeats.
//!
//! The verdict needs the document, but a stream cannot wait for its end:
//! [`PinyinStage`] holds complete lines, from the first line with a hit,
//! until the evidence decides, or until [`HOLD`] bytes are held; those pass
//! unchanged, and holding starts again at the next hit. The verdict only
//! ever turns from "no" to "yes".

use std::collections::HashSet;
use std::sync::OnceLock;

use pinyin::ToPinyinMulti;

use crate::convert::Converter;

/// Most text held back while the evidence is still out. The spam pattern
/// shows within the first few annotated lines; a document that has shown
/// nothing after this much is let through unchanged.
pub const HOLD: usize = 64 * 1024;

/// Longest syllable with its tone mark: `zhuang` plus nothing, as the mark
/// sits on a precomposed vowel.
const MAX_SYLLABLE: usize = 6;

/// Hits on Traditional forms needed before the toned pattern counts.
const MIN_TONED_HITS: u64 = 3;
/// Toneless hits needed before the toneless pattern counts; higher than the
/// toned figure because the toneless family annotates any character, so the
/// "Traditional forms only" test cannot back it up.
const MIN_TONELESS_HITS: u64 = 5;
/// Largest share of annotated characters among the Han characters of the
/// lines that hold annotations. Learner texts annotate all of them (1.0);
/// the spam in the corpus stays under 0.4.
const MAX_DENSITY: f64 = 0.6;

/// What one annotation's character is, as far as conversion goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// A Traditional form that t2s changes.
    Traditional,
    /// Anything else: the same in both scripts, or a Simplified form.
    Other,
}

/// How the syllable of an annotation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    /// One of the character's readings exactly, tone mark included (a
    /// neutral-tone reading has no mark: `們(men)`).
    Exact,
    /// No tone mark, and a reading once its mark is dropped: `月(yue)`.
    Toneless,
}

/// One `字(zì)` found in a line.
#[derive(Debug, Clone, Copy)]
struct Hit {
    /// Byte range of `(syllable)` in the line.
    start: usize,
    end: usize,
    script: Script,
    tone: Tone,
    /// Whether the syllable carries a tone mark.
    marked: bool,
    ch: char,
}

/// Which annotation patterns a document shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Toned syllables on Traditional forms.
    pub toned: bool,
    /// Toneless syllables on any character.
    pub toneless: bool,
}

impl Verdict {
    /// Whether annotations are removed at all.
    pub fn any(&self) -> bool {
        self.toned || self.toneless
    }

    fn removes(&self, hit: &Hit) -> bool {
        (self.toned && hit.script == Script::Traditional)
            // Neutral-tone syllables (`的(de)`) are unmarked too and go
            // with the toneless ones around them.
            || (self.toneless && !hit.marked)
    }
}

/// Counts for one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinyinStats {
    /// Annotations removed.
    pub removed: u64,
    /// Annotations that read as the character's pinyin but were kept
    /// because the document did not show the pattern, or the character was
    /// not one the pattern covers.
    pub kept: u64,
}

impl PinyinStats {
    /// Adds another count.
    pub fn add(&mut self, other: &PinyinStats) {
        self.removed += other.removed;
        self.kept += other.kept;
    }
}

/// Counts of annotations over a document, and the verdict they give.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    toned_traditional: u64,
    toned_other: u64,
    toneless: u64,
    toneless_traditional: u64,
    traditional_chars: HashSet<char>,
    toneless_chars: HashSet<char>,
    /// Han characters in lines holding at least one hit.
    han_near_hits: u64,
    hits: u64,
    /// The same two counts for unmarked syllables alone, so that the
    /// toneless family is judged on its own density (and a second run,
    /// with the toned hits gone, judges it the same way).
    han_near_unmarked: u64,
    unmarked: u64,
    verdict: Verdict,
}

impl Evidence {
    /// Counts the annotations of one more line; returns how many it has.
    pub fn observe(&mut self, line: &str) -> u64 {
        let mut seen = false;
        let mut unmarked = 0;
        let mut hits = 0;
        for_each_hit(line, |hit| {
            seen = true;
            hits += 1;
            self.hits += 1;
            unmarked += u64::from(!hit.marked);
            match (hit.tone, hit.script) {
                (Tone::Exact, Script::Traditional) => {
                    self.toned_traditional += 1;
                    insert_capped(&mut self.traditional_chars, hit.ch);
                }
                (Tone::Exact, Script::Other) => self.toned_other += 1,
                (Tone::Toneless, script) => {
                    self.toneless += 1;
                    if script == Script::Traditional {
                        self.toneless_traditional += 1;
                    }
                    insert_capped(&mut self.toneless_chars, hit.ch);
                }
            }
        });
        if seen {
            let han = line.chars().filter(|&c| is_han(c)).count() as u64;
            self.han_near_hits += han;
            if unmarked > 0 {
                self.unmarked += unmarked;
                self.han_near_unmarked += han;
            }
            self.update();
        }
        hits
    }

    fn update(&mut self) {
        let sparse = |hits: u64, han: u64| hits as f64 <= MAX_DENSITY * han as f64;
        if sparse(self.hits, self.han_near_hits)
            && self.toned_traditional >= MIN_TONED_HITS
            && self.traditional_chars.len() >= 2
            && self.toned_other * 10 <= self.toned_traditional
        {
            self.verdict.toned = true;
        }
        if sparse(self.unmarked, self.han_near_unmarked)
            && self.toneless >= MIN_TONELESS_HITS
            && self.toneless_chars.len() >= 3
            && self.toneless_traditional >= 2
        {
            self.verdict.toneless = true;
        }
    }

    /// The patterns shown so far. Once shown, a pattern stays.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }
}

/// The character sets only need to reach small counts; capping them keeps
/// a huge document from growing them without bound.
fn insert_capped(set: &mut HashSet<char>, c: char) {
    if set.len() < 16 {
        set.insert(c);
    }
}

/// Removes the annotations `verdict` covers from `line`, appending the rest
/// to `out`.
pub fn strip(line: &str, verdict: Verdict, out: &mut String, stats: &mut PinyinStats) {
    let mut verdict = verdict;
    if verdict.toneless {
        // Toneless removal reaches characters of every kind, so a learner's
        // line inside a spam page (every character annotated, `的(de)`)
        // would lose its glosses; a dense line is left alone.
        // Hits the toned rule removes do not count: a second run, without
        // them, must judge the line the same way.
        let toned = verdict.toned;
        let (mut hits, mut han) = (0u64, 0u64);
        for_each_hit(line, |hit| {
            hits += u64::from(!(toned && hit.script == Script::Traditional))
        });
        if hits > 0 {
            han = line.chars().filter(|&c| is_han(c)).count() as u64;
        }
        if hits as f64 > MAX_DENSITY * han as f64 {
            verdict.toneless = false;
        }
    }
    let mut copied = 0;
    for_each_hit(line, |hit| {
        if verdict.removes(&hit) {
            out.push_str(&line[copied..hit.start]);
            let mut end = hit.end;
            stats.removed += 1;
            // The toneless family sometimes repeats a syllable: `黨(dang)(dang)`.
            let syllable = &line[hit.start..hit.end];
            while line[end..].starts_with(syllable) {
                end += syllable.len();
                stats.removed += 1;
            }
            copied = end;
        } else {
            stats.kept += 1;
        }
    });
    out.push_str(&line[copied..]);
}

/// Calls `f` with every annotation in `line` whose syllable reads as its
/// character, left to right.
fn for_each_hit(line: &str, mut f: impl FnMut(Hit)) {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'(', &bytes[from..]) {
        let open = from + i;
        from = open + 1;
        let Some(ch) = line[..open].chars().next_back() else {
            continue;
        };
        if !is_han(ch) {
            continue;
        }
        let Some(close) = line[open + 1..]
            .char_indices()
            .take(MAX_SYLLABLE + 1)
            .find(|&(_, c)| c == ')')
            .map(|(j, _)| open + 1 + j)
        else {
            continue;
        };
        let syllable = &line[open + 1..close];
        if let Some(tone) = reads_as(ch, syllable) {
            f(Hit {
                start: open,
                end: close + 1,
                script: script_of(ch),
                tone,
                marked: !syllable.is_ascii(),
                ch,
            });
            from = close + 1;
        }
    }
}

/// Whether `syllable` is one of the readings of `ch`, and how.
fn reads_as(ch: char, syllable: &str) -> Option<Tone> {
    if syllable.is_empty() || !syllable.chars().all(is_pinyin_letter) {
        return None;
    }
    let marked = !syllable.is_ascii();
    let plain: String = syllable.chars().map(unmarked).collect();
    let check = |c: char| -> Option<Tone> {
        let mut tone = None;
        for reading in c.to_pinyin_multi()? {
            let reading = reading.with_tone();
            if reading == syllable {
                return Some(Tone::Exact);
            }
            if !marked && reading.chars().map(unmarked).eq(plain.chars()) {
                tone = Some(Tone::Toneless);
            }
        }
        tone
    };
    match check(ch) {
        Some(Tone::Exact) => Some(Tone::Exact),
        // Pinyin-data gives some Traditional forms fewer readings than
        // their Simplified form has, and the spam reads the character the
        // way the Simplified text meant it.
        found => match simplified(ch).and_then(check) {
            Some(Tone::Exact) => Some(Tone::Exact),
            other => found.or(other),
        },
    }
}

/// Lower-case pinyin letters, with or without a tone mark.
fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêếềḿńňǹ".contains(c)
}

/// The letter without its tone mark; ü becomes the `v` that toneless
/// pinyin typed on a keyboard uses.
fn unmarked(c: char) -> char {
    match c {
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' | 'ê' | 'ế' | 'ề' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'ü' => 'v',
        'ḿ' => 'm',
        'ń' | 'ň' | 'ǹ' => 'n',
        c => c,
    }
}

/// CJK ideographs, the only characters the spam annotates.
fn is_han(c: char) -> bool {
    crate::model::is_han(c as u32)
}

fn converters() -> &'static (Converter, Converter) {
    static PAIR: OnceLock<(Converter, Converter)> = OnceLock::new();
    PAIR.get_or_init(|| {
        (
            Converter::new("t2s").expect("t2s is built in"),
            Converter::new("s2t").expect("s2t is built in"),
        )
    })
}

/// The Simplified form t2s gives `ch`, if it changes it.
fn simplified(ch: char) -> Option<char> {
    let mut buf = [0u8; 4];
    let s = converters().0.convert(ch.encode_utf8(&mut buf));
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c != ch => Some(c),
        _ => None,
    }
}

fn script_of(ch: char) -> Script {
    if simplified(ch).is_some() {
        Script::Traditional
    } else {
        Script::Other
    }
}

/// Streaming removal over whole lines: holds lines while the document's
/// evidence is out (see the module docs), then strips what the verdict
/// covers.
#[derive(Debug, Default)]
pub struct PinyinStage {
    evidence: Evidence,
    /// Lines from the first one with a hit while the verdict is out.
    held: String,
    stats: PinyinStats,
}

impl PinyinStage {
    /// A stage for one document.
    pub fn new() -> Self {
        Self::default()
    }

    /// The verdict so far.
    pub fn verdict(&self) -> Verdict {
        self.evidence.verdict()
    }

    /// Counts so far.
    pub fn stats(&self) -> PinyinStats {
        self.stats
    }

    /// Takes one whole line (with its line break, if any) and appends to
    /// `out` whatever is now decided.
    pub fn push_line(&mut self, line: &str, out: &mut String) {
        let hits = self.evidence.observe(line);
        let verdict = self.evidence.verdict();
        if verdict.any() {
            if !self.held.is_empty() {
                self.release(out);
            }
            strip(line, verdict, out, &mut self.stats);
            return;
        }
        // Nothing to strip in a line without hits, so there is no reason
        // to hold it unless earlier lines are held already (order).
        if hits == 0 && self.held.is_empty() {
            out.push_str(line);
            return;
        }
        self.held.push_str(line);
        if self.held.len() > HOLD {
            self.release(out);
        }
    }

    /// Whether lines are being held for the verdict.
    pub fn is_holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// Lets out everything held, decided on the evidence so far: at the end
    /// of the input, or when live input has gone quiet.
    pub fn flush(&mut self, out: &mut String) {
        if !self.held.is_empty() {
            self.release(out);
        }
    }

    fn release(&mut self, out: &mut String) {
        let verdict = self.evidence.verdict();
        let held = std::mem::take(&mut self.held);
        for line in held.split_inclusive('\n') {
            strip(line, verdict, out, &mut self.stats);
        }
        self.held = held;
        self.held.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(line: &str) -> Vec<(char, Script, Tone)> {
        let mut v = Vec::new();
        for_each_hit(line, |h| v.push((h.ch, h.script, h.tone)));
        v
    }

    #[test]
    fn finds_readings_only() {
        assert_eq!(
            hits("經(jīng)濟(jì)"),
            vec![
                ('經', Script::Traditional, Tone::Exact),
                ('濟', Script::Traditional, Tone::Exact)
            ]
        );
        // A reading of the character in another word: 長 as in 成長.
        assert_eq!(hits("成長(zhǎng)").len(), 1);
        // Not a reading of the character.
        assert!(hits("經(jì)").is_empty());
        // Word glosses and names are not one syllable.
        assert!(hits("短信(duǎnxìn)").is_empty());
        assert!(hits("長江(Cháng Jiāng)").is_empty());
        assert_eq!(hits("月(yue)"), vec![('月', Script::Other, Tone::Toneless)]);
        assert_eq!(hits("们(men)"), vec![('们', Script::Other, Tone::Exact)]);
    }

    #[test]
    fn verdict_needs_the_pattern() {
        let mut e = Evidence::default();
        e.observe("我們的經(jīng)濟(jì)發展很好。\n");
        assert!(!e.verdict().any(), "two hits are not yet a pattern");
        e.observe("發(fā)展很快。\n");
        assert!(e.verdict().toned);

        let mut learner = Evidence::default();
        learner.observe("蜜(mì)蜂(fēng)们(men)用(yòng)翅(chì)膀(bǎng)扇(shān)风(fēng)\n");
        learner.observe("國(guó)家(jiā)經(jīng)濟(jì)發(fā)展(zhǎn)\n");
        assert!(!learner.verdict().any());
    }

    #[test]
    fn strip_keeps_what_the_verdict_does_not_cover() {
        let mut out = String::new();
        let mut stats = PinyinStats::default();
        let v = Verdict {
            toned: true,
            toneless: false,
        };
        strip("經(jīng)濟(jì)和们(men)(x)", v, &mut out, &mut stats);
        assert_eq!(out, "經濟和们(men)(x)");
        assert_eq!(
            stats,
            PinyinStats {
                removed: 2,
                kept: 1
            }
        );
    }
}
