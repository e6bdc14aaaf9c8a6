//! Every input format of `tbconfusion convert`, end to end through real
//! TensorBoard (both loaders): one run per format in one logdir, each step
//! with its image, table and scalars, exactly as the files hold them.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use tbconfusion_testkit::{dumps, logdir, tensorboard};

fn convert(args: &[&str], logdir: &Path, stdin: Option<&[u8]>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tbconfusion"))
        .arg("convert")
        .args(args)
        .arg("--logdir")
        .arg(logdir)
        .arg("--quiet")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "convert {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_format_is_served_by_both_loaders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let logdir = dir.join("runs");

    // CSV, steps out of order, string classes mapped in sorted order.
    std::fs::write(
        dir.join("csv.csv"),
        "step,y_true,y_pred\n2,cat,dog\n1,dog,dog\n2,bird,cat\n3,cat,cat\n",
    )
    .unwrap();
    convert(&[dir.join("csv.csv").to_str().unwrap()], &logdir, None);
    // Gzipped TSV with per-class probabilities and class names.
    let tsv = "epoch\tactual\tprob_0\tprob_1\tprob_2\n0\t2\t0.1\t0.2\t0.7\n0\t0\t0.5\t0.4\t0.1\n1\t1\t0.9\t0.05\t0.05\n";
    std::fs::write(dir.join("tsv.tsv.gz"), dumps::gzip(tsv.as_bytes())).unwrap();
    convert(
        &[
            dir.join("tsv.tsv.gz").to_str().unwrap(),
            "--labels",
            "a,b,c",
            "--run",
            "tsv",
        ],
        &logdir,
        None,
    );
    // JSON Lines on standard input: one prediction per line, and one step per line.
    let jsonl = "{\"step\": 5, \"label\": 0, \"prediction\": 1}\n{\"step\": 6, \"y_true\": [0, 1, 1], \"logits\": [[2, 1], [0, 3], [5, 0]]}\n";
    convert(&["-", "--run", "jsonl"], &logdir, Some(jsonl.as_bytes()));
    // dvclive JSON lists, the step from the file names.
    std::fs::write(
        dir.join("epoch_10.json"),
        "[{\"actual\": 0, \"predicted\": 1}, {\"actual\": 1, \"predicted\": 1}]",
    )
    .unwrap();
    std::fs::write(
        dir.join("epoch_3.json"),
        "[{\"actual\": 0, \"predicted\": 0}]",
    )
    .unwrap();
    convert(
        &[
            dir.join("epoch_10.json").to_str().unwrap(),
            dir.join("epoch_3.json").to_str().unwrap(),
            "--run",
            "json",
        ],
        &logdir,
        None,
    );
    // NumPy: an N×2 .npy of (true, predicted).
    std::fs::write(
        dir.join("pairs_4.npy"),
        dumps::npy_i64(&[3, 2], &[0, 0, 1, 0, 1, 1]),
    )
    .unwrap();
    convert(
        &[dir.join("pairs_4.npy").to_str().unwrap(), "--run", "npy"],
        &logdir,
        None,
    );
    // NumPy: an .npz with y_true and y_pred.
    let npz = dir.join("archive_7.npz");
    dumps::write_npz(&npz, &[("y_true", &[2, 2]), ("y_pred", &[2, 0])]);
    convert(&[npz.to_str().unwrap(), "--run", "npz"], &logdir, None);

    // CSV with sample weights: weighted metrics beside the unweighted ones.
    std::fs::write(
        dir.join("weighted.csv"),
        "step,y_true,y_pred,weight\n1,0,0,3\n1,0,1,1\n1,1,1,0.5\n",
    )
    .unwrap();
    convert(&[dir.join("weighted.csv").to_str().unwrap()], &logdir, None);

    let points = logdir::read_points(&logdir);
    let scalar = |run: &str, tag: &str| {
        points
            .iter()
            .find(|p| p.run == run && p.tag == tag)
            .and_then(|p| p.scalar)
    };
    assert_eq!(
        scalar("weighted", "confusion_matrix/accuracy"),
        Some(2.0 / 3.0)
    );
    assert_eq!(
        scalar("weighted", "confusion_matrix/weighted/accuracy"),
        Some(3.5 / 4.5)
    );
    assert_eq!(
        scalar("csv", "confusion_matrix/weighted/accuracy"),
        None,
        "no weights, no weighted metrics"
    );
    let steps = logdir::steps_by_tag(&points);
    for (run, expected) in [
        ("csv", vec![1, 2, 3]),
        ("tsv", vec![0, 1]),
        ("jsonl", vec![5, 6]),
        ("json", vec![3, 10]),
        ("npy", vec![4]),
        ("npz", vec![7]),
    ] {
        for tag in [
            "confusion_matrix",
            "confusion_matrix/table",
            "confusion_matrix/accuracy",
            "confusion_matrix/counts",
        ] {
            assert_eq!(
                steps.get(&(run.to_owned(), tag.to_owned())),
                Some(&expected),
                "{run} {tag}"
            );
        }
    }
    // Score columns (tsv, jsonl) also give PR curves: one per class and step.
    let mut manifest = logdir::manifest_of(&points);
    assert_eq!(manifest.add_pr_curves_of(&logdir), 3 * 2 + 2);
    tensorboard::check_logdir(&logdir, &manifest);
}
