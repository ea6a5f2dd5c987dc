//! Messages and signed messages with Filecoin's exact DAG-CBOR encoding and CIDs.

use crate::cid::{cbor_cid, Cid};
use fvm_shared::crypto::signature::{Signature, SignatureType};
use fvm_shared::message::Message;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A message together with the signature of its sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedMessage {
    /// The unsigned message.
    pub message: Message,
    /// The signature over the message CID bytes.
    pub signature: Signature,
}

impl Serialize for SignedMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.message, &self.signature).serialize(s)
    }
}

impl<'de> Deserialize<'de> for SignedMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (message, signature) = Deserialize::deserialize(d)?;
        Ok(SignedMessage { message, signature })
    }
}

/// The DAG-CBOR bytes of a message (the 10-element tuple).
pub fn message_cbor(msg: &Message) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(msg).expect("messages always encode")
}

/// The CID of an unsigned message.
pub fn message_cid(msg: &Message) -> Cid {
    cbor_cid(&message_cbor(msg))
}

/// The bytes a sender signs: the message CID in binary form.
pub fn message_signing_bytes(msg: &Message) -> Vec<u8> {
    message_cid(msg).to_bytes()
}

impl SignedMessage {
    /// The DAG-CBOR bytes of the signed message.
    pub fn cbor(&self) -> Vec<u8> {
        fvm_ipld_encoding::to_vec(self).expect("signed messages always encode")
    }

    /// The CID by which the chain and the message pool know this message: the bare
    /// message CID for BLS signatures, the CID of the signed tuple otherwise.
    pub fn cid(&self) -> Cid {
        if self.signature.sig_type == SignatureType::BLS {
            message_cid(&self.message)
        } else {
            cbor_cid(&self.cbor())
        }
    }
}

/// Decodes a message from its DAG-CBOR bytes. Only the canonical encoding is
/// accepted: bytes that decode but would re-encode differently are refused, so a
/// message's CID is always the hash of the bytes it arrived as.
pub fn decode_message(bytes: &[u8]) -> Result<Message, String> {
    let m: Message =
        fvm_ipld_encoding::from_slice(bytes).map_err(|e| format!("invalid message CBOR: {e}"))?;
    if message_cbor(&m) != bytes {
        return Err("invalid message CBOR: not in canonical form".into());
    }
    Ok(m)
}

/// Decodes a signed message from its DAG-CBOR bytes (canonical encoding only).
pub fn decode_signed_message(bytes: &[u8]) -> Result<SignedMessage, String> {
    let m: SignedMessage = fvm_ipld_encoding::from_slice(bytes)
        .map_err(|e| format!("invalid signed message CBOR: {e}"))?;
    if m.cbor() != bytes {
        return Err("invalid signed message CBOR: not in canonical form".into());
    }
    Ok(m)
}
