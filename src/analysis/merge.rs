//! Joining the verdicts of one run's shards (`flaky merge`): the per-test counts are summed and
//! each verdict is built again from them by [`TestStats::from_counts`], so rates, intervals,
//! severities and kinds are what the unsharded run computes.

use std::collections::HashMap;

use super::{
    Counts, MAX_SIGNATURES, OrderCounts, Signature, TestStats, Thresholds, Totals, sort_worst_first,
};

/// The sum of the shards' attempt-level counts.
pub fn sum_totals<'a>(shards: impl IntoIterator<Item = &'a Totals>) -> Totals {
    shards.into_iter().fold(Totals::default(), |sum, t| Totals {
        attempts: sum.attempts.saturating_add(t.attempts),
        passed: sum.passed.saturating_add(t.passed),
        failed: sum.failed.saturating_add(t.failed),
        timed_out: sum.timed_out.saturating_add(t.timed_out),
        errors: sum.errors.saturating_add(t.errors),
        infrastructure: sum.infrastructure.saturating_add(t.infrastructure),
        failed_outside_tests: sum
            .failed_outside_tests
            .saturating_add(t.failed_outside_tests),
    })
}

/// Whether a verdict read from a file adds up as [`TestStats::from_counts`] builds one: its
/// runs are its passes and failures, each part (timeouts and errors, the shuffled and the
/// alone attempts, the signatures) is within the whole, and its runs fit in the attempts a run
/// can have, so that the sums over any number of shards fit too. A verdict that does not was
/// changed by hand, and counts built from it would be nonsense.
pub fn adds_up(t: &TestStats) -> bool {
    let passed = t.runs.saturating_sub(t.failed);
    let within = |part: &OrderCounts| {
        part.runs <= t.runs
            && part.failed <= t.failed.min(part.runs)
            && part.runs - part.failed <= passed
    };
    t.runs <= u64::from(u32::MAX)
        && t.passed.checked_add(t.failed) == Some(t.runs)
        && t.timed_out.saturating_add(t.errors) <= t.failed
        && within(&t.shuffled)
        && within(&t.alone)
        && t.signatures
            .iter()
            .try_fold(0u64, |sum, s| sum.checked_add(s.count))
            .is_some_and(|sum| sum <= t.failed)
}

/// The raw counts a verdict was built from. The lowest same-order failure is not part of a
/// verdict, so it is left unknown.
pub fn counts_of(t: &TestStats) -> Counts {
    Counts {
        passed: t.passed,
        // A verdict's `failed` holds its timeouts and errors too.
        failed: t
            .failed
            .saturating_sub(t.timed_out.saturating_add(t.errors)),
        timed_out: t.timed_out,
        errors: t.errors,
        shuffled: t.shuffled,
        alone: t.alone,
        signatures: t.signatures.clone(),
        first_same_order_failure: None,
    }
}

/// Adds `more` to `into`: every count summed, signatures joined by [`add_signatures`].
pub fn add_counts(into: &mut Counts, more: &Counts) {
    let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
    add(&mut into.passed, more.passed);
    add(&mut into.failed, more.failed);
    add(&mut into.timed_out, more.timed_out);
    add(&mut into.errors, more.errors);
    add(&mut into.shuffled.runs, more.shuffled.runs);
    add(&mut into.shuffled.failed, more.shuffled.failed);
    add(&mut into.alone.runs, more.alone.runs);
    add(&mut into.alone.failed, more.alone.failed);
    into.first_same_order_failure =
        match (into.first_same_order_failure, more.first_same_order_failure) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    add_signatures(&mut into.signatures, &more.signatures);
}

/// Joins `more` into `into`: the same signature once, its counts summed, with the lowest first
/// attempt and that attempt's example. As a run keeps the first [`MAX_SIGNATURES`] it meets,
/// the ones met first (lowest first attempt) are kept and the rest are counted under the last
/// kept.
pub fn add_signatures(into: &mut Vec<Signature>, more: &[Signature]) {
    for sig in more {
        match into.iter_mut().find(|s| s.signature == sig.signature) {
            Some(known) => {
                known.count = known.count.saturating_add(sig.count);
                if sig.first_attempt < known.first_attempt {
                    known.first_attempt = sig.first_attempt;
                    known.example.clone_from(&sig.example);
                }
            }
            None => into.push(sig.clone()),
        }
    }
    if into.len() > MAX_SIGNATURES {
        into.sort_by_key(|s| s.first_attempt);
        let rest: u64 = into.drain(MAX_SIGNATURES..).map(|s| s.count).sum();
        if let Some(last) = into.last_mut() {
            last.count += rest;
        }
    }
}

/// The shards' verdicts joined per test: counts summed and each verdict built again from the
/// sums, worst first.
pub fn merge_tests<'a>(
    shards: impl IntoIterator<Item = &'a [TestStats]>,
    thresholds: &Thresholds,
) -> Vec<TestStats> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut joined: Vec<(&str, Counts)> = Vec::new();
    for t in shards.into_iter().flatten() {
        let counts = counts_of(t);
        match index.get(t.id.as_str()) {
            Some(&i) => add_counts(&mut joined[i].1, &counts),
            None => {
                index.insert(&t.id, joined.len());
                joined.push((&t.id, counts));
            }
        }
    }
    let mut tests: Vec<TestStats> = joined
        .into_iter()
        .map(|(id, counts)| TestStats::from_counts(id.to_owned(), &counts, thresholds))
        .collect();
    sort_worst_first(&mut tests);
    tests
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Accumulator, Kind, Severity};
    use crate::model::{Attempt, Excerpt, Exit, Outcome, TestResult};

    /// Attempt `index` of a deterministic suite: `flaky` fails one attempt in four with a
    /// message naming the attempt, `order` fails in shuffled attempts whose index is 1 mod 4,
    /// `slow` times out every fifth attempt, `broken` always fails.
    fn attempt(index: u32) -> Attempt {
        let shuffled = index % 2 == 1;
        let result = |id: &str, outcome: Outcome, message: Option<String>| TestResult {
            id: id.into(),
            outcome,
            duration: std::time::Duration::ZERO,
            message,
        };
        let fails = |yes: bool| if yes { Outcome::Fail } else { Outcome::Pass };
        Attempt {
            index,
            seed: u64::from(index),
            order_seed: shuffled.then_some(u64::from(index) + 1000),
            infrastructure: None,
            alone: index.is_multiple_of(3),
            exit: Exit::Code(1),
            duration: std::time::Duration::from_millis(5),
            tests: vec![
                result(
                    "flaky",
                    fails(index.is_multiple_of(4)),
                    Some(format!("expected 1 got {index}")),
                ),
                result("order", fails(shuffled && index % 4 == 1), None),
                result(
                    "slow",
                    if index.is_multiple_of(5) {
                        Outcome::Timeout
                    } else {
                        Outcome::Pass
                    },
                    None,
                ),
                result("broken", Outcome::Fail, Some(format!("boom in {index}"))),
                result("stable", Outcome::Pass, None),
            ],
            stdout: Excerpt::default(),
            stderr: Excerpt::default(),
        }
    }

    fn summarize(attempts: std::ops::Range<u32>) -> (Totals, Vec<TestStats>) {
        let mut acc = Accumulator::default();
        for i in attempts {
            acc.add(&attempt(i));
        }
        let s = acc.summarize(&Thresholds::default());
        (s.totals, s.tests)
    }

    #[test]
    fn shards_merged_are_the_unsharded_run() {
        let (totals, whole) = summarize(0..40);
        let shards: Vec<_> = [0..13, 13..27, 27..40].into_iter().map(summarize).collect();
        assert_eq!(sum_totals(shards.iter().map(|(t, _)| t)), totals);
        let merged = merge_tests(
            shards.iter().map(|(_, tests)| tests.as_slice()),
            &Thresholds::default(),
        );
        assert_eq!(merged, whole);
        let kinds: Vec<_> = merged
            .iter()
            .map(|t| (t.id.as_str(), t.severity, t.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("broken", Severity::Critical, Kind::Failing),
                ("flaky", Severity::Medium, Kind::Flaky),
                ("order", Severity::Medium, Kind::OrderDependent),
                ("slow", Severity::Medium, Kind::Timeout),
                ("stable", Severity::None, Kind::Stable),
            ]
        );
    }

    #[test]
    fn counts_summed_keep_the_conditions_apart() {
        let (_, tests) = summarize(0..8);
        let order = tests.iter().find(|t| t.id == "order").unwrap();
        let mut c = counts_of(order);
        assert_eq!((c.passed, c.failed, c.shuffled.runs), (6, 2, 4));
        add_counts(&mut c, &counts_of(order));
        assert_eq!(
            (c.passed, c.failed, c.shuffled.runs, c.shuffled.failed),
            (12, 4, 8, 4)
        );
        assert_eq!((c.alone.runs, c.alone.failed), (6, 0));
        let slow = tests.iter().find(|t| t.id == "slow").unwrap();
        let c = counts_of(slow);
        // A timeout is one of the verdict's failures, counted once in the counts.
        assert_eq!((c.failed, c.timed_out, slow.failed), (0, 2, 2));
    }

    #[test]
    fn verdicts_that_do_not_add_up_are_told() {
        let (_, tests) = summarize(0..12);
        assert!(tests.iter().all(adds_up));
        let order = tests.iter().find(|t| t.id == "order").unwrap();
        let broken = [
            TestStats {
                runs: order.runs + 1,
                ..order.clone()
            },
            TestStats {
                shuffled: OrderCounts {
                    runs: order.runs + 1,
                    failed: 0,
                },
                ..order.clone()
            },
            TestStats {
                alone: OrderCounts {
                    runs: order.runs,
                    failed: 0,
                },
                ..order.clone()
            },
            TestStats {
                timed_out: order.failed + 1,
                ..order.clone()
            },
            TestStats {
                signatures: vec![sig("x", order.failed + 1, 0)],
                ..order.clone()
            },
            TestStats {
                runs: u64::MAX,
                passed: u64::MAX - order.failed,
                ..order.clone()
            },
        ];
        for t in &broken {
            assert!(!adds_up(t), "{t:?}");
        }
    }

    fn sig(text: &str, count: u64, first_attempt: u32) -> Signature {
        Signature {
            signature: crate::analysis::signature(text),
            count,
            example: text.into(),
            first_attempt,
        }
    }

    #[test]
    fn the_same_signature_sums_and_keeps_the_first_attempt_and_its_example() {
        let mut into = vec![sig("expected 1 got 9", 2, 9), sig("timeout", 1, 4)];
        add_signatures(
            &mut into,
            &[sig("expected 1 got 3", 3, 3), sig("refused", 1, 12)],
        );
        assert_eq!(
            into,
            [
                sig("expected 1 got 3", 5, 3),
                sig("timeout", 1, 4),
                sig("refused", 1, 12)
            ]
        );
        // A later first attempt keeps the earlier example.
        add_signatures(&mut into, &[sig("expected 1 got 40", 1, 40)]);
        assert_eq!(into[0], sig("expected 1 got 3", 6, 3));
    }

    #[test]
    fn at_most_the_first_signatures_are_kept_and_the_rest_counted_under_the_last() {
        let distinct = |n: usize| format!("failure {}", "x".repeat(n));
        let mut into: Vec<Signature> = (0..6).map(|i| sig(&distinct(i), 1, i as u32 * 2)).collect();
        let more: Vec<Signature> = (6..12)
            .map(|i| sig(&distinct(i), 2, (i as u32 - 6) * 2 + 1))
            .collect();
        add_signatures(&mut into, &more);
        assert_eq!(into.len(), MAX_SIGNATURES);
        let firsts: Vec<u32> = into.iter().map(|s| s.first_attempt).collect();
        assert_eq!(firsts, (0..10).collect::<Vec<_>>());
        assert_eq!(into.iter().map(|s| s.count).sum::<u64>(), 6 + 12);
        // Attempts 10 and 11 (one count and two) went to the last kept, attempt 9's (two).
        assert_eq!(into[9].count, 2 + 1 + 2);
    }
}
