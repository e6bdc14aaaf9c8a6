//! Proves the TensorBoard conformance harness can fail, so a green scenario means
//! something: `tests/tensorboard/selftest.py` checks a small logdir written by
//! TensorBoard's own writer against one matching and three wrong manifests. The
//! manifest builder's JSON is checked against the schema the checker reads.

#[path = "support/tensorboard.rs"]
mod tensorboard;

use serde_json::json;
use tensorboard::{Manifest, run_harness_script};

#[test]
fn checker_passes_a_matching_manifest_and_fails_three_wrong_ones() {
    let output = run_harness_script("selftest.py", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.lines().last() == Some("4 passed, 0 failed"),
        "selftest.py: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
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
}

#[test]
#[should_panic(expected = "already expects a scalar for tag \"loss\" at step 2")]
fn manifest_refuses_two_points_at_one_step() {
    Manifest::new()
        .run("train")
        .scalar("loss", 2, 1.0)
        .scalar("loss", 2, 2.0);
}
