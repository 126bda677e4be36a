//! The local backend: each attempt is a process group with a private TMPDIR, run `jobs` at once.
//!
//! Each job slot is a blocking thread that runs attempt after attempt while it may: it spawns the
//! command, then waits in one `poll` on the output pipes, a pidfd of the child and a stop
//! wake-up pipe. The async side only starts the slots, waits for what the slots cannot take
//! without waiting (permits of gated runs) and turns the caller's stop into the wake-up. So an
//! attempt costs its process and little else: no tokio task, timer or SIGCHLD round trip, one
//! wake-up of the task that reads the events, and no directory made and removed (an ended
//! attempt's directory, found empty, is renamed for the next: see [`Slots::attempt_dir`]).
//! scripts/bench.sh, section 1 (`scripts/bench.sh overhead`), measures it against xargs.

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::company::{Company, Seat};
use super::orphans::Orphans;
use super::prebuilt::{self, Build, Prebuilt, Step};
use super::seed::{attempt_env, attempt_seed};
use super::{
    Backend, EXCERPT_BYTES, ExcerptBuf, ExecError, ExecPlan, Reporting, StopSignal, derived_timeout,
};
use crate::analysis::infra::judge;
use crate::events::RunEvent;
use crate::framework::{AttemptCtx, Repeat, ReportSource};
use crate::model::{Attempt, Excerpt, Exit, TestResult};

/// How long output readers may go on after the attempt's group was killed: only a process that
/// left the group (setsid) can still hold the pipes open, and it is not waited for.
const READER_GRACE: Duration = Duration::from_secs(2);

/// How often a child is looked at when the kernel gives no pidfd (before Linux 5.3).
const EXIT_POLL: Duration = Duration::from_millis(5);

/// Bytes read from a pipe at once.
const CHUNK: usize = 64 * 1024;

/// Runs attempts as local processes.
#[derive(Debug, Default)]
pub struct LocalBackend;

impl Backend for LocalBackend {
    async fn execute(
        &self,
        plan: &ExecPlan,
        events: mpsc::UnboundedSender<RunEvent>,
        mut stop: StopSignal,
    ) -> Result<(), ExecError> {
        let root = TempRoot::create(&plan.run_id, plan.attempts.start)?;
        write_support_files(plan)?;
        let prebuilt = match prebuilt::build(plan, &root.path, &mut stop, &events).await? {
            Build::Built(p) => Some(p),
            Build::NotBuilt => None,
            Build::Stopped => {
                root.remove(&events);
                return Ok(());
            }
        };
        let kill = Kill::new().map_err(|source| ExecError::Setup {
            what: "a pipe to stop them",
            source,
        })?;
        let notices = events.clone();
        let slots = Arc::new(Slots {
            plan: plan.clone(),
            root: root.path.clone(),
            spare: Mutex::new(Vec::new()),
            events,
            permits: stop.clone(),
            next: Mutex::new(plan.attempts.start),
            derived: OnceLock::new(),
            kill,
            company: Company::new(plan.jobs, plan.base_seed),
            orphans: Orphans::adopt(&plan.run_id),
            prebuilt,
            own_coverage_file: std::env::var_os("COVERAGE_FILE").is_none()
                && !plan.env.iter().any(|(k, _)| k == "COVERAGE_FILE"),
        });
        // Should this future be dropped before the end, the slots stop too.
        let stop_on_drop = StopOnDrop(Arc::clone(&slots));
        let jobs = plan.jobs as usize;
        let mut running = JoinSet::new();
        let mut failure = None;
        let mut stopping = false;
        loop {
            while running.len() < jobs
                && let Some(batch) = slots.claim()
            {
                let slots = Arc::clone(&slots);
                running.spawn_blocking(move || slots.run_from(batch));
            }
            // Only a permit is missing (gated runs): wait for one.
            let waiting = running.len() < jobs && slots.may_start();
            if running.is_empty() && !waiting {
                break;
            }
            tokio::select! {
                joined = running.join_next(), if !running.is_empty() => match joined {
                    Some(Ok(Ok(()))) | None => {}
                    Some(Ok(Err(e))) => {
                        failure.get_or_insert(e);
                        slots.kill.stop();
                    }
                    Some(Err(e)) => std::panic::resume_unwind(e.into_panic()),
                },
                // A permit was handed out (gated runs): go round and start the next attempt.
                () = slots.permits.permit_available(), if waiting => {}
                () = stop.stopped(), if !stopping => {
                    stopping = true;
                    slots.kill.stop();
                }
            }
        }
        // Every slot has returned: nothing the attempts started may go on.
        slots.orphans.sweep_all();
        drop((stop_on_drop, slots));
        root.remove(&notices);
        failure.map_or(Ok(()), Err)
    }
}

/// What the job slots share: the plan, the next attempt to start, and the stop.
struct Slots {
    plan: ExecPlan,
    root: PathBuf,
    /// The directories of ended attempts, for the next attempts (see [`Self::attempt_dir`]).
    spare: Mutex<Vec<AttemptDir>>,
    events: mpsc::UnboundedSender<RunEvent>,
    /// The caller's signal: draining and permits.
    permits: StopSignal,
    next: Mutex<u32>,
    /// The timeout of the attempts started from now on, once the first attempt that ran the
    /// tests ended (plans with [`ExecPlan::timeout_from_first`]).
    derived: OnceLock<Duration>,
    /// Stops the attempts: on the caller's stop, and on a spawn error of any attempt.
    kill: Kill,
    /// Which attempts run alongside which (contention), and the solo probes.
    company: Company,
    /// What the attempts leave running outside their process groups.
    orphans: Orphans,
    /// The test binaries built before the first attempt, which the attempts run.
    prebuilt: Option<Prebuilt>,
    /// Whether each attempt gets a coverage.py data file of its own (the user set none).
    own_coverage_file: bool,
}

impl Slots {
    /// The first of `finished` that ran the tests (its results read, not killed at the timeout)
    /// sets the timeout of the attempts started after it, when the plan derives it. The ones
    /// running already keep theirs.
    fn derive_timeout(&self, finished: &[Attempt]) {
        if !self.plan.timeout_from_first || self.derived.get().is_some() {
            return;
        }
        let Some(first) = finished
            .iter()
            .find(|a| a.infrastructure.is_none() && a.exit != Exit::Timeout)
        else {
            return;
        };
        let timeout = derived_timeout(first.duration, self.plan.timeout);
        if self.derived.set(timeout).is_ok() {
            let _ = self.events.send(RunEvent::TimeoutDerived {
                timeout,
                first: first.duration,
            });
        }
    }

    /// How long an attempt started now may run.
    fn timeout(&self) -> Duration {
        self.derived.get().copied().unwrap_or(self.plan.timeout)
    }

    /// Whether another attempt may start once a permit is there.
    fn may_start(&self) -> bool {
        let next = *self.next.lock().unwrap_or_else(PoisonError::into_inner);
        !self.kill.is_stopped() && !self.permits.is_draining() && next < self.plan.attempts.end
    }

    /// The indexes of the next attempts to start (one, or a `--batch` of them), if they may start
    /// now.
    fn claim(&self) -> Option<Range<u32>> {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        if self.kill.is_stopped() || *next >= self.plan.attempts.end {
            return None;
        }
        // The permit first: the caller drains before it releases the permit of a judged
        // attempt, so whoever holds that permit also sees the drain.
        if self.permits.is_draining() || !self.permits.take_permit() || self.permits.is_draining() {
            return None;
        }
        let first = *next;
        *next = (first + self.plan.batch).min(self.plan.attempts.end);
        Some(first..*next)
    }

    /// One job slot: runs the attempts of `first`, then every next ones it may start without
    /// waiting.
    ///
    /// An attempt's end is reported once the next one has started, with its start: the two
    /// events then cost the receiving task one wake-up, not two. The order of events stays the
    /// same, and so does every decision: the next attempt needs its permit in any case.
    fn run_from(&self, first: Range<u32>) -> Result<(), ExecError> {
        let mut chunk = vec![0u8; CHUNK];
        let mut running = self.start(first);
        loop {
            let started = match running {
                Ok(started) => started,
                Err(e) => {
                    // The other slots stop at once, as they would on the caller's stop.
                    self.kill.stop();
                    return Err(e);
                }
            };
            if let Some(r) = &started {
                for index in r.batch.clone() {
                    let _ = self.events.send(RunEvent::AttemptStarted { index });
                }
            }
            let finished = started.map_or_else(Vec::new, |r| self.finish(r, &mut chunk));
            self.derive_timeout(&finished);
            let next = self.claim();
            let last = next.is_none();
            running = next.map_or(Ok(None), |batch| self.start(batch));
            for attempt in finished {
                let _ = self
                    .events
                    .send(RunEvent::AttemptFinished(Box::new(attempt)));
            }
            if last {
                return Ok(());
            }
        }
    }
}

/// Stops every running attempt and wakes the slots waiting on them.
struct Kill {
    stopped: AtomicBool,
    /// Dropped on stop: every slot polling `wake` then sees it hung up.
    wake_tx: Mutex<Option<OwnedFd>>,
    wake: OwnedFd,
}

impl Kill {
    fn new() -> std::io::Result<Self> {
        // Close-on-exec: a child holding the write end would keep the stop from being seen.
        let (wake, wake_tx) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        Ok(Self {
            stopped: AtomicBool::new(false),
            wake_tx: Mutex::new(Some(wake_tx)),
            wake,
        })
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        drop(
            self.wake_tx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

struct StopOnDrop(Arc<Slots>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.kill.stop();
    }
}

/// Writes the files the framework's attempts share (unless they are already there, unchanged).
fn write_support_files(plan: &ExecPlan) -> Result<(), ExecError> {
    let Reporting::Framework { framework, .. } = &plan.reporting else {
        return Ok(());
    };
    for (rel, content) in framework.driver().support_files() {
        let path = plan.support_dir.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(*content) {
            continue;
        }
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // Written aside and renamed, so a concurrent run never reads half a file.
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, content)?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|source| ExecError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// The run's directory of private temporary directories, removed when dropped.
///
/// Other processes may run attempts of the same run at the same time (two shards of a remote
/// run on one worker host): the directory is made new, never one that exists already, so each
/// removes only its own.
struct TempRoot {
    path: PathBuf,
}

impl TempRoot {
    fn create(run_id: &str, first: u32) -> Result<Self, ExecError> {
        let pid = std::process::id();
        let mut n = 0u32;
        loop {
            let path = std::env::temp_dir().join(format!("flaky-{run_id}-{first}-{pid}-{n}"));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
                Err(source) => return Err(ExecError::TempDir { path, source }),
            }
        }
    }
}

impl TempRoot {
    /// Removes the directory and all the attempts left in it; what could not be removed is
    /// said (a test that made part of its directory unreadable is fixed up first).
    fn remove(mut self, events: &mpsc::UnboundedSender<RunEvent>) {
        let path = std::mem::take(&mut self.path);
        if let Err(e) = remove_tree(&path) {
            let _ = events.send(RunEvent::Notice(format!(
                "cannot remove the run's temporary directory {}: {e}; remove it by hand",
                path.display()
            )));
        }
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = remove_tree(&self.path);
        }
    }
}

/// Removes the temporary directories process `pid` made for run `run_id` (see [`TempRoot`]).
pub(super) fn remove_run_dirs(run_id: &str, pid: u32) -> std::io::Result<()> {
    let prefix = format!("flaky-{run_id}-");
    let pid = format!("-{pid}-");
    for entry in std::fs::read_dir(std::env::temp_dir())?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(rest) = name.strip_prefix(&prefix)
            && rest.contains(&pid)
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            remove_tree(&entry.path())?;
        }
    }
    Ok(())
}

/// Removes a directory tree a test wrote, even where it took away our permissions: after a
/// failed first try every directory in it is made ours to read, write and enter, then again.
fn remove_tree(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {}
        _ => return Ok(()),
    }
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            // Not through symbolic links: only what is inside the tree.
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                dirs.push(entry.path());
            }
        }
    }
    std::fs::remove_dir_all(path)
}

impl Slots {
    /// Starts the attempts of `batch` (usually one) in one process; `None` when the run is
    /// stopping. [`RunEvent::AttemptStarted`] is for the caller to send.
    fn start(&self, batch: Range<u32>) -> Result<Option<Running>, ExecError> {
        let index = batch.start;
        if self.kill.is_stopped() {
            return Ok(None);
        }
        let Some(seat) = self.company.join(index, &|| self.kill.is_stopped()) else {
            return Ok(None);
        };
        let plan = &self.plan;
        let seed = attempt_seed(plan.base_seed, index);
        let order_seed = plan.order.shuffles(index).then_some(seed);
        let tmp = self.attempt_dir(index)?;
        let dir = tmp.path.as_path();

        let prepared = prepare(plan, self.prebuilt.as_ref(), batch.clone(), dir, order_seed);
        for (path, content) in &prepared.files {
            std::fs::write(path, content).map_err(|source| ExecError::Write {
                path: path.clone(),
                source,
            })?;
        }
        if let Some(ReportSource::File(report)) = &prepared.report {
            // A report left by an earlier attempt (`--junit` to a fixed path) must not be read again.
            let _ = std::fs::remove_file(report);
        }
        let stdout_file = match prepared.report {
            Some(ReportSource::Stdout { merge_stderr }) => {
                Some((dir.join("stdout.log"), merge_stderr))
            }
            _ => None,
        };
        let mut steps = prepared.steps.into_iter();
        let step = steps.next().expect("an attempt has a step");
        let started = Instant::now();
        let mut child = self.spawn(&step, &seat, seed, dir, &prepared.env, &stdout_file)?;
        let output = Output::new(child.stdout.take(), child.stderr.take());
        Ok(Some(Running {
            timeout: self.timeout(),
            batch,
            seed,
            order_seed,
            tmp,
            report: prepared.report,
            stdout_file,
            pgid: Pid::from_raw(child.id() as i32),
            child,
            started,
            output,
            seat,
            step,
            steps,
            env: prepared.env,
        }))
    }

    /// Starts one step of the attempt in `seat` in a process group of its own.
    fn spawn(
        &self,
        step: &Step,
        seat: &Seat,
        seed: u64,
        tmp: &Path,
        env: &[(String, String)],
        stdout_file: &Option<(PathBuf, bool)>,
    ) -> Result<Child, ExecError> {
        let plan = &self.plan;
        let index = seat.index();
        let argv = plan.isolation.wrap(&step.argv, seat.place());
        let mut cmd = std::process::Command::new(&argv[0]);
        for name in &plan.env_remove {
            cmd.env_remove(name);
        }
        cmd.args(&argv[1..])
            .current_dir(&step.dir)
            .envs(plan.env.iter().map(|(k, v)| (k, v)))
            .envs(attempt_env(index, seed))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .envs(step.env.iter().map(|(k, v)| (k, v)))
            .env("FLAKY_RUN_ID", &plan.run_id)
            .env("TMPDIR", tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // coverage.py's data file (pytest-cov's `--cov`) is one file in the project that
        // attempts side by side would write at once: each gets its own, unless the user chose.
        if self.own_coverage_file {
            cmd.env("COVERAGE_FILE", tmp.join(".coverage"));
        }
        if let Some((path, merge)) = stdout_file {
            // The report is the output itself: it goes to a file (in order, with stderr when the
            // parser needs both), so memory stays flat however long it is. The steps of an
            // attempt on prebuilt binaries add to it one after the other.
            let merge = *merge || step.go_text;
            let write = || {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?;
                if let Some(banner) = &step.banner {
                    std::io::Write::write_all(&mut file, banner.as_bytes())?;
                }
                Ok(file)
            };
            let file = write().map_err(|source| ExecError::Write {
                path: path.clone(),
                source,
            })?;
            if merge {
                let err = file.try_clone().map_err(|source| ExecError::Write {
                    path: path.clone(),
                    source,
                })?;
                cmd.stderr(err);
            }
            cmd.stdout(file);
        }
        cmd.spawn().map_err(|source| ExecError::Spawn {
            program: step.argv[0].clone(),
            source,
        })
    }

    /// Waits for a started attempt (or batch of them) to end; the attempts, unless they were
    /// stopped.
    fn finish(&self, running: Running, chunk: &mut [u8]) -> Vec<Attempt> {
        let plan = &self.plan;
        let Running {
            timeout,
            batch,
            seed,
            order_seed,
            tmp,
            report,
            stdout_file,
            pgid,
            mut child,
            started,
            mut output,
            seat,
            mut step,
            mut steps,
            env,
        } = running;
        let index = batch.start;
        // A batch's attempts each have the timeout.
        let deadline = started.checked_add(timeout.saturating_mul(batch.len() as u32));
        let mut pgid = pgid;
        // The attempt's exit: its first failing step's, else the last step's.
        let mut failed = None;
        let waited = loop {
            let pidfd = pidfd(&child);
            let waited = wait(
                &mut child,
                pidfd.as_ref(),
                pgid,
                deadline,
                &self.kill,
                &mut output,
                chunk,
            );
            let Ended::Exited(exit) = waited else {
                break waited;
            };
            if exit != Exit::Code(0) {
                failed.get_or_insert(exit);
            }
            // What the step left running goes before its end is noted and the next one starts.
            kill_group(pgid);
            if step.go_text
                && let Some((path, _)) = &stdout_file
                && let Err(e) = append(path, &crate::parse::gotext::exit_line(exit))
            {
                output.note(&format!("flaky: {e}\n"));
            }
            let Some(next_step) = steps.next() else {
                break Ended::Exited(failed.unwrap_or(exit));
            };
            step = next_step;
            output.read_to_end(chunk);
            match self.spawn(&step, &seat, seed, &tmp.path, &env, &stdout_file) {
                Ok(mut next) => {
                    output.attach(next.stdout.take(), next.stderr.take());
                    pgid = Pid::from_raw(next.id() as i32);
                    child = next;
                }
                Err(e) => {
                    output.note(&format!("flaky: {e}\n"));
                    break Ended::Exited(failed.unwrap_or(Exit::Code(127)));
                }
            }
        };
        let exit = match waited {
            Ended::Exited(exit) => exit,
            Ended::TimedOut => {
                kill_group(pgid);
                let _ = child.wait();
                Exit::Timeout
            }
            Ended::Stopped => {
                kill_group(pgid);
                let _ = child.wait();
                kill_group(pgid);
                return Vec::new();
            }
        };
        let duration = started.elapsed();
        // Whatever the command left running goes too, in its group or escaped from it: it would
        // hold the pipes open and disturb the next attempts.
        kill_group(pgid);
        self.orphans.sweep_attempt(index);
        let alone = seat.alone();
        drop(seat);
        let (mut stdout, stderr) = output.drain(chunk);
        if let Some((path, _)) = &stdout_file {
            stdout = excerpt_of_file(path);
        }

        if batch.len() > 1 {
            let path = match &report {
                Some(ReportSource::File(p)) => p.clone(),
                _ => tmp.path.join("batch.jsonl"),
            };
            let ended = ProcessEnd {
                exit,
                timeout,
                duration,
                alone,
            };
            let attempts = self.split_batch(batch, &path, ended, (&stdout, &stderr));
            self.give_back(tmp);
            return attempts;
        }
        let outcome = exit.outcome();
        let (tests, infrastructure) = match &report {
            None => {
                let message = outcome.is_failure().then(|| describe_exit(exit, timeout));
                (
                    vec![TestResult {
                        id: plan.test_id.clone(),
                        outcome,
                        duration,
                        message,
                    }],
                    crate::analysis::infra::command_not_found(exit),
                )
            }
            Some(source) => {
                let path = match source {
                    ReportSource::File(p) => p.clone(),
                    ReportSource::Stdout { .. } => tmp.path.join("stdout.log"),
                };
                let parsed = read_report(&path).and_then(|bytes| parse_report(plan, &bytes));
                judge(exit, parsed, &describe_exit(exit, timeout))
            }
        };
        self.give_back(tmp);
        vec![self.noted(Attempt {
            index,
            seed,
            order_seed,
            infrastructure,
            alone,
            exit,
            duration,
            tests,
            stdout,
            stderr,
        })]
    }

    /// The attempts of a batch, from its report: an attempt the process ran to its end is judged
    /// on its own tests, as if its process had exited then (status 1 when one failed); one it
    /// died in or never reached is judged with the process's end.
    fn split_batch(
        &self,
        batch: Range<u32>,
        report: &Path,
        ended: ProcessEnd,
        (stdout, stderr): (&Excerpt, &Excerpt),
    ) -> Vec<Attempt> {
        let plan = &self.plan;
        let ProcessEnd {
            exit,
            timeout,
            duration,
            alone,
        } = ended;
        let mut parsed = read_report(report)
            .and_then(|bytes| crate::parse::batch::parse(&bytes).map_err(|e| e.to_string()));
        let share = duration / batch.len() as u32;
        let mut attempts = Vec::with_capacity(batch.len());
        for Repeat {
            index,
            seed,
            order_seed,
        } in plan.repeats(batch)
        {
            let (exit, tests) = match &mut parsed {
                Ok(repeats) => match repeats.remove(&index) {
                    Some(r) if r.ended => {
                        let failed = r.tests.iter().any(|t| t.outcome.is_failure());
                        (Exit::Code(i32::from(failed)), Ok(r.tests))
                    }
                    Some(r) => (exit, Ok(r.tests)),
                    None => (
                        exit,
                        Err(format!(
                            "the batch's process {} before attempt {index} ran",
                            describe_exit(exit, timeout)
                        )),
                    ),
                },
                Err(e) => (exit, Err(e.clone())),
            };
            let (tests, infrastructure) = judge(exit, tests, &describe_exit(exit, timeout));
            attempts.push(self.noted(Attempt {
                index,
                seed,
                order_seed,
                infrastructure,
                alone,
                exit,
                duration: share,
                tests,
                stdout: stdout.clone(),
                stderr: stderr.clone(),
            }));
        }
        attempts
    }
}

/// The largest report flaky reads (a JUnit file, or the go and cargo output it parses): past
/// it, the attempt is set aside instead of holding gigabytes in memory for each running attempt.
pub const MAX_REPORT_BYTES: u64 = 128 << 20;

/// The bytes of an attempt's report, at most [`MAX_REPORT_BYTES`] of them.
fn read_report(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = File::open(path).map_err(|e| format!("no report at {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the report at {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(format!(
            "the report at {} is larger than the {} MiB flaky reads; hint: make the tests print less (the report holds what they print), or select fewer tests per run",
            path.display(),
            MAX_REPORT_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// How a batch's process ended.
struct ProcessEnd {
    exit: Exit,
    /// The timeout each of its attempts had.
    timeout: Duration,
    duration: Duration,
    /// Whether no other attempt ran at any moment of it.
    alone: bool,
}

/// An attempt (or a batch of them) whose process was started.
struct Running {
    /// How long each of its attempts may run (the plan's, or the one derived when it started).
    timeout: Duration,
    /// The attempts the process runs: one, or a `--batch` of them.
    batch: Range<u32>,
    seed: u64,
    order_seed: Option<u64>,
    tmp: AttemptDir,
    report: Option<ReportSource>,
    stdout_file: Option<(PathBuf, bool)>,
    pgid: Pid,
    child: Child,
    started: Instant,
    output: Output,
    /// Its place among the running attempts, given up once its process ended.
    seat: Seat,
    /// The step running now, the steps still to run after it (attempts on prebuilt binaries),
    /// and the attempt's own variables they get too.
    step: Step,
    steps: std::vec::IntoIter<Step>,
    env: Vec<(String, String)>,
}

/// How the wait for a child ended.
enum Ended {
    /// The child exited and was reaped.
    Exited(Exit),
    TimedOut,
    Stopped,
}

/// A pidfd of `child`: readable once it exits. `None` before Linux 5.3.
fn pidfd(child: &Child) -> Option<OwnedFd> {
    rustix::process::pidfd_open(
        rustix::process::Pid::from_child(child),
        rustix::process::PidfdFlags::empty(),
    )
    .ok()
}

/// Waits for `child` to exit, for the deadline or for the stop, reading its output meanwhile.
/// Without a pidfd, the child is looked at every [`EXIT_POLL`] instead.
fn wait(
    child: &mut Child,
    pidfd: Option<&OwnedFd>,
    pgid: Pid,
    deadline: Option<Instant>,
    kill: &Kill,
    output: &mut Output,
    chunk: &mut [u8],
) -> Ended {
    loop {
        let mut timeout = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Ended::TimedOut,
            },
            None => None,
        };
        if pidfd.is_none() {
            timeout = Some(timeout.map_or(EXIT_POLL, |t| t.min(EXIT_POLL)));
        }
        let mut fds = Vec::with_capacity(4);
        fds.push(PollFd::new(&kill.wake, PollFlags::IN));
        if let Some(fd) = pidfd {
            fds.push(PollFd::new(fd, PollFlags::IN));
        }
        let pipes = output.poll_fds(&mut fds);
        poll_for(&mut fds, timeout);
        let ready = |f: &PollFd<'_>| !f.revents().is_empty();
        let stopped = ready(&fds[0]);
        let exited = pidfd.is_some() && ready(&fds[1]);
        let mut readable = [false; 2];
        for (r, f) in readable.iter_mut().zip(&fds[fds.len() - pipes..]) {
            *r = ready(f);
        }
        drop(fds);
        if stopped {
            return Ended::Stopped;
        }
        output.read_ready(&readable, chunk);
        if exited {
            // The child is a zombie and still holds its group id: what it left running in the
            // group goes before the id can be reused.
            kill_group(pgid);
            return Ended::Exited(exit_of(child.wait()));
        }
        if pidfd.is_none()
            && let Some(exit) = try_exit(child)
        {
            return Ended::Exited(exit);
        }
    }
}

/// The exit of a child that `try_wait` found gone, if it is.
fn try_exit(child: &mut Child) -> Option<Exit> {
    match child.try_wait() {
        Ok(None) => None,
        Ok(Some(status)) => Some(exit_of(Ok(status))),
        Err(e) => Some(exit_of(Err(e))),
    }
}

fn exit_of(status: std::io::Result<ExitStatus>) -> Exit {
    match status {
        Ok(s) => s
            .code()
            .map_or_else(|| Exit::Signal(s.signal().unwrap_or(0)), Exit::Code),
        Err(_) => Exit::Signal(0),
    }
}

/// Polls `fds` for at most `timeout` (forever: `None`); on return, each `revents` says what is
/// ready (nothing, after the timeout or an error).
fn poll_for(fds: &mut [PollFd<'_>], timeout: Option<Duration>) {
    let ts = timeout.and_then(|t| Timespec::try_from(t).ok());
    match poll(fds, ts.as_ref()) {
        // EINTR: a signal for the runtime landed on this thread; the caller looks again.
        Ok(_) | Err(rustix::io::Errno::INTR) => {}
        Err(_) => {
            // Not seen in practice (ENOMEM): wait a little rather than spin.
            fds.iter_mut().for_each(PollFd::clear_revents);
            std::thread::sleep(EXIT_POLL);
        }
    }
}

/// The output pipes of an attempt, read into excerpts while they are open.
struct Output {
    /// Stdout and stderr; a stream the child does not write to a pipe has none.
    streams: [Stream; 2],
}

struct Stream {
    pipe: Option<File>,
    buf: ExcerptBuf,
}

impl Output {
    fn new(stdout: Option<ChildStdout>, stderr: Option<ChildStderr>) -> Self {
        let stream = |pipe: Option<OwnedFd>| Stream {
            pipe: pipe.map(File::from),
            buf: ExcerptBuf::new(EXCERPT_BYTES),
        };
        Self {
            streams: [
                stream(stdout.map(OwnedFd::from)),
                stream(stderr.map(OwnedFd::from)),
            ],
        }
    }

    /// Adds the open pipes to `fds`; returns how many.
    fn poll_fds<'a>(&'a self, fds: &mut Vec<PollFd<'a>>) -> usize {
        let before = fds.len();
        for pipe in self.streams.iter().filter_map(|s| s.pipe.as_ref()) {
            fds.push(PollFd::new(pipe, PollFlags::IN));
        }
        fds.len() - before
    }

    /// Reads once from each open pipe that `ready` (in the order of [`Self::poll_fds`]) marks.
    fn read_ready(&mut self, ready: &[bool], chunk: &mut [u8]) {
        let mut ready = ready.iter();
        for s in &mut self.streams {
            let Some(pipe) = &mut s.pipe else { continue };
            if !ready.next().copied().unwrap_or(false) {
                continue;
            }
            match pipe.read(chunk) {
                Ok(n) if n > 0 => s.buf.push(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // End of output, or an error that ends it.
                _ => s.pipe = None,
            }
        }
    }

    /// Reads what is left until every pipe is closed, or at most [`READER_GRACE`]; then the
    /// excerpts of stdout and stderr.
    fn drain(mut self, chunk: &mut [u8]) -> (Excerpt, Excerpt) {
        self.read_to_end(chunk);
        let [stdout, stderr] = self.streams.map(|s| {
            if s.pipe.is_some() {
                Excerpt {
                    head: LEFT_OUT.into(),
                    ..Excerpt::default()
                }
            } else {
                s.buf.finish()
            }
        });
        (stdout, stderr)
    }

    /// The pipes of the next step of the attempt, whose output adds to the same excerpts.
    fn attach(&mut self, stdout: Option<ChildStdout>, stderr: Option<ChildStderr>) {
        for (s, pipe) in self
            .streams
            .iter_mut()
            .zip([stdout.map(OwnedFd::from), stderr.map(OwnedFd::from)])
        {
            if s.pipe.is_some() {
                s.buf.push(LEFT_OUT.as_bytes());
            }
            s.pipe = pipe.map(File::from);
        }
    }

    /// Adds flaky's own line to the stderr excerpt.
    fn note(&mut self, text: &str) {
        self.streams[1].buf.push(text.as_bytes());
    }

    /// Reads until every pipe is closed, or at most [`READER_GRACE`].
    fn read_to_end(&mut self, chunk: &mut [u8]) {
        let deadline = Instant::now() + READER_GRACE;
        loop {
            let mut fds = Vec::with_capacity(2);
            let pipes = self.poll_fds(&mut fds);
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            if pipes == 0 || left.is_zero() {
                break;
            }
            poll_for(&mut fds, Some(left));
            let mut readable = [false; 2];
            for (r, f) in readable.iter_mut().zip(&fds) {
                *r = !f.revents().is_empty();
            }
            drop(fds);
            self.read_ready(&readable, chunk);
        }
    }
}

/// What stands for output a process outside the attempt's group held open past the attempt.
const LEFT_OUT: &str = "[output left out: a process outside the attempt's group kept it open]";

/// The command (or, on prebuilt binaries, the commands), environment and report of one attempt
/// (or a batch of them).
fn prepare(
    plan: &ExecPlan,
    prebuilt: Option<&Prebuilt>,
    batch: Range<u32>,
    tmp: &Path,
    order_seed: Option<u64>,
) -> Prepared {
    let index = batch.start;
    // Only a batch needs its attempts listed (a single attempt is the hot path).
    let repeats = if batch.len() > 1 {
        plan.repeats(batch)
    } else {
        Vec::new()
    };
    let step = |argv: Vec<String>| vec![Step::new(argv, &plan.dir)];
    let argv = super::fill_command(&plan.argv, index, tmp);
    match &plan.reporting {
        Reporting::Command => Prepared {
            steps: step(argv),
            env: Vec::new(),
            report: None,
            files: Vec::new(),
        },
        Reporting::Framework { framework, select } => {
            let ctx = AttemptCtx {
                dir: tmp,
                support: &plan.support_dir,
                project: &plan.dir,
                index,
                shuffle: order_seed,
                select: select.as_deref(),
                with_report: true,
                batch: (!repeats.is_empty()).then_some(repeats.as_slice()),
            };
            let p = framework.driver().prepare(&argv, &ctx);
            // The build checked that every attempt's command maps onto the binaries.
            let steps = prebuilt
                .and_then(|b| b.steps(&p.argv).ok())
                .unwrap_or_else(|| step(p.argv));
            Prepared {
                steps,
                env: p.env,
                report: Some(p.report),
                files: p.files,
            }
        }
        Reporting::Junit { path } => {
            let path = super::fill_placeholders(path, index, tmp);
            Prepared {
                steps: step(argv),
                env: Vec::new(),
                report: Some(ReportSource::File(plan.dir.join(path))),
                files: Vec::new(),
            }
        }
    }
}

/// [`crate::framework::Prepared`] with the report optional (no report in command mode).
struct Prepared {
    /// The processes of the attempt, run one after the other: one, unless it runs on
    /// prebuilt binaries.
    steps: Vec<Step>,
    env: Vec<(String, String)>,
    report: Option<ReportSource>,
    files: Vec<(PathBuf, String)>,
}

fn parse_report(plan: &ExecPlan, bytes: &[u8]) -> Result<Vec<TestResult>, String> {
    let parsed = match &plan.reporting {
        Reporting::Framework { framework, select } => framework
            .driver()
            .parse(bytes, &plan.dir)
            .map(|mut results| {
                if let Some(select) = select {
                    let every = framework.driver().selection_runs_more();
                    crate::framework::drop_unselected(&mut results, select, every);
                }
                results
            }),
        Reporting::Junit { .. } | Reporting::Command => crate::parse::junit::parse(bytes),
    };
    parsed.map_err(|e| e.to_string())
}

/// Adds `line` to the end of the report at `path`.
fn append(path: &Path, line: &str) -> Result<(), ExecError> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()))
        .map_err(|source| ExecError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// The head and tail of a file, read without loading all of it.
fn excerpt_of_file(path: &Path) -> Excerpt {
    use std::io::{Read, Seek, SeekFrom};
    let mut buf = ExcerptBuf::new(EXCERPT_BYTES);
    if let Ok(mut f) = std::fs::File::open(path) {
        let len = f.metadata().map_or(0, |m| m.len());
        let mut head = vec![0u8; EXCERPT_BYTES.min(len as usize)];
        if f.read_exact(&mut head).is_ok() {
            buf.push(&head);
        }
        let tail_start = len
            .saturating_sub(EXCERPT_BYTES as u64)
            .max(head.len() as u64);
        if tail_start < len && f.seek(SeekFrom::Start(tail_start)).is_ok() {
            let mut tail = Vec::new();
            let _ = f.read_to_end(&mut tail);
            buf.skip(tail_start - head.len() as u64);
            buf.push(&tail);
        }
    }
    buf.finish()
}

pub(crate) fn kill_group(pgid: Pid) {
    // ESRCH (the group is already gone) is the usual, harmless answer.
    let _ = killpg(pgid, Signal::SIGKILL);
}

/// A one-line description of how a failed attempt ended.
pub fn describe_exit(exit: Exit, timeout: Duration) -> String {
    match exit {
        Exit::Code(c) => format!("exited with status {c}"),
        Exit::Signal(s) => match Signal::try_from(s) {
            Ok(sig) => format!("killed by signal {s} ({sig})"),
            Err(_) => format!("killed by signal {s}"),
        },
        Exit::Timeout => format!("timed out after {}", crate::render::duration_text(timeout)),
    }
}

/// An attempt's private directory, and what it was when it was made.
struct AttemptDir {
    path: PathBuf,
    /// Device, inode, mode and owner of the new directory: a directory that still has them
    /// (not one the test replaced or changed) and is empty is as good as a new one.
    made: (u64, u64, u32, u32, u32),
}

impl AttemptDir {
    fn stamp(path: &Path) -> std::io::Result<(u64, u64, u32, u32, u32)> {
        // Not through a symbolic link: a test may have put one in the directory's place.
        let m = std::fs::symlink_metadata(path)?;
        Ok((m.dev(), m.ino(), m.mode(), m.uid(), m.gid()))
    }

    /// Whether the directory is still the one made, empty, after what was left in it (not
    /// through symbolic links) was removed.
    fn emptied(&self) -> bool {
        let empty = || std::fs::read_dir(&self.path).is_ok_and(|mut e| e.next().is_none());
        if Self::stamp(&self.path).ok() != Some(self.made) {
            return false;
        }
        if empty() {
            return true;
        }
        for entry in std::fs::read_dir(&self.path)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            let _ = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
        empty()
    }
}

impl Slots {
    /// Attempt `index`'s private directory, `attempt-{index}` in the run's directory, empty.
    ///
    /// On ext4 making a directory takes an inode and a block, and removing it frees them (with
    /// online discard, waiting for the disk): more than `true` takes to run, in issue 13's
    /// measure. So the directory of an ended attempt is renamed for the next one, once it is
    /// found empty (what the attempt left is removed first) and still the directory that was
    /// made; otherwise it goes and a new one is made.
    fn attempt_dir(&self, index: u32) -> Result<AttemptDir, ExecError> {
        let path = self.root.join(format!("attempt-{index}"));
        let spare = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(mut dir) = spare {
            if std::fs::rename(&dir.path, &path).is_ok() {
                dir.path.clone_from(&path);
                if dir.emptied() {
                    return Ok(dir);
                }
            }
            // What cannot be removed goes with the run's directory, which says so.
            let _ = remove_tree(&dir.path);
        }
        let made = std::fs::create_dir(&path).and_then(|()| AttemptDir::stamp(&path));
        match made {
            Ok(made) => Ok(AttemptDir { path, made }),
            Err(source) => Err(ExecError::TempDir { path, source }),
        }
    }

    /// The attempt, once the company of the next attempts knows whether it failed.
    fn noted(&self, attempt: Attempt) -> Attempt {
        if attempt.outcome().is_failure() || attempt.a_test_failed() {
            self.company.failure_seen();
        }
        attempt
    }

    /// Keeps an ended attempt's directory for the next attempts (see [`Self::attempt_dir`]).
    fn give_back(&self, dir: AttemptDir) {
        self.spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spawn(script: &str) -> (Child, Pid, Output) {
        let mut child = std::process::Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = Pid::from_raw(child.id() as i32);
        let output = Output::new(child.stdout.take(), child.stderr.take());
        (child, pgid, output)
    }

    #[test]
    fn the_exit_and_the_output_are_seen_with_a_pidfd_and_without() {
        let kill = Kill::new().unwrap();
        let mut chunk = vec![0u8; CHUNK];
        for with_pidfd in [true, false] {
            let (mut child, pgid, mut output) = spawn("echo out; echo err >&2; exit 3");
            let fd = if with_pidfd { pidfd(&child) } else { None };
            let ended = wait(
                &mut child,
                fd.as_ref(),
                pgid,
                None,
                &kill,
                &mut output,
                &mut chunk,
            );
            assert!(
                matches!(ended, Ended::Exited(Exit::Code(3))),
                "pidfd: {with_pidfd}"
            );
            let (stdout, stderr) = output.drain(&mut chunk);
            assert_eq!(
                (stdout.text(), stderr.text()),
                ("out\n".into(), "err\n".into())
            );
        }
    }

    #[test]
    fn a_stop_or_the_deadline_ends_the_wait() {
        let mut chunk = vec![0u8; CHUNK];
        for stop in [true, false] {
            let kill = Kill::new().unwrap();
            let (mut child, pgid, mut output) = spawn("exec sleep 1000");
            let deadline = if stop {
                kill.stop();
                None
            } else {
                Some(Instant::now())
            };
            let fd = pidfd(&child);
            let ended = wait(
                &mut child,
                fd.as_ref(),
                pgid,
                deadline,
                &kill,
                &mut output,
                &mut chunk,
            );
            kill_group(pgid);
            child.wait().unwrap();
            assert!(match ended {
                Ended::Stopped => stop,
                Ended::TimedOut => !stop,
                Ended::Exited(_) => false,
            });
        }
    }
}
