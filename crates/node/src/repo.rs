//! The node repo (`--repo`, `PADMA_PATH`, default `~/.padma`): padma-repo's locked
//! directory (`repo.lock`, `keystore/`, and while the daemon runs, `api` and `token`)
//! with the node's own files on top: `config.toml`, `datastore/`, `chain` (the genesis
//! its datastore holds) and `mpool-local/`.

use crate::config::{default_config_text, Config};
use anyhow::{Context, Result};
use padma_repo::RepoDir;
use std::fs;
use std::path::{Path, PathBuf};

/// The file recording the genesis of the chain the datastore holds.
pub const CHAIN_FILE: &str = "chain";
/// The node's configuration file.
pub const CONFIG_FILE: &str = "config.toml";

/// The datastore lost the chain the repo recorded.
#[derive(Debug, thiserror::Error)]
#[error(
    "the datastore {} no longer holds this repo's chain (genesis {genesis}): it was \
     deleted, emptied or replaced, and the chain's history is gone from it. Restore the \
     datastore from a backup; to start a new chain in this repo instead, delete {}",
    datastore.display(),
    chain_file.display()
)]
pub struct ChainMissing {
    /// The datastore directory.
    pub datastore: PathBuf,
    /// The genesis the repo recorded.
    pub genesis: String,
    /// The record to delete to start over.
    pub chain_file: PathBuf,
}

/// An opened, locked node repo.
pub struct Repo {
    dir: RepoDir,
    /// The loaded configuration.
    pub config: Config,
}

impl Repo {
    /// Opens the repo at `path`, creating its layout on first use, and locks it.
    pub fn open(path: &Path) -> Result<Repo> {
        fs::create_dir_all(path).with_context(|| format!("creating repo {}", path.display()))?;
        let dir = RepoDir::open(path)?;
        let config_path = path.join(CONFIG_FILE);
        padma_repo::config_file::write_if_missing(&config_path, &default_config_text())?;
        let config = Config::load(&config_path)?;
        Ok(Repo { dir, config })
    }

    /// The locked directory: keystore, JWT secret, `api` and `token`.
    pub fn dir(&self) -> &RepoDir {
        &self.dir
    }

    /// The repo directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The datastore directory.
    pub fn datastore_dir(&self) -> PathBuf {
        self.path().join("datastore")
    }

    /// The genesis CID of the chain this repo's datastore was initialised with, as
    /// recorded beside the datastore (so a vanished datastore is noticed).
    pub fn recorded_genesis(&self) -> Result<Option<String>> {
        let path = self.path().join(CHAIN_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Records the genesis CID of the chain the datastore holds.
    pub fn record_genesis(&self, genesis: &str) -> Result<()> {
        let path = self.path().join(CHAIN_FILE);
        let tmp = path.with_extension("tmp");
        fs::write(&tmp, genesis).with_context(|| format!("writing {}", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
    }

    /// Refuses a datastore that lost the chain this repo recorded (deleted, emptied or
    /// replaced): the node must never silently start a new chain over old history.
    /// `held` is the genesis the datastore holds now, if any.
    pub fn check_datastore_chain(&self, held: Option<&str>) -> Result<()> {
        let Some(recorded) = self.recorded_genesis()? else {
            return Ok(());
        };
        if held == Some(recorded.as_str()) {
            return Ok(());
        }
        Err(ChainMissing {
            datastore: self.datastore_dir(),
            genesis: recorded,
            chain_file: self.path().join(CHAIN_FILE),
        }
        .into())
    }

    /// The directory of messages pushed to this node, kept until they are on chain.
    pub fn mpool_local_dir(&self) -> PathBuf {
        self.path().join("mpool-local")
    }
}
