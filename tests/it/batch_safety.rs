//! Unattended batch runs may not lose, overwrite or reach past what they
//! were given: each test is one way a run used to do so.
//!
//! Every test builds its own small tree in a temporary directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use zhnorm::formats::compress::{CompressWriter, Compression};

use crate::support::cli::{files, gzip, p, run, run_in, stderr, zhnorm};

/// The records of a JSON Lines report, summary last.
fn records(report: &str) -> Vec<serde_json::Value> {
    report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn summary(report: &str) -> serde_json::Value {
    records(report)
        .into_iter()
        .find(|r| r["summary"] == true)
        .expect("a summary record")
}

fn record_of<'a>(all: &'a [serde_json::Value], path_end: &str) -> &'a serde_json::Value {
    all.iter()
        .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with(path_end)))
        .unwrap_or_else(|| panic!("no record for {path_end}: {all:?}"))
}

const TRAD: &str = "臺灣的鐵路網絡覆蓋西部各大城市。\n";
const SIMP: &str = "台湾的铁路网络覆盖西部各大城市。\n";
const OTHER_TRAD: &str = "颱風過後，山區土石依然鬆動。\n";

/// Runs that would write two inputs to one output are refused before
/// anything is written, naming both inputs.
fn assert_refused_collision(o: &Output, first: &Path, second: &Path, out: &Path) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let err = stderr(o);
    let (first, second) = (p(first), p(second));
    assert!(
        err.contains(&format!("{first} ")) && err.contains(&format!("{second}:")),
        "{err}"
    );
    assert!(!out.exists(), "nothing may be written: {:?}", files(out));
}

// Item 1: two inputs, one output.

#[test]
fn plain_and_gzip_of_the_same_name_with_uncompressed_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let col = dir.path().join("col");
    fs::create_dir_all(&col).unwrap();
    fs::write(col.join("a.txt"), TRAD).unwrap();
    fs::write(col.join("a.txt.gz"), gzip(OTHER_TRAD.as_bytes())).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--uncompressed", "-o", p(&out), p(&col)]);
    assert_refused_collision(&o, &col.join("a.txt"), &col.join("a.txt.gz"), &out);
    // Without --uncompressed the names differ and both are written.
    let o = run(&["-q", "-o", p(&out), p(&col)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files(&out), ["a.txt", "a.txt.gz"]);
}

#[test]
fn plain_and_zstd_of_the_same_name_with_uncompressed_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let col = dir.path().join("col");
    fs::create_dir_all(&col).unwrap();
    fs::write(col.join("b.txt"), TRAD).unwrap();
    let mut w = CompressWriter::new(Compression::Zstd, Vec::new()).unwrap();
    w.write_all(OTHER_TRAD.as_bytes()).unwrap();
    let zst = w.finish().unwrap();
    fs::write(col.join("b.txt.zst"), zst).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--uncompressed", "-o", p(&out), p(&col)]);
    assert_refused_collision(&o, &col.join("b.txt"), &col.join("b.txt.zst"), &out);
}

#[test]
fn warc_beside_its_gzip_with_uncompressed_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let col = dir.path().join("col");
    fs::create_dir_all(&col).unwrap();
    let body = "臺灣";
    let record = format!(
        "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: http://example.com/\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
        body.len()
    );
    fs::write(col.join("x.warc"), &record).unwrap();
    fs::write(col.join("x.warc.gz"), gzip(record.as_bytes())).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "-q",
        "--format",
        "warc",
        "--uncompressed",
        "-o",
        p(&out),
        p(&col),
    ]);
    assert_refused_collision(&o, &col.join("x.warc"), &col.join("x.warc.gz"), &out);
}

/// Outputs are named after what they hold, and collisions follow those
/// names: `--html text` makes `page.html` into `page.txt`, which a
/// `page.txt` beside it also writes; `--to jsonl` makes `t.warc` and
/// `t.warc.gz` (with --uncompressed) both into `t.jsonl`.
#[test]
fn collisions_made_by_content_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let col = dir.path().join("col");
    fs::create_dir_all(&col).unwrap();
    fs::write(
        col.join("page.html"),
        format!("<html><body><p>{}</p></body></html>\n", TRAD.trim()),
    )
    .unwrap();
    fs::write(col.join("page.txt"), OTHER_TRAD).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--html", "text", "-o", p(&out), p(&col)]);
    assert_refused_collision(&o, &col.join("page.html"), &col.join("page.txt"), &out);
    // Kept as HTML, the names differ and both are written.
    let o = run(&["-q", "-o", p(&out), p(&col)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files(&out), ["page.html", "page.txt"]);

    let col = dir.path().join("warcs");
    fs::create_dir_all(&col).unwrap();
    let body = "臺灣";
    let record = format!(
        "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: http://example.com/\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
        body.len()
    );
    fs::write(col.join("t.warc"), &record).unwrap();
    fs::write(col.join("t.warc.gz"), gzip(record.as_bytes())).unwrap();
    let out = dir.path().join("out-warc");
    let o = run(&[
        "-q",
        "--to",
        "jsonl",
        "--uncompressed",
        "-o",
        p(&out),
        p(&col),
    ]);
    assert_refused_collision(&o, &col.join("t.warc"), &col.join("t.warc.gz"), &out);
    let o = run(&["-q", "--to", "jsonl", "-o", p(&out), p(&col)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files(&out), ["t.jsonl", "t.jsonl.gz"]);
}

/// The plan is made from what the files hold: a gzip stream under a name
/// without `.gz` keeps its name, so it does not collide.
#[test]
fn collision_check_follows_the_real_output_names() {
    let dir = tempfile::tempdir().unwrap();
    let col = dir.path().join("col");
    fs::create_dir_all(col.join("sub")).unwrap();
    fs::write(col.join("a.txt"), TRAD).unwrap();
    fs::write(col.join("sub/a.txt.gz"), gzip(OTHER_TRAD.as_bytes())).unwrap();
    // Same leaf names in different directories: no collision.
    let out = dir.path().join("out");
    let o = run(&["-q", "--uncompressed", "-o", p(&out), p(&col)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files(&out), ["a.txt", "sub/a.txt"]);
}

// Item 2: --in-place never writes outside the given roots.

#[cfg(unix)]
#[test]
fn in_place_does_not_rewrite_files_behind_a_directory_link_leading_outside() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir_all(&tree).unwrap();
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(tree.join("own.txt"), TRAD).unwrap();
    fs::write(elsewhere.join("foreign.txt"), TRAD).unwrap();
    symlink(&elsewhere, tree.join("d")).unwrap();
    let o = run(&["--in-place", p(&tree), "--report", "-"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(elsewhere.join("foreign.txt")).unwrap(),
        TRAD
    );
    assert_eq!(fs::read_to_string(tree.join("own.txt")).unwrap(), SIMP);
    assert!(stderr(&o).contains("d/foreign.txt"), "{}", stderr(&o));
    let report = String::from_utf8(o.stdout).unwrap();
    let all = records(&report);
    assert_eq!(record_of(&all, "d/foreign.txt")["status"], "failed");
    assert!(fs::symlink_metadata(tree.join("d"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[cfg(unix)]
#[test]
fn in_place_leaves_a_file_link_a_link() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    let target = dir.path().join("target.txt");
    fs::write(&target, TRAD).unwrap();
    symlink(&target, tree.join("link.txt")).unwrap();
    fs::write(tree.join("plain.txt"), TRAD).unwrap();
    let o = run(&["--in-place", p(&tree)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("link.txt"), "{}", stderr(&o));
    let link = tree.join("link.txt");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_link(&link).unwrap(), target);
    assert_eq!(fs::read_to_string(&target).unwrap(), TRAD);
    assert_eq!(fs::read_to_string(tree.join("plain.txt")).unwrap(), SIMP);
}

/// A directory link that stays inside the tree reaches files the run
/// rewrites under their own names: that is not a failure, and each file
/// is rewritten once.
#[cfg(unix)]
#[test]
fn in_place_rewrites_a_file_once_when_a_link_inside_the_tree_reaches_it_again() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(tree.join("sub")).unwrap();
    fs::write(tree.join("sub/s.txt"), TRAD).unwrap();
    symlink("sub", tree.join("again")).unwrap();
    let o = run(&["--in-place", p(&tree), "--report", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(tree.join("sub/s.txt")).unwrap(), SIMP);
    let report = String::from_utf8(o.stdout).unwrap();
    let all = records(&report);
    assert_eq!(record_of(&all, "sub/s.txt")["status"], "ok");
    assert_eq!(record_of(&all, "again/s.txt")["status"], "alias");
}

// Item 3: the report may not overwrite inputs or outputs.

#[test]
fn report_naming_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("x.txt"), TRAD).unwrap();
    fs::write(dir.path().join("single.txt"), TRAD).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "-o",
        p(&out),
        p(&input),
        "--report",
        p(&input.join("x.txt")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--report"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(input.join("x.txt")).unwrap(), TRAD);
    assert!(!out.exists());
    // A new file inside the input tree would be read by the next run.
    let o = run(&[
        "-o",
        p(&out),
        p(&input),
        "--report",
        p(&input.join("r.jsonl")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!input.join("r.jsonl").exists());
    // In place, an input file named as the report.
    let single = dir.path().join("single.txt");
    let o = run(&["--in-place", p(&single), "--report", p(&single)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&single).unwrap(), TRAD);
}

#[test]
fn report_inside_the_output_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("x.txt"), TRAD).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = fs::read(out.join("x.txt")).unwrap();
    let o = run(&["-o", p(&out), p(&input), "--report", p(&out.join("x.txt"))]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read(out.join("x.txt")).unwrap(), before);
    // The same place spelled through `..`.
    let spelled = out.join("..").join("out").join("x.txt");
    let o = run(&["-o", p(&out), p(&input), "--report", p(&spelled)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read(out.join("x.txt")).unwrap(), before);
    // Outside both, it is written.
    let ok = dir.path().join("report.jsonl");
    let o = run(&["-q", "-o", p(&out), p(&input), "--report", p(&ok)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(ok.exists());
}

// Item 4: the output directory is never read as input.

#[cfg(unix)]
#[test]
fn link_to_the_output_directory_inside_the_input_tree_is_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.txt"), TRAD).unwrap();
    // Dangling on the first run: the output directory does not exist yet.
    symlink("../out", input.join("o")).unwrap();
    let out = dir.path().join("out");
    let parent_link = dir.path().join("via");
    symlink(dir.path(), &parent_link).unwrap();
    let spellings = [
        p(&out).to_owned(),
        format!("{}/", p(&out)),
        "out".to_owned(),
        "./in/../out".to_owned(),
        p(&parent_link.join("out")).to_owned(),
    ];
    for (i, spelling) in spellings.iter().enumerate() {
        let o = run_in(dir.path(), &["-o", spelling, "in", "--report", "-"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "run {i} ({spelling}): {}",
            stderr(&o)
        );
        let report = String::from_utf8(o.stdout).unwrap();
        assert_eq!(summary(&report)["inputs"], 1, "{spelling}: {report}");
        assert_eq!(files(&out), ["a.txt"], "{spelling}");
    }
}

#[test]
fn output_directory_inside_the_input_tree_is_refused_and_not_walked() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.txt"), TRAD).unwrap();
    for spelling in ["in/out", "in/./out/", "./in/sub/../out"] {
        let o = run_in(dir.path(), &["-o", spelling, "in"]);
        assert_eq!(o.status.code(), Some(2), "{spelling}: {}", stderr(&o));
        assert_eq!(files(&input), ["a.txt"], "{spelling}");
    }
}

// Item 7: a file changed during --in-place is not replaced.

#[test]
fn file_appended_to_during_in_place_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    let file = tree.join("big.txt");
    // Large enough that converting it outlasts the append below.
    let original = TRAD.repeat(200_000);
    fs::write(&file, &original).unwrap();
    let child = zhnorm()
        .args(["-j", "1", "--in-place", p(&tree), "--report", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The temporary output exists once the input has been opened.
    let started = Instant::now();
    loop {
        let tmp = fs::read_dir(&tree)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"));
        if tmp {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no temporary output"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let appended = "後來加上的一行。\n".repeat(641);
    fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap()
        .write_all(appended.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("changed"), "{}", stderr(&o));
    // Nothing lost: the original and every appended line, untouched.
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!("{original}{appended}")
    );
    let report = String::from_utf8(o.stdout).unwrap();
    let all = records(&report);
    assert_eq!(record_of(&all, "big.txt")["status"], "failed");
    assert_eq!(record_of(&all, "big.txt")["bytes_out"], 0);
    assert_eq!(files(&tree), ["big.txt"], "no temporary file is left");
    // The next run takes it up.
    let o = run(&["-q", "--in-place", p(&tree)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::read_to_string(&file).unwrap().starts_with(SIMP));
}

// Item 8.

/// A process id that no process has now.
#[cfg(target_os = "linux")]
fn unused_pid() -> u32 {
    (2..u32::MAX)
        .rev()
        .map(|n| n % 4_000_000)
        .find(|pid| *pid > 1 && !Path::new(&format!("/proc/{pid}")).exists())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn in_place_sweeps_temporary_files_a_killed_run_left() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(tree.join("sub")).unwrap();
    fs::write(tree.join("a.txt"), TRAD).unwrap();
    fs::write(tree.join("sub/b.txt"), TRAD).unwrap();
    let dead = unused_pid();
    let stale = [
        tree.join(format!(".a.txt.zhnorm-{dead}-0.tmp")),
        tree.join(format!("sub/.b.txt.zhnorm-{dead}-3.tmp")),
    ];
    for s in &stale {
        fs::write(s, "half of a conversion").unwrap();
    }
    // A live process's temporary file (this test's) and a look-alike that
    // is not zhnorm's are left alone.
    let live = tree.join(format!(".a.txt.zhnorm-{}-0.tmp", std::process::id()));
    fs::write(&live, "being written").unwrap();
    let lookalike = tree.join(".notes.zhnorm-draft.tmp");
    fs::write(&lookalike, "mine").unwrap();
    let o = run(&["-q", "--in-place", p(&tree)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for s in &stale {
        assert!(!s.exists(), "{} not swept", s.display());
    }
    assert!(live.exists() && lookalike.exists());
    assert_eq!(fs::read_to_string(tree.join("a.txt")).unwrap(), SIMP);
}

#[test]
fn temporary_file_of_a_killed_in_place_run_is_swept_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    let file = tree.join("big.txt");
    fs::write(&file, TRAD.repeat(200_000)).unwrap();
    let mut child = zhnorm()
        .args(["-q", "-j", "1", "--in-place", p(&tree)])
        .spawn()
        .unwrap();
    let tmp_exists = || {
        fs::read_dir(&tree)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
    };
    let started = Instant::now();
    while !tmp_exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no temporary output"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL: no cleanup runs
    child.wait().unwrap();
    assert!(tmp_exists(), "the killed run left its temporary file");
    assert_eq!(fs::read_to_string(&file).unwrap(), TRAD.repeat(200_000));
    let o = run(&["-q", "--in-place", p(&tree)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files(&tree), ["big.txt"]);
    assert_eq!(fs::read_to_string(&file).unwrap(), SIMP.repeat(200_000));
}

/// A tmpfs of a given size, unmounted when dropped.
#[cfg(target_os = "linux")]
struct SmallDisk(PathBuf);

#[cfg(target_os = "linux")]
impl SmallDisk {
    /// `None` where mounting is not allowed (not root).
    fn mount(at: &Path, size: &str) -> Option<SmallDisk> {
        fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", p(at)])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(at.to_owned()))
    }
}

#[cfg(target_os = "linux")]
impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn disk_full_is_fatal_and_the_report_claims_no_bytes_for_failed_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let text = TRAD.repeat(4000); // 192 KB each
    for i in 0..12 {
        fs::write(input.join(format!("f{i:02}.txt")), &text).unwrap();
    }
    let Some(disk) = SmallDisk::mount(&dir.path().join("small"), "600k") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let out = disk.0.join("out");
    let report = dir.path().join("report.jsonl");
    let o = run(&[
        "-q",
        "-j",
        "1",
        "-o",
        p(&out),
        p(&input),
        "--report",
        p(&report),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("space"), "{}", stderr(&o));
    let report = fs::read_to_string(&report).unwrap();
    let all = records(&report);
    let mut failed = 0;
    for r in all.iter().filter(|r| r["summary"] != true) {
        let name = Path::new(r["path"].as_str().unwrap()).file_name().unwrap();
        let written = out.join(name);
        match r["status"].as_str().unwrap() {
            "ok" => {
                assert_eq!(r["bytes_out"], fs::metadata(&written).unwrap().len());
                assert_eq!(fs::read_to_string(&written).unwrap(), SIMP.repeat(4000));
            }
            "failed" => {
                failed += 1;
                assert_eq!(r["bytes_out"], 0, "{r}");
                assert!(!written.exists(), "{r}");
            }
            other => panic!("unexpected status {other}: {r}"),
        }
    }
    assert!(failed > 0, "{report}");
    let s = summary(&report);
    let sum: u64 = all
        .iter()
        .filter(|r| r["summary"] != true)
        .map(|r| r["bytes_out"].as_u64().unwrap())
        .sum();
    assert_eq!(s["bytes_out"], sum);
    drop(disk);
}

#[test]
fn incremental_recognises_the_tree_under_another_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("sub")).unwrap();
    fs::write(input.join("a.txt"), TRAD).unwrap();
    fs::write(input.join("sub/b.txt"), OTHER_TRAD).unwrap();
    let o = run_in(dir.path(), &["-q", "--incremental", "-o", "out", "in"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let elsewhere = dir.path().join("in/sub");
    let spellings: [(&Path, String, String); 3] = [
        (
            dir.path(),
            p(&dir.path().join("out")).to_owned(),
            p(&input).to_owned(),
        ),
        (&elsewhere, "../../out".to_owned(), "..".to_owned()),
        (dir.path(), "./out/".to_owned(), "./in/sub/../".to_owned()),
    ];
    for (cwd, out, root) in &spellings {
        let o = run_in(cwd, &["--incremental", "-o", out, root, "--report", "-"]);
        assert_eq!(o.status.code(), Some(0), "{root}: {}", stderr(&o));
        let report = String::from_utf8(o.stdout).unwrap();
        let s = summary(&report);
        assert_eq!(
            s["up_to_date"],
            2,
            "{root} from {}: {report}",
            cwd.display()
        );
        assert_eq!(s["ok"], 0, "{report}");
    }
}

#[test]
fn duplicate_input_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), TRAD).unwrap();
    for args in [
        &["-o", "out/", "a.txt", "./a.txt"][..],
        &["--in-place", "a.txt", "a.txt"][..],
    ] {
        let o = run_in(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(!err.contains("--include"), "{err}");
        assert!(err.contains("a.txt") && err.contains("twice"), "{err}");
    }
    // A file also reached through its directory, in place.
    fs::create_dir_all(dir.path().join("d")).unwrap();
    fs::write(dir.path().join("d/b.txt"), TRAD).unwrap();
    let o = run_in(dir.path(), &["--in-place", "d", "d/b.txt"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("twice"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(dir.path().join("d/b.txt")).unwrap(),
        TRAD
    );
}

/// In place, a root's name decides no output, so two files of the same
/// name in different directories are both taken.
#[test]
fn in_place_takes_same_named_files_from_different_directories() {
    let dir = tempfile::tempdir().unwrap();
    for d in ["a", "b"] {
        fs::create_dir_all(dir.path().join(d)).unwrap();
        fs::write(dir.path().join(d).join("x.txt"), TRAD).unwrap();
    }
    let o = run_in(dir.path(), &["-q", "--in-place", "a/x.txt", "b/x.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for d in ["a", "b"] {
        assert_eq!(
            fs::read_to_string(dir.path().join(d).join("x.txt")).unwrap(),
            SIMP
        );
    }
}

// Item 19: --delete and a consistent report.

/// A mirror's source that is not mounted looks like a tree whose files
/// are all gone. `--delete` must not take that for a reason to empty the
/// mirror: a root in which nothing at all was found keeps its outputs, and
/// the run says why.
#[test]
fn delete_keeps_the_outputs_of_a_root_that_came_up_empty() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mnt");
    fs::create_dir_all(input.join("sub")).unwrap();
    fs::write(input.join("a.txt"), TRAD).unwrap();
    fs::write(input.join("sub/b.txt"), OTHER_TRAD).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--incremental", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files(&out).iter().filter(|f| !f.starts_with('.')).count(),
        2
    );
    // The mount point stays, its files are not there.
    fs::remove_file(input.join("a.txt")).unwrap();
    fs::remove_dir_all(input.join("sub")).unwrap();
    let o = run(&["--incremental", "--delete", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing found here"), "{}", stderr(&o));
    assert!(out.join("a.txt").exists() && out.join("sub/b.txt").exists());
    // With one file back, the root is evidently there, and what is gone
    // from it is mirrored.
    fs::write(input.join("a.txt"), TRAD).unwrap();
    let o = run(&["-q", "--incremental", "--delete", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("a.txt").exists());
    assert!(!out.join("sub/b.txt").exists());
}

#[test]
fn delete_removes_only_outputs_whose_inputs_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("sub")).unwrap();
    fs::write(input.join("keep.txt"), TRAD).unwrap();
    fs::write(input.join("sub/gone.txt"), OTHER_TRAD).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--incremental", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Someone else's file in the output directory.
    fs::write(out.join("notes.txt"), "not zhnorm's").unwrap();
    fs::remove_file(input.join("sub/gone.txt")).unwrap();

    // --delete needs the state of an incremental run.
    let o = run(&["-q", "--delete", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(out.join("sub/gone.txt").exists());

    let args = |extra: &[&str]| {
        let mut v = vec!["--incremental", "--delete", "-o", p(&out), p(&input)];
        v.extend_from_slice(extra);
        v.extend_from_slice(&["--report", "-"]);
        v.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let dry: Vec<String> = args(&["--dry-run"]);
    let o = run(&dry.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = String::from_utf8(o.stdout).unwrap();
    let all = records(&report);
    assert_eq!(record_of(&all, "sub/gone.txt")["status"], "would_delete");
    assert!(
        out.join("sub/gone.txt").exists(),
        "a dry run deletes nothing"
    );

    let real: Vec<String> = args(&[]);
    let o = run(&real.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = String::from_utf8(o.stdout).unwrap();
    let all = records(&report);
    assert_eq!(record_of(&all, "sub/gone.txt")["status"], "deleted");
    assert_eq!(summary(&report)["deleted"], 1);
    assert_eq!(summary(&report)["inputs"], 1);
    assert_eq!(
        files(&out)
            .iter()
            .filter(|f| !f.starts_with('.'))
            .collect::<Vec<_>>(),
        ["keep.txt", "notes.txt"]
    );
    // Forgotten: a further run deletes nothing more.
    let o = run(&real.iter().map(String::as_str).collect::<Vec<_>>());
    let report = String::from_utf8(o.stdout).unwrap();
    assert_eq!(summary(&report)["deleted"], 0, "{report}");
    assert!(out.join("notes.txt").exists());
}

#[test]
fn report_fields_agree_between_records_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.txt"), TRAD).unwrap();
    fs::write(input.join("b.txt"), OTHER_TRAD).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--incremental", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::write(input.join("c.txt"), TRAD).unwrap();
    let o = run(&["--incremental", "-o", p(&out), p(&input), "--report", "-"]);
    let report = String::from_utf8(o.stdout).unwrap();
    let all = records(&report);
    let s = summary(&report);
    let inputs: Vec<_> = all.iter().filter(|r| r["summary"] != true).collect();
    // Every summary count is the number of records with that status, by
    // the same name.
    for key in ["ok", "up_to_date", "failed", "copied", "skipped"] {
        let n = inputs.iter().filter(|r| r["status"] == key).count();
        assert_eq!(s[key], n, "{key}: {report}");
    }
    assert_eq!(s["up_to_date"], 2, "{report}");
    for key in ["bytes_in", "bytes_out"] {
        let sum: u64 = inputs.iter().map(|r| r[key].as_u64().unwrap()).sum();
        assert_eq!(s[key], sum, "{key}: {report}");
    }
    // JSON Lines inputs say so.
    let jl = dir.path().join("jl");
    fs::create_dir_all(&jl).unwrap();
    fs::write(jl.join("d.jsonl"), "{\"text\":\"臺灣\"}\n").unwrap();
    let o = run(&[
        "--format",
        "jsonl",
        "-o",
        p(&dir.path().join("jl-out")),
        p(&jl),
        "--report",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = String::from_utf8(o.stdout).unwrap();
    assert_eq!(record_of(&records(&report), "d.jsonl")["format"], "jsonl");
}
