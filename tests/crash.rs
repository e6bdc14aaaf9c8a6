//! Crash and fault tests: a child process logs and is killed with SIGKILL at
//! several points, or runs into a file-size limit (EFBIG, like a full disk).
//! Everything flushed before must read back, and the file may be damaged at
//! most by a truncated tail.
//!
//! Runs without the libtest harness (`harness = false`) because the same
//! binary is also the child: `TBCONFUSION_CHILD=log|fill <exe> <run dir>`.

#[path = "support/logdir.rs"]
mod logdir;
#[path = "support/tensorboard.rs"]
mod tensorboard;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use tbconfusion::event::{EventFileReader, SummaryWriter, WriteError, WriterOptions};
use tbconfusion::proto::event::What;

const CHILD: &str = "TBCONFUSION_CHILD";

/// Logs forever (bounded), printing `flushed <step>` after each flush.
fn child_log(run_dir: &Path) -> ExitCode {
    let opts = WriterOptions::default().flush_interval(std::time::Duration::from_millis(5));
    let Ok(w) = SummaryWriter::create_with(run_dir, opts) else {
        return ExitCode::from(4);
    };
    for step in 0..1_000_000i64 {
        let ok = w.add_scalar("loss", 1.0 / (step + 1) as f32, step).is_ok()
            && w.add_text("note", &format!("step {step}"), step).is_ok();
        if !ok {
            return ExitCode::from(5);
        }
        if step % 25 == 24 {
            if w.flush().is_err() {
                return ExitCode::from(6);
            }
            println!("flushed {step}");
        }
    }
    ExitCode::from(7) // the parent should have killed us long before
}

/// Logs until a write fails, then reports the error and the last flushed step.
fn child_fill(run_dir: &Path) -> ExitCode {
    let Ok(w) = SummaryWriter::create(run_dir) else {
        return ExitCode::from(4);
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
                return if again && close {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(8)
                };
            }
            Err(other) => {
                println!("unexpected error: {other}");
                return ExitCode::from(9);
            }
        }
    }
    ExitCode::from(10)
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

fn crash_at_several_points(exe: &Path, root: &Path) -> Result<(), String> {
    for (i, kill_after) in [0i64, 3, 40].into_iter().enumerate() {
        let run = root.join(format!("killed{i}"));
        let mut child = Command::new(exe)
            .env(CHILD, "log")
            .arg(&run)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut flushed = -1;
        let mut flushes = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(step) = line.strip_prefix("flushed ") {
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

fn write_error_surfaces(exe: &Path, root: &Path) -> Result<(), String> {
    let run = root.join("full");
    // A file-size limit makes write(2) fail with EFBIG, as a full disk fails
    // with ENOSPC; SIGXFSZ is ignored so the error reaches the writer.
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec \"{}\" \"{}\"",
        exe.display(),
        run.display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env(CHILD, "fill")
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
        .find_map(|l| l.strip_prefix("flushed "))
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

/// What survived the kills and the full disk is exactly what both
/// TensorBoard loaders show.
fn tensorboard_reads_what_survived(_exe: &Path, root: &Path) -> Result<(), String> {
    let points = logdir::read_points(root);
    if points.is_empty() {
        return Err("no data survived to check".into());
    }
    let manifest = logdir::manifest_of(&points);
    std::panic::catch_unwind(|| tensorboard::check_logdir(root, &manifest)).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "TensorBoard check failed".into())
    })?;
    println!(
        "tensorboard: {} values in {} runs served by both loaders",
        points.len(),
        logdir::event_files(root).len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Ok(mode) = std::env::var(CHILD) {
        let Some(dir) = args.get(1) else {
            return ExitCode::from(2);
        };
        return match mode.as_str() {
            "log" => child_log(Path::new(dir)),
            "fill" => child_fill(Path::new(dir)),
            _ => ExitCode::from(2),
        };
    }
    let exe: PathBuf = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot find the test executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let root = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("no temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tests: [(&str, fn(&Path, &Path) -> Result<(), String>); 3] = [
        ("crash_at_several_points", crash_at_several_points),
        ("write_error_surfaces", write_error_surfaces),
        (
            "tensorboard_reads_what_survived",
            tensorboard_reads_what_survived,
        ),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        match test(&exe, root.path()) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
