//! The README's first command, run for a few epochs into a temporary logdir
//! and checked through real TensorBoard: both runs, every epoch's matrix,
//! table, gallery and scalars, its hyperparameters in the HParams tab, and a
//! validation accuracy that rises.

use std::path::PathBuf;
use std::process::Command;

use tbconfusion::confusion::counts;
use tbconfusion::hparams::HParams;
use tbconfusion::proto::HParamsStatus;
use tbconfusion::proto::event::What;
use tbconfusion::proto::summary::value::Value as ValueKind;
use tbconfusion_testkit::{logdir, tensorboard};

/// Cargo builds examples before running integration tests, next to `deps/`.
fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

#[test]
fn train_digits_logs_every_epoch_and_learns() {
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path().join("digits");
    let epochs = 6;
    let out = Command::new(example_binary("train_digits"))
        .args([
            "--logdir",
            logdir.to_str().unwrap(),
            "--epochs",
            &epochs.to_string(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("--samples_per_plugin images=1000"),
        "{stdout}"
    );

    let points = logdir::read_points(&logdir);
    let steps = logdir::steps_by_tag(&points);
    let all: Vec<i64> = (0..epochs).collect();
    for run in ["train", "val"] {
        for tag in [
            "loss",
            "confusion_matrix",
            "confusion_matrix/table",
            "confusion_matrix/accuracy",
            "confusion_matrix/counts",
            "confusion_matrix/recall/7",
        ] {
            assert_eq!(
                steps.get(&(run.into(), tag.into())),
                Some(&all),
                "{run} {tag}"
            );
        }
        // What changed since the previous epoch, from the second epoch on.
        assert_eq!(
            steps.get(&(run.into(), "confusion_matrix/delta".into())),
            Some(&all[1..].to_vec()),
            "{run} confusion_matrix/delta"
        );
    }
    assert_eq!(
        steps.get(&("val".into(), "confusion_matrix/examples".into())),
        Some(&all)
    );
    assert!(!steps.contains_key(&("train".into(), "confusion_matrix/examples".into())));

    let accuracy: Vec<f32> = points
        .iter()
        .filter(|p| p.run == "val" && p.tag == "confusion_matrix/accuracy")
        .map(|p| p.scalar.unwrap())
        .collect();
    assert!(
        accuracy[epochs as usize - 1] > accuracy[0] + 0.1,
        "validation accuracy {accuracy:?}"
    );
    assert!(
        accuracy[epochs as usize - 1] > 0.85,
        "validation accuracy {accuracy:?}"
    );

    // The raw counts read back for every epoch: 1,438 training and 359
    // validation predictions (a regression test: steps of different sparsity
    // once failed to decode).
    let mut totals: std::collections::BTreeMap<(String, i64), u64> = Default::default();
    for (run, path) in logdir::event_files(&logdir) {
        for item in tbconfusion::event::EventFileReader::open(&path).unwrap() {
            let (_, event) = item.unwrap();
            let Some(What::Summary(summary)) = event.what else {
                continue;
            };
            for value in summary.value {
                let (Some(metadata), Some(ValueKind::Tensor(tensor))) =
                    (&value.metadata, &value.value)
                else {
                    continue;
                };
                if !counts::is_counts(Some(metadata)) {
                    continue;
                }
                let content = &metadata.plugin_data.as_ref().unwrap().content;
                let cm = counts::decode(tensor, content).unwrap();
                *totals.entry((run.clone(), event.step)).or_default() += cm.total();
            }
        }
    }
    for epoch in 0..epochs {
        assert_eq!(totals[&("train".to_owned(), epoch)], 1438, "epoch {epoch}");
        assert_eq!(totals[&("val".to_owned(), epoch)], 359, "epoch {epoch}");
    }

    // Ten PR curves per run and epoch, from the model's probabilities.
    for run in ["train", "val"] {
        for epoch in 0..epochs {
            let curves = points
                .iter()
                .filter(|p| p.run == run && p.step == epoch && p.plugin == "pr_curves")
                .count();
            assert_eq!(curves, 10, "{run} {epoch}");
        }
        assert_eq!(
            steps.get(&(run.into(), "confusion_matrix/map".into())),
            Some(&all)
        );
    }
    let mut manifest = logdir::manifest_of(&points);
    assert_eq!(manifest.add_pr_curves_of(&logdir), 2 * 10 * epochs as usize);
    // Both runs are rows of the HParams tab, with the example's settings.
    let hparams = HParams::new()
        .with("lr", 0.004)
        .and_then(|h| h.with("lr_decay", 0.05))
        .and_then(|h| h.with("epochs", epochs))
        .and_then(|h| h.with("hidden_units", 24))
        .and_then(|h| h.with("seed", 7))
        .and_then(|h| h.with("optimizer", "sgd"))
        .unwrap();
    for run in ["train", "val"] {
        manifest.session(run, &hparams, HParamsStatus::StatusSuccess);
    }
    tensorboard::check_logdir(&logdir, &manifest);
}
