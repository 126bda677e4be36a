//! The HTML report: one self-contained page (inline CSS and SVG, no script, no font, no image
//! to fetch) with the suite's trend, a bar per test with its interval, the per-test table, how
//! the tests failed, and what changed. Bounded whatever the number of tests.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use super::markdown::{
    MESSAGE_CHARS, NAME_CHARS, attempts_text, ci_text, clean_block, commit_text, failure_of,
    files_text, framework_text, headline, non_stable, one_line, other_ways, outside_tests_note,
    plural, rate_text, replay_text, retry_note, shard_note, short_sha, skipped_note, stable_note,
    state_note, suite_order_note, time_text, verdict, verdict_note,
};
use super::{Changes, Context, Report, TrendPoint, first_lines, percent};
use crate::analysis::{Severity, TestStats};

/// Tests drawn as bars, and rows of the per-test table.
const BARS: usize = 50;
const TABLE_ROWS: usize = 500;
/// Tests whose failures are shown in full.
const DETAILED_TESTS: usize = 20;
const SIGNATURES: usize = 5;
const TREND_POINTS: usize = 200;
/// Runs drawn as dots on the trend line.
const MAX_DOTS: usize = 60;
const COMMITS: usize = 50;
const INFRA_ROWS: usize = 20;
/// Characters of a test name beside its bar.
const BAR_LABEL_CHARS: usize = 48;

/// The trend line's colour; the screenshot check (`scripts/check-html.sh`) looks for it.
const TREND_COLOR: &str = "#0b7285";
const MEAN_COLOR: &str = "#868e96";

/// One colour per severity, the terminal table's hues.
const fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#ae3ec9",
        Severity::High => "#e03131",
        Severity::Medium => "#f59f00",
        Severity::Low => "#1c7ed6",
        Severity::None => "#2f9e44",
    }
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  color: #212529; background: #fff; margin: 0 auto; padding: 24px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #dee2e6; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 18px 0 6px; overflow-wrap: anywhere; }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace; }
pre { background: #f1f3f5; padding: 8px 10px; border-radius: 4px; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.warn { background: #fff3bf; border-left: 4px solid #f59f00; padding: 8px 12px; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #495057; font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
svg { display: block; width: 100%; height: auto; }
svg.trend { max-width: 860px; }
svg text { font: 12px system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; fill: #495057; }
.caption { color: #495057; margin: 4px 0 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
th { background: #f8f9fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; }
.sev { font-weight: 600; white-space: nowrap; }
.note { color: #495057; }
footer { margin-top: 28px; font-weight: 600; }
";

/// A page's start, up to its open `<header>`: the title and the shared style.
pub(super) fn page_start(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n",
        esc(title)
    )
}

pub fn render_html(report: &Report, ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let (worst, text) = headline(report);
    let title = format!("flaky: {text}");
    let mut h = page_start(&title);
    match worst {
        Some(w) => {
            let _ = writeln!(
                h,
                "<h1><span class=\"sev\" style=\"color:{}\">{}</span> {}</h1>",
                severity_color(w),
                w.symbol(),
                esc(&title)
            );
        }
        None => {
            let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
        }
    }
    for note in [state_note(report), shard_note(report), retry_note(report)]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(h, "<p class=\"warn\">{}</p>", html_with_code(&note));
    }
    summary(report, &mut h);
    h.push_str("</header>\n");

    if let Some(ci) = report.ci.as_ref().filter(|ci| !ci.verdicts.is_empty()) {
        h.push_str("<section id=\"ci\">\n<h2>flaky ci verdicts</h2>\n<table>\n<thead><tr><th>Verdict</th><th>Test</th><th>Evidence</th></tr></thead>\n<tbody>\n");
        for v in &ci.verdicts {
            let _ = writeln!(
                h,
                "<tr><td class=\"nowrap\">{}</td><td class=\"name\">{}</td><td>{}</td></tr>",
                super::ci::label(v),
                esc(&one_line(&v.test, NAME_CHARS)),
                esc(&super::ci::evidence(v, report))
            );
        }
        let _ = writeln!(
            h,
            "</tbody>\n</table>\n<p class=\"note\">{}.</p>\n</section>",
            esc(&super::ci::rerun_text(ci))
        );
    }
    trend(report, ctx, &mut h);
    if !report.tests.is_empty() {
        bars(report, &mut h);
        table(report, &mut h);
    } else {
        h.push_str("<section id=\"tests\">\n<h2>Tests</h2>\n<p>No test result was recorded.</p>\n</section>\n");
    }
    failures(report, &mut h);
    super::diagnosis::html_section(&report.diagnoses, &mut h);
    causes(report, &mut h);
    infrastructure(report, &mut h);
    if let Some(changes) = &ctx.changes {
        changes_section(changes, &mut h);
    }
    let _ = writeln!(
        h,
        "<footer>verdict: {}</footer>\n</body>\n</html>",
        esc(&verdict(report))
    );
    out.write_all(h.as_bytes())
}

fn summary(report: &Report, h: &mut String) {
    let t = &report.totals;
    let mut facts = vec![
        (
            "Command",
            format!(
                "<code>{}</code>",
                esc(&one_line(&report.test_label(), MESSAGE_CHARS))
            ),
        ),
        (
            "Attempts",
            esc(&format!(
                "{} of {} in {}, {} at a time",
                t.attempts,
                report.runs,
                super::duration_text(report.duration),
                report.jobs
            )),
        ),
        ("Results", esc(&attempts_text(report))),
        ("Framework", esc(&framework_text(report))),
        ("Seed", format!("<code>{}</code>", report.seed)),
        ("Run", format!("<code>{}</code>", esc(&report.run_id))),
        ("Started", esc(&time_text(report.started_at))),
    ];
    if let Some(commit) = commit_text(report) {
        facts.push(("Commit", esc(&commit)));
    }
    if let Some(n) = report.selected_tests {
        facts.push((
            "Selected",
            esc(&format!(
                "{} in the --tests-from report",
                super::selected_text(n)
            )),
        ));
    }
    if let Some(k) = report.batch {
        facts.push(("Batch", esc(&super::batch_text(k))));
    }
    if report.ignored_tests > 0 {
        facts.push((
            "Ignored",
            esc(&format!(
                "{} tests hidden by ignore_patterns",
                report.ignored_tests
            )),
        ));
    }
    h.push_str("<dl class=\"facts\">\n");
    for (k, v) in facts {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    h.push_str("</dl>\n");
}

/// The line chart of the recent runs: the share of tests that failed at least once (solid) and
/// the mean failure rate (dashed). Without history, this run is the one point.
fn trend(report: &Report, ctx: &Context, h: &mut String) {
    let this_run;
    let points: &[TrendPoint] = if ctx.trend.is_empty() {
        let n = report.tests.len();
        this_run = [TrendPoint {
            run_id: report.run_id.clone(),
            started_at: report.started_at,
            tests: n as u64,
            flaky_tests: non_stable(report).count() as u64,
            mean_rate: if n == 0 {
                0.0
            } else {
                report.tests.iter().map(|t| t.failure_rate).sum::<f64>() / n as f64
            },
        }];
        &this_run
    } else {
        &ctx.trend[ctx.trend.len().saturating_sub(TREND_POINTS)..]
    };
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
    // Whole-percent ticks, at most five steps up to the top.
    let top = top.clamp(0.05, 1.0);
    let (step, steps) = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25]
        .into_iter()
        .map(|step: f64| (step, (top / step - 1e-9).ceil().max(1.0) as usize))
        .find(|(_, n)| *n <= 5)
        .unwrap_or((0.25, 4));
    let ymax = step * steps as f64;
    let (left, right, y_top, y_bottom) = (64.0, 700.0, 36.0, 210.0);
    let x = |i: usize| {
        if points.len() == 1 {
            (left + right) / 2.0
        } else {
            left + 16.0 + i as f64 * (right - left - 32.0) / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| y_bottom - v.clamp(0.0, 1.0) / ymax * (y_bottom - y_top);

    h.push_str("<section id=\"trend\">\n<h2>Trend</h2>\n");
    let _ = writeln!(
        h,
        "<svg class=\"trend\" viewBox=\"0 0 720 250\" role=\"img\" aria-labelledby=\"trend-title\">\n<title id=\"trend-title\">Share of tests that failed at least once, and mean failure rate, in the last {} {}</title>",
        points.len(),
        plural(points.len() as u64, "run", "runs")
    );
    for k in 0..=steps {
        let v = step * k as f64;
        let label = format!("{:.0}%", v * 100.0);
        let _ = writeln!(
            h,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{right}\" y2=\"{0:.1}\" stroke=\"#e9ecef\"/><text x=\"{1}\" y=\"{2:.1}\" text-anchor=\"end\">{label}</text>",
            y(v),
            left - 8.0,
            y(v) + 4.0
        );
    }
    let _ = writeln!(
        h,
        "<line x1=\"{left}\" y1=\"{y_top}\" x2=\"{left}\" y2=\"{y_bottom}\" stroke=\"#868e96\"/><line x1=\"{left}\" y1=\"{y_bottom}\" x2=\"{right}\" y2=\"{y_bottom}\" stroke=\"#868e96\"/>"
    );
    let _ = writeln!(
        h,
        "<text x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">share of tests</text>",
        (y_top + y_bottom) / 2.0,
        (y_top + y_bottom) / 2.0
    );
    let ticks: Vec<usize> = if points.len() <= 6 {
        (0..points.len()).collect()
    } else {
        (0..6).map(|k| k * (points.len() - 1) / 5).collect()
    };
    let (labels, dated) = tick_labels(points, &ticks);
    for (i, label) in labels {
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" y1=\"{y_bottom}\" x2=\"{0:.1}\" y2=\"{1}\" stroke=\"#868e96\"/><text x=\"{0:.1}\" y=\"{2}\" text-anchor=\"middle\">{3}</text>",
            x(i),
            y_bottom + 5.0,
            y_bottom + 20.0,
            esc(&label)
        );
    }
    // Labels without a date: the day the runs start on.
    let day = if dated {
        String::new()
    } else {
        format!(", from {} UTC", &time_text(points[0].started_at)[..10])
    };
    let _ = writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">run (oldest to newest){day}</text>",
        (left + right) / 2.0,
        y_bottom + 38.0
    );
    // The legend, top right.
    let _ = writeln!(
        h,
        "<line x1=\"380\" y1=\"14\" x2=\"404\" y2=\"14\" stroke=\"{TREND_COLOR}\" stroke-width=\"3\"/><text x=\"410\" y=\"18\">tests that failed at least once</text><line x1=\"590\" y1=\"14\" x2=\"614\" y2=\"14\" stroke=\"{MEAN_COLOR}\" stroke-width=\"2\" stroke-dasharray=\"5 4\"/><text x=\"620\" y=\"18\">mean rate</text>"
    );
    let line = |f: &dyn Fn(&TrendPoint) -> f64| {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(f(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if points.len() > 1 {
        let _ = writeln!(
            h,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{MEAN_COLOR}\" stroke-width=\"2\" stroke-dasharray=\"5 4\"/>",
            line(&|p| p.mean_rate)
        );
        let _ = writeln!(
            h,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{TREND_COLOR}\" stroke-width=\"3\" stroke-linejoin=\"round\"/>",
            line(&share)
        );
    }
    // Every run is a dot with its numbers on hover, unless there are too many to tell apart:
    // then only this run is.
    let dots = if points.len() <= MAX_DOTS {
        0
    } else {
        points.len() - 1
    };
    for (i, p) in points.iter().enumerate().skip(dots) {
        let _ = writeln!(
            h,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{TREND_COLOR}\"><title>run {}, {}: {} of {} tests failed at least once ({}), mean rate {}</title></circle>",
            x(i),
            y(share(p)),
            esc(&p.run_id),
            esc(&time_text(p.started_at)),
            p.flaky_tests,
            p.tests,
            percent(share(p)),
            percent(p.mean_rate)
        );
    }
    h.push_str("</svg>\n");
    if points.len() <= 1 {
        h.push_str("<p class=\"caption\">one run: no trend yet</p>\n");
    } else {
        let last = &points[points.len() - 1];
        let _ = writeln!(
            h,
            "<p class=\"caption\">{} runs; in the last, {} of {} tests failed at least once ({}).</p>",
            points.len(),
            last.flaky_tests,
            last.tests,
            percent(share(last))
        );
    }
    h.push_str("</section>\n");
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

/// A bar per test (the worst [`BARS`]): its failure rate, coloured by severity, and its 95%
/// interval as a whisker.
fn bars(report: &Report, h: &mut String) {
    let shown = &report.tests[..report.tests.len().min(BARS)];
    let (label_w, bar_x, bar_w, row_h, top) = (360.0, 372.0, 500.0, 22.0, 28.0);
    let height = top + row_h * shown.len() as f64 + 8.0;
    h.push_str("<section id=\"rates\">\n<h2>Failure rates</h2>\n");
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 960 {height:.0}\" role=\"img\" aria-labelledby=\"bars-title\">\n<title id=\"bars-title\">Failure rate of each test with its 95% interval</title>"
    );
    for k in 0..=4 {
        let gx = bar_x + bar_w * k as f64 / 4.0;
        let _ = writeln!(
            h,
            "<line x1=\"{gx:.1}\" y1=\"{:.1}\" x2=\"{gx:.1}\" y2=\"{:.1}\" stroke=\"#e9ecef\"/><text x=\"{gx:.1}\" y=\"16\" text-anchor=\"middle\">{}%</text>",
            top - 6.0,
            height - 4.0,
            k * 25
        );
    }
    for (i, t) in shown.iter().enumerate() {
        let cy = top + row_h * i as f64 + row_h / 2.0;
        let color = severity_color(t.severity);
        let w = (t.failure_rate.clamp(0.0, 1.0) * bar_w).max(2.0);
        let (lo, hi) = (
            bar_x + t.ci_low.clamp(0.0, 1.0) * bar_w,
            bar_x + t.ci_high.clamp(0.0, 1.0) * bar_w,
        );
        let tip = if t.runs == 0 {
            format!(
                "{}: never ran (skipped in every attempt)",
                one_line(&t.id, MESSAGE_CHARS)
            )
        } else if t.failed == 0 {
            format!(
                "{}: no failure in {}, a rate below {} at 95% confidence",
                one_line(&t.id, MESSAGE_CHARS),
                super::counted(t.runs, "run", "runs"),
                percent(t.ci_high)
            )
        } else {
            format!(
                "{}: {} of {} runs failed ({}, 95% CI {}), {} {}",
                one_line(&t.id, MESSAGE_CHARS),
                t.failed,
                t.runs,
                percent(t.failure_rate),
                ci_text(t),
                t.severity.label(),
                t.kind
            )
        };
        let _ = writeln!(
            h,
            "<g><title>{}</title>\n<text x=\"{label_w}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            esc(&tip),
            cy + 4.0,
            esc(&bar_label(&t.id))
        );
        let _ = writeln!(
            h,
            "<rect x=\"{bar_x}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"12\" fill=\"{color}\"/>",
            cy - 6.0
        );
        // The interval: a whisker with a cap at each end.
        let (c0, c1) = (cy - 5.0, cy + 5.0);
        let _ = writeln!(
            h,
            "<path d=\"M{lo:.1} {cy:.1}H{hi:.1}M{lo:.1} {c0:.1}V{c1:.1}M{hi:.1} {c0:.1}V{c1:.1}\" stroke=\"#212529\" stroke-width=\"1.5\" fill=\"none\"/>"
        );
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            bar_x + bar_w + 10.0,
            cy + 4.0,
            rate_text(t)
        );
    }
    h.push_str("</svg>\n");
    if report.tests.len() > BARS {
        let _ = writeln!(
            h,
            "<p class=\"caption\">The {BARS} worst of {} tests; the table below lists more.</p>",
            report.tests.len()
        );
    }
    h.push_str("</section>\n");
}

/// A test's name beside its bar: its end, where the test's own name is, when it is long.
fn bar_label(id: &str) -> String {
    let line = one_line(id, MESSAGE_CHARS);
    let n = line.chars().count();
    if n <= BAR_LABEL_CHARS {
        line
    } else {
        let tail: String = line.chars().skip(n - (BAR_LABEL_CHARS - 1)).collect();
        format!("…{tail}")
    }
}

fn table(report: &Report, h: &mut String) {
    h.push_str("<section id=\"tests\">\n<h2>Tests</h2>\n<table>\n<thead><tr><th>Test</th><th>Runs</th><th>Failed</th><th>Rate</th><th>95% CI</th><th>Severity</th><th>Kind</th></tr></thead>\n<tbody>\n");
    for t in report.tests.iter().take(TABLE_ROWS) {
        row(t, h);
    }
    h.push_str("</tbody>\n</table>\n");
    if report.tests.len() > TABLE_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">… and {} more tests, not shown: <code>flaky report {} --format json</code> lists them all.</p>",
            report.tests.len() - TABLE_ROWS,
            esc(&report.run_id)
        );
    }
    for note in [
        suite_order_note(report),
        stable_note(report),
        skipped_note(report),
        outside_tests_note(report),
    ]
    .into_iter()
    .flatten()
    {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", html_with_code(&note));
    }
    h.push_str("</section>\n");
}

fn row(t: &TestStats, h: &mut String) {
    let _ = writeln!(
        h,
        "<tr><td class=\"name\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td class=\"sev\"><span style=\"color:{}\">{}</span> {}</td><td class=\"nowrap\">{}</td></tr>",
        esc(&one_line(&t.id, NAME_CHARS)),
        t.runs,
        t.failed,
        rate_text(t),
        esc(&ci_text(t)),
        severity_color(t.severity),
        t.severity.symbol(),
        t.severity.label(),
        t.kind
    );
}

fn failures(report: &Report, h: &mut String) {
    let bad: Vec<&TestStats> = non_stable(report).collect();
    let command_failures: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.test.is_none())
        .collect();
    if bad.is_empty() && command_failures.is_empty() {
        return;
    }
    h.push_str("<section id=\"failures\">\n<h2>Failures</h2>\n");
    for t in bad.iter().take(DETAILED_TESTS) {
        let _ = writeln!(
            h,
            "<h3><span class=\"sev\" style=\"color:{}\">{}</span> {}</h3>\n<p>{}, failed {} of {} runs.</p>",
            severity_color(t.severity),
            t.severity.symbol(),
            esc(&one_line(&t.id, MESSAGE_CHARS)),
            t.kind,
            t.failed,
            t.runs
        );
        if let Some(note) = verdict_note(t) {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", html_with_code(&note));
        }
        if !t.signatures.is_empty() {
            h.push_str("<ul>\n");
            for sig in t.signatures.iter().take(SIGNATURES) {
                let _ = writeln!(
                    h,
                    "<li>{}× <code>{}</code></li>",
                    sig.count,
                    esc(&one_line(&sig.example, MESSAGE_CHARS))
                );
            }
            if t.signatures.len() > SIGNATURES {
                let _ = writeln!(
                    h,
                    "<li>… {}</li>",
                    other_ways(t.signatures.len() - SIGNATURES)
                );
            }
            h.push_str("</ul>\n");
        }
        if let Some(f) = failure_of(report, &t.id) {
            let _ = writeln!(
                h,
                "<p>{}</p>\n<pre>{}</pre>",
                esc(&replay_text(f)),
                esc(&clean_block(&f.reproduce))
            );
            if let Some(line) = &f.reproduce_attempt {
                let _ = writeln!(
                    h,
                    "<p>{}</p>\n<pre>{}</pre>",
                    esc(super::markdown::WHOLE_ATTEMPT),
                    esc(&clean_block(line))
                );
            }
        }
    }
    if bad.len() > DETAILED_TESTS {
        let _ = writeln!(
            h,
            "<p class=\"note\">… and {} more failing or flaky tests.</p>",
            bad.len() - DETAILED_TESTS
        );
    }
    for f in command_failures {
        let _ = writeln!(
            h,
            "<h3>Attempt {} (seed {})</h3>\n<p><code>{}</code></p>\n<pre>{}</pre>",
            f.index,
            f.seed,
            esc(&one_line(&f.message, MESSAGE_CHARS)),
            esc(&clean_block(&f.reproduce))
        );
        let excerpt = first_lines(&f.excerpt);
        if !excerpt.is_empty() {
            let _ = writeln!(h, "<pre>{}</pre>", esc(&clean_block(&excerpt)));
        }
    }
    h.push_str("</section>\n");
}

fn infrastructure(report: &Report, h: &mut String) {
    if report.infrastructure.is_empty() {
        return;
    }
    let n = report.totals.infrastructure;
    let _ = writeln!(
        h,
        "<section id=\"infrastructure\">\n<h2>Left out as infrastructure ({n} {})</h2>\n<p>These attempts count in no test's rate.</p>\n<ul>",
        plural(n, "attempt", "attempts")
    );
    for i in report.infrastructure.iter().take(INFRA_ROWS) {
        let _ = writeln!(
            h,
            "<li>{}</li>",
            esc(&one_line(&i.describe(), MESSAGE_CHARS))
        );
    }
    if report.infrastructure.len() > INFRA_ROWS {
        let _ = writeln!(
            h,
            "<li>… and {} more</li>",
            report.infrastructure.len() - INFRA_ROWS
        );
    }
    h.push_str("</ul>\n</section>\n");
}

fn causes(report: &Report, h: &mut String) {
    let (unstable, stable, left) = super::shown_causes(report);
    if unstable.is_empty() && stable.is_empty() {
        return;
    }
    h.push_str("<section id=\"causes\">\n<h2>Likely causes</h2>\n<p>Smells <code>flaky scan</code> found in these tests or in what they call.</p>\n<ul>\n");
    for c in &unstable {
        let _ = writeln!(h, "<li><code>{}</code>\n<ul>", esc(&c.test));
        for cause in c.causes.iter().take(super::CAUSES_PER_TEST) {
            let _ = writeln!(
                h,
                "<li>{}<br><small>fix: {}</small></li>",
                html_with_code(&one_line(&super::cause_line(cause), MESSAGE_CHARS)),
                html_with_code(&one_line(&cause.hint, MESSAGE_CHARS))
            );
        }
        h.push_str("</ul></li>\n");
    }
    for c in &stable {
        if let Some(cause) = c.causes.first() {
            let _ = writeln!(
                h,
                "<li class=\"stable\"><code>{}</code> (measured stable, lower priority): {}</li>",
                esc(&c.test),
                html_with_code(&one_line(&super::cause_line(cause), MESSAGE_CHARS))
            );
        }
    }
    if left > 0 {
        let _ = writeln!(h, "<li>… and {left} more tests</li>");
    }
    h.push_str("</ul>\n</section>\n");
}

fn changes_section(changes: &Changes, h: &mut String) {
    h.push_str("<section id=\"changes\">\n<h2>Changes since the last stable run</h2>\n");
    if changes.commits.is_empty() {
        let _ = writeln!(
            h,
            "<p>No commit since run <code>{}</code> at <code>{}</code>, the last in which the failing tests were stable: the same code passed then.</p>\n</section>",
            esc(&changes.stable_run),
            esc(short_sha(&changes.stable_commit))
        );
        return;
    }
    let n = changes.commits.len();
    let _ = writeln!(
        h,
        "<p>{n} {} from <code>{}</code> (run <code>{}</code>, the last in which the failing tests were stable) to <code>{}</code>:</p>",
        plural(n as u64, "commit", "commits"),
        esc(short_sha(&changes.stable_commit)),
        esc(&changes.stable_run),
        esc(short_sha(&changes.commit))
    );
    h.push_str("<table>\n<thead><tr><th>Commit</th><th>Author</th><th>Time</th><th>Summary</th><th>Files</th></tr></thead>\n<tbody>\n");
    for c in changes.commits.iter().take(COMMITS) {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"name\">{}</td></tr>",
            esc(short_sha(&c.sha)),
            esc(&one_line(&c.author, NAME_CHARS)),
            esc(&time_text(c.time)),
            esc(&one_line(&c.summary, MESSAGE_CHARS)),
            files_text(c, |f| format!(
                "<code>{}</code>",
                esc(&one_line(f, NAME_CHARS))
            ))
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if n > COMMITS {
        let _ = writeln!(
            h,
            "<p class=\"note\">… and {} older commits.</p>",
            n - COMMITS
        );
    }
    h.push_str("</section>\n");
}

/// Text for HTML content and attribute values: markup characters as entities, control
/// characters (other than line breaks and tabs) made visible as U+FFFD.
/// Text whose `quoted` parts become `<code>`, all of it escaped.
pub(super) fn html_with_code(text: &str) -> String {
    super::split_code(text)
        .map(|(code, part)| {
            if code {
                format!("<code>{}</code>", esc(part))
            } else {
                esc(part)
            }
        })
        .collect()
}

pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c if super::is_bidi_control(c) => out.push_str(&super::bidi_shown(c)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn esc_leaves_no_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\"\u{1}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\u{FFFD}"
        );
    }
}
