//! The Wilson score interval for a failure proportion.

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `failures` out of `runs` at the given z; `(0, 0)` when `runs` is 0.
pub fn wilson(failures: u64, runs: u64, z: f64) -> (f64, f64) {
    if runs == 0 {
        return (0.0, 0.0);
    }
    let n = runs as f64;
    let p = failures as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    // Clamp the rounding noise at the edges: 0 failures has a lower bound of exactly 0.
    let low = if failures == 0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let high = if failures == runs {
        1.0
    } else {
        (center + half).min(1.0)
    };
    (low, high)
}

/// Fisher's exact test, one-sided: the chance of at least `a_failed` failures among the `a_runs`
/// runs of group A if failing did not depend on the group (hypergeometric, the margins fixed),
/// where group B had `b_failed` of `b_runs`. Small: A fails more than B beyond chance.
pub fn fisher_more(a_failed: u64, a_runs: u64, b_failed: u64, b_runs: u64) -> f64 {
    let failed = a_failed + b_failed;
    let runs = a_runs + b_runs;
    let ln_total = ln_choose(runs, a_runs);
    (a_failed..=failed.min(a_runs))
        .map(|x| (ln_choose(failed, x) + ln_choose(runs - failed, a_runs - x) - ln_total).exp())
        .sum::<f64>()
        .min(1.0)
}

/// ln(n choose k), 0 outside 0..=n's range being impossible (callers keep k within it).
fn ln_choose(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let k = k.min(n - k);
    (0..k).map(|i| ((n - i) as f64 / (i + 1) as f64).ln()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(x: f64) -> f64 {
        (x * 1000.0).round() / 10.0
    }

    #[test]
    fn matches_the_published_checks() {
        // The values of ../shared/STATISTICS.md, to one decimal of a percent.
        let cases = [
            (1, 20, 0.9, 23.6),
            (5, 20, 11.2, 46.9),
            (5, 100, 2.2, 11.2),
            (0, 100, 0.0, 3.7),
            (0, 20, 0.0, 16.1),
        ];
        for (f, n, lo, hi) in cases {
            let (l, h) = wilson(f, n, Z95);
            assert_eq!((pct(l), pct(h)), (lo, hi), "{f}/{n}");
        }
    }

    #[test]
    fn edges() {
        assert_eq!(wilson(0, 0, Z95), (0.0, 0.0));
        let (l, h) = wilson(10, 10, Z95);
        assert_eq!(h, 1.0);
        assert_eq!(pct(l), 72.2);
        let (l, h) = wilson(1, 1, Z95);
        assert!(l > 0.2 && l < 0.21, "{l}");
        assert_eq!(h, 1.0);
        for n in 1..200 {
            for f in 0..=n {
                let (l, h) = wilson(f, n, Z95);
                let p = f as f64 / n as f64;
                assert!(l <= p + 1e-12 && p <= h + 1e-12 && (0.0..=1.0).contains(&l) && h <= 1.0);
            }
        }
    }

    #[test]
    fn fisher_matches_hand_computed_values() {
        // All 3 failures in A (3 runs) against 0 of 10 in B: 1 / C(13, 3) = 1/286.
        assert!((fisher_more(3, 3, 0, 10) - 1.0 / 286.0).abs() < 1e-12);
        // 5 of 20 against 0 of 30: the chance all 5 land in A is C(20,5)/C(50,5).
        assert!((fisher_more(5, 20, 0, 30) - 15504.0 / 2_118_760.0).abs() < 1e-12);
        // No failure in A: nothing to explain.
        assert!((fisher_more(0, 5, 3, 5) - 1.0).abs() < 1e-12);
        // Same rates: far from significant.
        assert!(fisher_more(2, 10, 2, 10) > 0.5);
        // A group with fewer failures than B is never "more".
        assert!(fisher_more(1, 10, 9, 10) > 0.99);
    }
}
