//! Class order: clustering that puts classes confused with each other next to each other,
//! and the per-tag memory that keeps one order across the steps of a tag.
//!
//! The similarity of two classes is the symmetrised row share of their confusions,
//! `(r[a][b] + r[b][a]) / 2` with `r` row-normalised, so a rare class confused with a frequent
//! one counts as much as the reverse. Average-linkage agglomerative clustering by the
//! nearest-neighbour chain (O(K²) time and one K×K `f32` matrix, 4 MB at K = 1000) merges the
//! most similar clusters first; the leaves of the dendrogram, left to right, are the order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::confusion::sparse::SparseCounts;

use super::{ClassOrder, RenderOptions};

/// Orders already chosen, per tag: shared by clones of one [`RenderOptions`], so a training
/// loop that reuses its options keeps each tag's first order and the step slider compares
/// like with like.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderMemo(Arc<Mutex<HashMap<String, Arc<[usize]>>>>);

impl OrderMemo {
    /// The order kept for `tag` if it fits `cm` (same class count), else a new one, kept.
    fn get_or_compute(&self, tag: &str, cm: &SparseCounts, background_last: bool) -> Arc<[usize]> {
        // A poisoned lock only means another render panicked; the map is still valid.
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(order) = map.get(tag)
            && order.len() == cm.num_classes()
        {
            return Arc::clone(order);
        }
        let order: Arc<[usize]> = clustered_order_keeping(cm, background_last).into();
        map.insert(tag.to_owned(), Arc::clone(&order));
        order
    }
}

/// `cm` in the order `look` asks for: as given, or clustered (remembered per `tag` when the
/// image belongs to one), with the class id at each position. A class drawn outside the
/// colour scale keeps the given order; a detection matrix's background stays last, the object
/// classes clustered before it.
pub(super) fn apply<'c>(
    cm: &'c SparseCounts,
    look: &RenderOptions,
    tag: Option<&str>,
) -> (Cow<'c, SparseCounts>, Vec<usize>) {
    let given = || (0..cm.num_classes()).collect();
    if look.class_order != ClassOrder::Clustered
        || look.outside_scale.is_some()
        || cm.num_classes() < 3
    {
        return (Cow::Borrowed(cm), given());
    }
    let order: Arc<[usize]> = match tag {
        Some(tag) => look.orders.get_or_compute(tag, cm, look.background_last),
        None => clustered_order_keeping(cm, look.background_last).into(),
    };
    if order.iter().enumerate().all(|(i, &c)| i == c) {
        (Cow::Borrowed(cm), given())
    } else {
        (Cow::Owned(cm.permuted(&order)), order.to_vec())
    }
}

/// [`clustered_order`], with the last class kept last when `background_last` (the object
/// classes of a detection matrix are clustered among themselves).
fn clustered_order_keeping(cm: &SparseCounts, background_last: bool) -> Vec<usize> {
    let k = cm.num_classes();
    if !background_last || k == 0 {
        return clustered_order(cm);
    }
    let mut order = clustered_order_of(cm, k - 1);
    order.push(k - 1);
    order
}

/// The leaf order of the average-linkage dendrogram of `cm`'s classes (a permutation of
/// `0..K`). Deterministic: ties go to the lower index.
pub(crate) fn clustered_order(cm: &SparseCounts) -> Vec<usize> {
    clustered_order_of(cm, cm.num_classes())
}

/// [`clustered_order`] of the first `k` classes only (a permutation of `0..k`).
fn clustered_order_of(cm: &SparseCounts, k: usize) -> Vec<usize> {
    let mut sim = similarity(cm, k);
    // Cluster in slot `i`: its dendrogram node and size. Merged slots go inactive.
    let mut node: Vec<usize> = (0..k).collect();
    let mut size = vec![1f32; k];
    let mut active = vec![true; k];
    // Nodes 0..K are the leaves; node K + m is the m-th merge (left, right).
    let mut merges: Vec<(usize, usize)> = Vec::with_capacity(k.saturating_sub(1));
    let mut chain: Vec<usize> = Vec::with_capacity(k);
    let mut remaining = k;
    while remaining > 1 {
        if chain.is_empty() {
            chain.extend(active.iter().position(|&a| a));
        }
        let Some(&a) = chain.last() else { break };
        let previous = chain.len().checked_sub(2).map(|i| chain[i]);
        let row = &sim[a * k..(a + 1) * k];
        // The most similar other cluster; the previous link of the chain wins ties, which
        // is what makes the chain end in a mutual pair.
        let mut best = previous;
        let mut best_sim = previous.map_or(f32::NEG_INFINITY, |p| row[p]);
        for (c, &s) in row.iter().enumerate() {
            if active[c] && c != a && s > best_sim {
                best = Some(c);
                best_sim = s;
            }
        }
        let Some(b) = best else { break };
        if Some(b) != previous {
            chain.push(b);
            continue;
        }
        // a and b are each other's nearest: merge b into a's slot.
        chain.truncate(chain.len() - 2);
        let (lo, hi) = if node[a] <= node[b] { (a, b) } else { (b, a) };
        merges.push((node[lo], node[hi]));
        let (na, nb) = (size[a], size[b]);
        for c in 0..k {
            if active[c] && c != a && c != b {
                let s = (na * sim[a * k + c] + nb * sim[b * k + c]) / (na + nb);
                sim[a * k + c] = s;
                sim[c * k + a] = s;
            }
        }
        node[a] = k + merges.len() - 1;
        size[a] = na + nb;
        active[b] = false;
        remaining -= 1;
    }
    leaves(
        k,
        &merges,
        active.iter().position(|&a| a).map(|slot| node[slot]),
    )
}

/// The symmetrised row-share similarity of the first `k` classes, dense k×k (diagonal unused).
fn similarity(cm: &SparseCounts, k: usize) -> Vec<f32> {
    let rows = cm.row_sums();
    let mut sim = vec![0f32; k * k];
    for (t, p, c) in cm.cells() {
        if t != p && t < k && p < k && rows[t] > 0 {
            let share = (c as f64 / rows[t] as f64 / 2.0) as f32;
            sim[t * k + p] += share;
            sim[p * k + t] += share;
        }
    }
    sim
}

/// Leaves of the dendrogram under `root`, left to right (iteratively: it can be K deep).
fn leaves(k: usize, merges: &[(usize, usize)], root: Option<usize>) -> Vec<usize> {
    let mut order = Vec::with_capacity(k);
    let mut stack: Vec<usize> = root.into_iter().collect();
    while let Some(n) = stack.pop() {
        if n < k {
            order.push(n);
        } else {
            let (left, right) = merges[n - k];
            stack.push(right);
            stack.push(left);
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::confusion::ConfusionMatrix;

    #[test]
    fn confused_classes_end_up_adjacent_and_every_class_once() {
        // Pairs (0, 5), (1, 3), (2, 4) confuse only with each other.
        let k = 6;
        let mut counts = vec![0u64; k * k];
        for i in 0..k {
            counts[i * k + i] = 100;
        }
        for (a, b) in [(0, 5), (1, 3), (2, 4)] {
            counts[a * k + b] = 20;
            counts[b * k + a] = 10;
        }
        let cm = ConfusionMatrix::from_counts(k, counts).unwrap();
        let order = clustered_order(&SparseCounts::of(&cm));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..k).collect::<Vec<_>>());
        let at = |c: usize| order.iter().position(|&x| x == c).unwrap();
        for (a, b) in [(0, 5), (1, 3), (2, 4)] {
            assert_eq!(at(a).abs_diff(at(b)), 1, "{order:?}");
        }
        // The permuted counts keep every cell under its classes.
        let sparse = SparseCounts::of(&cm);
        let permuted = sparse.permuted(&order);
        for (t, p, c) in permuted.cells() {
            assert_eq!(cm.count(order[t], order[p]), c);
        }
        assert_eq!(permuted.total(), sparse.total());
    }

    #[test]
    fn a_detection_background_stays_last_and_out_of_the_clustering() {
        // Objects 1 ↔ 3 confused; the background (4) confused with 2 most of all, which
        // pulls it between the objects when clustered with them.
        let k = 5;
        let mut counts = vec![0u64; k * k];
        for i in 0..4 {
            counts[i * k + i] = 100;
        }
        counts[k + 3] = 20;
        counts[3 * k + 1] = 20;
        counts[4 * k + 2] = 90;
        counts[2 * k + 4] = 80;
        let cm = SparseCounts::of(&ConfusionMatrix::from_counts(k, counts).unwrap());
        let order = clustered_order_keeping(&cm, true);
        assert_eq!(order.len(), k);
        assert_eq!(order[4], 4, "{order:?}");
        let at = |c: usize| order.iter().position(|&x| x == c).unwrap();
        assert_eq!(at(1).abs_diff(at(3)), 1, "{order:?}");
        let plain = clustered_order(&cm);
        assert_ne!(plain[4], 4, "the case tests something: {plain:?}");
    }

    #[test]
    fn a_tag_keeps_its_first_order() {
        let mut a = vec![0u64; 16];
        let mut b = vec![0u64; 16];
        for i in 0..4 {
            a[i * 4 + i] = 10;
            b[i * 4 + i] = 10;
        }
        a[3] = 5; // 0 ↔ 3 confused at the first step
        b[4 + 2] = 5; // 1 ↔ 2 at the next
        let (a, b) = (
            SparseCounts::of(&ConfusionMatrix::from_counts(4, a).unwrap()),
            SparseCounts::of(&ConfusionMatrix::from_counts(4, b).unwrap()),
        );
        let memo = OrderMemo::default();
        let first = memo.get_or_compute("t", &a, false);
        assert_eq!(memo.get_or_compute("t", &b, false), first);
        assert_ne!(&*memo.get_or_compute("other", &b, false), &*first);
    }
}
