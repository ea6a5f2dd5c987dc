//! The datastore: one ParityDB database under `datastore/` with a column for
//! content-addressed blocks and one for node metadata (chain head, genesis, ...).
//! Writes wait for free disk space (see [`crate::space`]); blocks read back are checked
//! against their CIDs, so damage on disk is reported as corruption, never served.

use crate::space::SpaceGuard;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Column of content-addressed blocks (key: CID bytes).
pub const COL_BLOCKS: u8 = 0;
/// Column of metadata (key: a name).
pub const COL_META: u8 = 1;

/// How a datastore is opened.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Free bytes the filesystem must keep; writes are refused below it (0: no check).
    pub min_free_space: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            min_free_space: crate::space::DEFAULT_MIN_FREE_SPACE,
        }
    }
}

/// A block read from the datastore does not match its CID: the files are damaged.
#[derive(Debug, thiserror::Error)]
#[error(
    "the datastore {} is corrupt: block {cid} read from it does not match its hash; \
     stop the node and restore the datastore from a backup (or start a new chain in an \
     empty repo)",
    dir.display()
)]
pub struct Corrupt {
    /// The datastore directory.
    pub dir: PathBuf,
    /// The damaged block.
    pub cid: cid::Cid,
}

/// The node's database.
pub struct Store {
    db: parity_db::Db,
    dir: PathBuf,
    space: SpaceGuard,
}

impl Store {
    /// Opens or creates the database in `dir` with the default options.
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with(dir, &StoreOptions::default())
    }

    /// Opens or creates the database in `dir`.
    pub fn open_with(dir: &Path, options: &StoreOptions) -> Result<Store> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut opts = parity_db::Options::with_columns(dir, 2);
        if let Some(blocks) = opts.columns.get_mut(COL_BLOCKS as usize) {
            blocks.preimage = true;
        }
        if let Some(meta) = opts.columns.get_mut(COL_META as usize) {
            meta.btree_index = true;
        }
        let db = parity_db::Db::open_or_create(&opts).map_err(|e| {
            anyhow::anyhow!(
                "opening the datastore {}: {e} (if its files are damaged, restore them \
                 from a backup)",
                dir.display()
            )
        })?;
        Ok(Store {
            db,
            dir: dir.to_path_buf(),
            space: SpaceGuard::new(dir, options.min_free_space),
        })
    }

    /// The datastore directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads a value.
    pub fn get(&self, col: u8, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db
            .get(col, key)
            .map_err(|e| anyhow::anyhow!("datastore {} read: {e}", self.dir.display()))
    }

    /// Writes (or with `None` deletes) values atomically. Refused with
    /// [`crate::LowDiskSpace`] while the disk is nearly full.
    pub fn commit(&self, changes: Vec<(u8, Vec<u8>, Option<Vec<u8>>)>) -> Result<()> {
        self.space.check()?;
        self.db
            .commit(changes)
            .map_err(|e| anyhow::anyhow!("datastore {} write: {e}", self.dir.display()))
    }

    /// Reads a metadata value.
    pub fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.get(COL_META, key.as_bytes())
    }

    /// Writes a metadata value.
    pub fn put_meta(&self, key: &str, value: &[u8]) -> Result<()> {
        self.commit(vec![(
            COL_META,
            key.as_bytes().to_vec(),
            Some(value.to_vec()),
        )])
    }

    /// Reads a block and checks it against its CID.
    fn get_block(&self, k: &cid::Cid) -> Result<Option<Vec<u8>>> {
        let data = Store::get(self, COL_BLOCKS, &k.to_bytes())?;
        if let Some(d) = &data {
            if padma_types::cid::digest_matches(k, d) == Some(false) {
                let err = Corrupt {
                    dir: self.dir.clone(),
                    cid: *k,
                };
                tracing::error!("{err}");
                return Err(err.into());
            }
        }
        Ok(data)
    }
}

impl fvm_ipld_blockstore::Blockstore for Store {
    fn get(&self, k: &cid::Cid) -> Result<Option<Vec<u8>>> {
        self.get_block(k)
    }

    fn put_keyed(&self, k: &cid::Cid, block: &[u8]) -> Result<()> {
        self.commit(vec![(COL_BLOCKS, k.to_bytes(), Some(block.to_vec()))])
    }

    fn put_many_keyed<D, I>(&self, blocks: I) -> Result<()>
    where
        Self: Sized,
        D: AsRef<[u8]>,
        I: IntoIterator<Item = (cid::Cid, D)>,
    {
        let changes = blocks
            .into_iter()
            .map(|(k, v)| (COL_BLOCKS, k.to_bytes(), Some(v.as_ref().to_vec())))
            .collect();
        self.commit(changes)
    }

    fn has(&self, k: &cid::Cid) -> Result<bool> {
        Ok(Store::get(self, COL_BLOCKS, &k.to_bytes())?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.put_meta("head", b"abc").unwrap();
            s.commit(vec![(COL_BLOCKS, vec![1, 2], Some(vec![9]))])
                .unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.get_meta("head").unwrap().as_deref(), Some(&b"abc"[..]));
        assert_eq!(s.get(COL_BLOCKS, &[1, 2]).unwrap(), Some(vec![9]));
        assert_eq!(s.get_meta("none").unwrap(), None);
    }

    #[test]
    fn a_block_that_does_not_match_its_cid_is_reported_as_corruption() {
        use fvm_ipld_blockstore::Blockstore;
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let good = padma_types::cid::cbor_cid(b"\x82\x01\x02");
        s.put_keyed(&good, b"\x82\x01\x02").unwrap();
        assert_eq!(
            Blockstore::get(&s, &good).unwrap().as_deref(),
            Some(&b"\x82\x01\x02"[..])
        );
        // The same key with other bytes: what a flipped bit on disk looks like.
        s.commit(vec![(
            COL_BLOCKS,
            good.to_bytes(),
            Some(b"\x82\x01\x03".to_vec()),
        )])
        .unwrap();
        let err = Blockstore::get(&s, &good).unwrap_err();
        assert!(err.downcast_ref::<Corrupt>().is_some(), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("corrupt") && text.contains(&good.to_string()),
            "{text}"
        );
        assert!(text.contains(&dir.path().display().to_string()), "{text}");
    }

    #[test]
    fn writes_wait_for_free_space_and_reads_go_on() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.put_meta("head", b"abc").unwrap();
        }
        let s = Store::open_with(
            dir.path(),
            &StoreOptions {
                min_free_space: u64::MAX,
            },
        )
        .unwrap();
        let err = s.put_meta("head", b"def").unwrap_err();
        assert!(err.downcast_ref::<crate::LowDiskSpace>().is_some(), "{err}");
        assert_eq!(s.get_meta("head").unwrap().as_deref(), Some(&b"abc"[..]));
    }
}
