//! The command's files and streams: inputs opened and sniffed, live
//! input read on a thread of its own, and the `-o` file written beside
//! its name and renamed into place when complete.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::cli::Input;
use crate::io_message;
use zhnorm::formats::sniff::SNIFF_BYTES;
use zhnorm::formats::warc::RecordWrite;
use zhnorm::normalize::{Fed, Feed, CHUNK};

/// Refuses a `--report` file that is one of the inputs or the output:
/// writing it would destroy what it reports on.
pub(crate) fn check_report_path(
    path: &Path,
    inputs: &[Input],
    output: Option<&Path>,
) -> Result<(), String> {
    let Ok(meta) = fs::metadata(path) else {
        return Ok(());
    };
    for input in inputs {
        if let Input::File(p) = input {
            if fs::metadata(p).is_ok_and(|m| same_file(&m, &meta, input, path)) {
                return Err(format!(
                    "is input {}; refusing to overwrite an input with the report",
                    p.display()
                ));
            }
        }
    }
    if let Some(out) = output {
        let as_input = Input::File(out.to_owned());
        if fs::metadata(out).is_ok_and(|m| same_file(&m, &meta, &as_input, path)) {
            return Err("is the output (-o); give the report another file".to_owned());
        }
    }
    Ok(())
}

/// Counts the bytes that pass, shared with whoever holds the other end
/// (the reader may move to a thread of its own).
pub(crate) struct Counted<R> {
    pub inner: R,
    pub count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A [`RecordWrite`] that counts what is written through it.
pub(crate) struct CountedRecords<'a> {
    pub inner: &'a mut dyn RecordWrite,
    pub bytes: u64,
}

impl Write for CountedRecords<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl RecordWrite for CountedRecords<'_> {
    fn end_record(&mut self) -> io::Result<()> {
        self.inner.end_record()
    }
}

/// The first bytes of an input, for [`sniff`]: up to [`SNIFF_BYTES`],
/// and whether that is all of it. A live source (a pipe, a terminal) is
/// read only until its first line is in, or its first bytes already rule
/// out the formats that need more: a filter in a pipeline must not sit on
/// the records it has been sent.
pub(crate) fn read_head(source: &mut dyn Read, live: bool) -> io::Result<(Vec<u8>, bool)> {
    let mut head = vec![0u8; SNIFF_BYTES];
    let mut n = 0;
    while n < head.len() {
        match source.read(&mut head[n..]) {
            Ok(0) => {
                head.truncate(n);
                return Ok((head, true));
            }
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        if live && head_decides(&head[..n]) {
            break;
        }
    }
    head.truncate(n);
    Ok((head, false))
}

/// Whether a live input's first bytes are enough to sniff: a whole line
/// of content, or a first byte that can start neither a JSON object, a
/// WARC version line, a byte-order mark nor a compressed stream.
fn head_decides(head: &[u8]) -> bool {
    let Some(&first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if !matches!(first, b'{' | b'W' | 0xEF | 0x1f | 0x28 | b'B' | 0x50..=0x5f) {
        return true;
    }
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    head[start..].contains(&b'\n')
}

/// Checks that `-o` may be written and returns the path to replace.
pub(crate) fn resolve_output(dest: &Path, inputs: &[Input]) -> Result<PathBuf, String> {
    let meta = match fs::metadata(dest) {
        Ok(m) => m,
        // Nothing there yet, so it cannot be one of the inputs.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(dest.to_owned()),
        Err(e) => return Err(io_message(&e)),
    };
    if meta.is_dir() {
        return Err("is a directory".to_owned());
    }
    for input in inputs {
        let input_meta = match input {
            Input::File(p) => fs::metadata(p).ok(),
            Input::Stdin => stdin_metadata(),
        };
        if input_meta.is_some_and(|m| same_file(&m, &meta, input, dest)) {
            return Err(format!(
                "is the same file as input {}; refusing to overwrite an input",
                input.label()
            ));
        }
    }
    // Replace what a symlink points to rather than the link itself, and
    // keep the temporary file on the target's file system so the final
    // rename is atomic.
    fs::canonicalize(dest).map_err(|e| io_message(&e))
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata, _: &Input, _: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata, input: &Input, dest: &Path) -> bool {
    match input {
        Input::File(p) => match (fs::canonicalize(p), fs::canonicalize(dest)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        Input::Stdin => false,
    }
}

/// Metadata of whatever standard input is connected to, so that
/// `zhnorm -o a.txt < a.txt` is refused like `zhnorm -o a.txt a.txt`.
#[cfg(unix)]
fn stdin_metadata() -> Option<fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    File::from(fd).metadata().ok()
}

#[cfg(not(unix))]
fn stdin_metadata() -> Option<fs::Metadata> {
    None
}

/// An open input.
pub(crate) enum Source {
    Stdin(io::StdinLock<'static>),
    File { file: File, live: bool },
}

impl Source {
    /// Whether more data may arrive later (a pipe, terminal or FIFO), so
    /// output should be flushed after every read rather than when the
    /// buffer fills.
    pub(crate) fn is_live(&self) -> bool {
        match self {
            // Standard input redirected from a file is as complete as a file.
            Source::Stdin(_) => !stdin_metadata().is_some_and(|m| m.is_file()),
            Source::File { live, .. } => *live,
        }
    }
}

impl Source {
    /// The source as a reader that may move to another thread.
    pub(crate) fn into_send(self) -> Box<dyn Read + Send> {
        match self {
            // The lock is not Send; the handle is, and locks per read.
            Source::Stdin(lock) => {
                drop(lock);
                Box::new(io::stdin())
            }
            Source::File { file, .. } => Box::new(file),
        }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Stdin(s) => s.read(buf),
            Source::File { file, .. } => file.read(buf),
        }
    }
}

pub(crate) fn open(input: &Input) -> io::Result<Source> {
    match input {
        Input::Stdin => Ok(Source::Stdin(io::stdin().lock())),
        Input::File(path) => {
            let file = File::open(path)?;
            let live = file.metadata().map(|m| !m.is_file()).unwrap_or(true);
            Ok(Source::File { file, live })
        }
    }
}

/// The `-o` file. A regular file appears under its name only when
/// complete: it is written as a temporary file beside it, then renamed over
/// it. Anything else that already exists there (a FIFO, `/dev/null`, a
/// terminal) is written in place, since replacing it would be wrong.
pub(crate) struct OutputFile {
    /// Always present until [`OutputFile::into_unpublished`] takes the file
    /// out (which consumes the `OutputFile`).
    writer: Option<BufWriter<File>>,
    /// The temporary file, for atomic replacement; `None` when writing in
    /// place.
    tmp: Option<PathBuf>,
    dest: PathBuf,
    committed: bool,
}

/// This process's id, asked of the system once: a batch names thousands of
/// temporary files after it.
fn process_id() -> u32 {
    static ID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *ID.get_or_init(std::process::id)
}

impl OutputFile {
    pub(crate) fn create(dest: &Path) -> io::Result<Self> {
        Self::create_with(dest, None)
    }

    /// As [`OutputFile::create`], with the permissions the result gets
    /// (default: those of the file it replaces, if any).
    pub(crate) fn create_with(
        dest: &Path,
        permissions: Option<fs::Permissions>,
    ) -> io::Result<Self> {
        let existing = fs::metadata(dest).ok();
        if existing.as_ref().is_some_and(|m| !m.is_file()) {
            let file = OpenOptions::new().write(true).open(dest)?;
            return Ok(OutputFile {
                writer: Some(BufWriter::with_capacity(CHUNK, file)),
                tmp: None,
                dest: dest.to_owned(),
                committed: false,
            });
        }
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // Replacing a file should not change who may read it.
        let permissions = permissions.or_else(|| existing.map(|m| m.permissions()));
        let mut attempt = 0u32;
        let (file, tmp) = loop {
            // Hidden, and named after the destination so a leftover from a
            // killed run is recognisable.
            let mut tmp_name = OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".zhnorm-{}-{attempt}.tmp", process_id()));
            let tmp = dir.join(tmp_name);
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(f) => break (f, tmp),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let this = OutputFile {
            writer: Some(BufWriter::with_capacity(CHUNK, file)),
            tmp: Some(tmp),
            dest: dest.to_owned(),
            committed: false,
        };
        if let Some(p) = permissions {
            this.buffered().get_ref().set_permissions(p)?;
        }
        Ok(this)
    }

    fn buffered(&self) -> &BufWriter<File> {
        self.writer
            .as_ref()
            .expect("only into_unpublished takes the writer, and it consumes the output")
    }

    pub(crate) fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("only into_unpublished takes the writer, and it consumes the output")
    }

    pub(crate) fn commit(mut self) -> io::Result<()> {
        self.writer().flush()?;
        if let Some(tmp) = &self.tmp {
            // Without this a crash soon after the rename can leave an empty
            // file under the final name on some file systems.
            self.buffered().get_ref().sync_all()?;
            fs::rename(tmp, &self.dest)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl OutputFile {
    /// Flushes the output without syncing or renaming it, for a caller
    /// that makes many outputs durable at once ([`commit`]).
    ///
    /// The file itself moves to the [`Unpublished`] (no second descriptor):
    /// a batch of small pages would pay a `dup` and a `close` per output.
    pub(crate) fn into_unpublished(mut self) -> io::Result<Unpublished> {
        // On an error the writer is gone but `self` still owns the
        // temporary file, and removes it when dropped.
        let file = self
            .writer
            .take()
            .expect("only into_unpublished takes the writer, and it consumes the output")
            .into_inner()
            .map_err(|e| e.into_error())?;
        // From here the temporary file belongs to the `Unpublished`.
        self.committed = true;
        Ok(Unpublished {
            file,
            tmp: self.tmp.take(),
            dest: std::mem::take(&mut self.dest),
        })
    }
}

/// An output whose bytes are written but which is not yet under its final
/// name. Dropped unpublished, it removes its temporary file.
pub(crate) struct Unpublished {
    file: File,
    tmp: Option<PathBuf>,
    dest: PathBuf,
}

impl Unpublished {
    /// The open output, to sync.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The final name.
    pub(crate) fn dest(&self) -> &Path {
        &self.dest
    }

    /// Renames the output into place (the caller has made its bytes
    /// durable first). The file stays open, for syncing the rename; on an
    /// error the temporary file is gone.
    pub(crate) fn publish(&mut self) -> io::Result<()> {
        if let Some(tmp) = self.tmp.take() {
            if let Err(e) = fs::rename(&tmp, &self.dest) {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        }
        Ok(())
    }
}

impl Drop for Unpublished {
    fn drop(&mut self) {
        if let Some(tmp) = &self.tmp {
            let _ = fs::remove_file(tmp);
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let (false, Some(tmp)) = (self.committed, &self.tmp) {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// A live input read by a thread of its own, so that waiting for more can
/// time out. The thread ends at end of input or error, or blocks in `read`
/// until the process exits.
pub(crate) struct ThreadFeed(mpsc::Receiver<io::Result<Vec<u8>>>);

impl ThreadFeed {
    pub(crate) fn new(mut reader: Box<dyn Read + Send>) -> Self {
        let (tx, rx) = mpsc::sync_channel(4);
        thread::spawn(move || loop {
            let mut buf = vec![0u8; CHUNK];
            match reader.read(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    if tx.send(Ok(buf)).is_err() || n == 0 {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        });
        ThreadFeed(rx)
    }
}

impl Feed for ThreadFeed {
    fn next(&mut self, buf: &mut [u8], wait: Option<Duration>) -> Fed {
        let got = match wait {
            Some(wait) => match self.0.recv_timeout(wait) {
                Ok(got) => got,
                Err(mpsc::RecvTimeoutError::Timeout) => return Fed::Quiet,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Fed::End,
            },
            None => match self.0.recv() {
                Ok(got) => got,
                Err(_) => return Fed::End,
            },
        };
        match got {
            Ok(data) if data.is_empty() => Fed::End,
            Ok(data) => {
                let n = data.len();
                buf[..n].copy_from_slice(&data);
                Fed::Data(n)
            }
            Err(e) => Fed::Failed(e),
        }
    }
}
