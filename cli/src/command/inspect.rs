//! `tbconfusion inspect`: prints [`crate::logdir_report`]'s report of a
//! logdir, as text or JSON; exit status 1 when it found a problem.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::CliError;
use crate::logdir;
use crate::logdir_report::{inspect, render_text};

/// Shown after the options in `tbconfusion inspect --help`.
pub const HELP: &str = concat!(
    "\
Examples:
  tbconfusion inspect runs
  tbconfusion inspect runs/val/events.out.tfevents.1700000000.host.1.0 --json

Exit status 1 when a file is damaged or holds values TensorBoard would drop.
",
    samples_per_plugin_note!()
);

/// Options of `tbconfusion inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A logdir (searched recursively) or one event file.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Print a JSON report instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `tbconfusion inspect`.
pub fn run(args: &Args) -> Result<ExitCode, CliError> {
    let files = logdir::event_files(&args.path)?;
    if files.is_empty() {
        return Err(CliError::NoData(format!(
            "{}: no event files (names containing tfevents)",
            args.path.display()
        )));
    }
    let report = inspect(&files)?;
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::Internal(format!("cannot format the report: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", render_text(&report));
    }
    Ok(if report.has_problems() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
