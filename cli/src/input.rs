//! Opening inputs: a path or `-` for stdin, transparently gunzipped when the
//! bytes start with the gzip magic (whatever the file is called), and the
//! dump format recognised from its first bytes.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use super::error::DumpError;

/// The formats a dump can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Delimited text with a header (`,`, tab, `;` or `|`).
    Csv,
    /// One JSON object per line.
    #[value(name = "jsonl")]
    JsonLines,
    /// One JSON array of objects (as dvclive writes).
    #[value(name = "json")]
    JsonList,
    /// A NumPy `.npy` array.
    Npy,
    /// A NumPy `.npz` archive.
    Npz,
    /// A Parquet file (`PAR1`).
    Parquet,
    /// An Arrow IPC file (Feather v2, `ARROW1`) or stream.
    Arrow,
}

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSource {
    /// Standard input (`-` on the command line).
    Stdin,
    /// A file.
    Path(PathBuf),
}

impl InputSource {
    /// Parses a command-line argument.
    pub fn from_arg(arg: &str) -> InputSource {
        if arg == "-" {
            InputSource::Stdin
        } else {
            InputSource::Path(PathBuf::from(arg))
        }
    }

    /// How the input is named in messages.
    pub fn display_name(&self) -> String {
        match self {
            InputSource::Stdin => "<stdin>".to_string(),
            InputSource::Path(path) => path.display().to_string(),
        }
    }

    /// The file name without directory and without format or compression
    /// extensions (`runs/epoch_007.csv.gz` → `epoch_007`); `None` for stdin.
    pub fn stem(&self) -> Option<String> {
        let InputSource::Path(path) = self else {
            return None;
        };
        let mut name = path.file_name()?.to_string_lossy().into_owned();
        const EXTENSIONS: &[&str] = &[
            ".gz", ".gzip", ".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".npy", ".npz",
        ];
        loop {
            let lower = name.to_ascii_lowercase();
            match EXTENSIONS
                .iter()
                .find(|ext| lower.ends_with(*ext) && lower.len() > ext.len())
            {
                Some(ext) => name.truncate(name.len() - ext.len()),
                None => return Some(name),
            }
        }
    }
}

/// An opened input: decompressed bytes and the format to read them with.
pub struct Opened {
    /// The input as named in messages.
    pub name: String,
    /// The detected or chosen format.
    pub format: Format,
    /// The (decompressed) bytes, from the start.
    pub reader: Box<dyn BufRead>,
    /// The path, when the input is a plain uncompressed file that can be
    /// reopened and seeked (NPZ archives need that; otherwise they are
    /// read into memory).
    pub reopen: Option<PathBuf>,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const NPY_MAGIC: &[u8] = b"\x93NUMPY";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const PARQUET_MAGIC: &[u8] = b"PAR1";
/// Arrow IPC files start with `ARROW1`; streams with a message's
/// continuation marker.
const ARROW_FILE_MAGIC: &[u8] = b"ARROW1";
const ARROW_STREAM_MAGIC: &[u8] = b"\xff\xff\xff\xff";
/// Enough bytes to recognise every format (the JSON check skips leading
/// whitespace, so allow for some).
const SNIFF_LEN: usize = 1024;

/// Opens an input, gunzips it when its first bytes are the gzip magic and
/// detects its format (unless `forced`).
pub fn open(source: &InputSource, forced: Option<Format>) -> Result<Opened, DumpError> {
    let name = source.display_name();
    let raw: Box<dyn Read> = match source {
        InputSource::Stdin => Box::new(io::stdin()),
        InputSource::Path(path) => Box::new(File::open(path).map_err(|e| DumpError::io(&name, e))?),
    };
    let (head, raw) = peek(raw, GZIP_MAGIC.len()).map_err(|e| DumpError::io(&name, e))?;
    let gzipped = head.starts_with(GZIP_MAGIC);
    let decoded: Box<dyn Read> = if gzipped {
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else {
        raw
    };
    let (head, decoded) = peek(decoded, SNIFF_LEN).map_err(|e| DumpError::io(&name, e))?;
    let format = match forced {
        Some(format) => format,
        None => detect(&head, source),
    };
    let reopen = match source {
        InputSource::Path(path) if !gzipped => Some(path.clone()),
        _ => None,
    };
    Ok(Opened {
        name,
        format,
        reader: Box::new(BufReader::with_capacity(1 << 16, decoded)),
        reopen,
    })
}

/// Reads up to `len` bytes and returns them with a reader that yields the
/// whole stream again from its start.
fn peek(mut reader: Box<dyn Read>, len: usize) -> io::Result<(Vec<u8>, Box<dyn Read>)> {
    let mut head = Vec::with_capacity(len);
    (&mut reader).take(len as u64).read_to_end(&mut head)?;
    let again: Box<dyn Read> = Box::new(Cursor::new(head.clone()).chain(reader));
    Ok((head, again))
}

/// Recognises a format from the first bytes, falling back to the extension
/// and then to CSV.
fn detect(head: &[u8], source: &InputSource) -> Format {
    if head.starts_with(NPY_MAGIC) {
        return Format::Npy;
    }
    if head.starts_with(ZIP_MAGIC) {
        return Format::Npz;
    }
    if head.starts_with(PARQUET_MAGIC) {
        return Format::Parquet;
    }
    if head.starts_with(ARROW_FILE_MAGIC) || head.starts_with(ARROW_STREAM_MAGIC) {
        return Format::Arrow;
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => return Format::JsonList,
        Some(b'{') => return Format::JsonLines,
        _ => {}
    }
    let extension = match source {
        InputSource::Path(path) => extension_format(path),
        InputSource::Stdin => None,
    };
    extension.unwrap_or(Format::Csv)
}

fn extension_format(path: &Path) -> Option<Format> {
    let lower = path.to_string_lossy().to_ascii_lowercase();
    let lower = lower.trim_end_matches(".gz");
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        Some(Format::JsonLines)
    } else if lower.ends_with(".json") {
        Some(Format::JsonList)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(mut opened: Opened) -> (Format, Vec<u8>) {
        let mut out = Vec::new();
        opened.reader.read_to_end(&mut out).unwrap();
        (opened.format, out)
    }

    #[test]
    fn gzip_is_detected_by_magic_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("preds.csv");
        std::fs::write(&path, gzip(b"y_true,y_pred\n1,2\n")).unwrap();
        let opened = open(&InputSource::Path(path), None).unwrap();
        assert!(opened.reopen.is_none(), "a gzipped file cannot be seeked");
        assert_eq!(
            read_all(opened),
            (Format::Csv, b"y_true,y_pred\n1,2\n".to_vec())
        );
    }

    #[test]
    fn concatenated_gzip_members_are_all_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("preds.jsonl.gz");
        let mut bytes = gzip(b"{\"y_true\":1,\"y_pred\":1}\n");
        bytes.extend(gzip(b"{\"y_true\":2,\"y_pred\":0}\n"));
        std::fs::write(&path, bytes).unwrap();
        let (format, text) = read_all(open(&InputSource::Path(path), None).unwrap());
        assert_eq!(format, Format::JsonLines);
        assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 2);
    }

    #[test]
    fn formats_are_recognised_from_content() {
        let src = InputSource::Stdin;
        assert_eq!(detect(b"\x93NUMPY\x01\x00", &src), Format::Npy);
        assert_eq!(detect(b"PK\x03\x04rest", &src), Format::Npz);
        assert_eq!(detect(b"PAR1\x15\x04", &src), Format::Parquet);
        assert_eq!(detect(b"ARROW1\0\0\xff", &src), Format::Arrow);
        assert_eq!(detect(b"\xff\xff\xff\xff\x10\0", &src), Format::Arrow);
        assert_eq!(detect(b"  \n[{\"actual\":1}]", &src), Format::JsonList);
        assert_eq!(
            detect(b"\xef\xbb\xbf{\"y_true\":1}", &src),
            Format::JsonLines
        );
        assert_eq!(detect(b"a\tb\n", &src), Format::Csv);
        assert_eq!(
            detect(b"", &InputSource::Path("x.jsonl".into())),
            Format::JsonLines
        );
    }

    #[test]
    fn missing_file_names_the_file() {
        let err = open(&InputSource::from_arg("/nonexistent/p.csv"), None)
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/p.csv: cannot read:"),
            "{err}"
        );
    }

    #[test]
    fn stems_drop_format_and_compression_extensions() {
        let stem = |s: &str| InputSource::from_arg(s).stem();
        assert_eq!(stem("runs/epoch_007.csv.gz").as_deref(), Some("epoch_007"));
        assert_eq!(stem("val.npz").as_deref(), Some("val"));
        assert_eq!(stem(".csv").as_deref(), Some(".csv"));
        assert_eq!(stem("-"), None);
    }
}
