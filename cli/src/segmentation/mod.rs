//! `tbconfusion convert` for semantic segmentation: directories of
//! predicted label images against a directory of ground-truth masks,
//! paired by relative path, one step per prediction directory, counted
//! pixel by pixel and written like every other run (staged, all or
//! nothing) with the segmentation metrics.

mod count;
mod error;
mod mask;
mod pairs;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tbconfusion::ConfusionMatrix;
use tbconfusion::event::SummaryWriter;

pub use error::SegmentationError;

use crate::detection::Output;
use crate::error::CliError;
use crate::input::InputSource;
use crate::labels::Labels;
use crate::read::{default_run_name, step_from_name};
use crate::write::{check_run_name, publish_all};
use count::Pair;

/// The options that turn `convert` into a segmentation converter.
#[derive(Debug, clap::Args)]
pub struct SegmentationArgs {
    /// Ground-truth label images (PNG, grey value or palette index = class): the inputs are
    /// directories of predicted label images, one per step, paired with these by relative path.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["coco_gt", "yolo_gt"])]
    gt_masks: Option<PathBuf>,
    /// Ground-truth pixel value that marks pixels not to count (with --gt-masks).
    #[arg(long, value_name = "N", default_value_t = 255, requires = "gt_masks")]
    ignore_index: i64,
}

impl SegmentationArgs {
    /// Whether the inputs are segmentation predictions.
    pub fn given(&self) -> bool {
        self.gt_masks.is_some()
    }
}

/// Converts directories of predicted label images: pairs each with the
/// ground truth, counts every pixel and writes one run per input name (or
/// `output.run`), one step per input.
pub fn convert(
    inputs: &[String],
    args: &SegmentationArgs,
    labels: Option<&Labels>,
    output: &Output<'_>,
) -> Result<(), CliError> {
    let Some(truth_dir) = &args.gt_masks else {
        return Err(CliError::Internal("no --gt-masks".into()));
    };
    let labels = labels.ok_or_else(|| {
        CliError::Usage(
            "--gt-masks needs --labels (classes.txt: one class name per line, in index order)"
                .into(),
        )
    })?;
    if inputs.iter().any(|i| i == "-") {
        return Err(CliError::Usage(
            "segmentation inputs are directories of label images; standard input (-) is not read"
                .into(),
        ));
    }
    let empty = ConfusionMatrix::with_class_names(labels.names().iter().cloned())?
        .with_ignore_index(args.ignore_index);
    let truths: BTreeSet<PathBuf> = pairs::png_files(truth_dir)
        .map_err(SegmentationError::into_cli)?
        .into_iter()
        .collect();
    // Every input is paired before any is decoded: a missing file fails at once.
    let mut planned = Vec::with_capacity(inputs.len());
    for (position, input) in inputs.iter().enumerate() {
        let dir = Path::new(input);
        let predictions = pairs::png_files(dir).map_err(SegmentationError::into_cli)?;
        pairs::check_pairs(dir, &predictions, truth_dir, &truths)
            .map_err(SegmentationError::into_cli)?;
        let stem = InputSource::from_arg(input).stem();
        let name_step = stem.as_deref().and_then(step_from_name);
        let run_name = match output.run {
            Some(run) => run.to_owned(),
            None => default_run_name(stem.as_deref(), name_step.is_some()),
        };
        check_run_name(&run_name)?;
        let pairs: Vec<Pair> = predictions
            .iter()
            .map(|relative| Pair {
                prediction: dir.join(relative),
                truth: truth_dir.join(relative),
            })
            .collect();
        planned.push((run_name, name_step.unwrap_or(position as i64), pairs));
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut runs: BTreeMap<String, BTreeMap<i64, ConfusionMatrix>> = BTreeMap::new();
    let (mut images, mut pixels) = (0usize, 0u64);
    for (run_name, step, pairs) in planned {
        let (cm, decoded) =
            count::count_pairs(&pairs, &empty, threads).map_err(SegmentationError::into_cli)?;
        images += pairs.len();
        pixels += decoded;
        let steps = runs.entry(run_name).or_default();
        match steps.get_mut(&step) {
            Some(existing) => existing.merge(&cm)?,
            None => {
                steps.insert(step, cm);
            }
        }
    }
    let mut writers = Vec::with_capacity(runs.len());
    for (run, steps) in &runs {
        let writer = crate::write::open_run(output.logdir, run, output.hparams)?;
        for (step, cm) in steps {
            writer.add_segmentation_matrix(output.tag, cm, *step, output.options)?;
        }
        writers.push(writer);
    }
    for writer in &writers {
        writer.flush()?;
    }
    let files = publish_all(writers, SummaryWriter::close)?;
    if !output.quiet {
        let steps: usize = runs.values().map(BTreeMap::len).sum();
        println!(
            "counted {pixels} pixels in {images} label images into {} run{}, {steps} step{}, {} \
             classes ({} event file{}): tensorboard --logdir {} --samples_per_plugin images={}",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" },
            if steps == 1 { "" } else { "s" },
            labels.len(),
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            output.logdir.display(),
            runs.values().map(BTreeMap::len).max().unwrap_or(0).max(10),
        );
    }
    Ok(())
}

impl SegmentationError {
    /// As a command error.
    fn into_cli(self) -> CliError {
        CliError::Segmentation(self)
    }
}
