//! Which column holds what, for the readers of tables with a header (CSV,
//! Parquet, Arrow): columns are found by the names the user chose, else by
//! their usual names (see [`Columns`]).

use super::{
    Columns, OptionalColumns, PREDICTION_ALIASES, SCORE_COLUMN_PREFIXES, SCORES_ALIASES,
    TRUTH_ALIASES, find_column, missing_column,
};
use crate::error::DumpError;

/// How the prediction is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PredictionColumns {
    /// A predicted-label column.
    Label(usize),
    /// One score column per class, in class order; in Parquet and Arrow one
    /// list column may hold every score of a row.
    Scores(Vec<usize>),
}

/// The column of every role, by index into the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnPlan {
    pub(crate) truth: usize,
    pub(crate) prediction: PredictionColumns,
    pub(crate) optional: OptionalColumns<usize>,
}

impl ColumnPlan {
    /// Finds the columns among `headers`. With `score_lists`, a column named
    /// like a score row (`probs`, `scores`, … see [`SCORES_ALIASES`]) is
    /// accepted as the prediction too: Parquet and Arrow can hold a list per
    /// cell.
    pub(crate) fn find(
        file: &str,
        headers: &[String],
        columns: &Columns,
        score_lists: bool,
    ) -> Result<ColumnPlan, DumpError> {
        let names = || headers.iter().map(String::as_str);
        let required = |chosen: &Option<String>, aliases: &[&str], role, flag| {
            find_column(names(), chosen.as_deref(), aliases).ok_or_else(|| {
                missing_column(file, role, chosen.as_deref(), aliases, headers, flag)
            })
        };
        let optional = |chosen: &Option<String>, aliases: &[&str], role, flag| match chosen {
            Some(_) => required(chosen, aliases, role, flag).map(Some),
            None => Ok(find_column(names(), None, aliases)),
        };
        let truth = required(&columns.truth, TRUTH_ALIASES, "true-label", "--true-col")?;
        let prediction = match (&columns.prediction, &columns.scores) {
            (Some(_), _) => PredictionColumns::Label(required(
                &columns.prediction,
                PREDICTION_ALIASES,
                "prediction",
                "--pred-col",
            )?),
            (None, Some(score_names)) => {
                PredictionColumns::Scores(score_columns(file, headers, score_names)?)
            }
            (None, None) => match find_column(names(), None, PREDICTION_ALIASES) {
                Some(index) => PredictionColumns::Label(index),
                None => match numbered_score_columns(headers).or_else(|| {
                    score_lists
                        .then(|| find_column(names(), None, SCORES_ALIASES).map(|i| vec![i]))
                        .flatten()
                }) {
                    Some(indices) => PredictionColumns::Scores(indices),
                    None => {
                        let mut looked_for = PREDICTION_ALIASES.to_vec();
                        looked_for.push("prob_0, prob_1, …");
                        if score_lists {
                            looked_for.extend(SCORES_ALIASES);
                        }
                        return Err(missing_column(
                            file,
                            "prediction",
                            None,
                            &looked_for,
                            headers,
                            "--pred-col or --prob-cols",
                        ));
                    }
                },
            },
        };
        Ok(ColumnPlan {
            truth,
            prediction,
            optional: OptionalColumns::find(columns, optional)?,
        })
    }
}

/// Columns `<prefix>_<i>` or `<prefix><i>` for i = 0..K (K ≥ 2), for the
/// first prefix that has a column for 0.
fn numbered_score_columns(headers: &[String]) -> Option<Vec<usize>> {
    SCORE_COLUMN_PREFIXES.iter().find_map(|prefix| {
        let find = |i: usize| {
            headers.iter().position(|h| {
                let h = h.to_ascii_lowercase();
                h == format!("{prefix}_{i}") || h == format!("{prefix}{i}")
            })
        };
        let indices: Vec<usize> = (0..).map_while(find).collect();
        (indices.len() >= 2).then_some(indices)
    })
}

/// The columns the user listed with `--prob-cols`: names, or one `PREFIX*`
/// meaning `PREFIX0`, `PREFIX1`, ….
fn score_columns(
    file: &str,
    headers: &[String],
    names: &[String],
) -> Result<Vec<usize>, DumpError> {
    if let [pattern] = names
        && let Some(prefix) = pattern.strip_suffix('*')
    {
        let indices: Vec<usize> = (0..)
            .map_while(|i| headers.iter().position(|h| *h == format!("{prefix}{i}")))
            .collect();
        if indices.is_empty() {
            return Err(missing_column(
                file,
                "score",
                Some(&format!("{prefix}0")),
                &[],
                headers,
                "--prob-cols",
            ));
        }
        return Ok(indices);
    }
    names
        .iter()
        .map(|name| {
            headers.iter().position(|h| h == name).ok_or_else(|| {
                missing_column(file, "score", Some(name), &[], headers, "--prob-cols")
            })
        })
        .collect()
}
