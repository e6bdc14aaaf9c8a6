//! Event files: the writer, a reader, and the newtypes for steps and times.

pub mod naming;
pub mod reader;
pub mod types;
pub mod writer;

pub use reader::{EventFileReader, ReadEventError};
pub use types::{NonFiniteWallTime, Step, StepOutOfRange, WallTime};
pub use writer::{JobPanicked, SummaryWriter, WriteError, WriterOptions};
