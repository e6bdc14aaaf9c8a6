//! Renders sample confusion matrices to PNG files, to look at them: every
//! size tier (K = 2 to 1000), Greek, Cyrillic and long labels, an empty row,
//! errors mode with margins and colour bars, and a top-confused sub-matrix.
//! Each is also written scaled to 330 pixels wide (`*_330.png`), the width
//! of TensorBoard's image card, with the same nearest-pixel scaling.
//!
//! `cargo run --release --example render_samples -- [DIR]` (default `render-samples`).

use std::path::{Path, PathBuf};

use tbconfusion::confusion::{default_title, render_png, render_rgb, top_confused};
use tbconfusion::{ColorMode, ConfusionMatrix, Normalization, RenderOptions};

/// A matrix of `k` classes, `accuracy` correct, errors spread over a few
/// neighbouring classes as real models confuse them.
fn synthetic(
    k: usize,
    n: u64,
    accuracy: f64,
    seed: u64,
) -> Result<ConfusionMatrix, Box<dyn std::error::Error>> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let per_row = n / k as u64;
    let mut counts = vec![0u64; k * k];
    for t in 0..k {
        let correct = (per_row as f64 * accuracy) as u64;
        counts[t * k + t] = correct;
        let mut rest = per_row - correct;
        while rest > 0 && k > 1 {
            let p = (t + 1 + (next() % (k as u64 - 1).min(4)) as usize) % k;
            let take = (next() % 5 + 1).min(rest);
            counts[t * k + p] += take;
            rest -= take;
        }
    }
    Ok(ConfusionMatrix::from_counts(k, counts)?)
}

fn write(
    dir: &Path,
    name: &str,
    cm: &ConfusionMatrix,
    opts: &RenderOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    let title = default_title(&format!("val/{name}"), 12_000, cm, opts);
    let png = render_png(cm, &title, opts)?;
    std::fs::write(dir.join(format!("{name}.png")), png.bytes())?;
    // The card's view: scaled to 330 pixels wide by sampling, as the browser
    // does with `image-rendering: pixelated`.
    let img = render_rgb(cm, &title, opts)?;
    let (w, h) = (
        330u32,
        (img.height as u64 * 330 / img.width as u64).max(1) as u32,
    );
    let mut small = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (x * img.width / w, y * img.height / h);
            let i = (sy as usize * img.width as usize + sx as usize) * 3;
            small.extend_from_slice(&img.pixels[i..i + 3]);
        }
    }
    let file = std::fs::File::create(dir.join(format!("{name}_330.png")))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.write_header()?.write_image_data(&small)?;
    println!(
        "{name}: {}×{}, {} bytes",
        png.width(),
        png.height(),
        png.bytes().len()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "render-samples".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let greek = ["άλφα", "βήτα", "γάμμα", "δέλτα", "έψιλον"];
    let cyrillic = ["кошка", "собака", "лошадь", "корова", "овца"];
    for k in [2usize, 5, 10, 20, 50, 100, 1000] {
        let mut cm = synthetic(k, 1_000 * k as u64, 0.7, k as u64)?;
        let names: Vec<String> = (0..k)
            .map(|i| match i % 4 {
                0 => format!("class_{i}"),
                1 => format!("{}_{i}", greek[i % 5]),
                2 => format!("{}_{i}", cyrillic[i % 5]),
                _ => format!("a_very_long_descriptive_label_{i}_that_needs_ellipsizing"),
            })
            .collect();
        cm.set_class_names(names)?;
        write(&dir, &format!("k{k}"), &cm, &RenderOptions::default())?;
    }
    let cm = synthetic(10, 10_000, 0.95, 11)?;
    let mut counts = cm.counts().to_vec();
    counts[30..40].fill(0); // class 3 never occurs: "no support"
    let cm = ConfusionMatrix::from_counts(10, counts)?;
    let errors = RenderOptions::default()
        .normalization(Normalization::True)
        .color_mode(ColorMode::Errors)
        .margins(true)
        .colorbar(true);
    write(&dir, "k10_recall_margins_errors", &cm, &errors)?;
    write(
        &dir,
        "k10_counts_colorbar",
        &synthetic(10, 10_000, 0.7, 4)?,
        &RenderOptions::default().colorbar(true),
    )?;
    let big = synthetic(1000, 1_000_000, 0.7, 99)?;
    let recall = RenderOptions::default().normalization(Normalization::True);
    write(&dir, "k1000_top20", &top_confused(&big, 20), &recall)?;
    println!("written to {}", dir.display());
    Ok(())
}
