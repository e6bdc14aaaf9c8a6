//! Drawing primitives on [`RgbImage`]: filled and hatched rectangles, and text masks blended in
//! a colour, optionally turned a quarter turn counter-clockwise (reading bottom to top).

use super::color::{HATCH_BACKGROUND, HATCH_STRIPE, Rgb, blend};
use super::text::Mask;

/// An 8-bit RGB image, row-major, 3 bytes per pixel, no padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes: R, G, B for each pixel, rows top to bottom.
    pub pixels: Vec<u8>,
}

/// An axis-aligned pixel rectangle; `x`, `y` are the top-left corner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rect {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) w: u32,
    pub(crate) h: u32,
}

impl Rect {
    pub(crate) fn new(x: u32, y: u32, w: u32, h: u32) -> Rect {
        Rect { x, y, w, h }
    }

    pub(crate) fn right(&self) -> u32 {
        self.x + self.w
    }

    pub(crate) fn bottom(&self) -> u32 {
        self.y + self.h
    }

    /// Whether the two rectangles share any pixel.
    pub(crate) fn intersects(&self, other: &Rect) -> bool {
        self.w > 0
            && self.h > 0
            && other.w > 0
            && other.h > 0
            && self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    /// Whether `other` lies entirely inside `self`.
    #[cfg(test)]
    pub(crate) fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }
}

impl RgbImage {
    /// A `width` × `height` image filled with `color`.
    pub(crate) fn filled(width: u32, height: u32, color: Rgb) -> RgbImage {
        let len = width as usize * height as usize * 3;
        let pixels = if color[0] == color[1] && color[1] == color[2] {
            // The usual white canvas: a plain memset.
            vec![color[0]; len]
        } else {
            let mut v = vec![0u8; len];
            for px in v.chunks_exact_mut(3) {
                px.copy_from_slice(&color);
            }
            v
        };
        RgbImage {
            width,
            height,
            pixels,
        }
    }

    fn clip(&self, r: Rect) -> Rect {
        let x = r.x.min(self.width);
        let y = r.y.min(self.height);
        Rect::new(
            x,
            y,
            r.right().min(self.width) - x,
            r.bottom().min(self.height) - y,
        )
    }

    /// The colour at (`x`, `y`).
    #[cfg(test)]
    pub(crate) fn pixel(&self, x: u32, y: u32) -> Rgb {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    pub(crate) fn fill_rect(&mut self, r: Rect, color: Rgb) {
        let r = self.clip(r);
        if r.w == 0 {
            return;
        }
        let stride = self.width as usize * 3;
        let first = r.y as usize * stride + r.x as usize * 3;
        let row_len = r.w as usize * 3;
        for dst in self.pixels[first..first + row_len].chunks_exact_mut(3) {
            dst.copy_from_slice(&color);
        }
        // Copy the first row down: memcpy is faster than per-pixel writes.
        for row in 1..r.h as usize {
            let start = first + row * stride;
            self.pixels.copy_within(first..first + row_len, start);
        }
    }

    /// Grey with diagonal stripes: "no value here", distinct from any colour-map colour.
    /// Stripes follow absolute coordinates so adjacent hatched cells join seamlessly.
    pub(crate) fn hatch_rect(&mut self, r: Rect) {
        let r = self.clip(r);
        for y in r.y..r.bottom() {
            for x in r.x..r.right() {
                let c = if (x + y) % 8 < 2 {
                    HATCH_STRIPE
                } else {
                    HATCH_BACKGROUND
                };
                let i = (y as usize * self.width as usize + x as usize) * 3;
                self.pixels[i..i + 3].copy_from_slice(&c);
            }
        }
    }

    /// Blends `color` through `mask` with its top-left at (`x`, `y`); `opacity` scales the mask.
    /// With `rotated`, the mask is turned a quarter turn counter-clockwise first, so it occupies
    /// `mask.height` × `mask.width` pixels and reads bottom to top.
    pub(crate) fn draw_mask(
        &mut self,
        mask: &Mask,
        x: u32,
        y: u32,
        color: Rgb,
        opacity: u8,
        rotated: bool,
    ) {
        for my in 0..mask.height {
            for mx in 0..mask.width {
                let c = mask.coverage[(my * mask.width + mx) as usize];
                if c == 0 {
                    continue;
                }
                let (px, py) = if rotated {
                    (x + my, y + (mask.width - 1 - mx))
                } else {
                    (x + mx, y + my)
                };
                if px >= self.width || py >= self.height {
                    continue;
                }
                let alpha = ((u32::from(c) * u32::from(opacity) + 127) / 255) as u8;
                let i = (py as usize * self.width as usize + px as usize) * 3;
                let bg = [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]];
                self.pixels[i..i + 3].copy_from_slice(&blend(bg, color, alpha));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_geometry() {
        let a = Rect::new(0, 0, 10, 10);
        assert!(a.intersects(&Rect::new(9, 9, 5, 5)));
        assert!(!a.intersects(&Rect::new(10, 0, 5, 5)));
        assert!(!a.intersects(&Rect::new(3, 3, 0, 5)));
        assert!(a.contains(&Rect::new(2, 2, 8, 8)));
        assert!(!a.contains(&Rect::new(2, 2, 9, 8)));
    }

    #[test]
    fn fill_and_rotated_mask_land_where_expected() {
        let mut img = RgbImage::filled(8, 6, [255, 255, 255]);
        img.fill_rect(Rect::new(6, 4, 10, 10), [1, 2, 3]);
        assert_eq!(img.pixel(7, 5), [1, 2, 3]);
        assert_eq!(img.pixel(5, 5), [255, 255, 255]);
        // A 3×1 mask with ink only at its first (leftmost) pixel: rotated, that pixel is at the
        // bottom of a 1×3 column.
        let mask = Mask {
            width: 3,
            height: 1,
            coverage: vec![255, 0, 0],
        };
        img.draw_mask(&mask, 0, 0, [0, 0, 0], 255, true);
        assert_eq!(img.pixel(0, 2), [0, 0, 0]);
        assert_eq!(img.pixel(0, 0), [255, 255, 255]);
    }
}
