//! The chain service: what turns blocks into a moving head. It accepts blocks
//! (validated, remembered as bad when invalid), groups them into the fullest tipset
//! of their epoch, records its weight and takes it as the head when it is heavier;
//! and it keeps the message pool in step with head changes.

use crate::bounded::BoundedMap;
use crate::inclusion::{Sender, SenderLookup};
use crate::mpool::{MessagePool, MpoolConfig, MpoolState};
use crate::sm::StateManager;
use crate::state_view::StateView;
use crate::store::{HeadChange, HeadChangeKind};
use crate::sync::SyncTracker;
use crate::validate::{compute_weight, validate_block, BlockError, FullBlock};
use anyhow::Result;
use cid::Cid;
use fvm_shared::address::Address;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use padma_types::block::{TipSet, TipSetKey};
use padma_types::message::{message_cid, BLOCK_GAS_LIMIT};
use padma_types::SignedMessage;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Bad blocks remembered.
const BAD_BLOCKS: usize = 8192;
/// BLS signatures remembered (so reverted BLS messages can return to the pool).
const BLS_SIGS: usize = 32768;

/// The message pool's view of the head: the state after executing the head tipset.
pub struct HeadState(Arc<StateManager>);

impl HeadState {
    fn view(&self) -> Result<StateView<Arc<padma_store::Store>>> {
        StateView::new(self.0.store().clone(), &self.0.head_state()?)
    }
}

impl SenderLookup for HeadState {
    fn sender(&self, addr: &Address) -> Result<Option<Sender>> {
        self.view()?.sender(addr)
    }
}

impl MpoolState for HeadState {
    fn nonce(&self, addr: &Address) -> Result<u64> {
        Ok(self
            .view()?
            .actor(addr)?
            .map(|(_, a)| a.sequence)
            .unwrap_or(0))
    }
    fn balance(&self, addr: &Address) -> Result<TokenAmount> {
        Ok(self
            .view()?
            .actor(addr)?
            .map(|(_, a)| a.balance)
            .unwrap_or_default())
    }
    fn key_address(&self, addr: &Address) -> Result<Address> {
        self.view()?.key_address(addr)
    }
}

/// Accepted blocks not yet below finality, by (parents, height): the blocks a
/// tipset of that epoch can be made of.
type Candidates = HashMap<(TipSetKey, i64), Vec<padma_types::block::BlockHeader>>;

/// The chain service.
pub struct ChainService {
    sm: Arc<StateManager>,
    mpool: MessagePool<HeadState>,
    bad: Mutex<BoundedMap<Cid, String>>,
    bls_sigs: Mutex<BoundedMap<Cid, Signature>>,
    candidates: Mutex<Candidates>,
    pub(crate) accepting: Mutex<()>,
    blocks: broadcast::Sender<FullBlock>,
    sync: Arc<SyncTracker>,
    pub(crate) checkpoint: Mutex<Option<TipSet>>,
}

impl ChainService {
    /// A service over the state manager with a message pool of `config`.
    pub fn new(sm: Arc<StateManager>, config: MpoolConfig) -> Arc<Self> {
        let (blocks, _) = broadcast::channel(64);
        Arc::new(ChainService {
            mpool: MessagePool::new(HeadState(sm.clone()), config),
            sm,
            bad: Mutex::new(BoundedMap::new(BAD_BLOCKS)),
            bls_sigs: Mutex::new(BoundedMap::new(BLS_SIGS)),
            candidates: Mutex::new(HashMap::new()),
            accepting: Mutex::new(()),
            blocks,
            sync: SyncTracker::new(),
            checkpoint: Mutex::new(None),
        })
    }

    /// The state manager.
    pub fn sm(&self) -> &Arc<StateManager> {
        &self.sm
    }

    /// The sync workers of this chain (what `SyncState` reports).
    pub fn sync_tracker(&self) -> &Arc<SyncTracker> {
        &self.sync
    }

    /// The message pool.
    pub fn mpool(&self) -> &MessagePool<HeadState> {
        &self.mpool
    }

    /// Pushes a message a client gave this node into the pool (remembering BLS
    /// signatures); where the pool keeps local messages, it is on disk when this returns.
    pub fn push_message(
        &self,
        m: SignedMessage,
        trusted: bool,
    ) -> Result<Cid, crate::mpool::MpoolError> {
        let bls = bls_signature(&m);
        let cid = self.mpool.push_local(m, trusted)?;
        self.remember_bls_signature(bls);
        Ok(cid)
    }

    /// Remembers a BLS message's signature (blocks carry BLS messages unsigned).
    pub(crate) fn remember_bls_signature(&self, sig: Option<(Cid, Signature)>) {
        if let Some((unsigned, sig)) = sig {
            self.bls_sigs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(unsigned, sig);
        }
    }

    /// Messages for a block on `base` (`MpoolSelect`): fee caps covering the base fee of
    /// `base`'s children, nonces following `base`'s computed state, within the block
    /// gas limit, every one passing the inclusion rule.
    pub fn select_messages(&self, base: &TipSet) -> Result<Vec<SignedMessage>> {
        let base_fee = self.sm.child_base_fee(base)?;
        let state = self.sm.tipset_state(base)?.state_root;
        let view = StateView::new(self.sm.store().clone(), &state)?;
        Ok(self.mpool.select(&view, &base_fee, BLOCK_GAS_LIMIT)?)
    }

    /// Why block `cid` was rejected, if it was.
    pub fn bad_block(&self, cid: &Cid) -> Option<String> {
        self.bad
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(cid)
            .cloned()
    }

    /// Marks block `cid` bad (`SyncMarkBad`): it will be refused.
    pub fn mark_bad(&self, cid: Cid, reason: String) {
        self.bad
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(cid, reason);
    }

    /// Forgets that block `cid` was bad (`SyncUnmarkBad`).
    pub fn unmark_bad(&self, cid: &Cid) {
        self.bad
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(cid);
    }

    /// Forgets every bad block (`SyncUnmarkAllBad`).
    pub fn unmark_all_bad(&self) {
        self.bad.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Blocks accepted from now on (what a network layer would gossip).
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<FullBlock> {
        self.blocks.subscribe()
    }

    /// Validates and accepts a block; returns whether the head changed. Invalid blocks
    /// are remembered as bad (with their reason) and refused again at once. An accepted
    /// block is announced to [`ChainService::subscribe_blocks`].
    pub fn submit_block(&self, b: FullBlock, now_ms: u64) -> Result<bool, BlockError> {
        let moved = self.check_and_accept(&b, now_ms)?;
        let _ = self.blocks.send(b);
        Ok(moved)
    }

    /// Validates and accepts the blocks of tipset `ts`, fetched by a sync with their
    /// messages (`blocks`, in the tipset's order), each as [`ChainService::submit_block`]
    /// does but without announcing it (history is not news); then records `ts` itself
    /// (the blocks accepted for its epoch may not form exactly it, as after a restart)
    /// and takes it as the head when it is heavier. Returns whether the head changed;
    /// a refused block comes back as its index in the tipset, with why.
    pub fn submit_tipset(
        &self,
        ts: &TipSet,
        blocks: Vec<FullBlock>,
        now_ms: u64,
    ) -> Result<bool, (usize, BlockError)> {
        if blocks.len() != ts.blocks().len()
            || blocks.iter().zip(ts.blocks()).any(|(b, h)| &b.header != h)
        {
            return Err((
                0,
                BlockError::Temporary("the blocks given are not the tipset's".into()),
            ));
        }
        let mut moved = false;
        for (i, b) in blocks.iter().enumerate() {
            moved |= self.check_and_accept(b, now_ms).map_err(|e| (i, e))?;
        }
        let temporary = |e: anyhow::Error| (0, BlockError::Temporary(format!("{e:#}")));
        let cs = self.sm.chain();
        if cs.weight(ts.key()).map_err(temporary)?.is_none() {
            let _one_at_a_time = self.accepting.lock().unwrap_or_else(|p| p.into_inner());
            let weight = compute_weight(&self.sm, ts).map_err(|e| (0, e))?;
            cs.put_tipset(ts, &weight).map_err(temporary)?;
            moved |= cs.maybe_take_heavier(ts.clone()).map_err(temporary)?;
        }
        Ok(moved)
    }

    /// Validates and accepts a block (see [`ChainService::submit_block`]).
    fn check_and_accept(&self, b: &FullBlock, now_ms: u64) -> Result<bool, BlockError> {
        let cid = b.header.cid();
        if let Some(reason) = self.bad_block(&cid) {
            return Err(BlockError::Invalid(format!(
                "block {cid} was marked bad: {reason}"
            )));
        }
        let _one_at_a_time = self.accepting.lock().unwrap_or_else(|p| p.into_inner());
        if self
            .sm
            .chain()
            .get_header(&cid)
            .map_err(|e| BlockError::Temporary(format!("{e:#}")))?
            .is_some()
            && self.is_candidate(b)
        {
            return Ok(false);
        }
        if let Err(e) = validate_block(&self.sm, b, now_ms) {
            if let BlockError::Invalid(reason) = &e {
                tracing::warn!(block = %cid, height = b.header.height, %reason, "invalid block");
                self.bad
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(cid, reason.clone());
            }
            return Err(e);
        }
        self.accept(b)
            .map_err(|e| BlockError::Temporary(format!("{e:#}")))
    }

    fn is_candidate(&self, b: &FullBlock) -> bool {
        let key = (TipSetKey(b.header.parents.clone()), b.header.height);
        self.candidates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .is_some_and(|v| v.iter().any(|h| h.cid() == b.header.cid()))
    }

    /// Records a validated block, forms the fullest tipset of its epoch and parents,
    /// and takes it as the head if it is heavier.
    fn accept(&self, b: &FullBlock) -> Result<bool> {
        let cs = self.sm.chain();
        cs.put_header(&b.header)?;
        let key = (TipSetKey(b.header.parents.clone()), b.header.height);
        let blocks = {
            let mut c = self.candidates.lock().unwrap_or_else(|p| p.into_inner());
            let floor = self.sm.head().height() - crate::consensus::CHAIN_FINALITY;
            c.retain(|(_, h), _| *h >= floor);
            let v = c.entry(key).or_default();
            let cid = b.header.cid();
            if !v.iter().any(|h| h.cid() == cid) {
                v.push(b.header.clone());
            }
            // The block with the others of its epoch and parents, one per miner: a
            // miner with two blocks there equivocated, and its other block stays out.
            let mut miners = std::collections::HashSet::from([b.header.miner]);
            let mut blocks = vec![b.header.clone()];
            blocks.extend(
                v.iter()
                    .filter(|h| h.cid() != cid && miners.insert(h.miner))
                    .cloned(),
            );
            blocks
        };
        let ts = TipSet::new(blocks)?;
        let weight = compute_weight(&self.sm, &ts).map_err(|e| anyhow::anyhow!("{e}"))?;
        cs.put_tipset(&ts, &weight)?;
        let moved = self.allowed_by_checkpoint(&ts)? && cs.maybe_take_heavier(ts.clone())?;
        if moved {
            tracing::info!(height = ts.height(), blocks = ts.blocks().len(), %weight, "new head");
        }
        Ok(moved)
    }

    /// Applies one batch of head changes to the message pool.
    pub fn update_mpool(&self, batch: &[HeadChange]) {
        let mut reverted = Vec::new();
        let mut applied = Vec::new();
        for ch in batch {
            let msgs = match self.tipset_signed_messages(&ch.tipset) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(height = ch.tipset.height(), "mpool update: {e:#}");
                    continue;
                }
            };
            match ch.kind {
                HeadChangeKind::Revert => reverted.extend(msgs),
                HeadChangeKind::Apply => applied.extend(msgs),
                HeadChangeKind::Current => {}
            }
        }
        // A message reverted and re-applied in the same batch stays out of the pool.
        let applied_cids: std::collections::HashSet<Cid> =
            applied.iter().map(|m: &SignedMessage| m.cid()).collect();
        reverted.retain(|m| !applied_cids.contains(&m.cid()));
        self.mpool.head_changed(&reverted, &applied);
    }

    /// The messages of a tipset as signed messages (BLS ones with their remembered
    /// signature, or an empty one when it is not known).
    fn tipset_signed_messages(&self, ts: &TipSet) -> Result<Vec<SignedMessage>> {
        let mut out = Vec::new();
        let sigs = self.bls_sigs.lock().unwrap_or_else(|p| p.into_inner());
        for b in ts.blocks() {
            let (bls, secp) =
                crate::messages::block_messages(self.sm.store().as_ref(), &b.messages)?;
            for m in bls {
                let signature = sigs
                    .get(&message_cid(&m))
                    .cloned()
                    .unwrap_or_else(|| Signature::new_bls(Vec::new()));
                out.push(SignedMessage {
                    message: m,
                    signature,
                });
            }
            out.extend(secp);
        }
        Ok(out)
    }

    /// Keeps the message pool in step with the head until the chain store goes away,
    /// on a task of its own.
    pub fn spawn_mpool_updater(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.mpool_updater())
    }

    /// What [`ChainService::spawn_mpool_updater`] runs, for a caller that runs it as
    /// one of its services: it keeps no strong reference to the service.
    pub fn mpool_updater(
        self: &Arc<Self>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.sm.chain().subscribe();
        let svc = Arc::downgrade(self);
        async move {
            loop {
                let batch = match rx.recv().await {
                    Ok(b) => b,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("mpool missed {n} head changes");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let Some(svc) = svc.upgrade() else { return };
                let _ = tokio::task::spawn_blocking(move || svc.update_mpool(&batch)).await;
            }
        }
    }
}

/// A BLS message's unsigned CID and signature, to remember once it is in the pool.
pub(crate) fn bls_signature(m: &SignedMessage) -> Option<(Cid, Signature)> {
    (m.signature.sig_type == fvm_shared::crypto::signature::SignatureType::BLS)
        .then(|| (message_cid(&m.message), m.signature.clone()))
}
