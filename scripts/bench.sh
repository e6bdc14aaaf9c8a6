#!/usr/bin/env bash
# Runs every benchmark side by side with the Python baseline, for BENCHMARKS.md.
# Needs ../shared/bench (the baseline venv is made by its setup-py.sh).
# Output: target/bench-report/*.txt
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-report
mkdir -p "$out"
py=$(bash ../shared/bench/setup-py.sh | tail -n 1)/bin/python
echo "nproc $(nproc); $(date -u)" | tee "$out/machine.txt"
"$py" ../shared/bench/baseline_py.py --json "$out/baseline.json" > "$out/baseline.txt"
"$py" benches/python/tensorboardx_writer.py | tee "$out/tensorboardx.txt"
"$py" benches/python/numpy_bincount.py | tee "$out/numpy.txt"
for b in writer count render log_step convert segmentation detection; do
  cargo bench --workspace --bench "$b" 2>&1 | grep -vE "^(Benchmarking|Gnuplot|Found|  [0-9]+ \()" | tee "$out/$b.txt"
done
"$py" benches/python/convert_baseline.py target/bench-data/preds_k10.csv target/bench-data/preds_k100.csv | tee "$out/convert_python.txt"
"$py" benches/python/segmentation_bincount.py target/bench-data/seg | tee "$out/segmentation_python.txt"
# Reading speed against polars and pyarrow (its own venv under target/).
bash scripts/bench_read.sh | tee "$out/read.txt"
# Not here: Ultralytics' process_batch (benches/python/ultralytics_process_batch.py) needs torch,
# a multi-GB install; BENCHMARKS.md gives its command.
