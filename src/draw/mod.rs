//! The drawing toolkit: an RGB canvas with rectangles, hatching and text masks
//! ([`canvas`]), the embedded face with its glyph cache ([`text`]), colours and
//! colour ramps ([`color`]), and PNG encoding ([`encode`]).
//!
//! Nothing here knows about confusion matrices: the matrix renderer
//! (`confusion::render`) and the example gallery (`confusion::gallery`) both
//! draw with it. Everything is drawn straight into the pixel buffer with the
//! embedded DejaVu Sans face (no system fonts), so output is byte-for-byte
//! deterministic.

pub(crate) mod canvas;
pub(crate) mod color;
pub(crate) mod encode;
pub(crate) mod text;

pub use canvas::RgbImage;
pub use encode::encode_png;
