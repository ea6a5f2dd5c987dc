//! What the VM asks of the chain while it executes a tipset: randomness from the
//! tickets and beacon entries of that tipset's chain (protocol.md §3.1), and proof
//! verification through padma-proofs' [`ProofVerifier`](padma_proofs::ProofVerifier).

use crate::consensus::beacon::Beacon;
use crate::store::ChainStore;
use anyhow::{anyhow, bail, Context, Result};
use fvm_shared::clock::ChainEpoch;
use fvm_shared::sector::{
    AggregateSealVerifyProofAndInfos, PoStProof, ReplicaUpdateInfo, SealVerifyInfo,
    WindowPoStVerifyInfo,
};
use padma_state::runtime::{ProofVerifier as ActorVerifier, Randomness};
use padma_types::block::{BeaconEntry, TipSet};
use padma_types::cid::blake2b_256;
use std::sync::Arc;

/// How far back beacon lookups walk (Lotus's limit).
const BEACON_WALK: usize = 20;

/// The tipset at `round` on the chain ending at `ts`; when `round` was a null round,
/// the first tipset after it (the nv ≥ 13 rule).
pub fn tipset_at_or_after(cs: &ChainStore, ts: &TipSet, round: ChainEpoch) -> Result<TipSet> {
    if round > ts.height() {
        bail!(
            "cannot draw randomness from the future (round {round}, chain at {})",
            ts.height()
        );
    }
    let mut cur = ts.clone();
    while cur.height() > round {
        let parent = cs.load_tipset(&cur.parents())?;
        if parent.height() < round {
            break;
        }
        cur = parent;
    }
    Ok(cur)
}

/// The latest beacon entry on the chain ending at `ts` (walking back at most 20
/// tipsets, as Lotus does).
pub fn latest_beacon_entry(cs: &ChainStore, ts: &TipSet) -> Result<BeaconEntry> {
    let mut cur = ts.clone();
    for _ in 0..BEACON_WALK {
        if let Some(e) = cur.min_ticket_block().beacon_entries.last() {
            return Ok(e.clone());
        }
        if cur.height() == 0 {
            break;
        }
        cur = cs.load_tipset(&cur.parents())?;
    }
    bail!(
        "found no beacon entries in the 20 tipsets below {}",
        ts.height()
    )
}

/// Chain and beacon randomness for a VM executing on the chain that ends at `ts`.
pub struct ChainRandomness {
    /// The chain store.
    pub cs: Arc<ChainStore>,
    /// The tipset whose chain is searched.
    pub ts: TipSet,
    /// The beacon (its schedule maps epochs to rounds).
    pub beacon: Arc<dyn Beacon>,
}

impl Randomness for ChainRandomness {
    fn tipset_cid(&self, epoch: ChainEpoch) -> Result<cid::Cid> {
        if epoch < 0 || epoch >= self.ts.height() {
            bail!(
                "no tipset CID for epoch {epoch} (the chain executing is at {})",
                self.ts.height()
            );
        }
        let mut cur = self.ts.clone();
        while cur.height() > epoch {
            cur = self.cs.load_tipset(&cur.parents())?;
        }
        Ok(cur.key().cid())
    }

    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        // As Lotus: a negative round searches from genesis (the draw keeps the round).
        let ts = tipset_at_or_after(&self.cs, &self.ts, round.max(0))?;
        let ticket = ts.min_ticket_block().ticket.as_ref().ok_or_else(|| {
            anyhow!(
                "the min-ticket block at height {} has no ticket",
                ts.height()
            )
        })?;
        Ok(blake2b_256(&ticket.vrf_proof))
    }

    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        let want = self.beacon.max_round_for_epoch(round);
        let mut cur = tipset_at_or_after(&self.cs, &self.ts, round)?;
        for _ in 0..BEACON_WALK {
            if let Some(e) = cur
                .min_ticket_block()
                .beacon_entries
                .iter()
                .find(|e| e.round == want)
            {
                return Ok(blake2b_256(&e.data));
            }
            if cur.height() == 0 {
                break;
            }
            cur = self.cs.load_tipset(&cur.parents())?;
        }
        bail!("beacon entry for round {want} (epoch {round}) not found on chain")
    }
}

/// Adapts padma-proofs' verifier to the interface the actors call.
#[derive(Clone)]
pub struct ActorProofs(pub Arc<dyn padma_proofs::ProofVerifier>);

fn commitment(c: &cid::Cid, what: &str) -> Result<[u8; 32]> {
    padma_types::cid::commitment(c).map_err(|e| anyhow!("{what} {e}"))
}

fn bytes32(b: &[u8], what: &str) -> Result<[u8; 32]> {
    b.try_into()
        .map_err(|_| anyhow!("{what} must be 32 bytes, got {}", b.len()))
}

fn verdict(ok: Result<bool>, what: &str) -> Result<()> {
    match ok {
        Ok(true) => Ok(()),
        Ok(false) => bail!("invalid {what}"),
        Err(e) => Err(e.context(format!("cannot verify {what}"))),
    }
}

/// The proof bytes of a PoSt (the partitions' proofs, in order) and its proof type.
pub fn post_proof_bytes(proofs: &[PoStProof]) -> Result<(i64, Vec<u8>)> {
    let first = proofs.first().context("no PoSt proof given")?;
    let kind = i64::from(first.post_proof);
    let mut bytes = Vec::new();
    for p in proofs {
        if i64::from(p.post_proof) != kind {
            bail!("PoSt proofs of mixed types");
        }
        bytes.extend_from_slice(&p.proof_bytes);
    }
    Ok((kind, bytes))
}

impl ActorVerifier for ActorProofs {
    fn verify_seal(&self, i: &SealVerifyInfo) -> Result<()> {
        let info = padma_proofs::SealVerifyInfo {
            seal_proof: i64::from(i.registered_proof),
            miner_id: i.sector_id.miner,
            sector_number: i.sector_id.number,
            comm_r: commitment(&i.sealed_cid, "sealed CID")?,
            comm_d: commitment(&i.unsealed_cid, "unsealed CID")?,
            ticket: bytes32(&i.randomness.0, "seal randomness")?,
            seed: bytes32(&i.interactive_randomness.0, "interactive randomness")?,
            proof: i.proof.clone(),
        };
        verdict(self.0.verify_seal(&info), "seal proof")
    }

    fn verify_aggregate_seals(&self, _: &AggregateSealVerifyProofAndInfos) -> Result<()> {
        bail!("aggregate seal proofs are not supported by padma")
    }

    fn verify_window_post(&self, i: &WindowPoStVerifyInfo) -> Result<()> {
        let (kind, proof) = post_proof_bytes(&i.proofs)?;
        let sectors = i
            .challenged_sectors
            .iter()
            .map(|s| Ok((s.sector_number, commitment(&s.sealed_cid, "sealed CID")?)))
            .collect::<Result<Vec<_>>>()?;
        let info = padma_proofs::PoStVerifyInfo {
            post_proof: kind,
            miner_id: i.prover,
            randomness: bytes32(&i.randomness.0, "PoSt randomness")?,
            sectors,
            proof,
        };
        verdict(self.0.verify_window_post(&info), "Window PoSt")
    }

    fn verify_replica_update(&self, _: &ReplicaUpdateInfo) -> Result<()> {
        bail!("replica updates are not supported by padma")
    }
}
