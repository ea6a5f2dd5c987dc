//! Message application: sends, implicit account creation, gas and fees, preflight
//! failures, out of gas, reverts, conservation of funds.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::*;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use padma_state::actors::*;
use padma_state::vm::gas::PRICES;
use padma_state::vm::GasOutputs;
use padma_types::crypto::{KeyInfo, KeyType};

#[test]
fn send_moves_value_and_splits_the_gas_payment() {
    let mut net = Net::new(2);
    let total = net.total();
    let (a, b) = (net.accounts[0].id, net.accounts[1].id);
    let to = net.accounts[1].addr;
    let burnt0 = net.balance(ids::BURNT_FUNDS);
    let reward0 = net.balance(ids::REWARD);
    let m = net.msg(0, to, method::SEND, RawBytes::default(), fil(3));
    let r = net.apply(0, m.clone());
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    assert!(r.receipt.return_data.is_empty());
    assert_eq!(r.receipt.events_root, None);
    // Gas: inclusion of the (BLS, unsigned) message, a transfer, resolving the f3
    // recipient and reading/updating the two accounts.
    let len = padma_types::message::message_cbor(&m).len();
    let used = r.receipt.gas_used;
    // Inclusion, the transfer and the recipient's update (the FVM counts the sender
    // as already updated by preflight and the recipient as already looked up).
    assert_eq!(
        used,
        PRICES.on_chain_message(len) + PRICES.send_transfer_funds + PRICES.actor_update
    );
    let expect = GasOutputs::compute(
        used,
        m.gas_limit,
        &TokenAmount::from_atto(BASE_FEE),
        &m.gas_fee_cap,
        &m.gas_premium,
    );
    assert_eq!(r.gas, expect);
    assert_eq!(
        net.balance(a),
        fil(ACCOUNT_FIL)
            - fil(3)
            - &expect.base_fee_burn
            - &expect.over_estimation_burn
            - &expect.miner_tip
    );
    assert_eq!(net.balance(b), fil(ACCOUNT_FIL) + fil(3));
    assert_eq!(
        net.balance(ids::BURNT_FUNDS),
        burnt0 + &expect.base_fee_burn + &expect.over_estimation_burn
    );
    assert_eq!(net.balance(ids::REWARD), reward0 + &expect.miner_tip);
    assert_eq!(expect.miner_tip, TokenAmount::from_atto(100) * m.gas_limit);
    assert_eq!(net.actor(a).unwrap().sequence, 1);
    assert_eq!(net.total(), total);
}

#[test]
fn sending_to_new_key_addresses_creates_accounts() {
    let mut net = Net::new(1);
    let total = net.total();
    let next_id: fil_actor_init_state::v18::State = net.state(ids::INIT);
    for (i, kt) in [KeyType::Secp256k1, KeyType::Bls].into_iter().enumerate() {
        let k = KeyInfo::generate(kt);
        let addr = k.address().unwrap();
        assert_eq!(net.lookup(&addr), None);
        let r = net.send(0, addr, method::SEND, RawBytes::default(), fil(1));
        assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
        let id = net.lookup(&addr).unwrap();
        assert_eq!(id, next_id.next_id + i as u64);
        let actor = net.actor(id).unwrap();
        assert_eq!(actor.code, padma_state::ActorKind::Account.code());
        assert_eq!(actor.balance, fil(1));
        assert_eq!(actor.sequence, 0);
        let st: fil_actor_account_state::v18::State = net.state(id);
        assert_eq!(st.address, addr);
    }
    // Creating an account costs more than a plain send to an existing one.
    let to = net.accounts[0].addr;
    let plain = net.send(0, to, method::SEND, RawBytes::default(), fil(1));
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let fresh = net.send(
        0,
        k.address().unwrap(),
        method::SEND,
        RawBytes::default(),
        fil(1),
    );
    assert!(fresh.receipt.gas_used > plain.receipt.gas_used + PRICES.on_create_actor(true));
    assert_eq!(net.total(), total);
}

#[test]
fn unknown_receivers_and_failed_transfers_revert_but_keep_the_nonce_and_gas() {
    let mut net = Net::new(1);
    let total = net.total();
    let a = net.accounts[0].id;
    // An f2 address nobody created: SysErrInvalidReceiver.
    let ghost = Address::new_actor(b"nobody");
    let r = net.send(0, ghost, method::SEND, RawBytes::default(), fil(1));
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_INVALID_RECEIVER);
    assert_eq!(net.actor(a).unwrap().sequence, 1);
    assert!(net.balance(a) < fil(ACCOUNT_FIL));
    // An ID that does not exist.
    let r = net.send(
        0,
        Address::new_id(4242),
        method::SEND,
        RawBytes::default(),
        fil(1),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_INVALID_RECEIVER);
    // More value than the balance (but enough for gas): SysErrInsufficientFunds,
    // and the implicitly created recipient is reverted too.
    let k = KeyInfo::generate(KeyType::Bls);
    let before = net.balance(a);
    let r = net.send(
        0,
        k.address().unwrap(),
        0,
        RawBytes::default(),
        fil(ACCOUNT_FIL),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_INSUFFICIENT_FUNDS);
    assert_eq!(net.lookup(&k.address().unwrap()), None);
    assert_eq!(net.actor(a).unwrap().sequence, 3);
    let fee = &r.gas.base_fee_burn + &r.gas.over_estimation_burn + &r.gas.miner_tip;
    assert!(fee.is_positive());
    assert_eq!(net.balance(a), before - fee);
    assert_eq!(net.total(), total);
}

#[test]
fn preflight_failures_change_nothing() {
    let mut net = Net::new(2);
    let root = net.root;
    let to = net.accounts[1].addr;
    // Wrong nonce: SysErrSenderStateInvalid, no gas, no nonce bump.
    let mut m = net.msg(0, to, method::SEND, RawBytes::default(), fil(1));
    m.sequence = 5;
    let r = net.apply(0, m);
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_SENDER_STATE_INVALID);
    assert_eq!(r.receipt.gas_used, 0);
    assert_eq!(
        r.gas.miner_penalty,
        TokenAmount::from_atto(BASE_FEE) * 1_000_000_000u64
    );
    assert_eq!(net.root, root);
    // Balance below GasLimit × GasFeeCap.
    let mut m = net.msg(0, to, method::SEND, RawBytes::default(), fil(1));
    m.gas_fee_cap = fil(1);
    m.gas_premium = TokenAmount::default();
    let r = net.apply(0, m);
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_SENDER_STATE_INVALID);
    assert_eq!(net.root, root);
    // Gas limit below the inclusion cost: SysErrOutOfGas before execution.
    let mut m = net.msg(0, to, method::SEND, RawBytes::default(), fil(1));
    m.gas_limit = 1000;
    let r = net.apply(0, m);
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_OUT_OF_GAS);
    assert_eq!(r.receipt.gas_used, 0);
    assert_eq!(net.root, root);
    // Unknown sender, and a sender that is not an account.
    let stranger = KeyInfo::generate(KeyType::Bls).address().unwrap();
    let mut m = net.msg(0, to, method::SEND, RawBytes::default(), fil(1));
    m.from = stranger;
    let mut vm = net.vm();
    let r = vm.apply_message(&m, 200).unwrap();
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_SENDER_INVALID);
    m.from = Address::new_id(ids::POWER);
    let r = vm.apply_message(&m, 200).unwrap();
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_SENDER_INVALID);
    // Syntactically invalid messages are errors, not receipts.
    m.from = net.accounts[0].addr;
    m.gas_limit = 0;
    assert!(vm.apply_message(&m, 200).is_err());
}

#[test]
fn out_of_gas_reverts_and_charges_the_whole_limit() {
    let mut net = Net::new(1);
    let total = net.total();
    let a = net.accounts[0].id;
    let k = KeyInfo::generate(KeyType::Secp256k1);
    let mut m = net.msg(
        0,
        k.address().unwrap(),
        method::SEND,
        RawBytes::default(),
        fil(1),
    );
    // Enough for inclusion, not for creating the recipient account.
    m.gas_limit = PRICES.on_chain_message(300) + 100_000;
    let limit = m.gas_limit;
    let r = net.apply(0, m);
    assert_eq!(r.receipt.exit_code, ExitCode::SYS_OUT_OF_GAS);
    assert_eq!(r.receipt.gas_used, limit);
    assert_eq!(net.lookup(&k.address().unwrap()), None);
    assert_eq!(net.actor(a).unwrap().sequence, 1);
    let paid = fil(ACCOUNT_FIL) - net.balance(a);
    assert_eq!(
        paid,
        TokenAmount::from_atto(BASE_FEE) * limit + TokenAmount::from_atto(100) * limit
    );
    assert_eq!(net.total(), total);
}

#[test]
fn bad_params_and_unknown_methods_fail_with_builtin_exit_codes() {
    let mut net = Net::new(1);
    let power = Address::new_id(ids::POWER);
    // Undecodable parameters: ErrSerialization.
    let r = net.send(
        0,
        power,
        method::power::CREATE_MINER,
        RawBytes::new(vec![0x82, 0x01]),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_SERIALIZATION, "{r:?}");
    // Missing parameters: ErrIllegalArgument.
    let r = net.send(
        0,
        power,
        method::power::CREATE_MINER,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
    // Unknown method: ErrUnhandledMessage.
    let r = net.send(0, power, 77, RawBytes::default(), TokenAmount::default());
    assert_eq!(r.receipt.exit_code, ExitCode::USR_UNHANDLED_MESSAGE);
    // System-only method: ErrForbidden.
    let r = net.send(
        0,
        Address::new_id(ids::CRON),
        method::cron::EPOCH_TICK,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    // Exported methods an account does not know are no-ops; internal ones are not.
    let me = net.accounts[0].addr;
    let r = net.send(
        0,
        me,
        method::RECEIVE,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    let r = net.send(0, me, 5, RawBytes::default(), TokenAmount::default());
    assert_eq!(r.receipt.exit_code, ExitCode::USR_UNHANDLED_MESSAGE);
    assert_eq!(net.accounts[0].nonce, 6);
}

#[test]
fn account_methods_with_real_signatures() {
    let mut net = Net::new(2);
    for i in 0..2 {
        let who = net.accounts[i].addr;
        let id = Address::new_id(net.accounts[i].id);
        let r = net.send(
            0,
            id,
            method::account::PUBKEY_ADDRESS,
            RawBytes::default(),
            TokenAmount::default(),
        );
        assert_eq!(r.receipt.exit_code, ExitCode::OK);
        let got: Address = ret_of(&r);
        assert_eq!(got, who);
        let data = b"deal proposal bytes".to_vec();
        let sig = net.accounts[i].key.sign(&data).unwrap();
        let prm = fil_actor_account_state::v18::types::AuthenticateMessageParams {
            signature: sig.bytes.clone(),
            message: data.clone(),
        };
        let r = net.send(
            0,
            id,
            method::account::AUTHENTICATE_MESSAGE,
            p(&prm),
            TokenAmount::default(),
        );
        assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
        assert!(ret_of::<bool>(&r));
        let bad = fil_actor_account_state::v18::types::AuthenticateMessageParams {
            signature: sig.bytes,
            message: b"something else".to_vec(),
        };
        let r = net.send(
            0,
            id,
            method::account::AUTHENTICATE_MESSAGE,
            p(&bad),
            TokenAmount::default(),
        );
        assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
    }
}

#[test]
fn state_call_does_not_commit() {
    let net = Net::new(2);
    let to = net.accounts[1].addr;
    let mut m = net.msg(0, to, method::SEND, RawBytes::default(), fil(2));
    m.gas_limit = 0;
    m.gas_fee_cap = TokenAmount::default();
    m.gas_premium = TokenAmount::default();
    m.sequence = 99;
    let r = padma_state::vm::call(&net.store, &net.root, &m, env(net.epoch)).unwrap();
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    assert_eq!(r.msg.sequence, 0);
    assert_eq!(r.msg.gas_limit, padma_state::vm::BLOCK_GAS_LIMIT);
    assert_eq!(r.gas, GasOutputs::default());
    assert_eq!(net.balance(net.accounts[1].id), fil(ACCOUNT_FIL));
    // The state the call produced never reached the store.
    let mut vm = net.vm();
    vm.apply_implicit(&r.msg).unwrap();
    let would_be = vm.flush_buffered().unwrap();
    assert_ne!(would_be, net.root);
    assert!(!fvm_ipld_blockstore::Blockstore::has(&net.store, &would_be).unwrap());
    // Unknown senders are an error.
    m.from = Address::new_id(5555);
    assert!(padma_state::vm::call(&net.store, &net.root, &m, env(net.epoch)).is_err());
}

#[test]
fn singleton_states_decode_with_the_v18_types() {
    let net = Net::new(1);
    let sys: fil_actor_system_state::v18::State = net.state(ids::SYSTEM);
    let reg: Vec<(String, cid::Cid)> = net.get(&sys.builtin_actors);
    assert!(reg.is_empty());
    let init: fil_actor_init_state::v18::State = net.state(ids::INIT);
    assert_eq!(init.network_name, "padmatest");
    assert_eq!(init.next_id, 101);
    let cron: fil_actor_cron_state::v18::State = net.state(ids::CRON);
    assert_eq!(cron.entries.len(), 2);
    assert_eq!(cron.entries[0].receiver, Address::new_id(ids::POWER));
    assert_eq!(cron.entries[0].method_num, method::power::ON_EPOCH_TICK_END);
    let rw: fil_actor_reward_state::v18::State = net.state(ids::REWARD);
    let expected = fil_actor_reward_state::v18::State::new(0.into());
    assert_eq!(
        fvm_ipld_encoding::to_vec(&rw).unwrap(),
        fvm_ipld_encoding::to_vec(&expected).unwrap()
    );
    let pw: fil_actor_power_state::v18::State = net.state(ids::POWER);
    assert_eq!(pw.miner_count, 0);
    let mk: fil_actor_market_state::v18::State = net.state(ids::MARKET);
    assert_eq!(mk.last_cron, -1);
    let vr: fil_actor_verifreg_state::v18::State = net.state(ids::VERIFREG);
    assert_eq!(vr.root_key, Address::new_id(ids::BURNT_FUNDS));
    let dc: fil_actor_datacap_state::v18::State = net.state(ids::DATACAP);
    assert_eq!(dc.governor, Address::new_id(ids::VERIFREG));
    // Each constructor ran once: a second call fails.
    let mut vm = net.vm();
    let again = fvm_shared::message::Message {
        version: 0,
        from: Address::new_id(ids::SYSTEM),
        to: Address::new_id(ids::POWER),
        sequence: 0,
        value: TokenAmount::default(),
        method_num: method::CONSTRUCTOR,
        params: RawBytes::default(),
        gas_limit: 1_000_000_000,
        gas_fee_cap: TokenAmount::default(),
        gas_premium: TokenAmount::default(),
    };
    let r = vm.apply_implicit(&again).unwrap();
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_STATE);
}
