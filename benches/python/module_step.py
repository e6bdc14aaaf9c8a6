#!/usr/bin/env python3
"""The logged step from Python with the tbconfusion wheel: the peer of the
sklearn + seaborn + add_figure recipe (../shared/bench/baseline_py.py, "total
add_figure"), with the same inputs: N predictions per step, 70% correct, else
uniform over K classes.

Run in a venv holding a release build of the wheel and numpy (scripts/bench_python.sh):
  python benches/python/module_step.py [--n 10000] [--steps 20] [--warmup 2] [--ks 10,100,1000] [--json OUT]

Per K, medians over --steps measured steps after --warmup:
  whole step  add_confusion_matrix(tag, y_true, y_pred, step, num_classes=K) + flush():
              counting, metrics, image, table, counts, in the file (what the
              baseline's total measures)
  call        add_confusion_matrix alone, each followed by an untimed flush():
              what the training loop pays on its own thread
  no delta    whole step with delta="off": no T/delta image (the change since the previous
              step, on by default), which at K = 1000 with new predictions every step is
              most of the background work
  scores      whole step from N x K float32 logits (argmax + PR curves), for reference
"""
import argparse
import json
import os
import shutil
import statistics
import tempfile
import time

import numpy as np

import tbconfusion


def predictions(rng, n, k):
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
    return y_true, y_pred


def ms(seconds):
    return seconds * 1000.0


def bench_k(k, n, steps, warmup, root, seed):
    rng = np.random.default_rng(seed)
    data = [predictions(rng, n, k) for _ in range(warmup + steps)]
    logits = rng.normal(size=(n, k)).astype(np.float32)
    whole, call, no_delta, scores = [], [], [], []
    with tbconfusion.SummaryWriter(os.path.join(root, "k%d" % k)) as w:
        for step, (y_true, y_pred) in enumerate(data):
            t0 = time.perf_counter()
            w.add_confusion_matrix("whole", y_true, y_pred, step, num_classes=k)
            w.flush()
            t1 = time.perf_counter()
            w.add_confusion_matrix("call", y_true, y_pred, step, num_classes=k)
            t2 = time.perf_counter()
            w.flush()
            t3 = time.perf_counter()
            w.add_confusion_matrix("scores", y_true, step=step, scores=logits)
            w.flush()
            t4 = time.perf_counter()
            w.add_confusion_matrix("no_delta", y_true, y_pred, step, num_classes=k, delta="off")
            w.flush()
            t5 = time.perf_counter()
            if step >= warmup:
                whole.append(ms(t1 - t0))
                call.append(ms(t2 - t1))
                scores.append(ms(t4 - t3))
                no_delta.append(ms(t5 - t4))
    return {
        "k": k,
        "whole_step_ms": statistics.median(whole),
        "call_ms": statistics.median(call),
        "no_delta_step_ms": statistics.median(no_delta),
        "scores_step_ms": statistics.median(scores),
        "steps": steps,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--ks", default="10,100,1000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="OUT")
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="module_step_")
    try:
        result = {
            "config": {"n": a.n, "steps": a.steps, "warmup": a.warmup},
            "env": {"tbconfusion": tbconfusion.__version__, "numpy": np.__version__, "cpus": os.cpu_count()},
            "per_k": [bench_k(int(k), a.n, a.steps, a.warmup, root, a.seed) for k in a.ks.split(",")],
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result, indent=1))
    print("\nK      whole step   call on caller   whole step, no delta   whole step from scores (ms, medians)")
    for r in result["per_k"]:
        print("%-6d %10.3f %14.3f %20.3f %20.3f" % (
            r["k"], r["whole_step_ms"], r["call_ms"], r["no_delta_step_ms"], r["scores_step_ms"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
