//! The automatic choices of [`RenderOptions`]: normalisation, colour mode and class order
//! follow from whether the cells can carry their numbers.
//!
//! While they can (a small matrix), the image keeps its annotated look: counts on one blue
//! scale, each cell's count and row share written in it. Once they cannot (a heatmap), counts
//! would let a few frequent classes take the whole scale and leave the rest white, so the
//! colour shows each cell's share of its row (recall on the diagonal) with the errors on their
//! own square-root scale, and the classes are clustered so confusions sit together.

use crate::confusion::Normalization;
use crate::confusion::sparse::SparseCounts;
use crate::draw::text::Typesetter;

use super::layout::{self, LayoutInput, Tier};
use super::values::CellValues;
use super::{Annotate, ClassOrder, ColorMode, RenderError, RenderOptions, title_text};

/// `opts` with every automatic choice made for `cm` logged as `tag` at `step`.
pub(super) fn resolve(
    ts: &Typesetter<'_>,
    cm: &SparseCounts,
    tag: &str,
    step: i64,
    opts: &RenderOptions,
) -> Result<RenderOptions, RenderError> {
    // The longest title the annotated look can have: if its layout keeps the text, so does
    // the one finally drawn.
    let title = title_text(tag, step, "counts · row %", cm.total());
    resolve_for_title(ts, cm, &title, opts)
}

/// `opts` with every automatic choice made for `cm` drawn under `title`.
pub(super) fn resolve_for_title(
    ts: &Typesetter<'_>,
    cm: &SparseCounts,
    title: &str,
    opts: &RenderOptions,
) -> Result<RenderOptions, RenderError> {
    let mut look = opts.clone();
    if opts.normalization.is_some()
        && opts.color_mode.is_some()
        && opts.class_order != ClassOrder::Auto
    {
        return Ok(look);
    }
    let text = cells_carry_text(ts, cm, title, opts)?;
    look.normalization.get_or_insert(if text {
        Normalization::None
    } else {
        Normalization::True
    });
    look.color_mode.get_or_insert(if text {
        ColorMode::Sequential
    } else {
        ColorMode::Errors
    });
    if look.class_order == ClassOrder::Auto {
        look.class_order = if text {
            ClassOrder::Given
        } else {
            ClassOrder::Clustered
        };
    }
    Ok(look)
}

/// Whether the annotated look of `cm` (the caller's normalisation, else counts) keeps text
/// in its cells: the layout decides, by legibility at card size and the size cap. With
/// [`Annotate::Never`] this asks whether text would fit, so a small matrix keeps its look.
fn cells_carry_text(
    ts: &Typesetter<'_>,
    cm: &SparseCounts,
    title: &str,
    opts: &RenderOptions,
) -> Result<bool, RenderError> {
    let mut probe = opts.clone();
    probe.normalization = Some(opts.norm());
    probe.color_mode = Some(opts.mode());
    // The choice follows the size of the matrix, not a wish for bare cells.
    if probe.annotate == Annotate::Never {
        probe.annotate = Annotate::Auto;
    }
    let values = CellValues::new(cm, &probe);
    // No strings: the class count alone already rules text out.
    if !values.has_text() {
        return Ok(false);
    }
    let layout = layout::compute(ts, &LayoutInput::measure(ts, &values, cm, title, &probe))?;
    Ok(layout.tier != Tier::Heatmap)
}
