//! Files written by earlier versions of tbconfusion keep reading: scalars as
//! rank-0 `DT_FLOAT` tensors and images as `[width, height, png]` string
//! tensors under plugin metadata, which (like the text's) only a tag's first
//! value in the file carried. The file is built here with that encoding, next
//! to a run the current writer logs (`simple_value`, `Summary.Image`, text
//! metadata on every value), and `inspect`, `export` and the test harness's
//! reader must read both alike.

use std::path::Path;
use std::process::Command;

use prost::Message;
use tbconfusion::confusion::counts;
use tbconfusion::proto::event::What;
use tbconfusion::proto::summary::Value;
use tbconfusion::proto::summary::value::Value as ValueKind;
use tbconfusion::proto::tensor_shape_proto::Dim;
use tbconfusion::proto::{
    DataClass, DataType, Event, Summary, SummaryMetadata, TensorProto, TensorShapeProto,
};
use tbconfusion::summary::metadata;
use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};
use tbconfusion_testkit::logdir;

const STEPS: i64 = 3;

fn old_value(tag: &str, tensor: TensorProto, metadata: Option<SummaryMetadata>) -> Value {
    Value {
        node_name: String::new(),
        tag: tag.to_owned(),
        metadata,
        value: Some(ValueKind::Tensor(tensor)),
    }
}

fn shape(dims: &[i64]) -> Option<TensorShapeProto> {
    Some(TensorShapeProto {
        dim: dims
            .iter()
            .map(|&size| Dim {
                size,
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    })
}

fn matrix(step: i64) -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::with_class_names(["cat", "dog"]).unwrap();
    let extra = step as usize;
    let y_true: Vec<u8> = [0, 0, 1, 1].into_iter().chain(vec![1; extra]).collect();
    let y_pred: Vec<u8> = [0, 1, 1, 1].into_iter().chain(vec![0; extra]).collect();
    cm.update(&y_true, &y_pred).unwrap();
    cm
}

/// A run as tbconfusion wrote it before scalars and images took their
/// legacy forms: plain plugin metadata on the first value of a tag only.
fn write_old_run(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut records = Vec::new();
    let header = Event {
        wall_time: 1_700_000_000.0,
        step: 0,
        what: Some(What::FileVersion("brain.Event:2".into())),
        source_metadata: None,
    };
    tbconfusion::record::write_record(&mut records, &header.encode_to_vec()).unwrap();
    let png = tbconfusion_testkit::png(6, 4);
    for step in 0..STEPS {
        let first = step == 0;
        let plain = |plugin: &str, class: DataClass| first.then(|| metadata(plugin, vec![], class));
        let image = TensorProto {
            dtype: DataType::DtString as i32,
            tensor_shape: shape(&[3]),
            string_val: vec![b"6".to_vec(), b"4".to_vec(), png.bytes().to_vec()],
            ..Default::default()
        };
        let text = TensorProto {
            dtype: DataType::DtString as i32,
            tensor_shape: shape(&[]),
            string_val: vec![format!("| step |\n|---|\n| {step} |").into_bytes()],
            ..Default::default()
        };
        let scalar = TensorProto {
            dtype: DataType::DtFloat as i32,
            float_val: vec![0.25 * step as f32],
            ..Default::default()
        };
        let (counts_tensor, content) = counts::encode(&matrix(step));
        let values = vec![
            old_value("cm", image, plain("images", DataClass::BlobSequence)),
            old_value("cm/table", text, plain("text", DataClass::Tensor)),
            old_value("cm/accuracy", scalar, plain("scalars", DataClass::Scalar)),
            old_value(
                "cm/counts",
                counts_tensor,
                Some(metadata(counts::COUNTS_PLUGIN, content, DataClass::Tensor)),
            ),
        ];
        let event = Event {
            wall_time: 1_700_000_000.0 + step as f64,
            step,
            what: Some(What::Summary(Summary { value: values })),
            source_metadata: None,
        };
        tbconfusion::record::write_record(&mut records, &event.encode_to_vec()).unwrap();
    }
    std::fs::write(
        dir.join("events.out.tfevents.1700000000.earlier.1.0"),
        records,
    )
    .unwrap();
}

fn write_new_run(dir: &Path) {
    let writer = SummaryWriter::create(dir).unwrap();
    for step in 0..STEPS {
        writer
            .add_confusion_matrix("cm", &matrix(step), step, &ConfusionOptions::default())
            .unwrap();
    }
    writer.close().unwrap();
}

fn run_command(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_tbconfusion"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn inspect_export_and_the_harness_read_old_and_new_forms_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write_old_run(&root.join("old"));
    write_new_run(&root.join("new"));
    let logdir = root.to_str().unwrap();

    // inspect: the same plugin per tag in both runs, and nothing to report.
    let report: serde_json::Value =
        serde_json::from_slice(&run_command(&["inspect", logdir, "--json"])).unwrap();
    for run in ["old", "new"] {
        for (tag, plugin) in [
            ("cm", "images"),
            ("cm/table", "text"),
            ("cm/accuracy", "scalars"),
            ("cm/counts", counts::COUNTS_PLUGIN),
        ] {
            let found = report["tags"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["run"] == run && t["tag"] == tag)
                .unwrap_or_else(|| panic!("{run} {tag} in {report}"));
            assert_eq!(found["plugin"], plugin, "{run} {tag}");
            assert_eq!(found["values"], STEPS, "{run} {tag}");
            assert!(found["problems"].as_object().unwrap().is_empty(), "{found}");
        }
    }

    // export: the same counts from both runs.
    let exported: serde_json::Value =
        serde_json::from_slice(&run_command(&["export", logdir, "--format", "json"])).unwrap();
    let exported = exported.as_array().expect("a list of matrices");
    for run in ["old", "new"] {
        let counts: Vec<&serde_json::Value> = exported
            .iter()
            .filter(|m| m["run"] == run)
            .map(|m| &m["counts"])
            .collect();
        let want: Vec<serde_json::Value> = (0..STEPS)
            .map(|step| serde_json::json!([[1, 1], [step, 2]]))
            .collect();
        assert_eq!(counts, want.iter().collect::<Vec<_>>(), "run {run}");
    }

    // The harness's reader: the old form's values are the new form's kinds.
    let points = logdir::read_points(root);
    let old: Vec<_> = points.iter().filter(|p| p.run == "old").collect();
    let scalars: Vec<(i64, f32)> = old
        .iter()
        .filter(|p| p.tag == "cm/accuracy")
        .map(|p| (p.step, p.scalar.unwrap()))
        .collect();
    assert_eq!(scalars, [(0, 0.0), (1, 0.25), (2, 0.5)]);
    let images: Vec<_> = old.iter().filter_map(|p| p.image_size).collect();
    assert_eq!(images, [(6, 4); 3]);
    let texts: Vec<_> = old.iter().filter_map(|p| p.text.clone()).collect();
    assert_eq!(texts.len(), 3);
    assert!(texts[2].contains("| 2 |"), "{texts:?}");
    for (tag, kind) in [
        ("cm", "images"),
        ("cm/table", "text"),
        ("cm/accuracy", "scalars"),
    ] {
        let read = |run: &str| {
            points
                .iter()
                .filter(|p| p.run == run && p.tag == tag && p.plugin == kind)
                .count()
        };
        assert_eq!((read("old"), read("new")), (3, 3), "{tag}");
    }
}
