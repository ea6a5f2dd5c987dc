//! The repo lock: a POSIX `fcntl` write lock on an empty `repo.lock`, as Lotus takes
//! it, so padma and Go tools exclude each other. The kernel drops the lock when its
//! holder dies, so a killed daemon never leaves a stale lock behind.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RepoLock {
    _file: File,
    path: PathBuf,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("repo {repo} is already in use by another process (pid {pid}); stop it first or use another --repo")]
    Held {
        /// The repo directory.
        repo: PathBuf,
        /// The process holding the lock.
        pid: i32,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn flock_struct(kind: libc::c_short) -> libc::flock {
    // SAFETY: `flock` is plain old data; all-zero is a valid value.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl
}

impl RepoLock {
    /// Takes the lock on `<repo>/repo.lock` or says who holds it.
    pub fn acquire(repo: &Path) -> Result<RepoLock, LockError> {
        let path = repo.join("repo.lock");
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut fl = flock_struct(libc::F_WRLCK as libc::c_short);
        // SAFETY: valid fd and a properly initialised flock struct.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &mut fl) };
        if rc == 0 {
            return Ok(RepoLock { _file: file, path });
        }
        let err = std::io::Error::last_os_error();
        let mut probe = flock_struct(libc::F_WRLCK as libc::c_short);
        // SAFETY: as above; F_GETLK fills in the holder.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut probe) };
        if rc == 0 && probe.l_type != libc::F_UNLCK as libc::c_short {
            return Err(LockError::Held {
                repo: repo.to_path_buf(),
                pid: probe.l_pid,
            });
        }
        Err(io(err))
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
