//! The charts of flaky's HTML pages, as geometry: each type here is computed from the numbers
//! it shows, and `templates/charts.html` draws it as inline SVG, one macro per type:
//! [`TrendChart`] `trend(chart)`, [`RateChart`] `rate_chart(chart, title_id, title)`,
//! [`Sparkline`] `sparkline(line)`, and a [`Severity`]'s coloured symbol `severity_mark(s)`.
//! A page imports them with `{% import "charts.html" as charts %}` and draws one with
//! `{% call charts::trend(chart) %}{% endcall %}` (askama's `call` needs its `endcall`).
//!
//! Texts here (labels, tooltips, captions) are plain text: the templates escape them.

use std::fmt;
use std::time::Duration;

use super::TrendPoint;
use super::markdown::{plural, time_text};
use crate::analysis::Severity;

/// The trend line's colour; the screenshot check (`scripts/check-html.sh`) looks for it.
pub const TREND_COLOR: &str = "#0b7285";
/// The mean-rate line's colour (dashed).
pub const MEAN_COLOR: &str = "#868e96";

impl Severity {
    /// Its colour on a page, the terminal table's hue (here, with the charts that draw it);
    /// `scripts/check-html.sh` looks for them. A method, so that templates can call it on a
    /// reference (`{{ s.color() }}`).
    pub const fn color(self) -> &'static str {
        match self {
            Self::Critical => "#ae3ec9",
            Self::High => "#e03131",
            Self::Medium => "#f59f00",
            Self::Low => "#1c7ed6",
            Self::None => "#2f9e44",
        }
    }
}

/// A computed SVG coordinate, written with one decimal (enough on a 720-unit canvas, and
/// short).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.0)
    }
}

/// Runs drawn as dots on the trend line: beyond, only the last one is.
pub const MAX_DOTS: usize = 60;

/// What a trend chart's points are and what its solid line counts.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    /// A point: "run" or "day"; and more than one: "runs", "days".
    pub point: &'static str,
    pub points: &'static str,
    /// What the counted tests did, after "tests that" ([`TrendPoint::flaky_tests`] counts them).
    pub did: &'static str,
}

/// The run report's: one point per run, the tests that failed at least once in it.
pub const RUNS_WITH_FAILURES: Series = Series {
    point: "run",
    points: "runs",
    did: "failed at least once",
};

/// The line chart of a series of runs or days: the share of tests that did what the [`Series`]
/// counts (solid, with a dot per point) and the mean failure rate (dashed), on a 720 × 250 canvas.
#[derive(Debug)]
pub struct TrendChart {
    pub series: Series,
    /// The points drawn, and the noun for them ("run", "runs").
    pub runs: usize,
    pub runs_noun: &'static str,
    /// The plot area.
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    /// Horizontal grid lines with their percent labels, bottom to top.
    pub grid: Vec<GridLine>,
    /// Run ticks on the x axis with their labels.
    pub ticks: Vec<Tick>,
    /// The x-axis title: "run (oldest to newest)", with the day when the labels have none.
    pub x_title: String,
    /// `points` of the two polylines; empty with one run (a line needs two).
    pub mean_line: String,
    pub share_line: String,
    pub dots: Vec<Dot>,
    pub caption: String,
}

/// A horizontal grid line at `y`, with its label at `label_y`.
#[derive(Debug)]
pub struct GridLine {
    pub y: Px,
    pub label_y: Px,
    pub label: String,
}

/// An x-axis tick at `x`.
#[derive(Debug)]
pub struct Tick {
    pub x: Px,
    pub label: String,
}

/// A run on the trend line, its numbers on hover.
#[derive(Debug)]
pub struct Dot {
    pub x: Px,
    pub y: Px,
    pub tip: String,
}

impl TrendChart {
    /// The chart of `points`, oldest first; at least one.
    pub fn new(points: &[TrendPoint], series: Series) -> Self {
        assert!(!points.is_empty(), "a trend chart needs a run");
        let share = |p: &TrendPoint| {
            if p.tests == 0 {
                0.0
            } else {
                p.flaky_tests as f64 / p.tests as f64
            }
        };
        let top = points
            .iter()
            .map(|p| share(p).max(p.mean_rate))
            .fold(0.0, f64::max);
        let (step, steps) = y_steps(top);
        let ymax = step * steps as f64;
        let (left, right, y_top, y_bottom) = (64.0, 700.0, 36.0, 210.0);
        let x = |i: usize| {
            Px(if points.len() == 1 {
                (left + right) / 2.0
            } else {
                left + 16.0 + i as f64 * (right - left - 32.0) / (points.len() - 1) as f64
            })
        };
        let y = |v: f64| Px(y_bottom - v.clamp(0.0, 1.0) / ymax * (y_bottom - y_top));
        let grid = (0..=steps)
            .map(|k| {
                let v = step * k as f64;
                GridLine {
                    y: y(v),
                    label_y: Px(y(v).0 + 4.0),
                    label: format!("{:.0}%", v * 100.0),
                }
            })
            .collect();
        let ticks = tick_indices(points.len());
        let (labels, dated) = tick_labels(points, &ticks);
        let ticks = labels
            .into_iter()
            .map(|(i, label)| Tick { x: x(i), label })
            .collect();
        // Labels without a date: the day the runs start on.
        let x_title = if dated {
            format!("{} (oldest to newest)", series.point)
        } else {
            format!(
                "{} (oldest to newest), from {} UTC",
                series.point,
                &time_text(points[0].started_at)[..10]
            )
        };
        let line = |f: &dyn Fn(&TrendPoint) -> f64| {
            if points.len() < 2 {
                return String::new();
            }
            points
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{},{}", x(i), y(f(p))))
                .collect::<Vec<_>>()
                .join(" ")
        };
        // Every run is a dot, unless there are too many to tell apart: then only the last is.
        let skip = if points.len() <= MAX_DOTS {
            0
        } else {
            points.len() - 1
        };
        let dots = points
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(i, p)| Dot {
                x: x(i),
                y: y(share(p)),
                tip: format!(
                    "{} {}, {}: {} of {} tests {} ({}), mean rate {}",
                    series.point,
                    p.run_id,
                    time_text(p.started_at),
                    p.flaky_tests,
                    p.tests,
                    series.did,
                    super::percent(share(p)),
                    super::percent(p.mean_rate)
                ),
            })
            .collect();
        let last = &points[points.len() - 1];
        let caption = if points.len() == 1 {
            format!("one {}: no trend yet", series.point)
        } else {
            format!(
                "{} {}; in the last, {} of {} tests {} ({}).",
                points.len(),
                series.points,
                last.flaky_tests,
                last.tests,
                series.did,
                super::percent(share(last))
            )
        };
        Self {
            series,
            runs: points.len(),
            runs_noun: plural(points.len() as u64, series.point, series.points),
            left,
            right,
            top: y_top,
            bottom: y_bottom,
            grid,
            ticks,
            x_title,
            mean_line: line(&|p| p.mean_rate),
            share_line: line(&share),
            dots,
            caption,
        }
    }

    /// Where the grid labels end (right-aligned), left of the axis.
    pub fn grid_label_x(&self) -> f64 {
        self.left - 8.0
    }

    /// The vertical middle of the plot, where the y-axis title is.
    pub fn middle_y(&self) -> Px {
        Px((self.top + self.bottom) / 2.0)
    }

    /// The horizontal middle of the plot, where the x-axis title is.
    pub fn middle_x(&self) -> f64 {
        (self.left + self.right) / 2.0
    }

    /// The bottom of an x-axis tick.
    pub fn tick_end(&self) -> f64 {
        self.bottom + 5.0
    }

    /// The baseline of a tick's label.
    pub fn tick_label_y(&self) -> f64 {
        self.bottom + 20.0
    }

    /// The baseline of the x-axis title, under the tick labels.
    pub fn x_title_y(&self) -> f64 {
        self.bottom + 38.0
    }
}

/// The y axis up to `top` (a share): whole-percent ticks, at most five steps, the step and
/// their number.
fn y_steps(top: f64) -> (f64, usize) {
    let top = top.clamp(0.05, 1.0);
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.25]
        .into_iter()
        .map(|step: f64| (step, (top / step - 1e-9).ceil().max(1.0) as usize))
        .find(|(_, n)| *n <= 5)
        .unwrap_or((0.25, 4))
}

/// The points that get an x-axis tick: every one up to six, else at most six evenly stepped from
/// the first, with the last always in and never within half a step of the one before it (two
/// dates side by side would overlap).
fn tick_indices(n: usize) -> Vec<usize> {
    if n <= 6 {
        return (0..n).collect();
    }
    let step = (n - 1).div_ceil(5);
    let mut ticks: Vec<usize> = (0..n - 1).step_by(step).collect();
    // A last step of half a step or less would crowd the last label: it takes that tick's place.
    if ticks.last().is_some_and(|&t| 2 * (n - 1 - t) <= step) {
        ticks.pop();
    }
    ticks.push(n - 1);
    ticks
}

/// The x-axis labels of the runs at `ticks`: their UTC dates when the runs span more than a
/// day, else their start times; finer (the time to the minute, then the second) while two
/// labels are the same, and the runs' numbers (1 the oldest shown) when even seconds are.
/// Whether the labels carry the date comes with them.
fn tick_labels(points: &[TrendPoint], ticks: &[usize]) -> (Vec<(usize, String)>, bool) {
    let span = match (points.first(), points.last()) {
        (Some(first), Some(last)) => last
            .started_at
            .duration_since(first.started_at)
            .unwrap_or_default(),
        _ => Duration::ZERO,
    };
    // Byte ranges of an RFC 3339 time, `2026-11-22T03:05:39Z`.
    let day = |t: &str| t[..10].to_owned();
    let day_minute = |t: &str| format!("{} {}", &t[5..10], &t[11..16]);
    let minute = |t: &str| t[11..16].to_owned();
    let second = |t: &str| t[11..19].to_owned();
    let dated = span > Duration::from_secs(86_400);
    let formats: [&dyn Fn(&str) -> String; 2] = if dated {
        [&day, &day_minute]
    } else {
        [&minute, &second]
    };
    let times: Vec<String> = ticks
        .iter()
        .map(|&i| time_text(points[i].started_at))
        .collect();
    for format in formats {
        let labels: Vec<String> = times.iter().map(|t| format(t)).collect();
        let mut distinct = labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() == labels.len() {
            return (ticks.iter().copied().zip(labels).collect(), dated);
        }
    }
    let numbers = ticks.iter().map(|&i| (i, format!("run {}", i + 1)));
    (numbers.collect(), false)
}

/// One row of a [`RateChart`]: a rate in `0..=1` with its 95% interval.
#[derive(Debug)]
pub struct Rate {
    /// Beside the bar (cut by the caller to fit its 360 units).
    pub label: String,
    /// On hover.
    pub tip: String,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub severity: Severity,
    /// Right of the bar ("25.0%").
    pub value: String,
}

/// Horizontal bars, one per rate, coloured by severity, each with its interval as a whisker, on
/// a 960-unit-wide canvas with a grid every 25%.
#[derive(Debug)]
pub struct RateChart {
    pub height: f64,
    /// Where the label column ends (right-aligned), and where the bars start.
    pub label_x: f64,
    pub bar_x: f64,
    /// The grid's vertical extent.
    pub grid_top: Px,
    pub grid_bottom: Px,
    /// The grid lines: x and percent.
    pub grid: Vec<(Px, u32)>,
    pub bars: Vec<RateBar>,
}

/// A bar of a [`RateChart`], placed.
#[derive(Debug)]
pub struct RateBar {
    pub label: String,
    pub tip: String,
    /// The baseline of the label and value texts.
    pub text_y: Px,
    pub y: Px,
    pub width: Px,
    pub color: &'static str,
    /// The whisker's path: a line from the low to the high bound with a cap at each end.
    pub whisker: String,
    pub value_x: Px,
    pub value: String,
}

impl RateChart {
    pub fn new(rates: Vec<Rate>) -> Self {
        let (label_x, bar_x, bar_w, row_h, top) = (360.0, 372.0, 500.0, 22.0, 28.0);
        let height = top + row_h * rates.len() as f64 + 8.0;
        let grid = (0..=4)
            .map(|k| (Px(bar_x + bar_w * f64::from(k) / 4.0), k * 25))
            .collect();
        let bars = rates
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let cy = top + row_h * i as f64 + row_h / 2.0;
                let (lo, hi) = (
                    Px(bar_x + r.ci_low.clamp(0.0, 1.0) * bar_w),
                    Px(bar_x + r.ci_high.clamp(0.0, 1.0) * bar_w),
                );
                let (c0, c1, cy) = (Px(cy - 5.0), Px(cy + 5.0), Px(cy));
                RateBar {
                    label: r.label,
                    tip: r.tip,
                    text_y: Px(cy.0 + 4.0),
                    y: Px(cy.0 - 6.0),
                    width: Px((r.rate.clamp(0.0, 1.0) * bar_w).max(2.0)),
                    color: r.severity.color(),
                    whisker: format!("M{lo} {cy}H{hi}M{lo} {c0}V{c1}M{hi} {c0}V{c1}"),
                    value_x: Px(bar_x + bar_w + 10.0),
                    value: r.value,
                }
            })
            .collect();
        Self {
            height,
            label_x,
            bar_x,
            grid_top: Px(top - 6.0),
            grid_bottom: Px(height - 4.0),
            grid,
            bars,
        }
    }
}

/// A test's recent failure rates as a small line (100 × 20, inline in text or a table cell),
/// oldest first, on a fixed 0–100% scale so that sparklines side by side compare; the last
/// rate is a dot in its severity's colour.
#[derive(Debug)]
pub struct Sparkline {
    pub width: f64,
    pub height: f64,
    /// On hover: what the line shows.
    pub title: String,
    /// The polyline's `points`; empty with fewer than two rates.
    pub points: String,
    /// The last rate, if any.
    pub last: Option<(Px, Px)>,
    pub color: &'static str,
}

impl Sparkline {
    pub fn new(rates: &[f64], severity: Severity, title: String) -> Self {
        let (width, height, pad) = (100.0, 20.0, 2.5);
        let x = |i: usize| {
            Px(if rates.len() < 2 {
                width - pad
            } else {
                pad + i as f64 * (width - 2.0 * pad) / (rates.len() - 1) as f64
            })
        };
        let y = |r: f64| Px(height - pad - r.clamp(0.0, 1.0) * (height - 2.0 * pad));
        let points = if rates.len() < 2 {
            String::new()
        } else {
            rates
                .iter()
                .enumerate()
                .map(|(i, &r)| format!("{},{}", x(i), y(r)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        Self {
            width,
            height,
            title,
            points,
            last: rates.last().map(|&r| (x(rates.len() - 1), y(r))),
            color: severity.color(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn ticks_are_evenly_stepped_and_never_side_by_side() {
        assert_eq!(tick_indices(1), [0]);
        assert_eq!(tick_indices(6), [0, 1, 2, 3, 4, 5]);
        assert_eq!(tick_indices(7), [0, 2, 4, 6]);
        assert_eq!(tick_indices(8), [0, 2, 4, 7]);
        // Ten days: the 2026-11-27/2026-11-28 pair that overlapped on the dashboard is gone.
        assert_eq!(tick_indices(10), [0, 2, 4, 6, 9]);
        assert_eq!(tick_indices(200), [0, 40, 80, 120, 160, 199]);
        assert_eq!(tick_indices(101), [0, 20, 40, 60, 80, 100]);
        for n in 7..400 {
            let t = tick_indices(n);
            assert!(
                t.len() <= 6 && t[0] == 0 && *t.last().unwrap() == n - 1,
                "{n}: {t:?}"
            );
            let step = (n - 1).div_ceil(5);
            assert!(t.windows(2).all(|w| 2 * (w[1] - w[0]) > step), "{n}: {t:?}");
        }
    }

    fn point(i: u64, flaky: u64, mean: f64) -> TrendPoint {
        TrendPoint {
            run_id: format!("r{i}"),
            started_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i * 60),
            tests: 10,
            flaky_tests: flaky,
            mean_rate: mean,
        }
    }

    #[test]
    fn y_axis_steps_are_whole_percents_up_to_five() {
        assert_eq!(y_steps(0.0), (0.01, 5));
        assert_eq!(y_steps(0.5), (0.1, 5));
        assert_eq!(y_steps(0.51), (0.2, 3));
        assert_eq!(y_steps(1.0), (0.2, 5));
        assert_eq!(y_steps(0.03), (0.01, 5));
    }

    #[test]
    fn trend_places_runs_between_the_axes() {
        let chart = TrendChart::new(
            &[point(0, 0, 0.0), point(1, 5, 0.1), point(2, 10, 0.3)],
            RUNS_WITH_FAILURES,
        );
        assert_eq!(chart.grid.len(), 6);
        assert_eq!(chart.grid[5].label, "100%");
        assert_eq!(
            chart.share_line, "80.0,210.0 382.0,123.0 684.0,36.0",
            "0%, 50% and 100% of the tests"
        );
        assert_eq!(chart.dots.len(), 3);
        assert_eq!(
            chart.dots[1].tip,
            "run r1, 2023-11-14T22:14:20Z: 5 of 10 tests failed at least once (50.0%), mean rate 10.0%"
        );
        assert_eq!(chart.x_title, "run (oldest to newest), from 2023-11-14 UTC");
        assert_eq!(
            chart.caption,
            "3 runs; in the last, 10 of 10 tests failed at least once (100.0%)."
        );
        // The dashboard's series: days, and the tests that were flaky.
        let days = Series {
            point: "day",
            points: "days",
            did: "were flaky",
        };
        let chart = TrendChart::new(&[point(0, 0, 0.0), point(1, 4, 0.1)], days);
        assert_eq!(
            chart.caption,
            "2 days; in the last, 4 of 10 tests were flaky (40.0%)."
        );
        assert!(
            chart.dots[1].tip.starts_with("day r1, "),
            "{}",
            chart.dots[1].tip
        );
        assert!(chart.x_title.starts_with("day (oldest to newest)"));
    }

    #[test]
    fn one_run_is_a_dot_without_lines() {
        let chart = TrendChart::new(&[point(0, 1, 0.05)], RUNS_WITH_FAILURES);
        assert_eq!((chart.runs, chart.runs_noun), (1, "run"));
        assert!(chart.share_line.is_empty() && chart.mean_line.is_empty());
        assert_eq!(chart.dots.len(), 1);
        assert_eq!(chart.dots[0].x, Px(382.0));
        assert_eq!(chart.caption, "one run: no trend yet");
    }

    #[test]
    fn many_runs_dot_only_the_last() {
        let points: Vec<_> = (0..=MAX_DOTS as u64).map(|i| point(i, 1, 0.1)).collect();
        let chart = TrendChart::new(&points, RUNS_WITH_FAILURES);
        assert_eq!(chart.dots.len(), 1);
        assert!(chart.dots[0].tip.starts_with("run r60,"));
    }

    #[test]
    fn rate_bars_show_the_rate_and_interval() {
        let chart = RateChart::new(vec![Rate {
            label: "t".to_owned(),
            tip: "t: 1 of 4".to_owned(),
            rate: 0.25,
            ci_low: 0.0,
            ci_high: 1.5,
            severity: Severity::High,
            value: "25.0%".to_owned(),
        }]);
        assert_eq!(chart.height, 58.0);
        assert_eq!(chart.grid[4], (Px(872.0), 100));
        let bar = &chart.bars[0];
        assert_eq!((bar.width, bar.color), (Px(125.0), "#e03131"));
        assert_eq!(
            bar.whisker, "M372.0 39.0H872.0M372.0 34.0V44.0M872.0 34.0V44.0",
            "the interval clamped to 100%"
        );
    }

    #[test]
    fn sparkline_scales_rates_on_a_fixed_axis() {
        let line = Sparkline::new(&[0.0, 0.5, 1.0], Severity::Low, "t".to_owned());
        assert_eq!(line.points, "2.5,17.5 50.0,10.0 97.5,2.5");
        assert_eq!(line.last, Some((Px(97.5), Px(2.5))));
        assert_eq!(line.color, "#1c7ed6");
        let one = Sparkline::new(&[0.2], Severity::None, "t".to_owned());
        assert!(one.points.is_empty());
        assert_eq!(one.last, Some((Px(97.5), Px(14.5))));
        assert_eq!(
            Sparkline::new(&[], Severity::None, "t".to_owned()).last,
            None
        );
    }
}

#[cfg(test)]
mod template_tests {
    use askama::Template;

    use super::Sparkline;
    use crate::analysis::Severity;

    /// The sparkline's markup, as a page draws it.
    #[derive(Template)]
    #[template(
        ext = "html",
        source = "{% import \"charts.html\" as charts %}<td>{% call charts::sparkline(line) %}{% endcall %}</td>"
    )]
    struct Cell {
        line: Sparkline,
    }

    #[test]
    fn sparkline_draws_inline_with_its_title_escaped() {
        let line = Sparkline::new(&[0.0, 1.0], Severity::High, "<b>a & b</b>".to_owned());
        assert_eq!(
            Cell { line }.render().unwrap(),
            "<td>\n<svg class=\"spark\" viewBox=\"0 0 100 20\" style=\"display:inline-block;vertical-align:middle;width:100px;height:20px\" role=\"img\"><title>&lt;b&gt;a &amp; b&lt;/b&gt;</title>\n<polyline points=\"2.5,17.5 97.5,2.5\" fill=\"none\" stroke=\"#868e96\" stroke-width=\"1.5\" stroke-linejoin=\"round\"/>\n<circle cx=\"97.5\" cy=\"2.5\" r=\"2.5\" fill=\"#e03131\"/>\n</svg></td>"
        );
        let empty = Sparkline::new(&[], Severity::None, "no runs".to_owned());
        let html = Cell { line: empty }.render().unwrap();
        assert!(
            !html.contains("<polyline") && !html.contains("<circle"),
            "{html}"
        );
    }
}
