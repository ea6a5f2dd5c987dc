//! The subcommands.

pub mod auth;
pub mod chain;
pub mod daemon;
pub mod devnet;
pub mod fetch_params;
pub mod mpool;
pub mod send;
pub mod state;
pub mod sync;
pub mod wallet;

use crate::node::Target;
use anyhow::Result;
use padma_rpc::api_version::unpack;
use serde_json::Value;

/// `padma version`.
pub async fn version(target: &Target) -> Result<()> {
    let v: Value = target.client()?.call("Version", vec![]).await?;
    let (major, minor, patch) = unpack(v["APIVersion"].as_u64().unwrap_or(0));
    println!(
        "Daemon:  {}+api{major}.{minor}.{patch}",
        v["Version"].as_str().unwrap_or("?"),
    );
    println!("Local: padma version {}", env!("CARGO_PKG_VERSION"));
    Ok(())
}
