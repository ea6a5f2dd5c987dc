//! Lotus JSON of `StateSearchMsg`'s and `StateWaitMsg`'s answer: `MsgLookup`.

use super::block::TipSetKeyJson;
use super::{CidJson, MessageReceiptJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Lotus's `MsgLookup`: where a message executed and its receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MsgLookupJson {
    /// The message found: the one asked for, or the message that replaced it.
    pub message: CidJson,
    /// Its receipt.
    pub receipt: MessageReceiptJson,
    /// The decoded return value; padma leaves it `null`.
    pub return_dec: Option<Value>,
    /// The tipset whose parent state holds the message's execution.
    pub tip_set: TipSetKeyJson,
    /// That tipset's epoch.
    pub height: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::TipSetKey;
    use serde_json::json;

    #[test]
    fn lookups_keep_their_shape_and_round_trip() {
        let m = crate::cid::cbor_cid(&[0x80]);
        let b = crate::cid::cbor_cid(&[0x81, 0x00]);
        let lookup = MsgLookupJson {
            message: CidJson(m),
            receipt: MessageReceiptJson {
                exit_code: 0,
                return_data: Default::default(),
                gas_used: 1234,
                events_root: None,
            },
            return_dec: None,
            tip_set: TipSetKeyJson(TipSetKey(vec![b])),
            height: 9,
        };
        let j = serde_json::to_value(&lookup).expect("encodes");
        assert_eq!(
            j.to_string(),
            json!({
                "Message": CidJson(m),
                "Receipt": {"ExitCode": 0, "Return": null, "GasUsed": 1234, "EventsRoot": null},
                "ReturnDec": null,
                "TipSet": [CidJson(b)],
                "Height": 9,
            })
            .to_string()
        );
        assert_eq!(
            serde_json::from_value::<MsgLookupJson>(j).expect("decodes"),
            lookup
        );
        // Not found is `null`.
        assert_eq!(
            serde_json::to_string(&None::<MsgLookupJson>).expect("encodes"),
            "null"
        );
    }
}
