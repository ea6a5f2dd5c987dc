//! The devnet's genesis miner, run as `padma-miner` runs it (`init --genesis-miner` on
//! the first run, then `run`) against the first node over loopback, as one of that
//! node's services.

use super::{MINER_ID, SECTOR_SIZE};
use anyhow::{bail, Result};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_miner::fullnode::FullNode;
use padma_miner::init::InitOptions;
use padma_miner::run::RunOptions;
use padma_rpc::{JwtAuth, Permission};
use padma_service::Shutdown;
use std::path::{Path, PathBuf};

/// The genesis miner of the devnet, run as `padma-miner` runs it against the node
/// over loopback.
pub struct GenesisMiner {
    /// The devnet's data directory (the miner's repo is `miner` in it).
    pub dir: PathBuf,
    /// The first node's API.
    pub node: FullNode,
    /// The port of the miner's API on 127.0.0.1 (0: the system picks).
    pub miner_api: u16,
}

impl GenesisMiner {
    /// Initialises the miner on the first run, then runs it until the node's shutdown.
    /// A miner cut off by the shutdown (in its set-up, or in a call to the stopping
    /// node) stopped with the node, which is no failure; a miner stopped by its own
    /// `Shutdown` leaves the node running.
    pub async fn run(self, shutdown: Shutdown) -> Result<()> {
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
