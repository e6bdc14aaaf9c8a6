//! The bars picture: one matrix for one step whose every cell holds a small bar chart, one
//! bar per run (its row share), each run in its own colour of the Okabe–Ito palette (safe
//! for the common colour-vision deficiencies), after W&B's multi-run matrix. Diagonal cells
//! are tinted and scaled 0–100%; the others share one scale up to the largest error share,
//! so small confusions still show. A legend names the runs and the scales.

use crate::confusion::compare::{CompareError, CompareOptions, Comparison, Panel, percent};
use crate::confusion::format::group_thousands;
use crate::draw::canvas::{Rect, RgbImage};
use crate::draw::color::{INK, Rgb, WHITE};
use crate::draw::text::{Typesetter, primary_face};
use crate::png::Png;

use super::super::RenderError;
use super::super::layout::{LABEL_PX, TICK_PX};
use super::{GAP, PAD, TitleBlock, short_names, text, widest};

/// Okabe & Ito's colour-blind-safe categorical palette, in the order runs take it (the
/// yellow, weakest on white, last but one).
const RUN_COLORS: [Rgb; 8] = [
    [0x00, 0x72, 0xb2], // blue
    [0xe6, 0x9f, 0x00], // orange
    [0x00, 0x9e, 0x73], // bluish green
    [0xd5, 0x5e, 0x00], // vermillion
    [0xcc, 0x79, 0xa7], // reddish purple
    [0x56, 0xb4, 0xe9], // sky blue
    [0xf0, 0xe4, 0x42], // yellow
    [0x00, 0x00, 0x00], // black
];
/// The most runs the picture draws: one distinguishable colour each.
pub(crate) const MAX_RUNS: usize = RUN_COLORS.len();
const GRID_LINE: Rgb = [215, 215, 215];
/// The diagonal's tint: its bars are on another scale than the rest.
const DIAGONAL_TINT: Rgb = [226, 236, 247];
/// "(other)"'s tint: its bars are on the diagonal's 0–100% scale, not the errors'.
const OTHER_TINT: Rgb = [236, 236, 236];
const BASELINE: Rgb = [170, 170, 170];
const MIN_CELL: u32 = 34;
/// Space above the tallest bar and below the baseline.
const BAR_TOP: u32 = 4;
const BAR_BOTTOM: u32 = 3;
/// The error scale reaches at least this share, so a 0.2% confusion is not a full bar.
const SWATCH: u32 = 12;
const MIN_WIDTH: u32 = 380;

/// Draws step position `column` of `comparison` as bars (see the module docs).
pub(crate) fn bars(
    comparison: &Comparison,
    column: usize,
    opts: &CompareOptions,
) -> Result<Png, CompareError> {
    let runs = comparison.runs.len();
    if runs > MAX_RUNS {
        return Err(CompareError::TooManyRuns {
            runs,
            max: MAX_RUNS,
        });
    }
    let mut ts = Typesetter::new(
        primary_face().map_err(RenderError::from)?,
        &opts.fallback_fonts,
    );
    let k = comparison.classes.len();
    let step = comparison.steps[column];
    let panels: Vec<Option<&Panel>> = comparison
        .panels
        .iter()
        .map(|p| p[column].as_ref())
        .collect();
    let present: Vec<&Panel> = panels.iter().flatten().copied().collect();
    // Classes and scales from every compared matrix, so one step's picture matches the others.
    let scale = comparison.scale(opts.max_classes);
    let (shown, error_max) = (&scale.shown, scale.error_max);

    let bar_w: u32 = if runs <= 4 { 6 } else { 5 };
    let bars_w = runs as u32 * bar_w + (runs as u32 - 1);
    let cell = (bars_w + 8).max(MIN_CELL);
    // The rows are the shown classes: the column names before "(other)".
    let row_names = short_names(&ts, &shown.column_names[..shown.classes.len()], TICK_PX);
    let column_names = short_names(&ts, &shown.column_names, TICK_PX);
    let label_lh = ts.line_height(LABEL_PX);
    let grid_x = PAD + label_lh + GAP + widest(&ts, &row_names, TICK_PX) + GAP;
    let grid = Rect::new(
        grid_x,
        0,
        cell * shown.columns() as u32,
        cell * shown.rows() as u32,
    );
    let names_below = widest(&ts, &column_names, TICK_PX) + GAP;
    let legend_lines: Vec<String> = comparison
        .runs
        .iter()
        .zip(&panels)
        .map(|(run, panel)| match panel {
            Some(p) => format!(
                "{run} · acc {} · N={}",
                percent(p.accuracy),
                group_thousands(p.total)
            ),
            None => format!("{run} · no step {step}"),
        })
        .collect();
    let mut scale_note = vec![
        "bar height: the run's row share".to_owned(),
        "tinted diagonal cells 0–100%".to_owned(),
        format!("other cells 0–{} (one scale)", percent(error_max)),
    ];
    if shown.any_missing(&present) {
        scale_note.push("hatched stub: the run has no samples of the class".to_owned());
    }
    let legend_w = legend_lines
        .iter()
        .map(|l| SWATCH + GAP + ts.width(l, LABEL_PX))
        .max()
        .unwrap_or(0);
    let content_w = (grid.right() + PAD).max(legend_w + 2 * PAD).max(MIN_WIDTH);
    let title = format!(
        "{} · step {step} · {runs} runs side by side · one bar per run in each cell",
        comparison.tag
    );
    let mut subtitle: Vec<String> = shown.note().into_iter().collect();
    subtitle.push(scale_note.join(" · "));
    let title_block = TitleBlock::new(&ts, &title, &subtitle, content_w - 2 * PAD);
    let grid = Rect::new(grid.x, PAD + title_block.height + GAP, grid.w, grid.h);
    let axis_y = grid.bottom() + GAP / 2 + names_below;
    let legend_y = axis_y + label_lh + 2 * GAP;
    let height = legend_y + legend_lines.len() as u32 * (label_lh + 2) + PAD;
    let width = content_w;
    if width > opts.max_side_px || height > opts.max_side_px {
        return Err(CompareError::TooLarge {
            what: format!("a matrix of bars for {} classes", shown.rows()),
            max_side_px: opts.max_side_px,
        });
    }

    let mut img = RgbImage::filled(width, height, WHITE);
    title_block.draw(&mut img, &mut ts);
    img.fill_rect(grid, GRID_LINE);
    let area_h = cell - BAR_TOP - BAR_BOTTOM - 1;
    for row in 0..shown.rows() {
        for col in 0..shown.columns() {
            let (x, y) = (grid.x + col as u32 * cell, grid.y + row as u32 * cell);
            let diagonal = shown.diagonal(row, col);
            let inner = Rect::new(x + 1, y + 1, cell - 1, cell - 1);
            let other = shown.is_other(col);
            let tint = if diagonal {
                DIAGONAL_TINT
            } else if other {
                OTHER_TINT
            } else {
                WHITE
            };
            img.fill_rect(inner, tint);
            let scale = if diagonal || other { 1.0 } else { error_max };
            let base = y + cell - BAR_BOTTOM;
            let left = x + 1 + (cell - 1).saturating_sub(bars_w) / 2;
            img.fill_rect(Rect::new(left - 1, base, bars_w + 2, 1), BASELINE);
            for (i, panel) in panels.iter().enumerate() {
                let bx = left + i as u32 * (bar_w + 1);
                let Some(panel) = panel else { continue };
                match shown.share(panel, k, row, col) {
                    None => img.hatch_rect(Rect::new(bx, base - 6, bar_w, 6)),
                    Some(v) if v > 0.0 => {
                        let h = ((v / scale).min(1.0) * f64::from(area_h)).round() as u32;
                        let h = h.max(1);
                        img.fill_rect(Rect::new(bx, base - h, bar_w, h), RUN_COLORS[i]);
                    }
                    Some(_) => {}
                }
            }
        }
    }
    if shown.other_column {
        let x = grid.x + shown.rows() as u32 * cell;
        img.fill_rect(Rect::new(x, grid.y, 2, grid.h), WHITE);
    }
    for (i, name) in row_names.iter().enumerate() {
        let mask = ts.render(name, TICK_PX);
        let y = grid.y + i as u32 * cell + cell.saturating_sub(mask.height) / 2;
        img.draw_mask(&mask, grid.x - GAP - mask.width, y, INK, 255, false);
    }
    for (i, name) in column_names.iter().enumerate() {
        let mask = ts.render(name, TICK_PX);
        let x = grid.x + i as u32 * cell + cell.saturating_sub(mask.height) / 2;
        img.draw_mask(&mask, x, grid.bottom() + GAP / 2, INK, 255, true);
    }
    let true_w = ts.width("True label", LABEL_PX);
    text(
        &mut img,
        &mut ts,
        "True label",
        LABEL_PX,
        (PAD, grid.y + grid.h.saturating_sub(true_w) / 2),
        true,
    );
    let predicted_w = ts.width("Predicted label", LABEL_PX);
    text(
        &mut img,
        &mut ts,
        "Predicted label",
        LABEL_PX,
        (grid.x + grid.w.saturating_sub(predicted_w) / 2, axis_y),
        false,
    );
    for (i, line) in legend_lines.iter().enumerate() {
        let y = legend_y + i as u32 * (label_lh + 2);
        let swatch = Rect::new(PAD, y + (label_lh - SWATCH) / 2, SWATCH, SWATCH);
        img.fill_rect(swatch, RUN_COLORS[i]);
        text(
            &mut img,
            &mut ts,
            line,
            LABEL_PX,
            (PAD + SWATCH + GAP, y),
            false,
        );
    }
    Ok(crate::draw::encode_png(&img).map_err(RenderError::from)?)
}
