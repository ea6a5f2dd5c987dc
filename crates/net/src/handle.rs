//! The node's handle on its libp2p host: every query and command goes to the host's
//! task as a message and is answered there, so the swarm has one owner.

use crate::bandwidth::{Bandwidth, Meter};
use crate::config::NetLimits;
use crate::gate::{BlockList, SharedBlockList};
use crate::wire::xchg;
use anyhow::{anyhow, Result};
use cid::Cid;
use libp2p::gossipsub::{MessageAcceptance, MessageId};
use libp2p::{Multiaddr, PeerId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// go-libp2p's `network.Connectedness`, as the Net API reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connectedness {
    /// No connection, and none was ever made.
    NotConnected = 0,
    /// Connected now.
    Connected = 1,
    /// Not connected, but it was reachable before.
    CanConnect = 2,
    /// The last dial failed.
    CannotConnect = 3,
}

/// A peer and its addresses (Lotus's `AddrInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerAddrs {
    /// The peer.
    pub id: PeerId,
    /// Its addresses.
    pub addrs: Vec<Multiaddr>,
}

/// What the host knows of a peer (`NetPeerInfo`).
#[derive(Clone, Debug, PartialEq)]
pub struct PeerDetails {
    /// The peer.
    pub id: PeerId,
    /// Its agent version, once identified.
    pub agent: Option<String>,
    /// Its known addresses.
    pub addrs: Vec<Multiaddr>,
    /// The protocols it supports.
    pub protocols: Vec<String>,
    /// Whether it is protected.
    pub protected: bool,
    /// Its last ping round trip.
    pub latency: Option<Duration>,
}

/// A peer's gossipsub score.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerScore {
    /// The peer.
    pub id: PeerId,
    /// Its whole score.
    pub score: f64,
    /// The application-specific part the node set.
    pub app_specific: f64,
}

/// What the host is using now (`NetStat`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Inbound connections.
    pub conns_inbound: u32,
    /// Outbound connections.
    pub conns_outbound: u32,
    /// Inbound streams.
    pub streams_inbound: u64,
    /// Outbound streams.
    pub streams_outbound: u64,
    /// Connected peers.
    pub peers: usize,
}

/// Which gossip topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// `/fil/blocks/<network>`.
    Blocks,
    /// `/fil/msgs/<network>`.
    Msgs,
}

/// A request to the host's task.
pub(crate) enum Command {
    ListenAddrs(oneshot::Sender<Vec<Multiaddr>>),
    Listening(oneshot::Sender<Vec<Multiaddr>>),
    Connect(PeerAddrs, oneshot::Sender<Result<()>>),
    Disconnect(PeerId, oneshot::Sender<Result<()>>),
    Peers(oneshot::Sender<Vec<PeerAddrs>>),
    Connectedness(PeerId, oneshot::Sender<Connectedness>),
    FindPeer(PeerId, oneshot::Sender<Result<PeerAddrs>>),
    Ping(PeerId, oneshot::Sender<Result<Duration>>),
    PeerInfo(PeerId, oneshot::Sender<Option<PeerDetails>>),
    Scores(oneshot::Sender<Vec<PeerScore>>),
    Protect(Vec<PeerId>, bool, oneshot::Sender<()>),
    Protected(oneshot::Sender<Vec<PeerId>>),
    BlockChanged(oneshot::Sender<()>),
    Limits(oneshot::Sender<NetLimits>),
    SetLimits(NetLimits, oneshot::Sender<Result<()>>),
    Usage(oneshot::Sender<Usage>),
    ExternalAddrs(oneshot::Sender<Vec<Multiaddr>>),
    Publish(Topic, Vec<u8>, oneshot::Sender<Result<()>>),
    Validated(MessageId, PeerId, MessageAcceptance),
    Exchange(
        PeerId,
        xchg::Request,
        oneshot::Sender<Result<xchg::Response>>,
    ),
    Fetch(Cid, oneshot::Sender<Result<Vec<u8>>>),
    Penalise(PeerId, String),
}

/// The handle (cheap to clone).
#[derive(Clone)]
pub struct NetHandle {
    pub(crate) peer_id: PeerId,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) meter: Arc<Meter>,
    pub(crate) block_list: SharedBlockList,
}

/// The host's task has stopped.
fn stopped() -> anyhow::Error {
    anyhow!("the libp2p host has stopped")
}

impl NetHandle {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(make(tx)).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }

    /// This host's peer ID.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The addresses the host listens on.
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>> {
        self.ask(Command::ListenAddrs).await
    }

    /// The addresses the host listens on, once it listens on at least one (the port
    /// the system picked for a `/tcp/0` address is known only then).
    pub async fn listening(&self) -> Result<Vec<Multiaddr>> {
        self.ask(Command::Listening).await
    }

    /// Connects to a peer (at `addrs`, or where the host knows it to be); returns once
    /// a connection is established or the dial failed.
    pub async fn connect(&self, peer: PeerAddrs) -> Result<()> {
        self.ask(|tx| Command::Connect(peer, tx)).await?
    }

    /// Closes every connection with `peer`.
    pub async fn disconnect(&self, peer: PeerId) -> Result<()> {
        self.ask(|tx| Command::Disconnect(peer, tx)).await?
    }

    /// The connected peers with the addresses of their connections.
    pub async fn peers(&self) -> Result<Vec<PeerAddrs>> {
        self.ask(Command::Peers).await
    }

    /// Whether the host is connected to `peer`.
    pub async fn connectedness(&self, peer: PeerId) -> Result<Connectedness> {
        self.ask(|tx| Command::Connectedness(peer, tx)).await
    }

    /// Finds a peer's addresses: known ones, else a Kademlia lookup.
    pub async fn find_peer(&self, peer: PeerId) -> Result<PeerAddrs> {
        self.ask(|tx| Command::FindPeer(peer, tx)).await?
    }

    /// The round trip of the next ping to a connected peer.
    pub async fn ping(&self, peer: PeerId) -> Result<Duration> {
        self.ask(|tx| Command::Ping(peer, tx)).await?
    }

    /// What the host knows of `peer`.
    pub async fn peer_info(&self, peer: PeerId) -> Result<Option<PeerDetails>> {
        self.ask(|tx| Command::PeerInfo(peer, tx)).await
    }

    /// The gossipsub scores of the peers gossipsub knows.
    pub async fn pubsub_scores(&self) -> Result<Vec<PeerScore>> {
        self.ask(Command::Scores).await
    }

    /// Bandwidth used in all.
    pub fn bandwidth(&self) -> Bandwidth {
        self.meter.total()
    }

    /// Bandwidth used per peer.
    pub fn bandwidth_by_peer(&self) -> HashMap<PeerId, Bandwidth> {
        self.meter.by_peer()
    }

    /// Bandwidth used per protocol.
    pub fn bandwidth_by_protocol(&self) -> HashMap<String, Bandwidth> {
        self.meter.by_protocol()
    }

    /// Adds to the block list and closes connections it now refuses.
    pub async fn block_add(&self, list: &BlockList) -> Result<()> {
        self.block_list
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .add(list);
        self.ask(Command::BlockChanged).await
    }

    /// Removes from the block list.
    pub async fn block_remove(&self, list: &BlockList) -> Result<()> {
        self.block_list
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(list);
        self.ask(Command::BlockChanged).await
    }

    /// The block list.
    pub fn block_list(&self) -> BlockList {
        self.block_list
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Protects peers from the connection limits.
    pub async fn protect_add(&self, peers: Vec<PeerId>) -> Result<()> {
        self.ask(|tx| Command::Protect(peers, true, tx)).await
    }

    /// Removes protection.
    pub async fn protect_remove(&self, peers: Vec<PeerId>) -> Result<()> {
        self.ask(|tx| Command::Protect(peers, false, tx)).await
    }

    /// The protected peers.
    pub async fn protect_list(&self) -> Result<Vec<PeerId>> {
        self.ask(Command::Protected).await
    }

    /// The limits in force.
    pub async fn limits(&self) -> Result<NetLimits> {
        self.ask(Command::Limits).await
    }

    /// Changes the connection limits (stream limits apply to new connections).
    pub async fn set_limits(&self, limits: NetLimits) -> Result<()> {
        self.ask(|tx| Command::SetLimits(limits, tx)).await?
    }

    /// What is in use now.
    pub async fn usage(&self) -> Result<Usage> {
        self.ask(Command::Usage).await
    }

    /// Addresses peers confirmed they reach this host at.
    pub async fn external_addrs(&self) -> Result<Vec<Multiaddr>> {
        self.ask(Command::ExternalAddrs).await
    }

    /// Publishes on a gossip topic.
    pub async fn publish(&self, topic: Topic, data: Vec<u8>) -> Result<()> {
        self.ask(|tx| Command::Publish(topic, data, tx)).await?
    }

    /// Tells gossipsub what validation made of a message (accepted ones are forwarded,
    /// rejected ones count against their sender).
    pub async fn report_validation(
        &self,
        id: MessageId,
        source: PeerId,
        acceptance: MessageAcceptance,
    ) -> Result<()> {
        self.commands
            .send(Command::Validated(id, source, acceptance))
            .await
            .map_err(|_| stopped())
    }

    /// Asks `peer` for a chain segment (the answer is not yet checked: see
    /// [`crate::wire::xchg::validate_response`]).
    pub async fn chain_exchange(
        &self,
        peer: PeerId,
        request: xchg::Request,
    ) -> Result<xchg::Response> {
        self.ask(|tx| Command::Exchange(peer, request, tx)).await?
    }

    /// Fetches a block by bitswap from the connected peers; its bytes hash to `cid`.
    pub async fn fetch_block(&self, cid: Cid) -> Result<Vec<u8>> {
        self.ask(|tx| Command::Fetch(cid, tx)).await?
    }

    /// Lowers a peer's standing for misbehaving (and disconnects a peer that keeps at it).
    pub async fn penalise(&self, peer: PeerId, why: String) -> Result<()> {
        self.commands
            .send(Command::Penalise(peer, why))
            .await
            .map_err(|_| stopped())
    }
}
