//! Shape tests of the `Net*` wire types: Lotus's JSON read and written back unchanged.

use super::*;
use serde::de::DeserializeOwned;

const PEER_A: &str = "12D3KooWJtZVfRKpB4TgHnUDhDp3TUB18U7fMsmuTvhx6xE6eNZH";
const PEER_B: &str = "12D3KooWGFrw2HTxjQqppCpGNerNBk5RGxuSBCKCSLZW19TRtCdU";
const PEER_SHA: &str = "QmXun9bjGvtxnwkjz14Yk2bKTGRrjAPzmnUdx3tMpS8NiA";

/// Reads `text` as `T`, checks it writes back byte for byte, and returns it.
fn round_trip<T: Serialize + DeserializeOwned>(text: &str) -> T {
    let compact: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    let compact = serde_json::to_string(&compact).expect("encodes");
    let value: T = serde_json::from_str(&compact).expect("decodes");
    assert_eq!(serde_json::to_string(&value).expect("encodes"), compact);
    value
}

#[test]
fn peer_ids_read_either_form_and_write_base58() {
    let a: PeerIdJson = PEER_A.parse().expect("base58");
    assert_eq!(a.to_string(), PEER_A);
    assert_eq!(
        serde_json::to_string(&a).expect("encodes"),
        format!("\"{PEER_A}\"")
    );
    let sha: PeerIdJson = serde_json::from_str(&format!("\"{PEER_SHA}\"")).expect("sha2");
    assert_eq!(sha.as_bytes().len(), 34);
    assert_eq!(PeerIdJson::from_bytes(a.as_bytes().to_vec()), Ok(a.clone()));
    assert!(PeerIdJson::from_bytes(vec![0x12, 0x01, 0x00]).is_err());
    for bad in ["\"\"", "\"nope\"", "\"12D3Koo\"", "7", "null"] {
        assert!(serde_json::from_str::<PeerIdJson>(bad).is_err(), "{bad}");
    }
}

#[test]
fn addr_info_shape() {
    let text = format!(
        r#"{{"ID":"{PEER_A}","Addrs":["/ip4/10.1.2.3/tcp/4001","/ip6/::1/udp/4001/quic-v1"]}}"#
    );
    let info: AddrInfoJson = round_trip(&text);
    assert_eq!(info.id.to_string(), PEER_A);
    assert_eq!(info.addrs.len(), 2);
    // go-libp2p writes an empty list, never null, and reads null as none.
    let none: AddrInfoJson =
        serde_json::from_str(&format!(r#"{{"ID":"{PEER_A}","Addrs":null}}"#)).expect("null");
    assert_eq!(
        serde_json::to_string(&none).expect("encodes"),
        format!(r#"{{"ID":"{PEER_A}","Addrs":[]}}"#)
    );
    let peers: Vec<AddrInfoJson> = round_trip(&format!("[{text}]"));
    assert_eq!(peers.len(), 1);
}

#[test]
fn extended_peer_info_shape() {
    let text = format!(
        r#"{{"ID":"{PEER_B}","Agent":"lotus-1.34.0","Addrs":["/ip4/10.1.2.3/tcp/4001"],"Protocols":["/fil/hello/1.0.0","/ipfs/ping/1.0.0"],"ConnMgrMeta":{{"FirstSeen":"2025-02-03T04:05:06.789Z","Value":60,"Tags":{{"fcbs":10,"hello":50}},"Conns":{{"/ip4/10.1.2.3/tcp/4001":"2025-02-03T04:05:07Z"}}}}}}"#
    );
    let info: ExtendedPeerInfoJson = round_trip(&text);
    let meta = info.conn_mgr_meta.expect("meta");
    assert_eq!(meta.tags.get("hello"), Some(&50));
    let bare =
        format!(r#"{{"ID":"{PEER_B}","Agent":"","Addrs":[],"Protocols":[],"ConnMgrMeta":null}}"#);
    let info: ExtendedPeerInfoJson = round_trip(&bare);
    assert!(info.conn_mgr_meta.is_none());
}

#[test]
fn connectedness_and_reachability_are_numbers() {
    for code in 0..5 {
        let c: Connectedness = round_trip(&code.to_string());
        assert_eq!(u64::from(c.code()), code);
    }
    assert_eq!(Connectedness::Connected.name(), "Connected");
    assert!(serde_json::from_str::<Connectedness>("5").is_err());
    assert!(serde_json::from_str::<Connectedness>("\"Connected\"").is_err());
    let nat: NatInfoJson =
        round_trip(r#"{"Reachability":1,"PublicAddrs":["/ip4/1.2.3.4/tcp/1347"]}"#);
    assert_eq!(nat.reachability, Reachability::Public);
    assert_eq!(nat.reachability.name(), "Public");
    let unknown: NatInfoJson =
        serde_json::from_str(r#"{"Reachability":0,"PublicAddrs":null}"#).expect("null addrs");
    assert_eq!(unknown, NatInfoJson::default());
    assert!(serde_json::from_str::<NatInfoJson>(r#"{"Reachability":3}"#).is_err());
}

#[test]
fn bandwidth_shapes() {
    let stats: BandwidthStatsJson =
        round_trip(r#"{"TotalIn":174000,"TotalOut":12500,"RateIn":100,"RateOut":50.25}"#);
    assert_eq!(stats.rate_in, 100.0);
    let by_peer: BandwidthByPeerJson = round_trip(&format!(
        r#"{{"{PEER_B}":{{"TotalIn":1,"TotalOut":2,"RateIn":0,"RateOut":0.5}},"{PEER_A}":{{"TotalIn":3,"TotalOut":4,"RateIn":0.001,"RateOut":7}}}}"#
    ));
    assert_eq!(by_peer.len(), 2);
    let by_proto: BandwidthByProtocolJson = round_trip(
        r#"{"":{"TotalIn":9,"TotalOut":9,"RateIn":12.3,"RateOut":12.3},"/fil/hello/1.0.0":{"TotalIn":1,"TotalOut":1,"RateIn":-2,"RateOut":0}}"#,
    );
    assert!(by_proto.contains_key(""));
}

#[test]
fn go_floats() {
    let text = |v: f64| {
        let s = BandwidthStatsJson {
            rate_in: v,
            ..Default::default()
        };
        serde_json::to_value(s).expect("encodes")["RateIn"].to_string()
    };
    assert_eq!(text(100.0), "100");
    assert_eq!(text(-0.0), "0");
    assert_eq!(text(12.3), "12.3");
    assert_eq!(text(1e18), "1000000000000000000");
    assert_eq!(text(1e20).parse::<f64>().ok(), Some(1e20));
    assert_eq!(text(f64::NAN), "null");
}

#[test]
fn block_list_shape() {
    let text = format!(
        r#"{{"Peers":["{PEER_A}"],"IPAddrs":["192.0.2.7","2001:db8::1"],"IPSubnets":["198.51.100.0/24"]}}"#
    );
    let list: NetBlockListJson = round_trip(&text);
    assert_eq!(list.ip_addrs.len(), 2);
    // What `lotus net block add ip` sends: the other lists nil.
    let ips: NetBlockListJson =
        serde_json::from_str(r#"{"Peers":null,"IPAddrs":["192.0.2.7"],"IPSubnets":null}"#)
            .expect("nil lists");
    assert!(ips.peers.is_empty() && ips.ip_subnets.is_empty());
    assert!(serde_json::from_str::<NetBlockListJson>(r#"{"Peers":["x"]}"#).is_err());
}

#[test]
fn pubsub_score_shape() {
    let text = format!(
        r#"[{{"ID":"{PEER_A}","Score":{{"Score":-3.5,"Topics":{{"/fil/blocks/devnet":{{"TimeInMesh":90000000000,"FirstMessageDeliveries":12,"MeshMessageDeliveries":40.5,"InvalidMessageDeliveries":0}}}},"AppSpecificScore":0,"IPColocationFactor":1.25,"BehaviourPenalty":0}}}},{{"ID":"{PEER_B}","Score":null}}]"#
    );
    let scores: Vec<PubsubScoreJson> = round_trip(&text);
    let first = scores
        .first()
        .and_then(|s| s.score.as_ref())
        .expect("a score");
    assert_eq!(first.score, -3.5);
    assert_eq!(
        first
            .topics
            .get("/fil/blocks/devnet")
            .map(|t| t.time_in_mesh),
        Some(90_000_000_000)
    );
}

#[test]
fn limit_shape() {
    let limit: NetLimitJson = round_trip(
        r#"{"Memory":1073741824,"Streams":2048,"StreamsInbound":1024,"StreamsOutbound":2048,"Conns":512,"ConnsInbound":256,"ConnsOutbound":512,"FD":256}"#,
    );
    assert_eq!(limit.fd, 256);
    // Memory is left out when zero, and fields left out read as zero.
    let partial: NetLimitJson = serde_json::from_str(r#"{"Conns":10}"#).expect("partial");
    assert_eq!(
        serde_json::to_string(&partial).expect("encodes"),
        r#"{"Streams":0,"StreamsInbound":0,"StreamsOutbound":0,"Conns":10,"ConnsInbound":0,"ConnsOutbound":0,"FD":0}"#
    );
    assert!(serde_json::from_str::<NetLimitJson>(r#"{"Conns":"ten"}"#).is_err());
}

#[test]
fn stat_shape() {
    let scope = r#"{"NumStreamsInbound":1,"NumStreamsOutbound":2,"NumConnsInbound":3,"NumConnsOutbound":4,"NumFD":5,"Memory":4096}"#;
    let text = format!(
        r#"{{"System":{scope},"Transient":{scope},"Services":{{"libp2p.identify":{scope}}},"Protocols":{{"/ipfs/ping/1.0.0":{scope}}},"Peers":{{"{PEER_A}":{scope}}}}}"#
    );
    let all: NetStatJson = round_trip(&text);
    assert_eq!(all.system.map(|s| s.num_fd), Some(5));
    // One scope: the others are left out, as Go's omitempty leaves them.
    let system: NetStatJson = round_trip(&format!(r#"{{"System":{scope}}}"#));
    assert!(system.transient.is_none() && system.peers.is_empty());
    let empty: NetStatJson =
        serde_json::from_str(r#"{"System":null,"Services":null}"#).expect("nulls");
    assert_eq!(serde_json::to_string(&empty).expect("encodes"), "{}");
}
