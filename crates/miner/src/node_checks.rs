//! What the miner checks of its full node before it starts, as Lotus's miner does:
//! the API versions and network, the proof parameters the network needs, and that
//! the node is in sync.

use crate::fullnode::FullNode;
use anyhow::{anyhow, bail, Context, Result};
use padma_chain::network::NetworkParams;
use padma_rpc::client::RpcClient;
use serde_json::Value;
use std::time::Duration;

/// An API version packed as Lotus packs it (`major<<16 | minor<<8 | patch`).
fn split_version(v: u64) -> (u64, u64, u64) {
    (v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// Checks the full node's API versions: v0 1.5.x and v1 2.3.x (`exact_v1`: 2.3.0).
/// Returns the node's network parameters.
pub async fn check_node(node: &FullNode, exact_v1: bool) -> Result<NetworkParams> {
    let v0 = RpcClient::new(&node.info, "v0");
    let ver0: Value = v0
        .call("Version", vec![])
        .await
        .map_err(|e| anyhow!("cannot reach the full node: {e}"))?;
    let api0 = ver0["APIVersion"].as_u64().unwrap_or(0);
    let (ma, mi, _) = split_version(api0);
    if (ma, mi) != (1, 5) {
        bail!("the full node's v0 API is {ma}.{mi}, expected 1.5.x (is it a Lotus-compatible full node?)");
    }
    let ver1: Value = node.call("Version", vec![]).await?;
    let api1 = ver1["APIVersion"].as_u64().unwrap_or(0);
    let (ma, mi, pa) = split_version(api1);
    if (ma, mi) != (2, 3) || (exact_v1 && pa != 0) {
        bail!(
            "the full node's v1 API is {ma}.{mi}.{pa}, expected {}",
            if exact_v1 { "2.3.0" } else { "2.3.x" }
        );
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
    let delay = ver["BlockDelay"].as_u64().unwrap_or(30).max(1);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_versions_split_as_lotus_packs_them() {
        assert_eq!(split_version(0x020300), (2, 3, 0));
        assert_eq!(split_version(66816), (1, 5, 0));
    }
}
