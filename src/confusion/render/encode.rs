//! PNG encoding tuned for confusion matrices.
//!
//! Heatmaps have few distinct colours (ramps are quantised, text coverage has 16 levels), so an
//! image with at most 256 colours is written as an indexed PNG: one byte per pixel, long runs,
//! and deflate finds repeated rows. Richer images (many annotated cells with anti-aliased text)
//! fall back to RGB. Both use the fast `fdeflate` path with the `Up` filter: cell rows repeat,
//! so `Up` turns them into zeros and the fast compressor does well (measured in
//! `benches/render.rs`).

use std::collections::HashMap;

use super::{RenderError, RgbImage};
use crate::png::Png;

/// Encodes `img` as a PNG: indexed colour when it has ≤ 256 colours, else RGB.
pub fn encode_png(img: &RgbImage) -> Result<Png, RenderError> {
    let expected = img.width as usize * img.height as usize * 3;
    if img.width == 0 || img.height == 0 || img.pixels.len() != expected {
        return Err(RenderError::BadImage {
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
        enc.set_filter(png::Filter::Up);
        let data = match palette_indices(img) {
            Some((palette, indices)) => {
                enc.set_color(png::ColorType::Indexed);
                enc.set_palette(palette);
                indices
            }
            None => {
                enc.set_color(png::ColorType::Rgb);
                img.pixels.clone()
            }
        };
        let mut writer = enc.write_header()?;
        writer.write_image_data(&data)?;
        writer.finish()?;
    }
    Png::new(bytes).map_err(|e| RenderError::Encode(e.to_string()))
}

/// The palette (RGB triples in order of first appearance, so output is deterministic) and one
/// index per pixel, or `None` when the image has more than 256 colours.
fn palette_indices(img: &RgbImage) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut palette: Vec<u8> = Vec::with_capacity(256 * 3);
    let mut lookup: HashMap<[u8; 3], u8> = HashMap::with_capacity(256);
    let mut indices = Vec::with_capacity(img.pixels.len() / 3);
    let mut last: Option<([u8; 3], u8)> = None;
    for px in img.pixels.chunks_exact(3) {
        let c = [px[0], px[1], px[2]];
        // Runs of one colour are the common case: skip the hash lookup for them.
        let index = match last {
            Some((lc, li)) if lc == c => li,
            _ => {
                let index = match lookup.get(&c) {
                    Some(&i) => i,
                    None => {
                        let i = u8::try_from(lookup.len()).ok()?;
                        lookup.insert(c, i);
                        palette.extend_from_slice(&c);
                        i
                    }
                };
                last = Some((c, index));
                index
            }
        };
        indices.push(index);
    }
    Some((palette, indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
        dec.set_transformations(png::Transformations::EXPAND);
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

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
            let (w, h, pixels) = decode(png.bytes());
            assert_eq!((w, h), (img.width, img.height));
            assert_eq!(pixels, img.pixels);
        }
    }

    #[test]
    fn rejects_inconsistent_buffers() {
        let bad = RgbImage {
            width: 3,
            height: 3,
            pixels: vec![0; 5],
        };
        assert!(matches!(
            encode_png(&bad),
            Err(RenderError::BadImage { .. })
        ));
    }
}
