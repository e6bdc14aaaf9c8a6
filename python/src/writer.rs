//! `tbconfusion.SummaryWriter`: the library's writer behind a
//! torch-like Python interface. Counting and queueing run with the GIL
//! released, on the caller's arrays in place.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use tbconfusion::confusion::Label;
use tbconfusion::{
    ConfusionError, ConfusionMatrix, ConfusionOptions, SummaryWriter as RustWriter, WallTime,
    WriteError, WriterOptions,
};

use crate::arrays::{self, with_label_slice};
use crate::errors::{confusion_error, write_error};
use crate::options::{self, Keywords};

/// Writes TensorBoard event files into one run directory: confusion
/// matrices (image, exact table, metrics, raw counts, PR curves), scalars
/// and text.
///
/// Events reach the file every ``flush_secs`` seconds, on :meth:`flush`
/// and on :meth:`close`; a ``with`` block closes the writer on exit.
/// Images are drawn on a background thread: the call costs the counting
/// and a copy of the non-zero cells.
///
/// Example::
///
///     import numpy as np, tbconfusion
///     with tbconfusion.SummaryWriter("runs/exp1/val") as w:
///         for step in range(3):
///             y_true = np.array([0, 1, 2, 2, 1])
///             y_pred = np.array([0, 2, 2, 2, 1])
///             w.add_confusion_matrix("confusion_matrix", y_true, y_pred, step,
///                                    labels=["cat", "dog", "bird"])
///             w.add_scalar("loss", 1.0 / (step + 1), step)
#[pyclass(module = "tbconfusion", name = "SummaryWriter", frozen)]
pub struct SummaryWriter {
    /// `None` once closed.
    writer: Mutex<Option<RustWriter>>,
    logdir: PathBuf,
}

/// Why a call failed while the GIL was released (exceptions are made after).
enum Failure {
    Confusion(ConfusionError),
    Write(WriteError),
}

impl From<Failure> for PyErr {
    fn from(failure: Failure) -> PyErr {
        match failure {
            Failure::Confusion(error) => confusion_error(error),
            Failure::Write(error) => write_error(error),
        }
    }
}

impl SummaryWriter {
    /// A handle on the open writer (a cheap clone), or `ValueError` once
    /// closed.
    fn handle(&self, walltime: Option<f64>) -> PyResult<RustWriter> {
        let guard = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let writer = guard
            .as_ref()
            .ok_or_else(|| write_error(WriteError::Closed))?;
        match walltime {
            None => Ok(writer.clone()),
            Some(seconds) => {
                let at =
                    WallTime::new(seconds).map_err(|e| PyValueError::new_err(e.to_string()))?;
                Ok(writer.at(at))
            }
        }
    }
}

/// Counts `y_true` against `y_pred` (with weights) and logs the matrix.
fn count_and_log<T: Label, U: Label>(
    writer: &RustWriter,
    mut cm: ConfusionMatrix,
    y_true: &[T],
    y_pred: &[U],
    weights: Option<&[f64]>,
    log: &Log<'_>,
) -> Result<(), Failure> {
    match weights {
        None => cm.update(y_true, y_pred),
        Some(weights) => cm.update_weighted(y_true, y_pred, weights),
    }
    .map_err(Failure::Confusion)?;
    writer
        .add_confusion_matrix(log.tag, &cm, log.step, log.options)
        .map_err(Failure::Write)
}

/// Counts the argmax of each score row against `y_true` and logs the
/// matrix (with its PR curves).
fn count_scores_and_log<T: Label>(
    writer: &RustWriter,
    mut cm: ConfusionMatrix,
    y_true: &[T],
    scores: &[f32],
    log: &Log<'_>,
) -> Result<(), Failure> {
    cm.update_from_scores(y_true, scores)
        .map_err(Failure::Confusion)?;
    writer
        .add_confusion_matrix(log.tag, &cm, log.step, log.options)
        .map_err(Failure::Write)
}

/// Rows of float64 scores narrowed to float32 at a time.
const NARROW_ROWS: usize = 4096;

/// [`count_scores_and_log`] for float64 scores, read in place: blocks of
/// rows are narrowed into one float32 buffer and counted in turn. The
/// matrix is this call's own, so an error in a later block leaves nothing
/// behind; the error's row index is made absolute.
fn count_f64_scores_and_log<T: Label>(
    writer: &RustWriter,
    mut cm: ConfusionMatrix,
    y_true: &[T],
    scores: &[f64],
    log: &Log<'_>,
) -> Result<(), Failure> {
    let k = cm.num_classes();
    let mut narrow = Vec::with_capacity(NARROW_ROWS.min(y_true.len()) * k);
    for (block, (labels, rows)) in y_true
        .chunks(NARROW_ROWS)
        .zip(scores.chunks(NARROW_ROWS * k))
        .enumerate()
    {
        narrow.clear();
        // Rounding to nearest, as numpy's astype(float32) does.
        narrow.extend(rows.iter().map(|&s| s as f32));
        cm.update_from_scores(labels, &narrow)
            .map_err(|mut error| {
                let offset = block * NARROW_ROWS;
                match &mut error {
                    ConfusionError::LabelOutOfRange { index, .. } => *index += offset,
                    ConfusionError::NanScore { row, .. } => *row += offset,
                    _ => {}
                }
                Failure::Confusion(error)
            })?;
    }
    writer
        .add_confusion_matrix(log.tag, &cm, log.step, log.options)
        .map_err(Failure::Write)
}

/// Where and how one matrix is logged.
struct Log<'a> {
    tag: &'a str,
    step: i64,
    options: &'a ConfusionOptions,
}

/// The number of classes: from the names, `num_classes` or the scores'
/// width, which must agree.
fn class_count(
    labels: Option<&[String]>,
    num_classes: Option<usize>,
    score_columns: Option<usize>,
) -> PyResult<usize> {
    let from_names = labels.map(<[String]>::len);
    let known = [
        ("labels", from_names),
        ("num_classes", num_classes),
        ("scores.shape[1]", score_columns),
    ];
    let mut given = known.iter().filter_map(|(what, k)| k.map(|k| (*what, k)));
    let Some((first, k)) = given.next() else {
        return Err(PyValueError::new_err(
            "the number of classes is unknown: pass labels=[class names] or num_classes=K \
             (it is not guessed from the labels seen, which would change between steps)",
        ));
    };
    if let Some((other, k2)) = given.find(|(_, k2)| *k2 != k) {
        return Err(PyValueError::new_err(format!(
            "{first} gives {k} classes but {other} gives {k2}"
        )));
    }
    Ok(k)
}

#[pymethods]
impl SummaryWriter {
    /// Creates ``logdir`` (and its parents) and opens a new event file in
    /// it.
    ///
    /// ``flush_secs``: how often buffered events reach the file (the
    /// library's default, 2 s). ``max_queue``: how many confusion matrices
    /// may wait to be drawn before a call waits (default 16).
    /// ``filename_suffix`` ends the file name; ``fsync`` syncs every write.
    ///
    /// Raises ``OSError`` when the directory or file cannot be created.
    #[new]
    #[pyo3(signature = (logdir, flush_secs = 2.0, max_queue = 16, filename_suffix = "", fsync = false))]
    fn new(
        py: Python<'_>,
        logdir: PathBuf,
        flush_secs: f64,
        max_queue: usize,
        filename_suffix: &str,
        fsync: bool,
    ) -> PyResult<Self> {
        let interval = Duration::try_from_secs_f64(flush_secs).map_err(|_| {
            PyValueError::new_err(format!(
                "flush_secs must be a finite, non-negative number of seconds, got {flush_secs}"
            ))
        })?;
        if max_queue == 0 {
            return Err(PyValueError::new_err("max_queue must be at least 1, got 0"));
        }
        let options = WriterOptions::default()
            .flush_interval(interval)
            .job_queue(max_queue)
            .filename_suffix(filename_suffix)
            .fsync(fsync);
        let writer = py
            .detach(|| RustWriter::create_with(&logdir, options))
            .map_err(write_error)?;
        Ok(SummaryWriter {
            writer: Mutex::new(Some(writer)),
            logdir,
        })
    }

    /// The run directory given to the constructor.
    #[getter]
    fn logdir(&self) -> PathBuf {
        self.logdir.clone()
    }

    /// The event file being written (``ValueError`` once closed).
    #[getter]
    fn path(&self) -> PyResult<PathBuf> {
        Ok(self.handle(None)?.path().to_owned())
    }

    /// Logs a confusion matrix at ``step``: the image ``tag``, the exact
    /// table ``tag/table``, the metrics ``tag/accuracy``, ``tag/macro_f1``,
    /// … and per class, the raw counts ``tag/counts`` and, from
    /// ``scores``, a PR curve per class.
    ///
    /// ``y_true``: the true class index of every sample (any integer dtype;
    /// numpy arrays, lists, torch CPU tensors). ``y_pred``: the predicted
    /// indices, or leave it out and pass ``scores``, N × K logits or
    /// probabilities, whose row argmax is the prediction. The number of
    /// classes comes from ``labels`` (the class names), ``num_classes`` or
    /// the scores' width.
    ///
    /// Contiguous arrays are read in place (float64 scores are narrowed to
    /// float32, as the library counts them, 4096 rows at a time) and
    /// counted with the GIL released.
    ///
    /// Raises ``ValueError`` for a bad label (naming the first bad sample:
    /// its index and value), mismatched lengths or shapes, a step not above
    /// the tag's previous one, or a bad option; ``OSError`` when the disk
    /// fails.
    ///
    /// Example::
    ///
    ///     w.add_confusion_matrix("cm", y_true, y_pred, step, labels=["cat", "dog", "bird"])
    ///     w.add_confusion_matrix("cm", y_true, step=step, scores=logits,
    ///                            labels=["cat", "dog", "bird"], normalize="true")
    #[pyo3(signature = (
        tag, y_true, y_pred = None, step = None, *, labels = None, num_classes = None,
        scores = None, score_kind = "auto", sample_weight = None, ignore_index = None,
        normalize = None, color_mode = None, class_order = None, annotate = None,
        colorbar = None, margins = None, max_side_px = None, system_fonts = None,
        zero_division = None, per_class_scalars_up_to = None, top_confused_above = None,
        top_confused_classes = None, image = None, table = None, scalars = None,
        counts = None, pr_curves = None, delta = None, walltime = None
    ))]
    #[allow(
        clippy::too_many_arguments,
        reason = "one Python keyword argument each"
    )]
    fn add_confusion_matrix(
        &self,
        py: Python<'_>,
        tag: &str,
        y_true: &Bound<'_, PyAny>,
        y_pred: Option<&Bound<'_, PyAny>>,
        step: Option<i64>,
        labels: Option<Vec<String>>,
        num_classes: Option<usize>,
        scores: Option<&Bound<'_, PyAny>>,
        score_kind: &str,
        sample_weight: Option<&Bound<'_, PyAny>>,
        ignore_index: Option<i64>,
        normalize: Option<String>,
        color_mode: Option<String>,
        class_order: Option<String>,
        annotate: Option<String>,
        colorbar: Option<bool>,
        margins: Option<bool>,
        max_side_px: Option<u32>,
        system_fonts: Option<bool>,
        zero_division: Option<String>,
        per_class_scalars_up_to: Option<usize>,
        top_confused_above: Option<usize>,
        top_confused_classes: Option<usize>,
        image: Option<bool>,
        table: Option<bool>,
        scalars: Option<bool>,
        counts: Option<bool>,
        pr_curves: Option<bool>,
        delta: Option<String>,
        walltime: Option<f64>,
    ) -> PyResult<()> {
        let step = step.ok_or_else(|| {
            PyTypeError::new_err("add_confusion_matrix() missing required argument 'step'")
        })?;
        let options = Keywords {
            normalize,
            color_mode,
            class_order,
            annotate,
            colorbar,
            margins,
            max_side_px,
            system_fonts,
            zero_division,
            per_class_scalars_up_to,
            top_confused_above,
            top_confused_classes,
            image,
            table,
            scalars,
            counts,
            pr_curves,
            delta,
        }
        .options()?;
        let writer = self.handle(walltime)?;
        let y_true = arrays::labels(y_true, "y_true")?;
        let log = Log {
            tag,
            step,
            options: &options,
        };
        match (y_pred, scores) {
            (Some(_), Some(_)) => Err(PyTypeError::new_err(
                "pass either y_pred or scores (whose argmax is the prediction), not both",
            )),
            (None, None) => Err(PyTypeError::new_err(
                "add_confusion_matrix() needs y_pred or scores=",
            )),
            (Some(y_pred), None) => {
                if scores.is_none() && score_kind != "auto" {
                    return Err(PyTypeError::new_err("score_kind applies only with scores="));
                }
                let y_pred = arrays::labels(y_pred, "y_pred")?;
                let weights = sample_weight.map(arrays::weights).transpose()?;
                let weights = weights.as_ref().map(arrays::contiguous).transpose()?;
                let k = class_count(labels.as_deref(), num_classes, None)?;
                let cm = new_matrix(labels, k, ignore_index)?;
                with_label_slice!(&y_true, |t| with_label_slice!(&y_pred, |p| {
                    py.detach(|| count_and_log(&writer, cm, t, p, weights, &log))?;
                    Ok(())
                }))
            }
            (None, Some(scores)) => {
                if sample_weight.is_some() {
                    return Err(PyTypeError::new_err(
                        "sample_weight applies only with y_pred, not with scores=",
                    ));
                }
                let kind = options::score_kind(score_kind)?;
                let scores = arrays::scores(scores)?;
                let (rows, columns) = scores.dim();
                let k = class_count(labels.as_deref(), num_classes, Some(columns))?;
                if rows != y_true.len() {
                    return Err(PyValueError::new_err(format!(
                        "scores has {rows} rows but y_true has {} labels (one row per sample)",
                        y_true.len()
                    )));
                }
                let cm = new_matrix(labels, k, ignore_index)?.with_score_kind(kind);
                let not_contiguous = |e| PyValueError::new_err(format!("scores: {e}"));
                match &scores {
                    arrays::Scores::F32(array) => {
                        let scores = array.as_slice().map_err(not_contiguous)?;
                        with_label_slice!(&y_true, |t| {
                            py.detach(|| count_scores_and_log(&writer, cm, t, scores, &log))?;
                            Ok(())
                        })
                    }
                    arrays::Scores::F64(array) => {
                        let scores = array.as_slice().map_err(not_contiguous)?;
                        with_label_slice!(&y_true, |t| {
                            py.detach(|| count_f64_scores_and_log(&writer, cm, t, scores, &log))?;
                            Ok(())
                        })
                    }
                }
            }
        }
    }

    /// Logs a scalar (stored as float32, as TensorBoard does) at ``step``.
    ///
    /// Raises ``ValueError`` for a step not above the tag's previous one.
    ///
    /// Example::
    ///
    ///     w.add_scalar("loss", 0.25, step)
    #[pyo3(signature = (tag, value, step, *, walltime = None))]
    fn add_scalar(&self, tag: &str, value: f64, step: i64, walltime: Option<f64>) -> PyResult<()> {
        self.handle(walltime)?
            .add_scalar(tag, value, step)
            .map_err(write_error)
    }

    /// Logs Markdown text (the Text tab) at ``step``.
    ///
    /// Example::
    ///
    ///     w.add_text("notes", "learning rate **halved**", step)
    #[pyo3(signature = (tag, text, step, *, walltime = None))]
    fn add_text(&self, tag: &str, text: &str, step: i64, walltime: Option<f64>) -> PyResult<()> {
        self.handle(walltime)?
            .add_text(tag, text, step)
            .map_err(write_error)
    }

    /// Waits until everything logged so far, images included, is in the
    /// file. Raises the error of any image that failed to build.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let writer = self.handle(None)?;
        py.detach(|| writer.flush()).map_err(write_error)
    }

    /// Writes everything and closes the file; later calls raise
    /// ``ValueError``. Closing again does nothing.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match writer {
            None => Ok(()),
            Some(writer) => py.detach(|| writer.close()).map(drop).map_err(write_error),
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the writer; an exception from the block propagates.
    #[pyo3(signature = (_exc_type = None, _exc_value = None, _traceback = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("SummaryWriter({:?})", self.logdir.display().to_string())
    }
}

/// An empty matrix with `k` classes, named when `labels` were given.
fn new_matrix(
    labels: Option<Vec<String>>,
    k: usize,
    ignore_index: Option<i64>,
) -> PyResult<ConfusionMatrix> {
    let cm = match labels {
        Some(names) => ConfusionMatrix::with_class_names(names),
        None => ConfusionMatrix::new(k),
    }
    .map_err(confusion_error)?;
    Ok(match ignore_index {
        Some(label) => cm.with_ignore_index(label),
        None => cm,
    })
}
