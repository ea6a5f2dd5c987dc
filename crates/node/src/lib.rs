//! The padma full node as a library: its repo (config, datastore and chain record over
//! padma-repo's locked directory and keystore), the wallet, the FullNode API method
//! table, and [`builder::NodeBuilder`], which assembles a [`node::Node`] whose
//! services (the RPC server, chain tasks) run under one supervisor. `padma daemon`
//! ([`daemon`]) and `padma devnet` both build their node with it.

pub mod api;
pub mod builder;
pub mod config;
pub mod daemon;
pub mod node;
pub mod pushed;
pub mod repo;
pub mod wallet;

/// The FullNode v1 API version (2.3.0), as Lotus reports it.
pub const FULL_API_VERSION_V1: u32 = 0x020300;
/// The FullNode v0 API version (1.5.0).
pub const FULL_API_VERSION_V0: u32 = 0x010500;
/// Seconds between epochs on padma devnets.
pub const DEFAULT_BLOCK_DELAY_SECS: u64 = 4;
