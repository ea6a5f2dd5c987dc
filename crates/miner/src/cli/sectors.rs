//! `padma-miner sectors list|status|pledge`, over the running miner's API.

use super::{MinerClient, Targets};
use anyhow::Result;
use clap::Subcommand;
use padma_api::storage_miner::{PledgeSector, SectorsList, SectorsStatus};
use serde_json::Value;

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
            let list = m.request::<SectorsList>(()).await?;
            println!("ID  State");
            for n in list {
                let st = m.request::<SectorsStatus>((n, Some(false))).await?;
                println!("{n:<3} {}", st.state);
            }
        }
        SectorsCmd::Status {
            number,
            on_chain_info,
        } => {
            let st = m
                .request::<SectorsStatus>((number, Some(on_chain_info)))
                .await?;
            println!("SectorID:\t{}", st.sector_id);
            println!("Status:\t\t{}", st.state);
            // The other fields as the miner sent them, in its order, nulls left out.
            if let Value::Object(fields) = serde_json::to_value(&st)? {
                for (k, v) in fields {
                    if k != "SectorID" && k != "State" && !v.is_null() {
                        println!("{k}:\t{v}");
                    }
                }
            }
        }
        SectorsCmd::Pledge => {
            let id = m.request::<PledgeSector>(()).await?;
            println!("Created CC sector: {}", id.number);
        }
    }
    Ok(())
}
