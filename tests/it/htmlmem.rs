//! Memory one HTML element can take: a page whose markup lol_html would
//! have to hold beyond `html::MAX_MARKUP` (one enormous tag) is refused
//! rather than buffered, and is never damaged by it: a batch run copies it
//! as it came, a single run fails it. Deep nesting in text mode still
//! gives the text it gave before.

use std::fs;

use zhnorm::html::{Extractor, Rewriter, TextKind, MAX_MARKUP};

use crate::support::cli::{p, run, stderr};

/// A page in Traditional characters (which a normal run would convert)
/// holding one `<img>` whose inlined data is `over` bytes past the
/// ceiling.
fn page_with_huge_tag(over: usize) -> Vec<u8> {
    let mut page =
        String::from("<html><head><title>繁體頁面</title></head><body><p>這是漢語。</p>");
    page.push_str("<img src=\"data:image/png;base64,");
    page.push_str(&"QUJD".repeat((MAX_MARKUP + over) / 4));
    page.push_str("\" alt=\"圖片\"><p>後面還有繁體字。</p></body></html>\n");
    page.into_bytes()
}

/// `text` cut into pieces of about `size` bytes, at character boundaries.
fn pieces(mut text: &str, size: usize) -> impl Iterator<Item = &str> {
    std::iter::from_fn(move || {
        if text.is_empty() {
            return None;
        }
        let mut end = size.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let (piece, rest) = text.split_at(end);
        text = rest;
        Some(piece)
    })
}

/// The rewriter converting 體 to 体, as the real pipeline would.
fn rewrite(page: &str) -> Result<String, zhnorm::html::HtmlError> {
    let mut rw = Rewriter::new(Box::new(|text: &str, _: TextKind, out: &mut String| {
        out.push_str(&text.replace('體', "体"));
    }));
    let mut out = String::new();
    // Pieces as a reader would give them, so that the tag spans many.
    for piece in pieces(page, 64 * 1024) {
        rw.push(piece, &mut out)?;
    }
    rw.finish(&mut out)?;
    Ok(out)
}

#[test]
fn rewriter_refuses_a_tag_over_the_ceiling_with_its_own_error() {
    let page = String::from_utf8(page_with_huge_tag(1024)).unwrap();
    let err = rewrite(&page).unwrap_err();
    assert!(err.is_too_large(), "{err}");
    assert!(err.to_string().contains("32 MiB"), "{err}");
}

#[test]
fn a_tag_over_the_ceiling_inside_noscript_is_the_same_error() {
    // `<noscript>` content is parsed by a rewriter of its own.
    let page = format!(
        "<p>字體</p><noscript><img title=\"{}\"></noscript>",
        "a".repeat(MAX_MARKUP + 1024)
    );
    let err = rewrite(&page).unwrap_err();
    assert!(err.is_too_large(), "{err}");
}

#[test]
fn a_large_attribute_under_the_ceiling_is_still_rewritten() {
    // 8 MiB of readable attribute: big, but within what is held.
    let title = "字體".repeat(8 * 1024 * 1024 / 6);
    let page = format!("<p title=\"{title}\">體</p>");
    let out = rewrite(&page).unwrap();
    assert_eq!(out, page.replace('體', "体"));
}

#[test]
fn batch_copies_a_page_with_a_tag_over_the_ceiling_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let huge = page_with_huge_tag(4096);
    fs::write(input.join("huge.html"), &huge).unwrap();
    fs::write(input.join("small.html"), "<p>繁體字</p>\n").unwrap();
    let out = dir.path().join("out");
    let report = dir.path().join("report.jsonl");
    let o = run(&["-o", p(&out), "--report", p(&report), p(&input)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");

    let copied = fs::read(out.join("huge.html")).unwrap();
    assert!(
        copied == huge,
        "the page was changed ({} bytes)",
        copied.len()
    );
    // The run went on: the other page was converted.
    let small = fs::read_to_string(out.join("small.html")).unwrap();
    assert!(small.contains("繁体字"), "{small}");

    let warning = err
        .lines()
        .find(|l| l.contains("huge.html"))
        .unwrap_or_else(|| panic!("no warning names the page: {err}"));
    assert!(warning.contains("32 MiB"), "{warning}");
    assert!(warning.contains("unchanged"), "{warning}");

    let report = fs::read_to_string(&report).unwrap();
    let record: serde_json::Value = report
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with("huge.html")))
        .unwrap();
    assert_eq!(record["status"], "copied", "{record}");
    assert_eq!(record["bytes_out"].as_u64(), Some(huge.len() as u64));
    assert!(record["error"].as_str().unwrap().contains("32 MiB"));
}

#[test]
fn in_place_leaves_a_page_with_a_tag_over_the_ceiling_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("huge.html");
    let huge = page_with_huge_tag(4096);
    fs::write(&page, &huge).unwrap();
    let o = run(&["--in-place", p(dir.path())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::read(&page).unwrap() == huge, "the page was changed");
    assert!(stderr(&o).contains("huge.html"), "{}", stderr(&o));
}

#[test]
fn batch_decompresses_such_a_page_unchanged_when_asked_for_uncompressed_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let huge = page_with_huge_tag(4096);
    let gz = fs::File::create(input.join("huge.html.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &huge).unwrap();
    enc.finish().unwrap();
    let out = dir.path().join("out");
    let o = run(&["-o", p(&out), "--uncompressed", p(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let copied = fs::read(out.join("huge.html")).unwrap();
    assert!(
        copied == huge,
        "not the page's content ({} bytes)",
        copied.len()
    );
}

#[test]
fn text_mode_batch_fails_such_a_page_and_writes_nothing_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("huge.html"), page_with_huge_tag(4096)).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-o", p(&out), "--html", "text", p(&input)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("huge.html"), "{}", stderr(&o));
    assert!(stderr(&o).contains("32 MiB"), "{}", stderr(&o));
    let written: Vec<_> = fs::read_dir(&out)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn single_run_to_a_file_fails_such_a_page_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("huge.html");
    fs::write(&page, page_with_huge_tag(4096)).unwrap();
    let dest = dir.path().join("result.html");
    let o = run(&["-o", p(&dest), p(&page)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("huge.html") && err.contains("32 MiB"), "{err}");
    assert!(!dest.exists());
}

/// The text of `page` in text mode, fed in pieces.
fn extract(page: &str) -> String {
    let mut ex = Extractor::new();
    let mut out = String::new();
    for piece in pieces(page, 4096) {
        ex.push(piece, &mut out).unwrap();
    }
    ex.finish(&mut out).unwrap();
    out
}

#[test]
fn deep_nesting_gives_one_line_per_block_with_text() {
    let depth = 20_000;
    let mut page = String::from("<html><body>");
    let mut want = String::new();
    for i in 0..depth {
        // Every tenth level has a line of its own; the dropped and inline
        // elements between must not leak or lose any.
        if i % 10 == 0 {
            page.push_str(&format!("<div>層{i}<span>字</span><script>x</script>"));
            want.push_str(&format!("層{i}字\n"));
        } else if i % 10 == 5 {
            page.push_str("<td>");
        } else {
            page.push_str("<div>");
        }
    }
    page.push('底');
    want.push_str("底\n");
    for i in (0..depth).rev() {
        page.push_str(if i % 10 == 5 { "</td>" } else { "</div>" });
        if i == depth / 2 {
            page.push('中');
            want.push_str("中\n");
        }
    }
    page.push_str("</body></html>");
    assert_eq!(extract(&page), want);
}

#[test]
fn nesting_past_what_the_ceiling_holds_is_refused_not_buffered() {
    // lol_html keeps a frame per open element: 300,000 of them are past
    // the ceiling, where before the page grew memory without bound.
    let depth = 300_000;
    let page = format!("{}字{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let mut ex = Extractor::new();
    let mut out = String::new();
    let result = pieces(&page, 64 * 1024)
        .try_for_each(|piece| ex.push(piece, &mut out))
        .and_then(|()| ex.finish(&mut out).map(drop));
    let err = result.unwrap_err();
    assert!(err.is_too_large(), "{err}");
}
