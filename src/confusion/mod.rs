//! Confusion matrices: counting and merging ([`ConfusionMatrix`]), and the
//! raw-counts tensor logged beside each image ([`counts`]).

pub mod counts;
pub mod matrix;

pub use matrix::{ConfusionError, ConfusionMatrix, Normalization};
