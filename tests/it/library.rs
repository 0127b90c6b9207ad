//! The library's one entry point gives what the command line writes: every
//! fixture, under several option sets, through `zhnorm::normalize_bytes`
//! and through the binary, byte for byte; failures fail alike.

use std::path::{Path, PathBuf};
use std::process::Command;

use zhnorm::{normalize_bytes, normalize_text, NormalizeError, Options};

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() > 50, "fixtures missing: {}", out.len());
    out
}

/// What `zhnorm -q -o OUT ARGS FILE` leaves: the output, or `None` when
/// the input failed (no file is left then).
fn cli(args: &[&str], input: &Path, dir: &Path) -> Option<Vec<u8>> {
    let out = dir.join("out");
    let _ = std::fs::remove_file(&out);
    let status = Command::new(env!("CARGO_BIN_EXE_zhnorm"))
        .args(["-q", "-o"])
        .arg(&out)
        .args(args)
        .arg(input)
        .status()
        .unwrap();
    status.success().then(|| std::fs::read(&out).unwrap())
}

/// Command-line flags, and the same settings made on [`Options`].
type OptionSet = (&'static [&'static str], fn(&mut Options));

#[test]
fn one_call_writes_what_the_command_line_writes() {
    let dir = tempfile::tempdir().unwrap();
    let option_sets: [OptionSet; 4] = [
        (&[], |_| {}),
        (&["--html", "text"], |o| o.set_html("text").unwrap()),
        (&["-c", "s2twp", "--skip", "punct,width"], |o| {
            o.set_config("s2twp").unwrap();
            o.set_skip(&["punct", "width"]).unwrap();
        }),
        (&["--format", "warc", "--to", "jsonl"], |o| {
            o.set_format("warc").unwrap();
            o.set_to("jsonl").unwrap();
        }),
    ];
    let mut compared = 0;
    for (args, set) in option_sets {
        let mut options = Options::default();
        set(&mut options);
        let warc_only = args.contains(&"warc");
        for path in fixtures() {
            let is_warc = path.to_string_lossy().contains("/warc/");
            if warc_only != is_warc || path.extension().is_some_and(|e| e == "py") {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            let lib = normalize_bytes(&data, &options);
            match (cli(args, &path, dir.path()), lib) {
                (Some(expected), Ok((got, _))) => assert!(
                    expected == got,
                    "{} with {args:?}: library output differs",
                    path.display()
                ),
                (None, Err(_)) => {}
                (cli, lib) => panic!(
                    "{} with {args:?}: command line {}, library {:?}",
                    path.display(),
                    if cli.is_some() { "succeeded" } else { "failed" },
                    lib.map(|(_, o)| o)
                ),
            }
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared}");
}

#[test]
fn binary_input_fails_alike_unless_the_encoding_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.bin");
    let mut data = b"GIF89a header-ish text before the first NUL".to_vec();
    data.extend_from_slice(&[0, 1, 2, 3, 0, 0, 0xFF, 0xFE, 7]);
    std::fs::write(&path, &data).unwrap();
    assert_eq!(cli(&[], &path, dir.path()), None);
    match normalize_bytes(&data, &Options::default()) {
        Err(e @ NormalizeError::Binary { .. }) => {
            assert!(
                e.to_string().starts_with("binary data (NUL byte at offset"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    let mut latin1 = Options::default();
    latin1.set_from(Some("latin1")).unwrap();
    let expected = cli(&["--from", "latin1"], &path, dir.path()).unwrap();
    assert_eq!(normalize_bytes(&data, &latin1).unwrap().0, expected);
}

#[test]
fn text_is_cleaned_as_the_command_line_cleans_a_json_field() {
    let dir = tempfile::tempdir().unwrap();
    let values = [
        "漢字轉換&amp;測試",
        "日本語の文章です。漢字も含みます。",
        "經(jīng)濟(jì)發展，A,B測試",
        "",
        "\u{FEFF}娴嬭瘯 mojibake",
    ];
    let options = Options::default();
    for value in values {
        let path = dir.path().join("in.jsonl");
        let line = serde_json::json!({ "text": value }).to_string() + "\n";
        std::fs::write(&path, &line).unwrap();
        let written = cli(&[], &path, dir.path()).unwrap();
        let record: serde_json::Value = serde_json::from_slice(&written).unwrap();
        let (text, _) = normalize_text(value, &options);
        assert_eq!(record["text"], text.as_str(), "{value:?}");
    }
}
