"""Type stubs for the extension module behind ``tbconfusion``."""

import os
import pathlib
from types import TracebackType
from typing import Literal, Optional, Sequence, Type, Union

import numpy as np
import numpy.typing as npt

__version__: str

# Labels: any integer dtype (or bool), one class index per sample; scores:
# N x K logits or probabilities. Anything numpy.asarray accepts (lists,
# torch CPU tensors); C-contiguous arrays are read in place.
_Labels = Union[npt.NDArray[np.integer], npt.NDArray[np.bool_], Sequence[int], npt.ArrayLike]
_Scores = Union[npt.NDArray[np.floating], Sequence[Sequence[float]], npt.ArrayLike]
_Weights = Union[npt.NDArray[np.floating], Sequence[float], npt.ArrayLike]

class SummaryWriter:
    """Writes TensorBoard event files into one run directory: confusion
    matrices (image, exact table, metrics, raw counts, PR curves), scalars
    and text. A ``with`` block closes it on exit.

    Example::

        import numpy as np, tbconfusion
        with tbconfusion.SummaryWriter("runs/exp1/val") as w:
            for step in range(3):
                y_true = np.array([0, 1, 2, 2, 1])
                y_pred = np.array([0, 2, 2, 2, 1])
                w.add_confusion_matrix("confusion_matrix", y_true, y_pred, step,
                                       labels=["cat", "dog", "bird"])
                w.add_scalar("loss", 1.0 / (step + 1), step)
    """

    def __init__(
        self,
        logdir: Union[str, os.PathLike[str]],
        flush_secs: float = 2.0,
        max_queue: int = 16,
        filename_suffix: str = "",
        fsync: bool = False,
    ) -> None:
        """Creates ``logdir`` (and parents) and opens a new event file in it.

        ``flush_secs``: how often buffered events reach the file (default
        2 s). ``max_queue``: confusion matrices waiting to be drawn before a
        call waits (default 16). Raises ``OSError`` when the directory or the
        file cannot be created.
        """

    @property
    def logdir(self) -> pathlib.Path:
        """The run directory given to the constructor."""

    @property
    def path(self) -> pathlib.Path:
        """The event file being written (``ValueError`` once closed)."""

    def add_confusion_matrix(
        self,
        tag: str,
        y_true: _Labels,
        y_pred: Optional[_Labels] = None,
        step: Optional[int] = None,
        *,
        labels: Optional[Sequence[str]] = None,
        num_classes: Optional[int] = None,
        scores: Optional[_Scores] = None,
        score_kind: Literal["auto", "probs", "logits"] = "auto",
        sample_weight: Optional[_Weights] = None,
        ignore_index: Optional[int] = None,
        normalize: Optional[Literal["none", "true", "pred", "all"]] = None,
        color_mode: Optional[Literal["sequential", "errors"]] = None,
        class_order: Optional[Literal["auto", "given", "clustered"]] = None,
        annotate: Optional[Literal["auto", "always", "never"]] = None,
        colorbar: Optional[bool] = None,
        margins: Optional[bool] = None,
        max_side_px: Optional[int] = None,
        system_fonts: Optional[bool] = None,
        zero_division: Optional[Literal["nan", "zero", "one"]] = None,
        per_class_scalars_up_to: Optional[int] = None,
        top_confused_above: Optional[int] = None,
        top_confused_classes: Optional[int] = None,
        image: Optional[bool] = None,
        table: Optional[bool] = None,
        scalars: Optional[bool] = None,
        counts: Optional[bool] = None,
        pr_curves: Optional[bool] = None,
        delta: Optional[Literal["previous", "off"]] = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Logs a confusion matrix at ``step`` (required; steps must increase
        per tag): the image ``tag``, the table ``tag/table``, the metrics
        ``tag/accuracy``, ``tag/macro_f1``, ... and per class, the raw
        counts ``tag/counts`` and, from ``scores``, a PR curve per class
        (``tag/pr/<class>``).

        Give ``y_pred`` (predicted indices) or ``scores`` (N x K, argmax is
        the prediction). The number of classes comes from ``labels`` (class
        names), ``num_classes`` or the scores' width. ``None`` for an option
        means the library's default: ``normalize`` and ``color_mode`` are
        then chosen from the matrix (counts on a blue scale while cells
        carry their numbers, row shares with errors in orange for
        heatmaps), ``class_order="auto"``, ``annotate="auto"``, no colour
        bar or margins, ``max_side_px=4096`` (128..16384), per-class scalars
        up to 100 classes, ``tag/top_confused`` (20 classes) above 30,
        ``zero_division="nan"`` (undefined metrics are left out),
        everything logged, ``delta="previous"`` (``tag/delta`` from the
        second step). ``ignore_index``: samples with this true label are
        skipped. ``system_fonts=True`` adds the machine's CJK/Thai faces for
        class names. ``walltime``: seconds since the epoch, for back-filling.

        Raises ``ValueError`` for a bad label (naming the first bad sample,
        its index and value), mismatched lengths or shapes, a step not
        above the tag's previous one, or a bad option; ``OSError`` when the
        disk fails.

        Example::

            w.add_confusion_matrix("cm", y_true, y_pred, step, labels=["cat", "dog", "bird"])
            w.add_confusion_matrix("cm", y_true, step=step, scores=logits, normalize="true")
        """

    def add_scalar(self, tag: str, value: float, step: int, *, walltime: Optional[float] = None) -> None:
        """Logs a scalar (stored as float32) at ``step``.

        Example::

            w.add_scalar("loss", 0.25, step)
        """

    def add_text(self, tag: str, text: str, step: int, *, walltime: Optional[float] = None) -> None:
        """Logs Markdown text (the Text tab) at ``step``."""

    def flush(self) -> None:
        """Waits until everything logged so far, images included, is in the
        file; raises the error of any image that failed to build."""

    def close(self) -> None:
        """Writes everything and closes the file; later calls raise
        ``ValueError``. Closing again does nothing."""

    def __enter__(self) -> "SummaryWriter": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> bool: ...

def run_cli(argv: Sequence[str]) -> int:
    """Runs the ``tbconfusion`` command on ``argv`` (program name first) and
    returns its exit status."""
