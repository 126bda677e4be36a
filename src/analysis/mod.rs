//! Pure statistics over attempts: per-test counts, rates, intervals, severities and kinds.
//!
//! Attempts are folded into an [`Accumulator`] as they finish and then dropped, so memory grows
//! with the number of distinct tests, not with the number of attempts.

pub mod history;
pub mod infra;
pub mod merge;
mod severity;
mod signature;
mod stats;
pub mod stopping;

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use severity::{Severity, Thresholds};
pub use signature::signature;
pub use stats::{Z95, fisher_more, wilson};

use crate::model::{Attempt, Outcome};

/// What kind of flakiness a test shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// No failure seen.
    Stable,
    /// Passed and failed under the same conditions.
    Flaky,
    /// Failed only in attempts whose test order was shuffled.
    OrderDependent,
    /// Failed in every attempt.
    Failing,
    /// Most of its failures were timeouts.
    Timeout,
    /// Never ran: skipped in every attempt, so nothing is known of it.
    Skipped,
    /// Failed only in attempts that ran alongside another attempt of the run, beyond chance:
    /// a file, port, database or cache shared between copies of the suite.
    Contention,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Stable => "stable",
            Self::Flaky => "flaky",
            Self::OrderDependent => "order-dependent",
            Self::Failing => "failing",
            Self::Timeout => "timeout",
            Self::Skipped => "skipped",
            Self::Contention => "contention",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Stable,
            Self::Flaky,
            Self::OrderDependent,
            Self::Failing,
            Self::Timeout,
            Self::Skipped,
            Self::Contention,
        ]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub attempts: u64,
    pub passed: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub errors: u64,
    /// Attempts left out of the per-test rates (no report, a crash, most tests failing at once).
    pub infrastructure: u64,
    /// Attempts whose command exited non-zero though none of the tests read from them failed:
    /// the command fails outside its tests (a coverage threshold, a lint step, an error after
    /// the tests).
    #[serde(default)]
    pub failed_outside_tests: u64,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Runs and failures in attempts that kept the framework's order.
    pub same_order: OrderCounts,
    /// Runs and failures in attempts whose order was shuffled.
    pub shuffled: OrderCounts,
    /// Runs and failures in attempts that ran with no other attempt alongside.
    #[serde(default)]
    pub alone: OrderCounts,
    /// The different ways it failed, most frequent first.
    pub signatures: Vec<Signature>,
    /// With `--until settled`: the two bands whose boundary its rate settled on (see
    /// [`stopping`]); either band is right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_boundary: Option<[Severity; 2]>,
}

/// Runs and failures under one condition (an order mode, running alone).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCounts {
    pub runs: u64,
    pub failed: u64,
}

/// One way a test failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The normalised message ([`signature`]).
    pub signature: String,
    pub count: u64,
    /// The first message seen with this signature, as the framework wrote it.
    pub example: String,
    /// The first attempt that failed this way.
    pub first_attempt: u32,
}

/// How many signatures a test keeps; further ones are counted under the last.
pub(crate) const MAX_SIGNATURES: usize = 10;

/// A one-sided significance level for calling a test order-dependent or contended.
const ORDER_ALPHA: f64 = 0.05;

impl TestStats {
    /// Builds the verdict from raw counts.
    pub fn from_counts(id: String, counts: &Counts, thresholds: &Thresholds) -> Self {
        let failed = counts.failures();
        let runs = counts.passed + failed;
        let failure_rate = if runs == 0 {
            0.0
        } else {
            failed as f64 / runs as f64
        };
        // A test that never ran could fail every time, for all anyone knows.
        let (ci_low, ci_high) = if runs == 0 {
            (0.0, 1.0)
        } else {
            wilson(failed, runs, Z95)
        };
        let severity = if failed == 0 {
            Severity::None
        } else {
            thresholds.band(failure_rate)
        };
        let same_order = OrderCounts {
            runs: runs - counts.shuffled.runs,
            failed: failed - counts.shuffled.failed,
        };
        let kind = if runs == 0 {
            Kind::Skipped
        } else if failed == 0 {
            Kind::Stable
        } else if counts.timed_out * 2 >= failed {
            Kind::Timeout
        } else if counts.passed == 0 {
            Kind::Failing
        } else if same_order.failed == 0
            && same_order.runs > 0
            && beyond_chance(counts.shuffled.runs, runs, failed)
        {
            Kind::OrderDependent
        } else if counts.alone.failed == 0
            && counts.alone.runs > 0
            && beyond_chance(runs - counts.alone.runs, runs, failed)
        {
            Kind::Contention
        } else {
            Kind::Flaky
        };
        let mut signatures = counts.signatures.clone();
        signatures.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.first_attempt.cmp(&b.first_attempt))
        });
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
            same_order,
            shuffled: counts.shuffled,
            alone: counts.alone,
            signatures,
            on_boundary: None,
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

/// Whether `failed` failures, all among `within` of `runs` attempts, are too many to land
/// there by chance (see [`order_p_value`]).
pub fn beyond_chance(within: u64, runs: u64, failed: u64) -> bool {
    order_p_value(within, runs, failed) < ORDER_ALPHA
}

/// The chance that all `failed` failures land in the `shuffled` of `runs` attempts if order did
/// not matter (hypergeometric): small means the failures follow the shuffling. The same holds
/// for any condition: the attempts that ran alongside another, for contention.
pub fn order_p_value(shuffled: u64, runs: u64, failed: u64) -> f64 {
    (0..failed).fold(1.0, |p, i| {
        if shuffled <= i {
            0.0
        } else {
            p * (shuffled - i) as f64 / (runs - i) as f64
        }
    })
}

/// Raw per-test counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub errors: u64,
    /// The part of the runs and failures above that happened in shuffled attempts.
    pub shuffled: OrderCounts,
    /// The part that happened in attempts with no other attempt alongside.
    pub alone: OrderCounts,
    pub signatures: Vec<Signature>,
    /// The lowest attempt that failed with the framework's order kept (the best one to replay).
    pub first_same_order_failure: Option<u32>,
}

/// The conditions an attempt ran under, as the per-test counts split them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conditions {
    pub shuffled: bool,
    pub alone: bool,
}

impl Counts {
    /// Every non-passing result: failures, timeouts and errors.
    pub const fn failures(&self) -> u64 {
        self.failed + self.timed_out + self.errors
    }

    pub fn add(&mut self, outcome: Outcome, on: Conditions, message: Option<&str>, attempt: u32) {
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Timeout => self.timed_out += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skip => return,
        }
        if on.shuffled {
            self.shuffled.runs += 1;
            self.shuffled.failed += u64::from(outcome.is_failure());
        }
        if on.alone {
            self.alone.runs += 1;
            self.alone.failed += u64::from(outcome.is_failure());
        }
        if outcome.is_failure() && !on.shuffled {
            self.first_same_order_failure = Some(
                self.first_same_order_failure
                    .map_or(attempt, |first| first.min(attempt)),
            );
        }
        if outcome.is_failure() {
            let example = message.unwrap_or(outcome.as_str());
            let sig = signature(example);
            match self.signatures.iter().position(|s| s.signature == sig) {
                Some(i) => {
                    // Attempts finish in any order: keep the lowest index, so the same seed gives
                    // the same report.
                    let known = &mut self.signatures[i];
                    known.count += 1;
                    if attempt < known.first_attempt {
                        known.first_attempt = attempt;
                        known.example = example.chars().take(500).collect();
                    }
                }
                None if self.signatures.len() < MAX_SIGNATURES => self.signatures.push(Signature {
                    signature: sig,
                    count: 1,
                    example: example.chars().take(500).collect(),
                    first_attempt: attempt,
                }),
                None => {
                    if let Some(last) = self.signatures.last_mut() {
                        last.count += 1;
                    }
                }
            }
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

    /// How many tests are at or above `fail_on` (`None`: never any).
    pub fn failing(&self, fail_on: Option<Severity>) -> usize {
        failing(&self.tests, fail_on)
    }
}

/// Folds attempts into per-test counts in first-seen order.
#[derive(Debug, Default)]
pub struct Accumulator {
    totals: Totals,
    index: HashMap<String, usize>,
    tests: Vec<(String, Counts)>,
    live: Live,
}

/// What the progress line shows while a run goes on, kept up to date test by test as attempts
/// are added (never recounted over all tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Live {
    /// Tests that have both passed and failed so far.
    pub flaky: usize,
    /// Tests that have failed every time they ran so far.
    pub failing: usize,
    /// Attempts left out as infrastructure so far.
    pub left_out: u64,
}

/// Where one test stands in [`Live`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Not failed yet (or never ran).
    Other,
    Flaky,
    Failing,
}

impl Standing {
    const fn of(c: &Counts) -> Self {
        match (c.passed > 0, c.failures() > 0) {
            (true, true) => Self::Flaky,
            (false, true) => Self::Failing,
            _ => Self::Other,
        }
    }
}

impl Live {
    fn moved(&mut self, from: Standing, to: Standing) {
        if from == to {
            return;
        }
        match from {
            Standing::Flaky => self.flaky -= 1,
            Standing::Failing => self.failing -= 1,
            Standing::Other => {}
        }
        match to {
            Standing::Flaky => self.flaky += 1,
            Standing::Failing => self.failing += 1,
            Standing::Other => {}
        }
    }
}

impl Accumulator {
    pub fn add(&mut self, attempt: &Attempt) {
        self.totals.add(attempt.outcome());
        if attempt.infrastructure.is_some() {
            self.totals.infrastructure += 1;
            return;
        }
        if attempt.outcome() == Outcome::Fail
            && !attempt.tests.is_empty()
            && !attempt.a_test_failed()
        {
            self.totals.failed_outside_tests += 1;
        }
        let on = Conditions {
            shuffled: attempt.order_seed.is_some(),
            alone: attempt.alone,
        };
        for test in &attempt.tests {
            let slot = match self.index.get(&test.id) {
                Some(&i) => i,
                None => {
                    self.index.insert(test.id.clone(), self.tests.len());
                    self.tests.push((test.id.clone(), Counts::default()));
                    self.tests.len() - 1
                }
            };
            let counts = &mut self.tests[slot].1;
            let before = Standing::of(counts);
            counts.add(test.outcome, on, test.message.as_deref(), attempt.index);
            self.live.moved(before, Standing::of(counts));
        }
    }

    /// The tests flaky and failing so far, and the attempts left out, for the progress line.
    pub const fn live(&self) -> Live {
        Live {
            left_out: self.totals.infrastructure,
            ..self.live
        }
    }

    /// The lowest attempt in which test `id` failed with the order kept.
    pub fn first_same_order_failure(&self, id: &str) -> Option<u32> {
        let slot = *self.index.get(id)?;
        self.tests[slot].1.first_same_order_failure
    }

    /// Whether every test seen so far (or each of `among`) has a settled verdict (see
    /// [`stopping`]). Tests skipped in every attempt so far are left out: more attempts would not
    /// settle them.
    pub fn all_settled(
        &self,
        thresholds: &Thresholds,
        rule: &stopping::Rule,
        among: Option<&[String]>,
    ) -> bool {
        let mut ran = self
            .tests
            .iter()
            .filter(|(id, _)| among.is_none_or(|ids| ids.contains(id)))
            .map(|(_, c)| (c.failures(), c.passed))
            .filter(|(failed, passed)| failed + passed > 0)
            .peekable();
        ran.peek().is_some()
            && ran.all(|(failed, passed)| {
                stopping::settled(failed, passed + failed, thresholds, rule)
                    != stopping::Settled::No
            })
    }

    pub fn summarize(&self, thresholds: &Thresholds) -> RunSummary {
        let mut tests: Vec<TestStats> = self
            .tests
            .iter()
            .map(|(id, c)| TestStats::from_counts(id.clone(), c, thresholds))
            .collect();
        sort_worst_first(&mut tests);
        RunSummary {
            totals: self.totals,
            tests,
        }
    }
}

/// How many of `tests` are at or above `fail_on` (`None`: never any): what decides exit status 1.
pub fn failing(tests: &[TestStats], fail_on: Option<Severity>) -> usize {
    tests.iter().filter(|t| t.severity.reaches(fail_on)).count()
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
            order_seed: None,
            infrastructure: None,
            alone: false,
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
        assert!(s.failing(Some(Severity::Critical)) > 0);
        assert_eq!(s.failing(None), 0);
        let stable = &s.tests[3];
        assert_eq!(stable.ci_low, 0.0);
        assert!((stable.ci_high - 0.037).abs() < 0.0005);
    }

    #[test]
    fn a_test_skipped_in_every_attempt_is_skipped_unknown_and_does_not_hold_a_settled_run() {
        let mut acc = Accumulator::default();
        let rule = stopping::Rule::default();
        for i in 0..200u32 {
            acc.add(&attempt(
                i,
                &[("ran", Outcome::Pass), ("skipped", Outcome::Skip)],
            ));
        }
        let s = acc.summarize(&Thresholds::default());
        let skipped = s.tests.iter().find(|t| t.id == "skipped").unwrap();
        assert_eq!(
            (
                skipped.runs,
                skipped.kind,
                skipped.severity,
                skipped.ci_low,
                skipped.ci_high
            ),
            (0, Kind::Skipped, Severity::None, 0.0, 1.0)
        );
        assert!(acc.all_settled(&Thresholds::default(), &rule, None));
        let mut only_skipped = Accumulator::default();
        only_skipped.add(&attempt(0, &[("skipped", Outcome::Skip)]));
        assert!(!only_skipped.all_settled(&Thresholds::default(), &rule, None));
    }

    #[test]
    fn fail_on_ignores_none_rows() {
        let mut acc = Accumulator::default();
        acc.add(&attempt(0, &[("a", Outcome::Pass)]));
        let s = acc.summarize(&Thresholds::default());
        assert_eq!(s.failing(Some(Severity::Low)), 0);
        assert_eq!(s.failing(Some(Severity::None)), 0);
    }

    #[test]
    fn band_span_says_when_the_interval_straddles_bands() {
        let t = Thresholds::default();
        let wide = TestStats::from_counts(
            "x".into(),
            &Counts {
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
            &Counts {
                passed: 0,
                failed: 1000,
                ..Counts::default()
            },
            &t,
        );
        assert_eq!(pinned.band_span(&t), None);
    }

    fn shuffled_attempt(index: u32, results: &[(&str, Outcome)]) -> Attempt {
        Attempt {
            order_seed: Some(u64::from(index) + 1000),
            ..attempt(index, results)
        }
    }

    #[test]
    fn failures_only_in_shuffled_attempts_make_a_test_order_dependent() {
        let mut acc = Accumulator::default();
        for i in 0..40u32 {
            let shuffled = i % 2 == 1;
            // The victim fails in half of the shuffled attempts; the flaky one in both modes.
            let victim = if shuffled && i % 4 == 1 {
                Outcome::Fail
            } else {
                Outcome::Pass
            };
            let flaky = if i % 5 == 0 {
                Outcome::Fail
            } else {
                Outcome::Pass
            };
            let results = [("victim", victim), ("flaky", flaky)];
            acc.add(&if shuffled {
                shuffled_attempt(i, &results)
            } else {
                attempt(i, &results)
            });
        }
        let s = acc.summarize(&Thresholds::default());
        let victim = s.tests.iter().find(|t| t.id == "victim").unwrap();
        assert_eq!(victim.kind, Kind::OrderDependent);
        assert_eq!(
            (victim.same_order, victim.shuffled),
            (
                OrderCounts {
                    runs: 20,
                    failed: 0
                },
                OrderCounts {
                    runs: 20,
                    failed: 10
                }
            )
        );
        let flaky = s.tests.iter().find(|t| t.id == "flaky").unwrap();
        assert_eq!(flaky.kind, Kind::Flaky);
    }

    #[test]
    fn one_shuffled_failure_is_too_little_to_blame_the_order() {
        // p = 20/40 = 0.5: could be chance.
        assert!((order_p_value(20, 40, 1) - 0.5).abs() < 1e-12);
        assert!(order_p_value(20, 40, 5) < ORDER_ALPHA);
        assert_eq!(order_p_value(2, 40, 3), 0.0);
        let mut acc = Accumulator::default();
        for i in 0..40u32 {
            let r = [("t", if i == 1 { Outcome::Fail } else { Outcome::Pass })];
            acc.add(&if i % 2 == 1 {
                shuffled_attempt(i, &r)
            } else {
                attempt(i, &r)
            });
        }
        assert_eq!(
            acc.summarize(&Thresholds::default()).tests[0].kind,
            Kind::Flaky
        );
    }

    #[test]
    fn infrastructure_attempts_are_counted_apart_and_left_out_of_rates() {
        let mut acc = Accumulator::default();
        acc.add(&attempt(0, &[("a", Outcome::Pass)]));
        acc.add(&Attempt {
            infrastructure: Some(crate::model::SetAside::new(
                crate::model::InfraRule::NoReport,
                "no report",
            )),
            ..attempt(1, &[("a", Outcome::Fail)])
        });
        let s = acc.summarize(&Thresholds::default());
        assert_eq!(s.totals.infrastructure, 1);
        assert_eq!(s.totals.attempts, 2);
        assert_eq!((s.tests[0].runs, s.tests[0].failed), (1, 0));
    }

    #[test]
    fn live_counts_follow_each_test_from_failing_to_flaky() {
        let live = |flaky, failing, left_out| Live {
            flaky,
            failing,
            left_out,
        };
        let mut acc = Accumulator::default();
        assert_eq!(acc.live(), live(0, 0, 0));
        acc.add(&attempt(
            0,
            &[
                ("pass", Outcome::Pass),
                ("broken", Outcome::Fail),
                ("late", Outcome::Timeout),
                ("wobbly", Outcome::Pass),
                ("skipped", Outcome::Skip),
            ],
        ));
        assert_eq!(acc.live(), live(0, 2, 0));
        acc.add(&attempt(
            1,
            &[
                ("pass", Outcome::Pass),
                ("broken", Outcome::Fail),
                ("late", Outcome::Pass),
                ("wobbly", Outcome::Error),
                ("skipped", Outcome::Skip),
            ],
        ));
        assert_eq!(acc.live(), live(2, 1, 0));
        acc.add(&Attempt {
            infrastructure: Some(crate::model::SetAside::new(
                crate::model::InfraRule::NoReport,
                "no report",
            )),
            ..attempt(2, &[("pass", Outcome::Fail)])
        });
        acc.add(&attempt(
            3,
            &[("broken", Outcome::Fail), ("new", Outcome::Fail)],
        ));
        assert_eq!(acc.live(), live(2, 2, 1));
        // The live counts agree with the verdicts made at the end.
        let s = acc.summarize(&Thresholds::default());
        let both = s.tests.iter().filter(|t| t.passed > 0 && t.failed > 0);
        let only = s.tests.iter().filter(|t| t.passed == 0 && t.failed > 0);
        assert_eq!((both.count(), only.count()), (2, 2));
    }

    #[test]
    fn attempts_failing_outside_their_tests_are_counted() {
        let mut acc = Accumulator::default();
        acc.add(&attempt(0, &[("a", Outcome::Pass)]));
        acc.add(&attempt(1, &[("a", Outcome::Fail)]));
        // Exit 1, every test passed or skipped: a coverage threshold, say.
        acc.add(&Attempt {
            exit: Exit::Code(1),
            ..attempt(2, &[("a", Outcome::Pass), ("b", Outcome::Skip)])
        });
        // Exit 1 and no test read: not this (the infrastructure rules judge it).
        acc.add(&Attempt {
            exit: Exit::Code(1),
            ..attempt(3, &[])
        });
        assert_eq!(
            acc.summarize(&Thresholds::default())
                .totals
                .failed_outside_tests,
            1
        );
    }

    #[test]
    fn failures_are_grouped_by_signature() {
        let mut c = Counts::default();
        let same = Conditions::default();
        c.add(Outcome::Fail, same, Some("expected 1 got 2"), 3);
        c.add(Outcome::Fail, same, Some("expected 1 got 7"), 5);
        c.add(Outcome::Error, same, Some("connection refused"), 9);
        c.add(Outcome::Pass, same, None, 10);
        let shuffled = Conditions {
            shuffled: true,
            alone: false,
        };
        c.add(Outcome::Skip, shuffled, None, 11);
        let t = TestStats::from_counts("t".into(), &c, &Thresholds::default());
        assert_eq!(t.runs, 4);
        assert_eq!(t.signatures.len(), 2);
        assert_eq!(
            (t.signatures[0].signature.as_str(), t.signatures[0].count),
            ("expected N got N", 2)
        );
        assert_eq!(
            (
                t.signatures[0].example.as_str(),
                t.signatures[0].first_attempt
            ),
            ("expected 1 got 2", 3)
        );
        assert_eq!(t.signatures[1].count, 1);
        for i in 0..30u32 {
            c.add(
                Outcome::Fail,
                same,
                Some(&format!("distinct failure {}", "x".repeat(i as usize))),
                i,
            );
        }
        let t = TestStats::from_counts("t".into(), &c, &Thresholds::default());
        assert_eq!(t.signatures.len(), MAX_SIGNATURES);
        assert_eq!(t.signatures.iter().map(|s| s.count).sum::<u64>(), t.failed);
    }
}
