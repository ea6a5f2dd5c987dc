//! padma's chain logic: the chain store (tipsets, head, indexes, head-change events),
//! Expected Consensus (randomness, beacon, elections, weight, block validation), the
//! state manager (tipset execution and its cache), state views and circulating supply,
//! message search and waiting, gas estimation, the message pool, the chain service
//! that accepts blocks and moves the head, and chain sync (catching up from a source).

pub mod base_info;
pub mod basefee;
pub mod block_messages;
mod bounded;
pub mod checkpoint;
pub mod consensus;
pub mod externs;
pub mod gas_estimate;
pub mod gas_trial;
pub mod inclusion;
pub mod messages;
pub mod miner;
pub mod mining_json;
pub mod mpool;
mod msg_index;
pub mod msg_lookup;
pub mod msg_wait;
pub mod network;
pub mod pace;
pub mod produce;
pub mod service;
pub mod sm;
pub mod state_view;
pub mod store;
pub mod supply;
pub mod sync;
pub mod validate;

pub use mpool::{MessagePool, MpoolConfig, MpoolError, MpoolState, MpoolUpdate};
pub use service::ChainService;
pub use sm::StateManager;
pub use store::{ChainStore, HeadChange, HeadChangeKind};
pub use validate::{BlockError, FullBlock};
