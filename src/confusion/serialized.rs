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

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::matrix::{ConfusionError, ConfusionMatrix};

/// The schema version written, and the only one read.
pub const SCHEMA_VERSION: u32 = 1;
/// The orientation tag: row `i` holds the samples whose true class is `i`.
pub const ORIENTATION: &str = "rows_are_true_labels";

/// The record as written: borrows the matrix, so serialising copies nothing
/// but the output.
#[derive(Serialize)]
struct RecordOut<'a> {
    schema_version: u32,
    orientation: &'static str,
    classes: &'a [String],
    counts: Vec<&'a [u64]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weighted: Option<Vec<&'a [f64]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignore_index: Option<i64>,
}

/// The record as read, checked by [`ConfusionMatrix::from_parts`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    schema_version: u32,
    orientation: String,
    classes: Vec<String>,
    counts: Vec<Vec<u64>>,
    #[serde(default)]
    weighted: Option<Vec<Vec<f64>>>,
    #[serde(default)]
    ignore_index: Option<i64>,
}

impl Serialize for ConfusionMatrix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let k = self.num_classes();
        RecordOut {
            schema_version: SCHEMA_VERSION,
            orientation: ORIENTATION,
            classes: self.class_names(),
            counts: self.counts().chunks_exact(k).collect(),
            weighted: self.weighted_counts().map(|w| w.chunks_exact(k).collect()),
            ignore_index: self.ignore_index(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ConfusionMatrix {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let record = RecordIn::deserialize(deserializer)?;
        matrix_of(record).map_err(serde::de::Error::custom)
    }
}

fn matrix_of(record: RecordIn) -> Result<ConfusionMatrix, ConfusionError> {
    if record.schema_version != SCHEMA_VERSION {
        return Err(ConfusionError::UnsupportedVersion {
            found: record.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    if record.orientation != ORIENTATION {
        return Err(ConfusionError::WrongOrientation {
            found: record.orientation,
            expected: ORIENTATION,
        });
    }
    let k = record.classes.len();
    if k == 0 {
        return Err(ConfusionError::NoClasses);
    }
    let counts = flatten("counts", record.counts, k)?;
    let weighted = match record.weighted {
        Some(rows) => Some(flatten("weighted", rows, k)?),
        None => None,
    };
    let cm = ConfusionMatrix::from_parts(record.classes, counts, weighted)?;
    Ok(match record.ignore_index {
        Some(label) => cm.with_ignore_index(label),
        None => cm,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_round_trip_keeps_everything() {
        let mut cm = ConfusionMatrix::with_class_names(["a|b", "ß", "c"])
            .unwrap()
            .with_ignore_index(-1);
        cm.update_weighted(&[0i32, 1, 2, -1], &[1i32, 1, 2, 0], &[0.5, 1.0, 2.0, 9.0])
            .unwrap();
        let json = serde_json::to_string(&cm).unwrap();
        assert!(json.contains(r#""schema_version":1"#), "{json}");
        assert!(
            json.contains(r#""orientation":"rows_are_true_labels""#),
            "{json}"
        );
        assert!(
            json.contains(r#""counts":[[0,1,0],[0,1,0],[0,0,1]]"#),
            "{json}"
        );
        let back: ConfusionMatrix = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cm);
        let plain = ConfusionMatrix::new(2).unwrap();
        let json = serde_json::to_string(&plain).unwrap();
        assert!(
            !json.contains("weighted") && !json.contains("ignore_index"),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<ConfusionMatrix>(&json).unwrap(),
            plain
        );
    }

    #[test]
    fn deserialisation_rejects_bad_records_with_clear_errors() {
        let base = r#"{"schema_version":1,"orientation":"rows_are_true_labels","classes":["a","b"],"counts":[[1,2],[3,4]]}"#;
        assert_eq!(
            serde_json::from_str::<ConfusionMatrix>(base)
                .unwrap()
                .total(),
            10
        );
        let cases = [
            (
                base.replace(r#""schema_version":1"#, r#""schema_version":2"#),
                "schema version 2 is not supported",
            ),
            (
                base.replace("rows_are_true_labels", "rows_are_predicted_labels"),
                "orientation \"rows_are_predicted_labels\"",
            ),
            (
                base.replace("[[1,2],[3,4]]", "[[1,2],[3]]"),
                "counts row 1 has 1 entries, expected 2",
            ),
            (
                base.replace("[[1,2],[3,4]]", "[[1,2]]"),
                "counts has 1 rows, expected 2",
            ),
            (base.replace(r#"["a","b"]"#, r#"[]"#), "at least one class"),
            (
                base.replace(r#""counts""#, r#""weighted":[[1,-2],[0,0]],"counts""#),
                "weight -2 at index 1",
            ),
            (
                base.replace(r#""counts""#, r#""extra":1,"counts""#),
                "unknown field `extra`",
            ),
            (
                base.replace("[[1,2],[3,4]]", "[[1,2],[3,-4]]"),
                "invalid value",
            ),
        ];
        for (json, want) in cases {
            let err = serde_json::from_str::<ConfusionMatrix>(&json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{json}: {err}");
        }
    }
}
