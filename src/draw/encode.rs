//! PNG encoding tuned for confusion matrices.
//!
//! Heatmaps have few distinct colours (ramps are quantised, text coverage has 16 levels), so an
//! image with at most 256 colours is written as an indexed PNG: one byte per pixel, long runs,
//! and deflate finds repeated rows. Richer images (many annotated cells with anti-aliased text)
//! fall back to RGB. Both use the fast `fdeflate` path: indexed images with the `Up` filter
//! (cell rows repeat, so `Up` turns them into zeros), RGB with `Paeth` (smallest of the fixed
//! filters at the same speed). Times and sizes are measured in `benches/render.rs`.

use super::DrawError;
use super::canvas::RgbImage;
use crate::png::Png;

/// Encodes `img` as a PNG: indexed colour when it has ≤ 256 colours, else RGB.
pub fn encode_png(img: &RgbImage) -> Result<Png, DrawError> {
    let expected = img.width as usize * img.height as usize * 3;
    if img.width == 0 || img.height == 0 || img.pixels.len() != expected {
        return Err(DrawError::BadImage {
            width: img.width,
            height: img.height,
            len: img.pixels.len(),
        });
    }
    let mut bytes = Vec::with_capacity(expected / 16);
    {
        let mut enc = png::Encoder::new(&mut bytes, img.width, img.height);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let palette = if few_colours_in_sample(img) {
            palette_indices(img)
        } else {
            None
        };
        let data = match palette {
            Some((palette, indices)) => {
                enc.set_color(png::ColorType::Indexed);
                enc.set_palette(palette);
                enc.set_filter(png::Filter::Up);
                indices
            }
            None => {
                enc.set_color(png::ColorType::Rgb);
                // Measured at K = 10: Paeth gives 65 KB against Up's 76 KB in the same time.
                enc.set_filter(png::Filter::Paeth);
                img.pixels.clone()
            }
        };
        let mut writer = enc.write_header()?;
        writer.write_image_data(&data)?;
        writer.finish()?;
    }
    Ok(Png::new(bytes)?)
}

/// Whether every 8th row together has at most 256 colours: a cheap test that rejects
/// annotated images (anti-aliased text on many cell colours) before a full palette pass.
fn few_colours_in_sample(img: &RgbImage) -> bool {
    let mut table = ColourTable::new();
    let row = img.width as usize * 3;
    img.pixels
        .chunks_exact(row)
        .step_by(8)
        .flat_map(|r| r.chunks_exact(3))
        .all(|px| {
            let c = u32::from_le_bytes([px[0], px[1], px[2], 0]);
            table.index_of(c, |_| {}).is_some()
        })
}

/// Pixels compared at a time with the row above.
const BLOCK_PIXELS: usize = 64;

/// The palette (RGB triples in order of first appearance, so output is deterministic) and one
/// index per pixel, or `None` when the image has more than 256 colours.
fn palette_indices(img: &RgbImage) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut palette: Vec<u8> = Vec::with_capacity(256 * 3);
    let mut table = ColourTable::new();
    let mut indices: Vec<u8> = Vec::with_capacity(img.pixels.len() / 3);
    let mut last: Option<(u32, u8)> = None;
    let row_len = img.width as usize;
    let row_bytes = row_len * 3;
    for (y, row) in img.pixels.chunks_exact(row_bytes).enumerate() {
        for (b, block) in row.chunks(BLOCK_PIXELS * 3).enumerate() {
            let x = b * BLOCK_PIXELS;
            // Heatmap cells are many identical pixel rows: where a block
            // equals the one above, copy its indices (a memcmp instead of a
            // table lookup per pixel).
            if y > 0 {
                let above = (y - 1) * row_bytes + x * 3;
                if img.pixels[above..above + block.len()] == *block {
                    let start = (y - 1) * row_len + x;
                    indices.extend_from_within(start..start + block.len() / 3);
                    continue;
                }
            }
            for px in block.chunks_exact(3) {
                let c = u32::from_le_bytes([px[0], px[1], px[2], 0]);
                // Runs of one colour are the common case: skip the table for them.
                let index = match last {
                    Some((lc, li)) if lc == c => li,
                    _ => {
                        let index = table.index_of(c, |i| {
                            debug_assert_eq!(palette.len() / 3, usize::from(i));
                            palette.extend_from_slice(&px[..3]);
                        })?;
                        last = Some((c, index));
                        index
                    }
                };
                indices.push(index);
            }
        }
    }
    Some((palette, indices))
}

/// Colour → palette index, open addressing over 512 slots: at most 256 colours, so the table
/// is never more than half full. Much faster than a SipHash map over millions of pixels.
struct ColourTable {
    /// `(colour + 1, index)`; 0 marks an empty slot.
    slots: [(u32, u8); 512],
    len: usize,
}

impl ColourTable {
    fn new() -> Self {
        ColourTable {
            slots: [(0, 0); 512],
            len: 0,
        }
    }

    /// The index of `colour`, inserting it (and calling `on_insert`) when new; `None` once a
    /// 257th colour appears.
    fn index_of(&mut self, colour: u32, on_insert: impl FnOnce(u8)) -> Option<u8> {
        let key = colour + 1;
        let mut slot = (key.wrapping_mul(0x9E37_79B1) >> 23) as usize;
        loop {
            match self.slots[slot] {
                (0, _) => {
                    let index = u8::try_from(self.len).ok()?;
                    self.slots[slot] = (key, index);
                    self.len += 1;
                    on_insert(index);
                    return Some(index);
                }
                (k, index) if k == key => return Some(index),
                _ => slot = (slot + 1) % self.slots.len(),
            }
        }
    }
}

/// Decodes a PNG back to RGB (palette expanded), for the tests that compare
/// against committed images.
#[cfg(test)]
pub(crate) fn decode_png(bytes: &[u8]) -> RgbImage {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut reader = dec.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a PNG size")];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels");
    pixels.truncate(info.buffer_size());
    RgbImage {
        width: info.width,
        height: info.height,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_palette_and_rgb_images() {
        let few = RgbImage {
            width: 4,
            height: 2,
            pixels: [[1, 2, 3], [9, 9, 9]].repeat(4).concat(),
        };
        let many = RgbImage {
            width: 300,
            height: 1,
            pixels: (0..900).map(|i| (i % 251) as u8).collect(),
        };
        for img in [few, many] {
            let png = encode_png(&img).unwrap();
            assert_eq!(decode_png(png.bytes()), img);
        }
    }

    #[test]
    fn palette_holds_exactly_256_colours() {
        let colours = |n: u32| RgbImage {
            width: n,
            height: 1,
            pixels: (0..n)
                .flat_map(|i| [(i % 256) as u8, (i / 256) as u8, 7])
                .collect(),
        };
        let (palette, indices) = palette_indices(&colours(256)).unwrap();
        assert_eq!(palette.len(), 256 * 3);
        assert_eq!(indices, (0..=255).collect::<Vec<u8>>());
        assert!(palette_indices(&colours(257)).is_none());
    }

    #[test]
    fn rejects_inconsistent_buffers() {
        let bad = RgbImage {
            width: 3,
            height: 3,
            pixels: vec![0; 5],
        };
        assert!(matches!(encode_png(&bad), Err(DrawError::BadImage { .. })));
    }
}
