//! `padma devnet`: a whole network from nothing in one command. The first run makes
//! the keys (a miner worker and funded accounts), the genesis sectors (real 2KiB
//! sectors pre-sealed, with the PoSt parameters prepared, or fake ones with
//! `--mock-proofs`) and a genesis whose network name declares the block time and proof
//! mode; then it runs the full node with the genesis miner mining inside it. Later
//! runs resume the same chain (`--reset` starts over).

use anyhow::{bail, Context, Result};
use clap::Args;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_chain::miner::{FileWinningProver, MockWinningProver, WinningProver};
use padma_chain::network::{now_ms, NetworkParams};
use padma_node::daemon::{DaemonOptions, InProcessMiner};
use padma_node::repo::{expand_home, Repo};
use padma_node::wallet::Wallet;
use padma_rpc::{JwtAuth, Permission};
use padma_state::genesis::template::Actor;
use padma_state::genesis::Template;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::{key_from_lotus_text, key_to_lotus_hex};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The genesis miner.
const MINER_ID: u64 = 1000;
/// FIL given to each account.
const ACCOUNT_FIL: u64 = 100_000;

/// Flags of `padma devnet`.
#[derive(Args)]
pub struct DevnetArgs {
    /// Data directory (keys, genesis, sectors, the node's repo).
    #[arg(long, default_value = "~/.padma-devnet")]
    pub dir: PathBuf,
    /// Funded accounts to create.
    #[arg(long, default_value_t = 10)]
    pub accounts: usize,
    /// Time between blocks: `4s`, `500ms`, or seconds (a genesis parameter).
    #[arg(long, default_value = "4s")]
    pub block_time: String,
    /// Fake genesis sectors and mock proofs (no proof parameters needed).
    #[arg(long)]
    pub mock_proofs: bool,
    /// Delete the data directory and start a new chain.
    #[arg(long)]
    pub reset: bool,
    /// Port of the full node's API on 127.0.0.1.
    #[arg(long, default_value_t = 1234)]
    pub api: u16,
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

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(data)?;
    Ok(())
}

fn genesis_miner(dir: &Path, worker: &KeyInfo, mock: bool) -> Result<serde_json::Value> {
    if mock {
        let m = padma_state::genesis::fake::fake_miner(MINER_ID, worker, 2048, 2, 10_000_000)?;
        return Ok(serde_json::json!({ format!("t0{MINER_ID}"): m }));
    }
    eprintln!("preparing the 2KiB PoSt parameters (generated offline the first time)");
    padma_proofs::params::fetch_params_with_progress("2KiB", padma_proofs::ParamsNeeded::PostOnly)?;
    let key_file = dir.join("worker.key");
    write_private(&key_file, key_to_lotus_hex(worker).as_bytes())?;
    eprintln!("pre-sealing two real 2KiB genesis sectors");
    let out = padma_seed::preseal::pre_seal(&padma_seed::preseal::PreSealOptions {
        miner_addr: format!("t0{MINER_ID}"),
        sector_size: 2048,
        num_sectors: 2,
        sector_offset: 0,
        sector_dir: dir.join("sectors"),
        key_file: Some(key_file),
        fake_sectors: false,
        ticket_preimage: "padma devnet".into(),
    })?;
    let text = std::fs::read(&out.manifest)?;
    Ok(serde_json::from_slice(&text)?)
}

/// Creates keys, sectors and the genesis in `dir`.
fn create(dir: &Path, args: &DevnetArgs, block_delay_ms: u64) -> Result<Devnet> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let worker = KeyInfo::generate(KeyType::Bls);
    let accounts: Vec<KeyInfo> = (0..args.accounts)
        .map(|_| KeyInfo::generate(KeyType::Secp256k1))
        .collect();
    let manifest = genesis_miner(dir, &worker, args.mock_proofs)?;
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
    write_private(
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
    let block_delay_ms = parse_block_time(&args.block_time)?;
    if args.reset && dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let state_file = dir.join("devnet.json");
    let d: Devnet = if state_file.exists() {
        let d: Devnet = serde_json::from_slice(&std::fs::read(&state_file)?)
            .with_context(|| format!("reading {}", state_file.display()))?;
        if d.block_delay_ms != block_delay_ms || d.mock_proofs != args.mock_proofs {
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
        tokio::task::spawn_blocking(move || create(&dir2, &a, block_delay_ms)).await??
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
        let wallet = Wallet::new(repo.keystore.clone());
        wallet.import(&worker)?;
        for k in &accounts {
            wallet.import(k)?;
        }
        if let Some(first) = accounts.first() {
            wallet.set_default(&first.address()?)?;
        }
        let (secret, _) = repo.jwt_secret()?;
        let token = JwtAuth::new(&secret).issue(&Permission::Admin.up_to());
        repo.write_token(&token)?;
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
        if d.mock_proofs { "mock" } else { "real (2KiB)" }
    );
    println!();
    println!(
        "export FULLNODE_API_INFO={token}:/ip4/127.0.0.1/tcp/{}/http",
        args.api
    );
    println!("export PADMA_PATH={}", node_repo.display());
    println!();

    let prover: Arc<dyn WinningProver> = if d.mock_proofs {
        Arc::new(MockWinningProver)
    } else {
        Arc::new(FileWinningProver {
            root: dir.join("sectors"),
        })
    };
    padma_node::daemon::run(DaemonOptions {
        repo: node_repo,
        api_port: Some(args.api),
        genesis: Some(dir.join("genesis.car")),
        make_genesis: None,
        genesis_template: None,
        bootstrap: false,
        miner: Some(InProcessMiner {
            miner: Address::new_id(MINER_ID),
            worker,
            prover,
        }),
    })
    .await
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
