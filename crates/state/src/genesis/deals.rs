//! Genesis deals as the builtin actors record them: datacap for the deal clients
//! (verified registry `AddVerifier`/`AddVerifiedClient`, datacap `Mint`), verified
//! deals published to the market (escrow locks, proposals, allocations paid with
//! datacap), and their activation in a sector (deal states, claims, datacap burn).

use super::builder::Builder;
use crate::actors::ids;
use anyhow::{anyhow, bail, Result};
use cid::Cid;
use fil_actor_datacap_state::v18::{State as DatacapState, INFINITE_ALLOWANCE};
use fil_actor_market_state::v18::{DealProposal, DealState, State as MarketState};
use fil_actor_verifreg_state::v18::{Allocation, Claim, State as VerifregState};
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use fvm_shared::bigint::BigInt;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use padma_types::cid::cbor_cid;
use std::collections::BTreeMap;

/// Marks a deal without a verified allocation.
const NO_ALLOCATION_ID: u64 = 0;

fn err(what: &str) -> impl Fn(fil_actors_shared::v18::ActorError) -> anyhow::Error + '_ {
    move |e| anyhow!("genesis: {what}: {e}")
}

/// Verified registry `AddVerifier`: `verifier` may grant `allowance` bytes.
pub fn add_verifier<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    verifier: u64,
    allowance: u64,
) -> Result<()> {
    if BigInt::from(allowance) < b.policy.minimum_verified_allocation_size {
        bail!("genesis: verifier allowance {allowance} is below the minimum verified deal size");
    }
    let mut st: VerifregState = b.state(ids::VERIFREG)?;
    st.put_verifier(
        b.store,
        &Address::new_id(verifier),
        &BigInt::from(allowance),
    )
    .map_err(err("adding the verifier"))?;
    b.set_state(ids::VERIFREG, &st)
}

/// Verified registry `AddVerifiedClient` by the f081 verifier: reduces its allowance and
/// mints `allowance` bytes of datacap to `client`, with the market as operator.
pub fn add_verified_client<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    client: u64,
    allowance: u64,
) -> Result<()> {
    if BigInt::from(allowance) < b.policy.minimum_verified_allocation_size {
        bail!("genesis: client allowance {allowance} is below the minimum verified deal size");
    }
    let mut st: VerifregState = b.state(ids::VERIFREG)?;
    let verifier = Address::new_id(ids::FIRST_VERIFIER);
    let cap = st
        .get_verifier_cap(b.store, &verifier)
        .map_err(err("reading the verifier"))?
        .ok_or_else(|| anyhow!("genesis: f081 is not a verifier"))?;
    if cap < BigInt::from(allowance) {
        bail!("genesis: add more DataCap {allowance} for client than allocated {cap}");
    }
    st.put_verifier(b.store, &verifier, &(cap - allowance))
        .map_err(err("updating the verifier"))?;
    b.set_state(ids::VERIFREG, &st)?;

    let mut dc: DatacapState = b.state(ids::DATACAP)?;
    let tokens = TokenAmount::from_whole(allowance);
    let token = &mut dc.token;
    let map = |e: &dyn std::fmt::Display| anyhow!("genesis: datacap: {e}");
    token
        .change_balance_by(b.store, client, &tokens)
        .map_err(|e| map(&e))?;
    token.change_supply_by(&tokens).map_err(|e| map(&e))?;
    token
        .set_allowance(b.store, client, ids::MARKET, &INFINITE_ALLOWANCE)
        .map_err(|e| map(&e))?;
    b.set_state(ids::DATACAP, &dc)
}

/// Market `AddBalance` for `provider`, paid by `from`.
pub fn add_market_balance<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    from: u64,
    provider: u64,
    amount: &TokenAmount,
) -> Result<()> {
    b.transfer(from, ids::MARKET, amount)?;
    let mut st: MarketState = b.state(ids::MARKET)?;
    st.add_balance_to_escrow_table(b.store, &Address::new_id(provider), amount)
        .map_err(err("adding market balance"))?;
    b.set_state(ids::MARKET, &st)
}

/// The first epoch a deal is processed by market cron: `id`'s fixed offset within
/// each `interval`, no sooner than `earliest` (builtin-actors `next_update_epoch`).
pub fn next_update_epoch(id: u64, interval: i64, earliest: ChainEpoch) -> ChainEpoch {
    let offset = id as i64 % interval;
    let remainder = (earliest - offset) % interval;
    let quotient = (earliest - offset) / interval;
    if remainder == 0 || earliest - offset < 0 {
        interval * quotient + offset
    } else {
        interval * (quotient + 1) + offset
    }
}

/// Market `PublishStorageDeals` of deals with ID-address clients and provider: datacap
/// moves to the verified registry as allocations for verified deals, then the deals
/// are stored. Returns the new deal IDs in order.
pub fn publish_deals<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    deals: Vec<DealProposal>,
) -> Result<Vec<u64>> {
    let mut reqs: BTreeMap<u64, Vec<(Cid, Allocation)>> = BTreeMap::new();
    let mut cids = Vec::with_capacity(deals.len());
    for d in &deals {
        let cid = cbor_cid(&fvm_ipld_encoding::to_vec(d)?);
        if cids.contains(&cid) {
            bail!("genesis: duplicate deal proposal {cid}");
        }
        cids.push(cid);
        if !d.verified_deal {
            continue;
        }
        let (client, provider) = (id_of(&d.client)?, id_of(&d.provider)?);
        let p = &b.policy;
        let term_min = d.end_epoch - d.start_epoch;
        let alloc = Allocation {
            client,
            provider,
            data: d.piece_cid,
            size: d.piece_size,
            term_min,
            term_max: (term_min + p.market_default_allocation_term_buffer)
                .min(p.maximum_verified_allocation_term),
            expiration: d.start_epoch.min(p.maximum_verified_allocation_expiration),
        };
        if alloc.term_min < p.minimum_verified_allocation_term || alloc.term_max < alloc.term_min {
            bail!("genesis: deal term {term_min} is outside the verified allocation limits");
        }
        reqs.entry(client).or_default().push((cid, alloc));
    }

    let mut alloc_ids: BTreeMap<Cid, u64> = BTreeMap::new();
    for (client, list) in reqs {
        let bytes: u64 = list.iter().map(|(_, a)| a.size.0).sum();
        let tokens = TokenAmount::from_whole(bytes);
        let mut dc: DatacapState = b.state(ids::DATACAP)?;
        let map =
            |e: &dyn std::fmt::Display| anyhow!("genesis: datacap transfer from f0{client}: {e}");
        let t = &mut dc.token;
        let allowed = t
            .get_allowance_between(b.store, client, ids::MARKET)
            .map_err(|e| map(&e))?;
        if allowed < tokens {
            bail!("genesis: client f0{client} lacks the datacap for its verified deals");
        }
        t.change_allowance_by(b.store, client, ids::MARKET, &-tokens.clone())
            .map_err(|e| map(&e))?;
        t.make_transfer(b.store, client, ids::VERIFREG, &tokens)
            .map_err(|e| map(&e))?;
        b.set_state(ids::DATACAP, &dc)?;
        let mut vr: VerifregState = b.state(ids::VERIFREG)?;
        let new_ids = vr
            .insert_allocations(
                b.store,
                client,
                list.iter().map(|(_, a)| a.clone()).collect(),
            )
            .map_err(err("inserting allocations"))?;
        b.set_state(ids::VERIFREG, &vr)?;
        for ((cid, _), id) in list.iter().zip(new_ids) {
            alloc_ids.insert(*cid, id);
        }
    }

    let mut st: MarketState = b.state(ids::MARKET)?;
    let (mut props, mut by_epoch, mut pending_allocs, mut new_ids) =
        (vec![], vec![], vec![], vec![]);
    for (d, cid) in deals.into_iter().zip(&cids) {
        st.lock_client_and_provider_balances(b.store, &d)
            .map_err(err("locking deal balances"))?;
        let id = st.generate_storage_deal_id();
        if let Some(a) = alloc_ids.get(cid) {
            pending_allocs.push((id, *a));
        }
        by_epoch.push((
            next_update_epoch(id, b.policy.deal_updates_interval, d.start_epoch),
            id,
        ));
        props.push((id, d));
        new_ids.push(id);
    }
    st.put_pending_deals(b.store, &cids)
        .map_err(err("storing pending deals"))?;
    st.put_deal_proposals(b.store, &props)
        .map_err(err("storing proposals"))?;
    st.put_pending_deal_allocation_ids(b.store, &pending_allocs)
        .map_err(err("storing allocation IDs"))?;
    st.put_deals_by_epoch(b.store, &by_epoch)
        .map_err(err("scheduling deals"))?;
    b.set_state(ids::MARKET, &st)?;
    Ok(new_ids)
}

fn id_of(a: &Address) -> Result<u64> {
    a.id()
        .map_err(|_| anyhow!("genesis: deal party {a} is not an ID address"))
}

/// Market `BatchActivateDeals` for one sector, then verified registry
/// `ClaimAllocations` and the datacap burn. Returns (unverified, verified) bytes.
pub fn activate_deals<BS: Blockstore>(
    b: &mut Builder<'_, BS>,
    miner: u64,
    sector: u64,
    sector_expiry: ChainEpoch,
    deal_ids: &[u64],
) -> Result<(u64, u64)> {
    let mut st: MarketState = b.state(ids::MARKET)?;
    let proposals = st
        .load_proposals(b.store)
        .map_err(err("loading proposals"))?;
    let mut pending = st
        .load_pending_deal_allocation_ids(b.store)
        .map_err(err("loading allocation IDs"))?;
    let (mut states, mut claims, mut unverified) = (vec![], vec![], 0u64);
    for &id in deal_ids {
        let p = proposals
            .get(id)
            .map_err(|e| anyhow!("genesis: loading deal {id}: {e}"))?
            .ok_or_else(|| anyhow!("genesis: no deal {id}"))?
            .clone();
        if p.provider != Address::new_id(miner) || p.end_epoch > sector_expiry {
            bail!("genesis: deal {id} cannot be activated in sector {sector} of f0{miner}");
        }
        let alloc = pending
            .delete(&id)
            .map_err(err("removing the allocation ID"))?
            .unwrap_or(NO_ALLOCATION_ID);
        if alloc == NO_ALLOCATION_ID {
            unverified += p.piece_size.0;
        } else {
            claims.push((alloc, id_of(&p.client)?, p.piece_size));
        }
        states.push((
            id,
            DealState {
                sector_number: sector,
                sector_start_epoch: 0,
                last_updated_epoch: -1,
                slash_epoch: -1,
            },
        ));
    }
    st.put_deal_states(b.store, &states)
        .map_err(err("storing deal states"))?;
    st.put_sector_deal_ids(b.store, miner, &[(sector, deal_ids.to_vec())])
        .map_err(err("storing sector deals"))?;
    st.save_pending_deal_allocation_ids(&mut pending)
        .map_err(err("saving allocation IDs"))?;
    b.set_state(ids::MARKET, &st)?;

    let mut vr: VerifregState = b.state(ids::VERIFREG)?;
    let mut allocs = vr
        .load_allocs(b.store)
        .map_err(err("loading allocations"))?;
    let mut cl = vr.load_claims(b.store).map_err(err("loading claims"))?;
    let mut verified = 0u64;
    for (alloc_id, client, size) in claims {
        let a = allocs
            .get(client, alloc_id)
            .map_err(|e| anyhow!("genesis: loading allocation {alloc_id}: {e}"))?
            .ok_or_else(|| anyhow!("genesis: no allocation {alloc_id} for client f0{client}"))?
            .clone();
        if a.provider != miner
            || a.size != size
            || sector_expiry < a.term_min
            || sector_expiry > a.term_max
        {
            bail!(
                "genesis: allocation {alloc_id} cannot be claimed by sector {sector} of f0{miner}"
            );
        }
        let claim = Claim {
            provider: miner,
            client: a.client,
            data: a.data,
            size: a.size,
            term_min: a.term_min,
            term_max: a.term_max,
            term_start: 0,
            sector,
        };
        if !cl
            .put_if_absent(miner, alloc_id, claim)
            .map_err(|e| anyhow!("genesis: writing claim: {e}"))?
        {
            bail!("genesis: claim {alloc_id} already exists");
        }
        allocs
            .remove(client, alloc_id)
            .map_err(|e| anyhow!("genesis: removing allocation: {e}"))?;
        verified += size.0;
    }
    vr.save_allocs(&mut allocs)
        .map_err(err("saving allocations"))?;
    vr.save_claims(&mut cl).map_err(err("saving claims"))?;
    b.set_state(ids::VERIFREG, &vr)?;

    if verified > 0 {
        let mut dc: DatacapState = b.state(ids::DATACAP)?;
        let burn = TokenAmount::from_whole(verified);
        dc.token
            .change_balance_by(b.store, ids::VERIFREG, &-burn.clone())
            .map_err(|e| anyhow!("genesis: burning datacap: {e}"))?;
        dc.token
            .change_supply_by(&-burn)
            .map_err(|e| anyhow!("genesis: burning datacap: {e}"))?;
        b.set_state(ids::DATACAP, &dc)?;
    }
    Ok((unverified, verified))
}
