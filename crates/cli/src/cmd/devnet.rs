//! `padma devnet`: a whole network from nothing in one command. The first run makes
//! the keys (a miner worker and funded accounts), the genesis sectors (real 2KiB
//! sectors pre-sealed, with the PoSt parameters prepared, or fake ones with
//! `--mock-proofs`) and a genesis whose network name declares the block time and proof
//! mode; then it builds the full node as `padma daemon` does (`NodeBuilder`) and runs,
//! as one of the node's services, the genesis miner as `padma-miner` runs it (`init
//! --genesis-miner` on the first run, then `run`, over the node's API on loopback,
//! serving the miner API). Later runs resume the same chain (`--reset` starts over).

use anyhow::{bail, Context, Result};
use clap::Args;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_chain::network::{now_ms, NetworkParams, DEFAULT_BLOCK_DELAY_MS};
use padma_miner::fullnode::FullNode;
use padma_miner::init::InitOptions;
use padma_miner::run::RunOptions;
use padma_node::builder::NodeBuilder;
use padma_node::repo::{ChainMissing, Repo};
use padma_node::wallet::Wallet;
use padma_repo::paths::expand_home;
use padma_repo::private_file::write_private_file;
use padma_rpc::client::ApiInfo;
use padma_rpc::{JwtAuth, Permission};
use padma_service::Shutdown;
use padma_state::genesis::template::Actor;
use padma_state::genesis::{Template, MINER_START};
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::{key_from_lotus_text, key_to_lotus_hex};
use padma_types::sector::{format_sector_size, SIZE_2KIB};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The genesis miner: the first ID genesis gives miners.
const MINER_ID: u64 = MINER_START;
/// The size of the genesis sectors.
const SECTOR_SIZE: u64 = SIZE_2KIB;
/// FIL given to each account.
const ACCOUNT_FIL: u64 = 100_000;
/// How long the node and the genesis miner get to stop (the miner's own services get
/// 30 s of it).
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

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
    /// Port of the full node's API on 127.0.0.1.
    #[arg(long, default_value_t = 1234)]
    pub api: u16,
    /// Port of the genesis miner's API on 127.0.0.1.
    #[arg(long, default_value_t = 2345)]
    pub miner_api: u16,
}

/// What the first run decided, kept in `devnet.json` (0600: it holds private keys).
#[derive(Serialize, Deserialize)]
struct Devnet {
    block_delay_ms: u64,
    mock_proofs: bool,
    worker: String,
    accounts: Vec<String>,
}

/// Parses `4s`, `500ms` or plain seconds into milliseconds.
pub fn parse_block_time(s: &str) -> Result<u64> {
    let t = s.trim();
    let ms = if let Some(v) = t.strip_suffix("ms") {
        v.trim().parse::<u64>()
    } else if let Some(v) = t.strip_suffix('s') {
        v.trim().parse::<u64>().map(|x| x.saturating_mul(1000))
    } else {
        t.parse::<u64>().map(|x| x.saturating_mul(1000))
    }
    .with_context(|| format!("bad block time '{s}' (expected e.g. 4s or 500ms)"))?;
    if ms == 0 {
        bail!("the block time must be positive");
    }
    Ok(ms)
}

fn genesis_miner(dir: &Path, worker: &KeyInfo, mock: bool) -> Result<serde_json::Value> {
    if !mock {
        let size = format_sector_size(SECTOR_SIZE);
        eprintln!("preparing the {size} PoSt parameters (generated offline the first time)");
        padma_proofs::params::fetch_params_with_progress(
            &size,
            padma_proofs::ParamsNeeded::PostOnly,
        )?;
    }
    let key_file = dir.join("worker.key");
    write_private_file(&key_file, key_to_lotus_hex(worker).as_bytes())?;
    eprintln!(
        "pre-sealing two {} {} genesis sectors",
        if mock { "fake" } else { "real" },
        format_sector_size(SECTOR_SIZE)
    );
    let out = padma_seed::preseal::pre_seal(&padma_seed::preseal::PreSealOptions {
        miner_addr: format!("t0{MINER_ID}"),
        sector_size: SECTOR_SIZE,
        num_sectors: 2,
        sector_offset: 0,
        sector_dir: dir.join("sectors"),
        key_file: Some(key_file),
        fake_sectors: mock,
        ticket_preimage: "padma devnet".into(),
    })?;
    let text = std::fs::read(&out.manifest)?;
    Ok(serde_json::from_slice(&text)?)
}

/// The block time: the requested one, else the default; with real proofs, checked
/// against a WinningPoSt timed over the genesis sectors (a warning when it cannot be
/// sustained; a longer one when the user did not choose).
fn pick_block_time(dir: &Path, manifest: &[u8], requested: Option<u64>, mock: bool) -> Result<u64> {
    if mock {
        return Ok(requested.unwrap_or(DEFAULT_BLOCK_DELAY_MS));
    }
    eprintln!("timing a WinningPoSt on this machine");
    let proof = padma_seed::preseal::time_winning_post(&dir.join("sectors"), manifest)?;
    eprintln!("a WinningPoSt takes {:.1} s here", proof.as_secs_f64());
    let (ms, warning) =
        padma_chain::pace::choose_block_time(requested, DEFAULT_BLOCK_DELAY_MS, proof);
    if let Some(w) = warning {
        eprintln!("WARNING: {w}");
        tracing::warn!("{w}");
    }
    Ok(ms)
}

/// Creates keys, sectors and the genesis in `dir`.
fn create(dir: &Path, args: &DevnetArgs, requested_ms: Option<u64>) -> Result<Devnet> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let worker = KeyInfo::generate(KeyType::Bls);
    let accounts: Vec<KeyInfo> = (0..args.accounts)
        .map(|_| KeyInfo::generate(KeyType::Secp256k1))
        .collect();
    let manifest = genesis_miner(dir, &worker, args.mock_proofs)?;
    let block_delay_ms = pick_block_time(
        dir,
        manifest.to_string().as_bytes(),
        requested_ms,
        args.mock_proofs,
    )?;
    let name = NetworkParams::name_for("padma-devnet", block_delay_ms, args.mock_proofs);
    let mut t = Template::new(name, now_ms() / 1000);
    t.add_miners_from_manifest(
        manifest.to_string().as_bytes(),
        TokenAmount::from_whole(ACCOUNT_FIL),
    )?;
    for k in &accounts {
        t.accounts.push(Actor::account(
            k.address()?,
            TokenAmount::from_whole(ACCOUNT_FIL),
        ));
    }
    let (car, g) = padma_state::genesis::make_car(&t).context("making the genesis")?;
    std::fs::write(dir.join("genesis.car"), &car)?;
    tracing::info!(genesis = %g.cid, "devnet genesis created");
    let d = Devnet {
        block_delay_ms,
        mock_proofs: args.mock_proofs,
        worker: key_to_lotus_hex(&worker),
        accounts: accounts.iter().map(key_to_lotus_hex).collect(),
    };
    write_private_file(
        &dir.join("devnet.json"),
        serde_json::to_string_pretty(&d)?.as_bytes(),
    )?;
    Ok(d)
}

fn key(text: &str) -> Result<KeyInfo> {
    key_from_lotus_text(text).map_err(|e| anyhow::anyhow!("devnet.json: {e}"))
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
    let state_file = dir.join("devnet.json");
    let d: Devnet = if state_file.exists() {
        let d: Devnet = serde_json::from_slice(&std::fs::read(&state_file)?)
            .with_context(|| format!("reading {}", state_file.display()))?;
        if requested_ms.is_some_and(|ms| ms != d.block_delay_ms)
            || d.mock_proofs != args.mock_proofs
        {
            eprintln!(
                "resuming the devnet in {} (block time {} ms, mock proofs {}): use --reset to change them",
                dir.display(),
                d.block_delay_ms,
                d.mock_proofs
            );
        }
        d
    } else {
        let dir2 = dir.clone();
        let a = DevnetArgs {
            dir: dir2.clone(),
            ..args
        };
        tokio::task::spawn_blocking(move || create(&dir2, &a, requested_ms)).await??
    };
    let worker = key(&d.worker)?;
    let accounts = d
        .accounts
        .iter()
        .map(|k| key(k))
        .collect::<Result<Vec<_>>>()?;

    // Keys into the node's wallet (first account as default) and an admin token.
    let node_repo = dir.join("node");
    let token = {
        let repo = Repo::open(&node_repo)?;
        let wallet = Wallet::new(repo.dir().keystore().clone());
        wallet.import(&worker)?;
        for k in &accounts {
            wallet.import(k)?;
        }
        if let Some(first) = accounts.first() {
            wallet.set_default(&first.address()?)?;
        }
        let secret = repo.dir().jwt_secret()?;
        let token = JwtAuth::new(&secret.bytes).issue(&Permission::Admin.up_to());
        repo.dir().write_token(&token)?;
        token
    };

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
    // The node and, as one of its services, the genesis miner, under one supervisor:
    // SIGINT, SIGTERM or `Shutdown` stop both; either failing stops both.
    let mut node = NodeBuilder::new(&node_repo)
        .api_port(args.api)
        .genesis_file(dir.join("genesis.car"))
        .bootstrap(false)
        .stop_timeout(STOP_TIMEOUT)
        .build()
        .await
        .map_err(node_start_error)?;
    println!(
        "export FULLNODE_API_INFO={token}:{}",
        padma_repo::api_files::api_multiaddr(&node.api_addr())
    );
    println!("export PADMA_PATH={}", node_repo.display());
    println!();
    let miner = GenesisMiner {
        dir,
        node: FullNode::new(ApiInfo {
            base_url: format!("http://{}", node.api_addr()),
            token: Some(token),
        }),
        miner_api: args.miner_api,
    };
    let shutdown = node.shutdown().clone();
    node.add_service("genesis miner", miner.run(shutdown));
    let signals = padma_service::signals::termination()?;
    node.run(signals).await
}

/// The genesis miner of the devnet, run as `padma-miner` runs it against the node
/// over loopback.
struct GenesisMiner {
    dir: PathBuf,
    node: FullNode,
    miner_api: u16,
}

impl GenesisMiner {
    /// Initialises the miner on the first run, then runs it until the node's shutdown.
    /// A miner cut off by the shutdown (in its set-up, or in a call to the stopping
    /// node) stopped with the node, which is no failure; a miner stopped by its own
    /// `Shutdown` leaves the node running.
    async fn run(self, shutdown: Shutdown) -> Result<()> {
        let miner_repo = self.dir.join("miner");
        // Ctrl-C while the miner is being set up: an unfinished miner init is dropped,
        // removing its half-made repo.
        let set_up = tokio::select! {
            r = self.set_up(&miner_repo) => r,
            _ = shutdown.requested() => {
                eprintln!("stopped before the genesis miner started");
                return Ok(());
            }
        };
        match set_up {
            Err(e) if shutdown.is_requested() => {
                tracing::info!("the genesis miner's set-up stopped with its node: {e:#}");
                return Ok(());
            }
            other => other?,
        }
        // An `api` file left by a killed run must not be announced as this run's.
        let _ = std::fs::remove_file(miner_repo.join(padma_repo::api_files::API_FILE));
        let token = Self::admin_token(&miner_repo)?;
        let run = padma_miner::run::run(
            self.node,
            RunOptions {
                miner_repo: miner_repo.clone(),
                api_port: self.miner_api,
                nosync: true,
            },
            shutdown.requested(),
        );
        tokio::pin!(run);
        let ran = tokio::select! {
            ran = &mut run => ran,
            () = Self::announce(&miner_repo, &token) => run.await,
        };
        match ran {
            Ok(()) => {
                // Stopped by itself (`padma-miner stop`): the node runs on.
                shutdown.requested().await;
                Ok(())
            }
            Err(e) if shutdown.is_requested() => {
                tracing::info!("the genesis miner stopped with its node: {e:#}");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// `padma-miner init --genesis-miner` on the first run; prints the miner's API info.
    async fn set_up(&self, miner_repo: &Path) -> Result<()> {
        if !padma_miner::repo::exists(miner_repo) {
            let manifest = self.dir.join(format!("sectors/pre-seal-t0{MINER_ID}.json"));
            if !manifest.exists() {
                bail!(
                    "{} is missing (a devnet made by an older padma): start over with --reset",
                    manifest.display()
                );
            }
            eprintln!("initialising the genesis miner t0{MINER_ID}");
            padma_miner::init::init(
                &self.node,
                &InitOptions {
                    miner_repo: miner_repo.to_path_buf(),
                    actor: Some(Address::new_id(MINER_ID)),
                    genesis_miner: true,
                    owner: None,
                    worker: None,
                    create_worker_key: false,
                    sector_size: SECTOR_SIZE,
                    pre_sealed_sectors: vec![self.dir.join("sectors")],
                    pre_sealed_metadata: Some(manifest),
                    nosync: true,
                    gas_premium: TokenAmount::from_atto(0),
                    from: None,
                    confidence: 1,
                    deposit_margin_factor: 1.01,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// An admin token for the miner's API (read before the miner runs and locks its
    /// repo).
    fn admin_token(miner_repo: &Path) -> Result<String> {
        let repo = padma_miner::repo::MinerRepo::open(miner_repo)?;
        Ok(JwtAuth::new(&repo.dir().jwt_secret()?.bytes).issue(&Permission::Admin.up_to()))
    }

    /// Prints `MINER_API_INFO` once the miner's API is up, with the address its `api`
    /// file names (the port the system chose for `--miner-api 0`).
    async fn announce(miner_repo: &Path, token: &str) {
        let api = loop {
            if let Ok((api, _)) = padma_repo::api_files::read_api_files(miner_repo) {
                break api;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        println!("export MINER_API_INFO={token}:{}", api.trim());
        println!("export PADMA_MINER_PATH={}", miner_repo.display());
        println!();
    }
}

/// The error of a node that could not start: a damaged or vanished datastore gets the
/// way out.
fn node_start_error(why: anyhow::Error) -> anyhow::Error {
    let lost_chain = why.downcast_ref::<ChainMissing>().is_some()
        || why.downcast_ref::<padma_store::Corrupt>().is_some();
    let why = why.context("the full node could not start");
    if lost_chain {
        return why.context(
            "the devnet's chain cannot be resumed: `padma devnet --reset` starts a new one",
        );
    }
    why
}

#[cfg(test)]
mod tests {
    use super::parse_block_time;

    #[test]
    fn block_times() {
        assert_eq!(parse_block_time("4s").unwrap(), 4000);
        assert_eq!(parse_block_time("500ms").unwrap(), 500);
        assert_eq!(parse_block_time("2").unwrap(), 2000);
        for bad in ["", "0s", "fast", "-1s", "1.5s"] {
            assert!(parse_block_time(bad).is_err(), "{bad}");
        }
    }
}
