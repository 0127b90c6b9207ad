//! Batch runs over temporary trees: mirrored output, nothing lost, failures
//! named and contained, incremental reruns, killed runs resumed, in-place
//! replacement, compressed files, and output that does not depend on -j.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::support::cli::{files, p, run, run_stdin_all as run_stdin, stderr, zhnorm};

/// GBK bytes of a short Traditional sentence written for these tests.
fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// A small tree: UTF-8, GBK and Big5 text, a hidden file, a subdirectory,
/// a binary file.
fn tree(root: &Path) {
    fs::create_dir_all(root.join("news/2024")).unwrap();
    fs::create_dir_all(root.join(".cache")).unwrap();
    fs::write(root.join("a.txt"), "臺灣的鐵路網絡覆蓋西部各大城市。\n").unwrap();
    fs::write(
        root.join("news/b.txt"),
        gbk("今天天氣很好，我們去公園散步。\r\n"),
    )
    .unwrap();
    fs::write(
        root.join("news/2024/c.txt"),
        encoding_rs::BIG5.encode("颱風過後，山區土石依然鬆動。\n").0,
    )
    .unwrap();
    fs::write(root.join(".cache/d.txt"), "隱藏的檔案也是資料。\n").unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    fs::write(root.join("news/logo.png"), png).unwrap();
}

fn expected(rel: &str) -> &'static str {
    match rel {
        "a.txt" => "台湾的铁路网络覆盖西部各大城市。\n",
        "news/b.txt" => "今天天气很好，我们去公园散步。\r\n",
        "news/2024/c.txt" => "台风过后，山区土石依然松动。\n",
        ".cache/d.txt" => "隐藏的档案也是资料。\n",
        _ => panic!("no expectation for {rel}"),
    }
}

#[test]
fn a_tree_is_mirrored_with_every_file_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    tree(&input);
    let report = dir.path().join("report.jsonl");
    let o = run(&["-q", "-o", p(&out), p(&input), "--report", p(&report)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files(&out),
        [
            ".cache/d.txt",
            "a.txt",
            "news/2024/c.txt",
            "news/b.txt",
            "news/logo.png"
        ]
    );
    for rel in [".cache/d.txt", "a.txt", "news/2024/c.txt", "news/b.txt"] {
        assert_eq!(
            fs::read_to_string(out.join(rel)).unwrap(),
            expected(rel),
            "{rel}"
        );
    }
    // The binary file is copied byte for byte, and reported as such.
    assert_eq!(
        fs::read(out.join("news/logo.png")).unwrap(),
        fs::read(input.join("news/logo.png")).unwrap()
    );
    let lines: Vec<serde_json::Value> = fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    let png = lines
        .iter()
        .find(|v| v["path"].as_str().unwrap_or("").ends_with("logo.png"))
        .unwrap();
    assert_eq!(png["status"], "copied");
    let b = lines
        .iter()
        .find(|v| v["path"].as_str().unwrap_or("").ends_with("b.txt"))
        .unwrap();
    assert_eq!(b["status"], "ok");
    assert_eq!(b["encoding"], "gb18030");
    assert_eq!(b["tidy"]["punct"], 0);
    let summary = lines.last().unwrap();
    assert_eq!(summary["summary"], true);
    assert_eq!(summary["ok"], 4);
    assert_eq!(summary["copied"], 1);
    assert_eq!(summary["failed"], 0);
    // No lock or temporary file is left; the output dir has only results.
    assert!(!out.join(".zhnorm.lock").exists());
}

#[test]
fn several_roots_keep_their_own_subtrees_and_binary_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    tree(&one);
    fs::create_dir_all(&two).unwrap();
    fs::write(two.join("e.txt"), "漢字\n").unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--binary", "skip", "-o", p(&out), p(&one), p(&two)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = files(&out);
    assert!(got.contains(&"one/a.txt".to_owned()), "{got:?}");
    assert!(got.contains(&"two/e.txt".to_owned()), "{got:?}");
    assert!(!got.iter().any(|f| f.ends_with("logo.png")), "{got:?}");
}

#[test]
fn one_bad_entry_is_named_and_the_rest_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    tree(&input);
    // An entry that cannot be read whoever runs the test (root can read a
    // chmod-000 file): a link to nothing.
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("nowhere"), input.join("broken.txt")).unwrap();
    // An output that cannot be created: a directory where a file should go.
    fs::create_dir_all(out.join("a.txt")).unwrap();
    let o = run(&["-q", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    #[cfg(unix)]
    assert!(err.contains("broken.txt"), "{err}");
    assert!(err.contains("a.txt"), "{err}");
    for rel in ["news/2024/c.txt", "news/b.txt", ".cache/d.txt"] {
        assert_eq!(
            fs::read_to_string(out.join(rel)).unwrap(),
            expected(rel),
            "{rel}"
        );
    }
    // No temporary file is left behind.
    assert!(
        !files(&out).iter().any(|f| f.ends_with(".tmp")),
        "{:?}",
        files(&out)
    );
}

#[test]
fn incremental_rerun_rewrites_nothing_and_picks_up_changes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    tree(&input);
    let o = run(&["-q", "--incremental", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = fs::metadata(out.join("a.txt")).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let o = run(&["--incremental", "-o", p(&out), p(&input), "--report", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        report.matches("\"status\":\"up_to_date\"").count(),
        5,
        "{report}"
    );
    assert_eq!(
        fs::metadata(out.join("a.txt")).unwrap().modified().unwrap(),
        before,
        "an up-to-date output is not rewritten"
    );
    // A changed and a new input are done; nothing else.
    fs::write(input.join("a.txt"), "體育新聞。\n").unwrap();
    fs::write(input.join("new.txt"), "新聞稿。\n").unwrap();
    let o = run(&["--incremental", "-o", p(&out), p(&input), "--report", "-"]);
    let report = String::from_utf8(o.stdout).unwrap();
    assert_eq!(report.matches("\"status\":\"ok\"").count(), 2, "{report}");
    assert_eq!(
        fs::read_to_string(out.join("a.txt")).unwrap(),
        "体育新闻。\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("new.txt")).unwrap(),
        "新闻稿。\n"
    );
    // Another config: everything again.
    let o = run(&[
        "--incremental",
        "-c",
        "t2tw",
        "-o",
        p(&out),
        p(&input),
        "--report",
        "-",
    ]);
    let report = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        report.matches("\"status\":\"up_to_date\"").count(),
        0,
        "{report}"
    );
}

#[test]
fn a_killed_run_leaves_no_partial_output_and_the_next_run_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    fs::create_dir_all(&input).unwrap();
    let line = "臺灣的鐵路網絡覆蓋西部各大城市，旅客可以搭乘高速鐵路。\n".repeat(4000);
    for i in 0..60 {
        fs::write(input.join(format!("f{i:02}.txt")), &line).unwrap();
    }
    let want = "台湾的铁路网络覆盖西部各大城市，旅客可以搭乘高速铁路。\n".repeat(4000);
    let mut child = zhnorm()
        .args(["-q", "-j", "1", "--incremental", "-o", p(&out), p(&input)])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL: no cleanup code runs
    child.wait().unwrap();
    // Whatever exists under a final name is complete.
    if out.exists() {
        for f in files(&out) {
            if f.starts_with("f") && f.ends_with(".txt") {
                assert_eq!(fs::read_to_string(out.join(&f)).unwrap(), want, "{f}");
            }
        }
    }
    // What the journal lists as done is there, and is not done again.
    let journal = fs::read_to_string(out.join(".zhnorm-state")).unwrap_or_default();
    let done: Vec<String> = journal
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|f| f.starts_with('f'))
        .map(str::to_owned)
        .collect();
    for f in &done {
        assert!(out.join(f).exists(), "journal lists {f}, which is missing");
    }
    // The next run takes over the stale lock, clears temporary files and
    // finishes the job.
    let report = dir.path().join("report.jsonl");
    let o = run(&[
        "-q",
        "--incremental",
        "--report",
        p(&report),
        "-o",
        p(&out),
        p(&input),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = fs::read_to_string(&report).unwrap();
    for f in &done {
        let line = report
            .lines()
            .find(|l| l.contains(&format!("/{f}\"")))
            .unwrap_or_else(|| panic!("{f} not in the report"));
        assert!(line.contains("\"up_to_date\""), "{f} redone: {line}");
    }
    let got = files(&out);
    let outputs: Vec<_> = got.iter().filter(|f| !f.starts_with('.')).collect();
    assert_eq!(outputs.len(), 60, "{got:?}");
    assert!(!got.iter().any(|f| f.ends_with(".tmp")), "{got:?}");
    for f in outputs {
        assert_eq!(fs::read_to_string(out.join(f)).unwrap(), want, "{f}");
    }
}

#[test]
fn a_live_lock_stops_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    tree(&input);
    fs::create_dir_all(&out).unwrap();
    // This test process holds the lock as a running zhnorm would.
    let held = zhnorm::batch::lock::Lock::acquire(&out).unwrap();
    let o = run(&["-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another zhnorm run"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("pid {}", std::process::id())),
        "the holder is named: {}",
        stderr(&o)
    );
    assert_eq!(files(&out), [".zhnorm.lock"]);
    drop(held);
    let o = run(&["-q", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!out.join(".zhnorm.lock").exists());
}

/// A lock file left by a killed run names a process id
/// that may belong to a live process later (after a reboot, in another
/// container). Here it names this test's own, live, process on this host;
/// nobody holds the OS lock, so the run goes ahead.
#[test]
fn a_stale_lock_whose_pid_was_reused_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    tree(&input);
    fs::create_dir_all(&out).unwrap();
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown-host".to_owned());
    let stale = format!("pid {} on {host}", std::process::id());
    fs::write(out.join(".zhnorm.lock"), &stale).unwrap();
    let o = run(&["-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&stale),
        "the old holder is named: {}",
        stderr(&o)
    );
    assert!(!out.join(".zhnorm.lock").exists());
    assert!(files(&out).iter().any(|f| !f.starts_with('.')));
}

#[test]
fn output_does_not_depend_on_jobs_and_a_second_pass_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    tree(&input);
    let mut outputs = Vec::new();
    for j in ["1", "2", "4"] {
        let out = dir.path().join(format!("out{j}"));
        let o = run(&["-q", "-j", j, "-o", p(&out), p(&input)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        outputs.push(out);
    }
    for f in files(&outputs[0]) {
        let a = fs::read(outputs[0].join(&f)).unwrap();
        for other in &outputs[1..] {
            assert_eq!(fs::read(other.join(&f)).unwrap(), a, "{f}");
        }
    }
    // zhnorm over its own output tree changes no file.
    let again = dir.path().join("again");
    let o = run(&["-q", "-o", p(&again), p(&outputs[0])]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files(&again), files(&outputs[0]));
    for f in files(&again) {
        assert_eq!(
            fs::read(again.join(&f)).unwrap(),
            fs::read(outputs[0].join(&f)).unwrap(),
            "{f}"
        );
    }
}

#[cfg(unix)]
#[test]
fn in_place_replaces_keeps_permissions_and_refuses_hard_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    tree(&input);
    fs::set_permissions(input.join("a.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::hard_link(input.join("news/b.txt"), dir.path().join("b-link.txt")).unwrap();
    let before_b = fs::read(input.join("news/b.txt")).unwrap();
    let o = run(&["-q", "--in-place", p(&input)]);
    assert_eq!(o.status.code(), Some(1), "the hard-linked file fails");
    assert!(stderr(&o).contains("hard link"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(input.join("a.txt")).unwrap(),
        expected("a.txt")
    );
    assert_eq!(
        fs::metadata(input.join("a.txt"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    assert_eq!(fs::read(input.join("news/b.txt")).unwrap(), before_b);
    assert!(!files(&input).iter().any(|f| f.ends_with(".tmp")));
}

#[test]
fn compressed_inputs_are_read_and_written_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let text = "颱風過後，山區土石依然鬆動。\n";
    // Two gzip members, as `cat a.gz b.gz` makes.
    let mut gz = Vec::new();
    for _ in 0..2 {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        gz.extend(e.finish().unwrap());
    }
    fs::write(input.join("a.txt.gz"), gz).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(text.as_bytes()).unwrap();
    fs::write(input.join("b.txt.bz2"), bz.finish().unwrap()).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = "台风过后，山区土石依然松动。\n";
    let mut s = String::new();
    use std::io::Read;
    flate2::read::MultiGzDecoder::new(fs::File::open(out.join("a.txt.gz")).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    assert_eq!(s, want.repeat(2));
    let mut s = String::new();
    bzip2::read::MultiBzDecoder::new(fs::File::open(out.join("b.txt.bz2")).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    assert_eq!(s, want);
    // --uncompressed writes plain files without the extension.
    let plain = dir.path().join("plain");
    let o = run(&["-q", "--uncompressed", "-o", p(&plain), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files(&plain), ["a.txt", "b.txt"]);
    assert_eq!(fs::read_to_string(plain.join("b.txt")).unwrap(), want);
}

#[test]
fn dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    tree(&input);
    let out = dir.path().join("out");
    let o = run(&["--dry-run", "-o", p(&out), p(&input), "--report", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!out.exists());
    let report = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        report.matches("\"status\":\"planned\"").count(),
        5,
        "{report}"
    );
}

#[test]
fn misuse_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    tree(&input);
    // A directory with nowhere to put results.
    let o = run(&[p(&input)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    // An output directory inside the input tree.
    let o = run(&["-o", p(&input.join("out")), p(&input)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("inside"), "{}", stderr(&o));
    assert!(!input.join("out").exists());
}

#[test]
fn jsonl_is_a_line_for_line_filter() {
    // What Spark's RDD.pipe or Hadoop streaming would send: one object per
    // line, a bad line among them.
    let input = "{\"id\": 1, \"text\": \"經濟發展,前景看好\", \"url\": \"http://x/a?b=1&c=2\"}\n\
                 not json at all\n\
                 {\"title\": \"標題\", \"text\": \"漢字\", \"meta\": {\"text\": \"體\"}}\r\n";
    let o = run_stdin(&["--format", "jsonl"], input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert_eq!(
        out,
        "{\"id\": 1, \"text\": \"经济发展，前景看好\", \"url\": \"http://x/a?b=1&c=2\"}\n\
         not json at all\n\
         {\"title\": \"標題\", \"text\": \"汉字\", \"meta\": {\"text\": \"體\"}}\r\n"
    );
    assert!(stderr(&o).contains("1 of 3 lines"), "{}", stderr(&o));
    // Several fields.
    let o = run_stdin(
        &["--format", "jsonl", "--field", "title", "--field", "text"],
        "{\"title\": \"標題\", \"text\": \"漢字\"}\n".as_bytes(),
    );
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "{\"title\": \"标题\", \"text\": \"汉字\"}\n"
    );
}

#[test]
fn warc_records_are_rewritten_and_still_parse() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/warc/sample.warc");
    let input = fs::read(&fixture).unwrap();
    let o = run_stdin(&["--format", "warc", "-"], &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let count = |b: &[u8], pat: &[u8]| b.windows(pat.len()).filter(|w| *w == pat).count();
    assert_eq!(count(&o.stdout, b"WARC/1."), count(&input, b"WARC/1."));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("charset=utf-8"), "charset rewritten");
    // As JSON Lines: one object per text record, readable text.
    let o = run_stdin(&["--format", "warc", "--to", "jsonl", "-"], &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["url"].is_string() && v["text"].is_string(), "{line}");
        assert!(!v["text"].as_str().unwrap().contains('<'), "{line}");
    }
    assert!(out.lines().count() >= 2, "{out}");
}

#[test]
fn utf16_files_are_decoded_not_taken_for_binary() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    fs::create_dir_all(&input).unwrap();
    let text = "颱風過後，山區土石依然鬆動。\r\nThe road is closed.\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut bom_le = vec![0xFF, 0xFE];
    bom_le.extend_from_slice(&le);
    fs::write(input.join("bom_le.txt"), &bom_le).unwrap();
    fs::write(input.join("plain_be.txt"), &be).unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    fs::write(input.join("logo.png"), &png).unwrap();
    let report = dir.path().join("report.jsonl");
    let o = run(&["-q", "--report", p(&report), "-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = "台风过后，山区土石依然松动。\r\nThe road is closed.\n";
    for name in ["bom_le.txt", "plain_be.txt"] {
        assert_eq!(fs::read_to_string(out.join(name)).unwrap(), want, "{name}");
    }
    assert_eq!(fs::read(out.join("logo.png")).unwrap(), png);
    let report = fs::read_to_string(&report).unwrap();
    let copied = report
        .lines()
        .filter(|l| l.contains("\"status\":\"copied\""))
        .count();
    assert_eq!(copied, 1, "{report}");
}

/// Text of about `bytes` bytes, written for these tests: Traditional
/// sentences, character references, mojibake, full-width letters, CRLF and
/// LF lines.
fn long_text(bytes: usize) -> String {
    let lines = [
        "臺灣的鐵路網絡覆蓋西部各大城市，旅客可以搭乘高速鐵路。\n",
        "颱風過後，山區土石依然鬆動&nbsp;&#20013;央氣象局提醒民眾注意。\r\n",
        "娴嬭瘯一下這段文字是否會被修復。\n",
        "ＡＢＣ公司發表了新產品,售價1,000元。\n",
        "\n",
        "The quick brown fox 跳過了懶狗。\n",
    ];
    let mut s = String::with_capacity(bytes + 200);
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(lines[i % lines.len()]);
        i += 1;
    }
    s
}

#[test]
fn a_large_file_on_several_threads_matches_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // Over the size where a batch run splits a file across threads.
    let text = long_text(6 << 20);
    fs::write(input.join("utf8.txt"), &text).unwrap();
    fs::write(input.join("gbk.txt"), gbk(&text)).unwrap();
    // Pinyin annotations two thirds in: the document-wide verdict must come
    // out as if the file had been read in one piece.
    let mut annotated = text.clone();
    annotated.push_str(&"經(jīng)濟(jì)發(fā)展，銀(yín)行業務。\n".repeat(20));
    let cut = text.as_bytes()[..2 << 20]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap();
    annotated.push_str(&text[..=cut]);
    fs::write(input.join("pinyin.txt"), &annotated).unwrap();
    for j in ["1", "2"] {
        let out = dir.path().join(format!("out{j}"));
        let o = run(&["-q", "-j", j, "-o", p(&out), p(&input)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        for name in ["utf8.txt", "gbk.txt", "pinyin.txt"] {
            let single = run(&["-q", p(&input.join(name))]);
            assert_eq!(single.status.code(), Some(0));
            let batch = fs::read(out.join(name)).unwrap();
            assert!(batch == single.stdout, "{name} differs with -j {j}");
        }
    }
    let pinyin = fs::read_to_string(dir.path().join("out2/pinyin.txt")).unwrap();
    assert!(pinyin.contains("经济发展，银行业务。"), "annotations left");
}

#[test]
fn progress_is_drawn_when_asked_and_hidden_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    tree(&input);
    let shown = |args: &[&str], out: &str| {
        let mut all = vec!["-j", "1", "-o", out];
        all.extend_from_slice(args);
        all.push(p(&input));
        let o = run(&all);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stderr(&o).contains("/5 files, 0 failed")
    };
    let out = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    // Standard error here is a pipe: the bar shows only when asked for.
    assert!(shown(&["--progress", "always"], &out("a")));
    assert!(!shown(&[], &out("b")));
    assert!(!shown(&["--progress", "never"], &out("c")));
    // Asked for by name, the bar wins over -q; -q alone hides it.
    assert!(shown(&["-q", "--progress", "always"], &out("d")));
}

#[test]
fn damaged_inputs_are_warned_about_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // GBK cut off in the middle of its last character.
    let mut cut = gbk("今天天氣很好");
    cut.pop();
    fs::write(input.join("cut.txt"), &cut).unwrap();
    fs::write(input.join("whole.txt"), gbk("今天天氣很好")).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-o", p(&out), p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("cut.txt: warning: 1 damaged byte spot"),
        "{err}"
    );
    assert!(!err.contains("whole.txt: warning"), "{err}");
    let quiet = run(&["-q", "-o", p(&dir.path().join("out2")), p(&input)]);
    assert!(!stderr(&quiet).contains("warning"), "{}", stderr(&quiet));
}
