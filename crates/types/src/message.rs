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

/// A message from `from` to `to` whose nonce and gas are left for the node's push
/// (`MpoolPushMessage`) to fill in.
pub fn unpriced_message(
    from: fvm_shared::address::Address,
    to: fvm_shared::address::Address,
    method: u64,
    value: fvm_shared::econ::TokenAmount,
    params: fvm_ipld_encoding::RawBytes,
) -> Message {
    Message {
        version: 0,
        from,
        to,
        sequence: 0,
        value,
        method_num: method,
        params,
        gas_limit: 0,
        gas_fee_cap: Default::default(),
        gas_premium: Default::default(),
    }
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

/// The most gas all messages of one block may use (Lotus `BlockGasLimit`).
pub const BLOCK_GAS_LIMIT: u64 = 10_000_000_000;
/// Total FIL that will ever exist, in whole FIL.
pub const TOTAL_FILECOIN_FIL: u64 = 2_000_000_000;

/// The total supply in attoFIL.
pub fn total_filecoin() -> fvm_shared::econ::TokenAmount {
    fvm_shared::econ::TokenAmount::from_whole(TOTAL_FILECOIN_FIL)
}

/// What a sender must hold for `msg` to be accepted: `GasFeeCap × GasLimit + Value`.
pub fn required_funds(msg: &Message) -> fvm_shared::econ::TokenAmount {
    &msg.gas_fee_cap * msg.gas_limit + &msg.value
}

/// The syntactic checks every message must pass to be included in a block (Lotus's
/// `ValidForBlockInclusion`): version 0, value within the supply, fee fields not
/// negative, premium at most the fee cap, gas limit within the block limit and at
/// least `min_gas`.
pub fn check_for_block_inclusion(msg: &Message, min_gas: u64) -> Result<(), String> {
    use num_traits::Signed;
    if msg.version != 0 {
        return Err("'Version' unsupported".into());
    }
    if msg.value.atto().is_negative() {
        return Err("'Value' field cannot be negative".into());
    }
    if msg.value > total_filecoin() {
        return Err("'Value' field cannot be greater than total filecoin supply".into());
    }
    if msg.gas_fee_cap.atto().is_negative() {
        return Err("'GasFeeCap' field cannot be negative".into());
    }
    if msg.gas_premium.atto().is_negative() {
        return Err("'GasPremium' field cannot be negative".into());
    }
    if msg.gas_premium > msg.gas_fee_cap {
        return Err("'GasFeeCap' less than 'GasPremium'".into());
    }
    if msg.gas_limit > BLOCK_GAS_LIMIT {
        return Err(format!(
            "'GasLimit' field cannot be greater than a block's gas limit ({} > {BLOCK_GAS_LIMIT})",
            msg.gas_limit
        ));
    }
    if msg.gas_limit < min_gas {
        return Err(format!("'GasLimit' field cannot be less than the cost of storing a message on chain ({} < {min_gas})", msg.gas_limit));
    }
    Ok(())
}
