//! The `tbconfusion` command line: turns prediction dumps into TensorBoard
//! event files, inspects and exports what was written, and renders a
//! matrix straight to PNG. See `tbconfusion --help`.
//!
//! This file only parses the command line, hands each subcommand to its
//! module in [`command`] and prints the error, if any.

/// The advice the help texts end with. A macro, not a `const`, so that
/// `concat!` can put it into the help texts (clap takes `&'static str`);
/// defined before the modules so that they can use it.
macro_rules! samples_per_plugin_note {
    () => {
        "TensorBoard shows only 10 image steps per tag by default: start it with
--samples_per_plugin images=N (N at least the number of steps; images=0 shows none)."
    };
}

mod accumulate;
mod command;
mod detection;
mod dump;
mod error;
mod hparams;
mod input;
mod labels;
mod logdir;
mod logdir_report;
mod logged_counts;
mod read;
mod segmentation;
mod write;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use self::command::{compare, convert, export, inspect, render};

/// Confusion matrices for TensorBoard, from prediction dumps.
#[derive(Debug, Parser)]
#[command(
    name = "tbconfusion",
    version,
    after_help = concat!(
        "Example:\n  tbconfusion convert preds_epoch_*.csv --logdir runs --labels cat,dog,bird\n  \
         tensorboard --logdir runs --samples_per_plugin images=100\n\n",
        samples_per_plugin_note!()
    )
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert prediction dumps (CSV/TSV, JSON Lines, JSON, .npy/.npz, gzipped or not) into event files.
    #[command(after_help = convert::HELP)]
    Convert(Box<convert::Args>),
    /// Runs side by side: a grid of matrices (runs × steps) or a matrix of per-run bars, into a PNG or a new run.
    #[command(after_help = compare::HELP)]
    Compare(Box<compare::Args>),
    /// Read back the raw counts per run, tag and step as CSV or JSON.
    #[command(after_help = export::HELP)]
    Export(export::Args),
    /// Summarise a logdir or event file: runs, tags, steps, damage, values TensorBoard would drop.
    #[command(after_help = inspect::HELP)]
    Inspect(inspect::Args),
    /// Draw one matrix from a prediction dump into a PNG, without TensorBoard.
    #[command(after_help = render::HELP)]
    Render(Box<render::Args>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert::run(*args),
        Command::Compare(args) => compare::run(*args),
        Command::Export(args) => export::run(args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Render(args) => render::run(*args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
