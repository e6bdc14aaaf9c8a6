//! Rendering a [`ConfusionMatrix`] to an RGB image and a PNG for TensorBoard's Images card.
//!
//! Rows are true classes and columns predicted classes, origin top-left, with both axis titles
//! always drawn. The image is sized from K and the text so it stays legible when TensorBoard
//! scales it to its ~330 px card: small matrices are annotated (value over value), larger ones
//! become a plain heatmap with tick labels while they fit and index ticks after that; for
//! hundreds of classes [`top_confused`] gives a readable sub-matrix that keeps all totals.
//!
//! Everything is drawn straight into the pixel buffer with the embedded DejaVu Sans face
//! (no system fonts), so output is byte-for-byte deterministic.

mod format;
mod layout;
mod top_confused;

use std::sync::Arc;

use ab_glyph::FontArc;
use thiserror::Error;

use crate::confusion::sparse::SparseCounts;
use crate::confusion::{ConfusionMatrix, Normalization};
use crate::draw::canvas::Rect;
use crate::draw::color::{BLUES, GREENS, INK, ORANGES, Ramp, Rgb, WHITE, blend, text_color_on};
use crate::draw::text::{Typesetter, primary_face};
use format::{format_count, format_pct, group_thousands, title_text};
use layout::{CELL_LINE_PITCH, CELL_PX, Layout, LayoutInput, Tier};

pub use crate::draw::{RgbImage, encode_png};
pub(crate) use top_confused::sparse_top_confused;
pub use top_confused::{OTHER_CLASS, top_confused};

/// How cells are coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorMode {
    /// One sequential blue scale for every cell.
    #[default]
    Sequential,
    /// Separate scales: blue for the diagonal, orange for errors. The error scale is a
    /// square-root scale with a visible floor for any non-zero count, so a 0.5% confusion
    /// stays visible next to a 95% diagonal.
    Errors,
}

/// Whether cells carry text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Annotate {
    /// Annotate while the text stays legible in TensorBoard's card; otherwise a plain heatmap.
    #[default]
    Auto,
    /// Annotate whenever the text fits the size cap, however large the image gets.
    Always,
    /// Never annotate cells.
    Never,
}

/// Options for [`render_rgb`] and [`render_png`].
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// What the colour and the percentage line show. With [`Normalization::None`] the colour
    /// shows counts and the percentage line each cell's share of its row (its true class), as
    /// [`default_title`] says ("counts · row %").
    pub normalization: Normalization,
    /// Colour scheme.
    pub color_mode: ColorMode,
    /// Draw a colour bar. Off by default: annotated cells already carry the numbers (a bar
    /// beside them is noise), and the bar costs width the ~330 px card cannot spare.
    pub colorbar: bool,
    /// Add a per-class recall column (right) and precision row (bottom), with overall
    /// accuracy in the corner.
    pub margins: bool,
    /// Cell annotation policy.
    pub annotate: Annotate,
    /// Neither side of the image exceeds this many pixels.
    pub max_side_px: u32,
    /// A face used for characters DejaVu Sans lacks (e.g. CJK). Without one, such characters
    /// draw as a visible box, never silently vanish.
    pub fallback_font: Option<Arc<FontArc>>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            normalization: Normalization::None,
            color_mode: ColorMode::Sequential,
            colorbar: false,
            margins: false,
            annotate: Annotate::Auto,
            max_side_px: 4096,
            fallback_font: None,
        }
    }
}

impl RenderOptions {
    /// Sets [`normalization`](Self::normalization).
    pub fn normalization(mut self, norm: Normalization) -> Self {
        self.normalization = norm;
        self
    }
    /// Sets [`color_mode`](Self::color_mode).
    pub fn color_mode(mut self, mode: ColorMode) -> Self {
        self.color_mode = mode;
        self
    }
    /// Sets [`colorbar`](Self::colorbar).
    pub fn colorbar(mut self, on: bool) -> Self {
        self.colorbar = on;
        self
    }
    /// Sets [`margins`](Self::margins).
    pub fn margins(mut self, on: bool) -> Self {
        self.margins = on;
        self
    }
    /// Sets [`annotate`](Self::annotate).
    pub fn annotate(mut self, annotate: Annotate) -> Self {
        self.annotate = annotate;
        self
    }
    /// Sets [`max_side_px`](Self::max_side_px).
    pub fn max_side_px(mut self, px: u32) -> Self {
        self.max_side_px = px;
        self
    }
    /// Parses a TrueType/OpenType face for [`fallback_font`](Self::fallback_font).
    pub fn fallback_font_bytes(mut self, bytes: Vec<u8>) -> Result<Self, RenderError> {
        let face = FontArc::try_from_vec(bytes)
            .map_err(|e| RenderError::Font(format!("fallback font: {e}")))?;
        self.fallback_font = Some(Arc::new(face));
        Ok(self)
    }
}

/// Errors from rendering or encoding.
#[derive(Debug, Error)]
pub enum RenderError {
    /// A font could not be parsed.
    #[error("cannot load font: {0}")]
    Font(String),
    /// The matrix cannot be drawn within the size cap even at one pixel per class.
    #[error(
        "{classes} classes do not fit in {max_side_px} px even at 1 px per class; \
         render `top_confused(cm, k)` instead or raise max_side_px"
    )]
    TooLarge {
        /// K.
        classes: usize,
        /// The cap in force.
        max_side_px: u32,
    },
    /// `max_side_px` is outside the accepted range.
    #[error("max_side_px = {0} is out of range; it must be in {MIN_SIDE_PX}..={MAX_SIDE_PX}")]
    CapOutOfRange(u32),
    /// An [`RgbImage`] whose buffer does not match its size.
    #[error("RGB image {width}×{height} needs {} bytes, has {len}", (*width as u64) * (*height as u64) * 3)]
    BadImage {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Buffer length.
        len: usize,
    },
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    /// The encoded bytes were not accepted as a PNG.
    #[error("PNG encoding produced an invalid image: {0}")]
    Encode(String),
}

/// The smallest accepted [`RenderOptions::max_side_px`]: room for a title, labels and a grid.
pub const MIN_SIDE_PX: u32 = 128;
/// The largest accepted [`RenderOptions::max_side_px`]: a 16384² RGB image is already 768 MiB.
pub const MAX_SIDE_PX: u32 = 16_384;

/// The standard title of `cm` drawn with `opts`, e.g.
/// `val/cm · step 12,000 · row-normalised (recall) · N=10,000`.
///
/// It carries everything needed to read the image without its surroundings: which matrix,
/// when, what the colours mean and how many predictions it counts. In counts mode, when the
/// cells carry text, it says "counts · row %": each cell's percentage line is its share of
/// the true class.
pub fn default_title(tag: &str, step: i64, cm: &ConfusionMatrix, opts: &RenderOptions) -> String {
    sparse_default_title(tag, step, &SparseCounts::of(cm), opts)
}

/// [`default_title`] from the non-zero cells.
pub(crate) fn sparse_default_title(
    tag: &str,
    step: i64,
    cm: &SparseCounts,
    opts: &RenderOptions,
) -> String {
    let plain = || title_text(tag, step, opts.normalization.describe(), cm.total());
    let Ok(face) = primary_face() else {
        return plain();
    };
    let ts = Typesetter::new(face, opts.fallback_font.as_deref());
    let cells = Cells::new(cm, opts);
    standard_layout(&ts, &cells, cm, tag, step, opts).map_or_else(|_| plain(), |(title, _)| title)
}

/// The standard title and the layout that goes with it. Whether the cells get text (and so
/// whether a counts-mode title says "row %") is the layout's call — legibility at card size,
/// the size cap — so the longer title is laid out first and kept when its cells carry text.
fn standard_layout(
    ts: &Typesetter<'_>,
    cells: &Cells<'_>,
    cm: &SparseCounts,
    tag: &str,
    step: i64,
    opts: &RenderOptions,
) -> Result<(String, Layout), RenderError> {
    let norm = opts.normalization;
    // Cell strings exist only where cells may be annotated.
    if norm == Normalization::None && !cells.strings.is_empty() {
        let with_shares = title_text(tag, step, "counts · row %", cm.total());
        let layout = layout::compute(ts, &cells.layout_input(ts, cm, &with_shares, opts))?;
        if layout.tier != Tier::Heatmap {
            return Ok((with_shares, layout));
        }
    }
    let plain = title_text(tag, step, norm.describe(), cm.total());
    let layout = layout::compute(ts, &cells.layout_input(ts, cm, &plain, opts))?;
    Ok((plain, layout))
}

/// Renders `cm` under its [`default_title`] and encodes it, laying it out once.
pub(crate) fn sparse_render_png_titled(
    cm: &SparseCounts,
    tag: &str,
    step: i64,
    opts: &RenderOptions,
) -> Result<crate::png::Png, RenderError> {
    check_cap(opts)?;
    let mut ts = Typesetter::new(primary_face()?, opts.fallback_font.as_deref());
    let cells = Cells::new(cm, opts);
    let (_, layout) = standard_layout(&ts, &cells, cm, tag, step, opts)?;
    encode_png(&draw(&cells, &mut ts, &layout))
}

fn check_cap(opts: &RenderOptions) -> Result<(), RenderError> {
    if (MIN_SIDE_PX..=MAX_SIDE_PX).contains(&opts.max_side_px) {
        Ok(())
    } else {
        Err(RenderError::CapOutOfRange(opts.max_side_px))
    }
}

/// Paints the cells, colour bars and every label of `layout`.
fn draw(cells: &Cells<'_>, ts: &mut Typesetter<'_>, layout: &Layout) -> RgbImage {
    let mut img = RgbImage::filled(layout.width, layout.height, WHITE);
    cells.paint(&mut img, ts, layout);
    for (bar, ramp) in cells.colorbars(layout) {
        paint_colorbar(&mut img, bar, ramp);
    }
    for label in &layout.labels {
        let mask = ts.render(&label.text, label.px);
        img.draw_mask(&mask, label.rect.x, label.rect.y, INK, 255, label.rotated);
    }
    img
}

/// Renders `cm` with `title` (see [`default_title`]) into an RGB image.
pub fn render_rgb(
    cm: &ConfusionMatrix,
    title: &str,
    opts: &RenderOptions,
) -> Result<RgbImage, RenderError> {
    check_cap(opts)?;
    sparse_render_rgb(&SparseCounts::of(cm), title, opts)
}

/// [`render_rgb`] from the non-zero cells: the heatmap is painted row by row from a template
/// of empty cells, so a large matrix costs its pixels and its non-zero cells, not K².
pub(crate) fn sparse_render_rgb(
    cm: &SparseCounts,
    title: &str,
    opts: &RenderOptions,
) -> Result<RgbImage, RenderError> {
    check_cap(opts)?;
    let mut ts = Typesetter::new(primary_face()?, opts.fallback_font.as_deref());
    let cells = Cells::new(cm, opts);
    let layout = layout::compute(&ts, &cells.layout_input(&ts, cm, title, opts))?;
    Ok(draw(&cells, &mut ts, &layout))
}

/// [`render_rgb`] then [`encode_png`].
pub fn render_png(
    cm: &ConfusionMatrix,
    title: &str,
    opts: &RenderOptions,
) -> Result<crate::png::Png, RenderError> {
    encode_png(&render_rgb(cm, title, opts)?)
}

/// Above this many classes, `Annotate::Auto` cannot fit text legibly, so cell strings are not
/// even formatted (at K = 1000 that would be a million strings).
const AUTO_ANNOTATE_MAX_CLASSES: usize = 40;
/// Whether cells of a `classes`-class matrix may get text under `annotate` (if it fits).
fn may_annotate(annotate: Annotate, classes: usize) -> bool {
    match annotate {
        Annotate::Never => false,
        Annotate::Always => true,
        Annotate::Auto => classes <= AUTO_ANNOTATE_MAX_CLASSES,
    }
}

/// Lowest point of the error scale for a non-zero count: any confusion is visibly tinted.
const ERROR_FLOOR: f64 = 0.15;

/// Maps cell values to colours.
#[derive(Clone, Copy, Debug)]
enum Scale {
    Sequential { max: f64 },
    Errors { diag_max: f64, off_max: f64 },
}

/// Pre-sampled ramps: a table lookup per cell instead of interpolation.
struct Tables {
    blues: Vec<Rgb>,
    oranges: Vec<Rgb>,
}

impl Scale {
    fn color(self, tables: &Tables, value: f64, diagonal: bool) -> Rgb {
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

fn error_position(value: f64, max: f64) -> f64 {
    if value <= 0.0 {
        0.0
    } else {
        ERROR_FLOOR + (1.0 - ERROR_FLOOR) * (value / max).sqrt()
    }
}

/// The colour scale and the cell strings, computed once and shared by layout and painting.
/// Cell values are computed when painted, from the counts and the sums.
struct Cells<'m> {
    k: usize,
    m: &'m SparseCounts,
    norm: Normalization,
    scale: Scale,
    normalized: bool,
    margins: bool,
    /// Dense counts, only when cells are annotated (small K).
    dense: Vec<u64>,
    /// `(primary, secondary)` per cell, empty when cells cannot be annotated.
    strings: Vec<(String, String)>,
}

impl<'m> Cells<'m> {
    fn new(m: &'m SparseCounts, opts: &RenderOptions) -> Cells<'m> {
        let k = m.num_classes();
        let norm = opts.normalization;
        let normalized = norm != Normalization::None;
        // Normalised views use a fixed [0, 1] range so images compare across steps and runs.
        let max_of = |diag: Option<bool>| {
            if normalized {
                return 1.0;
            }
            let m = m
                .cells()
                .filter(|&(t, p, _)| diag.is_none_or(|d| (t == p) == d))
                .map(|(_, _, c)| c as f64)
                .fold(0.0, f64::max);
            if m > 0.0 { m } else { 1.0 }
        };
        let scale = match opts.color_mode {
            ColorMode::Sequential => Scale::Sequential { max: max_of(None) },
            ColorMode::Errors => Scale::Errors {
                diag_max: max_of(Some(true)),
                off_max: max_of(Some(false)),
            },
        };
        let may_annotate = may_annotate(opts.annotate, k);
        let mut cells = Cells {
            k,
            m,
            norm,
            scale,
            normalized,
            margins: opts.margins,
            dense: Vec::new(),
            strings: Vec::new(),
        };
        if may_annotate {
            cells.dense = (0..k).flat_map(|t| m.dense_row(t)).collect();
            cells.strings = cells
                .dense
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    let (t, p) = (i / k, i % k);
                    if normalized {
                        (format_pct(cells.value(t, p, c)), format_count(c))
                    } else {
                        // The share of the true class (row): on the diagonal the
                        // recall, elsewhere how much of the class went there. A share
                        // of N would hide exactly that on imbalanced data.
                        (
                            format_count(c),
                            format_pct(c as f64 / m.row_sums()[t] as f64),
                        )
                    }
                })
                .collect();
        }
        cells
    }

    /// What the colour of cell (`t`, `p`) holding `count` shows: the count, or its share of
    /// the row, column or matrix (NaN when that is empty: never a silent zero).
    fn value(&self, t: usize, p: usize, count: u64) -> f64 {
        let c = count as f64;
        match self.norm {
            Normalization::None => c,
            Normalization::True => c / self.m.row_sums()[t] as f64,
            Normalization::Pred => c / self.m.col_sums()[p] as f64,
            Normalization::All => c / self.m.total() as f64,
        }
    }

    fn recall(&self, t: usize) -> f64 {
        self.m.diagonal()[t] as f64 / self.m.row_sums()[t] as f64
    }

    fn precision(&self, p: usize) -> f64 {
        self.m.diagonal()[p] as f64 / self.m.col_sums()[p] as f64
    }

    fn accuracy(&self) -> f64 {
        let diag = self
            .m
            .diagonal()
            .iter()
            .fold(0u64, |sum, &c| sum.saturating_add(c));
        diag as f64 / self.m.total() as f64
    }

    fn layout_input<'a>(
        &self,
        ts: &Typesetter<'_>,
        cm: &'a SparseCounts,
        title: &'a str,
        opts: &RenderOptions,
    ) -> LayoutInput<'a> {
        // Digits are tabular in DejaVu Sans, so the longest string is (near enough) the widest;
        // measure only the few distinct lengths rather than every cell.
        let widest = |pick: fn(&(String, String)) -> &String| {
            let mut best: Vec<&String> = Vec::new();
            for s in &self.strings {
                let s = pick(s);
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
        };
        let margin_text_width = ["100%", ">99%", "acc", "—"]
            .iter()
            .map(|s| ts.width(s, CELL_PX))
            .max()
            .unwrap_or(0);
        LayoutInput {
            title,
            row_names: cm.class_names(),
            col_names: cm.class_names(),
            primary_width: widest(|s| &s.0),
            secondary_width: widest(|s| &s.1),
            margin_text_width,
            margins: opts.margins,
            colorbars: if opts.colorbar {
                self.colorbar_ticks()
            } else {
                Vec::new()
            },
            annotate: if self.strings.is_empty() {
                Annotate::Never
            } else {
                opts.annotate
            },
            max_side_px: opts.max_side_px,
        }
    }

    fn tick_text(&self, v: f64) -> String {
        if self.normalized {
            format!("{:.0}%", v * 100.0)
        } else {
            group_thousands(v.round() as u64)
        }
    }

    /// Tick labels per colour bar as (fraction from bottom, text).
    fn colorbar_ticks(&self) -> Vec<Vec<(f64, String)>> {
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

    /// Colour bars and the ramp each shows (bottom = 0, top = 1).
    fn colorbars(&self, layout: &Layout) -> Vec<(Rect, Ramp)> {
        let ramps = match self.scale {
            Scale::Sequential { .. } => vec![BLUES],
            Scale::Errors { .. } => vec![BLUES, ORANGES],
        };
        layout.colorbars.iter().map(|c| c.bar).zip(ramps).collect()
    }

    fn paint(&self, img: &mut RgbImage, ts: &mut Typesetter<'_>, layout: &Layout) {
        let k = self.k;
        let annotate = layout.tier != Tier::Heatmap && !self.strings.is_empty();
        let tables = Tables {
            blues: BLUES.table(),
            oranges: ORANGES.table(),
        };
        let s = layout.cell as usize;
        let color_of = |t: usize, p: usize, count: u64| {
            self.scale.color(&tables, self.value(t, p, count), t == p)
        };
        // An empty off-diagonal cell has one colour (a NaN value, in a row or column with no
        // support, looks up as zero and is hatched over), so every row starts as a copy of
        // this template and only its diagonal and non-zero cells are painted. At K = 1000
        // that is most of the rendering.
        let zero_off_diagonal = self.scale.color(&tables, 0.0, false);
        let template: Vec<u8> = std::iter::repeat_n(zero_off_diagonal, k * s)
            .flatten()
            .collect();
        // Columns with no predictions divide by zero when normalising by column.
        let empty_columns: Vec<usize> = if self.norm == Normalization::Pred {
            (0..k).filter(|&p| self.m.col_sums()[p] == 0).collect()
        } else {
            Vec::new()
        };
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
            fill(t, color_of(t, t, self.m.diagonal()[t]));
            for (p, c) in self.m.row(t).filter(|&(p, _)| p != t) {
                fill(p, color_of(t, p, c));
            }
            for dy in 1..s {
                img.pixels
                    .copy_within(start..start + template.len(), start + dy * stride);
            }
            // No support in the row (or column when normalising by column): hatched, never 0.
            if self.m.row_sums()[t] == 0 {
                for p in 0..k {
                    img.hatch_rect(layout.cell_rect(t, p));
                }
                self.mark_no_support(img, ts, layout, t);
                continue;
            }
            if annotate {
                for p in 0..k {
                    if self.value(t, p, self.dense[t * k + p]).is_nan() {
                        img.hatch_rect(layout.cell_rect(t, p));
                    } else {
                        let color = color_of(t, p, self.dense[t * k + p]);
                        self.annotate_cell(
                            img,
                            ts,
                            layout.tier,
                            layout.cell_rect(t, p),
                            t * k + p,
                            color,
                        );
                    }
                }
            } else {
                for &p in &empty_columns {
                    img.hatch_rect(layout.cell_rect(t, p));
                }
            }
        }
        if self.margins {
            self.paint_margins(img, ts, layout, annotate);
        }
    }

    fn annotate_cell(
        &self,
        img: &mut RgbImage,
        ts: &mut Typesetter<'_>,
        tier: Tier,
        rect: Rect,
        i: usize,
        color: Rgb,
    ) {
        let ink = text_color_on(color);
        if self.dense[i] == 0 {
            // Zeros are faint so the eye goes to the non-zero cells.
            let mask = ts.render("·", CELL_PX);
            let (x, y) = centred(rect, mask.width, mask.height);
            img.draw_mask(&mask, x, y, ink, 110, false);
            return;
        }
        let (primary, secondary) = &self.strings[i];
        let lines: Vec<&String> = if tier == Tier::TwoLines {
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

    fn mark_no_support(
        &self,
        img: &mut RgbImage,
        ts: &mut Typesetter<'_>,
        layout: &Layout,
        t: usize,
    ) {
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

    fn paint_margins(
        &self,
        img: &mut RgbImage,
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
        for t in 0..self.k {
            let v = self.recall(t);
            cell(
                img,
                Rect::new(rc.x, rc.y + t as u32 * s, rc.w, s),
                v,
                &[format_pct(v)],
            );
        }
        for p in 0..self.k {
            let v = self.precision(p);
            cell(
                img,
                Rect::new(pr.x + p as u32 * s, pr.y, s, pr.h),
                v,
                &[format_pct(v)],
            );
        }
        let acc = self.accuracy();
        let corner = Rect::new(rc.x, pr.y, rc.w, pr.h);
        cell(img, corner, acc, &["acc".to_owned(), format_pct(acc)]);
    }
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

#[cfg(test)]
mod tests;
