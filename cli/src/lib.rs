//! The `tbconfusion` command line: turns prediction dumps into TensorBoard
//! event files, inspects and exports what was written, and renders a
//! matrix straight to PNG. See `tbconfusion --help`.
//!
//! The whole command is [`run`]: the binary (`src/main.rs`) and the Python
//! wheel's `tbconfusion` console script (the `tbconfusion-python` crate)
//! both call it, so they parse, help and exit alike. This file only parses
//! the command line, hands each subcommand to its module in `command` and
//! prints the error, if any.

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

use std::ffi::OsString;
use std::io::Write;
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

/// Runs the command on `args` (the program name first, as in
/// [`std::env::args_os`]) and returns its exit status: 0 on success, 2 for
/// a usage error (clap's, or a bad `--labels`), 1 for any other failure.
/// `--help` and `--version` print and return 0. Messages go to stdout and
/// stderr, flushed before returning, so that a host process that carries
/// on (the Python console script) loses none of them.
///
/// # Examples
///
/// ```
/// assert_eq!(tbconfusion_cli::run(["tbconfusion", "--version"]), 0);
/// assert_eq!(tbconfusion_cli::run(["tbconfusion", "no-such-subcommand"]), 2);
/// ```
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let code = match Cli::try_parse_from(args) {
        // `--help`, `--version` and usage errors: clap prints them to the
        // right stream and knows their status (0 or 2).
        Err(error) => {
            // Printing fails only when the stream is closed: nothing to tell.
            let _ = error.print();
            u8::try_from(error.exit_code()).unwrap_or(2)
        }
        Ok(cli) => {
            let result = match cli.command {
                Command::Convert(args) => convert::run(*args),
                Command::Compare(args) => compare::run(*args),
                Command::Export(args) => export::run(args),
                Command::Inspect(args) => inspect::run(&args),
                Command::Render(args) => render::run(*args),
            };
            match result {
                // The subcommands return only these two.
                Ok(code) if code == ExitCode::SUCCESS => 0,
                Ok(_) => 1,
                Err(error) => {
                    eprintln!("error: {error}");
                    error.exit_code()
                }
            }
        }
    };
    // Rust flushes stdout at the exit of its own `main`, not when a
    // library call returns into a host process.
    let _ = std::io::stdout().flush();
    code
}
