//! Tipset execution: message selection across blocks, block rewards, cron and null
//! rounds, the receipts AMT, determinism, and conservation of funds under many
//! random messages.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

mod common;

use common::*;
use fil_actor_miner_state::v18 as miner;
use fil_actor_power_state::v18 as power;
use fil_actor_reward_state::v18 as reward;
use fvm_ipld_amt::Amtv0;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::{BytesDe, RawBytes};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::receipt::Receipt;
use fvm_shared::sector::RegisteredPoStProof;
use padma_state::actors::*;
use padma_state::vm::{execute_tipset, BlockMessages, ChainMessage, TipsetResult};
use padma_types::crypto::{KeyInfo, KeyType};

fn make_miner(net: &mut Net) -> Address {
    let owner = net.accounts[0].addr;
    let prm = power::CreateMinerParams {
        owner,
        worker: owner,
        window_post_proof_type: RegisteredPoStProof::StackedDRGWindow2KiBV1P1,
        peer: vec![1],
        multiaddrs: vec![BytesDe(vec![1])],
    };
    let r = net.send(
        0,
        Address::new_id(ids::POWER),
        method::power::CREATE_MINER,
        p(prm),
        fil(10),
    );
    assert_eq!(r.receipt.exit_code, ExitCode::OK, "{r:?}");
    let out: power::CreateMinerReturn = ret_of(&r);
    out.id_address
}

impl Net {
    /// Executes a tipset at `epoch` on the current state and adopts its result.
    fn run(&mut self, epoch: i64, blocks: &[BlockMessages]) -> TipsetResult {
        let r = execute_tipset(&self.store, &self.root, self.epoch, blocks, env(epoch)).unwrap();
        self.root = r.state_root;
        self.epoch = epoch;
        for i in 0..self.accounts.len() {
            self.accounts[i].nonce = self.actor(self.accounts[i].id).unwrap().sequence;
        }
        r
    }

    fn transfer(&self, from: usize, nonce: u64, to: Address, value: TokenAmount) -> ChainMessage {
        let mut m = self.msg(from, to, method::SEND, RawBytes::default(), value);
        m.sequence = nonce;
        m.gas_limit = 10_000_000;
        self.sign(from, m)
    }
}

fn receipts(net: &Net, root: &cid::Cid) -> Vec<Receipt> {
    let amt: Amtv0<Receipt, _> = Amtv0::load(root, &net.store).unwrap();
    let mut out = Vec::new();
    amt.for_each(|_, r| {
        out.push(r.clone());
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn selection_dedupes_and_skips_out_of_sequence_messages() {
    let mut net = Net::new(2);
    let miner = make_miner(&mut net);
    let total = net.total();
    let (a, b) = (net.accounts[0].addr, net.accounts[1].addr);
    let n0 = net.accounts[0].nonce;
    let m1 = net.transfer(0, n0, b, fil(1));
    let m2 = net.transfer(0, n0 + 1, b, fil(2));
    let m3 = net.transfer(1, 0, a, fil(3));
    let skip = net.transfer(0, n0 + 5, b, fil(4));
    let blocks = vec![
        BlockMessages {
            miner,
            win_count: 1,
            messages: vec![m1.clone(), m2.clone()],
        },
        BlockMessages {
            miner,
            win_count: 2,
            messages: vec![m1.clone(), skip, m3.clone()],
        },
    ];
    let r = net.run(1, &blocks);
    let cids: Vec<_> = r.applied.iter().map(|(c, _)| *c).collect();
    assert_eq!(cids, vec![m1.cid(), m2.cid(), m3.cid()]);
    let rs = receipts(&net, &r.receipts_root);
    assert_eq!(rs.len(), 3);
    for (x, (_, ap)) in rs.iter().zip(&r.applied) {
        assert_eq!(x, &ap.receipt);
        assert_eq!(x.exit_code, ExitCode::OK);
    }
    assert_eq!(net.accounts[0].nonce, n0 + 2);
    assert_eq!(net.accounts[1].nonce, 1);
    assert_eq!(net.total(), total);
}

#[test]
fn rewards_and_cron_advance_the_network() {
    let mut net = Net::new(2);
    let miner = make_miner(&mut net);
    let mid = miner.id().unwrap();
    let total = net.total();
    let rst0: reward::State = net.state(ids::REWARD);
    let mst0: miner::State = net.state(mid);
    let mbal0 = net.balance(mid);
    let b = net.accounts[1].addr;
    let n0 = net.accounts[0].nonce;
    let m = net.transfer(0, n0, b, fil(1));
    let blocks = vec![BlockMessages {
        miner,
        win_count: 1,
        messages: vec![m],
    }];
    let r = net.run(1, &blocks);
    let tip = r.applied[0].1.gas.miner_tip.clone();
    assert!(tip.is_positive());
    // The miner got a fifth of this epoch's reward plus the tip; 75% is locked.
    let block_reward = padma_state::actors::reward::block_reward(&rst0.this_epoch_reward, 1);
    let paid = &block_reward + &tip;
    assert_eq!(net.balance(mid), &mbal0 + &paid);
    let mst: miner::State = net.state(mid);
    let (locked, _) = miner::locked_reward_from_reward(paid.clone());
    assert_eq!(&mst.locked_funds - &mst0.locked_funds, locked);
    // The reward actor recorded the payout and moved to the next epoch.
    let rst: reward::State = net.state(ids::REWARD);
    assert_eq!(
        rst.total_storage_power_reward,
        &rst0.total_storage_power_reward + &block_reward
    );
    assert_eq!(rst.epoch, 2);
    assert_ne!(
        rst.this_epoch_reward_smoothed,
        rst0.this_epoch_reward_smoothed
    );
    // The power actor's pledge total includes the miner's locked funds change.
    let pst: power::State = net.state(ids::POWER);
    assert_eq!(
        pst.this_epoch_pledge_collateral,
        pst.total_pledge_collateral
    );
    let market: fil_actor_market_state::v18::State = net.state(ids::MARKET);
    assert_eq!(market.last_cron, 1);
    assert_eq!(net.total(), total);

    // Two null rounds: cron runs at 2 and 3 as well as at 4.
    let r = net.run(
        4,
        &[BlockMessages {
            miner,
            win_count: 1,
            messages: vec![],
        }],
    );
    assert!(r.applied.is_empty());
    let market: fil_actor_market_state::v18::State = net.state(ids::MARKET);
    assert_eq!(market.last_cron, 4);
    let rst: reward::State = net.state(ids::REWARD);
    assert_eq!(rst.epoch, 5);
    assert_eq!(net.total(), total);
}

#[test]
fn execution_is_deterministic_and_rejects_bad_tipsets() {
    let mut n1 = Net::new(2);
    let miner = make_miner(&mut n1);
    let b = n1.accounts[1].addr;
    let msgs = vec![n1.transfer(0, n1.accounts[0].nonce, b, fil(1))];
    let blocks = vec![BlockMessages {
        miner,
        win_count: 1,
        messages: msgs,
    }];
    let r1 = execute_tipset(&n1.store, &n1.root, 0, &blocks, env(1)).unwrap();
    let r1b = execute_tipset(&n1.store, &n1.root, 0, &blocks, env(1)).unwrap();
    assert_eq!(r1.state_root, r1b.state_root);
    assert_eq!(r1.receipts_root, r1b.receipts_root);
    // Executing on a copy of the state in another store gives the same roots.
    let copy = fvm_ipld_blockstore::MemoryBlockstore::new();
    copy_dag(&n1.store, &copy, n1.root);
    let r2 = execute_tipset(&copy, &n1.root, 0, &blocks, env(1)).unwrap();
    assert_eq!(r1.state_root, r2.state_root);
    assert_eq!(r1.receipts_root, r2.receipts_root);
    // The epoch must advance.
    assert!(execute_tipset(&n1.store, &n1.root, 1, &blocks, env(1)).is_err());
    // A reward for a miner that does not exist is burnt (as builtin-actors does).
    let bad = vec![BlockMessages {
        miner: Address::new_id(4242),
        win_count: 1,
        messages: vec![],
    }];
    let burnt0 = n1.balance(ids::BURNT_FUNDS);
    let rst: fil_actor_reward_state::v18::State = n1.state(ids::REWARD);
    n1.run(1, &bad);
    assert_eq!(
        n1.balance(ids::BURNT_FUNDS),
        burnt0 + padma_state::actors::reward::block_reward(&rst.this_epoch_reward, 1)
    );
}

/// Copies the DAG under `root` (blocks present in `from`) into `to`.
fn copy_dag(from: &impl Blockstore, to: &impl Blockstore, root: cid::Cid) {
    let mut stack = vec![root];
    let mut seen = std::collections::HashSet::new();
    while let Some(c) = stack.pop() {
        if !seen.insert(c) {
            continue;
        }
        let Some(data) = from.get(&c).unwrap() else {
            continue; // code CIDs are tags, not blocks
        };
        padma_types::cid::scan_links(&data, &mut |l| stack.push(l)).unwrap();
        to.put_keyed(&c, &data).unwrap();
    }
}

/// xorshift64*: a small deterministic generator for the random-message test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn funds_are_conserved_across_many_random_messages() {
    let mut net = Net::new(4);
    let miner = make_miner(&mut net);
    let total = net.total();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut strangers: Vec<Address> = Vec::new();
    let mut codes = std::collections::BTreeMap::new();
    for epoch in 1..=12i64 {
        let mut nonces: Vec<u64> = net.accounts.iter().map(|a| a.nonce).collect();
        let mut blocks = Vec::new();
        for _ in 0..2 {
            let mut msgs = Vec::new();
            for _ in 0..5 {
                let i = rng.below(4) as usize;
                let value = TokenAmount::from_atto(
                    rng.below(3) as u128 * 10u128.pow(18) + rng.below(1000) as u128,
                );
                let kind = rng.below(10);
                let to = match kind {
                    0 => {
                        let k = KeyInfo::generate(if rng.below(2) == 0 {
                            KeyType::Secp256k1
                        } else {
                            KeyType::Bls
                        });
                        let a = k.address().unwrap();
                        strangers.push(a);
                        a
                    }
                    1 if !strangers.is_empty() => {
                        strangers[rng.below(strangers.len() as u64) as usize]
                    }
                    2 => Address::new_id(ids::MARKET),
                    3 => miner,
                    4 => Address::new_id(9999),
                    _ => net.accounts[rng.below(4) as usize].addr,
                };
                let (method, params) = if kind == 2 {
                    (method::market::ADD_BALANCE, p(net.accounts[i].addr))
                } else {
                    (0, RawBytes::default())
                };
                let mut m = net.msg(i, to, method, params, value);
                m.sequence = nonces[i];
                m.gas_limit = match rng.below(8) {
                    0 => 800_000,
                    1 => 3_000_000,
                    _ => 40_000_000,
                };
                m.gas_fee_cap = TokenAmount::from_atto(50 + rng.below(200));
                m.gas_premium = TokenAmount::from_atto(rng.below(50));
                if rng.below(10) == 0 {
                    m.sequence += 3; // skipped by selection
                } else {
                    nonces[i] += 1;
                }
                msgs.push(net.sign(i, m));
            }
            blocks.push(BlockMessages {
                miner,
                win_count: 1 + rng.below(2) as i64,
                messages: msgs,
            });
        }
        // Occasionally skip epochs (null rounds).
        let next = if rng.below(4) == 0 {
            net.epoch + 2
        } else {
            net.epoch + 1
        };
        let _ = epoch;
        let r = net.run(next, &blocks);
        for (_, ap) in &r.applied {
            *codes.entry(ap.receipt.exit_code.value()).or_insert(0) += 1;
        }
        assert_eq!(net.total(), total, "after epoch {}", net.epoch);
    }
    // The run exercised successes and several failure kinds.
    assert!(codes.contains_key(&0), "{codes:?}");
    assert!(codes.len() >= 3, "{codes:?}");
}
