//! `tbconfusion convert` on the job the Python baseline does: 20 steps of
//! 10,000 predictions each, K = 10 and K = 100, from one CSV file.
//! Peer: `benches/python/convert_baseline.py` on the same files.
//!
//! `cargo bench --bench convert`; writes the CSVs to `target/bench-data/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const STEPS: u64 = 20;
const PER_STEP: u64 = 10_000;

/// 70% correct, otherwise uniform; rows shuffled across steps is not needed:
/// the file lists steps in order, as training loops write them.
fn write_csv(path: &Path, k: u64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "step,y_true,y_pred")?;
    let mut state = k;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    for step in 0..STEPS {
        for _ in 0..PER_STEP {
            let t = next() % k;
            let p = if next() % 10 < 7 { t } else { next() % k };
            writeln!(out, "{step},{t},{p}")?;
        }
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&data)?;
    let exe = env!("CARGO_BIN_EXE_tbconfusion");
    for k in [10u64, 100] {
        let csv = data.join(format!("preds_k{k}.csv"));
        write_csv(&csv, k)?;
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..7 {
            let logdir = tempfile::tempdir()?;
            let start = Instant::now();
            let status = Command::new(exe)
                .args(["convert", "--quiet", "--logdir"])
                .arg(logdir.path())
                .arg(&csv)
                .status()?;
            times.push(start.elapsed());
            if !status.success() {
                return Err(format!("convert failed on {}: {status}", csv.display()).into());
            }
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "convert K={k}: {STEPS} steps x {PER_STEP} predictions from {}: median {:.1} ms ({:.2} ms per step), 7 runs",
            csv.display(),
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3 / STEPS as f64
        );
    }
    Ok(())
}
