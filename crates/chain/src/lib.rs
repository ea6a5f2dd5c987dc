//! padma's chain logic. So far: the message pool.

pub mod mpool;

pub use mpool::{MessagePool, MpoolConfig, MpoolError, MpoolState, MpoolUpdate};
