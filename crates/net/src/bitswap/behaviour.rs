//! The bitswap behaviour: serving wants from the store, and fetching wanted blocks from
//! connected peers with a deadline.

use super::handler::{Handler, HandlerIn, HandlerOut};
use super::message::{BitswapMessage, Presence, WantEntry, WantType};
use super::serve::answer;
use super::{all_protocols, BitswapStore};
use cid::Cid;
use libp2p::core::transport::PortUse;
use libp2p::core::Endpoint;
use libp2p::swarm::{
    ConnectionClosed, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, NotifyHandler,
    THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use padma_types::cid::digest_matches;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Bitswap settings.
#[derive(Clone, Debug)]
pub struct BitswapConfig {
    /// How long a want waits for its block before it fails.
    pub want_timeout: Duration,
    /// The most blocks wanted at once; further wants fail at once.
    pub max_wants: usize,
    /// The protocols spoken, most preferred first.
    pub protocols: Vec<StreamProtocol>,
}

impl Default for BitswapConfig {
    fn default() -> Self {
        BitswapConfig {
            want_timeout: Duration::from_secs(30),
            max_wants: 4096,
            protocols: all_protocols(),
        }
    }
}

/// Why a want ended without its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WantFailure {
    /// Every connected peer asked said it does not have the block.
    NotFound,
    /// No block came before the want's deadline.
    Timeout,
    /// Too many wants are pending.
    TooManyWants,
}

/// What the behaviour reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BitswapEvent {
    /// A wanted block arrived and its data hashes to its CID.
    Block {
        /// The block's CID.
        cid: Cid,
        /// Its bytes.
        data: Vec<u8>,
        /// The peer that sent it.
        from: PeerId,
    },
    /// A want ended without its block.
    WantFailed {
        /// The block's CID.
        cid: Cid,
        /// Why.
        reason: WantFailure,
    },
}

struct Want {
    deadline: Instant,
    asked: HashSet<PeerId>,
    dont_have: HashSet<PeerId>,
}

/// The bitswap network behaviour.
pub struct Bitswap {
    store: Arc<dyn BitswapStore>,
    config: BitswapConfig,
    /// Connected peers that (as far as known) speak bitswap, with their connections.
    peers: HashMap<PeerId, Vec<ConnectionId>>,
    wants: HashMap<Cid, Want>,
    events: VecDeque<ToSwarm<BitswapEvent, HandlerIn>>,
    timer: Option<(Instant, Pin<Box<Sleep>>)>,
    dropped_blocks: u64,
}

fn want_entry(cid: Cid, cancel: bool) -> WantEntry {
    WantEntry {
        cid,
        priority: 1,
        cancel,
        want_type: WantType::Block,
        send_dont_have: !cancel,
    }
}

impl Bitswap {
    /// A behaviour serving from `store`.
    pub fn new(store: Arc<dyn BitswapStore>, config: BitswapConfig) -> Self {
        Bitswap {
            store,
            config,
            peers: HashMap::new(),
            wants: HashMap::new(),
            events: VecDeque::new(),
            timer: None,
            dropped_blocks: 0,
        }
    }

    fn send(&mut self, peer: PeerId, msg: BitswapMessage) {
        self.events.push_back(ToSwarm::NotifyHandler {
            peer_id: peer,
            handler: NotifyHandler::Any,
            event: HandlerIn::Send(msg),
        });
    }

    fn fail(&mut self, cid: Cid, reason: WantFailure) {
        self.events
            .push_back(ToSwarm::GenerateEvent(BitswapEvent::WantFailed {
                cid,
                reason,
            }));
    }

    /// Asks connected peers for `cid`; a [`BitswapEvent`] reports the block or the
    /// failure. Wanting a block already wanted does nothing more.
    pub fn want(&mut self, cid: Cid) {
        if self.wants.contains_key(&cid) {
            return;
        }
        if self.wants.len() >= self.config.max_wants {
            self.fail(cid, WantFailure::TooManyWants);
            return;
        }
        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
        for peer in &peers {
            self.send(
                *peer,
                BitswapMessage {
                    wantlist: vec![want_entry(cid, false)],
                    ..Default::default()
                },
            );
        }
        self.wants.insert(
            cid,
            Want {
                deadline: Instant::now() + self.config.want_timeout,
                asked: peers.into_iter().collect(),
                dont_have: HashSet::new(),
            },
        );
    }

    /// Stops wanting `cid` (no event follows).
    pub fn cancel(&mut self, cid: &Cid) {
        if let Some(want) = self.wants.remove(cid) {
            self.send_cancels(*cid, want.asked);
        }
    }

    /// The CIDs wanted now.
    pub fn wanted(&self) -> impl Iterator<Item = &Cid> {
        self.wants.keys()
    }

    /// How many connected peers speak bitswap (as far as known).
    pub fn peer_count(&self) -> usize {
        self.peers.len()
    }

    /// How many received blocks were dropped: unwanted, late, or not hashing to a
    /// wanted CID.
    pub fn dropped_blocks(&self) -> u64 {
        self.dropped_blocks
    }

    fn send_cancels(&mut self, cid: Cid, peers: impl IntoIterator<Item = PeerId>) {
        for peer in peers {
            if self.peers.contains_key(&peer) {
                self.send(
                    peer,
                    BitswapMessage {
                        wantlist: vec![want_entry(cid, true)],
                        ..Default::default()
                    },
                );
            }
        }
    }

    /// Fails the wants every peer asked has refused.
    fn fail_refused(&mut self) {
        let refused: Vec<Cid> = self
            .wants
            .iter()
            .filter(|(_, w)| !w.asked.is_empty() && w.asked.is_subset(&w.dont_have))
            .map(|(c, _)| *c)
            .collect();
        for cid in refused {
            self.wants.remove(&cid);
            self.fail(cid, WantFailure::NotFound);
        }
    }

    fn peer_connected(&mut self, peer: PeerId) {
        let cids: Vec<Cid> = self.wants.keys().copied().collect();
        for want in self.wants.values_mut() {
            want.asked.insert(peer);
        }
        if !cids.is_empty() {
            self.send(
                peer,
                BitswapMessage {
                    wantlist: cids.into_iter().map(|c| want_entry(c, false)).collect(),
                    ..Default::default()
                },
            );
        }
    }

    fn peer_gone(&mut self, peer: &PeerId) {
        self.peers.remove(peer);
        for want in self.wants.values_mut() {
            want.asked.remove(peer);
            want.dont_have.remove(peer);
        }
    }

    /// The wanted CID `data` is the block of, if any.
    fn wanted_cid_of_raw(&self, data: &[u8]) -> Option<Cid> {
        self.wants
            .keys()
            .find(|c| digest_matches(c, data) == Some(true))
            .copied()
    }

    fn received(&mut self, peer: PeerId, msg: BitswapMessage) {
        for answer in answer(self.store.as_ref(), &msg.wantlist) {
            self.send(peer, answer);
        }
        let mut blocks: Vec<(Cid, Vec<u8>)> = Vec::new();
        for b in msg.payload {
            match b.cid() {
                Some(cid) if self.wants.contains_key(&cid) => blocks.push((cid, b.data)),
                _ => {
                    self.dropped_blocks += 1;
                    tracing::debug!(
                        "bitswap: dropping an unwanted or unverifiable block from {peer}"
                    );
                }
            }
        }
        for data in msg.raw_blocks {
            match self.wanted_cid_of_raw(&data) {
                Some(cid) => blocks.push((cid, data)),
                None => {
                    self.dropped_blocks += 1;
                    tracing::debug!("bitswap: dropping an unwanted raw block from {peer}");
                }
            }
        }
        for (cid, data) in blocks {
            if let Some(want) = self.wants.remove(&cid) {
                let others: Vec<PeerId> = want.asked.into_iter().filter(|p| *p != peer).collect();
                self.send_cancels(cid, others);
                self.events
                    .push_back(ToSwarm::GenerateEvent(BitswapEvent::Block {
                        cid,
                        data,
                        from: peer,
                    }));
            }
        }
        for (cid, presence) in msg.presences {
            if presence == Presence::DontHave {
                if let Some(want) = self.wants.get_mut(&cid) {
                    if want.asked.contains(&peer) {
                        want.dont_have.insert(peer);
                    }
                }
            }
        }
        self.fail_refused();
    }

    /// Fails the wants past their deadline and keeps the timer on the next deadline.
    fn poll_deadlines(&mut self, cx: &mut Context<'_>) {
        loop {
            let now = Instant::now();
            let expired: Vec<Cid> = self
                .wants
                .iter()
                .filter(|(_, w)| w.deadline <= now)
                .map(|(c, _)| *c)
                .collect();
            for cid in expired {
                if let Some(want) = self.wants.remove(&cid) {
                    self.send_cancels(cid, want.asked);
                }
                self.fail(cid, WantFailure::Timeout);
            }
            let Some(next) = self.wants.values().map(|w| w.deadline).min() else {
                self.timer = None;
                return;
            };
            match &mut self.timer {
                Some((at, sleep)) if *at == next => {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return;
                    }
                }
                _ => self.timer = Some((next, Box::pin(tokio::time::sleep_until(next)))),
            }
        }
    }
}

impl NetworkBehaviour for Bitswap {
    type ConnectionHandler = Handler;
    type ToSwarm = BitswapEvent;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(Handler::new(self.config.protocols.clone()))
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(Handler::new(self.config.protocols.clone()))
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionEstablished(e) => {
                let connections = self.peers.entry(e.peer_id).or_default();
                connections.push(e.connection_id);
                if connections.len() == 1 {
                    self.peer_connected(e.peer_id);
                }
            }
            FromSwarm::ConnectionClosed(ConnectionClosed {
                peer_id,
                connection_id,
                ..
            }) => {
                if let Some(connections) = self.peers.get_mut(&peer_id) {
                    connections.retain(|c| *c != connection_id);
                    if connections.is_empty() {
                        self.peer_gone(&peer_id);
                        self.fail_refused();
                    }
                }
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        peer: PeerId,
        connection: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {
            HandlerOut::Received(msg) => self.received(peer, msg),
            HandlerOut::Unsupported => {
                if let Some(connections) = self.peers.get_mut(&peer) {
                    connections.retain(|c| *c != connection);
                    if connections.is_empty() {
                        self.peer_gone(&peer);
                        self.fail_refused();
                    }
                }
            }
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ToSwarm<BitswapEvent, THandlerInEvent<Self>>> {
        if let Some(event) = self.events.pop_front() {
            return Poll::Ready(event);
        }
        self.poll_deadlines(cx);
        match self.events.pop_front() {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }
}
