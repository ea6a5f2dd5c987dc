//! Actor values in Lotus's JSON: the shape of every builtin actor's state and of its
//! methods' parameters, described once as field lists ([`F`]) and read both ways —
//! CBOR to JSON (`StateReadState`, `StateDecodeParams`) and JSON to CBOR
//! (`StateEncodeParams`). Field names are the Go structs' names, CIDs `{"/": …}`, big
//! integers strings, addresses strings, bytes base64, bitfields run lengths,
//! signatures `{"Type","Data"}`.

pub mod params;
pub mod states;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use fvm_shared::address::Address;
use fvm_shared::bigint::{BigInt, Sign};
use ipld_core::ipld::Ipld;
use serde_json::{json, Map, Value};
use std::str::FromStr;

/// How one value is written.
#[derive(Clone, Copy, Debug)]
pub enum F {
    /// CID (or null).
    Cid,
    /// Integer or boolean, as is.
    Num,
    /// Big integer: decimal string.
    Big,
    /// Address string.
    Addr,
    /// Text.
    Str,
    /// Bytes: base64.
    Bytes,
    /// A fixed-size byte array, which Go writes as a list of numbers.
    ByteArray,
    /// A signature: `{"Type", "Data"}` (CBOR: the type byte, then the data).
    Sig,
    /// An RLE+ bitfield: run lengths.
    Bits,
    /// A deal label: a CBOR string or bytes, written as a JSON string (bytes in
    /// base64, as Lotus writes them); read back as a string.
    Label,
    /// A nested struct.
    Struct(&'static [(&'static str, F)]),
    /// A list of items of one kind.
    List(&'static F),
    /// A nullable value.
    Opt(&'static F),
}

/// The fields of a struct.
pub type Fields = &'static [(&'static str, F)];

/// CBOR (as IPLD) to Lotus JSON.
pub fn to_json(v: &Ipld, f: F) -> Result<Value> {
    Ok(match (f, v) {
        (F::Opt(_), Ipld::Null) => Value::Null,
        (F::Opt(inner), _) => to_json(v, *inner)?,
        (F::Cid, Ipld::Link(c)) => json!({ "/": c.to_string() }),
        (F::Cid, Ipld::Null) => Value::Null,
        (F::Num, Ipld::Integer(i)) => i64::try_from(*i)
            .map(Value::from)
            .or_else(|_| u64::try_from(*i).map(Value::from))
            .unwrap_or_else(|_| json!(i.to_string())),
        (F::Num, Ipld::Bool(b)) => json!(b),
        (F::Big, Ipld::Bytes(b)) => {
            let n = match b.split_first() {
                None => BigInt::default(),
                Some((0, mag)) => BigInt::from_bytes_be(Sign::Plus, mag),
                Some((1, mag)) => BigInt::from_bytes_be(Sign::Minus, mag),
                Some(_) => bail!("invalid big integer sign byte"),
            };
            json!(n.to_string())
        }
        (F::Addr, Ipld::Bytes(b)) => json!(Address::from_bytes(b)
            .map_err(|e| anyhow!("invalid address: {e}"))?
            .to_string()),
        (F::Str, Ipld::String(s)) => json!(s),
        // cbor-gen reads empty bytes as a nil slice, which Go writes as null.
        (F::Bytes, Ipld::Bytes(b)) if b.is_empty() => Value::Null,
        (F::Bytes, Ipld::Bytes(b)) => json!(B64.encode(b)),
        (F::ByteArray, Ipld::Bytes(b)) => json!(b),
        (F::Sig, Ipld::Bytes(b)) => match b.split_first() {
            Some((t, data)) => json!({"Type": t, "Data": B64.encode(data)}),
            None => bail!("empty signature"),
        },
        (F::Label, Ipld::String(s)) => json!(s),
        (F::Label, Ipld::Bytes(b)) => json!(B64.encode(b)),
        (F::Bits, Ipld::Bytes(b)) => {
            let bf = fvm_ipld_bitfield::BitField::from_bytes(b)
                .map_err(|e| anyhow!("invalid bitfield: {e}"))?;
            padma_types::json::bitfield_json(&bf)
        }
        (F::Struct(fields), Ipld::List(items)) => {
            if items.len() != fields.len() {
                bail!(
                    "expected a tuple of {} fields, found {}",
                    fields.len(),
                    items.len()
                );
            }
            let mut m = Map::new();
            for ((name, kind), item) in fields.iter().zip(items) {
                m.insert(
                    (*name).to_string(),
                    to_json(item, *kind).with_context(|| format!("field {name}"))?,
                );
            }
            Value::Object(m)
        }
        (F::List(inner), Ipld::List(items)) => Value::Array(
            items
                .iter()
                .map(|i| to_json(i, *inner))
                .collect::<Result<_>>()?,
        ),
        (f, v) => bail!("expected {}, found {}", expected(f), found(v)),
    })
}

/// Lotus JSON to CBOR (as IPLD); absent struct fields read as null.
pub fn from_json(v: &Value, f: F) -> Result<Ipld> {
    Ok(match (f, v) {
        (F::Opt(_), Value::Null) => Ipld::Null,
        (F::Opt(inner), _) => from_json(v, *inner)?,
        (F::Cid, Value::Null) => Ipld::Null,
        (F::Cid, Value::Object(o)) => {
            let s = o
                .get("/")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("expected a CID {{\"/\": …}}"))?;
            Ipld::Link(cid::Cid::from_str(s).map_err(|e| anyhow!("invalid CID '{s}': {e}"))?)
        }
        (F::Num, Value::Bool(b)) => Ipld::Bool(*b),
        (F::Num, Value::Number(n)) => Ipld::Integer(
            n.as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .ok_or_else(|| anyhow!("expected an integer, found {n}"))?,
        ),
        (F::Num, Value::Null) => Ipld::Integer(0),
        (F::Big, Value::Null) => Ipld::Bytes(Vec::new()),
        (F::Big, Value::String(s)) => {
            let n = BigInt::from_str(s).map_err(|_| anyhow!("invalid big integer '{s}'"))?;
            let (sign, mag) = n.to_bytes_be();
            Ipld::Bytes(match sign {
                Sign::NoSign => Vec::new(),
                Sign::Plus => [&[0u8][..], &mag].concat(),
                Sign::Minus => [&[1u8][..], &mag].concat(),
            })
        }
        (F::Addr, Value::String(s)) => Ipld::Bytes(
            padma_types::address::parse_address(s)
                .map_err(|e| anyhow!("invalid address '{s}': {e}"))?
                .to_bytes(),
        ),
        (F::Str, Value::String(s)) => Ipld::String(s.clone()),
        (F::Str, Value::Null) => Ipld::String(String::new()),
        (F::Label, Value::String(s)) => Ipld::String(s.clone()),
        (F::Label, Value::Null) => Ipld::String(String::new()),
        (F::Bytes, Value::Null) => Ipld::Bytes(Vec::new()),
        (F::Bytes, Value::String(s)) => {
            Ipld::Bytes(B64.decode(s).map_err(|e| anyhow!("invalid base64: {e}"))?)
        }
        (F::ByteArray, Value::Array(items)) => Ipld::Bytes(
            items
                .iter()
                .map(|b| {
                    b.as_u64()
                        .and_then(|b| u8::try_from(b).ok())
                        .ok_or_else(|| anyhow!("expected a byte, found {b}"))
                })
                .collect::<Result<_>>()?,
        ),
        (F::Sig, Value::Object(o)) => {
            let t = o
                .get("Type")
                .and_then(Value::as_u64)
                .and_then(|t| u8::try_from(t).ok())
                .ok_or_else(|| anyhow!("expected a signature type"))?;
            let data = match o.get("Data") {
                Some(Value::String(s)) => {
                    B64.decode(s).map_err(|e| anyhow!("invalid base64: {e}"))?
                }
                _ => Vec::new(),
            };
            Ipld::Bytes([&[t][..], &data].concat())
        }
        (F::Bits, _) => Ipld::Bytes(padma_types::json::bitfield_from_json(v)?.to_bytes()),
        (F::Struct(fields), Value::Object(o)) => {
            if let Some(extra) = o.keys().find(|k| !fields.iter().any(|(n, _)| n == k)) {
                bail!("unknown field {extra}");
            }
            Ipld::List(
                fields
                    .iter()
                    .map(|(name, kind)| {
                        from_json(o.get(*name).unwrap_or(&Value::Null), *kind)
                            .with_context(|| format!("field {name}"))
                    })
                    .collect::<Result<_>>()?,
            )
        }
        (F::List(_), Value::Null) => Ipld::List(Vec::new()),
        (F::List(inner), Value::Array(items)) => Ipld::List(
            items
                .iter()
                .map(|i| from_json(i, *inner))
                .collect::<Result<_>>()?,
        ),
        (f, v) => bail!("expected {}, found {v}", expected(f)),
    })
}

/// Decodes CBOR bytes as `f`, in Lotus JSON.
pub fn decode(bytes: &[u8], f: F) -> Result<Value> {
    let node: Ipld =
        serde_ipld_dagcbor::from_slice(bytes).map_err(|e| anyhow!("invalid CBOR: {e}"))?;
    to_json(&node, f)
}

/// Encodes Lotus JSON as `f` in CBOR.
pub fn encode(v: &Value, f: F) -> Result<Vec<u8>> {
    let node = from_json(v, f)?;
    serde_ipld_dagcbor::to_vec(&node).map_err(|e| anyhow!("encoding CBOR: {e}"))
}

fn expected(f: F) -> &'static str {
    match f {
        F::Cid => "a CID",
        F::Num => "an integer or boolean",
        F::Big => "a big integer",
        F::Addr => "an address",
        F::Str | F::Label => "a string",
        F::Bytes | F::ByteArray => "bytes",
        F::Sig => "a signature",
        F::Bits => "a bitfield",
        F::Struct(_) => "a struct",
        F::List(_) => "a list",
        F::Opt(_) => "a value or null",
    }
}

fn found(v: &Ipld) -> &'static str {
    match v {
        Ipld::Null => "null",
        Ipld::Bool(_) => "a boolean",
        Ipld::Integer(_) => "an integer",
        Ipld::Float(_) => "a float",
        Ipld::String(_) => "a string",
        Ipld::Bytes(_) => "bytes",
        Ipld::List(_) => "a list",
        Ipld::Map(_) => "a map",
        Ipld::Link(_) => "a CID",
    }
}

#[cfg(test)]
mod tests;
