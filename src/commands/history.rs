//! `flaky history`: stored runs, the most flaky tests, one test's timeline, and the trend.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, bail};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::analysis::Severity;
use crate::analysis::history::{
    Direction, became_flaky_at, day_of, direction, rate_and_band, short, sparkline, when,
};
use crate::cli::{FormatArg, GlobalArgs, HistoryArgs, PerArg, RunSelectArgs};
use crate::config::display_command;
use crate::exit::ExitStatus;
use crate::render::{self, SCHEMA_VERSION, counted, percent, terminal_text};
use crate::reporter::Printer;
use crate::scan::{self, Cause};
use crate::storage::{
    Bucket, History, RunFilter, RunRow, TestCounts, TestTotal, TimelinePoint, TrendPoint,
};

pub fn history(
    args: &HistoryArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let path = super::db_path(global)?;
    let json = args.format == FormatArg::Json;
    let history = if path.exists() {
        let mut history = History::open_for_reading(&path)?;
        super::tidy(&mut history, printer);
        history
    } else if args.test.is_some() {
        bail!("{}", super::no_history(&path));
    } else if json {
        // A reading command creates no database: the views' empty documents come from one in memory.
        History::empty()?
    } else {
        super::print(format!("{}\n", super::no_history(&path)).as_bytes())?;
        return Ok(ExitStatus::Success);
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let project = crate::vcs::project_root(&cwd);
    let view = View {
        filter: run_filter(&args.select, &project),
        history,
        project,
        cwd,
        json,
        color: printer.color_stdout,
    };
    let mut buf = Vec::new();
    if args.tests {
        tests_view(&view, args, &mut buf)?;
    } else if let Some(id) = &args.test {
        test_view(&view, id, args.limit, printer, &mut buf)?;
    } else if args.trend {
        trend_view(&view, args, &mut buf)?;
    } else {
        runs_view(&view, args.limit, &path, &mut buf)?;
    }
    super::print(&buf)?;
    Ok(ExitStatus::Success)
}

/// The runs `select` picks: the current project's (`project`), unless `--all` or `--repo`.
pub(crate) fn run_filter(select: &RunSelectArgs, project: &Path) -> RunFilter {
    RunFilter {
        // `--repo` picks a repository by its URL wherever it ran.
        under: (!select.all && select.repo.is_none()).then(|| project.to_path_buf()),
        repo: select.repo.clone(),
        branch: select.branch.clone(),
        command: select.command.clone(),
        since_ms: select
            .since
            .map(|d| unix_ms(SystemTime::now()) - d.as_millis() as i64),
        ..RunFilter::default()
    }
}

/// What to say when `filter`, limited to the current project, leaves out runs of other
/// directories: `--all` shows them.
pub(crate) fn elsewhere(
    history: &History,
    filter: &RunFilter,
    project: &Path,
) -> anyhow::Result<Option<String>> {
    if filter.under.is_none() {
        return Ok(None);
    }
    let all = RunFilter {
        under: None,
        ..filter.clone()
    };
    let others = history.count_runs(&all)? - history.count_runs(filter)?;
    Ok((others > 0).then(|| {
        format!(
            "only the runs under {} are selected; `--all` adds the {} of other directories",
            project.display(),
            counted(others, "run", "runs")
        )
    }))
}

/// What a view of the history reads and how it prints.
struct View {
    history: History,
    filter: RunFilter,
    /// The current project's directory (see [`crate::vcs::project_root`]).
    project: PathBuf,
    cwd: PathBuf,
    json: bool,
    color: bool,
}

impl View {
    /// What to say when the selection, limited to the current project, leaves out runs of
    /// other directories: `--all` shows them.
    fn elsewhere(&self) -> anyhow::Result<Option<String>> {
        elsewhere(&self.history, &self.filter, &self.project)
    }

    /// `dir` for a reader in the current project: relative to it when inside it.
    fn shown_dir(&self, dir: &str) -> String {
        match Path::new(dir).strip_prefix(&self.project) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => dir.to_owned(),
        }
    }
}

fn tests_view(view: &View, args: &HistoryArgs, buf: &mut Vec<u8>) -> anyhow::Result<()> {
    let (tests, stable) = view.history.test_totals(&view.filter, args.limit)?;
    let mut rows: Vec<TestRow> = tests.iter().map(TestRow::from).collect();
    if let Some(dir) = &args.causes {
        let found = super::causes::scan_for_causes(dir)?;
        for r in &mut rows {
            r.causes = scan::causes_of(&found, &r.total.id);
        }
    }
    if view.json {
        write_json(
            buf,
            serde_json::json!({ "schema_version": SCHEMA_VERSION, "tests": rows, "stable_tests": stable }),
        )?;
    } else if rows.is_empty() {
        writeln!(
            buf,
            "no test failed in the selected runs ({} seen)",
            counted(stable, "test", "tests"),
        )?;
        if let Some(hint) = view.elsewhere()? {
            writeln!(buf, "hint: {hint}")?;
        }
    } else {
        writeln!(buf, "{}", tests_table(view, &rows, args.causes.is_some()))?;
        writeln!(
            buf,
            "{} never failed in the selected runs",
            counted(stable, "other test", "other tests")
        )?;
    }
    Ok(())
}

fn test_view(
    view: &View,
    id: &str,
    limit: u32,
    printer: &Printer,
    buf: &mut Vec<u8>,
) -> anyhow::Result<()> {
    let points = view.history.test_timeline(id, &view.filter)?;
    if points.is_empty() {
        let mut similar = view.history.similar_tests(id)?;
        let elsewhere = view.elsewhere()?;
        // The same id in another directory's runs: `elsewhere` says how to include them.
        similar.retain(|s| s != id);
        let hint = if let (true, Some(e)) = (similar.is_empty(), &elsewhere) {
            format!("hint: {e}")
        } else if similar.is_empty() {
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
        let elsewhere = match elsewhere {
            Some(e) if !hint.ends_with(&e) => format!(" ({e})"),
            _ => String::new(),
        };
        bail!("no stored result for test `{id}` in the selected runs; {hint}{elsewhere}");
    }
    let points = one_directory(view, id, points)?;
    let timeline = Timeline::new(id, &points);
    let diagnosis = match view.history.last_diagnosis(id, &points[0].dir) {
        Ok(d) => d,
        Err(e) => {
            printer.warn(&format!("the test's diagnosis is left out: {e}"));
            None
        }
    };
    if view.json {
        let diagnosis =
            diagnosis.map(|(run_id, d)| serde_json::json!({ "run_id": run_id, "diagnosis": d }));
        write_json(
            buf,
            serde_json::json!({ "schema_version": SCHEMA_VERSION, "test": timeline, "runs": points, "last_diagnosis": diagnosis }),
        )?;
    } else {
        timeline_text(&timeline, &points, limit as usize, view.color, buf)?;
        if let Some((run_id, d)) = &diagnosis {
            writeln!(buf, "\nlast diagnosed in run {run_id} (flaky diagnose):")?;
            for line in render::diagnosis_lines(d) {
                writeln!(buf, "  {}", terminal_text(&line))?;
            }
        }
    }
    Ok(())
}

/// The runs of test `id` in one directory: a test is an id in a directory (the same command
/// run in two projects is two tests). Several: those of the current directory, else an error
/// that names them.
fn one_directory(
    view: &View,
    id: &str,
    points: Vec<TimelinePoint>,
) -> anyhow::Result<Vec<TimelinePoint>> {
    let mut dirs: Vec<&str> = points.iter().map(|p| p.dir.as_str()).collect();
    dirs.sort_unstable();
    dirs.dedup();
    if dirs.len() < 2 {
        return Ok(points);
    }
    let here = view.cwd.to_string_lossy();
    if dirs.contains(&here.as_ref()) {
        return Ok(points.into_iter().filter(|p| p.dir == here).collect());
    }
    bail!(
        "test `{id}` ran in {} directories: {}; hint: run `flaky history --test` in the one you mean",
        dirs.len(),
        dirs.iter()
            .map(|d| view.shown_dir(d))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn trend_view(view: &View, args: &HistoryArgs, buf: &mut Vec<u8>) -> anyhow::Result<()> {
    let bucket = match args.per {
        PerArg::Day => Bucket::Day,
        PerArg::Run => Bucket::Run,
    };
    let (points, all) = view.history.trend(&view.filter, bucket)?;
    let trend = Trend::new(points, all, bucket, args.limit as usize);
    if view.json {
        write_json(
            buf,
            serde_json::json!({ "schema_version": SCHEMA_VERSION, "trend": trend }),
        )?;
    } else {
        trend_text(&trend, view.color, buf)?;
    }
    Ok(())
}

fn runs_view(view: &View, limit: u32, path: &Path, buf: &mut Vec<u8>) -> anyhow::Result<()> {
    let runs = view.history.list_runs(&view.filter, limit)?;
    if view.json {
        write_json(
            buf,
            serde_json::json!({ "schema_version": SCHEMA_VERSION, "runs": runs }),
        )?;
    } else if runs.is_empty() {
        writeln!(buf, "no runs stored in {} match", path.display())?;
        if let Some(hint) = view.elsewhere()? {
            writeln!(buf, "hint: {hint}")?;
        }
    } else {
        writeln!(buf, "{}", runs_table(&runs, view.color))?;
    }
    Ok(())
}

fn write_json(buf: &mut Vec<u8>, value: serde_json::Value) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *buf, &value)?;
    writeln!(buf)?;
    Ok(())
}

/// A test over the selected runs, with its rate and band.
#[derive(Debug, Serialize)]
pub(crate) struct TestRow {
    #[serde(flatten)]
    pub total: TestTotal,
    pub failure_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub severity: Severity,
    /// With --causes: what `flaky scan` found in the test or what it calls, worst first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Cause>,
}

impl From<&TestTotal> for TestRow {
    fn from(t: &TestTotal) -> Self {
        let (rate, ci_low, ci_high, severity) = rate_and_band(t.failed, t.attempts);
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
pub(crate) struct Trend {
    pub per: &'static str,
    /// Oldest first.
    pub points: Vec<TrendRow>,
    pub runs: u64,
    pub attempts: u64,
    pub tests_seen: u64,
    /// Tests that both failed and passed in a run at least once.
    pub flaky_tests_seen: u64,
    /// Tests that failed and were never flaky (broken, not flaky).
    pub failing_tests_seen: u64,
    /// The mean failure rate over every test of every run.
    pub mean_rate: f64,
    /// Flaky tests over all tests seen.
    pub flaky_share: f64,
    pub flaky_share_sparkline: String,
    pub mean_rate_sparkline: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TrendRow {
    /// A UTC day (`2026-11-22`) or a run id.
    pub label: String,
    pub runs: u64,
    pub attempts: u64,
    /// Tests seen in these runs, each once.
    pub tests: u64,
    pub flaky_tests: u64,
    pub failing_tests: u64,
    /// The mean failure rate over every test of every run.
    pub mean_rate: f64,
    pub flaky_share: f64,
    /// When its first run started (the dashboard places the point by it).
    #[serde(skip)]
    pub started_at_ms: i64,
}

impl TrendRow {
    fn new(
        label: String,
        started_at_ms: i64,
        runs: u64,
        attempts: u64,
        tests: &TestCounts,
    ) -> Self {
        Self {
            label,
            started_at_ms,
            runs,
            attempts,
            tests: tests.tests,
            flaky_tests: tests.flaky,
            failing_tests: tests.failing,
            mean_rate: mean(tests.rate_sum, tests.results),
            flaky_share: rate(tests.flaky, tests.tests),
        }
    }
}

fn mean(sum: f64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

impl Trend {
    pub(crate) fn new(
        points: Vec<TrendPoint>,
        all: TestCounts,
        bucket: Bucket,
        limit: usize,
    ) -> Self {
        let runs = points.iter().map(|p| p.runs).sum();
        let attempts = points.iter().map(|p| p.attempts).sum();
        let skip = points.len().saturating_sub(limit);
        let rows: Vec<TrendRow> = points
            .into_iter()
            .skip(skip)
            .map(|p| {
                let label = match bucket {
                    Bucket::Day => day_of(p.started_at_ms),
                    Bucket::Run => p.run_id,
                };
                TrendRow::new(label, p.started_at_ms, p.runs, p.attempts, &p.tests)
            })
            .collect();
        let overall = TrendRow::new(String::new(), 0, runs, attempts, &all);
        Self {
            per: match bucket {
                Bucket::Day => "day",
                Bucket::Run => "run",
            },
            flaky_share_sparkline: sparkline(
                &rows.iter().map(|r| r.flaky_share).collect::<Vec<_>>(),
            ),
            mean_rate_sparkline: sparkline(&rows.iter().map(|r| r.mean_rate).collect::<Vec<_>>()),
            points: rows,
            runs,
            attempts,
            tests_seen: overall.tests,
            flaky_tests_seen: overall.flaky_tests,
            failing_tests_seen: overall.failing_tests,
            mean_rate: overall.mean_rate,
            flaky_share: overall.flaky_share,
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

/// The most flaky tests; with a DIRECTORY column when they ran in more than one.
fn tests_table(view: &View, rows: &[TestRow], causes: bool) -> Table {
    let dirs = rows.iter().any(|r| r.total.dir != rows[0].total.dir);
    let mut header = vec!["TEST"];
    if dirs {
        header.push("DIRECTORY");
    }
    header.extend([
        "RATE",
        "FAILED",
        "RUNS FAILED",
        "95% CI",
        "SEVERITY",
        "LAST FAILED (UTC)",
    ]);
    if causes {
        header.push("LIKELY CAUSE");
    }
    let mut table = new_table(&header, view.color);
    for r in rows {
        let cause = r.causes.first().map_or_else(
            || "-".to_owned(),
            |c| format!("{} at {}:{}", c.category, c.file, c.line),
        );
        let mut row = vec![Cell::new(terminal_text(&r.total.id))];
        if dirs {
            row.push(Cell::new(terminal_text(&view.shown_dir(&r.total.dir))));
        }
        row.extend([
            right(percent(r.failure_rate)),
            right(format!("{}/{}", r.total.failed, r.total.attempts)),
            right(format!("{}/{}", r.total.runs_failed, r.total.runs_seen)),
            Cell::new(format!("{}–{}", percent(r.ci_low), percent(r.ci_high))),
            Cell::new(format!("{} {}", r.severity.symbol(), r.severity.label())),
            Cell::new(r.total.last_failed_ms.map_or_else(|| "-".to_owned(), when)),
        ]);
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
        "  {} failed of {} in {}: {}",
        t.failed,
        counted(t.attempts, "attempt", "attempts"),
        counted(t.runs, "run", "runs"),
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
        let older = if skip == 1 {
            "the older run is".to_owned()
        } else {
            format!("the {skip} older runs are")
        };
        writeln!(out, "({older} left out; --limit shows more)")?;
    }
    Ok(())
}

fn trend_text(t: &Trend, color: bool, out: &mut Vec<u8>) -> std::io::Result<()> {
    writeln!(
        out,
        "{}, {}, {} seen: {} flaky ({}), {} failing; mean failure rate {}",
        counted(t.runs, "run", "runs"),
        counted(t.attempts, "attempt", "attempts"),
        counted(t.tests_seen, "test", "tests"),
        t.flaky_tests_seen,
        percent(t.flaky_share),
        t.failing_tests_seen,
        percent(t.mean_rate)
    )?;
    if t.points.is_empty() {
        return writeln!(out, "no finished run in the selection");
    }
    writeln!(
        out,
        "flaky share per {}: {}",
        t.per, t.flaky_share_sparkline
    )?;
    writeln!(out, "mean rate per {}:   {}", t.per, t.mean_rate_sparkline)?;
    writeln!(out)?;
    // Per run, a row is one run: no RUNS column.
    let per_day = t.per == "day";
    let mut header = vec![if per_day { "DAY (UTC)" } else { "RUN" }];
    if per_day {
        header.push("RUNS");
    }
    header.extend([
        "ATTEMPTS",
        "TESTS",
        "FLAKY",
        "FAILING",
        "FLAKY SHARE",
        "MEAN RATE",
    ]);
    let mut table = new_table(&header, color);
    for r in &t.points {
        let mut row = vec![Cell::new(&r.label)];
        if per_day {
            row.push(right(r.runs));
        }
        row.extend([
            right(r.attempts),
            right(r.tests),
            right(r.flaky_tests),
            right(r.failing_tests),
            right(percent(r.flaky_share)),
            right(percent(r.mean_rate)),
        ]);
        table.add_row(row);
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

pub(crate) fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
