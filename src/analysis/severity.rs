//! Severity bands and the thresholds that separate them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a test's failure rate is. Ordered from harmless to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// No failure seen (or a rate at or below the `low` threshold).
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Self; 5] = [
        Self::Critical,
        Self::High,
        Self::Medium,
        Self::Low,
        Self::None,
    ];

    /// The upper-case name shown in tables.
    pub const fn label(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }

    /// The lower-case name used in JSON, flags and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
    }

    /// Whether this severity counts against `fail_on` (`None`: nothing does): the rule behind
    /// exit status 1, for tests and for scan findings alike.
    pub fn reaches(self, fail_on: Option<Self>) -> bool {
        fail_on.is_some_and(|f| self != Self::None && self >= f)
    }

    /// A symbol that tells the bands apart without colour.
    pub const fn symbol(self) -> &'static str {
        match self {
            Self::None => "✔",
            Self::Low => "●",
            Self::Medium => "◆",
            Self::High => "▲",
            Self::Critical => "✖",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The failure-rate thresholds (fractions in 0..=1) above which a band starts.
///
/// CRITICAL is a rate above `critical`; HIGH at or above `high`; MEDIUM at or above `medium`;
/// LOW above `low`; anything else is NONE.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
    pub low: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            critical: 0.9,
            high: 0.5,
            medium: 0.1,
            low: 0.0,
        }
    }
}

impl Thresholds {
    /// Checks `0 <= low < medium < high < critical <= 1`; the error says which pair is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let order = [
            ("low", self.low),
            ("medium", self.medium),
            ("high", self.high),
            ("critical", self.critical),
        ];
        for (name, v) in order {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!(
                    "`{name}` is {v}, but thresholds are fractions from 0 to 1"
                ));
            }
        }
        for pair in order.windows(2) {
            let ((a, av), (b, bv)) = (pair[0], pair[1]);
            if av >= bv {
                return Err(format!(
                    "`{a}` ({av}) must be below `{b}` ({bv}): the bands must rise from low to critical"
                ));
            }
        }
        Ok(())
    }

    /// The band of a failure rate.
    pub fn band(&self, rate: f64) -> Severity {
        if rate > self.critical {
            Severity::Critical
        } else if rate >= self.high {
            Severity::High
        } else if rate >= self.medium {
            Severity::Medium
        } else if rate > self.low {
            Severity::Low
        } else {
            Severity::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_reaches_fail_on() {
        use Severity::{Critical, High, Low, Medium};
        assert!(High.reaches(Some(Medium)) && Medium.reaches(Some(Medium)));
        assert!(!Low.reaches(Some(Medium)) && !Critical.reaches(Option::None));
        // The NONE band never counts, even against a threshold of NONE.
        assert!(!Severity::None.reaches(Some(Severity::None)) && Low.reaches(Some(Severity::None)));
    }

    #[test]
    fn bands_at_their_edges() {
        let t = Thresholds::default();
        let cases = [
            (0.0, Severity::None),
            (0.0001, Severity::Low),
            (0.0999, Severity::Low),
            (0.1, Severity::Medium),
            (0.4999, Severity::Medium),
            (0.5, Severity::High),
            (0.9, Severity::High),
            (0.9001, Severity::Critical),
            (1.0, Severity::Critical),
        ];
        for (rate, band) in cases {
            assert_eq!(t.band(rate), band, "rate {rate}");
        }
    }

    #[test]
    fn a_raised_low_threshold_makes_rare_failures_none() {
        let t = Thresholds {
            low: 0.02,
            ..Thresholds::default()
        };
        assert_eq!(t.band(0.02), Severity::None);
        assert_eq!(t.band(0.021), Severity::Low);
    }

    #[test]
    fn validation_names_the_wrong_pair() {
        assert!(Thresholds::default().validate().is_ok());
        let bad = Thresholds {
            medium: 0.6,
            ..Thresholds::default()
        };
        let e = bad.validate().unwrap_err();
        assert!(
            e.contains("`medium` (0.6) must be below `high` (0.5)"),
            "{e}"
        );
        let bad = Thresholds {
            critical: 1.5,
            ..Thresholds::default()
        };
        assert!(bad.validate().unwrap_err().contains("`critical` is 1.5"));
    }

    #[test]
    fn parse_and_names() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(s.label().to_lowercase(), s.as_str());
        }
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("severe"), None);
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::None);
    }
}
