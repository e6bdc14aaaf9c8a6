//! The `tbconfusion` binary: all of it is [`tbconfusion_cli::run`], which
//! the Python wheel's console script calls too.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(tbconfusion_cli::run(std::env::args_os()))
}
