//! `tbconfusion convert`, writing side: one staged event file per run, so
//! no file TensorBoard would read exists until every run is complete.

use std::path::{Component, Path, PathBuf};

use tbconfusion::ConfusionMatrix;
use tbconfusion::confusion::counts::{self, COUNTS_PLUGIN};
use tbconfusion::event::{SummaryWriter, WriterOptions};

use super::accumulate::Grouped;
use super::error::CliError;

/// The tag suffix of the raw-counts tensor logged for tag `T`.
pub const COUNTS_SUFFIX: &str = "/counts";

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

/// Writes every run's matrices under `logdir/<run>/`, steps in increasing
/// order. All files stay staged until all runs are written; on any error
/// the writers are dropped, which deletes their partial files.
pub fn write_grouped(grouped: &Grouped, logdir: &Path, tag: &str) -> Result<Written, CliError> {
    let k = grouped.classes.len();
    let counts_tag = format!("{tag}{COUNTS_SUFFIX}");
    let mut writers = Vec::with_capacity(grouped.runs.len());
    let mut max_steps = 0;
    for (run, steps) in &grouped.runs {
        check_run_name(run)?;
        let writer =
            SummaryWriter::create_with(logdir.join(run), WriterOptions::default().staged(true))?;
        for matrix in steps {
            let mut cm = ConfusionMatrix::from_counts(k, matrix.counts.clone())?;
            cm.set_class_names(grouped.classes.iter().cloned())?;
            let (tensor, content) = counts::encode(&cm);
            writer.add_tensor(&counts_tag, tensor, COUNTS_PLUGIN, content, matrix.step)?;
        }
        max_steps = max_steps.max(steps.len());
        writers.push(writer);
    }
    let mut files = Vec::with_capacity(writers.len());
    for writer in writers {
        files.push(writer.close()?);
    }
    Ok(Written { files, max_steps })
}
