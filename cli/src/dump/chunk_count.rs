//! Counting a chunk of plain rows in bulk, shared by the CSV and JSON Lines
//! fast paths: the rows' cells (step, true class, predicted class) with
//! their counts and the line where each first occurs, and the pieces both
//! parsers use (reading a chunk, digits without a branch per byte).

use std::io::{BufRead, Read};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

use rustc_hash::FxHashMap;

use super::{ClassValue, Prediction, Record};
use crate::error::{Location, Position};

/// Bytes per chunk: large enough that handing it over costs nothing (a few
/// microseconds a chunk), small enough that a few in flight stay within
/// some megabytes and the last chunk, parsed while the other cores have
/// nothing left to do, takes a few milliseconds.
pub(super) const CHUNK_BYTES: usize = 1 << 20;
/// A chunk that goes through serde_json comes back as records several times its size, so
/// JSON Lines keeps to this size as well.
/// Chunks read ahead of the one being yielded, per worker.
pub(super) const AHEAD_PER_WORKER: usize = 2;

/// One (step, true, predicted) cell of a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CountedCell {
    pub step: Option<i64>,
    pub truth: u32,
    pub predicted: u32,
    pub count: u64,
    /// Line of its first row, counted from the chunk's first line (0).
    pub first_line: u64,
}

impl CountedCell {
    /// The cell as the record of its `count` rows, located at its first row in `file`, whose
    /// chunk starts at line `chunk_line`.
    pub(super) fn record(self, file: &Arc<str>, chunk_line: u64) -> Record {
        Record {
            step: self.step,
            truth: ClassValue::Int(i64::from(self.truth)),
            prediction: Prediction::Class(ClassValue::Int(i64::from(self.predicted))),
            weight: None,
            wall_time: None,
            count: self.count,
            location: Location::at_shared(file, Position::Line(chunk_line + self.first_line)),
        }
    }
}

/// Starts `workers` threads running `work` on the jobs sent to the returned queue (each
/// takes the next job when it is free); they end when the queue is dropped.
pub(super) fn spawn_workers<J, C>(
    workers: usize,
    context: C,
    work: fn(&Mutex<Receiver<J>>, &C),
) -> Sender<J>
where
    J: Send + 'static,
    C: Clone + Send + 'static,
{
    let (jobs, queue) = mpsc::channel::<J>();
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..workers {
        let (queue, context) = (Arc::clone(&queue), context.clone());
        thread::spawn(move || work(&queue, &context));
    }
    jobs
}

/// The values the fast path reads from a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Row {
    pub step: Option<i64>,
    pub truth: u32,
    pub predicted: u32,
    pub count: u64,
}

/// Cuts `chunk` after its last line break and moves the partial line after it to `carry`
/// (which must be empty). False when `chunk` has no line break at all (a line longer than a
/// chunk): then all of it moves to `carry`, to grow until it has one.
pub(super) fn cut_after_last_line(chunk: &mut Vec<u8>, carry: &mut Vec<u8>) -> bool {
    match memchr::memrchr(b'\n', chunk) {
        Some(last) => {
            carry.extend_from_slice(&chunk[last + 1..]);
            chunk.truncate(last + 1);
            true
        }
        None => {
            *carry = std::mem::take(chunk);
            false
        }
    }
}

/// Reads into `chunk` until it holds `size` bytes or the input ends;
/// true at the end.
pub(super) fn fill(
    input: &mut dyn BufRead,
    chunk: &mut Vec<u8>,
    size: usize,
) -> std::io::Result<bool> {
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

/// The value of the run of ASCII digits at `at` (1 to `most` of them) and
/// where it ends. Runs of up to 6 digits are measured in one 8-byte word
/// without a branch per byte (the chunk is ASCII, checked, so adding 6 to
/// a byte never carries into the next), and one or two digits, what class
/// indices mostly are, are summed without multiplying words.
#[inline]
pub(super) fn digits(chunk: &[u8], at: usize, most: usize) -> Option<(u64, usize)> {
    if let Some(word) = chunk.get(at..at + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let word = u64::from_le_bytes(bytes);
        const NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
        const ZEROS: u64 = 0x3030_3030_3030_3030;
        // A byte is a digit when its high nibble is 3 and stays 3 after
        // adding 6 (0x30..=0x39): `other` has a bit set in every other
        // byte, and in the last one, so it is never zero.
        let other = ((word & NIBBLES) ^ ZEROS)
            | ((word.wrapping_add(0x0606_0606_0606_0606) & NIBBLES) ^ ZEROS)
            | (0x80 << 56);
        let len = (other.trailing_zeros() / 8) as usize;
        let values = word ^ ZEROS;
        match len {
            0 => return None,
            1 => return Some((values & 0xF, at + 1)),
            2 => return Some(((values & 0xF) * 10 + ((values >> 8) & 0xF), at + 2)),
            3..=6 => {
                // The digits to the top of the word, zeros (leading '0's)
                // below, then the pairs, quads and octets summed.
                let mut value = values << (64 - 8 * len);
                value = (value & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
                value = (value & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
                value = (value & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32;
                return Some((value, at + len));
            }
            _ => {}
        }
    }
    digits_one_by_one(chunk, at, most)
}

/// [`digits`] for long runs and the chunk's last bytes.
pub(super) fn digits_one_by_one(chunk: &[u8], at: usize, most: usize) -> Option<(u64, usize)> {
    let rest = chunk.get(at..)?;
    let len = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    if len == 0 || len > most {
        return None;
    }
    let value = rest[..len]
        .iter()
        .fold(0u64, |value, &b| value * 10 + u64::from(b - b'0'));
    Some((value, at + len))
}

/// Class indices below this are counted in a dense table per step.
const DENSE_CLASSES: u32 = 128;
/// Steps per chunk that may have a dense table (each up to 256 KiB); more
/// steps in one chunk are counted in hash maps, so memory stays a few
/// megabytes per chunk however the steps interleave.
const DENSE_STEPS: usize = 16;
/// The smallest dense table side; it doubles as larger classes appear.
const FIRST_DENSE_SIDE: u32 = 16;

/// One cell's count so far and the chunk line where it first occurs.
#[derive(Clone, Copy, Debug)]
struct Tally {
    count: u64,
    first_line: u64,
}

impl Tally {
    const UNSEEN: Tally = Tally {
        count: 0,
        first_line: u64::MAX,
    };

    /// Adds `count` from `line`; false on overflow.
    #[inline(always)]
    fn add(&mut self, count: u64, line: u64) -> bool {
        if self.first_line == u64::MAX {
            self.first_line = line;
        }
        match self.count.checked_add(count) {
            Some(sum) => {
                self.count = sum;
                true
            }
            None => false,
        }
    }
}

/// One step's cells in a chunk.
enum StepTallies {
    /// `side` × `side` tallies, row-major by true class.
    Dense {
        side: u32,
        tallies: Vec<Tally>,
    },
    Sparse(FxHashMap<(u32, u32), Tally>),
}

impl StepTallies {
    fn dense(side: u32) -> StepTallies {
        StepTallies::Dense {
            side,
            tallies: vec![Tally::UNSEEN; (side * side) as usize],
        }
    }

    /// The tally of a cell, making room for it.
    #[inline(always)]
    fn tally(&mut self, truth: u32, predicted: u32) -> &mut Tally {
        if let StepTallies::Dense { side, .. } = self
            && (truth >= *side || predicted >= *side)
        {
            self.grow(truth.max(predicted));
        }
        match self {
            StepTallies::Dense { side, tallies } => {
                &mut tallies[(truth * *side + predicted) as usize]
            }
            StepTallies::Sparse(map) => map.entry((truth, predicted)).or_insert(Tally::UNSEEN),
        }
    }

    /// Room for class `largest`: a larger dense table, or a hash map.
    #[cold]
    fn grow(&mut self, largest: u32) {
        let cells = self.cells();
        *self = if largest < DENSE_CLASSES {
            StepTallies::dense((largest + 1).next_power_of_two().max(FIRST_DENSE_SIDE))
        } else {
            StepTallies::Sparse(FxHashMap::default())
        };
        for ((truth, predicted), tally) in cells {
            *self.tally(truth, predicted) = tally;
        }
    }

    /// The cells that occur, with their tallies.
    fn cells(&self) -> Vec<((u32, u32), Tally)> {
        match self {
            StepTallies::Dense { side, tallies } => (0..*side)
                .flat_map(|truth| (0..*side).map(move |predicted| (truth, predicted)))
                .zip(tallies.iter().copied())
                .filter(|(_, tally)| tally.first_line != u64::MAX)
                .collect(),
            StepTallies::Sparse(map) => map.iter().map(|(&cell, &tally)| (cell, tally)).collect(),
        }
    }
}

/// The cells of one chunk, per step.
#[derive(Default)]
pub(super) struct ChunkCounter {
    steps: Vec<(Option<i64>, StepTallies)>,
    last_step: usize,
}

impl ChunkCounter {
    /// Adds a row from chunk line `line`; false when a cell's count would
    /// overflow.
    #[inline(always)]
    pub(super) fn add(&mut self, row: Row, line: u64) -> bool {
        let at = match self.steps.get(self.last_step) {
            Some((step, _)) if *step == row.step => self.last_step,
            _ => self.find_step(row.step),
        };
        self.last_step = at;
        self.steps[at]
            .1
            .tally(row.truth, row.predicted)
            .add(row.count, line)
    }

    /// The index of `step`'s tallies, made when it is new.
    fn find_step(&mut self, step: Option<i64>) -> usize {
        if let Some(at) = self.steps.iter().position(|(s, _)| *s == step) {
            return at;
        }
        let tallies = if self.steps.len() < DENSE_STEPS {
            StepTallies::dense(FIRST_DENSE_SIDE)
        } else {
            StepTallies::Sparse(FxHashMap::default())
        };
        self.steps.push((step, tallies));
        self.steps.len() - 1
    }

    /// The chunk's cells, by the line where each first occurs.
    pub(super) fn finish(self) -> Vec<CountedCell> {
        let mut cells: Vec<CountedCell> = self
            .steps
            .iter()
            .flat_map(|(step, tallies)| {
                tallies
                    .cells()
                    .into_iter()
                    .map(move |((truth, predicted), tally)| CountedCell {
                        step: *step,
                        truth,
                        predicted,
                        count: tally.count,
                        first_line: tally.first_line,
                    })
            })
            .collect();
        // One row per line: the first lines are distinct.
        cells.sort_unstable_by_key(|cell| cell.first_line);
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_parser_agrees_with_the_byte_parser() {
        let mut rng = fastrand::Rng::with_seed(7);
        let alphabet = b"0123456789,;\t\r\n-. x/:@";
        for _ in 0..200_000 {
            let len = rng.usize(0..14);
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            for at in 0..=len {
                assert_eq!(
                    digits(&text, at, 9),
                    digits_one_by_one(&text, at, 9),
                    "{:?} at {at}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    #[test]
    fn cells_come_by_first_line_with_their_steps() {
        let mut counter = ChunkCounter::default();
        let row = |step, truth, predicted, count| Row {
            step,
            truth,
            predicted,
            count,
        };
        for (line, r) in [
            row(Some(2), 1, 1, 1),
            row(None, 0, 200, 3),
            row(Some(2), 1, 1, 4),
            row(Some(-1), 40, 3, 0),
        ]
        .into_iter()
        .enumerate()
        {
            assert!(counter.add(r, line as u64));
        }
        assert!(!counter.add(row(Some(2), 1, 1, u64::MAX), 9), "overflow");
        let cells: Vec<_> = counter
            .finish()
            .iter()
            .map(|c| (c.step, c.truth, c.predicted, c.count, c.first_line))
            .collect();
        assert_eq!(
            cells,
            [
                (Some(2), 1, 1, 5, 0),
                (None, 0, 200, 3, 1),
                (Some(-1), 40, 3, 0, 3)
            ]
        );
    }
}
