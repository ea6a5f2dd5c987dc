//! The Net API's conversions between Lotus's wire types and the host's.

use super::*;

const PEER: &str = "12D3KooWJtZVfRKpB4TgHnUDhDp3TUB18U7fMsmuTvhx6xE6eNZH";

#[test]
fn block_lists_convert_both_ways() {
    let acl = NetBlockListJson {
        peers: vec![PEER.parse().unwrap()],
        ip_addrs: vec!["192.0.2.7".into(), "2001:db8::1".into()],
        ip_subnets: vec!["198.51.100.0/24".into()],
    };
    let list = block_list(&acl).unwrap();
    assert_eq!(list.peers.len(), 1);
    assert_eq!(block_list_json(&list).unwrap(), acl);
    for bad in [
        NetBlockListJson {
            ip_addrs: vec!["192.0.2".into()],
            ..Default::default()
        },
        NetBlockListJson {
            ip_subnets: vec!["198.51.100.0/33".into()],
            ..Default::default()
        },
        NetBlockListJson {
            ip_subnets: vec!["198.51.100.0".into()],
            ..Default::default()
        },
    ] {
        assert!(block_list(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn reachability_needs_a_confirmed_public_address() {
    let addr = |s: &str| s.parse::<Multiaddr>().unwrap();
    assert_eq!(nat_info(&[]), NatInfoJson::default());
    let private = [
        addr("/ip4/127.0.0.1/tcp/1"),
        addr("/ip4/10.1.2.3/tcp/1"),
        addr("/ip4/100.64.0.1/tcp/1"),
        addr("/ip6/::1/tcp/1"),
        addr("/ip6/fe80::1/tcp/1"),
        addr("/dns4/example.com/tcp/1"),
    ];
    assert_eq!(nat_info(&private).reachability, Reachability::Unknown);
    let public = nat_info(&[
        addr("/ip4/10.0.0.1/tcp/1"),
        addr("/ip4/203.0.114.9/tcp/4001"),
    ]);
    assert_eq!(public.reachability, Reachability::Public);
    assert_eq!(public.public_addrs, ["/ip4/203.0.114.9/tcp/4001"]);
}

#[test]
fn scopes() {
    assert_eq!(parse_scope("system").unwrap(), Scope::System);
    assert_eq!(parse_scope(&format!("peer:{PEER}")).unwrap(), Scope::Peer);
    assert!(parse_scope("peer:nope").is_err());
    let transient = parse_scope("transient").unwrap_err();
    assert!(
        transient.message.contains("not tracked"),
        "{}",
        transient.message
    );
    assert!(parse_scope("svc:libp2p.identify").is_err());
    assert!(parse_scope("bogus")
        .unwrap_err()
        .message
        .contains("invalid scope"));
}

#[test]
fn limits_read_back_as_they_were_set() {
    let current = NetLimits::default();
    let system = system_limit(&current);
    assert_eq!(system.conns, i64::from(current.max_connections));
    assert_eq!(system.memory, UNLIMITED);
    // Setting what was read changes nothing; Lotus's partial JSON (others zero) too.
    assert_eq!(
        with_limit(current.clone(), Scope::System, &system).unwrap(),
        current
    );
    let fewer = NetLimitJson {
        conns: 10,
        conns_inbound: 5,
        conns_outbound: 6,
        ..Default::default()
    };
    let new = with_limit(current.clone(), Scope::System, &fewer).unwrap();
    assert_eq!(
        (new.max_connections, new.max_inbound, new.max_outbound),
        (10, 5, 6)
    );
    assert_eq!(system_limit(&new).conns_outbound, 6);
    // What the host cannot limit is refused, as are counts out of range.
    for bad in [
        NetLimitJson {
            memory: 1 << 30,
            ..fewer
        },
        NetLimitJson {
            streams: 100,
            ..fewer
        },
        NetLimitJson { conns: -1, ..fewer },
        NetLimitJson { fd: 10, ..fewer },
    ] {
        assert!(
            with_limit(current.clone(), Scope::System, &bad).is_err(),
            "{bad:?}"
        );
    }
    let peer = peer_limit(&current);
    assert_eq!(
        with_limit(current.clone(), Scope::Peer, &peer).unwrap(),
        current
    );
    let one = NetLimitJson {
        conns: 1,
        conns_inbound: 1,
        conns_outbound: 1,
        ..Default::default()
    };
    assert_eq!(
        with_limit(current.clone(), Scope::Peer, &one)
            .unwrap()
            .max_per_peer,
        1
    );
    let uneven = NetLimitJson {
        conns_inbound: 2,
        ..one
    };
    assert!(with_limit(current, Scope::Peer, &uneven).is_err());
}

#[test]
fn bandwidth_maps_are_keyed_by_text() {
    let reading = Bandwidth {
        total_in: u64::MAX,
        total_out: 7,
        rate_in: 1.5,
        rate_out: 0.0,
    };
    let json = bandwidth_json(&reading);
    assert_eq!(
        (json.total_in, json.total_out, json.rate_in),
        (i64::MAX, 7, 1.5)
    );
    let by_protocol = by_key(
        HashMap::from([("/fil/hello/1.0.0".to_string(), reading)]),
        |p: String| p,
    );
    assert_eq!(by_protocol.keys().collect::<Vec<_>>(), ["/fil/hello/1.0.0"]);
}
