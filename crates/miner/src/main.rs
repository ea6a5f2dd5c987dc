//! `padma-miner`: the storage miner's command line (Lotus's `lotus-miner`).

use anyhow::{anyhow, Result};
use clap::{Args, Parser, Subcommand};
use padma_miner::cli::{self, Targets};
use padma_miner::init::{InitOptions, DEFAULT_CONFIDENCE};
use padma_miner::run::{RunOptions, DEFAULT_MINER_API_PORT};
use padma_repo::paths::{default_miner_repo, default_node_repo, expand_home};
use padma_repo::process;
use std::path::PathBuf;

/// padma-miner: a Filecoin storage miner with the Lotus workflow.
#[derive(Parser)]
#[command(name = "padma-miner", version, about)]
struct Cli {
    /// The full node's repo (where its `api` and `token` are found).
    #[arg(long, global = true, env = "PADMA_PATH", hide = true)]
    repo: Option<PathBuf>,
    /// The miner repo.
    #[arg(long, global = true, env = "PADMA_MINER_PATH", alias = "storagerepo")]
    miner_repo: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Initialise a miner repo and its miner actor (new, or existing with --actor).
    Init(InitArgs),
    /// Run the miner: its API, mining, WindowPoSt and sealing.
    Run(RunArgs),
    /// Stop a running miner.
    Stop,
    /// The miner's power, balances, sectors and next deadline.
    Info,
    /// Manage sectors.
    #[command(subcommand)]
    Sectors(cli::sectors::SectorsCmd),
    /// Proving: deadlines and faults.
    #[command(subcommand)]
    Proving(cli::proving::ProvingCmd),
    /// The miner actor: control addresses, withdrawals, peer ID.
    #[command(subcommand)]
    Actor(cli::actor::ActorCmd),
    /// Miner API tokens.
    #[command(subcommand)]
    Auth(cli::AuthCmd),
}

#[derive(Args)]
struct InitArgs {
    /// An existing miner actor.
    #[arg(long, short = 'a')]
    actor: Option<String>,
    /// Enable genesis mining (don't use on a bootstrapped network).
    #[arg(long, hide = true)]
    genesis_miner: bool,
    /// Create a new BLS worker key in the node's wallet.
    #[arg(long)]
    create_worker_key: bool,
    /// Worker address.
    #[arg(long, short = 'w')]
    worker: Option<String>,
    /// Owner address (default: the node's default wallet address).
    #[arg(long, short = 'o')]
    owner: Option<String>,
    /// Sector size (2KiB, 8MiB, 512MiB, 32GiB, 64GiB or bytes).
    #[arg(long, default_value = "32GiB")]
    sector_size: String,
    /// Directories of pre-sealed sectors.
    #[arg(long)]
    pre_sealed_sectors: Vec<PathBuf>,
    /// The pre-seal manifest (pre-seal-<maddr>.json).
    #[arg(long)]
    pre_sealed_metadata: Option<PathBuf>,
    /// Don't wait for the full node to sync.
    #[arg(long)]
    nosync: bool,
    /// Gas premium of the init messages, in attoFIL.
    #[arg(long, default_value = "0")]
    gas_premium: String,
    /// Address that sends the creation messages (default: the owner).
    #[arg(long)]
    from: Option<String>,
    /// Epochs to wait after each message lands.
    #[arg(long, default_value_t = DEFAULT_CONFIDENCE)]
    confidence: u64,
    /// Multiplies the miner creation deposit.
    #[arg(long, default_value_t = 1.01)]
    deposit_margin_factor: f64,
}

#[derive(Args)]
struct RunArgs {
    /// Port of the miner API on 127.0.0.1 (0: a free port, named in the repo's `api`
    /// file).
    #[arg(long, default_value_t = DEFAULT_MINER_API_PORT)]
    miner_api: u16,
    /// Don't wait for the full node to sync.
    #[arg(long)]
    nosync: bool,
}

fn addr(what: &str, s: &Option<String>) -> Result<Option<fvm_shared::address::Address>> {
    s.as_deref()
        .map(|s| padma_types::address::parse_address(s.trim()).map_err(|e| anyhow!("{what}: {e}")))
        .transpose()
}

fn init_options(a: InitArgs, miner_repo: PathBuf) -> Result<InitOptions> {
    let gas_premium: fvm_shared::bigint::BigInt = a
        .gas_premium
        .trim()
        .parse()
        .map_err(|_| anyhow!("--gas-premium: bad amount '{}'", a.gas_premium))?;
    Ok(InitOptions {
        miner_repo,
        actor: addr("--actor", &a.actor)?,
        genesis_miner: a.genesis_miner,
        owner: addr("--owner", &a.owner)?,
        worker: addr("--worker", &a.worker)?,
        create_worker_key: a.create_worker_key,
        sector_size: padma_types::sector::parse_sector_size(&a.sector_size)?,
        pre_sealed_sectors: a.pre_sealed_sectors,
        pre_sealed_metadata: a.pre_sealed_metadata,
        nosync: a.nosync,
        gas_premium: fvm_shared::econ::TokenAmount::from_atto(gas_premium),
        from: addr("--from", &a.from)?,
        confidence: a.confidence,
        deposit_margin_factor: a.deposit_margin_factor,
    })
}

async fn main_async(cli: Cli) -> Result<()> {
    // Addresses print with the test-network prefix, as padma's networks use (the
    // node's default `address_network`).
    padma_types::address::set_network(padma_types::Network::Testnet);
    let t = Targets {
        miner_repo: cli
            .miner_repo
            .map(|p| expand_home(&p))
            .unwrap_or_else(default_miner_repo),
        node_repo: cli
            .repo
            .map(|p| expand_home(&p))
            .unwrap_or_else(default_node_repo),
    };
    match cli.command {
        Command::Init(a) => {
            let o = init_options(a, t.miner_repo.clone())?;
            let node = cli::full_node(&t)?;
            let maddr = padma_miner::init::init(&node, &o).await?;
            println!(
                "Miner {maddr} successfully created, you can now start it with 'padma-miner run'"
            );
            Ok(())
        }
        Command::Run(a) => {
            let node = cli::full_node(&t)?;
            padma_miner::run::run(
                node,
                RunOptions {
                    miner_repo: t.miner_repo.clone(),
                    api_port: a.miner_api,
                    nosync: a.nosync,
                },
                padma_service::signals::termination()?,
            )
            .await
        }
        Command::Stop => cli::stop(&t).await,
        Command::Info => cli::info::run(&t).await,
        Command::Sectors(c) => cli::sectors::run(c, &t).await,
        Command::Proving(c) => cli::proving::run(c, &t).await,
        Command::Actor(c) => cli::actor::run(c, &t).await,
        Command::Auth(c) => cli::auth(c, &t).await,
    }
}

fn main() {
    let cli: Cli = process::parse_args();
    let long_running = matches!(cli.command, Command::Run(_) | Command::Init(_));
    process::init_logging(long_running);
    if !long_running {
        process::quiet_closed_pipe();
    }
    process::run_main(main_async(cli));
}
