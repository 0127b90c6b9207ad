//! Formats recognised and written right: JSON Lines and WARC
//! found without `--format` in every kind of run, `.warc.gz` written one
//! gzip member per record, outputs named after what they hold, compressed
//! single inputs decompressed, compressed binaries treated as binaries,
//! gzip padding read, and a malformed WARC record kept without losing the
//! records after it.
//!
//! Set `ZHNORM_TEST_BIN` to run these against another build (such as the
//! one before the change, to see them fail there).

use std::fs;
use std::io::{Read, Write};

use crate::support::cli::{gzip, p, run, run_stdin, stderr};

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

// ---------------------------------------------------------------------------
// JSON Lines

/// Records whose text has character references that decode to quotes: read
/// as text, `&quot;` becomes a bare `"` and breaks the line.
const JSONL: &str = concat!(
    "{\"id\":1,\"text\":\"他說&quot;軟體&quot;很好\",\"n\":1.5}\n",
    "\n",
    "{\"id\":2,\"text\":\"資訊&amp;網路\",\"tags\":[\"a\"]}\n",
    "{\"id\":3,\"title\":\"x\"}\n",
);

/// Every line of `out` that is not blank is a JSON object; their `text`
/// values, in order.
fn jsonl_texts(out: &[u8]) -> Vec<Option<String>> {
    let text = std::str::from_utf8(out).expect("UTF-8 output");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            assert!(v.is_object(), "not an object: {l}");
            v.get("text").and_then(|t| t.as_str()).map(str::to_owned)
        })
        .collect()
}

fn check_jsonl_output(out: &[u8], what: &str) {
    let texts = jsonl_texts(out);
    assert_eq!(texts.len(), 3, "{what}: one output record per input record");
    // The references are decoded inside the string and the quotes escaped,
    // the text converted; the record without text is left alone.
    assert_eq!(texts[0].as_deref(), Some("他说\"软体\"很好"), "{what}");
    assert_eq!(texts[1].as_deref(), Some("资讯&网路"), "{what}");
    assert_eq!(texts[2], None, "{what}");
    assert_eq!(
        out.iter().filter(|&&b| b == b'\n').count(),
        4,
        "{what}: lines kept"
    );
}

#[test]
fn jsonl_without_format_stays_json_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    // Content decides for a .txt name; the name decides for .jsonl.
    for name in ["records.txt", "records.jsonl", "records"] {
        let file = dir.path().join(name);
        fs::write(&file, JSONL).unwrap();
        let o = run(&[p(&file)]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        check_jsonl_output(&o.stdout, name);

        let dest = dir.path().join(format!("{name}.out"));
        let o = run(&["-o", p(&dest), p(&file)]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        check_jsonl_output(&fs::read(&dest).unwrap(), name);
    }

    let o = run_stdin(&[], JSONL.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    check_jsonl_output(&o.stdout, "stdin");

    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("a.txt"), JSONL).unwrap();
    fs::write(tree.join("b.ndjson.gz"), gzip(JSONL.as_bytes())).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "-o", p(&out), p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_jsonl_output(&fs::read(out.join("a.txt")).unwrap(), "batch");
    check_jsonl_output(
        &gunzip(&fs::read(out.join("b.ndjson.gz")).unwrap()),
        "batch gz",
    );

    let o = run(&["-q", "--in-place", p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_jsonl_output(&fs::read(tree.join("a.txt")).unwrap(), "in place");
}

#[test]
fn text_that_merely_starts_like_json_is_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    // One object line, then prose: not JSON Lines, so cleaned as text
    // (the reference decoded).
    fs::write(&file, "{\"a\":1}\n他說&quot;軟體&quot;\n").unwrap();
    let o = run(&[p(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("他说\"软体\""), "{out}");
}

#[test]
fn field_and_to_warn_for_inputs_not_of_their_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("plain.txt");
    fs::write(&text, "軟體\n").unwrap();
    let o = run(&["--field", "body", p(&text)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("plain.txt") && err.contains("--field"),
        "{err}"
    );
    let o = run(&["--to", "jsonl", p(&text)]);
    let err = stderr(&o);
    assert!(err.contains("plain.txt") && err.contains("--to"), "{err}");

    // Given to a JSON Lines input, --field applies without a warning.
    let records = dir.path().join("r.jsonl");
    fs::write(&records, "{\"body\":\"軟體\",\"text\":\"軟體\"}\n").unwrap();
    let o = run(&["--field", "body", p(&records)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("--field"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["body"], "软体");
    assert_eq!(v["text"], "軟體");
}

// ---------------------------------------------------------------------------
// WARC

/// A WARC response record with an HTTP response holding `body`.
fn response(uri: &str, charset: &str, body: &[u8]) -> Vec<u8> {
    let mut http = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset={charset}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    http.extend_from_slice(body);
    record("response", uri, "application/http; msgtype=response", &http)
}

fn record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
         WARC-Date: 2024-01-01T00:00:00Z\r\n\
         WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{:012}>\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        uri.len(),
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn big5(s: &str) -> Vec<u8> {
    encoding_rs_big5(s)
}

/// Big5 bytes of the few characters these tests use (kept here so the test
/// does not depend on the decoder it checks).
fn encoding_rs_big5(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in s.chars() {
        match c {
            '軟' => out.extend_from_slice(&[0xB3, 0x6E]),
            '體' => out.extend_from_slice(&[0xC5, 0xE9]),
            '網' => out.extend_from_slice(&[0xBA, 0xF4]),
            '路' => out.extend_from_slice(&[0xB8, 0xF4]),
            c if c.is_ascii() => out.push(c as u8),
            c => panic!("no Big5 for {c}"),
        }
    }
    out
}

/// A small WARC: warcinfo, two Big5 HTML responses, a request.
fn sample_warc() -> Vec<u8> {
    let mut w = record(
        "warcinfo",
        "x",
        "application/warc-fields",
        b"software: test\r\n",
    );
    w.extend(response(
        "http://example.com/1",
        "big5",
        &big5("<html><body><p>軟體</p></body></html>"),
    ));
    w.extend(record(
        "request",
        "http://example.com/1",
        "application/http; msgtype=request",
        b"GET /1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
    ));
    w.extend(response(
        "http://example.com/2",
        "big5",
        &big5("<html><body><p>網路</p></body></html>"),
    ));
    w
}

/// One parsed record: its WARC fields and block.
struct Rec {
    fields: Vec<(String, String)>,
    block: Vec<u8>,
}

impl Rec {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a whole WARC strictly: version line, fields, blank line,
/// exactly Content-Length bytes of block, CRLF CRLF; nothing else.
fn parse_warc(mut data: &[u8]) -> Vec<Rec> {
    let mut recs = Vec::new();
    while !data.is_empty() {
        let end = data
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header ends with a blank line");
        let head = std::str::from_utf8(&data[..end]).expect("UTF-8 header");
        let mut lines = head.split("\r\n");
        let version = lines.next().unwrap();
        assert!(version.starts_with("WARC/1."), "version line {version:?}");
        let fields: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').expect("a field line has a colon");
                (k.to_owned(), v.trim().to_owned())
            })
            .collect();
        let len: usize = fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
            .expect("Content-Length")
            .1
            .parse()
            .unwrap();
        let body = &data[end + 4..];
        assert!(body.len() >= len + 4, "block cut short");
        assert_eq!(&body[len..len + 4], b"\r\n\r\n", "Content-Length is right");
        recs.push(Rec {
            fields,
            block: body[..len].to_vec(),
        });
        data = &body[len + 4..];
    }
    recs
}

/// The payload text of an HTTP response record.
fn http_payload(rec: &Rec) -> String {
    let i = rec.block.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    String::from_utf8(rec.block[i + 4..].to_vec()).expect("UTF-8 payload")
}

fn check_warc_output(out: &[u8], what: &str) {
    let recs = parse_warc(out);
    assert_eq!(recs.len(), 4, "{what}: every record kept");
    let kinds: Vec<_> = recs.iter().map(|r| r.get("WARC-Type").unwrap()).collect();
    assert_eq!(
        kinds,
        ["warcinfo", "response", "request", "response"],
        "{what}"
    );
    assert!(http_payload(&recs[1]).contains("软体"), "{what}");
    assert!(http_payload(&recs[3]).contains("网路"), "{what}");
    // The request is copied byte for byte.
    assert_eq!(
        recs[2].block, b"GET /1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "{what}"
    );
}

/// Splits a gzip file into its members' decompressed contents.
fn gzip_members(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut members = Vec::new();
    while !data.is_empty() {
        let mut d = flate2::bufread::GzDecoder::new(data);
        let mut out = Vec::new();
        d.read_to_end(&mut out).expect("a whole gzip member");
        data = d.into_inner();
        members.push(out);
    }
    members
}

/// Each gzip member holds exactly one whole record; together they are the
/// WARC.
fn check_warc_gz(gz: &[u8], what: &str) {
    let members = gzip_members(gz);
    for (i, m) in members.iter().enumerate() {
        assert_eq!(parse_warc(m).len(), 1, "{what}: member {i} is one record");
    }
    check_warc_output(&members.concat(), what);
}

#[test]
fn warc_without_format_is_processed_as_warc() {
    let dir = tempfile::tempdir().unwrap();
    let warc = sample_warc();
    for name in ["crawl.warc", "crawl.dat"] {
        let file = dir.path().join(name);
        fs::write(&file, &warc).unwrap();
        let o = run(&[p(&file)]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        check_warc_output(&o.stdout, name);
    }
    let o = run_stdin(&[], &warc);
    assert!(o.status.success(), "{}", stderr(&o));
    check_warc_output(&o.stdout, "stdin");

    // Compressed, given singly: decompressed to standard output.
    let gz = dir.path().join("crawl.warc.gz");
    fs::write(&gz, gzip(&warc)).unwrap();
    let o = run(&[p(&gz)]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_warc_output(&o.stdout, "single .warc.gz");

    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("a.warc"), &warc).unwrap();
    fs::write(tree.join("b.warc.gz"), gzip(&warc)).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "-o", p(&out), p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_warc_output(&fs::read(out.join("a.warc")).unwrap(), "batch");
    check_warc_gz(&fs::read(out.join("b.warc.gz")).unwrap(), "batch .warc.gz");

    let o = run(&["-q", "--in-place", p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_warc_output(&fs::read(tree.join("a.warc")).unwrap(), "in place");
    check_warc_gz(
        &fs::read(tree.join("b.warc.gz")).unwrap(),
        "in place .warc.gz",
    );
}

#[test]
fn warc_gz_output_is_one_member_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let warc = sample_warc();
    let plain = dir.path().join("in.warc");
    fs::write(&plain, &warc).unwrap();
    let gz = dir.path().join("in.warc.gz");
    fs::write(&gz, gzip(&warc)).unwrap();
    // A single input to a .warc.gz name: gzip, one member per record,
    // whether the input was compressed or not, with or without --format.
    for (input, extra) in [(&plain, None), (&gz, None), (&plain, Some("warc"))] {
        let dest = dir.path().join("out.warc.gz");
        let mut args = vec!["-o", p(&dest)];
        if let Some(f) = extra {
            args.extend(["--format", f]);
        }
        args.push(p(input));
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        check_warc_gz(&fs::read(&dest).unwrap(), p(input));
    }
}

#[test]
fn outputs_are_named_after_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("x.warc.gz"), gzip(&sample_warc())).unwrap();
    fs::write(tree.join("y.warc"), sample_warc()).unwrap();
    let out = dir.path().join("out");
    let o = run(&["-q", "--to", "jsonl", "-o", p(&out), p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("x.warc.gz").exists() && !out.join("y.warc").exists());
    let texts = jsonl_texts(&gunzip(&fs::read(out.join("x.jsonl.gz")).unwrap()));
    assert_eq!(texts.len(), 2);
    assert!(texts[0].as_deref().unwrap().contains("软体"));
    assert_eq!(
        jsonl_texts(&fs::read(out.join("y.jsonl")).unwrap()).len(),
        2
    );

    let out2 = dir.path().join("out2");
    fs::remove_file(tree.join("y.warc")).unwrap();
    let o = run(&[
        "-q",
        "--to",
        "jsonl",
        "--uncompressed",
        "-o",
        p(&out2),
        p(&tree),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        jsonl_texts(&fs::read(out2.join("x.jsonl")).unwrap()).len(),
        2
    );

    // --html text: the page's text under a .txt name; a .txt input keeps
    // its name.
    let pages = dir.path().join("pages");
    fs::create_dir(&pages).unwrap();
    fs::write(
        pages.join("page.html"),
        "<html><body><p>軟體</p></body></html>",
    )
    .unwrap();
    fs::write(pages.join("note.txt"), "軟體\n").unwrap();
    let out3 = dir.path().join("out3");
    let o = run(&["-q", "--html", "text", "-o", p(&out3), p(&pages)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out3.join("page.html").exists());
    assert_eq!(
        fs::read_to_string(out3.join("page.txt")).unwrap().trim(),
        "软体"
    );
    assert!(out3.join("note.txt").exists());
}

#[test]
fn to_jsonl_is_not_written_in_place_under_a_warc_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.warc");
    fs::write(&file, sample_warc()).unwrap();
    let o = run(&["-q", "--to", "jsonl", "--in-place", p(dir.path())]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(fs::read(&file).unwrap(), sample_warc());
}

#[test]
fn malformed_warc_record_is_kept_and_the_rest_processed() {
    let dir = tempfile::tempdir().unwrap();
    let good = sample_warc();
    // A record whose Content-Length is too large swallows part of the next
    // one; the one after it must still be found and processed.
    let mut bad = response(
        "http://example.com/bad",
        "big5",
        &big5("<html><body>軟體</body></html>"),
    );
    let at = bad
        .windows(16)
        .position(|w| w == b"Content-Length: ")
        .unwrap();
    bad.splice(at + 16..at + 16, *b"9");
    let mut warc = good.clone();
    let bad_offset = warc.len();
    warc.extend_from_slice(&bad);
    warc.extend(response(
        "http://example.com/after",
        "big5",
        &big5("<p>網路</p>"),
    ));
    let file = dir.path().join("x.warc");
    fs::write(&file, &warc).unwrap();
    let o = run(&[p(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("x.warc")
            && err.contains("malformed")
            && err.contains(&format!("byte {bad_offset}")),
        "{err}"
    );
    let out = o.stdout;
    // The bad record comes out exactly as it went in, between the
    // processed records before and after it.
    let pos = out
        .windows(bad.len())
        .position(|w| w == &bad[..])
        .expect("the malformed record kept byte for byte");
    check_warc_output(&out[..pos], "before the bad record");
    let after = parse_warc(&out[pos + bad.len()..]);
    assert_eq!(after.len(), 1);
    assert!(http_payload(&after[0]).contains("网路"));

    // A batch run keeps it too, and its report counts it.
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("x.warc"), &warc).unwrap();
    let report = dir.path().join("report.jsonl");
    let o = run(&[
        "-q",
        "-o",
        p(&dir.path().join("out")),
        "--report",
        p(&report),
        p(&tree),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec: serde_json::Value =
        serde_json::from_str(fs::read_to_string(&report).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(rec["warc_malformed"], 1, "{rec}");
    assert_eq!(rec["warc_first_malformed"]["offset"], bad_offset as u64);
    assert_eq!(rec["warc_records"], 6);
    let batch_out = fs::read(dir.path().join("out/x.warc")).unwrap();
    assert!(batch_out.windows(bad.len()).any(|w| w == &bad[..]));
}

// ---------------------------------------------------------------------------
// Compression

#[test]
fn single_compressed_input_is_decompressed() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("a.txt.gz");
    fs::write(&gz, gzip("軟體\n".as_bytes())).unwrap();
    let o = run(&[p(&gz)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "软体\n");
    let o = run_stdin(&[], &gzip("網路\n".as_bytes()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "网路\n");
    // To a plain name: plain; to a .gz name: gzip.
    let dest = dir.path().join("out.txt");
    let o = run(&["-o", p(&dest), p(&gz)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&dest).unwrap(), "软体\n");
    let dest = dir.path().join("out.txt.gz");
    let o = run(&["-o", p(&dest), p(&gz)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(gunzip(&fs::read(&dest).unwrap()), "软体\n".as_bytes());
}

/// A real 16×16 greyscale PNG.
fn png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..16u32 {
        raw.push(0);
        raw.extend((0..16u32).map(|x| (x * y * 7 % 256) as u8));
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&16u32.to_be_bytes());
    ihdr.extend_from_slice(&16u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", b"");
    png
}

#[test]
fn compressed_binaries_are_binaries() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    let png = png();
    let files = [
        ("image.png.gz", gzip(&png)),
        ("zeros.gz", gzip(&[0u8; 10_000])),
    ];
    for (name, data) in &files {
        fs::write(tree.join(name), data).unwrap();
    }
    fs::write(tree.join("a.txt"), "軟體\n").unwrap();
    let out = dir.path().join("out");
    let report = dir.path().join("report.jsonl");
    let o = run(&["-q", "-o", p(&out), "--report", p(&report), p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (name, data) in &files {
        assert_eq!(&fs::read(out.join(name)).unwrap(), data, "{name} copied");
    }
    let report = fs::read_to_string(&report).unwrap();
    let copied = report
        .lines()
        .filter(|l| l.contains("\"status\":\"copied\""))
        .count();
    assert_eq!(copied, 2, "{report}");

    // --uncompressed does not rename a binary copied as it is.
    let out2 = dir.path().join("out2");
    let o = run(&["-q", "--uncompressed", "-o", p(&out2), p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read(out2.join("zeros.gz")).unwrap(), files[1].1);

    let out3 = dir.path().join("out3");
    let o = run(&["-q", "--binary", "skip", "-o", p(&out3), p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out3.join("zeros.gz").exists() && !out3.join("image.png.gz").exists());
    assert!(out3.join("a.txt").exists());
}

#[test]
fn gzip_with_trailing_zero_padding_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = gzip("軟體\n".as_bytes());
    data.extend(std::iter::repeat_n(0u8, 1000));
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("a.txt.gz"), &data).unwrap();
    let o = run(&[p(&tree.join("a.txt.gz"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "软体\n");
    let out = dir.path().join("out");
    let o = run(&["-q", "--uncompressed", "-o", p(&out), p(&tree)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "软体\n");

    // Other bytes after the data are still an error.
    let mut junk = gzip(b"x\n");
    junk.extend_from_slice(b"\0\0junk");
    fs::write(tree.join("a.txt.gz"), &junk).unwrap();
    let o = run(&[p(&tree.join("a.txt.gz"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------
// JSON Lines messages and reports

#[test]
fn jsonl_warnings_name_the_line_and_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.jsonl");
    fs::write(
        &file,
        "{\"text\":\"軟體\"}\nnot JSON\nnull\n{\"text\": 5}\n",
    )
    .unwrap();
    let o = run(&[p(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let line_of = |n: u32| {
        err.lines()
            .find(|l| l.contains(&format!("line {n}:")))
            .unwrap_or_else(|| panic!("no warning for line {n}: {err}"))
            .to_owned()
    };
    assert!(line_of(2).contains("not valid JSON"), "{err}");
    assert!(line_of(3).contains("not an object but null"), "{err}");
    assert!(!line_of(3).contains("not valid JSON"), "{err}");
    let l4 = line_of(4);
    assert!(
        l4.contains("field \"text\" is a number, not a string") && !l4.contains("not valid JSON"),
        "{err}"
    );
    // Every line is still there, unchanged where it could not be cleaned.
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out, "{\"text\":\"软体\"}\nnot JSON\nnull\n{\"text\": 5}\n");
}

#[test]
fn a_field_no_record_has_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.jsonl");
    fs::write(&file, "{\"text\":\"軟體\"}\n{\"text\":\"網路\"}\n").unwrap();
    let o = run(&["--field", "txet", p(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("r.jsonl")
            && err.contains("\"txet\"")
            && err.contains("none of the 2 records"),
        "{err}"
    );
    let o = run(&["--strict", "--field", "txet", p(&file)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // A field some record has is not reported.
    let o = run(&["--field", "text", p(&file)]);
    assert!(!stderr(&o).contains("none of"), "{}", stderr(&o));
}

#[test]
fn lone_surrogate_is_kept_and_the_rest_converted() {
    let line = b"{\"text\":\"\\ud800\xe8\xbb\x9f\xe9\xab\x94\"}\n";
    for args in [&[][..], &["--format", "jsonl"]] {
        let o = run_stdin(args, line);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            String::from_utf8(o.stdout).unwrap(),
            "{\"text\":\"\\ud800软体\"}\n",
            "{args:?}"
        );
    }
}

#[test]
fn report_works_on_single_and_stdin_runs() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.jsonl");
    let o = run_stdin(&["--report", p(&report)], JSONL.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "one record and the summary");
    assert_eq!(lines[0]["status"], "ok");
    assert_eq!(lines[0]["bytes_in"], JSONL.len() as u64);
    assert_eq!(lines[0]["bytes_out"], o.stdout.len() as u64);
    assert_eq!(lines[1]["summary"], true);
    assert_eq!(lines[1]["inputs"], 1);
    assert_eq!(lines[1]["ok"], 1);

    // A single file to -o FILE, and a failed input.
    let input = dir.path().join("a.txt");
    fs::write(&input, "軟體\n").unwrap();
    let dest = dir.path().join("out.txt");
    let o = run(&["-o", p(&dest), "--report", p(&report), p(&input)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec: serde_json::Value =
        serde_json::from_str(fs::read_to_string(&report).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(rec["output"], p(&dest));
    assert_eq!(rec["bytes_out"], fs::metadata(&dest).unwrap().len());
    let missing = dir.path().join("missing.txt");
    let o = run(&["--report", p(&report), p(&missing)]);
    assert_eq!(o.status.code(), Some(1));
    let text = fs::read_to_string(&report).unwrap();
    assert!(text.contains("\"status\":\"failed\""), "{text}");
    assert!(text.contains("\"failed\":1"), "{text}");
}

#[test]
fn a_single_run_report_never_overwrites_its_input_or_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.txt");
    fs::write(&input, "軟體\n").unwrap();
    let o = run(&["--report", p(&input), p(&input)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&input).unwrap(), "軟體\n");
    let dest = dir.path().join("out.txt");
    fs::write(&dest, "before").unwrap();
    let o = run(&["-o", p(&dest), "--report", p(&dest), p(&input)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&dest).unwrap(), "before");
}
