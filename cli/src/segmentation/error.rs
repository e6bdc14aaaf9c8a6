//! What can be wrong with a set of label images.

use std::path::PathBuf;

use thiserror::Error;

/// An error found while pairing, decoding or counting label images.
#[derive(Debug, Error)]
pub enum SegmentationError {
    /// A prediction or a ground-truth mask has no counterpart.
    #[error(
        "{file}: no {missing} at {expected} (predictions and ground truth pair by relative path)"
    )]
    MissingCounterpart {
        /// The image that has no counterpart.
        file: PathBuf,
        /// `"ground truth"` or `"prediction"`.
        missing: &'static str,
        /// Where the counterpart was looked for.
        expected: PathBuf,
    },
    /// A prediction's size differs from its ground truth's.
    #[error(
        "{prediction}: {width}×{height} pixels, but its ground truth {truth} is \
         {truth_width}×{truth_height}; a prediction must have its ground truth's size"
    )]
    SizeMismatch {
        /// The prediction.
        prediction: PathBuf,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The ground truth.
        truth: PathBuf,
        /// The ground truth's width.
        truth_width: u32,
        /// The ground truth's height.
        truth_height: u32,
    },
    /// A pixel value is not a class (nor, in the ground truth, the ignore index).
    #[error(
        "{file}: pixel (x {x}, y {y}) has value {value}, expected a class in 0..{classes}{also}"
    )]
    BadValue {
        /// The image.
        file: PathBuf,
        /// Column of the pixel.
        x: u64,
        /// Row of the pixel.
        y: u64,
        /// Its value.
        value: i128,
        /// Number of classes (from `--labels`).
        classes: usize,
        /// What else is accepted (the ignore index, in the ground truth).
        also: String,
    },
    /// A PNG whose pixels are not single class indices.
    #[error(
        "{file}: a {color_type} PNG; label images must be grayscale (8 or 16 bits) or \
         palette images whose pixel value or palette index is the class"
    )]
    NotALabelImage {
        /// The image.
        file: PathBuf,
        /// Its colour type, as the PNG header gives it.
        color_type: String,
    },
    /// A file could not be decoded as PNG.
    #[error("{file}: not a readable PNG: {source}")]
    Png {
        /// The image.
        file: PathBuf,
        /// The decoder's error.
        #[source]
        source: png::DecodingError,
    },
    /// A file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Counting failed in a way no label image can cause (an overflow).
    #[error(transparent)]
    Matrix(#[from] tbconfusion::ConfusionError),
    /// A directory holds no PNG at all.
    #[error("{dir}: no .png label images found")]
    NoImages {
        /// The directory.
        dir: PathBuf,
    },
}
