//! The node repo (`--repo`, `PADMA_PATH`, default `~/.padma`): `config.toml`,
//! `keystore/`, `datastore/`, `chain` (the genesis its datastore holds), `repo.lock`,
//! and while the daemon runs, `api` and `token`.

use crate::config::{default_config_text, Config};
use crate::keystore::{KeyNotFound, Keystore, StoredKey};
use crate::lock::RepoLock;
use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The file recording the genesis of the chain the datastore holds.
pub const CHAIN_FILE: &str = "chain";

/// Keystore name of the JWT secret.
pub const JWT_KEY_NAME: &str = "auth-jwt-private";
/// Key type of the JWT secret.
pub const JWT_KEY_TYPE: &str = "jwt-hmac-secret";

/// The default repo path: `$PADMA_PATH`, else `~/.padma`.
pub fn default_repo_path() -> PathBuf {
    if let Some(p) = std::env::var_os("PADMA_PATH") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".padma")
}

/// Expands a leading `~/` in a user-supplied path.
pub fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

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

/// An opened, locked repo.
pub struct Repo {
    path: PathBuf,
    lock: RepoLock,
    /// The loaded configuration.
    pub config: Config,
    /// The keystore.
    pub keystore: Keystore,
}

impl Repo {
    /// Opens the repo at `path`, creating its layout on first use, and locks it.
    pub fn open(path: &Path) -> Result<Repo> {
        fs::create_dir_all(path).with_context(|| format!("creating repo {}", path.display()))?;
        let lock = RepoLock::acquire(path)?;
        let config_path = path.join("config.toml");
        if !config_path.exists() {
            fs::write(&config_path, default_config_text())
                .with_context(|| format!("writing {}", config_path.display()))?;
        }
        let config = Config::load(&config_path)?;
        let keystore = Keystore::open(&path.join("keystore"))?;
        Ok(Repo {
            path: path.to_path_buf(),
            lock,
            config,
            keystore,
        })
    }

    /// The repo directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The datastore directory.
    pub fn datastore_dir(&self) -> PathBuf {
        self.path.join("datastore")
    }

    /// The genesis CID of the chain this repo's datastore was initialised with, as
    /// recorded beside the datastore (so a vanished datastore is noticed).
    pub fn recorded_genesis(&self) -> Result<Option<String>> {
        let path = self.path.join(CHAIN_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Records the genesis CID of the chain the datastore holds.
    pub fn record_genesis(&self, genesis: &str) -> Result<()> {
        let path = self.path.join(CHAIN_FILE);
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
            chain_file: self.path.join(CHAIN_FILE),
        }
        .into())
    }

    /// The directory of messages pushed to this node, kept until they are on chain.
    pub fn mpool_local_dir(&self) -> PathBuf {
        self.path.join("mpool-local")
    }

    /// The lock held on this repo.
    pub fn lock(&self) -> &RepoLock {
        &self.lock
    }

    /// The JWT secret, created (32 random bytes) on first use. The flag says whether
    /// it was just created.
    pub fn jwt_secret(&self) -> Result<(Vec<u8>, bool)> {
        match self.keystore.get(JWT_KEY_NAME) {
            Ok(k) => Ok((k.private_key, false)),
            Err(e) if e.downcast_ref::<KeyNotFound>().is_some() => {
                let secret: [u8; 32] = rand::random();
                let key = StoredKey {
                    key_type: JWT_KEY_TYPE.into(),
                    private_key: secret.to_vec(),
                };
                self.keystore.put(JWT_KEY_NAME, &key)?;
                Ok((secret.to_vec(), true))
            }
            Err(e) => Err(e),
        }
    }

    /// Writes the admin token (mode 0600, no trailing newline).
    pub fn write_token(&self, token: &str) -> Result<()> {
        write_private(&self.path.join("token"), token.as_bytes())
    }

    /// Writes the `api` file with the listener's multiaddr.
    pub fn write_api(&self, multiaddr: &str) -> Result<()> {
        fs::write(self.path.join("api"), multiaddr).context("writing api file")
    }

    /// Removes the `api` file.
    pub fn remove_api(&self) {
        let _ = fs::remove_file(self.path.join("api"));
    }
}

/// Writes `data` to `path` as a private (0600) file and syncs it to disk.
pub fn write_private_file(path: &Path, data: &[u8]) -> Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(data)?;
    f.sync_all()?;
    Ok(())
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    write_private_file(&tmp, data)?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// Reads `api` and `token` from a repo, for clients; the token may be absent.
pub fn read_api_files(repo: &Path) -> Result<(String, Option<String>)> {
    let api = fs::read_to_string(repo.join("api")).with_context(|| {
        format!(
            "no running node found: cannot read {} (is `padma daemon` running?)",
            repo.join("api").display()
        )
    })?;
    let token = fs::read_to_string(repo.join("token"))
        .ok()
        .map(|t| t.trim().to_string());
    Ok((api.trim().to_string(), token))
}
