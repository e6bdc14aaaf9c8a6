//! Semantic segmentation: a confusion matrix counted over pixels, logged
//! with the segmentation metrics.
//!
//! Count each image's label map with
//! [`ConfusionMatrix::update`] (true labels first; set the
//! [ignore index](ConfusionMatrix::with_ignore_index), e.g. 255, so that
//! unlabelled pixels are skipped), then log it with
//! [`SummaryWriter::add_segmentation_matrix`]: the image, the table and the
//! counts as for any matrix, and as scalars the pixel accuracy, the mean
//! IoU and the IoU of each class, computed as mmsegmentation's
//! `IoUMetric` does (see [`add_segmentation_matrix`](SummaryWriter::add_segmentation_matrix)).
//!
//! ```
//! use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::create(dir.path().join("val"))?;
//! let mut cm = ConfusionMatrix::with_class_names(["road", "car", "sky"])?.with_ignore_index(255);
//! // One 2×3 image, row-major: ground truth and prediction per pixel.
//! let truth: [u8; 6] = [0, 0, 1, 255, 2, 2];
//! let predicted: [u8; 6] = [0, 1, 1, 0, 2, 2];
//! cm.update(&truth, &predicted)?;
//! writer.add_segmentation_matrix("segmentation", &cm, 1, &ConfusionOptions::default())?;
//! writer.close()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::logging::{ConfusionOptions, MatrixKind};
use super::matrix::ConfusionMatrix;
use super::sparse::SparseCounts;
use crate::event::{Step, SummaryWriter, WriteError};

impl SummaryWriter {
    /// Logs a segmentation matrix (rows the true class of a pixel, columns
    /// its predicted class) at `step`: the image, the exact table and the
    /// raw counts, as [`add_confusion_matrix`](Self::add_confusion_matrix),
    /// with the segmentation metrics as scalars instead of the
    /// classification ones:
    ///
    /// | tag | what |
    /// |---|---|
    /// | `T/pixel_accuracy` | correctly classified pixels / pixels counted (mmsegmentation's `aAcc`) |
    /// | `T/mean_iou` | the mean of the defined per-class IoUs (`mIoU`) |
    /// | `T/iou/<class>` | per class: `TP / (TP + FP + FN)`, that is the diagonal cell over row sum + column sum − diagonal cell |
    ///
    /// The rule for the mean is mmsegmentation's (`IoUMetric`, a NaN-mean):
    /// a class absent from both the ground truth and the prediction has no
    /// IoU (0 / 0) and is left out of the mean and of the per-class
    /// scalars; a class present in either one counts, with IoU 0 when it is
    /// only predicted or never found. Pixels whose true label is the
    /// matrix's [ignore index](ConfusionMatrix::with_ignore_index) are not
    /// in the matrix, so they count nowhere. Undefined values (an empty
    /// matrix) are left out, never logged as NaN. The per-class scalars
    /// follow `per_class_scalars_up_to`, as for any matrix. The table's
    /// first line states the pixels counted, the pixel accuracy and the
    /// mean IoU.
    ///
    /// # Examples
    ///
    /// See the [module docs](crate::confusion::segmentation).
    ///
    /// # Errors
    ///
    /// As [`add_confusion_matrix`](Self::add_confusion_matrix).
    pub fn add_segmentation_matrix<S>(
        &self,
        tag: &str,
        cm: &ConfusionMatrix,
        step: S,
        options: &ConfusionOptions,
    ) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        self.submit_confusion(tag, cm, step, options, MatrixKind::Segmentation)
    }
}

/// The IoU of every class, `None` where neither the ground truth nor the
/// prediction has the class (0 / 0).
fn class_ious(cm: &SparseCounts) -> Vec<Option<f64>> {
    cm.diagonal()
        .iter()
        .zip(cm.row_sums())
        .zip(cm.col_sums())
        .map(|((&hit, &truth), &predicted)| {
            let union = truth + predicted - hit;
            (union > 0).then(|| hit as f64 / union as f64)
        })
        .collect()
}

/// Pixels counted, pixel accuracy and mean IoU (`None` when undefined).
fn overall(cm: &SparseCounts, ious: &[Option<f64>]) -> (u64, Option<f64>, Option<f64>) {
    let pixels: u64 = cm.row_sums().iter().sum();
    let correct: u64 = cm.diagonal().iter().sum();
    let accuracy = (pixels > 0).then(|| correct as f64 / pixels as f64);
    let defined: Vec<f64> = ious.iter().flatten().copied().collect();
    let mean = (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64);
    (pixels, accuracy, mean)
}

/// `(name under T/, value)` of every segmentation scalar that is defined,
/// per-class ones when `per_class`.
pub(crate) fn segmentation_scalars(cm: &SparseCounts, per_class: bool) -> Vec<(String, f64)> {
    let ious = class_ious(cm);
    let (_, accuracy, mean) = overall(cm, &ious);
    let mut scalars: Vec<(String, f64)> = [("pixel_accuracy", accuracy), ("mean_iou", mean)]
        .into_iter()
        .filter_map(|(name, v)| Some((name.to_owned(), v?)))
        .collect();
    if per_class {
        for (name, iou) in cm.class_names().iter().zip(&ious) {
            if let Some(iou) = iou {
                scalars.push((format!("iou/{name}"), *iou));
            }
        }
    }
    scalars
}

/// The first line of a segmentation matrix's table.
pub(crate) fn segmentation_headline(cm: &SparseCounts) -> String {
    let ious = class_ious(cm);
    let (pixels, accuracy, mean) = overall(cm, &ious);
    let rate = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.4}"));
    format!(
        "**pixels** = {pixels} · **pixel accuracy** {} · **mean IoU** {} over the {} classes \
         present in the ground truth or the prediction (rows true, columns predicted)",
        rate(accuracy),
        rate(mean),
        ious.iter().flatten().count(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sparse(names: &[&str], counts: Vec<u64>) -> SparseCounts {
        let mut cm = ConfusionMatrix::from_counts(names.len(), counts).unwrap();
        cm.set_class_names(names.iter().copied()).unwrap();
        SparseCounts::of(&cm)
    }

    #[test]
    fn iou_follows_mmsegmentation() {
        // road: 3 right, 1 called car; car: 2 right; sky: never there, predicted once
        // (from a road pixel); void: absent from both, so no IoU.
        let cm = sparse(
            &["road", "car", "sky", "void"],
            vec![
                3, 1, 1, 0, //
                0, 2, 0, 0, //
                0, 0, 0, 0, //
                0, 0, 0, 0,
            ],
        );
        let scalars = segmentation_scalars(&cm, true);
        let expected = [
            ("pixel_accuracy", 5.0 / 7.0),
            ("mean_iou", (3.0 / 5.0 + 2.0 / 3.0 + 0.0) / 3.0),
            ("iou/road", 3.0 / 5.0),
            ("iou/car", 2.0 / 3.0),
            ("iou/sky", 0.0),
        ];
        assert_eq!(scalars.len(), expected.len());
        for ((name, v), (want_name, want)) in scalars.iter().zip(expected) {
            assert_eq!(name, want_name);
            assert!((v - want).abs() < 1e-12, "{name}: {v} vs {want}");
        }
        assert!(segmentation_headline(&cm).contains("over the 3 classes"));
    }

    #[test]
    fn an_empty_matrix_logs_no_scalar() {
        let cm = sparse(&["a", "b"], vec![0; 4]);
        assert!(segmentation_scalars(&cm, true).is_empty());
        assert!(segmentation_headline(&cm).contains("**pixel accuracy** —"));
    }
}
