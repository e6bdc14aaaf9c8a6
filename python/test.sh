#!/usr/bin/env bash
# Builds the wheel, installs it into a fresh venv and runs the Python tests
# (python/tests). Called by scripts/test.sh; runnable on its own.
#   tools venv:  <target>/pytools (pinned maturin, python/requirements-build.txt; reused)
#   wheel:       <target>/wheels/, built with `maturin build --profile dev`, sharing the
#                target directory with cargo's own dev builds (no release rebuild)
#   fresh venv:  <target>/pywheel (recreated every run: the wheel + requirements-test.txt)
# TBCONFUSION_TENSORBOARD=1 (as scripts/test.sh sets) makes the real-TensorBoard
# test required; it runs tests/tensorboard/check_logdir.py with the pinned venv's python.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
export CARGO_TARGET_DIR="$target"
export PYTHONDONTWRITEBYTECODE=1
pip_install() { "$1/bin/python" -m pip install -q --disable-pip-version-check "${@:2}"; }

tools="$target/pytools"
if ! cmp -s "$tools/.pins" python/requirements-build.txt 2>/dev/null || [[ ! -x "$tools/bin/maturin" ]]; then
    python3 -m venv --clear "$tools"
    pip_install "$tools" -r python/requirements-build.txt
    cp python/requirements-build.txt "$tools/.pins"
fi

rm -rf "$target/wheels"
"$tools/bin/maturin" build --profile dev --manifest-path python/Cargo.toml \
    --out "$target/wheels" --interpreter python3
wheel=("$target"/wheels/tbconfusion-*.whl)

venv="$target/pywheel"
python3 -m venv --clear "$venv"
pip_install "$venv" "${wheel[0]}" -r python/requirements-test.txt

# The Rust build of the command, to compare the wheel's with.
cargo build --quiet -p tbconfusion-cli --bin tbconfusion
export TBCONFUSION_RUST_BIN="$target/debug/tbconfusion"
if [[ "${TBCONFUSION_TENSORBOARD:-}" == 1 ]]; then
    TBCONFUSION_TB_PYTHON="$(TBCONFUSION_VENV="$target/tbvenv" bash tests/tensorboard/setup_venv.sh)"
    export TBCONFUSION_TB_PYTHON
fi
# From the tests' folder, so that `import tbconfusion` finds the installed
# wheel, never the source tree.
cd python/tests
"$venv/bin/python" -m pytest -q -p no:cacheprovider -rs .
