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

use rustc_hash::FxHashMap;

use super::csv::{CsvRecords, header_names, sniff_delimiter};
use super::plan::{ColumnPlan, PredictionColumns};
use super::{ClassValue, Columns, Prediction, Record};
use crate::error::{DumpError, Location, Position};

/// Bytes per chunk: large enough that handing it over costs nothing, small
/// enough that a few in flight stay within some megabytes.
const CHUNK_BYTES: usize = 4 << 20;
/// Chunks read ahead of the one being yielded, per worker.
const AHEAD_PER_WORKER: usize = 2;
/// Class indices up to this are counted in a dense table per step (64 KiB of
/// cell slots); larger ones in a hash map.
const DENSE_CLASSES: usize = 128;

/// What the fast path reads from each row: column indices, and the bound
/// every class index must be below.
#[derive(Clone, Copy, Debug)]
struct Layout {
    fields: usize,
    delimiter: u8,
    truth: usize,
    prediction: usize,
    step: Option<usize>,
    count: Option<usize>,
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
        Some(Layout {
            fields,
            delimiter,
            truth: plan.truth,
            prediction,
            step: plan.optional.step,
            count: plan.optional.count,
            class_limit,
        })
    }
}

/// One (step, true, predicted) cell of a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CountedCell {
    step: i64,
    truth: u32,
    predicted: u32,
    count: u64,
    /// Line of its first row, counted from the chunk's first line (0).
    first_line: u64,
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
    has_step: bool,
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
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..workers {
        let queue = Arc::clone(&queue);
        thread::spawn(move || work(&queue, layout));
    }
    Ok(Box::new(ParallelCsv {
        shared_file: file.as_str().into(),
        file,
        columns: columns.clone(),
        header_line,
        has_step: layout.step.is_some(),
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

fn work(queue: &Mutex<Receiver<Job>>, layout: Layout) {
    loop {
        // The lock is held only while waiting for the next job.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(Job { chunk, reply }) = job else {
            return;
        };
        let (lines, counted) = count_chunk(&chunk, &layout);
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
        } else {
            // Cut after the last line break; a chunk without one (a line
            // longer than a chunk) grows until it has one.
            match memchr::memrchr(b'\n', &chunk) {
                Some(last) => self.carry.extend_from_slice(&chunk[last + 1..]),
                None => {
                    self.carry = chunk;
                    return Ok(true);
                }
            }
            let keep = chunk.len() - self.carry.len();
            chunk.truncate(keep);
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

    fn record(&self, cell: CountedCell) -> Record {
        Record {
            step: self.has_step.then_some(cell.step),
            truth: ClassValue::Int(i64::from(cell.truth)),
            prediction: Prediction::Class(ClassValue::Int(i64::from(cell.predicted))),
            weight: None,
            wall_time: None,
            count: cell.count,
            location: Location::at_shared(
                &self.shared_file,
                Position::Line(self.cells_line + cell.first_line),
            ),
        }
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
                return Ok(Some(self.record(cell)));
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

/// Reads into `chunk` until it holds `size` bytes or the input ends;
/// true at the end.
fn fill(input: &mut dyn BufRead, chunk: &mut Vec<u8>, size: usize) -> std::io::Result<bool> {
    let wanted = size.max(chunk.len() * 2);
    while chunk.len() < wanted {
        let before = chunk.len();
        let read = input.take((wanted - before) as u64).read_to_end(chunk)?;
        if read == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Counts a chunk's rows (`chunk` starts at a line); the number of line
/// breaks, and the cells or [`Counted::RowByRow`].
fn count_chunk(chunk: &[u8], layout: &Layout) -> (u64, Counted) {
    let lines = memchr::memchr_iter(b'\n', chunk).count() as u64;
    if !chunk.is_ascii() {
        return (lines, Counted::RowByRow);
    }
    let mut counter = ChunkCounter::default();
    for (line, text) in (0u64..).zip(chunk.split(|&b| b == b'\n')) {
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !text.is_empty() {
            let Some((step, truth, predicted, count)) = parse_row(text, layout) else {
                return (lines, Counted::RowByRow);
            };
            if !counter.add(step, truth, predicted, count, line) {
                return (lines, Counted::RowByRow);
            }
        }
    }
    (lines, Counted::Cells(counter.cells))
}

/// The step, classes and count of a plain row, or `None` when the row
/// needs the row-by-row reader.
fn parse_row(text: &[u8], layout: &Layout) -> Option<(i64, u32, u32, u64)> {
    let (mut step, mut truth, mut predicted, mut count) = (0i64, None, None, 1u64);
    let mut field = 0usize;
    for cell in text.split(|&b| b == layout.delimiter) {
        if field == layout.truth {
            truth = Some(class(cell, layout.class_limit)?);
        } else if field == layout.prediction {
            predicted = Some(class(cell, layout.class_limit)?);
        } else if Some(field) == layout.step {
            step = integer(cell)?;
        } else if Some(field) == layout.count {
            count = u64::try_from(integer(cell)?).ok()?;
        } else if cell.contains(&b'\r') {
            // A lone carriage return ends a record for the csv crate.
            return None;
        }
        field += 1;
    }
    if field != layout.fields {
        return None;
    }
    Some((step, truth?, predicted?, count))
}

/// A class index: plain digits below `limit`.
fn class(cell: &[u8], limit: u32) -> Option<u32> {
    if cell.is_empty() || cell.len() > 9 {
        return None;
    }
    let mut value = 0u32;
    for &b in cell {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u32::from(digit);
    }
    (value < limit).then_some(value)
}

/// An integer: an optional minus and at most 18 digits (no overflow).
fn integer(cell: &[u8]) -> Option<i64> {
    let (negative, digits) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut value = 0i64;
    for &b in digits {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + i64::from(digit);
    }
    Some(if negative { -value } else { value })
}

/// The cells of one chunk, by first occurrence.
#[derive(Default)]
struct ChunkCounter {
    cells: Vec<CountedCell>,
    /// Per step: cell slots (index into `cells` plus one; 0 for none).
    steps: Vec<(i64, StepSlots)>,
    last_step: usize,
}

enum StepSlots {
    Dense(Vec<u32>),
    Sparse(FxHashMap<(u32, u32), u32>),
}

impl ChunkCounter {
    /// Adds a row; false when a cell's count would overflow.
    fn add(&mut self, step: i64, truth: u32, predicted: u32, count: u64, line: u64) -> bool {
        let at = match self.steps.get(self.last_step) {
            Some((s, _)) if *s == step => self.last_step,
            _ => match self.steps.iter().position(|(s, _)| *s == step) {
                Some(at) => at,
                None => {
                    self.steps.push((
                        step,
                        StepSlots::Dense(vec![0; DENSE_CLASSES * DENSE_CLASSES]),
                    ));
                    self.steps.len() - 1
                }
            },
        };
        self.last_step = at;
        let slots = &mut self.steps[at].1;
        let dense = (truth as usize) < DENSE_CLASSES && (predicted as usize) < DENSE_CLASSES;
        if let (StepSlots::Dense(table), false) = (&*slots, dense) {
            let mut map = FxHashMap::default();
            for (i, &slot) in table.iter().enumerate() {
                if slot != 0 {
                    let key = ((i / DENSE_CLASSES) as u32, (i % DENSE_CLASSES) as u32);
                    map.insert(key, slot);
                }
            }
            *slots = StepSlots::Sparse(map);
        }
        let slot = match slots {
            StepSlots::Dense(table) => {
                &mut table[truth as usize * DENSE_CLASSES + predicted as usize]
            }
            StepSlots::Sparse(map) => map.entry((truth, predicted)).or_insert(0),
        };
        if *slot == 0 {
            self.cells.push(CountedCell {
                step,
                truth,
                predicted,
                count: 0,
                first_line: line,
            });
            *slot = self.cells.len() as u32;
        }
        let cell = &mut self.cells[*slot as usize - 1];
        match cell.count.checked_add(count) {
            Some(sum) => {
                cell.count = sum;
                true
            }
            None => false,
        }
    }
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
        assert_eq!(class(b"007", 10), Some(7));
        assert_eq!(class(b"10", 10), None);
        assert_eq!(class(b" 1", 10), None);
        assert_eq!(class(b"", 10), None);
        assert_eq!(class(b"1.0", 10), None);
        assert_eq!(integer(b"-12"), Some(-12));
        assert_eq!(integer(b"-"), None);
        assert_eq!(integer(b"1234567890123456789"), None);
    }
}
