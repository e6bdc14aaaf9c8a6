//! Counts tables in: a `GROUP BY step, y_true, y_pred` from an engine, or what
//! `tbconfusion export` writes, converts to exactly the counts of the raw
//! predictions it summarises.

use std::path::Path;

use tbconfusion_testkit::tensorboard;

use super::convert::{Counts, convert_ok, dir_arg, export, tbconfusion, text};

/// Raw predictions with names, steps, weights and wall times: 3,000 rows.
fn raw_predictions() -> String {
    let names = ["cat", "dog", "bird", "fish"];
    let mut rng = fastrand::Rng::with_seed(14);
    let mut csv = String::from("step,y_true,y_pred,weight,wall_time\n");
    for _ in 0..3_000 {
        let step = rng.u64(1..=3);
        let truth = rng.usize(..names.len());
        let predicted = if rng.f64() < 0.7 {
            truth
        } else {
            rng.usize(..names.len())
        };
        // Quarter weights keep every sum exact in f64, so weighted metrics compare exactly.
        let weight = f64::from(rng.u8(1..=8)) / 4.0;
        csv += &format!(
            "{step},{},{},{weight},{}\n",
            names[truth],
            names[predicted],
            1_700_000_000 + step * 60
        );
    }
    csv
}

fn export_csv(logdir: &Path) -> String {
    let out = tbconfusion(&["export", dir_arg(logdir)], None);
    assert!(out.status.success(), "export failed: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn export_then_convert_round_trips_a_run_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw.csv");
    std::fs::write(&raw, raw_predictions()).unwrap();
    let labels = ["--labels", "cat,dog,bird,fish", "--run", "val"];
    let first = tmp.path().join("first");
    convert_ok(
        &[
            &["convert", dir_arg(&raw), "--logdir", dir_arg(&first)],
            &labels[..],
        ]
        .concat(),
        None,
    );
    let exported = export_csv(&first);
    let table = tmp.path().join("counts.csv");
    std::fs::write(&table, &exported).unwrap();
    let second = tmp.path().join("second");
    convert_ok(
        &[
            &["convert", dir_arg(&table), "--logdir", dir_arg(&second)],
            &labels[..],
        ]
        .concat(),
        None,
    );
    // The same rows, byte for byte: counts, class order, steps and wall times.
    assert_eq!(export_csv(&second), exported);
    assert_eq!(export(&second), export(&first));
}

/// Converts `input` into `logdir/<run>` and returns the exported counts and the
/// weighted accuracy per step (read back from the event files).
fn convert_and_read(input: &Path, logdir: &Path, extra: &[&str]) -> (Counts, Vec<(i64, f32)>) {
    let args = [
        &[
            "convert",
            dir_arg(input),
            "--logdir",
            dir_arg(logdir),
            "--run",
            "val",
        ],
        extra,
    ]
    .concat();
    convert_ok(&args, None);
    let weighted: Vec<(i64, f32)> = tbconfusion_testkit::logdir::read_points(logdir)
        .into_iter()
        .filter(|p| p.tag == "confusion_matrix/weighted/accuracy")
        .filter_map(|p| Some((p.step, p.scalar?)))
        .collect();
    (export(logdir), weighted)
}

/// DuckDB (pinned in the test venv) summarises a Parquet file of predictions with
/// `GROUP BY step, y_true, y_pred` into CSV and Parquet; converting either, or the
/// Parquet file of raw predictions, gives exactly what converting the raw CSV
/// gives, weighted metrics included.
#[test]
fn duckdb_group_by_converts_to_the_counts_of_the_raw_predictions() {
    if !tensorboard::enabled() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw.csv");
    std::fs::write(&raw, raw_predictions()).unwrap();
    let out = tensorboard::run_harness_script("duckdb_counts.py", &[&raw, tmp.path()]);
    assert!(
        out.status.success(),
        "duckdb_counts.py failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let (raw_counts, raw_weighted) = convert_and_read(&raw, &tmp.path().join("raw"), &[]);
    let table = tmp.path().join("counts.csv");
    let summary = std::fs::read_to_string(&table).unwrap();
    assert!(
        summary.lines().count() < 3 * 16 + 2,
        "one row per step and cell:\n{summary}"
    );
    let (table_counts, table_weighted) = convert_and_read(&table, &tmp.path().join("table"), &[]);
    assert_eq!(table_counts, raw_counts);
    assert_eq!(raw_weighted.len(), 3);
    assert_eq!(table_weighted, raw_weighted);
    for parquet in ["counts.parquet", "predictions.parquet"] {
        let (counts, weighted) = convert_and_read(
            &tmp.path().join(parquet),
            &tmp.path().join(parquet.replace('.', "_")),
            &[],
        );
        assert_eq!(counts, raw_counts, "{parquet}");
        assert_eq!(weighted, raw_weighted, "{parquet}");
    }
}
