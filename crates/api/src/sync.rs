//! Sync methods: the sync state, bad blocks, and submitting a mined block.

use padma_rpc::rpc_methods;
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
}
