//! `padma-miner info`: the miner's power, balances, sector counts and next deadline.

use super::{full_node, miner_address, MinerClient, Targets};
use anyhow::Result;
use fvm_shared::bigint::BigInt;
use padma_api::miner_state::{
    StateMinerAvailableBalance, StateMinerInfo, StateMinerPower, StateMinerProvingDeadline,
    StateMinerSectorCount,
};
use padma_api::state::{StateGetActor, StateReadState};
use padma_api::storage_miner::SectorsSummary;
use padma_api::wallet::WalletBalance;
use padma_types::fil::{format_fil, size_str};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, TokenAmountJson};
use serde::Deserialize;
use serde_json::Value;

fn big(v: &BigInt) -> f64 {
    v.to_string().parse().unwrap_or(0.0)
}

fn pct(a: &BigInt, b: &BigInt) -> String {
    let (a, b) = (big(a), big(b));
    if b == 0.0 {
        "0.0000%".into()
    } else {
        format!("{:.4}%", a * 100.0 / b)
    }
}

fn atto(t: &TokenAmountJson) -> String {
    t.0.atto().to_string()
}

/// The locked balances of a miner actor's state (`StateReadState`'s `State`).
#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct LockedBalances {
    pre_commit_deposits: Value,
    initial_pledge: Value,
    locked_funds: Value,
}

/// A balance as the miner state holds it: a decimal attoFIL string ("0" otherwise).
fn balance(v: &Value) -> String {
    v.as_str().unwrap_or("0").to_string()
}

/// Runs `padma-miner info`.
pub async fn run(t: &Targets) -> Result<()> {
    let node = full_node(t)?;
    let maddr = miner_address(t).await?;
    let m = || (AddressJson(maddr), TipSetKeyJson::default());
    let info = node.request::<StateMinerInfo>(m()).await?;
    let power = node.request::<StateMinerPower>(m()).await?;
    let actor = node.request::<StateGetActor>(m()).await?;
    let st = node.request::<StateReadState>(m()).await?;
    let avail = node.request::<StateMinerAvailableBalance>(m()).await?;
    let counts = node.request::<StateMinerSectorCount>(m()).await?;
    let dl = node.request::<StateMinerProvingDeadline>(m()).await?;
    let worker_bal = node.request::<WalletBalance>((info.worker,)).await?;

    let ssize = info.sector_size;
    println!("Miner: {maddr} ({} sectors)", size_str(&ssize.to_string()));
    let (mp, tp) = (&power.miner_power, &power.total_power);
    println!(
        "Power: {} / {} ({})",
        size_str(&mp.quality_adj_power.to_string()),
        size_str(&tp.quality_adj_power.to_string()),
        pct(&mp.quality_adj_power, &tp.quality_adj_power)
    );
    println!(
        "\tRaw: {} / {} ({})",
        size_str(&mp.raw_byte_power.to_string()),
        size_str(&tp.raw_byte_power.to_string()),
        pct(&mp.raw_byte_power, &tp.raw_byte_power)
    );
    if !power.has_min_power {
        println!("Below minimum power threshold, no blocks will be won");
    }
    println!();
    let locked: LockedBalances = serde_json::from_value(st.state).unwrap_or_default();
    println!("Miner Balance:    {}", format_fil(&atto(&actor.balance)));
    println!(
        "      PreCommit:  {}",
        format_fil(&balance(&locked.pre_commit_deposits))
    );
    println!(
        "      Pledge:     {}",
        format_fil(&balance(&locked.initial_pledge))
    );
    println!(
        "      Vesting:    {}",
        format_fil(&balance(&locked.locked_funds))
    );
    println!("      Available:  {}", format_fil(&atto(&avail)));
    println!("Worker Balance:   {}", format_fil(&atto(&worker_bal)));
    println!();
    println!("Sectors:");
    println!("\tLive: {}", counts.live);
    println!("\tActive: {}", counts.active);
    println!("\tFaulty: {}", counts.faulty);
    if let Ok(mc) = MinerClient::discover(t) {
        if let Ok(summary) = mc.request::<SectorsSummary>(()).await {
            println!("Sealing:");
            for (state, n) in summary {
                println!("\t{state}: {n}");
            }
        }
    }
    println!();
    let (cur, open) = (dl.current_epoch, dl.open);
    println!(
        "Next deadline: #{} open at epoch {open} ({}), closes at epoch {}",
        dl.index,
        if open <= cur {
            "open now".to_string()
        } else {
            format!("in {} epochs", open - cur)
        },
        dl.close
    );
    Ok(())
}
