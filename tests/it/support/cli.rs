//! Running the `zhnorm` binary from a test: one copy of the helpers the
//! end-to-end groups share, so a change to how the binary is started (an
//! environment variable, a pipe) is made once.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;

/// The binary under test: the one Cargo built, or `ZHNORM_TEST_BIN` when it
/// is set, to run the same checks against another build (an installed or
/// cross-compiled one).
pub fn zhnorm() -> Command {
    let bin =
        std::env::var("ZHNORM_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_zhnorm").into());
    Command::new(bin)
}

/// Like [`zhnorm`], with standard input closed, for groups that build
/// their commands by hand and must never leave the binary waiting on the
/// test's own input.
pub fn zhnorm_no_input() -> Command {
    let mut cmd = zhnorm();
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs with `args` and no standard input.
pub fn run(args: &[&str]) -> Output {
    zhnorm_no_input().args(args).output().expect("run zhnorm")
}

/// Runs with `args` as if from `dir`, so paths can be relative.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    zhnorm_no_input()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run zhnorm")
}

/// Runs with `stdin` as standard input and waits for the result. The
/// binary may stop reading early (a usage error, a closed pipe): what it
/// did not read is dropped, and the test judges the output.
pub fn run_stdin(args: &[&str], stdin: &[u8]) -> Output {
    run_cmd(zhnorm().args(args), stdin)
}

/// Like [`run_stdin`], and fails the test unless the binary read all of
/// `stdin`: for filters that must consume their whole input.
pub fn run_stdin_all(args: &[&str], stdin: &[u8]) -> Output {
    pipe(zhnorm().args(args), stdin, true)
}

/// Runs a command built by the caller with `stdin` as standard input;
/// input it does not read is dropped, as in [`run_stdin`].
pub fn run_cmd(cmd: &mut Command, stdin: &[u8]) -> Output {
    pipe(cmd, stdin, false)
}

/// Starts `cmd` with all three standard streams piped to the test.
fn spawn_piped(cmd: &mut Command) -> std::process::Child {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zhnorm")
}

fn pipe(cmd: &mut Command, stdin: &[u8], must_read_all: bool) -> Output {
    let mut child = spawn_piped(cmd);
    let mut input = child.stdin.take().expect("piped stdin");
    let data = stdin.to_vec();
    // A separate writer thread so a large input cannot deadlock against
    // unread output.
    let writer = thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().expect("wait for zhnorm");
    let written = writer.join().expect("stdin writer");
    if must_read_all {
        written.expect("zhnorm read all of its standard input");
    }
    out
}

/// Runs with `stdin` (all of it read), checks that the run succeeded, and
/// returns its standard output, which must be UTF-8.
pub fn ok(args: &[&str], stdin: &str) -> String {
    let o = run_stdin_all(args, stdin.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Standard output, which must be UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// Standard output with anything not UTF-8 replaced, for runs whose output
/// may be binary.
pub fn stdout_lossy(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error with anything not UTF-8 replaced (it may quote a
/// damaged file name).
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard error, which must be UTF-8.
pub fn stderr_utf8(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// A path as an argument; test paths are UTF-8.
pub fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Fails if the run panicked (Rust's panic message or its backtrace hint).
pub fn assert_no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(!err.contains("RUST_BACKTRACE"), "panic: {err}");
}

/// Every file below `dir` (links listed, not followed), relative with `/`,
/// sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// `bytes` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// What a run fed one line at a time showed: each line it passed on while
/// its input stayed open (`None`: nothing within ten seconds), and how it
/// ended once the input was closed.
pub struct LiveLines {
    /// The first line out after the first line in.
    pub first: Option<String>,
    /// The second line out after the second line in; `None` too when the
    /// first never came, as the second is then not sent.
    pub second: Option<String>,
    /// The exit status after standard input was closed.
    pub status: std::process::ExitStatus,
}

/// Runs with no arguments, writes `first`, waits for a line to come out
/// with the input still open, then does the same with `second`: a filter
/// in a pipe must pass each line on without waiting for the end of input.
pub fn live_lines(first: &[u8], second: &[u8]) -> LiveLines {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    let mut child = spawn_piped(&mut zhnorm());
    let mut input = child.stdin.take().expect("piped stdin");
    let out = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    // Lines are read on their own thread so the test can give up after a
    // timeout instead of blocking on a binary that holds its output back.
    thread::spawn(move || {
        let mut reader = BufReader::new(out);
        for _ in 0..2 {
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait = Duration::from_secs(10);
    input.write_all(first).unwrap();
    input.flush().unwrap();
    let first = rx.recv_timeout(wait).ok();
    let second = first.as_ref().and_then(|_| {
        input.write_all(second).unwrap();
        input.flush().unwrap();
        rx.recv_timeout(wait).ok()
    });
    drop(input);
    let status = child.wait().expect("wait for zhnorm");
    LiveLines {
        first,
        second,
        status,
    }
}
