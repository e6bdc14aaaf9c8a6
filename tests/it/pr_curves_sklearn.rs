//! PR curves and average precision against scikit-learn 1.9.1, to 1e-9.
//!
//! The fixture comes from `scripts/gen_sklearn_fixtures.py`, which documents
//! how sklearn's `precision_recall_curve` is read at TensorBoard's 201
//! thresholds. The same numbers are checked in the logged values: the
//! `T/pr/<class>` tensors (as float32) and the `T/ap/<class>` and `T/map`
//! scalars.

use serde::Deserialize;
use tbconfusion::ConfusionOptions;
use tbconfusion::confusion::logging::confusion_values;
use tbconfusion::confusion::pr_curve::{NUM_THRESHOLDS, PR_CURVES_PLUGIN, plugin_content};
use tbconfusion::confusion::{ConfusionMatrix, PrCurve};
use tbconfusion::proto::summary::value::Value as ValueKind;

#[derive(Deserialize)]
struct Fixture {
    sklearn: String,
    num_thresholds: usize,
    max_ap_difference_vs_raw_scores: f64,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    k: usize,
    y_true: Vec<u32>,
    probs: Vec<Vec<f32>>,
    classes: Vec<Class>,
    map: Option<f64>,
}

#[derive(Deserialize)]
struct Class {
    tp: Vec<f64>,
    fp: Vec<f64>,
    tn: Vec<f64>,
    #[serde(rename = "fn")]
    fn_: Vec<f64>,
    precision: Vec<f64>,
    recall: Vec<f64>,
    ap: Option<f64>,
    ap_raw: Option<f64>,
}

fn load() -> Fixture {
    serde_json::from_str(include_str!("../fixtures/sklearn_pr_curves.json")).unwrap()
}

fn matrix(case: &Case) -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::new(case.k).unwrap();
    let scores: Vec<f32> = case.probs.iter().flatten().copied().collect();
    // Half the rows in a second call: the histograms accumulate.
    let half = case.y_true.len() / 2;
    cm.update_from_scores(&case.y_true[..half], &scores[..half * case.k])
        .unwrap();
    cm.update_from_scores(&case.y_true[half..], &scores[half * case.k..])
        .unwrap();
    cm
}

fn close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-9, "{what}[{i}]: got {g}, want {w}");
    }
}

/// A scalar's value, in either form the writer may use.
fn scalar(value: &tbconfusion::proto::summary::Value) -> f32 {
    match &value.value {
        Some(ValueKind::Tensor(t)) => t.float_val[0],
        Some(ValueKind::SimpleValue(v)) => *v,
        other => panic!("{}: not a scalar: {other:?}", value.tag),
    }
}

/// Logged (float32) against the fixture's float64: equal after rounding to
/// float32, give or take the last bit of a sum taken in another order.
fn same_f32(got: Option<f32>, want: Option<f64>, what: &str) {
    match (got, want) {
        (Some(g), Some(w)) => assert!(
            (f64::from(g) - w).abs() <= 1e-7 * w.abs().max(1.0),
            "{what}: logged {g}, want {w}"
        ),
        (None, None) => {}
        (g, w) => panic!("{what}: logged {g:?}, want {w:?}"),
    }
}

#[test]
fn fixture_is_from_the_pinned_sklearn() {
    let fixture = load();
    assert_eq!(fixture.sklearn, "1.9.1");
    assert_eq!(fixture.num_thresholds, NUM_THRESHOLDS);
    assert!(fixture.cases.len() >= 4);
    assert!(
        fixture
            .cases
            .iter()
            .any(|c| c.classes.iter().any(|c| c.ap.is_none()))
    );
}

#[test]
fn curves_and_average_precision_match_sklearn() {
    let fixture = load();
    for case in &fixture.cases {
        let cm = matrix(case);
        let histogram = cm.score_histogram().unwrap();
        assert_eq!(histogram.rows(), case.y_true.len() as u64);
        for (c, want) in case.classes.iter().enumerate() {
            let at = |what: &str| format!("{} class {c} {what}", case.name);
            let curve: PrCurve = histogram.curve(c).unwrap();
            close(&at("tp"), &curve.true_positives, &want.tp);
            close(&at("fp"), &curve.false_positives, &want.fp);
            close(&at("tn"), &curve.true_negatives, &want.tn);
            close(&at("fn"), &curve.false_negatives, &want.fn_);
            close(&at("precision"), &curve.precision, &want.precision);
            close(&at("recall"), &curve.recall, &want.recall);
            match (curve.average_precision(), want.ap) {
                (Some(got), Some(ap)) => {
                    assert!((got - ap).abs() <= 1e-9, "{}: {got} vs {ap}", at("ap"));
                    // The documented gap to sklearn on the raw scores.
                    let raw = want.ap_raw.unwrap();
                    assert!(
                        (got - raw).abs() <= fixture.max_ap_difference_vs_raw_scores + 1e-12,
                        "{}: {got} vs raw {raw}",
                        at("ap_raw")
                    );
                }
                (None, None) => {}
                (got, want) => panic!("{}: got {got:?}, want {want:?}", at("ap")),
            }
        }
    }
}

#[test]
fn logged_curves_and_scalars_carry_the_same_numbers() {
    let fixture = load();
    for case in &fixture.cases {
        let cm = matrix(case);
        let values =
            confusion_values("cm", &cm, 7, &ConfusionOptions::default().image(false)).unwrap();
        let find = |tag: &str| values.iter().find(|v| v.tag == tag);
        for (c, want) in case.classes.iter().enumerate() {
            let value = find(&format!("cm/pr/{c}")).unwrap_or_else(|| panic!("cm/pr/{c}"));
            let meta = value.metadata.as_ref().unwrap();
            let plugin = meta.plugin_data.as_ref().unwrap();
            assert_eq!(plugin.plugin_name, PR_CURVES_PLUGIN);
            assert_eq!(plugin.content, plugin_content());
            let Some(ValueKind::Tensor(tensor)) = &value.value else {
                panic!("cm/pr/{c} is not a tensor")
            };
            let dims: Vec<i64> = tensor
                .tensor_shape
                .as_ref()
                .unwrap()
                .dim
                .iter()
                .map(|d| d.size)
                .collect();
            assert_eq!(dims, [6, NUM_THRESHOLDS as i64]);
            let rows = [
                &want.tp,
                &want.fp,
                &want.tn,
                &want.fn_,
                &want.precision,
                &want.recall,
            ];
            let expected: Vec<f32> = rows
                .iter()
                .flat_map(|r| r.iter().map(|&v| v as f32))
                .collect();
            assert_eq!(tensor.float_val, expected, "{} class {c}", case.name);
            let ap = find(&format!("cm/ap/{c}")).map(scalar);
            same_f32(ap, want.ap, &format!("{} ap {c}", case.name));
        }
        same_f32(
            find("cm/map").map(scalar),
            case.map,
            &format!("{} map", case.name),
        );
    }
}
