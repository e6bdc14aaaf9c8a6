//! A confusion matrix as its non-zero cells, row by row, with its per-class sums.
//!
//! Logging, rendering, the report, the top-confused sub-matrix and the counts tensor read
//! only the non-zero cells and the row and column totals. At K = 1000 a step of 10,000
//! predictions fills at most 10,000 of the million cells, so this form is what
//! [`add_confusion_matrix`](crate::SummaryWriter::add_confusion_matrix) copies off the
//! caller's thread and what the background job works from: memory and time grow with K and
//! the number of non-zero cells, not with K².

use super::matrix::{ConfusionMatrix, Normalization};

/// Columns scanned per block when looking for non-zero cells: an all-zero block is skipped
/// after one vectorised OR.
const SCAN_BLOCK: usize = 16;

/// The non-zero cells of a [`ConfusionMatrix`] in compressed sparse rows, plus its sums.
///
/// Sums saturate at `u64::MAX` instead of wrapping (only reachable through
/// [`ConfusionMatrix::from_counts`] or merges of absurd counts).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SparseCounts {
    names: Vec<String>,
    /// Row `t`'s cells are `cols[row_start[t]..row_start[t + 1]]`; K + 1 entries.
    row_start: Vec<usize>,
    /// Column of each stored cell, increasing within a row.
    cols: Vec<u32>,
    /// Count of each stored cell (may be 0 when only its weight is not).
    counts: Vec<u64>,
    /// Sample-weight sum of each stored cell, when the matrix has a weighted plane.
    weights: Option<Vec<f64>>,
    row_sums: Vec<u64>,
    col_sums: Vec<u64>,
    diagonal: Vec<u64>,
    total: u64,
}

impl SparseCounts {
    /// Reads the non-zero cells of `cm`: one pass over its K² counts that skips zero blocks.
    pub(crate) fn of(cm: &ConfusionMatrix) -> SparseCounts {
        let k = cm.num_classes();
        let dense = cm.counts();
        let plane = cm.weighted_counts();
        let mut sparse = SparseCounts {
            names: cm.class_names().to_vec(),
            row_start: Vec::with_capacity(k + 1),
            cols: Vec::new(),
            counts: Vec::new(),
            weights: plane.map(|_| Vec::new()),
            row_sums: Vec::with_capacity(k),
            col_sums: vec![0; k],
            diagonal: Vec::with_capacity(k),
            total: 0,
        };
        sparse.row_start.push(0);
        for (t, row) in dense.chunks_exact(k).enumerate() {
            let weight_row = plane.map(|w| &w[t * k..(t + 1) * k]);
            let mut row_sum = 0u64;
            for (b, block) in row.chunks(SCAN_BLOCK).enumerate() {
                // A weight is non-zero only where a count is, except in hand-made input.
                if weight_row.is_none() && block.iter().fold(0, |acc, &c| acc | c) == 0 {
                    continue;
                }
                for (j, &c) in block.iter().enumerate() {
                    let p = b * SCAN_BLOCK + j;
                    let w = weight_row.map_or(0.0, |w| w[p]);
                    if c == 0 && w == 0.0 {
                        continue;
                    }
                    sparse.cols.push(p as u32);
                    sparse.counts.push(c);
                    if let Some(weights) = &mut sparse.weights {
                        weights.push(w);
                    }
                    row_sum = row_sum.saturating_add(c);
                    sparse.col_sums[p] = sparse.col_sums[p].saturating_add(c);
                }
            }
            sparse.row_start.push(sparse.cols.len());
            sparse.row_sums.push(row_sum);
            sparse.diagonal.push(row[t]);
            sparse.total = sparse.total.saturating_add(row_sum);
        }
        sparse
    }

    /// K.
    pub(crate) fn num_classes(&self) -> usize {
        self.names.len()
    }

    /// Class names in index order.
    pub(crate) fn class_names(&self) -> &[String] {
        &self.names
    }

    /// The stored cells of row `t` as `(predicted class, count)`, by increasing column.
    pub(crate) fn row(&self, t: usize) -> impl Iterator<Item = (usize, u64)> + '_ {
        let range = self.row_start[t]..self.row_start[t + 1];
        self.cols[range.clone()]
            .iter()
            .zip(&self.counts[range])
            .map(|(&p, &c)| (p as usize, c))
    }

    /// Every stored cell as `(true class, predicted class, count)`, row-major.
    pub(crate) fn cells(&self) -> impl Iterator<Item = (usize, usize, u64)> + '_ {
        (0..self.num_classes()).flat_map(move |t| self.row(t).map(move |(p, c)| (t, p, c)))
    }

    /// The dense row `t` (K counts).
    pub(crate) fn dense_row(&self, t: usize) -> Vec<u64> {
        let mut row = vec![0; self.num_classes()];
        for (p, c) in self.row(t) {
            row[p] = c;
        }
        row
    }

    /// Per true class: support.
    pub(crate) fn row_sums(&self) -> &[u64] {
        &self.row_sums
    }

    /// Per predicted class: how often it was predicted.
    pub(crate) fn col_sums(&self) -> &[u64] {
        &self.col_sums
    }

    /// Per class: correct predictions.
    pub(crate) fn diagonal(&self) -> &[u64] {
        &self.diagonal
    }

    /// N.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// What cell (`t`, `p`) holding `count` becomes under `norm`: the count, or its share
    /// of the row, column or matrix. An empty row, column or matrix gives NaN, never a silent
    /// zero. The one definition behind [`ConfusionMatrix::normalized`], the heatmap colours and
    /// the cells' percentage lines.
    pub(crate) fn normalized(&self, t: usize, p: usize, count: u64, norm: Normalization) -> f64 {
        let c = count as f64;
        match norm {
            Normalization::None => c,
            Normalization::True => c / self.row_sums[t] as f64,
            Normalization::Pred => c / self.col_sums[p] as f64,
            Normalization::All => c / self.total as f64,
        }
    }

    /// Row sums, column sums and diagonal of the weighted plane, summed in row-major order
    /// as over the dense plane; `None` without sample weights.
    pub(crate) fn weighted_sums(&self) -> Option<[Vec<f64>; 3]> {
        let weights = self.weights.as_ref()?;
        let k = self.num_classes();
        let (mut rows, mut cols, mut diagonal) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
        for t in 0..k {
            let range = self.row_start[t]..self.row_start[t + 1];
            for (&p, &w) in self.cols[range.clone()].iter().zip(&weights[range]) {
                let p = p as usize;
                rows[t] += w;
                cols[p] += w;
                if p == t {
                    diagonal[t] = w;
                }
            }
        }
        Some([rows, cols, diagonal])
    }

    /// The same counts with the classes in `order` (`order[i]` is the class shown at
    /// position `i`; a permutation of `0..K`). Names, sums and weights follow.
    pub(crate) fn permuted(&self, order: &[usize]) -> SparseCounts {
        let k = self.num_classes();
        let mut position = vec![0usize; k];
        for (new, &old) in order.iter().enumerate() {
            position[old] = new;
        }
        let mut out = SparseCounts {
            names: order.iter().map(|&i| self.names[i].clone()).collect(),
            row_start: Vec::with_capacity(k + 1),
            cols: Vec::with_capacity(self.cols.len()),
            counts: Vec::with_capacity(self.counts.len()),
            weights: self.weights.as_ref().map(|w| Vec::with_capacity(w.len())),
            row_sums: order.iter().map(|&i| self.row_sums[i]).collect(),
            col_sums: order.iter().map(|&i| self.col_sums[i]).collect(),
            diagonal: order.iter().map(|&i| self.diagonal[i]).collect(),
            total: self.total,
        };
        out.row_start.push(0);
        let mut row: Vec<(u32, u64, f64)> = Vec::new();
        for &old in order {
            row.clear();
            let range = self.row_start[old]..self.row_start[old + 1];
            for i in range {
                let w = self.weights.as_ref().map_or(0.0, |w| w[i]);
                row.push((position[self.cols[i] as usize] as u32, self.counts[i], w));
            }
            row.sort_unstable_by_key(|&(p, _, _)| p);
            for &(p, c, w) in &row {
                out.cols.push(p);
                out.counts.push(c);
                if let Some(weights) = &mut out.weights {
                    weights.push(w);
                }
            }
            out.row_start.push(out.cols.len());
        }
        out
    }

    /// The dense matrix again, weighted plane included (class names, counts and weights;
    /// the ignore index is not kept).
    pub(crate) fn to_dense(&self) -> ConfusionMatrix {
        let k = self.num_classes();
        let mut counts = vec![0u64; k * k];
        let mut plane = self.weights.as_ref().map(|_| vec![0.0; k * k]);
        for (i, (t, p, c)) in self.cells().enumerate() {
            counts[t * k + p] = c;
            if let (Some(plane), Some(w)) = (&mut plane, &self.weights) {
                plane[t * k + p] = w[i];
            }
        }
        ConfusionMatrix {
            classes: self.names.clone(),
            counts,
            weighted: plane,
            ignore_index: None,
            scores: None,
            score_kind: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_non_zero_cell_and_the_sums() {
        let k = 37;
        let mut counts = vec![0u64; k * k];
        for (i, c) in counts.iter_mut().enumerate() {
            if i % 7 == 0 || i % (k + 1) == 0 {
                *c = (i % 11) as u64;
            }
        }
        let mut cm = ConfusionMatrix::from_counts(k, counts).unwrap();
        cm.set_class_names((0..k).map(|i| format!("c{i}"))).unwrap();
        let sparse = SparseCounts::of(&cm);
        assert_eq!(sparse.row_sums(), &cm.row_sums()[..]);
        assert_eq!(sparse.col_sums(), &cm.col_sums()[..]);
        assert_eq!(sparse.total(), cm.total());
        assert_eq!(
            sparse.cells().count(),
            cm.counts().iter().filter(|&&c| c != 0).count()
        );
        for t in 0..k {
            assert_eq!(sparse.diagonal()[t], cm.count(t, t));
            assert_eq!(sparse.dense_row(t), cm.counts()[t * k..(t + 1) * k]);
        }
        assert_eq!(sparse.to_dense(), cm);
        assert!(sparse.weighted_sums().is_none());
    }

    #[test]
    fn weighted_cells_are_kept_even_with_a_zero_count() {
        let json = r#"{"schema_version": 1, "orientation": "rows_are_true_labels",
            "classes": ["a", "b"], "counts": [[2, 0], [0, 1]],
            "weighted": [[1.5, 0.25], [0.0, 3.0]]}"#;
        let cm: ConfusionMatrix = serde_json::from_str(json).unwrap();
        let sparse = SparseCounts::of(&cm);
        assert_eq!(sparse.cells().count(), 3);
        let [rows, cols, diagonal] = sparse.weighted_sums().unwrap();
        assert_eq!(rows, [1.75, 3.0]);
        assert_eq!(cols, [1.5, 3.25]);
        assert_eq!(diagonal, [1.5, 3.0]);
        assert_eq!(sparse.to_dense(), cm);
    }

    #[test]
    fn sums_saturate_instead_of_wrapping() {
        let cm = ConfusionMatrix::from_counts(2, vec![u64::MAX, 1, 1, 0]).unwrap();
        let sparse = SparseCounts::of(&cm);
        assert_eq!(sparse.row_sums(), [u64::MAX, 1]);
        assert_eq!(sparse.col_sums(), [u64::MAX, 1]);
        assert_eq!(sparse.total(), u64::MAX);
    }
}
