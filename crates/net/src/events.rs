//! The host's swarm events: connections, identify, ping, Kademlia and gossip.

use crate::behaviour::BehaviourEvent;
use crate::handle::PeerAddrs;
use crate::service::{NetEvent, NetService, BOOTSTRAP_SCORE};
use libp2p::gossipsub::{self, MessageAcceptance};
use libp2p::swarm::SwarmEvent;
use libp2p::{identify, kad, ping};

impl NetService {
    pub(crate) fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(
                    "libp2p listening on {address}/p2p/{}",
                    self.swarm.local_peer_id()
                );
                // The swarm lists the new address only after this event; it is added here.
                let mut addrs: Vec<_> = self.swarm.listeners().cloned().collect();
                if !addrs.contains(&address) {
                    addrs.push(address);
                }
                for tx in self.listen_waiters.drain(..) {
                    let _ = tx.send(addrs.clone());
                }
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                num_established,
                ..
            } => {
                self.book
                    .connected(peer_id, endpoint.get_remote_address().clone());
                for tx in self.dials.remove(&peer_id).unwrap_or_default() {
                    let _ = tx.send(Ok(()));
                }
                if self.bootstrap.iter().any(|(p, _)| *p == peer_id) {
                    self.set_app_score(peer_id, BOOTSTRAP_SCORE);
                }
                if num_established.get() == 1 {
                    tracing::debug!(peer = %peer_id, "connected");
                    self.emit(NetEvent::PeerConnected(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                endpoint,
                num_established,
                ..
            } => {
                self.book
                    .disconnected(&peer_id, endpoint.get_remote_address());
                if num_established == 0 {
                    self.said_hello.remove(&peer_id);
                    tracing::debug!(peer = %peer_id, "disconnected");
                    self.emit(NetEvent::PeerDisconnected(peer_id));
                }
            }
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            } if !self.swarm.is_connected(&peer) => {
                self.book.entry(peer).dial_failed = true;
                for tx in self.dials.remove(&peer).unwrap_or_default() {
                    let _ = tx.send(Err(anyhow::anyhow!("failed to dial {peer}: {error}")));
                }
            }
            SwarmEvent::Behaviour(b) => self.on_behaviour_event(b),
            _ => {}
        }
    }

    fn on_behaviour_event(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
                self.say_hello(peer_id, &info.protocols);
                let protocols = info.protocols.iter().map(|p| p.to_string()).collect();
                if let Some(kad) = self.swarm.behaviour_mut().kad.as_mut() {
                    for a in &info.listen_addrs {
                        kad.add_address(&peer_id, a.clone());
                    }
                }
                self.book
                    .identified(peer_id, info.agent_version, protocols, info.listen_addrs);
            }
            BehaviourEvent::Ping(ping::Event {
                peer,
                result: Ok(rtt),
                ..
            }) => {
                self.book.entry(peer).latency = Some(rtt);
                for (_, tx) in self.pings.remove(&peer).unwrap_or_default() {
                    let _ = tx.send(Ok(rtt));
                }
            }
            BehaviourEvent::Ping(ping::Event {
                peer,
                result: Err(e),
                ..
            }) => {
                for (_, tx) in self.pings.remove(&peer).unwrap_or_default() {
                    let _ = tx.send(Err(anyhow::anyhow!("ping {peer}: {e}")));
                }
            }
            BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id, result, step, ..
            }) => {
                self.on_kad_result(id, result, step.last);
            }
            BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            }) => self.on_gossip(propagation_source, message_id, message),
            BehaviourEvent::Hello(e) => self.on_hello(e),
            BehaviourEvent::Xchg(e) => self.on_xchg(e),
            BehaviourEvent::Bitswap(e) => self.on_bitswap(e),
            _ => {}
        }
    }

    fn on_kad_result(&mut self, id: kad::QueryId, result: kad::QueryResult, last: bool) {
        let kad::QueryResult::GetClosestPeers(result) = result else {
            return;
        };
        let Some((wanted, _)) = self.finds.get(&id) else {
            return;
        };
        let wanted = *wanted;
        let found = match &result {
            Ok(ok) => ok
                .peers
                .iter()
                .find(|p| p.peer_id == wanted)
                .map(|p| p.addrs.clone()),
            Err(kad::GetClosestPeersError::Timeout { peers, .. }) => peers
                .iter()
                .find(|p| p.peer_id == wanted)
                .map(|p| p.addrs.clone()),
        };
        if found.is_none() && !last {
            return;
        }
        if let Some((_, tx)) = self.finds.remove(&id) {
            let _ = tx.send(match found {
                Some(addrs) => {
                    for a in &addrs {
                        self.book.add_addr(wanted, a.clone());
                    }
                    Ok(PeerAddrs { id: wanted, addrs })
                }
                None => Err(anyhow::anyhow!(
                    "failed to find peer {wanted}: routing: not found"
                )),
            });
        }
    }

    fn on_gossip(
        &mut self,
        source: libp2p::PeerId,
        id: gossipsub::MessageId,
        message: gossipsub::Message,
    ) {
        let data = message.data;
        let event = if message.topic == self.blocks_topic.hash() {
            NetEvent::GossipBlock {
                source,
                id: id.clone(),
                data,
            }
        } else if message.topic == self.msgs_topic.hash() {
            NetEvent::GossipMessage {
                source,
                id: id.clone(),
                data,
            }
        } else {
            self.validated(id, source, MessageAcceptance::Ignore);
            return;
        };
        if let Err(e) = self.events.try_send(event) {
            tracing::debug!("gossip dropped, the node is busy: {e}");
            self.validated(id, source, MessageAcceptance::Ignore);
        }
    }

    pub(crate) fn validated(
        &mut self,
        id: gossipsub::MessageId,
        source: libp2p::PeerId,
        acceptance: MessageAcceptance,
    ) {
        let _ = self
            .swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(&id, &source, acceptance);
    }

    pub(crate) fn set_app_score(&mut self, peer: libp2p::PeerId, score: f64) {
        self.app_scores.insert(peer, score);
        self.swarm
            .behaviour_mut()
            .gossipsub
            .set_application_score(&peer, score);
    }

    fn emit(&mut self, event: NetEvent) {
        if let Err(e) = self.events.try_send(event) {
            tracing::debug!("network event dropped, the node is busy: {e}");
        }
    }
}
