//! The runtime that padma's native actors run against: what builtin-actors' `Runtime`
//! gives a Wasm actor (caller, receiver, value, epoch, policy, state, sends, actor
//! creation, gas, hashing, signatures, randomness, proofs), implemented directly on
//! the [`Vm`](crate::vm::Vm).
//!
//! The chain-facing hooks are traits: [`Randomness`] (the chain and beacon
//! randomness bases), [`ProofVerifier`] (seal and PoSt verification) and
//! [`CircSupply`] (circulating supply, which depends on genesis configuration).

use crate::code::ActorKind;
use crate::vm::gas::PRICES;
use crate::vm::store::MeteredStore;
use crate::vm::{CallError, Vm};
use anyhow::{anyhow, Result};
use cid::Cid;
use fil_actors_shared::v18::runtime::{DomainSeparationTag, Policy};
use fil_actors_shared::v18::{ActorError, SendError};
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Address;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::event::ActorEvent;
use fvm_shared::piece::PieceInfo;
use fvm_shared::sector::{
    AggregateSealVerifyProofAndInfos, RegisteredSealProof, ReplicaUpdateInfo, SealVerifyInfo,
    WindowPoStVerifyInfo,
};
use fvm_shared::version::NetworkVersion;
use fvm_shared::{ActorID, MethodNum, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Consensus-fault verification for the miner actor's `ReportConsensusFault`: whether
/// two (or three) block headers prove a fault, and the gas the check used.
pub trait ConsensusFaults: Send + Sync {
    /// The fault the headers prove, if any, and the gas the check used.
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<(Option<fvm_shared::consensus::ConsensusFault>, i64)>;
}

/// A checker that finds no fault: for states executed without a chain around them.
pub struct NoFaults;

impl ConsensusFaults for NoFaults {
    fn verify_consensus_fault(
        &self,
        _: &[u8],
        _: &[u8],
        _: &[u8],
    ) -> Result<(Option<fvm_shared::consensus::ConsensusFault>, i64)> {
        Ok((None, 0))
    }
}

/// Source of the randomness bases actors draw from (protocol.md §3.1).
pub trait Randomness {
    /// The ticket-chain randomness base (the digest the draw hashes) at `round`.
    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]>;
    /// The beacon randomness base at `round`.
    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]>;
    /// The CID of the key of the tipset at `epoch` on this chain (the last one at or
    /// before it when `epoch` is a null round).
    fn tipset_cid(&self, epoch: ChainEpoch) -> Result<cid::Cid> {
        Err(anyhow!("no tipset CIDs available (epoch {epoch})"))
    }
}

impl<T: Randomness + ?Sized> Randomness for &T {
    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        (**self).chain_randomness(round)
    }
    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        (**self).beacon_randomness(round)
    }
    fn tipset_cid(&self, epoch: ChainEpoch) -> Result<cid::Cid> {
        (**self).tipset_cid(epoch)
    }
}

/// Verifies proofs on behalf of actors.
pub trait ProofVerifier {
    /// Verifies one interactive seal (PoRep) proof.
    fn verify_seal(&self, info: &SealVerifyInfo) -> Result<()>;
    /// Verifies an aggregated seal proof.
    fn verify_aggregate_seals(&self, info: &AggregateSealVerifyProofAndInfos) -> Result<()>;
    /// Verifies a Window PoSt.
    fn verify_window_post(&self, info: &WindowPoStVerifyInfo) -> Result<()>;
    /// Verifies a replica-update proof.
    fn verify_replica_update(&self, info: &ReplicaUpdateInfo) -> Result<()>;
    /// Verifies several seal proofs, one result each (by default one at a time).
    fn batch_verify_seals(&self, infos: &[SealVerifyInfo]) -> Vec<bool> {
        infos.iter().map(|i| self.verify_seal(i).is_ok()).collect()
    }
    /// The unsealed sector CID (CommD) of a sector of `proof` type holding `pieces`.
    fn compute_unsealed_sector_cid(
        &self,
        proof: RegisteredSealProof,
        pieces: &[PieceInfo],
    ) -> Result<Cid> {
        let _ = (proof, pieces);
        Err(anyhow!("no unsealed-CID computation configured"))
    }
}

impl<T: ProofVerifier + ?Sized> ProofVerifier for &T {
    fn verify_seal(&self, info: &SealVerifyInfo) -> Result<()> {
        (**self).verify_seal(info)
    }
    fn verify_aggregate_seals(&self, info: &AggregateSealVerifyProofAndInfos) -> Result<()> {
        (**self).verify_aggregate_seals(info)
    }
    fn verify_window_post(&self, info: &WindowPoStVerifyInfo) -> Result<()> {
        (**self).verify_window_post(info)
    }
    fn verify_replica_update(&self, info: &ReplicaUpdateInfo) -> Result<()> {
        (**self).verify_replica_update(info)
    }
    fn batch_verify_seals(&self, infos: &[SealVerifyInfo]) -> Vec<bool> {
        (**self).batch_verify_seals(infos)
    }
    fn compute_unsealed_sector_cid(
        &self,
        proof: RegisteredSealProof,
        pieces: &[PieceInfo],
    ) -> Result<Cid> {
        (**self).compute_unsealed_sector_cid(proof, pieces)
    }
}

/// The parts of the circulating supply the VM reads from the state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupplyParts {
    /// The reward actor's `total_storage_power_reward` (FIL mined).
    pub mined: TokenAmount,
    /// The balance of f099 (FIL burnt).
    pub burnt: TokenAmount,
    /// The power actor's total pledge collateral (FIL locked, nv ≥ 23).
    pub locked: TokenAmount,
    /// The balance of the reserve account f090, if it exists.
    pub reserve_balance: Option<TokenAmount>,
}

/// Computes the circulating supply the actors see (`rt.total_fil_circ_supply()`).
/// Lotus adds genesis-dependent terms (vested and reserve-disbursed FIL) to the
/// parts read from the state; an implementation supplies them.
pub trait CircSupply {
    /// The circulating supply at `epoch` given the state's `parts`.
    fn circulating_supply(&self, epoch: ChainEpoch, parts: &SupplyParts) -> Result<TokenAmount>;
}

impl<T: CircSupply + ?Sized> CircSupply for &T {
    fn circulating_supply(&self, epoch: ChainEpoch, parts: &SupplyParts) -> Result<TokenAmount> {
        (**self).circulating_supply(epoch, parts)
    }
}

/// A circulating supply of `vested + mined − burnt − locked` (floored at zero),
/// with a fixed `vested` amount: a simple stand-in for Lotus's computation.
#[derive(Clone, Debug, Default)]
pub struct FixedVested(pub TokenAmount);

impl CircSupply for FixedVested {
    fn circulating_supply(&self, _epoch: ChainEpoch, p: &SupplyParts) -> Result<TokenAmount> {
        let c = &self.0 + &p.mined - &p.burnt - &p.locked;
        Ok(if c.is_negative() {
            TokenAmount::default()
        } else {
            c
        })
    }
}

/// A randomness source and proof verifier that refuses everything: for VMs that
/// never need them (tests, genesis).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoExterns;

impl Randomness for NoExterns {
    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Err(anyhow!("no chain randomness available (round {round})"))
    }
    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Err(anyhow!("no beacon randomness available (round {round})"))
    }
}

impl ProofVerifier for NoExterns {
    fn verify_seal(&self, _: &SealVerifyInfo) -> Result<()> {
        Err(anyhow!("no proof verifier configured"))
    }
    fn verify_aggregate_seals(&self, _: &AggregateSealVerifyProofAndInfos) -> Result<()> {
        Err(anyhow!("no proof verifier configured"))
    }
    fn verify_window_post(&self, _: &WindowPoStVerifyInfo) -> Result<()> {
        Err(anyhow!("no proof verifier configured"))
    }
    fn verify_replica_update(&self, _: &ReplicaUpdateInfo) -> Result<()> {
        Err(anyhow!("no proof verifier configured"))
    }
}

/// `blake2b-256(i64be(tag) ‖ base ‖ i64be(round) ‖ entropy)`: a randomness draw.
pub fn draw_randomness(
    base: &[u8; 32],
    tag: DomainSeparationTag,
    round: ChainEpoch,
    entropy: &[u8],
) -> [u8; 32] {
    let mut data = Vec::with_capacity(48 + entropy.len());
    data.extend_from_slice(&(tag as i64).to_be_bytes());
    data.extend_from_slice(base);
    data.extend_from_slice(&round.to_be_bytes());
    data.extend_from_slice(entropy);
    padma_types::cid::blake2b_256(&data)
}

/// One actor invocation's view of the VM.
pub struct Runtime<'r, 'bs, BS: Blockstore> {
    vm: &'r mut Vm<'bs, BS>,
    caller: ActorID,
    receiver: ActorID,
    value: TokenAmount,
    method: MethodNum,
}

impl<'r, 'bs, BS: Blockstore> Runtime<'r, 'bs, BS> {
    pub(crate) fn new(
        vm: &'r mut Vm<'bs, BS>,
        caller: ActorID,
        receiver: ActorID,
        value: TokenAmount,
        method: MethodNum,
    ) -> Self {
        Runtime {
            vm,
            caller,
            receiver,
            value,
            method,
        }
    }

    /// The immediate caller (an ID address).
    pub fn caller(&self) -> Address {
        Address::new_id(self.caller)
    }

    /// The receiving actor (an ID address).
    pub fn receiver(&self) -> Address {
        Address::new_id(self.receiver)
    }

    /// The receiving actor's ID.
    pub fn receiver_id(&self) -> ActorID {
        self.receiver
    }

    /// The value sent with this invocation.
    pub fn value_received(&self) -> TokenAmount {
        self.value.clone()
    }

    /// The method being invoked.
    pub fn method(&self) -> MethodNum {
        self.method
    }

    /// The top-level message's sender, as written in the message.
    pub fn origin(&self) -> Address {
        self.vm.origin()
    }

    /// The epoch being executed.
    pub fn curr_epoch(&self) -> ChainEpoch {
        self.vm.env().epoch
    }

    /// The network version.
    pub fn network_version(&self) -> NetworkVersion {
        self.vm.env().network_version
    }

    /// The actors' policy.
    pub fn policy(&self) -> &Policy {
        &self.vm.env().policy
    }

    /// The base fee of the epoch.
    pub fn base_fee(&self) -> TokenAmount {
        self.vm.env().base_fee.clone()
    }

    /// The circulating supply, computed when the VM was created.
    pub fn total_fil_circ_supply(&self) -> TokenAmount {
        self.vm.circ_supply().clone()
    }

    /// The (gas-metered) blockstore.
    pub fn store(&self) -> &MeteredStore<'bs, BS> {
        self.vm.metered_store()
    }

    /// Charges `gas` to the message.
    pub fn charge_gas(&self, gas: u64) -> Result<(), ActorError> {
        self.vm
            .meter()
            .gas
            .charge(gas)
            .map_err(|_| ActorError::unchecked(ExitCode::SYS_OUT_OF_GAS, "out of gas".into()))
    }

    /// Accepts any caller.
    pub fn validate_immediate_caller_accept_any(&self) -> Result<(), ActorError> {
        Ok(())
    }

    /// Requires the caller to be one of `addrs` (ID addresses).
    pub fn validate_immediate_caller_is<'a>(
        &self,
        addrs: impl IntoIterator<Item = &'a Address>,
    ) -> Result<(), ActorError> {
        let caller = self.caller();
        if addrs.into_iter().any(|a| *a == caller) {
            Ok(())
        } else {
            Err(ActorError::forbidden(format!(
                "caller {caller} is not one of the supported callers"
            )))
        }
    }

    /// Requires the caller to be an actor of one of `kinds`.
    pub fn validate_immediate_caller_type(&self, kinds: &[ActorKind]) -> Result<(), ActorError> {
        match self.actor_kind(self.caller) {
            Some(k) if kinds.contains(&k) => Ok(()),
            _ => Err(ActorError::forbidden(format!(
                "caller {} is not of a supported type",
                self.caller()
            ))),
        }
    }

    /// Resolves an address to an actor ID, through the init actor's map.
    pub fn resolve_address(&self, addr: &Address) -> Option<ActorID> {
        self.vm.resolve_charged(addr).ok().flatten()
    }

    /// The code CID of actor `id`, if it exists.
    pub fn get_actor_code_cid(&self, id: ActorID) -> Option<Cid> {
        self.vm.actor_charged(id).ok().flatten().map(|a| a.code)
    }

    /// The kind of actor `id`, if it exists and is one of padma's.
    pub fn actor_kind(&self, id: ActorID) -> Option<ActorKind> {
        self.get_actor_code_cid(id)
            .and_then(|c| ActorKind::from_code(&c))
    }

    /// The receiver's balance.
    pub fn current_balance(&self) -> TokenAmount {
        self.vm
            .actor_charged(self.receiver)
            .ok()
            .flatten()
            .map(|a| a.balance)
            .unwrap_or_default()
    }

    /// The balance of actor `id`.
    pub fn actor_balance(&self, id: ActorID) -> Option<TokenAmount> {
        self.vm.actor_charged(id).ok().flatten().map(|a| a.balance)
    }

    /// The receiver's state root.
    pub fn get_state_root(&self) -> Result<Cid, ActorError> {
        self.vm
            .actor_charged(self.receiver)
            .map_err(|e| ActorError::illegal_state(e.to_string()))?
            .map(|a| a.state)
            .ok_or_else(|| ActorError::illegal_state("receiver actor not found".into()))
    }

    /// Replaces the receiver's state root.
    pub fn set_state_root(&mut self, root: &Cid) -> Result<(), ActorError> {
        self.vm
            .set_head_charged(self.receiver, *root)
            .map_err(|e| ActorError::illegal_state(e.to_string()))
    }

    /// Loads the receiver's state.
    pub fn state<T: DeserializeOwned>(&self) -> Result<T, ActorError> {
        let root = self.get_state_root()?;
        crate::ipld::get_cbor(self.store(), &root)
            .map_err(|e| ActorError::illegal_state(format!("failed to load actor state: {e}")))
    }

    /// Stores `obj` in the store and returns its CID.
    pub fn put<T: Serialize>(&self, obj: &T) -> Result<Cid, ActorError> {
        crate::ipld::put_cbor(self.store(), obj)
            .map_err(|e| ActorError::illegal_state(format!("failed to store object: {e}")))
    }

    /// Writes the first state of a freshly created actor.
    pub fn create<T: Serialize>(&mut self, obj: &T) -> Result<(), ActorError> {
        if self.get_state_root()? != crate::ipld::empty_array_cid() {
            return Err(ActorError::illegal_state(
                "failed to create state: actor already has state".into(),
            ));
        }
        let c = self.put(obj)?;
        self.set_state_root(&c)
    }

    /// Loads the receiver's state, lets `f` change it, and saves it if `f` succeeds.
    /// `f` cannot send messages.
    pub fn transaction<S, R, F>(&mut self, f: F) -> Result<R, ActorError>
    where
        S: Serialize + DeserializeOwned,
        F: FnOnce(&mut S, &Self) -> Result<R, ActorError>,
    {
        let mut st: S = self.state()?;
        let r = f(&mut st, self)?;
        let c = self.put(&st)?;
        self.set_state_root(&c)?;
        Ok(r)
    }

    /// Sends a message: value transfer and, unless `method` is 0, an invocation.
    /// A failed callee's changes are reverted; its exit code is in the response.
    pub fn send(
        &mut self,
        to: &Address,
        method: MethodNum,
        params: Option<IpldBlock>,
        value: TokenAmount,
    ) -> Result<Response, SendError> {
        match self
            .vm
            .call_actor(self.receiver, to, method, params, &value)
        {
            Ok(r) => Ok(Response {
                exit_code: r.exit_code,
                return_data: r.ret,
            }),
            Err(CallError::Syscall(n, _)) => Err(SendError(n)),
            Err(CallError::Abort) => Err(SendError(ErrorNumber::AssertionFailed)),
        }
    }

    /// The robust (f2) address for the next actor this message creates
    /// (protocol.md §2.4).
    pub fn new_actor_address(&self) -> Address {
        self.vm.next_actor_address()
    }

    /// Creates an empty actor with `code` at `id`; only the init actor may.
    pub fn create_actor(
        &mut self,
        code: Cid,
        id: ActorID,
        delegated: Option<Address>,
    ) -> Result<(), ActorError> {
        if self.receiver != crate::actors::ids::INIT {
            return Err(ActorError::forbidden(
                "create_actor is restricted to the init actor".into(),
            ));
        }
        self.vm
            .create_actor(code, id, delegated)
            .map_err(|e| match e {
                CallError::Syscall(_, m) => ActorError::forbidden(m),
                CallError::Abort => ActorError::assertion_failed("aborted".into()),
            })
    }

    /// blake2b-256 of `data`, charged as the FVM charges hashing.
    pub fn hash_blake2b(&self, data: &[u8]) -> [u8; 32] {
        let _ = self
            .vm
            .meter()
            .gas
            .charge(PRICES.hashing_blake2b.apply(data.len() as u64));
        padma_types::cid::blake2b_256(data)
    }

    /// Verifies `sig` by `signer` (a key address) over `data`.
    pub fn verify_signature(&self, sig: &Signature, signer: &Address, data: &[u8]) -> Result<()> {
        self.vm
            .meter()
            .gas
            .charge(PRICES.on_verify_signature(sig.sig_type, data.len()))?;
        padma_types::crypto::verify_signature(sig, signer, data).map_err(|e| anyhow!(e))
    }

    fn draw(
        &self,
        beacon: bool,
        tag: DomainSeparationTag,
        round: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; 32], ActorError> {
        let lookback = (self.curr_epoch() - round).max(0) as u64;
        self.charge_gas(PRICES.lookback_cost.apply(lookback))?;
        let r = self.vm.env().randomness.clone();
        let base = if beacon {
            r.beacon_randomness(round)
        } else {
            r.chain_randomness(round)
        }
        .map_err(|e| ActorError::illegal_argument(format!("randomness unavailable: {e}")))?;
        Ok(draw_randomness(&base, tag, round, entropy))
    }

    /// Ticket-chain randomness drawn with `tag` at `round`.
    pub fn get_randomness_from_tickets(
        &self,
        tag: DomainSeparationTag,
        round: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; 32], ActorError> {
        self.draw(false, tag, round, entropy)
    }

    /// Beacon randomness drawn with `tag` at `round`.
    pub fn get_randomness_from_beacon(
        &self,
        tag: DomainSeparationTag,
        round: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; 32], ActorError> {
        self.draw(true, tag, round, entropy)
    }

    /// Verifies a seal proof (charged).
    pub fn verify_seal(&self, info: &SealVerifyInfo) -> Result<()> {
        self.vm.meter().gas.charge(PRICES.verify_seal_base)?;
        self.vm.env().proofs.verify_seal(info)
    }

    /// Verifies a Window PoSt (charged per challenged sector).
    pub fn verify_post(&self, info: &WindowPoStVerifyInfo) -> Result<()> {
        let n = info.challenged_sectors.len() as u64;
        self.vm.meter().gas.charge(PRICES.verify_post.apply(n))?;
        self.vm.env().proofs.verify_window_post(info)
    }

    /// Verifies an aggregate seal proof.
    pub fn verify_aggregate_seals(&self, info: &AggregateSealVerifyProofAndInfos) -> Result<()> {
        let n = info.infos.len() as u64;
        self.vm
            .meter()
            .gas
            .charge(PRICES.verify_seal_base.saturating_mul(n))?;
        self.vm.env().proofs.verify_aggregate_seals(info)
    }

    /// Verifies several seal proofs (charged per proof).
    pub fn batch_verify_seals(&self, infos: &[SealVerifyInfo]) -> Result<Vec<bool>> {
        let n = infos.len() as u64;
        self.vm
            .meter()
            .gas
            .charge(PRICES.verify_seal_base.saturating_mul(n))?;
        Ok(self.vm.env().proofs.batch_verify_seals(infos))
    }

    /// The unsealed sector CID of `pieces` in a sector of `proof` type (charged).
    pub fn compute_unsealed_sector_cid(
        &self,
        proof: RegisteredSealProof,
        pieces: &[PieceInfo],
    ) -> Result<Cid> {
        self.vm
            .meter()
            .gas
            .charge(PRICES.compute_unsealed_sector_cid)?;
        self.vm
            .env()
            .proofs
            .compute_unsealed_sector_cid(proof, pieces)
    }

    /// Emits an event from the receiver (FIP-0049): keys must be at most 31 bytes
    /// and values IPLD raw or CBOR. Dropped if the call is reverted.
    pub fn emit_event(&mut self, event: &ActorEvent) -> Result<(), ActorError> {
        if event.entries.is_empty() || event.entries.len() > 255 {
            return Err(ActorError::illegal_argument(
                "an event must have 1 to 255 entries".into(),
            ));
        }
        let mut keys = 0;
        let mut values = 0;
        for e in &event.entries {
            if e.key.len() > 31 {
                return Err(ActorError::illegal_argument(format!(
                    "event key {:?} is longer than 31 bytes",
                    e.key
                )));
            }
            if e.codec != fvm_ipld_encoding::IPLD_RAW && e.codec != fvm_ipld_encoding::CBOR {
                return Err(ActorError::illegal_argument(format!(
                    "event value codec {} is not supported",
                    e.codec
                )));
            }
            keys += e.key.len();
            values += e.value.len();
        }
        self.charge_gas(PRICES.on_actor_event(event.entries.len(), keys, values))?;
        self.vm.push_event(self.receiver, event.clone());
        Ok(())
    }

    /// Verifies a replica-update proof.
    pub fn verify_replica_update(&self, info: &ReplicaUpdateInfo) -> Result<()> {
        self.vm.meter().gas.charge(PRICES.verify_replica_update)?;
        self.vm.env().proofs.verify_replica_update(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randomness_draw_layout() {
        let base = [7u8; 32];
        let mut data = Vec::new();
        data.extend_from_slice(&5i64.to_be_bytes());
        data.extend_from_slice(&base);
        data.extend_from_slice(&100i64.to_be_bytes());
        data.extend_from_slice(b"xyz");
        assert_eq!(
            draw_randomness(&base, DomainSeparationTag::SealRandomness, 100, b"xyz"),
            padma_types::cid::blake2b_256(&data)
        );
    }

    #[test]
    fn fixed_vested_supply_floors_at_zero() {
        let s = FixedVested(TokenAmount::from_whole(10));
        let parts = SupplyParts {
            mined: TokenAmount::from_whole(1),
            burnt: TokenAmount::from_whole(2),
            locked: TokenAmount::from_whole(3),
            reserve_balance: None,
        };
        assert_eq!(
            s.circulating_supply(0, &parts).unwrap(),
            TokenAmount::from_whole(6)
        );
        let parts = SupplyParts {
            burnt: TokenAmount::from_whole(20),
            ..parts
        };
        assert_eq!(
            s.circulating_supply(0, &parts).unwrap(),
            TokenAmount::default()
        );
    }
}
