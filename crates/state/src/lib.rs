//! padma's state machine. So far: the actor code CIDs of the builtin-actors v18
//! devnet bundle, the state tree (HAMT v3 of ID address → actor state, under a v5
//! StateRoot), and the IPLD helpers the chain's data structures need.

pub mod actors;
pub mod code;
pub mod genesis;
pub mod ipld;
pub mod policy;
pub mod runtime;
pub mod tree;
pub mod vm;

pub use code::ActorKind;
pub use tree::StateTree;
