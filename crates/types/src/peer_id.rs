//! libp2p peer IDs as Filecoin carries them (the miner actor's `PeerId`): the bytes
//! of a multihash (identity of a public key, or sha2-256 of a larger one), written as
//! base58btc (`12D3KooW…`, `Qm…`) or as a CIDv1 with the libp2p-key codec (`bafz…`).

/// Multihash code of the identity hash.
const IDENTITY: u64 = 0x00;
/// Multihash code of sha2-256.
const SHA2_256: u64 = 0x12;
/// Multicodec of a libp2p public key in a CID.
const LIBP2P_KEY: u64 = 0x72;
/// Largest public key libp2p inlines with the identity hash.
const MAX_INLINE_KEY: usize = 42;

/// Parses a peer ID written as base58btc or as a libp2p-key CID, returning its bytes.
pub fn parse_peer_id(text: &str) -> Result<Vec<u8>, String> {
    let t = text.trim();
    let bad = |why: &str| format!("invalid peer ID '{t}': {why}");
    let bytes = if let Some(b32) = t.strip_prefix('b') {
        let cid = data_encoding::BASE32_NOPAD
            .decode(b32.to_ascii_uppercase().as_bytes())
            .map_err(|_| bad("not base32"))?;
        let (version, rest) = read_varint(&cid).ok_or_else(|| bad("truncated CID"))?;
        let (codec, rest) = read_varint(rest).ok_or_else(|| bad("truncated CID"))?;
        if version != 1 || codec != LIBP2P_KEY {
            return Err(bad(
                "a CID peer ID must be a CIDv1 with the libp2p-key codec",
            ));
        }
        rest.to_vec()
    } else {
        bs58::decode(t)
            .into_vec()
            .map_err(|_| bad("not base58btc"))?
    };
    check_multihash(&bytes).map_err(|why| bad(&why))?;
    Ok(bytes)
}

/// Checks that `bytes` are a peer ID's multihash: identity (an inline key of at most
/// 42 bytes) or sha2-256, with the length it declares.
pub fn check_multihash(bytes: &[u8]) -> Result<(), String> {
    let (code, rest) = read_varint(bytes).ok_or("truncated multihash")?;
    let (len, digest) = read_varint(rest).ok_or("truncated multihash")?;
    if u64::try_from(digest.len()).ok() != Some(len) {
        return Err("the multihash length does not match its digest".into());
    }
    match code {
        IDENTITY if !digest.is_empty() && digest.len() <= MAX_INLINE_KEY => Ok(()),
        SHA2_256 if digest.len() == 32 => Ok(()),
        IDENTITY | SHA2_256 => Err("the multihash digest has the wrong size".into()),
        _ => Err(format!("multihash code {code:#x} is not used for peer IDs")),
    }
}

/// The base58btc text of a peer ID's bytes.
pub fn format_peer_id(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

/// Reads an unsigned LEB128 varint (at most 9 bytes), returning it and the rest.
fn read_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(9) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, bytes.get(i + 1..)?));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_peer_ids_parse_and_garbage_does_not() {
        // An Ed25519 peer ID: identity multihash of the protobuf public key.
        let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
        bytes.extend((0u8..32).map(|i| i.wrapping_mul(37)));
        let ed = format_peer_id(&bytes);
        assert!(ed.starts_with("12D3KooW"), "{ed}");
        assert_eq!(parse_peer_id(&ed).unwrap(), bytes);
        let truncated = ed.get(..ed.len() - 1).unwrap();
        assert!(parse_peer_id(truncated).is_err());
        // An RSA-era sha2-256 peer ID.
        let mut sha = vec![0x12, 0x20];
        sha.extend([7u8; 32]);
        let qm = format_peer_id(&sha);
        assert!(qm.starts_with("Qm"), "{qm}");
        assert_eq!(parse_peer_id(&qm).unwrap(), sha);
        // The same Ed25519 ID as a libp2p-key CID.
        let mut cid = vec![0x01, 0x72];
        cid.extend_from_slice(&bytes);
        let text = format!(
            "b{}",
            data_encoding::BASE32_NOPAD
                .encode(&cid)
                .to_ascii_lowercase()
        );
        assert_eq!(parse_peer_id(&text).unwrap(), bytes);
        for garbage in [
            "garbage",
            "",
            "1",
            "0OIl",
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        ] {
            assert!(parse_peer_id(garbage).is_err(), "{garbage}");
        }
    }
}
