//! Proves the TensorBoard conformance harness can fail, so a green scenario means
//! something: `tests/tensorboard/selftest.py` checks a small logdir written by
//! TensorBoard's own writer against one matching and four wrong manifests. The
//! manifest builder's JSON is checked against the schema the checker reads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use serde_json::{Value, json};
use tbconfusion::hparams::HParams;
use tbconfusion::proto::HParamsStatus;
use tbconfusion_testkit::tensorboard::{self, Manifest, check_logdir, run_harness_script};

#[test]
fn checker_passes_a_matching_manifest_and_fails_four_wrong_ones() {
    if !tensorboard::enabled() {
        return;
    }
    let output = run_harness_script("selftest.py", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.lines().last() == Some("5 passed, 0 failed"),
        "selftest.py: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The logdir selftest.py writes, described with the builder.
fn selftest_manifest(first_image_width: u32) -> Manifest {
    let mut manifest = Manifest::new();
    manifest
        .run("train")
        .scalar("loss", 0, 0.9)
        .scalar("loss", 1, 0.5)
        .scalar("loss", 2, 0.1 + 0.2)
        .image("confusion_matrix/train", 0, first_image_width, 30)
        .image("confusion_matrix/train", 2, 42, 30)
        .text(
            "confusion_matrix/train_table",
            0,
            &["<table>", "<td>12</td>", "dog"],
        )
        .text("confusion_matrix/train_table", 2, &["<td>14</td>"]);
    manifest.run("eval/val").scalar("accuracy", 5, 0.75);
    let hparams = HParams::new()
        .with("lr", 0.01)
        .and_then(|h| h.with("optimizer", "adam"))
        .and_then(|h| h.with("augment", true))
        .unwrap();
    manifest.session("train", &hparams, HParamsStatus::StatusSuccess);
    manifest
}

#[test]
fn check_logdir_accepts_the_truth_and_panics_on_a_wrong_image_size() {
    if !tensorboard::enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path().join("logs");
    let output = run_harness_script(
        "selftest.py",
        &[Path::new("--write-logdir"), logdir.as_path()],
    );
    assert!(
        output.status.success(),
        "selftest.py --write-logdir: {output:?}"
    );
    let written: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(selftest_manifest(40).to_json(), written);

    check_logdir(&logdir, &selftest_manifest(40));

    let failure = catch_unwind(AssertUnwindSafe(|| {
        check_logdir(&logdir, &selftest_manifest(41));
    }))
    .expect_err("a wrong image size must fail the check");
    let message = failure.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("FAIL [rustboard] images")
            && message.contains("FAIL [python] images")
            && message.contains("decoded 40x30, expected 41x30"),
        "{message}"
    );
}

#[test]
fn manifest_json_matches_the_checker_schema() {
    let mut manifest = Manifest::new();
    manifest
        .run("train")
        .scalar("loss", 1, 0.25f32)
        .scalar("loss", 0, f64::NAN)
        .image("confusion_matrix", 0, 400, 380)
        .text("table", 0, &["<td>12</td>", "accuracy"]);
    manifest
        .run("eval/val")
        .scalar("accuracy", 3, f64::NEG_INFINITY);
    manifest.run("empty");
    assert_eq!(
        manifest.to_json().get("hparams"),
        None,
        "no sessions: left out"
    );
    assert_eq!(
        manifest.to_json(),
        json!({"runs": {
            "empty": {},
            "eval/val": {"scalars": {"accuracy": [[3, "-Infinity"]]}},
            "train": {
                "scalars": {"loss": [[0, "NaN"], [1, 0.25]]},
                "images": {"confusion_matrix": [{"step": 0, "width": 400, "height": 380}]},
                "text": {"table": [{"step": 0, "contains": ["<td>12</td>", "accuracy"]}]}
            }
        }})
    );
    let hparams = HParams::new()
        .with("lr", 0.5)
        .and_then(|h| h.with("optimizer", "adam"))
        .and_then(|h| h.with("augment", false))
        .unwrap();
    manifest.session("train", &hparams, HParamsStatus::StatusFailure);
    assert_eq!(
        manifest.to_json()["hparams"],
        json!({"train": {
            "hparams": {"augment": false, "lr": 0.5, "optimizer": "adam"},
            "status": "STATUS_FAILURE"
        }})
    );
}

#[test]
#[should_panic(expected = "already expects a scalar for tag \"loss\" at step 2")]
fn manifest_refuses_two_points_at_one_step() {
    Manifest::new()
        .run("train")
        .scalar("loss", 2, 1.0)
        .scalar("loss", 2, 2.0);
}
