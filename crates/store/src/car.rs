//! CARv1 files: importing a CAR into a blockstore (every block's CID checked against
//! its bytes) and exporting the DAG below a set of roots.

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_car::{Block, CarHeader, CarReader, CarWriter};
use padma_types::cid::scan_links;
use std::collections::HashSet;
use std::io::{Read, Write};

/// Largest CAR header or block accepted, in bytes.
pub const MAX_SECTION: usize = 8 << 20;

/// Multicodec of DAG-CBOR, whose links an export follows.
const DAG_CBOR: u64 = 0x71;

/// Loads a CARv1 stream into `store`, checking each block against its CID, and
/// returns the header's roots.
pub fn import(store: &impl Blockstore, reader: impl Read) -> Result<Vec<Cid>> {
    let car = CarReader::new(reader).map_err(|e| anyhow!("invalid CAR file: {e}"))?;
    let roots = car.header.roots.clone();
    for block in car {
        let block = block.map_err(|e| anyhow!("invalid CAR block: {e}"))?;
        if block.data.len() > MAX_SECTION {
            bail!("CAR block {} is larger than {MAX_SECTION} bytes", block.cid);
        }
        store
            .put_keyed(&block.cid, &block.data)
            .context("storing CAR block")?;
    }
    Ok(roots)
}

/// Writes a CARv1 with `roots` and every block reachable from them through DAG-CBOR
/// links (each block once, in depth-first order). Missing blocks are an error.
pub fn export(store: &impl Blockstore, roots: &[Cid], writer: impl Write) -> Result<()> {
    let mut car = CarWriter::new(CarHeader::new(roots.to_vec(), 1), writer)
        .map_err(|e| anyhow!("writing CAR header: {e}"))?;
    let mut seen = HashSet::new();
    let mut stack: Vec<Cid> = roots.iter().rev().copied().collect();
    while let Some(cid) = stack.pop() {
        if !seen.insert(cid) {
            continue;
        }
        let data = store
            .get(&cid)?
            .ok_or_else(|| anyhow!("block {cid} is missing from the store"))?;
        if cid.codec() == DAG_CBOR {
            let mut links = Vec::new();
            scan_links(&data, &mut |c| links.push(c)).map_err(|e| anyhow!("block {cid}: {e}"))?;
            stack.extend(links.into_iter().rev());
        }
        car.write(Block { cid, data })
            .map_err(|e| anyhow!("writing CAR block: {e}"))?;
    }
    car.flush().map_err(|e| anyhow!("writing CAR: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_ipld_blockstore::MemoryBlockstore;
    use padma_types::cid::cbor_cid;

    fn put<T: serde::Serialize>(bs: &MemoryBlockstore, v: &T) -> Cid {
        let bytes = fvm_ipld_encoding::to_vec(v).unwrap();
        let cid = cbor_cid(&bytes);
        bs.put_keyed(&cid, &bytes).unwrap();
        cid
    }

    #[test]
    fn export_then_import_round_trips_a_dag() {
        let bs = MemoryBlockstore::new();
        let leaf = put(&bs, &"leaf");
        let mid = put(&bs, &(leaf, 7u64, vec![leaf]));
        let root = put(&bs, &(mid, "root"));
        let mut buf = Vec::new();
        export(&bs, &[root], &mut buf).unwrap();
        let other = MemoryBlockstore::new();
        let roots = import(&other, &buf[..]).unwrap();
        assert_eq!(roots, vec![root]);
        for c in [root, mid, leaf] {
            assert_eq!(other.get(&c).unwrap(), bs.get(&c).unwrap());
        }
        assert_eq!(cbor_cid(&bs.get(&root).unwrap().unwrap()), root);
        // Missing blocks are an error on export.
        let empty = MemoryBlockstore::new();
        assert!(export(&empty, &[root], Vec::new()).is_err());
    }

    #[test]
    fn corrupt_cars_are_refused() {
        let bs = MemoryBlockstore::new();
        let root = put(&bs, &"x");
        let mut buf = Vec::new();
        export(&bs, &[root], &mut buf).unwrap();
        let last = buf.len() - 1;
        buf[last] ^= 0xff;
        assert!(
            import(&MemoryBlockstore::new(), &buf[..]).is_err(),
            "block bytes no longer match the CID"
        );
        assert!(import(&MemoryBlockstore::new(), &b"garbage"[..]).is_err());
        assert!(import(&MemoryBlockstore::new(), &[][..]).is_err());
    }
}
