#!/usr/bin/env python3
"""The Python way to do what `tbconfusion convert` does, on the same CSV files:
read predictions, then per step sklearn confusion_matrix, a seaborn heatmap
(as ../shared/bench/baseline_py.py draws it) and tensorboardX add_figure.

Run after `cargo bench --bench convert` (which writes the CSVs):
  /tmp/tbenv/bin/python benches/python/convert_baseline.py target/bench-data/preds_k10.csv ...
"""
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402
from tensorboardX import SummaryWriter  # noqa: E402


def convert(path, logdir):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64)
    steps, y_true, y_pred = data[:, 0], data[:, 1], data[:, 2]
    k = int(max(y_true.max(), y_pred.max())) + 1
    w = SummaryWriter(logdir=logdir)
    for step in np.unique(steps):
        sel = steps == step
        cm = confusion_matrix(y_true[sel], y_pred[sel], labels=np.arange(k))
        side = min(max(6.0, 4.0 + 0.15 * k), 24.0)
        fig, ax = plt.subplots(figsize=(side, side), dpi=100)
        sns.heatmap(cm, annot=k <= 30, fmt="d", cmap="Blues", square=True, cbar=True, ax=ax)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        w.add_figure("confusion_matrix", fig, int(step))
    w.close()
    return len(np.unique(steps)), k


def main():
    for path in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as logdir:
            t = time.perf_counter()
            steps, k = convert(path, logdir)
            s = time.perf_counter() - t
        print("python convert K=%d: %d steps from %s: %.0f ms (%.1f ms per step)" % (k, steps, path, s * 1e3, s * 1e3 / steps))


if __name__ == "__main__":
    main()
