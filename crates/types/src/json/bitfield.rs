//! Bitfields in Lotus JSON: run lengths, starting with a run of unset bits.

use fvm_ipld_bitfield::BitField;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest bit a bitfield read from JSON may set (no sector number is larger).
const MAX_BITFIELD_BIT: u64 = i64::MAX as u64;

/// A bitfield in Lotus JSON: run lengths, starting with a run of unset bits (`[0]` when
/// empty).
pub fn bitfield_json(bf: &BitField) -> serde_json::Value {
    serde_json::Value::from(bitfield_runs(bf))
}

/// The run lengths of a bitfield as Lotus JSON lists them.
fn bitfield_runs(bf: &BitField) -> Vec<u64> {
    let mut runs = Vec::new();
    let mut next = 0u64;
    for r in bf.ranges() {
        runs.push(r.start - next);
        runs.push(r.end - r.start);
        next = r.end;
    }
    if runs.is_empty() {
        runs.push(0);
    }
    runs
}

/// Reads a Lotus JSON bitfield (run lengths starting with unset bits; `null` is empty).
/// Adjacent set runs (a zero-length gap) merge; no bit may pass `i64::MAX`.
pub fn bitfield_from_json(v: &serde_json::Value) -> anyhow::Result<BitField> {
    if v.is_null() {
        return Ok(BitField::new());
    }
    let runs: Vec<u64> =
        serde_json::from_value(v.clone()).map_err(|e| anyhow::anyhow!("invalid bitfield: {e}"))?;
    let mut ranges: Vec<std::ops::Range<u64>> = Vec::new();
    let mut pos = 0u64;
    for (i, len) in runs.into_iter().enumerate() {
        let end = pos
            .checked_add(len)
            .ok_or_else(|| anyhow::anyhow!("bitfield too large"))?;
        if i % 2 == 1 && len > 0 {
            match ranges.last_mut() {
                Some(last) if last.end == pos => last.end = end,
                _ => ranges.push(pos..end),
            }
        }
        pos = end;
    }
    if pos > MAX_BITFIELD_BIT {
        anyhow::bail!("bitfield too large");
    }
    Ok(BitField::from_ranges(fvm_ipld_bitfield::iter::Ranges::new(
        ranges,
    )))
}

/// A bitfield as a JSON value: written as [`bitfield_json`] writes it, read as
/// [`bitfield_from_json`] reads it (`null` is empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BitFieldJson(pub BitField);

impl Serialize for BitFieldJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        bitfield_runs(&self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for BitFieldJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        bitfield_from_json(&v)
            .map(BitFieldJson)
            .map_err(|e| D::Error::custom(format!("{e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn bits(b: &BitField) -> Vec<u64> {
        b.iter().collect()
    }

    #[test]
    fn bitfields_as_lotus_run_lengths() {
        let mut bf = BitField::new();
        assert_eq!(bitfield_json(&bf), json!([0]));
        bf.set(1);
        assert_eq!(bitfield_json(&bf), json!([1, 1]));
        for b in [0, 2, 3, 7] {
            bf.set(b);
        }
        let j = bitfield_json(&bf);
        assert_eq!(j, json!([0, 4, 3, 1]));
        assert_eq!(bits(&bitfield_from_json(&j).unwrap()), vec![0, 1, 2, 3, 7]);
        assert!(bitfield_from_json(&Value::Null).unwrap().is_empty());
        // A zero-length gap joins two runs.
        let b = bitfield_from_json(&json!([1, 2, 0, 1])).unwrap();
        assert_eq!(bits(&b), vec![1, 2, 3]);
        assert_eq!(bitfield_json(&b), json!([1, 3]));
        assert!(bitfield_from_json(&json!(["x"])).is_err());
        assert!(bitfield_from_json(&json!([u64::MAX, 1])).is_err());
        assert!(bitfield_from_json(&json!([i64::MAX as u64, 1])).is_err());
    }

    #[test]
    fn bitfield_values_write_and_read_run_lengths() {
        let mut bf = BitField::new();
        for b in [0, 1, 2, 3, 7] {
            bf.set(b);
        }
        let text = serde_json::to_string(&BitFieldJson(bf.clone())).unwrap();
        assert_eq!(text, "[0,4,3,1]");
        let back: BitFieldJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back, BitFieldJson(bf));
        assert_eq!(
            serde_json::to_string(&BitFieldJson::default()).unwrap(),
            "[0]"
        );
        let empty: BitFieldJson = serde_json::from_str("null").unwrap();
        assert!(empty.0.is_empty());
        let e = serde_json::from_str::<BitFieldJson>(r#"["x"]"#).unwrap_err();
        assert!(e.to_string().starts_with("invalid bitfield"), "{e}");
    }
}
