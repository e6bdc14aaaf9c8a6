//! Downscaling that keeps what matters: above [`MAX_DRAWN_CELLS`] classes, blocks of
//! neighbouring classes are summed into one drawn cell (then normalised like any cell), so a
//! confusion is never lost between pixels, neither in the image nor when TensorBoard's
//! ~330 px card shrinks it. Each drawn cell then gets several pixels, which the card's
//! scaling averages without diluting a lone confusion into the background.

use std::borrow::Cow;

use crate::confusion::ConfusionMatrix;
use crate::confusion::sparse::SparseCounts;

/// The most cells drawn along a side: at most ~1.3 classes per pixel of the 330 px card.
pub(super) const MAX_DRAWN_CELLS: usize = 250;

/// `cm` with blocks of `classes_per_cell` classes summed, and that block size (1: unchanged).
/// `ids[i]` is the class id shown at position `i`; the result's ids are each block's first.
pub(super) fn aggregate<'c>(
    cm: Cow<'c, SparseCounts>,
    ids: Vec<usize>,
) -> (Cow<'c, SparseCounts>, Vec<usize>, usize) {
    let k = cm.num_classes();
    if k <= MAX_DRAWN_CELLS {
        return (cm, ids, 1);
    }
    let b = k.div_ceil(MAX_DRAWN_CELLS);
    let side = k.div_ceil(b);
    let mut counts = vec![0u64; side * side];
    for (t, p, c) in cm.cells() {
        let cell = &mut counts[(t / b) * side + p / b];
        *cell = cell.saturating_add(c);
    }
    let names: Vec<String> = (0..side).map(|i| cm.class_names()[i * b].clone()).collect();
    // Both only fail on zero classes or a name count other than `side`: not the case here.
    let folded = ConfusionMatrix::from_counts(side, counts).and_then(|mut m| {
        m.set_class_names(names)?;
        Ok(m)
    });
    match folded {
        Ok(m) => (
            Cow::Owned(SparseCounts::of(&m)),
            ids.into_iter().step_by(b).collect(),
            b,
        ),
        Err(_) => (cm, ids, 1),
    }
}
