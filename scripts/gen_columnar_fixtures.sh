#!/usr/bin/env bash
# Regenerates tests/fixtures/columnar: Parquet files written by pandas, polars
# and Apache Spark (local mode), and Arrow IPC files by pyarrow and polars. The
# files are committed (a few kilobytes); the tests read them without Python.
#
# Makes two venvs under the target directory: one with pandas, polars and
# pyarrow, one with pyspark (needs Java 17+: installs Debian's
# default-jre-headless when `java` is missing). Run: bash scripts/gen_columnar_fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
out=tests/fixtures/columnar
mkdir -p "$out"

pyvenv="$target/pyvenv"
if [[ ! -x "$pyvenv/bin/python" ]]; then
    python3 -m venv "$pyvenv"
    "$pyvenv/bin/pip" install --quiet pandas==3.1.1 polars==2.1.0 pyarrow==26.0.1 numpy==2.4.6
fi
"$pyvenv/bin/python" scripts/gen_columnar_fixtures.py "$out" pandas

if ! command -v java >/dev/null; then
    echo "java not found: installing Debian's default-jre-headless" >&2
    apt-get install -y default-jre-headless >&2
fi
sparkvenv="$target/sparkvenv"
if [[ ! -x "$sparkvenv/bin/python" ]]; then
    python3 -m venv "$sparkvenv"
    "$sparkvenv/bin/pip" install --quiet pyspark==4.3.0
fi
"$sparkvenv/bin/python" scripts/gen_columnar_fixtures.py "$out" spark
ls -l "$out"
