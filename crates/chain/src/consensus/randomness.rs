//! Domain-separated randomness: `blake2b-256(i64be(tag) ‖ digest ‖ i64be(round) ‖ entropy)`.

use padma_types::cid::blake2b_256;

/// Domain separation tags (written as big-endian int64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i64)]
pub enum Tag {
    /// Tickets.
    TicketProduction = 1,
    /// Election proofs.
    ElectionProofProduction = 2,
    /// WinningPoSt challenges.
    WinningPoStChallengeSeed = 3,
    /// WindowPoSt challenges.
    WindowedPoStChallengeSeed = 4,
    /// Seal randomness.
    SealRandomness = 5,
    /// Interactive seal challenges.
    InteractiveSealChallengeSeed = 6,
    /// WindowPoSt deadline assignment.
    WindowPoStDeadlineAssignment = 7,
    /// Market deal cron.
    MarketDealCronSeed = 8,
    /// PoSt chain commits.
    PoStChainCommit = 9,
    /// EVM PREVRANDAO.
    EvmPrevRandao = 10,
}

/// Draws 32 bytes of randomness from a 32-byte digest.
pub fn draw(digest: &[u8; 32], tag: Tag, round: i64, entropy: &[u8]) -> [u8; 32] {
    let mut input = Vec::with_capacity(8 + 32 + 8 + entropy.len());
    input.extend_from_slice(&(tag as i64).to_be_bytes());
    input.extend_from_slice(digest);
    input.extend_from_slice(&round.to_be_bytes());
    input.extend_from_slice(entropy);
    blake2b_256(&input)
}

/// Draws from a beacon entry or ticket: the base bytes are hashed first, as Lotus's
/// `DrawRandomnessFromBase` does.
pub fn draw_from_base(base: &[u8], tag: Tag, round: i64, entropy: &[u8]) -> [u8; 32] {
    draw(&blake2b_256(base), tag, round, entropy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_the_hashed_input() {
        let digest = [7u8; 32];
        let mut expected = Vec::new();
        expected.extend_from_slice(&2i64.to_be_bytes());
        expected.extend_from_slice(&digest);
        expected.extend_from_slice(&(-3i64).to_be_bytes());
        expected.extend_from_slice(b"xy");
        assert_eq!(
            draw(&digest, Tag::ElectionProofProduction, -3, b"xy"),
            blake2b_256(&expected)
        );
        assert_ne!(
            draw(&digest, Tag::TicketProduction, 1, b""),
            draw(&digest, Tag::ElectionProofProduction, 1, b"")
        );
        assert_eq!(
            draw_from_base(b"abc", Tag::SealRandomness, 9, b"e"),
            draw(&blake2b_256(b"abc"), Tag::SealRandomness, 9, b"e")
        );
    }
}
