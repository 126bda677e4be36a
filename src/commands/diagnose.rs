//! `flaky diagnose`: runs the experiments of [`crate::diagnose`] on the flaky tests of a stored
//! run, cheapest first, each test until its cause is proven or the budget is spent; stores
//! each diagnosis as it is made (Ctrl-C keeps what finished) and prints them.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use clap::Parser as _;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;

use crate::analysis::{Kind, TestStats};
use crate::cli::{Cli, Command, DiagnoseArgs, DiagnoseFormat, GlobalArgs};
use crate::config::{self, RunPlan};
use crate::diagnose::{
    self, Alone, AlonePlan, Cause, DiagnoseReport, Diagnosis, Experiment, StaticEvidence, Step,
};
use crate::events::RunEvent;
use crate::exec::seed::attempt_seed;
use crate::exec::{
    Backend as _, Isolation, Load, LocalBackend, OrderMode, Reporting, StopSignal, describe_exit,
    load_cpu, network_namespace_works,
};
use crate::exit::ExitStatus;
use crate::framework::{Framework, cargo};
use crate::model::{Attempt, Exit, Outcome};
use crate::render::{self, Report};
use crate::reporter::Printer;
use crate::storage::{AttemptTests, History};

/// How long the experiments may take without `--budget`.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(600);

/// Busy threads the load experiment runs on the test's CPU.
const LOAD_THREADS: usize = 8;
/// The most attempts of one experiment that changes the load or the environment.
const CHANGE_RUNS: u32 = 12;
/// Runs of the whole prefix before a polluter search, at most.
const PREFIX_RUNS: u32 = 6;
/// Tries a set of tests gets in a polluter search before it is judged not to hold.
const MAX_TRIES: u32 = 6;
/// Shuffle seeds tried to run a set of tests before the test ([`Pinning::SeedSearch`]): this
/// many, or four per test of the set when more (a set of k tests comes first under one seed in
/// k + 1, so a set is placed but for a chance of about 2%).
const ORDER_SEEDS: u64 = 64;
/// The alone baseline grows to this many attempts when an experiment needs it firmer.
const BASE_RUNS: u32 = 24;
/// Time zones far from any usual one, east and west.
const TIME_ZONES: [&str; 2] = ["Pacific/Kiritimati", "Pacific/Pago_Pago"];
/// A locale whose numbers and dates are written differently from English.
const LOCALE: &str = "de_DE.UTF-8";
/// The most checks the search for a cleaner may take.
const CLEANER_CHECKS: u32 = 10;

pub fn diagnose(
    args: &DiagnoseArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let db = super::stored_db(global)?;
    let budget = args.budget.unwrap_or(DEFAULT_BUDGET);
    let report = diagnose_run(
        &db,
        args.run.as_deref(),
        &args.tests,
        budget,
        &args.env,
        printer,
    )?;
    let mut buf = Vec::new();
    match args.format {
        DiagnoseFormat::Table => {
            render::render_diagnoses_table(&report, &mut buf, printer.color_stdout)?;
        }
        DiagnoseFormat::Json => render::render_diagnoses_json(&report, &mut buf)?,
        DiagnoseFormat::Markdown => render::render_diagnoses_markdown(&report, &mut buf)?,
        DiagnoseFormat::Html => render::render_diagnoses_html(&report, &mut buf)?,
    }
    match &args.output {
        Some(path) => std::fs::write(path, &buf)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => super::print(&buf)?,
    }
    Ok(if report.interrupted {
        ExitStatus::Interrupted
    } else if !report.tests.is_empty() && report.tests.iter().all(diagnose::nothing_ran) {
        // As for a run that measured nothing: the experiments' attempts never ran the tests.
        printer.error("no experiment could run the tests: the reason is under \"not run\"");
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

/// Diagnoses the tests of a stored run (`tests`, else its flaky ones) within `budget`, storing
/// each diagnosis as it is made.
pub fn diagnose_run(
    db: &Path,
    run: Option<&str>,
    tests: &[String],
    budget: Duration,
    env: &[(String, String)],
    printer: &Printer,
) -> anyhow::Result<DiagnoseReport> {
    let started = Instant::now();
    let mut history = History::open(db)?;
    super::tidy(&mut history, printer);
    let json = super::chosen_report(&history, run, printer)?;
    let report = render::read_json(&json)
        .map_err(|e| anyhow::anyhow!("the stored report cannot be read: {e}"))?;
    let targets = targets(&report, tests)?;
    let mut out = DiagnoseReport {
        schema_version: diagnose::SCHEMA_VERSION,
        run_id: report.run_id.clone(),
        command: report.command.clone(),
        dir: report.dir.clone(),
        framework: report.framework.clone(),
        budget_ms: budget.as_millis() as u64,
        duration_ms: 0,
        budget_spent: false,
        interrupted: false,
        tests: Vec::new(),
    };
    if targets.is_empty() {
        printer.note(&format!(
            "nothing to diagnose: run {} has no flaky, order-dependent or contention test; hint: name a test with --test ID",
            report.run_id
        ));
        return Ok(out);
    }
    let plan = replan(&history, &report, env)?;
    let attempts = history.attempt_tests(&report.run_id)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut lab = Lab::new(&plan, &report, &attempts, started + budget, printer)?;
        lab.known_polluters = history
            .diagnoses(&report.run_id)?
            .into_iter()
            .map(|d| d.polluters)
            .filter(|p| !p.is_empty())
            .collect();
        for stats in &targets {
            if lab.interrupted || Instant::now() >= lab.deadline {
                break;
            }
            printer.note(&format!("diagnosing {}", stats.id));
            let d = lab.diagnose(stats).await;
            if lab.interrupted && d.cause == Cause::Undetermined {
                // Cut short by Ctrl-C: it proves nothing, and must not hide an earlier diagnosis.
                printer.note("  interrupted before a verdict: not stored");
                break;
            }
            printer.note(&format!("  {}", d.summary));
            if !d.polluters.is_empty() {
                lab.known_polluters.push(d.polluters.clone());
            }
            if let Err(e) =
                history.record_diagnosis(&report.run_id, &d, super::run::unix_ms(SystemTime::now()))
            {
                printer.error(&format!("the diagnosis of {} was not stored: {e}", d.test));
            }
            out.tests.push(d);
        }
        out.interrupted = lab.interrupted;
        out.budget_spent = !lab.interrupted
            && Instant::now() >= lab.deadline
            && (out.tests.len() < targets.len()
                || out.tests.iter().any(|d| d.cause == Cause::Undetermined));
        anyhow::Ok(())
    })?;
    if !out.tests.is_empty() && !out.interrupted {
        let measured: Vec<TestStats> = targets
            .iter()
            .filter(|t| out.tests.iter().any(|d| d.test == t.id))
            .map(|t| (*t).clone())
            .collect();
        match runtime.block_on(super::causes::find(
            &plan.exec.dir,
            &measured,
            super::causes::time_limit()?,
        )) {
            Ok(causes) => {
                for d in &mut out.tests {
                    join_evidence(d, &causes);
                    if let Err(e) =
                        history.record_diagnosis(&report.run_id, d, super::run::unix_ms(SystemTime::now()))
                    {
                        printer.error(&format!("the diagnosis of {} was not stored: {e}", d.test));
                    }
                }
            }
            Err(why) => printer.warn(&format!(
                "no static evidence: the scan of {} was skipped ({why}); the diagnoses are complete",
                plan.exec.dir.display()
            )),
        }
    }
    out.duration_ms = started.elapsed().as_millis() as u64;
    Ok(out)
}

/// The tests to diagnose: those named (each must be in the run), else the run's flaky ones.
fn targets<'a>(report: &'a Report, named: &[String]) -> anyhow::Result<Vec<&'a TestStats>> {
    if named.is_empty() {
        return Ok(report
            .tests
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    Kind::Flaky | Kind::OrderDependent | Kind::Contention
                )
            })
            .collect());
    }
    named
        .iter()
        .map(|id| {
            report.tests.iter().find(|t| &t.id == id).ok_or_else(|| {
                let similar: Vec<&str> = report
                    .tests
                    .iter()
                    .map(|t| t.id.as_str())
                    .filter(|t| t.contains(id.as_str()) || id.contains(*t))
                    .take(5)
                    .collect();
                anyhow::anyhow!(
                    "--test {id}: run {} has no such test; hint: {}",
                    report.run_id,
                    if similar.is_empty() {
                        "`flaky report` lists the run's tests".to_owned()
                    } else {
                        format!("did you mean {}?", similar.join(", "))
                    }
                )
            })
        })
        .collect()
}

/// The run's plan made again from what was stored: its command, directory, framework, order,
/// seed and timeout, the config file, and the variables it was given (secret values were never
/// stored: give them again with --env).
fn replan(history: &History, report: &Report, env: &[(String, String)]) -> anyhow::Result<RunPlan> {
    let stored: serde_json::Value = history
        .run_plan(&report.run_id)
        .ok()
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default();
    let mut argv: Vec<String> = vec![
        "flaky".into(),
        "run".into(),
        "--no-history".into(),
        "-n".into(),
        "1".into(),
        "-C".into(),
        report.dir.display().to_string(),
        "--seed".into(),
        report.seed.to_string(),
        "--timeout".into(),
        format!("{}ms", report.timeout.as_millis().max(1)),
        "--order".into(),
        report.order.as_str().into(),
    ];
    if let Some(fw) = &report.framework {
        argv.extend(["--framework".into(), fw.clone()]);
    }
    if report.shell {
        argv.push("--shell".into());
    }
    if let Some(file) = stored.get("config_file").and_then(|f| f.as_str()) {
        argv.extend(["--config".into(), file.to_owned()]);
    }
    let given: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    if let Some(vars) = stored.get("env").and_then(|e| e.as_object()) {
        for (k, v) in vars {
            match v.as_str() {
                Some(v) if v != "<redacted>" && !given.contains(&k.as_str()) => {
                    argv.extend(["--env".into(), format!("{k}={v}")]);
                }
                _ => {}
            }
        }
    }
    for (k, v) in env {
        argv.extend(["--env".into(), format!("{k}={v}")]);
    }
    argv.push("--".into());
    argv.extend(report.command.iter().cloned());
    let cli = Cli::try_parse_from(&argv).map_err(|e| {
        anyhow::anyhow!(
            "cannot plan the experiments from run {}: {e}",
            report.run_id
        )
    })?;
    let Command::Run(args) = cli.command else {
        unreachable!("the arguments name `run`")
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let session = format!("{}-diagnose", report.run_id);
    config::resolve_run(&args, &cwd, session).map_err(|e| {
        anyhow::anyhow!(
            "cannot plan the experiments from run {}: {e}; hint: run them from where the run was made, with its config file",
            report.run_id
        )
    })
}

/// What one attempt of an experiment showed of the test under diagnosis.
#[derive(Debug, Clone)]
struct Observed {
    /// `None`: the test was not in the attempt's results (it did not run, or nothing was read).
    failed: Option<bool>,
    /// The tests of the attempt in report order.
    order: Vec<String>,
    /// Whether flaky ended the attempt at its timeout.
    timed_out: bool,
}

/// Which attempts an experiment runs.
#[derive(Debug, Clone, Copy)]
enum Attempts {
    /// Attempt `index` of the run again: its seed and order seed.
    Replay(u32),
    /// This many attempts with new seeds.
    Fresh(u32),
}

/// One experiment's settings.
#[derive(Debug, Clone)]
struct Trial {
    select: Option<Vec<String>>,
    attempts: Attempts,
    jobs: u32,
    /// `Same` keeps the framework's order (and the order of the selection, where the framework
    /// runs tests in the order given).
    order: OrderMode,
    env: Vec<(String, String)>,
    isolation: Isolation,
    /// The command in place of the run's (the run's when `None`).
    argv: Option<Vec<String>>,
}

impl Trial {
    /// Attempt `index` of the run again, one at a time, with only the `select`ed tests.
    fn replay(index: u32, select: Vec<String>, order: OrderMode) -> Self {
        Self {
            select: Some(select),
            attempts: Attempts::Replay(index),
            jobs: 1,
            order,
            env: Vec::new(),
            isolation: Isolation::default(),
            argv: None,
        }
    }
}

/// How a framework's order can be set for a run of chosen tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pinning {
    /// The selected tests run in the order given (pytest: node ids in argument order).
    Given,
    /// A selection keeps the relative order the same shuffle seed gives the whole suite
    /// (go: `-shuffle` shuffles every test before `-run` filters).
    SameSeed,
    /// As `SameSeed`, but the reports list tests in definition order, so which tests ran before
    /// the victim is unknown: every test of its process is a candidate (vitest).
    SameSeedUnseen,
    /// Only the framework's own order: a selection keeps the relative definition order.
    DefinitionOnly,
    /// Tests run in name order unless shuffled, and a shuffle seed orders the selected tests
    /// anew: the order is set by trying seeds until the report shows it (cargo test, whose
    /// executables take libtest's `--shuffle-seed` under [`cargo::BOOTSTRAP_RUNNER`]).
    SeedSearch,
}

/// Checked on each framework (see the README's order table): go shuffles every test of the
/// package before `-run` filters; jest shuffles each describe block's children whatever `-t`
/// matches; rspec sorts by a hash of the seed and each example's id; phpunit keeps the seed's
/// order under `--filter` over the same paths. vitest keeps the order too, but its reports list
/// tests in definition order, so a shuffled attempt's order is unknown.
fn pinning(framework: Framework) -> Pinning {
    match framework {
        Framework::Pytest => Pinning::Given,
        Framework::Go | Framework::Jest | Framework::Rspec | Framework::Phpunit => {
            Pinning::SameSeed
        }
        Framework::Vitest => Pinning::SameSeedUnseen,
        Framework::Cargo => Pinning::SeedSearch,
        _ => Pinning::DefinitionOnly,
    }
}

/// Whether tests with these ids can share state: they run in one process. Frameworks that give
/// each file (jest, vitest, node:test) or package (go) or test binary (cargo) a process of its
/// own share nothing across it; the others run the whole suite in one.
fn same_process(framework: Framework, a: &str, b: &str) -> bool {
    let unit = |id: &str| id.split_once("::").map_or(id, |(unit, _)| unit).to_owned();
    match framework {
        Framework::Jest
        | Framework::Vitest
        | Framework::Node
        | Framework::Go
        | Framework::Cargo => unit(a) == unit(b),
        _ => true,
    }
}

/// How many of these attempts the test failed, and how many gave it a result.
fn tally(seen: &[Observed]) -> (u32, u32) {
    (
        seen.iter().filter(|o| o.failed == Some(true)).count() as u32,
        seen.iter().filter(|o| o.failed.is_some()).count() as u32,
    )
}

/// A test of an experiment's failures against the baseline's over a number of looks
/// ([`diagnose::rises`], [`diagnose::changes`]): the p-value when it finds a difference.
type Compare = fn(u32, u32, u32, u32, u32) -> Option<f64>;

/// Looks at the outcomes of an experiment so far and says when it has seen enough.
type Judge<'j> = &'j mut dyn FnMut(&[Observed]) -> bool;

struct Lab<'a> {
    plan: &'a RunPlan,
    report: &'a Report,
    attempts: HashMap<u32, &'a AttemptTests>,
    attempt_order: Vec<u32>,
    framework: Option<Framework>,
    next_index: u32,
    /// Attempts started so far, over every test.
    ran: u32,
    /// Why the last attempt without a result for the test had none (for the diagnosis).
    problem: Option<String>,
    deadline: Instant,
    interrupted: bool,
    cores: u32,
    sigint: Signal,
    sigterm: Signal,
    printer: &'a Printer,
    network: Result<(), String>,
    /// The polluters found for the run's tests (stored earlier or found now), tried first on a
    /// victim with no failing order: one polluter often breaks many tests.
    known_polluters: Vec<Vec<String>>,
}

impl<'a> Lab<'a> {
    fn new(
        plan: &'a RunPlan,
        report: &'a Report,
        attempts: &'a [(u32, AttemptTests)],
        deadline: Instant,
        printer: &'a Printer,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            plan,
            report,
            attempts: attempts.iter().map(|(i, t)| (*i, t)).collect(),
            attempt_order: attempts.iter().map(|(i, _)| *i).collect(),
            framework: plan.framework,
            ran: 0,
            problem: None,
            // New seeds come from indexes the run never used.
            next_index: report.runs.max(attempts.last().map_or(0, |(i, _)| i + 1)) + 1_000_000,
            deadline,
            interrupted: false,
            cores: std::thread::available_parallelism().map_or(2, |n| n.get() as u32),
            sigint: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
            sigterm: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            printer,
            network: network_namespace_works(),
            known_polluters: Vec::new(),
        })
    }

    fn spent(&self) -> bool {
        self.interrupted || Instant::now() >= self.deadline
    }

    /// Runs one experiment; `judge` sees the outcomes so far after each attempt (one at a time)
    /// and ends the experiment by returning true. An empty answer: nothing could run.
    async fn trial(
        &mut self,
        victim: &str,
        t: &Trial,
        mut judge: Option<Judge<'_>>,
    ) -> Vec<Observed> {
        if self.spent() {
            return Vec::new();
        }
        let mut exec = self.plan.exec.clone();
        exec.attempts = match t.attempts {
            Attempts::Replay(i) => i..i + 1,
            Attempts::Fresh(n) => {
                let start = self.next_index;
                self.next_index += n;
                start..start + n
            }
        };
        exec.jobs = t.jobs;
        exec.order = t.order;
        exec.batch = 1;
        exec.isolation = t.isolation;
        exec.env.retain(|(k, _)| !t.env.iter().any(|(e, _)| e == k));
        exec.env.extend(t.env.iter().cloned());
        if let Some(argv) = &t.argv {
            exec.argv.clone_from(argv);
        }
        if let Reporting::Framework { select, .. } = &mut exec.reporting {
            select.clone_from(&t.select);
        }
        let command_mode = exec.reporting == Reporting::Command;
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let (stop_tx, stop) = if judge.is_some() {
            StopSignal::gated()
        } else {
            StopSignal::new()
        };
        if judge.is_some() {
            stop_tx.release(1);
        }
        let run = LocalBackend.execute(&exec, events_tx, stop);
        tokio::pin!(run);
        let deadline = tokio::time::Instant::from_std(self.deadline);
        let mut seen = Vec::new();
        let mut ended = false;
        let mut over = false;
        loop {
            tokio::select! {
                result = &mut run, if !ended => {
                    ended = true;
                    if let Err(e) = result {
                        self.printer.warn(&format!("an experiment could not run: {e}"));
                    }
                }
                event = events.recv() => match event {
                    Some(RunEvent::AttemptFinished(a)) => {
                        let o = observe(&a, victim, command_mode);
                        if o.failed.is_none() {
                            self.problem = Some(no_result(&a, self.plan.exec.timeout));
                        }
                        seen.push(o);
                        let done = judge.as_mut().is_some_and(|j| j(&seen));
                        if done || over {
                            stop_tx.drain();
                        }
                        stop_tx.release(1);
                    }
                    Some(_) => {}
                    None => break,
                },
                () = tokio::time::sleep_until(deadline), if !over => {
                    over = true;
                    stop_tx.drain();
                    stop_tx.release(1);
                }
                _ = self.sigint.recv() => {
                    self.interrupted = true;
                    stop_tx.stop();
                }
                _ = self.sigterm.recv() => {
                    self.interrupted = true;
                    stop_tx.stop();
                }
            }
        }
        self.ran += seen.len() as u32;
        seen
    }

    async fn diagnose(&mut self, stats: &TestStats) -> Diagnosis {
        let started = Instant::now();
        let mut d = Diagnosis {
            test: stats.id.clone(),
            cause: Cause::Undetermined,
            proven: false,
            summary: String::new(),
            experiments: Vec::new(),
            failing_seeds: Vec::new(),
            passing_seeds: Vec::new(),
            polluters: Vec::new(),
            state_setters: Vec::new(),
            cleaners: Vec::new(),
            repro: None,
            fix: String::new(),
            evidence: Vec::new(),
            not_run: Vec::new(),
            attempts: 0,
            duration_ms: 0,
        };
        let ran = self.ran;
        self.problem = None;
        self.experiments(stats, &mut d).await;
        if d.cause == Cause::Undetermined
            && !self.spent()
            && let Some(problem) = self.problem.take()
        {
            d.not_run.push(format!(
                "the attempts gave no result for the test: {problem}"
            ));
        }
        d.summary = diagnose::summary(&d);
        d.fix = diagnose::fix(&d);
        d.attempts = self.ran - ran;
        d.duration_ms = started.elapsed().as_millis() as u64;
        d
    }

    /// The run's attempts in which the test failed, and passed.
    fn outcomes(&self, id: &str) -> (Vec<u32>, Vec<u32>) {
        let mut failed = Vec::new();
        let mut passed = Vec::new();
        for i in &self.attempt_order {
            if let Some((_, o)) = self.attempts[i].iter().find(|(t, _)| t == id) {
                match o {
                    Outcome::Pass => passed.push(*i),
                    o if o.is_failure() => failed.push(*i),
                    _ => {}
                }
            }
        }
        (failed, passed)
    }

    fn alone_trial(&self, id: &str, n: u32) -> Trial {
        Trial {
            select: self.framework.map(|_| vec![id.to_owned()]),
            attempts: Attempts::Fresh(n),
            jobs: 1,
            order: OrderMode::Same,
            env: Vec::new(),
            isolation: Isolation::default(),
            argv: None,
        }
    }

    async fn experiments(&mut self, stats: &TestStats, d: &mut Diagnosis) {
        let id = stats.id.clone();
        let (failing, passing) = self.outcomes(&id);
        let seed = |i: u32| attempt_seed(self.report.seed, i);

        // 1. Seeds: replay failing seeds, then passing ones, the test alone.
        if !failing.is_empty() {
            let k = diagnose::seed_replays(stats.failed, stats.runs);
            let mut runs = 0;
            let mut failed = 0;
            let mut decided = true;
            let mut used_failing = Vec::new();
            for r in 0..k {
                let index = failing[r as usize % failing.len()];
                let mut t = self.alone_trial(&id, 1);
                t.attempts = Attempts::Replay(index);
                let seen = self.trial(&id, &t, None).await;
                let Some(f) = seen.first().and_then(|o| o.failed) else {
                    decided = false;
                    break;
                };
                runs += 1;
                failed += u32::from(f);
                if !used_failing.contains(&seed(index)) {
                    used_failing.push(seed(index));
                }
                if !f {
                    break;
                }
            }
            let all_failed = decided && runs == k && failed == k;
            let mut used_passing = Vec::new();
            let mut passes_held = all_failed;
            if all_failed {
                for &index in passing.iter().take(diagnose::PASSING_SEED_REPLAYS as usize) {
                    let mut t = self.alone_trial(&id, 1);
                    t.attempts = Attempts::Replay(index);
                    let seen = self.trial(&id, &t, None).await;
                    match seen.first().and_then(|o| o.failed) {
                        Some(f) => {
                            runs += 1;
                            failed += u32::from(f);
                            used_passing.push(seed(index));
                            if f {
                                passes_held = false;
                                break;
                            }
                        }
                        None => {
                            passes_held = false;
                            break;
                        }
                    }
                }
            }
            let random = all_failed && passes_held && !used_passing.is_empty();
            d.experiments.push(Experiment {
                step: Step::Seed,
                setup: match (used_failing.len(), used_passing.len()) {
                    (f, 0) => format!(
                        "the test alone, replaying the seed{} of {f} attempt{} where it failed",
                        if f == 1 { "" } else { "s" },
                        if f == 1 { "" } else { "s" }
                    ),
                    (f, p) => format!(
                        "the test alone, replaying the seeds of {f} attempt{} where it failed and {p} where it passed",
                        if f == 1 { "" } else { "s" }
                    ),
                },
                runs,
                failed,
                p_value: None,
                finding: if random {
                    format!(
                        "every replay of a failing seed failed and every replay of a passing seed passed ({k} failing replays: a test failing at its rate whatever the seed would do that with chance under {:.0}%)",
                        diagnose::ALPHA * 100.0
                    )
                } else if runs == 0 {
                    "no replay could run".to_owned()
                } else {
                    "the seed alone does not decide the outcome".to_owned()
                },
            });
            if random {
                d.cause = Cause::Random;
                d.proven = true;
                d.failing_seeds = used_failing;
                d.passing_seeds = used_passing;
                d.repro = Some(self.line(failing[0], std::slice::from_ref(&id), None, &[]));
                return;
            }
        }
        if self.spent() {
            return;
        }

        // 2. Alone, new seeds, one at a time.
        let plan = AlonePlan::new(stats.failed, stats.runs);
        let t = self.alone_trial(&id, plan.runs.max(plan.all_fail));
        let mut verdict = None;
        let mut judge = |seen: &[Observed]| {
            let outcomes: Vec<bool> = seen.iter().filter_map(|o| o.failed).collect();
            verdict = plan.verdict(&outcomes);
            verdict.is_some()
        };
        let seen = self.trial(&id, &t, Some(&mut judge)).await;
        let (alone_failed, alone_runs) = tally(&seen);
        let Some(alone) = verdict else {
            if alone_runs > 0 {
                d.experiments.push(Experiment {
                    step: Step::Alone,
                    setup: "the test alone, -j 1, new seeds".to_owned(),
                    runs: alone_runs,
                    failed: alone_failed,
                    p_value: None,
                    finding: "cut short before a verdict".to_owned(),
                });
            } else if !self.spent() {
                d.not_run.push(
                    "alone: the test did not run when selected alone (its results were not in the report)".to_owned(),
                );
            }
            return;
        };
        d.experiments.push(Experiment {
            step: Step::Alone,
            setup: "the test alone, -j 1, new seeds".to_owned(),
            runs: alone_runs,
            failed: alone_failed,
            p_value: None,
            finding: match alone {
                Alone::Never => format!(
                    "never failed alone, where it failed {}/{} in the suite",
                    stats.failed, stats.runs
                ),
                Alone::Sometimes => "fails alone too".to_owned(),
                Alone::Always => {
                    "failed every time alone, though it passed in the suite".to_owned()
                }
            },
        });

        // 3. Order: the polluter (never fails alone) or the state-setter (always fails alone).
        let ordered = match alone {
            Alone::Never if !failing.is_empty() => Some((
                self.order_search(&id, &failing, d, true).await,
                Cause::Order,
            )),
            Alone::Never => Some((self.pair_scan(&id, d).await, Cause::Order)),
            Alone::Always if !passing.is_empty() => Some((
                self.order_search(&id, &passing, d, false).await,
                Cause::Brittle,
            )),
            _ => None,
        };
        if let Some((true, cause)) = ordered {
            d.cause = cause;
            d.proven = true;
            return;
        }
        if self.spent() {
            return;
        }

        // 4–6. Copies, time zone, locale, network, load: each against the alone baseline.
        let mut base = (alone_failed, alone_runs);
        if self.contention(&id, &mut base, d).await {
            // Copies at once load the machine too: a test that fails alone as well may only feel
            // that load, and then it is `timing` (the load experiment says so) rather than a
            // shared file, port or cache.
            if base.0 > 0 && !self.spent() {
                self.load(&id, &mut base, d).await;
            }
            return;
        }
        // The environment before load: an attempt under load takes many times longer.
        if self.environment(&id, &mut base, d).await {
            return;
        }
        if self.load(&id, &mut base, d).await {
            return;
        }
        if self.spent() && d.cause == Cause::Undetermined {
            return;
        }
        (d.cause, d.proven) = match alone {
            Alone::Sometimes => (Cause::Inside, true),
            Alone::Never if !failing.is_empty() => (Cause::SuiteDependent, false),
            Alone::Always if !passing.is_empty() => (Cause::SuiteDependent, false),
            _ => (Cause::NotReproduced, false),
        };
        if d.cause == Cause::Inside {
            d.repro = Some(self.alone_line(&id, &[]));
        }
    }

    /// Searches the tests that ran before `id` in one of `attempts` for the smallest set after
    /// which it fails (`fails`: a polluter) or passes (a state-setter). True when found.
    async fn order_search(
        &mut self,
        id: &str,
        attempts: &[u32],
        d: &mut Diagnosis,
        fails: bool,
    ) -> bool {
        let step = if fails {
            Step::Polluter
        } else {
            Step::StateSetter
        };
        let Some(framework) = self.framework else {
            d.not_run.push(format!(
                "{}: the command is the only test flaky reads, so no test can be run before it",
                step.as_str()
            ));
            return false;
        };
        let pin = pinning(framework);
        // An attempt whose order a selection keeps: any with pytest, one that kept the
        // framework's order, or with go one of the same shuffle seed.
        let usable = |i: &u32| pin != Pinning::DefinitionOnly || !self.report.order.shuffles(*i);
        let Some(&index) = attempts.iter().find(|i| usable(i)) else {
            d.not_run.push(format!(
                "{}: {} failed only in shuffled orders, and a selection of its tests does not keep a shuffled order",
                step.as_str(),
                framework.name()
            ));
            return false;
        };
        let before: Vec<String> = {
            let tests = self.attempts[&index];
            let at = if pin == Pinning::SameSeedUnseen {
                tests.len()
            } else {
                tests.iter().position(|(t, _)| t == id).unwrap_or(0)
            };
            let mut seen: Vec<String> = Vec::new();
            for (t, _) in &tests[..at] {
                if t != id && same_process(framework, t, id) && !seen.contains(t) {
                    seen.push(t.clone());
                }
            }
            seen
        };
        if before.is_empty() {
            d.not_run.push(format!(
                "{}: no test ran before it in its process in attempt {index}",
                step.as_str()
            ));
            return false;
        }
        let before_text = match (pin, before.len()) {
            (Pinning::SameSeedUnseen, n) => format!(
                "the {n} other {} of its process in attempt {index} ({} reports no order, so any may have run before it)",
                if n == 1 { "test" } else { "tests" },
                framework.name()
            ),
            (_, 1) => format!("the test that ran before it in attempt {index}"),
            (_, n) => format!("the {n} tests that ran before it in attempt {index}"),
        };
        // With a seed search the order comes from the seed tried, never the attempt's.
        let order = if matches!(pin, Pinning::Given | Pinning::SeedSearch) {
            OrderMode::Same
        } else {
            self.report.order
        };
        let mut checks = 0u32;
        let mut runs = 0u32;
        let mut failed = 0u32;
        let mut wrong_order = false;
        // Runs in which the test gave no result.
        let missing = std::cell::Cell::new(0u32);
        // Runs a set before the test up to this many times, until the condition holds: more
        // than once when the condition holds only sometimes after the whole prefix.
        let tries = std::cell::Cell::new(1u32);
        // With [`Pinning::SeedSearch`], the shuffle seed of the last set that held.
        let shuffle_seed = std::cell::Cell::new(None::<u64>);
        let argv = self.plan.exec.argv.clone();
        // With [`Pinning::SeedSearch`], the seed that put each set checked before the test: a
        // set checked again starts there.
        let ordering = std::cell::RefCell::new(HashMap::<Vec<String>, u64>::new());
        // Whether the condition holds after `set`: None when it could not be checked.
        let mut check = async |lab: &mut Self, set: &[String]| -> Option<bool> {
            let mut select = set.to_vec();
            select.push(id.to_owned());
            let mut t = Trial::replay(index, select, order);
            let mut seed = (pin == Pinning::SeedSearch)
                .then(|| ordering.borrow().get(set).copied().unwrap_or(1));
            // A seed puts the test after all n of the set with a chance of 1 in n + 1.
            let seeds = ORDER_SEEDS.max(4 * (set.len() as u64 + 1));
            let mut held = false;
            let mut done = 0;
            while done < tries.get() {
                if let Some(k) = seed {
                    t.argv = Some(cargo::with_shuffle_seed(&argv, k));
                }
                let seen = lab.trial(id, &t, None).await;
                let o = seen.first()?;
                // The test did not run. When the process ended by itself (a test before it
                // exited or crashed), the set did not make it fail or pass; after a timeout the
                // set was not checked (a hang says nothing of it).
                let Some(f) = o.failed else {
                    if o.timed_out {
                        return None;
                    }
                    done += 1;
                    runs += 1;
                    missing.set(missing.get() + 1);
                    continue;
                };
                // The selected tests must have run before it (where the report shows the order).
                let at = o.order.iter().position(|t| t == id).unwrap_or(0);
                if pin != Pinning::SameSeedUnseen
                    && set
                        .iter()
                        .any(|s| o.order.iter().position(|t| t == s).is_some_and(|p| p > at))
                {
                    match seed.as_mut() {
                        Some(k) if *k < seeds => {
                            *k += 1;
                            continue;
                        }
                        _ => wrong_order = true,
                    }
                }
                if let Some(k) = seed {
                    ordering.borrow_mut().insert(set.to_vec(), k);
                }
                done += 1;
                checks += 1;
                runs += 1;
                failed += u32::from(f);
                if f == fails {
                    held = true;
                    shuffle_seed.set(seed);
                    break;
                }
            }
            Some(held)
        };
        // The whole prefix first, until it holds twice (or [`PREFIX_RUNS`] runs): how often it
        // holds sets how many tries a smaller set gets before it is judged not to hold (a miss
        // then has a chance under 5%).
        let (mut held, mut tried) = (0u32, 0u32);
        while held < 2 && tried < PREFIX_RUNS {
            match check(self, &before).await {
                Some(h) => {
                    tried += 1;
                    held += u32::from(h);
                }
                None => break,
            }
        }
        // (Each check of the prefix is one run.)
        if tried == 0 || missing.get() == tried {
            if !self.spent() {
                let why = self
                    .problem
                    .take()
                    .unwrap_or_else(|| "no result".to_owned());
                d.not_run.push(format!(
                    "{}: the tests before it could not be run with it: {why}",
                    step.as_str()
                ));
            }
            return false;
        }
        let holds = held > 0;
        if held < tried {
            let q = f64::from(held) / f64::from(tried);
            tries.set(((diagnose::ALPHA.ln() / (1.0 - q).ln()).ceil() as u32).clamp(1, MAX_TRIES));
        }
        let (what, whats) = if fails {
            ("fail", "fails")
        } else {
            ("pass", "passes")
        };
        if !holds {
            d.experiments.push(Experiment {
                step,
                setup: format!("{before_text}, then it, -j 1"),
                runs,
                failed,
                p_value: None,
                finding: if wrong_order {
                    format!("{} could not run the tests in that order", framework.name())
                } else {
                    format!(
                        "it did not {what} after them: the order in one process does not explain it"
                    )
                },
            });
            return false;
        }
        let lab = &mut *self;
        let search =
            diagnose::minimise(before.clone(), async |set: &[String]| check(lab, set).await).await;
        // The pair (or set) once more, to be sure.
        let confirmed = check(self, &search.found).await == Some(true);
        let named = diagnose::ticked(&search.found);
        d.experiments.push(Experiment {
            step,
            setup: format!("{before_text}, then smaller sets of them, -j 1 ({checks} checks)"),
            runs,
            failed,
            p_value: None,
            finding: match (confirmed, search.minimal) {
                (true, true) if tries.get() == 1 => format!("it {whats} after {named} alone, every time checked"),
                (true, true) => format!(
                    "it {whats} after {named} alone, though not every time (each set was tried up to {} times)",
                    tries.get()
                ),
                (true, false) => format!("it {whats} after {named} (the budget ended the search before the set was smallest)"),
                (false, _) => format!("{named} did not make it {what} again on a second check"),
            },
        });
        if !confirmed {
            return false;
        }
        let mut select = search.found.clone();
        select.push(id.to_owned());
        let pinned = match shuffle_seed.get() {
            Some(k) => {
                let mut plan = self.plan.clone();
                plan.exec.argv = cargo::with_shuffle_seed(&plan.exec.argv, k);
                self.line_on(plan, index, &select, Some(order), &[])
            }
            None => self.line(index, &select, Some(order), &[]),
        };
        if fails {
            d.polluters = search.found.clone();
            d.repro = Some(pinned);
            if pin == Pinning::Given && search.found.len() == 1 {
                self.cleaner(id, index, &search.found[0], d).await;
            }
        } else {
            d.state_setters = search.found.clone();
            // The test alone fails; the pair passes.
            d.repro = Some(format!(
                "{}\n# passes after {named}:\n{}",
                self.line(index, &[id.to_owned()], None, &[]),
                pinned
            ));
        }
        true
    }

    /// A test that never failed in the run (named with `--test`) has no failing order to search:
    /// the polluters found for other tests of the run run before it first, then each other test
    /// of its process alone (those of its own file first), until one makes it fail twice, as
    /// iPFlakies does for a known victim. Only where the selection's order is the order given
    /// (pytest). True when a polluter is found.
    async fn pair_scan(&mut self, id: &str, d: &mut Diagnosis) -> bool {
        let step = Step::Polluter;
        let framework = match self.framework {
            Some(f) if pinning(f) == Pinning::Given => f,
            Some(f) => {
                d.not_run.push(format!(
                    "{}: it never failed in the run, so there is no failing order to search, and {} cannot run a chosen test before it",
                    step.as_str(),
                    f.name()
                ));
                return false;
            }
            None => return false,
        };
        let Some(&index) = self.attempt_order.first() else {
            return false;
        };
        let file = |t: &str| t.split_once("::").map_or(t, |(f, _)| f).to_owned();
        let mut candidates: Vec<String> = Vec::new();
        for i in &self.attempt_order {
            for (t, _) in self.attempts[i] {
                if t != id && same_process(framework, t, id) && !candidates.contains(t) {
                    candidates.push(t.clone());
                }
            }
        }
        // Its own file's tests first: a polluter is most often a neighbour.
        candidates.sort_by_key(|t| file(t) != file(id));
        let mut sets: Vec<Vec<String>> = Vec::new();
        for set in &self.known_polluters {
            if set.iter().all(|t| candidates.contains(t)) && !sets.contains(set) {
                sets.push(set.clone());
            }
        }
        let known = sets.len();
        sets.extend(candidates.iter().map(|c| vec![c.clone()]));
        if sets.is_empty() {
            return false;
        }
        let (mut runs, mut failed, mut tried) = (0u32, 0u32, 0usize);
        let mut found = None;
        'scan: for set in &sets {
            tried += 1;
            for check in 0..2 {
                let mut select = set.clone();
                select.push(id.to_owned());
                let t = Trial::replay(index, select, OrderMode::Same);
                let seen = self.trial(id, &t, None).await;
                let Some(o) = seen.first() else {
                    break 'scan;
                };
                let Some(f) = o.failed else { continue 'scan };
                runs += 1;
                failed += u32::from(f);
                if !f {
                    continue 'scan;
                }
                if check == 1 {
                    found = Some(set.clone());
                    break 'scan;
                }
            }
        }
        let n = sets.len();
        let known_text = match known {
            0 => String::new(),
            1 => "the polluter found for another test of the run, then ".to_owned(),
            k => format!("the {k} polluters found for other tests of the run, then "),
        };
        d.experiments.push(Experiment {
            step,
            setup: format!(
                "{known_text}each of the {} other tests of its process alone before it, its own file's first, -j 1 (it never failed in the run, so no failing order was there to search)",
                candidates.len()
            ),
            runs,
            failed,
            p_value: None,
            finding: match &found {
                Some(set) => format!("it fails after {} alone, twice", diagnose::ticked(set)),
                None if tried < n || self.spent() => format!(
                    "nothing made it fail in the {tried} of {n} tried before the budget ended"
                ),
                None => "nothing run before it makes it fail".to_owned(),
            },
        });
        let Some(set) = found else {
            return false;
        };
        let mut select = set.clone();
        select.push(id.to_owned());
        d.repro = Some(self.line(index, &select, Some(OrderMode::Same), &[]));
        d.polluters = set;
        true
    }

    /// Looks for tests that, run between the polluter and the victim, make it pass again.
    async fn cleaner(&mut self, id: &str, index: u32, polluter: &str, d: &mut Diagnosis) {
        let Some(framework) = self.framework else {
            return;
        };
        let mut candidates: Vec<String> = Vec::new();
        for i in &self.attempt_order {
            for (t, _) in self.attempts[i] {
                if t != id
                    && t != polluter
                    && same_process(framework, t, id)
                    && !candidates.contains(t)
                {
                    candidates.push(t.clone());
                }
            }
        }
        if candidates.is_empty() {
            return;
        }
        let mut checks = 0u32;
        let mut runs = 0u32;
        let mut failed = 0u32;
        let passes = async |lab: &mut Self,
                            set: &[String],
                            checks: &mut u32,
                            runs: &mut u32,
                            failed: &mut u32|
               -> Option<bool> {
            if *checks >= CLEANER_CHECKS {
                return None;
            }
            *checks += 1;
            let mut select = vec![polluter.to_owned()];
            select.extend(set.iter().cloned());
            select.push(id.to_owned());
            let t = Trial::replay(index, select, OrderMode::Same);
            let seen = lab.trial(id, &t, None).await;
            let f = seen.first()?.failed?;
            *runs += 1;
            *failed += u32::from(f);
            Some(!f)
        };
        if passes(self, &candidates, &mut checks, &mut runs, &mut failed).await != Some(true) {
            d.experiments.push(Experiment {
                step: Step::Cleaner,
                setup: format!(
                    "the polluter, the {} other tests, then it",
                    candidates.len()
                ),
                runs,
                failed,
                p_value: None,
                finding: "no other test undoes what the polluter leaves".to_owned(),
            });
            return;
        }
        let lab = &mut *self;
        let search = diagnose::minimise(candidates, async |set: &[String]| {
            passes(lab, set, &mut checks, &mut runs, &mut failed).await
        })
        .await;
        d.experiments.push(Experiment {
            step: Step::Cleaner,
            setup: "the polluter, other tests, then it".to_owned(),
            runs,
            failed,
            p_value: None,
            finding: format!(
                "it passes when {} runs between them{}",
                search.found.join(", "),
                if search.minimal {
                    ""
                } else {
                    " (search cut short)"
                }
            ),
        });
        if search.minimal {
            d.cleaners = search.found;
        }
    }

    /// 4. Copies of the test at once against the test alone.
    async fn contention(&mut self, id: &str, base: &mut (u32, u32), d: &mut Diagnosis) -> bool {
        let jobs = self.cores.max(2);
        let (mut runs, mut failed) = (0u32, 0u32);
        let mut p = None;
        // Up to three rounds while copies fail but not yet beyond chance: on a loaded machine the
        // copies start further apart and overlap less, so fewer of them fail.
        const ROUNDS: u32 = 3;
        for round in 1..=ROUNDS {
            let mut t = self.alone_trial(id, 4 * jobs);
            t.jobs = jobs;
            // Each copy on a CPU of its own: copies must share a file, port or cache to fail,
            // not merely the CPU (that is load, the timing experiment's business).
            t.isolation.spread = true;
            let seen = self.trial(id, &t, None).await;
            let (f, r) = tally(&seen);
            runs += r;
            failed += f;
            p = diagnose::rises(failed, runs, base.0, base.1, ROUNDS);
            if p.is_some() || failed == 0 || round == ROUNDS || self.spent() {
                break;
            }
        }
        if runs == 0 {
            return false;
        }
        if p.is_none() {
            p = self
                .firm_up(id, base, d, (failed, runs), ROUNDS + 1, diagnose::rises)
                .await;
        }
        d.experiments.push(Experiment {
            step: Step::Contention,
            setup: format!(
                "{jobs} copies of the test at once (-j {jobs}), each on a CPU of its own"
            ),
            runs,
            failed,
            p_value: p,
            finding: if p.is_some() {
                "fails more with copies running at once than alone".to_owned()
            } else {
                "copies at once change nothing beyond chance".to_owned()
            },
        });
        if p.is_some() {
            d.cause = Cause::Contention;
            d.proven = true;
            let line = self.alone_line(id, &[]);
            // Two copies at once; the line's status is non-zero when either failed. One line,
            // so nothing is left running when it is pasted piecemeal.
            d.repro = Some(format!("({line}) & ({line}); s=$?; wait $! && [ $s = 0 ]"));
        }
        p.is_some()
    }

    /// 5. The test alone on one CPU that flaky keeps busy.
    async fn load(&mut self, id: &str, base: &mut (u32, u32), d: &mut Diagnosis) -> bool {
        let cpu = load_cpu();
        let load = match Load::start(cpu, LOAD_THREADS) {
            Ok(l) => l,
            Err(e) => {
                d.not_run
                    .push(format!("load: cannot start the busy threads ({e})"));
                return false;
            }
        };
        let mut t = self.alone_trial(id, CHANGE_RUNS);
        t.isolation.cpu = Some(cpu);
        let (seen, mut p) = self.judged(id, &t, *base, diagnose::rises).await;
        drop(load);
        if p.is_none() {
            p = self
                .firm_up(id, base, d, tally(&seen), CHANGE_RUNS + 1, diagnose::rises)
                .await;
        }
        record_change(
            d,
            Step::Load,
            format!(
                "the test alone, pinned to CPU {cpu} with {LOAD_THREADS} busy threads of flaky's on it"
            ),
            tally(&seen),
            p,
            "fails more under load",
        );
        if p.is_some() {
            d.cause = Cause::Timing;
            d.proven = true;
            let line = self.alone_line(id, &[]);
            d.repro = Some(format!(
                "for i in $(seq {LOAD_THREADS}); do taskset -c {cpu} sh -c 'while :; do :; done' & done; taskset -c {cpu} sh -c {}; s=$?; kill $(jobs -p); [ $s = 0 ]",
                config::display_command(&[line])
            ));
        }
        p.is_some()
    }

    /// 6. Another time zone, another locale, no network.
    async fn environment(&mut self, id: &str, base: &mut (u32, u32), d: &mut Diagnosis) -> bool {
        for zone in TIME_ZONES {
            let vars = [("TZ", zone)];
            let setup = format!("the test alone with TZ={zone}");
            if self
                .with_vars(id, base, d, &vars, setup, Cause::TimeZone)
                .await
            {
                return true;
            }
        }
        let vars = [("LANG", LOCALE), ("LC_ALL", LOCALE)];
        let setup = format!("the test alone with LANG=LC_ALL={LOCALE}");
        if self
            .with_vars(id, base, d, &vars, setup, Cause::Locale)
            .await
        {
            return true;
        }
        if let Err(why) = &self.network {
            d.not_run
                .push(format!("network: no network namespace here: {why}"));
            return false;
        }
        let mut t = self.alone_trial(id, CHANGE_RUNS / 2);
        t.isolation.no_network = true;
        let (seen, p) = self.changed(id, &t, base, d).await;
        record_change(
            d,
            Step::Network,
            "the test alone in a network namespace with only a loopback".to_owned(),
            tally(&seen),
            p,
            "its outcome changes without a network",
        );
        if p.is_some() {
            d.cause = Cause::Network;
            d.proven = true;
            let line = self.alone_line(id, &[]);
            d.repro = Some(format!(
                "unshare --user --map-current-user --net sh -c {}",
                config::display_command(&[line])
            ));
            return true;
        }
        false
    }

    /// Runs `t` (the test alone, one change made) and tells whether its outcome changed from
    /// `base`, firming the baseline up where that could tell.
    async fn changed(
        &mut self,
        id: &str,
        t: &Trial,
        base: &mut (u32, u32),
        d: &mut Diagnosis,
    ) -> (Vec<Observed>, Option<f64>) {
        let (seen, mut p) = self.judged(id, t, *base, diagnose::changes).await;
        if p.is_none() {
            let looks = CHANGE_RUNS / 2 + 1;
            p = self
                .firm_up(id, base, d, tally(&seen), looks, diagnose::changes)
                .await;
        }
        (seen, p)
    }

    /// The test alone with `vars` set: whether its outcome changes from `base` (then `cause`,
    /// with the repro line).
    async fn with_vars(
        &mut self,
        id: &str,
        base: &mut (u32, u32),
        d: &mut Diagnosis,
        vars: &[(&str, &str)],
        setup: String,
        cause: Cause,
    ) -> bool {
        let mut t = self.alone_trial(id, CHANGE_RUNS / 2);
        t.env
            .extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let (seen, p) = self.changed(id, &t, base, d).await;
        let (step, found) = match cause {
            Cause::TimeZone => (Step::TimeZone, "its outcome changes with the time zone"),
            _ => (Step::Locale, "its outcome changes with the locale"),
        };
        record_change(d, step, setup, tally(&seen), p, found);
        if p.is_none() {
            return false;
        }
        d.cause = cause;
        d.proven = true;
        d.repro = Some(self.alone_line(id, vars));
        true
    }

    /// An experiment that moved the rate without proving anything may owe that to a short
    /// baseline: the test runs alone until the baseline has [`BASE_RUNS`] attempts, and the
    /// experiment's counts are judged again against it (one look more).
    async fn firm_up(
        &mut self,
        id: &str,
        base: &mut (u32, u32),
        d: &mut Diagnosis,
        (failed, runs): (u32, u32),
        looks: u32,
        test: Compare,
    ) -> Option<f64> {
        // Only when a longer baseline at the rate seen so far would prove it.
        if runs == 0 || base.1 == 0 || base.1 >= BASE_RUNS || self.spent() {
            return None;
        }
        let likely = (u64::from(base.0) * u64::from(BASE_RUNS)).div_ceil(u64::from(base.1)) as u32;
        test(failed, runs, likely, BASE_RUNS, looks)?;
        let t = self.alone_trial(id, BASE_RUNS - base.1);
        let (f, r) = tally(&self.trial(id, &t, None).await);
        base.0 += f;
        base.1 += r;
        if let Some(alone) = d.experiments.iter_mut().find(|e| e.step == Step::Alone) {
            alone.runs += r;
            alone.failed += f;
            alone.finding = format!(
                "{} (with {r} more runs alone to firm up the baseline)",
                alone.finding
            );
        }
        test(failed, runs, base.0, base.1, looks)
    }

    /// Runs `t` one attempt at a time until `test` finds a difference from `base` (over as many
    /// looks as the trial has attempts) or the attempts are spent.
    async fn judged(
        &mut self,
        id: &str,
        t: &Trial,
        base: (u32, u32),
        test: Compare,
    ) -> (Vec<Observed>, Option<f64>) {
        let looks = match t.attempts {
            Attempts::Fresh(n) => n,
            Attempts::Replay(_) => 1,
        };
        let mut p = None;
        let mut judge = |seen: &[Observed]| {
            let (failed, runs) = tally(seen);
            p = test(failed, runs, base.0, base.1, looks);
            p.is_some()
        };
        let seen = self.trial(id, t, Some(&mut judge)).await;
        (seen, p)
    }

    /// The shell line that runs attempt `index` of the `select`ed tests (in `order`, where
    /// given), with extra variables.
    fn line(
        &self,
        index: u32,
        select: &[String],
        order: Option<OrderMode>,
        env: &[(&str, &str)],
    ) -> String {
        self.line_on(self.plan.clone(), index, select, order, env)
    }

    /// As [`Self::line`], of another plan (another command).
    fn line_on(
        &self,
        mut plan: RunPlan,
        index: u32,
        select: &[String],
        order: Option<OrderMode>,
        env: &[(&str, &str)],
    ) -> String {
        if let Some(o) = order {
            plan.exec.order = o;
        }
        plan.exec
            .env
            .retain(|(k, _)| !env.iter().any(|(e, _)| e == k));
        plan.exec
            .env
            .extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let select = self.framework.map(|_| select);
        let cwd = std::env::current_dir().unwrap_or_default();
        super::run::reproduce(&plan, &cwd, index, select)
    }

    /// The shell line that runs the test alone with a new seed, with extra variables.
    fn alone_line(&self, id: &str, env: &[(&str, &str)]) -> String {
        self.line(self.next_index, &[id.to_owned()], None, env)
    }
}

/// Adds an experiment that compared the test under one change with it alone: `found` is what
/// a difference (a p-value) shows. One that got no result is left out.
fn record_change(
    d: &mut Diagnosis,
    step: Step,
    setup: String,
    (failed, runs): (u32, u32),
    p: Option<f64>,
    found: &str,
) {
    if runs == 0 {
        return;
    }
    d.experiments.push(Experiment {
        step,
        setup,
        runs,
        failed,
        p_value: p,
        finding: if p.is_some() {
            found.to_owned()
        } else {
            "no change beyond chance".to_owned()
        },
    });
}

/// Why an attempt gave no result for the test, in a line.
fn no_result(a: &Attempt, timeout: Duration) -> String {
    let stderr = a.stderr.text();
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    if let Some(why) = &a.infrastructure {
        return match last {
            Some(line) => format!(
                "{}; its output ended with: {}",
                why.reason,
                crate::render::terminal_text(line.trim())
            ),
            None => why.reason.clone(),
        };
    }
    match last {
        Some(line) => format!(
            "{}: {}",
            describe_exit(a.exit, timeout),
            crate::render::terminal_text(line.trim())
        ),
        None => format!(
            "{}, and the test was not in its results",
            describe_exit(a.exit, timeout)
        ),
    }
}

fn observe(a: &Attempt, victim: &str, command_mode: bool) -> Observed {
    let order: Vec<String> = a.tests.iter().map(|t| t.id.clone()).collect();
    let failed = a
        .tests
        .iter()
        .find(|t| t.id == victim)
        .map(|t| t.outcome)
        .or_else(|| command_mode.then(|| a.outcome()))
        .filter(|o| *o != Outcome::Skip)
        .map(Outcome::is_failure);
    Observed {
        failed,
        order,
        timed_out: a.exit == Exit::Timeout,
    }
}

/// Joins the scan's smells of the test to its diagnosis: those of the proven cause's kind
/// explain it; the others are shown as lower confidence.
fn join_evidence(d: &mut Diagnosis, causes: &[crate::scan::LikelyCauses]) {
    let Some(found) = causes.iter().find(|c| c.test == d.test) else {
        return;
    };
    d.evidence = found
        .causes
        .iter()
        .map(|c| StaticEvidence {
            category: c.category.clone(),
            file: c.file.clone(),
            line: c.line,
            message: c.message.clone(),
            agrees: d.cause.categories().contains(&c.category.as_str()),
        })
        .collect();
    d.evidence.sort_by_key(|e| !e.agrees);
}
