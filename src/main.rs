//! The `tbconfusion` command: see `tbconfusion --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
