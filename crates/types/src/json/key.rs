//! Keys in Lotus JSON (`KeyInfo`) and as `lotus wallet export` prints them.

use super::bytes_b64;
use crate::crypto::{KeyInfo, KeyType};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

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
