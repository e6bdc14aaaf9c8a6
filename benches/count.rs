//! Counting throughput of `ConfusionMatrix::update` (predictions per
//! second), for K = 10, 100, 1000, `u32` and `i64` labels, N = 10⁴ and 10⁷,
//! and a segmentation-like input with and without an ignore index.
//!
//! `update_from_scores` (argmax, plus the per-class score histograms behind
//! the PR curves) on probability and logit rows at K = 10 and 100.
//!
//! Compare with numpy's `np.bincount(t * k + p, minlength=k * k)` on the
//! same sizes (see the report of the `matrix` branch for the side-by-side).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tbconfusion::ConfusionMatrix;

/// Labels with ~70% correct predictions, like a trained model: the
/// diagonal dominates, which is the hard case for a single histogram.
fn labels(k: u64, n: usize) -> (Vec<u64>, Vec<u64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let t = next() % k;
            let p = if next() % 10 < 7 { t } else { next() % k };
            (t, p)
        })
        .unzip()
}

fn bench_update(c: &mut Criterion) {
    let mut group = c.benchmark_group("update");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(2));
    for n in [10_000usize, 10_000_000] {
        for k in [10u64, 100, 1000] {
            let (t, p) = labels(k, n);
            group.throughput(Throughput::Elements(n as u64));
            let t32: Vec<u32> = t.iter().map(|&x| x as u32).collect();
            let p32: Vec<u32> = p.iter().map(|&x| x as u32).collect();
            let mut cm = ConfusionMatrix::new(k as usize).unwrap_or_else(|e| panic!("{e}"));
            group.bench_function(BenchmarkId::new(format!("u32/k{k}"), n), |b| {
                b.iter(|| cm.update(black_box(&t32), black_box(&p32)))
            });
            drop((t32, p32));
            let t64: Vec<i64> = t.iter().map(|&x| x as i64).collect();
            let p64: Vec<i64> = p.iter().map(|&x| x as i64).collect();
            let mut cm = ConfusionMatrix::new(k as usize).unwrap_or_else(|e| panic!("{e}"));
            group.bench_function(BenchmarkId::new(format!("i64/k{k}"), n), |b| {
                b.iter(|| cm.update(black_box(&t64), black_box(&p64)))
            });
        }
    }
    group.finish();
}

/// Semantic segmentation: 21 classes (Pascal VOC), `u8` pixel labels, 5%
/// of the pixels marked 255 and skipped through `with_ignore_index`; the
/// same input with the 255s replaced by a class, counted plainly.
fn bench_ignore_index(c: &mut Criterion) {
    let mut group = c.benchmark_group("update_segmentation");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(2));
    let n = 4_000_000;
    let (t, p) = labels(21, n);
    let p: Vec<u8> = p.iter().map(|&x| x as u8).collect();
    let ignored: Vec<u8> = t
        .iter()
        .enumerate()
        .map(|(i, &x)| if i % 20 == 0 { 255 } else { x as u8 })
        .collect();
    let plain: Vec<u8> = t.iter().map(|&x| x as u8).collect();
    group.throughput(Throughput::Elements(n as u64));
    let mut cm = ConfusionMatrix::new(21)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_ignore_index(255);
    group.bench_function("u8/k21/ignore_index_255", |b| {
        b.iter(|| cm.update(black_box(&ignored), black_box(&p)))
    });
    let mut cm = ConfusionMatrix::new(21).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("u8/k21/no_ignore_index", |b| {
        b.iter(|| cm.update(black_box(&plain), black_box(&p)))
    });
    group.finish();
}

/// Score rows like a trained model's: the true class gets a higher logit.
/// Returns the labels, the logits and their softmax (probabilities).
fn score_rows(k: usize, n: usize) -> (Vec<u32>, Vec<f32>, Vec<f32>) {
    let (t, noise) = labels(k as u64, n * k);
    let t: Vec<u32> = t[..n].iter().map(|&x| x as u32).collect();
    let mut logits = Vec::with_capacity(n * k);
    for (i, &truth) in t.iter().enumerate() {
        for j in 0..k {
            let jitter = (noise[i * k + j] % 1000) as f32 / 250.0;
            logits.push(jitter + if j as u32 == truth { 2.0 } else { 0.0 });
        }
    }
    let mut probs = logits.clone();
    for row in probs.chunks_exact_mut(k) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = row
            .iter_mut()
            .map(|x| {
                *x = (*x - max).exp();
                *x
            })
            .sum();
        row.iter_mut().for_each(|x| *x /= sum);
    }
    (t, logits, probs)
}

fn bench_scores(c: &mut Criterion) {
    let mut group = c.benchmark_group("update_from_scores");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(3));
    for (k, n) in [(10usize, 1_000_000usize), (100, 100_000)] {
        let (t, logits, probs) = score_rows(k, n);
        group.throughput(Throughput::Elements(n as u64));
        for (name, scores) in [("probs", &probs), ("logits", &logits)] {
            let mut cm = ConfusionMatrix::new(k).unwrap_or_else(|e| panic!("{e}"));
            group.bench_function(BenchmarkId::new(format!("{name}/k{k}"), n), |b| {
                b.iter(|| cm.update_from_scores(black_box(&t), black_box(scores)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_update, bench_ignore_index, bench_scores);
criterion_main!(benches);
