//! The image `T/delta`: each cell's change of row share since the previous logged step, on
//! one diverging better/worse scale centred on 0 (blue better, red worse), with the signed
//! change written in the cells that can carry text and a legend that says which way is which.

use crate::confusion::delta::{Against, RowShareChange, improvement, signed_pp};
use crate::confusion::format::format_pct;
use crate::draw::canvas::{Rect, RgbImage};
use crate::draw::color::{BETTER_WORSE, INK, WHITE, text_color_on};
use crate::draw::text::{Typesetter, primary_face};

use super::layout::{CELL_PX, LABEL_PX, TICK_PX, TITLE_PX};
use super::{RenderError, RenderOptions, auto, check_cap, order};
use crate::confusion::sparse::SparseCounts;

const PAD: u32 = 8;
const GAP: u32 = 6;
/// Cells this size or larger carry their change as text ("−100.0" at 14 px and some room).
const ANNOTATED_CELL: u32 = 48;
/// Annotated grids up to this size stay legible at TensorBoard's ~330 px card.
const ANNOTATED_GRID_MAX: u32 = 620;
/// Grids of plain coloured cells are sized towards this.
const HEATMAP_GRID: u32 = 900;
/// Rows this tall or taller get their class name.
const NAMED_CELL: u32 = 12;
const NAME_MAX_WIDTH: u32 = 130;
const LEGEND_HEIGHT: u32 = 12;
const LEGEND_MIN_WIDTH: u32 = 240;
/// Changes below this many pp are not written in the cells.
const ANNOTATE_FROM_PP: f64 = 0.5;
/// The colour scale reaches at least this far, so noise of a tenth of a point is not drawn
/// as a saturated change.
const MIN_SCALE_PP: f64 = 1.0;

/// The title of `T/delta`: both steps and the change of accuracy.
pub(crate) fn delta_title(tag: &str, change: &RowShareChange) -> String {
    let from = match &change.against {
        Against::Step(step) => format!("step {step}"),
        Against::Baseline(name) => name.clone(),
    };
    format!(
        "{tag}/delta · {from} → step {} · accuracy {} ({})",
        change.step,
        format_pct(change.accuracy),
        signed_pp(change.accuracy_change)
    )
}

/// The half-width of the colour scale in pp: the largest change, at least [`MIN_SCALE_PP`].
fn scale_pp(change: &RowShareChange) -> f64 {
    change.largest_change().max(MIN_SCALE_PP)
}

/// Where an improvement of `pp` sits on [`BETTER_WORSE`]: 0.5 is no change.
fn scale_position(pp: f64, scale: f64) -> f64 {
    0.5 + pp / (2.0 * scale)
}

/// The text of a cell: its signed change to one decimal, or nothing below
/// [`ANNOTATE_FROM_PP`].
fn cell_text(pp: f64) -> Option<String> {
    (pp.is_finite() && pp.abs() >= ANNOTATE_FROM_PP).then(|| format!("{pp:+.1}").replace('-', "−"))
}

/// Draws `change`, the change up to `cm` logged as `tag` at its step, as the image
/// `tag/delta`, in the class order of the image `tag` (clustered or given), so the two line
/// up; `Ok(None)` when K cells do not fit `max_side_px` even at one pixel each.
pub(crate) fn render_delta_png(
    tag: &str,
    change: &RowShareChange,
    cm: &SparseCounts,
    opts: &RenderOptions,
) -> Result<Option<crate::png::Png>, RenderError> {
    check_cap(opts)?;
    let mut ts = Typesetter::new(primary_face()?, &opts.fallback_fonts);
    let k = change.num_classes() as u32;
    if k == 0 || cm.num_classes() != change.num_classes() {
        return Ok(None);
    }
    // The order the image `tag` is drawn in: the same per-tag memory, so one clustering.
    let look = auto::resolve(&ts, cm, tag, change.step, opts)?;
    let (_, ids) = order::apply(cm, &look, Some(tag));
    let annotated = ANNOTATED_CELL * k <= ANNOTATED_GRID_MAX;
    let cell = if annotated {
        ANNOTATED_CELL
    } else {
        (HEATMAP_GRID / k).clamp(1, 30)
    };
    let grid = cell * k;
    let named = cell >= NAMED_CELL;
    let name_px = if annotated { LABEL_PX } else { TICK_PX };
    // Names are drawn only on cells tall enough; at K = 1000 none are measured.
    let names: Vec<String> = if named {
        ids.iter()
            .map(|&c| ts.ellipsize_middle(&change.names[c], name_px, NAME_MAX_WIDTH))
            .collect()
    } else {
        Vec::new()
    };
    let names_width = if named {
        names
            .iter()
            .map(|n| ts.width(n, name_px))
            .max()
            .unwrap_or(0)
            + GAP
    } else {
        0
    };
    let title = delta_title(tag, change);
    let scale = scale_pp(change);
    let legend = format!(
        "change of row share (pp): blue better, red worse · diagonal = recall · scale ±{scale:.1} pp"
    );
    let (title_h, label_h, tick_h) = (
        ts.line_height(TITLE_PX),
        ts.line_height(LABEL_PX),
        ts.line_height(TICK_PX),
    );
    let grid_x = PAD + label_h + GAP + names_width;
    let grid_y = PAD + title_h + GAP + label_h + GAP;
    let below = if named { names_width } else { 0 };
    let legend_w = grid.max(LEGEND_MIN_WIDTH);
    let height = grid_y + grid + GAP + below + label_h + GAP + LEGEND_HEIGHT + 2 + tick_h + PAD;
    let width = (grid_x + grid.max(legend_w) + PAD)
        .max(ts.width(&title, TITLE_PX) + 2 * PAD)
        .max(ts.width(&legend, LABEL_PX) + 2 * PAD);
    if width > opts.max_side_px || height > opts.max_side_px {
        return Ok(None);
    }
    let mut img = RgbImage::filled(width, height, WHITE);
    let title_mask = ts.render(&title, TITLE_PX);
    img.draw_mask(&title_mask, PAD, PAD, INK, 255, false);
    let legend_mask = ts.render(&legend, LABEL_PX);
    img.draw_mask(&legend_mask, PAD, PAD + title_h + GAP, INK, 255, false);
    // Only cells non-zero at either step changed: each row starts as "no change" and gets
    // its changed cells painted over (at K = 1000, thousands of cells rather than 10⁶).
    let mut column_of = vec![0u32; ids.len()];
    for (p, &class) in ids.iter().enumerate() {
        column_of[class] = p as u32;
    }
    let color_of =
        |t: usize, p: usize, pp: f64| BETTER_WORSE.at(scale_position(improvement(t, p, pp), scale));
    let unchanged = BETTER_WORSE.at(scale_position(0.0, scale));
    for (row, &true_class) in ids.iter().enumerate() {
        let y = grid_y + row as u32 * cell;
        if !change.row_defined(true_class) {
            for p in 0..k {
                img.hatch_rect(Rect::new(grid_x + p * cell, y, cell, cell));
            }
            continue;
        }
        img.fill_rect(Rect::new(grid_x, y, grid, cell), unchanged);
        let (columns, changes) = change.row(true_class);
        for (&predicted, &pp) in columns.iter().zip(changes) {
            let x = grid_x + column_of[predicted as usize] * cell;
            img.fill_rect(
                Rect::new(x, y, cell, cell),
                color_of(true_class, predicted as usize, pp),
            );
        }
        if annotated {
            for (column, &predicted) in ids.iter().enumerate() {
                let pp = change.cell(true_class, predicted);
                let Some(text) = cell_text(pp) else { continue };
                let color = color_of(true_class, predicted, pp);
                let mask = ts.render(&text, CELL_PX);
                let x = grid_x + column as u32 * cell + cell.saturating_sub(mask.width) / 2;
                let y = y + cell.saturating_sub(mask.height) / 2;
                img.draw_mask(&mask, x, y, text_color_on(color), 255, false);
            }
        }
    }
    // The diagonal carries the recall change: framed so it reads as the "better if up" line.
    if cell >= 8 {
        for t in 0..k {
            let (x, y) = (grid_x + t * cell, grid_y + t * cell);
            for r in [
                Rect::new(x, y, cell, 1),
                Rect::new(x, y + cell - 1, cell, 1),
                Rect::new(x, y, 1, cell),
                Rect::new(x + cell - 1, y, 1, cell),
            ] {
                img.fill_rect(r, INK);
            }
        }
    }
    if named {
        for (i, name) in names.iter().enumerate() {
            let mask = ts.render(name, name_px);
            let offset = i as u32 * cell + cell.saturating_sub(mask.height) / 2;
            // Row names right-aligned to the grid; column names read bottom to top below it.
            img.draw_mask(
                &mask,
                grid_x - GAP - mask.width,
                grid_y + offset,
                INK,
                255,
                false,
            );
            img.draw_mask(&mask, grid_x + offset, grid_y + grid + GAP, INK, 255, true);
        }
    }
    let true_title = ts.render("True label", LABEL_PX);
    let true_y = grid_y + grid.saturating_sub(true_title.width) / 2;
    img.draw_mask(&true_title, PAD, true_y, INK, 255, true);
    let predicted = ts.render("Predicted label", LABEL_PX);
    let axis_y = grid_y + grid + GAP + below;
    img.draw_mask(
        &predicted,
        grid_x + grid.saturating_sub(predicted.width) / 2,
        axis_y,
        INK,
        255,
        false,
    );
    // The legend: the scale from worse (left) to better (right), 0 in the middle.
    let bar_y = axis_y + label_h + GAP;
    for dx in 0..legend_w {
        let frac = f64::from(dx) / f64::from((legend_w - 1).max(1));
        img.fill_rect(
            Rect::new(grid_x + dx, bar_y, 1, LEGEND_HEIGHT),
            BETTER_WORSE.at(frac),
        );
    }
    let ticks = [
        format!("worse −{scale:.1}"),
        "0".to_owned(),
        format!("+{scale:.1} better"),
    ];
    let tick_y = bar_y + LEGEND_HEIGHT + 2;
    for (i, tick) in ticks.iter().enumerate() {
        let mask = ts.render(tick, TICK_PX);
        let x = match i {
            0 => grid_x,
            1 => grid_x + (legend_w.saturating_sub(mask.width)) / 2,
            _ => grid_x + legend_w.saturating_sub(mask.width),
        };
        img.draw_mask(&mask, x, tick_y, INK, 255, false);
    }
    Ok(Some(crate::draw::encode_png(&img)?))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ConfusionMatrix;
    use crate::confusion::delta::PreviousStep;
    use crate::draw::color::relative_luminance;
    use crate::draw::encode::decode_png;

    fn counts(rows: [u64; 9]) -> SparseCounts {
        let mut cm = ConfusionMatrix::from_counts(3, rows.to_vec()).unwrap();
        cm.set_class_names(["a", "b", "c"]).unwrap();
        SparseCounts::of(&cm)
    }

    /// The hand-computed two steps of `delta::tests`: a +25 pp recall, b −25 pp, c +50 pp;
    /// a→b −25 pp, b→c +25 pp, c→a −50 pp.
    fn change() -> RowShareChange {
        let previous = PreviousStep {
            step: 1,
            counts: Arc::new(counts([2, 2, 0, 0, 3, 1, 1, 0, 1])),
        };
        RowShareChange::between(&previous, &counts([3, 1, 0, 0, 2, 2, 0, 0, 2]), 2).unwrap()
    }

    #[test]
    fn better_cells_are_blue_worse_red_unchanged_neutral() {
        let now = counts([3, 1, 0, 0, 2, 2, 0, 0, 2]);
        let png = render_delta_png("cm", &change(), &now, &RenderOptions::default())
            .unwrap()
            .unwrap();
        // How README's docs/delta.png is made: TBCONFUSION_WRITE_DELTA_PNG=docs/delta.png.
        if let Some(out) = std::env::var_os("TBCONFUSION_WRITE_DELTA_PNG") {
            std::fs::write(out, png.bytes()).unwrap();
        }
        let img = decode_png(png.bytes());
        let blue = |c: [u8; 3]| i32::from(c[2]) > i32::from(c[0]) + 40;
        let red = |c: [u8; 3]| i32::from(c[0]) > i32::from(c[2]) + 40;
        // Find the grid: cell (a, a), +25 pp on a ±50 pp scale, is the first pixel of its colour.
        let first = BETTER_WORSE.at(0.75);
        // Column by column: cell (a, b) shares the colour but lies to the right.
        let (gx, gy) = (0..img.width)
            .flat_map(|x| (0..img.height).map(move |y| (x, y)))
            .find(|&(x, y)| img.pixel(x, y) == first)
            .unwrap();
        // Sample each cell near its top-left corner, inside the frame and clear of the text.
        let at =
            |t: u32, p: u32| img.pixel(gx + p * ANNOTATED_CELL + 3, gy + t * ANNOTATED_CELL + 3);
        assert!(blue(at(0, 0)), "{:?}", at(0, 0)); // a recognised more: better
        assert!(blue(at(0, 1)), "{:?}", at(0, 1)); // a taken for b less: better
        assert!(red(at(1, 1)), "{:?}", at(1, 1)); // b recognised less: worse
        assert!(red(at(1, 2)), "{:?}", at(1, 2)); // b taken for c more: worse
        assert!(blue(at(2, 0)), "{:?}", at(2, 0)); // c taken for a less: better
        // No change sits at the centre of the scale: near-white.
        assert!(relative_luminance(at(0, 2)) > 0.85, "{:?}", at(0, 2));
        // c's +50 pp is the largest change: the darkest blue.
        assert_eq!(at(2, 2), BETTER_WORSE.at(1.0));
    }

    /// The golden `T/delta`: a long-tailed 10-class task (names in several scripts) from step
    /// 10 to step 20, errors shrinking to two thirds and one new confusion.
    /// `UPDATE_GOLDEN=1` rewrites it; look at it before committing.
    #[test]
    fn delta_golden_image() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/delta_k10.png");
        let base = tbconfusion_testkit::realistic::long_tailed(10, 2_000, 11);
        let sparse = |r: &tbconfusion_testkit::realistic::Realistic| {
            let mut cm = ConfusionMatrix::from_counts(r.classes, r.counts.clone()).unwrap();
            cm.set_class_names(r.names.clone()).unwrap();
            SparseCounts::of(&cm)
        };
        let before = tbconfusion_testkit::realistic::with_error_scale(&base, 1.0);
        let mut after = tbconfusion_testkit::realistic::with_error_scale(&base, 0.66);
        // Class 4 newly takes a tenth of its row for class 7: one red cell among the blue.
        let moved = after.counts[4 * 10 + 4] / 10;
        after.counts[4 * 10 + 4] -= moved;
        after.counts[4 * 10 + 7] += moved;
        let previous = PreviousStep {
            step: 10,
            counts: Arc::new(sparse(&before)),
        };
        let now = sparse(&after);
        let change = RowShareChange::between(&previous, &now, 20).unwrap();
        let png = render_delta_png("val", &change, &now, &RenderOptions::default())
            .unwrap()
            .unwrap();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, png.bytes()).unwrap();
        }
        let golden = std::fs::read(&path).expect("golden missing: run with UPDATE_GOLDEN=1");
        let (img, expected) = (decode_png(png.bytes()), decode_png(&golden));
        assert!(
            img.width == expected.width
                && img.height == expected.height
                && img.pixels == expected.pixels,
            "rendering changed; if intended, rerun with UPDATE_GOLDEN=1 and inspect {}",
            path.display()
        );
    }

    #[test]
    fn cells_below_half_a_point_carry_no_text_and_titles_name_both_steps() {
        assert_eq!(cell_text(0.49), None);
        assert_eq!(cell_text(-0.5).as_deref(), Some("−0.5"));
        assert_eq!(cell_text(25.0).as_deref(), Some("+25.0"));
        assert_eq!(cell_text(f64::NAN), None);
        assert_eq!(
            delta_title("cm", &change()),
            "cm/delta · step 1 → step 2 · accuracy 70% (+10.00 pp)"
        );
        let baseline = crate::Delta::baseline(
            "production model",
            &counts([2, 2, 0, 0, 3, 1, 1, 0, 1]).to_dense(),
        );
        let crate::Delta::Baseline(baseline) = baseline else {
            unreachable!("Delta::baseline makes a baseline")
        };
        let now = counts([3, 1, 0, 0, 2, 2, 0, 0, 2]);
        let change = RowShareChange::against_baseline(&baseline, &now, 2).unwrap();
        assert_eq!(
            delta_title("cm", &change),
            "cm/delta · production model → step 2 · accuracy 70% (+10.00 pp)"
        );
    }

    #[test]
    fn clustered_images_put_the_delta_in_the_same_order() {
        // Step 2 confuses a and c with each other and b with neither, so a and c sit together.
        let now = counts([6, 0, 4, 0, 9, 1, 5, 0, 5]);
        let order = crate::confusion::render::order::clustered_order(&now);
        assert_ne!(order, [0, 1, 2], "the test needs a reordering");
        let previous = PreviousStep {
            step: 1,
            counts: Arc::new(counts([5, 5, 0, 2, 6, 2, 1, 1, 8])),
        };
        let change = RowShareChange::between(&previous, &now, 2).unwrap();
        let opts = RenderOptions::default().class_order(crate::ClassOrder::Clustered);
        let png = render_delta_png("cm", &change, &now, &opts)
            .unwrap()
            .unwrap();
        let img = decode_png(png.bytes());
        let scale = scale_pp(&change);
        let colour = |i: usize, j: usize| {
            BETTER_WORSE.at(scale_position(
                improvement(order[i], order[j], change.cell(order[i], order[j])),
                scale,
            ))
        };
        // The cell drawn first (top-left, framed) is the first class of the order.
        let first = colour(0, 0);
        let (gx, gy) = (0..img.width)
            .flat_map(|x| (0..img.height).map(move |y| (x, y)))
            .find(|&(x, y)| img.pixel(x, y) == first)
            .unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let at = img.pixel(
                    gx + j as u32 * ANNOTATED_CELL + 3,
                    gy + i as u32 * ANNOTATED_CELL + 3,
                );
                assert_eq!(at, colour(i, j), "position ({i}, {j})");
            }
        }
    }
}
