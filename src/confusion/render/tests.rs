//! Renderer tests: golden image, size caps, no-support marking and determinism. To look at
//! the output, run `cargo run --example render_samples`.

use super::values::{Scale, Tables};
use super::*;
use crate::draw::color::{self, BLUES, ORANGES, text_color_on};

/// A deterministic matrix with roughly `accuracy` on the diagonal and N ≈ `n`.
pub(crate) fn synthetic(k: usize, n: u64, accuracy: f64, seed: u64) -> ConfusionMatrix {
    let mut rng = fastrand::Rng::with_seed(seed);
    let per_row = n / k as u64;
    let mut counts = vec![0u64; k * k];
    for t in 0..k {
        let correct = (per_row as f64 * accuracy) as u64;
        counts[t * k + t] = correct;
        let mut rest = per_row - correct;
        // Spread errors over a few confusable classes, as real models do.
        while rest > 0 && k > 1 {
            let p = (t + 1 + rng.u64(..(k as u64 - 1).min(4)) as usize) % k;
            let take = (rng.u64(..5) + 1).min(rest);
            counts[t * k + p] += take;
            rest -= take;
        }
    }
    ConfusionMatrix::from_counts(k, counts).unwrap()
}

fn pixels_hash(img: &RgbImage) -> u64 {
    // FNV-1a over size and pixels: stable across platforms and Rust versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in img
        .width
        .to_le_bytes()
        .iter()
        .chain(&img.height.to_le_bytes())
        .chain(&img.pixels)
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn golden_matrix() -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::from_counts(
        4,
        vec![50, 3, 0, 1_200, 0, 0, 0, 0, 2, 7, 41, 0, 0, 1, 12_345, 88],
    )
    .unwrap();
    cm.set_class_names(["cat", "dog", "a_very_long_label_name_indeed", "Ωμέγα"])
        .unwrap();
    cm
}

/// The golden image lives in `tests/golden/`; set `UPDATE_GOLDEN=1` to rewrite it after an
/// intended visual change (and look at it before committing).
#[test]
fn golden_image() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/render_k4.png");
    let opts = RenderOptions::default()
        .normalization(Normalization::True)
        .margins(true);
    let img = render_rgb(
        &golden_matrix(),
        "golden · step 3 · recall · N=13,737",
        &opts,
    )
    .unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, encode_png(&img).unwrap().bytes()).unwrap();
    }
    let bytes = std::fs::read(&path).expect("golden missing: run with UPDATE_GOLDEN=1");
    let golden = crate::draw::encode::decode_png(&bytes);
    assert_eq!(
        pixels_hash(&img),
        pixels_hash(&golden),
        "rendering changed; if intended, rerun with UPDATE_GOLDEN=1 and inspect {}",
        path.display()
    );
}

#[test]
fn rendering_is_deterministic() {
    let cm = synthetic(10, 10_000, 0.7, 7);
    let opts = RenderOptions::default().colorbar(true).margins(true);
    let a = render_png(&cm, "t", &opts).unwrap();
    let b = render_png(&cm, "t", &opts).unwrap();
    assert_eq!(a, b);
}

#[test]
fn image_size_within_caps() {
    for k in [1usize, 2, 10, 100, 1000] {
        let cm = synthetic(k, 20 * k as u64 * k as u64, 0.7, k as u64);
        for cap in [4096, 1500] {
            let opts = RenderOptions::default().max_side_px(cap).colorbar(true);
            let img = render_rgb(&cm, &default_title("val/cm", 1, &cm, &opts), &opts).unwrap();
            assert!(
                img.width <= cap && img.height <= cap,
                "K={k}: {}×{}",
                img.width,
                img.height
            );
            assert_eq!(img.pixels.len(), (img.width * img.height * 3) as usize);
            if k <= 10 {
                // Near TensorBoard's display size, not a poster.
                assert!(
                    (300..=640).contains(&img.width),
                    "K={k}: width {}",
                    img.width
                );
            }
        }
    }
    assert!(matches!(
        render_rgb(
            &synthetic(3, 30, 0.7, 1),
            "t",
            &RenderOptions::default().max_side_px(10)
        ),
        Err(RenderError::CapOutOfRange(10))
    ));
    assert!(matches!(
        render_rgb(
            &synthetic(3, 30, 0.7, 1),
            "t",
            &RenderOptions::default().max_side_px(u32::MAX)
        ),
        Err(RenderError::CapOutOfRange(u32::MAX))
    ));
}

#[test]
fn png_at_k1000_is_small() {
    let cm = synthetic(1000, 2_000_000, 0.7, 3);
    let png = render_png(&cm, "t", &RenderOptions::default()).unwrap();
    assert!(png.bytes().len() <= 2 << 20, "{} bytes", png.bytes().len());
    assert!(png.width() <= 4096 && png.height() <= 4096);
}

#[test]
fn rows_without_support_are_hatched_not_zero() {
    let mut cm = synthetic(4, 400, 0.7, 5);
    // Empty row 2: its true class never occurred.
    let mut counts = cm.counts().to_vec();
    counts[8..12].fill(0);
    cm = ConfusionMatrix::from_counts(4, counts).unwrap();
    for norm in [Normalization::None, Normalization::True] {
        let opts = RenderOptions::default().normalization(norm);
        let layout = layout_of(&cm, &opts);
        let img = render_rgb(&cm, "t", &opts).unwrap();
        let row = layout.cell_rect(2, 0);
        let mut seen_stripe = false;
        let mut seen_blue = false;
        for x in layout.grid.x..layout.grid.right() {
            let c = img.pixel(x, row.y + 1);
            seen_stripe |= c == color::HATCH_STRIPE;
            seen_blue |= c[2] > c[0] + 20;
        }
        assert!(seen_stripe, "{norm:?}: empty row not hatched");
        assert!(!seen_blue, "{norm:?}: empty row coloured like data");
        // A supported row has no hatching.
        let ok = layout.cell_rect(1, 1);
        assert_ne!(img.pixel(ok.x + 1, ok.y + 1), color::HATCH_STRIPE);
    }
}

#[test]
fn cell_text_uses_contrasting_colour_and_stays_in_cell() {
    let cm = synthetic(5, 5_000, 0.9, 9);
    let opts = RenderOptions::default();
    let layout = layout_of(&cm, &opts);
    assert_eq!(layout.tier, Tier::TwoLines);
    let img = render_rgb(&cm, "t", &opts).unwrap();
    for t in 0..5 {
        for p in 0..5 {
            let r = layout.cell_rect(t, p);
            let bg = img.pixel(r.x, r.y);
            let ink = text_color_on(bg);
            // The cell border pixels stay background (text never reaches the edge) ...
            for x in r.x..r.right() {
                assert_eq!(img.pixel(x, r.y), bg);
                assert_eq!(img.pixel(x, r.bottom() - 1), bg);
            }
            // ... and the fully-covered text pixels are exactly the contrasting colour.
            if cm.count(t, p) > 0 {
                let inked = (r.y..r.bottom())
                    .flat_map(|y| (r.x..r.right()).map(move |x| (x, y)))
                    .any(|(x, y)| img.pixel(x, y) == ink);
                assert!(inked, "cell ({t},{p}) has no text in {ink:?}");
            }
        }
    }
}

#[test]
fn errors_mode_keeps_small_confusions_visible() {
    let mut counts = vec![0u64; 9];
    counts[0] = 995;
    counts[1] = 5; // a 0.5% confusion
    counts[4] = 1000;
    counts[8] = 1000;
    let cm = ConfusionMatrix::from_counts(3, counts).unwrap();
    let opts = RenderOptions::default()
        .normalization(Normalization::True)
        .color_mode(ColorMode::Errors)
        .annotate(Annotate::Never);
    let layout = layout_of(&cm, &opts);
    let img = render_rgb(&cm, "t", &opts).unwrap();
    let small = layout.cell_rect(0, 1);
    let zero = layout.cell_rect(0, 2);
    let (a, b) = (
        img.pixel(small.x + 2, small.y + 2),
        img.pixel(zero.x + 2, zero.y + 2),
    );
    assert!(color::contrast_ratio(a, b) > 1.15, "{a:?} vs {b:?}");
}

#[test]
fn cjk_without_fallback_draws_a_visible_box() {
    let mut cm = synthetic(2, 100, 0.7, 2);
    cm.set_class_names(["猫", "犬"]).unwrap();
    let img = render_rgb(&cm, "t", &RenderOptions::default()).unwrap();
    assert!(img.pixels.iter().any(|&b| b < 100));
}

/// The heatmap paints only the diagonal and the non-zero cells over a template of empty
/// cells; every cell must still get the colour the dense definition gives it
/// (`ConfusionMatrix::normalized`), in every normalisation and colour mode, with empty rows
/// and empty columns hatched.
#[test]
fn heatmap_cells_match_the_dense_definition() {
    let k = 120;
    let mut counts = synthetic(k, 60_000, 0.6, 21).counts().to_vec();
    counts[7 * k..8 * k].fill(0); // no support for class 7
    for t in 0..k {
        counts[t * k + 11] = 0; // class 11 never predicted
    }
    let cm = ConfusionMatrix::from_counts(k, counts).unwrap();
    let tables = Tables {
        blues: BLUES.table(),
        oranges: ORANGES.table(),
    };
    for norm in [
        Normalization::None,
        Normalization::True,
        Normalization::Pred,
        Normalization::All,
    ] {
        for mode in [ColorMode::Sequential, ColorMode::Errors] {
            let opts = RenderOptions::default()
                .normalization(norm)
                .color_mode(mode)
                .class_order(ClassOrder::Given)
                .annotate(Annotate::Never);
            let values = cm.normalized(norm);
            let max_of = |diag: Option<bool>| {
                let m = (0..k * k)
                    .filter(|i| diag.is_none_or(|d| (i / k == i % k) == d))
                    .map(|i| values[i])
                    .fold(0.0, f64::max);
                if norm != Normalization::None || m <= 0.0 {
                    1.0
                } else {
                    m
                }
            };
            let scale = match mode {
                ColorMode::Sequential => Scale::Sequential { max: max_of(None) },
                ColorMode::Errors => Scale::Errors {
                    diag_max: max_of(Some(true)),
                    off_max: max_of(Some(false)),
                },
            };
            let layout = layout_of(&cm, &opts);
            assert_eq!(layout.tier, Tier::Heatmap);
            let img = render_rgb(&cm, "t", &opts).unwrap();
            // Row 7 is marked as a whole ("no support", tested above).
            for t in (0..k).filter(|&t| t != 7) {
                for p in 0..k {
                    let r = layout.cell_rect(t, p);
                    let (x, y) = (r.x + r.w / 2, r.y + r.h / 2);
                    let v = values[t * k + p];
                    let got = img.pixel(x, y);
                    if v.is_nan() {
                        let stripe = (x + y) % 8 < 2;
                        let want = if stripe {
                            color::HATCH_STRIPE
                        } else {
                            color::HATCH_BACKGROUND
                        };
                        assert_eq!(got, want, "{norm:?} {mode:?} cell ({t}, {p}) not hatched");
                    } else {
                        let want = scale.color(&tables, v, t == p);
                        assert_eq!(got, want, "{norm:?} {mode:?} cell ({t}, {p}) value {v}");
                    }
                }
            }
        }
    }
}

/// In counts mode the second line is the share of the true class (the row), so the diagonal
/// reads as recall whatever the class balance; normalised modes put their value first.
#[test]
fn counts_mode_shows_row_shares_and_normalised_modes_lead_with_their_value() {
    // Class 1 has 100× the samples of class 0: shares of N would read "<1%" on class 0's row.
    let cm = ConfusionMatrix::from_counts(2, vec![3, 1, 50, 350]).unwrap();
    let sparse = SparseCounts::of(&cm);
    let strings = |norm| {
        CellValues::new(&sparse, &RenderOptions::default().normalization(norm))
            .strings()
            .to_vec()
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        strings(Normalization::None),
        [
            pair("3", "75%"),
            pair("1", "25%"),
            pair("50", "13%"),
            pair("350", "88%")
        ]
    );
    assert_eq!(
        strings(Normalization::Pred),
        [
            pair("6%", "3"),
            pair("<1%", "1"),
            pair("94%", "50"),
            pair(">99%", "350")
        ]
    );
}

/// Counts near `u64::MAX` (reachable through `from_counts` or deserialised input) render,
/// margins included, without overflowing a sum.
#[test]
fn huge_counts_render_with_margins() {
    let cm = ConfusionMatrix::from_counts(2, vec![u64::MAX, 0, 0, u64::MAX]).unwrap();
    for norm in [Normalization::None, Normalization::True] {
        let opts = RenderOptions::default().margins(true).normalization(norm);
        assert!(render_rgb(&cm, "t", &opts).is_ok(), "{norm:?}");
    }
}

/// The tier the layout picks for `cm` with `opts`.
/// The layout `render_rgb(cm, "t", opts)` paints.
fn layout_of(cm: &ConfusionMatrix, opts: &RenderOptions) -> Layout {
    let ts = Typesetter::new(primary_face().unwrap(), &[]);
    let sparse = SparseCounts::of(cm);
    let values = CellValues::new(&sparse, opts);
    layout::compute(&ts, &LayoutInput::measure(&ts, &values, &sparse, "t", opts)).unwrap()
}

fn tier_of(cm: &ConfusionMatrix, opts: &RenderOptions) -> Tier {
    layout_of(cm, opts).tier
}

/// "row %" explains the percentage line of counts-mode cells, so the title says it exactly
/// when the cells carry text.
#[test]
fn default_title_mentions_row_shares_only_over_cells_with_text() {
    let counts = RenderOptions::default();
    let recall = RenderOptions::default().normalization(Normalization::True);
    let small = synthetic(4, 10_000, 0.9, 1);
    assert_eq!(
        default_title("val/cm", 12_000, &small, &recall),
        "val/cm · step 12,000 · row-normalised (recall) · N=10,000"
    );
    assert_ne!(tier_of(&small, &counts), Tier::Heatmap);
    assert_eq!(
        default_title("t", -5, &small, &counts),
        "t · step -5 · counts · row % · N=10,000"
    );
    let never = counts.clone().annotate(Annotate::Never);
    assert_eq!(
        default_title("t", 1, &small, &never),
        "t · step 1 · counts · N=10,000"
    );
    // 20 classes with long names: the layout falls back to a plain heatmap.
    let mut long = synthetic(20, 20_000, 0.7, 2);
    long.set_class_names((0..20).map(|i| format!("a_very_long_label_name_for_ellipsizing_{i}")))
        .unwrap();
    assert_eq!(tier_of(&long, &counts), Tier::Heatmap);
    // Cells without text: the automatic look is row shares with errors apart, and says so.
    assert_eq!(
        default_title("t", 1, &long, &counts),
        "t · step 1 · row-normalised (recall) · diagonal blue, errors orange (√) · \
         clustered order · N=20,000"
    );
    let plain = counts
        .clone()
        .normalization(Normalization::None)
        .color_mode(ColorMode::Sequential)
        .class_order(ClassOrder::Given);
    assert_eq!(
        default_title("t", 1, &long, &plain),
        "t · step 1 · counts · N=20,000"
    );
    let large = synthetic(1000, 1_000_000, 0.7, 3);
    assert_eq!(
        default_title("t", 1, &large, &counts),
        "t · step 1 · row-normalised (recall) · diagonal blue, errors orange (√) · \
         clustered order · 4 classes per cell · N=1,000,000"
    );
}

/// Logging lays the standard-titled image out once; it must be the image `render_png` draws
/// under `default_title`.
#[test]
fn titled_render_matches_render_under_the_default_title() {
    let mut long = synthetic(20, 20_000, 0.7, 2);
    long.set_class_names((0..20).map(|i| format!("a_very_long_label_name_for_ellipsizing_{i}")))
        .unwrap();
    for (cm, opts) in [
        (synthetic(4, 10_000, 0.9, 1), RenderOptions::default()),
        (
            synthetic(4, 10_000, 0.9, 1),
            RenderOptions::default().normalization(Normalization::Pred),
        ),
        (long, RenderOptions::default()),
        (synthetic(120, 60_000, 0.7, 3), RenderOptions::default()),
    ] {
        let title = default_title("val/cm", 7, &cm, &opts);
        let want = render_png(&cm, &title, &opts).unwrap();
        let got = sparse_render_png_titled(&SparseCounts::of(&cm), "val/cm", 7, &opts).unwrap();
        assert!(got.bytes() == want.bytes(), "{title}");
    }
}

/// Class names in every script the issue lists: the embedded face draws Latin, Greek,
/// Cyrillic, Hebrew and Arabic itself; CJK, Hangul and Thai need the system's Noto faces.
/// `scripts/test.sh` installs them (Debian `fonts-noto-cjk`, `fonts-noto-core`) and sets
/// `TBCONFUSION_FONTS=1`, which makes that half required; elsewhere it runs only when the
/// fonts are present. Emoji are not covered (they stay boxes).
#[test]
fn every_script_renders_without_boxes() {
    let embedded = ["tabby_cat", "γάτα", "кошка", "חתול", "قطة"];
    let ts = Typesetter::new(primary_face().unwrap(), &[]);
    for name in embedded {
        assert_eq!(ts.missing_glyphs(name), 0, "{name} needs a fallback");
    }
    let needs_fallback = ["猫", "ねこ", "고양이", "แมว"];
    for name in needs_fallback {
        assert!(ts.missing_glyphs(name) > 0, "{name} drawn by DejaVu?");
    }
    let opts = RenderOptions::default().fallback_fonts_from_system();
    let required = std::env::var_os("TBCONFUSION_FONTS").is_some_and(|v| v == "1");
    if opts.fallback_fonts.is_empty() && !required {
        eprintln!(
            "every_script_renders_without_boxes: no system CJK/Thai font, checks skipped \
             (apt-get install fonts-noto-cjk fonts-noto-core)"
        );
        return;
    }
    let ts = Typesetter::new(primary_face().unwrap(), &opts.fallback_fonts);
    let names: Vec<&str> = embedded.iter().chain(&needs_fallback).copied().collect();
    // Laid out as a heatmap would: every tick label, counted while typesetting.
    let missing: usize = names.iter().map(|n| ts.missing_glyphs(n)).sum();
    assert_eq!(missing, 0, "boxes among {names:?}");
    let mut cm = synthetic(names.len(), 900, 0.8, 4);
    cm.set_class_names(names.clone()).unwrap();
    let img = render_png(&cm, &default_title("t", 1, &cm, &opts), &opts).unwrap();
    assert!(img.width() > 0);
}

/// cat, dog, bird and the detection background, counted as a detector would.
fn detection_matrix() -> ConfusionMatrix {
    #[rustfmt::skip]
    let counts = vec![
        //  cat  dog bird   bg
        412,  23,   0,  31, // cat
         17, 288,   4,  52, // dog
          0,   6, 131,  40, // bird
         28,  35,  19,   0, // background: unmatched detections
    ];
    let mut cm = ConfusionMatrix::from_counts(4, counts).unwrap();
    cm.set_class_names(["cat", "dog", "bird", "background"])
        .unwrap();
    cm
}

fn detection_options() -> RenderOptions {
    RenderOptions {
        background_last: true,
        ..RenderOptions::default()
    }
}

/// The detection image: the background's row and column grey and set off by a rule,
/// [background, background] hatched as not applicable. `UPDATE_GOLDEN=1` rewrites it.
#[test]
fn detection_golden_image() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/render_detection.png");
    let opts = detection_options();
    let cm = detection_matrix();
    let img = render_rgb(&cm, &default_title("det", 12, &cm, &opts), &opts).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, encode_png(&img).unwrap().bytes()).unwrap();
    }
    let bytes = std::fs::read(&path).expect("golden missing: run with UPDATE_GOLDEN=1");
    let golden = crate::draw::encode::decode_png(&bytes);
    assert_eq!(
        pixels_hash(&img),
        pixels_hash(&golden),
        "rendering changed; if intended, rerun with UPDATE_GOLDEN=1 and inspect {}",
        path.display()
    );
}

#[test]
fn detection_background_is_grey_ruled_and_its_diagonal_hatched() {
    let opts = detection_options();
    let cm = detection_matrix();
    let title = default_title("det", 12, &cm, &opts);
    let img = render_rgb(&cm, &title, &opts).unwrap();
    let layout = layout_of(&cm, &opts);
    let pixel = |x: u32, y: u32| {
        let i = (y as usize * img.width as usize + x as usize) * 3;
        [img.pixels[i], img.pixels[i + 1], img.pixels[i + 2]]
    };
    // Corner pixels carry the cell's fill (text sits in the middle).
    let corner = |t: usize, p: usize| {
        let r = layout.cell_rect(t, p);
        pixel(r.x + 3, r.y + 3)
    };
    // Counts on a grey scale of their own, up to the largest background count (52 missed dogs).
    let grey = |count: u64| color::GREYS.at(count as f64 / 52.0);
    let neutral = |c: [u8; 3]| c[0] == c[1] && c[1] == c[2];
    for i in 0..3 {
        assert_eq!(corner(i, 3), grey(cm.count(i, 3)), "[{i}, background]");
        assert_eq!(corner(3, i), grey(cm.count(3, i)), "[background, {i}]");
        assert!(
            !neutral(corner(i, i)),
            "object classes stay on the blue scale"
        );
    }
    assert_eq!(corner(1, 3), color::GREYS.at(1.0));
    // Hatched: the stripes and their background, nothing of either scale.
    let bb = layout.cell_rect(3, 3);
    let colours: std::collections::HashSet<_> =
        (0..8).map(|d| pixel(bb.x + 2 + d, bb.y + 2)).collect();
    assert_eq!(
        colours,
        [color::HATCH_BACKGROUND, color::HATCH_STRIPE].into(),
        "{colours:?}"
    );
    // The rule: dark across the boundary before the background's column and row.
    let ink = color::INK;
    let boundary_x = layout.grid.x + 3 * layout.cell;
    let boundary_y = layout.grid.y + 3 * layout.cell;
    for t in 0..4u32 {
        let y = layout.grid.y + t * layout.cell + 2;
        assert_eq!(pixel(boundary_x, y), ink, "column rule, row {t}");
        let x = layout.grid.x + t * layout.cell + 2;
        assert_eq!(pixel(x, boundary_y), ink, "row rule, column {t}");
    }
    // The same counts as a classification matrix have no grey and no rule.
    let plain = render_rgb(&cm, &title, &RenderOptions::default()).unwrap();
    let i = (boundary_y as usize * plain.width as usize + (layout.grid.x as usize + 2)) * 3;
    assert_ne!(plain.pixels[i..i + 3], ink);
    assert_eq!((plain.width, plain.height), (img.width, img.height));
}

#[test]
fn detection_heatmap_clusters_objects_and_keeps_the_background_last_and_grey() {
    let cm = synthetic(61, 200_000, 0.6, 11);
    let opts = detection_options();
    let sparse = SparseCounts::of(&cm);
    let title = default_title("det", 1, &cm, &opts);
    let ts = Typesetter::new(primary_face().unwrap(), &[]);
    let look = auto::resolve_for_title(&ts, &sparse, &title, &opts).unwrap();
    assert_eq!(look.class_order, ClassOrder::Clustered);
    let drawn = Drawn::new(&sparse, &look, None);
    assert_eq!(drawn.ids.last(), Some(&60));
    assert!(
        drawn.tick_ids().is_some(),
        "the object classes were reordered"
    );
    let img = render_rgb(&cm, &title, &opts).unwrap();
    let layout = layout_of(&cm, &opts);
    assert_eq!(layout.tier, Tier::Heatmap);
    let pixel = |x: u32, y: u32| {
        let i = (y as usize * img.width as usize + x as usize) * 3;
        [img.pixels[i], img.pixels[i + 1], img.pixels[i + 2]]
    };
    // Row shares on the grey scale (square root, as the errors): class 56's misses and the background row's unmatched
    // detections (spread over the first classes), both neutral and tinted.
    let drawn_at = |id: usize| drawn.ids.iter().position(|&c| c == id).unwrap();
    let sums = sparse.row_sums();
    let share = |t: usize, p: usize| cm.count(t, p) as f64 / sums[t] as f64;
    let missed = layout.cell_rect(drawn_at(56), 60);
    let unmatched = layout.cell_rect(60, drawn_at(0));
    assert!(share(56, 60) > 0.0 && share(60, 0) > 0.0);
    assert_eq!(
        pixel(missed.x + missed.w - 1, missed.y + missed.h - 1),
        color::GREYS.at(values::error_position(share(56, 60), 1.0))
    );
    assert_eq!(
        pixel(unmatched.x, unmatched.y + unmatched.h - 1),
        color::GREYS.at(values::error_position(share(60, 0), 1.0))
    );
}
