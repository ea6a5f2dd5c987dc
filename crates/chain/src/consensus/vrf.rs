//! Tickets and election proofs: VRF outputs that are BLS signatures of the miner's
//! worker key over domain-separated randomness.

use super::randomness::{draw_from_base, Tag};
use super::TICKET_RANDOMNESS_LOOKBACK;
use fvm_shared::address::Address;
use padma_types::block::{BeaconEntry, ElectionProof, Ticket};
use padma_types::crypto::{verify_signature, CryptoError, KeyInfo};
use padma_types::Signature;

fn cbor_address(miner: &Address) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(miner).expect("addresses encode")
}

/// The bytes a miner signs for its ticket at `height`: randomness from the beacon base,
/// with the miner's CBOR address and the parent's min ticket as entropy.
pub fn ticket_input(
    base: &BeaconEntry,
    height: i64,
    miner: &Address,
    parent_min_ticket: &[u8],
) -> [u8; 32] {
    let mut entropy = cbor_address(miner);
    entropy.extend_from_slice(parent_min_ticket);
    draw_from_base(
        &base.data,
        Tag::TicketProduction,
        height - TICKET_RANDOMNESS_LOOKBACK,
        &entropy,
    )
}

/// The bytes a miner signs for its election proof at `height`.
pub fn election_input(base: &BeaconEntry, height: i64, miner: &Address) -> [u8; 32] {
    draw_from_base(
        &base.data,
        Tag::ElectionProofProduction,
        height,
        &cbor_address(miner),
    )
}

/// Makes a ticket with the worker's BLS key.
pub fn make_ticket(worker: &KeyInfo, input: &[u8; 32]) -> Result<Ticket, CryptoError> {
    Ok(Ticket {
        vrf_proof: worker.sign(input)?.bytes,
    })
}

/// Makes an election proof (its win count computed by the caller).
pub fn make_election_proof(
    worker: &KeyInfo,
    input: &[u8; 32],
    win_count: i64,
) -> Result<ElectionProof, CryptoError> {
    Ok(ElectionProof {
        win_count,
        vrf_proof: worker.sign(input)?.bytes,
    })
}

/// Checks a VRF proof: a BLS signature of `input` by the worker's key address.
pub fn verify_vrf(worker_key: &Address, input: &[u8; 32], proof: &[u8]) -> Result<(), CryptoError> {
    verify_signature(&Signature::new_bls(proof.to_vec()), worker_key, input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_types::crypto::KeyType;

    #[test]
    fn tickets_and_election_proofs_verify_against_the_worker_only() {
        let worker = KeyInfo::generate(KeyType::Bls);
        let waddr = worker.address().unwrap();
        let base = BeaconEntry {
            round: 101,
            data: vec![1, 2, 3],
        };
        let miner = Address::new_id(1000);
        let tin = ticket_input(&base, 5, &miner, &[9; 96]);
        let t = make_ticket(&worker, &tin).unwrap();
        verify_vrf(&waddr, &tin, &t.vrf_proof).unwrap();
        assert_ne!(
            tin,
            ticket_input(&base, 5, &miner, &[8; 96]),
            "parent ticket is entropy"
        );
        let ein = election_input(&base, 5, &miner);
        let e = make_election_proof(&worker, &ein, 1).unwrap();
        verify_vrf(&waddr, &ein, &e.vrf_proof).unwrap();
        assert!(verify_vrf(&waddr, &tin, &e.vrf_proof).is_err());
        let other = KeyInfo::generate(KeyType::Bls).address().unwrap();
        assert!(verify_vrf(&other, &ein, &e.vrf_proof).is_err());
    }
}
