//! The HTML report: one self-contained page (inline CSS and SVG, no script, no font, no image
//! to fetch) with the suite's trend, a bar per test with its interval, the per-test table, how
//! the tests failed, and what changed. Bounded whatever the number of tests.
//!
//! This module gathers what the page shows into [`ReportPage`]; `templates/report.html` lays it
//! out, every value escaped by askama (see [`super::page`]), the charts drawn by
//! [`super::charts`].

use std::io::{self, Write};

use askama::Template;

use super::charts::{RUNS_WITH_FAILURES, Rate, RateChart, TrendChart};
use super::diagnosis::{DiagnosisItem, html_items};
use super::markdown::{
    MESSAGE_CHARS, NAME_CHARS, WHOLE_ATTEMPT, attempts_text, ci_text, clean_block, commit_text,
    failure_of, framework_text, headline, non_stable, one_line, other_ways, outside_tests_note,
    rate_text, replay_text, retry_note, shard_note, short_sha, shown_files, skipped_note,
    stable_note, state_note, suite_order_note, time_text, verdict, verdict_note,
};
use super::page::filters;
use super::{Changes, Context, Report, TrendPoint, first_lines, percent};
use crate::analysis::{Severity, TestStats};

/// Tests drawn as bars, and rows of the per-test table.
const BARS: usize = 50;
const TABLE_ROWS: usize = 500;
/// Tests whose failures are shown in full.
const DETAILED_TESTS: usize = 20;
const SIGNATURES: usize = 5;
const TREND_POINTS: usize = 200;
const COMMITS: usize = 50;
const INFRA_ROWS: usize = 20;
/// Characters of a test name beside its bar.
const BAR_LABEL_CHARS: usize = 48;

/// Everything the report page shows, its texts plain (the template escapes them).
#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    title: String,
    /// The worst severity, its mark before the title.
    worst: Option<Severity>,
    /// The notes at the top (an interrupted run, a shard, retries).
    warnings: Vec<String>,
    facts: Vec<Fact>,
    ci: Option<CiSection>,
    trend: TrendChart,
    /// The bars and the table; `None` without a test result.
    rates: Option<RateChart>,
    tests: usize,
    rows: Vec<Row<'a>>,
    run_id: &'a str,
    table_notes: Vec<String>,
    failing: Vec<FailingTest<'a>>,
    more_failing: usize,
    attempts: Vec<FailedAttempt>,
    diagnoses: Vec<DiagnosisItem<'a>>,
    causes: Option<Causes<'a>>,
    infrastructure: Option<Infrastructure>,
    changes: Option<ChangesSection<'a>>,
    verdict: String,
}

/// A line of the summary at the top.
struct Fact {
    name: &'static str,
    value: String,
    code: bool,
}

struct CiSection {
    verdicts: Vec<CiRow>,
    rerun: String,
}

struct CiRow {
    label: &'static str,
    test: String,
    evidence: String,
}

/// A row of the per-test table.
struct Row<'a> {
    t: &'a TestStats,
    name: String,
    rate: String,
    ci: String,
}

/// A failing or flaky test shown in full: how it failed, and the lines that replay it.
struct FailingTest<'a> {
    t: &'a TestStats,
    name: String,
    note: Option<String>,
    /// Count and example of its ways of failing.
    signatures: Vec<(u64, String)>,
    more_ways: Option<String>,
    /// What each line replays, and the line.
    replays: Vec<(String, String)>,
}

/// An attempt that failed as a whole (no test to blame).
struct FailedAttempt {
    index: u32,
    seed: u64,
    message: String,
    reproduce: String,
    excerpt: String,
}

struct Causes<'a> {
    unstable: Vec<UnstableCauses<'a>>,
    /// A measured-stable test and its first cause.
    stable: Vec<(&'a str, String)>,
    left: usize,
}

/// A test's causes: each one's line and fix.
struct UnstableCauses<'a> {
    test: &'a str,
    causes: Vec<(String, String)>,
}

struct Infrastructure {
    /// "3 attempts".
    attempts: String,
    /// Each attempt's reason, and the end of its output when not already shown.
    lines: Vec<(String, Option<String>)>,
    more: usize,
}

struct ChangesSection<'a> {
    stable_run: &'a str,
    stable_commit: &'a str,
    commit: &'a str,
    /// "3 commits".
    count: String,
    commits: Vec<CommitRow<'a>>,
    more: usize,
}

struct CommitRow<'a> {
    sha: &'a str,
    author: String,
    time: String,
    summary: String,
    files: Vec<String>,
    more_files: usize,
}

pub fn render_html(report: &Report, ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let (worst, text) = headline(report);
    let rows = report
        .tests
        .iter()
        .take(TABLE_ROWS)
        .map(|t| Row {
            t,
            name: one_line(&t.id, NAME_CHARS),
            rate: rate_text(t),
            ci: ci_text(t),
        })
        .collect();
    let (failing, more_failing) = failing_tests(report);
    ReportPage {
        title: format!("flaky: {text}"),
        worst,
        warnings: [state_note(report), shard_note(report), retry_note(report)]
            .into_iter()
            .flatten()
            .collect(),
        facts: facts(report),
        ci: ci_section(report),
        trend: trend(report, ctx),
        rates: (!report.tests.is_empty()).then(|| rate_chart(report)),
        tests: report.tests.len(),
        rows,
        run_id: &report.run_id,
        table_notes: [
            suite_order_note(report),
            stable_note(report),
            skipped_note(report),
            outside_tests_note(report),
        ]
        .into_iter()
        .flatten()
        .collect(),
        failing,
        more_failing,
        attempts: failed_attempts(report),
        diagnoses: html_items(&report.diagnoses),
        causes: causes(report),
        infrastructure: infrastructure(report),
        changes: ctx.changes.as_ref().map(changes_section),
        verdict: verdict(report),
    }
    .write_into(out)
}

fn facts(report: &Report) -> Vec<Fact> {
    let fact = |name, value: String, code| Fact { name, value, code };
    let t = &report.totals;
    let mut facts = vec![
        fact(
            "Command",
            one_line(&report.test_label(), MESSAGE_CHARS),
            true,
        ),
        fact(
            "Attempts",
            format!(
                "{} of {} in {}, {} at a time",
                t.attempts,
                report.runs,
                super::duration_text(report.duration),
                report.jobs
            ),
            false,
        ),
        fact("Results", attempts_text(report), false),
        fact("Framework", framework_text(report), false),
        fact("Seed", report.seed.to_string(), true),
        fact("Run", report.run_id.clone(), true),
        fact("Started", time_text(report.started_at), false),
    ];
    if let Some(commit) = commit_text(report) {
        facts.push(fact("Commit", commit, false));
    }
    if let Some(n) = report.selected_tests {
        let selected = format!("{} in the --tests-from report", super::selected_text(n));
        facts.push(fact("Selected", selected, false));
    }
    if let Some(k) = report.batch {
        facts.push(fact("Batch", super::batch_text(k), false));
    }
    if report.ignored_tests > 0 {
        let ignored = format!("{} tests hidden by ignore_patterns", report.ignored_tests);
        facts.push(fact("Ignored", ignored, false));
    }
    facts
}

fn ci_section(report: &Report) -> Option<CiSection> {
    let ci = report.ci.as_ref().filter(|ci| !ci.verdicts.is_empty())?;
    Some(CiSection {
        verdicts: ci
            .verdicts
            .iter()
            .map(|v| CiRow {
                label: super::ci::label(v),
                test: one_line(&v.test, NAME_CHARS),
                evidence: super::ci::evidence(v, report),
            })
            .collect(),
        rerun: super::ci::rerun_text(ci),
    })
}

/// The line chart of the recent runs: the share of tests that failed at least once (solid) and
/// the mean failure rate (dashed). Without history, this run is the one point.
fn trend(report: &Report, ctx: &Context) -> TrendChart {
    if !ctx.trend.is_empty() {
        return TrendChart::new(
            &ctx.trend[ctx.trend.len().saturating_sub(TREND_POINTS)..],
            RUNS_WITH_FAILURES,
        );
    }
    let n = report.tests.len();
    TrendChart::new(
        &[TrendPoint {
            run_id: report.run_id.clone(),
            started_at: report.started_at,
            tests: n as u64,
            flaky_tests: non_stable(report).count() as u64,
            mean_rate: if n == 0 {
                0.0
            } else {
                report.tests.iter().map(|t| t.failure_rate).sum::<f64>() / n as f64
            },
        }],
        RUNS_WITH_FAILURES,
    )
}

/// A bar per test (the worst [`BARS`]): its failure rate, coloured by severity, and its 95%
/// interval as a whisker.
fn rate_chart(report: &Report) -> RateChart {
    let rates = report.tests.iter().take(BARS).map(|t| {
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
        Rate {
            label: bar_label(&t.id),
            tip,
            rate: t.failure_rate,
            ci_low: t.ci_low,
            ci_high: t.ci_high,
            severity: t.severity,
            value: rate_text(t),
        }
    });
    RateChart::new(rates.collect())
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

/// The failing or flaky tests shown in full (the first [`DETAILED_TESTS`]), and how many more
/// there are.
fn failing_tests(report: &Report) -> (Vec<FailingTest<'_>>, usize) {
    let bad: Vec<&TestStats> = non_stable(report).collect();
    let shown = bad
        .iter()
        .take(DETAILED_TESTS)
        .map(|t| {
            let mut replays = Vec::new();
            if let Some(f) = failure_of(report, &t.id) {
                replays.push((replay_text(f), clean_block(&f.reproduce)));
                if let Some(line) = &f.reproduce_attempt {
                    replays.push((WHOLE_ATTEMPT.to_owned(), clean_block(line)));
                }
            }
            FailingTest {
                t,
                name: one_line(&t.id, MESSAGE_CHARS),
                note: verdict_note(t),
                signatures: t
                    .signatures
                    .iter()
                    .take(SIGNATURES)
                    .map(|sig| (sig.count, one_line(&sig.example, MESSAGE_CHARS)))
                    .collect(),
                more_ways: (t.signatures.len() > SIGNATURES)
                    .then(|| other_ways(t.signatures.len() - SIGNATURES)),
                replays,
            }
        })
        .collect();
    (shown, bad.len().saturating_sub(DETAILED_TESTS))
}

fn failed_attempts(report: &Report) -> Vec<FailedAttempt> {
    report
        .failures
        .iter()
        .filter(|f| f.test.is_none())
        .map(|f| FailedAttempt {
            index: f.index,
            seed: f.seed,
            message: one_line(&f.message, MESSAGE_CHARS),
            reproduce: clean_block(&f.reproduce),
            excerpt: clean_block(&first_lines(&f.excerpt)),
        })
        .collect()
}

fn infrastructure(report: &Report) -> Option<Infrastructure> {
    if report.infrastructure.is_empty() {
        return None;
    }
    Some(Infrastructure {
        attempts: super::counted(report.totals.infrastructure, "attempt", "attempts"),
        lines: super::infra_excerpts(report, INFRA_ROWS)
            .into_iter()
            .map(|(i, tail)| (one_line(&i.describe(), MESSAGE_CHARS), tail))
            .collect(),
        more: report.infrastructure.len().saturating_sub(INFRA_ROWS),
    })
}

fn causes(report: &Report) -> Option<Causes<'_>> {
    let (unstable, stable, left) = super::shown_causes(report);
    if unstable.is_empty() && stable.is_empty() {
        return None;
    }
    let line = |cause| one_line(&super::cause_line(cause), MESSAGE_CHARS);
    Some(Causes {
        unstable: unstable
            .iter()
            .map(|c| UnstableCauses {
                test: &c.test,
                causes: c
                    .causes
                    .iter()
                    .take(super::CAUSES_PER_TEST)
                    .map(|cause| (line(cause), one_line(&cause.hint, MESSAGE_CHARS)))
                    .collect(),
            })
            .collect(),
        stable: stable
            .iter()
            .filter_map(|c| Some((c.test.as_str(), line(c.causes.first()?))))
            .collect(),
        left,
    })
}

fn changes_section(changes: &Changes) -> ChangesSection<'_> {
    let n = changes.commits.len();
    ChangesSection {
        stable_run: &changes.stable_run,
        stable_commit: short_sha(&changes.stable_commit),
        commit: short_sha(&changes.commit),
        count: super::counted(n as u64, "commit", "commits"),
        commits: changes
            .commits
            .iter()
            .take(COMMITS)
            .map(|c| {
                let (files, more_files) = shown_files(c);
                CommitRow {
                    sha: short_sha(&c.sha),
                    author: one_line(&c.author, NAME_CHARS),
                    time: time_text(c.time),
                    summary: one_line(&c.summary, MESSAGE_CHARS),
                    files: files.iter().map(|f| one_line(f, NAME_CHARS)).collect(),
                    more_files,
                }
            })
            .collect(),
        more: n.saturating_sub(COMMITS),
    }
}
