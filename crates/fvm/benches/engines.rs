//! The same workload through the native engine and the FVM, in one run: plain sends
//! in one tipset (`PADMA_BENCH_SENDS`, default 10,000), a multisig created and 100
//! proposals to it in one tipset, and a run of empty tipsets (cron only, the genesis
//! miner's deadlines included). Prints messages per second for each engine, the
//! FVM's cold start (compiling the actors) and warm start. The native engine has no
//! multisig actor, so it skips the proposals.
//!
//! `cargo bench -p padma-fvm --bench engines`

#[path = "../tests/common/mod.rs"]
mod common;

use common::env;
use fil_actor_multisig_state::v18 as msig;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_fvm::{Bundle, FvmEngine};
use padma_state::actors::method;
use padma_state::code::{ActorKind, CodeSet};
use padma_state::genesis::{self, template::Actor, Template, INITIAL_BASE_FEE, MINER_START};
use padma_state::vm::{BlockMessages, ChainMessage, Engine, NativeEngine};
use padma_types::crypto::{KeyInfo, KeyType};
use std::sync::Arc;
use std::time::Instant;

type Store = Arc<padma_store::Store>;

/// The genesis (one fake-sector miner) of the FVM tests, with `sender` funded.
fn template(sender: &KeyInfo) -> Template {
    let mut t = common::template("bench", 2);
    t.accounts.push(Actor::account(
        sender.address().expect("address"),
        TokenAmount::from_whole(1_000_000),
    ));
    t
}

fn sends(sender: &KeyInfo, n: u64) -> Vec<ChainMessage> {
    let from = sender.address().expect("address");
    let to = KeyInfo::generate(KeyType::Secp256k1)
        .address()
        .expect("address");
    (0..n)
        .map(|i| {
            ChainMessage::Bls(Message {
                version: 0,
                from,
                to,
                sequence: i,
                value: TokenAmount::from_atto(1000),
                method_num: method::SEND,
                params: RawBytes::default(),
                gas_limit: 10_000_000,
                gas_fee_cap: TokenAmount::from_atto(INITIAL_BASE_FEE * 2),
                gas_premium: TokenAmount::from_atto(1000),
            })
        })
        .collect()
}

fn message(from: Address, to: Address, nonce: u64, m: u64, params: Vec<u8>) -> ChainMessage {
    ChainMessage::Bls(Message {
        version: 0,
        from,
        to,
        sequence: nonce,
        value: TokenAmount::default(),
        method_num: m,
        params: RawBytes::new(params),
        gas_limit: 100_000_000,
        gas_fee_cap: TokenAmount::from_atto(INITIAL_BASE_FEE * 2),
        gas_premium: TokenAmount::from_atto(1000),
    })
}

/// A 2-of-2 multisig created at epoch 2, then 100 proposals (recorded, not executed)
/// in the tipset at epoch 3; `None` when the engine has no multisig actor.
fn proposals(
    name: &str,
    engine: &dyn Engine<Store>,
    store: &Store,
    root: cid::Cid,
    sender: Address,
    nonce: u64,
) -> Option<cid::Cid> {
    let other = KeyInfo::generate(KeyType::Secp256k1)
        .address()
        .expect("address");
    let ctor = msig::ConstructorParams {
        signers: vec![sender, other],
        num_approvals_threshold: 2,
        unlock_duration: 0,
        start_epoch: 0,
    };
    let exec = fil_actor_init_state::v18::ExecParams {
        code_cid: CodeSet::Devnet.code(ActorKind::Multisig),
        constructor_params: RawBytes::new(fvm_ipld_encoding::to_vec(&ctor).expect("cbor")),
    };
    let create = message(
        sender,
        Address::new_id(1),
        nonce,
        method::init::EXEC,
        fvm_ipld_encoding::to_vec(&exec).expect("cbor"),
    );
    let block = |messages| {
        vec![BlockMessages {
            miner: Address::new_id(MINER_START),
            win_count: 1,
            messages,
        }]
    };
    let r = engine
        .execute_tipset(store, &root, 1, &block(vec![create]), env(2))
        .expect("tipset");
    let created = &r.applied.first().expect("applied").1;
    if !created.receipt.exit_code.is_success() {
        return None;
    }
    let ret: fil_actor_init_state::v18::ExecReturn =
        fvm_ipld_encoding::from_slice(&created.receipt.return_data).expect("exec return");
    let props: Vec<ChainMessage> = (0..100)
        .map(|i| {
            let p = msig::ProposeParams {
                to: other,
                value: TokenAmount::from_atto(i + 1),
                method: method::SEND,
                params: RawBytes::default(),
            };
            message(
                sender,
                ret.id_address,
                nonce + 1 + i,
                msig::Method::Propose as u64,
                fvm_ipld_encoding::to_vec(&p).expect("cbor"),
            )
        })
        .collect();
    let started = Instant::now();
    let r2 = engine
        .execute_tipset(store, &r.state_root, 2, &block(props), env(3))
        .expect("tipset");
    let took = started.elapsed();
    let ok = r2
        .applied
        .iter()
        .filter(|(_, a)| a.receipt.exit_code.is_success())
        .count();
    assert_eq!(ok, 100, "every proposal succeeds on {name}");
    println!(
        "{name}: 100 multisig proposals in {:.3} s = {:.0} messages/s",
        took.as_secs_f64(),
        100.0 / took.as_secs_f64()
    );
    Some(r2.state_root)
}

fn run(
    name: &str,
    engine: &dyn Engine<Store>,
    store: &Store,
    root: cid::Cid,
    msgs: &[ChainMessage],
) {
    let blocks = vec![BlockMessages {
        miner: Address::new_id(MINER_START),
        win_count: 1,
        messages: msgs.to_vec(),
    }];
    let started = Instant::now();
    let r = engine
        .execute_tipset(store, &root, 0, &blocks, env(1))
        .expect("tipset");
    let took = started.elapsed();
    let ok = r
        .applied
        .iter()
        .filter(|(_, a)| a.receipt.exit_code.is_success())
        .count();
    let first_failure = r
        .applied
        .iter()
        .find(|(_, a)| !a.receipt.exit_code.is_success());
    assert_eq!(
        ok,
        msgs.len(),
        "every send succeeds on {name}: {first_failure:?}"
    );
    println!(
        "{name}: {} sends in {:.2} s = {:.0} messages/s",
        msgs.len(),
        took.as_secs_f64(),
        msgs.len() as f64 / took.as_secs_f64()
    );
    let mut root = r.state_root;
    let mut epoch = 1;
    let sender = msgs.first().map(|m| m.message().from).expect("a sender");
    match proposals(name, engine, store, root, sender, msgs.len() as u64) {
        Some(r) => {
            root = r;
            epoch = 3;
        }
        None => println!("{name}: multisig proposals: not run (no multisig actor)"),
    }
    let started = Instant::now();
    for epoch in epoch..epoch + 50 {
        let r = engine
            .execute_tipset(store, &root, epoch, &[], env(epoch + 1))
            .expect("cron");
        root = r.state_root;
    }
    println!(
        "{name}: 50 empty tipsets (cron) in {:.2} s = {:.1} ms each",
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64() * 20.0
    );
}

fn main() {
    let n: u64 = std::env::var("PADMA_BENCH_SENDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let archive = common::archive();
    let sender = KeyInfo::generate(KeyType::Secp256k1);
    let t = template(&sender);
    let msgs = sends(&sender, n);

    let dir = tempfile::tempdir().expect("dir");
    let native_store: Store =
        Arc::new(padma_store::Store::open(&dir.path().join("n")).expect("db"));
    let g = genesis::build(&*native_store, &t).expect("genesis");
    run(
        "native",
        &NativeEngine,
        &native_store,
        g.header.parent_state_root,
        &msgs,
    );

    let fvm_store: Store = Arc::new(padma_store::Store::open(&dir.path().join("f")).expect("db"));
    let bundle = Bundle::load(&archive, CodeSet::Devnet).expect("bundle");
    bundle.import(&fvm_store).expect("import");
    // The genesis executes Lotus's genesis messages: the process's first machine
    // compiles the actors there.
    let started = Instant::now();
    let g = padma_fvm::genesis::build(&fvm_store, &t, CodeSet::Devnet).expect("genesis");
    println!(
        "fvm: cold start (compiling the actors, genesis through the VM) {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let engine = FvmEngine::default();
    let started = Instant::now();
    engine
        .execute_tipset(&fvm_store, &g.header.parent_state_root, 0, &[], env(1))
        .expect("first tipset");
    println!(
        "fvm: first tipset (one empty tipset) {:.3} s",
        started.elapsed().as_secs_f64()
    );
    // The genesis again, the actors compiled: what its messages cost, against the
    // direct writer the native engine uses.
    type Mem = std::rc::Rc<fvm_ipld_blockstore::MemoryBlockstore>;
    let timed = |what: &str, build: &dyn Fn(&Mem)| {
        let store = Mem::default();
        bundle.import(&*store).expect("import");
        let started = Instant::now();
        build(&store);
        println!(
            "genesis {what}: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
    };
    timed("through the FVM, warm", &|s| {
        padma_fvm::genesis::build(s, &t, CodeSet::Devnet).expect("genesis");
    });
    timed("written directly", &|s| {
        genesis::build(&**s, &t).expect("genesis");
    });
    let started = Instant::now();
    engine
        .execute_tipset(&fvm_store, &g.header.parent_state_root, 0, &[], env(1))
        .expect("warm tipset");
    println!(
        "fvm: warm start (a new machine, one empty tipset) {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    run(
        "fvm",
        &engine,
        &fvm_store,
        g.header.parent_state_root,
        &msgs,
    );
}
