//! File plumbing for the parameter cache: the generation lock and atomic writes.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// Name of the lock file that serialises parameter generation between processes.
pub const LOCK_FILE: &str = ".padma-params.lock";

/// An exclusive `flock` on the cache's lock file, released when dropped.
pub struct GenerationLock {
    _file: File,
}

impl GenerationLock {
    /// Take the lock, calling `on_wait` first if another process holds it.
    pub fn acquire(dir: &Path, on_wait: impl FnOnce(&Path)) -> std::io::Result<Self> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        let fd = file.as_raw_fd();
        // SAFETY: flock on a file descriptor we own; no memory is shared.
        if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(err);
            }
            on_wait(&path);
            loop {
                // SAFETY: as above.
                if unsafe { libc::flock(fd, libc::LOCK_EX) } == 0 {
                    break;
                }
                let err = std::io::Error::last_os_error();
                if err.kind() != std::io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
        }
        Ok(GenerationLock { _file: file })
    }
}

fn temp_name(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Write `dest` through a temporary file in the same directory, fsync it and rename it
/// into place, so a crash never leaves a truncated `dest`.
pub fn write_atomic(
    dest: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = temp_name(dest);
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, &file);
        write(&mut w)?;
        w.flush()?;
        drop(w);
        file.sync_all()?;
        std::fs::rename(&tmp, dest)?;
        if let Some(dir) = dest.parent() {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Remove temporary files left by generators that died (call only under the lock).
pub fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".v28-") && name.contains(".tmp-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_partial_file_on_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("v28-x.params");
        let err = write_atomic(&dest, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert!(!dest.exists());
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
        write_atomic(&dest, |w| w.write_all(b"whole")).expect("write");
        assert_eq!(std::fs::read(&dest).expect("read"), b"whole");
    }

    #[test]
    fn lock_is_exclusive_between_holders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = GenerationLock::acquire(dir.path(), |_| panic!("free lock")).expect("lock");
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            let _second = GenerationLock::acquire(&path, |_| {
                let _ = tx.send(());
            })
            .expect("lock");
        });
        rx.recv().expect("second holder waited");
        drop(first);
        waiter.join().expect("second holder got the lock");
    }
}
