//! `SyncCheckpoint`: a tipset the chain must keep. Once set, the head moves to it if it
//! is not already on top of it, and no tipset that does not descend from it becomes the
//! head (Lotus's checkpoint, kept for the life of the process).

use crate::service::ChainService;
use anyhow::{Context, Result};
use padma_types::block::{TipSet, TipSetKey};

impl ChainService {
    /// Sets the checkpoint to the known tipset of `key`; when the head does not descend
    /// from it, the head moves to it.
    pub fn set_checkpoint(&self, key: &TipSetKey) -> Result<()> {
        let cs = self.sm().chain();
        let ts = cs
            .load_tipset(key)
            .context("failed to retrieve checkpoint tipset")?;
        let _one_at_a_time = self.accepting.lock().unwrap_or_else(|p| p.into_inner());
        *self.checkpoint.lock().unwrap_or_else(|p| p.into_inner()) = Some(ts.clone());
        let head = self.sm().head();
        if !self.descends_from(&head, &ts)? {
            tracing::info!(
                height = ts.height(),
                "moving the head back to the checkpoint"
            );
            cs.set_head(ts)?;
        }
        Ok(())
    }

    /// Whether `ts` may become the head under the checkpoint.
    pub(crate) fn allowed_by_checkpoint(&self, ts: &TipSet) -> Result<bool> {
        let checkpoint = self
            .checkpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match checkpoint {
            Some(c) => self.descends_from(ts, &c),
            None => Ok(true),
        }
    }

    /// Whether `ancestor` is `ts` or one of its ancestors.
    pub fn descends_from(&self, ts: &TipSet, ancestor: &TipSet) -> Result<bool> {
        let cs = self.sm().chain();
        let mut cur = ts.clone();
        while cur.height() > ancestor.height() {
            cur = cs.load_tipset(&cur.parents())?;
        }
        Ok(cur.key() == ancestor.key())
    }
}

impl ChainService {
    /// Validates every block of the known tipset of `key` again (`SyncValidateTipset`):
    /// false when one breaks a rule.
    pub fn revalidate_tipset(&self, key: &TipSetKey, now_ms: u64) -> Result<bool> {
        let ts = self.sm().chain().load_tipset(key)?;
        for h in ts.blocks() {
            let (bls, secp) =
                crate::messages::block_messages(self.sm().store().as_ref(), &h.messages)?;
            let b = crate::validate::FullBlock {
                header: h.clone(),
                bls_messages: bls,
                secp_messages: secp,
            };
            match crate::validate::validate_block(self.sm(), &b, now_ms) {
                Ok(()) => {}
                Err(crate::validate::BlockError::Invalid(reason)) => {
                    tracing::info!(block = %h.cid(), "tipset validation: {reason}");
                    return Ok(false);
                }
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            }
        }
        Ok(true)
    }
}
