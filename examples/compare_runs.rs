//! Writes three runs of one long-tailed task for `tbconfusion compare` to line up: a weak
//! `baseline`, a `tuned` run and a `large-model`, each logging its confusion matrix at
//! steps 1 to 20 as training improves it. Class frequencies are Zipf-like, errors fall among
//! related classes, and the names are in Latin, Arabic, Thai, CJK, Hangul, Cyrillic and Greek.
//!
//! `cargo run --release --example compare_runs -- LOGDIR [CLASSES]` (default 10 classes), then
//! `tbconfusion compare LOGDIR --steps 1,10,20 -o grid.png`.

use tbconfusion::confusion::ConfusionOptions;
use tbconfusion::{ConfusionMatrix, SummaryWriter};
use tbconfusion_testkit::realistic;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let logdir = args.next().ok_or("usage: compare_runs LOGDIR [CLASSES]")?;
    let classes: usize = match args.next() {
        Some(k) => k.parse().map_err(|e| format!("CLASSES {k:?}: {e}"))?,
        None => 10,
    };
    if classes < 2 {
        return Err("CLASSES must be at least 2".into());
    }
    let mut base = realistic::long_tailed(classes, 200 * classes as u64, 7);
    base.names[1] = format!("قطة_{}", 1);
    if classes > 3 {
        base.names[3] = format!("แมว_{}", 3);
    }
    let options = ConfusionOptions::default();
    for (run, quality) in [("baseline", 1.3), ("tuned", 1.0), ("large-model", 0.7)] {
        let writer = SummaryWriter::create(std::path::Path::new(&logdir).join(run))?;
        for step in 1..=20i64 {
            // Errors shrink from 1.5× to 0.75× the base rate over the 20 steps.
            let progress = 1.5 - 0.75 * (step - 1) as f64 / 19.0;
            let shape = realistic::with_error_scale(&base, quality * progress);
            let mut cm = ConfusionMatrix::from_counts(classes, shape.counts)?;
            cm.set_class_names(shape.names)?;
            writer.add_confusion_matrix("confusion_matrix", &cm, step, &options)?;
        }
        writer.close()?;
    }
    eprintln!(
        "wrote runs baseline, tuned and large-model ({classes} classes, steps 1–20) under {logdir}"
    );
    Ok(())
}
