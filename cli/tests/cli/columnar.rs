//! Parquet and Arrow IPC in: files written by pandas, polars, pyarrow and Apache
//! Spark (`tests/fixtures/columnar`, made by `scripts/gen_columnar_fixtures.sh`)
//! convert to exactly the counts of the same predictions as CSV.

use std::path::{Path, PathBuf};

use super::convert::{Counts, convert_ok, dir_arg, export, tbconfusion, text};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/columnar")
        .join(name)
}

fn converted(input: &Path, logdir: &Path) -> Counts {
    convert_ok(
        &[
            "convert",
            dir_arg(input),
            "--logdir",
            dir_arg(logdir),
            "--run",
            "val",
            "--labels",
            "cat,dog,bird",
        ],
        None,
    );
    export(logdir)
}

#[test]
fn parquet_and_arrow_from_pandas_polars_pyarrow_and_spark_convert_to_the_csv_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = converted(&fixture("predictions.csv"), &tmp.path().join("csv"));
    assert_eq!(expected.values().sum::<u64>(), 90);
    assert_eq!(expected.keys().map(|k| k.1).max(), Some(3));
    for name in [
        "pandas_labels.parquet",
        "pandas_probs.parquet",
        "polars_labels.parquet",
        "polars_probs.parquet",
        "spark_counts.parquet",
        "spark_probs.parquet",
        "pyarrow_labels.feather",
        "polars_scores.arrows",
    ] {
        let counts = converted(&fixture(name), &tmp.path().join(name));
        assert_eq!(counts, expected, "{name}");
    }
}

#[test]
fn gzipped_parquet_and_parquet_on_stdin_are_read_from_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("polars_labels.parquet")).unwrap();
    let expected = converted(&fixture("polars_labels.parquet"), &tmp.path().join("file"));
    let logdir = tmp.path().join("stdin");
    convert_ok(
        &[
            "convert",
            "-",
            "--logdir",
            dir_arg(&logdir),
            "--run",
            "val",
            "--labels",
            "cat,dog,bird",
        ],
        Some(&bytes),
    );
    assert_eq!(export(&logdir), expected);
    let gz = tmp.path().join("p.parquet.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &bytes).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    assert_eq!(converted(&gz, &tmp.path().join("gz")), expected);
    let feather = std::fs::read(fixture("pyarrow_labels.feather")).unwrap();
    let logdir = tmp.path().join("feather-stdin");
    convert_ok(
        &[
            "convert",
            "-",
            "--logdir",
            dir_arg(&logdir),
            "--run",
            "val",
            "--labels",
            "cat,dog,bird",
        ],
        Some(&feather),
    );
    assert_eq!(export(&logdir), expected);
}

#[test]
fn bad_parquet_cells_name_the_file_row_row_group_column_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    // Out of range for --labels with two names: the first row holding bird (index 2).
    let out = tbconfusion(
        &[
            "convert",
            dir_arg(&fixture("polars_probs.parquet")),
            "--logdir",
            dir_arg(&tmp.path().join("a")),
            "--labels",
            "cat,dog",
        ],
        None,
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("polars_probs.parquet, row ") && stderr.contains("(row group 0, row "),
        "{stderr}"
    );
    let out = tbconfusion(
        &[
            "convert",
            dir_arg(&fixture("pandas_labels.parquet")),
            "--logdir",
            dir_arg(&tmp.path().join("b")),
            "--step-col",
            "weight",
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "pandas_labels.parquet, row 0 (row group 0, row 0), column \"weight\": \"1.25\" is not a step"
        ),
        "{stderr}"
    );
    let out = tbconfusion(
        &[
            "convert",
            dir_arg(&fixture("spark_counts.parquet")),
            "--logdir",
            dir_arg(&tmp.path().join("c")),
            "--true-col",
            "gold",
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no true-label column: looked for \"gold\" (from --true-col), found \"step\", \"y_true\", \"y_pred\", \"count\""),
        "{stderr}"
    );
    assert!(
        !tmp.path().join("c").exists(),
        "nothing written on bad input"
    );
    let truncated = tmp.path().join("cut.parquet");
    let bytes = std::fs::read(fixture("spark_counts.parquet")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let out = tbconfusion(
        &[
            "convert",
            dir_arg(&truncated),
            "--logdir",
            dir_arg(&tmp.path().join("d")),
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cut.parquet: not a readable Parquet file"),
        "{stderr}"
    );
}
