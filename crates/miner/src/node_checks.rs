//! What the miner checks of its full node before it starts, as Lotus's miner does:
//! the API versions and network, the proof parameters the network needs, and that
//! the node is in sync.

use crate::fullnode::FullNode;
use anyhow::{anyhow, bail, Context, Result};
use padma_chain::network::NetworkParams;
use padma_rpc::api_version::{unpack, FULL_NODE_V0, FULL_NODE_V1};
use padma_rpc::client::RpcClient;
use serde_json::Value;
use std::time::Duration;

/// Checks the full node's API versions: the major and minor of padma's FullNode v0
/// and v1 APIs (`exact_v1`: the v1 patch too). Returns the node's network parameters.
pub async fn check_node(node: &FullNode, exact_v1: bool) -> Result<NetworkParams> {
    let v0 = RpcClient::new(&node.info, "v0");
    let ver0: Value = v0
        .call("Version", vec![])
        .await
        .map_err(|e| anyhow!("cannot reach the full node: {e}"))?;
    let api0 = ver0["APIVersion"].as_u64().unwrap_or(0);
    let (ma, mi, _) = unpack(api0);
    let (want_ma, want_mi, _) = unpack(u64::from(FULL_NODE_V0));
    if (ma, mi) != (want_ma, want_mi) {
        bail!("the full node's v0 API is {ma}.{mi}, expected {want_ma}.{want_mi}.x (is it a Lotus-compatible full node?)");
    }
    let ver1: Value = node.call("Version", vec![]).await?;
    let api1 = ver1["APIVersion"].as_u64().unwrap_or(0);
    let (ma, mi, pa) = unpack(api1);
    let (want_ma, want_mi, want_pa) = unpack(u64::from(FULL_NODE_V1));
    if (ma, mi) != (want_ma, want_mi) || (exact_v1 && pa != want_pa) {
        let patch = if exact_v1 {
            want_pa.to_string()
        } else {
            "x".to_string()
        };
        bail!("the full node's v1 API is {ma}.{mi}.{pa}, expected {want_ma}.{want_mi}.{patch}");
    }
    let name: String = node.call("StateNetworkName", vec![]).await?;
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
    let ver: Value = node.call("Version", vec![]).await?;
    let delay = ver["BlockDelay"]
        .as_u64()
        .unwrap_or(padma_chain::network::MAINNET_BLOCK_DELAY_SECS)
        .max(1);
    let mut last_print = std::time::Instant::now() - Duration::from_secs(60);
    loop {
        let head: Value = node.call("ChainHead", vec![]).await?;
        let ts = head["Blocks"]
            .as_array()
            .and_then(|b| b.iter().filter_map(|b| b["Timestamp"].as_u64()).min())
            .unwrap_or(0);
        let now = padma_chain::network::now_ms() / 1000;
        if now.saturating_sub(ts) < delay {
            return Ok(());
        }
        if last_print.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "waiting for the full node to sync: head at height {} is {} s old (use --nosync to skip)",
                head["Height"],
                now.saturating_sub(ts)
            );
            last_print = std::time::Instant::now();
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
