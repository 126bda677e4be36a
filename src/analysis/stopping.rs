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

use serde::Serialize;

use super::Thresholds;

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

/// Wald's SPRT at boundary `b` after `failed` failures in `runs` results.
pub fn sprt(b: f64, failed: u64, runs: u64, rule: &Rule) -> Decision {
    let odds = b / (1.0 - b);
    let p0 = odds / ODDS_RATIO / (1.0 + odds / ODDS_RATIO);
    let p1 = odds * ODDS_RATIO / (1.0 + odds * ODDS_RATIO);
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
    let boundaries = [thresholds.medium, thresholds.high, thresholds.critical];
    if boundaries
        .iter()
        .all(|b| sprt(*b, failed, runs, rule) != Decision::Undecided)
    {
        Settled::Flaky
    } else {
        Settled::No
    }
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

    /// The indifference zone of the test at boundary `b`.
    fn zone(b: f64) -> (f64, f64) {
        let odds = b / (1.0 - b);
        (
            odds / ODDS_RATIO / (1.0 + odds / ODDS_RATIO),
            odds * ODDS_RATIO / (1.0 + odds * ODDS_RATIO),
        )
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
                wrong += u64::from(false_verdict(p, band_index(failed, n, s)));
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
