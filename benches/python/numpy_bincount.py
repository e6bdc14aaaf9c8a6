#!/usr/bin/env python3
"""Side-by-side peer for benches/count.rs: numpy bincount on the same sizes.

Run with the baseline venv: /tmp/tbenv/bin/python benches/python/numpy_bincount.py
"""
import statistics
import time

import numpy as np


def main():
    rng = np.random.default_rng(0)
    for n in (10_000, 10_000_000):
        for k in (10, 100, 1000):
            y_true = rng.integers(0, k, n)
            y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
            times = []
            for _ in range(7 if n > 100_000 else 200):
                t = time.perf_counter()
                np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)
                times.append(time.perf_counter() - t)
            s = statistics.median(times)
            print("numpy bincount K=%d N=%d: %.3f ms, %.0f M predictions/s" % (k, n, s * 1e3, n / s / 1e6))


if __name__ == "__main__":
    main()
