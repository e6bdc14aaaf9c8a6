//! [`DetectionMatrix`]: a confusion matrix with a background class, counted
//! image by image through a match policy.

use thiserror::Error;

use super::boxes::{BoundingBox, Detection, GroundTruth};
use super::matching::{MatchPolicy, Scratch, match_image};
use crate::confusion::matrix::{ConfusionError, ConfusionMatrix};

/// Name of the last class of every detection matrix.
pub const BACKGROUND: &str = "background";

/// How [`DetectionMatrix::update_image`] matches: the policy and its two
/// thresholds.
///
/// ```
/// use tbconfusion::confusion::detection::{MatchOptions, MatchPolicy};
/// let coco_like = MatchOptions::default().iou(0.75);
/// let yolo = MatchOptions::ultralytics();
/// assert_eq!(yolo, MatchOptions::default().policy(MatchPolicy::Ultralytics).iou(0.45).conf(0.25));
/// # let _ = coco_like;
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct MatchOptions {
    pub(crate) policy: MatchPolicy,
    pub(crate) iou: f64,
    pub(crate) conf: f64,
}

impl Default for MatchOptions {
    /// Class-aware greedy, `IoU ≥ 0.5`, `score ≥ 0.25`.
    fn default() -> Self {
        MatchOptions {
            policy: MatchPolicy::ClassAware,
            iou: 0.5,
            conf: 0.25,
        }
    }
}

impl MatchOptions {
    /// The preset that reproduces Ultralytics' validation matrix (up to
    /// 8.4.108, as the rules of [`MatchPolicy::Ultralytics`]): `IoU > 0.45`,
    /// `score > 0.25`, class-agnostic.
    pub fn ultralytics() -> Self {
        MatchOptions {
            policy: MatchPolicy::Ultralytics,
            iou: 0.45,
            conf: 0.25,
        }
    }

    /// As [`ultralytics`](Self::ultralytics) with Ultralytics' matching
    /// from 8.4.109 on ([`MatchPolicy::UltralyticsByScore`]).
    pub fn ultralytics_by_score() -> Self {
        MatchOptions {
            policy: MatchPolicy::UltralyticsByScore,
            ..MatchOptions::ultralytics()
        }
    }

    /// The match policy (thresholds stay as they are).
    pub fn policy(mut self, policy: MatchPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The IoU a pair needs to be a candidate, in `(0, 1]` (default 0.5;
    /// compared with `≥` by the class-aware policy, `>` by the Ultralytics ones).
    pub fn iou(mut self, threshold: f64) -> Self {
        self.iou = threshold;
        self
    }

    /// The score a detection needs to be counted at all (default 0.25;
    /// compared with `≥` by the class-aware policy, `>` by the Ultralytics ones).
    pub fn conf(mut self, threshold: f64) -> Self {
        self.conf = threshold;
        self
    }
}

/// Which of an image's boxes an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoxKind {
    /// An entry of the ground truth (crowd regions included).
    GroundTruth,
    /// An entry of the detections.
    Detection,
}

impl std::fmt::Display for BoxKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BoxKind::GroundTruth => "ground-truth",
            BoxKind::Detection => "detection",
        })
    }
}

/// Errors from building or updating a [`DetectionMatrix`].
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum DetectionError {
    /// The classes do not make a matrix (none, or duplicate names; a class
    /// may not be named `background`).
    #[error(transparent)]
    Matrix(#[from] ConfusionError),
    /// A threshold outside its range.
    #[error("{name} threshold {value} is outside {expected}")]
    BadThreshold {
        /// `"iou"` or `"conf"`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The range it must be in.
        expected: &'static str,
    },
    /// A box whose corners are not finite or whose width or height is zero
    /// or negative.
    #[error(
        "image {image}: {kind} box {index} [x1 {}, y1 {}, x2 {}, y2 {}] has a width or height \
         that is zero, negative or not finite",
        bbox.x1, bbox.y1, bbox.x2, bbox.y2
    )]
    BadBox {
        /// The image: how many images the matrix had counted before it.
        image: u64,
        /// Ground truth or detection.
        kind: BoxKind,
        /// Position in its slice.
        index: usize,
        /// The box.
        bbox: BoundingBox,
    },
    /// A class index not in `0..K`.
    #[error("image {image}: {kind} box {index} has class {class}, outside 0..{classes}")]
    ClassOutOfRange {
        /// The image, as for [`BadBox`](Self::BadBox).
        image: u64,
        /// Ground truth or detection.
        kind: BoxKind,
        /// Position in its slice.
        index: usize,
        /// The class given.
        class: usize,
        /// K, without the background.
        classes: usize,
    },
    /// A detection score that is NaN or infinite.
    #[error("image {image}: detection {index} has score {score}, expected a finite number")]
    BadScore {
        /// The image, as for [`BadBox`](Self::BadBox).
        image: u64,
        /// Position in the detections.
        index: usize,
        /// The score given.
        score: f32,
    },
}

/// A (K+1)×(K+1) confusion matrix of an object detector: rows the true
/// class, columns the predicted class, the last class named `background`.
///
/// Each call to [`update_image`](Self::update_image) matches one image's
/// detections to its ground truth under a [`MatchPolicy`] and counts:
///
/// - a matched pair at `[true class, predicted class]`;
/// - a ground-truth object no detection matched at `[true class, background]` (missed);
/// - a detection that matched nothing at `[background, predicted class]`
///   (false positive), unless it overlaps a crowd region (below);
/// - nothing at `[background, background]`, which stays 0.
///
/// Detections under the `conf` threshold are not counted at all. Crowd
/// regions (COCO `iscrowd: 1`, [`GroundTruth::crowd`]) are not objects: they
/// are never matched nor missed, and a detection that matched nothing but
/// overlaps one with IoU at the `iou` threshold (same class for the
/// class-aware policy, any class for the class-agnostic Ultralytics ones)
/// is not counted.
///
/// Orientation: Ultralytics' `ConfusionMatrix.matrix` has rows = predicted
/// and columns = true; this matrix, like every matrix of this crate, has
/// rows = true. Its transpose is Ultralytics' matrix.
///
/// Logged with [`SummaryWriter::add_detection_matrix`](crate::SummaryWriter::add_detection_matrix).
///
/// # Examples
///
/// ```
/// use tbconfusion::confusion::detection::{BoundingBox, Detection, DetectionMatrix, GroundTruth, MatchOptions};
/// let mut cm = DetectionMatrix::new(["cat", "dog"], MatchOptions::default())?;
/// let truth = [GroundTruth::new(0, BoundingBox::xyxy(0.0, 0.0, 10.0, 10.0))];
/// let found = [
///     Detection::new(1, BoundingBox::xyxy(1.0, 0.0, 10.0, 10.0), 0.9), // the cat, called a dog
///     Detection::new(0, BoundingBox::xyxy(50.0, 50.0, 60.0, 60.0), 0.8), // nothing there
/// ];
/// cm.update_image(&truth, &found)?;
/// let m = cm.matrix();
/// assert_eq!(m.class_names(), ["cat", "dog", "background"]);
/// assert_eq!((m.count(0, 1), m.count(2, 0)), (1, 1));
/// # Ok::<(), tbconfusion::confusion::detection::DetectionError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DetectionMatrix {
    matrix: ConfusionMatrix,
    options: MatchOptions,
    images: u64,
    scratch: Scratch,
}

impl DetectionMatrix {
    /// An empty matrix over the named classes, in index order, plus
    /// `background`, matching with `options`.
    ///
    /// # Errors
    ///
    /// [`DetectionError::Matrix`] for no classes or duplicate names (a
    /// class named `background` among them), [`DetectionError::BadThreshold`]
    /// for an IoU threshold outside `(0, 1]` or a score threshold that is
    /// not finite.
    pub fn new<I, S>(class_names: I, options: MatchOptions) -> Result<Self, DetectionError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if !(options.iou > 0.0 && options.iou <= 1.0) {
            return Err(DetectionError::BadThreshold {
                name: "iou",
                value: options.iou,
                expected: "(0, 1]",
            });
        }
        if !options.conf.is_finite() {
            return Err(DetectionError::BadThreshold {
                name: "conf",
                value: options.conf,
                expected: "the finite numbers",
            });
        }
        let mut names: Vec<String> = class_names.into_iter().map(Into::into).collect();
        if names.is_empty() {
            return Err(ConfusionError::NoClasses.into());
        }
        names.push(BACKGROUND.to_owned());
        Ok(DetectionMatrix {
            matrix: ConfusionMatrix::with_class_names(names)?,
            options,
            images: 0,
            scratch: Scratch::default(),
        })
    }

    /// Matches one image and counts it (see the [type docs](Self) and
    /// [`MatchPolicy`] for the rules). Allocates nothing once its buffers
    /// have grown to the largest image seen.
    ///
    /// # Errors
    ///
    /// [`DetectionError::BadBox`], [`DetectionError::ClassOutOfRange`] or
    /// [`DetectionError::BadScore`] for the first bad entry (ground truth
    /// first), naming the image by the number of images counted before it.
    /// On error nothing of the image is counted.
    pub fn update_image(
        &mut self,
        ground_truth: &[GroundTruth],
        detections: &[Detection],
    ) -> Result<(), DetectionError> {
        self.check(ground_truth, detections)?;
        let k = self.num_classes();
        let side = k + 1;
        let counts = &mut self.matrix.counts;
        match_image(
            &self.options,
            k,
            ground_truth,
            detections,
            &mut self.scratch,
            |(t, p)| counts[t * side + p] += 1,
        );
        self.images += 1;
        Ok(())
    }

    fn check(
        &self,
        ground_truth: &[GroundTruth],
        detections: &[Detection],
    ) -> Result<(), DetectionError> {
        let (image, classes) = (self.images, self.num_classes());
        let boxes = ground_truth
            .iter()
            .map(|g| (BoxKind::GroundTruth, g.class, g.bbox))
            .enumerate()
            .chain(
                detections
                    .iter()
                    .map(|d| (BoxKind::Detection, d.class, d.bbox))
                    .enumerate(),
            );
        for (index, (kind, class, bbox)) in boxes {
            if !bbox.is_valid() {
                return Err(DetectionError::BadBox {
                    image,
                    kind,
                    index,
                    bbox,
                });
            }
            if class >= classes {
                return Err(DetectionError::ClassOutOfRange {
                    image,
                    kind,
                    index,
                    class,
                    classes,
                });
            }
        }
        if let Some((index, d)) = detections
            .iter()
            .enumerate()
            .find(|(_, d)| !d.score.is_finite())
        {
            return Err(DetectionError::BadScore {
                image,
                index,
                score: d.score,
            });
        }
        Ok(())
    }

    /// The counts: (K+1)×(K+1), rows = true, `background` last.
    pub fn matrix(&self) -> &ConfusionMatrix {
        &self.matrix
    }

    /// The counts, giving up the matcher.
    pub fn into_matrix(self) -> ConfusionMatrix {
        self.matrix
    }

    /// K: the object classes, without the background.
    pub fn num_classes(&self) -> usize {
        self.matrix.num_classes() - 1
    }

    /// How many images were counted.
    pub fn images(&self) -> u64 {
        self.images
    }

    /// How images are matched.
    pub fn options(&self) -> &MatchOptions {
        &self.options
    }

    /// Adds the counts of `other` (another shard of the same data set).
    ///
    /// # Errors
    ///
    /// [`DetectionError::Matrix`] when the class names differ.
    pub fn merge(&mut self, other: &DetectionMatrix) -> Result<(), DetectionError> {
        self.matrix.merge(&other.matrix)?;
        self.images += other.images;
        Ok(())
    }

    /// Zeroes the counts, for the next epoch.
    pub fn reset(&mut self) {
        self.matrix.reset();
        self.images = 0;
    }
}
