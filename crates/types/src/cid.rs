//! CIDs of Filecoin chain objects: CIDv1, DAG-CBOR codec, blake2b-256 multihash.

use ::cid::multihash::Multihash;
pub use ::cid::Cid;

/// Multicodec code of DAG-CBOR.
pub const DAG_CBOR: u64 = 0x71;
/// Multihash code of blake2b-256.
pub const BLAKE2B_256: u64 = 0xb220;

/// The blake2b-256 digest of `data`.
pub fn blake2b_256(data: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// The CID of a DAG-CBOR encoded object, as Filecoin computes it.
pub fn cbor_cid(encoded: &[u8]) -> Cid {
    let digest = blake2b_256(encoded);
    let mh = Multihash::wrap(BLAKE2B_256, &digest).expect("32-byte digest fits a multihash");
    Cid::new_v1(DAG_CBOR, mh)
}

/// Whether `data` hashes to the digest `c` names. `None` when `c` uses a hash function
/// other than blake2b-256 (every chain and state object uses that one) or the identity
/// hash, so the bytes cannot be checked here.
pub fn digest_matches(c: &Cid, data: &[u8]) -> Option<bool> {
    let mh = c.hash();
    match mh.code() {
        BLAKE2B_256 => Some(mh.size() == 32 && mh.digest() == blake2b_256(data)),
        IDENTITY => Some(mh.digest() == data),
        _ => None,
    }
}

/// Multihash code of the identity "hash" (the data inline).
pub const IDENTITY: u64 = 0x00;

/// The 32-byte commitment (CommR, CommD) a sealed or unsealed sector CID carries as
/// its multihash digest.
pub fn commitment(c: &Cid) -> Result<[u8; 32], String> {
    c.hash()
        .digest()
        .try_into()
        .map_err(|_| format!("{c} is not a 32-byte commitment"))
}

/// Calls `f` with every CID linked (CBOR tag 42) from a DAG-CBOR block, descending into
/// arrays and maps. Malformed or truncated CBOR is an error, never a panic.
pub fn scan_links(data: &[u8], f: &mut dyn FnMut(Cid)) -> Result<(), String> {
    let mut pos = 0usize;
    let mut pending: u64 = 1;
    while pending > 0 {
        pending -= 1;
        let (major, arg, next) = cbor_header(data, pos)?;
        pos = next;
        match major {
            0 | 1 | 7 => {}
            2 | 3 => pos = cbor_skip(data, pos, arg)?,
            4 => pending = pending.checked_add(arg).ok_or("CBOR array too long")?,
            5 => {
                pending = arg
                    .checked_mul(2)
                    .and_then(|n| pending.checked_add(n))
                    .ok_or("CBOR map too long")?
            }
            6 if arg == 42 => {
                let (m, len, start) = cbor_header(data, pos)?;
                if m != 2 || len == 0 {
                    return Err("malformed CID link".into());
                }
                let end = cbor_skip(data, start, len)?;
                let link = match data.get(start..end) {
                    Some([0, link @ ..]) => link,
                    _ => return Err("CID link without the identity multibase prefix".into()),
                };
                f(Cid::try_from(link).map_err(|e| format!("malformed CID link: {e}"))?);
                pos = end;
            }
            6 => return Err(format!("unexpected CBOR tag {arg} in DAG-CBOR")),
            _ => return Err("invalid CBOR major type".into()),
        }
    }
    Ok(())
}

fn cbor_header(data: &[u8], pos: usize) -> Result<(u8, u64, usize), String> {
    let b = *data.get(pos).ok_or("truncated CBOR")?;
    let info = b & 0x1f;
    let n = match info {
        0..=23 => return Ok((b >> 5, info as u64, pos + 1)),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => return Err("indefinite or reserved CBOR length".into()),
    };
    let bytes = data.get(pos + 1..pos + 1 + n).ok_or("truncated CBOR")?;
    Ok((
        b >> 5,
        bytes.iter().fold(0u64, |acc, x| (acc << 8) | *x as u64),
        pos + 1 + n,
    ))
}

fn cbor_skip(data: &[u8], pos: usize, len: u64) -> Result<usize, String> {
    usize::try_from(len)
        .ok()
        .and_then(|l| pos.checked_add(l))
        .filter(|end| *end <= data.len())
        .ok_or_else(|| "truncated CBOR".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_refuses_garbage() {
        let leaf = cbor_cid(b"\x61a");
        let bytes = fvm_ipld_encoding::to_vec(&(leaf, vec![leaf], "x", 5u64)).unwrap();
        let mut found = Vec::new();
        scan_links(&bytes, &mut |c| found.push(c)).unwrap();
        assert_eq!(found, vec![leaf, leaf]);
        for bad in [
            &[][..],
            &[0x82, 0x01][..],
            &[0x5f][..],
            &[0xd8, 0x2a, 0x41, 0x01][..],
        ] {
            assert!(scan_links(bad, &mut |_| {}).is_err());
        }
    }

    #[test]
    fn digests_are_checked() {
        let data = b"\x82\x01\x02";
        let c = cbor_cid(data);
        assert_eq!(digest_matches(&c, data), Some(true));
        assert_eq!(digest_matches(&c, b"\x82\x01\x03"), Some(false));
        let inline = Cid::new_v1(DAG_CBOR, Multihash::wrap(IDENTITY, data).unwrap());
        assert_eq!(digest_matches(&inline, data), Some(true));
        assert_eq!(digest_matches(&inline, b"x"), Some(false));
        let sha = Cid::new_v1(DAG_CBOR, Multihash::wrap(0x12, &[0u8; 32]).unwrap());
        assert_eq!(digest_matches(&sha, data), None);
    }
}
