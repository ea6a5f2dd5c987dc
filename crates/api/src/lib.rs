//! padma's API, defined once: every JSON-RPC method of the FullNode and StorageMiner
//! APIs as a typed definition (wire name, permission, versions, parameter tuple,
//! result type). The node and the miner register their handlers against these
//! definitions, discovery lists them, and the CLI and the miner call through them with
//! the typed client of `padma-rpc`.
//!
//! The modules hold method definitions only (and, in [`common`], the one implementation
//! of the common methods). The Lotus JSON wire types the methods carry are defined in
//! `padma_types::json`, one module per namespace (`block`, `chain`, `state`,
//! `msg_search`, `msig`, `invoc`, `miner`, `mining`, `mpool`, `net`, `sync`, `version`,
//! `storage_miner`). Each module here re-exports the namespace wire types its methods
//! carry — re-exports, not copies: `padma_api::state::ActorJson` is
//! `padma_types::json::state::ActorJson` — and [`miner_json`] is `padma_types::json::miner` under its former path.

pub mod chain;
pub mod chain_read;
pub mod common;
pub mod gas;
pub mod miner_state;
pub mod mining;
pub mod mpool;
pub mod msg_search;
pub mod msig;
pub mod net;
pub mod randomness;
pub mod state;
pub mod state_call;
pub mod storage_miner;
pub mod sync;
pub mod wallet;

/// The miner-state wire types under the path they had here; they live in
/// `padma_types::json::miner`.
pub use padma_types::json::miner as miner_json;

use padma_rpc::MethodInfo;

pub use net::net_methods;
pub use storage_miner::storage_miner_methods;

/// Every FullNode method padma serves, in table order.
pub fn full_node_methods() -> Vec<MethodInfo> {
    [
        common::common_methods(),
        wallet::wallet_methods(),
        chain_read::chain_read_methods(),
        msg_search::msg_search_methods(),
        state::state_methods(),
        gas::gas_methods(),
        chain::chain_methods(),
        mpool::mpool_methods(),
        sync::sync_methods(),
        mining::mining_methods(),
        miner_state::miner_state_methods(),
        randomness::randomness_methods(),
        state_call::state_call_methods(),
        net::net_methods(),
        msig::msig_methods(),
    ]
    .concat()
}
