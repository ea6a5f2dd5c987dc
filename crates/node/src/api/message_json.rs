//! Lotus JSON wire types of the message-sending methods: `MessageSendSpec` (what
//! `MpoolPushMessage` and gas estimation take, defined with gas estimation in
//! `padma_api::gas`) and `MpoolUpdate` (what `MpoolSub` sends).

pub use padma_api::gas::MessageSendSpecJson;
use padma_types::json::SignedMessageJson;
use serde::{Deserialize, Serialize};

/// Lotus's `MpoolUpdate`: `{"Type": 0 (add) | 1 (remove), "Message": SignedMessage}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MpoolUpdateJson {
    /// 0 for an added message, 1 for a removed one.
    #[serde(rename = "Type")]
    pub kind: u8,
    /// The message.
    pub message: SignedMessageJson,
}
