//! tbconfusion: TensorBoard event files with rendered confusion matrices.
#![warn(missing_docs)]

pub mod confusion;
pub mod proto;

pub use confusion::{ConfusionError, ConfusionMatrix, Normalization};
