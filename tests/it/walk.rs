//! Walking the inputs of a batch run over real temporary trees.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;
use zhnorm::batch::walk::{
    check_output_dir, output_path, walk, Job, WalkError, WalkOptions, WalkSetupError,
};

/// Creates `files` (paths relative to `base`, parents made as needed),
/// each holding its own path so sizes differ.
fn make(base: &Path, files: &[&str]) {
    for f in files {
        let p = base.join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, f.as_bytes()).unwrap();
    }
}

fn opts(include: &[&str], exclude: &[&str]) -> WalkOptions {
    WalkOptions {
        include: include.iter().map(|s| s.to_string()).collect(),
        exclude: exclude.iter().map(|s| s.to_string()).collect(),
        ..WalkOptions::default()
    }
}

fn run(roots: &[PathBuf], o: &WalkOptions) -> (Vec<Job>, Vec<WalkError>) {
    walk(roots, o).unwrap()
}

/// The output paths, `/`-joined, in the order walk returned them.
fn relatives(jobs: &[Job]) -> Vec<String> {
    jobs.iter()
        .map(|j| j.relative.to_str().unwrap().to_owned())
        .collect()
}

fn tree() -> TempDir {
    let t = TempDir::new().unwrap();
    make(
        t.path(),
        &[
            "pages/index.html",
            "pages/新闻/今天.html",
            "pages/新闻/notes.txt",
            "pages/a/b/c/deep.html",
            "pages/.hidden.html",
            "pages/.cache/x.txt",
            "pages/drafts/d.html",
            "pages/z.txt.gz",
        ],
    );
    t
}

#[test]
fn single_directory_root_maps_to_relative_paths() {
    let t = tree();
    let (jobs, errors) = run(&[t.path().join("pages")], &WalkOptions::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        relatives(&jobs),
        [
            ".cache/x.txt",
            ".hidden.html",
            "a/b/c/deep.html",
            "drafts/d.html",
            "index.html",
            "z.txt.gz",
            "新闻/notes.txt",
            "新闻/今天.html",
        ]
    );
    let index = jobs.iter().find(|j| j.relative == Path::new("index.html"));
    let index = index.unwrap();
    assert_eq!(index.input, t.path().join("pages/index.html"));
    assert_eq!(index.size, "pages/index.html".len() as u64);
    assert_eq!(
        output_path(Path::new("/out"), index),
        Path::new("/out/index.html")
    );
}

#[test]
fn trailing_slash_on_a_root_changes_nothing() {
    let t = tree();
    let with_slash = PathBuf::from(format!("{}/", t.path().join("pages").display()));
    let a = run(&[with_slash], &WalkOptions::default()).0;
    let b = run(&[t.path().join("pages")], &WalkOptions::default()).0;
    assert_eq!(relatives(&a), relatives(&b));
}

#[test]
fn several_roots_keep_their_own_names() {
    let t = TempDir::new().unwrap();
    make(
        t.path(),
        &["a/x.txt", "a/sub/y.txt", "b/x.txt", "c/one.html"],
    );
    let roots = [
        t.path().join("a"),
        t.path().join("b"),
        t.path().join("c/one.html"),
    ];
    let (jobs, errors) = run(&roots, &WalkOptions::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        relatives(&jobs),
        ["a/sub/y.txt", "a/x.txt", "b/x.txt", "one.html"]
    );
    assert_eq!(
        output_path(Path::new("out"), &jobs[2]),
        Path::new("out/b/x.txt")
    );
}

#[test]
fn single_file_root_maps_to_its_name() {
    let t = tree();
    let (jobs, errors) = run(
        &[t.path().join("pages/新闻/今天.html")],
        &WalkOptions::default(),
    );
    assert!(errors.is_empty());
    assert_eq!(relatives(&jobs), ["今天.html"]);
}

#[test]
fn dot_root_is_named_after_its_directory() {
    let t = TempDir::new().unwrap();
    make(t.path(), &["proj/a.txt", "other/b.txt"]);
    let roots = [t.path().join("proj/."), t.path().join("proj/../other")];
    // `proj/.` is `proj` to Path; `proj/../other` resolves to `other`.
    let (jobs, _) = run(&roots, &WalkOptions::default());
    assert_eq!(relatives(&jobs), ["other/b.txt", "proj/a.txt"]);
}

#[test]
fn roots_with_the_same_name_are_refused() {
    let t = TempDir::new().unwrap();
    make(t.path(), &["a/pages/x.txt", "b/pages/y.txt"]);
    let roots = [t.path().join("a/pages"), t.path().join("b/pages")];
    match walk(&roots, &WalkOptions::default()) {
        Err(e @ WalkSetupError::Collision { .. }) => {
            let message = e.to_string();
            assert!(
                message.contains("a/pages") && message.contains("b/pages"),
                "{message}"
            );
        }
        other => panic!("expected a collision, got {other:?}"),
    }
}

#[test]
fn file_roots_with_the_same_name_are_refused() {
    let t = TempDir::new().unwrap();
    make(t.path(), &["a/x.txt", "b/x.txt"]);
    let roots = [t.path().join("a/x.txt"), t.path().join("b/x.txt")];
    assert!(matches!(
        walk(&roots, &WalkOptions::default()),
        Err(WalkSetupError::Collision { .. })
    ));
}

#[test]
fn a_root_given_twice_is_refused() {
    let t = tree();
    let root = t.path().join("pages");
    let err = walk(&[root.clone(), root], &WalkOptions::default()).unwrap_err();
    assert!(err.to_string().contains("given twice"), "{err}");
}

#[test]
fn include_without_slash_matches_names_at_any_depth() {
    let t = tree();
    let (jobs, _) = run(&[t.path().join("pages")], &opts(&["*.html"], &[]));
    assert_eq!(
        relatives(&jobs),
        [
            ".hidden.html",
            "a/b/c/deep.html",
            "drafts/d.html",
            "index.html",
            "新闻/今天.html"
        ]
    );
}

#[test]
fn glob_with_slash_matches_the_path_from_the_root() {
    let t = tree();
    let root = [t.path().join("pages")];
    let (jobs, _) = run(&root, &opts(&["新闻/*"], &[]));
    assert_eq!(relatives(&jobs), ["新闻/notes.txt", "新闻/今天.html"]);
    // `*` does not cross `/`, `**` does.
    let (jobs, _) = run(&root, &opts(&["a/*.html"], &[]));
    assert!(jobs.is_empty(), "{:?}", relatives(&jobs));
    let (jobs, _) = run(&root, &opts(&["a/**/*.html"], &[]));
    assert_eq!(relatives(&jobs), ["a/b/c/deep.html"]);
    // A leading `/` anchors: `/*.html` is top level only.
    let (jobs, _) = run(&root, &opts(&["/*.html"], &[]));
    assert_eq!(relatives(&jobs), [".hidden.html", "index.html"]);
}

#[test]
fn exclude_wins_over_include() {
    let t = tree();
    let (jobs, _) = run(
        &[t.path().join("pages")],
        &opts(&["*.html"], &["index.html", ".*"]),
    );
    assert_eq!(
        relatives(&jobs),
        ["a/b/c/deep.html", "drafts/d.html", "新闻/今天.html"]
    );
}

#[test]
fn exclude_matching_a_directory_skips_its_contents() {
    let t = tree();
    let root = [t.path().join("pages")];
    let (jobs, _) = run(&root, &opts(&[], &["drafts", "b"]));
    let got = relatives(&jobs);
    assert!(
        !got.iter()
            .any(|r| r.starts_with("drafts/") || r.contains("/b/")),
        "{got:?}"
    );
    assert!(got.contains(&"index.html".to_owned()));
    // A trailing `/` matches directories only: a file named `d.html` stays.
    let (jobs, _) = run(&root, &opts(&[], &["d.html/", "新闻/"]));
    let got = relatives(&jobs);
    assert!(got.contains(&"drafts/d.html".to_owned()), "{got:?}");
    assert!(!got.iter().any(|r| r.starts_with("新闻")), "{got:?}");
}

#[test]
fn include_matching_a_directory_takes_its_contents() {
    let t = tree();
    let (jobs, _) = run(&[t.path().join("pages")], &opts(&["新闻/"], &[]));
    assert_eq!(relatives(&jobs), ["新闻/notes.txt", "新闻/今天.html"]);
}

#[test]
fn globs_apply_to_file_roots_by_name() {
    let t = tree();
    let roots = [
        t.path().join("pages/index.html"),
        t.path().join("pages/新闻/notes.txt"),
    ];
    let (jobs, _) = run(&roots, &opts(&[], &["*.txt"]));
    assert_eq!(relatives(&jobs), ["index.html"]);
}

#[test]
fn bad_glob_is_a_setup_error() {
    let t = tree();
    let err = walk(&[t.path().join("pages")], &opts(&["a[b"], &[])).unwrap_err();
    assert!(
        matches!(&err, WalkSetupError::Glob { pattern, .. } if pattern == "a[b"),
        "{err}"
    );
    let err = walk(&[t.path().join("pages")], &opts(&[], &["/"])).unwrap_err();
    assert!(matches!(err, WalkSetupError::Glob { .. }), "{err}");
}

#[test]
fn hidden_files_are_included() {
    let t = tree();
    let (jobs, _) = run(&[t.path().join("pages")], &WalkOptions::default());
    let got = relatives(&jobs);
    assert!(got.contains(&".hidden.html".to_owned()));
    assert!(got.contains(&".cache/x.txt".to_owned()));
}

#[test]
fn missing_root_is_reported_and_the_rest_goes_on() {
    let t = tree();
    let missing = t.path().join("nope");
    let (jobs, errors) = run(
        &[missing.clone(), t.path().join("pages")],
        &WalkOptions::default(),
    );
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, missing);
    assert!(
        errors[0].to_string().contains("no such file"),
        "{}",
        errors[0]
    );
    // Two roots were given, so `pages` keeps its name even though `nope`
    // is missing: the layout does not depend on what exists.
    assert!(relatives(&jobs).iter().all(|r| r.starts_with("pages/")));
    assert_eq!(jobs.len(), 8);
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};
    use std::os::unix::net::UnixListener;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn symlink_to_file_is_followed_under_its_own_name() {
        let t = tree();
        symlink(
            t.path().join("pages/index.html"),
            t.path().join("pages/新闻/link.html"),
        )
        .unwrap();
        let (jobs, errors) = run(&[t.path().join("pages")], &WalkOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let link = jobs
            .iter()
            .find(|j| j.relative == Path::new("新闻/link.html"))
            .expect("link taken");
        assert_eq!(link.input, t.path().join("pages/新闻/link.html"));
        assert_eq!(link.size, "pages/index.html".len() as u64);
    }

    #[test]
    fn symlinks_are_skipped_when_not_followed() {
        let t = tree();
        symlink(
            t.path().join("pages/index.html"),
            t.path().join("pages/l.html"),
        )
        .unwrap();
        symlink(t.path().join("pages/a"), t.path().join("pages/la")).unwrap();
        let o = WalkOptions {
            follow_symlinks: false,
            ..WalkOptions::default()
        };
        let (jobs, errors) = run(&[t.path().join("pages")], &o);
        assert!(errors.is_empty(), "{errors:?}");
        let got = relatives(&jobs);
        assert_eq!(got.len(), 8, "{got:?}");
        let (jobs, _) = run(&[t.path().join("pages")], &WalkOptions::default());
        let got = relatives(&jobs);
        assert!(got.contains(&"l.html".to_owned()) && got.contains(&"la/b/c/deep.html".to_owned()));
    }

    #[test]
    fn symlinked_root_is_followed_and_keeps_its_name() {
        let t = tree();
        symlink(t.path().join("pages"), t.path().join("mirror")).unwrap();
        make(t.path(), &["other/o.txt"]);
        let o = WalkOptions {
            follow_symlinks: false,
            ..WalkOptions::default()
        };
        let (jobs, _) = run(&[t.path().join("mirror"), t.path().join("other")], &o);
        let got = relatives(&jobs);
        assert!(got.contains(&"mirror/index.html".to_owned()), "{got:?}");
        assert!(got.contains(&"other/o.txt".to_owned()), "{got:?}");
    }

    /// Runs `walk` on another thread so a loop fails the test instead of
    /// hanging it.
    fn walk_with_timeout(roots: Vec<PathBuf>) -> (Vec<Job>, Vec<WalkError>) {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(walk(&roots, &WalkOptions::default()).unwrap());
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("walk did not finish: symlink loop not detected")
    }

    #[test]
    fn symlink_loop_is_reported_not_followed_forever() {
        let t = tree();
        // pages/a/b/up -> pages/a: a loop two levels deep.
        symlink(t.path().join("pages/a"), t.path().join("pages/a/b/up")).unwrap();
        // pages/self -> . : the shortest loop.
        symlink(".", t.path().join("pages/self")).unwrap();
        let (jobs, errors) = walk_with_timeout(vec![t.path().join("pages")]);
        let paths: Vec<_> = errors.iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            paths,
            [t.path().join("pages/a/b/up"), t.path().join("pages/self")]
        );
        assert!(
            errors.iter().all(|e| e.message.contains("loop")),
            "{errors:?}"
        );
        assert_eq!(jobs.len(), 8, "{:?}", relatives(&jobs));
    }

    #[test]
    fn link_to_a_sibling_directory_is_not_a_loop() {
        let t = tree();
        symlink(t.path().join("pages/新闻"), t.path().join("pages/a/news")).unwrap();
        let (jobs, errors) = walk_with_timeout(vec![t.path().join("pages")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(relatives(&jobs).contains(&"a/news/今天.html".to_owned()));
    }

    #[test]
    fn broken_symlink_is_reported_by_name() {
        let t = tree();
        let link = t.path().join("pages/dangling.html");
        symlink(t.path().join("pages/gone.html"), &link).unwrap();
        let (jobs, errors) = run(&[t.path().join("pages")], &WalkOptions::default());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, link);
        assert!(
            errors[0].message.contains("broken symbolic link"),
            "{}",
            errors[0]
        );
        assert_eq!(jobs.len(), 8);
    }

    #[test]
    fn sockets_and_fifos_are_skipped_with_a_reason() {
        let t = tree();
        let sock = t.path().join("pages/a/s.sock");
        let _listener = UnixListener::bind(&sock).unwrap();
        let fifo = t.path().join("pages/pipe");
        let made_fifo = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        let (jobs, errors) = run(&[t.path().join("pages")], &WalkOptions::default());
        assert_eq!(jobs.len(), 8);
        let sock_error = errors
            .iter()
            .find(|e| e.path == sock)
            .expect("socket reported");
        assert!(sock_error.message.contains("socket"), "{sock_error}");
        if made_fifo {
            let fifo_error = errors
                .iter()
                .find(|e| e.path == fifo)
                .expect("fifo reported");
            assert!(fifo_error.message.contains("FIFO"), "{fifo_error}");
        }
        // A special file given as a root is reported too.
        let (jobs, errors) = run(std::slice::from_ref(&sock), &WalkOptions::default());
        assert!(jobs.is_empty());
        assert_eq!(errors[0].path, sock);
    }

    #[test]
    fn unreadable_directory_is_reported_and_the_rest_goes_on() {
        let t = tree();
        let locked = t.path().join("pages/新闻");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        // Root (or CAP_DAC_OVERRIDE) reads the directory anyway; find out
        // rather than assume, and check the behaviour that then applies.
        let privileged = fs::read_dir(&locked).is_ok();
        let (jobs, errors) = run(&[t.path().join("pages")], &WalkOptions::default());
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        let got = relatives(&jobs);
        assert!(got.contains(&"index.html".to_owned()), "{got:?}");
        if privileged {
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(got.len(), 8, "{got:?}");
        } else {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].path, locked);
            assert!(
                errors[0].message.contains("cannot read directory"),
                "{}",
                errors[0]
            );
            assert_eq!(got.len(), 6, "{got:?}");
        }
    }

    #[test]
    fn output_dir_reached_through_a_link_is_refused() {
        let t = tree();
        symlink(t.path().join("pages/a"), t.path().join("alias")).unwrap();
        let err =
            check_output_dir(&[t.path().join("pages")], &t.path().join("alias/new")).unwrap_err();
        assert!(err.contains("inside the input directory"), "{err}");
    }

    #[test]
    fn skipped_directory_is_not_entered_through_links_even_before_it_exists() {
        let t = tree();
        let out = t.path().join("out");
        // Dangling: the output directory is made after the walk.
        symlink("../out", t.path().join("pages/to-out")).unwrap();
        symlink("../out/x.txt", t.path().join("pages/to-out-file.txt")).unwrap();
        let o = WalkOptions {
            skip: vec![out.clone()],
            ..WalkOptions::default()
        };
        let (jobs, errors) = run(&[t.path().join("pages")], &o);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(jobs.len(), 8, "{:?}", relatives(&jobs));
        // Once it exists, with something in it, and named another way.
        make(t.path(), &["out/x.txt", "out/sub/y.txt"]);
        let o = WalkOptions {
            skip: vec![t.path().join("pages/../out/")],
            ..WalkOptions::default()
        };
        let (jobs, errors) = run(&[t.path().join("pages")], &o);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(jobs.len(), 8, "{:?}", relatives(&jobs));
        // Without the skip the link is followed, as before.
        let (jobs, _) = run(&[t.path().join("pages")], &WalkOptions::default());
        assert_eq!(jobs.len(), 11, "{:?}", relatives(&jobs));
    }

    #[test]
    fn a_root_named_twice_in_two_spellings_is_a_duplicate() {
        let t = tree();
        symlink(t.path().join("pages"), t.path().join("mirror")).unwrap();
        let roots = [t.path().join("pages"), t.path().join("mirror")];
        match walk(&roots, &WalkOptions::default()) {
            Err(e @ WalkSetupError::Duplicate { .. }) => {
                assert_eq!(e.label(), p(&roots[1]));
                assert!(e.detail().contains("twice"), "{e}");
            }
            other => panic!("expected a duplicate, got {other:?}"),
        }
    }

    fn p(path: &Path) -> &str {
        path.to_str().unwrap()
    }
}

#[test]
fn output_dir_inside_or_equal_to_input_is_refused() {
    let t = tree();
    let pages = t.path().join("pages");
    let roots = [pages.clone()];
    let inside = check_output_dir(&roots, &pages.join("out")).unwrap_err();
    assert!(inside.contains("inside the input directory"), "{inside}");
    let deeper = check_output_dir(&roots, &pages.join("new/deeper/out")).unwrap_err();
    assert!(deeper.contains("inside"), "{deeper}");
    let equal = check_output_dir(&roots, &pages).unwrap_err();
    assert!(equal.contains("is the input directory"), "{equal}");
    // `..` cannot hide the overlap, even through a path that does not exist.
    let sneaky = t.path().join("elsewhere/../pages/out");
    assert!(check_output_dir(&roots, &sneaky).is_err());
}

#[test]
fn input_inside_output_dir_is_refused() {
    let t = tree();
    let roots = [t.path().join("pages/a"), t.path().join("pages/index.html")];
    let err = check_output_dir(&roots, &t.path().join("pages")).unwrap_err();
    assert!(err.contains("inside the output directory"), "{err}");
}

#[test]
fn separate_output_dir_is_accepted() {
    let t = tree();
    let roots = [t.path().join("pages"), t.path().join("pages/index.html")];
    check_output_dir(&roots, &t.path().join("out")).unwrap();
    check_output_dir(&roots, &t.path().join("pages-out/new")).unwrap();
    // A name that merely starts like the input is not inside it.
    check_output_dir(&[t.path().join("pages")], &t.path().join("pages2")).unwrap();
    // Missing roots are left to walk to report.
    check_output_dir(&[t.path().join("nope")], &t.path().join("nope/out")).unwrap();
}

#[test]
fn order_is_sorted_by_bytes_and_repeatable() {
    let t = TempDir::new().unwrap();
    // Created in scrambled order; byte order puts "a-b" before "a/", and
    // upper case before lower case.
    make(
        t.path(),
        &[
            "r/b.txt",
            "r/a/z.txt",
            "r/a-b.txt",
            "r/B.txt",
            "r/中.txt",
            "r/a/0.txt",
        ],
    );
    let roots = [t.path().join("r")];
    let first = run(&roots, &WalkOptions::default()).0;
    assert_eq!(
        relatives(&first),
        ["B.txt", "a-b.txt", "a/0.txt", "a/z.txt", "b.txt", "中.txt"]
    );
    for _ in 0..3 {
        assert_eq!(run(&roots, &WalkOptions::default()).0, first);
    }
}

#[test]
fn empty_directory_and_no_roots_give_no_jobs() {
    let t = TempDir::new().unwrap();
    fs::create_dir(t.path().join("empty")).unwrap();
    let (jobs, errors) = run(&[t.path().join("empty")], &WalkOptions::default());
    assert!(jobs.is_empty() && errors.is_empty());
    let (jobs, errors) = run(&[], &WalkOptions::default());
    assert!(jobs.is_empty() && errors.is_empty());
}
