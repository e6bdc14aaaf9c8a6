//! Parquet files, as pandas, polars, Spark and DuckDB write them: only the
//! needed columns are decoded, one batch of rows at a time, so memory does
//! not grow with the file. Errors name the row, its row group and the
//! column.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::reader::ChunkReader;

use super::Columns;
use super::columnar::{BATCH_ROWS, BatchRecords, Parts, Projection};
use crate::error::{DumpError, Location, PartKind};

/// Where the Parquet bytes are: the file itself (read in place, page by
/// page), or memory, for standard input and gzipped files (Parquet's footer
/// is at the end, so a stream must be read whole first).
pub enum ParquetSource {
    /// A plain file on disk.
    File(PathBuf),
    /// The whole file's bytes.
    Memory(Vec<u8>),
}

/// Opens a Parquet file and streams its records.
pub fn parquet_records(
    file: String,
    source: ParquetSource,
    columns: &Columns,
) -> Result<BatchRecords, DumpError> {
    match source {
        ParquetSource::File(path) => {
            let opened = File::open(&path).map_err(|e| DumpError::io(&file, e))?;
            records_from(file, opened, columns)
        }
        ParquetSource::Memory(bytes) => records_from(file, Bytes::from(bytes), columns),
    }
}

/// Reads the whole stream for [`ParquetSource::Memory`].
pub fn read_whole(file: &str, mut reader: impl Read) -> Result<ParquetSource, DumpError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| DumpError::io(file, e))?;
    Ok(ParquetSource::Memory(bytes))
}

fn records_from<R: ChunkReader + 'static>(
    file: String,
    reader: R,
    columns: &Columns,
) -> Result<BatchRecords, DumpError> {
    let damaged = |error: parquet::errors::ParquetError| {
        DumpError::malformed(
            Location::file(&file),
            format!("not a readable Parquet file: {error}"),
        )
    };
    let metadata =
        ArrowReaderMetadata::load(&reader, ArrowReaderOptions::new()).map_err(damaged)?;
    let projection = Projection::find(&file, metadata.schema(), columns)?;
    let mut starts = Vec::with_capacity(metadata.metadata().num_row_groups());
    let mut rows = 0u64;
    for group in metadata.metadata().row_groups() {
        starts.push(rows);
        rows += u64::try_from(group.num_rows()).unwrap_or(0);
    }
    // Top-level fields are the Parquet schema's roots, in the same order.
    let mask = ProjectionMask::roots(
        metadata.metadata().file_metadata().schema_descr(),
        projection.kept.iter().copied(),
    );
    let batches = ParquetRecordBatchReaderBuilder::new_with_metadata(reader, metadata)
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(damaged)?;
    let parts = Parts {
        kind: PartKind::RowGroup,
        starts,
    };
    Ok(BatchRecords::new(
        &file,
        Box::new(batches),
        projection,
        parts,
    ))
}
