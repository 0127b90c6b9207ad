//! Chunk-by-chunk conversion with bounded memory.
//!
//! OpenCC's matching is greedy from left to right, so a stream can only be
//! cut where no match could cross the cut. A cut right after a character
//! that occurs in no key of any stage is such a place: every stage's scan
//! reaches that character, copies it unchanged and starts afresh after it,
//! so converting the two sides separately gives the same output as
//! converting the whole. The one exception is an ideographic description
//! sequence, which is copied whole and may swallow any character; a cut is
//! therefore also kept clear of recent description operators (by a margin
//! that allows for dictionary values being shorter than their keys).
//!
//! Newlines and spaces occur in no key, so every line can be emitted as soon
//! as it is complete. If a stretch without any safe cut grows beyond
//! [`MAX_PENDING`] bytes, it is cut there anyway, at a character boundary;
//! only such pathological input can convert differently from a whole-text
//! conversion, and only within a few characters of the forced cut.

use super::Converter;

/// Bytes held back at most while waiting for a safe cut.
pub const MAX_PENDING: usize = 1 << 20;

/// Pending bytes beyond which every character is examined for a safe cut,
/// not only newlines.
const SLOW_SCAN_AFTER: usize = 64 * 1024;

/// Converts a stream chunk by chunk. Create one with [`Converter::stream`].
///
/// The output never depends on how the input was split into chunks: text is
/// only ever converted up to a safe cut, and cuts are chosen by content.
pub struct StreamConverter<'a> {
    conv: &'a Converter,
    pending: String,
    /// Bytes of `pending` already scanned for cuts.
    scanned: usize,
    /// End of the last safe cut found in `pending`.
    last_cut: usize,
    /// Code points since the last description operator (saturating).
    since_op: u64,
}

impl<'a> StreamConverter<'a> {
    pub(crate) fn new(conv: &'a Converter) -> Self {
        StreamConverter {
            conv,
            pending: String::new(),
            scanned: 0,
            last_cut: 0,
            since_op: u64::MAX,
        }
    }

    /// Adds a chunk and appends to `out` everything that can already be
    /// converted; the rest is held until a later chunk or [`finish`](Self::finish).
    pub fn push(&mut self, chunk: &str, out: &mut String) {
        let window = self.conv.ids_window();
        let mut chunk = chunk;
        if !self.pending.is_empty() && self.pending.len() <= SLOW_SCAN_AFTER {
            // Complete the held-back line with the chunk's first line only,
            // so that the bulk of the chunk need not be copied.
            if let Some(k) = memchr::memchr(b'\n', chunk.as_bytes()) {
                self.pending.push_str(&chunk[..k + 1]);
                chunk = &chunk[k + 1..];
                if no_operator_before(&self.pending, self.pending.len(), window) {
                    let all = self.pending.len();
                    self.emit(all, out);
                    self.reset_scan();
                }
            }
        }
        if self.pending.is_empty() {
            // Nothing held back: convert straight from the chunk up to its
            // last usable newline and keep only the tail.
            if let Some(k) = memchr::memrchr(b'\n', chunk.as_bytes()) {
                let cut = k + 1;
                if no_operator_before(chunk, cut, window) {
                    self.conv.convert_into(&chunk[..cut], out);
                    self.reset_scan();
                    chunk = &chunk[cut..];
                }
            }
        }
        let old_len = self.pending.len();
        self.pending.push_str(chunk);
        // Fast path: a newline is never part of a key, so the last newline
        // of the new text is a safe cut unless a description operator is
        // near enough before it.
        if let Some(k) = memchr::memrchr(b'\n', &self.pending.as_bytes()[old_len..]) {
            let cut = old_len + k + 1;
            if no_operator_before(&self.pending, cut, window) {
                self.emit(cut, out);
                self.reset_scan();
            }
        }
        // Slow path, for text without usable newlines: look at every new
        // character once.
        if self.pending.len() > SLOW_SCAN_AFTER {
            self.scan(out);
        }
        while self.pending.len() > MAX_PENDING {
            let mut cut = MAX_PENDING;
            while !self.pending.is_char_boundary(cut) {
                cut -= 1;
            }
            self.emit(cut, out);
            self.since_op = u64::MAX;
        }
    }

    /// Forgets the slow scan's state after a cut made by the fast path; the
    /// cut was checked to have no description operator within the window
    /// before it, so counting starts as if the last one were far away.
    fn reset_scan(&mut self) {
        self.scanned = 0;
        self.last_cut = 0;
        self.since_op = u64::MAX;
    }

    /// Scans characters not yet looked at for safe cuts and emits up to the last one.
    fn scan(&mut self, out: &mut String) {
        let window = self.conv.ids_window();
        for (i, c) in self.pending[self.scanned..].char_indices() {
            if super::engine::ids_arity(c as u32) != 0 {
                self.since_op = 0;
            } else {
                self.since_op = self.since_op.saturating_add(1);
            }
            if self.since_op > window && self.conv.is_neutral(c) {
                self.last_cut = self.scanned + i + c.len_utf8();
            }
        }
        self.scanned = self.pending.len();
        if self.last_cut > 0 {
            self.emit(self.last_cut, out);
        }
    }

    /// Converts `pending[..cut]` and keeps the rest.
    fn emit(&mut self, cut: usize, out: &mut String) {
        self.conv.convert_into(&self.pending[..cut], out);
        self.pending.drain(..cut);
        self.scanned -= cut.min(self.scanned);
        self.last_cut = self.last_cut.saturating_sub(cut);
    }

    /// Ends the stream and appends the rest of the output.
    pub fn finish(&mut self, out: &mut String) {
        let rest = std::mem::take(&mut self.pending);
        self.conv.convert_into(&rest, out);
        self.scanned = 0;
        self.last_cut = 0;
    }

    /// Bytes currently held back.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

/// Whether `text[..cut]` has no description operator within `window` code
/// points before `cut`. Bytes are counted generously (four per code point),
/// which can only make the answer more cautious.
fn no_operator_before(text: &str, cut: usize, window: u64) -> bool {
    let window = (window as usize).saturating_mul(4);
    let from = cut.saturating_sub(window);
    let region = &text.as_bytes()[from..cut];
    // U+2FF0..U+2FFF are E2 BF B0..E2 BF BF in UTF-8.
    !memchr::memmem::find_iter(region, b"\xE2\xBF").any(|p| {
        region
            .get(p + 2)
            .is_none_or(|&b| (0xB0..=0xBF).contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_line_is_emitted_at_once() {
        let c = Converter::new("t2s").unwrap();
        let mut s = c.stream();
        let mut out = String::new();
        s.push("漢字\n", &mut out);
        assert_eq!(out, "汉字\n");
        assert_eq!(s.pending_len(), 0);
    }

    #[test]
    fn a_phrase_split_across_chunks_still_matches() {
        let c = Converter::new("t2s").unwrap();
        let mut s = c.stream();
        let mut out = String::new();
        s.push("乾", &mut out);
        s.push("隆皇帝", &mut out);
        s.finish(&mut out);
        assert_eq!(out, c.convert("乾隆皇帝"));
        assert_eq!(out, "乾隆皇帝");
    }
}
