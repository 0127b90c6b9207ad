//! Mojibake repair on text full of lost bytes: the decoder's path search
//! weighs every possible unit only near a lost byte, and reads plainly
//! elsewhere. What it costs there is counted, not timed, so the test does
//! not depend on the machine.

use zhnorm::clean::mojibake::{budget, probe, repair};

/// Random high bytes read as GBK, as scraped binary junk comes out: a lost
/// byte (U+FFFD) every few dozen characters, the rest rare Han characters.
fn random_high_as_gbk(len: usize, seed: u64) -> String {
    let mut rng = seed | 1;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            0x80 | rng as u8
        })
        .collect();
    encoding_rs::GBK.decode(&bytes).0.into_owned()
}

#[test]
fn random_high_bytes_are_searched_only_near_lost_bytes() {
    for (name, text) in [
        ("one long line", random_high_as_gbk(40_000, 7)),
        (
            "lines of a hundred bytes",
            random_high_as_gbk(40_000, 11)
                .chars()
                .collect::<Vec<_>>()
                .chunks(50)
                .map(|c| c.iter().collect::<String>() + "\n")
                .collect(),
        ),
    ] {
        assert!(
            text.contains('\u{FFFD}'),
            "{name}: the input has lost bytes"
        );
        budget::take_decoded();
        probe::take_searched();
        repair(&text);
        let decoded = budget::take_decoded();
        let searched = probe::take_searched();
        assert!(decoded > 0, "{name}: repair decoded something");
        // Lost bytes lie a few dozen bytes apart here, and each puts four
        // positions in reach of a full search: well under a third of what
        // is decoded. Searching every position was what made this input
        // cost thirty times ordinary text.
        assert!(
            searched * 3 < decoded,
            "{name}: {searched} positions searched in full of {decoded} decoded"
        );
    }
}
