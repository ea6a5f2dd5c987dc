//! `padma devnet`: a whole network from nothing in one command. The first run makes
//! the keys (a miner worker and funded accounts), the genesis sectors (real 2KiB
//! sectors pre-sealed, with the PoSt parameters prepared, or fake ones with
//! `--mock-proofs`) and a genesis whose network name declares the block time and proof
//! mode ([`setup`]); then it builds the full nodes as `padma daemon` does
//! (`NodeBuilder`), connected over libp2p on loopback ([`nodes`]), and runs, as one of
//! the first node's services, the genesis miner as `padma-miner` runs it ([`miner`]).
//! Later runs resume the same chain (`--reset` starts over).

mod miner;
mod nodes;
mod setup;

pub use setup::parse_block_time;

use anyhow::{Context, Result};
use clap::Args;
use padma_repo::paths::expand_home;
use padma_state::genesis::MINER_START;
use padma_types::json::key_to_lotus_hex;
use padma_types::sector::{format_sector_size, SIZE_2KIB};
use std::path::PathBuf;

/// The genesis miner: the first ID genesis gives miners.
const MINER_ID: u64 = MINER_START;
/// The size of the genesis sectors.
const SECTOR_SIZE: u64 = SIZE_2KIB;
/// FIL given to each account.
const ACCOUNT_FIL: u64 = 100_000;
/// The most full nodes a devnet runs.
const MAX_NODES: i64 = 16;

/// Flags of `padma devnet`.
#[derive(Args)]
pub struct DevnetArgs {
    /// Data directory (keys, genesis, sectors, the node's repo).
    #[arg(long, default_value = "~/.padma-devnet")]
    pub dir: PathBuf,
    /// Funded accounts to create.
    #[arg(long, default_value_t = 10)]
    pub accounts: usize,
    /// Time between blocks: `4s`, `500ms`, or seconds (a genesis parameter). Default
    /// 4s, or longer with real proofs when this machine's WinningPoSt needs it.
    #[arg(long)]
    pub block_time: Option<String>,
    /// Fake genesis sectors and mock proofs (no proof parameters needed).
    #[arg(long)]
    pub mock_proofs: bool,
    /// Delete the data directory and start a new chain.
    #[arg(long)]
    pub reset: bool,
    /// Full nodes to run, connected over libp2p on loopback: the first with the genesis
    /// miner, the others (repos `node2`, `node3`, … in the data directory) following it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=MAX_NODES))]
    pub nodes: u16,
    /// Port of the first full node's API on 127.0.0.1 (node i: this + i − 1; 0: the
    /// system picks each).
    #[arg(long, default_value_t = 1234)]
    pub api: u16,
    /// Port of the first full node's libp2p host on 127.0.0.1 (node i: this + i − 1;
    /// 0: the system picks each).
    #[arg(long, default_value_t = 0)]
    pub libp2p_port: u16,
    /// Port of the genesis miner's API on 127.0.0.1.
    #[arg(long, default_value_t = 2345)]
    pub miner_api: u16,
    /// The builtin-actors v18 bundle for a new devnet: a CAR, or Lotus's v18.tar.zst
    /// (else PADMA_ACTORS_BUNDLE, else a copy cached by `padma fetch-actors`).
    #[arg(long)]
    pub actors_bundle: Option<PathBuf>,
}

/// Runs the devnet until Ctrl-C.
pub async fn run(args: DevnetArgs) -> Result<()> {
    let dir = expand_home(&args.dir);
    let requested_ms = args
        .block_time
        .as_deref()
        .map(parse_block_time)
        .transpose()?;
    if args.reset && dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let d = setup::open_or_create(&dir, &args, requested_ms).await?;
    let worker = d.worker()?;
    let accounts = d.accounts()?;

    println!("padma devnet in {}", dir.display());
    println!();
    println!("Accounts ({ACCOUNT_FIL} FIL each at genesis):");
    for (i, k) in accounts.iter().enumerate() {
        println!("({i}) {}", k.address()?);
        println!("    private key: {}", key_to_lotus_hex(k));
    }
    println!();
    println!("Genesis miner: t0{MINER_ID} (worker {})", worker.address()?);
    println!(
        "Block time: {} ms; proofs: {}",
        d.block_delay_ms,
        if d.mock_proofs {
            "mock".to_string()
        } else {
            format!("real ({})", format_sector_size(SECTOR_SIZE))
        }
    );
    println!();
    let layout = nodes::Layout {
        dir,
        nodes: usize::from(args.nodes),
        api_port: args.api,
        libp2p_port: args.libp2p_port,
        miner_api: args.miner_api,
    };
    nodes::run(layout, &worker, &accounts).await
}
