//! Bounded cost: no input makes zhnorm take time or memory out of
//! proportion to its size (issue 12, items 8, 13-15).
//!
//! Nothing here is timed. Cost is checked through what can be counted
//! (the work counters of `zhnorm::clean::mojibake::probe`), memory through
//! what is held (the size limits), and `-j` independence by comparing
//! outputs. The throughput figures are in `benches/pathological.rs` and
//! `scripts/cost_per_mb.py`.

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zhnorm::convert::{UserDict, MAX_DICT_BYTES, MAX_DICT_LINE};

fn zhnorm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zhnorm"))
}

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
