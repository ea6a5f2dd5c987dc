//! The FullNode API: the one table of methods padma serves (name, permission, arity
//! per API version, handler) and the state its handlers share.

mod common;
mod wallet;

use crate::wallet::Wallet;
use padma_rpc::method::BoxFuture;
use padma_rpc::method::CallResult;
use padma_rpc::{Arity, CallCtx, Handler, JwtAuth, MethodDef, MethodTable, Params, Permission};
use padma_store::Store;
use std::sync::Arc;
use tokio::sync::watch;

/// Everything the API handlers share.
pub struct NodeState {
    /// The wallet.
    pub wallet: Wallet,
    /// Token issuer and verifier.
    pub auth: JwtAuth,
    /// The node's datastore.
    pub store: Store,
    /// Identifies this run of the node (`Session`).
    pub session: String,
    /// Seconds between epochs.
    pub block_delay: u64,
    /// Set to true to shut the node down.
    pub shutdown: watch::Sender<bool>,
}

type CallFn = fn(Arc<NodeState>, CallCtx, Params) -> BoxFuture<CallResult>;

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

fn call(name: &'static str, perm: Permission, arity: Arity, f: CallFn) -> MethodDef<NodeState> {
    row(name, perm, arity, Handler::Call(f))
}

macro_rules! h {
    ($f:path) => {
        |s, c, p| Box::pin($f(s, c, p))
    };
}

/// The FullNode method table.
pub fn methods() -> MethodTable<NodeState> {
    use Permission::*;
    let one = Arity::both(1);
    let none = Arity::both(0);
    MethodTable::new(vec![
        // Common.
        call("Version", Read, none, h!(common::version)),
        call("AuthNew", Admin, one, h!(common::auth_new)),
        call("AuthVerify", Read, one, h!(common::auth_verify)),
        call("Shutdown", Admin, none, h!(common::shutdown)),
        call("Session", Read, none, h!(common::session)),
        row(
            "Closing",
            Read,
            none,
            Handler::Channel(|s, c, p| Box::pin(common::closing(s, c, p))),
        ),
        row("Discover", Read, none, Handler::Discover),
        // Wallet.
        call("WalletNew", Write, one, h!(wallet::wallet_new)),
        call("WalletList", Write, none, h!(wallet::wallet_list)),
        call("WalletHas", Write, one, h!(wallet::wallet_has)),
        call(
            "WalletDefaultAddress",
            Write,
            none,
            h!(wallet::wallet_default_address),
        ),
        call(
            "WalletSetDefault",
            Write,
            one,
            h!(wallet::wallet_set_default),
        ),
        call("WalletSign", Sign, Arity::both(2), h!(wallet::wallet_sign)),
        call(
            "WalletSignMessage",
            Sign,
            Arity::both(2),
            h!(wallet::wallet_sign_message),
        ),
        call(
            "WalletVerify",
            Read,
            Arity::both(3),
            h!(wallet::wallet_verify),
        ),
        call("WalletImport", Admin, one, h!(wallet::wallet_import)),
        call("WalletExport", Admin, one, h!(wallet::wallet_export)),
        call("WalletDelete", Admin, one, h!(wallet::wallet_delete)),
        call("WalletBalance", Read, one, h!(wallet::wallet_balance)),
        call(
            "WalletValidateAddress",
            Read,
            one,
            h!(wallet::wallet_validate_address),
        ),
    ])
}
