//! `flaky ci`: run the suite once as CI would, rerun only what failed, and give each failure its
//! verdict: `failed` (it failed every rerun), `flaky` (it passed on one, with the measured rate),
//! or `quarantined` (the config's quarantine covers it). The first run and the reruns are one
//! stored run: each failed test's rate counts both.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::run::{Phase, Phases, RunOutcome, measure, publish_run, write_report};
use crate::analysis::{Accumulator, Thresholds};
use crate::cli::{
    AnnotateArg, CiArgs, CiUntilArg, GlobalArgs, OrderArg, PublishArgs, QuarantineFile,
    ReportFormat, RunArgs, UntilArg,
};
use crate::config::{self, Format, PlanError, RunPlan, Until};
use crate::exec::{ExecPlan, Reporting};
use crate::exit::ExitStatus;
use crate::framework::Framework;
use crate::model::Outcome;
use crate::quarantine::{Date, Quarantine};
use crate::render::{self, CiSummary, CiVerdict, Report, RunState, Verdict};
use crate::reporter::Printer;
use crate::storage::{History, RunFilter};

/// Reruns of each failed test without `--retries`.
const DEFAULT_RETRIES: u32 = 3;
/// The most reruns `--until settled` runs without `--max-runs`.
const DEFAULT_MAX_RERUNS: u32 = 100;

pub fn ci(args: &CiArgs, global: &GlobalArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut plan = match config::resolve_run(&run_args(args), &cwd, super::run::new_run_id()) {
        Ok(plan) => plan,
        Err(PlanError::Config(e)) => bail!("{e}"),
        Err(PlanError::Usage(e)) => bail!("{e}"),
    };
    // An expired entry is a configuration error: said before anything runs.
    let quarantine = Quarantine::load(
        &plan.exec.dir,
        args.config.as_deref().map(|c| cwd.join(c)).as_deref(),
    )?;
    let today = Date::today();
    let expired = quarantine.expired(today);
    if !expired.is_empty() {
        let file = QuarantineFile {
            dir: args.dir.clone(),
            config: args.config.clone(),
        };
        for e in &expired {
            printer.error(&super::quarantine::expired_error(
                &quarantine,
                e,
                today,
                &file,
            ));
        }
        return Ok(ExitStatus::Error);
    }
    if let Some(flag) = fail_fast_flag(&plan.command, plan.framework) {
        bail!(
            "`{flag}` stops the suite at its first failure: flaky ci would rerun that failure and never run the tests after it; hint: drop `{flag}` from the command (flaky ci reruns only what failed, so the whole suite costs one run)"
        );
    }
    let retries = match args.until {
        Some(_) => plan.runs,
        None => args.retries.unwrap_or(DEFAULT_RETRIES),
    };
    // The first run is the suite once, in its own order, as CI runs it; the reruns come after.
    let settle = args.until.and(plan.until);
    plan.until = None;
    plan.runs = 1;
    plan.exec.attempts = 0..1;
    let mentions = super::report::mentions_for(!args.publish.post.is_empty(), &args.publish)?;
    // The history is secondary here: a database this flaky cannot use (a newer flaky's, a
    // broken file restored from a CI cache) costs the history, not the step.
    let (db, history) = match super::history_db(args.no_history, global)? {
        None => (None, None),
        Some(path) => match History::open(&path) {
            Ok(history) => (Some(path), Some(history)),
            Err(e) => {
                printer.warn(&format!(
                    "{e}; this run is not stored, and no test can be called newly flaky"
                ));
                (None, None)
            }
        },
    };

    let mut reruns = Reruns {
        base: &plan.exec,
        thresholds: &plan.thresholds,
        ignore: &plan.ignore,
        retries,
        settle,
        strict: args.strict,
        quarantine: &quarantine,
        today,
        selects: matches!(plan.exec.reporting, Reporting::Framework { .. }),
        first_outside: false,
        first_failures: None,
    };
    let RunOutcome {
        report,
        store_error,
    } = measure(&plan, history, None, printer, Some(&mut reruns))?;

    // What CI systems read, and where people look: secondary, each on its own.
    let mut secondary_failed = false;
    if let Err(e) = write_report(plan.format, plan.output.as_deref(), &report, printer) {
        printer.error(&format!("{e:#}"));
        secondary_failed = true;
    }
    if let Some(n) = &report.no_results {
        printer.error(&format!(
            "nothing was measured: {}; hint: {}",
            n.reason, n.hint
        ));
    }
    if let Some(path) = &args.junit_output {
        let path = cwd.join(path);
        if let Err(e) = write_junit(&report, &path) {
            printer.error(&format!("{e:#}"));
            secondary_failed = true;
        }
    }
    if github(args.github)
        && let Err(e) = annotate(&report, &plan, printer)
    {
        printer.error(&format!("{e:#}"));
        secondary_failed = true;
    }
    if !args.publish.post.is_empty()
        && let Err(e) = publish_run(
            &report,
            db.as_deref(),
            None,
            &args.publish,
            &mentions,
            printer,
        )
    {
        printer.error(&format!("{e:#}"));
        secondary_failed = true;
    }
    if let Some(e) = store_error {
        printer.error(&format!("the run was measured but not stored: {e:#}"));
        return Ok(ExitStatus::Error);
    }
    if secondary_failed && report.exit_code == 0 {
        printer.note(&format!(
            "the tests themselves passed; the run is stored as {}",
            report.run_id
        ));
        return Ok(ExitStatus::Error);
    }
    Ok(ExitStatus::of_report(report.exit_code))
}

/// `flaky run`'s arguments for the suite `flaky ci` runs: once, in the framework's order, with
/// no scan; the CI's shard variables say how CI splits its suite, not flaky's attempts.
fn run_args(args: &CiArgs) -> RunArgs {
    RunArgs {
        runs: None,
        until: args.until.map(|CiUntilArg::Settled| UntilArg::Settled),
        max_runs: args
            .until
            .map(|_| args.max_runs.unwrap_or(DEFAULT_MAX_RERUNS)),
        budget: args.budget,
        jobs: args.jobs,
        shard: None,
        ignore_ci_shard: true,
        batch: None,
        timeout: args.timeout,
        seed: args.seed,
        env: args.env.clone(),
        dir: args.dir.clone(),
        shell: args.shell,
        fail_on: None,
        format: args.format,
        output: args.output.clone(),
        no_history: args.no_history,
        no_scan: true,
        config: args.config.clone(),
        framework: args.framework.clone(),
        order: Some(OrderArg::Same),
        tests_from: None,
        junit: None,
        remote: None,
        endpoint: None,
        report: None,
        report_output: None,
        publish: PublishArgs {
            post: Vec::new(),
            pr: None,
            mention_map: None,
        },
        shards: None,
        queue_timeout: None,
        shard_size: None,
        diagnose: None,
        command: args.command.clone(),
    }
}

/// The reruns of the tests that failed the first run, and the verdicts they lead to.
struct Reruns<'a> {
    base: &'a ExecPlan,
    thresholds: &'a Thresholds,
    ignore: &'a globset::GlobSet,
    retries: u32,
    settle: Option<Until>,
    strict: bool,
    quarantine: &'a Quarantine,
    today: Date,
    /// The reruns run the failed tests alone, not the whole command.
    selects: bool,
    /// The first run failed though none of its tests did.
    first_outside: bool,
    /// The tests that failed the first run, once it has ended.
    first_failures: Option<Vec<String>>,
}

impl Phases for Reruns<'_> {
    fn next(&mut self, acc: &Accumulator) -> Option<Phase> {
        if self.first_failures.is_some() {
            return None;
        }
        let summary = acc.summarize(self.thresholds);
        self.first_outside = summary.totals.failed_outside_tests > 0;
        let failed: Vec<String> = summary
            .tests
            .into_iter()
            .filter(|t| t.failed > 0 && !self.ignore.is_match(&t.id))
            .map(|t| t.id)
            .collect();
        self.first_failures = Some(failed.clone());
        if failed.is_empty() {
            return None;
        }
        let mut exec = self.base.clone();
        exec.attempts = 1..1 + self.retries;
        // Only the failed tests where the framework can select them; else the whole command
        // again, and the failed tests' results are read from it.
        if let Reporting::Framework { select, .. } = &mut exec.reporting {
            *select = Some(failed.clone());
        }
        Some(Phase {
            exec,
            until: self.settle,
            settle_among: Some(failed),
        })
    }

    fn finish(&mut self, report: &mut Report, history: Option<&History>) {
        if report.state != RunState::Completed {
            return;
        }
        let first = self.first_failures.take().unwrap_or_default();
        let mut verdicts: Vec<CiVerdict> = first
            .iter()
            .map(|id| {
                let (runs, failed) = report
                    .tests
                    .iter()
                    .find(|t| t.id == *id)
                    .map_or((1, 1), |t| (t.runs, t.failed));
                let reruns = runs.saturating_sub(1);
                let rerun_failures = failed.saturating_sub(1);
                let flaky = rerun_failures < reruns;
                let covering = self.quarantine.covering(id, self.today);
                CiVerdict {
                    test: id.clone(),
                    verdict: match (covering, flaky) {
                        (Some(_), _) => Verdict::Quarantined,
                        (None, true) => Verdict::Flaky,
                        (None, false) => Verdict::Failed,
                    },
                    reruns,
                    rerun_failures,
                    newly_flaky: flaky
                        && history.is_some_and(|h| never_flaky_before(h, id, report)),
                    quarantine: covering.map(|e| e.note()),
                }
            })
            .collect();
        verdicts.sort_by_key(|v| v.verdict);
        let first_run = first_run_problem(report, self.first_outside, self.selects);
        let failing = verdicts
            .iter()
            .any(|v| v.verdict == Verdict::Failed || (self.strict && v.verdict == Verdict::Flaky));
        report.exit_code = if report.no_results.is_some() {
            ExitStatus::Error.code()
        } else if failing || first_run.is_some() {
            ExitStatus::TestsFailed.code()
        } else {
            ExitStatus::Success.code()
        };
        report.ci = Some(CiSummary {
            retries: self.retries,
            strict: self.strict,
            verdicts,
            first_run,
        });
    }
}

/// Why the first run (attempt 0) fails the step whatever the reruns show: it failed though none
/// of its tests did (a coverage threshold, a step after the tests), or, where only the failed
/// tests are rerun, it timed out (the tests after the hang never ran).
fn first_run_problem(report: &Report, outside: bool, selects: bool) -> Option<String> {
    let first = report.attempts.iter().find(|a| a.index == 0)?;
    if first.infrastructure.is_some() {
        return None;
    }
    match first.outcome {
        Outcome::Timeout if selects => Some(format!(
            "the first run timed out after {} before the suite ended: the tests after the hang never ran; hint: raise --timeout",
            render::duration_text(report.timeout)
        )),
        Outcome::Fail if outside => Some(format!(
            "the first run failed outside any test ({}): nothing to rerun",
            first
                .exit_code
                .map_or_else(|| "killed".to_owned(), |c| format!("exit status {c}"))
        )),
        _ => None,
    }
}

/// Words that stop a suite at its first failure: the reruns would then miss every test the
/// first run never reached, so `flaky ci` refuses them.
fn fail_fast_flag(argv: &[String], framework: Option<Framework>) -> Option<&str> {
    argv.iter().map(String::as_str).find(|w| {
        let name = w.split_once('=').map_or(*w, |(n, _)| n);
        let pytest_cluster = framework == Some(Framework::Pytest)
            && w.len() > 1
            && w.starts_with('-')
            && !w.starts_with("--")
            && w[1..].chars().all(|c| c.is_ascii_alphabetic())
            && w.contains('x');
        let js_short = matches!(
            framework,
            Some(Framework::Jest | Framework::Vitest | Framework::Mocha)
        ) && *w == "-b";
        pytest_cluster
            || js_short
            || matches!(
                name,
                "--exitfirst"
                    | "--maxfail"
                    | "-failfast"
                    | "--failfast"
                    | "-test.failfast"
                    | "--bail"
                    | "--fail-fast"
                    | "--stop-on-failure"
                    | "--stop-on-error"
                    | "--stop-on-defect"
            )
    })
}

/// Whether no stored run before `run_id` measured test `id` flaky (failing and passing).
fn never_flaky_before(history: &History, id: &str, report: &Report) -> bool {
    let filter = RunFilter {
        dir: Some(report.dir.clone()),
        ..RunFilter::default()
    };
    history.test_timeline(id, &filter).is_ok_and(|points| {
        points
            .iter()
            .filter(|p| p.run_id != report.run_id)
            .all(|p| p.failed == 0 || p.failed == p.runs)
    })
}

fn github(when: AnnotateArg) -> bool {
    match when {
        AnnotateArg::Always => true,
        AnnotateArg::Never => false,
        AnnotateArg::Auto => std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
    }
}

fn write_junit(report: &Report, path: &Path) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    render::render_junit(report, &mut buf).context("cannot render the JUnit report")?;
    std::fs::write(path, buf).with_context(|| {
        format!(
            "cannot write the JUnit report to {}; hint: check that its directory exists and is writable",
            path.display()
        )
    })
}

/// GitHub Actions workflow commands on stdout (an error per failed test, a warning per flaky
/// one, on the test's file and line when they are known) and the step summary.
fn annotate(report: &Report, plan: &RunPlan, printer: &Printer) -> anyhow::Result<()> {
    let workspace = std::env::var_os("GITHUB_WORKSPACE").map(PathBuf::from);
    let root = workspace.as_deref().unwrap_or(&plan.exec.dir);
    let mut buf = Vec::new();
    render::render_ci_annotations(report, &|id| locate(&plan.exec.dir, root, id), &mut buf)
        .context("cannot render the annotations")?;
    // The runner reads workflow commands from the step's output; a JSON report on stdout must
    // stay JSON, so they go to stderr then.
    if plan.format == Format::Json && plan.output.is_none() {
        std::io::Write::write_all(&mut std::io::stderr(), &buf)
            .context("cannot write the annotations")?;
    } else {
        super::print(&buf)?;
    }
    if std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|s| !s.is_empty()) {
        let mut md = Vec::new();
        render::render_ci_summary(report, &mut md).context("cannot render the step summary")?;
        super::report::deliver(ReportFormat::Github, &md, None, printer)?;
    }
    Ok(())
}

/// Where test `id` is defined, as a path relative to `root` (the repository) and a line, when
/// its id names a file of `dir`: the line is the first that defines its last name part.
fn locate(dir: &Path, root: &Path, id: &str) -> Option<(String, Option<u32>)> {
    let (file, rest) = id.split_once("::")?;
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).ok()?;
    let shown = path
        .strip_prefix(root)
        .unwrap_or(&path)
        .to_string_lossy()
        .into_owned();
    // The last part: `Class::test_x`, `tests::adds`, `suite > case`, `TestX/sub`.
    let name = [" > ", " › ", "::", "/"]
        .iter()
        .fold(rest, |name, sep| name.rsplit(sep).next().unwrap_or(name));
    // Parametrised cases (`test_x[1-2]`) are defined once, under their bare name.
    let name = name.split('[').next().unwrap_or(name);
    let line = text.lines().position(|line| defines(line, name));
    Some((shown, line.map(|l| l as u32 + 1)))
}

/// Whether `line` defines a test called `name`: `def name(`, `fn name(`, `func name(`, or a
/// JavaScript/Ruby/PHP case whose title is `name` in quotes.
fn defines(line: &str, name: &str) -> bool {
    let line = line.trim_start();
    [
        "def ",
        "async def ",
        "fn ",
        "async fn ",
        "func ",
        "function ",
    ]
    .iter()
    .any(|kw| {
        line.strip_prefix(kw)
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.starts_with('('))
    }) || ['\'', '"', '`']
        .iter()
        .any(|q| line.contains(&format!("{q}{name}{q}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_is_found_by_its_definition() {
        let dir = std::env::temp_dir().join(format!("flaky-ci-locate-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(
            dir.join("tests/test_a.py"),
            "import os\n\n\ndef test_other():\n    pass\n\n\ndef test_x():\n    assert test_x\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("tests/a.test.js"),
            "describe('cart', () => {\n  it(\"adds an item\", () => {});\n});\n",
        )
        .unwrap();
        assert_eq!(
            locate(&dir, &dir, "tests/test_a.py::test_x[1-2]"),
            Some(("tests/test_a.py".into(), Some(8)))
        );
        assert_eq!(
            locate(&dir, &dir, "tests/a.test.js::cart > adds an item"),
            Some(("tests/a.test.js".into(), Some(2)))
        );
        assert_eq!(
            locate(&dir, &dir, "tests/test_a.py::test_gone"),
            Some(("tests/test_a.py".into(), None))
        );
        assert_eq!(locate(&dir, &dir, "example.com/m/calc::TestAdd"), None);
        assert_eq!(locate(&dir, &dir, "no_separator"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
