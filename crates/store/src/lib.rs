//! padma's storage: one ParityDB database holding content-addressed blocks (behind the
//! `fvm_ipld_blockstore::Blockstore` trait) and node metadata, and CARv1 import/export.

pub mod car;
mod db;
pub mod space;

pub use db::{Corrupt, Store, StoreOptions, COL_BLOCKS, COL_META};
pub use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
pub use space::LowDiskSpace;
