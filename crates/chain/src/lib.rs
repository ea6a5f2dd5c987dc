//! padma's chain logic. So far: the chain store (tipsets, head, indexes, head-change
//! events) and the message pool.

pub mod messages;
pub mod mpool;
pub mod store;

pub use mpool::{MessagePool, MpoolConfig, MpoolError, MpoolState, MpoolUpdate};
pub use store::{ChainStore, HeadChange, HeadChangeKind};
