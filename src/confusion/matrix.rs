//! The confusion matrix itself: exact counts, class names, normalisation.
//!
//! Rows are true classes and columns predicted classes, as in scikit-learn,
//! torchmetrics and TensorFlow: `count(t, p)` is how often class `t` was
//! predicted as `p`.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::kernel::{
    FlushFailed, INTERLEAVE_MAX_SHIFT, Skip, WAYS, count_interleaved_dyn, count_single, flush,
};
pub use super::label::Label;
use super::wire::WireMatrix;

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
    /// Two classes share a name: their per-class tags would collide.
    #[error("class name {name:?} is used by classes {first} and {second}; names must be distinct")]
    DuplicateClassName {
        /// The name.
        name: String,
        /// Index of its first use.
        first: usize,
        /// Index of its second use.
        second: usize,
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
    /// Serialised matrix written by an unknown schema version.
    #[error(
        "confusion matrix schema version {found} is not supported (this build reads {supported})"
    )]
    UnsupportedVersion {
        /// Version found in the input.
        found: u32,
        /// The version this build reads and writes.
        supported: u32,
    },
    /// Serialised matrix whose rows are not the true labels.
    #[error("orientation {found:?} is not supported: expected {expected:?}")]
    WrongOrientation {
        /// Orientation tag found.
        found: String,
        /// The only tag accepted.
        expected: &'static str,
    },
    /// A serialised matrix has the wrong number of rows.
    #[error("{plane} has {got} rows, expected {expected} (one per class)")]
    WrongRowCount {
        /// `"counts"` or `"weighted"`.
        plane: &'static str,
        /// Rows found.
        got: usize,
        /// Number of classes.
        expected: usize,
    },
    /// A row of a serialised matrix has the wrong length.
    #[error("{plane} row {row} has {got} entries, expected {expected} (one per class)")]
    RaggedRow {
        /// `"counts"` or `"weighted"`.
        plane: &'static str,
        /// Row index.
        row: usize,
        /// Entries found.
        got: usize,
        /// Number of classes.
        expected: usize,
    },
}

/// Class names become tag names (`T/recall/<class>`): they must be distinct.
pub(crate) fn check_distinct(names: &[String]) -> Result<(), ConfusionError> {
    let mut seen = std::collections::HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), i) {
            return Err(ConfusionError::DuplicateClassName {
                name: name.clone(),
                first,
                second: i,
            });
        }
    }
    Ok(())
}

/// Exact confusion counts over `K` classes, with class names.
///
/// Counts are `u64`, never floats, so they stay exact however many
/// predictions are added or however many workers' matrices are merged.
///
/// Serialised with serde as a versioned, self-describing record (see
/// [`wire`](crate::confusion::wire)), so partial matrices can be shipped
/// between processes and [merged](Self::merge).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "WireMatrix", try_from = "WireMatrix")]
pub struct ConfusionMatrix {
    pub(crate) classes: Vec<String>,
    /// K×K, row-major, row = true class.
    pub(crate) counts: Vec<u64>,
    /// Optional K×K sum of sample weights, row-major. When present it also
    /// holds the unweighted samples with weight 1, so it always describes
    /// every sample in `counts`.
    pub(crate) weighted: Option<Vec<f64>>,
    /// True label whose samples are skipped by the `update*` methods.
    pub(crate) ignore_index: Option<i64>,
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
            ignore_index: None,
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
        check_distinct(&classes)?;
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
        check_distinct(&names)?;
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

    /// Total number of predictions counted, N. Saturates at `u64::MAX`
    /// rather than wrapping (reachable only through
    /// [`from_counts`](Self::from_counts) or merges of absurd counts), as do
    /// the row and column sums.
    pub fn total(&self) -> u64 {
        self.counts
            .iter()
            .fold(0u64, |sum, &c| sum.saturating_add(c))
    }

    /// Per true class: the row sums (support).
    pub fn row_sums(&self) -> Vec<u64> {
        let k = self.num_classes();
        self.counts
            .chunks_exact(k)
            .map(|row| row.iter().fold(0u64, |sum, &c| sum.saturating_add(c)))
            .collect()
    }

    /// Per predicted class: the column sums.
    pub fn col_sums(&self) -> Vec<u64> {
        let k = self.num_classes();
        let mut sums = vec![0u64; k];
        for row in self.counts.chunks_exact(k) {
            for (s, &c) in sums.iter_mut().zip(row) {
                *s = s.saturating_add(c);
            }
        }
        sums
    }

    /// The matrix divided as `norm` says, row-major. A row (or column, or
    /// matrix) with no predictions divides by zero and gives NaN, never a
    /// silent zero: "class never seen" must stay visible.
    pub fn normalized(&self, norm: Normalization) -> Vec<f64> {
        // One definition, the one the image and the logged values use.
        let sparse = super::sparse::SparseCounts::of(self);
        let k = self.num_classes();
        self.counts
            .iter()
            .enumerate()
            .map(|(i, &c)| sparse.normalized(i / k, i % k, c, norm))
            .collect()
    }
}

/// Samples counted between checks of the labels' OR, so a label too wide
/// for the counting table stops the work early.
const CHECK_BLOCK: usize = 1 << 13;
/// Largest histogram table (entries) worth allocating; larger matrices
/// count straight into the `u64` cells.
const HISTOGRAM_MAX_ENTRIES: usize = 1 << 22;
/// Samples between flushes of the `u32` histograms into `u64`: each entry
/// then sees far fewer than 2³² increments.
const FLUSH_EVERY: usize = 1 << 28;
/// Rows of a score matrix turned into predictions at a time, so scores need
/// only a fixed buffer, not one prediction per sample.
const SCORE_CHUNK_ROWS: usize = 4096;

impl ConfusionMatrix {
    /// Skips, in every later `update*` call, the samples whose *true* label
    /// equals `label` (as torchmetrics' `ignore_index`, e.g. 255 or -100 in
    /// segmentation). Their predictions are not checked either.
    pub fn with_ignore_index(mut self, label: i64) -> Self {
        self.ignore_index = Some(label);
        self
    }

    /// The true label skipped by `update*`, if any.
    pub fn ignore_index(&self) -> Option<i64> {
        self.ignore_index
    }

    /// Sets all counts (and weighted sums) back to zero, keeping the class
    /// names and the ignore index.
    pub fn reset(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        if let Some(w) = &mut self.weighted {
            w.iter_mut().for_each(|c| *c = 0.0);
        }
    }

    /// Counts one prediction per sample: `y_true[i]` was predicted as
    /// `y_pred[i]`.
    ///
    /// A label outside `0..K` is an error naming the first bad sample (its
    /// index and value), and on any error the matrix is unchanged: counts
    /// reach it only once every label has passed. Runs in linear time with
    /// O(K²) extra memory.
    pub fn update<T: Label, U: Label>(
        &mut self,
        y_true: &[T],
        y_pred: &[U],
    ) -> Result<(), ConfusionError> {
        check_lengths("y_true and y_pred", y_true.len(), y_pred.len())?;
        self.count_checked(y_true, y_pred, self.ignore_value::<T>())
    }

    /// Like [`update`](Self::update), and also adds `weights[i]` to the
    /// weighted plane (created on first use, holding earlier samples with
    /// weight 1). Weights must be finite and non-negative.
    pub fn update_weighted<T: Label, U: Label>(
        &mut self,
        y_true: &[T],
        y_pred: &[U],
        weights: &[f64],
    ) -> Result<(), ConfusionError> {
        check_lengths("y_true and y_pred", y_true.len(), y_pred.len())?;
        check_lengths("y_true and weights", y_true.len(), weights.len())?;
        let ignored = self.ignore_value::<T>();
        // The first bad sample in input order: its true label, prediction,
        // then weight. Ignored samples are not checked at all.
        let bad_weight = weights
            .iter()
            .zip(y_true)
            .position(|(w, t)| Some(*t) != ignored && !(w.is_finite() && *w >= 0.0));
        let labels_end = bad_weight.map_or(y_true.len(), |i| i + 1);
        self.check_labels(&y_true[..labels_end], &y_pred[..labels_end], ignored)?;
        if let Some(index) = bad_weight {
            return Err(ConfusionError::BadWeight {
                index,
                value: weights[index],
            });
        }
        // Counts take the fast kernels with the plane set aside (they would
        // add weight 1 per sample to it); the weights are added after. A
        // plane created now holds the earlier samples with weight 1.
        let existed = self.weighted.is_some();
        let mut plane = match self.weighted.take() {
            Some(plane) => plane,
            None => self.counts.iter().map(|&c| c as f64).collect(),
        };
        if let Err(error) = self.count_checked(y_true, y_pred, ignored) {
            self.weighted = existed.then_some(plane);
            return Err(error);
        }
        let k = self.num_classes();
        for ((&t, &p), &w) in y_true.iter().zip(y_pred).zip(weights) {
            if Some(t) != ignored {
                plane[t.to_u64_wrapping() as usize * k + p.to_u64_wrapping() as usize] += w;
            }
        }
        self.weighted = Some(plane);
        Ok(())
    }

    /// Counts predictions given as scores: `scores` is N×K row-major (logits,
    /// probabilities, any monotone score) and the prediction of row `i` is
    /// its argmax, the lowest index on ties.
    ///
    /// A NaN score anywhere is an error ([`ConfusionError::NanScore`]), even
    /// in a row that would be ignored, because it means the model output is
    /// broken. On error the matrix is unchanged.
    pub fn update_from_scores<T: Label>(
        &mut self,
        y_true: &[T],
        scores: &[f32],
    ) -> Result<(), ConfusionError> {
        let k = self.num_classes();
        let expected = y_true
            .len()
            .checked_mul(k)
            .ok_or(ConfusionError::Overflow)?;
        check_lengths("scores (N×K) and y_true (N) × K", scores.len(), expected)?;
        if any_nan(scores)
            && let Some(at) = scores.iter().position(|s| s.is_nan())
        {
            return Err(ConfusionError::NanScore {
                row: at / k,
                column: at % k,
            });
        }
        let ignored = self.ignore_value::<T>();
        match ignored {
            Some(ignored) => {
                if let Some((index, t)) = y_true
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| **t != ignored)
                    .find(|(_, t)| t.to_u64_wrapping() >= k as u64)
                {
                    return Err(self.out_of_range("true", index, t.to_i128()));
                }
            }
            None => self.validate(y_true, "true")?,
        }
        let mut preds = vec![0u32; SCORE_CHUNK_ROWS.min(y_true.len())];
        // Each chunk is counted atomically; with several chunks, keep a copy
        // so an overflow in a later one can undo the earlier ones.
        let before =
            (y_true.len() > SCORE_CHUNK_ROWS).then(|| (self.counts.clone(), self.weighted.clone()));
        for (labels, rows) in y_true
            .chunks(SCORE_CHUNK_ROWS)
            .zip(scores.chunks(SCORE_CHUNK_ROWS * k))
        {
            let preds = &mut preds[..labels.len()];
            for (pred, row) in preds.iter_mut().zip(rows.chunks_exact(k)) {
                *pred = argmax(row);
            }
            let result = self.count_checked(labels, preds, ignored);
            if let Err(e) = result {
                if let Some(before) = before {
                    (self.counts, self.weighted) = before;
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Adds the counts (and weighted sums) of `other` to `self`.
    ///
    /// Exact on counts, so merging is associative and commutative: workers
    /// can count shards and merge in any order. Weighted sums are `f64`
    /// additions, exact while they are integers below 2⁵³.
    ///
    /// Fails, leaving `self` unchanged, when the number of classes or the
    /// class names differ, or when a count would overflow `u64`.
    pub fn merge(&mut self, other: &Self) -> Result<(), ConfusionError> {
        let (k, other_k) = (self.num_classes(), other.num_classes());
        if k != other_k {
            return Err(ConfusionError::Incompatible(format!(
                "{k} classes vs {other_k} classes"
            )));
        }
        if let Some(i) = (0..k).find(|&i| self.classes[i] != other.classes[i]) {
            return Err(ConfusionError::Incompatible(format!(
                "class {i} is named {:?} here and {:?} in the other matrix",
                self.classes[i], other.classes[i]
            )));
        }
        let counts = self
            .counts
            .iter()
            .zip(&other.counts)
            .map(|(a, b)| a.checked_add(*b))
            .collect::<Option<Vec<u64>>>()
            .ok_or(ConfusionError::Overflow)?;
        let weighted = match (&self.weighted, &other.weighted) {
            (None, None) => None,
            (a, b) => {
                let plane = |w: &Option<Vec<f64>>, c: &[u64]| {
                    w.clone()
                        .unwrap_or_else(|| c.iter().map(|&x| x as f64).collect())
                };
                let (a, b) = (plane(a, &self.counts), plane(b, &other.counts));
                Some(a.iter().zip(&b).map(|(x, y)| x + y).collect())
            }
        };
        self.counts = counts;
        self.weighted = weighted;
        Ok(())
    }

    /// The ignore index as a label of type `T`; `None` when unset or when
    /// `T` cannot hold it (then no label can equal it).
    fn ignore_value<T: Label>(&self) -> Option<T> {
        self.ignore_index.and_then(T::from_i64)
    }

    fn out_of_range(&self, which: &'static str, index: usize, value: i128) -> ConfusionError {
        ConfusionError::LabelOutOfRange {
            which,
            index,
            value,
            k: self.num_classes(),
        }
    }

    /// Checks every label is in `0..K` with one vectorisable max pass; only
    /// when that fails is the slice scanned again to name the culprit.
    fn validate<T: Label>(&self, labels: &[T], which: &'static str) -> Result<(), ConfusionError> {
        let k = self.num_classes() as u64;
        if T::max_wrapping(labels) < k {
            return Ok(());
        }
        match labels.iter().position(|l| l.to_u64_wrapping() >= k) {
            Some(i) => Err(self.out_of_range(which, i, labels[i].to_i128())),
            None => Ok(()),
        }
    }

    /// The error for the first sample with a label outside `0..K`, its true
    /// label checked before its prediction, skipping samples whose true
    /// label is `ignored`; `None` when every label is in range.
    fn first_bad_label<T: Label, U: Label>(
        &self,
        y_true: &[T],
        y_pred: &[U],
        ignored: Option<T>,
    ) -> Option<ConfusionError> {
        let k = self.num_classes() as u64;
        y_true
            .iter()
            .zip(y_pred)
            .enumerate()
            .find_map(|(index, (&t, &p))| {
                if Some(t) == ignored {
                    None
                } else if t.to_u64_wrapping() >= k {
                    Some(self.out_of_range("true", index, t.to_i128()))
                } else if p.to_u64_wrapping() >= k {
                    Some(self.out_of_range("predicted", index, p.to_i128()))
                } else {
                    None
                }
            })
    }

    /// The error for an input that failed while counting: its first bad
    /// label, or else an overflow.
    fn first_out_of_range<T: Label, U: Label>(
        &self,
        y_true: &[T],
        y_pred: &[U],
        ignored: Option<T>,
    ) -> ConfusionError {
        self.first_bad_label(y_true, y_pred, ignored)
            .unwrap_or(ConfusionError::Overflow)
    }

    /// Checks that every counted sample (true label not `ignored`) has both
    /// labels in `0..K`. The error names the first bad sample in input
    /// order, its true label before its prediction: the same error whichever
    /// path counts the input.
    fn check_labels<T: Label, U: Label>(
        &self,
        y_true: &[T],
        y_pred: &[U],
        ignored: Option<T>,
    ) -> Result<(), ConfusionError> {
        let k = self.num_classes() as u64;
        if ignored.is_none() && T::max_wrapping(y_true) < k && U::max_wrapping(y_pred) < k {
            return Ok(());
        }
        match self.first_bad_label(y_true, y_pred, ignored) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Validates and counts equal-length label slices, choosing the kernel
    /// by size. On error the matrix is unchanged.
    /// Samples whose true label is `ignored` are skipped, their predictions
    /// unchecked.
    fn count_checked<T: Label, U: Label>(
        &mut self,
        y_true: &[T],
        y_pred: &[U],
        ignored: Option<T>,
    ) -> Result<(), ConfusionError> {
        let k = self.num_classes();
        // Histogram entry of (t, p) is `t << shift | p`: a shift and an OR
        // instead of a multiply, and a power-of-two table lets the compiler
        // drop bounds checks.
        let shift = k.next_power_of_two().trailing_zeros();
        let table = 1usize << (2 * shift);
        // A histogram pays off once the input is long enough to amortise
        // clearing and folding it.
        if table > HISTOGRAM_MAX_ENTRIES || y_true.len() < 2 * table {
            self.check_labels(y_true, y_pred, ignored)?;
            return match ignored {
                Some(ignored) => {
                    let pairs = y_true.iter().zip(y_pred).filter(|(t, _)| **t != ignored);
                    self.add_pairs(pairs.map(|(&t, &p)| (t, p)))
                }
                None => self.count_direct(y_true, y_pred),
            };
        }
        let ways = if shift <= INTERLEAVE_MAX_SHIFT {
            WAYS
        } else {
            1
        };
        // One extra slot per way takes the skipped samples (see `Skip`).
        let mut hist = vec![0u32; table * ways + WAYS];
        let skip = Skip(ignored.map(Label::to_u64_wrapping));
        // The matrix itself is only replaced once every label has passed.
        let mut summed = self.counts.clone();
        let mut since_flush = 0;
        // Labels are checked while they are counted: the OR of all counted
        // labels (skipped samples left out) shows whether each fits in `shift` bits (so indexes stay in the
        // table), and a label in `k..1 << shift` lands in a row or column
        // of the table outside the K×K corner, which each flush checks.
        let mut seen = 0u64;
        let blocks = y_true.chunks(CHECK_BLOCK).zip(y_pred.chunks(CHECK_BLOCK));
        // A bad label anywhere in the input is reported before an overflow,
        // as when labels are checked first; with none, the error is Overflow.
        let flush_error = |_: FlushFailed| self.first_out_of_range(y_true, y_pred, ignored);
        for (t, p) in blocks {
            seen |= match (ways == WAYS, skip.0.is_some()) {
                (true, false) => count_interleaved_dyn::<false, _, _>(t, p, shift, skip, &mut hist),
                (true, true) => count_interleaved_dyn::<true, _, _>(t, p, shift, skip, &mut hist),
                (false, false) => count_single::<false, _, _>(t, p, shift, skip, &mut hist),
                (false, true) => count_single::<true, _, _>(t, p, shift, skip, &mut hist),
            };
            if seen >> shift != 0 {
                return Err(self.first_out_of_range(y_true, y_pred, ignored));
            }
            since_flush += t.len();
            if since_flush >= FLUSH_EVERY {
                flush(&mut hist, &mut summed, k, shift).map_err(flush_error)?;
                since_flush = 0;
            }
        }
        flush(&mut hist, &mut summed, k, shift).map_err(flush_error)?;
        if let Some(w) = &mut self.weighted {
            for ((w, &new), &old) in w.iter_mut().zip(&summed).zip(&self.counts) {
                *w += (new - old) as f64;
            }
        }
        self.counts = summed;
        Ok(())
    }

    /// Counts validated labels straight into the `u64` cells. Wrapping adds
    /// are exactly reversible, so on overflow everything is undone.
    fn count_direct<T: Label, U: Label>(
        &mut self,
        y_true: &[T],
        y_pred: &[U],
    ) -> Result<(), ConfusionError> {
        let k = self.num_classes();
        let index = |t: T, p: U| t.to_u64_wrapping() as usize * k + p.to_u64_wrapping() as usize;
        let mut wrapped = false;
        for (&t, &p) in y_true.iter().zip(y_pred) {
            let cell = &mut self.counts[index(t, p)];
            *cell = cell.wrapping_add(1);
            wrapped |= *cell == 0;
        }
        if wrapped {
            for (&t, &p) in y_true.iter().zip(y_pred) {
                let cell = &mut self.counts[index(t, p)];
                *cell = cell.wrapping_sub(1);
            }
            return Err(ConfusionError::Overflow);
        }
        if let Some(w) = &mut self.weighted {
            for (&t, &p) in y_true.iter().zip(y_pred) {
                w[index(t, p)] += 1.0;
            }
        }
        Ok(())
    }

    /// Adds validated `(true, predicted)` pairs one by one with checked
    /// arithmetic, undoing them all on overflow; a weighted plane gets
    /// weight 1 for each.
    fn add_pairs<T: Label, U: Label>(
        &mut self,
        pairs: impl Iterator<Item = (T, U)> + Clone,
    ) -> Result<(), ConfusionError> {
        let k = self.num_classes();
        let index = |t: T, p: U| t.to_u64_wrapping() as usize * k + p.to_u64_wrapping() as usize;
        let mut added = 0usize;
        let mut overflow = false;
        for (t, p) in pairs.clone() {
            match self.counts[index(t, p)].checked_add(1) {
                Some(c) => self.counts[index(t, p)] = c,
                None => {
                    overflow = true;
                    break;
                }
            }
            added += 1;
        }
        if overflow {
            for (t, p) in pairs.take(added) {
                self.counts[index(t, p)] -= 1;
            }
            return Err(ConfusionError::Overflow);
        }
        if let Some(w) = &mut self.weighted {
            for (t, p) in pairs {
                w[index(t, p)] += 1.0;
            }
        }
        Ok(())
    }
}

fn check_lengths(what: &'static str, left: usize, right: usize) -> Result<(), ConfusionError> {
    if left == right {
        Ok(())
    } else {
        Err(ConfusionError::LengthMismatch { what, left, right })
    }
}

/// Index of the largest score, the lowest one on ties. NaN was ruled out
/// by the caller.
fn argmax(row: &[f32]) -> u32 {
    let Some((&first, rest)) = row.split_first() else {
        return 0;
    };
    // The best value stays in a register rather than being reloaded.
    let (mut best, mut best_value) = (0usize, first);
    for (j, &s) in rest.iter().enumerate() {
        if s > best_value {
            (best, best_value) = (j + 1, s);
        }
    }
    best as u32
}

/// Whether any score is NaN: an OR over blocks that vectorises, where an
/// early-exit search compares one score at a time.
fn any_nan(scores: &[f32]) -> bool {
    scores
        .chunks(4096)
        .any(|block| block.iter().fold(false, |nan, s| nan | s.is_nan()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so tests need no extra crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn naive(k: usize, t: &[u64], p: &[u64]) -> Vec<u64> {
        let mut c = vec![0; k * k];
        for (&t, &p) in t.iter().zip(p) {
            c[t as usize * k + p as usize] += 1;
        }
        c
    }

    fn labels(rng: &mut Rng, k: usize, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.below(k as u64)).collect()
    }

    #[test]
    fn update_matches_naive_counting_on_every_kernel_and_type() {
        let mut rng = Rng(7);
        // Small n uses direct counting, large n the interleaved kernel; K=200 with 20,000
        // and 140,001 take the direct and the single-histogram kernels.
        for (k, n) in [
            (1, 10),
            (3, 5),
            (10, 10_001),
            (10, 37),
            (50, 40_003),
            (200, 20_000),
            (200, 140_001),
        ] {
            let t = labels(&mut rng, k, n);
            let p = labels(&mut rng, k, n);
            let want = naive(k, &t, &p);
            let mut cm = ConfusionMatrix::new(k).unwrap();
            cm.update(&t, &p).unwrap();
            assert_eq!(cm.counts(), &want[..], "u64 k={k} n={n}");
            let t32: Vec<u32> = t.iter().map(|&x| x as u32).collect();
            let p64: Vec<i64> = p.iter().map(|&x| x as i64).collect();
            let mut cm = ConfusionMatrix::new(k).unwrap();
            cm.update(&t32, &p64).unwrap();
            assert_eq!(cm.counts(), &want[..], "u32/i64 k={k} n={n}");
            let t8: Vec<u8> = t.iter().map(|&x| x as u8).collect();
            let p16: Vec<i16> = p.iter().map(|&x| x as i16).collect();
            let mut cm = ConfusionMatrix::new(k).unwrap();
            cm.update(&t8, &p16).unwrap();
            assert_eq!(cm.counts(), &want[..], "u8/i16 k={k} n={n}");
            // Updating twice doubles.
            cm.update(&t8, &p16).unwrap();
            assert_eq!(cm.total(), 2 * n as u64);
        }
    }

    #[test]
    fn out_of_range_labels_are_reported_and_change_nothing() {
        let mut cm = ConfusionMatrix::new(3).unwrap();
        cm.update(&[0i64, 1], &[1i64, 1]).unwrap();
        let before = cm.clone();
        let err = cm.update(&[0i64, 2, -1, 1], &[0i64, 0, 0, 0]).unwrap_err();
        assert_eq!(
            err,
            ConfusionError::LabelOutOfRange {
                which: "true",
                index: 2,
                value: -1,
                k: 3
            }
        );
        assert!(err.to_string().contains("-1 at index 2"));
        let err = cm.update(&[0u8, 1, 2], &[0u8, 3, 0]).unwrap_err();
        assert_eq!(
            err,
            ConfusionError::LabelOutOfRange {
                which: "predicted",
                index: 1,
                value: 3,
                k: 3
            }
        );
        // Past the interleaving threshold, the bad label comes last.
        let mut t = vec![1u32; 100_000];
        t[99_999] = 7;
        let err = cm.update(&t, &vec![0u32; 100_000]).unwrap_err();
        assert!(matches!(
            err,
            ConfusionError::LabelOutOfRange {
                index: 99_999,
                value: 7,
                ..
            }
        ));
        assert_eq!(cm, before);
        // A label in K..2^⌈log2 K⌉ fits the counting table: it is caught by
        // the table's rows and columns beyond K, on both histogram kernels.
        for (k, n) in [(3usize, 100_000usize), (200, 140_001)] {
            let mut cm = ConfusionMatrix::new(k).unwrap();
            let before = cm.clone();
            let bad = k.next_power_of_two() as u32 - 1;
            for (which, at) in [("predicted", 70_000usize), ("true", n - 1)] {
                let mut t = vec![1u32; n];
                let mut p = vec![0u32; n];
                if which == "true" {
                    t[at] = bad;
                } else {
                    p[at] = bad;
                }
                let err = cm.update(&t, &p).unwrap_err();
                assert_eq!(
                    err,
                    ConfusionError::LabelOutOfRange {
                        which,
                        index: at,
                        value: i128::from(bad),
                        k
                    },
                    "k={k}"
                );
                assert_eq!(cm, before);
            }
        }
        let err = cm.update(&[0u8, 1], &[0u8]).unwrap_err();
        assert!(matches!(
            err,
            ConfusionError::LengthMismatch {
                left: 2,
                right: 1,
                ..
            }
        ));
        assert_eq!(cm, before);
    }

    #[test]
    fn ignore_index_skips_samples_whose_true_label_matches() {
        let mut cm = ConfusionMatrix::new(2).unwrap().with_ignore_index(-100);
        assert_eq!(cm.ignore_index(), Some(-100));
        // The ignored sample's prediction (9) is not checked.
        cm.update(&[0i64, -100, 1, 1], &[0i64, 9, 1, 0]).unwrap();
        assert_eq!(cm.counts(), &[1, 0, 1, 1]);
        let err = cm.update(&[-100i64, -5], &[0i64, 0]).unwrap_err();
        assert!(matches!(
            err,
            ConfusionError::LabelOutOfRange {
                index: 1,
                value: -5,
                ..
            }
        ));
        // -100 does not fit u8, so nothing is ignored and 200 is out of range.
        let err = cm.update(&[200u8], &[0u8]).unwrap_err();
        assert!(matches!(
            err,
            ConfusionError::LabelOutOfRange { value: 200, .. }
        ));
        let mut seg = ConfusionMatrix::new(3).unwrap().with_ignore_index(255);
        seg.update(&[255u8, 2, 255, 0], &[1u8, 2, 200, 0]).unwrap();
        assert_eq!(seg.total(), 2);
        seg.update_weighted(&[255u8, 1], &[0u8, 1], &[5.0, 2.0])
            .unwrap();
        assert_eq!(seg.weighted_counts().unwrap()[4], 2.0);
        assert_eq!(seg.total(), 3);
        seg.update_from_scores(&[255u8, 1], &[0.0, 1.0, 0.0, 0.0, 0.0, 1.0])
            .unwrap();
        assert_eq!(seg.count(1, 2), 1);
        assert_eq!(seg.total(), 4);
    }

    /// Random cases around every kernel boundary (K near powers of two, N
    /// near the histogram threshold), with and without an ignore index and
    /// bad labels, against a one-by-one reference: same counts, or the same
    /// error with the matrix unchanged.
    #[test]
    fn update_matches_a_one_by_one_reference_on_random_cases() {
        fn reference(
            k: usize,
            t: &[i64],
            p: &[i64],
            ignored: Option<i64>,
        ) -> Result<Vec<u64>, ConfusionError> {
            let mut counts = vec![0u64; k * k];
            for (index, (&t, &p)) in t.iter().zip(p).enumerate() {
                if Some(t) == ignored {
                    continue;
                }
                for (which, v) in [("true", t), ("predicted", p)] {
                    if !(0..k as i64).contains(&v) {
                        let value = i128::from(v);
                        return Err(ConfusionError::LabelOutOfRange {
                            which,
                            index,
                            value,
                            k,
                        });
                    }
                }
                counts[t as usize * k + p as usize] += 1;
            }
            Ok(counts)
        }
        fn check<T: Label>(k: usize, t: &[i64], p: &[i64], ignored: Option<i64>, case: &str) {
            let convert =
                |v: &[i64]| -> Vec<T> { v.iter().map(|&x| T::from_i64(x).unwrap()).collect() };
            let mut cm = ConfusionMatrix::new(k).unwrap();
            if let Some(i) = ignored {
                cm = cm.with_ignore_index(i);
            }
            // An ignore index the type cannot hold ignores nothing.
            let effective = ignored.filter(|&i| T::from_i64(i).is_some());
            let before = cm.clone();
            match (
                cm.update(&convert(t), &convert(p)),
                reference(k, t, p, effective),
            ) {
                (Ok(()), Ok(want)) => assert_eq!(cm.counts(), &want[..], "{case}"),
                (Err(got), Err(want)) => {
                    assert_eq!(got, want, "{case}");
                    assert_eq!(cm, before, "{case}");
                }
                (got, want) => panic!("{case}: got {got:?}, want {:?}", want.map(|_| ())),
            }
        }
        let mut rng = Rng(2026);
        let ks = [
            1usize, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 65, 127, 128, 129, 200, 257,
        ];
        for case in 0..240 {
            let k = ks[rng.below(ks.len() as u64) as usize];
            let shift = k.next_power_of_two().trailing_zeros();
            let threshold = 2usize << (2 * shift);
            let n = match rng.below(4) {
                0 => rng.below(40) as usize,
                1 => threshold - 1,
                2 => threshold + rng.below(5) as usize,
                _ => rng.below(3 * threshold.min(100_000) as u64) as usize,
            }
            .min(600_000);
            let mut t: Vec<i64> = (0..n).map(|_| rng.below(k as u64) as i64).collect();
            let mut p: Vec<i64> = (0..n).map(|_| rng.below(k as u64) as i64).collect();
            let ignored = match rng.below(5) {
                0 => Some(-1),
                1 => Some(255),
                2 => Some(0),
                3 => Some(k as i64),
                _ => None,
            };
            if let Some(i) = ignored {
                for _ in 0..n / 10 {
                    let at = rng.below(n as u64) as usize;
                    t[at] = i;
                    p[at] = -7; // never checked
                }
            }
            if n > 0 && rng.below(3) == 0 {
                let bad = [k as i64, (1i64 << shift) - 1, -1, 30_000][rng.below(4) as usize];
                let at = rng.below(n as u64) as usize;
                if rng.below(2) == 0 {
                    t[at] = bad
                } else {
                    p[at] = bad
                }
            }
            let case = format!("case {case}: k={k} n={n} ignored={ignored:?}");
            check::<i64>(k, &t, &p, ignored, &case);
            check::<i16>(k, &t, &p, ignored, &case);
        }
    }

    /// Every path names the same culprit: the first bad sample in input
    /// order, whatever the input's length or the method.
    #[test]
    fn the_first_bad_sample_is_reported_on_every_path() {
        let want = || ConfusionError::LabelOutOfRange {
            which: "predicted",
            index: 10,
            value: 3,
            k: 3,
        };
        // 30 samples count directly, 137 through the histogram kernel.
        for n in [30, 137] {
            let mut t = vec![0u32; n];
            let mut p = vec![0u32; n];
            p[10] = 3;
            t[20] = 8;
            let mut cm = ConfusionMatrix::new(3).unwrap();
            assert_eq!(cm.update(&t, &p), Err(want()), "n={n}");
            let weights = vec![1.0; n];
            assert_eq!(cm.update_weighted(&t, &p, &weights), Err(want()), "n={n}");
            assert_eq!(cm.total(), 0);
        }
    }

    /// Long weighted inputs count on the fast kernels and add the weights
    /// after: same counts and the same sums, in the same order, as one by
    /// one; on overflow nothing changes, and no plane appears.
    #[test]
    fn weighted_updates_on_the_kernels_match_one_by_one() {
        let mut rng = Rng(5);
        for (k, n) in [(2usize, 3_001usize), (10, 20_001), (200, 140_001)] {
            let t: Vec<u64> = labels(&mut rng, k, n)
                .into_iter()
                .enumerate()
                .map(|(i, x)| if i % 9 == 0 { 999 } else { x })
                .collect();
            let p = labels(&mut rng, k, n);
            let w: Vec<f64> = (0..n).map(|i| (i % 7) as f64 * 0.25).collect();
            let mut cm = ConfusionMatrix::new(k).unwrap().with_ignore_index(999);
            cm.update(&t[..10], &p[..10]).unwrap();
            cm.update_weighted(&t, &p, &w).unwrap();
            let mut counts = vec![0u64; k * k];
            let mut plane = vec![0.0; k * k];
            for i in (0..10).chain(0..n).filter(|&i| t[i] != 999) {
                counts[t[i] as usize * k + p[i] as usize] += 1;
            }
            for i in (0..10).filter(|&i| t[i] != 999) {
                plane[t[i] as usize * k + p[i] as usize] += 1.0;
            }
            for i in (0..n).filter(|&i| t[i] != 999) {
                plane[t[i] as usize * k + p[i] as usize] += w[i];
            }
            assert_eq!(cm.counts(), &counts[..], "k={k}");
            assert_eq!(cm.weighted_counts().unwrap(), &plane[..], "k={k}");
        }
        let mut full = ConfusionMatrix::from_counts(2, vec![u64::MAX, 0, 0, 0]).unwrap();
        let before = full.clone();
        let zeros = vec![0u8; 100];
        assert_eq!(
            full.update_weighted(&zeros, &zeros, &vec![1.0; 100]),
            Err(ConfusionError::Overflow)
        );
        assert_eq!(full, before);
    }

    /// `update_weighted` reports the first bad sample too, its weight after
    /// its labels, and never checks an ignored sample.
    #[test]
    fn weighted_updates_report_the_first_bad_sample() {
        let mut cm = ConfusionMatrix::new(3).unwrap().with_ignore_index(9);
        let (t, p) = ([0u8, 9, 1, 1, 5, 0], [0u8, 7, 1, 1, 0, 0]);
        let weights = [1.0, -1.0, 1.0, f64::NAN, 1.0, -2.0];
        // Sample 1 is ignored (its label 7 and weight -1 unchecked); sample 3
        // has the first bad weight, before sample 4's bad label.
        assert_eq!(
            cm.update_weighted(&t, &p, &weights)
                .unwrap_err()
                .to_string(),
            ConfusionError::BadWeight {
                index: 3,
                value: f64::NAN
            }
            .to_string()
        );
        let weights = [1.0, -1.0, 1.0, 1.0, 1.0, -2.0];
        assert!(matches!(
            cm.update_weighted(&t, &p, &weights),
            Err(ConfusionError::LabelOutOfRange {
                index: 4,
                value: 5,
                ..
            })
        ));
        assert_eq!(cm.total(), 0);
    }

    /// Negative narrow labels are sign-extended: with K = 200, `-100i8`
    /// must not be read as class 156 (its bits as `u8`).
    #[test]
    fn negative_narrow_labels_are_rejected_whatever_k() {
        let mut cm = ConfusionMatrix::new(200).unwrap();
        for n in [1usize, 140_001] {
            let mut t = vec![0i8; n];
            t[n - 1] = -100;
            let err = cm.update(&t, &vec![0i8; n]).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfusionError::LabelOutOfRange {
                        which: "true",
                        value: -100,
                        ..
                    }
                ),
                "n={n}: {err}"
            );
            let p = vec![-1i16; n];
            let err = cm.update(&vec![0i16; n], &p).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfusionError::LabelOutOfRange {
                        which: "predicted",
                        index: 0,
                        value: -1,
                        ..
                    }
                ),
                "n={n}: {err}"
            );
        }
        assert_eq!(cm.total(), 0);
        // Positive values of signed types still count.
        cm.update(&[199i16, 5], &[127i8, 0]).unwrap();
        assert_eq!((cm.count(199, 127), cm.count(5, 0)), (1, 1));
    }

    /// Long inputs take the histogram kernels, which skip ignored samples
    /// with a select: same counts as naive filtering, on both kernels, for
    /// an ignored label inside and outside 0..K, and the same errors.
    #[test]
    fn ignore_index_on_the_histogram_kernels_matches_naive_filtering() {
        let mut rng = Rng(11);
        for (k, n, ignored) in [
            (1, 1_001, 255i64),
            (2, 1_001, -100),
            (2, 1_001, 1),
            (10, 50_003, 255i64),
            (10, 50_003, 3),
            (200, 140_001, -100),
            (200, 140_001, 0),
        ] {
            let mut t = labels(&mut rng, k, n);
            let mut p = labels(&mut rng, k, n);
            for i in (0..n).step_by(7) {
                t[i] = ignored as u64;
                // Predictions of ignored samples are never checked.
                p[i] = 1 << 40;
            }
            let kept: Vec<(u64, u64)> = t
                .iter()
                .zip(&p)
                .filter(|(t, _)| **t != ignored as u64)
                .map(|(&t, &p)| (t, p))
                .collect();
            let (kt, kp): (Vec<u64>, Vec<u64>) = kept.into_iter().unzip();
            let want = naive(k, &kt, &kp);
            let t64: Vec<i64> = t.iter().map(|&x| x as i64).collect();
            let p64: Vec<i64> = p.iter().map(|&x| x as i64).collect();
            let mut cm = ConfusionMatrix::new(k).unwrap().with_ignore_index(ignored);
            cm.update(&t64, &p64).unwrap();
            assert_eq!(cm.counts(), &want[..], "k={k} ignored={ignored}");
            // A bad prediction of a counted sample is still reported, and
            // nothing is counted.
            let before = cm.clone();
            let mut bad = p64.clone();
            let at = (0..n).rev().find(|&i| t64[i] != ignored).unwrap();
            bad[at] = k as i64;
            let err = cm.update(&t64, &bad).unwrap_err();
            assert_eq!(
                err,
                ConfusionError::LabelOutOfRange {
                    which: "predicted",
                    index: at,
                    value: k as i128,
                    k
                },
                "k={k} ignored={ignored}"
            );
            assert_eq!(cm, before);
        }
    }

    #[test]
    fn weighted_updates_fill_both_planes() {
        let mut cm = ConfusionMatrix::new(2).unwrap();
        cm.update(&[0u8, 1], &[0u8, 0]).unwrap();
        assert_eq!(cm.weighted_counts(), None);
        cm.update_weighted(&[0u8, 1, 1], &[0u8, 1, 1], &[0.5, 2.0, 0.25])
            .unwrap();
        assert_eq!(cm.counts(), &[2, 0, 1, 2]);
        // The two earlier samples count with weight 1.
        assert_eq!(cm.weighted_counts().unwrap(), &[1.5, 0.0, 1.0, 2.25]);
        // Later unweighted samples also enter the plane with weight 1.
        cm.update(&[1u8], &[0u8]).unwrap();
        assert_eq!(cm.weighted_counts().unwrap(), &[1.5, 0.0, 2.0, 2.25]);
        // Long input takes the interleaved kernel and must keep the plane too.
        cm.update(&vec![0u8; 1000], &vec![1u8; 1000]).unwrap();
        assert_eq!(cm.weighted_counts().unwrap(), &[1.5, 1000.0, 2.0, 2.25]);
        let before = cm.clone();
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let err = cm
                .update_weighted(&[0u8, 0], &[0u8, 0], &[1.0, bad])
                .unwrap_err();
            assert!(matches!(err, ConfusionError::BadWeight { index: 1, .. }));
        }
        let err = cm
            .update_weighted(&[0u8, 0], &[0u8, 0], &[1.0])
            .unwrap_err();
        assert!(matches!(err, ConfusionError::LengthMismatch { .. }));
        let err = cm
            .update_weighted(&[0u8, 2], &[0u8, 0], &[1.0, 1.0])
            .unwrap_err();
        assert!(matches!(err, ConfusionError::LabelOutOfRange { .. }));
        assert_eq!(cm, before);
        cm.reset();
        assert_eq!(cm.total(), 0);
        assert_eq!(cm.weighted_counts().unwrap(), &[0.0; 4]);
    }

    #[test]
    fn scores_use_argmax_with_ties_to_the_lowest_index() {
        let mut cm = ConfusionMatrix::new(3).unwrap();
        let scores = [
            0.1,
            0.7,
            0.2, // → 1
            0.5,
            0.5,
            0.0, // tie → 0
            -3.0,
            -1.0,
            -1.0, // tie → 1
            f32::NEG_INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY, // → 2
        ];
        cm.update_from_scores(&[1u32, 2, 1, 2], &scores).unwrap();
        assert_eq!(cm.count(1, 1), 2);
        assert_eq!(cm.count(2, 0), 1);
        assert_eq!(cm.count(2, 2), 1);
        assert_eq!(cm.total(), 4);
        let before = cm.clone();
        let mut bad = scores;
        bad[7] = f32::NAN;
        let err = cm.update_from_scores(&[1u32, 2, 1, 2], &bad).unwrap_err();
        assert_eq!(err, ConfusionError::NanScore { row: 2, column: 1 });
        let err = cm.update_from_scores(&[1u32, 2, 1], &scores).unwrap_err();
        assert!(matches!(
            err,
            ConfusionError::LengthMismatch {
                left: 12,
                right: 9,
                ..
            }
        ));
        let err = cm
            .update_from_scores(&[1i32, 2, -1, 0], &scores)
            .unwrap_err();
        assert!(matches!(
            err,
            ConfusionError::LabelOutOfRange {
                index: 2,
                value: -1,
                ..
            }
        ));
        assert_eq!(cm, before);
    }

    #[test]
    fn scores_agree_with_labels_over_many_chunks() {
        let mut rng = Rng(11);
        let (k, n) = (7, SCORE_CHUNK_ROWS * 2 + 13);
        let t = labels(&mut rng, k, n);
        let scores: Vec<f32> = (0..n * k).map(|_| rng.below(1000) as f32 / 7.0).collect();
        let preds: Vec<u64> = scores.chunks(k).map(|r| u64::from(argmax(r))).collect();
        let mut from_scores = ConfusionMatrix::new(k).unwrap();
        from_scores.update_from_scores(&t, &scores).unwrap();
        assert_eq!(from_scores.counts(), &naive(k, &t, &preds)[..]);
    }

    #[test]
    fn overflow_is_an_error_and_changes_nothing() {
        let mut counts = vec![0; 4];
        counts[3] = u64::MAX;
        let mut cm = ConfusionMatrix::from_counts(2, counts).unwrap();
        let before = cm.clone();
        // Direct kernel: the overflow comes after two counted samples.
        assert_eq!(
            cm.update(&[0u8, 0, 1], &[0u8, 1, 1]),
            Err(ConfusionError::Overflow)
        );
        assert_eq!(cm, before);
        // Interleaved kernel.
        assert_eq!(
            cm.update(&vec![1u8; 1000], &vec![1u8; 1000]),
            Err(ConfusionError::Overflow)
        );
        assert_eq!(cm, before);
        let scores = [1.0f32, 0.0, 0.0, 1.0];
        assert_eq!(
            cm.update_from_scores(&[0u8, 1], &scores),
            Err(ConfusionError::Overflow)
        );
        assert_eq!(cm, before);
        // The overflow comes in the second chunk of scores: the first is undone.
        let n = SCORE_CHUNK_ROWS + 1;
        let mut labels = vec![0u8; n];
        labels[n - 1] = 1;
        let mut scores = [1.0f32, 0.0].repeat(n);
        scores[2 * n - 2..].copy_from_slice(&[0.0, 1.0]);
        assert_eq!(
            cm.update_from_scores(&labels, &scores),
            Err(ConfusionError::Overflow)
        );
        assert_eq!(cm, before);
        let one = ConfusionMatrix::from_counts(2, vec![0, 0, 0, 1]).unwrap();
        assert_eq!(cm.merge(&one), Err(ConfusionError::Overflow));
        assert_eq!(cm, before);
    }

    fn random_matrix(rng: &mut Rng, k: usize) -> ConfusionMatrix {
        let counts = (0..k * k).map(|_| rng.below(1 << 40)).collect();
        let mut cm = ConfusionMatrix::from_counts(k, counts).unwrap();
        if rng.below(2) == 0 {
            // Integer weights keep f64 sums exact, so equality is exact.
            let t = labels(rng, k, 50);
            let p = labels(rng, k, 50);
            let w: Vec<f64> = (0..50).map(|_| rng.below(10) as f64).collect();
            cm.update_weighted(&t, &p, &w).unwrap();
        }
        cm
    }

    fn merged(a: &ConfusionMatrix, b: &ConfusionMatrix) -> ConfusionMatrix {
        let mut out = a.clone();
        out.merge(b).unwrap();
        out
    }

    #[test]
    fn merge_is_associative_and_commutative() {
        let mut rng = Rng(3);
        for round in 0..200 {
            let k = 1 + (round % 9);
            let (a, b, c) = (
                random_matrix(&mut rng, k),
                random_matrix(&mut rng, k),
                random_matrix(&mut rng, k),
            );
            assert_eq!(merged(&a, &b), merged(&b, &a), "commutative, k={k}");
            assert_eq!(
                merged(&merged(&a, &b), &c),
                merged(&a, &merged(&b, &c)),
                "associative"
            );
            let sum = merged(&a, &b);
            for i in 0..k * k {
                assert_eq!(sum.counts()[i], a.counts()[i] + b.counts()[i]);
            }
        }
    }

    #[test]
    fn merge_rejects_different_shapes_and_names() {
        let mut a = ConfusionMatrix::with_class_names(["cat", "dog"]).unwrap();
        a.update(&[0u8], &[1u8]).unwrap();
        let before = a.clone();
        let err = a.merge(&ConfusionMatrix::new(3).unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot merge matrices: 2 classes vs 3 classes"
        );
        let err = a
            .merge(&ConfusionMatrix::with_class_names(["cat", "bird"]).unwrap())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("class 1 is named \"dog\" here and \"bird\"")
        );
        assert_eq!(a, before);
    }

    #[test]
    fn serde_round_trip_keeps_everything() {
        let mut cm = ConfusionMatrix::with_class_names(["a|b", "ß", "c"])
            .unwrap()
            .with_ignore_index(-1);
        cm.update_weighted(&[0i32, 1, 2, -1], &[1i32, 1, 2, 0], &[0.5, 1.0, 2.0, 9.0])
            .unwrap();
        let json = serde_json::to_string(&cm).unwrap();
        assert!(json.contains(r#""schema_version":1"#), "{json}");
        assert!(
            json.contains(r#""orientation":"rows_are_true_labels""#),
            "{json}"
        );
        assert!(
            json.contains(r#""counts":[[0,1,0],[0,1,0],[0,0,1]]"#),
            "{json}"
        );
        let back: ConfusionMatrix = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cm);
        let plain = ConfusionMatrix::new(2).unwrap();
        let json = serde_json::to_string(&plain).unwrap();
        assert!(
            !json.contains("weighted") && !json.contains("ignore_index"),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<ConfusionMatrix>(&json).unwrap(),
            plain
        );
    }

    #[test]
    fn deserialisation_rejects_bad_records_with_clear_errors() {
        let base = r#"{"schema_version":1,"orientation":"rows_are_true_labels","classes":["a","b"],"counts":[[1,2],[3,4]]}"#;
        assert_eq!(
            serde_json::from_str::<ConfusionMatrix>(base)
                .unwrap()
                .total(),
            10
        );
        let cases = [
            (
                base.replace(r#""schema_version":1"#, r#""schema_version":2"#),
                "schema version 2 is not supported",
            ),
            (
                base.replace("rows_are_true_labels", "rows_are_predicted_labels"),
                "orientation \"rows_are_predicted_labels\"",
            ),
            (
                base.replace("[[1,2],[3,4]]", "[[1,2],[3]]"),
                "counts row 1 has 1 entries, expected 2",
            ),
            (
                base.replace("[[1,2],[3,4]]", "[[1,2]]"),
                "counts has 1 rows, expected 2",
            ),
            (base.replace(r#"["a","b"]"#, r#"[]"#), "at least one class"),
            (
                base.replace(r#""counts""#, r#""weighted":[[1,-2],[0,0]],"counts""#),
                "weight -2 at index 1",
            ),
            (
                base.replace(r#""counts""#, r#""extra":1,"counts""#),
                "unknown field `extra`",
            ),
            (
                base.replace("[[1,2],[3,4]]", "[[1,2],[3,-4]]"),
                "invalid value",
            ),
        ];
        for (json, want) in cases {
            let err = serde_json::from_str::<ConfusionMatrix>(&json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{json}: {err}");
        }
    }

    #[test]
    fn class_names_must_be_distinct() {
        match ConfusionMatrix::with_class_names(["x", "y", "x"]) {
            Err(ConfusionError::DuplicateClassName {
                name,
                first: 0,
                second: 2,
            }) => assert_eq!(name, "x"),
            other => panic!("{other:?}"),
        }
        let mut cm = ConfusionMatrix::new(2).unwrap();
        assert!(matches!(
            cm.set_class_names(["a", "a"]),
            Err(ConfusionError::DuplicateClassName { .. })
        ));
        assert_eq!(cm.class_names(), ["0", "1"], "unchanged on error");
    }
}
