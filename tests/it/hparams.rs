//! The HParams tab: runs logged with `add_hparams` are listed by both TensorBoard
//! loaders with their hyperparameters, how they ended, and the latest value of every
//! metric the confusion matrix logs (accuracy, macro F1, …) next to them.

use tbconfusion::hparams::{HParams, HParamsError};
use tbconfusion::proto::HParamsStatus;
use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};
use tbconfusion_testkit::{logdir, tensorboard};

/// Logs three epochs of a 3-class matrix that improves with `skill`, and a loss.
fn train(writer: &SummaryWriter, skill: usize) {
    let options = ConfusionOptions::default();
    for epoch in 0..3usize {
        let y_true: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let y_pred: Vec<usize> = y_true
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                if i % 10 < skill + epoch {
                    t
                } else {
                    (t + 1) % 3
                }
            })
            .collect();
        let mut cm = ConfusionMatrix::with_class_names(["cat", "dog", "bird"]).unwrap();
        cm.update(&y_true, &y_pred).unwrap();
        writer
            .add_confusion_matrix("confusion_matrix", &cm, epoch as i64, &options)
            .unwrap();
        writer
            .add_scalar("loss", 1.0 / (epoch + skill + 1) as f32, epoch as i64)
            .unwrap();
    }
}

fn hparams(lr: f64, optimizer: &str, augment: bool) -> HParams {
    HParams::new()
        .with("lr", lr)
        .and_then(|h| h.with("optimizer", optimizer))
        .and_then(|h| h.with("augment", augment))
        .and_then(|h| h.with("epochs", 3))
        .unwrap()
}

#[test]
fn both_loaders_list_every_session_with_its_hyperparameters_and_latest_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut sessions = Vec::new();

    for (run, lr, optimizer, augment, skill) in [
        ("adam_lr0.001", 0.001, "adam", true, 5),
        ("sgd_lr0.1", 0.1, "sgd", false, 3),
    ] {
        let writer = SummaryWriter::create(root.join(run)).unwrap();
        let hp = hparams(lr, optimizer, augment);
        writer.add_hparams(&hp).unwrap();
        train(&writer, skill);
        writer.close().unwrap();
        sessions.push((run, hp, HParamsStatus::StatusSuccess));
    }
    // Dropped without close (an early return): listed, its end unknown.
    {
        let writer = SummaryWriter::create(root.join("dropped")).unwrap();
        let hp = hparams(0.01, "adam", false);
        writer.add_hparams(&hp).unwrap();
        train(&writer, 1);
        sessions.push(("dropped", hp, HParamsStatus::StatusUnknown));
    }
    // Dropped by a panic: listed as failed.
    let hp = hparams(0.5, "sgd", true);
    let panicked = std::panic::catch_unwind(|| {
        let writer = SummaryWriter::create(root.join("diverged")).unwrap();
        writer.add_hparams(&hp).unwrap();
        train(&writer, 0);
        panic!("loss is NaN");
    });
    assert!(panicked.is_err());
    sessions.push(("diverged", hp, HParamsStatus::StatusFailure));
    // A run without hyperparameters is not a session.
    let baseline = SummaryWriter::create(root.join("baseline")).unwrap();
    train(&baseline, 2);
    baseline.close().unwrap();

    let points = logdir::read_points(root);
    let mut manifest = logdir::manifest_of(&points);
    for (run, hp, status) in &sessions {
        manifest.session(run, hp, *status);
    }
    // The metric columns the tab must fill include the headline metrics.
    let json = manifest.to_json();
    for tag in [
        "confusion_matrix/accuracy",
        "confusion_matrix/macro_f1",
        "loss",
    ] {
        assert!(
            json["runs"]["adam_lr0.001"]["scalars"].get(tag).is_some(),
            "{tag}"
        );
    }
    tensorboard::check_logdir(root, &manifest);
}

#[test]
fn a_second_add_hparams_is_refused_and_the_first_stays() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::create(dir.path().join("run")).unwrap();
    let first = hparams(0.1, "adam", true);
    writer.add_hparams(&first).unwrap();
    let err = writer.add_hparams(&hparams(0.2, "adam", true)).unwrap_err();
    assert!(matches!(err, HParamsError::AlreadyLogged { .. }), "{err}");
    assert!(err.to_string().contains("already logged"), "{err}");
    train(&writer, 2);
    writer.close().unwrap();

    let points = logdir::read_points(dir.path());
    let mut manifest = logdir::manifest_of(&points);
    manifest.session("run", &first, HParamsStatus::StatusSuccess);
    tensorboard::check_logdir(dir.path(), &manifest);
}
