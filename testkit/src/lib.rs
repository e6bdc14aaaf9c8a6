//! The harness shared by tbconfusion's test binaries (the library's `tests/it` and the
//! command's `cli/tests/cli`); not published.
//!
//! - [`tensorboard`]: what real TensorBoard (both loaders) shows for a logdir, checked
//!   against a [`tensorboard::Manifest`]. These checks run only when
//!   [`tensorboard::ENABLE_VAR`] is set (`bash scripts/test.sh` sets it); otherwise each
//!   test that needs them says so on stderr and skips them.
//! - [`logdir`]: a logdir read back with the crate's own reader, and its manifest.
//! - `dumps` (feature `dumps`): input files for the command, written without Python.
//! - [`realistic`]: long-tailed and balanced matrices shaped like real data, names in five
//!   scripts.
//! - [`png()`]: a small valid PNG for tests that log images.

#[cfg(feature = "dumps")]
pub mod dumps;
pub mod logdir;
pub mod realistic;
pub mod tensorboard;

/// A valid RGB PNG of `width` x `height` pixels (a repeating byte ramp, so it is not
/// all one colour), for tests that need an image but not a particular one.
pub fn png(width: u32, height: u32) -> tbconfusion::Png {
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, width, height);
    enc.set_color(png::ColorType::Rgb);
    let pixels: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    enc.write_header()
        .unwrap()
        .write_image_data(&pixels)
        .unwrap();
    tbconfusion::Png::new(bytes).unwrap()
}
