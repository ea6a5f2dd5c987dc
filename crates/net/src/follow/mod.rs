//! Following the network: what the node does with what its peers say. Hellos and
//! blocks with unknown parents become sync targets, caught up one at a time by
//! padma-chain's [`Syncer`] over chain exchange ([`PeerSource`]); gossiped blocks are
//! validated (their messages found locally or fetched by bitswap) through the same path
//! as local blocks before gossipsub forwards them; gossiped messages enter the pool
//! (not kept as local); messages added to the pool are published.

mod gossip_in;
mod source;
mod targets;

pub use source::PeerSource;

use crate::handle::{NetHandle, Topic};
use crate::service::NetEvent;
use anyhow::Result;
use libp2p::gossipsub::{MessageAcceptance, MessageId};
use libp2p::PeerId;
use padma_chain::service::ChainService;
use padma_chain::sync::Syncer;
use std::future::Future;
use std::sync::Arc;
use targets::SyncTargets;
use tokio::sync::{mpsc, Semaphore};

/// Gossiped blocks and messages validated at once.
const VALIDATING: usize = 8;
/// Gossip payload waiting for validation, at most, in KiB: what arrives beyond it is
/// ignored (not forwarded, not held), so a flood cannot pile up in memory.
const QUEUED_GOSSIP_KIB: usize = 16 * 1024;

/// The node's side of the network.
#[derive(Clone)]
pub struct Follower {
    net: NetHandle,
    svc: Arc<ChainService>,
    syncer: Syncer,
    targets: Arc<SyncTargets>,
    validating: Arc<Semaphore>,
    queued: Arc<Semaphore>,
}

impl Follower {
    /// A follower feeding `svc` from `net`.
    pub fn new(net: NetHandle, svc: Arc<ChainService>) -> Follower {
        Follower {
            syncer: Syncer::new(svc.clone()),
            net,
            svc,
            targets: Arc::new(SyncTargets::default()),
            validating: Arc::new(Semaphore::new(VALIDATING)),
            queued: Arc::new(Semaphore::new(QUEUED_GOSSIP_KIB)),
        }
    }

    /// Runs until `stop` resolves or the host stops.
    pub async fn run(
        self,
        mut events: mpsc::Receiver<NetEvent>,
        stop: impl Future<Output = ()>,
    ) -> Result<()> {
        tokio::pin!(stop);
        let syncing = tokio::spawn(self.clone().sync_loop());
        let publishing = tokio::spawn(self.clone().publish_pool_additions());
        loop {
            tokio::select! {
                _ = &mut stop => break,
                event = events.recv() => match event {
                    Some(e) => self.on_event(e),
                    None => break,
                },
            }
        }
        syncing.abort();
        publishing.abort();
        Ok(())
    }

    fn on_event(&self, event: NetEvent) {
        match event {
            NetEvent::Hello {
                peer,
                head,
                height,
                weight,
            } => {
                tracing::debug!(%peer, height, %weight, "hello");
                self.targets.offer(peer, head, height, weight);
            }
            NetEvent::GossipBlock { source, id, data } => {
                self.validate_gossip(source, id, data, true)
            }
            NetEvent::GossipMessage { source, id, data } => {
                self.validate_gossip(source, id, data, false)
            }
            NetEvent::PeerConnected(_) => {}
            NetEvent::PeerDisconnected(peer) => self.targets.forget_peer(&peer),
        }
    }

    /// Validates a gossiped block (or message) when its turn comes, and tells gossipsub
    /// the verdict; while too much waits already, it is ignored at once.
    fn validate_gossip(&self, source: PeerId, id: MessageId, data: Vec<u8>, block: bool) {
        let kib = u32::try_from(data.len() / 1024 + 1).unwrap_or(u32::MAX);
        let Ok(queued) = self.queued.clone().try_acquire_many_owned(kib) else {
            tracing::debug!(peer = %source, "gossip ignored: too much is waiting for validation");
            let net = self.net.clone();
            tokio::spawn(async move {
                net.report_validation(id, source, MessageAcceptance::Ignore)
                    .await
            });
            return;
        };
        let this = self.clone();
        tokio::spawn(async move {
            let _queued = queued;
            let Ok(_permit) = this.validating.clone().acquire_owned().await else {
                return;
            };
            let verdict = if block {
                this.on_gossip_block(source, &data).await
            } else {
                this.on_gossip_message(source, &data).await
            };
            let _ = this.net.report_validation(id, source, verdict).await;
        });
    }

    /// Catches up to the heaviest target announced, one at a time.
    async fn sync_loop(self) {
        loop {
            let target = self.targets.next().await;
            let weight_now = self
                .svc
                .sm()
                .chain()
                .weight(self.svc.sm().head().key())
                .ok()
                .flatten()
                .unwrap_or_default();
            if target.weight <= weight_now || self.syncer.is_known(&target.head).unwrap_or(false) {
                continue;
            }
            tracing::info!(peer = %target.peer, height = target.height, "syncing to a peer's head");
            let source = PeerSource {
                net: self.net.clone(),
                peer: target.peer,
            };
            if let Err(e) = self.syncer.sync_to(&target.head, &source).await {
                tracing::warn!(peer = %target.peer, "sync failed: {e}");
                if matches!(e, padma_chain::sync::SyncError::Invalid(_)) {
                    let _ = self
                        .net
                        .penalise(target.peer, format!("offered an invalid chain: {e}"))
                        .await;
                }
            }
        }
    }

    /// Publishes every message added to the pool (gossipsub drops those it has seen).
    async fn publish_pool_additions(self) {
        let mut updates = self.svc.mpool().subscribe();
        loop {
            match updates.recv().await {
                Ok(u) if u.kind == 0 => {
                    if let Err(e) = self.net.publish(Topic::Msgs, u.message.cbor()).await {
                        tracing::debug!("publishing message {}: {e:#}", u.message.cid());
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!("{n} pool additions not published (the host was busy)");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}
