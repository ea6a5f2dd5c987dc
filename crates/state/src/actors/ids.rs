//! The actor IDs every Filecoin network fixes: the builtin singleton actors, and the
//! accounts Lotus's genesis places at fixed IDs (verified-registry root key, first
//! verifier, reserve).

/// System actor (f00).
pub const SYSTEM: u64 = 0;
/// Init actor (f01).
pub const INIT: u64 = 1;
/// Reward actor (f02).
pub const REWARD: u64 = 2;
/// Cron actor (f03).
pub const CRON: u64 = 3;
/// Storage power actor (f04).
pub const POWER: u64 = 4;
/// Storage market actor (f05).
pub const MARKET: u64 = 5;
/// Verified registry actor (f06).
pub const VERIFREG: u64 = 6;
/// Datacap actor (f07).
pub const DATACAP: u64 = 7;
/// Ethereum address manager (f010); also the namespace of f4 Ethereum addresses.
pub const EAM: u64 = 10;
/// Verified registry root key (f080).
pub const ROOT_KEY: u64 = 80;
/// The first verifier (f081).
pub const FIRST_VERIFIER: u64 = 81;
/// Lotus's remainder (reserve) account (f090).
pub const RESERVE: u64 = 90;
/// Burnt funds (f099).
pub const BURNT_FUNDS: u64 = 99;
