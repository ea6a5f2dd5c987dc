//! Lotus JSON of the `Msig*` results: `MessagePrototype` (what the v1 builders
//! answer), `MsigTransaction` (a pending proposal) and `MsigVesting`.

use super::{AddressJson, BytesJson, MessageJson, TokenAmountJson};
use serde::{Deserialize, Serialize};

/// Lotus's `MessagePrototype`: an unsigned message for the caller to push (the v1
/// `Msig*` builders answer one; `ValidNonce` false means the nonce is still to be
/// assigned, as `MpoolPushMessage` does).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessagePrototypeJson {
    /// The message.
    pub message: MessageJson,
    /// Whether the message's nonce is already the right one.
    pub valid_nonce: bool,
}

/// Lotus's `MsigTransaction`: a pending multisig proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsigTransactionJson {
    /// The transaction ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// The recipient.
    #[serde(rename = "To")]
    pub to: AddressJson,
    /// The value to send.
    #[serde(rename = "Value")]
    pub value: TokenAmountJson,
    /// The method to call.
    #[serde(rename = "Method")]
    pub method: u64,
    /// The method's CBOR parameters.
    #[serde(rename = "Params")]
    pub params: BytesJson,
    /// The signers that approved it so far (the proposer first).
    #[serde(rename = "Approved")]
    pub approved: Vec<AddressJson>,
}

/// Lotus's `MsigVesting`: the linear unlock of a multisig's initial balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MsigVestingJson {
    /// The balance that unlocks.
    pub initial_balance: TokenAmountJson,
    /// The epoch the unlock starts at.
    pub start_epoch: i64,
    /// Over how many epochs it unlocks.
    pub unlock_duration: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;
    use fvm_shared::econ::TokenAmount;
    use serde_json::json;

    #[test]
    fn shapes_are_lotus_ones() {
        let t = MsigTransactionJson {
            id: 3,
            to: AddressJson(Address::new_id(101)),
            value: TokenAmountJson(TokenAmount::from_atto(5)),
            method: 0,
            params: BytesJson(vec![]),
            approved: vec![AddressJson(Address::new_id(100))],
        };
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["ID"], 3);
        assert_eq!(v["To"], Address::new_id(101).to_string());
        assert_eq!(v["Value"], "5");
        assert_eq!(v["Method"], 0);
        assert_eq!(v["Approved"], json!([Address::new_id(100).to_string()]));
        assert_eq!(v.as_object().unwrap().len(), 6);
        assert_eq!(serde_json::from_value::<MsigTransactionJson>(v).unwrap(), t);
        let vest = MsigVestingJson {
            initial_balance: TokenAmountJson(TokenAmount::from_atto(10)),
            start_epoch: 4,
            unlock_duration: 100,
        };
        assert_eq!(
            serde_json::to_value(&vest).unwrap(),
            json!({"InitialBalance": "10", "StartEpoch": 4, "UnlockDuration": 100})
        );
    }
}
