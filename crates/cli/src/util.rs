//! Helpers shared by the client commands: input checks (addresses, CIDs, tipsets) and
//! the small formatting routines Lotus's CLI gets from Go (time stamps, durations).

use anyhow::{anyhow, Result};
use padma_api::chain::ChainHead;
use padma_api::chain_read::ChainGetTipSetByHeight;
use padma_rpc::client::RpcClient;
use padma_types::block::TipSetKey;
use padma_types::cid::Cid;
use padma_types::fvm_shared::bigint::BigInt;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson};
use padma_types::TokenAmount;
use serde::Serialize;
use std::str::FromStr;

/// Checks an address (either network prefix).
pub fn parse_addr(what: &str, s: &str) -> Result<AddressJson> {
    padma_types::address::parse_address(s.trim())
        .map(AddressJson)
        .map_err(|e| anyhow!("{what}: {e}"))
}

/// An attoFIL amount from its decimal text, as `parse_fil` and `parse_atto` write it.
pub fn atto_amount(s: &str) -> Result<TokenAmount> {
    BigInt::from_str(s.trim())
        .map(TokenAmount::from_atto)
        .map_err(|_| anyhow!("invalid attoFIL amount '{s}'"))
}

/// Parses a CID.
pub fn parse_cid(what: &str, s: &str) -> Result<Cid> {
    Cid::from_str(s.trim()).map_err(|e| anyhow!("{what}: invalid CID '{}': {e}", s.trim()))
}

/// The CID strings of a CID list.
pub fn cid_strings(cids: &[CidJson]) -> Vec<String> {
    cids.iter().map(|c| c.0.to_string()).collect()
}

/// A CID list as Go prints a `[]cid.Cid`: `[c1 c2]`.
pub fn go_cid_list(cids: &[CidJson]) -> String {
    format!("[{}]", cid_strings(cids).join(" "))
}

/// Prints a value as Go's `json.MarshalIndent(v, "", "  ")` does.
pub fn print_json<T: Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Resolves Lotus's `--tipset` (a comma-separated CID list, `@HEIGHT` or `@head`; the
/// head when absent) to a tipset key. Like Lotus, the head is read once so a command's
/// calls all see the same tipset.
pub async fn tipset_key(c: &RpcClient, spec: Option<&str>) -> Result<TipSetKeyJson> {
    let spec = spec.map(str::trim).unwrap_or("");
    let key =
        |cids: Vec<CidJson>| TipSetKeyJson(TipSetKey(cids.into_iter().map(|c| c.0).collect()));
    if spec.is_empty() || spec == "@head" {
        let head = c.request::<ChainHead>(()).await?;
        return Ok(key(head.cids));
    }
    if let Some(h) = spec.strip_prefix('@') {
        let not_height = || anyhow!("parsing height tipset ref: '{spec}' is not @HEIGHT");
        let h: u64 = h.parse().map_err(|_| not_height())?;
        let h = i64::try_from(h).map_err(|_| not_height())?;
        let ts = c
            .request::<ChainGetTipSetByHeight>((Some(h), TipSetKeyJson::default()))
            .await?;
        return Ok(key(ts.cids));
    }
    let cids = spec
        .split(',')
        .map(|s| parse_cid("--tipset", s))
        .collect::<Result<Vec<_>>>()?;
    Ok(TipSetKeyJson(TipSetKey(cids)))
}

/// Unix seconds as Go's `time.Stamp` (`Jan _2 15:04:05`) in the local time zone.
pub fn go_stamp(unix: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t: libc::time_t = unix as libc::time_t;
    // SAFETY: localtime_r only writes the struct we pass; a zeroed tm is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return unix.to_string();
    }
    let month = usize::try_from(tm.tm_mon.clamp(0, 11))
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{month} {:>2} {:02}:{:02}:{:02}",
        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec
    )
}

/// A duration in whole seconds as durafmt's `LimitFirstN(2)` writes it (`1 hour 20 minutes`).
pub fn durafmt2(secs: u64) -> String {
    const UNITS: [(&str, u64); 6] = [
        ("year", 365 * 86400),
        ("week", 7 * 86400),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
        ("second", 1),
    ];
    let mut left = secs;
    let mut parts = Vec::new();
    for (name, size) in UNITS {
        let n = left / size;
        left %= size;
        if n > 0 && parts.len() < 2 {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
        }
    }
    if parts.is_empty() {
        "0 seconds".into()
    } else {
        parts.join(" ")
    }
}

/// Lotus's `EpochTime(curr, e)`: `E (now)`, `E (D ago)` or `E (in D)`.
pub fn epoch_time(curr: i64, e: i64, block_delay: u64) -> String {
    let d = |n: i64| durafmt2(n.unsigned_abs() * block_delay);
    match curr.cmp(&e) {
        std::cmp::Ordering::Greater => format!("{e} ({} ago)", d(curr - e)),
        std::cmp::Ordering::Equal => format!("{e} (now)"),
        std::cmp::Ordering::Less => format!("{e} (in {})", d(e - curr)),
    }
}

/// Go's `time.Duration.String()` for a number of nanoseconds (`1m2.5s`, `350ms`, `0s`).
pub fn go_duration(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let frac = |v: u128, div: u128| {
        let whole = v / div;
        let rest = v % div;
        if rest == 0 {
            whole.to_string()
        } else {
            let width = div.to_string().len() - 1;
            let r = format!("{rest:0width$}");
            format!("{whole}.{}", r.trim_end_matches('0'))
        }
    };
    if n < 1_000 {
        return format!("{sign}{n}ns");
    }
    if n < 1_000_000 {
        return format!("{sign}{}µs", frac(n, 1_000));
    }
    if n < 1_000_000_000 {
        return format!("{sign}{}ms", frac(n, 1_000_000));
    }
    let secs = n / 1_000_000_000;
    let sub = n % 1_000_000_000;
    let s = frac(secs % 60 * 1_000_000_000 + sub, 1_000_000_000);
    let m = secs / 60 % 60;
    let h = secs / 3600;
    if h > 0 {
        format!("{sign}{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}s")
    } else {
        format!("{sign}{s}s")
    }
}

/// Parses a duration as Go's `time.ParseDuration` does (`1s`, `1.5s`, `1m30s`,
/// `250ms`, `0`), without a sign: a sequence of decimal numbers, each with a unit (`ns`,
/// `us`/`µs`, `ms`, `s`, `m`, `h`).
pub fn parse_go_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("invalid duration \"{text}\"");
    if text == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let mut rest = text;
    let mut total: f64 = 0.0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (number, tail) = rest.split_at(number_len);
        if number.is_empty() || number == "." {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let nanos_per_unit = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(format!("unknown unit \"{unit}\" in duration \"{text}\"")),
        };
        total += value * nanos_per_unit;
        rest = tail;
    }
    if !total.is_finite() || total >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_nanos(total.round() as u64))
}

/// Parses an RFC 3339 time (as Go writes `time.Time` in JSON) to Unix nanoseconds;
/// Go's zero time (year 1) and unreadable text are `None`. Every piece is taken with
/// `get`, so text with multi-byte characters is refused, not split.
pub fn parse_rfc3339(s: &str) -> Option<i128> {
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        s.get(r)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?
            .parse()
            .ok()
    };
    let separators = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")];
    if !separators
        .iter()
        .all(|(at, sep)| s.get(*at..at + 1) == Some(*sep))
    {
        return None;
    }
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, mi, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if y <= 1 {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut nanos: i128 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let mut figures = fraction.bytes().take(len).map(|c| i128::from(c - b'0'));
        nanos = (0..9).fold(0, |n, _| n * 10 + figures.next().unwrap_or(0));
        rest = fraction.get(len..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let unix = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    Some(i128::from(unix) * 1_000_000_000 + nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(durafmt2(0), "0 seconds");
        assert_eq!(durafmt2(4), "4 seconds");
        assert_eq!(durafmt2(3600 + 1200 + 5), "1 hour 20 minutes");
        assert_eq!(durafmt2(86400 * 8), "1 week 1 day");
        assert_eq!(epoch_time(10, 10, 4), "10 (now)");
        assert_eq!(epoch_time(10, 5, 4), "5 (20 seconds ago)");
        assert_eq!(epoch_time(0, 900, 4), "900 (in 1 hour)");
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(62_000_000_000), "1m2s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(350_000_000), "350ms");
        assert_eq!(go_duration(1_500), "1.5µs");
    }

    #[test]
    fn go_durations_parse() {
        let ms = |v: u64| std::time::Duration::from_millis(v);
        assert_eq!(parse_go_duration("1s"), Ok(ms(1000)));
        assert_eq!(parse_go_duration("0"), Ok(ms(0)));
        assert_eq!(parse_go_duration("250ms"), Ok(ms(250)));
        assert_eq!(parse_go_duration("1.5s"), Ok(ms(1500)));
        assert_eq!(parse_go_duration("1m30s"), Ok(ms(90_000)));
        assert_eq!(parse_go_duration("1h"), Ok(ms(3_600_000)));
        assert_eq!(parse_go_duration("3µs").map(|d| d.as_nanos()), Ok(3000));
        for bad in [
            "",
            "1",
            "s",
            "1x",
            ".s",
            "-1s",
            "1s2",
            "9999999999999h",
            "1é",
        ] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20Z"),
            Some(1_700_000_000 * 1_000_000_000)
        );
        assert_eq!(
            parse_rfc3339("2023-11-14T23:13:20.5+01:00"),
            Some(1_700_000_000 * 1_000_000_000 + 500_000_000)
        );
        assert_eq!(parse_rfc3339("garbage"), None);
    }

    #[test]
    fn inputs() {
        assert!(parse_addr("to", "t01000").is_ok());
        assert!(parse_addr("to", "nope").is_err());
        assert!(parse_cid(
            "c",
            "bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba"
        )
        .is_ok());
        assert!(parse_cid("c", "bafyNOT").is_err());
        let (a, b) = (
            padma_types::cid::cbor_cid(&[0x80]),
            padma_types::cid::cbor_cid(&[0x81, 0x00]),
        );
        assert_eq!(go_cid_list(&[CidJson(a), CidJson(b)]), format!("[{a} {b}]"));
    }
}
