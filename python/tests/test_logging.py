"""Logging from numpy arrays, lists and array-likes; what lands in the file."""

import os

import numpy as np
import pytest

import tbconfusion
from events import png_size, tags, values

NAMES = ["cat", "dog", "bird"]
Y_TRUE = [0, 1, 2, 2, 1, 0, 2]
Y_PRED = [0, 2, 2, 2, 1, 0, 1]


def matrix_tags(tag, names=NAMES):
    per_class = {"%s/%s/%s" % (tag, m, n) for m in ("precision", "recall", "f1") for n in names}
    overall = {"%s/%s" % (tag, m) for m in ("accuracy", "balanced_accuracy", "macro_f1", "weighted_f1", "mcc", "kappa")}
    return {tag, tag + "/table", tag + "/counts"} | per_class | overall


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
)
def test_numpy_any_integer_dtype(tmp_path, dtype):
    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(run) as w:
        # The two arrays in different dtypes, as argmax (int64) against stored uint8 labels.
        w.add_confusion_matrix("cm", np.array(Y_TRUE, dtype=dtype), np.array(Y_PRED), 0, labels=NAMES)
    assert tags(run) == matrix_tags("cm")
    accuracy = [v["scalar"] for v in values(run) if v["tag"] == "cm/accuracy"]
    assert accuracy == [pytest.approx(5 / 7)]


def test_lists_and_array_likes(tmp_path):
    class Tensor:
        """What torch CPU tensors offer numpy.asarray: __array__."""

        def __init__(self, data):
            self.data = np.asarray(data)

        def __array__(self, dtype=None, copy=None):
            return self.data

    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(str(run)) as w:
        w.add_confusion_matrix("lists", Y_TRUE, Y_PRED, 0, num_classes=3)
        w.add_confusion_matrix("tensors", Tensor(Y_TRUE), Tensor(Y_PRED), 0, num_classes=3)
        w.add_confusion_matrix("bools", [True, False, True], [True, True, False], 0, num_classes=2)
    logged = values(run)
    accuracy = {v["tag"]: v["scalar"] for v in logged if v["tag"].endswith("/accuracy")}
    assert accuracy == {
        "lists/accuracy": pytest.approx(5 / 7),
        "tensors/accuracy": pytest.approx(5 / 7),
        "bools/accuracy": pytest.approx(1 / 3),
    }
    # Without names, classes are called by their index.
    assert "lists/recall/2" in {v["tag"] for v in logged}


def test_strided_and_readonly_arrays(tmp_path):
    y_true = np.array([[0, 9], [1, 9], [2, 9]])[:, 0]  # a strided view: copied once
    y_pred = np.array([0, 1, 1])
    y_pred.setflags(write=False)
    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(run) as w:
        w.add_confusion_matrix("cm", y_true, y_pred, 3, num_classes=3)
    assert [v["step"] for v in values(run) if v["tag"] == "cm"] == [3]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scores_argmax_and_pr_curves(tmp_path, dtype):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(50, 3)).astype(dtype)
    y_true = rng.integers(0, 3, size=50)
    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(run) as w:
        w.add_confusion_matrix("cm", y_true, step=0, scores=logits, labels=NAMES)
    logged = values(run)
    accuracy = [v["scalar"] for v in logged if v["tag"] == "cm/accuracy"]
    assert accuracy == [pytest.approx(np.mean(logits.argmax(1) == y_true))]
    pr = {v["tag"] for v in logged if v["tag"].startswith("cm/pr/")}
    assert pr == {"cm/pr/cat", "cm/pr/dog", "cm/pr/bird"}
    assert "cm/map" in {v["tag"] for v in logged}


def test_options_change_what_is_logged(tmp_path):
    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(run) as w:
        w.add_confusion_matrix(
            "cm", Y_TRUE, Y_PRED, 0, labels=NAMES, normalize="true", color_mode="errors",
            margins=True, per_class_scalars_up_to=2, table=False, counts=False,
        )
        w.add_confusion_matrix("plain", Y_TRUE, Y_PRED, 0, labels=NAMES)
    logged = {v["tag"] for v in values(run)}
    assert "cm/table" not in logged and "cm/counts" not in logged
    assert not any(t.startswith("cm/recall/") for t in logged)
    sizes = {v["tag"]: png_size(v["png"]) for v in values(run) if "png" in v}
    # The margins add a column and a row.
    assert sizes["cm"][0] > sizes["plain"][0] and sizes["cm"][1] > sizes["plain"][1]


def test_ignore_index_and_weights(tmp_path):
    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(run) as w:
        w.add_confusion_matrix("ignored", [0, 255, 1], [0, 1, 0], 0, num_classes=2, ignore_index=255)
        w.add_confusion_matrix("weighted", [0, 1], [0, 0], 0, num_classes=2, sample_weight=[3.0, 1.0])
    scalars = {v["tag"]: v["scalar"] for v in values(run) if "scalar" in v}
    assert scalars["ignored/accuracy"] == pytest.approx(0.5)
    assert scalars["weighted/weighted/accuracy"] == pytest.approx(0.75)


def test_with_block_flushes_on_exit(tmp_path):
    run = tmp_path / "val"
    # flush_secs far beyond the test: only leaving the block can write the events.
    with tbconfusion.SummaryWriter(run, flush_secs=3600) as w:
        w.add_scalar("loss", 0.25, 1)
        w.add_confusion_matrix("cm", Y_TRUE, Y_PRED, 1, labels=NAMES)
        assert "loss" not in tags(run)
    logged = values(run)
    assert [(v["step"], v["scalar"]) for v in logged if v["tag"] == "loss"] == [(1, 0.25)]
    assert [v["step"] for v in logged if v["tag"] == "cm"] == [1]
    with pytest.raises(ValueError, match="closed"):
        w.add_scalar("loss", 0.5, 2)
    w.close()  # closing again does nothing


def test_flush_and_close(tmp_path):
    run = tmp_path / "val"
    w = tbconfusion.SummaryWriter(run, flush_secs=3600, max_queue=1)
    for step in range(3):
        w.add_confusion_matrix("cm", Y_TRUE, Y_PRED, step, labels=NAMES)
        w.add_scalar("loss", 1.0 / (step + 1), step)
    w.flush()
    assert [v["step"] for v in values(run) if v["tag"] == "cm"] == [0, 1, 2]
    # From the second step on, the change since the previous one.
    assert [v["step"] for v in values(run) if v["tag"] == "cm/delta"] == [1, 2]
    w.add_text("notes", "**done**", 3)
    w.close()
    assert os.path.basename(str(w.logdir)) == "val"
    assert [v["step"] for v in values(run) if v["tag"] == "notes"] == [3]


def test_walltime_for_backfilling(tmp_path):
    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(run) as w:
        w.add_scalar("loss", 1.0, 0, walltime=1_700_000_000.0)
        with pytest.raises(ValueError, match="wall time"):
            w.add_scalar("loss", 1.0, 1, walltime=float("nan"))


def test_module_surface():
    assert tbconfusion.__version__
    assert "add_confusion_matrix" in tbconfusion.SummaryWriter.__doc__ or tbconfusion.SummaryWriter.add_confusion_matrix.__doc__
    assert "Example" in tbconfusion.SummaryWriter.add_confusion_matrix.__doc__
    package = os.path.dirname(tbconfusion.__file__)
    assert os.path.exists(os.path.join(package, "py.typed"))
    assert os.path.exists(os.path.join(package, "_native.pyi"))


def test_threads_share_a_writer(tmp_path):
    import threading

    run = tmp_path / "val"
    errors = []
    with tbconfusion.SummaryWriter(run) as w:

        def log(tag):
            try:
                for step in range(5):
                    w.add_confusion_matrix(tag, Y_TRUE, Y_PRED, step, labels=NAMES)
            except Exception as e:  # reported below: pytest does not see a thread's exceptions
                errors.append(e)

        threads = [threading.Thread(target=log, args=("cm%d" % i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    logged = values(run)
    for i in range(4):
        assert [v["step"] for v in logged if v["tag"] == "cm%d" % i] == [0, 1, 2, 3, 4]


def test_float64_scores_in_blocks_count_as_float32(tmp_path):
    # More rows than one narrowing block (4096), so several blocks are counted.
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(10_000, 4))
    y_true = rng.integers(0, 4, size=10_000)
    run = tmp_path / "val"
    with tbconfusion.SummaryWriter(run) as w:
        w.add_confusion_matrix("f64", y_true, step=0, scores=logits)
        w.add_confusion_matrix("f32", y_true, step=0, scores=logits.astype(np.float32))
    scalars = {v["tag"]: v["scalar"] for v in values(run) if "scalar" in v}
    assert scalars["f64/accuracy"] == pytest.approx(np.mean(logits.argmax(1) == y_true))
    for name in ("accuracy", "map", "ap/0", "ap/3", "kappa"):
        assert scalars["f64/" + name] == scalars["f32/" + name], name
