//! Hello (`/fil/hello/1.0.0`, protocol.md §4.2): the opener sends its heaviest tipset
//! and genesis, the other side answers with when the hello arrived and when it answered.

use super::{decode_canonical, encode, DecodeError};
use cid::Cid;
use fvm_ipld_encoding::tuple::*;
use fvm_shared::bigint::{bigint_ser, BigInt};

/// The hello protocol's name.
pub const HELLO_PROTOCOL: &str = "/fil/hello/1.0.0";

/// The longest hello accepted: room for a tipset of about ninety blocks.
pub const MAX_HELLO_BYTES: usize = 4 * 1024;

/// The longest latency answer accepted (two integers need at most 19 bytes).
pub const MAX_LATENCY_BYTES: usize = 64;

/// What a peer says about its chain: `[HeaviestTipSet [CID], HeaviestTipSetHeight
/// int64, HeaviestTipSetWeight BigInt, GenesisHash CID]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct HelloMessage {
    /// The block CIDs of the peer's heaviest tipset, in tipset order.
    pub heaviest_tipset: Vec<Cid>,
    /// That tipset's epoch.
    pub heaviest_tipset_height: i64,
    /// That tipset's weight.
    #[serde(with = "bigint_ser")]
    pub heaviest_tipset_weight: BigInt,
    /// The CID of the peer's genesis block.
    pub genesis: Cid,
}

impl HelloMessage {
    /// The DAG-CBOR bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a hello of at most [`MAX_HELLO_BYTES`], in canonical form only.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_canonical(bytes, "hello message", MAX_HELLO_BYTES)
    }
}

/// The answer to a hello: `[TArrival int64, TSent int64]`, unix nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct LatencyMessage {
    /// When the hello arrived.
    pub arrival: i64,
    /// When this answer was sent.
    pub sent: i64,
}

impl LatencyMessage {
    /// The DAG-CBOR bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a latency answer of at most [`MAX_LATENCY_BYTES`], canonical form only.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_canonical(bytes, "latency message", MAX_LATENCY_BYTES)
    }
}

/// Unix nanoseconds now, as the latency message carries them (0 before 1970, the
/// largest `i64` after 2262).
pub fn unix_nanos_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_types::cid::cbor_cid;

    fn cid_cbor(c: &Cid) -> Vec<u8> {
        let mut out = vec![0xd8, 0x2a, 0x58, 0x27, 0x00];
        out.extend_from_slice(&c.to_bytes());
        out
    }

    #[test]
    fn hello_bytes_are_the_four_tuple() {
        let head = cbor_cid(b"\x80");
        let genesis = cbor_cid(b"\x82\x40\x80");
        let hello = HelloMessage {
            heaviest_tipset: vec![head],
            heaviest_tipset_height: 5,
            heaviest_tipset_weight: BigInt::from(100),
            genesis,
        };
        // 84: four fields; 81: one CID; 05: height; 42 00 64: +100; then the genesis CID.
        let mut expected = vec![0x84, 0x81];
        expected.extend(cid_cbor(&head));
        expected.extend([0x05, 0x42, 0x00, 0x64]);
        expected.extend(cid_cbor(&genesis));
        assert_eq!(hello.encode(), expected);
        assert_eq!(HelloMessage::decode(&expected).unwrap(), hello);

        // Weight zero is the empty byte string; a negative height is major type 1.
        let zero = HelloMessage {
            heaviest_tipset: vec![],
            heaviest_tipset_height: -1,
            heaviest_tipset_weight: BigInt::from(0),
            genesis,
        };
        let mut expected = vec![0x84, 0x80, 0x20, 0x40];
        expected.extend(cid_cbor(&genesis));
        assert_eq!(zero.encode(), expected);
        assert_eq!(HelloMessage::decode(&expected).unwrap(), zero);
    }

    #[test]
    fn latency_bytes_are_the_two_tuple() {
        let m = LatencyMessage {
            arrival: 1_700_000_000_000_000_000,
            sent: 1_700_000_000_000_000_123,
        };
        let expected = [
            0x82, 0x1b, 0x17, 0x97, 0x9c, 0xfe, 0x36, 0x2a, 0x00, 0x00, 0x1b, 0x17, 0x97, 0x9c,
            0xfe, 0x36, 0x2a, 0x00, 0x7b,
        ];
        assert_eq!(m.encode(), expected);
        assert_eq!(LatencyMessage::decode(&expected).unwrap(), m);
        assert_eq!(
            LatencyMessage::decode(&[0x82, 0x00, 0x20]).unwrap(),
            LatencyMessage {
                arrival: 0,
                sent: -1
            }
        );
    }

    #[test]
    fn bad_hellos_are_refused() {
        let genesis = cbor_cid(b"\x80");
        let good = HelloMessage {
            heaviest_tipset: vec![genesis],
            heaviest_tipset_height: 0,
            heaviest_tipset_weight: BigInt::from(1),
            genesis,
        }
        .encode();
        let mut trailing = good.clone();
        trailing.push(0x00);
        let mut three = good.clone();
        three[0] = 0x83;
        let mut five = good.clone();
        five[0] = 0x85;
        five.push(0x00);
        // A weight with a leading zero byte is not canonical.
        let padded = {
            let mut v = vec![0x84, 0x80, 0x00, 0x43, 0x00, 0x00, 0x01];
            v.extend(cid_cbor(&genesis));
            v
        };
        // A weight with sign byte 2.
        let bad_sign = {
            let mut v = vec![0x84, 0x80, 0x00, 0x42, 0x02, 0x01];
            v.extend(cid_cbor(&genesis));
            v
        };
        let mut too_long = vec![0x84, 0x99, 0x01, 0x00];
        too_long.extend(cid_cbor(&genesis).repeat(256));
        for bad in [
            &trailing[..],
            &good[..good.len() - 1],
            &three[..],
            &five[..],
            &padded[..],
            &bad_sign[..],
            &[][..],
            &[0xf6][..],
        ] {
            assert!(matches!(
                HelloMessage::decode(bad),
                Err(DecodeError::Invalid { .. })
            ));
        }
        assert!(matches!(
            HelloMessage::decode(&too_long),
            Err(DecodeError::TooLarge { .. })
        ));
        for bad in [
            &[0x82, 0x00][..],
            &[0x82, 0x00, 0x00, 0x00][..],
            &[0x83, 0x00, 0x00, 0x00][..],
            &[0x82, 0x18, 0x01, 0x00][..],
            &[0x82, 0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x00][..],
        ] {
            assert!(LatencyMessage::decode(bad).is_err(), "{bad:02x?}");
        }
    }
}
