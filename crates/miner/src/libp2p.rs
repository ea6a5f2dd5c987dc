//! The miner's libp2p host: the repo's `libp2p-host` identity (the peer ID set on
//! chain), connected to its full node's host as Lotus's miner did (`NetAddrsListen`
//! on the node, then a connect from the miner's host).

use crate::fullnode::FullNode;
use crate::identity::Identity;
use anyhow::{Context, Result};
use padma_api::chain::ChainGetGenesis;
use padma_api::net::NetAddrsListen;
use padma_api::state::StateNetworkName;
use padma_net::chain_access::NoChain;
use padma_net::handle::PeerAddrs;
use padma_net::{Keypair, NetConfig, NetHandle, NetService};
use std::sync::Arc;

/// The miner's host, started and connected to the node.
pub struct MinerHost {
    /// Its handle.
    pub handle: NetHandle,
    /// The service to run.
    pub service: NetService,
}

/// Starts the miner's host with `identity` on the node's network, listening on a
/// loopback port, and connects it to the node's host.
pub async fn start(node: &FullNode, identity: &Identity) -> Result<MinerHost> {
    let network_name = node.request::<StateNetworkName>(()).await?;
    let genesis = node.request::<ChainGetGenesis>(()).await?;
    let genesis_cid = genesis
        .cids
        .first()
        .map(|c| c.0)
        .context("the node's genesis tipset has no block")?;
    let mut config = NetConfig::local(&network_name, genesis_cid);
    config.keypair = Keypair::from_protobuf_encoding(&identity.to_protobuf())
        .context("the miner's libp2p-host key")?;
    config.kademlia = false;
    let (service, handle, _events) = padma_net::start(config, Arc::new(NoChain))?;
    let host = MinerHost { handle, service };
    match node.request::<NetAddrsListen>(()).await {
        Ok(info) => {
            let peer = padma_net::PeerId::from_bytes(info.id.as_bytes())
                .with_context(|| format!("the node's peer ID {}", info.id))?;
            let addrs = info.addrs.iter().filter_map(|a| a.parse().ok()).collect();
            Ok(host.connecting(PeerAddrs { id: peer, addrs }))
        }
        Err(e) => {
            tracing::warn!("the full node gave no libp2p addresses (NetAddrsListen): {e:#}; the miner's host stays unconnected");
            Ok(host)
        }
    }
}

impl MinerHost {
    fn connecting(self, node: PeerAddrs) -> MinerHost {
        let handle = self.handle.clone();
        tokio::spawn(async move {
            match handle.connect(node.clone()).await {
                Ok(()) => {
                    tracing::info!(peer = %node.id, "the miner's libp2p host is connected to its node")
                }
                Err(e) => tracing::warn!("connecting the miner's libp2p host to its node: {e:#}"),
            }
        });
        self
    }
}
