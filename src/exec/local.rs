//! The local backend: each attempt is a process group with a private TMPDIR, run `jobs` at once.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::seed::{attempt_env, attempt_seed};
use super::{Backend, EXCERPT_BYTES, ExcerptBuf, ExecError, ExecPlan, Reporting, StopSignal};
use crate::events::RunEvent;
use crate::framework::{AttemptCtx, ReportSource};
use crate::model::{Attempt, Excerpt, Exit, TestResult};

/// How long output readers may go on after the attempt's group was killed: only a process that
/// left the group (setsid) can still hold the pipes open, and it is not waited for.
const READER_GRACE: Duration = Duration::from_secs(2);

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
        let root = TempRoot::create(&plan.run_id)?;
        write_support_files(plan)?;
        let plan = Arc::new(plan.clone());
        // Stops the attempts: on the caller's stop, and on a spawn error of any attempt.
        let (kill_tx, kill) = StopSignal::new();
        let mut running = JoinSet::new();
        let mut next = plan.attempts.start;
        let mut failure = None;
        let mut stopping = false;
        let permits = stop.clone();
        loop {
            let may_start = |stopping: bool, failed: bool, next: u32, running: usize| {
                !stopping
                    && !stop.is_draining()
                    && !failed
                    && next < plan.attempts.end
                    && running < plan.jobs as usize
            };
            while may_start(stopping, failure.is_some(), next, running.len()) && stop.take_permit()
            {
                running.spawn(run_attempt(
                    Arc::clone(&plan),
                    next,
                    root.path.clone(),
                    events.clone(),
                    kill.clone(),
                ));
                next += 1;
            }
            let waiting = may_start(stopping, failure.is_some(), next, running.len());
            if running.is_empty() && !waiting {
                break;
            }
            tokio::select! {
                joined = running.join_next(), if !running.is_empty() => match joined {
                    Some(Ok(Ok(()))) | None => {}
                    Some(Ok(Err(e))) => {
                        failure.get_or_insert(e);
                        kill_tx.stop();
                    }
                    Some(Err(e)) => std::panic::resume_unwind(e.into_panic()),
                },
                // A permit was handed out (gated runs): go round and start the next attempt.
                () = permits.permit_available(), if waiting => {}
                () = stop.stopped(), if !stopping => {
                    stopping = true;
                    kill_tx.stop();
                }
            }
        }
        failure.map_or(Ok(()), Err)
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
struct TempRoot {
    path: PathBuf,
}

impl TempRoot {
    fn create(run_id: &str) -> Result<Self, ExecError> {
        let path = std::env::temp_dir().join(format!("flaky-{run_id}"));
        std::fs::create_dir_all(&path).map_err(|source| ExecError::TempDir {
            path: path.clone(),
            source,
        })?;
        Ok(Self { path })
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs one attempt; `Ok` also when it was stopped (then nothing is reported).
async fn run_attempt(
    plan: Arc<ExecPlan>,
    index: u32,
    root: PathBuf,
    events: mpsc::UnboundedSender<RunEvent>,
    mut stop: StopSignal,
) -> Result<(), ExecError> {
    if stop.is_stopped() {
        return Ok(());
    }
    let seed = attempt_seed(plan.base_seed, index);
    let order_seed = plan.order.shuffles(index).then_some(seed);
    let tmp = root.join(format!("attempt-{index}"));
    std::fs::create_dir(&tmp).map_err(|source| ExecError::TempDir {
        path: tmp.clone(),
        source,
    })?;
    let _cleanup = RemoveOnDrop(&tmp);

    let prepared = prepare(&plan, index, &tmp, order_seed);
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
        Some(ReportSource::Stdout { merge_stderr }) => Some((tmp.join("stdout.log"), merge_stderr)),
        _ => None,
    };

    let mut cmd = tokio::process::Command::new(&prepared.argv[0]);
    cmd.args(&prepared.argv[1..])
        .current_dir(&plan.dir)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .envs(attempt_env(index, seed))
        .envs(prepared.env.iter().map(|(k, v)| (k, v)))
        .env("FLAKY_RUN_ID", &plan.run_id)
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some((path, merge)) = &stdout_file {
        // The report is the output itself: it goes to a file (in order, with stderr when the
        // parser needs both), so memory stays flat however long it is.
        let file = std::fs::File::create(path).map_err(|source| ExecError::Write {
            path: path.clone(),
            source,
        })?;
        if *merge {
            let err = file.try_clone().map_err(|source| ExecError::Write {
                path: path.clone(),
                source,
            })?;
            cmd.stderr(err);
        }
        cmd.stdout(file);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|source| ExecError::Spawn {
        program: prepared.argv[0].clone(),
        source,
    })?;
    let pgid = child.id().map(|id| Pid::from_raw(id as i32));
    let _ = events.send(RunEvent::AttemptStarted { index });
    let stdout = tokio::spawn(read_excerpt(child.stdout.take()));
    let stderr = tokio::spawn(read_excerpt(child.stderr.take()));

    let exit = tokio::select! {
        status = child.wait() => match status {
            Ok(s) => s.code().map_or_else(|| Exit::Signal(s.signal().unwrap_or(0)), Exit::Code),
            Err(_) => Exit::Signal(0),
        },
        () = tokio::time::sleep(plan.timeout) => {
            kill_group(pgid);
            let _ = child.wait().await;
            Exit::Timeout
        }
        () = stop.stopped() => {
            kill_group(pgid);
            let _ = child.wait().await;
            kill_group(pgid);
            return Ok(());
        }
    };
    let duration = started.elapsed();
    // Whatever the command left running in its group goes too: it would hold the pipes open
    // and disturb the next attempts.
    kill_group(pgid);
    let mut stdout = finish_reader(stdout).await;
    let stderr = finish_reader(stderr).await;
    if let Some((path, _)) = &stdout_file {
        stdout = excerpt_of_file(path);
    }

    let outcome = exit.outcome();
    let (tests, infrastructure) = match &prepared.report {
        None => {
            let message = outcome
                .is_failure()
                .then(|| describe_exit(exit, plan.timeout));
            (
                vec![TestResult {
                    id: plan.test_id.clone(),
                    outcome,
                    duration,
                    message,
                }],
                None,
            )
        }
        Some(source) => {
            let path = match source {
                ReportSource::File(p) => p.clone(),
                ReportSource::Stdout { .. } => tmp.join("stdout.log"),
            };
            let parsed = match std::fs::read(&path) {
                Ok(bytes) => parse_report(&plan, &bytes),
                Err(e) => Err(format!("no report at {}: {e}", path.display())),
            };
            judge(exit, parsed, plan.timeout)
        }
    };
    let attempt = Attempt {
        index,
        seed,
        order_seed,
        infrastructure,
        exit,
        duration,
        tests,
        stdout,
        stderr,
    };
    let _ = events.send(RunEvent::AttemptFinished(Box::new(attempt)));
    Ok(())
}

/// The command, environment and report of one attempt.
fn prepare(plan: &ExecPlan, index: u32, tmp: &Path, order_seed: Option<u64>) -> Prepared {
    match &plan.reporting {
        Reporting::Command => Prepared {
            argv: plan.argv.clone(),
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
            };
            let p = framework.driver().prepare(&plan.argv, &ctx);
            Prepared {
                argv: p.argv,
                env: p.env,
                report: Some(p.report),
                files: p.files,
            }
        }
        Reporting::Junit { path } => {
            let path = path
                .replace("{attempt}", &index.to_string())
                .replace("{tmpdir}", &tmp.to_string_lossy());
            Prepared {
                argv: plan.argv.clone(),
                env: Vec::new(),
                report: Some(ReportSource::File(plan.dir.join(path))),
                files: Vec::new(),
            }
        }
    }
}

/// [`crate::framework::Prepared`] with the report optional (no report in command mode).
struct Prepared {
    argv: Vec<String>,
    env: Vec<(String, String)>,
    report: Option<ReportSource>,
    files: Vec<(PathBuf, String)>,
}

fn parse_report(plan: &ExecPlan, bytes: &[u8]) -> Result<Vec<TestResult>, String> {
    let parsed = match &plan.reporting {
        Reporting::Framework { framework, .. } => framework.driver().parse(bytes, &plan.dir),
        Reporting::Junit { .. } | Reporting::Command => crate::parse::junit::parse(bytes),
    };
    parsed.map_err(|e| e.to_string())
}

/// How many tests an attempt must have before "most failed together" marks it infrastructure.
const MASS_FAILURE_MIN_TESTS: usize = 5;

/// The tests an attempt reports, and why the attempt says nothing about them, if it does not.
fn judge(
    exit: Exit,
    parsed: Result<Vec<TestResult>, String>,
    timeout: Duration,
) -> (Vec<TestResult>, Option<String>) {
    let tests = match parsed {
        Err(e) if exit == Exit::Timeout => {
            return (
                Vec::new(),
                Some(format!(
                    "{} before its report was complete ({e})",
                    describe_exit(exit, timeout)
                )),
            );
        }
        Err(e) => return (Vec::new(), Some(e)),
        Ok(tests) => tests,
    };
    let counted = tests
        .iter()
        .filter(|t| t.outcome != crate::model::Outcome::Skip)
        .count();
    let failed = tests.iter().filter(|t| t.outcome.is_failure()).count();
    let reason = if counted == 0 {
        Some(match exit {
            Exit::Code(0) => "the report holds no test result".to_owned(),
            other => format!(
                "the command {} before any test ran",
                describe_exit(other, timeout)
            ),
        })
    } else if let Exit::Signal(_) = exit {
        Some(format!(
            "the test process was {}",
            describe_exit(exit, timeout)
        ))
    } else if counted >= MASS_FAILURE_MIN_TESTS && failed * 2 > counted {
        Some(format!("{failed} of {counted} tests failed together"))
    } else {
        None
    };
    (tests, reason)
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

fn kill_group(pgid: Option<Pid>) {
    if let Some(pgid) = pgid {
        // ESRCH (the group is already gone) is the usual, harmless answer.
        let _ = killpg(pgid, Signal::SIGKILL);
    }
}

async fn read_excerpt(stream: Option<impl AsyncRead + Unpin>) -> Excerpt {
    let mut buf = ExcerptBuf::new(EXCERPT_BYTES);
    if let Some(mut stream) = stream {
        let mut chunk = vec![0u8; 64 * 1024];
        while let Ok(n) = stream.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            buf.push(&chunk[..n]);
        }
    }
    buf.finish()
}

async fn finish_reader(handle: tokio::task::JoinHandle<Excerpt>) -> Excerpt {
    let abort = handle.abort_handle();
    match tokio::time::timeout(READER_GRACE, handle).await {
        Ok(Ok(excerpt)) => excerpt,
        _ => {
            abort.abort();
            Excerpt {
                head: "[output left out: a process outside the attempt's group kept it open]"
                    .into(),
                ..Excerpt::default()
            }
        }
    }
}

/// A one-line description of how a failed attempt ended.
pub fn describe_exit(exit: Exit, timeout: Duration) -> String {
    match exit {
        Exit::Code(c) => format!("exited with status {c}"),
        Exit::Signal(s) => match Signal::try_from(s) {
            Ok(sig) => format!("killed by signal {s} ({sig})"),
            Err(_) => format!("killed by signal {s}"),
        },
        Exit::Timeout => format!("timed out after {}", humantime::format_duration(timeout)),
    }
}

struct RemoveOnDrop<'a>(&'a Path);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0);
    }
}
