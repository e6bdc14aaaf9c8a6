//! NumPy dumps.
//!
//! - `.npz` (from `np.savez` or `np.savez_compressed`): a 1-D `y_true` array
//!   (aliases as for CSV columns) and either a 1-D `y_pred` or an N×K
//!   `probs`/`logits` array (argmax); optional `weight`, and `step` /
//!   `wall_time` as one value or one per sample.
//! - `.npy`: one N×2 array whose columns are (true, predicted).
//!
//! Arrays are streamed row by row: each needed archive member is read
//! through its own reader (the file is reopened and seeked to the member),
//! so an archive's arrays are never loaded whole.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use npyz::zip::{CompressionMethod, ZipArchive};
use npyz::{DType, Deserialize, NpyFile, Order, TypeChar};

use super::{
    CLASS_EXPECTED, ClassValue, Columns, OptionalColumns, PREDICTION_ALIASES, Prediction, Record,
    SCORE_EXPECTED, SCORES_ALIASES, STEP_EXPECTED, TIME_EXPECTED, TRUTH_ALIASES, WEIGHT_EXPECTED,
    check_count, check_non_negative, exact_integer, find_column, missing_column, parse_class,
};
use crate::error::{DumpError, Location, Position};

/// One array element, whatever its dtype.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Int(i128),
    Float(f64),
    Text(String),
}

impl Cell {
    fn shown(&self) -> String {
        match self {
            Cell::Int(v) => v.to_string(),
            Cell::Float(v) => v.to_string(),
            Cell::Text(v) => v.clone(),
        }
    }

    fn class(&self, location: impl FnOnce() -> Location) -> Result<ClassValue, DumpError> {
        match self {
            Cell::Int(v) => i64::try_from(*v)
                .map(ClassValue::Int)
                .map_err(|_| DumpError::bad_value(location(), self.shown(), CLASS_EXPECTED)),
            Cell::Float(v) => exact_integer(*v)
                .map(ClassValue::Int)
                .ok_or_else(|| DumpError::bad_value(location(), self.shown(), CLASS_EXPECTED)),
            Cell::Text(text) => parse_class(text, location),
        }
    }

    fn number(
        &self,
        location: impl FnOnce() -> Location,
        expected: &str,
    ) -> Result<f64, DumpError> {
        match self {
            Cell::Int(v) => Ok(*v as f64),
            Cell::Float(v) if !v.is_nan() => Ok(*v),
            _ => Err(DumpError::bad_value(location(), self.shown(), expected)),
        }
    }
}

type Cells = Box<dyn Iterator<Item = io::Result<Cell>>>;

/// An array opened for streaming: its shape and its elements in C order.
struct Array {
    name: String,
    shape: Vec<u64>,
    cells: Cells,
}

fn open_array(file: &str, name: &str, npy: NpyFile<Box<dyn Read>>) -> Result<Array, DumpError> {
    let whole = || Location::file(file).column(name);
    let shape = npy.shape().to_vec();
    if npy.order() == Order::Fortran && shape.iter().filter(|&&d| d > 1).count() > 1 {
        return Err(DumpError::malformed(
            whole(),
            "is in Fortran (column-major) order, which cannot be read row by row; \
             save np.ascontiguousarray(arr) instead",
        ));
    }
    let dtype = npy.dtype();
    let unsupported = || {
        DumpError::malformed(
            whole(),
            format!(
                "has dtype {}; expected integers, floats, booleans or strings",
                dtype.descr()
            ),
        )
    };
    let DType::Plain(type_str) = &dtype else {
        return Err(unsupported());
    };
    fn stream<T: Deserialize + 'static>(
        npy: NpyFile<Box<dyn Read>>,
        convert: fn(T) -> Cell,
    ) -> Result<Cells, npyz::DTypeError> {
        Ok(Box::new(
            npy.data::<T>()?.map(move |item| item.map(convert)),
        ))
    }
    let cells = match (type_str.type_char(), type_str.size_field()) {
        (TypeChar::Int, 1) => stream::<i8>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Int, 2) => stream::<i16>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Int, 4) => stream::<i32>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Int, 8) => stream::<i64>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Uint, 1) => stream::<u8>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Uint, 2) => stream::<u16>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Uint, 4) => stream::<u32>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Uint, 8) => stream::<u64>(npy, |v| Cell::Int(v.into())),
        (TypeChar::Float, 4) => stream::<f32>(npy, |v| Cell::Float(v.into())),
        (TypeChar::Float, 8) => stream::<f64>(npy, Cell::Float),
        (TypeChar::Bool, 1) => stream::<bool>(npy, |v| Cell::Int(v.into())),
        (TypeChar::UnicodeStr, _) => stream::<String>(npy, Cell::Text),
        (TypeChar::ByteStr, _) => stream::<Vec<u8>>(npy, |bytes| {
            Cell::Text(
                String::from_utf8_lossy(&bytes)
                    .trim_end_matches('\0')
                    .to_string(),
            )
        }),
        _ => return Err(unsupported()),
    };
    let cells = cells.map_err(|error| DumpError::malformed(whole(), error.to_string()))?;
    Ok(Array {
        name: name.to_string(),
        shape,
        cells,
    })
}

impl Array {
    fn describe_shape(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(u64::to_string).collect();
        format!("({})", dims.join(", "))
    }

    fn shape_error(&self, file: &str, expected: &str) -> DumpError {
        DumpError::malformed(
            Location::file(file).column(&self.name),
            format!("has shape {}; expected {expected}", self.describe_shape()),
        )
    }

    fn next_cell(&mut self, file: &str, row: u64) -> Result<Cell, DumpError> {
        match self.cells.next() {
            Some(Ok(cell)) => Ok(cell),
            Some(Err(error)) => Err(DumpError::io(file, error)),
            None => Err(DumpError::malformed(
                Location::at(file, Position::Row(row)).column(&self.name),
                "the array ends early (truncated file?)",
            )),
        }
    }
}

/// A per-sample field given once for all samples or once per sample.
enum Field {
    Constant(Cell),
    PerRow(Array),
}

impl Field {
    fn open(file: &str, mut array: Array, rows: u64) -> Result<(String, Field), DumpError> {
        let name = array.name.clone();
        match array.shape.as_slice() {
            [] | [1] if rows != 1 => Ok((name, Field::Constant(array.next_cell(file, 0)?))),
            [n] if *n == rows => Ok((name, Field::PerRow(array))),
            _ => Err(array.shape_error(
                file,
                &format!("one value, or {rows} values (one per sample)"),
            )),
        }
    }

    fn next(&mut self, file: &str, row: u64) -> Result<Cell, DumpError> {
        match self {
            Field::Constant(cell) => Ok(cell.clone()),
            Field::PerRow(array) => array.next_cell(file, row),
        }
    }
}

/// How predictions are given.
enum Predictions {
    Labels(Array),
    Scores(Array, u64),
    /// A `.npy` N×2 array: each prediction follows its true label in the
    /// truth array.
    Paired,
}

/// Streams the records of NumPy arrays, row by row.
pub struct NpyRecords {
    file: String,
    rows: u64,
    row: u64,
    truth: Array,
    predictions: Predictions,
    /// Each optional array, with its name for error messages.
    optional: OptionalColumns<(String, Field)>,
    failed: bool,
}

impl NpyRecords {
    fn read_row(&mut self) -> Result<Record, DumpError> {
        let (file, row) = (self.file.clone(), self.row);
        let at = |column: &str| Location::at(&file, Position::Row(row)).column(column);
        // Every cell of the row is read before any is checked, so that a
        // bad value leaves the arrays in step for the next row.
        let truth_cell = self.truth.next_cell(&file, row)?;
        let prediction_cells: Vec<Cell> = match &mut self.predictions {
            Predictions::Labels(array) => vec![array.next_cell(&file, row)?],
            Predictions::Scores(array, k) => (0..*k)
                .map(|_| array.next_cell(&file, row))
                .collect::<Result<_, _>>()?,
            Predictions::Paired => vec![self.truth.next_cell(&file, row)?],
        };
        let next = |field: &mut Option<(String, Field)>| {
            field
                .as_mut()
                .map(|(name, f)| f.next(&file, row).map(|cell| (name.clone(), cell)))
                .transpose()
        };
        let weight = next(&mut self.optional.weight)?;
        let step = next(&mut self.optional.step)?;
        let time = next(&mut self.optional.time)?;
        let count = next(&mut self.optional.count)?;

        let truth_name = match self.predictions {
            Predictions::Paired => format!("{}[{row}, 0]", self.truth.name),
            _ => self.truth.name.clone(),
        };
        let truth = truth_cell.class(|| at(&truth_name))?;
        let prediction = match &self.predictions {
            Predictions::Paired => {
                let name = format!("{}[{row}, 1]", self.truth.name);
                Prediction::Class(prediction_cells[0].class(|| at(&name))?)
            }
            Predictions::Labels(array) => {
                Prediction::Class(prediction_cells[0].class(|| at(&array.name))?)
            }
            Predictions::Scores(array, _) => Prediction::Scores(
                prediction_cells
                    .iter()
                    .enumerate()
                    .map(|(k, cell)| {
                        cell.number(
                            || at(&format!("{}[{row}, {k}]", array.name)),
                            SCORE_EXPECTED,
                        )
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        let weight = weight
            .map(|(name, cell)| {
                let w = cell.number(|| at(&name), WEIGHT_EXPECTED)?;
                check_non_negative(w, &cell.shown(), || at(&name), WEIGHT_EXPECTED)
            })
            .transpose()?;
        let step = step
            .map(|(name, cell)| {
                match cell {
                    Cell::Int(v) => i64::try_from(v).ok(),
                    Cell::Float(v) => exact_integer(v),
                    _ => None,
                }
                .ok_or_else(|| DumpError::bad_value(at(&name), cell.shown(), STEP_EXPECTED))
            })
            .transpose()?;
        let wall_time = time
            .map(|(name, cell)| {
                let t = cell.number(|| at(&name), TIME_EXPECTED)?;
                check_non_negative(t, &cell.shown(), || at(&name), TIME_EXPECTED)
            })
            .transpose()?;
        let count = match count {
            Some((name, cell)) => {
                let value = match cell {
                    Cell::Int(v) => u64::try_from(v).ok(),
                    Cell::Float(v) => exact_integer(v).and_then(|c| u64::try_from(c).ok()),
                    _ => None,
                };
                check_count(value, &cell.shown(), || at(&name))?
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
            location: Location::at(&file, Position::Row(row)),
        })
    }
}

impl Iterator for NpyRecords {
    type Item = Result<Record, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.row >= self.rows {
            return None;
        }
        let result = self.read_row();
        self.row += 1;
        if let Err(DumpError::Io { .. } | DumpError::Malformed { .. }) = &result {
            // The arrays are out of step or unreadable: stop here.
            self.failed = true;
        }
        Some(result)
    }
}

/// Reads a `.npy` holding an N×2 array of (true, predicted) labels.
pub fn npy_records(
    file: String,
    reader: Box<dyn std::io::BufRead>,
) -> Result<NpyRecords, DumpError> {
    let reader: Box<dyn Read> = Box::new(reader);
    let npy = NpyFile::new(reader).map_err(|e| npy_error(&file, "", e))?;
    let array = open_array(&file, "array", npy)?;
    let rows = match array.shape.as_slice() {
        [rows, 2] => *rows,
        _ => {
            return Err(array.shape_error(
                &file,
                "(N, 2): columns true and predicted label. For probabilities, save an .npz: \
                 np.savez(f, y_true=y, probs=p)",
            ));
        }
    };
    Ok(NpyRecords {
        file,
        rows,
        row: 0,
        truth: array,
        predictions: Predictions::Paired,
        optional: OptionalColumns {
            step: None,
            weight: None,
            time: None,
            count: None,
        },
        failed: false,
    })
}

/// Where an `.npz` archive's bytes are, so each member can get its own reader.
pub enum ZipSource {
    /// A plain file, reopened per member.
    File(PathBuf),
    /// The whole archive in memory (stdin or gzip-compressed input).
    Memory(Arc<[u8]>),
}

/// Where one member's (possibly deflated) bytes lie in the archive.
struct Member {
    start: u64,
    length: u64,
    deflated: bool,
}

trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

impl ZipSource {
    fn open(&self, file: &str) -> Result<Box<dyn ReadSeek>, DumpError> {
        match self {
            ZipSource::File(path) => {
                let opened = File::open(path).map_err(|e| DumpError::io(file, e))?;
                Ok(Box::new(BufReader::with_capacity(1 << 16, opened)))
            }
            ZipSource::Memory(bytes) => Ok(Box::new(Cursor::new(Arc::clone(bytes)))),
        }
    }

    fn member_reader(&self, file: &str, member: &Member) -> Result<Box<dyn Read>, DumpError> {
        let mut reader = self.open(file)?;
        reader
            .seek(SeekFrom::Start(member.start))
            .map_err(|e| DumpError::io(file, e))?;
        let raw = reader.take(member.length);
        Ok(if member.deflated {
            Box::new(flate2::read::DeflateDecoder::new(raw))
        } else {
            Box::new(raw)
        })
    }
}

/// Reads an `.npz` archive's arrays as records.
pub fn npz_records(
    file: String,
    source: ZipSource,
    columns: &Columns,
) -> Result<NpyRecords, DumpError> {
    let zip_error = |e: npyz::zip::result::ZipError| {
        DumpError::malformed(
            Location::file(&file),
            format!("not a readable .npz (zip) archive: {e}"),
        )
    };
    let mut archive = ZipArchive::new(source.open(&file)?).map_err(zip_error)?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.strip_suffix(".npy").map(str::to_string))
        .collect();
    let mut open = |name: &str| -> Result<Array, DumpError> {
        let entry = archive.by_name(&format!("{name}.npy")).map_err(zip_error)?;
        let deflated = match entry.compression() {
            CompressionMethod::Stored => false,
            CompressionMethod::Deflated => true,
            other => {
                return Err(DumpError::malformed(
                    Location::file(&file).column(name),
                    format!("is compressed with {other}; expected np.savez or np.savez_compressed"),
                ));
            }
        };
        let member = Member {
            start: entry.data_start(),
            length: entry.compressed_size(),
            deflated,
        };
        drop(entry);
        let reader = source.member_reader(&file, &member)?;
        let npy = NpyFile::new(reader).map_err(|e| npy_error(&file, name, e))?;
        open_array(&file, name, npy)
    };
    let find = |chosen: &Option<String>, aliases: &[&str]| {
        find_column(names.iter().map(String::as_str), chosen.as_deref(), aliases)
            .map(|i| names[i].clone())
    };
    let missing = |chosen: &Option<String>, aliases: &[&str], role, flag| {
        missing_column(&file, role, chosen.as_deref(), aliases, &names, flag)
    };
    let truth_name = find(&columns.truth, TRUTH_ALIASES)
        .ok_or_else(|| missing(&columns.truth, TRUTH_ALIASES, "true-label", "--true-col"))?;
    let truth = open(&truth_name)?;
    let rows = match truth.shape.as_slice() {
        [n] | [n, 1] => *n,
        _ => return Err(truth.shape_error(&file, "(N,): one true label per sample")),
    };
    let scores_choice = columns.scores.as_ref().and_then(|s| s.first().cloned());
    let label_name = if scores_choice.is_some() && columns.prediction.is_none() {
        None
    } else {
        find(&columns.prediction, PREDICTION_ALIASES)
    };
    let predictions = match label_name {
        Some(name) => {
            let array = open(&name)?;
            match array.shape.as_slice() {
                [n] | [n, 1] if *n == rows => Predictions::Labels(array),
                _ => {
                    return Err(array.shape_error(
                        &file,
                        &format!(
                            "({rows},): one predicted label per sample, as many as {truth_name}"
                        ),
                    ));
                }
            }
        }
        None if columns.prediction.is_some() => {
            return Err(missing(
                &columns.prediction,
                PREDICTION_ALIASES,
                "prediction",
                "--pred-col",
            ));
        }
        None => {
            let name = find(&scores_choice, SCORES_ALIASES).ok_or_else(|| {
                let mut looked_for = PREDICTION_ALIASES.to_vec();
                looked_for.extend_from_slice(SCORES_ALIASES);
                missing(
                    &scores_choice,
                    &looked_for,
                    "prediction",
                    "--pred-col or --prob-cols",
                )
            })?;
            let array = open(&name)?;
            match array.shape.as_slice() {
                [n, k] if *n == rows && *k >= 1 => {
                    let k = *k;
                    Predictions::Scores(array, k)
                }
                _ => {
                    return Err(array.shape_error(
                        &file,
                        &format!("({rows}, K): one score per class for each of the {rows} samples"),
                    ));
                }
            }
        }
    };
    let mut optional =
        |chosen: &Option<String>, aliases: &[&str], role, flag| match find(chosen, aliases) {
            Some(name) => Field::open(&file, open(&name)?, rows).map(Some),
            None if chosen.is_some() => Err(missing(chosen, aliases, role, flag)),
            None => Ok(None),
        };
    let optional = OptionalColumns::find(columns, &mut optional)?;
    Ok(NpyRecords {
        file,
        rows,
        row: 0,
        truth,
        predictions,
        optional,
        failed: false,
    })
}

fn npy_error(file: &str, array: &str, error: io::Error) -> DumpError {
    let location = if array.is_empty() {
        Location::file(file)
    } else {
        Location::file(file).column(array)
    };
    DumpError::malformed(location, format!("not a readable .npy array: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use npyz::WriterBuilder;
    use npyz::npz::NpzWriter;

    fn npy_bytes<T: npyz::AutoSerialize + Copy>(shape: &[u64], data: &[T]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(shape)
            .writer(&mut out)
            .begin_nd()
            .unwrap();
        writer.extend(data.iter().copied()).unwrap();
        writer.finish().unwrap();
        out
    }

    /// Builds an .npz in memory with the given arrays (name, shape, f64 or i64 data).
    enum Data<'a> {
        I(&'a [i64]),
        F(&'a [f64]),
        U8(&'a [u8]),
    }

    /// Writes one array of `T` (its default dtype) into the archive.
    fn add_array<T: npyz::AutoSerialize + Copy, W: std::io::Write + std::io::Seek>(
        npz: &mut NpzWriter<W>,
        name: &str,
        shape: &[u64],
        values: &[T],
        options: npyz::zip::write::FileOptions,
    ) {
        let mut w = npz
            .array::<T>(name, options)
            .unwrap()
            .default_dtype()
            .shape(shape)
            .begin_nd()
            .unwrap();
        w.extend(values.iter().copied()).unwrap();
        w.finish().unwrap();
    }

    fn npz(arrays: &[(&str, &[u64], Data)], compressed: bool) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut npz = NpzWriter::new(&mut out);
            let method = if compressed {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            };
            let options = npyz::zip::write::FileOptions::default().compression_method(method);
            for (name, shape, data) in arrays {
                match data {
                    Data::I(values) => add_array(&mut npz, name, shape, values, options),
                    Data::F(values) => add_array(&mut npz, name, shape, values, options),
                    Data::U8(values) => add_array(&mut npz, name, shape, values, options),
                }
            }
        }
        out.into_inner()
    }

    fn read_npz(
        bytes: Vec<u8>,
        columns: &Columns,
    ) -> Result<Vec<Result<Record, DumpError>>, DumpError> {
        Ok(npz_records("e.npz".into(), ZipSource::Memory(bytes.into()), columns)?.collect())
    }

    use super::super::first_error;

    #[test]
    fn npz_labels_weights_and_steps_stored_and_compressed() {
        for compressed in [false, true] {
            let bytes = npz(
                &[
                    ("y_true", &[3], Data::I(&[0, 1, 2])),
                    ("y_pred", &[3], Data::U8(&[0, 2, 2])),
                    ("sample_weight", &[3], Data::F(&[1.0, 0.5, 2.0])),
                    ("step", &[], Data::I(&[9])),
                ],
                compressed,
            );
            let rows: Vec<Record> = read_npz(bytes, &Columns::default())
                .unwrap()
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(rows.len(), 3);
            assert_eq!(rows[1].truth, ClassValue::Int(1));
            assert_eq!(rows[1].prediction, Prediction::Class(ClassValue::Int(2)));
            assert_eq!(rows[2].weight, Some(2.0));
            assert!(rows.iter().all(|r| r.step == Some(9)));
            assert_eq!(rows[2].location, Location::at("e.npz", Position::Row(2)));
        }
    }

    #[test]
    fn npz_counts_tables() {
        let bytes = npz(
            &[
                ("y_true", &[2], Data::I(&[0, 1])),
                ("y_pred", &[2], Data::I(&[1, 1])),
                ("cnt", &[2], Data::F(&[12.0, 0.0])),
            ],
            false,
        );
        let rows: Vec<Record> = read_npz(bytes, &Columns::default())
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.iter().map(|r| r.count).collect::<Vec<_>>(), [12, 0]);
        let bytes = npz(
            &[
                ("y_true", &[1], Data::I(&[0])),
                ("y_pred", &[1], Data::I(&[1])),
                ("count", &[1], Data::I(&[-3])),
            ],
            false,
        );
        let msg = crate::dump::first_error(read_npz(bytes, &Columns::default()));
        assert!(
            msg.contains("e.npz, row 0, column \"count\": \"-3\" is not a count"),
            "{msg}"
        );
    }

    #[test]
    fn npz_probabilities_are_rows_of_scores() {
        let bytes = npz(
            &[
                ("labels", &[2], Data::I(&[1, 0])),
                ("logits", &[2, 3], Data::F(&[0.1, 2.0, 0.3, 5.0, 1.0, 1.0])),
            ],
            true,
        );
        let rows = read_npz(bytes, &Columns::default()).unwrap();
        let rows: Vec<Record> = rows.into_iter().map(Result::unwrap).collect();
        assert_eq!(rows[0].prediction, Prediction::Scores(vec![0.1, 2.0, 0.3]));
        assert_eq!(rows[1].prediction.class(), Some(ClassValue::Int(0)));
    }

    #[test]
    fn npz_reads_from_a_reopened_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("epoch_3.npz");
        std::fs::write(
            &path,
            npz(
                &[
                    ("y_true", &[2], Data::I(&[1, 1])),
                    ("y_pred", &[2], Data::I(&[1, 0])),
                ],
                false,
            ),
        )
        .unwrap();
        let rows: Vec<_> = npz_records("f".into(), ZipSource::File(path), &Columns::default())
            .unwrap()
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].as_ref().unwrap().prediction,
            Prediction::Class(ClassValue::Int(0))
        );
    }

    #[test]
    fn npz_errors_are_precise() {
        let msg = first_error(read_npz(
            npz(&[("y_true", &[2], Data::I(&[1, 1]))], false),
            &Columns::default(),
        ));
        assert!(
            msg.starts_with("e.npz: no prediction column") && msg.contains("found \"y_true\""),
            "{msg}"
        );
        let msg = first_error(read_npz(
            npz(
                &[
                    ("y_true", &[2], Data::I(&[1, 1])),
                    ("y_pred", &[3], Data::I(&[1, 1, 1])),
                ],
                false,
            ),
            &Columns::default(),
        ));
        assert_eq!(
            msg,
            "e.npz, column \"y_pred\": has shape (3); expected (2,): one predicted label per sample, as many as y_true"
        );
        let msg = first_error(read_npz(
            npz(
                &[
                    ("y_true", &[2], Data::I(&[1, -1])),
                    ("y_pred", &[2], Data::F(&[1.0, 0.5])),
                ],
                false,
            ),
            &Columns::default(),
        ));
        assert_eq!(
            msg,
            format!("e.npz, row 1, column \"y_pred\": \"0.5\" is not {CLASS_EXPECTED}")
        );
        let msg = first_error(read_npz(
            npz(
                &[
                    ("y_true", &[1], Data::I(&[1])),
                    ("probs", &[1, 2], Data::F(&[f64::NAN, 1.0])),
                ],
                false,
            ),
            &Columns::default(),
        ));
        assert!(
            msg.contains("row 0, column \"probs[0, 0]\": \"NaN\" is not a score"),
            "{msg}"
        );
        let msg = first_error(read_npz(
            npz(
                &[
                    ("y_true", &[1], Data::I(&[1])),
                    ("y_pred", &[1], Data::I(&[1])),
                    ("weight", &[1], Data::F(&[-1.0])),
                ],
                false,
            ),
            &Columns::default(),
        ));
        assert!(
            msg.contains("column \"weight\": \"-1\" is not a weight"),
            "{msg}"
        );
        let msg = first_error(read_npz(b"PK\x03\x04garbage".to_vec(), &Columns::default()));
        assert!(
            msg.starts_with("e.npz: not a readable .npz (zip) archive"),
            "{msg}"
        );
    }

    #[test]
    fn a_bad_row_does_not_desynchronise_the_next() {
        let bytes = npz(
            &[
                ("y_true", &[3], Data::F(&[1.0, 1.5, 2.0])),
                ("y_pred", &[3], Data::I(&[0, 1, 2])),
            ],
            false,
        );
        let rows = read_npz(bytes, &Columns::default()).unwrap();
        assert!(rows[1].is_err());
        let last = rows[2].as_ref().unwrap();
        assert_eq!(
            (last.truth.clone(), last.prediction.clone()),
            (ClassValue::Int(2), Prediction::Class(ClassValue::Int(2)))
        );
    }

    #[test]
    fn npy_pairs_and_shape_errors() {
        let bytes = npy_bytes(&[2, 2], &[0i32, 1, 2, 2]);
        let rows: Vec<Record> = npy_records("p.npy".into(), Box::new(Cursor::new(bytes)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].truth.clone(), rows[0].prediction.clone()),
            (ClassValue::Int(0), Prediction::Class(ClassValue::Int(1)))
        );
        assert_eq!(rows[1].truth, ClassValue::Int(2));
        let bytes = npy_bytes(&[3], &[0.5f32, 1.0, 2.0]);
        let msg = npy_records("p.npy".into(), Box::new(Cursor::new(bytes)))
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.starts_with("p.npy, column \"array\": has shape (3); expected (N, 2)"),
            "{msg}"
        );
        let msg = npy_records(
            "p.npy".into(),
            Box::new(Cursor::new(b"\x93NUMPY\x01".to_vec())),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(msg.starts_with("p.npy: not a readable .npy array"), "{msg}");
    }

    #[test]
    fn truncated_arrays_are_reported() {
        let mut bytes = npy_bytes(&[3, 2], &[0i64, 1, 2, 2, 1, 1]);
        bytes.truncate(bytes.len() - 12);
        let rows: Vec<_> = npy_records("p.npy".into(), Box::new(Cursor::new(bytes)))
            .unwrap()
            .collect();
        assert_eq!(rows.len(), 3, "stops after the error");
        assert!(rows[1].is_ok());
        let msg = rows[2].as_ref().unwrap_err().to_string();
        assert!(msg.starts_with("p.npy: cannot read"), "{msg}");
    }
}
