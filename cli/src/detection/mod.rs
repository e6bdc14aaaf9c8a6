//! `tbconfusion convert` for object detectors: COCO results JSON
//! ([`coco`]) or YOLO label directories ([`yolo`]) against their ground
//! truth, matched image by image with the library's
//! [`DetectionMatrix`], one step per input, written like every other run
//! (staged, all or nothing).

mod coco;
mod yolo;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tbconfusion::confusion::ConfusionOptions;
use tbconfusion::confusion::detection::{
    BoxKind, Detection, DetectionError, DetectionMatrix, GroundTruth, MatchOptions, MatchPolicy,
};
use tbconfusion::event::SummaryWriter;
use tbconfusion::hparams::HParams;

use crate::error::{CliError, DumpError, Location};
use crate::input::InputSource;
use crate::labels::Labels;
use crate::read::{default_run_name, step_from_name};
use crate::write::{check_run_name, publish_all};

/// The options that turn `convert` into a detection converter.
#[derive(Debug, clap::Args)]
pub struct DetectionArgs {
    /// COCO ground truth (instances_*.json): the inputs are COCO results JSON files, one per step.
    #[arg(long, value_name = "FILE", conflicts_with = "yolo_gt")]
    coco_gt: Option<PathBuf>,
    /// YOLO ground-truth label directory (one `class cx cy w h` .txt per image): the inputs are
    /// prediction directories (`class cx cy w h conf` per line), one per step.
    #[arg(long, value_name = "DIR")]
    yolo_gt: Option<PathBuf>,
    /// How detections are matched to ground truth: class-aware greedy, Ultralytics' validation
    /// matrix up to 8.4.108, or Ultralytics from 8.4.109 (by score).
    #[arg(long = "match", value_enum, default_value = "class-aware")]
    policy: MatchPolicy,
    /// IoU a pair needs to match [default: 0.5 class-aware (>=), 0.45 ultralytics (>)].
    #[arg(long, value_name = "IOU")]
    iou: Option<f64>,
    /// Score a detection needs to be counted [default: 0.25; >= class-aware, > ultralytics].
    #[arg(long, value_name = "SCORE")]
    conf: Option<f64>,
}

impl DetectionArgs {
    /// Whether the inputs are detection dumps.
    pub fn given(&self) -> bool {
        self.coco_gt.is_some() || self.yolo_gt.is_some()
    }

    fn match_options(&self) -> MatchOptions {
        let preset = match self.policy {
            MatchPolicy::ClassAware => MatchOptions::default(),
            MatchPolicy::UltralyticsByScore => MatchOptions::ultralytics_by_score(),
            _ => MatchOptions::ultralytics(),
        };
        let preset = self.iou.map_or(preset, |iou| preset.iou(iou));
        self.conf.map_or(preset, |conf| preset.conf(conf))
    }
}

/// One image's ground truth, and where each box was read.
#[derive(Debug, Default)]
pub struct ImageTruth {
    /// How errors name the image (`image 42`, `labels/0001.txt`).
    pub name: String,
    /// The boxes, crowd regions included.
    pub boxes: Vec<GroundTruth>,
    /// Where each box was read.
    pub at: Vec<Location>,
}

/// The detections of one image, and where each was read.
#[derive(Debug, Default)]
pub struct ImageDetections {
    /// The detections.
    pub boxes: Vec<Detection>,
    /// Where each detection was read.
    pub at: Vec<Location>,
}

/// What a ground-truth reader gives: the classes and every image.
#[derive(Debug)]
pub struct TruthSet {
    /// Object class names in index order (the background is added later).
    pub classes: Vec<String>,
    /// Every image of the data set.
    pub images: Vec<ImageTruth>,
}

/// Counts one image into `cm`, turning the library's box errors into
/// errors that name the file, line or entry, image and box.
pub fn count_image(
    cm: &mut DetectionMatrix,
    truth: &ImageTruth,
    found: &ImageDetections,
) -> Result<(), CliError> {
    cm.update_image(&truth.boxes, &found.boxes).map_err(|e| {
        let at = |kind: BoxKind, index: usize| match kind {
            BoxKind::GroundTruth => truth.at[index].clone(),
            BoxKind::Detection => found.at[index].clone(),
        };
        match e {
            DetectionError::BadBox {
                kind, index, bbox, ..
            } => DumpError::bad_value(
                at(kind, index),
                format!(
                    "[x1 {}, y1 {}, x2 {}, y2 {}]",
                    bbox.x1, bbox.y1, bbox.x2, bbox.y2
                ),
                format!(
                    "a box with positive, finite width and height ({})",
                    truth.name
                ),
            )
            .into(),
            DetectionError::ClassOutOfRange {
                kind,
                index,
                class,
                classes,
                ..
            } => DumpError::bad_value(
                at(kind, index),
                class.to_string(),
                format!("a class in 0..{classes} ({})", truth.name),
            )
            .into(),
            DetectionError::BadScore { index, score, .. } => DumpError::bad_value(
                at(BoxKind::Detection, index),
                score.to_string(),
                format!("a finite score ({})", truth.name),
            )
            .into(),
            other => CliError::Usage(other.to_string()),
        }
    })
}

/// Where and how [`convert`] writes.
#[derive(Clone, Copy, Debug)]
pub struct Output<'a> {
    /// TensorBoard's logdir.
    pub logdir: &'a Path,
    /// One run for every input, else a run per input name.
    pub run: Option<&'a str>,
    /// Tag of the matrices.
    pub tag: &'a str,
    /// What is logged and how it is drawn.
    pub options: &'a ConfusionOptions,
    /// No summary line.
    pub quiet: bool,
    /// Hyperparameters every run gets.
    pub hparams: Option<&'a HParams>,
}

/// Converts detection dumps: reads the ground truth, matches every input
/// against it and writes one run per input name (or `run`).
pub fn convert(
    inputs: &[String],
    args: &DetectionArgs,
    labels: Option<&Labels>,
    output: &Output<'_>,
) -> Result<(), CliError> {
    let Output {
        logdir,
        run,
        tag,
        options,
        quiet,
        hparams,
    } = *output;
    let match_options = args.match_options();
    // Thresholds are checked once, before anything is read.
    DetectionMatrix::new(["check"], match_options).map_err(|e| CliError::Usage(e.to_string()))?;
    if inputs.iter().any(|i| i == "-") {
        return Err(CliError::Usage(
            "detection inputs are files or directories; standard input (-) is not read".into(),
        ));
    }
    let source = match (&args.coco_gt, &args.yolo_gt) {
        (Some(file), _) => {
            if labels.is_some() {
                return Err(CliError::Usage(
                    "--labels does not apply with --coco-gt: the classes are its categories".into(),
                ));
            }
            Truth::Coco(coco::read_truth(file)?)
        }
        (None, Some(dir)) => {
            let labels = labels.ok_or_else(|| {
                CliError::Usage(
                    "--yolo-gt needs --labels (names.txt: one class name per line, in index order)"
                        .into(),
                )
            })?;
            Truth::Yolo(yolo::read_truth(dir, labels.names())?)
        }
        (None, None) => return Err(CliError::Internal("no ground truth option".into())),
    };
    let truth = match &source {
        Truth::Coco(coco) => &coco.set,
        Truth::Yolo(set) => set,
    };
    let mut runs: BTreeMap<String, BTreeMap<i64, DetectionMatrix>> = BTreeMap::new();
    let (mut images, mut boxes) = (0u64, 0u64);
    for (position, input) in inputs.iter().enumerate() {
        let stem = InputSource::from_arg(input).stem();
        let name_step = stem.as_deref().and_then(step_from_name);
        let step = name_step.unwrap_or(position as i64);
        let run_name = match run {
            Some(run) => run.to_owned(),
            None => default_run_name(stem.as_deref(), name_step.is_some()),
        };
        check_run_name(&run_name)?;
        let mut cm = DetectionMatrix::new(truth.classes.clone(), match_options)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let (found, extra) = match &source {
            Truth::Coco(coco) => (coco::read_results(Path::new(input), coco)?, Vec::new()),
            Truth::Yolo(set) => yolo::read_predictions(Path::new(input), set)?,
        };
        for (truth, found) in truth
            .images
            .iter()
            .zip(&found)
            .chain(extra.iter().map(|(t, f)| (t, f)))
        {
            count_image(&mut cm, truth, found)?;
            boxes += (truth.boxes.len() + found.boxes.len()) as u64;
        }
        images += cm.images();
        let steps = runs.entry(run_name).or_default();
        match steps.get_mut(&step) {
            Some(existing) => existing
                .merge(&cm)
                .map_err(|e| CliError::Internal(e.to_string()))?,
            None => {
                steps.insert(step, cm);
            }
        }
    }
    let mut writers = Vec::with_capacity(runs.len());
    for (run, steps) in &runs {
        let writer = crate::write::open_run(logdir, run, hparams)?;
        for (step, cm) in steps {
            writer.add_detection_matrix(tag, cm, *step, options)?;
        }
        writers.push(writer);
    }
    for writer in &writers {
        writer.flush()?;
    }
    let files = publish_all(writers, SummaryWriter::close)?;
    if !quiet {
        let steps: usize = runs.values().map(BTreeMap::len).sum();
        println!(
            "matched {boxes} boxes in {images} images into {} run{}, {steps} step{}, {} classes + \
             background ({} event file{}): tensorboard --logdir {} --samples_per_plugin images={}",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" },
            if steps == 1 { "" } else { "s" },
            truth.classes.len(),
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            logdir.display(),
            runs.values().map(BTreeMap::len).max().unwrap_or(0).max(10),
        );
    }
    Ok(())
}

/// The ground truth read, in the form its predictions are read against.
enum Truth {
    Coco(coco::CocoTruth),
    Yolo(TruthSet),
}
