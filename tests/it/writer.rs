//! The event writer, read back through the crate's own reader.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tbconfusion::event::{
    EventFileReader, Step, SummaryWriter, WallTime, WriteError, WriterOptions,
};
use tbconfusion::proto::summary::value::Value as ValueKind;
use tbconfusion::proto::{Event, event::What};
use tbconfusion::summary;
use tbconfusion_testkit::png;

fn event_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .contains("tfevents")
        })
        .collect();
    files.sort();
    files
}

fn read_all(path: &Path) -> Vec<Event> {
    EventFileReader::open(path)
        .unwrap()
        .map(|r| r.unwrap().1)
        .collect()
}

#[test]
fn header_values_and_where_metadata_goes() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("train");
    let w = SummaryWriter::create(&run).unwrap();
    for step in 0..3 {
        w.add_scalar("loss", step as f32 * 0.5, step).unwrap();
        w.add_text("notes", &format!("step **{step}**"), step)
            .unwrap();
        w.add_image("cm", png(4, 2), step).unwrap();
    }
    let counts = summary::int64_tensor(&[2, 2], vec![3, 0, 1, 5]);
    w.add_tensor("raw", counts, "tbconfusion", b"{}".to_vec(), 9)
        .unwrap();
    let path = w.close().unwrap();
    assert_eq!(event_files(&run), vec![path.clone()]);

    let events = read_all(&path);
    assert_eq!(
        events[0].what,
        Some(What::FileVersion("brain.Event:2".into()))
    );
    assert!(
        events[0]
            .source_metadata
            .as_ref()
            .unwrap()
            .writer
            .starts_with("tbconfusion")
    );
    let mut seen: HashMap<String, Vec<(i64, bool)>> = HashMap::new();
    for e in &events[1..] {
        assert!(e.wall_time.is_finite() && e.wall_time > 1.6e9);
        let Some(What::Summary(s)) = &e.what else {
            panic!("{e:?}")
        };
        for v in &s.value {
            seen.entry(v.tag.clone())
                .or_default()
                .push((e.step, v.metadata.is_some()));
        }
    }
    // Scalars (simple_value) and images (Summary.Image) need no metadata;
    // text carries it on every value.
    for tag in ["loss", "cm"] {
        assert_eq!(seen[tag], vec![(0, false), (1, false), (2, false)], "{tag}");
    }
    assert_eq!(seen["notes"], vec![(0, true), (1, true), (2, true)]);
    assert_eq!(seen["raw"], vec![(9, true)]);
}

#[test]
fn steps_must_increase_per_tag() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::create(dir.path()).unwrap();
    w.add_scalar("a", 1.0, 5).unwrap();
    w.add_scalar("b", 1.0, 1).unwrap(); // other tags are independent
    match w.add_scalar("a", 2.0, 5) {
        Err(WriteError::StepNotIncreasing {
            tag,
            step: 5,
            previous: 5,
        }) => assert_eq!(tag, "a"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        w.add_text("a", "x", 4),
        Err(WriteError::StepNotIncreasing { .. })
    ));
    assert!(matches!(
        w.add_scalar("", 1.0, 1),
        Err(WriteError::EmptyTag)
    ));
    w.add_scalar("a", 3.0, 6).unwrap();
    let path = w.close().unwrap();
    let steps: Vec<i64> = read_all(&path).iter().skip(1).map(|e| e.step).collect();
    assert_eq!(steps, vec![5, 1, 6]);
}

#[test]
fn explicit_wall_times_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::create(dir.path()).unwrap();
    let t = WallTime::new(1_600_000_000.25).unwrap();
    w.at(t).add_scalar("x", 1.0, 1).unwrap();
    w.at(t).add_text("y", "t", 1).unwrap();
    let path = w.close().unwrap();
    let events = read_all(&path);
    assert!(events[1..].iter().all(|e| e.wall_time == 1_600_000_000.25));
}

#[test]
fn clones_log_from_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    // A small buffer forces back-pressure and many background writes.
    let w =
        SummaryWriter::create_with(dir.path(), WriterOptions::default().max_pending_bytes(4096))
            .unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let w = w.clone();
            s.spawn(move || {
                for step in 0..5000 {
                    w.add_scalar(&format!("thread{t}"), step as f32, step)
                        .unwrap();
                }
            });
        }
    });
    w.flush().unwrap();
    let path = w.path().to_owned();
    let events = read_all(&path);
    assert_eq!(events.len(), 1 + 4 * 5000);
    let mut last: HashMap<String, i64> = HashMap::new();
    for e in &events[1..] {
        let Some(What::Summary(s)) = &e.what else {
            panic!()
        };
        let v = &s.value[0];
        let Some(ValueKind::SimpleValue(x)) = v.value else {
            panic!("{v:?}")
        };
        assert_eq!(x, e.step as f32);
        let prev = last.insert(v.tag.clone(), e.step);
        assert_eq!(prev.map_or(-1, |p| p) + 1, e.step, "steps in order per tag");
    }
    drop(w); // the last clone closes
}

#[test]
fn staged_file_appears_only_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::create_with(dir.path(), WriterOptions::default().staged(true)).unwrap();
    w.add_scalar("x", 1.0, 1).unwrap();
    w.flush().unwrap();
    assert!(
        event_files(dir.path()).is_empty(),
        "TensorBoard must not see a partial file"
    );
    let path = w.close().unwrap();
    assert_eq!(event_files(dir.path()), vec![path]);

    let dropped = tempfile::tempdir().unwrap();
    let w =
        SummaryWriter::create_with(dropped.path(), WriterOptions::default().staged(true)).unwrap();
    w.add_scalar("x", 1.0, 1).unwrap();
    drop(w);
    assert_eq!(
        std::fs::read_dir(dropped.path()).unwrap().count(),
        0,
        "partial file removed"
    );
}

#[test]
fn calls_after_close_fail() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::create(dir.path()).unwrap();
    let clone = w.clone();
    w.close().unwrap();
    assert!(matches!(
        clone.add_scalar("x", 1.0, Step(1)),
        Err(WriteError::Closed)
    ));
    assert!(matches!(clone.flush(), Err(WriteError::Closed)));
}

#[test]
fn periodic_flush_reaches_the_file_without_flush_calls() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::create_with(
        dir.path(),
        WriterOptions::default().flush_interval(std::time::Duration::from_millis(50)),
    )
    .unwrap();
    w.add_scalar("x", 1.0, 1).unwrap();
    let path = w.path().to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while read_all(&path).len() < 2 {
        assert!(std::time::Instant::now() < deadline, "never flushed");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn text_and_tensors_carry_metadata_on_every_value_scalars_and_images_none() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::create(dir.path()).unwrap();
    for step in 0..3 {
        let t = summary::int64_tensor(&[1], vec![step]);
        w.add_tensor(
            "described",
            t.clone(),
            "mine",
            format!("{{\"step\":{step}}}").into_bytes(),
            step,
        )
        .unwrap();
        w.add_tensor("plain", t, "mine", Vec::new(), step).unwrap();
        w.add_text("notes", "*hi*", step).unwrap();
        w.add_scalar("loss", 0.5, step).unwrap();
        w.add_image("picture", png(3, 2), step).unwrap();
    }
    let path = w.close().unwrap();
    /// Per value: its plugin's name and content, if it has metadata.
    type Plugin = Option<(String, Vec<u8>)>;
    let mut seen: HashMap<String, Vec<Plugin>> = HashMap::new();
    for e in read_all(&path).into_iter().skip(1) {
        let Some(What::Summary(s)) = e.what else {
            panic!()
        };
        for v in s.value {
            let plugin = v
                .metadata
                .and_then(|m| m.plugin_data)
                .map(|p| (p.plugin_name, p.content));
            seen.entry(v.tag).or_default().push(plugin);
        }
    }
    let every = |plugin: &str, content: &dyn Fn(i64) -> Vec<u8>| {
        (0..3)
            .map(|s| Some((plugin.to_owned(), content(s))))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        seen["described"],
        every("mine", &|s| format!("{{\"step\":{s}}}").into_bytes())
    );
    assert_eq!(seen["plain"], every("mine", &|_| Vec::new()));
    assert_eq!(seen["notes"], every("text", &|_| Vec::new()));
    assert_eq!(
        seen["loss"],
        vec![None; 3],
        "simple_value needs no metadata"
    );
    assert_eq!(seen["picture"], vec![None; 3], "Summary.Image needs none");
}
