"""Times Ultralytics' own ConfusionMatrix.process_batch on the 300 images of
tests/fixtures/ultralytics_detection_8.4.190.json, the data `cargo bench
--bench detection` times DetectionMatrix::update_image on. Tensors are built
before timing (a validation loop has them already), so only matching and
counting are measured. Prints boxes per second, best of 5 passes.

    <venv with ultralytics and torch>/bin/python benches/python/ultralytics_process_batch.py
"""

import json
import pathlib
import time

import torch

import ultralytics
from ultralytics.utils.metrics import ConfusionMatrix

root = pathlib.Path(__file__).resolve().parents[2]
data = json.loads((root / "tests/fixtures/ultralytics_detection_8.4.190.json").read_text())
names = {i: n for i, n in enumerate(data["names"])}
batches = []
boxes = 0
for image in data["images"]:
    gt, det = image["ground_truth"], image["detections"]
    boxes += len(gt) + len(det)
    batches.append(
        (
            {
                "bboxes": torch.tensor([d[1:5] for d in det], dtype=torch.float32).reshape(-1, 4),
                "conf": torch.tensor([d[5] for d in det], dtype=torch.float32),
                "cls": torch.tensor([d[0] for d in det], dtype=torch.float32),
            },
            {
                "bboxes": torch.tensor([g[1:] for g in gt], dtype=torch.float32).reshape(-1, 4),
                "cls": torch.tensor([g[0] for g in gt], dtype=torch.float32),
            },
        )
    )
torch.set_num_threads(1)
best = float("inf")
for _ in range(5):
    cm = ConfusionMatrix(names=names, task="detect")
    start = time.perf_counter()
    for detections, batch in batches:
        cm.process_batch(detections, batch)
    best = min(best, time.perf_counter() - start)
print(
    f"ultralytics {ultralytics.__version__} (torch {torch.__version__}) process_batch: "
    f"{len(batches)} images, {boxes} boxes in {best * 1e3:.2f} ms = {boxes / best / 1e6:.3f} M boxes/s"
)
