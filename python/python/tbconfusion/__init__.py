"""Confusion matrices in TensorBoard, from numpy.

One call per step logs the rendered matrix (Images tab), the exact counts
and a per-class report (Text tab), the metrics (Scalars tab), the raw
counts and, from scores, a precision-recall curve per class::

    import tbconfusion
    w = tbconfusion.SummaryWriter("runs/exp1/val")
    w.add_confusion_matrix("confusion_matrix", y_true, y_pred, step, labels=["cat", "dog", "bird"])
    w.add_confusion_matrix("confusion_matrix", y_true, step=step, scores=logits)   # argmax (+ PR curves)
    w.add_scalar("loss", loss, step); w.flush(); w.close()      # and `with` support

Then ``tensorboard --logdir runs --samples_per_plugin images=1000``.

The wheel also installs the ``tbconfusion`` command (``tbconfusion --help``),
which converts prediction dumps from any framework into event files.
"""

from ._native import SummaryWriter, __version__

__all__ = ["SummaryWriter", "__version__"]
