//! Election WinCount: Poisson sortition in Q.256 fixed point, bit-for-bit as Lotus and
//! Forest compute it. λ = minerQAP·5/totalQAP; e^{−λ} from a rational approximation
//! evaluated with Horner's method; the VRF digest is compared with the inverted CDF.

use super::BLOCKS_PER_EPOCH;
use num_bigint::{BigInt, Sign};
use padma_types::cid::blake2b_256;
use std::sync::OnceLock;

const PRECISION: usize = 256;
/// The most wins one block can claim.
pub const MAX_WIN_COUNT: i64 = 3 * BLOCKS_PER_EPOCH as i64;

// The rational approximation of e^{-x} is the one the reward actor uses (Q.128 integer
// coefficients, highest order first); the election works in Q.256.
use padma_state::actors::reward_logic::{EXPNEG_DEN as DEN, EXPNEG_NUM as NUM};

fn coefficients() -> &'static (Vec<BigInt>, Vec<BigInt>) {
    static C: OnceLock<(Vec<BigInt>, Vec<BigInt>)> = OnceLock::new();
    C.get_or_init(|| {
        let parse = |v: &[&str]| -> Vec<BigInt> {
            v.iter()
                .map(|s| {
                    s.parse::<BigInt>().expect("constant coefficients parse") << (PRECISION - 128)
                })
                .collect()
        };
        (parse(&NUM), parse(&DEN))
    })
}

/// Horner evaluation in Q.256 (the shift floors, also for negative values).
fn polyval(coefs: &[BigInt], x: &BigInt) -> BigInt {
    let Some((first, rest)) = coefs.split_first() else {
        return BigInt::default();
    };
    rest.iter()
        .fold(first.clone(), |res, c| ((res * x) >> PRECISION) + c)
}

/// e^{−x} for x in Q.256, in Q.256.
pub fn expneg(x: &BigInt) -> BigInt {
    let (num, den) = coefficients();
    (polyval(num, x) << PRECISION) / polyval(den, x)
}

/// λ = power · 5 / total_power, in Q.256.
pub fn lambda(power: &BigInt, total_power: &BigInt) -> BigInt {
    ((power * BigInt::from(BLOCKS_PER_EPOCH)) << PRECISION) / total_power
}

/// The inverted Poisson CDF: `1 − cdf(k)` for k = 0, 1, 2, ... in Q.256.
pub struct Poisson {
    lam: BigInt,
    pmf: BigInt,
    icdf: BigInt,
    k: u64,
}

impl Poisson {
    /// Starts at k = 0 for rate `lam` (Q.256); `icdf()` is then `1 − e^{−λ}`.
    pub fn new(lam: BigInt) -> Self {
        let pmf = expneg(&lam);
        let icdf = (BigInt::from(1) << PRECISION) - &pmf;
        Poisson {
            lam,
            pmf,
            icdf,
            k: 0,
        }
    }

    /// The current `1 − cdf(k)`.
    pub fn icdf(&self) -> &BigInt {
        &self.icdf
    }

    /// Advances to k + 1 and returns the new `1 − cdf(k)`.
    pub fn next_icdf(&mut self) -> &BigInt {
        self.k += 1;
        self.pmf = &self.pmf / BigInt::from(self.k);
        self.pmf = (&self.pmf * &self.lam) >> PRECISION;
        self.icdf -= &self.pmf;
        &self.icdf
    }
}

/// How many times a miner with `power` out of `total_power` (quality-adjusted) wins with
/// this election VRF proof.
pub fn win_count(vrf_proof: &[u8], power: &BigInt, total_power: &BigInt) -> i64 {
    if total_power.sign() != Sign::Plus || power.sign() != Sign::Plus {
        return 0;
    }
    let lhs = BigInt::from_bytes_be(Sign::Plus, &blake2b_256(vrf_proof));
    let mut p = Poisson::new(lambda(power, total_power));
    let mut j = 0;
    while lhs < *p.icdf() && j < MAX_WIN_COUNT {
        j += 1;
        p.next_icdf();
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden(name: &str) -> String {
        let path = format!(
            "{}/../../testdata/election/{name}.golden",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn expneg_matches_lotus_golden_values() {
        let text = golden("TestExpFunction");
        let mut n = 0;
        for line in text.lines().skip(1) {
            let (x, y) = line.split_once(',').unwrap();
            assert_eq!(expneg(&x.parse().unwrap()).to_string(), y, "x = {x}");
            n += 1;
        }
        assert_eq!(n, 256);
    }

    #[test]
    fn poisson_icdf_matches_lotus_golden_values() {
        for (base, shift) in [
            (10u64, 10usize),
            (209714, 20),
            (1036915, 20),
            (1706, 10),
            (2, 0),
            (5242879, 20),
            (5, 0),
        ] {
            let text = golden(&format!("TestPoissonFunction-lam-{base}-{shift}"));
            let expected: Vec<&str> = text.lines().skip(1).collect();
            let mut p = Poisson::new(BigInt::from(base) << (PRECISION - shift));
            let mut got = vec![p.icdf().to_string()];
            for _ in 0..15 {
                got.push(p.next_icdf().to_string());
            }
            assert_eq!(got, expected, "lambda {base} >> {shift}");
        }
    }

    #[test]
    fn lambda_matches_lotus_golden_values() {
        for (p, t) in [
            ("10", "100"),
            ("1024", "2048"),
            ("2000000000000000", "100000000000000000"),
        ] {
            let expected = golden(&format!("TestLambdaFunction-{p}-{t}"));
            assert_eq!(
                lambda(&p.parse().unwrap(), &t.parse().unwrap()).to_string(),
                expected.trim()
            );
        }
    }

    #[test]
    fn a_fifth_of_the_power_wins_about_once_per_epoch() {
        let (power, total) = (BigInt::from(20), BigInt::from(100));
        let n = 20_000u64;
        let wins: i64 = (0..n)
            .map(|i| win_count(&(i + n).to_le_bytes()[..5], &power, &total))
            .sum();
        let avg = wins as f64 / n as f64;
        assert!((0.97..=1.03).contains(&avg), "average wins {avg}");
        assert_eq!(win_count(b"x", &BigInt::from(0), &total), 0);
        assert!(win_count(b"x", &total, &total) <= MAX_WIN_COUNT);
    }
}
