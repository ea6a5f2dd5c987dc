//! `padma-miner proving info|deadlines|faults`.

use super::{full_node, miner_address, Targets};
use anyhow::Result;
use clap::Subcommand;
use padma_api::chain::ChainHead;
use padma_api::miner_json::PartitionJson;
use padma_api::miner_state::{
    StateMinerDeadlines, StateMinerPartitions, StateMinerProvingDeadline,
};
use padma_types::block::TipSetKey;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BitFieldJson};

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

/// How many sectors a bitfield holds.
fn count(b: &BitFieldJson) -> usize {
    usize::try_from(b.0.len()).unwrap_or(usize::MAX)
}

/// How many sectors of `select` the partitions hold together.
fn total<'a>(
    parts: impl IntoIterator<Item = &'a PartitionJson>,
    select: impl Fn(&PartitionJson) -> &BitFieldJson,
) -> usize {
    parts.into_iter().map(|p| count(select(p))).sum()
}

/// Runs a proving command.
pub async fn run(cmd: ProvingCmd, t: &Targets) -> Result<()> {
    let node = full_node(t)?;
    let maddr = miner_address(t).await?;
    let m = AddressJson(maddr);
    let head = node.request::<ChainHead>(()).await?;
    let tsk = TipSetKeyJson(TipSetKey(head.cids.iter().map(|c| c.0).collect()));
    let deadlines = node
        .request::<StateMinerDeadlines>((m, tsk.clone()))
        .await?;
    let mut parts: Vec<Vec<PartitionJson>> = Vec::with_capacity(deadlines.len());
    for i in 0..deadlines.len() as u64 {
        parts.push(
            node.request::<StateMinerPartitions>((m, i, tsk.clone()))
                .await?,
        );
    }
    match cmd {
        ProvingCmd::Info => {
            let dl = node
                .request::<StateMinerProvingDeadline>((m, tsk.clone()))
                .await?;
            let live = total(parts.iter().flatten(), |p| &p.live_sectors);
            let faulty = total(parts.iter().flatten(), |p| &p.faulty_sectors);
            let recovering = total(parts.iter().flatten(), |p| &p.recovering_sectors);
            let idx = usize::try_from(dl.index).unwrap_or(usize::MAX);
            let dl_sectors = parts
                .get(idx)
                .map_or(0, |ps| total(ps, |p| &p.live_sectors));
            let period_start = dl.period_start;
            let period = dl.w_post_proving_period;
            println!("Miner: {maddr}");
            println!("Current Epoch:           {}", dl.current_epoch);
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
            println!("Deadline Open:        {}", dl.open);
            println!("Deadline Close:       {}", dl.close);
            println!("Deadline Challenge:   {}", dl.challenge);
            println!("Deadline FaultCutoff: {}", dl.fault_cutoff);
        }
        ProvingCmd::Deadlines => {
            println!("Miner: {maddr}");
            println!("deadline  partitions  sectors (faults)  proven partitions");
            for (i, (d, ps)) in deadlines.iter().zip(&parts).enumerate() {
                let sectors = total(ps, |p| &p.all_sectors);
                let faults = total(ps, |p| &p.faulty_sectors);
                let proven = count(&d.post_submissions);
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
                    for s in p.faulty_sectors.0.iter() {
                        println!("{i:<8}  {j:<9}  {s}");
                    }
                }
            }
        }
    }
    Ok(())
}
