//! Deciding what encoding a file is in.
//!
//! Evidence is weighed in a fixed order: a byte-order mark settles it; a
//! declared charset (HTML `<meta>`, XML declaration) is believed only when
//! the bytes agree with it; otherwise the bytes decide. Deciding from bytes
//! combines two judges. chardetng knows many languages, but drops an
//! encoding at its first invalid byte, so one stray byte in a GBK page sends
//! it to windows-1252. zhnorm's own reading ([`super::mixed`]) instead
//! charges each damaged byte a cost and compares whole readings by how
//! plausible their text is as Chinese, so damage only costs what it is
//! worth. chardetng's word is taken for the non-Chinese encodings it alone
//! can tell apart (Shift_JIS, EUC-KR, ...) when the text is long enough for
//! it to be reliable and it decodes cleanly; the Chinese family and
//! windows-1252 are settled by comparing costs.

use encoding_rs::Encoding;

use super::charset::{self, Charset, Unit};
use super::foreign;
use super::legacy::{self, LegacyEncoding};
use super::mixed::{self, SWITCH};
use crate::model::{self, BIT};

/// How many leading bytes the charset declaration is looked for in.
const DECLARATION_WINDOW: usize = 4096;
/// Valid UTF-8 with at least this many non-ASCII characters is UTF-8
/// without further ado: legacy text is almost never valid UTF-8 that long.
const UTF8_SURE_CHARS: usize = 16;
/// Bytes the cost comparisons look at.
const FOCUS: usize = 16 * 1024;
/// Bytes chardetng is given.
const CHARDET_SAMPLE: usize = 16 * 1024;
/// chardetng's verdict on a non-Chinese encoding is trusted from this many
/// non-ASCII bytes on.
const CHARDET_MIN_NON_ASCII: usize = 64;

/// What settled the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The caller named it (`--from`).
    Forced,
    /// A byte-order mark.
    Bom,
    /// A charset declaration in the document, confirmed by the bytes.
    Declared,
    /// The bytes alone.
    Detected,
    /// Only ASCII bytes: every ASCII-compatible reading is the same.
    Ascii,
}

impl Basis {
    /// Short lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Basis::Forced => "forced",
            Basis::Bom => "bom",
            Basis::Declared => "declared",
            Basis::Detected => "detected",
            Basis::Ascii => "ascii",
        }
    }
}

/// A charset declaration found in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The label as written.
    pub label: String,
    /// What the label means, if zhnorm knows it.
    pub charset: Option<Charset>,
    /// Whether the declaration named the encoding the bytes are in (labels of
    /// one family count as right: `gb2312` for GBK or GB18030 bytes).
    pub correct: bool,
}

/// The verdict on a file's encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The encoding the file is decoded in (the main one, for mixed files).
    pub charset: Charset,
    /// What settled it.
    pub basis: Basis,
    /// How sure: 0.5 is a coin toss, 1.0 certainty. Derived from how much
    /// cheaper the winning reading is than the best reading in another
    /// encoding.
    pub confidence: f32,
    /// The document's own declaration, if it has one.
    pub declared: Option<Declared>,
    /// Length of the byte-order mark to skip.
    pub bom_len: usize,
}

/// Decide the encoding of a file from its first bytes.
///
/// `complete` says `prefix` is the whole input, so a character cut off at
/// its end is damage rather than the edge of the sample.
pub fn detect(prefix: &[u8], complete: bool) -> Detection {
    detect_in(prefix, complete, prefix, true)
}

/// [`detect`] for a prefix that may not start the input: `head` is the
/// input's real beginning (where a charset declaration would be), and a
/// byte-order mark only counts when `at_start`.
pub(crate) fn detect_in(prefix: &[u8], complete: bool, head: &[u8], at_start: bool) -> Detection {
    if let (true, Some((enc, len))) = (at_start, Encoding::for_bom(prefix)) {
        return Detection {
            charset: Charset::Std(enc),
            basis: Basis::Bom,
            confidence: 1.0,
            declared: sniff_declared(&prefix[len..])
                .map(|label| declared(label, Charset::Std(enc))),
            bom_len: len,
        };
    }
    if at_start && prefix.starts_with(&[0x84, 0x31, 0x95, 0x33]) {
        return Detection {
            charset: Charset::GB18030,
            basis: Basis::Bom,
            confidence: 1.0,
            declared: None,
            bom_len: 4,
        };
    }
    let judged = judge(prefix, complete);
    let declared_label = sniff_declared(head);
    let mut detection = Detection {
        charset: judged.charset,
        basis: judged.basis,
        confidence: judged.confidence,
        declared: None,
        bom_len: 0,
    };
    if let Some(label) = declared_label {
        let mut d = declared(label, judged.charset);
        if !d.correct {
            if let Some(claimed) = d.charset {
                if believe(claimed, &judged, prefix, complete) {
                    detection.charset = claimed;
                    detection.basis = Basis::Declared;
                    d.correct = true;
                }
            }
        } else if judged.basis != Basis::Ascii {
            detection.basis = Basis::Declared;
        }
        detection.declared = Some(d);
    }
    detection
}

/// Weighs a declaration made outside the bytes (an HTTP header) the way
/// [`detect_in`] weighs one inside them.
pub(crate) fn weigh_declaration(
    detection: &mut Detection,
    claimed: Charset,
    prefix: &[u8],
    complete: bool,
) {
    if detection.basis == Basis::Bom {
        return;
    }
    let mut d = declared(claimed.name().to_owned(), detection.charset);
    if !d.correct {
        let judged = Judged {
            charset: detection.charset,
            basis: detection.basis,
            confidence: detection.confidence,
            valid_utf8: utf8_chars(prefix, complete).is_some_and(|n| n > 0),
        };
        if believe(claimed, &judged, prefix, complete) {
            detection.charset = claimed;
            detection.basis = Basis::Declared;
            d.correct = true;
        }
    } else if detection.basis != Basis::Ascii {
        detection.basis = Basis::Declared;
    }
    detection.declared = Some(d);
}

/// A declaration read against the encoding actually used.
pub(crate) fn declared(label: String, actual: Charset) -> Declared {
    let charset = Charset::for_label(&label);
    let correct = charset.is_some_and(|c| same_family(c, actual));
    Declared {
        label,
        charset,
        correct,
    }
}

/// Labels of one family decode the same way here (GBK and GB2312 both map to
/// GB18030); UTF-16 without a byte order is taken to mean either order.
fn same_family(a: Charset, b: Charset) -> bool {
    a == b || (a.is_utf16() && b.is_utf16())
}

/// The detector's verdict, before any declaration is weighed.
struct Judged {
    charset: Charset,
    basis: Basis,
    confidence: f32,
    /// The sample is valid UTF-8 with at least one multi-byte character.
    valid_utf8: bool,
}

/// Whether the encoding a document declares should be believed over the
/// detector's verdict.
///
/// Between two Chinese readings (UTF-8, UTF-16 and the Chinese legacy
/// encodings included), a declaration is believed when the bytes read
/// about as well in it as in the detector's pick: Chinese pages often
/// declare gb2312 and are UTF-8, so that claim must earn its place. Across
/// scripts (a Chinese claim on a page the detector reads as Cyrillic, or
/// any other claim) the declaration is the author's word where the models
/// are least sure of each other: it stands unless the bytes contradict it
/// outright, by being valid multi-byte UTF-8 (for a single-byte claim), by
/// not decoding in it, or by reading far better in another encoding.
fn believe(claimed: Charset, judged: &Judged, prefix: &[u8], complete: bool) -> bool {
    let detected = judged.charset;
    if is_chinese_side(claimed) && is_chinese_side(detected) {
        return agrees(claimed, detected, prefix, complete);
    }
    let (sample, complete) = focus(prefix, complete);
    let profile = foreign::Profile::of(sample);
    let (Some((c_claimed, errors)), Some((c_detected, _))) = (
        common_cost(claimed, sample, complete, &profile),
        common_cost(detected, sample, complete, &profile),
    ) else {
        return false;
    };
    if judged.valid_utf8 && foreign::is_single_byte(claimed) {
        return false;
    }
    // Damage in the claimed reading: a stray byte is tolerated, a page
    // that does not decode is not in that encoding.
    if errors > 1 + profile.non_ascii / 200 {
        return false;
    }
    // Far better: a quarter of a bit per non-ASCII byte, and at least 16
    // bits, cheaper elsewhere.
    let margin = (16 * BIT as u64).max(profile.non_ascii as u64 * BIT as u64 / 4);
    c_detected + margin >= c_claimed
}

/// Whether `charset` is one the Chinese model judges: the mixable ones,
/// UTF-16 and the Chinese legacy encodings.
fn is_chinese_side(charset: Charset) -> bool {
    charset.unit().is_some()
        || charset.is_utf16()
        || matches!(
            charset,
            Charset::Legacy(LegacyEncoding::Hz | LegacyEncoding::EucTw | LegacyEncoding::Iso2022Cn)
        )
}

/// Cost in quarter bits of reading `sample` in `charset`, over its
/// non-ASCII bytes, and the damage count: single-byte encodings priced by
/// their scripts' letter models, every other encoding by the character
/// model (which knows Han, kana and hangul), minus what the ASCII bytes
/// cost there, so that the two scales meet.
fn common_cost(
    charset: Charset,
    sample: &[u8],
    complete: bool,
    profile: &foreign::Profile,
) -> Option<(u64, usize)> {
    if let Some(f) = foreign::single_byte(charset, profile) {
        return Some((f.cost, 0));
    }
    if matches!(charset, Charset::Std(e) if e.is_single_byte()) {
        // A single-byte encoding no language model covers (x-user-defined).
        return None;
    }
    let (cost, errors) = whole_cost(charset, sample, complete);
    Some((cost.saturating_sub(profile.ascii_cost), errors))
}

/// Whether a declared charset the detector did not pick still reads the
/// bytes about as well as the detector's pick; then the declaration wins, as
/// the author's word on a close call.
fn agrees(claimed: Charset, detected: Charset, prefix: &[u8], complete: bool) -> bool {
    let c_claimed = whole_cost(claimed, prefix, complete);
    let c_detected = whole_cost(detected, prefix, complete);
    if c_claimed.1 > c_detected.1 {
        return false;
    }
    // Within two bits per hundred bytes, plus a little: a tie as far as the
    // evidence goes.
    let slack = 8 * BIT as u64 + prefix.len() as u64 * 2 * BIT as u64 / 100;
    c_claimed.0 <= c_detected.0 + slack
}

/// Cost and damaged-byte count of reading all of `bytes` in one encoding.
fn whole_cost(charset: Charset, bytes: &[u8], complete: bool) -> (u64, usize) {
    if charset == Charset::UTF8 && complete {
        return utf8_cost(bytes);
    }
    let (text, errors) = decode_whole(charset, bytes, complete);
    (
        model::text_cost(&text) + errors as u64 * mixed::ERROR as u64,
        errors,
    )
}

/// [`whole_cost`] of the UTF-8 reading of a whole input, without building
/// its text. Legacy text read as UTF-8 is damaged every few bytes, and the
/// decoder stops at each damaged sequence, which made this trial reading
/// the costliest of a legacy page's. The standard library's chunks end
/// where the WHATWG decoder reports an error (one for each maximal
/// ill-formed subpart, a truncated sequence at the end included), so the
/// damage count and the cost of the U+FFFD that would stand for it are the
/// decoder's.
fn utf8_cost(bytes: &[u8]) -> (u64, usize) {
    let replacement = model::char_cost('\u{FFFD}') as u64 + mixed::ERROR as u64;
    let mut cost = 0u64;
    let mut errors = 0usize;
    for chunk in bytes.utf8_chunks() {
        cost += model::text_cost(chunk.valid());
        if !chunk.invalid().is_empty() {
            errors += 1;
            cost += replacement;
        }
    }
    (cost, errors)
}

/// [`whole_cost`] of a reading that only counts without damage: `None`
/// when there is damage, which then goes unpriced (most trial readings of
/// the wrong encoding are damaged, and pricing their text is most of the
/// work).
fn clean_cost(charset: Charset, bytes: &[u8], complete: bool) -> Option<u64> {
    let (text, errors) = decode_whole(charset, bytes, complete);
    (errors == 0).then(|| model::text_cost(&text))
}

/// All of `bytes` decoded in `charset`, U+FFFD for damage, and the damage
/// count.
fn decode_whole(charset: Charset, bytes: &[u8], complete: bool) -> (String, usize) {
    match charset {
        Charset::Std(enc) => decode_counting(enc, bytes, complete),
        Charset::Legacy(l) => {
            let mut text = String::new();
            let stats = l.new_decoder().decode(bytes, &mut text, complete);
            (text, stats.errors)
        }
    }
}

/// Decode `bytes` with `enc`, writing U+FFFD for damage, and count the damage.
pub(crate) fn decode_counting(enc: &'static Encoding, bytes: &[u8], last: bool) -> (String, usize) {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut errors = 0;
    decode_std(&mut decoder, bytes, &mut out, last, |_| errors += 1);
    (out, errors)
}

/// Run an encoding_rs decoder over `bytes` into `out`, writing U+FFFD for
/// each malformed sequence and telling `on_error` its offset relative to
/// `bytes` (negative when the sequence began in an earlier call).
///
/// Goes through a fixed buffer: encoding_rs's `String` interface prepares
/// all spare capacity on every call, and a call ends at every error, which
/// made damaged input quadratic.
pub(crate) fn decode_std(
    decoder: &mut encoding_rs::Decoder,
    bytes: &[u8],
    out: &mut String,
    last: bool,
    mut on_error: impl FnMut(isize),
) {
    let mut buf = [0u8; 16 * 1024];
    let mut pos = 0;
    loop {
        let (result, read, written) =
            decoder.decode_to_utf8_without_replacement(&bytes[pos..], &mut buf, last);
        pos += read;
        // encoding_rs writes only whole UTF-8 sequences, so the bytes need
        // no second validation (which cost as much as the decoding on
        // damaged input, a call for every damaged sequence).
        // SAFETY: encoding_rs's `decode_to_utf8*` methods promise that
        // `buf[..written]` is valid UTF-8.
        out.push_str(unsafe { std::str::from_utf8_unchecked(&buf[..written]) });
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => {}
            encoding_rs::DecoderResult::Malformed(bad, after) => {
                out.push('\u{FFFD}');
                on_error(pos as isize - after as isize - bad as isize);
            }
        }
    }
}

fn judge(prefix: &[u8], complete: bool) -> Judged {
    let verdict = |charset, basis, confidence| Judged {
        charset,
        basis,
        confidence,
        valid_utf8: false,
    };
    let non_ascii = prefix.iter().filter(|&&b| b >= 0x80).count();
    if let Some(order) = utf16_by_zeros(prefix) {
        return verdict(Charset::Std(order), Basis::Detected, 0.99);
    }
    if non_ascii == 0 {
        for l in [
            LegacyEncoding::Hz,
            LegacyEncoding::Iso2022Cn,
            LegacyEncoding::Iso2022Kr,
        ] {
            if legacy::looks_like(l, prefix) {
                return verdict(Charset::Legacy(l), Basis::Detected, 0.99);
            }
        }
        if prefix.contains(&0x1B) {
            // ISO-2022-JP is 7-bit too; chardetng knows it.
            let guess = chardet(prefix, complete);
            if guess != encoding_rs::UTF_8 && guess != encoding_rs::WINDOWS_1252 {
                return verdict(Charset::Std(guess), Basis::Detected, 0.9);
            }
        }
        return verdict(Charset::UTF8, Basis::Ascii, 1.0);
    }
    // Valid UTF-8 with multi-byte characters is UTF-8: legacy text forms
    // valid UTF-8 only a few characters at a time, and then rarely all
    // along a sample, while real UTF-8 holds plenty that a Chinese model
    // finds odd (other alphabets, accents, symbols). Below 16 characters
    // the text must also spell something plausible.
    if let Some(chars) = utf8_chars(prefix, complete) {
        if chars >= UTF8_SURE_CHARS || chars > 0 && plausible_utf8_prefix(prefix) {
            let confidence = if chars >= UTF8_SURE_CHARS { 1.0 } else { 0.9 };
            return Judged {
                charset: Charset::UTF8,
                basis: Basis::Detected,
                confidence,
                valid_utf8: true,
            };
        }
    }

    // The rest weighs costs, which a focused sample settles as well as the
    // whole prefix at a fraction of the price: from the line of the first
    // non-ASCII byte on (an HTML head is often long and all ASCII).
    let (prefix, complete) = focus(prefix, complete);
    let non_ascii = prefix.iter().filter(|&&b| b >= 0x80).count();

    // The Chinese family. Usually exactly one of GB18030 and Big5 reads the
    // sample cleanly (no damage, Chinese-looking throughout), and that
    // settles the Chinese side at table speed. Otherwise: the cheapest
    // reading over UTF-8, GB18030 and Big5, each byte free to be read in
    // any of them at a switching cost.
    let mut clean_text = String::new();
    let clean = clean_legacy_reading(prefix, complete, &mut clean_text);
    let mut best = match clean {
        Some((unit, cost, _)) => (unit.charset(), cost),
        None => {
            let (cost, non_ascii) = mixed::cheapest_cost(prefix, [0, 0, 0], None);
            let main = Unit::ALL
                .into_iter()
                .max_by_key(|u| non_ascii[*u as usize])
                .unwrap_or(Unit::Utf8);
            (main.charset(), cost)
        }
    };
    let mut candidates: Vec<(Charset, u64)> = Vec::new();
    for unit in Unit::ALL {
        let cost = match clean {
            // The clean reading is priced already, on all of the prefix
            // when it is complete: the fast path it passed decodes only
            // ASCII and two-byte codes, each as the full decoder does, so
            // its text and cost are the full decoder's.
            Some((u, cost, _)) if u == unit && complete => {
                debug_assert_eq!(cost, whole_cost(unit.charset(), prefix, complete).0);
                cost
            }
            _ => whole_cost(unit.charset(), prefix, complete).0,
        };
        candidates.push((unit.charset(), cost));
    }
    // EUC-TW overlaps Big5 and GBK byte for byte; only its cost tells.
    if legacy::looks_like(LegacyEncoding::EucTw, prefix) {
        if let Some(cost) = clean_cost(Charset::Legacy(LegacyEncoding::EucTw), prefix, complete) {
            candidates.push((Charset::Legacy(LegacyEncoding::EucTw), cost));
            if cost + SWITCH as u64 * 2 < best.1 {
                best = (Charset::Legacy(LegacyEncoding::EucTw), cost);
            }
        }
    }
    // Chinese UTF-16 without a byte-order mark has no zero bytes to show.
    // Its bytes read as anything else are garbage costing far more, so it
    // must win by half to count: a short line of Latin-1 or GBK that
    // happens to pair up into Han characters does not.
    if (prefix.len() % 2 == 0 || !complete) && !has_ascii_run(prefix) {
        for enc in [encoding_rs::UTF_16LE, encoding_rs::UTF_16BE] {
            if let Some(cost) = clean_cost(Charset::Std(enc), prefix, complete) {
                candidates.push((Charset::Std(enc), cost));
                if cost * 2 < best.1 {
                    best = (Charset::Std(enc), cost);
                }
            }
        }
    }

    // Japanese and Korean multi-byte text. A sample that one Chinese
    // encoding reads cleanly and plausibly all along, without kana, is not
    // Japanese or Korean: their kana and hangul read as strings of rare Han
    // characters, which the plausibility windows reject. chardetng, the
    // costliest judge, is asked only otherwise (EUC-JP's kana rows are
    // GB2312's, so kana in a clean reading are a reason to ask).
    let ask_chardet = match clean {
        Some((_, _, kana)) => kana > 0,
        None => true,
    };
    if ask_chardet {
        let guess = chardet(prefix, complete);
        let chinese =
            [encoding_rs::UTF_8, encoding_rs::GB18030, encoding_rs::BIG5].contains(&guess);
        if !chinese && !guess.is_single_byte() {
            let (cost, errors) = whole_cost(Charset::Std(guess), prefix, complete);
            candidates.push((Charset::Std(guess), cost));
            // On a few characters a Korean or Japanese reading is no more
            // likely than a Chinese one, and Chinese is what zhnorm reads.
            let trusted = errors == 0 && non_ascii >= CHARDET_MIN_NON_ASCII;
            if trusted && (clean.is_none() || cost <= best.1) {
                best = (Charset::Std(guess), cost);
            }
        }
    }

    // Johab, Korean that neither WHATWG nor chardetng knows: a reading
    // without damage, priced by the same character model (which prices
    // hangul as a class), competes like any other.
    if ask_chardet && legacy::looks_like(LegacyEncoding::Johab, prefix) {
        if let Some(cost) = clean_cost(Charset::Legacy(LegacyEncoding::Johab), prefix, complete) {
            candidates.push((Charset::Legacy(LegacyEncoding::Johab), cost));
            if cost < best.1 {
                best = (Charset::Legacy(LegacyEncoding::Johab), cost);
            }
        }
    }

    // Every other script: the cheapest single-byte reading, priced by its
    // own letter models, against the best reading so far on the same
    // footing (its non-ASCII bytes only). Han characters win only when
    // they are likelier Chinese than the letters are their language.
    let (ascii_cost, high_bytes) = foreign::ascii_cost_and_high(prefix);
    let mut best_common = best.1.saturating_sub(ascii_cost);
    // A clean Chinese reading at the price of real Chinese text (at most
    // five bits per non-ASCII byte; Chinese runs at four to five, while
    // letters misread as GBK or Big5 give rare characters and damage at
    // seven or more) leaves no single-byte reading a chance: no text is
    // both. The letter models are not consulted then.
    let plainly_chinese = clean.is_some_and(|(_, _, kana)| kana == 0)
        && high_bytes >= 32
        && best_common <= high_bytes as u64 * 5 * BIT as u64;

    let mut others: Vec<(Charset, u64)> = candidates
        .iter()
        .map(|&(c, cost)| (c, cost.saturating_sub(ascii_cost)))
        .collect();
    // The letter models' statistics (a pass with a 64 KB table) are
    // gathered only when they are consulted.
    // Nor are they when no single-byte reading can change the verdict or
    // its confidence, which a floor under their costs (one light pass)
    // settles for most clean Chinese pages that are not plainly so.
    let out_of_reach = || {
        let floor = foreign::single_byte_floor(prefix);
        if floor < best_common + SURE_MARGIN {
            return false;
        }
        if floor >= best_common.saturating_mul(2) {
            // The word shapes are not weighed, the best reading stays, and
            // as a runner-up the single-byte reading leaves no doubt.
            return true;
        }
        // The word shapes may be weighed, raising the best reading's cost:
        // out of reach if no single-byte reading comes within the sure
        // margin of that raised cost, nor does any other runner-up (the
        // confidence is then 1.0 either way).
        let shapes = match clean {
            Some((unit, _, _)) if complete && unit.charset() == best.0 => {
                word_shapes_in(&clean_text)
            }
            _ => word_shape_misses(best.0, prefix, complete),
        };
        let bar = best_common + shapes * foreign::SCRIPT_MIX as u64 + SURE_MARGIN;
        floor >= bar
            && others
                .iter()
                .filter(|(c, _)| !same_family(*c, best.0))
                .all(|&(_, cost)| cost >= bar)
    };
    let single_byte = if plainly_chinese || out_of_reach() {
        None
    } else {
        foreign::best_single_byte(&foreign::Profile::of(prefix))
    };
    if let Some(sb) = single_byte {
        others.push((sb.charset, sb.cost));
        // Where the letters are close enough to matter, the Chinese
        // reading pays for word shapes that only misread letters make,
        // at the price the letter models charge a script change inside a
        // word.
        if sb.cost < best_common.saturating_mul(2) {
            best_common += word_shape_misses(best.0, prefix, complete) * foreign::SCRIPT_MIX as u64;
        }
        if sb.cost < best_common {
            best = (sb.charset, sb.cost);
            best_common = sb.cost;
        }
    }
    let runner_up = others
        .iter()
        .filter(|(c, _)| !same_family(*c, best.0))
        .map(|&(_, cost)| cost)
        .min();
    verdict(best.0, Basis::Detected, confidence(best_common, runner_up))
}

/// Evidence against a Chinese reading that only word shape shows, in
/// counts: Han characters touching an ASCII letter ("a凔.", where a Big5
/// or GBK reading swallowed the letter after an accent; real Chinese text
/// meets Latin words at their edges, not inside them), and runs of one or
/// two Han characters between spaces (Chinese is written without spaces
/// between words; alphabetic words read as GBK come out as such runs).
fn word_shape_misses(charset: Charset, bytes: &[u8], complete: bool) -> u64 {
    word_shapes_in(&decode_whole(charset, bytes, complete).0)
}

/// [`word_shape_misses`] of a decoded text.
///
/// Both kinds of miss sit at an ASCII byte (a letter touching a Han
/// character, or the space that opens a short Han run), and most of a
/// page's characters are nowhere near one, so the scan goes from byte to
/// byte and decodes a character only beside such a byte. Counting each
/// letter's Han neighbours counts every Han-letter pair once, and
/// counting each space followed by one or two Han characters and another
/// space counts every short run once, as reading the text character by
/// character does.
fn word_shapes_in(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let han = |c: Option<char>| c.is_some_and(|c| model::is_han(c as u32));
    // The character that starts at `i`, or ends just before it.
    let at = |i: usize| text.get(i..).and_then(|t| t.chars().next());
    let before = |i: usize| text[..i].chars().next_back();
    // Whether one or two Han characters start at `j` and a space follows.
    let short_run = |mut j: usize| {
        let mut run = 0;
        while let Some(c) = at(j).filter(|&c| model::is_han(c as u32)) {
            run += 1;
            j += c.len_utf8();
            if run > 2 {
                return false;
            }
        }
        run > 0 && bytes.get(j) == Some(&b' ')
    };
    // The text's start counts as a space.
    let mut count = short_run(0) as u64;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_alphabetic() {
            let prev_high = i > 0 && bytes[i - 1] >= 0x80;
            let next_high = bytes.get(i + 1).is_some_and(|&n| n >= 0x80);
            count += (prev_high && han(before(i))) as u64;
            count += (next_high && han(at(i + 1))) as u64;
        } else if b == b' ' && bytes.get(i + 1).is_some_and(|&n| n >= 0x80) {
            count += short_run(i + 1) as u64;
        }
    }
    count
}

/// [`word_shapes_in`] as a plain reading of the text, character by
/// character: what the scan must count.
#[cfg(test)]
fn word_shapes_by_chars(text: &str) -> u64 {
    let han = |c: char| model::is_han(c as u32);
    let mut count = 0;
    let mut prev = ' ';
    // Length of the current Han run, and whether a space came before it.
    let mut run = 0;
    let mut after_space = true;
    for c in text.chars() {
        if han(prev) && c.is_ascii_alphabetic() || prev.is_ascii_alphabetic() && han(c) {
            count += 1;
        }
        if han(c) {
            if run == 0 {
                after_space = prev == ' ';
            }
            run += 1;
        } else {
            if run > 0 && run <= 2 && after_space && c == ' ' {
                count += 1;
            }
            run = 0;
        }
        prev = c;
    }
    count
}

/// A margin, in quarter bits, over which the runner-up leaves no doubt:
/// [`confidence`] is exactly 1.0 from about 96 bits on (the doubt left is
/// under half the step from the largest `f32` below 1.0), so a reading known
/// to cost at least this much more than the best cannot change it, and its
/// exact cost is not needed.
const SURE_MARGIN: u64 = 100 * BIT as u64;

/// Map the cost margin to the runner-up onto (0.5, 1]: every four bits of
/// margin halve the remaining doubt.
fn confidence(best: u64, runner_up: Option<u64>) -> f32 {
    let Some(other) = runner_up else {
        return 1.0;
    };
    let margin_bits = other.saturating_sub(best) as f32 / BIT as f32;
    (1.0 - 0.5 * (-margin_bits / 4.0).exp2()).clamp(0.5, 1.0)
}

/// At most [`FOCUS`] bytes of `prefix`, starting at the line of its first
/// non-ASCII byte (everything before is ASCII, so any point there is a
/// character boundary).
fn focus(prefix: &[u8], complete: bool) -> (&[u8], bool) {
    if prefix.len() <= FOCUS {
        return (prefix, complete);
    }
    let first = prefix.iter().position(|&b| b >= 0x80).unwrap_or(0);
    let line = memchr::memrchr(b'\n', &prefix[..first]).map_or(0, |i| i + 1);
    let start = line.max(first.saturating_sub(FOCUS / 4));
    let end = (start + FOCUS).min(prefix.len());
    (&prefix[start..end], complete && end == prefix.len())
}

/// If exactly one of UTF-8, GB18030 and Big5 reads `prefix` cleanly (the
/// decoder's fast path accepts it all) and it is not UTF-8, that unit, the
/// cost of its text and the number of kana in it.
///
/// `text` is left holding the clean reading's text (when there is one).
fn clean_legacy_reading(
    prefix: &[u8],
    complete: bool,
    text: &mut String,
) -> Option<(Unit, u64, usize)> {
    // Without the end of the input, stop after the last ASCII byte, which
    // no character straddles.
    let end = if complete {
        prefix.len()
    } else {
        prefix.iter().rposition(|&b| b < 0x80).map_or(0, |i| i + 1)
    };
    let sample = &prefix[..end];
    // Valid UTF-8 is a clean reading too (short, or it would have been
    // taken already): then the cheapest-reading search must choose.
    if sample.is_ascii() || simdutf8::basic::from_utf8(sample).is_ok() {
        return None;
    }
    let mut found = None;
    let mut other = String::new();
    for unit in [Unit::Gb18030, Unit::Big5] {
        let out = if found.is_some() {
            &mut other
        } else {
            &mut *text
        };
        out.clear();
        if charset::decode_legacy_block(unit, sample, out).is_ok() {
            if found.is_some() {
                return None;
            }
            let kana = out.chars().filter(|&c| model::is_kana(c as u32)).count();
            found = Some((unit, model::text_cost(out), kana));
        }
    }
    found
}

/// chardetng's guess on at most [`CHARDET_SAMPLE`] bytes, plenty for the
/// encodings it is asked about here and a quarter of the cost of the full
/// prefix.
fn chardet(prefix: &[u8], complete: bool) -> &'static Encoding {
    let complete = complete && prefix.len() <= CHARDET_SAMPLE;
    let prefix = &prefix[..prefix.len().min(CHARDET_SAMPLE)];
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(prefix, complete);
    let guess = detector.guess(None, true);
    if guess == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        guess
    }
}

/// Whether the valid UTF-8 at the start of `bytes` (up to a character cut
/// off at the end) spells plausible text.
fn plausible_utf8_prefix(bytes: &[u8]) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    foreign::plausible_utf8(valid)
}

/// Number of non-ASCII characters if `bytes` is valid UTF-8 (a character
/// cut off at the end is allowed when more input follows).
fn utf8_chars(bytes: &[u8], complete: bool) -> Option<usize> {
    let valid = match simdutf8::compat::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    Some(valid.chars().filter(|c| !c.is_ascii()).count())
}

/// Whether `bytes` hold a run of [`ASCII_RUN`] printable ASCII bytes (or
/// tabs and line breaks). Chinese UTF-16 never does: a code unit whose two
/// bytes are both printable ASCII is U+2020-U+7E7E with a printable low
/// byte, about one common character in four, so such a run of 32 units
/// has odds below 1e-19, while markup and Latin text are full of them.
fn has_ascii_run(bytes: &[u8]) -> bool {
    let mut run = 0;
    for &b in bytes {
        if (0x20..0x7F).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r') {
            run += 1;
            if run >= ASCII_RUN {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// See [`has_ascii_run`].
const ASCII_RUN: usize = 64;

/// UTF-16 without a byte-order mark, told by where its zero bytes fall:
/// Latin text in UTF-16 has a zero in every other byte. A handful of bytes
/// proves nothing (`"\0bin"` has its one zero in the "right" place), and
/// binary data made of 16-bit numbers has the same pattern; the code units
/// with a zero byte must therefore be text (printable, whitespace or
/// Latin-1 letters), not control codes, and there must be
/// [`UTF16_MIN_UNITS`] of them.
fn utf16_by_zeros(prefix: &[u8]) -> Option<&'static Encoding> {
    let sample = &prefix[..prefix.len().min(8192) & !1];
    let pairs = sample.len() / 2;
    if pairs < UTF16_MIN_UNITS {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += (pair[0] == 0) as usize;
        odd += (pair[1] == 0) as usize;
    }
    let (enc, low) = if odd * 10 >= pairs * 3 && even * 20 < pairs {
        (encoding_rs::UTF_16LE, 0)
    } else if even * 10 >= pairs * 3 && odd * 20 < pairs {
        (encoding_rs::UTF_16BE, 1)
    } else {
        return None;
    };
    // The other byte of each unit whose high byte is zero: U+0000-U+00FF.
    let (mut latin, mut control) = (0usize, 0usize);
    for pair in sample.chunks_exact(2).filter(|p| p[1 - low] == 0) {
        latin += 1;
        let b = pair[low];
        control +=
            (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || (0x7F..0xA0).contains(&b)) as usize;
    }
    if latin < UTF16_MIN_UNITS || control * 16 > latin {
        return None;
    }
    let (_, errors) = decode_counting(enc, sample, false);
    (errors * 100 <= pairs).then_some(enc)
}

/// Code units of U+0000-U+00FF that UTF-16 without a byte-order mark must
/// show before its zero bytes are believed.
const UTF16_MIN_UNITS: usize = 8;

/// Find the charset a document declares for itself: `<meta charset=...>`,
/// `<meta http-equiv="Content-Type" content="...; charset=...">`, or an XML
/// declaration's `encoding="..."`, within the first few kilobytes.
pub fn sniff_declared(bytes: &[u8]) -> Option<String> {
    let window = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    let lower: Vec<u8> = window.iter().map(|b| b.to_ascii_lowercase()).collect();
    if lower.starts_with(b"<?xml") {
        let end = find(&lower, b"?>").unwrap_or(lower.len());
        if let Some(at) = find(&lower[..end], b"encoding") {
            if let Some(value) = attribute_value(&window[at + 8..end]) {
                return Some(value);
            }
        }
    }
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"charset") {
        let start = from + at + 7;
        // Only inside a tag: the nearest '<' before must be a <meta.
        let tag_start = lower[..from + at].iter().rposition(|&b| b == b'<');
        let tag_end = lower[..from + at].iter().rposition(|&b| b == b'>');
        let in_meta = match (tag_start, tag_end) {
            (Some(s), e) if e.is_none_or(|e| e < s) => lower[s..].starts_with(b"<meta"),
            _ => false,
        };
        if in_meta {
            if let Some(value) = attribute_value(&window[start..]) {
                return Some(value);
            }
        }
        from = start;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parse `  = "value"` (quotes optional) at the start of `rest`.
fn attribute_value(rest: &[u8]) -> Option<String> {
    let mut i = 0;
    while i < rest.len() && rest[i].is_ascii_whitespace() {
        i += 1;
    }
    if rest.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while i < rest.len() && rest[i].is_ascii_whitespace() {
        i += 1;
    }
    if matches!(rest.get(i), Some(b'"') | Some(b'\'')) {
        i += 1;
    }
    let start = i;
    while i < rest.len() && (rest[i].is_ascii_alphanumeric() || b"-_.:".contains(&rest[i])) {
        i += 1;
    }
    (i > start).then(|| String::from_utf8_lossy(&rest[start..i]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(text).0.into_owned()
    }
    fn big5(text: &str) -> Vec<u8> {
        encoding_rs::BIG5.encode(text).0.into_owned()
    }

    /// The verdict reuses the clean legacy reading's price for that
    /// encoding's candidate; it must be what pricing the full decode gives.
    #[test]
    fn a_clean_reading_costs_what_the_full_decode_costs() {
        let simplified = "中华人民共和国国务院新闻办公室今天举行发布会，介绍经济运行情况。\n\
                          记者了解到，全国各地的学校已经陆续开学，交通部门做好了准备。\n";
        let traditional = "臺灣的法律條文規定，行政機關應當依法辦理各項業務與申請。\n\
                           這份報告說明了過去一年來，經濟與社會發展的主要情況。\n";
        let samples = [
            (Unit::Gb18030, gbk(&simplified.repeat(20))),
            (
                Unit::Gb18030,
                gbk(&format!("<p class=\"a\">{}</p>\n", simplified).repeat(8)),
            ),
            (Unit::Big5, big5(&traditional.repeat(20))),
            (
                Unit::Big5,
                big5(&format!("<td>{}</td>\r\n", traditional).repeat(8)),
            ),
        ];
        for (unit, bytes) in samples {
            let mut text = String::new();
            let (found, cost, kana) =
                clean_legacy_reading(&bytes, true, &mut text).expect("one clean reading");
            assert_eq!((found, kana), (unit, 0));
            assert_eq!(text, decode_whole(unit.charset(), &bytes, true).0);
            assert_eq!(whole_cost(unit.charset(), &bytes, true), (cost, 0));
        }
    }

    /// Damaged readings go unpriced; clean ones cost what whole_cost says.
    #[test]
    fn clean_cost_is_whole_cost_without_damage() {
        let bytes = gbk("中文網頁的內容，一些文字。\n");
        assert_eq!(
            clean_cost(Charset::GB18030, &bytes, true),
            Some(whole_cost(Charset::GB18030, &bytes, true).0)
        );
        // GBK bytes are not UTF-8.
        assert!(whole_cost(Charset::UTF8, &bytes, true).1 > 0);
        assert_eq!(clean_cost(Charset::UTF8, &bytes, true), None);
    }

    /// The UTF-8 reading priced without its text must cost and count what
    /// decoding it with encoding_rs does, on every kind of damage: stray
    /// continuation bytes, bytes no sequence uses, surrogates, overlong
    /// and out-of-range forms, and sequences cut off at the end.
    #[test]
    fn the_utf8_reading_is_priced_as_the_decoder_reads_it() {
        let mut samples: Vec<Vec<u8>> = vec![
            gbk("中文網頁的內容，一些文字。\n"),
            big5("臺灣的法律條文規定"),
            "valid 中文 text ✓ 😀".as_bytes().to_vec(),
            b"\xED\xA0\x80 \xC0\xAF \xE0\x80\xAF \xF4\x90\x80\x80 \xF0\x9F\x98".to_vec(),
            b"\xE4\xB8".to_vec(),
            b"\xC3".to_vec(),
            Vec::new(),
        ];
        // Random bytes, high ones and UTF-8 lead shapes over-represented.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for len in [1usize, 2, 3, 7, 64, 500, 4000] {
            for _ in 0..20 {
                let bytes = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        const PICKS: [u8; 8] = [b'a', 0x80, 0xBF, 0xC2, 0xE0, 0xED, 0xF0, 0xF4];
                        match state % 3 {
                            0 => PICKS[(state >> 8) as usize % PICKS.len()],
                            _ => (state >> 16) as u8,
                        }
                    })
                    .collect();
                samples.push(bytes);
            }
        }
        for bytes in samples {
            let (text, errors) = decode_counting(encoding_rs::UTF_8, &bytes, true);
            let decoded = (
                model::text_cost(&text) + errors as u64 * mixed::ERROR as u64,
                errors,
            );
            assert_eq!(utf8_cost(&bytes), decoded, "{bytes:02X?}");
            assert_eq!(whole_cost(Charset::UTF8, &bytes, true), decoded);
        }
    }

    /// The byte scan counts the word-shape misses the character reading
    /// counts, at the text's edges too (its start counts as a space).
    #[test]
    fn word_shapes_are_counted_as_by_characters() {
        let texts = [
            "a凔. b中 中c 中文 abc 中 文 x",
            "中 ",
            " 中 ",
            " 中文 ",
            " 中文字 ",
            "中文 的 句子 word 中a中 𠀀b 𠀀 ",
            "Caf\u{e9}中 na\u{ef}ve 豈 ",
            "",
            " ",
            "a",
            "中",
        ];
        for text in texts {
            assert_eq!(word_shapes_in(text), word_shapes_by_chars(text), "{text:?}");
        }
        // Random mixes of the characters that matter.
        let pieces = ["中", "文", "a", "Z", " ", "é", "。", "𠀀", "1", "\n"];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..400 {
            let text: String = (0..len % 40)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    pieces[(state >> 20) as usize % pieces.len()]
                })
                .collect();
            assert_eq!(
                word_shapes_in(&text),
                word_shapes_by_chars(&text),
                "{text:?}"
            );
        }
        assert_eq!(word_shapes_in(" 中 a中"), 2);
    }

    /// What makes skipping a far costlier runner-up exact.
    #[test]
    fn past_the_sure_margin_the_confidence_is_exactly_one() {
        for best in [0, 1, 777, 200_000] {
            assert_eq!(confidence(best, Some(best + SURE_MARGIN)), 1.0);
            assert_eq!(confidence(best, Some(best + 10 * SURE_MARGIN)), 1.0);
        }
        // Below it the runner-up still counts.
        assert!(confidence(0, Some(SURE_MARGIN / 4)) < 1.0);
    }

    /// The floor that lets detection skip the letter models is never above
    /// the cost they give, on Chinese, on single-byte text in several
    /// scripts and on every high byte.
    #[test]
    fn the_single_byte_floor_is_under_every_reading() {
        let mut samples: Vec<Vec<u8>> = vec![
            gbk(&"今天上午，市政府召开新闻发布会，介绍了全市经济运行的情况。\n".repeat(40)),
            big5(&"臺灣的法律條文規定，行政機關應當依法辦理。\n".repeat(40)),
            encoding_rs::WINDOWS_1252
                .encode("Cafe\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e, na\u{ef}ve")
                .0
                .into_owned(),
            encoding_rs::WINDOWS_1251
                .encode("Привет, как дела? Всё хорошо.")
                .0
                .into_owned(),
            encoding_rs::WINDOWS_1253
                .encode("Καλημέρα κόσμε")
                .0
                .into_owned(),
        ];
        samples.push((0x80u8..=0xFF).chain(b"abc ".iter().copied()).collect());
        for bytes in samples {
            let floor = foreign::single_byte_floor(&bytes);
            if let Some(best) = foreign::best_single_byte(&foreign::Profile::of(&bytes)) {
                assert!(
                    floor <= best.cost,
                    "{floor} > {} for {bytes:02X?}",
                    best.cost
                );
            }
        }
    }

    #[test]
    fn declarations_are_found_in_meta_and_xml() {
        assert_eq!(
            sniff_declared(b"<html><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=GB2312\">").as_deref(),
            Some("GB2312")
        );
        assert_eq!(
            sniff_declared(b"<meta charset='big5'>").as_deref(),
            Some("big5")
        );
        assert_eq!(
            sniff_declared(b"<?xml version=\"1.0\" encoding=\"gbk\"?><rss>").as_deref(),
            Some("gbk")
        );
        // The word in running text is not a declaration.
        assert_eq!(
            sniff_declared(b"<p>set charset=utf-8 in your editor</p>"),
            None
        );
    }

    #[test]
    fn short_titles_are_told_apart() {
        assert_eq!(detect(&gbk("中国经济新闻"), true).charset, Charset::GB18030);
        assert_eq!(detect(&big5("臺灣經濟新聞"), true).charset, Charset::BIG5);
        assert_eq!(detect("中国经济".as_bytes(), true).charset, Charset::UTF8);
    }

    #[test]
    fn one_stray_byte_does_not_change_the_verdict() {
        let text = "今天上午，市政府召开新闻发布会，介绍了今年以来全市经济运行的情况。".repeat(5);
        let mut bytes = gbk(&text);
        bytes.insert(40, 0xFF);
        assert_eq!(detect(&bytes, true).charset, Charset::GB18030);
        let mut bytes = big5(&text.replace("经济", "經濟"));
        bytes.truncate(bytes.len() - 1);
        assert_eq!(detect(&bytes, true).charset, Charset::BIG5);
    }

    #[test]
    fn a_wrong_declaration_is_overruled_and_a_right_one_confirmed() {
        let mut page = b"<html><head><meta charset=\"gb2312\"></head><body>".to_vec();
        page.extend("这是一个用UTF-8保存的网页，但声明写错了。".as_bytes());
        let d = detect(&page, true);
        assert_eq!(d.charset, Charset::UTF8);
        assert!(!d.declared.unwrap().correct);

        let mut page = b"<html><head><meta charset=\"gb2312\"></head><body>".to_vec();
        page.extend(gbk("这是一个用GBK保存的网页，声明是对的。"));
        let d = detect(&page, true);
        assert_eq!(d.charset, Charset::GB18030);
        assert_eq!(d.basis, Basis::Declared);
        assert!(d.declared.unwrap().correct);
    }

    #[test]
    fn boms_win() {
        let d = detect(b"\xFF\xFEa\x00", true);
        assert_eq!(
            (d.charset, d.bom_len),
            (Charset::Std(encoding_rs::UTF_16LE), 2)
        );
    }

    #[test]
    fn a_few_bytes_or_numbers_with_zeros_are_not_utf16() {
        // One zero in the "right" place of two code units, and a short
        // line with a stray NUL, were read as UTF-16 and came out as Han.
        for data in [&b"\0bin"[..], b"ab\0cd", b"\0a\0b\0c\0d\0e\0f\0g"] {
            assert!(!detect(data, true).charset.is_utf16(), "{data:?}");
        }
        // Big-endian 16-bit counters: a zero in every other byte, but the
        // other bytes are control codes, not text.
        let numbers: Vec<u8> = (0u16..200).flat_map(|n| (n % 31).to_be_bytes()).collect();
        assert!(!detect(&numbers, true).charset.is_utf16());
    }

    #[test]
    fn short_utf16_text_without_bom_is_still_found() {
        for text in ["Hello, wo", "第1條 ok, fine"] {
            let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            assert_eq!(
                detect(&le, true).charset,
                Charset::Std(encoding_rs::UTF_16LE),
                "{text}"
            );
        }
    }

    #[test]
    fn utf16_without_bom_is_found_by_its_zeros() {
        let text: Vec<u8> = "Hello, world. 你好"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(
            detect(&text, true).charset,
            Charset::Std(encoding_rs::UTF_16BE)
        );
    }
}
