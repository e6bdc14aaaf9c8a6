//! One module per subcommand, each with its help text (`HELP`), its
//! arguments (`Args`) and its `run`; the argument groups that `convert`
//! and `render` share live in [`shared_args`]. The engines they drive
//! (reading dumps, writing and reading event files) live outside this
//! folder.

pub mod compare;
pub mod convert;
pub mod export;
pub mod inspect;
pub mod render;
mod shared_args;

use crate::read::Skipped;

/// Tells, per input, how many bad rows `--skip-bad-rows` passed over
/// (`convert` and `render` read alike).
fn report_skipped(skipped: &[Skipped]) {
    for skip in skipped {
        eprintln!(
            "skipped {} bad row{} in {} (first: {})",
            skip.count,
            if skip.count == 1 { "" } else { "s" },
            skip.file,
            skip.first
        );
    }
}
