//! `tbconfusion compare`: runs written by `convert` from generated dumps (long-tailed, names
//! in several scripts), compared into PNGs that are exactly the library's pictures of the
//! counts read back, and into a run of their own that TensorBoard serves (both loaders) at
//! every step all runs have; every bad input fails with exit 1 and leaves nothing behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tbconfusion::ConfusionMatrix;
use tbconfusion::confusion::compare::{CompareOptions, ComparedRun, Comparison};
use tbconfusion_testkit::realistic::{self, Realistic};
use tbconfusion_testkit::{logdir, tensorboard};

fn tbconfusion(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tbconfusion"))
        .args(args)
        .output()
        .unwrap()
}

fn succeeds(args: &[&str]) -> String {
    let out = tbconfusion(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    stderr
}

/// A CSV dump of `steps`, each the matrix `of(step)`: one row per prediction, classes by name.
fn write_dump(path: &Path, steps: &[i64], of: impl Fn(i64) -> Realistic) {
    let mut csv = String::from("step,y_true,y_pred\n");
    for &step in steps {
        let m = of(step);
        for t in 0..m.classes {
            for p in 0..m.classes {
                for _ in 0..m.counts[t * m.classes + p] {
                    csv.push_str(&format!("{step},{},{}\n", m.names[t], m.names[p]));
                }
            }
        }
    }
    std::fs::write(path, csv).unwrap();
}

/// Converts a dump into run `run` of `logdir`.
fn convert(dump: &Path, logdir: &Path, run: &str, extra: &[&str]) {
    let mut args = vec![
        "convert",
        dump.to_str().unwrap(),
        "--logdir",
        logdir.to_str().unwrap(),
        "--run",
        run,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    succeeds(&args);
}

/// Three runs of a long-tailed 10-class task (names in Latin, Arabic, Thai, CJK, Hangul,
/// Cyrillic, Greek) at steps 1–3, each better than the one before, errors falling per step.
fn three_runs(dir: &Path) -> PathBuf {
    let logdir = dir.join("runs");
    let mut base = realistic::long_tailed(10, 600, 3);
    base.names[1] = "قطة_1".to_owned();
    base.names[3] = "แมว_3".to_owned();
    for (run, quality) in [("baseline", 1.3), ("tuned", 1.0), ("large", 0.7)] {
        let dump = dir.join(format!("{run}.csv"));
        write_dump(&dump, &[1, 2, 3], |step| {
            realistic::with_error_scale(&base, quality * (1.6 - 0.3 * step as f64))
        });
        convert(&dump, &logdir, run, &[]);
    }
    logdir
}

/// The matrices `export` reads back, as the library's comparison of `runs` at `steps`.
fn comparison_of(logdir: &Path, runs: &[&str], steps: &[i64]) -> Comparison {
    let out = tbconfusion(&["export", logdir.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success());
    let exported: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let compared = runs
        .iter()
        .map(|&run| ComparedRun {
            name: run.to_owned(),
            matrices: exported
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["run"] == run && m["tag"] == "confusion_matrix")
                .map(|m| {
                    let classes: Vec<String> =
                        serde_json::from_value(m["classes"].clone()).unwrap();
                    let counts: Vec<Vec<u64>> =
                        serde_json::from_value(m["counts"].clone()).unwrap();
                    let mut cm =
                        ConfusionMatrix::from_counts(classes.len(), counts.concat()).unwrap();
                    cm.set_class_names(classes).unwrap();
                    (m["step"].as_i64().unwrap(), cm)
                })
                .collect(),
        })
        .collect();
    Comparison::new("confusion_matrix", compared, steps.to_vec()).unwrap()
}

fn options() -> CompareOptions {
    CompareOptions::default().fallback_fonts_from_system()
}

/// The PNG's size, decoded.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn grid_and_bars_files_are_the_librarys_pictures_of_the_logged_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = three_runs(tmp.path());
    let l = logdir.to_str().unwrap();
    let grid = tmp.path().join("grid.png");
    let said = succeeds(&[
        "compare",
        l,
        "--tag",
        "confusion_matrix",
        "--steps",
        "1,2,3",
        "-o",
        grid.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&grid).unwrap();
    let (w, h) = png_size(&bytes);
    assert!(
        said.contains(&format!("({w}×{h} px): 3 runs, steps 1–3")),
        "{said}"
    );
    let expected = comparison_of(&logdir, &["baseline", "large", "tuned"], &[1, 2, 3])
        .render_grid(&options())
        .unwrap();
    assert_eq!(bytes, expected.bytes(), "the grid of the counts read back");
    assert!(
        (400..2000).contains(&w) && (400..2000).contains(&h),
        "{w}×{h}"
    );

    // Default: every run at the last step they share, runs in the order asked.
    let last = tmp.path().join("last.png");
    let said = succeeds(&[
        "compare",
        l,
        "--runs",
        "tuned,baseline",
        "-o",
        last.to_str().unwrap(),
    ]);
    assert!(said.contains("2 runs, step 3,"), "{said}");
    let expected = comparison_of(&logdir, &["tuned", "baseline"], &[3])
        .render_grid(&options())
        .unwrap();
    assert_eq!(std::fs::read(&last).unwrap(), expected.bytes());

    let bars = tmp.path().join("bars.png");
    succeeds(&[
        "compare",
        l,
        "--runs",
        "baseline,large",
        "--layout",
        "bars",
        "-o",
        bars.to_str().unwrap(),
    ]);
    let expected = comparison_of(&logdir, &["baseline", "large"], &[3])
        .render_bars(3, &options())
        .unwrap();
    assert_eq!(std::fs::read(&bars).unwrap(), expected.bytes());
    // Nothing but the pictures was written beside them.
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png") || n.contains("partial"))
        .collect();
    names.sort();
    assert_eq!(names, ["bars.png", "grid.png", "last.png"]);
}

/// Two runs whose classes differ (bird in one, fox in the other) and whose steps overlap
/// (1–3 and 2–4), one run of another task, one of another tag, one with scalars only.
fn mixed_runs(dir: &Path) -> PathBuf {
    let logdir = dir.join("runs");
    let matrix = |names: [&str; 3], step: i64| Realistic {
        classes: 3,
        counts: vec![8 + step as u64, 2, 0, 1, 9, step as u64, 0, 3, 7],
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    };
    let dumps = [
        ("a", ["cat", "dog", "bird"], vec![1, 2, 3]),
        ("b", ["cat", "dog", "fox"], vec![2, 3, 4]),
        ("cars", ["car", "bus", "van"], vec![2, 3]),
    ];
    for (run, names, steps) in dumps {
        let dump = dir.join(format!("{run}.csv"));
        write_dump(&dump, &steps, |step| matrix(names, step));
        convert(&dump, &logdir, run, &[]);
    }
    let dump = dir.join("other_tag.csv");
    write_dump(&dump, &[2], |step| matrix(["cat", "dog", "bird"], step));
    convert(&dump, &logdir, "other_tag", &["--tag", "val_cm"]);
    let writer = tbconfusion::SummaryWriter::create(logdir.join("scalars_only")).unwrap();
    writer.add_scalar("loss", 0.5, 1).unwrap();
    writer.close().unwrap();
    logdir
}

#[test]
fn every_bad_input_fails_with_exit_1_naming_it_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = mixed_runs(tmp.path());
    let l = logdir.to_str().unwrap();
    let out = tmp.path().join("out.png");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--runs", "a,nope", "-o", o],
            "has no run \"nope\" (runs: a, b, cars, other_tag, scalars_only)",
        ),
        (
            &[
                "--runs",
                "a,other_tag",
                "--tag",
                "confusion_matrix",
                "-o",
                o,
            ],
            "run \"other_tag\" has no confusion-matrix counts under tag \"confusion_matrix\" (it has counts under val_cm)",
        ),
        (
            &[
                "--runs",
                "a,scalars_only",
                "--tag",
                "confusion_matrix",
                "-o",
                o,
            ],
            "run \"scalars_only\" has no confusion-matrix counts under tag \"confusion_matrix\" (it has no counts at all)",
        ),
        (
            &["--tag", "missing", "-o", o],
            "no run has counts under tag \"missing\" (tags with counts: confusion_matrix, val_cm)",
        ),
        (
            &["-o", o],
            "several tags have counts (confusion_matrix, val_cm); choose one with --tag",
        ),
        (
            &["--tag", "confusion_matrix", "--runs", "a,cars", "-o", o],
            "run \"cars\", step 3: its classes (\"bus\", \"car\", \"van\") share no name",
        ),
        (
            &[
                "--tag",
                "confusion_matrix",
                "--runs",
                "a,b",
                "--steps",
                "2,9",
                "-o",
                o,
            ],
            "no compared run has step 9 under tag \"confusion_matrix\" (a: 1–3; b: 2–4)",
        ),
        (
            &[
                "--tag",
                "confusion_matrix",
                "--runs",
                "a,cars",
                "--steps",
                "1",
                "--into",
                "x",
            ],
            "runs a, cars share no step under tag",
        ),
        (
            &["--tag", "confusion_matrix", "--runs", "a,b", "--into", "a"],
            "already exists; choose a new run name",
        ),
    ];
    let before = logdir::event_files(&logdir);
    for (args, expected) in cases {
        let mut all = vec!["compare", l];
        all.extend_from_slice(args);
        let result = tbconfusion(&all);
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}:\n{stderr}\nexpected: {expected}"
        );
        assert!(!out.exists(), "{args:?} left {o}");
        assert!(!logdir.join("x").exists(), "{args:?} left a run");
        assert_eq!(logdir::event_files(&logdir), before, "{args:?}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn into_writes_every_common_step_and_both_loaders_serve_it() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = mixed_runs(tmp.path());
    let l = logdir.to_str().unwrap();
    let said = succeeds(&[
        "compare",
        l,
        "--tag",
        "confusion_matrix",
        "--runs",
        "a,b",
        "--into",
        "compare",
    ]);
    assert!(
        said.contains("steps 1, 4 left out: not every compared run has them (a: 1–3; b: 2–4)"),
        "{said}"
    );
    let points = logdir::read_points(&logdir);
    let steps = logdir::steps_by_tag(&points);
    let key = |tag: &str| ("compare".to_owned(), tag.to_owned());
    assert_eq!(steps[&key("confusion_matrix/compare")], [2, 3]);
    assert_eq!(steps[&key("confusion_matrix/compare/table")], [2, 3]);
    assert_eq!(steps.keys().filter(|(run, _)| run == "compare").count(), 2);
    // Each step's image is the library's grid of that step; its table names both runs with
    // the accuracy of each, and the classes aligned by name (cat, dog, bird, fox).
    let comparison = comparison_of(&logdir, &["a", "b"], &[2, 3]);
    assert_eq!(comparison.classes(), ["bird", "cat", "dog", "fox"]);
    // Everything as the files hold it; the tables checked for their rows below.
    let others: Vec<logdir::Point> = points
        .iter()
        .filter(|p| !(p.run == "compare" && p.text.is_some()))
        .cloned()
        .collect();
    let mut manifest = logdir::manifest_of(&others);
    for step in [2, 3] {
        let png = comparison.render_grid_step(step, &options()).unwrap();
        let image = points
            .iter()
            .find(|p| p.run == "compare" && p.tag == "confusion_matrix/compare" && p.step == step)
            .unwrap();
        assert_eq!(image.image_size, Some((png.width(), png.height())));
        let table = points
            .iter()
            .find(|p| {
                p.run == "compare" && p.tag == "confusion_matrix/compare/table" && p.step == step
            })
            .and_then(|p| p.text.clone())
            .unwrap();
        assert_eq!(table, comparison.summary_table(step).unwrap());
        assert!(table.contains("4 classes aligned by name"), "{table}");
        // a at step 2: (10 + 9 + 7) / (10+2 + 1+9+2 + 3+7) = 26 / 34.
        if step == 2 {
            assert!(table.contains("| a | 76.5% |"), "{table}");
        }
        manifest.run("compare").text(
            "confusion_matrix/compare/table",
            step,
            &["<table>", "<td>a</td>", "<td>b</td>"],
        );
    }
    tensorboard::check_logdir(&logdir, &manifest);
}
