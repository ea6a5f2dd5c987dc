//! Tipset execution (protocol.md §3.8, Lotus `ApplyBlocks`): cron for null rounds,
//! each block's selected messages followed by its reward message, cron once at the
//! end; the new state root and the receipts root (legacy AMT v0).

use super::apply::ApplyRet;
use super::store::BufferedStore;
use super::{Vm, VmEnv, BLOCK_GAS_LIMIT};
use crate::actors::{ids, method};
use anyhow::{bail, Context, Result};
use cid::Cid;
use fil_actor_reward_state::v18::AwardBlockRewardParams;
use fvm_ipld_amt::Amtv0;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::{Address, Payload};
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::receipt::Receipt;
use padma_types::message::{message_cbor, message_cid};
use padma_types::SignedMessage;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A message as a block carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainMessage {
    /// A BLS-signed message (the signature is aggregated in the block).
    Bls(Message),
    /// A secp256k1 (or delegated) signed message.
    Signed(SignedMessage),
}

impl ChainMessage {
    /// The unsigned message.
    pub fn message(&self) -> &Message {
        match self {
            ChainMessage::Bls(m) => m,
            ChainMessage::Signed(s) => &s.message,
        }
    }

    /// The message's CID on chain: the unsigned message's for BLS, the signed
    /// message's otherwise (what receipts and message lookups are keyed by).
    pub fn cid(&self) -> Cid {
        match self {
            ChainMessage::Bls(m) => message_cid(m),
            ChainMessage::Signed(s) => s.cid(),
        }
    }

    /// The size of the message's chain encoding, which inclusion gas is charged on.
    pub fn chain_length(&self) -> usize {
        match self {
            ChainMessage::Bls(m) => message_cbor(m).len(),
            ChainMessage::Signed(s) => s.cbor().len(),
        }
    }
}

/// One block of a tipset: its miner, its election win count, and its messages (BLS
/// first, then secp, in block order).
#[derive(Clone, Debug)]
pub struct BlockMessages {
    /// The block's miner.
    pub miner: Address,
    /// `ElectionProof.WinCount`.
    pub win_count: i64,
    /// The block's messages.
    pub messages: Vec<ChainMessage>,
}

/// The outcome of executing a tipset.
#[derive(Clone, Debug)]
pub struct TipsetResult {
    /// The new state root (children's `ParentStateRoot`).
    pub state_root: Cid,
    /// The receipts AMT v0 root (children's `ParentMessageReceipts`).
    pub receipts_root: Cid,
    /// The explicit messages applied, in order: their chain CID ([`ChainMessage::cid`]) and result.
    pub applied: Vec<(Cid, ApplyRet)>,
    /// The implicit messages applied (null rounds' cron, each block's reward, the
    /// tipset's cron), in order.
    pub implicit: Vec<ImplicitApplied>,
}

/// An implicit message applied in a tipset's execution, and where it ran.
#[derive(Clone, Debug)]
pub struct ImplicitApplied {
    /// How many explicit messages ran before it.
    pub before: usize,
    /// The message.
    pub message: Message,
    /// Its result.
    pub ret: ApplyRet,
}

/// A message of a tipset's execution trace.
#[derive(Clone, Copy, Debug)]
pub enum Traced<'a> {
    /// An on-chain message, by its chain CID ([`ChainMessage::cid`]).
    Explicit(&'a Cid),
    /// An implicit message (reward, cron).
    Implicit(&'a Message),
}

impl TipsetResult {
    /// Every message applied, in execution order (Lotus's execution trace), with its
    /// result.
    pub fn in_order(&self) -> Vec<(Traced<'_>, &ApplyRet)> {
        let mut out = Vec::with_capacity(self.applied.len() + self.implicit.len());
        let mut implicit = self.implicit.iter().peekable();
        for (i, (cid, ret)) in self.applied.iter().enumerate() {
            while let Some(m) = implicit.next_if(|m| m.before <= i) {
                out.push((Traced::Implicit(&m.message), &m.ret));
            }
            out.push((Traced::Explicit(cid), ret));
        }
        out.extend(implicit.map(|m| (Traced::Implicit(&m.message), &m.ret)));
        out
    }
}

/// An implicit message from the system actor at `epoch` (block rewards, cron).
pub fn implicit(
    to: u64,
    method: u64,
    epoch: ChainEpoch,
    gas_limit: u64,
    params: RawBytes,
) -> Message {
    Message {
        version: 0,
        from: Address::new_id(ids::SYSTEM),
        to: Address::new_id(to),
        sequence: epoch as u64,
        value: TokenAmount::default(),
        method_num: method,
        params,
        gas_limit,
        gas_fee_cap: TokenAmount::default(),
        gas_premium: TokenAmount::default(),
    }
}

/// The cron tick every epoch ends with (null rounds included).
pub fn cron_message(epoch: ChainEpoch) -> Message {
    implicit(
        ids::CRON,
        method::cron::EPOCH_TICK,
        epoch,
        BLOCK_GAS_LIMIT * 10_000,
        RawBytes::default(),
    )
}

/// The reward message after block `b`'s messages, paying its miner the gas tips and
/// charging the penalties its messages earned.
pub fn reward_message(
    b: &BlockMessages,
    epoch: ChainEpoch,
    penalty: TokenAmount,
    gas_reward: TokenAmount,
) -> Result<Message> {
    let params = RawBytes::serialize(AwardBlockRewardParams {
        miner: b.miner,
        penalty,
        gas_reward,
        win_count: b.win_count,
    })?;
    Ok(implicit(
        ids::REWARD,
        method::reward::AWARD_BLOCK_REWARD,
        epoch,
        1 << 30,
        params,
    ))
}

/// What tipset execution needs of an engine's machine at one epoch.
pub trait MessageApplier {
    /// Applies an on-chain message.
    fn apply_explicit(&mut self, msg: &ChainMessage) -> Result<ApplyRet>;
    /// Applies a system message (reward, cron), implicitly.
    fn apply_system(&mut self, msg: &Message) -> Result<ApplyRet>;
}

/// Applies system message `msg`, which must succeed; `what` names it in the error.
fn apply_system_ok(m: &mut impl MessageApplier, msg: &Message, what: &str) -> Result<ApplyRet> {
    let ret = m.apply_system(msg)?;
    if !ret.receipt.exit_code.is_success() {
        bail!(
            "{what} failed (exit {}): {}",
            ret.receipt.exit_code,
            ret.error.unwrap_or_default()
        );
    }
    Ok(ret)
}

/// Runs the cron tick of `epoch` (a null round's, or a tipset's last step), recorded
/// in `implicit` after `before` explicit messages.
pub fn run_cron(
    m: &mut impl MessageApplier,
    epoch: ChainEpoch,
    before: usize,
    implicit: &mut Vec<ImplicitApplied>,
) -> Result<()> {
    let message = cron_message(epoch);
    let ret = apply_system_ok(m, &message, &format!("cron at epoch {epoch}"))?;
    implicit.push(ImplicitApplied {
        before,
        message,
        ret,
    });
    Ok(())
}

/// Lotus's `ApplyBlocks` at the tipset's epoch, for either engine: each block's
/// `selected` messages in order, each message once in the tipset, then the block's
/// reward with the tips and penalties its messages earned; then cron. Answers the
/// applied messages with their results, in receipt order; the implicit ones go to
/// `implicit`.
pub fn apply_blocks(
    m: &mut impl MessageApplier,
    blocks: &[BlockMessages],
    selected: Vec<Vec<&ChainMessage>>,
    epoch: ChainEpoch,
    implicit: &mut Vec<ImplicitApplied>,
) -> Result<Vec<(Cid, ApplyRet)>> {
    let mut applied = Vec::new();
    let mut seen = HashSet::new();
    for (b, msgs) in blocks.iter().zip(selected) {
        let mut gas_reward = TokenAmount::default();
        let mut penalty = TokenAmount::default();
        for cm in msgs {
            let cid = cm.cid();
            if !seen.insert(cid) {
                continue;
            }
            let ret = m
                .apply_explicit(cm)
                .with_context(|| format!("applying message {cid}"))?;
            gas_reward += &ret.gas.miner_tip;
            penalty += &ret.gas.miner_penalty;
            applied.push((cid, ret));
        }
        let message = reward_message(b, epoch, penalty, gas_reward)?;
        let ret = apply_system_ok(m, &message, &format!("the reward for {}", b.miner))?;
        implicit.push(ImplicitApplied {
            before: applied.len(),
            message,
            ret,
        });
    }
    run_cron(m, epoch, applied.len(), implicit)?;
    Ok(applied)
}

impl<BS: Blockstore> MessageApplier for Vm<'_, BS> {
    fn apply_explicit(&mut self, msg: &ChainMessage) -> Result<ApplyRet> {
        self.apply_message(msg.message(), msg.chain_length())
    }

    fn apply_system(&mut self, msg: &Message) -> Result<ApplyRet> {
        self.apply_implicit(msg)
    }
}

/// Lotus's message selection for a tipset (`BlockMsgsForTipset`): blocks in order, each
/// block's messages in order (BLS, then secp); per sender only the next nonce in
/// sequence is taken (the first message seen sets it). Senders are keyed by address as
/// written until an ID-addressed sender appears, then all by the ID `resolve` gives.
/// Answers each block's picked items; `message` reads an item's message.
pub fn select_messages<T, B: IntoIterator<Item = T>>(
    blocks: impl IntoIterator<Item = B>,
    message: impl Fn(&T) -> &Message,
    mut resolve: impl FnMut(&Address) -> Result<Address>,
) -> Result<Vec<Vec<T>>> {
    let mut next: HashMap<Address, u64> = HashMap::new();
    let mut use_ids = false;
    let mut out = Vec::new();
    for block in blocks {
        let mut picked = Vec::new();
        for item in block {
            let (from, sequence) = {
                let m = message(&item);
                (m.from, m.sequence)
            };
            let sender = if use_ids {
                resolve(&from)?
            } else if matches!(from.payload(), Payload::ID(_)) {
                use_ids = true;
                let mut re = HashMap::new();
                for (a, n) in next.drain() {
                    re.insert(resolve(&a)?, n);
                }
                next = re;
                resolve(&from)?
            } else {
                from
            };
            let expected = next.entry(sender).or_insert(sequence);
            if *expected != sequence {
                continue;
            }
            *expected += 1;
            picked.push(item);
        }
        out.push(picked);
    }
    Ok(out)
}

/// Picks the messages of `blocks` that execute ([`select_messages`]), senders resolved
/// in `vm`'s (the parent) state.
fn select<'m, BS: Blockstore>(
    vm: &Vm<'_, BS>,
    blocks: &'m [BlockMessages],
) -> Result<Vec<Vec<&'m ChainMessage>>> {
    select_messages(
        blocks.iter().map(|b| b.messages.iter()),
        |cm: &&ChainMessage| cm.message(),
        |a| {
            let id = vm
                .lookup_id(a)?
                .with_context(|| format!("failed to resolve sender {a}"))?;
            Ok(Address::new_id(id))
        },
    )
}

/// Executes a tipset at `env.epoch` on the state `parent_state` of its parent (at
/// `parent_epoch`): cron for every null round in between, then each block's
/// messages and reward, then cron. New blocks go to `store`: only those reachable
/// from the returned roots.
pub fn execute_tipset<BS: Blockstore>(
    store: &BS,
    parent_state: &Cid,
    parent_epoch: ChainEpoch,
    blocks: &[BlockMessages],
    env: VmEnv,
) -> Result<TipsetResult> {
    let epoch = env.epoch;
    if epoch <= parent_epoch {
        bail!("tipset epoch {epoch} is not after its parent's {parent_epoch}");
    }
    let buf = Rc::new(BufferedStore::new(store));
    let mut root = *parent_state;
    let mut implicit = Vec::new();
    for null in parent_epoch + 1..epoch {
        let mut vm = Vm::new_buffered(
            buf.clone(),
            &root,
            VmEnv {
                epoch: null,
                ..env.clone()
            },
        )?;
        run_cron(&mut vm, null, 0, &mut implicit)?;
        root = vm.flush_buffered()?;
    }

    let mut vm = Vm::new_buffered(buf.clone(), &root, env)?;
    let selected = {
        let parent_vm = Vm::new_buffered(buf.clone(), parent_state, vm.env().clone())?;
        select(&parent_vm, blocks)?
    };
    let applied = apply_blocks(&mut vm, blocks, selected, epoch, &mut implicit)?;
    let state_root = vm.flush_buffered()?;

    let mut receipts: Amtv0<Receipt, _> = Amtv0::new(&*buf);
    for (i, (_, r)) in applied.iter().enumerate() {
        receipts.set(i as u64, r.receipt.clone())?;
    }
    let receipts_root = receipts.flush()?;
    buf.flush_reachable(&state_root)?;
    buf.flush_reachable(&receipts_root)?;
    Ok(TipsetResult {
        state_root,
        receipts_root,
        applied,
        implicit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(from: u64, nonce: u64) -> Message {
        Message {
            version: 0,
            to: Address::new_id(ids::BURNT_FUNDS),
            from: Address::new_id(from),
            sequence: nonce,
            value: TokenAmount::from_atto(1),
            method_num: method::SEND,
            params: Default::default(),
            gas_limit: 1000,
            gas_fee_cap: TokenAmount::from_atto(1),
            gas_premium: TokenAmount::from_atto(1),
        }
    }

    #[test]
    fn selection_takes_each_senders_nonces_in_sequence() {
        let robust = Address::new_secp256k1(&[3u8; 65]).unwrap();
        let mut r0 = msg(0, 5);
        r0.from = robust;
        let mut r1 = msg(0, 6);
        r1.from = robust;
        let blocks = vec![
            vec![(1, r0.clone()), (2, msg(7, 0)), (3, msg(7, 2))],
            // Duplicate of message 1, then the robust sender's next nonce by ID.
            vec![(4, r0), (5, msg(100, 6)), (6, msg(7, 1)), (7, r1)],
        ];
        let picked = select_messages(
            blocks,
            |(_, m): &(i32, Message)| m,
            |a| {
                Ok(if *a == robust {
                    Address::new_id(100)
                } else {
                    *a
                })
            },
        )
        .unwrap();
        let tags: Vec<Vec<i32>> = picked
            .iter()
            .map(|b| b.iter().map(|(t, _)| *t).collect())
            .collect();
        // 3 skipped (gap), 4 duplicate nonce, 5 is f0100 nonce 6 (next after the robust
        // address's 5, once senders are keyed by ID), 6 next for f07, 7 repeats nonce 6.
        assert_eq!(tags, vec![vec![1, 2], vec![5, 6]]);
    }
}
