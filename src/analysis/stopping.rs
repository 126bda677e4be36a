//! When to stop: a test's verdict is settled by Wald's sequential probability ratio tests (SPRT),
//! one per band boundary, so checking after every attempt keeps its error rates.
//!
//! For a boundary `b`, the test weighs H0 "rate = p0" against H1 "rate = p1", where p0 and p1 have
//! `ODDS_RATIO` times smaller and larger odds than `b`. After each result the log-likelihood ratio
//! moves by `ln(p1/p0)` for a failure and `ln((1-p1)/(1-p0))` for a pass; crossing
//! `ln((1-β)/α)` decides "above b", crossing `ln(β/(1-α))` decides "below b". Rates inside the
//! zone (p0, p1) may land on either side: the band next to the boundary is right either way.
//!
//! - A test that never failed is settled when the test at `floor` (the smallest rate that
//!   matters, default 1%) decides "below".
//! - A test that failed every time is settled when the test at the CRITICAL boundary decides
//!   "above" (the first pass makes it flaky instead).
//! - A test that passed and failed is flaky, with no false positive; it is settled once the tests
//!   at every band boundary between LOW and CRITICAL have decided, which pins its band.
//! - A rate that sits on a boundary keeps that boundary's test undecided for ever (a test failing
//!   exactly every other attempt oscillates about the 50% boundary's threshold). Such a test is
//!   settled "on the boundary" once a [`BOUNDARY_Z`] Wilson interval of its rate lies inside the
//!   boundary's indifference zone: either band next to it is right, and the report says both.

use serde::Serialize;

use super::{Severity, Thresholds, wilson};

/// How far from a boundary (in odds) the two hypotheses of each test sit.
pub const ODDS_RATIO: f64 = 4.0;

/// The error rates of each boundary's test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rule {
    /// P(decide "above" | rate = p0).
    pub alpha: f64,
    /// P(decide "below" | rate = p1).
    pub beta: f64,
    /// The smallest failure rate that matters: a never-failing test is settled below it.
    pub floor: f64,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            beta: 0.05,
            floor: 0.01,
        }
    }
}

/// What one boundary's test says so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Below,
    Above,
    Undecided,
}

/// The indifference zone `(p0, p1)` of the test at boundary `b`: the rates `ODDS_RATIO` times
/// less and more likely to fail than `b`.
pub fn zone(b: f64) -> (f64, f64) {
    let odds = b / (1.0 - b);
    (
        odds / ODDS_RATIO / (1.0 + odds / ODDS_RATIO),
        odds * ODDS_RATIO / (1.0 + odds * ODDS_RATIO),
    )
}

/// Wald's SPRT at boundary `b` after `failed` failures in `runs` results.
pub fn sprt(b: f64, failed: u64, runs: u64, rule: &Rule) -> Decision {
    let (p0, p1) = zone(b);
    let passed = runs - failed;
    let llr = failed as f64 * (p1 / p0).ln() + passed as f64 * ((1.0 - p1) / (1.0 - p0)).ln();
    if llr >= ((1.0 - rule.beta) / rule.alpha).ln() {
        Decision::Above
    } else if llr <= (rule.beta / (1.0 - rule.alpha)).ln() {
        Decision::Below
    } else {
        Decision::Undecided
    }
}

/// The z of the interval that puts a rate on a boundary. It is looked at after every attempt, so
/// it is wider than the report's 95%: with it, "on the boundary" is said of a rate outside the
/// boundary's zone less often than the SPRT's own error rates (checked by simulation below).
pub const BOUNDARY_Z: f64 = 2.576;

/// Whether `failed` in `runs` puts the rate on boundary `b`: its [`BOUNDARY_Z`] interval lies
/// inside the boundary's indifference zone.
pub fn on_boundary(b: f64, failed: u64, runs: u64) -> bool {
    let (p0, p1) = zone(b);
    let (low, high) = wilson(failed, runs, BOUNDARY_Z);
    runs > 0 && low > p0 && high < p1
}

/// Why a test's verdict is settled, or that it is not yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Settled {
    /// Never failed, and its rate is below the floor.
    Stable,
    /// Failed every time, and its rate is above the CRITICAL boundary.
    Failing,
    /// Passed and failed, and its band is pinned.
    Flaky,
    /// Passed and failed, and its rate is on the boundary between these two bands.
    OnBoundary(Severity, Severity),
    No,
}

/// The verdict state of a test after `failed` failures in `runs` results.
pub fn settled(failed: u64, runs: u64, thresholds: &Thresholds, rule: &Rule) -> Settled {
    if runs == 0 {
        return Settled::No;
    }
    if failed == 0 {
        return if sprt(rule.floor, 0, runs, rule) == Decision::Below {
            Settled::Stable
        } else {
            Settled::No
        };
    }
    if failed == runs {
        return if sprt(thresholds.critical, failed, runs, rule) == Decision::Above {
            Settled::Failing
        } else {
            Settled::No
        };
    }
    let boundaries = [
        (thresholds.medium, Severity::Low, Severity::Medium),
        (thresholds.high, Severity::Medium, Severity::High),
        (thresholds.critical, Severity::High, Severity::Critical),
    ];
    let mut settled = Settled::Flaky;
    for (b, below, above) in boundaries {
        if sprt(b, failed, runs, rule) != Decision::Undecided {
            continue;
        }
        // A rate may sit on one boundary; the others must be decided.
        if settled == Settled::Flaky && on_boundary(b, failed, runs) {
            settled = Settled::OnBoundary(below, above);
        } else {
            return Settled::No;
        }
    }
    settled
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of uniform numbers (splitmix64), so the simulation is the same on
    /// every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Attempts until settled (or `max`), and the verdict, for a test failing with rate `p`.
    fn simulate(p: f64, seed: u64, max: u64) -> (u64, Settled, u64) {
        let (t, r) = (Thresholds::default(), Rule::default());
        let mut rng = Rng(seed);
        let mut failed = 0;
        for n in 1..=max {
            failed += u64::from(rng.next() < p);
            let s = settled(failed, n, &t, &r);
            if s != Settled::No {
                return (n, s, failed);
            }
        }
        (max, Settled::No, failed)
    }

    #[test]
    fn the_examples_of_statistics_md() {
        let r = Rule::default();
        // A test failing half the time is flaky at once and its band settles within a few dozen.
        let (n, s, _) = simulate(0.5, 1, 1000);
        assert_eq!(s, Settled::Flaky);
        assert!(n < 40, "{n}");
        // Never failing: settled below 1% after a fixed number of passes.
        let passes = (1..1000)
            .find(|n| sprt(0.01, 0, *n, &r) == Decision::Below)
            .unwrap();
        assert_eq!(passes, 80);
        assert_eq!(
            settled(0, passes, &Thresholds::default(), &r),
            Settled::Stable
        );
        assert_eq!(
            settled(0, passes - 1, &Thresholds::default(), &r),
            Settled::No
        );
        // Failing every time: settled above 90% after a dozen.
        let fails = (1..1000)
            .find(|n| sprt(0.9, *n, *n, &r) == Decision::Above)
            .unwrap();
        assert_eq!(fails, 9);
    }

    /// Whether a verdict is false for a true rate `p > 0`. Any failure makes a test flaky, so
    /// its true band is at least LOW; "stable" is false when `p` is above the floor's zone, and a
    /// band is false when a boundary between it and the true band had `p` outside its zone.
    fn false_verdict(p: f64, verdict: usize) -> bool {
        let t = Thresholds::default();
        if verdict == 0 {
            return p >= zone(Rule::default().floor).1;
        }
        let bounds = [t.medium, t.high, t.critical];
        let truth = 1 + bounds.iter().filter(|b| p > **b).count();
        let (lo, hi) = (truth.min(verdict), truth.max(verdict));
        (lo..hi).any(|i| {
            let (z0, z1) = zone(bounds[i - 1]);
            p <= z0 || p >= z1
        })
    }

    /// Whether `s` says "on a boundary" of a rate `p` outside that boundary's zone.
    fn off_its_boundary(p: f64, s: Settled) -> bool {
        let t = Thresholds::default();
        let b = match s {
            Settled::OnBoundary(Severity::Low, _) => t.medium,
            Settled::OnBoundary(Severity::Medium, _) => t.high,
            Settled::OnBoundary(..) => t.critical,
            _ => return false,
        };
        let (z0, z1) = zone(b);
        p <= z0 || p >= z1
    }

    #[test]
    fn a_rate_on_a_boundary_settles_there() {
        let (t, r) = (Thresholds::default(), Rule::default());
        // Failing exactly every other attempt: the 50% test never decides, and ran to the
        // 1000-attempt cap before the boundary rule.
        let at = |every: u64, fails_first: bool| {
            let mut failed = 0;
            (1..=1000u64)
                .find_map(|n| {
                    failed += u64::from(((n - 1) % every == 0) == fails_first);
                    let s = settled(failed, n, &t, &r);
                    (s != Settled::No).then_some((n, s))
                })
                .unwrap()
        };
        assert_eq!(
            at(2, true),
            (12, Settled::OnBoundary(Severity::Medium, Severity::High))
        );
        assert_eq!(sprt(t.high, 500, 1000, &r), Decision::Undecided);
        // One in ten, and nine in ten.
        assert_eq!(
            at(10, true).1,
            Settled::OnBoundary(Severity::Low, Severity::Medium)
        );
        assert_eq!(
            at(10, false).1,
            Settled::OnBoundary(Severity::High, Severity::Critical)
        );
    }

    /// Rates just outside each boundary's zone, where "on the boundary" would be false, and just
    /// inside it: the combined rule's false verdicts stay under α there too.
    #[test]
    fn the_boundary_rule_keeps_its_error_rates_at_the_zones_edges() {
        let t = Thresholds::default();
        for b in [t.medium, t.high, t.critical] {
            let (z0, z1) = zone(b);
            for p in [
                z0 * 0.9,
                z0 * 1.1,
                z1 - (1.0 - z1) * 0.1,
                z1 + (1.0 - z1) * 0.1,
            ] {
                let runs = 2000;
                let wrong = (0..runs)
                    .filter(|seed| {
                        let (_, s, _) = simulate(p, *seed, 5000);
                        off_its_boundary(p, s)
                    })
                    .count();
                assert!(
                    wrong as f64 / runs as f64 <= 0.05,
                    "b={b} p={p}: {wrong} of {runs} said on the boundary"
                );
            }
        }
    }

    #[test]
    fn false_verdicts_stay_under_alpha_over_many_seeds() {
        let t = Thresholds::default();
        let band_index = |failed: u64, n: u64, s: Settled| match s {
            Settled::Stable => 0,
            _ => {
                [t.medium, t.high, t.critical]
                    .iter()
                    .filter(|b| failed as f64 / n as f64 > **b)
                    .count()
                    + 1
            }
        };
        for p in [0.002, 0.02, 0.05, 0.15, 0.3, 0.5, 0.7, 0.9, 0.98] {
            let runs = 2000;
            let mut wrong = 0;
            let mut attempts = 0;
            for seed in 0..runs {
                let (n, s, failed) = simulate(p, seed, 5000);
                assert_ne!(s, Settled::No, "p={p} seed={seed} never settled");
                attempts += n;
                wrong +=
                    u64::from(false_verdict(p, band_index(failed, n, s)) || off_its_boundary(p, s));
            }
            let rate = wrong as f64 / runs as f64;
            assert!(
                rate <= 0.05,
                "p={p}: {wrong} of {runs} verdicts were false ({rate}), mean {} attempts",
                attempts / runs
            );
        }
    }
}
