//! Actors that abort, run away or exhaust memory inside the FVM: each message gets an
//! exit code in its receipt and the engine goes on executing (no error, no panic).
//! The official EVM actor runs contracts deployed here through the Ethereum address
//! manager: an infinite loop (out of gas), an invalid instruction, a store at a 2 GiB
//! memory offset (a panic inside the actor), a revert, and 512 MiB of memory (the
//! allocation fails and the Wasm traps); then a plain send in the same tipset still
//! succeeds.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

mod common;

use common::{env, genesis_store, owner_key, template};
use fvm_ipld_encoding::{BytesSer, RawBytes};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::message::Message;
use ipld_core::ipld::Ipld;
use padma_fvm::FvmEngine;
use padma_state::actors::method;
use padma_state::genesis::INITIAL_BASE_FEE;
use padma_state::vm::{BlockMessages, ChainMessage, Engine};
use padma_types::crypto::{KeyInfo, KeyType};
use std::sync::Arc;

/// EAM `CreateExternal` and the EVM's `InvokeContract` (FRC-42 "InvokeEVM").
const CREATE_EXTERNAL: u64 = 4;
const INVOKE_CONTRACT: u64 = frc42_dispatch::method_hash!("InvokeEVM");

/// Init code that deploys `runtime` (copies it to memory and returns it).
fn deploy(runtime: &[u8]) -> Vec<u8> {
    let len = u8::try_from(runtime.len()).unwrap();
    let mut code = vec![
        0x60, len,  // PUSH1 len
        0x80, // DUP1
        0x60, 0x0b, // PUSH1 11 (where the runtime code starts)
        0x60, 0x00, // PUSH1 0
        0x39, // CODECOPY
        0x60, 0x00, // PUSH1 0
        0xf3, // RETURN
    ];
    code.extend_from_slice(runtime);
    code
}

struct Chain {
    store: Arc<padma_store::Store>,
    root: cid::Cid,
    epoch: i64,
    nonce: u64,
    owner: Address,
    miner: Address,
    _dir: tempfile::TempDir,
}

impl Chain {
    fn message(&mut self, to: Address, m: u64, params: Vec<u8>, gas_limit: u64) -> ChainMessage {
        let msg = Message {
            version: 0,
            from: self.owner,
            to,
            sequence: self.nonce,
            value: TokenAmount::default(),
            method_num: m,
            params: RawBytes::new(params),
            gas_limit,
            gas_fee_cap: TokenAmount::from_atto(INITIAL_BASE_FEE * 2),
            gas_premium: TokenAmount::from_atto(1000),
        };
        self.nonce += 1;
        ChainMessage::Bls(msg)
    }

    /// Executes one tipset with `msgs`; every message's receipt.
    fn tipset(&mut self, msgs: Vec<ChainMessage>) -> Vec<padma_state::vm::ApplyRet> {
        let blocks = vec![BlockMessages {
            miner: self.miner,
            win_count: 1,
            messages: msgs,
        }];
        let r = FvmEngine::default()
            .execute_tipset(
                &self.store,
                &self.root,
                self.epoch,
                &blocks,
                env(self.epoch + 1),
            )
            .expect("the engine keeps executing");
        self.root = r.state_root;
        self.epoch += 1;
        r.applied.into_iter().map(|(_, a)| a).collect()
    }

    /// Deploys `runtime` as an EVM contract; its ID address.
    fn contract(&mut self, runtime: &[u8]) -> Address {
        let params = fvm_ipld_encoding::to_vec(&BytesSer(&deploy(runtime))).unwrap();
        let m = self.message(Address::new_id(10), CREATE_EXTERNAL, params, 1_000_000_000);
        let r = self.tipset(vec![m]);
        assert_eq!(r[0].receipt.exit_code, ExitCode::OK, "{:?}", r[0]);
        let ret: Ipld = serde_ipld_dagcbor::from_slice(&r[0].receipt.return_data).unwrap();
        let Ipld::List(items) = ret else {
            panic!("create return {ret:?}")
        };
        let Ipld::Integer(id) = items[0] else {
            panic!("actor id {items:?}")
        };
        Address::new_id(u64::try_from(id).unwrap())
    }
}

#[test]
fn aborts_traps_and_runaway_actors_are_exit_codes() {
    let (dir, store, g) = genesis_store(&template("localnet-aborts", 1));
    let mut chain = Chain {
        store,
        root: g.header.parent_state_root,
        epoch: 0,
        nonce: 0,
        owner: owner_key().address().unwrap(),
        miner: g.miners[0],
        _dir: dir,
    };

    // The owner's nonce 0 is taken: the genesis created the miner with the owner as
    // origin at nonce 0 (as Lotus's genesis does), so an actor created by the owner's
    // first message would get the miner's robust address.
    let to = KeyInfo::generate(KeyType::Secp256k1).address().unwrap();
    let first = chain.message(to, method::SEND, vec![], 10_000_000);
    assert_eq!(chain.tipset(vec![first])[0].receipt.exit_code, ExitCode::OK);

    let looping = chain.contract(&[0x5b, 0x60, 0x00, 0x56]); // JUMPDEST; PUSH1 0; JUMP
    let invalid = chain.contract(&[0xfe]); // INVALID
                                           // PUSH1 1; PUSH4 0x7fffffff; MSTORE; STOP: memory at a 2 GiB offset.
    let memory = chain.contract(&[0x60, 0x01, 0x63, 0x7f, 0xff, 0xff, 0xff, 0x52, 0x00]);
    let revert = chain.contract(&[0x60, 0x00, 0x80, 0xfd]); // PUSH1 0; DUP1; REVERT
                                                            // PUSH1 1; PUSH4 0x20000000; MSTORE; STOP: 512 MiB of actor memory.
    let grow = chain.contract(&[0x60, 0x01, 0x63, 0x20, 0x00, 0x00, 0x00, 0x52, 0x00]);

    let calls = vec![
        chain.message(looping, INVOKE_CONTRACT, vec![], 50_000_000),
        chain.message(invalid, INVOKE_CONTRACT, vec![], 50_000_000),
        chain.message(memory, INVOKE_CONTRACT, vec![], 500_000_000),
        chain.message(revert, INVOKE_CONTRACT, vec![], 50_000_000),
        chain.message(grow, INVOKE_CONTRACT, vec![], 5_000_000_000),
    ];
    let mut calls = calls;
    let mut send = chain.message(to, method::SEND, vec![], 10_000_000);
    if let ChainMessage::Bls(m) = &mut send {
        m.value = TokenAmount::from_whole(1);
    }
    calls.push(send);
    let r = chain.tipset(calls);
    for (what, ret) in [
        "loop",
        "invalid instruction",
        "2 GiB store",
        "revert",
        "512 MiB",
    ]
    .iter()
    .zip(&r)
    {
        eprintln!(
            "{what}: exit {} gas {} {:?}",
            ret.receipt.exit_code, ret.receipt.gas_used, ret.error
        );
        assert!(!ret.receipt.exit_code.is_success(), "{what}: {ret:?}");
    }
    assert_eq!(
        r[0].receipt.exit_code,
        ExitCode::SYS_OUT_OF_GAS,
        "{:?}",
        r[0]
    );
    assert_eq!(r[0].receipt.gas_used, 50_000_000);
    // The EVM actor's codes: invalid instruction 34, contract reverted 33.
    assert_eq!(r[1].receipt.exit_code.value(), 34, "{:?}", r[1]);
    assert_eq!(r[3].receipt.exit_code.value(), 33, "{:?}", r[3]);
    // A panic inside the actor (a capacity overflow) aborts it: assertion failed (24).
    assert_eq!(
        r[2].receipt.exit_code,
        ExitCode::USR_ASSERTION_FAILED,
        "{:?}",
        r[2]
    );
    // Out of memory: the allocation fails, the Wasm traps — illegal instruction (4).
    assert_eq!(
        r[4].receipt.exit_code,
        ExitCode::SYS_ILLEGAL_INSTRUCTION,
        "{:?}",
        r[4]
    );
    assert!(r[4]
        .error
        .as_deref()
        .unwrap_or_default()
        .contains("wasm trap"));
    assert_eq!(r[5].receipt.exit_code, ExitCode::OK, "{:?}", r[5]);
}
