//! A write layer over a blockstore for runs whose results are thrown away (`StateCall`,
//! gas estimation's trial runs): reads see the layer first, writes stay in it.

use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// `base` with every write kept in memory, shared by its clones.
#[derive(Clone)]
pub struct Overlay<BS> {
    base: BS,
    writes: Arc<Mutex<HashMap<Cid, Vec<u8>>>>,
}

impl<BS> Overlay<BS> {
    /// An empty layer over `base`.
    pub fn new(base: BS) -> Self {
        Overlay {
            base,
            writes: Arc::default(),
        }
    }

    fn writes(&self) -> std::sync::MutexGuard<'_, HashMap<Cid, Vec<u8>>> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<BS: Blockstore> Blockstore for Overlay<BS> {
    fn get(&self, k: &Cid) -> anyhow::Result<Option<Vec<u8>>> {
        if let Some(data) = self.writes().get(k) {
            return Ok(Some(data.clone()));
        }
        self.base.get(k)
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> anyhow::Result<()> {
        self.writes().insert(*k, block.to_vec());
        Ok(())
    }

    fn has(&self, k: &Cid) -> anyhow::Result<bool> {
        if self.writes().contains_key(k) {
            return Ok(true);
        }
        self.base.has(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_ipld_blockstore::MemoryBlockstore;
    use padma_types::cid::cbor_cid;

    #[test]
    fn writes_stay_in_the_layer_and_reads_see_both() {
        let base = std::rc::Rc::new(MemoryBlockstore::new());
        let below = cbor_cid(&[0x01]);
        base.put_keyed(&below, &[0x01]).expect("put");
        let layer = Overlay::new(base.clone());
        let above = cbor_cid(&[0x02]);
        layer.clone().put_keyed(&above, &[0x02]).expect("put");
        assert!(layer.has(&below).expect("has") && layer.has(&above).expect("has"));
        assert!(!base.has(&above).expect("has"));
        assert_eq!(layer.get(&above).expect("get"), Some(vec![0x02]));
        assert_eq!(layer.get(&below).expect("get"), Some(vec![0x01]));
    }
}
