//! `convert` on detection dumps: a small COCO data set and a small YOLO
//! one, matrices checked by hand through `export` (background last), and
//! bad boxes and ids named with nothing written.

use std::path::Path;

use tbconfusion::hparams::HParamValue;

use super::convert::{assert_fails_cleanly, convert_ok, dir_arg, export};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Two images; categories with ids 3 and 7 (not contiguous, listed out of
/// order): "dog" (7) is class 1 after "cat" (3) by id order.
const COCO_GT: &str = r#"{
  "images": [{"id": 10, "file_name": "a.jpg"}, {"id": 11, "file_name": "b.jpg"}],
  "categories": [{"id": 7, "name": "dog"}, {"id": 3, "name": "cat"}],
  "annotations": [
    {"id": 1, "image_id": 10, "category_id": 3, "bbox": [0, 0, 10, 10], "iscrowd": 0},
    {"id": 2, "image_id": 10, "category_id": 7, "bbox": [50, 50, 10, 10], "iscrowd": 0},
    {"id": 3, "image_id": 11, "category_id": 3, "bbox": [0, 0, 40, 40], "iscrowd": 1}
  ]
}"#;

#[test]
fn coco_results_per_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let gt = dir.path().join("instances_val.json");
    write(&gt, COCO_GT);
    // Epoch 1: the cat found (IoU 0.9), the dog called a cat (IoU 0.8), a
    // cat in the crowd of image 11 (not counted), one dog below conf.
    write(
        &dir.path().join("results_epoch_1.json"),
        r#"[{"image_id": 10, "category_id": 3, "bbox": [0, 0, 10, 9], "score": 0.9},
            {"image_id": 10, "category_id": 3, "bbox": [50, 50, 10, 8], "score": 0.8},
            {"image_id": 11, "category_id": 3, "bbox": [1, 1, 30, 30], "score": 0.7},
            {"image_id": 11, "category_id": 7, "bbox": [100, 100, 5, 5], "score": 0.1}]"#,
    );
    // Epoch 2: nothing found but a dog far away.
    write(
        &dir.path().join("results_epoch_2.json"),
        r#"[{"image_id": 11, "category_id": 7, "bbox": [100, 100, 5, 5], "score": 0.5}]"#,
    );
    let logdir = dir.path().join("runs");
    let out = convert_ok(
        &[
            "convert",
            dir_arg(&dir.path().join("results_epoch_1.json")),
            dir_arg(&dir.path().join("results_epoch_2.json")),
            "--coco-gt",
            dir_arg(&gt),
            "--logdir",
            dir_arg(&logdir),
            "--run",
            "det",
            "--hparams",
            "iou=0.5",
        ],
        None,
    );
    assert!(out.contains("2 classes + background"), "{out}");
    assert_eq!(
        super::hparams::logged_hparams(&logdir.join("det")),
        [("iou".to_owned(), HParamValue::Number(0.5))]
    );
    let cell = |s: i64, t: &str, p: &str, c: u64| {
        (("det".to_string(), s, t.to_string(), p.to_string()), c)
    };
    let expected = [
        cell(1, "cat", "cat", 1),
        cell(1, "dog", "cat", 1),
        cell(2, "cat", "background", 1),
        cell(2, "dog", "background", 1),
        cell(2, "background", "dog", 1),
    ];
    let got = export(&logdir);
    let non_zero: Vec<_> = got
        .iter()
        .filter(|(_, c)| **c > 0)
        .map(|(k, c)| (k.clone(), *c))
        .collect();
    assert_eq!(non_zero.len(), expected.len(), "{got:?}");
    for (key, count) in expected {
        assert_eq!(got.get(&key), Some(&count), "{key:?} in {got:?}");
    }
    // The export numbers the background as the last class, index 2.
    let csv = super::convert::tbconfusion(&["export", dir_arg(&logdir)], None);
    let csv = super::convert::text(&csv.stdout);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let (index, name) = (header.iter().position(|h| *h == "true_index").unwrap(), 5);
    assert!(
        csv.lines().skip(1).any(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            cells[index] == "2" && cells[name] == "background"
        }),
        "{csv}"
    );
}

#[test]
fn coco_unknown_ids_and_flat_boxes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let gt = dir.path().join("gt.json");
    write(&gt, COCO_GT);
    let logdir = dir.path().join("runs");
    let results = dir.path().join("results_1.json");
    for (json, needles) in [
        (
            r#"[{"image_id": 99, "category_id": 3, "bbox": [0, 0, 1, 1], "score": 0.9}]"#,
            &[
                "results_1.json, row 0, column \"image_id\"",
                "\"99\"",
                "an image id of",
            ][..],
        ),
        (
            r#"[{"image_id": 10, "category_id": 3, "bbox": [0, 0, 1, 1], "score": 0.9},
                {"image_id": 10, "category_id": 4, "bbox": [0, 0, 1, 1], "score": 0.9}]"#,
            &["row 1, column \"category_id\"", "\"4\"", "a category id of"][..],
        ),
        (
            r#"[{"image_id": 11, "category_id": 3, "bbox": [5, 5, 0, 3], "score": 0.9}]"#,
            &[
                "results_1.json, row 0, column \"bbox\"",
                "positive, finite width and height",
                "image id 11",
            ][..],
        ),
    ] {
        write(&results, json);
        assert_fails_cleanly(
            &[
                "convert",
                dir_arg(&results),
                "--coco-gt",
                dir_arg(&gt),
                "--logdir",
                dir_arg(&logdir),
            ],
            &logdir,
            None,
            needles,
        );
    }
}

#[test]
fn yolo_prediction_directories_per_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels");
    // img1: a cat and a dog; img2: a dog; img3: nothing (empty file).
    write(
        &labels.join("img1.txt"),
        "0 0.25 0.25 0.2 0.2\n1 0.75 0.75 0.2 0.2\n",
    );
    write(&labels.join("img2.txt"), "1 0.5 0.5 0.4 0.4\n");
    write(&labels.join("img3.txt"), "");
    write(&dir.path().join("names.txt"), "cat\ndog\n");
    // Epoch 3: img1's cat found, its dog missed; img2's dog called a cat;
    // no file for img3; a dog on an image without a label file (background).
    let preds = dir.path().join("preds/epoch_3");
    write(&preds.join("img1.txt"), "0 0.25 0.25 0.2 0.19 0.9\n");
    write(
        &preds.join("img2.txt"),
        "0 0.5 0.5 0.4 0.38 0.6\n1 0.1 0.1 0.05 0.05 0.1\n",
    );
    write(&preds.join("img4.txt"), "1 0.5 0.5 0.1 0.1 0.8\n");
    let logdir = dir.path().join("runs");
    convert_ok(
        &[
            "convert",
            dir_arg(&preds),
            "--yolo-gt",
            dir_arg(&labels),
            "--labels",
            dir_arg(&dir.path().join("names.txt")),
            "--match",
            "ultralytics",
            "--logdir",
            dir_arg(&logdir),
        ],
        None,
    );
    let got = export(&logdir);
    let count = |t: &str, p: &str| {
        got.get(&("epoch".to_string(), 3, t.to_string(), p.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(count("cat", "cat"), 1);
    assert_eq!(count("dog", "background"), 1);
    assert_eq!(count("dog", "cat"), 1);
    assert_eq!(count("background", "dog"), 1);
    assert_eq!(got.values().sum::<u64>(), 4, "{got:?}");

    // A flat predicted box is named by file, line and image; nothing is written.
    write(
        &preds.join("img2.txt"),
        "0 0.5 0.5 0.4 0.38 0.6\n1 0.1 0.1 0 0.05 0.7\n",
    );
    let fresh = dir.path().join("runs2");
    assert_fails_cleanly(
        &[
            "convert",
            dir_arg(&preds),
            "--yolo-gt",
            dir_arg(&labels),
            "--labels",
            "cat,dog",
            "--logdir",
            dir_arg(&fresh),
        ],
        &fresh,
        None,
        &[
            "img2.txt, line 2",
            "positive, finite width and height (img2.txt)",
        ],
    );
    // A prediction line without its confidence.
    write(&preds.join("img2.txt"), "0 0.5 0.5 0.4 0.38\n");
    assert_fails_cleanly(
        &[
            "convert",
            dir_arg(&preds),
            "--yolo-gt",
            dir_arg(&labels),
            "--labels",
            "cat,dog",
            "--logdir",
            dir_arg(&fresh),
        ],
        &fresh,
        None,
        &["img2.txt, line 1", "expected 6", "save_conf"],
    );
}
