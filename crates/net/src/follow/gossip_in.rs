//! Validating what peers gossip before gossipsub forwards it: a block goes through the
//! block path local blocks take (its messages found here or fetched by bitswap); a
//! message goes through the pool's checks. Invalid payloads are rejected (which counts
//! against the peer's gossip score, and the peer is penalised), ones that cannot be
//! judged now are ignored.

use super::Follower;
use crate::wire::gossip::{decode_gossip_message, BlockMsg};
use fvm_ipld_blockstore::Blockstore;
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;
use padma_chain::mpool::MpoolError;
use padma_chain::network::now_ms;
use padma_chain::validate::{BlockError, FullBlock};
use padma_types::block::TipSetKey;

impl Follower {
    pub(super) async fn on_gossip_block(&self, source: PeerId, data: &[u8]) -> MessageAcceptance {
        let msg = match BlockMsg::decode(data) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .reject(source, format!("malformed gossiped block: {e}"))
                    .await
            }
        };
        let cid = msg.header.cid();
        if !msg.messages_match_header() {
            let why = format!("gossiped block {cid}: its message lists are not its header's");
            return self.reject(source, why).await;
        }
        if let Some(reason) = self.svc.bad_block(&cid) {
            return self
                .reject(
                    source,
                    format!("gossiped block {cid} is known bad: {reason}"),
                )
                .await;
        }
        let parents = TipSetKey(msg.header.parents.clone());
        if !self.syncer.is_known(&parents).unwrap_or(true) {
            // Its parents are unknown here, so it cannot be judged (nor its messages
            // worth fetching): catch up through the peer that forwarded it instead.
            let h = &msg.header;
            self.targets.offer(
                source,
                TipSetKey(vec![cid]),
                h.height,
                h.parent_weight.clone(),
            );
            tracing::debug!(block = %cid, "gossiped block on unknown parents");
            return MessageAcceptance::Ignore;
        }
        let block = match self.block_with_messages(msg).await {
            Ok(b) => b,
            Err(e) => {
                tracing::info!(peer = %source, block = %cid, "dropping a gossiped block: {e:#}");
                return MessageAcceptance::Ignore;
            }
        };
        let height = block.header.height;
        let parent_weight = block.header.parent_weight.clone();
        let svc = self.svc.clone();
        let outcome = tokio::task::spawn_blocking(move || svc.submit_block(block, now_ms())).await;
        match outcome {
            Ok(Ok(_)) => MessageAcceptance::Accept,
            Ok(Err(BlockError::Invalid(reason))) => {
                self.reject(source, format!("invalid gossiped block {cid}: {reason}"))
                    .await
            }
            Ok(Err(BlockError::Temporary(reason))) => {
                if !self.syncer.is_known(&parents).unwrap_or(true) {
                    // Its parents are unknown here: catch up through the peer that
                    // forwarded it, which has them.
                    self.targets
                        .offer(source, TipSetKey(vec![cid]), height, parent_weight);
                }
                tracing::debug!(block = %cid, "gossiped block not accepted for now: {reason}");
                MessageAcceptance::Ignore
            }
            Err(e) => {
                tracing::warn!("validating a gossiped block: {e}");
                MessageAcceptance::Ignore
            }
        }
    }

    /// Rejects what `source` forwarded: gossipsub counts it against the peer's topic
    /// score, and the host lowers its application score (an honest peer validates what
    /// it forwards, so it never forwards this).
    async fn reject(&self, source: PeerId, why: String) -> MessageAcceptance {
        let _ = self.net.penalise(source, why).await;
        MessageAcceptance::Reject
    }

    /// The block with its messages, found here or fetched by bitswap.
    async fn block_with_messages(&self, msg: BlockMsg) -> anyhow::Result<FullBlock> {
        let svc = self.svc.clone();
        let (bls, secp) = (msg.bls_messages.clone(), msg.secpk_messages.clone());
        let found =
            tokio::task::spawn_blocking(move || svc.find_block_messages(&bls, &secp)).await??;
        let missing: Vec<cid::Cid> = found
            .missing(&msg.bls_messages, &msg.secpk_messages)
            .into_iter()
            .copied()
            .collect();
        let (bls, secp) = if missing.is_empty() {
            found
                .complete()
                .ok_or_else(|| anyhow::anyhow!("messages went missing"))?
        } else {
            for c in &missing {
                let bytes = self.net.fetch_block(*c).await?;
                self.svc.sm().store().put_keyed(c, &bytes)?;
            }
            let svc = self.svc.clone();
            let (b, s) = (msg.bls_messages.clone(), msg.secpk_messages.clone());
            let found =
                tokio::task::spawn_blocking(move || svc.find_block_messages(&b, &s)).await??;
            found
                .complete()
                .ok_or_else(|| anyhow::anyhow!("a fetched message is not of its kind"))?
        };
        Ok(FullBlock {
            header: msg.header,
            bls_messages: bls,
            secp_messages: secp,
        })
    }

    pub(super) async fn on_gossip_message(&self, source: PeerId, data: &[u8]) -> MessageAcceptance {
        let m = match decode_gossip_message(data) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .reject(source, format!("malformed gossiped message: {e}"))
                    .await
            }
        };
        let svc = self.svc.clone();
        let cid = m.cid();
        match tokio::task::spawn_blocking(move || svc.push_remote_message(m)).await {
            Ok(Ok(_)) => MessageAcceptance::Accept,
            Ok(Err(
                e @ (MpoolError::BadSignature(_) | MpoolError::TooBig(_) | MpoolError::Invalid(_)),
            )) => {
                self.reject(source, format!("invalid gossiped message {cid}: {e}"))
                    .await
            }
            Ok(Err(e)) => {
                tracing::debug!(message = %cid, "gossiped message not added: {e}");
                MessageAcceptance::Ignore
            }
            Err(_) => MessageAcceptance::Ignore,
        }
    }
}
