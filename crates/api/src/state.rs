//! `State*` methods on actors, addresses, balances and the network, read from the
//! state under a tipset (the empty key: the head).

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::state::{ActorJson, ActorStateJson, MarketBalanceJson};
use padma_types::json::{AddressJson, BytesJson, CidJson, TokenAmountJson};
use serde_json::Value;
use std::collections::BTreeMap;

rpc_methods! {
    /// The actor, address and network `State*` methods, in table order.
    pub fn state_methods;
    /// An actor.
    StateGetActor = "Filecoin.StateGetActor", Read,
        call (actor: AddressJson, tsk: TipSetKeyJson) -> ActorJson;
    /// An actor's balance, code and decoded state.
    StateReadState = "Filecoin.StateReadState", Read,
        call (actor: AddressJson, tsk: TipSetKeyJson) -> ActorStateJson;
    /// The ID address an address resolves to.
    StateLookupID = "Filecoin.StateLookupID", Read,
        call (address: AddressJson, tsk: TipSetKeyJson) -> AddressJson;
    /// The robust address the init actor maps to an ID address.
    StateLookupRobustAddress = "Filecoin.StateLookupRobustAddress", Read,
        call (address: AddressJson, tsk: TipSetKeyJson) -> AddressJson, versions = V1;
    /// The key address of an account.
    StateAccountKey = "Filecoin.StateAccountKey", Read,
        call (address: AddressJson, tsk: TipSetKeyJson) -> AddressJson;
    /// Every actor's ID address.
    StateListActors = "Filecoin.StateListActors", Read,
        call (tsk: TipSetKeyJson) -> Vec<AddressJson>;
    /// The network's name (at the head).
    StateNetworkName = "Filecoin.StateNetworkName", Read, call () -> String;
    /// The network version at a tipset.
    StateNetworkVersion = "Filecoin.StateNetworkVersion", Read,
        call (tsk: TipSetKeyJson) -> u32;
    /// The circulating supply at a tipset's parent state.
    StateCirculatingSupply = "Filecoin.StateCirculatingSupply", Read,
        call (tsk: TipSetKeyJson) -> TokenAmountJson;
    /// An address's escrow and locked funds in the market.
    StateMarketBalance = "Filecoin.StateMarketBalance", Read,
        call (address: AddressJson, tsk: TipSetKeyJson) -> MarketBalanceJson;
    /// A method's CBOR parameters decoded for the actor at an address, in Lotus JSON.
    StateDecodeParams = "Filecoin.StateDecodeParams", Read,
        call (to: AddressJson, method: u64, params: BytesJson, tsk: TipSetKeyJson) -> Value;
    /// A method's parameters in Lotus JSON encoded as CBOR for an actor code.
    StateEncodeParams = "Filecoin.StateEncodeParams", Read,
        call (code: CidJson, method: u64, params: Value) -> BytesJson, versions = V1;
    /// The builtin actors' code CIDs by name at a network version.
    StateActorCodeCIDs = "Filecoin.StateActorCodeCIDs", Read,
        call (version: u32) -> BTreeMap<String, CidJson>;
    /// The builtin actors' manifest CID at a network version.
    StateActorManifestCID = "Filecoin.StateActorManifestCID", Read,
        call (version: u32) -> CidJson;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_match_lotus_arity() {
        use padma_rpc::RpcMethod;
        assert_eq!(StateGetActor::PARAM_NAMES, ["actor", "tsk"]);
        assert_eq!(StateNetworkName::REQUIRED_PARAMS, 0);
        assert_eq!(
            StateLookupRobustAddress::VERSIONS,
            padma_rpc::rpc_method::Versions::V1
        );
        assert_eq!(state_methods().len(), 14);
    }
}
