//! YOLO text labels: one `.txt` per image, a line per box, `class cx cy w
//! h` normalised to the image size in the ground truth and `class cx cy w h
//! conf` in predictions (Ultralytics' `save_txt` with `save_conf`). IoU does
//! not change when both axes are scaled, so normalised coordinates give the
//! same matches as pixels. A missing prediction file means no detections; a
//! prediction file without a label file is an image without objects (as
//! Ultralytics treats background images).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tbconfusion::confusion::detection::{BoundingBox, Detection, GroundTruth};

use super::{ImageDetections, ImageTruth, TruthSet};
use crate::error::{CliError, DumpError, Location, Position};

/// Images with predictions but no label file, each with empty ground truth.
pub type Unlabelled = Vec<(ImageTruth, ImageDetections)>;

/// Every `.txt` under `dir`, as paths relative to it, sorted.
fn label_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        let entries = std::fs::read_dir(&here).map_err(|source| CliError::Read {
            path: here.display().to_string(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| CliError::Read {
                path: here.display().to_string(),
                source,
            })?;
            let path = relative.join(entry.file_name());
            if entry.path().is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The boxes of one label file: `(class, box, score, where)` per line;
/// `scored` files need the sixth column.
fn read_boxes(
    path: &Path,
    scored: bool,
    classes: usize,
) -> Result<Vec<(usize, BoundingBox, f32, Location)>, CliError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: file.clone(),
        source,
    })?;
    let expected = if scored { 6 } else { 5 };
    let mut boxes = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = Location::at(&file, Position::Line(n as u64 + 1));
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        if fields.len() != expected {
            let form = if scored {
                "class cx cy w h conf (save_conf=True)"
            } else {
                "class cx cy w h"
            };
            return Err(DumpError::malformed(
                at,
                format!("{} fields, expected {expected}: {form}", fields.len()),
            )
            .into());
        }
        let class = fields[0]
            .parse::<usize>()
            .ok()
            .filter(|&c| c < classes)
            .ok_or_else(|| {
                DumpError::bad_value(
                    at.clone().column("class"),
                    fields[0],
                    format!("a class index in 0..{classes} (from --labels)"),
                )
            })?;
        let mut numbers = [0f32; 5];
        for (i, (value, name)) in fields[1..]
            .iter()
            .zip(["cx", "cy", "w", "h", "conf"])
            .enumerate()
        {
            numbers[i] = value
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    DumpError::bad_value(at.clone().column(name), *value, "a finite number")
                })?;
        }
        let [cx, cy, w, h, score] = numbers;
        boxes.push((class, BoundingBox::cxcywh(cx, cy, w, h), score, at));
    }
    Ok(boxes)
}

/// Reads the label directory: one image per `.txt`.
pub fn read_truth(dir: &Path, classes: &[String]) -> Result<TruthSet, CliError> {
    let files = label_files(dir)?;
    if files.is_empty() {
        return Err(CliError::NoData(format!(
            "{}: no .txt label files",
            dir.display()
        )));
    }
    let mut images = Vec::with_capacity(files.len());
    for relative in files {
        let path = dir.join(&relative);
        let mut image = ImageTruth {
            name: relative.display().to_string(),
            ..ImageTruth::default()
        };
        for (class, bbox, _, at) in read_boxes(&path, false, classes.len())? {
            image.boxes.push(GroundTruth::new(class, bbox));
            image.at.push(at);
        }
        images.push(image);
    }
    Ok(TruthSet {
        classes: classes.to_vec(),
        images,
    })
}

/// Reads one prediction directory: the detections of each image of
/// `truth` (none where the file is missing), and the images that have
/// predictions but no label file, each with empty ground truth.
pub fn read_predictions(
    dir: &Path,
    truth: &TruthSet,
) -> Result<(Vec<ImageDetections>, Unlabelled), CliError> {
    if !dir.is_dir() {
        return Err(CliError::Usage(format!(
            "{}: with --yolo-gt every input is a directory of prediction .txt files",
            dir.display()
        )));
    }
    let index: HashMap<&str, usize> = truth
        .images
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut found: Vec<ImageDetections> = (0..truth.images.len())
        .map(|_| ImageDetections::default())
        .collect();
    let mut extra = Vec::new();
    for relative in label_files(dir)? {
        let name = relative.display().to_string();
        let mut detections = ImageDetections::default();
        for (class, bbox, score, at) in read_boxes(&dir.join(&relative), true, truth.classes.len())?
        {
            detections.boxes.push(Detection::new(class, bbox, score));
            detections.at.push(at);
        }
        match index.get(name.as_str()) {
            Some(&i) => found[i] = detections,
            None => extra.push((
                ImageTruth {
                    name,
                    ..ImageTruth::default()
                },
                detections,
            )),
        }
    }
    Ok((found, extra))
}
