//! padma's storage: one ParityDB database holding content-addressed blocks (behind the
//! `fvm_ipld_blockstore::Blockstore` trait) and node metadata, and CARv1 import/export.

pub mod car;
mod db;

pub use db::{Store, COL_BLOCKS, COL_META};
pub use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
