//! The host's behaviours, composed: limits and the block-list gate first (so a refused
//! connection costs nothing else), then identify, ping, Kademlia, gossipsub, hello,
//! chain exchange and bitswap.

use crate::bitswap::{Bitswap, BitswapConfig, BitswapStore};
use crate::codec::{ChainExchangeCodec, HelloCodec, Reporting, CHAIN_EXCHANGE, HELLO};
use crate::config::NetConfig;
use crate::gate::{Gate, SharedBlockList};
use libp2p::connection_limits::{self, ConnectionLimits};
use libp2p::kad::{self, store::MemoryStore};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::NetworkBehaviour;
use libp2p::{gossipsub, identify, ping, StreamProtocol};
use std::sync::Arc;
use std::time::Duration;

/// The protocol version identify announces.
pub const IDENTIFY_PROTOCOL: &str = "ipfs/0.1.0";
/// How often a connected peer is pinged.
pub const PING_INTERVAL: Duration = Duration::from_secs(5);

/// Filecoin's Kademlia protocol for `network_name`.
pub fn kad_protocol(network_name: &str) -> anyhow::Result<StreamProtocol> {
    StreamProtocol::try_from_owned(format!("/fil/kad/{network_name}/kad/1.0.0"))
        .map_err(|e| anyhow::anyhow!("network name {network_name:?} makes no protocol: {e}"))
}

/// The connection limits of `config`.
pub fn connection_limits(config: &NetConfig) -> ConnectionLimits {
    let l = &config.limits;
    ConnectionLimits::default()
        .with_max_established(Some(l.max_connections))
        .with_max_established_incoming(Some(l.max_inbound))
        .with_max_established_outgoing(Some(l.max_outbound))
        .with_max_established_per_peer(Some(l.max_per_peer))
        .with_max_pending_incoming(Some(l.max_pending_inbound))
}

/// Every behaviour of the host.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    /// Connection limits.
    pub limits: connection_limits::Behaviour,
    /// The block list.
    pub gate: Gate,
    /// Identify.
    pub identify: identify::Behaviour,
    /// Ping.
    pub ping: ping::Behaviour,
    /// Kademlia, when enabled.
    pub kad: Toggle<kad::Behaviour<MemoryStore>>,
    /// Gossipsub.
    pub gossipsub: gossipsub::Behaviour,
    /// Hello (malformed requests reported, to penalise their senders).
    pub hello: request_response::Behaviour<Reporting<HelloCodec>>,
    /// Chain exchange (likewise).
    pub xchg: request_response::Behaviour<Reporting<ChainExchangeCodec>>,
    /// Bitswap.
    pub bitswap: Bitswap,
}

impl Behaviour {
    /// Builds the behaviours for `config`.
    pub(crate) fn new(
        config: &NetConfig,
        block_list: SharedBlockList,
        blocks: Arc<dyn BitswapStore>,
    ) -> anyhow::Result<Behaviour> {
        let rr = request_response::Config::default()
            .with_request_timeout(config.limits.request_timeout)
            .with_max_concurrent_streams(config.limits.max_concurrent_requests);
        let key = &config.keypair;
        let peer = key.public().to_peer_id();
        let kad = if config.kademlia {
            let mut c = kad::Config::new(kad_protocol(&config.network_name)?);
            c.set_query_timeout(Duration::from_secs(30));
            // The host refreshes the routing table itself, when it has peers.
            c.set_periodic_bootstrap_interval(None);
            let mut k = kad::Behaviour::with_config(peer, MemoryStore::new(peer), c);
            k.set_mode(Some(kad::Mode::Server));
            Some(k)
        } else {
            None
        };
        Ok(Behaviour {
            limits: connection_limits::Behaviour::new(connection_limits(config)),
            gate: Gate::new(block_list),
            identify: identify::Behaviour::new(
                identify::Config::new(IDENTIFY_PROTOCOL.into(), key.public())
                    .with_agent_version(config.agent_version.clone()),
            ),
            ping: ping::Behaviour::new(ping::Config::new().with_interval(PING_INTERVAL)),
            kad: kad.into(),
            gossipsub: crate::gossip::behaviour(key, &config.network_name)?,
            hello: request_response::Behaviour::with_codec(
                Reporting(HelloCodec),
                [(HELLO, ProtocolSupport::Full)],
                rr.clone(),
            ),
            xchg: request_response::Behaviour::with_codec(
                Reporting(ChainExchangeCodec::default()),
                [(CHAIN_EXCHANGE, ProtocolSupport::Full)],
                rr,
            ),
            bitswap: Bitswap::new(blocks, BitswapConfig::default()),
        })
    }
}
