//! The library's typed errors as Python exceptions, chosen by variant (never
//! by message): bad input is `ValueError`, the disk `OSError` (with the
//! `errno`, so Python picks `PermissionError`, `FileNotFoundError`, …), a
//! count past `u64::MAX` `OverflowError`. The message is always the Rust
//! error's own.

use std::io;

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyOverflowError, PyRuntimeError, PyValueError};
use tbconfusion::confusion::RenderError;
use tbconfusion::event::JobPanicked;
use tbconfusion::{ConfusionError, WriteError};

/// A [`ConfusionError`] (bad labels, shapes, weights, class names) as a
/// Python exception.
pub fn confusion_error(error: ConfusionError) -> PyErr {
    match error {
        ConfusionError::Overflow => PyOverflowError::new_err(error.to_string()),
        // Every other variant is input the caller can fix.
        _ => PyValueError::new_err(error.to_string()),
    }
}

/// A [`WriteError`] as a Python exception.
pub fn write_error(error: WriteError) -> PyErr {
    match &error {
        WriteError::CreateDir { source, .. } | WriteError::Io { source, .. } => {
            os_error(source, error.to_string())
        }
        WriteError::Job { source, .. } => {
            if source.downcast_ref::<JobPanicked>().is_some() {
                PyRuntimeError::new_err(error.to_string())
            } else if source.downcast_ref::<RenderError>().is_some() {
                // Too many classes for the size cap, or a cap out of range.
                PyValueError::new_err(error.to_string())
            } else {
                PyRuntimeError::new_err(error.to_string())
            }
        }
        // A step that does not increase, an empty tag, a step past i64,
        // a closed writer: all the caller's to fix, as Python's own
        // "I/O operation on closed file" is a ValueError.
        WriteError::StepNotIncreasing { .. }
        | WriteError::EmptyTag
        | WriteError::StepOutOfRange(_)
        | WriteError::Closed => PyValueError::new_err(error.to_string()),
        _ => PyRuntimeError::new_err(error.to_string()),
    }
}

/// `OSError(errno, message)` when the OS gave a code: Python then raises
/// the matching subclass (`PermissionError` for EACCES, …) with `errno` set.
fn os_error(source: &io::Error, message: String) -> PyErr {
    match source.raw_os_error() {
        Some(code) => PyOSError::new_err((code, message)),
        None => PyOSError::new_err(message),
    }
}
