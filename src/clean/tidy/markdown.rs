//! Remnants of HTML-to-Markdown conversion that carry nothing: empty images
//! and links, and table rows without a cell.

use super::TidyStats;

/// What becomes of a line.
pub(super) enum Outcome {
    /// Nothing to remove.
    Keep,
    /// Something removed; the rest stays.
    Changed(String),
    /// The whole line goes, with its line break.
    Drop,
}

fn is_blank_byte(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Ranges inside inline code (between two runs of the same number of
/// backticks, as CommonMark has it), in bytes or characters: where `[]()`
/// and punctuation are code, not prose.
pub(super) fn code_spans<T: Copy + PartialEq>(s: &[T], tick: T) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let run_at = |i: usize| s[i..].iter().take_while(|&&b| b == tick).count();
    let mut i = 0;
    while i < s.len() {
        if s[i] != tick {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let open_end = i + n;
        let mut j = open_end;
        let mut close = None;
        while j < s.len() {
            if s[j] == tick {
                let m = run_at(j);
                if m == n {
                    close = Some(j);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(c) => {
                spans.push((open_end, c));
                i = c + n;
            }
            // An unmatched run is literal backticks; what follows may
            // still open a span of another length.
            None => i = open_end,
        }
    }
    spans
}

/// Keywords that may follow a C++ lambda's `[]()`, which must not be taken
/// for an empty link.
const LAMBDA_TAILS: &[&[u8]] = &[
    b"{",
    b"->",
    b"mutable",
    b"constexpr",
    b"consteval",
    b"noexcept",
    b"static",
];

/// End of an empty link `[ ]( )` starting at `i` (the `[`), whitespace
/// allowed inside.
fn empty_link_at(s: &[u8], i: usize) -> Option<usize> {
    let skip = |mut j: usize| {
        while j < s.len() && is_blank_byte(s[j]) {
            j += 1;
        }
        j
    };
    let mut j = i;
    for want in [b'[', b']', b'(', b')'] {
        // Space is allowed inside the brackets, not between `]` and `(`.
        if want == b']' || want == b')' {
            j = skip(j);
        }
        if s.get(j) != Some(&want) {
            return None;
        }
        j += 1;
    }
    let rest = &s[skip(j)..];
    let lambda = LAMBDA_TAILS.iter().any(|t| {
        rest.starts_with(t)
            && !(t[0].is_ascii_alphabetic()
                && rest
                    .get(t.len())
                    .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_'))
    });
    if lambda {
        return None;
    }
    Some(j)
}

/// One sweep removing every empty image and link, and the blank that would
/// otherwise be left doubled or dangling. Returns the count removed.
fn sweep(s: &str, out: &mut String) -> u64 {
    let b = s.as_bytes();
    let spans = code_spans(b, b'`');
    let in_code = |i: usize| spans.iter().any(|&(a, z)| a <= i && i < z);
    let mut removed = 0;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        let start = match b[i] {
            b'!' if b.get(i + 1) == Some(&b'[') => i,
            b'[' => i,
            _ => {
                i += 1;
                continue;
            }
        };
        let open = if b[i] == b'!' { i + 1 } else { i };
        let Some(end) = (!in_code(open)).then(|| empty_link_at(b, open)).flatten() else {
            i += 1;
            continue;
        };
        removed += 1;
        out.push_str(&s[copied..start]);
        let mut after = end;
        while after < b.len() && is_blank_byte(b[after]) {
            after += 1;
        }
        let blank_before = out.is_empty() || out.ends_with([' ', '\t']);
        if after == b.len() {
            // At the end of the line: no trailing blank either.
            let kept = out.trim_end_matches([' ', '\t']).len();
            out.truncate(kept);
            copied = after;
        } else if blank_before {
            copied = after;
        } else {
            copied = end;
        }
        i = copied;
    }
    out.push_str(&s[copied..]);
    removed
}

/// Removes the remnants of one line (without its line break) and says
/// whether the line stays.
pub(super) fn tidy(s: &str, stats: &mut TidyStats) -> Outcome {
    let mut removed = 0;
    let mut cur = None::<String>;
    if s.contains('[') {
        loop {
            let text = cur.as_deref().unwrap_or(s);
            let mut out = String::with_capacity(text.len());
            // Removing `![]()` from `[![]()]()` makes a new one: sweep again.
            let n = sweep(text, &mut out);
            if n == 0 {
                break;
            }
            removed += n;
            cur = Some(out);
        }
    }
    let text = cur.as_deref().unwrap_or(s);
    if removed > 0 && text.chars().all(char::is_whitespace) {
        stats.markdown += removed;
        return Outcome::Drop;
    }
    if text.contains('|') && text.chars().all(|c| c == '|' || c.is_whitespace()) {
        stats.markdown += removed + 1;
        return Outcome::Drop;
    }
    stats.markdown += removed;
    match cur {
        Some(t) => Outcome::Changed(t),
        None => Outcome::Keep,
    }
}
