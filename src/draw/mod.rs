//! The drawing toolkit: an RGB canvas with rectangles, hatching and text masks
//! ([`canvas`]), the embedded face with its glyph cache ([`text`]), colours and
//! colour ramps ([`color`]), and PNG encoding ([`encode`]).
//!
//! Nothing here knows about confusion matrices: the matrix renderer
//! (`confusion::render`) and the example gallery (`confusion::gallery`) both
//! draw with it. Everything is drawn straight into the pixel buffer with the
//! embedded DejaVu Sans face (no system fonts), so output is byte-for-byte
//! deterministic.

use thiserror::Error;

pub(crate) mod canvas;
pub(crate) mod color;
pub(crate) mod encode;
pub(crate) mod system_fonts;
pub(crate) mod text;

pub use canvas::RgbImage;
pub use encode::encode_png;

/// Why drawing or encoding an image failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DrawError {
    /// A font could not be parsed.
    #[error("cannot load {which}: {source}")]
    Font {
        /// Which font: the embedded face or the fallback.
        which: &'static str,
        /// The parser's error.
        source: ab_glyph::InvalidFont,
    },
    /// An [`RgbImage`] whose buffer does not match its size.
    #[error("RGB image {width}×{height} needs {} bytes, has {len}", (*width as u64) * (*height as u64) * 3)]
    BadImage {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Buffer length.
        len: usize,
    },
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    /// The encoded bytes were not accepted as a PNG (a bug: please report it).
    #[error("PNG encoding produced an invalid image: {0}")]
    Encode(#[from] crate::png::NotPng),
}
