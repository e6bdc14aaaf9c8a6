//! `--hparams` and `--hparams-file`: hyperparameters for TensorBoard's
//! HParams tab, read into the library's [`HParams`] (which checks names and
//! numbers; [`crate::write`] logs them with `SummaryWriter::add_hparams`).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use thiserror::Error;

use tbconfusion::hparams::{HParamValue, HParams, HParamsError};

/// The hyperparameter options of `convert`.
#[derive(Debug, clap::Args)]
pub struct HParamsArgs {
    /// Hyperparameters for TensorBoard's HParams tab, as name=value pairs (repeatable):
    /// lr=0.01,epochs=20,optimizer=adam. A value that parses as a number or as true/false is
    /// one; anything else is text. Every run written gets them.
    #[arg(long, value_name = "NAME=VALUE,...")]
    hparams: Vec<String>,
    /// Hyperparameters from a JSON object of strings, numbers and booleans:
    /// {"lr": 0.01, "optimizer": "adam", "augment": true}. Combines with --hparams.
    #[arg(long, value_name = "FILE")]
    hparams_file: Option<PathBuf>,
}

/// Why `--hparams` or `--hparams-file` cannot be used.
#[derive(Debug, Error)]
pub enum HParamsArgError {
    /// A `--hparams` item without `=`.
    #[error("--hparams: {item:?} is not name=value (a value with a comma goes in --hparams-file)")]
    NotNameValue {
        /// The item as given.
        item: String,
    },
    /// `--hparams` was given but names nothing.
    #[error("--hparams: no name=value pairs given")]
    Nothing,
    /// A name or value on the command line the library refuses.
    #[error("--hparams: {0}")]
    Invalid(HParamsError),
    /// The file cannot be read.
    #[error("--hparams-file {file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a JSON object (syntax, or another kind of value).
    #[error("--hparams-file {file}, line {line}, column {column}: {message}")]
    Json {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json found and what was expected.
        message: String,
    },
    /// A value that is not a string, number or boolean.
    #[error(
        "--hparams-file {file}: hyperparameter {name:?} = {value}: {kind} is not a hyperparameter \
         value; use a string, a number or true/false"
    )]
    Unsupported {
        /// The file.
        file: String,
        /// The name.
        name: String,
        /// The value as JSON.
        value: String,
        /// What kind of JSON value it is.
        kind: &'static str,
    },
    /// A name or value in the file the library refuses.
    #[error("--hparams-file {file}: {source}")]
    InvalidInFile {
        /// The file.
        file: String,
        /// The library's reason.
        source: HParamsError,
    },
}

impl HParamsArgError {
    /// Whether the command line itself is wrong (exit status 2), rather than
    /// a file's content.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            HParamsArgError::NotNameValue { .. }
                | HParamsArgError::Nothing
                | HParamsArgError::Invalid(_)
        )
    }
}

impl HParamsArgs {
    /// The hyperparameters given, if any: `--hparams` first, then the
    /// file's (a name in both is a duplicate).
    pub fn hparams(&self) -> Result<Option<HParams>, HParamsArgError> {
        if self.hparams.is_empty() && self.hparams_file.is_none() {
            return Ok(None);
        }
        let mut hparams = HParams::new();
        if !self.hparams.is_empty() {
            for list in &self.hparams {
                insert_pairs(&mut hparams, list)?;
            }
            if hparams.is_empty() {
                return Err(HParamsArgError::Nothing);
            }
        }
        if let Some(file) = &self.hparams_file {
            insert_file(&mut hparams, file)?;
        }
        Ok(Some(hparams))
    }
}

/// Adds the pairs of one `--hparams` value: `name=value` items separated
/// by commas, spaces around either trimmed, empty items (a trailing comma)
/// skipped.
pub fn insert_pairs(hparams: &mut HParams, list: &str) -> Result<(), HParamsArgError> {
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((name, word)) = item.split_once('=') else {
            return Err(HParamsArgError::NotNameValue {
                item: item.to_owned(),
            });
        };
        hparams
            .insert(name.trim(), HParamValue::infer(word.trim()))
            .map_err(HParamsArgError::Invalid)?;
    }
    Ok(())
}

/// Adds the hyperparameters of a JSON file (one object).
pub fn insert_file(hparams: &mut HParams, file: &Path) -> Result<(), HParamsArgError> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|source| HParamsArgError::Read {
        file: name.clone(),
        source,
    })?;
    insert_json(hparams, &name, &text)
}

/// Adds the hyperparameters of a JSON object read from `file`.
fn insert_json(hparams: &mut HParams, file: &str, text: &str) -> Result<(), HParamsArgError> {
    let object: Entries = serde_json::from_str(text).map_err(|e| HParamsArgError::Json {
        file: file.to_owned(),
        line: e.line(),
        // serde_json reports a wrong top-level type before its first character.
        column: e.column().max(1),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_owned(),
    })?;
    for (name, value) in object.0 {
        let value = match value {
            Value::String(text) => HParamValue::Text(text),
            Value::Bool(flag) => HParamValue::Bool(flag),
            Value::Number(number) => match number.as_f64() {
                Some(number) => HParamValue::Number(number),
                None => HParamValue::Text(number.to_string()),
            },
            other => {
                let kind = match other {
                    Value::Null => "null",
                    Value::Array(_) => "an array",
                    _ => "an object",
                };
                return Err(HParamsArgError::Unsupported {
                    file: file.to_owned(),
                    name,
                    value: other.to_string(),
                    kind,
                });
            }
        };
        hparams
            .insert(name, value)
            .map_err(|source| HParamsArgError::InvalidInFile {
                file: file.to_owned(),
                source,
            })?;
    }
    Ok(())
}

/// A JSON object's entries in file order, repeats kept (serde_json's map
/// would keep only the last of a repeated name, hiding the mistake).
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of name: value, like {\"lr\": 0.01}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &str) -> Result<HParams, HParamsArgError> {
        let mut hparams = HParams::new();
        insert_pairs(&mut hparams, list)?;
        Ok(hparams)
    }

    fn json(text: &str) -> Result<HParams, HParamsArgError> {
        let mut hparams = HParams::new();
        insert_json(&mut hparams, "params.json", text)?;
        Ok(hparams)
    }

    #[test]
    fn command_line_values_are_numbers_booleans_or_text() {
        let hparams = pairs("lr=0.01, epochs=20,optimizer=adam,augment=true,tag=v1.2,").unwrap();
        let got: Vec<_> = hparams.iter().map(|(k, v)| (k, v.clone())).collect();
        assert_eq!(
            got,
            [
                ("augment", HParamValue::Bool(true)),
                ("epochs", HParamValue::Number(20.0)),
                ("lr", HParamValue::Number(0.01)),
                ("optimizer", HParamValue::Text("adam".into())),
                ("tag", HParamValue::Text("v1.2".into())),
            ]
        );
        // An empty value is empty text; `=` inside a value is kept.
        let hparams = pairs("note=,expr=a=b").unwrap();
        assert_eq!(hparams.get("note"), Some(&HParamValue::Text(String::new())));
        assert_eq!(hparams.get("expr"), Some(&HParamValue::Text("a=b".into())));
    }

    #[test]
    fn command_line_mistakes_name_the_item() {
        let cases = [
            (
                "lr=0.1,64",
                "--hparams: \"64\" is not name=value (a value with a comma goes in --hparams-file)",
            ),
            (
                "=3",
                "--hparams: hyperparameter with value 3: the name is empty",
            ),
            (
                "lr=0.1,lr=0.2",
                "--hparams: hyperparameter \"lr\" is given twice (0.1, then 0.2); give each name once",
            ),
            (
                "lr=nan",
                "--hparams: hyperparameter \"lr\" = NaN: numbers must be finite",
            ),
            (
                "lr=-inf",
                "--hparams: hyperparameter \"lr\" = -inf: numbers must be finite",
            ),
        ];
        for (list, message) in cases {
            let err = pairs(list).unwrap_err();
            assert!(err.is_usage(), "{list}");
            assert_eq!(err.to_string(), message, "{list}");
        }
        let args = HParamsArgs {
            hparams: vec![",".into()],
            hparams_file: None,
        };
        assert!(matches!(args.hparams(), Err(HParamsArgError::Nothing)));
    }

    #[test]
    fn json_objects_of_scalars_are_read_in_order() {
        let hparams =
            json(r#"{"lr": 0.01, "epochs": 20, "optimizer": "adam", "augment": false}"#).unwrap();
        assert_eq!(hparams.get("epochs"), Some(&HParamValue::Number(20.0)));
        assert_eq!(hparams.get("augment"), Some(&HParamValue::Bool(false)));
        assert_eq!(
            hparams.get("optimizer"),
            Some(&HParamValue::Text("adam".into()))
        );
        // A string stays a string even when it looks like a number.
        assert_eq!(
            json(r#"{"version": "20"}"#).unwrap().get("version"),
            Some(&HParamValue::Text("20".into()))
        );
    }

    #[test]
    fn json_mistakes_name_the_file_the_key_and_the_value() {
        let cases = [
            (
                r#"{"layers": [64, 128]}"#,
                "--hparams-file params.json: hyperparameter \"layers\" = [64,128]: an array is not a hyperparameter value; use a string, a number or true/false",
            ),
            (
                r#"{"opt": {"name": "adam"}}"#,
                "--hparams-file params.json: hyperparameter \"opt\" = {\"name\":\"adam\"}: an object is not a hyperparameter value; use a string, a number or true/false",
            ),
            (
                r#"{"seed": null}"#,
                "--hparams-file params.json: hyperparameter \"seed\" = null: null is not a hyperparameter value; use a string, a number or true/false",
            ),
            (
                r#"{"lr": 0.1, "lr": 0.2}"#,
                "--hparams-file params.json: hyperparameter \"lr\" is given twice (0.1, then 0.2); give each name once",
            ),
            (
                r#"{"": 1}"#,
                "--hparams-file params.json: hyperparameter with value 1: the name is empty",
            ),
            (
                "[1, 2]",
                "--hparams-file params.json, line 1, column 1: invalid type: sequence, expected a JSON object of name: value, like {\"lr\": 0.01}",
            ),
            (
                "{\n  \"lr\": 0.1,\n}",
                "--hparams-file params.json, line 3, column 1: trailing comma",
            ),
            (
                r#"{"lr": 1e999}"#,
                "--hparams-file params.json, line 1, column 12: number out of range",
            ),
        ];
        for (text, message) in cases {
            let err = json(text).unwrap_err();
            assert!(!err.is_usage(), "{text}");
            assert_eq!(err.to_string(), message, "{text}");
        }
    }

    #[test]
    fn a_name_on_the_command_line_and_in_the_file_is_a_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("params.json");
        std::fs::write(&file, r#"{"lr": 0.2, "seed": 1}"#).unwrap();
        let args = HParamsArgs {
            hparams: vec!["lr=0.1".into()],
            hparams_file: Some(file.clone()),
        };
        let err = args.hparams().unwrap_err();
        assert!(
            err.to_string()
                .contains("\"lr\" is given twice (0.1, then 0.2)"),
            "{err}"
        );
        let args = HParamsArgs {
            hparams: vec!["epochs=3".into()],
            hparams_file: Some(file),
        };
        assert_eq!(args.hparams().unwrap().unwrap().len(), 3);
        let missing = HParamsArgs {
            hparams: Vec::new(),
            hparams_file: Some(dir.path().join("absent.json")),
        };
        assert!(matches!(
            missing.hparams(),
            Err(HParamsArgError::Read { .. })
        ));
    }
}
