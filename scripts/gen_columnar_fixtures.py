#!/usr/bin/env python3
"""Writes the Parquet and Arrow fixtures of tests/fixtures/columnar with the
libraries that teams write them with: pandas (pyarrow engine), polars,
pyarrow and Apache Spark. Run through scripts/gen_columnar_fixtures.sh.

Usage: gen_columnar_fixtures.py OUT_DIR {pandas|spark}

Every file holds the same 90 predictions (3 steps, classes cat, dog, bird),
in a different layout: labels as strings, categoricals or indices, scores as
one column per class or one list per row, or Spark's GROUP BY counts. The
predicted class is always the argmax of the scores, so each file converts to
the counts of predictions.csv with --labels cat,dog,bird.
"""

import random
import sys
from pathlib import Path

NAMES = ["cat", "dog", "bird"]


def rows():
    rng = random.Random(14)
    out = []
    for i in range(90):
        step = 1 + i % 3
        truth = rng.randrange(3)
        probs = [rng.random() for _ in range(3)]
        if rng.random() < 0.6:
            probs[truth] += 1.0
        total = sum(probs)
        probs = [round(p / total, 4) for p in probs]
        pred = max(range(3), key=lambda c: probs[c])
        weight = rng.randint(1, 8) / 4
        out.append((step, truth, pred, probs, weight))
    return out


def write_pandas(out: Path) -> None:
    import numpy as np
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    import pyarrow.feather as feather

    data = rows()
    steps = [r[0] for r in data]
    truth = [r[1] for r in data]
    pred = [r[2] for r in data]
    probs = [r[3] for r in data]
    weight = [r[4] for r in data]
    names = lambda idx: [NAMES[i] for i in idx]

    # The reference: plain CSV, class names.
    pd.DataFrame(
        {"step": steps, "y_true": names(truth), "y_pred": names(pred), "weight": weight}
    ).to_csv(out / "predictions.csv", index=False)

    # pandas: strings and a categorical (a Parquet dictionary), snappy.
    pd.DataFrame(
        {
            "step": steps,
            "label": names(truth),
            "prediction": pd.Categorical(names(pred), categories=NAMES),
            "weight": weight,
        }
    ).to_parquet(out / "pandas_labels.parquet", index=False)
    # pandas: one probability column per class; labels as int64 with a
    # float wall time.
    frame = pd.DataFrame({"epoch": steps, "y_true": np.array(truth, dtype="int64")})
    for c in range(3):
        frame[f"prob_{c}"] = [p[c] for p in probs]
    frame["wall_time"] = 1_700_000_000.5
    frame.to_parquet(out / "pandas_probs.parquet", index=False)

    # polars: a fixed-size list of float32 scores (Array dtype) and zstd.
    pl.DataFrame(
        {
            "step": pl.Series(steps, dtype=pl.Int32),
            "target": pl.Series(truth, dtype=pl.UInt8),
            "probs": pl.Series(probs, dtype=pl.Array(pl.Float32, 3)),
        }
    ).write_parquet(out / "polars_probs.parquet")
    # polars: categorical labels (dictionary-encoded strings), Utf8View.
    pl.DataFrame(
        {
            "step": steps,
            "y_true": pl.Series(names(truth), dtype=pl.Categorical),
            "y_pred": pl.Series(names(pred), dtype=pl.Categorical),
        }
    ).write_parquet(out / "polars_labels.parquet")

    # Arrow IPC: a Feather v2 file (lz4 by default) and a stream.
    table = pa.table(
        {
            "step": pa.array(steps, pa.int64()),
            "y_true": pa.array(names(truth)).dictionary_encode(),
            "y_pred": pa.array(pred, pa.int16()),
        }
    )
    feather.write_feather(table, out / "pyarrow_labels.feather")
    pl.DataFrame(
        {"step": steps, "y_true": truth, "scores": pl.Series(probs, dtype=pl.List(pl.Float64))}
    ).write_ipc_stream(out / "polars_scores.arrows")


def write_spark(out: Path) -> None:
    import shutil
    import tempfile

    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    data = [(s, NAMES[t], NAMES[p], [float(x) for x in probs], w) for s, t, p, probs, w in rows()]
    frame = spark.createDataFrame(
        data, "step long, y_true string, y_pred string, probs array<double>, weight double"
    )
    frame.createOrReplaceTempView("predictions")
    counts = spark.sql(
        "SELECT step, y_true, y_pred, count(*) AS count FROM predictions "
        "GROUP BY step, y_true, y_pred ORDER BY step, y_true, y_pred"
    )
    scores = frame.select("step", "y_true", "probs")
    with tempfile.TemporaryDirectory() as tmp:
        for name, df in [("spark_counts", counts), ("spark_probs", scores)]:
            target = Path(tmp) / name
            df.coalesce(1).write.parquet(str(target))
            (part,) = target.glob("part-*.parquet")
            shutil.copy(part, out / f"{name}.parquet")
    spark.stop()


def main() -> None:
    out, which = Path(sys.argv[1]), sys.argv[2]
    {"pandas": write_pandas, "spark": write_spark}[which](out)


if __name__ == "__main__":
    main()
