//! Layout: where every box goes, measured from the text that has to fit.
//!
//! Sizes follow from how TensorBoard shows images: the Images card is about 330 px wide and
//! scales images down to fit. So the cell annotation tier is chosen by the image width it
//! produces (cell text must stay legible after scaling), small matrices are sized near display
//! size, and large ones fall back to an unannotated heatmap whose tick labels are shown while
//! they fit, then replaced by index ticks every n classes.

mod place;

use crate::confusion::sparse::SparseCounts;
use crate::draw::canvas::Rect;
use crate::draw::text::Typesetter;

use super::values::CellValues;
use super::{Annotate, RenderError, RenderOptions};
use place::place;
pub(crate) use place::wrap_title;

/// Title font size (ab_glyph pixel scale: ascent + descent).
pub(crate) const TITLE_PX: u32 = 15;
/// Axis titles and tick labels.
pub(crate) const LABEL_PX: u32 = 14;
/// Cell annotations.
pub(crate) const CELL_PX: u32 = 14;
/// Vertical distance between the lines of a cell. Cell text is digits and "%", which have no
/// descenders, so lines sit closer than a full line height: that keeps two-line cells small.
pub(crate) const CELL_LINE_PITCH: u32 = CELL_PX + 1;
/// Colour-bar tick labels.
pub(crate) const TICK_PX: u32 = 12;
const PAD: u32 = 8;
const GAP: u32 = 6;
/// Space around cell text, per side.
const CELL_PAD_X: u32 = 4;
const CELL_PAD_Y: u32 = 3;
/// The grid is at least this big, so tiny matrices still fill the card at display size.
const MIN_GRID: u32 = 300;
/// Annotated images wider than this would shrink cell text below ~7.5 px in TensorBoard's
/// 330 px card, so annotation gives way to a plain heatmap beyond it.
const ANNOTATED_MAX_WIDTH: u32 = 620;
/// A heatmap keeps full-size class labels while its grid stays below this size.
const SMALL_HEATMAP_GRID_MAX: u32 = 900;
/// A heatmap keeps one (smaller) tick label per class while its grid stays below this size.
const LABELLED_GRID_MAX: u32 = 1800;
/// Target grid size for heatmaps too big for labels: one pixel per class at K = 1000. Larger
/// grids add no information, and pixels are what rendering and encoding cost.
const HEATMAP_GRID_TARGET: u32 = 1000;
/// Class labels beside heatmap rows: small enough for 15-pixel rows, so K = 100 keeps its
/// names in a 1,500-pixel grid.
const HEATMAP_LABEL_PX: u32 = 11;
/// Longest tick label before it is middle-ellipsized.
const LABEL_MAX_WIDTH: u32 = 130;
const MARGIN_GAP: u32 = 4;
const COLORBAR_WIDTH: u32 = 14;

/// How much text a cell carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tier {
    /// Primary value over secondary value.
    TwoLines,
    /// Primary value only.
    OneLine,
    /// Colour only.
    Heatmap,
}

/// One piece of text and the box it is drawn in (already rotated when `rotated`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TextBox {
    pub(crate) text: String,
    pub(crate) rect: Rect,
    pub(crate) px: u32,
    pub(crate) rotated: bool,
}

/// What the layout must make room for.
pub(crate) struct LayoutInput<'a> {
    pub(crate) title: &'a str,
    pub(crate) row_names: &'a [String],
    pub(crate) col_names: &'a [String],
    /// Widest primary and secondary cell strings at [`CELL_PX`], in pixels.
    pub(crate) primary_width: u32,
    pub(crate) secondary_width: u32,
    /// Widest margin string ("100%", "acc").
    pub(crate) margin_text_width: u32,
    pub(crate) margins: bool,
    /// Tick labels for each colour bar (one bar, or two in error mode), top to bottom order
    /// does not matter: each is `(fraction from the bottom, text)`.
    pub(crate) colorbars: Vec<Vec<(f64, String)>>,
    pub(crate) annotate: Annotate,
    pub(crate) max_side_px: u32,
    /// The class id at each position, for index ticks, when it is not the position (a
    /// clustered order, blocks of classes).
    pub(crate) tick_ids: Option<&'a [usize]>,
}

impl<'a> LayoutInput<'a> {
    /// What `values` of `counts`, titled `title`, need room for under `opts`.
    pub(crate) fn measure(
        ts: &Typesetter<'_>,
        values: &CellValues<'_>,
        counts: &'a SparseCounts,
        title: &'a str,
        opts: &RenderOptions,
    ) -> LayoutInput<'a> {
        let strings = values.strings();
        LayoutInput {
            title,
            row_names: counts.class_names(),
            col_names: counts.class_names(),
            primary_width: widest(ts, strings.iter().map(|s| &s.0)),
            secondary_width: widest(ts, strings.iter().map(|s| &s.1)),
            margin_text_width: ["100%", ">99%", "acc", "—"]
                .iter()
                .map(|s| ts.width(s, CELL_PX))
                .max()
                .unwrap_or(0),
            margins: opts.margins,
            colorbars: if opts.colorbar {
                values.colorbar_ticks()
            } else {
                Vec::new()
            },
            annotate: if values.has_text() {
                opts.annotate
            } else {
                Annotate::Never
            },
            max_side_px: opts.max_side_px,
            tick_ids: None,
        }
    }
}

/// Width at [`CELL_PX`] of the widest of `strings`. Digits are tabular in DejaVu Sans, so the
/// longest string is (near enough) the widest: only up to eight strings of the greatest length
/// are measured rather than every cell.
fn widest<'s>(ts: &Typesetter<'_>, strings: impl Iterator<Item = &'s String>) -> u32 {
    let mut best: Vec<&String> = Vec::new();
    for s in strings {
        match best.first() {
            Some(b) if b.chars().count() > s.chars().count() => {}
            Some(b) if b.chars().count() == s.chars().count() => {
                if best.len() < 8 {
                    best.push(s)
                }
            }
            _ => best = vec![s],
        }
    }
    best.iter().map(|s| ts.width(s, CELL_PX)).max().unwrap_or(0)
}

/// A colour bar and its tick labels.
#[derive(Clone, Debug)]
pub(crate) struct ColorbarBox {
    pub(crate) bar: Rect,
    pub(crate) ticks: Vec<TextBox>,
}

/// Every box of the image.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) tier: Tier,
    /// Width without the colour bars: what decides whether cell text stays legible (bars are
    /// an extra the caller asked for, and must not cost the annotations).
    pub(crate) core_width: u32,
    /// Side of one square cell.
    pub(crate) cell: u32,
    pub(crate) grid: Rect,
    pub(crate) recall_column: Option<Rect>,
    pub(crate) precision_row: Option<Rect>,
    pub(crate) colorbars: Vec<ColorbarBox>,
    /// Titles, axis titles, tick labels, margin headers: none overlaps another or any cell.
    pub(crate) labels: Vec<TextBox>,
}

impl Layout {
    /// The rectangle of cell (`t`, `p`).
    pub(crate) fn cell_rect(&self, t: usize, p: usize) -> Rect {
        Rect::new(
            self.grid.x + p as u32 * self.cell,
            self.grid.y + t as u32 * self.cell,
            self.cell,
            self.cell,
        )
    }

    /// Every filled area (grid, margins, colour bars) that labels must not cover.
    pub(crate) fn painted_areas(&self) -> Vec<Rect> {
        let mut areas = vec![self.grid];
        areas.extend(self.recall_column);
        areas.extend(self.precision_row);
        if let (Some(r), Some(p)) = (self.recall_column, self.precision_row) {
            areas.push(Rect::new(r.x, p.y, r.w, p.h));
        }
        areas.extend(self.colorbars.iter().map(|c| c.bar));
        areas
    }
}

/// Chooses the tier and cell size, then places everything. Errors only when even a 1-pixel
/// heatmap cannot fit `max_side_px`.
pub(crate) fn compute(ts: &Typesetter<'_>, input: &LayoutInput<'_>) -> Result<Layout, RenderError> {
    let k = input.row_names.len().max(1) as u32;
    let two_lines = (input.primary_width.max(input.secondary_width) + 2 * CELL_PAD_X)
        .max(2 * CELL_LINE_PITCH + 2 * CELL_PAD_Y);
    let one_line = (input.primary_width + 2 * CELL_PAD_X).max(CELL_LINE_PITCH + 2 * CELL_PAD_Y);
    let grow = |s: u32| s.max(MIN_GRID.div_ceil(k));

    let annotated = [
        (Tier::TwoLines, grow(two_lines)),
        (Tier::OneLine, grow(one_line)),
    ];
    match input.annotate {
        Annotate::Never => {}
        Annotate::Always | Annotate::Auto => {
            for (tier, cell) in annotated {
                let layout = place(ts, input, tier, cell, true, LABEL_PX);
                let fits_cap =
                    layout.width <= input.max_side_px && layout.height <= input.max_side_px;
                let legible =
                    input.annotate == Annotate::Always || layout.core_width <= ANNOTATED_MAX_WIDTH;
                if fits_cap && legible {
                    return Ok(layout);
                }
            }
        }
    }

    // Heatmap: full-size class labels while the grid stays near display size, then smaller
    // ones while one label per row fits, else index ticks.
    for (class_px, grid_max) in [
        (LABEL_PX, SMALL_HEATMAP_GRID_MAX),
        (HEATMAP_LABEL_PX, LABELLED_GRID_MAX),
    ] {
        let labelled_cell = grow(ts.line_height(class_px) + 1);
        if k * labelled_cell <= grid_max {
            let layout = place(ts, input, Tier::Heatmap, labelled_cell, true, class_px);
            if layout.width <= input.max_side_px && layout.height <= input.max_side_px {
                return Ok(layout);
            }
        }
    }
    let mut cell = grow((HEATMAP_GRID_TARGET / k).max(1));
    loop {
        let layout = place(ts, input, Tier::Heatmap, cell, false, HEATMAP_LABEL_PX);
        let over = layout
            .width
            .max(layout.height)
            .saturating_sub(input.max_side_px);
        if over == 0 {
            return Ok(layout);
        }
        // Shrink by as many pixels per cell as the overshoot needs, at least one.
        let shrink = over.div_ceil(k).max(1);
        if cell <= shrink {
            return Err(RenderError::TooLarge {
                classes: k as usize,
                max_side_px: input.max_side_px,
            });
        }
        cell -= shrink;
    }
}

#[cfg(test)]
mod tests;
