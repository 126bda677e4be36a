//! `flaky dashboard`: the history of the selected runs as one self-contained HTML page.
//!
//! It selects runs as `flaky history` does (the same flags, the same filter) and reads the same
//! aggregates, so the page's numbers are those `flaky history --format json` prints.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};

use super::history::{Trend, TrendRow, elsewhere, run_filter, unix_ms};
use crate::analysis::history::day_of;
use crate::cli::{DashboardArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::render::dashboard::{
    self as page, Overview, Page, RunLine, SeverityBar, TestLine, TrendLine,
};
use crate::render::{counted, duration_text};
use crate::reporter::Printer;
use crate::scan;
use crate::storage::{Bucket, History, RunFilter, SeverityCounts, TestStory};

/// Rows of the most flaky tests' table.
const TESTS: usize = 200;
/// Runs in the run history (each with its section of failed tests).
const RUNS: u32 = 500;
/// Failed tests listed in a run's section.
const TESTS_PER_RUN: usize = 10;
/// Points of the trend: a year of days, or this many runs.
const DAYS: usize = 366;
const RUN_POINTS: usize = 200;
/// Under this many days with runs, the trend is drawn per run.
const FEW_DAYS: usize = 3;
/// Runs of a test in its sparkline.
const RECENT: usize = 30;
/// Latest runs whose stored likely causes are read.
const CAUSE_RUNS: u32 = 200;

pub fn dashboard(
    args: &DashboardArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let (path, history) = super::stored_history(global, printer)?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let project = crate::vcs::project_root(&cwd);
    let filter = run_filter(&args.select, &project);
    let runs = history.count_runs(&filter)?;
    if runs == 0 {
        let hint = elsewhere(&history, &filter, &project)?.unwrap_or_else(|| {
            "`flaky history --all` lists every stored run; loosen --repo, --branch, --command or --since".to_owned()
        });
        bail!(
            "no stored run in {} matches the selection; hint: {hint}",
            path.display()
        );
    }
    let page = read_page(&history, &filter, args, &project, runs, printer)?;
    let mut html = Vec::new();
    page::render(&page, &mut html)?;
    if args.output == Path::new("-") {
        super::print(&html)?;
    } else {
        std::fs::write(&args.output, &html).with_context(|| {
            format!(
                "cannot write the dashboard to {}; hint: pass -o FILE for another place, or -o - for stdout",
                args.output.display()
            )
        })?;
        printer.note(&format!(
            "wrote {} ({} KB): {}, {} with failures",
            args.output.display(),
            html.len().div_ceil(1024),
            counted(runs, "run", "runs"),
            counted(page.overview.failed_tests, "test", "tests"),
        ));
    }
    Ok(ExitStatus::Success)
}

/// Everything the page shows, read from the history.
fn read_page(
    history: &History,
    filter: &RunFilter,
    args: &DashboardArgs,
    project: &Path,
    runs: u64,
    printer: &Printer,
) -> anyhow::Result<Page> {
    let (trend, bucket) = trend(history, filter)?;
    let severities = severities(history, filter, bucket)?;
    let stories = history.test_stories(filter, TESTS, RECENT)?;
    let causes = causes(history, filter, args, &stories.worst)?;
    let (failing_attempts, failing_ms) = history.failing_attempt_time(filter)?;
    let overview = Overview {
        scope: scope(args, project),
        runs,
        attempts: history.count_attempts(filter)?,
        tests: stories.tests,
        failed_tests: stories.failed_tests,
        flaky_tests_seen: trend.flaky_tests_seen,
        flaky_now: stories.flaky_now,
        became_flaky: stories.became_flaky,
        became_stable: stories.became_stable,
        failing_attempts,
        failing_time: duration_text(Duration::from_millis(failing_ms)),
        failing_ms,
        mean_rate: trend.mean_rate,
        flaky_share: trend.flaky_share,
        generated: crate::analysis::history::when(unix_ms(SystemTime::now())),
    };
    let tests = stories
        .worst
        .iter()
        .map(|s| {
            let diagnosis = match history.last_diagnosis(&s.total.id, &s.total.dir) {
                Ok(d) => d.map(|(_, d)| (d.cause.as_str().to_owned(), d.summary)),
                Err(e) => {
                    printer.warn(&format!("the diagnosis of {} is left out: {e}", s.total.id));
                    None
                }
            };
            TestLine::new(s, causes.get(&s.total.id), diagnosis)
        })
        .collect();
    let rows = history.list_runs(filter, RUNS)?;
    let ids: Vec<String> = rows.iter().map(|r| r.run_id.clone()).collect();
    let mut failures = history.run_failures(&ids, TESTS_PER_RUN)?;
    let run_lines = rows
        .iter()
        .map(|r| RunLine::new(r, failures.remove(&r.run_id).unwrap_or_default()))
        .collect();
    Ok(Page {
        title: format!("flaky dashboard: {}", overview.scope),
        trend: trend_line(&trend, severities),
        tests_left_out: stories.failed_tests.saturating_sub(TESTS as u64),
        tests,
        runs_left_out: runs.saturating_sub(u64::from(RUNS)),
        runs: run_lines,
        overview,
    })
}

/// The suite's trend: per day, or per run when the runs span few days.
fn trend(history: &History, filter: &RunFilter) -> anyhow::Result<(Trend, Bucket)> {
    let (points, all) = history.trend(filter, Bucket::Day)?;
    if points.len() >= FEW_DAYS {
        return Ok((Trend::new(points, all, Bucket::Day, DAYS), Bucket::Day));
    }
    let (points, all) = history.trend(filter, Bucket::Run)?;
    Ok((
        Trend::new(points, all, Bucket::Run, RUN_POINTS),
        Bucket::Run,
    ))
}

/// The severities per point of the trend, by the point's label.
fn severities(
    history: &History,
    filter: &RunFilter,
    bucket: Bucket,
) -> anyhow::Result<HashMap<String, SeverityCounts>> {
    Ok(history
        .severities(filter, bucket)?
        .into_iter()
        .map(|p| {
            let label = match bucket {
                Bucket::Day => day_of(p.key * 86_400_000),
                Bucket::Run => p.run_id,
            };
            (label, p.counts)
        })
        .collect())
}

/// Each listed test's likely cause: scanned now with `--causes`, else as stored with its runs.
fn causes(
    history: &History,
    filter: &RunFilter,
    args: &DashboardArgs,
    tests: &[TestStory],
) -> anyhow::Result<HashMap<String, scan::Cause>> {
    let Some(dir) = &args.causes else {
        return Ok(history.stored_causes(filter, CAUSE_RUNS)?);
    };
    let found = super::causes::scan_for_causes(dir)?;
    Ok(tests
        .iter()
        .filter_map(|t| {
            scan::causes_of(&found, &t.total.id)
                .into_iter()
                .next()
                .map(|c| (t.total.id.clone(), c))
        })
        .collect())
}

/// Which runs the page shows, in words.
fn scope(args: &DashboardArgs, project: &Path) -> String {
    let s = &args.select;
    let mut parts = vec![if s.all || s.repo.is_some() {
        "every directory".to_owned()
    } else {
        format!("runs under {}", project.display())
    }];
    if let Some(repo) = &s.repo {
        parts.push(format!("repository URL containing “{repo}”"));
    }
    if let Some(branch) = &s.branch {
        parts.push(format!("branch {branch}"));
    }
    if let Some(command) = &s.command {
        parts.push(format!("command containing “{command}”"));
    }
    if let Some(since) = s.since {
        parts.push(format!("since {} ago", humantime::format_duration(since)));
    }
    parts.join(", ")
}

/// The trend's rows with their severities, for the page.
fn trend_line(t: &Trend, mut severities: HashMap<String, SeverityCounts>) -> TrendLine {
    let bars = t
        .points
        .iter()
        .map(|r: &TrendRow| SeverityBar {
            label: r.label.clone(),
            runs: r.runs,
            tests: r.tests,
            flaky_tests: r.flaky_tests,
            failing_tests: r.failing_tests,
            started_at_ms: r.started_at_ms,
            flaky_share: r.flaky_share,
            mean_rate: r.mean_rate,
            counts: severities.remove(&r.label).unwrap_or_default(),
        })
        .collect();
    TrendLine::from_points(t.per, t.mean_rate, t.flaky_share, bars)
}
