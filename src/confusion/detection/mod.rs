//! Object detection: a confusion matrix with a `background` class, counted
//! by matching each image's detections to its ground truth.
//!
//! [`DetectionMatrix`] is (K+1)×(K+1), rows the true class and columns the
//! predicted class, `background` last. [`MatchPolicy`] documents exactly
//! how boxes are paired: the class-aware greedy default, and presets that
//! reproduce Ultralytics' validation matrix. Log it with
//! [`SummaryWriter::add_detection_matrix`](crate::SummaryWriter::add_detection_matrix),
//! which logs the metrics that make sense for detection (per-class and
//! micro precision, recall and F1 at the thresholds; no accuracy, κ or
//! MCC, which a background class makes meaningless).
//!
//! ```
//! use tbconfusion::SummaryWriter;
//! use tbconfusion::confusion::ConfusionOptions;
//! use tbconfusion::confusion::detection::{BoundingBox, Detection, DetectionMatrix, GroundTruth, MatchOptions};
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::create(dir.path().join("val"))?;
//! let mut cm = DetectionMatrix::new(["person", "car"], MatchOptions::default())?;
//! // Per validation image, what the model found and what is there:
//! cm.update_image(
//!     &[GroundTruth::new(1, BoundingBox::xywh(10.0, 20.0, 50.0, 30.0))],
//!     &[Detection::new(1, BoundingBox::xywh(12.0, 21.0, 50.0, 30.0), 0.87)],
//! )?;
//! writer.add_detection_matrix("detection", &cm, 1, &ConfusionOptions::default())?;
//! writer.close()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod boxes;
mod logging;
mod matching;
mod matrix;

pub use boxes::{BoundingBox, Detection, GroundTruth};
pub(crate) use logging::{detection_headline, detection_scalars};
pub use matching::MatchPolicy;
pub use matrix::{BACKGROUND, BoxKind, DetectionError, DetectionMatrix, MatchOptions};
