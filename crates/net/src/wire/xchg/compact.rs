//! A tipset's messages in chain exchange's compacted form and back.

use super::{BsTipSet, CompactedMessages};
use cid::Cid;
use padma_chain::validate::FullBlock;
use padma_types::block::BlockHeader;
use padma_types::message::message_cid;
use std::collections::HashMap;

/// The most message bytes [`expand`] hands out for one tipset: what blocks at the
/// block gas limit could hold (about 8 MiB each) for a tipset of 32 blocks. Without
/// such a bound a small response whose every block includes one large message many
/// times would expand to far more memory than it took on the wire.
pub const MAX_EXPANDED_MESSAGE_BYTES: usize = 256 << 20;

/// The most messages one block may carry (Lotus `BlockMessageLimit`).
const BLOCK_MESSAGE_LIMIT: usize = 10_000;

/// What a message costs [`expand`]'s budget: its parameters plus room for the rest.
fn message_weight(m: &fvm_shared::message::Message) -> usize {
    m.params.len().saturating_add(256)
}

/// Why a [`BsTipSet`]'s messages do not fit its blocks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// The tipset carries no messages.
    #[error("no messages for the tipset")]
    NoMessages,
    /// An include list per block is missing or extra.
    #[error("{kind} includes for {lists} blocks, but the tipset has {blocks}")]
    IncludeCount {
        /// `bls` or `secpk`.
        kind: &'static str,
        /// How many include lists.
        lists: usize,
        /// How many blocks.
        blocks: usize,
    },
    /// An index past the end of the message list.
    #[error("{kind} include index {index} out of range ({len} messages)")]
    IndexOutOfRange {
        /// `bls` or `secpk`.
        kind: &'static str,
        /// The index.
        index: u64,
        /// How many messages there are.
        len: usize,
    },
    /// A block includes more than 10,000 messages.
    #[error("block {block} includes {count} messages, over the limit of {BLOCK_MESSAGE_LIMIT}")]
    TooManyMessages {
        /// The block's index in the tipset.
        block: usize,
        /// How many it includes.
        count: usize,
    },
    /// The expanded messages would exceed [`MAX_EXPANDED_MESSAGE_BYTES`].
    #[error("the tipset's messages expand past {MAX_EXPANDED_MESSAGE_BYTES} bytes")]
    TooLarge,
}

/// Compacts the messages of a tipset's blocks (in tipset order): each distinct message
/// once, in order of first appearance, and per block the indexes of its messages in
/// the block's order.
pub fn compact(blocks: &[FullBlock]) -> CompactedMessages {
    let mut out = CompactedMessages::default();
    let mut bls_index: HashMap<Cid, u64> = HashMap::new();
    let mut secp_index: HashMap<Cid, u64> = HashMap::new();
    for b in blocks {
        let mut includes = Vec::with_capacity(b.bls_messages.len());
        for m in &b.bls_messages {
            let i = *bls_index.entry(message_cid(m)).or_insert_with(|| {
                out.bls.push(m.clone());
                out.bls.len() as u64 - 1
            });
            includes.push(i);
        }
        out.bls_includes.push(includes);
        let mut includes = Vec::with_capacity(b.secp_messages.len());
        for m in &b.secp_messages {
            let i = *secp_index.entry(m.cid()).or_insert_with(|| {
                out.secpk.push(m.clone());
                out.secpk.len() as u64 - 1
            });
            includes.push(i);
        }
        out.secpk_includes.push(includes);
    }
    out
}

/// Picks the messages `includes` names from `pool`, charging `budget`.
fn pick<T: Clone>(
    kind: &'static str,
    pool: &[T],
    includes: &[u64],
    weight: impl Fn(&T) -> usize,
    budget: &mut usize,
) -> Result<Vec<T>, ExpandError> {
    let mut out = Vec::with_capacity(includes.len());
    for &index in includes {
        let m = usize::try_from(index)
            .ok()
            .and_then(|i| pool.get(i))
            .ok_or(ExpandError::IndexOutOfRange {
                kind,
                index,
                len: pool.len(),
            })?;
        *budget = budget.checked_sub(weight(m)).ok_or(ExpandError::TooLarge)?;
        out.push(m.clone());
    }
    Ok(out)
}

/// The full blocks of a tipset from its headers and compacted messages, in the order
/// of `ts.blocks`. Every include list and index is checked first; nothing here panics
/// on what a peer sent.
pub fn expand(ts: &BsTipSet) -> Result<Vec<FullBlock>, ExpandError> {
    expand_parts(&ts.blocks, ts.messages.as_ref())
}

/// [`expand`] over headers and messages held apart.
pub(crate) fn expand_parts(
    headers: &[BlockHeader],
    msgs: Option<&CompactedMessages>,
) -> Result<Vec<FullBlock>, ExpandError> {
    expand_parts_within(headers, msgs, MAX_EXPANDED_MESSAGE_BYTES)
}

/// [`expand_parts`] handing out at most `budget` message bytes.
pub(crate) fn expand_parts_within(
    headers: &[BlockHeader],
    msgs: Option<&CompactedMessages>,
    mut budget: usize,
) -> Result<Vec<FullBlock>, ExpandError> {
    let msgs = msgs.ok_or(ExpandError::NoMessages)?;
    let blocks = headers.len();
    for (kind, lists) in [
        ("bls", msgs.bls_includes.len()),
        ("secpk", msgs.secpk_includes.len()),
    ] {
        if lists != blocks {
            return Err(ExpandError::IncludeCount {
                kind,
                lists,
                blocks,
            });
        }
    }
    let mut out = Vec::with_capacity(blocks);
    for (block, ((header, bls), secp)) in headers
        .iter()
        .zip(&msgs.bls_includes)
        .zip(&msgs.secpk_includes)
        .enumerate()
    {
        let count = bls.len().saturating_add(secp.len());
        if count > BLOCK_MESSAGE_LIMIT {
            return Err(ExpandError::TooManyMessages { block, count });
        }
        out.push(FullBlock {
            header: header.clone(),
            bls_messages: pick("bls", &msgs.bls, bls, message_weight, &mut budget)?,
            secp_messages: pick(
                "secpk",
                &msgs.secpk,
                secp,
                |m| message_weight(&m.message),
                &mut budget,
            )?,
        });
    }
    Ok(out)
}
