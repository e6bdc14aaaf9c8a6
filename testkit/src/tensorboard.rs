//! Conformance harness: what real TensorBoard shows for a logdir, with both loaders.
//!
//! [`check_logdir`] runs `tests/tensorboard/check_logdir.py`, which serves the logdir
//! with the pinned TensorBoard 2.21.0 twice (`--load_fast=true`, the Rust data server
//! "rustboard", and `--load_fast=false`, the Python multiplexer) and compares what its
//! HTTP API serves with a [`Manifest`]: exact runs, tags and steps, float32 scalar
//! values, decoded PNG sizes and rendered text, and the HParams tab's sessions (their
//! hyperparameters, status and latest metric values). It then checks the same manifest through
//! the readers scripts use instead of TensorBoard's server: the classic
//! `EventAccumulator` (keeping everything) must list every scalar, image and text value,
//! each text value must carry the text plugin's metadata itself, and tbparse must list
//! every scalar (its images need TensorFlow: `scripts/check_tf_reader.sh`). The Python
//! venv (pinned TensorBoard and tbparse) is made once per test process by
//! `tests/tensorboard/setup_venv.sh`, under the target directory.
//!
//! These checks need Python and PyPI, so they run only when [`ENABLE_VAR`] is set to
//! `1`, as `bash scripts/test.sh` (the README's test command, and CI's) does. Then they
//! are required: a missing Python, an unreachable PyPI or a TensorBoard that does not
//! start fails the test. Without the variable, a plain `cargo test` stays hermetic:
//! [`check_logdir`] and [`enabled`] touch neither the network nor Python and say on
//! stderr, per test, what was skipped and how to run it.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value, json};
use tbconfusion::confusion::PrCurve;
use tbconfusion::hparams::{HParamValue, HParams};
use tbconfusion::proto::HParamsStatus;

/// What TensorBoard must show for a logdir, run by run.
///
/// Sets are exact: a run, tag or step that TensorBoard shows but the manifest does not
/// list fails the check, and so does a plugin with tags in a run that lists none.
///
/// ```no_run
/// # use tbconfusion_testkit::tensorboard::{Manifest, check_logdir};
/// # let logdir = std::path::Path::new("runs");
/// let mut manifest = Manifest::new();
/// manifest
///     .run("train")
///     .scalar("accuracy", 0, 0.5)
///     .image("confusion_matrix", 0, 400, 380)
///     .text("confusion_matrix/table", 0, &["<td>12</td>"]);
/// check_logdir(logdir, &manifest);
/// ```
#[derive(Debug, Default, Clone)]
pub struct Manifest {
    runs: BTreeMap<String, RunManifest>,
    sessions: BTreeMap<String, Value>,
}

/// The expected tags of one run; made by [`Manifest::run`].
#[derive(Debug, Default, Clone)]
pub struct RunManifest {
    name: String,
    scalars: BTreeMap<String, BTreeMap<i64, f64>>,
    images: BTreeMap<String, BTreeMap<i64, (u32, u32)>>,
    text: BTreeMap<String, BTreeMap<i64, Vec<String>>>,
    pr_curves: BTreeMap<String, BTreeMap<i64, Value>>,
}

impl Manifest {
    /// Adds every PR curve (values under the `pr_curves` plugin) in the event files
    /// under `logdir`, run by run, as the PR Curves tab must show it; the logdir
    /// reader's [`manifest_of`](crate::logdir::manifest_of) leaves them out.
    /// Returns how many were added.
    pub fn add_pr_curves_of(&mut self, logdir: &Path) -> usize {
        use tbconfusion::proto::event::What;
        use tbconfusion::proto::summary::value::Value as ValueKind;
        let mut added = 0;
        for (run, path) in crate::logdir::event_files(logdir) {
            let mut pr_tags = std::collections::BTreeSet::new();
            for item in tbconfusion::event::EventFileReader::open(&path).unwrap() {
                let (_, event) = item.unwrap();
                let Some(What::Summary(summary)) = event.what else {
                    continue;
                };
                for value in summary.value {
                    let plugin = value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref());
                    if plugin.is_some_and(|p| p.plugin_name == "pr_curves") {
                        pr_tags.insert(value.tag.clone());
                    }
                    let Some(ValueKind::Tensor(tensor)) = &value.value else {
                        continue;
                    };
                    if pr_tags.contains(&value.tag) {
                        let curve = PrCurve::from_tensor(tensor)
                            .unwrap_or_else(|| panic!("{}: malformed PR curve", value.tag));
                        self.run(&run).pr_curve(&value.tag, event.step, &curve);
                        added += 1;
                    }
                }
            }
        }
        added
    }

    /// An empty manifest: TensorBoard must show no runs.
    pub fn new() -> Self {
        Self::default()
    }

    /// The run named `name` (its path relative to the logdir, `"."` for the logdir
    /// itself), added if new. A run with nothing added must show no tags at all.
    pub fn run(&mut self, name: &str) -> &mut RunManifest {
        self.runs
            .entry(name.to_owned())
            .or_insert_with(|| RunManifest {
                name: name.to_owned(),
                ..RunManifest::default()
            })
    }

    /// Expects run `run` (added if new) to be a row of the HParams tab: a session with
    /// exactly `hparams` and `status`, whose metric values are the latest step and value
    /// of each scalar the manifest lists for the run. Sessions are exact, too: a
    /// manifest without any expects the tab to list none.
    pub fn session(&mut self, run: &str, hparams: &HParams, status: HParamsStatus) -> &mut Self {
        self.run(run);
        let values: Map<String, Value> = hparams
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    HParamValue::Text(text) => json!(text),
                    HParamValue::Number(number) => json!(number),
                    HParamValue::Bool(flag) => json!(flag),
                };
                (name.to_owned(), value)
            })
            .collect();
        let session = json!({ "hparams": values, "status": status.as_str_name() });
        if self.sessions.insert(run.to_owned(), session).is_some() {
            panic!("manifest: run {run:?} already expects a session");
        }
        self
    }

    /// The manifest as the JSON document `check_logdir.py` reads.
    pub fn to_json(&self) -> Value {
        let runs: Map<String, Value> = self
            .runs
            .iter()
            .map(|(name, run)| (name.clone(), run.to_json()))
            .collect();
        if self.sessions.is_empty() {
            // Left out means "no sessions", the same as an empty object.
            return json!({ "runs": runs });
        }
        let sessions: Map<String, Value> = self.sessions.clone().into_iter().collect();
        json!({ "runs": runs, "hparams": sessions })
    }
}

impl RunManifest {
    /// Expects scalar `tag` at `step` with `value` as TensorBoard stores it (float32).
    /// Non-finite values are allowed (NaN matches NaN).
    pub fn scalar(&mut self, tag: &str, step: i64, value: impl Into<f64>) -> &mut Self {
        let value = value.into();
        insert_point(&self.name, "scalar", &mut self.scalars, tag, step, value);
        self
    }

    /// Expects one PNG image of `width` x `height` pixels for `tag` at `step`.
    pub fn image(&mut self, tag: &str, step: i64, width: u32, height: u32) -> &mut Self {
        insert_point(
            &self.name,
            "image",
            &mut self.images,
            tag,
            step,
            (width, height),
        );
        self
    }

    /// Expects text for `tag` at `step` whose rendered HTML contains every one of
    /// `contains` (Markdown tables render as `<table>`, cells as `<td>12</td>`).
    pub fn text(&mut self, tag: &str, step: i64, contains: &[&str]) -> &mut Self {
        let contains = contains.iter().map(|s| (*s).to_owned()).collect();
        insert_point(&self.name, "text", &mut self.text, tag, step, contains);
        self
    }

    /// Expects the PR curve `curve` for `tag` at `step` in the PR Curves tab, served
    /// by its plugin's route as TensorBoard serves it (float32 values, trailing
    /// thresholds where TP + FP = 0 trimmed).
    pub fn pr_curve(&mut self, tag: &str, step: i64, curve: &PrCurve) -> &mut Self {
        let row = |values: &[f64]| Value::Array(values.iter().map(|&v| float_json(v)).collect());
        let point = json!({
            "step": step,
            "tp": row(&curve.true_positives),
            "fp": row(&curve.false_positives),
            "tn": row(&curve.true_negatives),
            "fn": row(&curve.false_negatives),
            "precision": row(&curve.precision),
            "recall": row(&curve.recall),
        });
        insert_point(
            &self.name,
            "PR curve",
            &mut self.pr_curves,
            tag,
            step,
            point,
        );
        self
    }

    fn to_json(&self) -> Value {
        let mut plugins = Map::new();
        // An omitted plugin means "no tags of it", the same as an empty one.
        if !self.scalars.is_empty() {
            plugins.insert(
                "scalars".into(),
                tags_json(&self.scalars, |step, &value| {
                    json!([step, float_json(value)])
                }),
            );
        }
        if !self.images.is_empty() {
            plugins.insert("images".into(), tags_json(&self.images, |step, &(width, height)| {
                json!({ "step": step, "width": width, "height": height })
            }));
        }
        if !self.text.is_empty() {
            plugins.insert(
                "text".into(),
                tags_json(
                    &self.text,
                    |step, contains| json!({ "step": step, "contains": contains }),
                ),
            );
        }
        if !self.pr_curves.is_empty() {
            plugins.insert(
                "pr_curves".into(),
                tags_json(&self.pr_curves, |_, point| point.clone()),
            );
        }
        Value::Object(plugins)
    }
}

/// A second point at the same step would be ambiguous (the loaders disagree on which
/// one they keep), so the manifest refuses it where the test writes it.
fn insert_point<T>(
    run: &str,
    kind: &str,
    tags: &mut BTreeMap<String, BTreeMap<i64, T>>,
    tag: &str,
    step: i64,
    point: T,
) {
    match tags.entry(tag.to_owned()).or_default().entry(step) {
        Entry::Vacant(slot) => {
            slot.insert(point);
        }
        Entry::Occupied(_) => {
            panic!("manifest: run {run:?} already expects a {kind} for tag {tag:?} at step {step}")
        }
    }
}

fn tags_json<T>(
    tags: &BTreeMap<String, BTreeMap<i64, T>>,
    point_json: impl Fn(i64, &T) -> Value,
) -> Value {
    let tags: Map<String, Value> = tags
        .iter()
        .map(|(tag, points)| {
            let points = points.iter().map(|(&step, point)| point_json(step, point));
            (tag.clone(), Value::Array(points.collect()))
        })
        .collect();
    Value::Object(tags)
}

/// JSON has no NaN or infinities; the checker reads these strings instead.
fn float_json(value: f64) -> Value {
    if value.is_nan() {
        json!("NaN")
    } else if value.is_infinite() {
        json!(if value > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        json!(value)
    }
}

/// The environment variable that turns the real-TensorBoard checks on (value `1`),
/// making them required; `bash scripts/test.sh` sets it.
pub const ENABLE_VAR: &str = "TBCONFUSION_TENSORBOARD";

/// Whether this test runs its real-TensorBoard checks: `true` when [`ENABLE_VAR`] is
/// `1`. Otherwise prints, on stderr and past the test's output capture, that the
/// calling test skips them and how to run them, and returns `false`.
///
/// Tests made only of such checks start with `if !tensorboard::enabled() { return; }`;
/// [`check_logdir`] asks by itself, so a test that checks other things first still
/// does those.
pub fn enabled() -> bool {
    match std::env::var(ENABLE_VAR) {
        Ok(value) if value == "1" => true,
        Ok(value) if !value.is_empty() && value != "0" => {
            panic!(
                "{ENABLE_VAR}={value:?}: set it to 1 to run the real-TensorBoard checks, or unset it"
            )
        }
        _ => {
            let thread = std::thread::current();
            let test = thread.name().unwrap_or("a test");
            // Straight to the stderr handle: `eprintln!` would be captured by the test
            // harness and shown only on failure.
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: {test}: skipped its real-TensorBoard checks; they run with \
                 `bash scripts/test.sh` (the README's test command), or with {ENABLE_VAR}=1"
            );
            false
        }
    }
}

/// Root of the harness scripts (`tests/tensorboard` in the repository).
fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tensorboard")
}

/// Where the venv goes unless `TBCONFUSION_VENV` says otherwise: `tbvenv` in the
/// target directory this test binary was built into (`<target>/debug/deps/<test>`),
/// so that it follows `CARGO_TARGET_DIR`.
fn default_venv() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.ancestors().find(|dir| dir.ends_with("deps"))?;
    Some(deps.parent()?.parent()?.join("tbvenv"))
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The venv's python, made (or found) by `setup_venv.sh` once per test process.
///
/// Panics with the script's output when the venv cannot be made. Call it only when
/// [`enabled`] says so.
pub fn venv_python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let python = PYTHON.get_or_init(|| {
        let script = harness_dir().join("setup_venv.sh");
        let mut command = Command::new("bash");
        command.arg(&script);
        if std::env::var_os("TBCONFUSION_VENV").is_none() {
            if let Some(venv) = default_venv() {
                command.env("TBCONFUSION_VENV", venv);
            }
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run bash {}: {e}", script.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        match stdout.lines().last() {
            Some(path) if output.status.success() => Ok(PathBuf::from(path.trim())),
            _ => Err(format!(
                "{} failed: {}",
                script.display(),
                describe(&output)
            )),
        }
    });
    match python {
        Ok(path) => path,
        Err(message) => panic!("TensorBoard venv unavailable: {message}"),
    }
}

/// Runs one of the harness's Python scripts with the venv's python (made if needed;
/// call it only when [`enabled`] says so).
pub fn run_harness_script(script: &str, args: &[&Path]) -> Output {
    let script = harness_dir().join(script);
    Command::new(venv_python())
        .arg(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()))
}

/// Checks that TensorBoard, with both loaders, shows exactly `manifest` for `logdir`,
/// and that `EventAccumulator` and tbparse list it too, when [`enabled`]; otherwise
/// returns at once, having said so.
///
/// Panics (failing the test) with the checker's full report when any check fails or
/// TensorBoard cannot be set up or started. Checks run one at a time per test
/// process: each starts two TensorBoard servers, and parallel ones on a small machine
/// only make each other slower.
pub fn check_logdir(logdir: &Path, manifest: &Manifest) {
    if !enabled() {
        return;
    }
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    let mut manifest_file = tempfile::Builder::new()
        .prefix("tbconfusion-manifest-")
        .suffix(".json")
        .tempfile()
        .expect("create a temporary manifest file");
    serde_json::to_writer_pretty(&mut manifest_file, &manifest.to_json())
        .expect("write the manifest");
    let output = run_harness_script("check_logdir.py", &[logdir, manifest_file.path()]);
    if !output.status.success() {
        panic!(
            "TensorBoard does not show what {} should contain: {}",
            logdir.display(),
            describe(&output)
        );
    }
    // Visible with --nocapture: proof of what was checked.
    print!("{}", String::from_utf8_lossy(&output.stdout));
}
