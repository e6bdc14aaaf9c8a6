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
//! | `T/counts` | (none) | the raw counts, for `tbconfusion export` |
//!
//! A matrix with more classes than `max_side_px` has pixels gets no `T`
//! image, only `T/top_confused`.
//!
//! Undefined metrics (a class never predicted has no precision) are left
//! out of the scalars rather than logged as NaN, which would break the
//! chart. The bundle owns every tag under `T/`.

use super::counts::{self, COUNTS_PLUGIN};
use super::matrix::{ConfusionMatrix, Normalization};
use super::metrics::{Metrics, ZeroDivision};
use super::render::{self, ColorMode, RenderOptions};
use super::report::{ReportOptions, sparse_report};
use super::sparse::SparseCounts;
use crate::event::{Backfill, Step, SummaryWriter, WallTime, WriteError};
use crate::proto::summary::Value;
use crate::summary;

/// From this many classes on, the main image is drawn on its own thread.
const PARALLEL_FROM_CLASSES: usize = 30;

/// What [`SummaryWriter::add_confusion_matrix`] logs, and how it renders.
#[derive(Clone, Debug)]
pub struct ConfusionOptions {
    /// How the image is drawn.
    pub render: RenderOptions,
    /// What the Markdown table holds.
    pub report: ReportOptions,
    /// What a metric with a zero denominator becomes.
    pub zero_division: ZeroDivision,
    /// Log the rendered image `T`.
    pub image: bool,
    /// Log the Markdown table `T/table`.
    pub table: bool,
    /// Log the overall metric scalars.
    pub scalars: bool,
    /// Log per-class precision, recall and F1 while K is at most this
    /// (default 100; thousands of charts help nobody).
    pub per_class_scalars_up_to: usize,
    /// Log `T/top_confused` when K is above this (default 30).
    pub top_confused_above: usize,
    /// Classes in the `T/top_confused` sub-matrix (default 20).
    pub top_confused_classes: usize,
    /// Log the raw counts `T/counts`.
    pub counts: bool,
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
        }
    }
}

impl ConfusionOptions {
    /// What the colours and percentages show (default: counts, with each
    /// cell's share of its row as the percentage).
    pub fn normalization(mut self, normalization: Normalization) -> Self {
        self.render.normalization = normalization;
        self
    }

    /// Sequential colours, or separate scales for the diagonal and the errors.
    pub fn color_mode(mut self, mode: ColorMode) -> Self {
        self.render.color_mode = mode;
        self
    }

    /// Replaces the rendering options.
    pub fn render_options(mut self, render: RenderOptions) -> Self {
        self.render = render;
        self
    }

    /// Replaces the zero-division policy of the metrics.
    pub fn zero_division(mut self, policy: ZeroDivision) -> Self {
        self.zero_division = policy;
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
    /// thread from that copy. Errors from that
    /// work come back from a later call, [`flush`](Self::flush) or
    /// [`close`](Self::close).
    pub fn add_confusion_matrix(
        &self,
        tag: &str,
        cm: &ConfusionMatrix,
        step: impl Into<Step>,
        options: &ConfusionOptions,
    ) -> Result<(), WriteError> {
        log_confusion(self, tag, cm, step.into(), None, options)
    }
}

impl Backfill<'_> {
    /// [`SummaryWriter::add_confusion_matrix`] at this view's wall time.
    pub fn add_confusion_matrix(
        &self,
        tag: &str,
        cm: &ConfusionMatrix,
        step: impl Into<Step>,
        options: &ConfusionOptions,
    ) -> Result<(), WriteError> {
        log_confusion(
            self.writer,
            tag,
            cm,
            step.into(),
            Some(self.wall_time),
            options,
        )
    }
}

fn log_confusion(
    writer: &SummaryWriter,
    tag: &str,
    cm: &ConfusionMatrix,
    step: Step,
    wall_time: Option<WallTime>,
    options: &ConfusionOptions,
) -> Result<(), WriteError> {
    // The job gets the non-zero cells: at K = 1000 a few thousand instead of
    // a million, so the caller's copy and the queued jobs stay small.
    let (tag_owned, cm, options) = (tag.to_owned(), SparseCounts::of(cm), options.clone());
    writer.submit_job(
        tag,
        &[tag],
        step,
        wall_time,
        Box::new(move || {
            sparse_values(&tag_owned, &cm, step.0, &options).map_err(|e| e.to_string())
        }),
    )
}

/// Builds every value [`SummaryWriter::add_confusion_matrix`] logs, in order.
pub fn confusion_values(
    tag: &str,
    cm: &ConfusionMatrix,
    step: i64,
    options: &ConfusionOptions,
) -> Result<Vec<Value>, render::RenderError> {
    sparse_values(tag, &SparseCounts::of(cm), step, options)
}

/// [`confusion_values`] from the non-zero cells.
fn sparse_values(
    tag: &str,
    cm: &SparseCounts,
    step: i64,
    options: &ConfusionOptions,
) -> Result<Vec<Value>, render::RenderError> {
    let k = cm.num_classes();
    // A matrix too large for one pixel per class within `max_side_px` has no
    // full image; its `T/top_confused` sub-matrix and the rest are still logged.
    let render_main = || match render::sparse_render_png_titled(cm, tag, step, &options.render) {
        Ok(png) => Ok(Some(png)),
        Err(render::RenderError::TooLarge { .. }) => Ok(None),
        Err(e) => Err(e),
    };
    // Large matrices: draw the main image on a second core while the
    // metrics, table, sub-matrix and counts are built here. Small ones are
    // done before a thread would even start.
    let (main_png, mut side) = std::thread::scope(|scope| {
        let main = (options.image && k >= PARALLEL_FROM_CLASSES).then(|| scope.spawn(render_main));
        let side = side_values(tag, cm, step, options);
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
        side.insert(0, summary::image(tag, png, true));
    }
    Ok(side)
}

/// Everything but the main image, in logging order.
fn side_values(
    tag: &str,
    cm: &SparseCounts,
    step: i64,
    options: &ConfusionOptions,
) -> Result<Vec<Value>, render::RenderError> {
    let k = cm.num_classes();
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
        match render::sparse_render_png_titled(&sub, &sub_tag, step, &options.render) {
            Ok(png) => values.push(summary::image(&sub_tag, png, true)),
            Err(render::RenderError::TooLarge { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    // With sample weights, the same metrics over the weighted plane.
    let weighted = Metrics::of_sparse_weighted(cm, options.zero_division);
    if options.table {
        let mut markdown = sparse_report(cm, &metrics, &options.report);
        if let Some(w) = &weighted {
            let f = |v: f64| {
                if v.is_finite() {
                    format!("{v:.4}")
                } else {
                    "—".to_owned()
                }
            };
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
        values.push(summary::text(&format!("{tag}/table"), &markdown, true));
    }
    let mut scalar = |name: String, v: f64| {
        if v.is_finite() {
            values.push(summary::scalar(&name, v as f32, true));
        }
    };
    if options.scalars {
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
    if options.counts {
        let (tensor, content) = counts::sparse_encode(cm);
        let counts_tag = format!("{tag}/counts");
        values.push(summary::tensor(
            &counts_tag,
            tensor,
            COUNTS_PLUGIN,
            content,
            true,
        ));
    }
    Ok(values)
}
