//! `flaky merge`: joins the JSON reports of one run's shards (`flaky run --shard K/N`) into the
//! run: stored, rendered, posted and judged as if it had been measured at once.
//!
//! The shards of a run share its base seed, so their attempts are the unsharded run's, attempt
//! by attempt; summing their per-test counts and building each verdict again from the sums
//! (`analysis::merge`) gives the unsharded run's rates, intervals, severities and kinds.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::analysis::{RunSummary, Severity, TestStats, merge};
use crate::cli::{GlobalArgs, MergeArgs};
use crate::config;
use crate::exit::ExitStatus;
use crate::model::Shard;
use crate::render::{
    self, AttemptRecord, FAILURE_SAMPLES, FailureSample, NoResults, Report, RunState,
};
use crate::reporter::Printer;
use crate::scan::LikelyCauses;
use crate::storage::{History, RunStart, RunStatus};
use crate::vcs::VcsFacts;

/// What every hint about the reports to give ends with.
const SHARDS_HINT: &str = "give `flaky merge` the reports that `flaky run --shard K/N --seed S --format json -o FILE` wrote for one run, each shard once";

/// Reads and checks the shards' reports, joins them into one run, stores it (unless
/// `--no-history`), prints it, renders and posts it as asked, and exits by its verdict: 2 when
/// attempts are missing, as the counts are then partial.
pub fn merge(
    args: &MergeArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    super::report::check_one_document(
        args.output.as_deref(),
        args.report,
        args.report_output.as_deref(),
    )?;
    let mut shards = args
        .reports
        .iter()
        .map(|path| read_shard(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    check_one_run(&shards)?;
    let fail_on = match args.fail_on {
        Some(f) => config::fail_on_arg(f),
        None => agreed_fail_on(&shards)?,
    };
    check_disjoint(&shards)?;
    shards.sort_by_key(|s| s.shard.index);
    let publishing = args.report.is_some() || !args.publish.post.is_empty();
    let mentions = super::report::mentions_for(publishing, &args.publish)?;
    let db = super::history_db(args.no_history, global)?;
    let mut history = db.as_deref().map(History::open).transpose()?;
    if let Some(h) = &mut history {
        super::tidy(h, printer);
    }

    let report = join(&shards, fail_on, super::run::new_run_id());
    let store_error = history
        .as_mut()
        .and_then(|h| store(h, &report, &shards).err());
    super::run::write_report(args.format.into(), args.output.as_deref(), &report, printer)?;
    for line in &report.shard_errors {
        printer.warn(&format!("missing from the counts: {line}"));
    }
    if let Some(n) = &report.no_results {
        printer.error(&format!(
            "nothing was measured: {}; hint: {}",
            n.reason, n.hint
        ));
    }
    if let Some(e) = store_error {
        printer.error(&format!("the merged run was not stored: {e:#}"));
        return Ok(ExitStatus::Error);
    }
    if publishing {
        let extra = args
            .report
            .map(|format| (format, args.report_output.as_deref()));
        if let Err(e) = super::run::publish_run(
            &report,
            db.as_deref(),
            extra,
            &args.publish,
            &mentions,
            printer,
        ) {
            let kept = if db.is_some() {
                format!("; the merged run itself is stored as {}", report.run_id)
            } else {
                String::new()
            };
            printer.error(&format!("{e:#}{kept}"));
            return Ok(ExitStatus::Error);
        }
    }
    if !report.shard_errors.is_empty() {
        let missing = render::counted(
            report.shard_errors.len() as u64,
            "share of the attempts is",
            "shares of the attempts are",
        );
        printer.error(&format!(
            "{missing} missing from the counts above, which are partial; hint: merge again with every shard's report"
        ));
    }
    Ok(ExitStatus::of_report(report.exit_code))
}

/// One shard's report and the file it was read from.
struct ShardReport {
    path: PathBuf,
    shard: Shard,
    report: Report,
}

/// Reads a shard's JSON report; the error names the file and what is wrong with it.
fn read_shard(path: &Path) -> anyhow::Result<ShardReport> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let not_a_report = |why: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "{} is not a flaky JSON report: {why}; hint: {SHARDS_HINT}",
            path.display()
        )
    };
    let text = String::from_utf8(bytes).map_err(|_| not_a_report(&"it is not UTF-8 text"))?;
    let report = render::read_json(&text).map_err(|e| not_a_report(&e))?;
    let Some(shard) = report.shard else {
        bail!(
            "{} is the report of a whole run (run {}), not of a shard: it has no `shard`; hint: {SHARDS_HINT}",
            path.display(),
            report.run_id
        );
    };
    if shard.index == 0 || shard.index > shard.total {
        bail!(
            "{} says it is shard {}/{}, which no run has (K must be 1 to N); hint: {SHARDS_HINT}",
            path.display(),
            shard.index,
            shard.total
        );
    }
    if let Some(t) = report.tests.iter().find(|t| !merge::adds_up(t)) {
        bail!(
            "{}: the counts of test `{}` do not add up ({} runs, {} passed, {} failed); hint: the file was changed after `flaky run` wrote it: run the shard again",
            path.display(),
            t.id,
            t.runs,
            t.passed,
            t.failed
        );
    }
    Ok(ShardReport {
        path: path.to_path_buf(),
        shard,
        report,
    })
}

/// What the shards of one run share, each as (what, the value as shown): the most telling
/// first, as the first difference is the one named.
fn run_facts(s: &ShardReport) -> [(&'static str, String); 11] {
    let r = &s.report;
    let none = |what: &str| format!("none ({what})");
    [
        (
            "commands",
            format!(
                "`{}`{}",
                r.test_label(),
                if r.shell { " (--shell)" } else { "" }
            ),
        ),
        (
            "commits",
            r.vcs
                .as_ref()
                .and_then(|v| v.commit.clone())
                .unwrap_or_else(|| none("not in a git repository")),
        ),
        ("base seeds (--seed)", r.seed.to_string()),
        ("numbers of attempts (-n)", s.shard.runs.to_string()),
        (
            "numbers of shards (N of --shard K/N)",
            s.shard.total.to_string(),
        ),
        (
            "frameworks",
            r.framework
                .clone()
                .unwrap_or_else(|| none("the command is the test")),
        ),
        ("test orders (--order)", r.order.as_str().to_owned()),
        (
            "severity thresholds",
            format!(
                "critical {}, high {}, medium {}, low {}",
                r.thresholds.critical, r.thresholds.high, r.thresholds.medium, r.thresholds.low
            ),
        ),
        ("timeouts", render::duration_text(r.timeout)),
        (
            "--batch sizes",
            r.batch
                .map_or_else(|| none("no --batch"), |k| k.to_string()),
        ),
        (
            "--tests-from selections",
            r.selected_tests
                .map_or_else(|| none("every test"), render::selected_text),
        ),
    ]
}

/// Refuses reports that are not shards of one run: each is compared with the first.
fn check_one_run(shards: &[ShardReport]) -> anyhow::Result<()> {
    let Some((first, rest)) = shards.split_first() else {
        return Ok(());
    };
    let expected = run_facts(first);
    for s in rest {
        for ((what, a), (_, b)) in expected.iter().zip(run_facts(s)) {
            if *a != b {
                bail!(
                    "cannot merge {} and {}: their {what} differ ({a} and {b}), so they are not shards of one run; hint: {SHARDS_HINT}",
                    first.path.display(),
                    s.path.display()
                );
            }
        }
    }
    Ok(())
}

/// The `--fail-on` the shards ran with, which must be one.
fn agreed_fail_on(shards: &[ShardReport]) -> anyhow::Result<Option<Severity>> {
    let shown = |f: Option<Severity>| f.map_or("none", Severity::as_str);
    let first = &shards[0];
    if let Some(other) = shards
        .iter()
        .find(|s| s.report.fail_on != first.report.fail_on)
    {
        bail!(
            "{} and {} ran with different --fail-on ({} and {}); hint: pass --fail-on to say which the merged run is judged by",
            first.path.display(),
            other.path.display(),
            shown(first.report.fail_on),
            shown(other.report.fail_on)
        );
    }
    Ok(first.report.fail_on)
}

/// Refuses a shard given twice and attempts that are not their shard's or are listed twice:
/// no attempt may count twice.
fn check_disjoint(shards: &[ShardReport]) -> anyhow::Result<()> {
    for (i, s) in shards.iter().enumerate() {
        if let Some(other) = shards[..i].iter().find(|o| o.shard.index == s.shard.index) {
            if same_file(&other.path, &s.path) {
                bail!(
                    "{} is given twice: its attempts would count twice; hint: {SHARDS_HINT}",
                    s.path.display()
                );
            }
            bail!(
                "{} and {} are both shard {}/{}: their attempts overlap; hint: {SHARDS_HINT} (a shard run again wrote a new report: keep one of them)",
                other.path.display(),
                s.path.display(),
                s.shard.index,
                s.shard.total
            );
        }
        let own = s.shard.attempts();
        let mut seen = HashSet::new();
        for a in &s.report.attempts {
            if !own.contains(&a.index) || !seen.insert(a.index) {
                bail!(
                    "{} lists attempt {} {}, though shard {}/{} is attempts {} to {} once each; hint: the file was changed after `flaky run` wrote it: run the shard again",
                    s.path.display(),
                    a.index,
                    if own.contains(&a.index) {
                        "twice"
                    } else {
                        "of another shard"
                    },
                    s.shard.index,
                    s.shard.total,
                    own.start,
                    own.end.saturating_sub(1)
                );
            }
        }
    }
    Ok(())
}

/// Whether two paths name one file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A line per share of the attempts the shards do not hold: a shard not given, or one stopped
/// before its attempts ended.
fn missing_shares(shards: &[ShardReport]) -> Vec<String> {
    let Some(first) = shards.first() else {
        return Vec::new();
    };
    let (total, runs) = (first.shard.total, first.shard.runs);
    (1..=total)
        .filter_map(|index| {
            let own = Shard { index, total, runs }.attempts();
            let given = shards.iter().find(|s| s.shard.index == index);
            let why = match given {
                None => "no report of it was given".to_owned(),
                Some(s)
                    if matches!(s.report.state, RunState::Interrupted | RunState::Terminated) =>
                {
                    format!(
                        "{} was {} after {} of its {} attempts",
                        s.path.display(),
                        s.report.state.as_str(),
                        s.report.attempts.len(),
                        own.len()
                    )
                }
                Some(_) => return None,
            };
            Some(format!(
                "attempts {}..{}: shard {index}/{total}: {why}",
                own.start, own.end
            ))
        })
        .collect()
}

/// The run the shards make together (sorted by shard).
fn join(shards: &[ShardReport], fail_on: Option<Severity>, run_id: String) -> Report {
    let first = &shards[0].report;
    let reports = || shards.iter().map(|s| &s.report);
    let totals = merge::sum_totals(reports().map(|r| &r.totals));
    let tests = merge::merge_tests(reports().map(|r| r.tests.as_slice()), &first.thresholds);
    let mut attempts: Vec<AttemptRecord> = reports().flat_map(|r| r.attempts.clone()).collect();
    attempts.sort_by_key(|a| a.index);
    let started_at = reports()
        .map(|r| r.started_at)
        .min()
        .unwrap_or(first.started_at);
    let ended = reports()
        .filter_map(|r| r.started_at.checked_add(r.duration))
        .max()
        .unwrap_or(started_at);
    let mut shard_errors = missing_shares(shards);
    shard_errors.extend(reports().flat_map(|r| r.shard_errors.clone()));
    let nothing_measured = totals.infrastructure == totals.attempts;
    let mut report = Report {
        run_id,
        state: if nothing_measured {
            RunState::NoResults
        } else {
            RunState::Completed
        },
        command: first.command.clone(),
        shell: first.shell,
        dir: first.dir.clone(),
        framework: first.framework.clone(),
        order: first.order,
        selected_tests: first.selected_tests,
        batch: first.batch,
        shard: None,
        // The shares given, as the run planned them (a report's own `runs` is its share).
        runs: shards.iter().map(|s| s.shard.attempts().len() as u32).sum(),
        jobs: reports().map(|r| r.jobs).max().unwrap_or(1),
        seed: first.seed,
        timeout: first.timeout,
        timeout_derived_ms: reports().filter_map(|r| r.timeout_derived_ms).max(),
        started_at,
        duration: ended.duration_since(started_at).unwrap_or_default(),
        fail_on,
        thresholds: first.thresholds,
        vcs: first.vcs.clone().map(|v| VcsFacts {
            dirty: reports().any(|r| r.vcs.as_ref().is_some_and(|v| v.dirty)),
            ..v
        }),
        totals,
        failures: failure_samples(shards, &tests),
        infrastructure: first_by_index(
            reports().flat_map(|r| r.infrastructure.clone()),
            |i| i.index,
        ),
        likely_causes: likely_causes(shards, &tests),
        tests,
        // The ignored tests are the same patterns' in every shard; a shard may not have met them all.
        ignored_tests: reports().map(|r| r.ignored_tests).max().unwrap_or(0),
        attempts,
        shard_errors,
        shard_retries: reports().flat_map(|r| r.shard_retries.clone()).collect(),
        stopped: None,
        no_results: nothing_measured.then(|| {
            reports().find_map(|r| r.no_results.clone()).unwrap_or_else(|| NoResults {
                reason: "no attempt of the shards gave a usable result".to_owned(),
                hint: "`flaky report` of a shard's run shows its attempts; fix what they met and run the shards again".to_owned(),
            })
        }),
        diagnoses: Vec::new(),
        ci: None,
        exit_code: 0,
    };
    // As `flaky run` decides: missing attempts make the measurement incomplete, whatever it shows.
    report.exit_code = if report.state == RunState::NoResults || !report.shard_errors.is_empty() {
        ExitStatus::Error.code()
    } else if report.failing_tests() > 0 {
        ExitStatus::TestsFailed.code()
    } else {
        ExitStatus::Success.code()
    };
    report
}

/// The [`FAILURE_SAMPLES`] lowest of `items` by attempt index.
fn first_by_index<T>(items: impl IntoIterator<Item = T>, index: impl Fn(&T) -> u32) -> Vec<T> {
    let mut items: Vec<T> = items.into_iter().collect();
    items.sort_by_key(|i| index(i));
    items.truncate(FAILURE_SAMPLES);
    items
}

/// The failures the merged report shows. When the command is the test: the first failing
/// attempts. Else the worst failing tests', each with the sample a run picks: its first failure
/// in an attempt that kept the order, else its first failure (a test no shard sampled is left
/// out: its failure is not known here).
fn failure_samples(shards: &[ShardReport], tests: &[TestStats]) -> Vec<FailureSample> {
    let mut samples: Vec<FailureSample> = shards
        .iter()
        .flat_map(|s| s.report.failures.iter().cloned())
        .collect();
    if samples.iter().all(|f| f.test.is_none()) {
        return first_by_index(samples, |f| f.index);
    }
    samples.sort_by_key(|f| (f.order_seed.is_some(), f.index));
    tests
        .iter()
        .filter(|t| t.failed > 0)
        .filter_map(|t| {
            samples
                .iter()
                .find(|f| f.test.as_deref() == Some(t.id.as_str()))
        })
        .take(FAILURE_SAMPLES)
        .cloned()
        .collect()
}

/// The shards' likely causes joined by test, ordered as a run orders them: the tests measured
/// unstable first, worst first, then the stable ones.
fn likely_causes(shards: &[ShardReport], tests: &[TestStats]) -> Vec<LikelyCauses> {
    let mut joined: Vec<LikelyCauses> = Vec::new();
    for c in shards.iter().flat_map(|s| &s.report.likely_causes) {
        match joined.iter_mut().find(|j| j.test == c.test) {
            Some(j) => {
                for cause in &c.causes {
                    if !j.causes.contains(cause) {
                        j.causes.push(cause.clone());
                    }
                }
            }
            None => joined.push(c.clone()),
        }
    }
    let rank = |id: &str| tests.iter().position(|t| t.id == id);
    for c in &mut joined {
        // A test stable in one shard and failing in another is not stable.
        if let Some(t) = rank(&c.test).map(|i| &tests[i]) {
            c.stable = t.severity == Severity::None;
        }
    }
    joined.sort_by_key(|c| (c.stable, rank(&c.test).unwrap_or(usize::MAX)));
    joined
}

/// Stores the merged run as a run is stored: its attempts as the reports list them, its
/// per-test verdicts and signatures, and its report.
fn store(history: &mut History, report: &Report, shards: &[ShardReport]) -> anyhow::Result<()> {
    let command_line = report.test_label();
    let plan_json = serde_json::json!({
        "thresholds": report.thresholds,
        "merged_from": shards
            .iter()
            .map(|s| serde_json::json!({
                "file": s.path,
                "run_id": s.report.run_id,
                "shard": format!("{}/{}", s.shard.index, s.shard.total),
            }))
            .collect::<Vec<_>>(),
    })
    .to_string();
    let run = history.begin_run(&RunStart {
        run_id: &report.run_id,
        started_at_ms: super::run::unix_ms(report.started_at),
        command: &report.command,
        shell: report.shell,
        dir: &report.dir,
        runs: report.runs,
        jobs: report.jobs,
        seed: report.seed,
        timeout: report.timeout,
        fail_on: report.fail_on.map(Severity::as_str),
        plan_json,
        vcs: report.vcs.as_ref(),
        framework: report.framework.as_deref(),
        order_mode: report.order.as_str(),
        command_line: &command_line,
    })?;
    history.record_reported_attempts(run, &report.attempts)?;
    let mut json = Vec::new();
    render::render_json(report, &mut json).context("cannot render the merged report")?;
    let status = match report.state {
        RunState::NoResults => RunStatus::NoResults,
        _ => RunStatus::Completed,
    };
    history.finish_run(
        run,
        status,
        report.duration,
        &RunSummary {
            totals: report.totals,
            tests: report.tests.clone(),
        },
        i32::from(report.exit_code),
        Some(&String::from_utf8_lossy(&json)),
    )?;
    Ok(())
}
