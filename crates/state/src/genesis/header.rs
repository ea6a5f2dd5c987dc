//! The genesis block (Lotus `MakeGenesisBlock`) and its CAR file, plus the
//! deterministic stand-ins padma uses where Lotus draws random bytes.

use super::template::Template;
use super::INITIAL_BASE_FEE;
use crate::actors::ids;
use anyhow::{anyhow, Context, Result};
use cid::multihash::Multihash;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_car::{Block, CarHeader, CarWriter};
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use padma_types::block::{BeaconEntry, BlockHeader, ElectionProof, MsgMeta, Ticket};
use padma_types::cid::{blake2b_256, DAG_CBOR};
use padma_types::crypto::{KeyInfo, KeyType};
use std::collections::HashSet;
use std::io::Write;

/// CID of the "Filecoin genesis" document, the genesis block's only parent.
pub const FILECOIN_GENESIS_CID: &str =
    "bafyreiaqpwbbyjo4a42saasj36kkrpv4tsherf2e7bvezkert2a7dhonoi";

/// Multihash code of SHA2-256.
const SHA2_256: u64 = 0x12;

/// Appends a CBOR header (major type, length).
fn cbor_head(out: &mut Vec<u8>, major: u8, len: usize) {
    let m = major << 5;
    match len {
        0..=23 => out.push(m | len as u8),
        24..=0xff => out.extend([m | 24, len as u8]),
        _ => {
            out.push(m | 25);
            out.extend((len as u16).to_be_bytes());
        }
    }
}

fn cbor_text(out: &mut Vec<u8>, s: &str) {
    cbor_head(out, 3, s.len());
    out.extend(s.as_bytes());
}

/// The document every Filecoin chain descends from: a CBOR map, in this key order,
/// of the 2017 token sale's date, network, token and allocations, and a message.
pub fn filecoin_genesis_document() -> Vec<u8> {
    let mut d = Vec::new();
    cbor_head(&mut d, 5, 5);
    for (k, v) in [
        ("Datetime", "2017-05-05 01:27:51"),
        ("Network", "Filecoin"),
        ("Token", "Filecoin"),
    ] {
        cbor_text(&mut d, k);
        cbor_text(&mut d, v);
    }
    cbor_text(&mut d, "TokenAmounts");
    cbor_head(&mut d, 5, 3);
    for (k, v) in [
        ("TotalSupply", "2,000,000,000"),
        ("Miners", "1,400,000,000"),
    ] {
        cbor_text(&mut d, k);
        cbor_text(&mut d, v);
    }
    cbor_text(&mut d, "ProtocolLabs");
    cbor_head(&mut d, 5, 3);
    for (k, v) in [
        ("Development", "300,000,000"),
        ("Fundraising", "200,000,000"),
        ("Foundation", "100,000,000"),
    ] {
        cbor_text(&mut d, k);
        cbor_text(&mut d, v);
    }
    cbor_text(&mut d, "Message");
    cbor_text(
        &mut d,
        "This is the Genesis Block of the Filecoin Decentralized Storage Network.",
    );
    d
}

/// The SHA2-256 DAG-CBOR CID of the document, built from the digest Lotus pins.
pub fn filecoin_genesis_cid() -> Cid {
    // 107d821c25dc0735200249df94a8bebc9c8e489744f86a4ca8919e81f19dcd72
    let digest: [u8; 32] = [
        0x10, 0x7d, 0x82, 0x1c, 0x25, 0xdc, 0x07, 0x35, 0x20, 0x02, 0x49, 0xdf, 0x94, 0xa8, 0xbe,
        0xbc, 0x9c, 0x8e, 0x48, 0x97, 0x44, 0xf8, 0x6a, 0x4c, 0xa8, 0x91, 0x9e, 0x81, 0xf1, 0x9d,
        0xcd, 0x72,
    ];
    Cid::new_v1(
        DAG_CBOR,
        Multihash::wrap(SHA2_256, &digest).expect("32-byte digest"),
    )
}

/// The f081 verifier's key. Lotus draws a random BLS key; padma derives one from the
/// template so the same template always gives the same genesis.
pub fn first_verifier_key(t: &Template) -> Result<Address> {
    let seed = [
        b"padma genesis f081 verifier ".as_slice(),
        t.to_json().as_bytes(),
    ]
    .concat();
    let mut digest = blake2b_256(&seed);
    loop {
        let mut candidate = digest;
        candidate[0] &= 0x3f;
        candidate[31] &= 0x3f;
        if let Ok(k) = KeyInfo::new(KeyType::Bls, candidate.to_vec()) {
            return k.address().map_err(|e| anyhow!("verifier key: {e}"));
        }
        digest = blake2b_256(&digest);
    }
}

/// The genesis ticket. Lotus uses 32 random bytes; padma hashes the state root,
/// timestamp and network name, so the same template always gives the same block.
pub fn genesis_ticket(state_root: &Cid, timestamp: u64, network_name: &str) -> Ticket {
    let mut seed = b"padma genesis ticket ".to_vec();
    seed.extend(state_root.to_bytes());
    seed.extend(timestamp.to_be_bytes());
    seed.extend(network_name.as_bytes());
    Ticket {
        vrf_proof: blake2b_256(&seed).to_vec(),
    }
}

/// Stores the parent document, the empty messages and the header; returns the header.
pub fn make_genesis_block<BS: Blockstore>(
    store: &BS,
    state_root: Cid,
    timestamp: u64,
    network_name: &str,
) -> Result<BlockHeader> {
    let mut empty: fvm_ipld_amt::Amtv0<Cid, _> = fvm_ipld_amt::Amtv0::new(store);
    let empty_root = empty.flush().context("storing the empty messages AMT")?;
    let meta = MsgMeta {
        bls_messages: empty_root,
        secpk_messages: empty_root,
    };
    store.put_keyed(&meta.cid(), &meta.cbor())?;
    let parent = filecoin_genesis_cid();
    store.put_keyed(&parent, &filecoin_genesis_document())?;
    let header = BlockHeader {
        miner: Address::new_id(ids::SYSTEM),
        ticket: Some(genesis_ticket(&state_root, timestamp, network_name)),
        election_proof: Some(ElectionProof::default()),
        beacon_entries: vec![BeaconEntry {
            round: 0,
            data: vec![0; 32],
        }],
        win_post_proof: Vec::new(),
        parents: vec![parent],
        parent_weight: BigInt::default(),
        height: 0,
        parent_state_root: state_root,
        parent_message_receipts: empty_root,
        messages: meta.cid(),
        bls_aggregate: None,
        timestamp,
        block_sig: None,
        fork_signaling: 0,
        parent_base_fee: TokenAmount::from_atto(INITIAL_BASE_FEE),
    };
    store.put_keyed(&header.cid(), &header.cbor())?;
    Ok(header)
}

/// Writes a CARv1 whose single root is `root`, with every block reachable from it
/// through DAG-CBOR links, depth first, each once. Links to blocks of other codecs are
/// leaves: written when the store has them (a bundle's actor code), else skipped
/// (sector commitments name no block).
pub fn write_car<BS: Blockstore>(store: &BS, root: Cid, out: impl Write) -> Result<()> {
    let mut car = CarWriter::new(CarHeader::new(vec![root], 1), out)
        .map_err(|e| anyhow!("writing CAR header: {e}"))?;
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(cid) = stack.pop() {
        if !seen.insert(cid) {
            continue;
        }
        if cid.codec() != DAG_CBOR {
            // Other blocks (actor code) travel when the store has them.
            if let Some(data) = store.get(&cid)? {
                car.write(Block { cid, data })
                    .map_err(|e| anyhow!("writing CAR block: {e}"))?;
            }
            continue;
        }
        let data = store
            .get(&cid)?
            .ok_or_else(|| anyhow!("block {cid} is missing from the store"))?;
        let node: ipld_core::ipld::Ipld = serde_ipld_dagcbor::from_slice(&data)
            .map_err(|e| anyhow!("block {cid} is not DAG-CBOR: {e}"))?;
        let mut links = Vec::new();
        collect_links(&node, &mut links);
        stack.extend(links.into_iter().rev());
        car.write(Block { cid, data })
            .map_err(|e| anyhow!("writing CAR block: {e}"))?;
    }
    car.flush().map_err(|e| anyhow!("writing CAR: {e}"))
}

fn collect_links(node: &ipld_core::ipld::Ipld, out: &mut Vec<Cid>) {
    use ipld_core::ipld::Ipld;
    match node {
        Ipld::Link(c) => out.push(*c),
        Ipld::List(items) => items.iter().for_each(|i| collect_links(i, out)),
        Ipld::Map(m) => m.values().for_each(|v| collect_links(v, out)),
        _ => {}
    }
}
