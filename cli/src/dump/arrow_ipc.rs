//! Arrow IPC files (Feather v2, `ARROW1`) and streams, as pyarrow, polars
//! and pandas (`to_feather`) write them: record batch by record batch, only
//! the needed columns. Errors name the row, its record batch and the column.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use arrow_ipc::reader::{FileReader, StreamReader};

use super::Columns;
use super::columnar::{BatchRecords, Parts, Projection};
use crate::error::{DumpError, Location, PartKind};

/// An Arrow IPC input.
pub enum ArrowSource {
    /// An IPC file (`ARROW1` at both ends), read in place.
    File(PathBuf),
    /// An IPC stream (standard input, gzipped files, `.arrows`).
    Stream(Box<dyn Read>),
}

/// Opens an Arrow IPC file or stream and streams its records.
pub fn arrow_records(
    file: String,
    source: ArrowSource,
    columns: &Columns,
) -> Result<BatchRecords, DumpError> {
    let damaged = |error: arrow_schema::ArrowError| {
        DumpError::malformed(
            Location::file(&file),
            format!("not a readable Arrow IPC file: {error}"),
        )
    };
    let parts = Parts {
        kind: PartKind::RecordBatch,
        starts: Vec::new(),
    };
    match source {
        ArrowSource::File(path) => {
            let opened = File::open(&path).map_err(|e| DumpError::io(&file, e))?;
            let probe = FileReader::try_new_buffered(opened, None).map_err(damaged)?;
            let projection = Projection::find(&file, &probe.schema(), columns)?;
            let opened = File::open(&path).map_err(|e| DumpError::io(&file, e))?;
            let batches = FileReader::try_new_buffered(opened, Some(projection.kept.clone()))
                .map_err(damaged)?;
            Ok(BatchRecords::new(
                &file,
                Box::new(batches),
                projection,
                parts,
            ))
        }
        ArrowSource::Stream(reader) => {
            // A stream's schema comes first and cannot be read twice: decode
            // every column, then read only the needed ones.
            let batches = StreamReader::try_new(BufReader::new(reader), None).map_err(damaged)?;
            let projection = Projection::find(&file, &batches.schema(), columns)?;
            let kept = projection.kept.clone();
            let projected = batches.map(move |batch| batch.and_then(|b| b.project(&kept)));
            Ok(BatchRecords::new(
                &file,
                Box::new(projected),
                projection,
                parts,
            ))
        }
    }
}
