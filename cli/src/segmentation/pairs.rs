//! Pairing predictions with ground truth by relative path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::SegmentationError;

/// Every `.png` under `dir` (any case), as paths relative to it, sorted.
pub fn png_files(dir: &Path) -> Result<Vec<PathBuf>, SegmentationError> {
    let read_error = |path: &Path| {
        let file = path.to_owned();
        move |source| SegmentationError::Read { file, source }
    };
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        for entry in std::fs::read_dir(&here).map_err(read_error(&here))? {
            let entry = entry.map_err(read_error(&here))?;
            let path = relative.join(entry.file_name());
            if entry.path().is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"))
            {
                found.push(path);
            }
        }
    }
    if found.is_empty() {
        return Err(SegmentationError::NoImages {
            dir: dir.to_owned(),
        });
    }
    found.sort();
    Ok(found)
}

/// Checks that `predictions` (relative to `prediction_dir`) and `truths`
/// (relative to `truth_dir`) name the same images: every prediction has a
/// ground truth and every ground truth a prediction.
pub fn check_pairs(
    prediction_dir: &Path,
    predictions: &[PathBuf],
    truth_dir: &Path,
    truths: &BTreeSet<PathBuf>,
) -> Result<(), SegmentationError> {
    if let Some(alone) = predictions.iter().find(|p| !truths.contains(*p)) {
        return Err(SegmentationError::MissingCounterpart {
            file: prediction_dir.join(alone),
            missing: "ground truth",
            expected: truth_dir.join(alone),
        });
    }
    if predictions.len() != truths.len() {
        let predicted: BTreeSet<&PathBuf> = predictions.iter().collect();
        if let Some(alone) = truths.iter().find(|t| !predicted.contains(t)) {
            return Err(SegmentationError::MissingCounterpart {
                file: truth_dir.join(alone),
                missing: "prediction",
                expected: prediction_dir.join(alone),
            });
        }
    }
    Ok(())
}
