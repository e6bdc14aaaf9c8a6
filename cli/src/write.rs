//! `tbconfusion convert`, writing side: one staged event file per run, so
//! no file TensorBoard would read exists until every run is complete.

use std::path::{Component, Path, PathBuf};

use tbconfusion::ConfusionMatrix;
use tbconfusion::confusion::ConfusionOptions;
use tbconfusion::event::naming::EVENT_FILE_INFIX;
use tbconfusion::event::{EventFileReader, SummaryWriter, WallTime, WriterOptions};
use tbconfusion::hparams::{HParams, SESSION_START_INFO_TAG};
use tbconfusion::proto::event::What;

use super::accumulate::{Grouped, StepMatrix};
use super::error::CliError;

/// What was written.
#[derive(Debug)]
pub struct Written {
    /// The event files, one per run, under their final names.
    pub files: Vec<PathBuf>,
    /// The largest number of steps in one run (for `--samples_per_plugin`).
    pub max_steps: usize,
}

/// Checks a run name: a relative path inside the logdir.
pub fn check_run_name(run: &str) -> Result<(), CliError> {
    let path = Path::new(run);
    let inside = !run.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    if inside {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "run name {run:?} must be a relative path inside the logdir (like val or exp1/val)"
        )))
    }
}

/// A run written by a command: staged (nothing half-written is left behind), and rendered on
/// every core, since the command has nothing else to do while its steps render.
pub fn batch_writer_options() -> WriterOptions {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    WriterOptions::default().staged(true).job_threads(cores)
}

/// Opens a staged writer for `logdir/run`, with the run's hyperparameters
/// (if any) logged first. A run that already holds hyperparameters is
/// refused before anything is written: TensorBoard shows a run's first.
pub fn open_run(
    logdir: &Path,
    run: &str,
    hparams: Option<&HParams>,
) -> Result<SummaryWriter, CliError> {
    let dir = logdir.join(run);
    let Some(hparams) = hparams else {
        return Ok(SummaryWriter::create_with(dir, batch_writer_options())?);
    };
    if let Some(file) = file_with_hparams(&dir) {
        return Err(CliError::HParamsAlreadyInRun {
            run_dir: dir.display().to_string(),
            file: file.display().to_string(),
        });
    }
    let writer = SummaryWriter::create_with(dir, batch_writer_options())?;
    writer.add_hparams(hparams)?;
    Ok(writer)
}

/// The first event file directly in `dir` that logs hyperparameters, if
/// any. Unreadable files and damaged records are skipped: this check only
/// prevents a silent mistake, it is not the place to report them.
fn file_with_hparams(dir: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_file()
                && path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(EVENT_FILE_INFIX))
        })
        .collect();
    files.sort();
    files.into_iter().find(|path| {
        let Ok(reader) = EventFileReader::open(path) else {
            return false;
        };
        reader.map_while(Result::ok).any(|(_, event)| {
            matches!(&event.what, Some(What::Summary(summary))
                if summary.value.iter().any(|v| v.tag == SESSION_START_INFO_TAG))
        })
    })
}

/// The matrix of one step, with the class names and, when the input had
/// sample weights, their sums per cell, and when it had scores, their
/// histograms (for the PR curves).
pub fn matrix(classes: &[String], step: &StepMatrix) -> Result<ConfusionMatrix, CliError> {
    let cm =
        ConfusionMatrix::from_parts(classes.to_vec(), step.counts.clone(), step.weighted.clone())?;
    Ok(match &step.scores {
        Some(scores) => cm.with_score_histogram(scores.clone())?,
        None => cm,
    })
}

/// Writes every run's matrices under `logdir/<run>/`, steps in increasing
/// order, each with its wall time when the input had one. All files stay
/// staged until all runs are written; on any error the writers are
/// dropped, which deletes their partial files.
pub fn write_grouped(
    grouped: &Grouped,
    logdir: &Path,
    tag: &str,
    options: &ConfusionOptions,
    hparams: Option<&HParams>,
) -> Result<Written, CliError> {
    let mut writers = Vec::with_capacity(grouped.runs.len());
    let mut max_steps = 0;
    for (run, steps) in &grouped.runs {
        check_run_name(run)?;
        let writer = open_run(logdir, run, hparams)?;
        for step in steps {
            let cm = matrix(&grouped.classes, step)?;
            match step.wall_time {
                Some(seconds) => {
                    let wall_time = WallTime::new(seconds)?;
                    writer
                        .at(wall_time)
                        .add_confusion_matrix(tag, &cm, step.step, options)?;
                }
                None => writer.add_confusion_matrix(tag, &cm, step.step, options)?,
            }
        }
        max_steps = max_steps.max(steps.len());
        writers.push(writer);
    }
    // Everything is written (and any error surfaces) while all files are
    // still staged; only then are they published, one link each.
    for writer in &writers {
        writer.flush()?;
    }
    let files = publish_all(writers, SummaryWriter::close)?;
    Ok(Written { files, max_steps })
}

/// Publishes every staged run with `publish`, all or nothing: when one
/// fails, the files already published (this command's own, just created)
/// are removed and the runs not reached are dropped, which deletes their
/// staged files.
pub(crate) fn publish_all<W, E>(
    runs: Vec<W>,
    mut publish: impl FnMut(W) -> Result<PathBuf, E>,
) -> Result<Vec<PathBuf>, E> {
    let mut published = Vec::with_capacity(runs.len());
    for run in runs {
        match publish(run) {
            Ok(path) => published.push(path),
            Err(e) => {
                for path in &published {
                    let _ = std::fs::remove_file(path);
                }
                return Err(e);
            }
        }
    }
    Ok(published)
}

/// Writes `bytes` to `path` through a temporary file beside it, so `path` is either the old
/// file or the complete new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let shown = path.display().to_string();
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let result = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path));
    result.map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        CliError::Write {
            path: shown,
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_sums_reach_the_matrix() {
        let classes = ["a".to_string(), "b".to_string()];
        let step = StepMatrix {
            step: 3,
            wall_time: None,
            counts: vec![2, 1, 0, 4],
            weighted: Some(vec![0.5, 3.0, 0.0, 4.0]),
            scores: None,
        };
        let cm = matrix(&classes, &step).unwrap();
        assert_eq!(cm.counts(), [2, 1, 0, 4]);
        assert_eq!(cm.weighted_counts(), Some(&[0.5, 3.0, 0.0, 4.0][..]));
        assert_eq!(cm.class_names(), classes);
        let plain = matrix(
            &classes,
            &StepMatrix {
                weighted: None,
                ..step
            },
        )
        .unwrap();
        assert_eq!(plain.weighted_counts(), None);
    }

    #[test]
    fn a_failed_publish_removes_the_runs_already_published() {
        let dir = tempfile::tempdir().unwrap();
        let publish = |n: usize| -> Result<PathBuf, String> {
            if n == 2 {
                return Err("link refused".into());
            }
            let path = dir.path().join(format!("run{n}"));
            std::fs::write(&path, b"events").map_err(|e| e.to_string())?;
            Ok(path)
        };
        assert_eq!(
            publish_all(vec![0, 1, 2, 3], publish).unwrap_err(),
            "link refused"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let all = publish_all(vec![0, 1], publish).unwrap();
        assert!(all.iter().all(|p| p.exists()));
    }

    #[test]
    fn run_names_stay_inside_the_logdir() {
        assert!(check_run_name("val").is_ok());
        assert!(check_run_name("exp1/val").is_ok());
        for bad in ["", "..", "../x", "/abs", "a/../b", "."] {
            assert!(check_run_name(bad).is_err(), "{bad:?}");
        }
    }
}
