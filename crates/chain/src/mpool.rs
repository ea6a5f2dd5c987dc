//! The message pool: signed messages waiting for inclusion, per sender by nonce, with
//! Lotus's admission rules (size, syntax, minimum fee cap, signature, nonce and nonce
//! gaps, funds including pending messages, per-sender limits, replace-by-fee with a
//! 10% premium bump) and a global bound that evicts the cheapest messages first, so
//! a flood cannot grow it without limit. What may be included is decided by
//! [`crate::inclusion`], the rule block validation applies. Messages pushed through
//! the node's API are kept on disk ([`local`]) and come back after a restart.

mod local;
mod select;

use crate::inclusion::{chain_length, check_syntax, SenderLookup};
use cid::Cid;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::econ::TokenAmount;
use local::LocalStore;
use padma_types::crypto::verify_signature;
use padma_types::message::{message_signing_bytes, required_funds};
use padma_types::SignedMessage;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use tokio::sync::broadcast;

pub use select::select_messages;

/// Largest signed message accepted, in bytes (Lotus `MaxMessageSize`).
pub const MAX_MESSAGE_SIZE: usize = 64 << 10;

/// The head state the pool checks messages against.
pub trait MpoolState: SenderLookup + Send + Sync {
    /// The nonce of the actor at `addr` in the head state (0 when it does not exist).
    fn nonce(&self, addr: &Address) -> anyhow::Result<u64>;
    /// The balance of the actor at `addr` (0 when it does not exist).
    fn balance(&self, addr: &Address) -> anyhow::Result<TokenAmount>;
    /// The key (f1/f3) address behind `addr`; key addresses map to themselves.
    fn key_address(&self, addr: &Address) -> anyhow::Result<Address>;
}

/// Pool limits.
#[derive(Clone, Debug, PartialEq)]
pub struct MpoolConfig {
    /// Pending messages per sender from local clients.
    pub max_per_sender: usize,
    /// Pending messages per sender from the network.
    pub max_per_untrusted_sender: usize,
    /// How far ahead of the next nonce a local message may be.
    pub max_nonce_gap: u64,
    /// Messages in the whole pool.
    pub max_total: usize,
    /// The lowest fee cap accepted (Lotus `MinimumBaseFee`).
    pub min_gas_fee_cap: TokenAmount,
    /// Replace-by-fee: the new premium must be at least this percentage of the old, plus one.
    pub rbf_percent: u64,
}

impl Default for MpoolConfig {
    fn default() -> Self {
        MpoolConfig {
            max_per_sender: 1000,
            max_per_untrusted_sender: 100,
            max_nonce_gap: 4,
            max_total: 20_000,
            min_gas_fee_cap: TokenAmount::from_atto(100),
            rbf_percent: 110,
        }
    }
}

/// Why a message was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MpoolError {
    /// Over [`MAX_MESSAGE_SIZE`].
    #[error("mpool message too large ({0}B): message too big")]
    TooBig(usize),
    /// Failed the syntactic checks.
    #[error("message not valid for block inclusion: {0}")]
    Invalid(String),
    /// Fee cap under the minimum base fee.
    #[error("gas fee cap too low")]
    FeeCapTooLow,
    /// Bad signature.
    #[error("signature verification failed: {0}")]
    BadSignature(String),
    /// Nonce already used on chain.
    #[error("minimum expected nonce is {expected}, got {got}: message nonce too low")]
    NonceTooLow {
        /// The next nonce the chain expects.
        expected: u64,
        /// The message's nonce.
        got: u64,
    },
    /// Nonce too far ahead.
    #[error("message nonce has too big a gap from expected nonce (Nonce: {got}, nextNonce: {next}): unfulfilled nonce gap")]
    NonceGap {
        /// The message's nonce.
        got: u64,
        /// The next nonce without a gap.
        next: u64,
    },
    /// The same message is already pending.
    #[error("message from {from} with nonce {nonce} already in mpool")]
    Duplicate {
        /// Sender.
        from: String,
        /// Nonce.
        nonce: u64,
    },
    /// A replacement without enough premium.
    #[error("message from {from} with nonce {nonce} already in mpool, increase GasPremium to {min} from {got} to trigger replace by fee: replace by fee has too low GasPremium")]
    RbfTooLow {
        /// Sender.
        from: String,
        /// Nonce.
        nonce: u64,
        /// Premium needed.
        min: TokenAmount,
        /// Premium given.
        got: TokenAmount,
    },
    /// Sender cannot pay.
    #[error("not enough funds (required: {required}, balance: {balance}): not enough funds to execute transaction")]
    NotEnoughFunds {
        /// What the message (and the sender's pending ones) need.
        required: TokenAmount,
        /// What the sender has.
        balance: TokenAmount,
    },
    /// Per-sender limit reached.
    #[error("too many pending messages for actor")]
    TooManyPending,
    /// Pool full of better-paying messages.
    #[error("message pool is full and the message pays less than every evictable message")]
    PoolFull,
    /// The head state could not be read.
    #[error("failed to read the head state: {0}")]
    State(String),
    /// A local message could not be saved durably.
    #[error("failed to save the message: {0}")]
    Persist(String),
}

/// A change to the pool, as `MpoolSub` reports it (0 = added, 1 = removed).
#[derive(Clone, Debug)]
pub struct MpoolUpdate {
    /// 0 for an added message, 1 for a removed one.
    pub kind: u8,
    /// The message.
    pub message: SignedMessage,
}

struct SenderSet {
    msgs: BTreeMap<u64, SignedMessage>,
    trusted: bool,
}

#[derive(Default)]
struct Inner {
    senders: HashMap<Address, SenderSet>,
    total: usize,
    local: Option<LocalStore>,
}

/// The message pool over a head state.
pub struct MessagePool<S> {
    state: S,
    config: MpoolConfig,
    inner: Mutex<Inner>,
    updates: broadcast::Sender<MpoolUpdate>,
}

/// The smallest premium that replaces a message paying `premium`.
pub fn min_rbf_premium(premium: &TokenAmount, percent: u64) -> TokenAmount {
    TokenAmount::from_atto(premium.atto() * percent / 100u32) + TokenAmount::from_atto(1)
}

impl<S: MpoolState> MessagePool<S> {
    /// An empty pool.
    pub fn new(state: S, config: MpoolConfig) -> Self {
        let (updates, _) = broadcast::channel(1024);
        MessagePool {
            state,
            config,
            inner: Mutex::new(Inner::default()),
            updates,
        }
    }

    /// The head state the pool reads.
    pub fn state(&self) -> &S {
        &self.state
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks that `m` could ever be included: size, the inclusion rule's syntax
    /// (with the minimum gas of its on-chain length), fee cap, signature.
    fn check_message(&self, m: &SignedMessage, key: &Address) -> Result<(), MpoolError> {
        let size = m.cbor().len();
        if size > MAX_MESSAGE_SIZE {
            return Err(MpoolError::TooBig(size));
        }
        check_syntax(&m.message, chain_length(m)).map_err(MpoolError::Invalid)?;
        if m.message.gas_fee_cap < self.config.min_gas_fee_cap {
            return Err(MpoolError::FeeCapTooLow);
        }
        verify_signature(&m.signature, key, &message_signing_bytes(&m.message))
            .map_err(|e| MpoolError::BadSignature(e.to_string()))
    }

    /// Adds a message; `trusted` is for local clients (larger limits, nonce gaps allowed).
    /// Returns the signed message's CID.
    pub fn push(&self, m: SignedMessage, trusted: bool) -> Result<Cid, MpoolError> {
        self.add(m, trusted, false)
    }

    /// Adds a message pushed to this node by a client: as [`MessagePool::push`], and
    /// saved durably (when the pool keeps local messages) before the CID is returned.
    pub fn push_local(&self, m: SignedMessage, trusted: bool) -> Result<Cid, MpoolError> {
        self.add(m, trusted, true)
    }

    fn add(&self, m: SignedMessage, trusted: bool, local: bool) -> Result<Cid, MpoolError> {
        let state_err = |e: anyhow::Error| MpoolError::State(format!("{e:#}"));
        let from = m.message.from;
        let key = match from.protocol() {
            Protocol::Secp256k1 | Protocol::BLS => from,
            _ => self.state.key_address(&from).map_err(state_err)?,
        };
        self.check_message(&m, &key)?;
        let state_nonce = self.state.nonce(&from).map_err(state_err)?;
        let balance = self.state.balance(&from).map_err(state_err)?;
        let nonce = m.message.sequence;
        if nonce < state_nonce {
            return Err(MpoolError::NonceTooLow {
                expected: state_nonce,
                got: nonce,
            });
        }
        let cid = m.cid();
        let mut inner = self.lock();
        let set = inner.senders.get(&from);
        let next = next_nonce(set, state_nonce);
        let max_gap = if trusted {
            self.config.max_nonce_gap
        } else {
            0
        };
        if nonce > next + max_gap {
            return Err(MpoolError::NonceGap { got: nonce, next });
        }
        let existing = set.and_then(|s| s.msgs.get(&nonce));
        if let Some(old) = existing {
            if old.cid() == cid {
                return Err(MpoolError::Duplicate {
                    from: from.to_string(),
                    nonce,
                });
            }
            if nonce > next {
                return Err(MpoolError::NonceGap { got: nonce, next });
            }
            let min = min_rbf_premium(&old.message.gas_premium, self.config.rbf_percent);
            if m.message.gas_premium < min {
                return Err(MpoolError::RbfTooLow {
                    from: from.to_string(),
                    nonce,
                    min,
                    got: m.message.gas_premium.clone(),
                });
            }
        } else {
            let limit = if trusted {
                self.config.max_per_sender
            } else {
                self.config.max_per_untrusted_sender
            };
            if set.map_or(0, |s| s.msgs.len()) >= limit {
                return Err(MpoolError::TooManyPending);
            }
        }
        // Funds: this message plus every other pending message of the sender.
        let pending: TokenAmount = set
            .map(|s| {
                s.msgs
                    .iter()
                    .filter(|(n, _)| **n != nonce)
                    .map(|(_, p)| required_funds(&p.message))
                    .sum()
            })
            .unwrap_or_default();
        let required = required_funds(&m.message) + pending;
        if balance < required {
            return Err(MpoolError::NotEnoughFunds { required, balance });
        }
        if let Some(sender) = self.state.sender(&from).map_err(state_err)? {
            if !sender.can_send {
                return Err(MpoolError::Invalid(format!(
                    "message sender {from} cannot send messages"
                )));
            }
        }
        let evict = existing.is_none() && inner.total >= self.config.max_total;
        if let (true, Some(store)) = (local, inner.local.as_mut()) {
            store
                .save(&m)
                .map_err(|e| MpoolError::Persist(format!("{e:#}")))?;
        }
        if evict {
            if let Err(e) = self.evict_cheapest(&mut inner, &m) {
                if let Some(store) = inner.local.as_mut() {
                    store.remove(&cid);
                }
                return Err(e);
            }
        }
        let set = inner.senders.entry(from).or_insert_with(|| SenderSet {
            msgs: BTreeMap::new(),
            trusted,
        });
        set.trusted |= trusted;
        let replaced = set.msgs.insert(nonce, m.clone());
        match replaced {
            Some(old) => self.removed(&mut inner, old),
            None => inner.total += 1,
        }
        drop(inner);
        let _ = self.updates.send(MpoolUpdate {
            kind: 0,
            message: m,
        });
        Ok(cid)
    }

    /// Makes room by dropping the untrusted sender tail message with the lowest premium,
    /// if it pays less than `incoming`.
    fn evict_cheapest(
        &self,
        inner: &mut Inner,
        incoming: &SignedMessage,
    ) -> Result<(), MpoolError> {
        let victim = inner
            .senders
            .iter()
            .filter(|(_, s)| !s.trusted)
            .filter_map(|(a, s)| {
                s.msgs
                    .iter()
                    .next_back()
                    .map(|(n, m)| (*a, *n, m.message.gas_premium.clone()))
            })
            .min_by(|a, b| a.2.cmp(&b.2));
        match victim {
            Some((addr, nonce, premium)) if premium < incoming.message.gas_premium => {
                self.take(inner, &addr, nonce);
                Ok(())
            }
            _ => Err(MpoolError::PoolFull),
        }
    }

    /// The next nonce for `addr`: past the state nonce and every consecutive pending message.
    pub fn get_nonce(&self, addr: &Address) -> Result<u64, MpoolError> {
        let state_nonce = self
            .state
            .nonce(addr)
            .map_err(|e| MpoolError::State(format!("{e:#}")))?;
        Ok(next_nonce(self.lock().senders.get(addr), state_nonce))
    }

    /// All pending messages, by sender and nonce.
    pub fn pending(&self) -> Vec<SignedMessage> {
        let inner = self.lock();
        let mut out: Vec<SignedMessage> = inner
            .senders
            .values()
            .flat_map(|s| s.msgs.values().cloned())
            .collect();
        out.sort_by(|a, b| {
            (a.message.from.to_bytes(), a.message.sequence)
                .cmp(&(b.message.from.to_bytes(), b.message.sequence))
        });
        out
    }

    /// Number of pending messages.
    pub fn len(&self) -> usize {
        self.lock().total
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Updates the pool for a head change: messages of applied blocks leave it, and
    /// so does every message whose nonce the chain has passed; those of
    /// reverted blocks come back (when still valid against the new head), local ones
    /// saved again.
    pub fn head_changed(&self, reverted: &[SignedMessage], applied: &[SignedMessage]) {
        {
            let mut inner = self.lock();
            for m in applied {
                if let Some(store) = inner.local.as_mut() {
                    store.mark_included(&m.cid());
                }
                self.take(&mut inner, &m.message.from, m.message.sequence);
            }
            // Every sender: one may be pending under both its key and its ID address.
            if !applied.is_empty() {
                let senders: Vec<Address> = inner.senders.keys().copied().collect();
                for from in senders {
                    self.prune_stale(&mut inner, &from);
                }
            }
        }
        for m in reverted {
            let cid = m.cid();
            let local = self
                .lock()
                .local
                .as_ref()
                .is_some_and(|s| s.was_included(&cid));
            let _ = self.add(m.clone(), true, local);
        }
    }

    /// Drops the messages of `from` whose nonce is below its state nonce.
    fn prune_stale(&self, inner: &mut Inner, from: &Address) {
        let Some(set) = inner.senders.get(from) else {
            return;
        };
        let state_nonce = match self.state.nonce(from) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(%from, "mpool: reading the sender's nonce: {e:#}");
                return;
            }
        };
        let stale: Vec<u64> = set.msgs.range(..state_nonce).map(|(n, _)| *n).collect();
        for nonce in stale {
            tracing::info!(%from, nonce, "mpool: dropping a message whose nonce is already used on chain");
            self.take(inner, from, nonce);
        }
    }

    /// Removes the message of `addr` at `nonce`, if it is pending.
    fn take(&self, inner: &mut Inner, addr: &Address, nonce: u64) {
        let Some(set) = inner.senders.get_mut(addr) else {
            return;
        };
        let Some(old) = set.msgs.remove(&nonce) else {
            return;
        };
        if set.msgs.is_empty() {
            inner.senders.remove(addr);
        }
        inner.total -= 1;
        self.removed(inner, old);
    }

    /// Reports a message that left the pool and forgets its saved copy.
    fn removed(&self, inner: &mut Inner, m: SignedMessage) {
        if let Some(store) = inner.local.as_mut() {
            store.remove(&m.cid());
        }
        let _ = self.updates.send(MpoolUpdate {
            kind: 1,
            message: m,
        });
    }

    /// Puts `m` in the pool without any check, as a message that admission should
    /// have refused.
    #[cfg(test)]
    fn inject(&self, m: SignedMessage) {
        let mut inner = self.lock();
        let set = inner
            .senders
            .entry(m.message.from)
            .or_insert_with(|| SenderSet {
                msgs: BTreeMap::new(),
                trusted: true,
            });
        if set.msgs.insert(m.message.sequence, m).is_none() {
            inner.total += 1;
        }
    }

    /// Subscribes to pool changes.
    pub fn subscribe(&self) -> broadcast::Receiver<MpoolUpdate> {
        self.updates.subscribe()
    }
}

fn next_nonce(set: Option<&SenderSet>, state_nonce: u64) -> u64 {
    let mut next = state_nonce;
    if let Some(s) = set {
        while s.msgs.contains_key(&next) {
            next += 1;
        }
    }
    next
}

#[cfg(test)]
mod local_tests;
#[cfg(test)]
mod tests;
