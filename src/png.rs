//! An encoded PNG image together with its size, as an image summary needs it.

/// PNG bytes plus the width and height written into the image summary.
///
/// TensorBoard reads the size from the summary, not from the PNG, so the two
/// must agree; [`Png::new`] takes them from the PNG header to make that so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Png {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
    channels: u8,
}

/// The bytes given are not a PNG file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a PNG image: {0}")]
pub struct NotPng(&'static str);

impl Png {
    /// Wraps encoded PNG bytes, reading width and height from the IHDR chunk.
    pub fn new(bytes: Vec<u8>) -> Result<Png, NotPng> {
        const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.len() < 26 || &bytes[..8] != SIGNATURE {
            return Err(NotPng("missing the PNG signature"));
        }
        if &bytes[12..16] != b"IHDR" {
            return Err(NotPng("the first chunk is not IHDR"));
        }
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let (width, height) = (be(&bytes[16..20]), be(&bytes[20..24]));
        if width == 0 || height == 0 {
            return Err(NotPng("zero width or height"));
        }
        // IHDR colour type: grey, RGB, palette (decoded as RGB), grey + alpha, RGBA.
        let channels = match bytes[25] {
            0 => 1,
            2 | 3 => 3,
            4 => 2,
            6 => 4,
            _ => return Err(NotPng("unknown colour type in IHDR")),
        };
        Ok(Png {
            bytes,
            width,
            height,
            channels,
        })
    }

    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Consumes the image, returning the encoded bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Channels per decoded pixel, from the IHDR colour type: 1 grey, 2 grey
    /// and alpha, 3 RGB (palette images decode to RGB), 4 RGBA. This is the
    /// `colorspace` of TensorFlow's `Summary.Image`.
    pub fn channels(&self) -> u8 {
        self.channels
    }
}

/// The bytes of a `width` x `height` RGB PNG of one grey, as written by the `png` crate:
/// the unit tests' one test image.
#[cfg(test)]
pub(crate) fn tiny_png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.write_header()
        .unwrap()
        .write_image_data(&vec![9; (width * height * 3) as usize])
        .unwrap();
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_size_from_ihdr_and_rejects_other_bytes() {
        let img = Png::new(tiny_png(3, 2)).unwrap();
        assert_eq!((img.width(), img.height(), img.channels()), (3, 2, 3));
        let mut grey = Vec::new();
        let mut enc = png::Encoder::new(&mut grey, 2, 2);
        enc.set_color(png::ColorType::Grayscale);
        enc.write_header()
            .unwrap()
            .write_image_data(&[0, 80, 160, 255])
            .unwrap();
        assert_eq!(Png::new(grey.clone()).unwrap().channels(), 1);
        grey[25] = 5;
        assert!(Png::new(grey).is_err(), "colour type 5 does not exist");
        assert!(Png::new(b"GIF89a....................".to_vec()).is_err());
    }
}
