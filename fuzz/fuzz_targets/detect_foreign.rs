//! Detection and decoding on input shaped like text in a non-Chinese
//! single-byte encoding, where the detector's Chinese model is most tempted
//! to invent Han characters.
//!
//! The fuzzer's bytes become one of two inputs:
//!
//! * shaped bytes: ASCII letters, separators, and runs of at most twelve
//!   bytes from 0xC0-0xFF, the shape of Cyrillic, Greek, Hebrew, Arabic or
//!   Thai words in their legacy code pages (and of some GBK text too, so
//!   nothing is assumed about the script here);
//! * script text: words of letters drawn from one non-CJK alphabet,
//!   encoded with encoding_rs in one of that script's single-byte
//!   encodings.
//!
//! For both: no panic; detection's confidence in [0.5, 1]; the output of
//! the full decode is at most three bytes of UTF-8 per input byte plus a
//! little (one U+FFFD per damaged byte is the most any byte can cost); the
//! same text, charset and runs when the bytes come in two pieces split at a
//! point the fuzzer picks. For script text of three words or more that
//! encodes exactly: no Han character, kana or hangul in the output.
//!
//! Input layout: byte 0's low bit picks the kind; bytes 1-2 (little
//! endian) the split point, modulo the input length plus one; byte 3 the
//! script and byte 4 the encoding (script text only); the rest is the
//! material.

#![no_main]

use encoding_rs::Encoding;
use libfuzzer_sys::fuzz_target;
use zhnorm::decode::{decode_bytes, detect, AutoDecoder, DecodeOptions};

/// Longest run of letters before a word break is forced.
const MAX_WORD: usize = 12;

const CYRILLIC: &[&Encoding] = &[
    encoding_rs::WINDOWS_1251,
    encoding_rs::KOI8_R,
    encoding_rs::KOI8_U,
    encoding_rs::ISO_8859_5,
    encoding_rs::IBM866,
    encoding_rs::X_MAC_CYRILLIC,
];

const LATIN: &[&Encoding] = &[
    encoding_rs::WINDOWS_1250,
    encoding_rs::WINDOWS_1252,
    encoding_rs::WINDOWS_1254,
    encoding_rs::WINDOWS_1257,
    encoding_rs::WINDOWS_1258,
    encoding_rs::ISO_8859_2,
    encoding_rs::ISO_8859_3,
    encoding_rs::ISO_8859_4,
    encoding_rs::ISO_8859_13,
    encoding_rs::ISO_8859_15,
    encoding_rs::ISO_8859_16,
    encoding_rs::MACINTOSH,
];

/// Alphabets (lower and upper case where the script has case) and the
/// encodings to try them in.
const SCRIPTS: &[(&str, &[&Encoding])] = &[
    (
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
        CYRILLIC,
    ),
    ("абвгґдеєжзиіїйклмнопрстуўфхцчшщьюяђјљњћџ", CYRILLIC),
    (
        "αβγδεζηθικλμνξοπρστυφχψωςάέήίόύώΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΆΈΉΊΌΎΏ",
        &[encoding_rs::WINDOWS_1253, encoding_rs::ISO_8859_7],
    ),
    (
        "אבגדהוזחטיכךלמםנןסעפףצץקרשת",
        &[encoding_rs::WINDOWS_1255, encoding_rs::ISO_8859_8],
    ),
    (
        "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي",
        &[encoding_rs::WINDOWS_1256, encoding_rs::ISO_8859_6],
    ),
    (
        "กขคฆงจฉชซญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะัาำิีึืุูเแโใไ็่้๊๋์",
        &[encoding_rs::WINDOWS_874],
    ),
    (
        "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæßñáíóúãõåøÀÉÇÑÖÜ",
        LATIN,
    ),
    ("abcçdefgğhıijklmnoöprsştuüvyzâîÇĞİÖŞÜ", LATIN),
    (
        "abcdefghijklmnopqrstuvwxyząćęłńóśźżčďěňřšťůýžáéíúőűŁŚŻČŘŠŽ",
        LATIN,
    ),
];

const SEPARATORS: &[u8] = b"    \n,.;:!?-\"()";

/// Shaped bytes: `b` < 0x20 a separator, then ASCII letters, high bytes
/// folded into 0xC0-0xFF with a space forced after twelve in a row.
fn shaped(material: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(material.len() + material.len() / MAX_WORD);
    let mut run = 0;
    for &b in material {
        if b >= 0x80 {
            if run == MAX_WORD {
                out.push(b' ');
                run = 0;
            }
            out.push(0xC0 | (b & 0x3F));
            run += 1;
        } else {
            run = 0;
            out.push(if b < 0x20 {
                SEPARATORS[b as usize % SEPARATORS.len()]
            } else if b & 0x20 != 0 {
                b'a' + b % 26
            } else {
                b'A' + b % 26
            });
        }
    }
    out
}

/// Script text: every byte a letter of `letters`, a space or a punctuation
/// mark and a space; returns the text and its number of words.
fn script_text(letters: &[char], material: &[u8]) -> (String, usize) {
    let mut text = String::new();
    let mut words = 0;
    let mut run = 0;
    for &b in material {
        let letter = match b % 9 {
            0 => None,
            1 => {
                if run > 0 {
                    text.push([',', '.', '!', '?', ';'][(b / 9) as usize % 5]);
                }
                None
            }
            _ => Some(letters[(b / 9) as usize % letters.len()]),
        };
        match letter {
            Some(c) if run < MAX_WORD => {
                if run == 0 {
                    words += 1;
                }
                text.push(c);
                run += 1;
            }
            Some(c) => {
                text.push(' ');
                text.push(c);
                words += 1;
                run = 1;
            }
            None => {
                if !text.ends_with(' ') && !text.is_empty() {
                    text.push(if b % 5 == 0 { '\n' } else { ' ' });
                }
                run = 0;
            }
        }
    }
    (text, words)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
        | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F
        | 0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7FF)
}

fuzz_target!(|data: &[u8]| {
    let [kind, s0, s1, script, enc, material @ ..] = data else {
        return;
    };
    // The input, and the non-CJK text it encodes, if it does.
    let (bytes, source): (Vec<u8>, Option<(String, &Encoding)>) = if kind & 1 == 0 {
        (shaped(material), None)
    } else {
        let (letters, encodings) = SCRIPTS[*script as usize % SCRIPTS.len()];
        let letters: Vec<char> = letters.chars().collect();
        let encoding = encodings[*enc as usize % encodings.len()];
        let (text, words) = script_text(&letters, material);
        let (encoded, used, unmappable) = encoding.encode(&text);
        let exact = used == encoding && !unmappable && words >= 3;
        let bytes = encoded.into_owned();
        (bytes, exact.then_some((text, encoding)))
    };

    let d = detect(&bytes, true);
    assert!((0.5..=1.0).contains(&d.confidence), "{}", d.confidence);

    let options = DecodeOptions::default();
    let (whole, report) = decode_bytes(&bytes, options);
    assert!(std::str::from_utf8(whole.as_bytes()).is_ok());
    assert!(
        whole.len() <= 3 * bytes.len() + 16,
        "{} bytes of text from {} bytes",
        whole.len(),
        bytes.len()
    );
    assert_eq!(report.bytes, bytes.len() as u64);

    let split = u16::from_le_bytes([*s0, *s1]) as usize % (bytes.len() + 1);
    let mut dec = AutoDecoder::new(options);
    let mut pieces = String::new();
    dec.push(&bytes[..split], &mut pieces);
    dec.push(&bytes[split..], &mut pieces);
    let split_report = dec.finish(&mut pieces).clone();
    assert_eq!(pieces, whole, "split at {split}");
    assert_eq!(
        split_report.detection.as_ref().map(|d| d.charset),
        report.detection.as_ref().map(|d| d.charset),
        "split at {split}"
    );
    assert_eq!(split_report.runs, report.runs, "split at {split}");

    if let Some((text, encoding)) = source {
        let cjk: String = whole.chars().filter(|&c| is_cjk(c)).take(16).collect();
        assert!(
            cjk.is_empty(),
            "{} text {text:?} decoded as {:?} to {whole:?}: CJK {cjk}",
            encoding.name(),
            report.detection.as_ref().map(|d| d.charset.name()),
        );
    }
});
