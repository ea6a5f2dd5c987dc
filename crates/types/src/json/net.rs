//! Lotus JSON of the `Net*` methods: peer IDs, a peer's addresses (`AddrInfo`), what the
//! host knows of a peer (`ExtendedPeerInfo`), reachability (`NatInfo`), bandwidth
//! counters, connection gating (`NetBlockList`), gossipsub scores, and the resource
//! manager's limits (`NetLimit`) and usage (`NetStat`).
//!
//! Multiaddrs travel as their text (`/ip4/1.2.3.4/tcp/1234`); the node parses them. Go
//! encodes a `float64` with an integral value without a fraction (`100`, not `100.0`),
//! and so do these types ([`go_f64`]). Durations (`time.Duration`) are nanoseconds.

use super::null_default;
use crate::peer_id::{check_multihash, format_peer_id, parse_peer_id};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A libp2p peer ID: the bytes of its multihash. JSON and `Display` write it as
/// base58btc (`12D3KooW…`); input may also be a libp2p-key CID (`bafz…`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerIdJson(Vec<u8>);

impl PeerIdJson {
    /// A peer ID from its multihash bytes, checked.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        check_multihash(&bytes).map_err(|why| format!("invalid peer ID: {why}"))?;
        Ok(PeerIdJson(bytes))
    }

    /// The multihash bytes (what Lotus orders peers by).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl FromStr for PeerIdJson {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_peer_id(s).map(PeerIdJson)
    }
}

impl fmt::Display for PeerIdJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_peer_id(&self.0))
    }
}

impl fmt::Debug for PeerIdJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerIdJson({self})")
    }
}

impl Serialize for PeerIdJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for PeerIdJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(D::Error::custom)
    }
}

/// Serde helpers for a `float64` as Go writes it: an integral value without a fraction.
pub mod go_f64 {
    use super::*;

    /// Integral floats of smaller magnitude are exact as an `i64`.
    const I64_LIMIT: f64 = 9.2e18;

    /// Writes `v`, integral values as integers (`100`, `-3`), others as the shortest
    /// decimal that reads back as `v`. (Go also writes integral values up to 1e21
    /// without an exponent; those beyond an `i64` are written as JSON floats here.)
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < I64_LIMIT {
            s.serialize_i64(*v as i64)
        } else {
            s.serialize_f64(*v)
        }
    }

    /// Reads any JSON number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        f64::deserialize(d)
    }
}

/// Lotus's `peer.AddrInfo`: a peer and the addresses to reach it at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrInfoJson {
    /// The peer.
    #[serde(rename = "ID")]
    pub id: PeerIdJson,
    /// Its multiaddrs, without the `/p2p/<id>` part (always a list on output).
    #[serde(rename = "Addrs", default, deserialize_with = "null_default")]
    pub addrs: Vec<String>,
}

/// Lotus's `ExtendedPeerInfo` (`NetPeerInfo`): what the host knows of a peer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExtendedPeerInfoJson {
    /// The peer.
    #[serde(rename = "ID")]
    pub id: PeerIdJson,
    /// The agent version it announced (`""` when unknown).
    pub agent: String,
    /// Its known multiaddrs, sorted.
    #[serde(default, deserialize_with = "null_default")]
    pub addrs: Vec<String>,
    /// The protocols it supports, sorted.
    #[serde(default, deserialize_with = "null_default")]
    pub protocols: Vec<String>,
    /// The connection manager's record of it, if any.
    #[serde(default)]
    pub conn_mgr_meta: Option<ConnMgrInfoJson>,
}

/// Lotus's `ConnMgrInfo`: the connection manager's record of a peer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnMgrInfoJson {
    /// When the peer was first seen (RFC 3339).
    pub first_seen: String,
    /// The sum of its tags' values.
    pub value: i64,
    /// Its tags and their values.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: BTreeMap<String, i64>,
    /// Its connections (remote multiaddr → when opened, RFC 3339).
    #[serde(default, deserialize_with = "null_default")]
    pub conns: BTreeMap<String, String>,
}

/// go-libp2p's `network.Connectedness`, a number on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connectedness {
    /// No connection and nothing else known (0).
    NotConnected,
    /// An open connection (1).
    Connected,
    /// Recently connected, closed gracefully (2).
    CanConnect,
    /// A recent attempt to connect failed (3).
    CannotConnect,
    /// Only a limited (relayed) connection (4).
    Limited,
}

impl Connectedness {
    /// The wire number.
    pub fn code(self) -> u8 {
        match self {
            Connectedness::NotConnected => 0,
            Connectedness::Connected => 1,
            Connectedness::CanConnect => 2,
            Connectedness::CannotConnect => 3,
            Connectedness::Limited => 4,
        }
    }

    /// The state of a wire number, if it names one.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(Connectedness::NotConnected),
            1 => Some(Connectedness::Connected),
            2 => Some(Connectedness::CanConnect),
            3 => Some(Connectedness::CannotConnect),
            4 => Some(Connectedness::Limited),
            _ => None,
        }
    }

    /// go-libp2p's name of the state (`Connected`).
    pub fn name(self) -> &'static str {
        match self {
            Connectedness::NotConnected => "NotConnected",
            Connectedness::Connected => "Connected",
            Connectedness::CanConnect => "CanConnect",
            Connectedness::CannotConnect => "CannotConnect",
            Connectedness::Limited => "Limited",
        }
    }
}

impl Serialize for Connectedness {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for Connectedness {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u64::deserialize(d)?;
        Connectedness::from_code(code)
            .ok_or_else(|| D::Error::custom(format!("unknown connectedness {code}")))
    }
}

/// go-libp2p's `network.Reachability`, a number on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reachability {
    /// Not known (0).
    #[default]
    Unknown,
    /// Reachable from the public internet (1).
    Public,
    /// Not reachable from the public internet (2).
    Private,
}

impl Reachability {
    /// The wire number.
    pub fn code(self) -> u8 {
        match self {
            Reachability::Unknown => 0,
            Reachability::Public => 1,
            Reachability::Private => 2,
        }
    }

    /// The reachability of a wire number, if it names one.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(Reachability::Unknown),
            1 => Some(Reachability::Public),
            2 => Some(Reachability::Private),
            _ => None,
        }
    }

    /// go-libp2p's name of it (`Public`).
    pub fn name(self) -> &'static str {
        match self {
            Reachability::Unknown => "Unknown",
            Reachability::Public => "Public",
            Reachability::Private => "Private",
        }
    }
}

impl Serialize for Reachability {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for Reachability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u64::deserialize(d)?;
        Reachability::from_code(code)
            .ok_or_else(|| D::Error::custom(format!("unknown reachability {code}")))
    }
}

/// Lotus's `NatInfo` (`NetAutoNatStatus`): the node's reachability and, when public,
/// its public addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatInfoJson {
    /// What AutoNAT found.
    pub reachability: Reachability,
    /// The public multiaddrs (only when reachable).
    #[serde(default, deserialize_with = "null_default")]
    pub public_addrs: Vec<String>,
}

/// go-libp2p's `metrics.Stats`: bytes moved and the current rates (bytes per second).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BandwidthStatsJson {
    /// Bytes received.
    pub total_in: i64,
    /// Bytes sent.
    pub total_out: i64,
    /// Bytes received per second, lately.
    #[serde(with = "go_f64")]
    pub rate_in: f64,
    /// Bytes sent per second, lately.
    #[serde(with = "go_f64")]
    pub rate_out: f64,
}

/// `NetBandwidthStatsByPeer`: bandwidth per peer ID (base58 text).
pub type BandwidthByPeerJson = BTreeMap<String, BandwidthStatsJson>;

/// `NetBandwidthStatsByProtocol`: bandwidth per protocol ID (`/fil/hello/1.0.0`).
pub type BandwidthByProtocolJson = BTreeMap<String, BandwidthStatsJson>;

/// Lotus's `NetBlockList`: connection gating rules (peers, IP addresses, CIDR subnets).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetBlockListJson {
    /// Blocked peers.
    #[serde(rename = "Peers", default, deserialize_with = "null_default")]
    pub peers: Vec<PeerIdJson>,
    /// Blocked IP addresses.
    #[serde(rename = "IPAddrs", default, deserialize_with = "null_default")]
    pub ip_addrs: Vec<String>,
    /// Blocked subnets (`10.0.0.0/8`).
    #[serde(rename = "IPSubnets", default, deserialize_with = "null_default")]
    pub ip_subnets: Vec<String>,
}

/// Lotus's `PubsubScore`: a peer's gossipsub score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PubsubScoreJson {
    /// The peer.
    #[serde(rename = "ID")]
    pub id: PeerIdJson,
    /// Its score (`null` when none is kept).
    #[serde(rename = "Score", default)]
    pub score: Option<PeerScoreSnapshotJson>,
}

/// go-libp2p-pubsub's `PeerScoreSnapshot`: a peer's score and its parts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PeerScoreSnapshotJson {
    /// The overall score.
    #[serde(with = "go_f64")]
    pub score: f64,
    /// The score per topic.
    #[serde(default, deserialize_with = "null_default")]
    pub topics: BTreeMap<String, TopicScoreSnapshotJson>,
    /// The application-specific part.
    #[serde(with = "go_f64")]
    pub app_specific_score: f64,
    /// The IP colocation part.
    #[serde(rename = "IPColocationFactor", with = "go_f64")]
    pub ip_colocation_factor: f64,
    /// The behaviour penalty.
    #[serde(with = "go_f64")]
    pub behaviour_penalty: f64,
}

/// go-libp2p-pubsub's `TopicScoreSnapshot`: a peer's standing in one topic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicScoreSnapshotJson {
    /// Time in the topic's mesh (nanoseconds).
    pub time_in_mesh: i64,
    /// First deliveries counter.
    #[serde(with = "go_f64")]
    pub first_message_deliveries: f64,
    /// Mesh deliveries counter.
    #[serde(with = "go_f64")]
    pub mesh_message_deliveries: f64,
    /// Invalid deliveries counter.
    #[serde(with = "go_f64")]
    pub invalid_message_deliveries: f64,
}

/// Lotus's `NetLimit`: a resource manager scope's limits. Fields left out of the input
/// read as zero, as Go reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetLimitJson {
    /// Memory, in bytes (left out when zero).
    #[serde(skip_serializing_if = "is_zero")]
    pub memory: i64,
    /// Streams, both directions.
    pub streams: i64,
    /// Inbound streams.
    pub streams_inbound: i64,
    /// Outbound streams.
    pub streams_outbound: i64,
    /// Connections, both directions.
    pub conns: i64,
    /// Inbound connections.
    pub conns_inbound: i64,
    /// Outbound connections.
    pub conns_outbound: i64,
    /// File descriptors.
    #[serde(rename = "FD")]
    pub fd: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// go-libp2p's `network.ScopeStat`: what one resource manager scope uses now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ScopeStatJson {
    /// Inbound streams.
    pub num_streams_inbound: i64,
    /// Outbound streams.
    pub num_streams_outbound: i64,
    /// Inbound connections.
    pub num_conns_inbound: i64,
    /// Outbound connections.
    pub num_conns_outbound: i64,
    /// File descriptors.
    #[serde(rename = "NumFD")]
    pub num_fd: i64,
    /// Memory, in bytes.
    pub memory: i64,
}

/// Lotus's `NetStat`: resource usage of the scopes asked for (`system`, `transient`,
/// `svc:<name>`, `proto:<id>`, `peer:<id>` or `all`); absent scopes are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetStatJson {
    /// The whole system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<ScopeStatJson>,
    /// Resources not yet attached to a peer or protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transient: Option<ScopeStatJson>,
    /// Per service.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub services: BTreeMap<String, ScopeStatJson>,
    /// Per protocol.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub protocols: BTreeMap<String, ScopeStatJson>,
    /// Per peer (base58 peer ID).
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub peers: BTreeMap<String, ScopeStatJson>,
}

#[cfg(test)]
#[path = "net_tests.rs"]
mod tests;
