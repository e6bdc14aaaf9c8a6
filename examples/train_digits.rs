//! Trains a small neural network on real handwritten digits and logs, every
//! epoch, what tbconfusion is for: the confusion matrix (image, exact table,
//! metrics, raw counts), loss and accuracy for the `train` and `val` runs,
//! and for `val` a gallery of the most confused digits.
//!
//! ```text
//! cargo run --release --example train_digits -- --logdir runs/digits
//! pip install tensorboard
//! tensorboard --logdir runs/digits --samples_per_plugin images=1000
//! ```
//!
//! Options: `--logdir DIR` (default `runs/digits`), `--epochs N` (default 20),
//! `--lr F` (the initial learning rate, default 0.004), `--seed N`, `--no-log`
//! (train only, to measure what logging costs).
//!
//! Both runs carry the hyperparameters, so TensorBoard's HParams tab lists
//! them with their latest accuracy, macro F1 and loss. To compare settings,
//! give each its own directory under one logdir:
//!
//! ```text
//! for lr in 0.001 0.004 0.02; do
//!   cargo run --release --example train_digits -- --logdir runs/sweep/lr$lr --lr $lr
//! done
//! tensorboard --logdir runs/sweep
//! ```
//!
//! The model is a one-hidden-layer perceptron in plain Rust (no ML framework)
//! trained with SGD on the UCI optical digits (1,797 images of 8×8 pixels,
//! CC BY 4.0, see `examples/data/README.md`), 80% train / 20% validation.

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tbconfusion::{
    ConfusedExamples, ConfusionMatrix, ConfusionOptions, GalleryOptions, HParams, SummaryWriter,
    Thumbnail,
};

const SIDE: usize = 8;
const PIXELS: usize = SIDE * SIDE;
const CLASSES: usize = 10;
const HIDDEN: usize = 24;
/// How fast the learning rate decays: `lr / (1 + epoch * LR_DECAY)`.
const LR_DECAY: f64 = 0.05;

struct Args {
    logdir: PathBuf,
    epochs: usize,
    lr: f64,
    seed: u64,
    log: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        logdir: PathBuf::from("runs/digits"),
        epochs: 20,
        lr: 0.004,
        seed: 7,
        log: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--logdir" => args.logdir = PathBuf::from(value("--logdir")?),
            "--epochs" => {
                args.epochs = value("--epochs")?
                    .parse()
                    .map_err(|e| format!("--epochs: {e}"))?
            }
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--lr" => {
                args.lr = value("--lr")?
                    .parse()
                    .ok()
                    .filter(|lr: &f64| lr.is_finite() && *lr > 0.0)
                    .ok_or("--lr: expected a positive number")?
            }
            "--no-log" => args.log = false,
            "-h" | "--help" => {
                return Err(
                    "usage: train_digits [--logdir DIR] [--epochs N] [--lr F] [--seed N] [--no-log]".into(),
                );
            }
            other => return Err(format!("unknown option {other}; try --help")),
        }
    }
    Ok(args)
}

/// The digits: pixels scaled to 0..1 for the model, raw 0..16 for thumbnails.
struct Digits {
    pixels: Vec<[f32; PIXELS]>,
    raw: Vec<[u8; PIXELS]>,
    labels: Vec<usize>,
}

fn load_digits() -> Result<Digits, Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/digits.csv.gz");
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut digits = Digits {
        pixels: Vec::new(),
        raw: Vec::new(),
        labels: Vec::new(),
    };
    for (n, line) in BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .enumerate()
    {
        let line = line?;
        let values: Vec<u8> = line
            .split(',')
            .map(|v| v.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{path}, line {}: {e}", n + 1))?;
        if values.len() != PIXELS + 1 || values[PIXELS] as usize >= CLASSES {
            return Err(format!("{path}, line {}: expected 64 pixels and a digit", n + 1).into());
        }
        let mut raw = [0u8; PIXELS];
        raw.copy_from_slice(&values[..PIXELS]);
        digits.pixels.push(raw.map(|v| f32::from(v) / 16.0));
        digits.raw.push(raw);
        digits.labels.push(values[PIXELS] as usize);
    }
    Ok(digits)
}

/// SplitMix64: a tiny deterministic generator, enough for shuffling and init.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// 64 → HIDDEN (ReLU) → 10 (softmax).
struct Mlp {
    w1: Vec<f32>,
    b1: [f32; HIDDEN],
    w2: Vec<f32>,
    b2: [f32; CLASSES],
}

impl Mlp {
    fn new(rng: &mut Rng) -> Mlp {
        let mut init = |n: usize, fan_in: usize| {
            let scale = (2.0 / fan_in as f32).sqrt();
            (0..n)
                .map(|_| (rng.uniform() * 2.0 - 1.0) * scale)
                .collect::<Vec<f32>>()
        };
        Mlp {
            w1: init(PIXELS * HIDDEN, PIXELS),
            b1: [0.0; HIDDEN],
            w2: init(HIDDEN * CLASSES, HIDDEN),
            b2: [0.0; CLASSES],
        }
    }

    fn forward(&self, x: &[f32; PIXELS]) -> ([f32; HIDDEN], [f32; CLASSES]) {
        let mut h = self.b1;
        for (i, &xi) in x.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            for (hj, w) in h.iter_mut().zip(&self.w1[i * HIDDEN..(i + 1) * HIDDEN]) {
                *hj += xi * w;
            }
        }
        h.iter_mut().for_each(|v| *v = v.max(0.0));
        let mut logits = self.b2;
        for (j, &hj) in h.iter().enumerate() {
            for (lk, w) in logits
                .iter_mut()
                .zip(&self.w2[j * CLASSES..(j + 1) * CLASSES])
            {
                *lk += hj * w;
            }
        }
        let max = logits.iter().copied().fold(f32::MIN, f32::max);
        let mut probs = logits.map(|l| (l - max).exp());
        let sum: f32 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= sum);
        (h, probs)
    }

    /// One SGD step on one example; returns its cross-entropy loss.
    fn step(&mut self, x: &[f32; PIXELS], y: usize, lr: f32) -> f32 {
        let (h, probs) = self.forward(x);
        let mut d_logits = probs;
        d_logits[y] -= 1.0;
        let mut d_h = [0.0f32; HIDDEN];
        for (j, &hj) in h.iter().enumerate() {
            let row = &mut self.w2[j * CLASSES..(j + 1) * CLASSES];
            for (k, w) in row.iter_mut().enumerate() {
                d_h[j] += *w * d_logits[k];
                *w -= lr * hj * d_logits[k];
            }
        }
        for (b, d) in self.b2.iter_mut().zip(&d_logits) {
            *b -= lr * d;
        }
        for (j, d) in d_h.iter_mut().enumerate() {
            if h[j] <= 0.0 {
                *d = 0.0;
            }
            self.b1[j] -= lr * *d;
        }
        for (i, &xi) in x.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            for (w, d) in self.w1[i * HIDDEN..(i + 1) * HIDDEN].iter_mut().zip(&d_h) {
                *w -= lr * xi * d;
            }
        }
        -probs[y].max(1e-12).ln()
    }
}

/// Predictions on a split, the model's probabilities (one row of
/// `CLASSES` per sample, for the PR curves), and its mean loss.
fn evaluate(model: &Mlp, data: &Digits, split: &[usize]) -> (Vec<usize>, Vec<f32>, f32) {
    let mut loss = 0.0;
    let mut scores = Vec::with_capacity(split.len() * CLASSES);
    let preds = split
        .iter()
        .map(|&i| {
            let (_, probs) = model.forward(&data.pixels[i]);
            loss -= probs[data.labels[i]].max(1e-12).ln();
            scores.extend_from_slice(&probs);
            // Argmax; ties go to the lower digit, as in `update_from_scores`.
            (0..CLASSES).fold(0, |best, k| if probs[k] > probs[best] { k } else { best })
        })
        .collect();
    (preds, scores, loss / split.len() as f32)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let data = load_digits()?;
    let mut rng = Rng(args.seed);
    let mut order: Vec<usize> = (0..data.labels.len()).collect();
    rng.shuffle(&mut order);
    let (val, train) = order.split_at(data.labels.len() / 5);
    let (mut train, val) = (train.to_vec(), val.to_vec());
    let mut model = Mlp::new(&mut rng);

    let names: Vec<String> = (0..CLASSES).map(|d| d.to_string()).collect();
    let writers = if args.log {
        let hparams = HParams::new()
            .with("lr", args.lr)?
            .with("lr_decay", LR_DECAY)?
            .with("epochs", args.epochs)?
            .with("hidden_units", HIDDEN)?
            .with("seed", args.seed)?
            .with("optimizer", "sgd")?;
        let (train_w, val_w) = (
            SummaryWriter::create(args.logdir.join("train"))?,
            SummaryWriter::create(args.logdir.join("val"))?,
        );
        // Each run is a row of the HParams tab, with its own latest metrics.
        train_w.add_hparams(&hparams)?;
        val_w.add_hparams(&hparams)?;
        Some((train_w, val_w))
    } else {
        None
    };
    let options = ConfusionOptions::default();
    let gallery = GalleryOptions::default();
    let (mut train_time, mut log_time) = (Duration::ZERO, Duration::ZERO);
    let mut last_val_accuracy = 0.0;

    for epoch in 0..args.epochs {
        let started = Instant::now();
        rng.shuffle(&mut train);
        // A slowly decaying rate: early epochs are visibly confused.
        let lr = (args.lr / (1.0 + epoch as f64 * LR_DECAY)) as f32;
        let mut train_loss = 0.0;
        for &i in &train {
            train_loss += model.step(&data.pixels[i], data.labels[i], lr);
        }
        train_loss /= train.len() as f32;
        let (_, train_scores, _) = evaluate(&model, &data, &train);
        let (val_pred, val_scores, val_loss) = evaluate(&model, &data, &val);
        train_time += started.elapsed();

        let labels = |split: &[usize]| split.iter().map(|&i| data.labels[i]).collect::<Vec<_>>();
        let (train_true, val_true) = (labels(&train), labels(&val));
        let mut train_cm = ConfusionMatrix::with_class_names(names.clone())?;
        // Counting from the probabilities also fills the score histograms,
        // so each matrix logs a PR curve per digit (the PR Curves tab).
        train_cm.update_from_scores(&train_true, &train_scores)?;
        let mut val_cm = ConfusionMatrix::with_class_names(names.clone())?;
        val_cm.update_from_scores(&val_true, &val_scores)?;
        let accuracy = |cm: &ConfusionMatrix| {
            (0..CLASSES).map(|c| cm.count(c, c)).sum::<u64>() as f32 / cm.total() as f32
        };
        last_val_accuracy = accuracy(&val_cm);

        if let Some((train_w, val_w)) = &writers {
            let started = Instant::now();
            train_w.add_scalar("loss", train_loss, epoch)?;
            train_w.add_confusion_matrix("confusion_matrix", &train_cm, epoch, &options)?;
            val_w.add_scalar("loss", val_loss, epoch)?;
            val_w.add_confusion_matrix("confusion_matrix", &val_cm, epoch, &options)?;
            // Pixels are 0 (paper) to 16 (ink): draw dark ink on white.
            let examples = ConfusedExamples::new(&val_cm, &val_true, &val_pred, |n| {
                let ink = data.raw[val[n]].map(|v| 255 - (u16::from(v) * 16).min(255) as u8);
                Thumbnail::gray(SIDE as u32, SIDE as u32, ink.to_vec())
            });
            val_w.add_confusion_examples("confusion_matrix/examples", examples, epoch, &gallery)?;
            log_time += started.elapsed();
        }
        println!(
            "epoch {epoch:>3}: train loss {train_loss:.3} acc {:.3} | val loss {val_loss:.3} acc {:.3}",
            accuracy(&train_cm),
            last_val_accuracy
        );
    }
    if let Some((train_w, val_w)) = writers {
        let started = Instant::now();
        train_w.close()?;
        val_w.close()?;
        let close_time = started.elapsed();
        println!(
            "\ntrained {} epochs in {:.1} ms ({:.0} epochs/s); logging took {:.2} ms of the loop \
             ({:.3} ms per epoch; the calls wait only when epochs outrun the background rendering); \
             closing, which waits for the last images, {:.1} ms",
            args.epochs,
            train_time.as_secs_f64() * 1e3,
            args.epochs as f64 / train_time.as_secs_f64(),
            log_time.as_secs_f64() * 1e3,
            log_time.as_secs_f64() * 1e3 / args.epochs as f64,
            close_time.as_secs_f64() * 1e3
        );
        println!(
            "validation accuracy {last_val_accuracy:.3}. Look at it with:\n  pip install tensorboard\n  tensorboard --logdir {} --samples_per_plugin images=1000",
            args.logdir.display()
        );
    } else {
        println!(
            "\ntrained {} epochs in {:.1} ms ({:.0} epochs/s), nothing logged (--no-log)",
            args.epochs,
            train_time.as_secs_f64() * 1e3,
            args.epochs as f64 / train_time.as_secs_f64()
        );
    }
    Ok(())
}
