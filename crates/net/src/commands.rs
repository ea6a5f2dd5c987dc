//! The handle's commands, answered on the host's task.

use crate::handle::{Command, Connectedness, PeerAddrs, PeerDetails, PeerScore, Usage};
use crate::service::NetService;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::PeerId;
use std::time::Instant;

/// Score added per misbehaviour, and the score below which a peer is disconnected.
const PENALTY: f64 = -500.0;
const DISCONNECT_BELOW: f64 = -2000.0;

impl NetService {
    pub(crate) fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::ListenAddrs(tx) => {
                let _ = tx.send(self.swarm.listeners().cloned().collect());
            }
            Command::Listening(tx) => {
                if self.swarm.listeners().next().is_some() {
                    let _ = tx.send(self.swarm.listeners().cloned().collect());
                } else {
                    self.listen_waiters.push(tx);
                }
            }
            Command::Connect(peer, tx) => self.connect(peer, tx),
            Command::Disconnect(peer, tx) => {
                let _ = self.swarm.disconnect_peer_id(peer);
                let _ = tx.send(Ok(()));
            }
            Command::Peers(tx) => {
                let peers = self
                    .swarm
                    .connected_peers()
                    .map(|p| PeerAddrs {
                        id: *p,
                        addrs: self
                            .book
                            .get(p)
                            .map(|r| r.connected_addrs.clone())
                            .unwrap_or_default(),
                    })
                    .collect();
                let _ = tx.send(peers);
            }
            Command::Connectedness(peer, tx) => {
                let _ = tx.send(self.connectedness(&peer));
            }
            Command::FindPeer(peer, tx) => self.find_peer(peer, tx),
            Command::Ping(peer, tx) => {
                if self.swarm.is_connected(&peer) {
                    self.pings
                        .entry(peer)
                        .or_default()
                        .push((Instant::now(), tx));
                } else {
                    let _ = tx.send(Err(anyhow::anyhow!("not connected to {peer}")));
                }
            }
            Command::PeerInfo(peer, tx) => {
                let _ = tx.send(self.peer_details(&peer));
            }
            Command::Scores(tx) => {
                let gs = &self.swarm.behaviour().gossipsub;
                let scores = gs
                    .all_peers()
                    .map(|(p, _)| PeerScore {
                        id: *p,
                        score: gs.peer_score(p).unwrap_or(0.0),
                        app_specific: self.app_scores.get(p).copied().unwrap_or(0.0),
                    })
                    .collect();
                let _ = tx.send(scores);
            }
            Command::Protect(peers, on, tx) => {
                let limits = &mut self.swarm.behaviour_mut().limits;
                for p in &peers {
                    if on {
                        limits.bypass_peer_id(p);
                    } else {
                        limits.remove_peer_id(p);
                    }
                }
                if on {
                    self.book.protect(&peers);
                } else {
                    self.book.unprotect(&peers);
                }
                let _ = tx.send(());
            }
            Command::Protected(tx) => {
                let _ = tx.send(self.book.protected());
            }
            Command::BlockChanged(tx) => {
                self.close_blocked();
                let _ = tx.send(());
            }
            Command::Limits(tx) => {
                let _ = tx.send(self.config.limits.clone());
            }
            Command::SetLimits(limits, tx) => {
                self.set_limits(limits);
                let _ = tx.send(Ok(()));
            }
            Command::Usage(tx) => {
                let c = self.swarm.network_info().connection_counters().clone();
                let (si, so) = self.meter.open_streams();
                let _ = tx.send(Usage {
                    conns_inbound: c.num_established_incoming(),
                    conns_outbound: c.num_established_outgoing(),
                    streams_inbound: si,
                    streams_outbound: so,
                    peers: self.swarm.connected_peers().count(),
                });
            }
            Command::ExternalAddrs(tx) => {
                let _ = tx.send(self.swarm.external_addresses().cloned().collect());
            }
            Command::Publish(topic, data, tx) => {
                let t = self.topic(topic);
                let r = match self
                    .swarm
                    .behaviour_mut()
                    .gossipsub
                    .publish(t.clone(), data)
                {
                    Ok(_) => Ok(()),
                    // Nobody to tell is not a failure of the publisher.
                    Err(libp2p::gossipsub::PublishError::NoPeersSubscribedToTopic) => Ok(()),
                    Err(e) => Err(anyhow::anyhow!("publishing on {t}: {e}")),
                };
                let _ = tx.send(r);
            }
            Command::Validated(id, source, acceptance) => self.validated(id, source, acceptance),
            Command::Penalise(peer, why) => self.penalise(peer, &why),
            Command::Exchange(peer, request, tx) => {
                let id = self
                    .swarm
                    .behaviour_mut()
                    .xchg
                    .send_request(&peer, Ok(request));
                self.exchanges.insert(id, tx);
            }
            Command::Fetch(cid, tx) => {
                let waiting = self.fetches.entry(cid).or_default();
                waiting.push(tx);
                if waiting.len() == 1 {
                    self.swarm.behaviour_mut().bitswap.want(cid);
                }
            }
        }
    }

    fn connect(&mut self, peer: PeerAddrs, tx: tokio::sync::oneshot::Sender<anyhow::Result<()>>) {
        if peer.id == *self.swarm.local_peer_id() {
            let _ = tx.send(Err(anyhow::anyhow!("cannot connect to self")));
            return;
        }
        if self.swarm.is_connected(&peer.id) {
            let _ = tx.send(Ok(()));
            return;
        }
        for a in &peer.addrs {
            self.book.add_addr(peer.id, a.clone());
            if let Some(kad) = self.swarm.behaviour_mut().kad.as_mut() {
                kad.add_address(&peer.id, a.clone());
            }
        }
        let addrs = self.book.addrs(&peer.id);
        let opts = DialOpts::peer_id(peer.id).addresses(addrs).build();
        match self.swarm.dial(opts) {
            Ok(()) => self.dials.entry(peer.id).or_default().push(tx),
            Err(e) => {
                let _ = tx.send(Err(anyhow::anyhow!("failed to dial {}: {e}", peer.id)));
            }
        }
    }

    fn connectedness(&self, peer: &PeerId) -> Connectedness {
        if self.swarm.is_connected(peer) {
            return Connectedness::Connected;
        }
        match self.book.get(peer) {
            Some(r) if r.dial_failed => Connectedness::CannotConnect,
            Some(r) if r.was_connected => Connectedness::CanConnect,
            _ => Connectedness::NotConnected,
        }
    }

    fn find_peer(
        &mut self,
        peer: PeerId,
        tx: tokio::sync::oneshot::Sender<anyhow::Result<PeerAddrs>>,
    ) {
        let known = self.book.addrs(&peer);
        if !known.is_empty() {
            let _ = tx.send(Ok(PeerAddrs {
                id: peer,
                addrs: known,
            }));
            return;
        }
        match self.swarm.behaviour_mut().kad.as_mut() {
            Some(kad) => {
                let q = kad.get_closest_peers(peer);
                self.finds.insert(q, (peer, tx));
            }
            None => {
                let _ = tx.send(Err(anyhow::anyhow!(
                    "failed to find peer {peer}: not known, and peer discovery (Kademlia) is off"
                )));
            }
        }
    }

    fn peer_details(&self, peer: &PeerId) -> Option<PeerDetails> {
        let r = self.book.get(peer)?;
        Some(PeerDetails {
            id: *peer,
            agent: r.agent.clone(),
            addrs: self.book.addrs(peer),
            protocols: r.protocols.clone(),
            protected: self.book.is_protected(peer),
            latency: r.latency,
        })
    }

    /// Closes connections the block list now refuses.
    fn close_blocked(&mut self) {
        let list = self
            .block_list
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for p in peers {
            let by_addr = self
                .book
                .get(&p)
                .is_some_and(|r| r.connected_addrs.iter().any(|a| list.blocks_addr(a)));
            if list.blocks_peer(&p) || by_addr {
                tracing::info!(peer = %p, "disconnecting a blocked peer");
                let _ = self.swarm.disconnect_peer_id(p);
            }
        }
    }

    /// Lowers a peer's application score; a peer far enough below is disconnected.
    pub(crate) fn penalise(&mut self, peer: PeerId, why: &str) {
        let score = self.app_scores.get(&peer).copied().unwrap_or(0.0) + PENALTY;
        tracing::warn!(%peer, score, "penalising peer: {why}");
        self.set_app_score(peer, score);
        if score <= DISCONNECT_BELOW && !self.book.is_protected(&peer) {
            tracing::warn!(%peer, "disconnecting a misbehaving peer");
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }
}
