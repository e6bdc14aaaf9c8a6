//! `tbconfusion export`: the counts logged in event files, read back by
//! [`crate::logged_counts`] and written as CSV or JSON.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::error::CliError;
use crate::{logdir, logged_counts};

/// Shown after the options in `tbconfusion export --help`.
pub const HELP: &str = concat!(
    "\
Examples:
  tbconfusion export runs > counts.csv
  tbconfusion export runs --format json -o counts.json

Each CSV row is one cell: run, tag, step, wall_time, true_index, true_class, pred_index, pred_class,
count (non-zero cells only, unless --dense).

",
    samples_per_plugin_note!()
);

/// Options of `tbconfusion export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A logdir (searched recursively) or one event file.
    #[arg(value_name = "LOGDIR")]
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// CSV: also write cells whose count is zero.
    #[arg(long)]
    dense: bool,
}

/// What `--format` accepts.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
}

/// Runs `tbconfusion export`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let files = logdir::event_files(&args.path)?;
    let (matrices, truncated) = logged_counts::read_counts(&files)?;
    for tail in &truncated {
        eprintln!(
            "warning: {}: {} (the complete events before it were exported)",
            tail.path, tail.message
        );
    }
    if matrices.is_empty() {
        return Err(CliError::NoData(format!(
            "{}: no confusion-matrix counts found in {} event file{}",
            args.path.display(),
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )));
    }
    let (shown, out): (String, Box<dyn Write>) = match &args.output {
        Some(path) => {
            let file = File::create(path).map_err(|e| CliError::Write {
                path: path.display().to_string(),
                source: e,
            })?;
            (path.display().to_string(), Box::new(BufWriter::new(file)))
        }
        None => (
            "<stdout>".to_string(),
            Box::new(BufWriter::new(io::stdout().lock())),
        ),
    };
    let written = match args.format {
        ExportFormat::Csv => {
            logged_counts::write_csv(&matrices, args.dense, out).map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(source) => source,
                other => io::Error::other(format!("{other:?}")),
            })
        }
        ExportFormat::Json => {
            let mut out = out;
            serde_json::to_writer_pretty(&mut out, &matrices)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush())
        }
    };
    match written {
        // A closed pipe (`tbconfusion export runs | head`) is not a failure.
        Err(source) if source.kind() == io::ErrorKind::BrokenPipe => {}
        Err(source) => {
            return Err(CliError::Write {
                path: shown,
                source,
            });
        }
        Ok(()) => {}
    }
    Ok(ExitCode::SUCCESS)
}
