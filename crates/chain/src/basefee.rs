//! The base fee of the next tipset, computed from its parent tipset.
//!
//! padma targets network version 28 (FIP-0115, "FireHorse"), where the base fee
//! follows the premiums the parent tipset's messages paid: it moves by at most
//! `ceil(base/8)` per tipset towards the gas premium that the gas unit at the 80th
//! percentile of a block's gas limit (counting from the highest premium) offered.
//! The older EIP-1559-style rule, driven by how full the parent's blocks were, is
//! kept as [`compute_next_base_fee_legacy`] for historical chains.
//!
//! Both are computed once per tipset (the result is the children's `ParentBaseFee`),
//! so null rounds carry the base fee over unchanged.

use std::collections::HashSet;

use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use padma_types::message::BLOCK_GAS_LIMIT;

/// The gas a block aims to use: half the block gas limit (Lotus `BlockGasTarget`).
pub const BLOCK_GAS_TARGET: u64 = BLOCK_GAS_LIMIT / 2;

/// The 0-based gas-unit offset, counted from the highest premium down, whose premium
/// drives the FIP-0115 base fee: 80% of the block gas limit, minus one.
pub const BLOCK_GAS_TARGET_INDEX: u64 = BLOCK_GAS_LIMIT * 80 / 100 - 1;

/// The base fee never goes below this many attoFIL per gas unit.
pub const MINIMUM_BASE_FEE: u64 = 100;

/// The genesis block's `ParentBaseFee`, in attoFIL per gas unit.
pub const INITIAL_BASE_FEE: u64 = 100_000_000;

/// The base fee moves by at most `1/BASE_FEE_MAX_CHANGE_DENOM` of itself per tipset.
pub const BASE_FEE_MAX_CHANGE_DENOM: u64 = 8;

/// Numerator of the packing efficiency the legacy rule assumed before the Smoke upgrade.
pub const PACKING_EFFICIENCY_NUM: u64 = 4;

/// Denominator of the packing efficiency the legacy rule assumed before the Smoke upgrade.
pub const PACKING_EFFICIENCY_DENOM: u64 = 5;

/// The premium per gas unit a message actually pays its block's miner at `base_fee`:
/// its `GasPremium`, but no more than what its fee cap leaves above the base fee, and
/// never below zero.
pub fn effective_gas_premium(msg: &Message, base_fee: &TokenAmount) -> TokenAmount {
    let headroom = &msg.gas_fee_cap - base_fee;
    let headroom = if headroom.is_negative() {
        TokenAmount::from_atto(0)
    } else {
        headroom
    };
    if msg.gas_premium <= headroom {
        msg.gas_premium.clone()
    } else {
        headroom
    }
}

/// The premium of the gas unit at 0-based `index` when every `(premium, weight)`
/// pair contributes `weight` gas units and the units are ordered from the highest
/// premium down; zero when the total weight does not reach past `index`.
///
/// Sorts once (O(n log n)); ties between equal premiums cannot change the answer.
pub fn weighted_premium_at(mut entries: Vec<(TokenAmount, u64)>, index: u64) -> TokenAmount {
    entries.sort_unstable_by(|a, b| b.0.cmp(&a.0));
    let mut covered: u128 = 0;
    for (premium, weight) in entries {
        covered += u128::from(weight);
        if covered > u128::from(index) {
            return premium;
        }
    }
    TokenAmount::from_atto(0)
}

/// The FIP-0115 step from `base_fee` given the parent's percentile premium:
/// `max(MINIMUM_BASE_FEE, base + min(maxAdj, premium - maxAdj))` with
/// `maxAdj = ceil(base / 8)`.
pub fn next_base_fee_from_premium(base_fee: &TokenAmount, premium: &TokenAmount) -> TokenAmount {
    let max_adj = base_fee.div_ceil(BASE_FEE_MAX_CHANGE_DENOM);
    let pull = premium - &max_adj;
    let step = if pull < max_adj { pull } else { max_adj };
    let next = base_fee + step;
    let floor = TokenAmount::from_atto(MINIMUM_BASE_FEE);
    if next < floor {
        floor
    } else {
        next
    }
}

/// The base fee of a tipset's children under FIP-0115 (network version 28 on).
///
/// `parent_base_fee` is the parent tipset's `ParentBaseFee`; `blocks_messages` holds,
/// for each of the parent's blocks in tipset order, that block's messages: its BLS
/// messages first, then the messages of its secp messages. Messages are counted once
/// per `(From, Nonce)`, with `From` compared as written (an ID address and a key
/// address of the same actor are different keys), keeping the first occurrence.
/// Each counted message contributes its [`effective_gas_premium`] over its gas
/// limit; the premium at [`BLOCK_GAS_TARGET_INDEX`] from the top then moves the
/// base fee by [`next_base_fee_from_premium`].
pub fn compute_next_base_fee(
    parent_base_fee: &TokenAmount,
    blocks_messages: &[Vec<&Message>],
) -> TokenAmount {
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for msg in blocks_messages.iter().flatten() {
        if seen.insert((&msg.from, msg.sequence)) {
            entries.push((effective_gas_premium(msg, parent_base_fee), msg.gas_limit));
        }
    }
    let premium = weighted_premium_at(entries, BLOCK_GAS_TARGET_INDEX);
    next_base_fee_from_premium(parent_base_fee, &premium)
}

/// The base fee of a tipset's children under the pre-FireHorse utilisation rule.
///
/// `total_gas_limit` is the sum of the gas limits of the parent's distinct messages
/// (distinct by the CID the chain knows them by), over `num_blocks` blocks;
/// `after_smoke` selects the rule used after the Smoke upgrade (before it, usage was
/// scaled up by the 5/4 packing efficiency). The change is
/// `base · delta / BLOCK_GAS_TARGET / 8` with `delta = usage − target` clamped to
/// ±target, each division rounding towards negative infinity (Go's `big.Int.Div`),
/// and the result is at least [`MINIMUM_BASE_FEE`]. A `num_blocks` of zero counts as one.
pub fn compute_next_base_fee_legacy(
    parent_base_fee: &TokenAmount,
    total_gas_limit: u64,
    num_blocks: usize,
    after_smoke: bool,
) -> TokenAmount {
    let blocks = num_blocks.max(1) as i128;
    let used = i128::from(total_gas_limit);
    let target = i128::from(BLOCK_GAS_TARGET);
    let per_block = if after_smoke {
        used / blocks
    } else {
        i128::from(PACKING_EFFICIENCY_DENOM) * used / (blocks * i128::from(PACKING_EFFICIENCY_NUM))
    };
    let delta = (per_block - target).clamp(-target, target);
    let change = (parent_base_fee * BigInt::from(delta))
        .div_floor(BLOCK_GAS_TARGET)
        .div_floor(BASE_FEE_MAX_CHANGE_DENOM);
    let next = parent_base_fee + change;
    let floor = TokenAmount::from_atto(MINIMUM_BASE_FEE);
    if next < floor {
        floor
    } else {
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::address::Address;

    fn atto(n: u64) -> TokenAmount {
        TokenAmount::from_atto(n)
    }

    fn msg(from: Address, nonce: u64, limit: u64, fee_cap: u64, premium: u64) -> Message {
        Message {
            version: 0,
            from,
            to: Address::new_id(99),
            sequence: nonce,
            value: atto(0),
            method_num: padma_state::actors::method::SEND,
            params: Default::default(),
            gas_limit: limit,
            gas_fee_cap: atto(fee_cap),
            gas_premium: atto(premium),
        }
    }

    #[test]
    fn constants() {
        assert_eq!(BLOCK_GAS_TARGET, 5_000_000_000);
        assert_eq!(BLOCK_GAS_TARGET_INDEX, 7_999_999_999);
        assert_eq!(MINIMUM_BASE_FEE, 100);
        assert_eq!(INITIAL_BASE_FEE, 100_000_000);
        assert_eq!(BASE_FEE_MAX_CHANGE_DENOM, 8);
    }

    #[test]
    fn empty_parent_decreases_by_an_eighth() {
        let base = atto(INITIAL_BASE_FEE);
        assert_eq!(compute_next_base_fee(&base, &[]), atto(87_500_000));
        // Blocks without messages: the same.
        assert_eq!(
            compute_next_base_fee(&base, &[vec![], vec![], vec![]]),
            atto(87_500_000)
        );
    }

    #[test]
    fn decrease_uses_the_ceiling_of_an_eighth() {
        // ceil(801/8) = 101, so 801 -> 700 (a truncated 100 would give 701).
        assert_eq!(compute_next_base_fee(&atto(801), &[]), atto(700));
        assert_eq!(next_base_fee_from_premium(&atto(801), &atto(20)), atto(720));
        assert_eq!(
            next_base_fee_from_premium(&atto(801), &atto(202)),
            atto(902)
        );
        assert_eq!(
            next_base_fee_from_premium(&atto(801), &atto(10_000)),
            atto(902)
        );
        // 100: maxAdj = ceil(12.5) = 13.
        assert_eq!(next_base_fee_from_premium(&atto(100), &atto(14)), atto(101));
        assert_eq!(next_base_fee_from_premium(&atto(100), &atto(26)), atto(113));
        assert_eq!(
            next_base_fee_from_premium(&atto(100), &atto(1_000)),
            atto(113)
        );
    }

    #[test]
    fn never_below_minimum() {
        assert_eq!(compute_next_base_fee(&atto(100), &[]), atto(100));
        assert_eq!(compute_next_base_fee(&atto(110), &[]), atto(100));
        assert_eq!(next_base_fee_from_premium(&atto(100), &atto(13)), atto(100));
        // A parent below the minimum (never valid on chain) is lifted to it.
        assert_eq!(compute_next_base_fee(&atto(1), &[]), atto(100));
    }

    #[test]
    fn full_blocks_of_high_premiums_raise_by_an_eighth() {
        let base = atto(INITIAL_BASE_FEE);
        let a = Address::new_id(1000);
        // Two blocks, each full with one message paying far above 2·maxAdj.
        let m1 = msg(a, 0, BLOCK_GAS_LIMIT, 10_000_000_000, 1_000_000_000);
        let m2 = msg(a, 1, BLOCK_GAS_LIMIT, 10_000_000_000, 1_000_000_000);
        assert_eq!(
            compute_next_base_fee(&base, &[vec![&m1], vec![&m2]]),
            atto(112_500_000)
        );
    }

    #[test]
    fn premium_at_exactly_the_target_index() {
        let base = atto(1_000);
        let a = Address::new_id(1000);
        // Weight 7,999,999,999 ends just before the index: the premium is 0.
        let short = msg(a, 0, BLOCK_GAS_TARGET_INDEX, 1_000_000, 500);
        assert_eq!(compute_next_base_fee(&base, &[vec![&short]]), atto(875));
        // One more gas unit reaches the index: the premium is 500.
        let reach = msg(a, 0, BLOCK_GAS_TARGET_INDEX + 1, 1_000_000, 500);
        // maxAdj = 125; 1000 + min(125, 500 - 125) = 1125.
        assert_eq!(compute_next_base_fee(&base, &[vec![&reach]]), atto(1_125));
        // Premium 200: 1000 + min(125, 75) = 1075.
        let mid = msg(a, 0, BLOCK_GAS_TARGET_INDEX + 1, 1_000_000, 200);
        assert_eq!(compute_next_base_fee(&base, &[vec![&mid]]), atto(1_075));
    }

    #[test]
    fn weighted_selection_counts_from_the_top() {
        let e = |v: &[(u64, u64)]| -> Vec<(TokenAmount, u64)> {
            v.iter().map(|&(p, w)| (atto(p), w)).collect()
        };
        let i = BLOCK_GAS_TARGET_INDEX;
        assert_eq!(weighted_premium_at(vec![], i), atto(0));
        let two = |hi: u64, lo: u64| e(&[(123, hi), (100, lo)]);
        assert_eq!(
            weighted_premium_at(two(5_999_999_999, 2_000_000_000), i),
            atto(0)
        );
        assert_eq!(
            weighted_premium_at(two(5_999_999_999, 2_000_000_001), i),
            atto(100)
        );
        assert_eq!(
            weighted_premium_at(two(8_000_000_000, 2_000_000_000), i),
            atto(123)
        );
        let many = e(&[
            (700, 3_000_000_000),
            (100, 4_000_000_000),
            (500, 2_000_000_000),
            (300, 2_000_000_000),
            (200, 1_000_000_000),
            (600, 2_000_000_000),
            (400, 1_000_000_000),
        ]);
        // 700:3e9, 600:5e9, 500:7e9, 400:8e9 > 7,999,999,999.
        assert_eq!(weighted_premium_at(many, i), atto(400));
    }

    #[test]
    fn premium_is_clamped_by_the_fee_cap() {
        let base = atto(1_000);
        let a = Address::new_id(1000);
        // Fee cap leaves 60 above the base fee: the premium counts as 60.
        let capped = msg(a, 0, BLOCK_GAS_LIMIT, 1_060, 500);
        assert_eq!(effective_gas_premium(&capped, &base), atto(60));
        // Fee cap under the base fee: counts as 0.
        let under = msg(a, 0, BLOCK_GAS_LIMIT, 900, 500);
        assert_eq!(effective_gas_premium(&under, &base), atto(0));
        // 1000 + min(125, 60 - 125) = 935.
        assert_eq!(compute_next_base_fee(&base, &[vec![&capped]]), atto(935));
        assert_eq!(compute_next_base_fee(&base, &[vec![&under]]), atto(875));
    }

    #[test]
    fn dedupes_by_from_as_written_and_nonce() {
        let base = atto(1_000);
        let a = Address::new_id(1000);
        let half = BLOCK_GAS_LIMIT / 2;
        let first = msg(a, 7, half, 1_000_000, 500);
        // Same (from, nonce), different content: ignored, even in another block.
        let dup = msg(a, 7, half, 1_000_000, 900);
        assert_eq!(
            compute_next_base_fee(&base, &[vec![&first], vec![&dup]]),
            atto(875)
        );
        assert_eq!(
            compute_next_base_fee(&base, &[vec![&first, &dup]]),
            atto(875)
        );
        // A different nonce counts: 1e10 units at >= 500 reach the index.
        let next = msg(a, 8, half, 1_000_000, 900);
        assert_eq!(
            compute_next_base_fee(&base, &[vec![&first], vec![&next]]),
            atto(1_125)
        );
        // The same actor written as another address is another sender.
        let key = Address::new_secp256k1(&[4u8; 65]).unwrap();
        let other = msg(key, 7, half, 1_000_000, 900);
        assert_eq!(
            compute_next_base_fee(&base, &[vec![&first], vec![&other]]),
            atto(1_125)
        );
        // The first occurrence wins: the low premium comes first here.
        let low = msg(a, 7, half, 1_000_000, 0);
        let high = msg(a, 7, half, 1_000_000, 900);
        let filler = msg(a, 9, half, 1_000_000, 900);
        // Counted: low (5e9 at 0) and filler (5e9 at 900): premium at index = 0.
        assert_eq!(
            compute_next_base_fee(&base, &[vec![&low, &filler], vec![&high]]),
            atto(875)
        );
        // Counted: high and filler (1e10 at 900).
        assert_eq!(
            compute_next_base_fee(&base, &[vec![&high, &filler], vec![&low]]),
            atto(1_125)
        );
    }

    #[test]
    fn legacy_rule_matches_hand_computed_values() {
        let base = atto(100_000_000);
        let target = BLOCK_GAS_TARGET;
        let limit = BLOCK_GAS_LIMIT;
        for (used, blocks, pre, post) in [
            (0, 1, 87_500_000, 87_500_000),
            (0, 5, 87_500_000, 87_500_000),
            (target, 1, 103_125_000, 100_000_000),
            (target * 2, 2, 103_125_000, 100_000_000),
            (limit * 2, 2, 112_500_000, 112_500_000),
            (limit * 15 / 10, 2, 110_937_500, 106_250_000),
        ] {
            assert_eq!(
                compute_next_base_fee_legacy(&base, used, blocks, false),
                atto(pre),
                "pre-smoke {used} {blocks}"
            );
            assert_eq!(
                compute_next_base_fee_legacy(&base, used, blocks, true),
                atto(post),
                "post-smoke {used} {blocks}"
            );
        }
        // Decreases round towards negative infinity: 1001·(−1)/8 = −125.125 → −126.
        assert_eq!(
            compute_next_base_fee_legacy(&atto(1_001), 0, 1, true),
            atto(875)
        );
        assert_eq!(
            compute_next_base_fee_legacy(&atto(100), 0, 1, true),
            atto(100)
        );
    }

    /// A small deterministic generator so the property test needs no dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn property_bounded_step_and_floor() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let senders: Vec<Address> = (0..6).map(|i| Address::new_id(1000 + i)).collect();
        let mut base = atto(INITIAL_BASE_FEE);
        for step in 0..3_000 {
            let nblocks = rng.below(5) as usize;
            let mut owned: Vec<Vec<Message>> = Vec::new();
            for _ in 0..nblocks {
                let n = rng.below(12) as usize;
                let mut block = Vec::new();
                for _ in 0..n {
                    let from = senders[rng.below(senders.len() as u64) as usize];
                    let limit = rng.below(BLOCK_GAS_LIMIT / 2 + 1);
                    let premium = match rng.below(3) {
                        0 => 0,
                        1 => rng.below(1_000),
                        _ => rng.below(1_000_000_000),
                    };
                    let cap = premium + rng.below(2_000_000_000);
                    block.push(msg(from, rng.below(4), limit, cap, premium));
                }
                owned.push(block);
            }
            let blocks: Vec<Vec<&Message>> = owned.iter().map(|b| b.iter().collect()).collect();
            let next = compute_next_base_fee(&base, &blocks);
            let bound = base.atto() / 8u32 + 1u32;
            let diff = (next.atto() - base.atto()).magnitude().clone();
            assert!(
                BigInt::from(diff) <= bound,
                "step {step}: {base:?} -> {next:?}"
            );
            assert!(next >= atto(MINIMUM_BASE_FEE), "step {step}: {next:?}");
            // Occasionally restart from a small base fee to exercise the floor.
            base = if rng.below(50) == 0 {
                atto(100 + rng.below(50))
            } else {
                next
            };
        }
    }
}
