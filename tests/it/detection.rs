//! The detection matcher against matrices computed by hand: each test is
//! one rule of `MatchPolicy` (ties, duplicates, empty images, crowd regions,
//! wrong-class overlaps, thresholds) under every policy it concerns, and a
//! fixture made by Ultralytics' own `ConfusionMatrix.process_batch`.
//!
//! Boxes are chosen so IoUs are exact: a detection `(0, 0, 10, h)` inside
//! the object `(0, 0, 10, 10)` has IoU `h / 10`.

use tbconfusion::confusion::detection::{
    BoundingBox, BoxKind, Detection, DetectionError, DetectionMatrix, GroundTruth, MatchOptions,
    MatchPolicy,
};

const CAT: usize = 0;
const DOG: usize = 1;
const BG: usize = 2;

/// The object every test is about, and the box at IoU `h / 10` with it.
fn object(class: usize) -> GroundTruth {
    GroundTruth::new(class, BoundingBox::xyxy(0.0, 0.0, 10.0, 10.0))
}
fn at_iou_tenths(class: usize, h: f32, score: f32) -> Detection {
    Detection::new(class, BoundingBox::xyxy(0.0, 0.0, 10.0, h), score)
}
/// A box far from everything.
fn elsewhere(class: usize, score: f32) -> Detection {
    Detection::new(class, BoundingBox::xyxy(100.0, 100.0, 110.0, 110.0), score)
}

/// The 3×3 matrix (cat, dog, background) of `images` under `options`.
fn counts(options: MatchOptions, images: &[(&[GroundTruth], &[Detection])]) -> [[u64; 3]; 3] {
    let mut cm = DetectionMatrix::new(["cat", "dog"], options).unwrap();
    for (truth, found) in images {
        cm.update_image(truth, found).unwrap();
    }
    assert_eq!(cm.images(), images.len() as u64);
    let m = cm.matrix();
    assert_eq!(m.count(BG, BG), 0, "[background, background] stays 0");
    std::array::from_fn(|t| std::array::from_fn(|p| m.count(t, p)))
}

fn all_policies() -> [MatchOptions; 3] {
    [
        MatchOptions::default(),
        MatchOptions::ultralytics(),
        MatchOptions::ultralytics_by_score(),
    ]
}

#[test]
fn empty_images_count_misses_and_false_positives() {
    for options in all_policies() {
        let nothing: &[GroundTruth] = &[];
        let none: &[Detection] = &[];
        let m = counts(
            options,
            &[
                (nothing, none),
                (&[object(CAT), object(DOG)], none),
                // 0.2 is under conf: not counted at all.
                (nothing, &[elsewhere(DOG, 0.9), elsewhere(CAT, 0.2)]),
            ],
        );
        assert_eq!(m, [[0, 0, 1], [0, 0, 1], [0, 1, 0]], "{options:?}");
    }
}

#[test]
fn wrong_class_overlap_does_not_steal_the_match_in_class_aware() {
    let truth = [object(CAT)];
    // A dog box overlapping more (0.9) than the cat box (0.6).
    let found = [at_iou_tenths(DOG, 9.0, 0.5), at_iou_tenths(CAT, 6.0, 0.9)];
    let image: &[(&[GroundTruth], &[Detection])] = &[(&truth, &found)];
    // Same class first: the cat box matches, the dog box is a false positive.
    assert_eq!(
        counts(MatchOptions::default(), image),
        [[1, 0, 0], [0, 0, 0], [0, 1, 0]]
    );
    // Class-agnostic by IoU: the dog box takes the cat, the cat box is left over.
    assert_eq!(
        counts(MatchOptions::ultralytics(), image),
        [[0, 1, 0], [0, 0, 0], [1, 0, 0]]
    );
    // By score: the cat box (0.9) claims first.
    assert_eq!(
        counts(MatchOptions::ultralytics_by_score(), image),
        [[1, 0, 0], [0, 0, 0], [0, 1, 0]]
    );
}

#[test]
fn a_wrong_class_match_counts_off_the_diagonal_when_nothing_better_exists() {
    for options in all_policies() {
        let m = counts(
            options,
            &[(&[object(CAT)], &[at_iou_tenths(DOG, 8.0, 0.9)])],
        );
        assert_eq!(m, [[0, 1, 0], [0, 0, 0], [0, 0, 0]], "{options:?}");
    }
}

#[test]
fn duplicate_detections_match_once() {
    // Three cat boxes on one cat: the best one matches, two are false positives.
    let found = [
        at_iou_tenths(CAT, 6.0, 0.9),
        at_iou_tenths(CAT, 9.0, 0.5),
        at_iou_tenths(CAT, 7.0, 0.8),
    ];
    for options in all_policies() {
        let m = counts(options, &[(&[object(CAT)], &found)]);
        assert_eq!(m, [[1, 0, 0], [0, 0, 0], [2, 0, 0]], "{options:?}");
    }
}

#[test]
fn ties_follow_the_documented_order() {
    // Two dog detections at equal IoU on a dog: the higher score wins it and
    // the other pairs with the cat box (IoU 0.7) as a wrong-class match.
    let truth = [
        object(DOG),
        GroundTruth::new(CAT, BoundingBox::xyxy(0.0, 0.0, 10.0, 7.0)),
    ];
    // Detection 0 (score 0.6) and 1 (score 0.9), both the object's exact box,
    // IoU 1.0 with the dog and 0.7 with the cat box.
    let dog_box = BoundingBox::xyxy(0.0, 0.0, 10.0, 10.0);
    let found = [
        Detection::new(DOG, dog_box, 0.6),
        Detection::new(DOG, dog_box, 0.9),
    ];
    let mut cm = DetectionMatrix::new(["cat", "dog"], MatchOptions::default()).unwrap();
    cm.update_image(&truth, &found).unwrap();
    // Both pair up: one with the dog (same class first), the other with the cat.
    assert_eq!(cm.matrix().count(DOG, DOG), 1);
    assert_eq!(cm.matrix().count(CAT, DOG), 1);

    // A cat and a dog object with the same box, one dog detection: same
    // class first decides.
    let twin = [
        GroundTruth::new(CAT, dog_box),
        GroundTruth::new(DOG, dog_box),
    ];
    let one = [Detection::new(DOG, dog_box, 0.7)];
    let m = counts(MatchOptions::default(), &[(&twin, &one)]);
    assert_eq!(m, [[0, 0, 1], [0, 1, 0], [0, 0, 0]]);
    // Two identical cat objects, one dog detection: one is matched, one missed
    // (the lower object index wins; counts cannot tell which).
    let twins_other_class = [
        GroundTruth::new(CAT, dog_box),
        GroundTruth::new(CAT, dog_box),
    ];
    let mut cm = DetectionMatrix::new(["cat", "dog"], MatchOptions::default()).unwrap();
    cm.update_image(&twins_other_class, &one).unwrap();
    assert_eq!(cm.matrix().count(CAT, DOG), 1);
    assert_eq!(cm.matrix().count(CAT, BG), 1);

    // Ultralytics (legacy): equal IoUs go to the higher object index. With a
    // cat object 0 and a dog object 1 of the same box and one cat detection,
    // the dog object takes it.
    let m = counts(
        MatchOptions::ultralytics(),
        &[(&twin, &[Detection::new(CAT, dog_box, 0.7)])],
    );
    assert_eq!(m, [[0, 0, 1], [1, 0, 0], [0, 0, 0]]);
    // By score: numpy's argmax takes the first of equal IoUs, the cat.
    let m = counts(
        MatchOptions::ultralytics_by_score(),
        &[(&twin, &[Detection::new(CAT, dog_box, 0.7)])],
    );
    assert_eq!(m, [[1, 0, 0], [0, 0, 1], [0, 0, 0]]);
    // Class-aware, equal IoU and score, two detections of different classes
    // on a third-party object: the lower detection index wins.
    let m = counts(
        MatchOptions::default(),
        &[(
            &[GroundTruth::new(CAT, dog_box)],
            &[
                Detection::new(DOG, dog_box, 0.7),
                Detection::new(DOG, dog_box, 0.7),
            ],
        )],
    );
    assert_eq!(m, [[0, 1, 0], [0, 0, 0], [0, 1, 0]]);
}

#[test]
fn the_policies_differ_where_documented() {
    // Object A (cat) and B (dog); detection 0 (cat, 0.9) overlaps A 0.6 and
    // B 0.8; detection 1 (dog, 0.8) overlaps B 0.9 only.
    let a = GroundTruth::new(CAT, BoundingBox::xyxy(0.0, 0.0, 10.0, 10.0));
    let b = GroundTruth::new(DOG, BoundingBox::xyxy(0.0, 0.0, 10.0, 7.5));
    // IoU(det0, A) = 6/10; IoU(det0, B) = 6/7.5 = 0.8.
    let d0 = Detection::new(CAT, BoundingBox::xyxy(0.0, 0.0, 10.0, 6.0), 0.9);
    // IoU(det1, B) = 0.9 * 7.5 / 7.5 ... a box of height 6.75: 6.75/7.5 = 0.9;
    // with A: 6.75/10 = 0.675.
    let d1 = Detection::new(DOG, BoundingBox::xyxy(0.0, 0.0, 10.0, 6.75), 0.8);
    let image: &[(&[GroundTruth], &[Detection])] = &[(&[a, b], &[d0, d1])];
    // Class-aware: same-class pairs first: d0-A (0.6), d1-B (0.9).
    assert_eq!(
        counts(MatchOptions::default(), image),
        [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    );
    // Legacy Ultralytics: d0 keeps B (0.8), d1 keeps B (0.9); B keeps d1.
    // A is missed, d0 is a false positive.
    assert_eq!(
        counts(MatchOptions::ultralytics(), image),
        [[0, 0, 1], [0, 1, 0], [1, 0, 0]]
    );
    // By score: d0 (0.9) claims B (0.8 > 0.6), d1 then claims A (0.675).
    assert_eq!(
        counts(MatchOptions::ultralytics_by_score(), image),
        [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    );
}

#[test]
fn crowd_regions_absorb_unmatched_detections() {
    let crowd = GroundTruth::crowd(CAT, BoundingBox::xyxy(0.0, 0.0, 10.0, 10.0));
    let found = [
        at_iou_tenths(CAT, 8.0, 0.9), // in the crowd: not counted
        at_iou_tenths(DOG, 8.0, 0.9), // in a cat crowd: counted by class-aware only
        elsewhere(CAT, 0.9),          // outside: a false positive
    ];
    let image: &[(&[GroundTruth], &[Detection])] = &[(&[crowd], &found)];
    // The crowd itself is never missed.
    assert_eq!(
        counts(MatchOptions::default(), image),
        [[0, 0, 0], [0, 0, 0], [1, 1, 0]]
    );
    for options in [
        MatchOptions::ultralytics(),
        MatchOptions::ultralytics_by_score(),
    ] {
        assert_eq!(counts(options, image), [[0, 0, 0], [0, 0, 0], [1, 0, 0]]);
    }
    // A crowd does not take a detection from an object: the object matches.
    let m = counts(
        MatchOptions::default(),
        &[(&[crowd, object(CAT)], &[at_iou_tenths(CAT, 9.0, 0.9)])],
    );
    assert_eq!(m, [[1, 0, 0], [0, 0, 0], [0, 0, 0]]);
    // Under the IoU threshold, the crowd does not absorb.
    let m = counts(
        MatchOptions::default(),
        &[(&[crowd], &[at_iou_tenths(CAT, 4.0, 0.9)])],
    );
    assert_eq!(m, [[0, 0, 0], [0, 0, 0], [1, 0, 0]]);
}

#[test]
fn thresholds_are_inclusive_for_class_aware_and_strict_for_ultralytics() {
    // IoU exactly 0.5 and score exactly 0.25.
    let image: &[(&[GroundTruth], &[Detection])] =
        &[(&[object(CAT)], &[at_iou_tenths(CAT, 5.0, 0.25)])];
    assert_eq!(
        counts(MatchOptions::default(), image),
        [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    );
    // Strict score: the detection is dropped, the cat missed.
    for options in [
        MatchOptions::ultralytics(),
        MatchOptions::ultralytics_by_score(),
    ] {
        assert_eq!(counts(options, image), [[0, 0, 1], [0, 0, 0], [0, 0, 0]]);
        // IoU exactly 0.5 against iou = 0.5: strict, and Ultralytics' 1e-7 makes it smaller still.
        let m = counts(
            options.iou(0.5),
            &[(&[object(CAT)], &[at_iou_tenths(CAT, 5.0, 0.3)])],
        );
        assert_eq!(m, [[0, 0, 1], [0, 0, 0], [1, 0, 0]]);
    }
    // Just under 0.5 for class-aware: no match.
    let m = counts(
        MatchOptions::default(),
        &[(&[object(CAT)], &[at_iou_tenths(CAT, 4.99, 0.9)])],
    );
    assert_eq!(m, [[0, 0, 1], [0, 0, 0], [1, 0, 0]]);
    // A custom policy keeps its thresholds.
    let strict = MatchOptions::default().policy(MatchPolicy::Ultralytics);
    assert_eq!(counts(strict, image), [[0, 0, 1], [0, 0, 0], [0, 0, 0]]);
}

#[test]
fn bad_input_is_a_typed_error_and_counts_nothing() {
    let mut cm = DetectionMatrix::new(["cat", "dog"], MatchOptions::default()).unwrap();
    cm.update_image(&[object(CAT)], &[]).unwrap();
    let flat = Detection::new(CAT, BoundingBox::xyxy(1.0, 2.0, 5.0, 2.0), 0.9);
    let err = cm
        .update_image(&[object(CAT)], &[at_iou_tenths(CAT, 9.0, 0.9), flat])
        .unwrap_err();
    assert_eq!(
        err,
        DetectionError::BadBox {
            image: 1,
            kind: BoxKind::Detection,
            index: 1,
            bbox: flat.bbox
        }
    );
    assert_eq!(
        err.to_string(),
        "image 1: detection box 1 [x1 1, y1 2, x2 5, y2 2] has a width or height that is zero, \
         negative or not finite"
    );
    let err = cm
        .update_image(
            &[GroundTruth::new(2, BoundingBox::xyxy(0.0, 0.0, 1.0, 1.0))],
            &[],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "image 1: ground-truth box 0 has class 2, outside 0..2"
    );
    let err = cm
        .update_image(&[], &[at_iou_tenths(CAT, 9.0, f32::NAN)])
        .unwrap_err();
    assert!(
        matches!(err, DetectionError::BadScore { index: 0, .. }),
        "{err}"
    );
    assert_eq!((cm.matrix().total(), cm.images()), (1, 1));

    for bad in [0.0, 1.5, f64::NAN] {
        let err = DetectionMatrix::new(["cat"], MatchOptions::default().iou(bad)).unwrap_err();
        assert!(matches!(
            err,
            DetectionError::BadThreshold { name: "iou", .. }
        ));
    }
    assert!(DetectionMatrix::new(["cat", "background"], MatchOptions::default()).is_err());
    assert!(DetectionMatrix::new(Vec::<String>::new(), MatchOptions::default()).is_err());
}

#[test]
fn merge_and_reset() {
    let mut a = DetectionMatrix::new(["cat", "dog"], MatchOptions::default()).unwrap();
    let mut b = a.clone();
    a.update_image(&[object(CAT)], &[at_iou_tenths(CAT, 9.0, 0.9)])
        .unwrap();
    b.update_image(&[object(DOG)], &[]).unwrap();
    a.merge(&b).unwrap();
    assert_eq!(
        (
            a.matrix().count(CAT, CAT),
            a.matrix().count(DOG, BG),
            a.images()
        ),
        (1, 1, 2)
    );
    a.reset();
    assert_eq!((a.matrix().total(), a.images()), (0, 0));
}

/// The matrix Ultralytics' own `ConfusionMatrix.process_batch` computed on
/// the generated images of `fixture` (see
/// `scripts/gen_ultralytics_detection_fixture.py`), and ours under `options`.
fn against_ultralytics(fixture: &str, options: MatchOptions) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names: Vec<String> = serde_json::from_value(json["names"].clone()).unwrap();
    let expected: Vec<Vec<u64>> = serde_json::from_value(json["matrix"].clone()).unwrap();
    let mut cm = DetectionMatrix::new(names.clone(), options).unwrap();
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    for image in json["images"].as_array().unwrap() {
        let truth: Vec<GroundTruth> = image["ground_truth"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let v = numbers(g);
                let b = BoundingBox::xyxy(v[1] as f32, v[2] as f32, v[3] as f32, v[4] as f32);
                GroundTruth::new(v[0] as usize, b)
            })
            .collect();
        let found: Vec<Detection> = image["detections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let v = numbers(d);
                let b = BoundingBox::xyxy(v[1] as f32, v[2] as f32, v[3] as f32, v[4] as f32);
                Detection::new(v[0] as usize, b, v[5] as f32)
            })
            .collect();
        cm.update_image(&truth, &found).unwrap();
    }
    assert_eq!(expected.len(), names.len() + 1);
    // Ultralytics' rows are predicted, ours true: compare with its transpose.
    for (p, predicted_row) in expected.iter().enumerate() {
        for (t, &count) in predicted_row.iter().enumerate() {
            assert_eq!(
                cm.matrix().count(t, p),
                count,
                "{fixture}: cell [true {t}, predicted {p}]"
            );
        }
    }
}

#[test]
fn ultralytics_preset_agrees_with_ultralytics_8_4_108() {
    against_ultralytics(
        "ultralytics_detection_8.4.108.json",
        MatchOptions::ultralytics(),
    );
}

#[test]
fn ultralytics_by_score_preset_agrees_with_ultralytics_8_4_190() {
    against_ultralytics(
        "ultralytics_detection_8.4.190.json",
        MatchOptions::ultralytics_by_score(),
    );
}
