//! `convert` on segmentation label images: 8- and 16-bit grey, 8- and 4-bit
//! palette PNGs in nested directories, matrices and IoU checked by hand, and
//! sizes, missing counterparts and bad pixel values named with nothing
//! written.

use std::path::Path;

use png::{BitDepth, ColorType};

use tbconfusion::hparams::HParamValue;

use super::convert::{assert_fails_cleanly, convert_ok, dir_arg, export};

/// How a label image is stored.
#[derive(Clone, Copy)]
enum Format {
    Grey8,
    Grey16,
    Palette8,
    Palette4,
    Rgb8,
}

/// Writes `values` (row-major, `width` per row) as a PNG of `format`.
fn write_png(path: &Path, width: u32, values: &[u16], format: Format) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let height = values.len() as u32 / width;
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut encoder = png::Encoder::new(file, width, height);
    let (color, depth) = match format {
        Format::Grey8 => (ColorType::Grayscale, BitDepth::Eight),
        Format::Grey16 => (ColorType::Grayscale, BitDepth::Sixteen),
        Format::Palette8 => (ColorType::Indexed, BitDepth::Eight),
        Format::Palette4 => (ColorType::Indexed, BitDepth::Four),
        Format::Rgb8 => (ColorType::Rgb, BitDepth::Eight),
    };
    encoder.set_color(color);
    encoder.set_depth(depth);
    if matches!(format, Format::Palette8 | Format::Palette4) {
        // Colours unrelated to the indices: the index is the class.
        let palette: Vec<u8> = (0..16u8).flat_map(|i| [200 - i * 9, i * 13, 77]).collect();
        encoder.set_palette(palette);
    }
    let bytes: Vec<u8> = match format {
        Format::Grey8 | Format::Palette8 => values.iter().map(|&v| v as u8).collect(),
        Format::Grey16 => values.iter().flat_map(|&v| v.to_be_bytes()).collect(),
        Format::Rgb8 => values.iter().flat_map(|&v| [v as u8; 3]).collect(),
        Format::Palette4 => values
            .chunks(width as usize)
            .flat_map(|row| {
                row.chunks(2)
                    .map(|pair| ((pair[0] as u8) << 4) | pair.get(1).map_or(0, |&v| v as u8))
                    .collect::<Vec<_>>()
            })
            .collect(),
    };
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&bytes).unwrap();
    writer.finish().unwrap();
}

/// `road, car, sky, void` in `classes.txt`; ground truth `gt/a.png` (3×2,
/// 8-bit grey) and `gt/sub/b.png` (2×2, 16-bit grey), each with one ignored
/// pixel (255).
fn data_set(root: &Path) {
    std::fs::write(root.join("classes.txt"), "road\ncar\nsky\nvoid\n").unwrap();
    write_png(
        &root.join("gt/a.png"),
        3,
        &[0, 0, 1, 255, 2, 2],
        Format::Grey8,
    );
    write_png(
        &root.join("gt/sub/b.png"),
        2,
        &[1, 1, 2, 255],
        Format::Grey16,
    );
}

fn convert_args(root: &Path, inputs: &[&Path], logdir: &Path) -> Vec<String> {
    let mut args = vec!["convert".to_owned()];
    args.extend(inputs.iter().map(|p| dir_arg(p).to_owned()));
    for (flag, value) in [
        ("--gt-masks", root.join("gt")),
        ("--labels", root.join("classes.txt")),
        ("--logdir", logdir.to_owned()),
    ] {
        args.extend([flag.to_owned(), dir_arg(&value).to_owned()]);
    }
    args.extend(["--run".to_owned(), "seg".to_owned()]);
    args
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn label_images_per_epoch_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    data_set(root);
    let (epoch_1, epoch_2) = (root.join("pred/epoch_1"), root.join("pred/epoch_2"));
    write_png(
        &epoch_1.join("a.png"),
        3,
        &[0, 1, 1, 0, 2, 2],
        Format::Grey8,
    );
    write_png(
        &epoch_1.join("sub/b.png"),
        2,
        &[1, 0, 2, 2],
        Format::Palette8,
    );
    write_png(
        &epoch_2.join("a.png"),
        3,
        &[0, 0, 1, 0, 2, 2],
        Format::Palette4,
    );
    // The 7 sits on an ignored ground-truth pixel: skipped unchecked.
    write_png(&epoch_2.join("sub/b.png"), 2, &[1, 1, 1, 7], Format::Grey16);
    let logdir = root.join("runs");
    let mut args = convert_args(root, &[&epoch_2, &epoch_1], &logdir);
    args.extend(["--hparams".to_owned(), "backbone=unet,lr=0.001".to_owned()]);
    let out = convert_ok(&as_strs(&args), None);
    assert_eq!(
        super::hparams::logged_hparams(&logdir.join("seg")),
        [
            ("backbone".to_owned(), HParamValue::Text("unet".into())),
            ("lr".to_owned(), HParamValue::Number(0.001)),
        ]
    );
    assert!(
        out.contains("counted 20 pixels in 4 label images into 1 run, 2 steps, 4 classes"),
        "{out}"
    );
    let cell = |s: i64, t: &str, p: &str, c: u64| {
        (("seg".to_string(), s, t.to_string(), p.to_string()), c)
    };
    let expected = [
        // a: road→road, road→car, car→car, sky→sky ×2; b: car→car, car→road, sky→sky.
        cell(1, "road", "road", 1),
        cell(1, "road", "car", 1),
        cell(1, "car", "car", 2),
        cell(1, "car", "road", 1),
        cell(1, "sky", "sky", 3),
        // a: road→road ×2, car→car, sky→sky ×2; b: car→car ×2, sky→car.
        cell(2, "road", "road", 2),
        cell(2, "car", "car", 3),
        cell(2, "sky", "sky", 2),
        cell(2, "sky", "car", 1),
    ];
    let got = export(&logdir);
    let non_zero: Vec<_> = got.iter().filter(|(_, c)| **c > 0).collect();
    assert_eq!(non_zero.len(), expected.len(), "{got:?}");
    for (key, count) in expected {
        assert_eq!(got.get(&key), Some(&count), "{key:?} in {got:?}");
    }
    // Step 1: 6 of 8 pixels right; IoU road 1/3, car 2/4, sky 3/3; void is in
    // neither the ground truth nor the prediction, so it has no IoU and
    // stays out of the mean.
    let scalars: Vec<(String, i64, f32)> = tbconfusion_testkit::logdir::read_points(&logdir)
        .into_iter()
        .filter_map(|p| Some((p.tag, p.step, p.scalar?)))
        .collect();
    let at = |tag: &str, step: i64| {
        scalars
            .iter()
            .find(|(t, s, _)| t == tag && *s == step)
            .map(|(_, _, v)| *v)
    };
    let close = |tag: &str, step: i64, want: f64| {
        let got = at(tag, step).unwrap_or_else(|| panic!("no {tag} at {step}: {scalars:?}"));
        assert!(
            (f64::from(got) - want).abs() < 1e-6,
            "{tag}: {got} vs {want}"
        );
    };
    close("confusion_matrix/pixel_accuracy", 1, 6.0 / 8.0);
    close("confusion_matrix/iou/road", 1, 1.0 / 3.0);
    close("confusion_matrix/iou/car", 1, 0.5);
    close("confusion_matrix/iou/sky", 1, 1.0);
    close(
        "confusion_matrix/mean_iou",
        1,
        (1.0 / 3.0 + 0.5 + 1.0) / 3.0,
    );
    // Step 2: road 2/2, car 3/4, sky 2/3.
    close("confusion_matrix/pixel_accuracy", 2, 7.0 / 8.0);
    close(
        "confusion_matrix/mean_iou",
        2,
        (1.0 + 0.75 + 2.0 / 3.0) / 3.0,
    );
    assert_eq!(at("confusion_matrix/iou/void", 1), None);
    assert_eq!(at("confusion_matrix/accuracy", 1), None);
}

/// Epoch 1 is good; epoch 2 gets `broken` applied, and the command must
/// fail naming `needles` with no event file left.
fn fails_with(broken: impl FnOnce(&Path, &Path), needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    data_set(root);
    let (epoch_1, epoch_2) = (root.join("pred/epoch_1"), root.join("pred/epoch_2"));
    for epoch in [&epoch_1, &epoch_2] {
        write_png(&epoch.join("a.png"), 3, &[0, 0, 1, 0, 2, 2], Format::Grey8);
        write_png(&epoch.join("sub/b.png"), 2, &[1, 1, 2, 2], Format::Grey8);
    }
    broken(root, &epoch_2);
    let logdir = root.join("runs");
    let needles: Vec<String> = needles
        .iter()
        .map(|n| n.replace("ROOT", dir_arg(root)))
        .collect();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    assert_fails_cleanly(
        &as_strs(&convert_args(root, &[&epoch_1, &epoch_2], &logdir)),
        &logdir,
        None,
        &needles,
    );
}

#[test]
fn size_mismatch_is_named() {
    fails_with(
        |_, epoch| write_png(&epoch.join("a.png"), 2, &[0, 0, 1, 0, 2, 2], Format::Grey8),
        &[
            "ROOT/pred/epoch_2/a.png: 2×3 pixels",
            "ROOT/gt/a.png is 3×2",
        ],
    );
}

#[test]
fn missing_ground_truth_and_missing_prediction_are_named() {
    fails_with(
        |_, epoch| write_png(&epoch.join("c.png"), 1, &[0], Format::Grey8),
        &["ROOT/pred/epoch_2/c.png: no ground truth at ROOT/gt/c.png"],
    );
    fails_with(
        |_, epoch| std::fs::remove_file(epoch.join("sub/b.png")).unwrap(),
        &["ROOT/gt/sub/b.png: no prediction at ROOT/pred/epoch_2/sub/b.png"],
    );
}

#[test]
fn bad_values_name_the_file_and_pixel() {
    fails_with(
        |_, epoch| write_png(&epoch.join("a.png"), 3, &[0, 0, 1, 0, 4, 2], Format::Grey8),
        &["ROOT/pred/epoch_2/a.png: pixel (x 1, y 1) has value 4, expected a class in 0..4"],
    );
    // In the ground truth, 255 is fine but 254 is not.
    fails_with(
        |root, _| {
            write_png(
                &root.join("gt/sub/b.png"),
                2,
                &[1, 1, 254, 255],
                Format::Grey16,
            )
        },
        &[
            "ROOT/gt/sub/b.png: pixel (x 0, y 1) has value 254, expected a class in 0..4 or the \
             ignore index 255",
        ],
    );
    fails_with(
        |_, epoch| write_png(&epoch.join("a.png"), 3, &[0, 0, 1, 0, 2, 2], Format::Rgb8),
        &["ROOT/pred/epoch_2/a.png: a rgb 8-bit PNG; label images must be grayscale"],
    );
}
