//! Render and PNG-encode times for the confusion-matrix image at K = 10 (annotated), 100 and
//! 1000 (heatmaps), on random-looking 70%-accurate matrices. PNG sizes are printed once.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tbconfusion::confusion::{
    ConfusionMatrix, RenderOptions, default_title, encode_png, render_rgb,
};

fn matrix(k: usize, seed: u64) -> ConfusionMatrix {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let per_row = 1000u64;
    let mut counts = vec![0u64; k * k];
    for t in 0..k {
        counts[t * k + t] = 700;
        let mut rest = per_row - 700;
        while rest > 0 {
            let p = (t + 1 + (next() % (k as u64 - 1).min(4)) as usize) % k;
            let take = (next() % 5 + 1).min(rest);
            counts[t * k + p] += take;
            rest -= take;
        }
    }
    let mut cm = ConfusionMatrix::from_counts(k, counts).expect("valid counts");
    cm.set_class_names((0..k).map(|i| format!("class_{i}")))
        .expect("k names");
    cm
}

fn bench(c: &mut Criterion) {
    for k in [10usize, 100, 1000] {
        let cm = matrix(k, k as u64);
        let opts = RenderOptions::default();
        let title = default_title("val/cm", 12_000, &cm, &opts);
        let img = render_rgb(&cm, &title, &opts).expect("renders");
        let png = encode_png(&img).expect("encodes");
        eprintln!(
            "K={k}: {}×{} px, PNG {} bytes",
            img.width,
            img.height,
            png.bytes().len()
        );
        c.bench_function(&format!("render K={k}"), |b| {
            b.iter(|| render_rgb(black_box(&cm), &title, &opts))
        });
        c.bench_function(&format!("encode K={k}"), |b| {
            b.iter(|| encode_png(black_box(&img)))
        });
    }
}

/// The realistic sets of issue #10 under the default options (which cluster the classes and,
/// at K = 1000, sum blocks of four): one image drawn from scratch, clustering included.
fn realistic(c: &mut Criterion) {
    use tbconfusion_testkit::realistic;
    for (name, data) in [
        ("long-tailed K=1000", realistic::long_tailed_1000()),
        ("balanced K=100", realistic::balanced_100()),
    ] {
        let mut cm = ConfusionMatrix::from_counts(data.classes, data.counts).expect("valid");
        cm.set_class_names(data.names).expect("k names");
        let opts = RenderOptions::default();
        let title = default_title("val/cm", 12_000, &cm, &opts);
        c.bench_function(&format!("render {name}"), |b| {
            b.iter(|| render_rgb(black_box(&cm), &title, &opts))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench, realistic
}
criterion_main!(benches);
