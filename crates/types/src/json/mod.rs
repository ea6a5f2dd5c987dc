//! Lotus JSON: every wire type of the JSON-RPC API, apart from the domain types. This is
//! their one home; padma-api's method definitions carry them.
//!
//! The base encodings are here (messages, receipts, keys and bitfields from private
//! submodules, re-exported). CIDs are `{"/": "bafy..."}`, big integers decimal strings,
//! bytes padded base64 (`null` and `""` accepted), addresses `f`/`t` strings (both
//! accepted on input, the current network's prefix on output), signatures
//! `{"Type","Data"}`. Message and SignedMessage output carry an extra `CID` field that
//! input ignores.
//!
//! The rest, one module per namespace: [`block`] (headers, tipsets, tipset keys),
//! [`chain`] (`Chain*` results), [`state`] (actors, market balances), [`msg_search`]
//! (`MsgLookup`), [`invoc`] (`InvocResult` and its traces), [`miner`] (`StateMiner*`
//! results), [`mining`] (block production), [`mpool`] (`MessageSendSpec`,
//! `MpoolUpdate`), [`net`] (peers, addresses, bandwidth, gating, scores, resource
//! limits), [`sync`] (`SyncState`) and [`version`] (`Version`).

use crate::address::parse_address;
use crate::cid::Cid;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use num_bigint::BigInt;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;

mod bitfield;
mod key;
mod message;

pub mod block;
pub mod chain;
pub mod invoc;
pub mod miner;
pub mod mining;
pub mod mpool;
pub mod msg_search;
pub mod msig;
pub mod net;
pub mod state;
pub mod storage_miner;
pub mod sync;
pub mod version;

pub use bitfield::{bitfield_from_json, bitfield_json, BitFieldJson};
pub use key::{key_from_lotus_text, key_to_lotus_hex, KeyInfoJson};
pub use message::{MessageJson, MessageReceiptJson, SignatureJson, SignedMessageJson};

/// A CID as Lotus writes it: `{"/": "<base32 cid>"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CidJson(pub Cid);

impl Serialize for CidJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Link {
            #[serde(rename = "/")]
            slash: String,
        }
        Link {
            slash: self.0.to_string(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for CidJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Link {
            #[serde(rename = "/")]
            slash: String,
        }
        let link = Link::deserialize(d)?;
        Cid::from_str(&link.slash)
            .map(CidJson)
            .map_err(|e| D::Error::custom(format!("invalid CID '{}': {e}", link.slash)))
    }
}

/// Serde helpers for addresses as strings.
pub mod address_str {
    use super::*;
    /// Writes an address with the current network prefix.
    pub fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_string())
    }
    /// Reads an address with either network prefix.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        let s = String::deserialize(d)?;
        parse_address(&s).map_err(D::Error::custom)
    }
}

/// A JSON address value (an address string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddressJson(#[serde(with = "address_str")] pub Address);

/// Serde helpers for byte strings as padded base64; `null` and `""` read as empty, empty writes `null`.
pub mod bytes_b64 {
    use super::*;
    /// Writes bytes as base64, or `null` when empty (Go's nil slice).
    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if b.is_empty() {
            s.serialize_none()
        } else {
            s.serialize_str(&B64.encode(b))
        }
    }
    /// Reads base64 text, `null` or `""`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(Vec::new()),
            Some(s) => B64
                .decode(s.as_bytes())
                .map_err(|e| D::Error::custom(format!("invalid base64: {e}"))),
        }
    }
}

/// Base64 bytes as a standalone JSON value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BytesJson(#[serde(with = "bytes_b64")] pub Vec<u8>);

impl AsRef<[u8]> for BytesJson {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Serde helpers for token amounts as decimal attoFIL strings.
pub mod token_str {
    use super::*;
    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(t: &TokenAmount, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.atto().to_string())
    }
    /// Reads a decimal string (or `null`, read as zero).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TokenAmount, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(TokenAmount::default()),
            Some(s) => BigInt::from_str(&s)
                .map(TokenAmount::from_atto)
                .map_err(|_| D::Error::custom(format!("invalid big integer '{s}'"))),
        }
    }
}

/// A token amount as Lotus writes it: a decimal attoFIL string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenAmountJson(#[serde(with = "token_str")] pub TokenAmount);

/// Reads `null` as the type's default, as Go decodes it.
pub fn null_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Serde helpers for a big integer as a decimal string.
pub mod bigint_str {
    use super::*;
    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(v: &BigInt, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
    /// Reads a decimal string (`null` reads as zero).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BigInt, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(BigInt::default()),
            Some(s) => BigInt::from_str(&s)
                .map_err(|_| D::Error::custom(format!("invalid big integer '{s}'"))),
        }
    }
}

/// A big integer as Lotus writes it: a decimal string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BigIntJson(#[serde(with = "bigint_str")] pub BigInt);
