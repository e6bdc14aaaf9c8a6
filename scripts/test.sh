#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, docs, the library
# without the CLI's dependencies, every unit, integration, doc and
# real-TensorBoard conformance test (these install pinned TensorBoard into a
# venv in the target directory on first use; needs python3 with venv and pip
# access), then the Python wheel's tests (python/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The real-TensorBoard tests (tests/it: conformance, crash, example_digits,
# tensorboard_selftest; cli/tests/cli: tensorboard) run only when this is 1, and
# then they are required: no Python, no PyPI or a TensorBoard that does not start
# fails them. A plain `cargo test` leaves it unset and stays hermetic: those tests
# skip their TensorBoard checks and say so on stderr. Setting it here is what keeps
# CI (which runs this script) from ever skipping them.
export TBCONFUSION_TENSORBOARD=1

step() { printf '\n==> %s\n' "$*"; }

# The every-script rendering test needs CJK, Hangul and Thai faces: Noto from Debian's
# packages (CI runs as root on Debian). TBCONFUSION_FONTS=1 makes that test required.
step "fonts for the every-script test (fonts-noto-cjk, fonts-noto-core)"
if [[ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ||
      ! -f /usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    # A fresh machine may have no package lists yet: fetch them only when needed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-noto-cjk fonts-noto-core ||
      { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-noto-cjk fonts-noto-core; }
  else
    echo "install fonts-noto-cjk and fonts-noto-core (Debian/Ubuntu) as root first" >&2
    exit 1
  fi
fi
export TBCONFUSION_FONTS=1

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "the library compiles none of the command's (or the Python binding's) dependencies"
# (flate2 stays: the png crate compresses with it.)
cli_only='^(clap|csv|indicatif|npyz|arrow[a-z-]*|parquet|pyo3[a-z-]*|numpy|ndarray|tbconfusion-cli) '
if cargo tree -p tbconfusion -e normal --prefix none | grep -E "$cli_only"; then
  echo "the library depends on a crate only the command or the binding needs (above)" >&2
  exit 1
fi
cargo build -p tbconfusion --lib

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "cargo test (unit, integration, doc, TensorBoard conformance)"
cargo test --workspace --no-fail-fast

step "Python wheel: maturin build (dev profile), fresh venv, pytest (python/tests)"
bash python/test.sh
