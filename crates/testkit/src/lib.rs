//! What padma's process-level tests share: the built binaries (`padma`,
//! `padma-miner`, `padma-seed`) run as child processes that are killed on drop and
//! show the end of their logs when a test fails; waits with deadlines for a file, an
//! API port or an RPC answer; JSON-RPC over HTTP; a `padma daemon` on a port the
//! system picks, alone or following others over libp2p; waits on the chains of
//! nodes that follow one another ([`chains`]); a genesis network ([`Net`]) with its
//! miners; and the shared test vectors.
//!
//! Used only as a dev-dependency.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test support: a panic is a failed test

mod bins;
pub mod chains;
mod daemon;
mod miner;
mod net;
mod ports;
mod process;
mod rpc;
mod vectors;
mod wait;

pub use bins::{padma, padma_miner, padma_seed};
pub use daemon::{daemon_command, daemon_output, devnet_command, mock_devnet_command, Daemon};
pub use miner::{start_miner, RunningMiner};
pub use net::{start_net, sustainable_block_ms, Net};
pub use ports::{api_file_port, free_port};
pub use process::{closed_pipe, expect_success, tail, Proc};
pub use rpc::{call, call_lenient, post_raw};
pub use vectors::{actors_archive, lotus_methods, vectors};
pub use wait::{wait_api_port, wait_file, wait_rpc};
