//! The node's chain as the API sees it: the genesis block and the head tipset,
//! recorded in the datastore metadata (`genesis`: the genesis CID; `head`: the head
//! tipset key), plus how the daemon obtains its genesis (`--genesis` CAR or
//! `--make-genesis` from a template).

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use padma_state::genesis::Template;
use padma_store::Store;
use padma_types::block::{BlockHeader, TipSet, TipSetKey};
use std::path::Path;
use std::sync::RwLock;

/// Metadata key of the genesis block CID.
pub const META_GENESIS: &str = "genesis";
/// Metadata key of the head tipset key (concatenated binary CIDs).
pub const META_HEAD: &str = "head";

/// The chain: genesis and head.
pub struct Chain {
    /// The genesis block.
    pub genesis: BlockHeader,
    head: RwLock<TipSet>,
}

impl Chain {
    /// The genesis tipset.
    pub fn genesis_tipset(&self) -> TipSet {
        TipSet::new(vec![self.genesis.clone()]).expect("one block is a tipset")
    }

    /// The current head.
    pub fn head(&self) -> TipSet {
        self.head.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Makes `ts` the head and records it.
    pub fn set_head(&self, store: &Store, ts: TipSet) -> Result<()> {
        store.put_meta(META_HEAD, &ts.key().to_bytes())?;
        *self.head.write().unwrap_or_else(|e| e.into_inner()) = ts;
        Ok(())
    }

    /// The tipset of `key`; the empty key is the head.
    pub fn tipset(&self, store: &Store, key: &TipSetKey) -> Result<TipSet> {
        if key.is_empty() {
            return Ok(self.head());
        }
        load_tipset(store, key)
    }
}

/// Loads the block headers of `key` as a tipset.
pub fn load_tipset(store: &Store, key: &TipSetKey) -> Result<TipSet> {
    let mut blocks = Vec::with_capacity(key.cids().len());
    for c in key.cids() {
        blocks.push(load_header(store, c)?);
    }
    let ts = TipSet::new(blocks).map_err(|e| anyhow!("loading tipset: {e}"))?;
    if ts.key() != key {
        bail!("loading tipset: the key's blocks are not in tipset order");
    }
    Ok(ts)
}

/// Loads and decodes a block header.
pub fn load_header(store: &Store, c: &Cid) -> Result<BlockHeader> {
    let bytes = fvm_ipld_blockstore::Blockstore::get(store, c)?
        .ok_or_else(|| anyhow!("block {c} not found"))?;
    BlockHeader::decode(&bytes).map_err(|e| anyhow!("block {c}: {e}"))
}

fn key_from_bytes(mut bytes: &[u8]) -> Result<TipSetKey> {
    let mut cids = Vec::new();
    while !bytes.is_empty() {
        let c = Cid::read_bytes(&mut bytes).context("corrupt head key in the datastore")?;
        cids.push(c);
    }
    Ok(TipSetKey(cids))
}

/// The genesis CAR the daemon should start from: `--make-genesis OUT` builds one from
/// `--genesis-template` (timestamp now if unset), writes it and prints the genesis
/// miners; `--genesis FILE` reads one.
pub fn genesis_car(
    genesis: Option<&Path>,
    make_genesis: Option<&Path>,
    template: Option<&Path>,
) -> Result<Option<Vec<u8>>> {
    if let Some(out) = make_genesis {
        let tpath = template.ok_or_else(|| {
            anyhow!("must also pass file with genesis template to `--genesis-template`")
        })?;
        let text = std::fs::read(tpath)
            .with_context(|| format!("reading genesis template {}", tpath.display()))?;
        let mut t = Template::from_json(&text)?;
        if t.timestamp == 0 {
            t.timestamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
        }
        let (car, g) = padma_state::genesis::make_car(&t).context("making the genesis")?;
        for m in &g.miners {
            println!("GENESIS MINER ADDRESS: {m}");
        }
        std::fs::write(out, &car).with_context(|| format!("writing genesis {}", out.display()))?;
        tracing::info!(genesis = %g.cid, out = %out.display(), "genesis created");
        return Ok(Some(car));
    }
    match genesis {
        Some(g) => {
            let car = std::fs::read(g)
                .with_context(|| format!("cannot read genesis file {}", g.display()))?;
            if car.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                bail!(
                    "genesis file {} is zstd-compressed: decompress it first (zstd -d)",
                    g.display()
                );
            }
            Ok(Some(car))
        }
        None => Ok(None),
    }
}

/// Opens the chain: imports `car` (if given) and records its genesis, refusing a
/// repo that holds another genesis; without a CAR, the repo's genesis (if any).
/// The head is the recorded one, else the genesis.
pub fn open_chain(store: &Store, car: Option<&[u8]>) -> Result<Option<Chain>> {
    let recorded = match store.get_meta(META_GENESIS)? {
        Some(b) => {
            Some(Cid::try_from(b.as_slice()).context("corrupt genesis CID in the datastore")?)
        }
        None => None,
    };
    let genesis_cid = match car {
        Some(car) => {
            let roots =
                padma_store::car::import(store, car).context("importing the genesis CAR")?;
            let [root] = roots.as_slice() else {
                bail!(
                    "genesis CAR must have exactly one root, it has {}",
                    roots.len()
                );
            };
            let header =
                load_header(store, root).context("the genesis CAR's root is not a block header")?;
            if header.height != 0 {
                bail!(
                    "the genesis CAR's root block has height {}, not 0",
                    header.height
                );
            }
            if let Some(old) = recorded {
                if old != *root {
                    bail!(
                        "this repo's chain has genesis {old}, not the given genesis {root}: \
                         use a fresh repo (--repo) for another network"
                    );
                }
            } else {
                store.put_meta(META_GENESIS, &root.to_bytes())?;
            }
            *root
        }
        None => match recorded {
            Some(c) => c,
            None => return Ok(None),
        },
    };
    let genesis = load_header(store, &genesis_cid)?;
    let head = match store.get_meta(META_HEAD)? {
        Some(b) => load_tipset(store, &key_from_bytes(&b)?)?,
        None => {
            let ts = TipSet::new(vec![genesis.clone()]).map_err(|e| anyhow!("{e}"))?;
            store.put_meta(META_HEAD, &ts.key().to_bytes())?;
            ts
        }
    };
    tracing::info!(genesis = %genesis_cid, height = head.height(), "chain opened");
    Ok(Some(Chain {
        genesis,
        head: RwLock::new(head),
    }))
}
