//! Logging a confusion matrix: one call writes everything TensorBoard can
//! show of it, built off the caller's thread.
//!
//! For tag `T` at a step, [`SummaryWriter::add_confusion_matrix`] logs:
//!
//! | tag | dashboard | what |
//! |---|---|---|
//! | `T` | Images | the rendered matrix |
//! | `T/top_confused` | Images | for many classes, the most-confused sub-matrix with an "(other)" row and column |
//! | `T/table` | Text | the exact counts and a per-class report in Markdown |
//! | `T/accuracy`, `T/balanced_accuracy`, `T/macro_f1`, `T/weighted_f1`, `T/mcc`, `T/kappa` | Scalars | overall metrics |
//! | `T/precision/<class>`, `T/recall/<class>`, `T/f1/<class>` | Scalars | per class |
//! | `T/weighted/accuracy`, … `T/weighted/kappa` | Scalars | with sample weights only: the overall metrics over the weighted plane |
//! | `T/delta` | Images | from the tag's second logged step on: each cell's change of row share since the previous step, in pp, blue better, red worse ([`Delta`]) |
//! | `T/counts` | (none) | the raw counts, for `tbconfusion export` |
//! | `T/pr/<class>` | PR Curves | with scores only: the class's one-vs-rest precision–recall curve (201 thresholds) |
//! | `T/ap/<class>`, `T/map` | Scalars | with scores only: average precision per class, and its mean over classes |
//!
//! The PR curves, average precisions and their mean come from the score
//! histograms that
//! [`update_from_scores`](ConfusionMatrix::update_from_scores) fills (see
//! [`pr_curve`]); `T/pr/<class>` and `T/ap/<class>` are
//! per class, so they follow
//! [`per_class_scalars_up_to`](ConfusionOptions::per_class_scalars_up_to);
//! `T/map` averages every class with samples.
//!
//! A [detection matrix](super::detection) logs the same, but with the
//! detection metrics as scalars ([`SummaryWriter::add_detection_matrix`]);
//! a [segmentation matrix](super::segmentation) with pixel accuracy, mean
//! IoU and per-class IoU ([`SummaryWriter::add_segmentation_matrix`]).
//!
//! A matrix with more classes than `max_side_px` has pixels gets no `T`
//! image, only `T/top_confused`.
//!
//! Undefined metrics (a class never predicted has no precision) are left
//! out of the scalars rather than logged as NaN, which would break the
//! chart. The bundle owns every tag under `T/`.

use std::sync::Arc;

use super::counts::{self, COUNTS_PLUGIN};
use super::delta::{Delta, PreviousStep, RowShareChange};
use super::detection::{detection_headline, detection_scalars};
use super::format::format_rate;
use super::matrix::ConfusionMatrix;
use super::metrics::{Metrics, ZeroDivision};
use super::pr_curve;
use super::render::{self, RenderOptions};
use super::report::{ReportOptions, sparse_report_listing};
use super::score_histogram::ScoreHistogram;
use super::segmentation::{segmentation_headline, segmentation_scalars};
use super::sparse::SparseCounts;
use crate::event::{Step, SummaryWriter, WriteError};
use crate::proto::summary::Value;
use crate::summary;

/// From this many classes on, the main image is drawn on its own thread.
const PARALLEL_FROM_CLASSES: usize = 30;

/// What [`SummaryWriter::add_confusion_matrix`] logs, and how it renders.
///
/// ```
/// use tbconfusion::{ColorMode, ConfusionOptions, Normalization, RenderOptions};
/// let options = ConfusionOptions::default()
///     .render(RenderOptions::default().normalization(Normalization::True).color_mode(ColorMode::Errors))
///     .per_class_scalars_up_to(20);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ConfusionOptions {
    pub(crate) render: RenderOptions,
    pub(crate) report: ReportOptions,
    pub(crate) zero_division: ZeroDivision,
    pub(crate) image: bool,
    pub(crate) table: bool,
    pub(crate) scalars: bool,
    pub(crate) per_class_scalars_up_to: usize,
    pub(crate) top_confused_above: usize,
    pub(crate) top_confused_classes: usize,
    pub(crate) counts: bool,
    pub(crate) pr_curves: bool,
    pub(crate) delta: Delta,
}

impl Default for ConfusionOptions {
    fn default() -> Self {
        ConfusionOptions {
            render: RenderOptions::default(),
            report: ReportOptions::default(),
            zero_division: ZeroDivision::default(),
            image: true,
            table: true,
            scalars: true,
            per_class_scalars_up_to: 100,
            top_confused_above: 30,
            top_confused_classes: 20,
            counts: true,
            pr_curves: true,
            delta: Delta::default(),
        }
    }
}

impl ConfusionOptions {
    /// How the images are drawn.
    pub fn render(mut self, render: RenderOptions) -> Self {
        self.render = render;
        self
    }

    /// What the Markdown table holds.
    pub fn report(mut self, report: ReportOptions) -> Self {
        self.report = report;
        self
    }

    /// What a metric with a zero denominator becomes.
    pub fn zero_division(mut self, policy: ZeroDivision) -> Self {
        self.zero_division = policy;
        self
    }

    /// Log the rendered image `T` (default on).
    pub fn image(mut self, on: bool) -> Self {
        self.image = on;
        self
    }

    /// Log the Markdown table `T/table` (default on).
    pub fn table(mut self, on: bool) -> Self {
        self.table = on;
        self
    }

    /// Log the metric scalars (default on).
    pub fn scalars(mut self, on: bool) -> Self {
        self.scalars = on;
        self
    }

    /// Log per-class precision, recall and F1 (and, with scores, the PR
    /// curves and average precisions) while K is at most this (default
    /// 100; thousands of charts help nobody).
    pub fn per_class_scalars_up_to(mut self, classes: usize) -> Self {
        self.per_class_scalars_up_to = classes;
        self
    }

    /// Log `T/top_confused` when K is above this (default 30).
    pub fn top_confused_above(mut self, classes: usize) -> Self {
        self.top_confused_above = classes;
        self
    }

    /// Classes in the `T/top_confused` sub-matrix (default 20).
    pub fn top_confused_classes(mut self, classes: usize) -> Self {
        self.top_confused_classes = classes;
        self
    }

    /// Log the raw counts `T/counts` (default on), which `tbconfusion
    /// export` and `compare` read back.
    pub fn counts(mut self, on: bool) -> Self {
        self.counts = on;
        self
    }

    /// For matrices given scores, log the PR curves `T/pr/<class>` and,
    /// with the scalars, the average precisions `T/ap/<class>` and `T/map`
    /// (default on).
    pub fn pr_curves(mut self, on: bool) -> Self {
        self.pr_curves = on;
        self
    }

    /// What the image `T/delta` and the change column of `T/table` compare
    /// each step with (default [`Delta::PreviousStep`]: from the second
    /// logged step of a tag on, the previous one; or [`Delta::baseline`], a
    /// named matrix, at every step). Classification matrices only.
    pub fn delta(mut self, delta: Delta) -> Self {
        self.delta = delta;
        self
    }
}

impl SummaryWriter {
    /// Logs a confusion matrix at `step`: the image, the exact table, the
    /// metrics and the raw counts (see the [module docs](self)).
    ///
    /// Costs the caller one pass over the counts to copy the non-zero cells
    /// (at K = 1000 and 10,000 predictions, at most 10,000 of a million);
    /// metrics, rendering and PNG encoding run on the writer's background
    /// thread from that copy.
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};
    /// # let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::create(dir.path().join("val"))?;
    /// let mut cm = ConfusionMatrix::with_class_names(["cat", "dog"])?;
    /// cm.update(&[0u8, 1, 1], &[0u8, 1, 0])?;
    /// let epoch: usize = 3; // any integer type
    /// writer.add_confusion_matrix("confusion_matrix", &cm, epoch, &ConfusionOptions::default())?;
    /// writer.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`add_scalar`](Self::add_scalar), for the tag `tag`. A failure of
    /// the background work ([`WriteError::Job`], whose source is the
    /// [`RenderError`](render::RenderError)) comes back from a later call,
    /// [`flush`](Self::flush) or [`close`](Self::close).
    pub fn add_confusion_matrix<S>(
        &self,
        tag: &str,
        cm: &ConfusionMatrix,
        step: S,
        options: &ConfusionOptions,
    ) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        self.submit_confusion(tag, cm, step, options, MatrixKind::Classification)
    }

    /// Queues the bundle of `cm` as a matrix of `kind`: the one way both
    /// [`add_confusion_matrix`](Self::add_confusion_matrix) and
    /// [`add_detection_matrix`](Self::add_detection_matrix) (and
    /// [`add_segmentation_matrix`](Self::add_segmentation_matrix)) log.
    pub(crate) fn submit_confusion<S>(
        &self,
        tag: &str,
        cm: &ConfusionMatrix,
        step: S,
        options: &ConfusionOptions,
        kind: MatrixKind,
    ) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        let step = crate::event::writer::to_step(step)?;
        // The job gets the non-zero cells: at K = 1000 a few thousand instead
        // of a million, so the caller's copy and the queued jobs stay small.
        // The PR curves' histograms (K × 2 × 201 buckets) are copied only when
        // they will be drawn on.
        let scores = (options.pr_curves && kind == MatrixKind::Classification)
            .then(|| cm.score_histogram().cloned())
            .flatten();
        let (tag_owned, cm, mut options) = (
            tag.to_owned(),
            Arc::new(SparseCounts::of(cm)),
            options.clone(),
        );
        // The image sets a detection matrix's background apart.
        options.render.background_last = kind == MatrixKind::Detection;
        // One class order per tag for the life of the writer, however the
        // caller builds its options (fresh ones per call lose nothing).
        options.render.orders = (*self.kept_or_insert("", render::OrderMemo::default)).clone();
        // Only a pointer is kept and handed over here; the comparison runs in the job.
        let compare = kind == MatrixKind::Classification && options.delta == Delta::PreviousStep;
        let previous = compare
            .then(|| self.kept::<PreviousStep>(tag))
            .flatten()
            .map(|kept| (*kept).clone());
        let kept = compare.then(|| Arc::clone(&cm));
        self.submit_job(
            tag,
            &[tag],
            step,
            Box::new(move || {
                let bundle = Bundle {
                    tag: &tag_owned,
                    cm: &cm,
                    scores: scores.as_ref(),
                    step: step.0,
                    options: &options,
                    kind,
                    previous: previous.as_ref(),
                };
                Ok(bundle.values()?)
            }),
        )?;
        // Remembered only once the step was accepted, so a rejected call changes nothing.
        if let Some(counts) = kept {
            self.keep(
                tag,
                Arc::new(PreviousStep {
                    step: step.0,
                    counts,
                }),
            );
        }
        Ok(())
    }
}

/// Which metrics a matrix gets: a detection matrix (last class
/// `background`) logs detection metrics instead of the classification ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MatrixKind {
    Classification,
    Detection,
    /// Pixels of label maps: pixel accuracy and IoU instead.
    Segmentation,
}

/// Builds every value [`SummaryWriter::add_confusion_matrix`] logs, in
/// order, on the calling thread (the step only goes into the titles).
///
/// # Errors
///
/// A [`RenderError`](render::RenderError) from drawing or encoding an image
/// (a matrix too large for `max_side_px` is not one: its image is left out).
pub fn confusion_values(
    tag: &str,
    cm: &ConfusionMatrix,
    step: impl Into<Step>,
    options: &ConfusionOptions,
) -> Result<Vec<Value>, render::RenderError> {
    values_on_this_thread(tag, cm, step.into(), None, options)
}

/// [`confusion_values`] for a step that follows `previous`, the matrix logged
/// under `tag` at `previous_step`: with `T/delta` and the changes in
/// `T/table`, as [`SummaryWriter::add_confusion_matrix`] logs them from a
/// tag's second step on (unless [`delta`](ConfusionOptions::delta) is off,
/// or the two matrices have different classes).
///
/// # Examples
///
/// ```
/// use tbconfusion::ConfusionMatrix;
/// use tbconfusion::confusion::logging::confusion_values_since;
/// let mut before = ConfusionMatrix::with_class_names(["cat", "dog"])?;
/// before.update(&[0u8, 1, 1], &[1u8, 1, 0])?;
/// let mut now = ConfusionMatrix::with_class_names(["cat", "dog"])?;
/// now.update(&[0u8, 1, 1], &[0u8, 1, 0])?;
/// let values = confusion_values_since("cm", &now, 2, &before, 1, &Default::default())?;
/// assert!(values.iter().any(|v| v.tag == "cm/delta"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`confusion_values`].
pub fn confusion_values_since(
    tag: &str,
    cm: &ConfusionMatrix,
    step: impl Into<Step>,
    previous: &ConfusionMatrix,
    previous_step: impl Into<Step>,
    options: &ConfusionOptions,
) -> Result<Vec<Value>, render::RenderError> {
    let previous = (previous, previous_step.into());
    values_on_this_thread(tag, cm, step.into(), Some(previous), options)
}

/// What [`confusion_values`] and [`confusion_values_since`] share: the
/// background job's work, done here.
fn values_on_this_thread(
    tag: &str,
    cm: &ConfusionMatrix,
    step: Step,
    previous: Option<(&ConfusionMatrix, Step)>,
    options: &ConfusionOptions,
) -> Result<Vec<Value>, render::RenderError> {
    let previous = previous
        .filter(|_| options.delta == Delta::PreviousStep)
        .map(|(matrix, step)| PreviousStep {
            step: step.get(),
            counts: Arc::new(SparseCounts::of(matrix)),
        });
    let counts = SparseCounts::of(cm);
    let bundle = Bundle {
        tag,
        cm: &counts,
        scores: cm.score_histogram().filter(|_| options.pr_curves),
        step: step.get(),
        options,
        kind: MatrixKind::Classification,
        previous: previous.as_ref(),
    };
    bundle.values()
}

/// One tag at one step, from the non-zero cells: what the logging job
/// builds its values from.
#[derive(Clone, Copy)]
struct Bundle<'a> {
    tag: &'a str,
    cm: &'a SparseCounts,
    /// The matrix's score histograms, when PR curves are to be logged.
    scores: Option<&'a ScoreHistogram>,
    step: i64,
    options: &'a ConfusionOptions,
    kind: MatrixKind,
    /// The tag's previous logged step, for `T/delta` (classification only).
    previous: Option<&'a PreviousStep>,
}

impl Bundle<'_> {
    /// Every value, in logging order.
    fn values(self) -> Result<Vec<Value>, render::RenderError> {
        let Bundle {
            tag,
            cm,
            step,
            options,
            ..
        } = self;
        let k = cm.num_classes();
        // A matrix too large for one pixel per class within `max_side_px` has no
        // full image; its `T/top_confused` sub-matrix and the rest are still logged.
        let render_main = || match render::sparse_render_png_titled(cm, tag, step, &options.render)
        {
            Ok(png) => Ok(Some(png)),
            Err(render::RenderError::TooLarge { .. }) => Ok(None),
            Err(e) => Err(e),
        };
        // Large matrices, and steps with a `T/delta` picture to draw: the main
        // image on a second core while the rest (metrics, table, sub-matrix,
        // delta, counts) is built here. Small ones without a delta are done
        // before a thread would even start.
        let draws_delta = self.previous.is_some()
            || matches!(options.delta, Delta::Baseline(_))
                && self.kind == MatrixKind::Classification;
        let (main_png, mut side) = std::thread::scope(|scope| {
            let main = (options.image && (k >= PARALLEL_FROM_CLASSES || draws_delta))
                .then(|| scope.spawn(render_main));
            let side = self.side_values();
            let main_png = match main {
                Some(handle) => handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))?,
                None if options.image => render_main()?,
                None => None,
            };
            Ok::<_, render::RenderError>((main_png, side?))
        })?;
        if let Some(png) = main_png {
            side.insert(0, summary::image(tag, png));
        }
        Ok(side)
    }

    /// Everything but the main image, in logging order.
    fn side_values(self) -> Result<Vec<Value>, render::RenderError> {
        let Bundle {
            tag,
            cm,
            step,
            options,
            kind,
            previous,
            ..
        } = self;
        let k = cm.num_classes();
        let change = match &options.delta {
            Delta::Baseline(baseline) if kind == MatrixKind::Classification => {
                RowShareChange::against_baseline(baseline, cm, step)
            }
            _ => previous.and_then(|previous| RowShareChange::between(previous, cm, step)),
        };
        let metrics = Metrics::of_sparse(cm, options.zero_division);
        let mut values = Vec::new();
        if options.image && k > options.top_confused_above {
            let sub = SparseCounts::of(&render::sparse_top_confused(
                cm,
                options.top_confused_classes,
            ));
            let sub_tag = format!("{tag}/top_confused");
            // Like the full image: what does not fit `max_side_px` is left out,
            // never the table, scalars and counts with it.
            let sub_options = render::top_confused_options(&options.render, &sub, k);
            match render::sparse_render_png_titled(&sub, &sub_tag, step, &sub_options) {
                Ok(png) => values.push(summary::image(&sub_tag, png)),
                Err(render::RenderError::TooLarge { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if let Some(change) = change.as_ref().filter(|_| options.image) {
            if let Some(png) = render::render_delta_png(tag, change, cm, &options.render)? {
                values.push(summary::image(&format!("{tag}/delta"), png));
            }
        }
        // With sample weights, the same metrics over the weighted plane.
        let weighted = Metrics::of_sparse_weighted(cm, options.zero_division);
        if options.table {
            // The background is no class one detects: its precision and recall mean nothing,
            // so only the counts matrix shows it.
            let listed = if kind == MatrixKind::Detection {
                k - 1
            } else {
                k
            };
            let mut markdown = sparse_report_listing(cm, &metrics, &options.report, listed);
            if kind == MatrixKind::Detection {
                // The classification headline (accuracy, κ, MCC) gives way to the detection one.
                let rest = markdown.split_once('\n').map_or("", |(_, rest)| rest);
                markdown = format!("{}\n{rest}", detection_headline(cm, options.zero_division));
            }
            if kind == MatrixKind::Segmentation {
                let rest = markdown.split_once('\n').map_or("", |(_, rest)| rest);
                markdown = format!("{}\n{rest}", segmentation_headline(cm));
            }
            if let Some(w) = &weighted {
                let f = format_rate;
                markdown.push_str(&format!(
                "\n**Weighted by sample weight:** total weight {}, accuracy {}, balanced accuracy {}, \
                 macro F1 {}, weighted F1 {}, MCC {}, κ {}\n",
                f(w.total),
                f(w.accuracy),
                f(w.balanced_accuracy.value),
                f(w.macro_f1.value),
                f(w.weighted_f1),
                f(w.mcc),
                f(w.kappa)
            ));
            }
            if let Some(change) = &change {
                markdown.push_str(&change.markdown());
            }
            values.push(summary::text(&format!("{tag}/table"), &markdown));
        }
        let mut scalar = |name: String, v: f64| {
            if v.is_finite() {
                values.push(summary::scalar(&name, v as f32));
            }
        };
        if options.scalars && kind == MatrixKind::Detection {
            let per_class = k - 1 <= options.per_class_scalars_up_to;
            for (name, v) in detection_scalars(cm, &metrics, options.zero_division, per_class) {
                scalar(format!("{tag}/{name}"), v);
            }
        } else if options.scalars && kind == MatrixKind::Segmentation {
            let per_class = k <= options.per_class_scalars_up_to;
            for (name, v) in segmentation_scalars(cm, per_class) {
                scalar(format!("{tag}/{name}"), v);
            }
        } else if options.scalars {
            // The overall metrics, and the same over sample weights when there are any.
            let overall = |m: &Metrics| {
                [
                    ("accuracy", m.accuracy),
                    ("balanced_accuracy", m.balanced_accuracy.value),
                    ("macro_f1", m.macro_f1.value),
                    ("weighted_f1", m.weighted_f1),
                    ("mcc", m.mcc),
                    ("kappa", m.kappa),
                ]
            };
            for (name, v) in overall(&metrics) {
                scalar(format!("{tag}/{name}"), v);
            }
            for (name, v) in weighted.as_ref().map(overall).into_iter().flatten() {
                scalar(format!("{tag}/weighted/{name}"), v);
            }
            if k <= options.per_class_scalars_up_to {
                for (name, m) in cm.class_names().iter().zip(&metrics.per_class) {
                    scalar(format!("{tag}/precision/{name}"), m.precision);
                    scalar(format!("{tag}/recall/{name}"), m.recall);
                    scalar(format!("{tag}/f1/{name}"), m.f1);
                }
            }
        }
        if let Some(scores) = self.scores {
            pr_curve_values(tag, cm, scores, options, &mut values);
        }
        if options.counts {
            let (tensor, content) = counts::sparse_encode(cm);
            let counts_tag = format!("{tag}{}", counts::COUNTS_TAG_SUFFIX);
            values.push(summary::tensor(&counts_tag, tensor, COUNTS_PLUGIN, content));
        }
        Ok(values)
    }
}

/// The PR curves `T/pr/<class>`, and with the scalars the average
/// precisions `T/ap/<class>` and their mean `T/map`, of a matrix that was
/// given scores. Undefined average precisions (a class without samples) are
/// left out, and out of the mean.
fn pr_curve_values(
    tag: &str,
    cm: &SparseCounts,
    histogram: &ScoreHistogram,
    options: &ConfusionOptions,
    values: &mut Vec<Value>,
) {
    if histogram.rows() == 0 {
        return;
    }
    let per_class = cm.num_classes() <= options.per_class_scalars_up_to;
    let content = pr_curve::plugin_content();
    let mut sum = 0.0;
    let mut defined = 0usize;
    for (class, name) in cm.class_names().iter().enumerate() {
        let Some(curve) = histogram.curve(class) else {
            continue;
        };
        let ap = curve.average_precision();
        if let Some(ap) = ap {
            sum += ap;
            defined += 1;
        }
        if per_class {
            values.push(summary::tensor(
                &format!("{tag}/pr/{name}"),
                curve.to_tensor(),
                pr_curve::PR_CURVES_PLUGIN,
                content.clone(),
            ));
            if let Some(ap) = ap.filter(|_| options.scalars) {
                values.push(summary::scalar(&format!("{tag}/ap/{name}"), ap as f32));
            }
        }
    }
    if options.scalars && defined > 0 {
        values.push(summary::scalar(
            &format!("{tag}/map"),
            (sum / defined as f64) as f32,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::summary::value::Value as ValueKind;

    /// The Markdown of `T/table` for `cm` logged as a matrix of `kind`.
    fn table(cm: &ConfusionMatrix, kind: MatrixKind) -> String {
        let cm = SparseCounts::of(cm);
        let options = ConfusionOptions::default().image(false);
        let bundle = Bundle {
            tag: "t",
            cm: &cm,
            scores: None,
            step: 1,
            options: &options,
            kind,
            previous: None,
        };
        let values = bundle.values().unwrap();
        let text = values.iter().find(|v| v.tag == "t/table").unwrap();
        let Some(ValueKind::Tensor(tensor)) = &text.value else {
            panic!("t/table is not a text tensor");
        };
        String::from_utf8(tensor.string_val[0].clone()).unwrap()
    }

    #[test]
    fn detection_tables_list_background_in_the_counts_but_not_per_class() {
        // cat, dog, background: 5 cats found, 1 missed; 2 false dogs.
        let mut cm = ConfusionMatrix::with_class_names(["cat", "dog", "background"]).unwrap();
        cm.update(
            &[0u8, 0, 0, 0, 0, 0, 1, 2, 2],
            &[0u8, 0, 0, 0, 0, 2, 1, 1, 1],
        )
        .unwrap();
        let detection = table(&cm, MatrixKind::Detection);
        let (counts, per_class) = detection.split_once("**Per class**").unwrap();
        assert!(
            counts.contains("| **background** | 0 | 2 | 0 | 2 |"),
            "{counts}"
        );
        assert!(per_class.contains("| cat | 6 | 5 |"), "{per_class}");
        assert!(per_class.contains("| dog | 1 | 3 |"), "{per_class}");
        assert!(!per_class.contains("background"), "{per_class}");
        // A classification matrix with a class named background keeps its row.
        let classification = table(&cm, MatrixKind::Classification);
        let (_, per_class) = classification.split_once("**Per class**").unwrap();
        assert!(per_class.contains("| background | 2 | 1 |"), "{per_class}");
    }

    /// Step 1: a 2/4 right, b 3/4, c 1/2 (accuracy 6/10). Step 2: a 3/4, b 2/4, c 2/2 (7/10).
    fn logged_twice(options: &ConfusionOptions) -> Vec<(i64, Vec<Value>)> {
        use crate::event::reader::EventFileReader;
        let dir = tempfile::tempdir().unwrap();
        let writer = SummaryWriter::create(dir.path()).unwrap();
        for (step, rows) in [
            (1, [2u64, 2, 0, 0, 3, 1, 1, 0, 1]),
            (2, [3, 1, 0, 0, 2, 2, 0, 0, 2]),
        ] {
            let mut cm = ConfusionMatrix::from_counts(3, rows.to_vec()).unwrap();
            cm.set_class_names(["a", "b", "c"]).unwrap();
            writer
                .add_confusion_matrix("cm", &cm, step, options)
                .unwrap();
        }
        let path = writer.close().unwrap();
        let mut reader = EventFileReader::open(path).unwrap();
        let mut steps = Vec::new();
        while let Some((_, event)) = reader.read_event().unwrap() {
            if let Some(crate::proto::event::What::Summary(summary)) = event.what {
                steps.push((event.step, summary.value));
            }
        }
        steps
    }

    fn text_of(values: &[Value], tag: &str) -> String {
        let text = values.iter().find(|v| v.tag == tag).unwrap();
        let Some(ValueKind::Tensor(tensor)) = &text.value else {
            panic!("{tag} is not a text tensor");
        };
        String::from_utf8(tensor.string_val[0].clone()).unwrap()
    }

    #[test]
    fn second_step_logs_the_delta_image_and_the_changes_in_the_table() {
        let steps = logged_twice(&ConfusionOptions::default());
        assert_eq!(steps.len(), 2);
        let (first, second) = (&steps[0].1, &steps[1].1);
        assert!(first.iter().all(|v| v.tag != "cm/delta"));
        assert!(!text_of(first, "cm/table").contains("Against step"));
        let delta = second.iter().find(|v| v.tag == "cm/delta").unwrap();
        assert!(matches!(delta.value, Some(ValueKind::Image(_))));
        let table = text_of(second, "cm/table");
        for line in [
            "**Against step 1 (previous logged step):** accuracy 0.7000 (+10.00 pp)",
            "| a | 0.7500 | +25.00 pp |",
            "| b | 0.5000 | -25.00 pp |",
            "| c | 1.0000 | +50.00 pp |",
        ] {
            assert!(table.contains(line), "{line} not in {table}");
        }
    }

    #[test]
    fn delta_off_logs_what_the_first_step_logs() {
        let steps = logged_twice(&ConfusionOptions::default().delta(Delta::Off));
        let tags = |values: &[Value]| values.iter().map(|v| v.tag.clone()).collect::<Vec<_>>();
        assert_eq!(tags(&steps[0].1), tags(&steps[1].1));
        assert!(!text_of(&steps[1].1, "cm/table").contains("Against step"));
    }

    #[test]
    fn a_baseline_is_compared_with_from_the_first_step() {
        // The baseline is step 1's matrix, so step 1 shows no change and step 2 the changes
        // of the previous-step test, now named after the baseline.
        let mut production =
            ConfusionMatrix::from_counts(3, vec![2, 2, 0, 0, 3, 1, 1, 0, 1]).unwrap();
        production.set_class_names(["a", "b", "c"]).unwrap();
        let options = ConfusionOptions::default().delta(Delta::baseline("production", &production));
        let steps = logged_twice(&options);
        for (step, values) in &steps {
            assert!(values.iter().any(|v| v.tag == "cm/delta"), "step {step}");
        }
        assert!(text_of(&steps[0].1, "cm/table").contains("| a | 0.5000 | +0.00 pp |"));
        let table = text_of(&steps[1].1, "cm/table");
        assert!(
            table.contains("**Against production (baseline):** accuracy 0.7000 (+10.00 pp)"),
            "{table}"
        );
        assert!(table.contains("| c | 1.0000 | +50.00 pp |"), "{table}");
        // Other classes than the baseline's: no comparison, the rest as usual.
        let mut other = ConfusionMatrix::from_counts(2, vec![1, 0, 0, 1]).unwrap();
        other.set_class_names(["x", "y"]).unwrap();
        let values = confusion_values("cm", &other, 1, &options).unwrap();
        assert!(values.iter().all(|v| v.tag != "cm/delta"));
    }
}
