//! The initial state tree (Lotus `MakeInitialStateTree` and `SetupEAM`): the
//! singleton actors, template accounts from f0100, the verified-registry root key
//! (f080), the first verifier (f081), burnt funds (f099), the remainder (f090) and
//! the Ethereum address manager (f010).

use super::builder::Builder;
use super::template::{Actor, Template, ACCOUNT, MULTISIG};
use super::{
    ACCOUNT_START, FILECOIN_PRECISION, FIL_BASE, INITIAL_REWARD_BALANCE, MAX_ACCOUNTS, MINER_START,
};
use crate::actors::ids;
use crate::code::{ActorKind, CodeSet};
use crate::ipld::{empty_array_cid, put_cbor};
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fil_actor_account_state::v18::State as AccountState;
use fil_actor_cron_state::v18::{Entry as CronEntry, State as CronState};
use fil_actor_datacap_state::v18::State as DatacapState;
use fil_actor_init_state::v18::{AddressMap, State as InitState};
use fil_actor_market_state::v18::State as MarketState;
use fil_actor_power_state::v18::State as PowerState;
use fil_actor_reward_state::v18::State as RewardState;
use fil_actor_system_state::v18::State as SystemState;
use fil_actor_verifreg_state::v18::State as VerifregState;
use fil_actors_shared::v18::DEFAULT_HAMT_CONFIG;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::tuple::*;
use fvm_ipld_hamt::{BytesKey, Hamt};
use fvm_shared::address::{Address, Protocol};
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::StoragePower;
use std::collections::HashMap;

/// Power actor `OnEpochTickEnd` and market `CronTick`: the cron actor's built-in entries.
const POWER_ON_EPOCH_TICK_END: u64 = 5;
const MARKET_CRON_TICK: u64 = 9;

/// The multisig actor state (builtin-actors `multisig::State`).
#[derive(Serialize_tuple, Deserialize_tuple, Clone, Debug)]
pub struct MultisigState {
    /// Signer ID addresses.
    pub signers: Vec<Address>,
    /// Approvals needed.
    pub num_approvals_threshold: u64,
    /// Next transaction ID.
    pub next_tx_id: i64,
    /// Balance subject to linear vesting.
    pub initial_balance: TokenAmount,
    /// Vesting start.
    pub start_epoch: i64,
    /// Vesting duration.
    pub unlock_duration: i64,
    /// Pending transactions (HAMT).
    pub pending_txs: Cid,
}

/// Key address → ID of every template key given an ID.
pub type KeyIds = HashMap<Address, u64>;

/// The bundle's manifest data: `[[name, code CID], ...]` in the bundle's order; its
/// CID is the system actor's `builtin_actors`.
pub fn builtin_actors_registry(codes: CodeSet) -> Vec<(String, Cid)> {
    use ActorKind::*;
    [
        System,
        Init,
        Cron,
        Account,
        StoragePower,
        StorageMiner,
        StorageMarket,
        PaymentChannel,
        Multisig,
        Reward,
        VerifiedRegistry,
        Datacap,
        Placeholder,
        Evm,
        Eam,
        EthAccount,
    ]
    .into_iter()
    .map(|k| (k.name().to_string(), codes.code(k)))
    .collect()
}

/// Builds the singletons and accounts; returns the key → ID map.
pub fn make_initial_state<BS: Blockstore>(b: &mut Builder<'_, BS>, t: &Template) -> Result<KeyIds> {
    let store = b.store;
    let registry = put_cbor(store, &builtin_actors_registry(b.codes))?;
    let zero = TokenAmount::default;
    b.create(
        ids::SYSTEM,
        ActorKind::System,
        &SystemState {
            builtin_actors: registry,
        },
        zero(),
        None,
    )?;

    let (mut next_msig_id, init, mut key_ids) = init_state(b, t)?;
    b.create(ids::INIT, ActorKind::Init, &init, zero(), None)?;
    let reward = RewardState::new(StoragePower::default());
    b.create(
        ids::REWARD,
        ActorKind::Reward,
        &reward,
        INITIAL_REWARD_BALANCE.clone(),
        None,
    )?;
    let cron = CronState {
        entries: vec![
            CronEntry {
                receiver: Address::new_id(ids::POWER),
                method_num: POWER_ON_EPOCH_TICK_END,
            },
            CronEntry {
                receiver: Address::new_id(ids::MARKET),
                method_num: MARKET_CRON_TICK,
            },
        ],
    };
    b.create(ids::CRON, ActorKind::Cron, &cron, zero(), None)?;
    let power = PowerState::new(store).map_err(|e| anyhow!("power state: {e}"))?;
    b.create(ids::POWER, ActorKind::StoragePower, &power, zero(), None)?;
    let market = MarketState::new(store).map_err(|e| anyhow!("market state: {e}"))?;
    b.create(ids::MARKET, ActorKind::StorageMarket, &market, zero(), None)?;
    let vreg = VerifregState::new(store, Address::new_id(ids::ROOT_KEY))
        .map_err(|e| anyhow!("verified registry state: {e}"))?;
    b.create(
        ids::VERIFREG,
        ActorKind::VerifiedRegistry,
        &vreg,
        zero(),
        None,
    )?;
    let dcap = DatacapState::new(store, Address::new_id(ids::VERIFREG))
        .map_err(|e| anyhow!("datacap state: {e}"))?;
    b.create(ids::DATACAP, ActorKind::Datacap, &dcap, zero(), None)?;
    make_account(
        b,
        ids::BURNT_FUNDS,
        Address::new_id(ids::BURNT_FUNDS),
        zero(),
    )?;

    for a in &t.accounts {
        match a.actor_type.as_str() {
            ACCOUNT => {
                let owner = a.account_meta()?.owner;
                let id = *key_ids
                    .get(&owner)
                    .ok_or_else(|| anyhow::anyhow!("account {owner} has no ID"))?;
                make_account(b, id, owner, a.balance.clone())?;
            }
            _ => {
                let id = next_msig_id;
                next_msig_id += 1;
                make_multisig(b, id, a, &key_ids)?;
            }
        }
    }

    match t.verifreg_root_key.actor_type.as_str() {
        ACCOUNT => {
            let owner = t.verifreg_root_key.account_meta()?.owner;
            if key_ids.contains_key(&owner) {
                bail!("rootkey account has already been declared, cannot be assigned 80: {owner}");
            }
            make_account(b, ids::ROOT_KEY, owner, t.verifreg_root_key.balance.clone())?;
        }
        _ => make_multisig(b, ids::ROOT_KEY, &t.verifreg_root_key, &key_ids)?,
    }

    let verifier = super::header::first_verifier_key(t)?;
    make_account(b, ids::FIRST_VERIFIER, verifier, zero())?;

    let total = b.tree.total_balance()?;
    let all = TokenAmount::from_whole(FIL_BASE);
    if total > all {
        bail!(
            "somehow overallocated filecoin (allocated = {} FIL)",
            total.atto() / FILECOIN_PRECISION
        );
    }
    let mut remainder = t.remainder_account.clone();
    remainder.balance = all - total;
    match remainder.actor_type.as_str() {
        ACCOUNT => {
            let owner = remainder.account_meta()?.owner;
            if key_ids.contains_key(&owner) {
                bail!(
                    "remainder account has already been declared, cannot be assigned 90: {owner}"
                );
            }
            key_ids.insert(owner, ids::RESERVE);
            make_account(b, ids::RESERVE, owner, remainder.balance.clone())?;
        }
        _ => make_multisig(b, ids::RESERVE, &remainder, &key_ids)?,
    }

    // The Ethereum address manager has no state.
    let eam = ActorState::new(
        b.codes.code(ActorKind::Eam),
        empty_array_cid(),
        zero(),
        0,
        None,
    );
    b.tree.set_actor(ids::EAM, eam)?;
    crate::ipld::put_empty_array(store)?;
    Ok(key_ids)
}

use crate::tree::ActorState;

/// The init actor's state (Lotus `SetupInitActor`): IDs from f0100 for accounts and
/// multisig signers, f080/f090 for account-type root key and remainder, next ID 1000.
/// Returns the first ID for template multisigs, the state and the key → ID map.
fn init_state<BS: Blockstore>(
    b: &Builder<'_, BS>,
    t: &Template,
) -> Result<(u64, InitState, KeyIds)> {
    if t.accounts.len() as u64 > MAX_ACCOUNTS {
        bail!(
            "too many initial actors ({} > {MAX_ACCOUNTS})",
            t.accounts.len()
        );
    }
    let mut init =
        InitState::new(b.store, t.network_name.clone()).map_err(|e| anyhow!("init state: {e}"))?;
    init.next_id = MINER_START;
    let mut map = AddressMap::load(b.store, &init.address_map, DEFAULT_HAMT_CONFIG, "addresses")
        .map_err(|e| anyhow!("init address map: {e}"))?;
    let mut key_ids = KeyIds::new();
    let mut counter = ACCOUNT_START;
    let mut assign = |addr: Address, id: Option<u64>, key_ids: &mut KeyIds| -> Result<()> {
        let id = match id {
            Some(id) => id,
            None => {
                let id = counter;
                counter += 1;
                key_ids.insert(addr, id);
                id
            }
        };
        map.set(&addr, id)
            .map_err(|e| anyhow!("init address map: {e}"))?;
        Ok(())
    };
    for a in &t.accounts {
        a.check_type()?;
        if a.actor_type == MULTISIG {
            for s in a.multisig_meta()?.signers {
                if !key_ids.contains_key(&s.0) {
                    assign(s.0, None, &mut key_ids)?;
                }
            }
            continue;
        }
        let owner = a.account_meta()?.owner;
        if key_ids.contains_key(&owner) {
            bail!("account {owner} appears twice in the genesis template");
        }
        assign(owner, None, &mut key_ids)?;
    }
    for (actor, fixed) in [
        (&t.verifreg_root_key, ids::ROOT_KEY),
        (&t.remainder_account, ids::RESERVE),
    ] {
        actor.check_type()?;
        if actor.actor_type == ACCOUNT {
            assign(actor.account_meta()?.owner, Some(fixed), &mut key_ids)?;
        } else {
            for s in actor.multisig_meta()?.signers {
                if !key_ids.contains_key(&s.0) {
                    assign(s.0, None, &mut key_ids)?;
                }
            }
        }
    }
    init.address_map = map.flush().map_err(|e| anyhow!("init address map: {e}"))?;
    Ok((counter, init, key_ids))
}

/// An account actor at `id` for key address `addr`.
fn make_account<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    id: u64,
    addr: Address,
    balance: TokenAmount,
) -> Result<()> {
    let delegated = (addr.protocol() == Protocol::Delegated).then_some(addr);
    b.create(
        id,
        ActorKind::Account,
        &AccountState { address: addr },
        balance,
        delegated,
    )
}

/// A multisig at `id` (Lotus `CreateMultisigAccount`), creating signer accounts
/// that do not exist yet.
fn make_multisig<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    id: u64,
    info: &Actor,
    key_ids: &KeyIds,
) -> Result<()> {
    let meta = info.multisig_meta()?;
    let mut signers = Vec::new();
    for s in meta.signers {
        let sid = *key_ids
            .get(&s.0)
            .ok_or_else(|| anyhow!("no registered key ID for signer: {}", s.0))?;
        let exists = match b.resolve(&s.0)? {
            Some(rid) => b.tree.get_actor(rid)?.is_some(),
            None => false,
        };
        if !exists {
            make_account(b, sid, s.0, TokenAmount::default())?;
        }
        signers.push(Address::new_id(sid));
    }
    let threshold =
        u64::try_from(meta.threshold).context("multisig threshold must not be negative")?;
    let pending: Hamt<_, (), BytesKey> = Hamt::new_with_bit_width(b.store, 5);
    let mut pending = pending;
    let st = MultisigState {
        signers,
        num_approvals_threshold: threshold,
        next_tx_id: 0,
        initial_balance: info.balance.clone(),
        start_epoch: meta.vesting_start,
        unlock_duration: meta.vesting_duration,
        pending_txs: pending.flush()?,
    };
    b.create(id, ActorKind::Multisig, &st, info.balance.clone(), None)
}
