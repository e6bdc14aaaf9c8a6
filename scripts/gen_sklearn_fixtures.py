"""Generate tests/fixtures/sklearn_metrics.json: expected metrics from scikit-learn.

Run with the project's Python venv (scikit-learn 1.9.1):

    /tmp/tbenv/bin/python scripts/gen_sklearn_fixtures.py

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
    balanced_accuracy_score,
    cohen_kappa_score,
    jaccard_score,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

warnings.filterwarnings("ignore")
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sklearn_metrics.json"
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


if __name__ == "__main__":
    main()
