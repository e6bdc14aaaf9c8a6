//! `tbconfusion convert --gt-masks` on a generated street-scene-like data
//! set: 19 classes (as Cityscapes), 1024×512 8-bit label PNGs, ground
//! truth with an ignored (255) outline around every object, and two epochs
//! of predictions whose objects sit a few pixels off and sometimes get the
//! wrong class. Prints pixels per second (median of 5 runs, both epochs).
//! Peer: `benches/python/segmentation_bincount.py` on the same directories.
//!
//! `cargo bench -p tbconfusion-cli --bench segmentation`; writes the images
//! to `target/bench-data/seg/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WIDTH: usize = 1024;
const HEIGHT: usize = 512;
const IMAGES: u64 = 48;
const CLASSES: u64 = 19;
const IGNORED: u8 = 255;

/// A small deterministic generator (PCG-style LCG, high bits).
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One label map: horizontal bands (sky, building, vegetation, road) with
/// rectangular objects on top. `epoch` 0 is the ground truth (objects
/// outlined with the ignore index); later epochs move the band edges and
/// objects a little and mislabel some objects.
fn label_map(image: u64, epoch: u64) -> Vec<u8> {
    let mut shapes = Random(image * 7919 + 1);
    let mut noise = Random(image * 104_729 + epoch * 13 + 2);
    let bands = [10u8, 2, 8, 0];
    let jitter = |r: &mut Random| if epoch == 0 { 0 } else { r.below(7) as i64 - 3 };
    let mut map = vec![0u8; WIDTH * HEIGHT];
    for (y, row) in map.chunks_exact_mut(WIDTH).enumerate() {
        let edge_shift = if epoch == 0 { 0 } else { 6 };
        row.fill(bands[((y + edge_shift) * bands.len() / (HEIGHT + edge_shift)).min(3)]);
    }
    for _ in 0..14 {
        let (w, h) = (20 + shapes.below(180) as i64, 20 + shapes.below(120) as i64);
        let (x0, y0) = (
            shapes.below((WIDTH as i64 - w) as u64) as i64 + jitter(&mut noise),
            shapes.below((HEIGHT as i64 - h) as u64) as i64 + jitter(&mut noise),
        );
        let truth_class = shapes.below(CLASSES) as u8;
        let class = if epoch > 0 && noise.below(10) == 0 {
            noise.below(CLASSES) as u8
        } else {
            truth_class
        };
        for y in y0.max(0)..(y0 + h).min(HEIGHT as i64) {
            for x in x0.max(0)..(x0 + w).min(WIDTH as i64) {
                let outline = x == x0 || y == y0 || x == x0 + w - 1 || y == y0 + h - 1;
                map[y as usize * WIDTH + x as usize] = if epoch == 0 && outline {
                    IGNORED
                } else {
                    class
                };
            }
        }
    }
    map
}

fn write_png(path: &Path, map: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(path.parent().ok_or("no parent")?)?;
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, WIDTH as u32, HEIGHT as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(map)?;
    writer.finish()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/seg");
    for image in 0..IMAGES {
        let name = format!("city_{}/frame_{image:04}.png", image % 3);
        for epoch in 0..=2 {
            let dir = match epoch {
                0 => data.join("gt"),
                e => data.join(format!("pred/epoch_{e}")),
            };
            write_png(&dir.join(&name), &label_map(image, epoch))?;
        }
    }
    let classes = data.join("classes.txt");
    let names: Vec<String> = (0..CLASSES).map(|c| format!("class_{c}")).collect();
    std::fs::write(&classes, names.join("\n") + "\n")?;
    let exe = env!("CARGO_BIN_EXE_tbconfusion");
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        let logdir = tempfile::tempdir()?;
        let start = Instant::now();
        let status = Command::new(exe)
            .arg("convert")
            .args([data.join("pred/epoch_1"), data.join("pred/epoch_2")])
            .arg("--gt-masks")
            .arg(data.join("gt"))
            .arg("--labels")
            .arg(&classes)
            .arg("--logdir")
            .arg(logdir.path())
            .args(["--run", "seg", "--quiet"])
            .status()?;
        times.push(start.elapsed());
        if !status.success() {
            return Err(format!("convert failed: {status}").into());
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    let pixels = 2 * IMAGES * (WIDTH * HEIGHT) as u64;
    println!(
        "convert --gt-masks: 2 epochs x {IMAGES} images of {WIDTH}x{HEIGHT} ({pixels} pixels \
         counted, each with its ground truth) from {}: median {:.1} ms, {:.0} M pixels/s, 5 runs",
        data.display(),
        median.as_secs_f64() * 1e3,
        pixels as f64 / median.as_secs_f64() / 1e6,
    );
    Ok(())
}
