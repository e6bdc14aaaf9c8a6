"""Bad input raises ValueError naming what to fix; the disk raises OSError."""

import numpy as np
import pytest

import tbconfusion
from events import tags


@pytest.fixture
def writer(tmp_path):
    w = tbconfusion.SummaryWriter(tmp_path / "val")
    yield w
    w.close()


def test_label_out_of_range_names_the_first_bad_sample(writer, tmp_path):
    with pytest.raises(ValueError, match=r"^predicted label 7 at index 2 is outside 0\.\.3$"):
        writer.add_confusion_matrix("cm", [0, 1, 2, 0], np.array([0, 1, 7, 9]), 0, num_classes=3)
    with pytest.raises(ValueError, match=r"^true label -1 at index 1 is outside 0\.\.3$"):
        writer.add_confusion_matrix("cm", np.array([0, -1], dtype=np.int8), [0, 0], 0, num_classes=3)
    writer.close()
    # Nothing of a rejected call was logged.
    assert "cm" not in tags(tmp_path / "val")


def test_lengths_and_shapes(writer):
    with pytest.raises(ValueError, match=r"lengths differ \(3 vs 2\)"):
        writer.add_confusion_matrix("cm", [0, 1, 2], [0, 1], 0, num_classes=3)
    with pytest.raises(ValueError, match=r"y_true must be one-dimensional.*\(2, 2\)"):
        writer.add_confusion_matrix("cm", [[0, 1], [1, 0]], [0, 1], 0, num_classes=2)
    with pytest.raises(ValueError, match=r"scores must be two-dimensional.*\(3,\)"):
        writer.add_confusion_matrix("cm", [0, 1, 2], step=0, scores=[0.1, 0.2, 0.7])
    with pytest.raises(ValueError, match="scores has 2 rows but y_true has 3 labels"):
        writer.add_confusion_matrix("cm", [0, 1, 2], step=0, scores=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels gives 2 classes but scores.shape\[1\] gives 3"):
        writer.add_confusion_matrix("cm", [0, 1], step=0, scores=np.zeros((2, 3)), labels=["a", "b"])
    with pytest.raises(ValueError, match="score at row 1, column 0 is NaN"):
        writer.add_confusion_matrix("cm", [0, 1], step=0, scores=[[1.0, 0.0], [np.nan, 0.0]])


def test_labels_must_be_integers(writer):
    with pytest.raises(ValueError, match=r"y_pred must hold integer class indices.*float64.*scores="):
        writer.add_confusion_matrix("cm", [0, 1], [0.0, 1.0], 0, num_classes=2)
    with pytest.raises(ValueError, match=r"y_true must hold integer class indices.*<U"):
        writer.add_confusion_matrix("cm", ["cat"], [0], 0, num_classes=2)


def test_class_count_must_be_known_and_names_distinct(writer):
    with pytest.raises(ValueError, match="number of classes is unknown"):
        writer.add_confusion_matrix("cm", [0, 1], [0, 1], 0)
    with pytest.raises(ValueError, match=r"class name \"cat\" is used by classes 0 and 1"):
        writer.add_confusion_matrix("cm", [0, 1], [0, 1], 0, labels=["cat", "cat"])


def test_arguments(writer):
    with pytest.raises(TypeError, match="missing required argument 'step'"):
        writer.add_confusion_matrix("cm", [0, 1], [0, 1], num_classes=2)
    with pytest.raises(TypeError, match="either y_pred or scores"):
        writer.add_confusion_matrix("cm", [0], [0], 0, scores=[[1.0]])
    with pytest.raises(ValueError, match=r"normalize must be one of \"none\", \"true\", \"pred\", \"all\", got \"rows\""):
        writer.add_confusion_matrix("cm", [0, 1], [0, 1], 0, num_classes=2, normalize="rows")
    with pytest.raises(ValueError, match=r"max_side_px = 50 is out of range"):
        writer.add_confusion_matrix("cm", [0, 1], [0, 1], 0, num_classes=2, max_side_px=50)
    with pytest.raises(ValueError, match="flush_secs"):
        tbconfusion.SummaryWriter("unused", flush_secs=-1)


def test_steps_must_increase(writer):
    writer.add_scalar("loss", 1.0, 5)
    with pytest.raises(ValueError, match=r"tag \"loss\": step 5 is not greater than the previous step 5"):
        writer.add_scalar("loss", 1.0, 5)
    writer.add_confusion_matrix("cm", [0, 1], [0, 1], 2, num_classes=2)
    with pytest.raises(ValueError, match="step 1 is not greater than the previous step 2"):
        writer.add_confusion_matrix("cm", [0, 1], [0, 1], 1, num_classes=2)


def test_disk_errors_are_oserrors(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError, match="cannot create the run directory") as caught:
        tbconfusion.SummaryWriter(blocker / "val")
    assert caught.value.errno is not None


def test_float64_score_errors_name_the_absolute_row(writer):
    scores = np.zeros((9000, 3))
    y_true = np.zeros(9000, dtype=np.int64)
    y_true[5000] = 7
    with pytest.raises(ValueError, match=r"^true label 7 at index 5000 is outside 0\.\.3$"):
        writer.add_confusion_matrix("cm", y_true, step=0, scores=scores)
    y_true[5000] = 0
    scores[8200, 2] = np.nan
    with pytest.raises(ValueError, match=r"^score at row 8200, column 2 is NaN$"):
        writer.add_confusion_matrix("cm", y_true, step=0, scores=scores)
