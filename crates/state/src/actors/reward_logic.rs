//! The reward actor's minting model (Filecoin spec "Block Reward Minting"): simple
//! minting decaying exponentially (half-life six years) plus baseline minting, which
//! follows the network's effective time — how far cumulative realised power (capped
//! at the baseline) has caught up with the cumulative baseline, a baseline that
//! doubles every year. All arithmetic is fixed-point Q.128 on big integers, so the
//! results are bit-exact with builtin-actors.

use fil_actor_reward_state::v18::{State, BASELINE_EXPONENT};
use fil_actors_shared::v18::builtin::reward::math::{poly_parse, poly_val, PRECISION};
use fil_actors_shared::v18::builtin::reward::smooth::{
    AlphaBetaFilter, DEFAULT_ALPHA, DEFAULT_BETA,
};
use fvm_shared::bigint::{BigInt, Integer};
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::StoragePower;
use std::sync::LazyLock;

/// `e^λ − 1` in Q.128, with `λ = ln 2 / (6 years of 30 s epochs)`.
static EXP_LAM_SUB_ONE: LazyLock<BigInt> =
    LazyLock::new(|| BigInt::from(37396273494747879394193016954629u128));
/// `λ` in Q.128.
static LAMBDA: LazyLock<BigInt> =
    LazyLock::new(|| BigInt::from(37396271439864487274534522888786u128));

/// Numerator coefficients of the rational approximation of `e^-x` (Q.128, highest
/// degree first).
pub const EXPNEG_NUM: [&str; 8] = [
    "-648770010757830093818553637600",
    "67469480939593786226847644286976",
    "-3197587544499098424029388939001856",
    "89244641121992890118377641805348864",
    "-1579656163641440567800982336819953664",
    "17685496037279256458459817590917169152",
    "-115682590513835356866803355398940131328",
    "340282366920938463463374607431768211456",
];
/// Denominator coefficients of the same approximation.
pub const EXPNEG_DEN: [&str; 14] = [
    "1225524182432722209606361",
    "114095592300906098243859450",
    "5665570424063336070530214243",
    "194450132448609991765137938448",
    "5068267641632683791026134915072",
    "104716890604972796896895427629056",
    "1748338658439454459487681798864896",
    "23704654329841312470660182937960448",
    "259380097567996910282699886670381056",
    "2250336698853390384720606936038375424",
    "14978272436876548034486263159246028800",
    "72144088983913131323343765784380833792",
    "224599776407103106596571252037123047424",
    "340282366920938463463374607431768211456",
];

static EXPNEG_COEFS: LazyLock<(Vec<BigInt>, Vec<BigInt>)> = LazyLock::new(|| {
    let num = poly_parse(&EXPNEG_NUM).expect("valid coefficients");
    let den = poly_parse(&EXPNEG_DEN).expect("valid coefficients");
    (num, den)
});

/// `e^-x` for `x` in Q.128 (precise on [0, 5)), in Q.128.
pub fn expneg(x: &BigInt) -> BigInt {
    let (num, den) = &*EXPNEG_COEFS;
    (poly_val(num, x) << PRECISION).div_floor(&poly_val(den, x))
}

/// The baseline one epoch after a baseline of `prev`.
pub fn baseline_power_from_prev(prev: &StoragePower) -> StoragePower {
    (prev * &*BASELINE_EXPONENT) >> PRECISION
}

/// The fractional effective network time θ (Q.128), interpolating linearly between
/// the cumulative baselines at ⌊θ⌋ and ⌈θ⌉ = `effective_network_time`.
pub fn compute_r_theta(
    effective_network_time: ChainEpoch,
    baseline_at_effective_time: &BigInt,
    cumsum_realized: &BigInt,
    cumsum_baseline: &BigInt,
) -> BigInt {
    if effective_network_time == 0 {
        return BigInt::default();
    }
    let whole = BigInt::from(effective_network_time) << PRECISION;
    let short =
        ((cumsum_baseline - cumsum_realized) << PRECISION).div_floor(baseline_at_effective_time);
    whole - short
}

/// `(1 − e^(−λθ)) × baseline_total`, in Q.128.
fn baseline_supply(theta: BigInt, baseline_total: &BigInt) -> BigInt {
    let lam_theta = (theta * &*LAMBDA) >> PRECISION;
    ((BigInt::from(1) << PRECISION) - expneg(&lam_theta)) * baseline_total
}

/// The reward for all of an epoch's expected leaders, as effective network time
/// moves from `prev_theta` to `curr_theta` at `epoch`.
pub fn compute_reward(
    epoch: ChainEpoch,
    prev_theta: BigInt,
    curr_theta: BigInt,
    simple_total: &TokenAmount,
    baseline_total: &TokenAmount,
) -> TokenAmount {
    let simple =
        ((simple_total.atto() * &*EXP_LAM_SUB_ONE) * expneg(&(&*LAMBDA * epoch))) >> PRECISION;
    let baseline = baseline_supply(curr_theta, baseline_total.atto())
        - baseline_supply(prev_theta, baseline_total.atto());
    TokenAmount::from_atto((simple + baseline) >> PRECISION)
}

/// Advances the state one epoch with `realized` network power (null rounds).
pub fn update_to_next_epoch(st: &mut State, realized: &StoragePower) {
    st.epoch += 1;
    st.this_epoch_baseline_power = baseline_power_from_prev(&st.this_epoch_baseline_power);
    st.cumsum_realized += std::cmp::min(&st.this_epoch_baseline_power, realized);
    while st.cumsum_realized > st.cumsum_baseline {
        st.effective_network_time += 1;
        st.effective_baseline_power = baseline_power_from_prev(&st.effective_baseline_power);
        st.cumsum_baseline += &st.effective_baseline_power;
    }
}

fn theta(st: &State) -> BigInt {
    compute_r_theta(
        st.effective_network_time,
        &st.effective_baseline_power,
        &st.cumsum_realized,
        &st.cumsum_baseline,
    )
}

/// Advances the state one epoch and computes the reward for the next epoch.
pub fn update_to_next_epoch_with_reward(st: &mut State, realized: &StoragePower) {
    let prev = theta(st);
    update_to_next_epoch(st, realized);
    let curr = theta(st);
    st.this_epoch_reward =
        compute_reward(st.epoch, prev, curr, &st.simple_total, &st.baseline_total);
}

/// Feeds this epoch's reward into the smoothed estimate, `delta` epochs on.
pub fn update_smoothed_estimates(st: &mut State, delta: ChainEpoch) {
    let filter = AlphaBetaFilter::load(
        &st.this_epoch_reward_smoothed,
        &DEFAULT_ALPHA,
        &DEFAULT_BETA,
    );
    st.this_epoch_reward_smoothed = filter.next_estimate(st.this_epoch_reward.atto(), delta);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fil_actor_reward_state::v18::{BASELINE_INITIAL_VALUE, INIT_BASELINE_POWER};
    use fvm_shared::clock::EPOCH_UNDEFINED;
    use std::str::FromStr;

    fn totals() -> (TokenAmount, TokenAmount) {
        (
            TokenAmount::from_whole(330_000_000),
            TokenAmount::from_whole(770_000_000),
        )
    }

    #[test]
    fn simple_reward_golden_values() {
        let (s, b) = totals();
        for (x, y) in [
            (0i64, "36266264293777134739"),
            (5000, "36246341860983438171"),
            (990000, "32527606643308402322"),
            (2555000, "27387841182142501307"),
        ] {
            let r = compute_reward(x, BigInt::default(), BigInt::default(), &s, &b);
            assert_eq!(r.atto().to_string(), y, "epoch {x}");
        }
    }

    #[test]
    fn baseline_reward_golden_values() {
        let (s, b) = totals();
        let simple = compute_reward(0, BigInt::default(), BigInt::default(), &s, &b);
        for (t0, t1, y) in [
            (
                "0",
                "340282366920938463463374607398434878123",
                "84621274052457285111",
            ),
            (
                "166738359791259847097053557641558801391217854",
                "166738700073626768035517021016166199826095977",
                "80184946416504695579",
            ),
            (
                "869421447482997774148922121988128035825635953",
                "869421787765364695087385585362735434260514076",
                "63904955735320338264",
            ),
        ] {
            let t0 = BigInt::from_str(t0).unwrap();
            let t1 = BigInt::from_str(t1).unwrap();
            let r = compute_reward(0, t0, t1, &s, &b) - &simple;
            assert_eq!(r.atto().to_string(), y);
        }
    }

    #[test]
    fn one_epoch_update_matches_the_v18_constructor() {
        let (simple_total, baseline_total) = totals();
        for power in [0u64, 2048, 1 << 40, 10 << 50] {
            let power = StoragePower::from(power);
            let expected = State::new(power.clone());
            let mut st = State {
                effective_baseline_power: BASELINE_INITIAL_VALUE.clone(),
                this_epoch_baseline_power: INIT_BASELINE_POWER.clone(),
                epoch: EPOCH_UNDEFINED,
                this_epoch_reward_smoothed: expected.this_epoch_reward_smoothed.clone(),
                simple_total: simple_total.clone(),
                baseline_total: baseline_total.clone(),
                ..Default::default()
            };
            update_to_next_epoch_with_reward(&mut st, &power);
            assert_eq!(
                fvm_ipld_encoding::to_vec(&st).unwrap(),
                fvm_ipld_encoding::to_vec(&expected).unwrap()
            );
        }
    }
}
