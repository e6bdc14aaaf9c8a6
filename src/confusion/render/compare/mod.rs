//! The comparison pictures of [`Comparison`](crate::confusion::compare::Comparison): the grid
//! of small matrices ([`grid`]) and the matrix of bars ([`bars`]), and what they share: which
//! classes are shown, each run's row shares, the title block and the text helpers.

mod bars;
mod grid;

pub(crate) use bars::bars;
pub(crate) use grid::grid;

use crate::ConfusionMatrix;
use crate::confusion::compare::{Comparison, Panel};
use crate::confusion::sparse::SparseCounts;
use crate::draw::canvas::{Rect, RgbImage};
use crate::draw::color::{INK, Rgb, WHITE, blend};
use crate::draw::text::Typesetter;

use super::OTHER_CLASS;
use super::layout::{LABEL_PX, TITLE_PX, wrap_title};
use super::top_confused::{most_confused_classes, other_class_name};

pub(super) const PAD: u32 = 8;
pub(super) const GAP: u32 = 6;
/// Class names beside small cells (the heatmap tick size of the main renderer).
pub(super) const NAME_PX: u32 = 11;
/// Longest class name before it is middle-ellipsized.
pub(super) const NAME_MAX_WIDTH: u32 = 120;

/// The bottom of the error scale's top, so a near-perfect comparison is not drawn saturated.
const ERROR_SCALE_FLOOR: f64 = 0.01;

/// What every picture of one comparison shares: the shown classes and the top of the error
/// scale, both from every compared matrix, so the pictures of successive steps line up.
/// Computed once per comparison ([`Comparison::scale`]), not per picture.
#[derive(Debug)]
pub(crate) struct Scale {
    pub(super) shown: Shown,
    pub(super) error_max: f64,
}

impl Scale {
    pub(crate) fn of(comparison: &Comparison, max_classes: usize) -> Scale {
        let shown = Shown::select(comparison, max_classes);
        let error_max = shown.error_max(
            &comparison.all_panels(),
            comparison.classes.len(),
            ERROR_SCALE_FLOOR,
        );
        Scale { shown, error_max }
    }
}

/// The classes a picture shows: every class up to `max_classes`, else the most confused
/// ones (pooled over the drawn matrices) and an "(other)" column for predictions of the rest.
#[derive(Debug)]
pub(super) struct Shown {
    /// Class indices of the rows (and of the columns before "(other)").
    pub(super) classes: Vec<usize>,
    /// Whether the last column is "(other)".
    pub(super) other_column: bool,
    /// Column names: the shown classes' then, with `other_column`, "(other)".
    pub(super) column_names: Vec<String>,
    /// The number of classes compared.
    pub(super) of: usize,
}

impl Shown {
    /// The shown classes of `comparison` under `max_classes`, chosen on every compared
    /// matrix pooled, so a picture of one step shows the classes of the pictures of the others.
    pub(super) fn select(comparison: &Comparison, max_classes: usize) -> Shown {
        let panels = comparison.all_panels();
        let k = comparison.classes.len();
        let classes = if k <= max_classes {
            (0..k).collect()
        } else {
            // The ranking of T/top_confused, on all drawn matrices pooled: every panel shows
            // the same classes, so they read side by side.
            let mut pooled = vec![0u64; k * k];
            for panel in &panels {
                for (sum, &c) in pooled.iter_mut().zip(&panel.counts) {
                    *sum = sum.saturating_add(c);
                }
            }
            match ConfusionMatrix::from_counts(k, pooled) {
                Ok(cm) => most_confused_classes(&SparseCounts::of(&cm), max_classes),
                // K ≥ 1 and K² counts: cannot fail; show the first classes rather than panic.
                Err(_) => (0..max_classes).collect(),
            }
        };
        let other_column = classes.len() < k;
        let mut column_names: Vec<String> = classes
            .iter()
            .map(|&c| comparison.classes[c].clone())
            .collect();
        if other_column {
            column_names.push(other_class_name(&column_names));
        }
        Shown {
            classes,
            other_column,
            column_names,
            of: k,
        }
    }

    pub(super) fn rows(&self) -> usize {
        self.classes.len()
    }

    pub(super) fn columns(&self) -> usize {
        self.column_names.len()
    }

    /// The share of row `row` (a position in `classes`) of `panel` falling in column `column`
    /// (a position in `column_names`); `None` where the run has no such class or no samples of
    /// it.
    pub(super) fn share(&self, panel: &Panel, k: usize, row: usize, column: usize) -> Option<f64> {
        let t = self.classes[row];
        let sum = panel.row_sum(t, k);
        if !panel.has_class[t] || sum == 0 {
            return None;
        }
        let count = match self.classes.get(column) {
            Some(&p) => panel.counts[t * k + p],
            // "(other)": the row's predictions of classes not shown.
            None => {
                sum - self
                    .classes
                    .iter()
                    .map(|&p| panel.counts[t * k + p])
                    .sum::<u64>()
            }
        };
        Some(count as f64 / sum as f64)
    }

    /// Whether column `column` is row `row`'s own class (the diagonal).
    pub(super) fn diagonal(&self, row: usize, column: usize) -> bool {
        row == column
    }

    /// Whether column `column` is "(other)": predictions of classes not shown, often larger
    /// than any single confusion, so drawn on a scale of its own.
    pub(super) fn is_other(&self, column: usize) -> bool {
        self.other_column && column == self.classes.len()
    }

    /// Whether some run of `panels` lacks a shown class (its row is hatched).
    pub(super) fn any_missing(&self, panels: &[&Panel]) -> bool {
        panels
            .iter()
            .any(|p| self.classes.iter().any(|&c| !p.has_class[c]))
    }

    /// The largest share off the diagonal and outside "(other)" over `panels`, at least
    /// `floor`: the top of the error scale, shared by every drawn matrix.
    pub(super) fn error_max(&self, panels: &[&Panel], k: usize, floor: f64) -> f64 {
        let mut max = floor;
        for panel in panels {
            for row in 0..self.rows() {
                for column in (0..self.columns()).filter(|&c| c != row && !self.is_other(c)) {
                    if let Some(v) = self.share(panel, k, row, column) {
                        max = max.max(v);
                    }
                }
            }
        }
        max
    }

    /// The subtitle pieces saying which classes are shown, when not all are.
    pub(super) fn note(&self) -> Option<String> {
        self.other_column.then(|| {
            format!(
                "{} classes: the {} most confused shown · ranked on all compared matrices pooled · \
                 \"{}\" column: predictions of the other {} · grey, on its own scale",
                self.of,
                self.rows(),
                self.column_names.last().map_or(OTHER_CLASS, String::as_str),
                self.of - self.rows()
            )
        })
    }
}

/// The title and subtitle lines, wrapped to `width`, and their total height.
pub(super) struct TitleBlock {
    lines: Vec<(String, u32)>,
    pub(super) height: u32,
}

impl TitleBlock {
    pub(super) fn new(
        ts: &Typesetter<'_>,
        title: &str,
        subtitle: &[String],
        width: u32,
    ) -> TitleBlock {
        let mut lines: Vec<(String, u32)> = wrap_title(ts, title, width)
            .into_iter()
            .map(|l| (l, TITLE_PX))
            .collect();
        for piece in subtitle {
            lines.extend(
                wrap_title(ts, piece, width)
                    .into_iter()
                    .map(|l| (l, LABEL_PX)),
            );
        }
        let height = lines
            .iter()
            .map(|(_, px)| ts.line_height(*px) + 2)
            .sum::<u32>();
        TitleBlock { lines, height }
    }

    /// Draws the lines from (`PAD`, `PAD`) down.
    pub(super) fn draw(&self, img: &mut RgbImage, ts: &mut Typesetter<'_>) {
        let mut y = PAD;
        for (line, px) in &self.lines {
            let mask = ts.render(line, *px);
            img.draw_mask(&mask, PAD, y, INK, 255, false);
            y += ts.line_height(*px) + 2;
        }
    }
}

/// Draws `text` at `px` with its top-left at (`x`, `y`), reading bottom to top if `rotated`;
/// returns its width.
pub(super) fn text(
    img: &mut RgbImage,
    ts: &mut Typesetter<'_>,
    text: &str,
    px: u32,
    (x, y): (u32, u32),
    rotated: bool,
) -> u32 {
    let mask = ts.render(text, px);
    img.draw_mask(&mask, x, y, INK, 255, rotated);
    mask.width
}

/// `text` on a light plate centred in `r`, if it fits: a note on a hatched area.
pub(super) fn plate(img: &mut RgbImage, ts: &mut Typesetter<'_>, text: &str, px: u32, r: Rect) {
    let mask = ts.render(text, px);
    if mask.width + 6 > r.w || mask.height > r.h {
        return;
    }
    let x = r.x + (r.w - mask.width) / 2;
    let y = r.y + (r.h - mask.height) / 2;
    img.fill_rect(
        Rect::new(x - 3, y, mask.width + 6, mask.height),
        blend(WHITE, INK, 20),
    );
    img.draw_mask(&mask, x, y, INK, 255, false);
}

/// A one-pixel frame just outside `r`.
pub(super) fn frame(img: &mut RgbImage, r: Rect, color: Rgb) {
    let (x, y) = (r.x.saturating_sub(1), r.y.saturating_sub(1));
    let (w, h) = (r.w + 2, r.h + 2);
    img.fill_rect(Rect::new(x, y, w, 1), color);
    img.fill_rect(Rect::new(x, y + h - 1, w, 1), color);
    img.fill_rect(Rect::new(x, y, 1, h), color);
    img.fill_rect(Rect::new(x + w - 1, y, 1, h), color);
}

/// Class names for labels: ellipsized to [`NAME_MAX_WIDTH`] at `px`.
pub(super) fn short_names(ts: &Typesetter<'_>, names: &[String], px: u32) -> Vec<String> {
    names
        .iter()
        .map(|n| ts.ellipsize_middle(n, px, NAME_MAX_WIDTH))
        .collect()
}

/// The widest of `names` at `px`.
pub(super) fn widest(ts: &Typesetter<'_>, names: &[String], px: u32) -> u32 {
    names.iter().map(|n| ts.width(n, px)).max().unwrap_or(0)
}

#[cfg(test)]
mod tests;
