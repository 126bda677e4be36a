//! Plain data passed between the pipeline's stages: attempts, their outcomes and per-test results.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How one attempt of the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Exit status 0.
    Pass,
    /// A non-zero exit status.
    Fail,
    /// Killed by flaky after `--timeout`.
    Timeout,
    /// Ended by a signal flaky did not send (a crash), or its result could not be read.
    Error,
    /// A test the framework skipped; it counts as no run.
    Skip,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Timeout => "timeout",
            Self::Error => "error",
            Self::Skip => "skip",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pass" => Self::Pass,
            "fail" => Self::Fail,
            "timeout" => Self::Timeout,
            "error" => Self::Error,
            "skip" => Self::Skip,
            _ => return None,
        })
    }

    pub const fn is_failure(self) -> bool {
        !matches!(self, Self::Pass | Self::Skip)
    }
}

/// How the attempt's process ended, as the operating system reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The process exited with this status.
    Code(i32),
    /// The process was ended by this signal, not sent by flaky.
    Signal(i32),
    /// flaky killed the process tree after the timeout.
    Timeout,
}

impl Exit {
    pub const fn outcome(self) -> Outcome {
        match self {
            Self::Code(0) => Outcome::Pass,
            Self::Code(_) => Outcome::Fail,
            Self::Signal(_) => Outcome::Error,
            Self::Timeout => Outcome::Timeout,
        }
    }

    pub const fn code(self) -> Option<i32> {
        match self {
            Self::Code(c) => Some(c),
            _ => None,
        }
    }

    pub const fn signal(self) -> Option<i32> {
        match self {
            Self::Signal(s) => Some(s),
            _ => None,
        }
    }
}

/// The bounded head and tail of one output stream of an attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Excerpt {
    /// The first bytes of the stream (lossily decoded).
    pub head: String,
    /// The last bytes of the stream, when the stream was longer than the head.
    pub tail: String,
    /// How many bytes the stream had in all.
    pub total_bytes: u64,
}

impl Excerpt {
    /// Whether bytes between head and tail were dropped.
    pub fn truncated(&self) -> bool {
        (self.head.len() + self.tail.len()) as u64 + 1 < self.total_bytes
    }

    /// The excerpt as one text, with a marker where bytes were left out.
    pub fn text(&self) -> String {
        if self.tail.is_empty() {
            return self.head.clone();
        }
        let dropped = self
            .total_bytes
            .saturating_sub((self.head.len() + self.tail.len()) as u64);
        if dropped == 0 {
            format!("{}{}", self.head, self.tail)
        } else {
            format!(
                "{}\n[... {dropped} bytes left out ...]\n{}",
                self.head, self.tail
            )
        }
    }
}

/// The rule that set an attempt aside as infrastructure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InfraRule {
    /// The report is missing or cannot be read.
    NoReport,
    /// The report holds no test result, or the command ended before any test ran.
    NoTests,
    /// The test process was killed by a signal flaky did not send.
    Crash,
    /// The failing tests all failed the same way, and that way is about the environment
    /// (collection or import errors, a service refusing connections, memory, disk, a setup
    /// error hitting every test).
    Environment,
}

impl InfraRule {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoReport => "no-report",
            Self::NoTests => "no-tests",
            Self::Crash => "crash",
            Self::Environment => "environment",
        }
    }

    /// Whether no test ran in such an attempt (nothing was measured), as opposed to tests that
    /// ran but whose results say nothing about them.
    pub const fn before_any_test(self) -> bool {
        matches!(self, Self::NoReport | Self::NoTests)
    }
}

/// Why an attempt was set aside as infrastructure: the rule, and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    pub rule: InfraRule,
    /// What happened, in words ("no report at ...: No such file or directory").
    pub reason: String,
}

impl SetAside {
    pub fn new(rule: InfraRule, reason: impl Into<String>) -> Self {
        Self {
            rule,
            reason: reason.into(),
        }
    }
}

/// The result of one test in one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The test's stable identifier (for the command-as-test, the command line).
    pub id: String,
    pub outcome: Outcome,
    pub duration: Duration,
    /// The first line(s) of the failure message, when the test failed.
    pub message: Option<String>,
}

/// One finished attempt: the command ran once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 0-based attempt index; the seed derives from it.
    pub index: u32,
    pub seed: u64,
    /// The seed the test order was shuffled with; `None` when the framework's order was kept.
    pub order_seed: Option<u64>,
    /// Why this attempt says nothing about individual tests (no usable report, no test ran, a
    /// crash, one environment failure shared by its tests); such attempts are left out of the
    /// per-test rates.
    pub infrastructure: Option<SetAside>,
    /// Whether no other attempt of the run was running at any moment of this one (contention).
    pub alone: bool,
    pub exit: Exit,
    pub duration: Duration,
    pub tests: Vec<TestResult>,
    pub stdout: Excerpt,
    pub stderr: Excerpt,
}

impl Attempt {
    pub const fn outcome(&self) -> Outcome {
        self.exit.outcome()
    }

    /// Whether a test read from the attempt failed, timed out or errored.
    pub fn a_test_failed(&self) -> bool {
        self.tests.iter().any(|t| t.outcome.is_failure())
    }
}

/// One share of a run's attempts (`flaky run --shard K/N`): the K-th of N contiguous blocks of
/// the attempt indices. Shards run with the same base seed are, together, the unsharded run,
/// attempt by attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub total: u32,
    /// The attempts of the whole run.
    pub runs: u32,
}

impl Shard {
    /// The attempt indices of this shard.
    pub fn attempts(self) -> std::ops::Range<u32> {
        block(0..self.runs, self.index - 1, self.total)
    }
}

/// The `i`-th (from 0) of `n` contiguous blocks of nearly equal size that `range` splits into
/// (the first ones one longer when it does not split evenly).
pub fn block(range: std::ops::Range<u32>, i: u32, n: u32) -> std::ops::Range<u32> {
    let len = range.end.saturating_sub(range.start);
    let (base, extra) = (len / n, len % n);
    let start = range.start + i * base + i.min(extra);
    start..start + base + u32::from(i < extra)
}
