//! What `MpoolPushMessage` keeps between calls, per node: one push at a time (nonce
//! assignment and push must not interleave), and the messages it signed by their send
//! spec's `MsgUuid` (in memory, bounded: a restart forgets them).

use padma_types::SignedMessage;
use std::sync::Mutex;

/// `MsgUuid`s remembered.
pub const REMEMBERED_UUIDS: usize = 4096;

/// The node's `MpoolPushMessage` state.
#[derive(Default)]
pub struct PushedMessages {
    one_at_a_time: tokio::sync::Mutex<()>,
    by_uuid: Mutex<UuidRing>,
}

/// Signed messages by `MsgUuid`: a ring that overwrites the oldest entry when full.
#[derive(Default)]
struct UuidRing {
    entries: Vec<(String, SignedMessage)>,
    next: usize,
}

impl PushedMessages {
    /// Waits for the other pushes to finish; the push holds the guard until it is done.
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.one_at_a_time.lock().await
    }

    /// The message signed earlier for `uuid`, if remembered.
    pub fn remembered(&self, uuid: &str) -> Option<SignedMessage> {
        let ring = self.by_uuid.lock().unwrap_or_else(|p| p.into_inner());
        ring.entries
            .iter()
            .find(|(u, _)| u == uuid)
            .map(|(_, m)| m.clone())
    }

    /// Remembers the message signed for `uuid`.
    pub fn remember(&self, uuid: String, m: SignedMessage) {
        let mut ring = self.by_uuid.lock().unwrap_or_else(|p| p.into_inner());
        if ring.entries.len() < REMEMBERED_UUIDS {
            ring.entries.push((uuid, m));
            return;
        }
        let oldest = ring.next % REMEMBERED_UUIDS;
        if let Some(slot) = ring.entries.get_mut(oldest) {
            *slot = (uuid, m);
        }
        ring.next = ring.next.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_types::Message;

    fn message() -> SignedMessage {
        SignedMessage {
            message: Message {
                version: 0,
                from: fvm_shared::address::Address::new_id(1),
                to: fvm_shared::address::Address::new_id(2),
                sequence: 0,
                value: Default::default(),
                method_num: 0,
                params: Default::default(),
                gas_limit: 1,
                gas_fee_cap: Default::default(),
                gas_premium: Default::default(),
            },
            signature: fvm_shared::crypto::signature::Signature::new_bls(vec![]),
        }
    }

    #[test]
    fn uuids_are_remembered_in_a_bounded_ring() {
        let pushed = PushedMessages::default();
        let m = message();
        for i in 0..REMEMBERED_UUIDS + 10 {
            pushed.remember(format!("uuid-test-{i}"), m.clone());
        }
        assert!(pushed.remembered("uuid-test-0").is_none());
        assert!(pushed.remembered("uuid-test-10").is_some());
        assert!(pushed
            .remembered(&format!("uuid-test-{}", REMEMBERED_UUIDS + 9))
            .is_some());
    }

    #[test]
    fn two_nodes_do_not_share_their_uuids() {
        let (a, b) = (PushedMessages::default(), PushedMessages::default());
        a.remember("shared-uuid".into(), message());
        assert!(a.remembered("shared-uuid").is_some());
        assert!(b.remembered("shared-uuid").is_none());
    }
}
