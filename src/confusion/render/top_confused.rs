//! The top-k most-confused sub-matrix: the tier for matrices too large to read whole.
//!
//! Classes are ranked by off-diagonal mass (row errors + column errors: how often the class is
//! missed plus how often it is wrongly predicted). Every other class is folded into a final
//! "(other)" row and column, so the sub-matrix keeps N and every row and column total of the
//! kept classes exactly: nothing is silently subsampled away.

use crate::confusion::ConfusionMatrix;
use crate::confusion::sparse::SparseCounts;

/// Name of the row and column that collects all classes not kept.
pub const OTHER_CLASS: &str = "(other)";

/// The `k` classes with the most off-diagonal mass, in their original order, plus an
/// "(other)" row and column holding everything else. Ties rank by lower index. When `k`
/// covers every class the matrix is returned unchanged; the weighted plane, if any, is not
/// carried into a folded matrix.
pub fn top_confused(cm: &ConfusionMatrix, k: usize) -> ConfusionMatrix {
    if k >= cm.num_classes() {
        return cm.clone();
    }
    sparse_top_confused(&SparseCounts::of(cm), k)
}

/// The `k` classes (at most all) with the most off-diagonal mass (row errors + column errors),
/// in index order; ties rank by lower index. The selection of [`top_confused`], also used by
/// the comparison pictures to pick the classes shown.
pub(crate) fn most_confused_classes(cm: &SparseCounts, k: usize) -> Vec<usize> {
    let n = cm.num_classes();
    let (rows, cols, diagonal) = (cm.row_sums(), cm.col_sums(), cm.diagonal());
    let mut order: Vec<usize> = (0..n).collect();
    let errors = |i: usize| {
        let diag = diagonal[i];
        u128::from(rows[i].saturating_sub(diag)) + u128::from(cols[i].saturating_sub(diag))
    };
    order.sort_by(|&a, &b| errors(b).cmp(&errors(a)).then(a.cmp(&b)));
    let mut kept: Vec<usize> = order[..k.min(n)].to_vec();
    kept.sort_unstable();
    kept
}

/// [`top_confused`] from the non-zero cells.
pub(crate) fn sparse_top_confused(cm: &SparseCounts, k: usize) -> ConfusionMatrix {
    let n = cm.num_classes();
    if k >= n {
        return cm.to_dense();
    }
    let kept = most_confused_classes(cm, k);

    // Map every class to its slot in the sub-matrix; the rest go to the last slot.
    let side = k + 1;
    let mut slot = vec![k; n];
    for (new, &old) in kept.iter().enumerate() {
        slot[old] = new;
    }
    let mut folded = vec![0u64; side * side];
    for (t, p, c) in cm.cells() {
        let cell = &mut folded[slot[t] * side + slot[p]];
        *cell = cell.saturating_add(c);
    }
    let names = cm.class_names();
    let mut new_names: Vec<String> = kept.iter().map(|&i| names[i].clone()).collect();
    new_names.push(other_class_name(&new_names));
    // Both constructors only fail on zero classes or mismatched lengths, impossible here
    // (side ≥ 1, names.len() == side); fall back to the input rather than panic.
    match ConfusionMatrix::from_counts(side, folded) {
        Ok(mut sub) => match sub.set_class_names(new_names) {
            Ok(()) => sub,
            Err(_) => cm.to_dense(),
        },
        Err(_) => cm.to_dense(),
    }
}

/// The name of the bucket of classes left out: "(other)", with stars added while a kept
/// class already has that name.
pub(crate) fn other_class_name(kept: &[String]) -> String {
    let mut other = OTHER_CLASS.to_owned();
    while kept.contains(&other) {
        other.push('*');
    }
    other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random_matrix(k: usize, seed: u64) -> ConfusionMatrix {
        let mut rng = fastrand::Rng::with_seed(seed);
        let counts = (0..k * k)
            .map(|i| {
                if i % (k + 1) == 0 {
                    rng.u64(..500)
                } else {
                    rng.u64(..7) * rng.u64(..3)
                }
            })
            .collect();
        let mut cm = ConfusionMatrix::from_counts(k, counts).unwrap();
        cm.set_class_names((0..k).map(|i| format!("c{i}"))).unwrap();
        cm
    }

    #[test]
    fn keeps_totals_and_kept_rows_exactly() {
        for (k, top) in [(10, 3), (50, 10), (7, 0), (5, 4)] {
            let cm = pseudo_random_matrix(k, 42 + k as u64);
            let sub = top_confused(&cm, top);
            assert_eq!(sub.num_classes(), top + 1);
            assert_eq!(sub.total(), cm.total());
            assert_eq!(
                sub.class_names().last().map(String::as_str),
                Some(OTHER_CLASS)
            );
            let (rows, cols) = (cm.row_sums(), cm.col_sums());
            for (i, name) in sub.class_names()[..top].iter().enumerate() {
                let old: usize = name[1..].parse().unwrap();
                assert_eq!(sub.row_sums()[i], rows[old]);
                assert_eq!(sub.col_sums()[i], cols[old]);
                assert_eq!(sub.count(i, i), cm.count(old, old));
            }
        }
    }

    #[test]
    fn ranks_by_row_plus_column_errors() {
        // Class 3 is mostly confused as a prediction (column errors), class 1 as a truth.
        let mut counts = vec![0u64; 25];
        for i in 0..5 {
            counts[i * 5 + i] = 100;
        }
        counts[5 + 2] = 40; // true 1 → pred 2
        counts[3] = 30; // true 0 → pred 3
        counts[4 * 5 + 3] = 30; // true 4 → pred 3
        let cm = ConfusionMatrix::from_counts(5, counts).unwrap();
        let sub = top_confused(&cm, 2);
        assert_eq!(sub.class_names(), ["1", "3", OTHER_CLASS]);
        assert_eq!(top_confused(&cm, 5), cm);
    }
}
