//! Per-class histograms of scores: the counts behind the precision–recall
//! curves, kept in the matrix so a curve costs O(K × N) per step, never a
//! sort of the predictions.
//!
//! For each class `c`, one-vs-rest: how many samples of class `c`
//! (positives) and of any other class (negatives) gave `c` a probability in
//! bucket `b = floor(p × (N − 1))`, `N` = [`NUM_THRESHOLDS`]. That is exactly
//! how TensorBoard's `pr_curve.summary.pb` buckets scores, so the reverse
//! cumulative sums are the exact TP and FP counts at the thresholds
//! `b / (N − 1)` ([`PrCurve`](super::pr_curve::PrCurve)).
//!
//! Scores are read per row: a row of probabilities (every entry in [0, 1],
//! summing to 1 within [`PROBABILITY_SUM_TOLERANCE`]) is used as it is, any
//! other row is taken for logits and goes through a softmax first, unless a
//! [`ScoreKind`] other than `Auto` says which they are.

use serde::{Deserialize, Serialize};

use super::matrix::ConfusionError;
use super::pr_curve::{NUM_THRESHOLDS, PrCurve};

/// How far from 1 the sum of a row may be for `ScoreKind::Auto` to take it
/// for probabilities.
pub const PROBABILITY_SUM_TOLERANCE: f32 = 1e-3;

/// What the score rows given to
/// [`update_from_scores`](super::ConfusionMatrix::update_from_scores) are;
/// set with [`with_score_kind`](super::ConfusionMatrix::with_score_kind).
/// The prediction is the argmax either way; this only decides the
/// probabilities behind the PR curves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ScoreKind {
    /// Guess per row: a row with every entry in [0, 1] summing to 1 within
    /// [`PROBABILITY_SUM_TOLERANCE`] is probabilities, any other row logits.
    #[default]
    Auto,
    /// Probabilities, used as they are (clamped to [0, 1], as TensorBoard's
    /// `pr_curve.op` does).
    #[serde(rename = "probs")]
    #[cfg_attr(feature = "clap", value(name = "probs"))]
    Probabilities,
    /// Logits: every row goes through a softmax.
    Logits,
}

/// Per class, N-bucket histograms of that class's probability over its
/// positives and its negatives: each class's one-vs-rest counts by bucket
/// `floor(p × 200)` of its probability `p`, TensorBoard's bucketing.
///
/// Every sample adds one to one bucket of every class, so each class's
/// buckets sum to the same number of rows; that invariant is checked when a
/// histogram is built from parts and keeps every bucket below `u64::MAX`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreHistogram {
    classes: usize,
    /// K × N, row `c` is class `c`'s positives by bucket.
    positives: Vec<u64>,
    /// K × N, row `c` is class `c`'s negatives by bucket.
    negatives: Vec<u64>,
    /// Rows added: the sum of every class's buckets.
    rows: u64,
}

impl ScoreHistogram {
    /// An empty histogram over `num_classes` classes.
    pub fn new(num_classes: usize) -> Self {
        ScoreHistogram {
            classes: num_classes,
            positives: vec![0; num_classes * NUM_THRESHOLDS],
            negatives: vec![0; num_classes * NUM_THRESHOLDS],
            rows: 0,
        }
    }

    /// A histogram from its buckets: K × N row-major positives and
    /// negatives (N = [`NUM_THRESHOLDS`]).
    ///
    /// # Errors
    ///
    /// [`ConfusionError::ScoreHistogramShape`] when a plane is not K × N
    /// long, [`ConfusionError::ScoreHistogramRows`] when the classes' buckets
    /// do not all sum to the same number of rows (each row adds one bucket
    /// to every class), [`ConfusionError::Overflow`] when a sum passes
    /// `u64::MAX`.
    pub fn from_parts(
        num_classes: usize,
        positives: Vec<u64>,
        negatives: Vec<u64>,
    ) -> Result<Self, ConfusionError> {
        let expected = num_classes * NUM_THRESHOLDS;
        for (what, plane) in [("positives", &positives), ("negatives", &negatives)] {
            if plane.len() != expected {
                return Err(ConfusionError::ScoreHistogramShape {
                    what,
                    got: plane.len(),
                    expected,
                });
            }
        }
        let mut rows = None;
        for class in 0..num_classes {
            let range = class * NUM_THRESHOLDS..(class + 1) * NUM_THRESHOLDS;
            let sum = positives[range.clone()]
                .iter()
                .chain(&negatives[range])
                .try_fold(0u64, |sum, &c| sum.checked_add(c))
                .ok_or(ConfusionError::Overflow)?;
            match rows {
                None => rows = Some(sum),
                Some(first) if first != sum => {
                    return Err(ConfusionError::ScoreHistogramRows {
                        class,
                        got: sum,
                        expected: first,
                    });
                }
                Some(_) => {}
            }
        }
        Ok(ScoreHistogram {
            classes: num_classes,
            positives,
            negatives,
            rows: rows.unwrap_or(0),
        })
    }

    /// Number of classes, K.
    pub fn num_classes(&self) -> usize {
        self.classes
    }

    /// Rows (samples) added.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Class `class`'s positives by bucket (N entries), `None` past K.
    pub fn positives(&self, class: usize) -> Option<&[u64]> {
        self.positives
            .get(class * NUM_THRESHOLDS..(class + 1) * NUM_THRESHOLDS)
    }

    /// Class `class`'s negatives by bucket (N entries), `None` past K.
    pub fn negatives(&self, class: usize) -> Option<&[u64]> {
        self.negatives
            .get(class * NUM_THRESHOLDS..(class + 1) * NUM_THRESHOLDS)
    }

    /// All positives, K × N row-major.
    pub fn positive_buckets(&self) -> &[u64] {
        &self.positives
    }

    /// All negatives, K × N row-major.
    pub fn negative_buckets(&self) -> &[u64] {
        &self.negatives
    }

    /// Class `class`'s one-vs-rest precision–recall curve, `None` past K.
    pub fn curve(&self, class: usize) -> Option<PrCurve> {
        Some(PrCurve::from_buckets(
            self.positives(class)?,
            self.negatives(class)?,
        ))
    }

    /// Adds one sample: its true class and its K scores, read as `kind`
    /// says.
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::confusion::{ScoreHistogram, ScoreKind};
    /// let mut histogram = ScoreHistogram::new(2);
    /// histogram.add_row(1, &[0.25, 0.75], ScoreKind::Auto)?;
    /// assert_eq!(histogram.positives(1).unwrap()[150], 1); // floor(0.75 × 200)
    /// assert_eq!(histogram.negatives(0).unwrap()[50], 1);
    /// # Ok::<(), tbconfusion::ConfusionError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfusionError::LengthMismatch`] unless there are K scores,
    /// [`ConfusionError::LabelOutOfRange`] for a true class past K,
    /// [`ConfusionError::NanScore`] for a NaN (row 0),
    /// [`ConfusionError::Overflow`] past `u64::MAX` rows. The histogram is
    /// then unchanged.
    pub fn add_row(
        &mut self,
        true_class: usize,
        scores: &[f32],
        kind: ScoreKind,
    ) -> Result<(), ConfusionError> {
        if scores.len() != self.classes {
            return Err(ConfusionError::LengthMismatch {
                what: "scores and classes",
                left: scores.len(),
                right: self.classes,
            });
        }
        if true_class >= self.classes {
            return Err(ConfusionError::LabelOutOfRange {
                which: "true",
                index: 0,
                value: true_class as i128,
                k: self.classes,
            });
        }
        if let Some(column) = scores.iter().position(|s| s.is_nan()) {
            return Err(ConfusionError::NanScore { row: 0, column });
        }
        self.reserve_rows(1)?;
        let mut probabilities = vec![0.0; self.classes];
        self.add_checked_row(true_class, scores, kind, &mut probabilities);
        Ok(())
    }

    /// Fails with [`ConfusionError::Overflow`] unless `more` rows fit; then
    /// no bucket can overflow while they are added.
    pub(crate) fn reserve_rows(&self, more: usize) -> Result<(), ConfusionError> {
        self.rows
            .checked_add(more as u64)
            .map(|_| ())
            .ok_or(ConfusionError::Overflow)
    }

    /// Adds a row already checked (K scores, no NaN, class in range, room
    /// reserved); `probabilities` is K long scratch space.
    #[inline]
    pub(crate) fn add_checked_row(
        &mut self,
        true_class: usize,
        scores: &[f32],
        kind: ScoreKind,
        probabilities: &mut [f32],
    ) {
        let logits = match kind {
            ScoreKind::Auto => !is_probability_row(scores),
            ScoreKind::Probabilities => false,
            ScoreKind::Logits => true,
        };
        let probabilities: &[f32] = if logits {
            softmax(scores, probabilities);
            probabilities
        } else {
            scores
        };
        // Every class gets a negative, then the true class's moves to the
        // positives: no branch per class.
        for (class, &p) in probabilities.iter().enumerate() {
            self.negatives[class * NUM_THRESHOLDS + bucket(p)] += 1;
        }
        let at = true_class * NUM_THRESHOLDS + bucket(probabilities[true_class]);
        self.negatives[at] -= 1;
        self.positives[at] += 1;
        self.rows += 1;
    }

    /// Zeroes every bucket.
    pub(crate) fn reset(&mut self) {
        self.positives.iter_mut().for_each(|c| *c = 0);
        self.negatives.iter_mut().for_each(|c| *c = 0);
        self.rows = 0;
    }

    /// The bucket-wise sum of two histograms over the same classes.
    ///
    /// # Errors
    ///
    /// [`ConfusionError::Incompatible`] when the class counts differ,
    /// [`ConfusionError::Overflow`] when the rows would pass `u64::MAX`.
    pub fn merged(&self, other: &Self) -> Result<Self, ConfusionError> {
        if self.classes != other.classes {
            return Err(ConfusionError::Incompatible(format!(
                "score histograms over {} and {} classes",
                self.classes, other.classes
            )));
        }
        // Every bucket is at most `rows`, so checking the rows checks them all.
        let rows = self
            .rows
            .checked_add(other.rows)
            .ok_or(ConfusionError::Overflow)?;
        let add = |a: &[u64], b: &[u64]| a.iter().zip(b).map(|(x, y)| x + y).collect();
        Ok(ScoreHistogram {
            classes: self.classes,
            positives: add(&self.positives, &other.positives),
            negatives: add(&self.negatives, &other.negatives),
            rows,
        })
    }
}

/// Whether `ScoreKind::Auto` takes `row` for probabilities: every entry in
/// [0, 1] and a sum within [`PROBABILITY_SUM_TOLERANCE`] of 1.
pub fn is_probability_row(row: &[f32]) -> bool {
    let mut in_range = true;
    let mut sum = 0.0f32;
    for &s in row {
        in_range &= (0.0..=1.0).contains(&s);
        sum += s;
    }
    in_range && (sum - 1.0).abs() <= PROBABILITY_SUM_TOLERANCE
}

/// Softmax of `logits` into `out`, in `f32` (the bucketing is in `f32`, as
/// TensorBoard's). Infinite logits are fine: the largest entries share the
/// mass when it is `+∞`, and an all-`−∞` row is uniform.
fn softmax(logits: &[f32], out: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for (o, &x) in out.iter_mut().zip(logits) {
        // `x == max` also covers ±∞, where `x - max` would be NaN.
        *o = if x == max { 1.0 } else { (x - max).exp() };
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// TensorBoard's bucket of a probability: `floor(p × (N − 1))` in `f32`,
/// with `p` clamped to [0, 1].
#[inline]
pub fn bucket(p: f32) -> usize {
    // Non-negative after the clamp, so truncation is the floor (without a
    // call to `floorf`, which the baseline x86-64 target lacks as an
    // instruction); at most N - 1.
    (p.clamp(0.0, 1.0) * (NUM_THRESHOLDS - 1) as f32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_tensorboard() {
        assert_eq!(bucket(0.0), 0);
        assert_eq!(bucket(1.0), 200);
        assert_eq!(bucket(0.999), 199);
        assert_eq!(bucket(0.5), 100);
        assert_eq!(bucket(-3.0), 0);
        assert_eq!(bucket(7.0), 200);
    }

    #[test]
    fn rows_are_guessed_and_softmaxed() {
        assert!(is_probability_row(&[0.2, 0.3, 0.5]));
        assert!(is_probability_row(&[0.2, 0.3, 0.5009]));
        assert!(!is_probability_row(&[0.2, 0.3, 0.6]));
        assert!(!is_probability_row(&[-0.5, 0.5, 1.0]));
        let mut h = ScoreHistogram::new(2);
        // Logits [0, 0] are not probabilities: softmax gives 0.5 each.
        h.add_row(0, &[0.0, 0.0], ScoreKind::Auto).unwrap();
        assert_eq!(h.positives(0).unwrap()[100], 1);
        assert_eq!(h.negatives(1).unwrap()[100], 1);
        // Forced probabilities: the same row is two zeros.
        h.add_row(0, &[0.0, 0.0], ScoreKind::Probabilities).unwrap();
        assert_eq!(h.positives(0).unwrap()[0], 1);
        // Forced logits: a probability-looking row is softmaxed.
        h.add_row(1, &[0.0, 1.0], ScoreKind::Logits).unwrap();
        let p1 = 1.0 / (1.0 + (-1.0f32).exp());
        assert_eq!(h.positives(1).unwrap()[bucket(p1)], 1);
        // Infinite logits.
        h.add_row(1, &[f32::NEG_INFINITY, f32::INFINITY], ScoreKind::Auto)
            .unwrap();
        assert_eq!(h.positives(1).unwrap()[200], 1);
        assert_eq!(h.rows(), 4);
        for class in 0..2 {
            let total: u64 = h.positives(class).unwrap().iter().sum::<u64>()
                + h.negatives(class).unwrap().iter().sum::<u64>();
            assert_eq!(total, 4);
        }
    }

    #[test]
    fn bad_rows_change_nothing() {
        let mut h = ScoreHistogram::new(2);
        let before = h.clone();
        assert!(matches!(
            h.add_row(0, &[0.5], ScoreKind::Auto),
            Err(ConfusionError::LengthMismatch { .. })
        ));
        assert!(matches!(
            h.add_row(2, &[0.5, 0.5], ScoreKind::Auto),
            Err(ConfusionError::LabelOutOfRange { .. })
        ));
        assert_eq!(
            h.add_row(0, &[0.5, f32::NAN], ScoreKind::Auto),
            Err(ConfusionError::NanScore { row: 0, column: 1 })
        );
        assert_eq!(h, before);
    }

    #[test]
    fn from_parts_checks_the_shape_and_the_rows() {
        let n = NUM_THRESHOLDS;
        let mut pos = vec![0u64; 2 * n];
        let mut neg = vec![0u64; 2 * n];
        pos[3] = 2;
        neg[n + 7] = 1;
        let err = ScoreHistogram::from_parts(2, pos.clone(), neg.clone()).unwrap_err();
        assert_eq!(
            err,
            ConfusionError::ScoreHistogramRows {
                class: 1,
                got: 1,
                expected: 2
            }
        );
        neg[n + 8] = 1;
        let h = ScoreHistogram::from_parts(2, pos.clone(), neg.clone()).unwrap();
        assert_eq!(h.rows(), 2);
        assert!(matches!(
            ScoreHistogram::from_parts(2, pos[..n].to_vec(), neg),
            Err(ConfusionError::ScoreHistogramShape {
                what: "positives",
                ..
            })
        ));
        let merged = h.merged(&h).unwrap();
        assert_eq!((merged.rows(), merged.positives(0).unwrap()[3]), (4, 4));
        assert!(h.merged(&ScoreHistogram::new(3)).is_err());
    }
}
