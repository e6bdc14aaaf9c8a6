//! Reading prediction dumps for `convert` and `render`: every input is
//! opened, streamed record by record and grouped by run and step. Runs and
//! steps are decided here: the step comes from a column, else from the
//! digits in the file name (`epoch_007.npz` → 7), else from the input's
//! position on the command line.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::accumulate::{Accumulator, Grouped};
use super::dump::{self, Columns};
use super::error::{CliError, DumpError};
use super::input::{self, Format, InputSource};
use super::labels::Labels;
use tbconfusion::confusion::ScoreKind;

/// Predictions read between progress-bar updates.
const PROGRESS_BATCH: u64 = 4096;

/// What to read and how.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// The inputs, in command-line order.
    pub inputs: Vec<InputSource>,
    /// Run name for all inputs (default: from each input's name).
    pub run: Option<String>,
    /// Column choices.
    pub columns: Columns,
    /// Class names.
    pub labels: Option<Labels>,
    /// How score rows are read for the PR curves (`--scores`).
    pub score_kind: ScoreKind,
    /// Format to use instead of detecting it.
    pub format: Option<Format>,
    /// Skip rows with bad values instead of stopping.
    pub skip_bad_rows: bool,
    /// Show a progress bar (only drawn on a terminal).
    pub progress: bool,
}

/// Rows skipped in one input with `--skip-bad-rows`.
#[derive(Debug)]
pub struct Skipped {
    /// The input.
    pub file: String,
    /// How many rows were skipped.
    pub count: u64,
    /// The first problem, as an example.
    pub first: DumpError,
}

/// Reads every input and groups its predictions.
pub fn read_all(options: &ReadOptions) -> Result<(Grouped, Vec<Skipped>), CliError> {
    let progress = progress_bar(options.progress);
    let mut accumulator =
        Accumulator::new(options.labels.clone()).with_score_kind(options.score_kind);
    let mut skipped = Vec::new();
    // Derived run name -> (first input, whether its steps came from its file name).
    let mut derived_runs: std::collections::HashMap<String, (String, bool)> = Default::default();
    for (position, source) in options.inputs.iter().enumerate() {
        let stem = source.stem();
        let name_step = stem.as_deref().and_then(step_from_name);
        let fallback_step = name_step.unwrap_or(position as i64);
        let opened = input::open(source, options.format)?;
        let file = opened.name.clone();
        progress.set_message(file.clone());
        let mut skipped_here: Option<Skipped> = None;
        let mut run: Option<String> = options.run.clone();
        // The progress bar reads the clock on every update: update it in batches.
        let mut unreported = 0u64;
        let mut steps_from_column = false;
        for item in dump::records(opened, &options.columns, fast_class_limit(options))? {
            let added = item.and_then(|record| {
                steps_from_column |= record.step.is_some();
                let run = run.get_or_insert_with(|| {
                    default_run_name(
                        stem.as_deref(),
                        record.step.is_none() && name_step.is_some(),
                    )
                });
                accumulator.add(run, record.step.unwrap_or(fallback_step), &record)
            });
            match added {
                Ok(()) => {
                    unreported += 1;
                    if unreported == PROGRESS_BATCH {
                        progress.inc(unreported);
                        unreported = 0;
                    }
                }
                Err(error @ DumpError::Io { .. }) => return Err(error.into()),
                Err(error) if options.skip_bad_rows => match &mut skipped_here {
                    Some(s) => s.count += 1,
                    None => {
                        skipped_here = Some(Skipped {
                            file: file.clone(),
                            count: 1,
                            first: error,
                        })
                    }
                },
                Err(error) => return Err(error.into()),
            }
        }
        progress.inc(unreported);
        skipped.extend(skipped_here);
        // Two inputs that only share a file name (`a/preds.csv`, `b/preds.csv`)
        // would silently add up in one run; files named by step
        // (`epoch_1.json`, `epoch_2.json`) are meant to.
        if let (None, Some(run)) = (&options.run, &run) {
            let by_name = name_step.is_some() && !steps_from_column;
            match derived_runs.get(run) {
                Some((first, first_by_name)) if !(by_name && *first_by_name) => {
                    return Err(CliError::Usage(format!(
                        "{first} and {file} would both become run {run:?} and their counts would \
                         add up; convert them separately with --run NAME for each"
                    )));
                }
                Some(_) => {}
                None => {
                    derived_runs.insert(run.clone(), (file.clone(), by_name));
                }
            }
        }
    }
    progress.finish_and_clear();
    if accumulator.is_empty() {
        let names: Vec<String> = options
            .inputs
            .iter()
            .map(InputSource::display_name)
            .collect();
        let skipped_note = if skipped.is_empty() {
            ""
        } else {
            " (all rows were skipped as bad)"
        };
        return Err(CliError::NoData(format!(
            "no predictions in {}{skipped_note}; expected at least one row of true and predicted labels",
            names.join(", ")
        )));
    }
    Ok((accumulator.finish()?, skipped))
}

/// How many classes an integer cell may index, when plain integer rows can
/// be counted in bulk: `None` when `--labels` has names that look like
/// numbers (integers are then matched as names, row by row).
fn fast_class_limit(options: &ReadOptions) -> Option<u32> {
    match &options.labels {
        None => Some(crate::accumulate::MAX_CLASSES as u32),
        Some(labels)
            if labels
                .names()
                .iter()
                .any(|n| n.trim().parse::<i64>().is_ok()) =>
        {
            None
        }
        Some(labels) => u32::try_from(labels.len()).ok(),
    }
}

fn progress_bar(wanted: bool) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {human_pos} predictions ({per_sec}) {wide_msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The last group of digits in a file name (`epoch_007` → 7).
pub fn step_from_name(stem: &str) -> Option<i64> {
    let end = stem.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = stem[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    stem[start..end].parse().ok()
}

/// The run an input goes to: its name, without the step digits when the
/// step comes from them (`epoch_007` → `epoch`), so a series of per-epoch
/// files lands in one run. Standard input is run `stdin`.
pub fn default_run_name(stem: Option<&str>, step_from_digits: bool) -> String {
    let Some(stem) = stem else {
        return "stdin".to_string();
    };
    if !step_from_digits {
        return stem.to_string();
    }
    let Some(last_digit) = stem.rfind(|c: char| c.is_ascii_digit()) else {
        return stem.to_string();
    };
    let start = stem[..last_digit]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let separator = |c: char| "_-. ".contains(c);
    let before = stem[..start].trim_end_matches(separator);
    let after = stem[last_digit + 1..].trim_start_matches(separator);
    match (before.is_empty(), after.is_empty()) {
        (true, true) => "run".to_string(),
        (false, true) => before.to_string(),
        (true, false) => after.to_string(),
        // Keep the separator that stood before the digits: `val-3-preds` → `val-preds`.
        (false, false) => {
            let joint = stem[before.len()..].chars().next().unwrap_or('_');
            format!("{before}{joint}{after}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_from_file_names() {
        assert_eq!(step_from_name("epoch_007"), Some(7));
        assert_eq!(step_from_name("run2_epoch10"), Some(10));
        assert_eq!(step_from_name("12"), Some(12));
        assert_eq!(step_from_name("preds"), None);
    }

    #[test]
    fn run_names_drop_the_step_digits() {
        assert_eq!(default_run_name(Some("epoch_007"), true), "epoch");
        assert_eq!(default_run_name(Some("val-3-preds"), true), "val-preds");
        assert_eq!(default_run_name(Some("12"), true), "run");
        assert_eq!(default_run_name(Some("resnet50"), false), "resnet50");
        assert_eq!(default_run_name(None, false), "stdin");
    }
}
