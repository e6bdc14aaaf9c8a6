//! `tbconfusion compare`: runs side by side. Each run's counts are read back from its event
//! files by [`crate::logged_counts`] (as `export` reads them), lined up by class name and
//! drawn by the library's [`Comparison`]: into a PNG file, or per step into a run of its own
//! that TensorBoard shows with the step slider.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use tbconfusion::ConfusionMatrix;
use tbconfusion::confusion::compare::{CompareOptions, ComparedRun, Comparison};
use tbconfusion::event::SummaryWriter;
use thiserror::Error;

use crate::error::CliError;
use crate::logged_counts::ExportedMatrix;
use crate::{logdir, logged_counts, write};

/// Shown after the options in `tbconfusion compare --help`.
pub const HELP: &str = concat!(
    "\
Examples:
  tbconfusion compare runs --tag confusion_matrix -o compare.png    # every run, last step
  tbconfusion compare runs --runs a,b,c --steps 1,10,20 -o grid.png  # runs × steps grid
  tbconfusion compare runs --runs a,b --layout bars -o bars.png      # a bar per run in each cell
  tbconfusion compare runs --runs a,b --into compare                 # per step, into a new run

The counts are those `convert` (or the library) logged as <tag>/counts; classes are lined up by
name. `grid` draws a small row-normalised matrix per run (rows) and step (columns) on one colour
scale; `bars` one matrix whose cells hold a bar per run (up to 8 runs, one step). Above
--max-classes classes only the most confused are shown, and the picture says so. --into writes,
at every step all compared runs have, the picture as the image <tag>/compare and a table of each
run's accuracy and macro F1 as the text <tag>/compare/table. Fonts for CJK and Thai names are
taken from the system when installed (fonts-noto-cjk, fonts-noto-core).

",
    samples_per_plugin_note!()
);

/// Options of `tbconfusion compare`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).args(["output", "into"])))]
pub struct Args {
    /// The logdir holding the runs (searched recursively).
    #[arg(value_name = "LOGDIR")]
    logdir: PathBuf,
    /// The tag given to `convert` [default: the only tag with counts].
    #[arg(long, value_name = "T")]
    tag: Option<String>,
    /// The runs to compare, comma-separated, in this order [default: every run with the tag].
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    runs: Vec<String>,
    /// The steps to compare, comma-separated [default: the last step all runs have; with
    /// --into, every step all runs have].
    #[arg(
        long,
        value_name = "S,…",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    steps: Vec<i64>,
    /// The picture.
    #[arg(long, value_enum, default_value = "grid")]
    layout: CompareLayout,
    /// Write the picture to this PNG file.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write the comparison at every common step into this new run under LOGDIR.
    #[arg(long, value_name = "RUN")]
    into: Option<String>,
    /// Above this many classes, show only the most confused ones.
    #[arg(long, value_name = "N", default_value_t = 15)]
    max_classes: usize,
}

/// What `--layout` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CompareLayout {
    /// Rows are runs, columns are steps: a small matrix each, one colour scale.
    Grid,
    /// One matrix per step, each cell a bar per run.
    Bars,
}

/// Why the inputs of `compare` cannot be compared; each names the run, tag or step.
#[derive(Debug, Error)]
pub enum CompareInputError {
    /// `--runs` names a run the logdir does not have.
    #[error("--runs: {logdir} has no run {run:?} (runs: {available})")]
    UnknownRun {
        /// The logdir.
        logdir: String,
        /// The name given.
        run: String,
        /// The runs there are.
        available: String,
    },
    /// A run holds no counts under the tag.
    #[error(
        "run {run:?} has no confusion-matrix counts under tag {tag:?} ({found}); \
         write them with `tbconfusion convert` or add_confusion_matrix"
    )]
    NoCounts {
        /// The run.
        run: String,
        /// The tag.
        tag: String,
        /// What the run does hold.
        found: String,
    },
    /// No run holds counts under the tag.
    #[error("{logdir}: no run has counts under tag {tag:?} (tags with counts: {available})")]
    NoTag {
        /// The logdir.
        logdir: String,
        /// The tag.
        tag: String,
        /// The tags that have counts.
        available: String,
    },
    /// Several tags have counts and none was chosen.
    #[error("{logdir}: several tags have counts ({available}); choose one with --tag")]
    WhichTag {
        /// The logdir.
        logdir: String,
        /// The tags.
        available: String,
    },
    /// A `--steps` value no compared run has.
    #[error("--steps: no compared run has step {step} under tag {tag:?} ({have})")]
    UnknownStep {
        /// The step.
        step: i64,
        /// The tag.
        tag: String,
        /// Each run's steps.
        have: String,
    },
    /// The runs share no step, and one is needed.
    #[error("runs {runs} share no step under tag {tag:?} ({have}); choose steps with --steps")]
    NoCommonStep {
        /// The runs.
        runs: String,
        /// The tag.
        tag: String,
        /// Each run's steps.
        have: String,
    },
    /// `--layout bars` into a file draws one step.
    #[error(
        "--layout bars draws one step into a file, {count} given; give one --steps value, or \
         use --into for every step"
    )]
    BarsNeedOneStep {
        /// Steps given.
        count: usize,
    },
    /// The `--into` run exists already.
    #[error("--into: {path} already exists; choose a new run name (nothing was written)")]
    IntoExists {
        /// The run directory.
        path: String,
    },
    /// A matrix or picture could not be made.
    #[error("tag {tag:?}: {source}")]
    Compare {
        /// The tag.
        tag: String,
        /// The reason.
        #[source]
        source: tbconfusion::confusion::compare::CompareError,
    },
}

impl From<CompareInputError> for CliError {
    fn from(error: CompareInputError) -> CliError {
        CliError::Compare(Box::new(error))
    }
}

/// Runs `tbconfusion compare`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let shown_logdir = args.logdir.display().to_string();
    if let Some(into) = &args.into {
        write::check_run_name(into)?;
        let target = args.logdir.join(into);
        if target.exists() {
            return Err(CompareInputError::IntoExists {
                path: target.display().to_string(),
            }
            .into());
        }
    }
    let files = logdir::event_files(&args.logdir)?;
    let (matrices, truncated) = logged_counts::read_counts(&files)?;
    for tail in &truncated {
        eprintln!(
            "warning: {}: {} (the complete events before it were read)",
            tail.path, tail.message
        );
    }
    let all_runs: BTreeSet<&str> = files.iter().map(|f| f.run.as_str()).collect();
    if let Some(unknown) = args.runs.iter().find(|r| !all_runs.contains(r.as_str())) {
        return Err(CompareInputError::UnknownRun {
            logdir: shown_logdir,
            run: unknown.clone(),
            available: join(all_runs.iter()),
        }
        .into());
    }
    // Without --tag, the only tag of the runs asked for (of every run without --runs).
    let asked: BTreeSet<&str> = matrices
        .iter()
        .filter(|m| args.runs.is_empty() || args.runs.contains(&m.run))
        .map(|m| m.tag.as_str())
        .collect();
    let tag = choose_tag(&args, &asked, &matrices, &shown_logdir)?;
    let by_run = runs_with_tag(&matrices, &tag);
    let names: Vec<String> = if args.runs.is_empty() {
        by_run.keys().map(|r| (*r).to_owned()).collect()
    } else {
        args.runs.clone()
    };
    let mut runs = Vec::with_capacity(names.len());
    for name in &names {
        let Some(steps) = by_run.get(name.as_str()) else {
            let tags: BTreeSet<&str> = matrices
                .iter()
                .filter(|m| &m.run == name)
                .map(|m| m.tag.as_str())
                .collect();
            let found = if tags.is_empty() {
                "it has no counts at all".to_owned()
            } else {
                format!("it has counts under {}", join(tags.iter()))
            };
            return Err(CompareInputError::NoCounts {
                run: name.clone(),
                tag,
                found,
            }
            .into());
        };
        runs.push(ComparedRun {
            name: name.clone(),
            matrices: steps
                .iter()
                .map(|(&step, m)| Ok((step, dense(m)?)))
                .collect::<Result<_, CliError>>()?,
        });
    }
    let steps = choose_steps(&args, &runs, &tag)?;
    let comparison = Comparison::new(tag.clone(), runs, steps.clone()).map_err(|source| {
        CompareInputError::Compare {
            tag: tag.clone(),
            source,
        }
    })?;
    let options = CompareOptions::default()
        .max_classes(args.max_classes)
        .fallback_fonts_from_system();
    let picture = |step: Option<i64>| -> Result<tbconfusion::Png, CliError> {
        let drawn = match (args.layout, step) {
            (CompareLayout::Grid, None) => comparison.render_grid(&options),
            (CompareLayout::Grid, Some(step)) => comparison.render_grid_step(step, &options),
            (CompareLayout::Bars, step) => {
                comparison.render_bars(step.unwrap_or(steps[0]), &options)
            }
        };
        drawn.map_err(|source| {
            CompareInputError::Compare {
                tag: tag.clone(),
                source,
            }
            .into()
        })
    };
    match (&args.output, &args.into) {
        (Some(output), _) => {
            let png = picture(None)?;
            crate::write::write_atomically(output, png.bytes())?;
            eprintln!(
                "wrote {} ({}×{} px): {} runs, step{} {}, {} classes",
                output.display(),
                png.width(),
                png.height(),
                comparison.runs().len(),
                if steps.len() == 1 { "" } else { "s" },
                ranges(&steps.iter().copied().collect()),
                comparison.classes().len()
            );
        }
        (None, Some(into)) => {
            let target = args.logdir.join(into);
            let written = write_run(&target, &comparison, &tag, &picture);
            if written.is_err() {
                // Only this command's own, just created, directory: empty after the writer
                // removed its staged file.
                let _ = std::fs::remove_dir(&target);
            }
            let path = written?;
            eprintln!(
                "wrote {} (run {into}): {} steps ({}), images {tag}/compare and text {tag}/compare/table",
                path.display(),
                steps.len(),
                ranges(&steps.iter().copied().collect())
            );
            if steps.len() > 10 {
                eprintln!(
                    "start TensorBoard with --samples_per_plugin images={} to see every step",
                    steps.len()
                );
            }
        }
        (None, None) => {
            return Err(CliError::Usage("give -o FILE or --into RUN".to_owned()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The tag asked for, else the only one with counts.
fn choose_tag(
    args: &Args,
    tags: &BTreeSet<&str>,
    all: &[ExportedMatrix],
    logdir: &str,
) -> Result<String, CliError> {
    let anywhere: BTreeSet<&str> = all.iter().map(|m| m.tag.as_str()).collect();
    match (&args.tag, tags.len()) {
        // A tag some run has: a run asked for without it is named below.
        (Some(tag), _) if anywhere.contains(tag.as_str()) => Ok(tag.clone()),
        (Some(tag), _) => Err(CliError::from(CompareInputError::NoTag {
            logdir: logdir.to_owned(),
            tag: tag.clone(),
            available: join(anywhere.iter()),
        })),
        (None, 1) => Ok(tags
            .iter()
            .next()
            .map_or_else(String::new, |t| (*t).to_owned())),
        (None, 0) => Err(CliError::from(CompareInputError::NoTag {
            logdir: logdir.to_owned(),
            tag: "confusion_matrix".to_owned(),
            available: "none".to_owned(),
        })),
        (None, _) => Err(CliError::from(CompareInputError::WhichTag {
            logdir: logdir.to_owned(),
            available: join(tags.iter()),
        })),
    }
}

/// Per run, its matrices under `tag` by step (a step logged twice: the later one, as
/// TensorBoard shows it).
fn runs_with_tag<'m>(
    matrices: &'m [ExportedMatrix],
    tag: &str,
) -> BTreeMap<&'m str, BTreeMap<i64, &'m ExportedMatrix>> {
    let mut by_run: BTreeMap<&str, BTreeMap<i64, &ExportedMatrix>> = BTreeMap::new();
    for m in matrices.iter().filter(|m| m.tag == tag) {
        by_run.entry(m.run.as_str()).or_default().insert(m.step, m);
    }
    by_run
}

/// The counts read back as a matrix with its class names.
fn dense(m: &ExportedMatrix) -> Result<ConfusionMatrix, CliError> {
    let k = m.classes.len();
    let mut cm = ConfusionMatrix::from_counts(k, m.counts.concat())?;
    cm.set_class_names(m.classes.iter().cloned())?;
    Ok(cm)
}

/// The steps to draw: `--steps` (each in some run; with `--into`, only those all runs
/// have), else the last common step (`-o`) or every common step (`--into`). Steps dropped
/// because a run lacks them are reported.
fn choose_steps(args: &Args, runs: &[ComparedRun], tag: &str) -> Result<Vec<i64>, CliError> {
    let have =
        |run: &ComparedRun| -> BTreeSet<i64> { run.matrices.iter().map(|(s, _)| *s).collect() };
    let describe = || {
        runs.iter()
            .map(|r| format!("{}: {}", r.name, ranges(&have(r))))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let any: BTreeSet<i64> = runs.iter().flat_map(&have).collect();
    for &step in &args.steps {
        if !any.contains(&step) {
            return Err(CompareInputError::UnknownStep {
                step,
                tag: tag.to_owned(),
                have: describe(),
            }
            .into());
        }
    }
    let common: BTreeSet<i64> = runs
        .iter()
        .map(have)
        .reduce(|a, b| a.intersection(&b).copied().collect())
        .unwrap_or_default();
    let no_common = || CompareInputError::NoCommonStep {
        runs: join(runs.iter().map(|r| &r.name)),
        tag: tag.to_owned(),
        have: describe(),
    };
    let steps: Vec<i64> = if args.into.is_some() {
        let wanted: Vec<i64> = if args.steps.is_empty() {
            any.iter().copied().collect()
        } else {
            args.steps.clone()
        };
        let (kept, dropped): (Vec<i64>, Vec<i64>) =
            wanted.into_iter().partition(|s| common.contains(s));
        if !dropped.is_empty() {
            eprintln!(
                "steps {} left out: not every compared run has them ({})",
                join(dropped.iter()),
                describe()
            );
        }
        if kept.is_empty() {
            return Err(no_common().into());
        }
        kept
    } else if args.steps.is_empty() {
        vec![*common.last().ok_or_else(no_common)?]
    } else {
        args.steps.clone()
    };
    if args.layout == CompareLayout::Bars && args.into.is_none() && steps.len() != 1 {
        return Err(CompareInputError::BarsNeedOneStep { count: steps.len() }.into());
    }
    Ok(steps)
}

/// Writes the picture and the table of every compared step into a new, staged run at
/// `target`; returns the event file.
fn write_run(
    target: &Path,
    comparison: &Comparison,
    tag: &str,
    picture: &dyn Fn(Option<i64>) -> Result<tbconfusion::Png, CliError>,
) -> Result<PathBuf, CliError> {
    let writer = SummaryWriter::create_with(target, crate::write::batch_writer_options())?;
    for &step in comparison.steps() {
        writer.add_image(&format!("{tag}/compare"), picture(Some(step))?, step)?;
        let table =
            comparison
                .summary_table(step)
                .map_err(|source| CompareInputError::Compare {
                    tag: tag.to_owned(),
                    source,
                })?;
        writer.add_text(&format!("{tag}/compare/table"), &table, step)?;
    }
    writer.flush()?;
    Ok(writer.close()?)
}

/// `a, b, c`.
fn join<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let all: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}

/// Steps as ranges of consecutive values: `1–5, 7, 9–10`.
fn ranges(steps: &BTreeSet<i64>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = steps.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_as_ranges() {
        let steps: BTreeSet<i64> = [1, 2, 3, 5, 7, 8].into_iter().collect();
        assert_eq!(ranges(&steps), "1–3, 5, 7–8");
        assert_eq!(ranges(&BTreeSet::new()), "none");
    }
}
