//! Trends over stored runs: direction of a test's failure rate, when it became flaky, the
//! suite's flakiness per day, and sparklines.

use serde::Serialize;

use super::Z95;

/// Whether a failure rate went up, down, or stayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Better,
    Worse,
    Steady,
}

impl Direction {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Better => "better",
            Self::Worse => "worse",
            Self::Steady => "steady",
        }
    }
}

/// Compares the failure proportion of the older half of `points` (runs, failed) with the newer
/// half, with a two-proportion z-test at 95%: a change the counts cannot support is `Steady`.
pub fn direction(points: &[(u64, u64)]) -> Direction {
    if points.len() < 2 {
        return Direction::Steady;
    }
    let (old, new) = points.split_at(points.len() / 2);
    let sum = |p: &[(u64, u64)]| {
        p.iter()
            .fold((0u64, 0u64), |(n, f), (pn, pf)| (n + pn, f + pf))
    };
    let ((n1, f1), (n2, f2)) = (sum(old), sum(new));
    if n1 == 0 || n2 == 0 {
        return Direction::Steady;
    }
    let (p1, p2) = (f1 as f64 / n1 as f64, f2 as f64 / n2 as f64);
    let pooled = (f1 + f2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 || ((p2 - p1) / se).abs() < Z95 {
        Direction::Steady
    } else if p2 > p1 {
        Direction::Worse
    } else {
        Direction::Better
    }
}

/// The index of the run at which a test last went from stable (no failure) to failing; `None`
/// when it never did (it failed from the first run on, or never failed).
pub fn became_flaky_at(failed: &[u64]) -> Option<usize> {
    (1..failed.len())
        .rev()
        .find(|&i| failed[i] > 0 && failed[i - 1] == 0)
}

/// A one-line chart of values: `▁` is zero (or the lowest), `█` the highest.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            if max <= 0.0 || *v <= 0.0 {
                BARS[0]
            } else {
                // Any value above zero shows, however small next to the maximum.
                BARS[1 + ((v / max) * 6.0).round() as usize]
            }
        })
        .collect()
}

/// The UTC day (`2026-11-22`) of a unix-millisecond time.
pub fn day_of(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()[..10].to_owned()
}

/// A test's failure rate over all its attempts in some runs, the rate's 95% Wilson interval,
/// and its severity band (NONE when it never failed): what `flaky history --tests` and the
/// dashboard show for each test.
pub fn rate_and_band(failed: u64, attempts: u64) -> (f64, f64, f64, super::Severity) {
    let rate = if attempts == 0 {
        0.0
    } else {
        failed as f64 / attempts as f64
    };
    let (low, high) = super::wilson(failed, attempts, super::Z95);
    let severity = if failed == 0 {
        super::Severity::None
    } else {
        super::Thresholds::default().band(rate)
    };
    (rate, low, high, severity)
}

/// A unix-millisecond time as `2026-11-22 03:05:39` (UTC).
pub fn when(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

/// A commit's first 8 characters, `-` for none.
pub fn short(commit: Option<&str>) -> String {
    commit.map_or_else(|| "-".to_owned(), |c| c[..c.len().min(8)].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_needs_evidence() {
        assert_eq!(direction(&[]), Direction::Steady);
        assert_eq!(direction(&[(100, 50)]), Direction::Steady);
        assert_eq!(
            direction(&[(100, 2), (100, 3), (100, 30), (100, 40)]),
            Direction::Worse
        );
        assert_eq!(
            direction(&[(100, 30), (100, 40), (100, 2), (100, 3)]),
            Direction::Better
        );
        // 1 of 10 against 2 of 10 is noise.
        assert_eq!(direction(&[(10, 1), (10, 2)]), Direction::Steady);
        assert_eq!(direction(&[(10, 0), (10, 0)]), Direction::Steady);
    }

    #[test]
    fn the_last_stable_to_failing_transition() {
        assert_eq!(became_flaky_at(&[0, 0, 3, 2, 0, 1, 4]), Some(5));
        assert_eq!(became_flaky_at(&[2, 3, 1]), None);
        assert_eq!(became_flaky_at(&[0, 0]), None);
        assert_eq!(became_flaky_at(&[0, 5]), Some(1));
        assert_eq!(became_flaky_at(&[]), None);
    }

    #[test]
    fn sparklines_scale_to_the_highest_value() {
        assert_eq!(sparkline(&[0.0, 0.5, 1.0]), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0]), "▁▁");
        assert_eq!(sparkline(&[0.001, 1.0]), "▂█");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn days_are_utc() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(1_700_000_000_000), "2023-11-14");
    }
}
