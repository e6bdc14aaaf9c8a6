//! What a logdir holds (runs, tags, plugins, steps), with every record's
//! checksum verified and the things TensorBoard would silently drop or
//! misread pointed out: the engine of `tbconfusion inspect`.

use std::collections::BTreeMap;

use serde::Serialize;
use tbconfusion::proto::DataType;
use tbconfusion::proto::event::What;
use tbconfusion::proto::summary::value::Value as ValueKind;

use super::error::CliError;
use super::logdir::EventFile;

/// What one event file holds.
#[derive(Debug, Default, Serialize)]
pub struct FileReport {
    /// The file.
    pub path: String,
    /// Its run.
    pub run: String,
    /// Events read (all checksums verified).
    pub events: u64,
    /// The `file_version` of the first event, if any.
    pub file_version: Option<String>,
    /// The file ends inside a record (a writer may still be appending).
    pub truncated_tail: Option<String>,
    /// The file is damaged from here on.
    pub damage: Option<String>,
}

/// What one tag of one run holds.
#[derive(Debug, Default, Serialize)]
pub struct TagReport {
    /// The run.
    pub run: String,
    /// The tag.
    pub tag: String,
    /// The plugin named by the tag's first metadata, or implied by its form
    /// (`simple_value`: scalars, `Summary.Image`: images); empty if neither.
    pub plugin: String,
    /// Number of values.
    pub values: u64,
    /// Smallest step.
    pub first_step: i64,
    /// Largest step.
    pub last_step: i64,
    /// Problems TensorBoard would act on, with how often each occurs.
    pub problems: BTreeMap<String, u64>,
    #[serde(skip)]
    previous_step: Option<i64>,
}

/// The whole report.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Per file.
    pub files: Vec<FileReport>,
    /// Per run and tag.
    pub tags: Vec<TagReport>,
}

impl Report {
    /// Whether something is damaged or would be dropped by TensorBoard.
    pub fn has_problems(&self) -> bool {
        self.files.iter().any(|f| f.damage.is_some())
            || self.tags.iter().any(|t| !t.problems.is_empty())
    }
}

const NON_INCREASING: &str =
    "step not greater than the previous one (TensorBoard drops the earlier values)";
const DOUBLE_SCALAR: &str = "DT_DOUBLE scalar (TensorBoard's Rust loader drops it)";
const NAN_WALL_TIME: &str = "NaN wall time (TensorBoard's Rust loader stops reading the file)";
const IMAGE_WITHOUT_SHAPE: &str = "image tensor without shape (TensorBoard drops it)";
const NO_METADATA: &str = "first value without metadata (TensorBoard cannot tell its plugin)";

/// Reads every file and builds the report.
pub fn inspect(files: &[EventFile]) -> Result<Report, CliError> {
    let mut report = Report::default();
    let mut tags: BTreeMap<(String, String), TagReport> = BTreeMap::new();
    for file in files {
        let shown = file.path.display().to_string();
        let mut reader = file.open()?;
        let mut file_report = FileReport {
            path: shown,
            run: file.run.clone(),
            ..FileReport::default()
        };
        loop {
            let event = match reader.read_event() {
                Ok(Some((_, event))) => event,
                Ok(None) => break,
                Err(error) if error.is_truncation() => {
                    file_report.truncated_tail = Some(error.to_string());
                    break;
                }
                Err(error) => {
                    file_report.damage = Some(error.to_string());
                    break;
                }
            };
            file_report.events += 1;
            let summary = match event.what {
                Some(What::FileVersion(version)) => {
                    file_report.file_version.get_or_insert(version);
                    continue;
                }
                Some(What::Summary(summary)) => summary,
                _ => continue,
            };
            for value in summary.value {
                let key = (file.run.clone(), value.tag.clone());
                let tag = tags.entry(key).or_insert_with(|| TagReport {
                    run: file.run.clone(),
                    tag: value.tag.clone(),
                    first_step: event.step,
                    last_step: event.step,
                    ..TagReport::default()
                });
                let mut problem =
                    |what: &str| *tag.problems.entry(what.to_string()).or_default() += 1;
                if tag.values == 0 {
                    match value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()) {
                        Some(plugin) => tag.plugin = plugin.plugin_name.clone(),
                        None if matches!(value.value, Some(ValueKind::Tensor(_))) => {
                            problem(NO_METADATA)
                        }
                        None => {}
                    }
                    if tag.plugin.is_empty() {
                        tag.plugin = match value.value {
                            Some(ValueKind::SimpleValue(_)) => "scalars".into(),
                            Some(ValueKind::Image(_)) => "images".into(),
                            _ => String::new(),
                        };
                    }
                }
                if event.wall_time.is_nan() {
                    problem(NAN_WALL_TIME);
                }
                if let Some(ValueKind::Tensor(tensor)) = &value.value {
                    if tag.plugin == "scalars" && tensor.dtype == DataType::DtDouble as i32 {
                        problem(DOUBLE_SCALAR);
                    }
                    if tag.plugin == "images" && tensor.tensor_shape.is_none() {
                        problem(IMAGE_WITHOUT_SHAPE);
                    }
                }
                if tag
                    .previous_step
                    .is_some_and(|previous| event.step <= previous)
                {
                    problem(NON_INCREASING);
                }
                tag.previous_step = Some(event.step);
                tag.values += 1;
                tag.first_step = tag.first_step.min(event.step);
                tag.last_step = tag.last_step.max(event.step);
            }
        }
        report.files.push(file_report);
    }
    report.tags = tags.into_values().collect();
    Ok(report)
}

/// The report as text, one line per file, then each run's tags.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    for file in &report.files {
        let checked = if file.damage.is_none() {
            ", checksums OK"
        } else {
            ""
        };
        out += &format!(
            "{} (run {}): {} events{checked}",
            file.path, file.run, file.events
        );
        if let Some(tail) = &file.truncated_tail {
            out += &format!("; truncated tail: {tail}");
        }
        if let Some(damage) = &file.damage {
            out += &format!("; DAMAGED: {damage}");
        }
        out += "\n";
    }
    let mut run = None;
    for tag in &report.tags {
        if run != Some(&tag.run) {
            out += &format!("run {}\n", tag.run);
            run = Some(&tag.run);
        }
        let plugin = if tag.plugin.is_empty() {
            "?"
        } else {
            tag.plugin.as_str()
        };
        out += &format!(
            "  {}  [{}]  steps {}..={}  ({} values)\n",
            tag.tag, plugin, tag.first_step, tag.last_step, tag.values
        );
        for (problem, count) in &tag.problems {
            out += &format!("    problem: {problem}: {count}\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use tbconfusion::proto::summary::Value;
    use tbconfusion::proto::{DataClass, Event, Summary, TensorProto};
    use tbconfusion::record::write_record;
    use tbconfusion::summary::metadata;

    fn event(step: i64, wall_time: f64, value: Value) -> Vec<u8> {
        let event = Event {
            wall_time,
            step,
            source_metadata: None,
            what: Some(What::Summary(Summary { value: vec![value] })),
        };
        event.encode_to_vec()
    }

    fn tensor_value(tag: &str, plugin: Option<&str>, tensor: TensorProto) -> Value {
        Value {
            node_name: String::new(),
            tag: tag.into(),
            metadata: plugin.map(|p| metadata(p, Vec::new(), DataClass::Tensor)),
            value: Some(ValueKind::Tensor(tensor)),
        }
    }

    #[test]
    fn finds_what_tensorboard_would_drop_and_truncated_tails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.out.tfevents.1.host.1.0");
        let double = TensorProto {
            dtype: DataType::DtDouble as i32,
            double_val: vec![0.5],
            ..Default::default()
        };
        let image = TensorProto {
            dtype: DataType::DtString as i32,
            ..Default::default()
        };
        let plain = TensorProto {
            dtype: DataType::DtFloat as i32,
            float_val: vec![1.0],
            ..Default::default()
        };
        let mut bytes = Vec::new();
        let version = Event {
            wall_time: 1.0,
            step: 0,
            source_metadata: None,
            what: Some(What::FileVersion("brain.Event:2".into())),
        };
        for record in [
            version.encode_to_vec(),
            event(
                1,
                2.0,
                tensor_value("loss", Some("scalars"), double.clone()),
            ),
            event(1, 2.0, tensor_value("img", Some("images"), image)),
            event(1, 2.0, tensor_value("raw", None, plain)),
            event(0, f64::NAN, tensor_value("loss", None, double)),
        ] {
            write_record(&mut bytes, &record).unwrap();
        }
        bytes.extend_from_slice(&[7, 0, 0]);
        std::fs::write(&path, bytes).unwrap();

        let files = [EventFile {
            run: ".".into(),
            path,
        }];
        let report = inspect(&files).unwrap();
        assert_eq!(report.files[0].events, 5);
        assert_eq!(
            report.files[0].file_version.as_deref(),
            Some("brain.Event:2")
        );
        assert!(report.files[0].truncated_tail.is_some());
        assert!(report.files[0].damage.is_none());
        let problems = |tag: &str| {
            let t = report.tags.iter().find(|t| t.tag == tag).unwrap();
            t.problems.keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(
            problems("loss"),
            [DOUBLE_SCALAR, NAN_WALL_TIME, NON_INCREASING]
        );
        assert_eq!(problems("img"), [IMAGE_WITHOUT_SHAPE]);
        assert_eq!(problems("raw"), [NO_METADATA]);
        assert!(report.has_problems());
        let loss = report.tags.iter().find(|t| t.tag == "loss").unwrap();
        assert_eq!((loss.first_step, loss.last_step, loss.values), (0, 1, 2));
        let text = render_text(&report);
        assert!(
            text.contains("truncated tail") && text.contains("problem: DT_DOUBLE scalar"),
            "{text}"
        );
    }
}
