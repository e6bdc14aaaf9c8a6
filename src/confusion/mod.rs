//! Confusion matrices: counting and merging ([`ConfusionMatrix`]) and rendering them
//! ([`render`]).

pub mod matrix;
pub mod render;

pub use matrix::{ConfusionError, ConfusionMatrix, Normalization};
pub use render::{
    Annotate, ColorMode, RenderError, RenderOptions, RgbImage, default_title, encode_png,
    render_png, render_rgb, top_confused,
};
