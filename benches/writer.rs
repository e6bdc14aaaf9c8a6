//! Event writer throughput: scalars and images through the background
//! writer, and the cost of one `add_scalar` on the calling thread.
//!
//! `cargo bench --bench writer`; compare with
//! `python benches/python/tensorboardx_writer.py` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tbconfusion::confusion::render_png;
use tbconfusion::event::{SummaryWriter, WriterOptions};
use tbconfusion::{ConfusionMatrix, Png, RenderOptions};

fn scalars(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut group = c.benchmark_group("writer");
    const BATCH: u64 = 200_000;
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("scalars_sustained_200k_then_flush", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let w = SummaryWriter::create(dir.path().join("sustained")).expect("writer");
                let start = Instant::now();
                for step in 0..BATCH as i64 {
                    w.add_scalar("loss", step as f32, step).expect("add_scalar");
                }
                w.flush().expect("flush");
                total += start.elapsed();
                w.close().expect("close");
            }
            total
        })
    });
    group.throughput(Throughput::Elements(1));
    // One call on the caller's thread while the background thread drains.
    let w = SummaryWriter::create_with(
        dir.path().join("caller"),
        WriterOptions::default().max_pending_bytes(64 << 20),
    )
    .expect("writer");
    let mut step = 0i64;
    group.bench_function("add_scalar_caller_cost", |b| {
        b.iter(|| {
            step += 1;
            w.add_scalar("loss", step as f32, step).expect("add_scalar")
        })
    });
    w.close().expect("close");

    let png = sample_png();
    println!("image payload: {} bytes PNG", png.bytes().len());
    let w = SummaryWriter::create(dir.path().join("images")).expect("writer");
    let mut step = 0i64;
    group.bench_function("add_image_rendered_k10", |b| {
        b.iter(|| {
            step += 1;
            w.add_image("cm", png.clone(), step).expect("add_image")
        })
    });
    w.close().expect("close");
    group.finish();

    // Bytes per scalar event on disk (framing included), for the record.
    let w = SummaryWriter::create(dir.path().join("size")).expect("writer");
    for step in 0..10_000 {
        w.add_scalar("loss", step as f32, step).expect("add_scalar");
    }
    let before = std::fs::metadata(w.path()).map(|m| m.len()).unwrap_or(0);
    let path = w.close().expect("close");
    let after = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!(
        "bytes per scalar event (tag \"loss\", steps < 10,000): {:.1}",
        (after - before) as f64 / 10_000.0
    );
}

/// A rendered 10-class confusion matrix, the image this crate logs most.
fn sample_png() -> Png {
    let counts: Vec<u64> = (0..100u64)
        .map(|i| if i / 10 == i % 10 { 900 + i } else { i % 7 * 3 })
        .collect();
    let cm = ConfusionMatrix::from_counts(10, counts).expect("matrix");
    render_png(&cm, "val/cm · step 1", &RenderOptions::default()).expect("render")
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4));
    targets = scalars
}
criterion_main!(benches);
