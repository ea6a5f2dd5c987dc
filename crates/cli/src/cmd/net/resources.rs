//! `padma net stat` and `padma net limit`: the libp2p resource manager's usage and
//! limits per scope.

use super::format::{bar_string, go_json_line};
use anyhow::{anyhow, bail, Result};
use clap::Args;
use padma_api::net::{NetLimit, NetLimitJson, NetSetLimit, NetStat, NetStatJson, ScopeStatJson};
use padma_rpc::client::RpcClient;
use padma_types::fil::size_str;
use std::collections::BTreeMap;
use std::io::IsTerminal;

/// The scopes `stat` and `limit` take.
const SCOPES_HELP: &str = "The scope can be one of the following:
  - system        -- reports the system aggregate resource usage.
  - transient     -- reports the transient resource usage.
  - svc:<service> -- reports the resource usage of a specific service.
  - proto:<proto> -- reports the resource usage of a specific protocol.
  - peer:<peer>   -- reports the resource usage of a specific peer.";

/// `net stat` arguments.
#[derive(Args)]
#[command(after_help = format!("{SCOPES_HELP}\n  - all           -- reports the resource usage for all currently active scopes."))]
pub struct StatArgs {
    /// Print the usage as JSON.
    #[arg(long)]
    json: bool,
    /// The scope.
    scope: String,
}

/// `net limit` arguments.
#[derive(Args)]
#[command(after_help = format!("{SCOPES_HELP}\n\nThe limit is JSON, with the fields of NetLimit (Memory, Streams, StreamsInbound, StreamsOutbound, Conns, ConnsInbound, ConnsOutbound, FD)."))]
pub struct LimitArgs {
    /// Set the limit for a scope.
    #[arg(long)]
    set: bool,
    /// The scope.
    scope: String,
    /// The new limit (with --set).
    limit: Option<String>,
}

/// Runs `net stat`.
pub async fn stat(c: &RpcClient, a: StatArgs) -> Result<()> {
    let result = c
        .request::<NetStat>((a.scope,))
        .await
        .map_err(|e| anyhow!("get stat: {e}"))?;
    if a.json {
        println!("{}", go_json_line(&result)?);
        return Ok(());
    }
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for scope in scopes_in_order(&result) {
        let limit = match c.request::<NetLimit>((scope.name.clone(),)).await {
            Ok(limit) => limit,
            Err(e) => {
                println!("error: {e}");
                NetLimitJson::default()
            }
        };
        print!("{}", scope_text(&scope.name, &scope.stat, &limit, colour));
    }
    Ok(())
}

/// A scope's name (`system`, `svc:<name>`, …) and usage.
struct NamedScope {
    name: String,
    stat: ScopeStatJson,
}

/// The scopes of a `NetStat` in Lotus's order: system, transient, then services,
/// protocols and peers, each group by memory (most first), then by name.
fn scopes_in_order(result: &NetStatJson) -> Vec<NamedScope> {
    let mut out = Vec::new();
    for (name, stat) in [("system", result.system), ("transient", result.transient)] {
        if let Some(stat) = stat {
            out.push(NamedScope {
                name: name.into(),
                stat,
            });
        }
    }
    let group = |prefix: &str, map: &BTreeMap<String, ScopeStatJson>| {
        let mut scopes: Vec<NamedScope> = map
            .iter()
            .map(|(n, s)| NamedScope {
                name: format!("{prefix}{n}"),
                stat: *s,
            })
            .collect();
        scopes.sort_by(|a, b| {
            b.stat
                .memory
                .cmp(&a.stat.memory)
                .then_with(|| a.name.cmp(&b.name))
        });
        scopes
    };
    out.extend(group("svc:", &result.services));
    out.extend(group("proto:", &result.protocols));
    out.extend(group("peer:", &result.peers));
    out
}

/// One scope's usage against its limits, with bars, then a blank line.
fn scope_text(name: &str, stat: &ScopeStatJson, limit: &NetLimitJson, colour: bool) -> String {
    let bar = |limit: i64, used: i64| bar_string(limit as f64, 0.0, used as f64, colour);
    // Go prints these with uint64(…): a negative value wraps.
    let size = |v: i64| size_str(&(v as u64).to_string());
    let mut text = format!("{name}\n");
    text += &format!(
        "\tmemory:      [{}] {}/{}\n",
        bar(limit.memory, stat.memory),
        size(stat.memory),
        size(limit.memory)
    );
    for (label, used, max) in [
        (
            "streams in:  ",
            stat.num_streams_inbound,
            limit.streams_inbound,
        ),
        (
            "streams out: ",
            stat.num_streams_outbound,
            limit.streams_outbound,
        ),
        ("conn in:     ", stat.num_conns_inbound, limit.conns_inbound),
        (
            "conn out:    ",
            stat.num_conns_outbound,
            limit.conns_outbound,
        ),
        ("file desc:   ", stat.num_fd, limit.fd),
    ] {
        text += &format!("\t{label}[{}] {used}/{max}\n", bar(max, used));
    }
    text + "\n"
}

/// Runs `net limit`: prints a scope's limit as JSON, or with `--set` sets it.
pub async fn limit(c: &RpcClient, a: LimitArgs) -> Result<()> {
    if a.set {
        let Some(text) = a.limit else {
            bail!("must specify exactly a scope and a limit");
        };
        let limit = parse_limit(&text)?;
        return Ok(c.request::<NetSetLimit>((a.scope, limit)).await?);
    }
    if a.limit.is_some() {
        bail!("must specify exactly one scope");
    }
    let limit = c.request::<NetLimit>((a.scope,)).await?;
    println!("{}", go_json_line(&limit)?);
    Ok(())
}

/// Reads a limit as JSON (fields left out are zero).
fn parse_limit(text: &str) -> Result<NetLimitJson> {
    serde_json::from_str(text).map_err(|e| anyhow!("error decoding limit: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(memory: i64, fd: i64) -> ScopeStatJson {
        ScopeStatJson {
            memory,
            num_fd: fd,
            ..Default::default()
        }
    }

    #[test]
    fn scopes_come_in_lotus_order() {
        let mut result = NetStatJson {
            system: Some(scope(10, 1)),
            ..Default::default()
        };
        result.services.insert("b".into(), scope(5, 0));
        result.services.insert("a".into(), scope(5, 0));
        result.services.insert("c".into(), scope(9, 0));
        result.peers.insert("p".into(), scope(0, 0));
        let names: Vec<String> = scopes_in_order(&result)
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["system", "svc:c", "svc:a", "svc:b", "peer:p"]);
    }

    #[test]
    fn scope_output() {
        let limit = NetLimitJson {
            memory: 2048,
            streams_inbound: 4,
            fd: 0,
            ..Default::default()
        };
        let stat = ScopeStatJson {
            memory: 1024,
            num_streams_inbound: 1,
            num_fd: 3,
            ..Default::default()
        };
        let half = format!("{}{}", "|".repeat(32), " ".repeat(32));
        let quarter = format!("{}{}", "|".repeat(16), " ".repeat(48));
        let empty = " ".repeat(64);
        assert_eq!(
            scope_text("system", &stat, &limit, false),
            format!(
                "system\n\
                 \tmemory:      [{half}] 1 KiB/2 KiB\n\
                 \tstreams in:  [{quarter}] 1/4\n\
                 \tstreams out: [{empty}] 0/0\n\
                 \tconn in:     [{empty}] 0/0\n\
                 \tconn out:    [{empty}] 0/0\n\
                 \tfile desc:   [{empty}] 3/0\n\n"
            )
        );
    }

    #[test]
    fn limits_parse_as_go_reads_them() {
        let limit = parse_limit(r#"{"Conns":10,"FD":2}"#).unwrap();
        assert_eq!((limit.conns, limit.fd, limit.memory), (10, 2, 0));
        assert!(parse_limit("{")
            .unwrap_err()
            .to_string()
            .starts_with("error decoding limit"));
        assert!(parse_limit(r#"{"FD":"x"}"#).is_err());
    }
}
