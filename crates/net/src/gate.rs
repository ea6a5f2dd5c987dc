//! The gate every connection passes: peers, IP addresses and subnets on the block list
//! are refused before and after the handshake (what `NetBlockAdd` fills).

use libp2p::core::transport::PortUse;
use libp2p::core::Endpoint;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{
    dummy, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId};
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};

/// An IP subnet in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subnet {
    base: IpAddr,
    prefix: u8,
}

impl Subnet {
    /// Parses `addr/prefix`.
    pub fn parse(text: &str) -> Result<Subnet, String> {
        let bad = || format!("invalid IP subnet '{text}': expected ADDRESS/PREFIX");
        let (addr, prefix) = text.trim().split_once('/').ok_or_else(bad)?;
        let base: IpAddr = addr.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(bad());
        }
        Ok(Subnet { base, prefix })
    }

    /// Whether `ip` is inside the subnet.
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(b) & mask == u32::from(*a) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(b) & mask == u128::from(*a) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Subnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// What the node refuses to talk to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockList {
    /// Blocked peers.
    pub peers: BTreeSet<PeerId>,
    /// Blocked IP addresses.
    pub ips: BTreeSet<IpAddr>,
    /// Blocked subnets.
    pub subnets: BTreeSet<Subnet>,
}

impl BlockList {
    /// Adds every entry of `other`.
    pub fn add(&mut self, other: &BlockList) {
        self.peers.extend(other.peers.iter().copied());
        self.ips.extend(other.ips.iter().copied());
        self.subnets.extend(other.subnets.iter().cloned());
    }

    /// Removes every entry of `other`.
    pub fn remove(&mut self, other: &BlockList) {
        self.peers.retain(|p| !other.peers.contains(p));
        self.ips.retain(|p| !other.ips.contains(p));
        self.subnets.retain(|p| !other.subnets.contains(p));
    }

    /// Whether `peer` is blocked.
    pub fn blocks_peer(&self, peer: &PeerId) -> bool {
        self.peers.contains(peer)
    }

    /// Whether the IP address of `addr` (if it has one) is blocked.
    pub fn blocks_addr(&self, addr: &Multiaddr) -> bool {
        ip_of(addr).is_some_and(|ip| {
            self.ips.contains(&ip) || self.subnets.iter().any(|s| s.contains(&ip))
        })
    }
}

/// The IP address a multiaddress starts with, if any.
pub fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

/// The block list shared by the gate and the node's handle.
pub type SharedBlockList = Arc<RwLock<BlockList>>;

/// The behaviour that refuses blocked peers and addresses.
pub struct Gate {
    list: SharedBlockList,
}

/// Why the gate refused a connection.
#[derive(Debug, thiserror::Error)]
#[error("{0} is on the block list")]
pub struct Blocked(String);

impl Gate {
    /// A gate over `list`.
    pub fn new(list: SharedBlockList) -> Gate {
        Gate { list }
    }

    fn check(
        &self,
        peer: Option<&PeerId>,
        addr: Option<&Multiaddr>,
    ) -> Result<(), ConnectionDenied> {
        let list = self.list.read().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = peer.filter(|p| list.blocks_peer(p)) {
            return Err(ConnectionDenied::new(Blocked(format!("peer {p}"))));
        }
        if let Some(a) = addr.filter(|a| list.blocks_addr(a)) {
            return Err(ConnectionDenied::new(Blocked(format!("address {a}"))));
        }
        Ok(())
    }
}

impl NetworkBehaviour for Gate {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        _id: ConnectionId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.check(None, Some(remote))
    }

    fn handle_established_inbound_connection(
        &mut self,
        _id: ConnectionId,
        peer: PeerId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.check(Some(&peer), Some(remote))?;
        Ok(dummy::ConnectionHandler)
    }

    fn handle_pending_outbound_connection(
        &mut self,
        _id: ConnectionId,
        peer: Option<PeerId>,
        addresses: &[Multiaddr],
        _role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        self.check(peer.as_ref(), None)?;
        for a in addresses {
            self.check(None, Some(a))?;
        }
        Ok(vec![])
    }

    fn handle_established_outbound_connection(
        &mut self,
        _id: ConnectionId,
        peer: PeerId,
        addr: &Multiaddr,
        _role: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.check(Some(&peer), Some(addr))?;
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, _event: FromSwarm) {}

    fn on_connection_handler_event(
        &mut self,
        _peer: PeerId,
        _id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(
        &mut self,
        _cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_parse_and_contain() {
        let s = Subnet::parse("10.1.0.0/16").unwrap();
        assert!(s.contains(&"10.1.200.3".parse().unwrap()));
        assert!(!s.contains(&"10.2.0.1".parse().unwrap()));
        assert!(!s.contains(&"::1".parse().unwrap()));
        assert!(Subnet::parse("0.0.0.0/0")
            .unwrap()
            .contains(&"8.8.8.8".parse().unwrap()));
        assert!(Subnet::parse("fd00::/8")
            .unwrap()
            .contains(&"fd12::1".parse().unwrap()));
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "x/8",
            "::/129",
            "/",
            "10.0.0.0/é",
        ] {
            assert!(Subnet::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(s.to_string(), "10.1.0.0/16");
    }

    #[test]
    fn block_lists_match_peers_ips_and_subnets() {
        let mut l = BlockList::default();
        let p = PeerId::random();
        l.add(&BlockList {
            peers: [p].into(),
            ips: ["127.0.0.2".parse().unwrap()].into(),
            subnets: [Subnet::parse("192.168.0.0/16").unwrap()].into(),
        });
        assert!(l.blocks_peer(&p));
        assert!(l.blocks_addr(&"/ip4/127.0.0.2/tcp/1".parse().unwrap()));
        assert!(l.blocks_addr(&"/ip4/192.168.4.4/tcp/1".parse().unwrap()));
        assert!(!l.blocks_addr(&"/ip4/127.0.0.1/tcp/1".parse().unwrap()));
        assert!(!l.blocks_addr(&"/dns4/example.com/tcp/1".parse().unwrap()));
        l.remove(&BlockList {
            peers: [p].into(),
            ..Default::default()
        });
        assert!(!l.blocks_peer(&p));
    }
}
