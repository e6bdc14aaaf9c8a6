//! Counting pairs of label images into one matrix, decoding on every core.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tbconfusion::{ConfusionError, ConfusionMatrix};

use super::error::SegmentationError;
use super::mask::{Classes, MaskDecoder};

/// A prediction and its ground truth.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The predicted label image.
    pub prediction: PathBuf,
    /// The ground-truth label image.
    pub truth: PathBuf,
}

/// Counts every pair into a copy of `empty` (class names and ignore index
/// set, no counts), decoding on up to `threads` threads. Returns the matrix
/// and the pixels decoded per image pair. On errors, the one of the first
/// pair in order is returned: pairs are taken in order, so every earlier
/// pair was taken and finished.
pub fn count_pairs(
    pairs: &[Pair],
    empty: &ConfusionMatrix,
    threads: usize,
) -> Result<(ConfusionMatrix, u64), SegmentationError> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, SegmentationError)>> = Mutex::new(None);
    let workers = threads.clamp(1, pairs.len().max(1));
    let results: Vec<(ConfusionMatrix, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut cm = empty.clone();
                    let (mut predictions, mut truths) =
                        (MaskDecoder::default(), MaskDecoder::default());
                    let mut pixels = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(pair) = pairs.get(i) else { break };
                        match count_pair(&mut cm, &mut predictions, &mut truths, pair) {
                            Ok(n) => pixels += n,
                            Err(e) => {
                                stop.store(true, Ordering::Relaxed);
                                let mut first =
                                    first_error.lock().unwrap_or_else(|p| p.into_inner());
                                if first.as_ref().is_none_or(|(at, _)| i < *at) {
                                    *first = Some((i, e));
                                }
                                break;
                            }
                        }
                    }
                    (cm, pixels)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if let Some((_, e)) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let mut total = empty.clone();
    let mut pixels = 0;
    for (cm, n) in results {
        total.merge(&cm)?;
        pixels += n;
    }
    Ok((total, pixels))
}

/// Decodes and counts one pair; returns its pixels.
fn count_pair(
    cm: &mut ConfusionMatrix,
    predictions: &mut MaskDecoder,
    truths: &mut MaskDecoder,
    pair: &Pair,
) -> Result<u64, SegmentationError> {
    let truth = truths.decode(&pair.truth)?;
    let predicted = predictions.decode(&pair.prediction)?;
    if (predicted.width, predicted.height) != (truth.width, truth.height) {
        return Err(SegmentationError::SizeMismatch {
            prediction: pair.prediction.clone(),
            width: predicted.width,
            height: predicted.height,
            truth: pair.truth.clone(),
            truth_width: truth.width,
            truth_height: truth.height,
        });
    }
    let counted = match (&truth.classes, &predicted.classes) {
        (Classes::Narrow(t), Classes::Narrow(p)) => cm.update(t, p),
        (Classes::Narrow(t), Classes::Wide(p)) => cm.update(t, p),
        (Classes::Wide(t), Classes::Narrow(p)) => cm.update(t, p),
        (Classes::Wide(t), Classes::Wide(p)) => cm.update(t, p),
    };
    counted.map_err(|e| bad_value(e, pair, truth.width, cm.ignore_index()))?;
    Ok(u64::from(truth.width) * u64::from(truth.height))
}

/// A label out of range as the pixel of the file it is in.
fn bad_value(
    error: ConfusionError,
    pair: &Pair,
    width: u32,
    ignore_index: Option<i64>,
) -> SegmentationError {
    let ConfusionError::LabelOutOfRange {
        which,
        index,
        value,
        k,
    } = error
    else {
        return error.into();
    };
    let in_truth = which == "true";
    let file: &Path = if in_truth {
        &pair.truth
    } else {
        &pair.prediction
    };
    let also = match ignore_index {
        Some(ignored) if in_truth => format!(" or the ignore index {ignored}"),
        _ => String::new(),
    };
    let width = u64::from(width.max(1));
    SegmentationError::BadValue {
        file: file.to_owned(),
        x: index as u64 % width,
        y: index as u64 / width,
        value,
        classes: k,
        also,
    }
}
