//! The padma full node: its repo (config, datastore and chain record over
//! padma-repo's locked directory and keystore), the wallet, the FullNode API method
//! table and the daemon's lifecycle.

pub mod api;
pub mod config;
pub mod daemon;
pub mod repo;
pub mod wallet;
