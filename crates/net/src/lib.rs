//! padma's libp2p networking: the host (TCP, noise, yamux, identify, ping, Kademlia,
//! connection limits, a block list and bandwidth accounting), Filecoin's protocols
//! (hello, chain exchange, gossipsub topics, bitswap) and the [`NetHandle`] the node
//! drives them with. The swarm has one owner, the task [`NetService::run`]; everything
//! else talks to it through the handle and hears from it through [`NetEvent`]s.
//! `wire` holds the protocols' byte formats (pure functions, fuzzed), `codec` frames
//! them on libp2p streams.

pub mod bandwidth;
pub mod behaviour;
pub mod bitswap;
pub mod chain_access;
pub mod codec;
mod commands;
pub mod config;
mod events;
pub mod follow;
pub mod gate;
pub mod gossip;
pub mod handle;
pub mod peers;
mod protocols;
pub mod service;
pub mod wire;

pub use chain_access::ChainAccess;
pub use config::{NetConfig, NetLimits};
pub use follow::Follower;
pub use handle::NetHandle;
pub use libp2p::{identity::Keypair, Multiaddr, PeerId};
pub use service::{start, NetEvent, NetService};
