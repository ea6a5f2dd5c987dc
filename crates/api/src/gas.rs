//! Gas estimation (`GasEstimate*`). `MessageSendSpec`, the sending options that gas
//! estimation and `MpoolPushMessage` take, is in `padma_types::json::mpool`, re-exported
//! here.

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::mpool::MessageSendSpecJson;
use padma_types::json::{AddressJson, MessageJson, TokenAmountJson};

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
