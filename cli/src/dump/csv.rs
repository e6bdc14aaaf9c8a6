//! CSV/TSV dumps with a header row. The delimiter is the most frequent of
//! `,` tab `;` `|` in the header line; columns are found by name (see
//! [`Columns`]). Predictions are a label column or per-class score columns
//! (`prob_0`, `prob_1`, … or `--prob-cols`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufRead, Cursor, Read};
use std::rc::Rc;

use super::plan::{ColumnPlan, PredictionColumns};
use super::{
    Columns, Prediction, Record, TIME_EXPECTED, WEIGHT_EXPECTED, parse_class, parse_count,
    parse_non_negative, parse_score, parse_step,
};
use crate::error::{DumpError, Location, Position};

/// Streams the records of a delimited text file.
pub struct CsvRecords {
    file: String,
    /// The same name, shared by the location of every record.
    shared_file: std::sync::Arc<str>,
    reader: csv::Reader<LineCounting>,
    lines: Rc<RefCell<LineTracker>>,
    headers: Vec<String>,
    plan: ColumnPlan,
    row: csv::StringRecord,
    done: bool,
}

impl CsvRecords {
    /// Reads the header and locates the columns.
    #[cfg(test)]
    pub fn new(
        file: String,
        mut input: Box<dyn BufRead>,
        columns: &Columns,
    ) -> Result<Self, DumpError> {
        let header_line = read_header_line(&file, &mut input)?;
        CsvRecords::resume(file, header_line, input, columns, 2)
    }

    /// Reads the rows of `body`, which starts at line `first_line` of the
    /// file and has the columns of `header_line` (the parallel reader hands
    /// over its chunks this way, line numbers unchanged).
    pub fn resume(
        file: String,
        header_line: Vec<u8>,
        body: Box<dyn BufRead>,
        columns: &Columns,
        first_line: u64,
    ) -> Result<Self, DumpError> {
        let delimiter = sniff_delimiter(&header_line);
        let rejoined: Box<dyn Read> = Box::new(Cursor::new(header_line).chain(body));
        // The header counts as one line before the body, wherever it ends.
        let lines = Rc::new(RefCell::new(LineTracker {
            lines_before: first_line.saturating_sub(2),
            ..LineTracker::default()
        }));
        let counting = LineCounting {
            inner: rejoined,
            tracker: Rc::clone(&lines),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(counting);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(&file, &lines, e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let plan = ColumnPlan::find(&file, &headers, columns, false)?;
        Ok(CsvRecords {
            shared_file: file.as_str().into(),
            file,
            reader,
            lines,
            headers,
            plan,
            row: csv::StringRecord::new(),
            done: false,
        })
    }

    fn parse_row(&self, line: u64) -> Result<Record, DumpError> {
        let row = &self.row;
        let here = Location::at_shared(&self.shared_file, Position::Line(line));
        let cell = |index: usize| row.get(index).unwrap_or("");
        let at = |index: usize| here.clone().column(&self.headers[index]);
        let truth = parse_class(cell(self.plan.truth), || at(self.plan.truth))?;
        let prediction = match &self.plan.prediction {
            PredictionColumns::Label(index) => {
                Prediction::Class(parse_class(cell(*index), || at(*index))?)
            }
            PredictionColumns::Scores(indices) => Prediction::Scores(
                indices
                    .iter()
                    .map(|&index| parse_score(cell(index), || at(index)))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let optional = &self.plan.optional;
        let step = optional
            .step
            .map(|i| parse_step(cell(i), || at(i)))
            .transpose()?;
        let weight = optional
            .weight
            .map(|i| parse_non_negative(cell(i), || at(i), WEIGHT_EXPECTED))
            .transpose()?;
        let wall_time = optional
            .time
            .map(|i| parse_non_negative(cell(i), || at(i), TIME_EXPECTED))
            .transpose()?;
        let count = match optional.count {
            Some(i) => parse_count(cell(i), || at(i))?,
            None => 1,
        };
        Ok(Record {
            step,
            truth,
            prediction,
            weight,
            wall_time,
            count,
            location: here,
        })
    }
}

impl Iterator for CsvRecords {
    type Item = Result<Record, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.reader.read_record(&mut self.row) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let byte = self.row.position().map_or(0, csv::Position::byte);
                    let line = self.lines.borrow_mut().line_at(byte);
                    // Blank lines are skipped by the csv crate; a lone empty
                    // field is a trailing empty line in a one-column file.
                    if self.row.len() == 1
                        && self.row[0].trim().is_empty()
                        && self.headers.len() > 1
                    {
                        continue;
                    }
                    return Some(self.parse_row(line));
                }
                Err(error) => {
                    // A broken row does not stop the reader: `--skip-bad-rows`
                    // goes on with the next one. Only I/O errors end it.
                    if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                        self.done = true;
                    }
                    return Some(Err(csv_error(&self.file, &self.lines, error)));
                }
            }
        }
        None
    }
}

/// Reads the header line (with its line break); an empty file is an error.
pub fn read_header_line(file: &str, input: &mut dyn BufRead) -> Result<Vec<u8>, DumpError> {
    let mut header_line = Vec::new();
    input
        .read_until(b'\n', &mut header_line)
        .map_err(|e| DumpError::io(file, e))?;
    if header_line.iter().all(u8::is_ascii_whitespace) {
        return Err(DumpError::malformed(
            Location::at(file, Position::Line(1)),
            "the file is empty; expected a header line such as y_true,y_pred",
        ));
    }
    Ok(header_line)
}

/// The header's column names, as the csv crate splits them (quotes and all).
pub fn header_names(file: &str, header_line: &[u8]) -> Result<Vec<String>, DumpError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(header_line))
        .has_headers(false)
        .from_reader(header_line);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(_) => Ok(record.iter().map(|h| h.trim().to_string()).collect()),
        Err(_) => Err(DumpError::malformed(
            Location::at(file, Position::Line(1)),
            "the header line is not valid UTF-8 text",
        )),
    }
}

/// The most frequent candidate delimiter in the header line (comma if none).
pub fn sniff_delimiter(header_line: &[u8]) -> u8 {
    let mut best = (0, b',');
    for candidate in [b',', b'\t', b';', b'|'] {
        let count = header_line.iter().filter(|&&b| b == candidate).count();
        if count > best.0 {
            best = (count, candidate);
        }
    }
    best.1
}

fn csv_error(file: &str, lines: &RefCell<LineTracker>, error: csv::Error) -> DumpError {
    let byte = error.position().map(csv::Position::byte);
    let location = |byte: Option<u64>| match byte {
        Some(byte) => Location::at(file, Position::Line(lines.borrow_mut().line_at(byte))),
        None => Location::file(file),
    };
    match error.into_kind() {
        csv::ErrorKind::Io(source) => DumpError::io(file, source),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => DumpError::malformed(
            location(pos.map(|p| p.byte()).or(byte)),
            format!(
                "found {len} field{}, expected {expected_len} as in the header",
                if len == 1 { "" } else { "s" }
            ),
        ),
        csv::ErrorKind::Utf8 { pos, err } => DumpError::malformed(
            location(pos.map(|p| p.byte()).or(byte)),
            format!("field {} is not valid UTF-8", err.field() + 1),
        ),
        other => DumpError::malformed(location(byte), format!("{other:?}")),
    }
}

/// Line numbers for byte offsets. The `csv` crate's own line numbers are
/// off after blank lines and with CRLF endings, and its byte offsets point
/// at the line break before a record; so the line breaks read so far are
/// remembered (only those not yet behind the current record) and the
/// record's line is counted from where its text starts.
#[derive(Debug, Default)]
struct LineTracker {
    /// `\n` bytes already dropped from `breaks`.
    lines_before: u64,
    /// Offsets and bytes of the `\r` and `\n` read but not yet passed.
    breaks: VecDeque<(u64, u8)>,
    /// Bytes read so far.
    offset: u64,
}

impl LineTracker {
    /// The 1-based line of the first non-line-break byte at or after
    /// `byte`. Offsets must not decrease between calls.
    fn line_at(&mut self, byte: u64) -> u64 {
        while let Some(&(offset, b)) = self.breaks.front() {
            if offset >= byte {
                break;
            }
            self.lines_before += u64::from(b == b'\n');
            self.breaks.pop_front();
        }
        // Skip the line breaks the record's offset points at.
        let skipped = (byte..)
            .zip(&self.breaks)
            .take_while(|(expected, (offset, _))| offset == expected)
            .filter(|(_, (_, b))| *b == b'\n')
            .count();
        self.lines_before + 1 + skipped as u64
    }
}

/// A reader that tells a [`LineTracker`] where the line breaks are.
struct LineCounting {
    inner: Box<dyn Read>,
    tracker: Rc<RefCell<LineTracker>>,
}

impl Read for LineCounting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut tracker = self.tracker.borrow_mut();
        let start = tracker.offset;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                tracker.breaks.push_back((start + i as u64, b));
            }
        }
        tracker.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dump::ClassValue;

    fn read(text: &str, columns: &Columns) -> Result<Vec<Result<Record, DumpError>>, DumpError> {
        let input: Box<dyn BufRead> = Box::new(Cursor::new(text.as_bytes().to_vec()));
        Ok(CsvRecords::new("p.csv".to_string(), input, columns)?.collect())
    }

    fn ok(text: &str) -> Vec<Record> {
        read(text, &Columns::default())
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    fn err(text: &str, columns: &Columns) -> String {
        super::super::first_error(read(text, columns))
    }

    #[test]
    fn reads_steps_labels_and_weights() {
        let rows = ok("step,y_true,y_pred,weight\n3,1,2,0.5\n1,0,0,1\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].step, Some(3));
        assert_eq!(rows[0].truth, ClassValue::Int(1));
        assert_eq!(rows[0].prediction, Prediction::Class(ClassValue::Int(2)));
        assert_eq!(rows[0].weight, Some(0.5));
        assert_eq!(rows[0].location, Location::at("p.csv", Position::Line(2)));
        assert_eq!(rows[1].location.position, Position::Line(3));
    }

    #[test]
    fn counts_tables_give_each_row_its_count() {
        let rows = ok("step,y_true,y_pred,count\n1,cat,dog,40\n1,dog,dog,7.0\n2,cat,cat,0\n");
        assert_eq!(rows.iter().map(|r| r.count).collect::<Vec<_>>(), [40, 7, 0]);
        // What `tbconfusion export` writes reads back as a counts table.
        let exported = "run,tag,step,wall_time,true_index,true_class,pred_index,pred_class,count\n\
                        val,cm,3,1700000000.5,0,cat,1,dog,12\n";
        let rows = ok(exported);
        assert_eq!(rows[0].truth, ClassValue::Name("cat".into()));
        assert_eq!(
            rows[0].prediction,
            Prediction::Class(ClassValue::Name("dog".into()))
        );
        assert_eq!((rows[0].step, rows[0].count), (Some(3), 12));
        assert_eq!(rows[0].wall_time, Some(1_700_000_000.5));
        // Without a count column every row is one prediction.
        assert_eq!(ok("y_true,y_pred\n1,1\n")[0].count, 1);
    }

    #[test]
    fn bad_counts_name_file_line_column_and_range() {
        for bad in ["-1", "2.5", "many", "9223372036854775808", "1e300"] {
            let msg = err(
                &format!("y_true,y_pred,n\n1,1,3\n1,2,{bad}\n"),
                &Columns::default(),
            );
            assert_eq!(
                msg,
                format!(
                    "p.csv, line 3, column \"n\": \"{bad}\" is not a count: a whole number \
                     from 0 to 9223372036854775807 (2^63 - 1)"
                )
            );
        }
        let chosen = Columns {
            count: Some("hits".into()),
            ..Columns::default()
        };
        let msg = err("y_true,y_pred,count\n1,1,3\n", &chosen);
        assert!(msg.contains("--count-col"), "{msg}");
    }

    #[test]
    fn sniffs_tab_semicolon_and_pipe_and_accepts_aliases() {
        for (sep, text) in [("\t", "\t"), (";", ";"), ("|", "|")] {
            let csv = format!("label{sep}prediction{sep}wall_time\ncat{text}dog{text}1700000000\n");
            let rows = ok(&csv);
            assert_eq!(rows[0].truth, ClassValue::Name("cat".into()));
            assert_eq!(
                rows[0].prediction,
                Prediction::Class(ClassValue::Name("dog".into()))
            );
            assert_eq!(rows[0].wall_time, Some(1.7e9));
            assert_eq!(rows[0].step, None);
        }
        let rows = ok("Target,Predicted\n1,1\n");
        assert_eq!(rows[0].truth, ClassValue::Int(1));
    }

    #[test]
    fn probability_columns_are_found_by_prefix() {
        let rows = ok("actual,prob_0,prob_1,prob_2\n2,0.1,0.2,0.7\n");
        assert_eq!(rows[0].prediction, Prediction::Scores(vec![0.1, 0.2, 0.7]));
        let rows = ok("y_true,logit0,logit1\n0,3,-1\n");
        assert_eq!(rows[0].prediction.class(), Some(ClassValue::Int(0)));
    }

    #[test]
    fn chosen_columns_win() {
        let columns = Columns {
            truth: Some("gold".into()),
            prediction: Some("sys".into()),
            step: Some("it".into()),
            weight: Some("w".into()),
            time: Some("t".into()),
            count: None,
            scores: None,
        };
        let csv = "it,gold,sys,w,t,y_true\n4,a,b,2,10,9\n";
        let rows = read(csv, &columns).unwrap();
        let row = rows[0].as_ref().unwrap();
        assert_eq!(
            (row.step, row.weight, row.wall_time),
            (Some(4), Some(2.0), Some(10.0))
        );
        assert_eq!(row.truth, ClassValue::Name("a".into()));
        let scores = Columns {
            scores: Some(vec!["s*".into()]),
            ..Columns::default()
        };
        let rows = read("y_true,s0,s1\n1,0.2,0.8\n", &scores).unwrap();
        assert_eq!(
            rows[0].as_ref().unwrap().prediction,
            Prediction::Scores(vec![0.2, 0.8])
        );
        let scores = Columns {
            scores: Some(vec!["b".into(), "a".into()]),
            ..Columns::default()
        };
        let rows = read("y_true,a,b\n1,0.2,0.8\n", &scores).unwrap();
        assert_eq!(
            rows[0].as_ref().unwrap().prediction,
            Prediction::Scores(vec![0.8, 0.2])
        );
    }

    #[test]
    fn missing_columns_list_what_exists_and_the_flag() {
        let msg = err("index\tprediction\n0\tcat\n", &Columns::default());
        assert_eq!(
            msg,
            "p.csv: no true-label column: looked for y_true, true, label, labels, target, actual, \
             true_class, found \"index\", \"prediction\"; name it with --true-col"
        );
        let msg = err("y_true,z\n1,2\n", &Columns::default());
        assert!(
            msg.contains("no prediction column") && msg.contains("--pred-col"),
            "{msg}"
        );
        let chosen = Columns {
            step: Some("epoch_nr".into()),
            ..Columns::default()
        };
        let msg = err("y_true,y_pred\n1,2\n", &chosen);
        assert!(msg.contains("\"epoch_nr\" (from --step-col)"), "{msg}");
        let scores = Columns {
            scores: Some(vec!["q*".into()]),
            ..Columns::default()
        };
        assert!(err("y_true,p0\n1,2\n", &scores).contains("\"q0\" (from --prob-cols)"));
        assert!(err("", &Columns::default()).contains("the file is empty"));
    }

    #[test]
    fn bad_cells_name_line_column_value_and_expectation() {
        let msg = err("y_true,y_pred,weight\n1,2,1\n1,2,-3\n", &Columns::default());
        assert_eq!(
            msg,
            "p.csv, line 3, column \"weight\": \"-3\" is not a weight: a finite, non-negative number"
        );
        let msg = err("y_true,y_pred\n1,0.5\n", &Columns::default());
        assert!(
            msg.starts_with("p.csv, line 2, column \"y_pred\": \"0.5\" is not a class"),
            "{msg}"
        );
        let msg = err("step,y_true,y_pred\nlast,1,1\n", &Columns::default());
        assert!(
            msg.contains("column \"step\": \"last\" is not a step"),
            "{msg}"
        );
        let msg = err("y_true,prob_0,prob_1\n1,0.5,nan\n", &Columns::default());
        assert!(
            msg.contains("column \"prob_1\": \"nan\" is not a score"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_field_counts_are_reported_and_reading_continues() {
        let rows = read("y_true,y_pred\n1,1\n1,2,3\n0,0\n", &Columns::default()).unwrap();
        assert_eq!(rows.len(), 3);
        let msg = rows[1].as_ref().unwrap_err().to_string();
        assert_eq!(
            msg,
            "p.csv, line 3: found 3 fields, expected 2 as in the header"
        );
        assert_eq!(rows[2].as_ref().unwrap().truth, ClassValue::Int(0));
    }

    #[test]
    fn quoted_fields_blank_lines_and_crlf_are_handled() {
        let rows = ok("y_true,y_pred\r\n\"a, b\",c\r\n\r\n0,1\r\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].truth, ClassValue::Name("a, b".into()));
        assert_eq!(rows[0].location.position, Position::Line(2));
        assert_eq!(rows[1].location.position, Position::Line(4));
        let rows = ok("y_true,y_pred\n\"multi\nline\",c\n\n\n0,1\n1,1");
        let lines: Vec<_> = rows.iter().map(|r| r.location.position.clone()).collect();
        assert_eq!(
            lines,
            [Position::Line(2), Position::Line(6), Position::Line(7)]
        );
        let msg = err("y_true,y_pred\r\n\r\n1,1\r\n1\r\n", &Columns::default());
        assert!(
            msg.starts_with("p.csv, line 4: found 1 field, expected 2"),
            "{msg}"
        );
    }

    #[test]
    fn delimiter_sniffing_counts_candidates() {
        assert_eq!(sniff_delimiter(b"a\tb\tc,d\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a;b\n"), b';');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
    }
}
