//! Finding the objects of a JSON dump in its bytes: one per line in JSON
//! Lines, one per element of a top-level list in a JSON file. Each object
//! is parsed on its own and handed to [`super::keys`], so memory holds one
//! object at a time, however long the file.

use std::collections::VecDeque;
use std::io::BufRead;

use serde_json::Value;

use super::keys::{KeyPlan, records_from_value};
use crate::dump::{Columns, Record};
use crate::error::{DumpError, Location, Position};

/// Streams the records of a JSON Lines file.
pub struct JsonLinesRecords {
    file: std::sync::Arc<str>,
    input: Box<dyn BufRead>,
    columns: Columns,
    line: u64,
    buffer: String,
    pending: VecDeque<Result<Record, DumpError>>,
    done: bool,
    plan: Option<KeyPlan>,
}

impl JsonLinesRecords {
    /// Reads `input` lazily.
    pub fn new(file: String, input: Box<dyn BufRead>, columns: Columns) -> Self {
        JsonLinesRecords {
            file: file.as_str().into(),
            input,
            columns,
            line: 0,
            buffer: String::new(),
            pending: VecDeque::new(),
            done: false,
            plan: None,
        }
    }
}

impl Iterator for JsonLinesRecords {
    type Item = Result<Record, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            self.buffer.clear();
            match self.input.read_line(&mut self.buffer) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    let records = line_records(
                        &self.file,
                        self.line,
                        &self.buffer,
                        &self.columns,
                        &mut self.plan,
                    );
                    push_all(&mut self.pending, records);
                }
                Err(error) => {
                    self.done = true;
                    let error = if error.kind() == std::io::ErrorKind::InvalidData {
                        DumpError::malformed(
                            Location::at(&self.file, Position::Line(self.line + 1)),
                            "not valid UTF-8 text",
                        )
                    } else {
                        DumpError::io(&self.file, error)
                    };
                    return Some(Err(error));
                }
            }
        }
    }
}

/// The records of one JSON Lines line, numbered `line`, or its error; none
/// for a blank line. A byte order mark is ignored.
pub(super) fn line_records(
    file: &std::sync::Arc<str>,
    line: u64,
    text: &str,
    columns: &Columns,
    plan: &mut Option<KeyPlan>,
) -> Result<Vec<Record>, DumpError> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let here = Location::at_shared(file, Position::Line(line));
    match serde_json::from_str::<Value>(text) {
        Ok(value) => records_from_value(&value, columns, &here, plan),
        Err(error) => Err(DumpError::malformed(
            here,
            format!("invalid JSON at character {}: {error}", error.column()),
        )),
    }
}

/// Streams the records of a JSON file holding one list of objects.
pub struct JsonListRecords {
    file: String,
    scanner: ListScanner,
    columns: Columns,
    pending: VecDeque<Result<Record, DumpError>>,
    plan: Option<KeyPlan>,
}

impl JsonListRecords {
    /// Reads `input` lazily.
    pub fn new(file: String, input: Box<dyn BufRead>, columns: Columns) -> Self {
        JsonListRecords {
            file,
            scanner: ListScanner::new(input),
            columns,
            pending: VecDeque::new(),
            plan: None,
        }
    }
}

impl Iterator for JsonListRecords {
    type Item = Result<Record, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            match self.scanner.next_element(&self.file) {
                Ok(None) => return None,
                Ok(Some((line, bytes))) => {
                    let here = Location::at(&self.file, Position::Line(line));
                    match serde_json::from_slice::<Value>(&bytes) {
                        Ok(value) => {
                            let records =
                                records_from_value(&value, &self.columns, &here, &mut self.plan);
                            push_all(&mut self.pending, records);
                        }
                        Err(error) => {
                            let line = line + error.line().saturating_sub(1) as u64;
                            self.scanner.failed = true;
                            return Some(Err(DumpError::malformed(
                                Location::at(&self.file, Position::Line(line)),
                                format!("invalid JSON: {error}"),
                            )));
                        }
                    }
                }
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

/// Queues one object's records, or its error, to be handed out in order.
fn push_all(
    pending: &mut VecDeque<Result<Record, DumpError>>,
    records: Result<Vec<Record>, DumpError>,
) {
    match records {
        Ok(records) => pending.extend(records.into_iter().map(Ok)),
        Err(error) => pending.push_back(Err(error)),
    }
}

/// Splits a top-level JSON array into the bytes of its elements, tracking
/// strings and nesting so commas inside elements are not split on.
struct ListScanner {
    input: Box<dyn BufRead>,
    line: u64,
    started: bool,
    finished: bool,
    /// After a syntax error the rest cannot be trusted.
    failed: bool,
}

impl ListScanner {
    fn new(input: Box<dyn BufRead>) -> Self {
        ListScanner {
            input,
            line: 1,
            started: false,
            finished: false,
            failed: false,
        }
    }

    /// The next byte, or `None` at the end.
    fn byte(&mut self, file: &str) -> Result<Option<u8>, DumpError> {
        let buffer = self.input.fill_buf().map_err(|e| DumpError::io(file, e))?;
        let Some(&byte) = buffer.first() else {
            return Ok(None);
        };
        self.input.consume(1);
        if byte == b'\n' {
            self.line += 1;
        }
        Ok(Some(byte))
    }

    fn next_significant(&mut self, file: &str) -> Result<Option<u8>, DumpError> {
        loop {
            match self.byte(file)? {
                Some(b) if b.is_ascii_whitespace() => continue,
                other => return Ok(other),
            }
        }
    }

    fn error(&mut self, file: &str, message: impl Into<String>) -> DumpError {
        self.failed = true;
        DumpError::malformed(Location::at(file, Position::Line(self.line)), message)
    }

    /// The line where the next element starts and its bytes; `None` after `]`.
    fn next_element(&mut self, file: &str) -> Result<Option<(u64, Vec<u8>)>, DumpError> {
        if self.finished || self.failed {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            let mut first = self.next_significant(file)?;
            if first == Some(0xef) {
                // UTF-8 byte-order mark: skip its two remaining bytes.
                self.byte(file)?;
                self.byte(file)?;
                first = self.next_significant(file)?;
            }
            if first != Some(b'[') {
                return Err(self.error(file, "expected a JSON list `[ {...}, ... ]`"));
            }
            match self.next_significant(file)? {
                Some(b']') => return self.finish(file),
                Some(byte) => return self.element(file, byte),
                None => return Err(self.error(file, "the list is not closed with `]`")),
            }
        }
        match self.next_significant(file)? {
            Some(byte) => self.element(file, byte),
            None => Err(self.error(file, "the list is not closed with `]`")),
        }
    }

    /// Collects one element starting with `first`, up to the `,` or `]` after it.
    fn element(&mut self, file: &str, first: u8) -> Result<Option<(u64, Vec<u8>)>, DumpError> {
        if first == b',' || first == b']' {
            return Err(self.error(
                file,
                format!("expected a list element, found `{}`", first as char),
            ));
        }
        let start = self.line;
        let mut bytes = Vec::new();
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        let mut next = Some(first);
        while let Some(byte) = next {
            if in_string {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                }
            } else {
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b']' => {
                        self.finish(file)?;
                        return Ok(Some((start, bytes)));
                    }
                    b',' if depth == 0 => {
                        // Later elements start after whitespace; skip it so
                        // the element's line is where its text begins.
                        return Ok(Some((start, bytes)));
                    }
                    _ => {}
                }
            }
            bytes.push(byte);
            next = self.byte(file)?;
        }
        Err(self.error(file, "the list is not closed with `]`"))
    }

    /// After the closing `]`: only whitespace may follow.
    fn finish(&mut self, file: &str) -> Result<Option<(u64, Vec<u8>)>, DumpError> {
        self.finished = true;
        match self.next_significant(file)? {
            None => Ok(None),
            Some(byte) => Err(self.error(
                file,
                format!(
                    "unexpected `{}` after the closing `]` of the list",
                    byte as char
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_input::{first_error, lines, list};
    use crate::dump::{ClassValue, Columns, Prediction, Record};
    use crate::error::Position;

    #[test]
    fn jsonl_one_prediction_per_line() {
        let text = "{\"step\": 2, \"y_true\": 1, \"y_pred\": \"cat\", \"weight\": 0.5, \"wall_time\": 10}\n\n\
                    {\"label\": true, \"probs\": [0.2, 0.8]}\n";
        let rows: Vec<Record> = lines(text, Columns::default())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].step, Some(2));
        assert_eq!(rows[0].truth, ClassValue::Int(1));
        assert_eq!(
            rows[0].prediction,
            Prediction::Class(ClassValue::Name("cat".into()))
        );
        assert_eq!((rows[0].weight, rows[0].wall_time), (Some(0.5), Some(10.0)));
        assert_eq!(rows[1].truth, ClassValue::Int(1));
        assert_eq!(rows[1].prediction, Prediction::Scores(vec![0.2, 0.8]));
        assert_eq!(rows[1].location.position, Position::Line(3));
    }

    #[test]
    fn jsonl_syntax_errors_name_line_and_character() {
        let msg = first_error(lines(
            "{\"y_true\": 1, \"y_pred\": 2,}\n",
            Columns::default(),
        ));
        assert!(
            msg.starts_with("p.jsonl, line 1: invalid JSON at character"),
            "{msg}"
        );
    }

    #[test]
    fn json_list_of_records_as_dvclive_writes() {
        let text = "[\n  {\"actual\": \"cat\", \"predicted\": \"dog\"},\n  {\"actual\": \"a,]\\\"b\", \"predicted\": \"cat\"}\n]\n";
        let rows: Vec<Record> = list(text).into_iter().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].truth, ClassValue::Name("cat".into()));
        assert_eq!(rows[1].truth, ClassValue::Name("a,]\"b".into()));
        assert_eq!(rows[1].location.position, Position::Line(3));
        assert!(list("[]").is_empty());
        assert!(list(" [ ] \n").is_empty());
    }

    #[test]
    fn json_list_errors() {
        let msg = first_error(list(
            "[{\"actual\": 1, \"predicted\": 1},\n {\"actual\": 1 \"predicted\": 1}]",
        ));
        assert!(msg.starts_with("p.json, line 2: invalid JSON"), "{msg}");
        let msg = first_error(list("[{\"actual\": 1, \"predicted\": 1}"));
        assert_eq!(msg, "p.json, line 1: the list is not closed with `]`");
        let msg = first_error(list("[{\"actual\": 1, \"predicted\": 1}] x"));
        assert!(
            msg.contains("unexpected `x` after the closing `]`"),
            "{msg}"
        );
        let msg = first_error(list("[{\"actual\": 1, \"predicted\": 1},]"));
        assert!(msg.contains("expected a list element, found `]`"), "{msg}");
        let msg = first_error(list("{\"actual\": 1}"));
        assert!(msg.contains("expected a JSON list"), "{msg}");
        let msg = first_error(list("[{\"actual\": 1, \"predicted\": 2}, 7]"));
        assert!(msg.contains("found a number"), "{msg}");
    }
}
