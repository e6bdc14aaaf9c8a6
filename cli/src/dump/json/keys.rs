//! Which keys of a JSON object mean true label, prediction (a class or a
//! row of scores), step, weight, wall time and count, and the records one object
//! holds: one prediction, or a whole step as arrays. The key roles are
//! resolved once per distinct set of keys.

use serde_json::{Map, Value};

use crate::dump::{
    CLASS_EXPECTED, ClassValue, Columns, OptionalColumns, PREDICTION_ALIASES, Prediction, Record,
    SCORE_EXPECTED, SCORES_ALIASES, STEP_EXPECTED, TIME_EXPECTED, TRUTH_ALIASES, WEIGHT_EXPECTED,
    check_count, check_non_negative, exact_integer, find_column, missing_column, parse_class,
};
use crate::error::{DumpError, Location};

/// Which key of an object plays which role. Resolved once per distinct
/// set of keys: JSON Lines files repeat the same keys on every line, and
/// matching them against the aliases cost as much as parsing the line.
pub(super) struct KeyPlan {
    keys: Vec<String>,
    truth: String,
    prediction: Option<String>,
    scores: Option<String>,
    optional: OptionalColumns<String>,
}

/// The keys a flat object of labels uses, for the JSON Lines fast path.
pub(super) struct LabelKeys<'a> {
    pub truth: &'a str,
    pub prediction: &'a str,
    pub step: Option<&'a str>,
    pub count: Option<&'a str>,
}

impl KeyPlan {
    /// The label keys, when the objects hold labels only (no scores,
    /// weights or wall times).
    pub(super) fn label_keys(&self) -> Option<LabelKeys<'_>> {
        if self.optional.weight.is_some() || self.optional.time.is_some() {
            return None;
        }
        Some(LabelKeys {
            truth: &self.truth,
            prediction: self.prediction.as_deref()?,
            step: self.optional.step.as_deref(),
            count: self.optional.count.as_deref(),
        })
    }

    /// Which key plays which role in `object`.
    ///
    /// # Errors
    ///
    /// A required key is missing, or a chosen one absent.
    pub(super) fn resolve(
        object: &Map<String, Value>,
        columns: &Columns,
        here: &Location,
    ) -> Result<KeyPlan, DumpError> {
        let keys: Vec<String> = object.keys().cloned().collect();
        let key = |chosen: &Option<String>, aliases: &[&str]| {
            find_column(keys.iter().map(String::as_str), chosen.as_deref(), aliases)
                .map(|i| keys[i].clone())
        };
        let required = |chosen: &Option<String>, aliases: &[&str], role, flag| {
            key(chosen, aliases).ok_or_else(|| {
                missing_column(
                    &here.to_string(),
                    role,
                    chosen.as_deref(),
                    aliases,
                    &keys,
                    flag,
                )
            })
        };
        let optional = |chosen: &Option<String>, aliases: &[&str], role, flag| match chosen {
            Some(_) => required(chosen, aliases, role, flag).map(Some),
            None => Ok(key(&None, aliases)),
        };
        let truth = required(&columns.truth, TRUTH_ALIASES, "true-label", "--true-col")?;
        let scores_choice = columns
            .scores
            .as_ref()
            .and_then(|names| names.first().cloned());
        let prediction = match (&columns.prediction, &scores_choice) {
            (None, Some(_)) => None,
            (chosen, _) => key(chosen, PREDICTION_ALIASES),
        };
        let scores = match prediction {
            Some(_) => None,
            None => {
                let mut looked_for = PREDICTION_ALIASES.to_vec();
                looked_for.extend_from_slice(SCORES_ALIASES);
                let aliases = if scores_choice.is_some() {
                    SCORES_ALIASES
                } else {
                    &looked_for[..]
                };
                let flag = if scores_choice.is_some() {
                    "--prob-cols"
                } else {
                    "--pred-col or --prob-cols"
                };
                Some(key(&scores_choice, SCORES_ALIASES).ok_or_else(|| {
                    missing_column(
                        &here.to_string(),
                        "prediction",
                        scores_choice.as_deref(),
                        aliases,
                        &keys,
                        flag,
                    )
                })?)
            }
        };
        Ok(KeyPlan {
            optional: OptionalColumns::find(columns, optional)?,
            keys,
            truth,
            prediction,
            scores,
        })
    }
}

/// The records in one JSON object: one prediction, or a step of arrays.
/// `plan` keeps the key roles of the previous object, reused while the
/// keys stay the same.
pub(super) fn records_from_value(
    value: &Value,
    columns: &Columns,
    here: &Location,
    plan: &mut Option<KeyPlan>,
) -> Result<Vec<Record>, DumpError> {
    let Value::Object(object) = value else {
        return Err(DumpError::malformed(
            here.clone(),
            format!(
                "expected a JSON object like {{\"y_true\": 1, \"y_pred\": 2}}, found {}",
                kind(value)
            ),
        ));
    };
    let plan = match plan {
        Some(known) if known.keys.iter().eq(object.keys()) => known,
        _ => plan.insert(KeyPlan::resolve(object, columns, here)?),
    };
    let truth_key = plan.truth.as_str();
    let prediction_key = plan.prediction.as_deref();
    let scores_key = plan.scores.as_deref();
    let step_key = plan.optional.step.as_deref();
    let weight_key = plan.optional.weight.as_deref();
    let time_key = plan.optional.time.as_deref();
    let count_key = plan.optional.count.as_deref();

    let at = |name: &str| here.clone().column(name);
    let step = step_key
        .map(|k| integer(&object[k], || at(k), STEP_EXPECTED))
        .transpose()?;
    let wall_time = time_key
        .map(|k| {
            number(&object[k], || at(k), TIME_EXPECTED)
                .and_then(|t| check_non_negative(t, &show(&object[k]), || at(k), TIME_EXPECTED))
        })
        .transpose()?;
    let fields = Fields {
        object,
        here,
        prediction_key,
        scores_key,
        weight_key,
        count_key,
    };

    match &object[truth_key] {
        Value::Array(truths) => fields.step_of_arrays(truth_key, truths, step, wall_time),
        truth => {
            let truth = class(truth, || at(truth_key))?;
            let prediction = fields.prediction(None)?;
            let weight = fields.weight(None)?;
            let count = fields.count(None)?;
            Ok(vec![Record {
                step,
                truth,
                prediction,
                weight,
                wall_time,
                count,
                location: here.clone(),
            }])
        }
    }
}

/// The keys of one object that hold the per-sample fields.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    here: &'a Location,
    prediction_key: Option<&'a str>,
    scores_key: Option<&'a str>,
    weight_key: Option<&'a str>,
    count_key: Option<&'a str>,
}

impl Fields<'_> {
    fn at(&self, key: &str, index: Option<usize>) -> Location {
        match index {
            Some(i) => self.here.clone().column(&format!("{key}[{i}]")),
            None => self.here.clone().column(key),
        }
    }

    /// The value of `key` for sample `index` (or the scalar when `index` is None).
    fn sample<'v>(&'v self, key: &str, index: Option<usize>) -> Result<&'v Value, DumpError> {
        let value = &self.object[key];
        match index {
            None => Ok(value),
            Some(i) => match value {
                Value::Array(items) => items.get(i).ok_or_else(|| {
                    DumpError::malformed(
                        self.at(key, None),
                        format!("has {} entries, fewer than the true labels", items.len()),
                    )
                }),
                other => Err(DumpError::bad_value(
                    self.at(key, None),
                    show(other),
                    "an array as long as the true labels",
                )),
            },
        }
    }

    fn prediction(&self, index: Option<usize>) -> Result<Prediction, DumpError> {
        if let Some(key) = self.prediction_key {
            return Ok(Prediction::Class(class(self.sample(key, index)?, || {
                self.at(key, index)
            })?));
        }
        let key = self.scores_key.unwrap_or_default();
        let row = self.sample(key, index)?;
        let Value::Array(scores) = row else {
            return Err(DumpError::bad_value(
                self.at(key, index),
                show(row),
                "an array of scores, one per class",
            ));
        };
        let scores = scores
            .iter()
            .enumerate()
            .map(|(class, score)| {
                let location = || {
                    let sample = index.map(|i| format!("[{i}]")).unwrap_or_default();
                    self.here.clone().column(&format!("{key}{sample}[{class}]"))
                };
                match score.as_f64() {
                    Some(value) if !value.is_nan() => Ok(value),
                    _ => Err(DumpError::bad_value(
                        location(),
                        show(score),
                        SCORE_EXPECTED,
                    )),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Prediction::Scores(scores))
    }

    fn weight(&self, index: Option<usize>) -> Result<Option<f64>, DumpError> {
        let Some(key) = self.weight_key else {
            return Ok(None);
        };
        // One weight may apply to a whole step of arrays.
        let value = match (&self.object[key], index) {
            (Value::Array(_), Some(_)) => self.sample(key, index)?,
            (scalar, _) => scalar,
        };
        let weight = number(value, || self.at(key, index), WEIGHT_EXPECTED)?;
        check_non_negative(
            weight,
            &show(value),
            || self.at(key, index),
            WEIGHT_EXPECTED,
        )
        .map(Some)
    }

    /// The count of sample `index` (1 without a count key): a whole number
    /// in `0..2^63`, given per sample when the object holds arrays.
    fn count(&self, index: Option<usize>) -> Result<u64, DumpError> {
        let Some(key) = self.count_key else {
            return Ok(1);
        };
        let value = self.sample(key, index)?;
        let count = match value {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .and_then(exact_integer)
                    .and_then(|c| u64::try_from(c).ok())
            }),
            _ => None,
        };
        check_count(count, &show(value), || self.at(key, index))
    }

    fn step_of_arrays(
        &self,
        truth_key: &str,
        truths: &[Value],
        step: Option<i64>,
        wall_time: Option<f64>,
    ) -> Result<Vec<Record>, DumpError> {
        let prediction_key = self.prediction_key.or(self.scores_key).unwrap_or_default();
        if let Value::Array(predictions) = &self.object[prediction_key]
            && predictions.len() != truths.len()
        {
            return Err(DumpError::malformed(
                self.here.clone(),
                format!(
                    "\"{truth_key}\" has {} entries but \"{prediction_key}\" has {}; expected equal lengths",
                    truths.len(),
                    predictions.len()
                ),
            ));
        }
        truths
            .iter()
            .enumerate()
            .map(|(i, truth)| {
                Ok(Record {
                    step,
                    truth: class(truth, || self.at(truth_key, Some(i)))?,
                    prediction: self.prediction(Some(i))?,
                    weight: self.weight(Some(i))?,
                    wall_time,
                    count: self.count(Some(i))?,
                    location: self.here.clone(),
                })
            })
            .collect()
    }
}

/// A class from JSON: integers (and integral floats, and booleans as 0/1)
/// are indices; strings follow the text rules of [`parse_class`].
fn class(value: &Value, location: impl Fn() -> Location) -> Result<ClassValue, DumpError> {
    match value {
        Value::String(text) => parse_class(text, location),
        Value::Bool(flag) => Ok(ClassValue::Int(i64::from(*flag))),
        Value::Number(_) => integer(value, location, CLASS_EXPECTED).map(ClassValue::Int),
        other => Err(DumpError::bad_value(
            location(),
            show(other),
            CLASS_EXPECTED,
        )),
    }
}

fn integer(
    value: &Value,
    location: impl Fn() -> Location,
    expected: &str,
) -> Result<i64, DumpError> {
    if let Some(int) = value.as_i64() {
        return Ok(int);
    }
    value
        .as_f64()
        .and_then(exact_integer)
        .ok_or_else(|| DumpError::bad_value(location(), show(value), expected))
}

fn number(
    value: &Value,
    location: impl Fn() -> Location,
    expected: &str,
) -> Result<f64, DumpError> {
    value
        .as_f64()
        .ok_or_else(|| DumpError::bad_value(location(), show(value), expected))
}

/// A value as the user wrote it (strings without their quotes).
fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_input::{first_error, lines};
    use crate::dump::{CLASS_EXPECTED, ClassValue, Columns, Prediction, Record};

    #[test]
    fn counts_per_object_or_per_array_entry() {
        let text = "{\"step\": 1, \"y_true\": \"cat\", \"y_pred\": \"dog\", \"count\": 40}\n\
                    {\"step\": 2, \"y_true\": [0, 1], \"y_pred\": [0, 0], \"n\": [3, 0]}\n";
        let rows: Vec<Record> = lines(text, Columns::default())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.iter().map(|r| r.count).collect::<Vec<_>>(), [40, 3, 0]);
        let msg = first_error(lines(
            "{\"y_true\": 1, \"y_pred\": 1, \"count\": -4}\n",
            Columns::default(),
        ));
        assert_eq!(
            msg,
            "p.jsonl, line 1, column \"count\": \"-4\" is not a count: a whole number from 0 \
             to 9223372036854775807 (2^63 - 1)"
        );
    }

    #[test]
    fn key_roles_are_resolved_again_whenever_the_keys_change() {
        let text = "{\"y_true\": 1, \"y_pred\": 0}\n{\"y_true\": 2, \"y_pred\": 2}\n\
                    {\"actual\": 0, \"predicted\": 1, \"epoch\": 3}\n{\"y_pred\": 1}\n\
                    {\"y_true\": 0, \"y_pred\": 0}\n";
        let rows = lines(text, Columns::default());
        assert_eq!(rows.len(), 5);
        let ok: Vec<&Record> = rows.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(ok.len(), 4);
        assert_eq!(ok[1].truth, ClassValue::Int(2));
        assert_eq!(
            (ok[2].truth.clone(), ok[2].step),
            (ClassValue::Int(0), Some(3))
        );
        assert_eq!(ok[3].step, None);
        let error = rows[3].as_ref().unwrap_err().to_string();
        assert!(error.contains("line 4"), "{error}");
    }

    #[test]
    fn jsonl_one_step_per_line_of_arrays() {
        let text = "{\"epoch\": 4, \"y_true\": [0, 1, 2], \"y_pred\": [0, 2, 2], \"weight\": 2}\n\
                    {\"epoch\": 5, \"y_true\": [1], \"logits\": [[0.1, 3.0, -1.0]], \"weight\": [0.25]}\n";
        let rows: Vec<Record> = lines(text, Columns::default())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 4);
        assert!(
            rows[..3]
                .iter()
                .all(|r| r.step == Some(4) && r.weight == Some(2.0))
        );
        assert_eq!(rows[1].prediction, Prediction::Class(ClassValue::Int(2)));
        assert_eq!(rows[3].prediction.class(), Some(ClassValue::Int(1)));
        assert_eq!(rows[3].weight, Some(0.25));
    }

    #[test]
    fn jsonl_errors_name_line_key_and_value() {
        let msg = first_error(lines(
            "{\"y_true\": 1, \"y_pred\": 2}\n{\"y_true\": 1.5, \"y_pred\": 2}\n",
            Columns::default(),
        ));
        assert_eq!(
            msg,
            format!("p.jsonl, line 2, column \"y_true\": \"1.5\" is not {CLASS_EXPECTED}")
        );
        let msg = first_error(lines("[1, 2]\n", Columns::default()));
        assert!(
            msg.contains("expected a JSON object") && msg.contains("found an array"),
            "{msg}"
        );
        let msg = first_error(lines(
            "{\"y_true\": [1, 2], \"y_pred\": [1]}\n",
            Columns::default(),
        ));
        assert!(
            msg.contains("\"y_true\" has 2 entries but \"y_pred\" has 1"),
            "{msg}"
        );
        let msg = first_error(lines(
            "{\"y_true\": [1, 2], \"y_pred\": [1, null]}\n",
            Columns::default(),
        ));
        assert!(
            msg.contains("column \"y_pred[1]\": \"null\" is not a class"),
            "{msg}"
        );
        let msg = first_error(lines(
            "{\"y_true\": 1, \"probs\": [0.5, \"x\"]}\n",
            Columns::default(),
        ));
        assert!(msg.contains("\"x\" is not a score"), "{msg}");
        let msg = first_error(lines(
            "{\"y_true\": 1, \"y_pred\": 1, \"weight\": -2}\n",
            Columns::default(),
        ));
        assert!(
            msg.contains("column \"weight\": \"-2\" is not a weight"),
            "{msg}"
        );
        let msg = first_error(lines("{\"y_true\": 1}\n", Columns::default()));
        assert!(
            msg.contains("no prediction column") && msg.contains("found \"y_true\""),
            "{msg}"
        );
    }

    #[test]
    fn jsonl_chosen_keys() {
        let columns = Columns {
            truth: Some("gold".into()),
            scores: Some(vec!["out".into()]),
            ..Columns::default()
        };
        let rows = lines("{\"gold\": 0, \"out\": [5, 1], \"y_pred\": 1}\n", columns);
        assert_eq!(
            rows[0].as_ref().unwrap().prediction,
            Prediction::Scores(vec![5.0, 1.0])
        );
    }
}
