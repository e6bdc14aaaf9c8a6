//! The command's integration tests: one test binary (`cargo test -p tbconfusion-cli
//! --test cli`) running the built `tbconfusion`, one module per subject. The shared
//! harness is the workspace's unpublished `tbconfusion-testkit` crate (`testkit/`).
//!
//! Real-TensorBoard checks run only with `TBCONFUSION_TENSORBOARD=1`, which
//! `bash scripts/test.sh` sets; a plain `cargo test` skips them and says so per test.

mod columnar;
mod compare;
mod convert;
mod counts_tables;
mod detection;
mod earlier_versions;
mod hparams;
mod segmentation;
mod tensorboard;
