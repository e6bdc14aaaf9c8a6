//! What changed since the previous logged step of a tag: the row-normalised matrix of this
//! step minus that of the previous one, in percentage points, with the per-class recall and
//! accuracy changes that `T/delta` draws and `T/table` lists.
//!
//! A rise on the diagonal (more of a class recognised) is better; a rise off it (more of a
//! class confused with another) is worse. Rows without support at either step have no
//! change (NaN), never a silent zero.

use std::fmt::Write as _;
use std::sync::Arc;

use super::format::format_rate;
use super::matrix::ConfusionMatrix;
use super::sparse::SparseCounts;

/// What `T/delta` compares each step with
/// ([`ConfusionOptions::delta`](super::ConfusionOptions::delta)).
///
/// ```
/// use tbconfusion::{ConfusionMatrix, ConfusionOptions, Delta};
/// let mut production = ConfusionMatrix::with_class_names(["cat", "dog"])?;
/// production.update(&[0u8, 1, 1], &[0u8, 1, 0])?;
/// let options = ConfusionOptions::default().delta(Delta::baseline("production model", &production));
/// # let _ = options;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum Delta {
    /// No `T/delta` image and no change column in `T/table`.
    Off,
    /// From the second logged step of a tag on, against the previous logged step.
    #[default]
    PreviousStep,
    /// At every step, against a fixed matrix with a name (made by [`Delta::baseline`]).
    Baseline(Baseline),
}

impl Delta {
    /// Every step against `cm`, named `name` in the title and the table (say,
    /// "production model"). A step whose classes differ from the baseline's
    /// gets no `T/delta`.
    pub fn baseline(name: impl Into<String>, cm: &ConfusionMatrix) -> Delta {
        Delta::Baseline(Baseline {
            name: name.into(),
            counts: Arc::new(SparseCounts::of(cm)),
        })
    }
}

/// A named matrix every step is compared with ([`Delta::baseline`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    name: String,
    counts: Arc<SparseCounts>,
}

/// What a change is measured against: an earlier step of the tag or a named baseline.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Against {
    Step(i64),
    Baseline(String),
}

/// The counts a writer logged last under a tag, kept for the next step's comparison.
#[derive(Clone, Debug)]
pub(crate) struct PreviousStep {
    pub(crate) step: i64,
    pub(crate) counts: Arc<SparseCounts>,
}

/// The change of every row share between two steps of one tag, in percentage points.
///
/// Kept sparse, like the counts: only cells non-zero at either step can change, so at K = 1000
/// a step stores thousands of changes rather than a dense million (24 MB of buffers before).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RowShareChange {
    pub(crate) names: Vec<String>,
    pub(crate) against: Against,
    pub(crate) step: i64,
    /// Per class: whether its row had support at both steps (else every change in it is NaN).
    defined: Vec<bool>,
    /// Row `t`'s changed cells are `columns[row_start[t]..row_start[t + 1]]`, by increasing
    /// column: this step's row share minus the previous one's, in pp, where either is non-zero.
    row_start: Vec<usize>,
    columns: Vec<u32>,
    changes: Vec<f64>,
    /// Per class: recall now, as a fraction (NaN without support).
    pub(crate) recall: Vec<f64>,
    /// Per class: the change of recall, in pp (the diagonal of the cells).
    pub(crate) recall_change: Vec<f64>,
    /// Accuracy now, as a fraction (NaN for an empty matrix).
    pub(crate) accuracy: f64,
    /// The change of accuracy, in pp.
    pub(crate) accuracy_change: f64,
}

impl RowShareChange {
    /// The change from `previous` to `now`; `None` when the two do not have the same classes
    /// (then there is nothing to compare cell by cell).
    pub(crate) fn between(previous: &PreviousStep, now: &SparseCounts, step: i64) -> Option<Self> {
        Self::compute(&previous.counts, Against::Step(previous.step), now, step)
    }

    /// The change from `baseline` to `now`; `None` when their classes differ.
    pub(crate) fn against_baseline(
        baseline: &Baseline,
        now: &SparseCounts,
        step: i64,
    ) -> Option<Self> {
        let against = Against::Baseline(baseline.name.clone());
        Self::compute(&baseline.counts, against, now, step)
    }

    fn compute(
        before: &SparseCounts,
        against: Against,
        now: &SparseCounts,
        step: i64,
    ) -> Option<Self> {
        if before.class_names() != now.class_names() {
            return None;
        }
        let k = now.num_classes();
        let mut change = RowShareChange {
            names: now.class_names().to_vec(),
            against,
            step,
            defined: Vec::with_capacity(k),
            row_start: Vec::with_capacity(k + 1),
            columns: Vec::new(),
            changes: Vec::new(),
            recall: Vec::with_capacity(k),
            recall_change: Vec::with_capacity(k),
            accuracy: accuracy(now),
            accuracy_change: 100.0 * (accuracy(now) - accuracy(before)),
        };
        change.row_start.push(0);
        for t in 0..k {
            let (was_support, is_support) = (before.row_sums()[t], now.row_sums()[t]);
            let share = |c: u64, support: u64| 100.0 * c as f64 / support as f64;
            let defined = was_support > 0 && is_support > 0;
            change.defined.push(defined);
            change.recall.push(if is_support > 0 {
                share(now.diagonal()[t], is_support) / 100.0
            } else {
                f64::NAN
            });
            if defined {
                // Both rows are sorted by column: walk them together.
                let (mut was, mut is) = (before.row(t).peekable(), now.row(t).peekable());
                loop {
                    let (p, pp) = match (was.peek().copied(), is.peek().copied()) {
                        (None, None) => break,
                        (Some((pw, cw)), Some((pi, ci))) if pw == pi => {
                            was.next();
                            is.next();
                            (pi, share(ci, is_support) - share(cw, was_support))
                        }
                        (Some((pw, cw)), Some((pi, _))) if pw < pi => {
                            was.next();
                            (pw, 0.0 - share(cw, was_support))
                        }
                        (Some((pw, cw)), None) => {
                            was.next();
                            (pw, 0.0 - share(cw, was_support))
                        }
                        (_, Some((pi, ci))) => {
                            is.next();
                            (pi, share(ci, is_support) - 0.0)
                        }
                    };
                    change.columns.push(p as u32);
                    change.changes.push(pp);
                }
            }
            change.row_start.push(change.columns.len());
            change.recall_change.push(change.cell(t, t));
        }
        Some(change)
    }

    /// K.
    pub(crate) fn num_classes(&self) -> usize {
        self.names.len()
    }

    /// The change of cell (`t`, `p`) in pp; NaN where the row had no support at either step.
    pub(crate) fn cell(&self, t: usize, p: usize) -> f64 {
        if !self.defined[t] {
            return f64::NAN;
        }
        let (columns, changes) = self.row(t);
        columns
            .binary_search(&(p as u32))
            .map_or(0.0, |i| changes[i])
    }

    /// Whether row `t` had support at both steps (else its changes are NaN).
    pub(crate) fn row_defined(&self, t: usize) -> bool {
        self.defined[t]
    }

    /// Row `t`'s changed cells: their columns (increasing) and changes in pp; every other
    /// cell of a [defined](Self::row_defined) row changed by 0.
    pub(crate) fn row(&self, t: usize) -> (&[u32], &[f64]) {
        let range = self.row_start[t]..self.row_start[t + 1];
        (&self.columns[range.clone()], &self.changes[range])
    }

    /// The largest change of any cell, in pp (0 when none changed or none is defined).
    pub(crate) fn largest_change(&self) -> f64 {
        self.changes
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0, |m, v| m.max(v.abs()))
    }

    /// The Markdown section `T/table` ends with: accuracy and per-class recall now and their
    /// change against the previous step.
    pub(crate) fn markdown(&self) -> String {
        let against = match &self.against {
            Against::Step(step) => format!("step {step} (previous logged step)"),
            Against::Baseline(name) => format!("{name} (baseline)"),
        };
        let mut md = format!(
            "\n**Against {against}:** accuracy {} ({})\n\n\
             | class | recall | change |\n|---|---:|---:|\n",
            format_rate(self.accuracy),
            signed_pp(self.accuracy_change)
        );
        for (t, name) in self.names.iter().enumerate() {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                name.replace('|', "\\|"),
                format_rate(self.recall[t]),
                signed_pp(self.recall_change[t])
            );
        }
        md
    }
}

/// How much better a change of `pp` in cell (`t`, `p`) is: the change itself on the diagonal,
/// its opposite off it (a confusion that shrank is an improvement).
pub(crate) fn improvement(t: usize, p: usize, pp: f64) -> f64 {
    if t == p { pp } else { -pp }
}

/// The share of predictions on the diagonal, NaN for an empty matrix.
fn accuracy(cm: &SparseCounts) -> f64 {
    cm.diagonal().iter().sum::<u64>() as f64 / cm.total() as f64
}

/// A change in percentage points with its sign, e.g. "+2.50 pp", or "—" when undefined.
pub(crate) fn signed_pp(v: f64) -> String {
    if v.is_finite() {
        // -0.00 reads as a change; no change is shown unsigned.
        let v = if v.abs() < 0.005 { 0.0 } else { v };
        format!("{v:+.2} pp")
    } else {
        "—".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(rows: [[u64; 3]; 3]) -> SparseCounts {
        let mut cm = ConfusionMatrix::from_counts(3, rows.concat()).unwrap();
        cm.set_class_names(["a", "b", "c"]).unwrap();
        SparseCounts::of(&cm)
    }

    /// Step 1: a 2/4 right, b 3/4, c 1/2 (accuracy 6/10). Step 2: a 3/4, b 2/4, c 2/2 (7/10).
    fn two_steps() -> RowShareChange {
        let previous = PreviousStep {
            step: 1,
            counts: Arc::new(counts([[2, 2, 0], [0, 3, 1], [1, 0, 1]])),
        };
        let now = counts([[3, 1, 0], [0, 2, 2], [0, 0, 2]]);
        RowShareChange::between(&previous, &now, 2).unwrap()
    }

    #[test]
    fn changes_are_row_shares_in_percentage_points() {
        let change = two_steps();
        let expected = [
            [25.0, -25.0, 0.0], // a: 2/4 → 3/4 right, 2/4 → 1/4 as b
            [0.0, -25.0, 25.0], // b: 3/4 → 2/4 right, 1/4 → 2/4 as c
            [-50.0, 0.0, 50.0], // c: 1/2 → 0 as a, 1/2 → 2/2 right
        ];
        for (t, row) in expected.iter().enumerate() {
            for (p, &e) in row.iter().enumerate() {
                assert!(
                    (change.cell(t, p) - e).abs() < 1e-9,
                    "({t}, {p}): {}",
                    change.cell(t, p)
                );
            }
        }
        assert!((change.accuracy - 0.7).abs() < 1e-12);
        assert!((change.accuracy_change - 10.0).abs() < 1e-9);
        assert_eq!(change.recall, [0.75, 0.5, 1.0]);
        // Better: a recognised more, c confused less with a; worse: b confused more with c.
        assert_eq!(improvement(0, 0, change.cell(0, 0)), 25.0);
        assert_eq!(improvement(2, 0, change.cell(2, 0)), 50.0);
        assert_eq!(improvement(1, 2, change.cell(1, 2)), -25.0);
    }

    #[test]
    fn table_lists_recall_now_and_its_change() {
        let md = two_steps().markdown();
        assert!(
            md.contains("**Against step 1 (previous logged step):** accuracy 0.7000 (+10.00 pp)"),
            "{md}"
        );
        assert!(md.contains("| a | 0.7500 | +25.00 pp |"), "{md}");
        assert!(md.contains("| b | 0.5000 | -25.00 pp |"), "{md}");
        assert!(md.contains("| c | 1.0000 | +50.00 pp |"), "{md}");
    }

    #[test]
    fn rows_without_support_have_no_change_and_other_classes_none_at_all() {
        let previous = PreviousStep {
            step: 4,
            counts: Arc::new(counts([[1, 0, 0], [0, 0, 0], [0, 0, 1]])),
        };
        let change =
            RowShareChange::between(&previous, &counts([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), 5)
                .unwrap();
        assert!(change.cell(1, 1).is_nan() && change.recall_change[1].is_nan());
        assert_eq!(change.cell(0, 0), 0.0);
        assert!(change.markdown().contains("| b | 1.0000 | — |"));
        let mut other = ConfusionMatrix::from_counts(3, vec![1; 9]).unwrap();
        other.set_class_names(["a", "b", "z"]).unwrap();
        assert!(RowShareChange::between(&previous, &SparseCounts::of(&other), 5).is_none());
    }
}
