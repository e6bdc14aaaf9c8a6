//! Confusion matrices: counting and merging ([`ConfusionMatrix`]), the
//! metrics derived from them ([`Metrics`]) and their Markdown report.

pub mod matrix;
pub mod metrics;
pub mod report;
pub mod wire;

pub use matrix::{ConfusionError, ConfusionMatrix, Label, Normalization};
pub use metrics::{Average, ClassMetrics, Metrics, ZeroDivision};
pub use report::{ConfusedPair, ReportOptions, markdown_report, most_confused_pairs};
