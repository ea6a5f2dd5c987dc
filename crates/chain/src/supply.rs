//! Circulating supply as Lotus computes it: the per-actor sum behind
//! `StateCirculatingSupply`, and the VM's figure (vested + mined + reserve disbursed
//! − burnt − locked) behind pledge and deposit estimates.

use crate::state_view::StateView;
use anyhow::{bail, Result};
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::bigint::{BigInt, Integer};
use fvm_shared::econ::TokenAmount;
use padma_state::actors::ids;
use padma_state::genesis::{MultisigState, FIL_BASE};
use padma_state::ActorKind;

/// Lotus's `SaftAddress` (t0122), counted as not circulating.
const SAFT_ID: u64 = 122;

/// A multisig's locked amount `elapsed` epochs after its vesting start (builtin-actors
/// `amount_locked`: all of it before the start, the ceiling of the pro-rata share after).
fn msig_locked(initial: &TokenAmount, duration: i64, elapsed: i64) -> TokenAmount {
    if elapsed >= duration {
        return TokenAmount::default();
    }
    if elapsed <= 0 {
        return initial.clone();
    }
    let num = initial.atto() * BigInt::from(duration - elapsed);
    TokenAmount::from_atto(num.div_ceil(&BigInt::from(duration)))
}

/// Lotus `GetCirculatingSupply`: each actor's balance split into circulating and not.
pub fn circulating<BS: Blockstore + Clone>(v: &StateView<BS>, height: i64) -> Result<TokenAmount> {
    let (mut circ, mut uncirc) = (TokenAmount::default(), TokenAmount::default());
    let mut failure = None;
    v.tree().for_each(|id, a| {
        if a.balance.is_zero() {
            return Ok(());
        }
        let fixed = [
            ids::INIT,
            ids::REWARD,
            ids::VERIFREG,
            ids::POWER,
            ids::SYSTEM,
            ids::CRON,
            ids::BURNT_FUNDS,
            SAFT_ID,
            ids::RESERVE,
            ids::EAM,
            ids::DATACAP,
        ];
        if fixed.contains(&id) {
            uncirc += &a.balance;
            return Ok(());
        }
        if id == ids::MARKET {
            circ += &a.balance;
            return Ok(());
        }
        match ActorKind::from_code(&a.code) {
            Some(
                ActorKind::Account
                | ActorKind::PaymentChannel
                | ActorKind::EthAccount
                | ActorKind::Evm
                | ActorKind::Placeholder,
            ) => circ += &a.balance,
            Some(ActorKind::StorageMiner) => {
                let st: fil_actor_miner_state::v18::State = v.load(&a.state)?;
                match st.get_available_balance(&a.balance) {
                    Ok(ab) => {
                        uncirc += &a.balance - &ab;
                        circ += ab;
                    }
                    Err(_) => uncirc += &a.balance,
                }
            }
            Some(ActorKind::Multisig) => {
                let st: MultisigState = v.load(&a.state)?;
                let lb = msig_locked(
                    &st.initial_balance,
                    st.unlock_duration,
                    height - st.start_epoch,
                );
                let ab = &a.balance - &lb;
                circ += if ab.is_negative() {
                    TokenAmount::default()
                } else {
                    ab
                };
                uncirc += if a.balance < lb {
                    a.balance.clone()
                } else {
                    lb
                };
            }
            _ => failure = Some(format!("unexpected actor: f0{id}")),
        }
        Ok(())
    })?;
    if let Some(f) = failure {
        bail!(f);
    }
    let total = &circ + &uncirc;
    if total != TokenAmount::from_whole(FIL_BASE) {
        bail!(
            "total filecoin didn't add to expected amount: {} != {}",
            total.atto(),
            TokenAmount::from_whole(FIL_BASE).atto()
        );
    }
    Ok(circ)
}

/// Lotus `GetVMCirculatingSupplyDetailed(...).FilCirculating` on a devnet at `height`.
pub fn vm_circulating<BS: Blockstore + Clone>(
    v: &StateView<BS>,
    height: i64,
) -> Result<TokenAmount> {
    let lotus = padma_state::vm::LotusSupply::devnet();
    let vested = lotus.vested(height);
    let bal = |id: u64| -> Result<TokenAmount> {
        Ok(v.tree()
            .get_actor(id)?
            .map(|a| a.balance)
            .unwrap_or_default())
    };
    let disbursed = lotus.initial_reserved - bal(ids::RESERVE)?;
    let reward: fil_actor_reward_state::v18::State = v.actor_state(ids::REWARD)?;
    let power: fil_actor_power_state::v18::State = v.actor_state(ids::POWER)?;
    let c = vested + reward.total_storage_power_reward + disbursed
        - bal(ids::BURNT_FUNDS)?
        - power.total_pledge_collateral;
    Ok(if c.is_negative() {
        TokenAmount::default()
    } else {
        c
    })
}
