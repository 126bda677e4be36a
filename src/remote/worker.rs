//! `flaky worker`: runs one job (a shard of attempts) and returns its result. It validates the job,
//! fetches exactly the commit with the `git` command, installs the project's dependencies, runs the
//! attempts with the local engine, and always removes its directory.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::{Job, ResultBuilder, ShardResult, WIRE_VERSION};
use crate::config::{self, display_command};
use crate::events::RunEvent;
use crate::exec::{Backend, ExecPlan, LocalBackend, Reporting, StopSignal};
use crate::framework::{Framework, ProjectDir};
use crate::secrets::{self, Redactor};

/// Limits a job must stay within.
const MAX_ATTEMPTS: u32 = 100_000;
const MAX_JOBS: u32 = 64;
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// How long fetching the commit and installing dependencies may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(600);
const INSTALL_TIMEOUT: Duration = Duration::from_secs(900);
/// Why a step ended early when the worker was told to stop.
const STOPPED: &str = "stopped by a signal";
/// How much of a failed step's output an error quotes.
const ERROR_OUTPUT: usize = 2000;

/// How the worker may be used, from its own command line (never from the job).
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Accept `file://` repositories (tests and local setups).
    pub allow_file_urls: bool,
    /// Where the checkout goes (a fresh directory below it, removed afterwards).
    pub work_root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("bad job: {0}")]
    BadJob(String),
    #[error("cannot fetch commit {commit} of {repository}: {detail}")]
    Fetch {
        repository: String,
        commit: String,
        detail: String,
    },
    #[error("the install command `{command}` failed: {detail}")]
    Install { command: String, detail: String },
    #[error("{0}")]
    Run(String),
}

/// Reads, checks and runs a job.
pub async fn run_job(
    input: &[u8],
    opts: &WorkerOptions,
    stop: StopSignal,
) -> Result<ShardResult, WorkerError> {
    let job: Job = serde_json::from_slice(input)
        .map_err(|e| WorkerError::BadJob(format!("not a flaky job: {e}")))?;
    validate(&job, opts)?;
    let withheld = withheld_vars();
    let checkout = Checkout::create(&opts.work_root, &job.run_id, job.attempts[0])?;
    let mut stopped = stop.clone();
    fetch(&job, &checkout.path, &withheld, &mut stopped).await?;
    let project = project_dir(&checkout.path, &job.dir)?;
    let framework = job
        .framework
        .as_deref()
        .map(|f| {
            Framework::parse(f)
                .ok_or_else(|| WorkerError::BadJob(format!("unknown framework `{f}`")))
        })
        .transpose()?;
    let command = if job.command.is_empty() {
        config::default_command(&project, framework)
            .map_err(|e| WorkerError::BadJob(e.to_string()))?
    } else {
        job.command.clone()
    };
    let argv = if job.shell {
        vec!["sh".to_owned(), "-c".to_owned(), command.join(" ")]
    } else {
        command.clone()
    };
    // Labels and what goes back to the client show secret options masked.
    let shown_command = secrets::masked_command(&command, job.shell);
    let driven = config::drive(
        &argv, &command, &project, framework, job.shell, None, job.order,
    )
    .map_err(|e| WorkerError::BadJob(e.to_string()))?;
    let mut reporting = driven.reporting;
    let framework = match &mut reporting {
        Reporting::Framework { framework, select } => {
            select.clone_from(&job.tests);
            Some(*framework)
        }
        _ if job.tests.is_some() => {
            return Err(WorkerError::BadJob(
                "`tests` selects tests, which needs a framework flaky drives".into(),
            ));
        }
        _ => None,
    };
    if job.install
        && let Some(fw) = framework
    {
        install(fw, &project, &withheld, &mut stopped).await?;
    }

    let plan = ExecPlan {
        batch: 1,
        argv: driven.argv,
        dir: project,
        env: job
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        env_remove: withheld,
        attempts: job.attempts[0]..job.attempts[1],
        jobs: job.jobs,
        timeout: Duration::from_millis(job.timeout_ms),
        timeout_from_first: false,
        base_seed: job.seed,
        run_id: job.run_id.clone(),
        test_id: config::command_line(&shown_command, job.shell),
        reporting,
        order: driven.order,
        support_dir: config::support_dir(),
        isolation: Default::default(),
    };
    // What the attempts print of the worker's own secrets (read from elsewhere than their
    // environment) is masked before it leaves the worker.
    let redactor = Redactor::for_attempts(&plan.env);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let exec = LocalBackend.execute(&plan, tx, stop);
    let collect = async {
        let mut builder = ResultBuilder::default();
        while let Some(event) = rx.recv().await {
            if let RunEvent::AttemptFinished(mut a) = event {
                redactor.attempt(&mut a);
                builder.push(&a);
            }
        }
        builder
    };
    let (result, builder) = tokio::join!(exec, collect);
    result.map_err(|e| WorkerError::Run(e.to_string()))?;
    Ok(builder.finish(
        framework.map(|f| f.name().to_owned()),
        plan.order,
        shown_command,
        driven.notes,
    ))
}

/// Why a worker refuses to fetch repository `r`, if it does: it takes `https://...` and
/// `git@host:path` (and `file://` when started with `--allow-file-urls`), with no credentials in
/// the URL. The client asks before it sends a job, so a refusal costs no cold start.
pub fn refuse_repository(r: &str, allow_file_urls: bool) -> Option<String> {
    let scheme_ok = r.starts_with("https://")
        || (r.starts_with("git@") && r.contains(':'))
        || (r.starts_with("file://") && allow_file_urls);
    if !scheme_ok {
        return Some(format!(
            "repository `{}` must be https://... or git@host:path{}",
            crate::vcs::strip_credentials(r),
            if r.starts_with("file://") {
                " (file:// only for a worker started with --allow-file-urls)"
            } else {
                ""
            }
        ));
    }
    if r.starts_with("https://") && crate::vcs::strip_credentials(r) != *r {
        return Some("the repository URL carries credentials; give the worker a token in its environment (FLAKY_GIT_TOKEN) instead".into());
    }
    if r.starts_with('-') || r.contains(char::is_whitespace) {
        return Some("the repository URL has spaces or starts with `-`".into());
    }
    None
}

fn validate(job: &Job, opts: &WorkerOptions) -> Result<(), WorkerError> {
    let bad = |m: String| Err(WorkerError::BadJob(m));
    if job.schema_version != WIRE_VERSION {
        return bad(format!(
            "schema_version {} is not {WIRE_VERSION}: client and worker image differ; hint: rebuild the worker image from the same flaky version",
            job.schema_version
        ));
    }
    if let Some(why) = refuse_repository(&job.repository, opts.allow_file_urls) {
        return bad(why);
    }
    if job.commit.len() != 40 || !job.commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return bad(format!(
            "commit `{}` is not a full 40-character sha",
            job.commit
        ));
    }
    let [start, end] = job.attempts;
    if start >= end || end - start > MAX_ATTEMPTS {
        return bad(format!(
            "attempts [{start}, {end}) must hold 1 to {MAX_ATTEMPTS} attempts"
        ));
    }
    if job.jobs == 0 || job.jobs > MAX_JOBS {
        return bad(format!(
            "jobs is {}, but it must be from 1 to {MAX_JOBS}",
            job.jobs
        ));
    }
    if job.timeout_ms == 0 || Duration::from_millis(job.timeout_ms) > MAX_TIMEOUT {
        return bad(format!(
            "timeout_ms is {}, but it must be from 1 ms to 24 h",
            job.timeout_ms
        ));
    }
    if Path::new(&job.dir)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return bad(format!(
            "dir `{}` must be a relative path inside the repository",
            job.dir
        ));
    }
    if job.command.iter().any(|w| w.contains('\0'))
        || job
            .env
            .iter()
            .any(|(k, v)| k.is_empty() || k.contains(['=', '\0']) || v.contains('\0'))
    {
        return bad("the command or env holds NUL bytes or an invalid variable name".into());
    }
    if job.shell && job.command.is_empty() {
        return bad("shell is true, but there is no command to give to the shell".into());
    }
    if job.run_id.is_empty()
        || !job
            .run_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return bad(format!(
            "run_id `{}` must be letters, digits and dashes",
            job.run_id
        ));
    }
    Ok(())
}

/// The project directory `dir` of the checkout, resolved: a symbolic link in the repository
/// must not lead the command out of the checkout.
fn project_dir(checkout: &Path, dir: &str) -> Result<PathBuf, WorkerError> {
    let joined = checkout.join(dir);
    if !joined.is_dir() {
        return Err(WorkerError::BadJob(format!(
            "`dir` {dir} is not a directory of the repository"
        )));
    }
    let resolve = |p: &Path| {
        p.canonicalize()
            .map_err(|e| WorkerError::Run(format!("cannot resolve {}: {e}", p.display())))
    };
    let project = resolve(&joined)?;
    if !project.starts_with(resolve(checkout)?) {
        return Err(WorkerError::BadJob(format!(
            "`dir` {dir} leads out of the repository through a symbolic link (to {})",
            project.display()
        )));
    }
    Ok(project)
}

/// The job's checkout directory, removed when dropped, whatever happened.
struct Checkout {
    path: PathBuf,
}

impl Checkout {
    fn create(root: &Path, run_id: &str, first: u32) -> Result<Self, WorkerError> {
        let path = root.join(format!(
            "flaky-worker-{run_id}-{first}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)
            .map_err(|e| WorkerError::Run(format!("cannot create {}: {e}", path.display())))?;
        Ok(Self { path })
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The variables of the worker's environment that the code under test never gets: the git
/// token, RunPod's settings and keys (`RUNPOD_*`), and every secret-looking name.
fn withheld_vars() -> Vec<OsString> {
    std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| {
            let name = name.to_string_lossy();
            name.starts_with("RUNPOD_") || secrets::looks_secret(&name)
        })
        .collect()
}

/// `git init` + a shallow fetch of exactly the commit + checkout. A token for private
/// repositories comes from the worker's environment through a credential helper, never from the
/// job or a URL.
async fn fetch(
    job: &Job,
    dir: &Path,
    withheld: &[OsString],
    stop: &mut StopSignal,
) -> Result<(), WorkerError> {
    let err = |detail: String| WorkerError::Fetch {
        repository: crate::vcs::strip_credentials(&job.repository),
        commit: job.commit.clone(),
        detail,
    };
    let token = ["FLAKY_GIT_TOKEN", "GIT_TOKEN"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    let mut helper = vec!["-c".to_owned(), "credential.helper=".to_owned()];
    if token.is_some() {
        helper.extend([
            "-c".to_owned(),
            "credential.helper=!f() { test \"$1\" = get && echo username=x-access-token && echo \"password=$FLAKY_GIT_TOKEN_VALUE\"; }; f".to_owned(),
        ]);
    }
    let steps: [Vec<String>; 3] = [
        vec!["init".into(), "-q".into()],
        [
            helper.clone(),
            vec![
                "fetch".into(),
                "-q".into(),
                "--depth".into(),
                "1".into(),
                "--no-tags".into(),
                job.repository.clone(),
                job.commit.clone(),
            ],
        ]
        .concat(),
        vec![
            "-c".into(),
            "advice.detachedHead=false".into(),
            "checkout".into(),
            "-q".into(),
            "FETCH_HEAD".into(),
        ],
    ];
    for args in steps {
        let mut cmd = tokio::process::Command::new("git");
        for name in withheld {
            cmd.env_remove(name);
        }
        cmd.args(&args)
            .current_dir(dir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        // Only the fetch asks for credentials.
        if let Some(t) = &token
            && args.iter().any(|a| a == "fetch")
        {
            cmd.env("FLAKY_GIT_TOKEN_VALUE", t);
        }
        let (status, output) = run_captured(cmd, FETCH_TIMEOUT, stop)
            .await
            .map_err(|e| err(format!("git: {e}")))?;
        if !status {
            // git's own message, without anything that could carry the token.
            let output = output.replace(token.as_deref().unwrap_or("\0"), "***");
            return Err(err(format!(
                "`git {}` failed: {}",
                args.iter()
                    .find(|a| !a.starts_with('-') && !a.contains('='))
                    .map_or("", String::as_str),
                tail(&output)
            )));
        }
    }
    Ok(())
}

async fn install(
    fw: Framework,
    project: &Path,
    withheld: &[OsString],
    stop: &mut StopSignal,
) -> Result<(), WorkerError> {
    let Some(command) = fw.driver().install_command(&ProjectDir::read(project)) else {
        return Ok(());
    };
    let mut cmd = tokio::process::Command::new(&command[0]);
    for name in withheld {
        cmd.env_remove(name);
    }
    cmd.args(&command[1..])
        .current_dir(project)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let line = display_command(&command);
    let (ok, output) = run_captured(cmd, INSTALL_TIMEOUT, stop)
        .await
        .map_err(|e| WorkerError::Install {
            command: line.clone(),
            detail: e,
        })?;
    if ok {
        Ok(())
    } else {
        Err(WorkerError::Install {
            command: line,
            detail: tail(&output),
        })
    }
}

/// Runs a command in a process group of its own with stdout and stderr captured together,
/// within `timeout`; on timeout or a stop (SIGTERM), the whole group is killed.
async fn run_captured(
    mut cmd: tokio::process::Command,
    timeout: Duration,
    stop: &mut StopSignal,
) -> Result<(bool, String), String> {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let group = child.id().map(|id| nix::unistd::Pid::from_raw(id as i32));
    let (out, err) = (child.stdout.take(), child.stderr.take());
    // Both pipes at once: a full stderr pipe must not block the reading of stdout.
    let drain = |pipe: Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>| async move {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf).await;
        }
        buf
    };
    let read = async {
        let (mut a, b) = tokio::join!(
            drain(out.map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Unpin + Send>)),
            drain(err.map(|e| Box::new(e) as Box<dyn tokio::io::AsyncRead + Unpin + Send>))
        );
        a.extend(b);
        a
    };
    let ended = tokio::select! {
        (status, output) = async { tokio::join!(child.wait(), read) } => {
            return Ok((
                status.is_ok_and(|s| s.success()),
                String::from_utf8_lossy(&output).into_owned(),
            ));
        }
        () = tokio::time::sleep(timeout) => format!(
            "timed out after {}",
            crate::render::duration_text(timeout)
        ),
        () = stop.stopped() => STOPPED.to_owned(),
    };
    if let Some(group) = group {
        crate::exec::kill_group(group);
    }
    let _ = child.wait().await;
    Err(ended)
}

fn tail(output: &str) -> String {
    let trimmed = output.trim();
    let mut start = trimmed.len().saturating_sub(ERROR_OUTPUT);
    while !trimmed.is_char_boundary(start) {
        start += 1;
    }
    trimmed[start..].to_owned()
}
