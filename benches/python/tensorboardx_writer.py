#!/usr/bin/env python3
"""Side-by-side peer for benches/writer.rs: tensorboardX scalar and image throughput.

Run with the baseline venv: /tmp/tbenv/bin/python benches/python/tensorboardx_writer.py
Prints scalar events/s (add_scalar, then flush), the per-call cost, bytes per scalar
event on disk, and image events/s for a PNG-decoded 600x600 RGB array.
"""
import glob
import os
import statistics
import tempfile
import time

import numpy as np
from tensorboardX import SummaryWriter


def scalars(root, n=200_000, repeats=5):
    rates, sizes = [], []
    for r in range(repeats):
        d = os.path.join(root, "s%d" % r)
        w = SummaryWriter(logdir=d, max_queue=1000, flush_secs=2)
        t = time.perf_counter()
        for step in range(n):
            w.add_scalar("loss", float(step), step)
        w.flush()
        rates.append(n / (time.perf_counter() - t))
        w.close()
        path = glob.glob(d + "/*tfevents*")[0]
        sizes.append((os.path.getsize(path)) / n)
    return statistics.median(rates), statistics.median(sizes)


def images(root, n=50):
    w = SummaryWriter(logdir=os.path.join(root, "img"))
    y, x = np.mgrid[0:600, 0:600]
    v = (((x // 60 + y // 60) % 7) * 36).astype(np.uint8)
    img = np.stack([v, 255 - v, (x % 251).astype(np.uint8)], axis=-1)
    t = time.perf_counter()
    for step in range(n):
        w.add_image("cm", img, step, dataformats="HWC")
    w.flush()
    rate = n / (time.perf_counter() - t)
    w.close()
    return rate


def main():
    with tempfile.TemporaryDirectory() as root:
        rate, size = scalars(root)
        print("tensorboardX scalar events/s (median of 5 x 200k): %.0f" % rate)
        print("tensorboardX per add_scalar: %.2f us" % (1e6 / rate))
        print("tensorboardX bytes per scalar event (incl. header share): %.1f" % size)
        print("tensorboardX image events/s (600x600 RGB array): %.1f" % images(root))


if __name__ == "__main__":
    main()
