//! Cell values: what each cell of the image shows, as a number (the normalised count), a colour
//! and, for small matrices, two lines of text; plus the margins' recall, precision and
//! accuracy and the colour bars' ticks.
//!
//! Computed once per image from the non-zero cells, then read by the layout (which measures the
//! text) and by the painting (which draws it). Values come from the counts' own definitions
//! ([`SparseCounts::normalized`], [`Metrics`]), so the image cannot disagree with them.

use crate::confusion::Normalization;
use crate::confusion::format::{format_count, format_pct, group_thousands};
use crate::confusion::metrics::{Metrics, ZeroDivision};
use crate::confusion::sparse::SparseCounts;
use crate::draw::color::{BLUES, GREYS, ORANGES, Ramp, Rgb};

use super::{Annotate, ColorMode, RenderOptions};

/// Above this many classes, `Annotate::Auto` cannot fit text legibly, so cell strings are not
/// even formatted (at K = 1000 that would be a million strings).
const AUTO_ANNOTATE_MAX_CLASSES: usize = 40;

/// Cells of the class kept outside the scale (top-confused's "(other)"): a neutral grey
/// no ramp reaches, so they read as "not on the scale".
const OUTSIDE_SCALE: Rgb = [214, 214, 214];

/// Lowest point of the error scale for a non-zero count: any confusion is visibly tinted.
const ERROR_FLOOR: f64 = 0.15;

/// Whether cells of a `classes`-class matrix may get text under `annotate` (if it fits).
fn may_annotate(annotate: Annotate, classes: usize) -> bool {
    match annotate {
        Annotate::Never => false,
        Annotate::Always => true,
        Annotate::Auto => classes <= AUTO_ANNOTATE_MAX_CLASSES,
    }
}

/// Maps cell values to colours.
#[derive(Clone, Copy, Debug)]
pub(super) enum Scale {
    Sequential { max: f64 },
    Errors { diag_max: f64, off_max: f64 },
}

/// Pre-sampled ramps: a table lookup per cell instead of interpolation.
pub(super) struct Tables {
    pub(super) blues: Vec<Rgb>,
    pub(super) oranges: Vec<Rgb>,
}

impl Scale {
    pub(super) fn color(self, tables: &Tables, value: f64, diagonal: bool) -> Rgb {
        match self {
            Scale::Sequential { max } => Ramp::lookup(&tables.blues, value / max),
            Scale::Errors { diag_max, .. } if diagonal => {
                Ramp::lookup(&tables.blues, value / diag_max)
            }
            Scale::Errors { off_max, .. } => {
                Ramp::lookup(&tables.oranges, error_position(value, off_max))
            }
        }
    }
}

/// Where `value` sits on the error ramp: a square-root scale above a visible floor.
pub(super) fn error_position(value: f64, max: f64) -> f64 {
    if value <= 0.0 {
        0.0
    } else {
        ERROR_FLOOR + (1.0 - ERROR_FLOOR) * (value / max).sqrt()
    }
}

/// Per-class recall and precision and the overall accuracy, shown in the margins.
pub(super) struct MarginValues {
    /// Per true class (the recall column).
    pub(super) recall: Vec<f64>,
    /// Per predicted class (the precision row).
    pub(super) precision: Vec<f64>,
    /// The corner.
    pub(super) accuracy: f64,
}

/// Numbers, colours and text of every cell of one image.
pub(super) struct CellValues<'m> {
    counts: &'m SparseCounts,
    norm: Normalization,
    scale: Scale,
    /// A class whose row and column are drawn in grey, outside the scale.
    outside_scale: Option<usize>,
    /// A detection matrix's `background` class (the last one), when the options say so.
    background: Option<usize>,
    /// The value at the dark end of the background's grey scale.
    background_max: f64,
    tables: Tables,
    /// Dense counts, only when cells may be annotated (small K).
    dense: Vec<u64>,
    /// `(primary, secondary)` per cell, empty when cells cannot be annotated.
    strings: Vec<(String, String)>,
    margins: Option<MarginValues>,
}

impl<'m> CellValues<'m> {
    pub(super) fn new(counts: &'m SparseCounts, opts: &RenderOptions) -> CellValues<'m> {
        let k = counts.num_classes();
        let norm = opts.norm();
        let background = opts.background_last.then(|| k.checked_sub(1)).flatten();
        // The background's counts (missed objects, unmatched detections) are not confusions
        // between classes: on a grey scale of their own, so they do not set the main range.
        let off_main_scale = opts.outside_scale.or(background);
        let mut values = CellValues {
            counts,
            norm,
            scale: scale(counts, norm, opts.mode(), off_main_scale),
            outside_scale: opts.outside_scale,
            background,
            background_max: background.map_or(1.0, |b| background_max(counts, norm, b)),
            tables: Tables {
                blues: BLUES.table(),
                oranges: ORANGES.table(),
            },
            dense: Vec::new(),
            strings: Vec::new(),
            margins: opts.margins.then(|| margin_values(counts)),
        };
        if let (Some(b), Some(margins)) = (background, values.margins.as_mut()) {
            // Recall of "background" objects and precision of "background" detections are
            // not defined in detection: hatched like any undefined value.
            margins.recall[b] = f64::NAN;
            margins.precision[b] = f64::NAN;
        }
        if may_annotate(opts.annotate, k) {
            values.dense = (0..k).flat_map(|t| counts.dense_row(t)).collect();
            values.strings = values.cell_strings();
        }
        values
    }

    /// `(primary, secondary)` text of every cell, row-major.
    fn cell_strings(&self) -> Vec<(String, String)> {
        let k = self.counts.num_classes();
        self.dense
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let (t, p) = (i / k, i % k);
                if self.norm != Normalization::None {
                    (format_pct(self.value(t, p, c)), format_count(c))
                } else {
                    // The share of the true class (row): on the diagonal the recall,
                    // elsewhere how much of the class went there. A share of N would
                    // hide exactly that on imbalanced data.
                    let share = self.counts.normalized(t, p, c, Normalization::True);
                    (format_count(c), format_pct(share))
                }
            })
            .collect()
    }

    /// The counts the values are of.
    pub(super) fn counts(&self) -> &'m SparseCounts {
        self.counts
    }

    /// Whether cells carry text (if the layout finds room for it).
    pub(super) fn has_text(&self) -> bool {
        !self.strings.is_empty()
    }

    /// Every cell's `(primary, secondary)` text, row-major; empty without text.
    pub(super) fn strings(&self) -> &[(String, String)] {
        &self.strings
    }

    /// Count of cell (`t`, `p`); only while cells carry text.
    pub(super) fn count(&self, t: usize, p: usize) -> u64 {
        self.dense[t * self.counts.num_classes() + p]
    }

    /// The text of cell (`t`, `p`); only while cells carry text.
    pub(super) fn text(&self, t: usize, p: usize) -> &(String, String) {
        &self.strings[t * self.counts.num_classes() + p]
    }

    /// What the colour of cell (`t`, `p`) holding `count` shows (NaN when undefined).
    pub(super) fn value(&self, t: usize, p: usize, count: u64) -> f64 {
        self.counts.normalized(t, p, count, self.norm)
    }

    /// The colour of cell (`t`, `p`) holding `count`.
    pub(super) fn color(&self, t: usize, p: usize, count: u64) -> Rgb {
        if self.background.is_some_and(|b| b == t || b == p) {
            let value = self.value(t, p, count);
            // Like the errors they are, on a square-root scale above a visible floor when
            // the errors are drawn apart (a heatmap), so a 2% miss rate still shows.
            let position = match self.scale {
                Scale::Errors { .. } => error_position(value, self.background_max),
                Scale::Sequential { .. } => value / self.background_max,
            };
            return GREYS.at(position);
        }
        if self.outside_scale.is_some_and(|o| o == t || o == p) {
            return OUTSIDE_SCALE;
        }
        self.scale
            .color(&self.tables, self.value(t, p, count), t == p)
    }

    /// The `background` class of a detection matrix (the last one), if this is one.
    pub(super) fn background(&self) -> Option<usize> {
        self.background
    }

    /// The one colour every empty off-diagonal cell has (an undefined value looks up as zero
    /// and is hatched over).
    pub(super) fn empty_off_diagonal_color(&self) -> Rgb {
        self.scale.color(&self.tables, 0.0, false)
    }

    /// Columns whose values are undefined: normalising by a column with no predictions.
    pub(super) fn undefined_columns(&self) -> Vec<usize> {
        if self.norm != Normalization::Pred {
            return Vec::new();
        }
        let cols = self.counts.col_sums();
        (0..cols.len()).filter(|&p| cols[p] == 0).collect()
    }

    /// Recall, precision and accuracy, when the margins are drawn.
    pub(super) fn margins(&self) -> Option<&MarginValues> {
        self.margins.as_ref()
    }

    /// Tick labels per colour bar as (fraction from bottom, text).
    pub(super) fn colorbar_ticks(&self) -> Vec<Vec<(f64, String)>> {
        let linear = |max: f64| -> Vec<(f64, String)> {
            [0.0, 0.5, 1.0]
                .iter()
                .map(|&f| (f, self.tick_text(f * max)))
                .collect()
        };
        match self.scale {
            Scale::Sequential { max } => vec![linear(max)],
            Scale::Errors { diag_max, off_max } => {
                let errors = [0.0, 0.25, 1.0]
                    .iter()
                    .map(|&f| {
                        (
                            error_position(f * off_max, off_max),
                            self.tick_text(f * off_max),
                        )
                    })
                    .collect();
                vec![linear(diag_max), errors]
            }
        }
    }

    /// The ramp each colour bar shows (bottom = 0, top = 1), in the order of
    /// [`colorbar_ticks`](Self::colorbar_ticks).
    pub(super) fn colorbar_ramps(&self) -> Vec<Ramp> {
        match self.scale {
            Scale::Sequential { .. } => vec![BLUES],
            Scale::Errors { .. } => vec![BLUES, ORANGES],
        }
    }

    fn tick_text(&self, v: f64) -> String {
        if self.norm != Normalization::None {
            format!("{:.0}%", v * 100.0)
        } else {
            group_thousands(v.round() as u64)
        }
    }
}

/// The colour scale of `counts` under `norm` and `mode`, over every class but `outside`.
fn scale(
    counts: &SparseCounts,
    norm: Normalization,
    mode: ColorMode,
    outside: Option<usize>,
) -> Scale {
    // Normalised views use a fixed [0, 1] range so images compare across steps and runs.
    let max_of = |diagonal: Option<bool>| {
        if norm != Normalization::None {
            return 1.0;
        }
        let max = counts
            .cells()
            .filter(|&(t, p, _)| diagonal.is_none_or(|d| (t == p) == d))
            .filter(|&(t, p, _)| outside.is_none_or(|o| o != t && o != p))
            .map(|(_, _, c)| c as f64)
            .fold(0.0, f64::max);
        if max > 0.0 { max } else { 1.0 }
    };
    match mode {
        ColorMode::Sequential => Scale::Sequential { max: max_of(None) },
        ColorMode::Errors => Scale::Errors {
            diag_max: max_of(Some(true)),
            off_max: max_of(Some(false)),
        },
    }
}

/// The largest value of the background's row and column (`b`) under `norm`: normalised views
/// keep the fixed [0, 1] range of the main scale, counts their own maximum.
fn background_max(counts: &SparseCounts, norm: Normalization, b: usize) -> f64 {
    if norm != Normalization::None {
        return 1.0;
    }
    let max = counts
        .cells()
        .filter(|&(t, p, _)| (t == b) != (p == b))
        .map(|(_, _, c)| c as f64)
        .fold(0.0, f64::max);
    if max > 0.0 { max } else { 1.0 }
}

/// The margins' values, from the metrics' definitions (undefined is NaN, drawn hatched).
fn margin_values(counts: &SparseCounts) -> MarginValues {
    let metrics = Metrics::of_sparse(counts, ZeroDivision::Nan);
    MarginValues {
        recall: metrics.per_class.iter().map(|c| c.recall).collect(),
        precision: metrics.per_class.iter().map(|c| c.precision).collect(),
        accuracy: metrics.accuracy,
    }
}
