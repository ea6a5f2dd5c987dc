//! The state machine on a fake chain: transitions, persistence, resume, failures.

use super::db::SectorDb;
use super::node::{Landed, PreCommitOnChain, SealingNode, SectorOnChain};
use super::*;
use anyhow::Result;
use cid::Cid;
use fil_actor_miner_state::v18::{
    PreCommitSectorBatchParams2, ProveCommitSectors3Params, SectorPreCommitInfo,
};
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_api::miner_json::SectorOnChainInfoJson;
use padma_proofs::{MockVerifier, ProofVerifier};
use padma_state::actors::method::miner::{PRE_COMMIT_SECTOR_BATCH2, PROVE_COMMIT_SECTORS3};
use padma_types::json::{BitFieldJson, CidJson, TokenAmountJson};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex as StdMutex;

const MINER: u64 = 1000;

#[derive(Default)]
struct FakeState {
    height: i64,
    pending: Vec<(Cid, Message)>,
    landed: HashMap<Cid, Landed>,
    precommits: HashMap<u64, (SectorPreCommitInfo, PreCommitOnChain)>,
    sectors: HashMap<u64, Cid>,
    allocated: Option<u64>,
    pushed: Vec<Message>,
    reject_commits: bool,
}

/// A chain that executes the pipeline's messages when [`Fake::mine`] is called,
/// checking mock seal proofs as the miner actor would.
#[derive(Clone, Default)]
struct Fake(Arc<StdMutex<FakeState>>);

fn rand(kind: u8, round: i64, entropy: &[u8]) -> [u8; 32] {
    let mut out = [kind; 32];
    out[..8].copy_from_slice(&round.to_be_bytes());
    out[8] = entropy.len() as u8;
    out
}

impl Fake {
    fn st(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.0.lock().expect("fake chain lock")
    }

    /// One epoch: executes the pending messages.
    fn mine(&self) {
        let mut st = self.st();
        st.height += 1;
        let h = st.height;
        let pending = std::mem::take(&mut st.pending);
        for (cid, m) in pending {
            let exit_code = match m.method_num {
                PRE_COMMIT_SECTOR_BATCH2 => {
                    let p: PreCommitSectorBatchParams2 =
                        m.params.deserialize().expect("precommit params");
                    let pci = p.sectors[0].clone();
                    if st.precommits.contains_key(&pci.sector_number) || pci.seal_rand_epoch >= h {
                        16
                    } else {
                        let on_chain = PreCommitOnChain {
                            sealed_cid: pci.sealed_cid,
                            pre_commit_epoch: h,
                            deposit: m.value.clone(),
                            expiration: pci.expiration,
                        };
                        st.allocated = st.allocated.max(Some(pci.sector_number));
                        st.precommits.insert(pci.sector_number, (pci, on_chain));
                        0
                    }
                }
                PROVE_COMMIT_SECTORS3 => {
                    let p: ProveCommitSectors3Params =
                        m.params.deserialize().expect("prove params");
                    let n = p.sector_activations[0].sector_number;
                    match st.precommits.get(&n) {
                        Some((pci, pc)) if h > pc.pre_commit_epoch + 10 && !st.reject_commits => {
                            let entropy = fvm_ipld_encoding::to_vec(&Address::new_id(MINER))
                                .expect("entropy");
                            let info = padma_proofs::SealVerifyInfo {
                                seal_proof: i64::from(pci.seal_proof),
                                miner_id: MINER,
                                sector_number: n,
                                comm_r: pci.sealed_cid.hash().digest().try_into().expect("32"),
                                comm_d: pci
                                    .unsealed_cid
                                    .0
                                    .expect("commd")
                                    .hash()
                                    .digest()
                                    .try_into()
                                    .expect("32"),
                                ticket: rand(5, pci.seal_rand_epoch, &entropy),
                                seed: rand(6, pc.pre_commit_epoch + 10, &entropy),
                                proof: p.sector_proofs[0].to_vec(),
                            };
                            if MockVerifier.verify_seal(&info).expect("verify") {
                                let sealed = pci.sealed_cid;
                                st.precommits.remove(&n);
                                st.sectors.insert(n, sealed);
                                0
                            } else {
                                16
                            }
                        }
                        _ => 16,
                    }
                }
                _ => 22,
            };
            st.landed.insert(
                cid,
                Landed {
                    cid,
                    exit_code,
                    height: h,
                },
            );
        }
    }
}

impl SealingNode for Fake {
    async fn head_height(&self) -> Result<i64> {
        Ok(self.st().height)
    }
    async fn lookup_id(&self, a: Address) -> Result<u64> {
        Ok(a.id()?)
    }
    async fn sector_size(&self, _: Address) -> Result<u64> {
        Ok(2048)
    }
    async fn max_allocated(&self, _: Address) -> Result<Option<u64>> {
        Ok(self.st().allocated)
    }
    async fn ticket_randomness(&self, tag: i64, round: i64, entropy: Vec<u8>) -> Result<[u8; 32]> {
        assert_eq!(tag, 5);
        Ok(rand(5, round, &entropy))
    }
    async fn beacon_randomness(&self, tag: i64, round: i64, entropy: Vec<u8>) -> Result<[u8; 32]> {
        assert_eq!(tag, 6);
        anyhow::ensure!(round <= self.st().height, "future");
        Ok(rand(6, round, &entropy))
    }
    async fn precommit_deposit(&self, _: Address, _: &SectorPreCommitInfo) -> Result<TokenAmount> {
        Ok(TokenAmount::from_atto(100))
    }
    async fn initial_pledge(&self, _: Address, _: &SectorPreCommitInfo) -> Result<TokenAmount> {
        Ok(TokenAmount::from_atto(250))
    }
    async fn push_message(&self, mut msg: Message) -> Result<Cid> {
        let mut st = self.st();
        msg.sequence = st.pushed.len() as u64;
        let cid = padma_types::message::message_cid(&msg);
        st.pushed.push(msg.clone());
        st.pending.push((cid, msg));
        Ok(cid)
    }
    async fn search_msg(&self, cid: Cid) -> Result<Option<Landed>> {
        Ok(self.st().landed.get(&cid).cloned())
    }
    async fn precommit_info(&self, _: Address, n: u64) -> Result<Option<PreCommitOnChain>> {
        Ok(self.st().precommits.get(&n).map(|p| p.1.clone()))
    }
    async fn sector_info(&self, _: Address, n: u64) -> Result<Option<SectorOnChain>> {
        Ok(self.st().sectors.get(&n).map(|c| SectorOnChain {
            sealed_cid: *c,
            info: SectorOnChainInfoJson {
                sector_number: n,
                seal_proof: 5,
                sealed_cid: CidJson(*c),
                deprecated_deal_ids: None,
                activation: 1,
                expiration: 0,
                deal_weight: Default::default(),
                verified_deal_weight: Default::default(),
                initial_pledge: TokenAmountJson(TokenAmount::from_atto(250)),
                expected_day_reward: None,
                expected_storage_pledge: None,
                power_base_epoch: 1,
                replaced_day_reward: None,
                sector_key_cid: None,
                flags: 0,
                daily_fee: TokenAmountJson::default(),
            },
        }))
    }
}

struct Env {
    dir: tempfile::TempDir,
    fake: Fake,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
            fake: Fake::default(),
        }
    }

    fn store(&self) -> Arc<Store> {
        Arc::new(Store::open(&self.dir.path().join("datastore")).expect("store"))
    }

    fn pipeline(&self, store: Arc<Store>) -> Pipeline<Fake> {
        let config = Config {
            poll: Duration::from_millis(5),
            retry_delay: Duration::from_millis(5),
            max_retries: 2,
            seed_confidence: 0,
            cc_lifetime: 540 * 2880,
        };
        Pipeline::with_config(
            self.fake.clone(),
            Address::new_id(MINER),
            Address::new_id(1001),
            Storage::new(self.dir.path().join("sealing")),
            store,
            true,
            config,
        )
        .expect("pipeline")
    }
}

/// Runs `p` until `done` holds for sector `n`, mining an epoch every few
/// milliseconds while `mine` is set; returns the pipeline's stop handle and task.
async fn run_until(
    p: &Pipeline<Fake>,
    fake: &Fake,
    n: u64,
    mine: bool,
    done: impl Fn(&Sector) -> bool,
) -> Sector {
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn({
        let p = p.clone();
        async move { p.run(rx).await }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let s = loop {
        if let Some(s) = p.status(n).await {
            if done(&s) {
                break s;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sector {n} stuck: {:?}",
            p.status(n).await
        );
        if mine {
            fake.mine();
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    };
    tx.send(true).expect("stop");
    task.await.expect("join").expect("run");
    s
}

#[test]
fn state_names_and_failure_mapping() {
    for s in SectorState::ALL {
        assert_eq!(SectorState::parse(s.name()), Some(s));
        if !s.is_terminal() {
            let f = s.on_failure();
            assert!(f.is_failure(), "{s} fails into {f}");
            if !s.is_failure() {
                let back = f.retry_state().expect("retry state");
                assert!(
                    !back.is_failure() && !back.is_terminal(),
                    "{f} retries at {back}"
                );
            }
        }
    }
    assert_eq!(SectorState::parse("Nope"), None);
    assert_eq!(
        SectorState::PreCommitWait.on_failure(),
        SectorState::PreCommitFailed
    );
    assert_eq!(
        SectorState::CommitFailed.retry_state(),
        Some(SectorState::SubmitCommit)
    );
    assert!(!SectorState::Proving.is_failure());
    assert!(SectorState::FailedUnrecoverable.is_failure());
}

#[test]
fn sector_records_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Sector::new(7, 5);
    s.comm_r = Some([3; 32]);
    s.ticket = Some(Drawn {
        value: [9; 32],
        epoch: 12,
    });
    s.transition(SectorState::PreCommit1, "piece added");
    s.fail("boom");
    {
        let db = SectorDb::new(Arc::new(Store::open(&dir.path().join("ds")).expect("open")));
        assert_eq!(db.next_number().expect("next"), 0);
        db.insert_new(&Sector::new(3, 5)).expect("insert");
        db.insert_new(&s).expect("insert");
        s.retries = 4;
        db.save(&s).expect("save");
    }
    let db = SectorDb::new(Arc::new(
        Store::open(&dir.path().join("ds")).expect("reopen"),
    ));
    let all = db.load_all().expect("load");
    assert_eq!(all.keys().copied().collect::<Vec<_>>(), vec![3, 7]);
    assert_eq!(all[&7], s);
    assert_eq!(all[&7].state, SectorState::SealPreCommit1Failed);
    assert_eq!(all[&7].last_err, "boom");
    assert_eq!(db.next_number().expect("next"), 8);
    let j = serde_json::to_value(all[&7].to_sector_info(None)).expect("encodes");
    assert_eq!(j["State"], "SealPreCommit1Failed");
    assert_eq!(j["SectorID"], 7);
    assert_eq!(j["Ticket"]["Epoch"], 12);
    assert_eq!(j["LastErr"], "boom");
    assert!(j["CommR"]["/"]
        .as_str()
        .expect("CommR")
        .starts_with("bagboea4b5abc"));
    assert_eq!(j["Log"].as_array().expect("log").len(), 4);
}

#[test]
fn allocated_bitfield_runs() {
    // The largest allocated number, as `max_allocated` reads it from the node's runs.
    let max_in_runs = |runs: &[u64]| {
        serde_json::from_value::<BitFieldJson>(json!(runs))
            .expect("runs")
            .0
            .last()
    };
    assert_eq!(max_in_runs(&[0]), None);
    assert_eq!(max_in_runs(&[]), None);
    assert_eq!(max_in_runs(&[0, 4]), Some(3));
    assert_eq!(max_in_runs(&[2, 1, 5, 3]), Some(10));
    assert_eq!(max_in_runs(&[2, 1, 5]), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pledged_sector_reaches_proving() {
    let env = Env::new();
    env.fake.st().allocated = Some(3);
    let p = env.pipeline(env.store());
    let n = p.pledge().await.expect("pledge");
    assert_eq!(n, 4, "past the chain's allocated numbers");
    assert_eq!(p.pledge().await.expect("pledge"), 5);
    let s = run_until(&p, &env.fake, n, true, |s| s.state.is_terminal()).await;
    assert_eq!(s.state, SectorState::Proving, "{s:#?}");
    assert_eq!(s.last_err, "");
    assert_eq!(s.retries, 0);
    let sealed = s.sealed_cid().expect("cid").expect("CommR");
    assert_eq!(env.fake.st().sectors.get(&n), Some(&sealed));
    let states: Vec<&str> = s
        .log
        .iter()
        .filter(|l| l.kind == "state")
        .map(|l| l.message.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        states,
        vec![
            "Packing",
            "Packing → PreCommit1",
            "PreCommit1 → PreCommit2",
            "PreCommit2 → PreCommitting",
            "PreCommitting → PreCommitWait",
            "PreCommitWait → WaitSeed",
            "WaitSeed → Committing",
            "Committing → SubmitCommit",
            "SubmitCommit → CommitWait",
            "CommitWait → FinalizeSector",
            "FinalizeSector → Proving",
        ]
    );
    let pc_epoch = s.precommit_epoch.expect("precommit epoch");
    assert_eq!(s.seed.as_ref().expect("seed").epoch, pc_epoch + 10);
    assert!(s.ticket.as_ref().expect("ticket").epoch < pc_epoch);
    // The prove-commit paid the pledge less the deposit.
    let pushed = env.fake.st().pushed.clone();
    let values: Vec<(u64, TokenAmount)> = pushed
        .iter()
        .filter(|m| {
            let p: Result<ProveCommitSectors3Params, _> = m.params.deserialize();
            m.method_num != PROVE_COMMIT_SECTORS3
                || p.map(|p| p.sector_activations[0].sector_number == n)
                    .unwrap_or(false)
        })
        .filter(|m| {
            let p: Result<PreCommitSectorBatchParams2, _> = m.params.deserialize();
            m.method_num != PRE_COMMIT_SECTOR_BATCH2
                || p.map(|p| p.sectors[0].sector_number == n).unwrap_or(false)
        })
        .map(|m| (m.method_num, m.value.clone()))
        .collect();
    assert_eq!(
        values,
        vec![
            (PRE_COMMIT_SECTOR_BATCH2, TokenAmount::from_atto(100)),
            (PROVE_COMMIT_SECTORS3, TokenAmount::from_atto(150))
        ]
    );
    // The other pledged sector got there too, and the summary counts both.
    let s5 = p.status(5).await.expect("sector 5");
    assert!(s5.state.is_terminal() || !s5.state.is_failure(), "{s5:?}");
    let j = serde_json::to_value(p.sector_info(n).await.expect("status")).expect("encodes");
    assert_eq!(j["State"], "Proving");
    assert_eq!(j["InitialPledge"], "250");
    assert_eq!(j["SealProof"], 5);
    assert!(j["PreCommitMsg"]["/"].is_string() && j["CommitMsg"]["/"].is_string());
    // The unsealed copy is gone, the faux replica stays for PoSt.
    let paths = Storage::new(env.dir.path().join("sealing"))
        .new_sector(MINER, n)
        .expect("paths");
    assert!(!paths.unsealed.exists() && paths.sealed.is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealing_resumes_after_a_restart() {
    let env = Env::new();
    let store = env.store();
    let p = env.pipeline(store.clone());
    let n = p.pledge().await.expect("pledge");
    // No blocks: the sector stops in PreCommitWait with its message pending.
    let s = run_until(&p, &env.fake, n, false, |s| {
        s.state == SectorState::PreCommitWait
    })
    .await;
    let msg = s.precommit_msg.expect("precommit message");
    drop(p);
    drop(store);
    // A new pipeline on the reopened datastore sees the same sector.
    let store = env.store();
    let p = env.pipeline(store);
    let again = p.status(n).await.expect("persisted");
    assert_eq!(again.state, SectorState::PreCommitWait);
    assert_eq!(again.precommit_msg, Some(msg));
    assert_eq!(p.summary().await.get(&SectorState::PreCommitWait), Some(&1));
    // Stop once more in WaitSeed, then finish.
    let s = run_until(&p, &env.fake, n, true, |s| s.state == SectorState::WaitSeed).await;
    assert_eq!(s.precommit_msg, Some(msg));
    drop(p);
    let p = env.pipeline(env.store());
    let s = run_until(&p, &env.fake, n, true, |s| s.state.is_terminal()).await;
    assert_eq!(s.state, SectorState::Proving, "{s:#?}");
    let pushed = env.fake.st().pushed.clone();
    assert_eq!(
        pushed
            .iter()
            .filter(|m| m.method_num == PRE_COMMIT_SECTOR_BATCH2)
            .count(),
        1,
        "the pre-commit was sent once"
    );
    assert_eq!(
        pushed
            .iter()
            .filter(|m| m.method_num == PROVE_COMMIT_SECTORS3)
            .count(),
        1
    );
    assert_eq!(
        serde_json::to_value(p.summary_counts().await).expect("encodes"),
        json!({ "Proving": 1 })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_commits_are_retried_then_given_up() {
    let env = Env::new();
    env.fake.st().reject_commits = true;
    let p = env.pipeline(env.store());
    let n = p.pledge().await.expect("pledge");
    let s = run_until(&p, &env.fake, n, true, |s| s.state.is_terminal()).await;
    assert_eq!(s.state, SectorState::FailedUnrecoverable, "{s:#?}");
    assert_eq!(s.retries, 3, "max_retries 2: the third failure gives up");
    assert!(s.last_err.contains("exit code 16"), "{}", s.last_err);
    let fails = s
        .log
        .iter()
        .filter(|l| l.message.starts_with("CommitWait → CommitFailed"))
        .count();
    assert_eq!(fails, 3);
    assert_eq!(
        env.fake
            .st()
            .pushed
            .iter()
            .filter(|m| m.method_num == PROVE_COMMIT_SECTORS3)
            .count(),
        3,
        "each retry sends the prove-commit again"
    );
    assert_eq!(
        p.summary().await.get(&SectorState::FailedUnrecoverable),
        Some(&1)
    );
}
