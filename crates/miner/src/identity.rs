//! The miner's libp2p identity: an Ed25519 key kept in the keystore as libp2p
//! marshals it (as Lotus keeps `libp2p-host`), and the peer ID it gives.

use anyhow::{anyhow, Result};

/// A libp2p Ed25519 identity.
pub struct Identity {
    key: ed25519_dalek::SigningKey,
}

/// Protobuf prefix of a libp2p Ed25519 key (`KeyType = Ed25519`, then the data field).
const PB_ED25519: [u8; 2] = [0x08, 0x01];

impl Identity {
    /// A new random identity.
    pub fn generate() -> Identity {
        Identity {
            key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The private key as libp2p marshals it (protobuf `PrivateKey{Type: Ed25519, Data:
    /// seed ‖ public key}`), the form Lotus keeps in its keystore.
    pub fn to_protobuf(&self) -> Vec<u8> {
        let mut b = PB_ED25519.to_vec();
        b.extend_from_slice(&[0x12, 64]);
        b.extend_from_slice(&self.key.to_bytes());
        b.extend_from_slice(self.key.verifying_key().as_bytes());
        b
    }

    /// Reads a protobuf-marshalled Ed25519 private key.
    pub fn from_protobuf(b: &[u8]) -> Result<Identity> {
        let bad = || anyhow!("the libp2p-host key is not a protobuf Ed25519 private key");
        let rest = b.strip_prefix(&PB_ED25519[..]).ok_or_else(bad)?;
        let (&tag, rest) = rest.split_first().ok_or_else(bad)?;
        let (&len, data) = rest.split_first().ok_or_else(bad)?;
        if tag != 0x12 || usize::from(len) != data.len() || !(data.len() == 64 || data.len() == 32)
        {
            return Err(bad());
        }
        let seed: [u8; 32] = data
            .get(..32)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(bad)?;
        Ok(Identity {
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// The peer ID's bytes: an identity multihash of the protobuf-encoded public key.
    pub fn peer_id_bytes(&self) -> Vec<u8> {
        let mut pk = PB_ED25519.to_vec();
        pk.extend_from_slice(&[0x12, 32]);
        pk.extend_from_slice(self.key.verifying_key().as_bytes());
        let mut b = vec![0x00, pk.len() as u8];
        b.extend_from_slice(&pk);
        b
    }

    /// The peer ID as text (base58btc, `12D3KooW…`).
    pub fn peer_id(&self) -> String {
        bs58::encode(self.peer_id_bytes()).into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_round_trips_and_has_a_libp2p_peer_id() {
        let id = Identity::generate();
        let pb = id.to_protobuf();
        assert_eq!(pb.len(), 68);
        let back = Identity::from_protobuf(&pb).unwrap();
        assert_eq!(back.peer_id(), id.peer_id());
        assert!(id.peer_id().starts_with("12D3KooW"), "{}", id.peer_id());
        assert_eq!(id.peer_id_bytes().len(), 38);
        assert!(Identity::from_protobuf(&[1, 2, 3]).is_err());
    }

    #[test]
    fn known_peer_id() {
        // The all-zero seed's peer ID, as go-libp2p computes it.
        let id = Identity {
            key: ed25519_dalek::SigningKey::from_bytes(&[0u8; 32]),
        };
        let pk = id.key.verifying_key();
        assert_eq!(
            hex_of(pk.as_bytes()),
            "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
        );
        // An identity multihash (0x00, length 36) of the protobuf public key.
        let decoded = bs58::decode(id.peer_id()).into_vec().unwrap();
        assert_eq!(&decoded[..6], &[0x00, 36, 0x08, 0x01, 0x12, 32]);
        assert_eq!(&decoded[6..], pk.as_bytes());
        assert!(id.peer_id().starts_with("12D3KooW"));
    }

    fn hex_of(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
