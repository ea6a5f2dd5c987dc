//! Running a process as a set of named services under one supervisor.
//!
//! A service is an async task that returns `anyhow::Result<()>`: the node's RPC
//! server, its message-pool updater, the miner's WindowPoSt scheduler. A
//! [`Supervisor`] starts them together and runs until the [`Shutdown`] they share is
//! requested (a signal, an API call, a caller's future) or one of them ends. Then it
//! asks every service to stop, waits for them (bounded) and reports the first failure,
//! naming the service; a panicking service is a failure, not a crashed process.

mod shutdown;
pub mod signals;
mod supervisor;

pub use shutdown::Shutdown;
pub use supervisor::{ServiceFailure, Supervisor, DEFAULT_STOP_TIMEOUT};
