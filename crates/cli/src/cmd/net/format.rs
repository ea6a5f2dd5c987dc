//! The Go formatting `lotus net` prints with: go-humanize's SI byte sizes, a
//! `text/tabwriter` table, the usage bars of `net stat`, and `encoding/json` lines.

use serde::Serialize;

/// go-humanize's `Bytes`: SI units, one decimal below 10 (`9 B`, `1.5 kB`, `174 kB`).
pub fn humanize_bytes(n: u64) -> String {
    const SIZES: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 10 {
        return format!("{n} B");
    }
    let value = n as f64;
    let exp = (value.ln() / 1000f64.ln()).floor();
    let suffix = SIZES.get(exp as usize).copied().unwrap_or("EB");
    let scaled = (value / 1000f64.powf(exp) * 10.0 + 0.5).floor() / 10.0;
    if scaled < 10.0 {
        format!("{scaled:.1} {suffix}")
    } else {
        format!("{scaled:.0} {suffix}")
    }
}

/// Rows printed as Go's `tabwriter.NewWriter(w, minwidth, tabwidth, padding, ' ', 0)`
/// aligns them: every cell but a row's last is padded to its column's widest cell plus
/// the padding, and to at least the minimum width.
pub struct Table {
    min_width: usize,
    padding: usize,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table.
    pub fn new(min_width: usize, padding: usize) -> Self {
        Table {
            min_width,
            padding,
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, cells: I) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The aligned text, one line per row.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            let aligned = row.len().saturating_sub(1);
            for (col, cell) in row.iter().take(aligned).enumerate() {
                let width = (cell.chars().count() + self.padding).max(self.min_width);
                match widths.get_mut(col) {
                    Some(w) => *w = (*w).max(width),
                    None => widths.push(width),
                }
            }
        }
        let mut out = String::new();
        for row in &self.rows {
            let last = row.len().saturating_sub(1);
            for (col, cell) in row.iter().enumerate() {
                out.push_str(cell);
                if col < last {
                    let width = widths.get(col).copied().unwrap_or(0);
                    let fill = width.saturating_sub(cell.chars().count());
                    out.extend(std::iter::repeat_n(' ', fill));
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Columns of a usage bar.
const BAR_COLS: f64 = 64.0;

/// At most this many `|` per colour, however far usage runs past its limit.
const MAX_BARS: usize = 1024;

/// Lotus's `BarString(total, y, g)`: `y/total` of the bar in yellow, `g/total` in
/// green, the rest blank (colours only on a terminal).
pub fn bar_string(total: f64, yellow: f64, green: f64, colour: bool) -> String {
    // Go turns a NaN, an infinity or an overflow into a negative int: no bars.
    let bars = |part: f64| {
        let n = (part / total * BAR_COLS).round();
        if (0.0..1e15).contains(&n) {
            (n as usize).min(MAX_BARS)
        } else {
            0
        }
    };
    let (y, g) = (bars(yellow), bars(green));
    let paint = |code: u8, text: String| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text
        }
    };
    let mut out = paint(33, "|".repeat(y)) + &paint(32, "|".repeat(g));
    let blank = (BAR_COLS as usize).saturating_sub(y + g);
    out.extend(std::iter::repeat_n(' ', blank));
    out
}

/// A value as one line of Go's `json.Marshal`/`json.Encoder`: compact, with `<`, `>`,
/// `&`, U+2028 and U+2029 escaped (they can only occur inside strings).
pub fn go_json_line<T: Serialize>(v: &T) -> anyhow::Result<String> {
    let text = serde_json::to_string(v)?;
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Go's `%s` of a string slice: `[a b c]`.
pub fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanized_bytes() {
        assert_eq!(humanize_bytes(0), "0 B");
        assert_eq!(humanize_bytes(9), "9 B");
        assert_eq!(humanize_bytes(10), "10 B");
        assert_eq!(humanize_bytes(999), "999 B");
        assert_eq!(humanize_bytes(1000), "1.0 kB");
        assert_eq!(humanize_bytes(1540), "1.5 kB");
        assert_eq!(
            humanize_bytes(12_500),
            "12 kB",
            "a tie rounds to even, as Go's"
        );
        assert_eq!(humanize_bytes(13_500), "14 kB");
        assert_eq!(humanize_bytes(174_000), "174 kB");
        assert_eq!(humanize_bytes(82_854_982), "83 MB");
        assert_eq!(humanize_bytes(u64::MAX), "18 EB");
    }

    #[test]
    fn tables_align_as_tabwriter() {
        let mut t = Table::new(4, 2);
        t.row(["Segment", "TotalIn", "TotalOut", "RateIn", "RateOut"]);
        t.row(["Total", "174 kB", "13 kB", "100 B/s", "50 B/s"]);
        assert_eq!(
            t.render(),
            "Segment  TotalIn  TotalOut  RateIn   RateOut\n\
             Total    174 kB   13 kB     100 B/s  50 B/s\n"
        );
        let mut narrow = Table::new(4, 2);
        narrow.row(["a", "b"]);
        narrow.row(["µ", ""]);
        assert_eq!(narrow.render(), "a   b\nµ   \n");
        assert_eq!(Table::new(4, 2).render(), "");
    }

    #[test]
    fn bars() {
        let plain = bar_string(100.0, 0.0, 50.0, false);
        assert_eq!(plain, format!("{}{}", "|".repeat(32), " ".repeat(32)));
        assert_eq!(bar_string(0.0, 0.0, 5.0, false), " ".repeat(64), "no limit");
        assert_eq!(bar_string(0.0, 0.0, 0.0, false), " ".repeat(64));
        assert_eq!(bar_string(10.0, 0.0, 20.0, false), "|".repeat(128), "over");
        assert_eq!(
            bar_string(1.0, 0.0, 1e300, false),
            " ".repeat(64),
            "far over"
        );
        assert_eq!(bar_string(1.0, 0.0, -3.0, false), " ".repeat(64));
        let coloured = bar_string(64.0, 0.0, 1.0, true);
        assert_eq!(
            coloured,
            format!("\x1b[33m\x1b[0m\x1b[32m|\x1b[0m{}", " ".repeat(63))
        );
    }

    #[test]
    fn go_json() {
        let v = serde_json::json!({"Agent": "a<b>&c\u{2028}", "N": 1});
        assert_eq!(
            go_json_line(&v).unwrap(),
            r#"{"Agent":"a\u003cb\u003e\u0026c\u2028","N":1}"#
        );
        assert_eq!(go_list(&[]), "[]");
        assert_eq!(go_list(&["/a".into(), "/b".into()]), "[/a /b]");
    }
}
