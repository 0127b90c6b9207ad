//! Group commit for batch outputs.
//!
//! Every output is written to a temporary file beside its final name and
//! renamed into place only once its bytes are on disk, so a crash or power
//! loss leaves either the whole new file or none. Doing that with one
//! `fsync` per file makes a run over thousands of small pages wait on the
//! disk thousands of times, on the converting threads. Instead the
//! converting threads hand finished temporary files to one committer
//! thread, which makes whatever has queued up durable at once (`syncfs`,
//! once per file system), renames the lot, makes the renames durable, and
//! only then records them in the `--incremental` journal.
//!
//! The committer lets outputs gather for a few milliseconds before each
//! group ([`GATHER`]) rather than taking whatever one wake-up finds: on a
//! fast disk that found one or two small pages at a time, so every page
//! paid two file-system syncs and a wake-up of this thread. While it
//! gathers it sleeps instead of waiting on the channel, so a converting
//! thread hands an output over without waking anyone. Under a slow disk
//! the groups grow further on their own.

use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use zhnorm::batch::state::{Entry, State};

use crate::files::Unpublished;
use crate::io_message;

/// One finished output on its way to its final name.
pub(crate) struct Handoff {
    /// Index of the input in the run, for the result.
    pub index: usize,
    pub out: Unpublished,
    /// The journal line to add once the output is in place.
    pub journal: Option<(PathBuf, Entry)>,
    /// In place: the input as it was read, which must still be so when
    /// its replacement is renamed over it.
    pub unchanged: Option<Stamp>,
}

/// What a file looked like when it was read: anything that writes to it or
/// replaces it changes one of these (size, modification and change times,
/// identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    id: (u64, u64, i64, i64),
}

impl Stamp {
    /// The stamp of `path`, whose metadata (taken from the open file) is
    /// `meta`.
    pub(crate) fn of(path: PathBuf, meta: &Metadata) -> Stamp {
        #[cfg(unix)]
        let id = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec())
        };
        Stamp {
            path,
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            id,
        }
    }

    /// The size stamped.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file at the path is still the one stamped, unchanged.
    pub(crate) fn holds(&self) -> bool {
        fs::metadata(&self.path).is_ok_and(|m| Stamp::of(self.path.clone(), &m) == *self)
    }
}

/// What an input changed while it was being read gets instead of its
/// replacement.
pub(crate) const CHANGED: &str =
    "changed while it was being converted; not replaced (the next run takes it up)";

/// Whether an error means the output's file system is out of room (or the
/// user out of quota): every later output would fail the same way.
pub(crate) fn is_disk_full(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT)) {
        return true;
    }
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// The sending end the converting threads use.
pub(crate) type Committer = Sender<Handoff>;

/// Most outputs committed as one group.
const GROUP: usize = 1024;

/// How long outputs gather after the first of a group arrives. Short next
/// to what a sync costs on a real disk, long next to converting a small
/// page; an output is put in place at most this much later than it would
/// otherwise be.
const GATHER: Duration = Duration::from_millis(20);

/// How often the gathering committer looks at the queue (and so how late
/// it notices that the run is over).
const POLL: Duration = Duration::from_millis(2);

/// Runs until every sender is gone; returns the inputs whose output could
/// not be put in place, with why.
///
/// An output whose file system is full sets `disk_full`, which stops the
/// run from starting further inputs.
pub(crate) fn commit_loop(
    rx: Receiver<Handoff>,
    state: Option<&State>,
    disk_full: &AtomicBool,
) -> Vec<(usize, String)> {
    let mut failed = Vec::new();
    while let Ok(first) = rx.recv() {
        let group = gather(&rx, first);
        // The data first: nothing is renamed before its bytes are down.
        let group = match make_durable(group.iter().map(|h| &h.out)) {
            Ok(()) => group,
            // One file at a time, so a failure is pinned on its file.
            Err(_) => one_by_one(group, &mut failed, disk_full),
        };
        let mut placed = Vec::with_capacity(group.len());
        for mut h in group {
            // In place, the rename replaces the input: it must be the
            // input that was read, so this check comes last before it.
            // (Dropping the output removes its temporary file.)
            if h.unchanged.as_ref().is_some_and(|s| !s.holds()) {
                failed.push((h.index, CHANGED.to_owned()));
                continue;
            }
            match h.out.publish() {
                Ok(()) => placed.push(h),
                Err(e) => {
                    if is_disk_full(&e) {
                        disk_full.store(true, Ordering::Relaxed);
                    }
                    failed.push((h.index, describe(&h, &e)))
                }
            }
        }
        // Then the renames, before the journal says they happened.
        let renamed = make_durable(placed.iter().map(|h| &h.out)).is_ok();
        if let Some(state) = state {
            for h in &placed {
                if let (true, Some((rel, entry))) = (renamed, &h.journal) {
                    // A journal line that cannot be written only costs the
                    // next run some work: it redoes that input.
                    let _ = state.record(rel, entry);
                }
            }
        }
    }
    failed
}

/// The group that starts with `first`: whatever else arrives within
/// [`GATHER`], up to [`GROUP`] outputs, or until the senders are gone.
fn gather(rx: &Receiver<Handoff>, first: Handoff) -> Vec<Handoff> {
    let mut group = vec![first];
    let until = Instant::now() + GATHER;
    loop {
        while group.len() < GROUP {
            match rx.try_recv() {
                Ok(h) => group.push(h),
                Err(TryRecvError::Empty) => break,
                // The run is over: nothing more will come.
                Err(TryRecvError::Disconnected) => return group,
            }
        }
        let now = Instant::now();
        if group.len() >= GROUP || now >= until {
            return group;
        }
        std::thread::sleep(POLL.min(until - now));
    }
}

/// Syncs each output of `group` on its own, keeping those that made it and
/// failing the others.
fn one_by_one(
    group: Vec<Handoff>,
    failed: &mut Vec<(usize, String)>,
    disk_full: &AtomicBool,
) -> Vec<Handoff> {
    let mut kept = Vec::with_capacity(group.len());
    for h in group {
        match h.out.file().sync_all() {
            Ok(()) => kept.push(h),
            Err(e) => {
                if is_disk_full(&e) {
                    disk_full.store(true, Ordering::Relaxed);
                }
                failed.push((h.index, describe(&h, &e)))
            }
        }
    }
    kept
}

fn describe(h: &Handoff, e: &io::Error) -> String {
    format!("{}: {}", h.out.dest().display(), io_message(e))
}

/// The directory an output goes to: outputs in one directory are on one
/// file system, so only a new directory needs its device looked up.
fn folder(out: &Unpublished) -> &Path {
    out.dest().parent().unwrap_or(Path::new(""))
}

/// Makes everything written to the file systems holding `outputs` durable:
/// one `syncfs` per file system.
#[cfg(target_os = "linux")]
fn make_durable<'a>(outputs: impl Iterator<Item = &'a Unpublished>) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    // Outputs of a group come from all the threads, so their folders
    // alternate: each folder's device is looked up once per call, not at
    // every change of folder.
    let mut folders: std::collections::HashMap<&Path, u64> = Default::default();
    let mut synced: Vec<u64> = Vec::new();
    for out in outputs {
        let here = folder(out);
        let dev = match folders.get(here) {
            Some(&dev) => dev,
            None => {
                let dev = out.file().metadata()?.dev();
                folders.insert(here, dev);
                dev
            }
        };
        if synced.contains(&dev) {
            continue;
        }
        // SAFETY: syncfs only reads the descriptor, which `out` keeps open
        // for the duration of the call.
        if unsafe { libc::syncfs(out.file().as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        synced.push(dev);
    }
    Ok(())
}

/// Elsewhere: each file on its own.
#[cfg(not(target_os = "linux"))]
fn make_durable<'a>(outputs: impl Iterator<Item = &'a Unpublished>) -> io::Result<()> {
    for out in outputs {
        out.file().sync_all()?;
    }
    Ok(())
}
