//! Events a backend sends while a run goes on; the command layer feeds them to the reporter.

use crate::model::Attempt;

#[derive(Debug)]
pub enum RunEvent {
    /// An attempt's process was started.
    AttemptStarted { index: u32 },
    /// An attempt ended (passed, failed, timed out or crashed).
    AttemptFinished(Box<Attempt>),
}
