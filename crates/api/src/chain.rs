//! Chain methods on the genesis, the head, block headers and raw IPLD objects.

use padma_rpc::rpc_methods;
use padma_types::json::block::{BlockHeaderJson, TipSetJson};
pub use padma_types::json::chain::BlockJson;
use padma_types::json::{BytesJson, CidJson};

rpc_methods! {
    /// The chain methods, in table order.
    pub fn chain_methods;
    /// The genesis tipset.
    ChainGetGenesis = "Filecoin.ChainGetGenesis", Read, call () -> TipSetJson;
    /// The heaviest tipset.
    ChainHead = "Filecoin.ChainHead", Read, call () -> TipSetJson;
    /// A block header by CID.
    ChainGetBlock = "Filecoin.ChainGetBlock", Read, call (bcid: CidJson) -> BlockHeaderJson;
    /// The raw bytes of an IPLD block.
    ChainReadObj = "Filecoin.ChainReadObj", Read, call (obj: CidJson) -> BytesJson;
    /// Whether the blockstore holds a block.
    ChainHasObj = "Filecoin.ChainHasObj", Read, call (obj: CidJson) -> bool;
    /// Stores a DAG-CBOR block (its CID, when given, must match the bytes).
    ChainPutObj = "Filecoin.ChainPutObj", Admin, call (block: BlockJson) -> (), versions = V1;
}
