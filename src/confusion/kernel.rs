//! The counting kernels behind [`ConfusionMatrix::update`]: power-of-two
//! `u32` histograms indexed by `t << shift | p`, four interleaved ways for
//! small tables, labels checked by OR-ing them while they are counted, and
//! the flush that moves the tables into the `u64` counts and checks what
//! landed outside the K×K corner.
//!
//! [`ConfusionMatrix::update`]: super::ConfusionMatrix::update

use super::label::Label;

/// Number of interleaved sub-histograms. Consecutive equal pairs (common:
/// the diagonal dominates) then hit different memory, which breaks the
/// store-to-load dependency that limits a single histogram.
pub(super) const WAYS: usize = 4;
/// Sub-histograms are interleaved only while all of them fit in about
/// the L2 cache (`WAYS` tables of `4 << 2·7` bytes: 256 KiB, K ≤ 128);
/// beyond it one compact `u32` histogram is faster.
pub(super) const INTERLEAVE_MAX_SHIFT: u32 = 7;

/// A flush found a table entry outside the K×K corner (some label is in
/// `K..1 << shift`) or a cell past `u64::MAX`; the caller scans the input
/// for the first bad label, and reports an overflow only if there is none.
pub(super) struct FlushFailed;

/// Adds every sub-histogram of `hist` into the K×K row-major `counts` and
/// clears them. `hist` holds the tables (`1 << 2·shift` entries each, row
/// `t` at `t << shift`) and then `WAYS` slots of skipped samples, which are
/// discarded. On error `counts` is partly updated and must be discarded.
pub(super) fn flush(
    hist: &mut [u32],
    counts: &mut [u64],
    k: usize,
    shift: u32,
) -> Result<(), FlushFailed> {
    let mut overflow = false;
    // Split explicitly: with K ≤ 2 a table has at most 4 entries, so the
    // skip slots would otherwise read as whole extra tables.
    let (tables, skipped) = hist.split_at_mut(hist.len().saturating_sub(WAYS));
    skipped.fill(0);
    for way in tables.chunks_exact_mut(1 << (2 * shift)) {
        for (t, row) in way.chunks_exact_mut(1 << shift).enumerate() {
            let (inside, outside) = row.split_at_mut(if t < k { k } else { 0 });
            if outside.iter().any(|&c| c != 0) {
                return Err(FlushFailed);
            }
            let Some(cells) = counts.get_mut(t * k..(t + 1) * k) else {
                continue;
            };
            for (cell, h) in cells.iter_mut().zip(inside.iter_mut()) {
                let (sum, wrapped) = cell.overflowing_add(u64::from(*h));
                *cell = sum;
                overflow |= wrapped;
                *h = 0;
            }
        }
    }
    if overflow { Err(FlushFailed) } else { Ok(()) }
}

/// The true label whose samples are skipped, as
/// [`Label::to_u64_wrapping`] gives it. A skipped sample is counted in a
/// slot after the tables, one per way, which the flush discards: a select
/// instead of a branch, so the kernels keep their speed with an ignore
/// index (segmentation's 255 on a few percent of the pixels).
#[derive(Clone, Copy)]
pub(super) struct Skip(pub(super) Option<u64>);

impl Skip {
    /// Whether a sample with true label `t` is skipped; always false
    /// unless `SKIP`, so the plain kernels carry no test.
    #[inline(always)]
    fn skips<const SKIP: bool>(self, t: u64) -> bool {
        SKIP && self.0 == Some(t)
    }
}

/// Counts labels into `WAYS` interleaved `u32` histograms of
/// `1 << 2·SHIFT` entries each, laid end to end in `hist` and followed by
/// one slot per way for skipped samples, and returns the OR of all counted
/// labels: they fitted the table only if it is below `1 << SHIFT`.
/// `SHIFT` is a constant so the shifts, masks and the offsets of the
/// sub-histograms compile to immediates, which leaves registers for the
/// loop.
fn count_interleaved<const SHIFT: u32, const SKIP: bool, T: Label, U: Label>(
    y_true: &[T],
    y_pred: &[U],
    skip: Skip,
    hist: &mut [u32],
) -> u64 {
    let table = 1usize << (2 * SHIFT);
    let hist = &mut hist[..WAYS * table + WAYS];
    let mut seen = 0u64;
    // Table entry of sample (t, p) counted by `way`, and the bits it adds to `seen`.
    let entry = |way: usize, t: u64, p: u64| {
        if skip.skips::<SKIP>(t) {
            (WAYS * table + way, 0)
        } else {
            (
                way * table + (((t << SHIFT) | p) as usize & (table - 1)),
                t | p,
            )
        }
    };
    let mut t_chunks = y_true.chunks_exact(WAYS);
    let mut p_chunks = y_pred.chunks_exact(WAYS);
    for (t, p) in (&mut t_chunks).zip(&mut p_chunks) {
        // Written out: an array `map` here is not inlined.
        let e0 = entry(0, t[0].to_u64_wrapping(), p[0].to_u64_wrapping());
        let e1 = entry(1, t[1].to_u64_wrapping(), p[1].to_u64_wrapping());
        let e2 = entry(2, t[2].to_u64_wrapping(), p[2].to_u64_wrapping());
        let e3 = entry(3, t[3].to_u64_wrapping(), p[3].to_u64_wrapping());
        seen |= (e0.1 | e1.1) | (e2.1 | e3.1);
        hist[e0.0] += 1;
        hist[e1.0] += 1;
        hist[e2.0] += 1;
        hist[e3.0] += 1;
    }
    for (&t, &p) in t_chunks.remainder().iter().zip(p_chunks.remainder()) {
        let (index, bits) = entry(0, t.to_u64_wrapping(), p.to_u64_wrapping());
        seen |= bits;
        hist[index] += 1;
    }
    seen
}

/// [`count_interleaved`] with `shift` turned into its constant.
pub(super) fn count_interleaved_dyn<const SKIP: bool, T: Label, U: Label>(
    y_true: &[T],
    y_pred: &[U],
    shift: u32,
    skip: Skip,
    hist: &mut [u32],
) -> u64 {
    match shift {
        0 => count_interleaved::<0, SKIP, T, U>(y_true, y_pred, skip, hist),
        1 => count_interleaved::<1, SKIP, T, U>(y_true, y_pred, skip, hist),
        2 => count_interleaved::<2, SKIP, T, U>(y_true, y_pred, skip, hist),
        3 => count_interleaved::<3, SKIP, T, U>(y_true, y_pred, skip, hist),
        4 => count_interleaved::<4, SKIP, T, U>(y_true, y_pred, skip, hist),
        5 => count_interleaved::<5, SKIP, T, U>(y_true, y_pred, skip, hist),
        6 => count_interleaved::<6, SKIP, T, U>(y_true, y_pred, skip, hist),
        INTERLEAVE_MAX_SHIFT => {
            count_interleaved::<INTERLEAVE_MAX_SHIFT, SKIP, T, U>(y_true, y_pred, skip, hist)
        }
        // The caller interleaves only up to INTERLEAVE_MAX_SHIFT.
        _ => count_single::<SKIP, T, U>(y_true, y_pred, shift, skip, hist),
    }
}

/// Counts labels into one `u32` histogram of `1 << 2·shift` entries (for
/// tables too large to interleave), skipped samples into the slot after
/// it. Returns the OR of all counted labels, as [`count_interleaved`] does.
pub(super) fn count_single<const SKIP: bool, T: Label, U: Label>(
    y_true: &[T],
    y_pred: &[U],
    shift: u32,
    skip: Skip,
    hist: &mut [u32],
) -> u64 {
    let table = 1usize << (2 * shift);
    let hist = &mut hist[..table + 1];
    let mask = table - 1;
    let mut seen = 0u64;
    for (&t, &p) in y_true.iter().zip(y_pred) {
        let (t, p) = (t.to_u64_wrapping(), p.to_u64_wrapping());
        if skip.skips::<SKIP>(t) {
            hist[table] += 1;
        } else {
            seen |= t | p;
            hist[((t << shift) | p) as usize & mask] += 1;
        }
    }
    seen
}
