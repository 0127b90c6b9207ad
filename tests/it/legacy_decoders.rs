//! Tests of the legacy decoders: HZ-GB-2312, EUC-TW and ISO-2022-CN, and
//! the foreign IBM855, Johab and ISO-2022-KR.
//!
//! Expected text never comes from zhnorm: the fixtures were encoded from
//! hand-written UTF-8 by Python's 'hz', 'cp855', 'johab' and 'iso2022_kr'
//! codecs and glibc's iconv (see `tests/fixtures/legacy/generate.py`, which
//! also checks that those tools read them back), the check fixtures that
//! cover a whole code space were decoded by Python, and the hand-made byte
//! strings below were run through `iconv -f EUC-TW` / `iconv -f
//! ISO-2022-CN-EXT` / Python by hand where a comment says so.
//!
//! The corpus checks at the end run only when `ZHNORM_CORPUS` names the
//! shared corpus directory, and then compare with iconv and Python live.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use zhnorm::decode::legacy::{decode_all, looks_like, DecodeStats, LegacyDecoder, LegacyEncoding};

use LegacyEncoding::{EucTw, Hz, Ibm855, Iso2022Cn, Iso2022Kr, Johab};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/legacy");

/// (fixture stem, encoded extension, encoding)
const FIXTURE_LIST: &[(&str, &str, LegacyEncoding)] = &[
    ("hz_mixed", "hz", Hz),
    ("euctw_planes", "euctw", EucTw),
    ("iso2022cn_simplified", "iso2022cn", Iso2022Cn),
    ("iso2022cn_traditional", "iso2022cn", Iso2022Cn),
    ("iso2022cn_ir165", "iso2022cn", Iso2022Cn),
    ("ibm855_cyrillic", "cp855", Ibm855),
    ("johab_korean", "johab", Johab),
    ("iso2022kr_korean", "iso2022kr", Iso2022Kr),
];

struct Fixture {
    name: &'static str,
    enc: LegacyEncoding,
    bytes: Vec<u8>,
    text: String,
}

fn fixtures() -> Vec<Fixture> {
    FIXTURE_LIST
        .iter()
        .map(|&(name, ext, enc)| {
            let dir = Path::new(FIXTURES);
            Fixture {
                name,
                enc,
                bytes: std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap(),
                text: std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap(),
            }
        })
        .collect()
}

/// Decodes `bytes` cut at `cuts` (clamped, in order), with `last` only on
/// the final call; returns the text and the merged counts.
fn decode_split(enc: LegacyEncoding, bytes: &[u8], cuts: &[usize]) -> (String, DecodeStats) {
    let mut dec = enc.new_decoder();
    let mut out = String::new();
    let mut total = DecodeStats::default();
    let mut start = 0;
    for &cut in cuts {
        let end = cut.clamp(start, bytes.len());
        total.merge(dec.decode(&bytes[start..end], &mut out, false));
        start = end;
    }
    total.merge(dec.decode(&bytes[start..], &mut out, true));
    (out, total)
}

fn decode_bytewise(enc: LegacyEncoding, bytes: &[u8]) -> (String, DecodeStats) {
    let cuts: Vec<usize> = (1..bytes.len()).collect();
    decode_split(enc, bytes, &cuts)
}

fn stats(chars: usize, errors: usize, first_error: Option<u64>) -> DecodeStats {
    DecodeStats {
        chars,
        errors,
        first_error,
    }
}

/// Decodes whole and byte by byte and checks both against the expectation.
#[track_caller]
fn check(enc: LegacyEncoding, bytes: &[u8], want: &str, errors: usize, first: Option<u64>) {
    let want_stats = stats(want.chars().count(), errors, first);
    let (text, st) = decode_all(enc, bytes);
    assert_eq!(text, want, "{enc} whole: {bytes:02X?}");
    assert_eq!(st, want_stats, "{enc} whole: {bytes:02X?}");
    let (text, st) = decode_bytewise(enc, bytes);
    assert_eq!(text, want, "{enc} bytewise: {bytes:02X?}");
    assert_eq!(st, want_stats, "{enc} bytewise: {bytes:02X?}");
}

// ---------------------------------------------------------------- fixtures

#[test]
fn fixtures_decode_to_their_text() {
    for f in fixtures() {
        let (text, st) = decode_all(f.enc, &f.bytes);
        assert_eq!(text, f.text, "{}", f.name);
        assert_eq!(st, stats(f.text.chars().count(), 0, None), "{}", f.name);
    }
}

#[test]
fn fixtures_use_what_they_claim_to() {
    // Guards the fixtures themselves: if a regeneration lost a feature, the
    // tests above would silently cover less.
    let all = fixtures();
    let get = |name: &str| all.iter().find(|f| f.name == name).unwrap();
    let hz = &get("hz_mixed").bytes;
    assert!(hz.windows(2).any(|w| w == b"~\n"), "HZ line continuation");
    assert!(hz.windows(2).any(|w| w == b"~~"), "HZ ~~");
    let euc = &get("euctw_planes").bytes;
    for plane in [2u8, 3, 4, 5, 6, 7, 15] {
        assert!(
            euc.windows(2).any(|w| w == [0x8E, 0xA0 + plane]),
            "EUC-TW plane {plane}"
        );
    }
    // An astral character, from plane 4 (U+20086).
    assert!(get("euctw_planes").text.contains('\u{20086}'));
    let trad = &get("iso2022cn_traditional").bytes;
    for esc in [&b"\x1b$)A"[..], b"\x1b$)G", b"\x1b$*H", b"\x1bN", b"\x1bO"] {
        assert!(trad.windows(esc.len()).any(|w| w == esc), "{esc:?}");
    }
    for plane in b'I'..=b'M' {
        assert!(trad.windows(4).any(|w| w == [0x1B, b'$', b'+', plane]));
    }
    // Designations on more than one line.
    let lines_with_g1 = trad
        .split(|&b| b == b'\n')
        .filter(|l| l.windows(3).any(|w| w == b"\x1b$)"))
        .count();
    assert!(lines_with_g1 >= 4);
    assert!(get("iso2022cn_ir165")
        .bytes
        .windows(4)
        .any(|w| w == b"\x1b$)E"));
    // IBM855: Russian, Bulgarian and the letters only the other Cyrillic
    // alphabets have, the signs looks_like accepts, and a backslash.
    let cyr = &get("ibm855_cyrillic").text;
    for c in "Ёъђѓєѕіїјљњћќўџ«»№§\\".chars() {
        assert!(cyr.contains(c), "IBM855 {c}");
    }
    // Johab: syllables KS X 1001 lacks (only Johab can write them), hanja,
    // symbols, compatibility jamo, and a 0x5C byte.
    let johab = get("johab_korean");
    for c in "똠뷁햏쌰大學①㈜※☎℃ㄱㅏ\\".chars() {
        assert!(johab.text.contains(c), "Johab {c}");
    }
    assert!(johab.bytes.contains(&b'\\'));
    // ISO-2022-KR: designated once, at the start (RFC 1557), many shifts,
    // hanja, the euro sign of KS X 1001:1998, and a line without Korean.
    let kr = get("iso2022kr_korean");
    assert!(kr.bytes.starts_with(b"\x1b$)C"));
    assert_eq!(kr.bytes.windows(4).filter(|w| w == b"\x1b$)C").count(), 1);
    assert!(kr.bytes.iter().filter(|&&b| b == 0x0E).count() >= 10);
    assert!(kr.text.contains("韓國語") && kr.text.contains('€'));
    assert!(kr.text.lines().any(|l| l.is_ascii()));
    assert!(kr.text.lines().count() >= 4);
}

#[test]
fn fixtures_decode_identically_at_every_split_point() {
    for f in fixtures() {
        for i in 0..=f.bytes.len() {
            let (text, st) = decode_split(f.enc, &f.bytes, &[i]);
            assert_eq!(text, f.text, "{} split at {i}", f.name);
            assert_eq!(st.errors, 0, "{} split at {i}", f.name);
        }
        let (text, _) = decode_bytewise(f.enc, &f.bytes);
        assert_eq!(text, f.text, "{} byte by byte", f.name);
    }
}

// ------------------------------------------------------------------ tables

#[test]
fn hand_checked_cns_cells() {
    // Each checked with `printf '...' | iconv -f EUC-TW -t UTF-8` on glibc
    // 2.36: plane 1 0x4421 is 一 in both the two- and four-byte forms;
    // 0x2121 of planes 2, 3, 4, 7 and 15 are 乂, 丨, 𠂆, 𠁕, 𠀂 (the last
    // three astral); plane 2 0x4C66 is 粿 and plane 3 0x4E44 is 裏.
    let cases: &[(&[u8], &str)] = &[
        (b"\xC4\xA1", "一"),
        (b"\x8E\xA1\xC4\xA1", "一"),
        (b"\x8E\xA2\xA1\xA1", "乂"),
        (b"\x8E\xA3\xA1\xA1", "丨"),
        (b"\x8E\xA4\xA1\xA1", "\u{20086}"),
        (b"\x8E\xA7\xA1\xA1", "\u{20055}"),
        (b"\x8E\xAF\xA1\xA1", "\u{20002}"),
        (b"\x8E\xA2\xCC\xE6", "粿"),
        (b"\x8E\xA3\xC4\xCE", "裏"),
    ];
    for &(bytes, want) in cases {
        check(EucTw, bytes, want, 0, None);
    }
}

#[test]
fn gb2312_cells_follow_encoding_rs() {
    // HZ `~{R;~}` is GB2312 D2BB, 一 (Python's 'hz' agrees). A1A4 and A1AA
    // are where we follow encoding_rs/GB 18030 (U+00B7, U+2014) rather than
    // Python and glibc (U+30FB, U+2015), so that HZ text and the same text
    // in GBK decode alike.
    check(Hz, b"~{R;!$!*~}", "一\u{B7}\u{2014}", 0, None);
    check(
        Iso2022Cn,
        b"\x1b$)A\x0eR;!$!*\x0f",
        "一\u{B7}\u{2014}",
        0,
        None,
    );
    let (gbk, _, _) = encoding_rs::GBK.decode(b"\xD2\xBB\xA1\xA4\xA1\xAA");
    assert_eq!(gbk, "一\u{B7}\u{2014}");
}

// ---------------------------------------------------------------------- HZ

#[test]
fn hz_escapes() {
    check(Hz, b"a~~b", "a~b", 0, None);
    check(Hz, b"ab~\ncd", "abcd", 0, None);
    check(Hz, b"ab~\r\ncd", "abcd", 0, None);
    check(Hz, b"~{R;~}~{R;~}", "一一", 0, None);
    // Redundant shift in: a pair of row 94, which GB 2312 leaves empty.
    check(Hz, b"~{~{R;~}", "\u{FFFD}一", 1, Some(2));
}

#[test]
fn hz_errors() {
    // Unknown escape: the tilde is bad, the next byte is kept.
    check(Hz, b"a~xb", "a\u{FFFD}xb", 1, Some(1));
    check(Hz, b"a~}b", "a\u{FFFD}}b", 1, Some(1));
    check(Hz, b"a~\rb", "a\u{FFFD}\rb", 1, Some(1));
    // Line end in GB mode: one error, the line end kept, back to ASCII.
    check(Hz, b"~{R;\nR;", "一\u{FFFD}\nR;", 1, Some(4));
    check(Hz, b"~{R;\r\nR;", "一\u{FFFD}\r\nR;", 1, Some(4));
    // 8-bit bytes, one error each, in either mode.
    check(Hz, b"a\xC4\xE3b", "a\u{FFFD}\u{FFFD}b", 2, Some(1));
    check(Hz, b"~{R;\xD2\xBBR;~}", "一\u{FFFD}\u{FFFD}一", 2, Some(4));
    // Unassigned cell (row 10 is empty in GB 2312): both bytes go.
    check(Hz, b"~{*!R;~}", "\u{FFFD}一", 1, Some(2));
    // A pair cut short by the shift out: the shift out still counts.
    // (W~ is D7FE, one of the five empty cells at the end of row 55.)
    check(Hz, b"~{R;W~}ok", "一\u{FFFD}ok", 1, Some(4));
    // A trail byte that cannot be one: only the lead is lost.
    check(Hz, b"~{R R;~}", "\u{FFFD} 一", 1, Some(2));
    // Truncated at the end.
    check(Hz, b"ab~", "ab\u{FFFD}", 1, Some(2));
    check(Hz, b"~{R;R", "一\u{FFFD}", 1, Some(4));
}

#[test]
fn hz_controls_and_spaces_in_gb_mode_are_kept() {
    check(Hz, b"~{R; R;\tR;~}", "一 一\t一", 0, None);
}

// ------------------------------------------------------------------ EUC-TW

#[test]
fn euc_tw_errors() {
    // Lead byte, then ASCII: the lead alone is bad.
    check(EucTw, b"\xC4A", "\u{FFFD}A", 1, Some(0));
    // Cut-short four-byte forms: the good prefix is one error, the byte
    // that broke it is read again.
    check(EucTw, b"\x8EA", "\u{FFFD}A", 1, Some(0));
    check(EucTw, b"\x8E\xA2A", "\u{FFFD}A", 1, Some(0));
    check(EucTw, b"\x8E\xA2\xA1A", "\u{FFFD}A", 1, Some(0));
    // Well-formed but unmapped: plane 8 (glibc has none) and plane 1
    // 0x7E7E; each is one error for the whole sequence.
    check(EucTw, b"\x8E\xA8\xA1\xA1z", "\u{FFFD}z", 1, Some(0));
    check(EucTw, b"\xFE\xFE\xC4\xA1", "\u{FFFD}一", 1, Some(0));
    // Bytes that start nothing.
    check(
        EucTw,
        b"\x80\xA0\xFFa",
        "\u{FFFD}\u{FFFD}\u{FFFD}a",
        3,
        Some(0),
    );
    // 8E then a byte above the plane range: 8E is bad, C4 A1 still reads.
    check(EucTw, b"\x8E\xC4\xA1", "\u{FFFD}一", 1, Some(0));
    // Truncated at the end.
    check(EucTw, b"\xC4\xA1\xC4", "一\u{FFFD}", 1, Some(2));
    check(EucTw, b"\xC4\xA1\x8E\xA2\xA1", "一\u{FFFD}", 1, Some(2));
    check(EucTw, b"x\x8E\xA2", "x\u{FFFD}", 1, Some(1));
}

// ------------------------------------------------------------- ISO-2022-CN

const ESC_GB: &[u8] = b"\x1b$)A";
const ESC_CNS1: &[u8] = b"\x1b$)G";

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn iso2022cn_shifts_and_designations() {
    // G1 redesignated while shifted takes effect at once (RFC 1922: "until
    // another SOdesignation appears"): GB 2312 R; and CNS 1 D! are both 一.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR;", ESC_CNS1, b"D!\x0f"]),
        "一一",
        0,
        None,
    );
    // Consecutive single shifts, each covering one character (plane 2:
    // L f is 粿, " | is 佢; checked with iconv -f ISO-2022-CN-EXT).
    check(Iso2022Cn, b"\x1b$*H\x1bNLf\x1bN\"|", "粿佢", 0, None);
    // A single shift does not disturb the locking shift around it.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR;\x1b$*H\x1bN!!R;\x0f"]),
        "一乂一",
        0,
        None,
    );
    // Planes 3 and 7 through G3 (丨 and 𠁕, as iconv gives them).
    check(
        Iso2022Cn,
        b"\x1b$+I\x1bO!!\x1b$+M\x1bO!!",
        "丨\u{20055}",
        0,
        None,
    );
    // Space and tab in shifted mode are themselves.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR; R;\tR;\x0f"]),
        "一 一\t一",
        0,
        None,
    );
    // G2 needs no designation: only plane 2 can be there (iconv agrees).
    check(Iso2022Cn, b"\x1bN!!", "乂", 0, None);
}

#[test]
fn iso2022cn_line_ends_reset_state() {
    // Shifted at the line end: one error, the line end kept, and the next
    // line starts in ASCII.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR;\nR;"]),
        "一\u{FFFD}\nR;",
        1,
        Some(7),
    );
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR;\r\nR;"]),
        "一\u{FFFD}\r\nR;",
        1,
        Some(7),
    );
    // Designations end with the line: SO on the next line without its own
    // designation gives one error per pair.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR;\x0f\n\x0eR;R;\x0f!"]),
        "一\n\u{FFFD}\u{FFFD}!",
        2,
        Some(10),
    );
    check(
        Iso2022Cn,
        b"\x1b$+I\x1bO!!\n\x1bO!!x",
        "丨\n\u{FFFD}x",
        1,
        Some(9),
    );
    // Properly redesignated, the second line decodes.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR;\x0f\n", ESC_CNS1, b"\x0eD!\x0f"]),
        "一\n一",
        0,
        None,
    );
}

#[test]
fn iso2022cn_errors() {
    // Escapes that are complete but unknown: one error, nothing left over.
    check(Iso2022Cn, b"a\x1b(Bb", "a\u{FFFD}b", 1, Some(1));
    check(Iso2022Cn, b"a\x1b$)Xb", "a\u{FFFD}b", 1, Some(1));
    check(Iso2022Cn, b"a\x1b$Ab", "a\u{FFFD}b", 1, Some(1));
    check(Iso2022Cn, b"a\x1bcb", "a\u{FFFD}b", 1, Some(1));
    // Broken escapes: what was read is one error, the breaking byte stays.
    check(Iso2022Cn, b"a\x1b\x0eR;", "a\u{FFFD}\u{FFFD}", 2, Some(1));
    check(Iso2022Cn, b"a\x1b$\nb", "a\u{FFFD}\nb", 1, Some(1));
    // Too many intermediates: cut after three bytes, the rest is ASCII.
    check(Iso2022Cn, b"\x1b$)(Bx", "\u{FFFD}(Bx", 1, Some(0));
    // 8-bit bytes, one error each.
    check(Iso2022Cn, b"a\xD2\xBBb", "a\u{FFFD}\u{FFFD}b", 2, Some(1));
    // SO without any designation: the pairs cannot be read.
    check(Iso2022Cn, b"\x0eR;\x0fa", "\u{FFFD}a", 1, Some(1));
    // SS3 without a G3 designation.
    check(Iso2022Cn, b"\x1bO!!a", "\u{FFFD}a", 1, Some(0));
    // Single shift with a bad byte: the prefix is one error.
    check(Iso2022Cn, b"\x1bN!\nx", "\u{FFFD}\nx", 1, Some(0));
    // Unmapped cells: GB 2312 row 10, CNS plane 1 0x7E7E.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0e*!R;\x0f"]),
        "\u{FFFD}一",
        1,
        Some(5),
    );
    check(
        Iso2022Cn,
        &cat(&[ESC_CNS1, b"\x0e~~D!\x0f"]),
        "\u{FFFD}一",
        1,
        Some(5),
    );
    // Lead byte before SI.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR\x0fa"]),
        "\u{FFFD}a",
        1,
        Some(5),
    );
    // Truncated at the end.
    check(Iso2022Cn, b"ab\x1b$)", "ab\u{FFFD}", 1, Some(2));
    check(Iso2022Cn, b"\x1bN!", "\u{FFFD}", 1, Some(0));
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0eR;R"]),
        "一\u{FFFD}",
        1,
        Some(7),
    );
}

#[test]
fn iso_ir_165_cells() {
    // From `iconv -f ISO-2022-CN-EXT` by hand: ISO-IR-165 adds row 6
    // (0x2A21 is '!') and redefines 0x2367 as ɡ; its GB 2312 part is as in
    // GB 2312 (R; is 一).
    check(Iso2022Cn, b"\x1b$)E\x0eR;*!#g\x0f", "一!\u{261}", 0, None);
    // The same cells are not GB 2312.
    check(
        Iso2022Cn,
        &cat(&[ESC_GB, b"\x0e*!#g\x0f"]),
        "\u{FFFD}ｇ",
        1,
        Some(5),
    );
}

// ------------------------------------------------- whole-code-space checks

/// A check fixture: bytes and Python's decoding of them.
fn check_fixture(name: &str, ext: &str) -> (Vec<u8>, String) {
    let dir = Path::new(FIXTURES);
    (
        std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap(),
        std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap(),
    )
}

/// The character Python gave each pair of a check fixture, indexed by
/// [`pair_index`]: the lines of the bytes (after `skip` bytes of preamble,
/// each line framed by `frame` bytes on either side) and of the text
/// correspond pair for character. Each pair may occur only once.
///
/// A flat table of `Option<char>` (four bytes, no padding) on purpose: with
/// `([u8; 2], char)` tuples, which have two padding bytes, rustc 1.95 (LLVM
/// 22) in the release profile (fat LTO) carried the undefined padding from
/// one `Vec::push` to the next in a register, inserted the pair into its low
/// 16 bits, and then dropped the zero extension to 64 bits, so the register's
/// stale upper half (part of a pointer) was added to every character: U+3000
/// read back as U+AFxx, a different xx each run. That is an x86 instruction
/// selection bug (LLVM's `def32` taking a 16-bit subregister insert for a
/// 32-bit def), not anything in these tests or the decoders.
fn cells_of(bytes: &[u8], text: &str, skip: usize, frame: usize) -> Vec<Option<char>> {
    let byte_lines: Vec<&[u8]> = bytes[skip..]
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let text_lines: Vec<&str> = text.lines().collect();
    assert_eq!(byte_lines.len(), text_lines.len());
    let mut cells = vec![None; 1 << 16];
    for (b, t) in byte_lines.iter().zip(text_lines) {
        let pairs = b[frame..b.len() - frame].chunks(2);
        assert_eq!(pairs.len(), t.chars().count());
        for (pair, c) in pairs.zip(t.chars()) {
            let slot = &mut cells[pair_index(pair[0], pair[1])];
            assert_eq!(*slot, None, "{pair:02X?} occurs twice");
            *slot = Some(c);
        }
    }
    cells
}

/// Where `cells_of` keeps the pair `first`, `second`.
fn pair_index(first: u8, second: u8) -> usize {
    usize::from(u16::from_be_bytes([first, second]))
}

#[test]
fn ibm855_all_256_bytes_are_pythons_cp855() {
    let (bytes, text) = check_fixture("cp855_all", "cp855");
    assert_eq!(bytes, (0..=255u8).collect::<Vec<_>>());
    check(Ibm855, &bytes, &text, 0, None);
    // Each byte alone too: no byte depends on its neighbours.
    for (b, want) in bytes.iter().zip(text.chars()) {
        let (got, st) = decode_all(Ibm855, &[*b]);
        assert_eq!(got, want.to_string(), "{b:02X}");
        assert_eq!(st, stats(1, 0, None));
    }
}

#[test]
fn johab_every_cell_is_pythons_and_nothing_else_decodes() {
    let (bytes, text) = check_fixture("johab_cells", "johab");
    check(Johab, &bytes, &text, 0, None);
    let python = cells_of(&bytes, &text, 0, 0);
    // The count gen_foreign_tables.py reports for CPython's 'johab'.
    assert_eq!(python.iter().flatten().count(), 17_065);
    // Every pair of a high byte and any byte: Python's character, or an
    // error (never a character Python does not give).
    for lead in 0x80..=0xFFu8 {
        for trail in 0..=0xFFu8 {
            let (got, st) = decode_all(Johab, &[lead, trail]);
            match python[pair_index(lead, trail)] {
                Some(c) => assert_eq!((got, st.errors), (c.to_string(), 0)),
                None => assert!(st.errors >= 1, "{lead:02X}{trail:02X} gave {got:?}"),
            }
        }
    }
}

#[test]
fn iso2022kr_every_ksx1001_cell_is_pythons_and_nothing_else_decodes() {
    let (bytes, text) = check_fixture("ksx1001_cells", "iso2022kr");
    check(Iso2022Kr, &bytes, &text, 0, None);
    // Each line is SO, the pairs, SI.
    let python = cells_of(&bytes, &text, 4, 1);
    // KS X 1001:1998 (8225 characters, € and ® included) and A4D4, the
    // hangul filler.
    assert_eq!(python.iter().flatten().count(), 8226);
    for row in 0x21..=0x7Eu8 {
        for col in 0x21..=0x7Eu8 {
            let (got, st) = decode_all(Iso2022Kr, &cat(&[ESC_KR, b"\x0e", &[row, col]]));
            match python[pair_index(row, col)] {
                Some(c) => assert_eq!((got, st.errors), (c.to_string(), 0)),
                None => assert_eq!((got, st.errors), ("\u{FFFD}".into(), 1)),
            }
        }
    }
}

#[test]
fn iso2022kr_agrees_with_euc_kr_as_encoding_rs_decodes_it() {
    // The reason ISO-2022-KR pairs go through encoding_rs: the same
    // sentence as ISO-2022-KR and as EUC-KR must read the same.
    let (bytes, text) = check_fixture("ksx1001_cells", "iso2022kr");
    let euc: Vec<u8> = bytes[4..]
        .iter()
        .filter(|&&b| b != 0x0E && b != 0x0F)
        .map(|&b| if b == b'\n' { b } else { b | 0x80 })
        .collect();
    let (via_euc, _, had_errors) = encoding_rs::EUC_KR.decode(&euc);
    assert!(!had_errors);
    assert_eq!(via_euc, text);
}

// ------------------------------------------------------------------ IBM855

#[test]
fn ibm855_hand_checked_bytes() {
    // From Python's 'cp855' by hand: 80 ђ, 9F Ъ, AE «, B0 ░, EF №, F0 soft
    // hyphen, FD §, FE ■, FF no-break space; ASCII passes through.
    check(
        Ibm855,
        b"a\x80\x9f\xae\xb0\xef\xf0\xfd\xfe\xff\\z",
        "a\u{452}\u{42A}\u{AB}\u{2591}\u{2116}\u{AD}\u{A7}\u{25A0}\u{A0}\\z",
        0,
        None,
    );
}

// ------------------------------------------------------------------- Johab

#[test]
fn johab_hand_checked_cells() {
    // From Python's 'johab' by hand: 가 8861, 각 8862, 한 D065, 글 8B69
    // (hangul, composed from jamo indices), ① DCE7 and ※ D968 (symbols),
    // 漢 F7D3 and 字 F1AE (hanja).
    check(
        Johab,
        b"\x88\x61\x88\x62 \xd0\x65\x8b\x69: \xdc\xe7\xd9\x68 \xf7\xd3\xf1\xae",
        "가각 한글: ①※ 漢字",
        0,
        None,
    );
}

#[test]
fn johab_backslash_is_a_backslash() {
    // Python's 'johab' reads 0x5C as U+005C (glibc's JOHAB gives U+20A9
    // WON SIGN); we follow Python, browsers and file paths.
    check(Johab, b"C:\\\x88\x61\\", "C:\\가\\", 0, None);
}

#[test]
fn johab_errors() {
    // Bytes that start no code: one error each.
    check(
        Johab,
        b"\x80\x83a\xd4\xdf\xfa\xff",
        "\u{FFFD}\u{FFFD}a\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}",
        6,
        Some(0),
    );
    // A lead, then a byte that cannot be its trail: the lead alone is
    // bad, the byte is read again (a space; a hangul lead that starts 가).
    check(Johab, b"\x88 x", "\u{FFFD} x", 1, Some(0));
    check(Johab, b"\xe0\x88\x61", "\u{FFFD}가", 1, Some(0));
    // Hangul leads take 41-7E/81-FE, so 0x31 ('1') is no trail of 0x88.
    check(Johab, b"\x881", "\u{FFFD}1", 1, Some(0));
    // Well-formed but unmapped, with an ASCII trail: 8452 (Python refuses
    // it); the 'R' is given back.
    check(Johab, b"\x84\x52x", "\u{FFFD}Rx", 1, Some(0));
    // ... with a high trail: 8482 (Python refuses it), both bytes go.
    check(Johab, b"\x84\x82\x88\x61", "\u{FFFD}가", 1, Some(0));
    // The user-defined row D8 maps nothing, but still pairs: its trail A1
    // is not read as a lead.
    check(Johab, b"\xd8\xa1\x88\x61", "\u{FFFD}가", 1, Some(0));
    // Truncated at the end.
    check(Johab, b"\x88\x61\x88", "가\u{FFFD}", 1, Some(2));
    check(Johab, b"ab\xf7", "ab\u{FFFD}", 1, Some(2));
}

// ------------------------------------------------------------- ISO-2022-KR

const ESC_KR: &[u8] = b"\x1b$)C";

#[test]
fn iso2022kr_shifts_and_designation() {
    // Python's 'iso2022_kr' by hand: 0! is 가, 3* 나, 4Y 다, y[ 韓, OP 國,
    // "f "g € ® (KS X 1001:1998).
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!3*4Y\x0f abc \x0ey[OP\"f\"g\x0f."]),
        "가나다 abc 韓國€®.",
        0,
        None,
    );
    // The designation holds for the whole text, not the line (RFC 1557;
    // Python agrees).
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!\x0f\n\x0e3*\x0f\r\n\x0e4Y\x0f"]),
        "가\n나\r\n다",
        0,
        None,
    );
    // A repeated designation is harmless, shifted or not.
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!", ESC_KR, b"3*\x0f", ESC_KR]),
        "가나",
        0,
        None,
    );
    // Redundant shifts change nothing.
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0f\x0e\x0e0!\x0f\x0fa"]),
        "가a",
        0,
        None,
    );
    // Space, tab and DEL in shifted mode are themselves (Python takes a
    // space as half of a pair).
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0! 3*\t4Y\x7f\x0f"]),
        "가 나\t다\x7f",
        0,
        None,
    );
}

#[test]
fn iso2022kr_line_end_in_shifted_mode() {
    // One error, the line end kept, the next line in ASCII (Python returns
    // to ASCII silently).
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!\n0!"]),
        "가\u{FFFD}\n0!",
        1,
        Some(7),
    );
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!\r\n0!"]),
        "가\u{FFFD}\r\n0!",
        1,
        Some(7),
    );
    // The designation survives it: SO on the next line needs no new one.
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!\n\x0e3*\x0f"]),
        "가\u{FFFD}\n나",
        1,
        Some(7),
    );
}

#[test]
fn iso2022kr_so_without_designation() {
    // One error for the missing designation, then the pairs as KS X 1001,
    // the only set ISO-2022-KR has; later shifts cost nothing more.
    check(
        Iso2022Kr,
        b"a\x0e0!\x0f b \x0e3*\x0f",
        "a\u{FFFD}가 b 나",
        1,
        Some(1),
    );
    // A designation later in the text is no longer an error either way.
    check(
        Iso2022Kr,
        &cat(&[b"\x0e0!\x0f", ESC_KR, b"\x0e3*\x0f"]),
        "\u{FFFD}가나",
        1,
        Some(0),
    );
}

#[test]
fn iso2022kr_errors() {
    // Unknown escapes, complete: one error, no debris (ESC $ ) A is
    // ISO-2022-CN's GB 2312, ESC ( B ISO-2022-JP's ASCII).
    check(Iso2022Kr, b"a\x1b(Bb", "a\u{FFFD}b", 1, Some(1));
    check(Iso2022Kr, b"a\x1b$)Ab", "a\u{FFFD}b", 1, Some(1));
    // Broken escapes: what was read is one error, the breaking byte stays.
    check(Iso2022Kr, b"a\x1b$\nb", "a\u{FFFD}\nb", 1, Some(1));
    // 8-bit bytes, one error each, in either mode (EUC-KR is not
    // ISO-2022-KR).
    check(Iso2022Kr, b"a\xb0\xa1b", "a\u{FFFD}\u{FFFD}b", 2, Some(1));
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!\xb0\xa10!\x0f"]),
        "가\u{FFFD}\u{FFFD}가",
        2,
        Some(7),
    );
    // Unmapped cell: row 0x2D is empty in KS X 1001 (Python refuses -!).
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e-!0!\x0f"]),
        "\u{FFFD}가",
        1,
        Some(5),
    );
    // A lead before SI, and before a high byte.
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0\x0fa"]),
        "\u{FFFD}a",
        1,
        Some(5),
    );
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0\xff0!"]),
        "\u{FFFD}\u{FFFD}가",
        2,
        Some(5),
    );
    // Truncated at the end: a pair, an escape.
    check(
        Iso2022Kr,
        &cat(&[ESC_KR, b"\x0e0!0"]),
        "가\u{FFFD}",
        1,
        Some(7),
    );
    check(Iso2022Kr, b"ab\x1b$)", "ab\u{FFFD}", 1, Some(2));
}

// --------------------------------------------------------- stream and API

#[test]
fn stats_count_every_character_written() {
    let (text, st) = decode_all(Hz, b"ab~{R;~}\xFF");
    assert_eq!(text, "ab一\u{FFFD}");
    assert_eq!(st, stats(4, 1, Some(8)));
}

#[test]
fn first_error_is_absolute_and_per_call() {
    let mut dec = EucTw.new_decoder();
    let mut out = String::new();
    // The bad sequence begins in the first call and is found in the second:
    // it is reported there, at its own start.
    let a = dec.decode(b"ab\xC4", &mut out, false);
    assert_eq!(a, stats(2, 0, None));
    let b = dec.decode(b"xy\xFF", &mut out, false);
    assert_eq!(b, stats(4, 2, Some(2)));
    let c = dec.decode(b"\xC4\xA1\x80", &mut out, true);
    assert_eq!(c, stats(2, 1, Some(8)));
    assert_eq!(out, "ab\u{FFFD}xy\u{FFFD}一\u{FFFD}");
}

#[test]
fn decoder_starts_over_after_last() {
    let mut dec = Hz.new_decoder();
    let mut out = String::new();
    dec.decode(b"~{R;", &mut out, true);
    // A new stream: ASCII mode again, offsets from zero.
    let st = dec.decode(b"R;\xFF", &mut out, true);
    assert_eq!(out, "一R;\u{FFFD}");
    assert_eq!(st.first_error, Some(2));
}

#[test]
fn empty_input() {
    for enc in LegacyEncoding::ALL {
        assert_eq!(
            decode_all(enc, b""),
            (String::new(), DecodeStats::default())
        );
        assert!(!looks_like(enc, b""));
    }
}

#[test]
fn names_and_labels() {
    assert_eq!(
        LegacyEncoding::CHINESE.map(LegacyEncoding::name),
        ["HZ-GB-2312", "EUC-TW", "ISO-2022-CN"]
    );
    assert_eq!(
        LegacyEncoding::FOREIGN.map(LegacyEncoding::name),
        ["IBM855", "Johab", "ISO-2022-KR"]
    );
    assert_eq!(
        LegacyEncoding::ALL[..],
        [LegacyEncoding::CHINESE, LegacyEncoding::FOREIGN].concat()
    );
    for enc in LegacyEncoding::ALL {
        assert_eq!(
            enc.is_seven_bit(),
            matches!(enc, Hz | Iso2022Cn | Iso2022Kr)
        );
    }
    for enc in LegacyEncoding::ALL {
        assert_eq!(LegacyEncoding::for_label(enc.name()), Some(enc));
        assert_eq!(enc.new_decoder().encoding(), enc);
    }
    let cases = [
        ("hz-gb-2312", Some(Hz)),
        ("HZ", Some(Hz)),
        (" hz ", Some(Hz)),
        ("euc-tw", Some(EucTw)),
        ("EUC_TW", Some(EucTw)),
        ("x-euc-tw", Some(EucTw)),
        ("cns11643", Some(EucTw)),
        ("iso-2022-cn", Some(Iso2022Cn)),
        ("ISO-2022-CN-EXT", Some(Iso2022Cn)),
        ("csISO2022CN", Some(Iso2022Cn)),
        // IANA's names for IBM855, which Python and glibc also accept.
        ("IBM855", Some(Ibm855)),
        ("cp855", Some(Ibm855)),
        ("855", Some(Ibm855)),
        ("csIBM855", Some(Ibm855)),
        ("ibm-855", Some(Ibm855)),
        // Python: johab, cp1361, ms1361; glibc: JOHAB, CP1361, MSCP1361.
        ("johab", Some(Johab)),
        ("CP1361", Some(Johab)),
        ("ms1361", Some(Johab)),
        ("MSCP1361", Some(Johab)),
        ("iso-2022-kr", Some(Iso2022Kr)),
        ("ISO_2022_KR", Some(Iso2022Kr)),
        ("csISO2022KR", Some(Iso2022Kr)),
        ("gb2312", None),
        ("big5", None),
        ("iso-2022-jp", None),
        ("euc", None),
        // Left to encoding_rs.
        ("ibm866", None),
        ("euc-kr", None),
        ("cp949", None),
        ("", None),
        ("hz-gb-2312-but-much-longer-than-any-label", None),
    ];
    for (label, want) in cases {
        assert_eq!(LegacyEncoding::for_label(label), want, "{label:?}");
    }
}

#[test]
fn cli_from_takes_the_foreign_labels() {
    // WHATWG sends iso-2022-kr to its "replacement" encoding; the legacy
    // labels come first, so `--from` decodes it. No cleanup and no
    // conversion (-c none), so the output is the decoded text itself.
    let cases = [
        ("iso-2022-kr", "iso2022kr_korean", "iso2022kr"),
        ("csISO2022KR", "iso2022kr_korean", "iso2022kr"),
        ("cp855", "ibm855_cyrillic", "cp855"),
        ("IBM855", "ibm855_cyrillic", "cp855"),
        ("johab", "johab_korean", "johab"),
        ("cp1361", "johab_korean", "johab"),
    ];
    for (label, stem, ext) in cases {
        let dir = Path::new(FIXTURES);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhnorm"))
            .args(["--from", label, "--convert-only", "-c", "none", "-q"])
            .arg(dir.join(format!("{stem}.{ext}")))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = std::fs::read_to_string(dir.join(format!("{stem}.txt"))).unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            want,
            "--from {label}"
        );
    }
}

#[test]
fn looks_like_recognises_fixtures_only_as_their_own_encoding() {
    for f in fixtures() {
        for enc in LegacyEncoding::ALL {
            assert_eq!(
                looks_like(enc, &f.bytes),
                enc == f.enc,
                "{} as {enc}",
                f.name
            );
        }
        // A sample cut anywhere still looks right, once it holds a
        // double-byte character.
        for cut in [f.bytes.len() / 2, f.bytes.len() - 1] {
            assert!(looks_like(f.enc, &f.bytes[..cut]), "{} cut {cut}", f.name);
        }
    }
}

#[test]
fn looks_like_rejects_other_text() {
    let utf8 = "颱風過後，老闆在廚房裡。".as_bytes();
    let gbk = encoding_rs::GBK.encode("今天下午，雨一直没有停。").0;
    // Big5 功 is A5 5C: its trail byte is ASCII, which EUC-TW never has.
    let big5 = encoding_rs::BIG5.encode("功課做完了").0;
    let plain = b"Plain ASCII with a ~ tilde and an \x1b[0m escape.";
    for enc in LegacyEncoding::ALL {
        assert!(!looks_like(enc, utf8), "UTF-8 as {enc}");
        assert!(!looks_like(enc, &gbk) || enc == EucTw, "GBK as {enc}");
        assert!(!looks_like(enc, &big5), "Big5 as {enc}");
        assert!(!looks_like(enc, plain), "ASCII as {enc}");
    }
    // Korean and Cyrillic in the encodings encoding_rs already reads.
    let korean = "내일은 바람이 많이 불고 기온이 뚝 떨어진답니다.";
    let euc_kr = encoding_rs::EUC_KR.encode(korean).0;
    let russian = "Вечером на набережной зажгли фонари, и стало светло.";
    for enc in LegacyEncoding::ALL {
        assert!(!looks_like(enc, korean.as_bytes()), "UTF-8 Korean as {enc}");
        assert!(
            !looks_like(enc, russian.as_bytes()),
            "UTF-8 Russian as {enc}"
        );
        assert!(!looks_like(enc, &euc_kr) || enc == EucTw, "EUC-KR as {enc}");
    }
    for other in [
        encoding_rs::IBM866,
        encoding_rs::WINDOWS_1251,
        encoding_rs::KOI8_R,
        encoding_rs::ISO_8859_5,
        encoding_rs::X_MAC_CYRILLIC,
    ] {
        let bytes = other.encode(russian).0;
        assert!(!looks_like(Ibm855, &bytes), "{} as IBM855", other.name());
    }
    // HZ: a bad pair inside ~{ ~} disqualifies; a stray tilde outside does not.
    assert!(!looks_like(Hz, b"~{R;*!~}"));
    assert!(looks_like(Hz, b"see /~user/ ~{R;~}"));
    // ISO-2022-KR shares SO/SI but designates with ESC $ ) C.
    assert!(!looks_like(Iso2022Cn, b"\x1b$)C\x0e!!\x0f"));
}

#[test]
fn looks_like_iso2022kr_needs_the_designation_and_a_clean_pair() {
    assert!(looks_like(Iso2022Kr, b"\x1b$)C\x0e0!\x0f"));
    // Cut after the first pair: still yes.
    assert!(looks_like(Iso2022Kr, b"\x1b$)C a \x0e0!3"));
    // No designation (an error), no pair, or a bad pair: no.
    assert!(!looks_like(Iso2022Kr, b"\x0e0!\x0f"));
    assert!(!looks_like(Iso2022Kr, b"\x1b$)C plain text"));
    assert!(!looks_like(Iso2022Kr, b"\x1b$)C\x0e0!-!\x0f"));
    // A line end in shifted mode is an error too.
    assert!(!looks_like(Iso2022Kr, b"\x1b$)C\x0e0!\n"));
    // ISO-2022-CN's designation is not ISO-2022-KR's.
    assert!(!looks_like(Iso2022Kr, b"\x1b$)A\x0eR;\x0f"));
}

#[test]
fn looks_like_ibm855_judges_the_cyrillic_it_makes() {
    let text = "Мы договорились встретиться у входа в музей в половине седьмого.";
    let ibm855: Vec<u8> = text
        .chars()
        .map(|c| cp855_byte(c).unwrap_or_else(|| panic!("{c} is not in cp855")))
        .collect();
    assert!(looks_like(Ibm855, &ibm855));
    // No high byte, no Cyrillic.
    assert!(!looks_like(Ibm855, b"only ASCII here"));
    // Box drawing is not prose: B0 B1 B2 (light, medium, dark shade) and
    // C4/C5 framing around one word.
    assert!(!looks_like(
        Ibm855,
        b"\xc9\xcd\xcd\xbb \xb0\xb1\xb2 \xb7\xb7"
    ));
    // Small-then-capital inside words, as another code page's letters
    // come out.
    let flipped: Vec<u8> = "пРиВеТ пРиВеТ"
        .chars()
        .map(|c| cp855_byte(c).unwrap())
        .collect();
    assert!(!looks_like(Ibm855, &flipped));
    // A Latin word with one "Cyrillic" letter in it, as a Latin-1 é reads.
    let latin = [
        &b"caf"[..],
        &[cp855_byte('ж').unwrap()],
        b" ",
        b"cr",
        &[cp855_byte('ж').unwrap()],
        b"me",
    ]
    .concat();
    assert!(!looks_like(Ibm855, &latin));
}

/// The IBM855 byte of `c`, from the fixture Python wrote for all 256.
fn cp855_byte(c: char) -> Option<u8> {
    let (_, text) = check_fixture("cp855_all", "cp855");
    text.chars().position(|d| d == c).map(|i| i as u8)
}

// --------------------------------------------------------------- properties

/// Bytes drawn mostly from those that matter to one of the encodings, so
/// that escapes, shifts and multi-byte forms appear often (the second line:
/// ISO-2022-KR's designation and pairs, Johab's leads and trails of both
/// kinds, the user-defined row D8).
fn interesting_bytes() -> impl Strategy<Value = Vec<u8>> {
    let special = prop::sample::select(
        &b"~{}\n\r\x1b$)*+AGEHIMNO\x0e\x0f!\"R;D*~ a\x7f\x8e\xa1\xa2\xa3\xa8\xaf\xb1\xc4\xcc\xe6\xfe\x80\xff\
          C0-\x84\x88\x8b\xd0\xd8\xd9\xe0\xf7\x31\x41\x61\x69\x91\xd3"[..],
    );
    prop::collection::vec(prop_oneof![3 => special, 1 => any::<u8>()], 0..80)
}

fn encoding() -> impl Strategy<Value = LegacyEncoding> {
    prop::sample::select(&LegacyEncoding::ALL[..])
}

fn cuts(len: usize, idx: &[Index]) -> Vec<usize> {
    let mut c: Vec<usize> = idx.iter().map(|i| i.index(len + 1)).collect();
    c.sort_unstable();
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_splits_of_fixtures_decode_identically(
        which in 0..FIXTURE_LIST.len(),
        idx in prop::collection::vec(any::<Index>(), 0..10),
    ) {
        let f = &fixtures()[which];
        let (text, st) = decode_split(f.enc, &f.bytes, &cuts(f.bytes.len(), &idx));
        prop_assert_eq!(&text, &f.text);
        prop_assert_eq!(st, stats(f.text.chars().count(), 0, None));
    }

    #[test]
    fn random_splits_of_damaged_fixtures_match_whole(
        which in 0..FIXTURE_LIST.len(),
        damage in prop::collection::vec((any::<Index>(), any::<u8>()), 1..4),
        truncate in any::<Index>(),
        idx in prop::collection::vec(any::<Index>(), 0..10),
    ) {
        let f = &fixtures()[which];
        let mut bytes = f.bytes.clone();
        for (at, b) in damage {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        bytes.truncate(truncate.index(bytes.len() + 1));
        let whole = decode_all(f.enc, &bytes);
        prop_assert_eq!(decode_split(f.enc, &bytes, &cuts(bytes.len(), &idx)), whole);
    }

    #[test]
    fn random_bytes_split_anywhere_match_whole(
        enc in encoding(),
        bytes in interesting_bytes(),
        idx in prop::collection::vec(any::<Index>(), 0..10),
    ) {
        let (text, st) = decode_all(enc, &bytes);
        // No table maps to U+FFFD, so each one in the text is an error.
        prop_assert_eq!(text.matches('\u{FFFD}').count(), st.errors);
        prop_assert_eq!(text.chars().count(), st.chars);
        prop_assert_eq!(st.errors == 0, st.first_error.is_none());
        if let Some(at) = st.first_error {
            prop_assert!(at < bytes.len() as u64);
        }
        prop_assert_eq!(decode_split(enc, &bytes, &cuts(bytes.len(), &idx)), (text.clone(), st));
        // Byte by byte is the hardest split: every sequence is held back.
        prop_assert_eq!(decode_bytewise(enc, &bytes), (text, st));
    }

    #[test]
    fn seven_bit_decoders_reject_every_high_byte(
        enc in prop::sample::select(&[Hz, Iso2022Cn, Iso2022Kr][..]),
        bytes in interesting_bytes(),
    ) {
        let (_, st) = decode_all(enc, &bytes);
        let high = bytes.iter().filter(|&&b| b >= 0x80).count();
        // Each high byte is an error of its own: none hides inside another
        // sequence, since none can continue one.
        prop_assert!(st.errors >= high);
        if let Some(first_high) = bytes.iter().position(|&b| b >= 0x80) {
            prop_assert!(st.first_error.unwrap() <= first_high as u64);
        }
    }

    #[test]
    fn ibm855_reads_every_byte_as_one_character(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let (text, st) = decode_all(Ibm855, &bytes);
        prop_assert_eq!(st, stats(bytes.len(), 0, None));
        let (_, table) = check_fixture("cp855_all", "cp855");
        let table: Vec<char> = table.chars().collect();
        let want: String = bytes.iter().map(|&b| table[b as usize]).collect();
        prop_assert_eq!(text, want);
    }

    #[test]
    fn looks_like_never_panics_and_means_clean_for_double_byte(bytes in interesting_bytes()) {
        for enc in LegacyEncoding::ALL {
            let yes = looks_like(enc, &bytes);
            if yes && matches!(enc, EucTw | Johab | Iso2022Kr) {
                // Decoded as a prefix (no `last`), there was no error.
                let mut d: LegacyDecoder = enc.new_decoder();
                let st = d.decode(&bytes, &mut String::new(), false);
                prop_assert_eq!(st.errors, 0);
            }
        }
    }
}

// ------------------------------------------------------------ corpus check

/// Runs a command and returns its standard output; it must succeed.
fn run(cmd: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

/// The shared corpus's EUC-TW and HZ files must decode exactly as glibc's
/// iconv and Python's 'hz' codec decode them. Needs `ZHNORM_CORPUS` (the
/// corpus root, holding `encodings/`), iconv and python3.
#[test]
fn corpus_matches_iconv_and_python() {
    let Some(root) = std::env::var_os("ZHNORM_CORPUS").map(PathBuf::from) else {
        eprintln!("ZHNORM_CORPUS is not set; corpus check skipped");
        return;
    };
    if !root.is_dir() {
        eprintln!("{}: no corpus there; corpus check skipped", root.display());
        return;
    }
    let enc_dir = root.join("encodings");
    let mut checked = 0;
    for path in corpus_files(&enc_dir.join("euc-tw")) {
        let bytes = std::fs::read(&path).unwrap();
        let want = String::from_utf8(run(
            "iconv",
            &["-f", "EUC-TW", "-t", "UTF-8", path.to_str().unwrap()],
        ))
        .unwrap();
        let (text, st) = decode_all(EucTw, &bytes);
        assert_eq!(text, want, "{}", path.display());
        assert_eq!(st.errors, 0, "{}", path.display());
        assert_eq!(decode_bytewise(EucTw, &bytes).0, want, "{}", path.display());
        assert!(looks_like(EucTw, &bytes), "{}", path.display());
        checked += 1;
    }
    for path in corpus_files(&enc_dir.join("hz-gb-2312")) {
        let bytes = std::fs::read(&path).unwrap();
        let script = "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read().decode('hz').encode('utf-8'))";
        let python =
            String::from_utf8(run("python3", &["-c", script, path.to_str().unwrap()])).unwrap();
        // The two GB 2312 cells where we follow encoding_rs, not Python
        // (see gb2312_cells_follow_encoding_rs); U+30FB and U+2015 come
        // from no other GB 2312 cell, so this maps exactly those cells.
        let want = python
            .replace('\u{30FB}', "\u{B7}")
            .replace('\u{2015}', "\u{2014}");
        let (text, st) = decode_all(Hz, &bytes);
        assert_eq!(text, want, "{}", path.display());
        assert_eq!(st.errors, 0, "{}", path.display());
        assert_eq!(decode_bytewise(Hz, &bytes).0, want, "{}", path.display());
        assert!(looks_like(Hz, &bytes), "{}", path.display());
        checked += 1;
    }
    eprintln!("corpus check: {checked} files match iconv / Python");
}

/// The shared corpus's IBM855, Johab and ISO-2022-KR pages must decode
/// exactly as Python decodes them with the codec `foreign/MANIFEST.tsv`
/// names (columns: file, folder, codec). Needs `ZHNORM_CORPUS` and python3.
#[test]
fn foreign_corpus_matches_python() {
    let Some(root) = std::env::var_os("ZHNORM_CORPUS").map(PathBuf::from) else {
        eprintln!("ZHNORM_CORPUS is not set; foreign corpus check skipped");
        return;
    };
    let dir = root.join("foreign");
    let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        eprintln!(
            "{}: no manifest; foreign corpus check skipped",
            dir.display()
        );
        return;
    };
    let script = "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read().decode(sys.argv[2]).encode('utf-8'))";
    let mut checked = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, codec) = (cols[0], cols[2]);
        let enc = match codec {
            "cp855" => Ibm855,
            "johab" => Johab,
            "iso2022_kr" => Iso2022Kr,
            _ => continue,
        };
        let path = dir.join(file);
        let bytes = std::fs::read(&path).unwrap();
        let want = String::from_utf8(run(
            "python3",
            &["-c", script, path.to_str().unwrap(), codec],
        ))
        .unwrap();
        let (text, st) = decode_all(enc, &bytes);
        assert_eq!(text, want, "{}", path.display());
        assert_eq!(st.errors, 0, "{}", path.display());
        assert_eq!(decode_bytewise(enc, &bytes).0, want, "{}", path.display());
        assert!(looks_like(enc, &bytes), "{}", path.display());
        checked += 1;
    }
    eprintln!("foreign corpus check: {checked} files match Python");
}
