//! Formatting attoFIL amounts as FIL, as Lotus prints them.

/// Formats an attoFIL decimal string as `N FIL` with trailing zeros trimmed.
pub fn format_fil(atto: &str) -> String {
    let (neg, digits) = match atto.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, atto),
    };
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

#[cfg(test)]
mod tests {
    use super::format_fil;

    #[test]
    fn formats() {
        assert_eq!(format_fil("0"), "0 FIL");
        assert_eq!(format_fil("1000000000000000000"), "1 FIL");
        assert_eq!(format_fil("1500000000000000000"), "1.5 FIL");
        assert_eq!(format_fil("1"), "0.000000000000000001 FIL");
        assert_eq!(format_fil("-2000000000000000000"), "-2 FIL");
    }
}
