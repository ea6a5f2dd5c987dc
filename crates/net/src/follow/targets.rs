//! Heads peers announced, waiting to be synced: the heaviest first, one per peer,
//! bounded.

use libp2p::PeerId;
use num_bigint::BigInt;
use padma_types::block::TipSetKey;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::Notify;

/// Peers whose announced heads are remembered.
const MAX_TARGETS: usize = 256;

/// A head to sync to and the peer to ask.
#[derive(Clone, Debug)]
pub struct Target {
    /// The peer that announced it.
    pub peer: PeerId,
    /// Its key.
    pub head: TipSetKey,
    /// Its height.
    pub height: i64,
    /// Its weight.
    pub weight: BigInt,
}

/// The targets waiting.
#[derive(Default)]
pub struct SyncTargets {
    waiting: Mutex<HashMap<PeerId, Target>>,
    ready: Notify,
}

impl SyncTargets {
    /// Records the head `peer` announced (replacing its earlier one).
    pub fn offer(&self, peer: PeerId, head: TipSetKey, height: i64, weight: BigInt) {
        let mut w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        if w.len() >= MAX_TARGETS && !w.contains_key(&peer) {
            let lightest = w
                .iter()
                .min_by(|a, b| a.1.weight.cmp(&b.1.weight))
                .map(|(p, _)| *p);
            match lightest {
                Some(p) if w.get(&p).is_some_and(|t| t.weight < weight) => {
                    w.remove(&p);
                }
                _ => return,
            }
        }
        w.insert(
            peer,
            Target {
                peer,
                head,
                height,
                weight,
            },
        );
        self.ready.notify_one();
    }

    /// Forgets a peer's target.
    pub fn forget_peer(&self, peer: &PeerId) {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(peer);
    }

    /// Waits for a target and takes the heaviest.
    pub async fn next(&self) -> Target {
        loop {
            let taken = {
                let mut w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
                let best = w
                    .iter()
                    .max_by(|a, b| a.1.weight.cmp(&b.1.weight))
                    .map(|(p, _)| *p);
                best.and_then(|p| w.remove(&p))
            };
            if let Some(t) = taken {
                return t;
            }
            self.ready.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_heaviest_target_comes_first_and_the_set_is_bounded() {
        let t = SyncTargets::default();
        let a = PeerId::random();
        let b = PeerId::random();
        t.offer(a, TipSetKey(vec![]), 5, BigInt::from(5));
        t.offer(b, TipSetKey(vec![]), 9, BigInt::from(9));
        t.offer(a, TipSetKey(vec![]), 7, BigInt::from(7));
        assert_eq!(t.next().await.peer, b);
        assert_eq!(t.next().await.height, 7);
        for i in 0..MAX_TARGETS + 50 {
            t.offer(
                PeerId::random(),
                TipSetKey(vec![]),
                i as i64,
                BigInt::from(i),
            );
        }
        assert_eq!(t.waiting.lock().unwrap().len(), MAX_TARGETS);
        assert_eq!(t.next().await.height, (MAX_TARGETS + 49) as i64);
    }
}
