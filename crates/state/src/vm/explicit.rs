//! Explicit trial runs (Lotus `CallWithGas`): a message applied as an on-chain
//! message — inclusion gas, nonce and balance checks, fee handling — after some
//! prior messages, on a state whose changes are thrown away. Gas estimation uses it.

use super::apply::{free_gas_without_fee_cap, InvocResult};
use super::store::BufferedStore;
use super::tipset::ChainMessage;
use super::{Vm, VmEnv};
use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use std::rc::Rc;

/// Applies `prior` (in order, as explicit messages) and then `msg` as an explicit
/// message on the state `root`, committing nothing to `store`.
///
/// As Lotus's `CallWithGas` does: `msg`'s nonce becomes the sender's nonce after the
/// prior messages, and when its fee cap is zero it runs with a zero base fee (so gas
/// is free). Its chain encoding (what inclusion gas is charged on) is that of `msg`
/// as given: pass a [`ChainMessage::Signed`] with a placeholder signature for secp
/// senders, a [`ChainMessage::Bls`] for BLS senders. Fails when a prior message
/// cannot be applied at all or when the sender does not exist.
pub fn call_explicit<BS: Blockstore>(
    store: &BS,
    root: &Cid,
    prior: &[ChainMessage],
    msg: &ChainMessage,
    env: VmEnv,
) -> Result<InvocResult> {
    let buf = Rc::new(BufferedStore::new(store));
    let mut vm = Vm::new_buffered(buf.clone(), root, env.clone())?;
    for (i, m) in prior.iter().enumerate() {
        vm.apply_message(m.message(), m.chain_length())
            .with_context(|| format!("applying prior message {i} ({})", m.cid()))?;
    }
    let root = vm.flush_buffered()?;
    let from = msg.message().from;
    let not_found = || anyhow!("sender {from} not found on chain");
    let id = vm.lookup_id(&from)?.ok_or_else(not_found)?;
    let sender = vm.get_actor(id)?.ok_or_else(not_found)?;
    let mut msg = msg.clone();
    match &mut msg {
        ChainMessage::Bls(m) => m.sequence = sender.sequence,
        ChainMessage::Signed(s) => s.message.sequence = sender.sequence,
    }
    let mut env = env;
    free_gas_without_fee_cap(&msg.message().gas_fee_cap, &mut env);
    let mut vm = Vm::new_buffered(buf, &root, env)?;
    let ret = vm.apply_message(msg.message(), msg.chain_length())?;
    Ok(InvocResult {
        msg: msg.message().clone(),
        receipt: ret.receipt,
        gas: ret.gas,
        error: ret.error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::ActorKind;
    use crate::runtime::{FixedVested, NoExterns};
    use crate::tree::{ActorState, StateTree};
    use fvm_ipld_blockstore::MemoryBlockstore;
    use fvm_shared::address::Address;
    use fvm_shared::econ::TokenAmount;
    use fvm_shared::error::ExitCode;
    use fvm_shared::message::Message;

    fn send(nonce: u64, gas_limit: u64, fee_cap: u64) -> Message {
        Message {
            version: 0,
            from: Address::new_id(100),
            to: Address::new_id(101),
            sequence: nonce,
            value: TokenAmount::from_atto(5),
            method_num: crate::actors::method::SEND,
            params: Default::default(),
            gas_limit,
            gas_fee_cap: TokenAmount::from_atto(fee_cap),
            gas_premium: TokenAmount::default(),
        }
    }

    #[test]
    fn runs_after_prior_messages_with_gas_and_commits_nothing() {
        let bs = MemoryBlockstore::new();
        let root = {
            let mut t = StateTree::new(&bs);
            let key = Address::new_secp256k1(&[4u8; 65]).unwrap();
            let head =
                crate::ipld::put_cbor(&bs, &fil_actor_account_state::v18::State { address: key })
                    .unwrap();
            for id in [100, 101] {
                let mut a = ActorState::new_empty(ActorKind::Account.code(), None);
                a.state = head;
                a.balance = TokenAmount::from_whole(1);
                t.set_actor(id, a).unwrap();
            }
            // The reward and burnt-funds actors receive the fees.
            for id in [2, 99] {
                t.set_actor(id, ActorState::new_empty(ActorKind::Account.code(), None))
                    .unwrap();
            }
            t.flush().unwrap()
        };
        let supply = FixedVested::default();
        let env = VmEnv {
            epoch: 1,
            base_fee: TokenAmount::from_atto(100),
            network_version: crate::policy::NETWORK_VERSION,
            policy: crate::policy::devnet_policy(),
            timestamp: 0,
            randomness: std::sync::Arc::new(NoExterns),
            proofs: std::sync::Arc::new(NoExterns),
            supply: std::sync::Arc::new(supply),
        };
        let prior = vec![
            ChainMessage::Bls(send(0, 10_000_000, 1_000)),
            ChainMessage::Bls(send(1, 10_000_000, 1_000)),
        ];
        // Nonce 0 is replaced by the sender's nonce after the prior messages (2).
        let trial = ChainMessage::Bls(send(0, 10_000_000_000, 0));
        let res = call_explicit(&bs, &root, &prior, &trial, env.clone()).unwrap();
        assert_eq!(res.receipt.exit_code, ExitCode::OK, "{:?}", res.error);
        assert_eq!(res.msg.sequence, 2);
        assert!(res.receipt.gas_used > 0);
        // Zero fee cap: zero base fee, so nothing is burnt.
        assert!(res.gas.base_fee_burn.is_zero());
        // With a fee cap, the base fee applies and inclusion gas grows with the encoding.
        let paid = ChainMessage::Bls(send(0, 10_000_000, 1_000));
        let res2 = call_explicit(&bs, &root, &[], &paid, env.clone()).unwrap();
        assert_eq!(res2.receipt.exit_code, ExitCode::OK);
        assert!(!res2.gas.base_fee_burn.is_zero());
        // Only the encodings (so the inclusion gas) differ.
        assert!(res2.receipt.gas_used.abs_diff(res.receipt.gas_used) < 5_000);
        // A gas limit below what the message needs runs out of gas.
        let starved = ChainMessage::Bls(send(0, 1_000, 1_000));
        let res3 = call_explicit(&bs, &root, &[], &starved, env.clone()).unwrap();
        assert_eq!(res3.receipt.exit_code, ExitCode::SYS_OUT_OF_GAS);
        // Nothing reached the store: the original state is unchanged.
        let t = StateTree::load(&bs, &root).unwrap();
        assert_eq!(t.get_actor(100).unwrap().unwrap().sequence, 0);
        // An unknown sender is an error.
        let mut ghost = send(0, 1_000_000, 0);
        ghost.from = Address::new_id(555);
        assert!(call_explicit(&bs, &root, &[], &ChainMessage::Bls(ghost), env).is_err());
    }
}
