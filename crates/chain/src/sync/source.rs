//! Where a sync gets tipsets from: [`TipsetSource`], answered by a peer over chain
//! exchange or, in process, by another chain ([`StoreSource`]).

use crate::messages::block_messages;
use crate::store::ChainStore;
use crate::validate::FullBlock;
use anyhow::{anyhow, Result};
use padma_types::block::{TipSet, TipSetKey};
use std::future::Future;
use std::sync::Arc;

/// The most tipsets one request may ask for (chain exchange's limit, `ChainFinality`).
pub const MAX_REQUEST_TIPSETS: u64 = 900;

/// One tipset as a source gave it.
#[derive(Clone, Debug)]
pub struct FetchedTipset {
    /// The tipset.
    pub tipset: TipSet,
    /// Its blocks with their messages, in the tipset's block order, when messages
    /// were asked for.
    pub blocks: Option<Vec<FullBlock>>,
}

/// A source of tipsets: a peer's chain, seen through chain exchange.
pub trait TipsetSource: Send + Sync {
    /// Up to `count` (at most [`MAX_REQUEST_TIPSETS`]) tipsets walking backwards from
    /// `head` inclusive, highest first, with their messages when `with_messages`. Fewer
    /// than asked is a partial answer, not an error. Whatever comes back is checked by
    /// the syncer: a source may be wrong or lie.
    fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> impl Future<Output = Result<Vec<FetchedTipset>>> + Send;
}

impl<T: TipsetSource> TipsetSource for &T {
    fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> impl Future<Output = Result<Vec<FetchedTipset>>> + Send {
        (**self).fetch(head, count, with_messages)
    }
}

impl<T: TipsetSource> TipsetSource for Arc<T> {
    fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> impl Future<Output = Result<Vec<FetchedTipset>>> + Send {
        (**self).fetch(head, count, with_messages)
    }
}

/// A [`TipsetSource`] over a chain store in the same process: what a peer serving
/// chain exchange from its store answers.
#[derive(Clone)]
pub struct StoreSource {
    chain: Arc<ChainStore>,
}

impl StoreSource {
    /// A source answering from `chain`.
    pub fn new(chain: Arc<ChainStore>) -> Self {
        StoreSource { chain }
    }

    /// The answer to a request, read synchronously.
    pub fn read(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> Result<Vec<FetchedTipset>> {
        let count = count.min(MAX_REQUEST_TIPSETS);
        let mut out = Vec::new();
        let mut key = head.clone();
        while (out.len() as u64) < count {
            let tipset = self.chain.load_tipset(&key)?;
            let blocks = if with_messages {
                let mut blocks = Vec::with_capacity(tipset.blocks().len());
                for h in tipset.blocks() {
                    let (bls_messages, secp_messages) =
                        block_messages(self.chain.blockstore().as_ref(), &h.messages)
                            .map_err(|e| anyhow!("messages of block {}: {e:#}", h.cid()))?;
                    blocks.push(FullBlock {
                        header: h.clone(),
                        bls_messages,
                        secp_messages,
                    });
                }
                Some(blocks)
            } else {
                None
            };
            let at_genesis = tipset.height() == 0;
            key = tipset.parents();
            out.push(FetchedTipset { tipset, blocks });
            if at_genesis {
                break;
            }
        }
        Ok(out)
    }
}

impl TipsetSource for StoreSource {
    async fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> Result<Vec<FetchedTipset>> {
        self.read(head, count, with_messages)
    }
}
