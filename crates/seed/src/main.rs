//! `padma-seed`: pre-seal genesis sectors (Lotus's `lotus-seed`).

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use padma_seed::preseal::{pre_seal, PreSealOptions};
use std::path::PathBuf;

mod genesis;

/// padma-seed: prepare genesis miners and their pre-sealed sectors.
#[derive(Parser)]
#[command(name = "padma-seed", version, about)]
struct Cli {
    /// Directory for sectors and manifests.
    #[arg(long, global = true, default_value = "~/.genesis-sectors")]
    sector_dir: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Seal genesis sectors for a miner and write pre-seal-<maddr>.json / .key.
    PreSeal(PreSealArgs),
    /// Write and extend genesis templates.
    #[command(subcommand)]
    Genesis(genesis::GenesisCmd),
}

#[derive(Args)]
struct PreSealArgs {
    /// The future address of the miner.
    #[arg(long, default_value = "t01000")]
    miner_addr: String,
    /// Sector size: 2KiB, 8MiB, 512MiB, 32GiB, 64GiB or bytes.
    #[arg(long, default_value = "2KiB")]
    sector_size: String,
    /// Number of sectors to pre-seal.
    #[arg(long, default_value_t = 1)]
    num_sectors: u64,
    /// How many sector numbers to skip before the first sector.
    #[arg(long, default_value_t = 0)]
    sector_offset: u64,
    /// Owner/worker key (hex KeyInfo as `lotus wallet export` prints it); generated if absent.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Build sectors by faux replication (fast; real PoSt still works over them).
    #[arg(long)]
    fake_sectors: bool,
    /// Preimage of the sealing ticket.
    #[arg(long, default_value = "lotus is fire")]
    ticket_preimage: String,
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Genesis(g) => genesis::run(g),
        Command::PreSeal(a) => {
            let opts = PreSealOptions {
                miner_addr: a.miner_addr,
                sector_size: padma_types::sector::parse_sector_size(&a.sector_size)?,
                num_sectors: a.num_sectors,
                sector_offset: a.sector_offset,
                sector_dir: expand_home(&cli.sector_dir),
                key_file: a.key,
                fake_sectors: a.fake_sectors,
                ticket_preimage: a.ticket_preimage,
            };
            let out = pre_seal(&opts)?;
            eprintln!("wrote {} and {}", out.manifest.display(), out.key.display());
            Ok(())
        }
    }
}

fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("ERROR: {e:#}");
        std::process::exit(1);
    }
}
