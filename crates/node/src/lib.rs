//! The padma full node: its repo (config, keystore, datastore, lock), the wallet,
//! the FullNode API method table and the daemon's lifecycle.

pub mod api;
pub mod config;
pub mod daemon;
pub mod keystore;
pub mod lock;
pub mod mining_client;
pub mod process;
pub mod repo;
pub mod wallet;
