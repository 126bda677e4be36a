//! What `flaky ci` adds to a report: the verdict on each test that failed its first run.

use serde::{Deserialize, Serialize};

/// The verdicts of a `flaky ci` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CiSummary {
    /// The reruns planned for each failed test (`--retries`, or `--max-runs` with `--until settled`).
    pub retries: u32,
    /// `--strict`: a flaky test fails the step too.
    pub strict: bool,
    /// One per test that failed its first run, failed ones first.
    pub verdicts: Vec<CiVerdict>,
}

/// What one failure of the first run turned out to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CiVerdict {
    pub test: String,
    pub verdict: Verdict,
    /// Reruns it ran, and how many of them failed.
    pub reruns: u64,
    pub rerun_failures: u64,
    /// Flaky now, and never measured flaky in the history before.
    pub newly_flaky: bool,
    /// The quarantine entry that covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<QuarantineNote>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Failed the first run and every rerun: a real failure.
    Failed,
    /// Passed on a rerun.
    Flaky,
    /// Listed in the quarantine: its failure does not fail the step.
    Quarantined,
}

/// The quarantine entry a test matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineNote {
    /// The entry's test id or glob.
    pub pattern: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The last day it holds (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}
