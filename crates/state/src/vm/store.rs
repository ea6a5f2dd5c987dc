//! Blockstores of the VM.
//!
//! * [`BufferedStore`] keeps every block the VM writes in memory; only the blocks
//!   reachable from a final state root are copied to the underlying store
//!   ([`BufferedStore::flush_reachable`]), so reverted calls, intermediate HAMT nodes
//!   and `StateCall` runs leave nothing behind.
//! * [`MeteredStore`] is the store actors see: every block read and write is charged
//!   gas, as the FVM's IPLD syscalls are.

use super::gas::{GasTracker, OutOfGas, PRICES};
use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Multicodec of DAG-CBOR, the only codec whose blocks can hold links.
const DAG_CBOR: u64 = 0x71;
/// Multihash code of the identity hash (inline CIDs, never stored).
const IDENTITY: u64 = 0x00;

/// A write buffer over a blockstore.
pub struct BufferedStore<'bs, BS> {
    base: &'bs BS,
    writes: RefCell<HashMap<Cid, Vec<u8>>>,
}

impl<'bs, BS: Blockstore> BufferedStore<'bs, BS> {
    /// An empty buffer over `base`.
    pub fn new(base: &'bs BS) -> Self {
        BufferedStore {
            base,
            writes: RefCell::new(HashMap::new()),
        }
    }

    /// The underlying store.
    pub fn base(&self) -> &'bs BS {
        self.base
    }

    /// Number of blocks buffered.
    pub fn buffered(&self) -> usize {
        self.writes.borrow().len()
    }

    /// Copies the buffered blocks reachable from `root` to the underlying store and
    /// returns how many were copied. Blocks not in the buffer are assumed to be in
    /// the underlying store already, so the walk stops at them.
    pub fn flush_reachable(&self, root: &Cid) -> Result<usize> {
        let writes = self.writes.borrow();
        let mut seen = HashSet::new();
        let mut stack = vec![*root];
        let mut out: Vec<(Cid, &[u8])> = Vec::new();
        while let Some(c) = stack.pop() {
            if !seen.insert(c) {
                continue;
            }
            let Some(data) = writes.get(&c) else {
                continue;
            };
            if c.codec() == DAG_CBOR {
                padma_types::cid::scan_links(data, &mut |l| {
                    if l.hash().code() != IDENTITY {
                        stack.push(l);
                    }
                })
                .map_err(|e| anyhow!("scanning block {c} for links: {e}"))?;
            }
            out.push((c, data.as_slice()));
        }
        let n = out.len();
        self.base.put_many_keyed(out)?;
        Ok(n)
    }
}

impl<BS: Blockstore> Blockstore for BufferedStore<'_, BS> {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        if let Some(b) = self.writes.borrow().get(k) {
            return Ok(Some(b.clone()));
        }
        self.base.get(k)
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        self.writes.borrow_mut().insert(*k, block.to_vec());
        Ok(())
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        Ok(self.writes.borrow().contains_key(k) || self.base.has(k)?)
    }
}

/// The per-message meter shared by the VM and the actors' store: gas, and the
/// first fatal (non-gas) store error, which aborts the message.
#[derive(Debug)]
pub struct Meter {
    /// The message's gas.
    pub gas: GasTracker,
    fatal: RefCell<Option<String>>,
}

impl Meter {
    /// A meter for a message with gas limit `limit`.
    pub fn new(limit: u64) -> Self {
        Meter {
            gas: GasTracker::new(limit),
            fatal: RefCell::new(None),
        }
    }

    /// Records a fatal error (the first one wins).
    pub fn set_fatal(&self, msg: String) {
        self.fatal.borrow_mut().get_or_insert(msg);
    }

    /// The fatal error, if one happened.
    pub fn fatal(&self) -> Option<String> {
        self.fatal.borrow().clone()
    }

    /// True when the message must abort (out of gas or fatal error).
    pub fn aborted(&self) -> bool {
        self.gas.exhausted() || self.fatal.borrow().is_some()
    }
}

/// The store the actors use: block reads and writes are charged to the message.
pub struct MeteredStore<'bs, BS> {
    inner: Rc<BufferedStore<'bs, BS>>,
    meter: Rc<Meter>,
}

impl<'bs, BS: Blockstore> MeteredStore<'bs, BS> {
    /// Meters `inner` with `meter`.
    pub fn new(inner: Rc<BufferedStore<'bs, BS>>, meter: Rc<Meter>) -> Self {
        MeteredStore { inner, meter }
    }

    fn charge(&self, gas: u64) -> Result<()> {
        self.meter.gas.charge(gas).map_err(|e: OutOfGas| anyhow!(e))
    }
}

impl<BS: Blockstore> Blockstore for MeteredStore<'_, BS> {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        self.charge(PRICES.block_open.flat)?;
        let r = self.inner.get(k).inspect_err(|e| {
            self.meter
                .set_fatal(format!("blockstore read of {k} failed: {e}"));
        })?;
        if let Some(b) = &r {
            self.charge(PRICES.block_open.scale * b.len() as u64)?;
        }
        Ok(r)
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        self.charge(PRICES.on_block_create(block.len()))?;
        self.inner.put_keyed(k, block)
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        self.charge(PRICES.block_open.flat)?;
        self.inner.has(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipld::put_cbor;
    use fvm_ipld_blockstore::MemoryBlockstore;

    #[test]
    fn only_reachable_blocks_are_flushed() {
        let base = MemoryBlockstore::new();
        let buf = BufferedStore::new(&base);
        let leaf = put_cbor(&buf, &"leaf").unwrap();
        let garbage = put_cbor(&buf, &"garbage").unwrap();
        let mid = put_cbor(&buf, &(1u64, vec![leaf], "x")).unwrap();
        let root = put_cbor(&buf, &(mid, leaf)).unwrap();
        assert_eq!(buf.flush_reachable(&root).unwrap(), 3);
        assert!(base.has(&root).unwrap() && base.has(&mid).unwrap() && base.has(&leaf).unwrap());
        assert!(!base.has(&garbage).unwrap());
    }

    #[test]
    fn metered_reads_and_writes_cost_gas() {
        let base = MemoryBlockstore::new();
        let buf = Rc::new(BufferedStore::new(&base));
        let meter = Rc::new(Meter::new(1_000_000));
        let s = MeteredStore::new(buf, meter.clone());
        let c = put_cbor(&s, &"hello").unwrap();
        let after_put = meter.gas.used();
        assert_eq!(after_put, PRICES.on_block_create(6));
        s.get(&c).unwrap().unwrap();
        assert_eq!(meter.gas.used(), after_put + PRICES.on_block_open(6));
        for _ in 0..10 {
            let _ = s.get(&c);
        }
        assert!(meter.aborted());
        assert!(s.get(&c).is_err());
    }
}
