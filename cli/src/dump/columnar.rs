//! Records from Arrow record batches, as the Parquet and Arrow IPC readers
//! decode them: one batch in memory at a time, cells read in place.
//!
//! Classes may be integers, floats holding whole numbers (pandas writes an
//! integer column with missing values as floats), strings or dictionaries
//! of them; scores one column per class or one list column holding a score
//! row per sample.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema, TimeUnit};

use super::plan::{ColumnPlan, PredictionColumns};
use super::{
    CLASS_EXPECTED, COUNT_EXPECTED, ClassValue, Columns, Prediction, Record, SCORE_EXPECTED,
    STEP_EXPECTED, TIME_EXPECTED, WEIGHT_EXPECTED, check_count, check_non_negative, exact_integer,
    parse_class,
};
use crate::error::{DumpError, Location, PartKind, Position};

/// Rows decoded at once: enough to amortise the per-batch work, small
/// enough that memory stays a few megabytes whatever the file's size.
pub(crate) const BATCH_ROWS: usize = 8192;

/// Where the rows of a file lie in its parts (row groups or record batches).
#[derive(Debug)]
pub(crate) struct Parts {
    /// Row groups or record batches.
    pub(crate) kind: PartKind,
    /// The first row of each part, increasing; parts not known yet (an
    /// Arrow stream) are added as their batches arrive.
    pub(crate) starts: Vec<u64>,
}

impl Parts {
    fn position(&self, row: u64) -> Position {
        let part = self.starts.partition_point(|&start| start <= row).max(1) - 1;
        let start = self.starts.get(part).copied().unwrap_or(0);
        Position::PartRow {
            row,
            part_kind: self.kind,
            part: u32::try_from(part).unwrap_or(u32::MAX),
            row_in_part: u32::try_from(row - start).unwrap_or(u32::MAX),
        }
    }
}

/// The columns of a file's schema that [`BatchRecords`] reads, in schema
/// order (what a projection keeps), and the plan to read them by.
pub(crate) struct Projection {
    /// Schema indices of the columns to decode, increasing.
    pub(crate) kept: Vec<usize>,
    plan: ColumnPlan,
    names: Vec<String>,
}

impl Projection {
    /// Finds the columns in `schema` by the same names and options as for
    /// CSV, and checks that each has a type its role can be read from.
    pub(crate) fn find(
        file: &str,
        schema: &Schema,
        columns: &Columns,
    ) -> Result<Projection, DumpError> {
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let plan = ColumnPlan::find(file, &names, columns, true)?;
        let mut kept: Vec<usize> = [plan.truth]
            .into_iter()
            .chain(plan.optional.step)
            .chain(plan.optional.weight)
            .chain(plan.optional.time)
            .chain(plan.optional.count)
            .chain(match &plan.prediction {
                PredictionColumns::Label(index) => vec![*index],
                PredictionColumns::Scores(indices) => indices.clone(),
            })
            .collect();
        kept.sort_unstable();
        kept.dedup();
        for &index in &kept {
            let field = schema.field(index);
            let role_ok = match field.data_type() {
                DataType::List(item)
                | DataType::LargeList(item)
                | DataType::FixedSizeList(item, _) => {
                    plan.prediction == PredictionColumns::Scores(vec![index])
                        && is_number(item.data_type())
                }
                other => is_number(other) || is_text(other) || is_time(other),
            };
            if !role_ok {
                return Err(DumpError::malformed(
                    Location::file(file).column(field.name()),
                    format!(
                        "has type {}; expected integers, floats or strings (a list of numbers for \
                         a score row)",
                        field.data_type()
                    ),
                ));
            }
        }
        Ok(Projection { kept, plan, names })
    }
}

fn is_number(data_type: &DataType) -> bool {
    data_type.is_integer() || matches!(data_type, DataType::Float32 | DataType::Float64)
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values) || is_number(values),
        _ => false,
    }
}

fn is_time(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Timestamp(_, _))
}

/// Streams the records of a file's record batches.
pub(crate) struct BatchRecords {
    file: Arc<str>,
    batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>,
    projection: Projection,
    parts: Parts,
    /// Whether each batch is a part of its own (Arrow IPC), so `parts`
    /// grows as batches arrive.
    batch_is_part: bool,
    /// The batch being read, with the batch index of each kept column.
    batch: Option<RecordBatch>,
    /// The next row of `batch`, and the file row of its first.
    next_row: usize,
    batch_start: u64,
    done: bool,
}

impl BatchRecords {
    /// Records from `batches`, which hold the `projection.kept` columns in
    /// that order.
    pub(crate) fn new(
        file: &str,
        batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>,
        projection: Projection,
        parts: Parts,
    ) -> BatchRecords {
        BatchRecords {
            file: file.into(),
            batches,
            batch_is_part: parts.starts.is_empty(),
            projection,
            parts,
            batch: None,
            next_row: 0,
            batch_start: 0,
            done: false,
        }
    }

    /// The batch column of schema column `index`.
    fn column<'b>(&self, batch: &'b RecordBatch, index: usize) -> &'b ArrayRef {
        let position = self
            .projection
            .kept
            .binary_search(&index)
            .unwrap_or_default();
        batch.column(position)
    }

    fn record(&self, batch: &RecordBatch, row: usize) -> Result<Record, DumpError> {
        let plan = &self.projection.plan;
        let here = Location::at_shared(
            &self.file,
            self.parts.position(self.batch_start + row as u64),
        );
        let at = |index: usize| here.clone().column(&self.projection.names[index]);
        let cell = |index: usize| Cell {
            array: self.column(batch, index).as_ref(),
            row,
        };
        let truth = cell(plan.truth)
            .class()
            .map_err(|v| bad(at(plan.truth), v, CLASS_EXPECTED))?;
        let prediction = match &plan.prediction {
            PredictionColumns::Label(index) => Prediction::Class(
                cell(*index)
                    .class()
                    .map_err(|v| bad(at(*index), v, CLASS_EXPECTED))?,
            ),
            PredictionColumns::Scores(indices) => match indices.as_slice() {
                [list] if cell(*list).is_list() => Prediction::Scores(
                    cell(*list)
                        .score_row()
                        .map_err(|v| bad(at(*list), v, SCORE_EXPECTED))?,
                ),
                _ => Prediction::Scores(
                    indices
                        .iter()
                        .map(|&index| {
                            cell(index)
                                .score()
                                .map_err(|v| bad(at(index), v, SCORE_EXPECTED))
                        })
                        .collect::<Result<_, _>>()?,
                ),
            },
        };
        let optional = &plan.optional;
        let step = optional
            .step
            .map(|i| cell(i).integer().map_err(|v| bad(at(i), v, STEP_EXPECTED)))
            .transpose()?;
        let non_negative = |index: usize, expected: &str| {
            let value = cell(index)
                .number()
                .map_err(|v| bad(at(index), v, expected))?;
            check_non_negative(value, &value.to_string(), || at(index), expected)
        };
        let weight = optional
            .weight
            .map(|i| non_negative(i, WEIGHT_EXPECTED))
            .transpose()?;
        let wall_time = optional
            .time
            .map(|i| non_negative(i, TIME_EXPECTED))
            .transpose()?;
        let count = match optional.count {
            Some(i) => {
                let c = cell(i);
                let value = c.count().map_err(|v| bad(at(i), v, COUNT_EXPECTED))?;
                check_count(value, &c.shown(), || at(i))?
            }
            None => 1,
        };
        Ok(Record {
            step,
            truth,
            prediction,
            weight,
            wall_time,
            count,
            location: here,
        })
    }
}

impl Iterator for BatchRecords {
    type Item = Result<Record, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = &self.batch {
                if self.next_row < batch.num_rows() {
                    let row = self.next_row;
                    self.next_row += 1;
                    return Some(self.record(batch, row));
                }
                self.batch_start += batch.num_rows() as u64;
                self.batch = None;
            }
            if self.done {
                return None;
            }
            match self.batches.next() {
                None => self.done = true,
                Some(Ok(batch)) => {
                    if self.batch_is_part {
                        self.parts.starts.push(self.batch_start);
                    }
                    self.next_row = 0;
                    self.batch = Some(batch);
                }
                Some(Err(error)) => {
                    // A damaged page or batch ends the file: what follows
                    // cannot be located reliably.
                    self.done = true;
                    let here =
                        Location::at_shared(&self.file, self.parts.position(self.batch_start));
                    return Some(Err(DumpError::malformed(
                        here,
                        format!("cannot decode the data: {error}"),
                    )));
                }
            }
        }
    }
}

fn bad(location: Location, value: String, expected: &str) -> DumpError {
    DumpError::bad_value(location, value, expected)
}

/// One cell of a column; the error of each reader is the value as shown.
#[derive(Clone, Copy)]
struct Cell<'a> {
    array: &'a dyn Array,
    row: usize,
}

/// Integers, read exactly (`u64` above `i64::MAX` too).
#[derive(Clone, Copy)]
enum Integer {
    Signed(i64),
    Unsigned(u64),
}

impl<'a> Cell<'a> {
    fn at(array: &'a dyn Array, row: usize) -> Cell<'a> {
        Cell { array, row }
    }

    /// The cell as text for messages.
    fn shown(self) -> String {
        if self.array.is_null(self.row) {
            return "null".to_string();
        }
        if let Some(int) = self.integer_value() {
            return match int {
                Integer::Signed(v) => v.to_string(),
                Integer::Unsigned(v) => v.to_string(),
            };
        }
        if let Some(float) = self.float_value() {
            return float.to_string();
        }
        if let Some(text) = self.text() {
            return text.to_string();
        }
        if let Some((values, key)) = self.dictionary_entry() {
            return Cell::at(values, key).shown();
        }
        format!("a {}", self.array.data_type())
    }

    fn integer_value(self) -> Option<Integer> {
        let a = self.array;
        let r = self.row;
        Some(match a.data_type() {
            DataType::Int8 => Integer::Signed(a.as_primitive::<Int8Type>().value(r).into()),
            DataType::Int16 => Integer::Signed(a.as_primitive::<Int16Type>().value(r).into()),
            DataType::Int32 => Integer::Signed(a.as_primitive::<Int32Type>().value(r).into()),
            DataType::Int64 => Integer::Signed(a.as_primitive::<Int64Type>().value(r)),
            DataType::UInt8 => Integer::Unsigned(a.as_primitive::<UInt8Type>().value(r).into()),
            DataType::UInt16 => Integer::Unsigned(a.as_primitive::<UInt16Type>().value(r).into()),
            DataType::UInt32 => Integer::Unsigned(a.as_primitive::<UInt32Type>().value(r).into()),
            DataType::UInt64 => Integer::Unsigned(a.as_primitive::<UInt64Type>().value(r)),
            _ => return None,
        })
    }

    fn float_value(self) -> Option<f64> {
        match self.array.data_type() {
            DataType::Float32 => Some(
                self.array
                    .as_primitive::<Float32Type>()
                    .value(self.row)
                    .into(),
            ),
            DataType::Float64 => Some(self.array.as_primitive::<Float64Type>().value(self.row)),
            _ => None,
        }
    }

    fn text(self) -> Option<&'a str> {
        let a = self.array;
        match a.data_type() {
            DataType::Utf8 => Some(a.as_string::<i32>().value(self.row)),
            DataType::LargeUtf8 => Some(a.as_string::<i64>().value(self.row)),
            DataType::Utf8View => Some(a.as_string_view().value(self.row)),
            _ => None,
        }
    }

    /// The dictionary's values and the key of this cell.
    fn dictionary_entry(self) -> Option<(&'a dyn Array, usize)> {
        let dictionary = self.array.as_any_dictionary_opt()?;
        let key = match Cell::at(dictionary.keys(), self.row).integer_value()? {
            Integer::Signed(k) => usize::try_from(k).ok()?,
            Integer::Unsigned(k) => usize::try_from(k).ok()?,
        };
        let values = dictionary.values().as_ref();
        (key < values.len()).then_some((values, key))
    }

    fn is_list(self) -> bool {
        matches!(
            self.array.data_type(),
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
        )
    }

    fn class(self) -> Result<ClassValue, String> {
        if self.array.is_null(self.row) {
            return Err(self.shown());
        }
        if let Some(int) = self.integer_value() {
            return match int {
                Integer::Signed(v) => Ok(ClassValue::Int(v)),
                Integer::Unsigned(v) => i64::try_from(v)
                    .map(ClassValue::Int)
                    .map_err(|_| self.shown()),
            };
        }
        if let Some(float) = self.float_value() {
            return exact_integer(float)
                .map(ClassValue::Int)
                .ok_or_else(|| self.shown());
        }
        if let Some(text) = self.text() {
            // The text rules of CSV and JSON: "3" is index 3, "cat" a name.
            return parse_class(text, || Location::file("")).map_err(|_| text.to_string());
        }
        if let Some((values, key)) = self.dictionary_entry() {
            return Cell::at(values, key).class();
        }
        Err(self.shown())
    }

    /// A whole number (steps): integers, or floats holding one.
    fn integer(self) -> Result<i64, String> {
        match self.class() {
            Ok(ClassValue::Int(value)) => Ok(value),
            _ => Err(self.shown()),
        }
    }

    /// A count: a whole number, checked against the range by the caller.
    fn count(self) -> Result<Option<u64>, String> {
        if self.array.is_null(self.row) {
            return Err(self.shown());
        }
        Ok(match self.integer_value() {
            Some(Integer::Signed(v)) => u64::try_from(v).ok(),
            Some(Integer::Unsigned(v)) => Some(v),
            None => self
                .float_value()
                .and_then(exact_integer)
                .and_then(|v| u64::try_from(v).ok()),
        })
    }

    /// A number (weights, wall times; timestamps in seconds).
    fn number(self) -> Result<f64, String> {
        if self.array.is_null(self.row) {
            return Err(self.shown());
        }
        if let Some(float) = self.float_value() {
            return Ok(float);
        }
        if let Some(int) = self.integer_value() {
            return Ok(match int {
                Integer::Signed(v) => v as f64,
                Integer::Unsigned(v) => v as f64,
            });
        }
        let a = self.array;
        let r = self.row;
        let (ticks, per_second) = match a.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => {
                (a.as_primitive::<TimestampSecondType>().value(r), 1.0)
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                (a.as_primitive::<TimestampMillisecondType>().value(r), 1e3)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                (a.as_primitive::<TimestampMicrosecondType>().value(r), 1e6)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                (a.as_primitive::<TimestampNanosecondType>().value(r), 1e9)
            }
            _ => return Err(self.shown()),
        };
        Ok(ticks as f64 / per_second)
    }

    /// One score: a number, not NaN.
    fn score(self) -> Result<f64, String> {
        match self.number() {
            Ok(score) if !score.is_nan() => Ok(score),
            _ => Err(self.shown()),
        }
    }

    /// A row of scores from a list cell.
    fn score_row(self) -> Result<Vec<f64>, String> {
        if self.array.is_null(self.row) {
            return Err(self.shown());
        }
        let a = self.array;
        let items: ArrayRef = match a.data_type() {
            DataType::List(_) => a.as_list::<i32>().value(self.row),
            DataType::LargeList(_) => a.as_list::<i64>().value(self.row),
            DataType::FixedSizeList(_, _) => a.as_fixed_size_list().value(self.row),
            _ => return Err(self.shown()),
        };
        (0..items.len())
            .map(|i| {
                Cell::at(items.as_ref(), i)
                    .score()
                    .map_err(|shown| format!("{shown} (score {i} of the row)"))
            })
            .collect()
    }
}
