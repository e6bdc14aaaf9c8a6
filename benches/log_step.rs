//! The whole logged step, as the Python baseline measures it
//! (`../shared/bench/baseline_py.py`): N = 10,000 predictions, K = 10, 100
//! and 1000. Phases: counting, building the bundle (metrics, rendering, PNG
//! encoding, table, scalars, counts), the full step through to the file,
//! and what `add_confusion_matrix` costs the calling thread.
//!
//! `cargo bench --bench log_step`; ratios in BENCHMARKS.md.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group};
use tbconfusion::confusion::logging::{confusion_values, confusion_values_since};
use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};

const N: usize = 10_000;

/// 70% correct, otherwise uniform, like the baseline's `predictions`.
fn predictions(k: usize, seed: u64) -> (Vec<u32>, Vec<u32>) {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    let y_true: Vec<u32> = (0..N).map(|_| next() % k as u32).collect();
    let y_pred = y_true
        .iter()
        .map(|&t| {
            if next() % 10 < 7 {
                t
            } else {
                next() % k as u32
            }
        })
        .collect();
    (y_true, y_pred)
}

fn log_step(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = ConfusionOptions::default();
    let mut group = c.benchmark_group("log_step");
    for k in [10usize, 100, 1000] {
        let (y_true, y_pred) = predictions(k, k as u64);
        let mut cm = ConfusionMatrix::new(k).expect("matrix");
        cm.update(&y_true, &y_pred).expect("update");
        let sizes: Vec<usize> = confusion_values("cm", &cm, 1, &options)
            .expect("bundle")
            .iter()
            .filter(|v| !v.tag.contains('/'))
            .map(prost::Message::encoded_len)
            .collect();
        println!(
            "K={k}: image value {} bytes",
            sizes.first().copied().unwrap_or(0)
        );

        group.bench_with_input(BenchmarkId::new("count", k), &k, |b, &k| {
            b.iter(|| {
                let mut m = ConfusionMatrix::new(k).expect("matrix");
                m.update(&y_true, &y_pred).expect("update");
                m
            })
        });
        group.bench_with_input(BenchmarkId::new("bundle", k), &k, |b, _| {
            b.iter(|| confusion_values("cm", &cm, 1, &options).expect("bundle"))
        });
        // A later step of a training run: other predictions than the step before, so
        // `T/delta` has a change in most rows (the same matrix twice would draw a blank).
        let (earlier_true, earlier_pred) = predictions(k, k as u64 + 1);
        let mut earlier = ConfusionMatrix::new(k).expect("matrix");
        earlier
            .update(&earlier_true, &earlier_pred)
            .expect("update");
        group.bench_with_input(BenchmarkId::new("bundle_since", k), &k, |b, _| {
            b.iter(|| confusion_values_since("cm", &cm, 2, &earlier, 1, &options).expect("bundle"))
        });
        let writer = SummaryWriter::create(dir.path().join(format!("k{k}"))).expect("writer");
        let mut step = 0i64;
        group.bench_with_input(BenchmarkId::new("whole_step_to_file", k), &k, |b, &k| {
            b.iter(|| {
                step += 1;
                let mut m = ConfusionMatrix::new(k).expect("matrix");
                m.update(&y_true, &y_pred).expect("update");
                writer
                    .add_confusion_matrix("cm", &m, step, &options)
                    .expect("add");
                writer.flush().expect("flush");
            })
        });
        writer.close().expect("close");
    }
    group.finish();
}

/// What `add_confusion_matrix` costs the calling thread when the background
/// thread keeps up: each call is timed alone, then the writer is flushed
/// (untimed) so the next call never waits for rendering. Median of 60 calls.
fn caller_cost() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = ConfusionOptions::default();
    for k in [10usize, 100, 1000] {
        let (y_true, y_pred) = predictions(k, k as u64);
        let mut cm = ConfusionMatrix::new(k).expect("matrix");
        cm.update(&y_true, &y_pred).expect("update");
        let w = SummaryWriter::create(dir.path().join(format!("caller{k}"))).expect("writer");
        let mut times: Vec<Duration> = (0..60i64)
            .map(|step| {
                let start = Instant::now();
                w.add_confusion_matrix("cm", &cm, step, &options)
                    .expect("add");
                let spent = start.elapsed();
                w.flush().expect("flush");
                spent
            })
            .collect();
        w.close().expect("close");
        times.sort();
        println!(
            "log_step/caller_cost/{k}: median {:.1} µs per add_confusion_matrix call",
            times[30].as_secs_f64() * 1e6
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    targets = log_step
}
fn main() {
    caller_cost();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
