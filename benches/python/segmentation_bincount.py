#!/usr/bin/env python3
"""The Python way to do what `tbconfusion convert --gt-masks` does, on the same
directories: per prediction directory, every label PNG and its ground truth read
with PIL into numpy, ignored pixels dropped, and the matrix counted with
np.bincount(t * k + p) (mmsegmentation's and torchmetrics' approach, on the CPU).

Run after `cargo bench -p tbconfusion-cli --bench segmentation` (which writes the images):
  <target>/tbvenv/bin/python benches/python/segmentation_bincount.py target/bench-data/seg
"""
import pathlib
import sys
import time

import numpy as np
from PIL import Image


def count(pred_dir, gt_dir, k, ignore=255):
    cm = np.zeros(k * k, dtype=np.int64)
    pixels = 0
    for pred_path in sorted(pred_dir.rglob("*.png")):
        pred = np.asarray(Image.open(pred_path))
        gt = np.asarray(Image.open(gt_dir / pred_path.relative_to(pred_dir)))
        assert pred.shape == gt.shape, pred_path
        keep = gt != ignore
        cm += np.bincount(gt[keep].astype(np.int64) * k + pred[keep], minlength=k * k)
        pixels += gt.size
    return cm.reshape(k, k), pixels


def main():
    root = pathlib.Path(sys.argv[1])
    k = len((root / "classes.txt").read_text().split())
    epochs = [root / "pred/epoch_1", root / "pred/epoch_2"]
    times = []
    for _ in range(5):
        start = time.perf_counter()
        pixels = 0
        for epoch in epochs:
            cm, n = count(epoch, root / "gt", k)
            pixels += n
        times.append(time.perf_counter() - start)
    median = sorted(times)[len(times) // 2]
    print(
        f"PIL + numpy bincount: 2 epochs, {pixels} pixels from {root}: median "
        f"{median * 1e3:.1f} ms, {pixels / median / 1e6:.0f} M pixels/s, 5 runs "
        f"(numpy {np.__version__}, Pillow {Image.__version__})"
    )


if __name__ == "__main__":
    main()
