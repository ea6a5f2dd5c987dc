//! Where a miner's sectors live: storage roots in Lotus's layout (`sealed/`, `cache/`,
//! `unsealed/` under each root, files named `s-t0<miner>-<number>`). The first root
//! is where new sectors are sealed; pre-sealed genesis sectors stay where
//! `padma-seed pre-seal` wrote them, added as another root.

use padma_proofs::seal::SectorPaths;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The miner's storage roots (`storage.json` in the miner repo).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    /// Storage roots; the first one seals new sectors.
    #[serde(rename = "StoragePaths")]
    pub roots: Vec<PathBuf>,
}

impl Storage {
    /// Storage with one root.
    pub fn new(root: PathBuf) -> Storage {
        Storage { roots: vec![root] }
    }

    /// Reads `storage.json` from the miner repo (no file: no roots).
    pub fn load(repo: &Path) -> anyhow::Result<Storage> {
        let p = repo.join("storage.json");
        if !p.exists() {
            return Ok(Storage::default());
        }
        let text = std::fs::read(&p)?;
        serde_json::from_slice(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
    }

    /// Writes `storage.json` into the miner repo.
    pub fn save(&self, repo: &Path) -> anyhow::Result<()> {
        let p = repo.join("storage.json");
        std::fs::write(&p, serde_json::to_string_pretty(self)?)?;
        Ok(())
    }

    /// The root new sectors are sealed in.
    pub fn seal_root(&self) -> Option<&Path> {
        self.roots.first().map(PathBuf::as_path)
    }

    /// The paths of a new sector in the sealing root.
    pub fn new_sector(&self, miner_id: u64, number: u64) -> Option<SectorPaths> {
        self.seal_root()
            .map(|r| SectorPaths::new(r, miner_id, number))
    }

    /// The paths of an existing sector: the first root holding its sealed file.
    pub fn find(&self, miner_id: u64, number: u64) -> Option<SectorPaths> {
        self.roots
            .iter()
            .map(|r| SectorPaths::new(r, miner_id, number))
            .find(|p| p.sealed.is_file() && p.cache.is_dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sectors_in_any_root_and_seals_in_the_first() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let s = Storage {
            roots: vec![a.path().to_path_buf(), b.path().to_path_buf()],
        };
        assert_eq!(s.find(1000, 3), None);
        let p = SectorPaths::new(b.path(), 1000, 3);
        p.prepare().unwrap();
        assert_eq!(s.find(1000, 3), Some(p));
        assert_eq!(
            s.new_sector(1000, 4)
                .unwrap()
                .sealed
                .parent()
                .unwrap()
                .parent(),
            Some(a.path())
        );
        s.save(a.path()).unwrap();
        assert_eq!(Storage::load(a.path()).unwrap(), s);
        assert_eq!(Storage::load(b.path()).unwrap(), Storage::default());
    }
}
