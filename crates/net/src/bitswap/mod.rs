//! Bitswap (`/chain/ipfs/bitswap/1.2.0`, `…/1.1.0`, `…/1.0.0`, `/chain/ipfs/bitswap`):
//! how Lotus fetches the messages of a gossiped block. A [`Bitswap`] behaviour serves
//! the blocks its [`BitswapStore`] holds to connected peers (with don't-haves when
//! asked), and fetches blocks on [`Bitswap::want`], accepting only data that hashes to
//! the wanted CID.
//!
//! Messages are one-way: a peer reads what the other sends on streams the other opens,
//! and answers on a stream of its own.

mod behaviour;
mod handler;
pub mod message;
pub mod protobuf;
mod serve;

pub use behaviour::{Bitswap, BitswapConfig, BitswapEvent, WantFailure};
pub use handler::{Handler, HandlerIn, HandlerOut};
pub use message::{BitswapMessage, PayloadBlock, Presence, ProtocolVersion, WantEntry, WantType};

use cid::Cid;
use libp2p::StreamProtocol;

/// Bitswap 1.2.0 under Filecoin's `/chain` prefix.
pub const BITSWAP_120: StreamProtocol = StreamProtocol::new("/chain/ipfs/bitswap/1.2.0");
/// Bitswap 1.1.0 under Filecoin's `/chain` prefix.
pub const BITSWAP_110: StreamProtocol = StreamProtocol::new("/chain/ipfs/bitswap/1.1.0");
/// Bitswap 1.0.0 under Filecoin's `/chain` prefix.
pub const BITSWAP_100: StreamProtocol = StreamProtocol::new("/chain/ipfs/bitswap/1.0.0");
/// The original, unversioned bitswap under Filecoin's `/chain` prefix (as 1.0.0).
pub const BITSWAP_LEGACY: StreamProtocol = StreamProtocol::new("/chain/ipfs/bitswap");

/// Every bitswap protocol, most preferred first.
pub fn all_protocols() -> Vec<StreamProtocol> {
    vec![BITSWAP_120, BITSWAP_110, BITSWAP_100, BITSWAP_LEGACY]
}

/// The version a negotiated protocol speaks.
pub fn protocol_version(p: &StreamProtocol) -> ProtocolVersion {
    if *p == BITSWAP_120 {
        ProtocolVersion::V120
    } else if *p == BITSWAP_110 {
        ProtocolVersion::V110
    } else {
        ProtocolVersion::V100
    }
}

/// Where the blocks bitswap serves come from.
pub trait BitswapStore: Send + Sync + 'static {
    /// Whether the block is held.
    fn has(&self, cid: &Cid) -> bool;
    /// The block's bytes, if held.
    fn get(&self, cid: &Cid) -> Option<Vec<u8>>;
}

impl BitswapStore for padma_store::Store {
    fn has(&self, cid: &Cid) -> bool {
        fvm_ipld_blockstore::Blockstore::has(self, cid).unwrap_or(false)
    }

    fn get(&self, cid: &Cid) -> Option<Vec<u8>> {
        fvm_ipld_blockstore::Blockstore::get(self, cid)
            .ok()
            .flatten()
    }
}
