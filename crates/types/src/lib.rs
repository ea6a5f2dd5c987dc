//! Filecoin wire types for padma: addresses, CIDs, messages, signatures and keys,
//! sector sizes with their proof types, plus their Lotus JSON encodings and every
//! JSON-RPC result shape (in [`json`]), kept apart from the domain types.

pub mod address;
pub mod block;
pub mod cid;
pub mod crypto;
pub mod fil;
pub mod json;
pub mod message;
pub mod peer_id;
pub mod sector;

pub use fvm_shared;
pub use fvm_shared::address::{Address, Network};
pub use fvm_shared::crypto::signature::{Signature, SignatureType};
pub use fvm_shared::econ::TokenAmount;
pub use fvm_shared::message::Message;
pub use message::SignedMessage;
