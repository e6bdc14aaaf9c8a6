//! What a detection matrix logs instead of the classification metrics:
//! per-class and micro precision, recall and F1 over the object classes
//! (the background is not a class one detects).

use super::matrix::DetectionMatrix;
use crate::confusion::logging::{ConfusionOptions, MatrixKind};
use crate::confusion::metrics::{Metrics, ZeroDivision};
use crate::confusion::sparse::SparseCounts;
use crate::event::{Step, SummaryWriter, WriteError};

impl SummaryWriter {
    /// Logs a detection matrix at `step`: the image, the exact table, the
    /// raw counts, as [`add_confusion_matrix`](Self::add_confusion_matrix),
    /// with the detection metrics as scalars instead of the classification
    /// ones (accuracy, κ and MCC mislead over a background class):
    ///
    /// | tag | what |
    /// |---|---|
    /// | `T/micro_precision` | matched correctly / detections counted |
    /// | `T/micro_recall` | matched correctly / ground-truth objects |
    /// | `T/micro_f1` | their harmonic mean |
    /// | `T/precision/<class>`, `T/recall/<class>`, `T/f1/<class>` | per object class |
    ///
    /// all at the matrix's IoU and score thresholds. The table's first line
    /// states the same overall numbers, and its per-class section lists the
    /// object classes only (the counts keep `background`). The image sets the
    /// background apart: its row (unmatched detections) and column (missed
    /// objects) on a grey scale of their own behind a dark rule, and
    /// [background, background] hatched as not applicable.
    ///
    /// # Examples
    ///
    /// See the [module docs](crate::confusion::detection).
    ///
    /// # Errors
    ///
    /// As [`add_confusion_matrix`](Self::add_confusion_matrix).
    pub fn add_detection_matrix<S>(
        &self,
        tag: &str,
        cm: &DetectionMatrix,
        step: S,
        options: &ConfusionOptions,
    ) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        self.submit_confusion(tag, cm.matrix(), step, options, MatrixKind::Detection)
    }
}

/// Overall detection counts of a matrix whose last class is the background.
struct Totals {
    correct: f64,
    detections: f64,
    objects: f64,
}

fn totals(cm: &SparseCounts) -> Totals {
    let k = cm.num_classes() - 1;
    let sum = |v: &[u64]| v[..k].iter().map(|&c| c as f64).sum::<f64>();
    Totals {
        correct: sum(cm.diagonal()),
        detections: sum(cm.col_sums()),
        objects: sum(cm.row_sums()),
    }
}

/// `(name under T/, value)` of every detection scalar, per-class ones
/// when `per_class`; undefined values are NaN (left out by the caller).
pub(crate) fn detection_scalars(
    cm: &SparseCounts,
    metrics: &Metrics,
    zero_division: ZeroDivision,
    per_class: bool,
) -> Vec<(String, f64)> {
    let t = totals(cm);
    let mut scalars = vec![
        (
            "micro_precision".to_owned(),
            zero_division.divide(t.correct, t.detections),
        ),
        (
            "micro_recall".to_owned(),
            zero_division.divide(t.correct, t.objects),
        ),
        (
            "micro_f1".to_owned(),
            zero_division.divide(2.0 * t.correct, t.detections + t.objects),
        ),
    ];
    if per_class {
        let k = cm.num_classes() - 1;
        for (name, m) in cm.class_names()[..k].iter().zip(&metrics.per_class) {
            scalars.push((format!("precision/{name}"), m.precision));
            scalars.push((format!("recall/{name}"), m.recall));
            scalars.push((format!("f1/{name}"), m.f1));
        }
    }
    scalars
}

/// The first line of a detection matrix's table.
pub(crate) fn detection_headline(cm: &SparseCounts, zero_division: ZeroDivision) -> String {
    let t = totals(cm);
    let rate = |v: f64| {
        if v.is_finite() {
            format!("{v:.4}")
        } else {
            "—".to_owned()
        }
    };
    format!(
        "**objects** = {} · **detections** = {} · **micro precision** {} · **micro recall** {} · \
         **micro F1** {} (rows true, columns predicted: the `background` column counts missed \
         objects, the `background` row unmatched detections)",
        t.objects,
        t.detections,
        rate(zero_division.divide(t.correct, t.detections)),
        rate(zero_division.divide(t.correct, t.objects)),
        rate(zero_division.divide(2.0 * t.correct, t.detections + t.objects)),
    )
}
