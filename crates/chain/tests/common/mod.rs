//! An in-process chain for tests: a genesis with one mock-proof miner (f01000, fake
//! sectors) and two funded secp accounts on the official testing-fake-proofs actors
//! (executed by the FVM), on a real datastore in a temp dir, with the chain service and
//! a local mining node holding the miner's worker key.

#![allow(dead_code)]

pub mod bench;
pub mod build;

use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use padma_chain::consensus::beacon::MockBeacon;
use padma_chain::consensus::faults::{ChainWorkerKeys, FaultChecker};
use padma_chain::miner::{mine_one, Attempt, LocalNode, MockWinningProver};
use padma_chain::network::{now_ms, NetworkParams, DEFAULT_BLOCK_DELAY_MS};
use padma_chain::{ChainService, ChainStore, MpoolConfig, StateManager};
use padma_state::code::CodeSet;
use padma_state::genesis::template::Actor;
use padma_state::genesis::{fake::fake_miner, Template, MINER_START};
use padma_store::Store;
use padma_types::block::TipSet;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::sector::SIZE_2KIB;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The test chain.
pub struct TestChain {
    pub dir: tempfile::TempDir,
    node: Option<LocalNode>,
    pub miner: Address,
    pub worker: KeyInfo,
    pub accounts: Vec<KeyInfo>,
    pub genesis_car: Vec<u8>,
}

pub fn bls_key(seed: u8) -> KeyInfo {
    let mut sk = [seed; 32];
    sk[31] &= 0x3f;
    KeyInfo::new(KeyType::Bls, sk.to_vec()).unwrap()
}

pub fn secp_key(seed: u8) -> KeyInfo {
    KeyInfo::new(KeyType::Secp256k1, [seed; 32].to_vec()).unwrap()
}

/// A genesis CAR whose timestamp is `age_secs` in the past, on the testing-fake-proofs
/// actors.
pub fn genesis_car(age_secs: u64, accounts: &[KeyInfo], worker: &KeyInfo) -> Vec<u8> {
    genesis_car_with(age_secs, accounts, worker, CodeSet::FakeProofs)
}

/// [`genesis_car`] on the actors of bundle `codes`.
pub fn genesis_car_with(
    age_secs: u64,
    accounts: &[KeyInfo],
    worker: &KeyInfo,
    codes: CodeSet,
) -> Vec<u8> {
    let name = NetworkParams::name_for("padma-test", DEFAULT_BLOCK_DELAY_MS, true);
    let mut t = Template::new(name, now_ms() / 1000 - age_secs);
    let m = fake_miner(MINER_START, worker, SIZE_2KIB, 4, 1_000_000).unwrap();
    let manifest = serde_json::json!({ "t01000": m });
    t.add_miners_from_manifest(
        manifest.to_string().as_bytes(),
        TokenAmount::from_whole(1_000),
    )
    .unwrap();
    for k in accounts {
        t.accounts.push(Actor::account(
            k.address().unwrap(),
            TokenAmount::from_whole(1_000),
        ));
    }
    padma_fvm::genesis::make_genesis_car(&t, codes, bundle(codes))
        .unwrap()
        .0
}

/// The official actors of bundle `codes` (the shared test copy beside the project),
/// read once per process.
fn bundle(codes: CodeSet) -> &'static padma_fvm::Bundle {
    static FAKE: OnceLock<padma_fvm::Bundle> = OnceLock::new();
    static DEVNET: OnceLock<padma_fvm::Bundle> = OnceLock::new();
    let cell = match codes {
        CodeSet::FakeProofs => &FAKE,
        CodeSet::Devnet => &DEVNET,
    };
    cell.get_or_init(|| {
        let archive = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/actors/builtin-actors-v18.tar.zst");
        padma_fvm::Bundle::load(&archive, codes).unwrap()
    })
}

/// Opens a chain service on the datastore at `path` with `car` as its genesis.
pub fn open(path: &Path, car: &[u8]) -> Arc<ChainService> {
    open_on(Arc::new(Store::open(path).unwrap()), car)
}

/// Opens the datastore at `path` once the one open there before has closed: the last
/// reference to a dropped node may be let go on another thread, which then still
/// closes the database for a moment.
pub fn open_when_closed(path: &Path, car: &[u8]) -> Arc<ChainService> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match Store::open(path) {
            Ok(store) => return open_on(Arc::new(store), car),
            Err(e) if std::time::Instant::now() > deadline => panic!("{e:#}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}

/// Opens a chain service on `store` with `car` as its genesis.
pub fn open_on(store: Arc<Store>, car: &[u8]) -> Arc<ChainService> {
    let roots = padma_store::car::import(store.as_ref(), car).unwrap();
    let cs = ChainStore::open(store.clone()).unwrap();
    let bytes = fvm_ipld_blockstore::Blockstore::get(store.as_ref(), &roots[0])
        .unwrap()
        .unwrap();
    let genesis = padma_types::block::BlockHeader::decode(&bytes).unwrap();
    cs.set_genesis(&genesis).unwrap();
    let view =
        padma_chain::state_view::StateView::new(store.clone(), &genesis.parent_state_root).unwrap();
    let params = NetworkParams::parse(&view.network_name().unwrap()).unwrap();
    assert!(params.mock_proofs);
    // The FVM, checking consensus-fault reports against this chain's worker keys.
    let cs = Arc::new(cs);
    let faults = FaultChecker::new(ChainWorkerKeys::new(cs.clone()));
    let sm = Arc::new(StateManager::new(
        cs,
        genesis,
        params,
        Arc::new(MockBeacon),
        Arc::new(padma_proofs::MockVerifier),
        Arc::new(padma_fvm::FvmEngine::new(Arc::new(faults))),
    ));
    let svc = ChainService::new(sm, MpoolConfig::default());
    svc.spawn_mpool_updater();
    svc
}

impl TestChain {
    /// A new chain whose genesis is `age_secs` old (so many epochs are in the past).
    pub fn new(age_secs: u64) -> TestChain {
        Self::with_actors(age_secs, CodeSet::FakeProofs)
    }

    /// [`TestChain::new`] on the actors of bundle `codes` (the devnet bundle's actors
    /// check what the fake-proofs ones wave through, such as consensus faults).
    pub fn with_actors(age_secs: u64, codes: CodeSet) -> TestChain {
        let worker = bls_key(42);
        let accounts = vec![secp_key(7), secp_key(8)];
        let car = genesis_car_with(age_secs, &accounts, &worker, codes);
        let dir = tempfile::tempdir().unwrap();
        let svc = open(&dir.path().join("db"), &car);
        TestChain {
            node: Some(local(svc, &worker)),
            dir,
            miner: Address::new_id(1000),
            worker,
            accounts,
            genesis_car: car,
        }
    }

    /// Another node on this chain's genesis, with its own datastore and the same miner
    /// keys, holding nothing but the genesis.
    pub fn peer(&self) -> TestChain {
        let dir = tempfile::tempdir().unwrap();
        let svc = open(&dir.path().join("db"), &self.genesis_car);
        TestChain {
            node: Some(local(svc, &self.worker)),
            dir,
            miner: self.miner,
            worker: self.worker.clone(),
            accounts: self.accounts.clone(),
            genesis_car: self.genesis_car.clone(),
        }
    }

    /// Reopens the chain on the same datastore (a restart).
    pub fn reopen(&mut self) {
        let old = self.node.take().expect("a node");
        let weak = Arc::downgrade(&old.svc);
        drop(old);
        while weak.strong_count() > 0 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let svc = open_when_closed(&self.dir.path().join("db"), &self.genesis_car);
        self.node = Some(local(svc, &self.worker));
    }

    pub fn node(&self) -> &LocalNode {
        self.node.as_ref().expect("a node")
    }

    pub fn svc(&self) -> &Arc<ChainService> {
        &self.node().svc
    }

    pub fn head(&self) -> TipSet {
        self.svc().sm().head()
    }

    /// Mines `round` on `base`; the new block's tipset when the miner won.
    pub async fn mine_block(&self, base: &TipSet, round: i64) -> Option<TipSet> {
        match mine_one(self.node(), &MockWinningProver, &self.miner, base, round)
            .await
            .unwrap()
        {
            Attempt::Mined(b) => Some(TipSet::new(vec![b.header]).unwrap()),
            Attempt::Lost => None,
        }
    }

    /// Mines `round` on `base`; true when a block was made.
    pub async fn mine_on(&self, base: &TipSet, round: i64) -> bool {
        self.mine_block(base, round).await.is_some()
    }

    /// Mines `round` on the head (a null round when the miner loses).
    pub async fn mine_round(&self, round: i64) -> bool {
        let head = self.head();
        self.mine_on(&head, round).await
    }
}

pub fn local(svc: Arc<ChainService>, worker: &KeyInfo) -> LocalNode {
    let mut keys = HashMap::new();
    keys.insert(worker.address().unwrap(), worker.clone());
    LocalNode { svc, keys }
}
