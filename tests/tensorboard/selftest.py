#!/usr/bin/env python3
"""Prove check_logdir.py can pass and can fail.

Run with the harness venv's python (setup_venv.sh prints it). Writes a small
logdir with TensorBoard's own TF-free event writer and hand-built protos (so it
does not depend on tbconfusion), in the forms PyTorch's SummaryWriter writes
(scalars as simple_value, images as Summary.Image, text as a string tensor
with its metadata on every value), then runs check_logdir.py against:

  * the matching manifest                -> must exit 0 with "N passed, 0 failed"
  * a wrong scalar value                 -> must exit 1
  * a manifest missing one served step   -> must exit 1
  * a wrong image size                   -> must exit 1
  * a wrong hyperparameter value         -> must exit 1

Run `train` is also an HParams session: its hyperparameters and end are written
with TensorBoard's own hparams protos and metadata helper.

Prints one line per case and ends with `N passed, N failed`; exits 0 only when
every case behaved as expected. `selftest.py --write-logdir DIR` only writes the
logdir and prints its manifest (used by tests/tensorboard_selftest.rs).
"""

import copy
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from PIL import Image
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_logdir.py")
WALL_TIME = 1_700_000_000.0
ALL_READERS = {"rustboard", "python", "event_accumulator", "tbparse"}
TABLE = "| class | cat | dog |\n|---|---|---|\n| cat | 12 | 3 |\n| dog | 1 | 9 |\n"


def metadata(plugin, data_class):
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin),
        data_class=data_class,
    )


def scalar_value(tag, value):
    return summary_pb2.Summary.Value(tag=tag, simple_value=value)


def png(width, height, shade):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 128, 255 - shade)).save(buffer, format="PNG")
    return buffer.getvalue()


def image_value(tag, width, height, shade):
    image = summary_pb2.Summary.Image(
        width=width, height=height, colorspace=3, encoded_image_string=png(width, height, shade)
    )
    return summary_pb2.Summary.Value(tag=tag, image=image)


def text_value(tag, markdown):
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[markdown.encode()])
    return summary_pb2.Summary.Value(
        tag=tag, tensor=tensor, metadata=metadata("text", summary_pb2.DATA_CLASS_TENSOR)
    )


def hparams_values(hparams):
    """The session start and end (SUCCESS) of a run, as TensorBoard's hparams summaries."""
    start = plugin_data_pb2.HParamsPluginData(session_start_info=plugin_data_pb2.SessionStartInfo(
        start_time_secs=WALL_TIME))
    for name, value in hparams.items():
        field = {bool: "bool_value", str: "string_value"}.get(type(value), "number_value")
        setattr(start.session_start_info.hparams[name], field, value)
    end = plugin_data_pb2.HParamsPluginData(session_end_info=plugin_data_pb2.SessionEndInfo(
        status=api_pb2.STATUS_SUCCESS, end_time_secs=WALL_TIME + 10))
    return [
        summary_pb2.Summary.Value(
            tag=tag, tensor=hparams_metadata.NULL_TENSOR,
            metadata=hparams_metadata.create_summary_metadata(data))
        for tag, data in ((hparams_metadata.SESSION_START_INFO_TAG, start),
                          (hparams_metadata.SESSION_END_INFO_TAG, end))
    ]


TRAIN_HPARAMS = {"lr": 0.01, "optimizer": "adam", "augment": True}


def write_run(directory, steps):
    """steps: list of (step, [Summary.Value])."""
    os.makedirs(directory)
    writer = EventFileWriter(directory)
    for step, values in steps:
        writer.add_event(
            event_pb2.Event(wall_time=WALL_TIME + step, step=step, summary=summary_pb2.Summary(value=values))
        )
    writer.close()


def write_logdir(logdir):
    """Returns the manifest describing exactly what was written."""
    train_losses = [0.9, 0.5, 0.1 + 0.2]  # 0.3000000000000004 tests the float32 comparison
    train = []
    for step, loss in enumerate(train_losses):
        values = [scalar_value("loss", loss)]
        if step != 1:  # images and text at steps 0 and 2 only
            values.append(image_value("confusion_matrix/train", 40 + step, 30, 60 * step))
            values.append(text_value("confusion_matrix/train_table", TABLE.replace("12", str(12 + step))))
        if step == 0:
            values += hparams_values(TRAIN_HPARAMS)
        train.append((step, values))
    write_run(os.path.join(logdir, "train"), train)
    write_run(os.path.join(logdir, "eval", "val"), [(5, [scalar_value("accuracy", 0.75)])])
    return {
        "runs": {
            "train": {
                "scalars": {"loss": [[s, v] for s, v in enumerate(train_losses)]},
                "images": {"confusion_matrix/train": [
                    {"step": 0, "width": 40, "height": 30},
                    {"step": 2, "width": 42, "height": 30},
                ]},
                "text": {"confusion_matrix/train_table": [
                    {"step": 0, "contains": ["<table>", "<td>12</td>", "dog"]},
                    {"step": 2, "contains": ["<td>14</td>"]},
                ]},
            },
            "eval/val": {"scalars": {"accuracy": [[5, 0.75]]}},
        },
        "hparams": {"train": {"hparams": TRAIN_HPARAMS, "status": "STATUS_SUCCESS"}},
    }


def wrong_manifests(good):
    value = copy.deepcopy(good)
    value["runs"]["train"]["scalars"]["loss"][1][1] = 0.5001
    missing = copy.deepcopy(good)
    del missing["runs"]["train"]["scalars"]["loss"][2]
    size = copy.deepcopy(good)
    size["runs"]["train"]["images"]["confusion_matrix/train"][0]["width"] = 41
    hparam = copy.deepcopy(good)
    hparam["hparams"]["train"]["hparams"]["optimizer"] = "sgd"
    return {
        # (manifest, what the failure says, the readers that must report it)
        "wrong scalar value": (value, "values: step 1: served 0.5", ALL_READERS),
        "missing step": (missing, "unexpected steps [2]", ALL_READERS),
        # tbparse reads images only with TensorFlow (not in the test venv).
        "wrong image size": (size, "decoded 40x30, expected 41x30", ALL_READERS - {"tbparse"}),
        # Only TensorBoard's servers have an HParams tab.
        "wrong hyperparameter": (hparam, "hparams session 'train': hyperparameters", {"rustboard", "python"}),
    }


def run_checker(logdir, manifest, workdir, name, *options):
    path = os.path.join(workdir, re.sub(r"\W+", "_", name) + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, CHECKER, logdir, path, *options], capture_output=True, text=True, timeout=300
    )
    return proc, time.monotonic() - started


def main():
    if sys.argv[1:2] == ["--write-logdir"] and len(sys.argv) == 3:
        # For tests/tensorboard_selftest.rs: the same logdir, checked from Rust.
        print(json.dumps(write_logdir(sys.argv[2])))
        return 0
    passed = failed = 0

    def report(ok, name, detail):
        nonlocal passed, failed
        ok = bool(ok)
        print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail))
        passed += ok
        failed += not ok

    with tempfile.TemporaryDirectory(prefix="tbconfusion-selftest-") as workdir:
        logdir = os.path.join(workdir, "logs")
        good = write_logdir(logdir)

        proc, seconds = run_checker(logdir, good, workdir, "matching")
        summary = proc.stdout.strip().splitlines()[-1:] or [""]
        ok = proc.returncode == 0 and re.fullmatch(r"[1-9]\d* passed, 0 failed", summary[0])
        report(ok, "matching manifest passes", "exit %d in %.1f s, %r" % (proc.returncode, seconds, summary[0]))
        if not ok:
            print(proc.stdout + proc.stderr)

        for name, (manifest, needle, readers) in wrong_manifests(good).items():
            # A shorter settle only makes a mismatch fail sooner; it cannot make one pass.
            proc, seconds = run_checker(logdir, manifest, workdir, name, "--settle", "3")
            summary = proc.stdout.strip().splitlines()[-1:] or [""]
            # The failure must come from the check we broke, in every reader that reads it.
            fails = [line for line in proc.stdout.splitlines() if line.startswith("FAIL") and needle in line]
            loaders = {name for name in ALL_READERS if any("[%s]" % name in f for f in fails)}
            ok = proc.returncode == 1 and re.fullmatch(r"\d+ passed, [1-9]\d* failed", summary[0]) and loaders == readers
            report(ok, "%s fails" % name,
                   "exit %d in %.1f s, %r, caught by %s" % (proc.returncode, seconds, summary[0], sorted(loaders)))
            if not ok:
                print(proc.stdout + proc.stderr)

    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
