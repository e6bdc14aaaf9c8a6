//! Number formatting shared by the rendered image and the Markdown report: thousands
//! separators, compact counts for very large values, whole percentages, never scientific
//! notation.

/// `1234567` → `"1,234,567"`.
pub(crate) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A count for a cell: exact with separators below 100,000 (so "12,345" stays exact), then
/// three significant digits with an SI suffix ("123k", "1.23M"), which keeps cells narrow.
pub(crate) fn format_count(n: u64) -> String {
    if n < 100_000 {
        return group_thousands(n);
    }
    const UNITS: [(f64, &str); 5] = [
        (1e18, "E"),
        (1e15, "P"),
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
    ];
    let x = n as f64;
    let (scale, unit) = UNITS
        .iter()
        .copied()
        .find(|&(s, _)| x >= s)
        .unwrap_or((1e3, "k"));
    let v = x / scale;
    // Three significant digits; a value that rounds up to 1000 moves to the next unit only for
    // "k"→"M" etc., which `UNITS` ordering already handles except at exact boundaries.
    if v >= 999.5 {
        format!("{:.0}{unit}", v.floor())
    } else if v >= 99.95 {
        format!("{v:.0}{unit}")
    } else if v >= 9.995 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.2}{unit}")
    }
}

/// A rate or any other real value to four places, or "—" when undefined (NaN).
pub(crate) fn format_rate(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "—".to_owned()
    }
}

/// A fraction in [0, 1] as a whole percentage. Tiny non-zero values show as "<1%" and values
/// just below 1 as ">99%", so a cell never claims 0% or 100% when that is not exact.
/// NaN (an empty row or column) shows as "—", never as 0.
pub(crate) fn format_pct(v: f64) -> String {
    if v.is_nan() {
        return "—".to_owned();
    }
    if v <= 0.0 {
        return "0%".to_owned();
    }
    if v >= 1.0 {
        return "100%".to_owned();
    }
    let pct = v * 100.0;
    if pct < 0.5 {
        "<1%".to_owned()
    } else if pct >= 99.5 {
        ">99%".to_owned()
    } else {
        // `round` (half away from zero), not `{:.0}` (half to even): 0.5% must not print "0%".
        format!("{}%", pct.round() as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1234567), "1,234,567");
        assert_eq!(group_thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn counts_are_never_scientific() {
        assert_eq!(format_count(99_999), "99,999");
        assert_eq!(format_count(100_000), "100k");
        assert_eq!(format_count(123_456), "123k");
        assert_eq!(format_count(999_999), "999k");
        assert_eq!(format_count(1_234_567), "1.23M");
        assert_eq!(format_count(12_345_678), "12.3M");
        assert_eq!(format_count(u64::MAX), "18.4E");
        for n in [0, 7, 12_345, 1 << 40, u64::MAX / 3] {
            let s = format_count(n);
            assert!(!s.contains('e') && !s.contains("E+"), "{s}");
        }
    }

    #[test]
    fn percentages() {
        assert_eq!(format_pct(f64::NAN), "—");
        assert_eq!(format_pct(0.0), "0%");
        assert_eq!(format_pct(0.001), "<1%");
        assert_eq!(format_pct(0.344), "34%");
        assert_eq!(format_pct(0.005), "1%");
        assert_eq!(format_pct(0.025), "3%");
        assert_eq!(format_pct(0.996), ">99%");
        assert_eq!(format_pct(1.0), "100%");
    }
}
