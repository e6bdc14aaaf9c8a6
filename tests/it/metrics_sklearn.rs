//! Every metric against scikit-learn 1.9.1, to 1e-9.
//!
//! The expected values come from `scripts/gen_sklearn_fixtures.py`, which
//! documents the few values sklearn cannot give directly (specificity from
//! its multilabel confusion matrix, IoU under the NaN policy). The one
//! deliberate difference: sklearn's `matthews_corrcoef` is 0 when
//! undefined, ours follows the zero-division policy.

use serde::Deserialize;
use std::collections::BTreeMap;
use tbconfusion::confusion::{ConfusionMatrix, Metrics, ZeroDivision};

#[derive(Deserialize)]
struct Fixture {
    sklearn: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    k: usize,
    y_true: Vec<u32>,
    y_pred: Vec<u32>,
    weights: Option<Vec<f64>>,
    expected: BTreeMap<String, Expected>,
}

/// `None` stands for NaN (JSON has no NaN).
#[derive(Deserialize)]
struct Expected {
    precision: Vec<Option<f64>>,
    recall: Vec<Option<f64>>,
    f1: Vec<Option<f64>>,
    specificity: Vec<Option<f64>>,
    iou: Vec<Option<f64>>,
    support: Vec<Option<f64>>,
    predicted: Vec<Option<f64>>,
    macro_precision: Option<f64>,
    macro_recall: Option<f64>,
    macro_f1: Option<f64>,
    macro_precision_classes: usize,
    macro_recall_classes: usize,
    macro_f1_classes: usize,
    weighted_precision: Option<f64>,
    weighted_recall: Option<f64>,
    weighted_f1: Option<f64>,
    mean_iou: Option<f64>,
    mean_iou_classes: usize,
    accuracy: Option<f64>,
    balanced_accuracy: Option<f64>,
    balanced_accuracy_classes: usize,
    kappa: Option<f64>,
    mcc_sklearn: Option<f64>,
    mcc_undefined: bool,
}

fn close(what: &str, got: f64, want: Option<f64>) {
    match want {
        None => assert!(got.is_nan(), "{what}: got {got}, want NaN"),
        Some(w) => assert!((got - w).abs() <= 1e-9, "{what}: got {got}, want {w}"),
    }
}

fn close_all(what: &str, got: impl Iterator<Item = f64>, want: &[Option<f64>]) {
    let got: Vec<f64> = got.collect();
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        close(&format!("{what}[{i}]"), g, w);
    }
}

fn policy(name: &str) -> ZeroDivision {
    match name {
        "nan" => ZeroDivision::Nan,
        "zero" => ZeroDivision::Zero,
        "one" => ZeroDivision::One,
        other => panic!("unknown policy {other} in fixture"),
    }
}

fn load() -> Fixture {
    let text = include_str!("../fixtures/sklearn_metrics.json");
    serde_json::from_str(text).unwrap()
}

#[test]
fn fixture_is_from_the_pinned_sklearn() {
    let fixture = load();
    assert_eq!(fixture.sklearn, "1.9.1");
    assert!(fixture.cases.len() >= 8);
    assert!(fixture.cases.iter().any(|c| c.weights.is_some()));
}

#[test]
fn metrics_match_sklearn() {
    for case in load().cases {
        let mut cm = ConfusionMatrix::new(case.k).unwrap();
        match &case.weights {
            Some(w) => cm.update_weighted(&case.y_true, &case.y_pred, w).unwrap(),
            None => cm.update(&case.y_true, &case.y_pred).unwrap(),
        }
        for (policy_name, want) in &case.expected {
            let zd = policy(policy_name);
            let m = match case.weights {
                Some(_) => Metrics::compute_weighted(&cm, zd).unwrap(),
                None => Metrics::compute(&cm, zd),
            };
            let at = |metric: &str| format!("{} [{policy_name}] {metric}", case.name);
            let pc = &m.per_class;
            close_all(
                &at("precision"),
                pc.iter().map(|c| c.precision),
                &want.precision,
            );
            close_all(&at("recall"), pc.iter().map(|c| c.recall), &want.recall);
            close_all(&at("f1"), pc.iter().map(|c| c.f1), &want.f1);
            close_all(
                &at("specificity"),
                pc.iter().map(|c| c.specificity),
                &want.specificity,
            );
            close_all(&at("iou"), pc.iter().map(|c| c.iou), &want.iou);
            close_all(&at("support"), pc.iter().map(|c| c.support), &want.support);
            close_all(
                &at("predicted"),
                pc.iter().map(|c| c.predicted),
                &want.predicted,
            );
            close(
                &at("macro precision"),
                m.macro_precision.value,
                want.macro_precision,
            );
            close(&at("macro recall"), m.macro_recall.value, want.macro_recall);
            close(&at("macro f1"), m.macro_f1.value, want.macro_f1);
            assert_eq!(
                m.macro_precision.classes_used,
                want.macro_precision_classes,
                "{}",
                at("K'")
            );
            assert_eq!(
                m.macro_recall.classes_used,
                want.macro_recall_classes,
                "{}",
                at("K'")
            );
            assert_eq!(
                m.macro_f1.classes_used,
                want.macro_f1_classes,
                "{}",
                at("K'")
            );
            close(
                &at("weighted precision"),
                m.weighted_precision,
                want.weighted_precision,
            );
            close(
                &at("weighted recall"),
                m.weighted_recall,
                want.weighted_recall,
            );
            close(&at("weighted f1"), m.weighted_f1, want.weighted_f1);
            close(&at("mean iou"), m.mean_iou.value, want.mean_iou);
            assert_eq!(
                m.mean_iou.classes_used,
                want.mean_iou_classes,
                "{}",
                at("iou K'")
            );
            close(&at("accuracy"), m.accuracy, want.accuracy);
            close(
                &at("balanced accuracy"),
                m.balanced_accuracy.value,
                want.balanced_accuracy,
            );
            assert_eq!(
                m.balanced_accuracy.classes_used,
                want.balanced_accuracy_classes,
                "{}",
                at("balanced accuracy K'")
            );
            close(&at("kappa"), m.kappa, want.kappa);
            // sklearn returns 0 for an undefined MCC; we follow the policy.
            let want_mcc = if want.mcc_undefined {
                match zd {
                    ZeroDivision::Nan => None,
                    ZeroDivision::Zero => Some(0.0),
                    ZeroDivision::One => Some(1.0),
                }
            } else {
                want.mcc_sklearn
            };
            close(&at("mcc"), m.mcc, want_mcc);
        }
    }
}
