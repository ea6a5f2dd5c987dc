//! `padma state ...`: actors, addresses, miners, power, messages on chain and local calls,
//! printed as Lotus's `lotus state` prints them.

use crate::node::Target;
use crate::util::{atto_amount, go_cid_list, parse_addr, parse_cid, tipset_key};
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::{Args, Subcommand};
use padma_api::miner_state::StateListMiners;
use padma_api::msg_search::{MsgLookupJson, StateSearchMsg, StateWaitMsg};
use padma_api::state::{StateGetActor, StateLookupID, StateLookupRobustAddress};
use padma_api::state_call::StateCall;
use padma_rpc::client::RpcClient;
use padma_state::ActorKind;
use padma_types::cid::Cid;
use padma_types::fil::{format_fil, parse_fil};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson, MessageJson};
use padma_types::TokenAmount;
use std::time::Duration;

mod miner;

/// `padma state` and its options.
#[derive(Args)]
pub struct StateArgs {
    /// Tipset to query: comma-separated block CIDs, `@HEIGHT` or `@head` (default: the head).
    #[arg(long, global = true)]
    pub tipset: Option<String>,
    #[command(subcommand)]
    command: StateCmd,
}

/// State commands.
#[derive(Subcommand)]
enum StateCmd {
    /// Print an actor's balance, nonce, code and head.
    #[command(visible_alias = "get-actor")]
    Actor {
        /// The actor address.
        address: String,
    },
    /// Find the ID address of an address (or, with --reverse, the robust address of an ID).
    Lookup {
        /// The address.
        address: String,
        /// Reverse lookup: ID address → robust address.
        #[arg(short, long)]
        reverse: bool,
    },
    /// Print a storage miner's info.
    MinerInfo {
        /// The miner address.
        miner: String,
    },
    /// Print the network's power, or a miner's share of it.
    Power {
        /// The miner address (optional).
        miner: Option<String>,
    },
    /// List all miners.
    ListMiners,
    /// Wait for a message to appear on chain and print its receipt.
    #[command(visible_alias = "wait-message")]
    WaitMsg {
        /// The message CID.
        cid: String,
        /// Give up after this long (`90s`, `10m`, `1h`, or seconds).
        #[arg(long, default_value = "10m")]
        timeout: String,
        /// Epochs the message must be buried under.
        #[arg(long, default_value_t = 5)]
        confidence: u64,
    },
    /// Search the chain for a message and print its receipt.
    #[command(visible_alias = "search-message")]
    SearchMsg {
        /// The message CID.
        cid: String,
    },
    /// Invoke a method on an actor locally (nothing is committed).
    Call {
        /// The actor to call.
        to: String,
        /// Method number (or use --method).
        method_pos: Option<String>,
        /// Parameters, in --encoding (or use --params-hex).
        params_pos: Option<String>,
        /// Sender.
        #[arg(long, default_value = "t00")]
        from: String,
        /// Value to send, in FIL (or `N attofil`).
        #[arg(long, default_value = "0")]
        value: String,
        /// Method number.
        #[arg(long)]
        method: Option<u64>,
        /// Parameters as hex.
        #[arg(long)]
        params_hex: Option<String>,
        /// Encoding of positional parameters: base64 or hex.
        #[arg(long, default_value = "base64")]
        encoding: String,
        /// How to print the return value: hex or base64.
        #[arg(long, default_value = "hex")]
        ret: String,
    },
}

/// Parses `--timeout`: a number of seconds or a Go-style duration (`90s`, `10m`, `1h30m`).
fn parse_timeout(s: &str) -> Result<Duration> {
    let bad = || anyhow!("--timeout: cannot parse '{s}' as a duration (e.g. 90s, 10m, 1h)");
    let t = s.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(Duration::from_secs(n));
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    let mut any = false;
    while let Some(ch) = chars.next() {
        if ch.is_ascii_digit() || ch == '.' {
            num.push(ch);
            continue;
        }
        let mut unit = ch.to_string();
        if ch == 'm' && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let v: f64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += v * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(bad()),
        };
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

/// The actor kind of a code CID as Lotus names it (`fil/18/account`).
fn actor_name(code: &Cid) -> String {
    ActorKind::from_code(code)
        .map(|k| format!("fil/18/{}", k.name()))
        .unwrap_or_else(|| "<unknown>".into())
}

/// Prints a MsgLookup as Lotus's `printMsg` does.
fn print_lookup(requested: &Cid, lookup: &MsgLookupJson) {
    if lookup.message.0 != *requested {
        println!("Message was replaced: {}", lookup.message.0);
    }
    println!(
        "Executed in tipset: {}",
        go_cid_list(&key_cids(&lookup.tip_set))
    );
    let r = &lookup.receipt;
    println!("Exit Code: {}", r.exit_code);
    println!("Gas Used: {}", r.gas_used);
    println!("Return: {}", hex::encode(&r.return_data.0));
    if let Some(root) = &r.events_root {
        println!("Events Root: {}", root.0);
    }
}

/// A tipset key's CIDs as a Lotus JSON list.
fn key_cids(key: &TipSetKeyJson) -> Vec<CidJson> {
    key.0.cids().iter().copied().map(CidJson).collect()
}

/// `state call`: the message to apply locally.
struct LocalCall {
    to: AddressJson,
    from: AddressJson,
    value: TokenAmount,
    method: u64,
    params: Vec<u8>,
}

async fn call(c: &RpcClient, tsk: TipSetKeyJson, call: LocalCall, ret: &str) -> Result<()> {
    let msg = MessageJson {
        version: 0,
        to: call.to.0,
        from: call.from.0,
        nonce: 0,
        value: call.value,
        gas_limit: 0,
        gas_fee_cap: TokenAmount::default(),
        gas_premium: TokenAmount::default(),
        method: call.method,
        params: call.params,
        cid: None,
    };
    let r = c
        .request::<StateCall>((msg, tsk))
        .await
        .map_err(|e| anyhow!("state call failed: {e}"))?;
    let rct = &r.msg_rct;
    if rct.exit_code != 0 {
        bail!(
            "invocation failed (exit: {}, gasUsed: {}): {}",
            rct.exit_code,
            rct.gas_used,
            r.error
        );
    }
    println!("Call receipt:");
    println!("Exit code: {}", rct.exit_code);
    println!("Gas Used: {}", rct.gas_used);
    match ret {
        "base64" => println!("Return: \n{}", B64.encode(&rct.return_data)),
        _ => println!("Return: \n{}", hex::encode(&rct.return_data)),
    }
    Ok(())
}

/// Runs a state command.
pub async fn run(args: StateArgs, target: &Target) -> Result<()> {
    // Check every input before contacting the node.
    if let Some(ts) = &args.tipset {
        let t = ts.trim();
        if t.is_empty() {
            bail!("--tipset: empty tipset");
        }
        match t.strip_prefix('@') {
            Some("head") => {}
            Some(h) => {
                h.parse::<u64>()
                    .map_err(|_| anyhow!("parsing height tipset ref: '{t}' is not @HEIGHT"))?;
            }
            None => {
                for c in t.split(',') {
                    parse_cid("--tipset", c)?;
                }
            }
        }
    }
    let mut call_args = None;
    match &args.command {
        StateCmd::Actor { address } | StateCmd::Lookup { address, .. } => {
            parse_addr("address", address)?;
        }
        StateCmd::MinerInfo { miner } => {
            parse_addr("miner address", miner)?;
        }
        StateCmd::Power { miner: Some(m) } => {
            parse_addr("miner address", m)?;
        }
        StateCmd::Power { miner: None } | StateCmd::ListMiners => {}
        StateCmd::WaitMsg { cid, timeout, .. } => {
            parse_cid("message CID", cid)?;
            parse_timeout(timeout)?;
        }
        StateCmd::SearchMsg { cid } => {
            parse_cid("message CID", cid)?;
        }
        StateCmd::Call {
            to,
            method_pos,
            params_pos,
            from,
            value,
            method,
            params_hex,
            encoding,
            ret,
        } => {
            let to = parse_addr("given 'to' address", to)?;
            let from = parse_addr("given 'from' address", from)?;
            let value = parse_fil(value).map_err(|e| anyhow!("failed to parse 'value': {e}"))?;
            if value.starts_with('-') {
                bail!("failed to parse 'value': must not be negative");
            }
            let method = match (method, method_pos) {
                (Some(_), Some(_)) => bail!("give the method either as --method or as an argument"),
                (Some(m), None) => *m,
                (None, Some(m)) => m
                    .parse::<u64>()
                    .map_err(|_| anyhow!("must pass method as a number"))?,
                (None, None) => 0,
            };
            let params = match (params_hex, params_pos) {
                (Some(_), Some(_)) => {
                    bail!("give the params either as --params-hex or as an argument")
                }
                (Some(h), None) => hex::decode(h.trim().trim_start_matches("0x"))
                    .map_err(|e| anyhow!("decoding hex value: {e}"))?,
                (None, Some(p)) => match encoding.as_str() {
                    "base64" => B64
                        .decode(p.trim())
                        .map_err(|e| anyhow!("decoding base64 value: {e}"))?,
                    "hex" => hex::decode(p.trim().trim_start_matches("0x"))
                        .map_err(|e| anyhow!("decoding hex value: {e}"))?,
                    e => bail!("unrecognized encoding: {e}"),
                },
                (None, None) => Vec::new(),
            };
            if ret != "hex" && ret != "base64" {
                bail!("--ret: unknown format '{ret}' (expected hex or base64)");
            }
            call_args = Some(LocalCall {
                to,
                from,
                value: atto_amount(&value)?,
                method,
                params,
            });
        }
    }

    let c = target.client()?;
    let tsk = || tipset_key(&c, args.tipset.as_deref());
    match args.command {
        StateCmd::Actor { address } => {
            let a = c
                .request::<StateGetActor>((parse_addr("address", &address)?, tsk().await?))
                .await?;
            println!("Address:\t{address}");
            println!("Balance:\t{}", format_fil(&miner::atto(&a.balance)));
            println!("Nonce:\t\t{}", a.nonce);
            println!("Code:\t\t{} ({})", a.code.0, actor_name(&a.code.0));
            println!("Head:\t\t{}", a.head.0);
            if let Some(d) = a.delegated_address {
                println!("Delegated address:\t\t{}", d.0);
            }
        }
        StateCmd::Lookup { address, reverse } => {
            let params = (parse_addr("address", &address)?, tsk().await?);
            let a = if reverse {
                c.request::<StateLookupRobustAddress>(params).await?
            } else {
                c.request::<StateLookupID>(params).await?
            };
            println!("{}", a.0);
        }
        StateCmd::MinerInfo { miner } => {
            let miner = parse_addr("miner address", &miner)?;
            let tsk = tsk().await?;
            miner::miner_info(&c, miner, &tsk).await?;
        }
        StateCmd::Power { miner } => {
            let miner = miner.map(|m| parse_addr("miner address", &m)).transpose()?;
            let tsk = tsk().await?;
            miner::power(&c, miner, &tsk).await?;
        }
        StateCmd::ListMiners => {
            let miners = c.request::<StateListMiners>((tsk().await?,)).await?;
            for m in miners {
                println!("{}", m.0);
            }
        }
        StateCmd::WaitMsg {
            cid,
            timeout,
            confidence,
        } => {
            let mcid = parse_cid("message CID", &cid)?;
            let timeout = parse_timeout(&timeout)?;
            let wait =
                c.request::<StateWaitMsg>((CidJson(mcid), Some(confidence), Some(-1), Some(true)));
            let lookup = tokio::time::timeout(timeout, wait)
                .await
                .map_err(|_| anyhow!("timed out waiting for message {mcid}"))??;
            print_lookup(&mcid, &lookup);
        }
        StateCmd::SearchMsg { cid } => {
            let mcid = parse_cid("message CID", &cid)?;
            let lookup = c
                .request::<StateSearchMsg>((
                    TipSetKeyJson::default(),
                    CidJson(mcid),
                    Some(-1),
                    Some(true),
                ))
                .await?;
            let Some(lookup) = lookup else {
                bail!("failed to find message: {mcid}");
            };
            print_lookup(&mcid, &lookup);
        }
        StateCmd::Call { ret, .. } => {
            let local = call_args.context("state call arguments were not checked")?;
            let tsk = tsk().await?;
            call(&c, tsk, local, &ret).await?;
        }
    }
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_timeout("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_timeout("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_timeout("1.5s").unwrap(), Duration::from_millis(1500));
        for bad in ["", "ten", "10x", "5m3"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn actor_names() {
        assert_eq!(actor_name(&ActorKind::Account.code()), "fil/18/account");
        let unknown = padma_types::cid::cbor_cid(&[0x80]);
        assert_eq!(actor_name(&unknown), "<unknown>");
    }
}
