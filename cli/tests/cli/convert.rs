//! End-to-end tests of the `tbconfusion` binary: every dump format is
//! converted and exported back, and the counts must be exactly the ones
//! that went in; bad input must fail with a precise message, exit status 1
//! and no event file left behind.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tbconfusion_testkit::dumps;

/// (run, step, true class, predicted class) → count.
pub(super) type Counts = BTreeMap<(String, i64, String, String), u64>;

pub(super) fn tbconfusion(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tbconfusion"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.unwrap_or_default())
        .expect("stdin accepts the input");
    drop(input);
    child.wait_with_output().expect("the binary finishes")
}

pub(super) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn event_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(event_files(&path));
        } else if path.to_string_lossy().contains("tfevents") {
            found.push(path);
        }
    }
    found
}

pub(super) fn convert_ok(args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = tbconfusion(args, stdin);
    assert!(
        out.status.success(),
        "convert failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Exports `logdir` as CSV and parses the rows back into counts.
pub(super) fn export(logdir: &Path) -> Counts {
    let out = tbconfusion(&["export", logdir.to_str().unwrap()], None);
    assert!(out.status.success(), "export failed: {}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let mut counts = Counts::new();
    for row in reader.records() {
        let row = row.unwrap();
        let key = (
            row[0].to_string(),
            row[2].parse().unwrap(),
            row[5].to_string(),
            row[7].to_string(),
        );
        assert!(
            counts.insert(key, row[8].parse().unwrap()).is_none(),
            "each cell once"
        );
    }
    counts
}

fn expect(cells: &[(&str, i64, &str, &str, u64)]) -> Counts {
    cells
        .iter()
        .map(|&(r, s, t, p, c)| ((r.into(), s, t.into(), p.into()), c))
        .collect()
}

pub(super) fn dir_arg(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[test]
fn csv_with_steps_out_of_order_and_string_classes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("val.csv");
    std::fs::write(
        &input,
        "step,y_true,y_pred\n2,cat,dog\n1,dog,dog\n2,bird,cat\n2,cat,dog\n",
    )
    .unwrap();
    let logdir = tmp.path().join("runs");
    let summary = convert_ok(
        &["convert", dir_arg(&input), "--logdir", dir_arg(&logdir)],
        None,
    );
    assert!(
        summary.contains("4 predictions into 1 run, 2 steps"),
        "{summary}"
    );
    assert!(
        summary.contains("--samples_per_plugin images="),
        "{summary}"
    );
    assert_eq!(
        export(&logdir),
        expect(&[
            ("val", 1, "dog", "dog", 1),
            ("val", 2, "bird", "cat", 1),
            ("val", 2, "cat", "dog", 2),
        ])
    );
}

#[test]
fn tsv_with_labels_and_probability_columns_from_gzip_named_plainly() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("scores.tsv");
    let tsv = "epoch\tactual\tprob_0\tprob_1\tprob_2\n0\t2\t0.1\t0.2\t0.7\n0\t0\t0.5\t0.4\t0.1\n1\t1\t0.9\t0.05\t0.05\n";
    std::fs::write(&input, dumps::gzip(tsv.as_bytes())).unwrap();
    let logdir = tmp.path().join("runs");
    convert_ok(
        &[
            "convert",
            dir_arg(&input),
            "--logdir",
            dir_arg(&logdir),
            "--labels",
            "a,b,c",
            "-q",
        ],
        None,
    );
    assert_eq!(
        export(&logdir),
        expect(&[
            ("scores", 0, "a", "a", 1),
            ("scores", 0, "c", "c", 1),
            ("scores", 1, "b", "a", 1)
        ])
    );
}

#[test]
fn jsonl_both_shapes_and_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("runs");
    let jsonl = "{\"step\": 5, \"label\": 0, \"prediction\": 1}\n\
                 {\"step\": 6, \"y_true\": [0, 1, 1], \"logits\": [[2, 1], [0, 3], [5, 0]]}\n";
    convert_ok(
        &[
            "convert",
            "-",
            "--logdir",
            dir_arg(&logdir),
            "--run",
            "train",
        ],
        Some(jsonl.as_bytes()),
    );
    assert_eq!(
        export(&logdir),
        expect(&[
            ("train", 5, "0", "1", 1),
            ("train", 6, "0", "0", 1),
            ("train", 6, "1", "0", 1),
            ("train", 6, "1", "1", 1),
        ])
    );
}

#[test]
fn dvclive_json_lists_take_steps_from_file_names() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("epoch_10.json");
    let second = tmp.path().join("epoch_3.json");
    std::fs::write(
        &first,
        "[{\"actual\": \"0\", \"predicted\": \"1\"}, {\"actual\": \"1\", \"predicted\": \"1\"}]",
    )
    .unwrap();
    std::fs::write(&second, "[\n {\"actual\": 0, \"predicted\": 0}\n]\n").unwrap();
    let logdir = tmp.path().join("runs");
    convert_ok(
        &[
            "convert",
            dir_arg(&first),
            dir_arg(&second),
            "--logdir",
            dir_arg(&logdir),
        ],
        None,
    );
    assert_eq!(
        export(&logdir),
        expect(&[
            ("epoch", 3, "0", "0", 1),
            ("epoch", 10, "0", "1", 1),
            ("epoch", 10, "1", "1", 1)
        ])
    );
}

#[test]
fn numpy_npy_pairs_and_npz_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let npy = tmp.path().join("pairs_4.npy");
    std::fs::write(&npy, dumps::npy_i64(&[3, 2], &[0, 0, 1, 0, 1, 1])).unwrap();
    let npz = tmp.path().join("archive_7.npz");
    dumps::write_npz(&npz, &[("y_true", &[2, 2]), ("y_pred", &[2, 0])]);
    let logdir = tmp.path().join("runs");
    convert_ok(
        &[
            "convert",
            dir_arg(&npy),
            dir_arg(&npz),
            "--logdir",
            dir_arg(&logdir),
        ],
        None,
    );
    assert_eq!(
        export(&logdir),
        expect(&[
            ("archive", 7, "2", "0", 1),
            ("archive", 7, "2", "2", 1),
            ("pairs", 4, "0", "0", 1),
            ("pairs", 4, "1", "0", 1),
            ("pairs", 4, "1", "1", 1),
        ])
    );
}

#[test]
fn many_predictions_round_trip_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let mut expected = Counts::new();
    let mut csv = String::from("global_step,target,predicted\n");
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..20_000 {
        let (step, t, p) = (rng.u64(..6), rng.u64(..9), rng.u64(..9));
        csv += &format!("{},{t},{p}\n", step * 100);
        *expected
            .entry((
                "big".into(),
                (step * 100) as i64,
                t.to_string(),
                p.to_string(),
            ))
            .or_default() += 1;
    }
    let input = tmp.path().join("big.csv");
    std::fs::write(&input, csv).unwrap();
    let logdir = tmp.path().join("runs");
    convert_ok(
        &["convert", dir_arg(&input), "--logdir", dir_arg(&logdir)],
        None,
    );
    assert_eq!(export(&logdir), expected);
}

pub(super) fn assert_fails_cleanly(
    args: &[&str],
    logdir: &Path,
    stdin: Option<&[u8]>,
    needles: &[&str],
) {
    let out = tbconfusion(args, stdin);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        event_files(logdir).is_empty(),
        "event files left: {:?}",
        event_files(logdir)
    );
}

#[test]
fn bad_input_names_file_line_column_value_and_leaves_no_event_file() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("runs");
    let good = tmp.path().join("good.csv");
    std::fs::write(&good, "y_true,y_pred\n1,1\n").unwrap();
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "step,y_true,y_pred,weight\n1,0,1,1\n1,0,1,-2\n").unwrap();
    let args = [
        "convert",
        dir_arg(&good),
        dir_arg(&bad),
        "--logdir",
        dir_arg(&logdir),
    ];
    assert_fails_cleanly(
        &args,
        &logdir,
        None,
        &["bad.csv, line 3, column \"weight\": \"-2\"", "non-negative"],
    );

    let labels = [
        "convert",
        "-",
        "--logdir",
        dir_arg(&logdir),
        "--labels",
        "cat,dog",
    ];
    assert_fails_cleanly(
        &labels,
        &logdir,
        Some(b"y_true,y_pred\ncat,dog\ncow,dog\n"),
        &["<stdin>, line 3: \"cow\" is not a class name from --labels (cat, dog)"],
    );

    let jsonl = tmp.path().join("broken.jsonl");
    std::fs::write(
        &jsonl,
        "{\"y_true\": 1, \"y_pred\": 1}\n{\"y_true\": 1, \"y_pred\": 1\n",
    )
    .unwrap();
    assert_fails_cleanly(
        &["convert", dir_arg(&jsonl), "--logdir", dir_arg(&logdir)],
        &logdir,
        None,
        &["broken.jsonl, line 2: invalid JSON"],
    );

    let missing = tmp.path().join("nope.csv");
    assert_fails_cleanly(
        &["convert", dir_arg(&missing), "--logdir", dir_arg(&logdir)],
        &logdir,
        None,
        &["nope.csv: cannot read"],
    );

    let empty = tmp.path().join("empty.csv");
    std::fs::write(&empty, "y_true,y_pred\n").unwrap();
    assert_fails_cleanly(
        &["convert", dir_arg(&empty), "--logdir", dir_arg(&logdir)],
        &logdir,
        None,
        &["no predictions in", "empty.csv"],
    );

    let columns = tmp.path().join("glue.tsv");
    std::fs::write(&columns, "index\tprediction\n0\tentailment\n").unwrap();
    assert_fails_cleanly(
        &["convert", dir_arg(&columns), "--logdir", dir_arg(&logdir)],
        &logdir,
        None,
        &["no true-label column", "--true-col"],
    );
}

#[test]
fn skip_bad_rows_reports_how_many() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("p.csv");
    std::fs::write(&input, "y_true,y_pred\n1,1\nx,1.5\n0,0,0\n0,1\n").unwrap();
    let logdir = tmp.path().join("runs");
    let out = tbconfusion(
        &[
            "convert",
            dir_arg(&input),
            "--logdir",
            dir_arg(&logdir),
            "--skip-bad-rows",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("skipped 2 bad rows in"), "{stderr}");
    assert!(
        stderr.contains("line 3"),
        "the first problem is shown: {stderr}"
    );
    assert_eq!(
        export(&logdir),
        expect(&[("p", 0, "0", "1", 1), ("p", 0, "1", "1", 1)])
    );
}

#[test]
fn usage_errors_exit_with_2_and_help_mentions_samples_per_plugin() {
    let out = tbconfusion(&["convert", "x.csv"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = tbconfusion(
        &["convert", "x.csv", "--logdir", "runs", "--run", "../escape"],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    for command in [
        &["render", "--help"][..],
        &["--help"],
        &["convert", "--help"],
        &["export", "--help"],
        &["inspect", "--help"],
    ] {
        let out = tbconfusion(command, None);
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(
            help.contains("--samples_per_plugin images="),
            "{command:?}: {help}"
        );
        assert!(
            help.contains("tbconfusion "),
            "{command:?} shows an example"
        );
    }
}

#[test]
fn inspect_reports_tags_and_damage() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("val.csv");
    std::fs::write(&input, "step,y_true,y_pred\n0,0,1\n3,1,1\n").unwrap();
    let logdir = tmp.path().join("runs");
    convert_ok(
        &[
            "convert",
            dir_arg(&input),
            "--logdir",
            dir_arg(&logdir),
            "--tag",
            "cm",
        ],
        None,
    );
    let out = tbconfusion(&["inspect", dir_arg(&logdir), "--json"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tags = report["tags"].as_array().unwrap();
    let tag = tags
        .iter()
        .find(|t| t["tag"] == "cm/counts")
        .expect("the counts tag");
    assert_eq!(tag["run"].as_str(), Some("val"));
    let image = tags
        .iter()
        .find(|t| t["tag"] == "cm")
        .expect("the image tag");
    assert_eq!(image["plugin"].as_str(), Some("images"));
    assert!(
        tags.iter()
            .all(|t| t["problems"].as_object().unwrap().is_empty()),
        "{report}"
    );
    assert_eq!(
        (
            tag["first_step"].as_i64(),
            tag["last_step"].as_i64(),
            tag["values"].as_u64()
        ),
        (Some(0), Some(3), Some(2))
    );
    assert_eq!(report["files"][0]["damage"], serde_json::Value::Null);

    let file = &event_files(&logdir)[0];
    let mut bytes = std::fs::read(file).unwrap();
    let middle = bytes.len() - 20;
    bytes[middle] ^= 0xff;
    std::fs::write(file, &bytes).unwrap();
    let out = tbconfusion(&["inspect", dir_arg(&logdir)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("DAMAGED"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn wall_times_from_a_column_are_the_event_times() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("timed.csv");
    std::fs::write(
        &input,
        "step,y_true,y_pred,timestamp\n1,0,0,1700000000.5\n1,1,0,1700000100.25\n2,1,1,1700000200\n",
    )
    .unwrap();
    let logdir = tmp.path().join("runs");
    convert_ok(
        &["convert", dir_arg(&input), "--logdir", dir_arg(&logdir)],
        None,
    );
    let out = tbconfusion(&["export", dir_arg(&logdir), "--format", "json"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let matrices: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let times: Vec<f64> = matrices
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["wall_time"].as_f64().unwrap())
        .collect();
    assert_eq!(
        times,
        [1_700_000_100.25, 1_700_000_200.0],
        "the latest time of each step"
    );
    assert_eq!(matrices[0]["counts"], serde_json::json!([[1, 0], [1, 0]]));
}

#[test]
fn render_draws_one_step_to_png() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("val.csv");
    std::fs::write(
        &input,
        "step,y_true,y_pred\n1,cat,dog\n2,dog,dog\n2,cat,cat\n",
    )
    .unwrap();
    let png = tmp.path().join("cm.png");
    let out = tbconfusion(
        &[
            "render",
            dir_arg(&input),
            "-o",
            dir_arg(&png),
            "--normalize",
            "true",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("step 2, 2 predictions, 2 classes"),
        "{}",
        text(&out.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
    let out = tbconfusion(
        &[
            "render",
            dir_arg(&input),
            "-o",
            dir_arg(&png),
            "--step",
            "5",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--step 5: the run has steps [1, 2]"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn gzipped_standard_input() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("runs");
    let csv = dumps::gzip(b"y_true;y_pred\n1;0\n1;1\n");
    convert_ok(&["convert", "-", "--logdir", dir_arg(&logdir)], Some(&csv));
    assert_eq!(
        export(&logdir),
        expect(&[("stdin", 0, "1", "0", 1), ("stdin", 0, "1", "1", 1)])
    );
}

/// Two files in one run with different classes, and classes that change
/// between steps of one tag: each step is exported with its own classes.
#[test]
fn export_uses_each_files_and_steps_own_classes() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("runs");
    let first = tmp.path().join("t1.csv");
    let second = tmp.path().join("t2.csv");
    std::fs::write(&first, "step,y_true,y_pred\n1,cat,dog\n").unwrap();
    std::fs::write(&second, "step,y_true,y_pred\n2,bird,dog\n2,ant,ant\n").unwrap();
    for input in [&first, &second] {
        convert_ok(
            &[
                "convert",
                dir_arg(input),
                "--logdir",
                dir_arg(&logdir),
                "--run",
                "r",
                "-q",
            ],
            None,
        );
    }
    assert_eq!(
        export(&logdir),
        expect(&[
            ("r", 1, "cat", "dog", 1),
            ("r", 2, "ant", "ant", 1),
            ("r", 2, "bird", "dog", 1)
        ])
    );
}

/// `--labels 1,2,3`: the cells 1, 2, 3 are those names, not indices 1, 2, 3.
#[test]
fn number_like_labels_are_matched_as_names() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("runs");
    let input = tmp.path().join("ratings.csv");
    std::fs::write(&input, "step,y_true,y_pred\n0,1,1\n0,2,1\n0,3,3\n").unwrap();
    convert_ok(
        &[
            "convert",
            dir_arg(&input),
            "--logdir",
            dir_arg(&logdir),
            "--labels",
            "1,2,3",
            "-q",
        ],
        None,
    );
    assert_eq!(
        export(&logdir),
        expect(&[
            ("ratings", 0, "1", "1", 1),
            ("ratings", 0, "2", "1", 1),
            ("ratings", 0, "3", "3", 1)
        ])
    );
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "step,y_true,y_pred\n0,0,1\n").unwrap();
    assert_fails_cleanly(
        &[
            "convert",
            dir_arg(&bad),
            "--logdir",
            dir_arg(&tmp.path().join("r2")),
            "--labels",
            "1,2,3",
        ],
        &tmp.path().join("r2"),
        None,
        &["bad.csv, line 2", "\"0\"", "matched as names"],
    );
}

/// `a/preds.csv` and `b/preds.csv` would silently add up in one run `preds`.
#[test]
fn inputs_sharing_only_a_file_name_are_not_merged() {
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["a", "b"] {
        std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        std::fs::write(
            tmp.path().join(dir).join("preds.csv"),
            "epoch,y_true,y_pred\n1,0,1\n",
        )
        .unwrap();
    }
    let logdir = tmp.path().join("runs");
    let (a, b) = (
        tmp.path().join("a/preds.csv"),
        tmp.path().join("b/preds.csv"),
    );
    let out = tbconfusion(
        &[
            "convert",
            dir_arg(&a),
            dir_arg(&b),
            "--logdir",
            dir_arg(&logdir),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--run"), "{}", text(&out.stderr));
    assert!(event_files(&logdir).is_empty());
}

/// The PR curves of every step in a logdir `convert` wrote, by (step, tag).
fn logged_curves(logdir: &Path) -> BTreeMap<(i64, String), tbconfusion::confusion::PrCurve> {
    use tbconfusion::proto::event::What;
    use tbconfusion::proto::summary::value::Value as ValueKind;
    let mut curves = BTreeMap::new();
    for path in event_files(logdir) {
        for item in tbconfusion::event::EventFileReader::open(&path).unwrap() {
            let (_, event) = item.unwrap();
            let Some(What::Summary(summary)) = event.what else {
                continue;
            };
            for value in summary.value {
                if let Some(ValueKind::Tensor(tensor)) = &value.value
                    && value.tag.contains("/pr/")
                {
                    let curve = tbconfusion::confusion::PrCurve::from_tensor(tensor).unwrap();
                    curves.insert((event.step, value.tag.clone()), curve);
                }
            }
        }
    }
    curves
}

/// Probability columns and logit columns both give PR curves, the ones the
/// library draws from the same scores; `--scores` overrides the per-row
/// guess.
#[test]
fn score_columns_give_pr_curves_for_probabilities_and_logits() {
    use tbconfusion::confusion::ScoreKind;
    let tmp = tempfile::tempdir().unwrap();
    let rows: [(u32, [f32; 3]); 5] = [
        (2, [0.1, 0.2, 0.7]),
        (0, [0.5, 0.4, 0.1]),
        (1, [0.2, 0.75, 0.05]),
        (1, [0.6, 0.3, 0.1]),
        (0, [0.25, 0.25, 0.5]),
    ];
    let csv = |scale: f32| {
        let mut text = "step,actual,prob_0,prob_1,prob_2\n".to_string();
        for (t, p) in &rows {
            text += &format!("3,{t},{},{},{}\n", p[0] * scale, p[1] * scale, p[2] * scale);
        }
        text
    };
    // Probabilities as they are; the same times 4 are logits (sums of 4).
    for (name, scale, flag, kind) in [
        ("probs", 1.0, None, ScoreKind::Probabilities),
        ("logits", 4.0, None, ScoreKind::Logits),
        ("forced", 1.0, Some("logits"), ScoreKind::Logits),
    ] {
        let input = tmp.path().join(format!("{name}.csv"));
        std::fs::write(&input, csv(scale)).unwrap();
        let logdir = tmp.path().join(name);
        let mut args = vec!["convert", dir_arg(&input), "--logdir", dir_arg(&logdir)];
        if let Some(kind) = flag {
            args.extend(["--scores", kind]);
        }
        convert_ok(&args, None);
        let mut cm = tbconfusion::ConfusionMatrix::new(3)
            .unwrap()
            .with_score_kind(kind);
        let labels: Vec<u32> = rows.iter().map(|(t, _)| *t).collect();
        let scores: Vec<f32> = rows
            .iter()
            .flat_map(|(_, p)| p.map(|x| x * scale))
            .collect();
        cm.update_from_scores(&labels, &scores).unwrap();
        let curves = logged_curves(&logdir);
        assert_eq!(curves.len(), 3, "{name}: {:?}", curves.keys());
        for class in 0..3 {
            let want = cm.score_histogram().unwrap().curve(class).unwrap();
            let got = &curves[&(3, format!("confusion_matrix/pr/{class}"))];
            assert_eq!(
                got.true_positives, want.true_positives,
                "{name} class {class}"
            );
            assert_eq!(
                got.false_positives, want.false_positives,
                "{name} class {class}"
            );
            let precision: Vec<f64> = want
                .precision
                .iter()
                .map(|&p| f64::from(p as f32))
                .collect();
            assert_eq!(got.precision, precision, "{name} class {class}");
        }
    }
    // The guess differs from the forced reading: 0.7 is bucket 140 as a
    // probability, softmax(0.1, 0.2, 0.7) = 0.46 as a logit row.
    let probs = logged_curves(&tmp.path().join("probs"));
    let forced = logged_curves(&tmp.path().join("forced"));
    let tag = (3, "confusion_matrix/pr/2".to_string());
    assert_eq!(probs[&tag].true_positives[140], 1.0);
    assert_eq!(forced[&tag].true_positives[140], 0.0);
    let out = tbconfusion(
        &[
            "convert",
            dir_arg(&tmp.path().join("probs.csv")),
            "--logdir",
            dir_arg(tmp.path()),
            "--scores",
            "odds",
        ],
        // A usage error: clap exits before reading any input.
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("probs"), "{}", text(&out.stderr));
}
