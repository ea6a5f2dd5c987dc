//! `padma-miner info`: the miner's power, balances, sector counts and next deadline.

use super::{full_node, miner_address, MinerClient, Targets};
use anyhow::Result;
use padma_types::fil::{format_fil, size_str};
use padma_types::json::AddressJson;
use serde_json::{json, Value};

fn big(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0.0)
}

fn pct(a: &Value, b: &Value) -> String {
    let (a, b) = (big(a), big(b));
    if b == 0.0 {
        "0.0000%".into()
    } else {
        format!("{:.4}%", a * 100.0 / b)
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("0").to_string()
}

/// Runs `padma-miner info`.
pub async fn run(t: &Targets) -> Result<()> {
    let node = full_node(t)?;
    let maddr = miner_address(t).await?;
    let m = json!(AddressJson(maddr));
    let info: Value = node
        .call("StateMinerInfo", vec![m.clone(), Value::Null])
        .await?;
    let power: Value = node
        .call("StateMinerPower", vec![m.clone(), Value::Null])
        .await?;
    let actor: Value = node
        .call("StateGetActor", vec![m.clone(), Value::Null])
        .await?;
    let st: Value = node
        .call("StateReadState", vec![m.clone(), Value::Null])
        .await?;
    let avail: String = node
        .call("StateMinerAvailableBalance", vec![m.clone(), Value::Null])
        .await?;
    let counts: Value = node
        .call("StateMinerSectorCount", vec![m.clone(), Value::Null])
        .await?;
    let dl: Value = node
        .call("StateMinerProvingDeadline", vec![m.clone(), Value::Null])
        .await?;
    let worker_bal: String = node
        .call("WalletBalance", vec![info["Worker"].clone()])
        .await?;

    let ssize = info["SectorSize"].as_u64().unwrap_or(0);
    println!("Miner: {maddr} ({} sectors)", size_str(&ssize.to_string()));
    let (mp, tp) = (&power["MinerPower"], &power["TotalPower"]);
    println!(
        "Power: {} / {} ({})",
        size_str(&s(&mp["QualityAdjPower"])),
        size_str(&s(&tp["QualityAdjPower"])),
        pct(&mp["QualityAdjPower"], &tp["QualityAdjPower"])
    );
    println!(
        "\tRaw: {} / {} ({})",
        size_str(&s(&mp["RawBytePower"])),
        size_str(&s(&tp["RawBytePower"])),
        pct(&mp["RawBytePower"], &tp["RawBytePower"])
    );
    if power["HasMinPower"].as_bool() != Some(true) {
        println!("Below minimum power threshold, no blocks will be won");
    }
    println!();
    let state = &st["State"];
    println!("Miner Balance:    {}", format_fil(&s(&actor["Balance"])));
    println!(
        "      PreCommit:  {}",
        format_fil(&s(&state["PreCommitDeposits"]))
    );
    println!(
        "      Pledge:     {}",
        format_fil(&s(&state["InitialPledge"]))
    );
    println!(
        "      Vesting:    {}",
        format_fil(&s(&state["LockedFunds"]))
    );
    println!("      Available:  {}", format_fil(&avail));
    println!("Worker Balance:   {}", format_fil(&worker_bal));
    println!();
    println!("Sectors:");
    println!("\tLive: {}", counts["Live"]);
    println!("\tActive: {}", counts["Active"]);
    println!("\tFaulty: {}", counts["Faulty"]);
    if let Ok(mc) = MinerClient::discover(t) {
        if let Ok(summary) = mc.call::<Value>("SectorsSummary", vec![]).await {
            if let Some(o) = summary.as_object() {
                println!("Sealing:");
                for (state, n) in o {
                    println!("\t{state}: {n}");
                }
            }
        }
    }
    println!();
    let cur = dl["CurrentEpoch"].as_i64().unwrap_or(0);
    let open = dl["Open"].as_i64().unwrap_or(0);
    println!(
        "Next deadline: #{} open at epoch {open} ({}), closes at epoch {}",
        dl["Index"],
        if open <= cur {
            "open now".to_string()
        } else {
            format!("in {} epochs", open - cur)
        },
        dl["Close"]
    );
    Ok(())
}
