//! Errors of the `tbconfusion` command, each naming the file, the place in
//! it, the bad value and what was expected, so the user can fix the input.

use std::fmt;
use std::io;
use std::sync::Arc;

use thiserror::Error;

/// Where in an input something went wrong.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Position {
    /// The whole file (no finer position applies).
    File,
    /// A 1-based line of a text file.
    Line(u64),
    /// A 0-based row of a NumPy array, as `arr[i]` would index it.
    Row(u64),
    /// A 0-based row of a columnar file (Parquet, Arrow IPC), and where it
    /// lies in the file's parts (row groups, record batches).
    PartRow {
        /// The row in the whole file.
        row: u64,
        /// What the parts are.
        part_kind: PartKind,
        /// The 0-based part holding the row.
        part: u32,
        /// The 0-based row within that part.
        row_in_part: u32,
    },
}

/// The parts of a columnar file (kept small: every record carries its
/// location).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartKind {
    /// A Parquet row group.
    RowGroup,
    /// An Arrow IPC record batch.
    RecordBatch,
}

impl fmt::Display for PartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PartKind::RowGroup => "row group",
            PartKind::RecordBatch => "record batch",
        })
    }
}

/// A file, a position in it and optionally the column (or key, or array).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The input as the user named it (`-` is shown as `<stdin>`); shared,
    /// because every record of a file carries its location.
    pub file: Arc<str>,
    /// Line or row.
    pub position: Position,
    /// Column name, JSON key or NumPy array name.
    pub column: Option<String>,
}

impl Location {
    /// A location covering a whole file.
    pub fn file(file: &str) -> Location {
        Location {
            file: file.into(),
            position: Position::File,
            column: None,
        }
    }

    /// A location at a position, without a column.
    pub fn at(file: &str, position: Position) -> Location {
        Location::at_shared(&file.into(), position)
    }

    /// [`Location::at`] with a name already shared: no copy of the name.
    pub fn at_shared(file: &Arc<str>, position: Position) -> Location {
        Location {
            file: Arc::clone(file),
            position,
            column: None,
        }
    }

    /// The same location narrowed to a column.
    pub fn column(mut self, column: &str) -> Location {
        self.column = Some(column.to_string());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        match self.position {
            Position::File => {}
            Position::Line(line) => write!(f, ", line {line}")?,
            Position::Row(row) => write!(f, ", row {row}")?,
            Position::PartRow {
                row,
                part_kind,
                part,
                row_in_part,
            } => write!(f, ", row {row} ({part_kind} {part}, row {row_in_part})")?,
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        Ok(())
    }
}

/// An error found while reading a prediction dump.
#[derive(Debug, Error)]
pub enum DumpError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The input.
        file: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A value does not have the expected form.
    #[error("{location}: {value:?} is not {expected}")]
    BadValue {
        /// Where.
        location: Location,
        /// The offending value, as found in the input.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A required column, key or array is absent.
    #[error(
        "{file}: no {role} column: looked for {looked_for}, found {found}; name it with {flag}"
    )]
    MissingColumn {
        /// The input.
        file: String,
        /// What the column holds (`"true label"`, …).
        role: &'static str,
        /// The names tried.
        looked_for: String,
        /// The names that exist.
        found: String,
        /// The option that selects the column.
        flag: &'static str,
    },
    /// The input is structurally broken (syntax, field count, shapes).
    #[error("{location}: {message}")]
    Malformed {
        /// Where.
        location: Location,
        /// What is wrong and what was expected.
        message: String,
    },
}

impl DumpError {
    /// A `BadValue` error.
    pub fn bad_value(
        location: Location,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        DumpError::BadValue {
            location,
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// A `Malformed` error.
    pub fn malformed(location: Location, message: impl Into<String>) -> Self {
        DumpError::Malformed {
            location,
            message: message.into(),
        }
    }

    /// An `Io` error.
    pub fn io(file: &str, source: io::Error) -> Self {
        DumpError::Io {
            file: file.to_string(),
            source,
        }
    }
}

/// Any failure of a `tbconfusion` command that is not a usage error.
#[derive(Debug, Error)]
pub enum CliError {
    /// Bad input data.
    #[error(transparent)]
    Dump(#[from] DumpError),
    /// The `--labels` option could not be used.
    #[error("--labels: {0}")]
    Labels(String),
    /// An option value that clap cannot check (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// A file or directory to read could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The path.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// An event file is damaged.
    #[error("{path}: {message}")]
    Events {
        /// The event file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An output file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The output path.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Writing event files failed.
    #[error(transparent)]
    Writer(#[from] tbconfusion::event::WriteError),
    /// `--hparams` or `--hparams-file` cannot be used.
    #[error(transparent)]
    HParams(#[from] crate::hparams::HParamsArgError),
    /// Hyperparameters could not be logged.
    #[error(transparent)]
    HParamsLog(#[from] tbconfusion::HParamsError),
    /// A run to be given hyperparameters already has some.
    #[error(
        "{run_dir}: this run already holds hyperparameters (in {file}); TensorBoard would show \
         only those, so write the new ones into another run (--run)"
    )]
    HParamsAlreadyInRun {
        /// The run directory.
        run_dir: String,
        /// The event file holding them.
        file: String,
    },
    /// A wall time is not finite (input wall times are checked when read).
    #[error(transparent)]
    WallTime(#[from] tbconfusion::event::NonFiniteWallTime),
    /// A matrix could not be rendered.
    #[error(transparent)]
    Render(#[from] tbconfusion::confusion::RenderError),
    /// A matrix could not be built.
    #[error(transparent)]
    Matrix(#[from] tbconfusion::ConfusionError),
    /// Runs could not be compared (`tbconfusion compare`); boxed, as it is large and rare.
    #[error(transparent)]
    Compare(Box<crate::command::compare::CompareInputError>),
    /// Label images could not be paired, decoded or counted.
    #[error(transparent)]
    Segmentation(#[from] crate::segmentation::SegmentationError),
    /// The input is valid but yields nothing to work on: no predictions,
    /// no steps, no event files, no counts.
    #[error("{0}")]
    NoData(String),
    /// A step that cannot fail on any input did (a bug, not the user's doing).
    #[error("{0}")]
    Internal(String),
}

impl CliError {
    /// The process exit status: 2 for usage errors (as clap uses), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Labels(_) => 2,
            CliError::HParams(e) if e.is_usage() => 2,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_value_names_file_line_column_value_and_expectation() {
        let err = DumpError::bad_value(
            Location::at("preds.csv", Position::Line(12)).column("weight"),
            "-1",
            "a finite, non-negative weight",
        );
        assert_eq!(
            err.to_string(),
            "preds.csv, line 12, column \"weight\": \"-1\" is not a finite, non-negative weight"
        );
    }

    #[test]
    fn rows_and_whole_files_read_naturally() {
        let row = Location::at("a.npz", Position::Row(3)).column("y_pred");
        assert_eq!(row.to_string(), "a.npz, row 3, column \"y_pred\"");
        assert_eq!(Location::file("a.npz").to_string(), "a.npz");
        let part = Position::PartRow {
            row: 70_000,
            part_kind: PartKind::RowGroup,
            part: 1,
            row_in_part: 4_464,
        };
        assert_eq!(
            Location::at("p.parquet", part).column("y_true").to_string(),
            "p.parquet, row 70000 (row group 1, row 4464), column \"y_true\""
        );
    }
}
