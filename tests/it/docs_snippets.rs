//! The documentation's commands run as written, so README.md and docs/
//! cannot drift from the binary.
//!
//! Every fenced block whose language is a shell (`sh`, `bash`, `shell`,
//! `console`) or `cron` must have a marker on the line just above its
//! opening fence, an HTML comment that renders as nothing:
//!
//! * `<!-- doc-test: run -->`: the block is run as a `bash -e -o pipefail`
//!   script and must exit 0;
//! * `<!-- doc-test: run, exit N -->`: the same, and it must exit N;
//! * `<!-- doc-test: run, stdout -->`: also, its standard output must be
//!   exactly the next fenced block of the page (the "after" of an
//!   example);
//! * `<!-- doc-test: skip: REASON -->`: shown, not run, because it needs
//!   what a test cannot have (network, the shared corpus, Spark, pip,
//!   cargo, cron); the reason is required.
//!
//! A shell block without a marker fails [`every_command_block_is_marked`],
//! so a new page cannot leave its commands untested by accident. Each
//! block runs in a fresh temporary directory where `examples/` and
//! `tests/fixtures/` lead to one copy of the repository's (so paths read as
//! from the repository root; a block copies what it changes, and the test
//! fails if one changed the shared copy), with the binary under test first
//! on `PATH` as `zhnorm`, `HOME` pointing into the temporary directory, and
//! no standard input. docs/layout.md documents the same convention for
//! writers.
//!
//! [`relative_links_resolve`] checks that every relative link between the
//! pages names a file that exists and, with `#anchor`, a heading of it.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Languages whose blocks are commands a reader would run.
const COMMAND_LANGS: &[&str] = &["sh", "bash", "shell", "console", "cron"];

/// A block that runs longer than this has hung (a command waiting on
/// input it will never get); every documented command takes milliseconds.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq)]
enum Marker {
    Run { exit: i32, stdout: bool },
    Skip,
}

#[derive(Debug)]
struct Block {
    /// Page, relative to the repository root.
    page: String,
    /// 1-based line of the opening fence.
    line: usize,
    lang: String,
    /// The line above the fence parsed as a marker: `None` when it is no
    /// marker, `Some(Err)` when it is one but malformed.
    marker: Option<Result<Marker, String>>,
    body: String,
}

/// README.md and every page of docs/.
fn pages() -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("read docs/").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    assert!(!docs.is_empty(), "docs/ has no pages");
    pages.extend(docs);
    pages
}

fn rel(path: &Path) -> String {
    path.strip_prefix(ROOT)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn parse_marker(line: &str) -> Option<Result<Marker, String>> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim()
        .strip_prefix("doc-test:")?
        .trim();
    if let Some(reason) = inner.strip_prefix("skip:") {
        return Some(if reason.trim().is_empty() {
            Err("skip needs a reason".into())
        } else {
            Ok(Marker::Skip)
        });
    }
    let mut parts = inner.split(',').map(str::trim);
    if parts.next() != Some("run") {
        return Some(Err(format!("unknown marker {inner:?}")));
    }
    let (mut exit, mut stdout) = (0, false);
    for part in parts {
        if part == "stdout" {
            stdout = true;
        } else if let Some(n) = part.strip_prefix("exit ") {
            match n.trim().parse() {
                Ok(n) => exit = n,
                Err(_) => return Some(Err(format!("bad exit status in {inner:?}"))),
            }
        } else {
            return Some(Err(format!("unknown option {part:?} in {inner:?}")));
        }
    }
    Some(Ok(Marker::Run { exit, stdout }))
}

/// The fenced blocks of a page, in order.
fn blocks(path: &Path) -> Vec<Block> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let lang = info.split_whitespace().next().unwrap_or("").to_string();
        let marker = i.checked_sub(1).and_then(|p| parse_marker(lines[p]));
        let start = i;
        let mut body = String::new();
        i += 1;
        while i < lines.len() && !lines[i].starts_with("```") {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        assert!(
            i < lines.len(),
            "{}:{}: fence never closed",
            rel(path),
            start + 1
        );
        out.push(Block {
            page: rel(path),
            line: start + 1,
            lang,
            marker,
            body,
        });
        i += 1;
    }
    out
}

fn all_blocks() -> Vec<Block> {
    pages().iter().flat_map(|p| blocks(p)).collect()
}

#[test]
fn every_command_block_is_marked() {
    let mut problems = Vec::new();
    let mut commands = 0;
    for b in all_blocks() {
        let is_command = COMMAND_LANGS.contains(&b.lang.as_str());
        commands += usize::from(is_command);
        match (&b.marker, is_command) {
            (None, true) => problems.push(format!(
                "{}:{}: ```{} block without a doc-test marker on the line above",
                b.page, b.line, b.lang
            )),
            (Some(Err(e)), _) => problems.push(format!("{}:{}: {e}", b.page, b.line)),
            (Some(Ok(Marker::Run { .. })), _) if b.lang != "sh" && b.lang != "bash" => problems
                .push(format!(
                    "{}:{}: only sh and bash blocks can be run, not {:?}",
                    b.page, b.line, b.lang
                )),
            _ => {}
        }
    }
    assert!(commands >= 10, "found only {commands} command blocks");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_marker_grammar() {
    let run = |exit, stdout| Some(Ok(Marker::Run { exit, stdout }));
    assert_eq!(parse_marker("<!-- doc-test: run -->"), run(0, false));
    assert_eq!(
        parse_marker("<!-- doc-test: run, exit 2, stdout -->"),
        run(2, true)
    );
    assert_eq!(
        parse_marker("<!-- doc-test: skip: needs the network -->"),
        Some(Ok(Marker::Skip))
    );
    assert!(matches!(
        parse_marker("<!-- doc-test: skip: -->"),
        Some(Err(_))
    ));
    assert!(matches!(
        parse_marker("<!-- doc-test: runn -->"),
        Some(Err(_))
    ));
    assert!(matches!(
        parse_marker("<!-- doc-test: run, exit x -->"),
        Some(Err(_))
    ));
    assert_eq!(parse_marker("<!-- a comment -->"), None);
    assert_eq!(parse_marker("run"), None);
}

/// Copies the tree at `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Fails unless the trees at `a` and `b` hold the same files and bytes.
fn assert_same_tree(a: &Path, b: &Path) {
    let names = |d: &Path| -> Vec<_> {
        let mut v: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(a),
        names(b),
        "a block changed {} (blocks copy what they change)",
        b.display()
    );
    for name in names(a) {
        let (x, y) = (a.join(&name), b.join(&name));
        if x.is_dir() {
            assert_same_tree(&x, &y);
        } else {
            assert!(
                fs::read(&x).unwrap() == fs::read(&y).unwrap(),
                "a block changed {} (blocks copy what they change)",
                y.display()
            );
        }
    }
}

/// A directory holding only `zhnorm`, a link to the binary under test
/// (the one the other groups run, see `support::cli`).
fn bin_dir(under: &Path) -> PathBuf {
    let bin = std::env::var_os("ZHNORM_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_zhnorm")));
    let dir = under.join("bin");
    fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(fs::canonicalize(bin).unwrap(), dir.join("zhnorm")).unwrap();
    dir
}

struct Ran {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// One copy of the files the blocks read, made once per run: `examples/`
/// and `tests/fixtures/` as they lie in the repository.
fn fixtures(under: &Path) -> PathBuf {
    let dir = under.join("fixtures");
    copy_tree(&Path::new(ROOT).join("examples"), &dir.join("examples"));
    copy_tree(
        &Path::new(ROOT).join("tests/fixtures"),
        &dir.join("tests/fixtures"),
    );
    dir
}

/// Runs `script` with bash in a fresh directory where `examples` and
/// `tests/fixtures` lead to the copy in `fixtures`. Linking rather than
/// copying per block keeps the group fast on a busy disk; blocks copy what
/// they change, as the documentation tells its readers to.
fn run_block(script: &str, bin: &Path, fixtures: &Path) -> Ran {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    fs::create_dir_all(work.join("tests")).unwrap();
    std::os::unix::fs::symlink(fixtures.join("examples"), work.join("examples")).unwrap();
    std::os::unix::fs::symlink(fixtures.join("tests/fixtures"), work.join("tests/fixtures"))
        .unwrap();
    let home = tmp.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let script_file = tmp.path().join("block.sh");
    fs::write(&script_file, script).unwrap();
    let mut child = Command::new("bash")
        .args(["-e", "-o", "pipefail"])
        .arg(&script_file)
        .current_dir(&work)
        .env("PATH", path)
        .env("HOME", &home)
        .env_remove("ZHNORM_CORPUS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    // Read both pipes on threads so a chatty block cannot fill one and
    // stall while the test waits for it to exit.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).map(|_| v)
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).map(|_| v)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > BLOCK_TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran {
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap().unwrap_or_default(),
        stderr: err.join().unwrap().unwrap_or_default(),
    }
}

#[test]
fn documented_commands_run() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = bin_dir(tmp.path());
    let shared = fixtures(tmp.path());
    let mut failures = Vec::new();
    let mut ran = 0;
    for page in pages() {
        let page_blocks = blocks(&page);
        for (i, b) in page_blocks.iter().enumerate() {
            let Some(Ok(Marker::Run { exit, stdout })) = b.marker else {
                continue;
            };
            ran += 1;
            let r = run_block(&b.body, &bin, &shared);
            let mut wrong = Vec::new();
            match r.code {
                Some(c) if c == exit => {}
                Some(c) => wrong.push(format!("exit status {c}, documented {exit}")),
                None => wrong.push(format!(
                    "no exit status: killed by a signal or after {BLOCK_TIMEOUT:?}"
                )),
            }
            if stdout {
                match page_blocks.get(i + 1) {
                    Some(next) if next.body.as_bytes() == r.stdout => {}
                    Some(next) => wrong.push(format!(
                        "standard output differs from the block at line {}:\n{}",
                        next.line,
                        String::from_utf8_lossy(&r.stdout)
                    )),
                    None => wrong.push("marked stdout, but no block follows".into()),
                }
            }
            if !wrong.is_empty() {
                failures.push(format!(
                    "{}:{}:\n{}\n  {}\n  stderr: {}",
                    b.page,
                    b.line,
                    b.body.trim_end(),
                    wrong.join("\n  "),
                    String::from_utf8_lossy(&r.stderr).trim_end()
                ));
            }
        }
    }
    assert!(ran >= 10, "only {ran} blocks are marked to run");
    // A block that changed the shared copy would make the blocks after it
    // depend on it.
    let copy = tempfile::tempdir().unwrap();
    let pristine = fixtures(copy.path());
    for sub in ["examples", "tests/fixtures"] {
        assert_same_tree(&pristine.join(sub), &shared.join(sub));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// to hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a page's headings (outside code blocks).
fn anchors(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// The targets of the inline links `[text](target)` on a page, outside
/// code blocks and code spans, with their line numbers.
fn links(path: &Path) -> Vec<(usize, String)> {
    let text = fs::read_to_string(path).unwrap();
    let mut in_code = false;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        // Even pieces between backticks are prose, odd ones code spans.
        for prose in line.split('`').step_by(2) {
            let mut rest = prose;
            while let Some(at) = rest.find("](") {
                let after = &rest[at + 2..];
                let Some(end) = after.find(')') else { break };
                out.push((n + 1, after[..end].to_string()));
                rest = &after[end..];
            }
        }
    }
    out
}

#[test]
fn relative_links_resolve() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for page in pages() {
        for (line, target) in links(&page) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            if !dest.exists() {
                problems.push(format!("{}:{line}: {target}: no such file", rel(&page)));
                continue;
            }
            if let Some(anchor) = anchor {
                if dest.extension().is_some_and(|e| e == "md")
                    && !anchors(&dest).iter().any(|a| a == anchor)
                {
                    problems.push(format!(
                        "{}:{line}: {target}: no heading with that anchor",
                        rel(&page)
                    ));
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} relative links found");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_anchor_rule() {
    assert_eq!(
        slug(" Which text is converted (languages)"),
        "which-text-is-converted-languages"
    );
    assert_eq!(
        slug(" `RDD.pipe` and Hadoop streaming"),
        "rddpipe-and-hadoop-streaming"
    );
}
