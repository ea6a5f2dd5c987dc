//! Lookups by height on the chain store: the canonical tipset at a height (from the
//! height index), whether a tipset is canonical, the tipset at or after a height on any
//! chain (the index where that chain joins the canonical one, a walk before), and the
//! canonical tipset that included a message (the message index, checked against the
//! height index).

use super::{decode_key, encode_key, height_key, ChainStore};
use crate::msg_index;
use anyhow::{anyhow, bail, Result};
use cid::Cid;
use padma_types::block::{TipSet, TipSetKey};

impl ChainStore {
    /// The canonical tipset at height `h`, or the one below it when `h` was a null round.
    pub fn tipset_by_height(&self, h: i64) -> Result<TipSet> {
        let head = self
            .head()
            .ok_or_else(|| anyhow!("the chain has no head yet"))?;
        if h > head.height() {
            bail!(
                "looking for tipset with height greater than start point (height {h}, head {})",
                head.height()
            );
        }
        if h < 0 {
            bail!("height {h} is negative");
        }
        let bytes = self
            .meta(&height_key(h))?
            .ok_or_else(|| anyhow!("no canonical tipset indexed at height {h}"))?;
        self.load_tipset(&decode_key(&bytes)?)
    }

    /// Whether the height index names `key` at height `h` (the tipset is canonical).
    pub fn is_canonical_at(&self, h: i64, key: &TipSetKey) -> Result<bool> {
        Ok(self.meta(&height_key(h))? == Some(encode_key(key)))
    }

    /// Whether `ts` is on the canonical chain (an error reading the index counts as no).
    pub fn is_canonical(&self, ts: &TipSet) -> bool {
        self.is_canonical_at(ts.height(), ts.key()).unwrap_or(false)
    }

    /// The tipset at height `h` on the chain ending at `ts`. When `h` was a null round,
    /// the tipset below it (`prev`, Lotus's `ChainGetTipSetByHeight`) or the first one
    /// after it (Lotus's `ChainGetTipSetAfterHeight`).
    pub fn tipset_at_height(&self, ts: &TipSet, h: i64, prev: bool) -> Result<TipSet> {
        if h < 0 {
            bail!("height {h} is negative");
        }
        if h > ts.height() {
            bail!(
                "looking for tipset with height greater than start point (height {h}, start {})",
                ts.height()
            );
        }
        let mut cur = ts.clone();
        loop {
            if cur.height() == h {
                return Ok(cur);
            }
            if self.is_canonical(&cur) {
                // The index answers for the rest of the way down.
                let at = self.tipset_by_height(h)?;
                if at.height() == h || prev {
                    return Ok(at);
                }
                for k in h + 1..=cur.height() {
                    let t = self.tipset_by_height(k)?;
                    if t.height() > h {
                        return Ok(t);
                    }
                }
                return Ok(cur);
            }
            let parent = self.load_tipset(&cur.parents())?;
            if parent.height() < h {
                return Ok(if prev { parent } else { cur });
            }
            cur = parent;
        }
    }

    /// The canonical tipset that included message `cid`, if the message index knows one
    /// (an entry whose tipset is not canonical at its epoch is no answer).
    pub fn message_inclusion(&self, cid: &Cid) -> Result<Option<TipSet>> {
        let Some(entry) = msg_index::get(&self.store, cid)? else {
            return Ok(None);
        };
        if !self.is_canonical_at(entry.epoch, &entry.tipset)? {
            return Ok(None);
        }
        let ts = self.load_tipset(&entry.tipset)?;
        Ok((ts.height() == entry.epoch).then_some(ts))
    }
}
