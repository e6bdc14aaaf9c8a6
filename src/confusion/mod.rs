//! Confusion matrices: counting and merging ([`ConfusionMatrix`]), the
//! metrics derived from them ([`Metrics`]), their Markdown report, the
//! rendered image ([`render`]), the raw-counts tensor ([`counts`]), and
//! logging all of it in one call ([`logging`]).

pub mod compare;
mod counting;
pub mod counts;
pub mod delta;
pub mod detection;
mod format;
pub mod gallery;
mod kernel;
mod label;
pub mod logging;
mod matrix;
mod metrics;
pub mod pr_curve;
pub mod render;
mod report;
mod score_histogram;
pub mod segmentation;
pub mod serialized;
mod sparse;

pub use counting::argmax;
pub use delta::Delta;
pub use gallery::{ConfusedExamples, GalleryError, GalleryOptions, Thumbnail};
pub use logging::ConfusionOptions;
pub use matrix::{ConfusionError, ConfusionMatrix, Label, Normalization};
pub use metrics::{Average, ClassMetrics, Metrics, ZeroDivision, wilson_interval};
pub use pr_curve::PrCurve;
pub use render::{
    Annotate, ClassOrder, ColorMode, DrawError, RenderError, RenderOptions, RgbImage,
    default_title, encode_png, render_png, render_rgb, top_confused,
};
pub use report::{ConfusedPair, ReportOptions, markdown_report, most_confused_pairs};
pub use score_histogram::{
    PROBABILITY_SUM_TOLERANCE, ScoreHistogram, ScoreKind, is_probability_row,
};
