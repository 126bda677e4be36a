//! The dashboard page (`flaky dashboard`): the history of many runs as one self-contained HTML
//! file, drawn by `templates/dashboard.html` on the shared page shell and charts.
//!
//! Everything here is plain data computed from the history: numbers, texts (escaped by the
//! template), and chart geometry. The page is readable with scripts off; its small script only
//! filters and sorts the rows that are already there. Its size is bounded by the callers' caps
//! (tests, runs, trend points), whatever the history holds.

use std::io;
use std::time::{Duration, SystemTime};

use askama::Template;

use super::charts::{Px, Series, Sparkline, TrendChart};
use super::{TrendPoint, percent};
use crate::analysis::Severity;
use crate::analysis::history::rate_and_band;
use crate::config::display_command;
use crate::storage::{RunFailure, RunMark, RunRow, SeverityCounts, TestStory};

/// Characters of a command in the run history.
const COMMAND_CHARS: usize = 80;

/// The numbers at the top of the page.
#[derive(Debug)]
pub struct Overview {
    /// Which runs the page shows, in words.
    pub scope: String,
    pub runs: u64,
    pub attempts: u64,
    pub tests: u64,
    /// Tests with any failure in the selected runs.
    pub failed_tests: u64,
    /// Tests that both failed and passed in a run at least once.
    pub flaky_tests_seen: u64,
    pub flaky_now: u64,
    pub became_flaky: u64,
    pub became_stable: u64,
    /// Attempts that did not pass, and their summed duration.
    pub failing_attempts: u64,
    pub failing_time: String,
    pub failing_ms: u64,
    pub mean_rate: f64,
    pub flaky_share: f64,
    /// When the page was made (UTC).
    pub generated: String,
}

impl Overview {}

/// One point of the trend: a day or a run, with its tests per severity.
#[derive(Debug, Clone)]
pub struct SeverityBar {
    /// The UTC day or the run id.
    pub label: String,
    pub runs: u64,
    pub tests: u64,
    pub flaky_tests: u64,
    /// Tests that failed every attempt of the runs they failed in.
    pub failing_tests: u64,
    pub flaky_share: f64,
    pub mean_rate: f64,
    /// Tests at each severity at worst, `NONE` to `CRITICAL`.
    pub counts: SeverityCounts,
    /// When the point starts (unix milliseconds).
    pub started_at_ms: i64,
}

impl SeverityBar {}

/// The suite's trend: the line chart, the severity bars and the table of points.
#[derive(Debug)]
pub struct TrendLine {
    /// `day` or `run`.
    pub per: &'static str,
    pub mean_rate: f64,
    pub flaky_share: f64,
    pub chart: Option<TrendChart>,
    pub severities: SeverityChart,
    pub points: Vec<SeverityBar>,
}

impl TrendLine {
    pub fn from_points(
        per: &'static str,
        mean_rate: f64,
        flaky_share: f64,
        points: Vec<SeverityBar>,
    ) -> Self {
        // The share of tests that were flaky (failed and passed) in each day or run, and the
        // mean rate: the tests failing every attempt are in the severity bars, not the line.
        let chart_points: Vec<TrendPoint> = points
            .iter()
            .map(|p| TrendPoint {
                run_id: p.label.clone(),
                started_at: SystemTime::UNIX_EPOCH
                    + Duration::from_millis(p.started_at_ms.max(0) as u64),
                tests: p.tests,
                flaky_tests: p.flaky_tests,
                mean_rate: p.mean_rate,
            })
            .collect();
        Self {
            per,
            mean_rate,
            flaky_share,
            chart: (!chart_points.is_empty()).then(|| {
                TrendChart::new(
                    &chart_points,
                    Series {
                        point: per,
                        points: if per == "day" { "days" } else { "runs" },
                        did: "were flaky",
                    },
                )
            }),
            severities: SeverityChart::new(&points),
            points,
        }
    }
}

/// Stacked bars, one per day or run: how many tests reached each severity (the stable ones
/// left out, so the failures show), on a 720 × 200 canvas.
#[derive(Debug)]
pub struct SeverityChart {
    pub bars: Vec<StackedBar>,
    /// The y axis: the most tests with failures in a point.
    pub max: u64,
    pub legend: Vec<(&'static str, &'static str)>,
}

/// One point's bar: its segments bottom up, and what it shows on hover.
#[derive(Debug)]
pub struct StackedBar {
    pub tip: String,
    pub segments: Vec<Segment>,
}

#[derive(Debug)]
pub struct Segment {
    pub x: Px,
    pub y: Px,
    pub width: Px,
    pub height: Px,
    pub color: &'static str,
}

/// The severities above NONE, bottom up.
const STACKED: [Severity; 4] = [
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

impl SeverityChart {
    pub const LEFT: f64 = 48.0;
    pub const RIGHT: f64 = 710.0;
    pub const TOP: f64 = 12.0;
    pub const BOTTOM: f64 = 180.0;

    fn new(points: &[SeverityBar]) -> Self {
        let max = points
            .iter()
            .map(|p| p.counts[1..].iter().sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let slot = (Self::RIGHT - Self::LEFT) / points.len().max(1) as f64;
        let width = (slot * 0.8).max(0.5);
        let scale = (Self::BOTTOM - Self::TOP) / max as f64;
        let bars = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let x = Self::LEFT + slot * i as f64 + (slot - width) / 2.0;
                let mut base = Self::BOTTOM;
                let segments = STACKED
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| p.counts[k + 1] > 0)
                    .map(|(k, s)| {
                        let h = p.counts[k + 1] as f64 * scale;
                        base -= h;
                        Segment {
                            x: Px(x),
                            y: Px(base),
                            width: Px(width),
                            height: Px(h),
                            color: s.color(),
                        }
                    })
                    .collect();
                let counts: Vec<String> = STACKED
                    .iter()
                    .rev()
                    .enumerate()
                    .map(|(k, s)| format!("{} {}", p.counts[4 - k], s.label()))
                    .collect();
                StackedBar {
                    tip: format!(
                        "{}: {} of {} tests failed ({}), {} stable",
                        p.label,
                        p.counts[1..].iter().sum::<u64>(),
                        p.tests,
                        counts.join(", "),
                        p.counts[0]
                    ),
                    segments,
                }
            })
            .collect();
        Self {
            bars,
            max,
            legend: STACKED
                .iter()
                .rev()
                .map(|s| (s.label(), s.color()))
                .collect(),
        }
    }

    /// The y of the axis label at the top.
    pub fn top_label_y(&self) -> f64 {
        Self::TOP + 4.0
    }
}

/// A run a test's row points at: when, which run, which commit.
#[derive(Debug)]
pub struct Mark {
    pub when: String,
    pub run_id: String,
    pub commit: String,
}

impl Mark {
    /// The day alone (`2026-12-01`), for a narrow column.
    pub fn day(&self) -> &str {
        self.when.get(..10).unwrap_or(&self.when)
    }

    fn of(m: &RunMark) -> Self {
        Self {
            when: crate::analysis::history::when(m.started_at_ms),
            run_id: m.run_id.clone(),
            commit: crate::analysis::history::short(m.commit.as_deref()),
        }
    }
}

/// A row of the most flaky tests.
#[derive(Debug)]
pub struct TestLine {
    pub id: String,
    pub dir: String,
    pub rate: f64,
    pub rate_text: String,
    pub ci_text: String,
    /// `failed/attempts` and `runs failed/runs seen`.
    pub failed: String,
    pub failed_count: u64,
    pub runs: String,
    pub runs_failed: u64,
    pub kind: String,
    pub severity: Severity,
    pub sparkline: Sparkline,
    pub first_failed: Option<Mark>,
    pub last_failed: Option<Mark>,
    pub became_flaky: Option<Mark>,
    pub flaky_now: bool,
    /// `category at file:line`, and the smell's message.
    pub cause: Option<(String, String)>,
    /// The proven (or remaining) cause, and the diagnosis in one sentence.
    pub diagnosis: Option<(String, String)>,
}

impl TestLine {
    pub fn new(
        s: &TestStory,
        cause: Option<&crate::scan::Cause>,
        diagnosis: Option<(String, String)>,
    ) -> Self {
        let t = &s.total;
        let (rate, lo, hi, severity) = rate_and_band(t.failed, t.attempts);
        Self {
            id: t.id.clone(),
            dir: t.dir.clone(),
            rate,
            rate_text: percent(rate),
            ci_text: format!("{}–{}", percent(lo), percent(hi)),
            failed: format!("{}/{}", t.failed, t.attempts),
            failed_count: t.failed,
            runs: format!("{}/{}", t.runs_failed, t.runs_seen),
            runs_failed: t.runs_failed,
            kind: s.kind.clone(),
            severity,
            sparkline: Sparkline::new(
                &s.recent,
                severity,
                format!("failure rate in its last {} runs", s.recent.len()),
            ),
            first_failed: s.first_failed.as_ref().map(Mark::of),
            last_failed: s.last_failed.as_ref().map(Mark::of),
            became_flaky: s.became_flaky.as_ref().map(Mark::of),
            flaky_now: s.flaky_now,
            cause: cause.map(|c| {
                (
                    format!("{} at {}:{}", c.category, c.file, c.line),
                    c.message.clone(),
                )
            }),
            diagnosis,
        }
    }

    /// The severity's name in lower case, as the filter's values are.
    pub fn severity_key(&self) -> &'static str {
        self.severity.as_str()
    }
}

/// A row of the run history, with its section of failed tests.
#[derive(Debug)]
pub struct RunLine {
    pub run_id: String,
    pub when: String,
    pub branch: String,
    pub commit: String,
    pub command: String,
    /// `attempts made/planned`.
    pub attempts: String,
    pub failed_attempts: u64,
    pub tests: u64,
    pub flaky_tests: u64,
    pub verdict: String,
    pub severity: Option<Severity>,
    pub failures: Vec<RunFailure>,
    /// Tests that failed in the run, listed or not.
    pub failed_tests: u64,
}

impl RunLine {
    pub fn new(r: &RunRow, (failures, failed_tests): (Vec<RunFailure>, u64)) -> Self {
        let severity = r.worst.as_deref().and_then(Severity::parse);
        let verdict = match (r.status.as_str(), severity) {
            ("completed", Some(Severity::None) | None) => "no failure".to_owned(),
            ("completed", Some(s)) => s.label().to_owned(),
            (status, _) => status.to_owned(),
        };
        let command = display_command(&r.command);
        Self {
            run_id: r.run_id.clone(),
            when: crate::analysis::history::when(r.started_at_ms),
            branch: r.branch.clone().unwrap_or_default(),
            commit: match &r.commit {
                Some(c) => format!(
                    "{}{}",
                    crate::analysis::history::short(Some(c)),
                    if r.dirty == Some(true) { "+dirty" } else { "" }
                ),
                None => String::new(),
            },
            command: super::markdown::one_line(&command, COMMAND_CHARS),
            attempts: format!("{}/{}", r.totals.attempts, r.runs),
            failed_attempts: r.totals.attempts.saturating_sub(r.totals.passed),
            tests: r.tests,
            flaky_tests: r.flaky_tests,
            verdict,
            severity: severity.filter(|s| *s != Severity::None),
            failures,
            failed_tests,
        }
    }

    /// Failed tests of the run its section leaves out.
    pub fn failures_left_out(&self) -> u64 {
        self.failed_tests.saturating_sub(self.failures.len() as u64)
    }
}

/// The page.
#[derive(Debug, Template)]
#[template(path = "dashboard.html")]
pub struct Page {
    /// The page's title (the shell's `<title>`).
    pub title: String,
    pub overview: Overview,
    pub trend: TrendLine,
    pub tests: Vec<TestLine>,
    /// Tests with failures beyond the table's rows.
    pub tests_left_out: u64,
    pub runs: Vec<RunLine>,
    /// Selected runs older than the listed ones.
    pub runs_left_out: u64,
}

impl Page {
    /// The kinds in the table, for the filter's choices.
    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.tests.iter().map(|t| t.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }

    pub fn severities(&self) -> [Severity; 4] {
        [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ]
    }
}

/// Writes the page.
pub fn render(page: &Page, out: &mut dyn io::Write) -> io::Result<()> {
    page.write_into(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, counts: SeverityCounts) -> SeverityBar {
        SeverityBar {
            label: label.to_owned(),
            runs: 1,
            tests: counts.iter().sum(),
            flaky_tests: counts[1..].iter().sum(),
            failing_tests: 0,
            flaky_share: 0.0,
            mean_rate: 0.0,
            counts,
            started_at_ms: 0,
        }
    }

    #[test]
    fn severity_bars_stack_the_failed_tests_on_one_scale() {
        let chart = SeverityChart::new(&[bar("a", [5, 1, 1, 0, 0]), bar("b", [3, 0, 1, 2, 1])]);
        assert_eq!(chart.max, 4, "the stable tests are left out");
        let (a, b) = (&chart.bars[0], &chart.bars[1]);
        assert_eq!(a.segments.len(), 2);
        assert_eq!(b.segments.len(), 3);
        // 168 units of height for 4 tests: 42 a test, bottom up LOW, MEDIUM, HIGH, CRITICAL.
        assert_eq!(
            b.segments
                .iter()
                .map(|s| (s.y, s.height, s.color))
                .collect::<Vec<_>>(),
            [
                (Px(138.0), Px(42.0), Severity::Medium.color()),
                (Px(54.0), Px(84.0), Severity::High.color()),
                (Px(12.0), Px(42.0), Severity::Critical.color()),
            ]
        );
        assert_eq!(
            b.tip,
            "b: 4 of 7 tests failed (1 CRITICAL, 2 HIGH, 1 MEDIUM, 0 LOW), 3 stable"
        );
        assert!(SeverityChart::new(&[]).bars.is_empty());
    }
}
