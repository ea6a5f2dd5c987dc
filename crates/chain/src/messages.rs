//! A block's messages: stored as the BLS and secp legacy v0 AMTs of message CIDs
//! under a `MsgMeta`, with the messages themselves as blocks of their own; and the
//! messages a tipset executes, in receipt order; a message by CID as the chain keeps it.

use crate::state_view::StateView;
use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::address::Address;
use padma_state::vm::{select_messages, ChainMessage};
use padma_types::block::{decode_canonical, MsgMeta, TipSet};
use padma_types::message::{decode_message, decode_signed_message, message_cbor, message_cid};
use padma_types::{Message, SignedMessage};

/// Stores the messages of a block and returns its `MsgMeta` CID (the header's `Messages`).
pub fn put_block_messages(
    bs: &impl Blockstore,
    bls: &[Message],
    secp: &[SignedMessage],
) -> Result<Cid> {
    let mut bls_cids = Vec::with_capacity(bls.len());
    for m in bls {
        let cid = message_cid(m);
        bs.put_keyed(&cid, &message_cbor(m))?;
        bls_cids.push(cid);
    }
    let mut secp_cids = Vec::with_capacity(secp.len());
    for m in secp {
        let cid = m.cid();
        bs.put_keyed(&cid, &m.cbor())?;
        secp_cids.push(cid);
    }
    let meta = MsgMeta {
        bls_messages: Amtv0::new_from_iter(bs, bls_cids)?,
        secpk_messages: Amtv0::new_from_iter(bs, secp_cids)?,
    };
    let cid = meta.cid();
    bs.put_keyed(&cid, &meta.cbor())?;
    Ok(cid)
}

/// The message CIDs of a block: BLS first, then secp, each in block order.
pub fn block_message_cids(bs: &impl Blockstore, msg_meta: &Cid) -> Result<(Vec<Cid>, Vec<Cid>)> {
    let bytes = bs
        .get(msg_meta)?
        .ok_or_else(|| anyhow!("message meta {msg_meta} not found"))?;
    let meta: MsgMeta = decode_canonical(&bytes, "message meta").map_err(|e| anyhow!(e))?;
    let read = |root: &Cid| -> Result<Vec<Cid>> {
        let amt: Amtv0<Cid, _> =
            Amtv0::load(root, bs).with_context(|| format!("loading message AMT {root}"))?;
        let mut out = Vec::with_capacity(amt.count() as usize);
        amt.for_each(|_, c| {
            out.push(*c);
            Ok(())
        })?;
        Ok(out)
    };
    Ok((read(&meta.bls_messages)?, read(&meta.secpk_messages)?))
}

/// The messages of a block.
pub fn block_messages(
    bs: &impl Blockstore,
    msg_meta: &Cid,
) -> Result<(Vec<Message>, Vec<SignedMessage>)> {
    let (bls_cids, secp_cids) = block_message_cids(bs, msg_meta)?;
    let get = |c: &Cid| bs.get(c)?.ok_or_else(|| anyhow!("message {c} not found"));
    let bls = bls_cids
        .iter()
        .map(|c| decode_message(&get(c)?).map_err(|e| anyhow!(e)))
        .collect::<Result<_>>()?;
    let secp = secp_cids
        .iter()
        .map(|c| decode_signed_message(&get(c)?).map_err(|e| anyhow!(e)))
        .collect::<Result<_>>()?;
    Ok((bls, secp))
}

/// The messages `ts` executes, in execution (and receipt) order, with the CIDs the chain
/// knows them by (Lotus's `MessagesForTipset`): each block's messages, less those whose
/// nonce does not follow their sender's previous one in the tipset.
pub fn tipset_messages<BS: Blockstore + Clone>(
    bs: &BS,
    ts: &TipSet,
) -> Result<Vec<(Cid, Message)>> {
    let mut blocks = Vec::with_capacity(ts.blocks().len());
    for b in ts.blocks() {
        let (bls, secp) = block_messages(bs, &b.messages)
            .with_context(|| format!("loading the messages of block {}", b.cid()))?;
        let mut msgs: Vec<(Cid, Message)> = bls.into_iter().map(|m| (message_cid(&m), m)).collect();
        msgs.extend(secp.into_iter().map(|m| (m.cid(), m.message)));
        blocks.push(msgs);
    }
    let mut view: Option<StateView<BS>> = None;
    let picked = select_messages(
        blocks,
        |(_, m): &(Cid, Message)| m,
        |a| {
            if view.is_none() {
                view = Some(StateView::at_tipset(bs.clone(), ts)?);
            }
            let v = view.as_ref().ok_or_else(|| anyhow!("no state view"))?;
            let id = v
                .resolve(a)?
                .ok_or_else(|| anyhow!("failed to resolve sender {a}"))?;
            Ok(Address::new_id(id))
        },
    )?;
    Ok(picked.into_iter().flatten().collect())
}

/// A stored message by CID, as Lotus's `GetCMessage` reads it: an unsigned (BLS)
/// message, else a signed one; `None` when the store does not hold it.
pub fn stored_message(bs: &impl Blockstore, c: &Cid) -> Result<Option<ChainMessage>> {
    let Some(bytes) = bs.get(c)? else {
        return Ok(None);
    };
    if let Ok(m) = decode_message(&bytes) {
        return Ok(Some(ChainMessage::Bls(m)));
    }
    if let Ok(m) = decode_signed_message(&bytes) {
        return Ok(Some(ChainMessage::Signed(m)));
    }
    Err(anyhow!(
        "object {c} is neither a message nor a signed message"
    ))
}
