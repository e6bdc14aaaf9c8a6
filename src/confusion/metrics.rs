//! Per-class and overall metrics derived from a [`ConfusionMatrix`].
//!
//! Everything here is a function of the counts alone, so it is exact under
//! streaming and merging. Notation (rows are true classes):
//!
//! * `C[i][j]` — samples of true class `i` predicted as `j`; `N = Σ C`;
//! * `tₖ = Σⱼ C[k][j]` — support; `pₖ = Σᵢ C[i][k]` — predicted count;
//! * `TPₖ = C[k][k]`, `FPₖ = pₖ − TPₖ`, `FNₖ = tₖ − TPₖ`,
//!   `TNₖ = N − TPₖ − FPₖ − FNₖ` (one class against the rest).
//!
//! A value whose denominator is zero is *undefined*; [`ZeroDivision`] says
//! what it becomes. With the default, [`ZeroDivision::Nan`], undefined
//! classes are left out of macro averages and [`Average::classes_used`]
//! tells how many classes (K′) an average is over. This is what
//! scikit-learn 1.9 does with `zero_division=np.nan`, and the values match
//! it to 1e-9 (see `tests/metrics_sklearn.rs`). The one deliberate
//! difference: scikit-learn's `matthews_corrcoef` returns 0 when undefined,
//! here it follows the policy (NaN by default).

use serde::{Deserialize, Serialize};

use super::matrix::ConfusionMatrix;
use super::sparse::SparseCounts;

/// What a ratio with a zero denominator becomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ZeroDivision {
    /// NaN, shown as "—"; such classes are left out of macro averages.
    #[default]
    Nan,
    /// 0, as torchmetrics and scikit-learn's `zero_division=0`.
    Zero,
    /// 1, as scikit-learn's `zero_division=1`.
    One,
}

impl ZeroDivision {
    /// `num / den`, or the policy's value when `den == 0`.
    pub fn divide(self, num: f64, den: f64) -> f64 {
        if den != 0.0 {
            num / den
        } else {
            match self {
                ZeroDivision::Nan => f64::NAN,
                ZeroDivision::Zero => 0.0,
                ZeroDivision::One => 1.0,
            }
        }
    }
}

/// A mean over classes, with the number of classes it is over.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Average {
    /// The mean (NaN when no class has a defined value).
    pub value: f64,
    /// K′: how many classes entered the mean.
    pub classes_used: usize,
}

/// One-vs-rest metrics of one class. Rates are NaN when undefined under
/// [`ZeroDivision::Nan`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// `tₖ`, samples whose true class is k (a sum of weights for weighted
    /// metrics).
    pub support: f64,
    /// `pₖ`, samples predicted as k.
    pub predicted: f64,
    /// `TP / (TP + FP) = TP / pₖ`; undefined when `pₖ = 0`.
    pub precision: f64,
    /// `TP / (TP + FN) = TP / tₖ`; undefined when `tₖ = 0`.
    pub recall: f64,
    /// `2TP / (2TP + FP + FN) = 2TP / (tₖ + pₖ)`; undefined when
    /// `tₖ = pₖ = 0`. Equals the harmonic mean of precision and recall
    /// whenever both are defined.
    pub f1: f64,
    /// `TN / (TN + FP) = TN / (N − tₖ)`; undefined when every sample is of
    /// class k.
    pub specificity: f64,
    /// Jaccard index `TP / (TP + FP + FN)`; undefined when `tₖ = pₖ = 0`.
    pub iou: f64,
}

/// All metrics of a confusion matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// The policy the values were computed with.
    pub zero_division: ZeroDivision,
    /// `N`, the number (or total weight) of samples.
    pub total: f64,
    /// One entry per class, in index order.
    pub per_class: Vec<ClassMetrics>,
    /// `Σ TPₖ / N` (equal to micro precision, recall and F1).
    pub accuracy: f64,
    /// Mean recall over the classes with `tₖ > 0`, whatever the policy, as
    /// scikit-learn's `balanced_accuracy_score`.
    pub balanced_accuracy: Average,
    /// Mean precision over classes (see the module docs for K′).
    pub macro_precision: Average,
    /// Mean recall over classes.
    pub macro_recall: Average,
    /// Mean F1 over classes.
    pub macro_f1: Average,
    /// `Σ tₖ·precisionₖ / Σ tₖ`, both sums over classes with a defined value.
    pub weighted_precision: f64,
    /// Support-weighted recall, as above.
    pub weighted_recall: f64,
    /// Support-weighted F1, as above.
    pub weighted_f1: f64,
    /// Cohen's κ `= (pₒ − pₑ)/(1 − pₑ)` with `pₒ = ΣTP/N`,
    /// `pₑ = Σ tₖpₖ/N²`, computed as `(N·ΣTP − Σtₖpₖ)/(N² − Σtₖpₖ)`.
    pub kappa: f64,
    /// Multiclass Matthews correlation (Gorodkin's Rₖ):
    /// `(ΣTP·N − Σpₖtₖ) / √((N² − Σpₖ²)(N² − Σtₖ²))`.
    pub mcc: f64,
    /// Mean IoU over classes.
    pub mean_iou: Average,
}

impl Metrics {
    /// Metrics of the exact counts of `cm`.
    pub fn compute(cm: &ConfusionMatrix, zero_division: ZeroDivision) -> Metrics {
        Metrics::of_sparse(&SparseCounts::of(cm), zero_division)
    }

    /// Metrics of the weighted plane of `cm` (sample weights), or `None`
    /// when no weights were ever given.
    pub fn compute_weighted(cm: &ConfusionMatrix, zero_division: ZeroDivision) -> Option<Metrics> {
        Metrics::of_sparse_weighted(&SparseCounts::of(cm), zero_division)
    }

    /// [`compute`](Self::compute) from the non-zero cells: the one path, which the dense
    /// entry points and logging share. Sums are exact in `u64`, then converted.
    pub(crate) fn of_sparse(m: &SparseCounts, zero_division: ZeroDivision) -> Metrics {
        let as_f64 = |v: &[u64]| v.iter().map(|&c| c as f64).collect::<Vec<f64>>();
        Metrics::from_sums(
            as_f64(m.row_sums()),
            as_f64(m.col_sums()),
            as_f64(m.diagonal()),
            zero_division,
        )
    }

    /// [`compute_weighted`](Self::compute_weighted) from the non-zero cells.
    pub(crate) fn of_sparse_weighted(
        m: &SparseCounts,
        zero_division: ZeroDivision,
    ) -> Option<Metrics> {
        let [support, predicted, diagonal] = m.weighted_sums()?;
        Some(Metrics::from_sums(
            support,
            predicted,
            diagonal,
            zero_division,
        ))
    }

    /// Every metric from the per-class sums: row sums (support), column
    /// sums (predicted) and the diagonal (true positives).
    fn from_sums(
        support: Vec<f64>,
        predicted: Vec<f64>,
        diagonal: Vec<f64>,
        zd: ZeroDivision,
    ) -> Metrics {
        let k = support.len();
        let n: f64 = support.iter().sum();
        let per_class: Vec<ClassMetrics> = (0..k)
            .map(|i| {
                let (tp, t, p) = (diagonal[i], support[i], predicted[i]);
                let tn = n - t - p + tp;
                ClassMetrics {
                    support: t,
                    predicted: p,
                    precision: zd.divide(tp, p),
                    recall: zd.divide(tp, t),
                    f1: zd.divide(2.0 * tp, t + p),
                    specificity: zd.divide(tn, n - t),
                    iou: zd.divide(tp, t + p - tp),
                }
            })
            .collect();
        let correct: f64 = diagonal.iter().sum();
        let t_dot_p: f64 = support.iter().zip(&predicted).map(|(t, p)| t * p).sum();
        let t_dot_t: f64 = support.iter().map(|t| t * t).sum();
        let p_dot_p: f64 = predicted.iter().map(|p| p * p).sum();
        let macro_of = |f: fn(&ClassMetrics) -> f64| mean_defined(per_class.iter().map(f));
        let weighted_of = |f: fn(&ClassMetrics) -> f64| {
            let (sum, weight) = per_class
                .iter()
                .filter(|c| !f(c).is_nan())
                .fold((0.0, 0.0), |(s, w), c| {
                    (s + c.support * f(c), w + c.support)
                });
            zd.divide(sum, weight)
        };
        let balanced_accuracy = mean_defined(
            per_class
                .iter()
                .filter(|c| c.support > 0.0)
                .map(|c| c.recall),
        );
        Metrics {
            zero_division: zd,
            total: n,
            accuracy: zd.divide(correct, n),
            balanced_accuracy: Average {
                value: if balanced_accuracy.classes_used == 0 {
                    zd.divide(0.0, 0.0)
                } else {
                    balanced_accuracy.value
                },
                ..balanced_accuracy
            },
            macro_precision: macro_of(|c| c.precision),
            macro_recall: macro_of(|c| c.recall),
            macro_f1: macro_of(|c| c.f1),
            weighted_precision: weighted_of(|c| c.precision),
            weighted_recall: weighted_of(|c| c.recall),
            weighted_f1: weighted_of(|c| c.f1),
            kappa: zd.divide(n * correct - t_dot_p, n * n - t_dot_p),
            mcc: zd.divide(
                n * correct - t_dot_p,
                ((n * n - p_dot_p) * (n * n - t_dot_t)).sqrt(),
            ),
            mean_iou: macro_of(|c| c.iou),
            per_class,
        }
    }
}

impl ConfusionMatrix {
    /// [`Metrics::compute`] with the default policy ([`ZeroDivision::Nan`]).
    pub fn metrics(&self) -> Metrics {
        Metrics::compute(self, ZeroDivision::default())
    }
}

/// The two-sided 95% Wilson score interval for a proportion of `successes`
/// out of `trials` (as statsmodels' `proportion_confint(x, n,
/// method="wilson")`), or `None` without trials. Unlike the normal
/// approximation it stays inside [0, 1] and is honest for small classes:
/// a recall of 8/10 is anywhere from 0.49 to 0.94.
///
/// ```
/// let (low, high) = tbconfusion::confusion::wilson_interval(8, 10).unwrap();
/// // statsmodels 0.15.0: proportion_confint(8, 10, method="wilson")
/// assert!((low - 0.490_162_471_536_641_8).abs() < 1e-12);
/// assert!((high - 0.943_317_848_545_624_7).abs() < 1e-12);
/// assert_eq!(tbconfusion::confusion::wilson_interval(3, 0), None);
/// ```
pub fn wilson_interval(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    // The 97.5% quantile of the standard normal distribution.
    const Z: f64 = 1.959_963_984_540_054;
    let n = trials as f64;
    let p = (successes.min(trials)) as f64 / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The mean of the non-NaN values and how many there were.
fn mean_defined(values: impl Iterator<Item = f64>) -> Average {
    let (sum, classes_used) = values
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    Average {
        value: if classes_used == 0 {
            f64::NAN
        } else {
            sum / classes_used as f64
        },
        classes_used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows true, columns predicted:
    /// ```text
    ///       a  b  c  d
    ///   a [ 5  1  0  0 ]
    ///   b [ 2  3  0  0 ]
    ///   c [ 0  4  0  0 ]   c is never predicted
    ///   d [ 0  0  0  0 ]   d never occurs at all
    /// ```
    fn example() -> ConfusionMatrix {
        ConfusionMatrix::from_counts(4, vec![5, 1, 0, 0, 2, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0])
            .unwrap()
    }

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Reference values: statsmodels 0.15.0 `proportion_confint(x, n, method="wilson")`.
    #[test]
    fn wilson_intervals_match_statsmodels_and_stay_in_the_unit_interval() {
        let (low, high) = wilson_interval(950, 1000).unwrap();
        assert!(near(low, 0.934_686_179_755_749_2) && near(high, 0.961_869_737_607_251_3));
        let (low, high) = wilson_interval(0, 5).unwrap();
        assert_eq!(low, 0.0);
        assert!(near(high, 0.434_482_464_783_173_2));
        let (low, high) = wilson_interval(5, 5).unwrap();
        assert!(near(low, 0.565_517_535_216_825_1));
        assert_eq!(high, 1.0);
        assert_eq!(wilson_interval(0, 0), None);
    }

    #[test]
    fn per_class_values_follow_the_formulas() {
        let m = example().metrics();
        let a = m.per_class[0];
        assert_eq!((a.support, a.predicted), (6.0, 7.0));
        assert!(near(a.precision, 5.0 / 7.0) && near(a.recall, 5.0 / 6.0));
        assert!(near(a.f1, 10.0 / 13.0) && near(a.iou, 5.0 / 8.0));
        // TN = 15 − 5 − 2 − 1 = 7, FP = 2.
        assert!(near(a.specificity, 7.0 / 9.0));
        let c = m.per_class[2];
        assert!(c.precision.is_nan() && c.recall == 0.0 && c.f1 == 0.0 && c.iou == 0.0);
        let d = m.per_class[3];
        assert!(d.precision.is_nan() && d.recall.is_nan() && d.f1.is_nan() && d.iou.is_nan());
        assert!(near(d.specificity, 1.0));
    }

    #[test]
    fn nan_policy_leaves_undefined_classes_out_of_averages() {
        let m = example().metrics();
        assert_eq!(m.zero_division, ZeroDivision::Nan);
        assert_eq!(m.macro_precision.classes_used, 2);
        assert!(near(m.macro_precision.value, (5.0 / 7.0 + 3.0 / 8.0) / 2.0));
        assert_eq!(m.macro_recall.classes_used, 3);
        assert!(near(m.macro_recall.value, (5.0 / 6.0 + 3.0 / 5.0) / 3.0));
        assert_eq!(m.macro_f1.classes_used, 3);
        assert_eq!(m.balanced_accuracy.classes_used, 3);
        assert!(near(m.balanced_accuracy.value, m.macro_recall.value));
        // Weighted precision renormalises over the classes it is defined for.
        assert!(near(
            m.weighted_precision,
            (6.0 * 5.0 / 7.0 + 5.0 * 3.0 / 8.0) / 11.0
        ));
        assert!(near(m.accuracy, 8.0 / 15.0));
    }

    #[test]
    fn zero_and_one_policies_substitute_and_average_over_all_classes() {
        let cm = example();
        let zero = Metrics::compute(&cm, ZeroDivision::Zero);
        let one = Metrics::compute(&cm, ZeroDivision::One);
        assert_eq!(zero.macro_precision.classes_used, 4);
        assert!(near(
            zero.macro_precision.value,
            (5.0 / 7.0 + 3.0 / 8.0) / 4.0
        ));
        assert!(near(
            one.macro_precision.value,
            (5.0 / 7.0 + 3.0 / 8.0 + 2.0) / 4.0
        ));
        assert_eq!(zero.per_class[3].recall, 0.0);
        assert_eq!(one.per_class[3].recall, 1.0);
        // Balanced accuracy ignores classes without support under every policy.
        assert_eq!(one.balanced_accuracy, zero.balanced_accuracy);
    }

    #[test]
    fn kappa_and_mcc_match_hand_values() {
        // Binary [[TN, FP], [FN, TP]] = [[50, 10], [5, 35]].
        let cm = ConfusionMatrix::from_counts(2, vec![50, 10, 5, 35]).unwrap();
        let m = cm.metrics();
        let (tp, tn, fp, fn_) = (35.0f64, 50.0, 10.0, 5.0);
        let mcc = (tp * tn - fp * fn_) / ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        assert!(near(m.mcc, mcc));
        let (po, pe) = (0.85, (60.0 * 55.0 + 40.0 * 45.0) / 10_000.0);
        assert!(near(m.kappa, (po - pe) / (1.0 - pe)));
    }

    #[test]
    fn empty_and_degenerate_matrices_follow_the_policy() {
        let empty = ConfusionMatrix::new(3).unwrap();
        let m = empty.metrics();
        assert!(m.accuracy.is_nan() && m.kappa.is_nan() && m.mcc.is_nan());
        assert_eq!(m.balanced_accuracy.classes_used, 0);
        assert!(m.macro_f1.value.is_nan());
        let z = Metrics::compute(&empty, ZeroDivision::Zero);
        assert_eq!(
            (z.accuracy, z.kappa, z.mcc, z.balanced_accuracy.value),
            (0.0, 0.0, 0.0, 0.0)
        );
        // One class only: MCC and κ are undefined (sklearn's MCC says 0).
        let single = ConfusionMatrix::from_counts(2, vec![0, 0, 0, 9]).unwrap();
        let m = single.metrics();
        assert!(m.mcc.is_nan() && m.kappa.is_nan());
        assert_eq!(m.accuracy, 1.0);
    }

    #[test]
    fn weighted_metrics_use_the_weighted_plane() {
        let mut cm = ConfusionMatrix::new(2).unwrap();
        assert!(Metrics::compute_weighted(&cm, ZeroDivision::Nan).is_none());
        cm.update_weighted(&[0u8, 1, 1], &[0u8, 0, 1], &[3.0, 1.0, 1.0])
            .unwrap();
        let w = Metrics::compute_weighted(&cm, ZeroDivision::Nan).unwrap();
        assert_eq!(w.total, 5.0);
        assert!(near(w.accuracy, 4.0 / 5.0));
        assert!(near(cm.metrics().accuracy, 2.0 / 3.0));
    }
}
