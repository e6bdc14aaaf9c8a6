//! `tbconfusion render`: one matrix from prediction dumps straight to a
//! PNG, without TensorBoard. The dumps are read as by `convert`.

use std::path::PathBuf;
use std::process::ExitCode;

use tbconfusion::confusion::{default_title, render_png};

use super::report_skipped;
use super::shared_args::{ReadArgs, RenderArgs};
use crate::error::CliError;
use crate::{read, write};

/// Shown after the options in `tbconfusion render --help`.
pub const HELP: &str = concat!(
    "\
Examples:
  tbconfusion render val.csv -o cm.png
  tbconfusion render epoch_*.npz --step 7 --normalize true --labels classes.txt -o epoch7.png

The inputs are read as by `convert` (same formats and options); the last step is drawn unless
--step is given. To see every step in TensorBoard instead, convert them.
",
    samples_per_plugin_note!()
);

/// Options of `tbconfusion render`.
#[derive(Debug, clap::Args)]
pub struct Args {
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

/// Runs `tbconfusion render`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let options = args.read.options(&args.inputs, None, true)?;
    let (grouped, skipped) = read::read_all(&options)?;
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
            .ok_or_else(|| CliError::NoData("no steps were read".into()))?,
    };
    let cm = write::matrix(&grouped.classes, step)?;
    let render = args.render.options();
    let title = default_title(&args.tag, step.step, &cm, &render);
    let png = render_png(&cm, &title, &render)?;
    write::write_atomically(&args.output, png.bytes())?;
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
