//! `padma-miner sectors list|status|pledge`, over the running miner's API.

use super::{MinerClient, Targets};
use anyhow::Result;
use clap::Subcommand;
use serde_json::{json, Value};

/// Sector commands.
#[derive(Subcommand)]
pub enum SectorsCmd {
    /// Every sector with its state.
    List,
    /// One sector's state and details.
    Status {
        /// Sector number.
        number: u64,
        /// Also show the sector's on-chain information.
        #[arg(long)]
        on_chain_info: bool,
    },
    /// Start a committed-capacity sector.
    Pledge,
}

/// Runs a sector command.
pub async fn run(cmd: SectorsCmd, t: &Targets) -> Result<()> {
    let m = MinerClient::discover(t)?;
    match cmd {
        SectorsCmd::List => {
            let list: Vec<u64> = m.call("SectorsList", vec![]).await?;
            println!("ID  State");
            for n in list {
                let st: Value = m
                    .call("SectorsStatus", vec![json!(n), json!(false)])
                    .await?;
                println!("{n:<3} {}", st["State"].as_str().unwrap_or("?"));
            }
        }
        SectorsCmd::Status {
            number,
            on_chain_info,
        } => {
            let st: Value = m
                .call("SectorsStatus", vec![json!(number), json!(on_chain_info)])
                .await?;
            println!("SectorID:\t{}", st["SectorID"]);
            println!("Status:\t\t{}", st["State"].as_str().unwrap_or("?"));
            if let Some(o) = st.as_object() {
                for (k, v) in o {
                    if k != "SectorID" && k != "State" && !v.is_null() {
                        println!("{k}:\t{v}");
                    }
                }
            }
        }
        SectorsCmd::Pledge => {
            let id: Value = m.call("PledgeSector", vec![]).await?;
            println!("Created CC sector: {}", id["Number"]);
        }
    }
    Ok(())
}
