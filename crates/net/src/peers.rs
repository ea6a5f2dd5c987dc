//! What the host knows of its peers: addresses, what identify told, the last ping,
//! whether it is protected, and whether it was ever reached.

use libp2p::{Multiaddr, PeerId};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// Peers remembered beyond those connected (the oldest are forgotten first).
const MAX_REMEMBERED: usize = 2048;
/// Addresses kept per peer.
const MAX_ADDRS: usize = 16;
/// Protocols kept per peer.
const MAX_PROTOCOLS: usize = 64;

/// One peer's record.
#[derive(Clone, Debug, Default)]
pub struct PeerRecord {
    /// Addresses of its open connections.
    pub connected_addrs: Vec<Multiaddr>,
    /// Addresses it listens on (identify) or we dialled it at.
    pub listen_addrs: Vec<Multiaddr>,
    /// Its agent version (identify).
    pub agent: Option<String>,
    /// The protocols it supports (identify).
    pub protocols: Vec<String>,
    /// Its last ping round trip.
    pub latency: Option<Duration>,
    /// Whether a connection with it was ever established.
    pub was_connected: bool,
    /// Whether the last dial to it failed.
    pub dial_failed: bool,
    /// Order of last activity, for forgetting.
    seen: u64,
}

/// The peer book.
#[derive(Default)]
pub struct PeerBook {
    peers: HashMap<PeerId, PeerRecord>,
    protected: BTreeSet<PeerId>,
    clock: u64,
}

impl PeerBook {
    /// The record of `peer`, created if new.
    pub fn entry(&mut self, peer: PeerId) -> &mut PeerRecord {
        self.clock += 1;
        if self.peers.len() >= MAX_REMEMBERED && !self.peers.contains_key(&peer) {
            self.forget_oldest();
        }
        let clock = self.clock;
        let r = self.peers.entry(peer).or_default();
        r.seen = clock;
        r
    }

    fn forget_oldest(&mut self) {
        let oldest = self
            .peers
            .iter()
            .filter(|(_, r)| r.connected_addrs.is_empty())
            .min_by_key(|(_, r)| r.seen)
            .map(|(p, _)| *p);
        if let Some(p) = oldest {
            self.peers.remove(&p);
        }
    }

    /// The record of `peer`, if known.
    pub fn get(&self, peer: &PeerId) -> Option<&PeerRecord> {
        self.peers.get(peer)
    }

    /// Records an established connection (its address without a `/p2p/<id>` suffix, as
    /// `NetPeers` reports addresses).
    pub fn connected(&mut self, peer: PeerId, addr: Multiaddr) {
        let addr = without_peer(addr);
        let r = self.entry(peer);
        r.was_connected = true;
        r.dial_failed = false;
        if !r.connected_addrs.contains(&addr) && r.connected_addrs.len() < MAX_ADDRS {
            r.connected_addrs.push(addr);
        }
    }

    /// Records a closed connection.
    pub fn disconnected(&mut self, peer: &PeerId, addr: &Multiaddr) {
        let addr = without_peer(addr.clone());
        if let Some(r) = self.peers.get_mut(peer) {
            r.connected_addrs.retain(|a| *a != addr);
        }
    }

    /// Records what identify told of `peer`.
    pub fn identified(
        &mut self,
        peer: PeerId,
        agent: String,
        protocols: Vec<String>,
        addrs: Vec<Multiaddr>,
    ) {
        let r = self.entry(peer);
        r.agent = Some(agent);
        r.protocols = protocols.into_iter().take(MAX_PROTOCOLS).collect();
        r.listen_addrs = addrs.into_iter().take(MAX_ADDRS).collect();
    }

    /// Adds an address to dial `peer` at.
    pub fn add_addr(&mut self, peer: PeerId, addr: Multiaddr) {
        let r = self.entry(peer);
        if !r.listen_addrs.contains(&addr) && r.listen_addrs.len() < MAX_ADDRS {
            r.listen_addrs.push(addr);
        }
    }

    /// Every address known for `peer`, connected ones first.
    pub fn addrs(&self, peer: &PeerId) -> Vec<Multiaddr> {
        let Some(r) = self.peers.get(peer) else {
            return Vec::new();
        };
        let mut out = r.connected_addrs.clone();
        out.extend(
            r.listen_addrs
                .iter()
                .filter(|a| !r.connected_addrs.contains(a))
                .cloned(),
        );
        out
    }

    /// Protects peers (limits do not apply to them, they are never pruned).
    pub fn protect(&mut self, peers: &[PeerId]) {
        self.protected.extend(peers.iter().copied());
    }

    /// Removes protection.
    pub fn unprotect(&mut self, peers: &[PeerId]) {
        for p in peers {
            self.protected.remove(p);
        }
    }

    /// The protected peers.
    pub fn protected(&self) -> Vec<PeerId> {
        self.protected.iter().copied().collect()
    }

    /// Whether `peer` is protected.
    pub fn is_protected(&self, peer: &PeerId) -> bool {
        self.protected.contains(peer)
    }
}

/// `addr` without a trailing `/p2p/<id>`.
pub fn without_peer(mut addr: Multiaddr) -> Multiaddr {
    if matches!(
        addr.iter().last(),
        Some(libp2p::multiaddr::Protocol::P2p(_))
    ) {
        addr.pop();
    }
    addr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_is_bounded_and_keeps_connected_peers() {
        let mut b = PeerBook::default();
        let kept = PeerId::random();
        b.connected(kept, "/ip4/127.0.0.1/tcp/1".parse().unwrap());
        for _ in 0..MAX_REMEMBERED + 10 {
            b.entry(PeerId::random());
        }
        assert!(b.peers.len() <= MAX_REMEMBERED);
        assert!(b.get(&kept).is_some());
        for i in 0..100u16 {
            b.add_addr(
                kept,
                format!("/ip4/127.0.0.1/tcp/{}", i + 2).parse().unwrap(),
            );
        }
        assert!(b.addrs(&kept).len() <= 2 * MAX_ADDRS);
        assert_eq!(b.addrs(&kept)[0], "/ip4/127.0.0.1/tcp/1".parse().unwrap());
        let id = PeerId::random();
        let full: Multiaddr = format!("/ip4/127.0.0.1/tcp/9/p2p/{id}").parse().unwrap();
        b.connected(id, full.clone());
        assert_eq!(
            b.get(&id).unwrap().connected_addrs,
            vec!["/ip4/127.0.0.1/tcp/9".parse::<Multiaddr>().unwrap()]
        );
        b.disconnected(&id, &full);
        assert!(b.get(&id).unwrap().connected_addrs.is_empty());
    }
}
