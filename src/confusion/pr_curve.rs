//! Precision–recall curves in the format of TensorBoard's PR Curves tab,
//! and average precision, from the bucketed scores of a
//! [`ScoreHistogram`](super::ScoreHistogram).
//!
//! The maths is TensorBoard's `pr_curve.summary.pb` ([`summary.py`]): with
//! N thresholds `i / (N − 1)`, a score `p` falls in bucket
//! `floor(p × (N − 1))`; TP and FP at threshold `i` are the reverse
//! cumulative sums of the positives' and negatives' buckets (scores at or
//! above the threshold), `TN = FP[0] − FP`, `FN = TP[0] − TP`,
//! `precision = TP / max(1e-7, TP + FP)`, `recall = TP / max(1e-7, TP + FN)`.
//! The logged tensor is `float32 [6, N]`, rows TP, FP, TN, FN, precision,
//! recall ([`metadata.py`]), under the plugin `pr_curves` whose content is
//! a `PrCurvePluginData { version: 0, num_thresholds: N }`
//! ([`plugin_data.proto`]).
//!
//! [`summary.py`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/pr_curve/summary.py#L210-L240
//! [`metadata.py`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/pr_curve/metadata.py#L21-L33
//! [`plugin_data.proto`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/pr_curve/plugin_data.proto
//!
//! # Average precision
//!
//! [`PrCurve::average_precision`] is scikit-learn's definition,
//! `Σ (Rₙ − Rₙ₋₁) Pₙ` over thresholds from the highest down, taken at the N
//! thresholds instead of at every distinct score. It equals
//! `sklearn.metrics.average_precision_score(y, floor(p × 200) / 200)`
//! exactly: scores are rounded down to their bucket, so samples within one
//! bucket (0.005 wide) tie, and a bucket holding positives and negatives
//! counts them all at once. scikit-learn's `average_precision_score` on the
//! raw scores ranks every distinct score instead. On the test fixture
//! (`tests/fixtures/sklearn_pr_curves.json`, softmax scores of 300 to 2,000
//! samples over 2 to 10 classes) the two differ by at most 0.0040 per class
//! (mean 0.0012 to 0.0032 per case), and not at all for scores in steps of
//! 0.1, which never share a bucket with a different score.

use prost::Message;

use crate::proto::{DataType, TensorProto, TensorShapeProto, tensor_shape_proto::Dim};

/// Number of thresholds, evenly spaced over [0, 1]: TensorBoard's default
/// (`_DEFAULT_NUM_THRESHOLDS`).
pub const NUM_THRESHOLDS: usize = 201;

/// Plugin name of the PR curves, as TensorBoard's `metadata.PLUGIN_NAME`.
pub const PR_CURVES_PLUGIN: &str = "pr_curves";

/// Smallest denominator of precision and recall, as TensorBoard's
/// `_MINIMUM_COUNT`.
const MINIMUM_COUNT: f64 = 1e-7;

/// TensorBoard's `PrCurvePluginData` (`plugin_data.proto`, package
/// `tensorboard`): two fields, so declared here rather than generated.
#[derive(Clone, PartialEq, Message)]
struct PrCurvePluginData {
    /// Format version; 0 is the only one.
    #[prost(int32, tag = "1")]
    version: i32,
    /// Thresholds per curve.
    #[prost(uint32, tag = "2")]
    num_thresholds: u32,
}

/// The plugin content of every PR-curve tensor: the serialised
/// `PrCurvePluginData { version: 0, num_thresholds: 201 }`.
pub fn plugin_content() -> Vec<u8> {
    PrCurvePluginData {
        version: 0,
        num_thresholds: NUM_THRESHOLDS as u32,
    }
    .encode_to_vec()
}

/// One class's one-vs-rest precision–recall curve at the N thresholds
/// `i / (N − 1)`: entry `i` of each field is at threshold `i`.
#[derive(Clone, Debug, PartialEq)]
pub struct PrCurve {
    /// Samples of the class scored at or above the threshold.
    pub true_positives: Vec<f64>,
    /// Samples of other classes scored at or above the threshold.
    pub false_positives: Vec<f64>,
    /// Samples of other classes scored below the threshold.
    pub true_negatives: Vec<f64>,
    /// Samples of the class scored below the threshold.
    pub false_negatives: Vec<f64>,
    /// `TP / max(1e-7, TP + FP)`: 0 where nothing is at or above the threshold.
    pub precision: Vec<f64>,
    /// `TP / max(1e-7, TP + FN)`: 0 when the class has no samples.
    pub recall: Vec<f64>,
}

impl PrCurve {
    /// The curve from one class's bucketed positives and negatives (N
    /// buckets each, bucket `b` holding scores in `[b, b + 1) / (N − 1)`).
    /// Counts are exact in `f64` below 2⁵³.
    pub fn from_buckets(positives: &[u64], negatives: &[u64]) -> PrCurve {
        let reverse_cumulative = |buckets: &[u64]| {
            let mut sums = vec![0.0; buckets.len()];
            let mut running = 0u64;
            for (sum, &count) in sums.iter_mut().zip(buckets).rev() {
                running = running.saturating_add(count);
                *sum = running as f64;
            }
            sums
        };
        let tp = reverse_cumulative(positives);
        let fp = reverse_cumulative(negatives);
        let (all_positives, all_negatives) = (
            tp.first().copied().unwrap_or(0.0),
            fp.first().copied().unwrap_or(0.0),
        );
        let tn = fp.iter().map(|f| all_negatives - f).collect();
        let fn_: Vec<f64> = tp.iter().map(|t| all_positives - t).collect();
        let precision = tp
            .iter()
            .zip(&fp)
            .map(|(t, f)| t / MINIMUM_COUNT.max(t + f))
            .collect();
        let recall = tp
            .iter()
            .zip(&fn_)
            .map(|(t, f)| t / MINIMUM_COUNT.max(t + f))
            .collect();
        PrCurve {
            true_positives: tp,
            false_positives: fp,
            true_negatives: tn,
            false_negatives: fn_,
            precision,
            recall,
        }
    }

    /// The thresholds, `i / (N − 1)` for `i` in `0..N`.
    pub fn thresholds(&self) -> impl Iterator<Item = f64> {
        let n = self.precision.len();
        (0..n).map(move |i| i as f64 / (n.max(2) - 1) as f64)
    }

    /// Average precision, `Σ (Rₙ − Rₙ₋₁) Pₙ` from the highest threshold
    /// down (scikit-learn's definition at these thresholds; see the
    /// [module docs](self) for how it differs from scikit-learn on raw
    /// scores). `None` when the class has no samples: recall is undefined.
    pub fn average_precision(&self) -> Option<f64> {
        let positives = *self.true_positives.first()?;
        if positives == 0.0 {
            return None;
        }
        let mut previous_recall = 0.0;
        let mut ap = 0.0;
        for (&tp, &precision) in self.true_positives.iter().zip(&self.precision).rev() {
            let recall = tp / positives;
            ap += (recall - previous_recall) * precision;
            previous_recall = recall;
        }
        Some(ap)
    }

    /// The curve a logged `[6, N]` float tensor holds (as
    /// [`to_tensor`](Self::to_tensor) writes it, in `float_val`), for
    /// readers of the logs; `None` for any other shape.
    pub fn from_tensor(tensor: &TensorProto) -> Option<PrCurve> {
        let dims: Vec<i64> = tensor
            .tensor_shape
            .as_ref()?
            .dim
            .iter()
            .map(|d| d.size)
            .collect();
        let [6, n] = dims[..] else {
            return None;
        };
        let n = usize::try_from(n).ok()?;
        if n == 0 || tensor.dtype != DataType::DtFloat as i32 || tensor.float_val.len() != 6 * n {
            return None;
        }
        let mut rows = tensor
            .float_val
            .chunks_exact(n)
            .map(|row| row.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>());
        let mut next = || rows.next().unwrap_or_default();
        Some(PrCurve {
            true_positives: next(),
            false_positives: next(),
            true_negatives: next(),
            false_negatives: next(),
            precision: next(),
            recall: next(),
        })
    }

    /// The tensor TensorBoard's PR Curves tab reads: `float32 [6, N]`,
    /// rows TP, FP, TN, FN, precision, recall.
    pub fn to_tensor(&self) -> TensorProto {
        let rows = [
            &self.true_positives,
            &self.false_positives,
            &self.true_negatives,
            &self.false_negatives,
            &self.precision,
            &self.recall,
        ];
        let n = self.precision.len();
        TensorProto {
            dtype: DataType::DtFloat as i32,
            tensor_shape: Some(TensorShapeProto {
                dim: [rows.len(), n]
                    .iter()
                    .map(|&size| Dim {
                        size: size as i64,
                        name: String::new(),
                    })
                    .collect(),
                unknown_rank: false,
            }),
            float_val: rows
                .iter()
                .flat_map(|row| row.iter().map(|&v| v as f32))
                .collect(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_content_is_tensorboards() {
        // version 0 is proto3's default and is not written; field 2 = 201.
        assert_eq!(plugin_content(), [0x10, 0xC9, 0x01]);
        let back = PrCurvePluginData::decode(&plugin_content()[..]).unwrap();
        assert_eq!((back.version, back.num_thresholds), (0, 201));
    }

    #[test]
    fn curve_counts_scores_at_or_above_each_threshold() {
        let mut pos = vec![0u64; NUM_THRESHOLDS];
        let mut neg = vec![0u64; NUM_THRESHOLDS];
        pos[180] = 3; // three positives at 0.9
        pos[20] = 1; // one at 0.1
        neg[100] = 2; // two negatives at 0.5
        let curve = PrCurve::from_buckets(&pos, &neg);
        assert_eq!(curve.true_positives[0], 4.0);
        assert_eq!(curve.true_positives[100], 3.0);
        assert_eq!(curve.false_positives[100], 2.0);
        assert_eq!(curve.false_positives[101], 0.0);
        assert_eq!(curve.true_negatives[101], 2.0);
        assert_eq!(curve.false_negatives[181], 4.0);
        assert_eq!(curve.precision[100], 0.6);
        assert_eq!(curve.recall[100], 0.75);
        assert_eq!(curve.precision[200], 0.0); // nothing at or above 1.0
        // AP: 3 positives first (P = 1, R = 0.75), then the two negatives,
        // then the last positive at P = 4/6.
        let ap = curve.average_precision().unwrap();
        assert!((ap - (0.75 + 0.25 * 4.0 / 6.0)).abs() < 1e-15, "{ap}");
        let tensor = curve.to_tensor();
        assert_eq!(tensor.float_val.len(), 6 * NUM_THRESHOLDS);
        assert_eq!(
            PrCurve::from_tensor(&tensor).map(|c| c.to_tensor()),
            Some(tensor.clone())
        );
        assert_eq!(tensor.float_val[4 * NUM_THRESHOLDS + 100], 0.6f32);
        let empty = PrCurve::from_buckets(&[0; NUM_THRESHOLDS], &neg);
        assert_eq!(empty.average_precision(), None);
        assert!(empty.recall.iter().all(|&r| r == 0.0));
    }
}
