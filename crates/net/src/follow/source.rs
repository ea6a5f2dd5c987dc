//! A peer's chain as a [`TipsetSource`]: chain exchange requests, each answer checked
//! ([`validate_response`]) before the syncer sees it; a peer whose answer is not one
//! (other than an error status) is penalised.

use crate::handle::NetHandle;
use crate::wire::xchg::{validate_response, Request, ResponseError, Segment, HEADERS, MESSAGES};
use anyhow::Result;
use libp2p::PeerId;
use padma_chain::sync::{FetchedTipset, TipsetSource};
use padma_types::block::TipSetKey;

/// Chain exchange with one peer.
pub struct PeerSource {
    /// The host.
    pub net: NetHandle,
    /// The peer asked.
    pub peer: PeerId,
}

impl TipsetSource for PeerSource {
    async fn fetch(
        &self,
        head: &TipSetKey,
        count: u64,
        with_messages: bool,
    ) -> Result<Vec<FetchedTipset>> {
        let request = Request {
            head: head.0.clone(),
            length: count,
            options: if with_messages {
                HEADERS | MESSAGES
            } else {
                HEADERS
            },
        };
        let response = self.net.chain_exchange(self.peer, request.clone()).await?;
        let segment = match validate_response(&request, response, &[]) {
            Ok(s) => s,
            Err(e) => {
                // An error status is the peer's honest answer; anything else is a lie.
                if !matches!(e, ResponseError::Status { .. }) {
                    let why = format!("chain exchange answer not what was asked: {e}");
                    let _ = self.net.penalise(self.peer, why).await;
                }
                return Err(anyhow::anyhow!(
                    "chain exchange answer from {}: {e}",
                    self.peer
                ));
            }
        };
        Ok(match segment {
            Segment::Headers(v) => v
                .into_iter()
                .map(|tipset| FetchedTipset {
                    tipset,
                    blocks: None,
                })
                .collect(),
            Segment::Full(v) => v
                .into_iter()
                .map(|f| FetchedTipset {
                    tipset: f.tipset,
                    blocks: Some(f.blocks),
                })
                .collect(),
        })
    }
}
