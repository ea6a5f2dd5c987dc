//! The few pieces of the protobuf wire format bitswap needs: unsigned varints, field
//! keys, and a bounded reader that never reads past its buffer.

/// Protobuf wire type of varint fields.
pub const VARINT: u8 = 0;
/// Protobuf wire type of 64-bit fields.
pub const FIXED64: u8 = 1;
/// Protobuf wire type of length-delimited fields.
pub const LEN: u8 = 2;
/// Protobuf wire type of 32-bit fields.
pub const FIXED32: u8 = 5;

/// Why bytes are not the protobuf they should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    /// The input ends inside a field.
    #[error("truncated protobuf")]
    Truncated,
    /// A varint longer than ten bytes.
    #[error("varint too long")]
    VarintTooLong,
    /// A wire type bitswap's messages never use (groups) or no wire type at all.
    #[error("unsupported protobuf wire type {0}")]
    WireType(u8),
    /// A field of the right number but the wrong wire type, or a bad value.
    #[error("invalid field {0}: {1}")]
    Field(u32, String),
}

/// Appends `v` as an unsigned varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends the key of field `field` with wire type `wire`.
pub fn put_key(out: &mut Vec<u8>, field: u32, wire: u8) {
    put_varint(out, (u64::from(field) << 3) | u64::from(wire));
}

/// Appends a length-delimited field.
pub fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends a varint field unless it is zero (proto3 leaves defaults out).
pub fn put_uint(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        put_key(out, field, VARINT);
        put_varint(out, v);
    }
}

/// The varint at the start of `buf` and its length; `Ok(None)` if `buf` ends first.
pub fn varint_prefix(buf: &[u8]) -> Result<Option<(u64, usize)>, ProtoError> {
    let mut v: u64 = 0;
    for (i, b) in buf.iter().enumerate() {
        if i >= 10 {
            return Err(ProtoError::VarintTooLong);
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(Some((v, i + 1)));
        }
    }
    if buf.len() >= 10 {
        return Err(ProtoError::VarintTooLong);
    }
    Ok(None)
}

/// A field's value as read.
pub enum Value<'a> {
    /// A varint.
    Varint(u64),
    /// Length-delimited bytes.
    Bytes(&'a [u8]),
    /// A fixed-size value (skipped by bitswap).
    Fixed,
}

/// Reads the fields of one protobuf message in order.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, exactly one message.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    fn varint(&mut self) -> Result<u64, ProtoError> {
        let (v, n) = varint_prefix(self.buf)?.ok_or(ProtoError::Truncated)?;
        self.buf = self.buf.get(n..).ok_or(ProtoError::Truncated)?;
        Ok(v)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], ProtoError> {
        let n = usize::try_from(n).map_err(|_| ProtoError::Truncated)?;
        if n > self.buf.len() {
            return Err(ProtoError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    /// The next field's number and value, or `None` at the end.
    pub fn next_field(&mut self) -> Result<Option<(u32, Value<'a>)>, ProtoError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let wire = (key & 7) as u8;
        let field = u32::try_from(key >> 3).map_err(|_| ProtoError::WireType(wire))?;
        let value = match wire {
            VARINT => Value::Varint(self.varint()?),
            LEN => {
                let n = self.varint()?;
                Value::Bytes(self.take(n)?)
            }
            FIXED64 => {
                self.take(8)?;
                Value::Fixed
            }
            FIXED32 => {
                self.take(4)?;
                Value::Fixed
            }
            other => return Err(ProtoError::WireType(other)),
        };
        Ok(Some((field, value)))
    }
}

/// The varint of field `field`, or an error naming the field.
pub fn expect_varint(field: u32, v: Value<'_>) -> Result<u64, ProtoError> {
    match v {
        Value::Varint(n) => Ok(n),
        _ => Err(ProtoError::Field(field, "expected a varint".into())),
    }
}

/// The bytes of field `field`, or an error naming the field.
pub fn expect_bytes<'a>(field: u32, v: Value<'a>) -> Result<&'a [u8], ProtoError> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(ProtoError::Field(field, "expected bytes".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        for (v, bytes) in [
            (0u64, vec![0x00]),
            (1, vec![0x01]),
            (127, vec![0x7f]),
            (128, vec![0x80, 0x01]),
            (300, vec![0xac, 0x02]),
            (
                u64::MAX,
                vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out, bytes);
            assert_eq!(varint_prefix(&bytes), Ok(Some((v, bytes.len()))));
            assert_eq!(varint_prefix(&bytes[..bytes.len() - 1]), Ok(None));
        }
        assert_eq!(varint_prefix(&[0x80; 10]), Err(ProtoError::VarintTooLong));
        assert_eq!(varint_prefix(&[0x80; 11]), Err(ProtoError::VarintTooLong));
    }

    #[test]
    fn reads_fields_and_skips_fixed_ones() {
        // field 1 varint 150; field 2 bytes "ab"; field 3 fixed64; field 4 fixed32.
        let buf = [
            0x08, 0x96, 0x01, 0x12, 0x02, b'a', b'b', 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3,
            4,
        ];
        let mut r = Reader::new(&buf);
        assert!(matches!(r.next_field(), Ok(Some((1, Value::Varint(150))))));
        assert!(matches!(r.next_field(), Ok(Some((2, Value::Bytes(b"ab"))))));
        assert!(matches!(r.next_field(), Ok(Some((3, Value::Fixed)))));
        assert!(matches!(r.next_field(), Ok(Some((4, Value::Fixed)))));
        assert!(matches!(r.next_field(), Ok(None)));
        for bad in [
            &[0x12, 0x05, b'a'][..],
            &[0x19, 1][..],
            &[0x08][..],
            &[0x08, 0x80][..],
        ] {
            assert_eq!(
                Reader::new(bad).next_field().err(),
                Some(ProtoError::Truncated)
            );
        }
        assert_eq!(
            Reader::new(&[0x0b]).next_field().err(),
            Some(ProtoError::WireType(3))
        );
        assert_eq!(
            Reader::new(&[0x0e]).next_field().err(),
            Some(ProtoError::WireType(6))
        );
    }
}
