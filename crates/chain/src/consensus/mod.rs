//! Expected Consensus building blocks: domain-separated randomness, the beacon (a
//! deterministic mock for devnets), election WinCount by Poisson sortition, the
//! chain weight that fork choice compares, and consensus-fault verification.

pub mod beacon;
pub mod election;
pub mod faults;
pub mod randomness;
pub mod vrf;
pub mod weight;

/// Expected number of block producers per epoch (Lotus `BlocksPerEpoch`).
pub const BLOCKS_PER_EPOCH: u64 = 5;
/// Epochs of lookback for election state (`ChainFinality`).
pub const CHAIN_FINALITY: i64 = 900;
/// Epochs between the ticket randomness round and the block's height.
pub const TICKET_RANDOMNESS_LOOKBACK: i64 = 1;
