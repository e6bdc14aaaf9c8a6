//! Reads a logdir back with the crate's own reader, for tests: which runs,
//! tags, steps and values the event files hold, turned into the manifest
//! TensorBoard must then show.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use tbconfusion::event::EventFileReader;
use tbconfusion::proto::event::What;
use tbconfusion::proto::summary::value::Value as ValueKind;

use crate::tensorboard::Manifest;

/// One value read back: its run, tag, step, plugin and content.
#[derive(Clone, Debug)]
pub struct Point {
    pub run: String,
    pub tag: String,
    pub step: i64,
    pub plugin: String,
    pub scalar: Option<f32>,
    pub image_size: Option<(u32, u32)>,
    pub text: Option<String>,
}

/// Every event file under `root`, with its run name (`"."` for the root).
pub fn event_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .contains("tfevents")
            {
                let rel = dir
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((if rel.is_empty() { ".".into() } else { rel }, path));
            }
        }
    }
    out.sort();
    out
}

/// Every summary value in the logdir, in file order, in either form this
/// crate has written: scalars as `simple_value` and images as
/// `Summary.Image` (today), or both as tensors under plugin metadata that
/// only a tag's first value per file carries (earlier versions). A
/// truncated tail is accepted (a killed writer leaves one); any other
/// damage panics.
pub fn read_points(root: &Path) -> Vec<Point> {
    let mut points = Vec::new();
    for (run, path) in event_files(root) {
        let mut plugins: HashMap<String, String> = HashMap::new();
        for item in EventFileReader::open(&path).unwrap() {
            let (_, event) = match item {
                Ok(e) => e,
                Err(e) if e.is_truncation() => break,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            let Some(What::Summary(summary)) = event.what else {
                continue;
            };
            for v in summary.value {
                if let Some(p) = v.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()) {
                    plugins
                        .entry(v.tag.clone())
                        .or_insert_with(|| p.plugin_name.clone());
                }
                let mut point = Point {
                    run: run.clone(),
                    tag: v.tag.clone(),
                    step: event.step,
                    plugin: String::new(),
                    scalar: None,
                    image_size: None,
                    text: None,
                };
                match v.value {
                    Some(ValueKind::SimpleValue(x)) => {
                        point.plugin = "scalars".into();
                        point.scalar = Some(x);
                    }
                    Some(ValueKind::Image(image)) => {
                        point.plugin = "images".into();
                        let size = |n: i32| u32::try_from(n).unwrap();
                        point.image_size = Some((size(image.width), size(image.height)));
                    }
                    Some(ValueKind::Tensor(t)) => {
                        point.plugin = plugins.get(&v.tag).cloned().unwrap_or_default();
                        let string =
                            |i: usize| String::from_utf8_lossy(&t.string_val[i]).into_owned();
                        match point.plugin.as_str() {
                            "scalars" => point.scalar = t.float_val.first().copied(),
                            "images" => {
                                let n = |i: usize| string(i).parse::<u32>().unwrap();
                                point.image_size = Some((n(0), n(1)));
                            }
                            "text" => point.text = Some(string(0)),
                            _ => {}
                        }
                    }
                    None => continue,
                }
                points.push(point);
            }
        }
    }
    points
}

/// The manifest of everything in the files: TensorBoard must show exactly it.
/// Text is checked for being served, and for tables rendering as tables.
pub fn manifest_of(points: &[Point]) -> Manifest {
    let mut manifest = Manifest::new();
    for p in points {
        let run = manifest.run(&p.run);
        if let Some(v) = p.scalar {
            run.scalar(&p.tag, p.step, v);
        } else if let Some((w, h)) = p.image_size {
            run.image(&p.tag, p.step, w, h);
        } else if let Some(text) = &p.text {
            let table: &[&str] = if text.contains("|---") || text.contains("| ---") {
                &["<table>"]
            } else {
                &[]
            };
            run.text(&p.tag, p.step, table);
        }
    }
    manifest
}

/// Steps per (run, tag), for assertions.
pub fn steps_by_tag(points: &[Point]) -> BTreeMap<(String, String), Vec<i64>> {
    let mut out: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for p in points {
        out.entry((p.run.clone(), p.tag.clone()))
            .or_default()
            .push(p.step);
    }
    out
}
