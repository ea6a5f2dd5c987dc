//! `padma net` between two real daemons on one genesis, their libp2p hosts on
//! loopback: identity and listen addresses, connecting by multiaddr and by peer ID,
//! peers (with agents and as JSON), ping, find-peer, bandwidth, scores,
//! reachability, connection gating, protected peers, limits and usage, disconnecting;
//! and nodes without a host (no chain, or `--no-libp2p`), which say so.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::*;
use padma_testkit::*;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// How long a connection, an identify exchange or a disconnection may take to show.
const SETTLE: Duration = Duration::from_secs(30);

/// Two daemons on the same made genesis, their hosts on loopback: the first makes the
/// genesis, the second starts from its CAR file.
fn two_daemons(dir: &Path) -> (Daemon, Daemon) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let template = dir.join("localnet.json");
    write_lotus_template(&template, "localnet-padma-net-test", now);
    let car = dir.join("devgen.car");
    let make = [
        "--make-genesis",
        car.to_str().unwrap(),
        "--genesis-template",
        template.to_str().unwrap(),
        "--bootstrap=false",
        "--libp2p-listen",
        "/ip4/127.0.0.1/tcp/0",
    ];
    let a = Daemon::start_args(&dir.join("a"), &make);
    let from_car = [
        "--genesis",
        car.to_str().unwrap(),
        "--bootstrap=false",
        "--libp2p-listen",
        "/ip4/127.0.0.1/tcp/0",
    ];
    let b = Daemon::start_args(&dir.join("b"), &from_car);
    (a, b)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Runs `padma <args>` against `d` until its output satisfies `ok`, and returns it;
/// panics with the last output after [`SETTLE`].
fn cli_until(d: &Daemon, args: &[&str], ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + SETTLE;
    loop {
        let out = d.cli_ok(args);
        if ok(&out) {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "padma {args:?} did not show what was awaited within {SETTLE:?}: {out}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn net_commands_between_two_daemons() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_daemons(dir.path());
    let a_id = a.cli_ok(&["net", "id"]);
    let b_id = b.cli_ok(&["net", "id"]);
    assert!(
        a_id.starts_with("12D3KooW") && b_id.starts_with("12D3KooW"),
        "{a_id} {b_id}"
    );
    assert_ne!(a_id, b_id);

    // Listen addresses carry the peer; connect by one of them.
    let listen = a.cli_ok(&["net", "listen"]);
    let a_addr = listen
        .lines()
        .find(|l| l.starts_with("/ip4/127.0.0.1/tcp/"))
        .unwrap_or_else(|| panic!("no loopback listen address: {listen}"))
        .to_string();
    assert!(a_addr.ends_with(&format!("/p2p/{a_id}")), "{a_addr}");
    assert_eq!(
        b.cli_ok(&["net", "connect", &a_addr]),
        format!("connect {a_id}: success")
    );
    let peers = cli_until(&b, &["net", "peers"], |o| o.contains(&a_id));
    assert!(
        peers.starts_with(&format!("{a_id}, [/ip4/127.0.0.1/tcp/")),
        "{peers}"
    );
    cli_until(&a, &["net", "peers"], |o| o.contains(&b_id));

    // Agents once identify has run, and the extended JSON.
    let agents = cli_until(&b, &["net", "peers", "--agent"], |o| o.contains(", padma/"));
    assert!(agents.starts_with(&format!("{a_id}, [")), "{agents}");
    let extended = b.cli_ok(&["net", "peers", "-x"]);
    let info: serde_json::Value = serde_json::from_str(extended.lines().next().unwrap()).unwrap();
    assert_eq!(info["ID"], a_id.as_str());
    assert!(
        info["Agent"].as_str().unwrap().starts_with("padma/"),
        "{info}"
    );
    assert!(
        info["Protocols"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "/ipfs/ping/1.0.0"),
        "{info}"
    );

    // Ping: two round trips and their average.
    let ping = b.cli_ok(&["net", "ping", "-c", "2", "-i", "50ms", &a_addr]);
    let lines: Vec<&str> = ping.lines().collect();
    assert_eq!(lines.len(), 4, "{ping}");
    assert_eq!(lines[0], format!("PING {a_id}"));
    assert!(
        lines[1].starts_with("Pong received: time=")
            && lines[2].starts_with("Pong received: time="),
        "{ping}"
    );
    assert!(lines[3].starts_with("Average latency: "), "{ping}");

    // The peer's addresses, and connecting by peer ID alone.
    let found = b.cli_ok(&["net", "find-peer", &a_id]);
    assert!(
        found.starts_with(&format!("{{{a_id}: [")) && found.contains("/ip4/127.0.0.1/tcp/"),
        "{found}"
    );
    assert_eq!(
        b.cli_ok(&["net", "connect", &a_id]),
        format!("connect {a_id}: success")
    );

    // Bandwidth, in all and per peer; scores; reachability.
    let total = b.cli_ok(&["net", "bandwidth"]);
    let rows: Vec<&str> = total.lines().collect();
    assert!(
        rows[0].starts_with("Segment  ") && rows[0].ends_with("RateOut"),
        "{total}"
    );
    assert!(
        rows[1].starts_with("Total  ") && rows[1].ends_with("/s"),
        "{total}"
    );
    let by_peer = cli_until(&b, &["net", "bandwidth", "--by-peer"], |o| {
        o.contains(&a_id)
    });
    assert!(
        by_peer.lines().nth(1).unwrap().starts_with(&a_id),
        "{by_peer}"
    );
    let by_protocol = b.cli_ok(&["net", "bandwidth", "--by-protocol"]);
    assert!(by_protocol.starts_with("Segment"), "{by_protocol}");
    for line in b.cli_ok(&["net", "scores"]).lines() {
        let (peer, score) = line.split_once(", ").unwrap();
        assert!(peer.starts_with("12D3KooW"), "{line}");
        assert_eq!(score.split_once('.').unwrap().1.len(), 6, "{line}");
    }
    assert_eq!(
        b.cli_ok(&["net", "reachability"]),
        "AutoNAT status:  Unknown"
    );

    // Protected peers.
    assert_eq!(
        b.cli_ok(&["net", "protect", &a_id]),
        format!("added to protected peers:\n {a_id}")
    );
    assert_eq!(b.cli_ok(&["net", "list-protected"]), a_id);
    assert_eq!(b.cli_ok(&["net", "protect", "list"]), a_id);
    assert_eq!(
        b.cli_ok(&["net", "unprotect", &a_id]),
        format!("removed from protected peers: {a_id}")
    );
    assert_eq!(b.cli_ok(&["net", "list-protected"]), "");

    // Limits and usage of the host.
    let limit: serde_json::Value =
        serde_json::from_str(&b.cli_ok(&["net", "limit", "system"])).unwrap();
    let conns = limit["Conns"].as_i64().unwrap();
    assert!(conns > 0, "{limit}");
    b.cli_ok(&[
        "net",
        "limit",
        "--set",
        "system",
        r#"{"Conns":50,"ConnsInbound":40,"ConnsOutbound":30}"#,
    ]);
    let limit: serde_json::Value =
        serde_json::from_str(&b.cli_ok(&["net", "limit", "system"])).unwrap();
    assert_eq!(
        (limit["Conns"].as_i64(), limit["ConnsOutbound"].as_i64()),
        (Some(50), Some(30))
    );
    let stat = b.cli_ok(&["net", "stat", "system"]);
    assert!(stat.starts_with("system\n\tmemory:      ["), "{stat}");
    assert!(stat.contains("\tconn out:    ["), "{stat}");
    assert!(
        stat.contains("] 1/30"),
        "one outbound connection of 30: {stat}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&b.cli_ok(&["net", "stat", "--json", "all"])).unwrap();
    assert_eq!(json["System"]["NumConnsOutbound"], 1, "{json}");
    let transient = b.cli(&["net", "stat", "transient"]);
    assert!(!transient.status.success());
    assert!(
        stderr(&transient).contains("not tracked"),
        "{}",
        stderr(&transient)
    );

    // Gating: a blocked peer is cut off and cannot connect until unblocked.
    b.cli_ok(&["net", "block", "add", "peer", &a_id]);
    b.cli_ok(&["net", "block", "add", "subnet", "198.51.100.0/24"]);
    assert_eq!(
        b.cli_ok(&["net", "block", "list"]),
        format!("Blocked Peers:\n\t{a_id}\nBlocked Subnets:\n\t198.51.100.0/24")
    );
    cli_until(&b, &["net", "peers"], |o| !o.contains(&a_id));
    let refused = b.cli(&["net", "connect", &a_addr]);
    assert!(!refused.status.success());
    assert_eq!(stdout(&refused), format!("connect {a_id}: failure\n"));
    b.cli_ok(&["net", "block", "remove", "peer", &a_id]);
    b.cli_ok(&["net", "block", "remove", "subnet", "198.51.100.0/24"]);
    assert_eq!(b.cli_ok(&["net", "block", "list"]), "");
    assert_eq!(
        b.cli_ok(&["net", "connect", &a_addr]),
        format!("connect {a_id}: success")
    );

    // Disconnecting.
    assert_eq!(
        b.cli_ok(&["net", "disconnect", &a_id]),
        format!("disconnect {a_id}: success")
    );
    cli_until(&b, &["net", "peers"], |o| !o.contains(&a_id));
    cli_until(&a, &["net", "peers"], |o| !o.contains(&b_id));
}

#[test]
fn bad_arguments_are_refused_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    for (args, needle) in [
        (
            vec!["net", "connect", "/ip4/127.0.0.1/tcp/1"],
            "does not end in /p2p/",
        ),
        (vec!["net", "connect", "nonsense"], "must start with '/'"),
        (vec!["net", "find-peer", "12D3KooW0"], "invalid peer ID"),
        (vec!["net", "protect", ""], "peer ID must not be empty"),
        (
            vec!["net", "limit", "--set", "system", "{"],
            "error decoding limit",
        ),
        (vec!["net", "ping", "-i", "soon", "x"], "invalid duration"),
    ] {
        let out = d.cli(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    let out = d.cli(&["net", "disconnect", "nope"]);
    assert_eq!(stdout(&out), "failure\n");
}

#[test]
fn without_a_host_the_net_methods_say_networking_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    // A node without a chain runs no host; nor does one started with --no-libp2p.
    let no_chain = Daemon::start(&dir.path().join("no-chain"));
    let template = dir.path().join("localnet.json");
    write_lotus_template(&template, "localnet-padma-island", 1_700_000_000);
    let car = dir.path().join("devgen.car");
    let island = Daemon::start_args(
        &dir.path().join("island"),
        &[
            "--make-genesis",
            car.to_str().unwrap(),
            "--genesis-template",
            template.to_str().unwrap(),
            "--no-libp2p",
        ],
    );
    for d in [&no_chain, &island] {
        for args in [
            vec!["net", "id"],
            vec!["net", "peers"],
            vec!["net", "listen"],
            vec!["net", "bandwidth"],
            vec!["net", "block", "list"],
        ] {
            let out = d.cli(&args);
            assert!(!out.status.success(), "{args:?}");
            assert!(
                stderr(&out).contains("libp2p networking is disabled"),
                "{args:?}: {}",
                stderr(&out)
            );
        }
    }
}
