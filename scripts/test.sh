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

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --all-targets -- -D warnings

step "library alone, without the CLI's dependencies"
cargo build --lib --no-default-features

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

step "cargo test (unit, integration, doc, TensorBoard conformance)"
cargo test --no-fail-fast
