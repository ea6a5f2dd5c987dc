//! Reading `padma net`'s arguments: peer IDs, and the peers `connect` and `ping` take —
//! multiaddrs ending in `/p2p/<peer ID>`, bare peer IDs (their addresses found with
//! `NetFindPeer`) or a miner actor address (its peer ID and addresses from
//! `StateMinerInfo`).

use crate::multiaddr::multiaddr_text;
use crate::util::parse_addr;
use anyhow::{anyhow, bail, Result};
use padma_api::miner_state::StateMinerInfo;
use padma_api::net::{AddrInfoJson, NetFindPeer, PeerIdJson};
use padma_rpc::client::RpcClient;
use padma_types::json::block::TipSetKeyJson;

/// Parses a peer ID (base58btc or a libp2p-key CID).
pub fn parse_peer(text: &str) -> Result<PeerIdJson> {
    text.trim().parse().map_err(|e: String| anyhow!(e))
}

/// Parses peer IDs, as Lotus's `protect`/`unprotect` take them: at least one, none empty.
pub fn parse_peer_list(args: &[String]) -> Result<Vec<PeerIdJson>> {
    if args.is_empty() {
        bail!("must specify at least one peer ID as an argument");
    }
    args.iter()
        .map(|a| {
            if a.is_empty() {
                bail!("peer ID must not be empty");
            }
            parse_peer(a)
        })
        .collect()
}

/// Splits a multiaddr ending in `/p2p/<peer ID>` (or the older `/ipfs/<peer ID>`) into
/// the peer and the transport part before it (`""` when there is none).
pub fn split_p2p_addr(text: &str) -> Result<(PeerIdJson, String)> {
    let text = text.trim();
    if !text.starts_with('/') {
        bail!("invalid multiaddr '{text}': it must start with '/'");
    }
    let (transport, id) = ["/p2p/", "/ipfs/"]
        .iter()
        .filter_map(|tag| text.rfind(tag).map(|at| (at, tag.len())))
        .max()
        .and_then(|(at, tag_len)| Some((text.get(..at)?, text.get(at + tag_len..)?)))
        .ok_or_else(|| anyhow!("multiaddr '{text}' does not end in /p2p/<peer ID>"))?;
    if id.contains('/') {
        bail!("multiaddr '{text}' does not end in /p2p/<peer ID>");
    }
    Ok((parse_peer(id)?, transport.to_string()))
}

/// Multiaddrs grouped by peer, in the order the peers first appear (as go-libp2p's
/// `AddrInfosFromP2pAddrs`).
pub fn addr_infos_from_p2p_addrs(args: &[String]) -> Result<Vec<AddrInfoJson>> {
    let mut infos: Vec<AddrInfoJson> = Vec::new();
    for arg in args {
        let (id, transport) = split_p2p_addr(arg)?;
        let at = match infos.iter().position(|i| i.id == id) {
            Some(at) => at,
            None => {
                infos.push(AddrInfoJson { id, addrs: vec![] });
                infos.len() - 1
            }
        };
        if let (Some(info), false) = (infos.get_mut(at), transport.is_empty()) {
            info.addrs.push(transport);
        }
    }
    Ok(infos)
}

/// Go's `%s` of an `AddrInfo`: `{<peer ID>: [<addr> <addr>]}`.
pub fn addr_info_text(info: &AddrInfoJson) -> String {
    format!("{{{}: [{}]}}", info.id, info.addrs.join(" "))
}

/// The peers `connect` and `ping` name: multiaddrs with their peer, else peer IDs
/// (looked up with `NetFindPeer`), else a miner actor address (its peer ID and
/// addresses, printed as `<miner> -> {<peer>: [<addrs>]}`).
pub async fn addr_infos_from_args(c: &RpcClient, args: &[String]) -> Result<Vec<AddrInfoJson>> {
    if args.is_empty() {
        bail!("specify a peer multiaddr, a peer ID or a miner actor address");
    }
    let multiaddr_error = match addr_infos_from_p2p_addrs(args) {
        Ok(infos) => return Ok(infos),
        Err(e) => e,
    };
    if let Ok(peers) = args
        .iter()
        .map(|a| parse_peer(a))
        .collect::<Result<Vec<_>>>()
    {
        let mut infos = Vec::with_capacity(peers.len());
        for peer in peers {
            let info = c
                .request::<NetFindPeer>((peer.clone(),))
                .await
                .map_err(|e| anyhow!("finding peer {peer}: {e}"))?;
            infos.push(info);
        }
        return Ok(infos);
    }
    let first = args.first().map(String::as_str).unwrap_or_default();
    let Ok(miner) = parse_addr("miner", first) else {
        return Err(multiaddr_error);
    };
    let info = c
        .request::<StateMinerInfo>((miner, TipSetKeyJson::default()))
        .await
        .map_err(|e| anyhow!("getting miner info: {e}"))?;
    let info = miner_addr_info(info.peer_id.as_deref(), info.multiaddrs.iter().flatten())?;
    println!("{} -> {}", miner.0, addr_info_text(&info));
    Ok(vec![info])
}

/// A miner's peer and its binary multiaddrs as an `AddrInfo`; addresses that do not
/// decode are reported and left out.
fn miner_addr_info<'a>(
    peer_id: Option<&str>,
    multiaddrs: impl Iterator<Item = &'a padma_types::json::BytesJson>,
) -> Result<AddrInfoJson> {
    let id = parse_peer(peer_id.ok_or_else(|| anyhow!("no PeerID for miner"))?)?;
    let addrs = multiaddrs
        .enumerate()
        .filter_map(|(i, bytes)| match multiaddr_text(&bytes.0) {
            Ok(text) => Some(text),
            Err(e) => {
                tracing::warn!("parsing multiaddr {i} ({}): {e}", hex::encode(&bytes.0));
                None
            }
        })
        .collect();
    Ok(AddrInfoJson { id, addrs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_types::json::BytesJson;

    const A: &str = "12D3KooWJtZVfRKpB4TgHnUDhDp3TUB18U7fMsmuTvhx6xE6eNZH";
    const B: &str = "12D3KooWGFrw2HTxjQqppCpGNerNBk5RGxuSBCKCSLZW19TRtCdU";

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn p2p_addrs_split_and_group_by_peer() {
        let (id, transport) = split_p2p_addr(&format!("/ip4/10.0.0.1/tcp/4001/p2p/{A}")).unwrap();
        assert_eq!(
            (id.to_string().as_str(), transport.as_str()),
            (A, "/ip4/10.0.0.1/tcp/4001")
        );
        let (_, transport) = split_p2p_addr(&format!("/ipfs/{B}")).unwrap();
        assert_eq!(transport, "");
        let infos = addr_infos_from_p2p_addrs(&strings(&[
            &format!("/ip4/10.0.0.1/tcp/1/p2p/{A}"),
            &format!("/p2p/{B}"),
            &format!("/ip6/::1/tcp/2/p2p/{A}"),
        ]))
        .unwrap();
        assert_eq!(infos.len(), 2);
        assert_eq!(
            addr_info_text(&infos[0]),
            format!("{{{A}: [/ip4/10.0.0.1/tcp/1 /ip6/::1/tcp/2]}}")
        );
        assert_eq!(addr_info_text(&infos[1]), format!("{{{B}: []}}"));
    }

    #[test]
    fn bad_addrs_are_refused() {
        for bad in [
            "ip4/1.2.3.4/tcp/1".to_string(),
            "/ip4/1.2.3.4/tcp/1".to_string(),
            format!("/p2p/{A}/tcp/1"),
            "/ip4/1.2.3.4/tcp/1/p2p/notapeer".to_string(),
            "/p2p/".to_string(),
            "/ip4/é/p2p/ü".to_string(),
            String::new(),
        ] {
            assert!(split_p2p_addr(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn peer_lists() {
        assert_eq!(parse_peer_list(&strings(&[A, B])).unwrap().len(), 2);
        let none = parse_peer_list(&[]).unwrap_err().to_string();
        assert_eq!(none, "must specify at least one peer ID as an argument");
        let empty = parse_peer_list(&strings(&[A, ""])).unwrap_err().to_string();
        assert_eq!(empty, "peer ID must not be empty");
        assert!(parse_peer_list(&strings(&["t01000"])).is_err());
    }

    #[test]
    fn miner_addresses() {
        let good = BytesJson(vec![4, 127, 0, 0, 1, 6, 0x04, 0xd2]);
        let bad = BytesJson(vec![0xff, 0xff, 0x03]);
        let info = miner_addr_info(Some(A), [good, bad].iter()).unwrap();
        assert_eq!(
            addr_info_text(&info),
            format!("{{{A}: [/ip4/127.0.0.1/tcp/1234]}}")
        );
        let none = miner_addr_info(None, [].iter()).unwrap_err().to_string();
        assert_eq!(none, "no PeerID for miner");
    }
}
