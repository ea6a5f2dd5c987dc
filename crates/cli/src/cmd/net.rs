//! `padma net ...`: the node's libp2p host — peers, connections, ping, identity,
//! reachability, bandwidth, gossipsub scores — printed as Lotus's `lotus net` prints
//! them; connection gating, protected peers and resource limits are in [`gating`] and
//! [`resources`].

use crate::node::Target;
use crate::util::{go_duration, parse_go_duration};
use anyhow::{anyhow, Result};
use clap::Subcommand;
use padma_api::net::{
    AddrInfoJson, BandwidthStatsJson, Id, NatInfoJson, NetAddrsListen, NetAgentVersion,
    NetAutoNatStatus, NetBandwidthStats, NetBandwidthStatsByPeer, NetBandwidthStatsByProtocol,
    NetConnect, NetDisconnect, NetFindPeer, NetPeerInfo, NetPeers, NetPing, NetPubsubScores,
    PubsubScoreJson,
};
use padma_rpc::client::RpcClient;
use std::time::Duration;

mod args;
mod format;
mod gating;
mod resources;

use args::{addr_info_text, addr_infos_from_args, parse_peer};
use format::{go_json_line, go_list, humanize_bytes, Table};

/// Net commands.
#[derive(Subcommand)]
pub enum NetCmd {
    /// Print peers.
    Peers {
        /// Print agent name.
        #[arg(short, long)]
        agent: bool,
        /// Print extended peer information in json.
        #[arg(short = 'x', long)]
        extended: bool,
    },
    /// Ping peers.
    Ping {
        /// Specify the number of times it should ping.
        #[arg(short, long, default_value_t = 10)]
        count: u64,
        /// Minimum time between pings.
        #[arg(short, long, default_value = "1s", value_parser = parse_interval)]
        interval: Duration,
        /// The peer: a multiaddr ending in /p2p/<peer ID>, a peer ID or a miner address.
        peer: String,
    },
    /// Connect to a peer.
    Connect {
        /// Multiaddrs ending in /p2p/<peer ID>, peer IDs, or a miner actor address.
        #[arg(required = true, value_name = "peerMultiaddr|peerID|minerActorAddress")]
        peers: Vec<String>,
    },
    /// Disconnect from a peer.
    Disconnect {
        /// Peer IDs.
        #[arg(value_name = "peerID")]
        peers: Vec<String>,
    },
    /// List listen addresses.
    Listen,
    /// Get node identity.
    Id,
    /// Find the addresses of a given peerID.
    #[command(visible_alias = "findpeer")]
    FindPeer {
        /// The peer ID.
        #[arg(value_name = "peerId")]
        peer: String,
    },
    /// Print peers' pubsub scores.
    Scores {
        /// Print extended peer scores in json.
        #[arg(short = 'x', long)]
        extended: bool,
    },
    /// Print information about reachability from the internet.
    Reachability,
    /// Print bandwidth usage information.
    Bandwidth {
        /// List bandwidth usage by peer.
        #[arg(long)]
        by_peer: bool,
        /// List bandwidth usage by protocol.
        #[arg(long)]
        by_protocol: bool,
    },
    /// Manage network connection gating rules.
    #[command(subcommand)]
    Block(gating::BlockCmd),
    /// Report resource usage for a scope.
    Stat(resources::StatArgs),
    /// Get or set resource limits for a scope.
    Limit(resources::LimitArgs),
    /// Add one or more peer IDs to the list of protected peer connections (or
    /// `protect add|remove|list`).
    Protect(gating::ProtectArgs),
    /// Remove one or more peer IDs from the list of protected peer connections.
    Unprotect {
        /// Peer IDs.
        #[arg(value_name = "peer-id")]
        peers: Vec<String>,
    },
    /// List the peer IDs with protected connection.
    ListProtected,
}

/// Reads `--interval` as Go reads a `time.Duration` flag (`1s`, `500ms`, `1m30s`).
fn parse_interval(text: &str) -> Result<Duration, String> {
    parse_go_duration(text)
}

/// Runs a net command.
pub async fn run(cmd: NetCmd, target: &Target) -> Result<()> {
    let c = target.client()?;
    match cmd {
        NetCmd::Peers { agent, extended } => peers(&c, agent, extended).await,
        NetCmd::Ping {
            count,
            interval,
            peer,
        } => ping(&c, &peer, count, interval).await,
        NetCmd::Connect { peers } => connect(&c, &peers).await,
        NetCmd::Disconnect { peers } => disconnect(&c, &peers).await,
        NetCmd::Listen => {
            let info = c.request::<NetAddrsListen>(()).await?;
            for line in listen_lines(&info) {
                println!("{line}");
            }
            Ok(())
        }
        NetCmd::Id => {
            println!("{}", c.request::<Id>(()).await?);
            Ok(())
        }
        NetCmd::FindPeer { peer } => {
            let id = parse_peer(&peer)?;
            let info = c.request::<NetFindPeer>((id,)).await?;
            println!("{}", addr_info_text(&info));
            Ok(())
        }
        NetCmd::Scores { extended } => {
            let scores = c.request::<NetPubsubScores>(()).await?;
            for line in score_lines(&scores, extended)? {
                println!("{line}");
            }
            Ok(())
        }
        NetCmd::Reachability => {
            let nat = c.request::<NetAutoNatStatus>(()).await?;
            for line in reachability_lines(&nat) {
                println!("{line}");
            }
            Ok(())
        }
        NetCmd::Bandwidth {
            by_peer,
            by_protocol,
        } => bandwidth(&c, by_peer, by_protocol).await,
        NetCmd::Block(cmd) => gating::block(&c, cmd).await,
        NetCmd::Stat(a) => resources::stat(&c, a).await,
        NetCmd::Limit(a) => resources::limit(&c, a).await,
        NetCmd::Protect(a) => gating::protect(&c, a).await,
        NetCmd::Unprotect { peers } => gating::unprotect(&c, &peers).await,
        NetCmd::ListProtected => gating::list_protected(&c).await,
    }
}

/// Lotus's order of peers: by the bytes of their IDs, largest first.
fn sort_peers(peers: &mut [AddrInfoJson]) {
    peers.sort_by(|a, b| b.id.as_bytes().cmp(a.id.as_bytes()));
}

/// One `net peers` line: `<peer>, [<addr>]` and, with `--agent`, `, <agent>`.
fn peer_line(info: &AddrInfoJson, agent: Option<&str>) -> String {
    let agent = agent.map(|a| format!(", {a}")).unwrap_or_default();
    format!("{}, {}{agent}", info.id, go_list(&info.addrs))
}

async fn peers(c: &RpcClient, agent: bool, extended: bool) -> Result<()> {
    let mut peers = c.request::<NetPeers>(()).await?;
    sort_peers(&mut peers);
    if extended {
        let mut seen = std::collections::HashSet::new();
        for p in peers.iter().filter(|p| seen.insert(p.id.clone())) {
            match c.request::<NetPeerInfo>((p.id.clone(),)).await {
                Ok(info) => println!("{}", go_json_line(&info)?),
                Err(e) => tracing::warn!("error getting extended peer info: {e}"),
            }
        }
        return Ok(());
    }
    for p in &peers {
        let agent_text = if agent {
            match c.request::<NetAgentVersion>((p.id.clone(),)).await {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::warn!("getting agent version: {e}");
                    None
                }
            }
        } else {
            None
        };
        println!("{}", peer_line(p, agent_text.as_deref()));
    }
    Ok(())
}

async fn connect(c: &RpcClient, args: &[String]) -> Result<()> {
    for info in addr_infos_from_args(c, args).await? {
        print!("connect {}: ", info.id);
        let id = info.id.clone();
        match c.request::<NetConnect>((info,)).await {
            Ok(()) => println!("success"),
            Err(e) => {
                println!("failure");
                return Err(anyhow!("connecting to {id}: {e}"));
            }
        }
    }
    Ok(())
}

async fn disconnect(c: &RpcClient, args: &[String]) -> Result<()> {
    for arg in args {
        let id = match parse_peer(arg) {
            Ok(id) => id,
            Err(e) => {
                println!("failure");
                return Err(e);
            }
        };
        print!("disconnect {id}: ");
        match c.request::<NetDisconnect>((id,)).await {
            Ok(()) => println!("success"),
            Err(e) => {
                println!("failure");
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// `net listen`: each listen address with the node's `/p2p/<id>`.
fn listen_lines(info: &AddrInfoJson) -> Vec<String> {
    info.addrs
        .iter()
        .map(|a| format!("{a}/p2p/{}", info.id))
        .collect()
}

async fn ping(c: &RpcClient, peer: &str, count: u64, interval: Duration) -> Result<()> {
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    for info in addr_infos_from_args(c, &[peer.to_string()]).await? {
        let id = info.id.clone();
        c.request::<NetConnect>((info,))
            .await
            .map_err(|e| anyhow!("connect: {e}"))?;
        println!("PING {id}");
        let mut total: i128 = 0;
        let mut successful: i128 = 0;
        for _ in 0..count {
            let start = tokio::time::Instant::now();
            let rtt = tokio::select! {
                r = c.request::<NetPing>((id.clone(),)) => r,
                _ = &mut ctrl_c => break,
            };
            match rtt {
                Ok(rtt) => {
                    println!("Pong received: time={}", go_duration(i128::from(rtt)));
                    total += i128::from(rtt);
                    successful += 1;
                }
                Err(e) => {
                    tracing::error!("Ping failed: error={e}");
                    continue;
                }
            }
            tokio::select! {
                _ = tokio::time::sleep_until(start + interval) => {}
                _ = &mut ctrl_c => break,
            }
        }
        if successful > 0 {
            println!("Average latency: {}", go_duration(total / successful));
        }
    }
    Ok(())
}

/// `net scores`: `<peer>, <score>` (six decimals), or with `--extended` each score as a
/// JSON line.
fn score_lines(scores: &[PubsubScoreJson], extended: bool) -> Result<Vec<String>> {
    scores
        .iter()
        .map(|s| {
            if extended {
                return go_json_line(s);
            }
            Ok(match &s.score {
                Some(snapshot) => format!("{}, {:.6}", s.id, snapshot.score),
                None => format!("{}, <nil>", s.id),
            })
        })
        .collect()
}

/// `net reachability`: the AutoNAT status, and the public addresses when there are any.
fn reachability_lines(nat: &NatInfoJson) -> Vec<String> {
    let mut lines = vec![format!("AutoNAT status:  {}", nat.reachability.name())];
    if !nat.public_addrs.is_empty() {
        lines.push(format!("Public address: {}", go_list(&nat.public_addrs)));
    }
    lines
}

/// One bandwidth row: the segment, the totals and the rates, humanized.
fn bandwidth_row(table: &mut Table, segment: &str, s: &BandwidthStatsJson) {
    // Go converts with uint64(…): negative totals wrap, fractional rates truncate.
    table.row([
        segment.to_string(),
        humanize_bytes(s.total_in as u64),
        humanize_bytes(s.total_out as u64),
        format!("{}/s", humanize_bytes(s.rate_in as u64)),
        format!("{}/s", humanize_bytes(s.rate_out as u64)),
    ]);
}

/// The `net bandwidth` table for a list of segments (already in order).
fn bandwidth_table<'a>(
    rows: impl IntoIterator<Item = (&'a str, &'a BandwidthStatsJson)>,
) -> String {
    let mut table = Table::new(4, 2);
    table.row(["Segment", "TotalIn", "TotalOut", "RateIn", "RateOut"]);
    for (segment, stats) in rows {
        let segment = if segment.is_empty() {
            "<unknown>"
        } else {
            segment
        };
        bandwidth_row(&mut table, segment, stats);
    }
    table.render()
}

async fn bandwidth(c: &RpcClient, by_peer: bool, by_protocol: bool) -> Result<()> {
    // Maps come back ordered by key, as Lotus sorts them.
    let text = if by_peer {
        let bw = c.request::<NetBandwidthStatsByPeer>(()).await?;
        bandwidth_table(bw.iter().map(|(p, s)| (p.as_str(), s)))
    } else if by_protocol {
        let bw = c.request::<NetBandwidthStatsByProtocol>(()).await?;
        bandwidth_table(bw.iter().map(|(p, s)| (p.as_str(), s)))
    } else {
        let s = c.request::<NetBandwidthStats>(()).await?;
        bandwidth_table([("Total", &s)])
    };
    print!("{text}");
    Ok(())
}

#[cfg(test)]
#[path = "net_tests.rs"]
mod tests;
