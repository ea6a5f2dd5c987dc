//! Finding a block's message bodies by CID — in the store (messages of blocks already
//! seen, or gossiped and written) or in the message pool — for a block announced by
//! CIDs only (`SyncSubmitBlock`, a gossiped block).

use crate::service::ChainService;
use anyhow::Result;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::message::Message;
use padma_types::message::{decode_message, decode_signed_message, message_cid};
use padma_types::SignedMessage;
use std::collections::HashMap;

/// A block's messages as far as they were found.
#[derive(Debug, Default)]
pub struct FoundMessages {
    /// The BLS messages, `None` where not found.
    pub bls: Vec<Option<Message>>,
    /// The secp messages, `None` where not found.
    pub secp: Vec<Option<SignedMessage>>,
}

impl FoundMessages {
    /// The CIDs not found (BLS ones first).
    pub fn missing<'a>(&self, bls: &'a [Cid], secp: &'a [Cid]) -> Vec<&'a Cid> {
        let b = bls.iter().zip(&self.bls).filter(|(_, m)| m.is_none());
        let s = secp.iter().zip(&self.secp).filter(|(_, m)| m.is_none());
        b.map(|(c, _)| c).chain(s.map(|(c, _)| c)).collect()
    }

    /// All of them, when every one was found.
    pub fn complete(self) -> Option<(Vec<Message>, Vec<SignedMessage>)> {
        let bls = self.bls.into_iter().collect::<Option<Vec<_>>>()?;
        let secp = self.secp.into_iter().collect::<Option<Vec<_>>>()?;
        Some((bls, secp))
    }
}

impl ChainService {
    /// Looks up the bodies of the messages `bls` (unsigned-message CIDs) and `secp`
    /// (signed-message CIDs) in the store, then in the pool. A stored body that does not
    /// decode as its kind counts as not found.
    pub fn find_block_messages(&self, bls: &[Cid], secp: &[Cid]) -> Result<FoundMessages> {
        let store = self.sm().store();
        let mut found = FoundMessages::default();
        for c in bls {
            let m = store.get(c)?.and_then(|b| decode_message(&b).ok());
            found.bls.push(m);
        }
        for c in secp {
            let m = store.get(c)?.and_then(|b| decode_signed_message(&b).ok());
            found.secp.push(m);
        }
        if found.bls.iter().all(Option::is_some) && found.secp.iter().all(Option::is_some) {
            return Ok(found);
        }
        let mut pool_unsigned = HashMap::new();
        let mut pool_signed = HashMap::new();
        for m in self.mpool().pending() {
            pool_unsigned.insert(message_cid(&m.message), m.message.clone());
            pool_signed.insert(m.cid(), m);
        }
        for (c, slot) in bls.iter().zip(found.bls.iter_mut()) {
            if slot.is_none() {
                *slot = pool_unsigned.get(c).cloned();
            }
        }
        for (c, slot) in secp.iter().zip(found.secp.iter_mut()) {
            if slot.is_none() {
                *slot = pool_signed.get(c).cloned();
            }
        }
        Ok(found)
    }

    /// Adds a message a peer gossiped to the pool (not kept as local).
    pub fn push_remote_message(&self, m: SignedMessage) -> Result<Cid, crate::mpool::MpoolError> {
        let bls = crate::service::bls_signature(&m);
        let cid = self.mpool().push(m, false)?;
        self.remember_bls_signature(bls);
        Ok(cid)
    }
}
