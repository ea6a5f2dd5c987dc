//! `padma state ...`: actors, addresses, miners, power, messages on chain and local calls,
//! printed as Lotus's `lotus state` prints them.

use crate::node::Target;
use crate::util::{
    b64_field, cid_json, epoch_time, go_cid_list, multiaddr_text, parse_addr, parse_cid, tipset_key,
};
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::{Args, Subcommand};
use padma_chain::network::MAINNET_BLOCK_DELAY_SECS;
use padma_rpc::client::RpcClient;
use padma_state::actors::ids;
use padma_state::ActorKind;
use padma_types::fil::{deci_str, format_fil, parse_fil, size_str};
use serde_json::{json, Value};
use std::str::FromStr;
use std::time::Duration;

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

fn actor_name(code: &Value) -> String {
    code.get("/")
        .and_then(Value::as_str)
        .and_then(|s| padma_types::cid::Cid::from_str(s).ok())
        .and_then(|c| ActorKind::from_code(&c))
        .map(|k| format!("fil/18/{}", k.name()))
        .unwrap_or_else(|| "<unknown>".into())
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// `num * 100 / den` as Go's `%0.4f`.
fn percent(num: &str, den: &str) -> String {
    let n: f64 = num.parse().unwrap_or(0.0);
    let d: f64 = den.parse().unwrap_or(0.0);
    let p = if d == 0.0 { 0.0 } else { n * 100.0 / d };
    format!("{p:.4}")
}

async fn block_delay(c: &RpcClient) -> u64 {
    c.call::<Value>("Version", vec![])
        .await
        .ok()
        .and_then(|v| v["BlockDelay"].as_u64())
        .unwrap_or(MAINNET_BLOCK_DELAY_SECS)
}

async fn miner_info(c: &RpcClient, maddr: &str, tsk: &Value) -> Result<()> {
    let args = || vec![json!(maddr), tsk.clone()];
    let mi: Value = c.call("StateMinerInfo", args()).await?;
    let avail: String = c
        .call("StateMinerAvailableBalance", args())
        .await
        .map_err(|e| anyhow!("getting miner available balance: {e}"))?;
    println!("Available Balance: {}", format_fil(&avail));
    println!("Owner:\t{}", str_of(&mi["Owner"]));
    println!("Worker:\t{}", str_of(&mi["Worker"]));
    for (i, a) in mi["ControlAddresses"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        println!("Control {i}: \t{}", str_of(a));
    }
    let beneficiary = str_of(&mi["Beneficiary"]);
    if !beneficiary.is_empty() && beneficiary != "<empty>" && beneficiary != "<nil>" {
        println!("Beneficiary:\t{beneficiary}");
        if mi["Beneficiary"] != mi["Owner"] {
            let term = &mi["BeneficiaryTerm"];
            println!("Beneficiary Quota:\t{}", str_of(&term["Quota"]));
            println!("Beneficiary Used Quota:\t{}", str_of(&term["UsedQuota"]));
            println!("Beneficiary Expiration:\t{}", str_of(&term["Expiration"]));
        }
    }
    let pending = &mi["PendingBeneficiaryTerm"];
    if !pending.is_null() {
        println!("Pending Beneficiary Term:");
        println!("New Beneficiary:\t{}", str_of(&pending["NewBeneficiary"]));
        println!("New Quota:\t{}", str_of(&pending["NewQuota"]));
        println!("New Expiration:\t{}", str_of(&pending["NewExpiration"]));
        println!(
            "Approved By Beneficiary:\t{}",
            str_of(&pending["ApprovedByBeneficiary"])
        );
        println!(
            "Approved By Nominee:\t{}",
            str_of(&pending["ApprovedByNominee"])
        );
    }
    println!("PeerID:\t{}", mi["PeerId"].as_str().unwrap_or("<nil>"));
    let mut addrs = String::new();
    for a in mi["Multiaddrs"].as_array().cloned().unwrap_or_default() {
        let text = multiaddr_text(&b64_field(&a)?)
            .map_err(|e| anyhow!("undecodable listen address: {e}"))?;
        addrs += &format!("{text} ");
    }
    println!("Multiaddrs:\t{addrs}");
    println!(
        "Consensus Fault End:\t{}",
        str_of(&mi["ConsensusFaultElapsed"])
    );
    let ssize = mi["SectorSize"].as_u64().unwrap_or(0).to_string();
    println!("SectorSize:\t{} ({ssize})", size_str(&ssize));
    let pow: Value = c.call("StateMinerPower", args()).await?;
    let (mp, tp) = (&pow["MinerPower"], &pow["TotalPower"]);
    let s = |v: &Value| v.as_str().unwrap_or("0").to_string();
    println!(
        "Byte Power:   {} / {} ({}%)",
        size_str(&s(&mp["RawBytePower"])),
        size_str(&s(&tp["RawBytePower"])),
        percent(&s(&mp["RawBytePower"]), &s(&tp["RawBytePower"]))
    );
    println!(
        "Actual Power: {} / {} ({}%)",
        deci_str(&s(&mp["QualityAdjPower"])),
        deci_str(&s(&tp["QualityAdjPower"])),
        percent(&s(&mp["QualityAdjPower"]), &s(&tp["QualityAdjPower"]))
    );
    println!();
    let cd: Value = c
        .call("StateMinerProvingDeadline", args())
        .await
        .map_err(|e| anyhow!("getting miner info: {e}"))?;
    let delay = block_delay(c).await;
    println!(
        "Proving Period Start:\t{}",
        epoch_time(
            cd["CurrentEpoch"].as_i64().unwrap_or(0),
            cd["PeriodStart"].as_i64().unwrap_or(0),
            delay
        )
    );
    Ok(())
}

async fn power(c: &RpcClient, miner: Option<&str>, tsk: &Value) -> Result<()> {
    if let Some(m) = miner {
        let act: Value = c.call("StateGetActor", vec![json!(m), tsk.clone()]).await?;
        if actor_name(&act["Code"]) != format!("fil/18/{}", ActorKind::StorageMiner.name()) {
            bail!("provided address does not correspond to a miner actor");
        }
    }
    let p: Value = match miner {
        Some(m) => {
            c.call("StateMinerPower", vec![json!(m), tsk.clone()])
                .await?
        }
        // Lotus passes the undefined address for the network total; a node that does
        // not take it still has the total in the power actor's state.
        None => match c
            .call::<Value>("StateMinerPower", vec![json!("<empty>"), tsk.clone()])
            .await
        {
            Ok(p) => p,
            Err(_) => {
                let rs: Value = c
                    .call(
                        "StateReadState",
                        vec![json!(format!("t0{}", ids::POWER)), tsk.clone()],
                    )
                    .await?;
                json!({"TotalPower": {"QualityAdjPower": rs["State"]["TotalQualityAdjPower"]}})
            }
        },
    };
    let tp = p["TotalPower"]["QualityAdjPower"]
        .as_str()
        .unwrap_or("0")
        .to_string();
    if miner.is_some() {
        let mp = p["MinerPower"]["QualityAdjPower"]
            .as_str()
            .unwrap_or("0")
            .to_string();
        println!(
            "{mp}({}) / {tp}({}) ~= {}%",
            size_str(&mp),
            size_str(&tp),
            percent(&mp, &tp)
        );
    } else {
        println!("{tp}({})", size_str(&tp));
    }
    Ok(())
}

/// Prints a MsgLookup as Lotus's `printMsg` does.
fn print_lookup(requested: &str, lookup: &Value) -> Result<()> {
    let found = lookup["Message"]["/"].as_str().unwrap_or("");
    if !found.is_empty() && found != requested {
        println!("Message was replaced: {found}");
    }
    println!("Executed in tipset: {}", go_cid_list(&lookup["TipSet"]));
    let r = &lookup["Receipt"];
    println!("Exit Code: {}", r["ExitCode"]);
    println!("Gas Used: {}", r["GasUsed"]);
    println!("Return: {}", hex::encode(b64_field(&r["Return"])?));
    if let Some(root) = r["EventsRoot"].get("/").and_then(Value::as_str) {
        println!("Events Root: {root}");
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn call(
    c: &RpcClient,
    tsk: &Value,
    to: &str,
    from: &str,
    value: &str,
    method: u64,
    params: Vec<u8>,
    ret: &str,
) -> Result<()> {
    let msg = json!({
        "Version": 0, "To": to, "From": from, "Nonce": 0, "Value": value,
        "GasLimit": 0, "GasFeeCap": "0", "GasPremium": "0", "Method": method,
        "Params": if params.is_empty() { Value::Null } else { json!(B64.encode(&params)) },
    });
    let r: Value = c
        .call("StateCall", vec![msg, tsk.clone()])
        .await
        .map_err(|e| anyhow!("state call failed: {e}"))?;
    let rct = &r["MsgRct"];
    if rct["ExitCode"].as_i64().unwrap_or(0) != 0 {
        bail!(
            "invocation failed (exit: {}, gasUsed: {}): {}",
            rct["ExitCode"],
            rct["GasUsed"],
            r["Error"].as_str().unwrap_or("")
        );
    }
    println!("Call receipt:");
    println!("Exit code: {}", rct["ExitCode"]);
    println!("Gas Used: {}", rct["GasUsed"]);
    let bytes = b64_field(&rct["Return"])?;
    match ret {
        "base64" => println!("Return: \n{}", B64.encode(&bytes)),
        _ => println!("Return: \n{}", hex::encode(&bytes)),
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
            parse_addr("given 'to' address", to).map_err(|e| anyhow!("{e}"))?;
            parse_addr("given 'from' address", from)?;
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
            call_args = Some((value, method, params));
        }
    }

    let c = target.client()?;
    let tsk = || tipset_key(&c, args.tipset.as_deref());
    match args.command {
        StateCmd::Actor { address } => {
            let tsk = tsk().await?;
            let a: Value = c.call("StateGetActor", vec![json!(address), tsk]).await?;
            println!("Address:\t{address}");
            println!(
                "Balance:\t{}",
                format_fil(a["Balance"].as_str().unwrap_or("0"))
            );
            println!("Nonce:\t\t{}", a["Nonce"]);
            println!(
                "Code:\t\t{} ({})",
                a["Code"]["/"].as_str().unwrap_or(""),
                actor_name(&a["Code"])
            );
            println!("Head:\t\t{}", a["Head"]["/"].as_str().unwrap_or(""));
            if let Some(d) = a["DelegatedAddress"].as_str() {
                println!("Delegated address:\t\t{d}");
            }
        }
        StateCmd::Lookup { address, reverse } => {
            let tsk = tsk().await?;
            let method = if reverse {
                "StateLookupRobustAddress"
            } else {
                "StateLookupID"
            };
            let a: String = c.call(method, vec![json!(address), tsk]).await?;
            println!("{a}");
        }
        StateCmd::MinerInfo { miner } => {
            let tsk = tsk().await?;
            miner_info(&c, &miner, &tsk).await?;
        }
        StateCmd::Power { miner } => {
            let tsk = tsk().await?;
            power(&c, miner.as_deref(), &tsk).await?;
        }
        StateCmd::ListMiners => {
            let tsk = tsk().await?;
            let miners: Vec<String> = c.call("StateListMiners", vec![tsk]).await?;
            for m in miners {
                println!("{m}");
            }
        }
        StateCmd::WaitMsg {
            cid,
            timeout,
            confidence,
        } => {
            let mcid = parse_cid("message CID", &cid)?;
            let timeout = parse_timeout(&timeout)?;
            let wait = c.call::<Value>(
                "StateWaitMsg",
                vec![cid_json(&mcid), json!(confidence), json!(-1), json!(true)],
            );
            let lookup = tokio::time::timeout(timeout, wait)
                .await
                .map_err(|_| anyhow!("timed out waiting for message {mcid}"))??;
            if lookup.is_null() {
                println!("message was not found on chain");
                return Ok(());
            }
            print_lookup(&mcid.to_string(), &lookup)?;
        }
        StateCmd::SearchMsg { cid } => {
            let mcid = parse_cid("message CID", &cid)?;
            let lookup: Value = c
                .call(
                    "StateSearchMsg",
                    vec![json!([]), cid_json(&mcid), json!(-1), json!(true)],
                )
                .await?;
            if lookup.is_null() {
                bail!("failed to find message: {mcid}");
            }
            print_lookup(&mcid.to_string(), &lookup)?;
        }
        StateCmd::Call { to, from, ret, .. } => {
            let (value, method, params) =
                call_args.context("state call arguments were not checked")?;
            let tsk = tsk().await?;
            call(&c, &tsk, &to, &from, &value, method, params, &ret).await?;
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
    fn names_and_percentages() {
        let code = json!({"/": ActorKind::Account.code().to_string()});
        assert_eq!(actor_name(&code), "fil/18/account");
        assert_eq!(actor_name(&json!({"/": "bafy"})), "<unknown>");
        assert_eq!(percent("4096", "4096"), "100.0000");
        assert_eq!(percent("1", "3"), "33.3333");
        assert_eq!(percent("1", "0"), "0.0000");
    }
}
