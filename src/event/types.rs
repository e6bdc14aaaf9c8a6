//! Domain newtypes for the two coordinates of every event.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

/// A training step: the x-axis of scalars and the slider of images.
///
/// TensorBoard keeps, per tag, only the newest record at a step and drops
/// records at or after a step it sees again, so steps must increase strictly
/// per tag (the writer checks). Convert from any integer that fits `i64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Step(pub i64);

impl Step {
    /// The step as TensorBoard stores it.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! step_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Step {
            fn from(v: $t) -> Step {
                Step(i64::from(v))
            }
        }
    )*};
}
step_from!(i8, i16, i32, i64, u8, u16, u32);

/// A step given as `usize` or `u64` that does not fit `i64`.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("step {0} does not fit TensorBoard's int64 step")]
pub struct StepOutOfRange(pub u64);

impl TryFrom<u64> for Step {
    type Error = StepOutOfRange;
    fn try_from(v: u64) -> Result<Step, StepOutOfRange> {
        i64::try_from(v).map(Step).map_err(|_| StepOutOfRange(v))
    }
}

impl TryFrom<usize> for Step {
    type Error = StepOutOfRange;
    fn try_from(v: usize) -> Result<Step, StepOutOfRange> {
        Step::try_from(v as u64)
    }
}

/// Seconds since the Unix epoch, always finite.
///
/// TensorBoard's Rust loader abandons the rest of a file at a NaN wall time
/// ([`event_file.rs`]) and drops events with an infinite one, so the
/// constructor refuses both.
///
/// [`event_file.rs`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/event_file.rs#L97-L100
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct WallTime(f64);

/// A wall time that is NaN or infinite.
#[derive(Debug, Error, Clone, Copy, PartialEq)]
#[error("wall time {0} is not a finite number of seconds since the Unix epoch")]
pub struct NonFiniteWallTime(pub f64);

impl WallTime {
    /// A wall time of `seconds` since the Unix epoch.
    pub fn new(seconds: f64) -> Result<WallTime, NonFiniteWallTime> {
        if seconds.is_finite() {
            Ok(WallTime(seconds))
        } else {
            Err(NonFiniteWallTime(seconds))
        }
    }

    /// The current time (the epoch itself if the clock is set before it).
    pub fn now() -> WallTime {
        WallTime::from_system_time(SystemTime::now())
    }

    /// The wall time of a [`SystemTime`]; times before the epoch are negative.
    pub fn from_system_time(t: SystemTime) -> WallTime {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => WallTime(d.as_secs_f64()),
            Err(e) => WallTime(-e.duration().as_secs_f64()),
        }
    }

    /// Seconds since the Unix epoch.
    pub fn seconds(self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_time_rejects_non_finite() {
        assert!(WallTime::new(f64::NAN).is_err());
        assert!(WallTime::new(f64::INFINITY).is_err());
        assert_eq!(WallTime::new(1.5).unwrap().seconds(), 1.5);
        assert!(WallTime::now().seconds() > 1.6e9);
    }

    #[test]
    fn steps_convert_when_they_fit() {
        assert_eq!(Step::from(7u32), Step(7));
        assert_eq!(Step::try_from(5usize), Ok(Step(5)));
        assert_eq!(Step::try_from(u64::MAX), Err(StepOutOfRange(u64::MAX)));
    }
}
