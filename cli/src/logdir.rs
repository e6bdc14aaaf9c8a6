//! Finding and reading event files: a logdir is searched recursively for
//! files whose name contains `tfevents` (as TensorBoard does); each file's
//! run is its directory relative to the logdir (`.` for the top level).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use tbconfusion::event::EventFileReader;
use tbconfusion::event::naming::EVENT_FILE_INFIX;

use super::error::CliError;

/// An event file and the run it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventFile {
    /// The run: the file's directory relative to the logdir.
    pub run: String,
    /// The file.
    pub path: PathBuf,
}

impl EventFile {
    /// Opens the file for reading its events.
    pub fn open(&self) -> Result<EventFileReader<BufReader<File>>, CliError> {
        EventFileReader::open(&self.path).map_err(|e| CliError::Read {
            path: self.path.display().to_string(),
            source: e,
        })
    }
}

/// The event files under `path` (or `path` itself if it is a file), by run
/// and then by name, which is the order TensorBoard reads them in.
pub fn event_files(path: &Path) -> Result<Vec<EventFile>, CliError> {
    let unreadable = |e: std::io::Error| CliError::Read {
        path: path.display().to_string(),
        source: e,
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if metadata.is_file() {
        let run = path
            .parent()
            .and_then(Path::file_name)
            .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned());
        return Ok(vec![EventFile {
            run,
            path: path.to_path_buf(),
        }]);
    }
    let mut by_run: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| CliError::Read {
            path: dir.display().to_string(),
            source: e,
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| CliError::Read {
                path: dir.display().to_string(),
                source: e,
            })?;
            let file_type = entry.file_type().map_err(|e| CliError::Read {
                path: entry.path().display().to_string(),
                source: e,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if file_type.is_dir() {
                pending.push(entry.path());
            } else if name.contains(EVENT_FILE_INFIX) {
                let relative = dir.strip_prefix(path).unwrap_or(&dir);
                let run = if relative.as_os_str().is_empty() {
                    ".".to_string()
                } else {
                    relative.to_string_lossy().replace('\\', "/")
                };
                by_run.entry(run).or_default().push(entry.path());
            }
        }
    }
    Ok(by_run
        .into_iter()
        .flat_map(|(run, mut paths)| {
            paths.sort();
            paths.into_iter().map(move |path| EventFile {
                run: run.clone(),
                path,
            })
        })
        .collect())
}
