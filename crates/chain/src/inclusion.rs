//! The one rule for which messages a block may carry. Block validation checks a
//! block's messages with it, the message pool admits messages with its stateless part
//! and filters its block selection with the whole of it, so the pool can never offer
//! a message that makes the node's own block invalid.
//!
//! Stateless: syntax (Lotus `ValidForBlockInclusion` with the minimum gas of storing
//! the message on chain, by its on-chain length); signature kinds need no rule, as
//! messages here can only carry BLS or secp256k1 signatures. Against the
//! parent state: the sender exists and may send, nonces follow the sender's nonce
//! without gaps, and the block stays within its gas and message-count limits.

use crate::state_view::StateView;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use fvm_shared::crypto::signature::SignatureType;
use fvm_shared::message::Message;
use padma_state::vm::gas::PRICES;
use padma_state::ActorKind;
use padma_types::message::{check_for_block_inclusion, message_cbor, BLOCK_GAS_LIMIT};
use padma_types::SignedMessage;
use std::collections::HashMap;

/// Most messages a block may carry (`BlockMessageLimit`).
pub const BLOCK_MESSAGE_LIMIT: usize = 10_000;

/// The length a message has on chain: the unsigned message for BLS (the block
/// aggregates the signatures), the signed message otherwise (Lotus `ChainLength`).
pub fn chain_length(m: &SignedMessage) -> usize {
    if m.signature.sig_type == SignatureType::BLS {
        message_cbor(&m.message).len()
    } else {
        m.cbor().len()
    }
}

/// The least gas limit a message of `chain_len` bytes may have: the cost of storing it.
pub fn min_gas_limit(chain_len: usize) -> u64 {
    PRICES.on_chain_message(chain_len)
}

/// The stateless checks of a message of `chain_len` bytes on chain.
pub fn check_syntax(m: &Message, chain_len: usize) -> Result<(), String> {
    check_for_block_inclusion(m, min_gas_limit(chain_len))
}

/// A message sender as the state a block's messages apply to knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    /// Its actor ID.
    pub id: u64,
    /// Its nonce (the nonce its next message must have).
    pub nonce: u64,
    /// Whether its actor kind may send messages (accounts and placeholders).
    pub can_send: bool,
}

/// What the stateful rule reads from a state.
pub trait SenderLookup {
    /// The sender at `addr`, or `None` when no actor is there.
    fn sender(&self, addr: &Address) -> anyhow::Result<Option<Sender>>;
}

impl<BS: Blockstore + Clone> SenderLookup for StateView<BS> {
    fn sender(&self, addr: &Address) -> anyhow::Result<Option<Sender>> {
        Ok(self.actor(addr)?.map(|(id, act)| Sender {
            id,
            nonce: act.sequence,
            can_send: matches!(
                ActorKind::from_code(&act.code),
                Some(ActorKind::Account | ActorKind::EthAccount | ActorKind::Placeholder)
            ),
        }))
    }
}

/// Why a message may not go into a block.
#[derive(Debug)]
pub enum Refusal {
    /// The message can never be included (syntax, signature kind, sender kind).
    Never(String),
    /// Not in this block (nonce, sender missing, block limits reached).
    NotHere(String),
    /// The state could not be read.
    State(anyhow::Error),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Never(m) | Refusal::NotHere(m) => f.write_str(m),
            Refusal::State(e) => write!(f, "{e:#}"),
        }
    }
}

/// Checks the messages of one block in order against the state they apply to; a
/// refused message leaves the block's running totals and nonces unchanged.
pub struct BlockMessages<'a, L> {
    state: &'a L,
    nonces: HashMap<u64, u64>,
    gas: u64,
    count: usize,
}

impl<'a, L: SenderLookup> BlockMessages<'a, L> {
    /// An empty block over `state`.
    pub fn new(state: &'a L) -> Self {
        BlockMessages {
            state,
            nonces: HashMap::new(),
            gas: 0,
            count: 0,
        }
    }

    /// Adds `m` (of `chain_len` bytes on chain) to the block if the rule allows it.
    pub fn add(&mut self, m: &Message, chain_len: usize) -> Result<(), Refusal> {
        check_syntax(m, chain_len).map_err(Refusal::Never)?;
        if self.count >= BLOCK_MESSAGE_LIMIT {
            return Err(Refusal::NotHere(format!(
                "block has more than {BLOCK_MESSAGE_LIMIT} messages"
            )));
        }
        let gas = self.gas.saturating_add(m.gas_limit);
        if gas > BLOCK_GAS_LIMIT {
            return Err(Refusal::NotHere("block gas limit exceeded".into()));
        }
        let Some(sender) = self.state.sender(&m.from).map_err(Refusal::State)? else {
            return Err(Refusal::NotHere(format!(
                "message sender {} does not exist",
                m.from
            )));
        };
        if !sender.can_send {
            return Err(Refusal::Never(format!(
                "message sender f0{} cannot send messages",
                sender.id
            )));
        }
        let next = self.nonces.get(&sender.id).copied().unwrap_or(sender.nonce);
        if m.sequence != next {
            return Err(Refusal::NotHere(format!(
                "wrong nonce from {} (exp: {next}, got: {})",
                m.from, m.sequence
            )));
        }
        self.nonces.insert(sender.id, next + 1);
        self.gas = gas;
        self.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
