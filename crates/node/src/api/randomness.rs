//! Randomness and beacon methods (protocol.md §3.1–3.2): `StateGetRandomnessFromTickets`,
//! `StateGetRandomnessFromBeacon` (drawn on the chain of the given tipset, as the VM
//! draws), and `StateGetBeaconEntry` / v0 `BeaconGetEntry` (the beacon's entry for an
//! epoch; padma's devnets use the deterministic mock beacon).

use super::state::tipset_of;
use super::state::{chain, err};
use super::NodeState;
use anyhow::{anyhow, Result};
use padma_api::randomness::*;
use padma_chain::externs::{latest_beacon_entry, tipset_at_or_after};
use padma_chain::ChainStore;
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::runtime::Randomness;
use padma_types::block::TipSet;
use padma_types::cid::blake2b_256;
use padma_types::json::block::{BeaconEntryJson, TipSetKeyJson};
use padma_types::json::BytesJson;
use std::sync::Arc;

type S = Arc<NodeState>;

/// A randomness request as it comes: tag, round, entropy (`null`: zero or empty) and
/// the tipset key.
type RandomnessParams = (Option<i64>, Option<i64>, Option<BytesJson>, TipSetKeyJson);

/// Registers the randomness and beacon methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(
        StateGetRandomnessFromTickets,
        state_get_randomness_from_tickets,
    );
    t.add_offloaded(
        StateGetRandomnessFromBeacon,
        state_get_randomness_from_beacon,
    );
    t.add_offloaded(StateGetBeaconEntry, state_get_beacon_entry);
    t.add_offloaded(BeaconGetEntry, state_get_beacon_entry);
}

/// Lotus's `DrawRandomnessFromDigest` for any tag value:
/// `blake2b-256(i64be(tag) ‖ digest ‖ i64be(round) ‖ entropy)`.
pub(crate) fn draw(digest: &[u8; 32], tag: i64, round: i64, entropy: &[u8]) -> [u8; 32] {
    let mut input = Vec::with_capacity(8 + 32 + 8 + entropy.len());
    input.extend_from_slice(&tag.to_be_bytes());
    input.extend_from_slice(digest);
    input.extend_from_slice(&round.to_be_bytes());
    input.extend_from_slice(entropy);
    blake2b_256(&input)
}

/// The ticket digest at `round` on the chain ending at `ts` (negative rounds search
/// from height 0, as Lotus does).
fn ticket_digest(cs: &ChainStore, ts: &TipSet, round: i64) -> Result<[u8; 32]> {
    let at = tipset_at_or_after(cs, ts, round.max(0))?;
    let ticket = at.min_ticket_block().ticket.as_ref().ok_or_else(|| {
        anyhow!(
            "the min-ticket block at height {} has no ticket",
            at.height()
        )
    })?;
    Ok(blake2b_256(&ticket.vrf_proof))
}

struct Args {
    tag: i64,
    round: i64,
    entropy: Vec<u8>,
}

/// The drawing arguments of a request and the tipset its key names.
fn args(
    s: &NodeState,
    (tag, round, entropy, key): RandomnessParams,
) -> Result<(Args, TipSet), RpcError> {
    let args = Args {
        tag: tag.unwrap_or(0),
        round: round.unwrap_or(0),
        entropy: entropy.map(|b| b.0).unwrap_or_default(),
    };
    Ok((args, tipset_of(s, &key)?))
}

/// `StateGetRandomnessFromTickets [tag, round, entropy, TipSetKey]`: ticket randomness
/// drawn from the chain of the tipset (empty key: the head).
async fn state_get_randomness_from_tickets(
    s: S,
    _c: CallCtx,
    p: RandomnessParams,
) -> Result<BytesJson, RpcError> {
    let (a, ts) = args(&s, p)?;
    let digest = ticket_digest(chain(&s)?.store(), &ts, a.round)
        .map_err(|e| err(format!("getting chain randomness: {e:#}")))?;
    Ok(BytesJson(
        draw(&digest, a.tag, a.round, &a.entropy).to_vec(),
    ))
}

/// `StateGetRandomnessFromBeacon [tag, round, entropy, TipSetKey]`: beacon randomness
/// from the entry of the round's epoch on the chain of the tipset (for a negative round,
/// the latest entry at height 0).
async fn state_get_randomness_from_beacon(
    s: S,
    _c: CallCtx,
    p: RandomnessParams,
) -> Result<BytesJson, RpcError> {
    let (a, ts) = args(&s, p)?;
    let ch = chain(&s)?;
    let digest = if a.round < 0 {
        tipset_at_or_after(ch.store(), &ts, 0)
            .and_then(|at| latest_beacon_entry(ch.store(), &at))
            .map(|e| blake2b_256(&e.data))
    } else {
        ch.sm().randomness(ts).beacon_randomness(a.round)
    }
    .map_err(|e| err(format!("getting beacon randomness: {e:#}")))?;
    Ok(BytesJson(
        draw(&digest, a.tag, a.round, &a.entropy).to_vec(),
    ))
}

/// `StateGetBeaconEntry [epoch]` (v1; v0 `BeaconGetEntry`): the beacon entry for the
/// epoch's latest round, `{"Round", "Data"}`.
async fn state_get_beacon_entry(
    s: S,
    _c: CallCtx,
    (epoch,): (Option<i64>,),
) -> Result<BeaconEntryJson, RpcError> {
    let beacon = chain(&s)?.sm().beacon();
    let e = beacon.entry(beacon.max_round_for_epoch(epoch.unwrap_or(0)));
    Ok(BeaconEntryJson {
        round: e.round,
        data: e.data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_chain::consensus::randomness::{draw as chain_draw, Tag};

    #[test]
    fn draw_matches_consensus_for_known_tags_and_takes_any_tag() {
        let d = [9u8; 32];
        for (tag, t) in [
            (1, Tag::TicketProduction),
            (5, Tag::SealRandomness),
            (10, Tag::EvmPrevRandao),
        ] {
            assert_eq!(draw(&d, tag, -4, b"ent"), chain_draw(&d, t, -4, b"ent"));
        }
        assert_ne!(draw(&d, 42, 1, b""), draw(&d, 43, 1, b""));
    }
}
