//! Painting: the pixels of a laid-out image. Cells row by row (colour, hatching where a value
//! is undefined, text when the tier has room), the margins, the colour bars, then every label.

use crate::confusion::format::format_pct;
use crate::draw::canvas::{Rect, RgbImage};
use crate::draw::color::{GREENS, INK, Ramp, Rgb, WHITE, blend, text_color_on};
use crate::draw::text::Typesetter;

use super::layout::{CELL_LINE_PITCH, CELL_PX, Layout, Tier};
use super::values::{CellValues, MarginValues};

/// Paints the cells, margins, colour bars and every label of `layout`.
pub(super) fn paint(values: &CellValues<'_>, ts: &mut Typesetter<'_>, layout: &Layout) -> RgbImage {
    let mut img = RgbImage::filled(layout.width, layout.height, WHITE);
    let annotate = layout.tier != Tier::Heatmap && values.has_text();
    paint_cells(&mut img, values, ts, layout, annotate);
    if let Some(margins) = values.margins() {
        paint_margins(&mut img, margins, ts, layout, annotate);
    }
    for (colorbar, ramp) in layout.colorbars.iter().zip(values.colorbar_ramps()) {
        paint_colorbar(&mut img, colorbar.bar, ramp);
    }
    for label in &layout.labels {
        let mask = ts.render(&label.text, label.px);
        img.draw_mask(&mask, label.rect.x, label.rect.y, INK, 255, label.rotated);
    }
    img
}

/// The grid, row by row from a template of empty cells, so a large matrix costs its pixels
/// and its non-zero cells, not K².
fn paint_cells(
    img: &mut RgbImage,
    values: &CellValues<'_>,
    ts: &mut Typesetter<'_>,
    layout: &Layout,
    annotate: bool,
) {
    let counts = values.counts();
    let k = counts.num_classes();
    let s = layout.cell as usize;
    // An empty off-diagonal cell has one colour, so every row starts as a copy of this
    // template and only its diagonal and non-zero cells are painted. At K = 1000 that is most
    // of the rendering.
    let template: Vec<u8> = std::iter::repeat_n(values.empty_off_diagonal_color(), k * s)
        .flatten()
        .collect();
    let background = values.background();
    let undefined_columns: Vec<usize> = values
        .undefined_columns()
        .into_iter()
        .filter(|&p| Some(p) != background)
        .collect();
    let stride = img.width as usize * 3;
    for t in 0..k {
        // One pixel row per matrix row, copied down the cell height.
        let start = (layout.grid.y as usize + t * s) * stride + layout.grid.x as usize * 3;
        let row = &mut img.pixels[start..start + template.len()];
        row.copy_from_slice(&template);
        let mut fill = |p: usize, color: Rgb| {
            for px in row[p * s * 3..(p + 1) * s * 3].chunks_exact_mut(3) {
                px.copy_from_slice(&color);
            }
        };
        fill(t, values.color(t, t, counts.diagonal()[t]));
        for (p, c) in counts.row(t).filter(|&(p, _)| p != t) {
            fill(p, values.color(t, p, c));
        }
        // The background's row and column are on their grey scale, zeros included (the
        // template's colour is the main scale's).
        if let Some(b) = background {
            if t == b {
                for (p, c) in counts.dense_row(t).into_iter().enumerate() {
                    fill(p, values.color(t, p, c));
                }
            } else {
                let missed = counts.row(t).find(|&(p, _)| p == b).map_or(0, |(_, c)| c);
                fill(b, values.color(t, b, missed));
            }
        }
        for dy in 1..s {
            img.pixels
                .copy_within(start..start + template.len(), start + dy * stride);
        }
        if Some(t) == background {
            paint_background_row(img, values, ts, layout, annotate, t);
            continue;
        }
        // No support in the row (or column when normalising by column): hatched, never 0.
        if counts.row_sums()[t] == 0 {
            for p in 0..k {
                img.hatch_rect(layout.cell_rect(t, p));
            }
            mark_no_support(img, ts, layout, t);
            continue;
        }
        if annotate {
            for p in 0..k {
                let count = values.count(t, p);
                // A background cell is grey, off the scale: its count reads even where its
                // share is undefined.
                if values.value(t, p, count).is_nan() && Some(p) != background {
                    img.hatch_rect(layout.cell_rect(t, p));
                } else {
                    let color = values.color(t, p, count);
                    annotate_cell(img, ts, values, layout, (t, p), color);
                }
            }
        } else {
            for &p in &undefined_columns {
                img.hatch_rect(layout.cell_rect(t, p));
            }
        }
    }
    if let Some(b) = background {
        rule_before(img, layout, b, k);
    }
}

/// The background row `b` of a detection matrix: unmatched detections per predicted class, in
/// grey (no "no support" when there are none: that is a good result), and the
/// [background, background] cell, which counts nothing by definition, hatched and marked n/a.
fn paint_background_row(
    img: &mut RgbImage,
    values: &CellValues<'_>,
    ts: &mut Typesetter<'_>,
    layout: &Layout,
    annotate: bool,
    b: usize,
) {
    if annotate {
        for p in (0..b).chain(b + 1..values.counts().num_classes()) {
            let color = values.color(b, p, values.count(b, p));
            annotate_cell(img, ts, values, layout, (b, p), color);
        }
    }
    let rect = layout.cell_rect(b, b);
    img.hatch_rect(rect);
    if annotate {
        let mask = ts.render("n/a", CELL_PX);
        if mask.width + 6 <= rect.w && mask.height <= rect.h {
            let (x, y) = centred(rect, mask.width, mask.height);
            img.fill_rect(
                Rect::new(x - 3, y, mask.width + 6, mask.height),
                blend(WHITE, INK, 20),
            );
            img.draw_mask(&mask, x, y, INK, 255, false);
        }
    }
}

/// A dark rule across the grid before row and column `b` (the background), so the object
/// classes read as one block and the background as apart from it.
fn rule_before(img: &mut RgbImage, layout: &Layout, b: usize, k: usize) {
    let s = layout.cell;
    if b == 0 || s < 3 {
        return;
    }
    let width = if s >= 8 { 2 } else { 1 };
    let offset = layout.grid.x + b as u32 * s - width / 2;
    let top = layout.grid.y + b as u32 * s - width / 2;
    let side = k as u32 * s;
    img.fill_rect(Rect::new(offset, layout.grid.y, width, side), INK);
    img.fill_rect(Rect::new(layout.grid.x, top, side, width), INK);
}

/// The text of cell (`t`, `p`) on its `color`: both lines or one, as the tier says.
fn annotate_cell(
    img: &mut RgbImage,
    ts: &mut Typesetter<'_>,
    values: &CellValues<'_>,
    layout: &Layout,
    (t, p): (usize, usize),
    color: Rgb,
) {
    let rect = layout.cell_rect(t, p);
    let ink = text_color_on(color);
    if values.count(t, p) == 0 {
        // Zeros are faint so the eye goes to the non-zero cells.
        let mask = ts.render("·", CELL_PX);
        let (x, y) = centred(rect, mask.width, mask.height);
        img.draw_mask(&mask, x, y, ink, 110, false);
        return;
    }
    let (primary, secondary) = values.text(t, p);
    let lines: Vec<&String> = if layout.tier == Tier::TwoLines {
        vec![primary, secondary]
    } else {
        vec![primary]
    };
    let mut y = text_block_top(rect, lines.len());
    for (n, line) in lines.into_iter().enumerate() {
        let mask = ts.render(line, CELL_PX);
        let x = rect.x + rect.w.saturating_sub(mask.width) / 2;
        // The second line is the supporting number: slightly lighter.
        let opacity = if n == 0 { 255 } else { 200 };
        img.draw_mask(&mask, x, y, ink, opacity, false);
        y += CELL_LINE_PITCH;
    }
}

/// "no support" across row `t`, when it fits.
fn mark_no_support(img: &mut RgbImage, ts: &mut Typesetter<'_>, layout: &Layout, t: usize) {
    let row = Rect::new(
        layout.grid.x,
        layout.grid.y + t as u32 * layout.cell,
        layout.grid.w,
        layout.cell,
    );
    let text = "no support";
    let mask = ts.render(text, CELL_PX);
    if mask.width + 8 <= row.w && mask.height <= row.h {
        // A white plate under the text keeps it readable on the stripes.
        let (x, y) = centred(row, mask.width, mask.height);
        img.fill_rect(
            Rect::new(x - 3, y, mask.width + 6, mask.height),
            blend(WHITE, INK, 20),
        );
        img.draw_mask(&mask, x, y, INK, 255, false);
    }
}

/// The recall column, the precision row and the accuracy corner, in greens.
fn paint_margins(
    img: &mut RgbImage,
    margins: &MarginValues,
    ts: &mut Typesetter<'_>,
    layout: &Layout,
    annotate: bool,
) {
    let (Some(rc), Some(pr)) = (layout.recall_column, layout.precision_row) else {
        return;
    };
    let mut cell = |img: &mut RgbImage, rect: Rect, v: f64, lines: &[String]| {
        if v.is_nan() {
            img.hatch_rect(rect);
        } else {
            img.fill_rect(rect, GREENS.at(v));
        }
        if !annotate {
            return;
        }
        let ink = if v.is_nan() {
            INK
        } else {
            text_color_on(GREENS.at(v))
        };
        let fit = (rect.h / CELL_LINE_PITCH).max(1) as usize;
        let lines: Vec<&String> = lines.iter().take(fit).collect();
        let mut y = text_block_top(rect, lines.len());
        for line in lines {
            let mask = ts.render(line, CELL_PX);
            if mask.width <= rect.w {
                let x = rect.x + (rect.w - mask.width) / 2;
                img.draw_mask(&mask, x, y, ink, 255, false);
            }
            y += CELL_LINE_PITCH;
        }
    };
    let s = layout.cell;
    for (t, &v) in margins.recall.iter().enumerate() {
        let rect = Rect::new(rc.x, rc.y + t as u32 * s, rc.w, s);
        cell(img, rect, v, &[format_pct(v)]);
    }
    for (p, &v) in margins.precision.iter().enumerate() {
        let rect = Rect::new(pr.x + p as u32 * s, pr.y, s, pr.h);
        cell(img, rect, v, &[format_pct(v)]);
    }
    let acc = margins.accuracy;
    let corner = Rect::new(rc.x, pr.y, rc.w, pr.h);
    cell(img, corner, acc, &["acc".to_owned(), format_pct(acc)]);
}

/// Top of the first text mask so `lines` lines at [`CELL_LINE_PITCH`] sit centred in `r`.
/// Masks have about two pixels of empty space above the digits' ink, hence the shift up.
fn text_block_top(r: Rect, lines: usize) -> u32 {
    let block = CELL_LINE_PITCH * lines as u32;
    (r.y + r.h.saturating_sub(block) / 2).saturating_sub(1)
}

fn centred(r: Rect, w: u32, h: u32) -> (u32, u32) {
    (
        r.x + r.w.saturating_sub(w) / 2,
        r.y + r.h.saturating_sub(h) / 2,
    )
}

fn paint_colorbar(img: &mut RgbImage, bar: Rect, ramp: Ramp) {
    let span = f64::from(bar.h.saturating_sub(1).max(1));
    for dy in 0..bar.h {
        let frac = 1.0 - f64::from(dy) / span;
        img.fill_rect(Rect::new(bar.x, bar.y + dy, bar.w, 1), ramp.at(frac));
    }
}
