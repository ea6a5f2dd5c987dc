//! The block time a real-proof network can sustain: a miner proves a WinningPoSt for
//! every block it wins, ahead of the epoch, so the proof must fit in one block time
//! with room for the rest of the work (executing and validating blocks, WindowPoSt at
//! each deadline).

use std::time::Duration;

/// Share of a block time the WinningPoSt may take (the rest is headroom).
const PROOF_SHARE_PERCENT: u128 = 80;
/// Fixed headroom per block for assembling, signing and submitting it.
const ASSEMBLY_MS: u128 = 300;

/// The shortest block time, in whole seconds (as milliseconds), that sustains one
/// WinningPoSt of `proof` per block.
pub fn sustainable_block_time_ms(proof: Duration) -> u64 {
    let needed = proof.as_millis() * 100 / PROOF_SHARE_PERCENT + ASSEMBLY_MS;
    let secs = needed.div_ceil(1000).max(1);
    u64::try_from(secs * 1000).unwrap_or(u64::MAX)
}

/// What to say (and use) for a requested block time, given the measured proof time:
/// the block time to use, and a warning when the requested one cannot be sustained.
pub fn choose_block_time(
    requested_ms: Option<u64>,
    default_ms: u64,
    proof: Duration,
) -> (u64, Option<String>) {
    let floor = sustainable_block_time_ms(proof);
    match requested_ms {
        Some(ms) if ms < floor => (
            ms,
            Some(format!(
                "a WinningPoSt takes {:.1} s on this machine: a {} ms block time cannot be \
                 sustained (blocks will be late and rounds missed); use --block-time {}s or more",
                proof.as_secs_f64(),
                ms,
                floor / 1000
            )),
        ),
        Some(ms) => (ms, None),
        None if default_ms < floor => (
            floor,
            Some(format!(
                "a WinningPoSt takes {:.1} s on this machine: using a {} s block time instead \
                 of the default {} s (choose one with --block-time)",
                proof.as_secs_f64(),
                floor / 1000,
                default_ms / 1000
            )),
        ),
        None => (default_ms, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_times_leave_room_for_the_proof() {
        let ms = Duration::from_millis;
        assert_eq!(sustainable_block_time_ms(ms(0)), 1000);
        assert_eq!(sustainable_block_time_ms(ms(500)), 1000);
        assert_eq!(sustainable_block_time_ms(ms(3000)), 5000);
        assert_eq!(sustainable_block_time_ms(ms(2900)), 4000);
        assert_eq!(choose_block_time(None, 4000, ms(1000)), (4000, None));
        let (t, warn) = choose_block_time(None, 4000, ms(3500));
        assert_eq!(t, 5000);
        assert!(warn.unwrap().contains("instead of the default 4 s"));
        let (t, warn) = choose_block_time(Some(1000), 4000, ms(3500));
        assert_eq!(t, 1000, "the user's choice stands");
        assert!(warn.unwrap().contains("--block-time 5s"));
        assert_eq!(choose_block_time(Some(6000), 4000, ms(3500)), (6000, None));
    }
}
