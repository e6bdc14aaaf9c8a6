//! The legibility figure of issue #10, kept as a test: how much of the matrix still shows
//! after TensorBoard's card shrinks the image to 330 px.
//!
//! The image is scaled to 330 px wide by area averaging (each output pixel is the mean of the
//! source pixels it covers, what a browser's downscaling approximates), and the share of the
//! matrix area whose colour differs visibly from the white page is counted. "Visibly" is a
//! CIELAB ΔE76 of at least 10 from white: about one class step at the light end of the
//! ColorBrewer ramps the cells use (7.9 from Blues' first to second stop, 10.1 for Oranges),
//! the smallest step the palette means to be told apart, and some four times the just
//! noticeable difference (2.3). Both ramps' lightest colours (ΔE 2.9 and 6.9) stay below it,
//! so a blank matrix scores 0 %.

use std::path::Path;

use crate::confusion::ConfusionMatrix;
use crate::confusion::sparse::SparseCounts;
use crate::draw::canvas::Rect;
use crate::draw::color::Rgb;
use crate::draw::text::{Typesetter, primary_face};
use tbconfusion_testkit::realistic::{self, Realistic};

use super::values::CellValues;
use super::*;

/// TensorBoard's image card width.
const CARD_PX: u32 = 330;
/// ΔE76 from white from which a pixel counts as showing something (see the module docs).
const VISIBLE_DELTA_E: f64 = 10.0;

fn matrix(r: &Realistic) -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::from_counts(r.classes, r.counts.clone()).unwrap();
    cm.set_class_names(r.names.clone()).unwrap();
    cm
}

/// The image under its standard title, and where its grid is.
fn render_with_grid(cm: &ConfusionMatrix, opts: &RenderOptions) -> (RgbImage, Rect) {
    let sparse = SparseCounts::of(cm);
    let mut ts = Typesetter::new(primary_face().unwrap(), &[]);
    let look = auto::resolve(&ts, &sparse, "val/cm", 12_000, opts).unwrap();
    let drawn = Drawn::new(&sparse, &look, Some("val/cm"));
    let values = CellValues::new(&drawn.counts, &look);
    let (_, layout) = standard_layout(&ts, &values, &drawn, "val/cm", 12_000, &look).unwrap();
    let img = paint::paint(&values, &mut ts, &layout);
    (img, layout.grid)
}

fn lab(c: [f64; 3]) -> [f64; 3] {
    let lin = |v: f64| {
        let s = v / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(c[0]), lin(c[1]), lin(c[2]));
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    [
        116.0 * f(y) - 16.0,
        500.0 * (f(x) - f(y)),
        200.0 * (f(y) - f(z)),
    ]
}

fn delta_e_from_white(c: [f64; 3]) -> f64 {
    let (a, w) = (lab(c), lab([255.0; 3]));
    ((a[0] - w[0]).powi(2) + (a[1] - w[1]).powi(2) + (a[2] - w[2]).powi(2)).sqrt()
}

/// The mean colour of source area [x0, x1) × [y0, y1) (fractional edges weighted by cover).
fn area_mean(img: &RgbImage, x0: f64, x1: f64, y0: f64, y1: f64) -> [f64; 3] {
    let mut sum = [0.0; 3];
    let mut weight = 0.0;
    for y in y0.floor() as u32..(y1.ceil() as u32).min(img.height) {
        let wy = (y1.min(f64::from(y + 1)) - y0.max(f64::from(y))).max(0.0);
        for x in x0.floor() as u32..(x1.ceil() as u32).min(img.width) {
            let wx = (x1.min(f64::from(x + 1)) - x0.max(f64::from(x))).max(0.0);
            let px: Rgb = img.pixel(x, y);
            for (s, &v) in sum.iter_mut().zip(&px) {
                *s += f64::from(v) * wx * wy;
            }
            weight += wx * wy;
        }
    }
    sum.map(|s| s / weight.max(f64::MIN_POSITIVE))
}

/// Share of the grid, after scaling the image to [`CARD_PX`] wide, that differs visibly
/// from white.
fn visible_share(img: &RgbImage, grid: Rect) -> f64 {
    let scale = f64::from(img.width) / f64::from(CARD_PX.min(img.width));
    let (gx0, gy0) = (f64::from(grid.x) / scale, f64::from(grid.y) / scale);
    let (gx1, gy1) = (
        f64::from(grid.right()) / scale,
        f64::from(grid.y + grid.h) / scale,
    );
    let (mut visible, mut all) = (0u32, 0u32);
    for oy in gy0.ceil() as u32..gy1.floor() as u32 {
        for ox in gx0.ceil() as u32..gx1.floor() as u32 {
            let (x0, y0) = (f64::from(ox) * scale, f64::from(oy) * scale);
            let c = area_mean(img, x0, x0 + scale, y0, y0 + scale);
            all += 1;
            if delta_e_from_white(c) >= VISIBLE_DELTA_E {
                visible += 1;
            }
        }
    }
    f64::from(visible) / f64::from(all.max(1))
}

/// Today's look before issue #10, spelt out: counts, one blue scale, the given order.
fn previous_defaults() -> RenderOptions {
    RenderOptions::default()
        .normalization(Normalization::None)
        .color_mode(ColorMode::Sequential)
        .class_order(ClassOrder::Given)
}

#[test]
fn defaults_keep_the_structure_visible_at_card_size() {
    let blank = RgbImage::filled(1000, 1000, crate::draw::color::WHITE);
    let grid = Rect::new(50, 50, 900, 900);
    assert_eq!(
        visible_share(&blank, grid),
        0.0,
        "a blank matrix shows nothing"
    );
    for (name, data, least) in [
        // At most ~11 % of the balanced set's cells are non-zero at all.
        ("K = 1000 long-tailed", realistic::long_tailed_1000(), 0.15),
        ("K = 100 balanced", realistic::balanced_100(), 0.05),
    ] {
        let cm = matrix(&data);
        let (img, grid) = render_with_grid(&cm, &previous_defaults());
        let before = visible_share(&img, grid);
        let (img, grid) = render_with_grid(&cm, &RenderOptions::default());
        let now = visible_share(&img, grid);
        eprintln!(
            "{name}: visible at {CARD_PX} px: previous defaults {:.1} %, now {:.1} %",
            before * 100.0,
            now * 100.0
        );
        assert!(now >= least, "{name}: only {:.1} % visible", now * 100.0);
        assert!(now > 3.0 * before, "{name}: {now} vs {before}");
    }
}

/// Golden images of the realistic sets under the default options; `UPDATE_GOLDEN=1` rewrites
/// them (look at them before committing).
#[test]
fn golden_realistic_defaults() {
    for (file, data) in [
        ("render_k1000_longtail.png", realistic::long_tailed_1000()),
        ("render_k100_balanced.png", realistic::balanced_100()),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(file);
        let cm = matrix(&data);
        let opts = RenderOptions::default();
        let png =
            sparse_render_png_titled(&SparseCounts::of(&cm), "val/cm", 12_000, &opts).unwrap();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, png.bytes()).unwrap();
        }
        let golden = std::fs::read(&path).expect("golden missing: run with UPDATE_GOLDEN=1");
        let (a, b) = (
            crate::draw::encode::decode_png(&golden),
            crate::draw::encode::decode_png(png.bytes()),
        );
        assert!(
            (a.width, a.height) == (b.width, b.height) && a.pixels == b.pixels,
            "{file} changed; if intended, rerun with UPDATE_GOLDEN=1 and look at {}",
            path.display()
        );
    }
}
