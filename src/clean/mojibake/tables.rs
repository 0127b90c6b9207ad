//! Byte ↔ character tables for the legacy encodings mojibake goes through.
//!
//! Repair runs every candidate span through "encode with the wrong
//! encoding, decode with the right one", one character or byte pair at a
//! time and with holes in the byte stream, which encoding_rs's streaming
//! API is not made for. So pairs are read from the tables build.rs wrote
//! for the decoding stage (by asking encoding_rs's decoders about every
//! byte pair, so they agree with encoding_rs; a test checks them again),
//! and the reverse tables are built from them once, on first use. Asking
//! encoding_rs about every pair here at run time cost about 2 ms a
//! process.

use encoding_rs::GB18030;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Bytes 0x80..=0x9F as windows-1252 reads them. The five bytes the code
/// page leaves undefined read as the C1 control of the same value, as in
/// browsers and encoding_rs.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// The byte windows-1252 or Latin-1 gives `c`, if either has one.
///
/// Latin-1 and windows-1252 disagree only on 0x80..=0x9F, and no character
/// is read from two different bytes, so one map serves text that went
/// through either (or through both, line by line).
pub fn latin_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if cp < 0x100 {
        return Some(cp as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&x| x == c)
        .map(|i| 0x80 + i as u8)
}

/// Whether `c` is one of windows-1252's printable characters above 0xFF.
pub fn is_cp1252_special(c: char) -> bool {
    let cp = c as u32;
    cp > 0xFF && (0x152..=0x2122).contains(&cp) && CP1252_HIGH.contains(&c)
}

/// Index of a GBK byte pair in the two-byte code space, or `None` outside the
/// two-byte space (lead 0x81..=0xFE, trail 0x40..=0x7E or 0x80..=0xFE).
#[inline]
pub fn gbk_index(lead: u8, trail: u8) -> Option<usize> {
    if !(0x81..=0xFE).contains(&lead) {
        return None;
    }
    let t = match trail {
        0x40..=0x7E => trail - 0x40,
        0x80..=0xFE => trail - 0x41,
        _ => return None,
    };
    Some((lead as usize - 0x81) * 190 + t as usize)
}

/// Index of a Big5 byte pair in the two-byte code space (lead 0x81..=0xFE, trail
/// 0x40..=0x7E or 0xA1..=0xFE).
#[inline]
pub fn big5_index(lead: u8, trail: u8) -> Option<usize> {
    if !(0x81..=0xFE).contains(&lead) {
        return None;
    }
    let t = match trail {
        0x40..=0x7E => trail - 0x40,
        0xA1..=0xFE => trail - 0x62,
        _ => return None,
    };
    Some((lead as usize - 0x81) * 157 + t as usize)
}

/// Decoded form of one double-byte pair: up to two characters (Big5-HKSCS
/// has four pairs that decode to a letter plus a combining mark); `'\0'` in
/// the first slot means the pair is unmapped.
pub type Pair = [char; 2];

/// All tables, built together on first use.
pub struct Tables {
    /// Character → GB18030 two-byte pair, for the Basic Multilingual Plane.
    gbk_rev: Box<[u16]>,
    /// Character → Big5 pair, for the Basic Multilingual Plane.
    big5_rev: Box<[u16]>,
    /// Character → Big5 pair above it (HKSCS has a few thousand).
    big5_astral: HashMap<char, u16>,
}

/// Older GB18030 decoders (the 2005 edition, Python's among them) read
/// these pairs as private-use characters; the 2022 edition, and with it
/// encoding_rs, gives them standard code points. Text from those decoders
/// still carries the private ones, so they must encode back to the same
/// pairs.
const GB18030_OLD_PUA: [(u16, char); 20] = [
    (0xA3A0, '\u{E5E5}'),
    (0xA8BC, '\u{E7C7}'),
    (0xA6D9, '\u{E78D}'),
    (0xA6DA, '\u{E78E}'),
    (0xA6DB, '\u{E78F}'),
    (0xA6DC, '\u{E790}'),
    (0xA6DD, '\u{E791}'),
    (0xA6DE, '\u{E792}'),
    (0xA6DF, '\u{E793}'),
    (0xA6EC, '\u{E794}'),
    (0xA6ED, '\u{E795}'),
    (0xA6F3, '\u{E796}'),
    (0xFE59, '\u{E81E}'),
    (0xFE61, '\u{E826}'),
    (0xFE66, '\u{E82B}'),
    (0xFE67, '\u{E82C}'),
    (0xFE6D, '\u{E832}'),
    (0xFE7E, '\u{E843}'),
    (0xFE90, '\u{E854}'),
    (0xFEA0, '\u{E864}'),
];

/// Big5 pairs that other decoders (Python's `big5hkscs`, Microsoft's code
/// page 950) read as a different character than WHATWG does: • for ‧, ／
/// for ∕, ¥ for ￥ and so on. Either reading must encode back.
const BIG5_OLD: [(u16, char); 11] = [
    (0xA145, '\u{2022}'),
    (0xA14E, '\u{FF64}'),
    (0xA1C2, '\u{203E}'),
    (0xA1E3, '\u{223C}'),
    (0xA1F2, '\u{2641}'),
    (0xA1F3, '\u{2609}'),
    (0xA241, '\u{FF0F}'),
    (0xA242, '\u{FF3C}'),
    (0xA244, '\u{A5}'),
    (0xA246, '\u{A2}'),
    (0xA247, '\u{A3}'),
];

#[cfg(test)]
fn decode_pair(encoding: &'static encoding_rs::Encoding, lead: u8, trail: u8) -> Pair {
    let mut out = ['\0'; 2];
    if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(&[lead, trail])
    {
        let mut chars = text.chars();
        if let (Some(a), b, None) = (chars.next(), chars.next(), chars.next()) {
            // A pair that decodes to ASCII means the decoder rejected the
            // lead and kept the trail; that is not a mapping.
            if !a.is_ascii() {
                out = [a, b.unwrap_or('\0')];
            }
        }
    }
    out
}

fn build() -> Tables {
    let mut gbk_rev = vec![0u16; 0x10000].into_boxed_slice();
    for lead in 0x81..=0xFEu8 {
        for trail in (0x40..=0x7Eu8).chain(0x80..=0xFE) {
            let pair = crate::decode::two_byte_code(false, lead, trail).unwrap_or(['\0'; 2]);
            let cp = pair[0] as u32;
            if pair[0] != '\0' && pair[1] == '\0' && cp < 0x10000 && gbk_rev[cp as usize] == 0 {
                gbk_rev[cp as usize] = u16::from_be_bytes([lead, trail]);
            }
        }
    }
    for (code, c) in GB18030_OLD_PUA {
        if gbk_rev[c as usize] == 0 {
            gbk_rev[c as usize] = code;
        }
    }
    let mut big5_rev = vec![0u16; 0x10000].into_boxed_slice();
    let mut big5_astral = HashMap::with_capacity(2_000);
    for lead in 0x81..=0xFEu8 {
        for trail in (0x40..=0x7Eu8).chain(0xA1..=0xFE) {
            let pair = crate::decode::two_byte_code(true, lead, trail).unwrap_or(['\0'; 2]);
            if pair[0] != '\0' && pair[1] == '\0' {
                // Standard Big5 (lead 0xA1 and up) wins over the HKSCS
                // duplicates below it, as it does in encoders.
                let code = u16::from_be_bytes([lead, trail]);
                let cp = pair[0] as usize;
                let old = if cp < 0x10000 {
                    &mut big5_rev[cp]
                } else {
                    big5_astral.entry(pair[0]).or_insert(0)
                };
                if *old == 0 || (*old < 0xA100 && code >= 0xA100) {
                    *old = code;
                }
            }
        }
    }
    for (code, c) in BIG5_OLD {
        let old = &mut big5_rev[c as usize];
        if *old == 0 {
            *old = code;
        }
    }
    Tables {
        gbk_rev,
        big5_rev,
        big5_astral,
    }
}

/// The shared tables.
pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}

impl Tables {
    /// The GBK pair that decodes to `c`, if any.
    #[inline]
    pub fn gbk_pair_of(&self, c: char) -> Option<[u8; 2]> {
        let cp = c as u32;
        if cp >= 0x10000 {
            return None;
        }
        match self.gbk_rev[cp as usize] {
            0 => None,
            code => Some(code.to_be_bytes()),
        }
    }

    /// The Big5 pair that decodes to `c`, if any.
    #[inline]
    pub fn big5_pair_of(&self, c: char) -> Option<[u8; 2]> {
        let cp = c as u32;
        let code = if cp < 0x80 {
            0
        } else if cp < 0x10000 {
            self.big5_rev[cp as usize]
        } else {
            self.big5_astral.get(&c).copied().unwrap_or(0)
        };
        (code != 0).then(|| code.to_be_bytes())
    }

    /// What a GBK decoder makes of `lead trail`, if it maps.
    #[inline]
    pub fn gbk_decode(&self, lead: u8, trail: u8) -> Option<Pair> {
        gbk_index(lead, trail)?;
        crate::decode::two_byte_code(false, lead, trail)
    }

    /// What a Big5 decoder makes of `lead trail`, if it maps.
    #[inline]
    pub fn big5_decode(&self, lead: u8, trail: u8) -> Option<Pair> {
        big5_index(lead, trail)?;
        crate::decode::two_byte_code(true, lead, trail)
    }
}

/// What a GB18030 decoder makes of a four-byte sequence, if it maps.
pub fn gb18030_four(bytes: [u8; 4]) -> Option<char> {
    let text = GB18030.decode_without_bom_handling_and_without_replacement(&bytes)?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_ascii() => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::BIG5;

    #[test]
    fn latin_bytes_cover_both_code_pages() {
        assert_eq!(latin_byte('é'), Some(0xE9));
        assert_eq!(latin_byte('€'), Some(0x80));
        assert_eq!(latin_byte('\u{81}'), Some(0x81));
        assert_eq!(latin_byte('Ÿ'), Some(0x9F));
        assert_eq!(latin_byte('中'), None);
        assert!(is_cp1252_special('‰'));
        assert!(!is_cp1252_special('é'));
    }

    #[test]
    fn pairs_from_the_build_tables_are_encoding_rs_readings() {
        let t = tables();
        for lead in 0x81..=0xFEu8 {
            for trail in (0x40..=0x7Eu8).chain(0x80..=0xFE) {
                assert_eq!(
                    t.gbk_decode(lead, trail).unwrap_or(['\0'; 2]),
                    decode_pair(GB18030, lead, trail),
                    "GB18030 {lead:02X}{trail:02X}"
                );
            }
            for trail in (0x40..=0x7Eu8).chain(0xA1..=0xFE) {
                assert_eq!(
                    t.big5_decode(lead, trail).unwrap_or(['\0'; 2]),
                    decode_pair(BIG5, lead, trail),
                    "Big5 {lead:02X}{trail:02X}"
                );
            }
        }
    }

    #[test]
    fn pairs_round_trip() {
        let t = tables();
        // 中 is D6D0 in GBK and A4A4 in Big5.
        assert_eq!(t.gbk_pair_of('中'), Some([0xD6, 0xD0]));
        assert_eq!(t.gbk_decode(0xD6, 0xD0), Some(['中', '\0']));
        assert_eq!(t.big5_pair_of('中'), Some([0xA4, 0xA4]));
        assert_eq!(t.big5_decode(0xA4, 0xA4), Some(['中', '\0']));
        assert_eq!(t.gbk_pair_of('\u{E78D}'), Some([0xA6, 0xD9]));
        assert_eq!(t.big5_decode(0x80, 0x40), None);
    }
}
