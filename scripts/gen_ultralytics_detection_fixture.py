"""Runs Ultralytics' own ConfusionMatrix.process_batch on a small generated
detection data set and writes the images and the matrix it computes to
tests/fixtures/ultralytics_detection_<version>.json, which
tests/it/detection.rs checks the `ultralytics` presets against (transposed:
Ultralytics' rows are predicted, ours true).

Needs torch and ultralytics (the matching changed in 8.4.109, so run it
with both sides of that change):

    python -m venv /tmp/ulvenv && /tmp/ulvenv/bin/pip install ultralytics==8.4.190
    /tmp/ulvenv/bin/python scripts/gen_ultralytics_detection_fixture.py
    # 8.4.108 from its wheel, with the same dependencies:
    /tmp/ulvenv/bin/pip download --no-deps ultralytics==8.4.108 -d /tmp/ul108
    (cd /tmp/ul108 && unzip -qo ultralytics-8.4.108-py3-none-any.whl)
    PYTHONPATH=/tmp/ul108 /tmp/ulvenv/bin/python scripts/gen_ultralytics_detection_fixture.py
"""

import json
import pathlib

import numpy as np
import torch

import ultralytics
from ultralytics.utils.metrics import ConfusionMatrix

NAMES = ["person", "car", "dog", "bicycle"]
IMAGES = 300
SEED = 12


def generate(rng):
    """One image: objects, and detections near them (jittered, some of the
    wrong class, some duplicated), plus a few far from everything."""
    k = len(NAMES)
    n_gt = int(rng.integers(0, 9))
    gt = []
    for _ in range(n_gt):
        x, y = rng.uniform(0, 560, 2)
        w, h = rng.uniform(8, 200, 2)
        gt.append([int(rng.integers(0, k)), x, y, x + w, y + h])
    det = []
    for cls, x1, y1, x2, y2 in gt:
        for _ in range(int(rng.integers(0, 4))):  # 0 = missed, 2-3 = duplicates
            w, h = x2 - x1, y2 - y1
            jitter = rng.normal(0, 0.15, 4) * [w, h, w, h]
            bx1, by1, bx2, by2 = np.array([x1, y1, x2, y2]) + jitter
            if bx2 <= bx1 or by2 <= by1:
                continue
            c = cls if rng.random() < 0.75 else int(rng.integers(0, k))
            det.append([c, bx1, by1, bx2, by2, rng.uniform(0.05, 1.0)])
    for _ in range(int(rng.integers(0, 4))):
        x, y = rng.uniform(0, 600, 2)
        w, h = rng.uniform(8, 120, 2)
        det.append([int(rng.integers(0, k)), x, y, x + w, y + h, rng.uniform(0.05, 1.0)])
    rng.shuffle(det)
    # Everything as float32, what the tensors hold; JSON then carries exact values.
    f32 = lambda v: float(np.float32(v))
    gt = [[c] + [f32(v) for v in box] for c, *box in gt]
    det = [[c] + [f32(v) for v in rest] for c, *rest in det]
    return gt, det


def main():
    rng = np.random.default_rng(SEED)
    cm = ConfusionMatrix(names={i: n for i, n in enumerate(NAMES)}, task="detect")
    images = []
    for _ in range(IMAGES):
        gt, det = generate(rng)
        gt_t = torch.tensor([g[1:] for g in gt], dtype=torch.float32).reshape(-1, 4)
        det_t = torch.tensor([d[1:5] for d in det], dtype=torch.float32).reshape(-1, 4)
        cm.process_batch(
            {
                "bboxes": det_t,
                "conf": torch.tensor([d[5] for d in det], dtype=torch.float32),
                "cls": torch.tensor([d[0] for d in det], dtype=torch.float32),
            },
            {"bboxes": gt_t, "cls": torch.tensor([g[0] for g in gt], dtype=torch.float32)},
        )
        images.append({"ground_truth": gt, "detections": det})
    out = {
        "generator": "scripts/gen_ultralytics_detection_fixture.py",
        "ultralytics_version": ultralytics.__version__,
        "torch_version": torch.__version__,
        "call": "ConfusionMatrix(task='detect').process_batch(detections, batch) with the defaults conf=0.25, iou_thres=0.45",
        "names": NAMES,
        "box_format": "ground_truth [class, x1, y1, x2, y2]; detections [class, x1, y1, x2, y2, score]",
        "matrix_orientation": "Ultralytics': rows predicted, columns true, background last",
        "matrix": cm.matrix.astype(int).tolist(),
        "images": images,
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
    path = path / f"ultralytics_detection_{ultralytics.__version__}.json"
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {path}: {IMAGES} images, matrix {cm.matrix.astype(int).tolist()}")


if __name__ == "__main__":
    main()
