//! `tbconfusion` for Python: the extension module `tbconfusion._native`
//! behind the `tbconfusion` package of the wheel.
//!
//! - `writer::SummaryWriter`: `tbconfusion.SummaryWriter`, logging
//!   confusion matrices from numpy arrays, lists or torch CPU tensors.
//! - `run_cli`: the whole `tbconfusion` command
//!   ([`tbconfusion_cli::run`], the same function the Rust binary calls),
//!   behind the wheel's `tbconfusion` console script.
//!
//! The wheel is built with maturin from `python/pyproject.toml`; see the
//! README's "From Python" section.

mod arrays;
mod errors;
mod options;
mod writer;

use std::ffi::OsString;

use pyo3::prelude::*;

/// Runs the `tbconfusion` command on `argv` (program name first) and
/// returns its exit status, with the GIL released.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| tbconfusion_cli::run(argv))
}

/// The extension module.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<writer::SummaryWriter>()?;
    module.add_function(wrap_pyfunction!(run_cli, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
