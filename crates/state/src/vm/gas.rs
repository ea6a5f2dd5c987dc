//! Gas: padma's price list and the per-message gas tracker.
//!
//! The prices are those of the FVM's current price list (ref-fvm `price_list.rs`,
//! Watermelon prices with the Teep seal-verification price), applied to the same
//! events: message inclusion, value transfers, method invocations, actor lookups and
//! updates, actor creation, address resolution and assignment, IPLD block reads and
//! writes, signature verification, hashing, randomness and proof verification.
//!
//! One difference is unavoidable: the FVM meters the Wasm instructions of the
//! builtin actors, while padma runs the actors natively. padma charges a flat
//! [`PriceList::native_invocation`] per method invocation in their place, so that a
//! message's gas use is of the same order as on Filecoin, though not identical.

use fvm_shared::crypto::signature::SignatureType;
use std::cell::Cell;

/// A price that grows with a size: `flat + scale × size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingCost {
    /// The fixed part.
    pub flat: u64,
    /// The part per unit of size (byte, sector, epoch…).
    pub scale: u64,
}

impl ScalingCost {
    /// `flat + scale × size`, saturating.
    pub fn apply(&self, size: u64) -> u64 {
        self.flat.saturating_add(self.scale.saturating_mul(size))
    }
}

/// The gas price of every metered event (whole gas units).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceList {
    /// Compute charged for including a message on chain, per message byte.
    pub on_chain_message_compute: ScalingCost,
    /// Storage charged for including a message on chain (flat part covers 36 bytes).
    pub on_chain_message_storage: ScalingCost,
    /// Storage charged per byte of a top-level return value.
    pub on_chain_return_storage: ScalingCost,
    /// A value transfer between actors.
    pub send_transfer_funds: u64,
    /// Invoking a method (anything but method 0).
    pub send_invoke_method: u64,
    /// Stand-in for the Wasm execution of a builtin actor method.
    pub native_invocation: u64,
    /// First read of a (non-preloaded) actor in a message.
    pub actor_lookup: u64,
    /// First update of an actor in a message.
    pub actor_update: u64,
    /// Storage for a new actor.
    pub actor_create_storage: u64,
    /// Resolving a non-ID address through the init actor.
    pub address_lookup: u64,
    /// Assigning an ID to a new address.
    pub address_assignment: u64,
    /// Verifying a secp256k1 signature (per byte of signed data).
    pub sig_secp256k1: ScalingCost,
    /// Verifying a BLS signature (per byte of signed data).
    pub sig_bls: ScalingCost,
    /// blake2b hashing, per byte.
    pub hashing_blake2b: ScalingCost,
    /// Opening (reading) an IPLD block: flat per block, scale per byte.
    pub block_open: ScalingCost,
    /// Writing an IPLD block: storage (flat per block, scale per byte).
    pub block_persist_storage: ScalingCost,
    /// Writing an IPLD block: compute.
    pub block_persist_compute: u64,
    /// Drawing randomness: flat, plus per epoch of lookback.
    pub lookback_cost: ScalingCost,
    /// Verifying one interactive seal proof.
    pub verify_seal_base: u64,
    /// Verifying a Window PoSt: flat, plus per challenged sector.
    pub verify_post: ScalingCost,
    /// Verifying a replica update proof.
    pub verify_replica_update: u64,
    /// Verifying a consensus fault.
    pub verify_consensus_fault: u64,
    /// Computing an unsealed sector CID.
    pub compute_unsealed_sector_cid: u64,
    /// Validating an event: flat per event plus per entry.
    pub event_per_entry: ScalingCost,
    /// UTF-8 validation of event keys: flat plus per byte.
    pub utf8_validation: ScalingCost,
    /// Copying, storing and hashing an event, per byte of its estimated size.
    pub event_per_byte: u64,
}

/// Actors whose lookups are free (FIP-0055 preloaded actors).
pub const PRELOADED_ACTORS: [u64; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 10, 99];

/// The price list padma uses for every network version it runs (nv28).
pub const PRICES: PriceList = PriceList {
    on_chain_message_compute: ScalingCost {
        flat: 38_863,
        scale: 0,
    },
    on_chain_message_storage: ScalingCost {
        flat: 36 * 1300,
        scale: 1300,
    },
    on_chain_return_storage: ScalingCost {
        flat: 0,
        scale: 1300,
    },
    send_transfer_funds: 6_000,
    send_invoke_method: 75_000,
    native_invocation: 150_000,
    actor_lookup: 500_000,
    actor_update: 475_000,
    actor_create_storage: 650_000,
    address_lookup: 1_050_000,
    address_assignment: 1_000_000,
    sig_secp256k1: ScalingCost {
        flat: 1_637_292,
        scale: 10,
    },
    sig_bls: ScalingCost {
        flat: 16_598_605,
        scale: 26,
    },
    hashing_blake2b: ScalingCost { flat: 0, scale: 10 },
    // 187,440 to open a block plus 300 link check; 10 per byte of memory retention.
    block_open: ScalingCost {
        flat: 187_740,
        scale: 10,
    },
    block_persist_storage: ScalingCost {
        flat: 334_000,
        scale: 3_340,
    },
    block_persist_compute: 172_000,
    lookback_cost: ScalingCost {
        flat: 5_800 * 19 + 15_000 + 21_000,
        scale: 75,
    },
    verify_seal_base: 42_000_000,
    verify_post: ScalingCost {
        flat: 117_680_921,
        scale: 43_780,
    },
    verify_replica_update: 36_316_136,
    verify_consensus_fault: 516_422,
    compute_unsealed_sector_cid: 98_647,
    event_per_entry: ScalingCost {
        flat: 2_000,
        scale: 1_400,
    },
    utf8_validation: ScalingCost {
        flat: 500,
        scale: 16,
    },
    // Three copies at 2.4 gas/byte plus blake2b hashing at 10 gas/byte.
    event_per_byte: 18,
};

impl PriceList {
    /// Gas to include a message of `size` bytes (its chain encoding) in a block:
    /// `560,663 + 1,300 × size` with the default prices.
    pub fn on_chain_message(&self, size: usize) -> u64 {
        self.on_chain_message_compute.apply(size as u64)
            + self.actor_update
            + self.on_chain_message_storage.apply(size as u64)
    }

    /// Gas for a top-level return value of `size` bytes.
    pub fn on_chain_return(&self, size: usize) -> u64 {
        self.on_chain_return_storage.apply(size as u64)
    }

    /// Gas to create an actor; `new_address` when the VM also assigns its ID.
    pub fn on_create_actor(&self, new_address: bool) -> u64 {
        let mut g = self.actor_create_storage;
        if new_address {
            g += self.address_assignment + self.address_lookup;
        }
        g
    }

    /// Gas to verify a signature over `len` bytes.
    pub fn on_verify_signature(&self, sig_type: SignatureType, len: usize) -> u64 {
        match sig_type {
            SignatureType::Secp256k1 => self.sig_secp256k1.apply(len as u64),
            _ => self.sig_bls.apply(len as u64),
        }
    }

    /// Gas to emit an event with `entries` entries whose keys and values total
    /// `key_bytes` and `value_bytes`.
    pub fn on_actor_event(&self, entries: usize, key_bytes: usize, value_bytes: usize) -> u64 {
        let size = 12 + 9 * entries as u64 + key_bytes as u64 + value_bytes as u64;
        self.event_per_entry.apply(entries as u64)
            + self.utf8_validation.apply(key_bytes as u64)
            + self.event_per_byte.saturating_mul(size)
    }

    /// Gas to read a block of `size` bytes.
    pub fn on_block_open(&self, size: usize) -> u64 {
        self.block_open.apply(size as u64)
    }

    /// Gas to write a block of `size` bytes.
    pub fn on_block_create(&self, size: usize) -> u64 {
        self.block_persist_compute + self.block_persist_storage.apply(size as u64)
    }
}

/// The message ran out of gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("out of gas")]
pub struct OutOfGas;

/// Counts the gas a message uses against its limit. Once the limit is crossed the
/// tracker stays exhausted (every later charge fails too) and reports the limit as
/// used, as the FVM does.
#[derive(Debug)]
pub struct GasTracker {
    limit: u64,
    used: Cell<u64>,
    exhausted: Cell<bool>,
}

impl GasTracker {
    /// A tracker for a message with gas limit `limit`.
    pub fn new(limit: u64) -> Self {
        GasTracker {
            limit,
            used: Cell::new(0),
            exhausted: Cell::new(false),
        }
    }

    /// Charges `gas`; fails (and stays failed) when the limit is exceeded.
    pub fn charge(&self, gas: u64) -> Result<(), OutOfGas> {
        if self.exhausted.get() {
            return Err(OutOfGas);
        }
        let next = self.used.get().saturating_add(gas);
        if next > self.limit {
            self.used.set(self.limit);
            self.exhausted.set(true);
            return Err(OutOfGas);
        }
        self.used.set(next);
        Ok(())
    }

    /// Gas used so far.
    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// The gas limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// True once a charge has exceeded the limit.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusion_cost_matches_the_fvm_formula() {
        assert_eq!(PRICES.on_chain_message(0), 560_663);
        assert_eq!(PRICES.on_chain_message(100), 560_663 + 130_000);
    }

    #[test]
    fn tracker_saturates_at_the_limit() {
        let g = GasTracker::new(100);
        g.charge(60).unwrap();
        assert_eq!(g.used(), 60);
        assert_eq!(g.charge(50), Err(OutOfGas));
        assert_eq!(g.used(), 100);
        assert!(g.exhausted());
        assert_eq!(g.charge(0), Err(OutOfGas));
    }
}
