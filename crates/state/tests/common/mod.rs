//! A small test network for the VM tests: a ParityDB store in a temporary
//! directory, singletons built by running their constructors through the VM, and
//! funded accounts with real keys.

#![allow(dead_code)]

use cid::Cid;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::bigint::bigint_ser::BigIntDe;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_state::actors::*;
use padma_state::code::ActorKind;
use padma_state::ipld::{empty_array_cid, get_cbor, put_cbor};
use padma_state::policy::devnet_policy;
use padma_state::runtime::{FixedVested, NoExterns};
use padma_state::tree::{ActorState, StateTree};
use padma_state::vm::{ApplyRet, ChainMessage, Vm, VmEnv};
use padma_types::crypto::{KeyInfo, KeyType};
use padma_types::message::message_signing_bytes;
use padma_types::SignedMessage;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The base fee tests run with.
pub const BASE_FEE: u64 = 100;
/// Initial balance of each test account: 10,000 FIL.
pub const ACCOUNT_FIL: u64 = 10_000;

pub static NO_EXTERNS: NoExterns = NoExterns;

/// The circulating supply the actors see in tests (a fixed vested amount).
pub fn supply() -> &'static FixedVested {
    static S: std::sync::OnceLock<FixedVested> = std::sync::OnceLock::new();
    S.get_or_init(|| FixedVested(TokenAmount::from_whole(100_000_000)))
}

/// An execution environment at `epoch`.
pub fn env(epoch: i64) -> VmEnv {
    VmEnv {
        epoch,
        base_fee: TokenAmount::from_atto(BASE_FEE),
        network_version: padma_state::policy::NETWORK_VERSION,
        policy: devnet_policy(),
        timestamp: 0,
        randomness: std::sync::Arc::new(&NO_EXTERNS),
        proofs: std::sync::Arc::new(&NO_EXTERNS),
        supply: std::sync::Arc::new(supply()),
    }
}

/// A test account: key, address and ID.
pub struct Account {
    pub key: KeyInfo,
    pub addr: Address,
    pub id: u64,
    pub nonce: u64,
}

pub struct Net {
    _dir: tempfile::TempDir,
    pub store: padma_store::Store,
    pub root: Cid,
    pub epoch: i64,
    pub accounts: Vec<Account>,
}

fn system_msg(to: u64, method: u64, params: RawBytes, value: TokenAmount, seq: u64) -> Message {
    Message {
        version: 0,
        from: Address::new_id(ids::SYSTEM),
        to: Address::new_id(to),
        sequence: seq,
        value,
        method_num: method,
        params,
        gas_limit: 10_000_000_000,
        gas_fee_cap: TokenAmount::default(),
        gas_premium: TokenAmount::default(),
    }
}

impl Net {
    /// Singletons, f099, and `n` accounts (alternating BLS and secp256k1) funded
    /// with [`ACCOUNT_FIL`] each through implicit account creation.
    pub fn new(n: usize) -> Net {
        let dir = tempfile::tempdir().unwrap();
        let store = padma_store::Store::open(dir.path()).unwrap();
        let root = {
            let mut t = StateTree::new(&store);
            let singletons = [
                (ids::SYSTEM, ActorKind::System),
                (ids::INIT, ActorKind::Init),
                (ids::REWARD, ActorKind::Reward),
                (ids::CRON, ActorKind::Cron),
                (ids::POWER, ActorKind::StoragePower),
                (ids::MARKET, ActorKind::StorageMarket),
                (ids::VERIFREG, ActorKind::VerifiedRegistry),
                (ids::DATACAP, ActorKind::Datacap),
            ];
            for (id, k) in singletons {
                t.set_actor(id, ActorState::new_empty(k.code(), None))
                    .unwrap();
            }
            // The system actor funds the test accounts; the reward actor pays rewards.
            let mut sys = t.get_actor(ids::SYSTEM).unwrap().unwrap();
            sys.balance = TokenAmount::from_whole(ACCOUNT_FIL * n as u64);
            t.set_actor(ids::SYSTEM, sys).unwrap();
            let mut rew = t.get_actor(ids::REWARD).unwrap().unwrap();
            rew.balance = TokenAmount::from_whole(1_000_000);
            t.set_actor(ids::REWARD, rew).unwrap();
            // f099 is an account whose address is itself.
            let head = put_cbor(
                &store,
                &fil_actor_account_state::v18::State {
                    address: Address::new_id(ids::BURNT_FUNDS),
                },
            )
            .unwrap();
            t.set_actor(
                ids::BURNT_FUNDS,
                ActorState::new(
                    ActorKind::Account.code(),
                    head,
                    TokenAmount::default(),
                    0,
                    None,
                ),
            )
            .unwrap();
            t.flush().unwrap()
        };
        let mut net = Net {
            _dir: dir,
            store,
            root,
            epoch: 0,
            accounts: Vec::new(),
        };
        let cron = fil_actor_cron_state::v18::ConstructorParams {
            entries: vec![
                fil_actor_cron_state::v18::Entry {
                    receiver: Address::new_id(ids::POWER),
                    method_num: method::power::ON_EPOCH_TICK_END,
                },
                fil_actor_cron_state::v18::Entry {
                    receiver: Address::new_id(ids::MARKET),
                    method_num: method::market::CRON_TICK,
                },
            ],
        };
        let ctors: Vec<(u64, RawBytes)> = vec![
            (ids::SYSTEM, RawBytes::default()),
            (
                ids::INIT,
                RawBytes::serialize(fil_actor_init_state::v18::ConstructorParams {
                    network_name: "padmatest".into(),
                })
                .unwrap(),
            ),
            (
                ids::REWARD,
                RawBytes::serialize(Some(BigIntDe(0.into()))).unwrap(),
            ),
            (ids::CRON, RawBytes::serialize(cron).unwrap()),
            (ids::POWER, RawBytes::default()),
            (ids::MARKET, RawBytes::default()),
            (
                ids::VERIFREG,
                RawBytes::serialize(Address::new_id(ids::BURNT_FUNDS)).unwrap(),
            ),
            (
                ids::DATACAP,
                RawBytes::serialize(Address::new_id(ids::VERIFREG)).unwrap(),
            ),
        ];
        for (to, params) in ctors {
            let r = net.implicit(system_msg(to, 1, params, TokenAmount::default(), 0));
            assert!(
                r.receipt.exit_code.is_success(),
                "constructor of f0{to}: {r:?}"
            );
        }
        for i in 0..n {
            let kt = if i % 2 == 0 {
                KeyType::Bls
            } else {
                KeyType::Secp256k1
            };
            let key = KeyInfo::generate(kt);
            let addr = key.address().unwrap();
            let mut m = system_msg(
                0,
                0,
                RawBytes::default(),
                TokenAmount::from_whole(ACCOUNT_FIL),
                0,
            );
            m.to = addr;
            let r = net.implicit(m);
            assert!(r.receipt.exit_code.is_success(), "{r:?}");
            let id = net.lookup(&addr).expect("account created");
            net.accounts.push(Account {
                key,
                addr,
                id,
                nonce: 0,
            });
        }
        net
    }

    /// A VM at the current state and epoch.
    pub fn vm(&self) -> Vm<'_, padma_store::Store> {
        Vm::new(&self.store, &self.root, env(self.epoch)).unwrap()
    }

    /// Applies an implicit message and commits.
    pub fn implicit(&mut self, m: Message) -> ApplyRet {
        let mut vm = Vm::new(&self.store, &self.root, env(self.epoch)).unwrap();
        let r = vm.apply_implicit(&m).unwrap();
        self.root = vm.flush().unwrap();
        r
    }

    /// Signs `m` with account `i`'s key, as the chain carries it.
    pub fn sign(&self, i: usize, m: Message) -> ChainMessage {
        let a = &self.accounts[i];
        let sig = a.key.sign(&message_signing_bytes(&m)).unwrap();
        match a.key.key_type {
            KeyType::Bls => ChainMessage::Bls(m),
            KeyType::Secp256k1 => ChainMessage::Signed(SignedMessage {
                message: m,
                signature: sig,
            }),
        }
    }

    /// A message from account `i` with its next nonce.
    pub fn msg(
        &self,
        i: usize,
        to: Address,
        method: u64,
        params: RawBytes,
        value: TokenAmount,
    ) -> Message {
        Message {
            version: 0,
            from: self.accounts[i].addr,
            to,
            sequence: self.accounts[i].nonce,
            value,
            method_num: method,
            params,
            gas_limit: 1_000_000_000,
            gas_fee_cap: TokenAmount::from_atto(1_000),
            gas_premium: TokenAmount::from_atto(100),
        }
    }

    /// Applies an explicit message signed by account `i` and commits; bumps the
    /// tracked nonce when the chain did.
    pub fn apply(&mut self, i: usize, m: Message) -> ApplyRet {
        let cm = self.sign(i, m);
        let mut vm = Vm::new(&self.store, &self.root, env(self.epoch)).unwrap();
        let r = vm.apply_message(cm.message(), cm.chain_length()).unwrap();
        self.root = vm.flush().unwrap();
        let nonce = self.actor(self.accounts[i].id).unwrap().sequence;
        self.accounts[i].nonce = nonce;
        r
    }

    /// Sends from account `i`: a convenience over [`Net::msg`] + [`Net::apply`].
    pub fn send(
        &mut self,
        i: usize,
        to: Address,
        method: u64,
        params: RawBytes,
        value: TokenAmount,
    ) -> ApplyRet {
        let m = self.msg(i, to, method, params, value);
        self.apply(i, m)
    }

    pub fn tree(&self) -> StateTree<&padma_store::Store> {
        StateTree::load(&self.store, &self.root).unwrap()
    }

    pub fn actor(&self, id: u64) -> Option<ActorState> {
        self.tree().get_actor(id).unwrap()
    }

    pub fn balance(&self, id: u64) -> TokenAmount {
        self.actor(id).map(|a| a.balance).unwrap_or_default()
    }

    pub fn lookup(&self, a: &Address) -> Option<u64> {
        self.vm().lookup_id(a).unwrap()
    }

    /// Decodes actor `id`'s state.
    pub fn state<T: DeserializeOwned>(&self, id: u64) -> T {
        let a = self.actor(id).expect("actor exists");
        get_cbor(&self.store, &a.state).unwrap()
    }

    pub fn get<T: DeserializeOwned>(&self, c: &Cid) -> T {
        get_cbor(&self.store, c).unwrap()
    }

    pub fn total(&self) -> TokenAmount {
        self.tree().total_balance().unwrap()
    }
}

/// CBOR of `v` as message params.
pub fn p<T: Serialize>(v: T) -> RawBytes {
    RawBytes::serialize(v).unwrap()
}

/// Decodes a receipt's return value.
pub fn ret_of<T: DeserializeOwned>(r: &ApplyRet) -> T {
    fvm_ipld_encoding::from_slice(r.receipt.return_data.bytes()).unwrap()
}

pub fn fil(n: u64) -> TokenAmount {
    TokenAmount::from_whole(n)
}

pub fn empty() -> Cid {
    empty_array_cid()
}

/// Deterministic randomness bases (`blake2b-256(label ‖ i64be(round))`, label
/// `chain` or `beacon`) and a proof verifier whose verdicts a test sets; it records
/// every proof it is asked to verify.
#[derive(Default)]
pub struct MockExterns {
    /// Refuse seal proofs.
    pub reject_seals: std::sync::atomic::AtomicBool,
    /// Refuse Window PoSts.
    pub reject_posts: std::sync::atomic::AtomicBool,
    /// The seal proofs verified so far.
    pub seals: std::sync::Mutex<Vec<fvm_shared::sector::SealVerifyInfo>>,
    /// The Window PoSts verified so far.
    pub posts: std::sync::Mutex<Vec<fvm_shared::sector::WindowPoStVerifyInfo>>,
}

impl MockExterns {
    /// A mock that lives as long as the test process (the VM wants `'static`).
    pub fn leak() -> &'static MockExterns {
        Box::leak(Box::default())
    }

    /// Sets whether seal proofs verify.
    pub fn accept_seals(&self, ok: bool) {
        self.reject_seals
            .store(!ok, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sets whether Window PoSts verify.
    pub fn accept_posts(&self, ok: bool) {
        self.reject_posts
            .store(!ok, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The mock randomness base for `label` at `round`.
pub fn mock_base(label: &str, round: i64) -> [u8; 32] {
    let mut data = label.as_bytes().to_vec();
    data.extend_from_slice(&round.to_be_bytes());
    padma_types::cid::blake2b_256(&data)
}

impl padma_state::runtime::Randomness for MockExterns {
    fn chain_randomness(&self, round: i64) -> anyhow::Result<[u8; 32]> {
        Ok(mock_base("chain", round))
    }
    fn beacon_randomness(&self, round: i64) -> anyhow::Result<[u8; 32]> {
        Ok(mock_base("beacon", round))
    }
}

impl padma_state::runtime::ProofVerifier for MockExterns {
    fn verify_seal(&self, info: &fvm_shared::sector::SealVerifyInfo) -> anyhow::Result<()> {
        self.seals.lock().unwrap().push(info.clone());
        if self.reject_seals.load(std::sync::atomic::Ordering::SeqCst) {
            anyhow::bail!("mock: seal proof rejected");
        }
        Ok(())
    }
    fn verify_aggregate_seals(
        &self,
        _: &fvm_shared::sector::AggregateSealVerifyProofAndInfos,
    ) -> anyhow::Result<()> {
        if self.reject_seals.load(std::sync::atomic::Ordering::SeqCst) {
            anyhow::bail!("mock: aggregate seal proof rejected");
        }
        Ok(())
    }
    fn verify_window_post(
        &self,
        info: &fvm_shared::sector::WindowPoStVerifyInfo,
    ) -> anyhow::Result<()> {
        self.posts.lock().unwrap().push(info.clone());
        if self.reject_posts.load(std::sync::atomic::Ordering::SeqCst) {
            anyhow::bail!("mock: window post rejected");
        }
        Ok(())
    }
    fn verify_replica_update(
        &self,
        _: &fvm_shared::sector::ReplicaUpdateInfo,
    ) -> anyhow::Result<()> {
        anyhow::bail!("mock: no replica updates")
    }
}

/// An execution environment at `epoch` whose randomness and proofs are `x`'s.
pub fn env_with(epoch: i64, x: &'static MockExterns) -> VmEnv {
    VmEnv {
        randomness: std::sync::Arc::new(x),
        proofs: std::sync::Arc::new(x),
        ..env(epoch)
    }
}
