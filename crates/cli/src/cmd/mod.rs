//! The subcommands.

pub mod auth;
pub mod chain;
pub mod daemon;
pub mod devnet;
pub mod fetch_actors;
pub mod fetch_params;
pub mod mpool;
pub mod msig;
pub mod net;
pub mod send;
pub mod state;
pub mod sync;
pub mod wallet;

use crate::node::Target;
use anyhow::Result;
use padma_api::common::Version;
use padma_rpc::api_version::unpack;

/// `padma version`.
pub async fn version(target: &Target) -> Result<()> {
    let v = target.client()?.request::<Version>(()).await?;
    let (major, minor, patch) = unpack(u64::from(v.api_version));
    println!("Daemon:  {}+api{major}.{minor}.{patch}", v.version);
    println!("Local: padma version {}", env!("CARGO_PKG_VERSION"));
    Ok(())
}
