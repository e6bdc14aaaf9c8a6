//! JSON Lines on every core: the input is cut into chunks at line breaks
//! and each chunk is parsed by a worker thread.
//!
//! The common flat object of labels (`{"step": 3, "y_true": 1, "y_pred":
//! 2}`, keys in any order, other keys holding integers, strings, booleans
//! or null) is read by a small scanner and counted into one cell per (step,
//! true, predicted) with the line where it first occurs, as the CSV fast
//! path does. A chunk with anything else (score arrays, weights, floats,
//! escapes, non-ASCII text, a syntax error) is parsed line by line with
//! serde_json on the worker, which gives the same records and errors as
//! the one-thread reader ([`JsonLinesRecords`]). Chunks come back in file
//! order, so records and errors keep their order and line numbers.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;

use super::keys::KeyPlan;
use super::scan::{JsonLinesRecords, line_records};
use crate::dump::chunk_count::{
    AHEAD_PER_WORKER, CHUNK_BYTES, ChunkCounter, CountedCell, Row, cut_after_last_line, digits,
    fill, spawn_workers,
};
use crate::dump::{ClassValue, Columns, Prediction, Record};
use crate::error::{DumpError, Location, Position};

/// What the value of a key means to the fast path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Truth,
    Prediction,
    Step,
    Count,
    /// A key that is not read.
    Other,
}

/// The roles of the keys of the last objects a worker read, in their order
/// on the line; `roles` is `None` when such objects need the general path.
#[derive(Default)]
struct KnownKeys {
    keys: Vec<Vec<u8>>,
    /// Per key, when it fits 8 bytes with its quotes: those bytes as a
    /// little-endian word and the mask of their bytes, to compare a key in
    /// one step.
    words: Vec<Option<(u64, u64)>>,
    roles: Option<Vec<Role>>,
}

/// A quoted key of up to 6 bytes as a word and its mask (see
/// [`KnownKeys::words`]).
fn key_word(key: &[u8]) -> Option<(u64, u64)> {
    let len = key.len() + 2;
    if len > 8 {
        return None;
    }
    let mut bytes = [0u8; 8];
    bytes[0] = b'"';
    bytes[1..len - 1].copy_from_slice(key);
    bytes[len - 1] = b'"';
    Some((u64::from_le_bytes(bytes), u64::MAX >> (64 - 8 * len)))
}

/// Whether the quoted `key` (with `word` from [`key_word`]) is at `at`.
#[inline]
fn key_at(text: &[u8], at: usize, key: &[u8], word: Option<(u64, u64)>) -> bool {
    if let (Some((pattern, mask)), Some(window)) = (word, text.get(at..at + 8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(window);
        return u64::from_le_bytes(bytes) & mask == pattern;
    }
    let end = at + 1 + key.len();
    text.get(at) == Some(&b'"')
        && text.get(at + 1..end) == Some(key)
        && text.get(end) == Some(&b'"')
}

/// What the workers share: the input's name, the column choices and how
/// many classes an integer may index (`None`: no fast path).
struct Context {
    file: Arc<str>,
    columns: Columns,
    class_limit: Option<u32>,
}

/// What a worker made of a chunk.
enum Parsed {
    /// Every line was a flat object of labels: its cells.
    Cells(Vec<CountedCell>),
    /// The records and errors of every line; `stopped` when a line was not
    /// UTF-8 text, which ends the input as it does for the one-thread reader.
    Records {
        records: Vec<Result<Record, DumpError>>,
        stopped: bool,
    },
}

struct Done {
    chunk: Vec<u8>,
    first_line: u64,
    parsed: Parsed,
}

struct Job {
    chunk: Vec<u8>,
    first_line: u64,
    reply: SyncSender<Done>,
}

/// Records of a JSON Lines input, parsed on every core (one thread when
/// there is one core). Flat objects of integer labels are counted in bulk
/// when `class_limit` (the number of classes integers may index) is given.
pub fn json_lines_records(
    file: String,
    input: Box<dyn BufRead>,
    columns: &Columns,
    class_limit: Option<u32>,
) -> super::super::Records {
    chunked(file, input, columns, class_limit, CHUNK_BYTES)
}

fn chunked(
    file: String,
    input: Box<dyn BufRead>,
    columns: &Columns,
    class_limit: Option<u32>,
    chunk_bytes: usize,
) -> super::super::Records {
    let workers = thread::available_parallelism().map_or(1, usize::from);
    if workers < 2 {
        return Box::new(JsonLinesRecords::new(file, input, columns.clone()));
    }
    let context = Arc::new(Context {
        file: file.as_str().into(),
        columns: columns.clone(),
        class_limit,
    });
    let jobs = spawn_workers(workers, Arc::clone(&context), work);
    Box::new(ParallelJsonLines {
        file,
        context,
        input: Some(input),
        carry: Vec::new(),
        chunk_bytes,
        jobs: Some(jobs),
        in_flight: VecDeque::new(),
        ahead: workers * AHEAD_PER_WORKER,
        spare: Vec::new(),
        next_line: 1,
        cells: Vec::new().into_iter(),
        cells_line: 0,
        records: Vec::new().into_iter(),
        stop_after_records: false,
        names_seen: false,
        plan: None,
        finished: false,
    })
}

fn work(queue: &Mutex<Receiver<Job>>, context: &Arc<Context>) {
    let mut known = KnownKeys::default();
    let mut plan = None;
    loop {
        // The lock is held only while waiting for the next job.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(Job {
            chunk,
            first_line,
            reply,
        }) = job
        else {
            return;
        };
        let counted = match context.class_limit {
            Some(limit) if chunk.is_ascii() => count_flat(&chunk, limit, context, &mut known),
            _ => None,
        };
        let parsed = match counted {
            Some(cells) => Parsed::Cells(cells),
            None => parse_lines(&chunk, first_line, context, &mut plan),
        };
        // The reader may have stopped (an error ended the input): fine.
        let _ = reply.send(Done {
            chunk,
            first_line,
            parsed,
        });
    }
}

/// Streams the records of a JSON Lines input parsed by worker threads
/// (see the module documentation).
struct ParallelJsonLines {
    file: String,
    context: Arc<Context>,
    /// The rest of the input, until it is read to its end.
    input: Option<Box<dyn BufRead>>,
    /// Bytes read after the last complete line, carried to the next chunk.
    carry: Vec<u8>,
    chunk_bytes: usize,
    jobs: Option<Sender<Job>>,
    in_flight: VecDeque<Receiver<Done>>,
    ahead: usize,
    spare: Vec<Vec<u8>>,
    /// File line of the first line of the next chunk to be read.
    next_line: u64,
    cells: std::vec::IntoIter<CountedCell>,
    cells_line: u64,
    records: std::vec::IntoIter<Result<Record, DumpError>>,
    stop_after_records: bool,
    /// Whether a class name was read: counted integer cells must then go
    /// through the accumulator one line at a time, so each mixed line
    /// fails on its own.
    names_seen: bool,
    /// Key roles for chunks parsed again on this thread.
    plan: Option<KeyPlan>,
    finished: bool,
}

impl ParallelJsonLines {
    /// Reads the next chunk and hands it to a worker; false at the end of
    /// the input.
    fn submit(&mut self) -> Result<bool, DumpError> {
        let Some(input) = self.input.as_mut() else {
            return Ok(false);
        };
        let mut chunk = self.spare.pop().unwrap_or_default();
        chunk.clear();
        chunk.append(&mut self.carry);
        let at_end = fill(input.as_mut(), &mut chunk, self.chunk_bytes)
            .map_err(|e| DumpError::io(&self.file, e))?;
        if at_end {
            self.input = None;
        } else if !cut_after_last_line(&mut chunk, &mut self.carry) {
            return Ok(true);
        }
        if chunk.is_empty() {
            return Ok(self.input.is_some());
        }
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &chunk).count() as u64;
        let (reply, done) = mpsc::sync_channel(1);
        let sent = self.jobs.as_ref().is_some_and(|jobs| {
            jobs.send(Job {
                chunk,
                first_line,
                reply,
            })
            .is_ok()
        });
        if !sent {
            return Err(DumpError::io(
                &self.file,
                std::io::Error::other("the JSON Lines worker threads stopped"),
            ));
        }
        self.in_flight.push_back(done);
        Ok(true)
    }

    fn advance(&mut self) -> Option<Result<Record, DumpError>> {
        loop {
            if let Some(item) = self.records.next() {
                if let Ok(record) = &item {
                    self.names_seen |= matches!(record.truth, ClassValue::Name(_))
                        || matches!(record.prediction, Prediction::Class(ClassValue::Name(_)));
                }
                return Some(item);
            }
            if self.stop_after_records {
                return None;
            }
            if let Some(cell) = self.cells.next() {
                return Some(Ok(cell.record(&self.context.file, self.cells_line)));
            }
            loop {
                if self.in_flight.len() >= self.ahead {
                    break;
                }
                match self.submit() {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(error) => {
                        self.finished = true;
                        return Some(Err(error));
                    }
                }
            }
            let done = self.in_flight.pop_front()?.recv();
            let Ok(Done {
                chunk,
                first_line,
                parsed,
            }) = done
            else {
                self.finished = true;
                return Some(Err(DumpError::io(
                    &self.file,
                    std::io::Error::other("a JSON Lines worker thread stopped"),
                )));
            };
            let parsed = match parsed {
                Parsed::Cells(_) if self.names_seen => {
                    parse_lines(&chunk, first_line, &self.context, &mut self.plan)
                }
                parsed => parsed,
            };
            self.spare.push(chunk);
            match parsed {
                Parsed::Cells(cells) => {
                    self.cells = cells.into_iter();
                    self.cells_line = first_line;
                }
                Parsed::Records { records, stopped } => {
                    self.records = records.into_iter();
                    self.stop_after_records = stopped;
                }
            }
        }
    }
}

impl Iterator for ParallelJsonLines {
    type Item = Result<Record, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        self.advance()
    }
}

impl Drop for ParallelJsonLines {
    fn drop(&mut self) {
        // Closing the job queue ends the workers once their chunk is done.
        self.jobs = None;
    }
}

/// Every line of a chunk through serde_json, as the one-thread reader reads
/// them (`first_line` is the chunk's first line in the file).
fn parse_lines(
    chunk: &[u8],
    first_line: u64,
    context: &Context,
    plan: &mut Option<KeyPlan>,
) -> Parsed {
    let mut records = Vec::new();
    for (line, bytes) in (first_line..).zip(lines(chunk)) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            records.push(Err(DumpError::malformed(
                Location::at_shared(&context.file, Position::Line(line)),
                "not valid UTF-8 text",
            )));
            return Parsed::Records {
                records,
                stopped: true,
            };
        };
        match line_records(&context.file, line, text, &context.columns, plan) {
            Ok(found) => records.extend(found.into_iter().map(Ok)),
            Err(error) => records.push(Err(error)),
        }
    }
    Parsed::Records {
        records,
        stopped: false,
    }
}

/// The lines of a chunk without their line breaks (none after a final one).
fn lines(chunk: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= chunk.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &chunk[at..]).map_or(chunk.len(), |i| at + i);
        let line = &chunk[at..end];
        at = end + 1;
        Some(line)
    })
}

/// The cells of an ASCII chunk whose lines are all flat objects of labels,
/// or `None` when a line needs serde_json.
fn count_flat(
    chunk: &[u8],
    class_limit: u32,
    context: &Context,
    known: &mut KnownKeys,
) -> Option<Vec<CountedCell>> {
    let mut counter = ChunkCounter::default();
    let (mut at, mut line) = (0usize, 0u64);
    while at < chunk.len() {
        at = skip_spaces(chunk, at);
        if chunk.get(at).is_some_and(|&b| b != b'\n') {
            let (row, end) = match flat_row(chunk, at, class_limit, known) {
                Some(read) => read,
                None => {
                    // New keys, or a line the fast path does not read.
                    let end = memchr::memchr(b'\n', &chunk[at..]).map_or(chunk.len(), |i| at + i);
                    learn_keys(chunk[at..end].trim_ascii(), context, known);
                    flat_row(chunk, at, class_limit, known)?
                }
            };
            if !counter.add(row, line) {
                return None;
            }
            at = skip_spaces(chunk, end);
        }
        // The line must end here.
        match chunk.get(at) {
            Some(b'\n') => at += 1,
            None => {}
            Some(_) => return None,
        }
        line += 1;
    }
    Some(counter.finish())
}

/// Reads the flat object of labels at `at` whose keys are the `known` ones,
/// in their order: the row and where the object ends.
#[inline]
fn flat_row(
    text: &[u8],
    mut at: usize,
    class_limit: u32,
    known: &KnownKeys,
) -> Option<(Row, usize)> {
    let roles = known.roles.as_ref()?;
    let mut row = Row {
        step: None,
        truth: 0,
        predicted: 0,
        count: 1,
    };
    (text.get(at) == Some(&b'{')).then_some(())?;
    at = skip_spaces(text, at + 1);
    let last = known.keys.len().checked_sub(1)?;
    for (index, (key, role)) in known.keys.iter().zip(roles).enumerate() {
        // The known keys have no escapes: the same bytes are the same key.
        let end = at + 1 + key.len();
        let word = known.words.get(index).copied().flatten();
        let same = key_at(text, at, key, word);
        same.then_some(())?;
        at = skip_spaces(text, end + 1);
        (text.get(at) == Some(&b':')).then_some(())?;
        at = skip_spaces(text, at + 1);
        at = match role {
            Role::Truth => {
                let truth;
                (truth, at) = class(text, at, class_limit)?;
                row.truth = truth;
                at
            }
            Role::Prediction => {
                let predicted;
                (predicted, at) = class(text, at, class_limit)?;
                row.predicted = predicted;
                at
            }
            Role::Step => {
                let step;
                (step, at) = integer(text, at)?;
                row.step = Some(step);
                at
            }
            Role::Count => {
                (row.count, at) = unsigned(text, at, 18)?;
                at
            }
            Role::Other => skip_value(text, at)?,
        };
        at = skip_spaces(text, at);
        match text.get(at) {
            Some(b',') if index < last => at = skip_spaces(text, at + 1),
            Some(b'}') if index == last => return Some((row, at + 1)),
            _ => return None,
        }
    }
    None
}

/// Learns the roles of the keys of `text`, an object whose keys differ
/// from the known ones; objects the fast path cannot read get no roles.
#[cold]
fn learn_keys(text: &[u8], context: &Context, known: &mut KnownKeys) {
    let mut keys = Vec::new();
    let scanned = scan_object(text, |_, key, at| {
        keys.push(key.to_vec());
        skip_value(text, at)
    });
    known.roles = scanned.and_then(|_| roles(text, &keys, context));
    known.words = keys.iter().map(|key| key_word(key)).collect();
    known.keys = keys;
}

/// The role of each of `keys` (in their order on the line), as the general
/// path resolves them; `None` for objects that are not flat labels.
fn roles(text: &[u8], keys: &[Vec<u8>], context: &Context) -> Option<Vec<Role>> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(text) else {
        return None;
    };
    if object.len() != keys.len() {
        // A key given twice: serde_json keeps the last value.
        return None;
    }
    let here = Location::at_shared(&context.file, Position::Line(0));
    let plan = KeyPlan::resolve(&object, &context.columns, &here).ok()?;
    let labels = plan.label_keys()?;
    let role = |key: &[u8]| {
        if key == labels.truth.as_bytes() {
            Role::Truth
        } else if key == labels.prediction.as_bytes() {
            Role::Prediction
        } else if labels.step.is_some_and(|s| key == s.as_bytes()) {
            Role::Step
        } else if labels.count.is_some_and(|c| key == c.as_bytes()) {
            Role::Count
        } else {
            Role::Other
        }
    };
    Some(keys.iter().map(|key| role(key)).collect())
}

/// Walks a flat object `{"key": value, …}` (`text` trimmed), calling
/// `value(index, key, at)` with the position of each value, which returns
/// where the value ends; the number of pairs, or `None` when the object is
/// not one the fast path reads (keys with escapes, nesting, bad syntax).
#[inline]
fn scan_object(
    text: &[u8],
    mut value: impl FnMut(usize, &[u8], usize) -> Option<usize>,
) -> Option<usize> {
    let mut at = skip_spaces(text, 1);
    (text.first() == Some(&b'{')).then_some(())?;
    let mut index = 0;
    loop {
        (text.get(at) == Some(&b'"')).then_some(())?;
        let key_end = at + 1 + memchr::memchr(b'"', &text[at + 1..])?;
        let key = &text[at + 1..key_end];
        if key.iter().any(|&b| b == b'\\' || b < 0x20) {
            return None;
        }
        at = skip_spaces(text, key_end + 1);
        (text.get(at) == Some(&b':')).then_some(())?;
        at = value(index, key, skip_spaces(text, at + 1))?;
        at = skip_spaces(text, at);
        index += 1;
        match text.get(at) {
            Some(b',') => at = skip_spaces(text, at + 1),
            // The object must end the line.
            Some(b'}') if at + 1 == text.len() => return Some(index),
            _ => return None,
        }
    }
}

/// Past JSON white space within a line.
#[inline]
fn skip_spaces(text: &[u8], mut at: usize) -> usize {
    while matches!(text.get(at), Some(b' ' | b'\t' | b'\r')) {
        at += 1;
    }
    at
}

/// JSON digits at `at` (no leading zero, at most `most`): value and end.
#[inline]
fn unsigned(text: &[u8], at: usize, most: usize) -> Option<(u64, usize)> {
    let (value, end) = digits(text, at, most)?;
    if end - at > 1 && text[at] == b'0' {
        return None;
    }
    // A fraction or exponent is not an integer for the fast path.
    (!matches!(text.get(end), Some(b'.' | b'e' | b'E'))).then_some((value, end))
}

/// A class index: JSON digits below `limit`.
#[inline]
fn class(text: &[u8], at: usize, limit: u32) -> Option<(u32, usize)> {
    let (value, end) = unsigned(text, at, 9)?;
    // At most 9 digits: below 10^9, within u32.
    let value = value as u32;
    (value < limit).then_some((value, end))
}

/// A JSON integer of at most 18 digits (`-0` is left to serde_json).
#[inline]
fn integer(text: &[u8], at: usize) -> Option<(i64, usize)> {
    let negative = text.get(at) == Some(&b'-');
    let (value, end) = unsigned(text, at + usize::from(negative), 18)?;
    // At most 18 digits: below 10^18, within i64.
    let value = value as i64;
    match (negative, value) {
        (true, 0) => None,
        (true, _) => Some((-value, end)),
        (false, _) => Some((value, end)),
    }
}

/// Past a value that is not read: an integer, a string without escapes,
/// `true`, `false` or `null`; `None` for anything else.
#[inline]
fn skip_value(text: &[u8], at: usize) -> Option<usize> {
    match text.get(at)? {
        b'"' => {
            let end = at + 1 + memchr::memchr(b'"', &text[at + 1..])?;
            let inside = &text[at + 1..end];
            (!inside.iter().any(|&b| b == b'\\' || b < 0x20)).then_some(end + 1)
        }
        b'-' | b'0'..=b'9' => {
            let negative = text[at] == b'-';
            let start = at + usize::from(negative);
            let len = text[start..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(text.len() - start);
            let end = start + len;
            let valid = len > 0
                && !(len > 1 && text[start] == b'0')
                && !matches!(text.get(end), Some(b'.' | b'e' | b'E'));
            valid.then_some(end)
        }
        _ => ["true", "false", "null"]
            .iter()
            .find(|word| text[at..].starts_with(word.as_bytes()))
            .map(|word| at + word.len()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::accumulate::{Accumulator, Grouped};

    /// Reads `text` in chunks of `chunk` bytes into an accumulator, as
    /// `convert` does: the counts, or the first error.
    fn read(text: &str, chunk: usize, limit: Option<u32>) -> Result<Grouped, String> {
        let input: Box<dyn BufRead> = Box::new(Cursor::new(text.as_bytes().to_vec()));
        let records = if chunk == 0 {
            Box::new(JsonLinesRecords::new(
                "p.jsonl".into(),
                input,
                Columns::default(),
            ))
        } else {
            chunked("p.jsonl".into(), input, &Columns::default(), limit, chunk)
        };
        let mut accumulator = Accumulator::new(None);
        for record in records {
            let record = record.map_err(|e| e.to_string())?;
            accumulator
                .add("r", record.step.unwrap_or(0), &record)
                .map_err(|e| e.to_string())?;
        }
        accumulator.finish().map_err(|e| e.to_string())
    }

    /// The one-thread reader's answer, then the same from chunks of several
    /// sizes, with and without the fast path.
    fn same_as_one_thread(text: &str) -> Result<Grouped, String> {
        let expected = read(text, 0, None);
        for chunk in [1, 7, 40, 1 << 20] {
            for limit in [None, Some(4096)] {
                assert_eq!(
                    read(text, chunk, limit),
                    expected,
                    "chunks of {chunk}, limit {limit:?}: {text:?}"
                );
            }
        }
        expected
    }

    fn random_lines(rows: usize, seed: u64) -> String {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut text = String::new();
        for _ in 0..rows {
            let (step, truth, predicted) = (rng.i64(-2..4), rng.u32(0..7), rng.u32(0..300));
            text += &match rng.u8(..4) {
                0 => format!("{{\"step\":{step},\"y_true\":{truth},\"y_pred\":{predicted}}}\n"),
                1 => format!(
                    "{{ \"y_pred\" : {predicted} , \"id\": \"x{step}\", \"step\": {step}, \"y_true\": {truth}, \"ok\": true }}\r\n"
                ),
                2 => format!("{{\"y_true\":{truth},\"step\":{step},\"y_pred\":{predicted}}}\n\n"),
                _ => format!(
                    "{{\"step\":{step},\"y_true\":{truth},\"y_pred\":{predicted},\"n\":{}}}\n",
                    rng.u8(..)
                ),
            };
        }
        text
    }

    #[test]
    fn chunks_count_exactly_what_the_one_thread_reader_reads() {
        let text = random_lines(3_000, 1);
        let counted = same_as_one_thread(&text).unwrap();
        assert!(counted.predictions > 3_000);
        // No trailing line break, a byte order mark, CRLF.
        same_as_one_thread("{\"y_true\":1,\"y_pred\":2}\n{\"y_true\":0,\"y_pred\":0}").unwrap();
        same_as_one_thread(
            "\u{feff}{\"y_true\":1,\"y_pred\":2}\r\n{\"y_true\":0,\"y_pred\":0}\r\n",
        )
        .unwrap();
    }

    #[test]
    fn everything_else_goes_through_serde_json() {
        for text in [
            // Scores instead of a predicted class, floats, escapes, nesting.
            "{\"y_true\":1,\"probs\":[0.1,0.9]}\n{\"y_true\":0,\"probs\":[0.7,0.3]}\n",
            "{\"y_true\":1.0,\"y_pred\":2}\n{\"y_true\":1,\"y_pred\":2e0}\n",
            "{\"y_true\":1,\"y_pred\":2,\"note\":\"a\\\"b\"}\n{\"y_t\\u0072ue\":1,\"y_pred\":2}\n",
            "{\"y_true\":1,\"y_pred\":2,\"meta\":{\"a\":[1]}}\n",
            // Names, then integers: each mixed line on its own.
            "{\"y_true\":\"cat\",\"y_pred\":\"dog\"}\n{\"y_true\":1,\"y_pred\":1}\n",
            // A key given twice: the last one counts.
            "{\"y_true\":1,\"y_pred\":2,\"y_pred\":0}\n",
            // Keys that change from line to line.
            "{\"y_true\":1,\"y_pred\":2}\n{\"label\":1,\"pred\":0,\"epoch\":3}\n{\"y_true\":1,\"y_pred\":2}\n",
        ] {
            let _ = same_as_one_thread(text);
        }
        let weighted = "{\"y_true\":1,\"y_pred\":1,\"weight\":0.5}\n{\"y_true\":0,\"y_pred\":1,\"weight\":2}\n";
        assert_eq!(same_as_one_thread(weighted).unwrap().predictions, 2);
    }

    #[test]
    fn errors_name_the_same_line_and_key_across_chunks() {
        let mut text = random_lines(200, 2);
        let bad_line = text.lines().count() + 1;
        text += "{\"step\":1,\"y_true\":2,\"y_pred\":-3}\n";
        text += &random_lines(20, 3);
        let err = same_as_one_thread(&text).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "p.jsonl, line {bad_line}: \"-3\" is not a class index"
            )),
            "{err}"
        );
        // A syntax error in a later chunk names its line and character.
        let text = format!(
            "{}{{\"y_true\":1,\"y_pred\" 2}}\n",
            "{\"y_true\":1,\"y_pred\":2}\n".repeat(30)
        );
        let err = same_as_one_thread(&text).unwrap_err();
        assert!(
            err.starts_with("p.jsonl, line 31: invalid JSON at character 22"),
            "{err}"
        );
        // A count that is not a whole number below 2^63.
        let text = "{\"y_true\":1,\"y_pred\":2,\"count\":3}\n{\"y_true\":1,\"y_pred\":2,\"count\":9223372036854775808}\n";
        let err = same_as_one_thread(text).unwrap_err();
        assert!(
            err.starts_with("p.jsonl, line 2, column \"count\""),
            "{err}"
        );
    }

    #[test]
    fn not_utf8_ends_the_input_at_its_line() {
        let mut bytes = b"{\"y_true\":1,\"y_pred\":2}\n".repeat(10);
        bytes.extend_from_slice(
            b"{\"y_true\":\"\xff\",\"y_pred\":2}\n{\"y_true\":1,\"y_pred\":2}\n",
        );
        for chunk in [16, 1 << 20] {
            let input: Box<dyn BufRead> = Box::new(Cursor::new(bytes.clone()));
            let items: Vec<_> = chunked(
                "p.jsonl".into(),
                input,
                &Columns::default(),
                Some(10),
                chunk,
            )
            .collect();
            assert_eq!(items.len(), 11, "chunks of {chunk}");
            let Some(Err(err)) = items.last() else {
                panic!("the last item is not an error")
            };
            assert_eq!(err.to_string(), "p.jsonl, line 11: not valid UTF-8 text");
        }
    }

    #[test]
    fn the_scanner_reads_only_flat_objects() {
        let keys = |text: &str| {
            let mut found = Vec::new();
            scan_object(text.as_bytes(), |_, key, at| {
                found.push(String::from_utf8_lossy(key).into_owned());
                skip_value(text.as_bytes(), at)
            })
            .map(|_| found)
        };
        assert_eq!(
            keys("{ \"a\" : 1 ,\"b\":\"x\", \"c\": null}"),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(keys("{\"a\":1}x"), None);
        assert_eq!(keys("{\"a\":01}"), None);
        assert_eq!(keys("{\"a\":1.5}"), None);
        assert_eq!(keys("{\"a\":[1]}"), None);
        assert_eq!(keys("{\"a\":1,}"), None);
        assert_eq!(keys("{}"), None);
        assert_eq!(integer(b"-0}", 0), None);
        assert_eq!(integer(b"-12}", 0), Some((-12, 3)));
        assert_eq!(class(b"10,", 0, 10), None);
        for key in [&b"y_true"[..], b"step", b"a", b"longer_key"] {
            let quoted = [&b"\""[..], key, b"\":1,\"x\":2}"].concat();
            let word = key_word(key);
            assert_eq!(word.is_some(), key.len() <= 6);
            assert!(key_at(&quoted, 0, key, word));
            assert!(!key_at(&quoted, 1, key, word));
            let mut other = quoted.clone();
            other[key.len()] ^= 1;
            assert!(
                !key_at(&other, 0, key, word),
                "{}",
                String::from_utf8_lossy(key)
            );
        }
    }
}
