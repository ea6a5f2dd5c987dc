//! The storage miner's proving methods through the VM, with a mock proof verifier
//! and deterministic randomness: pre-commit, prove-commit, Window PoSt, missed
//! deadlines, fault and recovery declarations, termination, pre-commit expiry,
//! reward vesting and withdrawal. States are decoded with the v18 types.
//!
//! Cron runs at the epochs where the power actor has events due (the miner's
//! deadline ends), not at every epoch, so that weeks of chain stay fast.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use cid::Cid;
use common::*;
use fil_actor_miner_state::v18 as miner;
use fil_actor_power_state::v18 as power;
use fil_actors_shared::v18::runtime::DomainSeparationTag;
use fil_actors_shared::v18::{Multimap, EPOCHS_IN_DAY};
use fvm_ipld_bitfield::BitField;
use fvm_ipld_encoding::{BytesDe, RawBytes};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::message::Message;
use fvm_shared::randomness::Randomness;
use fvm_shared::sector::{PoStProof, RegisteredPoStProof, RegisteredSealProof, StoragePower};
use miner::{CompactCommD, DeadlineInfo, SectorPreCommitInfo};
use padma_state::actors::*;
use padma_state::policy::devnet_policy;
use padma_state::runtime::draw_randomness;
use padma_state::vm::{execute_tipset, ApplyRet, BlockMessages, Vm};

const SEAL: RegisteredSealProof = RegisteredSealProof::StackedDRG2KiBV1P1;
const POST: RegisteredPoStProof = RegisteredPoStProof::StackedDRGWindow2KiBV1P1;
/// A sector lifetime past the 30-day seal window plus the 180-day minimum.
const LIFETIME: i64 = 220 * EPOCHS_IN_DAY;

/// A network with a miner owned and worked by account 0, and the mock externs.
struct Chain {
    net: Net,
    x: &'static MockExterns,
    id: u64,
    maddr: Address,
}

fn commr(n: u64) -> Cid {
    let mut c = [7u8; 32];
    c[..8].copy_from_slice(&n.to_be_bytes());
    fvm_shared::commcid::replica_commitment_v1_to_cid(&c).unwrap()
}

impl Chain {
    /// Creates the miner with `fund` FIL (the create-miner deposit is locked).
    fn new(fund: u64) -> Chain {
        let mut net = Net::new(2);
        let owner = net.accounts[0].addr;
        let prm = power::CreateMinerParams {
            owner,
            worker: owner,
            window_post_proof_type: POST,
            peer: b"peer".to_vec(),
            multiaddrs: vec![BytesDe(vec![4, 127, 0, 0, 1])],
        };
        let r = net.send(
            0,
            Address::new_id(ids::POWER),
            method::power::CREATE_MINER,
            p(prm),
            fil(fund),
        );
        assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
        let ret: power::CreateMinerReturn = ret_of(&r);
        let id = ret.id_address.id().unwrap();
        seed_network_pledge(&mut net, fil(1));
        Chain {
            net,
            x: MockExterns::leak(),
            id,
            maddr: Address::new_id(id),
        }
    }

    fn miner(&self) -> miner::State {
        self.net.state(self.id)
    }

    fn power(&self) -> power::State {
        self.net.state(ids::POWER)
    }

    /// The miner's claimed (raw, QA) power.
    fn claim(&self) -> (StoragePower, StoragePower) {
        let c = self
            .power()
            .get_claim(&self.net.store, &self.maddr)
            .unwrap()
            .unwrap();
        (c.raw_byte_power, c.quality_adj_power)
    }

    fn burnt(&self) -> TokenAmount {
        self.net.balance(ids::BURNT_FUNDS)
    }

    /// Applies account `i`'s message to the miner at the next epoch, then runs
    /// that epoch's cron.
    fn send(&mut self, i: usize, method: u64, params: RawBytes) -> ApplyRet {
        let e = self.net.epoch + 1;
        let mut m = self
            .net
            .msg(i, self.maddr, method, params, TokenAmount::default());
        m.gas_limit = 5_000_000_000;
        let cm = self.net.sign(i, m);
        let mut vm = Vm::new(&self.net.store, &self.net.root, env_with(e, self.x)).unwrap();
        let r = vm.apply_message(cm.message(), cm.chain_length()).unwrap();
        self.net.root = vm.flush().unwrap();
        let a = self.net.accounts[i].id;
        self.net.accounts[i].nonce = self.net.actor(a).unwrap().sequence;
        self.advance_to(e);
        r
    }

    /// Like [`Chain::send`], asserting success.
    fn ok(&mut self, method: u64, params: RawBytes) -> ApplyRet {
        let r = self.send(0, method, params);
        assert_eq!(r.receipt.exit_code, ExitCode::OK, "{:?}", r.error);
        r
    }

    /// Runs cron at every epoch up to `to` where the power actor has events due.
    fn advance_to(&mut self, to: i64) {
        assert!(to >= self.net.epoch);
        while let Some(e) = self.next_cron_event(to) {
            self.cron(e.max(self.net.epoch + 1));
        }
        self.net.epoch = to;
    }

    fn next_cron_event(&self, to: i64) -> Option<i64> {
        let st = self.power();
        let q = Multimap::from_root(
            &self.net.store,
            &st.cron_event_queue,
            power::CRON_QUEUE_HAMT_BITWIDTH,
            power::CRON_QUEUE_AMT_BITWIDTH,
        )
        .unwrap();
        (st.first_cron_epoch..=to).find(|e| {
            q.get::<power::CronEvent>(&power::epoch_key(*e))
                .unwrap()
                .is_some()
        })
    }

    fn cron(&mut self, e: i64) {
        let m = Message {
            version: 0,
            from: Address::new_id(ids::SYSTEM),
            to: Address::new_id(ids::CRON),
            sequence: e as u64,
            value: TokenAmount::default(),
            method_num: method::cron::EPOCH_TICK,
            params: RawBytes::default(),
            gas_limit: 1 << 50,
            gas_fee_cap: TokenAmount::default(),
            gas_premium: TokenAmount::default(),
        };
        let mut vm = Vm::new(&self.net.store, &self.net.root, env_with(e, self.x)).unwrap();
        let r = vm.apply_implicit(&m).unwrap();
        assert!(r.receipt.exit_code.is_success(), "cron at {e}: {r:?}");
        self.net.root = vm.flush().unwrap();
        self.net.epoch = e;
    }

    /// A CC pre-commitment of sector `n` for the next epoch.
    fn precommit_info(&self, n: u64) -> SectorPreCommitInfo {
        let e = self.net.epoch + 1;
        SectorPreCommitInfo {
            seal_proof: SEAL,
            sector_number: n,
            sealed_cid: commr(n),
            seal_rand_epoch: e - 1,
            deal_ids: vec![],
            expiration: e + LIFETIME,
            unsealed_cid: CompactCommD::empty(),
        }
    }

    fn precommit(&mut self, sectors: Vec<SectorPreCommitInfo>) -> ApplyRet {
        let prm = miner::PreCommitSectorBatchParams2 { sectors };
        self.send(0, method::miner::PRE_COMMIT_SECTOR_BATCH2, p(prm))
    }

    fn prove(&mut self, ns: &[u64], require_success: bool) -> ApplyRet {
        let prm = miner::ProveCommitSectors3Params {
            sector_activations: ns
                .iter()
                .map(|n| miner::SectorActivationManifest {
                    sector_number: *n,
                    pieces: vec![],
                })
                .collect(),
            sector_proofs: ns.iter().map(|_| RawBytes::new(vec![1; 192])).collect(),
            aggregate_proof: RawBytes::default(),
            aggregate_proof_type: None,
            require_activation_success: require_success,
            require_notification_success: false,
        };
        self.send(0, method::miner::PROVE_COMMIT_SECTORS3, p(prm))
    }

    /// Pre-commits and proves sectors `ns`; returns their (deadline, partition).
    fn onboard(&mut self, ns: &[u64]) -> (u64, u64) {
        let pcs = ns.iter().map(|n| self.precommit_info(*n)).collect();
        let r = self.precommit(pcs);
        assert_eq!(r.receipt.exit_code, ExitCode::OK, "{:?}", r.error);
        let e = self.net.epoch;
        self.advance_to(e + devnet_policy().pre_commit_challenge_delay);
        let r = self.prove(ns, true);
        assert_eq!(r.receipt.exit_code, ExitCode::OK, "{:?}", r.error);
        self.miner().find_sector(&self.net.store, ns[0]).unwrap()
    }

    /// Advances so that the next message lands at the first epoch deadline `dl`
    /// is open (this proving period or the next).
    fn advance_to_deadline(&mut self, dl: u64) -> DeadlineInfo {
        let policy = devnet_policy();
        let next = self.net.epoch + 1;
        let start = self.miner().current_proving_period_start(&policy, next);
        let info = miner::new_deadline_info(&policy, start, dl, next).next_not_elapsed();
        if info.open > next {
            self.advance_to(info.open - 1);
        }
        info
    }

    /// Window PoSt parameters for partitions of `dl`, committed to the previous epoch.
    fn post_params(&self, dl: u64, partitions: &[u64]) -> miner::SubmitWindowedPoStParams {
        let ce = self.net.epoch;
        let rand = draw_randomness(
            &mock_base("chain", ce),
            DomainSeparationTag::PoStChainCommit,
            ce,
            &[],
        );
        miner::SubmitWindowedPoStParams {
            deadline: dl,
            partitions: partitions
                .iter()
                .map(|i| miner::PoStPartition {
                    index: *i,
                    skipped: BitField::new(),
                })
                .collect(),
            proofs: vec![PoStProof {
                post_proof: POST,
                proof_bytes: vec![2; 192],
            }],
            chain_commit_epoch: ce,
            chain_commit_rand: Randomness(rand.to_vec()),
        }
    }

    /// Submits a PoSt for partition `part` of deadline `dl` at its next opening.
    fn post(&mut self, dl: u64, part: u64) -> (ApplyRet, DeadlineInfo) {
        let info = self.advance_to_deadline(dl);
        let prm = self.post_params(dl, &[part]);
        (
            self.send(0, method::miner::SUBMIT_WINDOWED_POST, p(prm)),
            info,
        )
    }

    /// Sends `amount` FIL from account 1 to the miner.
    fn fund(&mut self, amount: u64) {
        let r = self.net.send(
            1,
            self.maddr,
            method::SEND,
            RawBytes::default(),
            fil(amount),
        );
        assert_eq!(r.receipt.exit_code, ExitCode::OK);
    }

    fn withdraw(&mut self, i: usize, amount: TokenAmount) -> ApplyRet {
        let prm = miner::WithdrawBalanceParams {
            amount_requested: amount,
        };
        self.send(i, method::miner::WITHDRAW_BALANCE, p(prm))
    }

    fn reward_state(&self) -> fil_actor_reward_state::v18::State {
        self.net.state(ids::REWARD)
    }

    /// The circulating supply a message at the next epoch sees.
    fn circ_supply(&self) -> TokenAmount {
        let e = self.net.epoch + 1;
        let vm = Vm::new(&self.net.store, &self.net.root, env_with(e, self.x)).unwrap();
        vm.circ_supply().clone()
    }

    /// The miner's address as randomness entropy.
    fn entropy(&self) -> Vec<u8> {
        fvm_ipld_encoding::to_vec(&self.maddr).unwrap()
    }

    fn partition(&self, dl: u64, part: u64) -> miner::Partition {
        let st = self.miner();
        let dls = st.load_deadlines(&self.net.store).unwrap();
        let d = dls.load_deadline(&self.net.store, dl).unwrap();
        d.load_partition(&self.net.store, part).unwrap()
    }
}

/// Adds `amount` to the power actor's total pledge, as a devnet's genesis sectors
/// would. v18 locks the create-miner deposit without reporting it to the power
/// actor but reports it as it vests, so on a network with no pledge at all a
/// miner's first vesting would drive the total negative and fail its cron.
fn seed_network_pledge(net: &mut Net, amount: TokenAmount) {
    let mut st: power::State = net.state(ids::POWER);
    st.total_pledge_collateral += amount;
    let head = padma_state::ipld::put_cbor(&net.store, &st).unwrap();
    let mut tree = padma_state::StateTree::load(&net.store, &net.root).unwrap();
    let mut actor = tree.get_actor(ids::POWER).unwrap().unwrap();
    actor.state = head;
    tree.set_actor(ids::POWER, actor).unwrap();
    net.root = tree.flush().unwrap();
}

fn bits(ns: &[u64]) -> BitField {
    BitField::try_from_bits(ns.iter().copied()).unwrap()
}

fn code(r: &ApplyRet) -> ExitCode {
    r.receipt.exit_code
}

fn events_of(r: &ApplyRet, typ: &str) -> usize {
    let want = fvm_ipld_encoding::to_vec(&typ).unwrap();
    r.events
        .iter()
        .filter(|e| {
            e.event
                .entries
                .iter()
                .any(|x| x.key == "$type" && x.value == want)
        })
        .count()
}

/// What a message burns in gas (to f099).
fn gas_burn(r: &ApplyRet) -> TokenAmount {
    &r.gas.base_fee_burn + &r.gas.over_estimation_burn
}

#[test]
fn precommit_validates_and_locks_the_deposit() {
    let mut c = Chain::new(10);
    // With its available balance withdrawn, the miner cannot pay a deposit.
    let r = c.withdraw(0, fil(10));
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let r = c.precommit(vec![c.precommit_info(1)]);
    assert_eq!(code(&r), ExitCode::USR_INSUFFICIENT_FUNDS, "{:?}", r.error);
    c.fund(1000);

    type Edit = fn(&mut SectorPreCommitInfo);
    let cases: Vec<(&str, Edit)> = vec![
        ("32GiB proof", |pc| {
            pc.seal_proof = RegisteredSealProof::StackedDRG32GiBV1P1
        }),
        ("8MiB proof on a 2KiB miner", |pc| {
            pc.seal_proof = RegisteredSealProof::StackedDRG8MiBV1P1
        }),
        ("randomness from now", |pc| pc.seal_rand_epoch += 1),
        ("randomness too old", |pc| {
            pc.seal_rand_epoch -= 31 * EPOCHS_IN_DAY
        }),
        ("expiration too soon", |pc| {
            pc.expiration -= 60 * EPOCHS_IN_DAY
        }),
        ("expiration too late", |pc| {
            pc.expiration += 2000 * EPOCHS_IN_DAY
        }),
        ("CommD as CommR", |pc| {
            pc.sealed_cid = fvm_shared::commcid::data_commitment_v1_to_cid(&[1; 32]).unwrap()
        }),
        ("CommR as CommD", |pc| {
            pc.unsealed_cid = CompactCommD::of(commr(5))
        }),
        ("deals", |pc| pc.deal_ids = vec![1]),
    ];
    for (what, edit) in cases {
        let mut pc = c.precommit_info(1);
        edit(&mut pc);
        let r = c.precommit(vec![pc]);
        assert_eq!(
            code(&r),
            ExitCode::USR_ILLEGAL_ARGUMENT,
            "{what}: {:?}",
            r.error
        );
    }
    let r = c.precommit(vec![]);
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "empty batch");
    let r = c.precommit(vec![c.precommit_info(1), c.precommit_info(1)]);
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "duplicate");
    let prm = miner::PreCommitSectorBatchParams2 {
        sectors: vec![c.precommit_info(1)],
    };
    let r = c.send(1, method::miner::PRE_COMMIT_SECTOR_BATCH2, p(prm));
    assert_eq!(code(&r), ExitCode::USR_FORBIDDEN);

    let rew = c.reward_state();
    let deposit = miner::pre_commit_deposit_for_power(
        &rew.this_epoch_reward_smoothed,
        &c.power().this_epoch_qa_power_smoothed,
        &miner::qa_power_max(fvm_shared::sector::SectorSize::_2KiB),
    );
    assert!(deposit.is_positive());
    let before = c.miner();
    let available = c.net.balance(c.id) - &before.locked_funds;
    let r = c.precommit(vec![c.precommit_info(1), c.precommit_info(2)]);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    assert_eq!(events_of(&r, "sector-precommitted"), 2);
    let e = c.net.epoch;
    let st = c.miner();
    assert_eq!(st.pre_commit_deposits, &deposit * 2);
    assert_eq!(
        st.get_available_balance(&c.net.balance(c.id)).unwrap(),
        available - &deposit * 2
    );
    let allocated: BitField = c.net.get(&st.allocated_sectors);
    assert_eq!(allocated, bits(&[1, 2]));
    let pc = st
        .get_precommitted_sector(&c.net.store, 2)
        .unwrap()
        .unwrap();
    assert_eq!(pc.pre_commit_epoch, e);
    assert_eq!(pc.pre_commit_deposit, deposit);
    assert_eq!(pc.info.sealed_cid, commr(2));
    // The deadline cron is on, enrolled at the current deadline's last epoch.
    assert!(st.deadline_cron_active);
    let last = st.deadline_info(&devnet_policy(), e).last();
    assert_eq!(c.next_cron_event(last), Some(last));
    // Sector numbers are never reused.
    let r = c.precommit(vec![c.precommit_info(1)]);
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT);
}

#[test]
fn prove_commit_verifies_the_seal_and_locks_the_pledge() {
    let mut c = Chain::new(1000);
    let r = c.precommit(vec![c.precommit_info(1), c.precommit_info(2)]);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let pc_epoch = c.net.epoch;
    let st = c.miner();
    let deposits = st.pre_commit_deposits.clone();
    let pc = st
        .get_precommitted_sector(&c.net.store, 1)
        .unwrap()
        .unwrap();
    // Before the interactive challenge epoch: forbidden.
    let r = c.prove(&[1, 2], true);
    assert_eq!(code(&r), ExitCode::USR_FORBIDDEN, "{:?}", r.error);
    c.advance_to(pc_epoch + devnet_policy().pre_commit_challenge_delay);
    // Pieces are refused with a clear error.
    let prm = miner::ProveCommitSectors3Params {
        sector_activations: vec![miner::SectorActivationManifest {
            sector_number: 1,
            pieces: vec![miner::PieceActivationManifest {
                cid: commr(9),
                size: fvm_shared::piece::PaddedPieceSize(2048),
                verified_allocation_key: None,
                notify: vec![],
            }],
        }],
        sector_proofs: vec![RawBytes::new(vec![1; 192])],
        aggregate_proof: RawBytes::default(),
        aggregate_proof_type: None,
        require_activation_success: true,
        require_notification_success: false,
    };
    let r = c.send(0, method::miner::PROVE_COMMIT_SECTORS3, p(prm));
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT);
    assert!(r.error.unwrap_or_default().contains("committed-capacity"));
    // A wrong proof fails, whether or not all activations are required.
    c.x.accept_seals(false);
    let r = c.prove(&[1, 2], true);
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "{:?}", r.error);
    let r = c.prove(&[1, 2], false);
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "{:?}", r.error);
    assert_eq!(c.miner().pre_commit_deposits, deposits);
    c.x.accept_seals(true);

    let e = c.net.epoch + 1;
    let rew = c.reward_state();
    let pw = c.power();
    let qa = miner::qa_power_for_weight(
        fvm_shared::sector::SectorSize::_2KiB,
        pc.info.expiration - e,
        &Default::default(),
    );
    let pledge = miner::initial_pledge_for_power(
        &qa,
        &rew.this_epoch_baseline_power,
        &rew.this_epoch_reward_smoothed,
        &pw.this_epoch_qa_power_smoothed,
        &c.circ_supply(),
        e - pw.ramp_start_epoch,
        pw.ramp_duration_epochs,
    );
    let seals_before = c.x.seals.lock().unwrap().len();
    let r = c.prove(&[1, 2], true);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let res: miner::ProveCommitSectors3Return = ret_of(&r);
    assert_eq!(res.activation_results.success_count, 2);
    assert!(res.activation_results.all_ok());
    assert_eq!(events_of(&r, "sector-activated"), 2);

    let st = c.miner();
    assert_eq!(st.pre_commit_deposits, TokenAmount::default());
    assert_eq!(st.initial_pledge, &pledge * 2);
    assert!(st
        .get_precommitted_sector(&c.net.store, 1)
        .unwrap()
        .is_none());
    let s = st.get_sector(&c.net.store, 1).unwrap().unwrap();
    assert_eq!(s.activation, e);
    assert_eq!(s.expiration, pc.info.expiration);
    assert_eq!(s.initial_pledge, pledge);
    assert!(s.daily_fee.is_positive());
    let (dl, part) = st.find_sector(&c.net.store, 2).unwrap();
    assert_eq!(c.partition(dl, part).unproven, bits(&[1, 2]));
    // Pledge is reported to the power actor; power waits for the first PoSt.
    assert_eq!(
        c.power().total_pledge_collateral,
        &pw.total_pledge_collateral + &pledge * 2
    );
    assert_eq!(
        c.claim(),
        (StoragePower::default(), StoragePower::default())
    );

    // The seal was verified with the runtime's randomness.
    let seals = c.x.seals.lock().unwrap()[seals_before..].to_vec();
    assert_eq!(seals.len(), 2);
    let s1 = &seals[0];
    let ie = pc_epoch + devnet_policy().pre_commit_challenge_delay;
    let ent = c.entropy();
    let seal_rand = draw_randomness(
        &mock_base("chain", pc.info.seal_rand_epoch),
        DomainSeparationTag::SealRandomness,
        pc.info.seal_rand_epoch,
        &ent,
    );
    let interactive = draw_randomness(
        &mock_base("beacon", ie),
        DomainSeparationTag::InteractiveSealChallengeSeed,
        ie,
        &ent,
    );
    assert_eq!(s1.randomness.0, seal_rand.to_vec());
    assert_eq!(s1.interactive_randomness.0, interactive.to_vec());
    assert_eq!(s1.sector_id.miner, c.id);
    assert_eq!(s1.sector_id.number, 1);
    assert_eq!(s1.sealed_cid, commr(1));
    assert_eq!(
        s1.unsealed_cid,
        CompactCommD::empty().get_cid(SEAL).unwrap()
    );
    // Proving again: the pre-commit is gone.
    let r = c.prove(&[1], true);
    assert_eq!(code(&r), ExitCode::USR_NOT_FOUND, "{:?}", r.error);
}

#[test]
fn window_post_is_checked_and_activates_power() {
    let mut c = Chain::new(1000);
    let (dl, part) = c.onboard(&[1, 2]);
    let info = c.advance_to_deadline(dl);
    let post = |c: &mut Chain, prm: miner::SubmitWindowedPoStParams| {
        c.send(0, method::miner::SUBMIT_WINDOWED_POST, p(prm))
    };
    // Another deadline than the open one.
    let prm = c.post_params((dl + 1) % 48, &[part]);
    assert_eq!(code(&post(&mut c, prm)), ExitCode::USR_ILLEGAL_ARGUMENT);
    // Randomness that is not the chain's.
    let mut prm = c.post_params(dl, &[part]);
    prm.chain_commit_rand = Randomness(vec![0; 32]);
    assert_eq!(code(&post(&mut c, prm)), ExitCode::USR_ILLEGAL_ARGUMENT);
    // Committed before the challenge.
    let mut prm = c.post_params(dl, &[part]);
    prm.chain_commit_epoch = info.challenge - 1;
    assert_eq!(code(&post(&mut c, prm)), ExitCode::USR_ILLEGAL_ARGUMENT);
    // A partition that does not exist.
    let prm = c.post_params(dl, &[part + 1]);
    assert_ne!(code(&post(&mut c, prm)), ExitCode::OK);
    // A proof the verifier refuses.
    c.x.accept_posts(false);
    let prm = c.post_params(dl, &[part]);
    let r = post(&mut c, prm);
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "{:?}", r.error);
    c.x.accept_posts(true);
    assert_eq!(
        c.claim(),
        (StoragePower::default(), StoragePower::default())
    );

    let prm = c.post_params(dl, &[part]);
    let r = post(&mut c, prm);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let two = StoragePower::from(4096);
    assert_eq!(c.claim(), (two.clone(), two.clone()));
    let pw = c.power();
    assert_eq!(pw.total_raw_byte_power, two);
    assert_eq!(pw.miner_above_min_power_count, 1);
    // The proof was checked against the deadline's challenge.
    let v = c.x.posts.lock().unwrap().last().cloned().unwrap();
    let challenge = draw_randomness(
        &mock_base("beacon", info.challenge),
        DomainSeparationTag::WindowedPoStChallengeSeed,
        info.challenge,
        &c.entropy(),
    );
    assert_eq!(v.randomness.0, challenge.to_vec());
    assert_eq!(v.prover, c.id);
    let numbers: Vec<u64> = v
        .challenged_sectors
        .iter()
        .map(|s| s.sector_number)
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    // Recorded as v18 records an optimistically accepted PoSt.
    let st = c.miner();
    let dls = st.load_deadlines(&c.net.store).unwrap();
    let d = dls.load_deadline(&c.net.store, dl).unwrap();
    assert!(d.partitions_posted.get(part));
    assert_eq!(d.optimistic_proofs_amt(&c.net.store).unwrap().count(), 1);
    let pt = c.partition(dl, part);
    assert!(pt.unproven.is_empty() && pt.faults.is_empty());
    // After the window closes, the deadline no longer takes proofs.
    c.advance_to(info.close);
    let prm = c.post_params(dl, &[part]);
    assert_eq!(code(&post(&mut c, prm)), ExitCode::USR_ILLEGAL_ARGUMENT);
    assert_eq!(c.claim(), (two.clone(), two));
}

#[test]
fn missed_deadlines_fault_sectors_remove_power_and_charge_fees() {
    let mut c = Chain::new(1000);
    let (dl, part) = c.onboard(&[1]);
    // Never proven: the deadline's end marks the sector faulty.
    let info = c.advance_to_deadline(dl);
    c.advance_to(info.close);
    let pt = c.partition(dl, part);
    assert_eq!(pt.faults, bits(&[1]));
    assert!(pt.unproven.is_empty());
    // Recovered and proven: power appears.
    let rec = miner::DeclareFaultsRecoveredParams {
        recoveries: vec![miner::RecoveryDeclaration {
            deadline: dl,
            partition: part,
            sectors: bits(&[1]),
        }],
    };
    c.ok(method::miner::DECLARE_FAULTS_RECOVERED, p(rec));
    let (r, info) = c.post(dl, part);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let one = StoragePower::from(2048);
    assert_eq!(c.claim(), (one.clone(), one.clone()));
    c.advance_to(info.close);
    assert!(c.partition(dl, part).faults.is_empty());

    // A missed PoSt: the sector is faulty and its power removed, no fee yet.
    let info = c.advance_to_deadline(dl);
    c.advance_to(info.close);
    assert_eq!(c.partition(dl, part).faults, bits(&[1]));
    assert_eq!(
        c.claim(),
        (StoragePower::default(), StoragePower::default())
    );
    assert_eq!(c.power().total_raw_byte_power, StoragePower::default());

    // Faulty through the next deadline: the continued-fault fee is charged.
    let info = c.advance_to_deadline(dl);
    c.advance_to(info.last() - 1);
    let st = c.miner();
    let s = st.get_sector(&c.net.store, 1).unwrap().unwrap();
    let qa = miner::qa_power_for_sector(fvm_shared::sector::SectorSize::_2KiB, &s);
    let fee = miner::pledge_penalty_for_continued_fault(
        &c.reward_state().this_epoch_reward_smoothed,
        &c.power().this_epoch_qa_power_smoothed,
        &qa,
    );
    assert!(fee.is_positive());
    let (burnt, debt) = (c.burnt(), st.fee_debt.clone());
    c.advance_to(info.close);
    let st = c.miner();
    let charged = (c.burnt() - burnt) + (&st.fee_debt - debt);
    // The fault fee plus at most the sector's daily fee.
    assert!(charged >= fee, "{charged} < {fee}");
    assert!(charged <= &fee + &s.daily_fee, "{charged}");
}

#[test]
fn declared_faults_lose_power_until_recovered_and_proven() {
    let mut c = Chain::new(1000);
    let (dl, part) = c.onboard(&[1, 2]);
    let (r, info) = c.post(dl, part);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let faults = |n: u64| miner::DeclareFaultsParams {
        faults: vec![miner::FaultDeclaration {
            deadline: dl,
            partition: part,
            sectors: bits(&[n]),
        }],
    };
    // The open deadline is past its fault cutoff.
    let r = c.send(0, method::miner::DECLARE_FAULTS, p(faults(1)));
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "{:?}", r.error);
    c.advance_to(info.close);
    // Only a controlling address may declare.
    let r = c.send(1, method::miner::DECLARE_FAULTS, p(faults(1)));
    assert_eq!(code(&r), ExitCode::USR_FORBIDDEN);
    c.ok(method::miner::DECLARE_FAULTS, p(faults(1)));
    let one = StoragePower::from(2048);
    assert_eq!(c.claim(), (one.clone(), one.clone()));
    assert_eq!(c.partition(dl, part).faults, bits(&[1]));

    let rec = miner::DeclareFaultsRecoveredParams {
        recoveries: vec![miner::RecoveryDeclaration {
            deadline: dl,
            partition: part,
            sectors: bits(&[1]),
        }],
    };
    c.ok(method::miner::DECLARE_FAULTS_RECOVERED, p(rec));
    assert_eq!(c.partition(dl, part).recoveries, bits(&[1]));
    assert_eq!(c.claim(), (one.clone(), one));
    // The next PoSt proves the recovery and restores the power.
    let (r, _) = c.post(dl, part);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let two = StoragePower::from(4096);
    assert_eq!(c.claim(), (two.clone(), two));
    let pt = c.partition(dl, part);
    assert!(pt.faults.is_empty() && pt.recoveries.is_empty());
}

#[test]
fn terminated_sectors_release_pledge_less_the_fee() {
    let mut c = Chain::new(1000);
    let (dl, part) = c.onboard(&[1, 2]);
    let (r, info) = c.post(dl, part);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let term = miner::TerminateSectorsParams {
        terminations: vec![miner::TerminationDeclaration {
            deadline: dl,
            partition: part,
            sectors: bits(&[1]),
        }],
    };
    // The deadline being proven is immutable.
    let r = c.send(0, method::miner::TERMINATE_SECTORS, p(&term));
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "{:?}", r.error);
    c.advance_to(info.close);

    let e = c.net.epoch + 1;
    let st = c.miner();
    let s = st.get_sector(&c.net.store, 1).unwrap().unwrap();
    let qa = miner::qa_power_for_sector(fvm_shared::sector::SectorSize::_2KiB, &s);
    let fault_fee = miner::pledge_penalty_for_continued_fault(
        &c.reward_state().this_epoch_reward_smoothed,
        &c.power().this_epoch_qa_power_smoothed,
        &qa,
    );
    let fee =
        miner::pledge_penalty_for_termination(&s.initial_pledge, e - s.activation, &fault_fee);
    assert!(fee.is_positive());
    let burnt = c.burnt();
    let r = c.send(0, method::miner::TERMINATE_SECTORS, p(&term));
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let done: miner::TerminateSectorsReturn = ret_of(&r);
    assert!(done.done);
    assert_eq!(events_of(&r, "sector-terminated"), 1);
    let after = c.miner();
    assert_eq!(after.initial_pledge, &st.initial_pledge - &s.initial_pledge);
    assert!(after.early_terminations.is_empty());
    assert_eq!(c.partition(dl, part).terminated, bits(&[1]));
    let one = StoragePower::from(2048);
    assert_eq!(c.claim(), (one.clone(), one));
    // The fee is burnt, or owed where the miner's funds do not cover it.
    let charged = (c.burnt() - burnt - gas_burn(&r)) + (&after.fee_debt - &st.fee_debt);
    assert_eq!(charged, fee);
}

#[test]
fn expired_precommits_burn_their_deposit() {
    let mut c = Chain::new(1000);
    let r = c.precommit(vec![c.precommit_info(1)]);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let pc_epoch = c.net.epoch;
    let deposit = c.miner().pre_commit_deposits;
    let policy = devnet_policy();
    let seal_window = miner::max_prove_commit_duration(&policy, SEAL).unwrap();
    // Past the seal window the sector can no longer be proven.
    c.advance_to(pc_epoch + seal_window);
    let r = c.prove(&[1], true);
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "{:?}", r.error);
    let burnt = c.burnt();
    // The clean-up is queued at the deadline boundary at or after the clean-up
    // delay, and runs at the end of the deadline opening there.
    let cleanup = pc_epoch + seal_window + policy.expired_pre_commit_clean_up_delay;
    c.advance_to(cleanup - 1);
    assert_eq!(c.miner().pre_commit_deposits, deposit);
    c.advance_to(cleanup + 2 * policy.wpost_challenge_window);
    let st = c.miner();
    assert_eq!(st.pre_commit_deposits, TokenAmount::default());
    assert!(st
        .get_precommitted_sector(&c.net.store, 1)
        .unwrap()
        .is_none());
    assert_eq!(c.burnt() - burnt, deposit);
    assert!(!st.deadline_cron_active);
    let allocated: BitField = c.net.get(&st.allocated_sectors);
    assert!(allocated.get(1));
}

#[test]
fn block_rewards_vest_and_withdrawals_honour_locked_funds() {
    let mut c = Chain::new(100);
    let e = c.net.epoch + 1;
    let reward = reward::block_reward(&c.reward_state().this_epoch_reward, 1);
    let (to_lock, _) = miner::locked_reward_from_reward(reward.clone());
    let before = c.miner();
    let blocks = [BlockMessages {
        miner: c.maddr,
        win_count: 1,
        messages: vec![],
    }];
    let t = execute_tipset(
        &c.net.store,
        &c.net.root,
        c.net.epoch,
        &blocks,
        env_with(e, c.x),
    )
    .unwrap();
    c.net.root = t.state_root;
    c.net.epoch = e;
    let st = c.miner();
    assert_eq!(st.locked_funds, &before.locked_funds + &to_lock);
    assert_eq!(c.net.balance(c.id), fil(100) + &reward);

    // Only the unlocked balance can be withdrawn, and only by the owner.
    let r = c.withdraw(1, fil(1));
    assert_eq!(code(&r), ExitCode::USR_FORBIDDEN);
    let available = c.net.balance(c.id) - &st.locked_funds;
    let owner = c.net.accounts[0].id;
    let owner_before = c.net.balance(owner);
    let r = c.withdraw(0, fil(1_000_000));
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    assert_eq!(ret_of::<TokenAmount>(&r), available);
    let gas = &r.gas.base_fee_burn + &r.gas.over_estimation_burn + &r.gas.miner_tip;
    assert_eq!(c.net.balance(owner), owner_before + &available - gas);
    assert_eq!(c.net.balance(c.id), st.locked_funds);
    let r = c.withdraw(0, fil(1));
    assert_eq!(ret_of::<TokenAmount>(&r), TokenAmount::default());

    // Two days later, what has vested by then is withdrawable.
    c.advance_to(e + 2 * EPOCHS_IN_DAY);
    let st = c.miner();
    let next = c.net.epoch + 1;
    let vested: TokenAmount = st
        .vesting_funds
        .load(&c.net.store)
        .unwrap()
        .iter()
        .filter(|f| f.epoch < next)
        .map(|f| f.amount.clone())
        .sum();
    assert!(vested.is_positive());
    let r = c.withdraw(0, fil(1_000_000));
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    assert_eq!(ret_of::<TokenAmount>(&r), vested);
    assert_eq!(c.miner().locked_funds, &st.locked_funds - &vested);
}

#[test]
fn prove_commit_accepts_an_aggregate_proof() {
    let mut c = Chain::new(1000);
    let ns = [1, 2, 3, 4];
    let pcs = ns.iter().map(|n| c.precommit_info(*n)).collect();
    let r = c.precommit(pcs);
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let e = c.net.epoch;
    c.advance_to(e + devnet_policy().pre_commit_challenge_delay);
    let prm = |aggregate_proof_type| miner::ProveCommitSectors3Params {
        sector_activations: ns
            .iter()
            .map(|n| miner::SectorActivationManifest {
                sector_number: *n,
                pieces: vec![],
            })
            .collect(),
        sector_proofs: vec![],
        aggregate_proof: RawBytes::new(vec![3; 1024]),
        aggregate_proof_type,
        require_activation_success: true,
        require_notification_success: false,
    };
    use fvm_shared::sector::RegisteredAggregateProof::SnarkPackV2;
    // The aggregate type must be given; the verifier's verdict is final.
    let r = c.send(0, method::miner::PROVE_COMMIT_SECTORS3, p(prm(None)));
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT);
    c.x.accept_seals(false);
    let r = c.send(
        0,
        method::miner::PROVE_COMMIT_SECTORS3,
        p(prm(Some(SnarkPackV2))),
    );
    assert_eq!(code(&r), ExitCode::USR_ILLEGAL_ARGUMENT, "{:?}", r.error);
    c.x.accept_seals(true);
    let r = c.send(
        0,
        method::miner::PROVE_COMMIT_SECTORS3,
        p(prm(Some(SnarkPackV2))),
    );
    assert_eq!(code(&r), ExitCode::OK, "{:?}", r.error);
    let res: miner::ProveCommitSectors3Return = ret_of(&r);
    assert_eq!(res.activation_results.success_count, 4);
    let st = c.miner();
    for n in ns {
        assert!(st.get_sector(&c.net.store, n).unwrap().is_some());
    }
    assert_eq!(st.pre_commit_deposits, TokenAmount::default());
}
