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

mod auto;
mod blocks;
pub(crate) mod compare;
mod delta;
mod layout;
mod order;
pub(crate) use order::OrderMemo;
mod paint;
mod top_confused;
mod values;

use std::borrow::Cow;
use std::sync::Arc;

use ab_glyph::FontArc;
use thiserror::Error;

use crate::confusion::format::group_thousands;
use crate::confusion::sparse::SparseCounts;
use crate::confusion::{ConfusionMatrix, Normalization};
use crate::draw::text::{Typesetter, primary_face};
use layout::{Layout, LayoutInput, Tier};
use paint::paint;
use values::CellValues;

pub use crate::draw::{DrawError, RgbImage, encode_png};
pub(crate) use delta::render_delta_png;
pub(crate) use top_confused::sparse_top_confused;
pub use top_confused::{OTHER_CLASS, top_confused};

/// How cells are coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ColorMode {
    /// One sequential blue scale for every cell.
    #[default]
    Sequential,
    /// Separate scales: blue for the diagonal, orange for errors. The error scale is a
    /// square-root scale with a visible floor for any non-zero count, so a 0.5% confusion
    /// stays visible next to a 95% diagonal.
    Errors,
}

/// The order of the classes along both axes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ClassOrder {
    /// [`Clustered`](Self::Clustered) when the cells are too small to carry text (a heatmap),
    /// else [`Given`](Self::Given).
    #[default]
    Auto,
    /// The matrix's own class order.
    Given,
    /// Classes confused with each other sit together: average-linkage clustering of the
    /// symmetrised row-normalised matrix, leaves in dendrogram order. Tick labels follow the
    /// order. Logged images keep the order of the first step logged under their tag for
    /// the life of the writer (its clones included), so the step slider compares like with
    /// like; a bare `render_png` keeps it while the same options are reused.
    Clustered,
}

/// Whether cells carry text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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
///
/// By default the look follows from what the matrix needs: while the cells are big enough to
/// carry their numbers, counts on one blue scale with the numbers in the cells; beyond that
/// (a heatmap), each cell's share of its row (recall on the diagonal) with the errors on
/// their own orange square-root scale and the classes clustered so confusions sit together,
/// whatever the class frequencies. Every setter below overrides its part of that choice.
///
/// ```
/// use tbconfusion::{ColorMode, Normalization, RenderOptions};
/// let options = RenderOptions::default()
///     .normalization(Normalization::True)
///     .color_mode(ColorMode::Errors)
///     .margins(true);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RenderOptions {
    /// `None`: chosen from the matrix (see the type's documentation).
    pub(crate) normalization: Option<Normalization>,
    /// `None`: chosen from the matrix.
    pub(crate) color_mode: Option<ColorMode>,
    pub(crate) class_order: ClassOrder,
    pub(crate) colorbar: bool,
    pub(crate) margins: bool,
    pub(crate) annotate: Annotate,
    pub(crate) max_side_px: u32,
    /// Tried in order for characters DejaVu Sans lacks.
    pub(crate) fallback_fonts: Vec<Arc<FontArc>>,
    /// A class drawn outside the colour scale, in grey: the "(other)" bucket of
    /// [`top_confused`], which would otherwise take the whole scale. Set by the logging path.
    pub(crate) outside_scale: Option<usize>,
    /// The last class is a detection matrix's `background`: it stays last in any order, its
    /// row and column are drawn on a grey scale of their own, set off by a rule, with
    /// [background, background] not applicable. Set by the logging path of a detection matrix (`MatrixKind::Detection`).
    pub(crate) background_last: bool,
    /// Clustered orders per tag, shared by clones (see [`ClassOrder::Clustered`]); a
    /// writer puts its own in, so a tag's order outlives the options of one call.
    pub(crate) orders: order::OrderMemo,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            normalization: None,
            color_mode: None,
            class_order: ClassOrder::Auto,
            colorbar: false,
            margins: false,
            annotate: Annotate::Auto,
            max_side_px: 4096,
            fallback_fonts: Vec::new(),
            outside_scale: None,
            background_last: false,
            orders: order::OrderMemo::default(),
        }
    }
}

impl RenderOptions {
    /// What the colour and the percentage line show. Default: chosen from the
    /// matrix, [`Normalization::None`] while cells carry text (the colour shows
    /// counts and the percentage line each cell's share of its row, its true
    /// class, as [`default_title`] says: "counts · row %"), else
    /// [`Normalization::True`] (row share, whatever the class frequencies).
    pub fn normalization(mut self, norm: Normalization) -> Self {
        self.normalization = Some(norm);
        self
    }

    /// The colour scheme. Default: chosen from the matrix,
    /// [`ColorMode::Sequential`] while cells carry text, else
    /// [`ColorMode::Errors`].
    pub fn color_mode(mut self, mode: ColorMode) -> Self {
        self.color_mode = Some(mode);
        self
    }

    /// The order of the classes (default [`ClassOrder::Auto`]).
    pub fn class_order(mut self, order: ClassOrder) -> Self {
        self.class_order = order;
        self
    }

    /// Draws a colour bar. Off by default: annotated cells already carry
    /// the numbers (a bar beside them is noise), and the bar costs width the
    /// ~330 px card cannot spare.
    pub fn colorbar(mut self, on: bool) -> Self {
        self.colorbar = on;
        self
    }

    /// Adds a per-class recall column (right) and precision row (bottom),
    /// with overall accuracy in the corner (default off).
    pub fn margins(mut self, on: bool) -> Self {
        self.margins = on;
        self
    }

    /// The normalisation in force (automatic choices resolved first: see `auto`).
    pub(crate) fn norm(&self) -> Normalization {
        self.normalization.unwrap_or(Normalization::None)
    }

    /// The colour mode in force (automatic choices resolved first: see `auto`).
    pub(crate) fn mode(&self) -> ColorMode {
        self.color_mode.unwrap_or(ColorMode::Sequential)
    }

    /// The cell annotation policy (default [`Annotate::Auto`]).
    pub fn annotate(mut self, annotate: Annotate) -> Self {
        self.annotate = annotate;
        self
    }

    /// Neither side of the image exceeds this many pixels (default 4096;
    /// [`render_png`] checks the range).
    pub fn max_side_px(mut self, px: u32) -> Self {
        self.max_side_px = px;
        self
    }

    /// Adds a face for characters DejaVu Sans lacks (CJK, Hangul, Thai…),
    /// from the bytes of a TrueType/OpenType file or collection (its first
    /// face, e.g. Noto Sans CJK's `.ttc`). Call it again to add more faces;
    /// they are tried in the order added. Without one, such characters draw
    /// as a visible box, never silently vanish.
    ///
    /// ```no_run
    /// # use tbconfusion::RenderOptions;
    /// // After `apt-get install fonts-noto-cjk`:
    /// let cjk = std::fs::read("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")?;
    /// let options = RenderOptions::default().fallback_font_bytes(cjk)?;
    /// # let _ = options;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DrawError::Font`] (inside [`RenderError::Draw`]) when the bytes
    /// are not a face.
    pub fn fallback_font_bytes(mut self, bytes: Vec<u8>) -> Result<Self, RenderError> {
        let face = FontArc::try_from_vec(bytes).map_err(|source| DrawError::Font {
            which: "the fallback font",
            source,
        })?;
        self.fallback_fonts.push(Arc::new(face));
        Ok(self)
    }

    /// Adds the fallback faces this machine has for scripts DejaVu Sans lacks: Noto Sans CJK
    /// (Chinese, Japanese, Korean) and Noto Sans Thai where Linux distributions install them,
    /// Arial Unicode on macOS. Images then depend on the machine's fonts; on Debian or Ubuntu
    /// `apt-get install fonts-noto-cjk fonts-noto-core` provides them. Nothing found adds
    /// nothing: such characters draw as visible boxes. The files are read once per process,
    /// so calling this per logged step costs no disk reads after the first.
    pub fn fallback_fonts_from_system(mut self) -> Self {
        self.fallback_fonts.extend(
            crate::draw::system_fonts::system_fallback_faces()
                .into_iter()
                .map(Arc::new),
        );
        self
    }
}

/// How `T/top_confused` is drawn: `sub` folded from `classes` classes. The "(other)" bucket
/// (when there is one) is kept out of the colour scale and drawn grey, since it is usually
/// hundreds of times larger than any confusion; under [`Annotate::Auto`] the cells carry
/// their numbers (read at actual size; the colours read at card size). Unless the caller
/// chose otherwise the colours are the many-class ones, row shares with the errors apart:
/// the kept classes come from a matrix too large to read whole, usually with very unequal
/// class frequencies. The order stays the ranking's, "(other)" last.
pub(crate) fn top_confused_options(
    opts: &RenderOptions,
    sub: &SparseCounts,
    classes: usize,
) -> RenderOptions {
    let mut sub_opts = opts.clone();
    // The ranking moves a detection matrix's background off the last place.
    sub_opts.background_last = false;
    sub_opts.outside_scale = None;
    if sub.num_classes() < classes {
        sub_opts.outside_scale = Some(sub.num_classes() - 1);
    }
    if sub_opts.annotate == Annotate::Auto {
        sub_opts.annotate = Annotate::Always;
    }
    sub_opts.normalization.get_or_insert(Normalization::True);
    sub_opts.color_mode.get_or_insert(ColorMode::Errors);
    sub_opts.class_order = ClassOrder::Given;
    sub_opts
}

/// Errors from rendering or encoding.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RenderError {
    /// Drawing or encoding failed (a font, the image buffer, the PNG encoder).
    #[error(transparent)]
    Draw(#[from] DrawError),
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
}

/// The smallest accepted [`RenderOptions::max_side_px`]: room for a title, labels and a grid.
pub const MIN_SIDE_PX: u32 = 128;
/// The largest accepted [`RenderOptions::max_side_px`]: a 16384² RGB image is already 768 MiB.
pub const MAX_SIDE_PX: u32 = 16_384;

/// The standard title of `cm` drawn with `opts`, e.g.
/// `val/cm · step 12,000 · row-normalised (recall) · diagonal blue, errors orange (√) · N=10,000`.
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
    let plain = |look: &RenderOptions| title_text(tag, step, &colour_meaning(look, 1), cm.total());
    let Ok(face) = primary_face() else {
        return plain(opts);
    };
    let ts = Typesetter::new(face, &opts.fallback_fonts);
    let Ok(look) = auto::resolve(&ts, cm, tag, step, opts) else {
        return plain(opts);
    };
    let drawn = Drawn::new(cm, &look, Some(tag));
    let values = CellValues::new(&drawn.counts, &look);
    standard_layout(&ts, &values, &drawn, tag, step, &look)
        .map_or_else(|_| plain(&look), |(title, _)| title)
}

/// The counts as drawn: in `look`'s class order, blocks of classes summed when there are
/// more than the image can show, with the class id at each drawn position and the block size.
struct Drawn<'c> {
    counts: Cow<'c, SparseCounts>,
    ids: Vec<usize>,
    classes_per_cell: usize,
}

impl<'c> Drawn<'c> {
    fn new(cm: &'c SparseCounts, look: &RenderOptions, tag: Option<&str>) -> Drawn<'c> {
        let (ordered, ids) = order::apply(cm, look, tag);
        let (counts, ids, classes_per_cell) = blocks::aggregate(ordered, ids);
        Drawn {
            counts,
            ids,
            classes_per_cell,
        }
    }

    /// Index tick labels, when they are not simply the positions.
    fn tick_ids(&self) -> Option<&[usize]> {
        let identity = self.ids.iter().enumerate().all(|(i, &c)| i == c);
        (!identity).then_some(self.ids.as_slice())
    }
}

/// What the colours of an image drawn with `look` mean, for its title.
fn colour_meaning(look: &RenderOptions, classes_per_cell: usize) -> String {
    let mut what = look.norm().describe().to_owned();
    if look.mode() == ColorMode::Errors {
        what.push_str(" · diagonal blue, errors orange (√)");
    }
    if look.class_order == ClassOrder::Clustered {
        what.push_str(" · clustered order");
    }
    if classes_per_cell > 1 {
        what.push_str(&format!(" · {classes_per_cell} classes per cell"));
    }
    what
}

/// The standard title and the layout that goes with it. Whether the cells get text (and so
/// whether a counts-mode title says "row %") is the layout's call — legibility at card size,
/// the size cap — so the longer title is laid out first and kept when its cells carry text.
fn standard_layout(
    ts: &Typesetter<'_>,
    values: &CellValues<'_>,
    drawn: &Drawn<'_>,
    tag: &str,
    step: i64,
    look: &RenderOptions,
) -> Result<(String, Layout), RenderError> {
    let cm = &*drawn.counts;
    let what = colour_meaning(look, drawn.classes_per_cell);
    let lay_out = |title: &str| {
        let mut input = LayoutInput::measure(ts, values, cm, title, look);
        input.tick_ids = drawn.tick_ids();
        layout::compute(ts, &input)
    };
    // Cell strings exist only where cells may be annotated.
    if look.norm() == Normalization::None && values.has_text() {
        let with_shares = title_text(
            tag,
            step,
            &what.replacen("counts", "counts · row %", 1),
            cm.total(),
        );
        let layout = lay_out(&with_shares)?;
        if layout.tier != Tier::Heatmap {
            return Ok((with_shares, layout));
        }
    }
    let plain = title_text(tag, step, &what, cm.total());
    let layout = lay_out(&plain)?;
    Ok((plain, layout))
}

/// Renders `cm` under its [`default_title`] and encodes it, laying it out once. A clustered
/// order is the one of the first image of `tag` (see [`ClassOrder::Clustered`]).
pub(crate) fn sparse_render_png_titled(
    cm: &SparseCounts,
    tag: &str,
    step: i64,
    opts: &RenderOptions,
) -> Result<crate::png::Png, RenderError> {
    check_cap(opts)?;
    let mut ts = Typesetter::new(primary_face()?, &opts.fallback_fonts);
    let look = auto::resolve(&ts, cm, tag, step, opts)?;
    let drawn = Drawn::new(cm, &look, Some(tag));
    let values = CellValues::new(&drawn.counts, &look);
    let (_, layout) = standard_layout(&ts, &values, &drawn, tag, step, &look)?;
    Ok(encode_png(&paint(&values, &mut ts, &layout))?)
}

fn check_cap(opts: &RenderOptions) -> Result<(), RenderError> {
    if (MIN_SIDE_PX..=MAX_SIDE_PX).contains(&opts.max_side_px) {
        Ok(())
    } else {
        Err(RenderError::CapOutOfRange(opts.max_side_px))
    }
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

/// [`render_rgb`] from the non-zero cells: the automatic choices, the class order, cell
/// values, then the layout, then the pixels.
pub(crate) fn sparse_render_rgb(
    cm: &SparseCounts,
    title: &str,
    opts: &RenderOptions,
) -> Result<RgbImage, RenderError> {
    check_cap(opts)?;
    let mut ts = Typesetter::new(primary_face()?, &opts.fallback_fonts);
    let look = auto::resolve_for_title(&ts, cm, title, opts)?;
    let drawn = Drawn::new(cm, &look, None);
    let values = CellValues::new(&drawn.counts, &look);
    let mut input = LayoutInput::measure(&ts, &values, &drawn.counts, title, &look);
    input.tick_ids = drawn.tick_ids();
    let layout = layout::compute(&ts, &input)?;
    Ok(paint(&values, &mut ts, &layout))
}

/// Renders `cm` with `title` and encodes it as a PNG: for drawing a matrix
/// without TensorBoard ([`SummaryWriter::add_confusion_matrix`] does this on
/// its background thread).
///
/// [`SummaryWriter::add_confusion_matrix`]: crate::SummaryWriter::add_confusion_matrix
///
/// # Examples
///
/// ```
/// use tbconfusion::confusion::{default_title, render_png};
/// use tbconfusion::{ConfusionMatrix, RenderOptions};
///
/// let mut cm = ConfusionMatrix::with_class_names(["cat", "dog", "bird"])?;
/// cm.update(&[0u8, 1, 2, 2], &[0u8, 2, 2, 1])?;
/// let options = RenderOptions::default();
/// let png = render_png(&cm, &default_title("val", 7, &cm, &options), &options)?;
/// assert!(png.width() <= 4096 && png.bytes().starts_with(b"\x89PNG"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`RenderError::CapOutOfRange`] for a `max_side_px` outside
/// [`MIN_SIDE_PX`]`..=`[`MAX_SIDE_PX`], [`RenderError::TooLarge`] when the
/// classes do not fit at one pixel each (draw [`top_confused`] instead), and
/// [`RenderError::Draw`] when a font or the encoder fails.
pub fn render_png(
    cm: &ConfusionMatrix,
    title: &str,
    opts: &RenderOptions,
) -> Result<crate::png::Png, RenderError> {
    Ok(encode_png(&render_rgb(cm, title, opts)?)?)
}

/// Signed step with separators: `-1234` → `"-1,234"`.
fn group_signed(n: i64) -> String {
    let body = group_thousands(n.unsigned_abs());
    if n < 0 { format!("-{body}") } else { body }
}

/// `tag · step S · what · N=total`, the layout of every standard title.
pub(crate) fn title_text(tag: &str, step: i64, what: &str, total: u64) -> String {
    format!(
        "{tag} · step {} · {what} · N={}",
        group_signed(step),
        group_thousands(total)
    )
}

#[cfg(test)]
mod legibility;
#[cfg(test)]
mod tests;
