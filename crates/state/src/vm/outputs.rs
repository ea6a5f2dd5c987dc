//! How a message's gas payment is split (protocol.md §3.9): base-fee burn, miner tip,
//! over-estimation burn, miner penalty and the refund to the sender.

use fvm_shared::econ::TokenAmount;

/// The split of `GasFeeCap × GasLimit` after a message ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GasOutputs {
    /// `min(baseFee, feeCap) × gasUsed`, burnt (sent to f099).
    pub base_fee_burn: TokenAmount,
    /// `min(baseFee, feeCap) × gasBurned`, burnt (sent to f099).
    pub over_estimation_burn: TokenAmount,
    /// What the block's miner is penalised: the base-fee shortfall when `feeCap < baseFee`.
    pub miner_penalty: TokenAmount,
    /// `min(premium, feeCap − baseFeeToPay) × gasLimit`, credited to the reward actor.
    pub miner_tip: TokenAmount,
    /// Returned to the sender.
    pub refund: TokenAmount,
    /// Gas units refunded.
    pub gas_refund: u64,
    /// Gas units burnt for over-estimation.
    pub gas_burned: u64,
}

impl GasOutputs {
    /// Splits the payment of a message that used `gas_used` of `gas_limit`.
    /// `base_fee_burn + over_estimation_burn + miner_tip + refund = fee_cap × gas_limit`.
    pub fn compute(
        gas_used: u64,
        gas_limit: u64,
        base_fee: &TokenAmount,
        fee_cap: &TokenAmount,
        premium: &TokenAmount,
    ) -> Self {
        let base_fee_to_pay = if base_fee > fee_cap {
            fee_cap
        } else {
            base_fee
        };
        let shortfall = base_fee - base_fee_to_pay;
        let mut out = GasOutputs {
            miner_penalty: &shortfall * gas_used,
            base_fee_burn: base_fee_to_pay * gas_used,
            ..Default::default()
        };
        let headroom = fee_cap - base_fee_to_pay;
        let tip = if premium > &headroom {
            headroom
        } else {
            premium.clone()
        };
        out.miner_tip = tip * gas_limit;

        let (refund, burned) = over_estimation(gas_used, gas_limit);
        out.gas_refund = refund;
        out.gas_burned = burned;
        if burned != 0 {
            out.over_estimation_burn = base_fee_to_pay * burned;
            out.miner_penalty += &shortfall * burned;
        }
        out.refund =
            fee_cap * gas_limit - &out.base_fee_burn - &out.miner_tip - &out.over_estimation_burn;
        out
    }
}

/// (gas refunded, gas burnt): the portion of the unused gas beyond a 10% margin is
/// burnt, at most 100% of it.
fn over_estimation(gas_used: u64, gas_limit: u64) -> (u64, u64) {
    if gas_used == 0 {
        return (0, gas_limit);
    }
    let used = gas_used as u128;
    let limit = gas_limit as u128;
    let over = limit.saturating_sub(11 * used / 10).min(used);
    let remaining = limit.saturating_sub(used);
    let burned = remaining * over / used;
    ((remaining - burned) as u64, burned as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_estimation_vectors() {
        for (used, limit, refund, burned) in [
            (100, 200, 10, 90),
            (100, 150, 30, 20),
            (1_000, 1_300, 240, 60),
            (500, 700, 140, 60),
            (200, 200, 0, 0),
            (20_000, 21_000, 1_000, 0),
            (0, 2_000, 0, 2_000),
            (500, 651, 121, 30),
            (500, 5_000, 0, 4_500),
            (7_499_000_000, 7_500_000_000, 1_000_000, 0),
            (3_750_000_000, 7_500_000_000, 375_000_000, 3_375_000_000),
            (1, 7_500_000_000, 0, 7_499_999_999),
        ] {
            assert_eq!(
                over_estimation(used, limit),
                (refund, burned),
                "{used}/{limit}"
            );
        }
    }

    #[test]
    fn outputs_sum_to_the_deposit() {
        let t = TokenAmount::from_atto;
        for (used, limit, base, cap, prem) in [
            (100u64, 110u64, 10u64, 20u64, 5u64),
            (100, 200, 10, 20, 15),
            (100, 200, 30, 20, 5),
            (0, 200, 10, 20, 5),
            (200, 200, 10, 10, 10),
        ] {
            let o = GasOutputs::compute(used, limit, &t(base), &t(cap), &t(prem));
            assert_eq!(
                &o.base_fee_burn + &o.over_estimation_burn + &o.miner_tip + &o.refund,
                t(cap * limit)
            );
            assert!(!o.refund.is_negative());
        }
        // Tip is premium × limit, capped by the fee cap headroom.
        let o = GasOutputs::compute(100, 110, &t(10), &t(20), &t(5));
        assert_eq!(o.miner_tip, t(550));
        assert_eq!(o.base_fee_burn, t(1000));
        assert_eq!(o.miner_penalty, t(0));
        let o = GasOutputs::compute(100, 110, &t(30), &t(20), &t(5));
        assert_eq!(o.miner_tip, t(0));
        assert_eq!(o.miner_penalty, t(1000));
    }
}
