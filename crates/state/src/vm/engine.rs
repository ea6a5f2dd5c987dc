//! The execution engine interface: what the chain asks of whichever engine a network
//! runs on — padma's native actors ([`NativeEngine`]) or the FVM with the official
//! actors bundle (`padma-fvm`).

use super::apply::{ApplyRet, InvocResult};
use super::tipset::{BlockMessages, ChainMessage, TipsetResult};
use super::VmEnv;
use anyhow::Result;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::message::Message;

/// Executes messages on states in a blockstore of type `BS`.
pub trait Engine<BS: Blockstore>: Send + Sync {
    /// A short name for logs and errors (`native`, `fvm`).
    fn name(&self) -> &'static str;

    /// Executes a tipset at `env.epoch` on its parent's state `parent_state` (at
    /// `parent_epoch`): cron for every null round in between, each block's messages
    /// and reward, then cron; new blocks reachable from the roots go to `store`.
    fn execute_tipset(
        &self,
        store: &BS,
        parent_state: &Cid,
        parent_epoch: ChainEpoch,
        blocks: &[BlockMessages],
        env: VmEnv,
    ) -> Result<TipsetResult>;

    /// `StateCall`: `msg` applied implicitly to `root`, nothing committed.
    fn call(&self, store: &BS, root: &Cid, msg: &Message, env: VmEnv) -> Result<InvocResult>;

    /// Lotus's `CallWithGas`: `prior` then `msg` applied as on-chain messages to
    /// `root`, nothing committed (gas estimation's trial run).
    fn call_explicit(
        &self,
        store: &BS,
        root: &Cid,
        prior: &[ChainMessage],
        msg: &ChainMessage,
        env: VmEnv,
    ) -> Result<InvocResult>;

    /// `StateCompute`'s last step: `msgs` applied in order as on-chain messages to
    /// `root` in one machine, the new state written to `store`; the new root and each
    /// message's result.
    fn apply_on(
        &self,
        store: &BS,
        root: &Cid,
        msgs: &[ChainMessage],
        env: VmEnv,
    ) -> Result<(Cid, Vec<ApplyRet>)>;
}

/// padma's native re-implementation of the actors, charged from its own gas table.
/// An offline fallback: gas and state roots differ from the FVM's for actor calls.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeEngine;

impl<BS: Blockstore> Engine<BS> for NativeEngine {
    fn name(&self) -> &'static str {
        "native"
    }

    fn execute_tipset(
        &self,
        store: &BS,
        parent_state: &Cid,
        parent_epoch: ChainEpoch,
        blocks: &[BlockMessages],
        env: VmEnv,
    ) -> Result<TipsetResult> {
        super::execute_tipset(store, parent_state, parent_epoch, blocks, env)
    }

    fn call(&self, store: &BS, root: &Cid, msg: &Message, env: VmEnv) -> Result<InvocResult> {
        super::call(store, root, msg, env)
    }

    fn call_explicit(
        &self,
        store: &BS,
        root: &Cid,
        prior: &[ChainMessage],
        msg: &ChainMessage,
        env: VmEnv,
    ) -> Result<InvocResult> {
        super::call_explicit(store, root, prior, msg, env)
    }

    fn apply_on(
        &self,
        store: &BS,
        root: &Cid,
        msgs: &[ChainMessage],
        env: VmEnv,
    ) -> Result<(Cid, Vec<ApplyRet>)> {
        let mut vm = super::Vm::new(store, root, env)?;
        let rets = msgs
            .iter()
            .map(|m| vm.apply_message(m.message(), m.chain_length()))
            .collect::<Result<Vec<_>>>()?;
        Ok((vm.flush()?, rets))
    }
}
