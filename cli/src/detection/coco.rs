//! COCO: the ground truth of an `instances_*.json` (images, annotations,
//! categories) and results files (a JSON list of `{image_id, category_id,
//! bbox: [x, y, w, h], score}`). Classes are the categories ordered by id
//! (COCO ids are not contiguous); an image or category id the ground truth
//! lacks is an error naming the entry.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use tbconfusion::confusion::detection::{BoundingBox, Detection, GroundTruth};

use super::{ImageDetections, ImageTruth, TruthSet};
use crate::error::{CliError, DumpError, Location, Position};

/// The ground truth, with COCO's ids mapped to positions.
#[derive(Debug)]
pub struct CocoTruth {
    /// Classes and images.
    pub set: TruthSet,
    /// COCO image id → position in `set.images`.
    images: HashMap<i64, usize>,
    /// COCO category id → class index.
    categories: HashMap<i64, usize>,
    /// The ground-truth file, for messages.
    file: String,
}

#[derive(Deserialize)]
struct GroundTruthFile {
    images: Vec<Image>,
    annotations: Vec<Annotation>,
    categories: Vec<Category>,
}

#[derive(Deserialize)]
struct Image {
    id: i64,
}

#[derive(Deserialize)]
struct Annotation {
    image_id: i64,
    category_id: i64,
    bbox: [f64; 4],
    #[serde(default)]
    iscrowd: u8,
}

#[derive(Deserialize)]
struct Category {
    id: i64,
    name: String,
}

#[derive(Deserialize)]
struct Result {
    image_id: i64,
    category_id: i64,
    bbox: [f64; 4],
    score: f64,
}

fn parse<T: for<'de> Deserialize<'de>>(
    path: &Path,
    what: &str,
) -> std::result::Result<T, CliError> {
    let file = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| CliError::Read {
        path: file.clone(),
        source,
    })?;
    serde_json::from_slice(&text).map_err(|e| {
        DumpError::malformed(
            Location::at(&file, Position::Line(e.line() as u64)),
            format!("not {what}: {e}"),
        )
        .into()
    })
}

fn bbox([x, y, w, h]: [f64; 4]) -> BoundingBox {
    BoundingBox::xywh(x as f32, y as f32, w as f32, h as f32)
}

/// Reads a COCO ground-truth file.
pub fn read_truth(path: &Path) -> std::result::Result<CocoTruth, CliError> {
    let file = path.display().to_string();
    let gt: GroundTruthFile = parse(
        path,
        "a COCO ground-truth file (images, annotations, categories)",
    )?;
    let mut categories: Vec<&Category> = gt.categories.iter().collect();
    categories.sort_by_key(|c| c.id);
    if categories.is_empty() {
        return Err(DumpError::malformed(
            Location::file(&file).column("categories"),
            "no categories",
        )
        .into());
    }
    let category_index: HashMap<i64, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut images: Vec<ImageTruth> = Vec::with_capacity(gt.images.len());
    let mut image_index = HashMap::with_capacity(gt.images.len());
    for image in &gt.images {
        image_index.insert(image.id, images.len());
        images.push(ImageTruth {
            name: format!("image id {}", image.id),
            ..ImageTruth::default()
        });
    }
    for (i, a) in gt.annotations.iter().enumerate() {
        let at = Location::at(&file, Position::Row(i as u64)).column("annotations");
        let Some(&image) = image_index.get(&a.image_id) else {
            return Err(DumpError::bad_value(
                at,
                a.image_id.to_string(),
                "an image id listed under images",
            )
            .into());
        };
        let Some(&class) = category_index.get(&a.category_id) else {
            return Err(DumpError::bad_value(
                at,
                a.category_id.to_string(),
                "a category id listed under categories",
            )
            .into());
        };
        let bbox = bbox(a.bbox);
        let truth = if a.iscrowd == 1 {
            GroundTruth::crowd(class, bbox)
        } else {
            GroundTruth::new(class, bbox)
        };
        images[image].boxes.push(truth);
        images[image].at.push(at);
    }
    Ok(CocoTruth {
        set: TruthSet {
            classes: categories.iter().map(|c| c.name.clone()).collect(),
            images,
        },
        images: image_index,
        categories: category_index,
        file,
    })
}

/// Reads a COCO results file: the detections of each image of `truth`.
pub fn read_results(
    path: &Path,
    truth: &CocoTruth,
) -> std::result::Result<Vec<ImageDetections>, CliError> {
    let file = path.display().to_string();
    let results: Vec<Result> = parse(
        path,
        "a COCO results file (a JSON list of {image_id, category_id, bbox, score})",
    )?;
    let mut found: Vec<ImageDetections> = (0..truth.set.images.len())
        .map(|_| ImageDetections::default())
        .collect();
    for (i, r) in results.iter().enumerate() {
        let at = Location::at(&file, Position::Row(i as u64));
        let Some(&image) = truth.images.get(&r.image_id) else {
            return Err(DumpError::bad_value(
                at.column("image_id"),
                r.image_id.to_string(),
                format!("an image id of {}", truth.file),
            )
            .into());
        };
        let Some(&class) = truth.categories.get(&r.category_id) else {
            return Err(DumpError::bad_value(
                at.column("category_id"),
                r.category_id.to_string(),
                format!("a category id of {}", truth.file),
            )
            .into());
        };
        found[image]
            .boxes
            .push(Detection::new(class, bbox(r.bbox), r.score as f32));
        found[image].at.push(at.column("bbox"));
    }
    Ok(found)
}
