//! Readers for prediction dumps: CSV/TSV, JSON Lines, JSON lists, NumPy
//! files, Parquet and Arrow IPC. Each yields one [`Record`] (one
//! prediction, or one row of a counts table) at a time, so memory does not
//! grow with the file.

pub mod arrow_ipc;
mod chunk_count;
mod columnar;
pub mod csv;
pub mod csv_parallel;
pub mod json;
pub mod npy;
pub mod parquet;
mod plan;

use std::io::{BufRead, Read};

use super::error::{DumpError, Location};
use super::input::{Format, Opened};

/// A class as written in the dump: an index or a name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClassValue {
    /// A class index (mapped to a name through `--labels`, if given).
    Int(i64),
    /// A class name (mapped to an index through `--labels`, or sorted order).
    Name(String),
}

/// What the model predicted for one sample.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// The predicted class.
    Class(ClassValue),
    /// One score (probability or logit) per class; the prediction is the argmax.
    Scores(Vec<f64>),
}

/// One prediction read from a dump.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The step, when the dump has a step column.
    pub step: Option<i64>,
    /// The true class.
    pub truth: ClassValue,
    /// The prediction.
    pub prediction: Prediction,
    /// The sample weight, when the dump has one.
    pub weight: Option<f64>,
    /// Wall time in seconds since the Unix epoch, when the dump has one.
    pub wall_time: Option<f64>,
    /// How many predictions this record stands for: 1, or the value of the
    /// count column of a counts table (a `GROUP BY step, y_true, y_pred`,
    /// or what `tbconfusion export` writes). With a count column, `weight`
    /// is the summed weight of those predictions.
    pub count: u64,
    /// Where the record came from, for error messages.
    pub location: Location,
}

/// Which columns (CSV), keys (JSON) or arrays (NPZ) hold what. `None` means
/// "find it by its usual names" (see the `*_ALIASES` constants).
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// True-label column.
    pub truth: Option<String>,
    /// Predicted-label column.
    pub prediction: Option<String>,
    /// Step column.
    pub step: Option<String>,
    /// Sample-weight column.
    pub weight: Option<String>,
    /// Wall-time column.
    pub time: Option<String>,
    /// Count column: each record stands for this many predictions.
    pub count: Option<String>,
    /// Per-class score columns in class order (CSV), or the key/array holding
    /// score rows (JSON, NPZ: the first entry is used).
    pub scores: Option<Vec<String>>,
}

/// Usual names of the true-label column (`true_class` is what `tbconfusion
/// export` writes).
pub const TRUTH_ALIASES: &[&str] = &[
    "y_true",
    "true",
    "label",
    "labels",
    "target",
    "actual",
    "true_class",
];
/// Usual names of the predicted-label column (`pred_class`: `tbconfusion
/// export`).
pub const PREDICTION_ALIASES: &[&str] = &[
    "y_pred",
    "pred",
    "prediction",
    "predictions",
    "predicted",
    "pred_class",
];
/// Usual names of the count column of a counts table.
pub const COUNT_ALIASES: &[&str] = &["count", "n", "num", "cnt"];
/// Usual names of the step column.
pub const STEP_ALIASES: &[&str] = &["step", "global_step", "epoch"];
/// Usual names of the weight column.
pub const WEIGHT_ALIASES: &[&str] = &["weight", "weights", "sample_weight"];
/// Usual names of the wall-time column.
pub const TIME_ALIASES: &[&str] = &["wall_time", "timestamp"];
/// Usual names of a key or array holding one score row per sample.
pub const SCORES_ALIASES: &[&str] = &[
    "probs",
    "probabilities",
    "proba",
    "y_prob",
    "y_score",
    "scores",
    "logits",
];
/// Prefixes of per-class score columns (`prob_0`, `prob_1`, …).
pub const SCORE_COLUMN_PREFIXES: &[&str] = &["prob", "probs", "proba", "score", "logit", "p"];

/// The columns every format may have beside the labels (step, weight, wall
/// time, count), as one input has them: `T` is whatever the format uses to
/// find a column again (an index, a key, an open array).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionalColumns<T> {
    pub(crate) step: Option<T>,
    pub(crate) weight: Option<T>,
    pub(crate) time: Option<T>,
    pub(crate) count: Option<T>,
}

impl<T> OptionalColumns<T> {
    /// Finds each optional column with `find(chosen, aliases, role, flag)`:
    /// the user's choice (`--step-col` …, which must exist) or the first of
    /// the usual names present.
    pub(crate) fn find(
        columns: &Columns,
        mut find: impl FnMut(
            &Option<String>,
            &'static [&'static str],
            &'static str,
            &'static str,
        ) -> Result<Option<T>, DumpError>,
    ) -> Result<Self, DumpError> {
        Ok(OptionalColumns {
            step: find(&columns.step, STEP_ALIASES, "step", "--step-col")?,
            weight: find(&columns.weight, WEIGHT_ALIASES, "weight", "--weight-col")?,
            time: find(&columns.time, TIME_ALIASES, "wall-time", "--time-col")?,
            count: find(&columns.count, COUNT_ALIASES, "count", "--count-col")?,
        })
    }
}

/// Finds a column among `available`: the one the user named (exactly, then
/// ignoring case), else the first alias present (ignoring case).
pub(crate) fn find_column<'a>(
    available: impl Iterator<Item = &'a str> + Clone,
    chosen: Option<&str>,
    aliases: &[&str],
) -> Option<usize> {
    let trimmed = |s: &str| s.trim().to_string();
    match chosen {
        Some(name) => available
            .clone()
            .position(|c| trimmed(c) == name)
            .or_else(|| {
                available
                    .clone()
                    .position(|c| c.trim().eq_ignore_ascii_case(name))
            }),
        None => aliases.iter().find_map(|alias| {
            available
                .clone()
                .position(|c| c.trim().eq_ignore_ascii_case(alias))
        }),
    }
}

/// The error for a required column that is absent.
pub(crate) fn missing_column(
    file: &str,
    role: &'static str,
    chosen: Option<&str>,
    aliases: &[&str],
    available: &[String],
    flag: &'static str,
) -> DumpError {
    let looked_for = match chosen {
        Some(name) => format!("\"{name}\" (from {flag})"),
        None => aliases.join(", "),
    };
    let found = if available.is_empty() {
        "nothing".to_string()
    } else {
        available
            .iter()
            .map(|a| format!("\"{}\"", a.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    DumpError::MissingColumn {
        file: file.to_string(),
        role,
        looked_for,
        found,
        flag,
    }
}

/// What a class cell may hold, for error messages.
pub const CLASS_EXPECTED: &str = "a class: an integer index (like 3) or a name (like cat)";

/// Parses a class written as text: integers (also `3.0`, as pandas writes
/// integer columns holding NaN) are indices, anything else that is not a
/// number is a name. Fractional numbers and empty cells are errors.
pub fn parse_class(
    text: &str,
    location: impl FnOnce() -> Location,
) -> Result<ClassValue, DumpError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DumpError::bad_value(location(), text, CLASS_EXPECTED));
    }
    if let Ok(int) = text.parse::<i64>() {
        return Ok(ClassValue::Int(int));
    }
    let looks_numeric = text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if looks_numeric {
        return match text.parse::<f64>().ok().and_then(exact_integer) {
            Some(int) => Ok(ClassValue::Int(int)),
            None => Err(DumpError::bad_value(location(), text, CLASS_EXPECTED)),
        };
    }
    Ok(ClassValue::Name(text.to_string()))
}

/// Parses a step (an integer; `7.0` is accepted).
pub fn parse_step(text: &str, location: impl FnOnce() -> Location) -> Result<i64, DumpError> {
    let text = text.trim();
    if let Ok(step) = text.parse::<i64>() {
        return Ok(step);
    }
    text.parse::<f64>()
        .ok()
        .and_then(exact_integer)
        .ok_or_else(|| DumpError::bad_value(location(), text, STEP_EXPECTED))
}

/// What a step cell may hold, for error messages.
pub const STEP_EXPECTED: &str = "a step: an integer like 7";

/// The integer a float holds exactly: `7.0` → 7; `7.5`, NaN and infinities
/// → `None`. Only below 9e15 in magnitude: under 2^53 (≈ 9.007e15) every
/// integer is exact in an `f64`, so the cast loses nothing, and a huge
/// float such as `1e300` (whose digits are not meant) is not taken for one.
pub fn exact_integer(float: f64) -> Option<i64> {
    (float.fract() == 0.0 && float.abs() < 9.0e15).then_some(float as i64)
}

/// Parses a count: a whole number in `0..2^63` (`7.0` is accepted, as
/// engines that write counts as floats do).
pub fn parse_count(text: &str, location: impl FnOnce() -> Location) -> Result<u64, DumpError> {
    let text = text.trim();
    let count = match text.parse::<u64>() {
        Ok(count) => Some(count),
        Err(_) => text
            .parse::<f64>()
            .ok()
            .and_then(exact_integer)
            .and_then(|c| u64::try_from(c).ok()),
    };
    check_count(count, text, location)
}

/// Checks a count read as a number (`shown` as written): `None` or a value
/// of 2^63 or more is an error.
pub fn check_count(
    count: Option<u64>,
    shown: &str,
    location: impl FnOnce() -> Location,
) -> Result<u64, DumpError> {
    count
        .filter(|&c| c <= i64::MAX as u64)
        .ok_or_else(|| DumpError::bad_value(location(), shown, COUNT_EXPECTED))
}

/// What a count cell may hold, for error messages.
pub const COUNT_EXPECTED: &str = "a count: a whole number from 0 to 9223372036854775807 (2^63 - 1)";

/// Parses a weight or a wall time: a finite, non-negative number;
/// `expected` ([`WEIGHT_EXPECTED`] or [`TIME_EXPECTED`]) says which.
pub fn parse_non_negative(
    text: &str,
    location: impl FnOnce() -> Location,
    expected: &str,
) -> Result<f64, DumpError> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(value) => check_non_negative(value, text, location, expected),
        Err(_) => Err(DumpError::bad_value(location(), text, expected)),
    }
}

/// Checks a weight or wall time read as a number (`shown` as written).
pub fn check_non_negative(
    value: f64,
    shown: &str,
    location: impl FnOnce() -> Location,
    expected: &str,
) -> Result<f64, DumpError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(DumpError::bad_value(location(), shown, expected))
    }
}

/// What a weight cell may hold, for error messages.
pub const WEIGHT_EXPECTED: &str = "a weight: a finite, non-negative number";

/// What a wall-time cell may hold, for error messages (TensorBoard drops
/// NaN wall times).
pub const TIME_EXPECTED: &str = "a wall time: seconds since 1970 (a finite, non-negative number)";

/// Parses one score (probability or logit); NaN is rejected because no
/// argmax exists then.
pub fn parse_score(text: &str, location: impl FnOnce() -> Location) -> Result<f64, DumpError> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(score) if !score.is_nan() => Ok(score),
        _ => Err(DumpError::bad_value(location(), text, SCORE_EXPECTED)),
    }
}

/// What a score cell may hold, for error messages.
pub const SCORE_EXPECTED: &str = "a score: a number (probability or logit), not NaN";

impl Prediction {
    /// The predicted class: the class itself, or the index of the highest
    /// score (the first one on ties, as `numpy.argmax`). `None` for an empty
    /// score row.
    pub fn class(&self) -> Option<ClassValue> {
        match self {
            Prediction::Class(class) => Some(class.clone()),
            Prediction::Scores(scores) => {
                tbconfusion::confusion::argmax(scores).map(|index| ClassValue::Int(index as i64))
            }
        }
    }
}

/// A stream of records from one input.
pub type Records = Box<dyn Iterator<Item = Result<Record, DumpError>>>;

/// Opens the reader for an input's detected (or chosen) format. CSV and
/// JSON Lines are parsed on every core; their plain all-integer rows are
/// counted in bulk when `class_limit` says how many classes an integer may
/// index (see [`csv_parallel`] and [`json::json_lines_records`]); `None`
/// reads every row on its own.
pub fn records(
    opened: Opened,
    columns: &Columns,
    class_limit: Option<u32>,
) -> Result<Records, DumpError> {
    let Opened {
        name,
        format,
        reader,
        reopen,
    } = opened;
    match format {
        Format::Csv => csv_parallel::csv_records(name, reader, columns, class_limit),
        Format::JsonLines => Ok(json::json_lines_records(name, reader, columns, class_limit)),
        Format::JsonList => Ok(Box::new(json::JsonListRecords::new(
            name,
            reader,
            columns.clone(),
        ))),
        Format::Npy => Ok(Box::new(npy::npy_records(name, reader)?)),
        Format::Npz => {
            let source = match reopen {
                Some(path) => npy::ZipSource::File(path),
                None => {
                    let mut bytes = Vec::new();
                    let mut reader = reader;
                    reader
                        .read_to_end(&mut bytes)
                        .map_err(|e| DumpError::io(&name, e))?;
                    npy::ZipSource::Memory(bytes.into())
                }
            };
            Ok(Box::new(npy::npz_records(name, source, columns)?))
        }
        Format::Parquet => {
            let source = match reopen {
                Some(path) => parquet::ParquetSource::File(path),
                None => parquet::read_whole(&name, reader)?,
            };
            Ok(Box::new(parquet::parquet_records(name, source, columns)?))
        }
        Format::Arrow => {
            let mut reader = reader;
            let head = reader.fill_buf().map_err(|e| DumpError::io(&name, e))?;
            let is_file = head.starts_with(b"ARROW1");
            let source = match reopen {
                Some(path) if is_file => arrow_ipc::ArrowSource::File(path),
                _ => {
                    // An IPC file is the stream between an 8-byte header and
                    // its footer: read unseekable ones as the stream.
                    if is_file {
                        reader.consume(8);
                    }
                    arrow_ipc::ArrowSource::Stream(Box::new(reader))
                }
            };
            Ok(Box::new(arrow_ipc::arrow_records(name, source, columns)?))
        }
    }
}

/// The message of the first error a reader gave, whether opening failed or
/// a record did (tests of every format).
#[cfg(test)]
pub(crate) fn first_error(read: Result<Vec<Result<Record, DumpError>>, DumpError>) -> String {
    match read {
        Err(e) => e.to_string(),
        Ok(rows) => rows
            .into_iter()
            .find_map(Result::err)
            .expect("an error")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Position;

    fn here() -> Location {
        Location::at("t.csv", Position::Line(2)).column("y")
    }

    #[test]
    fn classes_are_indices_or_names() {
        assert_eq!(parse_class(" 3 ", here).unwrap(), ClassValue::Int(3));
        assert_eq!(parse_class("3.0", here).unwrap(), ClassValue::Int(3));
        assert_eq!(parse_class("-1", here).unwrap(), ClassValue::Int(-1));
        assert_eq!(
            parse_class("cat", here).unwrap(),
            ClassValue::Name("cat".into())
        );
        assert_eq!(
            parse_class("e", here).unwrap(),
            ClassValue::Name("e".into())
        );
    }

    #[test]
    fn fractional_and_empty_classes_are_rejected_with_location() {
        let msg = parse_class("2.5", here).unwrap_err().to_string();
        assert_eq!(
            msg,
            format!("t.csv, line 2, column \"y\": \"2.5\" is not {CLASS_EXPECTED}")
        );
        let msg = parse_class("  ", here).unwrap_err().to_string();
        assert!(msg.contains("\"\" is not a class"), "{msg}");
    }

    #[test]
    fn weights_times_steps_and_scores_are_checked() {
        assert_eq!(
            parse_non_negative("0.5", here, WEIGHT_EXPECTED).unwrap(),
            0.5
        );
        assert!(
            parse_non_negative("-1", here, WEIGHT_EXPECTED)
                .unwrap_err()
                .to_string()
                .contains("non-negative")
        );
        assert!(
            parse_non_negative("inf", here, WEIGHT_EXPECTED)
                .unwrap_err()
                .to_string()
                .contains("\"inf\"")
        );
        assert!(parse_non_negative("x", here, WEIGHT_EXPECTED).is_err());
        assert_eq!(
            parse_non_negative("1700000000.5", here, TIME_EXPECTED).unwrap(),
            1_700_000_000.5
        );
        assert!(
            parse_non_negative("nan", here, TIME_EXPECTED)
                .unwrap_err()
                .to_string()
                .contains("wall time")
        );
        assert_eq!(parse_step("7", here).unwrap(), 7);
        assert_eq!(parse_step("7.0", here).unwrap(), 7);
        assert!(
            parse_step("7.5", here)
                .unwrap_err()
                .to_string()
                .contains("a step")
        );
        assert_eq!(parse_score("-2.5", here).unwrap(), -2.5);
        assert!(
            parse_score("nan", here)
                .unwrap_err()
                .to_string()
                .contains("not NaN")
        );
    }

    #[test]
    fn exact_integers_only_where_f64_holds_every_integer() {
        assert_eq!(exact_integer(7.0), Some(7));
        assert_eq!(exact_integer(-3.0), Some(-3));
        assert_eq!(exact_integer(-0.0), Some(0));
        assert_eq!(exact_integer(8.9e15), Some(8_900_000_000_000_000));
        assert_eq!(exact_integer(7.5), None);
        assert_eq!(exact_integer(9.0e15), None);
        assert_eq!(exact_integer(1e300), None);
        assert_eq!(exact_integer(f64::NAN), None);
        assert_eq!(exact_integer(f64::INFINITY), None);
    }

    #[test]
    fn argmax_takes_the_first_maximum() {
        let p = Prediction::Scores(vec![0.1, 0.7, 0.7, 0.2]);
        assert_eq!(p.class(), Some(ClassValue::Int(1)));
        assert_eq!(Prediction::Scores(vec![]).class(), None);
        let p = Prediction::Scores(vec![-3.0, -1.0]);
        assert_eq!(p.class(), Some(ClassValue::Int(1)));
    }

    #[test]
    fn columns_are_found_by_choice_then_alias_ignoring_case() {
        let header = ["Step", " Label ", "prediction"];
        let it = header.iter().copied();
        assert_eq!(find_column(it.clone(), None, TRUTH_ALIASES), Some(1));
        assert_eq!(find_column(it.clone(), None, PREDICTION_ALIASES), Some(2));
        assert_eq!(find_column(it.clone(), None, STEP_ALIASES), Some(0));
        assert_eq!(
            find_column(it.clone(), Some("label"), TRUTH_ALIASES),
            Some(1)
        );
        assert_eq!(find_column(it.clone(), Some("nope"), TRUTH_ALIASES), None);
        assert_eq!(find_column(it, None, WEIGHT_ALIASES), None);
    }
}
