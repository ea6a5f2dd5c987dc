//! Lotus JSON of the `State*` results on actors and the market: `Actor`, `ActorState`
//! and `MarketBalance`.

use super::{AddressJson, CidJson, TokenAmountJson};
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

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;
    use fvm_shared::econ::TokenAmount;
    use serde_json::json;

    fn cid(data: &[u8]) -> cid::Cid {
        crate::cid::cbor_cid(data)
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
}
