//! The comparison pictures: golden images of both layouts on long-tailed data (K = 10 and
//! K = 100, names in several scripts), the colours of known cells, and the top-confused
//! selection at large K. `UPDATE_GOLDEN=1` rewrites the goldens; look at them before
//! committing. `TBCONFUSION_WRITE_COMPARE_PNG=dir` also writes every picture drawn here.

use tbconfusion_testkit::realistic::{self, Realistic};

use super::super::values::error_position;
use crate::ConfusionMatrix;
use crate::confusion::compare::{CompareOptions, ComparedRun, Comparison};
use crate::draw::color::{BLUES, ORANGES, Ramp};
use crate::draw::encode::decode_png;

fn matrix(r: &Realistic) -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::from_counts(r.classes, r.counts.clone()).unwrap();
    cm.set_class_names(r.names.clone()).unwrap();
    cm
}

/// Three runs (a weak baseline, a tuned one, a large one) over three steps, errors falling
/// with the steps; names in Latin, Arabic, Thai, CJK, Hangul, Cyrillic and Greek.
fn runs(classes: usize) -> Vec<ComparedRun> {
    let mut base = realistic::long_tailed(classes, 200 * classes as u64, 7);
    base.names[1] = "قطة_1".to_owned();
    base.names[3] = "แมว_3".to_owned();
    [("baseline", 1.3), ("tuned", 1.0), ("large-model", 0.7)]
        .into_iter()
        .map(|(name, quality)| ComparedRun {
            name: name.to_owned(),
            matrices: [(1, 1.5), (10, 1.0), (20, 0.75)]
                .into_iter()
                .map(|(step, progress)| {
                    let run = realistic::with_error_scale(&base, quality * progress);
                    (step, matrix(&run))
                })
                .collect(),
        })
        .collect()
}

fn check_golden(name: &str, png: &crate::png::Png) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if let Some(dir) = std::env::var_os("TBCONFUSION_WRITE_COMPARE_PNG") {
        std::fs::write(std::path::Path::new(&dir).join(name), png.bytes()).unwrap();
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, png.bytes()).unwrap();
    }
    let golden = std::fs::read(&path).expect("golden missing: run with UPDATE_GOLDEN=1");
    let (now, then) = (decode_png(png.bytes()), decode_png(&golden));
    assert!(
        now.width == then.width && now.height == then.height && now.pixels == then.pixels,
        "rendering changed; if intended, rerun with UPDATE_GOLDEN=1 and inspect {}",
        path.display()
    );
}

#[test]
fn grid_golden_k10() {
    let c = Comparison::new("val", runs(10), vec![1, 10, 20]).unwrap();
    let png = c.render_grid(&CompareOptions::default()).unwrap();
    check_golden("compare_grid_k10.png", &png);
}

#[test]
fn grid_golden_k100_shows_the_most_confused_classes() {
    let c = Comparison::new("val", runs(100), vec![1, 20]).unwrap();
    let png = c.render_grid(&CompareOptions::default()).unwrap();
    check_golden("compare_grid_k100.png", &png);
}

#[test]
fn bars_golden_k10() {
    let c = Comparison::new("val", runs(10), vec![20]).unwrap();
    let png = c.render_bars(20, &CompareOptions::default()).unwrap();
    check_golden("compare_bars_k10.png", &png);
}

#[test]
fn bars_golden_k100_shows_the_most_confused_classes() {
    let c = Comparison::new("val", runs(100), vec![20]).unwrap();
    let png = c.render_bars(20, &CompareOptions::default()).unwrap();
    check_golden("compare_bars_k100.png", &png);
}

#[test]
fn large_k_keeps_the_most_confused_classes_of_all_panels_pooled() {
    let c = Comparison::new("val", runs(100), vec![1, 20]).unwrap();
    let present = c.all_panels();
    let shown = super::Shown::select(&c, 15);
    assert_eq!(shown.rows(), 15);
    assert_eq!(shown.columns(), 16);
    assert!(
        shown
            .note()
            .unwrap()
            .starts_with("100 classes: the 15 most confused")
    );
    // Every row's shares, "(other)" included, add up to the whole row.
    let panel = present[0];
    for row in 0..shown.rows() {
        let sum: f64 = (0..shown.columns())
            .map(|col| shown.share(panel, 100, row, col).unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-9, "row {row}: {sum}");
    }
    // Few classes: all shown, no "(other)".
    let small = Comparison::new("val", runs(10), vec![1]).unwrap();
    let shown = super::Shown::select(&small, 15);
    assert_eq!(
        (shown.rows(), shown.columns(), shown.note()),
        (10, 10, None)
    );
}

/// A two-class grid read back: the diagonal cells in blue at their recall, the error cells in
/// orange on the shared scale, a class the run lacks hatched.
#[test]
fn grid_cells_have_the_colours_of_their_shares() {
    let mut a = ConfusionMatrix::from_counts(2, vec![3, 1, 0, 4]).unwrap();
    a.set_class_names(["cat", "dog"]).unwrap();
    let mut b = ConfusionMatrix::from_counts(1, vec![5]).unwrap();
    b.set_class_names(["dog"]).unwrap();
    let c = Comparison::new(
        "cm",
        vec![
            ComparedRun {
                name: "a".into(),
                matrices: vec![(1, a)],
            },
            ComparedRun {
                name: "b".into(),
                matrices: vec![(1, b)],
            },
        ],
        vec![1],
    )
    .unwrap();
    let img = decode_png(c.render_grid(&CompareOptions::default()).unwrap().bytes());
    // Run a's cat row: 75% recall, 25% error (the largest error: top of the orange scale).
    let recall = Ramp::lookup(&BLUES.table(), 0.75);
    let error = Ramp::lookup(&ORANGES.table(), error_position(0.25, 0.25));
    let find = |colour: [u8; 3]| {
        (0..img.height)
            .flat_map(|y| (0..img.width).map(move |x| (x, y)))
            .find(|&(x, y)| img.pixel(x, y) == colour)
    };
    let (x, y) = find(recall).expect("the 75% recall cell");
    let cell = super::grid::MAX_CELL;
    assert_eq!(img.pixel(x + cell, y), error, "cat→dog beside it");
    assert_eq!(
        img.pixel(x + cell, y + cell),
        Ramp::lookup(&BLUES.table(), 1.0),
        "dog 100%"
    );
    // Run b has no cat: its cat row is hatched (the hatch colours), in the next panel.
    let hatched = (0..img.width).any(|x| {
        img.pixel(x, y) == crate::draw::color::HATCH_BACKGROUND
            && img.pixel(x, y + cell) == Ramp::lookup(&BLUES.table(), 1.0)
    });
    assert!(
        hatched,
        "run b's missing cat row is hatched above its dog row"
    );
}

#[test]
fn bars_refuse_more_runs_than_colours() {
    let cm = ConfusionMatrix::from_counts(2, vec![1, 0, 0, 1]).unwrap();
    let runs = (0..9)
        .map(|i| ComparedRun {
            name: format!("r{i}"),
            matrices: vec![(1, cm.clone())],
        })
        .collect();
    let c = Comparison::new("cm", runs, vec![1]).unwrap();
    let err = c.render_bars(1, &CompareOptions::default()).unwrap_err();
    assert!(err.to_string().contains("at most 8 runs"), "{err}");
}
