//! The padma full node as a library: its repo (config, datastore and chain record over
//! padma-repo's locked directory and keystore), the wallet, the FullNode API method
//! table, and [`builder::NodeBuilder`], which assembles a [`node::Node`] whose
//! services (the RPC server, chain tasks) run under one supervisor. `padma daemon`
//! ([`daemon`]) and `padma devnet` both build their node with it.

pub mod api;
pub mod builder;
pub mod config;
pub mod daemon;
pub mod network;
pub mod node;
pub mod pushed;
pub mod repo;
pub mod wallet;
