//! `padma net block ...` (connection gating rules) and the protected peers
//! (`protect`, `unprotect`, `list-protected`, and `protect add|remove|list`).

use super::args::{parse_peer, parse_peer_list};
use anyhow::Result;
use clap::{Args, Subcommand};
use padma_api::net::{
    NetBlockAdd, NetBlockList, NetBlockListJson, NetBlockRemove, NetProtectAdd, NetProtectList,
    NetProtectRemove, PeerIdJson,
};
use padma_rpc::client::RpcClient;

/// `net block` commands.
#[derive(Subcommand)]
pub enum BlockCmd {
    /// Add connection gating rules.
    #[command(subcommand)]
    Add(BlockRule),
    /// Remove connection gating rules.
    #[command(subcommand)]
    Remove(BlockRule),
    /// List connection gating rules.
    List,
}

/// What a gating rule names.
#[derive(Subcommand)]
pub enum BlockRule {
    /// Block (or unblock) peers.
    Peer {
        /// Peer IDs.
        #[arg(value_name = "Peer")]
        peers: Vec<String>,
    },
    /// Block (or unblock) IP addresses.
    Ip {
        /// IP addresses.
        #[arg(value_name = "IP")]
        ips: Vec<String>,
    },
    /// Block (or unblock) IP subnets.
    Subnet {
        /// Subnets in CIDR notation.
        #[arg(value_name = "CIDR")]
        subnets: Vec<String>,
    },
}

impl BlockRule {
    /// The rule as the block list `NetBlockAdd`/`NetBlockRemove` take.
    fn block_list(self) -> Result<NetBlockListJson> {
        Ok(match self {
            BlockRule::Peer { peers } => NetBlockListJson {
                peers: peers.iter().map(|p| parse_peer(p)).collect::<Result<_>>()?,
                ..Default::default()
            },
            BlockRule::Ip { ips } => NetBlockListJson {
                ip_addrs: ips,
                ..Default::default()
            },
            BlockRule::Subnet { subnets } => NetBlockListJson {
                ip_subnets: subnets,
                ..Default::default()
            },
        })
    }
}

/// Runs a `net block` command.
pub async fn block(c: &RpcClient, cmd: BlockCmd) -> Result<()> {
    match cmd {
        BlockCmd::Add(rule) => Ok(c.request::<NetBlockAdd>((rule.block_list()?,)).await?),
        BlockCmd::Remove(rule) => Ok(c.request::<NetBlockRemove>((rule.block_list()?,)).await?),
        BlockCmd::List => {
            let list = c.request::<NetBlockList>(()).await?;
            for line in block_list_lines(list) {
                println!("{line}");
            }
            Ok(())
        }
    }
}

/// `net block list`: blocked peers (by ID bytes, largest first), IPs and subnets
/// (sorted), each section only when it has entries.
fn block_list_lines(mut list: NetBlockListJson) -> Vec<String> {
    let mut lines = Vec::new();
    list.peers.sort_by(|a, b| b.as_bytes().cmp(a.as_bytes()));
    list.ip_addrs.sort();
    list.ip_subnets.sort();
    let peers: Vec<String> = list.peers.iter().map(PeerIdJson::to_string).collect();
    for (title, entries) in [
        ("Blocked Peers:", peers),
        ("Blocked IPs:", list.ip_addrs),
        ("Blocked Subnets:", list.ip_subnets),
    ] {
        if !entries.is_empty() {
            lines.push(title.to_string());
            lines.extend(entries.iter().map(|e| format!("\t{e}")));
        }
    }
    lines
}

/// `net protect`: peer IDs to protect, or one of its subcommands.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ProtectArgs {
    #[command(subcommand)]
    action: Option<ProtectCmd>,
    /// Peer IDs to protect.
    #[arg(value_name = "peer-id", required = true)]
    peers: Vec<String>,
}

/// `net protect` subcommands.
#[derive(Subcommand)]
enum ProtectCmd {
    /// Protect peers (as `net protect <peer-id>...`).
    Add {
        /// Peer IDs.
        #[arg(value_name = "peer-id")]
        peers: Vec<String>,
    },
    /// Stop protecting peers (as `net unprotect`).
    Remove {
        /// Peer IDs.
        #[arg(value_name = "peer-id")]
        peers: Vec<String>,
    },
    /// List the protected peers (as `net list-protected`).
    List,
}

/// Runs `net protect`.
pub async fn protect(c: &RpcClient, a: ProtectArgs) -> Result<()> {
    match a.action {
        None => protect_add(c, &a.peers).await,
        Some(ProtectCmd::Add { peers }) => protect_add(c, &peers).await,
        Some(ProtectCmd::Remove { peers }) => unprotect(c, &peers).await,
        Some(ProtectCmd::List) => list_protected(c).await,
    }
}

async fn protect_add(c: &RpcClient, args: &[String]) -> Result<()> {
    let peers = parse_peer_list(args)?;
    c.request::<NetProtectAdd>((peers.clone(),)).await?;
    print!("{}", protected_text("added to protected peers:\n", &peers));
    Ok(())
}

/// Runs `net unprotect`.
pub async fn unprotect(c: &RpcClient, args: &[String]) -> Result<()> {
    let peers = parse_peer_list(args)?;
    c.request::<NetProtectRemove>((peers.clone(),)).await?;
    // Lotus prints this heading without a line break before the first peer.
    print!(
        "{}",
        protected_text("removed from protected peers:", &peers)
    );
    Ok(())
}

/// A heading, then ` <peer>` per line.
fn protected_text(heading: &str, peers: &[PeerIdJson]) -> String {
    let mut text = heading.to_string();
    for p in peers {
        text += &format!(" {p}\n");
    }
    text
}

/// Runs `net list-protected`.
pub async fn list_protected(c: &RpcClient) -> Result<()> {
    for p in c.request::<NetProtectList>(()).await? {
        println!("{p}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "12D3KooWJtZVfRKpB4TgHnUDhDp3TUB18U7fMsmuTvhx6xE6eNZH";
    const B: &str = "12D3KooWGFrw2HTxjQqppCpGNerNBk5RGxuSBCKCSLZW19TRtCdU";

    fn peer(s: &str) -> PeerIdJson {
        s.parse().unwrap()
    }

    #[test]
    fn block_rules_become_block_lists() {
        let peers = BlockRule::Peer {
            peers: vec![A.into()],
        };
        assert_eq!(peers.block_list().unwrap().peers, vec![peer(A)]);
        let bad = BlockRule::Peer {
            peers: vec!["nope".into()],
        };
        assert!(bad.block_list().is_err());
        let ips = BlockRule::Ip {
            ips: vec!["192.0.2.1".into()],
        }
        .block_list()
        .unwrap();
        assert_eq!(ips.ip_addrs, ["192.0.2.1"]);
        assert!(ips.peers.is_empty() && ips.ip_subnets.is_empty());
    }

    #[test]
    fn block_list_output() {
        assert!(block_list_lines(NetBlockListJson::default()).is_empty());
        let list = NetBlockListJson {
            peers: vec![peer(B), peer(A)],
            ip_addrs: vec!["192.0.2.9".into(), "192.0.2.10".into()],
            ip_subnets: vec![],
        };
        // A's key bytes are larger than B's, so A comes first.
        assert!(peer(A).as_bytes() > peer(B).as_bytes());
        assert_eq!(
            block_list_lines(list),
            [
                "Blocked Peers:".to_string(),
                format!("\t{A}"),
                format!("\t{B}"),
                "Blocked IPs:".into(),
                "\t192.0.2.10".into(),
                "\t192.0.2.9".into(),
            ]
        );
    }

    #[test]
    fn protect_output() {
        let peers = [peer(A), peer(B)];
        assert_eq!(
            protected_text("added to protected peers:\n", &peers),
            format!("added to protected peers:\n {A}\n {B}\n")
        );
        assert_eq!(
            protected_text("removed from protected peers:", &peers[..1]),
            format!("removed from protected peers: {A}\n")
        );
    }
}
