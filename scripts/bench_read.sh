#!/usr/bin/env bash
# Reading speed of `convert` against polars and pyarrow on the same CSV (issue #14):
# 10 M rows, 10 steps, K = 20 (about 71 MB), from the page cache. Also the same file
# gzipped and as JSON Lines. Makes the Python peers' venv under the target directory.
# Output: the lines for BENCHMARKS.md. Run: bash scripts/bench_read.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
data="$target/bench-data"
mkdir -p "$data"
pyvenv="$target/pyvenv"
if [[ ! -x "$pyvenv/bin/python" ]]; then
    python3 -m venv "$pyvenv"
    "$pyvenv/bin/pip" install --quiet pandas==3.1.1 polars==2.1.0 pyarrow==26.0.1 numpy==2.4.6
fi
csv="$data/read_10m_k20.csv"
if [[ ! -s "$csv" ]]; then
    "$pyvenv/bin/python" - "$csv" <<'PY'
import sys
import numpy as np
import polars as pl
rng = np.random.default_rng(14)
n, k = 10_000_000, 20
step = np.repeat(np.arange(1, 11), n // 10)
y_true = rng.integers(0, k, n)
y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
pl.DataFrame({"step": step, "y_true": y_true, "y_pred": y_pred}).write_csv(sys.argv[1])
PY
    gzip -1 -k -c "$csv" > "$csv.gz"
    "$pyvenv/bin/python" - "$csv" "${csv%.csv}.jsonl" <<'PY'
import sys
import polars as pl
pl.read_csv(sys.argv[1]).write_ndjson(sys.argv[2])
PY
fi
cargo build --release -p tbconfusion-cli --quiet
tb="$target/release/tbconfusion"
echo "nproc $(nproc); $(ls -l "$csv" | awk '{print $5}') bytes; $(date -u)"
cat "$csv" "$csv.gz" "${csv%.csv}.jsonl" > /dev/null  # into the page cache
for input in "$csv" "$csv.gz" "${csv%.csv}.jsonl"; do
    for run in 1 2 3 4 5; do
        logdir=$(mktemp -d)
        start=$(date +%s.%N)
        "$tb" convert "$input" --logdir "$logdir" --run bench --quiet > /dev/null
        end=$(date +%s.%N)
        rm -rf "$logdir"
        echo "$end - $start" | bc
    done | sort -n | awk -v f="$(basename "$input")" -v mb="$(stat -c %s "$csv")" \
        '{t[NR]=$1} END {printf "tbconfusion convert %s: median %.3f s (best %.3f s), %.0f MB/s of CSV-equivalent\n", f, t[3], t[1], mb/1e6/t[3]}'
done
"$pyvenv/bin/python" benches/python/read_and_count.py "$csv" 5
