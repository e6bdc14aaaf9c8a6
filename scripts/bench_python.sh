#!/usr/bin/env bash
# The logged step from Python, side by side with the sklearn + seaborn +
# add_figure recipe, for BENCHMARKS.md ("From Python"). Alternates the two
# ROUNDS times (default 2) in one session, since the machine is shared.
# Needs ../shared/bench (the baseline venv is made by its setup-py.sh).
# Output: <target>/bench-report/python_{ours,baseline}_<round>.txt
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
# Absolute: the benchmark runs from benches/python.
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
out="$target/bench-report"
mkdir -p "$out"
rounds="${ROUNDS:-2}"
baseline_py=$(bash ../shared/bench/setup-py.sh | tail -n 1)/bin/python

# A release wheel (the benchmark must not measure the dev build the tests use).
tools="$target/pytools"
if ! cmp -s "$tools/.pins" python/requirements-build.txt 2>/dev/null || [[ ! -x "$tools/bin/maturin" ]]; then
    python3 -m venv --clear "$tools"
    "$tools/bin/python" -m pip install -q --disable-pip-version-check -r python/requirements-build.txt
    cp python/requirements-build.txt "$tools/.pins"
fi
rm -rf "$target/wheels-release"
"$tools/bin/maturin" build --release --manifest-path python/Cargo.toml --out "$target/wheels-release" --interpreter python3
venv="$target/pybench"
python3 -m venv --clear "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "$target"/wheels-release/tbconfusion-*.whl numpy==2.4.6

echo "nproc $(nproc); $(date -u)" | tee "$out/python_machine.txt"
for round in $(seq "$rounds"); do
    (cd benches/python && "$venv/bin/python" module_step.py) | tee "$out/python_ours_$round.txt"
    "$baseline_py" ../shared/bench/baseline_py.py --big-n 1000 --throughput-ks 10 \
        | tee "$out/python_baseline_$round.txt"
done
