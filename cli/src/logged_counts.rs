//! The raw counts logged by `convert` (or the library), read back from
//! event files per run, tag and step, and written as CSV: the engine of
//! `tbconfusion export`.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;
use tbconfusion::confusion::counts;
use tbconfusion::proto::event::What;
use tbconfusion::proto::summary::value::Value as ValueKind;

use super::error::CliError;
use super::logdir::EventFile;

/// One logged matrix.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportedMatrix {
    /// The run (directory relative to the logdir).
    pub run: String,
    /// The tag given to `convert` (without the `/counts` suffix).
    pub tag: String,
    /// The step.
    pub step: i64,
    /// The event's wall time.
    pub wall_time: f64,
    /// Class names in index order.
    pub classes: Vec<String>,
    /// Counts: `counts[t][p]` is how often true class `t` was predicted `p`.
    pub counts: Vec<Vec<u64>>,
}

/// A file that ended inside a record: its complete events were used.
#[derive(Debug)]
pub struct TruncatedTail {
    /// The file.
    pub path: String,
    /// The reader's description.
    pub message: String,
}

/// Reads every counts tensor in `files`, in file order.
pub fn read_counts(
    files: &[EventFile],
) -> Result<(Vec<ExportedMatrix>, Vec<TruncatedTail>), CliError> {
    let mut matrices = Vec::new();
    let mut truncated = Vec::new();
    // Counts metadata, per run and tag: the latest value that carried it
    // (every counts value does; older files only the first of each file).
    let mut contents: HashMap<(String, String), Vec<u8>> = HashMap::new();
    for file in files {
        let shown = file.path.display().to_string();
        let mut reader = file.open()?;
        loop {
            let event = match reader.read_event() {
                Ok(Some((_, event))) => event,
                Ok(None) => break,
                Err(error) if error.is_truncation() => {
                    truncated.push(TruncatedTail {
                        path: shown.clone(),
                        message: error.to_string(),
                    });
                    break;
                }
                Err(error) => {
                    return Err(CliError::Events {
                        path: shown,
                        message: error.to_string(),
                    });
                }
            };
            let Some(What::Summary(summary)) = event.what else {
                continue;
            };
            for value in summary.value {
                let key = (file.run.clone(), value.tag.clone());
                if counts::is_counts(value.metadata.as_ref())
                    && let Some(plugin) =
                        value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref())
                {
                    // Each value's own metadata wins: files, and tags whose
                    // classes changed, each carry theirs.
                    contents.insert(key.clone(), plugin.content.clone());
                }
                let (Some(content), Some(ValueKind::Tensor(tensor))) =
                    (contents.get(&key), &value.value)
                else {
                    continue;
                };
                let cm = counts::decode(tensor, content).map_err(|e| CliError::Events {
                    path: shown.clone(),
                    message: format!("tag {:?}, step {}: {e}", value.tag, event.step),
                })?;
                let k = cm.num_classes();
                matrices.push(ExportedMatrix {
                    run: file.run.clone(),
                    tag: value
                        .tag
                        .strip_suffix(counts::COUNTS_TAG_SUFFIX)
                        .unwrap_or(&value.tag)
                        .to_string(),
                    step: event.step,
                    wall_time: event.wall_time,
                    classes: cm.class_names().to_vec(),
                    counts: cm.counts().chunks(k).map(<[u64]>::to_vec).collect(),
                });
            }
        }
    }
    Ok((matrices, truncated))
}

/// Writes the matrices as CSV, one row per cell: all cells with `dense`,
/// else only non-zero ones.
pub fn write_csv(
    matrices: &[ExportedMatrix],
    dense: bool,
    out: impl Write,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "run",
        "tag",
        "step",
        "wall_time",
        "true_index",
        "true_class",
        "pred_index",
        "pred_class",
        "count",
    ])?;
    for m in matrices {
        for (t, row) in m.counts.iter().enumerate() {
            for (p, &count) in row.iter().enumerate() {
                if count == 0 && !dense {
                    continue;
                }
                writer.write_record([
                    m.run.as_str(),
                    &m.tag,
                    &m.step.to_string(),
                    &m.wall_time.to_string(),
                    &t.to_string(),
                    &m.classes[t],
                    &p.to_string(),
                    &m.classes[p],
                    &count.to_string(),
                ])?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}
