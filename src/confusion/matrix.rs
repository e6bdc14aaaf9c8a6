//! The confusion matrix itself: exact counts, class names, normalisation.
//!
//! Rows are true classes and columns predicted classes, as in scikit-learn,
//! torchmetrics and TensorFlow: `count(t, p)` is how often class `t` was
//! predicted as `p`.

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use super::label::Label;
use super::score_histogram::{ScoreHistogram, ScoreKind};

/// What a matrix cell is divided by when the matrix is normalised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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
#[non_exhaustive]
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
        "confusion matrix schema version {found} is not supported (this build reads versions 1 to {supported})"
    )]
    UnsupportedVersion {
        /// Version found in the input.
        found: u32,
        /// The newest version this build reads and writes.
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
    /// A score histogram (or its serialised form) has the wrong length.
    #[error("score histogram: {what} has {got} entries, expected {expected}")]
    ScoreHistogramShape {
        /// Which part: `"positives"`, `"negatives"` (K × 201 buckets) or
        /// `"num_thresholds"`.
        what: &'static str,
        /// Entries found.
        got: usize,
        /// Entries expected.
        expected: usize,
    },
    /// A score histogram whose classes do not all hold the same number of
    /// rows (every sample adds one bucket to every class).
    #[error(
        "score histogram: class {class}'s buckets sum to {got} rows, but class 0's to {expected}; \
         every sample adds one to every class"
    )]
    ScoreHistogramRows {
        /// The first class that disagrees with class 0.
        class: usize,
        /// Its rows.
        got: u64,
        /// Class 0's rows.
        expected: u64,
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
fn check_distinct(names: &[String]) -> Result<(), ConfusionError> {
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
/// [`serialized`](crate::confusion::serialized)), so partial matrices can be
/// shipped between processes and [merged](Self::merge).
#[derive(Clone, Debug, PartialEq)]
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
    /// Per-class histograms of the scores given to `update_from_scores`,
    /// behind the PR curves; `None` until scores are first given.
    pub(crate) scores: Option<ScoreHistogram>,
    /// How `update_from_scores` reads its scores.
    pub(crate) score_kind: ScoreKind,
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
            scores: None,
            score_kind: ScoreKind::Auto,
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

    /// A matrix from all its parts: one name per class, dense row-major
    /// counts (`counts[t * K + p]`), and optionally the weighted plane, the
    /// per-cell sums of sample weights (which count every sample, unweighted
    /// ones with weight 1). For counts aggregated elsewhere (an engine's
    /// `GROUP BY`, a dump converter); the ignore index is set with
    /// [`with_ignore_index`](Self::with_ignore_index).
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::ConfusionMatrix;
    /// let cm = ConfusionMatrix::from_parts(
    ///     vec!["cat".into(), "dog".into()],
    ///     vec![5, 1, 0, 4],
    ///     Some(vec![4.5, 1.0, 0.0, 4.0]),
    /// )?;
    /// assert_eq!((cm.count(0, 1), cm.weighted_counts().unwrap()[0]), (1, 4.5));
    /// # Ok::<(), tbconfusion::ConfusionError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// No classes, duplicate names, `counts` or the plane not of length K²
    /// ([`ConfusionError::WrongCountLength`]), or a weighted sum that is
    /// negative or not finite ([`ConfusionError::BadWeight`], naming its
    /// row-major index).
    pub fn from_parts(
        class_names: Vec<String>,
        counts: Vec<u64>,
        weighted: Option<Vec<f64>>,
    ) -> Result<Self, ConfusionError> {
        let k = class_names.len();
        let mut cm = ConfusionMatrix::from_counts(k, counts)?;
        check_distinct(&class_names)?;
        cm.classes = class_names;
        if let Some(plane) = weighted {
            if plane.len() != k * k {
                return Err(ConfusionError::WrongCountLength {
                    k,
                    expected: k * k,
                    got: plane.len(),
                });
            }
            if let Some((index, &value)) = plane
                .iter()
                .enumerate()
                .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
            {
                return Err(ConfusionError::BadWeight { index, value });
            }
            cm.weighted = Some(plane);
        }
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

    /// Sets how [`update_from_scores`](Self::update_from_scores) reads
    /// its scores for the PR curves (default [`ScoreKind::Auto`]: per row,
    /// probabilities if every entry is in [0, 1] and they sum to 1 within
    /// 1e-3, else logits, which go through a softmax). The predictions are
    /// the argmax whatever the kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::ConfusionMatrix;
    /// use tbconfusion::confusion::ScoreKind;
    /// // Logits that happen to look like probabilities are still softmaxed.
    /// let mut cm = ConfusionMatrix::new(2)?.with_score_kind(ScoreKind::Logits);
    /// cm.update_from_scores(&[1u8], &[0.0, 1.0])?;
    /// let curve = cm.score_histogram().unwrap().curve(1).unwrap();
    /// assert_eq!(curve.true_positives[146], 1.0); // softmax: 0.731
    /// assert_eq!(curve.true_positives[147], 0.0);
    /// # Ok::<(), tbconfusion::ConfusionError>(())
    /// ```
    pub fn with_score_kind(mut self, kind: ScoreKind) -> Self {
        self.score_kind = kind;
        self
    }

    /// How [`update_from_scores`](Self::update_from_scores) reads scores.
    pub fn score_kind(&self) -> ScoreKind {
        self.score_kind
    }

    /// The per-class score histograms behind the PR curves: present once
    /// scores were given ([`update_from_scores`](Self::update_from_scores),
    /// a merge, or [`with_score_histogram`](Self::with_score_histogram)).
    /// They cover the samples counted with scores only.
    pub fn score_histogram(&self) -> Option<&ScoreHistogram> {
        self.scores.as_ref()
    }

    /// Attaches score histograms gathered elsewhere (a dump converter),
    /// replacing any held.
    ///
    /// # Errors
    ///
    /// [`ConfusionError::Incompatible`] when the histogram's number of
    /// classes is not K.
    pub fn with_score_histogram(
        mut self,
        histogram: ScoreHistogram,
    ) -> Result<Self, ConfusionError> {
        if histogram.num_classes() != self.num_classes() {
            return Err(ConfusionError::Incompatible(format!(
                "a score histogram over {} classes for a matrix of {}",
                histogram.num_classes(),
                self.num_classes()
            )));
        }
        self.scores = Some(histogram);
        Ok(self)
    }

    /// Sets all counts (and weighted sums, and score histograms) back to
    /// zero, keeping the class names, the ignore index and the score kind.
    pub fn reset(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        if let Some(w) = &mut self.weighted {
            w.iter_mut().for_each(|c| *c = 0.0);
        }
        if let Some(scores) = &mut self.scores {
            scores.reset();
        }
    }

    /// Adds the counts (and weighted sums, and score histograms) of `other`
    /// to `self`.
    ///
    /// Exact on counts, so merging is associative and commutative: workers
    /// can count shards and merge in any order. Weighted sums are `f64`
    /// additions, exact while they are integers below 2⁵³.
    ///
    /// # Examples
    ///
    /// Data-parallel evaluation: each worker counts its shard, then one
    /// matrix takes them all (the serde form ships them between processes).
    ///
    /// ```
    /// use tbconfusion::ConfusionMatrix;
    /// let mut total = ConfusionMatrix::with_class_names(["cat", "dog"])?;
    /// for (y_true, y_pred) in [([0u8, 1], [0u8, 1]), ([1, 1], [0, 1])] {
    ///     let mut shard = ConfusionMatrix::with_class_names(["cat", "dog"])?;
    ///     shard.update(&y_true, &y_pred)?;
    ///     total.merge(&shard)?;
    /// }
    /// assert_eq!(total.counts(), &[1, 0, 1, 2]);
    /// # Ok::<(), tbconfusion::ConfusionError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfusionError::Incompatible`] when the number of classes or the
    /// class names differ, [`ConfusionError::Overflow`] when a count would
    /// pass `u64::MAX`; `self` is then unchanged.
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
        // A side without scores adds none: the histograms cover the samples
        // that came with scores.
        let scores = match (&self.scores, &other.scores) {
            (Some(a), Some(b)) => Some(a.merged(b)?),
            (a, b) => a.as_ref().or(b.as_ref()).cloned(),
        };
        self.counts = counts;
        self.weighted = weighted;
        self.scores = scores;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(rng: &mut fastrand::Rng, k: usize, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.u64(..k as u64)).collect()
    }

    fn random_matrix(rng: &mut fastrand::Rng, k: usize) -> ConfusionMatrix {
        let counts = (0..k * k).map(|_| rng.u64(..1 << 40)).collect();
        let mut cm = ConfusionMatrix::from_counts(k, counts).unwrap();
        if rng.u64(..2) == 0 {
            // Integer weights keep f64 sums exact, so equality is exact.
            let t = labels(rng, k, 50);
            let p = labels(rng, k, 50);
            let w: Vec<f64> = (0..50).map(|_| rng.u64(..10) as f64).collect();
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
        let mut rng = fastrand::Rng::with_seed(3);
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
