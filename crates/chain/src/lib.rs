//! padma's chain logic. So far: the chain store (tipsets, head, indexes, head-change
//! events), Expected Consensus building blocks, and the message pool.

pub mod consensus;
pub mod messages;
pub mod mpool;
pub mod store;

pub use mpool::{MessagePool, MpoolConfig, MpoolError, MpoolState, MpoolUpdate};
pub use store::{ChainStore, HeadChange, HeadChangeKind};
