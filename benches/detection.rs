//! Detection matching speed: `DetectionMatrix::update_image` over the 300
//! images of the Ultralytics fixture (the data `benches/python/ultralytics_process_batch.py`
//! times Ultralytics' own `process_batch` on), per policy. Throughput is in
//! boxes (ground truth + detections) per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tbconfusion::confusion::detection::{
    BoundingBox, Detection, DetectionMatrix, GroundTruth, MatchOptions,
};

type Image = (Vec<GroundTruth>, Vec<Detection>);

fn fixture() -> (Vec<String>, Vec<Image>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ultralytics_detection_8.4.190.json"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture is readable"))
            .expect("fixture is JSON");
    let names = serde_json::from_value(json["names"].clone()).expect("names");
    let numbers = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|x| x.as_f64().expect("a number") as f32)
            .collect()
    };
    let images = json["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|image| {
            let rows = |key: &str| {
                image[key]
                    .as_array()
                    .expect("boxes")
                    .iter()
                    .map(numbers)
                    .collect::<Vec<_>>()
            };
            let truth = rows("ground_truth")
                .iter()
                .map(|v| GroundTruth::new(v[0] as usize, BoundingBox::xyxy(v[1], v[2], v[3], v[4])))
                .collect();
            let found = rows("detections")
                .iter()
                .map(|v| {
                    Detection::new(
                        v[0] as usize,
                        BoundingBox::xyxy(v[1], v[2], v[3], v[4]),
                        v[5],
                    )
                })
                .collect();
            (truth, found)
        })
        .collect();
    (names, images)
}

fn matching(c: &mut Criterion) {
    let (names, images) = fixture();
    let boxes: usize = images.iter().map(|(t, d)| t.len() + d.len()).sum();
    let mut group = c.benchmark_group("detection_matching");
    group.throughput(Throughput::Elements(boxes as u64));
    for (name, options) in [
        ("class_aware", MatchOptions::default()),
        ("ultralytics", MatchOptions::ultralytics()),
        ("ultralytics_by_score", MatchOptions::ultralytics_by_score()),
    ] {
        let mut cm = DetectionMatrix::new(names.clone(), options).expect("valid classes");
        group.bench_function(format!("{name}_300_images_{boxes}_boxes"), |b| {
            b.iter(|| {
                for (truth, found) in &images {
                    cm.update_image(black_box(truth), black_box(found))
                        .expect("valid boxes");
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
