//! Genesis through the VM, as Lotus's `MakeGenesisBlock` builds it once the initial
//! actors are written: verified registry `AddVerifier` and `AddVerifiedClient` (the
//! deal clients' datacap), then for each miner power `CreateMiner`, market
//! `AddBalance` and `PublishStorageDeals` (proposals signed with the clients' keys),
//! then for each pre-sealed sector miner `PreCommitSectorBatch2`,
//! `InternalSectorSetupForPreseal` and power `UpdateClaimedPower`. Each is an implicit
//! message at epoch 0 executed by the official actors through a [`GenesisVm`]; Lotus's
//! direct edits stay in between (the network power preset for equal pledges, the
//! reward actor reset, `EraseAllUnproven`).

use super::builder::Builder;
use super::miners::{
    check_network_power, creation_deposit, owner_and_worker, peer_id_bytes, preseal_deals,
    preseal_expiration, preset_network_power,
};
use super::sectors::{erase_all_unproven, remove_preadded_power, sector_prepayment};
use super::template::Miner;
use super::MINER_START;
use crate::actors::{ids, method};
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fil_actor_market_state::v18::{
    ClientDealProposal, PublishStorageDealsParams, PublishStorageDealsReturn,
};
use fil_actor_miner_state::v18::{
    CompactCommD, InternalSectorSetupForPresealParams, PreCommitSectorBatchParams2,
    SectorPreCommitInfo, State as MinerState,
};
use fil_actor_power_state::v18::{CreateMinerParams, CreateMinerReturn, UpdateClaimedPowerParams};
use fil_actor_verifreg_state::v18::VerifierParams;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::sector::{RegisteredSealProof, StoragePower};
use padma_types::crypto::KeyInfo;
use padma_types::sector::{sector_size, window_post_for_size};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;

/// The gas limit of Lotus's genesis messages.
pub const GENESIS_GAS_LIMIT: u64 = 1_000_000_000_000_000;

/// Most deals Lotus publishes in one `PublishStorageDeals` (cbor-gen's array limit).
const DEALS_PER_PUBLISH: usize = 8192;

/// A VM that executes Lotus's genesis messages: implicit, at epoch 0, with a zero
/// base fee and circulating supply, on a state in the genesis builder's store.
pub trait GenesisVm {
    /// Applies `msg` to the state `root`: the new state root and the return value.
    /// An exit code other than 0 is an error naming it.
    fn apply_implicit(&self, root: &Cid, msg: &Message) -> Result<(Cid, RawBytes)>;
}

/// One genesis message from `from` to `to`, as Lotus's `doExecValue` builds it.
pub fn genesis_message(
    from: Address,
    to: Address,
    value: TokenAmount,
    method: u64,
    params: RawBytes,
) -> Message {
    Message {
        gas_limit: GENESIS_GAS_LIMIT,
        ..padma_types::message::unpriced_message(from, to, method, value, params)
    }
}

impl<BS: Blockstore> Builder<'_, BS> {
    /// Flushes the state, applies one genesis message through `vm` and continues from
    /// the state it leaves; returns the message's return value.
    fn exec<P: Serialize>(
        &mut self,
        vm: &dyn GenesisVm,
        from: Address,
        to: Address,
        value: TokenAmount,
        method: u64,
        params: &P,
    ) -> Result<RawBytes> {
        let root = self.tree.flush()?;
        let msg = genesis_message(from, to, value, method, RawBytes::serialize(params)?);
        let (root, ret) = vm
            .apply_implicit(&root, &msg)
            .with_context(|| format!("genesis: method {method} of {to} called by {from}"))?;
        self.tree = crate::tree::StateTree::load(self.store, &root)?;
        Ok(ret)
    }
}

/// Decodes the return value of `what`.
fn decode<R: DeserializeOwned>(ret: &RawBytes, what: &str) -> Result<R> {
    fvm_ipld_encoding::from_slice(ret.bytes())
        .with_context(|| format!("genesis: decoding the return of {what}"))
}

/// Lotus's `VerifyPreSealedData`: the root key makes f081 a verifier of every deal's
/// bytes, and f081 gives each deal client the datacap its deals need.
pub(super) fn verify_presealed_data<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    vm: &dyn GenesisVm,
    needs: &BTreeMap<u64, u64>,
) -> Result<()> {
    let verifier = Address::new_id(ids::FIRST_VERIFIER);
    let total: u64 = needs.values().sum();
    let add = VerifierParams {
        address: verifier,
        allowance: BigInt::from(total),
    };
    let to = Address::new_id(ids::VERIFREG);
    let root_key = Address::new_id(ids::ROOT_KEY);
    let zero = TokenAmount::default;
    b.exec(
        vm,
        root_key,
        to,
        zero(),
        method::verifreg::ADD_VERIFIER,
        &add,
    )
    .context("genesis: adding the verifier")?;
    for (client, bytes) in needs {
        let add = VerifierParams {
            address: Address::new_id(*client),
            allowance: BigInt::from(*bytes),
        };
        b.exec(
            vm,
            verifier,
            to,
            zero(),
            method::verifreg::ADD_VERIFIED_CLIENT,
            &add,
        )
        .with_context(|| format!("genesis: datacap for deal client f0{client}"))?;
    }
    Ok(())
}

/// A genesis miner once created and its deals published.
struct Created {
    addr: Address,
    expiration: i64,
    deal_ids: Vec<u64>,
    weights: Vec<StoragePower>,
}

/// Lotus's `SetupStorageMiners` through the VM.
pub(super) fn setup_miners<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    vm: &dyn GenesisVm,
    miners: &[Miner],
) -> Result<()> {
    if miners.is_empty() {
        bail!("no genesis miners");
    }
    let (mut raw_total, mut qa_total) = (StoragePower::default(), StoragePower::default());
    let mut created = Vec::with_capacity(miners.len());
    for (i, m) in miners.iter().enumerate() {
        let want = Address::new_id(MINER_START + i as u64);
        created.push(create_miner(b, vm, m, want, &mut raw_total, &mut qa_total)?);
    }
    preset_network_power(b, &raw_total, &qa_total)?;
    for (m, c) in miners.iter().zip(&created) {
        for k in 0..m.sectors.len() {
            commit_sector(b, vm, m, c, k)?;
        }
    }
    check_network_power(b, &raw_total, &qa_total)
}

/// `CreateMiner`, `AddBalance` and `PublishStorageDeals` for template miner `m`.
fn create_miner<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    vm: &dyn GenesisVm,
    m: &Miner,
    want: Address,
    raw_total: &mut StoragePower,
    qa_total: &mut StoragePower,
) -> Result<Created> {
    owner_and_worker(b, m)?;
    let (deposit, _) = creation_deposit(b)?;
    let params = CreateMinerParams {
        owner: m.worker,
        worker: m.worker,
        window_post_proof_type: window_post_for_size(m.sector_size)?,
        peer: peer_id_bytes(&m.peer_id)?,
        multiaddrs: vec![],
    };
    let power = Address::new_id(ids::POWER);
    let ret = b
        .exec(
            vm,
            m.owner,
            power,
            deposit,
            method::power::CREATE_MINER,
            &params,
        )
        .with_context(|| format!("genesis: creating miner {}", m.id))?;
    let ret: CreateMinerReturn = decode(&ret, "CreateMiner")?;
    if ret.id_address != want {
        bail!("miner assigned wrong address: {} != {want}", ret.id_address);
    }
    let id = want.id()?;
    let st: MinerState = b.state(id)?;
    let expiration = preseal_expiration(&b.policy, st.proving_period_start);

    if m.market_balance > TokenAmount::default() {
        let market = Address::new_id(ids::MARKET);
        let value = m.market_balance.clone();
        b.exec(
            vm,
            m.worker,
            market,
            value,
            method::market::ADD_BALANCE,
            &want,
        )
        .with_context(|| format!("genesis: market balance of {want}"))?;
    }

    let (deals, weights) = preseal_deals(m, id, expiration, raw_total, qa_total)?;
    let deal_ids = publish_deals(b, vm, m, want, deals)?;
    Ok(Created {
        addr: want,
        expiration,
        deal_ids,
        weights,
    })
}

/// `PublishStorageDeals` of miner `m`'s pre-sealed deals, each signed with its
/// client's key as Lotus signs them; the new deal IDs in order.
fn publish_deals<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    vm: &dyn GenesisVm,
    m: &Miner,
    want: Address,
    deals: Vec<fil_actor_market_state::v18::DealProposal>,
) -> Result<Vec<u64>> {
    let mut signed = Vec::with_capacity(deals.len());
    for (proposal, p) in deals.into_iter().zip(&m.sectors) {
        let key = KeyInfo::try_from(p.deal_client_key.clone())
            .map_err(|e| anyhow!("genesis: the key of deal client {}: {e}", p.deal.client))?;
        let signature = key
            .sign(&fvm_ipld_encoding::to_vec(&proposal)?)
            .map_err(|e| anyhow!("genesis: signing the deal of sector {}: {e}", p.sector_id))?;
        signed.push(ClientDealProposal {
            proposal,
            client_signature: signature,
        });
    }
    let mut deal_ids = Vec::with_capacity(signed.len());
    for chunk in signed.chunks(DEALS_PER_PUBLISH) {
        let params = PublishStorageDealsParams {
            deals: chunk.to_vec(),
        };
        let market = Address::new_id(ids::MARKET);
        let zero = TokenAmount::default();
        let ret = b
            .exec(
                vm,
                m.worker,
                market,
                zero,
                method::market::PUBLISH_STORAGE_DEALS,
                &params,
            )
            .with_context(|| format!("genesis: publishing the deals of {want}"))?;
        let ret: PublishStorageDealsReturn = decode(&ret, "PublishStorageDeals")?;
        if ret.ids.len() != chunk.len() {
            bail!(
                "genesis: {} of the {} deals of {want} were invalid on publication",
                chunk.len() - ret.ids.len(),
                chunk.len()
            );
        }
        deal_ids.extend(ret.ids);
    }
    Ok(deal_ids)
}

/// Pre-commits and sets up pre-sealed sector `k` of miner `m`, and claims its power.
fn commit_sector<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    vm: &dyn GenesisVm,
    m: &Miner,
    c: &Created,
    k: usize,
) -> Result<()> {
    let (Some(p), Some(weight), Some(deal_id)) =
        (m.sectors.get(k), c.weights.get(k), c.deal_ids.get(k))
    else {
        bail!("genesis: no deal for pre-sealed sector {k} of {}", c.addr);
    };
    let ssize = sector_size(m.sector_size)?;
    remove_preadded_power(b, m.sector_size, weight)?;
    let (deposit, pledge) = sector_prepayment(b, ssize, weight)?;
    let precommit = PreCommitSectorBatchParams2 {
        sectors: vec![SectorPreCommitInfo {
            seal_proof: RegisteredSealProof::from(p.proof_type),
            sector_number: p.sector_id,
            sealed_cid: p.comm_r.0,
            seal_rand_epoch: -1,
            deal_ids: vec![*deal_id],
            expiration: c.expiration,
            unsealed_cid: CompactCommD::new(Some(p.comm_d.0)),
        }],
    };
    let what = || format!("genesis: sector {} of {}", p.sector_id, c.addr);
    let value = deposit + pledge;
    let batch2 = method::miner::PRE_COMMIT_SECTOR_BATCH2;
    b.exec(vm, m.worker, c.addr, value, batch2, &precommit)
        .with_context(what)?;
    // Lotus leaves the estimates at zero: the actor then pledges what it computes
    // from them.
    let setup = InternalSectorSetupForPresealParams {
        sectors: vec![p.sector_id],
        reward_smoothed: Default::default(),
        reward_baseline_power: StoragePower::default(),
        quality_adj_power_smoothed: Default::default(),
    };
    let system = Address::new_id(ids::SYSTEM);
    let preseal = method::miner::INTERNAL_SECTOR_SETUP_FOR_PRESEAL;
    b.exec(vm, system, c.addr, TokenAmount::default(), preseal, &setup)
        .with_context(what)?;
    let claim = UpdateClaimedPowerParams {
        raw_byte_delta: StoragePower::from(m.sector_size),
        quality_adjusted_delta: weight.clone(),
    };
    let power = Address::new_id(ids::POWER);
    let update = method::power::UPDATE_CLAIMED_POWER;
    b.exec(vm, c.addr, power, TokenAmount::default(), update, &claim)
        .with_context(what)?;
    let id = c.addr.id()?;
    let mut st: MinerState = b.state(id)?;
    erase_all_unproven(b, &mut st)?;
    b.set_state(id, &st)
}
