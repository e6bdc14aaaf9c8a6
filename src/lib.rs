//! tbconfusion: TensorBoard event files with rendered confusion matrices.
#![warn(missing_docs)]

pub mod confusion;
pub mod event;
pub mod png;
pub mod proto;
pub mod record;
pub mod summary;

pub use confusion::{ConfusionError, ConfusionMatrix, Normalization};
pub use png::Png;
