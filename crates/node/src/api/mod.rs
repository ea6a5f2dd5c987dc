//! The FullNode API: the one table of methods padma serves (name, permission, arity
//! per API version, handler) and the state its handlers share.

mod call;
mod chain;
#[cfg(test)]
mod chain_api_tests;
mod chain_read;
pub mod chainstore;
pub mod exec;
mod gas;
pub mod message_json;
mod miner;
mod miner_sectors;
mod miner_state;
mod mining;
mod mpool;
mod msgsearch;
mod randomness;
mod readstate;
mod state;
mod sync;
#[cfg(test)]
mod table_tests;
mod wallet;

use crate::wallet::Wallet;
use padma_api::common::VersionInfo;
use padma_rpc::api_version;
use padma_rpc::{ApiVersion, Arity, Handler, JwtAuth, MethodDef, MethodTable, Permission};
use padma_store::Store;
use std::sync::Arc;
use tokio::sync::watch;

impl padma_api::common::CommonApi for NodeState {
    fn auth(&self) -> &JwtAuth {
        &self.auth
    }
    fn session(&self) -> &str {
        &self.session
    }
    fn shutdown(&self) -> &watch::Sender<bool> {
        &self.shutdown
    }
    fn version(&self, api: ApiVersion) -> VersionInfo {
        VersionInfo {
            version: format!("{}+padma", env!("CARGO_PKG_VERSION")),
            api_version: match api {
                ApiVersion::V0 => api_version::FULL_NODE_V0,
                ApiVersion::V1 => api_version::FULL_NODE_V1,
            },
            block_delay: self.block_delay,
            agent: "padma".into(),
        }
    }
}

/// Everything the API handlers share.
pub struct NodeState {
    /// The wallet.
    pub wallet: Wallet,
    /// Token issuer and verifier.
    pub auth: JwtAuth,
    /// The node's datastore.
    pub store: Arc<Store>,
    /// Identifies this run of the node (`Session`).
    pub session: String,
    /// Seconds between epochs.
    pub block_delay: u64,
    /// Set to true to shut the node down.
    pub shutdown: watch::Sender<bool>,
    /// The chain (genesis and head), when the node has a genesis.
    pub chain: Option<chainstore::Chain>,
    /// `MpoolPushMessage`'s lock and remembered `MsgUuid`s.
    pub pushed: crate::pushed::PushedMessages,
}

fn row(
    name: &'static str,
    perm: Permission,
    arity: Arity,
    handler: Handler<NodeState>,
) -> MethodDef<NodeState> {
    MethodDef {
        name,
        perm,
        arity,
        handler,
    }
}

fn call(
    name: &'static str,
    perm: Permission,
    arity: Arity,
    f: Handler<NodeState>,
) -> MethodDef<NodeState> {
    row(name, perm, arity, f)
}

/// A handler that may do synchronous state or store work: it runs on an API executor
/// chosen by the caller's permissions (see `exec`).
macro_rules! h {
    ($f:path) => {
        Handler::Heavy(|s, c, p| Box::pin($f(s, c, p)))
    };
}

/// A handler that only reads memory: it runs where the request arrived.
macro_rules! light {
    ($f:path) => {
        Handler::Call(|s, c, p| Box::pin($f(s, c, p)))
    };
}

/// The FullNode method table; store and state work runs on `executors`.
pub fn methods(executors: &exec::ApiExecutors) -> MethodTable<NodeState> {
    let mut t = MethodTable::empty("padma FullNode API").with_offload(executors.offload());
    padma_api::common::register_common(&mut t);
    wallet::register(&mut t);
    chain_read::register(&mut t);
    msgsearch::register(&mut t);
    state::register(&mut t);
    readstate::register(&mut t);
    gas::register(&mut t);
    t.extend_untyped(untyped_methods());
    t
}

/// The methods not yet bound to typed definitions.
fn untyped_methods() -> Vec<MethodDef<NodeState>> {
    use Permission::*;
    let one = Arity::both(1);
    let none = Arity::both(0);
    let two = Arity::both(2);
    let three = Arity::both(3);
    let v1_only = |n| Arity {
        v0: None,
        v1: Some(n),
    };
    vec![
        // Chain.
        call(
            "ChainGetGenesis",
            Read,
            none,
            light!(chain::chain_get_genesis),
        ),
        call("ChainHead", Read, none, light!(chain::chain_head)),
        call("ChainGetBlock", Read, one, h!(chain::chain_get_block)),
        call("ChainReadObj", Read, one, h!(chain::chain_read_obj)),
        call("ChainHasObj", Read, one, h!(chain::chain_has_obj)),
        call("ChainPutObj", Admin, v1_only(1), h!(chain::chain_put_obj)),
        // Randomness and the beacon.
        call(
            "StateGetRandomnessFromTickets",
            Read,
            Arity::both(4),
            h!(randomness::state_get_randomness_from_tickets),
        ),
        call(
            "StateGetRandomnessFromBeacon",
            Read,
            Arity::both(4),
            h!(randomness::state_get_randomness_from_beacon),
        ),
        call(
            "StateGetBeaconEntry",
            Read,
            v1_only(1),
            h!(randomness::state_get_beacon_entry),
        ),
        call(
            "BeaconGetEntry",
            Read,
            Arity {
                v0: Some(1),
                v1: None,
            },
            h!(randomness::state_get_beacon_entry),
        ),
        // Sync.
        call("SyncState", Read, none, h!(sync::sync_state)),
        call("SyncCheckBad", Read, one, h!(sync::sync_check_bad)),
        call("SyncMarkBad", Admin, one, h!(sync::sync_mark_bad)),
        call("SyncUnmarkBad", Admin, one, h!(sync::sync_unmark_bad)),
        call(
            "SyncUnmarkAllBad",
            Admin,
            none,
            h!(sync::sync_unmark_all_bad),
        ),
        // State.
        call("StateCall", Read, two, h!(call::state_call)),
        // Miners and power.
        call("StateMinerInfo", Read, two, h!(miner::state_miner_info)),
        call("StateMinerPower", Read, two, h!(miner::state_miner_power)),
        call("StateListMiners", Read, one, h!(miner::state_list_miners)),
        call(
            "StateMinerSectors",
            Read,
            three,
            h!(miner::state_miner_sectors),
        ),
        call(
            "StateMinerActiveSectors",
            Read,
            two,
            h!(miner::state_miner_active_sectors),
        ),
        call(
            "StateSectorGetInfo",
            Read,
            three,
            h!(miner::state_sector_get_info),
        ),
        call(
            "StateMinerProvingDeadline",
            Read,
            two,
            h!(miner::state_miner_proving_deadline),
        ),
        call(
            "StateMinerDeadlines",
            Read,
            two,
            h!(miner::state_miner_deadlines),
        ),
        call(
            "StateMinerPartitions",
            Read,
            three,
            h!(miner::state_miner_partitions),
        ),
        call("StateMinerFaults", Read, two, h!(miner::state_miner_faults)),
        call(
            "StateMinerSectorCount",
            Read,
            two,
            h!(miner_state::state_miner_sector_count),
        ),
        call(
            "StateMinerRecoveries",
            Read,
            two,
            h!(miner_state::state_miner_recoveries),
        ),
        call(
            "StateMinerAvailableBalance",
            Read,
            two,
            h!(miner::state_miner_available_balance),
        ),
        call(
            "StateMinerCreationDeposit",
            Read,
            v1_only(1),
            h!(miner::state_miner_creation_deposit),
        ),
        // Sealing: deposits, pledge, pre-commitments, allocated numbers.
        call(
            "StateMinerPreCommitDepositForPower",
            Read,
            three,
            h!(miner_sectors::state_miner_pre_commit_deposit_for_power),
        ),
        call(
            "StateMinerInitialPledgeCollateral",
            Read,
            three,
            h!(miner_sectors::state_miner_initial_pledge_collateral),
        ),
        call(
            "StateSectorPreCommitInfo",
            Read,
            three,
            h!(miner_sectors::state_sector_pre_commit_info),
        ),
        call(
            "StateMinerAllocated",
            Read,
            v1_only(2),
            h!(miner_sectors::state_miner_allocated),
        ),
        // Message pool.
        call("MpoolPush", Write, one, h!(mpool::mpool_push)),
        call(
            "MpoolPushUntrusted",
            Write,
            one,
            h!(mpool::mpool_push_untrusted),
        ),
        call("MpoolPushMessage", Sign, two, h!(mpool::mpool_push_message)),
        call("MpoolBatchPush", Write, one, h!(mpool::mpool_batch_push)),
        call(
            "MpoolBatchPushUntrusted",
            Write,
            one,
            h!(mpool::mpool_batch_push_untrusted),
        ),
        call(
            "MpoolBatchPushMessage",
            Sign,
            two,
            h!(mpool::mpool_batch_push_message),
        ),
        call("MpoolGetNonce", Read, one, h!(mpool::mpool_get_nonce)),
        call("MpoolPending", Read, one, h!(mpool::mpool_pending)),
        call("MpoolSelect", Read, two, h!(mpool::mpool_select)),
        row(
            "MpoolSub",
            Read,
            none,
            Handler::Channel(|s, c, p| Box::pin(mpool::mpool_sub(s, c, p))),
        ),
        // Block production.
        call(
            "MinerGetBaseInfo",
            Read,
            three,
            h!(mining::miner_get_base_info),
        ),
        call(
            "MinerCreateBlock",
            Write,
            one,
            h!(mining::miner_create_block),
        ),
        call("SyncSubmitBlock", Write, one, h!(mining::sync_submit_block)),
    ]
}
