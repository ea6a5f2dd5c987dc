//! `padma net`'s output formats and argument parsing.

use super::*;
use clap::Parser;
use padma_api::net::{PeerIdJson, PeerScoreSnapshotJson, Reachability};

const A: &str = "12D3KooWJtZVfRKpB4TgHnUDhDp3TUB18U7fMsmuTvhx6xE6eNZH";
const B: &str = "12D3KooWGFrw2HTxjQqppCpGNerNBk5RGxuSBCKCSLZW19TRtCdU";

fn peer(s: &str) -> PeerIdJson {
    s.parse().unwrap()
}

fn info(id: &str, addrs: &[&str]) -> AddrInfoJson {
    AddrInfoJson {
        id: peer(id),
        addrs: addrs.iter().map(|a| a.to_string()).collect(),
    }
}

/// `padma net …` parsed as the binary parses it.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    net: NetCmd,
}

fn parse(args: &[&str]) -> Result<NetCmd, clap::Error> {
    Cli::try_parse_from(std::iter::once("net").chain(args.iter().copied())).map(|c| c.net)
}

#[test]
fn peers_lines_sort_and_print_as_lotus() {
    let mut peers = vec![
        info(B, &["/ip4/10.0.0.2/tcp/2"]),
        info(A, &["/ip4/10.0.0.1/tcp/1", "/ip6/::1/tcp/1"]),
    ];
    sort_peers(&mut peers);
    assert_eq!(peers[0].id, peer(A), "largest ID bytes first");
    assert_eq!(
        peer_line(&peers[0], None),
        format!("{A}, [/ip4/10.0.0.1/tcp/1 /ip6/::1/tcp/1]")
    );
    assert_eq!(
        peer_line(&peers[1], Some("lotus-1.34.0")),
        format!("{B}, [/ip4/10.0.0.2/tcp/2], lotus-1.34.0")
    );
    assert_eq!(peer_line(&info(B, &[]), None), format!("{B}, []"));
}

#[test]
fn listen_lines_carry_the_peer() {
    let lines = listen_lines(&info(
        A,
        &["/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/udp/4001/quic-v1"],
    ));
    assert_eq!(
        lines,
        [
            format!("/ip4/127.0.0.1/tcp/4001/p2p/{A}"),
            format!("/ip4/127.0.0.1/udp/4001/quic-v1/p2p/{A}")
        ]
    );
}

#[test]
fn scores_print_six_decimals_or_json() {
    let scores = vec![
        PubsubScoreJson {
            id: peer(A),
            score: Some(PeerScoreSnapshotJson {
                score: 12.5,
                ..Default::default()
            }),
        },
        PubsubScoreJson {
            id: peer(B),
            score: None,
        },
    ];
    assert_eq!(
        score_lines(&scores, false).unwrap(),
        [format!("{A}, 12.500000"), format!("{B}, <nil>")]
    );
    let json = score_lines(&scores, true).unwrap();
    assert_eq!(
        json[0],
        format!(
            r#"{{"ID":"{A}","Score":{{"Score":12.5,"Topics":{{}},"AppSpecificScore":0,"IPColocationFactor":0,"BehaviourPenalty":0}}}}"#
        )
    );
    assert_eq!(json[1], format!(r#"{{"ID":"{B}","Score":null}}"#));
}

#[test]
fn reachability_output() {
    let mut nat = NatInfoJson::default();
    assert_eq!(reachability_lines(&nat), ["AutoNAT status:  Unknown"]);
    nat.reachability = Reachability::Public;
    nat.public_addrs = vec!["/ip4/1.2.3.4/tcp/1".into(), "/ip4/1.2.3.4/tcp/2".into()];
    assert_eq!(
        reachability_lines(&nat),
        [
            "AutoNAT status:  Public",
            "Public address: [/ip4/1.2.3.4/tcp/1 /ip4/1.2.3.4/tcp/2]"
        ]
    );
}

#[test]
fn bandwidth_tables() {
    let stats = |total_in, total_out, rate_in, rate_out| BandwidthStatsJson {
        total_in,
        total_out,
        rate_in,
        rate_out,
    };
    assert_eq!(
        bandwidth_table([("Total", &stats(174_000, 12_600, 100.7, 0.0))]),
        "Segment  TotalIn  TotalOut  RateIn   RateOut\n\
         Total    174 kB   13 kB     100 B/s  0 B/s\n"
    );
    let hello = stats(1_500_000, 2, 5.0, 1234.0);
    let unknown = stats(9, 0, 0.0, 0.0);
    assert_eq!(
        bandwidth_table([("", &unknown), ("/fil/hello/1.0.0", &hello)]),
        "Segment           TotalIn  TotalOut  RateIn  RateOut\n\
         <unknown>         9 B      0 B       0 B/s   0 B/s\n\
         /fil/hello/1.0.0  1.5 MB   2 B       5 B/s   1.2 kB/s\n"
    );
}

#[test]
fn arguments_parse_as_lotus_flags() {
    match parse(&["peers", "-a", "-x"]).unwrap() {
        NetCmd::Peers { agent, extended } => assert!(agent && extended),
        _ => panic!("peers"),
    }
    match parse(&["ping", "-c", "3", "--interval", "250ms", A]).unwrap() {
        NetCmd::Ping {
            count,
            interval,
            peer,
        } => {
            assert_eq!(
                (count, interval, peer.as_str()),
                (3, Duration::from_millis(250), A)
            );
        }
        _ => panic!("ping"),
    }
    match parse(&["ping", A]).unwrap() {
        NetCmd::Ping {
            count, interval, ..
        } => {
            assert_eq!((count, interval), (10, Duration::from_secs(1)))
        }
        _ => panic!("ping defaults"),
    }
    assert!(parse(&["ping", "-i", "soon", A]).is_err());
    assert!(parse(&["ping"]).is_err());
    assert!(parse(&["connect"]).is_err());
    assert!(matches!(
        parse(&["findpeer", A]).unwrap(),
        NetCmd::FindPeer { .. }
    ));
    assert!(matches!(
        parse(&["bandwidth", "--by-peer"]).unwrap(),
        NetCmd::Bandwidth {
            by_peer: true,
            by_protocol: false
        }
    ));
    assert!(matches!(
        parse(&["block", "add", "ip", "192.0.2.1"]).unwrap(),
        NetCmd::Block(_)
    ));
    assert!(matches!(
        parse(&["block", "list"]).unwrap(),
        NetCmd::Block(_)
    ));
    assert!(parse(&["stat"]).is_err());
    assert!(matches!(
        parse(&["stat", "--json", "all"]).unwrap(),
        NetCmd::Stat(_)
    ));
    assert!(matches!(
        parse(&["limit", "--set", "system", "{}"]).unwrap(),
        NetCmd::Limit(_)
    ));
    // `protect` takes peers (Lotus) or add/remove/list.
    assert!(matches!(
        parse(&["protect", A, B]).unwrap(),
        NetCmd::Protect(_)
    ));
    assert!(matches!(
        parse(&["protect", "add", A]).unwrap(),
        NetCmd::Protect(_)
    ));
    assert!(matches!(
        parse(&["protect", "list"]).unwrap(),
        NetCmd::Protect(_)
    ));
    assert!(parse(&["protect"]).is_err());
    assert!(matches!(
        parse(&["unprotect", A]).unwrap(),
        NetCmd::Unprotect { .. }
    ));
    assert!(matches!(
        parse(&["list-protected"]).unwrap(),
        NetCmd::ListProtected
    ));
}
