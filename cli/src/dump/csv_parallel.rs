//! CSV at the speed of the disk: the common all-integer layout
//! (`step,y_true,y_pred`, optionally a count column and columns that are not
//! read) is cut into chunks at line boundaries and counted on every core.
//!
//! The reading thread only reads (or inflates gzip) and cuts; worker threads
//! parse a chunk each and count it into one cell per (step, true, predicted)
//! with the line where the cell first occurs. Chunks come back in file
//! order, and their cells are yielded as counted records, so what the
//! accumulator sees is what the row-by-row reader would have given, and its
//! errors point at the same line.
//!
//! Anything unusual in a chunk (quotes, a non-integer or out-of-range cell,
//! a wrong field count, non-ASCII bytes, a lone carriage return) sends that
//! chunk to the row-by-row reader ([`CsvRecords`]), which gives the exact
//! record or error; a quote may open a field that spans lines, so from the
//! first quote on the rest of the file is read row by row. Memory is a few
//! chunks plus the cells, which grow with classes and steps only.

use std::collections::VecDeque;
use std::io::{BufRead, Cursor, Read};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;

use super::chunk_count::{
    AHEAD_PER_WORKER, CHUNK_BYTES, ChunkCounter, CountedCell, Row, cut_after_last_line, digits,
    fill, spawn_workers,
};
use super::csv::{CsvRecords, header_names, sniff_delimiter};
use super::plan::{ColumnPlan, PredictionColumns};
use super::{ClassValue, Columns, Prediction, Record};
use crate::error::DumpError;

/// What a field of a plain row holds for the fast path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Truth,
    Prediction,
    Step,
    Count,
    /// A column that is not read.
    Other,
}

/// What the fast path reads from each row: each field's role, and the
/// bound every class index must be below.
#[derive(Clone, Debug)]
struct Layout {
    delimiter: u8,
    /// One per field of a row.
    roles: Box<[Role]>,
    class_limit: u32,
}

impl Layout {
    /// The fast layout for `plan`, if it is one: labels (not scores), no
    /// weight or wall time.
    fn of(plan: &ColumnPlan, fields: usize, delimiter: u8, class_limit: u32) -> Option<Layout> {
        let PredictionColumns::Label(prediction) = plan.prediction else {
            return None;
        };
        if plan.optional.weight.is_some() || plan.optional.time.is_some() || fields < 2 {
            return None;
        }
        let mut roles = vec![Role::Other; fields];
        roles[plan.truth] = Role::Truth;
        roles[prediction] = Role::Prediction;
        if let Some(step) = plan.optional.step {
            roles[step] = Role::Step;
        }
        if let Some(count) = plan.optional.count {
            roles[count] = Role::Count;
        }
        Some(Layout {
            delimiter,
            roles: roles.into(),
            class_limit,
        })
    }
}

/// What a worker made of a chunk.
enum Counted {
    /// Every row was plain: its cells, by first occurrence.
    Cells(Vec<CountedCell>),
    /// Some row needs the row-by-row reader.
    RowByRow,
}

struct Done {
    chunk: Vec<u8>,
    lines: u64,
    counted: Counted,
}

struct Job {
    chunk: Vec<u8>,
    reply: SyncSender<Done>,
}

/// Streams the records of a CSV file, counting on every core when its layout
/// allows (see the module documentation).
pub struct ParallelCsv {
    file: String,
    shared_file: Arc<str>,
    columns: Columns,
    header_line: Vec<u8>,
    /// The rest of the input, until it is read to its end or handed to the
    /// row-by-row reader.
    input: Option<Box<dyn BufRead>>,
    /// Bytes read after the last complete line, carried to the next chunk.
    carry: Vec<u8>,
    chunk_bytes: usize,
    jobs: Option<Sender<Job>>,
    in_flight: VecDeque<Receiver<Done>>,
    ahead: usize,
    spare: Vec<Vec<u8>>,
    /// File line of the first line of the next chunk to be yielded.
    next_line: u64,
    cells: std::vec::IntoIter<CountedCell>,
    cells_line: u64,
    /// The row-by-row reader of a chunk, or of the rest of the file.
    row_by_row: Option<CsvRecords>,
    /// Set at the first quote: the rest of the file goes row by row once the
    /// chunks before it are yielded.
    rest_row_by_row: Option<Vec<u8>>,
    /// Whether a class name was read: integer cells must then go through the
    /// accumulator one row at a time, so each mixed row fails on its own.
    names_seen: bool,
    failed: bool,
}

/// Records of a CSV input: counted on every core when the layout is the
/// plain all-integer one and `class_limit` is given (the number of
/// classes integers may index), else row by row.
pub fn csv_records(
    file: String,
    input: Box<dyn BufRead>,
    columns: &Columns,
    class_limit: Option<u32>,
) -> Result<super::Records, DumpError> {
    chunked(file, input, columns, class_limit, CHUNK_BYTES)
}

fn chunked(
    file: String,
    mut input: Box<dyn BufRead>,
    columns: &Columns,
    class_limit: Option<u32>,
    chunk_bytes: usize,
) -> Result<super::Records, DumpError> {
    let header_line = super::csv::read_header_line(&file, &mut input)?;
    let layout = match class_limit {
        Some(limit) if !header_line.contains(&b'"') => {
            let headers = header_names(&file, &header_line)?;
            let plan = ColumnPlan::find(&file, &headers, columns, false)?;
            Layout::of(&plan, headers.len(), sniff_delimiter(&header_line), limit)
        }
        _ => None,
    };
    let workers = thread::available_parallelism().map_or(1, usize::from);
    let Some(layout) = layout.filter(|_| workers > 1) else {
        return Ok(Box::new(CsvRecords::resume(
            file,
            header_line,
            input,
            columns,
            2,
        )?));
    };
    let jobs = spawn_workers(workers, layout, work);
    Ok(Box::new(ParallelCsv {
        shared_file: file.as_str().into(),
        file,
        columns: columns.clone(),
        header_line,
        input: Some(input),
        carry: Vec::new(),
        chunk_bytes,
        jobs: Some(jobs),
        in_flight: VecDeque::new(),
        ahead: workers * AHEAD_PER_WORKER,
        spare: Vec::new(),
        next_line: 2,
        cells: Vec::new().into_iter(),
        cells_line: 0,
        row_by_row: None,
        rest_row_by_row: None,
        names_seen: false,
        failed: false,
    }))
}

fn work(queue: &Mutex<Receiver<Job>>, layout: &Layout) {
    loop {
        // The lock is held only while waiting for the next job.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(Job { chunk, reply }) = job else {
            return;
        };
        let (lines, counted) = count_chunk(&chunk, layout);
        // The reader may have stopped (an error ended the input): fine.
        let _ = reply.send(Done {
            chunk,
            lines,
            counted,
        });
    }
}

impl ParallelCsv {
    /// Reads the next chunk and hands it to a worker; false at the end of
    /// the input or at the first quote.
    fn submit(&mut self) -> Result<bool, DumpError> {
        let Some(input) = self
            .input
            .as_mut()
            .filter(|_| self.rest_row_by_row.is_none())
        else {
            return Ok(false);
        };
        let mut chunk = self.spare.pop().unwrap_or_default();
        chunk.clear();
        chunk.append(&mut self.carry);
        let at_end = fill(input.as_mut(), &mut chunk, self.chunk_bytes)
            .map_err(|e| DumpError::io(&self.file, e))?;
        if memchr::memchr(b'"', &chunk).is_some() {
            // A quoted field may hold line breaks: no safe place to cut.
            self.rest_row_by_row = Some(chunk);
            return Ok(false);
        }
        if at_end {
            self.input = None;
        } else if !cut_after_last_line(&mut chunk, &mut self.carry) {
            return Ok(true);
        }
        if chunk.is_empty() {
            return Ok(self.input.is_some());
        }
        let (reply, done) = mpsc::sync_channel(1);
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(Job { chunk, reply }).is_ok());
        if !sent {
            return Err(DumpError::io(
                &self.file,
                std::io::Error::other("the CSV worker threads stopped"),
            ));
        }
        self.in_flight.push_back(done);
        Ok(true)
    }

    fn row_by_row(&self, body: Box<dyn BufRead>, first_line: u64) -> Result<CsvRecords, DumpError> {
        CsvRecords::resume(
            self.file.clone(),
            self.header_line.clone(),
            body,
            &self.columns,
            first_line,
        )
    }

    fn advance(&mut self) -> Result<Option<Record>, DumpError> {
        loop {
            if let Some(rows) = self.row_by_row.as_mut() {
                match rows.next() {
                    Some(item) => {
                        if let Ok(record) = &item {
                            self.names_seen |= matches!(record.truth, ClassValue::Name(_))
                                || matches!(
                                    record.prediction,
                                    Prediction::Class(ClassValue::Name(_))
                                );
                        }
                        return item.map(Some);
                    }
                    None => self.row_by_row = None,
                }
            }
            if let Some(cell) = self.cells.next() {
                return Ok(Some(cell.record(&self.shared_file, self.cells_line)));
            }
            while self.in_flight.len() < self.ahead && self.submit()? {}
            let Some(done) = self.in_flight.pop_front() else {
                return match self.rest_row_by_row.take() {
                    Some(chunk) => {
                        let rest: Box<dyn Read> = match self.input.take() {
                            Some(input) => Box::new(Cursor::new(chunk).chain(input)),
                            None => Box::new(Cursor::new(chunk)),
                        };
                        let body = Box::new(std::io::BufReader::with_capacity(1 << 16, rest));
                        self.row_by_row = Some(self.row_by_row(body, self.next_line)?);
                        continue;
                    }
                    None => Ok(None),
                };
            };
            let Ok(Done {
                chunk,
                lines,
                counted,
            }) = done.recv()
            else {
                return Err(DumpError::io(
                    &self.file,
                    std::io::Error::other("a CSV worker thread stopped"),
                ));
            };
            let first_line = self.next_line;
            self.next_line += lines;
            match counted {
                Counted::Cells(cells) if !self.names_seen => {
                    self.spare.push(chunk);
                    self.cells = cells.into_iter();
                    self.cells_line = first_line;
                }
                _ => {
                    let body = Box::new(Cursor::new(chunk));
                    self.row_by_row = Some(self.row_by_row(body, first_line)?);
                }
            }
        }
    }
}

impl Iterator for ParallelCsv {
    type Item = Result<Record, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.advance();
        if let Err(DumpError::Io { .. }) = &item {
            self.failed = true;
        }
        item.transpose()
    }
}

impl Drop for ParallelCsv {
    fn drop(&mut self) {
        // Closing the job queue ends the workers once their chunk is done.
        self.jobs = None;
    }
}

/// Counts a chunk's rows (`chunk` starts at a line); the number of line
/// breaks, and the cells or [`Counted::RowByRow`].
fn count_chunk(chunk: &[u8], layout: &Layout) -> (u64, Counted) {
    let row_by_row = || {
        let lines = memchr::memchr_iter(b'\n', chunk).count() as u64;
        (lines, Counted::RowByRow)
    };
    if !chunk.is_ascii() {
        return row_by_row();
    }
    let mut counter = ChunkCounter::default();
    let (mut at, mut line) = (0usize, 0u64);
    while at < chunk.len() {
        let Some((row, next)) = parse_row(chunk, at, layout) else {
            return row_by_row();
        };
        if let Some(row) = row
            && !counter.add(row, line)
        {
            return row_by_row();
        }
        // Every line but the chunk's last ends with a line break.
        line += 1;
        at = next;
    }
    if !chunk.ends_with(b"\n") {
        line = line.saturating_sub(1);
    }
    (line, Counted::Cells(counter.finish()))
}

/// Parses the line starting at `at`: its row (`None` for an empty line) and
/// where the next line starts, or `None` when the line needs the row-by-row
/// reader.
#[inline]
fn parse_row(chunk: &[u8], mut at: usize, layout: &Layout) -> Option<(Option<Row>, usize)> {
    // Line breaks and other control bytes sort below every digit.
    if chunk.get(at).is_some_and(|&b| b <= b'\r')
        && let Some(next) = line_end(chunk, at)
    {
        return Some((None, next));
    }
    let mut row = Row {
        step: None,
        truth: 0,
        predicted: 0,
        count: 1,
    };
    let last = layout.roles.len() - 1;
    for (field, role) in layout.roles.iter().enumerate() {
        match role {
            Role::Truth => (row.truth, at) = class(chunk, at, layout.class_limit)?,
            Role::Prediction => (row.predicted, at) = class(chunk, at, layout.class_limit)?,
            Role::Step => {
                let step;
                (step, at) = integer(chunk, at)?;
                row.step = Some(step);
            }
            Role::Count => {
                let count;
                (count, at) = integer(chunk, at)?;
                row.count = u64::try_from(count).ok()?;
            }
            Role::Other => at = skip_cell(chunk, at, layout.delimiter),
        }
        if field < last {
            // Anything but the delimiter (a line break: too few fields).
            (chunk.get(at) == Some(&layout.delimiter)).then_some(())?;
            at += 1;
        }
    }
    // The last field must end the line (more fields, or a stray byte, do not).
    Some((Some(row), line_end(chunk, at)?))
}

/// Where the next line starts when the line ends at `at` (`\n`, `\r\n`, or
/// the chunk's end, which is the input's end); `None` otherwise, which
/// includes a lone carriage return (a record break for the csv crate).
#[inline]
fn line_end(chunk: &[u8], at: usize) -> Option<usize> {
    match chunk.get(at) {
        None => Some(at),
        Some(b'\n') => Some(at + 1),
        Some(b'\r') => match chunk.get(at + 1) {
            None => Some(at + 1),
            Some(b'\n') => Some(at + 2),
            Some(_) => None,
        },
        Some(_) => None,
    }
}

/// Past a cell that is not read: at its delimiter, line break or the
/// chunk's end.
#[inline]
fn skip_cell(chunk: &[u8], at: usize, delimiter: u8) -> usize {
    let rest = &chunk[at..];
    at + rest
        .iter()
        .position(|&b| b == delimiter || b == b'\n' || b == b'\r')
        .unwrap_or(rest.len())
}

/// A class index at `at`: plain digits (at most 9) below `limit`, and
/// where they end.
#[inline]
fn class(chunk: &[u8], at: usize, limit: u32) -> Option<(u32, usize)> {
    let (value, end) = digits(chunk, at, 9)?;
    // At most 9 digits: below 10^9, within u32.
    let value = value as u32;
    (value < limit).then_some((value, end))
}

/// An integer at `at`: an optional minus and at most 18 digits (no
/// overflow), and where it ends.
#[inline]
fn integer(chunk: &[u8], at: usize) -> Option<(i64, usize)> {
    let negative = chunk.get(at) == Some(&b'-');
    let (value, end) = digits(chunk, at + usize::from(negative), 18)?;
    // At most 18 digits: below 10^18, within i64.
    let value = value as i64;
    Some((if negative { -value } else { value }, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accumulate::{Accumulator, Grouped};
    use crate::labels::Labels;

    /// Reads `text` in chunks of `chunk` bytes into an accumulator, as
    /// `convert` does: the counts, or the first error.
    fn read(
        text: &str,
        chunk: usize,
        limit: Option<u32>,
        labels: Option<&str>,
    ) -> Result<Grouped, String> {
        let input: Box<dyn BufRead> = Box::new(Cursor::new(text.as_bytes().to_vec()));
        let records = chunked("p.csv".into(), input, &Columns::default(), limit, chunk)
            .map_err(|e| e.to_string())?;
        let labels = labels.map(|names| Labels::from_arg(names).unwrap());
        let mut accumulator = Accumulator::new(labels);
        for record in records {
            let record = record.map_err(|e| e.to_string())?;
            accumulator
                .add("r", record.step.unwrap_or(0), &record)
                .map_err(|e| e.to_string())?;
        }
        accumulator.finish().map_err(|e| e.to_string())
    }

    fn random_csv(rows: usize, seed: u64) -> String {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut text = String::from("step,y_true,y_pred,note\r\n");
        for _ in 0..rows {
            text += &format!(
                "{},{},{},{}\r\n",
                rng.i64(-2..4),
                rng.u32(0..7),
                rng.u32(0..300),
                rng.u8(..)
            );
            if rng.u8(..20) == 0 {
                text += "\n";
            }
        }
        text
    }

    #[test]
    fn chunks_count_exactly_what_the_row_by_row_reader_reads() {
        let text = random_csv(3_000, 1);
        let by_row = read(&text, 1 << 20, None, None).unwrap();
        assert_eq!(by_row.predictions, 3_000);
        for chunk in [16, 100, 4096] {
            assert_eq!(
                read(&text, chunk, Some(4096), None).unwrap(),
                by_row,
                "chunk {chunk}"
            );
        }
        // A count column adds its counts; a last line without a line break counts.
        let text = "y_true,y_pred,n\n1,2,40\n1,2,2\n0,0,0";
        let counted = read(text, 8, Some(4096), None).unwrap();
        assert_eq!(counted.runs["r"][0].counts, [0, 0, 0, 0, 0, 42, 0, 0, 0]);
        assert_eq!(counted, read(text, 1 << 20, None, None).unwrap());
    }

    #[test]
    fn errors_name_the_same_line_across_chunk_boundaries() {
        let mut text = random_csv(500, 2);
        let bad_line = text.lines().count() + 1;
        text += "1,2,x3,4\r\n";
        let more = random_csv(50, 3);
        text += &more[more.find('\n').unwrap_or(0) + 1..];
        let by_row = read(&text, 1 << 20, None, None).unwrap_err();
        assert!(
            by_row.starts_with(&format!("p.csv, line {bad_line}: \"x3\" is not an index")),
            "{by_row}"
        );
        for chunk in [7, 64, 1000] {
            assert_eq!(read(&text, chunk, Some(4096), None).unwrap_err(), by_row);
        }
        // Out of the --labels range: the first row holding the class.
        let text = "y_true,y_pred\n0,1\n\n1,0\n1,5\n5,1\n";
        let err = read(text, 4, Some(2), Some("a,b")).unwrap_err();
        assert!(err.starts_with("p.csv, line 5: \"5\""), "{err}");
        assert_eq!(err, read(text, 1 << 20, None, Some("a,b")).unwrap_err());
    }

    #[test]
    fn quotes_send_the_rest_of_the_file_row_by_row() {
        let text = format!(
            "y_true,y_pred\n{}\"1\",\"2\n\"\n{}0,,\n",
            "1,1\n".repeat(40),
            "2,2\n".repeat(40)
        );
        let by_row = read(&text, 1 << 20, None, None).unwrap_err();
        assert!(
            by_row.starts_with("p.csv, line 84: found 3 fields"),
            "{by_row}"
        );
        for chunk in [5, 30, 1000] {
            assert_eq!(read(&text, chunk, Some(4096), None).unwrap_err(), by_row);
        }
    }

    #[test]
    fn integers_after_names_are_read_one_row_at_a_time() {
        let text = format!(
            "y_true,y_pred\n{}{}",
            "a,b\n".repeat(30),
            "1,1\n".repeat(30)
        );
        let by_row = read(&text, 1 << 20, None, None).unwrap_err();
        assert!(by_row.starts_with("p.csv, line 32:"), "{by_row}");
        assert_eq!(read(&text, 16, Some(4096), None).unwrap_err(), by_row);
    }

    #[test]
    fn the_fast_parsers_accept_only_plain_digits() {
        let class_of = |cell: &[u8], limit| class(cell, 0, limit).map(|(value, _)| value);
        assert_eq!(class_of(b"007", 10), Some(7));
        assert_eq!(class_of(b"10", 10), None);
        assert_eq!(class_of(b" 1", 10), None);
        assert_eq!(class_of(b"", 10), None);
        assert_eq!(class(b"1.0", 0, 10), Some((1, 1)));
        assert_eq!(class(b"12,3456789\n", 0, 100), Some((12, 2)));
        assert_eq!(class(b"000000007,", 0, 10), Some((7, 9)));
        assert_eq!(class(b"0000000007,", 0, 10), None);
        let integer_of = |cell: &[u8]| integer(cell, 0).map(|(value, _)| value);
        assert_eq!(integer_of(b"-12"), Some(-12));
        assert_eq!(integer_of(b"-12,1,2\r\n"), Some(-12));
        assert_eq!(integer_of(b"-"), None);
        assert_eq!(integer_of(b"-,1,1,1,1,1"), None);
        assert_eq!(
            integer_of(b"123456789012345678,"),
            Some(123_456_789_012_345_678)
        );
        assert_eq!(integer_of(b"1234567890123456789"), None);
    }

    #[test]
    fn line_endings_byte_order_mark_and_a_missing_last_line_break() {
        let lf = "step,y_true,y_pred\n1,0,1\n1,1,1\n\n2,0,0\n";
        let expected = read(lf, 1 << 20, None, None).unwrap();
        assert_eq!(expected.predictions, 3);
        for text in [
            lf.to_string(),
            lf.replace('\n', "\r\n"),
            lf.trim_end().to_string(),
            lf.replace('\n', "\r\n").trim_end_matches('\n').to_string(),
            format!("\u{feff}{lf}"),
        ] {
            for chunk in [1, 3, 5, 8, 13, 1 << 20] {
                assert_eq!(
                    read(&text, chunk, Some(4096), None).as_ref(),
                    Ok(&expected),
                    "{text:?} in chunks of {chunk}"
                );
            }
        }
        // A lone carriage return ends a record for the csv crate: row by row.
        let text = "y_true,y_pred\n1,1\r0,0\n";
        for chunk in [4, 1 << 20] {
            assert_eq!(
                read(text, chunk, Some(4096), None),
                read(text, 1 << 20, None, None)
            );
        }
    }

    #[test]
    fn an_error_in_a_later_chunk_names_its_file_line() {
        // Lines of 6 bytes in chunks of 64: line 40 is in the fourth chunk.
        let mut text = String::from("y_true,y_pred,n\n");
        for line in 2..60 {
            text += if line == 40 { "1,1,-1\n" } else { "1,0,12\n" };
        }
        let err = read(&text, 64, Some(4096), None).unwrap_err();
        assert!(
            err.starts_with("p.csv, line 40, column \"n\": \"-1\""),
            "{err}"
        );
        assert_eq!(err, read(&text, 1 << 20, None, None).unwrap_err());
        // A wrong field count in the second chunk, with CRLF line breaks.
        let text = format!("y_true,y_pred\r\n{}0,1,2\r\n1,1\r\n", "1,0\r\n".repeat(20));
        let err = read(&text, 32, Some(4096), None).unwrap_err();
        assert!(err.starts_with("p.csv, line 22: found 3 fields"), "{err}");
        assert_eq!(err, read(&text, 1 << 20, None, None).unwrap_err());
    }

    #[test]
    fn wide_files_with_the_labels_last() {
        let others: Vec<String> = (0..100).map(|i| format!("x{i}")).collect();
        let mut text = format!("{},y_true,y_pred\n", others.join(","));
        for row in 0..300u32 {
            let cells: Vec<String> = (0..100).map(|i| (row * i % 7).to_string()).collect();
            text += &format!("{},{},{}\n", cells.join(","), row % 3, row % 5);
        }
        let expected = read(&text, 1 << 20, None, None).unwrap();
        assert_eq!(expected.predictions, 300);
        for chunk in [500, 1 << 20] {
            assert_eq!(read(&text, chunk, Some(4096), None).unwrap(), expected);
        }
        assert!(
            Layout::of(
                &ColumnPlan::find(
                    "p.csv",
                    &header_names("p.csv", text.as_bytes()).unwrap(),
                    &Columns::default(),
                    false
                )
                .unwrap(),
                102,
                b',',
                10
            )
            .is_some(),
            "102 columns still take the fast path"
        );
    }

    #[test]
    fn many_steps_and_large_classes_in_one_chunk() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut text = String::from("y_pred,step,y_true\n");
        for _ in 0..5_000 {
            let class = |rng: &mut fastrand::Rng| {
                if rng.bool() {
                    rng.u32(0..20)
                } else {
                    rng.u32(0..3000)
                }
            };
            let (p, t) = (class(&mut rng), class(&mut rng));
            text += &format!("{p},{},{t}\n", rng.i64(0..40) * 1_000_000_007);
        }
        let expected = read(&text, 1 << 20, None, None).unwrap();
        for chunk in [100, 1 << 20] {
            assert_eq!(read(&text, chunk, Some(4096), None).unwrap(), expected);
        }
    }
}
