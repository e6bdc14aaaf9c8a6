#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, docs, the library
# without the CLI's dependencies, and every unit, integration, doc and
# real-TensorBoard conformance test (these install pinned TensorBoard into a
# venv under target/ on first use; needs python3 with venv and pip access).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "the library compiles none of the command's dependencies"
# (flate2 stays: the png crate compresses with it.)
cli_only='^(clap|csv|indicatif|npyz) '
if cargo tree -p tbconfusion -e normal --prefix none | grep -E "$cli_only"; then
  echo "the library depends on a crate only the command needs (above)" >&2
  exit 1
fi
cargo build -p tbconfusion --lib

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "cargo test (unit, integration, doc, TensorBoard conformance)"
cargo test --workspace --no-fail-fast
