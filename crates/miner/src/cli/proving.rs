//! `padma-miner proving info|deadlines|faults`.

use super::{full_node, miner_address, Targets};
use anyhow::Result;
use clap::Subcommand;
use padma_types::json::AddressJson;
use serde_json::{json, Value};

/// Proving commands.
#[derive(Subcommand)]
pub enum ProvingCmd {
    /// The current proving period and deadline.
    Info,
    /// Every deadline: partitions, sectors, faults, proven partitions.
    Deadlines,
    /// Faulty sectors by deadline and partition.
    Faults,
}

/// The set bits of a Lotus run-length bitfield in JSON (`[unset, set, unset, …]`).
pub fn bits(v: &Value) -> Vec<u64> {
    let mut out = Vec::new();
    let mut pos = 0u64;
    for (i, run) in v.as_array().into_iter().flatten().enumerate() {
        let n = run.as_u64().unwrap_or(0);
        if i % 2 == 1 {
            out.extend(pos..pos.saturating_add(n.min(1 << 20)));
        }
        pos = pos.saturating_add(n);
    }
    out
}

/// Runs a proving command.
pub async fn run(cmd: ProvingCmd, t: &Targets) -> Result<()> {
    let node = full_node(t)?;
    let maddr = miner_address(t).await?;
    let m = json!(AddressJson(maddr));
    let head: Value = node.call("ChainHead", vec![]).await?;
    let tsk = head["Cids"].clone();
    let deadlines: Vec<Value> = node
        .call("StateMinerDeadlines", vec![m.clone(), tsk.clone()])
        .await?;
    let mut parts = Vec::new();
    for i in 0..deadlines.len() {
        let p: Vec<Value> = node
            .call(
                "StateMinerPartitions",
                vec![m.clone(), json!(i), tsk.clone()],
            )
            .await?;
        parts.push(p);
    }
    match cmd {
        ProvingCmd::Info => {
            let dl: Value = node
                .call("StateMinerProvingDeadline", vec![m.clone(), tsk.clone()])
                .await?;
            let (mut live, mut faulty, mut recovering) = (0usize, 0usize, 0usize);
            for p in parts.iter().flatten() {
                live += bits(&p["LiveSectors"]).len();
                faulty += bits(&p["FaultySectors"]).len();
                recovering += bits(&p["RecoveringSectors"]).len();
            }
            let idx = dl["Index"].as_u64().unwrap_or(0) as usize;
            let dl_sectors: usize = parts
                .get(idx)
                .into_iter()
                .flatten()
                .map(|p| bits(&p["LiveSectors"]).len())
                .sum();
            let period_start = dl["PeriodStart"].as_i64().unwrap_or(0);
            let period = dl["WPoStProvingPeriod"].as_i64().unwrap_or(0);
            println!("Miner: {maddr}");
            println!("Current Epoch:           {}", dl["CurrentEpoch"]);
            println!(
                "Proving Period Boundary: {}",
                period_start.rem_euclid(period.max(1))
            );
            println!("Proving Period Start:    {period_start}");
            println!("Next Period Start:       {}", period_start + period);
            println!();
            let pct = if live == 0 {
                0.0
            } else {
                faulty as f64 * 100.0 / live as f64
            };
            println!("Faults:      {faulty} ({pct:.2}%)");
            println!("Recovering:  {recovering}");
            println!();
            println!("Deadline Index:       {idx}");
            println!("Deadline Sectors:     {dl_sectors}");
            println!("Deadline Open:        {}", dl["Open"]);
            println!("Deadline Close:       {}", dl["Close"]);
            println!("Deadline Challenge:   {}", dl["Challenge"]);
            println!("Deadline FaultCutoff: {}", dl["FaultCutoff"]);
        }
        ProvingCmd::Deadlines => {
            println!("Miner: {maddr}");
            println!("deadline  partitions  sectors (faults)  proven partitions");
            for (i, d) in deadlines.iter().enumerate() {
                let ps = &parts[i];
                let sectors: usize = ps.iter().map(|p| bits(&p["AllSectors"]).len()).sum();
                let faults: usize = ps.iter().map(|p| bits(&p["FaultySectors"]).len()).sum();
                let proven = bits(&d["PostSubmissions"]).len();
                println!(
                    "{i:<8}  {:<10}  {:<16}  {proven}",
                    ps.len(),
                    format!("{sectors} ({faults})")
                );
            }
        }
        ProvingCmd::Faults => {
            println!("Miner: {maddr}");
            println!("deadline  partition  sector");
            for (i, ps) in parts.iter().enumerate() {
                for (j, p) in ps.iter().enumerate() {
                    for s in bits(&p["FaultySectors"]) {
                        println!("{i:<8}  {j:<9}  {s}");
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_length_bits() {
        assert_eq!(bits(&json!([0])), Vec::<u64>::new());
        assert_eq!(bits(&json!([0, 4, 3, 1])), vec![0, 1, 2, 3, 7]);
        assert_eq!(bits(&Value::Null), Vec::<u64>::new());
    }
}
