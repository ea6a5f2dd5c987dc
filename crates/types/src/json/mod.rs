//! Lotus JSON: the wire encodings the JSON-RPC API uses, apart from the domain types.
//!
//! CIDs are `{"/": "bafy..."}`, big integers decimal strings, bytes padded base64
//! (`null` and `""` accepted), addresses `f`/`t` strings (both accepted on input, the
//! current network's prefix on output), signatures `{"Type","Data"}`. Message and
//! SignedMessage output carry an extra `CID` field that input ignores.

use crate::address::parse_address;
use crate::cid::Cid;
use crate::crypto::{KeyInfo, KeyType};
use crate::message::{message_cid, SignedMessage};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use fvm_ipld_bitfield::BitField;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::crypto::signature::{Signature, SignatureType};
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::receipt::Receipt;
use num_bigint::BigInt;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;

pub mod block;

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

/// A message in Lotus JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageJson {
    /// Message version, always 0 (optional on input).
    #[serde(default, deserialize_with = "null_default")]
    pub version: u64,
    /// Recipient.
    #[serde(with = "address_str")]
    pub to: Address,
    /// Sender.
    #[serde(with = "address_str")]
    pub from: Address,
    /// Sender nonce.
    #[serde(default, deserialize_with = "null_default")]
    pub nonce: u64,
    /// Value in attoFIL.
    #[serde(with = "token_str", default)]
    pub value: TokenAmount,
    /// Gas limit.
    #[serde(default, deserialize_with = "null_default")]
    pub gas_limit: u64,
    /// Gas fee cap in attoFIL.
    #[serde(with = "token_str", default)]
    pub gas_fee_cap: TokenAmount,
    /// Gas premium in attoFIL.
    #[serde(with = "token_str", default)]
    pub gas_premium: TokenAmount,
    /// Method number.
    #[serde(default, deserialize_with = "null_default")]
    pub method: u64,
    /// CBOR parameters.
    #[serde(with = "bytes_b64", default)]
    pub params: Vec<u8>,
    /// The message CID (output only; ignored on input).
    #[serde(
        rename = "CID",
        skip_deserializing,
        skip_serializing_if = "Option::is_none"
    )]
    pub cid: Option<CidJson>,
}

impl From<&Message> for MessageJson {
    fn from(m: &Message) -> Self {
        MessageJson {
            version: m.version,
            to: m.to,
            from: m.from,
            nonce: m.sequence,
            value: m.value.clone(),
            gas_limit: m.gas_limit,
            gas_fee_cap: m.gas_fee_cap.clone(),
            gas_premium: m.gas_premium.clone(),
            method: m.method_num,
            params: m.params.to_vec(),
            cid: Some(CidJson(message_cid(m))),
        }
    }
}

impl From<MessageJson> for Message {
    fn from(m: MessageJson) -> Self {
        Message {
            version: m.version,
            from: m.from,
            to: m.to,
            sequence: m.nonce,
            value: m.value,
            method_num: m.method,
            params: RawBytes::new(m.params),
            gas_limit: m.gas_limit,
            gas_fee_cap: m.gas_fee_cap,
            gas_premium: m.gas_premium,
        }
    }
}

/// A signature in Lotus JSON: `{"Type": 1|2|3, "Data": "<base64>"}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignatureJson {
    /// 1 secp256k1, 2 BLS (3, delegated, is not accepted yet).
    #[serde(rename = "Type")]
    pub sig_type: u8,
    /// The signature bytes.
    #[serde(with = "bytes_b64", default)]
    pub data: Vec<u8>,
}

impl From<&Signature> for SignatureJson {
    fn from(s: &Signature) -> Self {
        SignatureJson {
            sig_type: s.sig_type as u8,
            data: s.bytes.clone(),
        }
    }
}

impl TryFrom<SignatureJson> for Signature {
    type Error = String;
    fn try_from(s: SignatureJson) -> Result<Self, String> {
        let sig_type = match s.sig_type {
            1 => SignatureType::Secp256k1,
            2 => SignatureType::BLS,
            t => return Err(format!("unknown signature type {t}")),
        };
        Ok(Signature {
            sig_type,
            bytes: s.data,
        })
    }
}

/// A signed message in Lotus JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignedMessageJson {
    /// The message.
    pub message: MessageJson,
    /// The signature.
    pub signature: SignatureJson,
    /// The signed message CID (output only).
    #[serde(
        rename = "CID",
        skip_deserializing,
        skip_serializing_if = "Option::is_none"
    )]
    pub cid: Option<CidJson>,
}

impl From<&SignedMessage> for SignedMessageJson {
    fn from(m: &SignedMessage) -> Self {
        SignedMessageJson {
            message: MessageJson::from(&m.message),
            signature: SignatureJson::from(&m.signature),
            cid: Some(CidJson(m.cid())),
        }
    }
}

impl TryFrom<SignedMessageJson> for SignedMessage {
    type Error = String;
    fn try_from(m: SignedMessageJson) -> Result<Self, String> {
        Ok(SignedMessage {
            message: m.message.into(),
            signature: m.signature.try_into()?,
        })
    }
}

/// A message receipt in Lotus JSON: `{"ExitCode", "Return", "GasUsed", "EventsRoot"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageReceiptJson {
    /// The exit code.
    pub exit_code: u32,
    /// The return value.
    #[serde(rename = "Return", with = "bytes_b64", default)]
    pub return_data: Vec<u8>,
    /// Gas used.
    pub gas_used: u64,
    /// The root of the events the message emitted, if any.
    #[serde(default)]
    pub events_root: Option<CidJson>,
}

impl From<&Receipt> for MessageReceiptJson {
    fn from(r: &Receipt) -> Self {
        MessageReceiptJson {
            exit_code: r.exit_code.value(),
            return_data: r.return_data.to_vec(),
            gas_used: r.gas_used,
            events_root: r.events_root.map(CidJson),
        }
    }
}

/// Lotus's `KeyInfo` JSON: `{"Type": "bls"|"secp256k1", "PrivateKey": "<base64>"}`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyInfoJson {
    /// Key type name.
    #[serde(rename = "Type")]
    pub key_type: String,
    /// Private key bytes.
    #[serde(with = "bytes_b64")]
    pub private_key: Vec<u8>,
}

impl From<&KeyInfo> for KeyInfoJson {
    fn from(k: &KeyInfo) -> Self {
        KeyInfoJson {
            key_type: k.key_type.to_string(),
            private_key: k.private_key.clone(),
        }
    }
}

impl TryFrom<KeyInfoJson> for KeyInfo {
    type Error = crate::crypto::CryptoError;
    fn try_from(k: KeyInfoJson) -> Result<Self, Self::Error> {
        KeyInfo::new(KeyType::from_str(&k.key_type)?, k.private_key)
    }
}

/// Encodes a key as `lotus wallet export` prints it: hex of the KeyInfo JSON.
pub fn key_to_lotus_hex(key: &KeyInfo) -> String {
    hex::encode(serde_json::to_vec(&KeyInfoJson::from(key)).expect("key info serialises"))
}

/// Decodes a key from `lotus wallet export` hex or from KeyInfo JSON text.
pub fn key_from_lotus_text(text: &str) -> Result<KeyInfo, String> {
    let text = text.trim();
    let json_bytes = if text.starts_with('{') {
        text.as_bytes().to_vec()
    } else {
        hex::decode(text).map_err(|e| format!("key is neither KeyInfo JSON nor hex: {e}"))?
    };
    let ki: KeyInfoJson =
        serde_json::from_slice(&json_bytes).map_err(|e| format!("invalid KeyInfo JSON: {e}"))?;
    KeyInfo::try_from(ki).map_err(|e| e.to_string())
}

/// The largest bit a bitfield read from JSON may set (no sector number is larger).
const MAX_BITFIELD_BIT: u64 = i64::MAX as u64;

/// A bitfield in Lotus JSON: run lengths, starting with a run of unset bits (`[0]` when
/// empty).
pub fn bitfield_json(bf: &BitField) -> serde_json::Value {
    serde_json::Value::from(bitfield_runs(bf))
}

/// The run lengths of a bitfield as Lotus JSON lists them.
fn bitfield_runs(bf: &BitField) -> Vec<u64> {
    let mut runs = Vec::new();
    let mut next = 0u64;
    for r in bf.ranges() {
        runs.push(r.start - next);
        runs.push(r.end - r.start);
        next = r.end;
    }
    if runs.is_empty() {
        runs.push(0);
    }
    runs
}

/// Reads a Lotus JSON bitfield (run lengths starting with unset bits; `null` is empty).
/// Adjacent set runs (a zero-length gap) merge; no bit may pass `i64::MAX`.
pub fn bitfield_from_json(v: &serde_json::Value) -> anyhow::Result<BitField> {
    if v.is_null() {
        return Ok(BitField::new());
    }
    let runs: Vec<u64> =
        serde_json::from_value(v.clone()).map_err(|e| anyhow::anyhow!("invalid bitfield: {e}"))?;
    let mut ranges: Vec<std::ops::Range<u64>> = Vec::new();
    let mut pos = 0u64;
    for (i, len) in runs.into_iter().enumerate() {
        let end = pos
            .checked_add(len)
            .ok_or_else(|| anyhow::anyhow!("bitfield too large"))?;
        if i % 2 == 1 && len > 0 {
            match ranges.last_mut() {
                Some(last) if last.end == pos => last.end = end,
                _ => ranges.push(pos..end),
            }
        }
        pos = end;
    }
    if pos > MAX_BITFIELD_BIT {
        anyhow::bail!("bitfield too large");
    }
    Ok(BitField::from_ranges(fvm_ipld_bitfield::iter::Ranges::new(
        ranges,
    )))
}

/// A bitfield as a JSON value: written as [`bitfield_json`] writes it, read as
/// [`bitfield_from_json`] reads it (`null` is empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BitFieldJson(pub BitField);

impl Serialize for BitFieldJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        bitfield_runs(&self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for BitFieldJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        bitfield_from_json(&v)
            .map(BitFieldJson)
            .map_err(|e| D::Error::custom(format!("{e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn bits(b: &BitField) -> Vec<u64> {
        b.iter().collect()
    }

    #[test]
    fn bitfields_as_lotus_run_lengths() {
        let mut bf = BitField::new();
        assert_eq!(bitfield_json(&bf), json!([0]));
        bf.set(1);
        assert_eq!(bitfield_json(&bf), json!([1, 1]));
        for b in [0, 2, 3, 7] {
            bf.set(b);
        }
        let j = bitfield_json(&bf);
        assert_eq!(j, json!([0, 4, 3, 1]));
        assert_eq!(bits(&bitfield_from_json(&j).unwrap()), vec![0, 1, 2, 3, 7]);
        assert!(bitfield_from_json(&Value::Null).unwrap().is_empty());
        // A zero-length gap joins two runs.
        let b = bitfield_from_json(&json!([1, 2, 0, 1])).unwrap();
        assert_eq!(bits(&b), vec![1, 2, 3]);
        assert_eq!(bitfield_json(&b), json!([1, 3]));
        assert!(bitfield_from_json(&json!(["x"])).is_err());
        assert!(bitfield_from_json(&json!([u64::MAX, 1])).is_err());
        assert!(bitfield_from_json(&json!([i64::MAX as u64, 1])).is_err());
    }

    #[test]
    fn bitfield_values_write_and_read_run_lengths() {
        let mut bf = BitField::new();
        for b in [0, 1, 2, 3, 7] {
            bf.set(b);
        }
        let text = serde_json::to_string(&BitFieldJson(bf.clone())).unwrap();
        assert_eq!(text, "[0,4,3,1]");
        let back: BitFieldJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back, BitFieldJson(bf));
        assert_eq!(
            serde_json::to_string(&BitFieldJson::default()).unwrap(),
            "[0]"
        );
        let empty: BitFieldJson = serde_json::from_str("null").unwrap();
        assert!(empty.0.is_empty());
        let e = serde_json::from_str::<BitFieldJson>(r#"["x"]"#).unwrap_err();
        assert!(e.to_string().starts_with("invalid bitfield"), "{e}");
    }

    #[test]
    fn receipts_in_lotus_json() {
        let r = Receipt {
            exit_code: fvm_shared::error::ExitCode::new(16),
            return_data: RawBytes::new(vec![0x80]),
            gas_used: 1234,
            events_root: None,
        };
        let j = MessageReceiptJson::from(&r);
        let text = serde_json::to_string(&j).unwrap();
        assert_eq!(
            text,
            r#"{"ExitCode":16,"Return":"gA==","GasUsed":1234,"EventsRoot":null}"#
        );
        assert_eq!(
            serde_json::from_str::<MessageReceiptJson>(&text).unwrap(),
            j
        );
        let empty = Receipt {
            return_data: RawBytes::default(),
            ..r
        };
        let v = serde_json::to_value(MessageReceiptJson::from(&empty)).unwrap();
        assert_eq!(v["Return"], Value::Null);
    }
}
