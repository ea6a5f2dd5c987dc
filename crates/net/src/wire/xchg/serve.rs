//! The server side of chain exchange: a response from the chain store.

use super::{compact, BsTipSet, Request, Response, Status};
use anyhow::Result;
use padma_chain::messages::block_messages;
use padma_chain::store::ChainStore;
use padma_chain::validate::FullBlock;
use padma_types::block::{TipSet, TipSetKey};

/// The most encoded tipset bytes one response carries, well under the asking side's
/// cap of [`super::MAX_RESPONSE_BYTES`]; a segment that would exceed it is cut short
/// and answered as [`Status::Partial`].
pub const SERVE_BUDGET_BYTES: usize = 100 << 20;

/// The tipset with key `key` if the store holds all its blocks, `None` if it lacks one.
fn known_tipset(chain: &ChainStore, key: &TipSetKey) -> Result<Option<TipSet>> {
    for c in key.cids() {
        if chain.get_header(c)?.is_none() {
            return Ok(None);
        }
    }
    // Every block is there: failing now means they do not form this tipset.
    Ok(chain.load_tipset(key).ok())
}

/// One tipset of the response, with what `req` asks for.
fn bundle(chain: &ChainStore, ts: &TipSet, req: &Request) -> Result<BsTipSet> {
    let messages = if req.wants_messages() {
        let mut full = Vec::with_capacity(ts.blocks().len());
        for h in ts.blocks() {
            let (bls_messages, secp_messages) = block_messages(chain.blockstore(), &h.messages)?;
            full.push(FullBlock {
                header: h.clone(),
                bls_messages,
                secp_messages,
            });
        }
        Some(compact(&full))
    } else {
        None
    };
    let blocks = if req.wants_headers() {
        ts.blocks().to_vec()
    } else {
        Vec::new()
    };
    Ok(BsTipSet { blocks, messages })
}

fn walk(chain: &ChainStore, req: &Request) -> Result<Response> {
    let Some(mut ts) = known_tipset(chain, &TipSetKey(req.head.clone()))? else {
        return Ok(Response::error(Status::NotFound, "head tipset not found"));
    };
    let mut out = Vec::new();
    let mut budget = SERVE_BUDGET_BYTES;
    loop {
        let item = bundle(chain, &ts, req)?;
        let size = fvm_ipld_encoding::to_vec(&item)?.len();
        match budget.checked_sub(size) {
            Some(left) => budget = left,
            None if out.is_empty() => {
                return Ok(Response::error(
                    Status::InternalError,
                    format!("the head tipset alone takes {size} bytes, over the response budget"),
                ))
            }
            None => break,
        }
        out.push(item);
        if out.len() as u64 >= req.length || ts.height() == 0 {
            break;
        }
        match known_tipset(chain, &ts.parents())? {
            Some(parent) => ts = parent,
            // The store's history ends here (e.g. it started from a snapshot).
            None => break,
        }
    }
    let status = if out.len() as u64 >= req.length {
        Status::Ok
    } else {
        Status::Partial
    };
    Ok(Response {
        status,
        error_message: String::new(),
        chain: out,
    })
}

/// Answers `req` from `chain`: the tipsets walking back from the head (inclusive), with
/// headers and/or messages as asked. An invalid request is [`Status::BadRequest`], an
/// unknown head [`Status::NotFound`]; reaching genesis, the end of the stored history
/// or [`SERVE_BUDGET_BYTES`] first is [`Status::Partial`]; a store failure is
/// [`Status::InternalError`].
pub fn serve(chain: &ChainStore, req: &Request) -> Response {
    if let Err(e) = req.validate() {
        return Response::error(Status::BadRequest, e.to_string());
    }
    walk(chain, req).unwrap_or_else(|e| Response::error(Status::InternalError, format!("{e:#}")))
}
