//! Hyperparameters for TensorBoard's HParams tab: [`HParams`] and
//! [`SummaryWriter::add_hparams`].
//!
//! A run becomes a row of the tab (a "session") once it holds the hparams
//! plugin's `session_start_info`; TensorBoard puts next to it the latest value
//! of every scalar the run logged (accuracy, macro F1 and the other metrics of
//! [`add_confusion_matrix`](SummaryWriter::add_confusion_matrix), loss, …),
//! sortable and filterable. [`SummaryWriter::close`] adds the
//! `session_end_info` (status SUCCESS).
//!
//! # Why no `experiment` summary
//!
//! The plugin can also read an `_hparams_/experiment` value declaring the
//! hyperparameters, their domains and the metric columns. This crate does not
//! write one, neither per run nor at the logdir root:
//!
//! - When several runs hold one, the plugin ["arbitrarily pick\[s\] the first
//!   one"][first] and it alone defines the columns. A writer knows only its own
//!   run: its experiment would hide the hyperparameters only other runs have,
//!   and its discrete domain (this run's values) would make the tab's default
//!   filter drop every run with another value. A root experiment would be a
//!   file outside the run that independent writers (two `tbconfusion convert`
//!   into one logdir) rewrite in turn, with the same loss.
//! - Without one, the plugin [infers the experiment][infer] on every request:
//!   each hyperparameter's type and domain from all runs'
//!   `session_start_info`, and [a metric column for every scalar tag][metrics]
//!   of the session runs, so accuracy, macro F1 and the rest appear as soon as
//!   a step is logged (before that there is no value to show anyway).
//!
//! The cost: inferred metric columns are sorted by tag and the tab
//! [shows the first five][five] until more are ticked in its left pane
//! (`T/macro_f1` sorts after the per-class `T/f1/<class>`).
//!
//! # What a crash leaves
//!
//! [`add_hparams`](SummaryWriter::add_hparams) writes the start through to
//! the file before returning, so a run whose process dies later is still
//! listed, with the metrics that reached the file and status UNKNOWN (no end
//! was written). Dropping the writer without `close` writes the end with
//! status UNKNOWN (an early return by `?` drops it as much as a normal end
//! does), or FAILURE when the drop comes from a panic.
//!
//! [first]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/hparams/backend_context.py#L213-L238
//! [infer]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/hparams/backend_context.py#L240-L349
//! [metrics]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/hparams/backend_context.py#L455-L498
//! [five]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/hparams/tf_hparams_query_pane/tf-hparams-query-pane.ts#L666-L686

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use prost::Message;
use thiserror::Error;

use crate::event::writer::{AtClose, Ending};
use crate::event::{SummaryWriter, WriteError};
use crate::proto::{
    DataType, HParamsPluginData, HParamsStatus, SessionEndInfo, SessionStartInfo, TensorProto,
    TensorShapeProto, h_param_value, h_params_plugin_data,
};
use crate::summary;

/// The hparams plugin's name (`tensorboard/plugins/hparams/metadata.py`).
pub const PLUGIN_NAME: &str = "hparams";
/// The tag of a run's hyperparameters.
pub const SESSION_START_INFO_TAG: &str = "_hparams_/session_start_info";
/// The tag of a run's end (status and time).
pub const SESSION_END_INFO_TAG: &str = "_hparams_/session_end_info";

/// One hyperparameter's value: the kinds TensorBoard's HParams tab can sort
/// and filter.
///
/// ```
/// use tbconfusion::hparams::HParamValue;
/// assert_eq!(HParamValue::from(0.01), HParamValue::Number(0.01));
/// assert_eq!(HParamValue::from("adam"), HParamValue::Text("adam".into()));
/// assert_eq!(HParamValue::infer("20"), HParamValue::Number(20.0));
/// assert_eq!(HParamValue::infer("true"), HParamValue::Bool(true));
/// assert_eq!(HParamValue::infer("0.1x"), HParamValue::Text("0.1x".into()));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum HParamValue {
    /// A string (a discrete column: filtered by ticking values).
    Text(String),
    /// A number (an interval column: filtered by min and max). Must be
    /// finite: [`HParams::insert`] refuses NaN and infinities.
    Number(f64),
    /// A boolean (a discrete column).
    Bool(bool),
}

impl HParamValue {
    /// The value a command-line word stands for: a number if it parses as
    /// one (`20`, `0.01`, `1e-3`; finite or not, so that `nan` is refused
    /// by [`HParams::insert`] rather than kept as a string), `true`/`false`
    /// (any case) as a boolean, anything else as the text itself.
    pub fn infer(word: &str) -> HParamValue {
        if let Ok(number) = word.parse::<f64>() {
            return HParamValue::Number(number);
        }
        if word.eq_ignore_ascii_case("true") {
            HParamValue::Bool(true)
        } else if word.eq_ignore_ascii_case("false") {
            HParamValue::Bool(false)
        } else {
            HParamValue::Text(word.to_owned())
        }
    }

    fn to_proto(&self) -> crate::proto::HParamValue {
        let kind = match self {
            HParamValue::Text(text) => h_param_value::Kind::StringValue(text.clone()),
            HParamValue::Number(number) => h_param_value::Kind::NumberValue(*number),
            HParamValue::Bool(flag) => h_param_value::Kind::BoolValue(*flag),
        };
        crate::proto::HParamValue { kind: Some(kind) }
    }

    /// The value a `session_start_info` holds, if it is of a kind this type
    /// represents.
    pub fn from_proto(value: &crate::proto::HParamValue) -> Option<HParamValue> {
        Some(match value.kind.as_ref()? {
            h_param_value::Kind::StringValue(text) => HParamValue::Text(text.clone()),
            h_param_value::Kind::NumberValue(number) => HParamValue::Number(*number),
            h_param_value::Kind::BoolValue(flag) => HParamValue::Bool(*flag),
        })
    }
}

impl fmt::Display for HParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HParamValue::Text(text) => write!(f, "{text:?}"),
            HParamValue::Number(number) => write!(f, "{number}"),
            HParamValue::Bool(flag) => write!(f, "{flag}"),
        }
    }
}

impl From<&str> for HParamValue {
    fn from(text: &str) -> Self {
        HParamValue::Text(text.to_owned())
    }
}

impl From<String> for HParamValue {
    fn from(text: String) -> Self {
        HParamValue::Text(text)
    }
}

impl From<bool> for HParamValue {
    fn from(flag: bool) -> Self {
        HParamValue::Bool(flag)
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for HParamValue {
            /// TensorBoard stores every number as an `f64`.
            fn from(number: $t) -> Self {
                HParamValue::Number(number as f64)
            }
        }
    )*};
}
number_from!(f64, i8, i16, i32, i64, u8, u16, u32, u64, usize);

impl From<f32> for HParamValue {
    /// The `f64` with the same shortest decimal form, so that `0.1_f32`
    /// shows as 0.1 rather than 0.10000000149011612.
    fn from(number: f32) -> Self {
        let decimal = number.to_string().parse::<f64>();
        HParamValue::Number(decimal.unwrap_or(f64::from(number)))
    }
}

/// Why hyperparameters cannot be logged. Each names the hyperparameter and
/// its value.
#[derive(Debug, Error, Clone)]
#[non_exhaustive]
pub enum HParamsError {
    /// A name is empty (or only whitespace).
    #[error("hyperparameter with value {value}: the name is empty")]
    EmptyName {
        /// The value given with it.
        value: String,
    },
    /// A name was given twice.
    #[error("hyperparameter {name:?} is given twice ({first}, then {second}); give each name once")]
    DuplicateName {
        /// The name.
        name: String,
        /// The first value.
        first: String,
        /// The second value.
        second: String,
    },
    /// A number is NaN or infinite: the HParams tab can neither sort nor
    /// filter it (and drops NaN from its answers).
    #[error("hyperparameter {name:?} = {value}: numbers must be finite")]
    NotFinite {
        /// The name.
        name: String,
        /// The value.
        value: f64,
    },
    /// [`SummaryWriter::add_hparams`] was given no hyperparameters.
    #[error("no hyperparameters to log")]
    Empty,
    /// [`SummaryWriter::add_hparams`] was already called for this file.
    #[error(
        "{path}: hyperparameters were already logged into this file; TensorBoard shows only \
         the first, so log each run's once (a run with other hyperparameters is another run \
         directory)"
    )]
    AlreadyLogged {
        /// The event file.
        path: String,
    },
    /// Writing the event file failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The hyperparameters of one run, by name (kept sorted, as TensorBoard's
/// own writer sorts them), and an optional group.
///
/// ```
/// use tbconfusion::hparams::HParams;
/// let hparams = HParams::new()
///     .with("lr", 0.01)?
///     .with("epochs", 20)?
///     .with("optimizer", "adam")?
///     .with("augment", true)?;
/// assert_eq!(hparams.len(), 4);
/// assert!(HParams::new().with("lr", f64::NAN).is_err());
/// # Ok::<(), tbconfusion::hparams::HParamsError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct HParams {
    pub(crate) values: BTreeMap<String, HParamValue>,
    pub(crate) group: Option<String>,
}

impl HParams {
    /// No hyperparameters yet.
    pub fn new() -> HParams {
        HParams::default()
    }

    /// Adds `name = value`, builder style.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub fn with(
        mut self,
        name: impl Into<String>,
        value: impl Into<HParamValue>,
    ) -> Result<HParams, HParamsError> {
        self.insert(name, value)?;
        Ok(self)
    }

    /// Adds `name = value`.
    ///
    /// # Errors
    ///
    /// [`HParamsError::EmptyName`], [`HParamsError::DuplicateName`] (each
    /// name once), [`HParamsError::NotFinite`] for NaN or an infinity.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<HParamValue>,
    ) -> Result<&mut HParams, HParamsError> {
        let (name, value) = (name.into(), value.into());
        if name.trim().is_empty() {
            return Err(HParamsError::EmptyName {
                value: value.to_string(),
            });
        }
        if let HParamValue::Number(number) = value {
            if !number.is_finite() {
                return Err(HParamsError::NotFinite {
                    name,
                    value: number,
                });
            }
        }
        match self.values.entry(name) {
            Entry::Occupied(first) => Err(HParamsError::DuplicateName {
                name: first.key().clone(),
                first: first.get().to_string(),
                second: value.to_string(),
            }),
            Entry::Vacant(slot) => {
                slot.insert(value);
                Ok(self)
            }
        }
    }

    /// Puts this run in a group: runs with the same group share one row of
    /// the tab, their metrics averaged (repeats of one configuration with
    /// other seeds). By default every run is a row of its own.
    pub fn group(mut self, group: impl Into<String>) -> HParams {
        self.group = Some(group.into());
        self
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&HParamValue> {
        self.values.get(name)
    }

    /// Names and values, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &HParamValue)> {
        self.values
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }

    /// How many hyperparameters there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn start_info(&self, start_time_secs: f64) -> SessionStartInfo {
        SessionStartInfo {
            hparams: self
                .values
                .iter()
                .map(|(name, value)| (name.clone(), value.to_proto()))
                .collect(),
            model_uri: String::new(),
            monitor_url: String::new(),
            // Empty: the plugin [names the row after the run][row] (TensorBoard's
            // own writer uses a hash of the values, which would merge runs
            // with equal hyperparameters into one row, metrics averaged).
            //
            // [row]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/plugins/hparams/list_session_groups.py#L315-L318
            group_name: self.group.clone().unwrap_or_default(),
            start_time_secs,
        }
    }
}

/// Metadata-only values still need a tensor: TensorBoard's own
/// `NULL_TENSOR`, a float tensor of shape `[0]`.
fn null_tensor() -> TensorProto {
    TensorProto {
        dtype: DataType::DtFloat as i32,
        tensor_shape: Some(TensorShapeProto {
            dim: vec![crate::proto::tensor_shape_proto::Dim {
                size: 0,
                name: String::new(),
            }],
            unknown_rank: false,
        }),
        ..TensorProto::default()
    }
}

fn plugin_value(tag: &str, data: h_params_plugin_data::Data) -> crate::proto::summary::Value {
    let content = HParamsPluginData {
        version: 0,
        data: Some(data),
    }
    .encode_to_vec();
    summary::tensor(tag, null_tensor(), PLUGIN_NAME, content)
}

/// The `session_end_info` value for how the writer ended.
fn end_value(ending: Ending, end_time_secs: f64) -> crate::proto::summary::Value {
    let status = match ending {
        Ending::Closed => HParamsStatus::StatusSuccess,
        Ending::Dropped => HParamsStatus::StatusUnknown,
        Ending::Panicked => HParamsStatus::StatusFailure,
    };
    plugin_value(
        SESSION_END_INFO_TAG,
        h_params_plugin_data::Data::SessionEndInfo(SessionEndInfo {
            status: status as i32,
            end_time_secs,
        }),
    )
}

/// Marks a file whose hyperparameters were logged.
struct HParamsLogged(AtomicBool);

impl SummaryWriter {
    /// Logs this run's hyperparameters for TensorBoard's HParams tab, which
    /// then lists the run with them next to the latest value of each scalar
    /// it logs (see [`hparams`](crate::hparams)). Call it once per run,
    /// typically before training; the start is written through to the file
    /// before this returns, and [`close`](Self::close) adds the end (status
    /// SUCCESS).
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::SummaryWriter;
    /// use tbconfusion::hparams::HParams;
    /// # let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::create(dir.path().join("lr0.01"))?;
    /// let hparams = HParams::new().with("lr", 0.01)?.with("optimizer", "adam")?;
    /// writer.add_hparams(&hparams)?;
    /// writer.add_scalar("val/accuracy", 0.91, 1)?;
    /// writer.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`HParamsError::Empty`] without hyperparameters,
    /// [`HParamsError::AlreadyLogged`] on a second call for the same file,
    /// and [`HParamsError::Write`] for any failure of the file (see
    /// [`add_scalar`](Self::add_scalar)).
    pub fn add_hparams(&self, hparams: &HParams) -> Result<(), HParamsError> {
        if hparams.is_empty() {
            return Err(HParamsError::Empty);
        }
        let logged = self.kept_or_insert(SESSION_START_INFO_TAG, || {
            HParamsLogged(AtomicBool::new(false))
        });
        if logged.0.swap(true, Ordering::SeqCst) {
            return Err(HParamsError::AlreadyLogged {
                path: self.path().display().to_string(),
            });
        }
        // Step 0, as TensorBoard's own writer: the plugin reads only the
        // metadata.
        let start = plugin_value(
            SESSION_START_INFO_TAG,
            h_params_plugin_data::Data::SessionStartInfo(hparams.start_info(self.stamp())),
        );
        if let Err(e) = self.values_at(&[SESSION_START_INFO_TAG], crate::Step(0), vec![start]) {
            // Nothing logged: a retry may log it.
            logged.0.store(false, Ordering::SeqCst);
            return Err(e.into());
        }
        self.log_at_close(AtClose {
            step: 0,
            build: Box::new(|ending, wall| vec![end_value(ending, wall)]),
        });
        // Through to the file now, so that a crash later still lists the run.
        self.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventFileReader;
    use crate::proto::event::What;
    use crate::proto::summary::value::Value as ValueKind;

    fn plugin_data(path: &std::path::Path) -> Vec<(String, i64, HParamsPluginData)> {
        let mut found = Vec::new();
        for item in EventFileReader::open(path).unwrap() {
            let (_, event) = item.unwrap();
            let Some(What::Summary(summary)) = event.what else {
                continue;
            };
            for value in summary.value {
                let Some(plugin) = value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref())
                else {
                    continue;
                };
                if plugin.plugin_name == PLUGIN_NAME {
                    assert!(matches!(value.value, Some(ValueKind::Tensor(_))));
                    let data = HParamsPluginData::decode(plugin.content.as_slice()).unwrap();
                    found.push((value.tag.clone(), event.step, data));
                }
            }
        }
        found
    }

    #[test]
    fn words_become_numbers_booleans_or_text() {
        let cases = [
            ("0.01", HParamValue::Number(0.01)),
            ("20", HParamValue::Number(20.0)),
            ("-3", HParamValue::Number(-3.0)),
            ("1e-4", HParamValue::Number(1e-4)),
            ("true", HParamValue::Bool(true)),
            ("False", HParamValue::Bool(false)),
            ("adam", HParamValue::Text("adam".into())),
            ("", HParamValue::Text(String::new())),
            ("0x10", HParamValue::Text("0x10".into())),
            ("1_000", HParamValue::Text("1_000".into())),
        ];
        for (word, want) in cases {
            assert_eq!(HParamValue::infer(word), want, "{word:?}");
        }
        assert!(matches!(HParamValue::infer("nan"), HParamValue::Number(n) if n.is_nan()));
        assert_eq!(HParamValue::from(0.1_f32), HParamValue::Number(0.1));
        assert_eq!(HParamValue::from(3_u64), HParamValue::Number(3.0));
    }

    #[test]
    fn bad_names_and_numbers_are_refused_naming_them() {
        let err = HParams::new().with(" ", 1).unwrap_err();
        assert!(matches!(err, HParamsError::EmptyName { .. }));
        assert_eq!(
            err.to_string(),
            "hyperparameter with value 1: the name is empty"
        );
        let err = HParams::new()
            .with("lr", 0.1)
            .unwrap()
            .with("lr", "fast")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "hyperparameter \"lr\" is given twice (0.1, then \"fast\"); give each name once"
        );
        let err = HParams::new().with("lr", f64::INFINITY).unwrap_err();
        assert_eq!(
            err.to_string(),
            "hyperparameter \"lr\" = inf: numbers must be finite"
        );
    }

    #[test]
    fn start_then_end_are_written_with_their_values() {
        let dir = tempfile::tempdir().unwrap();
        let writer = SummaryWriter::create(dir.path()).unwrap();
        let hparams = HParams::new()
            .with("lr", 0.01)
            .unwrap()
            .with("optimizer", "adam")
            .unwrap()
            .with("augment", true)
            .unwrap();
        writer.add_hparams(&hparams).unwrap();
        // Written through before the call returned: a crash keeps it.
        let found = plugin_data(writer.path());
        assert_eq!(found.len(), 1);
        let (tag, step, data) = &found[0];
        assert_eq!(
            (tag.as_str(), *step, data.version),
            (SESSION_START_INFO_TAG, 0, 0)
        );
        let Some(h_params_plugin_data::Data::SessionStartInfo(start)) = &data.data else {
            panic!("{data:?}");
        };
        let back: Vec<_> = start
            .hparams
            .iter()
            .map(|(k, v)| (k.as_str(), HParamValue::from_proto(v).unwrap()))
            .collect();
        assert_eq!(
            back,
            [
                ("augment", HParamValue::Bool(true)),
                ("lr", HParamValue::Number(0.01)),
                ("optimizer", HParamValue::Text("adam".into())),
            ]
        );
        assert!(start.group_name.is_empty());
        assert!(start.start_time_secs > 1.6e9);

        assert!(matches!(
            writer.add_hparams(&hparams),
            Err(HParamsError::AlreadyLogged { .. })
        ));
        let path = writer.close().unwrap();
        let found = plugin_data(&path);
        assert_eq!(found.len(), 2, "the start once, then the end");
        let (tag, step, data) = &found[1];
        assert_eq!((tag.as_str(), *step), (SESSION_END_INFO_TAG, 0));
        let Some(h_params_plugin_data::Data::SessionEndInfo(end)) = &data.data else {
            panic!("{data:?}");
        };
        assert_eq!(end.status, HParamsStatus::StatusSuccess as i32);
        assert!(end.end_time_secs >= start.start_time_secs);
    }

    #[test]
    fn a_drop_without_close_ends_unknown_and_a_panic_failed() {
        let dir = tempfile::tempdir().unwrap();
        let hparams = HParams::new().with("lr", 1).unwrap();
        let status_after = |run: &str, panic: bool| {
            let writer = SummaryWriter::create(dir.path().join(run)).unwrap();
            writer.add_hparams(&hparams).unwrap();
            let path = writer.path().to_owned();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                let _writer = writer;
                assert!(!panic, "training diverged");
            }));
            assert_eq!(outcome.is_err(), panic);
            let found = plugin_data(&path);
            match found.last().map(|(_, _, d)| &d.data) {
                Some(Some(h_params_plugin_data::Data::SessionEndInfo(end))) => end.status,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            status_after("dropped", false),
            HParamsStatus::StatusUnknown as i32
        );
        assert_eq!(
            status_after("panicked", true),
            HParamsStatus::StatusFailure as i32
        );
    }

    #[test]
    fn nothing_to_log_is_an_error_and_a_group_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let writer = SummaryWriter::create(dir.path()).unwrap();
        assert!(matches!(
            writer.add_hparams(&HParams::new()),
            Err(HParamsError::Empty)
        ));
        let hparams = HParams::new().with("seed", 3).unwrap().group("lr=0.1");
        writer.add_hparams(&hparams).unwrap();
        let found = plugin_data(writer.path());
        let Some(h_params_plugin_data::Data::SessionStartInfo(start)) = &found[0].2.data else {
            panic!("{found:?}");
        };
        assert_eq!(start.group_name, "lr=0.1");
    }
}
