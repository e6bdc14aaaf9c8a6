//! The `tbconfusion` command line: turns prediction dumps into TensorBoard
//! event files, inspects and exports what was written, and renders a
//! matrix straight to PNG. See `tbconfusion --help`.

mod accumulate;
mod convert;
mod dump;
mod error;
mod export;
mod input;
mod inspect;
mod labels;
mod logdir;
mod write;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use tbconfusion::Normalization;
use tbconfusion::confusion::{
    Annotate, ColorMode, ConfusionOptions, RenderOptions, default_title, render_png,
};

use self::convert::ReadOptions;
use self::dump::Columns;
use self::error::CliError;
use self::input::{Format, InputSource};
use self::labels::Labels;

/// Confusion matrices for TensorBoard, from prediction dumps.
#[derive(Debug, Parser)]
#[command(
    name = "tbconfusion",
    version,
    after_help = "Example:\n  tbconfusion convert preds_epoch_*.csv --logdir runs --labels cat,dog,bird\n  \
                  tensorboard --logdir runs --samples_per_plugin images=100\n\n\
                  TensorBoard shows only 10 image steps per tag by default; images=0 shows none."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert prediction dumps (CSV/TSV, JSON Lines, JSON, .npy/.npz, gzipped or not) into event files.
    #[command(after_help = CONVERT_HELP)]
    Convert(Box<ConvertArgs>),
    /// Read back the raw counts per run, tag and step as CSV or JSON.
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
    /// Summarise a logdir or event file: runs, tags, steps, damage, values TensorBoard would drop.
    #[command(after_help = INSPECT_HELP)]
    Inspect(inspect::InspectArgs),
    /// Draw one matrix from a prediction dump into a PNG, without TensorBoard.
    #[command(after_help = RENDER_HELP)]
    Render(Box<RenderCommandArgs>),
}

const RENDER_HELP: &str = "\
Examples:
  tbconfusion render val.csv -o cm.png
  tbconfusion render epoch_*.npz --step 7 --normalize true --labels classes.txt -o epoch7.png

The inputs are read as by `convert` (same formats and options); the last step is drawn unless
--step is given. To see every step in TensorBoard instead, convert and start it with
--samples_per_plugin images=N (N at least the number of steps; TensorBoard shows only 10 image
steps per tag by default and images=0 shows none).";

const CONVERT_HELP: &str = "\
Examples:
  tbconfusion convert val.csv --logdir runs
  tbconfusion convert epoch_*.npz --logdir runs --labels classes.txt
  zcat preds.jsonl.gz | tbconfusion convert - --logdir runs --run val
  tensorboard --logdir runs --samples_per_plugin images=100

Input: CSV/TSV with a header (delimiter detected) with columns y_true (or label, target, actual, true)
and y_pred (or prediction, predicted, pred) or per-class scores prob_0..prob_K (argmax); JSON Lines
with one prediction or one step of arrays per line; a JSON list of {actual, predicted} (dvclive);
.npz with y_true and y_pred or probs/logits; .npy of shape (N, 2). Gzip is detected from the bytes.
Classes are integer indices or names; names map through --labels, else they are sorted.
If some --labels names look like numbers, numbers in the data are matched as names.
The step comes from a step/epoch column, else from the digits in the file name (epoch_007.npz -> 7),
else from the input's position on the command line; steps are written in increasing order.

TensorBoard shows only 10 image steps per tag by default: start it with
--samples_per_plugin images=N (N at least the number of steps; images=0 shows none).";

const EXPORT_HELP: &str = "\
Examples:
  tbconfusion export runs > counts.csv
  tbconfusion export runs --format json -o counts.json

Each CSV row is one cell: run, tag, step, wall_time, true_index, true_class, pred_index, pred_class,
count (non-zero cells only, unless --dense).

TensorBoard shows only 10 image steps per tag by default: start it with
--samples_per_plugin images=N (N at least the number of steps; images=0 shows none).";

const INSPECT_HELP: &str = "\
Examples:
  tbconfusion inspect runs
  tbconfusion inspect runs/val/events.out.tfevents.1700000000.host.1.0 --json

Exit status 1 when a file is damaged or holds values TensorBoard would drop.
TensorBoard shows only 10 image steps per tag by default: start it with
--samples_per_plugin images=N (N at least the number of steps; images=0 shows none).";

#[derive(Debug, Args)]
struct ConvertArgs {
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
    /// No progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

/// How dumps are read (shared by `convert` and `render`).
#[derive(Debug, Args)]
struct ReadArgs {
    /// Class names in index order: a file (one per line, or a JSON list) or a list a,b,c.
    #[arg(long, value_name = "FILE|a,b,c")]
    labels: Option<String>,
    /// Input format [default: detected from the content].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Column (or JSON key, or .npz array) of the true labels.
    #[arg(long, value_name = "NAME")]
    true_col: Option<String>,
    /// Column of the predicted labels.
    #[arg(long, value_name = "NAME")]
    pred_col: Option<String>,
    /// Per-class score columns in class order (`p0,p1,p2` or `p*`), or the key/array of score rows.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    prob_cols: Option<Vec<String>>,
    /// Column of the step.
    #[arg(long, value_name = "NAME")]
    step_col: Option<String>,
    /// Column of the sample weights: adds sample-weighted metrics (`T/weighted/*` and a line in
    /// the table); images and counts stay unweighted.
    #[arg(long, value_name = "NAME")]
    weight_col: Option<String>,
    /// Column of the wall time (seconds since 1970), used as each step's event time.
    #[arg(long, value_name = "NAME")]
    time_col: Option<String>,
    /// Skip rows with bad values (and report how many) instead of stopping.
    #[arg(long)]
    skip_bad_rows: bool,
}

/// How matrices are drawn (shared by `convert` and `render`).
#[derive(Debug, Args)]
struct RenderArgs {
    /// What colours and percentages show: counts (with each cell's share of its row), or shares of the row (true), column (pred) or all.
    #[arg(long, value_enum, default_value = "none")]
    normalize: Normalization,
    /// One blue scale, or blue diagonal and orange errors (small confusions stay visible).
    #[arg(long, value_enum, default_value = "sequential")]
    color_mode: ColorMode,
    /// Whether cells carry their numbers.
    #[arg(long, value_enum, default_value = "auto")]
    annotate: Annotate,
    /// Draw a colour bar.
    #[arg(long)]
    colorbar: bool,
    /// Add per-class recall (right) and precision (bottom) margins.
    #[arg(long)]
    margins: bool,
    /// Largest image side in pixels.
    #[arg(long, value_name = "PX", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(128..=16_384))]
    max_side_px: u32,
}

impl RenderArgs {
    fn options(&self) -> RenderOptions {
        RenderOptions::default()
            .normalization(self.normalize)
            .color_mode(self.color_mode)
            .annotate(self.annotate)
            .colorbar(self.colorbar)
            .margins(self.margins)
            .max_side_px(self.max_side_px)
    }
}

impl ReadArgs {
    fn options(
        &self,
        inputs: &[String],
        run: Option<String>,
        progress: bool,
    ) -> Result<ReadOptions, CliError> {
        if inputs.iter().filter(|i| *i == "-").count() > 1 {
            return Err(CliError::Usage(
                "standard input (-) can be given only once".into(),
            ));
        }
        Ok(ReadOptions {
            inputs: inputs.iter().map(|i| InputSource::from_arg(i)).collect(),
            run,
            columns: Columns {
                truth: self.true_col.clone(),
                prediction: self.pred_col.clone(),
                step: self.step_col.clone(),
                weight: self.weight_col.clone(),
                time: self.time_col.clone(),
                scores: self.prob_cols.clone(),
            },
            labels: self.labels.as_deref().map(Labels::from_arg).transpose()?,
            format: self.format,
            skip_bad_rows: self.skip_bad_rows,
            progress,
        })
    }
}

#[derive(Debug, Args)]
struct RenderCommandArgs {
    /// Prediction dumps; `-` reads standard input.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// The PNG file to write.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The run to draw, when the inputs make several.
    #[arg(long, value_name = "NAME")]
    run: Option<String>,
    /// The step to draw [default: the last].
    #[arg(long)]
    step: Option<i64>,
    /// Name shown in the title.
    #[arg(long, value_name = "T", default_value = "confusion_matrix")]
    tag: String,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    render: RenderArgs,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// A logdir (searched recursively) or one event file.
    #[arg(value_name = "LOGDIR")]
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// CSV: also write cells whose count is zero.
    #[arg(long)]
    dense: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => run_convert(*args),
        Command::Export(args) => run_export(args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Render(args) => run_render(*args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn run_convert(args: ConvertArgs) -> Result<ExitCode, CliError> {
    if let Some(run) = &args.run {
        write::check_run_name(run)?;
    }
    if args.tag.is_empty() {
        return Err(CliError::Usage("--tag must not be empty".into()));
    }
    let options = args
        .read
        .options(&args.inputs, args.run.clone(), !args.quiet)?;
    let (grouped, skipped) = convert::read_all(&options)?;
    report_skipped(&skipped);
    let confusion = ConfusionOptions::default().render(args.render.options());
    let written = write::write_grouped(&grouped, &args.logdir, &args.tag, &confusion)?;
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

fn report_skipped(skipped: &[convert::Skipped]) {
    for skip in skipped {
        eprintln!(
            "skipped {} bad row{} in {} (first: {})",
            skip.count,
            if skip.count == 1 { "" } else { "s" },
            skip.file,
            skip.first
        );
    }
}

fn run_render(args: RenderCommandArgs) -> Result<ExitCode, CliError> {
    let options = args.read.options(&args.inputs, None, true)?;
    let (grouped, skipped) = convert::read_all(&options)?;
    report_skipped(&skipped);
    let runs: Vec<&String> = grouped.runs.keys().collect();
    let steps = match (&args.run, runs.as_slice()) {
        (Some(run), _) => grouped.runs.get(run).ok_or_else(|| {
            CliError::Usage(format!("--run {run:?}: the inputs make the runs {runs:?}"))
        })?,
        (None, [only]) => &grouped.runs[*only],
        (None, _) => {
            return Err(CliError::Usage(format!(
                "the inputs make several runs ({runs:?}); choose one with --run"
            )));
        }
    };
    let step = match args.step {
        Some(wanted) => steps.iter().find(|s| s.step == wanted).ok_or_else(|| {
            let have: Vec<i64> = steps.iter().map(|s| s.step).collect();
            CliError::Usage(format!("--step {wanted}: the run has steps {have:?}"))
        })?,
        None => steps
            .last()
            .ok_or_else(|| CliError::Nothing("no steps were read".into()))?,
    };
    let cm = write::matrix(&grouped.classes, step)?;
    let render = args.render.options();
    let title = default_title(&args.tag, step.step, &cm, &render);
    let png = render_png(&cm, &title, &render)?;
    std::fs::write(&args.output, png.bytes()).map_err(|e| CliError::Write {
        path: args.output.display().to_string(),
        source: e,
    })?;
    eprintln!(
        "wrote {} ({}×{} px): step {}, {} predictions, {} classes",
        args.output.display(),
        png.width(),
        png.height(),
        step.step,
        cm.total(),
        cm.num_classes()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_export(args: ExportArgs) -> Result<ExitCode, CliError> {
    let files = logdir::event_files(&args.path)?;
    let (matrices, truncated) = export::read_counts(&files)?;
    for tail in &truncated {
        eprintln!(
            "warning: {}: {} (the complete events before it were exported)",
            tail.path, tail.message
        );
    }
    if matrices.is_empty() {
        return Err(CliError::Nothing(format!(
            "{}: no confusion-matrix counts found in {} event file{}",
            args.path.display(),
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )));
    }
    let (shown, out): (String, Box<dyn Write>) = match &args.output {
        Some(path) => {
            let file = File::create(path).map_err(|e| CliError::Write {
                path: path.display().to_string(),
                source: e,
            })?;
            (path.display().to_string(), Box::new(BufWriter::new(file)))
        }
        None => (
            "<stdout>".to_string(),
            Box::new(BufWriter::new(io::stdout().lock())),
        ),
    };
    let written = match args.format {
        ExportFormat::Csv => {
            export::write_csv(&matrices, args.dense, out).map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(source) => source,
                other => io::Error::other(format!("{other:?}")),
            })
        }
        ExportFormat::Json => {
            let mut out = out;
            serde_json::to_writer_pretty(&mut out, &matrices)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush())
        }
    };
    match written {
        // A closed pipe (`tbconfusion export runs | head`) is not a failure.
        Err(source) if source.kind() == io::ErrorKind::BrokenPipe => {}
        Err(source) => {
            return Err(CliError::Write {
                path: shown,
                source,
            });
        }
        Ok(()) => {}
    }
    Ok(ExitCode::SUCCESS)
}
