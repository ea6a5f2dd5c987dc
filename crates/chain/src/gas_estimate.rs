//! Lotus's gas estimation (`GasEstimateGasPremium`, `GasEstimateFeeCap`, the gas
//! limit overestimation of `GasEstimateMessageGas`, and the `MaxFee` cap applied
//! before a message is signed) as pure functions. The callers gather the chain data
//! (recent premiums, the parent base fee) and any randomness.

use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_types::message::BLOCK_GAS_LIMIT;

use crate::basefee::{BASE_FEE_MAX_CHANGE_DENOM, BLOCK_GAS_TARGET};

/// The lowest gas premium the estimator suggests, in attoFIL per gas unit, when
/// waiting three or more tipsets is acceptable (Lotus `MinGasPremium`).
pub const MIN_GAS_PREMIUM: u64 = 100_000;

/// The largest `nblocksincl` the premium estimator honours (Lotus `MaxGasHistory`).
pub const MAX_GAS_HISTORY: u64 = 128;

/// The factor by which an estimated gas limit is raised over the gas the trial run used
/// (the default of Lotus's mpool `GasLimitOverestimation`).
pub const GAS_LIMIT_OVERESTIMATION: f64 = 1.25;

/// Lotus's default `DefaultMaxFee` (0.07 FIL) in attoFIL: what a message may spend on
/// gas at most when its send spec names no `MaxFee`.
pub const DEFAULT_MAX_FEE_ATTO: u64 = 70_000_000_000_000_000;

/// The default maximum gas spend per message (0.07 FIL), as a token amount.
pub fn default_max_fee() -> TokenAmount {
    TokenAmount::from_atto(DEFAULT_MAX_FEE_ATTO)
}

/// Fixed-point precision (in bits) of the multiplier applied to the premium noise.
const NOISE_PRECISION: u32 = 32;

/// Fixed-point precision (in bits) of the fee-cap increase factor.
const FEE_CAP_PRECISION: u32 = 8;

/// `nblocksincl` as the estimator uses it: 0 counts as 1, and at most [`MAX_GAS_HISTORY`].
pub fn clamp_nblocksincl(nblocksincl: u64) -> u64 {
    nblocksincl.clamp(1, MAX_GAS_HISTORY)
}

/// How many tipsets back from the given one the premium estimator reads the messages
/// of: `2 × nblocksincl` (after [`clamp_nblocksincl`]), stopping early at genesis.
pub fn premium_history_tipsets(nblocksincl: u64) -> u64 {
    2 * clamp_nblocksincl(nblocksincl)
}

/// The gas-limit-weighted "median" premium Lotus suggests from `(premium, gas limit)`
/// pairs read from `blocks` blocks: walking from the highest premium down, the premium
/// at which 52.5% of the blocks' total gas target is used up (averaged with the premium
/// just above it when that one is not zero), or the lowest premium if the messages never
/// use that much. Zero when there are no messages.
pub fn median_gas_premium(recent: &[(TokenAmount, u64)], blocks: u64) -> TokenAmount {
    let mut sorted: Vec<&(TokenAmount, u64)> = recent.iter().collect();
    // Highest first; a stable sort keeps the input order among equal premiums.
    sorted.sort_by(|a, b| b.0.cmp(&a.0));

    let capacity = i128::from(BLOCK_GAS_TARGET) * i128::from(blocks);
    let mut remaining = capacity / 2 + capacity / 40;
    let zero = TokenAmount::from_atto(0);
    let (mut last, mut before_last) = (&zero, &zero);
    for (premium, limit) in sorted {
        before_last = last;
        last = premium;
        remaining -= i128::from(*limit);
        if remaining < 0 {
            break;
        }
    }
    if before_last.is_zero() {
        last.clone()
    } else {
        (last + before_last).div_floor(2)
    }
}

/// Multiplies `premium` by `noise` as Lotus does: in 32-bit fixed point, with the
/// multiplier `trunc(noise · 2³²) + 1`, and the product divided down again (rounding
/// towards negative infinity). A `noise` of 1.0 leaves a premium unchanged.
pub fn apply_premium_noise(premium: &TokenAmount, noise: f64) -> TokenAmount {
    let scale = 1u64 << NOISE_PRECISION;
    let multiplier = u128::from((noise * scale as f64) as u64) + 1;
    (premium * multiplier).div_floor(scale)
}

/// A noise factor drawn from Lotus's distribution for [`estimate_gas_premium`]:
/// `1 + 0.005 · N(0, 1)` (about 95% of draws within ±1%). `uniform` must return
/// independent samples uniformly distributed in `[0, 1)` (for example `|| rng.gen()`
/// with a `rand` generator); two are drawn (Box–Muller transform).
pub fn lotus_noise(mut uniform: impl FnMut() -> f64) -> f64 {
    // 1 - u lies in (0, 1], so its logarithm is finite.
    let u1 = 1.0 - uniform();
    let u2 = uniform();
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    1.0 + normal * 0.005
}

/// Lotus's `GasEstimateGasPremium`: the premium to offer for inclusion within about
/// `nblocksincl` tipsets.
///
/// `recent` holds the `(GasPremium, GasLimit)` of the messages of the last
/// [`premium_history_tipsets`]`(nblocksincl)` tipsets before the one estimated
/// against, each tipset's messages as it executes them (Lotus's `MessagesForTipset`:
/// block order, BLS then secp, duplicates and out-of-sequence nonces dropped), and
/// `blocks_seen` the number of blocks in those tipsets. The [`median_gas_premium`] is raised to at least 200,000 for
/// `nblocksincl` 1 (or 0), 150,000 for 2 and [`MIN_GAS_PREMIUM`] otherwise, then
/// scaled by `noise` ([`apply_premium_noise`]; pass [`lotus_noise`] for Lotus's
/// behaviour, 1.0 for none).
pub fn estimate_gas_premium(
    nblocksincl: u64,
    recent: &[(TokenAmount, u64)],
    blocks_seen: u64,
    noise: f64,
) -> TokenAmount {
    let nblocksincl = clamp_nblocksincl(nblocksincl);
    let mut premium = median_gas_premium(recent, blocks_seen);
    if premium < TokenAmount::from_atto(MIN_GAS_PREMIUM) {
        let floor = match nblocksincl {
            1 => 2 * MIN_GAS_PREMIUM,
            2 => MIN_GAS_PREMIUM * 3 / 2,
            _ => MIN_GAS_PREMIUM,
        };
        premium = TokenAmount::from_atto(floor);
    }
    apply_premium_noise(&premium, noise)
}

/// `x` raised to the integer power `n`, rounded exactly as Go's `math.Pow` rounds it
/// for integral exponents (binary exponentiation on the mantissa, with powers of two
/// carried separately), so the fee cap matches Lotus's bit for bit. `x` must be a
/// positive normal number.
fn go_pow_integral(x: f64, n: i64) -> f64 {
    let y = n as f64;
    if y == 0.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    let magnitude = y.abs();
    if magnitude >= 9_223_372_036_854_775_808.0 {
        // Exponents this large overflow or underflow for every x other than ±1.
        return if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    // frexp: x = x1 · 2^xe with x1 in [0.5, 1).
    let bits = x.to_bits();
    let mut xe = ((bits >> 52) & 0x7ff) as i64 - 1022;
    let mut x1 = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    let (mut a1, mut ae) = (1.0f64, 0i64);
    let mut i = magnitude as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    // ldexp, in two steps so that neither power of two overflows on its own.
    let half = ae / 2;
    a1 * 2f64.powi(half as i32) * 2f64.powi((ae - half) as i32)
}

/// Lotus's `GasEstimateFeeCap`: the fee cap that still covers the base fee after it has
/// risen by 1/8 in each of `max_queue_blks` tipsets, plus the premium.
///
/// The factor `1.125^max_queue_blks` is taken in 8-bit fixed point
/// (`trunc(factor · 256)`, computed with Go's `math.Pow` rounding), so the result is
/// `base_fee · trunc(factor · 256) / 256 + premium`.
pub fn estimate_fee_cap(
    base_fee: &TokenAmount,
    max_queue_blks: i64,
    premium: &TokenAmount,
) -> TokenAmount {
    let growth = 1.0 + 1.0 / BASE_FEE_MAX_CHANGE_DENOM as f64;
    let factor = go_pow_integral(growth, max_queue_blks);
    let scale = 1u64 << FEE_CAP_PRECISION;
    let fixed = (factor * scale as f64) as u64;
    (base_fee * fixed).div_floor(scale) + premium
}

/// Lotus's `CapGasFee` for a send spec with `MaximizeFeeCap` unset: see
/// [`cap_gas_fee_with`].
pub fn cap_gas_fee(msg: &mut Message, max_fee: &TokenAmount, default_max_fee: &TokenAmount) {
    cap_gas_fee_with(msg, max_fee, false, default_max_fee)
}

/// Lotus's `CapGasFee`: keeps a message's total gas spend (`GasFeeCap × GasLimit`)
/// within `max_fee` (the send spec's `MaxFee`; zero means `default_max_fee`, normally
/// [`default_max_fee`]). A fee cap over budget, or any fee cap when `maximize_fee_cap`
/// is set, becomes `max_fee / GasLimit` (rounded down); the premium is then lowered to
/// the fee cap if above it. With a gas limit of zero the fee cap is left as it is.
pub fn cap_gas_fee_with(
    msg: &mut Message,
    max_fee: &TokenAmount,
    maximize_fee_cap: bool,
    default_max_fee: &TokenAmount,
) {
    let max_fee = if max_fee.is_zero() {
        default_max_fee
    } else {
        max_fee
    };
    let total = &msg.gas_fee_cap * msg.gas_limit;
    if msg.gas_limit != 0 && (maximize_fee_cap || &total > max_fee) {
        msg.gas_fee_cap = max_fee.div_floor(msg.gas_limit);
    }
    if msg.gas_premium > msg.gas_fee_cap {
        msg.gas_premium = msg.gas_fee_cap.clone();
    }
}

/// The gas limit to give a message whose trial run used `gas_used`:
/// `trunc(gas_used × 1.25)` ([`GAS_LIMIT_OVERESTIMATION`]), at most the block gas limit.
pub fn overestimate_gas_limit(gas_used: i64) -> i64 {
    overestimate_gas_limit_by(gas_used, GAS_LIMIT_OVERESTIMATION)
}

/// [`overestimate_gas_limit`] with another factor (Lotus's mpool
/// `GasLimitOverestimation` setting): `trunc(gas_used × factor)`, at most the block
/// gas limit.
pub fn overestimate_gas_limit_by(gas_used: i64, factor: f64) -> i64 {
    let limit = (gas_used as f64 * factor) as i64;
    limit.min(BLOCK_GAS_LIMIT as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;

    fn atto(n: u64) -> TokenAmount {
        TokenAmount::from_atto(n)
    }

    fn prices(v: &[(u64, u64)]) -> Vec<(TokenAmount, u64)> {
        v.iter().map(|&(p, l)| (atto(p), l)).collect()
    }

    fn msg(limit: u64, fee_cap: u64, premium: u64) -> Message {
        Message {
            version: 0,
            from: Address::new_id(1000),
            to: Address::new_id(1001),
            sequence: 0,
            value: atto(0),
            method_num: padma_state::actors::method::SEND,
            params: Default::default(),
            gas_limit: limit,
            gas_fee_cap: atto(fee_cap),
            gas_premium: atto(premium),
        }
    }

    #[test]
    fn history_length() {
        assert_eq!(premium_history_tipsets(0), 2);
        assert_eq!(premium_history_tipsets(10), 20);
        assert_eq!(premium_history_tipsets(1_000), 256);
    }

    #[test]
    fn premium_floor_with_few_messages() {
        // No messages at all over 20 blocks: the median is 0, so the floor applies.
        assert_eq!(estimate_gas_premium(10, &[], 20, 1.0), atto(100_000));
        assert_eq!(estimate_gas_premium(3, &[], 6, 1.0), atto(100_000));
        assert_eq!(estimate_gas_premium(2, &[], 4, 1.0), atto(150_000));
        assert_eq!(estimate_gas_premium(1, &[], 2, 1.0), atto(200_000));
        assert_eq!(estimate_gas_premium(0, &[], 2, 1.0), atto(200_000));
        // Fewer messages than blocks, all cheap: still the floor.
        let few = prices(&[(50_000, 1_000_000), (10, 2_000_000)]);
        assert_eq!(estimate_gas_premium(10, &few, 20, 1.0), atto(100_000));
        // Fewer messages than blocks, expensive: the walk runs out, so the lowest
        // premium, averaged with the one above it.
        let few = prices(&[(900_000, 1_000_000), (500_000, 2_000_000)]);
        assert_eq!(estimate_gas_premium(10, &few, 20, 1.0), atto(700_000));
        let one = prices(&[(400_000, 1_000_000)]);
        assert_eq!(estimate_gas_premium(10, &one, 20, 1.0), atto(400_000));
    }

    #[test]
    fn known_median() {
        // One block: 52.5% of 5e9 = 2,625,000,000 gas units to walk.
        // 300k (1e9) -> 1.625e9 left, 200k (1e9) -> 0.625e9, 150k (1e9) -> below 0:
        // (150k + 200k) / 2 = 175k.
        let recent = prices(&[
            (100_000, 1_000_000_000),
            (200_000, 1_000_000_000),
            (300_000, 1_000_000_000),
            (150_000, 1_000_000_000),
        ]);
        assert_eq!(median_gas_premium(&recent, 1), atto(175_000));
        assert_eq!(estimate_gas_premium(10, &recent, 1, 1.0), atto(175_000));
        // Landing exactly on zero remaining does not stop the walk.
        let exact = prices(&[(300_000, 2_625_000_000), (250_001, 1)]);
        assert_eq!(median_gas_premium(&exact, 1), atto(275_000));
        // A zero premium just above the landing point is not averaged in.
        let zero_above = prices(&[(0, 10_000_000_000)]);
        assert_eq!(median_gas_premium(&zero_above, 1), atto(0));
        assert_eq!(median_gas_premium(&[], 4), atto(0));
    }

    #[test]
    fn noise_is_applied_in_fixed_point() {
        assert_eq!(apply_premium_noise(&atto(1_000_000), 1.0), atto(1_000_000));
        assert_eq!(apply_premium_noise(&atto(1_000_000), 1.01), atto(1_010_000));
        assert_eq!(apply_premium_noise(&atto(1_000_000), 0.99), atto(990_000));
        // The multiplier is trunc(noise · 2^32) + 1.
        let p = atto(1u64 << 40);
        assert_eq!(apply_premium_noise(&p, 1.0), atto((1u64 << 40) + (1 << 8)));
        let recent = prices(&[(1_000_000, 10_000_000_000)]);
        assert_eq!(estimate_gas_premium(10, &recent, 1, 1.01), atto(1_010_000));
        assert_eq!(estimate_gas_premium(10, &[], 20, 0.99), atto(99_000));
    }

    #[test]
    fn lotus_noise_distribution() {
        // A fixed LCG stands in for a random generator.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let draws: Vec<f64> = (0..20_000).map(|_| lotus_noise(&mut uniform)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!((mean - 1.0).abs() < 0.0002, "mean {mean}");
        assert!((var.sqrt() - 0.005).abs() < 0.0002, "stddev {}", var.sqrt());
        let within = draws.iter().filter(|d| (*d - 1.0).abs() <= 0.01).count();
        assert!(within as f64 / draws.len() as f64 > 0.94);
        // Extreme uniform inputs stay finite.
        assert!(lotus_noise(|| 0.0).is_finite());
        assert!(lotus_noise(|| 1.0 - f64::EPSILON).is_finite());
    }

    #[test]
    fn fee_cap_grows_by_an_eighth_per_queued_block() {
        let base = atto(100_000_000);
        let zero = atto(0);
        assert_eq!(estimate_fee_cap(&base, 0, &zero), atto(100_000_000));
        assert_eq!(estimate_fee_cap(&base, 1, &zero), atto(112_500_000));
        assert_eq!(estimate_fee_cap(&base, 2, &zero), atto(126_562_500));
        // 1.125^3 · 256 = 364.5, truncated to 364.
        assert_eq!(estimate_fee_cap(&base, 3, &zero), atto(142_187_500));
        assert_eq!(estimate_fee_cap(&atto(256), 3, &zero), atto(364));
        // 1.125^10 · 256 = 831.3..., 1.125^20 · 256 = 2699.5...
        assert_eq!(estimate_fee_cap(&base, 10, &zero), atto(324_609_375));
        assert_eq!(estimate_fee_cap(&base, 20, &zero), atto(1_054_296_875));
        // Plus the premium.
        assert_eq!(
            estimate_fee_cap(&base, 20, &atto(150_000)),
            atto(1_054_446_875)
        );
        // Non-decreasing in the queue length.
        let mut prev = atto(0);
        for q in 0..200 {
            let cap = estimate_fee_cap(&base, q, &zero);
            assert!(cap >= prev, "{q}");
            prev = cap;
        }
        // A negative queue length shrinks it: 1/1.125 · 256 = 227.5...
        assert_eq!(estimate_fee_cap(&atto(256), -1, &zero), atto(227));
    }

    #[test]
    fn go_pow_matches_exact_powers() {
        // 9^k / 8^k is exact in f64 while 9^k < 2^53.
        let mut exact = 1.0f64;
        for k in 0..=16 {
            assert_eq!(go_pow_integral(1.125, k), exact, "{k}");
            exact *= 1.125;
        }
        assert_eq!(go_pow_integral(1.125, i64::MAX), f64::INFINITY);
        assert_eq!(go_pow_integral(1.125, i64::MIN), 0.0);
        assert_eq!(go_pow_integral(1.125, 100_000), f64::INFINITY);
        assert_eq!(go_pow_integral(1.125, -100_000), 0.0);
        let rel = (go_pow_integral(1.125, 100) / 1.125f64.powf(100.0) - 1.0).abs();
        assert!(rel < 1e-13, "{rel}");
    }

    #[test]
    fn cap_gas_fee_scales_fee_cap_and_premium_down() {
        let default = default_max_fee();
        assert_eq!(default, TokenAmount::from_nano(70_000_000));
        // 1e6 gas at 1e11 = 0.1 FIL > 0.07 FIL: fee cap 7e10, premium follows.
        let mut m = msg(1_000_000, 100_000_000_000, 100_000_000_000);
        cap_gas_fee(&mut m, &atto(0), &default);
        assert_eq!(m.gas_fee_cap, atto(70_000_000_000));
        assert_eq!(m.gas_premium, atto(70_000_000_000));
        // An explicit MaxFee wins over the default; the division rounds down.
        let mut m = msg(3_000_000, 100_000_000_000, 100_000);
        cap_gas_fee(&mut m, &atto(1_000_000_000_000_000), &default);
        assert_eq!(m.gas_fee_cap, atto(333_333_333));
        assert_eq!(m.gas_premium, atto(100_000));
        // Within budget: untouched (exactly at the budget too).
        let mut m = msg(1_000_000, 70_000_000_000, 100_000);
        cap_gas_fee(&mut m, &atto(0), &default);
        assert_eq!(m.gas_fee_cap, atto(70_000_000_000));
        assert_eq!(m.gas_premium, atto(100_000));
        // A premium above the fee cap is lowered even within budget.
        let mut m = msg(1_000, 500, 800);
        cap_gas_fee(&mut m, &atto(0), &default);
        assert_eq!(m.gas_fee_cap, atto(500));
        assert_eq!(m.gas_premium, atto(500));
        // MaximizeFeeCap raises the fee cap to the whole budget.
        let mut m = msg(1_000_000, 100, 50);
        cap_gas_fee_with(&mut m, &atto(0), true, &default);
        assert_eq!(m.gas_fee_cap, atto(70_000_000_000));
        assert_eq!(m.gas_premium, atto(50));
        // No gas limit: nothing to divide by.
        let mut m = msg(0, 100, 50);
        cap_gas_fee_with(&mut m, &atto(0), true, &default);
        assert_eq!(m.gas_fee_cap, atto(100));
    }

    #[test]
    fn gas_limit_overestimation() {
        assert_eq!(overestimate_gas_limit(0), 0);
        assert_eq!(overestimate_gas_limit(1_000_000), 1_250_000);
        assert_eq!(overestimate_gas_limit(1_000_003), 1_250_003);
        assert_eq!(overestimate_gas_limit(7_999_999_999), 9_999_999_998);
        assert_eq!(overestimate_gas_limit(8_000_000_001), 10_000_000_000);
        assert_eq!(overestimate_gas_limit(9_000_000_000), 10_000_000_000);
        assert_eq!(overestimate_gas_limit_by(1_000, 2.0), 2_000);
    }
}
