//! What this side sends for a peer's wants: the blocks the store holds, have and
//! don't-have answers, split and bounded so one message of wants cannot make the node
//! read or queue without limit.

use super::message::{BitswapMessage, PayloadBlock, Presence, WantEntry, WantType};
use super::BitswapStore;

/// The most block bytes put in one answer; more go in further messages.
const MAX_ANSWER_BLOCK_BYTES: usize = 2 << 20;
/// The most block bytes served for one incoming message; wants past it are left for
/// the peer to ask again.
const MAX_SERVED_BLOCK_BYTES: usize = 8 << 20;
/// The most wantlist entries of one message that are answered.
const MAX_ANSWERED_ENTRIES: usize = 1024;

/// The answers to a peer's wants, split so no message carries too many bytes.
pub(crate) fn answer(store: &dyn BitswapStore, wants: &[WantEntry]) -> Vec<BitswapMessage> {
    let mut out = vec![BitswapMessage::default()];
    let mut bytes = 0usize;
    let mut served = 0usize;
    for e in wants
        .iter()
        .filter(|e| !e.cancel)
        .take(MAX_ANSWERED_ENTRIES)
    {
        let current = match out.last_mut() {
            Some(m) => m,
            None => break,
        };
        match e.want_type {
            WantType::Block if served >= MAX_SERVED_BLOCK_BYTES => {}
            WantType::Block => match store.get(&e.cid) {
                Some(data) if data.len() <= MAX_ANSWER_BLOCK_BYTES => {
                    served += data.len();
                    if bytes + data.len() > MAX_ANSWER_BLOCK_BYTES {
                        out.push(BitswapMessage::default());
                        bytes = 0;
                    }
                    bytes += data.len();
                    if let Some(m) = out.last_mut() {
                        m.payload.push(PayloadBlock::new(&e.cid, data));
                    }
                }
                _ if e.send_dont_have => current.presences.push((e.cid, Presence::DontHave)),
                _ => {}
            },
            WantType::Have => {
                if store.has(&e.cid) {
                    current.presences.push((e.cid, Presence::Have));
                } else if e.send_dont_have {
                    current.presences.push((e.cid, Presence::DontHave));
                }
            }
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cid::Cid;
    use padma_types::cid::cbor_cid;
    use std::collections::HashMap;

    struct Blocks(HashMap<Cid, Vec<u8>>);

    impl BitswapStore for Blocks {
        fn has(&self, cid: &Cid) -> bool {
            self.0.contains_key(cid)
        }
        fn get(&self, cid: &Cid) -> Option<Vec<u8>> {
            self.0.get(cid).cloned()
        }
    }

    fn want(cid: Cid, want_type: WantType, send_dont_have: bool, cancel: bool) -> WantEntry {
        WantEntry {
            cid,
            priority: 1,
            cancel,
            want_type,
            send_dont_have,
        }
    }

    #[test]
    fn answers_are_split_and_bounded() {
        // Byte strings of 1.5 MiB, each its own block.
        let blocks: Vec<Vec<u8>> = (0..8u8)
            .map(|i| {
                let mut b =
                    fvm_ipld_encoding::to_vec(&fvm_ipld_encoding::BytesSer(&vec![i; 3 << 19]))
                        .unwrap();
                b.shrink_to_fit();
                b
            })
            .collect();
        let cids: Vec<Cid> = blocks.iter().map(|b| cbor_cid(b)).collect();
        let store = Blocks(cids.iter().copied().zip(blocks).collect());
        let missing = cbor_cid(b"\x80");

        let answers = answer(
            &store,
            &[
                want(cids[0], WantType::Block, true, false),
                want(cids[1], WantType::Block, true, false),
                want(missing, WantType::Block, true, false),
                want(missing, WantType::Block, false, false),
                want(cids[2], WantType::Have, true, false),
                want(missing, WantType::Have, true, false),
                want(cids[3], WantType::Block, true, true),
            ],
        );
        // One block per message (two would pass 2 MiB); presences ride along.
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0].payload.len(), 1);
        assert_eq!(answers[1].payload.len(), 1);
        assert_eq!(answers[0].payload[0].cid(), Some(cids[0]));
        assert_eq!(answers[1].payload[0].cid(), Some(cids[1]));
        let presences: Vec<_> = answers.iter().flat_map(|m| m.presences.clone()).collect();
        assert_eq!(
            presences,
            vec![
                (missing, Presence::DontHave),
                (cids[2], Presence::Have),
                (missing, Presence::DontHave)
            ]
        );

        // Past 8 MiB served for one message, the rest waits for the peer to ask again.
        let all: Vec<WantEntry> = cids
            .iter()
            .map(|c| want(*c, WantType::Block, true, false))
            .collect();
        let served: usize = answer(&store, &all).iter().map(|m| m.payload.len()).sum();
        assert_eq!(served, 6);
    }
}
