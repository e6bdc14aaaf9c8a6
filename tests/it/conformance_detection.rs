//! A detection run as real TensorBoard (2.21.0, both loaders) shows it: the
//! image, the table with the detection headline and `background`, and the
//! detection scalars (micro and per class), with no accuracy, κ or MCC.

use tbconfusion::SummaryWriter;
use tbconfusion::confusion::ConfusionOptions;
use tbconfusion::confusion::detection::{
    BoundingBox, Detection, DetectionMatrix, GroundTruth, MatchOptions,
};
use tbconfusion::confusion::logging::confusion_values;
use tbconfusion::proto::summary::value::Value as ValueKind;
use tbconfusion_testkit::tensorboard::{Manifest, check_logdir};

#[test]
fn detection_run_in_both_loaders() {
    let logdir = tempfile::tempdir().unwrap();
    let mut manifest = Manifest::new();
    let writer = SummaryWriter::create(logdir.path().join("det")).unwrap();
    let options = ConfusionOptions::default();
    let object = |class, x: f32| GroundTruth::new(class, BoundingBox::xywh(x, 0.0, 10.0, 10.0));
    let found =
        |class, x: f32, score| Detection::new(class, BoundingBox::xywh(x, 0.0, 10.0, 9.0), score);
    for step in 1..=3i64 {
        let mut cm = DetectionMatrix::new(["person", "car"], MatchOptions::default()).unwrap();
        // Two persons and a car; step 1 finds one person, steps 2-3 both and
        // call the car a person, and every step adds a false car.
        let mut detections = vec![found(0, 0.0, 0.9), found(1, 200.0, 0.8)];
        if step > 1 {
            detections.extend([found(0, 20.0, 0.7), found(0, 40.0, 0.6)]);
        }
        cm.update_image(
            &[object(0, 0.0), object(0, 20.0), object(1, 40.0)],
            &detections,
        )
        .unwrap();
        writer
            .add_detection_matrix("det", &cm, step, &options)
            .unwrap();

        let run = manifest.run("det");
        // The image has the size of any matrix with these counts (the background's grey and
        // rule change pixels, not the layout).
        for v in confusion_values("det", cm.matrix(), step, &options).unwrap() {
            if let Some(ValueKind::Image(image)) = v.value {
                let n = |size: i32| u32::try_from(size).unwrap();
                run.image(&v.tag, step, n(image.width), n(image.height));
            }
        }
        // Counted by hand: correct persons, detections counted, objects.
        let (correct, detected, objects) = if step == 1 {
            (1.0, 2.0, 3.0)
        } else {
            (2.0, 4.0, 3.0)
        };
        let f32_of = |v: f64| v as f32;
        run.scalar("det/micro_precision", step, f32_of(correct / detected));
        run.scalar("det/micro_recall", step, f32_of(correct / objects));
        run.scalar(
            "det/micro_f1",
            step,
            f32_of(2.0 * correct / (detected + objects)),
        );
        // person: predicted 1 (step 1) or 3 (with the car called a person), support 2.
        let person_predicted = if step == 1 { 1.0 } else { 3.0 };
        run.scalar(
            "det/precision/person",
            step,
            f32_of(correct / person_predicted),
        );
        run.scalar("det/recall/person", step, f32_of(correct / 2.0));
        run.scalar(
            "det/f1/person",
            step,
            f32_of(2.0 * correct / (person_predicted + 2.0)),
        );
        // car: one false car predicted, the car never found.
        run.scalar("det/precision/car", step, 0.0f32);
        run.scalar("det/recall/car", step, 0.0f32);
        run.scalar("det/f1/car", step, 0.0f32);
        run.text(
            "det/table",
            step,
            &["<table>", "micro precision", "background"],
        );
    }
    writer.close().unwrap();
    check_logdir(logdir.path(), &manifest);
}
