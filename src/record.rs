//! TFRecord framing: the container every event file uses.
//!
//! Each record is `u64le length | u32le masked_crc32c(length) | data |
//! u32le masked_crc32c(data)`. The checksum is CRC-32C (Castagnoli), not the
//! IEEE CRC-32 of zlib, and it is "masked" so that a CRC of data that itself
//! contains CRCs is unlikely to collide (TensorFlow's
//! `tsl/lib/hash/crc32c.h`). [`RecordReader`] is resumable: it returns every
//! complete record, reports a partial tail as [`ReadRecordError::Truncated`]
//! and carries on from the same place once the file has grown, as
//! TensorBoard's own readers do.

use std::fmt;
use std::io::{self, Read, Write};

use thiserror::Error;

/// Bytes before the data: the length and its masked CRC.
pub const HEADER_LEN: usize = 12;
/// Bytes after the data: its masked CRC.
pub const FOOTER_LEN: usize = 4;

const MASK_DELTA: u32 = 0xa282_ead8;

/// A masked CRC-32C, as stored in TFRecord files.
///
/// ```
/// use tbconfusion::record::MaskedCrc;
/// // A real `file_version` record's payload, from TensorBoard's own test
/// // (data/server/masked_crc.rs).
/// assert_eq!(MaskedCrc::compute(b"\x1a\x11CRC test, one two"), MaskedCrc(0x5794_d08a));
/// ```
///
/// The same checksum and mask as TensorBoard's Rust loader:
/// <https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/masked_crc.rs#L43-L48>.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MaskedCrc(pub u32);

impl MaskedCrc {
    /// Computes the masked CRC-32C of `bytes` (hardware-accelerated where
    /// the CPU has CRC-32C instructions).
    pub fn compute(bytes: &[u8]) -> MaskedCrc {
        MaskedCrc::mask(crc32c::crc32c(bytes))
    }

    /// Masks a raw CRC-32C: rotate right by 15 bits, then add a constant.
    pub fn mask(crc: u32) -> MaskedCrc {
        MaskedCrc(crc.rotate_right(15).wrapping_add(MASK_DELTA))
    }
}

impl fmt::Debug for MaskedCrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedCrc({:#010x})", self.0)
    }
}

impl fmt::Display for MaskedCrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

/// Frames `data` as one record at the end of `buf`.
pub fn append_record(buf: &mut Vec<u8>, data: &[u8]) {
    buf.reserve(HEADER_LEN + data.len() + FOOTER_LEN);
    let len = (data.len() as u64).to_le_bytes();
    buf.extend_from_slice(&len);
    buf.extend_from_slice(&MaskedCrc::compute(&len).0.to_le_bytes());
    buf.extend_from_slice(data);
    buf.extend_from_slice(&MaskedCrc::compute(data).0.to_le_bytes());
}

/// Frames the bytes that `fill` appends to `buf` as one record, without an
/// intermediate copy: the header is reserved first and filled in afterwards.
pub fn append_record_with(buf: &mut Vec<u8>, fill: impl FnOnce(&mut Vec<u8>)) {
    let start = buf.len();
    buf.extend_from_slice(&[0; HEADER_LEN]);
    fill(buf);
    let data_len = buf.len() - start - HEADER_LEN;
    let len = (data_len as u64).to_le_bytes();
    buf[start..start + 8].copy_from_slice(&len);
    buf[start + 8..start + HEADER_LEN].copy_from_slice(&MaskedCrc::compute(&len).0.to_le_bytes());
    let crc = MaskedCrc::compute(&buf[start + HEADER_LEN..]);
    buf.extend_from_slice(&crc.0.to_le_bytes());
}

/// Writes `data` as one record with a single `write_all`, so a crash leaves
/// at most one truncated record at the end of the file.
pub fn write_record<W: Write>(writer: &mut W, data: &[u8]) -> io::Result<()> {
    let mut buf = Vec::with_capacity(HEADER_LEN + data.len() + FOOTER_LEN);
    append_record(&mut buf, data);
    writer.write_all(&buf)
}

/// A record read back from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Byte offset of the record's header in the stream.
    pub offset: u64,
    /// The payload (a serialised `Event` in event files).
    pub data: Vec<u8>,
}

/// Why a record could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadRecordError {
    /// The stream ended inside a record. More bytes may still arrive (a
    /// writer is appending); the reader resumes from here on the next call.
    #[error("truncated record at byte {offset}: have {have} of {need} bytes")]
    Truncated {
        /// Offset of the record's header.
        offset: u64,
        /// Bytes of this record present so far.
        have: u64,
        /// Bytes the whole record needs (header only, while the length is unknown).
        need: u64,
    },
    /// The length field's checksum is wrong: the file is damaged here.
    #[error("bad length checksum at byte {offset}: stored {stored}, computed {computed}")]
    BadLengthCrc {
        /// Offset of the record's header.
        offset: u64,
        /// Checksum in the file.
        stored: MaskedCrc,
        /// Checksum of the length bytes.
        computed: MaskedCrc,
    },
    /// The data's checksum is wrong: the file is damaged here.
    #[error(
        "bad data checksum in the record at byte {offset}: stored {stored}, computed {computed}"
    )]
    BadDataCrc {
        /// Offset of the record's header.
        offset: u64,
        /// Checksum in the file.
        stored: MaskedCrc,
        /// Checksum of the data read.
        computed: MaskedCrc,
    },
    /// The length field is too large to be real.
    #[error("record at byte {offset} claims {length} bytes, more than this reader accepts")]
    TooLarge {
        /// Offset of the record's header.
        offset: u64,
        /// The length claimed.
        length: u64,
    },
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Records larger than this are treated as corruption: protobuf itself
/// cannot parse messages of 2 GiB or more.
const MAX_RECORD_LEN: u64 = 2 << 30;

/// Reads records one at a time; resumable after a truncated tail.
///
/// ```
/// use tbconfusion::record::{append_record, RecordReader, ReadRecordError};
/// let mut file = Vec::new();
/// append_record(&mut file, b"first");
/// append_record(&mut file, b"second");
/// // Only part of the second record has been written so far.
/// let (done, rest) = file.split_at(file.len() - 3);
/// let mut reader = RecordReader::new(std::io::Cursor::new(done.to_vec()));
/// assert_eq!(reader.read_record().unwrap().unwrap().data, b"first");
/// assert!(matches!(reader.read_record(), Err(ReadRecordError::Truncated { .. })));
/// // The writer finishes; the reader picks up where it stopped.
/// reader.get_mut().get_mut().extend_from_slice(rest);
/// assert_eq!(reader.read_record().unwrap().unwrap().data, b"second");
/// assert!(reader.read_record().unwrap().is_none());
/// ```
pub struct RecordReader<R> {
    reader: R,
    /// Offset of the record being read.
    offset: u64,
    /// Bytes of the current record read so far (header, data, footer).
    partial: Vec<u8>,
    verify_data: bool,
}

impl<R: Read> RecordReader<R> {
    /// A reader that verifies both checksums of every record.
    pub fn new(reader: R) -> Self {
        RecordReader {
            reader,
            offset: 0,
            partial: Vec::new(),
            verify_data: true,
        }
    }

    /// Turns the data checksum on or off (the length checksum is always
    /// checked). TensorBoard's Rust loader skips it by default.
    pub fn verify_data(mut self, verify: bool) -> Self {
        self.verify_data = verify;
        self
    }

    /// The underlying reader, e.g. to append to an in-memory stream.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Offset of the next record to be returned.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record, `Ok(None)` at a clean end of the stream, or an
    /// error. After [`ReadRecordError::Truncated`] the same call may be
    /// repeated once the stream has grown.
    pub fn read_record(&mut self) -> Result<Option<Record>, ReadRecordError> {
        if !self.fill_to(HEADER_LEN)? {
            if self.partial.is_empty() {
                return Ok(None);
            }
            return Err(self.truncated(HEADER_LEN as u64));
        }
        let len_bytes: [u8; 8] = self.partial[..8]
            .try_into()
            .map_err(|_| self.truncated(8))?;
        let stored = MaskedCrc(u32::from_le_bytes([
            self.partial[8],
            self.partial[9],
            self.partial[10],
            self.partial[11],
        ]));
        let computed = MaskedCrc::compute(&len_bytes);
        if stored != computed {
            return Err(ReadRecordError::BadLengthCrc {
                offset: self.offset,
                stored,
                computed,
            });
        }
        let length = u64::from_le_bytes(len_bytes);
        if length > MAX_RECORD_LEN {
            return Err(ReadRecordError::TooLarge {
                offset: self.offset,
                length,
            });
        }
        let total = HEADER_LEN + length as usize + FOOTER_LEN;
        if !self.fill_to(total)? {
            return Err(self.truncated(total as u64));
        }
        let data_end = HEADER_LEN + length as usize;
        if self.verify_data {
            let footer = &self.partial[data_end..total];
            let stored = MaskedCrc(u32::from_le_bytes([
                footer[0], footer[1], footer[2], footer[3],
            ]));
            let computed = MaskedCrc::compute(&self.partial[HEADER_LEN..data_end]);
            if stored != computed {
                return Err(ReadRecordError::BadDataCrc {
                    offset: self.offset,
                    stored,
                    computed,
                });
            }
        }
        let mut data = std::mem::take(&mut self.partial);
        data.truncate(data_end);
        data.drain(..HEADER_LEN);
        let record = Record {
            offset: self.offset,
            data,
        };
        self.offset += total as u64;
        Ok(Some(record))
    }

    /// Reads until `partial` holds `want` bytes; `false` if the stream ended first.
    fn fill_to(&mut self, want: usize) -> io::Result<bool> {
        let have = self.partial.len();
        if have < want {
            (&mut self.reader)
                .take((want - have) as u64)
                .read_to_end(&mut self.partial)?;
        }
        Ok(self.partial.len() >= want)
    }

    fn truncated(&self, need: u64) -> ReadRecordError {
        ReadRecordError::Truncated {
            offset: self.offset,
            have: self.partial.len() as u64,
            need,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn crc32c_check_values() {
        // The standard check value of CRC-32C (IEEE CRC-32 would give 0xcbf43926).
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        // RFC 3720 (iSCSI), appendix B.4: 32 bytes of zeros.
        assert_eq!(crc32c::crc32c(&[0u8; 32]), 0x8a91_36aa);
        // RFC 3720 B.4: 32 bytes of 0xff, and an ascending sequence.
        assert_eq!(crc32c::crc32c(&[0xffu8; 32]), 0x62a8_ab43);
        let ascending: Vec<u8> = (0..32).collect();
        assert_eq!(crc32c::crc32c(&ascending), 0x46dd_794e);
    }

    #[test]
    fn masked_values_from_tensorboard() {
        // The length field of the 24-byte record in `full_record_golden_bytes`,
        // computed with an independent bitwise CRC-32C.
        assert_eq!(
            MaskedCrc::compute(&24u64.to_le_bytes()),
            MaskedCrc(0x224b_7fa3)
        );
        // TensorBoard's vector:
        // https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/masked_crc.rs#L73-L82
        assert_eq!(
            MaskedCrc::compute(b"\x1a\x11CRC test, one two"),
            MaskedCrc(0x5794_d08a)
        );
        // The empty payload masks to the mask constant itself.
        assert_eq!(MaskedCrc::compute(b""), MaskedCrc(MASK_DELTA));
    }

    #[test]
    fn full_record_golden_bytes() {
        // Event{wall_time: 1234.5, file_version: "brain.Event:2"} framed as
        // TensorBoard's writer frames it (little-endian u64 length, masked CRC
        // of the length, payload, masked CRC of the payload:
        // https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/summary/writer/record_writer.py#L36-L40),
        // CRCs computed with an independent bitwise CRC-32C.
        let data = hex("0900000000004a93401a0d627261696e2e4576656e743a32");
        let want =
            hex("1800000000000000a37f4b220900000000004a93401a0d627261696e2e4576656e743a3265b8d3fb");
        let mut buf = Vec::new();
        append_record(&mut buf, &data);
        assert_eq!(buf, want);
        let mut written = Vec::new();
        write_record(&mut written, &data).unwrap();
        assert_eq!(written, want);
        let mut filled = Vec::new();
        append_record_with(&mut filled, |b| b.extend_from_slice(&data));
        assert_eq!(filled, want);
    }

    #[test]
    fn resumes_after_every_possible_truncation_point() {
        let mut file = Vec::new();
        append_record(&mut file, b"alpha");
        append_record(&mut file, b"");
        append_record(&mut file, &[7u8; 300]);
        for cut in 0..=file.len() {
            let mut reader = RecordReader::new(Cursor::new(file[..cut].to_vec()));
            let mut got = Vec::new();
            let mut appended = false;
            loop {
                match reader.read_record() {
                    Ok(Some(r)) => got.push(r.data),
                    Ok(None) if appended => break,
                    // A clean end (cut on a boundary) or a partial tail: the
                    // writer appends the rest and the reader continues.
                    Ok(None) | Err(ReadRecordError::Truncated { .. }) => {
                        reader.get_mut().get_mut().extend_from_slice(&file[cut..]);
                        appended = true;
                    }
                    Err(e) => panic!("cut {cut}: {e}"),
                }
            }
            assert_eq!(
                got,
                vec![b"alpha".to_vec(), vec![], vec![7u8; 300]],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn detects_corruption() {
        let mut file = Vec::new();
        append_record(&mut file, b"payload");
        let mut bad_len = file.clone();
        bad_len[0] ^= 1;
        match RecordReader::new(Cursor::new(bad_len)).read_record() {
            Err(ReadRecordError::BadLengthCrc { offset: 0, .. }) => {}
            other => panic!("{other:?}"),
        }
        let mut bad_data = file.clone();
        bad_data[HEADER_LEN] ^= 1;
        match RecordReader::new(Cursor::new(bad_data.clone())).read_record() {
            Err(ReadRecordError::BadDataCrc { offset: 0, .. }) => {}
            other => panic!("{other:?}"),
        }
        // Without data verification the damaged payload is returned, as
        // TensorBoard's Rust loader does by default.
        let r = RecordReader::new(Cursor::new(bad_data))
            .verify_data(false)
            .read_record()
            .unwrap()
            .unwrap();
        assert_eq!(r.data, b"qayload");
    }
}
