//! Decoding label images: a PNG whose grey value (1 to 16 bits) or palette
//! index is the class of each pixel.

use std::path::Path;

use png::{BitDepth, ColorType, Transformations};

use super::error::SegmentationError;

/// The class of every pixel, row-major.
#[derive(Debug)]
pub enum Classes<'a> {
    /// From 1- to 8-bit images.
    Narrow(&'a [u8]),
    /// From 16-bit images.
    Wide(&'a [u16]),
}

/// One worker's decoding buffers, reused from image to image.
#[derive(Debug, Default)]
pub struct MaskDecoder {
    file: Vec<u8>,
    raw: Vec<u8>,
    narrow: Vec<u8>,
    wide: Vec<u16>,
}

/// A decoded label image: its size and classes.
#[derive(Debug)]
pub struct Mask<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The class of every pixel.
    pub classes: Classes<'a>,
}

impl MaskDecoder {
    /// Decodes the label image at `path`, without any of PNG's usual
    /// expansions: a palette index stays the index, 16 bits stay 16 bits.
    pub fn decode(&mut self, path: &Path) -> Result<Mask<'_>, SegmentationError> {
        let png_error = |source| SegmentationError::Png {
            file: path.to_owned(),
            source,
        };
        self.file.clear();
        let read_error = |source| SegmentationError::Read {
            file: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(read_error)?;
        std::io::Read::read_to_end(&mut file, &mut self.file).map_err(read_error)?;
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&self.file[..]));
        decoder.set_transformations(Transformations::IDENTITY);
        let mut reader = decoder.read_info().map_err(png_error)?;
        let (color_type, depth) = reader.output_color_type();
        if !matches!(color_type, ColorType::Grayscale | ColorType::Indexed) {
            return Err(SegmentationError::NotALabelImage {
                file: path.to_owned(),
                color_type: format!("{color_type:?} {}-bit", depth as u8).to_lowercase(),
            });
        }
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| png_error(png::DecodingError::LimitsExceeded))?;
        self.raw.resize(size, 0);
        let frame = reader.next_frame(&mut self.raw).map_err(png_error)?;
        let (width, height) = (frame.width, frame.height);
        let pixels = width as usize * height as usize;
        let rows = self.raw[..frame.buffer_size()].chunks_exact(frame.line_size);
        let classes = match depth {
            BitDepth::Eight => Classes::Narrow(&self.raw[..pixels]),
            BitDepth::Sixteen => {
                self.wide.clear();
                self.wide.extend(
                    self.raw[..pixels * 2]
                        .chunks_exact(2)
                        .map(|b| u16::from_be_bytes([b[0], b[1]])),
                );
                Classes::Wide(&self.wide)
            }
            // 1, 2 and 4 bits: several pixels per byte, high bits first,
            // each row starting on a byte.
            low => {
                let bits = low as usize;
                let mask = (1u8 << bits) - 1;
                self.narrow.clear();
                for row in rows {
                    let unpacked = row.iter().flat_map(|&byte| {
                        (0..8 / bits)
                            .rev()
                            .map(move |i| (byte >> (i * bits)) & mask)
                    });
                    self.narrow.extend(unpacked.take(width as usize));
                }
                Classes::Narrow(&self.narrow)
            }
        };
        Ok(Mask {
            width,
            height,
            classes,
        })
    }
}
