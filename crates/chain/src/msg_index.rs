//! The message index: message CID → the epoch and key of the canonical tipset that
//! included it (the tipset that executed it is that one's child on the chain). The
//! chain store updates it in the same atomic datastore write that moves the head, so
//! it survives restarts and never runs ahead of the head:
//! - an applied tipset indexes its messages, unless the message already has an entry
//!   below it (a duplicate inclusion; the earliest one is where the message executed);
//! - a reverted tipset removes the entries that name it, and only those.
//!
//! Entries that cannot be read (written by an older format, or damaged) count as
//! missing: the lookup falls back to walking the chain, and the next apply that
//! includes the message rewrites them.

use anyhow::Result;
use cid::Cid;
use padma_store::{Store, COL_META};
use padma_types::block::{TipSet, TipSetKey};
use std::collections::HashMap;

/// Meta-column writes gathered for one atomic commit: `None` deletes; for each key the
/// last write wins.
pub(crate) type MetaWrites = HashMap<Vec<u8>, Option<Vec<u8>>>;

/// Where the index says a message was included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Inclusion {
    /// The epoch of the including tipset.
    pub(crate) epoch: i64,
    /// The key of the including tipset.
    pub(crate) tipset: TipSetKey,
}

fn key(cid: &Cid) -> Vec<u8> {
    let mut k = b"chain/msg/".to_vec();
    k.extend_from_slice(&cid.to_bytes());
    k
}

fn encode(ts: &TipSet) -> Result<Vec<u8>> {
    Ok(fvm_ipld_encoding::to_vec(&(ts.height(), ts.key().cids()))?)
}

fn decode(bytes: &[u8]) -> Option<Inclusion> {
    let (epoch, cids): (i64, Vec<Cid>) = fvm_ipld_encoding::from_slice(bytes).ok()?;
    Some(Inclusion {
        epoch,
        tipset: TipSetKey(cids),
    })
}

/// The entry of `cid` as it will be after `writes` are committed.
fn pending(store: &Store, writes: &MetaWrites, k: &[u8]) -> Result<Option<Inclusion>> {
    let bytes = match writes.get(k) {
        Some(v) => v.clone(),
        None => Store::get(store, COL_META, k)?,
    };
    Ok(bytes.as_deref().and_then(decode))
}

/// Removes the entries of `messages` that name the reverted tipset `ts`.
pub(crate) fn revert(
    store: &Store,
    writes: &mut MetaWrites,
    ts: &TipSet,
    messages: &[Cid],
) -> Result<()> {
    for c in messages {
        let k = key(c);
        match pending(store, writes, &k)? {
            Some(e) if e.tipset != *ts.key() => {}
            _ => {
                writes.insert(k, None);
            }
        }
    }
    Ok(())
}

/// Indexes `messages` as included by the applied tipset `ts`, keeping an entry that
/// names a tipset below it.
pub(crate) fn apply(
    store: &Store,
    writes: &mut MetaWrites,
    ts: &TipSet,
    messages: &[Cid],
) -> Result<()> {
    let value = encode(ts)?;
    for c in messages {
        let k = key(c);
        match pending(store, writes, &k)? {
            Some(e) if e.epoch < ts.height() => {}
            _ => {
                writes.insert(k, Some(value.clone()));
            }
        }
    }
    Ok(())
}

/// The index's entry for `cid`, unchecked against the chain.
pub(crate) fn get(store: &Store, cid: &Cid) -> Result<Option<Inclusion>> {
    Ok(Store::get(store, COL_META, &key(cid))?
        .as_deref()
        .and_then(decode))
}
