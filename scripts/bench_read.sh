#!/usr/bin/env bash
# Reading speed of `convert` against polars and pyarrow on the same CSV (issue #14):
# 10 M rows, 10 steps, K = 20 (about 71 MB), from the page cache. Also the same file
# gzipped and as JSON Lines. Makes the Python peers' venv under the target directory.
# Output: the lines for BENCHMARKS.md. Run: bash scripts/bench_read.sh
# (ROUNDS=N for more rounds; TBCONFUSION_BIN=path to time another build of the command).
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
tb="${TBCONFUSION_BIN:-$target/release/tbconfusion}"
rounds="${ROUNDS:-5}"
echo "nproc $(nproc); $(ls -l "$csv" | awk '{print $5}') bytes; $(date -u); $(uptime)"
cat "$csv" "$csv.gz" "${csv%.csv}.jsonl" > /dev/null  # into the page cache
times="$(mktemp)"
# Rounds alternate the contenders, so a change in the machine's load hits all of them alike.
for round in $(seq "$rounds"); do
    for input in "$csv" "$csv.gz" "${csv%.csv}.jsonl"; do
        logdir=$(mktemp -d)
        start=$(date +%s.%N)
        "$tb" convert "$input" --logdir "$logdir" --run bench --quiet > /dev/null
        end=$(date +%s.%N)
        rm -rf "$logdir"
        echo "tbconfusion convert $(basename "$input")|$(echo "$end - $start" | bc)" >> "$times"
    done
    "$pyvenv/bin/python" benches/python/read_and_count.py "$csv" 1 |
        sed -E 's/^(.*): median ([0-9.]+) s.*/\1|\2/' >> "$times"
    echo "round $round done; $(uptime)"
done
# Median and best of each contender, and MB/s of the CSV's size.
sort -t'|' -k1,1 -k2,2n "$times" | awk -F'|' -v mb="$(stat -c %s "$csv")" '
    function report() { if (n) printf "%s: median %.3f s (best %.3f s) of %d, %.0f MB/s of CSV-equivalent\n", name, t[int((n + 1) / 2)], t[1], n, mb / 1e6 / t[int((n + 1) / 2)] }
    $1 != name { report(); name = $1; n = 0 }
    { t[++n] = $2 }
    END { report() }'
rm -f "$times"
