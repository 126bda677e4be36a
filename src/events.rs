//! Events a backend sends while a run goes on; the command layer feeds them to the reporter.

use std::ops::Range;
use std::time::Duration;

use crate::model::Attempt;

#[derive(Debug)]
pub enum RunEvent {
    /// An attempt's process was started.
    AttemptStarted { index: u32 },
    /// An attempt ended (passed, failed, timed out or crashed).
    AttemptFinished(Box<Attempt>),
    /// The attempts started from now on have this timeout, derived from the duration of the
    /// first attempt that ran the tests (see [`crate::exec::derived_timeout`]).
    TimeoutDerived { timeout: Duration, first: Duration },
    /// Something the user should know while the run goes on (a remote queue that does not move).
    Notice(String),
    /// A remote shard's job failed for a reason that is not its tests, and the same attempts
    /// were submitted again.
    ShardRetried {
        attempts: Range<u32>,
        message: String,
    },
    /// A remote shard ended without results for these attempts.
    ShardFailed {
        attempts: Range<u32>,
        message: String,
    },
}
