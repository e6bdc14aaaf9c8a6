#!/usr/bin/env python3
"""Side-by-side peers of `tbconfusion convert` on a large CSV: read the file and
count it, nothing more (no rendering, no writing).

  polars:  pl.read_csv, then one numpy bincount over step, y_true, y_pred
  pyarrow: pyarrow.csv.read_csv, then the same bincount

Usage: read_and_count.py FILE.csv [RUNS]   (run by scripts/bench_read.sh)
Prints the median wall time of each and its MB/s.
"""

import os
import statistics
import sys
import time

import numpy as np
import polars as pl
import pyarrow.csv as pacsv


def count(step, y_true, y_pred):
    steps, step_index = np.unique(step, return_inverse=True)
    k = int(max(y_true.max(), y_pred.max())) + 1
    flat = (step_index * k + y_true) * k + y_pred
    return np.bincount(flat, minlength=len(steps) * k * k).reshape(len(steps), k, k)


def with_polars(path):
    frame = pl.read_csv(path)
    return count(*(frame[c].to_numpy() for c in ("step", "y_true", "y_pred")))


def with_pyarrow(path):
    table = pacsv.read_csv(path)
    return count(*(table[c].to_numpy() for c in ("step", "y_true", "y_pred")))


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    megabytes = os.path.getsize(path) / 1e6
    results = {}
    for name, read in (("polars read_csv + numpy bincount", with_polars),
                       ("pyarrow.csv.read_csv + numpy bincount", with_pyarrow)):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            counts = read(path)
            times.append(time.perf_counter() - start)
        results[name] = counts
        best, median = min(times), statistics.median(times)
        print(f"{name}: median {median:.3f} s (best {best:.3f} s), {megabytes / median:.0f} MB/s, "
              f"{int(counts.sum())} predictions")
    a, b = results.values()
    assert (a == b).all(), "the two peers disagree"


if __name__ == "__main__":
    main()
