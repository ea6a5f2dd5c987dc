//! The asking side's checks of a chain exchange response: the status, the length, that
//! the tipsets are well formed, start at the head asked for and link up, and that the
//! messages fit their blocks and are the ones the headers commit to.

use super::compact::expand_parts;
use super::{BsTipSet, ExpandError, Request, Response, Status};
use fvm_ipld_blockstore::MemoryBlockstore;
use padma_chain::messages::put_block_messages;
use padma_chain::validate::FullBlock;
use padma_types::block::{TipSet, TipSetError};

/// A tipset with its blocks' messages.
#[derive(Clone, Debug)]
pub struct FullTipSet {
    /// The tipset.
    pub tipset: TipSet,
    /// Its blocks with their messages, in tipset order.
    pub blocks: Vec<FullBlock>,
}

/// A checked chain segment, the requested head first.
#[derive(Clone, Debug)]
pub enum Segment {
    /// Headers only.
    Headers(Vec<TipSet>),
    /// Tipsets with their messages (for a messages-only request, the headers are the
    /// ones the caller passed).
    Full(Vec<FullTipSet>),
}

impl Segment {
    /// How many tipsets.
    pub fn len(&self) -> usize {
        match self {
            Segment::Headers(v) => v.len(),
            Segment::Full(v) => v.len(),
        }
    }

    /// Whether there are none (never, for a checked segment).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a response is not an acceptable answer to its request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The request itself was invalid.
    #[error("invalid request: {0}")]
    Request(#[from] super::RequestError),
    /// The peer answered with an error status.
    #[error("peer answered {status:?}: {message}")]
    Status {
        /// The status.
        status: Status,
        /// The peer's message.
        message: String,
    },
    /// A success status with no tipsets.
    #[error("no tipsets in a successful response")]
    Empty,
    /// More tipsets than asked for.
    #[error("{got} tipsets returned, {asked} asked for")]
    TooLong {
        /// How many came.
        got: usize,
        /// How many were asked for.
        asked: u64,
    },
    /// Fewer tipsets than asked for without the Partial status.
    #[error("{got} tipsets returned, {asked} asked for, without a Partial status")]
    Short {
        /// How many came.
        got: usize,
        /// How many were asked for.
        asked: u64,
    },
    /// A tipset's blocks do not form a tipset, or not in tipset order.
    #[error("tipset {index}: {reason}")]
    BadTipSet {
        /// Position in the segment.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The first tipset is not the requested head.
    #[error("the returned chain does not start at the requested head")]
    WrongHead,
    /// A tipset is not the parent of the one before.
    #[error("tipset {index} is not the parent of tipset {}", index - 1)]
    NotLinked {
        /// Position of the tipset that should have been the parent.
        index: usize,
    },
    /// A parent tipset not below its child.
    #[error("tipset {index} is the parent of tipset {} but not below it", index - 1)]
    ParentNotBelow {
        /// Position of the parent.
        index: usize,
    },
    /// Messages missing, or not fitting the blocks.
    #[error("tipset {index}: {error}")]
    Messages {
        /// Position in the segment.
        index: usize,
        /// What is wrong.
        error: ExpandError,
    },
    /// A block's messages are not the ones its header commits to.
    #[error("tipset {index}: the messages of block {block} do not match its header")]
    MessagesMismatch {
        /// Position in the segment.
        index: usize,
        /// The block's position in the tipset.
        block: usize,
    },
    /// A messages-only response, but the caller passed fewer tipsets than came.
    #[error("{known} tipsets known for a messages-only response of {got}")]
    UnknownHeaders {
        /// How many the caller passed.
        known: usize,
        /// How many came.
        got: usize,
    },
}

/// Whether the messages of `b` hash to the `Messages` CID of its header.
pub(crate) fn messages_match(b: &FullBlock) -> bool {
    put_block_messages(&MemoryBlockstore::new(), &b.bls_messages, &b.secp_messages)
        .is_ok_and(|meta| meta == b.header.messages)
}

fn tipset_of(index: usize, bst: &BsTipSet) -> Result<TipSet, ResponseError> {
    let bad = |reason: String| ResponseError::BadTipSet { index, reason };
    let ts = TipSet::new(bst.blocks.clone()).map_err(|e: TipSetError| bad(e.to_string()))?;
    if ts.blocks() != bst.blocks.as_slice() {
        return Err(bad("blocks not in tipset order".into()));
    }
    Ok(ts)
}

fn full_tipset(index: usize, tipset: TipSet, bst: &BsTipSet) -> Result<FullTipSet, ResponseError> {
    let blocks = expand_parts(tipset.blocks(), bst.messages.as_ref())
        .map_err(|error| ResponseError::Messages { index, error })?;
    if let Some(block) = blocks.iter().position(|b| !messages_match(b)) {
        return Err(ResponseError::MessagesMismatch { index, block });
    }
    Ok(FullTipSet { tipset, blocks })
}

/// Checks `resp` answers `req` and returns its segment. For a request of messages only,
/// `known` holds the tipsets asked about (head first), whose blocks the messages are
/// checked against; otherwise it is not used.
pub fn validate_response(
    req: &Request,
    resp: Response,
    known: &[TipSet],
) -> Result<Segment, ResponseError> {
    req.validate()?;
    if !resp.status.is_success() {
        return Err(ResponseError::Status {
            status: resp.status,
            message: resp.error_message,
        });
    }
    let got = resp.chain.len();
    if got == 0 {
        return Err(ResponseError::Empty);
    }
    if got as u64 > req.length {
        return Err(ResponseError::TooLong {
            got,
            asked: req.length,
        });
    }
    if (got as u64) < req.length && resp.status != Status::Partial {
        return Err(ResponseError::Short {
            got,
            asked: req.length,
        });
    }
    let tipsets: Vec<TipSet> = if req.wants_headers() {
        let tipsets = resp
            .chain
            .iter()
            .enumerate()
            .map(|(i, bst)| tipset_of(i, bst))
            .collect::<Result<Vec<_>, _>>()?;
        if tipsets.first().map(|ts| ts.key().cids()) != Some(req.head.as_slice()) {
            return Err(ResponseError::WrongHead);
        }
        for (i, pair) in tipsets.windows(2).enumerate() {
            if let [child, parent] = pair {
                if child.parents() != *parent.key() {
                    return Err(ResponseError::NotLinked { index: i + 1 });
                }
                if parent.height() >= child.height() {
                    return Err(ResponseError::ParentNotBelow { index: i + 1 });
                }
            }
        }
        tipsets
    } else {
        match known.get(..got) {
            Some(k) => k.to_vec(),
            None => {
                return Err(ResponseError::UnknownHeaders {
                    known: known.len(),
                    got,
                })
            }
        }
    };
    if !req.wants_messages() {
        return Ok(Segment::Headers(tipsets));
    }
    tipsets
        .into_iter()
        .zip(&resp.chain)
        .enumerate()
        .map(|(i, (ts, bst))| full_tipset(i, ts, bst))
        .collect::<Result<Vec<_>, _>>()
        .map(Segment::Full)
}
