//! Chain exchange (`/fil/chain/xchg/0.0.1`, protocol.md §4.3): a peer asks for a chain
//! segment walking back from a tipset, with headers, messages or both, and gets one
//! response. The wire types are here; [`compact`] and [`expand`] convert between a
//! tipset's messages and their compacted wire form, [`serve`] answers a request from
//! the chain store, and [`validate_response`] checks an answer on the asking side.

mod bounds;
mod compact;
mod serve;
mod validate;

pub use bounds::{MAX_RESPONSE_INCLUDES, MAX_RESPONSE_MESSAGES};
pub use compact::{compact, expand, ExpandError, MAX_EXPANDED_MESSAGE_BYTES};
pub use serve::{serve, SERVE_BUDGET_BYTES};
pub use validate::{validate_response, FullTipSet, ResponseError, Segment};

use super::{check_one_item, decode_canonical, encode, DecodeError};
use cid::Cid;
use fvm_ipld_encoding::tuple::*;
use fvm_shared::message::Message;
use padma_types::block::BlockHeader;
use padma_types::SignedMessage;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The chain exchange protocol's name.
pub const CHAIN_EXCHANGE_PROTOCOL: &str = "/fil/chain/xchg/0.0.1";

/// The most tipsets one request may ask for (ChainFinality).
pub const MAX_REQUEST_LENGTH: u64 = 900;

/// Option bit: include the block headers.
pub const HEADERS: u64 = 1;
/// Option bit: include the messages.
pub const MESSAGES: u64 = 2;

/// The longest request accepted: room for a head of about ninety blocks.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024;

/// The longest response accepted: Lotus's client cap, `(15·8) << 20` bytes.
pub const MAX_RESPONSE_BYTES: usize = (15 * 8) << 20;

/// A request: `[Head [CID], Length uint64, Options uint64]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct Request {
    /// The block CIDs of the tipset to start from (inclusive), in tipset order.
    pub head: Vec<Cid>,
    /// How many tipsets to walk back, the head included.
    pub length: u64,
    /// [`HEADERS`] and/or [`MESSAGES`].
    pub options: u64,
}

/// Why a request cannot be served.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The head names no block.
    #[error("no cids in request")]
    NoHead,
    /// Zero tipsets asked for.
    #[error("invalid request length of zero")]
    ZeroLength,
    /// More than [`MAX_REQUEST_LENGTH`] tipsets asked for.
    #[error("request length {0} over maximum allowed ({MAX_REQUEST_LENGTH})")]
    TooLong(u64),
    /// Neither headers nor messages asked for.
    #[error("no options set")]
    NoOptions,
}

impl Request {
    /// Whether the headers are asked for.
    pub fn wants_headers(&self) -> bool {
        self.options & HEADERS != 0
    }

    /// Whether the messages are asked for.
    pub fn wants_messages(&self) -> bool {
        self.options & MESSAGES != 0
    }

    /// Checks the request is one a server answers (unknown option bits are ignored, as
    /// Lotus ignores them).
    pub fn validate(&self) -> Result<(), RequestError> {
        if !self.wants_headers() && !self.wants_messages() {
            return Err(RequestError::NoOptions);
        }
        if self.length == 0 {
            return Err(RequestError::ZeroLength);
        }
        if self.length > MAX_REQUEST_LENGTH {
            return Err(RequestError::TooLong(self.length));
        }
        if self.head.is_empty() {
            return Err(RequestError::NoHead);
        }
        Ok(())
    }

    /// The DAG-CBOR bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a request of at most [`MAX_REQUEST_BYTES`], canonical form only. It is
    /// not validated: a server answers an invalid request with [`Status::BadRequest`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_canonical(bytes, "chain exchange request", MAX_REQUEST_BYTES)
    }
}

/// A response status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// All tipsets asked for.
    Ok,
    /// Fewer tipsets than asked for, the head first (not an error).
    Partial,
    /// The head is unknown.
    NotFound,
    /// The server will not serve this peer now.
    GoAway,
    /// The server failed.
    InternalError,
    /// The request is invalid.
    BadRequest,
}

impl Status {
    /// The number on the wire.
    pub fn code(self) -> u64 {
        match self {
            Status::Ok => 0,
            Status::Partial => 101,
            Status::NotFound => 201,
            Status::GoAway => 202,
            Status::InternalError => 203,
            Status::BadRequest => 204,
        }
    }

    /// The status with wire number `code`, if any.
    pub fn from_code(code: u64) -> Option<Self> {
        Some(match code {
            0 => Status::Ok,
            101 => Status::Partial,
            201 => Status::NotFound,
            202 => Status::GoAway,
            203 => Status::InternalError,
            204 => Status::BadRequest,
            _ => return None,
        })
    }

    /// Whether the response carries a chain segment (Ok or Partial).
    pub fn is_success(self) -> bool {
        matches!(self, Status::Ok | Status::Partial)
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.code().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u64::deserialize(d)?;
        Status::from_code(code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown response status {code}")))
    }
}

/// A response: `[Status uint64, ErrorMessage string, Chain [BSTipSet]]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct Response {
    /// The status.
    pub status: Status,
    /// What went wrong, for error statuses (else empty).
    pub error_message: String,
    /// The tipsets, the head first, each the parent of the one before.
    pub chain: Vec<BsTipSet>,
}

impl Response {
    /// A response with an error status and no chain.
    pub fn error(status: Status, message: impl Into<String>) -> Self {
        Response {
            status,
            error_message: message.into(),
            chain: Vec::new(),
        }
    }

    /// The DAG-CBOR bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a response of at most [`MAX_RESPONSE_BYTES`], [`MAX_RESPONSE_MESSAGES`]
    /// and [`MAX_RESPONSE_INCLUDES`]. Being large, it is checked for DAG-CBOR
    /// well-formedness but not re-encoded for canonical form.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "chain exchange response";
        check_one_item(bytes, WHAT, MAX_RESPONSE_BYTES)?;
        bounds::check_counts(bytes).map_err(|reason| DecodeError::invalid(WHAT, reason))?;
        fvm_ipld_encoding::from_slice(bytes).map_err(|e| DecodeError::invalid(WHAT, e))
    }
}

/// One tipset of a response: `[Blocks [BlockHeader], Messages CompactedMessages|null]`.
/// Blocks are empty when headers were not asked for; messages are null when they
/// were not asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct BsTipSet {
    /// The headers, in tipset order.
    pub blocks: Vec<BlockHeader>,
    /// The tipset's messages.
    pub messages: Option<CompactedMessages>,
}

/// A tipset's messages, each once: `[Bls [Message], BlsIncludes [[uint]], Secpk
/// [SignedMessage], SecpkIncludes [[uint]]]`. `bls_includes[i]` lists, in block `i`'s
/// order, the indexes into `bls` of that block's BLS messages; likewise for secp.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct CompactedMessages {
    /// The distinct BLS messages (unsigned).
    pub bls: Vec<Message>,
    /// Per block, indexes into `bls`.
    pub bls_includes: Vec<Vec<u64>>,
    /// The distinct secp (and delegated) signed messages.
    pub secpk: Vec<SignedMessage>,
    /// Per block, indexes into `secpk`.
    pub secpk_includes: Vec<Vec<u64>>,
}

#[cfg(test)]
mod tests;
