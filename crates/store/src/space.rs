//! The free-space guard: the datastore's files are memory-mapped, and a write into a
//! mapping the filesystem cannot back kills the process (`SIGBUS`) instead of failing.
//! So every write first checks the free space of the datastore's filesystem and is
//! refused, with a clear error, while it is below a floor; reads go on, and writes
//! resume by themselves once space is freed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The default floor of free space below which the datastore stops writing: enough
/// headroom for the database's own growth (index rebuilds, log files) between checks.
pub const DEFAULT_MIN_FREE_SPACE: u64 = 128 << 20;

/// A write was refused because the datastore's filesystem is nearly full.
#[derive(Debug, thiserror::Error)]
#[error(
    "not enough free disk space for the datastore {}: {} free, at least {} required \
     (Datastore.MinFreeSpace); writes are paused until space is freed, reads go on",
    dir.display(), mib(*free), mib(*min)
)]
pub struct LowDiskSpace {
    /// The datastore directory.
    pub dir: PathBuf,
    /// Bytes available to the node.
    pub free: u64,
    /// The configured floor.
    pub min: u64,
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
}

/// Checks the free space before writes and logs each change between "paused" and
/// "resumed" once.
pub(crate) struct SpaceGuard {
    dir: PathBuf,
    min_free: u64,
    paused: AtomicBool,
}

impl SpaceGuard {
    /// A guard for the filesystem holding `dir`.
    pub(crate) fn new(dir: &Path, min_free: u64) -> Self {
        SpaceGuard {
            dir: dir.to_path_buf(),
            min_free,
            paused: AtomicBool::new(false),
        }
    }

    /// Ok when a write may go ahead.
    pub(crate) fn check(&self) -> Result<(), LowDiskSpace> {
        if self.min_free == 0 {
            return Ok(());
        }
        // An unreadable filesystem status is not a reason to stop: the write itself
        // will report a real I/O error.
        let Some(free) = free_bytes(&self.dir) else {
            return Ok(());
        };
        if free < self.min_free {
            let err = LowDiskSpace {
                dir: self.dir.clone(),
                free,
                min: self.min_free,
            };
            if !self.paused.swap(true, Ordering::Relaxed) {
                tracing::error!("{err}");
            }
            return Err(err);
        }
        if self.paused.swap(false, Ordering::Relaxed) {
            tracing::info!(
                dir = %self.dir.display(),
                free = %mib(free),
                "disk space is back: datastore writes resumed"
            );
        }
        Ok(())
    }
}

/// Bytes available to unprivileged writers on the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a valid NUL-terminated string and `st` is a writable buffer of
    // the right type; statvfs fills it completely when it returns 0.
    let rc = unsafe { libc::statvfs(path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it initialised `st`.
    let st = unsafe { st.assume_init() };
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_above_the_free_space_refuses_and_zero_disables() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(dir.path()).unwrap();
        assert!(free > 0);
        let guard = SpaceGuard::new(dir.path(), free.saturating_mul(2).max(1 << 40));
        let err = guard.check().unwrap_err();
        assert!(err.to_string().contains("Datastore.MinFreeSpace"), "{err}");
        assert!(guard.paused.load(Ordering::Relaxed));
        assert!(SpaceGuard::new(dir.path(), 0).check().is_ok());
        assert!(SpaceGuard::new(dir.path(), 1).check().is_ok());
    }
}
