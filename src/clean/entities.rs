//! HTML character references: `&nbsp;`, `&#20013;`, `&#x4e2d;`, and the
//! double-escaped `&amp;nbsp;` that scrapers leave behind.
//!
//! # What counts as a reference
//!
//! Recognition follows the WHATWG tokenizer's character reference states:
//!
//! * Named references are matched against the standard's full table (2231
//!   names, generated into `entity_table.rs` by `scripts/gen_entities.py`),
//!   taking the longest prefix of the text that is a name. The 106 legacy
//!   names (`&amp`, `&copy`, `&nbsp`, ...) also match without their `;`.
//! * A legacy name matched without `;` and directly followed by an ASCII
//!   letter, digit or `=` is left alone. The standard applies this only inside
//!   attribute values; here every mode applies it, because scraped text is
//!   full of URLs whose query strings (`?a=1&sectionId=2`, `&copy=3`) would
//!   otherwise be mangled.
//! * Numeric references, `&#20013;` and `&#x4e2d;` / `&#X4E2D;`, with or
//!   without `;`. Zero, surrogates and values above U+10FFFF give U+FFFD; the
//!   C1 range `&#128;`..`&#159;` is read as windows-1252 (`&#150;` is U+2013)
//!   except for the five values windows-1252 leaves undefined; every other
//!   value, noncharacters and controls included, is kept as the code point it
//!   names, exactly as the standard says.
//!
//! # Modes
//!
//! [`EntityMode::Attribute`] is the standard's attribute-value decoding and
//! nothing more; it agrees with `htmlize::unescape_attribute`.
//!
//! [`EntityMode::Text`] also undoes double escaping. A decoded `&` takes part
//! in whatever follows it, so `&amp;nbsp;` becomes U+00A0 and `&amp;amp;quot;`
//! becomes `"`; more generally the decoder rewrites until no reference is
//! left, also when the reference only appears after decoding its neighbours
//! (`&&#108;t;` is `&lt;`, hence `<`). That makes the output a fixed point:
//! decoding it again changes nothing.
//!
//! The order matters in contrived input, so to be precise: references are
//! decoded left to right as soon as they are complete, each one judged on the
//! text as it stands at that moment. A decoded `&` therefore reads the rest
//! of the input as written, as if one layer of escaping had been peeled off
//! first: `&amp;nbsp&fjlig;` is read as `&nbsp&fjlig;` and gives U+00A0 `fj`
//! (decoding the whole text over and over would instead get stuck at
//! `&nbspfj`). Whenever decoding changes the text after an earlier `&` that
//! was not a reference, that `&` is judged again.
//!
//! [`EntityMode::Markup`] decodes like `Text` but keeps anything that would
//! be markup syntax escaped, so that text still inside HTML keeps parsing the
//! same way; see the variant's documentation for the details.
//!
//! # Limits
//!
//! Chains of the `&amp;amp;amp;...` kind are decoded to any depth in constant
//! memory. What needs memory is a `&` that might still become a reference once
//! a later reference is decoded (`&&#108;t;`): such an `&` has to wait. At
//! most [`MAX_WAITING`] of them wait at once; when one more arrives, the
//! oldest is given up on and written out as it stands. Only input built to
//! nest references more than that deep notices: there, decoding the output
//! again may still find a reference. Text with at most [`MAX_WAITING`]
//! ampersands can never reach the limit.
//!
//! Numeric references may carry any number of leading zeros. When one has to
//! be kept as written ([`EntityMode::Markup`]), at most 16 leading zeros and
//! 8 further digits survive, which never changes the value it names; this
//! keeps the streaming decoder's memory bounded.

use std::borrow::Cow;
use std::ops::AddAssign;

#[path = "entity_table.rs"]
mod table;

use table::{ENTITIES, LONGEST_NAME};

/// How much to decode, depending on where the text is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityMode {
    /// Plain text: decode every reference, the attribute rule applying to
    /// legacy names without `;`, and undo double (or deeper) escaping
    /// completely, so that the output contains no reference at all.
    Text,
    /// Text that stays inside HTML markup: decode like [`EntityMode::Text`],
    /// but references that stand for markup syntax (`<`, `>`, `&`, `"`, `'`)
    /// stay escaped, so the page still parses the same way.
    ///
    /// A reference to syntax is kept exactly as written; a double-escaped
    /// one loses its extra levels (`&amp;lt;` becomes `&lt;`, `&amp;amp;`
    /// becomes `&amp;`), and double escapes of anything else are decoded
    /// (`&amp;nbsp;` becomes U+00A0). Decoding the output in `Text` mode
    /// gives what decoding the input in `Text` mode gives.
    ///
    /// A form kept without its `;` (such as `&lt`) gets one when the
    /// character after it comes from decoding and would otherwise run into
    /// it and change its meaning: `&lt&#49;` gives `&lt;1`.
    Markup,
    /// Exactly what the WHATWG tokenizer does in an attribute value (and what
    /// `htmlize::unescape_attribute` does): one level of decoding, nothing
    /// more. Useful as the spec-exact baseline.
    Attribute,
}

/// Counts of what was changed, for zhnorm's reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntityStats {
    /// References in the input that were replaced (a chain such as
    /// `&amp;amp;quot;` counts once).
    pub decoded: usize,
    /// How many of those were double (or more deeply) escaped.
    pub double_escaped: usize,
    /// Numeric references that became U+FFFD (zero, surrogates, values
    /// above U+10FFFF).
    pub invalid: usize,
}

impl AddAssign for EntityStats {
    fn add_assign(&mut self, other: Self) {
        self.decoded += other.decoded;
        self.double_escaped += other.double_escaped;
        self.invalid += other.invalid;
    }
}

/// Decodes `input` in `mode`, appending the result to `out`.
pub fn decode_into(input: &str, mode: EntityMode, out: &mut String) -> EntityStats {
    if memchr::memchr(b'&', input.as_bytes()).is_none() {
        out.push_str(input);
        return EntityStats::default();
    }
    let mut decoder = EntityDecoder::new(mode);
    decoder.run(input, true, out);
    decoder.take_stats()
}

/// Decodes `input` in `mode`; borrows it when nothing changes.
pub fn decode(input: &str, mode: EntityMode) -> (Cow<'_, str>, EntityStats) {
    if memchr::memchr(b'&', input.as_bytes()).is_none() {
        return (Cow::Borrowed(input), EntityStats::default());
    }
    let mut out = String::with_capacity(input.len());
    let stats = decode_into(input, mode, &mut out);
    if out == input {
        (Cow::Borrowed(input), stats)
    } else {
        (Cow::Owned(out), stats)
    }
}

/// At most this many `&` wait at once for later text to decide whether they
/// begin a reference (see the module documentation, "Limits").
pub const MAX_WAITING: usize = 16;

/// Leading zeros of a numeric reference kept when it is kept as written.
const MAX_ZEROS: usize = 16;

/// Further digits kept: eight digits already exceed U+10FFFF in either base,
/// so dropping the rest cannot change the (invalid) value.
const MAX_SIGNIFICANT: usize = 8;

/// Streaming decoder: text arrives in chunks cut anywhere (between
/// characters), and the output is the same as for the whole text.
///
/// Between chunks it holds back only the unfinished end of the text: the
/// `&...` that the next chunk may still complete, plus the few waiting `&`
/// allowed by [`MAX_WAITING`]. That is at most a few hundred characters.
#[derive(Debug, Clone)]
pub struct EntityDecoder {
    mode: EntityMode,
    /// The held-back text. Empty, or it starts with an `&`; every `&` in it
    /// may still begin a reference, the last one being the one under
    /// examination.
    units: Vec<Unit>,
    /// Written forms of decoded `&` in `Markup` mode, which have to come back
    /// escaped if they end up starting no reference.
    written: String,
    /// `Markup` only: the output so far ends in an escaped form without `;`,
    /// of this kind.
    open_tail: Option<OpenForm>,
    stats: EntityStats,
}

/// One held-back character and where it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    ch: char,
    tag: Tag,
    /// In `Markup` mode, a decoded `&` has its written form in
    /// `EntityDecoder::written` at this range (`len` 0: none).
    start: u32,
    len: u8,
}

impl Unit {
    fn raw(ch: char) -> Self {
        Unit {
            ch,
            tag: Tag::Raw,
            start: 0,
            len: 0,
        }
    }
}

/// Provenance, for the statistics: a decode counts once per input reference,
/// and once more as a double escape when its result is decoded again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    /// Straight from the input.
    Raw,
    /// The result of a counted decode, not yet counted as a double escape.
    Decoded,
    /// `Markup` only: an `&` decoded from `&amp;` and the like, not counted,
    /// because if nothing follows it is written back unchanged.
    Pending,
    /// The result of decoding something already decoded; fully counted.
    Doubled,
}

impl EntityDecoder {
    /// A decoder for `mode`, with nothing held back.
    pub fn new(mode: EntityMode) -> Self {
        EntityDecoder {
            mode,
            units: Vec::new(),
            written: String::new(),
            open_tail: None,
            stats: EntityStats::default(),
        }
    }

    /// Decodes `chunk`, appending what is settled to `out` and holding back
    /// an unfinished reference at its end.
    pub fn push(&mut self, chunk: &str, out: &mut String) -> EntityStats {
        self.run(chunk, false, out);
        self.take_stats()
    }

    /// Whether [`push`](Self::push) would append `chunk` as it is and
    /// count nothing: nothing is held back, the output so far ends in no
    /// open escaped form, and `chunk` has no `&`. Callers may then use the
    /// text itself instead of a copy.
    pub fn passes_through(&self, chunk: &str) -> bool {
        self.units.is_empty()
            && self.open_tail.is_none()
            && memchr::memchr(b'&', chunk.as_bytes()).is_none()
    }

    /// Ends the text: whatever is held back is decided and written out. The
    /// decoder is then ready for a new text.
    pub fn finish(&mut self, out: &mut String) -> EntityStats {
        self.run("", true, out);
        debug_assert!(self.units.is_empty());
        self.open_tail = None;
        self.take_stats()
    }

    fn take_stats(&mut self) -> EntityStats {
        std::mem::take(&mut self.stats)
    }

    /// The engine. Text before the first `&` is copied straight through; from
    /// an `&` on, characters are held in `units` until the `&` is decided.
    /// A decided reference is replaced by its result, and then, outside
    /// `Attribute` mode, the previous held `&` is looked at again, since the
    /// text after it has just changed.
    fn run(&mut self, input: &str, eof: bool, out: &mut String) {
        let bytes = input.as_bytes();
        let mut i = 0;
        let mut cur = self.units.iter().rposition(|u| u.ch == '&');
        loop {
            let p = match cur {
                Some(p) => p,
                None => {
                    debug_assert!(self.units.is_empty());
                    let Some(k) = memchr::memchr(b'&', &bytes[i..]) else {
                        self.emit_text(out, &input[i..]);
                        return;
                    };
                    self.emit_text(out, &input[i..i + k]);
                    i += k + 1;
                    self.units.push(Unit::raw('&'));
                    0
                }
            };
            let view = View {
                head: &self.units[p..],
                tail: &bytes[i..],
            };
            let head_len = view.head.len();
            cur = match parse(&view, eof) {
                Parsed::NeedMore => {
                    self.hold(p, &input[i..]);
                    return;
                }
                Parsed::Blocked(k) if self.mode != EntityMode::Attribute => {
                    // Only the last held `&` is ever examined, so the `&`
                    // that blocks it comes from the input.
                    debug_assert!(k >= head_len);
                    let viable = &input[i..i + (k - head_len)];
                    self.units.extend(viable.chars().map(Unit::raw));
                    self.units.push(Unit::raw('&'));
                    i += k - head_len + 1;
                    self.limit_waiting(out);
                    Some(self.units.len() - 1)
                }
                Parsed::NotRef | Parsed::Blocked(_) => {
                    self.flush(out);
                    None
                }
                Parsed::Ref { len, exp } => {
                    let in_head = len.min(head_len);
                    let taken = len - in_head;
                    let next = self.reduce(p, p + in_head, &input[i..i + taken], exp, out);
                    i += taken;
                    next
                }
            };
        }
    }

    /// Holds the rest of the input, all of it still a possible continuation
    /// of the reference at `p`. Runs of digits are capped so that an endless
    /// `&#000...` cannot grow the buffer.
    fn hold(&mut self, p: usize, rest: &str) {
        let mut rest = rest.chars();
        if self.units.len() == p + 1 {
            // Only the `&` is held: the next character tells a numeric
            // reference from a named one.
            match rest.next() {
                Some(ch) => self.units.push(Unit::raw(ch)),
                None => return,
            }
        }
        if self.units[p + 1].ch != '#' {
            self.units.extend(rest.map(Unit::raw));
            return;
        }
        let mut digits = DigitCap::default();
        for u in &self.units[p + 2..] {
            digits.keep(u.ch);
        }
        for ch in rest {
            if digits.keep(ch) {
                self.units.push(Unit::raw(ch));
            }
        }
    }

    /// Replaces the reference made of `units[p..end]` and the input text
    /// `taken` by its result; returns the held `&` to examine next.
    fn reduce(
        &mut self,
        p: usize,
        end: usize,
        taken: &str,
        exp: Expansion,
        out: &mut String,
    ) -> Option<usize> {
        let mut buf = [0u8; 4];
        let text = exp.as_str(&mut buf);
        let mut primary = true;
        let mut fresh = false;
        let mut pending = 0;
        for u in &self.units[p..end] {
            match u.tag {
                Tag::Raw => {}
                Tag::Decoded => {
                    primary = false;
                    fresh = true;
                }
                Tag::Pending => {
                    primary = false;
                    fresh = true;
                    pending += 1;
                }
                Tag::Doubled => primary = false,
            }
        }
        let count_secondary = |stats: &mut EntityStats| {
            stats.decoded += pending;
            stats.double_escaped += usize::from(fresh);
        };

        if self.mode == EntityMode::Attribute {
            self.stats.decoded += 1;
            self.stats.invalid += usize::from(exp.invalid());
            self.emit_units(out, 0, p);
            self.emit_text(out, text);
            self.emit_units(out, end, self.units.len());
            self.units.clear();
            return None;
        }

        let markup = self.mode == EntityMode::Markup;
        let amp = text == "&";
        if markup && !amp && is_syntax(text) {
            // Kept as written (at the current level of decoding). Nothing
            // held before it can reach past it, so all is settled.
            if !primary {
                count_secondary(&mut self.stats);
            }
            self.emit_units(out, 0, p);
            // Starting with `&`, it cannot run into what precedes it.
            let start = out.len();
            push_ref_text(out, &self.units[p..end], taken);
            self.open_tail = OpenForm::of(&out[start..]);
            self.emit_units(out, end, self.units.len());
            self.units.clear();
            self.written.clear();
            return None;
        }

        let tag = if primary {
            if markup && amp {
                Tag::Pending
            } else {
                self.stats.decoded += 1;
                self.stats.invalid += usize::from(exp.invalid());
                Tag::Decoded
            }
        } else {
            count_secondary(&mut self.stats);
            self.stats.invalid += usize::from(exp.invalid());
            Tag::Doubled
        };

        // A decoded `&` consumed here is the newest one held, so its written
        // form is the last in `written`.
        if self.units[p].len > 0 {
            self.written.truncate(self.units[p].start as usize);
        }
        let mut unit = Unit {
            tag,
            ..Unit::raw('&')
        };
        if markup && amp {
            let start = self.written.len();
            push_ref_text(&mut self.written, &self.units[p..end], taken);
            unit.start = start as u32;
            unit.len = (self.written.len() - start) as u8;
        }
        self.units
            .splice(p..end, text.chars().map(|ch| Unit { ch, ..unit }));

        if amp {
            return Some(p);
        }
        let prev = self.units[..p].iter().rposition(|u| u.ch == '&');
        if prev.is_none() {
            self.flush(out);
        }
        prev
    }

    /// Gives up on the oldest waiting `&` when too many wait.
    fn limit_waiting(&mut self, out: &mut String) {
        let mut amps = self.units.iter().enumerate().filter(|(_, u)| u.ch == '&');
        let second = amps.nth(1).map(|(n, _)| n);
        let Some(second) = second.filter(|_| amps.count() + 2 > MAX_WAITING) else {
            return;
        };
        self.emit_units(out, 0, second);
        self.units.drain(..second);
        // Written forms of the dropped part go too; the rest move down.
        let first_kept = self
            .units
            .iter()
            .find(|u| u.len > 0)
            .map_or(self.written.len(), |u| u.start as usize);
        self.written.drain(..first_kept);
        for u in self.units.iter_mut().filter(|u| u.len > 0) {
            u.start -= first_kept as u32;
        }
    }

    /// Writes out everything held: none of it can change any more.
    fn flush(&mut self, out: &mut String) {
        self.emit_units(out, 0, self.units.len());
        self.units.clear();
        self.written.clear();
    }

    fn emit_units(&mut self, out: &mut String, from: usize, to: usize) {
        let mut buf = [0u8; 4];
        for n in from..to {
            let u = self.units[n];
            let (s, e) = (u.start as usize, u.start as usize + u.len as usize);
            if u.len > 0 {
                emit(&mut self.open_tail, out, &self.written[s..e], true);
            } else {
                emit(&mut self.open_tail, out, u.ch.encode_utf8(&mut buf), false);
            }
        }
    }

    fn emit_text(&mut self, out: &mut String, text: &str) {
        emit(&mut self.open_tail, out, text, false);
    }
}

/// Appends `piece` to `out`, first closing an open escaped form at the end of
/// `out` with `;` if `piece` would run into it. `escaped` says whether
/// `piece` is itself an escaped form.
fn emit(open: &mut Option<OpenForm>, out: &mut String, piece: &str, escaped: bool) {
    let Some(&first) = piece.as_bytes().first() else {
        return;
    };
    if open.is_some_and(|form| form.extended_by(first)) {
        out.push(';');
    }
    out.push_str(piece);
    *open = if escaped { OpenForm::of(piece) } else { None };
}

/// An escaped form written without its `;`, by the characters that would
/// change its meaning if they came right after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenForm {
    /// `&lt`: a letter or digit (a longer name, or the attribute rule), `=`
    /// (the attribute rule) or `;`.
    Name,
    /// `&#60`: a digit, or `;`.
    Decimal,
    /// `&#x3c`: a hex digit, or `;`.
    Hex,
}

impl OpenForm {
    /// The kind of `form` (a reference as written), if it lacks its `;`.
    fn of(form: &str) -> Option<Self> {
        if form.ends_with(';') {
            return None;
        }
        Some(match form.as_bytes() {
            [b'&', b'#', b'x' | b'X', ..] => OpenForm::Hex,
            [b'&', b'#', ..] => OpenForm::Decimal,
            _ => OpenForm::Name,
        })
    }

    fn extended_by(self, b: u8) -> bool {
        b == b';'
            || match self {
                OpenForm::Name => b.is_ascii_alphanumeric() || b == b'=',
                OpenForm::Decimal => b.is_ascii_digit(),
                OpenForm::Hex => b.is_ascii_hexdigit(),
            }
    }
}

/// Caps the digit run of a numeric reference (see [`MAX_ZEROS`] and
/// [`MAX_SIGNIFICANT`]); fed the characters after `&#`.
#[derive(Default)]
struct DigitCap {
    started: bool,
    zeros: usize,
    significant: usize,
}

impl DigitCap {
    /// Whether `ch` is kept.
    fn keep(&mut self, ch: char) -> bool {
        let first = !self.started;
        self.started = true;
        if first && matches!(ch, 'x' | 'X') || !ch.is_ascii_hexdigit() {
            return true;
        }
        if ch == '0' && self.significant == 0 {
            self.zeros += 1;
            self.zeros <= MAX_ZEROS
        } else {
            self.significant += 1;
            self.significant <= MAX_SIGNIFICANT
        }
    }
}

/// Appends the text of a reference as it stands: held characters (decoded
/// ones as their characters) and then input, digit runs capped.
fn push_ref_text(dst: &mut String, head: &[Unit], tail: &str) {
    let mut chars = head.iter().map(|u| u.ch).chain(tail.chars());
    let (Some(amp), second) = (chars.next(), chars.next()) else {
        return;
    };
    dst.push(amp);
    let Some(second) = second else {
        return;
    };
    dst.push(second);
    if second != '#' {
        dst.extend(chars);
        return;
    }
    let mut digits = DigitCap::default();
    dst.extend(chars.filter(|&ch| digits.keep(ch)));
}

/// Whether decoded text would be markup syntax.
fn is_syntax(text: &str) -> bool {
    text.bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
}

/// The text after a held `&`: held characters, then the current input.
struct View<'a> {
    head: &'a [Unit],
    tail: &'a [u8],
}

impl View<'_> {
    /// The `k`th byte, non-ASCII held characters standing in as 0x80 (they
    /// only ever end a reference, like any non-ASCII byte).
    fn at(&self, k: usize) -> Option<u8> {
        match self.head.get(k) {
            Some(u) => Some(if u.ch.is_ascii() { u.ch as u8 } else { 0x80 }),
            None => self.tail.get(k - self.head.len()).copied(),
        }
    }
}

/// What an `&` turned out to be.
#[derive(Debug, Clone, Copy)]
enum Parsed {
    /// The text so far is a possible start of a reference; more is needed.
    NeedMore,
    /// Not a reference, whatever follows.
    NotRef,
    /// Not a reference as things stand, and the text up to the `&` at this
    /// offset could still continue one: decoding that `&` may change it.
    Blocked(usize),
    /// A reference of `len` bytes (from the `&`, which is at offset 0).
    Ref { len: usize, exp: Expansion },
}

/// The result of a reference.
#[derive(Debug, Clone, Copy)]
enum Expansion {
    Named(&'static str),
    Code { ch: char, invalid: bool },
}

impl Expansion {
    fn as_str<'b>(&self, buf: &'b mut [u8; 4]) -> &'b str {
        match *self {
            Expansion::Named(s) => s,
            Expansion::Code { ch, .. } => ch.encode_utf8(buf),
        }
    }

    fn invalid(&self) -> bool {
        matches!(self, Expansion::Code { invalid: true, .. })
    }
}

/// Looks at the `&` at offset 0 of `v`; `eof` says whether the text ends
/// where `v` does.
fn parse(v: &View<'_>, eof: bool) -> Parsed {
    debug_assert_eq!(v.at(0), Some(b'&'));
    match v.at(1) {
        None if eof => Parsed::NotRef,
        None => Parsed::NeedMore,
        Some(b'#') => parse_numeric(v, eof),
        Some(c) if c.is_ascii_alphanumeric() => parse_named(v, eof),
        Some(b'&') => Parsed::Blocked(1),
        Some(_) => Parsed::NotRef,
    }
}

fn parse_numeric(v: &View<'_>, eof: bool) -> Parsed {
    let hex = matches!(v.at(2), Some(b'x' | b'X'));
    let first = if hex { 3 } else { 2 };
    let radix = if hex { 16 } else { 10 };
    let mut value: u32 = 0;
    let mut k = first;
    loop {
        match v.at(k) {
            None if !eof => return Parsed::NeedMore,
            Some(c) if (c as char).is_digit(radix) => {
                let digit = (c as char).to_digit(radix).unwrap_or(0);
                // Saturating just past the range keeps the arithmetic small
                // and still says "too large".
                value = (value * radix + digit).min(0x11_0000);
                k += 1;
            }
            _ => break,
        }
    }
    if k == first {
        return match v.at(k) {
            Some(b'&') => Parsed::Blocked(k),
            _ => Parsed::NotRef,
        };
    }
    let len = if v.at(k) == Some(b';') { k + 1 } else { k };
    Parsed::Ref {
        len,
        exp: code_point(value),
    }
}

/// The standard's numeric character reference end state.
fn code_point(value: u32) -> Expansion {
    const REPLACEMENT: Expansion = Expansion::Code {
        ch: '\u{FFFD}',
        invalid: true,
    };
    if value == 0 || value > 0x10_FFFF || (0xD800..=0xDFFF).contains(&value) {
        return REPLACEMENT;
    }
    let value = match value {
        0x80..=0x9F => match WINDOWS_1252_C1[value as usize - 0x80] {
            0 => value,
            mapped => u32::from(mapped),
        },
        _ => value,
    };
    match char::from_u32(value) {
        Some(ch) => Expansion::Code { ch, invalid: false },
        None => REPLACEMENT,
    }
}

/// What windows-1252 makes of bytes 0x80..=0x9F, which is how the standard
/// reads references to those C1 controls; 0 where windows-1252 has no
/// character and the control is kept.
const WINDOWS_1252_C1: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, //
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0, //
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, //
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178, //
];

/// Longest-prefix match against the name table: the candidates are narrowed
/// to a range of the sorted table one character at a time.
fn parse_named(v: &View<'_>, eof: bool) -> Parsed {
    let (mut lo, mut hi) = (0, ENTITIES.len());
    // (length of the match counting the `&`, its table index)
    let mut best: Option<(usize, usize)> = None;
    let mut k = 1;
    let stop = loop {
        let c = match v.at(k) {
            None if !eof => return Parsed::NeedMore,
            None => break None,
            Some(c) => c,
        };
        if !(c.is_ascii_alphanumeric() || c == b';') {
            break Some(c);
        }
        let j = k - 1;
        let range = &ENTITIES[lo..hi];
        let from = range.partition_point(|(name, _)| name.as_bytes().get(j) < Some(&c));
        let to = range.partition_point(|(name, _)| name.as_bytes().get(j) <= Some(&c));
        if from == to {
            break Some(c);
        }
        (lo, hi) = (lo + from, lo + to);
        k += 1;
        debug_assert!(k <= LONGEST_NAME + 1);
        if ENTITIES[lo].0.len() == k - 1 {
            best = Some((k, lo));
            if hi - lo == 1 {
                // Nothing longer shares this prefix: decided without
                // looking further.
                break v.at(k);
            }
        }
    };
    if let Some((len, idx)) = best {
        let (name, value) = ENTITIES[idx];
        let attribute_rule = !name.ends_with(';')
            && v.at(len)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'=');
        if !attribute_rule {
            return Parsed::Ref {
                len,
                exp: Expansion::Named(value),
            };
        }
    }
    if stop == Some(b'&') {
        Parsed::Blocked(k)
    } else {
        Parsed::NotRef
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_legacy_names_have_twins() {
        assert!(ENTITIES.windows(2).all(|w| w[0].0 < w[1].0));
        let legacy = ENTITIES.iter().filter(|(n, _)| !n.ends_with(';'));
        for (name, value) in legacy {
            let twin = ENTITIES
                .binary_search_by(|(n, _)| n.cmp(&format!("{name};").as_str()))
                .map(|i| ENTITIES[i].1);
            assert_eq!(twin, Ok(*value), "{name}");
        }
        assert_eq!(
            ENTITIES.iter().map(|(n, _)| n.len()).max(),
            Some(LONGEST_NAME)
        );
    }

    /// What the streaming decoder holds back between chunks stays small
    /// whatever the chunk.
    #[test]
    fn held_back_text_is_bounded() {
        let bound = MAX_WAITING * (LONGEST_NAME + 1) + 3 + MAX_ZEROS + MAX_SIGNIFICANT;
        let zeros = "0".repeat(100_000);
        let nines = "9".repeat(100_000);
        let waiting = "&#&x&noti".repeat(1000);
        let inputs = [
            format!("&#{zeros}"),
            format!("&#x{zeros}1{nines}"),
            format!("&{waiting}&#{zeros}"),
            format!("&amp;{}", "amp;".repeat(10_000)),
            "&".repeat(100_000),
        ];
        for mode in [EntityMode::Text, EntityMode::Markup, EntityMode::Attribute] {
            for input in &inputs {
                let mut dec = EntityDecoder::new(mode);
                let mut out = String::new();
                dec.push(input, &mut out);
                assert!(dec.units.len() <= bound, "{mode:?}: {}", dec.units.len());
                assert!(
                    dec.written.len() <= bound,
                    "{mode:?}: {}",
                    dec.written.len()
                );
                // Cut right after the `&`, so the next chunk starts the run.
                let mut dec = EntityDecoder::new(mode);
                dec.push(&input[..1], &mut out);
                dec.push(&input[1..], &mut out);
                assert!(dec.units.len() <= bound, "{mode:?}: {}", dec.units.len());
            }
        }
    }

    #[test]
    fn digit_cap_keeps_value() {
        let mut s = String::new();
        let head = [Unit::raw('&'), Unit::raw('#')];
        push_ref_text(&mut s, &head, &format!("{}60;", "0".repeat(40)));
        assert_eq!(s, format!("&#{}60;", "0".repeat(MAX_ZEROS)));
        s.clear();
        push_ref_text(&mut s, &head, "x123456789abcdef");
        assert_eq!(s, "&#x12345678");
    }
}
