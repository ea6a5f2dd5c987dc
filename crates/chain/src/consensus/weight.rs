//! Chain weight (Lotus `filcns` weight): parent weight + log2(P)·256 +
//! ⌊256·log2(P)·ΣWinCount / (BlocksPerEpoch·2)⌋, with P the network's total
//! quality-adjusted power in the tipset's parent state.

use super::BLOCKS_PER_EPOCH;
use num_bigint::{BigInt, Sign};

const W_RATIO_NUM: u64 = 1;
const W_RATIO_DEN: u64 = 2;

/// The weight of a tipset from its parent weight, the total QA power of its parent
/// state (must be positive) and the sum of its blocks' win counts.
pub fn tipset_weight(
    parent_weight: &BigInt,
    total_qa_power: &BigInt,
    win_count_sum: i64,
) -> Result<BigInt, String> {
    if total_qa_power.sign() != Sign::Plus {
        return Err("cannot compute weight: total power is zero".into());
    }
    let log2p = BigInt::from(total_qa_power.bits() - 1);
    let mut out = parent_weight + (&log2p << 8);
    let e_weight = ((log2p * W_RATIO_NUM) << 8) * BigInt::from(win_count_sum);
    out += e_weight / BigInt::from(BLOCKS_PER_EPOCH * W_RATIO_DEN);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_formula() {
        // P = 2048 → log2P = 11: 11·256 = 2816, plus ⌊2816·ΣW/10⌋.
        let w = tipset_weight(&BigInt::from(100), &BigInt::from(2048), 1).unwrap();
        assert_eq!(w, BigInt::from(100 + 2816 + 281));
        let w3 = tipset_weight(&BigInt::from(0), &BigInt::from(4095), 3).unwrap();
        assert_eq!(w3, BigInt::from(2816 + 844));
        assert!(tipset_weight(&BigInt::from(0), &BigInt::from(0), 1).is_err());
    }
}
