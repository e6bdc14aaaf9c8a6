//! The confusion matrix itself: exact counts, class names, normalisation.
//!
//! Rows are true classes and columns predicted classes, as in scikit-learn,
//! torchmetrics and TensorFlow: `count(t, p)` is how often class `t` was
//! predicted as `p`.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What a matrix cell is divided by when the matrix is normalised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalization {
    /// Raw counts.
    #[default]
    None,
    /// Each row sums to 1: the diagonal is per-class recall.
    True,
    /// Each column sums to 1: the diagonal is per-class precision.
    Pred,
    /// The whole matrix sums to 1.
    All,
}

impl Normalization {
    /// A short human description, used in titles and tables.
    pub fn describe(self) -> &'static str {
        match self {
            Normalization::None => "counts",
            Normalization::True => "row-normalised (recall)",
            Normalization::Pred => "column-normalised (precision)",
            Normalization::All => "normalised over all",
        }
    }
}

/// Errors from building or updating a [`ConfusionMatrix`].
#[derive(Debug, Error, PartialEq)]
pub enum ConfusionError {
    /// A matrix needs at least one class.
    #[error("a confusion matrix needs at least one class, got 0")]
    NoClasses,
    /// The dense counts do not form a K×K matrix.
    #[error("expected {expected} counts for a {k}×{k} matrix, got {got}")]
    WrongCountLength {
        /// Number of classes.
        k: usize,
        /// K².
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// The number of class names differs from the number of classes.
    #[error("expected {expected} class names, got {got}")]
    WrongNameCount {
        /// Number of classes.
        expected: usize,
        /// Names given.
        got: usize,
    },
    /// A label is not in `0..K`.
    #[error("{which} label {value} at index {index} is outside 0..{k}")]
    LabelOutOfRange {
        /// `"true"` or `"predicted"`.
        which: &'static str,
        /// Position in the input slice.
        index: usize,
        /// The offending value (negative values print as such).
        value: i128,
        /// Number of classes.
        k: usize,
    },
    /// Label and prediction slices differ in length.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// Which inputs.
        what: &'static str,
        /// First length.
        left: usize,
        /// Second length.
        right: usize,
    },
    /// A score is NaN, so no argmax exists.
    #[error("score at row {row}, column {column} is NaN")]
    NanScore {
        /// Row (sample) of the score matrix.
        row: usize,
        /// Column (class).
        column: usize,
    },
    /// A weight is negative or not finite.
    #[error("weight {value} at index {index} must be finite and non-negative")]
    BadWeight {
        /// Position.
        index: usize,
        /// Value.
        value: f64,
    },
    /// Two matrices cannot be merged.
    #[error("cannot merge matrices: {0}")]
    Incompatible(String),
    /// A count overflowed `u64`.
    #[error("a count overflowed u64")]
    Overflow,
}

/// Exact confusion counts over `K` classes, with class names.
///
/// Counts are `u64`, never floats, so they stay exact however many
/// predictions are added or however many workers' matrices are merged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub(crate) classes: Vec<String>,
    /// K×K, row-major, row = true class.
    pub(crate) counts: Vec<u64>,
    /// Optional K×K sum of sample weights, row-major.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) weighted: Option<Vec<f64>>,
}

impl ConfusionMatrix {
    /// An empty matrix over `num_classes` classes named `"0"`, `"1"`, ….
    pub fn new(num_classes: usize) -> Result<Self, ConfusionError> {
        if num_classes == 0 {
            return Err(ConfusionError::NoClasses);
        }
        Ok(ConfusionMatrix {
            classes: (0..num_classes).map(|i| i.to_string()).collect(),
            counts: vec![0; num_classes * num_classes],
            weighted: None,
        })
    }

    /// An empty matrix whose classes are named, in index order.
    pub fn with_class_names<I, S>(names: I) -> Result<Self, ConfusionError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let classes: Vec<String> = names.into_iter().map(Into::into).collect();
        let k = classes.len();
        let mut cm = ConfusionMatrix::new(k)?;
        cm.classes = classes;
        Ok(cm)
    }

    /// A matrix from dense row-major counts (`counts[t * K + p]`).
    pub fn from_counts(num_classes: usize, counts: Vec<u64>) -> Result<Self, ConfusionError> {
        let mut cm = ConfusionMatrix::new(num_classes)?;
        if counts.len() != num_classes * num_classes {
            return Err(ConfusionError::WrongCountLength {
                k: num_classes,
                expected: num_classes * num_classes,
                got: counts.len(),
            });
        }
        cm.counts = counts;
        Ok(cm)
    }

    /// Replaces the class names (one per class, in index order).
    pub fn set_class_names<I, S>(&mut self, names: I) -> Result<(), ConfusionError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.len() != self.classes.len() {
            return Err(ConfusionError::WrongNameCount {
                expected: self.classes.len(),
                got: names.len(),
            });
        }
        self.classes = names;
        Ok(())
    }

    /// Number of classes, K.
    pub fn num_classes(&self) -> usize {
        self.classes.len()
    }

    /// Class names in index order.
    pub fn class_names(&self) -> &[String] {
        &self.classes
    }

    /// All counts, row-major (`counts()[t * K + p]`).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The weighted plane, when sample weights were given.
    pub fn weighted_counts(&self) -> Option<&[f64]> {
        self.weighted.as_deref()
    }

    /// How often true class `t` was predicted as `p`.
    ///
    /// # Panics
    /// If `t` or `p` is not below [`num_classes`](Self::num_classes).
    pub fn count(&self, t: usize, p: usize) -> u64 {
        let k = self.num_classes();
        assert!(t < k && p < k, "class index out of range");
        self.counts[t * k + p]
    }

    /// Total number of predictions counted, N.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Per true class: the row sums (support).
    pub fn row_sums(&self) -> Vec<u64> {
        let k = self.num_classes();
        self.counts
            .chunks_exact(k)
            .map(|row| row.iter().sum())
            .collect()
    }

    /// Per predicted class: the column sums.
    pub fn col_sums(&self) -> Vec<u64> {
        let k = self.num_classes();
        let mut sums = vec![0u64; k];
        for row in self.counts.chunks_exact(k) {
            for (s, &c) in sums.iter_mut().zip(row) {
                *s += c;
            }
        }
        sums
    }

    /// The matrix divided as `norm` says, row-major. A row (or column, or
    /// matrix) with no predictions divides by zero and gives NaN, never a
    /// silent zero: "class never seen" must stay visible.
    pub fn normalized(&self, norm: Normalization) -> Vec<f64> {
        let k = self.num_classes();
        let as_f = |c: u64| c as f64;
        match norm {
            Normalization::None => self.counts.iter().copied().map(as_f).collect(),
            Normalization::True => {
                let rows = self.row_sums();
                self.counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| as_f(c) / as_f(rows[i / k]))
                    .collect()
            }
            Normalization::Pred => {
                let cols = self.col_sums();
                self.counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| as_f(c) / as_f(cols[i % k]))
                    .collect()
            }
            Normalization::All => {
                let n = as_f(self.total());
                self.counts.iter().map(|&c| as_f(c) / n).collect()
            }
        }
    }
}
