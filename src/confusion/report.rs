//! The Markdown report of a confusion matrix: the text logged beside the
//! image (TensorBoard's text plugin renders it with python-markdown's
//! `tables` extension, i.e. GFM pipe tables), so exact numbers are one
//! click away.
//!
//! Layout: a header line with the headline metrics; the full count matrix
//! with row and column totals while K is small, otherwise the most
//! confused pairs; always the per-class table, precision and recall with
//! their 95% Wilson intervals. Its size is bounded: about 150 bytes per
//! class plus a constant, with class names truncated.

use std::fmt::Write as _;

use super::format::{format_rate, group_thousands};
use super::matrix::ConfusionMatrix;
use super::metrics::{Average, Metrics, wilson_interval};
use super::sparse::SparseCounts;

/// What [`markdown_report`] includes.
///
/// ```
/// use tbconfusion::confusion::ReportOptions;
/// let options = ReportOptions::default().max_matrix_classes(12).top_pairs(10);
/// # let _ = options;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportOptions {
    pub(crate) max_matrix_classes: usize,
    pub(crate) top_pairs: usize,
    pub(crate) max_name_chars: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            max_matrix_classes: 30,
            top_pairs: 20,
            max_name_chars: 40,
        }
    }
}

impl ReportOptions {
    /// The full matrix is printed while K is at most this (default 30);
    /// above it, the most confused pairs are listed instead.
    pub fn max_matrix_classes(mut self, classes: usize) -> Self {
        self.max_matrix_classes = classes;
        self
    }

    /// How many confused pairs to list for larger K (default 20).
    pub fn top_pairs(mut self, pairs: usize) -> Self {
        self.top_pairs = pairs;
        self
    }

    /// Class names longer than this many characters are cut with "…"
    /// (default 40), which keeps the report size bounded.
    pub fn max_name_chars(mut self, chars: usize) -> Self {
        self.max_name_chars = chars;
        self
    }
}

/// An off-diagonal cell: samples of one class predicted as another.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfusedPair {
    /// True class index.
    pub true_class: usize,
    /// Predicted class index (never equal to `true_class`).
    pub predicted_class: usize,
    /// How many samples.
    pub count: u64,
    /// `count` over the true class's support, in `0..=1`.
    pub row_fraction: f64,
}

/// The `n` largest non-zero off-diagonal cells, largest first; ties go to
/// the lower true class, then the lower predicted class.
pub fn most_confused_pairs(cm: &ConfusionMatrix, n: usize) -> Vec<ConfusedPair> {
    confused_pairs(&SparseCounts::of(cm), n)
}

/// [`most_confused_pairs`] over the non-zero cells only.
fn confused_pairs(m: &SparseCounts, n: usize) -> Vec<ConfusedPair> {
    let rows = m.row_sums();
    let mut pairs: Vec<ConfusedPair> = m
        .cells()
        .filter(|&(t, p, c)| c > 0 && t != p)
        .map(|(t, p, count)| ConfusedPair {
            true_class: t,
            predicted_class: p,
            count,
            row_fraction: count as f64 / rows[t] as f64,
        })
        .collect();
    let order = |a: &ConfusedPair, b: &ConfusedPair| {
        b.count
            .cmp(&a.count)
            .then(a.true_class.cmp(&b.true_class))
            .then(a.predicted_class.cmp(&b.predicted_class))
    };
    if n < pairs.len() {
        // Only the top n need sorting; at K = 1000 there can be ~10⁶ pairs.
        if n > 0 {
            pairs.select_nth_unstable_by(n - 1, order);
        }
        pairs.truncate(n);
    }
    pairs.sort_unstable_by(order);
    pairs
}

/// The Markdown report of `cm` and its `metrics` (see the module docs).
pub fn markdown_report(cm: &ConfusionMatrix, metrics: &Metrics, opts: &ReportOptions) -> String {
    sparse_report(&SparseCounts::of(cm), metrics, opts)
}

/// [`markdown_report`] from the non-zero cells.
pub(crate) fn sparse_report(cm: &SparseCounts, metrics: &Metrics, opts: &ReportOptions) -> String {
    sparse_report_listing(cm, metrics, opts, cm.num_classes())
}

/// [`sparse_report`] whose per-class table lists only the first `listed` classes (a detection
/// matrix leaves out its last class, the background); the counts show every class.
pub(crate) fn sparse_report_listing(
    cm: &SparseCounts,
    metrics: &Metrics,
    opts: &ReportOptions,
    listed: usize,
) -> String {
    let k = cm.num_classes();
    let names: Vec<String> = cm
        .class_names()
        .iter()
        .map(|n| escape_name(n, opts.max_name_chars))
        .collect();
    let mut out = String::new();
    // Writing to a String cannot fail, so the fmt::Results are ignored.
    let _ = writeln!(
        out,
        "**N** = {} · **accuracy** {} · **balanced accuracy** {} · **macro F1** {} · \
         **MCC** {} · **Cohen's κ** {}",
        group_thousands(cm.total()),
        format_rate(metrics.accuracy),
        average(metrics.balanced_accuracy, k),
        average(metrics.macro_f1, k),
        format_rate(metrics.mcc),
        format_rate(metrics.kappa),
    );
    out.push('\n');
    if k <= opts.max_matrix_classes {
        write_matrix(&mut out, cm, &names);
    } else {
        write_pairs(&mut out, cm, &names, opts.top_pairs);
    }
    out.push('\n');
    write_per_class(&mut out, cm, metrics, &names[..listed.min(k)]);
    out
}

fn write_matrix(out: &mut String, cm: &SparseCounts, names: &[String]) {
    let k = cm.num_classes();
    let _ = writeln!(
        out,
        "**Counts** (rows: true class, columns: predicted class)\n"
    );
    out.push_str("| true ↓ / predicted → |");
    for name in names {
        let _ = write!(out, " {name} |");
    }
    out.push_str(" **total** |\n|---|");
    out.push_str(&"---:|".repeat(k + 1));
    out.push('\n');
    for (t, (name, &total)) in names.iter().zip(cm.row_sums()).enumerate() {
        let _ = write!(out, "| **{name}** |");
        for c in cm.dense_row(t) {
            let _ = write!(out, " {} |", group_thousands(c));
        }
        let _ = writeln!(out, " {} |", group_thousands(total));
    }
    out.push_str("| **total** |");
    for &c in cm.col_sums() {
        let _ = write!(out, " {} |", group_thousands(c));
    }
    let _ = writeln!(out, " {} |", group_thousands(cm.total()));
}

fn write_pairs(out: &mut String, cm: &SparseCounts, names: &[String], n: usize) {
    let pairs = confused_pairs(cm, n);
    let _ = writeln!(
        out,
        "**Most confused pairs** (top {} of {} classes; the full matrix is in the image)\n",
        pairs.len(),
        cm.num_classes()
    );
    out.push_str("| true | → predicted | count | % of true class |\n|---|---|---:|---:|\n");
    for p in &pairs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2}% |",
            names[p.true_class],
            names[p.predicted_class],
            group_thousands(p.count),
            100.0 * p.row_fraction
        );
    }
    if pairs.is_empty() {
        out.push_str("| — | — | 0 | — |\n");
    }
}

/// The per-class table. Precision and recall carry their 95% Wilson
/// interval, from the counts of `cm`: with small classes the point value
/// alone says little.
fn write_per_class(out: &mut String, cm: &SparseCounts, metrics: &Metrics, names: &[String]) {
    out.push_str("**Per class** (precision and recall with their 95% Wilson interval)\n\n");
    out.push_str("| class | support | predicted | precision | recall | F1 | IoU |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    let with_interval =
        |v: f64, successes: u64, trials: u64| match wilson_interval(successes, trials) {
            Some((low, high)) if !v.is_nan() => format!("{} ({low:.4}–{high:.4})", format_rate(v)),
            _ => format_rate(v),
        };
    for (i, (name, c)) in names.iter().zip(&metrics.per_class).enumerate() {
        let correct = cm.diagonal()[i];
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            amount(c.support),
            amount(c.predicted),
            with_interval(c.precision, correct, cm.col_sums()[i]),
            with_interval(c.recall, correct, cm.row_sums()[i]),
            format_rate(c.f1),
            format_rate(c.iou)
        );
    }
}

/// A macro average, with K′ when some classes were left out.
fn average(a: Average, k: usize) -> String {
    if a.classes_used == k || a.value.is_nan() {
        format_rate(a.value)
    } else {
        format!(
            "{} (over {} of {k} classes)",
            format_rate(a.value),
            a.classes_used
        )
    }
}

/// An amount that is a count for unweighted metrics and a weight sum
/// otherwise.
fn amount(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 2f64.powi(53) {
        group_thousands(v as u64)
    } else {
        format!("{v:.2}")
    }
}

/// A class name made safe inside a pipe-table cell: Markdown specials are
/// backslash-escaped (`|` would end the cell), HTML is neutralised, line
/// breaks become spaces, and long names are cut.
fn escape_name(name: &str, max_chars: usize) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() > max_chars {
        chars.truncate(max_chars.saturating_sub(1));
        chars.push('…');
    }
    let mut out = String::with_capacity(chars.len() + 8);
    for c in chars {
        match c {
            // Python-markdown's and GFM's escapable characters that can act
            // mid-line; `|` would end the cell.
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        "(unnamed)".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::confusion::metrics::ZeroDivision;

    fn report(cm: &ConfusionMatrix, opts: &ReportOptions) -> String {
        markdown_report(cm, &Metrics::compute(cm, ZeroDivision::Nan), opts)
    }

    #[test]
    fn amounts_are_exact_counts_or_two_decimals() {
        assert_eq!(amount(2.5), "2.50");
        assert_eq!(amount(1234.0), "1,234");
    }

    #[test]
    fn names_are_escaped_and_cut() {
        assert_eq!(escape_name("a|b*c_d", 40), r"a\|b\*c\_d");
        assert_eq!(escape_name("<b>&\n", 40), "&lt;b&gt;&amp; ");
        assert_eq!(escape_name("abcdefgh", 4), "abc…");
        assert_eq!(escape_name("", 4), "(unnamed)");
    }

    #[test]
    fn small_matrix_report_has_header_matrix_and_per_class_table() {
        let mut cm = ConfusionMatrix::with_class_names(["cat|x", "dog", "eel"]).unwrap();
        cm.update(&vec![0u16; 1500], &vec![0u16; 1500]).unwrap();
        cm.update(&[1u16, 1, 0], &[1u16, 0, 1]).unwrap();
        let text = report(&cm, &ReportOptions::default());
        let header = text.lines().next().unwrap();
        assert!(
            header.starts_with("**N** = 1,503 · **accuracy** 0.9987"),
            "{header}"
        );
        // Balanced accuracy and macro F1 are over the 2 classes that occur.
        assert!(header.contains("(over 2 of 3 classes)"), "{header}");
        assert!(
            text.contains("| true ↓ / predicted → | cat\\|x | dog | eel | **total** |"),
            "{text}"
        );
        assert!(
            text.contains("| **cat\\|x** | 1,500 | 1 | 0 | 1,501 |"),
            "{text}"
        );
        assert!(
            text.contains("| **total** | 1,501 | 2 | 0 | 1,503 |"),
            "{text}"
        );
        assert!(text.contains("| eel | 0 | 0 | — | — | — | — |"), "{text}");
        assert!(
            text.contains(
                "| dog | 2 | 2 | 0.5000 (0.0945–0.9055) | 0.5000 (0.0945–0.9055) | 0.5000 | 0.3333 |"
            ),
            "{text}"
        );
        // Every table row has as many cells as its header.
        for table in text.split("\n\n").filter(|b| b.starts_with('|')) {
            let widths: Vec<usize> = table
                .lines()
                .map(|l| l.replace("\\|", "").matches('|').count())
                .collect();
            assert!(widths.iter().all(|&w| w == widths[0]), "{table}");
        }
    }

    #[test]
    fn large_matrix_report_lists_confused_pairs_and_stays_small() {
        let k = 1000;
        let names: Vec<String> = (0..k)
            .map(|i| format!("a_rather_long_class_name_{i:04}_xyz_and_more"))
            .collect();
        let mut cm = ConfusionMatrix::with_class_names(names).unwrap();
        let t: Vec<u32> = (0..200_000u32).map(|i| i % 1000).collect();
        let p: Vec<u32> = (0..200_000u32)
            .map(|i| {
                if i % 7 == 0 {
                    (i * 31) % 1000
                } else {
                    i % 1000
                }
            })
            .collect();
        cm.update(&t, &p).unwrap();
        cm.update(&[5u32; 50], &[6u32; 50]).unwrap();
        let text = report(&cm, &ReportOptions::default());
        assert!(text.len() < 200_000, "{} bytes", text.len());
        assert!(!text.contains("**Counts**"));
        assert!(text.contains("**Most confused pairs** (top 20 of 1000 classes"));
        let first_pair = text.lines().find(|l| l.contains(" | 50 | ")).unwrap();
        assert!(
            first_pair.contains("0005") && first_pair.contains("0006"),
            "{first_pair}"
        );
        assert_eq!(
            text.matches("\n| a").count(),
            20 + k,
            "20 pairs + one row per class"
        );
    }

    #[test]
    fn most_confused_pairs_are_ranked_with_stable_ties() {
        let cm = ConfusionMatrix::from_counts(3, vec![9, 2, 4, 4, 1, 0, 0, 2, 0]).unwrap();
        let pairs = most_confused_pairs(&cm, 3);
        let ids: Vec<(usize, usize, u64)> = pairs
            .iter()
            .map(|p| (p.true_class, p.predicted_class, p.count))
            .collect();
        assert_eq!(ids, vec![(0, 2, 4), (1, 0, 4), (0, 1, 2)]);
        assert!((pairs[0].row_fraction - 4.0 / 15.0).abs() < 1e-12);
        assert_eq!(most_confused_pairs(&cm, 10).len(), 4);
        assert!(most_confused_pairs(&cm, 0).is_empty());
    }
}
