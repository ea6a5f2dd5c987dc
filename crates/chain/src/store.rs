//! The chain store: block headers and tipsets in the datastore, the head (persisted,
//! so a restart resumes from it), the tipset weights that fork choice compares, an
//! index of the canonical chain by height (null rounds resolve to the tipset below;
//! lookups by height are in [`heights`]), the message index ([`crate::msg_index`]),
//! and head-change events as batches of reverts then applies.

use crate::bounded::BoundedMap;
use crate::messages::block_message_cids;
use crate::msg_index::{self, MetaWrites};
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use num_bigint::BigInt;
use padma_store::{Store, COL_META};
use padma_types::block::{BlockHeader, TipSet, TipSetKey};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::broadcast;

const HEAD_KEY: &[u8] = b"chain/head";
const GENESIS_KEY: &[u8] = b"chain/genesis";
/// How many tipsets the in-memory cache keeps.
const TIPSET_CACHE: usize = 4096;

/// The kind of a head change, as `ChainNotify` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadChangeKind {
    /// The head at subscription time.
    Current,
    /// A tipset joined the canonical chain.
    Apply,
    /// A tipset left the canonical chain.
    Revert,
}

impl HeadChangeKind {
    /// Lotus's name (`current`, `apply`, `revert`).
    pub fn as_str(self) -> &'static str {
        match self {
            HeadChangeKind::Current => "current",
            HeadChangeKind::Apply => "apply",
            HeadChangeKind::Revert => "revert",
        }
    }
}

/// One head change.
#[derive(Clone, Debug)]
pub struct HeadChange {
    /// What happened.
    pub kind: HeadChangeKind,
    /// To which tipset.
    pub tipset: TipSet,
}

fn key_of(prefix: &str, rest: &[u8]) -> Vec<u8> {
    let mut k = prefix.as_bytes().to_vec();
    k.extend_from_slice(rest);
    k
}

fn height_key(h: i64) -> Vec<u8> {
    key_of("chain/height/", &h.to_be_bytes())
}

fn weight_key(tsk: &TipSetKey) -> Vec<u8> {
    key_of("chain/weight/", &tsk.to_bytes())
}

fn encode_key(tsk: &TipSetKey) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(&tsk.0).expect("CID lists encode")
}

fn decode_key(bytes: &[u8]) -> Result<TipSetKey> {
    Ok(TipSetKey(
        fvm_ipld_encoding::from_slice(bytes).context("corrupt tipset key in the datastore")?,
    ))
}

/// The chain store.
pub struct ChainStore {
    store: Arc<Store>,
    head: RwLock<Option<TipSet>>,
    cache: Mutex<BoundedMap<TipSetKey, TipSet>>,
    changes: broadcast::Sender<Vec<HeadChange>>,
    moving_head: Mutex<()>,
}

impl ChainStore {
    /// Opens the chain store on `store`, resuming from the persisted head if any.
    pub fn open(store: Arc<Store>) -> Result<ChainStore> {
        let (changes, _) = broadcast::channel(256);
        let cs = ChainStore {
            store,
            head: RwLock::new(None),
            cache: Mutex::new(BoundedMap::new(TIPSET_CACHE)),
            changes,
            moving_head: Mutex::new(()),
        };
        if let Some(bytes) = cs.meta(HEAD_KEY)? {
            let ts = cs
                .load_tipset(&decode_key(&bytes)?)
                .context("loading the persisted head")?;
            *cs.head.write().unwrap_or_else(|p| p.into_inner()) = Some(ts);
        }
        Ok(cs)
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Store::get(&self.store, COL_META, key)
    }

    /// The underlying datastore.
    pub fn blockstore(&self) -> &Arc<Store> {
        &self.store
    }

    /// Stores a header and returns its CID.
    pub fn put_header(&self, h: &BlockHeader) -> Result<Cid> {
        let cid = h.cid();
        self.store.put_keyed(&cid, &h.cbor())?;
        Ok(cid)
    }

    /// A stored header.
    pub fn get_header(&self, cid: &Cid) -> Result<Option<BlockHeader>> {
        match self.store.get(cid)? {
            Some(bytes) => Ok(Some(
                BlockHeader::decode(&bytes).map_err(|e| anyhow!("block {cid}: {e}"))?,
            )),
            None => Ok(None),
        }
    }

    /// Loads a tipset from its key.
    pub fn load_tipset(&self, key: &TipSetKey) -> Result<TipSet> {
        if let Some(ts) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
        {
            return Ok(ts);
        }
        let mut blocks = Vec::with_capacity(key.cids().len());
        for c in key.cids() {
            blocks.push(
                self.get_header(c)?
                    .ok_or_else(|| anyhow!("block {c} not found"))?,
            );
        }
        let ts = TipSet::new(blocks)?;
        if ts.key() != key {
            bail!("blocks of tipset key are not in tipset order");
        }
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(ts.key().clone(), ts.clone());
        Ok(ts)
    }

    /// The genesis block, once set.
    pub fn genesis(&self) -> Result<Option<BlockHeader>> {
        match self.meta(GENESIS_KEY)? {
            Some(b) => {
                let cid = Cid::try_from(b.as_slice()).context("corrupt genesis CID")?;
                self.get_header(&cid)
            }
            None => Ok(None),
        }
    }

    /// Records the genesis block (weight 0) and makes it the head of an empty chain. A store
    /// that already holds another genesis is refused.
    pub fn set_genesis(&self, genesis: &BlockHeader) -> Result<()> {
        let cid = self.put_header(genesis)?;
        if let Some(existing) = self.genesis()? {
            if existing.cid() != cid {
                bail!("this repo holds another chain (genesis {}), not genesis {cid}; use another --repo", existing.cid());
            }
            return Ok(());
        }
        let ts = TipSet::new(vec![genesis.clone()])?;
        self.store.commit(vec![
            (COL_META, GENESIS_KEY.to_vec(), Some(cid.to_bytes())),
            (
                COL_META,
                weight_key(ts.key()),
                Some(genesis.parent_weight.to_signed_bytes_be()),
            ),
        ])?;
        if self.head().is_none() {
            self.set_head(ts)?;
        }
        Ok(())
    }

    /// The current head.
    pub fn head(&self) -> Option<TipSet> {
        self.head.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records the weight of a tipset (computed by consensus) and stores its headers.
    pub fn put_tipset(&self, ts: &TipSet, weight: &BigInt) -> Result<()> {
        for b in ts.blocks() {
            self.put_header(b)?;
        }
        self.store.commit(vec![(
            COL_META,
            weight_key(ts.key()),
            Some(weight.to_signed_bytes_be()),
        )])?;
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(ts.key().clone(), ts.clone());
        Ok(())
    }

    /// The recorded weight of a tipset.
    pub fn weight(&self, key: &TipSetKey) -> Result<Option<BigInt>> {
        Ok(self
            .meta(&weight_key(key))?
            .map(|b| BigInt::from_signed_bytes_be(&b)))
    }

    /// Makes `ts` (already stored with its weight) the head if it is heavier than the
    /// current head, or equally heavy and wins the ticket tie-break. Returns whether it did.
    pub fn maybe_take_heavier(&self, ts: TipSet) -> Result<bool> {
        let w = self
            .weight(ts.key())?
            .ok_or_else(|| anyhow!("tipset {:?} has no recorded weight", ts.key()))?;
        if let Some(head) = self.head() {
            let hw = self.weight(head.key())?.unwrap_or_default();
            let better = match w.cmp(&hw) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => breaks_tie(&ts, &head),
            };
            if !better {
                return Ok(false);
            }
        }
        self.set_head(ts)?;
        Ok(true)
    }

    /// The reverts (newest first) and applies (oldest first) that lead from `from` to `to`.
    pub fn path(&self, from: &TipSet, to: &TipSet) -> Result<(Vec<TipSet>, Vec<TipSet>)> {
        let (mut a, mut b) = (from.clone(), to.clone());
        let (mut reverts, mut applies) = (Vec::new(), Vec::new());
        while a.key() != b.key() {
            if a.height() >= b.height() && a.height() > 0 {
                let parent = self.load_tipset(&a.parents())?;
                reverts.push(std::mem::replace(&mut a, parent));
            } else if b.height() > 0 {
                let parent = self.load_tipset(&b.parents())?;
                applies.push(std::mem::replace(&mut b, parent));
            } else {
                bail!("tipsets do not share a genesis");
            }
        }
        applies.reverse();
        Ok((reverts, applies))
    }

    /// Sets the head, updating the height and message indexes in the same atomic write as
    /// the head pointer, and announces the reverts and applies.
    pub fn set_head(&self, ts: TipSet) -> Result<()> {
        let _one_at_a_time = self.moving_head.lock().unwrap_or_else(|p| p.into_inner());
        let old = self.head();
        let (reverts, applies) = match &old {
            Some(old) => self.path(old, &ts)?,
            None => (Vec::new(), vec![ts.clone()]),
        };
        // Reverts first, then applies: a later write to the same key wins.
        let mut writes = MetaWrites::new();
        for r in &reverts {
            writes.insert(height_key(r.height()), None);
            msg_index::revert(&self.store, &mut writes, r, &self.tipset_message_cids(r)?)?;
        }
        for t in &applies {
            let below = if t.height() > 0 {
                self.load_tipset(&t.parents())?
            } else {
                t.clone()
            };
            for h in below.height() + 1..t.height() {
                writes.insert(height_key(h), Some(encode_key(below.key())));
            }
            writes.insert(height_key(t.height()), Some(encode_key(t.key())));
            msg_index::apply(&self.store, &mut writes, t, &self.tipset_message_cids(t)?)?;
        }
        writes.insert(HEAD_KEY.to_vec(), Some(encode_key(ts.key())));
        self.store
            .commit(writes.into_iter().map(|(k, v)| (COL_META, k, v)).collect())?;
        *self.head.write().unwrap_or_else(|p| p.into_inner()) = Some(ts);
        let mut batch: Vec<HeadChange> = reverts
            .into_iter()
            .map(|t| HeadChange {
                kind: HeadChangeKind::Revert,
                tipset: t,
            })
            .collect();
        batch.extend(applies.into_iter().map(|t| HeadChange {
            kind: HeadChangeKind::Apply,
            tipset: t,
        }));
        let _ = self.changes.send(batch);
        Ok(())
    }

    fn tipset_message_cids(&self, ts: &TipSet) -> Result<Vec<Cid>> {
        let mut out = Vec::new();
        for b in ts.blocks() {
            if self.store.has(&b.messages)? {
                let (bls, secp) = block_message_cids(self.store.as_ref(), &b.messages)?;
                out.extend(bls);
                out.extend(secp);
            }
        }
        Ok(out)
    }

    /// Subscribes to head changes (each event a batch: reverts, then applies).
    pub fn subscribe(&self) -> broadcast::Receiver<Vec<HeadChange>> {
        self.changes.subscribe()
    }
}

/// Fork-choice tie-break between equally heavy tipsets: position by position in ticket
/// order, the smaller ticket digest wins; if all compared positions are equal, the
/// current head stays.
fn breaks_tie(candidate: &TipSet, head: &TipSet) -> bool {
    for (c, h) in candidate.blocks().iter().zip(head.blocks()) {
        match c.ticket_digest().cmp(&h.ticket_digest()) {
            std::cmp::Ordering::Less => return true,
            std::cmp::Ordering::Greater => return false,
            std::cmp::Ordering::Equal => {}
        }
    }
    false
}

mod heights;
#[cfg(test)]
mod tests;
