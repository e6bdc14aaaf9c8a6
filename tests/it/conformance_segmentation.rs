//! A segmentation run as real TensorBoard (2.21.0, both loaders) shows it:
//! the image, the table with the segmentation headline, and the pixel
//! accuracy, mean IoU and per-class IoU scalars, with no classification
//! metrics and no IoU for a class absent from both sides.

use tbconfusion::confusion::ConfusionOptions;
use tbconfusion::confusion::logging::confusion_values;
use tbconfusion::proto::summary::value::Value as ValueKind;
use tbconfusion::{ConfusionMatrix, SummaryWriter};
use tbconfusion_testkit::tensorboard::{Manifest, check_logdir};

#[test]
fn segmentation_run_in_both_loaders() {
    let logdir = tempfile::tempdir().unwrap();
    let mut manifest = Manifest::new();
    let writer = SummaryWriter::create(logdir.path().join("seg")).unwrap();
    let options = ConfusionOptions::default();
    // One 4×2 label map; pixel 5 is unlabelled (255), so whatever is
    // predicted there is not counted; "void" is in neither map.
    let truth: [u8; 8] = [0, 0, 0, 1, 1, 255, 2, 2];
    // Per step: the prediction, then by hand the pixel accuracy and the IoU
    // of road, car, sky (TP / (row + column − TP)).
    let steps: [([u8; 8], f64, [f64; 3]); 3] = [
        // road 2/(3+3−2), car 2/(2+3−2), sky 1/(2+1−1); 5 of 7 right.
        ([0, 0, 1, 1, 1, 3, 2, 0], 5.0 / 7.0, [0.5, 2.0 / 3.0, 0.5]),
        // road 3/(3+4−3), car 2/2, sky 1/(2+1−1); 6 of 7 right.
        ([0, 0, 0, 1, 1, 3, 2, 0], 6.0 / 7.0, [0.75, 1.0, 0.5]),
        ([0, 0, 0, 1, 1, 3, 2, 2], 1.0, [1.0, 1.0, 1.0]),
    ];
    for (step, (predicted, accuracy, ious)) in (1i64..).zip(steps) {
        let mut cm = ConfusionMatrix::with_class_names(["road", "car", "sky", "void"])
            .unwrap()
            .with_ignore_index(255);
        cm.update(&truth, &predicted).unwrap();
        writer
            .add_segmentation_matrix("seg", &cm, step, &options)
            .unwrap();

        let run = manifest.run("seg");
        // The image is drawn as for any matrix with these counts.
        for v in confusion_values("seg", &cm, step, &options).unwrap() {
            if let Some(ValueKind::Image(image)) = v.value {
                run.image(&v.tag, step, image.width as u32, image.height as u32);
            }
        }
        run.scalar("seg/pixel_accuracy", step, accuracy as f32);
        run.scalar(
            "seg/mean_iou",
            step,
            (ious.iter().sum::<f64>() / 3.0) as f32,
        );
        for (name, iou) in ["road", "car", "sky"].into_iter().zip(ious) {
            run.scalar(&format!("seg/iou/{name}"), step, iou as f32);
        }
        run.text(
            "seg/table",
            step,
            &[
                "<table>",
                "pixel accuracy",
                "mean IoU",
                "over the 3 classes",
            ],
        );
    }
    writer.close().unwrap();
    check_logdir(logdir.path(), &manifest);
}
