//! Bounded cost: no input makes zhnorm take time or memory out of
//! proportion to its size.
//!
//! Nothing here is timed. Cost is checked through what can be counted
//! (the work counters of `zhnorm::clean::mojibake::probe`), memory through
//! what is held (the size limits), and `-j` independence by comparing
//! outputs. The throughput figures are in `benches/pathological.rs` and
//! `eval/cost_per_mb.py`.

use std::fs;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use zhnorm::clean::mojibake::{budget, probe, repair};
use zhnorm::convert::{UserDict, MAX_DICT_BYTES, MAX_DICT_LINE};

use crate::support::cli::zhnorm;

#[test]
fn dictionary_with_an_overlong_line_is_refused_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-line.txt");
    let mut text = String::from("漢字\t汉字\n");
    // A well-formed entry whose key is longer than any line may be.
    text.push_str(&"字".repeat(MAX_DICT_LINE / 3 + 10));
    text.push_str("\t字\n");
    fs::write(&path, text).unwrap();
    let err = UserDict::from_path(&path).expect_err("an over-long line must be refused");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{}: line 2: ", path.display())),
        "{msg}"
    );
    assert!(msg.contains("KiB"), "the message names the limit: {msg}");
}

#[test]
fn dictionary_larger_than_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    let mut f = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    // Valid lines all the way: only the size is wrong.
    let line = b"\xe6\xbc\xa2\xe5\xad\x97\t\xe6\xb1\x89\xe5\xad\x97\n";
    let mut written = 0u64;
    while written <= MAX_DICT_BYTES {
        f.write_all(line).unwrap();
        written += line.len() as u64;
    }
    f.flush().unwrap();
    drop(f);
    let err = UserDict::from_path(&path).expect_err("an oversized dictionary must be refused");
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}: ", path.display())), "{msg}");
    assert!(msg.contains("MiB"), "the message names the limit: {msg}");
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_as_dictionary_fails_at_once() {
    let mut child = zhnorm()
        .args(["--dict", "/dev/zero"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    // Not a timing test: before the limit this never ended (memory grew
    // until the machine gave out); a minute is ample for an immediate
    // refusal on any machine.
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            assert_eq!(status.code(), Some(2), "{err}");
            assert!(err.starts_with("zhnorm: /dev/zero:"), "{err}");
            return;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("--dict /dev/zero was still reading after a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Text that stresses what a cut in the middle of a line could change:
/// brackets (paired within a line), spaces (trimmed at a line's end),
/// mojibake, references, Traditional words, with no line break.
fn unbroken(len: usize) -> String {
    let unit =
        "經濟發展 測試 Ã¦Âµâ€¹ 娴嬭瘯 &amp; hello world，  我們認為 比se舒適？(s3舒適模式）的價格";
    let mut s = String::with_capacity(len + unit.len());
    while s.len() < len {
        s.push_str(unit);
    }
    s
}

#[test]
fn cleaner_holds_a_bounded_piece_of_an_unbroken_line() {
    use zhnorm::clean::{CleanOptions, Cleaner, MAX_PENDING};
    // Plain words, which cleaning leaves as they are, so that what comes
    // out measures what went through.
    let text = "經濟發展測試我們認為 hello world ".repeat(5 * 1024 * 1024 / 45);
    // All at once: everything but the last piece comes out before the end.
    let mut c = Cleaner::new(CleanOptions::default());
    let mut out = String::new();
    c.push(&text, &mut out);
    let before = out.len();
    c.finish(&mut out);
    assert_eq!(out, text, "plain text passes unchanged");
    assert!(
        text.len() - before <= MAX_PENDING + 4096,
        "held {} of {} bytes",
        text.len() - before,
        text.len()
    );
    // In reads: what is held never exceeds the limit and one read.
    let mut c = Cleaner::new(CleanOptions::default());
    let (mut out, mut fed) = (String::new(), 0);
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let mut n = 65_536.min(rest.len());
        while !rest.is_char_boundary(n) {
            n -= 1;
        }
        c.push(&rest[..n], &mut out);
        fed += n;
        rest = &rest[n..];
        assert!(
            fed - out.len() <= MAX_PENDING + 4096,
            "held {}",
            fed - out.len()
        );
    }
}

/// Runs a batch over `input` with `-j jobs` and returns the output bytes.
fn batch_output(input: &std::path::Path, jobs: &str) -> Vec<u8> {
    let out = input.parent().unwrap().join(format!("out-j{jobs}"));
    let o = zhnorm()
        .args(["-q", "-j", jobs, "-o"])
        .arg(format!("{}/", out.display()))
        .arg(input)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "-j {jobs}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    fs::read(out.join(input.file_name().unwrap())).unwrap()
}

#[test]
fn jobs_do_not_change_the_output_of_one_huge_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.txt");
    // A few ordinary lines, so that the language is judged and the input
    // is split, then a line of several megabytes (large enough to be
    // split across threads at all).
    let mut text = String::new();
    for _ in 0..3000 {
        text.push_str("這是一個關於經濟發展的報導，我們認為測試很重要。\n");
    }
    text.push_str(&unbroken(6 * 1024 * 1024));
    text.push_str("\n最後一行。\n");
    fs::write(&input, &text).unwrap();
    let one = batch_output(&input, "1");
    let two = batch_output(&input, "2");
    assert!(one.len() > text.len() / 2, "the output is there");
    if one != two {
        let at = one.iter().zip(&two).position(|(a, b)| a != b);
        panic!(
            "-j 1 and -j 2 differ: {} and {} bytes, first difference at {:?}",
            one.len(),
            two.len(),
            at
        );
    }
}

#[test]
fn repair_work_grows_in_proportion_to_debris() {
    // Debris in short lines and in one long line, and Latin-1 junk: the
    // kinds of input that once cost hundreds of times ordinary text.
    type Make = fn(usize) -> String;
    let cases: [(&str, Make); 4] = [
        ("锟斤拷 lines", |n| {
            format!("{}\n", "锟斤拷".repeat(30)).repeat(n)
        }),
        ("锟斤拷 run", |n| "锟斤拷".repeat(30 * n)),
        ("UTF-8 as Latin-1", |n| {
            "測試中文"
                .bytes()
                .map(char::from)
                .collect::<String>()
                .repeat(8 * n)
        }),
        ("UTF-8 as GBK", |n| "娴嬭瘯涓枃".repeat(10 * n)),
    ];
    for (name, make) in cases {
        let small = make(100);
        let large = make(400);
        probe::take();
        repair(&small);
        let a = probe::take().max(1);
        repair(&large);
        let b = probe::take();
        // Four times the text, at most about four times the work (the
        // tree's logarithm and the caches' warm-up allow a little more).
        assert!(
            b <= 5 * a,
            "{name}: {a} steps for {} bytes, {b} for {}",
            small.len(),
            large.len()
        );
        // And a bounded amount per character: a search through thousands
        // of fillings per lost byte is what this rules out.
        let chars = large.chars().count() as u64;
        assert!(b <= 200 * chars, "{name}: {b} steps for {chars} characters");
    }
}

/// Lines of the kinds of input that cost most per byte in
/// `eval/cost_per_mb.py`, built the same way: debris, random high bytes
/// read as GBK, GBK and UTF-8 glued together, and real mojibake.
fn pathological_lines() -> Vec<(&'static str, String)> {
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let random_high: Vec<u8> = (0..20_000).map(|_| 0x80 | (next() as u8)).collect();
    let (gbk_random, _, _) = encoding_rs::GBK.decode(&random_high);
    let han = "的一是不了人我在有他這中大來上國個到說們為子和你地出道也時年得就那要下";
    let han: Vec<char> = han.chars().collect();
    let mut mixed = Vec::new();
    while mixed.len() < 20_000 {
        let word: String = (0..1 + next() % 3)
            .map(|_| han[next() as usize % han.len()])
            .collect();
        if next().is_multiple_of(2) {
            mixed.extend(encoding_rs::GBK.encode(&word).0.iter());
        } else {
            mixed.extend(word.as_bytes());
        }
    }
    let (mixed, _, _) = encoding_rs::GB18030.decode(&mixed);
    let utf8 = "测试中文一下".repeat(800);
    let utf8_as_gbk = encoding_rs::GBK.decode(utf8.as_bytes()).0.into_owned();
    vec![
        ("锟斤拷 run", "锟斤拷".repeat(3000)),
        ("random high bytes as GBK", gbk_random.replace('\n', " ")),
        ("GBK and UTF-8 glued", mixed.replace('\n', " ")),
        ("UTF-8 as GBK", utf8_as_gbk),
        (
            "U+FFFD among Han",
            "好\u{FFFD}經\u{FFFD}\u{FFFD}".repeat(2000),
        ),
        (
            "UTF-8 as Latin-1",
            "測試中文"
                .bytes()
                .map(char::from)
                .collect::<String>()
                .repeat(500),
        ),
    ]
}

#[test]
fn repair_of_a_line_never_spends_more_than_its_budget() {
    for (name, line) in pathological_lines() {
        // Whole, and in short lines, where the floor of each line's budget
        // counts most.
        let short: String = line
            .chars()
            .collect::<Vec<_>>()
            .chunks(40)
            .map(|c| c.iter().collect::<String>() + "\n")
            .collect();
        for text in [line.as_str(), short.as_str()] {
            let limit: u64 = text
                .split_inclusive('\n')
                .map(|l| budget::limit(l.trim_end_matches('\n').len()))
                .sum();
            budget::take_spent();
            budget::take_decoded();
            repair(text);
            let spent = budget::take_spent();
            // Counted in the decoder itself, so a decoding that bypassed
            // the budget would show here.
            let decoded = budget::take_decoded();
            assert!(decoded > 0, "{name}: the search ran");
            assert!(
                decoded <= spent && spent <= limit,
                "{name}: {decoded} bytes decoded, {spent} units paid, budget {limit}"
            );
        }
    }
}

#[test]
fn a_line_whose_budget_runs_out_is_left_as_it_was_and_counted() {
    // Mojibake long enough that its floor does not cover it, repaired with
    // the budget in force, and left alone with no units per
    // byte: nothing beyond the floor, too little for one decoding of the line.
    let line: String = encoding_rs::GBK
        .decode(
            "这是一个测试，我们认为经济发展很重要。"
                .repeat(200)
                .as_bytes(),
        )
        .0
        .into_owned();
    let (fixed, stats) = repair(&line);
    assert_ne!(fixed, line, "repaired within the budget");
    assert_eq!(stats.unsearched, 0);
    budget::set_per_byte(Some(0));
    let (cut, stats) = repair(&line);
    budget::set_per_byte(None);
    assert_eq!(cut, line, "a search cut short changes nothing");
    assert_eq!(stats.unsearched, 1, "and says so");
    assert_eq!(stats.spans_repaired, 0);
}

// Text full of lost bytes: the decoder's path search weighs every possible
// unit only near a lost byte, and reads plainly elsewhere.

/// Random high bytes read as GBK, as scraped binary junk comes out: a lost
/// byte (U+FFFD) every few dozen characters, the rest rare Han characters.
fn random_high_as_gbk(len: usize, seed: u64) -> String {
    let bytes = crate::support::random_high_bytes(len, seed);
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

#[test]
fn a_settled_line_changed_in_a_few_places_is_searched_only_there() {
    // zhnorm tidies a line after repairing it and repairs it again if
    // tidying changed it: a long line of real mojibake among clean text,
    // with a few characters dropped afterwards, must not cost a second
    // search of the whole line. The pieces are set apart by a character no
    // wrong decoder produces (an emoji), as in a page that lost its line
    // breaks; a stretch of characters that one could produce is searched
    // as a whole. Spans are decoded whole here: in pieces, a repaired line
    // is passed over even from scratch, and there would be nothing to
    // compare.
    zhnorm::clean::mojibake::set_whole_spans(true);
    let broken = encoding_rs::GBK
        .decode("这是一个测试，我们认为经济发展很重要。".as_bytes())
        .0
        .into_owned();
    let mut line = String::new();
    for i in 0..400 {
        line.push_str(if i % 3 == 0 {
            &broken
        } else {
            "市政府今天宣布，地铁三号线将全线通车。"
        });
        line.push_str(&format!(" {i} 😀 "));
    }
    let (settled, _) = repair(&line);
    assert_ne!(settled, line, "the mojibake was repaired");
    let mut chars: Vec<char> = settled.chars().collect();
    for at in [chars.len() / 5, chars.len() / 2, chars.len() * 4 / 5] {
        chars.remove(at);
    }
    let changed: String = chars.into_iter().collect();
    budget::take_decoded();
    let (again, _) = repair(&changed);
    let again = again.into_owned();
    let near = budget::take_decoded();
    let (scratch, whole) = std::thread::spawn(move || {
        zhnorm::clean::mojibake::set_whole_spans(true);
        budget::take_decoded();
        let out = repair(&changed).0.into_owned();
        (out, budget::take_decoded())
    })
    .join()
    .unwrap();
    zhnorm::clean::mojibake::set_whole_spans(false);
    assert_eq!(again, scratch, "the same repair either way");
    assert!(whole > 0);
    assert!(
        near * 10 < whole,
        "{near} bytes decoded near the changes, {whole} from scratch"
    );
}
