//! Gas exactness: what padma charges through its tipset execution equals what the FVM
//! charges when this test drives the `fvm` crate itself under Lotus's conditions — the
//! same message on the same state, network version 28, chain ID 31415926, the
//! tipset's base fee and timestamp, applied as an on-chain (explicit) message with
//! Lotus's chain length (the unsigned message's bytes for BLS, the signed message's
//! for secp256k1). Receipts (exit code, gas used, return value) and the gas split
//! (base-fee burn, over-estimation burn, tip, penalty, refund) must match exactly for
//! a plain send (BLS and secp256k1), an account creation, a multisig creation, a
//! multisig proposal and a miner's PreCommitSectorBatch2.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

mod common;

use cid::Cid;
use common::{base_fee, env, genesis_store, owner_key, template, timestamp};
use fil_actor_miner_state::v18 as miner;
use fil_actor_multisig_state::v18 as msig;
use fvm::call_manager::DefaultCallManager;
use fvm::engine::MultiEngine;
use fvm::executor::{ApplyKind, DefaultExecutor, Executor};
use fvm::externs::{Chain, Consensus, Externs, Rand};
use fvm::kernel::filecoin::DefaultFilecoinKernel;
use fvm::machine::{DefaultMachine, NetworkConfig};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::chainid::ChainID;
use fvm_shared::consensus::ConsensusFault;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::sector::RegisteredSealProof;
use fvm_shared::version::NetworkVersion;
use padma_fvm::FvmEngine;
use padma_state::actors::method;
use padma_state::code::{ActorKind, CodeSet};
use padma_state::genesis::INITIAL_BASE_FEE;
use padma_state::runtime::CircSupply;
use padma_state::vm::supply::supply_parts_at;
use padma_state::vm::{ApplyRet, BlockMessages, ChainMessage, Engine, LotusSupply};
use padma_store::Store;
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::SignedMessage;
use std::sync::{Arc, LazyLock};

/// The externs of the reference machine: fixed randomness, no faults, no lookback.
struct ReferenceExterns;

impl Externs for ReferenceExterns {}

impl Rand for ReferenceExterns {
    fn get_chain_randomness(&self, _round: i64) -> anyhow::Result<[u8; 32]> {
        Ok([0; 32])
    }
    fn get_beacon_randomness(&self, _round: i64) -> anyhow::Result<[u8; 32]> {
        Ok([0; 32])
    }
}

impl Consensus for ReferenceExterns {
    fn verify_consensus_fault(
        &self,
        _h1: &[u8],
        _h2: &[u8],
        _extra: &[u8],
    ) -> anyhow::Result<(Option<ConsensusFault>, i64)> {
        Ok((None, 0))
    }
}

impl Chain for ReferenceExterns {
    fn get_tipset_cid(&self, epoch: i64) -> anyhow::Result<Cid> {
        anyhow::bail!("no tipset at {epoch} in the reference machine")
    }
}

/// The reference machines' compiled actors (its own, not padma's).
static REFERENCE_ENGINES: LazyLock<MultiEngine> = LazyLock::new(|| MultiEngine::new(1));

type RefMachine = DefaultMachine<Arc<Store>, ReferenceExterns>;
type RefExec = DefaultExecutor<DefaultFilecoinKernel<DefaultCallManager<RefMachine>>>;

/// The message applied by the test's own machine, configured as Lotus configures its
/// VM for a tipset at `epoch` on `root`.
fn reference(
    store: &Arc<Store>,
    root: &Cid,
    epoch: i64,
    msg: &Message,
    chain_length: usize,
) -> fvm::executor::ApplyRet {
    let mut nc = NetworkConfig::new(NetworkVersion::V28);
    nc.chain_id(ChainID::from(31415926));
    let mut mc = nc.for_epoch(epoch, timestamp(epoch), *root);
    mc.set_base_fee(base_fee());
    let parts = supply_parts_at(store, root).unwrap();
    mc.set_circulating_supply(
        LotusSupply::devnet()
            .circulating_supply(epoch, &parts)
            .unwrap(),
    );
    let machine = DefaultMachine::new(&mc, store.clone(), ReferenceExterns).unwrap();
    let engine = REFERENCE_ENGINES.get(&nc).unwrap();
    let mut ex = RefExec::new(engine, machine).unwrap();
    ex.execute_message(msg.clone(), ApplyKind::Explicit, chain_length)
        .unwrap()
}

struct Net {
    store: Arc<Store>,
    root: Cid,
    epoch: i64,
    miner: Address,
    _dir: tempfile::TempDir,
}

impl Net {
    /// Runs `m` through padma (a tipset at the next epoch) and through the reference
    /// machine on the same state; checks they agree and moves to padma's new state.
    fn check(&mut self, what: &str, m: ChainMessage, reference_length: usize) -> ApplyRet {
        let epoch = self.epoch + 1;
        let want = reference(
            &self.store,
            &self.root,
            epoch,
            m.message(),
            reference_length,
        );
        let blocks = vec![BlockMessages {
            miner: self.miner,
            win_count: 1,
            messages: vec![m],
        }];
        let r = FvmEngine::default()
            .execute_tipset(&self.store, &self.root, self.epoch, &blocks, env(epoch))
            .unwrap();
        let got = r.applied[0].1.clone();
        assert_eq!(got.receipt, want.msg_receipt, "{what}: receipt");
        assert_eq!(
            got.gas.base_fee_burn, want.base_fee_burn,
            "{what}: base fee burn"
        );
        assert_eq!(
            got.gas.over_estimation_burn, want.over_estimation_burn,
            "{what}: over-estimation burn"
        );
        assert_eq!(got.gas.miner_tip, want.miner_tip, "{what}: tip");
        assert_eq!(got.gas.miner_penalty, want.penalty, "{what}: penalty");
        assert_eq!(got.gas.refund, want.refund, "{what}: refund");
        assert!(
            got.receipt.exit_code.is_success(),
            "{what}: {:?} {:?}",
            got.receipt,
            got.error
        );
        eprintln!("{what}: gas used {}", got.receipt.gas_used);
        self.root = r.state_root;
        self.epoch = epoch;
        got
    }
}

fn message(
    from: Address,
    to: Address,
    nonce: u64,
    value: TokenAmount,
    m: u64,
    p: Vec<u8>,
) -> Message {
    Message {
        version: 0,
        from,
        to,
        sequence: nonce,
        value,
        method_num: m,
        params: RawBytes::new(p),
        gas_limit: 200_000_000,
        gas_fee_cap: TokenAmount::from_atto(INITIAL_BASE_FEE * 3),
        gas_premium: TokenAmount::from_atto(1_000),
    }
}

/// Lotus's chain length of an unsigned (BLS) message: its CBOR.
fn bls_length(m: &Message) -> usize {
    fvm_ipld_encoding::to_vec(m).unwrap().len()
}

#[test]
fn padma_charges_what_the_fvm_charges_under_lotus_conditions() {
    let (dir, store, g) = genesis_store(&template("localnet-gas", 2));
    let owner = owner_key().address().unwrap();
    let mut net = Net {
        store,
        root: g.header.parent_state_root,
        epoch: 0,
        miner: g.miners[0],
        _dir: dir,
    };

    // An account creation: a send to a new secp256k1 address.
    let secp = KeyInfo::generate(KeyType::Secp256k1);
    let other = secp.address().unwrap();
    let m = message(
        owner,
        other,
        0,
        TokenAmount::from_whole(5),
        method::SEND,
        vec![],
    );
    let len = bls_length(&m);
    net.check("account creation", ChainMessage::Bls(m), len);

    // Plain sends to an existing account, BLS-signed and secp256k1-signed.
    let m = message(
        owner,
        other,
        1,
        TokenAmount::from_whole(1),
        method::SEND,
        vec![],
    );
    let len = bls_length(&m);
    net.check("plain send (bls)", ChainMessage::Bls(m), len);
    let m = message(
        other,
        owner,
        0,
        TokenAmount::from_atto(7),
        method::SEND,
        vec![],
    );
    let signature: Signature = secp
        .sign(&padma_types::message::message_signing_bytes(&m))
        .unwrap();
    let len = fvm_ipld_encoding::to_vec(&(&m, &signature)).unwrap().len();
    let signed = SignedMessage {
        message: m,
        signature,
    };
    net.check("plain send (secp256k1)", ChainMessage::Signed(signed), len);

    // A 2-of-2 multisig created through the init actor.
    let ctor = msig::ConstructorParams {
        signers: vec![owner, other],
        num_approvals_threshold: 2,
        unlock_duration: 0,
        start_epoch: 0,
    };
    let exec = fil_actor_init_state::v18::ExecParams {
        code_cid: CodeSet::FakeProofs.code(ActorKind::Multisig),
        constructor_params: RawBytes::new(fvm_ipld_encoding::to_vec(&ctor).unwrap()),
    };
    let m = message(
        owner,
        Address::new_id(1),
        2,
        TokenAmount::from_whole(10),
        method::init::EXEC,
        fvm_ipld_encoding::to_vec(&exec).unwrap(),
    );
    let len = bls_length(&m);
    let created = net.check("multisig creation", ChainMessage::Bls(m), len);
    let ret: fil_actor_init_state::v18::ExecReturn =
        fvm_ipld_encoding::from_slice(&created.receipt.return_data).unwrap();

    // A proposal on it (recorded, not executed: the threshold is 2).
    let propose = msig::ProposeParams {
        to: other,
        value: TokenAmount::from_whole(1),
        method: method::SEND,
        params: RawBytes::default(),
    };
    let m = message(
        owner,
        ret.id_address,
        3,
        TokenAmount::default(),
        msig::Method::Propose as u64,
        fvm_ipld_encoding::to_vec(&propose).unwrap(),
    );
    let len = bls_length(&m);
    let proposed = net.check("multisig propose", ChainMessage::Bls(m), len);
    let pr: msig::ProposeReturn =
        fvm_ipld_encoding::from_slice(&proposed.receipt.return_data).unwrap();
    assert!(!pr.applied);

    // The genesis miner pre-commits a sector (its owner is its worker).
    let epoch = net.epoch + 1;
    let mut commr = [7u8; 32];
    commr[0] = 1;
    let info = miner::SectorPreCommitInfo {
        seal_proof: RegisteredSealProof::StackedDRG2KiBV1P1,
        sector_number: 100,
        sealed_cid: fvm_shared::commcid::replica_commitment_v1_to_cid(&commr).unwrap(),
        seal_rand_epoch: epoch - 1,
        deal_ids: vec![],
        expiration: epoch + 220 * 2880,
        unsealed_cid: miner::CompactCommD::empty(),
    };
    let params = miner::PreCommitSectorBatchParams2 {
        sectors: vec![info],
    };
    let m = message(
        owner,
        net.miner,
        4,
        TokenAmount::from_whole(10),
        method::miner::PRE_COMMIT_SECTOR_BATCH2,
        fvm_ipld_encoding::to_vec(&params).unwrap(),
    );
    let len = bls_length(&m);
    net.check("miner PreCommitSectorBatch2", ChainMessage::Bls(m), len);
}
