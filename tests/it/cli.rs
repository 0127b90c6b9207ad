//! End-to-end tests of the `zhnorm` binary: flags, streams, exit codes and
//! error messages as a user or a shell script sees them.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::support::cli::{
    assert_no_panic, live_lines, p, run_stdin as run, stderr_utf8 as stderr, stdout, zhnorm,
};

/// Names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn stdin_to_stdout() {
    let o = run(&[], "漢字\n".as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "汉字\n");
    assert_eq!(stderr(&o), "");
}

#[test]
fn dash_reads_stdin() {
    let o = run(&["-"], "繁體中文\n".as_bytes());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "繁体中文\n");
}

#[test]
fn ascii_passes_through_unchanged() {
    let o = run(&[], b"abc 123\nno trailing newline");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "abc 123\nno trailing newline");
}

#[test]
fn file_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    fs::write(&a, "漢字\n").unwrap();
    let o = run(&[p(&a)], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "汉字\n");
}

#[test]
fn config_flag_selects_conversion() {
    let o = run(&["-c", "s2t"], "汉字".as_bytes());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "漢字");
    let o = run(&["--config", "none"], "漢字".as_bytes());
    assert_eq!(stdout(&o), "漢字");
}

#[test]
fn convert_only_still_converts() {
    let o = run(&["--convert-only"], "漢字\n".as_bytes());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "汉字\n");
}

#[test]
fn bom_is_stripped() {
    let o = run(&[], "\u{FEFF}漢字".as_bytes());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "汉字");
}

#[test]
fn several_files_concatenate_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    fs::write(&a, "一\n").unwrap();
    fs::write(&b, "二\n").unwrap();
    let o = run(&[p(&b), p(&a), "-"], "三\n".as_bytes());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "二\n一\n三\n");
}

#[test]
fn output_file_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let out = dir.path().join("out.txt");
    fs::write(&a, "漢字\n").unwrap();
    let o = run(&["-o", p(&out), p(&a)], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "nothing on stdout with -o");
    assert_eq!(fs::read_to_string(&out).unwrap(), "汉字\n");
    // No temporary file left behind.
    assert_eq!(listing(dir.path()), ["a.txt", "out.txt"]);
}

#[test]
fn output_file_replaces_existing_and_reads_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    fs::write(&out, "old contents that are longer than the new ones\n").unwrap();
    let o = run(&["--output", p(&out)], "體".as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&out).unwrap(), "体");
    assert_eq!(listing(dir.path()), ["out.txt"]);
}

#[test]
fn output_dash_means_stdout() {
    let o = run(&["-o", "-"], "體".as_bytes());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "体");
}

#[test]
fn output_same_as_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    fs::write(&a, "漢字\n").unwrap();
    let o = run(&["-o", p(&a), p(&a)], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with(&format!("zhnorm: {}: ", p(&a))), "{err}");
    assert!(err.contains("input"), "{err}");
    assert_eq!(fs::read_to_string(&a).unwrap(), "漢字\n", "input untouched");
    assert_eq!(listing(dir.path()), ["a.txt"]);
}

#[cfg(unix)]
#[test]
fn output_symlinked_to_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let link = dir.path().join("link.txt");
    fs::write(&a, "漢字\n").unwrap();
    std::os::unix::fs::symlink(&a, &link).unwrap();
    let o = run(&["-o", p(&link), p(&a)], b"");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&a).unwrap(), "漢字\n");
}

#[cfg(unix)]
#[test]
fn output_same_as_redirected_stdin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    fs::write(&a, "漢字\n").unwrap();
    let o = zhnorm()
        .args(["-o", p(&a)])
        .stdin(fs::File::open(&a).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("<stdin>"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&a).unwrap(), "漢字\n");
}

#[test]
fn output_with_several_inputs_is_a_directory_of_results() {
    // Several inputs and -o DIR/: a batch run, each input's result under
    // its own name in the output directory, which is created.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    let out = dir.path().join("out");
    fs::write(&a, "漢\n").unwrap();
    fs::write(&b, "體\n").unwrap();
    let out_dir = format!("{}/", p(&out));
    let o = run(&["-q", "-o", &out_dir, p(&a), p(&b)], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "汉\n");
    assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "体\n");
}

#[test]
fn missing_file_among_others_exits_1_and_processes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    let missing = dir.path().join("missing.txt");
    fs::write(&a, "漢\n").unwrap();
    fs::write(&b, "體\n").unwrap();
    let o = run(&[p(&a), p(&missing), p(&b)], b"");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "汉\n体\n");
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with(&format!("zhnorm: {}: ", p(&missing))),
        "{err}"
    );
    assert!(err.contains("No such file"), "{err}");
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn directory_input_without_an_output_directory_is_a_usage_error() {
    // A tree needs somewhere to go (-o DIR or --in-place); concatenating
    // it to standard output is refused before anything is read.
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[p(dir.path())], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(p(dir.path())) && err.contains("is a directory"),
        "{err}"
    );
}

#[test]
fn unknown_config_exits_2_listing_choices() {
    let o = run(&["-c", "t2x"], "漢".as_bytes());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.contains("t2x"), "{err}");
    assert!(err.contains("tw2s") && err.contains("s2hk"), "{err}");
}

#[test]
fn bad_flag_exits_2() {
    let o = run(&["--no-such-flag"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--no-such-flag"));
}

#[test]
fn damaged_bytes_are_marked_warned_about_and_the_rest_kept() {
    let o = run(&[], b"ok\n\xE6\xBC\xA2\xFFrest\n");
    assert_eq!(o.status.code(), Some(0));
    assert_no_panic(&o);
    assert_eq!(
        stderr(&o),
        "zhnorm: <stdin>: warning: 1 damaged byte spot written as U+FFFD (first at byte offset 6)\n"
    );
    assert_eq!(stdout(&o), "ok\n汉\u{FFFD}rest\n");
    // --quiet drops the warning, not the marking.
    let o = run(&["-q"], b"ok\n\xE6\xBC\xA2\xFFrest\n");
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""));
    assert_eq!(stdout(&o), "ok\n汉\u{FFFD}rest\n");
}

#[test]
fn strict_makes_damage_a_failure_and_the_next_file_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    let good = dir.path().join("good.txt");
    // The bad byte far past the first read and the detection prefix, to
    // check the offset is absolute rather than per chunk.
    let mut bytes = "a".repeat(200_000).into_bytes();
    bytes.push(0x80);
    fs::write(&bad, &bytes).unwrap();
    fs::write(&good, "體\n").unwrap();
    let o = run(&["--strict", p(&bad), p(&good)], b"");
    assert_eq!(o.status.code(), Some(1));
    assert_no_panic(&o);
    assert_eq!(
        stderr(&o),
        format!(
            "zhnorm: {}: 1 damaged byte spot written as U+FFFD (first at byte offset 200000)\n",
            p(&bad)
        )
    );
    assert!(stdout(&o).ends_with("\u{FFFD}体\n"), "{}", stdout(&o));
}

#[test]
fn a_character_cut_off_at_the_end_is_one_damaged_spot() {
    let o = run(&[], b"ab\xE6\xBC");
    assert_eq!(o.status.code(), Some(0));
    assert_no_panic(&o);
    assert_eq!(stdout(&o), "ab\u{FFFD}");
    assert!(
        stderr(&o).contains("first at byte offset 2"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--strict"], b"ab\xE6\xBC");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn strict_damage_with_output_file_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    let out = dir.path().join("out.txt");
    // A lone 0xFF after Chinese UTF-8: damage (alone, "abc\xFF" would
    // be fair windows-1252).
    fs::write(&bad, b"\xE6\x95\xB0\xE6\x8D\xAEabc\xFF").unwrap();
    let o = run(&["--strict", "-o", p(&out), p(&bad)], b"");
    assert_eq!(o.status.code(), Some(1));
    assert_no_panic(&o);
    assert!(stderr(&o).contains("byte offset 9"), "{}", stderr(&o));
    assert!(!out.exists());
    assert_eq!(listing(dir.path()), ["bad.txt"], "temp file removed");
    // Without --strict the output is written, damage marked.
    let o = run(&["-o", p(&out), p(&bad)], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(fs::read_to_string(&out).unwrap(), "数据abc\u{FFFD}");
}

#[test]
fn strict_damage_keeps_existing_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    fs::write(&out, "previous").unwrap();
    let o = run(
        &["--strict", "-o", p(&out)],
        b"\xE6\x95\xB0\xE6\x8D\xAEabc\xFF",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(fs::read_to_string(&out).unwrap(), "previous");
    assert_eq!(listing(dir.path()), ["out.txt"]);
}

#[test]
fn empty_input_gives_empty_output() {
    let o = run(&[], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(o.stdout, b"");
    assert_eq!(stderr(&o), "");

    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    let out = dir.path().join("out.txt");
    fs::write(&empty, "").unwrap();
    let o = run(&["-o", p(&out), p(&empty)], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(fs::read(&out).unwrap(), b"");
}

/// A few MB of text with both ASCII and characters that get converted.
fn big_input() -> Vec<u8> {
    "漢字轉換測試 line of text 0123456789\n"
        .repeat(80_000)
        .into_bytes()
}

/// Reads a little of the child's output, closes the pipe, and returns what
/// the child then did.
fn read_a_little_then_close(mut child: Child) -> Output {
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 1024];
    stdout.read_exact(&mut buf).unwrap();
    drop(stdout);
    child.wait_with_output().unwrap()
}

#[test]
fn broken_pipe_from_file_input_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    fs::write(&big, big_input()).unwrap();
    let child = zhnorm()
        .arg(p(&big))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let o = read_a_little_then_close(child);
    assert_eq!(stderr(&o), "");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn broken_pipe_from_stdin_input_is_quiet() {
    let mut child = zhnorm()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // The write fails once zhnorm has exited; that is expected.
    let writer = thread::spawn(move || {
        let _ = input.write_all(&big_input());
    });
    let o = read_a_little_then_close(child);
    writer.join().unwrap();
    assert_eq!(stderr(&o), "");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn lines_are_passed_on_before_input_ends() {
    // stdin stays open: a line must come out without waiting for EOF.
    let live = live_lines(b"abc\n", "漢字\n".as_bytes());
    assert_eq!(
        live.first.as_deref(),
        Some("abc\n"),
        "first line not passed on promptly"
    );
    assert_eq!(
        live.second.as_deref(),
        Some("汉字\n"),
        "second line not passed on promptly"
    );
    assert!(live.status.success());
}

#[test]
fn user_dict_takes_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("terms.txt");
    fs::write(&dict, "漢字\t漢字\n").unwrap();
    let o = run(&["--dict", p(&dict)], "漢字和繁體".as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "漢字和繁体");
}

#[test]
fn malformed_dict_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("bad-dict.txt");
    fs::write(&dict, "漢字\t汉字\nno tab on this line\n").unwrap();
    let o = run(&["--dict", p(&dict)], "漢字".as_bytes());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "", "no conversion with a bad dictionary");
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("zhnorm: {}:2: ", p(&dict))),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn missing_dict_exits_2_naming_file() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("nope.txt");
    let o = run(&["--dict", p(&dict)], "漢字".as_bytes());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with(&format!("zhnorm: {}: ", p(&dict))), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn help_shows_examples_and_version_works() {
    let o = run(&["--help"], b"");
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    assert!(help.contains("EXAMPLES"), "{help}");
    assert!(help.contains("--config"), "{help}");

    let o = run(&["--version"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        format!("zhnorm {}", env!("CARGO_PKG_VERSION"))
    );
}

#[cfg(unix)]
#[test]
fn output_to_existing_fifo_writes_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let (tx, rx) = mpsc::channel();
    let reader_path = fifo.clone();
    // Opening a FIFO for reading blocks until a writer opens it, so read in
    // a thread; if zhnorm replaced the FIFO instead, this never completes.
    thread::spawn(move || {
        let text = fs::read_to_string(reader_path);
        let _ = tx.send(text.ok());
    });
    let o = run(&["-o", p(&fifo)], "漢字".as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = rx.recv_timeout(Duration::from_secs(10));
    assert_eq!(got, Ok(Some("汉字".to_owned())));
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(listing(dir.path()), ["fifo"]);
}
