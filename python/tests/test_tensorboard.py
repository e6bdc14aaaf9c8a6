"""What the module writes, as both of TensorBoard's loaders (and its
EventAccumulator and tbparse) read it: the project's conformance harness,
tests/tensorboard/check_logdir.py, run with the pinned-TensorBoard venv's
python against a manifest built here from independent computations (metrics
by numpy formulas, image sizes from the PNG headers)."""

import json
import os
import subprocess

import numpy as np

import tbconfusion
from events import png_size, values

NAMES = ["cat", "dog", "bird"]


def metrics(cm):
    """The overall and per-class metrics tbconfusion logs, from their textbook
    definitions (every denominator non-zero for the matrices used here)."""
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.sum()
    tp = np.diag(cm)
    support, predicted = cm.sum(1), cm.sum(0)
    precision, recall = tp / predicted, tp / support
    f1 = 2 * precision * recall / (precision + recall)
    correct = tp.sum()
    chance = (support * predicted).sum()
    mcc = (correct * n - chance) / np.sqrt((n * n - (predicted ** 2).sum()) * (n * n - (support ** 2).sum()))
    kappa = (correct * n - chance) / (n * n - chance)
    out = {
        "accuracy": correct / n,
        "balanced_accuracy": recall.mean(),
        "macro_f1": f1.mean(),
        "weighted_f1": (f1 * support).sum() / n,
        "mcc": mcc,
        "kappa": kappa,
    }
    for i, name in enumerate(NAMES):
        out["precision/" + name] = precision[i]
        out["recall/" + name] = recall[i]
        out["f1/" + name] = f1[i]
    return out


def test_both_loaders_read_what_the_module_writes(tmp_path, repo, tensorboard_python):
    logdir = tmp_path / "logdir"
    rng = np.random.default_rng(7)
    steps = {}
    with tbconfusion.SummaryWriter(logdir / "val") as w:
        for step in (0, 1, 2):
            y_true = rng.integers(0, 3, size=300)
            # Mostly right, a different share wrong each step.
            wrong = rng.random(300) < 0.2 + 0.1 * step
            y_pred = np.where(wrong, rng.integers(0, 3, size=300), y_true).astype(np.int32)
            source = (y_true, y_pred) if step != 1 else (y_true.tolist(), y_pred.tolist())
            w.add_confusion_matrix("confusion_matrix", *source, step, labels=NAMES)
            w.add_scalar("loss", 1.0 / (step + 1), step)
            cm = np.zeros((3, 3), dtype=np.int64)
            np.add.at(cm, (y_true, y_pred), 1)
            steps[step] = cm

    scalars = {"loss": [[s, 1.0 / (s + 1)] for s in steps]}
    for step, cm in steps.items():
        for name, value in metrics(cm).items():
            scalars.setdefault("confusion_matrix/" + name, []).append([step, float(value)])
    images = {}
    for v in values(logdir / "val"):
        if "png" in v:
            width, height = png_size(v["png"])
            images.setdefault(v["tag"], []).append({"step": v["step"], "width": width, "height": height})
    assert set(images) == {"confusion_matrix", "confusion_matrix/delta"}
    assert [p["step"] for p in images["confusion_matrix"]] == [0, 1, 2]
    text = {
        "confusion_matrix/table": [
            # The exact count of the first cell, in the table's HTML.
            {"step": s, "contains": ["cat", "bird", "<td>%d</td>" % steps[s][0, 0]]} for s in steps
        ]
    }
    manifest = {"runs": {"val": {"scalars": scalars, "images": images, "text": text}}}
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(manifest))

    script = os.path.join(repo, "tests", "tensorboard", "check_logdir.py")
    done = subprocess.run(
        [tensorboard_python, script, str(logdir), str(manifest_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 failed" in done.stdout, done.stdout
