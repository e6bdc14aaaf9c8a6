//! `tbconfusion convert`: prediction dumps in, one event file per run out.
//! The reading is [`crate::read`]'s, the writing [`crate::write`]'s.

use std::path::PathBuf;
use std::process::ExitCode;

use tbconfusion::confusion::ConfusionOptions;

use super::report_skipped;
use super::shared_args::{ReadArgs, RenderArgs};
use crate::detection::{self, DetectionArgs};
use crate::error::CliError;
use crate::hparams::HParamsArgs;
use crate::segmentation::{self, SegmentationArgs};
use crate::{read, write};

/// Shown after the options in `tbconfusion convert --help`.
pub const HELP: &str = concat!(
    "\
Examples:
  tbconfusion convert val.csv --logdir runs
  tbconfusion convert epoch_*.npz --logdir runs --labels classes.txt
  zcat preds.jsonl.gz | tbconfusion convert - --logdir runs --run val
  tbconfusion convert pred/epoch_1 pred/epoch_2 --gt-masks gt/ --labels classes.txt --logdir runs --run seg
  tbconfusion convert val.csv --logdir runs --run lr0.01 --hparams lr=0.01,epochs=20,optimizer=adam
  tensorboard --logdir runs --samples_per_plugin images=100

Input: CSV/TSV with a header (delimiter detected) with columns y_true (or label, target, actual, true)
and y_pred (or prediction, predicted, pred) or per-class scores prob_0..prob_K (argmax); JSON Lines
with one prediction or one step of arrays per line; a JSON list of {actual, predicted} (dvclive);
.npz with y_true and y_pred or probs/logits; .npy of shape (N, 2). Gzip is detected from the bytes.
Classes are integer indices or names; names map through --labels, else they are sorted.
If some --labels names look like numbers, numbers in the data are matched as names.
The step comes from a step/epoch column, else from the digits in the file name (epoch_007.npz -> 7),
else from the input's position on the command line; steps are written in increasing order.
Detectors: COCO results JSON files with --coco-gt instances_val.json, or YOLO prediction
directories (class cx cy w h conf per line) with --yolo-gt labels/ --labels names.txt; one step per
input, matched per image (--match, --iou, --conf); the matrix gets a last class `background`.
Segmentation: directories of label images (PNG, grey value or palette index = class) with
--gt-masks gt/ --labels classes.txt, paired by relative path, one step per directory;
--ignore-index (default 255) ground-truth pixels are skipped. Logs pixel accuracy and (mean) IoU.
Counts tables work too: with a count column (count, n, num, cnt, or --count-col), each row stands
for that many predictions, as a GROUP BY step, y_true, y_pred writes them, or `tbconfusion export`.

",
    samples_per_plugin_note!()
);

/// Options of `tbconfusion convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Prediction dumps; `-` reads standard input.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// Directory to write runs into (TensorBoard's --logdir).
    #[arg(long, value_name = "DIR")]
    logdir: PathBuf,
    /// Run name for all inputs [default: from each input's file name].
    #[arg(long, value_name = "NAME")]
    run: Option<String>,
    /// Tag of the matrices.
    #[arg(long, value_name = "T", default_value = "confusion_matrix")]
    tag: String,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    render: RenderArgs,
    #[command(flatten)]
    detection: DetectionArgs,
    #[command(flatten)]
    segmentation: SegmentationArgs,
    #[command(flatten)]
    hparams: HParamsArgs,
    /// No progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `tbconfusion convert`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    if let Some(run) = &args.run {
        write::check_run_name(run)?;
    }
    if args.tag.is_empty() {
        return Err(CliError::Usage("--tag must not be empty".into()));
    }
    // Checked before any input is read, so a mistake costs nothing.
    let hparams = args.hparams.hparams()?;
    if args.segmentation.given() || args.detection.given() {
        // Label images and detection dumps pair inputs with their ground truth
        // themselves; only the class names come from the shared options.
        let labels = args.read.options(&args.inputs, None, false)?.labels;
        let confusion = ConfusionOptions::default().render(args.render.options());
        let output = detection::Output {
            logdir: &args.logdir,
            run: args.run.as_deref(),
            tag: &args.tag,
            options: &confusion,
            quiet: args.quiet,
            hparams: hparams.as_ref(),
        };
        if args.segmentation.given() {
            segmentation::convert(&args.inputs, &args.segmentation, labels.as_ref(), &output)?;
        } else {
            detection::convert(&args.inputs, &args.detection, labels.as_ref(), &output)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let options = args
        .read
        .options(&args.inputs, args.run.clone(), !args.quiet)?;
    let (grouped, skipped) = read::read_all(&options)?;
    report_skipped(&skipped);
    let confusion = ConfusionOptions::default().render(args.render.options());
    let written = write::write_grouped(
        &grouped,
        &args.logdir,
        &args.tag,
        &confusion,
        hparams.as_ref(),
    )?;
    if !args.quiet {
        let steps: usize = grouped.runs.values().map(Vec::len).sum();
        println!(
            "converted {} predictions into {} run{}, {} step{}, {} classes ({} event file{}): \
             tensorboard --logdir {} --samples_per_plugin images={}",
            grouped.predictions,
            grouped.runs.len(),
            if grouped.runs.len() == 1 { "" } else { "s" },
            steps,
            if steps == 1 { "" } else { "s" },
            grouped.classes.len(),
            written.files.len(),
            if written.files.len() == 1 { "" } else { "s" },
            args.logdir.display(),
            written.max_steps.max(10),
        );
    }
    Ok(ExitCode::SUCCESS)
}
