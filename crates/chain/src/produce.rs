//! Making a block from a template (Lotus `MinerCreateBlock`): the parent's computed
//! state and receipts, weight and next base fee, the messages split into BLS (with
//! their signatures aggregated) and secp, and the header signed by the worker.

use crate::basefee::compute_next_base_fee;
use crate::sm::StateManager;
use crate::state_view::StateView;
use crate::validate::{parent_weight, FullBlock};
use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fil_actor_miner_state::v18::State as MinerState;
use fvm_shared::address::{Address, Payload};
use fvm_shared::crypto::signature::{Signature, SignatureType};
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_store::Store;
use padma_types::block::{BeaconEntry, BlockHeader, ElectionProof, PoStProof, Ticket, TipSetKey};
use padma_types::crypto::aggregate_bls;
use padma_types::SignedMessage;
use std::sync::Arc;

/// What a miner asks the node to turn into a block (Lotus `BlockTemplate`).
#[derive(Clone, Debug)]
pub struct BlockTemplate {
    /// The miner (ID address).
    pub miner: Address,
    /// The parent tipset.
    pub parents: TipSetKey,
    /// The ticket.
    pub ticket: Ticket,
    /// The election proof.
    pub eproof: ElectionProof,
    /// Beacon entries since the parent.
    pub beacon_values: Vec<BeaconEntry>,
    /// The messages to include.
    pub messages: Vec<SignedMessage>,
    /// The epoch.
    pub epoch: i64,
    /// The timestamp (Unix seconds).
    pub timestamp: u64,
    /// The WinningPoSt proofs.
    pub winning_post_proof: Vec<PoStProof>,
}

impl StateManager {
    /// The base fee of `ts`'s children (their `ParentBaseFee`).
    pub fn child_base_fee(&self, ts: &padma_types::block::TipSet) -> Result<TokenAmount> {
        let msgs = self.block_messages(ts)?;
        let per_block: Vec<Vec<&Message>> = msgs
            .iter()
            .map(|b| b.messages.iter().map(|m| m.message()).collect())
            .collect();
        Ok(compute_next_base_fee(
            &ts.min_ticket_block().parent_base_fee,
            &per_block,
        ))
    }

    /// The key address of `miner`'s worker in the lookback state of a block at `round`
    /// on `base`.
    pub fn worker_key(
        &self,
        miner: &Address,
        base: &padma_types::block::TipSet,
        round: i64,
    ) -> Result<Address> {
        let Payload::ID(id) = *miner.payload() else {
            anyhow::bail!("miner {miner} is not an ID address");
        };
        let (_, lbst) = self.lookback(base, round)?;
        worker_key_in(self.store(), &lbst, id)
    }

    /// Builds and signs a block; `sign` signs with a key of the node's wallet.
    pub fn create_block(
        &self,
        t: &BlockTemplate,
        sign: impl Fn(&Address, &[u8]) -> Result<Signature>,
    ) -> Result<FullBlock> {
        let parent = self
            .chain()
            .load_tipset(&t.parents)
            .context("loading the parent tipset")?;
        let outcome = self.tipset_state(&parent)?;
        let worker = self.worker_key(&t.miner, &parent, t.epoch)?;
        let mut bls_messages: Vec<Message> = Vec::new();
        let mut bls_sigs = Vec::new();
        let mut secp_messages = Vec::new();
        for m in &t.messages {
            if m.signature.sig_type == SignatureType::BLS {
                bls_messages.push(m.message.clone());
                bls_sigs.push(m.signature.clone());
            } else {
                secp_messages.push(m.clone());
            }
        }
        let messages = crate::messages::put_block_messages(
            self.store().as_ref(),
            &bls_messages,
            &secp_messages,
        )?;
        let mut header = BlockHeader {
            miner: t.miner,
            ticket: Some(t.ticket.clone()),
            election_proof: Some(t.eproof.clone()),
            beacon_entries: t.beacon_values.clone(),
            win_post_proof: t.winning_post_proof.clone(),
            parents: t.parents.cids().to_vec(),
            parent_weight: parent_weight(self, &parent).map_err(|e| anyhow!("{e}"))?,
            height: t.epoch,
            parent_state_root: outcome.state_root,
            parent_message_receipts: outcome.receipts_root,
            messages,
            bls_aggregate: Some(aggregate_bls(&bls_sigs)?),
            timestamp: t.timestamp,
            block_sig: None,
            fork_signaling: 0,
            parent_base_fee: self.child_base_fee(&parent)?,
        };
        header.block_sig = Some(
            sign(&worker, &header.signing_bytes())
                .with_context(|| format!("signing the block with worker {worker}"))?,
        );
        Ok(FullBlock {
            header,
            bls_messages,
            secp_messages,
        })
    }
}

/// The key address of miner `id`'s worker in the state `root`.
pub fn worker_key_in(store: &Arc<Store>, root: &Cid, id: u64) -> Result<Address> {
    let v = StateView::new(store.clone(), root)?;
    let st: MinerState = v.actor_state(id)?;
    let info = st.get_info(v.store())?;
    v.key_address(&info.worker)
}
