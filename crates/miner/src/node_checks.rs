//! What the miner checks of its full node before it starts, as Lotus's miner does:
//! the API versions and network, the proof parameters the network needs, and that
//! the node is in sync.

use crate::fullnode::FullNode;
use anyhow::{anyhow, bail, Context, Result};
use padma_api::chain::ChainHead;
use padma_api::common::Version;
use padma_api::state::StateNetworkName;
use padma_chain::network::NetworkParams;
use padma_rpc::api_version::{unpack, FULL_NODE_V0, FULL_NODE_V1};
use padma_rpc::client::RpcClient;
use std::time::Duration;

/// Checks the full node's API versions: the major and minor of padma's FullNode v0
/// and v1 APIs (`exact_v1`: the v1 patch too). Returns the node's network parameters.
pub async fn check_node(node: &FullNode, exact_v1: bool) -> Result<NetworkParams> {
    let v0 = RpcClient::new(&node.info, "v0");
    let ver0 = v0
        .request::<Version>(())
        .await
        .map_err(|e| anyhow!("cannot reach the full node: {e}"))?;
    let (ma, mi, _) = unpack(u64::from(ver0.api_version));
    let (want_ma, want_mi, _) = unpack(u64::from(FULL_NODE_V0));
    if (ma, mi) != (want_ma, want_mi) {
        bail!("the full node's v0 API is {ma}.{mi}, expected {want_ma}.{want_mi}.x (is it a Lotus-compatible full node?)");
    }
    let ver1 = node.request::<Version>(()).await?;
    let (ma, mi, pa) = unpack(u64::from(ver1.api_version));
    let (want_ma, want_mi, want_pa) = unpack(u64::from(FULL_NODE_V1));
    if (ma, mi) != (want_ma, want_mi) || (exact_v1 && pa != want_pa) {
        let patch = if exact_v1 {
            want_pa.to_string()
        } else {
            "x".to_string()
        };
        bail!("the full node's v1 API is {ma}.{mi}.{pa}, expected {want_ma}.{want_mi}.{patch}");
    }
    let name = node.request::<StateNetworkName>(()).await?;
    NetworkParams::parse(&name).with_context(|| format!("the node's network name '{name}'"))
}

/// Makes sure the proof parameters are present (generating missing devnet files);
/// PoSt only when the miner does not seal (a genesis miner). Nothing is needed on a
/// mock-proof network.
pub async fn check_params(sector_size: u64, post_only: bool, net: &NetworkParams) -> Result<()> {
    if net.mock_proofs {
        return Ok(());
    }
    let needed = if post_only {
        padma_proofs::ParamsNeeded::PostOnly
    } else {
        padma_proofs::ParamsNeeded::All
    };
    tokio::task::spawn_blocking(move || {
        let set = padma_proofs::params::ParamSet::from_env()?;
        padma_proofs::ensure_params(sector_size, needed, set, &|e| {
            if let padma_proofs::ParamEvent::Generating { what, .. } = e {
                tracing::info!("generating proof parameters: {what}");
            }
        })
        .map_err(|e| anyhow!("proof parameters: {e}"))
    })
    .await?
}

/// Waits until the node's head is recent (Lotus `SyncWait`).
pub async fn sync_wait(node: &FullNode) -> Result<()> {
    let delay = node.request::<Version>(()).await?.block_delay.max(1);
    let mut last_print = std::time::Instant::now() - Duration::from_secs(60);
    loop {
        let head = node.request::<ChainHead>(()).await?;
        let ts = head.blocks.iter().map(|b| b.timestamp).min().unwrap_or(0);
        let now = padma_chain::network::now_ms() / 1000;
        if now.saturating_sub(ts) < delay {
            return Ok(());
        }
        if last_print.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "waiting for the full node to sync: head at height {} is {} s old (use --nosync to skip)",
                head.height,
                now.saturating_sub(ts)
            );
            last_print = std::time::Instant::now();
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
