//! The padma full node: its repo (config, datastore and chain record over
//! padma-repo's locked directory and keystore), the wallet, the FullNode API method
//! table and the daemon's lifecycle.

pub mod api;
pub mod config;
pub mod daemon;
pub mod repo;
pub mod wallet;

/// The FullNode v1 API version (2.3.0), as Lotus reports it.
pub const FULL_API_VERSION_V1: u32 = 0x020300;
/// The FullNode v0 API version (1.5.0).
pub const FULL_API_VERSION_V0: u32 = 0x010500;
/// Seconds between epochs on padma devnets.
pub const DEFAULT_BLOCK_DELAY_SECS: u64 = 4;
