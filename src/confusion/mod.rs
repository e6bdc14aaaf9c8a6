//! Confusion matrices: counting and merging ([`ConfusionMatrix`]).

pub mod matrix;

pub use matrix::{ConfusionError, ConfusionMatrix, Normalization};
