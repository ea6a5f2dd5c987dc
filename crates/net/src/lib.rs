//! padma's libp2p networking: the host (TCP, noise, yamux, identify, ping, Kademlia),
//! Filecoin's protocols (hello, chain exchange, gossipsub topics, bitswap) and the
//! handle the node drives them with.

pub mod bitswap;
pub mod codec;
pub mod wire;
