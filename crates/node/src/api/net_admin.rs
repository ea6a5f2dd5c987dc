//! The host's administration through the Net API: bandwidth, connection gating,
//! protected peers, reachability, and the limits and usage of the resource manager's
//! scopes.
//!
//! The host keeps host-wide (`system`) and per-peer (`peer:<id>`) limits and
//! host-wide usage; other scopes are refused. Limits it does not have — memory, file
//! descriptors, host-wide streams — read as unlimited (`i64::MAX`, as go-libp2p reports
//! an unlimited scope), and may only be set to that (or left out).

use super::net::{failed, host, peer_json, peer_of};
use super::NodeState;
use padma_api::net::*;
use padma_net::bandwidth::Bandwidth;
use padma_net::gate::{BlockList, Subnet};
use padma_net::{Multiaddr, NetLimits, PeerId};
use padma_rpc::{MethodTable, RpcError};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

type S = Arc<NodeState>;

/// What go-libp2p reports for a limit a scope does not have.
const UNLIMITED: i64 = i64::MAX;

/// Registers bandwidth, gating, protection, reachability and resource methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add(NetBandwidthStats, |s: S, _c, ()| async move {
        Ok(bandwidth_json(&host(&s)?.bandwidth()))
    });
    t.add(NetBandwidthStatsByPeer, |s: S, _c, ()| async move {
        Ok(by_key(host(&s)?.bandwidth_by_peer(), |p: PeerId| {
            p.to_string()
        }))
    });
    t.add(NetBandwidthStatsByProtocol, |s: S, _c, ()| async move {
        Ok(by_key(host(&s)?.bandwidth_by_protocol(), |p: String| p))
    });
    t.add(
        NetBlockAdd,
        |s: S, _c, (acl,): (NetBlockListJson,)| async move {
            let list = block_list(&acl)?;
            host(&s)?.block_add(&list).await.map_err(failed)
        },
    );
    t.add(
        NetBlockRemove,
        |s: S, _c, (acl,): (NetBlockListJson,)| async move {
            let list = block_list(&acl)?;
            host(&s)?.block_remove(&list).await.map_err(failed)
        },
    );
    t.add(NetBlockList, |s: S, _c, ()| async move {
        block_list_json(&host(&s)?.block_list())
    });
    t.add(
        NetProtectAdd,
        |s: S, _c, (acl,): (Vec<PeerIdJson>,)| async move {
            let peers = acl.iter().map(peer_of).collect::<Result<_, _>>()?;
            host(&s)?.protect_add(peers).await.map_err(failed)
        },
    );
    t.add(
        NetProtectRemove,
        |s: S, _c, (acl,): (Vec<PeerIdJson>,)| async move {
            let peers = acl.iter().map(peer_of).collect::<Result<_, _>>()?;
            host(&s)?.protect_remove(peers).await.map_err(failed)
        },
    );
    t.add(NetProtectList, |s: S, _c, ()| async move {
        let peers = host(&s)?.protect_list().await.map_err(failed)?;
        peers.iter().map(peer_json).collect()
    });
    t.add(NetAutoNatStatus, |s: S, _c, ()| async move {
        let confirmed = host(&s)?.external_addrs().await.map_err(failed)?;
        Ok(nat_info(&confirmed))
    });
    t.add(NetStat, |s: S, _c, (scope,): (String,)| async move {
        let usage = host(&s)?.usage().await.map_err(failed)?;
        let system = ScopeStatJson {
            num_streams_inbound: saturating(usage.streams_inbound),
            num_streams_outbound: saturating(usage.streams_outbound),
            num_conns_inbound: i64::from(usage.conns_inbound),
            num_conns_outbound: i64::from(usage.conns_outbound),
            // Each TCP connection holds one socket; the host reserves no memory.
            num_fd: i64::from(usage.conns_inbound) + i64::from(usage.conns_outbound),
            ..Default::default()
        };
        match scope.as_str() {
            "system" | "all" => Ok(NetStatJson {
                system: Some(system),
                ..Default::default()
            }),
            _ => Err(unsupported_scope(&scope, "system and all")),
        }
    });
    t.add(NetLimit, |s: S, _c, (scope,): (String,)| async move {
        let limits = host(&s)?.limits().await.map_err(failed)?;
        match parse_scope(&scope)? {
            Scope::System => Ok(system_limit(&limits)),
            Scope::Peer => Ok(peer_limit(&limits)),
        }
    });
    t.add(
        NetSetLimit,
        |s: S, _c, (scope, limit): (String, NetLimitJson)| async move {
            let net = host(&s)?;
            let current = net.limits().await.map_err(failed)?;
            let new = with_limit(current, parse_scope(&scope)?, &limit)?;
            net.set_limits(new).await.map_err(failed)
        },
    );
}

/// A count as the wire's `int`.
fn saturating(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// go-libp2p's `metrics.Stats` of a meter reading.
fn bandwidth_json(b: &Bandwidth) -> BandwidthStatsJson {
    BandwidthStatsJson {
        total_in: saturating(b.total_in),
        total_out: saturating(b.total_out),
        rate_in: b.rate_in,
        rate_out: b.rate_out,
    }
}

/// Meter readings keyed by their text (peer ID, protocol).
fn by_key<K>(
    map: HashMap<K, Bandwidth>,
    text: impl Fn(K) -> String,
) -> BTreeMap<String, BandwidthStatsJson> {
    map.into_iter()
        .map(|(k, b)| (text(k), bandwidth_json(&b)))
        .collect()
}

/// A `NetBlockList` of a request as the host's block list.
fn block_list(acl: &NetBlockListJson) -> Result<BlockList, RpcError> {
    let mut list = BlockList::default();
    for p in &acl.peers {
        list.peers.insert(peer_of(p)?);
    }
    for ip in &acl.ip_addrs {
        let parsed = ip
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| RpcError::invalid_params(format!("error parsing IP address {ip}")))?;
        list.ips.insert(parsed);
    }
    for subnet in &acl.ip_subnets {
        list.subnets
            .insert(Subnet::parse(subnet).map_err(RpcError::invalid_params)?);
    }
    Ok(list)
}

/// The host's block list as `NetBlockList` answers it.
fn block_list_json(list: &BlockList) -> Result<NetBlockListJson, RpcError> {
    Ok(NetBlockListJson {
        peers: list.peers.iter().map(peer_json).collect::<Result<_, _>>()?,
        ip_addrs: list.ips.iter().map(IpAddr::to_string).collect(),
        ip_subnets: list.subnets.iter().map(Subnet::to_string).collect(),
    })
}

/// Whether an address names a publicly routable IP (not private, shared (100.64/10),
/// loopback, link-local, unspecified, broadcast, documentation or unique-local).
fn is_public(addr: &Multiaddr) -> bool {
    match padma_net::gate::ip_of(addr) {
        Some(IpAddr::V4(ip)) => {
            let [a, b, ..] = ip.octets();
            let shared = a == 100 && (64..128).contains(&b);
            !(ip.is_private()
                || shared
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_documentation())
        }
        Some(IpAddr::V6(ip)) => {
            let [first, ..] = ip.segments();
            let unique_local = first & 0xfe00 == 0xfc00;
            let link_local = first & 0xffc0 == 0xfe80;
            !(ip.is_loopback() || ip.is_unspecified() || unique_local || link_local)
        }
        None => false,
    }
}

/// `NetAutoNatStatus`: public, with its public addresses, once peers confirmed the host
/// reachable at one; unknown otherwise.
fn nat_info(confirmed: &[Multiaddr]) -> NatInfoJson {
    let public: Vec<String> = confirmed
        .iter()
        .filter(|a| is_public(a))
        .map(Multiaddr::to_string)
        .collect();
    NatInfoJson {
        reachability: if public.is_empty() {
            Reachability::Unknown
        } else {
            Reachability::Public
        },
        public_addrs: public,
    }
}

/// The scopes whose limits the host keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// The whole host.
    System,
    /// Any one peer (the host applies one limit to every peer).
    Peer,
}

fn unsupported_scope(scope: &str, supported: &str) -> RpcError {
    RpcError::handler(format!(
        "scope '{scope}' is not tracked by padma's libp2p host (it tracks {supported})"
    ))
}

fn parse_scope(scope: &str) -> Result<Scope, RpcError> {
    if scope == "system" {
        return Ok(Scope::System);
    }
    if let Some(p) = scope.strip_prefix("peer:") {
        p.parse::<PeerId>()
            .map_err(|e| RpcError::invalid_params(format!("invalid peer ID: {p}: {e}")))?;
        return Ok(Scope::Peer);
    }
    if matches!(scope, "transient") || ["svc:", "proto:"].iter().any(|p| scope.starts_with(p)) {
        return Err(unsupported_scope(scope, "system and peer:<id>"));
    }
    Err(RpcError::invalid_params(format!("invalid scope {scope}")))
}

/// The host-wide limits: connections; nothing else is limited host-wide.
fn system_limit(l: &NetLimits) -> NetLimitJson {
    NetLimitJson {
        memory: UNLIMITED,
        streams: UNLIMITED,
        streams_inbound: UNLIMITED,
        streams_outbound: UNLIMITED,
        conns: i64::from(l.max_connections),
        conns_inbound: i64::from(l.max_inbound),
        conns_outbound: i64::from(l.max_outbound),
        fd: UNLIMITED,
    }
}

/// One peer's limits: its connections, and the streams those may carry.
fn peer_limit(l: &NetLimits) -> NetLimitJson {
    let conns = i64::from(l.max_per_peer);
    let streams = saturating(l.max_streams_per_connection as u64).saturating_mul(conns);
    NetLimitJson {
        memory: UNLIMITED,
        streams,
        streams_inbound: streams,
        streams_outbound: streams,
        conns,
        conns_inbound: conns,
        conns_outbound: conns,
        fd: UNLIMITED,
    }
}

/// A connection count of a new limit.
fn count(name: &str, v: i64) -> Result<u32, RpcError> {
    u32::try_from(v)
        .map_err(|_| RpcError::invalid_params(format!("{name} must be between 0 and {}", u32::MAX)))
}

/// `current` with `limit` applied to `scope`. Limits the host does not have must be
/// left out (zero) or unlimited.
fn with_limit(
    current: NetLimits,
    scope: Scope,
    limit: &NetLimitJson,
) -> Result<NetLimits, RpcError> {
    let fixed = |name: &str, v: i64, ok: &[i64]| {
        if v == 0 || ok.contains(&v) {
            Ok(())
        } else {
            Err(RpcError::invalid_params(format!(
                "padma's libp2p host has no {name} limit in this scope; leave it out"
            )))
        }
    };
    fixed("memory", limit.memory, &[UNLIMITED])?;
    fixed("FD", limit.fd, &[UNLIMITED])?;
    let mut new = current.clone();
    match scope {
        Scope::System => {
            for (name, v) in [
                ("Streams", limit.streams),
                ("StreamsInbound", limit.streams_inbound),
                ("StreamsOutbound", limit.streams_outbound),
            ] {
                fixed(name, v, &[UNLIMITED])?;
            }
            new.max_connections = count("Conns", limit.conns)?;
            new.max_inbound = count("ConnsInbound", limit.conns_inbound)?;
            new.max_outbound = count("ConnsOutbound", limit.conns_outbound)?;
        }
        Scope::Peer => {
            let per_peer = peer_limit(&current);
            for (name, v) in [
                ("Streams", limit.streams),
                ("StreamsInbound", limit.streams_inbound),
                ("StreamsOutbound", limit.streams_outbound),
            ] {
                fixed(name, v, &[per_peer.streams])?;
            }
            if limit.conns_inbound != limit.conns || limit.conns_outbound != limit.conns {
                return Err(RpcError::invalid_params(
                    "padma's libp2p host limits a peer's connections in both directions together: \
                     Conns, ConnsInbound and ConnsOutbound must be equal",
                ));
            }
            new.max_per_peer = count("Conns", limit.conns)?;
        }
    }
    Ok(new)
}

#[cfg(test)]
#[path = "net_admin_tests.rs"]
mod tests;
