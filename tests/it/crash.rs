//! Crash and fault tests: a child process logs and is killed with SIGKILL at
//! several points, or runs into a file-size limit (EFBIG, like a full disk).
//! Everything flushed before must read back, and the file may be damaged at
//! most by a truncated tail.
//!
//! The child is this test binary itself, run as
//! `TBCONFUSION_CHILD=log|fill TBCONFUSION_CHILD_DIR=<run dir> <exe> --exact crash::child_process`:
//! the test [`child_process`] is the child's entry point, and passes at once in a
//! normal run.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use tbconfusion::event::{EventFileReader, SummaryWriter, WriteError, WriterOptions};
use tbconfusion::hparams::HParams;
use tbconfusion::proto::HParamsStatus;
use tbconfusion::proto::event::What;
use tbconfusion_testkit::{logdir, tensorboard};

/// What the child does: `log` or `fill`.
const CHILD: &str = "TBCONFUSION_CHILD";
/// The child's run directory.
const CHILD_DIR: &str = "TBCONFUSION_CHILD_DIR";

/// The child processes' entry point: with [`CHILD`] set, runs that child and exits the
/// process with its status (libtest never reports on it); without, does nothing.
#[test]
fn child_process() {
    let Ok(mode) = std::env::var(CHILD) else {
        return;
    };
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        std::process::exit(2);
    };
    let code = match mode.as_str() {
        "log" => child_log(Path::new(&dir)),
        "fill" => child_fill(Path::new(&dir)),
        _ => 2,
    };
    std::process::exit(code);
}

/// This test binary, set up to run as the child `mode` logging into `run`.
/// `--nocapture` lets the child's lines reach the parent as it prints them; `--quiet`
/// keeps libtest's own output to a `running 1 test` line before them.
fn child_command(mode: &str, run: &Path) -> Result<Command, String> {
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find the test executable: {e}"))?;
    let mut command = Command::new(exe);
    command
        .args(["--exact", "crash::child_process", "--nocapture", "--quiet"])
        .env(CHILD, mode)
        .env(CHILD_DIR, run);
    Ok(command)
}

/// The step of a child's `flushed <step>` line.
fn flushed_step(line: &str) -> Option<&str> {
    line.strip_prefix("flushed ")
}

/// The hyperparameters the `log` child logs first: a killed run must still be
/// a row of the HParams tab.
fn child_hparams() -> HParams {
    HParams::new()
        .with("child", "log")
        .and_then(|h| h.with("flush_every", 25))
        .unwrap_or_default()
}

/// Logs forever (bounded), printing `flushed <step>` after each flush.
fn child_log(run_dir: &Path) -> i32 {
    let opts = WriterOptions::default().flush_interval(std::time::Duration::from_millis(5));
    let Ok(w) = SummaryWriter::create_with(run_dir, opts) else {
        return 4;
    };
    if w.add_hparams(&child_hparams()).is_err() {
        return 4;
    }
    for step in 0..1_000_000i64 {
        let ok = w.add_scalar("loss", 1.0 / (step + 1) as f32, step).is_ok()
            && w.add_text("note", &format!("step {step}"), step).is_ok();
        if !ok {
            return 5;
        }
        if step % 25 == 24 {
            if w.flush().is_err() {
                return 6;
            }
            println!("flushed {step}");
        }
    }
    7 // the parent should have killed us long before
}

/// Logs until a write fails, then reports the error and the last flushed step.
fn child_fill(run_dir: &Path) -> i32 {
    let Ok(w) = SummaryWriter::create(run_dir) else {
        return 4;
    };
    let mut flushed = -1;
    for step in 0..10_000_000i64 {
        let result = w
            .add_scalar("loss", step as f32, step)
            .and_then(|()| if step % 100 == 99 { w.flush() } else { Ok(()) });
        match result {
            Ok(()) if step % 100 == 99 => flushed = step,
            Ok(()) => {}
            Err(WriteError::Io { source, .. }) => {
                println!("io error: {source}");
                println!("flushed {flushed}");
                // Later calls keep reporting the error instead of panicking.
                let again = w.add_scalar("loss", 0.0, step + 1).is_err();
                let close = w.close().is_err();
                return if again && close { 0 } else { 8 };
            }
            Err(other) => {
                println!("unexpected error: {other}");
                return 9;
            }
        }
    }
    10
}

/// Steps per tag of every complete record; fails on anything but a truncated tail.
fn read_steps(run_dir: &Path) -> Result<BTreeMap<String, Vec<i64>>, String> {
    let mut steps: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for entry in std::fs::read_dir(run_dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let reader = EventFileReader::open(&path).map_err(|e| e.to_string())?;
        for item in reader {
            match item {
                Ok((_, event)) => {
                    if let Some(What::Summary(s)) = event.what {
                        for v in s.value {
                            steps.entry(v.tag).or_default().push(event.step);
                        }
                    }
                }
                Err(e) if e.is_truncation() => {}
                Err(e) => {
                    return Err(format!(
                        "{}: damaged beyond a truncated tail: {e}",
                        path.display()
                    ));
                }
            }
        }
    }
    Ok(steps)
}

fn kill_at_several_points(root: &Path) -> Result<(), String> {
    for (i, kill_after) in [0i64, 3, 40].into_iter().enumerate() {
        let run = root.join(format!("killed{i}"));
        let mut child = child_command("log", &run)?
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut flushed = -1;
        let mut flushes = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(step) = flushed_step(&line) {
                flushed = step.parse::<i64>().map_err(|e| e.to_string())?;
                if flushes == kill_after {
                    break;
                }
                flushes += 1;
            }
        }
        child.kill().map_err(|e| e.to_string())?; // SIGKILL on Unix
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            return Err(format!("child {i} was not killed: {status}"));
        }
        let steps = read_steps(&run)?;
        for tag in ["loss", "note"] {
            let got = steps.get(tag).cloned().unwrap_or_default();
            // Everything up to the last flush, in order, maybe more after it.
            let expect: Vec<i64> = (0..got.len() as i64).collect();
            if got != expect || (got.len() as i64) <= flushed {
                return Err(format!(
                    "run {i} tag {tag}: flushed through step {flushed}, read {} steps: {:?}…",
                    got.len(),
                    &got[..got.len().min(10)]
                ));
            }
        }
        println!(
            "crash {i}: killed after step {flushed} was flushed; {} steps read back",
            steps["loss"].len()
        );
    }
    Ok(())
}

fn fill_until_a_write_fails(root: &Path) -> Result<(), String> {
    let run = root.join("full");
    // A file-size limit makes write(2) fail with EFBIG, as a full disk fails
    // with ENOSPC; SIGXFSZ is ignored so the error reaches the writer.
    let child = child_command("fill", &run)?;
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 64; exec \"$0\" \"$@\"")
        .arg(child.get_program())
        .args(child.get_args())
        .envs(child.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !stdout.contains("io error") {
        return Err(format!(
            "child did not report the write error cleanly ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let flushed: i64 = stdout
        .lines()
        .find_map(flushed_step)
        .and_then(|s| s.parse().ok())
        .ok_or("no flushed line")?;
    let steps = read_steps(&run)?;
    let got = steps.get("loss").cloned().unwrap_or_default();
    let expect: Vec<i64> = (0..got.len() as i64).collect();
    if flushed < 99 || got != expect || (got.len() as i64) <= flushed {
        return Err(format!(
            "after the error: flushed {flushed}, read {} steps",
            got.len()
        ));
    }
    println!(
        "fault: write failed after {} readable steps; error reported, no panic",
        got.len()
    );
    Ok(())
}

#[test]
fn crash_at_several_points() {
    let root = tempfile::tempdir().unwrap();
    kill_at_several_points(root.path()).unwrap();
}

#[test]
fn write_error_surfaces() {
    let root = tempfile::tempdir().unwrap();
    fill_until_a_write_fails(root.path()).unwrap();
}

/// What survived the kills and the full disk is exactly what both
/// TensorBoard loaders show.
#[test]
fn tensorboard_reads_what_survived() {
    if !tensorboard::enabled() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    kill_at_several_points(root).unwrap();
    fill_until_a_write_fails(root).unwrap();
    let points = logdir::read_points(root);
    assert!(!points.is_empty(), "no data survived to check");
    let mut manifest = logdir::manifest_of(&points);
    // Killed before closing: listed in the HParams tab all the same, with the
    // metrics that reached the file and no end (status unknown).
    for i in 0..3 {
        manifest.session(
            &format!("killed{i}"),
            &child_hparams(),
            HParamsStatus::StatusUnknown,
        );
    }
    tensorboard::check_logdir(root, &manifest);
    println!(
        "tensorboard: {} values in {} runs served by both loaders",
        points.len(),
        logdir::event_files(root).len()
    );
}
