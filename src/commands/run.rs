//! `flaky run`: resolve the plan, run the attempts, store them, print the report, exit by policy.

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::analysis::stopping::{self, Settled};
use crate::analysis::{Accumulator, RunSummary};
use crate::cli::{GlobalArgs, PublishArgs, ReportFormat, RunArgs};
use crate::config::{self, ChosenBy, Format, MentionMap, PlanError, RunPlan, UntilWhen};
use crate::events::RunEvent;
use crate::exec::seed::{REPRODUCE_VARIABLES, attempt_env, attempt_seed};
use crate::exec::{
    Backend, DERIVED_TIMEOUT_FACTOR, DERIVED_TIMEOUT_FLOOR, ExecError, LocalBackend, Reporting,
    StopSignal,
};
use crate::exit::ExitStatus;
use crate::framework::AttemptCtx;
use crate::model::Attempt;
use crate::remote::runpod::RunpodBackend;
use crate::render::{
    self, AttemptRecord, Context, FAILURE_SAMPLES, FailureSample, InfraSample, Report, RunState,
};
use crate::reporter::{Printer, Progress};
use crate::secrets::{self, Redactor, looks_secret};
use crate::storage::{History, RunKey, RunStart, RunStatus};
use crate::vcs;

use super::no_results::{FirstRound, NOTHING_MEASURED, no_results};

/// Attempts written to the database in one transaction.
const STORE_BATCH: usize = 64;

pub fn run(args: &RunArgs, global: &GlobalArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    super::report::check_one_document(
        args.output.as_deref(),
        args.report,
        args.report_output.as_deref(),
    )?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let run_id = new_run_id();
    let plan = match config::resolve_run(args, &cwd, run_id) {
        Ok(plan) => plan,
        Err(PlanError::Config(e)) => bail!("{e}"),
        Err(PlanError::Usage(e)) => bail!("{e}"),
    };
    let scan = (!args.no_scan)
        .then(super::causes::time_limit)
        .transpose()?;
    let publishing = args.report.is_some() || !args.publish.post.is_empty();
    let mentions = super::report::mentions_for(publishing, &args.publish)?;
    let db = super::history_db(args.no_history, global)?;
    let history = db.as_deref().map(History::open).transpose()?;
    let outcome = measure(&plan, history, scan, printer, None)?;
    let RunOutcome {
        mut report,
        store_error,
    } = outcome;

    let stopped = matches!(report.exit_code, 130 | 143);
    let diagnose = match (args.diagnose, &db, stopped, &store_error) {
        (Some(budget), Some(db), false, None) => Some((budget, db)),
        _ => None,
    };
    // A JSON report is written once, whole: after the diagnosis when there is one (its table
    // goes to stderr meanwhile).
    let json_after = diagnose.is_some() && plan.format == Format::Json;
    if !json_after {
        write_report(plan.format, plan.output.as_deref(), &report, printer)?;
    }
    if let Some(n) = &report.no_results {
        printer.error(&format!(
            "nothing was measured: {}; hint: {}",
            n.reason, n.hint
        ));
    }
    if let Some(e) = store_error {
        printer.error(&format!("the run was measured but not stored: {e:#}"));
        return Ok(ExitStatus::Error);
    }
    if let Some((budget, db)) = diagnose {
        // A secondary step: whatever it meets, the run is shown and exits by its own verdict.
        match diagnose_after(db, &report, budget, plan.format, printer) {
            Ok(diagnoses) => report.diagnoses = diagnoses,
            Err(e) => printer.warn(&format!(
                "the diagnosis stopped: {e:#}; the run itself is stored as {}; hint: `flaky diagnose {}` tries again",
                report.run_id, report.run_id
            )),
        }
        if json_after {
            write_report(plan.format, plan.output.as_deref(), &report, printer)?;
        }
    }
    if publishing {
        let extra = args
            .report
            .map(|format| (format, args.report_output.as_deref()));
        if let Err(e) = publish_run(
            &report,
            db.as_deref(),
            extra,
            &args.publish,
            &mentions,
            printer,
        ) {
            printer.error(&format!(
                "{e:#}; the run itself is stored as {}",
                report.run_id
            ));
            return Ok(ExitStatus::Error);
        }
    }
    if !report.shard_errors.is_empty() {
        printer.error(&format!(
            "{} remote shards brought no results back; the counts above are partial",
            report.shard_errors.len()
        ));
    }
    Ok(ExitStatus::of_report(report.exit_code))
}

/// Opens the history, runs the plan's attempts where it says (here or on RunPod) and stores them.
pub(super) fn measure(
    plan: &RunPlan,
    mut history: Option<History>,
    scan: Option<Duration>,
    printer: &Printer,
    next_phase: Option<NextPhase<'_>>,
) -> anyhow::Result<RunOutcome> {
    if let Some(h) = &mut history {
        super::tidy(h, printer);
    }
    let vcs = vcs::facts(&plan.exec.dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match &plan.remote {
        Some(target) => runtime.block_on(execute(
            &RunpodBackend::new(target.clone()),
            plan,
            history,
            vcs.as_ref(),
            scan,
            printer,
            next_phase,
        )),
        None => runtime.block_on(execute(
            &LocalBackend,
            plan,
            history,
            vcs.as_ref(),
            scan,
            printer,
            next_phase,
        )),
    }
}

/// Renders a measured run in one more format (`--report`) and posts it (`--post`), with the
/// history around it (trend, changes) when it is stored. A secondary step: the caller prints
/// the error and the run still stands.
pub(super) fn publish_run(
    report: &Report,
    db: Option<&Path>,
    extra: Option<(ReportFormat, Option<&Path>)>,
    publish: &PublishArgs,
    mentions: &MentionMap,
    printer: &Printer,
) -> anyhow::Result<()> {
    let ctx = match db {
        Some(path) => super::report::context(&History::open(path)?, report, mentions)?,
        None => Context::default(),
    };
    if let Some((format, output)) = extra {
        let color = output.is_none() && printer.color_stdout;
        let width = output.is_none().then_some(printer.width).flatten();
        let buf = super::report::render_to_vec(format, report, &ctx, color, width)?;
        super::report::deliver(format, &buf, output, printer)?;
    }
    super::report::publish(publish, report, &ctx, printer)
}

pub(super) struct RunOutcome {
    pub report: Report,
    /// A database write that failed: the measurement is still reported.
    pub store_error: Option<anyhow::Error>,
}

/// Keeps the history writes of a run; after the first error it stops writing and keeps the error.
struct Store {
    history: Option<History>,
    run: Option<RunKey>,
    pending: Vec<Attempt>,
    error: Option<anyhow::Error>,
}

impl Store {
    fn push(&mut self, attempt: Attempt) {
        if self.run.is_some() {
            self.pending.push(attempt);
            if self.pending.len() >= STORE_BATCH {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if let (Some(h), Some(run), None) = (&mut self.history, self.run, &self.error)
            && !self.pending.is_empty()
            && let Err(e) = h.record_attempts(run, &self.pending)
        {
            self.error = Some(e.into());
        }
        self.pending.clear();
    }
}

/// More attempts after a run's planned ones, chosen by what those found (`flaky ci`'s reruns).
pub(super) struct Phase {
    pub exec: crate::exec::ExecPlan,
    /// How `--until` stops this phase.
    pub until: Option<config::Until>,
    /// The tests whose verdicts `--until settled` waits for [default: all].
    pub settle_among: Option<Vec<String>>,
}

/// A run in phases (`flaky ci`: the suite once, then its failures again).
pub(super) trait Phases {
    /// The next phase, from the results so far; `None` ends the run.
    fn next(&mut self, acc: &Accumulator) -> Option<Phase>;
    /// The last word on the report before it is stored: its verdicts and exit status.
    fn finish(&mut self, report: &mut Report, history: Option<&History>);
}

pub(super) type NextPhase<'a> = &'a mut dyn Phases;

async fn execute<B: Backend>(
    backend: &B,
    plan: &RunPlan,
    history: Option<History>,
    vcs: Option<&vcs::VcsFacts>,
    scan: Option<Duration>,
    printer: &Printer,
    mut next_phase: Option<NextPhase<'_>>,
) -> anyhow::Result<RunOutcome> {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let mut store = Store {
        history,
        run: None,
        pending: Vec::new(),
        error: None,
    };
    // The command as stored and shown: the values of its secret options masked.
    let shown_command = secrets::masked_command(&plan.command, plan.shell);
    // Secret values the attempts could print: masked in all they bring back.
    let redactor = Redactor::for_attempts(&plan.exec.env);
    if let Some(h) = &mut store.history {
        let command_line = config::command_line(&shown_command, plan.shell);
        let start = RunStart {
            run_id: &plan.exec.run_id,
            started_at_ms: unix_ms(started_at),
            command: &shown_command,
            shell: plan.shell,
            dir: &plan.exec.dir,
            runs: plan.runs,
            jobs: plan.exec.jobs,
            seed: plan.exec.base_seed,
            timeout: plan.exec.timeout,
            fail_on: plan.fail_on.map(|s| s.as_str()),
            plan_json: plan_json(plan),
            vcs,
            framework: plan.framework.map(|f| f.name()),
            order_mode: plan.exec.order.as_str(),
            command_line: &command_line,
        };
        store.run = Some(h.begin_run(&start)?);
    }

    let mut sigint = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    let mut sigterm = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    // A closed terminal or a dropped SSH session, and Ctrl-\\, end the run like SIGTERM.
    let mut sighup = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
    let mut sigquit = signal(SignalKind::quit()).context("cannot listen for SIGQUIT")?;

    // The plan's notes come once the command has started, so that one that cannot start gets its
    // error alone; a remote run's at once (its attempts start on the workers, minutes later).
    let mut notes = plan.notes.as_slice();
    let say = |notes: &mut &[String]| {
        for note in std::mem::take(notes) {
            printer.note(&format!("note: {note}"));
        }
    };
    if let Some(chosen) = plan.chosen {
        // Attempts start after the first one ended: more than run at once, or a next phase.
        let later = plan.runs > plan.exec.jobs || next_phase.is_some();
        printer.note(&announcement(plan, &shown_command, chosen, later));
    }
    if plan.remote.is_some() {
        say(&mut notes);
    }
    // The timeout derived from the first attempt (see [`ExecPlan::timeout_from_first`]): a
    // next phase's attempts start with it. It is said once an attempt starts with it.
    let mut derived = None;
    let mut derived_note: Option<String> = None;
    let mut progress = Progress::new(printer, u64::from(plan.runs));
    let mut acc = Accumulator::default();
    let mut attempts: Vec<AttemptRecord> = Vec::new();
    let mut failures: Vec<FailureSample> = Vec::new();
    let mut infrastructure: Vec<InfraSample> = Vec::new();
    let mut shard_errors: Vec<String> = Vec::new();
    let mut shard_retries: Vec<String> = Vec::new();
    let mut stop_reason: Option<&'static str> = None;
    // --budget bounds the phase --until stops (`flaky ci`: the reruns, not the first run).
    let budget_of = |until: Option<config::Until>| {
        until
            .and_then(|u| u.budget)
            .unwrap_or(Duration::from_secs(100 * 365 * 24 * 3600))
    };
    let budget_timer = tokio::time::sleep(budget_of(plan.until));
    tokio::pin!(budget_timer);
    let cwd = std::env::current_dir().unwrap_or_default();
    let command_mode = plan.exec.reporting == Reporting::Command;
    let mut state = RunState::Completed;
    // The attempts of this phase, how --until stops them, and the tests --until settled waits for.
    let mut phase = Cow::Borrowed(&plan.exec);
    let mut until = plan.until;
    let mut settle_among: Option<Vec<String>> = None;
    let mut planned = plan.runs;
    let exec_result = loop {
        let result = {
            let (events_tx, mut events) = mpsc::unbounded_channel();
            // Attempts start with permits. With --until each attempt starts only once the one before
            // it was judged, so the decision to stop comes before the next attempt and a fixed seed
            // gives fixed counts at -j 1. Otherwise only the first round waits to be judged: when it
            // died alike before any test ran, the rest is not started.
            let mut first_round = FirstRound::new(&phase);
            let (stop_tx, stop) = StopSignal::gated();
            if until.is_some() {
                stop_tx.release(phase.jobs as usize);
            } else {
                stop_tx.release(first_round.size());
            }
            let phase_runs = phase.attempts.len();
            let exec = backend.execute(&phase, events_tx, stop);
            tokio::pin!(exec);
            let mut exec_result = None;
            loop {
                tokio::select! {
                    result = &mut exec, if exec_result.is_none() => exec_result = Some(result),
                    event = events.recv() => match event {
                        Some(RunEvent::AttemptStarted { .. }) => {
                            if !notes.is_empty() {
                                progress.suspend(|| say(&mut notes));
                            }
                            if let Some(line) = derived_note.take() {
                                progress.suspend(|| printer.note(&line));
                            }
                        }
                        Some(RunEvent::Notice(message)) => progress.suspend(|| printer.warn(&redactor.text(&message))),
                        Some(RunEvent::TimeoutDerived { timeout, first }) => {
                            derived = Some(timeout);
                            derived_note = Some(format!(
                                "flaky: timeout {} for the attempts that start from now on ({DERIVED_TIMEOUT_FACTOR}× the first attempt's {}, at least {})",
                                render::duration_text(timeout),
                                render::duration_text(first),
                                render::duration_text(DERIVED_TIMEOUT_FLOOR),
                            ));
                        }
                        Some(RunEvent::ShardRetried { attempts: range, message }) => {
                            let line = format!("attempts {}..{}: {}", range.start, range.end, redactor.text(&message));
                            progress.suspend(|| printer.warn(&line));
                            shard_retries.push(line);
                        }
                        Some(RunEvent::ShardFailed { attempts: range, message }) => {
                            let line = format!("attempts {}..{}: {}", range.start, range.end, redactor.text(&message));
                            progress.suspend(|| printer.warn(&format!("remote shard without results: {line}")));
                            progress.skip(u64::from(range.end - range.start));
                            shard_errors.push(line);
                        }
                        Some(RunEvent::AttemptFinished(mut attempt)) => {
                            redactor.attempt(&mut attempt);
                            let failed = attempt.outcome().is_failure();
                            acc.add(&attempt);
                            progress.attempt_finished(acc.live());
                            match until.map(|u| u.when) {
                                _ if stop_reason.is_some() => {}
                                Some(UntilWhen::Settled(rule))
                                    if acc.all_settled(&plan.thresholds, &rule, settle_among.as_deref()) =>
                                {
                                    stop_reason = Some("settled");
                                    stop_tx.drain();
                                }
                                // As on Ctrl-C, the running attempts are stopped and what finished
                                // is kept; the run itself completed.
                                Some(UntilWhen::FirstFailure) if failed => {
                                    stop_reason = Some("first-failure");
                                    stop_tx.stop();
                                }
                                _ => {}
                            }
                            match first_round.judge(&attempt) {
                                Some(true) if stop_reason.is_none() => {
                                    stop_reason = Some(NOTHING_MEASURED);
                                    stop_tx.drain();
                                    // Wakes a backend waiting for a permit: it then sees the drain.
                                    stop_tx.release(1);
                                }
                                Some(_) if until.is_none() => stop_tx.release(phase_runs),
                                _ => {}
                            }
                            if until.is_some() {
                                stop_tx.release(1);
                            }
                            attempts.push(record(&attempt));
                            if command_mode && failed && among_first(&failures, attempt.index, |f| f.index) {
                                failures.push(sample(&attempt, reproduce(plan, &cwd, attempt.index, None)));
                                keep_first(&mut failures, |f| f.index);
                            }
                            if let Some(set) = &attempt.infrastructure
                                && among_first(&infrastructure, attempt.index, |i| i.index)
                            {
                                infrastructure.push(InfraSample {
                                    index: attempt.index,
                                    rule: Some(set.rule),
                                    reason: set.reason.clone(),
                                    // The end of the output says why (a build's errors, a traceback).
                                    excerpt: render::last_lines(&error_output(&attempt)),
                                });
                                keep_first(&mut infrastructure, |i| i.index);
                            }
                            store.push(*attempt);
                        }
                        // Every sender is gone: the backend has returned.
                        None => break,
                    },
                    () = &mut budget_timer, if until.is_some() && stop_reason.is_none() => {
                        stop_reason = Some("budget");
                        stop_tx.drain();
                    }
                    _ = sigint.recv() => {
                        if state != RunState::Completed {
                            again(printer, ExitStatus::Interrupted);
                        }
                        state = RunState::Interrupted;
                        stop_tx.stop();
                        progress.suspend(|| printer.note("interrupted: stopping every attempt, keeping what finished"));
                    }
                    _ = sigterm.recv() => {
                        if state != RunState::Completed {
                            again(printer, ExitStatus::Terminated);
                        }
                        state = RunState::Terminated;
                        stop_tx.stop();
                    }
                    _ = sighup.recv(), if state == RunState::Completed => {
                        state = RunState::Terminated;
                        stop_tx.stop();
                    }
                    _ = sigquit.recv(), if state == RunState::Completed => {
                        state = RunState::Terminated;
                        stop_tx.stop();
                    }
                }
            }
            match exec_result {
                Some(r) => r,
                None => exec.await,
            }
        };
        let next = match (&result, &mut next_phase) {
            (Ok(()), Some(choose)) if state == RunState::Completed && stop_reason.is_none() => {
                choose.next(&acc)
            }
            _ => None,
        };
        let Some(next) = next else {
            break result;
        };
        let more = next.exec.attempts.len() as u32;
        progress.extend(u64::from(more));
        planned += more;
        until = next.until;
        settle_among = next.settle_among;
        budget_timer
            .as_mut()
            .reset(tokio::time::Instant::now() + budget_of(until));
        let mut exec = next.exec;
        if let Some(timeout) = derived
            && exec.timeout_from_first
        {
            exec.timeout = timeout;
            exec.timeout_from_first = false;
        }
        phase = Cow::Owned(exec);
    };
    progress.finish();
    if exec_result.is_ok() {
        say(&mut notes);
    }
    store.flush();
    let duration = started.elapsed();

    let mut summary = acc.summarize(&plan.thresholds);
    if let Some(UntilWhen::Settled(rule)) = until.map(|u| u.when) {
        for t in &mut summary.tests {
            if let Settled::OnBoundary(below, above) =
                stopping::settled(t.failed, t.runs, &plan.thresholds, &rule)
            {
                t.on_boundary = Some([below, above]);
            }
        }
    }
    let before = summary.tests.len();
    summary.tests.retain(|t| !plan.ignore.is_match(&t.id));
    let ignored_tests = before - summary.tests.len();
    attempts.sort_by_key(|a| a.index);
    failures.sort_by_key(|f| f.index);
    infrastructure.sort_by_key(|i| i.index);
    if !command_mode {
        failures = test_failures(plan, &cwd, &summary, &acc);
    }

    if let Err(e) = exec_result {
        let hint = match &e {
            ExecError::Spawn { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "; hint: check the command's name and PATH (a relative path is taken from -C/--dir), or run a shell line with --shell"
            }
            ExecError::Spawn { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                "; hint: make the file executable (chmod +x) or run it through its interpreter"
            }
            _ => "",
        };
        if let (Some(h), Some(run)) = (&mut store.history, store.run) {
            let _ = h.finish_run(
                run,
                RunStatus::Failed,
                duration,
                &summary,
                i32::from(ExitStatus::Error.code()),
                None,
            );
        }
        bail!("{e}{hint}");
    }

    let mut report = Report {
        run_id: plan.exec.run_id.clone(),
        state,
        command: shown_command,
        shell: plan.shell,
        dir: plan.exec.dir.clone(),
        framework: plan.framework.map(|f| f.name().to_owned()),
        order: plan.exec.order,
        selected_tests: plan.selected,
        batch: (plan.exec.batch > 1).then_some(plan.exec.batch),
        shard: plan.shard,
        runs: planned,
        jobs: plan.exec.jobs.min(planned),
        seed: plan.exec.base_seed,
        timeout: plan.exec.timeout,
        timeout_derived_ms: derived.map(|d| d.as_millis() as u64),
        started_at,
        duration,
        fail_on: plan.fail_on,
        thresholds: plan.thresholds,
        vcs: vcs.cloned(),
        totals: summary.totals,
        tests: summary.tests.clone(),
        ignored_tests,
        attempts,
        failures,
        infrastructure,
        shard_errors,
        shard_retries,
        stopped: until.map(|u| render::Stopped {
            until: u.when.as_str().to_owned(),
            reason: match stop_reason {
                Some(NOTHING_MEASURED) | None => "max-runs",
                Some(reason) => reason,
            }
            .to_owned(),
            max_runs: planned,
            saved: u64::from(planned).saturating_sub(summary.totals.attempts),
        }),
        likely_causes: Vec::new(),
        no_results: None,
        diagnoses: Vec::new(),
        ci: None,
        exit_code: 0,
    };
    if state == RunState::Completed && summary.totals.infrastructure == summary.totals.attempts {
        report.state = RunState::NoResults;
        report.no_results = Some(no_results(
            plan,
            &report,
            stop_reason == Some(NOTHING_MEASURED),
        ));
    }
    // Nothing to join when no test result was read, nor after an interrupted run (whoever
    // stopped it wants it to end now).
    if let Some(limit) = scan
        && !command_mode
        && !report.tests.is_empty()
        && report.state == RunState::Completed
    {
        match super::causes::find(&plan.exec.dir, &report.tests, limit).await {
            Ok(causes) => report.likely_causes = causes,
            Err(why) => printer.warn(&format!(
                "no likely causes: the scan of {} was skipped ({why}); the run's results are complete",
                plan.exec.dir.display()
            )),
        }
    }
    report.exit_code = match report.state {
        RunState::Interrupted => ExitStatus::Interrupted.code(),
        RunState::Terminated => ExitStatus::Terminated.code(),
        RunState::NoResults => ExitStatus::Error.code(),
        // Attempts are missing: the measurement is incomplete, whatever it shows.
        RunState::Completed if !report.shard_errors.is_empty() => ExitStatus::Error.code(),
        RunState::Completed if report.failing_tests() > 0 => ExitStatus::TestsFailed.code(),
        RunState::Completed => ExitStatus::Success.code(),
    };

    if let Some(phases) = next_phase {
        phases.finish(&mut report, store.history.as_ref());
    }
    if let (Some(h), Some(run), None) = (&mut store.history, store.run, &store.error) {
        let status = match report.state {
            RunState::Completed => RunStatus::Completed,
            RunState::Interrupted => RunStatus::Interrupted,
            RunState::Terminated => RunStatus::Terminated,
            RunState::NoResults => RunStatus::NoResults,
        };
        let mut json = Vec::new();
        let json = render::render_json(&report, &mut json)
            .ok()
            .and_then(|()| String::from_utf8(json).ok());
        if let Err(e) = h.finish_run(
            run,
            status,
            duration,
            &summary,
            i32::from(report.exit_code),
            json.as_deref(),
        ) {
            store.error = Some(e.into());
        }
    }
    Ok(RunOutcome {
        report,
        store_error: store.error,
    })
}

/// What flaky runs when it chose the command itself, said before it starts: the command, where,
/// why, how many attempts and how long each may take (the `later` ones too, when some start
/// after the first one ended).
fn announcement(plan: &RunPlan, shown_command: &[String], chosen: ChosenBy, later: bool) -> String {
    let why = match (chosen, plan.framework) {
        (_, None) => String::new(),
        (ChosenBy::Detection, Some(f)) => format!(" (detected: {f})"),
        (ChosenBy::Framework, Some(f)) => format!(" (framework: {f})"),
    };
    let attempts = match plan.until {
        Some(u) => format!("up to {} attempts (--until {})", plan.runs, u.when.as_str()),
        None if plan.runs == 1 => "1 attempt".to_owned(),
        None => format!("{} attempts", plan.runs),
    };
    let mut timeout = format!("timeout {}", render::duration_text(plan.exec.timeout));
    if plan.exec.timeout_from_first && later {
        timeout.push_str(&format!(
            ", then {DERIVED_TIMEOUT_FACTOR}× the first attempt's time (at least {})",
            render::duration_text(DERIVED_TIMEOUT_FLOOR)
        ));
    }
    format!(
        "flaky: running `{}` in {}{why}, {attempts}, {} at a time, {timeout}",
        config::command_line(shown_command, plan.shell),
        plan.exec.dir.display(),
        plan.exec.jobs.min(plan.runs),
    )
}

/// A second Ctrl-C or SIGTERM while the first one's clean-up runs (cancelling remote jobs, say):
/// the user will not wait, so flaky exits at once; the next command marks the run abandoned.
fn again(printer: &Printer, status: ExitStatus) -> ! {
    printer.note("stopped again: exiting at once, without waiting for the clean-up");
    std::process::exit(i32::from(status.code()))
}

/// `flaky run --diagnose`: diagnoses the run's flaky tests and shows the result after the
/// report (on stderr when the report on stdout is JSON, so the JSON stays whole); what it
/// proved goes into the reports the run renders and posts.
fn diagnose_after(
    db: &std::path::Path,
    report: &Report,
    budget: Duration,
    format: Format,
    printer: &Printer,
) -> anyhow::Result<Vec<crate::diagnose::Diagnosis>> {
    let diagnosed =
        super::diagnose::diagnose_run(db, Some(&report.run_id), &[], budget, &[], printer)?;
    if diagnosed.tests.is_empty() {
        return Ok(Vec::new());
    }
    let mut buf = Vec::new();
    match format {
        Format::Table => {
            render::render_diagnoses_table(&diagnosed, &mut buf, printer.color_stdout)?;
            super::print(&buf)?;
        }
        Format::Json => {
            render::render_diagnoses_table(&diagnosed, &mut buf, printer.color_stderr)?;
            std::io::Write::write_all(&mut std::io::stderr(), &buf)
                .context("cannot write to stderr")?;
        }
    }
    Ok(diagnosed.tests)
}

/// Prints a run's report in `format`, to `output` or stdout; a file that cannot be written gets
/// the report on stdout instead, so the measurement is not lost with it.
pub(super) fn write_report(
    format: Format,
    output: Option<&Path>,
    report: &Report,
    printer: &Printer,
) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let color = output.is_none() && printer.color_stdout;
    let width = output.is_none().then_some(printer.width).flatten();
    match format {
        Format::Table => render::render_table(report, color, width, &mut buf),
        Format::Json => render::render_json(report, &mut buf),
    }
    .context("cannot render the report")?;
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &buf) {
                super::print(&buf)?;
                bail!(
                    "cannot write the report to {}: {e}; it was printed on stdout instead",
                    path.display()
                );
            }
        }
        None => super::print(&buf)?,
    }
    Ok(())
}

/// Whether attempt `index` belongs among the [`FAILURE_SAMPLES`] lowest of `kept` (attempts
/// finish in any order; the report shows the first ones, so the same seed gives the same report).
fn among_first<T>(kept: &[T], index: u32, key: impl Fn(&T) -> u32) -> bool {
    kept.len() < FAILURE_SAMPLES || kept.iter().any(|k| key(k) > index)
}

/// Keeps the [`FAILURE_SAMPLES`] lowest of `kept`, by index.
fn keep_first<T>(kept: &mut Vec<T>, key: impl Fn(&T) -> u32) {
    kept.sort_by_key(&key);
    kept.truncate(FAILURE_SAMPLES);
}

fn record(a: &Attempt) -> AttemptRecord {
    AttemptRecord {
        index: a.index,
        seed: a.seed,
        order_seed: a.order_seed,
        infrastructure: a.infrastructure.as_ref().map(|s| s.reason.clone()),
        infrastructure_rule: a.infrastructure.as_ref().map(|s| s.rule),
        alone: a.alone,
        outcome: a.outcome(),
        exit_code: a.exit.code(),
        signal: a.exit.signal(),
        duration_ms: a.duration.as_millis() as u64,
    }
}

fn error_output(a: &Attempt) -> String {
    if a.stderr.total_bytes > 0 {
        a.stderr.text()
    } else {
        a.stdout.text()
    }
}

fn sample(a: &Attempt, reproduce: String) -> FailureSample {
    FailureSample {
        test: None,
        index: a.index,
        seed: a.seed,
        order_seed: a.order_seed,
        message: a
            .tests
            .first()
            .and_then(|t| t.message.clone())
            .unwrap_or_default(),
        excerpt: render::first_lines(&error_output(a)),
        reproduce,
        reproduce_attempt: None,
        needs_order: false,
        batch_from: None,
    }
}

/// The worst failing tests, each with the line that replays a failure: the first one in an
/// attempt that kept the order, with the test alone; when it failed only in shuffled attempts,
/// the whole first failing attempt, in its order.
fn test_failures(
    plan: &RunPlan,
    cwd: &std::path::Path,
    summary: &RunSummary,
    acc: &Accumulator,
) -> Vec<FailureSample> {
    summary
        .tests
        .iter()
        .filter(|t| t.failed > 0 && !plan.ignore.is_match(&t.id))
        .take(FAILURE_SAMPLES)
        .map(|t| {
            let first = t.signatures.first();
            let same_order = acc.first_same_order_failure(&t.id);
            let index = same_order.unwrap_or_else(|| first.map_or(0, |s| s.first_attempt));
            let seed = attempt_seed(plan.exec.base_seed, index);
            let shuffled = plan.exec.order.shuffles(index);
            // A batch's attempt replays with the attempts before it in its process, all tests.
            let batch_from = (plan.exec.batch > 1).then(|| plan.exec.batch_start(index));
            let select =
                (same_order.is_some() && batch_from.is_none()).then(|| std::slice::from_ref(&t.id));
            FailureSample {
                test: Some(t.id.clone()),
                index,
                seed,
                order_seed: shuffled.then_some(seed),
                message: first.map(|s| s.example.clone()).unwrap_or_default(),
                excerpt: String::new(),
                reproduce: reproduce(plan, cwd, index, select),
                reproduce_attempt: select
                    .map(|_| reproduce(plan, cwd, index, None))
                    .filter(|whole| *whole != reproduce(plan, cwd, index, select)),
                needs_order: shuffled && batch_from.is_none(),
                batch_from,
            }
        })
        .collect()
}

/// The shell line that replays attempt `index` (or just the `select`ed tests of it).
pub(super) fn reproduce(
    plan: &RunPlan,
    cwd: &std::path::Path,
    index: u32,
    select: Option<&[String]>,
) -> String {
    let exec = &plan.exec;
    let seed = attempt_seed(exec.base_seed, index);
    let order_seed = exec.order.shuffles(index).then_some(seed);
    let mut env: Vec<(String, String)> = Vec::new();
    // A batch's process starts with its first attempt's variables (PYTHONHASHSEED stays that).
    let first = exec.batch_start(index);
    let env_all = attempt_env(first, attempt_seed(exec.base_seed, first));
    let repeats = exec.repeats(first..=index);
    // `{attempt}` and `{tmpdir}` as the attempt had them; the replay gets a directory of its own.
    let tmp = std::env::temp_dir().join(format!("flaky-replay-{}-{index}", exec.run_id));
    let uses_tmp = exec.argv.iter().any(|w| w.contains("{tmpdir}"));
    let command = crate::exec::fill_command(&exec.argv, index, &tmp);
    let (argv, extra_env) = match &exec.reporting {
        Reporting::Framework { framework, .. } => {
            let driver = framework.driver();
            let ctx = AttemptCtx {
                dir: &std::env::temp_dir(),
                support: &exec.support_dir,
                project: &exec.dir,
                index,
                shuffle: order_seed,
                select,
                with_report: false,
                batch: (exec.batch > 1).then_some(repeats.as_slice()),
            };
            let p = driver.prepare(&command, &ctx);
            // The framework's own seed variable is named too (the first ones carry the same seed).
            let own = driver.knobs().seed_variable;
            for (k, v) in env_all.iter().skip(REPRODUCE_VARIABLES) {
                if own.split(", ").any(|o| o == *k) {
                    env.push(((*k).to_owned(), v.clone()));
                }
            }
            let mut argv = p.argv;
            // PATH gains node_modules/.bin for JS tools; in a line for people, npx does that
            // (for a tool installed there: not for `node` itself).
            let installed = argv.first().is_some_and(|p| {
                let tool = crate::framework::program_name(p);
                exec.dir
                    .ancestors()
                    .any(|d| d.join("node_modules/.bin").join(tool).exists())
            });
            let mut extra = Vec::new();
            for (k, v) in p.env {
                if k == "PATH" {
                    if installed && !crate::framework::starts_with_node_runner(&argv) {
                        argv.insert(0, "npx".into());
                    }
                } else {
                    extra.push((k, v));
                }
            }
            (argv, extra)
        }
        Reporting::Command | Reporting::Junit { .. } => (command, Vec::new()),
    };
    let mut line = String::new();
    if cwd != exec.dir {
        // Relative to where flaky was started when it is below it: shorter, and it still works.
        let dir = exec.dir.strip_prefix(cwd).unwrap_or(&exec.dir);
        line.push_str(&format!(
            "cd {} && ",
            config::display_command(&[dir.to_string_lossy().into_owned()])
        ));
    }
    if uses_tmp {
        line.push_str(&format!(
            "mkdir -p {} && ",
            config::display_command(&[tmp.to_string_lossy().into_owned()])
        ));
    }
    // The run's own variables (--env, the config's env:) first, as the attempt got them; a
    // secret's value is left for the reader to fill in.
    let vars = exec
        .env
        .iter()
        .map(|(k, v)| {
            let v = if looks_secret(k) {
                Cow::Borrowed("...")
            } else {
                Redactor::default().text(v)
            };
            (k.clone(), v.into_owned())
        })
        .chain(
            env_all
                .iter()
                .take(REPRODUCE_VARIABLES)
                .map(|(k, v)| ((*k).to_owned(), v.clone())),
        )
        .chain(env)
        .chain(extra_env);
    for (k, v) in vars {
        line.push_str(&format!("{k}={} ", config::display_command(&[v])));
    }
    line.push_str(&config::display_command(&secrets::masked_command(
        &argv, false,
    )));
    line
}

/// What of the plan goes into the database: never the values of variables that look secret,
/// nor the passwords in URLs.
fn plan_json(plan: &RunPlan) -> String {
    let env: serde_json::Map<String, serde_json::Value> = plan
        .exec
        .env
        .iter()
        .map(|(k, v)| {
            let value = if looks_secret(k) {
                "<redacted>".to_owned()
            } else {
                Redactor::default().text(v).into_owned()
            };
            (k.clone(), serde_json::Value::String(value))
        })
        .collect();
    serde_json::json!({
        "thresholds": plan.thresholds,
        "env": env,
        "ignore_patterns": plan.ignore_patterns,
        "config_file": plan.config_file,
    })
    .to_string()
}

pub(super) fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A short random id that users can type back (`flaky report ID`).
pub(super) fn new_run_id() -> String {
    format!("{:012x}", crate::exec::seed::random_u64() >> 16)
}
