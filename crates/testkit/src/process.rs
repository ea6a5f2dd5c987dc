//! A child process for the length of a test: output in log files (a pipe nobody reads
//! could fill up and block it), killed on drop, and the end of its log shown when the
//! test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A running child process whose stdout and stderr go to files; killed and reaped on
/// drop. Dropped during a panic (a failed test), it prints the end of its log.
pub struct Proc {
    /// The process.
    pub child: Child,
    name: String,
    stdout_log: PathBuf,
    stderr_log: PathBuf,
}

impl Proc {
    /// Starts `cmd` with its stdout and stderr both in `log`.
    pub fn spawn(cmd: Command, log: impl Into<PathBuf>) -> Proc {
        let log = log.into();
        Self::spawn_split(cmd, log.clone(), log)
    }

    /// Starts `cmd` with its stdout in `stdout_log` and its stderr in `stderr_log`
    /// (the same file or two).
    pub fn spawn_split(
        mut cmd: Command,
        stdout_log: impl Into<PathBuf>,
        stderr_log: impl Into<PathBuf>,
    ) -> Proc {
        let (stdout_log, stderr_log) = (stdout_log.into(), stderr_log.into());
        let out = create_log(&stdout_log);
        let err = if stderr_log == stdout_log {
            out.try_clone().unwrap()
        } else {
            create_log(&stderr_log)
        };
        let name = Path::new(cmd.get_program())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let child = cmd
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Proc {
            child,
            name,
            stdout_log,
            stderr_log,
        }
    }

    /// The process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the process wrote to stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout_log).unwrap_or_default()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// Everything the process wrote so far: stderr, then stdout if it went elsewhere.
    pub fn output(&self) -> String {
        if self.stdout_log == self.stderr_log {
            self.stderr()
        } else {
            self.stderr() + &self.stdout()
        }
    }

    /// Its exit status if it has exited, without waiting.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Panics, with the end of its log, if the process has exited.
    pub fn assert_alive(&mut self) {
        if let Some(status) = self.exited() {
            panic!(
                "{} exited early ({status}): {}",
                self.name,
                tail(&self.output())
            );
        }
    }

    /// Sends signal `sig` (SIGINT, SIGTERM, SIGKILL, ...).
    pub fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.pid()).unwrap();
        // SAFETY: kill(2) on our own child's process ID, which it keeps until reaped.
        unsafe { libc::kill(pid, sig) };
    }

    /// Waits up to `limit` for the process to exit; its status, or None if it still runs.
    pub fn wait_exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to exit; panics, with the end of its log, if it runs on
    /// past `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        self.wait_exit_within(limit).unwrap_or_else(|| {
            panic!(
                "{} did not stop within {limit:?}: {}",
                self.name,
                tail(&self.output())
            )
        })
    }

    /// Kills the process (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "===== {} ({}) =====\n{}",
                self.name,
                self.stderr_log.display(),
                tail(&self.output())
            );
        }
    }
}

fn create_log(path: &Path) -> std::fs::File {
    std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The end of a process's log for a failure message: its warnings, errors and
/// WindowPoSt lines (the last 60 of them), then its last 60 lines.
pub fn tail(log: &str) -> String {
    const NOTABLE: [&str; 6] = [
        "WARN",
        "ERROR",
        "WindowPoSt",
        "declared",
        "miner message",
        "panicked",
    ];
    let lines: Vec<&str> = log.lines().collect();
    let notable: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| NOTABLE.iter().any(|w| l.contains(w)))
        .collect();
    let last = |v: &[&str], n: usize| v[v.len().saturating_sub(n)..].join("\n");
    format!(
        "[notable lines]\n{}\n[last lines]\n{}",
        last(&notable, 60),
        last(&lines, 60)
    )
}

/// Panics, with both streams, unless the command `what` succeeded; its stdout.
pub fn expect_success(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A pipe with no reader left, as a command's stdout (what `cmd | head -1` becomes
/// once `head` has exited).
pub fn closed_pipe() -> Stdio {
    let mut fds = [0i32; 2];
    // SAFETY: pipe(2) fills the two-element array with new descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is the read end we own; closing it leaves the pipe without reader.
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is a fresh descriptor owned by nothing else.
    unsafe { <Stdio as std::os::fd::FromRawFd>::from_raw_fd(fds[1]) }
}
