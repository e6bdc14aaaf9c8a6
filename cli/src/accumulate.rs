//! Grouping records into one confusion matrix per run and step.
//!
//! Counts are kept sparse per step (at most K² cells, whatever the number
//! of predictions), so memory depends on classes and steps, not on the size
//! of the input. Class names seen without `--labels` are interned while
//! reading and put in sorted order at the end; every class is checked when
//! its record is read, so each error still points at its line.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use tbconfusion::confusion::{ScoreHistogram, ScoreKind};

use super::dump::{ClassValue, Prediction, Record};
use super::error::{CliError, DumpError, Location};
use super::labels::Labels;

/// The largest number of classes accepted: K² cells per step must fit in
/// memory and in a readable image.
pub const MAX_CLASSES: usize = 4096;

/// Maps class values to indices and decides the class names.
#[derive(Debug, Default)]
struct ClassSpace {
    labels: Option<Labels>,
    /// Whether some `--labels` name looks like an integer: then integer cells
    /// are matched as names ("1" is the class named 1), never as indices.
    numeric_labels: bool,
    /// Names seen (without `--labels`), by first appearance.
    names: Vec<String>,
    name_ids: FxHashMap<String, u32>,
    /// Largest index seen (without `--labels`).
    max_index: Option<u32>,
    first_index_at: Option<Location>,
    first_name_at: Option<Location>,
    /// Width of score rows, and where it was first seen.
    score_width: Option<(usize, Location)>,
}

impl ClassSpace {
    fn key(&mut self, class: &ClassValue, location: &Location) -> Result<u32, DumpError> {
        if let Some(labels) = &self.labels {
            return match class {
                ClassValue::Int(index) if self.numeric_labels => {
                    let name = index.to_string();
                    labels.index_of(&name).map(|i| i as u32).ok_or_else(|| {
                        DumpError::bad_value(
                            location.clone(),
                            name,
                            format!(
                                "a class name from --labels ({}); names that look like numbers are \
                                 matched as names, not as indices",
                                preview(labels.names())
                            ),
                        )
                    })
                }
                ClassValue::Int(index) => match usize::try_from(*index) {
                    Ok(i) if i < labels.len() => Ok(i as u32),
                    _ => Err(DumpError::bad_value(
                        location.clone(),
                        index.to_string(),
                        format!(
                            "a class index in 0..={} ({} names from --labels)",
                            labels.len() - 1,
                            labels.len()
                        ),
                    )),
                },
                ClassValue::Name(name) => {
                    labels.index_of(name).map(|i| i as u32).ok_or_else(|| {
                        DumpError::bad_value(
                            location.clone(),
                            name.clone(),
                            format!("a class name from --labels ({})", preview(labels.names())),
                        )
                    })
                }
            };
        }
        match class {
            ClassValue::Int(index) => {
                if let Some(first) = &self.first_name_at {
                    return Err(mixed(
                        location,
                        &index.to_string(),
                        "an index",
                        first,
                        "a name",
                    ));
                }
                let key = match usize::try_from(*index) {
                    Ok(i) if i < MAX_CLASSES => i as u32,
                    _ => {
                        return Err(DumpError::bad_value(
                            location.clone(),
                            index.to_string(),
                            format!("a class index in 0..{MAX_CLASSES}"),
                        ));
                    }
                };
                self.first_index_at.get_or_insert_with(|| location.clone());
                self.max_index = self.max_index.max(Some(key));
                Ok(key)
            }
            ClassValue::Name(name) => {
                if let Some(first) = &self.first_index_at {
                    return Err(mixed(location, name, "a name", first, "an index"));
                }
                if let Some((_, scores_at)) = &self.score_width {
                    return Err(names_with_scores(location, name, scores_at));
                }
                self.first_name_at.get_or_insert_with(|| location.clone());
                if let Some(&id) = self.name_ids.get(name) {
                    return Ok(id);
                }
                if self.names.len() >= MAX_CLASSES {
                    return Err(DumpError::bad_value(
                        location.clone(),
                        name.clone(),
                        format!("one of at most {MAX_CLASSES} distinct class names"),
                    ));
                }
                let id = self.names.len() as u32;
                self.names.push(name.clone());
                self.name_ids.insert(name.clone(), id);
                Ok(id)
            }
        }
    }

    fn prediction_key(
        &mut self,
        prediction: &Prediction,
        location: &Location,
    ) -> Result<u32, DumpError> {
        let scores = match prediction {
            Prediction::Class(class) => return self.key(class, location),
            Prediction::Scores(scores) => scores,
        };
        let expected = match (&self.labels, &self.score_width) {
            (Some(labels), _) => Some((labels.len(), "names in --labels".to_string())),
            (None, Some((width, first))) => Some((*width, format!("scores at {first}"))),
            (None, None) => None,
        };
        match expected {
            Some((width, source)) if width != scores.len() => {
                return Err(DumpError::malformed(
                    location.clone(),
                    format!(
                        "{} scores, expected {width} like the {source}",
                        scores.len()
                    ),
                ));
            }
            _ => {}
        }
        if scores.is_empty() || scores.len() > MAX_CLASSES {
            return Err(DumpError::malformed(
                location.clone(),
                format!(
                    "{} scores, expected one per class (1..={MAX_CLASSES})",
                    scores.len()
                ),
            ));
        }
        if let (Some(first_name), None) = (self.names.first(), &self.labels) {
            return Err(names_with_scores(location, first_name, location));
        }
        self.score_width
            .get_or_insert_with(|| (scores.len(), location.clone()));
        let class = prediction.class().unwrap_or(ClassValue::Int(0));
        self.key(&class, location)
    }

    /// The class names in index order, and the old→new key mapping when
    /// names had to be sorted.
    fn finish(self) -> Result<(Vec<String>, Option<Vec<u32>>), CliError> {
        if let Some(labels) = self.labels {
            return Ok((labels.names().to_vec(), None));
        }
        if !self.names.is_empty() {
            let mut sorted: Vec<(usize, String)> = self.names.into_iter().enumerate().collect();
            sorted.sort_by(|a, b| a.1.cmp(&b.1));
            let mut remap = vec![0; sorted.len()];
            for (new, (old, _)) in sorted.iter().enumerate() {
                remap[*old] = new as u32;
            }
            return Ok((
                sorted.into_iter().map(|(_, name)| name).collect(),
                Some(remap),
            ));
        }
        let from_indices = self.max_index.map_or(0, |m| m as usize + 1);
        let from_scores = self.score_width.map_or(0, |(w, _)| w);
        let k = from_indices.max(from_scores);
        if k == 0 {
            return Err(CliError::NoData("no predictions were read".into()));
        }
        Ok(((0..k).map(|i| i.to_string()).collect(), None))
    }
}

fn preview(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    let more = if names.len() > 8 {
        format!(", … {} in all", names.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

fn mixed(location: &Location, value: &str, kind: &str, first: &Location, other: &str) -> DumpError {
    DumpError::bad_value(
        location.clone(),
        value,
        format!(
            "{other} like the class at {first}: without --labels classes must be all indices or all \
             names ({kind} was found here); give --labels to map names to indices"
        ),
    )
}

fn names_with_scores(location: &Location, name: &str, scores_at: &Location) -> DumpError {
    DumpError::malformed(
        location.clone(),
        format!(
            "true class {name:?} is a name but predictions are score rows (at {scores_at}); \
             give --labels so names map to score columns"
        ),
    )
}

/// The sparse counts of one step.
#[derive(Debug, Default)]
struct StepCounts {
    /// Sparse counts; a fast hash, since every prediction looks up a cell.
    cells: FxHashMap<(u32, u32), (u64, f64)>,
    wall_time: Option<f64>,
    /// Per-class score histograms of the records with score rows (the PR
    /// curves' counts), over the score columns.
    scores: Option<ScoreHistogram>,
}

/// One finished matrix: dense K×K counts, row = true class.
#[derive(Clone, Debug, PartialEq)]
pub struct StepMatrix {
    /// The step.
    pub step: i64,
    /// The latest wall time of the step's records, when the input had one.
    pub wall_time: Option<f64>,
    /// Counts, row-major, `counts[t * K + p]`.
    pub counts: Vec<u64>,
    /// Sums of sample weights, row-major, when the input had weights.
    pub weighted: Option<Vec<f64>>,
    /// Score histograms of the step's score rows, when the input had scores.
    pub scores: Option<ScoreHistogram>,
}

/// Everything read, ready to be written: class names and, per run, the
/// matrices in increasing step order.
#[derive(Clone, Debug, PartialEq)]
pub struct Grouped {
    /// Class names in index order (shared by all runs).
    pub classes: Vec<String>,
    /// Run name → matrices by increasing step.
    pub runs: BTreeMap<String, Vec<StepMatrix>>,
    /// Number of predictions read.
    pub predictions: u64,
}

/// Collects records into per-run, per-step sparse counts.
#[derive(Debug, Default)]
pub struct Accumulator {
    classes: ClassSpace,
    runs: BTreeMap<String, BTreeMap<i64, StepCounts>>,
    predictions: u64,
    weighted: bool,
    score_kind: ScoreKind,
}

impl Accumulator {
    /// An accumulator mapping classes through `labels` when given.
    pub fn new(labels: Option<Labels>) -> Self {
        Accumulator {
            classes: ClassSpace {
                numeric_labels: labels
                    .as_ref()
                    .is_some_and(|l| l.names().iter().any(|n| n.trim().parse::<i64>().is_ok())),
                labels,
                ..ClassSpace::default()
            },
            ..Accumulator::default()
        }
    }

    /// How score rows are read for the PR curves (`--scores`; default
    /// [`ScoreKind::Auto`], per row).
    pub fn with_score_kind(mut self, kind: ScoreKind) -> Self {
        self.score_kind = kind;
        self
    }

    /// Adds one record to `run` at `step`. No count changes on error.
    pub fn add(&mut self, run: &str, step: i64, record: &Record) -> Result<(), DumpError> {
        let truth = self.classes.key(&record.truth, &record.location)?;
        let predicted = self
            .classes
            .prediction_key(&record.prediction, &record.location)?;
        // Look the run up before inserting it: no String allocation per prediction.
        let steps = match self.runs.get_mut(run) {
            Some(steps) => steps,
            None => self.runs.entry(run.to_owned()).or_default(),
        };
        let counts = steps.entry(step).or_default();
        if let Prediction::Scores(scores) = &record.prediction {
            // Score rows have one column per class (checked above), and with
            // scores the classes are indices or --labels names: `truth` is the
            // final class index.
            let histogram = counts
                .scores
                .get_or_insert_with(|| ScoreHistogram::new(scores.len()));
            let row: Vec<f32> = scores.iter().map(|&s| s as f32).collect();
            histogram
                .add_row(truth as usize, &row, self.score_kind)
                .map_err(|_| {
                    DumpError::bad_value(
                        record.location.clone(),
                        format!("{:?}", record.truth),
                        format!(
                            "a true class index in 0..{} (one per score column)",
                            scores.len()
                        ),
                    )
                })?;
        }
        let cell = counts.cells.entry((truth, predicted)).or_insert((0, 0.0));
        // A counts table's rows stand for many predictions each (their weight
        // is then the rows' summed weight); counts stay exact or fail.
        let Some(cell_count) = cell.0.checked_add(record.count) else {
            return Err(DumpError::malformed(
                record.location.clone(),
                format!(
                    "adding {} predictions overflows the count of this cell (2^64 - 1 at most)",
                    record.count
                ),
            ));
        };
        cell.0 = cell_count;
        cell.1 += record.weight.unwrap_or(record.count as f64);
        if let Some(time) = record.wall_time {
            counts.wall_time = Some(counts.wall_time.map_or(time, |t: f64| t.max(time)));
        }
        self.weighted |= record.weight.is_some();
        self.predictions = self.predictions.saturating_add(record.count);
        Ok(())
    }

    /// Whether no record was added (a counts table whose counts are all
    /// zero is not empty: its steps exist).
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Dense matrices in step order, with the final class names.
    pub fn finish(self) -> Result<Grouped, CliError> {
        let (classes, remap) = self.classes.finish()?;
        let k = classes.len();
        let map = |key: u32| remap.as_ref().map_or(key, |r| r[key as usize]) as usize;
        let runs = self
            .runs
            .into_iter()
            .map(|(run, steps)| {
                let matrices = steps
                    .into_iter()
                    .map(|(step, sparse)| {
                        let mut counts = vec![0u64; k * k];
                        let mut weighted = self.weighted.then(|| vec![0.0; k * k]);
                        for ((t, p), (count, weight)) in sparse.cells {
                            let cell = map(t) * k + map(p);
                            counts[cell] += count;
                            if let Some(w) = weighted.as_mut() {
                                w[cell] += weight;
                            }
                        }
                        StepMatrix {
                            step,
                            wall_time: sparse.wall_time,
                            counts,
                            weighted,
                            scores: sparse.scores.filter(|h| h.num_classes() == k),
                        }
                    })
                    .collect();
                (run, matrices)
            })
            .collect();
        Ok(Grouped {
            classes,
            runs,
            predictions: self.predictions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Position;

    fn record(line: u64, truth: ClassValue, prediction: Prediction) -> Record {
        Record {
            step: None,
            truth,
            prediction,
            weight: None,
            wall_time: None,
            count: 1,
            location: Location::at("p.csv", Position::Line(line)),
        }
    }

    fn int(i: i64) -> ClassValue {
        ClassValue::Int(i)
    }

    fn name(s: &str) -> ClassValue {
        ClassValue::Name(s.into())
    }

    #[test]
    fn steps_come_out_sorted_with_dense_counts() {
        let mut acc = Accumulator::new(None);
        acc.add("r", 5, &record(2, int(0), Prediction::Class(int(1))))
            .unwrap();
        acc.add("r", 1, &record(3, int(2), Prediction::Class(int(2))))
            .unwrap();
        let mut weighted = record(4, int(0), Prediction::Class(int(1)));
        weighted.weight = Some(0.5);
        weighted.wall_time = Some(20.0);
        acc.add("r", 5, &weighted).unwrap();
        let grouped = acc.finish().unwrap();
        assert_eq!(grouped.classes, ["0", "1", "2"]);
        assert_eq!(grouped.predictions, 3);
        let steps = &grouped.runs["r"];
        assert_eq!(steps.iter().map(|s| s.step).collect::<Vec<_>>(), [1, 5]);
        assert_eq!(steps[1].counts, [0, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(steps[1].weighted.as_ref().unwrap()[1], 1.5);
        assert_eq!(steps[1].wall_time, Some(20.0));
        assert_eq!(steps[0].counts[8], 1);
    }

    #[test]
    fn counted_rows_add_their_count_and_their_summed_weight() {
        let mut acc = Accumulator::new(None);
        let mut many = record(2, int(0), Prediction::Class(int(1)));
        many.count = 40;
        acc.add("r", 1, &many).unwrap();
        // With a count column, the weight is the rows' summed weight.
        let mut weighted = record(3, int(0), Prediction::Class(int(1)));
        (weighted.count, weighted.weight) = (10, Some(2.5));
        acc.add("r", 1, &weighted).unwrap();
        let mut none = record(4, int(1), Prediction::Class(int(1)));
        none.count = 0;
        acc.add("r", 1, &none).unwrap();
        let grouped = acc.finish().unwrap();
        assert_eq!(grouped.predictions, 50);
        let step = &grouped.runs["r"][0];
        assert_eq!(step.counts, [0, 50, 0, 0]);
        assert_eq!(step.weighted.as_ref().unwrap(), &[0.0, 42.5, 0.0, 0.0]);
    }

    #[test]
    fn a_count_that_overflows_its_cell_is_an_error_and_changes_nothing() {
        let mut acc = Accumulator::new(None);
        let mut huge = record(2, int(0), Prediction::Class(int(0)));
        huge.count = i64::MAX as u64;
        for _ in 0..2 {
            acc.add("r", 1, &huge).unwrap();
        }
        huge.count = 2;
        let err = acc.add("r", 1, &huge).unwrap_err().to_string();
        assert!(
            err.contains("p.csv, line 2") && err.contains("overflows"),
            "{err}"
        );
        huge.count = 1;
        acc.add("r", 1, &huge).unwrap();
        assert_eq!(acc.finish().unwrap().runs["r"][0].counts, [u64::MAX]);
    }

    #[test]
    fn an_all_zero_counts_table_still_makes_its_steps() {
        let mut acc = Accumulator::new(None);
        let mut zero = record(2, int(1), Prediction::Class(int(0)));
        zero.count = 0;
        acc.add("r", 4, &zero).unwrap();
        assert!(!acc.is_empty());
        let grouped = acc.finish().unwrap();
        assert_eq!(grouped.runs["r"][0].counts, [0, 0, 0, 0]);
    }

    #[test]
    fn names_without_labels_are_sorted() {
        let mut acc = Accumulator::new(None);
        acc.add(
            "r",
            0,
            &record(2, name("dog"), Prediction::Class(name("cat"))),
        )
        .unwrap();
        acc.add(
            "r",
            0,
            &record(3, name("bird"), Prediction::Class(name("dog"))),
        )
        .unwrap();
        let grouped = acc.finish().unwrap();
        assert_eq!(grouped.classes, ["bird", "cat", "dog"]);
        // dog→cat is (2, 1); bird→dog is (0, 2).
        assert_eq!(grouped.runs["r"][0].counts, [0, 0, 1, 0, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn labels_map_names_and_check_indices() {
        let labels = Labels::from_arg("cat,dog").unwrap();
        let mut acc = Accumulator::new(Some(labels));
        acc.add("r", 0, &record(2, name("dog"), Prediction::Class(int(0))))
            .unwrap();
        let msg = acc
            .add("r", 0, &record(3, name("cow"), Prediction::Class(int(0))))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "p.csv, line 3: \"cow\" is not a class name from --labels (cat, dog)"
        );
        let msg = acc
            .add("r", 0, &record(4, int(2), Prediction::Class(int(0))))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "p.csv, line 4: \"2\" is not a class index in 0..=1 (2 names from --labels)"
        );
        let msg = acc
            .add(
                "r",
                0,
                &record(5, int(1), Prediction::Scores(vec![0.1, 0.2, 0.7])),
            )
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("3 scores, expected 2 like the names in --labels"),
            "{msg}"
        );
        let grouped = acc.finish().unwrap();
        assert_eq!(
            grouped.runs["r"][0].counts,
            [0, 0, 1, 0],
            "failed records leave no trace"
        );
    }

    #[test]
    fn mixing_indices_and_names_points_at_both() {
        let mut acc = Accumulator::new(None);
        acc.add("r", 0, &record(2, int(1), Prediction::Class(int(0))))
            .unwrap();
        let msg = acc
            .add("r", 0, &record(7, name("cat"), Prediction::Class(int(0))))
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(
                "p.csv, line 7: \"cat\" is not an index like the class at p.csv, line 2"
            ),
            "{msg}"
        );
        let msg = acc
            .add("r", 0, &record(8, int(-1), Prediction::Class(int(0))))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("\"-1\" is not a class index in 0..4096"),
            "{msg}"
        );
    }

    #[test]
    fn scores_set_the_class_count_and_must_agree() {
        let mut acc = Accumulator::new(None);
        acc.add(
            "r",
            0,
            &record(2, int(0), Prediction::Scores(vec![0.1, 0.2, 0.7, 0.0])),
        )
        .unwrap();
        let msg = acc
            .add(
                "r",
                0,
                &record(3, int(0), Prediction::Scores(vec![0.1, 0.9])),
            )
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("2 scores, expected 4 like the scores at p.csv, line 2"),
            "{msg}"
        );
        let grouped = acc.finish().unwrap();
        assert_eq!(grouped.classes.len(), 4);
        assert_eq!(grouped.runs["r"][0].counts[2], 1);
        assert!(grouped.runs["r"][0].weighted.is_none());
    }

    #[test]
    fn names_cannot_index_score_rows_without_labels() {
        let mut acc = Accumulator::new(None);
        acc.add("r", 0, &record(2, name("a"), Prediction::Class(name("b"))))
            .unwrap();
        let msg = acc
            .add(
                "r",
                0,
                &record(3, name("a"), Prediction::Scores(vec![0.0; 2])),
            )
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("p.csv, line 3: true class \"a\" is a name"),
            "{msg}"
        );
        let mut acc = Accumulator::new(None);
        acc.add("r", 0, &record(2, int(0), Prediction::Scores(vec![0.0; 2])))
            .unwrap();
        let msg = acc
            .add("r", 0, &record(3, name("a"), Prediction::Class(name("b"))))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("give --labels"), "{msg}");
    }

    #[test]
    fn nothing_read_is_an_error() {
        assert_eq!(
            Accumulator::new(None).finish().unwrap_err().to_string(),
            "no predictions were read"
        );
    }
}
