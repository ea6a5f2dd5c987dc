//! Binary multiaddrs (as miner info carries them) decoded to their text form, for the
//! common protocols.

use anyhow::{anyhow, bail, Result};

/// Reads an unsigned varint at `pos`, moving past it.
fn varint(bytes: &[u8], pos: &mut usize) -> Result<u64> {
    let mut v: u64 = 0;
    for shift in (0..63).step_by(7) {
        let byte = *bytes.get(*pos).ok_or_else(|| anyhow!("truncated varint"))?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    bail!("varint too long")
}

/// The `n` bytes at `pos`, moving past them.
fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8]> {
    let end = pos
        .checked_add(n)
        .ok_or_else(|| anyhow!("truncated multiaddr"))?;
    let s = bytes
        .get(*pos..end)
        .ok_or_else(|| anyhow!("truncated multiaddr"))?;
    *pos = end;
    Ok(s)
}

/// The `N` bytes at `pos` as an array, moving past them.
fn take_array<const N: usize>(bytes: &[u8], pos: &mut usize) -> Result<[u8; N]> {
    let s = take(bytes, pos, N)?;
    <[u8; N]>::try_from(s).map_err(|_| anyhow!("truncated multiaddr"))
}

/// Decodes a binary multiaddr (the common protocols) to its text form.
pub fn multiaddr_text(bytes: &[u8]) -> Result<String> {
    let mut pos = 0;
    let mut out = String::new();
    while pos < bytes.len() {
        let code = varint(bytes, &mut pos)?;
        match code {
            4 => {
                let ip = take_array::<4>(bytes, &mut pos)?;
                out += &format!("/ip4/{}", std::net::Ipv4Addr::from(ip));
            }
            41 => {
                let ip = take_array::<16>(bytes, &mut pos)?;
                out += &format!("/ip6/{}", std::net::Ipv6Addr::from(ip));
            }
            6 | 273 | 33 | 132 => {
                let port = u16::from_be_bytes(take_array::<2>(bytes, &mut pos)?);
                let name = match code {
                    6 => "tcp",
                    273 => "udp",
                    33 => "dccp",
                    _ => "sctp",
                };
                out += &format!("/{name}/{port}");
            }
            53 | 54 | 55 | 56 | 421 => {
                let n = usize::try_from(varint(bytes, &mut pos)?)
                    .map_err(|_| anyhow!("truncated multiaddr"))?;
                let v = take(bytes, &mut pos, n)?;
                let (name, text) = match code {
                    53 => ("dns", String::from_utf8_lossy(v).into_owned()),
                    54 => ("dns4", String::from_utf8_lossy(v).into_owned()),
                    55 => ("dns6", String::from_utf8_lossy(v).into_owned()),
                    56 => ("dnsaddr", String::from_utf8_lossy(v).into_owned()),
                    _ => ("p2p", bs58_encode(v)),
                };
                out += &format!("/{name}/{text}");
            }
            460 => out += "/quic",
            461 => out += "/quic-v1",
            448 => out += "/tls",
            477 => out += "/ws",
            478 => out += "/wss",
            480 => out += "/http",
            443 => out += "/https",
            0x01d1 => out += "/webtransport",
            c => bail!("unknown multiaddr protocol {c}"),
        }
    }
    Ok(out)
}

/// Base58 (bitcoin alphabet), for peer IDs in multiaddrs.
fn bs58_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut digits: Vec<u8> = Vec::new();
    for &byte in data {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = data.iter().take_while(|b| **b == 0).count();
    let digit_char = |d: &u8| {
        ALPHABET
            .get(usize::from(*d))
            .map_or('?', |c| char::from(*c))
    };
    std::iter::repeat_n('1', zeros)
        .chain(digits.iter().rev().map(digit_char))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiaddrs() {
        let ma = [4, 127, 0, 0, 1, 6, 0x04, 0xd2];
        assert_eq!(multiaddr_text(&ma).unwrap(), "/ip4/127.0.0.1/tcp/1234");
        assert!(multiaddr_text(&[4, 1]).is_err());
        assert_eq!(bs58_encode(&[0, 0, 1]), "112");
    }

    #[test]
    fn other_protocols_and_truncations() {
        let mut ip6 = vec![41];
        ip6.extend([0u8; 15]);
        ip6.push(1);
        ip6.extend([0x91, 0x02, 0x1f, 0x90, 0xcc, 0x03]);
        assert_eq!(multiaddr_text(&ip6).unwrap(), "/ip6/::1/udp/8080/quic");
        let dns = [54, 4, b'h', b'o', b's', b't', 6, 0, 80, 0xe0, 0x03];
        assert_eq!(multiaddr_text(&dns).unwrap(), "/dns4/host/tcp/80/http");
        // A name longer than what is left, or longer than memory could hold.
        assert!(multiaddr_text(&[54, 9, b'h']).is_err());
        let huge = [54, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert!(multiaddr_text(&huge).is_err());
        assert!(multiaddr_text(&[6, 1]).is_err());
        assert!(multiaddr_text(&[0x80]).is_err(), "a varint cut short");
    }
}
