#!/usr/bin/env bash
# Create (or reuse) the Python venv holding the pinned TensorBoard for the
# conformance harness, and print the path of its python on stdout.
#   venv:  ${TBCONFUSION_VENV:-${CARGO_TARGET_DIR:-<repo>/target}/tbvenv}
#          (the Rust harness passes TBCONFUSION_VENV=<its target dir>/tbvenv)
#   pins:  requirements.txt beside this script
# Idempotent: once the pin set recorded in the venv matches requirements.txt and
# the packages import-resolve, it exits in well under a second.
# Every diagnostic goes to stderr, so callers can capture stdout as the path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${TBCONFUSION_VENV:-${CARGO_TARGET_DIR:-$repo/target}/tbvenv}"
# Absolute, so the python path printed at the end works from any directory.
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
requirements="$here/requirements.txt"
stamp="$venv/.tbconfusion-pins"
python="$venv/bin/python"

fail() {
    echo "setup_venv.sh: $*" >&2
    exit 1
}

[[ -f "$requirements" ]] || fail "missing $requirements"

# The imports check_logdir.py and selftest.py need; find_spec is cheap, unlike importing.
modules_present() {
    "$python" - <<'PY' 2>/dev/null
import importlib.util, sys
wanted = ["tensorboard", "tensorboard_data_server", "PIL", "numpy", "google.protobuf", "tbparse", "pandas", "duckdb"]
sys.exit(0 if all(importlib.util.find_spec(m) for m in wanted) else 1)
PY
}

if [[ -x "$python" && -f "$stamp" ]] && cmp -s "$stamp" "$requirements" && modules_present; then
    echo "$python"
    exit 0
fi

# Test processes may run this concurrently (cargo nextest, several test binaries):
# one installs, the others wait and then find the stamp.
mkdir -p "$(dirname "$venv")" || fail "cannot create the parent directory of $venv (set TBCONFUSION_VENV to a writable path)"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv.lock"
    flock 9
    if [[ -x "$python" && -f "$stamp" ]] && cmp -s "$stamp" "$requirements" && modules_present; then
        echo "$python"
        exit 0
    fi
fi

command -v python3 >/dev/null 2>&1 \
    || fail "python3 not found on PATH; install Python 3.9+ with the venv module (Debian: apt-get install python3-venv)"

# A venv whose interpreter no longer runs (python3 upgraded or removed) is rebuilt.
if ! "$python" -c '' >/dev/null 2>&1; then
    python3 -m venv --clear "$venv" >&2 \
        || fail "'python3 -m venv $venv' failed; install the venv module (Debian: apt-get install python3-venv)"
fi

echo "setup_venv.sh: installing pinned TensorBoard into $venv ..." >&2
# Binary wheels only: no compiler is assumed, and the data-server must be the
# prebuilt rustboard from its wheel.
"$python" -m pip install --quiet --disable-pip-version-check --no-input \
    --only-binary=:all: -r "$requirements" >&2 \
    || fail "pip install -r $requirements failed (is PyPI reachable?)"

modules_present || fail "packages installed but not importable from $python"
# rustboard must be runnable, or every --load_fast=true check fails at start-up.
"$python" -c 'from tensorboard_data_server import server_binary; import os, sys; p = server_binary(); sys.exit(0 if p and os.access(p, os.X_OK) else 1)' >&2 \
    || fail "tensorboard-data-server has no runnable rustboard binary for this platform"

cp "$requirements" "$stamp"
echo "$python"
