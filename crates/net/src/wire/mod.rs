//! The wire formats of Filecoin's libp2p protocols, as pure functions over bytes:
//! Lotus's one-CBOR-item framing ([`frame`]), hello ([`hello`]), chain exchange
//! ([`xchg`]) and the gossipsub payloads ([`gossip`]). Nothing here touches a swarm;
//! [`crate::codec`] plugs them into libp2p's request-response.
//!
//! Every decoder refuses input over its size limit, anything that is not exactly one
//! DAG-CBOR item (so trailing bytes are refused), and never panics on peer input.

pub mod frame;
pub mod gossip;
pub mod hello;
pub mod xchg;

#[cfg(test)]
pub(crate) mod samples;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why bytes from a peer were not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Longer than the limit for what they claim to be.
    #[error("{what} of {len} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// What was being decoded.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a valid encoding of it.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being decoded.
        what: &'static str,
        /// Why not.
        reason: String,
    },
}

impl DecodeError {
    fn invalid(what: &'static str, reason: impl ToString) -> Self {
        DecodeError::Invalid {
            what,
            reason: reason.to_string(),
        }
    }
}

/// Checks `bytes` is at most `limit` long and exactly one DAG-CBOR item (definite
/// lengths, shortest heads, only CID tags, nothing after it).
fn check_one_item(bytes: &[u8], what: &'static str, limit: usize) -> Result<(), DecodeError> {
    if bytes.len() > limit {
        return Err(DecodeError::TooLarge {
            what,
            len: bytes.len(),
            limit,
        });
    }
    match frame::cbor_item_len(bytes) {
        Ok(Some(len)) if len == bytes.len() => Ok(()),
        Ok(Some(_)) => Err(DecodeError::invalid(what, "trailing bytes after the item")),
        Ok(None) => Err(DecodeError::invalid(what, "truncated")),
        Err(e) => Err(DecodeError::invalid(what, e)),
    }
}

/// Decodes one `T` from `bytes` (see [`check_one_item`]).
fn decode_item<T: DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
    limit: usize,
) -> Result<T, DecodeError> {
    check_one_item(bytes, what, limit)?;
    fvm_ipld_encoding::from_slice(bytes).map_err(|e| DecodeError::invalid(what, e))
}

/// Decodes one `T` and also refuses bytes that would not re-encode identically, so
/// what a peer sent is byte for byte what the node would send: for small payloads.
fn decode_canonical<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
    limit: usize,
) -> Result<T, DecodeError> {
    let value: T = decode_item(bytes, what, limit)?;
    if encode(&value) != bytes {
        return Err(DecodeError::invalid(what, "not in canonical form"));
    }
    Ok(value)
}

/// The DAG-CBOR bytes of a wire structure (these always encode).
fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(value).expect("wire structures always encode")
}
