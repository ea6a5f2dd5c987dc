//! The miner repo (`--miner-repo`, `PADMA_MINER_PATH`, default `~/.padma-miner`), laid
//! out like Lotus's miner repo: padma-repo's locked directory (`repo.lock`,
//! `keystore/` with the JWT secret `auth-jwt-private` and the libp2p identity
//! `libp2p-host`, and while the miner runs, `api` and `token`) with the miner's own
//! files on top: `datastore/` (ParityDB: `miner-address` and the miner's other
//! metadata) and `storage.json`.

use crate::identity::Identity;
use anyhow::{anyhow, bail, Context, Result};
use fvm_shared::address::Address;
use padma_repo::keystore::{KeyNotFound, StoredKey};
use padma_repo::RepoDir;
use padma_store::Store;
use std::fs;
use std::path::Path;
use std::sync::Arc;

/// Metadata key of the miner actor's address (its bytes, as Lotus stores it).
pub const MINER_ADDRESS_KEY: &str = "miner-address";
/// Keystore name (and key type) of the libp2p identity.
pub const LIBP2P_KEY_NAME: &str = "libp2p-host";

/// Whether a miner repo exists at `path` (as Lotus decides: a `datastore/` or a
/// `keystore/` in it).
pub fn exists(path: &Path) -> bool {
    path.join("datastore").exists() || path.join("keystore").exists()
}

/// An opened, locked miner repo.
pub struct MinerRepo {
    dir: RepoDir,
    /// The miner's datastore (metadata and sector records).
    pub store: Arc<Store>,
}

impl MinerRepo {
    /// Creates a new repo at `path`; refuses a path where a repo exists.
    pub fn create(path: &Path) -> Result<MinerRepo> {
        if exists(path) {
            bail!(
                "a miner repo already exists at {} (remove it or pick another --miner-repo)",
                path.display()
            );
        }
        fs::create_dir_all(path)
            .with_context(|| format!("creating the miner repo {}", path.display()))?;
        Self::open_dir(path)
    }

    /// Opens an existing repo; an uninitialised one is refused with what to do.
    pub fn open(path: &Path) -> Result<MinerRepo> {
        if !exists(path) {
            bail!(
                "no miner repo at {}: run `padma-miner init` first",
                path.display()
            );
        }
        let r = Self::open_dir(path)?;
        if r.miner_address()?.is_none() {
            bail!(
                "the miner repo {} has no miner address (an interrupted init?): remove it and run `padma-miner init`",
                path.display()
            );
        }
        Ok(r)
    }

    fn open_dir(path: &Path) -> Result<MinerRepo> {
        let dir = RepoDir::open(path)?;
        let store = Arc::new(Store::open(&path.join("datastore"))?);
        Ok(MinerRepo { dir, store })
    }

    /// The locked directory: keystore, JWT secret, `api` and `token`.
    pub fn dir(&self) -> &RepoDir {
        &self.dir
    }

    /// The repo directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The miner actor's address, once init recorded it.
    pub fn miner_address(&self) -> Result<Option<Address>> {
        match self.store.get_meta(MINER_ADDRESS_KEY)? {
            None => Ok(None),
            Some(b) => Address::from_bytes(&b)
                .map(Some)
                .map_err(|e| anyhow!("the repo's miner address is corrupt: {e}")),
        }
    }

    /// Records the miner actor's address.
    pub fn set_miner_address(&self, a: &Address) -> Result<()> {
        self.store.put_meta(MINER_ADDRESS_KEY, &a.to_bytes())
    }

    /// The libp2p identity, created on first use.
    pub fn identity(&self) -> Result<Identity> {
        let keystore = self.dir.keystore();
        match keystore.get(LIBP2P_KEY_NAME) {
            Ok(k) => Identity::from_protobuf(&k.private_key),
            Err(e) if e.downcast_ref::<KeyNotFound>().is_some() => {
                let id = Identity::generate();
                keystore.put(
                    LIBP2P_KEY_NAME,
                    &StoredKey {
                        key_type: LIBP2P_KEY_NAME.into(),
                        private_key: id.to_protobuf(),
                    },
                )?;
                Ok(id)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_create_refuses_existing_and_records_the_address() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m");
        assert!(MinerRepo::open(&p).is_err());
        {
            let r = MinerRepo::create(&p).unwrap();
            assert!(r.miner_address().unwrap().is_none());
            r.set_miner_address(&Address::new_id(1000)).unwrap();
            let a = r.identity().unwrap().peer_id();
            assert_eq!(r.identity().unwrap().peer_id(), a);
        }
        assert!(MinerRepo::create(&p).is_err());
        let r = MinerRepo::open(&p).unwrap();
        assert_eq!(r.miner_address().unwrap(), Some(Address::new_id(1000)));
    }
}
