//! Pure statistics over attempts: per-test counts, rates, intervals, severities and kinds.
//!
//! Attempts are folded into an [`Accumulator`] as they finish and then dropped, so memory grows
//! with the number of distinct tests, not with the number of attempts.

mod severity;
mod stats;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

pub use severity::{Severity, Thresholds};
pub use stats::{Z95, wilson};

use crate::model::{Attempt, Outcome};

/// What kind of flakiness a test shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// No failure seen.
    Stable,
    /// Passed and failed under the same conditions.
    Flaky,
    /// Failed in every attempt.
    Failing,
    /// Most of its failures were timeouts.
    Timeout,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Stable => "stable",
            Self::Flaky => "flaky",
            Self::Failing => "failing",
            Self::Timeout => "timeout",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Stable, Self::Flaky, Self::Failing, Self::Timeout]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Attempt-level counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub attempts: u64,
    pub passed: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub errors: u64,
}

impl Totals {
    pub fn add(&mut self, outcome: Outcome) {
        self.attempts += 1;
        match outcome {
            Outcome::Pass | Outcome::Skip => self.passed += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Timeout => self.timed_out += 1,
            Outcome::Error => self.errors += 1,
        }
    }
}

/// One test's verdict over all attempts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestStats {
    pub id: String,
    pub runs: u64,
    pub passed: u64,
    /// Every non-passing result: failures, timeouts and errors.
    pub failed: u64,
    pub timed_out: u64,
    pub errors: u64,
    pub failure_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub severity: Severity,
    pub kind: Kind,
}

impl TestStats {
    /// Builds the verdict from raw counts.
    pub fn from_counts(id: String, counts: Counts, thresholds: &Thresholds) -> Self {
        let failed = counts.failed + counts.timed_out + counts.errors;
        let runs = counts.passed + failed;
        let failure_rate = if runs == 0 {
            0.0
        } else {
            failed as f64 / runs as f64
        };
        let (ci_low, ci_high) = wilson(failed, runs, Z95);
        let severity = if failed == 0 {
            Severity::None
        } else {
            thresholds.band(failure_rate)
        };
        let kind = if failed == 0 {
            Kind::Stable
        } else if counts.timed_out * 2 >= failed {
            Kind::Timeout
        } else if counts.passed == 0 {
            Kind::Failing
        } else {
            Kind::Flaky
        };
        Self {
            id,
            runs,
            passed: counts.passed,
            failed,
            timed_out: counts.timed_out,
            errors: counts.errors,
            failure_rate,
            ci_low,
            ci_high,
            severity,
            kind,
        }
    }

    /// The bands at the two ends of the interval, when they differ: the band is not pinned yet.
    pub fn band_span(&self, thresholds: &Thresholds) -> Option<(Severity, Severity)> {
        if self.failed == 0 {
            return None;
        }
        let low = thresholds.band(self.ci_low);
        let high = thresholds.band(self.ci_high);
        (low != high).then_some((low, high))
    }
}

/// Raw per-test counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub errors: u64,
}

impl Counts {
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Timeout => self.timed_out += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skip => {}
        }
    }
}

/// The analysis of a whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub totals: Totals,
    /// Worst first: by severity, then failure rate, then id.
    pub tests: Vec<TestStats>,
}

impl RunSummary {
    /// The worst severity among the tests.
    pub fn worst(&self) -> Severity {
        self.tests
            .iter()
            .map(|t| t.severity)
            .max()
            .unwrap_or(Severity::None)
    }

    /// Whether any test is at or above `fail_on` (`None`: never).
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        fail_on.is_some_and(|f| {
            self.tests
                .iter()
                .any(|t| t.severity != Severity::None && t.severity >= f)
        })
    }
}

/// Folds attempts into per-test counts in first-seen order.
#[derive(Debug, Default)]
pub struct Accumulator {
    totals: Totals,
    index: HashMap<String, usize>,
    tests: Vec<(String, Counts)>,
}

impl Accumulator {
    pub fn add(&mut self, attempt: &Attempt) {
        self.totals.add(attempt.outcome());
        for test in &attempt.tests {
            let slot = match self.index.get(&test.id) {
                Some(&i) => i,
                None => {
                    self.index.insert(test.id.clone(), self.tests.len());
                    self.tests.push((test.id.clone(), Counts::default()));
                    self.tests.len() - 1
                }
            };
            self.tests[slot].1.add(test.outcome);
        }
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }

    pub fn summarize(&self, thresholds: &Thresholds) -> RunSummary {
        let mut tests: Vec<TestStats> = self
            .tests
            .iter()
            .map(|(id, c)| TestStats::from_counts(id.clone(), *c, thresholds))
            .collect();
        sort_worst_first(&mut tests);
        RunSummary {
            totals: self.totals,
            tests,
        }
    }
}

/// Worst first: by severity, then failure rate, then id.
pub fn sort_worst_first(tests: &mut [TestStats]) {
    tests.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.failure_rate.total_cmp(&a.failure_rate))
            .then_with(|| a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::{Excerpt, Exit, TestResult};

    fn attempt(index: u32, results: &[(&str, Outcome)]) -> Attempt {
        let exit = if results.iter().all(|(_, o)| *o == Outcome::Pass) {
            Exit::Code(0)
        } else {
            Exit::Code(1)
        };
        Attempt {
            index,
            seed: u64::from(index),
            exit,
            duration: Duration::from_millis(5),
            tests: results
                .iter()
                .map(|(id, o)| TestResult {
                    id: (*id).into(),
                    outcome: *o,
                    duration: Duration::ZERO,
                    message: None,
                })
                .collect(),
            stdout: Excerpt::default(),
            stderr: Excerpt::default(),
        }
    }

    #[test]
    fn counts_rates_severities_and_kinds() {
        let mut acc = Accumulator::default();
        for i in 0..100u32 {
            let flaky = if i % 4 == 0 {
                Outcome::Fail
            } else {
                Outcome::Pass
            };
            let slow = if i % 10 == 0 {
                Outcome::Timeout
            } else {
                Outcome::Pass
            };
            acc.add(&attempt(
                i,
                &[
                    ("stable", Outcome::Pass),
                    ("flaky", flaky),
                    ("broken", Outcome::Fail),
                    ("slow", slow),
                ],
            ));
        }
        let s = acc.summarize(&Thresholds::default());
        let ids: Vec<_> = s
            .tests
            .iter()
            .map(|t| (t.id.as_str(), t.severity, t.kind))
            .collect();
        assert_eq!(
            ids,
            [
                ("broken", Severity::Critical, Kind::Failing),
                ("flaky", Severity::Medium, Kind::Flaky),
                ("slow", Severity::Medium, Kind::Timeout),
                ("stable", Severity::None, Kind::Stable),
            ]
        );
        let flaky = &s.tests[1];
        assert_eq!((flaky.runs, flaky.failed, flaky.passed), (100, 25, 75));
        assert_eq!(flaky.failure_rate, 0.25);
        assert_eq!(s.totals.attempts, 100);
        assert_eq!(s.totals.passed, 0);
        assert_eq!(s.worst(), Severity::Critical);
        assert!(s.fails(Some(Severity::Critical)));
        assert!(!s.fails(None));
        let stable = &s.tests[3];
        assert_eq!(stable.ci_low, 0.0);
        assert!((stable.ci_high - 0.037).abs() < 0.0005);
    }

    #[test]
    fn fail_on_ignores_none_rows() {
        let mut acc = Accumulator::default();
        acc.add(&attempt(0, &[("a", Outcome::Pass)]));
        let s = acc.summarize(&Thresholds::default());
        assert!(!s.fails(Some(Severity::Low)));
        assert!(!s.fails(Some(Severity::None)));
    }

    #[test]
    fn band_span_says_when_the_interval_straddles_bands() {
        let t = Thresholds::default();
        let wide = TestStats::from_counts(
            "x".into(),
            Counts {
                passed: 8,
                failed: 2,
                ..Counts::default()
            },
            &t,
        );
        assert_eq!(wide.severity, Severity::Medium);
        assert_eq!(wide.band_span(&t), Some((Severity::Low, Severity::High)));
        let pinned = TestStats::from_counts(
            "y".into(),
            Counts {
                passed: 0,
                failed: 1000,
                ..Counts::default()
            },
            &t,
        );
        assert_eq!(pinned.band_span(&t), None);
    }
}
