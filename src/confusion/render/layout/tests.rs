//! Layout tests: size caps, tiers by class count, no overlapping boxes, index-tick steps.

use super::place::tick_step;
use super::*;
use crate::draw::text::primary_face;

fn names(k: usize, f: impl Fn(usize) -> String) -> Vec<String> {
    (0..k).map(f).collect()
}

fn layout_for(k: usize, names: &[String], margins: bool, cap: u32) -> Layout {
    let ts = Typesetter::new(primary_face().unwrap(), &[]);
    let input = LayoutInput {
        title: "val/cm · step 12,000 · row-normalised (recall) · N=10,000",
        row_names: names,
        col_names: names,
        primary_width: ts.width("1,234", CELL_PX),
        secondary_width: ts.width("34%", CELL_PX),
        margin_text_width: ts.width("100%", CELL_PX),
        margins,
        colorbars: vec![vec![
            (0.0, "0".into()),
            (0.5, "500".into()),
            (1.0, "1,000".into()),
        ]],
        annotate: Annotate::Auto,
        max_side_px: cap,
        tick_ids: None,
    };
    assert_eq!(k, names.len());
    compute(&ts, &input).unwrap()
}

fn assert_no_overlaps(l: &Layout) {
    let painted = l.painted_areas();
    let canvas = Rect::new(0, 0, l.width, l.height);
    for (i, a) in l.labels.iter().enumerate() {
        assert!(canvas.contains(&a.rect), "{a:?} outside {canvas:?}");
        for b in &l.labels[i + 1..] {
            assert!(!a.rect.intersects(&b.rect), "{a:?} overlaps {b:?}");
        }
        for p in &painted {
            assert!(!a.rect.intersects(p), "{a:?} overlaps painted {p:?}");
        }
    }
}

#[test]
fn sizes_stay_within_caps_and_boxes_never_overlap() {
    let long = |i: usize| format!("a_rather_long_class_name_number_{i}_with_suffix");
    for k in [1usize, 2, 10, 20, 100, 1000] {
        for named in [false, true] {
            let n = if named {
                names(k, long)
            } else {
                names(k, |i| format!("class_{i}"))
            };
            let l = layout_for(k, &n, k <= 100, 4096);
            assert!(
                l.width <= 4096 && l.height <= 4096,
                "K={k}: {}×{}",
                l.width,
                l.height
            );
            assert!(l.width >= MIN_GRID, "K={k}: {} too narrow", l.width);
            assert_no_overlaps(&l);
            // Every label box is at most as long as the ellipsis limit.
            for t in &l.labels {
                let along = if t.rotated { t.rect.h } else { t.rect.w };
                assert!(t.px == TITLE_PX || along <= LABEL_MAX_WIDTH, "{t:?}");
            }
        }
    }
}

#[test]
fn tiers_follow_class_count() {
    let n = |k| names(k, |i| format!("c{i}"));
    assert_eq!(layout_for(5, &n(5), false, 4096).tier, Tier::TwoLines);
    let l20 = layout_for(20, &n(20), false, 4096);
    assert_eq!(l20.tier, Tier::Heatmap);
    // Tick labels still one per class, full size, at K = 20 (2 axis titles + 40).
    assert!(l20.labels.iter().filter(|t| t.px == LABEL_PX).count() >= 42);
    // K = 100 keeps a (smaller) name per class in a grid of at most 1,800 pixels.
    let l100 = layout_for(100, &n(100), false, 4096);
    assert_eq!(
        l100.labels
            .iter()
            .filter(|t| t.px == HEATMAP_LABEL_PX)
            .count(),
        200
    );
    assert!(l100.width <= 1800 + 300, "{}", l100.width);
    let l1000 = layout_for(1000, &n(1000), false, 4096);
    assert_eq!(l1000.tier, Tier::Heatmap);
    assert!(l1000.labels.len() < 300, "index ticks expected");
}

#[test]
fn a_small_cap_shrinks_cells_or_says_what_to_do() {
    let n = names(1000, |i| i.to_string());
    let l = layout_for(1000, &n, false, 1200);
    assert!(l.width <= 1200 && l.height <= 1200);
    let ts = Typesetter::new(primary_face().unwrap(), &[]);
    let input = LayoutInput {
        title: "t",
        row_names: &n,
        col_names: &n,
        primary_width: 10,
        secondary_width: 10,
        margin_text_width: 10,
        margins: false,
        colorbars: Vec::new(),
        annotate: Annotate::Auto,
        max_side_px: 600,
        tick_ids: None,
    };
    let err = compute(&ts, &input).unwrap_err();
    assert!(err.to_string().contains("top_confused"), "{err}");
}

#[test]
fn index_tick_steps() {
    assert_eq!(tick_step(20, 17), 1);
    assert_eq!(tick_step(2, 17), 10);
    assert_eq!(tick_step(1, 17), 20);
    assert_eq!(tick_step(3, 17), 10);
    assert_eq!(tick_step(1, 170), 200);
}
