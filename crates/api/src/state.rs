//! `State*` methods on actors, addresses, balances and the network, read from the
//! state under a tipset (the empty key: the head).

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson, TokenAmountJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Lotus's `Actor`: `{"Code", "Head", "Nonce", "Balance", "DelegatedAddress"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActorJson {
    /// The actor's code CID.
    pub code: CidJson,
    /// The root of its state.
    pub head: CidJson,
    /// Its nonce.
    pub nonce: u64,
    /// Its balance.
    pub balance: TokenAmountJson,
    /// Its f4 address, if it has one.
    pub delegated_address: Option<AddressJson>,
}

/// Lotus's `ActorState` (what `StateReadState` answers): the balance, the code and the
/// state in Lotus's JSON. The state's shape depends on the actor, so it stays a JSON
/// value here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActorStateJson {
    /// The actor's balance.
    pub balance: TokenAmountJson,
    /// The actor's code CID.
    pub code: CidJson,
    /// The decoded state: the Go state struct's field names over its CBOR fields.
    pub state: Value,
}

/// Lotus's `MarketBalance`: an address's escrow in the market and the part locked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MarketBalanceJson {
    /// Funds in escrow.
    pub escrow: TokenAmountJson,
    /// The part of the escrow locked by deals.
    pub locked: TokenAmountJson,
}

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;
    use fvm_shared::econ::TokenAmount;
    use serde_json::json;

    fn cid(data: &[u8]) -> cid::Cid {
        padma_types::cid::cbor_cid(data)
    }

    #[test]
    fn actors_keep_their_shape_and_round_trip() {
        let code = cid(&[0x80]);
        let head = cid(&[0x81, 0x00]);
        let a = ActorJson {
            code: CidJson(code),
            head: CidJson(head),
            nonce: 4,
            balance: TokenAmountJson(TokenAmount::from_atto(1_000_000_000_000_000_000u64)),
            delegated_address: None,
        };
        let j = serde_json::to_value(&a).expect("encodes");
        assert_eq!(
            j.to_string(),
            json!({
                "Code": CidJson(code),
                "Head": CidJson(head),
                "Nonce": 4,
                "Balance": "1000000000000000000",
                "DelegatedAddress": null,
            })
            .to_string()
        );
        assert_eq!(serde_json::from_value::<ActorJson>(j).expect("decodes"), a);

        let f4 = Address::new_delegated(10, &[7u8; 20]).expect("an f4 address");
        let a = ActorJson {
            delegated_address: Some(AddressJson(f4)),
            ..a
        };
        let j = serde_json::to_value(&a).expect("encodes");
        assert_eq!(j["DelegatedAddress"], json!(AddressJson(f4)));
        assert_eq!(serde_json::from_value::<ActorJson>(j).expect("decodes"), a);
    }

    #[test]
    fn actor_states_and_market_balances_keep_their_shape() {
        let code = cid(&[0x80]);
        let st = ActorStateJson {
            balance: TokenAmountJson(TokenAmount::from_atto(12)),
            code: CidJson(code),
            state: json!({ "Address": "f0100" }),
        };
        let j = serde_json::to_value(&st).expect("encodes");
        assert_eq!(
            j.to_string(),
            json!({
                "Balance": "12",
                "Code": CidJson(code),
                "State": { "Address": "f0100" },
            })
            .to_string()
        );
        assert_eq!(
            serde_json::from_value::<ActorStateJson>(j).expect("decodes"),
            st
        );

        let mb = MarketBalanceJson {
            escrow: TokenAmountJson(TokenAmount::from_atto(5)),
            locked: TokenAmountJson(TokenAmount::default()),
        };
        let j = serde_json::to_string(&mb).expect("encodes");
        assert_eq!(j, r#"{"Escrow":"5","Locked":"0"}"#);
        assert_eq!(
            serde_json::from_str::<MarketBalanceJson>(&j).expect("decodes"),
            mb
        );
    }

    #[test]
    fn definitions_match_lotus_arity() {
        use padma_rpc::RpcMethod;
        assert_eq!(StateGetActor::PARAM_NAMES, ["actor", "tsk"]);
        assert_eq!(StateNetworkName::REQUIRED_PARAMS, 0);
        assert_eq!(
            StateLookupRobustAddress::VERSIONS,
            padma_rpc::rpc_method::Versions::V1
        );
        assert_eq!(state_methods().len(), 10);
    }
}
