#!/usr/bin/env bash
# The "beyond one machine" path with Apache Spark (local mode): Spark summarises
# raw predictions stored as Parquet with GROUP BY step, y_true, y_pred, and
# `tbconfusion convert` turns the counts table into event files. Checks that the
# result has exactly the counts of converting the raw predictions directly.
#
# Not in CI (pyspark is a ~300 MB download and Spark starts a JVM). Needs Java 17+
# (installs Debian's default-jre-headless when `java` is missing and apt-get can)
# and PyPI. Run from anywhere: bash scripts/spark_counts.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target/sparkvenv"
work="$target/spark-counts"

if ! command -v java >/dev/null; then
    echo "java not found: installing Debian's default-jre-headless" >&2
    apt-get install -y default-jre-headless >&2
fi
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyspark==4.3.0
fi
cargo build --release -p tbconfusion-cli --quiet
tb="$target/release/tbconfusion"
rm -rf "$work" && mkdir -p "$work"

# Raw predictions: 200,000 rows, 5 steps, 20 classes, 70% right, with weights.
"$venv/bin/python" - "$work/raw.csv" <<'PY'
import random, sys
random.seed(3)
with open(sys.argv[1], "w") as f:
    f.write("step,y_true,y_pred,weight\n")
    for _ in range(200_000):
        step, t = random.randint(1, 5), random.randrange(20)
        p = t if random.random() < 0.7 else random.randrange(20)
        f.write(f"{step},{t},{p},{random.randint(1, 8) / 4}\n")
PY

"$venv/bin/python" - "$work" <<'PY'
import sys, glob, shutil
from pyspark.sql import SparkSession
work = sys.argv[1]
spark = (SparkSession.builder.master("local[2]").appName("tbconfusion-counts")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
raw = spark.read.csv(f"{work}/raw.csv", header=True, inferSchema=True)
raw.write.parquet(f"{work}/predictions.parquet")
spark.read.parquet(f"{work}/predictions.parquet").createOrReplaceTempView("predictions")
counts = spark.sql("""
    SELECT step, y_true, y_pred, count(*) AS count, sum(weight) AS weight
    FROM predictions
    GROUP BY step, y_true, y_pred
""")
counts.coalesce(1).write.csv(f"{work}/counts_csv", header=True)
part = glob.glob(f"{work}/counts_csv/part-*.csv")[0]
shutil.copy(part, f"{work}/counts.csv")
print(f"spark {spark.version}: {counts.count()} rows summarise "
      f"{counts.groupBy().sum('count').first()[0]} predictions")
spark.stop()
PY

"$tb" convert "$work/raw.csv" --logdir "$work/logs-raw" --run val --quiet
"$tb" convert "$work/counts.csv" --logdir "$work/logs-spark" --run val --quiet
"$tb" export "$work/logs-raw" > "$work/raw-export.csv"
"$tb" export "$work/logs-spark" > "$work/spark-export.csv"
# Wall times differ (conversion time stamps each step): compare every other column.
cut -d, -f1-3,5- "$work/raw-export.csv" > "$work/raw-cells.csv"
cut -d, -f1-3,5- "$work/spark-export.csv" > "$work/spark-cells.csv"
if cmp -s "$work/raw-cells.csv" "$work/spark-cells.csv"; then
    echo "OK: $(($(wc -l < "$work/raw-cells.csv") - 1)) cells, identical counts from the raw predictions and from Spark's GROUP BY"
else
    diff "$work/raw-cells.csv" "$work/spark-cells.csv" | head -20
    echo "MISMATCH between the raw conversion and Spark's counts table" >&2
    exit 1
fi
