//! Colours: the sequential and error colour ramps, and the WCAG luminance rule that picks
//! black or white text for the colour a cell is actually drawn in.

/// An sRGB colour, 8 bits per channel.
pub(crate) type Rgb = [u8; 3];

pub(crate) const WHITE: Rgb = [255, 255, 255];
pub(crate) const BLACK: Rgb = [0, 0, 0];
/// Axis titles, tick labels and the title: near-black reads softer than pure black.
pub(crate) const INK: Rgb = [34, 34, 34];
/// Background of cells whose value is undefined (no support); stripes are drawn over it.
pub(crate) const HATCH_BACKGROUND: Rgb = [232, 232, 232];
pub(crate) const HATCH_STRIPE: Rgb = [196, 196, 196];

/// Ramps are sampled at this many levels. Few distinct colours keep the PNG palette-friendly
/// (≤ 256 colours ⇒ indexed PNG), and 96 steps are below what the eye separates on a heatmap.
const LEVELS: f64 = 95.0;

/// A piecewise-linear colour ramp through evenly spaced sRGB stops (ColorBrewer 9-class).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ramp(&'static [Rgb; 9]);

/// ColorBrewer "Blues": the de-facto confusion-matrix colour map (TensorBoard tutorial, Ultralytics).
pub(crate) const BLUES: Ramp = Ramp(&[
    [0xf7, 0xfb, 0xff],
    [0xde, 0xeb, 0xf7],
    [0xc6, 0xdb, 0xef],
    [0x9e, 0xca, 0xe1],
    [0x6b, 0xae, 0xd6],
    [0x42, 0x92, 0xc6],
    [0x21, 0x71, 0xb5],
    [0x08, 0x51, 0x9c],
    [0x08, 0x30, 0x6b],
]);

/// ColorBrewer "Oranges": the off-diagonal scale in error mode (blue/orange stays apart for
/// the common colour-vision deficiencies).
pub(crate) const ORANGES: Ramp = Ramp(&[
    [0xff, 0xf5, 0xeb],
    [0xfe, 0xe6, 0xce],
    [0xfd, 0xd0, 0xa2],
    [0xfd, 0xae, 0x6b],
    [0xfd, 0x8d, 0x3c],
    [0xf1, 0x69, 0x13],
    [0xd9, 0x48, 0x01],
    [0xa6, 0x36, 0x03],
    [0x7f, 0x27, 0x04],
]);

/// ColorBrewer "Greens": recall/precision margins, a separate scale so they do not read as
/// matrix cells.
pub(crate) const GREENS: Ramp = Ramp(&[
    [0xf7, 0xfc, 0xf5],
    [0xe5, 0xf5, 0xe0],
    [0xc7, 0xe9, 0xc0],
    [0xa1, 0xd9, 0x9b],
    [0x74, 0xc4, 0x76],
    [0x41, 0xab, 0x5d],
    [0x23, 0x8b, 0x45],
    [0x00, 0x6d, 0x2c],
    [0x00, 0x44, 0x1b],
]);

/// Neutral greys from a light tint to a mid grey: a detection matrix's background row and
/// column, on a scale of their own that no class-to-class cell shares (even an empty cell is
/// tinted), kept light so they stay muted beside the class scale and carry dark text.
pub(crate) const GREYS: Ramp = Ramp(&[
    [0xec, 0xec, 0xec],
    [0xe2, 0xe2, 0xe2],
    [0xd8, 0xd8, 0xd8],
    [0xce, 0xce, 0xce],
    [0xc4, 0xc4, 0xc4],
    [0xba, 0xba, 0xba],
    [0xb0, 0xb0, 0xb0],
    [0xa6, 0xa6, 0xa6],
    [0x9c, 0x9c, 0x9c],
]);

/// ColorBrewer "RdBu", diverging: red (worse) through a neutral grey-white (no change) to
/// blue (better), for `T/delta`. Red and blue stay apart for the common colour-vision
/// deficiencies.
pub(crate) const BETTER_WORSE: Ramp = Ramp(&[
    [0xb2, 0x18, 0x2b],
    [0xd6, 0x60, 0x4d],
    [0xf4, 0xa5, 0x82],
    [0xfd, 0xdb, 0xc7],
    [0xf7, 0xf7, 0xf7],
    [0xd1, 0xe5, 0xf0],
    [0x92, 0xc5, 0xde],
    [0x43, 0x93, 0xc3],
    [0x21, 0x66, 0xac],
]);

impl Ramp {
    /// The colour at `t` in [0, 1] (clamped; NaN counts as 0, callers hatch NaN cells first).
    pub(crate) fn at(self, t: f64) -> Rgb {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        self.level((t * LEVELS).round() as usize)
    }

    /// All sampled levels, for per-cell lookups without interpolation (K = 1000 is 10⁶ cells).
    pub(crate) fn table(self) -> Vec<Rgb> {
        (0..=LEVELS as usize).map(|i| self.level(i)).collect()
    }

    /// The colour at `t` via a [`table`](Self::table) of this ramp; same result as [`at`](Self::at).
    pub(crate) fn lookup(table: &[Rgb], t: f64) -> Rgb {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        table[(t * LEVELS).round() as usize]
    }

    fn level(self, level: usize) -> Rgb {
        let t = level as f64 / LEVELS;
        let segments = (self.0.len() - 1) as f64;
        let pos = t * segments;
        let i = (pos.floor() as usize).min(self.0.len() - 2);
        let frac = pos - i as f64;
        let (a, b) = (self.0[i], self.0[i + 1]);
        let mix =
            |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * frac).round() as u8;
        [mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])]
    }
}

/// WCAG 2 relative luminance of an sRGB colour, in [0, 1].
pub(crate) fn relative_luminance(c: Rgb) -> f64 {
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// WCAG contrast ratio between two colours, in [1, 21].
#[cfg(test)]
pub(crate) fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Black text on light cells, white on dark. 0.179 is where the contrast against black and
/// against white are equal, so the chosen one is always the better of the two.
pub(crate) fn text_color_on(background: Rgb) -> Rgb {
    if relative_luminance(background) > 0.179 {
        BLACK
    } else {
        WHITE
    }
}

/// `fg` blended over `bg` with opacity `alpha` / 255.
pub(crate) fn blend(bg: Rgb, fg: Rgb, alpha: u8) -> Rgb {
    let a = u32::from(alpha);
    let mix = |b: u8, f: u8| ((u32::from(b) * (255 - a) + u32::from(f) * a + 127) / 255) as u8;
    [mix(bg[0], fg[0]), mix(bg[1], fg[1]), mix(bg[2], fg[2])]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_text_colour_always_has_the_better_contrast() {
        // Every ramp level plus a grey sweep: the rule must pick the higher-contrast colour
        // and reach at least 4.5:1 (WCAG AA for normal text) everywhere.
        let mut colours: Vec<Rgb> = (0..=100)
            .flat_map(|i| {
                let t = f64::from(i) / 100.0;
                [BLUES.at(t), ORANGES.at(t), GREENS.at(t), BETTER_WORSE.at(t)]
            })
            .collect();
        colours.extend((0..=255u8).map(|g| [g, g, g]));
        colours.push(HATCH_BACKGROUND);
        for bg in colours {
            let chosen = text_color_on(bg);
            let other = if chosen == BLACK { WHITE } else { BLACK };
            let (c, o) = (contrast_ratio(bg, chosen), contrast_ratio(bg, other));
            assert!(
                c >= o,
                "{bg:?}: chose {chosen:?} ({c:.2}) over {other:?} ({o:.2})"
            );
            assert!(c >= 4.5, "{bg:?}: contrast {c:.2} below 4.5");
        }
    }

    #[test]
    fn ramps_run_light_to_dark_and_clamp() {
        for ramp in [BLUES, ORANGES, GREENS] {
            let l: Vec<f64> = (0..=10)
                .map(|i| relative_luminance(ramp.at(f64::from(i) / 10.0)))
                .collect();
            assert!(l.windows(2).all(|w| w[0] > w[1]), "{l:?}");
            assert_eq!(ramp.at(-3.0), ramp.at(0.0));
            assert_eq!(ramp.at(7.0), ramp.at(1.0));
        }
        assert_eq!(BLUES.at(1.0), [0x08, 0x30, 0x6b]);
        let table = ORANGES.table();
        for i in 0..=200 {
            let t = f64::from(i) / 200.0;
            assert_eq!(Ramp::lookup(&table, t), ORANGES.at(t));
        }
    }

    #[test]
    fn blend_endpoints() {
        assert_eq!(blend(WHITE, BLACK, 0), WHITE);
        assert_eq!(blend(WHITE, BLACK, 255), BLACK);
        assert_eq!(blend([0, 0, 0], [255, 255, 255], 128), [128, 128, 128]);
    }
}
