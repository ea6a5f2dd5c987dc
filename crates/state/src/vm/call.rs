//! Sends between actors: address resolution, implicit account creation, value
//! transfer and method invocation, each send in its own state transaction (the
//! FVM's call manager semantics).

use super::gas::{PRELOADED_ACTORS, PRICES};
use super::layers::LayeredTree;
use super::{Vm, MAX_CALL_DEPTH};
use crate::actors::{self, ids};
use crate::code::ActorKind;
use crate::ipld::{empty_array_cid, get_cbor, put_cbor};
use crate::runtime::Runtime;
use crate::tree::ActorState;
use anyhow::{anyhow, Result};
use cid::Cid;
use fil_actor_init_state::v18::State as InitState;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::{ActorID, MethodNum};

/// Why a send did not produce an exit code.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The send could not be dispatched (the FVM's syscall errors): no such
    /// receiver, insufficient funds, call depth exceeded…
    Syscall(ErrorNumber, String),
    /// The message aborts: out of gas or a fatal error (recorded in the meter).
    Abort,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Syscall(n, m) => write!(f, "{m} ({n})"),
            CallError::Abort => write!(f, "message aborted"),
        }
    }
}

/// The outcome of a dispatched send.
#[derive(Debug)]
pub(crate) struct CallResult {
    pub exit_code: ExitCode,
    pub ret: Option<IpldBlock>,
    pub error: Option<String>,
}

impl CallResult {
    fn ok(ret: Option<IpldBlock>) -> Self {
        CallResult {
            exit_code: ExitCode::OK,
            ret,
            error: None,
        }
    }
}

fn syscall(n: ErrorNumber, msg: impl Into<String>) -> CallError {
    CallError::Syscall(n, msg.into())
}

/// Resolves `addr` to an ID through the init actor's address map (uncharged).
pub(crate) fn lookup_id<BS: Blockstore, S: Blockstore>(
    state: &LayeredTree<BS>,
    store: &S,
    addr: &Address,
) -> Result<Option<ActorID>> {
    if let Payload::ID(id) = addr.payload() {
        return Ok(Some(*id));
    }
    let Some(init) = state.get(ids::INIT)? else {
        return Ok(None);
    };
    let st: InitState = get_cbor(store, &init.state)?;
    let found = st
        .resolve_address(store, addr)
        .map_err(|e| anyhow!("resolving {addr}: {e}"))?;
    Ok(found.and_then(|a| a.id().ok()))
}

impl<BS: Blockstore> Vm<'_, BS> {
    /// Charges gas, turning exhaustion into an abort.
    pub(crate) fn charge(&self, gas: u64) -> Result<(), CallError> {
        self.msg.meter.gas.charge(gas).map_err(|_| CallError::Abort)
    }

    /// Turns a state error into an abort (recorded as fatal).
    fn fatal(&self, e: anyhow::Error) -> CallError {
        self.msg.meter.set_fatal(format!("{e:#}"));
        CallError::Abort
    }

    /// Reads an actor, charging the first lookup of a non-preloaded actor.
    pub(crate) fn actor_charged(&self, id: ActorID) -> Result<Option<ActorState>, CallError> {
        if !PRELOADED_ACTORS.contains(&id) && !self.msg.access.borrow().contains_key(&id) {
            self.charge(PRICES.actor_lookup)?;
            self.msg.access.borrow_mut().insert(id, false);
        }
        self.state.get(id).map_err(|e| self.fatal(e))
    }

    /// Writes an actor, charging its lookup and first update in this message.
    pub(crate) fn set_actor_charged(
        &mut self,
        id: ActorID,
        a: ActorState,
    ) -> Result<(), CallError> {
        let seen = self.msg.access.borrow().get(&id).copied();
        if seen.is_none() && !PRELOADED_ACTORS.contains(&id) {
            self.charge(PRICES.actor_lookup)?;
        }
        if seen != Some(true) {
            self.charge(PRICES.actor_update)?;
            self.msg.access.borrow_mut().insert(id, true);
        }
        self.state.set(id, a).map_err(|e| self.fatal(e))
    }

    /// Replaces an actor's state root.
    pub(crate) fn set_head_charged(&mut self, id: ActorID, head: Cid) -> Result<(), CallError> {
        let mut a = self
            .actor_charged(id)?
            .ok_or_else(|| syscall(ErrorNumber::NotFound, format!("actor {id} not found")))?;
        a.state = head;
        self.set_actor_charged(id, a)
    }

    /// Resolves an address, charging the first resolution of a non-ID address.
    pub(crate) fn resolve_charged(&self, addr: &Address) -> Result<Option<ActorID>, CallError> {
        if let Payload::ID(id) = addr.payload() {
            return Ok(Some(*id));
        }
        if !self.msg.resolved.borrow().contains(addr) {
            self.charge(PRICES.address_lookup)?;
        }
        let id = lookup_id(&self.state, &*self.store, addr).map_err(|e| self.fatal(e))?;
        if id.is_some() {
            self.msg.resolved.borrow_mut().insert(*addr);
        }
        Ok(id)
    }

    /// Sends `value` and invokes `method` on `to`, in a state transaction that is
    /// reverted unless the call succeeds.
    pub(crate) fn call_actor(
        &mut self,
        from: ActorID,
        to: &Address,
        method: MethodNum,
        params: Option<IpldBlock>,
        value: &TokenAmount,
    ) -> Result<CallResult, CallError> {
        if self.msg.depth >= MAX_CALL_DEPTH {
            return Err(syscall(
                ErrorNumber::LimitExceeded,
                "message execution exceeds call depth",
            ));
        }
        self.msg.depth += 1;
        self.state.begin();
        let events_before = self.msg.events.len();
        let r = self.call_unchecked(from, to, method, params, value);
        let commit = matches!(&r, Ok(c) if c.exit_code.is_success()) && !self.msg.meter.aborted();
        if !commit {
            self.msg.events.truncate(events_before);
        }
        let ended = self.state.end(commit);
        self.msg.depth -= 1;
        ended.map_err(|e| self.fatal(e))?;
        if self.msg.meter.aborted() {
            return Err(CallError::Abort);
        }
        r
    }

    fn call_unchecked(
        &mut self,
        from: ActorID,
        to: &Address,
        method: MethodNum,
        params: Option<IpldBlock>,
        value: &TokenAmount,
    ) -> Result<CallResult, CallError> {
        let to_id = match self.resolve_charged(to)? {
            Some(id) => id,
            None => match to.payload() {
                Payload::BLS(_) | Payload::Secp256k1(_) => self.create_account(to)?,
                Payload::Delegated(d) if d.namespace() == ids::EAM => {
                    self.create_placeholder(to)?
                }
                _ => {
                    return Err(syscall(
                        ErrorNumber::NotFound,
                        format!("actor {to} does not exist and cannot be created"),
                    ))
                }
            },
        };
        self.call_resolved(from, to_id, method, params, value)
    }

    fn call_resolved(
        &mut self,
        from: ActorID,
        to: ActorID,
        method: MethodNum,
        params: Option<IpldBlock>,
        value: &TokenAmount,
    ) -> Result<CallResult, CallError> {
        let actor = self
            .actor_charged(to)?
            .ok_or_else(|| syscall(ErrorNumber::NotFound, format!("actor {to} does not exist")))?;
        if !value.is_zero() {
            self.charge(PRICES.send_transfer_funds)?;
            self.transfer(from, to, value)?;
        }
        if method == actors::method::SEND {
            return Ok(CallResult::ok(None));
        }
        self.charge(PRICES.send_invoke_method + PRICES.native_invocation)?;
        let Some(kind) = ActorKind::from_code(&actor.code) else {
            return Ok(CallResult {
                exit_code: ExitCode::SYS_INVALID_RECEIVER,
                ret: None,
                error: Some(format!("actor {to} has unknown code {}", actor.code)),
            });
        };
        let top_level = self.msg.depth == 1;
        let mut rt = Runtime::new(self, from, to, value.clone(), method);
        let res = actors::invoke(kind, &mut rt, method, params);
        if self.msg.meter.aborted() {
            return Err(CallError::Abort);
        }
        let out = match res {
            Ok(ret) => CallResult::ok(ret),
            Err(mut e) => {
                let code = e.exit_code();
                CallResult {
                    // Actors may not exit with system codes (or OK) on error.
                    exit_code: if code.is_system_error() || code.is_success() {
                        ExitCode::SYS_ILLEGAL_EXIT_CODE
                    } else {
                        code
                    },
                    ret: e.take_data(),
                    error: Some(format!("{} (method {method} on f0{to})", e.msg())),
                }
            }
        };
        if top_level {
            if let Some(r) = &out.ret {
                self.charge(PRICES.on_chain_return(r.data.len()))?;
            }
        }
        Ok(out)
    }

    /// Moves `value` from `from` to `to`.
    fn transfer(
        &mut self,
        from: ActorID,
        to: ActorID,
        value: &TokenAmount,
    ) -> Result<(), CallError> {
        if value.is_negative() {
            return Err(syscall(
                ErrorNumber::IllegalArgument,
                format!("negative transfer {value}"),
            ));
        }
        let mut src = self
            .actor_charged(from)?
            .filter(|a| &a.balance >= value)
            .ok_or_else(|| {
                syscall(
                    ErrorNumber::InsufficientFunds,
                    format!("f0{from} cannot transfer {value} to f0{to}"),
                )
            })?;
        if from == to {
            return Ok(());
        }
        let mut dst = self.actor_charged(to)?.ok_or_else(|| {
            syscall(
                ErrorNumber::NotFound,
                format!("transfer recipient f0{to} not found"),
            )
        })?;
        src.balance -= value;
        dst.balance += value;
        self.set_actor_charged(from, src)?;
        self.set_actor_charged(to, dst)
    }

    /// Assigns the next ID to `addr` in the init actor's map.
    fn register_address(&mut self, addr: &Address) -> Result<ActorID, CallError> {
        let store = self.store.clone();
        let mut init = self
            .state
            .get(ids::INIT)
            .map_err(|e| self.fatal(e))?
            .ok_or_else(|| self.fatal(anyhow!("no init actor")))?;
        let mut st: InitState = get_cbor(&*store, &init.state).map_err(|e| self.fatal(e))?;
        let (id, _) = st
            .map_addresses_to_id(&*store, addr, None)
            .map_err(|e| self.fatal(anyhow!("registering {addr}: {e}")))?;
        init.state = put_cbor(&*store, &st).map_err(|e| self.fatal(e))?;
        self.state.set(ids::INIT, init).map_err(|e| self.fatal(e))?;
        self.msg.resolved.borrow_mut().insert(*addr);
        Ok(id)
    }

    /// Creates an account actor for a key address and runs its constructor.
    fn create_account(&mut self, addr: &Address) -> Result<ActorID, CallError> {
        if addr.is_bls_zero_address() {
            return Err(syscall(
                ErrorNumber::IllegalArgument,
                "cannot create the BLS zero address actor",
            ));
        }
        self.charge(PRICES.on_create_actor(true))?;
        let id = self.register_address(addr)?;
        let actor = ActorState::new_empty(ActorKind::Account.code(), None);
        self.set_actor_charged(id, actor)?;
        let params = IpldBlock::serialize_cbor(addr)
            .map_err(|e| syscall(ErrorNumber::IllegalArgument, e.to_string()))?;
        self.call_resolved(
            ids::SYSTEM,
            id,
            actors::method::CONSTRUCTOR,
            params,
            &TokenAmount::default(),
        )?;
        Ok(id)
    }

    /// Creates a placeholder actor for an f4 address.
    fn create_placeholder(&mut self, addr: &Address) -> Result<ActorID, CallError> {
        self.charge(PRICES.on_create_actor(true))?;
        let id = self.register_address(addr)?;
        let actor = ActorState::new_empty(ActorKind::Placeholder.code(), Some(*addr));
        self.set_actor_charged(id, actor)?;
        Ok(id)
    }

    /// Creates an empty actor at `id` (for the init actor's Exec).
    pub(crate) fn create_actor(
        &mut self,
        code: Cid,
        id: ActorID,
        delegated: Option<Address>,
    ) -> Result<(), CallError> {
        let actor = match self.actor_charged(id)? {
            Some(a) if a.code == ActorKind::Placeholder.code() => {
                if a.delegated_address != delegated {
                    return Err(syscall(
                        ErrorNumber::Forbidden,
                        "placeholder has a different delegated address",
                    ));
                }
                ActorState { code, ..a }
            }
            Some(_) => {
                return Err(syscall(
                    ErrorNumber::Forbidden,
                    format!("actor f0{id} already exists"),
                ))
            }
            None => {
                self.charge(PRICES.on_create_actor(false))?;
                ActorState::new(
                    code,
                    empty_array_cid(),
                    TokenAmount::default(),
                    0,
                    delegated,
                )
            }
        };
        self.set_actor_charged(id, actor)?;
        self.msg.actors_created += 1;
        Ok(())
    }
}
