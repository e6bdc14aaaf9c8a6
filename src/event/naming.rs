//! Event file names, and creating a file without ever clobbering one.
//!
//! Names follow TensorFlow's `events.out.tfevents.{secs:010}.{host}.{pid}.{n}`:
//! both loaders read a run's files in name order, and the zero-padded
//! seconds make that the order they were started in. `n` is a per-process
//! counter, and files are created with `create_new`, so two writers in one
//! second (or one process restarting with the same pid) never share a file.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The marker both loaders look for in a file's name.
pub const EVENT_FILE_INFIX: &str = "tfevents";

/// This machine's host name, made safe for a file name.
pub fn host_name() -> String {
    let raw = gethostname::gethostname().to_string_lossy().into_owned();
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.is_empty() {
        "localhost".to_owned()
    } else {
        clean
    }
}

/// A file name for the given second, host, pid and counter.
pub fn event_file_name(secs: u64, host: &str, pid: u32, n: u64, suffix: &str) -> String {
    format!("events.out.{EVENT_FILE_INFIX}.{secs:010}.{host}.{pid}.{n}{suffix}")
}

/// The name a staged file has until it is complete: the same name with the
/// `tfevents` marker removed, so neither TensorBoard loader reads it.
pub fn staged_name(final_name: &str) -> String {
    format!(
        ".{}.partial",
        final_name.replace(EVENT_FILE_INFIX, "tbconfusion-staged")
    )
}

/// Creates a new, empty event file in `dir`, trying further counter values
/// while a name is taken. Returns the open file and its path.
pub fn create_event_file(
    dir: &Path,
    secs: u64,
    suffix: &str,
    staged: bool,
) -> io::Result<(File, PathBuf, String)> {
    let host = host_name();
    let pid = std::process::id();
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = event_file_name(secs, &host, pid, n, suffix);
        let on_disk = if staged {
            staged_name(&name)
        } else {
            name.clone()
        };
        let path = dir.join(&on_disk);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path, name)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Moves a staged file to `final_name` in the same directory without
/// replacing any existing file: a hard link fails if the name is taken (then
/// the next counter value is tried), and only then is the staged name removed.
pub fn publish_staged(staged: &Path, final_name: &str) -> io::Result<PathBuf> {
    let dir = staged.parent().unwrap_or(Path::new("."));
    let mut name = final_name.to_owned();
    loop {
        let target = dir.join(&name);
        match std::fs::hard_link(staged, &target) {
            Ok(()) => {
                // Without the staged name gone the caller sees a failure, so
                // the published name must go too: all or nothing.
                match std::fs::remove_file(staged) {
                    // Gone already: the published name holds the only copy.
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        let _ = std::fs::remove_file(&target);
                        return Err(e);
                    }
                    _ => {}
                }
                return Ok(target);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let n = COUNTER.fetch_add(1, Ordering::Relaxed);
                name = format!("{final_name}.{n}");
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let (_, a, _) = create_event_file(dir.path(), 1_700_000_000, "", false).unwrap();
        let (_, b, _) = create_event_file(dir.path(), 1_700_000_000, "", false).unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("events.out.tfevents.1700000000."),
            "{name}"
        );
        assert!(event_file_name(999, "h", 1, 0, "") < event_file_name(1000, "h", 1, 0, ""));
    }

    #[test]
    fn staged_files_are_invisible_until_published() {
        let dir = tempfile::tempdir().unwrap();
        let (_, staged, name) = create_event_file(dir.path(), 5, ".v2", true).unwrap();
        let staged_name = staged.file_name().unwrap().to_str().unwrap();
        assert!(!staged_name.contains(EVENT_FILE_INFIX), "{staged_name}");
        // An existing file under the final name is never replaced.
        std::fs::write(dir.path().join(&name), b"keep").unwrap();
        let published = publish_staged(&staged, &name).unwrap();
        assert_ne!(published, dir.path().join(&name));
        assert!(
            published
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .contains(EVENT_FILE_INFIX)
        );
        assert_eq!(std::fs::read(dir.path().join(&name)).unwrap(), b"keep");
        assert!(!staged.exists());
    }
}
