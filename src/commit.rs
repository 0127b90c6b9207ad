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
//! only then records them in the `--incremental` journal. Under a slow
//! disk the groups grow; under a fast one they stay small.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};

use zhnorm::batch::state::{Entry, State};

use crate::{io_message, Unpublished};

/// One finished output on its way to its final name.
pub(crate) struct Handoff {
    /// Index of the input in the run, for the result.
    pub index: usize,
    pub out: Unpublished,
    /// The journal line to add once the output is in place.
    pub journal: Option<(PathBuf, Entry)>,
}

/// The sending end the converting threads use.
pub(crate) type Committer = Sender<Handoff>;

/// Most outputs committed as one group.
const GROUP: usize = 1024;

/// Runs until every sender is gone; returns the inputs whose output could
/// not be put in place, with why.
pub(crate) fn commit_loop(rx: Receiver<Handoff>, state: Option<&State>) -> Vec<(usize, String)> {
    let mut failed = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match rx.try_recv() {
                Ok(h) => group.push(h),
                Err(_) => break,
            }
        }
        // The data first: nothing is renamed before its bytes are down.
        let files: Vec<&File> = group.iter().map(|h| h.out.file()).collect();
        if make_durable(&files).is_err() {
            // One file at a time, so a failure is pinned on its file.
            let mut kept = Vec::with_capacity(group.len());
            for h in group {
                match h.out.file().sync_all() {
                    Ok(()) => kept.push(h),
                    Err(e) => failed.push((h.index, describe(&h, &e))),
                }
            }
            group = kept;
        }
        let mut placed = Vec::with_capacity(group.len());
        for h in group {
            let what = h.out.dest().display().to_string();
            match h.out.publish() {
                Ok(file) => placed.push((file, h.journal)),
                Err(e) => failed.push((h.index, format!("{what}: {}", io_message(&e)))),
            }
        }
        // Then the renames, before the journal says they happened.
        let files: Vec<&File> = placed.iter().map(|(f, _)| f).collect();
        let renamed = make_durable(&files).is_ok();
        if let Some(state) = state {
            for (_, journal) in &placed {
                if let (true, Some((rel, entry))) = (renamed, journal) {
                    // A journal line that cannot be written only costs the
                    // next run some work: it redoes that input.
                    let _ = state.record(rel, entry);
                }
            }
        }
    }
    failed
}

fn describe(h: &Handoff, e: &io::Error) -> String {
    format!("{}: {}", h.out.dest().display(), io_message(e))
}

/// Makes everything written to the file systems holding `files` durable:
/// one `syncfs` per file system.
#[cfg(target_os = "linux")]
fn make_durable(files: &[&File]) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let mut done: Vec<u64> = Vec::new();
    for f in files {
        let dev = f.metadata()?.dev();
        if done.contains(&dev) {
            continue;
        }
        // SAFETY: syncfs only reads the descriptor, which `f` keeps open
        // for the duration of the call.
        if unsafe { libc::syncfs(f.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        done.push(dev);
    }
    Ok(())
}

/// Elsewhere: each file on its own.
#[cfg(not(target_os = "linux"))]
fn make_durable(files: &[&File]) -> io::Result<()> {
    for f in files {
        f.sync_all()?;
    }
    Ok(())
}
