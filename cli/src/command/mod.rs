//! One module per subcommand, each with its help text (`HELP`), its
//! arguments (`Args`) and its `run`; the argument groups that `convert`
//! and `render` share live in [`shared_args`]. The engines they drive
//! (reading dumps, writing and reading event files) live outside this
//! folder.

/// The advice every subcommand's help ends with. A macro, not a `const`,
/// so that `concat!` can put it into the help texts, which clap takes as
/// `&'static str`.
macro_rules! samples_per_plugin_note {
    () => {
        "TensorBoard shows only 10 image steps per tag by default: start it with
--samples_per_plugin images=N (N at least the number of steps; images=0 shows none)."
    };
}

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
