//! The state manager: the state after each tipset (executing it when needed, with the
//! results kept in a bounded cache and in the datastore so a restart does not redo
//! them), the VM environment for a tipset, receipts, and the consensus views of a
//! miner (see [`base_info`](crate::base_info)).

use crate::bounded::BoundedMap;
use crate::consensus::beacon::Beacon;
use crate::externs::{ActorProofs, ChainRandomness};
use crate::messages::block_messages;
use crate::network::NetworkParams;
use crate::state_view::StateView;
use crate::store::ChainStore;
use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::receipt::Receipt;
use padma_state::policy::Policy;
use padma_state::vm::{BlockMessages, ChainMessage, Engine, LotusSupply, TipsetResult, VmEnv};
use padma_store::{Store, COL_META};
use padma_types::block::{BlockHeader, TipSet, TipSetKey};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Tipset outcomes kept in memory.
const EXEC_CACHE: usize = 2048;

/// What executing a tipset produced: its children's parent state and receipts, and
/// which messages were applied (in receipt order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecOutcome {
    /// The state root after the tipset.
    pub state_root: Cid,
    /// The receipts AMT (v0) root.
    pub receipts_root: Cid,
    /// CIDs of the applied messages, in receipt order.
    pub applied: Vec<Cid>,
}

fn outcome_key(k: &TipSetKey) -> Vec<u8> {
    let mut out = b"sm/outcome/".to_vec();
    out.extend_from_slice(&k.to_bytes());
    out
}

/// The state manager.
pub struct StateManager {
    cs: Arc<ChainStore>,
    genesis: BlockHeader,
    params: NetworkParams,
    policy: Policy,
    beacon: Arc<dyn Beacon>,
    proofs: ActorProofs,
    verifier: Arc<dyn padma_proofs::ProofVerifier>,
    supply: LotusSupply,
    engine: Arc<dyn Engine<Arc<Store>>>,
    cache: Mutex<BoundedMap<TipSetKey, Arc<ExecOutcome>>>,
    executing: Mutex<()>,
}

impl StateManager {
    /// A state manager over the chain store, for a network with `params`, executing
    /// with `engine`.
    pub fn new(
        cs: Arc<ChainStore>,
        genesis: BlockHeader,
        params: NetworkParams,
        beacon: Arc<dyn Beacon>,
        verifier: Arc<dyn padma_proofs::ProofVerifier>,
        engine: Arc<dyn Engine<Arc<Store>>>,
    ) -> Self {
        StateManager {
            cs,
            genesis,
            params,
            policy: padma_state::policy::devnet_policy(),
            beacon,
            proofs: ActorProofs(verifier.clone()),
            verifier,
            supply: LotusSupply::devnet(),
            engine,
            cache: Mutex::new(BoundedMap::new(EXEC_CACHE)),
            executing: Mutex::new(()),
        }
    }

    /// The chain store.
    pub fn chain(&self) -> &Arc<ChainStore> {
        &self.cs
    }

    /// The datastore.
    pub fn store(&self) -> &Arc<Store> {
        self.cs.blockstore()
    }

    /// The genesis block.
    pub fn genesis(&self) -> &BlockHeader {
        &self.genesis
    }

    /// The genesis tipset.
    pub fn genesis_tipset(&self) -> TipSet {
        TipSet::new(vec![self.genesis.clone()]).expect("one block is a tipset")
    }

    /// The current head (the genesis until blocks arrive).
    pub fn head(&self) -> TipSet {
        self.cs.head().unwrap_or_else(|| self.genesis_tipset())
    }

    /// The tipset of `key`; the empty key is the head.
    pub fn tipset(&self, key: &TipSetKey) -> Result<TipSet> {
        if key.is_empty() {
            return Ok(self.head());
        }
        self.cs.load_tipset(key)
    }

    /// The network's parameters.
    pub fn params(&self) -> &NetworkParams {
        &self.params
    }

    /// The actors' policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The beacon.
    pub fn beacon(&self) -> &dyn Beacon {
        self.beacon.as_ref()
    }

    /// The proof verifier (real or mock, as the network declares).
    pub fn verifier(&self) -> &Arc<dyn padma_proofs::ProofVerifier> {
        &self.verifier
    }

    /// Randomness and tipset CIDs from the chain ending at `ts`.
    pub fn randomness(&self, ts: TipSet) -> ChainRandomness {
        ChainRandomness {
            cs: self.cs.clone(),
            ts,
            beacon: self.beacon.clone(),
        }
    }

    /// The VM environment of a message executing at `epoch` on the chain ending at
    /// `ts` (randomness from that chain, its timestamp), with base fee `base_fee`.
    pub fn env(&self, ts: &TipSet, epoch: i64, base_fee: fvm_shared::econ::TokenAmount) -> VmEnv {
        VmEnv {
            epoch,
            timestamp: ts.min_timestamp(),
            base_fee,
            network_version: padma_state::policy::NETWORK_VERSION,
            policy: self.policy.clone(),
            randomness: Arc::new(self.randomness(ts.clone())),
            proofs: Arc::new(self.proofs.clone()),
            supply: Arc::new(self.supply.clone()),
        }
    }

    /// The engine this network's state is executed with.
    pub fn engine(&self) -> &Arc<dyn Engine<Arc<Store>>> {
        &self.engine
    }

    /// The messages of each block of `ts`, as the VM takes them.
    pub fn block_messages(&self, ts: &TipSet) -> Result<Vec<BlockMessages>> {
        ts.blocks()
            .iter()
            .map(|b| {
                let (bls, secp) = block_messages(self.store().as_ref(), &b.messages)
                    .with_context(|| format!("loading the messages of block {}", b.cid()))?;
                let mut messages: Vec<ChainMessage> =
                    bls.into_iter().map(ChainMessage::Bls).collect();
                messages.extend(secp.into_iter().map(ChainMessage::Signed));
                Ok(BlockMessages {
                    miner: b.miner,
                    win_count: b.election_proof.as_ref().map(|e| e.win_count).unwrap_or(0),
                    messages,
                })
            })
            .collect()
    }

    /// Executes `ts` on its parent state (nothing is cached; see [`Self::tipset_state`]).
    pub fn execute(&self, ts: &TipSet) -> Result<TipsetResult> {
        let parent = self.cs.load_tipset(&ts.parents())?;
        let msgs = self.block_messages(ts)?;
        let base_fee = ts.min_ticket_block().parent_base_fee.clone();
        let env = self.env(ts, ts.height(), base_fee);
        self.engine
            .execute_tipset(
                self.store(),
                &ts.parent_state(),
                parent.height(),
                &msgs,
                env,
            )
            .with_context(|| format!("executing the tipset at height {}", ts.height()))
    }

    fn cached(&self, key: &TipSetKey) -> Option<Arc<ExecOutcome>> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    fn remember(&self, key: &TipSetKey, o: Arc<ExecOutcome>) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), o);
    }

    /// The outcome of executing `ts`: from memory, the datastore, or a fresh execution
    /// (recorded in both). The genesis tipset's outcome is its own state.
    pub fn tipset_state(&self, ts: &TipSet) -> Result<Arc<ExecOutcome>> {
        if let Some(o) = self.cached(ts.key()) {
            return Ok(o);
        }
        if ts.height() == 0 {
            let g = &ts.min_ticket_block();
            let o = Arc::new(ExecOutcome {
                state_root: g.parent_state_root,
                receipts_root: g.parent_message_receipts,
                applied: Vec::new(),
            });
            self.remember(ts.key(), o.clone());
            return Ok(o);
        }
        let _one_at_a_time = self.executing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(o) = self.cached(ts.key()) {
            return Ok(o);
        }
        let key = outcome_key(ts.key());
        if let Some(bytes) = Store::get(self.store(), COL_META, &key)? {
            if let Ok(o) = fvm_ipld_encoding::from_slice::<ExecOutcome>(&bytes) {
                let o = Arc::new(o);
                self.remember(ts.key(), o.clone());
                return Ok(o);
            }
        }
        let res = self.execute(ts)?;
        let o = Arc::new(ExecOutcome {
            state_root: res.state_root,
            receipts_root: res.receipts_root,
            applied: res.applied.iter().map(|(c, _)| *c).collect(),
        });
        let bytes = fvm_ipld_encoding::to_vec(o.as_ref())?;
        self.store().commit(vec![(COL_META, key, Some(bytes))])?;
        self.remember(ts.key(), o.clone());
        Ok(o)
    }

    /// The state after the head (what the message pool and nonces read).
    pub fn head_state(&self) -> Result<Cid> {
        Ok(self.tipset_state(&self.head())?.state_root)
    }

    /// A view of the state after executing the head (what pending messages build on).
    pub fn view_after_head(&self) -> Result<StateView<Arc<Store>>> {
        StateView::new(self.store().clone(), &self.head_state()?)
    }

    /// The key address behind `addr` in the state after the head (Lotus's
    /// `ResolveToDeterministicAddress`): secp256k1 and BLS addresses as they are.
    pub fn head_key_address(&self, addr: &Address) -> Result<Address> {
        if matches!(addr.protocol(), Protocol::Secp256k1 | Protocol::BLS) {
            return Ok(*addr);
        }
        self.view_after_head()?.key_address(addr)
    }

    /// The receipts of `ts`'s messages (the AMT its children point to), in order.
    pub fn receipts(&self, ts: &TipSet) -> Result<Vec<Receipt>> {
        let o = self.tipset_state(ts)?;
        let amt: Amtv0<Receipt, _> =
            Amtv0::load(&o.receipts_root, self.store().as_ref()).context("loading the receipts")?;
        let mut out = Vec::with_capacity(amt.count() as usize);
        amt.for_each(|_, r| {
            out.push(r.clone());
            Ok(())
        })?;
        Ok(out)
    }

    /// The receipt of message `cid` executed in `ts`, if `ts` applied it.
    pub fn receipt_in(&self, ts: &TipSet, cid: &Cid) -> Result<Option<Receipt>> {
        let o = self.tipset_state(ts)?;
        let Some(i) = o.applied.iter().position(|c| c == cid) else {
            return Ok(None);
        };
        let amt: Amtv0<Receipt, _> = Amtv0::load(&o.receipts_root, self.store().as_ref())?;
        amt.get(i as u64)?
            .cloned()
            .map(Some)
            .ok_or_else(|| anyhow!("receipt {i} missing from tipset {}", ts.height()))
    }
}
