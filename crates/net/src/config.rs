//! What a node's libp2p host is built from.

use cid::Cid;
use libp2p::identity::Keypair;
use libp2p::Multiaddr;
use std::time::Duration;

/// The libp2p host's settings (the node's `[Libp2p]` section and its flags).
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// The host's key (the `libp2p-host` key of the keystore).
    pub keypair: Keypair,
    /// Where to listen (`/ip4/0.0.0.0/tcp/0` and the like).
    pub listen_addrs: Vec<Multiaddr>,
    /// Peers dialled at start (full multiaddresses ending in `/p2p/<id>`).
    pub bootstrap_peers: Vec<Multiaddr>,
    /// The network's name (gossip topics and the Kademlia protocol carry it).
    pub network_name: String,
    /// The genesis block's CID (hello refuses peers on another).
    pub genesis: Cid,
    /// Whether Kademlia discovery runs.
    pub kademlia: bool,
    /// The limits that keep a misbehaving peer from exhausting the node.
    pub limits: NetLimits,
    /// What identify tells peers this program is.
    pub agent_version: String,
}

/// Connection and stream limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetLimits {
    /// Established connections, in all.
    pub max_connections: u32,
    /// Established inbound connections.
    pub max_inbound: u32,
    /// Established outbound connections.
    pub max_outbound: u32,
    /// Connections with one peer.
    pub max_per_peer: u32,
    /// Inbound connections still in their handshake.
    pub max_pending_inbound: u32,
    /// Streams one connection may have open at once.
    pub max_streams_per_connection: usize,
    /// Concurrent inbound requests per request/response protocol and connection.
    pub max_concurrent_requests: usize,
    /// How long a request (hello, chain exchange) may take.
    pub request_timeout: Duration,
}

impl Default for NetLimits {
    fn default() -> Self {
        NetLimits {
            max_connections: 200,
            max_inbound: 150,
            max_outbound: 100,
            max_per_peer: 2,
            max_pending_inbound: 64,
            max_streams_per_connection: 256,
            max_concurrent_requests: 16,
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl NetConfig {
    /// A configuration for `network_name`/`genesis` with a new key, listening on a
    /// system-chosen loopback port, no bootstrap peers and the default limits.
    pub fn local(network_name: &str, genesis: Cid) -> NetConfig {
        NetConfig {
            keypair: Keypair::generate_ed25519(),
            listen_addrs: vec!["/ip4/127.0.0.1/tcp/0"
                .parse()
                .unwrap_or_else(|_| Multiaddr::empty())],
            bootstrap_peers: Vec::new(),
            network_name: network_name.to_string(),
            genesis,
            kademlia: true,
            limits: NetLimits::default(),
            agent_version: format!("padma/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}
