//! The serialised form of a [`ConfusionMatrix`]: a versioned record with
//! an explicit orientation tag, so a partial matrix written by one process
//! can be read, checked and [merged](ConfusionMatrix::merge) by another.
//!
//! ```json
//! {"schema_version": 1, "orientation": "rows_are_true_labels",
//!  "classes": ["cat", "dog"], "counts": [[5, 1], [0, 4]]}
//! ```
//!
//! `weighted` (rows of `f64`) and `ignore_index` are present only when set.

use serde::{Deserialize, Serialize};

use super::matrix::{ConfusionError, ConfusionMatrix};

/// The schema version written, and the only one read.
pub const SCHEMA_VERSION: u32 = 1;
/// The orientation tag: row `i` holds the samples whose true class is `i`.
pub const ORIENTATION: &str = "rows_are_true_labels";

/// The on-disk record behind `ConfusionMatrix`'s serde implementation.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireMatrix {
    schema_version: u32,
    orientation: String,
    classes: Vec<String>,
    counts: Vec<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weighted: Option<Vec<Vec<f64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignore_index: Option<i64>,
}

impl From<ConfusionMatrix> for WireMatrix {
    fn from(cm: ConfusionMatrix) -> Self {
        let k = cm.num_classes();
        WireMatrix {
            schema_version: SCHEMA_VERSION,
            orientation: ORIENTATION.to_owned(),
            counts: cm.counts.chunks_exact(k).map(<[u64]>::to_vec).collect(),
            weighted: cm
                .weighted
                .map(|w| w.chunks_exact(k).map(<[f64]>::to_vec).collect()),
            ignore_index: cm.ignore_index,
            classes: cm.classes,
        }
    }
}

impl TryFrom<WireMatrix> for ConfusionMatrix {
    type Error = ConfusionError;

    fn try_from(wire: WireMatrix) -> Result<Self, ConfusionError> {
        if wire.schema_version != SCHEMA_VERSION {
            return Err(ConfusionError::UnsupportedVersion {
                found: wire.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        if wire.orientation != ORIENTATION {
            return Err(ConfusionError::WrongOrientation {
                found: wire.orientation,
                expected: ORIENTATION,
            });
        }
        let k = wire.classes.len();
        if k == 0 {
            return Err(ConfusionError::NoClasses);
        }
        let counts = flatten("counts", wire.counts, k)?;
        let mut cm = ConfusionMatrix::from_counts(k, counts)?;
        super::matrix::check_distinct(&wire.classes)?;
        cm.classes = wire.classes;
        cm.ignore_index = wire.ignore_index;
        if let Some(weighted) = wire.weighted {
            let plane = flatten("weighted", weighted, k)?;
            if let Some((index, &value)) = plane
                .iter()
                .enumerate()
                .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
            {
                return Err(ConfusionError::BadWeight { index, value });
            }
            cm.weighted = Some(plane);
        }
        Ok(cm)
    }
}

/// Checks `rows` is K rows of K entries and joins them row-major.
fn flatten<T>(plane: &'static str, rows: Vec<Vec<T>>, k: usize) -> Result<Vec<T>, ConfusionError> {
    if rows.len() != k {
        return Err(ConfusionError::WrongRowCount {
            plane,
            got: rows.len(),
            expected: k,
        });
    }
    let mut flat = Vec::with_capacity(k * k);
    for (row, entries) in rows.into_iter().enumerate() {
        if entries.len() != k {
            return Err(ConfusionError::RaggedRow {
                plane,
                row,
                got: entries.len(),
                expected: k,
            });
        }
        flat.extend(entries);
    }
    Ok(flat)
}
