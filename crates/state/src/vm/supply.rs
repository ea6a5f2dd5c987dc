//! Lotus's circulating supply (`GetVMCirculatingSupply`) for networks past the
//! Calico upgrade, which is every 2k devnet from genesis:
//!
//! `max(0, vested + mined + reserveDisbursed − burnt − locked)`, where
//! * `vested` follows Lotus's fixed post-Calico vesting schedule (linear unlocks of
//!   whole-FIL amounts over 0 days … 6 years, starting at the Liftoff height),
//! * `mined` is the reward actor's `total_storage_power_reward`,
//! * `reserveDisbursed` is the initial reserve minus the balance of f090,
//! * `burnt` is f099's balance and `locked` the power actor's total pledge.

use crate::actors::ids;
use crate::runtime::{CircSupply, SupplyParts};
use crate::tree::{ActorState, StateTree};
use anyhow::Result;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;

/// The supply parts of the state `root` (see [`read_supply_parts`]).
pub fn supply_parts_at<BS: Blockstore>(bs: &BS, root: &Cid) -> Result<SupplyParts> {
    let tree = StateTree::load(bs, root)?;
    read_supply_parts(bs, |id| tree.get_actor(id))
}

/// Reads the parts of the circulating supply from the actors `get` returns: FIL mined
/// (reward actor), burnt (f099), locked (power actor's pledge) and the reserve's
/// balance. Actors not yet constructed (empty state) contribute nothing.
pub fn read_supply_parts<BS: Blockstore>(
    bs: &BS,
    get: impl Fn(u64) -> Result<Option<ActorState>>,
) -> Result<SupplyParts> {
    use fil_actor_power_state::v18::State as PowerState;
    use fil_actor_reward_state::v18::State as RewardState;
    let mut p = SupplyParts::default();
    let constructed = |a: &ActorState| a.state != crate::ipld::empty_array_cid();
    if let Some(a) = get(ids::REWARD)?.filter(constructed) {
        let st: RewardState = crate::ipld::get_cbor(bs, &a.state)?;
        p.mined = st.total_storage_power_reward;
    }
    if let Some(a) = get(ids::BURNT_FUNDS)? {
        p.burnt = a.balance;
    }
    if let Some(a) = get(ids::POWER)?.filter(constructed) {
        let st: PowerState = crate::ipld::get_cbor(bs, &a.state)?;
        p.locked = st.total_pledge_collateral;
    }
    p.reserve_balance = get(ids::RESERVE)?.map(|a| a.balance);
    Ok(p)
}

/// Epochs per day (30-second epochs, as the schedule is written).
const EPOCHS_IN_DAY: i64 = 2880;

/// (unlock duration in epochs, whole FIL) of the post-Calico vesting schedule.
const SCHEDULE: [(i64, u64); 6] = [
    (0, 10_632_000),
    (183 * EPOCHS_IN_DAY, 19_015_887 + 32_787_700),
    (365 * EPOCHS_IN_DAY, 22_421_712 + 9_400_000),
    (2 * 365 * EPOCHS_IN_DAY, 7_223_364),
    (3 * 365 * EPOCHS_IN_DAY, 87_637_883 + 898_958),
    (
        6 * 365 * EPOCHS_IN_DAY,
        100_000_000 + 300_000_000 + 9_805_053,
    ),
];

/// Lotus's circulating supply with its build's vesting start and initial reserve.
#[derive(Clone, Debug)]
pub struct LotusSupply {
    /// `UpgradeLiftoffHeight`: when the vesting schedule starts (−6 on 2k builds).
    pub vesting_start: ChainEpoch,
    /// The reserve's initial balance (1.4 billion FIL on 2k builds from nv25, FIP-0100).
    pub initial_reserved: TokenAmount,
}

impl LotusSupply {
    /// The 2k/devnet build's parameters.
    pub fn devnet() -> Self {
        LotusSupply {
            vesting_start: -6,
            initial_reserved: TokenAmount::from_whole(1_400_000_000),
        }
    }

    /// FIL vested by the schedule at `epoch`.
    pub fn vested(&self, epoch: ChainEpoch) -> TokenAmount {
        let elapsed = epoch - self.vesting_start;
        SCHEDULE
            .iter()
            .map(|(duration, fil)| {
                let initial = TokenAmount::from_whole(*fil);
                let locked = if elapsed >= *duration {
                    TokenAmount::default()
                } else {
                    initial.div_floor(*duration) * (*duration - elapsed)
                };
                initial - locked
            })
            .sum()
    }
}

impl CircSupply for LotusSupply {
    fn circulating_supply(&self, epoch: ChainEpoch, p: &SupplyParts) -> Result<TokenAmount> {
        let disbursed = match &p.reserve_balance {
            Some(b) => &self.initial_reserved - b,
            None => TokenAmount::default(),
        };
        let c = self.vested(epoch) + &p.mined + disbursed - &p.burnt - &p.locked;
        Ok(if c.is_negative() {
            TokenAmount::default()
        } else {
            c
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vesting_schedule() {
        let s = LotusSupply::devnet();
        // At genesis only the immediate tranche (plus a few epochs' worth) has vested.
        let v0 = s.vested(0);
        assert!(v0 > TokenAmount::from_whole(10_632_000));
        assert!(v0 < TokenAmount::from_whole(10_700_000));
        assert!(s.vested(1000) > v0);
        let total: u64 = SCHEDULE.iter().map(|(_, f)| f).sum();
        assert_eq!(
            s.vested(7 * 365 * EPOCHS_IN_DAY),
            TokenAmount::from_whole(total)
        );
    }

    #[test]
    fn supply_formula() {
        let s = LotusSupply::devnet();
        let parts = SupplyParts {
            mined: TokenAmount::from_whole(5),
            burnt: TokenAmount::from_whole(2),
            locked: TokenAmount::from_whole(1),
            reserve_balance: Some(TokenAmount::from_whole(1_399_999_990)),
        };
        let c = s.circulating_supply(0, &parts).unwrap();
        assert_eq!(c, s.vested(0) + TokenAmount::from_whole(5 + 10 - 2 - 1));
    }
}
