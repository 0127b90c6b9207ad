//! One run at a time per output directory.
//!
//! Two scheduled runs writing the same tree would interleave their
//! temporary files and their incremental state, so a run takes a lock file
//! in the output directory first. The lock is a file created with
//! `create_new` (atomic on every local file system) holding the owner's
//! process id and host name. A lock whose process is gone on this host
//! (killed by `kill -9` or a power loss) is stale and is taken over, with a
//! message, so a crash never blocks the next night's run.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Name of the lock file inside the output directory.
pub const LOCK_NAME: &str = ".zhnorm.lock";

/// A held lock; removed when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// A stale lock was taken over: who held it.
    pub took_over: Option<String>,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another live run holds it: its description (pid and host).
    Held { path: PathBuf, owner: String },
    /// The lock file could not be created or read.
    Io { path: PathBuf, source: io::Error },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { path, owner } => write!(
                f,
                "{}: another zhnorm run ({owner}) is writing to this output directory",
                path.display()
            ),
            LockError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for LockError {}

impl Lock {
    /// Takes the lock of `dir` (which must exist).
    pub fn acquire(dir: &Path) -> Result<Lock, LockError> {
        let path = dir.join(LOCK_NAME);
        let me = format!("pid {} on {}", std::process::id(), host());
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        // Two attempts: the second after removing a stale lock.
        let mut took_over = None;
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(me.as_bytes()).map_err(io_err)?;
                    f.sync_all().map_err(io_err)?;
                    return Ok(Lock { path, took_over });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let owner = fs::read_to_string(&path).unwrap_or_default();
                    if !is_stale(&owner) {
                        return Err(LockError::Held {
                            path,
                            owner: owner.trim().to_owned(),
                        });
                    }
                    match fs::remove_file(&path) {
                        Ok(()) => took_over = Some(owner.trim().to_owned()),
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(io_err(e)),
                    }
                }
                Err(e) => return Err(io_err(e)),
            }
        }
        // Someone else took the stale lock between our two attempts.
        let owner = fs::read_to_string(&path).unwrap_or_default();
        Err(LockError::Held {
            path,
            owner: owner.trim().to_owned(),
        })
    }

    /// Where the lock file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown-host".to_owned())
}

/// Whether a lock's owner is certainly gone: same host, and no such
/// process. An unreadable or foreign lock is never stale, since taking
/// over a live run's lock is worse than asking a person to remove it.
fn is_stale(owner: &str) -> bool {
    let Some(rest) = owner.trim().strip_prefix("pid ") else {
        return false;
    };
    let Some((pid, on)) = rest.split_once(" on ") else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if on != host() {
        return false;
    }
    !process_alive(pid)
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    // Without a portable check, assume it lives: never steal a lock.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let a = Lock::acquire(dir.path()).unwrap();
        assert!(matches!(
            Lock::acquire(dir.path()),
            Err(LockError::Held { .. })
        ));
        drop(a);
        assert!(!dir.path().join(LOCK_NAME).exists());
        Lock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn stale_lock_of_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        // Pid numbers are at most 2^22 on Linux: this one cannot be alive.
        let stale = format!("pid 4294967 on {}", host());
        fs::write(dir.path().join(LOCK_NAME), &stale).unwrap();
        let lock = Lock::acquire(dir.path()).unwrap();
        assert_eq!(lock.took_over.as_deref(), Some(stale.as_str()));
    }

    #[test]
    fn foreign_or_garbled_lock_is_respected() {
        let dir = tempfile::tempdir().unwrap();
        for content in ["pid 4294967 on some-other-host", "garbage", ""] {
            fs::write(dir.path().join(LOCK_NAME), content).unwrap();
            assert!(
                matches!(Lock::acquire(dir.path()), Err(LockError::Held { .. })),
                "{content:?}"
            );
        }
    }
}
