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
use super::{Backend, EXCERPT_BYTES, ExcerptBuf, ExecError, ExecPlan, StopSignal};
use crate::events::RunEvent;
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
        let plan = Arc::new(plan.clone());
        // Stops the attempts: on the caller's stop, and on a spawn error of any attempt.
        let (kill_tx, kill) = StopSignal::new();
        let mut running = JoinSet::new();
        let mut next = plan.attempts.start;
        let mut failure = None;
        let mut stopping = false;
        loop {
            while !stopping
                && failure.is_none()
                && next < plan.attempts.end
                && running.len() < plan.jobs as usize
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
            if running.is_empty() {
                break;
            }
            tokio::select! {
                joined = running.join_next() => match joined {
                    Some(Ok(Ok(()))) | None => {}
                    Some(Ok(Err(e))) => {
                        failure.get_or_insert(e);
                        let _ = kill_tx.send(true);
                    }
                    Some(Err(e)) => std::panic::resume_unwind(e.into_panic()),
                },
                () = stop.stopped(), if !stopping => {
                    stopping = true;
                    let _ = kill_tx.send(true);
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }
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
    let tmp = root.join(format!("attempt-{index}"));
    std::fs::create_dir(&tmp).map_err(|source| ExecError::TempDir {
        path: tmp.clone(),
        source,
    })?;
    let _cleanup = RemoveOnDrop(&tmp);

    let mut cmd = tokio::process::Command::new(&plan.argv[0]);
    cmd.args(&plan.argv[1..])
        .current_dir(&plan.dir)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .envs(attempt_env(index, seed))
        .env("FLAKY_RUN_ID", &plan.run_id)
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|source| ExecError::Spawn {
        program: plan.argv[0].clone(),
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
    let stdout = finish_reader(stdout).await;
    let stderr = finish_reader(stderr).await;

    let outcome = exit.outcome();
    let message = outcome
        .is_failure()
        .then(|| describe_exit(exit, plan.timeout));
    let attempt = Attempt {
        index,
        seed,
        exit,
        duration,
        tests: vec![TestResult {
            id: plan.test_id.clone(),
            outcome,
            duration,
            message,
        }],
        stdout,
        stderr,
    };
    let _ = events.send(RunEvent::AttemptFinished(Box::new(attempt)));
    Ok(())
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
