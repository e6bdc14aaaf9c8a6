//! Runs side by side: the matrices of several runs at several steps, aligned by class name,
//! drawn as a grid of small matrices on one colour scale ([`Comparison::render_grid`], after
//! Comet's figure) or as one matrix whose cells hold a bar per run
//! ([`Comparison::render_bars`], after W&B's multi-run matrix), with the numbers as a
//! Markdown table ([`Comparison::summary_table`]). The engine of `tbconfusion compare`.
//!
//! # Examples
//!
//! ```
//! use tbconfusion::ConfusionMatrix;
//! use tbconfusion::confusion::compare::{CompareOptions, ComparedRun, Comparison};
//!
//! let mut a = ConfusionMatrix::with_class_names(["cat", "dog"])?;
//! a.update(&[0u8, 1, 1], &[0u8, 1, 0])?;
//! // Another run that knows a third class, in another order: aligned by name.
//! let mut b = ConfusionMatrix::with_class_names(["dog", "cat", "bird"])?;
//! b.update(&[0u8, 1, 2], &[0u8, 1, 0])?;
//! let comparison = Comparison::new(
//!     "val",
//!     vec![
//!         ComparedRun { name: "small".into(), matrices: vec![(10, a)] },
//!         ComparedRun { name: "large".into(), matrices: vec![(10, b)] },
//!     ],
//!     vec![10],
//! )?;
//! assert_eq!(comparison.classes(), ["cat", "dog", "bird"]);
//! let png = comparison.render_grid(&CompareOptions::default())?;
//! assert!(png.bytes().starts_with(b"\x89PNG"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use ab_glyph::FontArc;
use thiserror::Error;

use super::matrix::ConfusionMatrix;
use super::metrics::{Metrics, ZeroDivision};
use super::render::RenderError;
use super::render::compare::Scale;
use crate::png::Png;

/// One run's matrices, by step.
#[derive(Clone, Debug)]
pub struct ComparedRun {
    /// The run's name, shown above its matrices and in the legend.
    pub name: String,
    /// Its matrices, each at its step (any order; steps not compared are ignored).
    pub matrices: Vec<(i64, ConfusionMatrix)>,
}

/// Why a comparison cannot be made or drawn.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CompareError {
    /// No run was given.
    #[error("nothing to compare: no runs")]
    NoRuns,
    /// No step was given.
    #[error("nothing to compare: no steps")]
    NoSteps,
    /// Two runs share a name, so the pictures could not tell them apart.
    #[error("run {run:?} is given twice")]
    DuplicateRun {
        /// The name.
        run: String,
    },
    /// A matrix shares no class name with the runs before it: there is nothing to line up.
    #[error(
        "run {run:?}, step {step}: its classes ({classes}) share no name with those of run \
         {first_run:?} ({first_classes}); compare runs of the same task"
    )]
    DisjointClasses {
        /// The run.
        run: String,
        /// The step.
        step: i64,
        /// Its first class names.
        classes: String,
        /// The first run.
        first_run: String,
        /// Its first class names.
        first_classes: String,
    },
    /// A compared step that no run has.
    #[error("step {step}: no compared run has it")]
    StepInNoRun {
        /// The step.
        step: i64,
    },
    /// A step asked of a layout that draws one step is not among the compared steps.
    #[error("step {step} is not among the compared steps {steps:?}")]
    NotCompared {
        /// The step asked for.
        step: i64,
        /// The compared steps.
        steps: Vec<i64>,
    },
    /// More runs than the bars layout has distinguishable colours.
    #[error(
        "the bars layout shows at most {max} runs (one colour-blind-safe colour each), \
         {runs} given; use the grid layout or fewer runs"
    )]
    TooManyRuns {
        /// Runs given.
        runs: usize,
        /// The most the layout draws.
        max: usize,
    },
    /// The picture would exceed `max_side_px` even with the smallest cells.
    #[error(
        "{what} does not fit in {max_side_px} px even with the smallest cells; compare fewer \
         runs or steps"
    )]
    TooLarge {
        /// What was being drawn.
        what: String,
        /// The cap in force.
        max_side_px: u32,
    },
    /// Drawing or encoding failed.
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// How comparison pictures are drawn.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CompareOptions {
    pub(crate) max_classes: usize,
    pub(crate) max_side_px: u32,
    pub(crate) fallback_fonts: Vec<Arc<FontArc>>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            max_classes: 15,
            max_side_px: 4096,
            fallback_fonts: Vec::new(),
        }
    }
}

impl CompareOptions {
    /// Above this many classes only the most confused ones are shown (ranked as
    /// [`top_confused`](super::top_confused) ranks them, on all compared matrices pooled),
    /// with an "(other)" column for predictions of the rest, and the picture's subtitle says
    /// so. Default 15: what a cell of bars or a small matrix in a grid can still show.
    /// Values below 2 count as 2.
    pub fn max_classes(mut self, classes: usize) -> Self {
        self.max_classes = classes.max(2);
        self
    }

    /// Neither side of a picture exceeds this many pixels (default 4096); cells shrink to
    /// fit, down to a floor.
    pub fn max_side_px(mut self, px: u32) -> Self {
        self.max_side_px = px;
        self
    }

    /// Adds the fallback faces this machine has for scripts DejaVu Sans lacks, as
    /// [`RenderOptions::fallback_fonts_from_system`](super::RenderOptions::fallback_fonts_from_system)
    /// does.
    pub fn fallback_fonts_from_system(mut self) -> Self {
        self.fallback_fonts.extend(
            crate::draw::system_fonts::system_fallback_faces()
                .into_iter()
                .map(Arc::new),
        );
        self
    }
}

/// The matrices of several runs at several steps, on one list of classes.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub(crate) tag: String,
    pub(crate) runs: Vec<String>,
    pub(crate) steps: Vec<i64>,
    pub(crate) classes: Vec<String>,
    /// `panels[run][step]`, K×K counts over `classes`, `None` where the run lacks the step.
    pub(crate) panels: Vec<Vec<Option<Panel>>>,
    /// The shown classes and error scale for the last `max_classes` asked, shared by every
    /// picture (one per step with `--into`), so they are chosen once.
    scale: OnceLock<(usize, Arc<Scale>)>,
}

/// One run's matrix at one step, aligned to the comparison's classes.
#[derive(Clone, Debug)]
pub(crate) struct Panel {
    /// K×K counts, row-major, over the comparison's classes.
    pub(crate) counts: Vec<u64>,
    /// Per class, whether the run's matrix has it (a class it lacks has no row to share).
    pub(crate) has_class: Vec<bool>,
    /// The run's own matrix's metrics (classes it lacks do not enter its means).
    pub(crate) accuracy: f64,
    pub(crate) macro_f1: f64,
    pub(crate) total: u64,
}

impl Panel {
    /// The row sum of class `t`.
    pub(crate) fn row_sum(&self, t: usize, k: usize) -> u64 {
        self.counts[t * k..(t + 1) * k].iter().sum()
    }
}

impl Comparison {
    /// Lines up `runs` at `steps` (in the order given): every matrix is re-indexed onto one
    /// list of classes, the names of the first run's first matrix followed by names new to
    /// each later matrix, in order. A run lacking a step leaves its panel empty.
    ///
    /// # Errors
    ///
    /// [`CompareError::NoRuns`] / [`NoSteps`](CompareError::NoSteps) for empty lists,
    /// [`DuplicateRun`](CompareError::DuplicateRun),
    /// [`DisjointClasses`](CompareError::DisjointClasses) for a matrix sharing no class with
    /// the classes before it, [`StepInNoRun`](CompareError::StepInNoRun) for a step no run has.
    pub fn new(
        tag: impl Into<String>,
        runs: Vec<ComparedRun>,
        steps: Vec<i64>,
    ) -> Result<Comparison, CompareError> {
        if runs.is_empty() {
            return Err(CompareError::NoRuns);
        }
        if steps.is_empty() {
            return Err(CompareError::NoSteps);
        }
        let mut seen_runs = HashSet::new();
        for run in &runs {
            if !seen_runs.insert(run.name.as_str()) {
                return Err(CompareError::DuplicateRun {
                    run: run.name.clone(),
                });
            }
        }
        // The union of class names, in order of first appearance.
        let mut classes: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut first: Option<(String, String)> = None;
        for run in &runs {
            for (step, cm) in run.matrices.iter().filter(|(s, _)| steps.contains(s)) {
                let names = cm.class_names();
                match &first {
                    None => first = Some((run.name.clone(), preview(names))),
                    Some((first_run, first_classes))
                        if !names.iter().any(|n| index.contains_key(n)) =>
                    {
                        return Err(CompareError::DisjointClasses {
                            run: run.name.clone(),
                            step: *step,
                            classes: preview(names),
                            first_run: first_run.clone(),
                            first_classes: first_classes.clone(),
                        });
                    }
                    Some(_) => {}
                }
                for name in names {
                    if !index.contains_key(name) {
                        index.insert(name.clone(), classes.len());
                        classes.push(name.clone());
                    }
                }
            }
        }
        for &step in &steps {
            let somewhere = runs
                .iter()
                .any(|r| r.matrices.iter().any(|(s, _)| *s == step));
            if !somewhere {
                return Err(CompareError::StepInNoRun { step });
            }
        }
        let k = classes.len();
        let panels = runs
            .iter()
            .map(|run| {
                steps
                    .iter()
                    .map(|step| {
                        let (_, cm) = run.matrices.iter().find(|(s, _)| s == step)?;
                        Some(aligned(cm, &index, k))
                    })
                    .collect()
            })
            .collect();
        Ok(Comparison {
            tag: tag.into(),
            runs: runs.into_iter().map(|r| r.name).collect(),
            steps,
            classes,
            panels,
            scale: OnceLock::new(),
        })
    }

    /// The aligned class names.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The run names, in order.
    pub fn runs(&self) -> &[String] {
        &self.runs
    }

    /// The compared steps, in order.
    pub fn steps(&self) -> &[i64] {
        &self.steps
    }

    /// A Markdown table of `step`: one row per run with its accuracy, macro F1 and number of
    /// predictions ("—" where the run lacks the step), so the picture's numbers are also
    /// readable as text.
    ///
    /// # Errors
    ///
    /// [`CompareError::NotCompared`] when `step` is not one of [`steps`](Self::steps).
    pub fn summary_table(&self, step: i64) -> Result<String, CompareError> {
        let column = self.step_index(step)?;
        let mut table = format!(
            "**{}** at step {step}: runs side by side ({} classes aligned by name)\n\n\
             | run | accuracy | macro F1 | N |\n|---|---:|---:|---:|\n",
            self.tag,
            self.classes.len()
        );
        for (run, panels) in self.runs.iter().zip(&self.panels) {
            let cells = match &panels[column] {
                Some(p) => format!(
                    "{} | {} | {}",
                    percent(p.accuracy),
                    decimal(p.macro_f1),
                    crate::confusion::format::group_thousands(p.total)
                ),
                None => "— | — | —".to_owned(),
            };
            table.push_str(&format!("| {} | {cells} |\n", run.replace('|', "\\|")));
        }
        Ok(table)
    }

    /// The grid: one row per run, one column per step (or, for one step, the runs wrapped
    /// into a near-square block), every matrix row-normalised on one colour scale, the run,
    /// step and accuracy above each, and one legend. Above
    /// [`max_classes`](CompareOptions::max_classes) classes it shows the most confused ones.
    ///
    /// # Errors
    ///
    /// [`CompareError::TooLarge`] when the grid cannot fit `max_side_px`,
    /// [`CompareError::Render`] when a font or the encoder fails.
    pub fn render_grid(&self, opts: &CompareOptions) -> Result<Png, CompareError> {
        let columns: Vec<usize> = (0..self.steps.len()).collect();
        super::render::compare::grid(self, &columns, opts)
    }

    /// The bars picture of `step`: one matrix whose cells each hold a bar per run (its row
    /// share), one colour-blind-safe colour per run, and a legend.
    ///
    /// # Errors
    ///
    /// [`CompareError::NotCompared`] for a step not compared,
    /// [`CompareError::TooManyRuns`] above eight runs, [`CompareError::TooLarge`] and
    /// [`CompareError::Render`] as for [`render_grid`](Self::render_grid).
    pub fn render_bars(&self, step: i64, opts: &CompareOptions) -> Result<Png, CompareError> {
        let column = self.step_index(step)?;
        super::render::compare::bars(self, column, opts)
    }

    /// The grid of one compared step: its runs side by side (wrapped into a near-square
    /// block), with the classes and colour scale of the whole comparison, so the pictures of
    /// successive steps line up (what `tbconfusion compare --into` logs per step).
    ///
    /// # Errors
    ///
    /// As [`render_bars`](Self::render_bars), but any number of runs.
    pub fn render_grid_step(&self, step: i64, opts: &CompareOptions) -> Result<Png, CompareError> {
        let column = self.step_index(step)?;
        super::render::compare::grid(self, &[column], opts)
    }

    /// The classes and error scale every picture under `max_classes` shares, chosen once.
    pub(crate) fn scale(&self, max_classes: usize) -> Arc<Scale> {
        match self.scale.get() {
            Some((asked, scale)) if *asked == max_classes => Arc::clone(scale),
            _ => {
                let scale = Arc::new(Scale::of(self, max_classes));
                let _ = self.scale.set((max_classes, Arc::clone(&scale)));
                scale
            }
        }
    }

    /// Every run's matrix at every compared step.
    pub(crate) fn all_panels(&self) -> Vec<&Panel> {
        self.panels.iter().flatten().flatten().collect()
    }

    fn step_index(&self, step: i64) -> Result<usize, CompareError> {
        self.steps
            .iter()
            .position(|&s| s == step)
            .ok_or_else(|| CompareError::NotCompared {
                step,
                steps: self.steps.clone(),
            })
    }
}

/// `cm` re-indexed onto the `k` classes of `index`, with its own metrics.
fn aligned(cm: &ConfusionMatrix, index: &HashMap<String, usize>, k: usize) -> Panel {
    let own = cm.num_classes();
    let to: Vec<usize> = cm.class_names().iter().map(|n| index[n]).collect();
    let mut counts = vec![0u64; k * k];
    let mut has_class = vec![false; k];
    for (t, &at) in to.iter().enumerate() {
        has_class[at] = true;
        for (p, &ap) in to.iter().enumerate() {
            counts[at * k + ap] = cm.counts()[t * own + p];
        }
    }
    let metrics = Metrics::compute(cm, ZeroDivision::Nan);
    Panel {
        counts,
        has_class,
        accuracy: metrics.accuracy,
        macro_f1: metrics.macro_f1.value,
        total: cm.total(),
    }
}

/// The first few names, for an error message.
fn preview(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(4).map(|n| format!("{n:?}")).collect();
    let more = names.len().saturating_sub(4);
    if more > 0 {
        format!("{}, … {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// `0.9123` → `"91.2%"`; NaN → `"—"`.
pub(crate) fn percent(v: f64) -> String {
    if v.is_nan() {
        "—".to_owned()
    } else {
        format!("{:.1}%", 100.0 * v)
    }
}

/// `0.9123` → `"0.912"`; NaN → `"—"`.
fn decimal(v: f64) -> String {
    if v.is_nan() {
        "—".to_owned()
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(names: &[&str], counts: Vec<u64>) -> ConfusionMatrix {
        let mut cm = ConfusionMatrix::from_counts(names.len(), counts).unwrap();
        cm.set_class_names(names.iter().copied()).unwrap();
        cm
    }

    fn run(name: &str, matrices: Vec<(i64, ConfusionMatrix)>) -> ComparedRun {
        ComparedRun {
            name: name.into(),
            matrices,
        }
    }

    #[test]
    fn classes_are_aligned_by_name_and_missing_ones_have_no_row() {
        let a = named(&["cat", "dog"], vec![5, 1, 2, 7]);
        let b = named(&["dog", "bird", "cat"], vec![9, 1, 0, 0, 4, 0, 3, 0, 6]);
        let c = Comparison::new(
            "cm",
            vec![run("a", vec![(1, a)]), run("b", vec![(1, b)])],
            vec![1],
        )
        .unwrap();
        assert_eq!(c.classes(), ["cat", "dog", "bird"]);
        let pa = c.panels[0][0].as_ref().unwrap();
        assert_eq!(pa.counts, [5, 1, 0, 2, 7, 0, 0, 0, 0]);
        assert_eq!(pa.has_class, [true, true, false]);
        let pb = c.panels[1][0].as_ref().unwrap();
        // b's dog→dog 9, dog→bird 1; bird→bird 4; cat→dog 3, cat→cat 6.
        assert_eq!(pb.counts, [6, 3, 0, 0, 9, 1, 0, 0, 4]);
        assert!((pb.accuracy - 19.0 / 23.0).abs() < 1e-12);
    }

    #[test]
    fn disjoint_duplicate_and_absent_inputs_are_named() {
        let a = named(&["cat", "dog"], vec![1, 0, 0, 1]);
        let b = named(&["car", "bus"], vec![1, 0, 0, 1]);
        let err = Comparison::new(
            "cm",
            vec![run("a", vec![(1, a.clone())]), run("b", vec![(1, b)])],
            vec![1],
        )
        .unwrap_err();
        assert!(matches!(err, CompareError::DisjointClasses { .. }));
        let text = err.to_string();
        assert!(text.contains("run \"b\"") && text.contains("\"car\"") && text.contains("\"a\""));
        let err = Comparison::new("cm", vec![run("a", vec![(1, a.clone())])], vec![2]).unwrap_err();
        assert_eq!(err.to_string(), "step 2: no compared run has it");
        let err = Comparison::new(
            "cm",
            vec![run("a", vec![(1, a.clone())]), run("a", vec![(1, a)])],
            vec![1],
        )
        .unwrap_err();
        assert!(matches!(err, CompareError::DuplicateRun { .. }));
    }

    #[test]
    fn the_table_lists_every_run_with_its_numbers() {
        let a = named(&["cat", "dog"], vec![3, 1, 0, 4]);
        let c = Comparison::new(
            "val",
            vec![run("a", vec![(5, a)]), run("b|c", vec![])],
            vec![5],
        )
        .unwrap();
        let table = c.summary_table(5).unwrap();
        // Accuracy 7/8; F1: cat 2·3/(4+3) = 0.857, dog 2·4/(4+5) = 0.889; mean 0.873.
        assert!(table.contains("| a | 87.5% | 0.873 | 8 |"), "{table}");
        assert!(table.contains("| b\\|c | — | — | — |"), "{table}");
        assert!(matches!(
            c.summary_table(6),
            Err(CompareError::NotCompared { step: 6, .. })
        ));
    }
}
