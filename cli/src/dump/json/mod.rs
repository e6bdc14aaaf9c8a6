//! JSON dumps: JSON Lines (one object per line) and a JSON list of objects
//! (dvclive's `[{"actual": …, "predicted": …}, …]`).
//!
//! An object holds either one prediction (`{"y_true": 1, "y_pred": 2}`, or
//! `"probs": [..]` instead of `y_pred`) or a whole step as arrays
//! (`{"step": 3, "y_true": [..], "y_pred": [..]}`). Reading is two jobs:
//! [`scan`] finds where each object starts and ends in the bytes, so only
//! one is in memory at a time however long the file; [`keys`] decides
//! which key means what and turns one object into records.

mod keys;
mod lines_parallel;
mod scan;

pub use lines_parallel::json_lines_records;
pub use scan::JsonListRecords;

/// Test inputs for both halves: JSON Lines and JSON list text, read with
/// the default columns unless given.
#[cfg(test)]
mod test_input {
    use std::io::{BufRead, Cursor};

    use super::JsonListRecords;
    use super::scan::JsonLinesRecords;
    use crate::dump::{Columns, Record};
    use crate::error::DumpError;

    fn input(text: &str) -> Box<dyn BufRead> {
        Box::new(Cursor::new(text.as_bytes().to_vec()))
    }

    pub fn lines(text: &str, columns: Columns) -> Vec<Result<Record, DumpError>> {
        JsonLinesRecords::new("p.jsonl".into(), input(text), columns).collect()
    }

    pub fn list(text: &str) -> Vec<Result<Record, DumpError>> {
        JsonListRecords::new("p.json".into(), input(text), Columns::default()).collect()
    }

    pub fn first_error(items: Vec<Result<Record, DumpError>>) -> String {
        crate::dump::first_error(Ok(items))
    }
}
