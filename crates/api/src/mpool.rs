//! Message pool methods: pushing signed messages, signing and pushing with the node's
//! wallet, nonces, pending messages, block message selection and the stream of pool
//! changes. The wire types only they carry (`MpoolUpdate`, and `MessageSendSpec`, which
//! gas estimation takes too) are in `padma_types::json::mpool`, re-exported here.

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::mpool::{MessageSendSpecJson, MpoolUpdateJson};
use padma_types::json::{AddressJson, CidJson, MessageJson, SignedMessageJson};

rpc_methods! {
    /// The message pool methods, in table order.
    pub fn mpool_methods;
    /// Pushes a signed message from a local, trusted source; its CID.
    MpoolPush = "Filecoin.MpoolPush", Write,
        call (smsg: SignedMessageJson) -> CidJson;
    /// Pushes a signed message under the network's limits (no nonce gaps); its CID.
    MpoolPushUntrusted = "Filecoin.MpoolPushUntrusted", Write,
        call (smsg: SignedMessageJson) -> CidJson;
    /// Estimates the gas of a message (nonce 0), assigns its nonce, signs it with the
    /// node's wallet and pushes it; the signed message.
    MpoolPushMessage = "Filecoin.MpoolPushMessage", Sign,
        call (msg: MessageJson, spec: Option<MessageSendSpecJson>) -> SignedMessageJson;
    /// Pushes signed messages, stopping at the first refusal; their CIDs.
    MpoolBatchPush = "Filecoin.MpoolBatchPush", Write,
        call (smsgs: Vec<SignedMessageJson>) -> Vec<CidJson>;
    /// Pushes signed messages under the network's limits; their CIDs.
    MpoolBatchPushUntrusted = "Filecoin.MpoolBatchPushUntrusted", Write,
        call (smsgs: Vec<SignedMessageJson>) -> Vec<CidJson>;
    /// `MpoolPushMessage` for each message in turn, stopping at the first failure.
    MpoolBatchPushMessage = "Filecoin.MpoolBatchPushMessage", Sign,
        call (msgs: Vec<MessageJson>, spec: Option<MessageSendSpecJson>) -> Vec<SignedMessageJson>;
    /// The next nonce of an address, past its state nonce and pending messages.
    MpoolGetNonce = "Filecoin.MpoolGetNonce", Read, call (address: AddressJson) -> u64;
    /// The pending messages (the key must name a known tipset).
    MpoolPending = "Filecoin.MpoolPending", Read,
        call (tsk: TipSetKeyJson) -> Vec<SignedMessageJson>;
    /// The messages a block on the tipset would include.
    MpoolSelect = "Filecoin.MpoolSelect", Read,
        call (tsk: TipSetKeyJson, ticketQuality: f64) -> Vec<SignedMessageJson>;
    /// Each message added to or removed from the pool.
    MpoolSub = "Filecoin.MpoolSub", Read, channel () -> MpoolUpdateJson;
}
