//! The counting engine behind [`ConfusionMatrix::update`] and its siblings:
//! label checks, the choice between direct counting and the histogram
//! kernels of [`kernel`](super::kernel), weights, and argmax over scores.
//! Every path leaves the matrix unchanged on error and names the first bad
//! sample in input order.

use super::kernel::{
    FlushFailed, INTERLEAVE_MAX_SHIFT, Skip, WAYS, count_interleaved_dyn, count_single, flush,
};
use super::label::Label;
use super::matrix::{ConfusionError, ConfusionMatrix};
use super::score_histogram::ScoreHistogram;

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
    /// Counts one prediction per sample: `y_true[i]` was predicted as
    /// `y_pred[i]`.
    ///
    /// Labels may be any primitive integer type, the two slices of
    /// different types. Runs in linear time with O(K²) extra memory (about a
    /// billion labels a second at K = 10).
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::ConfusionMatrix;
    /// let mut cm = ConfusionMatrix::with_class_names(["cat", "dog"])?;
    /// cm.update(&[0u8, 1, 1], &[0i64, 0, 1])?;
    /// assert_eq!((cm.count(1, 0), cm.total()), (1, 3));
    ///
    /// let err = cm.update(&[0, 1], &[2, 0]).unwrap_err();
    /// assert_eq!(err.to_string(), "predicted label 2 at index 0 is outside 0..2");
    /// assert_eq!(cm.total(), 3); // unchanged
    /// # Ok::<(), tbconfusion::ConfusionError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfusionError::LengthMismatch`] when the slices differ in length,
    /// [`ConfusionError::LabelOutOfRange`] naming the first bad sample (its
    /// index and value; its true label is checked before its prediction) and
    /// [`ConfusionError::Overflow`] when a count would pass `u64::MAX`. On
    /// any error the matrix is unchanged: counts reach it only once every
    /// label has passed. Samples whose true label is the
    /// [ignore index](ConfusionMatrix::with_ignore_index) are skipped
    /// unchecked.
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
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::ConfusionMatrix;
    /// let mut cm = ConfusionMatrix::new(2)?;
    /// cm.update_weighted(&[0u8, 1], &[0u8, 0], &[2.0, 0.5])?;
    /// assert_eq!(cm.weighted_counts(), Some(&[2.0, 0.0, 0.5, 0.0][..]));
    /// # Ok::<(), tbconfusion::ConfusionError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`update`](Self::update), plus [`ConfusionError::BadWeight`] for
    /// the first negative or non-finite weight; the first bad sample in input
    /// order is named (labels, then weight). The matrix is then unchanged.
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

    /// Counts predictions given as scores: `scores` is N×K row-major (logits
    /// or probabilities) and the prediction of row `i` is its argmax, the
    /// lowest index on ties.
    ///
    /// Also adds every counted row to the matrix's
    /// [score histograms](ConfusionMatrix::score_histogram), from which
    /// logging draws a precision–recall curve per class
    /// ([`PrCurve`](super::PrCurve)). There, a row is read as the
    /// [score kind](ConfusionMatrix::with_score_kind) says; by default a row
    /// with every entry in [0, 1] summing to 1 within 1e-3 is probabilities
    /// and any other row logits, which go through a softmax. This costs
    /// O(K) per row on top of the argmax (see BENCHMARKS.md).
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::ConfusionMatrix;
    /// let mut cm = ConfusionMatrix::new(3)?;
    /// let logits = [2.0, 0.1, -1.0, /* */ 0.3, 0.2, 0.9];
    /// cm.update_from_scores(&[0u32, 1], &logits)?;
    /// assert_eq!((cm.count(0, 0), cm.count(1, 2)), (1, 1));
    /// # Ok::<(), tbconfusion::ConfusionError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfusionError::LengthMismatch`] unless `scores` has K entries per
    /// label, [`ConfusionError::NanScore`] for a NaN anywhere (even in a row
    /// that would be ignored, because it means the model output is broken),
    /// and the label and overflow errors of [`update`](Self::update). On
    /// error the matrix is unchanged.
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
        // Room in the histogram first: once the counts are in, adding to it
        // cannot fail, so the matrix changes all at once or not at all.
        if let Some(histogram) = &self.scores {
            histogram.reserve_rows(y_true.len())?;
        }
        self.count_scores(y_true, scores, ignored)?;
        let kind = self.score_kind;
        let histogram = self.scores.get_or_insert_with(|| ScoreHistogram::new(k));
        let mut probabilities = vec![0.0f32; k];
        for (&t, row) in y_true.iter().zip(scores.chunks_exact(k)) {
            if Some(t) != ignored {
                let class = t.to_u64_wrapping() as usize;
                histogram.add_checked_row(class, row, kind, &mut probabilities);
            }
        }
        Ok(())
    }

    /// The counting half of [`update_from_scores`](Self::update_from_scores):
    /// argmax per row, counted chunk by chunk, all undone on error.
    fn count_scores<T: Label>(
        &mut self,
        y_true: &[T],
        scores: &[f32],
        ignored: Option<T>,
    ) -> Result<(), ConfusionError> {
        let k = self.num_classes();
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
                *pred = argmax(row).unwrap_or(0) as u32;
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

/// The index of the largest score, the lowest one on ties (as
/// `numpy.argmax`); `None` for an empty row. Used by
/// [`ConfusionMatrix::update_from_scores`], and by `tbconfusion convert`
/// for score columns.
///
/// NaN compares false with everything, so check for it first (both callers
/// reject NaN scores before they get here).
///
/// ```
/// use tbconfusion::confusion::argmax;
/// assert_eq!(argmax(&[0.1f32, 0.7, 0.7]), Some(1));
/// assert_eq!(argmax::<f64>(&[]), None);
/// ```
#[inline]
pub fn argmax<S: PartialOrd + Copy>(scores: &[S]) -> Option<usize> {
    let (&first, rest) = scores.split_first()?;
    // The best value stays in a register rather than being reloaded.
    let (mut best, mut best_value) = (0usize, first);
    for (j, &s) in rest.iter().enumerate() {
        if s > best_value {
            (best, best_value) = (j + 1, s);
        }
    }
    Some(best)
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

    fn naive(k: usize, t: &[u64], p: &[u64]) -> Vec<u64> {
        let mut c = vec![0; k * k];
        for (&t, &p) in t.iter().zip(p) {
            c[t as usize * k + p as usize] += 1;
        }
        c
    }

    fn labels(rng: &mut fastrand::Rng, k: usize, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.u64(..k as u64)).collect()
    }

    #[test]
    fn update_matches_naive_counting_on_every_kernel_and_type() {
        let mut rng = fastrand::Rng::with_seed(7);
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
        let mut rng = fastrand::Rng::with_seed(2026);
        let ks = [
            1usize, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 65, 127, 128, 129, 200, 257,
        ];
        for case in 0..240 {
            let k = ks[rng.u64(..ks.len() as u64) as usize];
            let shift = k.next_power_of_two().trailing_zeros();
            let threshold = 2usize << (2 * shift);
            let n = match rng.u64(..4) {
                0 => rng.u64(..40) as usize,
                1 => threshold - 1,
                2 => threshold + rng.u64(..5) as usize,
                _ => rng.u64(..3 * threshold.min(100_000) as u64) as usize,
            }
            .min(600_000);
            let mut t: Vec<i64> = (0..n).map(|_| rng.u64(..k as u64) as i64).collect();
            let mut p: Vec<i64> = (0..n).map(|_| rng.u64(..k as u64) as i64).collect();
            let ignored = match rng.u64(..5) {
                0 => Some(-1),
                1 => Some(255),
                2 => Some(0),
                3 => Some(k as i64),
                _ => None,
            };
            if let Some(i) = ignored {
                for _ in 0..n / 10 {
                    let at = rng.u64(..n as u64) as usize;
                    t[at] = i;
                    p[at] = -7; // never checked
                }
            }
            if n > 0 && rng.u64(..3) == 0 {
                let bad = [k as i64, (1i64 << shift) - 1, -1, 30_000][rng.u64(..4) as usize];
                let at = rng.u64(..n as u64) as usize;
                if rng.u64(..2) == 0 {
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
        let mut rng = fastrand::Rng::with_seed(5);
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
        let mut rng = fastrand::Rng::with_seed(11);
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

    /// The score histograms follow the counts: ignored rows are left out,
    /// a failed call changes neither, merge adds them, reset zeroes them.
    #[test]
    fn score_histograms_follow_the_counts() {
        let mut cm = ConfusionMatrix::new(2).unwrap().with_ignore_index(9);
        let scores = [0.9f32, 0.1, 0.2, 0.8, 0.5, 0.5];
        cm.update_from_scores(&[0i32, 9, 1], &scores).unwrap();
        let h = cm.score_histogram().unwrap();
        assert_eq!(h.rows(), 2);
        assert_eq!(h.positives(0).unwrap()[180], 1);
        assert_eq!(h.negatives(0).unwrap()[100], 1);
        assert_eq!(h.positives(1).unwrap()[100], 1);
        assert_eq!(h.negatives(1).unwrap().iter().sum::<u64>(), 1);
        let before = cm.clone();
        assert!(cm.update_from_scores(&[0i32, 2, 1], &scores).is_err());
        assert_eq!(cm, before);
        // A count overflow leaves the histograms alone too.
        let mut full = ConfusionMatrix::from_counts(2, vec![u64::MAX, 0, 0, 0]).unwrap();
        assert_eq!(
            full.update_from_scores(&[0u8], &[0.9, 0.1]),
            Err(ConfusionError::Overflow)
        );
        assert_eq!(full.score_histogram(), None);
        let mut sum = cm.clone();
        sum.merge(&cm).unwrap();
        assert_eq!(sum.score_histogram().unwrap().rows(), 4);
        sum.merge(&ConfusionMatrix::new(2).unwrap()).unwrap();
        assert_eq!(sum.score_histogram().unwrap().rows(), 4);
        sum.reset();
        assert_eq!(sum.score_histogram().unwrap().rows(), 0);
        assert_eq!(sum.score_histogram().unwrap().positives(0).unwrap()[180], 0);
    }

    #[test]
    fn scores_agree_with_labels_over_many_chunks() {
        let mut rng = fastrand::Rng::with_seed(11);
        let (k, n) = (7, SCORE_CHUNK_ROWS * 2 + 13);
        let t = labels(&mut rng, k, n);
        let scores: Vec<f32> = (0..n * k).map(|_| rng.u64(..1000) as f32 / 7.0).collect();
        let preds: Vec<u64> = scores
            .chunks(k)
            .map(|r| argmax(r).unwrap_or(0) as u64)
            .collect();
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
}
