//! Text: the embedded DejaVu Sans face (plus an optional caller-supplied fallback face),
//! measuring, middle-ellipsizing and rasterising single lines into coverage masks.
//!
//! Glyphs are rasterised once per (face, glyph, size) and reused: at K = 10 about 200 cell
//! labels share some 15 distinct glyphs, so rasterising dominates otherwise. Glyphs sit on
//! whole pixels (no subpixel positioning), which is what makes the cache exact and the
//! output byte-for-byte deterministic.
//!
//! Scripts the faces lack (e.g. CJK with DejaVu) are never silently dropped: such characters
//! draw as the font's visible `.notdef` box unless a fallback face covering them is given in
//! [`RenderOptions::fallback_font_bytes`](crate::confusion::RenderOptions::fallback_font_bytes).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ab_glyph::{Font, FontArc, GlyphId, PxScale, ScaleFont, point};

use super::DrawError;

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The embedded face, parsed once per process.
pub(crate) fn primary_face() -> Result<&'static FontArc, DrawError> {
    static FACE: OnceLock<Result<FontArc, ab_glyph::InvalidFont>> = OnceLock::new();
    FACE.get_or_init(|| FontArc::try_from_slice(DEJAVU_SANS))
        .as_ref()
        .map_err(|&source| DrawError::Font {
            which: "the embedded DejaVu Sans",
            source,
        })
}

/// A single line of text as 8-bit coverage, `height` rows of `width` bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Mask {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) coverage: Vec<u8>,
}

#[derive(Debug)]
struct GlyphBitmap {
    left: i32,
    top: i32,
    width: u32,
    height: u32,
    coverage: Vec<u8>,
}

struct Placed {
    face: u8,
    glyph: GlyphId,
    x: i32,
}

const NOTDEF: GlyphId = GlyphId(0);

/// Width and height of the box drawn for a character no face has.
fn missing_box(px: u32) -> (u32, u32) {
    ((px * 11).div_ceil(20).max(3), (px * 7).div_ceil(10).max(3))
}

/// A hollow rectangle standing on the baseline, one pixel of space on either side.
fn missing_glyph(px: u32) -> GlyphBitmap {
    let (width, height) = missing_box(px);
    let coverage = (0..height)
        .flat_map(|y| {
            (0..width).map(move |x| {
                let edge = x == 0 || y == 0 || x == width - 1 || y == height - 1;
                if edge { 255 } else { 0 }
            })
        })
        .collect();
    GlyphBitmap {
        left: 1,
        top: -(height as i32),
        width,
        height,
        coverage,
    }
}

/// Hebrew, Arabic and the other right-to-left scripts.
fn is_rtl(ch: char) -> bool {
    matches!(ch as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// The characters of `text` left to right as they are seen: each right-to-left run reversed,
/// and the runs themselves reversed when the text starts right-to-left (a minimal bidi for
/// one-line labels: a Hebrew or Arabic name reads correctly, a "_3" suffix stays readable).
/// Arabic letters are not joined into their contextual forms.
fn visual_order(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    if !chars.iter().copied().any(is_rtl) {
        return chars;
    }
    // Runs of one direction; neutrals (spaces, punctuation) join the run they are in.
    let mut runs: Vec<(bool, Vec<char>)> = Vec::new();
    for ch in chars {
        let rtl = is_rtl(ch);
        let neutral = !ch.is_alphanumeric();
        match runs.last_mut() {
            Some((dir, run)) if *dir == rtl || neutral => run.push(ch),
            _ => runs.push((rtl, vec![ch])),
        }
    }
    let starts_rtl = runs.first().is_some_and(|(rtl, _)| *rtl);
    if starts_rtl {
        runs.reverse();
    }
    runs.into_iter()
        .flat_map(|(rtl, mut run)| {
            if rtl {
                run.reverse();
            }
            run
        })
        .collect()
}

/// Measures and rasterises text with a per-render glyph cache.
pub(crate) struct Typesetter<'f> {
    faces: Vec<&'f FontArc>,
    glyphs: HashMap<(u8, GlyphId, u32), GlyphBitmap>,
}

/// Coverage is kept at 16 levels: indistinguishable on screen, and it bounds how many distinct
/// colours text adds to the image, which keeps heatmap PNGs palette-encodable.
fn quantize(c: f32) -> u8 {
    ((c.clamp(0.0, 1.0) * 15.0).round() as u8) * 17
}

impl<'f> Typesetter<'f> {
    /// Uses `primary` first and the `fallbacks`, in order, for characters `primary` lacks.
    pub(crate) fn new(primary: &'f FontArc, fallbacks: &'f [Arc<FontArc>]) -> Self {
        let mut faces = vec![primary];
        faces.extend(fallbacks.iter().map(|f| &**f));
        Typesetter {
            faces,
            glyphs: HashMap::new(),
        }
    }

    fn face_for(&self, ch: char) -> (u8, GlyphId) {
        for (i, face) in self.faces.iter().enumerate() {
            let id = face.glyph_id(ch);
            if id.0 != 0 {
                return (i as u8, id);
            }
        }
        // Drawn as a visible box (DejaVu's own .notdef is blank), so a missing glyph is noticed.
        (0, NOTDEF)
    }

    /// How many characters of `text` no face has: each draws as a box (`.notdef`). Spaces
    /// and other controls count as present.
    #[cfg(test)]
    pub(crate) fn missing_glyphs(&self, text: &str) -> usize {
        text.chars()
            .filter(|&ch| !ch.is_whitespace() && !ch.is_control())
            .filter(|&ch| self.face_for(ch).1 == NOTDEF)
            .count()
    }

    /// Height of a line at `px`: ascent plus descent of the primary face, plus one pixel
    /// because the underscore's bottom edge sits exactly on the descent line.
    pub(crate) fn line_height(&self, px: u32) -> u32 {
        let s = self.faces[0].as_scaled(PxScale::from(px as f32));
        s.ascent().ceil() as u32 + (-s.descent()).ceil() as u32 + 1
    }

    fn baseline(&self, px: u32) -> i32 {
        self.faces[0]
            .as_scaled(PxScale::from(px as f32))
            .ascent()
            .ceil() as i32
    }

    /// The scale of face `face` at `px`: the primary's, adjusted so every face draws at the
    /// same em size. `PxScale` sets ascent + descent, which is ~1.16 em in DejaVu Sans but
    /// ~1.45 em in Noto Sans CJK, whose glyphs would otherwise come out a fifth smaller.
    fn face_scale(&self, face: u8, px: u32) -> PxScale {
        let height_per_em = |f: &FontArc| {
            f.units_per_em()
                .map_or(1.0, |upem| f.height_unscaled() / upem)
        };
        let ratio = if face == 0 {
            1.0
        } else {
            height_per_em(self.faces[face as usize]) / height_per_em(self.faces[0])
        };
        PxScale::from(px as f32 * ratio)
    }

    fn place(&self, text: &str, px: u32) -> (Vec<Placed>, u32) {
        let mut pen = 0f32;
        let mut prev: Option<(u8, GlyphId)> = None;
        let mut placed = Vec::with_capacity(text.len());
        for ch in visual_order(text) {
            let (face, glyph) = self.face_for(ch);
            let scaled = self.faces[face as usize].as_scaled(self.face_scale(face, px));
            if let Some((pf, pg)) = prev
                && pf == face
            {
                pen += scaled.kern(pg, glyph);
            }
            placed.push(Placed {
                face,
                glyph,
                x: pen.round() as i32,
            });
            pen += if glyph == NOTDEF {
                missing_box(px).0 as f32 + 2.0
            } else {
                scaled.h_advance(glyph)
            };
            prev = Some((face, glyph));
        }
        (placed, pen.ceil().max(0.0) as u32)
    }

    /// Width of `text` at `px`, in whole pixels.
    pub(crate) fn width(&self, text: &str, px: u32) -> u32 {
        self.place(text, px).1
    }

    /// `text` shortened in the middle ("very_lo…_suffix") until it fits `max_width`, keeping
    /// both ends because class names tend to differ at either end. Unchanged if it fits.
    pub(crate) fn ellipsize_middle(&self, text: &str, px: u32, max_width: u32) -> String {
        if self.width(text, px) <= max_width {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let candidate = |keep: usize| -> String {
            let head = keep.div_ceil(2);
            let tail = keep / 2;
            let mut s: String = chars[..head].iter().collect();
            s.push('…');
            s.extend(&chars[chars.len() - tail..]);
            s
        };
        // Largest `keep` that fits; width grows with `keep`, so binary search.
        let (mut lo, mut hi) = (0usize, chars.len().saturating_sub(1));
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.width(&candidate(mid), px) <= max_width {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let best = candidate(lo);
        if self.width(&best, px) <= max_width {
            best
        } else {
            String::new()
        }
    }

    fn glyph(&mut self, face: u8, glyph: GlyphId, px: u32) -> &GlyphBitmap {
        let scale = self.face_scale(face, px);
        let faces = &self.faces;
        self.glyphs.entry((face, glyph, px)).or_insert_with(|| {
            if glyph == NOTDEF {
                return missing_glyph(px);
            }
            let positioned = glyph.with_scale_and_position(scale, point(0.0, 0.0));
            match faces[face as usize].outline_glyph(positioned) {
                Some(outline) => {
                    let b = outline.px_bounds();
                    let (width, height) = (b.width() as u32, b.height() as u32);
                    let mut coverage = vec![0u8; (width * height) as usize];
                    outline.draw(|x, y, c| {
                        if x < width && y < height {
                            coverage[(y * width + x) as usize] = quantize(c);
                        }
                    });
                    GlyphBitmap {
                        left: b.min.x as i32,
                        top: b.min.y as i32,
                        width,
                        height,
                        coverage,
                    }
                }
                // Spaces and other blank glyphs.
                None => GlyphBitmap {
                    left: 0,
                    top: 0,
                    width: 0,
                    height: 0,
                    coverage: Vec::new(),
                },
            }
        })
    }

    /// Rasterises `text` at `px` into a mask exactly `width(text)` × `line_height` pixels.
    pub(crate) fn render(&mut self, text: &str, px: u32) -> Mask {
        let (placed, width) = self.place(text, px);
        let height = self.line_height(px);
        let baseline = self.baseline(px);
        let mut coverage = vec![0u8; (width * height) as usize];
        for p in placed {
            let g = self.glyph(p.face, p.glyph, px);
            for gy in 0..g.height {
                let y = baseline + g.top + gy as i32;
                if y < 0 || y >= height as i32 {
                    continue;
                }
                for gx in 0..g.width {
                    let x = p.x + g.left + gx as i32;
                    if x < 0 || x >= width as i32 {
                        continue;
                    }
                    let c = g.coverage[(gy * g.width + gx) as usize];
                    let dst = &mut coverage[y as usize * width as usize + x as usize];
                    *dst = (*dst).max(c);
                }
            }
        }
        Mask {
            width,
            height,
            coverage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typesetter() -> Typesetter<'static> {
        Typesetter::new(primary_face().unwrap(), &[])
    }

    #[test]
    fn ellipsized_labels_fit_and_keep_both_ends() {
        let ts = typesetter();
        let long = "a_very_long_class_name_that_goes_on_and_on_suffix";
        for max in [20, 40, 60, 100, 150, 400] {
            let s = ts.ellipsize_middle(long, 13, max);
            assert!(ts.width(&s, 13) <= max, "{s:?} wider than {max}");
            if max >= 60 && max < ts.width(long, 13) {
                assert!(
                    s.starts_with("a_v") && s.ends_with('x') && s.contains('…'),
                    "{s}"
                );
            }
        }
        assert_eq!(ts.ellipsize_middle(long, 13, 10_000), long);
        assert_eq!(ts.ellipsize_middle("Кошка", 13, 2), "");
    }

    #[test]
    fn right_to_left_labels_read_in_visual_order() {
        let seen = |s: &str| visual_order(s).into_iter().collect::<String>();
        assert_eq!(seen("cat_3"), "cat_3");
        assert_eq!(seen("חתול"), "לותח");
        assert_eq!(seen("חתול_3"), "3_לותח");
        assert_eq!(seen("cat חתול"), "cat לותח");
    }

    #[test]
    fn masks_have_measured_size_and_ink() {
        let mut ts = typesetter();
        for text in ["12,345", "Ωμέγα", "Кошка", "猫", "_"] {
            let m = ts.render(text, 14);
            assert_eq!(m.width, ts.width(text, 14));
            assert_eq!(m.height, ts.line_height(14));
            assert!(m.coverage.iter().any(|&c| c > 200), "{text} drew no ink");
            // Nothing is clipped: the bottom row of the mask stays empty.
            let last = &m.coverage[((m.height - 1) * m.width) as usize..];
            assert!(
                last.iter().all(|&c| c == 0),
                "{text} touches the mask bottom"
            );
        }
        // Glyphs are cached: a second render is identical.
        let a = ts.render("0123456789%", 13).coverage;
        assert_eq!(a, ts.render("0123456789%", 13).coverage);
    }
}
