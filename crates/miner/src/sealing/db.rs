//! The pipeline's persistent state in the miner repo's datastore (metadata column):
//! `sealing/sector/<n>` (a sector's JSON record), `sealing/index` (the numbers of every
//! sector, JSON) and `sealing/next` (the next number to allocate).

use super::sector::Sector;
use anyhow::{Context, Result};
use padma_store::{Store, COL_META};
use std::collections::BTreeMap;
use std::sync::Arc;

const INDEX: &str = "sealing/index";
const NEXT: &str = "sealing/next";

fn sector_key(n: u64) -> Vec<u8> {
    format!("sealing/sector/{n}").into_bytes()
}

/// Reads and writes sector records.
#[derive(Clone)]
pub struct SectorDb {
    store: Arc<Store>,
}

impl SectorDb {
    /// Records kept in `store`.
    pub fn new(store: Arc<Store>) -> SectorDb {
        SectorDb { store }
    }

    /// Every sector record, by number.
    pub fn load_all(&self) -> Result<BTreeMap<u64, Sector>> {
        let mut out = BTreeMap::new();
        for n in self.index()? {
            let raw = self
                .store
                .get(COL_META, &sector_key(n))?
                .with_context(|| format!("sealing: sector {n} is indexed but has no record"))?;
            let s: Sector = serde_json::from_slice(&raw)
                .with_context(|| format!("sealing: decoding the record of sector {n}"))?;
            out.insert(n, s);
        }
        Ok(out)
    }

    fn index(&self) -> Result<Vec<u64>> {
        match self.store.get_meta(INDEX)? {
            Some(raw) => serde_json::from_slice(&raw).context("sealing: decoding the index"),
            None => Ok(vec![]),
        }
    }

    /// The next number the pipeline would allocate (0 when nothing was allocated).
    pub fn next_number(&self) -> Result<u64> {
        match self.store.get_meta(NEXT)? {
            Some(raw) => {
                let s = String::from_utf8_lossy(&raw);
                s.trim()
                    .parse()
                    .with_context(|| format!("sealing: bad next sector number {s:?}"))
            }
            None => Ok(0),
        }
    }

    /// Saves a sector's record.
    pub fn save(&self, s: &Sector) -> Result<()> {
        let raw = serde_json::to_vec(s)?;
        self.store
            .commit(vec![(COL_META, sector_key(s.number), Some(raw))])
    }

    /// Saves a new sector, adds it to the index and moves the next number past it,
    /// in one write.
    pub fn insert_new(&self, s: &Sector) -> Result<()> {
        let mut index = self.index()?;
        if !index.contains(&s.number) {
            index.push(s.number);
            index.sort_unstable();
        }
        let next = self.next_number()?.max(s.number + 1);
        self.store.commit(vec![
            (COL_META, sector_key(s.number), Some(serde_json::to_vec(s)?)),
            (
                COL_META,
                INDEX.as_bytes().to_vec(),
                Some(serde_json::to_vec(&index)?),
            ),
            (
                COL_META,
                NEXT.as_bytes().to_vec(),
                Some(next.to_string().into_bytes()),
            ),
        ])
    }
}
