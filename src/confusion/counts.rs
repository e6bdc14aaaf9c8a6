//! The raw counts logged beside each image, so a matrix can be exported or
//! re-rendered later with nothing lost.
//!
//! Logged as an `int64` tensor under our own plugin name with `data_class`
//! TENSOR (without it TensorBoard's Rust loader keeps none of it). Up to
//! [`DENSE_MAX_CLASSES`] classes the tensor is dense, `[K, K]`; beyond, it is
//! sparse, `[nnz, 3]` rows of `(true, predicted, count)` (K = 1000 with
//! 10,000 predictions has at most 10,000 non-zero cells of a million). The
//! plugin content is JSON naming the layout and the classes. It is written
//! with every value (readers that judge each value alone need it), and
//! TensorBoard keeps only a tag's first, so the layout depends on K alone,
//! never on one step's sparsity: every step of a tag decodes with the same
//! content.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::matrix::ConfusionMatrix;
use super::sparse::SparseCounts;
use crate::proto::{DataType, SummaryMetadata, TensorProto};
use crate::summary;

/// The largest K whose counts are logged dense (`[K, K]`, at most 4,096
/// cells, a few kilobytes as varints); larger matrices are logged sparse.
pub const DENSE_MAX_CLASSES: usize = 64;

/// The layout of the counts of a K-class matrix: fixed by K.
pub fn layout_for(k: usize) -> CountsLayout {
    if k <= DENSE_MAX_CLASSES {
        CountsLayout::Dense
    } else {
        CountsLayout::Coo
    }
}

/// Plugin name of the counts tensors.
pub const COUNTS_PLUGIN: &str = "tbconfusion";

/// What [`SummaryWriter::add_confusion_matrix`](crate::SummaryWriter::add_confusion_matrix)
/// appends to a tag `T` for its counts tensor: `T/counts`.
pub const COUNTS_TAG_SUFFIX: &str = "/counts";

/// Version of [`CountsContent`] this crate writes and reads.
pub const COUNTS_VERSION: u32 = 1;

/// How the counts tensor is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CountsLayout {
    /// `[K, K]`, row-major, rows are true classes.
    Dense,
    /// `[nnz, 3]`: `(true, predicted, count)` for every non-zero cell.
    Coo,
}

/// The plugin content stored with a counts tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountsContent {
    /// Format version ([`COUNTS_VERSION`]).
    pub version: u32,
    /// Tensor layout.
    pub layout: CountsLayout,
    /// Class names in index order; their number is K.
    pub classes: Vec<String>,
}

/// A counts tensor that cannot be turned back into a matrix.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CountsError {
    /// The plugin content is not the JSON this crate writes.
    #[error("counts metadata is not valid: {0}")]
    BadContent(#[source] serde_json::Error),
    /// A newer format.
    #[error(
        "counts format version {0} is newer than this tbconfusion understands ({COUNTS_VERSION})"
    )]
    UnknownVersion(u32),
    /// The tensor disagrees with its metadata.
    #[error("counts tensor is malformed: {0}")]
    Malformed(String),
}

/// Encodes `cm` as a tensor plus its plugin content.
pub fn encode(cm: &ConfusionMatrix) -> (TensorProto, Vec<u8>) {
    sparse_encode(&SparseCounts::of(cm))
}

/// [`encode`] from the non-zero cells.
pub(crate) fn sparse_encode(cm: &SparseCounts) -> (TensorProto, Vec<u8>) {
    let k = cm.num_classes();
    let (layout, tensor) = if layout_for(k) == CountsLayout::Coo {
        // Cells kept only for a non-zero weight have a zero count: not written.
        let nnz = cm.cells().filter(|&(_, _, c)| c != 0).count();
        let mut values = Vec::with_capacity(nnz * 3);
        for (t, p, c) in cm.cells().filter(|&(_, _, c)| c != 0) {
            values.extend_from_slice(&[t as i64, p as i64, to_i64(c)]);
        }
        (
            CountsLayout::Coo,
            summary::int64_tensor(&[nnz as i64, 3], values),
        )
    } else {
        let values = (0..k).flat_map(|t| cm.dense_row(t)).map(to_i64).collect();
        (
            CountsLayout::Dense,
            summary::int64_tensor(&[k as i64, k as i64], values),
        )
    };
    let content = CountsContent {
        version: COUNTS_VERSION,
        layout,
        classes: cm.class_names().to_vec(),
    };
    // Serialising plain strings and numbers to JSON cannot fail.
    let bytes = serde_json::to_vec(&content).unwrap_or_default();
    (tensor, bytes)
}

/// Counts above `i64::MAX` (9.2 × 10¹⁸) cannot occur in practice; saturate
/// rather than wrap if they ever do.
fn to_i64(c: u64) -> i64 {
    i64::try_from(c).unwrap_or(i64::MAX)
}

/// Whether a value's metadata marks it as a counts tensor.
pub fn is_counts(metadata: Option<&SummaryMetadata>) -> bool {
    metadata
        .and_then(|m| m.plugin_data.as_ref())
        .is_some_and(|p| p.plugin_name == COUNTS_PLUGIN)
}

/// Rebuilds the matrix from a counts tensor and its plugin content (its
/// own, or that of the tag's first value: they agree).
pub fn decode(tensor: &TensorProto, content: &[u8]) -> Result<ConfusionMatrix, CountsError> {
    let meta: CountsContent = serde_json::from_slice(content).map_err(CountsError::BadContent)?;
    if meta.version > COUNTS_VERSION {
        return Err(CountsError::UnknownVersion(meta.version));
    }
    if tensor.dtype != DataType::DtInt64 as i32 {
        return Err(CountsError::Malformed(format!(
            "dtype {} is not DT_INT64",
            tensor.dtype
        )));
    }
    let k = meta.classes.len();
    let dims: Vec<i64> = tensor
        .tensor_shape
        .as_ref()
        .map(|s| s.dim.iter().map(|d| d.size).collect())
        .unwrap_or_default();
    let values = &tensor.int64_val;
    let count = |v: i64| {
        u64::try_from(v).map_err(|_| CountsError::Malformed(format!("negative count {v}")))
    };
    let mut counts = vec![0u64; k * k];
    match meta.layout {
        CountsLayout::Dense => {
            if dims != [k as i64, k as i64] || values.len() != k * k {
                return Err(CountsError::Malformed(format!(
                    "dense shape {dims:?} with {} values for {k} classes",
                    values.len()
                )));
            }
            for (c, &v) in counts.iter_mut().zip(values) {
                *c = count(v)?;
            }
        }
        CountsLayout::Coo => {
            if dims.len() != 2 || dims[1] != 3 || values.len() as i64 != dims[0] * 3 {
                return Err(CountsError::Malformed(format!(
                    "sparse shape {dims:?} with {} values",
                    values.len()
                )));
            }
            for cell in values.chunks_exact(3) {
                let (t, p) = (cell[0], cell[1]);
                if !(0..k as i64).contains(&t) || !(0..k as i64).contains(&p) {
                    return Err(CountsError::Malformed(format!(
                        "cell ({t}, {p}) outside {k} classes"
                    )));
                }
                counts[t as usize * k + p as usize] += count(cell[2])?;
            }
        }
    }
    let mut cm = ConfusionMatrix::from_counts(k, counts)
        .map_err(|e| CountsError::Malformed(e.to_string()))?;
    cm.set_class_names(meta.classes)
        .map_err(|e| CountsError::Malformed(e.to_string()))?;
    Ok(cm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_round_trip_exactly() {
        let dense = ConfusionMatrix::from_counts(
            3,
            vec![5, 0, 1, 2, 300, 0, 0, 0, u64::from(u32::MAX) + 7],
        )
        .unwrap();
        let mut counts = vec![0u64; 200 * 200];
        counts[0] = 9;
        counts[200 * 199 + 3] = 1_000_000;
        let mut sparse = ConfusionMatrix::from_counts(200, counts).unwrap();
        sparse
            .set_class_names((0..200).map(|i| format!("class {i}")))
            .unwrap();
        for (cm, layout) in [(dense, CountsLayout::Dense), (sparse, CountsLayout::Coo)] {
            let (tensor, content) = encode(&cm);
            let meta: CountsContent = serde_json::from_slice(&content).unwrap();
            assert_eq!(meta.layout, layout);
            assert_eq!(decode(&tensor, &content).unwrap(), cm);
        }
    }

    /// Regression: a reader that keeps only the first value's content
    /// (TensorBoard does) decodes every step with it, so steps of different
    /// sparsity must share it.
    #[test]
    fn every_step_of_a_tag_decodes_with_the_first_steps_content() {
        for k in [1usize, 3, 10, DENSE_MAX_CLASSES, DENSE_MAX_CLASSES + 1, 200] {
            let empty = ConfusionMatrix::new(k).unwrap();
            let full =
                ConfusionMatrix::from_counts(k, (0..(k * k) as u64).map(|c| c % 300 + 1).collect())
                    .unwrap();
            let mut diagonal = vec![0u64; k * k];
            (0..k).for_each(|i| diagonal[i * k + i] = 5);
            let diagonal = ConfusionMatrix::from_counts(k, diagonal).unwrap();
            let (_, first_content) = encode(&empty);
            for cm in [&empty, &full, &diagonal] {
                let (tensor, content) = encode(cm);
                assert_eq!(content, first_content, "K={k}");
                assert_eq!(&decode(&tensor, &first_content).unwrap(), cm, "K={k}");
            }
        }
    }

    #[test]
    fn rejects_inconsistent_tensors() {
        let cm = ConfusionMatrix::from_counts(2, vec![1, 2, 3, 4]).unwrap();
        let (mut tensor, content) = encode(&cm);
        tensor.int64_val.pop();
        assert!(matches!(
            decode(&tensor, &content),
            Err(CountsError::Malformed(_))
        ));
        let (tensor, _) = encode(&cm);
        assert!(matches!(
            decode(
                &tensor,
                b"{\"version\":9,\"layout\":\"dense\",\"classes\":[\"a\",\"b\"]}"
            ),
            Err(CountsError::UnknownVersion(9))
        ));
        assert!(matches!(
            decode(&tensor, b"not json"),
            Err(CountsError::BadContent(_))
        ));
    }
}
