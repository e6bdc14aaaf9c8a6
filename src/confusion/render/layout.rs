//! Layout: where every box goes, measured from the text that has to fit.
//!
//! Sizes follow from how TensorBoard shows images: the Images card is about 330 px wide and
//! scales images down to fit. So the cell annotation tier is chosen by the image width it
//! produces (cell text must stay legible after scaling), small matrices are sized near display
//! size, and large ones fall back to an unannotated heatmap whose tick labels are shown while
//! they fit, then replaced by index ticks every n classes.

use super::{Annotate, RenderError};
use crate::draw::canvas::Rect;
use crate::draw::text::Typesetter;

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

/// Index-tick spacing: the smallest of 1, 2, 5, 10, 20, 50, … classes whose span holds `need` px.
fn tick_step(cell: u32, need: u32) -> usize {
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

/// Greedy wrap of a title at its " · " separators; a piece too long alone is ellipsized.
fn wrap_title(ts: &Typesetter<'_>, title: &str, max_width: u32) -> Vec<String> {
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

fn place(
    ts: &Typesetter<'_>,
    input: &LayoutInput<'_>,
    tier: Tier,
    cell: u32,
    labelled: bool,
    class_px: u32,
) -> Layout {
    let k = input.row_names.len();
    let label_lh = ts.line_height(LABEL_PX);
    let tick_lh = ts.line_height(TICK_PX);
    let class_lh = ts.line_height(class_px);
    let grid_side = cell.saturating_mul(k as u32);
    let margin = if input.margins {
        let text = if tier == Tier::Heatmap {
            0
        } else {
            input.margin_text_width + 2 * CELL_PAD_X
        };
        Some(cell.max(text).max(12))
    } else {
        None
    };

    // Tick labels: names (ellipsized) or every n-th index.
    let (rows, row_step): (Vec<String>, usize) = if labelled {
        let v = input
            .row_names
            .iter()
            .map(|n| ts.ellipsize_middle(n, class_px, LABEL_MAX_WIDTH))
            .collect();
        (v, 1)
    } else {
        let step = tick_step(cell, class_lh + 2);
        ((0..k).map(|i| i.to_string()).collect(), step)
    };
    let cols_named: Vec<String> = if labelled {
        input
            .col_names
            .iter()
            .map(|n| ts.ellipsize_middle(n, class_px, LABEL_MAX_WIDTH))
            .collect()
    } else {
        (0..k).map(|i| i.to_string()).collect()
    };
    let col_widths: Vec<u32> = cols_named.iter().map(|c| ts.width(c, class_px)).collect();
    let widest_col = col_widths.iter().copied().max().unwrap_or(0);
    let (col_step, cols_rotated) = if labelled {
        (1, widest_col + 2 > cell)
    } else {
        (tick_step(cell, widest_col + 6), false)
    };
    let shown = |i: usize, step: usize| i % step == 0;
    let row_label_width = rows
        .iter()
        .enumerate()
        .filter(|&(i, _)| shown(i, row_step))
        .map(|(_, r)| ts.width(r, class_px))
        .chain(input.margins.then(|| ts.width("precision", LABEL_PX)))
        .max()
        .unwrap_or(0);
    let col_band = if cols_rotated { widest_col } else { class_lh };

    // Horizontal positions.
    let y_title_x = PAD;
    let row_labels_right = y_title_x + label_lh + GAP + row_label_width;
    let grid_x = row_labels_right + GAP;
    let mut right = grid_x + grid_side;
    let recall_x = right + MARGIN_GAP;
    if let Some(m) = margin {
        right = recall_x + m;
    }
    let core_width = right + PAD;
    let mut colorbar_x = Vec::new();
    for ticks in &input.colorbars {
        let x = right + 3 * GAP;
        let tick_w = ticks
            .iter()
            .map(|(_, t)| ts.width(t, TICK_PX))
            .max()
            .unwrap_or(0);
        colorbar_x.push(x);
        right = x + COLORBAR_WIDTH + 3 + tick_w;
    }
    let content_width = right + PAD;

    // Title, wrapped to the content width (but never narrower than the minimum grid).
    let title_width = content_width.max(MIN_GRID) - 2 * PAD;
    let title_lines = wrap_title(ts, input.title, title_width);
    let title_lh = ts.line_height(TITLE_PX);
    let mut labels = Vec::new();
    let mut y = PAD;
    for line in title_lines {
        let w = ts.width(&line, TITLE_PX);
        labels.push(TextBox {
            rect: Rect::new(PAD, y, w, title_lh),
            text: line,
            px: TITLE_PX,
            rotated: false,
        });
        y += title_lh + 2;
    }
    y += GAP;
    let header_y = y;
    if input.margins {
        y += label_lh + 2;
    }
    let grid_y = y;
    let grid = Rect::new(grid_x, grid_y, grid_side, grid_side);
    let recall_column = margin.map(|m| Rect::new(recall_x, grid_y, m, grid_side));
    let precision_row = margin.map(|m| Rect::new(grid_x, grid.bottom() + MARGIN_GAP, grid_side, m));
    let below_grid = precision_row.map_or(grid.bottom(), |r| r.bottom());
    let col_labels_y = below_grid + GAP / 2;
    let x_title_y = col_labels_y + col_band + GAP;
    let height = x_title_y + label_lh + PAD;
    let width = content_width.max(
        labels
            .iter()
            .map(|l| l.rect.right() + PAD)
            .max()
            .unwrap_or(0),
    );

    // Axis titles and margin headers first: they win over tick labels where space is tight.
    let x_title = "Predicted label";
    let w = ts.width(x_title, LABEL_PX);
    labels.push(TextBox {
        text: x_title.to_owned(),
        rect: Rect::new(
            (grid.x + grid_side / 2).saturating_sub(w / 2),
            x_title_y,
            w,
            label_lh,
        ),
        px: LABEL_PX,
        rotated: false,
    });
    let y_title = "True label";
    let w = ts.width(y_title, LABEL_PX);
    labels.push(TextBox {
        text: y_title.to_owned(),
        rect: Rect::new(
            y_title_x,
            (grid.y + grid_side / 2).saturating_sub(w / 2).max(grid.y),
            label_lh,
            w,
        ),
        px: LABEL_PX,
        rotated: true,
    });
    if let (Some(rc), Some(pr)) = (recall_column, precision_row) {
        let w = ts.width("recall", LABEL_PX);
        labels.push(TextBox {
            text: "recall".to_owned(),
            rect: Rect::new(rc.right().saturating_sub(w), header_y, w, label_lh),
            px: LABEL_PX,
            rotated: false,
        });
        let w = ts.width("precision", LABEL_PX);
        labels.push(TextBox {
            text: "precision".to_owned(),
            rect: Rect::new(
                row_labels_right - w,
                pr.y + (pr.h.saturating_sub(label_lh)) / 2,
                w,
                label_lh,
            ),
            px: LABEL_PX,
            rotated: false,
        });
    }

    let mut ticks = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|&(i, _)| shown(i, row_step)) {
        let w = ts.width(r, class_px);
        let centre = grid.y + i as u32 * cell + cell / 2;
        ticks.push(TextBox {
            text: r.clone(),
            rect: Rect::new(
                row_labels_right - w,
                centre.saturating_sub(class_lh / 2),
                w,
                class_lh,
            ),
            px: class_px,
            rotated: false,
        });
    }
    for (i, c) in cols_named
        .iter()
        .enumerate()
        .filter(|&(i, _)| shown(i, col_step))
    {
        let w = col_widths[i];
        let centre = grid.x + i as u32 * cell + cell / 2;
        let rect = if cols_rotated {
            // Text reads bottom to top and ends at the grid, as matplotlib's rotation=90.
            Rect::new(
                centre.saturating_sub(class_lh / 2),
                col_labels_y,
                class_lh,
                w,
            )
        } else {
            Rect::new(centre.saturating_sub(w / 2), col_labels_y, w, class_lh)
        };
        ticks.push(TextBox {
            text: c.clone(),
            rect,
            px: class_px,
            rotated: cols_rotated,
        });
    }

    let mut colorbars = Vec::new();
    for (x, bar_ticks) in colorbar_x.into_iter().zip(&input.colorbars) {
        let bar = Rect::new(x, grid_y, COLORBAR_WIDTH, grid_side);
        let boxes = bar_ticks
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
        colorbars.push(ColorbarBox { bar, ticks: boxes });
    }

    let mut layout = Layout {
        width,
        height,
        tier,
        core_width,
        cell,
        grid,
        recall_column,
        precision_row,
        colorbars,
        labels,
    };
    // Lower-priority boxes that would touch a placed label or any painted area are dropped
    // rather than drawn overlapping: index ticks near a margin header, crowded bar ticks.
    let painted = layout.painted_areas();
    let candidates = ticks
        .into_iter()
        .chain(layout.colorbars.iter().flat_map(|c| c.ticks.clone()))
        .collect::<Vec<_>>();
    for c in candidates {
        let free = !layout.labels.iter().any(|l| l.rect.intersects(&c.rect))
            && !painted.iter().any(|p| p.intersects(&c.rect));
        if free {
            layout.labels.push(c);
        }
    }
    for cb in &mut layout.colorbars {
        cb.ticks.clear();
    }
    layout
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::text::primary_face;

    fn names(k: usize, f: impl Fn(usize) -> String) -> Vec<String> {
        (0..k).map(f).collect()
    }

    fn layout_for(k: usize, names: &[String], margins: bool, cap: u32) -> Layout {
        let ts = Typesetter::new(primary_face().unwrap(), None);
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
        let ts = Typesetter::new(primary_face().unwrap(), None);
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
}
