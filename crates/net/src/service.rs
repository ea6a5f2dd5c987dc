//! The host's task: it owns the swarm, answers the handle's commands and turns swarm
//! events into the node's [`NetEvent`]s.

use crate::bandwidth::Meter;
use crate::behaviour::{connection_limits, Behaviour};
use crate::chain_access::ChainAccess;
use crate::config::{NetConfig, NetLimits};
use crate::gate::SharedBlockList;
use crate::gossip::{blocks_topic, msgs_topic};
use crate::handle::{Command, NetHandle, PeerAddrs, Topic};
use crate::wire::xchg;
use anyhow::{Context as _, Result};
use cid::Cid;
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::upgrade::Version;
use libp2p::core::Transport;
use libp2p::gossipsub::{IdentTopic, MessageId};
use libp2p::request_response::{OutboundRequestId, ResponseChannel};
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId, Swarm, SwarmBuilder};
use std::collections::HashMap;
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What the host tells the node.
#[derive(Debug)]
pub enum NetEvent {
    /// A connection with a peer was established (its first).
    PeerConnected(PeerId),
    /// The last connection with a peer closed.
    PeerDisconnected(PeerId),
    /// A peer said hello: its heaviest tipset (on our genesis).
    Hello {
        /// The peer.
        peer: PeerId,
        /// Its heaviest tipset's key.
        head: padma_types::block::TipSetKey,
        /// That tipset's height.
        height: i64,
        /// Its weight.
        weight: num_bigint::BigInt,
    },
    /// A gossiped block to validate; report the outcome with
    /// [`NetHandle::report_validation`].
    GossipBlock {
        /// The peer that forwarded it.
        source: PeerId,
        /// Its gossip message ID.
        id: MessageId,
        /// The payload.
        data: Vec<u8>,
    },
    /// A gossiped message to validate, likewise.
    GossipMessage {
        /// The peer that forwarded it.
        source: PeerId,
        /// Its gossip message ID.
        id: MessageId,
        /// The payload.
        data: Vec<u8>,
    },
}

/// Capacity of the command and event queues.
const QUEUE: usize = 1024;
/// How often bootstrap peers are redialled when not connected, and Kademlia refreshed.
const BOOTSTRAP_INTERVAL: Duration = Duration::from_secs(30);
/// How long `NetPing` waits for a round trip.
const PING_TIMEOUT: Duration = Duration::from_secs(20);

/// The host, ready to run.
pub struct NetService {
    pub(crate) swarm: Swarm<Behaviour>,
    pub(crate) config: NetConfig,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) events: mpsc::Sender<NetEvent>,
    pub(crate) meter: Arc<Meter>,
    pub(crate) block_list: SharedBlockList,
    pub(crate) book: crate::peers::PeerBook,
    pub(crate) dials: HashMap<PeerId, Vec<oneshot::Sender<Result<()>>>>,
    pub(crate) pings: HashMap<PeerId, Vec<PingWaiter>>,
    pub(crate) finds: HashMap<libp2p::kad::QueryId, (PeerId, oneshot::Sender<Result<PeerAddrs>>)>,
    pub(crate) app_scores: HashMap<PeerId, f64>,
    pub(crate) bootstrap: Vec<(PeerId, Multiaddr)>,
    pub(crate) blocks_topic: IdentTopic,
    pub(crate) msgs_topic: IdentTopic,
    pub(crate) chain: Arc<dyn ChainAccess>,
    pub(crate) said_hello: HashSet<PeerId>,
    /// Those waiting for the first listen address ([`NetHandle::listening`]).
    pub(crate) listen_waiters: Vec<oneshot::Sender<Vec<Multiaddr>>>,
    pub(crate) exchanges: HashMap<OutboundRequestId, oneshot::Sender<Result<xchg::Response>>>,
    pub(crate) fetches: HashMap<Cid, Vec<oneshot::Sender<Result<Vec<u8>>>>>,
    pub(crate) served_tx: mpsc::Sender<(ResponseChannel<xchg::Response>, xchg::Response)>,
    pub(crate) served_rx: mpsc::Receiver<(ResponseChannel<xchg::Response>, xchg::Response)>,
}

/// A `NetPing` waiting for the next round trip, and since when.
pub(crate) type PingWaiter = (Instant, oneshot::Sender<Result<Duration>>);

/// Application-specific gossip score of a bootstrap peer (as Lotus).
pub const BOOTSTRAP_SCORE: f64 = 2500.0;

/// Builds the host for `config` over `chain`: binds its listen addresses and subscribes
/// to the network's topics. Returns the service to run, its handle and the node's
/// events.
pub fn start(
    config: NetConfig,
    chain: Arc<dyn ChainAccess>,
) -> Result<(NetService, NetHandle, mpsc::Receiver<NetEvent>)> {
    let meter = Meter::new();
    let block_list = SharedBlockList::default();
    let behaviour = Behaviour::new(&config, block_list.clone(), chain.blocks())?;
    let counting = meter.clone();
    let max_streams = config.limits.max_streams_per_connection;
    let mut swarm = SwarmBuilder::with_existing_identity(config.keypair.clone())
        .with_tokio()
        .with_other_transport(
            |key| -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
                let mut mux = yamux::Config::default();
                mux.set_max_num_streams(max_streams);
                Ok(
                    tcp::tokio::Transport::new(tcp::Config::default().nodelay(true))
                        .upgrade(Version::V1Lazy)
                        .authenticate(noise::Config::new(key)?)
                        .multiplex(mux)
                        .map(move |(peer, muxer), _| {
                            (peer, counting.wrap(peer, StreamMuxerBox::new(muxer)))
                        }),
                )
            },
        )
        .context("building the libp2p transport")?
        .with_dns()
        .context("building the DNS resolver")?
        .with_behaviour(|_| behaviour)
        .map_err(|e| anyhow::anyhow!("libp2p behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(120)))
        .build();
    for addr in &config.listen_addrs {
        swarm
            .listen_on(addr.clone())
            .with_context(|| format!("listening on {addr}"))?;
    }
    let blocks_topic = blocks_topic(&config.network_name);
    let msgs_topic = msgs_topic(&config.network_name);
    for t in [&blocks_topic, &msgs_topic] {
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(t)
            .map_err(|e| anyhow::anyhow!("subscribing to {t}: {e}"))?;
    }
    let mut bootstrap = Vec::new();
    for addr in &config.bootstrap_peers {
        let peer = peer_of(addr)
            .with_context(|| format!("bootstrap peer {addr} has no /p2p/<peer ID>"))?;
        bootstrap.push((peer, addr.clone()));
    }
    let (cmd_tx, commands) = mpsc::channel(QUEUE);
    let (events, ev_rx) = mpsc::channel(QUEUE);
    let (served_tx, served_rx) = mpsc::channel(QUEUE);
    let handle = NetHandle {
        peer_id: *swarm.local_peer_id(),
        commands: cmd_tx,
        meter: meter.clone(),
        block_list: block_list.clone(),
    };
    let service = NetService {
        swarm,
        config,
        commands,
        events,
        meter,
        block_list,
        book: Default::default(),
        dials: HashMap::new(),
        pings: HashMap::new(),
        finds: HashMap::new(),
        app_scores: HashMap::new(),
        bootstrap,
        blocks_topic,
        msgs_topic,
        chain,
        said_hello: HashSet::new(),
        listen_waiters: Vec::new(),
        exchanges: HashMap::new(),
        fetches: HashMap::new(),
        served_tx,
        served_rx,
    };
    Ok((service, handle, ev_rx))
}

/// The peer ID a multiaddress ends with (`…/p2p/<id>`).
pub fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

impl NetService {
    /// Runs the host until `stop` resolves.
    pub async fn run(mut self, stop: impl Future<Output = ()>) -> Result<()> {
        use futures::StreamExt;
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut bootstrap_tick = tokio::time::interval(BOOTSTRAP_INTERVAL);
        let mut last_tick = Instant::now();
        loop {
            tokio::select! {
                _ = &mut stop => break,
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                // With every handle gone the host keeps serving its peers.
                Some(cmd) = self.commands.recv() => self.on_command(cmd),
                Some((channel, response)) = self.served_rx.recv() => {
                    let _ = self.swarm.behaviour_mut().xchg.send_response(channel, response);
                }
                _ = tick.tick() => {
                    self.meter.tick(last_tick.elapsed().as_secs_f64());
                    last_tick = Instant::now();
                    self.expire_pings();
                }
                _ = bootstrap_tick.tick() => self.bootstrap(),
            }
        }
        tracing::info!("libp2p host stopped");
        Ok(())
    }

    fn expire_pings(&mut self) {
        self.pings.retain(|_, waiting| {
            waiting.retain(|(since, _)| since.elapsed() < PING_TIMEOUT);
            !waiting.is_empty()
        });
    }

    /// Dials the bootstrap peers not connected, and refreshes Kademlia.
    fn bootstrap(&mut self) {
        for (peer, addr) in self.bootstrap.clone() {
            if !self.swarm.is_connected(&peer) {
                self.book.add_addr(peer, addr.clone());
                if let Err(e) = self.swarm.dial(addr.clone()) {
                    tracing::debug!(%peer, "dialling bootstrap peer {addr}: {e}");
                }
            }
        }
        if let Some(kad) = self.swarm.behaviour_mut().kad.as_mut() {
            let _ = kad.bootstrap();
        }
    }

    pub(crate) fn topic(&self, t: Topic) -> IdentTopic {
        match t {
            Topic::Blocks => self.blocks_topic.clone(),
            Topic::Msgs => self.msgs_topic.clone(),
        }
    }

    /// Applies new connection limits.
    pub(crate) fn set_limits(&mut self, limits: NetLimits) {
        self.config.limits = limits;
        *self.swarm.behaviour_mut().limits.limits_mut() = connection_limits(&self.config);
    }
}
