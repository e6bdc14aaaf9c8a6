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
//!
//! # Version 2: score histograms
//!
//! A matrix that was given scores
//! ([`update_from_scores`](ConfusionMatrix::update_from_scores)) also holds
//! per-class score histograms (the PR curves' counts), written as
//!
//! ```json
//! "scores": {"num_thresholds": 201, "positives": [[...201 counts], ...K rows],
//!            "negatives": [[...], ...]}
//! ```
//!
//! and a [`ScoreKind`] other than `auto` as `"score_kind": "probs"` or
//! `"logits"`. Only records with either field are written as version 2;
//! every other matrix is written as version 1, byte for byte as before, so
//! older readers still read what they can represent, and reject (by its
//! version) a record whose histograms they would silently drop. This build
//! reads versions 1 and 2.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::matrix::{ConfusionError, ConfusionMatrix};
use super::pr_curve::NUM_THRESHOLDS;
use super::score_histogram::{ScoreHistogram, ScoreKind};

/// The newest schema version: written when the matrix holds score
/// histograms or a score kind; versions 1 up to it are read.
pub const SCHEMA_VERSION: u32 = 2;
/// The version written for matrices without scores (the original record).
pub const SCHEMA_VERSION_WITHOUT_SCORES: u32 = 1;
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
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<ScoresOut<'a>>,
    #[serde(skip_serializing_if = "is_auto")]
    score_kind: ScoreKind,
}

fn is_auto(kind: &ScoreKind) -> bool {
    *kind == ScoreKind::Auto
}

/// The score histograms as written: K rows of N buckets per plane.
#[derive(Serialize)]
struct ScoresOut<'a> {
    num_thresholds: usize,
    positives: Vec<&'a [u64]>,
    negatives: Vec<&'a [u64]>,
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
    #[serde(default)]
    scores: Option<ScoresIn>,
    #[serde(default)]
    score_kind: ScoreKind,
}

/// The score histograms as read, checked by [`ScoreHistogram::from_parts`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoresIn {
    num_thresholds: usize,
    positives: Vec<Vec<u64>>,
    negatives: Vec<Vec<u64>>,
}

impl Serialize for ConfusionMatrix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let k = self.num_classes();
        let scores = self.score_histogram().map(|h| ScoresOut {
            num_thresholds: NUM_THRESHOLDS,
            positives: h.positive_buckets().chunks_exact(NUM_THRESHOLDS).collect(),
            negatives: h.negative_buckets().chunks_exact(NUM_THRESHOLDS).collect(),
        });
        let version = if scores.is_some() || !is_auto(&self.score_kind()) {
            SCHEMA_VERSION
        } else {
            SCHEMA_VERSION_WITHOUT_SCORES
        };
        RecordOut {
            schema_version: version,
            orientation: ORIENTATION,
            classes: self.class_names(),
            counts: self.counts().chunks_exact(k).collect(),
            weighted: self.weighted_counts().map(|w| w.chunks_exact(k).collect()),
            ignore_index: self.ignore_index(),
            scores,
            score_kind: self.score_kind(),
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
    if !(SCHEMA_VERSION_WITHOUT_SCORES..=SCHEMA_VERSION).contains(&record.schema_version) {
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
    let mut cm = ConfusionMatrix::from_parts(record.classes, counts, weighted)?
        .with_score_kind(record.score_kind);
    if let Some(scores) = record.scores {
        cm = cm.with_score_histogram(histogram_of(scores, k)?)?;
    }
    Ok(match record.ignore_index {
        Some(label) => cm.with_ignore_index(label),
        None => cm,
    })
}

/// Checks the serialised histograms are K rows of N buckets per plane.
fn histogram_of(scores: ScoresIn, k: usize) -> Result<ScoreHistogram, ConfusionError> {
    if scores.num_thresholds != NUM_THRESHOLDS {
        return Err(ConfusionError::ScoreHistogramShape {
            what: "num_thresholds",
            got: scores.num_thresholds,
            expected: NUM_THRESHOLDS,
        });
    }
    let mut planes = Vec::with_capacity(2);
    for (what, rows) in [
        ("positives", scores.positives),
        ("negatives", scores.negatives),
    ] {
        if rows.len() != k {
            return Err(ConfusionError::ScoreHistogramShape {
                what,
                got: rows.len(),
                expected: k,
            });
        }
        let mut flat = Vec::with_capacity(k * NUM_THRESHOLDS);
        for row in rows {
            if row.len() != NUM_THRESHOLDS {
                return Err(ConfusionError::ScoreHistogramShape {
                    what,
                    got: row.len(),
                    expected: NUM_THRESHOLDS,
                });
            }
            flat.extend(row);
        }
        planes.push(flat);
    }
    let negatives = planes.pop().unwrap_or_default();
    let positives = planes.pop().unwrap_or_default();
    ScoreHistogram::from_parts(k, positives, negatives)
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
    fn score_histograms_round_trip_as_version_2() {
        let mut cm = ConfusionMatrix::new(3)
            .unwrap()
            .with_score_kind(ScoreKind::Logits);
        cm.update_from_scores(&[0u8, 2], &[2.0, 0.0, -1.0, 0.1, 0.2, 0.3])
            .unwrap();
        let json = serde_json::to_string(&cm).unwrap();
        assert!(json.contains(r#""schema_version":2"#), "{json}");
        assert!(json.contains(r#""score_kind":"logits""#), "{json}");
        assert!(json.contains(r#""num_thresholds":201"#), "{json}");
        let back: ConfusionMatrix = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cm);
        // A tampered histogram is refused, naming the class.
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut bad = value.clone();
        bad["scores"]["positives"][1][0] = 5.into();
        let err = serde_json::from_value::<ConfusionMatrix>(bad).unwrap_err();
        assert!(
            err.to_string().contains("class 1's buckets sum to 7 rows"),
            "{err}"
        );
        let mut bad = value;
        bad["scores"]["negatives"][2] = serde_json::json!([1, 1]);
        let err = serde_json::from_value::<ConfusionMatrix>(bad).unwrap_err();
        assert!(
            err.to_string()
                .contains("negatives has 2 entries, expected 201"),
            "{err}"
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
                base.replace(r#""schema_version":1"#, r#""schema_version":3"#),
                "schema version 3 is not supported",
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
