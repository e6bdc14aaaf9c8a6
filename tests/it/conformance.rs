//! What real TensorBoard (2.21.0, both loaders) shows of files this crate
//! writes: every run, tag, step, scalar value, decoded PNG and text.

use std::path::Path;

use tbconfusion::confusion::PrCurve;
use tbconfusion::confusion::logging::{confusion_values, confusion_values_since};
use tbconfusion::confusion::pr_curve::PR_CURVES_PLUGIN;
use tbconfusion::confusion::{ConfusionOptions, Metrics, ZeroDivision};
use tbconfusion::event::{SummaryWriter, WallTime, WriterOptions};
use tbconfusion::proto::summary::value::Value as ValueKind;
use tbconfusion::{ConfusionMatrix, Normalization, summary};
use tbconfusion_testkit::png;
use tbconfusion_testkit::tensorboard::{Manifest, check_logdir};

/// Scalars, images, text and tensors from the plain writer, in several runs:
/// nested, back-filled, multi-threaded, staged, and the logdir itself.
#[test]
fn plain_summaries_in_both_loaders() {
    let logdir = tempfile::tempdir().unwrap();
    let root = logdir.path();
    let mut manifest = Manifest::new();

    let train = SummaryWriter::create(root.join("train")).unwrap();
    let run = manifest.run("train");
    for step in 0..7i64 {
        let loss = 1.0 / (step as f32 + 1.0);
        train.add_scalar("loss", loss, step).unwrap();
        run.scalar("loss", step, loss);
        train
            .add_text(
                "notes",
                &format!("| step | loss |\n|---|---|\n| {step} | {loss} |"),
                step,
            )
            .unwrap();
        run.text("notes", step, &["<table>", &format!("<td>{step}</td>")]);
        let (w, h) = (20 + step as u32, 10 + 2 * step as u32);
        train
            .add_image("pictures/stripes", png(w, h), step)
            .unwrap();
        run.image("pictures/stripes", step, w, h);
        // A tensor under our own plugin must not disturb anything else.
        let counts = summary::int64_tensor(&[2, 2], vec![step, 1, 2, 3]);
        train
            .add_tensor("raw", counts, "tbconfusion", b"{}".to_vec(), step)
            .unwrap();
    }
    train.close().unwrap();

    let backfill = SummaryWriter::create(root.join("exp/val")).unwrap();
    let run = manifest.run("exp/val");
    for step in [3i64, 10, 1_000_000_000_000] {
        let t = WallTime::new(1_600_000_000.0 + step as f64 / 1e6).unwrap();
        backfill.at(t).add_scalar("accuracy", 0.25, step).unwrap();
        run.scalar("accuracy", step, 0.25f32);
    }
    backfill.close().unwrap();

    let threads = SummaryWriter::create(root.join("threads")).unwrap();
    std::thread::scope(|s| {
        for t in 0..3 {
            let w = threads.clone();
            s.spawn(move || {
                for step in 0..200i64 {
                    w.add_scalar(&format!("worker{t}"), (t * 1000) as f32 + step as f32, step)
                        .unwrap();
                }
            });
        }
    });
    threads.close().unwrap();
    for t in 0..3 {
        for step in 0..200i64 {
            manifest.run("threads").scalar(
                &format!("worker{t}"),
                step,
                (t * 1000) as f32 + step as f32,
            );
        }
    }

    let staged =
        SummaryWriter::create_with(root.join("staged"), WriterOptions::default().staged(true))
            .unwrap();
    staged.add_scalar("x", -3.5, 1).unwrap();
    staged.close().unwrap();
    manifest.run("staged").scalar("x", 1, -3.5f32);

    // An abandoned staged writer leaves nothing TensorBoard would show.
    let abandoned = SummaryWriter::create_with(
        root.join("abandoned"),
        WriterOptions::default().staged(true),
    )
    .unwrap();
    abandoned.add_scalar("x", 1.0, 1).unwrap();
    drop(abandoned);

    let top = SummaryWriter::create(root).unwrap();
    top.add_scalar("top_level", 9.0, 0).unwrap();
    top.close().unwrap();
    manifest.run(".").scalar("top_level", 0, 9.0f32);

    check_logdir(root, &manifest);
}

/// Expectation for one `add_confusion_matrix` call, computed from the same
/// values the writer logs: image sizes and which scalars are defined. From
/// a tag's second step on (`previous`: the matrix and step logged before),
/// that includes the `T/delta` image.
fn expect_bundle(
    manifest: &mut Manifest,
    run: &str,
    tag: &str,
    (cm, step): (&ConfusionMatrix, i64),
    previous: Option<(&ConfusionMatrix, i64)>,
    opts: &ConfusionOptions,
) -> Vec<(String, f32)> {
    let r = manifest.run(run);
    let mut scalars = Vec::new();
    let values = match previous {
        Some((before, then)) => confusion_values_since(tag, cm, step, before, then, opts),
        None => confusion_values(tag, cm, step, opts),
    };
    for v in values.unwrap() {
        let plugin = v
            .metadata
            .as_ref()
            .and_then(|m| m.plugin_data.as_ref())
            .map(|p| p.plugin_name.clone());
        match v.value {
            Some(ValueKind::Tensor(t)) if plugin.as_deref() == Some(PR_CURVES_PLUGIN) => {
                r.pr_curve(&v.tag, step, &PrCurve::from_tensor(&t).unwrap());
            }
            Some(ValueKind::Image(image)) => {
                let n = |size: i32| u32::try_from(size).unwrap();
                r.image(&v.tag, step, n(image.width), n(image.height));
            }
            Some(ValueKind::SimpleValue(x)) => {
                r.scalar(&v.tag, step, x);
                scalars.push((v.tag.clone(), x));
            }
            _ => {}
        }
    }
    let names = cm.class_names();
    r.text(
        &format!("{tag}/table"),
        step,
        &["<table>", &names[0], &names[names.len() - 1]],
    );
    scalars
}

/// Matrices counted from scores also log a PR curve per class (PR Curves
/// tab, through the plugin's own route) and average precisions, at every
/// step; a class without samples has a curve but no AP.
#[test]
fn pr_curves_in_both_loaders() {
    let logdir = tempfile::tempdir().unwrap();
    let root = logdir.path();
    let mut manifest = Manifest::new();
    let classes = ["cat", "dog", "bird", "fish"];
    let opts = ConfusionOptions::default();
    for (run, logits) in [("probabilities", false), ("logits", true)] {
        let w = SummaryWriter::create(root.join(run)).unwrap();
        let mut cm = ConfusionMatrix::with_class_names(classes).unwrap();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut previous: Option<(ConfusionMatrix, i64)> = None;
        for step in 0..3i64 {
            // "fish" is never the true class.
            let y_true: Vec<u32> = (0..60).map(|_| rng.u32(..3)).collect();
            let mut scores = Vec::new();
            for &t in &y_true {
                let mut row: Vec<f32> = (0..4)
                    .map(|c| rng.f32() * 2.0 + f32::from(c == t) * (step as f32 + 0.5))
                    .collect();
                if !logits {
                    let sum: f32 = row.iter().map(|x| x.exp()).sum();
                    row = row.iter().map(|x| x.exp() / sum).collect();
                }
                scores.extend(row);
            }
            cm.update_from_scores(&y_true, &scores).unwrap();
            w.add_confusion_matrix("cm", &cm, step, &opts).unwrap();
            let before = previous.as_ref().map(|(m, s)| (m, *s));
            let scalars = expect_bundle(&mut manifest, run, "cm", (&cm, step), before, &opts);
            previous = Some((cm.clone(), step));
            assert!(scalars.iter().any(|(t, _)| t == "cm/map"));
            assert!(scalars.iter().any(|(t, _)| t == "cm/ap/bird"));
            assert!(
                !scalars.iter().any(|(t, _)| t == "cm/ap/fish"),
                "undefined: left out"
            );
        }
        w.close().unwrap();
    }
    check_logdir(root, &manifest);
}

#[test]
fn confusion_bundles_in_both_loaders() {
    let logdir = tempfile::tempdir().unwrap();
    let root = logdir.path();
    let mut manifest = Manifest::new();

    // Three named classes; "bird" is never predicted, so its precision is
    // undefined and must be absent, not NaN.
    let w = SummaryWriter::create(root.join("small")).unwrap();
    let opts = ConfusionOptions::default();
    let mut previous: Option<(ConfusionMatrix, i64)> = None;
    for step in 0..4i64 {
        let mut cm = ConfusionMatrix::with_class_names(["cat", "dog", "bird"]).unwrap();
        let y_true = [0u32, 0, 1, 1, 1, 2, 2, 0];
        let y_pred = [0u32, 1, 1, 1, (step % 2) as u32, 0, 1, 0];
        cm.update(&y_true, &y_pred).unwrap();
        let m = Metrics::compute(&cm, ZeroDivision::Nan);
        assert!(m.per_class[2].precision.is_nan());
        w.add_confusion_matrix("cm", &cm, step, &opts).unwrap();
        let before = previous.as_ref().map(|(m, s)| (m, *s));
        let scalars = expect_bundle(&mut manifest, "small", "cm", (&cm, step), before, &opts);
        let accuracy = (0..3).map(|c| cm.count(c, c)).sum::<u64>() as f32 / cm.total() as f32;
        assert!(scalars.contains(&("cm/accuracy".to_owned(), accuracy)));
        assert!(scalars.iter().any(|(t, _)| t == "cm/recall/bird"));
        assert!(
            !scalars.iter().any(|(t, _)| t == "cm/precision/bird"),
            "undefined: left out"
        );
        previous = Some((cm, step));
    }
    w.close().unwrap();

    // Ten and forty classes, normalised and in errors mode; forty adds the
    // top-confused sub-matrix.
    let w = SummaryWriter::create(root.join("large")).unwrap();
    for (k, step, norm) in [
        (10usize, 5i64, Normalization::True),
        (40, 6, Normalization::None),
    ] {
        let counts: Vec<u64> = (0..k * k)
            .map(|i| {
                if i / k == i % k {
                    50 + (i % 7) as u64
                } else {
                    ((i * 7919) % 13) as u64 / 6
                }
            })
            .collect();
        let cm = ConfusionMatrix::from_counts(k, counts).unwrap();
        let tag = format!("k{k}");
        let opts = ConfusionOptions::default()
            .render(tbconfusion::RenderOptions::default().normalization(norm));
        w.add_confusion_matrix(&tag, &cm, step, &opts).unwrap();
        expect_bundle(&mut manifest, "large", &tag, (&cm, step), None, &opts);
    }
    w.close().unwrap();

    check_logdir(root, &manifest);
    assert_runs_have_counts(root);
}

/// The counts tensors are not shown by any dashboard, but must be in the files.
fn assert_runs_have_counts(root: &Path) {
    use tbconfusion::event::EventFileReader;
    use tbconfusion::proto::event::What;
    let mut found = 0;
    for run in ["small", "large"] {
        for entry in std::fs::read_dir(root.join(run)).unwrap() {
            for item in EventFileReader::open(entry.unwrap().path()).unwrap() {
                if let (
                    _,
                    tbconfusion::proto::Event {
                        what: Some(What::Summary(s)),
                        ..
                    },
                ) = item.unwrap()
                {
                    found += s
                        .value
                        .iter()
                        .filter(|v| v.tag.ends_with("/counts"))
                        .count();
                }
            }
        }
    }
    assert_eq!(found, 6);
}

/// A matrix with more classes than the image may have pixels is drawn with blocks of
/// classes summed into one cell (issue #10), beside its sub-matrix, table, scalars and counts.
#[test]
fn oversized_matrices_are_drawn_in_blocks_with_everything_else() {
    let k = 500;
    let counts: Vec<u64> = (0..k * k)
        .map(|i| u64::from(i / k == i % k) * 3 + u64::from(i % 97 == 0))
        .collect();
    let cm = ConfusionMatrix::from_counts(k, counts).unwrap();
    let opts =
        ConfusionOptions::default().render(tbconfusion::RenderOptions::default().max_side_px(400));
    let tags: Vec<String> = confusion_values("big", &cm, 1, &opts)
        .unwrap()
        .into_iter()
        .map(|v| v.tag)
        .collect();
    for tag in [
        "big",
        "big/top_confused",
        "big/table",
        "big/accuracy",
        "big/counts",
    ] {
        assert!(tags.iter().any(|t| t == tag), "{tag} missing from {tags:?}");
    }
}
