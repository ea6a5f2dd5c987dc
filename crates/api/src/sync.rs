//! Sync methods: the sync state, bad blocks, and submitting a mined block.

use padma_rpc::rpc_methods;
use padma_types::json::block::{BlockHeaderJson, TipSetKeyJson};
pub use padma_types::json::mining::BlockMsgJson;
pub use padma_types::json::sync::{ActiveSyncJson, SyncStateJson};
use padma_types::json::CidJson;

rpc_methods! {
    /// The sync methods, in table order.
    pub fn sync_methods;
    /// The sync workers' state.
    SyncState = "Filecoin.SyncState", Read, call () -> SyncStateJson;
    /// Why a block was marked bad, or `""`.
    SyncCheckBad = "Filecoin.SyncCheckBad", Read, call (bcid: CidJson) -> String;
    /// Refuses a block from now on.
    SyncMarkBad = "Filecoin.SyncMarkBad", Admin, call (bcid: CidJson) -> ();
    /// Forgets that a block was bad.
    SyncUnmarkBad = "Filecoin.SyncUnmarkBad", Admin, call (bcid: CidJson) -> ();
    /// Forgets every bad block.
    SyncUnmarkAllBad = "Filecoin.SyncUnmarkAllBad", Admin, call () -> ();
    /// Validates a mined block (its messages found by CID) and accepts it.
    SyncSubmitBlock = "Filecoin.SyncSubmitBlock", Write, call (blk: BlockMsgJson) -> ();
    /// Makes the chain keep a tipset: the head moves to it unless already on top of it,
    /// and no chain without it becomes the head.
    SyncCheckpoint = "Filecoin.SyncCheckpoint", Admin, call (tsk: TipSetKeyJson) -> ();
    /// Whether every block of a known tipset is valid (validated again).
    SyncValidateTipset = "Filecoin.SyncValidateTipset", Read, call (tsk: TipSetKeyJson) -> bool;
    /// Block headers as this node accepts them.
    SyncIncomingBlocks = "Filecoin.SyncIncomingBlocks", Read, channel () -> BlockHeaderJson;
}
