//! Recipes for the situations training code meets, each a runnable example.
//!
//! The repository's `examples/` folder has whole programs:
//! `train_digits.rs` (a real training loop logging every epoch, with the
//! gallery of confused digits; the README's first command runs it),
//! `quickstart.rs`, and `render_samples.rs` (every size tier as PNG).
//!
//! # Merging across data-parallel workers
//!
//! Each worker counts its shard of the validation set; the matrices are
//! exact `u64` counts, so merging is associative and commutative and the
//! order the shards arrive in does not matter. Ship a matrix between
//! processes in its serde form (versioned, with an orientation tag; see
//! [`confusion::serialized`](crate::confusion::serialized)).
//!
//! ```
//! use tbconfusion::ConfusionMatrix;
//!
//! // On each worker:
//! let mut shard = ConfusionMatrix::with_class_names(["cat", "dog", "bird"])?;
//! shard.update(&[0u8, 1, 2], &[0u8, 2, 2])?;
//! let sent = serde_json::to_string(&shard)?;
//!
//! // On the worker that logs:
//! let mut total = ConfusionMatrix::with_class_names(["cat", "dog", "bird"])?;
//! for received in [sent.as_str(), sent.as_str()] {
//!     total.merge(&serde_json::from_str(received)?)?;
//! }
//! assert_eq!(total.total(), 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantic segmentation with an ignore index
//!
//! A segmentation batch is one prediction per pixel: flatten the label and
//! predicted masks and count them as they are. Pixels whose *true* label is
//! the ignore index (255 in Pascal VOC and Cityscapes, -100 in PyTorch's
//! losses) are skipped, their predictions unchecked, on the same fast
//! kernels (about a billion pixels a second).
//!
//! ```
//! use tbconfusion::ConfusionMatrix;
//!
//! let mut cm = ConfusionMatrix::with_class_names(["background", "road", "car"])?
//!     .with_ignore_index(255);
//! let truth: Vec<u8> = vec![0, 1, 1, 255, 2, 2]; // a 2×3 mask, flattened
//! let predicted: Vec<u8> = vec![0, 1, 2, 7, 2, 2];
//! cm.update(&truth, &predicted)?;
//! assert_eq!(cm.total(), 5); // the ignored pixel is not counted
//! # Ok::<(), tbconfusion::ConfusionError>(())
//! ```
//!
//! # Weighted samples
//!
//! With sample weights the counts stay exact and a second, weighted plane
//! holds the sums of weights; [`add_confusion_matrix`] then also logs the
//! metrics over that plane (`T/weighted/*`) and a line in the table.
//!
//! ```
//! use tbconfusion::ConfusionMatrix;
//!
//! let mut cm = ConfusionMatrix::new(2)?;
//! cm.update_weighted(&[0u8, 1, 1], &[0u8, 1, 0], &[1.0, 3.0, 0.5])?;
//! assert_eq!(cm.counts(), &[1, 0, 1, 1]);
//! assert_eq!(cm.weighted_counts(), Some(&[1.0, 0.0, 0.5, 3.0][..]));
//! # Ok::<(), tbconfusion::ConfusionError>(())
//! ```
//!
//! # Back-filling from stored predictions
//!
//! Predictions saved during an earlier run can be logged afterwards with
//! the times they were made: [`SummaryWriter::at`] gives a handle whose
//! events carry a wall time of your choosing, so TensorBoard's "relative"
//! and "wall" axes show the original run. A staged writer keeps the file
//! invisible to TensorBoard until [`close`](crate::SummaryWriter::close) succeeds.
//! (`tbconfusion convert` does this for dumps in CSV, JSON, NumPy and more.)
//!
//! ```
//! use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter, WallTime, WriterOptions};
//!
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::create_with(dir.path().join("val"), WriterOptions::default().staged(true))?;
//! let saved = [(1_700_000_000.0, [0u8, 1, 1], [0u8, 0, 1]), (1_700_000_600.0, [0, 1, 1], [0, 1, 1])];
//! for (epoch, (seconds, y_true, y_pred)) in saved.iter().enumerate() {
//!     let mut cm = ConfusionMatrix::with_class_names(["cat", "dog"])?;
//!     cm.update(y_true, y_pred)?;
//!     writer
//!         .at(WallTime::new(*seconds)?)
//!         .add_confusion_matrix("confusion_matrix", &cm, epoch, &ConfusionOptions::default())?;
//! }
//! let published = writer.close()?; // now TensorBoard sees it
//! assert!(published.exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`add_confusion_matrix`]: crate::SummaryWriter::add_confusion_matrix
//! [`SummaryWriter::at`]: crate::SummaryWriter::at
