//! What an `--incremental` run has already done.
//!
//! The state lives in the output directory as a small text file, one line
//! per finished output: its path under the output directory, then the
//! input's path, size, modification time and SHA-1. The first line holds a
//! key for everything else that decides the output (zhnorm's version, the
//! dictionaries, the options); when the key differs, the state is thrown
//! away and everything is done again.
//!
//! The file is a journal: each finished output appends its line and
//! flushes, so a run killed at any moment keeps the record of what it
//! finished, and the next run only does the rest. A torn last line is
//! ignored. At the end of a run the journal is rewritten compactly (to a
//! temporary file, then renamed).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use sha1::{Digest, Sha1};

/// Name of the state file inside the output directory.
pub const STATE_NAME: &str = ".zhnorm-state";

const MAGIC: &str = "zhnorm-state v1";

/// One finished output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The input it was made from.
    pub input: PathBuf,
    /// The input's size in bytes.
    pub size: u64,
    /// The input's modification time, in nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// SHA-1 of the input's bytes, in hex.
    pub hash: String,
}

/// Whether an input needs processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Done before, unchanged, output present: skip.
    Fresh,
    /// Done before, but the input or its output changed.
    Changed,
    /// Not done before.
    New,
}

/// The incremental state of one output directory.
#[derive(Debug)]
pub struct State {
    path: PathBuf,
    key: String,
    entries: BTreeMap<PathBuf, Entry>,
    /// The state on disk was for other settings (or unreadable) and was
    /// discarded.
    pub reset: bool,
    journal: Option<Mutex<File>>,
}

impl State {
    /// Reads the state of `out_dir` for settings `key` (one line, no tab).
    /// A missing file is an empty state.
    pub fn load(out_dir: &Path, key: &str) -> io::Result<State> {
        let path = out_dir.join(STATE_NAME);
        let key = key.replace(['\n', '\t'], " ");
        let mut state = State {
            path,
            key,
            entries: BTreeMap::new(),
            reset: false,
            journal: None,
        };
        let file = match File::open(&state.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(state),
            Err(e) => return Err(e),
        };
        let mut lines = BufReader::new(file).lines();
        let header = lines.next().transpose()?.unwrap_or_default();
        if header != format!("{MAGIC}\t{}", state.key) {
            state.reset = true;
            return Ok(state);
        }
        for line in lines {
            // A torn line (from a run killed mid-write) does not parse and
            // is skipped; so is a line that is not valid UTF-8.
            let Ok(line) = line else { continue };
            if let Some((rel, entry)) = parse_line(&line) {
                state.entries.insert(rel, entry);
            }
        }
        Ok(state)
    }

    /// How many outputs are recorded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the output `relative` (under the output directory) needs to
    /// be made again from `input`. Reads the input to hash it only when
    /// its size matches but its time does not (a `touch`, a copy).
    pub fn freshness(&self, relative: &Path, input: &Path, output: &Path) -> Freshness {
        let Some(entry) = self.entries.get(relative) else {
            return Freshness::New;
        };
        let Ok(meta) = fs::metadata(input) else {
            return Freshness::Changed;
        };
        if !same_input(&entry.input, input) || !output.exists() || meta.len() != entry.size {
            return Freshness::Changed;
        }
        if mtime_ns(&meta) == Some(entry.mtime_ns) {
            return Freshness::Fresh;
        }
        match hash_file(input) {
            Ok(h) if h == entry.hash => Freshness::Fresh,
            _ => Freshness::Changed,
        }
    }

    /// Every recorded output (its path under the output directory) with
    /// what it was made from.
    pub fn entries(&self) -> impl Iterator<Item = (&Path, &Entry)> {
        self.entries.iter().map(|(rel, e)| (rel.as_path(), e))
    }

    /// Drops the record of an output (one that `--delete` removed, or that
    /// is gone), so the compacted state no longer lists it.
    pub fn forget(&mut self, relative: &Path) {
        self.entries.remove(relative);
    }

    /// Opens the journal for this run: a fresh file (header only, plus
    /// what is recorded) when the state was reset or did not exist.
    pub fn begin(&mut self) -> io::Result<()> {
        if self.reset || !self.path.exists() {
            self.compact()?;
        }
        let file = OpenOptions::new().append(true).open(&self.path)?;
        self.journal = Some(Mutex::new(file));
        Ok(())
    }

    /// Records a finished output; safe to call from several threads.
    pub fn record(&self, relative: &Path, entry: &Entry) -> io::Result<()> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let line = format_line(relative, entry);
        let mut file = journal.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(line.as_bytes())?;
        file.flush()
    }

    /// Ends the run: folds `done` into the state and rewrites it compactly.
    pub fn finish(mut self, done: Vec<(PathBuf, Entry)>) -> io::Result<()> {
        self.journal = None;
        self.entries.extend(done);
        self.compact()
    }

    fn compact(&self) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!("{STATE_NAME}.{}.tmp", std::process::id()));
        let mut text = format!("{MAGIC}\t{}\n", self.key);
        for (rel, entry) in &self.entries {
            text.push_str(&format_line(rel, entry));
        }
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &self.path)
    }
}

/// The entry for an input as it is now. The input is recorded by its
/// real path, so a later run that names the tree another way (relative,
/// absolute, from another directory, through a link) still recognises it.
pub fn entry_for(input: &Path, hash: String) -> io::Result<Entry> {
    entry_from(input, &fs::metadata(input)?, hash)
}

/// The entry for an input whose `hash` was taken from the bytes read after
/// `meta` (the open file's metadata). Recording the size and time from
/// before the read means a file that changed while it was read no longer
/// matches its entry, and the next run does it again.
pub fn entry_from(input: &Path, meta: &fs::Metadata, hash: String) -> io::Result<Entry> {
    Ok(Entry {
        input: fs::canonicalize(input)?,
        size: meta.len(),
        mtime_ns: mtime_ns(meta).unwrap_or(0),
        hash,
    })
}

/// Whether a recorded input is `input`. States written before inputs
/// were recorded by their real path hold the path as it was typed, which
/// still matches when typed the same way.
fn same_input(recorded: &Path, input: &Path) -> bool {
    recorded == input || fs::canonicalize(input).is_ok_and(|real| real == recorded)
}

/// SHA-1 of a file, in hex.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha1::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mtime_ns(meta: &fs::Metadata) -> Option<i128> {
    let t = meta.modified().ok()?;
    Some(match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    })
}

/// Paths are written with tabs, line breaks and backslashes escaped, so
/// any file name fits on one line.
fn escape(p: &Path) -> String {
    p.to_string_lossy()
        .replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
}

fn unescape(s: &str) -> PathBuf {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    PathBuf::from(out)
}

fn format_line(rel: &Path, e: &Entry) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\n",
        escape(rel),
        escape(&e.input),
        e.size,
        e.mtime_ns,
        e.hash
    )
}

fn parse_line(line: &str) -> Option<(PathBuf, Entry)> {
    let mut f = line.split('\t');
    let rel = unescape(f.next()?);
    let input = unescape(f.next()?);
    let size = f.next()?.parse().ok()?;
    let mtime_ns = f.next()?.parse().ok()?;
    let hash = f.next()?;
    if hash.len() != 40 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || f.next().is_some() {
        return None;
    }
    Some((
        rel,
        Entry {
            input,
            size,
            mtime_ns,
            hash: hash.to_owned(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.txt");
        let output = dir.path().join("out.txt");
        fs::write(&input, "漢字").unwrap();
        fs::write(&output, "汉字").unwrap();
        (dir, input, output)
    }

    #[test]
    fn journal_survives_and_settings_key_resets() {
        let (dir, input, output) = setup();
        let rel = PathBuf::from("out.txt");
        let mut s = State::load(dir.path(), "v1 t2s").unwrap();
        assert_eq!(s.freshness(&rel, &input, &output), Freshness::New);
        s.begin().unwrap();
        let e = entry_for(&input, hash_file(&input).unwrap()).unwrap();
        s.record(&rel, &e).unwrap();
        // Killed here: no finish. The journal still has the record.
        drop(s);
        let s = State::load(dir.path(), "v1 t2s").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.freshness(&rel, &input, &output), Freshness::Fresh);
        // A torn line at the end is ignored.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(STATE_NAME))
            .unwrap();
        f.write_all(b"half\tof a li").unwrap();
        let s = State::load(dir.path(), "v1 t2s").unwrap();
        assert_eq!(s.len(), 1);
        // Other settings: everything again.
        let s = State::load(dir.path(), "v1 s2t").unwrap();
        assert!(s.reset && s.is_empty());
    }

    #[test]
    fn changes_are_noticed() {
        let (dir, input, output) = setup();
        let rel = PathBuf::from("out.txt");
        let mut s = State::load(dir.path(), "k").unwrap();
        s.begin().unwrap();
        let e = entry_for(&input, hash_file(&input).unwrap()).unwrap();
        s.finish(vec![(rel.clone(), e)]).unwrap();
        let s = State::load(dir.path(), "k").unwrap();
        assert_eq!(s.freshness(&rel, &input, &output), Freshness::Fresh);
        // Same size, new content.
        fs::write(&input, "漢語").unwrap();
        assert_eq!(s.freshness(&rel, &input, &output), Freshness::Changed);
        fs::write(&input, "漢字").unwrap();
        // Same content, new time: a hash check says fresh.
        assert_eq!(s.freshness(&rel, &input, &output), Freshness::Fresh);
        fs::remove_file(&output).unwrap();
        assert_eq!(s.freshness(&rel, &input, &output), Freshness::Changed);
    }

    #[test]
    fn odd_file_names_round_trip() {
        let rel = PathBuf::from("a\tb\\c\nd.txt");
        let e = Entry {
            input: PathBuf::from("/x/a\tb"),
            size: 3,
            mtime_ns: -5,
            hash: "0".repeat(40),
        };
        let line = format_line(&rel, &e);
        assert_eq!(line.matches('\n').count(), 1);
        assert_eq!(parse_line(line.trim_end_matches('\n')), Some((rel, e)));
    }
}
