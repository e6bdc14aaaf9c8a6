//! # tbconfusion
//!
//! Confusion matrices in TensorBoard. Per training step, one call logs a
//! rendered, legible confusion-matrix image (Images tab, with the step
//! slider), the exact counts and a per-class report as a Markdown table
//! (Text tab), the metrics people report (Scalars tab) and the raw counts,
//! into event files that both of TensorBoard's loaders read.
//!
//! ```
//! use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let logdir = dir.path();
//! let writer = SummaryWriter::create(logdir.join("val"))?;
//! let options = ConfusionOptions::default();
//! for epoch in 0..3 {
//!     // Whatever your model predicted on the validation set this epoch.
//!     let y_true = [0, 1, 2, 2, 1, 0, 2];
//!     let y_pred = [0, 2, 2, 2, 1, 0, epoch.min(2)];
//!
//!     let mut cm = ConfusionMatrix::with_class_names(["cat", "dog", "bird"])?;
//!     cm.update(&y_true, &y_pred)?;
//!     writer.add_confusion_matrix("confusion_matrix", &cm, epoch, &options)?;
//!     writer.add_scalar("loss", 1.0 / (epoch + 1) as f32, epoch)?;
//! }
//! writer.close()?;
//! # Ok(()) }
//! ```
//!
//! Then `tensorboard --logdir <logdir> --samples_per_plugin images=1000`: by
//! default TensorBoard keeps only 10 images per tag, so the step slider
//! would skip most epochs (and `images=0` shows none at all).
//!
//! ## What one call logs
//!
//! For tag `T`: the image `T`, the Markdown table `T/table`, the scalars
//! `T/accuracy`, `T/balanced_accuracy`, `T/macro_f1`, `T/weighted_f1`,
//! `T/mcc`, `T/kappa` and per class `T/precision/<class>`,
//! `T/recall/<class>` and `T/f1/<class>` (undefined values are left out, not
//! logged as NaN), the raw counts `T/counts`, and for many classes
//! `T/top_confused`, the most confused classes with an "(other)" row and
//! column. A matrix counted from scores
//! ([`ConfusionMatrix::update_from_scores`]) also logs per class a
//! precision–recall curve `T/pr/<class>` (the PR Curves tab), its average
//! precision `T/ap/<class>` and the mean `T/map`. See [`confusion::logging`].
//! [`SummaryWriter::add_confusion_examples`] adds a gallery of the inputs
//! behind the most confused pairs.
//!
//! Object detectors and segmentation models have their own entry points,
//! which log the metrics that make sense for them:
//! [`SummaryWriter::add_detection_matrix`] (a `background` class, boxes
//! matched by documented rules: see [`confusion::detection`]) and
//! [`SummaryWriter::add_segmentation_matrix`] (pixel accuracy, IoU per class,
//! mean IoU).
//!
//! [`SummaryWriter::add_hparams`] makes the run a row of TensorBoard's HParams
//! tab: its hyperparameters ([`HParams`]) next to the latest value of each
//! metric it logs, sortable and filterable. See [`hparams`].
//!
//! The call copies the counts and returns: metrics, rendering and PNG
//! encoding run on the writer's background thread, and a second thread
//! writes the file.
//!
//! [`cookbook`] has recipes: merging matrices across data-parallel
//! workers, segmentation with an ignore index, weighted samples, and
//! back-filling from stored predictions.
//!
//! ## Layers, low to high
//!
//! Each layer uses only the ones above it in this list:
//!
//! - [`record`]: TFRecord framing with masked CRC-32C, and a resumable reader.
//! - [`proto`]: the protobuf messages (generated code, committed).
//! - [`event`]: the event file writer ([`SummaryWriter`]), a reader, and the
//!   [`Step`] and [`WallTime`] newtypes.
//! - [`summary`]: scalar, image, text and tensor values with the plugin
//!   metadata each needs.
//! - [`hparams`]: the hparams plugin's session start and end.
//! - [`confusion`]: counting ([`ConfusionMatrix`]), [`Metrics`], the Markdown
//!   report, rendering, the counts tensor, the gallery, and logging.
//!
//! The `tbconfusion` command (the `tbconfusion-cli` crate in the same
//! repository) converts prediction dumps from any framework into event files
//! and reads them back; this library depends on none of its crates.
#![warn(missing_docs)]

pub mod confusion;
pub mod cookbook;
mod draw;
pub mod event;
pub mod hparams;
pub mod png;
pub mod proto;
pub mod record;
pub mod summary;

pub use confusion::{
    ClassOrder, ColorMode, ConfusedExamples, ConfusionError, ConfusionMatrix, ConfusionOptions,
    Delta, GalleryError, GalleryOptions, Metrics, Normalization, RenderOptions, Thumbnail,
    ZeroDivision,
};
pub use event::{Step, StepOutOfRange, SummaryWriter, WallTime, WriteError, WriterOptions};
pub use hparams::{HParamValue, HParams, HParamsError};
pub use png::Png;
