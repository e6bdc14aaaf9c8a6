"""Generate tests/fixtures/sklearn_metrics.json (expected metrics) and
tests/fixtures/sklearn_pr_curves.json (expected PR curves and average
precision) from scikit-learn.

Run with the project's Python venv (scikit-learn 1.9.1):

    /tmp/tbenv/bin/python scripts/gen_sklearn_fixtures.py

(any venv with scikit-learn==1.9.1 and numpy does: `pip install scikit-learn==1.9.1`).

Each case stores the inputs as labels (y_true, y_pred, optional sample
weights, K) and, for each zero_division policy ("nan", "zero", "one"), every
expected value. Values come straight from scikit-learn except where it has no
such option, noted per key:

* specificity: TN / (TN + FP) from sklearn's multilabel_confusion_matrix.
* jaccard (IoU): sklearn's jaccard_score takes zero_division 0 or 1 only; for
  "nan" the classes with TP + FP + FN = 0 are set to NaN and mean_iou is the
  nanmean, as our policy defines it.
* mcc: sklearn's matthews_corrcoef returns 0 when undefined; our policy
  returns NaN / 0 / 1. The fixture stores "mcc_undefined" so the test can tell.
* balanced accuracy: sklearn averages recall over classes with support, for
  every policy; so do we. "balanced_accuracy_classes" is that count (K').
* kappa: cohen_kappa_score(replace_undefined_by=value of the policy).
* Macro averages with zero_division=nan: sklearn 1.9.1 takes the nanmean over
  classes (verified: labels [0,0,1,1,2] vs [0,1,1,1,1], K=4 gives macro
  precision 0.75 = mean(1, 0.5)); weighted averages renormalise the support
  of the defined classes. "macro_*_classes" records K' by counting defined
  values.
"""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    precision_recall_curve,
    balanced_accuracy_score,
    cohen_kappa_score,
    jaccard_score,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

warnings.filterwarnings("ignore")
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sklearn_metrics.json"
PR_OUT = OUT.parent / "sklearn_pr_curves.json"
NUM_THRESHOLDS = 201
POLICIES = {"nan": np.nan, "zero": 0.0, "one": 1.0}


def num(x):
    """JSON has no NaN: write it as null."""
    x = float(x)
    return None if math.isnan(x) else x


def nums(xs):
    return [num(x) for x in xs]


def expected(y_true, y_pred, k, weights, policy):
    zd = POLICIES[policy]
    labels = list(range(k))
    sw = None if weights is None else np.asarray(weights)
    out = {}
    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=zd, sample_weight=sw, average=None
    )
    out["precision"], out["recall"], out["f1"] = nums(p), nums(r), nums(f)
    for name, values in (("precision", p), ("recall", r), ("f1", f)):
        out[f"macro_{name}_classes"] = int(np.sum(~np.isnan(values)))
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=zd, sample_weight=sw, average=avg
        )
        out[f"{avg}_precision"], out[f"{avg}_recall"], out[f"{avg}_f1"] = num(ap), num(ar), num(af)
    mcm = multilabel_confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sw)
    tn, fp = mcm[:, 0, 0].astype(float), mcm[:, 0, 1].astype(float)
    spec = np.array([t / (t + q) if t + q > 0 else zd for t, q in zip(tn, fp)])
    out["specificity"] = nums(spec)
    tp, fn = mcm[:, 1, 1].astype(float), mcm[:, 1, 0].astype(float)
    undefined_iou = (tp + fp + fn) == 0
    if policy == "nan":
        iou = jaccard_score(y_true, y_pred, labels=labels, average=None, zero_division=0, sample_weight=sw)
        iou = np.where(undefined_iou, np.nan, iou)
        out["mean_iou"] = num(np.nanmean(iou)) if np.any(~np.isnan(iou)) else None
    else:
        iou = jaccard_score(y_true, y_pred, labels=labels, average=None, zero_division=zd, sample_weight=sw)
        out["mean_iou"] = num(
            jaccard_score(y_true, y_pred, labels=labels, average="macro", zero_division=zd, sample_weight=sw)
        )
    out["iou"] = nums(iou)
    out["mean_iou_classes"] = int(np.sum(~np.isnan(iou)))
    out["support"] = nums(mcm[:, 1, 1] + mcm[:, 1, 0])
    out["predicted"] = nums(mcm[:, 1, 1] + mcm[:, 0, 1])
    out["accuracy"] = num(accuracy_score(y_true, y_pred, sample_weight=sw))
    out["balanced_accuracy"] = num(balanced_accuracy_score(y_true, y_pred, sample_weight=sw))
    out["balanced_accuracy_classes"] = int(np.sum(np.asarray(out["support"], dtype=float) > 0))
    out["kappa"] = num(
        cohen_kappa_score(y_true, y_pred, labels=labels, sample_weight=sw, replace_undefined_by=zd)
    )
    out["mcc_sklearn"] = num(matthews_corrcoef(y_true, y_pred, sample_weight=sw))
    t = np.asarray(out["support"], dtype=float)
    q = np.asarray(out["predicted"], dtype=float)
    n = t.sum()
    out["mcc_undefined"] = bool((n * n - q @ q) * (n * n - t @ t) == 0)
    return out


def case(name, y_true, y_pred, k, weights=None, note=""):
    y_true = [int(x) for x in y_true]
    y_pred = [int(x) for x in y_pred]
    c = {"name": name, "note": note, "k": k, "y_true": y_true, "y_pred": y_pred}
    if weights is not None:
        c["weights"] = [float(w) for w in weights]
    c["expected"] = {p: expected(y_true, y_pred, k, weights, p) for p in POLICIES}
    return c


def noisy(rng, k, n, accuracy):
    """Labels with `accuracy` chance of a correct prediction, else uniform."""
    t = rng.integers(0, k, n)
    wrong = rng.integers(0, k, n)
    p = np.where(rng.random(n) < accuracy, t, wrong)
    return t, p


def main():
    rng = np.random.default_rng(20261123)
    cases = []
    for k, n in ((2, 200), (3, 300), (5, 500), (10, 1000), (37, 3000)):
        t, p = noisy(rng, k, n, 0.6)
        cases.append(case(f"random_k{k}", t, p, k))
    t, p = noisy(rng, 6, 400, 0.7)
    t = np.where(t == 4, 0, t)  # class 4 never true, but still predicted
    cases.append(case("empty_true_class", t, p, 6, note="class 4 has no support"))
    t, p = noisy(rng, 6, 400, 0.7)
    p = np.where(p == 2, 3, p)  # class 2 never predicted
    cases.append(case("never_predicted_class", t, p, 6, note="class 2 is never predicted"))
    t = rng.integers(0, 4, 100)
    cases.append(case("perfect", t, t, 5, note="class 4 absent everywhere: undefined P/R/F1/IoU"))
    t = rng.integers(0, 4, 100)
    cases.append(case("all_wrong", t, (t + 1) % 4, 4))
    cases.append(case("single_class", [1] * 10, [1] * 10, 3, note="kappa and MCC undefined"))
    t, p = noisy(rng, 5, 500, 0.6)
    w = rng.integers(1, 10, 500) * 0.25  # multiples of 1/4 keep the weighted sums exact
    cases.append(case("weighted_k5", t, p, 5, weights=w, note="sample weights"))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generator": "scripts/gen_sklearn_fixtures.py", "sklearn": sklearn.__version__, "cases": cases}
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")
    pr_main()


# --------------------------------------------------------------------------
# PR curves
#
# TensorBoard's pr_curve.summary.pb buckets a float32 probability p as
# floor(p * 200) (in float32) over 201 thresholds i/200, and counts at
# threshold i the scores in buckets >= i. scikit-learn's
# precision_recall_curve evaluated on the scores rounded down to their
# bucket, q = bucket/200, has its thresholds at exactly those values, so the
# curve at threshold i is sklearn's point at the smallest of its thresholds
# >= i/200. Where no score is at or above i/200, sklearn has no point and
# TensorBoard's convention is used: precision = recall = 0 (tp / max(1e-7,
# tp + fp)). TP/FP/TN/FN are counted directly. A class without positives
# has no sklearn recall (it warns); its curve is the counts alone
# ("sklearn": false) and it has no average precision.
#
# "ap" is average_precision_score on q (what the 201 buckets give exactly);
# "ap_raw" on the raw float32 probabilities, for the documented difference.


def softmax32(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def pr_class(y, p):
    n = NUM_THRESHOLDS
    bucket = np.clip(np.floor(p.astype(np.float32) * np.float32(n - 1)).astype(np.int64), 0, n - 1)
    q = bucket / (n - 1)
    thresholds = np.arange(n) / (n - 1)
    tp = np.array([np.sum(y & (bucket >= i)) for i in range(n)], dtype=float)
    fp = np.array([np.sum(~y & (bucket >= i)) for i in range(n)], dtype=float)
    tn, fn = fp[0] - fp, tp[0] - tp
    out = {name: v.astype(np.int64).tolist() for name, v in (("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn))}
    if y.sum() == 0:
        out["sklearn"] = False
        out["precision"] = [float(a / max(1e-7, a + b)) for a, b in zip(tp, fp)]
        out["recall"] = [0.0] * n
        out["ap"] = None
        out["ap_raw"] = None
        return out
    sk_precision, sk_recall, sk_thresholds = precision_recall_curve(y, q)
    precision, recall = [], []
    for t in thresholds:
        at = np.searchsorted(sk_thresholds, t, side="left")
        if at < len(sk_thresholds):
            precision.append(float(sk_precision[at]))
            recall.append(float(sk_recall[at]))
        else:
            precision.append(0.0)
            recall.append(0.0)
    out["sklearn"] = True
    out["precision"], out["recall"] = precision, recall
    out["ap"] = float(average_precision_score(y, q))
    out["ap_raw"] = float(average_precision_score(y, p.astype(np.float64)))
    return out


def pr_case(name, y_true, probs, note=""):
    k = probs.shape[1]
    classes = [pr_class(y_true == c, probs[:, c]) for c in range(k)]
    aps = [c["ap"] for c in classes if c["ap"] is not None]
    return {
        "name": name,
        "note": note,
        "k": k,
        "y_true": [int(x) for x in y_true],
        # float32 values written exactly (a double holds every float32).
        "probs": [[float(x) for x in row] for row in probs.astype(np.float32)],
        "classes": classes,
        "map": float(np.mean(aps)) if aps else None,
    }


def pr_main():
    rng = np.random.default_rng(20261124)
    cases = []
    for k, n, signal in ((2, 500, 1.5), (3, 300, 1.0), (10, 2000, 2.0)):
        t = rng.integers(0, k, n)
        logits = rng.normal(0, 1, (n, k)).astype(np.float32)
        logits[np.arange(n), t] += np.float32(signal)
        cases.append(pr_case(f"softmax_k{k}", t, softmax32(logits)))
    t = rng.integers(0, 4, 400)
    t = np.where(t == 3, 0, t)
    logits = rng.normal(0, 1, (400, 4)).astype(np.float32)
    logits[np.arange(400), t] += np.float32(1.0)
    cases.append(pr_case("class_without_positives", t, softmax32(logits), note="class 3 is never true"))
    t = rng.integers(0, 5, 300)
    # Probabilities in steps of 0.1: many ties, some on bucket edges.
    raw = rng.integers(0, 4, (300, 5)).astype(np.float64)
    raw[np.arange(300), t] += 2
    raw[raw.sum(axis=1) == 0, 0] = 1
    tenths = np.round(raw / raw.sum(axis=1, keepdims=True) * 10) / 10
    tenths[:, -1] = np.round(1 - tenths[:, :-1].sum(axis=1), 1)
    ok = tenths[:, -1] >= 0
    cases.append(pr_case("ties_in_tenths", t[ok], tenths[ok].astype(np.float32), note="scores in steps of 0.1"))
    diffs = [
        abs(c["ap"] - c["ap_raw"]) for case in cases for c in case["classes"] if c["ap"] is not None
    ]
    doc = {
        "generator": "scripts/gen_sklearn_fixtures.py",
        "sklearn": sklearn.__version__,
        "num_thresholds": NUM_THRESHOLDS,
        "max_ap_difference_vs_raw_scores": max(diffs),
        "cases": cases,
    }
    PR_OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {PR_OUT}; max |AP(201 buckets) - AP(raw)| = {max(diffs):.3g}")


if __name__ == "__main__":
    main()
