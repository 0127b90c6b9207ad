//! One run at a time per output directory.
//!
//! Two scheduled runs writing the same tree would interleave their
//! temporary files and their incremental state, so a run takes a lock in
//! the output directory first. The lock is an advisory file lock
//! (`flock`-style, through [`File::try_lock`]) on `.zhnorm.lock`, not a
//! process id written into a file: the operating system drops it the moment
//! its holder dies, however it dies (`kill -9`, power loss, a container torn
//! down), so a crash never blocks the next night's run, and a process id
//! reused after a reboot or in another container can never make a dead
//! run look alive. The file also names its holder (process id and host),
//! but only for the message a second run prints.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Name of the lock file inside the output directory.
pub const LOCK_NAME: &str = ".zhnorm.lock";

/// A held lock; the file is removed and the lock released when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    // Held open for the life of the run: closing it releases the lock.
    file: File,
    /// The lock file was left by an earlier run that ended without removing
    /// it (it was killed): who that was, as the file said.
    pub took_over: Option<String>,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another live run holds it: its description (pid and host).
    Held {
        /// The lock file.
        path: PathBuf,
        /// What the holder wrote into it.
        owner: String,
    },
    /// The lock file could not be created, locked or written.
    Io {
        /// The lock file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { path, owner } => {
                let who = if owner.is_empty() {
                    String::new()
                } else {
                    format!(" ({owner})")
                };
                write!(
                    f,
                    "{}: another zhnorm run{who} is writing to this output directory",
                    path.display()
                )
            }
            LockError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for LockError {}

impl Lock {
    /// Takes the lock of `dir` (which must exist), or says who holds it.
    /// Never waits.
    pub fn acquire(dir: &Path) -> Result<Lock, LockError> {
        let path = dir.join(LOCK_NAME);
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        // A run that finishes removes the file while still holding its
        // lock. A second run that opened the file just before that removal
        // gets a lock on a file no longer in the directory, so after
        // locking, the path must still name the file we locked; otherwise
        // start again on the new file. Each retry means another run came
        // and went in between, so a few are plenty.
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(LockError::Held {
                        owner: owner_of(&mut file),
                        path,
                    })
                }
                Err(TryLockError::Error(e)) => return Err(io_err(e)),
            }
            if !still_named(&file, &path) {
                continue;
            }
            let left = owner_of(&mut file);
            let me = format!("pid {} on {}", std::process::id(), host());
            file.set_len(0).map_err(io_err)?;
            file.rewind().map_err(io_err)?;
            file.write_all(me.as_bytes()).map_err(io_err)?;
            return Ok(Lock {
                path,
                file,
                took_over: (!left.is_empty()).then_some(left),
            });
        }
        Err(io_err(io::Error::other(
            "the lock file kept being replaced by other runs",
        )))
    }

    /// Where the lock file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Remove the name before the lock is released (when `file` closes
        // right after this), so no one can lock a file about to vanish
        // without noticing; see `acquire`.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// What the holder of a lock file wrote into it, trimmed and kept short
/// (the file may be anything a user put there).
fn owner_of(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind();
    let _ = Read::by_ref(file).take(256).read_to_string(&mut text);
    text.trim().chars().filter(|c| !c.is_control()).collect()
}

#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_named(_: &File, path: &Path) -> bool {
    // Elsewhere an open file cannot be removed, so the name is still ours
    // if it exists at all.
    path.exists()
}

fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown-host".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let a = Lock::acquire(dir.path()).unwrap();
        let held = Lock::acquire(dir.path()).unwrap_err();
        assert!(matches!(held, LockError::Held { .. }), "{held}");
        // The message names the holder, from what it wrote.
        let me = format!("pid {}", std::process::id());
        assert!(held.to_string().contains(&me), "{held}");
        drop(a);
        assert!(!dir.path().join(LOCK_NAME).exists());
        let b = Lock::acquire(dir.path()).unwrap();
        assert_eq!(b.took_over, None);
    }

    #[test]
    fn a_lock_file_nobody_holds_is_taken_whatever_it_says() {
        // A file left by a killed run names a process that may be alive
        // again under the same number (after a reboot, in a container):
        // this test's own pid on this host is exactly such a process. What
        // counts is the OS lock, which nobody holds.
        let dir = tempfile::tempdir().unwrap();
        let reused = format!("pid {} on {}", std::process::id(), host());
        for content in [reused.as_str(), "garbage\u{7}", ""] {
            fs::write(dir.path().join(LOCK_NAME), content).unwrap();
            let lock = Lock::acquire(dir.path()).unwrap();
            let left: String = content.chars().filter(|c| !c.is_control()).collect();
            assert_eq!(
                lock.took_over.as_deref(),
                (!left.is_empty()).then_some(&*left)
            );
        }
    }

    #[test]
    fn a_lock_file_replaced_under_a_waiter_is_not_trusted() {
        // Simulates the race `still_named` closes: the name now points at
        // a different file than the one opened, so a lock on the old one
        // must not count. After `acquire` the name is the locked file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_NAME);
        fs::write(&path, "").unwrap();
        let old = File::open(&path).unwrap();
        fs::remove_file(&path).unwrap();
        fs::write(&path, "").unwrap();
        assert!(!still_named(&old, &path));
        let lock = Lock::acquire(dir.path()).unwrap();
        assert!(still_named(&lock.file, &path));
    }
}
