//! Boxes and what is matched: a [`BoundingBox`], [`GroundTruth`] and
//! [`Detection`], and the two IoU definitions the match policies use.

/// An axis-aligned box by its corners: `x1 < x2`, `y1 < y2` (pixels or
/// normalised, as long as ground truth and detections agree).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundingBox {
    /// Left edge.
    pub x1: f32,
    /// Top edge.
    pub y1: f32,
    /// Right edge.
    pub x2: f32,
    /// Bottom edge.
    pub y2: f32,
}

impl BoundingBox {
    /// A box from its corners `(x1, y1)` and `(x2, y2)` (Ultralytics'
    /// `xyxy`, Pascal VOC).
    pub fn xyxy(x1: f32, y1: f32, x2: f32, y2: f32) -> Self {
        BoundingBox { x1, y1, x2, y2 }
    }

    /// A box from its top-left corner and size (COCO's `bbox`).
    pub fn xywh(x: f32, y: f32, width: f32, height: f32) -> Self {
        BoundingBox::xyxy(x, y, x + width, y + height)
    }

    /// A box from its centre and size (YOLO's label files).
    pub fn cxcywh(cx: f32, cy: f32, width: f32, height: f32) -> Self {
        BoundingBox::xyxy(
            cx - width / 2.0,
            cy - height / 2.0,
            cx + width / 2.0,
            cy + height / 2.0,
        )
    }

    /// Whether the corners are finite and the width and height positive.
    pub fn is_valid(&self) -> bool {
        [self.x1, self.y1, self.x2, self.y2]
            .iter()
            .all(|v| v.is_finite())
            && self.x2 > self.x1
            && self.y2 > self.y1
    }
}

/// A ground-truth object of one image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroundTruth {
    /// Class index in `0..K`.
    pub class: usize,
    /// Where it is.
    pub bbox: BoundingBox,
    /// A crowd region (COCO `iscrowd: 1`): not an object to find, only a
    /// place where unmatched detections are not counted.
    pub crowd: bool,
}

impl GroundTruth {
    /// An object of `class` at `bbox` (not a crowd region).
    pub fn new(class: usize, bbox: BoundingBox) -> Self {
        GroundTruth {
            class,
            bbox,
            crowd: false,
        }
    }

    /// A crowd region of `class` at `bbox`.
    pub fn crowd(class: usize, bbox: BoundingBox) -> Self {
        GroundTruth {
            class,
            bbox,
            crowd: true,
        }
    }
}

/// A detection of one image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    /// Predicted class index in `0..K`.
    pub class: usize,
    /// Where it is.
    pub bbox: BoundingBox,
    /// Confidence; compared with the `conf` threshold.
    pub score: f32,
}

impl Detection {
    /// A detection of `class` at `bbox` with `score`.
    pub fn new(class: usize, bbox: BoundingBox, score: f32) -> Self {
        Detection { class, bbox, score }
    }
}

/// Intersection over union in `f64`, exact up to one rounding per
/// operation: the class-aware policy's definition.
pub(crate) fn iou(a: &BoundingBox, b: &BoundingBox) -> f64 {
    let w = f64::from(a.x2.min(b.x2)) - f64::from(a.x1.max(b.x1));
    let h = f64::from(a.y2.min(b.y2)) - f64::from(a.y1.max(b.y1));
    if w <= 0.0 || h <= 0.0 {
        return 0.0;
    }
    let inter = w * h;
    let area =
        |r: &BoundingBox| (f64::from(r.x2) - f64::from(r.x1)) * (f64::from(r.y2) - f64::from(r.y1));
    inter / (area(a) + area(b) - inter)
}

/// Intersection over union as Ultralytics' `box_iou` computes it: `f32`
/// throughout, the operations in its order, `+ 1e-7` in the denominator,
/// so the comparisons with its thresholds come out bit for bit the same.
pub(crate) fn iou_ultralytics(gt: &BoundingBox, det: &BoundingBox) -> f32 {
    let w = (gt.x2.min(det.x2) - gt.x1.max(det.x1)).max(0.0);
    let h = (gt.y2.min(det.y2) - gt.y1.max(det.y1)).max(0.0);
    let inter = w * h;
    let gt_area = (gt.x2 - gt.x1) * (gt.y2 - gt.y1);
    let det_area = (det.x2 - det.x1) * (det.y2 - det.y1);
    inter / (gt_area + det_area - inter + 1e-7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_known_boxes() {
        let a = BoundingBox::xyxy(0.0, 0.0, 2.0, 2.0);
        let b = BoundingBox::xyxy(1.0, 0.0, 3.0, 2.0);
        assert_eq!(iou(&a, &b), 2.0 / 6.0);
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &BoundingBox::xyxy(2.0, 0.0, 3.0, 1.0)), 0.0);
        assert!((iou_ultralytics(&a, &b) - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn box_forms_agree() {
        let corners = BoundingBox::xyxy(1.0, 2.0, 5.0, 8.0);
        assert_eq!(BoundingBox::xywh(1.0, 2.0, 4.0, 6.0), corners);
        assert_eq!(BoundingBox::cxcywh(3.0, 5.0, 4.0, 6.0), corners);
        assert!(corners.is_valid());
        assert!(!BoundingBox::xywh(1.0, 2.0, 0.0, 6.0).is_valid());
        assert!(!BoundingBox::xyxy(f32::NAN, 2.0, 5.0, 8.0).is_valid());
    }
}
