//! `flaky history`: stored runs, the most flaky tests, one test's timeline, and the trend.

use std::io::Write;
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::analysis::history::{Direction, became_flaky_at, day_of, direction, sparkline};
use crate::analysis::{Severity, Thresholds, Z95, wilson};
use crate::cli::{FormatArg, GlobalArgs, HistoryArgs, PerArg};
use crate::config::display_command;
use crate::exit::ExitStatus;
use crate::render::{self, SCHEMA_VERSION, percent, terminal_text};
use crate::reporter::Printer;
use crate::scan::{self, Cause, ScanOptions};
use crate::storage::{History, RunFilter, RunPoint, RunRow, TestTotal, TimelinePoint};

pub fn history(
    args: &HistoryArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let path = super::db_path(global)?;
    if !path.exists() {
        printer.note(&format!(
            "no history yet: {} does not exist; `flaky run` creates it",
            path.display()
        ));
    }
    let mut history = History::open_for_reading(&path)?;
    super::tidy(&mut history, printer);
    let filter = RunFilter {
        repo: args.repo.clone(),
        branch: args.branch.clone(),
        command: args.command.clone(),
        command_line: None,
        since_ms: args
            .since
            .map(|d| unix_ms(SystemTime::now()) - d.as_millis() as i64),
    };
    let json = args.format == FormatArg::Json;
    let color = printer.color_stdout;
    let mut buf = Vec::new();
    if args.tests {
        let (tests, stable) = history.test_totals(&filter, args.limit)?;
        let mut rows: Vec<TestRow> = tests.iter().map(TestRow::from).collect();
        if let Some(dir) = &args.causes {
            let found = scan::scan(dir, &ScanOptions::for_causes())
                .with_context(|| format!("--causes: cannot scan {}", dir.display()))?;
            for r in &mut rows {
                r.causes = scan::causes_of(&found, &r.total.id);
            }
        }
        if json {
            write_json(
                &mut buf,
                serde_json::json!({ "schema_version": SCHEMA_VERSION, "tests": rows, "stable_tests": stable }),
            )?;
        } else if rows.is_empty() {
            writeln!(
                buf,
                "no test failed in the selected runs ({} seen)",
                crate::render::counted(stable, "test", "tests")
            )?;
        } else {
            writeln!(buf, "{}", tests_table(&rows, args.causes.is_some(), color))?;
            writeln!(
                buf,
                "{stable} other tests never failed in the selected runs"
            )?;
        }
    } else if let Some(id) = &args.test {
        let points = history.test_timeline(id, &filter)?;
        if points.is_empty() {
            let similar = history.similar_tests(id)?;
            let hint = if similar.is_empty() {
                "hint: `flaky history --tests` lists the tests with failures".to_owned()
            } else {
                format!(
                    "hint: did you mean {}?",
                    similar
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            bail!("no stored result for test `{id}` in the selected runs; {hint}");
        }
        let timeline = Timeline::new(id, &points);
        let diagnosis = match history.last_diagnosis(id) {
            Ok(d) => d,
            Err(e) => {
                printer.warn(&format!("the test's diagnosis is left out: {e}"));
                None
            }
        };
        if json {
            let diagnosis = diagnosis
                .map(|(run_id, d)| serde_json::json!({ "run_id": run_id, "diagnosis": d }));
            write_json(
                &mut buf,
                serde_json::json!({ "schema_version": SCHEMA_VERSION, "test": timeline, "runs": points, "last_diagnosis": diagnosis }),
            )?;
        } else {
            timeline_text(&timeline, &points, args.limit as usize, color, &mut buf)?;
            if let Some((run_id, d)) = &diagnosis {
                writeln!(buf, "\nlast diagnosed in run {run_id} (flaky diagnose):")?;
                for line in render::diagnosis_lines(d) {
                    writeln!(buf, "  {}", terminal_text(&line))?;
                }
            }
        }
    } else if args.trend {
        let points = history.run_points(&filter)?;
        let (tests, stable) = history.test_totals(&filter, u32::MAX)?;
        let trend = Trend::new(
            &points,
            tests.len() as u64 + stable,
            tests.len() as u64,
            args.per,
            args.limit as usize,
        );
        if json {
            write_json(
                &mut buf,
                serde_json::json!({ "schema_version": SCHEMA_VERSION, "trend": trend }),
            )?;
        } else {
            trend_text(&trend, color, &mut buf)?;
        }
    } else {
        let runs = history.list_runs(&filter, args.limit)?;
        if json {
            write_json(
                &mut buf,
                serde_json::json!({ "schema_version": SCHEMA_VERSION, "runs": runs }),
            )?;
        } else if runs.is_empty() {
            writeln!(buf, "no runs stored in {} match", path.display())?;
        } else {
            writeln!(buf, "{}", runs_table(&runs, color))?;
        }
    }
    super::print(&buf)?;
    Ok(ExitStatus::Success)
}

fn write_json(buf: &mut Vec<u8>, value: serde_json::Value) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *buf, &value)?;
    writeln!(buf)?;
    Ok(())
}

/// A test over the selected runs, with its rate and band.
#[derive(Debug, Serialize)]
struct TestRow {
    #[serde(flatten)]
    total: TestTotal,
    failure_rate: f64,
    ci_low: f64,
    ci_high: f64,
    severity: Severity,
    /// With --causes: what `flaky scan` found in the test or what it calls, worst first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    causes: Vec<Cause>,
}

impl From<&TestTotal> for TestRow {
    fn from(t: &TestTotal) -> Self {
        let rate = if t.attempts == 0 {
            0.0
        } else {
            t.failed as f64 / t.attempts as f64
        };
        let (ci_low, ci_high) = wilson(t.failed, t.attempts, Z95);
        let severity = if t.failed == 0 {
            Severity::None
        } else {
            Thresholds::default().band(rate)
        };
        Self {
            total: t.clone(),
            failure_rate: rate,
            ci_low,
            ci_high,
            severity,
            causes: Vec::new(),
        }
    }
}

/// One test's story over the selected runs.
#[derive(Debug, Serialize)]
struct Timeline {
    id: String,
    runs: u64,
    attempts: u64,
    failed: u64,
    failure_rate: f64,
    sparkline: String,
    direction: Direction,
    first_failed: Option<RunRef>,
    last_failed: Option<RunRef>,
    /// The run at which it last went from stable to failing, and the stable run before it.
    became_flaky: Option<Transition>,
}

#[derive(Debug, Serialize)]
struct RunRef {
    run_id: String,
    started_at_ms: i64,
    commit: Option<String>,
}

#[derive(Debug, Serialize)]
struct Transition {
    run: RunRef,
    stable_run: RunRef,
}

impl RunRef {
    fn of(p: &TimelinePoint) -> Self {
        Self {
            run_id: p.run_id.clone(),
            started_at_ms: p.started_at_ms,
            commit: p.commit.clone(),
        }
    }
}

impl Timeline {
    fn new(id: &str, points: &[TimelinePoint]) -> Self {
        let attempts: u64 = points.iter().map(|p| p.runs).sum();
        let failed: u64 = points.iter().map(|p| p.failed).sum();
        let rates: Vec<f64> = points.iter().map(|p| rate(p.failed, p.runs)).collect();
        let counts: Vec<(u64, u64)> = points.iter().map(|p| (p.runs, p.failed)).collect();
        let fails: Vec<u64> = points.iter().map(|p| p.failed).collect();
        Self {
            id: id.to_owned(),
            runs: points.len() as u64,
            attempts,
            failed,
            failure_rate: rate(failed, attempts),
            sparkline: sparkline(&rates),
            direction: direction(&counts),
            first_failed: points.iter().find(|p| p.failed > 0).map(RunRef::of),
            last_failed: points.iter().rev().find(|p| p.failed > 0).map(RunRef::of),
            became_flaky: became_flaky_at(&fails).map(|i| Transition {
                run: RunRef::of(&points[i]),
                stable_run: RunRef::of(&points[i - 1]),
            }),
        }
    }
}

fn rate(failed: u64, runs: u64) -> f64 {
    if runs == 0 {
        0.0
    } else {
        failed as f64 / runs as f64
    }
}

/// The suite over time.
#[derive(Debug, Serialize)]
struct Trend {
    per: &'static str,
    /// Oldest first.
    points: Vec<TrendRow>,
    runs: u64,
    attempts: u64,
    tests_seen: u64,
    flaky_tests_seen: u64,
    /// The mean failure rate over every test of every run.
    mean_rate: f64,
    /// Tests that failed at least once, over all tests seen.
    flaky_share: f64,
    flaky_share_sparkline: String,
    mean_rate_sparkline: String,
}

#[derive(Debug, Serialize)]
struct TrendRow {
    /// A UTC day (`2026-11-22`) or a run id.
    label: String,
    runs: u64,
    attempts: u64,
    tests: u64,
    flaky_tests: u64,
    mean_rate: f64,
    flaky_share: f64,
}

impl Trend {
    fn new(
        points: &[RunPoint],
        tests_seen: u64,
        flaky_tests_seen: u64,
        per: PerArg,
        limit: usize,
    ) -> Self {
        let mut rows: Vec<TrendRow> = Vec::new();
        let mut rate_sum = 0.0;
        for p in points {
            rate_sum += p.rate_sum;
            let label = match per {
                PerArg::Day => day_of(p.started_at_ms),
                PerArg::Run => p.run_id.clone(),
            };
            match rows.last_mut() {
                Some(last) if last.label == label => {
                    last.runs += 1;
                    last.attempts += p.attempts;
                    last.tests += p.tests;
                    last.flaky_tests += p.flaky_tests;
                    last.mean_rate += p.rate_sum;
                }
                _ => rows.push(TrendRow {
                    label,
                    runs: 1,
                    attempts: p.attempts,
                    tests: p.tests,
                    flaky_tests: p.flaky_tests,
                    mean_rate: p.rate_sum,
                    flaky_share: 0.0,
                }),
            }
        }
        for r in &mut rows {
            // Summed so far; the means are over every test result of the bucket.
            r.mean_rate = if r.tests == 0 {
                0.0
            } else {
                r.mean_rate / r.tests as f64
            };
            r.flaky_share = rate(r.flaky_tests, r.tests);
        }
        let skip = rows.len().saturating_sub(limit);
        let rows: Vec<TrendRow> = rows.into_iter().skip(skip).collect();
        let test_results: u64 = points.iter().map(|p| p.tests).sum();
        Self {
            per: match per {
                PerArg::Day => "day",
                PerArg::Run => "run",
            },
            flaky_share_sparkline: sparkline(
                &rows.iter().map(|r| r.flaky_share).collect::<Vec<_>>(),
            ),
            mean_rate_sparkline: sparkline(&rows.iter().map(|r| r.mean_rate).collect::<Vec<_>>()),
            points: rows,
            runs: points.len() as u64,
            attempts: points.iter().map(|p| p.attempts).sum(),
            tests_seen,
            flaky_tests_seen,
            mean_rate: if test_results == 0 {
                0.0
            } else {
                rate_sum / test_results as f64
            },
            flaky_share: rate(flaky_tests_seen, tests_seen),
        }
    }
}

fn new_table(header: &[&str], color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

fn right(v: impl ToString) -> Cell {
    Cell::new(v.to_string()).set_alignment(CellAlignment::Right)
}

fn when(ms: i64) -> String {
    let t = SystemTime::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

fn short(commit: Option<&str>) -> String {
    commit.map_or_else(|| "-".to_owned(), |c| c[..c.len().min(8)].to_owned())
}

fn tests_table(rows: &[TestRow], causes: bool, color: bool) -> Table {
    let mut header = vec![
        "TEST",
        "RATE",
        "FAILED",
        "RUNS FAILED",
        "95% CI",
        "SEVERITY",
        "LAST FAILED (UTC)",
    ];
    if causes {
        header.push("LIKELY CAUSE");
    }
    let mut table = new_table(&header, color);
    for r in rows {
        let cause = r.causes.first().map_or_else(
            || "-".to_owned(),
            |c| format!("{} at {}:{}", c.category, c.file, c.line),
        );
        let mut row = vec![
            Cell::new(terminal_text(&r.total.id)),
            right(percent(r.failure_rate)),
            right(format!("{}/{}", r.total.failed, r.total.attempts)),
            right(format!("{}/{}", r.total.runs_failed, r.total.runs_seen)),
            Cell::new(format!("{}–{}", percent(r.ci_low), percent(r.ci_high))),
            Cell::new(format!("{} {}", r.severity.symbol(), r.severity.label())),
            Cell::new(r.total.last_failed_ms.map_or_else(|| "-".to_owned(), when)),
        ];
        if causes {
            row.push(Cell::new(terminal_text(&cause)));
        }
        table.add_row(row);
    }
    table
}

fn timeline_text(
    t: &Timeline,
    points: &[TimelinePoint],
    limit: usize,
    color: bool,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    writeln!(out, "{}", terminal_text(&t.id))?;
    writeln!(
        out,
        "  {} failed of {} attempts in {} runs: {}",
        t.failed,
        t.attempts,
        t.runs,
        percent(t.failure_rate)
    )?;
    writeln!(
        out,
        "  rate per run: {}  ({})",
        t.sparkline,
        t.direction.as_str()
    )?;
    let describe = |r: &RunRef| {
        format!(
            "run {} at {} (commit {})",
            r.run_id,
            when(r.started_at_ms),
            short(r.commit.as_deref())
        )
    };
    match (&t.first_failed, &t.last_failed) {
        (Some(first), Some(last)) => {
            writeln!(out, "  first failed: {}", describe(first))?;
            writeln!(out, "  last failed:  {}", describe(last))?;
        }
        _ => writeln!(out, "  never failed in these runs")?,
    }
    match &t.became_flaky {
        Some(tr) => writeln!(
            out,
            "  became flaky: {} (stable in run {} at commit {})",
            describe(&tr.run),
            tr.stable_run.run_id,
            short(tr.stable_run.commit.as_deref())
        )?,
        None if t.failed > 0 => writeln!(out, "  it failed from the first stored run on")?,
        None => {}
    }
    writeln!(out)?;
    let mut table = new_table(
        &["RUN", "STARTED (UTC)", "BRANCH", "COMMIT", "FAILED", "RATE"],
        color,
    );
    let skip = points.len().saturating_sub(limit);
    for p in &points[skip..] {
        table.add_row(vec![
            Cell::new(&p.run_id),
            Cell::new(when(p.started_at_ms)),
            Cell::new(terminal_text(p.branch.as_deref().unwrap_or("-"))),
            Cell::new(short(p.commit.as_deref())),
            right(format!("{}/{}", p.failed, p.runs)),
            right(percent(rate(p.failed, p.runs))),
        ]);
    }
    writeln!(out, "{table}")?;
    if skip > 0 {
        writeln!(
            out,
            "(the {} older runs are left out; --limit shows more)",
            skip
        )?;
    }
    Ok(())
}

fn trend_text(t: &Trend, color: bool, out: &mut Vec<u8>) -> std::io::Result<()> {
    writeln!(
        out,
        "{} runs, {} attempts, {} tests seen, {} of them flaky ({}), mean failure rate {}",
        t.runs,
        t.attempts,
        t.tests_seen,
        t.flaky_tests_seen,
        percent(t.flaky_share),
        percent(t.mean_rate)
    )?;
    if t.points.is_empty() {
        return writeln!(out, "no finished run in the selection");
    }
    writeln!(
        out,
        "flaky tests per {}: {}",
        t.per, t.flaky_share_sparkline
    )?;
    writeln!(out, "mean rate per {}:   {}", t.per, t.mean_rate_sparkline)?;
    writeln!(out)?;
    let label = if t.per == "day" { "DAY (UTC)" } else { "RUN" };
    let mut table = new_table(
        &[
            label,
            "RUNS",
            "ATTEMPTS",
            "FLAKY TESTS",
            "SHARE",
            "MEAN RATE",
        ],
        color,
    );
    for r in &t.points {
        table.add_row(vec![
            Cell::new(&r.label),
            right(r.runs),
            right(r.attempts),
            right(format!("{}/{}", r.flaky_tests, r.tests)),
            right(percent(r.flaky_share)),
            right(percent(r.mean_rate)),
        ]);
    }
    writeln!(out, "{table}")
}

fn runs_table(runs: &[RunRow], color: bool) -> Table {
    let mut table = new_table(
        &[
            "RUN",
            "STARTED (UTC)",
            "STATUS",
            "COMMAND",
            "ATTEMPTS",
            "FAILED",
            "TESTS",
            "FLAKY",
            "WORST",
            "COMMIT",
        ],
        color,
    );
    for r in runs {
        let commit = match (&r.branch, &r.commit) {
            (b, Some(c)) => format!(
                "{}{}{}",
                b.as_deref().map(|b| format!("{b}@")).unwrap_or_default(),
                short(Some(c)),
                if r.dirty == Some(true) { "+dirty" } else { "" }
            ),
            _ => String::new(),
        };
        table.add_row(vec![
            Cell::new(&r.run_id),
            Cell::new(when(r.started_at_ms)),
            Cell::new(&r.status),
            Cell::new(terminal_text(&display_command(&r.command))),
            right(format!("{}/{}", r.totals.attempts, r.runs)),
            right(r.totals.attempts - r.totals.passed),
            right(r.tests),
            right(r.flaky_tests),
            Cell::new(r.worst.as_deref().unwrap_or("-").to_uppercase()),
            Cell::new(commit),
        ]);
    }
    table
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
