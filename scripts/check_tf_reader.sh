#!/usr/bin/env bash
# Checks event files with TensorFlow's own reader, which the test suite cannot
# install (tensorflow-cpu makes a 1.7 GB venv, so this is not part of CI):
#   * tf.compat.v1.train.summary_iterator reads every record of every file
#     (TensorFlow's C++ record reader, checksums included);
#   * every image decodes with tf.io.decode_png to the height, width and
#     channels its Summary.Image states;
#   * tbparse, which needs TensorFlow to read images, lists every scalar and
#     image summary_iterator found, with the same steps and values.
# The logdirs come from the digits example and from `tbconfusion convert`.
#
#   bash scripts/check_tf_reader.sh
#
# venv: ${CARGO_TARGET_DIR:-target}/tfvenv (made on first use; needs PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
venv="$target/tfvenv"
requirements="scripts/check_tf_reader.requirements.txt"

if ! [[ -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$venv/.pins"; then
    echo "==> installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv"
    python3 -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --only-binary=:all: -r "$requirements"
    cp "$requirements" "$venv/.pins"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tbconfusion-tf-reader.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "==> writing logdirs"
cargo run --quiet --release --example train_digits -- --logdir "$work/digits" --epochs 5 >/dev/null
python3 - "$work/preds.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write("step,y_true,y_pred\n")
    for step in range(4):
        for _ in range(500):
            truth = random.randrange(5)
            f.write("%d,%d,%d\n" % (step, truth, truth if random.random() < 0.7 else random.randrange(5)))
PY
cargo run --quiet --release -p tbconfusion-cli -- convert "$work/preds.csv" --logdir "$work/convert" --run val >/dev/null

echo "==> reading them with TensorFlow"
"$venv/bin/python" scripts/check_tf_reader.py "$work/digits" "$work/convert"
