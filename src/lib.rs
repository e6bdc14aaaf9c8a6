//! tbconfusion: TensorBoard event files with rendered confusion matrices.
#![warn(missing_docs)]

pub mod confusion;
pub mod png;
pub mod proto;

pub use confusion::{ConfusionError, ConfusionMatrix, Normalization};
pub use png::Png;
