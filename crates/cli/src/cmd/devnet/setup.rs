//! What the devnet's first run makes, and later runs read back: the genesis miner's
//! worker key and the funded accounts, the genesis sectors (real 2KiB sectors
//! pre-sealed, with the PoSt parameters prepared, or fake ones), the block time, and a
//! genesis whose network name declares the block time and proof mode; all kept in the
//! data directory (`devnet.json`, `genesis.car`, `sectors/`).

use super::{DevnetArgs, ACCOUNT_FIL, MINER_ID, SECTOR_SIZE};
use anyhow::{bail, Context, Result};
use fvm_shared::econ::TokenAmount;
use padma_chain::network::{NetworkParams, DEFAULT_BLOCK_DELAY_MS};
use padma_fvm::bundle;
use padma_node::api::chainstore::make_genesis_car;
use padma_node::builder::chain::ActorsOptions;
use padma_repo::private_file::write_private_file;
use padma_state::genesis::template::Actor;
use padma_state::genesis::Template;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::json::{key_from_lotus_text, key_to_lotus_hex};
use padma_types::sector::format_sector_size;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file that holds what the first run decided (0600: it holds private keys).
const STATE_FILE: &str = "devnet.json";
/// The genesis CAR in the data directory.
pub const GENESIS_FILE: &str = "genesis.car";

/// What the first run decided, kept in `devnet.json`.
#[derive(Serialize, Deserialize)]
pub struct Devnet {
    /// The block time.
    pub block_delay_ms: u64,
    /// Whether the sectors are fake and the proofs mock ones.
    pub mock_proofs: bool,
    /// The genesis miner's worker key (Lotus export hex).
    worker: String,
    /// The funded accounts' keys (Lotus export hex).
    accounts: Vec<String>,
}

impl Devnet {
    /// The genesis miner's worker key.
    pub fn worker(&self) -> Result<KeyInfo> {
        key(&self.worker)
    }

    /// The funded accounts' keys.
    pub fn accounts(&self) -> Result<Vec<KeyInfo>> {
        self.accounts.iter().map(|k| key(k)).collect()
    }
}

fn key(text: &str) -> Result<KeyInfo> {
    key_from_lotus_text(text).map_err(|e| anyhow::anyhow!("{STATE_FILE}: {e}"))
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

/// The devnet in `dir`: the one a previous run made (saying so when the flags ask for
/// another block time or proof mode), else a new one.
pub async fn open_or_create(
    dir: &Path,
    args: &DevnetArgs,
    requested_ms: Option<u64>,
) -> Result<Devnet> {
    let state_file = dir.join(STATE_FILE);
    if !state_file.exists() {
        let (dir, accounts, mock) = (dir.to_path_buf(), args.accounts, args.mock_proofs);
        let actors = ActorsOptions {
            bundle: args.actors_bundle.clone(),
            cache_dirs: vec![
                dir.join(bundle::CACHE_DIR),
                padma_repo::paths::default_node_repo().join(bundle::CACHE_DIR),
            ],
        };
        return tokio::task::spawn_blocking(move || {
            create(&dir, accounts, mock, requested_ms, &actors)
        })
        .await?;
    }
    let d: Devnet = serde_json::from_slice(&std::fs::read(&state_file)?)
        .with_context(|| format!("reading {}", state_file.display()))?;
    if requested_ms.is_some_and(|ms| ms != d.block_delay_ms) || d.mock_proofs != args.mock_proofs {
        eprintln!(
            "resuming the devnet in {} (block time {} ms, mock proofs {}): use --reset to change them",
            dir.display(),
            d.block_delay_ms,
            d.mock_proofs
        );
    }
    Ok(d)
}

/// The genesis miner's sectors, pre-sealed into `dir/sectors`: their manifest.
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
fn create(
    dir: &Path,
    accounts: usize,
    mock: bool,
    requested_ms: Option<u64>,
    actors: &ActorsOptions,
) -> Result<Devnet> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let worker = KeyInfo::generate(KeyType::Bls);
    let accounts: Vec<KeyInfo> = (0..accounts)
        .map(|_| KeyInfo::generate(KeyType::Secp256k1))
        .collect();
    let manifest = genesis_miner(dir, &worker, mock)?;
    let block_delay_ms = pick_block_time(dir, manifest.to_string().as_bytes(), requested_ms, mock)?;
    let name = NetworkParams::name_for("padma-devnet", block_delay_ms, mock);
    // Timestamp 0: the genesis gets the time it is finished (building it through the
    // actors takes seconds the first time), so the devnet starts without null rounds.
    let mut t = Template::new(name, 0);
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
    let (car, g) = make_genesis_car(&t, actors)?;
    std::fs::write(dir.join(GENESIS_FILE), &car)?;
    tracing::info!(genesis = %g.cid, "devnet genesis created");
    let d = Devnet {
        block_delay_ms,
        mock_proofs: mock,
        worker: key_to_lotus_hex(&worker),
        accounts: accounts.iter().map(key_to_lotus_hex).collect(),
    };
    write_private_file(
        &dir.join(STATE_FILE),
        serde_json::to_string_pretty(&d)?.as_bytes(),
    )?;
    Ok(d)
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
