//! ASCII punctuation inside Chinese sentences made full-width. The rules
//! are in the parent module's documentation.

use super::chars::{ctx, is_cjk_punct, is_han, Ctx};
use super::markdown::code_spans;
use super::TidyStats;

fn full_width(c: char) -> char {
    match c {
        ',' => '，',
        ';' => '；',
        ':' => '：',
        '?' => '？',
        '!' => '！',
        '(' => '（',
        ')' => '）',
        _ => c,
    }
}

/// What a pass works with besides the line, kept from one pass to the
/// next so that the passes over a line allocate once.
#[derive(Default)]
struct Buffers {
    /// Characters inside URLs and inline code.
    mask: Vec<bool>,
    /// `(` index to its `)` index.
    close: Vec<Option<usize>>,
    /// Open brackets while pairing.
    stack: Vec<usize>,
    /// Characters the pass removes.
    drop: Vec<bool>,
}

/// Marks characters inside URLs and inline code, where punctuation is
/// syntax, in `mask` (one entry a character).
fn protected(chars: &[char], mask: &mut Vec<bool>) {
    mask.clear();
    mask.resize(chars.len(), false);
    for (a, z) in code_spans(chars, '`') {
        mask[a..z].fill(true);
    }
    for start in url_starts(chars) {
        let end = url_end(chars, start);
        mask[start..end].fill(true);
    }
}

/// Where URLs begin: a scheme before `://`, or `www.` at the start of a
/// word.
fn url_starts(chars: &[char]) -> Vec<usize> {
    let mut starts = Vec::new();
    for i in 0..chars.len() {
        let word_start = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if chars[i..].starts_with(&[':', '/', '/']) {
            let mut s = i;
            while s > 0 && (chars[s - 1].is_ascii_alphanumeric() || "+.-".contains(chars[s - 1])) {
                s -= 1;
            }
            starts.push(s);
        } else if word_start && chars[i..].starts_with(&['w', 'w', 'w', '.']) {
            starts.push(i);
        }
    }
    starts
}

/// Where a URL starting at `start` ends. Any non-blank ASCII but `<>"`
/// belongs to it, and so do other characters (internationalised domains and
/// paths: `/wiki/长江`), except CJK punctuation, curly quotes, and a
/// non-ASCII character right after an ASCII letter or digit: Chinese text
/// often follows a URL without a space (`见 http://a.cn了解`), while a Chinese
/// path segment starts after `/`, `=` or the like.
fn url_end(chars: &[char], start: usize) -> usize {
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        let stop = if c.is_ascii() {
            c.is_ascii_whitespace() || c.is_ascii_control() || "<>\"".contains(c)
        } else {
            c.is_whitespace()
                || is_cjk_punct(c)
                || ctx(c) == Ctx::Weak
                || chars[i - 1].is_ascii_alphanumeric()
        };
        if stop {
            break;
        }
        i += 1;
    }
    i
}

/// `(` index to its `)` index, for pairs on the line outside protected
/// text, into `close` (one entry a character).
fn pairs(chars: &[char], mask: &[bool], close: &mut Vec<Option<usize>>, stack: &mut Vec<usize>) {
    close.clear();
    close.resize(chars.len(), None);
    stack.clear();
    for (i, &c) in chars.iter().enumerate() {
        if mask[i] {
            continue;
        }
        match c {
            '(' => stack.push(i),
            ')' => {
                if let Some(o) = stack.pop() {
                    close[o] = Some(i);
                }
            }
            _ => {}
        }
    }
}

/// One left-to-right pass, each decision seeing the decisions before it.
/// Returns how many characters it converted.
fn pass(chars: &mut Vec<char>, bufs: &mut Buffers) -> u64 {
    let Buffers {
        mask,
        close,
        stack,
        drop,
    } = bufs;
    protected(chars, mask);
    pairs(chars, mask, close, stack);
    drop.clear();
    drop.resize(chars.len(), false);
    let mut converted = 0;
    let n = chars.len();
    // Index of the next non-space at or after `i`.
    let skip_spaces = |chars: &[char], mut i: usize| {
        while i < n && chars[i] == ' ' {
            i += 1;
        }
        i
    };
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if mask[i] || drop[i] {
            i += 1;
            continue;
        }
        match c {
            ',' | ';' | ':' => {
                let left = prev(drop, i).map_or(Ctx::None, |l| ctx(chars[l]));
                let r = skip_spaces(chars, i + 1);
                let right = chars.get(r).map_or(Ctx::None, |&rc| ctx(rc));
                if left != Ctx::None && right != Ctx::None && left.max(right) == Ctx::Strong {
                    chars[i] = full_width(c);
                    drop[i + 1..r].fill(true);
                    converted += 1;
                }
                i += 1;
            }
            '?' | '!' => {
                let mut end = i;
                while end < n && matches!(chars[end], '?' | '!') && !mask[end] {
                    end += 1;
                }
                let left = prev(drop, i).map_or(Ctx::None, |l| ctx(chars[l]));
                let r = skip_spaces(chars, end);
                let ok = match chars.get(r) {
                    // Sentence-final: the mark ends the line.
                    None => left == Ctx::Strong,
                    Some(&rc) => {
                        let right = ctx(rc);
                        left != Ctx::None && right != Ctx::None && left.max(right) == Ctx::Strong
                    }
                };
                if ok {
                    for x in &mut chars[i..end] {
                        *x = full_width(*x);
                    }
                    converted += (end - i) as u64;
                    if r < n {
                        drop[end..r].fill(true);
                    }
                }
                i = end;
            }
            '(' => {
                if let Some(cl) = close[i] {
                    if let Some(from) = bracket_ok(chars, drop, i, cl) {
                        chars[i] = '（';
                        chars[cl] = '）';
                        converted += 2;
                        drop[from..i].fill(true);
                        let r = skip_spaces(chars, cl + 1);
                        if chars.get(r).is_some_and(|&rc| ctx(rc) == Ctx::Strong) {
                            drop[cl + 1..r].fill(true);
                        }
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if drop.iter().any(|&d| d) {
        let mut k = 0;
        chars.retain(|_| {
            k += 1;
            !drop[k - 1]
        });
    }
    converted
}

/// The character before `i` that stays.
fn prev(drop: &[bool], i: usize) -> Option<usize> {
    (0..i).rev().find(|&j| !drop[j])
}

/// Whether the pair `(` at `open`, `)` at `close` converts, and if so from
/// where on the text before `(` goes with it (the spaces between it and
/// the Chinese before it).
fn bracket_ok(chars: &[char], drop: &[bool], open: usize, close: usize) -> Option<usize> {
    if !chars[open + 1..close].iter().any(|&c| is_han(c)) {
        return None;
    }
    let mut from = open;
    let mut l = prev(drop, open);
    while let Some(j) = l.filter(|&j| chars[j] == ' ') {
        from = j;
        l = prev(drop, j);
    }
    let at_line_start = chars[..open].iter().all(|c| c.is_whitespace());
    if at_line_start {
        // No left side (the line may be indented): the content must open
        // like Chinese, as `(一)总则` does and `(print "中文")` does not.
        return (ctx(chars[open + 1]) != Ctx::None).then_some(open);
    }
    let l = l?;
    match ctx(chars[l]) {
        Ctx::Strong => Some(from),
        Ctx::Weak if from == open => Some(open),
        // `中,(注)`: the comma waits for the bracket to be Chinese, so the
        // bracket must not wait for the comma.
        Ctx::None if from == open && matches!(chars[l], ',' | ';' | ':' | '?' | '!') => {
            let ll = prev(drop, l)?;
            (ctx(chars[ll]) == Ctx::Strong).then_some(open)
        }
        _ => None,
    }
}

/// Converts the punctuation of one line (without its line break). `None`
/// when nothing converts.
pub(super) fn convert(s: &str, stats: &mut TidyStats) -> Option<String> {
    let mut chars: Vec<char> = s.chars().collect();
    let mut bufs = Buffers::default();
    let mut total = 0;
    // A conversion can make its neighbour's context Chinese (`中,(注)`):
    // repeat until nothing changes, so that the result is a fixed point.
    loop {
        let n = pass(&mut chars, &mut bufs);
        if n == 0 {
            break;
        }
        total += n;
    }
    if total == 0 {
        return None;
    }
    stats.punct += total;
    Some(chars.into_iter().collect())
}
