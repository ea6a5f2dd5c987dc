//! What the network benchmarks share: a libp2p host over an in-process test chain,
//! listening on 127.0.0.1, its task running until the benchmark ends.

#![allow(dead_code)] // each benchmark uses its own part

use crate::common::TestChain;
use padma_net::handle::PeerAddrs;
use padma_net::{Multiaddr, NetConfig, NetEvent, NetHandle, PeerId};
use tokio::sync::mpsc;

/// A running host.
pub struct Host {
    /// Its handle.
    pub handle: NetHandle,
    /// Its peer ID.
    pub id: PeerId,
    /// Where it listens.
    pub addrs: Vec<Multiaddr>,
    /// What it tells its node (a follower takes these).
    pub events: Option<mpsc::Receiver<NetEvent>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a host serving `chain` on a loopback port the system picks.
pub async fn start(chain: &TestChain) -> Host {
    let sm = chain.svc().sm();
    let config = NetConfig::local("padma-bench", sm.genesis().cid());
    let (service, handle, events) = padma_net::start(config, sm.chain().clone()).unwrap();
    let task = tokio::spawn(service.run(std::future::pending()));
    let mut addrs = handle.listen_addrs().await.unwrap();
    while addrs.is_empty() {
        tokio::task::yield_now().await;
        addrs = handle.listen_addrs().await.unwrap();
    }
    Host {
        id: handle.peer_id(),
        handle,
        addrs,
        events: Some(events),
        task,
    }
}

impl Host {
    /// Connects this host to `other`.
    pub async fn connect(&self, other: &Host) {
        self.handle
            .connect(PeerAddrs {
                id: other.id,
                addrs: other.addrs.clone(),
            })
            .await
            .unwrap();
    }
}
