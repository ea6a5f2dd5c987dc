//! How many messages a chain exchange response holds, counted on its bytes before it
//! is decoded: the decoded form of a message takes many times its smallest encoding,
//! so the byte limit alone would let a peer make the node allocate gigabytes.

use crate::wire::frame::{cbor_item_len, head_at};

/// The most messages (BLS and secp, over all tipsets) one response may carry: about
/// 60 MiB decoded. Ask for fewer tipsets at a time when asking for messages.
pub const MAX_RESPONSE_MESSAGES: u64 = 200_000;

/// The most include indexes one response may carry.
pub const MAX_RESPONSE_INCLUDES: u64 = 1_000_000;

/// Walks the items of a buffer known to hold whole DAG-CBOR items.
struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Walk<'_> {
    /// The length of the array starting here, consuming its head.
    fn array(&mut self) -> Option<u64> {
        let (major, arg, end) = head_at(self.buf, self.pos)?;
        (major == 4).then(|| {
            self.pos = end;
            arg
        })
    }

    /// Whether a null is here, consuming it.
    fn null(&mut self) -> bool {
        let is_null = self.buf.get(self.pos) == Some(&0xf6);
        if is_null {
            self.pos += 1;
        }
        is_null
    }

    fn skip(&mut self) -> Option<()> {
        let len = cbor_item_len(self.buf.get(self.pos..)?).ok()??;
        self.pos += len;
        Some(())
    }

    /// Skips the elements of an array whose head was read.
    fn skip_n(&mut self, n: u64) -> Option<()> {
        for _ in 0..n {
            self.skip()?;
        }
        Some(())
    }

    /// Counts the indexes of an include list (`[[uint]]`), skipping it.
    fn includes(&mut self, total: &mut u64) -> Option<()> {
        for _ in 0..self.array()? {
            let n = self.array()?;
            *total = total.saturating_add(n);
            if *total > MAX_RESPONSE_INCLUDES {
                return None;
            }
            self.skip_n(n)?;
        }
        Some(())
    }
}

/// Why a response is refused before decoding.
pub(super) fn check_counts(bytes: &[u8]) -> Result<(), String> {
    let (mut messages, mut includes) = (0u64, 0u64);
    let mut w = Walk { buf: bytes, pos: 0 };
    // A shape other than a response's is left for the decoder to refuse.
    let mut walk = || -> Option<()> {
        if w.array()? != 3 {
            return None;
        }
        w.skip()?;
        w.skip()?;
        for _ in 0..w.array()? {
            if w.array()? != 2 {
                return None;
            }
            w.skip()?;
            if w.null() {
                continue;
            }
            if w.array()? != 4 {
                return None;
            }
            // BLS messages and their includes, then secp messages and theirs.
            for _ in 0..2 {
                let n = w.array()?;
                messages = messages.saturating_add(n);
                if messages > MAX_RESPONSE_MESSAGES {
                    return None;
                }
                w.skip_n(n)?;
                w.includes(&mut includes)?;
            }
        }
        Some(())
    };
    walk();
    if messages > MAX_RESPONSE_MESSAGES {
        return Err(format!("more than {MAX_RESPONSE_MESSAGES} messages"));
    }
    if includes > MAX_RESPONSE_INCLUDES {
        return Err(format!("more than {MAX_RESPONSE_INCLUDES} include indexes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response with one tipset whose message lists and include lists have the given
    /// lengths (messages as bare integers: only the counting is under test).
    fn response(bls: usize, includes: usize) -> Vec<u8> {
        let array = |n: usize| fvm_ipld_encoding::to_vec(&vec![0u8; n]).unwrap();
        let mut out = vec![0x83, 0x00, 0x60, 0x81, 0x82, 0x80, 0x84];
        out.extend(array(bls));
        out.push(0x81);
        out.extend(array(includes));
        out.extend([0x80, 0x80]);
        out
    }

    #[test]
    fn counts_messages_and_includes() {
        assert_eq!(check_counts(&response(200_000, 1_000_000)), Ok(()));
        assert!(check_counts(&response(200_001, 0))
            .unwrap_err()
            .contains("messages"));
        assert!(check_counts(&response(0, 1_000_001))
            .unwrap_err()
            .contains("include"));
        // Other shapes are left to the decoder.
        assert_eq!(check_counts(&[0x82, 0x00, 0x00]), Ok(()));
        assert_eq!(check_counts(&[]), Ok(()));
    }
}
