//! Block production methods (what a miner process asks of its node): the mining
//! base of a round and block creation. The wire types they carry (`MiningBaseInfo`,
//! `BlockTemplate`, `BlockMsg`) are in `padma_types::json::mining`, re-exported here.
//! `SyncSubmitBlock` is in [`crate::sync`].

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::mining::{
    BlockMsgJson, BlockTemplateJson, ExtendedSectorInfoJson, MiningBaseInfoJson,
};
use padma_types::json::AddressJson;

rpc_methods! {
    /// The block production methods, in table order.
    pub fn mining_methods;
    /// What a miner needs to mine on a base at an epoch, or `null` when it has
    /// nothing to prove there.
    MinerGetBaseInfo = "Filecoin.MinerGetBaseInfo", Read,
        call (maddr: AddressJson, epoch: i64, tsk: TipSetKeyJson) -> Option<MiningBaseInfoJson>;
    /// A block built from a template and signed with the miner's worker key.
    MinerCreateBlock = "Filecoin.MinerCreateBlock", Write,
        call (template: BlockTemplateJson) -> BlockMsgJson;
}
