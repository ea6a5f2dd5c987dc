//! FIL amounts and sizes as Lotus parses and prints them: `N FIL`, `types.ParseFIL`,
//! `types.SizeStr` and `types.DeciStr`.

/// Formats an attoFIL decimal string as `N FIL` with trailing zeros trimmed (`1.5 FIL`,
/// `0 FIL`); text that is not a whole number is shown as it is, as `<text> attoFIL`.
pub fn format_fil(atto: &str) -> String {
    let (neg, digits) = match atto.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, atto),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return format!("{atto} attoFIL");
    }
    let digits = digits.trim_start_matches('0');
    let padded = format!("{digits:0>19}");
    let (int, frac) = padded.split_at(padded.len() - 18);
    let frac = frac.trim_end_matches('0');
    let sign = if neg { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int} FIL")
    } else {
        format!("{sign}{int}.{frac} FIL")
    }
}

/// Parses an amount as Lotus's `types.ParseFIL` does: a decimal number of FIL, optionally
/// followed by `FIL`, or by `attoFIL`/`aFIL` for attoFIL (case-insensitive, spaces allowed).
/// Returns the amount in attoFIL as a decimal string (with a leading `-` when negative).
pub fn parse_fil(s: &str) -> Result<String, String> {
    let input = s.trim();
    let split = input
        .find(|c: char| !(c == '-' || c == '.' || c.is_ascii_digit()))
        .unwrap_or(input.len());
    let (num, suffix) = input.split_at(split);
    let atto = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "fil" => false,
        "attofil" | "afil" => true,
        _ => return Err(format!("unrecognized suffix: {:?}", suffix)),
    };
    if num.len() > 50 {
        return Err(format!("string length too large: {}", num.len()));
    }
    let (neg, unsigned) = match num.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, num),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_ok = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
        return Err(format!("failed to parse {num:?} as a decimal number"));
    }
    let scale = if atto { 0 } else { 18 };
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > scale {
        let pref = if atto { "atto" } else { "" };
        return Err(format!("invalid {pref}FIL value: {num:?}"));
    }
    let mut all = format!("{int}{frac_trimmed:0<scale$}");
    all = all.trim_start_matches('0').to_string();
    if all.is_empty() {
        return Ok("0".into());
    }
    Ok(if neg { format!("-{all}") } else { all })
}

/// Checks a non-negative attoFIL integer (`--gas-premium`, `--gas-feecap`), returning it
/// without leading zeros.
pub fn parse_atto(what: &str, s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "{what}: {s:?} is not a non-negative whole number of attoFIL"
        ));
    }
    let t = t.trim_start_matches('0');
    Ok(if t.is_empty() { "0".into() } else { t.into() })
}

/// Go's `%.<prec>g` for a finite value below 10^prec (no exponent form needed there).
pub fn go_g(f: f64, prec: usize) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let exp = f.abs().log10().floor() as i32;
    if exp < -4 || exp >= prec as i32 {
        let s = format!("{:.*e}", prec.saturating_sub(1), f);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", e.abs());
    }
    let decimals = (prec as i32 - 1 - exp).max(0) as usize;
    let s = format!("{f:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn scaled(v: &str, units: &[&str], prec: usize) -> String {
    let f: f64 = v.trim().parse().unwrap_or(0.0);
    if f == 0.0 {
        return "0 B".into();
    }
    let mut f = f;
    let mut i = 0;
    while f >= 1024.0 && i + 1 < units.len() {
        f /= 1024.0;
        i += 1;
    }
    format!(
        "{} {}",
        go_g(f, prec),
        units.get(i).or(units.last()).copied().unwrap_or("")
    )
}

/// Lotus's `types.SizeStr`: bytes in binary units with 4 significant digits (`2 KiB`).
pub fn size_str(v: &str) -> String {
    scaled(
        v,
        &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"],
        4,
    )
}

/// Lotus's `types.DeciStr`: binary prefixes without a unit, 3 significant digits (`40 Ki`).
pub fn deci_str(v: &str) -> String {
    scaled(v, &["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi"], 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_fil("0"), "0 FIL");
        assert_eq!(format_fil("1000000000000000000"), "1 FIL");
        assert_eq!(format_fil("1500000000000000000"), "1.5 FIL");
        assert_eq!(format_fil("1"), "0.000000000000000001 FIL");
        assert_eq!(format_fil("-2000000000000000000"), "-2 FIL");
        assert_eq!(format_fil("-1"), "-0.000000000000000001 FIL");
        assert_eq!(format_fil("x"), "x attoFIL");
    }

    #[test]
    fn parses_fil_like_lotus() {
        assert_eq!(parse_fil("1").unwrap(), "1000000000000000000");
        assert_eq!(parse_fil("1.5 FIL").unwrap(), "1500000000000000000");
        assert_eq!(parse_fil("0.000000000000000001").unwrap(), "1");
        assert_eq!(parse_fil("12 attofil").unwrap(), "12");
        assert_eq!(parse_fil("7aFIL").unwrap(), "7");
        assert_eq!(parse_fil("0").unwrap(), "0");
        assert_eq!(parse_fil(".5").unwrap(), "500000000000000000");
        assert_eq!(parse_fil("-2").unwrap(), "-2000000000000000000");
        for bad in [
            "",
            "abc",
            "1 btc",
            "1.5 afil",
            "0.0000000000000000001",
            "1.2.3",
            "--1",
            ".",
        ] {
            assert!(parse_fil(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(parse_atto("x", "007").unwrap(), "7");
        assert!(parse_atto("x", "-1").is_err());
        assert!(parse_atto("x", "1.5").is_err());
    }

    #[test]
    fn sizes_like_lotus() {
        assert_eq!(size_str("0"), "0 B");
        assert_eq!(size_str("2048"), "2 KiB");
        assert_eq!(size_str("4096"), "4 KiB");
        assert_eq!(size_str("1000"), "1000 B");
        assert_eq!(size_str("34359738368"), "32 GiB");
        assert_eq!(size_str("1536"), "1.5 KiB");
        assert_eq!(size_str("1048575"), "1024 KiB");
        assert_eq!(size_str("1264"), "1.234 KiB");
        assert_eq!(deci_str("40960"), "40 Ki");
        assert_eq!(deci_str("5"), "5 ");
        assert_eq!(go_g(1234.5, 4), "1234");
        assert_eq!(go_g(0.00001, 4), "1e-05");
        assert_eq!(go_g(99999.0, 3), "1e+05");
    }
}
