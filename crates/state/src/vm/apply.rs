//! Applying messages: preflight checks, execution, receipts and fee handling.

use super::call::CallError;
use super::gas::PRICES;
use super::outputs::GasOutputs;
use super::{Vm, VmEnv, BLOCK_GAS_LIMIT};
use crate::actors::{ids, method};
use crate::code::ActorKind;
use anyhow::{anyhow, bail, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_ipld_encoding::{RawBytes, CBOR, IPLD_RAW};
use fvm_shared::address::Payload;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::event::StampedEvent;
use fvm_shared::message::Message;
use fvm_shared::receipt::Receipt;
use fvm_shared::ActorID;

/// The result of applying a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyRet {
    /// The receipt `{ExitCode, Return, GasUsed, EventsRoot}`.
    pub receipt: Receipt,
    /// How the gas payment was split (all zero for implicit messages and for
    /// messages that failed preflight, except `miner_penalty`).
    pub gas: GasOutputs,
    /// Why the message failed, when it did.
    pub error: Option<String>,
    /// The events the message emitted (their AMT is `receipt.events_root`).
    pub events: Vec<StampedEvent>,
}

impl ApplyRet {
    fn prevalidation_fail(code: ExitCode, error: String, miner_penalty: TokenAmount) -> Self {
        ApplyRet {
            receipt: Receipt {
                exit_code: code,
                return_data: RawBytes::default(),
                gas_used: 0,
                events_root: None,
            },
            gas: GasOutputs {
                miner_penalty,
                ..Default::default()
            },
            error: Some(error),
            events: Vec::new(),
        }
    }
}

/// Bit width of a message's events AMT.
pub const EVENTS_AMT_BIT_WIDTH: u32 = 5;

/// The syntactic checks of a message valid for block inclusion (padma-types' shared
/// rules; a zero gas limit is never valid).
pub fn check_message_syntax(msg: &Message) -> Result<()> {
    padma_types::message::check_for_block_inclusion(msg, 1).map_err(|e| anyhow::anyhow!(e))
}

impl<BS: Blockstore> Vm<'_, BS> {
    /// Applies an explicit message whose chain encoding is `chain_length` bytes (the
    /// signed message for secp256k1 senders, the bare message for BLS). Signatures
    /// are not checked here (block validation does that). Errors mean the message
    /// cannot be in a valid block (bad syntax) or the state is broken.
    pub fn apply_message(&mut self, msg: &Message, chain_length: usize) -> Result<ApplyRet> {
        check_message_syntax(msg)?;
        let base_fee = self.env.base_fee.clone();
        let inclusion = PRICES.on_chain_message(chain_length);
        if inclusion > msg.gas_limit {
            return Ok(ApplyRet::prevalidation_fail(
                ExitCode::SYS_OUT_OF_GAS,
                format!("out of gas ({inclusion} > {})", msg.gas_limit),
                &base_fee * inclusion,
            ));
        }
        let penalty = &base_fee * msg.gas_limit;
        let invalid = |m: &str| {
            Ok(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_INVALID,
                m.into(),
                penalty.clone(),
            ))
        };
        let Some(sender_id) = self.lookup_id(&msg.from)? else {
            return invalid("sender invalid");
        };
        let Some(mut sender) = self.state.get(sender_id)? else {
            return invalid("sender invalid");
        };
        let kind = ActorKind::from_code(&sender.code);
        let eam_placeholder = kind == Some(ActorKind::Placeholder)
            && sender.sequence == 0
            && matches!(sender.delegated_address.map(|a| *a.payload()),
                Some(Payload::Delegated(d)) if d.namespace() == ids::EAM);
        if eam_placeholder {
            sender.code = ActorKind::EthAccount.code();
        } else if !kind.is_some_and(|k| k.is_account()) {
            return invalid("send not from a valid sender");
        }
        if msg.sequence != sender.sequence {
            return Ok(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_STATE_INVALID,
                format!(
                    "actor nonce invalid: {} != {}",
                    msg.sequence, sender.sequence
                ),
                penalty,
            ));
        }
        let gas_cost = &msg.gas_fee_cap * msg.gas_limit;
        if sender.balance < gas_cost {
            return Ok(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_STATE_INVALID,
                format!(
                    "actor balance less than needed: {} < {gas_cost}",
                    sender.balance
                ),
                penalty,
            ));
        }
        sender.sequence += 1;
        sender.balance -= &gas_cost;
        self.state.set(sender_id, sender)?;

        self.begin_message(msg.gas_limit, msg, sender_id);
        self.charge(inclusion)
            .map_err(|_| anyhow!("inclusion gas exceeds the limit"))?;
        let (receipt, error, events) = self.execute(sender_id, msg)?;

        let out = GasOutputs::compute(
            receipt.gas_used,
            msg.gas_limit,
            &base_fee,
            &msg.gas_fee_cap,
            &msg.gas_premium,
        );
        self.deposit(ids::BURNT_FUNDS, &out.base_fee_burn)?;
        self.deposit(ids::REWARD, &out.miner_tip)?;
        self.deposit(ids::BURNT_FUNDS, &out.over_estimation_burn)?;
        self.deposit(sender_id, &out.refund)?;
        if &out.base_fee_burn + &out.over_estimation_burn + &out.refund + &out.miner_tip != gas_cost
        {
            bail!("gas handling math is wrong");
        }
        Ok(ApplyRet {
            receipt,
            gas: out,
            error,
            events,
        })
    }

    /// Applies an implicit (system) message: no inclusion gas, nonce check or fee
    /// payment. Used for block rewards, cron and `StateCall`.
    pub fn apply_implicit(&mut self, msg: &Message) -> Result<ApplyRet> {
        let Some(sender_id) = self.lookup_id(&msg.from)? else {
            return Ok(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_INVALID,
                "sender invalid".into(),
                TokenAmount::default(),
            ));
        };
        self.begin_message(msg.gas_limit, msg, sender_id);
        let (receipt, error, events) = self.execute(sender_id, msg)?;
        Ok(ApplyRet {
            receipt,
            gas: GasOutputs::default(),
            error,
            events,
        })
    }

    /// Runs the message's call and builds its receipt (with the events AMT v3, bit
    /// width 5, when the message emitted events).
    fn execute(
        &mut self,
        sender_id: ActorID,
        msg: &Message,
    ) -> Result<(Receipt, Option<String>, Vec<StampedEvent>)> {
        let params = (!msg.params.is_empty()).then(|| IpldBlock {
            codec: if msg.method_num == method::SEND {
                IPLD_RAW
            } else {
                CBOR
            },
            data: msg.params.to_vec(),
        });
        let res = self.call_actor(sender_id, &msg.to, msg.method_num, params, &msg.value);
        let meter = self.meter();
        let mut gas_used = meter.gas.used();
        let (exit_code, ret, error) = match res {
            Ok(r) => (
                r.exit_code,
                r.ret.map(|b| b.data).unwrap_or_default(),
                r.error,
            ),
            Err(CallError::Syscall(n, m)) => {
                let code = match n {
                    ErrorNumber::InsufficientFunds => ExitCode::SYS_INSUFFICIENT_FUNDS,
                    ErrorNumber::NotFound => ExitCode::SYS_INVALID_RECEIVER,
                    _ => ExitCode::SYS_ASSERTION_FAILED,
                };
                (code, Vec::new(), Some(m))
            }
            Err(CallError::Abort) => match meter.fatal() {
                Some(f) => {
                    gas_used = msg.gas_limit;
                    (ExitCode::SYS_ASSERTION_FAILED, Vec::new(), Some(f))
                }
                None => (
                    ExitCode::SYS_OUT_OF_GAS,
                    Vec::new(),
                    Some("out of gas".into()),
                ),
            },
        };
        let events = std::mem::take(&mut self.msg.events);
        let events_root = if events.is_empty() {
            None
        } else {
            let mut amt: fvm_ipld_amt::Amt<StampedEvent, _> =
                fvm_ipld_amt::Amt::new_with_bit_width(&*self.store, EVENTS_AMT_BIT_WIDTH);
            for (i, e) in events.iter().enumerate() {
                amt.set(i as u64, e.clone())?;
            }
            Some(amt.flush()?)
        };
        let receipt = Receipt {
            exit_code,
            return_data: RawBytes::new(ret),
            gas_used,
            events_root,
        };
        Ok((receipt, error, events))
    }

    /// Credits `amount` to actor `id` outside any call (fee handling).
    fn deposit(&mut self, id: ActorID, amount: &TokenAmount) -> Result<()> {
        if amount.is_negative() {
            bail!("negative deposit of {amount} to f0{id}");
        }
        if amount.is_zero() {
            return Ok(());
        }
        let mut a = self
            .state
            .get(id)?
            .ok_or_else(|| anyhow!("actor f0{id} not found for a fee transfer"))?;
        a.balance += amount;
        self.state.set(id, a)
    }
}

/// Lotus's `InvocResult`, less the trace: what `StateCall` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvocResult {
    /// The message as applied (gas limit, nonce and fee fields filled in).
    pub msg: Message,
    /// The receipt.
    pub receipt: Receipt,
    /// Gas cost (zero: `StateCall` applies the message implicitly).
    pub gas: GasOutputs,
    /// The error message of a failed call.
    pub error: Option<String>,
}

/// Lotus's rule for a message run off chain: a zero fee cap makes its gas free (it
/// runs with a zero base fee).
pub fn free_gas_without_fee_cap(fee_cap: &TokenAmount, env: &mut VmEnv) {
    if fee_cap.is_zero() {
        env.base_fee = TokenAmount::default();
    }
}

/// `StateCall`'s defaults for `msg`: a zero gas limit means the block gas limit, and
/// [`free_gas_without_fee_cap`].
pub fn call_defaults(msg: &Message, env: &mut VmEnv) -> Message {
    let mut msg = msg.clone();
    if msg.gas_limit == 0 {
        msg.gas_limit = BLOCK_GAS_LIMIT;
    }
    free_gas_without_fee_cap(&msg.gas_fee_cap, env);
    msg
}

/// `StateCall`: applies `msg` to the state `root` without committing anything, as
/// Lotus does — gas limit 0 means the block gas limit, the nonce is the sender's
/// current one, a zero fee cap means a zero base fee, and the message is applied
/// implicitly (no fee payment). Fails when the sender does not exist.
pub fn call<BS: Blockstore>(
    store: &BS,
    root: &Cid,
    msg: &Message,
    mut env: VmEnv,
) -> Result<InvocResult> {
    let mut msg = call_defaults(msg, &mut env);
    let mut vm = Vm::new(store, root, env)?;
    let id = vm
        .lookup_id(&msg.from)?
        .ok_or_else(|| anyhow!("sender {} not found on chain", msg.from))?;
    let sender = vm
        .get_actor(id)?
        .ok_or_else(|| anyhow!("sender {} not found on chain", msg.from))?;
    msg.sequence = sender.sequence;
    let ret = vm.apply_implicit(&msg)?;
    Ok(InvocResult {
        msg,
        receipt: ret.receipt,
        gas: ret.gas,
        error: ret.error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{FixedVested, NoExterns};
    use crate::tree::{ActorState, StateTree};
    use fvm_ipld_blockstore::MemoryBlockstore;
    use fvm_shared::address::Address;

    #[test]
    fn events_are_recorded_in_an_amt_and_dropped_on_revert() {
        let bs = MemoryBlockstore::new();
        let root = {
            let mut t = StateTree::new(&bs);
            let key = Address::new_secp256k1(&[4u8; 65]).unwrap();
            let head =
                crate::ipld::put_cbor(&bs, &fil_actor_account_state::v18::State { address: key })
                    .unwrap();
            let mut sender = ActorState::new_empty(ActorKind::Account.code(), None);
            sender.state = head;
            sender.balance = TokenAmount::from_whole(1);
            t.set_actor(100, sender).unwrap();
            for id in [2, 99, 200] {
                let code = if id == 200 {
                    ActorKind::Evm
                } else {
                    ActorKind::Account
                };
                t.set_actor(id, ActorState::new_empty(code.code(), None))
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
        let mut vm = Vm::new(&bs, &root, env).unwrap();
        let mut msg = Message {
            version: 0,
            from: Address::new_id(100),
            to: Address::new_id(200),
            sequence: 0,
            value: TokenAmount::default(),
            method_num: 2,
            params: RawBytes::default(),
            gas_limit: 10_000_000,
            gas_fee_cap: TokenAmount::from_atto(100),
            gas_premium: TokenAmount::default(),
        };
        let r = vm.apply_message(&msg, 100).unwrap();
        assert_eq!(r.receipt.exit_code, ExitCode::OK);
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.events[0].emitter, 200);
        let root = r.receipt.events_root.expect("events root");
        let amt: fvm_ipld_amt::Amt<StampedEvent, _> =
            fvm_ipld_amt::Amt::load(&root, vm.store()).unwrap();
        assert_eq!(amt.count(), 1);
        assert_eq!(amt.get(0).unwrap(), Some(&r.events[0]));
        msg.sequence = 1;
        msg.method_num = 3;
        let r = vm.apply_message(&msg, 100).unwrap();
        assert_eq!(r.receipt.exit_code, ExitCode::USR_ILLEGAL_ARGUMENT);
        assert!(r.events.is_empty());
        assert_eq!(r.receipt.events_root, None);
    }

    #[test]
    fn syntax_checks() {
        let ok = Message {
            version: 0,
            from: Address::new_id(100),
            to: Address::new_id(101),
            sequence: 0,
            value: TokenAmount::from_atto(1),
            method_num: method::SEND,
            params: RawBytes::default(),
            gas_limit: 1_000_000,
            gas_fee_cap: TokenAmount::from_atto(100),
            gas_premium: TokenAmount::from_atto(10),
        };
        check_message_syntax(&ok).unwrap();
        for bad in [
            Message {
                version: 1,
                ..ok.clone()
            },
            Message {
                gas_limit: 0,
                ..ok.clone()
            },
            Message {
                gas_limit: BLOCK_GAS_LIMIT + 1,
                ..ok.clone()
            },
            Message {
                value: TokenAmount::from_atto(-1),
                ..ok.clone()
            },
            Message {
                gas_premium: TokenAmount::from_atto(101),
                ..ok.clone()
            },
        ] {
            assert!(check_message_syntax(&bad).is_err());
        }
    }
}
