//! Placement: every box of the image for a chosen tier and cell size. Tick labels are measured
//! first (they set the left band and the band under the grid), then positions run left to
//! right, the title wraps to the resulting width, positions run top to bottom, and the labels
//! are placed, lower-priority ones only where they overlap nothing.

use crate::draw::canvas::Rect;
use crate::draw::text::Typesetter;

use super::{
    CELL_PAD_X, COLORBAR_WIDTH, ColorbarBox, GAP, LABEL_MAX_WIDTH, LABEL_PX, Layout, LayoutInput,
    MARGIN_GAP, MIN_GRID, PAD, TICK_PX, TITLE_PX, TextBox, Tier,
};

/// Places everything for `tier` with square cells of side `cell`; class ticks are names at
/// `class_px` when `labelled`, else every n-th index.
pub(super) fn place(
    ts: &Typesetter<'_>,
    input: &LayoutInput<'_>,
    tier: Tier,
    cell: u32,
    labelled: bool,
    class_px: u32,
) -> Layout {
    let label_lh = ts.line_height(LABEL_PX);
    let ticks = tick_labels(ts, input, cell, labelled, class_px);
    let grid_side = cell.saturating_mul(input.row_names.len() as u32);
    let margin = margin_side(input, tier, cell);
    let across = horizontal(ts, input, &ticks, grid_side, margin, label_lh);
    let (mut labels, below_title) = title_lines(ts, input.title, across.content_width);
    let down = vertical(
        input,
        &across,
        margin,
        below_title,
        ticks.col_band,
        label_lh,
    );
    // Only the title can be wider than the content.
    let width = across.content_width.max(
        labels
            .iter()
            .map(|l| l.rect.right() + PAD)
            .max()
            .unwrap_or(0),
    );
    // Axis titles and margin headers first: they win over tick labels where space is tight.
    labels.extend(axis_titles(ts, &across, &down, label_lh));
    labels.extend(margin_headers(ts, &across, &down, label_lh));
    let tick_boxes = tick_boxes(ts, &ticks, &across, &down, cell);
    let colorbars = colorbar_boxes(ts, input, &across, &down);

    let mut layout = Layout {
        width,
        height: down.height,
        tier,
        core_width: across.core_width,
        cell,
        grid: down.grid,
        recall_column: down.recall_column,
        precision_row: down.precision_row,
        colorbars,
        labels,
    };
    let colorbar_ticks: Vec<TextBox> = layout
        .colorbars
        .iter_mut()
        .flat_map(|c| std::mem::take(&mut c.ticks))
        .collect();
    layout.add_where_free(tick_boxes.into_iter().chain(colorbar_ticks));
    layout
}

/// The class tick labels of both axes, before they are placed.
struct TickLabels {
    class_px: u32,
    class_lh: u32,
    /// Row labels (names, ellipsized, or indices); one in `row_step` is shown.
    rows: Vec<String>,
    row_step: usize,
    /// Column labels and their widths; one in `col_step` is shown.
    cols: Vec<String>,
    col_widths: Vec<u32>,
    col_step: usize,
    /// Column names wider than a cell read bottom to top.
    cols_rotated: bool,
    /// The widest shown row label, or the "precision" header beside the precision row.
    row_label_width: u32,
    /// Height of the band under the grid that column labels take.
    col_band: u32,
}

impl TickLabels {
    fn shown_rows(&self) -> impl Iterator<Item = (usize, &String)> {
        self.rows
            .iter()
            .enumerate()
            .filter(|&(i, _)| shown(i, self.row_step))
    }

    fn shown_cols(&self) -> impl Iterator<Item = (usize, &String)> {
        self.cols
            .iter()
            .enumerate()
            .filter(|&(i, _)| shown(i, self.col_step))
    }
}

/// Whether the `i`-th label is shown when one in `step` is.
fn shown(i: usize, step: usize) -> bool {
    i % step == 0
}

/// Tick labels: names (ellipsized) or every n-th index.
fn tick_labels(
    ts: &Typesetter<'_>,
    input: &LayoutInput<'_>,
    cell: u32,
    labelled: bool,
    class_px: u32,
) -> TickLabels {
    let k = input.row_names.len();
    let class_lh = ts.line_height(class_px);
    let ellipsized = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .map(|n| ts.ellipsize_middle(n, class_px, LABEL_MAX_WIDTH))
            .collect()
    };
    let indices = || {
        (0..k)
            .map(|i| input.tick_ids.map_or(i, |ids| ids[i]).to_string())
            .collect::<Vec<String>>()
    };
    let (rows, row_step) = if labelled {
        (ellipsized(input.row_names), 1)
    } else {
        (indices(), tick_step(cell, class_lh + 2))
    };
    let cols = if labelled {
        ellipsized(input.col_names)
    } else {
        indices()
    };
    let col_widths: Vec<u32> = cols.iter().map(|c| ts.width(c, class_px)).collect();
    let widest_col = col_widths.iter().copied().max().unwrap_or(0);
    let (col_step, cols_rotated) = if labelled {
        (1, widest_col + 2 > cell)
    } else {
        (tick_step(cell, widest_col + 6), false)
    };
    let row_label_width = rows
        .iter()
        .enumerate()
        .filter(|&(i, _)| shown(i, row_step))
        .map(|(_, r)| ts.width(r, class_px))
        .chain(input.margins.then(|| ts.width("precision", LABEL_PX)))
        .max()
        .unwrap_or(0);
    TickLabels {
        class_px,
        class_lh,
        rows,
        row_step,
        cols,
        col_widths,
        col_step,
        cols_rotated,
        row_label_width,
        col_band: if cols_rotated { widest_col } else { class_lh },
    }
}

/// Index-tick spacing: the smallest of 1, 2, 5, 10, 20, 50, … classes whose span holds `need` px.
pub(super) fn tick_step(cell: u32, need: u32) -> usize {
    let mut step = 1usize;
    let mut mantissa = [2usize, 5, 10].into_iter().cycle();
    let mut decade = 1usize;
    while (step as u64) * u64::from(cell) < u64::from(need) {
        let m = mantissa.next().unwrap_or(10);
        step = m * decade;
        if m == 10 {
            decade *= 10;
        }
    }
    step
}

/// Thickness of the recall column and precision row, when margins are drawn: a cell, widened
/// to the margin text when the tier carries text.
fn margin_side(input: &LayoutInput<'_>, tier: Tier, cell: u32) -> Option<u32> {
    if !input.margins {
        return None;
    }
    let text = if tier == Tier::Heatmap {
        0
    } else {
        input.margin_text_width + 2 * CELL_PAD_X
    };
    Some(cell.max(text).max(12))
}

/// Left-to-right positions.
struct Horizontal {
    /// Left of the rotated "True label".
    y_title_x: u32,
    /// Right edge of the row labels (they are right-aligned to it).
    row_labels_right: u32,
    grid_x: u32,
    grid_side: u32,
    /// Left of the recall column, and its width, with margins.
    recall: Option<(u32, u32)>,
    /// Width without the colour bars.
    core_width: u32,
    /// Left of each colour bar.
    colorbar_x: Vec<u32>,
    /// Width with the colour bars and their ticks.
    content_width: u32,
}

/// Row labels, grid, recall column, colour bars and their ticks, left to right.
fn horizontal(
    ts: &Typesetter<'_>,
    input: &LayoutInput<'_>,
    ticks: &TickLabels,
    grid_side: u32,
    margin: Option<u32>,
    label_lh: u32,
) -> Horizontal {
    let y_title_x = PAD;
    let row_labels_right = y_title_x + label_lh + GAP + ticks.row_label_width;
    let grid_x = row_labels_right + GAP;
    let mut right = grid_x + grid_side;
    let recall_x = right + MARGIN_GAP;
    if let Some(m) = margin {
        right = recall_x + m;
    }
    let core_width = right + PAD;
    let mut colorbar_x = Vec::new();
    for bar_ticks in &input.colorbars {
        let x = right + 3 * GAP;
        let tick_w = bar_ticks
            .iter()
            .map(|(_, t)| ts.width(t, TICK_PX))
            .max()
            .unwrap_or(0);
        colorbar_x.push(x);
        right = x + COLORBAR_WIDTH + 3 + tick_w;
    }
    Horizontal {
        y_title_x,
        row_labels_right,
        grid_x,
        grid_side,
        recall: margin.map(|m| (recall_x, m)),
        core_width,
        colorbar_x,
        content_width: right + PAD,
    }
}

/// The title, wrapped to the content width (but never narrower than the minimum grid), from
/// the top; with the first free y below it.
fn title_lines(ts: &Typesetter<'_>, title: &str, content_width: u32) -> (Vec<TextBox>, u32) {
    let title_width = content_width.max(MIN_GRID) - 2 * PAD;
    let title_lh = ts.line_height(TITLE_PX);
    let mut labels = Vec::new();
    let mut y = PAD;
    for line in wrap_title(ts, title, title_width) {
        let w = ts.width(&line, TITLE_PX);
        labels.push(TextBox {
            rect: Rect::new(PAD, y, w, title_lh),
            text: line,
            px: TITLE_PX,
            rotated: false,
        });
        y += title_lh + 2;
    }
    (labels, y + GAP)
}

/// Greedy wrap of a title at its " · " separators; a piece too long alone is ellipsized.
pub(crate) fn wrap_title(ts: &Typesetter<'_>, title: &str, max_width: u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for piece in title.split(" · ") {
        if let Some(last) = lines.last_mut() {
            let joined = format!("{last} · {piece}");
            if ts.width(&joined, TITLE_PX) <= max_width {
                *last = joined;
                continue;
            }
        }
        lines.push(ts.ellipsize_middle(piece, TITLE_PX, max_width));
    }
    lines
}

/// Top-to-bottom positions.
struct Vertical {
    /// Top of the margin headers' line.
    header_y: u32,
    grid: Rect,
    recall_column: Option<Rect>,
    precision_row: Option<Rect>,
    /// Top of the column labels.
    col_labels_y: u32,
    /// Top of "Predicted label".
    x_title_y: u32,
    height: u32,
}

/// Margin headers, grid and margins, column labels and the x-axis title, from `top` down.
fn vertical(
    input: &LayoutInput<'_>,
    across: &Horizontal,
    margin: Option<u32>,
    top: u32,
    col_band: u32,
    label_lh: u32,
) -> Vertical {
    let header_y = top;
    let grid_y = if input.margins {
        top + label_lh + 2
    } else {
        top
    };
    let side = across.grid_side;
    let grid = Rect::new(across.grid_x, grid_y, side, side);
    let recall_column = across.recall.map(|(x, m)| Rect::new(x, grid_y, m, side));
    let precision_row = margin.map(|m| Rect::new(grid.x, grid.bottom() + MARGIN_GAP, side, m));
    let below_grid = precision_row.map_or(grid.bottom(), |r| r.bottom());
    let col_labels_y = below_grid + GAP / 2;
    let x_title_y = col_labels_y + col_band + GAP;
    Vertical {
        header_y,
        grid,
        recall_column,
        precision_row,
        col_labels_y,
        x_title_y,
        height: x_title_y + label_lh + PAD,
    }
}

/// "Predicted label" centred under the grid, "True label" reading upwards beside it.
fn axis_titles(
    ts: &Typesetter<'_>,
    across: &Horizontal,
    down: &Vertical,
    label_lh: u32,
) -> [TextBox; 2] {
    let grid = down.grid;
    let x_title = "Predicted label";
    let w = ts.width(x_title, LABEL_PX);
    let predicted = TextBox {
        text: x_title.to_owned(),
        rect: Rect::new(
            (grid.x + grid.w / 2).saturating_sub(w / 2),
            down.x_title_y,
            w,
            label_lh,
        ),
        px: LABEL_PX,
        rotated: false,
    };
    let y_title = "True label";
    let w = ts.width(y_title, LABEL_PX);
    let truth = TextBox {
        text: y_title.to_owned(),
        rect: Rect::new(
            across.y_title_x,
            (grid.y + grid.h / 2).saturating_sub(w / 2).max(grid.y),
            label_lh,
            w,
        ),
        px: LABEL_PX,
        rotated: true,
    };
    [predicted, truth]
}

/// "recall" above the recall column, "precision" beside the precision row.
fn margin_headers(
    ts: &Typesetter<'_>,
    across: &Horizontal,
    down: &Vertical,
    label_lh: u32,
) -> Vec<TextBox> {
    let (Some(rc), Some(pr)) = (down.recall_column, down.precision_row) else {
        return Vec::new();
    };
    let recall_w = ts.width("recall", LABEL_PX);
    let precision_w = ts.width("precision", LABEL_PX);
    vec![
        TextBox {
            text: "recall".to_owned(),
            rect: Rect::new(
                rc.right().saturating_sub(recall_w),
                down.header_y,
                recall_w,
                label_lh,
            ),
            px: LABEL_PX,
            rotated: false,
        },
        TextBox {
            text: "precision".to_owned(),
            rect: Rect::new(
                across.row_labels_right - precision_w,
                pr.y + (pr.h.saturating_sub(label_lh)) / 2,
                precision_w,
                label_lh,
            ),
            px: LABEL_PX,
            rotated: false,
        },
    ]
}

/// The shown class ticks: row labels right-aligned beside their rows, column labels centred
/// under (or, rotated, ending at) their columns.
fn tick_boxes(
    ts: &Typesetter<'_>,
    ticks: &TickLabels,
    across: &Horizontal,
    down: &Vertical,
    cell: u32,
) -> Vec<TextBox> {
    let (grid, class_px, class_lh) = (down.grid, ticks.class_px, ticks.class_lh);
    let mut boxes = Vec::new();
    for (i, r) in ticks.shown_rows() {
        let w = ts.width(r, class_px);
        let centre = grid.y + i as u32 * cell + cell / 2;
        boxes.push(TextBox {
            text: r.clone(),
            rect: Rect::new(
                across.row_labels_right - w,
                centre.saturating_sub(class_lh / 2),
                w,
                class_lh,
            ),
            px: class_px,
            rotated: false,
        });
    }
    for (i, c) in ticks.shown_cols() {
        let w = ticks.col_widths[i];
        let centre = grid.x + i as u32 * cell + cell / 2;
        let rect = if ticks.cols_rotated {
            // Text reads bottom to top and ends at the grid, as matplotlib's rotation=90.
            Rect::new(
                centre.saturating_sub(class_lh / 2),
                down.col_labels_y,
                class_lh,
                w,
            )
        } else {
            Rect::new(centre.saturating_sub(w / 2), down.col_labels_y, w, class_lh)
        };
        boxes.push(TextBox {
            text: c.clone(),
            rect,
            px: class_px,
            rotated: ticks.cols_rotated,
        });
    }
    boxes
}

/// Each colour bar beside the grid, as tall as it, with its ticks at their fractions.
fn colorbar_boxes(
    ts: &Typesetter<'_>,
    input: &LayoutInput<'_>,
    across: &Horizontal,
    down: &Vertical,
) -> Vec<ColorbarBox> {
    let tick_lh = ts.line_height(TICK_PX);
    let grid = down.grid;
    across
        .colorbar_x
        .iter()
        .zip(&input.colorbars)
        .map(|(&x, bar_ticks)| {
            let bar = Rect::new(x, grid.y, COLORBAR_WIDTH, grid.h);
            let ticks = bar_ticks
                .iter()
                .map(|(frac, text)| {
                    let w = ts.width(text, TICK_PX);
                    let centre = bar.bottom() as f64 - frac.clamp(0.0, 1.0) * f64::from(bar.h);
                    let top = (centre - f64::from(tick_lh) / 2.0).clamp(
                        f64::from(bar.y),
                        f64::from(bar.bottom().saturating_sub(tick_lh)),
                    );
                    TextBox {
                        text: text.clone(),
                        rect: Rect::new(bar.right() + 3, top as u32, w, tick_lh),
                        px: TICK_PX,
                        rotated: false,
                    }
                })
                .collect();
            ColorbarBox { bar, ticks }
        })
        .collect()
}

impl Layout {
    /// Adds the lower-priority `candidates` that touch no placed label and no painted area,
    /// dropping the rest rather than drawing them overlapping: index ticks near a margin
    /// header, crowded bar ticks.
    fn add_where_free(&mut self, candidates: impl Iterator<Item = TextBox>) {
        let painted = self.painted_areas();
        for c in candidates {
            let free = !self.labels.iter().any(|l| l.rect.intersects(&c.rect))
                && !painted.iter().any(|p| p.intersects(&c.rect));
            if free {
                self.labels.push(c);
            }
        }
    }
}
