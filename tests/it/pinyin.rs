//! Removal of spam pinyin annotations (`經(jīng)濟(jì)` → `經濟`).
//!
//! The fixtures in `tests/fixtures/pinyin/` are sentences written for this
//! project. `*.clean.txt` is the annotated text with the annotations taken
//! out by hand; `*.t2s.txt` is that clean text converted by the OpenCC 1.4.2
//! Python library (`opencc.OpenCC('t2s.json')`), so the expected side of
//! the end-to-end test comes from the reference, not from zhnorm.

use std::fs;
use std::path::PathBuf;

use proptest::prelude::*;
use zhnorm::clean::pinyin::{Evidence, PinyinStage};
use zhnorm::clean::{CleanOptions, Cleaner};

use crate::support::cli::ok as zhnorm;

fn fixture(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "pinyin",
        name,
    ]
    .iter()
    .collect();
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Only the pinyin step, so that what changes is its doing alone.
fn pinyin_only() -> CleanOptions {
    CleanOptions {
        pinyin: true,
        ..CleanOptions::none()
    }
}

fn clean_in_pieces(text: &str, cuts: &[usize]) -> String {
    let mut cleaner = Cleaner::new(pinyin_only());
    let mut out = String::new();
    let mut from = 0;
    for &cut in cuts {
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut > from {
            cleaner.push(&text[from..cut], &mut out);
            from = cut;
        }
    }
    cleaner.push(&text[from..], &mut out);
    cleaner.finish(&mut out);
    out
}

fn clean(text: &str) -> String {
    clean_in_pieces(text, &[])
}

#[test]
fn spam_annotations_go() {
    assert_eq!(
        clean(&fixture("spam_news.txt")),
        fixture("spam_news.clean.txt")
    );
}

#[test]
fn toneless_family_goes_with_its_repeats() {
    assert_eq!(
        clean(&fixture("toneless.txt")),
        fixture("toneless.clean.txt")
    );
}

#[test]
fn look_alikes_survive_alone() {
    let text = fixture("lookalikes.txt");
    assert_eq!(clean(&text), text);
}

#[test]
fn look_alikes_survive_inside_a_spam_document() {
    // The spam verdict is document-wide; the look-alikes after it are still
    // protected by the per-annotation tests (Traditional forms only, and
    // dense lines left alone by the toneless family).
    let spam = fixture("spam_news.txt") + &fixture("toneless.txt");
    let want = fixture("spam_news.clean.txt") + &fixture("toneless.clean.txt");
    let looks = fixture("lookalikes.txt");
    assert_eq!(clean(&(spam + &looks)), want + &looks);
}

#[test]
fn two_glosses_are_not_a_pattern() {
    // A Traditional character glossed twice in a note is legitimate text;
    // three hits on two characters are needed.
    let text = "注意：頭髮的髮(fà)和發展的發(fā)讀音不同。\n";
    assert_eq!(clean(text), text);
}

#[test]
fn learner_text_in_traditional_is_left_alone() {
    // Every character annotated, most of them the same in both scripts.
    let text = "我(wǒ)們(men)的(de)學(xué)校(xiào)很(hěn)大(dà)，\
                有(yǒu)很(hěn)多(duō)樹(shù)和(hé)花(huā)。\n"
        .repeat(3);
    assert_eq!(clean(&text), text);
    let mut e = Evidence::default();
    for line in text.lines() {
        e.observe(line);
    }
    assert!(!e.verdict().any());
}

#[test]
fn wrong_syllables_stay() {
    // 經 is never read `jì`, and a held document with real hits must not
    // take that one along.
    let text = "經(jīng)濟(jì)發(fā)展，經(jì)過。\n";
    assert_eq!(clean(text), "經濟發展，經(jì)過。\n");
}

#[test]
fn counts_are_reported() {
    let mut cleaner = Cleaner::new(pinyin_only());
    let mut out = String::new();
    cleaner.push(&fixture("spam_news.txt"), &mut out);
    let stats = cleaner.finish(&mut out);
    assert_eq!(stats.pinyin.removed, 19);
    assert_eq!(stats.pinyin.kept, 0);
}

#[test]
fn a_long_clean_prefix_does_not_hide_later_spam() {
    // More than the hold of clean text first: it passes unchanged, and the
    // spam after it is still found.
    let filler = "這一段文字沒有任何注音，只是用來填滿緩衝區。\n".repeat(3000);
    assert!(filler.len() > zhnorm::clean::pinyin::HOLD);
    let text = filler.clone() + &fixture("spam_news.txt");
    let got = clean(&text);
    assert!(got.starts_with(&filler));
    assert_eq!(&got[filler.len()..], fixture("spam_news.clean.txt"));
}

#[test]
fn end_to_end_matches_opencc_on_hand_cleaned_text() {
    assert_eq!(
        zhnorm(&["-c", "t2s"], &fixture("spam_news.txt")),
        fixture("spam_news.t2s.txt")
    );
    assert_eq!(
        zhnorm(&["-c", "t2s"], &fixture("toneless.txt")),
        fixture("toneless.t2s.txt")
    );
}

#[test]
fn keep_pinyin_and_convert_only_turn_it_off() {
    let text = fixture("spam_news.txt");
    for flags in [&["--keep-pinyin"][..], &["--convert-only"][..]] {
        let mut args = vec!["-c", "none"];
        args.extend_from_slice(flags);
        assert_eq!(zhnorm(&args, &text), text, "{flags:?}");
    }
}

#[test]
fn stage_holds_until_the_verdict() {
    let mut stage = PinyinStage::new();
    let mut out = String::new();
    // A line without hits, with nothing held, is not held.
    stage.push_line("今天天氣很好。\n", &mut out);
    assert_eq!(out, "今天天氣很好。\n");
    out.clear();
    stage.push_line("我們的經(jīng)濟(jì)形勢良好。\n", &mut out);
    assert!(out.is_empty() && stage.is_holding());
    stage.push_line("沒有注音的一行。\n", &mut out);
    assert!(out.is_empty(), "held behind the first hit, in order");
    stage.push_line("持續發(fā)展是目標。\n", &mut out);
    assert_eq!(
        out,
        "我們的經濟形勢良好。\n沒有注音的一行。\n持續發展是目標。\n"
    );
    assert!(!stage.is_holding());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Splitting the input anywhere never changes the output.
    #[test]
    fn chunking_never_changes_the_output(
        cuts in proptest::collection::vec(0usize..2000, 0..12),
        which in 0usize..3,
    ) {
        let text = [
            fixture("spam_news.txt") + &fixture("lookalikes.txt"),
            fixture("toneless.txt"),
            fixture("lookalikes.txt"),
        ][which].clone();
        let mut cuts = cuts;
        cuts.sort_unstable();
        prop_assert_eq!(clean_in_pieces(&text, &cuts), clean(&text));
    }

    /// Removal is idempotent: cleaned text has nothing more to remove.
    #[test]
    fn twice_equals_once(
        parts in proptest::collection::vec(
            prop::sample::select(vec![
                "經(jīng)", "濟(jì)", "發(fā)", "區(qū)", "們(men)", "月(yue)", "黨(dang)(dang)",
                "的", "，", "(", ")", "(jīng)", "\n", "a", "蜜(mì)", "長(zhǎng)",
            ]),
            0..80,
        )
    ) {
        let text: String = parts.concat();
        let once = clean(&text);
        prop_assert_eq!(clean(&once), once.clone());
    }
}
