//! The grid: a small row-normalised matrix per run (rows) and step (columns), all on one
//! colour scale — recall on the diagonal in blue from 0 to 100%, errors in orange on a
//! square-root scale up to the largest error share of any drawn matrix, as the main image's
//! many-class colours — with the run, step and accuracy above each and one legend below.
//! Cells carry no text (at card size there is no room for it); the numbers are in the table
//! logged beside the picture.

use crate::confusion::compare::{CompareError, CompareOptions, Comparison, Panel, percent};
use crate::draw::canvas::{Rect, RgbImage};
use crate::draw::color::{BLUES, GREYS, INK, ORANGES, Ramp, WHITE};
use crate::draw::text::{Typesetter, primary_face};
use crate::png::Png;

use super::super::layout::{LABEL_PX, TICK_PX};
use super::super::values::error_position;
use super::{GAP, NAME_PX, PAD, Shown, TitleBlock, frame, plate, short_names, text, widest};

/// The grid of small matrices aims at this size per matrix: small enough that three steps
/// side by side keep their text legible in TensorBoard's ~330 px card.
const PANEL_TARGET: u32 = 160;
pub(super) const MAX_CELL: u32 = 15;
/// Cells at least this tall get class names beside them.
const NAMED_CELL: u32 = 10;
/// Below this a cell is not a cell any more.
const MIN_CELL: u32 = 2;
const PANEL_GAP_X: u32 = 16;
const PANEL_GAP_Y: u32 = 10;
const LEGEND_BAR_WIDTH: u32 = 150;
const LEGEND_BAR_HEIGHT: u32 = 10;
const MIN_WIDTH: u32 = 380;
/// The error scale reaches at least this share, so a 0.2% confusion is not drawn saturated.
const PANEL_FRAME: [u8; 3] = [160, 160, 160];

/// Where the panels go: one row per run and one column per step, or, for one step, the runs
/// wrapped into a near-square block.
struct Blocks {
    rows: u32,
    columns: u32,
    wrapped: bool,
}

impl Blocks {
    fn of(runs: usize, steps: usize) -> Blocks {
        if steps == 1 {
            let columns = (runs as f64).sqrt().ceil().max(1.0) as usize;
            Blocks {
                rows: runs.div_ceil(columns) as u32,
                columns: columns as u32,
                wrapped: true,
            }
        } else {
            Blocks {
                rows: runs as u32,
                columns: steps as u32,
                wrapped: false,
            }
        }
    }

    /// The block (row, column) of run `run` at step position `step`.
    fn at(&self, run: usize, step: usize) -> (u32, u32) {
        if self.wrapped {
            (run as u32 / self.columns, run as u32 % self.columns)
        } else {
            (run as u32, step as u32)
        }
    }
}

/// Sizes of everything but the title, for one cell size.
struct Geometry {
    cell: u32,
    named: bool,
    panel_w: u32,
    panel_h: u32,
    header_h: u32,
    left: u32,
    names_below: u32,
    content_w: u32,
}

impl Geometry {
    fn new(
        ts: &Typesetter<'_>,
        shown: &Shown,
        row_names: &[String],
        column_names: &[String],
        blocks: &Blocks,
        cell: u32,
    ) -> Geometry {
        let named = cell >= NAMED_CELL;
        let panel_w = cell * shown.columns() as u32;
        let panel_h = cell * shown.rows() as u32;
        let header_h = ts.line_height(LABEL_PX) + ts.line_height(TICK_PX) + 2;
        let names_w = if named {
            widest(ts, row_names, NAME_PX) + GAP
        } else {
            0
        };
        let left = PAD + ts.line_height(LABEL_PX) + GAP + names_w;
        let area_w = blocks.columns * panel_w + (blocks.columns - 1) * PANEL_GAP_X;
        Geometry {
            cell,
            named,
            panel_w,
            panel_h,
            header_h,
            left,
            names_below: if named {
                widest(ts, column_names, NAME_PX) + GAP
            } else {
                0
            },
            content_w: left + area_w + PAD,
        }
    }

    fn area_h(&self, blocks: &Blocks) -> u32 {
        blocks.rows * (self.header_h + 2 + self.panel_h) + (blocks.rows - 1) * PANEL_GAP_Y
    }
}

/// The legend's items: two scales and the hatching.
struct Legend {
    items: Vec<(String, Option<Ramp>, String, String)>,
    width: u32,
    height: u32,
}

impl Legend {
    fn new(ts: &Typesetter<'_>, error_max: f64, other: bool, hatched: bool) -> Legend {
        let mut items = vec![
            (
                "diagonal: recall (row share)".to_owned(),
                Some(BLUES),
                "0%".to_owned(),
                "100%".to_owned(),
            ),
            (
                "errors: row share (√ scale)".to_owned(),
                Some(ORANGES),
                "0%".to_owned(),
                percent(error_max),
            ),
        ];
        if other {
            items.push((
                "(other): row share".to_owned(),
                Some(GREYS),
                "0%".to_owned(),
                "100%".to_owned(),
            ));
        }
        if hatched {
            items.push((
                "hatched: no data".to_owned(),
                None,
                String::new(),
                String::new(),
            ));
        }
        let width = items
            .iter()
            .map(|(caption, ramp, _, _)| {
                let w = ts.width(caption, TICK_PX);
                if ramp.is_some() {
                    w.max(LEGEND_BAR_WIDTH)
                } else {
                    w
                }
            })
            .sum::<u32>()
            + 2 * 3 * GAP;
        let height = 2 * ts.line_height(TICK_PX) + LEGEND_BAR_HEIGHT + 4;
        Legend {
            items,
            width,
            height,
        }
    }

    fn draw(&self, img: &mut RgbImage, ts: &mut Typesetter<'_>, x0: u32, y0: u32) {
        let tick_lh = ts.line_height(TICK_PX);
        let bar_y = y0 + tick_lh + 2;
        let mut x = x0;
        for (caption, ramp, low, high) in &self.items {
            let caption_w = text(img, ts, caption, TICK_PX, (x, y0), false);
            let bar = Rect::new(x, bar_y, caption_w.max(LEGEND_BAR_WIDTH), LEGEND_BAR_HEIGHT);
            match ramp {
                Some(ramp) => {
                    let table = ramp.table();
                    for dx in 0..bar.w {
                        let at = f64::from(dx) / f64::from(bar.w - 1);
                        img.fill_rect(
                            Rect::new(bar.x + dx, bar.y, 1, bar.h),
                            Ramp::lookup(&table, at),
                        );
                    }
                    frame(img, bar, PANEL_FRAME);
                    text(img, ts, low, TICK_PX, (bar.x, bar.bottom() + 2), false);
                    let high_w = ts.width(high, TICK_PX);
                    text(
                        img,
                        ts,
                        high,
                        TICK_PX,
                        (bar.right().saturating_sub(high_w), bar.bottom() + 2),
                        false,
                    );
                }
                None => {
                    let swatch = Rect::new(x, bar_y, caption_w.min(40), LEGEND_BAR_HEIGHT);
                    img.hatch_rect(swatch);
                    frame(img, swatch, PANEL_FRAME);
                }
            }
            x += bar.w + 3 * GAP;
        }
    }
}

/// Draws `comparison` as a grid (see the module docs).
pub(crate) fn grid(
    comparison: &Comparison,
    columns: &[usize],
    opts: &CompareOptions,
) -> Result<Png, CompareError> {
    let mut ts = Typesetter::new(
        primary_face().map_err(super::super::RenderError::from)?,
        &opts.fallback_fonts,
    );
    let k = comparison.classes.len();
    // Classes and scales from every compared matrix, so one step's picture matches the others.
    let scale = comparison.scale(opts.max_classes);
    let (shown, error_max) = (&scale.shown, scale.error_max);
    let steps: Vec<i64> = columns.iter().map(|&c| comparison.steps[c]).collect();
    let present: Vec<&Panel> = comparison
        .panels
        .iter()
        .flat_map(|run| columns.iter().filter_map(|&c| run[c].as_ref()))
        .collect();
    let blocks = Blocks::of(comparison.runs.len(), steps.len());
    // The rows are the shown classes: the column names before "(other)".
    let row_names = short_names(&ts, &shown.column_names[..shown.classes.len()], NAME_PX);
    let column_names = short_names(&ts, &shown.column_names, NAME_PX);
    let hatched =
        shown.any_missing(&present) || present.len() < comparison.runs.len() * steps.len();
    let legend = Legend::new(&ts, error_max, shown.other_column, hatched);
    let title = match steps.as_slice() {
        [step] => format!(
            "{} · step {step} · {} runs side by side · each matrix row-normalised, one colour scale",
            comparison.tag,
            comparison.runs.len()
        ),
        steps => format!(
            "{} · {} runs × {} steps · each matrix row-normalised, one colour scale",
            comparison.tag,
            comparison.runs.len(),
            steps.len()
        ),
    };
    let subtitle: Vec<String> = shown.note().into_iter().collect();

    // The largest cell that fits the cap.
    let label_lh = ts.line_height(LABEL_PX);
    let mut cell = (PANEL_TARGET / shown.columns() as u32).clamp(MIN_CELL, MAX_CELL);
    let (geometry, title_block, width, height) = loop {
        let g = Geometry::new(&ts, shown, &row_names, &column_names, &blocks, cell);
        let width = g.content_w.max(legend.width + 2 * PAD).max(MIN_WIDTH);
        let title_block = TitleBlock::new(&ts, &title, &subtitle, width - 2 * PAD);
        let height = PAD
            + title_block.height
            + GAP
            + g.area_h(&blocks)
            + GAP / 2
            + g.names_below
            + label_lh
            + 2 * GAP
            + legend.height
            + PAD;
        if width <= opts.max_side_px && height <= opts.max_side_px {
            break (g, title_block, width, height);
        }
        if cell <= MIN_CELL {
            return Err(CompareError::TooLarge {
                what: format!(
                    "a grid of {} runs × {} steps of {} classes",
                    comparison.runs.len(),
                    steps.len(),
                    shown.rows()
                ),
                max_side_px: opts.max_side_px,
            });
        }
        cell -= 1;
    };

    let mut img = RgbImage::filled(width, height, WHITE);
    title_block.draw(&mut img, &mut ts);
    let area_y = PAD + title_block.height + GAP;
    let block_x = |column: u32| geometry.left + column * (geometry.panel_w + PANEL_GAP_X);
    let block_y =
        |row: u32| area_y + row * (geometry.header_h + 2 + geometry.panel_h + PANEL_GAP_Y);
    let tables = (BLUES.table(), ORANGES.table());
    for (r, run) in comparison.runs.iter().enumerate() {
        for (s, (&column, &step)) in columns.iter().zip(&steps).enumerate() {
            let (br, bc) = blocks.at(r, s);
            let (x, y) = (block_x(bc), block_y(br));
            let panel = comparison.panels[r][column].as_ref();
            let name = ts.ellipsize_middle(run, LABEL_PX, geometry.panel_w.max(60));
            text(&mut img, &mut ts, &name, LABEL_PX, (x, y), false);
            let accuracy = panel.map_or("no such step".to_owned(), |p| {
                format!("acc {}", percent(p.accuracy))
            });
            let line = ts.ellipsize_middle(
                &format!("step {step} · {accuracy}"),
                TICK_PX,
                geometry.panel_w.max(60),
            );
            text(&mut img, &mut ts, &line, TICK_PX, (x, y + label_lh), false);
            let rect = Rect::new(
                x,
                y + geometry.header_h + 2,
                geometry.panel_w,
                geometry.panel_h,
            );
            match panel {
                Some(panel) => paint_panel(
                    &mut img,
                    shown,
                    panel,
                    k,
                    rect,
                    geometry.cell,
                    error_max,
                    &tables,
                ),
                None => {
                    img.hatch_rect(rect);
                    plate(&mut img, &mut ts, &format!("no step {step}"), TICK_PX, rect);
                }
            }
            frame(&mut img, rect, PANEL_FRAME);
        }
    }
    let area_h = geometry.area_h(&blocks);
    // Class names: beside each row of panels, and under the last one.
    if geometry.named {
        for br in 0..blocks.rows {
            let top = block_y(br) + geometry.header_h + 2;
            for (i, name) in row_names.iter().enumerate() {
                let mask = ts.render(name, NAME_PX);
                let y =
                    top + i as u32 * geometry.cell + geometry.cell.saturating_sub(mask.height) / 2;
                img.draw_mask(&mask, geometry.left - GAP - mask.width, y, INK, 255, false);
            }
        }
        for bc in 0..blocks.columns {
            // Right under the lowest matrix of the column (a wrapped last row may end early).
            let lowest = (0..comparison.runs.len())
                .map(|r| blocks.at(r, 0))
                .filter(|&(_, c)| c == bc)
                .map(|(row, _)| row)
                .max()
                .unwrap_or(blocks.rows - 1);
            let below = block_y(lowest) + geometry.header_h + 2 + geometry.panel_h + GAP / 2;
            for (i, name) in column_names.iter().enumerate() {
                let mask = ts.render(name, NAME_PX);
                let x = block_x(bc)
                    + i as u32 * geometry.cell
                    + geometry.cell.saturating_sub(mask.height) / 2;
                img.draw_mask(&mask, x, below, INK, 255, true);
            }
        }
    }
    let true_w = ts.width("True label", LABEL_PX);
    text(
        &mut img,
        &mut ts,
        "True label",
        LABEL_PX,
        (PAD, area_y + area_h.saturating_sub(true_w) / 2),
        true,
    );
    let axis_y = area_y + area_h + GAP / 2 + geometry.names_below;
    let area_w = geometry.content_w - PAD - geometry.left;
    let predicted_w = ts.width("Predicted label", LABEL_PX);
    text(
        &mut img,
        &mut ts,
        "Predicted label",
        LABEL_PX,
        (
            geometry.left + area_w.saturating_sub(predicted_w) / 2,
            axis_y,
        ),
        false,
    );
    legend.draw(&mut img, &mut ts, PAD, axis_y + label_lh + 2 * GAP);
    Ok(crate::draw::encode_png(&img).map_err(super::super::RenderError::from)?)
}

/// One run's matrix at one step in `rect`: row shares, blue diagonal, orange errors, hatched
/// rows for classes the run lacks, the "(other)" column set off by a white rule.
#[allow(clippy::too_many_arguments)]
fn paint_panel(
    img: &mut RgbImage,
    shown: &Shown,
    panel: &Panel,
    k: usize,
    rect: Rect,
    cell: u32,
    error_max: f64,
    (blues, oranges): &(Vec<[u8; 3]>, Vec<[u8; 3]>),
) {
    for row in 0..shown.rows() {
        for column in 0..shown.columns() {
            let r = Rect::new(
                rect.x + column as u32 * cell,
                rect.y + row as u32 * cell,
                cell,
                cell,
            );
            match shown.share(panel, k, row, column) {
                None => img.hatch_rect(r),
                Some(v) if shown.diagonal(row, column) => img.fill_rect(r, Ramp::lookup(blues, v)),
                Some(v) if shown.is_other(column) => img.fill_rect(r, GREYS.at(v)),
                Some(v) => img.fill_rect(r, Ramp::lookup(oranges, error_position(v, error_max))),
            }
        }
    }
    if shown.other_column && cell >= 4 {
        let x = rect.x + shown.rows() as u32 * cell;
        img.fill_rect(Rect::new(x, rect.y, 1, rect.h), WHITE);
    }
}
