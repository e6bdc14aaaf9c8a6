#!/usr/bin/env python3
"""Read logdirs with TensorFlow's own reader (run by scripts/check_tf_reader.sh).

Usage: check_tf_reader.py LOGDIR...

For every event file: tf.compat.v1.train.summary_iterator must read every
record; every Summary.Image must decode with tf.io.decode_png to its stated
height, width and channels (colorspace); scalars (simple_value) and text are
counted. Then tbparse (SummaryReader(logdir, pivot=False), scalars and images,
which needs TensorFlow) must list exactly the scalars and images found, with
the same runs, tags, steps and values. Prints what it read and
`N passed, N failed`; exits 1 on any failure.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow's import: quiet C++ logs

import numpy as np
import tensorflow as tf
from tbparse import SummaryReader


def event_files(logdir):
    for directory, _, files in sorted(os.walk(logdir)):
        for name in sorted(files):
            if "tfevents" in name:
                run = os.path.relpath(directory, logdir).replace(os.sep, "/")
                yield run, os.path.join(directory, name)


def read_logdir(logdir, report):
    scalars, images = {}, {}
    texts = records = 0
    for run, path in event_files(logdir):
        try:
            events = list(tf.compat.v1.train.summary_iterator(path))
        except Exception as e:  # a DataLossError names the damage
            report(False, "%s: summary_iterator: %s: %s" % (path, type(e).__name__, e))
            continue
        records += len(events)
        for event in events:
            for value in event.summary.value:
                kind = value.WhichOneof("value")
                key = (run, value.tag, event.step)
                if kind == "simple_value":
                    scalars[key] = value.simple_value
                elif kind == "image":
                    im = value.image
                    decoded = tf.io.decode_png(im.encoded_image_string).shape
                    stated = (im.height, im.width, im.colorspace)
                    if tuple(decoded) != stated:
                        report(False, "%s %s step %d: decode_png gives %s, Summary.Image states %s"
                               % (run, value.tag, event.step, tuple(decoded), stated))
                    images[key] = (im.width, im.height)
                elif kind == "tensor" and value.metadata.plugin_data.plugin_name == "text":
                    texts += 1
    report(True, "%s: %d records read by summary_iterator; %d scalars, %d images "
           "(every one decoded by tf.io.decode_png to its stated size), %d text values"
           % (logdir, records, len(scalars), len(images), texts))
    return scalars, images


def frame_points(frame):
    """{(run, tag, step): value} from a tbparse frame with dir_name."""
    points = {}
    for row in frame.itertuples(index=False):
        points[(row.dir_name or ".", row.tag, int(row.step))] = row
    return points


def check_tbparse(logdir, scalars, images, report):
    reader = SummaryReader(logdir, pivot=False, extra_columns={"dir_name", "width", "height"},
                           event_types={"scalars", "images"})
    got = frame_points(reader.scalars)
    wrong = [k for k, v in scalars.items() if k not in got or np.float32(got[k].value) != np.float32(v)]
    report(not wrong and len(got) == len(scalars),
           "%s: tbparse lists %d scalars, summary_iterator %d; %d differ %s"
           % (logdir, len(got), len(scalars), len(wrong), wrong[:5]))
    got = frame_points(reader.images)
    wrong = [k for k, (w, h) in images.items()
             if k not in got or (got[k].width, got[k].height) != (w, h)
             or got[k].value.shape[:2] != (h, w)]
    report(not wrong and len(got) == len(images),
           "%s: tbparse lists %d images (decoded by TensorFlow), summary_iterator %d; %d differ %s"
           % (logdir, len(got), len(images), len(wrong), wrong[:5]))


def main(logdirs):
    passed = failed = 0

    def report(ok, detail):
        nonlocal passed, failed
        print("%s %s" % ("PASS" if ok else "FAIL", detail))
        passed += ok
        failed += not ok

    print("TensorFlow %s" % tf.__version__)
    for logdir in logdirs:
        scalars, images = read_logdir(logdir, report)
        if not scalars or not images:
            report(False, "%s: expected scalars and images" % logdir)
        check_tbparse(logdir, scalars, images, report)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
