//! Net methods: the node's libp2p host — its identity and addresses, peers and
//! connections, ping, peer lookup, reachability, bandwidth, connection gating,
//! protected peers, gossipsub scores and the resource manager's limits and usage
//! ([`net_methods`]) — and the Ethereum-style `net_version`/`net_listening`
//! ([`eth_net_methods`]). The wire types are in
//! `padma_types::json::net`, re-exported here.

use padma_rpc::rpc_methods;
pub use padma_types::json::net::{
    AddrInfoJson, BandwidthByPeerJson, BandwidthByProtocolJson, BandwidthStatsJson,
    ConnMgrInfoJson, Connectedness, ExtendedPeerInfoJson, NatInfoJson, NetBlockListJson,
    NetLimitJson, NetStatJson, PeerIdJson, PeerScoreSnapshotJson, PubsubScoreJson, Reachability,
    ScopeStatJson, TopicScoreSnapshotJson,
};

rpc_methods! {
    /// The net methods, in table order.
    pub fn net_methods;
    /// The node's peer ID.
    Id = "Filecoin.ID", Read, call () -> PeerIdJson;
    /// The node's peer ID and the addresses it listens on.
    NetAddrsListen = "Filecoin.NetAddrsListen", Read, call () -> AddrInfoJson;
    /// One entry per open connection: the peer and the remote address.
    NetPeers = "Filecoin.NetPeers", Read, call () -> Vec<AddrInfoJson>;
    /// Connects to a peer at the given addresses (or those the node knows).
    NetConnect = "Filecoin.NetConnect", Write, call (p: AddrInfoJson) -> ();
    /// Closes every connection to a peer.
    NetDisconnect = "Filecoin.NetDisconnect", Write, call (p: PeerIdJson) -> ();
    /// Whether the node is connected to a peer.
    NetConnectedness = "Filecoin.NetConnectedness", Read,
        call (pid: PeerIdJson) -> Connectedness;
    /// The addresses of a peer, from the node's records or the DHT.
    NetFindPeer = "Filecoin.NetFindPeer", Read, call (p: PeerIdJson) -> AddrInfoJson;
    /// One ping's round trip to a peer, in nanoseconds.
    NetPing = "Filecoin.NetPing", Read, call (p: PeerIdJson) -> i64;
    /// The agent version a peer announced.
    NetAgentVersion = "Filecoin.NetAgentVersion", Read, call (p: PeerIdJson) -> String;
    /// What the node knows of a peer: agent, addresses, protocols, connection manager
    /// record.
    NetPeerInfo = "Filecoin.NetPeerInfo", Read,
        call (p: PeerIdJson) -> ExtendedPeerInfoJson;
    /// The gossipsub score of each peer the router scores.
    NetPubsubScores = "Filecoin.NetPubsubScores", Read, call () -> Vec<PubsubScoreJson>;
    /// The node's reachability from the internet, as AutoNAT found it.
    NetAutoNatStatus = "Filecoin.NetAutoNatStatus", Read, call () -> NatInfoJson;
    /// Bytes moved and current rates, all peers and protocols together.
    NetBandwidthStats = "Filecoin.NetBandwidthStats", Read, call () -> BandwidthStatsJson;
    /// Bandwidth per peer.
    NetBandwidthStatsByPeer = "Filecoin.NetBandwidthStatsByPeer", Read,
        call () -> BandwidthByPeerJson;
    /// Bandwidth per protocol.
    NetBandwidthStatsByProtocol = "Filecoin.NetBandwidthStatsByProtocol", Read,
        call () -> BandwidthByProtocolJson;
    /// Adds connection gating rules (peers, IPs, subnets); connections they match close.
    NetBlockAdd = "Filecoin.NetBlockAdd", Admin, call (acl: NetBlockListJson) -> ();
    /// Removes connection gating rules.
    NetBlockRemove = "Filecoin.NetBlockRemove", Admin, call (acl: NetBlockListJson) -> ();
    /// The connection gating rules.
    NetBlockList = "Filecoin.NetBlockList", Read, call () -> NetBlockListJson;
    /// Protects the connections to peers from the connection manager's trimming.
    NetProtectAdd = "Filecoin.NetProtectAdd", Admin, call (acl: Vec<PeerIdJson>) -> ();
    /// Stops protecting the connections to peers.
    NetProtectRemove = "Filecoin.NetProtectRemove", Admin,
        call (acl: Vec<PeerIdJson>) -> ();
    /// The protected peers.
    NetProtectList = "Filecoin.NetProtectList", Read, call () -> Vec<PeerIdJson>;
    /// Resource usage of a scope (`system`, `transient`, `svc:<name>`, `proto:<id>`,
    /// `peer:<id>` or `all`).
    NetStat = "Filecoin.NetStat", Read, call (scope: String) -> NetStatJson;
    /// The limits of a scope.
    NetLimit = "Filecoin.NetLimit", Read, call (scope: String) -> NetLimitJson;
    /// Sets the limits of a scope.
    NetSetLimit = "Filecoin.NetSetLimit", Admin,
        call (scope: String, limit: NetLimitJson) -> ();
}

rpc_methods! {
    /// The Ethereum-style net methods, in table order: Lotus serves them with its Eth
    /// API (v1 only), under their `net_*` names too.
    pub fn eth_net_methods;
    /// The Ethereum network ID (the EIP-155 chain ID, in decimal).
    NetVersion = "Filecoin.NetVersion", Read, call () -> String,
        versions = V1, aliases = ["net_version"];
    /// Whether the node accepts peer connections (`net_listening`).
    NetListening = "Filecoin.NetListening", Read, call () -> bool,
        versions = V1, aliases = ["net_listening"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_rpc::ApiVersion;
    use serde_json::Value;

    fn lotus_methods() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/lotus-methods.json"
        );
        let text = std::fs::read_to_string(path).expect("the Lotus method list");
        serde_json::from_str(&text).expect("JSON")
    }

    #[test]
    fn every_lotus_net_method_is_defined_as_lotus_defines_it() {
        let lotus = lotus_methods();
        let defined = [net_methods(), eth_net_methods()].concat();
        for (section, version) in [
            ("fullNodeV1", ApiVersion::V1),
            ("fullNodeV0", ApiVersion::V0),
        ] {
            let methods = lotus[section].as_object().expect("a method map");
            let net = methods
                .iter()
                .filter(|(name, _)| name.starts_with("Net") || name.as_str() == "ID");
            let mut count = 0;
            for (name, facts) in net {
                count += 1;
                let info = defined
                    .iter()
                    .find(|m| m.name == facts["rpcName"])
                    .unwrap_or_else(|| panic!("{name} is not defined"));
                assert!(info.versions.serves(version), "{name} on {section}");
                assert_eq!(
                    serde_json::to_value(info.perm.as_str()).ok().as_ref(),
                    Some(&facts["perm"]),
                    "permission of {name}"
                );
                assert_eq!(
                    Some(info.param_names.len() as u64),
                    facts["params"].as_u64(),
                    "arity of {name}"
                );
                let alias = facts["alias"].as_str().map(|a| vec![a]).unwrap_or_default();
                assert_eq!(info.aliases, alias.as_slice(), "aliases of {name}");
            }
            let served = defined
                .iter()
                .filter(|m| m.versions.serves(version))
                .count();
            assert_eq!(
                served, count,
                "{section}: defined methods Lotus does not have"
            );
        }
    }
}
