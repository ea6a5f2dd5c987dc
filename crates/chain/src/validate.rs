//! Block validation (protocol.md §3.7, Lotus `FilecoinEC.ValidateBlock`): sanity,
//! parent and timestamp, miner claim and eligibility, parent weight, election and
//! ticket VRFs, beacon entries, WinningPoSt, block signature, messages (BLS
//! aggregate, syntax, gas, nonces, signatures, MsgMeta), base fee, and the parent
//! state and receipts recomputed.

use crate::base_info::{address_cbor, MinerBaseInfo};
use crate::consensus::election::win_count;
use crate::consensus::randomness::{draw_from_base, Tag};
use crate::consensus::vrf::{election_input, ticket_input, verify_vrf};
use crate::consensus::weight::tipset_weight;
use crate::externs::post_proof_bytes;
use crate::inclusion::{chain_length, BlockMessages, Refusal};
use crate::messages::put_block_messages;
use crate::sm::StateManager;
use crate::state_view::StateView;
use fil_actor_power_state::v18::State as PowerState;
use fvm_shared::address::{Address, Payload};
use fvm_shared::crypto::signature::SignatureType;
use fvm_shared::message::Message;
use num_bigint::BigInt;
use padma_state::actors::ids;
use padma_types::block::{BlockHeader, TipSet};
use padma_types::crypto::{verify_bls_aggregate, verify_signature};
use padma_types::message::{message_cbor, message_cid, message_signing_bytes};
use padma_types::SignedMessage;

pub use crate::inclusion::BLOCK_MESSAGE_LIMIT;
/// How far ahead of the wall clock a block's timestamp may be, in seconds.
pub const ALLOWABLE_CLOCK_DRIFT_SECS: u64 = 1;

/// A block with its messages.
#[derive(Clone, Debug)]
pub struct FullBlock {
    /// The header.
    pub header: BlockHeader,
    /// Its BLS messages (unsigned: the header aggregates their signatures).
    pub bls_messages: Vec<Message>,
    /// Its secp256k1 (or delegated) messages.
    pub secp_messages: Vec<SignedMessage>,
}

/// Why a block was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The block breaks a consensus rule: it is marked bad and never reconsidered.
    #[error("invalid block: {0}")]
    Invalid(String),
    /// It cannot be judged now (its parent is unknown, it is from the future, the
    /// node failed to read its state, the messages given are not the header's): it
    /// may be submitted again.
    #[error("block not accepted for now: {0}")]
    Temporary(String),
}

fn invalid<T>(m: impl Into<String>) -> Result<T, BlockError> {
    Err(BlockError::Invalid(m.into()))
}

fn internal(e: anyhow::Error) -> BlockError {
    BlockError::Temporary(format!("{e:#}"))
}

/// Validates `b` against the chain of `sm`; `now_ms` is the wall clock.
pub fn validate_block(sm: &StateManager, b: &FullBlock, now_ms: u64) -> Result<(), BlockError> {
    let h = &b.header;
    // 1. Sanity.
    let (Some(ticket), Some(election), Some(block_sig), Some(bls_agg)) =
        (&h.ticket, &h.election_proof, &h.block_sig, &h.bls_aggregate)
    else {
        return invalid("block is missing its ticket, election proof, signature or BLS aggregate");
    };
    let Payload::ID(miner_id) = *h.miner.payload() else {
        return invalid(format!("block miner {} is not an ID address", h.miner));
    };
    // The messages must be the ones the header commits to. If they are not, what is
    // wrong is the payload, not the header (which may be perfectly valid): refuse it
    // without marking the header bad, as Lotus rejects such a gossip message. Every
    // later message check then judges what the header commits to.
    let meta = put_block_messages(sm.store().as_ref(), &b.bls_messages, &b.secp_messages)
        .map_err(internal)?;
    if meta != h.messages {
        return Err(BlockError::Temporary(format!(
            "messages CID {meta} does not match the block's messages {}",
            h.messages
        )));
    }
    if b.bls_messages.len() + b.secp_messages.len() > BLOCK_MESSAGE_LIMIT {
        return invalid("block has more than 10000 messages");
    }
    // 2. Parent.
    if h.parents.is_empty() {
        return invalid("block has no parents");
    }
    let parent = sm
        .chain()
        .load_tipset(&padma_types::block::TipSetKey(h.parents.clone()))
        .map_err(|e| BlockError::Temporary(format!("parent tipset not available: {e:#}")))?;
    if h.height <= parent.height() {
        return invalid(format!(
            "block height {} is not above its parent's {}",
            h.height,
            parent.height()
        ));
    }
    // 3. Timestamp.
    let expected = sm
        .params()
        .block_timestamp(sm.genesis().timestamp, h.height);
    if h.timestamp != expected {
        return invalid(format!(
            "block has timestamp {}, expected {expected} for epoch {}",
            h.timestamp, h.height
        ));
    }
    if h.timestamp > now_ms / 1000 + ALLOWABLE_CLOCK_DRIFT_SECS {
        return Err(BlockError::Temporary(format!(
            "block was from the future (timestamp {}, now {})",
            h.timestamp,
            now_ms / 1000
        )));
    }
    // 4. The miner has a power claim in the parent's parent state.
    let pview = StateView::new(sm.store().clone(), &parent.parent_state()).map_err(internal)?;
    let power: PowerState = pview.actor_state(ids::POWER).map_err(internal)?;
    let claim = power
        .get_claim(pview.store(), &h.miner)
        .map_err(|e| internal(anyhow::anyhow!("{e}")))?;
    if claim.is_none() {
        return invalid(format!("miner {} has no power claim", h.miner));
    }
    // 5. Parent weight.
    let pw = parent_weight(sm, &parent)?;
    if h.parent_weight != pw {
        return invalid(format!(
            "parent weight {} does not match the parent's weight {pw}",
            h.parent_weight
        ));
    }
    // 6. Election, signature, beacon, ticket, WinningPoSt.
    let info = sm
        .miner_base_info(&h.miner, h.height, &parent)
        .map_err(internal)?
        .ok_or_else(|| {
            BlockError::Invalid(format!(
                "miner {} has no sectors to prove in the lookback state",
                h.miner
            ))
        })?;
    check_winner(h, election, &info)?;
    verify_signature(block_sig, &info.worker_key, &h.signing_bytes())
        .or_else(|e| invalid(format!("block signature: {e}")))?;
    check_beacon(sm, h, &info)?;
    let rbase = info.randomness_base();
    let parent_ticket = parent
        .min_ticket_block()
        .ticket
        .as_ref()
        .map(|t| t.vrf_proof.clone())
        .unwrap_or_default();
    let tinput = ticket_input(rbase, h.height, &h.miner, &parent_ticket);
    verify_vrf(&info.worker_key, &tinput, &ticket.vrf_proof)
        .or_else(|e| invalid(format!("ticket VRF: {e}")))?;
    check_winning_post(sm, h, miner_id, &info)?;
    // 7. Messages against the state after the parent.
    let outcome = sm.tipset_state(&parent).map_err(internal)?;
    check_messages(sm, b, bls_agg, &outcome.state_root)?;
    // 8. Base fee.
    let base_fee = sm.child_base_fee(&parent).map_err(internal)?;
    if h.parent_base_fee != base_fee {
        return invalid(format!(
            "base fee doesn't match: {} (header) != {base_fee} (computed)",
            h.parent_base_fee
        ));
    }
    // 9. Parent state and receipts.
    if h.parent_state_root != outcome.state_root {
        return invalid(format!(
            "parent state root {} does not match the computed {}",
            h.parent_state_root, outcome.state_root
        ));
    }
    if h.parent_message_receipts != outcome.receipts_root {
        return invalid(format!(
            "parent receipts root {} does not match the computed {}",
            h.parent_message_receipts, outcome.receipts_root
        ));
    }
    Ok(())
}

/// The weight of `ts`: recorded when it was accepted, else computed.
pub fn parent_weight(sm: &StateManager, ts: &TipSet) -> Result<BigInt, BlockError> {
    if let Some(w) = sm.chain().weight(ts.key()).map_err(internal)? {
        return Ok(w);
    }
    compute_weight(sm, ts)
}

/// The weight of `ts` from its parent weight, its parent state's power and its wins.
pub fn compute_weight(sm: &StateManager, ts: &TipSet) -> Result<BigInt, BlockError> {
    let v = StateView::new(sm.store().clone(), &ts.parent_state()).map_err(internal)?;
    let power: PowerState = v.actor_state(ids::POWER).map_err(internal)?;
    let wins: i64 = ts
        .blocks()
        .iter()
        .map(|b| b.election_proof.as_ref().map(|e| e.win_count).unwrap_or(0))
        .sum();
    tipset_weight(
        &ts.min_ticket_block().parent_weight,
        &power.total_quality_adj_power,
        wins,
    )
    .map_err(BlockError::Invalid)
}

fn check_winner(
    h: &BlockHeader,
    election: &padma_types::block::ElectionProof,
    info: &MinerBaseInfo,
) -> Result<(), BlockError> {
    if election.win_count < 1 {
        return invalid("block is not claiming to be a winner");
    }
    if !info.eligible_for_mining {
        return invalid(format!(
            "miner {} is not eligible to mine at {}",
            h.miner, h.height
        ));
    }
    let input = election_input(info.randomness_base(), h.height, &h.miner);
    verify_vrf(&info.worker_key, &input, &election.vrf_proof)
        .or_else(|e| invalid(format!("election VRF: {e}")))?;
    let wins = win_count(&election.vrf_proof, &info.miner_power, &info.network_power);
    if wins != election.win_count {
        return invalid(format!(
            "miner claims wrong number of wins: claimed {}, computed {wins}",
            election.win_count
        ));
    }
    Ok(())
}

fn check_beacon(
    sm: &StateManager,
    h: &BlockHeader,
    info: &MinerBaseInfo,
) -> Result<(), BlockError> {
    let prev = &info.prev_beacon_entry;
    let max = sm.beacon().max_round_for_epoch(h.height);
    if max == prev.round {
        if !h.beacon_entries.is_empty() {
            return invalid("expected no beacon entries: no new round since the parent");
        }
        return Ok(());
    }
    let Some(last) = h.beacon_entries.last() else {
        return invalid("expected to have beacon entries in this block, but didn't find any");
    };
    if last.round != max {
        return invalid(format!(
            "expected final beacon entry in block to be at round {max}, got {}",
            last.round
        ));
    }
    let mut prev = prev.clone();
    for e in &h.beacon_entries {
        sm.beacon()
            .verify(e, &prev)
            .or_else(|m| invalid(format!("beacon entry: {m}")))?;
        prev = e.clone();
    }
    Ok(())
}

/// Verifies the WinningPoSt over the sectors the base info challenged: the same
/// randomness base and lookback state the block's miner had to use.
fn check_winning_post(
    sm: &StateManager,
    h: &BlockHeader,
    miner_id: u64,
    info: &MinerBaseInfo,
) -> Result<(), BlockError> {
    let rand = draw_from_base(
        &info.randomness_base().data,
        Tag::WinningPoStChallengeSeed,
        h.height,
        &address_cbor(&h.miner),
    );
    let (kind, proof) =
        post_proof_bytes(&h.win_post_proof).or_else(|e| invalid(format!("WinningPoSt: {e}")))?;
    let sectors = info
        .sectors
        .iter()
        .map(|s| {
            let d = padma_types::cid::commitment(&s.sealed_cid)
                .map_err(|e| BlockError::Invalid(format!("sealed CID {e}")))?;
            Ok((s.number, d))
        })
        .collect::<Result<Vec<_>, BlockError>>()?;
    let ok = sm
        .verifier()
        .verify_winning_post(&padma_proofs::PoStVerifyInfo {
            post_proof: kind,
            miner_id,
            randomness: rand,
            sectors,
            proof,
        });
    match ok {
        Ok(true) => Ok(()),
        Ok(false) => invalid("WinningPoSt proof is invalid"),
        Err(e) => invalid(format!("WinningPoSt proof cannot be verified: {e:#}")),
    }
}

fn check_messages(
    sm: &StateManager,
    b: &FullBlock,
    bls_agg: &padma_types::Signature,
    state_root: &cid::Cid,
) -> Result<(), BlockError> {
    let view = StateView::new(sm.store().clone(), state_root).map_err(internal)?;
    let mut block = BlockMessages::new(&view);
    let mut check = |m: &Message, chain_len: usize| -> Result<Address, BlockError> {
        block.add(m, chain_len).map_err(|r| match r {
            Refusal::State(e) => internal(e),
            Refusal::Never(e) | Refusal::NotHere(e) => {
                BlockError::Invalid(format!("message {}: {e}", message_cid(m)))
            }
        })?;
        view.key_address(&m.from)
            .or_else(|e| invalid(format!("sender key of {}: {e:#}", m.from)))
    };
    let mut signers = Vec::with_capacity(b.bls_messages.len());
    for m in &b.bls_messages {
        signers.push(check(m, message_cbor(m).len())?);
    }
    let data: Vec<Vec<u8>> = b.bls_messages.iter().map(message_signing_bytes).collect();
    let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    verify_bls_aggregate(bls_agg, &refs, &signers)
        .or_else(|e| invalid(format!("BLS aggregate: {e}")))?;
    for s in &b.secp_messages {
        // Lotus `IsValidSecpkSigType`: a BLS-signed message may not hide among the
        // secp ones, even with a valid signature (delegated signatures, also allowed
        // there, have no representation here).
        if s.signature.sig_type != SignatureType::Secp256k1 {
            return invalid(format!(
                "message {} in the secp list has a {:?} signature",
                s.cid(),
                s.signature.sig_type
            ));
        }
        let key = check(&s.message, chain_length(s))?;
        verify_signature(&s.signature, &key, &message_signing_bytes(&s.message))
            .or_else(|e| invalid(format!("message {}: {e}", s.cid())))?;
    }
    Ok(())
}
