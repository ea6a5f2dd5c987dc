//! Wallet keys: generation, public keys, addresses, signing and verification for
//! secp256k1 (65-byte recoverable signatures over blake2b-256 of the data) and BLS
//! (min-pk, private keys stored little-endian as Lotus does).

use crate::cid::blake2b_256;
use bls_signatures::Serialize as _;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::crypto::signature::{Signature, SignatureType};
use k256::ecdsa::{RecoveryId, Signature as EcdsaSignature, SigningKey, VerifyingKey};
use rand::rngs::OsRng;
use std::fmt;
use std::str::FromStr;

/// Length of a private key of either type, in bytes.
pub const PRIVATE_KEY_LEN: usize = 32;

/// Errors from key handling and signature checks.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The private key bytes are not a valid key of the given type.
    #[error("invalid {0} private key")]
    InvalidKey(KeyType),
    /// The key type is not one padma can sign with.
    #[error("unknown key type '{0}' (expected 'bls' or 'secp256k1')")]
    UnknownKeyType(String),
    /// A signature was malformed or did not match.
    #[error("signature verification failed: {0}")]
    BadSignature(String),
}

/// The kinds of wallet key, named as Lotus names them in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// A BLS12-381 key (f3 addresses).
    Bls,
    /// A secp256k1 key (f1 addresses).
    Secp256k1,
}

impl KeyType {
    /// Lotus's name of the key type.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Bls => "bls",
            KeyType::Secp256k1 => "secp256k1",
        }
    }

    /// The signature type this key produces.
    pub fn signature_type(self) -> SignatureType {
        match self {
            KeyType::Bls => SignatureType::BLS,
            KeyType::Secp256k1 => SignatureType::Secp256k1,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyType {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bls" => Ok(KeyType::Bls),
            "secp256k1" => Ok(KeyType::Secp256k1),
            other => Err(CryptoError::UnknownKeyType(other.to_string())),
        }
    }
}

/// A private key with its type: Lotus's `KeyInfo`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key type.
    pub key_type: KeyType,
    /// The private key bytes (secp256k1 big-endian, BLS little-endian).
    pub private_key: Vec<u8>,
}

impl fmt::Debug for KeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyInfo({}, <redacted>)", self.key_type)
    }
}

impl KeyInfo {
    /// Generates a fresh random key of the given type.
    pub fn generate(key_type: KeyType) -> Self {
        let private_key = match key_type {
            KeyType::Bls => bls_signatures::PrivateKey::generate(&mut OsRng).as_bytes(),
            KeyType::Secp256k1 => SigningKey::random(&mut OsRng).to_bytes().to_vec(),
        };
        KeyInfo {
            key_type,
            private_key,
        }
    }

    /// Builds a key from its type and bytes, checking that the bytes form a valid key.
    pub fn new(key_type: KeyType, private_key: Vec<u8>) -> Result<Self, CryptoError> {
        let key = KeyInfo {
            key_type,
            private_key,
        };
        key.public_key()?;
        Ok(key)
    }

    /// The public key bytes: 65-byte uncompressed secp256k1 or 48-byte compressed BLS.
    pub fn public_key(&self) -> Result<Vec<u8>, CryptoError> {
        match self.key_type {
            KeyType::Bls => Ok(self.bls_key()?.public_key().as_bytes()),
            KeyType::Secp256k1 => Ok(self
                .secp_key()?
                .verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec()),
        }
    }

    /// The key address (f1 or f3) of this key.
    pub fn address(&self) -> Result<Address, CryptoError> {
        let pk = self.public_key()?;
        let addr = match self.key_type {
            KeyType::Bls => Address::new_bls(&pk),
            KeyType::Secp256k1 => Address::new_secp256k1(&pk),
        };
        addr.map_err(|_| CryptoError::InvalidKey(self.key_type))
    }

    /// Signs `data` as Lotus's wallet does.
    pub fn sign(&self, data: &[u8]) -> Result<Signature, CryptoError> {
        match self.key_type {
            KeyType::Bls => {
                let sig = self.bls_key()?.sign(data);
                Ok(Signature::new_bls(sig.as_bytes()))
            }
            KeyType::Secp256k1 => {
                let digest = blake2b_256(data);
                let (sig, rec) = self
                    .secp_key()?
                    .sign_prehash_recoverable(&digest)
                    .map_err(|e| CryptoError::BadSignature(e.to_string()))?;
                let mut bytes = sig.to_bytes().to_vec();
                bytes.push(rec.to_byte());
                Ok(Signature::new_secp256k1(bytes))
            }
        }
    }

    /// A BLS private key: exactly 32 bytes, a scalar below the group order and not
    /// zero (a zero key signs everything with the identity, which anyone can forge).
    fn bls_key(&self) -> Result<bls_signatures::PrivateKey, CryptoError> {
        let bad = CryptoError::InvalidKey(KeyType::Bls);
        if self.private_key.len() != PRIVATE_KEY_LEN || self.private_key.iter().all(|b| *b == 0) {
            return Err(bad);
        }
        bls_signatures::PrivateKey::from_bytes(&self.private_key).map_err(|_| bad)
    }

    /// A secp256k1 private key: exactly 32 bytes (no zero-padding of shorter input), a
    /// non-zero scalar below the curve order.
    fn secp_key(&self) -> Result<SigningKey, CryptoError> {
        let bad = CryptoError::InvalidKey(KeyType::Secp256k1);
        if self.private_key.len() != PRIVATE_KEY_LEN {
            return Err(bad);
        }
        SigningKey::from_slice(&self.private_key).map_err(|_| bad)
    }
}

/// Checks that `sig` is a valid signature of `data` by the key behind `addr`
/// (an f1 or f3 address).
pub fn verify_signature(sig: &Signature, addr: &Address, data: &[u8]) -> Result<(), CryptoError> {
    let bad = |m: &str| Err(CryptoError::BadSignature(m.to_string()));
    match (sig.sig_type, addr.protocol()) {
        (SignatureType::BLS, Protocol::BLS) => {
            let sig = bls_signatures::Signature::from_bytes(&sig.bytes)
                .map_err(|_| CryptoError::BadSignature("malformed BLS signature".into()))?;
            let pk = bls_signatures::PublicKey::from_bytes(&addr.payload_bytes())
                .map_err(|_| CryptoError::BadSignature("malformed BLS public key".into()))?;
            if bls_signatures::verify_messages(&sig, &[data], &[pk]) {
                Ok(())
            } else {
                bad("BLS signature does not match")
            }
        }
        (SignatureType::Secp256k1, Protocol::Secp256k1) => {
            let recovered = recover_secp_address(&sig.bytes, data)?;
            if &recovered == addr {
                Ok(())
            } else {
                bad("secp256k1 signature is from another key")
            }
        }
        _ => bad("signature type does not match the address protocol"),
    }
}

/// Aggregates BLS signatures (a block's `BLSAggregate`); no signatures aggregate to
/// the identity signature, as Lotus's empty blocks carry.
pub fn aggregate_bls(sigs: &[Signature]) -> Result<Signature, CryptoError> {
    let parsed = sigs
        .iter()
        .map(|s| {
            if s.sig_type != SignatureType::BLS {
                return Err(CryptoError::BadSignature("not a BLS signature".into()));
            }
            bls_signatures::Signature::from_bytes(&s.bytes)
                .map_err(|_| CryptoError::BadSignature("malformed BLS signature".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if parsed.is_empty() {
        // The compressed point at infinity: 0xc0 then zeros.
        let mut identity = vec![0xc0u8];
        identity.resize(96, 0);
        return Ok(Signature::new_bls(identity));
    }
    let agg = bls_signatures::aggregate(&parsed)
        .map_err(|e| CryptoError::BadSignature(format!("cannot aggregate: {e}")))?;
    Ok(Signature::new_bls(agg.as_bytes()))
}

/// Checks a BLS aggregate signature over `data[i]` signed by the key of `signers[i]`
/// (f3 addresses). An empty set must carry the identity signature.
pub fn verify_bls_aggregate(
    agg: &Signature,
    data: &[&[u8]],
    signers: &[Address],
) -> Result<(), CryptoError> {
    let bad = |m: &str| Err(CryptoError::BadSignature(m.to_string()));
    if agg.sig_type != SignatureType::BLS {
        return bad("the aggregate is not a BLS signature");
    }
    if data.len() != signers.len() {
        return bad("as many messages as signers are needed");
    }
    if data.is_empty() {
        return if agg.bytes == aggregate_bls(&[])?.bytes {
            Ok(())
        } else {
            bad("an empty aggregate must be the identity signature")
        };
    }
    let sig = bls_signatures::Signature::from_bytes(&agg.bytes)
        .map_err(|_| CryptoError::BadSignature("malformed BLS aggregate".into()))?;
    let keys = signers
        .iter()
        .map(|a| {
            if a.protocol() != Protocol::BLS {
                return Err(CryptoError::BadSignature(format!(
                    "{a} is not a BLS address"
                )));
            }
            bls_signatures::PublicKey::from_bytes(&a.payload_bytes())
                .map_err(|_| CryptoError::BadSignature("malformed BLS public key".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if bls_signatures::verify_messages(&sig, data, &keys) {
        Ok(())
    } else {
        bad("BLS aggregate signature does not match")
    }
}

fn recover_secp_address(sig: &[u8], data: &[u8]) -> Result<Address, CryptoError> {
    let err = |m: &str| CryptoError::BadSignature(m.to_string());
    let Some((rs, &[v])) = sig.split_at_checked(64) else {
        return Err(err("secp256k1 signature must be 65 bytes"));
    };
    let signature =
        EcdsaSignature::from_slice(rs).map_err(|_| err("malformed secp256k1 signature"))?;
    let rec = RecoveryId::from_byte(v).ok_or_else(|| err("bad recovery id"))?;
    let digest = blake2b_256(data);
    let vk = VerifyingKey::recover_from_prehash(&digest, &signature, rec)
        .map_err(|_| err("cannot recover secp256k1 public key"))?;
    Address::new_secp256k1(vk.to_encoded_point(false).as_bytes()).map_err(|_| err("bad public key"))
}

#[cfg(test)]
mod key_checks {
    use super::*;

    #[test]
    fn short_padded_and_zero_keys_are_refused() {
        for kt in [KeyType::Bls, KeyType::Secp256k1] {
            let good = KeyInfo::generate(kt);
            assert!(KeyInfo::new(kt, good.private_key.clone()).is_ok());
            assert!(KeyInfo::new(kt, good.private_key[1..].to_vec()).is_err());
            let mut long = good.private_key.clone();
            long.push(1);
            assert!(KeyInfo::new(kt, long).is_err());
            assert!(KeyInfo::new(kt, vec![0; PRIVATE_KEY_LEN]).is_err());
            assert!(KeyInfo::new(kt, vec![]).is_err());
        }
        // 31 bytes of a real secp key used to be zero-padded into another key.
        let k = KeyInfo::generate(KeyType::Secp256k1);
        let short = KeyInfo {
            key_type: KeyType::Secp256k1,
            private_key: k.private_key[..31].to_vec(),
        };
        assert!(short.address().is_err());
        let zero_bls = KeyInfo {
            key_type: KeyType::Bls,
            private_key: vec![0; 32],
        };
        assert!(zero_bls.address().is_err() && zero_bls.sign(b"x").is_err());
    }
}
