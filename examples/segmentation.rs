//! Logging a segmentation matrix per epoch: label maps generated here (a
//! road, a car and the sky, with an unlabelled outline around the car), and
//! a "model" whose car boundary gets closer to the truth every epoch.
//!
//! `cargo run --example segmentation`, then
//! `tensorboard --logdir runs/segmentation --samples_per_plugin images=1000`:
//! the matrix, and `segmentation/pixel_accuracy`, `segmentation/mean_iou`
//! and `segmentation/iou/<class>` under Scalars.

use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};

const WIDTH: usize = 320;
const HEIGHT: usize = 160;
const IGNORED: u8 = 255;
const ROAD: u8 = 0;
const CAR: u8 = 1;
const SKY: u8 = 2;

/// The class of pixel (x, y) in a scene whose car is `grow` pixels larger
/// on every side than the true one; the true map (`grow` = 0) marks the
/// car's outline as unlabelled.
fn class_at(x: usize, y: usize, grow: i64, truth: bool) -> u8 {
    let (x, y) = (x as i64, y as i64);
    let (left, right, top, bottom) = (120 - grow, 200 + grow, 70 - grow, 120 + grow);
    let inside = (left..=right).contains(&x) && (top..=bottom).contains(&y);
    let on_outline = inside && (x == left || x == right || y == top || y == bottom);
    if truth && on_outline {
        IGNORED
    } else if inside {
        CAR
    } else if y < 60 {
        SKY
    } else {
        ROAD
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let writer = SummaryWriter::create("runs/segmentation/val")?;
    let options = ConfusionOptions::default();
    let truth: Vec<u8> = (0..WIDTH * HEIGHT)
        .map(|i| class_at(i % WIDTH, i / WIDTH, 0, true))
        .collect();
    for epoch in 0..5i64 {
        // Early epochs paint the car 16, 12, … pixels too large on each side.
        let grow = 16 - 4 * epoch;
        let predicted: Vec<u8> = (0..WIDTH * HEIGHT)
            .map(|i| class_at(i % WIDTH, i / WIDTH, grow, false))
            .collect();
        let mut cm = ConfusionMatrix::with_class_names(["road", "car", "sky"])?
            .with_ignore_index(i64::from(IGNORED));
        cm.update(&truth, &predicted)?;
        writer.add_segmentation_matrix("segmentation", &cm, epoch, &options)?;
    }
    writer.close()?;
    println!("tensorboard --logdir runs/segmentation --samples_per_plugin images=1000");
    Ok(())
}
