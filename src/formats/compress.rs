//! Transparent compressed input and matching compressed output.
//!
//! Scraped corpora usually arrive as `.gz`, `.zst` or `.bz2`. A batch run
//! reads them through [`reader`], which decompresses as it streams, and
//! writes results through [`CompressWriter`] in the same format, so a tree of
//! `.txt.gz` files comes out as a tree of `.txt.gz` files unless the caller
//! asks for plain output ([`output_name`] renames accordingly).
//!
//! All three codecs are pure Rust (flate2 on miniz_oxide, bzip2 on
//! libbz2-rs-sys, ruzstd), so the binary needs no C toolchain.
//!
//! Every reader accepts what the reference tools write and concatenate:
//! gzip members, zstd frames (including skippable frames) and bzip2 streams
//! may follow one another, as `cat a.gz b.gz > c.gz` produces; zero bytes
//! after the last gzip member (block padding, which `gzip -t` accepts) are
//! ignored. A stream that
//! is empty, truncated or corrupt is an [`io::Error`] whose message names the
//! format, never a panic and never a silently shortened result.
//!
//! # zstd output caveats
//!
//! ruzstd's encoder implements only its `Fastest` level (about zstd level 1;
//! asking for any higher level panics inside ruzstd, so this module never
//! does). On Chinese text its output is larger than the reference tool's
//! and than gzip's: on this repository's dictionaries (1.2 MB of UTF-8
//! Chinese) it keeps 57% of the input, `zstd -1` 52%, `gzip -6` 42%,
//! `bzip2 -9` 43%. Recompress with the reference tool if size matters; the
//! files it writes are standard zstd that any decoder reads. The encoder also pulls its input from
//! a reader instead of accepting pushed writes, so [`CompressWriter`] buffers
//! [`ZSTD_FRAME_SIZE`] bytes and emits each buffer as an independent frame.
//! The matcher's window is only 128 KiB, so splitting into 1 MiB frames costs
//! little ratio, and memory stays bounded whatever the input size.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use bzip2::bufread::MultiBzDecoder;
use flate2::bufread::GzDecoder;
use flate2::write::GzEncoder;
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use ruzstd::encoding::{CompressionLevel, FrameCompressor};

/// How a file is (or is to be) compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes, passed through untouched.
    None,
    /// gzip (RFC 1952), possibly several concatenated members.
    Gzip,
    /// Zstandard, possibly several concatenated frames.
    Zstd,
    /// bzip2, possibly several concatenated streams.
    Bzip2,
}

impl Compression {
    /// The compression a file name announces, by its last extension
    /// (`.gz`, `.zst`, `.bz2`, compared ASCII-case-insensitively so `X.GZ`
    /// counts). Anything else, including no extension, is [`Compression::None`].
    ///
    /// Names can lie (a server may already have decompressed a `.gz`
    /// download), so prefer [`Compression::detect`] when the content is at
    /// hand; this is for naming outputs and for inputs that cannot be peeked.
    pub fn from_path(p: &Path) -> Self {
        let Some(ext) = p.extension() else {
            return Compression::None;
        };
        let ext = ext.as_encoded_bytes();
        if ext.eq_ignore_ascii_case(b"gz") {
            Compression::Gzip
        } else if ext.eq_ignore_ascii_case(b"zst") {
            Compression::Zstd
        } else if ext.eq_ignore_ascii_case(b"bz2") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// The compression the first bytes of a file show, by magic number.
    ///
    /// * gzip: `1f 8b 08` (the two ID bytes plus the deflate method, the
    ///   only one ever defined; the third byte keeps a stray `1f 8b` in
    ///   legacy-encoded text from being taken for gzip);
    /// * zstd: `28 b5 2f fd`, or a skippable frame `5? 2a 4d 18`, which the
    ///   format allows before the first data frame;
    /// * bzip2: `BZh` plus a block-size digit `1`–`9`, and, when at least
    ///   ten bytes are given, the block or end-of-stream magic after it, so
    ///   a text file that merely starts with "BZh5" stays text.
    ///
    /// A head too short to hold the magic is [`Compression::None`]; give at
    /// least 10 bytes when the file has them.
    pub fn sniff(head: &[u8]) -> Self {
        const BZ_BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
        const BZ_END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
        match head {
            [0x1f, 0x8b, 0x08, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            [b, 0x2a, 0x4d, 0x18, ..] if b & 0xf0 == 0x50 => Compression::Zstd,
            [b'B', b'Z', b'h', b'1'..=b'9', rest @ ..] => {
                if rest.len() < 6 || rest[..6] == BZ_BLOCK || rest[..6] == BZ_END {
                    Compression::Bzip2
                } else {
                    Compression::None
                }
            }
            _ => Compression::None,
        }
    }

    /// The compression to read a file with: its magic bytes decide, and the
    /// name is only a fallback for a head that says nothing.
    ///
    /// Why content first: scraped `.gz` files are often already decompressed
    /// by the HTTP client, and compressed pages are often saved without an
    /// extension; both read correctly this way. The fallback applies only to
    /// a head shorter than any magic (an empty or nearly empty `.gz`), which
    /// is then reported as truncated instead of passing as empty text.
    pub fn detect(path: &Path, head: &[u8]) -> Self {
        match Compression::sniff(head) {
            Compression::None if head.len() < 4 => Compression::from_path(path),
            c => c,
        }
    }

    /// The file-name extension for this compression, without the dot
    /// (`"gz"`, `"zst"`, `"bz2"`, and `""` for [`Compression::None`]),
    /// matching what [`Path::extension`] returns.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => "gz",
            Compression::Zstd => "zst",
            Compression::Bzip2 => "bz2",
        }
    }

    /// The format's name for messages.
    fn label(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A reader that yields the decompressed bytes of `inner`, or `inner`
/// itself for [`Compression::None`].
///
/// Concatenated gzip members, zstd frames (skippable frames are skipped)
/// and bzip2 streams are all read to the end. Errors name the format and
/// how far decompression got; an input that stops inside a stream is an
/// [`io::ErrorKind::UnexpectedEof`] error saying it is truncated, other
/// damage is [`io::ErrorKind::InvalidData`]. zstd frame checksums, when
/// present, are verified.
///
/// For a compressed format this reads `inner` once up front: an empty
/// input is refused here, because a zero-byte `.gz` is nearly always a
/// download that died and must not pass as an empty document (flate2 and
/// bzip2 would otherwise disagree on it).
pub fn reader<'a>(c: Compression, inner: Box<dyn Read + 'a>) -> io::Result<Box<dyn Read + 'a>> {
    if c == Compression::None {
        return Ok(inner);
    }
    Ok(Box::new(decoder(c, inner)?))
}

/// [`reader`] for a source that may be moved to another thread (a pipe
/// read by a thread of its own while the caller waits with a timeout);
/// the result can move with it.
pub fn reader_send<'a>(
    c: Compression,
    inner: Box<dyn Read + Send + 'a>,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    if c == Compression::None {
        return Ok(inner);
    }
    Ok(Box::new(decoder(c, inner)?))
}

/// The decompressing reader behind [`reader`] and [`reader_send`]: generic
/// so that it is `Send` exactly when its source is.
fn decoder<R: Read>(c: Compression, inner: R) -> io::Result<Labelled<Codec<R>>> {
    let mut source = BufReader::with_capacity(64 * 1024, inner);
    if source.fill_buf()?.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{c} input is truncated: it is empty"),
        ));
    }
    let codec = match c {
        Compression::None => Codec::Plain(source),
        Compression::Gzip => Codec::Gzip(GzMembers::new(source)),
        Compression::Bzip2 => Codec::Bzip2(MultiBzDecoder::new(source)),
        Compression::Zstd => Codec::Zstd(Box::new(ZstdReader::new(source))),
    };
    Ok(Labelled::new(c, codec))
}

/// One of the decoders, chosen at run time.
enum Codec<R: Read> {
    Plain(BufReader<R>),
    Gzip(GzMembers<BufReader<R>>),
    Bzip2(MultiBzDecoder<BufReader<R>>),
    // Boxed: its frame decoder is several times the size of the others.
    Zstd(Box<ZstdReader<BufReader<R>>>),
}

impl<R: Read> Read for Codec<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Codec::Plain(r) => r.read(buf),
            Codec::Gzip(r) => r.read(buf),
            Codec::Bzip2(r) => r.read(buf),
            Codec::Zstd(r) => r.read(buf),
        }
    }
}

/// Concatenated gzip members, read one after another, with zero bytes
/// after the last member ignored as `gzip -t` ignores them: tape and
/// block-device copies pad a file to a block boundary with zeros, and the
/// data before the padding is whole. Any other bytes after a member must
/// start another member.
struct GzMembers<R: BufRead> {
    state: GzState<R>,
}

enum GzState<R: BufRead> {
    Member(GzDecoder<R>),
    Between(R),
    Done,
}

impl<R: BufRead> GzMembers<R> {
    fn new(source: R) -> Self {
        GzMembers {
            state: GzState::Member(GzDecoder::new(source)),
        }
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match std::mem::replace(&mut self.state, GzState::Done) {
                GzState::Done => return Ok(0),
                GzState::Member(mut member) => match member.read(buf) {
                    Ok(0) => self.state = GzState::Between(member.into_inner()),
                    Ok(n) => {
                        self.state = GzState::Member(member);
                        return Ok(n);
                    }
                    Err(e) => {
                        self.state = GzState::Member(member);
                        return Err(e);
                    }
                },
                GzState::Between(mut source) => {
                    let head = match source.fill_buf() {
                        Ok(head) => head,
                        Err(e) => {
                            self.state = GzState::Between(source);
                            return Err(e);
                        }
                    };
                    if head.is_empty() {
                        return Ok(0);
                    }
                    if head[0] != 0 {
                        self.state = GzState::Member(GzDecoder::new(source));
                        continue;
                    }
                    // Zero padding: all of the rest must be zeros.
                    loop {
                        let chunk = source.fill_buf()?;
                        if chunk.is_empty() {
                            return Ok(0);
                        }
                        if chunk.iter().any(|&b| b != 0) {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                "bytes other than zero padding after the last gzip member",
                            ));
                        }
                        let n = chunk.len();
                        source.consume(n);
                    }
                }
            }
        }
    }
}

/// Wraps a decoder so that every error names the format and the position
/// in the decompressed output, and tells truncation from corruption.
struct Labelled<R> {
    format: Compression,
    inner: R,
    produced: u64,
}

impl<R: Read> Labelled<R> {
    fn new(format: Compression, inner: R) -> Self {
        Labelled {
            format,
            inner,
            produced: 0,
        }
    }

    fn wrap(&self, e: io::Error) -> io::Error {
        let what = if e.kind() == io::ErrorKind::UnexpectedEof {
            "truncated (it ends inside a compressed stream)"
        } else {
            "corrupt"
        };
        io::Error::new(
            e.kind(),
            format!(
                "{} input is {what}, after {} decompressed bytes: {e}",
                self.format, self.produced
            ),
        )
    }
}

impl<R: Read> Read for Labelled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.produced += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(self.wrap(e)),
        }
    }
}

/// Multi-frame zstd decoding on top of ruzstd's single-frame decoder.
///
/// ruzstd's own `StreamingDecoder` stops after one frame and leaves
/// skippable frames to the caller, so this drives `FrameDecoder` directly:
/// at each frame boundary it peeks for more input, decodes a few blocks at
/// a time so memory stays near one window, and checks the content checksum.
struct ZstdReader<R: BufRead> {
    source: R,
    decoder: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdReader<R> {
    fn new(source: R) -> Self {
        ZstdReader {
            source,
            decoder: FrameDecoder::new(),
            in_frame: false,
        }
    }

    /// Starts the next data frame. Returns `false` at a clean end of input.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.source.fill_buf()?.is_empty() {
                return Ok(false);
            }
            match self.decoder.init(&mut self.source) {
                Ok(()) => {
                    self.in_frame = true;
                    return Ok(true);
                }
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    // Skippable frames carry metadata for other tools; their
                    // payload is not part of the content.
                    let want = u64::from(length);
                    let skipped = io::copy(&mut (&mut self.source).take(want), &mut io::sink())?;
                    if skipped < want {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "input ends inside a skippable frame",
                        ));
                    }
                }
                Err(e) => return Err(zstd_error(e)),
            }
        }
    }

    /// Checks the finished frame's checksum, if it has one.
    fn end_frame(&mut self) -> io::Result<()> {
        self.in_frame = false;
        if let (Some(stored), Some(computed)) = (
            self.decoder.get_checksum_from_data(),
            self.decoder.get_calculated_checksum(),
        ) {
            if stored != computed {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "frame checksum mismatch (stored {stored:08x}, computed {computed:08x})"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// ruzstd reports a missing header, block or checksum as a decoder error
/// wrapping the source's `UnexpectedEof`; keep that kind so truncation is
/// told apart from corruption.
fn zstd_error(e: FrameDecoderError) -> io::Error {
    let mut truncated = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            truncated |= io.kind() == io::ErrorKind::UnexpectedEof;
        }
        source = s.source();
    }
    let kind = if truncated {
        io::ErrorKind::UnexpectedEof
    } else {
        io::ErrorKind::InvalidData
    };
    io::Error::new(kind, e.to_string())
}

impl<R: BufRead> Read for ZstdReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame && !self.next_frame()? {
                return Ok(0);
            }
            if self.decoder.can_collect() > 0 {
                let n = self.decoder.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
            }
            if self.decoder.is_finished() {
                // Finished with nothing left to collect: the frame is done.
                self.end_frame()?;
                continue;
            }
            // Each call decodes at least one block, which either adds bytes
            // or ends the frame, so this loop always progresses.
            self.decoder
                .decode_blocks(
                    &mut self.source,
                    BlockDecodingStrategy::UptoBytes(buf.len().max(64 * 1024)),
                )
                .map_err(zstd_error)?;
        }
    }
}

/// How many bytes [`CompressWriter`] gathers into each zstd frame.
///
/// ruzstd compresses whole frames from a reader, so the writer has to
/// buffer; 1 MiB is eight of ruzstd's 128 KiB windows, enough that the
/// per-frame restart costs little ratio, small enough to keep memory flat.
pub const ZSTD_FRAME_SIZE: usize = 1 << 20;

/// A writer that compresses into `W` in the given format (or passes
/// through for [`Compression::None`]).
///
/// [`CompressWriter::finish`] must be called: it writes the trailers (gzip
/// CRC and size, bzip2 end of stream, the last zstd frame) and returns the
/// inner writer. Dropping the writer unfinished leaves a truncated stream,
/// which [`reader`] will then refuse.
///
/// `flush` pushes everything written so far to `W` as decodable data: a
/// gzip sync flush, a bzip2 block end, a zstd frame end. Each costs ratio,
/// so flush only when a reader must see the data now, not per line.
pub struct CompressWriter<W: Write> {
    inner: Encoder<W>,
}

enum Encoder<W: Write> {
    None(W),
    /// `None` only for a moment inside [`CompressWriter::end_member`];
    /// `written`: whether the open member holds any data yet.
    Gzip {
        enc: Option<GzEncoder<W>>,
        written: bool,
    },
    Bzip2(bzip2::write::BzEncoder<W>),
    Zstd(ZstdWriter<W>),
}

impl<W: Write> CompressWriter<W> {
    /// Starts a compressed stream on `inner`.
    ///
    /// Levels are fixed: gzip 6 and bzip2 9 (each tool's default, as the
    /// files would have been made), zstd ruzstd's `Fastest` (the only level
    /// it implements; see the module notes).
    pub fn new(c: Compression, inner: W) -> io::Result<Self> {
        let inner = match c {
            Compression::None => Encoder::None(inner),
            Compression::Gzip => Encoder::Gzip {
                enc: Some(gzip_member(inner)),
                written: false,
            },
            Compression::Bzip2 => Encoder::Bzip2(bzip2::write::BzEncoder::new(
                inner,
                bzip2::Compression::best(),
            )),
            Compression::Zstd => Encoder::Zstd(ZstdWriter {
                inner,
                pending: Vec::new(),
                frames: 0,
            }),
        };
        Ok(CompressWriter { inner })
    }

    /// Writes the end of the stream and returns the inner writer (not
    /// flushed beyond what the encoder itself writes).
    pub fn finish(self) -> io::Result<W> {
        match self.inner {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip { enc, .. } => enc.ok_or_else(gone)?.finish(),
            Encoder::Bzip2(e) => e.finish(),
            Encoder::Zstd(mut z) => {
                // An empty input still gets one (empty) frame, so the output
                // is a valid zstd file and reads back as empty, not as
                // truncated.
                if !z.pending.is_empty() || z.frames == 0 {
                    z.emit_frame()?;
                }
                Ok(z.inner)
            }
        }
    }
}

impl<W: Write> CompressWriter<W> {
    /// Ends the current gzip member and starts the next one, if the current
    /// one holds anything; a no-op for the other formats.
    ///
    /// A `.warc.gz` must be one member per record: WARC readers and
    /// indexers (`warcio check`, `warcio index`, CDX offsets) seek to a
    /// record by the offset of its member, and refuse a file that is one
    /// member for many records.
    pub fn end_member(&mut self) -> io::Result<()> {
        if let Encoder::Gzip { enc, written } = &mut self.inner {
            if *written {
                let inner = enc.take().ok_or_else(gone)?.finish()?;
                *enc = Some(gzip_member(inner));
                *written = false;
            }
        }
        Ok(())
    }
}

/// A gzip member at gzip's default level, as the files would have been
/// made.
fn gzip_member<W: Write>(inner: W) -> GzEncoder<W> {
    GzEncoder::new(inner, flate2::Compression::new(6))
}

/// The error for a gzip writer whose inner writer was lost to a failed
/// [`CompressWriter::end_member`].
fn gone() -> io::Error {
    io::Error::other("the gzip output failed earlier and is unusable")
}

impl<W: Write> Write for CompressWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip { enc, written } => {
                let n = enc.as_mut().ok_or_else(gone)?.write(buf)?;
                *written |= n > 0;
                Ok(n)
            }
            Encoder::Bzip2(e) => e.write(buf),
            Encoder::Zstd(z) => z.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip { enc, .. } => enc.as_mut().ok_or_else(gone)?.flush(),
            Encoder::Bzip2(e) => e.flush(),
            Encoder::Zstd(z) => {
                if !z.pending.is_empty() {
                    z.emit_frame()?;
                }
                z.inner.flush()
            }
        }
    }
}

/// Buffers writes into [`ZSTD_FRAME_SIZE`] frames for ruzstd.
struct ZstdWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    frames: u64,
}

impl<W: Write> ZstdWriter<W> {
    /// Compresses `pending` as one frame and writes it out.
    ///
    /// ruzstd unwraps I/O errors on its source and drain, so it is given a
    /// slice and a `Vec` (which cannot fail) and the real write happens
    /// here, where an error can be returned instead of panicking.
    fn emit_frame(&mut self) -> io::Result<()> {
        let mut frame = Vec::with_capacity(self.pending.len() / 2 + 64);
        let mut compressor = FrameCompressor::new(CompressionLevel::Fastest);
        compressor.set_source(self.pending.as_slice());
        compressor.set_drain(&mut frame);
        compressor.compress();
        drop(compressor);
        self.inner.write_all(&frame)?;
        self.pending.clear();
        self.frames += 1;
        Ok(())
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = ZSTD_FRAME_SIZE - self.pending.len();
        let n = buf.len().min(room);
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() == ZSTD_FRAME_SIZE {
            self.emit_frame()?;
        }
        Ok(n)
    }
}

/// The output file name for an input file name.
///
/// Output compressed like the input keeps the name, extension included
/// (`x.txt.gz` → `x.txt.gz`). With `decompress_output` the compression
/// extension is removed (`x.txt.gz` → `x.txt`), compared
/// ASCII-case-insensitively; a name without that extension (compression
/// found by sniffing) or one that is nothing but the extension (`.gz`) is
/// kept as is, since there is no truthful shorter name. For
/// [`Compression::None`] the name never changes.
pub fn output_name(name: &OsStr, c: Compression, decompress_output: bool) -> OsString {
    if !decompress_output || c == Compression::None {
        return name.to_owned();
    }
    let path = Path::new(name);
    match (path.extension(), path.file_stem()) {
        (Some(ext), Some(stem)) if ext.eq_ignore_ascii_case(c.extension()) => stem.to_owned(),
        _ => name.to_owned(),
    }
}
