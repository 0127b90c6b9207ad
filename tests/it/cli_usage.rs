//! The command line as people meet it: what is refused as a usage error
//! instead of being silently ignored, OpenCC's spellings, `-j` kept within
//! what the machine can use, the progress bar at 80 columns, `detect` on a
//! directory.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::cli::{p, run, stderr, stdout_lossy as stdout, zhnorm_no_input as zhnorm};

/// Runs `cmd`, killing it if it takes longer than `limit`; `None` then.
fn run_within(cmd: &mut Command, limit: Duration) -> Option<Output> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zhnorm");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for zhnorm").is_some() {
            return Some(child.wait_with_output().expect("collect output"));
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A usage error: status 2, clap's `error:` line naming `what`, no panic.
fn assert_usage_error(o: &Output, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("error:"), "{err}");
    assert!(err.contains(what), "expected {what:?} in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Two small Traditional-Chinese files in a fresh directory.
fn two_files() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    fs::write(&a, "漢字簡化\n").unwrap();
    fs::write(&b, "繁體中文\n").unwrap();
    (dir, a, b)
}

// ---- -j ------------------------------------------------------------------

#[test]
fn absurd_job_counts_are_capped_with_a_warning_and_finish_quickly() {
    let (dir, a, b) = two_files();
    for (jobs, out) in [("10000", "o1/"), ("99999999999", "o2/")] {
        let out = dir.path().join(out);
        let out_arg = format!("{}/", p(&out));
        // The cap makes this a run of two tiny files: seconds at most,
        // where thousands of threads took minutes or never ended.
        let o = run_within(
            zhnorm().args(["-j", jobs, "-o", &out_arg, p(&a), p(&b)]),
            Duration::from_secs(60),
        )
        .unwrap_or_else(|| panic!("-j {jobs} on two small files did not finish in 60 s"));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert!(err.contains("--jobs") && err.contains(jobs), "{err}");
        assert!(err.contains("using "), "{err}");
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "汉字简化\n");
        assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "繁体中文\n");
    }
}

#[test]
fn a_reasonable_job_count_says_nothing_and_zero_is_a_usage_error() {
    let (dir, a, b) = two_files();
    let out = format!("{}/", p(&dir.path().join("out")));
    // Two threads for two files is within any machine's reach.
    let o = run(&["-j", "2", "-o", &out, p(&a), p(&b)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("--jobs"), "{}", stderr(&o));
    let o = run(&["-j", "0", "-o", &out, p(&a), p(&b)]);
    assert_usage_error(&o, "--jobs");
}

// ---- progress bar --------------------------------------------------------

/// The frames of a progress bar drawn to a pipe: indicatif redraws in place
/// with a carriage return and an erase-line sequence.
fn frames(stderr: &str) -> Vec<String> {
    stderr
        .split(['\r', '\n'])
        .map(|f| f.replace("\x1b[2K", "").trim_end().to_owned())
        .filter(|f| f.contains("ETA"))
        .collect()
}

/// A tree of `n` files of a few KiB each.
fn tree_of(dir: &Path, n: usize) -> std::path::PathBuf {
    let input = dir.join("in");
    fs::create_dir_all(&input).unwrap();
    for i in 0..n {
        fs::write(
            input.join(format!("f{i:03}.txt")),
            "漢字簡化，繁體中文。\n".repeat(300),
        )
        .unwrap();
    }
    input
}

#[test]
fn progress_bar_at_80_columns_shows_fill_throughput_and_eta() {
    let dir = tempfile::tempdir().unwrap();
    let input = tree_of(dir.path(), 120);
    let out = dir.path().join("out");
    // Standard error is a pipe, which the terminal library measures as 80
    // columns; COLUMNS says the same to anything that reads it.
    let o = zhnorm()
        .env("COLUMNS", "80")
        .args(["-j", "1", "--progress", "always", "-o", p(&out), p(&input)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let frames = frames(&stderr(&o));
    assert!(!frames.is_empty(), "no bar drawn: {:?}", stderr(&o));
    for f in &frames {
        let cells = f.chars().filter(|&c| c == '█' || c == '░').count();
        assert!(cells >= 20, "bar of {cells} cells in {f:?}");
        assert!(f.chars().count() <= 80, "wider than 80 columns: {f:?}");
        assert!(f.contains("/s"), "no throughput in {f:?}");
        assert!(f.contains("files"), "no file count in {f:?}");
    }
}

#[test]
fn quiet_hides_warnings_but_not_a_bar_asked_for_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = tree_of(dir.path(), 3);
    // UTF-8 with a byte no encoding reads in the middle: a warning
    // without -q.
    let text = "漢字簡化，繁體中文。\n".repeat(50).into_bytes();
    let mut damaged = text.clone();
    damaged.push(0xff);
    damaged.extend_from_slice(&text);
    fs::write(input.join("damaged.txt"), damaged).unwrap();
    let run_with = |args: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut all = vec!["-j", "1", "-o", p(&out)];
        all.extend_from_slice(args);
        all.push(p(&input));
        let o = zhnorm().args(&all).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stderr(&o)
    };
    let err = run_with(&["-q", "--progress", "always"], "a");
    assert!(
        !frames(&err).is_empty(),
        "--progress always under -q: {err}"
    );
    assert!(!err.contains("warning"), "{err}");
    assert!(!err.contains("summary"), "{err}");
    let err = run_with(&["--progress", "always"], "b");
    assert!(err.contains("warning"), "{err}");
    // -q alone: no bar, no warnings.
    let err = run_with(&["-q"], "c");
    assert!(frames(&err).is_empty(), "{err}");
    assert!(!err.contains("warning"), "{err}");
}

// ---- -o and --help -------------------------------------------------------

#[test]
fn help_describes_output_directories() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    assert!(help.contains("-o, --output <FILE|DIR>"), "{help}");
    assert!(help.contains("batch run"), "{help}");
    // The examples show a tree mirrored into a directory, and OpenCC's
    // spelling of a conversion.
    let examples = &help[help.find("EXAMPLES:").expect("examples")..];
    assert!(examples.contains("-o clean/ scraped/"), "{examples}");
    assert!(examples.contains("-c t2s.json"), "{examples}");
    assert!(
        examples.contains("detect") && examples.contains("site/"),
        "{examples}"
    );
}

#[test]
fn several_files_need_an_output_directory() {
    let (dir, a, b) = two_files();
    // A name that is not a directory: refused, nothing created.
    let missing = dir.path().join("out.txt");
    let o = run(&["-o", p(&missing), p(&a), p(&b)]);
    assert_usage_error(&o, "out.txt");
    assert!(stderr(&o).contains("trailing /"), "{}", stderr(&o));
    assert!(!missing.exists(), "a directory was made for a file name");
    // An existing file: refused, left as it was.
    let file = dir.path().join("all.txt");
    fs::write(&file, "keep me\n").unwrap();
    let o = run(&["-o", p(&file), p(&a), p(&b)]);
    assert_usage_error(&o, "not a directory");
    assert_eq!(fs::read_to_string(&file).unwrap(), "keep me\n");
    // A trailing slash asks for the directory to be made.
    let made = dir.path().join("made");
    let o = run(&["-q", "-o", &format!("{}/", p(&made)), p(&a), p(&b)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(made.join("a.txt")).unwrap(),
        "汉字简化\n"
    );
    // An existing directory, without the slash.
    let existing = dir.path().join("existing");
    fs::create_dir(&existing).unwrap();
    let o = run(&["-q", "-o", p(&existing), p(&a), p(&b)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(existing.join("b.txt")).unwrap(),
        "繁体中文\n"
    );
}

#[test]
fn a_tree_goes_to_a_directory_made_for_it() {
    // A directory input can only go to a directory, so the name is made
    // into one as before (the README's cron line relies on it).
    let dir = tempfile::tempdir().unwrap();
    let input = tree_of(dir.path(), 2);
    let out = dir.path().join("mirror");
    let o = run(&["-q", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("f000.txt").is_file());
}

// ---- flags that only a batch run can act on -----------------------------

#[test]
fn batch_only_flags_on_a_single_run_are_usage_errors() {
    let (dir, a, _) = two_files();
    let single = dir.path().join("single.txt");
    let cases: &[(&[&str], &str)] = &[
        (&["--include", "*.txt"], "--include"),
        (&["--exclude", "*.bak"], "--exclude"),
        (&["--binary", "copy"], "--binary"),
        (&["--binary", "skip"], "--binary"),
        (&["--uncompressed"], "--uncompressed"),
        (&["-j", "2"], "--jobs"),
        (&["--progress", "always"], "--progress always"),
        (&["--incremental"], "--incremental"),
        (&["--dry-run"], "--dry-run"),
    ];
    for (flags, name) in cases {
        // To standard output, and to a single -o file.
        let mut args = flags.to_vec();
        args.push(p(&a));
        assert_usage_error(&run(&args), name);
        let mut args = flags.to_vec();
        args.extend(["-o", p(&single), p(&a)]);
        let o = run(&args);
        assert_usage_error(&o, name);
        assert!(!single.exists(), "{flags:?} wrote {}", single.display());
    }
    // With -o FILE, the message says why this is not a batch run.
    let o = run(&["--incremental", "-o", p(&single), p(&a)]);
    assert!(stderr(&o).contains("names a file"), "{}", stderr(&o));
    // What holds for any run stays allowed.
    for flags in [&["--progress", "never"][..], &["--progress", "auto"]] {
        let mut args = flags.to_vec();
        args.push(p(&a));
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{flags:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "汉字简化\n");
    }
}

#[test]
fn format_options_that_the_named_format_cannot_use_are_usage_errors() {
    let (_dir, a, _) = two_files();
    for format in ["text", "html", "jsonl"] {
        let o = run(&["--format", format, "--to", "jsonl", p(&a)]);
        assert_usage_error(&o, "--to jsonl");
        assert!(stderr(&o).contains(format), "{}", stderr(&o));
    }
    for format in ["text", "html", "warc"] {
        let o = run(&["--format", format, "--field", "body", p(&a)]);
        assert_usage_error(&o, "--field");
        assert!(stderr(&o).contains(format), "{}", stderr(&o));
    }
    // Where the format is detected per input they may apply, so they are
    // accepted, as are the pairs that go together.
    for args in [
        &["--to", "jsonl"][..],
        &["--field", "body"],
        &["--format", "jsonl", "--field", "body"],
    ] {
        let mut all = args.to_vec();
        all.push(p(&a));
        let o = run(&all);
        assert_ne!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

// ---- OpenCC's command line ----------------------------------------------

/// Text on which zhnorm's cleanup has nothing to do, so that its output is
/// OpenCC's conversion alone.
const TRADITIONAL: &str = "漢字簡化後，頭髮與發展是兩個不同的詞。臺灣的計程車與滑鼠。\n";

#[test]
fn opencc_command_lines_work_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    fs::write(&input, TRADITIONAL).unwrap();
    for config in ["t2s", "tw2sp", "s2twp"] {
        let ours = dir.path().join(format!("{config}.zhnorm.txt"));
        let json = format!("{config}.json");
        let o = run(&["-i", p(&input), "-o", p(&ours), "-c", &json]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let got = fs::read_to_string(&ours).unwrap();
        // The same as the configuration named plainly.
        let plain = run(&["-c", config, p(&input)]);
        assert_eq!(got, stdout(&plain), "-c {json}");
        // A path to an installed config file is taken by its name.
        let path = format!("/usr/share/opencc/{config}.json");
        let by_path = run(&["-c", &path, p(&input)]);
        assert_eq!(by_path.status.code(), Some(0), "{}", stderr(&by_path));
        assert_eq!(stdout(&by_path), got, "-c {path}");
        // And the same as OpenCC's own command line, where it is installed.
        let theirs = dir.path().join(format!("{config}.opencc.txt"));
        match Command::new("opencc")
            .args(["-i", p(&input), "-o", p(&theirs), "-c", &json])
            .stdin(Stdio::null())
            .output()
        {
            Ok(o) => {
                assert!(o.status.success(), "opencc: {}", stderr(&o));
                assert_eq!(got, fs::read_to_string(&theirs).unwrap(), "-c {json}");
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("opencc is not installed: compared with zhnorm -c {config} only")
            }
            Err(e) => panic!("opencc: {e}"),
        }
    }
    assert_ne!(
        fs::read_to_string(dir.path().join("t2s.zhnorm.txt")).unwrap(),
        TRADITIONAL,
        "nothing was converted"
    );
}

#[test]
fn other_config_files_and_mixed_inputs_are_usage_errors() {
    let (_dir, a, b) = two_files();
    for config in ["custom.json", "/etc/opencc/my-t2s.json", "none.json"] {
        let o = run(&["-c", config, p(&a)]);
        assert_usage_error(&o, config);
        // The message says what would have been accepted.
        assert!(stderr(&o).contains("tw2sp.json"), "{}", stderr(&o));
    }
    // -i is one input; PATH arguments besides it are refused, not mixed in.
    let o = run(&["-i", p(&a), p(&b)]);
    assert_usage_error(&o, "--input");
    // -i - is standard input, as PATH - is.
    let mut child = zhnorm()
        .args(["-i", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("體\n".as_bytes())
        .unwrap();
    let mut got = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut got)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(got, "体\n");
}

// ---- detect on a directory -----------------------------------------------

#[test]
fn detect_walks_a_directory_as_batch_runs_do() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    fs::create_dir_all(site.join("a/b")).unwrap();
    fs::create_dir_all(site.join("drafts")).unwrap();
    fs::write(site.join("index.html"), "<p>漢字</p>\n").unwrap();
    fs::write(site.join("a/b/deep.txt"), "繁體\n").unwrap();
    fs::write(site.join("drafts/old.txt"), "舊\n").unwrap();
    fs::write(site.join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    // A compressed page is read through its decompressor, as in batch.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all("漢字\n".as_bytes()).unwrap();
    fs::write(site.join("a/page.txt.gz"), gz.finish().unwrap()).unwrap();
    // A compressed image is binary, as a batch run judges it.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    fs::write(site.join("a/icon.png.gz"), gz.finish().unwrap()).unwrap();

    let o = run(&["detect", "--json", p(&site)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let records: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let paths: Vec<String> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect();
    let rel = |name: &str| p(&site.join(name)).to_owned();
    for name in [
        "a/b/deep.txt",
        "a/icon.png.gz",
        "a/page.txt.gz",
        "drafts/old.txt",
        "index.html",
        "logo.png",
    ] {
        assert!(paths.contains(&rel(name)), "{name} not reported: {paths:?}");
    }
    assert_eq!(paths.len(), 6, "{paths:?}");
    let by_path = |name: &str| &records[paths.iter().position(|p| *p == rel(name)).unwrap()];
    assert_eq!(by_path("logo.png")["binary"], true);
    assert_eq!(by_path("a/icon.png.gz")["binary"], true);
    assert_eq!(by_path("a/page.txt.gz")["encoding"], "UTF-8");

    // The batch globs, with the same meaning.
    let o = run(&[
        "detect",
        "--exclude",
        "drafts",
        "--include",
        "*.txt",
        p(&site),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("deep.txt:"), "{out}");
    assert!(!out.contains("old.txt"), "{out}");
    assert!(!out.contains("index.html"), "{out}");
}

/// `completions` and `man` print what the unit tests of `completions.rs`
/// check, through the real command line: status 0, and nothing converted
/// (the subcommand is not read as an input named `man`).
#[test]
fn completions_and_man_page_print_and_exit() {
    for args in [
        &["completions", "fish"][..],
        &["completions", "zsh"],
        &["man"],
    ] {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        // A long option with no hyphen inside, which fish and roff would
        // spell differently.
        assert!(out.contains("incremental"), "{args:?}: {out}");
        assert!(stderr(&o).is_empty(), "{args:?}: {}", stderr(&o));
    }
    assert_usage_error(&run(&["completions", "cmd.exe"]), "cmd.exe");
    let detect = run(&["man", "detect"]);
    assert!(detect.status.success(), "{}", stderr(&detect));
    assert!(stdout(&detect).contains(".TH zhnorm-detect 1"));
    assert_usage_error(&run(&["man", "nope"]), "nope");
}

/// A reader that goes away at once (`zhnorm completions bash | true`):
/// clap_complete panics when its own write fails, so a script written
/// straight to the pipe ended in a panic and a backtrace. Closing the pipe
/// before the child starts writing makes the write fail on nearly every
/// run; when the child wins the race the script fits the pipe's buffer and
/// the test passes as it should anyway.
#[test]
fn completions_and_man_into_a_closed_pipe_exit_quietly() {
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut child = zhnorm()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(stderr(&o), "", "{args:?}");
        assert_eq!(o.status.code(), Some(0), "{args:?}");
    }
}
