//! The datastore: one ParityDB database under `datastore/` with a column for
//! content-addressed blocks and one for node metadata (chain head, genesis, ...).

use anyhow::{Context, Result};
use std::path::Path;

/// Column of content-addressed blocks (key: CID bytes).
pub const COL_BLOCKS: u8 = 0;
/// Column of metadata (key: a name).
pub const COL_META: u8 = 1;

/// The node's database.
pub struct Store {
    db: parity_db::Db,
}

impl Store {
    /// Opens or creates the database in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut opts = parity_db::Options::with_columns(dir, 2);
        opts.columns[COL_BLOCKS as usize].preimage = true;
        opts.columns[COL_META as usize].btree_index = true;
        let db = parity_db::Db::open_or_create(&opts)
            .map_err(|e| anyhow::anyhow!("opening datastore {}: {e}", dir.display()))?;
        Ok(Store { db })
    }

    /// Reads a value.
    pub fn get(&self, col: u8, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db
            .get(col, key)
            .map_err(|e| anyhow::anyhow!("datastore read: {e}"))
    }

    /// Writes (or with `None` deletes) values atomically.
    pub fn commit(&self, changes: Vec<(u8, Vec<u8>, Option<Vec<u8>>)>) -> Result<()> {
        self.db
            .commit(changes)
            .map_err(|e| anyhow::anyhow!("datastore write: {e}"))
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
}

impl fvm_ipld_blockstore::Blockstore for Store {
    fn get(&self, k: &cid::Cid) -> Result<Option<Vec<u8>>> {
        Store::get(self, COL_BLOCKS, &k.to_bytes())
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
}
