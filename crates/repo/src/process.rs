//! What the `padma` and `padma-miner` binaries share around their commands: the command
//! line parsed with Lotus's exit statuses, logs on stderr, and a runtime to run on.

use std::future::Future;

/// The log filter of a long-running process (the daemon, the miner): `info`, with the
/// proof libraries at `warn` and libp2p's request-response at `error` (it warns once for
/// every stream a flooding peer opens past the limit; padma logs the peer's penalty).
const LONG_RUNNING_LOG: &str = "info,libp2p_request_response=error,filecoin_proofs=warn,storage_proofs_core=warn,storage_proofs_porep=warn,storage_proofs_post=warn,bellperson=warn";

/// Parses the command line. A usage error exits with status 1, as Lotus's commands do;
/// help and version exit with 0.
pub fn parse_args<C: clap::Parser>() -> C {
    match C::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    }
}

/// Logs to stderr (in colour on a terminal) with `RUST_LOG`'s filter, else `info` for a
/// long-running process (proof libraries at `warn`) and `warn` for a command.
pub fn init_logging(long_running: bool) {
    let default = if long_running {
        LONG_RUNNING_LOG
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// For a short-lived command: a reader that closes its end of stdout early
/// (`padma wallet list | head -1`) ends the command quietly, as it ends a Go or C
/// program, instead of a panic on the failed write. Long-running processes keep
/// ignoring `SIGPIPE`: their closed sockets are errors to handle, not a reason to exit.
pub fn quiet_closed_pipe() {
    // SAFETY: restoring the default disposition of SIGPIPE at start-up, before any
    // other thread runs, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// How long, once `main` is done, blocking work (a proof step that cannot be
/// interrupted) may hold the process before it is abandoned.
pub const BLOCKING_SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs `main` to completion on a new multi-threaded runtime. When the runtime cannot
/// start or `main` fails, prints `ERROR: …` and exits with status 1. Proof steps still
/// running on blocking threads at the end (they cannot be interrupted inside a step)
/// are abandoned after [`BLOCKING_SHUTDOWN_GRACE`], so a shutdown is not held up by
/// minutes of Commit2; what they were doing is redone from its last persisted step.
pub fn run_main(main: impl Future<Output = anyhow::Result<()>>) {
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ERROR: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(main) {
        eprintln!("ERROR: {e:#}");
        std::process::exit(1);
    }
    rt.shutdown_timeout(BLOCKING_SHUTDOWN_GRACE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_work_does_not_hold_the_shutdown() {
        let started = std::time::Instant::now();
        run_main(async {
            tokio::task::spawn_blocking(|| std::thread::sleep(std::time::Duration::from_secs(30)));
            Ok(())
        });
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}
