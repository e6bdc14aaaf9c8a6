//! Reading event files back: records decoded into [`Event`]s.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use prost::Message;
use thiserror::Error;

use crate::proto::Event;
use crate::record::{ReadRecordError, RecordReader};

/// Why an event could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadEventError {
    /// The record around it is truncated or damaged.
    #[error(transparent)]
    Record(#[from] ReadRecordError),
    /// The record's payload is not an `Event`.
    #[error("the record at byte {offset} is not a valid Event: {source}")]
    InvalidProto {
        /// Offset of the record.
        offset: u64,
        /// The decoder's complaint.
        source: prost::DecodeError,
    },
}

impl ReadEventError {
    /// Whether the file merely ends inside a record (a writer may still be
    /// appending, or crashed mid-record), as opposed to being damaged.
    pub fn is_truncation(&self) -> bool {
        matches!(
            self,
            ReadEventError::Record(ReadRecordError::Truncated { .. })
        )
    }
}

/// Reads the events of one file in order, verifying every checksum.
///
/// As an iterator it yields each event with its byte offset, then at most
/// one error (a truncated tail or damage), then ends.
pub struct EventFileReader<R> {
    records: RecordReader<R>,
    failed: bool,
}

impl EventFileReader<BufReader<File>> {
    /// Opens an event file.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(EventFileReader::new(BufReader::with_capacity(
            1 << 16,
            File::open(path)?,
        )))
    }
}

impl<R: Read> EventFileReader<R> {
    /// Reads events from any byte stream.
    pub fn new(reader: R) -> Self {
        EventFileReader {
            records: RecordReader::new(reader),
            failed: false,
        }
    }

    /// The next event and its offset, `Ok(None)` at a clean end.
    pub fn read_event(&mut self) -> Result<Option<(u64, Event)>, ReadEventError> {
        let Some(record) = self.records.read_record()? else {
            return Ok(None);
        };
        let event = Event::decode(record.data.as_slice()).map_err(|source| {
            ReadEventError::InvalidProto {
                offset: record.offset,
                source,
            }
        })?;
        Ok(Some((record.offset, event)))
    }
}

impl<R: Read> Iterator for EventFileReader<R> {
    type Item = Result<(u64, Event), ReadEventError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.read_event() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
