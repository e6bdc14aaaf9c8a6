//! The argument groups `convert` and `render` share: how dumps are read
//! ([`ReadArgs`] → [`ReadOptions`]) and how matrices are drawn
//! ([`RenderArgs`] → [`RenderOptions`]).

use clap::Args;

use tbconfusion::Normalization;
use tbconfusion::confusion::{Annotate, ClassOrder, ColorMode, RenderOptions, ScoreKind};

use crate::dump::Columns;
use crate::error::CliError;
use crate::input::{Format, InputSource};
use crate::labels::Labels;
use crate::read::ReadOptions;

/// How dumps are read (shared by `convert` and `render`).
#[derive(Debug, Args)]
pub struct ReadArgs {
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
    /// What score columns hold, for the PR curves (`T/pr/<class>`, `T/ap/<class>`, `T/map`):
    /// probabilities, or logits (softmaxed first). auto decides per row: probabilities if every
    /// entry is in [0, 1] and they sum to 1 within 1e-3, else logits.
    #[arg(long, value_enum, value_name = "KIND", default_value = "auto")]
    scores: ScoreKind,
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
    /// Column of counts, for a counts table (a `GROUP BY step, y_true, y_pred`, or what `export`
    /// writes): each row stands for that many predictions, and its weight (if any) is their
    /// summed weight. Found by default under count, n, num or cnt.
    #[arg(long, value_name = "NAME", visible_alias = "count-column")]
    count_col: Option<String>,
    /// Skip rows with bad values (and report how many) instead of stopping.
    #[arg(long)]
    skip_bad_rows: bool,
}

impl ReadArgs {
    /// What to read: `inputs` as given on the command line, into `run`
    /// (else a run per input name); `progress` asks for a progress bar.
    pub fn options(
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
                count: self.count_col.clone(),
                scores: self.prob_cols.clone(),
            },
            labels: self.labels.as_deref().map(Labels::from_arg).transpose()?,
            score_kind: self.scores,
            format: self.format,
            skip_bad_rows: self.skip_bad_rows,
            progress,
        })
    }
}

/// How matrices are drawn (shared by `convert` and `render`).
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// What colours and percentages show: counts (with each cell's share of its row), or shares of the row (true), column (pred) or all. Default: counts while cells carry their numbers, else true.
    #[arg(long, value_enum)]
    normalize: Option<Normalization>,
    /// One blue scale, or blue diagonal and orange errors (small confusions stay visible). Default: sequential while cells carry their numbers, else errors.
    #[arg(long, value_enum)]
    color_mode: Option<ColorMode>,
    /// Class order: clustered puts confused classes together. Default (auto): clustered for heatmaps, given otherwise.
    #[arg(long, value_enum, default_value = "auto")]
    class_order: ClassOrder,
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
    /// The library's rendering options for these arguments.
    pub fn options(&self) -> RenderOptions {
        let mut options = RenderOptions::default().class_order(self.class_order);
        if let Some(norm) = self.normalize {
            options = options.normalization(norm);
        }
        if let Some(mode) = self.color_mode {
            options = options.color_mode(mode);
        }
        options
            .annotate(self.annotate)
            .colorbar(self.colorbar)
            .margins(self.margins)
            .max_side_px(self.max_side_px)
    }
}
