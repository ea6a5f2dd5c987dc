//! `Net*` and `ID`: the node's libp2p host, through its [`NetHandle`]. A node running
//! without networking answers every one with "libp2p networking is disabled".
//!
//! What the host does not track is said so, not made up: scopes of the resource
//! manager other than `system` and `peer:<id>` are refused; limits the host does not
//! have (memory, file descriptors, streams beyond a connection's) read as unlimited
//! (`i64::MAX`, as go-libp2p reports an unlimited scope).

use super::NodeState;
use padma_api::net::*;
use padma_net::handle::{Connectedness as HostConnectedness, PeerAddrs, PeerDetails, PeerScore};
use padma_net::{Multiaddr, NetHandle, PeerId};
use padma_rpc::{MethodTable, RpcError};
use std::sync::Arc;

type S = Arc<NodeState>;

/// The error of every method when the node runs without networking.
const DISABLED: &str = "libp2p networking is disabled";

/// The node's libp2p host, or the error saying there is none.
pub(super) fn host(s: &NodeState) -> Result<&NetHandle, RpcError> {
    s.net.as_ref().ok_or_else(|| RpcError::handler(DISABLED))
}

/// A host error as a handler error.
pub(super) fn failed(e: anyhow::Error) -> RpcError {
    RpcError::handler(format!("{e:#}"))
}

/// A peer ID of a request as libp2p's.
pub(super) fn peer_of(p: &PeerIdJson) -> Result<PeerId, RpcError> {
    PeerId::from_bytes(p.as_bytes())
        .map_err(|e| RpcError::invalid_params(format!("invalid peer ID {p}: {e}")))
}

/// A libp2p peer ID as the wire's.
pub(super) fn peer_json(p: &PeerId) -> Result<PeerIdJson, RpcError> {
    PeerIdJson::from_bytes(p.to_bytes()).map_err(RpcError::handler)
}

/// A peer and its addresses as Lotus's `AddrInfo`.
fn addr_info(p: &PeerAddrs) -> Result<AddrInfoJson, RpcError> {
    Ok(AddrInfoJson {
        id: peer_json(&p.id)?,
        addrs: p.addrs.iter().map(Multiaddr::to_string).collect(),
    })
}

/// Lotus's `AddrInfo` of a request as the host's.
fn peer_addrs(info: &AddrInfoJson) -> Result<PeerAddrs, RpcError> {
    let addrs = info
        .addrs
        .iter()
        .map(|a| {
            a.parse::<Multiaddr>()
                .map_err(|e| RpcError::invalid_params(format!("invalid multiaddr '{a}': {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(PeerAddrs {
        id: peer_of(&info.id)?,
        addrs,
    })
}

/// The host's connectedness as go-libp2p numbers it.
fn connectedness(c: HostConnectedness) -> Connectedness {
    match c {
        HostConnectedness::NotConnected => Connectedness::NotConnected,
        HostConnectedness::Connected => Connectedness::Connected,
        HostConnectedness::CanConnect => Connectedness::CanConnect,
        HostConnectedness::CannotConnect => Connectedness::CannotConnect,
    }
}

/// Registers the net methods.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add(
        Id,
        |s: S, _c, ()| async move { peer_json(&host(&s)?.peer_id()) },
    );
    t.add(NetAddrsListen, |s: S, _c, ()| async move {
        let net = host(&s)?;
        let addrs = net.listen_addrs().await.map_err(failed)?;
        addr_info(&PeerAddrs {
            id: net.peer_id(),
            addrs,
        })
    });
    t.add(NetPeers, |s: S, _c, ()| async move {
        let peers = host(&s)?.peers().await.map_err(failed)?;
        peers.iter().map(addr_info).collect()
    });
    t.add(NetConnect, |s: S, _c, (p,): (AddrInfoJson,)| async move {
        let peer = peer_addrs(&p)?;
        host(&s)?.connect(peer).await.map_err(failed)
    });
    t.add(NetDisconnect, |s: S, _c, (p,): (PeerIdJson,)| async move {
        host(&s)?.disconnect(peer_of(&p)?).await.map_err(failed)
    });
    t.add(
        NetConnectedness,
        |s: S, _c, (p,): (PeerIdJson,)| async move {
            let state = host(&s)?
                .connectedness(peer_of(&p)?)
                .await
                .map_err(failed)?;
            Ok(connectedness(state))
        },
    );
    t.add(NetFindPeer, |s: S, _c, (p,): (PeerIdJson,)| async move {
        addr_info(&host(&s)?.find_peer(peer_of(&p)?).await.map_err(failed)?)
    });
    t.add(NetPing, |s: S, _c, (p,): (PeerIdJson,)| async move {
        let rtt = host(&s)?.ping(peer_of(&p)?).await.map_err(failed)?;
        Ok(i64::try_from(rtt.as_nanos()).unwrap_or(i64::MAX))
    });
    t.add(
        NetAgentVersion,
        |s: S, _c, (p,): (PeerIdJson,)| async move {
            let info = host(&s)?.peer_info(peer_of(&p)?).await.map_err(failed)?;
            info.and_then(|i| i.agent)
                .ok_or_else(|| RpcError::handler(format!("no agent version known for peer {p}")))
        },
    );
    t.add(NetPeerInfo, |s: S, _c, (p,): (PeerIdJson,)| async move {
        let info = host(&s)?.peer_info(peer_of(&p)?).await.map_err(failed)?;
        Ok(extended_info(p, info))
    });
    t.add(NetPubsubScores, |s: S, _c, ()| async move {
        let scores = host(&s)?.pubsub_scores().await.map_err(failed)?;
        pubsub_scores(&scores)
    });
    super::net_admin::register(t);
}

/// The peer's record as `NetPeerInfo` answers it: what the host knows (nothing but the
/// ID for a peer it never met), addresses and protocols sorted.
fn extended_info(id: PeerIdJson, info: Option<PeerDetails>) -> ExtendedPeerInfoJson {
    let mut out = ExtendedPeerInfoJson {
        id,
        agent: String::new(),
        addrs: Vec::new(),
        protocols: Vec::new(),
        conn_mgr_meta: None,
    };
    if let Some(info) = info {
        out.agent = info.agent.unwrap_or_default();
        out.addrs = info.addrs.iter().map(Multiaddr::to_string).collect();
        out.addrs.sort();
        out.protocols = info.protocols;
        out.protocols.sort();
    }
    out
}

/// The gossipsub scores, largest peer ID first (as Lotus orders them). The host keeps
/// the whole score and its application part; the other parts it does not break out.
fn pubsub_scores(scores: &[PeerScore]) -> Result<Vec<PubsubScoreJson>, RpcError> {
    let mut out = scores
        .iter()
        .map(|s| {
            Ok(PubsubScoreJson {
                id: peer_json(&s.id)?,
                score: Some(PeerScoreSnapshotJson {
                    score: s.score,
                    app_specific_score: s.app_specific,
                    ..Default::default()
                }),
            })
        })
        .collect::<Result<Vec<_>, RpcError>>()?;
    out.sort_by(|a, b| b.id.as_bytes().cmp(a.id.as_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_records_and_scores_as_lotus_answers_them() {
        let (a, b) = (PeerId::random(), PeerId::random());
        let a_json = peer_json(&a).unwrap();
        assert_eq!(peer_of(&a_json).unwrap(), a);
        let unknown = extended_info(a_json.clone(), None);
        assert_eq!((unknown.agent.as_str(), unknown.addrs.len()), ("", 0));
        let known = extended_info(
            a_json,
            Some(PeerDetails {
                id: a,
                agent: Some("lotus-1.34".into()),
                addrs: vec![
                    "/ip4/10.0.0.2/tcp/1".parse().unwrap(),
                    "/ip4/10.0.0.1/tcp/1".parse().unwrap(),
                ],
                protocols: vec!["/ipfs/ping/1.0.0".into(), "/fil/hello/1.0.0".into()],
                protected: false,
                latency: None,
            }),
        );
        assert_eq!(known.agent, "lotus-1.34");
        assert_eq!(known.addrs, ["/ip4/10.0.0.1/tcp/1", "/ip4/10.0.0.2/tcp/1"]);
        assert_eq!(known.protocols, ["/fil/hello/1.0.0", "/ipfs/ping/1.0.0"]);
        let score = |id| PeerScore {
            id,
            score: 1.5,
            app_specific: 0.5,
        };
        let scores = pubsub_scores(&[score(a), score(b)]).unwrap();
        assert!(
            scores[0].id.as_bytes() > scores[1].id.as_bytes(),
            "largest first"
        );
        assert_eq!(
            scores[0].score.as_ref().map(|s| s.app_specific_score),
            Some(0.5)
        );
        assert_eq!(connectedness(HostConnectedness::CannotConnect).code(), 3);
    }
}
