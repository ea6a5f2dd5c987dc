//! Gas estimation (`GasEstimate*`) and `MessageSendSpec`, the sending options that gas
//! estimation and `MpoolPushMessage` take.

use fvm_shared::econ::TokenAmount;
use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{null_default, token_str, AddressJson, MessageJson, TokenAmountJson};
use serde::{Deserialize, Serialize};

/// Lotus's `MessageSendSpec`: `{"MaxFee": "str", "MsgUuid": "uuid", "MaximizeFeeCap": bool}`
/// (every field optional on input; `null` is the default spec).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageSendSpecJson {
    /// The most the message may spend on gas (zero: the node's default).
    #[serde(with = "token_str", default)]
    pub max_fee: TokenAmount,
    /// Identifies the request: a repeated UUID returns the message signed under it.
    #[serde(rename = "MsgUuid", default, skip_serializing_if = "Option::is_none")]
    pub msg_uuid: Option<String>,
    /// Spend the whole `MaxFee` budget on the fee cap.
    #[serde(default, deserialize_with = "null_default")]
    pub maximize_fee_cap: bool,
}

rpc_methods! {
    /// The gas estimation methods, in table order.
    pub fn gas_methods;
    /// Fills a message's zero gas limit, premium and fee cap, capping the total fee.
    GasEstimateMessageGas = "Filecoin.GasEstimateMessageGas", Read,
        call (msg: MessageJson, spec: Option<MessageSendSpecJson>, tsk: TipSetKeyJson) -> MessageJson;
    /// The gas a message uses (not overestimated).
    GasEstimateGasLimit = "Filecoin.GasEstimateGasLimit", Read,
        call (msg: MessageJson, tsk: TipSetKeyJson) -> u64;
    /// A fee cap for a message that may wait `max_queue_blks` blocks.
    GasEstimateFeeCap = "Filecoin.GasEstimateFeeCap", Read,
        call (msg: MessageJson, max_queue_blks: i64, tsk: TipSetKeyJson) -> TokenAmountJson;
    /// A gas premium for inclusion within `nblocksincl` blocks.
    GasEstimateGasPremium = "Filecoin.GasEstimateGasPremium", Read,
        call (nblocksincl: u64, sender: AddressJson, gas_limit: i64, tsk: TipSetKeyJson) -> TokenAmountJson;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_spec_accepts_partial_and_null_fields() {
        let s: MessageSendSpecJson = serde_json::from_str(r#"{"MaxFee":"123"}"#).expect("decodes");
        assert_eq!(s.max_fee, TokenAmount::from_atto(123));
        assert!(!s.maximize_fee_cap && s.msg_uuid.is_none());
        let s: MessageSendSpecJson =
            serde_json::from_str(r#"{"MaxFee":null,"MsgUuid":null,"MaximizeFeeCap":null}"#)
                .expect("decodes");
        assert!(s.max_fee.is_zero());
        assert!(serde_json::from_str::<MessageSendSpecJson>(r#"{"MaxFee":12}"#).is_err());
    }

    #[test]
    fn send_spec_round_trips() {
        let s = MessageSendSpecJson {
            max_fee: TokenAmount::from_atto(70),
            msg_uuid: Some("7b7ad2ce-3c8a-4b4c-8c8e-2d2f0e6f7a10".into()),
            maximize_fee_cap: true,
        };
        let j = serde_json::to_string(&s).expect("encodes");
        assert_eq!(
            j,
            r#"{"MaxFee":"70","MsgUuid":"7b7ad2ce-3c8a-4b4c-8c8e-2d2f0e6f7a10","MaximizeFeeCap":true}"#
        );
        let back: MessageSendSpecJson = serde_json::from_str(&j).expect("decodes");
        assert_eq!(back.max_fee, s.max_fee);
        assert_eq!(back.msg_uuid, s.msg_uuid);
        assert!(back.maximize_fee_cap);
    }

    #[test]
    fn definitions_match_lotus_arity() {
        use padma_rpc::RpcMethod;
        assert_eq!(
            GasEstimateGasPremium::PARAM_NAMES,
            ["nblocksincl", "sender", "gas_limit", "tsk"]
        );
        assert_eq!(GasEstimateMessageGas::REQUIRED_PARAMS, 3);
        assert_eq!(gas_methods().len(), 4);
    }
}
