//! `convert --hparams` / `--hparams-file`: the same dump converted twice with
//! different hyperparameters into two runs is two rows of TensorBoard's HParams tab
//! (both loaders), each with its own values and latest metrics; mistakes exit before
//! anything is written.

use std::path::Path;

use prost::Message;
use tbconfusion::event::EventFileReader;
use tbconfusion::hparams::{HParamValue, HParams, SESSION_START_INFO_TAG};
use tbconfusion::proto::event::What;
use tbconfusion::proto::{HParamsPluginData, HParamsStatus, h_params_plugin_data};
use tbconfusion_testkit::{logdir, tensorboard};

use super::convert::{convert_ok, tbconfusion, text};

const DUMP: &str =
    "step,y_true,y_pred\n1,cat,dog\n1,dog,dog\n1,bird,bird\n2,cat,cat\n2,dog,dog\n2,bird,cat\n";

fn event_file_count(dir: &Path) -> usize {
    logdir::event_files(dir).len()
}

/// The hyperparameters logged in the run directory `run_dir`, sorted by name.
pub(super) fn logged_hparams(run_dir: &Path) -> Vec<(String, HParamValue)> {
    let mut found = Vec::new();
    for (_, path) in logdir::event_files(run_dir) {
        for item in EventFileReader::open(&path).unwrap() {
            let Some(What::Summary(summary)) = item.unwrap().1.what else {
                continue;
            };
            for value in summary.value {
                if value.tag != SESSION_START_INFO_TAG {
                    continue;
                }
                let content = &value.metadata.unwrap().plugin_data.unwrap().content;
                let data = HParamsPluginData::decode(content.as_slice()).unwrap();
                let Some(h_params_plugin_data::Data::SessionStartInfo(start)) = data.data else {
                    panic!("{data:?}");
                };
                found.extend(
                    start
                        .hparams
                        .iter()
                        .map(|(k, v)| (k.clone(), HParamValue::from_proto(v).unwrap())),
                );
            }
        }
    }
    found
}

#[test]
fn two_conversions_with_different_hparams_are_two_sessions() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("runs");
    let dump = tmp.path().join("val.csv");
    std::fs::write(&dump, DUMP).unwrap();
    let params = tmp.path().join("params.json");
    std::fs::write(
        &params,
        r#"{"lr": 0.1, "optimizer": "sgd", "augment": false, "note": "from a file"}"#,
    )
    .unwrap();
    let (dump, logdir_arg) = (dump.to_str().unwrap(), logdir.to_str().unwrap());

    convert_ok(
        &[
            "convert",
            dump,
            "--logdir",
            logdir_arg,
            "--run",
            "adam",
            "--quiet",
            "--hparams",
            "lr=0.01,optimizer=adam",
            "--hparams",
            "augment=true,note=cli",
        ],
        None,
    );
    convert_ok(
        &[
            "convert",
            dump,
            "--logdir",
            logdir_arg,
            "--run",
            "sgd",
            "--quiet",
            "--hparams-file",
            params.to_str().unwrap(),
        ],
        None,
    );

    let hparams = |lr: f64, optimizer: &str, augment: bool, note: &str| {
        HParams::new()
            .with("lr", lr)
            .and_then(|h| h.with("optimizer", optimizer))
            .and_then(|h| h.with("augment", augment))
            .and_then(|h| h.with("note", note))
            .unwrap()
    };
    let points = logdir::read_points(&logdir);
    let mut manifest = logdir::manifest_of(&points);
    manifest.session(
        "adam",
        &hparams(0.01, "adam", true, "cli"),
        HParamsStatus::StatusSuccess,
    );
    manifest.session(
        "sgd",
        &hparams(0.1, "sgd", false, "from a file"),
        HParamsStatus::StatusSuccess,
    );
    tensorboard::check_logdir(&logdir, &manifest);

    // Converting into a run that already has hyperparameters is refused, and the
    // run keeps its one file: TensorBoard would show only the first ones.
    let out = tbconfusion(
        &[
            "convert",
            dump,
            "--logdir",
            logdir_arg,
            "--run",
            "adam",
            "--hparams",
            "lr=0.5",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("this run already holds hyperparameters"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(event_file_count(&logdir.join("adam")), 1);
}

#[test]
fn bad_hparams_exit_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("runs");
    let dump = tmp.path().join("val.csv");
    std::fs::write(&dump, DUMP).unwrap();
    let nested = tmp.path().join("nested.json");
    std::fs::write(&nested, r#"{"lr": 0.1, "layers": [64, 128]}"#).unwrap();
    let (dump, logdir_arg) = (dump.to_str().unwrap(), logdir.to_str().unwrap());
    let nested_arg = nested.to_str().unwrap();
    let cases: [(&[&str], i32, String); 5] = [
        (
            &["--hparams", "lr=nan"],
            2,
            "hyperparameter \"lr\" = NaN: numbers must be finite".into(),
        ),
        (&["--hparams", "=0.1"], 2, "the name is empty".into()),
        (
            &["--hparams", "lr=0.1,lr=0.2"],
            2,
            "\"lr\" is given twice (0.1, then 0.2)".into(),
        ),
        (
            &["--hparams", "layers=64,128"],
            2,
            "\"128\" is not name=value".into(),
        ),
        (
            &["--hparams-file", nested_arg],
            1,
            format!(
                "--hparams-file {nested_arg}: hyperparameter \"layers\" = [64,128]: an array is \
                 not a hyperparameter value"
            ),
        ),
    ];
    for (flags, code, message) in cases {
        let mut args = vec!["convert", dump, "--logdir", logdir_arg];
        args.extend_from_slice(flags);
        let out = tbconfusion(&args, None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{flags:?}: {stderr}");
        assert!(
            stderr.contains(&message),
            "{flags:?}: {message:?} not in {stderr:?}"
        );
        assert!(!logdir.exists(), "{flags:?} left {logdir:?}");
    }
}
