//! Miners and balances: CreateMiner with its deposit, control changes, withdrawals,
//! market escrow; the resulting states decoded with the v18 state types.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::*;
use fil_actor_miner_state::v18 as miner;
use fil_actor_power_state::v18 as power;
use fvm_ipld_encoding::{BytesDe, RawBytes};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::sector::{RegisteredPoStProof, StoragePower};
use padma_state::actors::*;
use padma_state::ActorKind;

const POST_2K: RegisteredPoStProof = RegisteredPoStProof::StackedDRGWindow2KiBV1P1;

fn create_params(owner: Address, worker: Address) -> power::CreateMinerParams {
    power::CreateMinerParams {
        owner,
        worker,
        window_post_proof_type: POST_2K,
        peer: b"12D3KooWpeer".to_vec(),
        multiaddrs: vec![BytesDe(vec![4, 127, 0, 0, 1, 6, 0x1f, 0x90])],
    }
}

/// Creates a miner owned and worked by account 0 (BLS); returns its ID.
fn create_miner(net: &mut Net) -> (u64, Address) {
    let owner = net.accounts[0].addr;
    let r = net.send(
        0,
        Address::new_id(ids::POWER),
        method::power::CREATE_MINER,
        p(create_params(owner, owner)),
        fil(10),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    let ret: power::CreateMinerReturn = ret_of(&r);
    (ret.id_address.id().unwrap(), ret.robust_address)
}

#[test]
fn create_miner_locks_the_deposit_and_registers_a_claim() {
    let mut net = Net::new(2);
    let total = net.total();
    let owner = net.accounts[0].addr;
    let nonce = net.accounts[0].nonce;
    let m = net.msg(
        0,
        Address::new_id(ids::POWER),
        method::power::CREATE_MINER,
        p(create_params(owner, owner)),
        fil(10),
    );
    let r = net.apply(0, m);
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    // The return is [IDAddress, RobustAddress]; the robust address is
    // blake2b-160(CBOR(origin) ‖ nonce_be ‖ 0_be).
    let out: (Address, Address) = ret_of(&r);
    let id = out.0.id().unwrap();
    let mut seed = fvm_ipld_encoding::to_vec(&owner).unwrap();
    seed.extend_from_slice(&nonce.to_be_bytes());
    seed.extend_from_slice(&0u64.to_be_bytes());
    assert_eq!(out.1, Address::new_actor(&seed));
    assert_eq!(net.lookup(&out.1), Some(id));
    let init: fil_actor_init_state::v18::State = net.state(ids::INIT);
    assert_eq!(init.next_id, id + 1);

    let actor = net.actor(id).unwrap();
    assert_eq!(actor.code, ActorKind::StorageMiner.code());
    assert_eq!(actor.balance, fil(10));
    let st: miner::State = net.state(id);
    let info: miner::MinerInfo = net.get(&st.info);
    let owner_id = Address::new_id(net.accounts[0].id);
    assert_eq!(info.owner, owner_id);
    assert_eq!(info.worker, owner_id);
    assert_eq!(info.beneficiary, owner_id);
    assert_eq!(info.peer_id, b"12D3KooWpeer".to_vec());
    assert_eq!(info.window_post_proof_type, POST_2K);
    assert_eq!(info.sector_size, fvm_shared::sector::SectorSize::_2KiB);
    assert_eq!(info.window_post_partition_sectors, 2);
    // The FIP-0077 deposit is locked in the vesting table.
    assert!(st.locked_funds.is_positive(), "deposit {}", st.locked_funds);
    assert!(st.locked_funds <= fil(10));
    let vesting = st.vesting_funds.load(&net.store).unwrap();
    let vested: TokenAmount = vesting.iter().map(|v| v.amount.clone()).sum();
    assert_eq!(vested, st.locked_funds);
    assert!(st.proving_period_start <= net.epoch);
    assert!(st.current_deadline < 48);
    let deadlines: miner::Deadlines = net.get(&st.deadlines);
    assert_eq!(deadlines.due.len(), 48);

    let pst: power::State = net.state(ids::POWER);
    assert_eq!(pst.miner_count, 1);
    assert_eq!(pst.miner_above_min_power_count, 0);
    let claim = pst.get_claim(&net.store, &out.0).unwrap().unwrap();
    assert_eq!(claim.window_post_proof_type, POST_2K);
    assert_eq!(claim.raw_byte_power, StoragePower::default());
    assert_eq!(net.total(), total);
}

#[test]
fn create_miner_rejects_bad_deposits_and_workers() {
    let mut net = Net::new(2);
    let owner = net.accounts[0].addr;
    let power_addr = Address::new_id(ids::POWER);
    // No deposit: ErrInsufficientFunds, and nothing is created.
    let init_before: fil_actor_init_state::v18::State = net.state(ids::INIT);
    let r = net.send(
        0,
        power_addr,
        method::power::CREATE_MINER,
        p(create_params(owner, owner)),
        TokenAmount::default(),
    );
    assert_eq!(
        r.receipt.exit_code,
        ExitCode::USR_INSUFFICIENT_FUNDS,
        "{r:?}"
    );
    let init_after: fil_actor_init_state::v18::State = net.state(ids::INIT);
    assert_eq!(init_after.next_id, init_before.next_id);
    // A secp256k1 worker: ErrIllegalArgument.
    let secp = net.accounts[1].addr;
    let r = net.send(
        0,
        power_addr,
        method::power::CREATE_MINER,
        p(create_params(owner, secp)),
        fil(10),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
    // A proof type the devnet does not allow.
    let mut prm = create_params(owner, owner);
    prm.window_post_proof_type = RegisteredPoStProof::StackedDRGWindow32GiBV1P1;
    let r = net.send(0, power_addr, method::power::CREATE_MINER, p(prm), fil(10));
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
    // Creating a miner through init directly is forbidden.
    let exec = fil_actor_init_state::v18::ExecParams {
        code_cid: ActorKind::StorageMiner.code(),
        constructor_params: RawBytes::default(),
    };
    let r = net.send(
        0,
        Address::new_id(ids::INIT),
        method::init::EXEC,
        p(exec),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    let pst: power::State = net.state(ids::POWER);
    assert_eq!(pst.miner_count, 0);
}

#[test]
fn control_changes_peer_id_multiaddrs_and_owner() {
    let mut net = Net::new(3);
    let (id, robust) = create_miner(&mut net);
    let maddr = Address::new_id(id);
    let info = |net: &Net| -> miner::MinerInfo {
        let st: miner::State = net.state(id);
        net.get(&st.info)
    };
    // ChangePeerID by the owner (through the robust address, exported number).
    let r = net.send(
        0,
        robust,
        method::miner::CHANGE_PEER_ID_EXPORTED,
        p(miner::ChangePeerIDParams {
            new_id: b"new-peer".to_vec(),
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    assert_eq!(info(&net).peer_id, b"new-peer".to_vec());
    // Not a controlling address: forbidden, unchanged.
    let r = net.send(
        1,
        maddr,
        method::miner::CHANGE_PEER_ID,
        p(miner::ChangePeerIDParams {
            new_id: b"evil".to_vec(),
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    assert_eq!(info(&net).peer_id, b"new-peer".to_vec());
    // ChangeMultiaddrs; empty multiaddrs are rejected.
    let r = net.send(
        0,
        maddr,
        method::miner::CHANGE_MULTIADDRS,
        p(miner::ChangeMultiaddrsParams {
            new_multi_addrs: vec![BytesDe(vec![1, 2, 3])],
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    assert_eq!(info(&net).multi_address, vec![BytesDe(vec![1, 2, 3])]);
    let r = net.send(
        0,
        maddr,
        method::miner::CHANGE_MULTIADDRS,
        p(miner::ChangeMultiaddrsParams {
            new_multi_addrs: vec![BytesDe(vec![])],
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
    // ControlAddresses.
    let r = net.send(
        1,
        maddr,
        method::miner::CONTROL_ADDRESSES,
        RawBytes::default(),
        TokenAmount::default(),
    );
    let c: miner::GetControlAddressesReturn = ret_of(&r);
    assert_eq!(c.owner, Address::new_id(net.accounts[0].id));
    assert!(c.control_addresses.is_empty());
    // ChangeOwnerAddress: proposed by the owner, confirmed by the new owner.
    let new_owner = Address::new_id(net.accounts[2].id);
    let r = net.send(
        0,
        maddr,
        method::miner::CHANGE_OWNER_ADDRESS,
        p(new_owner),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    assert_eq!(info(&net).pending_owner_address, Some(new_owner));
    let r = net.send(
        1,
        maddr,
        method::miner::CHANGE_OWNER_ADDRESS,
        p(new_owner),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    let r = net.send(
        2,
        maddr,
        method::miner::CHANGE_OWNER_ADDRESS,
        p(new_owner),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    let i = info(&net);
    assert_eq!(i.owner, new_owner);
    assert_eq!(i.beneficiary, new_owner);
    assert_eq!(i.pending_owner_address, None);
}

#[test]
fn worker_change_takes_effect_after_the_delay() {
    let mut net = Net::new(3);
    let (id, _) = create_miner(&mut net);
    let maddr = Address::new_id(id);
    let new_worker = net.accounts[2].addr; // BLS
    let control = net.accounts[1].addr;
    let r = net.send(
        0,
        maddr,
        method::miner::CHANGE_WORKER_ADDRESS,
        p(miner::ChangeWorkerAddressParams {
            new_worker,
            new_control_addresses: vec![control],
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    let st: miner::State = net.state(id);
    let info: miner::MinerInfo = net.get(&st.info);
    assert_eq!(
        info.control_addresses,
        vec![Address::new_id(net.accounts[1].id)]
    );
    let pending = info.pending_worker_key.unwrap();
    assert_eq!(pending.new_worker, Address::new_id(net.accounts[2].id));
    assert_eq!(pending.effective_at, net.epoch + 900);
    // Too early: confirmation is a no-op.
    let r = net.send(
        0,
        maddr,
        method::miner::CONFIRM_CHANGE_WORKER_ADDRESS,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    let st: miner::State = net.state(id);
    let info: miner::MinerInfo = net.get(&st.info);
    assert_eq!(info.worker, Address::new_id(net.accounts[0].id));
    // Only the owner may confirm.
    net.epoch += 900;
    let r = net.send(
        1,
        maddr,
        method::miner::CONFIRM_CHANGE_WORKER_ADDRESS,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    let r = net.send(
        0,
        maddr,
        method::miner::CONFIRM_CHANGE_WORKER_ADDRESS_EXPORTED,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    let st: miner::State = net.state(id);
    let info: miner::MinerInfo = net.get(&st.info);
    assert_eq!(info.worker, Address::new_id(net.accounts[2].id));
    assert!(info.pending_worker_key.is_none());
    // A secp256k1 worker is refused.
    let r = net.send(
        0,
        maddr,
        method::miner::CHANGE_WORKER_ADDRESS,
        p(miner::ChangeWorkerAddressParams {
            new_worker: net.accounts[1].addr,
            new_control_addresses: vec![],
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
}

#[test]
fn miner_withdrawals_pay_only_the_available_balance() {
    let mut net = Net::new(2);
    let total = net.total();
    let (id, _) = create_miner(&mut net);
    let maddr = Address::new_id(id);
    // Top up the miner with a plain send.
    let r = net.send(1, maddr, method::SEND, RawBytes::default(), fil(5));
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    let st: miner::State = net.state(id);
    let available = fil(15) - &st.locked_funds;
    // A non-owner cannot withdraw.
    let r = net.send(
        1,
        maddr,
        method::miner::WITHDRAW_BALANCE,
        p(miner::WithdrawBalanceParams {
            amount_requested: fil(1),
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    // The owner asks for more than is available and gets what is.
    let owner = net.accounts[0].id;
    let before = net.balance(owner);
    let r = net.send(
        0,
        maddr,
        method::miner::WITHDRAW_BALANCE_EXPORTED,
        p(miner::WithdrawBalanceParams {
            amount_requested: fil(100),
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    let got: TokenAmount = ret_of(&r);
    assert_eq!(got, available);
    let fee = &r.gas.base_fee_burn + &r.gas.over_estimation_burn + &r.gas.miner_tip;
    assert_eq!(net.balance(owner), before + &available - fee);
    assert_eq!(net.balance(id), st.locked_funds);
    // Negative requests are illegal.
    let r = net.send(
        0,
        maddr,
        method::miner::WITHDRAW_BALANCE,
        p(miner::WithdrawBalanceParams {
            amount_requested: TokenAmount::from_atto(-1),
        }),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
    // GetAvailableBalance is now zero.
    let r = net.send(
        1,
        maddr,
        method::miner::GET_AVAILABLE_BALANCE,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(ret_of::<TokenAmount>(&r), TokenAmount::default());
    assert_eq!(net.total(), total);
}

#[test]
fn market_escrow_add_and_withdraw() {
    use fil_actor_market_state::v18 as market;
    let mut net = Net::new(2);
    let total = net.total();
    let me = net.accounts[0].addr;
    let mk = Address::new_id(ids::MARKET);
    let r = net.send(0, mk, method::market::ADD_BALANCE, p(me), fil(7));
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    let r = net.send(
        0,
        mk,
        method::market::ADD_BALANCE_EXPORTED,
        p(me),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
    assert_eq!(net.balance(ids::MARKET), fil(7));
    let r = net.send(
        1,
        mk,
        method::market::GET_BALANCE,
        p(me),
        TokenAmount::default(),
    );
    let b: market::GetBalanceReturn = ret_of(&r);
    assert_eq!(b.balance, fil(7));
    assert_eq!(b.locked, TokenAmount::default());
    // Only the party itself may withdraw.
    let w = market::WithdrawBalanceParams {
        provider_or_client: me,
        amount: fil(3),
    };
    let r = net.send(
        1,
        mk,
        method::market::WITHDRAW_BALANCE,
        p(&w),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    let r = net.send(
        0,
        mk,
        method::market::WITHDRAW_BALANCE,
        p(&w),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    assert_eq!(ret_of::<TokenAmount>(&r), fil(3));
    assert_eq!(net.balance(ids::MARKET), fil(4));
    // A miner's escrow: its owner withdraws, to the owner.
    let (id, _) = create_miner(&mut net);
    let r = net.send(
        1,
        mk,
        method::market::ADD_BALANCE,
        p(Address::new_id(id)),
        fil(2),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    let w = market::WithdrawBalanceParams {
        provider_or_client: Address::new_id(id),
        amount: fil(5),
    };
    let r = net.send(
        1,
        mk,
        method::market::WITHDRAW_BALANCE,
        p(&w),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    let r = net.send(
        0,
        mk,
        method::market::WITHDRAW_BALANCE_EXPORTED,
        p(&w),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK);
    assert_eq!(ret_of::<TokenAmount>(&r), fil(2));
    let st: market::State = net.state(ids::MARKET);
    let table =
        market::balance_table::BalanceTable::from_root(&net.store, &st.escrow_table, "escrow")
            .unwrap();
    let me_id = Address::new_id(net.accounts[0].id);
    assert_eq!(table.get(&me_id).unwrap(), fil(4));
    assert_eq!(
        table.get(&Address::new_id(id)).unwrap(),
        TokenAmount::default()
    );
    assert_eq!(net.total(), total);
}

#[test]
fn power_getters_and_miner_only_methods() {
    let mut net = Net::new(2);
    let (id, _) = create_miner(&mut net);
    let pw = Address::new_id(ids::POWER);
    let r = net.send(
        1,
        pw,
        method::power::MINER_COUNT,
        RawBytes::default(),
        TokenAmount::default(),
    );
    assert_eq!(ret_of::<i64>(&r), 1);
    let r = net.send(
        1,
        pw,
        method::power::MINER_POWER,
        p(id),
        TokenAmount::default(),
    );
    let mp: power::MinerPowerReturn = ret_of(&r);
    assert_eq!(mp.raw_byte_power, StoragePower::default());
    let r = net.send(
        1,
        pw,
        method::power::MINER_RAW_POWER,
        p(id),
        TokenAmount::default(),
    );
    let raw: power::MinerRawPowerReturn = ret_of(&r);
    assert!(!raw.meets_consensus_minimum);
    let r = net.send(
        1,
        pw,
        method::power::CURRENT_TOTAL_POWER,
        RawBytes::default(),
        TokenAmount::default(),
    );
    let ctp: power::CurrentTotalPowerReturn = ret_of(&r);
    assert_eq!(ctp.raw_byte_power, StoragePower::default());
    // Accounts may not claim power or pledge.
    let upd = power::UpdateClaimedPowerParams {
        raw_byte_delta: StoragePower::from(2048),
        quality_adjusted_delta: StoragePower::from(2048),
    };
    let r = net.send(
        0,
        pw,
        method::power::UPDATE_CLAIMED_POWER,
        p(&upd),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
    let r = net.send(
        0,
        pw,
        method::power::UPDATE_PLEDGE_TOTAL,
        p(fil(1)),
        TokenAmount::default(),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::USR_FORBIDDEN);
}

#[test]
fn claimed_power_moves_totals_across_the_consensus_minimum() {
    // Drive the power state helper directly with a miner claim.
    let mut net = Net::new(1);
    let (id, _) = create_miner(&mut net);
    let mut st: power::State = net.state(ids::POWER);
    let policy = padma_state::policy::devnet_policy();
    let mut claims = st.load_claims(&net.store).unwrap();
    let a = Address::new_id(id);
    let one_k = StoragePower::from(1024);
    padma_state::actors::power::add_to_claim(&mut st, &policy, &mut claims, &a, &one_k, &one_k)
        .unwrap();
    assert_eq!(st.miner_above_min_power_count, 0);
    assert_eq!(st.total_bytes_committed, one_k);
    assert_eq!(st.total_raw_byte_power, StoragePower::default());
    padma_state::actors::power::add_to_claim(&mut st, &policy, &mut claims, &a, &one_k, &one_k)
        .unwrap();
    assert_eq!(st.miner_above_min_power_count, 1);
    assert_eq!(st.total_raw_byte_power, StoragePower::from(2048));
    let neg = StoragePower::from(-1024);
    padma_state::actors::power::add_to_claim(&mut st, &policy, &mut claims, &a, &neg, &neg)
        .unwrap();
    assert_eq!(st.miner_above_min_power_count, 0);
    assert_eq!(st.total_raw_byte_power, StoragePower::default());
    assert_eq!(st.total_bytes_committed, one_k);
    let too_much = StoragePower::from(-4096);
    assert!(padma_state::actors::power::add_to_claim(
        &mut st,
        &policy,
        &mut claims,
        &a,
        &too_much,
        &too_much
    )
    .is_err());
}
