//! Compressed input and output for batch runs: round trips, concatenated
//! streams, detection, naming, and refusal of damaged input.

use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::path::Path;

use proptest::prelude::*;
use zhnorm::formats::compress::{self, output_name, CompressWriter, Compression, ZSTD_FRAME_SIZE};

const FORMATS: [Compression; 3] = [Compression::Gzip, Compression::Zstd, Compression::Bzip2];

/// A few lines written for these tests, mixing Han, full-width
/// punctuation, ASCII and an astral character.
const TEXT: &str = "清晨的菜市场已经热闹起来，摊主们忙着摆放新鲜的蔬菜。\n\
    一位老奶奶挑了两把青菜，又问豆腐今天几点到货。\n\
    隔壁的早点铺飘出油条和豆浆的香味，排队的人越来越多。\n\
    Price: 3.5元/斤 — 𠮷野家旁边的水果摊也开张了。\n";

fn compress_bytes(c: Compression, data: &[u8]) -> Vec<u8> {
    let mut w = CompressWriter::new(c, Vec::new()).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

fn decompress(c: Compression, data: &[u8]) -> io::Result<Vec<u8>> {
    let mut r = compress::reader(c, Box::new(data))?;
    let mut out = Vec::new();
    r.read_to_end(&mut out)?;
    Ok(out)
}

/// Text long enough to need several blocks and, for zstd, several frames.
fn long_text() -> Vec<u8> {
    let mut s = Vec::new();
    let mut i = 0u32;
    while s.len() < 2 * ZSTD_FRAME_SIZE + 12_345 {
        s.extend_from_slice(format!("第{i}行：").as_bytes());
        s.extend_from_slice(TEXT.as_bytes());
        i += 1;
    }
    s
}

#[test]
fn round_trip_each_format() {
    for c in FORMATS {
        let packed = compress_bytes(c, TEXT.as_bytes());
        assert_ne!(packed, TEXT.as_bytes(), "{c}: output was not compressed");
        assert_eq!(Compression::sniff(&packed), c, "{c}: output not recognised");
        assert_eq!(decompress(c, &packed).unwrap(), TEXT.as_bytes(), "{c}");
    }
}

#[test]
fn round_trip_long_text_each_format() {
    let text = long_text();
    for c in FORMATS {
        let packed = compress_bytes(c, &text);
        assert!(packed.len() < text.len() / 2, "{c}: {} bytes", packed.len());
        assert_eq!(decompress(c, &packed).unwrap(), text, "{c}");
    }
}

#[test]
fn round_trip_empty_each_format() {
    for c in FORMATS {
        let packed = compress_bytes(c, b"");
        assert!(
            !packed.is_empty(),
            "{c}: an empty stream still has a header"
        );
        assert_eq!(decompress(c, &packed).unwrap(), b"", "{c}");
    }
}

#[test]
fn none_passes_through() {
    let packed = compress_bytes(Compression::None, TEXT.as_bytes());
    assert_eq!(packed, TEXT.as_bytes());
    assert_eq!(
        decompress(Compression::None, TEXT.as_bytes()).unwrap(),
        TEXT.as_bytes()
    );
    assert_eq!(decompress(Compression::None, b"").unwrap(), b"");
}

/// `cat a.gz b.gz > c.gz` is a valid gzip file; a single-member decoder
/// would stop after the first half without any error.
#[test]
fn gzip_reads_every_member() {
    let (first, second) = TEXT.split_at(TEXT.find('\n').unwrap() + 1);
    let mut packed = compress_bytes(Compression::Gzip, first.as_bytes());
    packed.extend(compress_bytes(Compression::Gzip, second.as_bytes()));
    assert_eq!(
        decompress(Compression::Gzip, &packed).unwrap(),
        TEXT.as_bytes()
    );
}

#[test]
fn zstd_reads_every_frame_and_skips_skippable_frames() {
    let (first, second) = TEXT.split_at(TEXT.find('\n').unwrap() + 1);
    let mut packed = compress_bytes(Compression::Zstd, first.as_bytes());
    // A skippable frame: magic 0x184D2A53, length 5, payload that is not
    // content.
    packed.extend([0x53, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]);
    packed.extend(b"meta!");
    packed.extend(compress_bytes(Compression::Zstd, second.as_bytes()));
    assert_eq!(
        decompress(Compression::Zstd, &packed).unwrap(),
        TEXT.as_bytes()
    );
}

#[test]
fn zstd_file_may_start_with_a_skippable_frame() {
    let mut packed = vec![0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0];
    packed.extend(compress_bytes(Compression::Zstd, TEXT.as_bytes()));
    assert_eq!(Compression::sniff(&packed), Compression::Zstd);
    assert_eq!(
        decompress(Compression::Zstd, &packed).unwrap(),
        TEXT.as_bytes()
    );
}

#[test]
fn zstd_writer_splits_long_input_into_frames() {
    let text = long_text();
    let packed = compress_bytes(Compression::Zstd, &text);
    let magic = [0x28, 0xb5, 0x2f, 0xfd];
    let frames = packed.windows(4).filter(|w| *w == magic).count();
    // Three frames expected; the magic could also occur by chance inside
    // compressed data, hence "at least".
    assert!(frames >= 3, "{frames} frames");
}

#[test]
fn bzip2_reads_every_stream() {
    let (first, second) = TEXT.split_at(TEXT.find('\n').unwrap() + 1);
    let mut packed = compress_bytes(Compression::Bzip2, first.as_bytes());
    packed.extend(compress_bytes(Compression::Bzip2, second.as_bytes()));
    assert_eq!(
        decompress(Compression::Bzip2, &packed).unwrap(),
        TEXT.as_bytes()
    );
}

/// Every strict prefix of a stream, down to nothing, must be an error, and
/// a truncation must say so, not pass as a shorter document.
#[test]
fn truncated_input_is_an_error_at_every_cut() {
    for c in FORMATS {
        let packed = compress_bytes(c, TEXT.as_bytes());
        for cut in 0..packed.len() {
            match decompress(c, &packed[..cut]) {
                Ok(out) => panic!(
                    "{c}: {cut} of {} bytes decoded to {} bytes without error",
                    packed.len(),
                    out.len()
                ),
                Err(e) => {
                    let message = e.to_string();
                    assert!(message.contains(&c.to_string()), "{c} cut {cut}: {message}");
                    assert_eq!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof,
                        "{c} cut {cut}: {message}"
                    );
                    assert!(message.contains("truncated"), "{c} cut {cut}: {message}");
                }
            }
        }
    }
}

#[test]
fn truncated_long_input_is_an_error() {
    let text = long_text();
    for c in FORMATS {
        let packed = compress_bytes(c, &text);
        for cut in [packed.len() / 3, packed.len() / 2, packed.len() - 1] {
            let err = decompress(c, &packed[..cut]).unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::UnexpectedEof,
                "{c} cut {cut}: {err}"
            );
        }
    }
}

/// A damaged byte either is caught or did not matter (a gzip timestamp, say);
/// never a panic, never different text.
#[test]
fn corrupt_byte_is_caught_or_harmless() {
    for c in FORMATS {
        let packed = compress_bytes(c, TEXT.as_bytes());
        let mut caught = 0;
        for i in 0..packed.len() {
            let mut damaged = packed.clone();
            damaged[i] ^= 0x5a;
            match decompress(c, &damaged) {
                Ok(out) => assert_eq!(out, TEXT.as_bytes(), "{c}: byte {i} changed the text"),
                Err(e) => {
                    caught += 1;
                    assert!(e.to_string().contains(&c.to_string()) || i < 4, "{c}: {e}");
                }
            }
        }
        assert!(caught > packed.len() / 2, "{c}: only {caught} caught");
    }
}

#[test]
fn not_compressed_at_all_is_an_error() {
    for c in FORMATS {
        let err = decompress(c, TEXT.as_bytes()).unwrap_err();
        assert_ne!(err.kind(), io::ErrorKind::UnexpectedEof, "{c}: {err}");
        assert!(err.to_string().contains("corrupt"), "{c}: {err}");
    }
}

#[test]
fn sniff_recognises_magic_bytes() {
    assert_eq!(
        Compression::sniff(&[0x1f, 0x8b, 0x08, 0]),
        Compression::Gzip
    );
    assert_eq!(
        Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0x04]),
        Compression::Zstd
    );
    assert_eq!(Compression::sniff(b"BZh9"), Compression::Bzip2);
    assert_eq!(
        Compression::sniff(b"BZh91AY&SY\x00\x00"),
        Compression::Bzip2
    );
    // End-of-stream magic: an empty bzip2 stream.
    assert_eq!(
        Compression::sniff(b"BZh9\x17\x72\x45\x38\x50\x90"),
        Compression::Bzip2
    );
    for c in FORMATS {
        assert_eq!(Compression::sniff(&compress_bytes(c, b"")), c, "{c}");
    }
}

#[test]
fn sniff_leaves_text_alone() {
    assert_eq!(Compression::sniff(TEXT.as_bytes()), Compression::None);
    assert_eq!(Compression::sniff(b""), Compression::None);
    assert_eq!(Compression::sniff(&[0x1f]), Compression::None);
    assert_eq!(Compression::sniff(&[0x1f, 0x8b, 0x41]), Compression::None);
    assert_eq!(
        Compression::sniff(b"BZh5 is a board game"),
        Compression::None
    );
    assert_eq!(Compression::sniff(b"BZhx"), Compression::None);
    assert_eq!(
        Compression::sniff("<html>中文".as_bytes()),
        Compression::None
    );
}

#[test]
fn from_path_reads_the_last_extension() {
    let cases = [
        ("a.txt.gz", Compression::Gzip),
        ("dir.gz/a.txt", Compression::None),
        ("A.HTML.GZ", Compression::Gzip),
        ("a.zst", Compression::Zstd),
        ("a.jsonl.bz2", Compression::Bzip2),
        ("a.txt", Compression::None),
        ("a.gz.txt", Compression::None),
        ("gz", Compression::None),
        (".gz", Compression::None),
        ("a.tgz", Compression::None),
    ];
    for (name, want) in cases {
        assert_eq!(Compression::from_path(Path::new(name)), want, "{name}");
    }
}

#[test]
fn detect_trusts_content_over_name() {
    let gz = compress_bytes(Compression::Gzip, TEXT.as_bytes());
    // Already decompressed by the HTTP client but still named .gz.
    assert_eq!(
        Compression::detect(Path::new("page.html.gz"), TEXT.as_bytes()),
        Compression::None
    );
    // Compressed but saved without an extension.
    assert_eq!(
        Compression::detect(Path::new("page.html"), &gz),
        Compression::Gzip
    );
    // Too short to tell: the name decides, so the reader reports truncation.
    assert_eq!(
        Compression::detect(Path::new("page.html.gz"), &gz[..2]),
        Compression::Gzip
    );
    assert_eq!(
        Compression::detect(Path::new("page.html.zst"), b""),
        Compression::Zstd
    );
}

#[test]
fn extensions_match_from_path() {
    assert_eq!(Compression::None.extension(), "");
    for c in FORMATS {
        let name = format!("x.txt.{}", c.extension());
        assert_eq!(Compression::from_path(Path::new(&name)), c);
    }
}

#[test]
fn output_name_keeps_or_strips_the_extension() {
    let cases = [
        ("x.txt.gz", Compression::Gzip, false, "x.txt.gz"),
        ("x.txt.gz", Compression::Gzip, true, "x.txt"),
        ("X.TXT.GZ", Compression::Gzip, true, "X.TXT"),
        ("x.zst", Compression::Zstd, true, "x"),
        ("x.jsonl.bz2", Compression::Bzip2, true, "x.jsonl"),
        ("网页.html.gz", Compression::Gzip, true, "网页.html"),
        // Compression found by sniffing: no extension to strip.
        ("page.html", Compression::Gzip, true, "page.html"),
        // The wrong extension is not stripped.
        ("x.txt.gz", Compression::Zstd, true, "x.txt.gz"),
        // Nothing but the extension: no shorter truthful name.
        (".gz", Compression::Gzip, true, ".gz"),
        ("x.txt", Compression::None, true, "x.txt"),
    ];
    for (name, c, strip, want) in cases {
        assert_eq!(
            output_name(OsStr::new(name), c, strip),
            OsStr::new(want),
            "{name} {c} {strip}"
        );
    }
}

#[test]
fn flush_makes_written_data_readable_so_far() {
    for c in FORMATS {
        let mut w = CompressWriter::new(c, Vec::new()).unwrap();
        w.write_all(TEXT.as_bytes()).unwrap();
        w.flush().unwrap();
        w.write_all(TEXT.as_bytes()).unwrap();
        let packed = w.finish().unwrap();
        let twice = TEXT.repeat(2);
        assert_eq!(decompress(c, &packed).unwrap(), twice.as_bytes(), "{c}");
    }
}

/// A writer that fails after accepting `room` bytes.
struct Full {
    room: usize,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// ruzstd unwraps write errors internally; the writer must keep them away
/// from it and return them.
#[test]
fn write_errors_are_returned_not_panicked() {
    let text = long_text();
    for c in FORMATS {
        let mut w = CompressWriter::new(c, Full { room: 10 }).unwrap();
        let result = w.write_all(&text).and_then(|()| w.finish().map(drop));
        let err = result.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull, "{c}: {err}");
    }
}

/// Writes `data` through the writer in the pieces `cuts` marks.
fn compress_in_pieces(c: Compression, data: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut w = CompressWriter::new(c, Vec::new()).unwrap();
    let mut cuts: Vec<usize> = cuts.iter().map(|&k| k % (data.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([data.len()]) {
        w.write_all(&data[start..cut]).unwrap();
        start = cut;
    }
    w.finish().unwrap()
}

/// Reads with a buffer of `chunk` bytes, to exercise every read size.
fn decompress_in_chunks(c: Compression, data: &[u8], chunk: usize) -> Vec<u8> {
    let mut r = compress::reader(c, Box::new(data)).unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0; chunk];
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_bytes_round_trip(
        data in proptest::collection::vec(any::<u8>(), 0..6000),
        cuts in proptest::collection::vec(any::<usize>(), 0..5),
        chunk in 1usize..300,
    ) {
        for c in FORMATS {
            let packed = compress_in_pieces(c, &data, &cuts);
            prop_assert_eq!(Compression::sniff(&packed), c);
            prop_assert_eq!(&decompress_in_chunks(c, &packed, chunk), &data);
        }
    }

    #[test]
    fn repetitive_text_round_trips(
        pieces in proptest::collection::vec(
            prop::sample::select(vec!["中文", "，", "测试", "abc", "\n", "𠮷", "  "]),
            0..2000,
        ),
    ) {
        let data = pieces.concat().into_bytes();
        for c in FORMATS {
            let packed = compress_bytes(c, &data);
            prop_assert_eq!(&decompress(c, &packed).unwrap(), &data);
        }
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compress");
    std::fs::read(dir.join(name)).unwrap()
}

/// Files made by the reference tools (`gzip -9 -n`, `zstd -19 --no-check`,
/// `bzip2 -9`, and two `zstd -3` frames concatenated) read back exactly.
#[test]
fn reference_tool_output_reads_back() {
    let text = fixture("text.txt");
    for (name, c) in [
        ("text.txt.gz", Compression::Gzip),
        ("text.txt.zst", Compression::Zstd),
        ("text.txt.bz2", Compression::Bzip2),
        ("two.zst", Compression::Zstd),
    ] {
        let packed = fixture(name);
        assert_eq!(Compression::detect(Path::new(name), &packed), c, "{name}");
        assert_eq!(decompress(c, &packed).unwrap(), text, "{name}");
    }
}

/// Our output decompresses with the reference tools, where installed (the
/// check is skipped for a tool that is missing, not failed).
#[test]
fn reference_tools_read_our_output() {
    let text = long_text();
    for (c, tool) in [
        (Compression::Gzip, "gzip"),
        (Compression::Zstd, "zstd"),
        (Compression::Bzip2, "bzip2"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("x.{}", c.extension()));
        std::fs::write(&path, compress_bytes(c, &text)).unwrap();
        let Ok(out) = std::process::Command::new(tool)
            .args(["-d", "-c"])
            .arg(&path)
            .output()
        else {
            eprintln!("{tool} not installed; skipped");
            continue;
        };
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == text,
            "{tool} decoded {} bytes",
            out.stdout.len()
        );
    }
}

#[test]
fn gzip_zero_padding_after_the_last_member_is_ignored() {
    let mut packed = compress_bytes(Compression::Gzip, TEXT.as_bytes());
    packed.extend(compress_bytes(Compression::Gzip, b"more"));
    packed.extend(std::iter::repeat_n(0u8, 100_000));
    let mut expected = TEXT.as_bytes().to_vec();
    expected.extend_from_slice(b"more");
    assert_eq!(decompress(Compression::Gzip, &packed).unwrap(), expected);
    // Anything else after the data is still refused.
    let mut junk = compress_bytes(Compression::Gzip, TEXT.as_bytes());
    junk.extend_from_slice(b"\0\0\0x");
    assert!(decompress(Compression::Gzip, &junk).is_err());
}

#[test]
fn end_member_starts_a_new_gzip_member() {
    let mut w = CompressWriter::new(Compression::Gzip, Vec::new()).unwrap();
    for part in ["一", "二", "三"] {
        w.write_all(part.as_bytes()).unwrap();
        w.end_member().unwrap();
    }
    // Without anything written since, no empty member.
    w.end_member().unwrap();
    let packed = w.finish().unwrap();
    let mut rest = &packed[..];
    let mut members = Vec::new();
    while !rest.is_empty() {
        let mut d = flate2::bufread::GzDecoder::new(rest);
        let mut out = String::new();
        d.read_to_string(&mut out).unwrap();
        rest = d.into_inner();
        members.push(out);
    }
    // finish() ends the last member, which is empty here.
    assert_eq!(members[..3], ["一", "二", "三"]);
    assert!(members[3..].iter().all(String::is_empty));
    // Other formats ignore member boundaries.
    for c in [Compression::Zstd, Compression::Bzip2, Compression::None] {
        let mut w = CompressWriter::new(c, Vec::new()).unwrap();
        w.write_all(b"a").unwrap();
        w.end_member().unwrap();
        w.write_all(b"b").unwrap();
        let packed = w.finish().unwrap();
        assert_eq!(decompress(c, &packed).unwrap(), b"ab");
    }
}
