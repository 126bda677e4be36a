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
}
