//! The library's integration tests: one test binary (`cargo test --test it`), one module
//! per subject. The harness they share (real TensorBoard, logdir reader, test PNGs) is
//! the workspace's unpublished `tbconfusion-testkit` crate (`testkit/`).
//!
//! Real-TensorBoard checks run only with `TBCONFUSION_TENSORBOARD=1`, which
//! `bash scripts/test.sh` sets; a plain `cargo test` skips them and says so per test.

mod conformance;
mod conformance_detection;
mod conformance_segmentation;
mod crash;
mod detection;
mod example_digits;
mod hparams;
mod metrics_sklearn;
mod pr_curves_sklearn;
mod proto_fresh;
mod tensorboard_selftest;
mod writer;
