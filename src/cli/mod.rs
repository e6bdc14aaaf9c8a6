//! The `tbconfusion` command line: turns prediction dumps into TensorBoard
//! event files, and inspects, exports and renders what was written.

pub mod accumulate;
pub mod convert;
pub mod dump;
pub mod error;
pub mod input;
pub mod labels;

use std::process::ExitCode;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
