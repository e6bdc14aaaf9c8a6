//! The match policies: which detection, if any, each ground-truth object of
//! one image is paired with. The rules are documented on [`MatchPolicy`].

use super::boxes::{Detection, GroundTruth, iou, iou_ultralytics};
use super::matrix::MatchOptions;

/// How detections are paired with ground truth in one image. Every policy
/// pairs each box at most once; what differs is which pairs compete and
/// who wins. The thresholds are [`MatchOptions`](super::MatchOptions)'
/// `iou` and `conf`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[non_exhaustive]
pub enum MatchPolicy {
    /// Class-aware greedy (the default). Detections with `score ≥ conf`
    /// take part. Every (ground truth, detection) pair with `IoU ≥ iou` is
    /// a candidate. Candidates are taken greedily, each box at most once,
    /// in this order: same class first, then higher IoU, then higher
    /// score, then lower detection index, then lower ground-truth index.
    /// Same class first means a wrong-class box with a slightly higher IoU
    /// cannot steal the match of a right-class one. IoU is computed in
    /// `f64` from the `f32` corners.
    #[default]
    ClassAware,
    /// What Ultralytics' `ConfusionMatrix.process_batch` did up to release
    /// 8.4.108 (and YOLOv5 does): detections with `score > conf` (strict)
    /// take part; pairs with `IoU > iou` (strict) are candidates, whatever
    /// their classes; candidates are sorted by IoU, highest first, and each
    /// detection keeps its first pair; the rest are sorted again and each
    /// ground truth keeps its first pair. IoU and both comparisons are in
    /// `f32` with Ultralytics' `+ 1e-7` in the denominator. Equal IoUs,
    /// which Ultralytics leaves to numpy's unstable `argsort`, go to the
    /// higher ground-truth index in the first pass and the higher
    /// detection index in the second (numpy's order whenever its sort
    /// happens to be stable).
    Ultralytics,
    /// What Ultralytics' `process_batch` does from release 8.4.109 on:
    /// thresholds, IoU and class-agnostic candidates as in
    /// [`Ultralytics`](Self::Ultralytics), but the candidate detections
    /// (those with some `IoU > iou`) go in order of decreasing score (equal
    /// scores: lower index first), and each takes the unpaired ground
    /// truth it overlaps most (equal IoUs: lower index) if that IoU is
    /// above `iou`.
    UltralyticsByScore,
}

/// Reusable buffers, so matching an image allocates nothing once warm.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    /// Indices of the detections that pass `conf`.
    kept: Vec<usize>,
    /// Indices of the ground truth that is not crowd.
    objects: Vec<usize>,
    /// Indices of the crowd regions.
    crowds: Vec<usize>,
    /// Per object (position in `objects`): the detection index it is paired with.
    paired: Vec<Option<usize>>,
    /// Per detection index: whether it is paired.
    detection_paired: Vec<bool>,
    candidates: Vec<Candidate>,
    /// Objects × kept detections, row-major (by-score policy).
    ious: Vec<f32>,
    /// Candidate detections in the order they claim (by-score policy).
    order: Vec<usize>,
    /// Per kept detection, its best pair (legacy Ultralytics policy).
    best_for_detection: Vec<Option<(usize, f32)>>,
    /// Per object, its best detection among those that chose it.
    best_for_object: Vec<Option<(usize, f32)>>,
}

/// A (ground truth, detection) pair that may be matched; indices are
/// positions in `objects` and `kept`, or detection indices, as noted.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    same_class: bool,
    iou: f64,
    score: f32,
    /// Position in `kept` (which preserves detection order).
    detection: usize,
    /// Position in `objects` (which preserves ground-truth order).
    object: usize,
}

/// Where a box is counted: `(true class, predicted class)`, either of them
/// possibly the background (`K`).
pub(crate) type Cell = (usize, usize);

/// Matches one image and calls `count` once per counted cell: matched
/// pairs, missed objects (`[class, K]`) and unmatched detections outside
/// crowd regions (`[K, class]`). Inputs are already validated.
pub(crate) fn match_image(
    options: &MatchOptions,
    background: usize,
    ground_truth: &[GroundTruth],
    detections: &[Detection],
    scratch: &mut Scratch,
    mut count: impl FnMut(Cell),
) {
    let MatchOptions {
        policy,
        iou: iou_threshold,
        conf,
    } = *options;
    let strict = policy != MatchPolicy::ClassAware;
    let conf32 = conf as f32;
    scratch.kept.clear();
    scratch.kept.extend(
        detections
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                if strict {
                    d.score > conf32
                } else {
                    f64::from(d.score) >= conf
                }
            })
            .map(|(i, _)| i),
    );
    scratch.objects.clear();
    scratch.crowds.clear();
    for (i, g) in ground_truth.iter().enumerate() {
        if g.crowd {
            scratch.crowds.push(i);
        } else {
            scratch.objects.push(i);
        }
    }
    scratch.paired.clear();
    scratch.paired.resize(scratch.objects.len(), None);
    scratch.detection_paired.clear();
    scratch.detection_paired.resize(detections.len(), false);
    if !scratch.kept.is_empty() && !scratch.objects.is_empty() {
        match policy {
            MatchPolicy::ClassAware => {
                class_aware(iou_threshold, ground_truth, detections, scratch)
            }
            MatchPolicy::Ultralytics => {
                ultralytics(iou_threshold as f32, ground_truth, detections, scratch)
            }
            MatchPolicy::UltralyticsByScore => {
                ultralytics_by_score(iou_threshold as f32, ground_truth, detections, scratch)
            }
        }
    }
    for (position, &g) in scratch.objects.iter().enumerate() {
        let predicted = scratch.paired[position].map_or(background, |d| detections[d].class);
        count((ground_truth[g].class, predicted));
    }
    for &d in &scratch.kept {
        if scratch.detection_paired[d] {
            continue;
        }
        let detection = &detections[d];
        let in_crowd = scratch.crowds.iter().any(|&c| {
            let crowd = &ground_truth[c];
            if strict {
                iou_ultralytics(&crowd.bbox, &detection.bbox) > iou_threshold as f32
            } else {
                crowd.class == detection.class && iou(&crowd.bbox, &detection.bbox) >= iou_threshold
            }
        });
        if !in_crowd {
            count((background, detection.class));
        }
    }
}

fn pair(scratch: &mut Scratch, object: usize, detection: usize) {
    scratch.paired[object] = Some(detection);
    scratch.detection_paired[detection] = true;
}

fn class_aware(
    threshold: f64,
    ground_truth: &[GroundTruth],
    detections: &[Detection],
    scratch: &mut Scratch,
) {
    scratch.candidates.clear();
    for (object, &g) in scratch.objects.iter().enumerate() {
        let truth = &ground_truth[g];
        for (detection, &d) in scratch.kept.iter().enumerate() {
            let found = &detections[d];
            let overlap = iou(&truth.bbox, &found.bbox);
            if overlap >= threshold {
                scratch.candidates.push(Candidate {
                    same_class: truth.class == found.class,
                    iou: overlap,
                    score: found.score,
                    detection,
                    object,
                });
            }
        }
    }
    scratch.candidates.sort_unstable_by(|a, b| {
        b.same_class
            .cmp(&a.same_class)
            .then(b.iou.total_cmp(&a.iou))
            .then(b.score.total_cmp(&a.score))
            .then(a.detection.cmp(&b.detection))
            .then(a.object.cmp(&b.object))
    });
    for i in 0..scratch.candidates.len() {
        let c = scratch.candidates[i];
        let d = scratch.kept[c.detection];
        if scratch.paired[c.object].is_none() && !scratch.detection_paired[d] {
            pair(scratch, c.object, d);
        }
    }
}

/// Ultralytics up to 8.4.108. Its two sort-and-unique passes amount to:
/// each detection keeps its highest-IoU pair (ties: the later pair in
/// row-major ground truth × detection order, i.e. the higher ground-truth
/// index), then each ground truth keeps its highest-IoU pair among those
/// (ties: the higher detection index).
fn ultralytics(
    threshold: f32,
    ground_truth: &[GroundTruth],
    detections: &[Detection],
    scratch: &mut Scratch,
) {
    // Per kept detection, its best pair: (object position, IoU).
    let mut best_for_detection = std::mem::take(&mut scratch.best_for_detection);
    best_for_detection.clear();
    best_for_detection.resize(scratch.kept.len(), None);
    for (object, &g) in scratch.objects.iter().enumerate() {
        let truth = &ground_truth[g];
        for (detection, &d) in scratch.kept.iter().enumerate() {
            let overlap = iou_ultralytics(&truth.bbox, &detections[d].bbox);
            // `>=` keeps the later object on ties, as the reversed stable sort does.
            if overlap > threshold
                && best_for_detection[detection].is_none_or(|(_, best)| overlap >= best)
            {
                best_for_detection[detection] = Some((object, overlap));
            }
        }
    }
    // Per object, its best detection among those that chose it: (kept position, IoU).
    let mut best_for_object = std::mem::take(&mut scratch.best_for_object);
    best_for_object.clear();
    best_for_object.resize(scratch.objects.len(), None);
    for (detection, best) in best_for_detection.iter().enumerate() {
        if let Some((object, overlap)) = *best
            && best_for_object[object].is_none_or(|(_, b)| overlap >= b)
        {
            best_for_object[object] = Some((detection, overlap));
        }
    }
    for (object, best) in best_for_object.iter().enumerate() {
        if let Some((detection, _)) = *best {
            let d = scratch.kept[detection];
            pair(scratch, object, d);
        }
    }
    scratch.best_for_detection = best_for_detection;
    scratch.best_for_object = best_for_object;
}

/// Ultralytics from 8.4.109 on: detections by decreasing score, each
/// claiming its best unclaimed ground truth.
fn ultralytics_by_score(
    threshold: f32,
    ground_truth: &[GroundTruth],
    detections: &[Detection],
    scratch: &mut Scratch,
) {
    let (objects, kept) = (scratch.objects.len(), scratch.kept.len());
    scratch.ious.clear();
    scratch.ious.reserve(objects * kept);
    for &g in &scratch.objects {
        for &d in &scratch.kept {
            scratch
                .ious
                .push(iou_ultralytics(&ground_truth[g].bbox, &detections[d].bbox));
        }
    }
    scratch.order.clear();
    scratch.order.extend((0..kept).filter(|&detection| {
        (0..objects).any(|object| scratch.ious[object * kept + detection] > threshold)
    }));
    // Stable, like numpy's `kind="stable"`: equal scores keep index order.
    let kept_indices = &scratch.kept;
    scratch.order.sort_by(|&a, &b| {
        let score = |i: usize| detections[kept_indices[i]].score;
        // Scores are finite (checked), so the comparison is total.
        score(b)
            .partial_cmp(&score(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for i in 0..scratch.order.len() {
        let detection = scratch.order[i];
        // numpy's argmax: the first of equal maxima; a claimed row reads as 0.
        let mut best: Option<(usize, f32)> = None;
        for object in 0..objects {
            let overlap = if scratch.paired[object].is_some() {
                0.0
            } else {
                scratch.ious[object * kept + detection]
            };
            if best.is_none_or(|(_, b)| overlap > b) {
                best = Some((object, overlap));
            }
        }
        if let Some((object, overlap)) = best
            && overlap > threshold
        {
            let d = scratch.kept[detection];
            pair(scratch, object, d);
        }
    }
}
