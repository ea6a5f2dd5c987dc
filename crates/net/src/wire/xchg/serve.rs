//! The server side of chain exchange: a response from the chain store.

use super::{
    compact, BsTipSet, Request, Response, Status, MAX_RESPONSE_INCLUDES, MAX_RESPONSE_MESSAGES,
};
use anyhow::Result;
use padma_chain::messages::block_messages;
use padma_chain::store::ChainStore;
use padma_chain::validate::FullBlock;
use padma_types::block::{TipSet, TipSetKey};

/// The most encoded tipset bytes one response carries, well under the asking side's
/// cap of [`super::MAX_RESPONSE_BYTES`]; a segment that would exceed it (or the
/// message and include counts an asking padma accepts) is cut short and answered as
/// [`Status::Partial`].
pub const SERVE_BUDGET_BYTES: usize = 100 << 20;

/// What one tipset of a response spends of the budget.
struct Cost {
    bytes: usize,
    messages: u64,
    includes: u64,
}

impl Cost {
    fn of(item: &BsTipSet) -> Result<Cost> {
        let (messages, includes) = item.messages.as_ref().map_or((0, 0), |m| {
            let includes = m
                .bls_includes
                .iter()
                .chain(&m.secpk_includes)
                .map(|i| i.len() as u64)
                .sum();
            ((m.bls.len() + m.secpk.len()) as u64, includes)
        });
        Ok(Cost {
            bytes: fvm_ipld_encoding::to_vec(item)?.len(),
            messages,
            includes,
        })
    }

    /// Takes `self` from `left`, or `None` if it does not fit.
    fn take_from(&self, left: &Cost) -> Option<Cost> {
        Some(Cost {
            bytes: left.bytes.checked_sub(self.bytes)?,
            messages: left.messages.checked_sub(self.messages)?,
            includes: left.includes.checked_sub(self.includes)?,
        })
    }
}

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
    let mut budget = Cost {
        bytes: SERVE_BUDGET_BYTES,
        messages: MAX_RESPONSE_MESSAGES,
        includes: MAX_RESPONSE_INCLUDES,
    };
    loop {
        let item = bundle(chain, &ts, req)?;
        match Cost::of(&item)?.take_from(&budget) {
            Some(left) => budget = left,
            None if out.is_empty() => {
                return Ok(Response::error(
                    Status::InternalError,
                    "the head tipset alone is over the response budget",
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
